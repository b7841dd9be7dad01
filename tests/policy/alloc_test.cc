// Copyright 2026 The hoop Authors.
//
// "Evaluation allocates nothing on the common path": counts operator new
// calls around Policy::Evaluate().

#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "hoop/policy/policy.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace hoop::policy {
namespace {

TEST(PolicyAllocTest, EvaluateDoesNotAllocate) {
  auto policy = Policy::FromText(R"(
version: hoop.policy/v1
rules:
  - id: read
    subjects: [{groups: [analysts]}, {identities: ["*@example.com"]}]
    resources: {names: ["db-*"], labels: {env: prod}}
    sql: {effects: [read], tables: ["public.*", "sales"]}
    conditions:
      time_windows: [{days: [mon, tue, wed, thu, fri], start: "08:00", end: "20:00", utc_offset: "+01:00"}]
      client_cidrs: ["10.0.0.0/8"]
    verdict: allow
  - id: review-writes
    sql: {effects: [write]}
    verdict: review
    review: {approver_groups: [dba]}
  - id: no-where
    sql: {flags: [no_where]}
    verdict: deny
  - id: ssh
    command: {any_programs: [rm]}
    verdict: deny
  - id: k8s
    kubernetes: {verbs: [get, list], resources: ["pods", "pods/log"], namespaces: ["dev-*"]}
    verdict: allow
)",
                                 "alloc");
  ASSERT_TRUE(policy.ok()) << policy.status();
  Identity who;
  who.subject = "ann";
  who.email = "ann@example.com";
  who.groups = {"analysts"};
  Resource db{"db-1", ResourceKind::kPostgres, {{"env", "prod"}}};
  auto stmts = ClassifySql("SELECT * FROM sales; UPDATE sales SET a = 1 WHERE b; DELETE FROM x",
                           SqlDialect::kPostgres);
  ShellCommand cmd = ClassifyShell("ls | grep x; rm y");
  KubernetesRequest k8s = ClassifyKubernetes("GET", "/api/v1/namespaces/dev-a/pods");
  HttpRequest http = ClassifyHttp("GET", "/api/v1/namespaces/dev-a/pods");
  Request req;
  req.identity = &who;
  req.resource = &db;
  req.client_address = "10.2.3.4";
  req.time = absl::FromUnixSeconds(1800000000);
  Verdict v;
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    req.sql = &stmts;
    req.command = nullptr;
    req.http = nullptr;
    req.kubernetes = nullptr;
    v = (*policy)->Evaluate(req);
    req.sql = nullptr;
    req.command = &cmd;
    v = (*policy)->Evaluate(req);
    req.command = nullptr;
    req.http = &http;
    req.kubernetes = &k8s;
    v = (*policy)->Evaluate(req);
  }
  const long after = g_allocations.load();
  EXPECT_EQ(after - before, 0);
  EXPECT_EQ(v.rule_id, "k8s");
}

}  // namespace
}  // namespace hoop::policy
