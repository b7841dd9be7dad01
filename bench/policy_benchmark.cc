// Copyright 2026 The hoop Authors.
//
// Policy engine benchmarks:
//   BM_Verdict50Rules      ns per decision, a 50-rule policy, typical statements
//                          (already classified), the gateway's per-command cost
//   BM_ClassifyAndDecide   classify + decide, as a gateway does per query
//   BM_ClassifySql         classifier throughput (statements/s, bytes/s)
//   BM_NaiveFirstWord      the baseline: a peer's "first keyword" guardrail,
//                          which a comment or a CTE evades
//   BM_ClassifyCorpus      every pg-regress script (if shared/corpora exists)
//   BM_ClassifyShell, BM_ClassifyKubernetes
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hoop/policy/http.h"
#include "hoop/policy/policy.h"
#include "hoop/policy/shell.h"
#include "hoop/policy/sql.h"

namespace hp = hoop::policy;

namespace {

const std::vector<std::string>& TypicalStatements() {
  static const auto* v = new std::vector<std::string>{
      "SELECT id, email, created_at FROM users WHERE id = $1",
      "SELECT o.id, sum(l.amount) FROM orders o JOIN lines l ON l.order_id = o.id "
      "WHERE o.created_at > now() - interval '1 day' GROUP BY o.id ORDER BY 2 DESC LIMIT 50",
      "UPDATE accounts SET balance = balance - 10 WHERE id = 42",
      "INSERT INTO events (kind, payload) VALUES ('login', '{\"ip\": \"10.0.0.1\"}')",
      "DELETE FROM sessions WHERE expires_at < now()",
      "BEGIN",
      "COMMIT",
      "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '7 days') "
      "SELECT count(*) FROM recent",
      "SET search_path = app, public",
      "EXPLAIN SELECT * FROM users WHERE email = 'a@b.c'",
  };
  return *v;
}

std::string FiftyRulePolicy() {
  std::string y = "version: hoop.policy/v1\nrules:\n";
  char buf[512];
  for (int i = 0; i < 46; ++i) {
    std::snprintf(buf, sizeof buf,
                  "  - id: team-%d-read\n"
                  "    subjects: [{groups: [team-%d]}]\n"
                  "    resources: {names: [\"db-%d-*\"], kinds: [postgres]}\n"
                  "    sql: {effects: [read], tables: [\"app.*\", \"public.*\", \"t%d_*\"]}\n"
                  "    verdict: allow\n",
                  i, i, i, i);
    y += buf;
  }
  y +=
      "  - id: analysts-read\n    subjects: [{groups: [analysts]}]\n"
      "    resources: {names: [\"warehouse-*\"]}\n    sql: {effects: [read, tx, session]}\n"
      "    verdict: allow\n    masking_profile: pii\n"
      "  - id: analysts-write\n    subjects: [{groups: [analysts]}]\n"
      "    sql: {effects: [write]}\n    verdict: review\n"
      "    review: {approver_groups: [dba]}\n"
      "  - id: no-unbounded-writes\n    sql: {flags: [no_where]}\n    verdict: deny\n"
      "  - id: secrets\n    sql: {any_tables: [\"secrets.*\"]}\n    verdict: deny\n";
  return y;
}

void BM_Verdict50Rules(benchmark::State& state) {
  auto policy = hp::Policy::FromText(FiftyRulePolicy(), "bench");
  if (!policy.ok()) {
    state.SkipWithError("policy");
    return;
  }
  hp::Identity who;
  who.subject = "ann";
  who.groups = {"analysts", "team-3"};
  hp::Resource db{"warehouse-eu", hp::ResourceKind::kPostgres, {}};
  std::vector<std::vector<hp::SqlStatement>> stmts;
  for (const std::string& s : TypicalStatements()) {
    stmts.push_back(hp::ClassifySql(s, hp::SqlDialect::kPostgres));
  }
  hp::Request req;
  req.identity = &who;
  req.resource = &db;
  req.time = absl::FromUnixSeconds(1800000000);
  size_t i = 0;
  for (auto _ : state) {
    req.sql = &stmts[i++ % stmts.size()];
    benchmark::DoNotOptimize((*policy)->Evaluate(req));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("rules=" + std::to_string((*policy)->rule_count()));
}
BENCHMARK(BM_Verdict50Rules);

void BM_ClassifyAndDecide(benchmark::State& state) {
  auto policy = hp::Policy::FromText(FiftyRulePolicy(), "bench");
  hp::Identity who;
  who.subject = "ann";
  who.groups = {"analysts"};
  hp::Resource db{"warehouse-eu", hp::ResourceKind::kPostgres, {}};
  hp::Request req;
  req.identity = &who;
  req.resource = &db;
  req.time = absl::FromUnixSeconds(1800000000);
  size_t i = 0;
  for (auto _ : state) {
    auto stmts = hp::ClassifySql(TypicalStatements()[i++ % TypicalStatements().size()],
                                 hp::SqlDialect::kPostgres);
    req.sql = &stmts;
    benchmark::DoNotOptimize((*policy)->Evaluate(req));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyAndDecide);

void BM_ClassifySql(benchmark::State& state) {
  size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const std::string& s : TypicalStatements()) {
      benchmark::DoNotOptimize(hp::ClassifySql(s, hp::SqlDialect::kPostgres));
      bytes += s.size();
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ClassifySql);

// Baseline: what substring guardrails do. Fast, and wrong on
// "/* */ DELETE", "WITH d AS (DELETE ...) SELECT", "SELECT nextval(...)".
void BM_NaiveFirstWord(benchmark::State& state) {
  size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const std::string& s : TypicalStatements()) {
      size_t b = s.find_first_not_of(" \t\n");
      size_t e = s.find_first_of(" \t\n(", b);
      std::string w = s.substr(b, e - b);
      for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      benchmark::DoNotOptimize(w == "SELECT" || w == "SHOW" || w == "EXPLAIN");
      bytes += s.size();
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_NaiveFirstWord);

void BM_ClassifyCorpus(benchmark::State& state) {
  std::vector<std::string> files;
  const std::string dir = std::string(HOOP_CORPORA_DIR) + "/sql/pg-regress";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".sql") continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    files.push_back(ss.str());
  }
  if (files.empty()) {
    state.SkipWithError("no shared/corpora/sql/pg-regress");
    return;
  }
  size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const std::string& f : files) {
      n += hp::ClassifySql(f, hp::SqlDialect::kPostgres).size();
      bytes += f.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ClassifyCorpus)->Unit(benchmark::kMillisecond);

void BM_ClassifyShell(benchmark::State& state) {
  const std::string line = "cd /srv/app && sudo -u app env RAILS_ENV=production "
                           "bundle exec rake db:migrate 2>&1 | tee /tmp/log | grep -v DEBUG";
  for (auto _ : state) benchmark::DoNotOptimize(hp::ClassifyShell(line));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyShell);

void BM_ClassifyKubernetes(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(hp::ClassifyKubernetes(
        "GET", "/apis/apps/v1/namespaces/prod/deployments?labelSelector=app%3Dweb&watch=true"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyKubernetes);

}  // namespace

BENCHMARK_MAIN();
