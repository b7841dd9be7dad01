// Copyright 2026 The hoop Authors.
//
// hoopctl policy check FILE
// hoopctl policy test --policy FILE (--token JWT --jwks FILE | --identity NAME
//     [--groups a,b]) --resource NAME (--sql TEXT | --command TEXT |
//     --http "METHOD PATH") [--dialect postgres|mysql] [--json]
// hoopctl sql classify [--dialect postgres|mysql]  < statements.sql
//
// `policy test` exits 0 when the verdict is allow, 3 for review, 4 for deny
// (1 for usage or load errors), so a CI job can assert a policy's answers.

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "commands.h"
#include "hoop/policy/http.h"
#include "hoop/policy/identity.h"
#include "hoop/policy/policy.h"
#include "hoop/policy/shell.h"
#include "hoop/policy/sql.h"

namespace hoop::hoopctl {
namespace {

namespace hp = hoop::policy;
using nlohmann::ordered_json;

struct TestArgs {
  std::string policy, token, jwks, issuer, audience, identity, email, kind = "person";
  std::vector<std::string> groups, labels;
  std::string resource, resource_kind, sql, command, http, dialect = "postgres";
  std::string client_address, time;
  bool kubernetes = false;
  bool json = false;
};

std::string StatusText(const absl::Status& s) {
  return std::string(s.message().data(), s.message().size());
}

ordered_json Strings(const std::vector<std::string>& v) {
  ordered_json a = ordered_json::array();
  for (const std::string& s : v) a.push_back(s);
  return a;
}

ordered_json Flags(uint32_t flags) {
  ordered_json a = ordered_json::array();
  for (hp::SqlFlag f : hp::AllSqlFlags()) {
    if (flags & static_cast<uint32_t>(f)) a.push_back(std::string(hp::SqlFlagName(f)));
  }
  return a;
}

ordered_json StatementJson(std::string_view text, const hp::SqlStatement& s) {
  ordered_json j;
  j["offset"] = s.offset;
  j["length"] = s.length;
  j["sql"] = std::string(text.substr(s.offset, s.length));
  j["kind"] = std::string(hp::SqlKindName(s.kind));
  j["effect"] = std::string(hp::EffectName(s.effect));
  j["tables"] = Strings(s.tables);
  j["flags"] = Flags(s.flags);
  if (!s.functions.empty()) j["functions"] = Strings(s.functions);
  if (!s.setting.empty()) j["setting"] = s.setting;
  return j;
}

ordered_json VerdictJson(const hp::Verdict& v) {
  ordered_json j;
  j["verdict"] = std::string(hp::DecisionName(v.decision));
  j["rule"] = std::string(v.rule_id);
  j["reason"] = std::string(v.reason);
  if (v.decision == hp::Decision::kDeny) j["message"] = std::string(v.message);
  if (!v.masking_profile.empty()) j["masking_profile"] = std::string(v.masking_profile);
  if (v.approver_groups != nullptr) {
    j["approver_groups"] = Strings(*v.approver_groups);
    j["approvals"] = v.approvals;
  }
  return j;
}

std::vector<std::string> SplitComma(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& s : in) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t c = s.find(',', start);
      std::string part = s.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!part.empty()) out.push_back(part);
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  return out;
}

int RunCheck(const std::string& file) {
  auto p = hp::Policy::FromFile(file);
  if (!p.ok()) {
    std::cerr << StatusText(p.status()) << "\n";
    return 1;
  }
  std::cout << file << ": ok, " << (*p)->rule_count() << " rules\n";
  return 0;
}

int RunTest(const TestArgs& a) {
  auto policy = hp::Policy::FromFile(a.policy);
  if (!policy.ok()) {
    std::cerr << StatusText(policy.status()) << "\n";
    return 1;
  }
  absl::Time at = absl::InfinitePast();
  if (!a.time.empty()) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, a.time, &at, &err)) {
      std::cerr << "--time: " << err << "\n";
      return 1;
    }
  }
  hp::Identity who;
  if (!a.token.empty()) {
    auto jwks = hp::Jwks::FromFile(a.jwks);
    if (!jwks.ok()) {
      std::cerr << StatusText(jwks.status()) << "\n";
      return 1;
    }
    hp::TokenVerifierOptions opts;
    opts.issuer = a.issuer;
    opts.audiences = SplitComma({a.audience});
    if (at != absl::InfinitePast()) opts.clock = [at] { return at; };
    if (opts.issuer.empty() || opts.audiences.empty()) {
      std::cerr << "--token needs --issuer and --audience\n";
      return 1;
    }
    auto id = hp::TokenVerifier(*std::move(jwks), opts).Verify(a.token);
    if (!id.ok()) {
      std::cerr << StatusText(id.status()) << "\n";
      return 1;
    }
    who = *std::move(id);
  } else {
    who.subject = a.identity;
    who.email = a.email;
    who.groups = SplitComma(a.groups);
    who.kind = a.kind == "non_human" || a.kind == "non-human" ? hp::IdentityKind::kNonHuman
                                                               : hp::IdentityKind::kPerson;
  }
  const hp::SqlDialect dialect =
      a.dialect == "mysql" ? hp::SqlDialect::kMySql : hp::SqlDialect::kPostgres;
  hp::Resource res;
  res.name = a.resource;
  std::string rk = a.resource_kind;
  if (rk.empty()) {
    rk = !a.sql.empty() ? (dialect == hp::SqlDialect::kMySql ? "mysql" : "postgres")
         : !a.command.empty() ? "ssh"
         : a.kubernetes ? "kubernetes"
                        : "http";
  }
  if (rk == "postgres") res.kind = hp::ResourceKind::kPostgres;
  if (rk == "mysql") res.kind = hp::ResourceKind::kMySql;
  if (rk == "ssh") res.kind = hp::ResourceKind::kSsh;
  if (rk == "http") res.kind = hp::ResourceKind::kHttp;
  if (rk == "kubernetes") res.kind = hp::ResourceKind::kKubernetes;
  for (const std::string& l : a.labels) {
    size_t eq = l.find('=');
    res.labels.emplace_back(l.substr(0, eq), eq == std::string::npos ? "" : l.substr(eq + 1));
  }

  hp::Request req;
  req.identity = &who;
  req.resource = &res;
  req.client_address = a.client_address;
  req.time = at;
  std::vector<hp::SqlStatement> stmts;
  hp::ShellCommand cmd;
  hp::HttpRequest http;
  hp::KubernetesRequest k8s;
  ordered_json out;
  out["identity"] = {{"subject", who.subject},
                     {"groups", Strings(who.groups)},
                     {"kind", std::string(hp::IdentityKindName(who.kind))}};
  int actions = !a.sql.empty() + !a.command.empty() + !a.http.empty();
  if (actions != 1) {
    std::cerr << "give exactly one of --sql, --command, --http\n";
    return 1;
  }
  if (!a.sql.empty()) {
    stmts = hp::ClassifySql(a.sql, dialect);
    req.sql = &stmts;
  } else if (!a.command.empty()) {
    cmd = hp::ClassifyShell(a.command);
    req.command = &cmd;
    ordered_json progs = ordered_json::array();
    for (const hp::ShellProgram& p : cmd.programs) {
      progs.push_back({{"name", p.name}, {"path", p.path}, {"via", p.via}});
    }
    out["command"] = {{"programs", progs}, {"dynamic", cmd.dynamic}};
  } else {
    size_t sp = a.http.find(' ');
    if (sp == std::string::npos) {
      std::cerr << "--http wants \"METHOD PATH\"\n";
      return 1;
    }
    const std::string method = a.http.substr(0, sp), target = a.http.substr(sp + 1);
    http = hp::ClassifyHttp(method, target);
    req.http = &http;
    if (res.kind == hp::ResourceKind::kKubernetes) {
      k8s = hp::ClassifyKubernetes(method, target);
      req.kubernetes = &k8s;
      out["kubernetes"] = {{"resource_request", k8s.is_resource_request},
                           {"verb", k8s.verb},
                           {"api_group", k8s.api_group},
                           {"api_version", k8s.api_version},
                           {"namespace", k8s.namespace_},
                           {"resource", k8s.resource},
                           {"subresource", k8s.subresource},
                           {"name", k8s.name},
                           {"path", k8s.path}};
    }
  }
  const hp::Verdict v = (*policy)->Evaluate(req);
  ordered_json verdict = VerdictJson(v);
  for (auto& [k, val] : verdict.items()) out[k] = val;
  if (req.sql != nullptr) {
    ordered_json each = ordered_json::array();
    const std::vector<hp::Verdict> verdicts = (*policy)->EvaluateEach(req);
    for (size_t i = 0; i < stmts.size(); ++i) {
      ordered_json s = StatementJson(a.sql, stmts[i]);
      s["verdict"] = std::string(hp::DecisionName(verdicts[i].decision));
      s["rule"] = std::string(verdicts[i].rule_id);
      each.push_back(s);
    }
    out["statements"] = each;
    if (v.statement >= 0) out["deciding_statement"] = v.statement;
  }
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "verdict: " << hp::DecisionName(v.decision) << "\n"
              << "rule:    " << (v.rule_id.empty() ? "(none matched)" : std::string(v.rule_id))
              << "\n"
              << "reason:  " << v.reason << "\n";
    if (v.decision == hp::Decision::kDeny) std::cout << "message: " << v.message << "\n";
    if (!v.masking_profile.empty()) std::cout << "masking: " << v.masking_profile << "\n";
    if (v.approver_groups != nullptr) {
      std::cout << "review:  " << v.approvals << " approval(s) from";
      for (const std::string& g : *v.approver_groups) std::cout << " " << g;
      std::cout << "\n";
    }
    if (v.statement >= 0 && stmts.size() > 1) {
      std::cout << "decided by statement " << v.statement + 1 << " of " << stmts.size()
                << "\n";
    }
  }
  switch (v.decision) {
    case hp::Decision::kAllow: return 0;
    case hp::Decision::kReview: return 3;
    case hp::Decision::kDeny: return 4;
  }
  return 4;
}

int RunClassify(const std::string& dialect) {
  std::string text((std::istreambuf_iterator<char>(std::cin)),
                   std::istreambuf_iterator<char>());
  const auto stmts = hp::ClassifySql(
      text, dialect == "mysql" ? hp::SqlDialect::kMySql : hp::SqlDialect::kPostgres);
  for (const hp::SqlStatement& s : stmts) {
    std::cout << StatementJson(text, s).dump() << "\n";
  }
  return 0;
}

}  // namespace

void RegisterPolicy(CLI::App& app) {
  CLI::App* policy = app.add_subcommand("policy", "Validate and test policy documents");
  policy->require_subcommand(1);

  auto file = std::make_shared<std::string>();
  CLI::App* check = policy->add_subcommand("check", "Validate a policy document");
  check->add_option("FILE", *file, "policy (YAML or JSON)")->required();
  check->callback([file] {
    int rc = RunCheck(*file);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto a = std::make_shared<TestArgs>();
  CLI::App* test = policy->add_subcommand(
      "test",
      "Print the verdict, rule and reason for one request. Exit status: 0 "
      "allow, 3 review, 4 deny, 1 error");
  test->add_option("--policy", a->policy, "policy (YAML or JSON)")->required();
  test->add_option("--token", a->token, "an OIDC ID token (JWT) to verify");
  test->add_option("--jwks", a->jwks, "the provider's JWKS (JSON file)");
  test->add_option("--issuer", a->issuer, "expected iss (with --token)");
  test->add_option("--audience", a->audience, "expected aud, comma-separated (with --token)");
  test->add_option("--identity", a->identity, "the subject, when not using --token");
  test->add_option("--email", a->email, "the identity's email");
  test->add_option("--groups", a->groups, "groups, comma-separated");
  test->add_option("--kind", a->kind, "person or non_human");
  test->add_option("--resource", a->resource, "the connection name")->required();
  test->add_option("--resource-kind", a->resource_kind,
                   "postgres, mysql, ssh, http or kubernetes (default: from the action)");
  test->add_option("--label", a->labels, "resource label key=value (repeatable)");
  test->add_option("--sql", a->sql, "SQL text (any number of statements)");
  test->add_option("--command", a->command, "an SSH exec command line");
  test->add_option("--http", a->http, "\"METHOD PATH\"");
  test->add_flag("--kubernetes", a->kubernetes, "--http is a Kubernetes API request");
  test->add_option("--dialect", a->dialect, "postgres or mysql")
      ->check(CLI::IsMember({"postgres", "mysql"}));
  test->add_option("--client-address", a->client_address, "the client's IP address");
  test->add_option("--time", a->time,
                   "evaluate (and check the token's exp/nbf/iat) at this RFC 3339 "
                   "time (default: now)");
  test->add_flag("--json", a->json, "print JSON, with each statement's classification");
  auto* token_opt = test->get_option("--token");
  auto* identity_opt = test->get_option("--identity");
  token_opt->excludes(identity_opt);
  test->get_option("--jwks")->needs(token_opt);
  test->callback([a] {
    if (a->token.empty() && a->identity.empty()) {
      std::cerr << "give --token (with --jwks) or --identity\n";
      throw CLI::RuntimeError(1);
    }
    if (!a->token.empty() && a->jwks.empty()) {
      std::cerr << "--token needs --jwks\n";
      throw CLI::RuntimeError(1);
    }
    int rc = RunTest(*a);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto dialect = std::make_shared<std::string>("postgres");
  CLI::App* sql = app.add_subcommand("sql", "SQL tools");
  sql->require_subcommand(1);
  CLI::App* classify = sql->add_subcommand(
      "classify",
      "Read SQL on standard input; print one JSON object per statement: byte "
      "span, kind, effect, tables, flags");
  classify->add_option("--dialect", *dialect, "postgres or mysql")
      ->check(CLI::IsMember({"postgres", "mysql"}));
  classify->callback([dialect] {
    int rc = RunClassify(*dialect);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hoop::hoopctl
