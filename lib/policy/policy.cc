// Copyright 2026 The hoop Authors.
//
// Compiling a policy document into rules that evaluate without allocating,
// and evaluating them with the fixed precedence DENY > REVIEW > ALLOW > no
// match (= DENY).

#include "hoop/policy/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "hoop/policy/v1/policy.pb.h"
#include "policy/internal/absl_view.h"
#include "policy/internal/glob.h"
#include "policy/internal/yaml_proto.h"

namespace hoop::policy {

using internal::AV;
using internal::GlobMatch;
using internal::PathGlobMatch;

namespace {

enum class ActionType : uint8_t { kAny, kSql, kCommand, kHttp, kKubernetes };

struct Cidr {
  int family = 0;  // AF_INET / AF_INET6
  unsigned char addr[16] = {};
  int prefix = 0;
};

struct Window {
  uint8_t days = 0x7f;  // bit 0 = Monday
  int start = 0;        // minutes since midnight
  int end = 24 * 60;
  absl::TimeZone zone = absl::UTCTimeZone();
};

struct SubjectMatch {
  std::vector<std::string> identities;
  std::vector<std::string> groups;
  uint8_t kinds = 0;  // bit per IdentityKind; 0 = any
};

struct CompiledRule {
  std::string id;
  Decision decision = Decision::kDeny;
  std::string reason;
  std::string message;
  std::string masking_profile;
  std::vector<std::string> approver_groups;
  uint32_t approvals = 0;

  std::vector<SubjectMatch> subjects;
  std::vector<std::string> resource_names;
  uint8_t resource_kinds = 0;  // bit per ResourceKind; 0 = any
  std::vector<std::pair<std::string, std::string>> labels;

  ActionType action = ActionType::kAny;
  // SQL
  uint32_t sql_kinds = 0;    // bit per SqlKind; 0 = any
  uint32_t sql_effects = 0;  // bit per Effect; 0 = any
  std::vector<std::string> tables, any_tables;
  uint32_t sql_flags = 0;
  // Command
  std::vector<std::string> programs, any_programs;
  // HTTP
  std::vector<std::string> methods, paths;
  // Kubernetes
  std::vector<std::string> verbs, api_groups, k8s_resources, namespaces,
      names, non_resource_paths;
  // Conditions
  std::vector<Window> windows;
  std::vector<Cidr> cidrs;
  // Matches any action of its kind: it does not look at what a command does.
  bool broad = false;
};

bool IsBroad(const CompiledRule& r) {
  switch (r.action) {
    case ActionType::kAny:
      return true;
    case ActionType::kSql:
      return r.sql_kinds == 0 && r.sql_effects == 0 && r.tables.empty() &&
             r.any_tables.empty() && r.sql_flags == 0;
    case ActionType::kCommand:
      return r.programs.empty() && r.any_programs.empty();
    case ActionType::kHttp:
      return r.methods.empty() && r.paths.empty();
    case ActionType::kKubernetes:
      return r.verbs.empty() && r.api_groups.empty() &&
             r.k8s_resources.empty() && r.namespaces.empty() &&
             r.names.empty() && r.non_resource_paths.empty();
  }
  return false;
}

constexpr std::string_view kNoMatchReason =
    "no rule matched this request; what no rule allows is denied";
constexpr std::string_view kNoMatchMessage =
    "hoop: denied: no policy rule allows this";

bool ParseAddress(std::string_view text, int* family, unsigned char out[16]) {
  char buf[64];
  if (text.size() >= sizeof buf || text.empty()) return false;
  if (text.front() == '[' && text.back() == ']') {
    text.remove_prefix(1);
    text.remove_suffix(1);
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET, buf, out) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, buf, out) == 1) {
    *family = AF_INET6;
    // An IPv4-mapped IPv6 address matches IPv4 ranges.
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out, kMapped, 12) == 0) {
      std::memmove(out, out + 12, 4);
      *family = AF_INET;
    }
    return true;
  }
  return false;
}

bool InCidr(const Cidr& c, int family, const unsigned char* addr) {
  if (family != c.family) return false;
  int bits = c.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned char mask =
        bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((addr[i] & mask) != (c.addr[i] & mask)) return false;
  }
  return true;
}

bool ParseHhMm(std::string_view s, int* minutes) {
  if (s.size() != 5 || s[2] != ':') return false;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return false;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return false;
  *minutes = h * 60 + m;
  return true;
}

std::string_view VerbPhrase(Decision d) {
  switch (d) {
    case Decision::kAllow: return "allowed";
    case Decision::kReview: return "held for review";
    case Decision::kDeny: return "denied";
  }
  return "denied";
}

bool AnyGlob(const std::vector<std::string>& globs, std::string_view text,
             bool icase = false) {
  for (const std::string& g : globs)
    if (GlobMatch(g, text, icase)) return true;
  return false;
}

bool TableMatches(const std::vector<std::string>& globs, std::string_view table) {
  size_t dot = table.rfind('.');
  std::string_view bare = dot == std::string_view::npos ? table : table.substr(dot + 1);
  for (const std::string& g : globs) {
    const bool qualified = g.find('.') != std::string::npos;
    if (GlobMatch(g, qualified ? table : bare, /*ignore_case=*/true)) return true;
  }
  return false;
}

std::string List(const google::protobuf::RepeatedPtrField<std::string>& v) {
  std::string out = "[";
  for (int i = 0; i < v.size(); ++i) absl::StrAppend(&out, i ? ", " : "", v.Get(i));
  return out + "]";
}

std::string LowerName(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// What a rule matches, in one line, for reasons when it has no description.
std::string Summary(const v1::Rule& r) {
  std::vector<std::string> parts;
  std::vector<std::string> subjects;
  for (const v1::Subject& s : r.subjects()) {
    std::vector<std::string> p;
    if (!s.identities().empty()) p.push_back("identities " + List(s.identities()));
    if (!s.groups().empty()) p.push_back("groups " + List(s.groups()));
    if (!s.kinds().empty()) {
      std::string k = "kinds [";
      for (int i = 0; i < s.kinds_size(); ++i) {
        absl::StrAppend(&k, i ? ", " : "", LowerName(v1::IdentityKind_Name(s.kinds(i))));
      }
      p.push_back(k + "]");
    }
    subjects.push_back(absl::StrJoin(p, " and "));
  }
  if (!subjects.empty()) parts.push_back("subject " + absl::StrJoin(subjects, " or "));
  const v1::ResourceSelector& rs = r.resources();
  if (!rs.names().empty()) parts.push_back("resource " + List(rs.names()));
  if (!rs.kinds().empty()) {
    std::string k = "resource kind [";
    for (int i = 0; i < rs.kinds_size(); ++i) {
      absl::StrAppend(&k, i ? ", " : "", LowerName(v1::ResourceKind_Name(rs.kinds(i))));
    }
    parts.push_back(k + "]");
  }
  if (r.has_sql()) {
    const v1::SqlMatch& m = r.sql();
    if (!m.kinds().empty()) parts.push_back("SQL kind " + List(m.kinds()));
    if (!m.effects().empty()) parts.push_back("SQL effect " + List(m.effects()));
    if (!m.tables().empty()) parts.push_back("only tables " + List(m.tables()));
    if (!m.any_tables().empty()) parts.push_back("touches tables " + List(m.any_tables()));
    if (!m.flags().empty()) parts.push_back("SQL flags " + List(m.flags()));
  }
  if (r.has_command()) {
    if (!r.command().programs().empty())
      parts.push_back("only programs " + List(r.command().programs()));
    if (!r.command().any_programs().empty())
      parts.push_back("runs any of " + List(r.command().any_programs()));
  }
  if (r.has_http()) {
    if (!r.http().methods().empty()) parts.push_back("HTTP " + List(r.http().methods()));
    if (!r.http().paths().empty()) parts.push_back("paths " + List(r.http().paths()));
  }
  if (r.has_kubernetes()) {
    const v1::KubernetesMatch& k = r.kubernetes();
    if (!k.verbs().empty()) parts.push_back("verbs " + List(k.verbs()));
    if (!k.resources().empty()) parts.push_back("resources " + List(k.resources()));
    if (!k.namespaces().empty()) parts.push_back("namespaces " + List(k.namespaces()));
    if (!k.names().empty()) parts.push_back("names " + List(k.names()));
    if (!k.non_resource_paths().empty())
      parts.push_back("URLs " + List(k.non_resource_paths()));
  }
  if (!r.conditions().time_windows().empty()) parts.push_back("within its time windows");
  if (!r.conditions().client_cidrs().empty())
    parts.push_back("from " + List(r.conditions().client_cidrs()));
  return parts.empty() ? "matches every request" : absl::StrJoin(parts, "; ");
}

}  // namespace

struct Policy::Compiled {
  std::string name;
  std::vector<CompiledRule> rules;
};

namespace {

using Compiled = Policy::Compiled;

// Compiles `doc`; `err` formats an error about a field path.
template <typename ErrFn>
absl::Status Compile(const v1::PolicyDocument& doc, ErrFn err, Compiled* out) {
  if (doc.version() != "hoop.policy/v1") {
    return err("version", absl::StrCat("must be \"hoop.policy/v1\", got \"",
                                       doc.version(), "\""));
  }
  out->name = doc.name();
  // Names accepted in sql.kinds / effects / flags.
  std::vector<std::pair<std::string_view, SqlKind>> kinds;
  for (int k = 0; k <= static_cast<int>(SqlKind::kUnknown); ++k) {
    kinds.emplace_back(SqlKindName(static_cast<SqlKind>(k)), static_cast<SqlKind>(k));
  }
  for (int ri = 0; ri < doc.rules_size(); ++ri) {
    const v1::Rule& r = doc.rules(ri);
    const std::string at = absl::StrCat("rules[", ri, "]");
    CompiledRule c;
    if (r.id().empty()) return err(at, "a rule needs an id");
    for (const CompiledRule& prev : out->rules) {
      if (prev.id == r.id()) {
        return err(at + ".id", absl::StrCat("duplicate rule id \"", r.id(), "\""));
      }
    }
    c.id = r.id();
    switch (r.verdict()) {
      case v1::ALLOW: c.decision = Decision::kAllow; break;
      case v1::REVIEW: c.decision = Decision::kReview; break;
      case v1::DENY: c.decision = Decision::kDeny; break;
      default:
        return err(at, "a rule needs a verdict: allow, review or deny");
    }
    c.reason = absl::StrCat(AV(VerbPhrase(c.decision)), " by rule \"", c.id, "\": ",
                            r.description().empty() ? Summary(r) : r.description());
    c.message = r.message();
    if (c.decision == Decision::kDeny && c.message.empty()) {
      c.message = r.description().empty()
                      ? absl::StrCat("hoop: denied by policy rule \"", c.id, "\"")
                      : absl::StrCat("hoop: denied: ", r.description());
    }
    if (c.decision != Decision::kDeny && !r.message().empty()) {
      return err(at + ".message", "only a deny rule has a message");
    }
    c.masking_profile = r.masking_profile();
    if (r.has_review()) {
      if (c.decision != Decision::kReview) {
        return err(at + ".review", "only a review rule has review settings");
      }
    }
    if (c.decision == Decision::kReview) {
      if (r.review().approver_groups().empty()) {
        return err(at + ".review.approver_groups",
                   "a review rule needs at least one approver group");
      }
      c.approver_groups.assign(r.review().approver_groups().begin(),
                               r.review().approver_groups().end());
      c.approvals = r.review().approvals() == 0 ? 1 : r.review().approvals();
    }
    for (int si = 0; si < r.subjects_size(); ++si) {
      const v1::Subject& s = r.subjects(si);
      SubjectMatch m;
      m.identities.assign(s.identities().begin(), s.identities().end());
      m.groups.assign(s.groups().begin(), s.groups().end());
      for (int k : s.kinds()) {
        if (k == v1::PERSON) m.kinds |= 1u << static_cast<int>(IdentityKind::kPerson);
        if (k == v1::NON_HUMAN) m.kinds |= 1u << static_cast<int>(IdentityKind::kNonHuman);
      }
      if (m.identities.empty() && m.groups.empty() && m.kinds == 0) {
        return err(absl::StrCat(at, ".subjects[", si, "]"),
                   "a subject needs identities, groups or kinds");
      }
      c.subjects.push_back(std::move(m));
    }
    const v1::ResourceSelector& rs = r.resources();
    c.resource_names.assign(rs.names().begin(), rs.names().end());
    for (int k : rs.kinds()) {
      ResourceKind rk = ResourceKind::kUnspecified;
      switch (k) {
        case v1::POSTGRES: rk = ResourceKind::kPostgres; break;
        case v1::MYSQL: rk = ResourceKind::kMySql; break;
        case v1::SSH: rk = ResourceKind::kSsh; break;
        case v1::HTTP: rk = ResourceKind::kHttp; break;
        case v1::KUBERNETES: rk = ResourceKind::kKubernetes; break;
        default: break;
      }
      c.resource_kinds |= static_cast<uint8_t>(1u << static_cast<int>(rk));
    }
    for (const auto& [k, v] : rs.labels()) c.labels.emplace_back(k, v);
    std::sort(c.labels.begin(), c.labels.end());

    int actions = 0;
    if (r.has_sql()) {
      ++actions;
      c.action = ActionType::kSql;
      const v1::SqlMatch& m = r.sql();
      for (int i = 0; i < m.kinds_size(); ++i) {
        auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& p) {
          return p.first == m.kinds(i);
        });
        if (it == kinds.end()) {
          std::string names;
          for (const auto& p : kinds) absl::StrAppend(&names, names.empty() ? "" : ", ", AV(p.first));
          return err(absl::StrCat(at, ".sql.kinds[", i, "]"),
                     absl::StrCat("unknown statement kind \"", m.kinds(i),
                                  "\" (one of: ", names, ")"));
        }
        c.sql_kinds |= 1u << static_cast<int>(it->second);
      }
      for (int i = 0; i < m.effects_size(); ++i) {
        bool found = false;
        for (int e = 0; e <= static_cast<int>(Effect::kAdmin); ++e) {
          if (EffectName(static_cast<Effect>(e)) == m.effects(i)) {
            c.sql_effects |= 1u << e;
            found = true;
          }
        }
        if (!found) {
          return err(absl::StrCat(at, ".sql.effects[", i, "]"),
                     absl::StrCat("unknown effect \"", m.effects(i),
                                  "\" (one of: read, session, tx, write, unknown, "
                                  "ddl, admin)"));
        }
      }
      for (int i = 0; i < m.flags_size(); ++i) {
        bool found = false;
        for (SqlFlag f : AllSqlFlags()) {
          if (SqlFlagName(f) == m.flags(i)) {
            c.sql_flags |= static_cast<uint32_t>(f);
            found = true;
          }
        }
        if (!found) {
          return err(absl::StrCat(at, ".sql.flags[", i, "]"),
                     absl::StrCat("unknown flag \"", m.flags(i), "\""));
        }
      }
      c.tables.assign(m.tables().begin(), m.tables().end());
      c.any_tables.assign(m.any_tables().begin(), m.any_tables().end());
    }
    if (r.has_command()) {
      ++actions;
      c.action = ActionType::kCommand;
      c.programs.assign(r.command().programs().begin(), r.command().programs().end());
      c.any_programs.assign(r.command().any_programs().begin(),
                            r.command().any_programs().end());
    }
    if (r.has_http()) {
      ++actions;
      c.action = ActionType::kHttp;
      for (const std::string& m : r.http().methods()) {
        std::string u = m;
        for (char& ch : u)
          if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        c.methods.push_back(u);
      }
      c.paths.assign(r.http().paths().begin(), r.http().paths().end());
    }
    if (r.has_kubernetes()) {
      ++actions;
      c.action = ActionType::kKubernetes;
      const v1::KubernetesMatch& k = r.kubernetes();
      c.verbs.assign(k.verbs().begin(), k.verbs().end());
      c.api_groups.assign(k.api_groups().begin(), k.api_groups().end());
      c.k8s_resources.assign(k.resources().begin(), k.resources().end());
      c.namespaces.assign(k.namespaces().begin(), k.namespaces().end());
      c.names.assign(k.names().begin(), k.names().end());
      c.non_resource_paths.assign(k.non_resource_paths().begin(),
                                  k.non_resource_paths().end());
      if (!c.non_resource_paths.empty() &&
          (!c.api_groups.empty() || !c.k8s_resources.empty() ||
           !c.namespaces.empty() || !c.names.empty())) {
        return err(at + ".kubernetes.non_resource_paths",
                   "non_resource_paths cannot be combined with api_groups, "
                   "resources, namespaces or names");
      }
    }
    if (actions > 1) {
      return err(at, "a rule has at most one of sql, command, http, kubernetes");
    }

    const v1::Conditions& cond = r.conditions();
    for (int wi = 0; wi < cond.time_windows_size(); ++wi) {
      const v1::TimeWindow& w = cond.time_windows(wi);
      const std::string wat = absl::StrCat(at, ".conditions.time_windows[", wi, "]");
      Window cw;
      if (w.days_size() > 0) {
        cw.days = 0;
        static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu",
                                                "fri", "sat", "sun"};
        for (int di = 0; di < w.days_size(); ++di) {
          std::string d = w.days(di).substr(0, 3);
          for (char& ch : d)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
          int found = -1;
          for (int k = 0; k < 7; ++k)
            if (d == kDays[k]) found = k;
          if (found < 0) {
            return err(absl::StrCat(wat, ".days[", di, "]"),
                       absl::StrCat("unknown day \"", w.days(di), "\" (mon ... sun)"));
          }
          cw.days |= static_cast<uint8_t>(1u << found);
        }
      }
      if (!w.start().empty() && !ParseHhMm(w.start(), &cw.start)) {
        return err(wat + ".start", "expected HH:MM");
      }
      if (!w.end().empty() && !ParseHhMm(w.end(), &cw.end)) {
        return err(wat + ".end", "expected HH:MM");
      }
      if (!w.utc_offset().empty()) {
        const std::string& o = w.utc_offset();
        int mins = 0;
        if (o.size() != 6 || (o[0] != '+' && o[0] != '-') ||
            !ParseHhMm(o.substr(1), &mins)) {
          return err(wat + ".utc_offset", "expected +HH:MM or -HH:MM");
        }
        cw.zone = absl::FixedTimeZone((o[0] == '-' ? -mins : mins) * 60);
      }
      c.windows.push_back(cw);
    }
    for (int ci = 0; ci < cond.client_cidrs_size(); ++ci) {
      const std::string& text = cond.client_cidrs(ci);
      Cidr cidr;
      size_t slash = text.find('/');
      std::string addr = text.substr(0, slash);
      bool ok = ParseAddress(addr, &cidr.family, cidr.addr);
      const int max = cidr.family == AF_INET ? 32 : 128;
      cidr.prefix = max;
      if (ok && slash != std::string::npos) {
        const std::string bits = text.substr(slash + 1);
        ok = !bits.empty() && bits.size() <= 3 &&
             std::all_of(bits.begin(), bits.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (ok) cidr.prefix = std::stoi(bits);
        ok = ok && cidr.prefix <= max;
      }
      if (!ok) {
        return err(absl::StrCat(at, ".conditions.client_cidrs[", ci, "]"),
                   absl::StrCat("not an address range: \"", text, "\""));
      }
      c.cidrs.push_back(cidr);
    }
    c.broad = IsBroad(c);
    out->rules.push_back(std::move(c));
  }
  return absl::OkStatus();
}

// What one request shares across its units.
struct Context {
  const Request* req;
  absl::Time now;
  int family = 0;
  unsigned char addr[16] = {};
  bool have_addr = false;
};

bool SubjectMatches(const CompiledRule& r, const Identity& id) {
  if (r.subjects.empty()) return true;
  for (const SubjectMatch& s : r.subjects) {
    if (s.kinds != 0 && !(s.kinds & (1u << static_cast<int>(id.kind)))) continue;
    if (!s.identities.empty() && !AnyGlob(s.identities, id.subject) &&
        (id.email.empty() || !AnyGlob(s.identities, id.email, /*icase=*/true))) {
      continue;
    }
    if (!s.groups.empty()) {
      bool hit = false;
      for (const std::string& g : id.groups) {
        if (std::find(s.groups.begin(), s.groups.end(), g) != s.groups.end()) {
          hit = true;
          break;
        }
      }
      if (!hit) continue;
    }
    return true;
  }
  return false;
}

bool ResourceMatches(const CompiledRule& r, const Resource& res) {
  if (r.resource_kinds != 0 &&
      !(r.resource_kinds & (1u << static_cast<int>(res.kind)))) {
    return false;
  }
  if (!r.resource_names.empty() && !AnyGlob(r.resource_names, res.name)) return false;
  for (const auto& [k, v] : r.labels) {
    bool hit = false;
    for (const auto& [rk, rv] : res.labels) {
      if (rk == k && rv == v) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

bool ConditionsMatch(const CompiledRule& r, const Context& ctx) {
  if (!r.windows.empty()) {
    bool in = false;
    for (const Window& w : r.windows) {
      const absl::CivilMinute cm = absl::ToCivilMinute(ctx.now, w.zone);
      const absl::Weekday wd = absl::GetWeekday(absl::CivilDay(cm));
      int day = 0;
      switch (wd) {
        case absl::Weekday::monday: day = 0; break;
        case absl::Weekday::tuesday: day = 1; break;
        case absl::Weekday::wednesday: day = 2; break;
        case absl::Weekday::thursday: day = 3; break;
        case absl::Weekday::friday: day = 4; break;
        case absl::Weekday::saturday: day = 5; break;
        case absl::Weekday::sunday: day = 6; break;
      }
      const int minute = cm.hour() * 60 + cm.minute();
      const bool day_ok = (w.days >> day) & 1;
      const bool time_ok = w.start <= w.end
                               ? (minute >= w.start && minute < w.end)
                               : (minute >= w.start || minute < w.end);
      if (day_ok && time_ok) {
        in = true;
        break;
      }
    }
    if (!in) return false;
  }
  if (!r.cidrs.empty()) {
    if (!ctx.have_addr) return false;
    bool in = false;
    for (const Cidr& c : r.cidrs) {
      if (InCidr(c, ctx.family, ctx.addr)) {
        in = true;
        break;
      }
    }
    if (!in) return false;
  }
  return true;
}

bool SqlMatches(const CompiledRule& r, const SqlStatement& s) {
  if (r.sql_kinds != 0 && !(r.sql_kinds & (1u << static_cast<int>(s.kind)))) return false;
  if (r.sql_effects != 0 && !(r.sql_effects & (1u << static_cast<int>(s.effect)))) return false;
  if ((s.flags & r.sql_flags) != r.sql_flags) return false;
  if (!r.tables.empty()) {
    if (s.tables.empty()) return false;
    for (const std::string& t : s.tables)
      if (!TableMatches(r.tables, t)) return false;
  }
  if (!r.any_tables.empty()) {
    bool hit = false;
    for (const std::string& t : s.tables) {
      if (TableMatches(r.any_tables, t)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

bool ProgramMatches(const std::vector<std::string>& globs, const ShellProgram& p) {
  if (p.name.empty()) return false;
  return AnyGlob(globs, p.name) || AnyGlob(globs, p.path);
}

bool CommandMatches(const CompiledRule& r, const ShellCommand& c) {
  if (!r.programs.empty()) {
    if (c.programs.empty() || c.dynamic || c.unterminated) return false;
    for (const ShellProgram& p : c.programs)
      if (!ProgramMatches(r.programs, p)) return false;
  }
  if (!r.any_programs.empty()) {
    bool hit = c.dynamic || c.unterminated;  // what cannot be named may be anything
    for (const ShellProgram& p : c.programs) {
      if (hit) break;
      hit = ProgramMatches(r.any_programs, p);
    }
    if (!hit) return false;
  }
  return true;
}

bool HttpMatches(const CompiledRule& r, const HttpRequest& h) {
  if (!r.methods.empty()) {
    bool hit = false;
    for (const std::string& m : r.methods) {
      if (m == "*" || m == h.method) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  if (!r.paths.empty()) {
    bool hit = false;
    for (const std::string& p : r.paths) {
      if (PathGlobMatch(p, h.path)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

bool ListHas(const std::vector<std::string>& list, std::string_view v) {
  for (const std::string& s : list)
    if (s == "*" || s == v) return true;
  return false;
}

bool KubernetesMatches(const CompiledRule& r, const KubernetesRequest& k) {
  if (!r.verbs.empty() && !ListHas(r.verbs, k.verb)) return false;
  if (!r.non_resource_paths.empty()) {
    if (k.is_resource_request) return false;
    for (const std::string& p : r.non_resource_paths)
      if (PathGlobMatch(p, k.path)) return true;
    return false;
  }
  const bool resource_rule = !r.api_groups.empty() || !r.k8s_resources.empty() ||
                             !r.namespaces.empty() || !r.names.empty();
  if (resource_rule && !k.is_resource_request) return false;
  if (!r.api_groups.empty() && !ListHas(r.api_groups, k.api_group)) return false;
  if (!r.k8s_resources.empty()) {
    bool hit = false;
    // Unlike RBAC, a bare "*" does not reach the connect subresources
    // (exec, attach, portforward, proxy): a shell in a pod is named on purpose.
    const bool connect = k.subresource == "exec" || k.subresource == "attach" ||
                         k.subresource == "portforward" || k.subresource == "proxy";
    for (const std::string& want : r.k8s_resources) {
      if (want == "*") {
        hit = !connect;
      } else {
        size_t slash = want.find('/');
        std::string_view res = std::string_view(want).substr(0, slash);
        std::string_view sub = slash == std::string::npos
                                   ? std::string_view()
                                   : std::string_view(want).substr(slash + 1);
        if (res == k.resource || res == "*") {
          hit = slash == std::string::npos ? k.subresource.empty()
                                           : (sub == "*" || sub == k.subresource);
        }
      }
      if (hit) break;
    }
    if (!hit) return false;
  }
  if (!r.namespaces.empty()) {
    bool hit = false;
    for (const std::string& n : r.namespaces) {
      if ((n.empty() && k.namespace_.empty()) ||
          (!n.empty() && GlobMatch(n, k.namespace_))) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  if (!r.names.empty() && !AnyGlob(r.names, k.name)) return false;
  return true;
}

// Verdict for one unit: statement `stmt` (or -1 for a non-SQL unit).
Verdict Decide(const Compiled& p, const Context& ctx, const SqlStatement* stmt,
               int index) {
  const Request& req = *ctx.req;
  const CompiledRule* best = nullptr;
  uint32_t matched = 0;
  ActionType unit = ActionType::kAny;
  if (stmt != nullptr) {
    unit = ActionType::kSql;
  } else if (req.command != nullptr) {
    unit = ActionType::kCommand;
  } else if (req.http != nullptr || req.kubernetes != nullptr) {
    unit = ActionType::kHttp;
  }
  for (const CompiledRule& r : p.rules) {
    // Cheapest tests first: the kind of action, the resource, the subject;
    // then the action's details and the conditions.
    switch (r.action) {
      case ActionType::kAny:
        break;
      case ActionType::kSql:
        if (stmt == nullptr) continue;
        break;
      case ActionType::kCommand:
        if (unit != ActionType::kCommand) continue;
        break;
      case ActionType::kHttp:
        if (req.http == nullptr || stmt != nullptr) continue;
        break;
      case ActionType::kKubernetes:
        if (req.kubernetes == nullptr || stmt != nullptr) continue;
        break;
    }
    if (!ResourceMatches(r, *req.resource)) continue;
    if (!SubjectMatches(r, *req.identity)) continue;
    switch (r.action) {
      case ActionType::kAny:
        break;
      case ActionType::kSql:
        if (!SqlMatches(r, *stmt)) continue;
        break;
      case ActionType::kCommand:
        if (!CommandMatches(r, *req.command)) continue;
        break;
      case ActionType::kHttp:
        if (!HttpMatches(r, *req.http)) continue;
        break;
      case ActionType::kKubernetes:
        if (!KubernetesMatches(r, *req.kubernetes)) continue;
        break;
    }
    if (!ConditionsMatch(r, ctx)) continue;
    ++matched;
    if (best == nullptr || r.decision > best->decision) best = &r;
  }
  Verdict v;
  v.statement = index;
  v.matched_rules = matched;
  if (best == nullptr) {
    v.decision = Decision::kDeny;
    v.reason = kNoMatchReason;
    v.message = kNoMatchMessage;
    return v;
  }
  v.decision = best->decision;
  v.rule_id = best->id;
  v.reason = best->reason;
  v.message = best->message;
  v.masking_profile = best->masking_profile;
  v.broad_rule = best->broad;
  if (best->decision == Decision::kReview) {
    v.approver_groups = &best->approver_groups;
    v.approvals = best->approvals;
  }
  return v;
}

Context MakeContext(const Request& req) {
  Context ctx;
  ctx.req = &req;
  ctx.now = req.time == absl::InfinitePast() ? absl::Now() : req.time;
  ctx.have_addr = !req.client_address.empty() &&
                  ParseAddress(req.client_address, &ctx.family, ctx.addr);
  return ctx;
}

}  // namespace

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kAllow: return "allow";
    case Decision::kReview: return "review";
    case Decision::kDeny: return "deny";
  }
  return "deny";
}

Policy::Policy(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
Policy::~Policy() = default;

size_t Policy::rule_count() const { return compiled_->rules.size(); }
const std::string& Policy::name() const { return compiled_->name; }

absl::StatusOr<std::shared_ptr<const Policy>> Policy::FromProto(
    const v1::PolicyDocument& document) {
  auto compiled = std::make_unique<Compiled>();
  absl::Status s = Compile(
      document,
      [](const std::string& path, std::string_view problem) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", AV(problem)));
      },
      compiled.get());
  if (!s.ok()) return s;
  return std::shared_ptr<const Policy>(new Policy(std::move(compiled)));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::FromText(
    std::string_view text, std::string_view source) {
  v1::PolicyDocument doc;
  internal::SourceMap positions;
  absl::Status s = internal::YamlToProto(text, source, &doc, &positions);
  if (!s.ok()) return s;
  auto compiled = std::make_unique<Compiled>();
  s = Compile(
      doc,
      [&](const std::string& path, std::string_view problem) {
        return internal::FieldError(source, positions, path, problem);
      },
      compiled.get());
  if (!s.ok()) return s;
  return std::shared_ptr<const Policy>(new Policy(std::move(compiled)));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::FromFile(
    const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << f.rdbuf();
  return FromText(ss.str(), path);
}

constexpr std::string_view kIncompleteReason =
    "request has no identity or no resource; denied";

Verdict Policy::Evaluate(const Request& request) const {
  if (request.identity == nullptr || request.resource == nullptr) {
    Verdict v;
    v.reason = kIncompleteReason;
    v.message = kNoMatchMessage;
    return v;
  }
  const Context ctx = MakeContext(request);
  if (request.sql == nullptr || request.sql->empty()) {
    return Decide(*compiled_, ctx, nullptr, -1);
  }
  Verdict worst;
  bool first = true;
  for (size_t i = 0; i < request.sql->size(); ++i) {
    Verdict v = Decide(*compiled_, ctx, &(*request.sql)[i], static_cast<int>(i));
    if (first || v.decision > worst.decision) {
      worst = v;
      first = false;
    }
    if (worst.decision == Decision::kDeny) break;
  }
  return worst;
}

std::vector<Verdict> Policy::EvaluateEach(const Request& request) const {
  std::vector<Verdict> out;
  if (request.identity == nullptr || request.resource == nullptr) {
    out.push_back(Evaluate(request));
    return out;
  }
  const Context ctx = MakeContext(request);
  if (request.sql == nullptr || request.sql->empty()) {
    out.push_back(Decide(*compiled_, ctx, nullptr, -1));
    return out;
  }
  for (size_t i = 0; i < request.sql->size(); ++i) {
    out.push_back(Decide(*compiled_, ctx, &(*request.sql)[i], static_cast<int>(i)));
  }
  return out;
}

}  // namespace hoop::policy
