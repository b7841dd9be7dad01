// Copyright 2026 The hoop Authors.

#include "hoop/policy/policy.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/policy/v1/policy.pb.h"

namespace hoop::policy {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"yaml(
version: hoop.policy/v1
name: test
rules:
  - id: analysts-read
    description: Analysts may read the warehouse
    subjects: [{groups: [analysts]}]
    resources: {names: ["warehouse-*"], kinds: [postgres]}
    sql: {effects: [read]}
    verdict: allow
    masking_profile: pii
  - id: analysts-write-review
    subjects: [{groups: [analysts]}]
    resources: {names: ["warehouse-*"]}
    sql: {effects: [write]}
    verdict: review
    review: {approver_groups: [dba], approvals: 2}
  - id: no-unbounded-writes
    description: UPDATE and DELETE need a WHERE clause
    sql: {flags: [no_where]}
    verdict: deny
    message: add a WHERE clause
  - id: secrets
    sql: {any_tables: ["secrets.*", "api_keys"]}
    verdict: deny
  - id: bots-readonly
    subjects: [{kinds: [non_human]}]
    sql: {kinds: [select], effects: [read]}
    verdict: allow
  - id: ops-ssh
    subjects: [{groups: [ops]}]
    resources: {kinds: [ssh]}
    command: {programs: [ls, cat, grep, "systemctl", "journalctl"]}
    verdict: allow
  - id: ssh-dangerous
    resources: {kinds: [ssh]}
    command: {any_programs: [rm, reboot, shutdown, "mkfs*"]}
    verdict: deny
  - id: api-read
    subjects: [{identities: ["*@example.com"]}]
    http: {methods: [GET], paths: ["/v1/**"]}
    verdict: allow
  - id: k8s-read
    subjects: [{groups: [dev]}]
    kubernetes: {verbs: [get, list, watch], resources: ["*"], namespaces: ["dev-*"]}
    verdict: allow
  - id: k8s-exec
    subjects: [{groups: [dev]}]
    kubernetes: {resources: ["pods/exec", "pods/attach"]}
    verdict: review
    review: {approver_groups: [sre]}
  - id: k8s-health
    kubernetes: {non_resource_paths: ["/healthz", "/livez", "/readyz"]}
    verdict: allow
  - id: office-hours
    subjects: [{groups: [contractors]}]
    conditions:
      time_windows: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
      client_cidrs: ["10.0.0.0/8", "2001:db8::/32"]
    verdict: allow
)yaml";

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Policy::FromText(kPolicy, "test.yaml");
    ASSERT_TRUE(p.ok()) << p.status();
    policy_ = *std::move(p);
    analyst_.subject = "ann";
    analyst_.email = "ann@example.com";
    analyst_.groups = {"analysts"};
    warehouse_.name = "warehouse-eu";
    warehouse_.kind = ResourceKind::kPostgres;
  }

  Verdict Sql(const Identity& who, const Resource& where, const std::string& q) {
    stmts_ = ClassifySql(q, SqlDialect::kPostgres);
    Request r;
    r.identity = &who;
    r.resource = &where;
    r.sql = &stmts_;
    return policy_->Evaluate(r);
  }

  std::shared_ptr<const Policy> policy_;
  Identity analyst_;
  Resource warehouse_;
  std::vector<SqlStatement> stmts_;
};

TEST_F(PolicyTest, Loads) {
  EXPECT_EQ(policy_->rule_count(), 12u);
  EXPECT_EQ(policy_->name(), "test");
}

TEST_F(PolicyTest, SqlPrecedence) {
  Verdict v = Sql(analyst_, warehouse_, "SELECT * FROM sales");
  EXPECT_EQ(v.decision, Decision::kAllow);
  EXPECT_EQ(v.rule_id, "analysts-read");
  EXPECT_EQ(v.masking_profile, "pii");
  EXPECT_THAT(std::string(v.reason), HasSubstr("Analysts may read"));

  v = Sql(analyst_, warehouse_, "UPDATE sales SET a = 1 WHERE id = 2");
  EXPECT_EQ(v.decision, Decision::kReview);
  EXPECT_EQ(v.rule_id, "analysts-write-review");
  ASSERT_NE(v.approver_groups, nullptr);
  EXPECT_EQ(v.approver_groups->at(0), "dba");
  EXPECT_EQ(v.approvals, 2u);

  // deny beats review
  v = Sql(analyst_, warehouse_, "DELETE FROM sales");
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_EQ(v.rule_id, "no-unbounded-writes");
  EXPECT_EQ(v.message, "add a WHERE clause");
  EXPECT_EQ(v.matched_rules, 2u);

  // deny beats allow
  v = Sql(analyst_, warehouse_, "SELECT * FROM secrets.tokens");
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_EQ(v.rule_id, "secrets");

  // unknown is never read; nothing matches; default deny
  v = Sql(analyst_, warehouse_, "SELECT my_func()");
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_TRUE(v.rule_id.empty());
  EXPECT_THAT(std::string(v.reason), HasSubstr("no rule matched"));

  // a comment does not hide the second statement; strictest wins
  v = Sql(analyst_, warehouse_, "SELECT 1; /* harmless */ DELETE FROM sales");
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_EQ(v.statement, 1);

  // another resource: nothing matches
  Resource other{"crm", ResourceKind::kPostgres, {}};
  EXPECT_EQ(Sql(analyst_, other, "SELECT 1").decision, Decision::kDeny);

  // a stranger: default deny
  Identity nobody;
  nobody.subject = "eve";
  EXPECT_EQ(Sql(nobody, warehouse_, "SELECT 1").decision, Decision::kDeny);

  Identity bot;
  bot.subject = "ci";
  bot.kind = IdentityKind::kNonHuman;
  EXPECT_EQ(Sql(bot, other, "SELECT 1").rule_id, "bots-readonly");
  EXPECT_EQ(Sql(bot, other, "SELECT nextval('s')").decision, Decision::kDeny);
}

TEST_F(PolicyTest, EvaluateEach) {
  stmts_ = ClassifySql("SELECT 1; UPDATE t SET a = 1 WHERE b", SqlDialect::kPostgres);
  Request r;
  r.identity = &analyst_;
  r.resource = &warehouse_;
  r.sql = &stmts_;
  std::vector<Verdict> each = policy_->EvaluateEach(r);
  ASSERT_EQ(each.size(), 2u);
  EXPECT_EQ(each[0].decision, Decision::kAllow);
  EXPECT_EQ(each[1].decision, Decision::kReview);
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kReview);
}

TEST_F(PolicyTest, Commands) {
  Identity ops;
  ops.subject = "olga";
  ops.groups = {"ops"};
  Resource box{"web-1", ResourceKind::kSsh, {}};
  auto eval = [&](const std::string& line) {
    ShellCommand c = ClassifyShell(line);
    Request r;
    r.identity = &ops;
    r.resource = &box;
    r.command = &c;
    return policy_->Evaluate(r);
  };
  EXPECT_EQ(eval("journalctl -u app | grep error").decision, Decision::kAllow);
  EXPECT_EQ(eval("ls; rm -rf /").rule_id, "ssh-dangerous");
  EXPECT_EQ(eval("cat x | sh -c 'reboot'").rule_id, "ssh-dangerous");
  EXPECT_EQ(eval("sudo rm x").decision, Decision::kDeny);
  EXPECT_EQ(eval("$X").rule_id, "ssh-dangerous");  // dynamic: may be anything
  EXPECT_EQ(eval("vim /etc/hosts").decision, Decision::kDeny);
  EXPECT_TRUE(eval("vim /etc/hosts").rule_id.empty());
}

TEST_F(PolicyTest, HttpAndKubernetes) {
  Resource api{"billing-api", ResourceKind::kHttp, {}};
  HttpRequest h = ClassifyHttp("GET", "/v1/invoices/42?x=1");
  Request r;
  r.identity = &analyst_;
  r.resource = &api;
  r.http = &h;
  EXPECT_EQ(policy_->Evaluate(r).rule_id, "api-read");
  h = ClassifyHttp("DELETE", "/v1/invoices/42");
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);
  h = ClassifyHttp("GET", "/admin");
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);

  Identity dev;
  dev.subject = "dan";
  dev.groups = {"dev"};
  Resource cluster{"k8s-dev", ResourceKind::kKubernetes, {}};
  auto k8s = [&](const char* method, const char* target) {
    KubernetesRequest k = ClassifyKubernetes(method, target);
    HttpRequest hh = ClassifyHttp(method, target);
    Request rr;
    rr.identity = &dev;
    rr.resource = &cluster;
    rr.http = &hh;
    rr.kubernetes = &k;
    return policy_->Evaluate(rr);
  };
  EXPECT_EQ(k8s("GET", "/api/v1/namespaces/dev-a/pods").rule_id, "k8s-read");
  EXPECT_EQ(k8s("GET", "/api/v1/namespaces/prod/pods").decision, Decision::kDeny);
  EXPECT_EQ(k8s("GET", "/api/v1/namespaces/dev-a/pods/x/log").rule_id, "k8s-read");
  EXPECT_EQ(k8s("POST", "/api/v1/namespaces/dev-a/pods/x/exec").decision,
            Decision::kReview);
  // exec over a websocket is a GET: "*" in k8s-read does not reach it.
  EXPECT_EQ(k8s("GET", "/api/v1/namespaces/dev-a/pods/x/exec?command=sh").rule_id,
            "k8s-exec");
  EXPECT_EQ(k8s("DELETE", "/api/v1/namespaces/dev-a/pods").decision, Decision::kDeny);
  EXPECT_EQ(k8s("GET", "/healthz").rule_id, "k8s-health");
}

TEST_F(PolicyTest, Conditions) {
  Identity c;
  c.subject = "carl";
  c.groups = {"contractors"};
  Resource any{"x", ResourceKind::kPostgres, {}};
  stmts_ = ClassifySql("SELECT 1", SqlDialect::kPostgres);
  Request r;
  r.identity = &c;
  r.resource = &any;
  r.sql = &stmts_;
  // Wednesday 2026-11-25 10:00 UTC
  r.time = absl::FromCivil(absl::CivilMinute(2026, 11, 25, 10, 0), absl::UTCTimeZone());
  r.client_address = "10.1.2.3";
  EXPECT_EQ(policy_->Evaluate(r).rule_id, "office-hours");
  r.client_address = "2001:db8::7";
  EXPECT_EQ(policy_->Evaluate(r).rule_id, "office-hours");
  r.client_address = "::ffff:10.0.0.1";
  EXPECT_EQ(policy_->Evaluate(r).rule_id, "office-hours");
  r.client_address = "192.168.1.1";
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);
  r.client_address = "";
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);
  r.client_address = "10.1.2.3";
  r.time = absl::FromCivil(absl::CivilMinute(2026, 11, 25, 18, 0), absl::UTCTimeZone());
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);
  // Saturday
  r.time = absl::FromCivil(absl::CivilMinute(2026, 11, 28, 10, 0), absl::UTCTimeZone());
  EXPECT_EQ(policy_->Evaluate(r).decision, Decision::kDeny);
}

struct ErrorCase {
  const char* yaml;
  const char* want;  // substring of the error
};

TEST(PolicyLoadTest, ErrorsNameFileLineAndField) {
  const ErrorCase cases[] = {
      {"version: hoop.policy/v2\n", "p.yaml:1:10: version: must be"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: maybe\n",
       "p.yaml:4:14: rules[0].verdict: unknown value \"maybe\""},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdcit: allow\n",
       "p.yaml:4:5: rules[0].verdcit: unknown field \"verdcit\""},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    sql:\n      effects: [read, wrte]\n",
       "p.yaml:6:23: rules[0].sql.effects[1]: unknown effect \"wrte\""},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "  - id: a\n    verdict: deny\n",
       "p.yaml:5:9: rules[1].id: duplicate rule id"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: review\n",
       "rules[0].review.approver_groups: a review rule needs"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    conditions: {client_cidrs: [\"10.0.0.0/33\"]}\n",
       "p.yaml:5:33: rules[0].conditions.client_cidrs[0]: not an address range"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    sql: {kinds: [slect]}\n",
       "rules[0].sql.kinds[0]: unknown statement kind \"slect\""},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    sql: {}\n    command: {programs: [ls]}\n",
       "rules[0]: a rule has at most one of"},
      {"version: hoop.policy/v1\nrules: [\n", "p.yaml:3:1:"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    verdict: deny\n",
       "p.yaml:5:5: rules[0].verdict: given twice"},
      {"version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: allow\n"
       "    review: {approvals: many}\n",
       "rules[0].review.approvals: expected an integer"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto p = Policy::FromText(c.yaml, "p.yaml");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.want));
  }
}

TEST(PolicyLoadTest, JsonToo) {
  auto p = Policy::FromText(R"({
    "version": "hoop.policy/v1",
    "rules": [
      {"id": "r", "verdict": "ALLOW", "sql": {"effects": ["read"]},
       "maskingProfile": "x"}
    ]
  })",
                            "p.json");
  ASSERT_TRUE(p.ok()) << p.status();
  auto bad = Policy::FromText(R"({"version": "hoop.policy/v1",
  "rules": [{"id": "r", "verdict": "ALLOW", "sql": {"effects": ["reed"]}}]})",
                              "p.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("p.json:2:65: rules[0].sql.effects[0]"));
}

TEST(PolicyLoadTest, FromProtoAndFile) {
  v1::PolicyDocument doc;
  doc.set_version("hoop.policy/v1");
  v1::Rule* r = doc.add_rules();
  r->set_id("all");
  r->set_verdict(v1::ALLOW);
  auto p = Policy::FromProto(doc);
  ASSERT_TRUE(p.ok()) << p.status();
  Identity i;
  Resource res;
  Request req;
  req.identity = &i;
  req.resource = &res;
  EXPECT_EQ((*p)->Evaluate(req).decision, Decision::kAllow);
  EXPECT_EQ(Policy::FromFile("/nonexistent/p.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hoop::policy
