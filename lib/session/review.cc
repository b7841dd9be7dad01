// Copyright 2026 The hoop Authors.

#include "hoop/session/review.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace hoop::session {
namespace {

constexpr int64_t kDayNs = 86'400'000'000'000;

std::string EnumTail(const std::string& name, std::string_view prefix) {
  std::string s = name.substr(std::min(name.size(), prefix.size()));
  return absl::AsciiStrToLower(s);
}

std::string Who(const v1::Identity& id) {
  return id.email().empty() ? id.subject() : id.email();
}

int64_t ParseRfc3339(const std::string& s) {
  if (s.empty()) return 0;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return 0;
  return absl::ToUnixNanos(t);
}

std::string Days(int64_t ns) { return absl::StrCat(ns / kDayNs, " days"); }

// Left-aligned columns, two spaces apart.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  int indent = 2) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string FormatTime(int64_t unix_ns) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixNanos(unix_ns),
                          absl::UTCTimeZone());
}

std::string FormatDuration(int64_t ns) {
  int64_t s = ns / 1'000'000'000;
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s / 60) % 60);
}

SessionSummary Summarize(const SessionReport& report) {
  SessionSummary s;
  s.session_id = report.session_id;
  if (!report.files.empty()) s.file = report.files.front();
  s.integrity =
      report.ok() ? "ok" : std::string(FaultKindName(report.faults[0].kind));
  s.end_reason = "open";
  int64_t last_ns = 0;
  for (const StoredRecord& sr : report.records) {
    const v1::Record& r = sr.record;
    last_ns = std::max(last_ns, r.time_ns());
    switch (r.event_case()) {
      case v1::Record::kStart: {
        const v1::SessionStart& st = r.start();
        s.subject = st.identity().subject();
        s.email = st.identity().email();
        s.non_human = st.identity().kind() == v1::IDENTITY_KIND_NON_HUMAN;
        s.resource = st.resource().name();
        s.resource_kind = st.resource().kind();
        s.environment = st.resource().environment();
        s.protocol = EnumTail(v1::Protocol_Name(st.protocol()), "PROTOCOL_");
        s.credential = st.credential().id();
        s.start_ns = r.time_ns();
        break;
      }
      case v1::Record::kCommand: {
        ++s.commands;
        v1::Decision d = r.command().verdict().decision();
        if (d == v1::DECISION_DENY) ++s.denied;
        if (d == v1::DECISION_REVIEW) ++s.held;
        break;
      }
      case v1::Record::kApproval:
        switch (r.approval().state()) {
          case v1::APPROVAL_STATE_APPROVED:
            ++s.approved;
            break;
          case v1::APPROVAL_STATE_DENIED:
            ++s.rejected;
            break;
          case v1::APPROVAL_STATE_EXPIRED:
            ++s.expired;
            break;
          default:
            break;
        }
        break;
      case v1::Record::kResult:
        s.rows += r.result().rows();
        for (const v1::MaskCount& m : r.result().masked())
          s.masked[m.detector()] += m.count();
        break;
      case v1::Record::kOutput:
        for (const v1::MaskCount& m : r.output().masked())
          s.masked[m.detector()] += m.count();
        break;
      case v1::Record::kEnd:
        s.end_reason =
            EnumTail(v1::EndReason_Name(r.end().reason()), "END_REASON_");
        s.bytes_client_to_server = r.end().bytes_client_to_server();
        s.bytes_server_to_client = r.end().bytes_server_to_client();
        s.duration_ns = r.end().duration_ns();
        break;
      default:
        break;
    }
  }
  if (s.duration_ns == 0 && s.start_ns != 0)
    s.duration_ns = last_ns - s.start_ns;
  return s;
}

Review BuildReview(const std::vector<SessionReport>& sessions,
                   const ReviewOptions& options) {
  Review rv;
  rv.from_ns = options.from_ns;
  rv.to_ns = options.to_ns;
  rv.stale_days = options.stale_days;
  rv.now_ns = options.now_ns;
  if (rv.now_ns == 0) {
    rv.now_ns = options.to_ns != std::numeric_limits<int64_t>::max()
                    ? options.to_ns
                    : absl::ToUnixNanos(absl::Now());
  }

  std::map<std::pair<bool, std::pair<std::string, std::string>>, Review::Access>
      access;
  std::map<std::string, std::set<std::string>> cred_subjects;
  std::map<std::string, uint64_t> cred_sessions;
  std::map<std::string, int64_t> cred_last_use;
  std::map<std::string, uint64_t> masked;
  std::set<std::string> people, agents;

  for (const SessionReport& rep : sessions) {
    SessionSummary sum = Summarize(rep);
    if (sum.start_ns < options.to_ns && !sum.credential.empty()) {
      int64_t& last = cred_last_use[sum.credential];
      last = std::max(last, sum.start_ns);
    }
    if (sum.start_ns < options.from_ns || sum.start_ns >= options.to_ns)
      continue;
    ++rv.sessions;
    if (!rep.ok())
      rv.integrity.push_back({rep.session_id, rep.faults[0].ToString()});
    std::string who = sum.email.empty() ? sum.subject : sum.email;
    (sum.non_human ? agents : people).insert(who);
    Review::Access& a = access[{sum.non_human, {who, sum.resource}}];
    if (a.sessions == 0) {
      a.subject = who;
      a.non_human = sum.non_human;
      a.resource = sum.resource;
      a.environment = sum.environment;
      a.first_ns = sum.start_ns;
    }
    ++a.sessions;
    a.commands += sum.commands;
    a.denied += sum.denied;
    a.held += sum.held;
    a.first_ns = std::min(a.first_ns, sum.start_ns);
    a.last_ns = std::max(a.last_ns, sum.start_ns);
    if (!sum.credential.empty() &&
        std::find(a.credentials.begin(), a.credentials.end(), sum.credential) ==
            a.credentials.end()) {
      a.credentials.push_back(sum.credential);
      std::sort(a.credentials.begin(), a.credentials.end());
    }
    if (!sum.credential.empty()) {
      cred_subjects[sum.credential].insert(who);
      ++cred_sessions[sum.credential];
    }
    rv.commands += sum.commands;
    for (const auto& [k, v] : sum.masked) masked[k] += v;

    // Commands: decisions and broad rules. Approvals are matched by request
    // id (or command id); the last state recorded wins.
    std::map<std::string, const v1::Approval*> by_request;
    std::map<uint64_t, const v1::Approval*> by_command;
    for (const StoredRecord& sr : rep.records) {
      if (!sr.record.has_approval()) continue;
      const v1::Approval& ap = sr.record.approval();
      if (!ap.request_id().empty()) by_request[ap.request_id()] = &ap;
      if (ap.command_id() != 0) by_command[ap.command_id()] = &ap;
    }
    for (const StoredRecord& sr : rep.records) {
      if (!sr.record.has_command()) continue;
      const v1::Command& c = sr.record.command();
      const v1::Verdict& v = c.verdict();
      std::string rule = v.rule_ids().empty()
                             ? std::string("(no rule: default deny)")
                             : v.rule_ids(0);
      if (v.decision() == v1::DECISION_DENY ||
          v.decision() == v1::DECISION_REVIEW) {
        Review::Decision d;
        d.time_ns = sr.record.time_ns();
        d.session_id = rep.session_id;
        d.subject = who;
        d.non_human = sum.non_human;
        d.resource = sum.resource;
        d.command = c.text();
        d.verdict = v.decision() == v1::DECISION_DENY ? "deny" : "review";
        d.rule = rule;
        d.reason = v.reason();
        if (v.decision() == v1::DECISION_REVIEW) {
          const v1::Approval* ap = nullptr;
          if (auto it = by_request.find(c.approval_request_id());
              !c.approval_request_id().empty() && it != by_request.end()) {
            ap = it->second;
          } else if (auto jt = by_command.find(c.command_id());
                     jt != by_command.end()) {
            ap = jt->second;
          }
          d.approval = "pending";
          if (ap != nullptr) {
            if (ap->state() != v1::APPROVAL_STATE_REQUESTED) {
              d.approval = EnumTail(v1::ApprovalState_Name(ap->state()),
                                    "APPROVAL_STATE_");
            }
            d.approver = Who(ap->approver());
            d.approver_reason = ap->reason();
          }
        }
        rv.decisions.push_back(std::move(d));
      } else if (v.decision() == v1::DECISION_ALLOW && v.broad_rule() &&
                 sum.environment == "production") {
        rv.broad_production.push_back({sr.record.time_ns(), rep.session_id, who,
                                       sum.resource, c.text(), rule,
                                       sum.non_human});
      }
    }
  }
  rv.people = people.size();
  rv.non_humans = agents.size();
  for (auto& [k, a] : access)
    rv.access.push_back(std::move(a));  // people (false) first
  auto by_time = [](const auto& a, const auto& b) {
    return std::tie(a.time_ns, a.session_id, a.command) <
           std::tie(b.time_ns, b.session_id, b.command);
  };
  std::sort(rv.decisions.begin(), rv.decisions.end(), by_time);
  std::sort(rv.broad_production.begin(), rv.broad_production.end(), by_time);
  for (const auto& [cred, subjects] : cred_subjects) {
    if (subjects.size() < 2) continue;
    rv.shared_credentials.push_back(
        {cred, std::vector<std::string>(subjects.begin(), subjects.end()),
         cred_sessions[cred]});
  }
  if (options.inventory != nullptr) {
    std::set<std::string> known;
    const int64_t stale = static_cast<int64_t>(options.stale_days) * kDayNs;
    for (const v1::InventoryCredential& ic : options.inventory->credentials()) {
      known.insert(ic.id());
      Review::Stale st;
      st.credential = ic.id();
      st.kind = ic.kind();
      st.owner = ic.owner();
      st.non_human = ic.non_human();
      auto it = cred_last_use.find(ic.id());
      st.last_used_ns = it == cred_last_use.end() ? 0 : it->second;
      st.rotated_ns = ParseRfc3339(ic.rotated_at());
      int64_t created = ParseRfc3339(ic.created_at());
      if (st.last_used_ns == 0) {
        st.reasons.push_back("never used");
      } else if (rv.now_ns - st.last_used_ns > stale) {
        st.reasons.push_back(
            absl::StrCat("unused for ", Days(rv.now_ns - st.last_used_ns)));
      }
      if (st.rotated_ns == 0) {
        if (created == 0 || rv.now_ns - created > stale) {
          st.reasons.push_back(
              created == 0 ? std::string("never rotated")
                           : absl::StrCat("never rotated (created ",
                                          Days(rv.now_ns - created), " ago)"));
        }
      } else if (rv.now_ns - st.rotated_ns > stale) {
        st.reasons.push_back(
            absl::StrCat("not rotated for ", Days(rv.now_ns - st.rotated_ns)));
      }
      if (!st.reasons.empty()) rv.stale_credentials.push_back(std::move(st));
    }
    std::sort(rv.stale_credentials.begin(), rv.stale_credentials.end(),
              [](const Review::Stale& a, const Review::Stale& b) {
                return std::tie(b.non_human, a.credential) <
                       std::tie(a.non_human, b.credential);
              });
    for (const auto& [cred, subjects] : cred_subjects) {
      if (!known.count(cred)) rv.unknown_credentials.push_back(cred);
    }
  }
  rv.masked.assign(masked.begin(), masked.end());
  std::stable_sort(
      rv.masked.begin(), rv.masked.end(),
      [](const auto& a, const auto& b) { return a.second > b.second; });
  return rv;
}

std::string ReviewText(const Review& rv) {
  auto window = [&] {
    std::string from = rv.from_ns == std::numeric_limits<int64_t>::min()
                           ? std::string("beginning")
                           : FormatTime(rv.from_ns);
    std::string to = rv.to_ns == std::numeric_limits<int64_t>::max()
                         ? std::string("now")
                         : FormatTime(rv.to_ns);
    return absl::StrCat(from, " .. ", to);
  };
  std::string out =
      absl::StrCat("hoop access review, ", window(), "\n", rv.sessions,
                   " sessions, ", rv.commands, " commands, ", rv.people,
                   " people, ", rv.non_humans, " non-human identities\n");
  for (bool nh : {false, true}) {
    std::vector<std::vector<std::string>> rows = {
        {"identity", "resource", "env", "credentials", "sessions", "commands",
         "denied", "held", "last access"}};
    for (const Review::Access& a : rv.access) {
      if (a.non_human != nh) continue;
      rows.push_back({a.subject, a.resource, a.environment,
                      absl::StrJoin(a.credentials, ","),
                      absl::StrCat(a.sessions), absl::StrCat(a.commands),
                      absl::StrCat(a.denied), absl::StrCat(a.held),
                      FormatTime(a.last_ns)});
    }
    absl::StrAppend(
        &out, "\nWHO ACCESSED WHAT: ", nh ? "non-human identities" : "people",
        " (", rows.size() - 1, ")\n",
        rows.size() > 1 ? Table(rows) : "  none\n");
  }
  absl::StrAppend(&out, "\nDENIED OR HELD COMMANDS (", rv.decisions.size(),
                  ")\n");
  for (const Review::Decision& d : rv.decisions) {
    absl::StrAppend(&out, "  ", FormatTime(d.time_ns), "  ", d.subject, "  ",
                    d.resource, "  ", d.verdict == "deny" ? "DENIED" : "HELD",
                    " by ", d.rule,
                    d.reason.empty() ? "" : absl::StrCat(" (", d.reason, ")"),
                    "\n    ", d.command, "\n");
    if (d.verdict == "review") {
      absl::StrAppend(
          &out, "    approval: ", d.approval,
          d.approver.empty() ? "" : absl::StrCat(" by ", d.approver),
          d.approver_reason.empty()
              ? ""
              : absl::StrCat(": \"", d.approver_reason, "\""),
          "\n");
    }
  }
  absl::StrAppend(&out, "\nALLOWED ONLY BY A BROAD RULE ON PRODUCTION (",
                  rv.broad_production.size(), ")\n");
  {
    std::vector<std::vector<std::string>> rows;
    for (const Review::Broad& b : rv.broad_production) {
      rows.push_back(
          {FormatTime(b.time_ns), b.subject, b.resource, b.rule, b.command});
    }
    out += Table(rows);
  }
  absl::StrAppend(&out, "\nCREDENTIALS USED BY SEVERAL IDENTITIES (",
                  rv.shared_credentials.size(), ")\n");
  for (const Review::Shared& s : rv.shared_credentials) {
    absl::StrAppend(&out, "  ", s.credential, ": ", s.subjects.size(),
                    " identities, ", s.sessions,
                    " sessions: ", absl::StrJoin(s.subjects, ", "), "\n");
  }
  absl::StrAppend(&out, "\nSTALE CREDENTIALS (", rv.stale_days, " days; ",
                  rv.stale_credentials.size(), ")\n");
  {
    std::vector<std::vector<std::string>> rows;
    for (const Review::Stale& s : rv.stale_credentials) {
      rows.push_back(
          {s.credential, s.non_human ? "non-human" : "person", s.kind, s.owner,
           s.last_used_ns
               ? absl::StrCat("last used ", FormatTime(s.last_used_ns))
               : std::string("never used"),
           absl::StrJoin(s.reasons, "; ")});
    }
    out += Table(rows);
  }
  if (!rv.unknown_credentials.empty()) {
    absl::StrAppend(&out, "  not in the inventory: ",
                    absl::StrJoin(rv.unknown_credentials, ", "), "\n");
  }
  absl::StrAppend(&out, "\nMASKED VALUES BY DETECTOR\n");
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [d, n] : rv.masked) rows.push_back({d, absl::StrCat(n)});
    out += rows.empty() ? "  none\n" : Table(rows);
  }
  absl::StrAppend(&out, "\nINTEGRITY\n");
  if (rv.integrity.empty()) {
    absl::StrAppend(&out, "  all ", rv.sessions, " sessions verified\n");
  } else {
    for (const Review::Integrity& i : rv.integrity) {
      absl::StrAppend(&out, "  ", i.session_id, ": ", i.fault, "\n");
    }
  }
  return out;
}

std::string ReviewJson(const Review& rv) {
  using J = nlohmann::ordered_json;
  J j;
  j["from"] = rv.from_ns == std::numeric_limits<int64_t>::min()
                  ? J()
                  : J(FormatTime(rv.from_ns));
  j["to"] = rv.to_ns == std::numeric_limits<int64_t>::max()
                ? J()
                : J(FormatTime(rv.to_ns));
  j["now"] = FormatTime(rv.now_ns);
  j["stale_days"] = rv.stale_days;
  j["totals"] = {
      {"sessions", rv.sessions},
      {"commands", rv.commands},
      {"people", rv.people},
      {"non_human_identities", rv.non_humans},
      {"denied",
       std::count_if(rv.decisions.begin(), rv.decisions.end(),
                     [](const auto& d) { return d.verdict == "deny"; })},
      {"held",
       std::count_if(rv.decisions.begin(), rv.decisions.end(),
                     [](const auto& d) { return d.verdict == "review"; })}};
  J people = J::array(), agents = J::array();
  for (const Review::Access& a : rv.access) {
    (a.non_human ? agents : people)
        .push_back({{"identity", a.subject},
                    {"resource", a.resource},
                    {"environment", a.environment},
                    {"credentials", a.credentials},
                    {"sessions", a.sessions},
                    {"commands", a.commands},
                    {"denied", a.denied},
                    {"held", a.held},
                    {"first_access", FormatTime(a.first_ns)},
                    {"last_access", FormatTime(a.last_ns)}});
  }
  j["access"] = {{"people", people}, {"non_human", agents}};
  J decisions = J::array();
  for (const Review::Decision& d : rv.decisions) {
    J o = {{"time", FormatTime(d.time_ns)},
           {"session", d.session_id},
           {"identity", d.subject},
           {"non_human", d.non_human},
           {"resource", d.resource},
           {"command", d.command},
           {"verdict", d.verdict},
           {"rule", d.rule},
           {"reason", d.reason}};
    if (d.verdict == "review") {
      o["approval"] = d.approval;
      o["approver"] = d.approver;
      o["approver_reason"] = d.approver_reason;
    }
    decisions.push_back(std::move(o));
  }
  j["denied_or_held"] = decisions;
  J broad = J::array();
  for (const Review::Broad& b : rv.broad_production) {
    broad.push_back({{"time", FormatTime(b.time_ns)},
                     {"session", b.session_id},
                     {"identity", b.subject},
                     {"non_human", b.non_human},
                     {"resource", b.resource},
                     {"rule", b.rule},
                     {"command", b.command}});
  }
  j["broad_rules_on_production"] = broad;
  J shared = J::array();
  for (const Review::Shared& s : rv.shared_credentials) {
    shared.push_back({{"credential", s.credential},
                      {"identities", s.subjects},
                      {"sessions", s.sessions}});
  }
  j["shared_credentials"] = shared;
  J stale = J::array();
  for (const Review::Stale& s : rv.stale_credentials) {
    stale.push_back(
        {{"credential", s.credential},
         {"kind", s.kind},
         {"owner", s.owner},
         {"non_human", s.non_human},
         {"last_used", s.last_used_ns ? J(FormatTime(s.last_used_ns)) : J()},
         {"rotated", s.rotated_ns ? J(FormatTime(s.rotated_ns)) : J()},
         {"reasons", s.reasons}});
  }
  j["stale_credentials"] = stale;
  j["credentials_not_in_inventory"] = rv.unknown_credentials;
  J masked = J::object();
  for (const auto& [d, n] : rv.masked) masked[d] = n;
  j["masked_values"] = masked;
  J integrity = J::array();
  for (const Review::Integrity& i : rv.integrity) {
    integrity.push_back({{"session", i.session_id}, {"fault", i.fault}});
  }
  j["integrity_faults"] = integrity;
  return j.dump(2) + "\n";
}

std::string ReviewHtml(const Review& rv) {
  auto E = [](std::string_view s) { return HtmlEscape(s); };
  std::string h = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hoop access review</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,monospace;background:#f6f6f6;padding:1px 3px}
.bar{display:inline-block;height:12px;background:#4a7fd4;vertical-align:middle}
.deny{color:#b00020;font-weight:600}.review{color:#a86b00;font-weight:600}.ok{color:#137333}
.kpi{display:inline-block;margin:0 2em 0 0}.kpi b{display:block;font-size:1.6em}
</style></head><body>
)";
  std::string from = rv.from_ns == std::numeric_limits<int64_t>::min()
                         ? "beginning"
                         : FormatTime(rv.from_ns);
  std::string to = rv.to_ns == std::numeric_limits<int64_t>::max()
                       ? "now"
                       : FormatTime(rv.to_ns);
  size_t denied =
      std::count_if(rv.decisions.begin(), rv.decisions.end(),
                    [](const auto& d) { return d.verdict == "deny"; });
  absl::StrAppend(&h, "<h1>hoop access review</h1><p>", E(from), " .. ", E(to),
                  "</p>\n");
  auto kpi = [&](const char* name, uint64_t v, const char* id) {
    absl::StrAppend(&h, "<div class=\"kpi\"><b id=\"", id, "\">", v, "</b>",
                    name, "</div>");
  };
  kpi("sessions", rv.sessions, "sessions");
  kpi("commands", rv.commands, "commands");
  kpi("people", rv.people, "people");
  kpi("non-human identities", rv.non_humans, "non_humans");
  kpi("denied", denied, "denied");
  kpi("held for approval", rv.decisions.size() - denied, "held");
  auto bar = [](uint64_t v, uint64_t max) {
    return absl::StrCat("<span class=\"bar\" style=\"width:",
                        max ? (v * 200 + max - 1) / max : 0, "px\"></span>");
  };
  for (bool nh : {false, true}) {
    absl::StrAppend(
        &h, "<h2>Who accessed what: ", nh ? "non-human identities" : "people",
        "</h2>\n<table><tr><th>identity</th><th>resource</th><th>env</th>"
        "<th>credentials</th><th>sessions</th><th>commands</th><th></th>"
        "<th>denied</th><th>held</th><th>last access</th></tr>\n");
    uint64_t max = 0;
    for (const Review::Access& a : rv.access) max = std::max(max, a.commands);
    for (const Review::Access& a : rv.access) {
      if (a.non_human != nh) continue;
      absl::StrAppend(
          &h, "<tr><td>", E(a.subject), "</td><td>", E(a.resource), "</td><td>",
          E(a.environment), "</td><td>", E(absl::StrJoin(a.credentials, ", ")),
          "</td><td class=\"n\">", a.sessions, "</td><td class=\"n\">",
          a.commands, "</td><td>", bar(a.commands, max),
          "</td><td class=\"n\">", a.denied, "</td><td class=\"n\">", a.held,
          "</td><td>", FormatTime(a.last_ns), "</td></tr>\n");
    }
    h += "</table>\n";
  }
  absl::StrAppend(
      &h, "<h2>Denied or held commands (", rv.decisions.size(),
      ")</h2>\n<table><tr><th>time</th><th>identity</th><th>resource</th>"
      "<th>verdict</th><th>rule</th><th>command</th><th>approval</th></tr>\n");
  for (const Review::Decision& d : rv.decisions) {
    absl::StrAppend(
        &h, "<tr><td>", FormatTime(d.time_ns), "</td><td>", E(d.subject),
        "</td><td>", E(d.resource), "</td><td class=\"", d.verdict, "\">",
        d.verdict, "</td><td>", E(d.rule), d.reason.empty() ? "" : "<br>",
        E(d.reason), "</td><td><code>", E(d.command), "</code></td><td>",
        E(d.approval), d.approver.empty() ? "" : " by ", E(d.approver),
        d.approver_reason.empty() ? "" : "<br>&ldquo;", E(d.approver_reason),
        d.approver_reason.empty() ? "" : "&rdquo;", "</td></tr>\n");
  }
  h += "</table>\n";
  absl::StrAppend(
      &h, "<h2>Allowed only by a broad rule on production (",
      rv.broad_production.size(),
      ")</h2>\n<table><tr><th>time</th><th>identity</th><th>resource</th>"
      "<th>rule</th><th>command</th></tr>\n");
  for (const Review::Broad& b : rv.broad_production) {
    absl::StrAppend(&h, "<tr><td>", FormatTime(b.time_ns), "</td><td>",
                    E(b.subject), "</td><td>", E(b.resource), "</td><td>",
                    E(b.rule), "</td><td><code>", E(b.command),
                    "</code></td></tr>\n");
  }
  h += "</table>\n";
  absl::StrAppend(&h, "<h2>Credentials used by several identities (",
                  rv.shared_credentials.size(),
                  ")</h2>\n<table><tr><th>credential</th><th>identities</"
                  "th><th>sessions</th>"
                  "</tr>\n");
  for (const Review::Shared& s : rv.shared_credentials) {
    absl::StrAppend(&h, "<tr><td>", E(s.credential), "</td><td>",
                    E(absl::StrJoin(s.subjects, ", ")), "</td><td class=\"n\">",
                    s.sessions, "</td></tr>\n");
  }
  h += "</table>\n";
  absl::StrAppend(
      &h, "<h2>Stale credentials (", rv.stale_days, " days; ",
      rv.stale_credentials.size(),
      ")</h2>\n<table><tr><th>credential</th><th>kind</th><th>owner</th>"
      "<th>last used</th><th>why</th></tr>\n");
  for (const Review::Stale& s : rv.stale_credentials) {
    absl::StrAppend(
        &h, "<tr><td>", E(s.credential), s.non_human ? " (non-human)" : "",
        "</td><td>", E(s.kind), "</td><td>", E(s.owner), "</td><td>",
        s.last_used_ns ? FormatTime(s.last_used_ns) : "never", "</td><td>",
        E(absl::StrJoin(s.reasons, "; ")), "</td></tr>\n");
  }
  h += "</table>\n";
  absl::StrAppend(&h, "<h2>Masked values by detector</h2>\n<table>\n");
  uint64_t max = rv.masked.empty() ? 0 : rv.masked.front().second;
  for (const auto& [d, n] : rv.masked) {
    absl::StrAppend(&h, "<tr><td>", E(d), "</td><td class=\"n\">", n,
                    "</td><td>", bar(n, max), "</td></tr>\n");
  }
  h += "</table>\n<h2>Integrity</h2>\n";
  if (rv.integrity.empty()) {
    absl::StrAppend(&h, "<p class=\"ok\">all ", rv.sessions,
                    " sessions verified</p>\n");
  } else {
    h += "<table><tr><th>session</th><th>fault</th></tr>\n";
    for (const Review::Integrity& i : rv.integrity) {
      absl::StrAppend(&h, "<tr><td>", E(i.session_id), "</td><td>", E(i.fault),
                      "</td></tr>\n");
    }
    h += "</table>\n";
  }
  h += "</body></html>\n";
  return h;
}

absl::StatusOr<v1::Inventory> LoadInventory(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  v1::Inventory inv;
  auto st = google::protobuf::util::JsonStringToMessage(ss.str(), &inv);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", std::string(st.message().data(), st.message().size())));
  }
  return inv;
}

}  // namespace hoop::session
