// Copyright 2026 The hoop Authors.
//
// The PostgreSQL Session against a real PostgreSQL 15 with real clients:
// psql (libpq) and Debian's psycopg 3.1, through an in-process proxy
// (proxy_harness.h) that puts a Session in the data path.
//
// One throwaway server for the suite (pg_server.h); a fresh proxy per test.
// The clients log in with SCRAM-SHA-256 through the session, and libpq's
// default sslmode=prefer sends an SSLRequest that the session refuses ('N').
//
// What is checked, per test:
//   - allowed statements run and their rows come back masked; a denied one
//     fails with the rule's message and SQLSTATE 42501, and the same
//     connection keeps working (psql; psycopg simple, extended, pipeline);
//   - review: approve (psql; psycopg's extended protocol), deny, timeout
//     (Tick), client gone while held (nothing reaches the server);
//   - planted PII never reaches the client's bytes nor the records: rows,
//     COPY (text, CSV), a unique-violation error, a notice;
//   - a result of more than 1 GiB streams through with bounded memory, as
//     COPY data and as DataRows: the process's peak RSS (the proxy and the
//     session run in it; the server and the clients do not) grows < 64 MiB.
//
// Clients are started with fork/exec; psql's and the Python script's output
// is checked as text, the proxy's side through ConnectionReport (events,
// stats, every byte written to the client, the records).

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/masker.h"
#include "hoop/policy/policy.h"
#include "hoop/session/postgres_session.h"
#include "hoop/session/reader.h"
#include "hoop/session/session.h"
#include "nlohmann/json.hpp"
#include "tests/integration/child_process.h"
#include "tests/integration/pg_server.h"
#include "tests/integration/proxy_harness.h"

namespace hoop::session {
namespace {

using ::hoop::testing::ConnectionReport;
using ::hoop::testing::PgServer;
using ::hoop::testing::PgServerOptions;
using ::hoop::testing::ProxyHarness;
using ::hoop::testing::ProxyHarnessOptions;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDatabase[] = "hoop_db";
constexpr char kUser[] = "hoop_app";
constexpr char kPassword[] = "app-secret-1";
constexpr char kPython[] = "/usr/bin/python3";  // Debian's, with psycopg

constexpr char kDenyDdl[] = "DDL is not allowed through this gateway";
constexpr char kDenyDelete[] = "deletes from customers are not allowed";

// The policy of every test: reads (and what the classifier cannot tell, so
// DO blocks run) allowed; writes to customers allowed (to provoke a
// unique-key error); writes to ledger held for review; DDL and deletes
// from customers denied.
constexpr char kPolicy[] = R"(
version: hoop.policy/v1
name: session-integration
rules:
  - id: reads
    sql: {effects: [read, tx, session, unknown]}
    verdict: allow
  - id: customers-writes
    sql: {effects: [write], tables: [customers]}
    verdict: allow
  - id: ledger-review
    sql: {effects: [write], any_tables: [ledger]}
    verdict: review
    review: {approver_groups: [dba]}
  - id: no-ddl
    sql: {effects: [ddl]}
    verdict: deny
    message: DDL is not allowed through this gateway
  - id: no-customer-deletes
    sql: {kinds: [delete], any_tables: [customers]}
    verdict: deny
    message: deletes from customers are not allowed
)";

// Planted values: each must be caught by Masker::Default()'s detectors, and
// none may ever reach the client or the records.
const std::vector<std::string>& Planted() {
  static const auto* v = new std::vector<std::string>{
      "alice.planted@example.com",
      "bob.planted@example.org",
      "4111111111111111",
      "5555-5555-5555-4444",
      "123-45-6789",
      "078-05-1120",
  };
  return *v;
}

using ::hoop::testing::Child;
using ::hoop::testing::Ran;
using ::hoop::testing::ReadFile;
using ::hoop::testing::Wait;

std::string TempDir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/hoop-session-itest-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (d == nullptr) {  // never fall back to a shared dir: it gets removed
      std::perror("mkdtemp");
      std::abort();
    }
    return new std::string(d);
  }();
  return *dir;
}

// Starts argv[0] (a path) with extra environment entries ("K=V"); its
// output goes to files in this test's temp dir (stdout to `stdout_path` if
// given).
Child Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env = {},
            const std::string& stdout_path = "") {
  static int counter = 0;
  return testing::Spawn(argv, env,
                        TempDir() + "/child-" + std::to_string(++counter),
                        stdout_path);
}

Ran RunChild(const std::vector<std::string>& argv,
             const std::vector<std::string>& env = {},
             absl::Duration timeout = absl::Seconds(60)) {
  return Wait(Spawn(argv, env), timeout);
}

// Peak resident memory of this process, in bytes (VmHWM).
std::optional<std::uint64_t> StatusKb(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(std::string(field) + ":", 0) == 0) {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;
    }
  }
  return std::nullopt;
}

// Resets VmHWM to the current RSS (Linux >= 4.0: "5" > clear_refs).
bool ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

std::vector<const Event*> EventsOf(const ConnectionReport& r, EventKind k) {
  std::vector<const Event*> out;
  for (const Event& e : r.events)
    if (e.kind == k) out.push_back(&e);
  return out;
}

std::string Describe(const ConnectionReport& r) {
  std::string s = absl::StrCat("connection ", r.index, " (", r.session_id,
                               ") closed=", r.closed, " setup_error='",
                               r.setup_error, "' events:\n");
  for (const Event& e : r.events) {
    absl::StrAppend(&s, "  ", std::string(EventKindName(e.kind)),
                    " cmd=", e.command_id,
                    " decision=", std::string(policy::DecisionName(e.decision)),
                    " rule=", e.rule_id, " req=", e.request_id,
                    " text=", e.text.substr(0, 120), " reason=", e.reason,
                    e.fatal ? " FATAL" : "", "\n");
  }
  return s;
}

void ExpectNoPlanted(std::string_view where, std::string_view bytes) {
  for (const std::string& p : Planted())
    EXPECT_EQ(bytes.find(p), std::string_view::npos)
        << "planted value '" << p << "' reached " << where;
}

// ---------------------------------------------------------------------------

class SessionPostgresTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    PgServerOptions options;
    if (const char* bin_dir = std::getenv("HOOP_PG_BIN_DIR"))
      options.bin_dir = bin_dir;
    if (absl::Status s = PgServer::CheckAvailable(options); !s.ok()) {
      *skip_reason_ = std::string(s.message());
      return;
    }
    absl::StatusOr<std::unique_ptr<PgServer>> server = PgServer::Start(options);
    if (!server.ok()) {
      *start_error_ = server.status().ToString();
      return;
    }
    server_ = server->release();
    absl::StatusOr<std::string> setup = server_->Psql(absl::StrCat(
        "CREATE ROLE ", kUser, " LOGIN PASSWORD '", kPassword, "';\n",
        "CREATE DATABASE ", kDatabase, " OWNER ", kUser, ";\n"));
    if (setup.ok()) {
      setup = server_->Psql(
          absl::StrCat(
              "SET ROLE ", kUser,
              ";\n"
              "CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE, "
              "card text, ssn text, note text);\n"
              "INSERT INTO customers VALUES "
              "(1, 'alice.planted@example.com', '4111111111111111', "
              "'123-45-6789', 'call alice.planted@example.com'),"
              "(2, 'bob.planted@example.org', '5555-5555-5555-4444', "
              "'078-05-1120', 'card 5555-5555-5555-4444 on file');\n"
              "CREATE TABLE ledger (id int PRIMARY KEY, amount int);\n"),
          kDatabase);
    }
    if (!setup.ok()) *start_error_ = setup.status().ToString();
    auto policy = policy::Policy::FromText(kPolicy, "session-integration");
    if (!policy.ok()) {
      *start_error_ = policy.status().ToString();
      return;
    }
    policy_ = new std::shared_ptr<const policy::Policy>(*policy);
    masker_ =
        new std::shared_ptr<const masking::Masker>(masking::Masker::Default());
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
      delete server_;
      server_ = nullptr;
    }
    // Client outputs and record files (the streaming tests' are ~30 MB).
    std::error_code ec;
    std::filesystem::remove_all(TempDir(), ec);
  }

  void SetUp() override {
    if (!skip_reason_->empty())
      GTEST_SKIP() << "no PostgreSQL 15: " << *skip_reason_;
    ASSERT_TRUE(start_error_->empty()) << *start_error_;
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    if (proxy_ != nullptr) proxy_->Stop();
  }

  // A proxy in front of the server; every session gets the suite's policy
  // and the default masker.
  void StartProxy(absl::Duration review_timeout = absl::Minutes(5),
                  bool capture = false, std::string record_dir = "") {
    ProxyHarnessOptions o;
    o.upstream_port = server_->port();
    o.capture = capture;
    o.record_dir = std::move(record_dir);
    o.session_options =
        [review_timeout](int index) -> absl::StatusOr<PostgresOptions> {
      PostgresOptions p;
      p.common.session_id = absl::StrCat("itest-", index);
      p.common.identity.subject = "tester";
      p.common.identity.email = "tester@hoop.test";
      p.common.identity.kind = policy::IdentityKind::kPerson;
      p.common.resource.name = "itest-db";
      p.common.resource.kind = policy::ResourceKind::kPostgres;
      p.common.policy = *policy_;
      p.common.review_timeout = review_timeout;
      p.common.client_address = "127.0.0.1";
      p.masker = *masker_;
      return p;
    };
    absl::StatusOr<std::unique_ptr<ProxyHarness>> proxy =
        ProxyHarness::Start(std::move(o));
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
  }

  std::string ConnInfo() const {
    return absl::StrCat("host=127.0.0.1 port=", proxy_->port(),
                        " dbname=", kDatabase, " user=", kUser,
                        " connect_timeout=10");
  }

  static std::vector<std::string> ClientEnv() {
    return {absl::StrCat("PGPASSWORD=", kPassword), "PGAPPNAME=hoop-itest",
            "PGCONNECT_TIMEOUT=10", "LC_ALL=C.UTF-8"};
  }

  // psql through the proxy: unaligned, tuples only, verbose errors (so the
  // SQLSTATE is printed), going on after errors; one -c per statement.
  std::vector<std::string> PsqlArgs(const std::vector<std::string>& sql) {
    std::vector<std::string> a = {"/usr/lib/postgresql/15/bin/psql",
                                  "-X",
                                  "-A",
                                  "-t",
                                  "-v",
                                  "ON_ERROR_STOP=0",
                                  "-v",
                                  "VERBOSITY=verbose",
                                  "-d",
                                  ConnInfo()};
    if (const char* bin_dir = std::getenv("HOOP_PG_BIN_DIR"))
      a[0] = std::string(bin_dir) + "/psql";
    for (const std::string& s : sql) {
      a.push_back("-c");
      a.push_back(s);
    }
    return a;
  }

  Ran Psql(const std::vector<std::string>& sql,
           absl::Duration timeout = absl::Seconds(60)) {
    return RunChild(PsqlArgs(sql), ClientEnv(), timeout);
  }

  // Superuser SQL on the test database, directly (not through the proxy).
  static std::string Direct(const std::string& sql) {
    absl::StatusOr<std::string> out = server_->Psql(
        "\\pset tuples_only on\n\\pset format unaligned\n" + sql, kDatabase);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : "";
  }

  // psycopg tests skip, as server tests do, when Debian's python3-psycopg
  // is missing (scripts/install-deps.sh installs it).
  static bool HavePsycopg() {
    static const bool checked = [] {
      const Ran r = RunChild({kPython, "-c", "import psycopg"});
      if (r.exit_code != 0)
        *no_psycopg_ =
            std::string(kPython) + " cannot import psycopg: " + r.err;
      return true;
    }();
    (void)checked;
    return no_psycopg_->empty();
  }

  std::vector<std::string> PsycopgArgs(const std::string& mode) const {
    return {kPython,
            std::string(HOOP_SOURCE_DIR) +
                "/tests/integration/session_psycopg_client.py",
            mode, ConnInfo()};
  }

  static nlohmann::json ParseJson(const Ran& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }

  nlohmann::json Psycopg(const std::string& mode) {
    return ParseJson(RunChild(PsycopgArgs(mode), ClientEnv()));
  }

  // Waits for the proxied connection `index` to end, then returns it.
  ConnectionReport Ended(int index) {
    EXPECT_TRUE(proxy_->WaitForClosed(index, absl::Seconds(10)))
        << Describe(proxy_->Report(index));
    return proxy_->Report(index);
  }

  static PgServer* server_;
  static std::string* skip_reason_;
  static std::string* start_error_;
  static std::string* no_psycopg_;  // why psycopg cannot run ("" if it can)
  static std::shared_ptr<const policy::Policy>* policy_;
  static std::shared_ptr<const masking::Masker>* masker_;
  std::unique_ptr<ProxyHarness> proxy_;
};

PgServer* SessionPostgresTest::server_ = nullptr;
std::string* SessionPostgresTest::skip_reason_ = new std::string;
std::string* SessionPostgresTest::start_error_ = new std::string;
std::string* SessionPostgresTest::no_psycopg_ = new std::string;
std::shared_ptr<const policy::Policy>* SessionPostgresTest::policy_ = nullptr;
std::shared_ptr<const masking::Masker>* SessionPostgresTest::masker_ = nullptr;

const nlohmann::json* StepNamed(const nlohmann::json& j, std::string_view n) {
  if (!j.contains("steps")) return nullptr;
  for (const nlohmann::json& s : j["steps"])
    if (s.value("step", "") == n) return &s;
  return nullptr;
}

// The records of a finished session verify (chain, sequence) and contain
// the kinds of events we expect.
void ExpectRecordsVerify(const ConnectionReport& r) {
  VerifyOptions vo;
  vo.require_final = false;  // no signing key: no checkpoints
  const SessionReport rep =
      VerifyStreams({{r.session_id + ".hooprec", r.record_stream}}, vo);
  EXPECT_TRUE(rep.ok()) << (rep.faults.empty() ? "" : rep.faults[0].ToString());
  ASSERT_FALSE(r.records.empty());
  EXPECT_TRUE(r.records.front().has_start());
  EXPECT_TRUE(r.records.back().has_end()) << r.records.back().DebugString();
}

// ---------------------------------------------------------------------------
// psql

TEST_F(SessionPostgresTest,
       PsqlRowsMaskedDeniedStatementFailsConnectionGoesOn) {
  StartProxy();
  const Ran r = Psql(
      {"select id, email, card, ssn, note from customers "
       "order by id",
       "drop table customers", "select 'after-deny', count(*) from customers"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Rows came back, masked.
  EXPECT_THAT(r.out, HasSubstr("1|"));
  EXPECT_THAT(r.out, HasSubstr("2|"));
  EXPECT_THAT(r.out, HasSubstr("[EMAIL]"));
  ExpectNoPlanted("psql's stdout", r.out);
  // The DROP failed with the rule's message and 42501, naming the rule.
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("ERROR:  42501: ", kDenyDdl)));
  EXPECT_THAT(r.err, HasSubstr("no-ddl"));
  // The statement after it ran on the same connection.
  EXPECT_THAT(r.out, HasSubstr("after-deny|2"));
  // And the table is still there.
  EXPECT_EQ(Direct("select count(*) from customers;"), "2\n");

  const ConnectionReport rep = Ended(0);
  EXPECT_EQ(proxy_->connections(), 1);
  SCOPED_TRACE(Describe(rep));
  const std::vector<const Event*> startup = EventsOf(rep, EventKind::kStartup);
  ASSERT_EQ(startup.size(), 1u);
  EXPECT_THAT(startup[0]->text, HasSubstr("user=hoop_app"));
  EXPECT_THAT(startup[0]->text, HasSubstr("database=hoop_db"));
  EXPECT_THAT(startup[0]->text, HasSubstr("application_name=hoop-itest"));
  const std::vector<const Event*> cmds = EventsOf(rep, EventKind::kCommand);
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0]->decision, policy::Decision::kAllow);
  EXPECT_EQ(cmds[1]->decision, policy::Decision::kDeny);
  EXPECT_EQ(cmds[1]->rule_id, "no-ddl");
  EXPECT_EQ(cmds[2]->decision, policy::Decision::kAllow);
  EXPECT_EQ(rep.stats.denied, 1u);
  EXPECT_GE(rep.stats.cells_masked, 6u);
  ExpectRecordsVerify(rep);
  ExpectNoPlanted("the records", rep.record_stream);
  int commands = 0, results = 0;
  for (const v1::Record& rec : rep.records) {
    if (rec.has_command()) {
      ++commands;
      if (rec.command().text().find("drop table") != std::string::npos) {
        EXPECT_EQ(rec.command().verdict().decision(), v1::DECISION_DENY);
      }
    }
    if (rec.has_result()) ++results;
  }
  EXPECT_EQ(commands, 3);
  EXPECT_GE(results, 2);
  // psql sent Terminate and closed; the server closes on Terminate too, so
  // either EOF may reach the proxy first.
  EXPECT_THAT(rep.records.back().end().reason(),
              ::testing::AnyOf(v1::END_REASON_CLIENT_CLOSED,
                               v1::END_REASON_SERVER_CLOSED));
}

// ---------------------------------------------------------------------------
// psycopg

TEST_F(SessionPostgresTest, PsycopgSimpleProtocol) {
  StartProxy();
  if (!HavePsycopg()) GTEST_SKIP() << *no_psycopg_;
  const nlohmann::json j = Psycopg("simple");
  SCOPED_TRACE(j.dump());
  const nlohmann::json* sel = StepNamed(j, "select");
  ASSERT_NE(sel, nullptr);
  ASSERT_TRUE(sel->value("ok", false));
  ASSERT_EQ((*sel)["rows"].size(), 2u);
  EXPECT_EQ((*sel)["rows"][0][0], "1");
  EXPECT_EQ((*sel)["rows"][0][1], "[EMAIL]");
  ExpectNoPlanted("psycopg (simple)", j.dump());
  const nlohmann::json* denied = StepNamed(j, "denied");
  ASSERT_NE(denied, nullptr);
  EXPECT_FALSE(denied->value("ok", true));
  EXPECT_EQ(denied->value("sqlstate", ""), "42501");
  EXPECT_EQ(denied->value("message", ""), kDenyDdl);
  const nlohmann::json* after = StepNamed(j, "after");
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->value("ok", false));
  EXPECT_EQ((*after)["rows"][0][0], "2");
  EXPECT_EQ(Direct("select count(*) from customers;"), "2\n");
  const ConnectionReport rep = Ended(0);
  EXPECT_EQ(rep.stats.denied, 1u) << Describe(rep);
  ExpectNoPlanted("the records", rep.record_stream);
}

TEST_F(SessionPostgresTest, PsycopgExtendedProtocol) {
  StartProxy();
  if (!HavePsycopg()) GTEST_SKIP() << *no_psycopg_;
  const nlohmann::json j = Psycopg("extended");
  SCOPED_TRACE(j.dump());
  const nlohmann::json* sel = StepNamed(j, "select");
  ASSERT_NE(sel, nullptr);
  ASSERT_TRUE(sel->value("ok", false));
  ASSERT_EQ((*sel)["rows"].size(), 1u);
  EXPECT_EQ((*sel)["rows"][0][0], "1");
  EXPECT_EQ((*sel)["rows"][0][1], "[EMAIL]");
  // Binary-format text cells are masked too.
  const nlohmann::json* bin = StepNamed(j, "select_binary");
  ASSERT_NE(bin, nullptr);
  ASSERT_TRUE(bin->value("ok", false));
  EXPECT_EQ((*bin)["rows"][0][0], "[EMAIL]");
  EXPECT_THAT((*bin)["rows"][0][1].get<std::string>(), HasSubstr("[EMAIL]"));
  ExpectNoPlanted("psycopg (extended)", j.dump());
  const nlohmann::json* denied = StepNamed(j, "denied");
  ASSERT_NE(denied, nullptr);
  EXPECT_FALSE(denied->value("ok", true));
  EXPECT_EQ(denied->value("sqlstate", ""), "42501");
  EXPECT_EQ(denied->value("message", ""), kDenyDelete);
  const nlohmann::json* after = StepNamed(j, "after");
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->value("ok", false));
  EXPECT_EQ((*after)["rows"][0][0], "2");
  EXPECT_EQ(Direct("select count(*) from customers;"), "2\n");
  const ConnectionReport rep = Ended(0);
  EXPECT_EQ(rep.stats.denied, 1u) << Describe(rep);
  ExpectNoPlanted("the records", rep.record_stream);
}

TEST_F(SessionPostgresTest, PsycopgPipelineDeniedStatementOthersRun) {
  StartProxy();
  if (!HavePsycopg()) GTEST_SKIP() << *no_psycopg_;
  const nlohmann::json j = Psycopg("pipeline");
  SCOPED_TRACE(j.dump());
  // Synced one by one: the statements around the denied one run.
  const nlohmann::json* d = StepNamed(j, "p1_denied");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->value("ok", true));
  EXPECT_EQ(d->value("sqlstate", ""), "42501");
  EXPECT_EQ(d->value("message", ""), kDenyDelete);
  const nlohmann::json* first = StepNamed(j, "p1_first");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->value("ok", false));
  EXPECT_EQ((*first)["rows"][0][0], "[EMAIL]");
  const nlohmann::json* last = StepNamed(j, "p1_last");
  ASSERT_NE(last, nullptr);
  ASSERT_TRUE(last->value("ok", false));
  EXPECT_EQ((*last)["rows"][0][0], "2");
  // One batch, one Sync: the pipeline reports the denial; the statement
  // before it ran (as with a server error).
  const nlohmann::json* p2 = StepNamed(j, "p2");
  ASSERT_NE(p2, nullptr);
  EXPECT_FALSE(p2->value("ok", true));
  EXPECT_EQ(p2->value("sqlstate", ""), "42501");
  EXPECT_EQ(p2->value("message", ""), kDenyDelete);
  const nlohmann::json* p2first = StepNamed(j, "p2_first");
  ASSERT_NE(p2first, nullptr);
  ASSERT_TRUE(p2first->value("ok", false));
  EXPECT_EQ((*p2first)["rows"][0][0], "2");
  // The connection is usable afterwards, in and out of pipeline mode.
  const nlohmann::json* after = StepNamed(j, "after");
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->value("ok", false));
  EXPECT_EQ((*after)["rows"][0][0], "2");
  const nlohmann::json* ap = StepNamed(j, "after_pipeline");
  ASSERT_NE(ap, nullptr);
  ASSERT_TRUE(ap->value("ok", false));
  EXPECT_EQ((*ap)["rows"][0][0], "still here");
  ExpectNoPlanted("psycopg (pipeline)", j.dump());
  EXPECT_EQ(Direct("select count(*) from customers;"), "2\n");
  const ConnectionReport rep = Ended(0);
  EXPECT_EQ(rep.stats.denied, 2u) << Describe(rep);
}

// ---------------------------------------------------------------------------
// Review

// Starts psql running `sql` in the background; the first statement is
// expected to be held.
Child SpawnPsql(const std::vector<std::string>& args,
                const std::vector<std::string>& env) {
  return Spawn(args, env);
}

TEST_F(SessionPostgresTest, ReviewApprovedStatementRuns) {
  StartProxy();
  const Child c = SpawnPsql(
      PsqlArgs({"insert into ledger values (1, 100)",
                "select 'ledger', count(*) from ledger where id = 1"}),
      ClientEnv());
  const std::vector<std::string> held =
      proxy_->WaitForHeld(1, absl::Seconds(15));
  ASSERT_EQ(held.size(), 1u) << Describe(proxy_->Report(0));
  // Nothing reached the server while held.
  EXPECT_EQ(Direct("select count(*) from ledger where id = 1;"), "0\n");
  const std::vector<Event> ev = proxy_->Resolve(
      held[0], Resolution::kApprove, "ana@hoop.test", "ticket OPS-1");
  ASSERT_FALSE(ev.empty()) << "Resolve found nothing";
  bool resolved = false;
  for (const Event& e : ev)
    if (e.kind == EventKind::kApprovalResolved) {
      resolved = true;
      EXPECT_EQ(e.resolution, Resolution::kApprove);
      EXPECT_EQ(e.request_id, held[0]);
    }
  EXPECT_TRUE(resolved);
  const Ran r = Wait(c, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("INSERT 0 1"));
  EXPECT_THAT(r.out, HasSubstr("ledger|1"));
  // The client was told it waits, and for which request.
  EXPECT_THAT(r.err, HasSubstr("NOTICE"));
  EXPECT_THAT(r.err, HasSubstr(held[0]));
  EXPECT_EQ(Direct("select amount from ledger where id = 1;"), "100\n");

  const ConnectionReport rep = Ended(0);
  SCOPED_TRACE(Describe(rep));
  ASSERT_EQ(EventsOf(rep, EventKind::kApprovalRequested).size(), 1u);
  EXPECT_EQ(EventsOf(rep, EventKind::kApprovalRequested)[0]->request_id,
            held[0]);
  EXPECT_EQ(rep.stats.reviewed, 1u);
  ExpectRecordsVerify(rep);
  std::vector<v1::ApprovalState> states;
  for (const v1::Record& rec : rep.records)
    if (rec.has_approval()) {
      EXPECT_EQ(rec.approval().request_id(), held[0]);
      states.push_back(rec.approval().state());
      if (rec.approval().state() == v1::APPROVAL_STATE_APPROVED) {
        EXPECT_EQ(rec.approval().reason(), "ticket OPS-1");
        EXPECT_THAT(rec.approval().approver().DebugString(),
                    HasSubstr("ana@hoop.test"));
      }
    }
  EXPECT_THAT(states, ::testing::ElementsAre(v1::APPROVAL_STATE_REQUESTED,
                                             v1::APPROVAL_STATE_APPROVED));
}

// The extended protocol: psycopg's Parse/Bind/Describe/Execute/Sync for a
// held INSERT wait together and run once approved.
TEST_F(SessionPostgresTest, ReviewApprovedExtendedProtocolPsycopg) {
  StartProxy();
  if (!HavePsycopg()) GTEST_SKIP() << *no_psycopg_;
  const Child c = Spawn(PsycopgArgs("review"), ClientEnv());
  const std::vector<std::string> held =
      proxy_->WaitForHeld(1, absl::Seconds(15));
  ASSERT_EQ(held.size(), 1u) << Describe(proxy_->Report(0));
  EXPECT_EQ(Direct("select count(*) from ledger where id = 5;"), "0\n");
  ASSERT_FALSE(
      proxy_->Resolve(held[0], Resolution::kApprove, "ana@hoop.test", "ok")
          .empty());
  const nlohmann::json j = ParseJson(Wait(c, absl::Seconds(30)));
  SCOPED_TRACE(j.dump());
  const nlohmann::json* h = StepNamed(j, "held");
  ASSERT_NE(h, nullptr);
  ASSERT_TRUE(h->value("ok", false));
  EXPECT_EQ((*h)["rows"][0][0], "INSERT 0 1");
  const nlohmann::json* after = StepNamed(j, "after");
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->value("ok", false));
  EXPECT_EQ((*after)["rows"][0][0], "500");
  const nlohmann::json* notices = StepNamed(j, "notices");
  ASSERT_NE(notices, nullptr);
  EXPECT_THAT(notices->dump(), HasSubstr(held[0]));
  EXPECT_EQ(Direct("select amount from ledger where id = 5;"), "500\n");
  const ConnectionReport rep = Ended(0);
  EXPECT_EQ(rep.stats.reviewed, 1u) << Describe(rep);
}

TEST_F(SessionPostgresTest, ReviewDeniedStatementFailsConnectionGoesOn) {
  StartProxy();
  const Child c = SpawnPsql(
      PsqlArgs({"insert into ledger values (2, 200)", "select 'still', 7"}),
      ClientEnv());
  const std::vector<std::string> held =
      proxy_->WaitForHeld(1, absl::Seconds(15));
  ASSERT_EQ(held.size(), 1u) << Describe(proxy_->Report(0));
  ASSERT_FALSE(proxy_
                   ->Resolve(held[0], Resolution::kDeny, "ana@hoop.test",
                             "not during the freeze")
                   .empty());
  const Ran r = Wait(c, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ERROR:  42501"));
  EXPECT_THAT(r.out, HasSubstr("still|7"));
  EXPECT_EQ(Direct("select count(*) from ledger where id = 2;"), "0\n");
  const ConnectionReport rep = Ended(0);
  SCOPED_TRACE(Describe(rep));
  bool denied = false;
  for (const v1::Record& rec : rep.records)
    if (rec.has_approval() &&
        rec.approval().state() == v1::APPROVAL_STATE_DENIED) {
      denied = true;
      EXPECT_EQ(rec.approval().reason(), "not during the freeze");
    }
  EXPECT_TRUE(denied);
}

TEST_F(SessionPostgresTest, ReviewTimesOut) {
  StartProxy(/*review_timeout=*/absl::Seconds(1));
  const absl::Time start = absl::Now();
  const Ran r = Psql({"insert into ledger values (3, 300)", "select 'next', 8"},
                     absl::Seconds(30));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ERROR:  42501"));
  EXPECT_THAT(r.out, HasSubstr("next|8"));
  EXPECT_GE(took, absl::Seconds(1));
  EXPECT_LT(took, absl::Seconds(15));
  EXPECT_EQ(Direct("select count(*) from ledger where id = 3;"), "0\n");
  const ConnectionReport rep = Ended(0);
  SCOPED_TRACE(Describe(rep));
  const std::vector<const Event*> res =
      EventsOf(rep, EventKind::kApprovalResolved);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]->resolution, Resolution::kExpire);
  bool expired = false;
  for (const v1::Record& rec : rep.records)
    expired |= rec.has_approval() &&
               rec.approval().state() == v1::APPROVAL_STATE_EXPIRED;
  EXPECT_TRUE(expired);
}

TEST_F(SessionPostgresTest, ReviewClientDisconnectsWhileHeld) {
  StartProxy(absl::Minutes(5), /*capture=*/true);
  const Child c =
      SpawnPsql(PsqlArgs({"insert into ledger values (4, 400)"}), ClientEnv());
  const std::vector<std::string> held =
      proxy_->WaitForHeld(1, absl::Seconds(15));
  ASSERT_EQ(held.size(), 1u) << Describe(proxy_->Report(0));
  ASSERT_EQ(::kill(c.pid, SIGKILL), 0);
  Wait(c, absl::Seconds(10));
  const ConnectionReport rep = Ended(0);
  SCOPED_TRACE(Describe(rep));
  EXPECT_TRUE(proxy_->HeldRequests().empty());
  const std::vector<const Event*> res =
      EventsOf(rep, EventKind::kApprovalResolved);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]->resolution, Resolution::kCancel);
  EXPECT_EQ(res[0]->request_id, held[0]);
  bool cancelled = false;
  for (const v1::Record& rec : rep.records)
    cancelled |= rec.has_approval() &&
                 rec.approval().state() == v1::APPROVAL_STATE_CANCELLED;
  EXPECT_TRUE(cancelled);
  ASSERT_FALSE(rep.records.empty());
  EXPECT_EQ(rep.records.back().end().reason(), v1::END_REASON_CLIENT_CLOSED);
  // The held statement never reached the server.
  EXPECT_THAT(rep.captured_to_server, Not(HasSubstr("ledger")));
  EXPECT_EQ(Direct("select count(*) from ledger where id = 4;"), "0\n");
}

// ---------------------------------------------------------------------------
// Planted values: rows, COPY (text, CSV), an error, a notice.

TEST_F(SessionPostgresTest, PlantedValuesNeverReachClientOrRecords) {
  StartProxy(absl::Minutes(5), /*capture=*/true);
  const Ran r = Psql({
      "select * from customers order by id",
      "copy customers to stdout",
      "copy (select id, email, card, ssn, note from customers order by id) "
      "to stdout with (format csv, header)",
      // A unique-key violation quotes the email in its detail.
      "insert into customers (id, email) select 99, email from customers "
      "where id = 1",
      // A notice quoting an email, read from the table (not in the SQL).
      "do $$ declare e text; begin select email into e from customers "
      "where id = 2; raise notice 'contact is %', e; end $$",
      "select 'done'",
  });
  EXPECT_EQ(r.exit_code, 0) << r.err;
  SCOPED_TRACE(r.out + "\n---\n" + r.err);
  // Each of them reached the client, masked.
  EXPECT_THAT(r.err, HasSubstr("23505"));
  EXPECT_THAT(r.err, HasSubstr("already exists"));
  EXPECT_THAT(r.err, HasSubstr("Key (email)=("));
  EXPECT_THAT(r.err, HasSubstr("NOTICE:  00000: contact is "));
  EXPECT_THAT(r.out, HasSubstr("id,email,card,ssn,note"));  // CSV header
  EXPECT_THAT(r.out, HasSubstr("done"));
  ExpectNoPlanted("psql's stdout", r.out);
  ExpectNoPlanted("psql's stderr", r.err);

  const ConnectionReport rep = Ended(0);
  SCOPED_TRACE(Describe(rep));
  EXPECT_GT(rep.captured_to_client.size(), 0u);
  EXPECT_EQ(rep.captured_to_client.size(), rep.written_to_client);
  ExpectNoPlanted("the bytes written to the client", rep.captured_to_client);
  ExpectNoPlanted("the records", rep.record_stream);
  EXPECT_THAT(rep.captured_to_client, HasSubstr("[EMAIL]"));
  // Rows: 2 (select) — the COPYs are masked per CopyData.
  EXPECT_GE(rep.stats.cells_masked, 6u);
  ExpectRecordsVerify(rep);
  // The server really sent them: the table has the values.
  EXPECT_THAT(Direct("select email from customers where id = 1;"),
              HasSubstr("alice.planted@example.com"));
}

// ---------------------------------------------------------------------------
// A result of more than 1 GiB streams through; the process's peak RSS grows
// by less than a bound.
//
// The bound: the session keeps at most one incomplete message per direction
// (a COPY line here is ~1 KB), the proxy one 64 KiB read buffer per direction
// and the output of one read, the masker an arena per Feed. None of that
// grows with the result. 64 MiB leaves room for allocator slack and the
// libraries' one-off allocations while being 16x smaller than the result: a
// session that buffered the result (or even 1/16 of it) would fail.

//
// Under AddressSanitizer the allocator's quarantine keeps freed memory
// resident (256 MiB by default), so RSS says nothing about the session: the
// sanitized build streams a tenth of the data through the same path and
// checks the bytes, not the memory.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Runs `sql` with psql (stdout to /dev/null) through a fresh proxy and
// checks that at least `payload` bytes reached the client while the peak RSS
// grew by less than the bound. Returns the connection's report.
ConnectionReport StreamThrough(SessionPostgresTest* t,
                               std::vector<std::string> args,
                               std::uint64_t payload,
                               std::uint64_t min_payload) {
  constexpr std::uint64_t kBound = std::uint64_t{64} << 20;
  EXPECT_GE(payload, min_payload);

  const std::optional<std::uint64_t> rss_before = StatusKb("VmRSS");
  EXPECT_TRUE(rss_before.has_value());
  const bool reset = ResetPeakRss();

  const Child c = Spawn(args, SessionPostgresTest::ClientEnv(), "/dev/null");
  const Ran r = Wait(c, absl::Seconds(240));
  EXPECT_EQ(r.exit_code, 0) << r.err;

  ConnectionReport rep = t->Ended(0);
  EXPECT_GE(rep.stats.bytes_server_to_client, payload) << Describe(rep);
  EXPECT_GE(rep.written_to_client, payload);
  EXPECT_GE(rep.stats.bytes_forwarded_to_client, payload);
  EXPECT_EQ(EventsOf(rep, EventKind::kError).size(), 0u) << Describe(rep);

  std::uint64_t peak = 0;
  if (reset) {
    peak = StatusKb("VmHWM").value_or(0);
  } else {
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    peak = static_cast<std::uint64_t>(after.ru_maxrss) * 1024;
  }
  const std::uint64_t before = rss_before.value_or(0);
  const std::uint64_t growth = peak > before ? peak - before : 0;
  std::printf(
      "[ streamed %llu bytes to the client; RSS before %llu KiB, "
      "peak %llu KiB, growth %llu KiB (bound %llu KiB; peak reset: "
      "%s) ]\n",
      static_cast<unsigned long long>(rep.written_to_client),
      static_cast<unsigned long long>(before / 1024),
      static_cast<unsigned long long>(peak / 1024),
      static_cast<unsigned long long>(growth / 1024),
      static_cast<unsigned long long>(kBound / 1024), reset ? "yes" : "no");
  if (!kSanitized) {
    EXPECT_LT(growth, kBound);
  }
  return rep;
}

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
// 1000 x 'x' + the row number per row: 1.11 GB in all.
constexpr int kGigabyteRows = kSanitized ? 110'000 : 1'100'000;
constexpr std::uint64_t kMinPayload = kSanitized ? kGiB / 10 : kGiB;

// The bytes of the rows' values (1000 + digits each), without framing.
std::uint64_t RowValueBytes(int rows) {
  std::uint64_t n = 0;
  for (int i = 1; i <= rows; ++i) n += 1000 + std::to_string(i).size();
  return n;
}

// The records of a streaming session went to a file: they verify, and they
// end with SessionEnd.
void ExpectRecordFileVerifies(const std::string& dir) {
  VerifyOptions vo;
  vo.require_final = false;  // no signing key: no checkpoints
  absl::StatusOr<std::vector<SessionReport>> sessions = ReadSessions({dir}, vo);
  ASSERT_TRUE(sessions.ok()) << sessions.status();
  ASSERT_EQ(sessions->size(), 1u);
  const SessionReport& rep = (*sessions)[0];
  EXPECT_TRUE(rep.ok()) << rep.faults[0].ToString();
  ASSERT_FALSE(rep.records.empty());
  EXPECT_TRUE(rep.records.back().record.has_end());
  std::uint64_t bytes = 0;
  for (const StoredRecord& r : rep.records) bytes += r.size;
  std::printf("[ %zu records, %llu bytes ]\n", rep.records.size(),
              static_cast<unsigned long long>(bytes));
}

// Records go to a file here, as a gateway's would: kept in the harness's
// memory, the capped sample rows of every Result (50 rows of 1 KB per FETCH
// below) would be counted as the session's memory.
TEST_F(SessionPostgresTest, GigabyteCopyStreamsWithBoundedMemory) {
  const std::string dir = TempDir() + "/records-gigabyte-copy";
  StartProxy(absl::Minutes(5), /*capture=*/false, dir);
  const std::vector<std::string> args =
      PsqlArgs({absl::StrCat("copy (select repeat('x', 1000) || i from "
                             "generate_series(1, ",
                             kGigabyteRows, ") i) to stdout")});
  // Each line also ends in '\n'.
  StreamThrough(this, args, RowValueBytes(kGigabyteRows) + kGigabyteRows,
                kMinPayload);
  ExpectRecordFileVerifies(dir);
}

// The same volume as DataRows: psql with FETCH_COUNT reads the result
// through a cursor, 2000 rows per FETCH (psql would otherwise hold the whole
// result in its own memory, which is not ours to measure but would be slow).
TEST_F(SessionPostgresTest, GigabyteRowsStreamWithBoundedMemory) {
  const std::string dir = TempDir() + "/records-gigabyte-rows";
  StartProxy(absl::Minutes(5), /*capture=*/false, dir);
  std::vector<std::string> args =
      PsqlArgs({absl::StrCat("select repeat('x', 1000) || i from "
                             "generate_series(1, ",
                             kGigabyteRows, ") i")});
  args.insert(args.begin() + 1, {"-v", "FETCH_COUNT=2000"});
  const ConnectionReport rep =
      StreamThrough(this, args, RowValueBytes(kGigabyteRows), kMinPayload);
  EXPECT_EQ(rep.stats.rows, static_cast<std::uint64_t>(kGigabyteRows));
  EXPECT_EQ(rep.stats.denied, 0u);
  ExpectRecordFileVerifies(dir);
}

}  // namespace
}  // namespace hoop::session
