// Copyright 2026 The hoop Authors.
//
// Policies: per-command verdicts (allow, deny, review) with reasons.
//
// A policy document (YAML or JSON; schema in proto/hoop/policy/v1/
// policy.proto) is a list of rules. Each rule names subjects (identities,
// groups, identity kind), resources (connection names, kinds, labels), an
// action (SQL kinds/effects/tables/flags, programs of a command line, HTTP
// methods and paths, Kubernetes verbs/resources/namespaces), optional
// conditions (time windows, client address ranges) and an outcome: ALLOW,
// DENY with the message the user sees, or REVIEW by approver groups; plus
// the masking profile for what it lets through.
//
//   auto policy = hoop::policy::Policy::FromFile("policy.yaml");
//   if (!policy.ok()) { /* "policy.yaml:12:7: rules[1].sql.effects[0]: ..." */ }
//
//   hoop::policy::Identity who = ...;            // verified; see identity.h
//   hoop::policy::Resource db{"warehouse-eu", hoop::policy::ResourceKind::kPostgres};
//   auto stmts = hoop::policy::ClassifySql(query, hoop::policy::SqlDialect::kPostgres);
//   hoop::policy::Request req;
//   req.identity = &who;
//   req.resource = &db;
//   req.sql = &stmts;
//   hoop::policy::Verdict v = (*policy)->Evaluate(req);
//   // v.decision, v.rule_id, v.reason, v.message, v.masking_profile
//
// Precedence is fixed: for each unit (one SQL statement, one command line,
// one HTTP or Kubernetes request) every rule is tried; any matching DENY
// wins, else any matching REVIEW, else a matching ALLOW; no match is DENY.
// Among rules of the same verdict, the first in the document decides. A
// query of several statements gets the strictest verdict of its statements
// (the first statement with it decides). What a classifier could not tell is
// never matched by effect "read": a statement with effect "unknown" only
// matches rules that name "unknown" or no effect at all.
//
// Thread safety and lifetime: a Policy is immutable once built and shared
// (std::shared_ptr<const Policy>) by all sessions; Evaluate() is const,
// thread-safe, and allocates nothing. A Verdict's views point into the
// Policy: LIFETIME: valid while the Policy lives.

#ifndef HOOP_POLICY_POLICY_H_
#define HOOP_POLICY_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hoop/policy/http.h"
#include "hoop/policy/identity.h"
#include "hoop/policy/shell.h"
#include "hoop/policy/sql.h"

namespace hoop::policy {

namespace v1 {
class PolicyDocument;  // proto/hoop/policy/v1/policy.proto
}

enum class ResourceKind : uint8_t {
  kUnspecified,
  kPostgres,
  kMySql,
  kSsh,
  kHttp,
  kKubernetes,
};

struct Resource {
  std::string name;  // the connection's name ("warehouse-eu")
  ResourceKind kind = ResourceKind::kUnspecified;
  std::vector<std::pair<std::string, std::string>> labels;
};

// One request to decide. Pointers are borrowed for the call only.
struct Request {
  const Identity* identity = nullptr;  // null: the verdict is deny
  const Resource* resource = nullptr;  // null: the verdict is deny
  // The action; set one. None set (or an empty statement list): a
  // connection-level request, which only rules without an action match.
  const std::vector<SqlStatement>* sql = nullptr;
  const ShellCommand* command = nullptr;
  const HttpRequest* http = nullptr;
  // A Kubernetes API request may set both http and kubernetes.
  const KubernetesRequest* kubernetes = nullptr;
  std::string_view client_address;  // "203.0.113.7", "2001:db8::1"; "" unknown
  absl::Time time = absl::InfinitePast();  // InfinitePast: absl::Now()
};

enum class Decision : uint8_t { kAllow, kReview, kDeny };  // by strictness
std::string_view DecisionName(Decision d);  // "allow", "review", "deny"

struct Verdict {
  Decision decision = Decision::kDeny;
  // The deciding rule; empty when no rule matched (default deny).
  std::string_view rule_id;
  // For people reading a review: what decided and why.
  std::string_view reason;
  // DENY: the message for the user's client.
  std::string_view message;
  std::string_view masking_profile;
  // REVIEW: who may approve and how many approvals are needed.
  const std::vector<std::string>* approver_groups = nullptr;
  uint32_t approvals = 0;
  // SQL: index of the statement that decided; -1 otherwise.
  int statement = -1;
  // How many rules matched the deciding unit.
  uint32_t matched_rules = 0;
  // The deciding rule matches any action of its kind (no SQL kinds,
  // effects, tables or flags; no programs; no methods or paths; ...): it
  // allowed or refused without looking at what the command does. Access
  // reviews flag allows by such rules.
  bool broad_rule = false;
};

class Policy {
 public:
  // Parses and compiles a YAML or JSON document. Errors are
  // kInvalidArgument: "<source>:<line>:<column>: <field path>: <problem>".
  static absl::StatusOr<std::shared_ptr<const Policy>> FromText(
      std::string_view text, std::string_view source = "<policy>");
  static absl::StatusOr<std::shared_ptr<const Policy>> FromFile(
      const std::string& path);
  // Compiles a document built in code. Errors name the field path.
  static absl::StatusOr<std::shared_ptr<const Policy>> FromProto(
      const v1::PolicyDocument& document);

  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;
  ~Policy();

  // The verdict for a request. See the precedence rules above.
  Verdict Evaluate(const Request& request) const;

  // One verdict per unit (per SQL statement; one for other actions), for
  // tools that show each statement's verdict. Allocates.
  std::vector<Verdict> EvaluateEach(const Request& request) const;

  size_t rule_count() const;
  const std::string& name() const;

  struct Compiled;  // internal

 private:
  explicit Policy(std::unique_ptr<Compiled> compiled);
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace hoop::policy

#endif  // HOOP_POLICY_POLICY_H_
