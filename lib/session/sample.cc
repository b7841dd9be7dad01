// Copyright 2026 The hoop Authors.
//
// The sample sessions. The scenario is a table so the answers a review must
// give can be read off it (lib/session/README.md lists them).

#include "hoop/session/sample.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "hoop/base/status_macros.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"
#include "hoop/session/v1/inventory.pb.h"

namespace hoop::session {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kDay = 86'400 * kSec;

struct Cell {
  const char* value;
  const char* detector = nullptr;  // planted sensitive value: what finds it
};

struct CmdSpec {
  const char* text;
  // a allow, b allow by a broad rule, d deny, h held then approved,
  // r held then refused, e held then expired
  char kind;
  const char* rule;
  const char* reason = "";
  const char* approver = "";
  const char* approver_reason = "";
  std::vector<std::pair<const char*, const char*>> columns = {};
  std::vector<std::vector<Cell>> rows = {};
  std::vector<Cell> output = {};  // terminal output chunks, or an HTTP body
};

struct SessionSpec {
  int identity;
  int resource;
  const char* credential;
  int days_ago, hour, minute;
  std::vector<CmdSpec> commands;
};

struct IdentitySpec {
  const char* subject;
  const char* email;
  bool non_human;
  std::vector<const char*> groups;
};

struct ResourceSpec {
  const char* name;
  const char* kind;
  const char* address;
  const char* environment;
  v1::Protocol protocol;
};

const IdentitySpec kIdentities[] = {
    {"ana", "ana@example.com", false, {"dba", "eng"}},
    {"bruno", "bruno@example.com", false, {"eng"}},
    {"carla", "carla@example.com", false, {"sre", "approvers"}},
    {"dev", "dev@example.com", false, {"support"}},
    {"etl-agent", "", true, {"agents"}},
    {"ci-deployer", "", true, {"agents", "ci"}},
    {"ai-assistant", "", true, {"agents", "ai"}},
};
enum { kAna, kBruno, kCarla, kDev, kEtl, kCi, kAi };

const ResourceSpec kResources[] = {
    {"pg-prod", "postgres", "10.0.1.5:5432", "production",
     v1::PROTOCOL_POSTGRES},
    {"pg-staging", "postgres", "10.0.2.5:5432", "staging",
     v1::PROTOCOL_POSTGRES},
    {"mysql-billing", "mysql", "10.0.1.9:3306", "production",
     v1::PROTOCOL_MYSQL},
    {"ssh-bastion", "ssh", "10.0.1.2:22", "production", v1::PROTOCOL_SSH},
    {"k8s-prod", "kubernetes", "https://k8s.prod.internal:6443", "production",
     v1::PROTOCOL_KUBERNETES},
    {"api-internal", "http", "https://api.staging.internal", "staging",
     v1::PROTOCOL_HTTP},
};
enum { kPgProd, kPgStaging, kMysql, kSsh, kK8s, kApi };

std::vector<SessionSpec> Scenario() {
  const std::vector<std::pair<const char*, const char*>> kCustomerCols = {
      {"id", "int4"}, {"email", "text"}, {"card", "text"}};
  return {
      {kAna,
       kPgProd,
       "pg-prod-readonly",
       14,
       9,
       0,
       {{"SELECT id, email, card FROM customers ORDER BY id LIMIT 3",
         'a',
         "pg-prod-read",
         "reads are allowed for group dba",
         "",
         "",
         kCustomerCols,
         {{{"1"},
           {"maria.silva@example.com", "EMAIL"},
           {"4111 1111 1111 1111", "PAYMENT_CARD"}},
          {{"2"},
           {"joao.souza@example.org", "EMAIL"},
           {"5500 0000 0000 0004", "PAYMENT_CARD"}},
          {{"3"},
           {"li.wei@example.net", "EMAIL"},
           {"3400 0000 0000 009", "PAYMENT_CARD"}}}},
        {"SELECT count(*) FROM orders",
         'a',
         "pg-prod-read",
         "reads are allowed for group dba",
         "",
         "",
         {{"count", "int8"}},
         {{{"48213"}}}}}},
      {kAna,
       kPgProd,
       "pg-prod-admin",
       13,
       10,
       0,
       {{"ALTER TABLE orders ADD COLUMN note text", 'h',
         "prod-ddl-needs-approval",
         "DDL on production needs an approver from group sre",
         "carla@example.com", "CHG-1042 approved in CAB"},
        {"DROP TABLE audit_log", 'd', "no-drop-prod",
         "DROP is never allowed on production"}}},
      {kBruno,
       kPgProd,
       "pg-prod-readonly",
       12,
       14,
       0,
       {{"SELECT name, ssn FROM employees WHERE team = 'payments'",
         'a',
         "pg-prod-read",
         "reads are allowed for group eng",
         "",
         "",
         {{"name", "text"}, {"ssn", "text"}},
         {{{"Rui Costa"}, {"536-22-8841", "US_SSN"}},
          {{"Eva Mendes"}, {"401-73-2290", "US_SSN"}}}},
        {"DELETE FROM customers", 'd', "no-unbounded-delete",
         "DELETE without WHERE on production"}}},
      {kBruno,
       kPgStaging,
       "pg-staging-app",
       11,
       16,
       0,
       {{"UPDATE users SET plan = 'pro' WHERE id = 7", 'b', "staging-all",
         "anything goes on staging"},
        {"SELECT id, plan FROM users WHERE id = 7",
         'b',
         "staging-all",
         "anything goes on staging",
         "",
         "",
         {{"id", "int4"}, {"plan", "text"}},
         {{{"7"}, {"pro"}}}}}},
      {kCarla,
       kSsh,
       "ssh-bastion-carla",
       10,
       8,
       30,
       {{"uptime",
         'a',
         "ssh-ops",
         "group sre may run commands on the bastion",
         "",
         "",
         {},
         {},
         {{" 08:30:12 up 41 days,  3:02,  1 user,  load average: 0.08, 0.11, "
           "0.09\r\n"}}},
        {"cat /etc/app/env",
         'a',
         "ssh-ops",
         "group sre may run commands on the bastion",
         "",
         "",
         {},
         {},
         {{"APP_ENV=production\r\n"},
          {"AWS_ACCESS_KEY_ID=", nullptr},
          {"AKIAZQ3DRSXLHGP4TNQ7", "AWS_ACCESS_KEY_ID"},
          {"\r\nDB_HOST=db.internal\r\n"}}},
        {"sudo rm -rf /var/log/app", 'd', "no-destructive-shell",
         "rm -rf under sudo is not allowed"}}},
      {kCarla,
       kMysql,
       "mysql-billing-ro",
       9,
       11,
       0,
       {{"SELECT invoice_id, email, iban FROM invoices ORDER BY invoice_id "
         "LIMIT 2",
         'a',
         "billing-read",
         "reads are allowed for group sre",
         "",
         "",
         {{"invoice_id", "varchar(16)"},
          {"email", "varchar(255)"},
          {"iban", "varchar(34)"}},
         {{{"INV-991"},
           {"billing@acme-corp.com", "EMAIL"},
           {"DE89 3704 0044 0532 0130 00", "IBAN"}},
          {{"INV-992"},
           {"ap@globex.io", "EMAIL"},
           {"GB82 WEST 1234 5698 7654 32", "IBAN"}}}}}},
      {kDev,
       kMysql,
       "mysql-billing-ro",
       8,
       15,
       0,
       {{"SELECT invoice_id, status FROM invoices WHERE status = 'open'",
         'a',
         "billing-read",
         "reads are allowed for group support",
         "",
         "",
         {{"invoice_id", "varchar(16)"}, {"status", "varchar(8)"}},
         {{{"INV-993"}, {"open"}}, {{"INV-994"}, {"open"}}}},
        {"UPDATE invoices SET status = 'void' WHERE invoice_id = 'INV-993'",
         'r', "billing-writes-approval",
         "writes to billing need an approver from group dba", "ana@example.com",
         "Not a support task; open a finance ticket"}}},
      {kDev,
       kMysql,
       "mysql-root",
       7,
       17,
       0,
       {{"SHOW GRANTS",
         'b',
         "billing-catch-all",
         "legacy rule: any statement on billing",
         "",
         "",
         {{"Grants for root@%", "varchar(1024)"}},
         {{{"GRANT ALL PRIVILEGES ON *.* TO `root`@`%`"}}}}}},
      {kEtl,
       kPgProd,
       "pg-prod-etl",
       6,
       2,
       0,
       {{"COPY orders TO STDOUT",
         'a',
         "etl-export",
         "the ETL job may export orders",
         "",
         "",
         {{"order_id", "int8"}, {"total", "numeric"}},
         {{{"90001"}, {"120.50"}}, {{"90002"}, {"33.10"}}}},
        {"SELECT email FROM customers WHERE created_at > now() - interval '1 "
         "day'",
         'a',
         "etl-export",
         "the ETL job may export customers",
         "",
         "",
         {{"email", "text"}},
         {{{"a.moreira@example.com", "EMAIL"}},
          {{"b.tanaka@example.jp", "EMAIL"}},
          {{"c.okafor@example.ng", "EMAIL"}},
          {{"d.novak@example.cz", "EMAIL"}},
          {{"e.larsen@example.dk", "EMAIL"}}}}}},
      {kEtl,
       kPgProd,
       "pg-prod-etl",
       5,
       2,
       0,
       {{"COPY orders TO STDOUT",
         'a',
         "etl-export",
         "the ETL job may export orders",
         "",
         "",
         {{"order_id", "int8"}, {"total", "numeric"}},
         {{{"90003"}, {"18.00"}}}},
        {"TRUNCATE staging_orders", 'd', "no-truncate-prod",
         "TRUNCATE is not allowed on production"}}},
      {kCi,
       kK8s,
       "k8s-deployer-sa",
       4,
       13,
       0,
       {{"PATCH /apis/apps/v1/namespaces/shop/deployments/web", 'b',
         "deployer-any", "the deployer may do anything in its namespaces"},
        {"GET /api/v1/namespaces/shop/secrets/db", 'd', "no-secret-read",
         "secrets are never read through the gateway"}}},
      {kAi,
       kPgProd,
       "pg-prod-readonly",
       3,
       10,
       0,
       {{"SELECT email, phone FROM customers WHERE id = 42",
         'b',
         "prod-catch-all",
         "legacy rule: agents may query production",
         "",
         "",
         {{"email", "text"}, {"phone", "text"}},
         {{{"kim.lee@example.com", "EMAIL"}, {"+1 415 555 0132", "PHONE"}}}},
        {"UPDATE customers SET tier = 'gold' WHERE id = 42", 'e',
         "agent-writes-approval",
         "writes by agents need a person's approval"}}},
      {kAi,
       kApi,
       "api-internal-token",
       2,
       12,
       0,
       {{"POST /v1/refunds", 'h', "refunds-need-approval",
         "refunds need an approver", "carla@example.com",
         "Customer ticket #5521, amount checked"},
        {"GET /v1/customers/42",
         'a',
         "api-read",
         "reads are allowed",
         "",
         "",
         {},
         {},
         {{"{\"id\":42,\"email\":\""},
          {"kim.lee@example.com", "EMAIL"},
          {"\",\"plan\":\"pro\"}"}}}}},
      {kAi,
       kPgProd,
       "pg-prod-readonly",
       1,
       9,
       0,
       {{"DROP TABLE customers", 'd', "no-drop-prod",
         "DROP is never allowed on production"},
        {"SELECT 1",
         'b',
         "prod-catch-all",
         "legacy rule: agents may query production",
         "",
         "",
         {{"?column?", "int4"}},
         {{{"1"}}}}}},
      {kAi,
       kK8s,
       "k8s-readonly-sa",
       120,
       10,
       0,
       {{"GET /api/v1/namespaces/shop/pods", 'a', "k8s-read",
         "reads are allowed"}}},
      {kCi,
       kK8s,
       "k8s-deployer-sa",
       1,
       18,
       0,
       {{"PATCH /apis/apps/v1/namespaces/shop/deployments/web", 'b',
         "deployer-any", "the deployer may do anything in its namespaces"},
        {"POST /api/v1/namespaces/shop/pods/web-1/exec", 'd', "no-exec-prod",
         "exec into production pods is not allowed"}}},
  };
}

v1::Inventory SampleInventory(int64_t now) {
  auto day = [now](int days) {
    return absl::FormatTime(absl::RFC3339_sec,
                            absl::FromUnixNanos(now - days * kDay),
                            absl::UTCTimeZone());
  };
  struct Row {
    const char *id, *kind, *owner, *resource;
    int created, rotated;  // days ago; -1: never rotated
    bool non_human;
  };
  const Row rows[] = {
      {"pg-prod-readonly", "database-role", "team-data", "pg-prod", 300, 20,
       false},
      {"pg-prod-admin", "database-role", "dba", "pg-prod", 700, 200, false},
      {"pg-prod-etl", "database-role", "team-data", "pg-prod", 800, 400, true},
      {"pg-staging-app", "database-role", "team-eng", "pg-staging", 100, 10,
       false},
      {"mysql-billing-ro", "database-role", "finance", "mysql-billing", 365, 30,
       false},
      {"ssh-bastion-carla", "ssh-key", "carla@example.com", "ssh-bastion", 200,
       60, false},
      {"k8s-deployer-sa", "service-account", "platform", "k8s-prod", 300, -1,
       true},
      {"k8s-readonly-sa", "service-account", "platform", "k8s-prod", 400, 50,
       true},
      {"api-token-legacy", "api-token", "team-payments", "api-internal", 500,
       -1, true},
      {"api-internal-token", "api-token", "team-payments", "api-internal", 90,
       5, true},
  };
  v1::Inventory inv;
  for (const Row& r : rows) {
    v1::InventoryCredential* c = inv.add_credentials();
    c->set_id(r.id);
    c->set_kind(r.kind);
    c->set_owner(r.owner);
    c->set_resource(r.resource);
    c->set_created_at(day(r.created));
    if (r.rotated >= 0) c->set_rotated_at(day(r.rotated));
    c->set_non_human(r.non_human);
  }
  return inv;
}

void FillDetails(const ResourceSpec& res, const std::string& text,
                 v1::Command& c) {
  std::vector<std::string> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  switch (res.protocol) {
    case v1::PROTOCOL_POSTGRES:
    case v1::PROTOCOL_MYSQL:
      c.mutable_sql()->set_kind(
          absl::AsciiStrToLower(words.empty() ? "" : words[0]));
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        std::string w = absl::AsciiStrToUpper(words[i]);
        if (w == "FROM" || w == "TABLE" || w == "UPDATE" || w == "INTO" ||
            w == "COPY" || w == "TRUNCATE") {
          c.mutable_sql()->add_tables(words[i + 1]);
        }
      }
      if (words.size() == 1 && absl::AsciiStrToUpper(words[0]) == "UPDATE")
        break;
      break;
    case v1::PROTOCOL_SSH:
      for (const std::string& w : words) c.mutable_shell()->add_argv(w);
      if (!words.empty())
        c.mutable_shell()->set_program(
            words[0] == "sudo" && words.size() > 1 ? words[1] : words[0]);
      break;
    case v1::PROTOCOL_HTTP:
      c.mutable_http()->set_method(words.size() > 0 ? words[0] : "");
      c.mutable_http()->set_path(words.size() > 1 ? words[1] : "");
      c.mutable_http()->set_host("api.staging.internal");
      break;
    case v1::PROTOCOL_KUBERNETES: {
      v1::KubernetesRequest* k = c.mutable_kubernetes();
      std::string method = words.size() > 0 ? words[0] : "";
      std::vector<std::string> p = absl::StrSplit(
          words.size() > 1 ? words[1] : "", '/', absl::SkipEmpty());
      // /api/v1/namespaces/NS/RES[/NAME[/SUB]] or /apis/GROUP/VER/namespaces/…
      size_t i = p.size() > 0 && p[0] == "apis" ? 3 : 2;
      if (p.size() > 1 && p[0] == "apis") k->set_api_group(p[1]);
      if (i + 1 < p.size() && p[i] == "namespaces") {
        k->set_namespace_(p[i + 1]);
        i += 2;
      }
      if (i < p.size()) k->set_resource(p[i]);
      if (i + 1 < p.size()) k->set_name(p[i + 1]);
      if (i + 2 < p.size()) k->set_subresource(p[i + 2]);
      std::string verb = method == "GET" ? (k->name().empty() ? "list" : "get")
                         : method == "POST"  ? "create"
                         : method == "PATCH" ? "patch"
                         : method == "PUT"   ? "update"
                                             : absl::AsciiStrToLower(method);
      k->set_verb(verb);
      break;
    }
    default:
      break;
  }
}

void AddCounts(const std::map<std::string, uint64_t>& counts,
               google::protobuf::RepeatedPtrField<v1::MaskCount>* out) {
  for (const auto& [d, n] : counts) {
    v1::MaskCount* m = out->Add();
    m->set_detector(d);
    m->set_count(n);
  }
}

}  // namespace

absl::StatusOr<SampleSet> WriteSampleRecords(const SampleOptions& options) {
  if (options.dir.empty())
    return absl::InvalidArgumentError("SampleOptions.dir is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec)
    return absl::UnavailableError(
        absl::StrCat(options.dir, ": ", ec.message()));

  int64_t now = options.now_ns;
  if (now == 0) now = absl::ToUnixNanos(absl::Now()) / kDay * kDay;
  SigningKey key =
      options.key.has_value() ? *options.key : *SigningKey::Generate();
  std::vector<SessionSpec> scenario = Scenario();

  SampleSet set{{}, options.dir + "/inventory.json", key, now, {}};
  // The stand-in masker knows the planted values.
  std::vector<std::pair<std::string, std::string>> planted;
  for (const SessionSpec& s : scenario) {
    for (const CmdSpec& c : s.commands) {
      for (const auto& row : c.rows) {
        for (const Cell& cell : row) {
          if (cell.detector) planted.emplace_back(cell.value, cell.detector);
        }
      }
      for (const Cell& cell : c.output) {
        if (cell.detector) planted.emplace_back(cell.value, cell.detector);
      }
    }
  }
  for (const auto& p : planted) set.planted.push_back(p.first);
  CellMasker mask = options.mask;
  if (!mask) {
    mask = [planted](std::string_view, std::string_view, std::string_view value,
                     std::map<std::string, uint64_t>& counts) {
      std::string out(value);
      for (const auto& [raw, detector] : planted) {
        for (size_t at = out.find(raw); at != std::string::npos;
             at = out.find(raw, at)) {
          std::string token = absl::StrCat("[", detector, "]");
          out.replace(at, raw.size(), token);
          at += token.size();
          ++counts[detector];
        }
      }
      return out;
    };
  }

  for (size_t si = 0; si < scenario.size(); ++si) {
    const SessionSpec& spec = scenario[si];
    const IdentitySpec& who = kIdentities[spec.identity];
    const ResourceSpec& res = kResources[spec.resource];
    int64_t t = now - spec.days_ago * kDay +
                (spec.hour * 3600 + spec.minute * 60) * kSec;
    const int64_t start = t;
    std::string id =
        absl::StrFormat("s%02d-%s-%s", si + 1, who.subject, res.name);

    FileSink::Options fo;
    fo.dir = options.dir;
    HOOP_ASSIGN_OR_RETURN(std::unique_ptr<FileSink> sink, FileSink::Create(fo));
    FileSink* file = sink.get();
    RecorderOptions ro;
    ro.session_id = id;
    ro.signing_key = key;
    ro.checkpoint_every = 8;
    ro.queue_capacity = 0;
    ro.durability = Durability::kAtClose;
    ro.clock = [&t] { return t; };
    HOOP_ASSIGN_OR_RETURN(std::unique_ptr<Recorder> rec,
                          Recorder::Create(ro, std::move(sink)));

    v1::SessionStart st;
    st.mutable_identity()->set_subject(who.subject);
    st.mutable_identity()->set_email(who.email);
    for (const char* g : who.groups) st.mutable_identity()->add_groups(g);
    st.mutable_identity()->set_kind(who.non_human ? v1::IDENTITY_KIND_NON_HUMAN
                                                  : v1::IDENTITY_KIND_PERSON);
    st.mutable_identity()->set_issuer(
        who.non_human ? "embedder" : "https://sso.example.com");
    st.mutable_credential()->set_id(spec.credential);
    std::string kind = res.protocol == v1::PROTOCOL_SSH ? "ssh-key"
                       : res.protocol == v1::PROTOCOL_KUBERNETES
                           ? "service-account"
                       : res.protocol == v1::PROTOCOL_HTTP ? "api-token"
                                                           : "database-role";
    st.mutable_credential()->set_kind(kind);
    st.mutable_credential()->set_principal(spec.credential);
    st.set_client_address(
        absl::StrFormat("192.0.2.%d:%d", 10 + spec.identity, 50000 + si));
    st.set_gateway_id("gw-eu-1");
    st.mutable_resource()->set_name(res.name);
    st.mutable_resource()->set_kind(res.kind);
    st.mutable_resource()->set_address(res.address);
    st.mutable_resource()->set_environment(res.environment);
    (*st.mutable_resource()->mutable_labels())["env"] = res.environment;
    st.set_protocol(res.protocol);
    st.set_policy_version("policy-2026.11.3");
    if (res.protocol == v1::PROTOCOL_POSTGRES ||
        res.protocol == v1::PROTOCOL_MYSQL) {
      (*st.mutable_attributes())["database"] =
          res.protocol == v1::PROTOCOL_MYSQL ? "billing" : "shop";
      (*st.mutable_attributes())["user"] = spec.credential;
    } else if (res.protocol == v1::PROTOCOL_SSH) {
      (*st.mutable_attributes())["term"] = "xterm-256color";
    }
    HOOP_RETURN_IF_ERROR(rec->Start(st));

    uint64_t c2s = 0, s2c = 0;
    uint64_t command_id = 0;
    for (const CmdSpec& cs : spec.commands) {
      t += 20 * kSec;
      v1::Command c;
      c.set_command_id(++command_id);
      c.set_text(cs.text);
      FillDetails(res, cs.text, c);
      v1::Verdict* v = c.mutable_verdict();
      v->add_rule_ids(cs.rule);
      v->set_reason(cs.reason);
      v->set_broad_rule(cs.kind == 'b');
      bool held = cs.kind == 'h' || cs.kind == 'r' || cs.kind == 'e';
      v->set_decision(cs.kind == 'd' ? v1::DECISION_DENY
                      : held         ? v1::DECISION_REVIEW
                                     : v1::DECISION_ALLOW);
      std::string request_id =
          absl::StrFormat("apr-%02d-%d", si + 1, command_id);
      if (held) c.set_approval_request_id(request_id);
      c2s += std::string_view(cs.text).size() + 5;
      HOOP_RETURN_IF_ERROR(rec->Command(c));
      bool runs = cs.kind == 'a' || cs.kind == 'b' || cs.kind == 'h';
      if (held) {
        v1::Approval a;
        a.set_request_id(request_id);
        a.set_command_id(command_id);
        a.set_command_text(cs.text);
        a.set_state(v1::APPROVAL_STATE_REQUESTED);
        a.set_requested_ns(t);
        a.set_expires_ns(t + 900 * kSec);
        a.add_approver_groups(spec.resource == kMysql ? "dba" : "sre");
        HOOP_RETURN_IF_ERROR(rec->Approval(a));
        t += cs.kind == 'e' ? 900 * kSec : 240 * kSec;
        a.set_decided_ns(t);
        if (cs.kind == 'e') {
          a.set_state(v1::APPROVAL_STATE_EXPIRED);
        } else {
          a.set_state(cs.kind == 'h' ? v1::APPROVAL_STATE_APPROVED
                                     : v1::APPROVAL_STATE_DENIED);
          std::string approver = cs.approver;
          a.mutable_approver()->set_subject(
              approver.substr(0, approver.find('@')));
          a.mutable_approver()->set_email(approver);
          a.mutable_approver()->set_kind(v1::IDENTITY_KIND_PERSON);
          a.set_reason(cs.approver_reason);
        }
        HOOP_RETURN_IF_ERROR(rec->Approval(a));
      }
      if (!runs) continue;
      if (res.protocol == v1::PROTOCOL_SSH) {
        int64_t offset = t - start;
        std::map<std::string, uint64_t> counts;
        // Terminal output arrives in chunks; each is masked whole (a real
        // pipeline uses the stream masker, which also catches split values).
        std::string chunk;
        for (const Cell& cell : cs.output) chunk += cell.value;
        s2c += chunk.size();
        size_t cut = chunk.size() / 2;
        // Cut where no planted value is split.
        for (const auto& p : planted) {
          size_t at = chunk.find(p.first);
          if (at != std::string::npos && at < cut && cut < at + p.first.size())
            cut = at;
        }
        for (std::string part : {chunk.substr(0, cut), chunk.substr(cut)}) {
          if (part.empty()) continue;
          std::map<std::string, uint64_t> these;
          v1::Output o;
          o.set_channel(0);
          o.set_stream(v1::STREAM_STDOUT);
          o.set_data(mask("", "", part, these));
          offset += 180'000'000;
          o.set_offset_ns(offset);
          AddCounts(these, o.mutable_masked());
          for (const auto& [d, n] : these) counts[d] += n;
          v1::Record r;
          r.set_time_ns(start + offset);
          *r.mutable_output() = std::move(o);
          HOOP_RETURN_IF_ERROR(rec->Append(std::move(r)));
        }
        v1::Result done;
        done.set_command_id(command_id);
        done.set_status("exit 0");
        done.set_bytes(chunk.size());
        // The Output records carry what was masked in the terminal output.
        HOOP_RETURN_IF_ERROR(rec->Result(done));
        continue;
      }
      t += 40'000'000;
      v1::Result r;
      r.set_command_id(command_id);
      r.set_duration_ns(40'000'000);
      std::map<std::string, uint64_t> counts;
      uint64_t bytes = 0;
      for (const auto& [name, type] : cs.columns) {
        v1::Column* col = r.add_columns();
        col->set_name(name);
        col->set_type(type);
      }
      for (const auto& row : cs.rows) {
        v1::Row* out = r.add_sample_rows();
        for (size_t i = 0; i < row.size(); ++i) {
          const char* column = i < cs.columns.size() ? cs.columns[i].first : "";
          const char* type = i < cs.columns.size() ? cs.columns[i].second : "";
          bytes += std::string_view(row[i].value).size() + 4;
          out->add_cells(mask(column, type, row[i].value, counts));
        }
      }
      std::string body;
      for (const Cell& cell : cs.output) body += cell.value;
      if (!body.empty()) {
        r.add_sample_rows()->add_cells(
            mask("", "application/json", body, counts));
        bytes += body.size();
      }
      r.set_rows(cs.rows.size());
      r.set_bytes(bytes);
      s2c += bytes;
      std::vector<std::string> w = absl::StrSplit(cs.text, ' ');
      if (res.protocol == v1::PROTOCOL_HTTP ||
          res.protocol == v1::PROTOCOL_KUBERNETES) {
        r.set_status("HTTP 200");
      } else {
        // The server's command tag: row counts only where Postgres gives one.
        std::string tag = absl::AsciiStrToUpper(w[0]);
        bool counted = tag == "SELECT" || tag == "COPY" || tag == "SHOW" ||
                       tag == "UPDATE";
        r.set_status(counted ? absl::StrCat(tag, " ", cs.rows.size())
                             : absl::StrCat(tag, w.size() > 1 ? " " : "",
                                            w.size() > 1
                                                ? absl::AsciiStrToUpper(w[1])
                                                : ""));
      }
      AddCounts(counts, r.mutable_masked());
      HOOP_RETURN_IF_ERROR(rec->Result(r));
    }
    t += 30 * kSec;
    v1::SessionEnd end;
    end.set_reason(v1::END_REASON_CLIENT_CLOSED);
    end.set_bytes_client_to_server(c2s);
    end.set_bytes_server_to_client(s2c);
    end.set_duration_ns(t - start);
    HOOP_RETURN_IF_ERROR(rec->End(end));
    HOOP_RETURN_IF_ERROR(rec->Close());
    for (const std::string& f : file->files()) set.files.push_back(f);
  }

  std::string json;
  google::protobuf::util::JsonPrintOptions jo;
  jo.add_whitespace = true;
  jo.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(SampleInventory(now),
                                                        &json, jo);
  if (!st.ok()) return absl::InternalError("cannot print the inventory");
  std::ofstream out(set.inventory_path, std::ios::binary | std::ios::trunc);
  out << json;
  if (!out.good())
    return absl::UnavailableError(set.inventory_path + ": cannot write");
  return set;
}

}  // namespace hoop::session
