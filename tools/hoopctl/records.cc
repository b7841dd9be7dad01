// Copyright 2026 The hoop Authors.
//
// hoopctl for reviewers of session records:
//
// hoopctl sample-records DIR [--now 2026-11-20]
//     writes a generated, signed set of sessions and a credential inventory,
//     and prints the public key (also saved as DIR/public_key.pem).
// hoopctl verify PATH... --key PUBLIC_KEY [--key OLDER_KEY]... [--json]
//     checks the hash chains and checkpoint signatures; exits 2 on any fault.
// hoopctl sessions PATH... [--key PUBLIC_KEY] [--json]
//     one line per session: who, resource, credential, start, duration,
//     commands, denials, approvals, integrity.
// hoopctl review PATH... [--from T] [--to T] [--format text|json|html]
//     [--inventory FILE] [--stale-days N] [--key PUBLIC_KEY] [--now T] [-o
//     FILE] the access review (see include/hoop/session/review.h).
// hoopctl replay FILE [--speed X] [--no-delay]
//     a session as it happened: statements with their masked results as
//     tables, terminal output with its timing.
//
// PATH is a *.hooprec file or a directory of them. Times are RFC 3339 or
// YYYY-MM-DD (UTC). Exit codes: 0 fine, 1 usage or I/O error, 2 integrity
// fault (verify; review/sessions only with --key and --strict).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "commands.h"
#include "google/protobuf/stubs/logging.h"
#include "hoop/masking/arena.h"
#include "hoop/masking/masker.h"
#include "hoop/session/keys.h"
#include "hoop/session/reader.h"
#include "hoop/session/review.h"
#include "hoop/session/sample.h"

namespace hoop::hoopctl {
namespace {

namespace hs = hoop::session;
using nlohmann::ordered_json;

std::string Msg(const absl::Status& s) {
  return std::string(s.message().data(), s.message().size());
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// RFC 3339, or YYYY-MM-DD at 00:00 UTC.
bool ParseWhen(const std::string& text, int64_t& ns) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err) ||
      absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    ns = absl::ToUnixNanos(t);
    return true;
  }
  std::cerr << "hoopctl: cannot read time \"" << text
            << "\" (RFC 3339 or YYYY-MM-DD)\n";
  return false;
}

struct Loaded {
  std::optional<hs::VerifyingKey> key;
  std::vector<hs::SessionReport> sessions;
};

// The first key verifies; the others are keys rotated out (older records).
int Load(const std::vector<std::string>& paths,
         const std::vector<std::string>& key_paths, Loaded& out) {
  // Damaged records are reported as faults, not as protobuf log lines.
  google::protobuf::SetLogHandler(nullptr);
  hs::VerifyOptions vo;
  for (const std::string& key_path : key_paths) {
    if (key_path.empty()) continue;
    std::string pem;
    if (!ReadFile(key_path, pem)) {
      std::cerr << "hoopctl: cannot read " << key_path << "\n";
      return 1;
    }
    auto k = hs::VerifyingKey::FromPem(pem);
    if (!k.ok()) {
      std::cerr << "hoopctl: " << key_path << ": " << Msg(k.status()) << "\n";
      return 1;
    }
    if (!out.key) {
      out.key = *k;
    } else {
      vo.older_keys.push_back(*k);
    }
  }
  vo.key = out.key ? &*out.key : nullptr;
  auto sessions = hs::ReadSessions(paths, vo);
  if (!sessions.ok()) {
    std::cerr << "hoopctl: " << Msg(sessions.status()) << "\n";
    return 1;
  }
  out.sessions = std::move(*sessions);
  return 0;
}

// --- sample-records -------------------------------------------------------

int SampleRecords(const std::string& dir, const std::string& now_text) {
  hs::SampleOptions o;
  o.dir = dir;
  if (!now_text.empty() && !ParseWhen(now_text, o.now_ns)) return 1;
  std::shared_ptr<const masking::Masker> masker = masking::Masker::Default();
  o.mask = [masker](std::string_view column, std::string_view type,
                    std::string_view value,
                    std::map<std::string, uint64_t>& counts) {
    masking::Arena arena;
    masking::MaskCounters counters;
    std::string out(masker->MaskCell(column, type, value, &arena, &counters));
    for (size_t i = 0; i < counters.size(); ++i) {
      if (counters[i].values > 0) {
        counts[std::string(masker->counter_name(i))] += counters[i].values;
      }
    }
    return out;
  };
  auto set = hs::WriteSampleRecords(o);
  if (!set.ok()) {
    std::cerr << "hoopctl: " << Msg(set.status()) << "\n";
    return 1;
  }
  std::string pub = set->key.PublicKeyPem();
  std::string key_path = dir + "/public_key.pem";
  std::ofstream(key_path) << pub;
  std::cerr << "wrote " << set->files.size() << " session files and "
            << set->inventory_path << " (now = " << hs::FormatTime(set->now_ns)
            << ")\npublic key saved as " << key_path
            << "; try:\n  hoopctl verify " << dir << " --key " << key_path
            << "\n  hoopctl sessions " << dir << "\n  hoopctl review " << dir
            << " --inventory " << set->inventory_path << " --now "
            << hs::FormatTime(set->now_ns) << "\n";
  std::cout << pub;
  return 0;
}

// --- verify ---------------------------------------------------------------

int Verify(const std::vector<std::string>& paths,
           const std::vector<std::string>& key_path, bool json) {
  Loaded l;
  if (int rc = Load(paths, key_path, l); rc != 0) return rc;
  bool all_ok = !l.sessions.empty();
  ordered_json out = ordered_json::array();
  for (const hs::SessionReport& s : l.sessions) {
    all_ok = all_ok && s.ok();
    if (json) {
      ordered_json faults = ordered_json::array();
      for (const hs::Fault& f : s.faults) {
        faults.push_back({{"kind", std::string(hs::FaultKindName(f.kind))},
                          {"file", f.file},
                          {"offset", f.offset},
                          {"seq", f.seq},
                          {"message", f.message}});
      }
      out.push_back({{"session", s.session_id},
                     {"ok", s.ok()},
                     {"files", s.files},
                     {"records", s.records.size()},
                     {"checkpoints_verified", s.checkpoints_verified},
                     {"complete", s.complete},
                     {"faults", faults}});
      continue;
    }
    if (s.ok()) {
      std::cout << "ok    " << s.session_id << ": " << s.records.size()
                << " records, " << s.checkpoints_verified
                << " checkpoints verified, closed\n";
    } else {
      std::cout << "FAIL  " << s.session_id << ": " << s.records.size()
                << " whole records read, " << s.checkpoints_verified
                << " checkpoints verified\n";
      for (const hs::Fault& f : s.faults)
        std::cout << "      " << f.ToString() << "\n";
    }
  }
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else if (l.sessions.empty()) {
    std::cout << "no session records found\n";
  } else {
    size_t bad =
        std::count_if(l.sessions.begin(), l.sessions.end(),
                      [](const hs::SessionReport& s) { return !s.ok(); });
    std::cout << l.sessions.size() << " sessions, " << bad << " with faults\n";
  }
  return all_ok ? 0 : 2;
}

// --- sessions -------------------------------------------------------------

int Sessions(const std::vector<std::string>& paths, const std::string& key_path,
             bool json) {
  Loaded l;
  if (int rc = Load(paths, {key_path}, l); rc != 0) return rc;
  std::vector<hs::SessionSummary> sums;
  for (const hs::SessionReport& s : l.sessions)
    sums.push_back(hs::Summarize(s));
  std::sort(sums.begin(), sums.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start_ns, a.session_id) <
           std::tie(b.start_ns, b.session_id);
  });
  if (json) {
    ordered_json out = ordered_json::array();
    for (const hs::SessionSummary& s : sums) {
      ordered_json masked = ordered_json::object();
      for (const auto& [d, n] : s.masked) masked[d] = n;
      out.push_back(
          {{"session", s.session_id},
           {"identity", s.email.empty() ? s.subject : s.email},
           {"non_human", s.non_human},
           {"resource", s.resource},
           {"environment", s.environment},
           {"protocol", s.protocol},
           {"credential", s.credential},
           {"start", hs::FormatTime(s.start_ns)},
           {"duration_s", s.duration_ns / 1'000'000'000},
           {"commands", s.commands},
           {"denied", s.denied},
           {"held", s.held},
           {"approved", s.approved},
           {"rejected", s.rejected},
           {"expired", s.expired},
           {"rows", s.rows},
           {"masked", masked},
           {"end", s.end_reason},
           {"integrity", key_path.empty() ? "unchecked" : s.integrity}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"START", "DURATION", "WHO", "KIND", "RESOURCE", "CREDENTIAL", "CMDS",
       "DENIED", "APPROVALS", "END", "INTEGRITY", "SESSION"}};
  for (const hs::SessionSummary& s : sums) {
    std::string approvals =
        s.held == 0 ? std::string("-")
                    : absl::StrCat(s.approved, "/", s.held, " granted");
    rows.push_back({hs::FormatTime(s.start_ns),
                    hs::FormatDuration(s.duration_ns),
                    s.email.empty() ? s.subject : s.email,
                    s.non_human ? "agent" : "person", s.resource, s.credential,
                    absl::StrCat(s.commands), absl::StrCat(s.denied), approvals,
                    s.end_reason, key_path.empty() ? "unchecked" : s.integrity,
                    s.session_id});
  }
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
  return 0;
}

// --- review ---------------------------------------------------------------

struct ReviewArgs {
  std::vector<std::string> paths;
  std::string from, to, now, format = "text", inventory, key, output;
  int stale_days = 90;
  bool strict = false;
};

int Review(const ReviewArgs& a) {
  hs::ReviewOptions o;
  if (!a.from.empty() && !ParseWhen(a.from, o.from_ns)) return 1;
  if (!a.to.empty() && !ParseWhen(a.to, o.to_ns)) return 1;
  if (!a.now.empty() && !ParseWhen(a.now, o.now_ns)) return 1;
  o.stale_days = a.stale_days;
  std::optional<session::v1::Inventory> inv;
  if (!a.inventory.empty()) {
    auto i = hs::LoadInventory(a.inventory);
    if (!i.ok()) {
      std::cerr << "hoopctl: " << Msg(i.status()) << "\n";
      return 1;
    }
    inv = std::move(*i);
    o.inventory = &*inv;
  }
  Loaded l;
  if (int rc = Load(a.paths, {a.key}, l); rc != 0) return rc;
  hs::Review rv = hs::BuildReview(l.sessions, o);
  std::string text = a.format == "json"   ? hs::ReviewJson(rv)
                     : a.format == "html" ? hs::ReviewHtml(rv)
                                          : hs::ReviewText(rv);
  if (a.output.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) {
      std::cerr << "hoopctl: cannot write " << a.output << "\n";
      return 1;
    }
    std::cerr << "wrote " << a.output << "\n";
  }
  if (a.key.empty() && a.format == "text") {
    std::cerr << "note: no --key given, so record integrity was not checked\n";
  }
  return a.strict && !rv.integrity.empty() ? 2 : 0;
}

// --- replay ---------------------------------------------------------------

void PrintTable(const session::v1::Result& r) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head;
  for (const auto& c : r.columns()) head.push_back(c.name());
  if (!head.empty()) rows.push_back(head);
  for (const auto& row : r.sample_rows()) {
    std::vector<std::string> cells(row.cells().begin(), row.cells().end());
    for (uint32_t n : row.null_cells()) {
      if (n < cells.size()) cells[n] = "NULL";
    }
    rows.push_back(cells);
  }
  std::vector<size_t> w;
  for (const auto& row : rows) {
    if (w.size() < row.size()) w.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i)
      w[i] = std::max(w[i], row[i].size());
  }
  auto rule = [&] {
    std::string s = "  +";
    for (size_t x : w) s += std::string(x + 2, '-') + "+";
    std::cout << s << "\n";
  };
  if (!rows.empty()) rule();
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    std::string s = "  |";
    for (size_t i = 0; i < w.size(); ++i) {
      std::string c = i < rows[ri].size() ? rows[ri][i] : "";
      s += " " + c + std::string(w[i] - c.size(), ' ') + " |";
    }
    std::cout << s << "\n";
    if (ri == 0 && !head.empty()) rule();
  }
  if (!rows.empty()) rule();
  std::string tail =
      r.status().empty() ? absl::StrCat(r.rows(), " rows") : r.status();
  if (r.sample_truncated()) tail += " (sample truncated)";
  for (const auto& m : r.masked())
    absl::StrAppend(&tail, ", ", m.count(), " ", m.detector(), " masked");
  if (r.has_error()) {
    tail = absl::StrCat("ERROR ", r.error().code(), ": ", r.error().message());
  }
  std::cout << "  (" << tail << ")\n";
}

int Replay(const std::string& path, double speed, bool no_delay,
           const std::string& key_path) {
  Loaded l;
  if (int rc = Load({path}, {key_path}, l); rc != 0) return rc;
  if (l.sessions.empty()) {
    std::cerr << "hoopctl: no records in " << path << "\n";
    return 1;
  }
  if (speed <= 0) speed = 1;
  for (const hs::SessionReport& s : l.sessions) {
    int64_t start = s.records.empty() ? 0 : s.records.front().record.time_ns();
    int64_t last_output = -1;
    bool terminal = false;
    auto stamp = [&](int64_t t) {
      double sec = static_cast<double>(t - start) / 1e9;
      char buf[32];
      std::snprintf(buf, sizeof buf, "[+%7.2fs] ", sec);
      return std::string(buf);
    };
    std::string who;
    for (const hs::StoredRecord& sr : s.records) {
      const session::v1::Record& r = sr.record;
      switch (r.event_case()) {
        case session::v1::Record::kStart: {
          const auto& st = r.start();
          who = st.identity().email().empty() ? st.identity().subject()
                                              : st.identity().email();
          terminal = st.protocol() == session::v1::PROTOCOL_SSH;
          std::cout << "session " << s.session_id << "  "
                    << hs::FormatTime(r.time_ns()) << "\n"
                    << "  " << who
                    << (st.identity().kind() ==
                                session::v1::IDENTITY_KIND_NON_HUMAN
                            ? " (agent)"
                            : "")
                    << " -> " << st.resource().name() << " ("
                    << st.resource().kind() << ", "
                    << st.resource().environment() << ") as "
                    << st.credential().id() << " from " << st.client_address()
                    << " via " << st.gateway_id() << "\n\n";
          break;
        }
        case session::v1::Record::kCommand: {
          const auto& c = r.command();
          std::string verdict =
              c.verdict().decision() == session::v1::DECISION_ALLOW    ? "allow"
              : c.verdict().decision() == session::v1::DECISION_DENY   ? "DENY"
              : c.verdict().decision() == session::v1::DECISION_REVIEW ? "HELD"
                                                                       : "?";
          std::string rule =
              c.verdict().rule_ids().empty() ? "" : c.verdict().rule_ids(0);
          if (terminal) {
            std::cout << "\n"
                      << stamp(r.time_ns()) << "$ " << c.text() << "    # "
                      << verdict << " (" << rule << ")\n";
          } else {
            std::cout << stamp(r.time_ns()) << who << "> " << c.text()
                      << "\n  -- " << verdict << " by " << rule
                      << (c.verdict().reason().empty()
                              ? ""
                              : ": " + c.verdict().reason())
                      << "\n";
          }
          break;
        }
        case session::v1::Record::kApproval: {
          const auto& a = r.approval();
          std::string state =
              session::v1::ApprovalState_Name(a.state()).substr(15);
          std::cout << stamp(r.time_ns()) << "approval " << a.request_id()
                    << ": " << state;
          if (a.has_approver()) {
            std::cout << " by "
                      << (a.approver().email().empty() ? a.approver().subject()
                                                       : a.approver().email());
          }
          if (!a.reason().empty()) std::cout << " \"" << a.reason() << "\"";
          std::cout << "\n";
          break;
        }
        case session::v1::Record::kResult:
          if (!terminal) PrintTable(r.result());
          break;
        case session::v1::Record::kOutput: {
          const auto& o = r.output();
          if (!no_delay && last_output >= 0 && o.offset_ns() > last_output) {
            auto wait = std::chrono::nanoseconds(static_cast<int64_t>(
                static_cast<double>(o.offset_ns() - last_output) / speed));
            std::cout.flush();
            std::this_thread::sleep_for(
                std::min(wait, std::chrono::nanoseconds(5'000'000'000)));
          }
          last_output = o.offset_ns();
          std::cout << o.data();
          break;
        }
        case session::v1::Record::kError:
          std::cout << stamp(r.time_ns()) << "ERROR (" << r.error().kind()
                    << "): " << r.error().message() << "\n";
          break;
        case session::v1::Record::kEnd: {
          const auto& e = r.end();
          std::cout << "\n"
                    << stamp(r.time_ns()) << "session ended: "
                    << session::v1::EndReason_Name(e.reason()).substr(11)
                    << ", " << e.bytes_client_to_server() << " bytes in, "
                    << e.bytes_server_to_client() << " bytes out\n";
          break;
        }
        default:
          break;
      }
    }
    if (!key_path.empty()) {
      std::cout << (s.ok() ? "integrity: ok\n"
                           : "integrity: " + s.faults[0].ToString() + "\n");
    }
  }
  return 0;
}

}  // namespace

void RegisterRecords(CLI::App& app) {
  auto* sample = app.add_subcommand(
      "sample-records",
      "Write a generated, signed set of sessions and print the public key");
  auto sample_dir = std::make_shared<std::string>();
  auto sample_now = std::make_shared<std::string>();
  sample->add_option("DIR", *sample_dir, "Directory to write")->required();
  sample->add_option("--now", *sample_now,
                     "Pretend today is this date (default: today)");
  sample->callback([sample_dir, sample_now] {
    if (int rc = SampleRecords(*sample_dir, *sample_now); rc != 0)
      throw CLI::RuntimeError(rc);
  });

  auto* verify = app.add_subcommand("verify",
                                    "Check record hash chains and checkpoint "
                                    "signatures (exit 2 on any fault)");
  auto vpaths = std::make_shared<std::vector<std::string>>();
  auto vkey = std::make_shared<std::vector<std::string>>();
  auto vjson = std::make_shared<bool>(false);
  verify->add_option("PATH", *vpaths, "Record files or directories")
      ->required();
  verify
      ->add_option("--key", *vkey,
                   "Ed25519 public key (PEM); repeat for keys rotated out")
      ->required();
  verify->add_flag("--json", *vjson, "JSON output");
  verify->callback([vpaths, vkey, vjson] {
    if (int rc = Verify(*vpaths, *vkey, *vjson); rc != 0)
      throw CLI::RuntimeError(rc);
  });

  auto* sessions =
      app.add_subcommand("sessions", "One line per recorded session");
  auto spaths = std::make_shared<std::vector<std::string>>();
  auto skey = std::make_shared<std::string>();
  auto sjson = std::make_shared<bool>(false);
  sessions->add_option("PATH", *spaths, "Record files or directories")
      ->required();
  sessions->add_option("--key", *skey,
                       "Ed25519 public key: also check integrity");
  sessions->add_flag("--json", *sjson, "JSON output");
  sessions->callback([spaths, skey, sjson] {
    if (int rc = Sessions(*spaths, *skey, *sjson); rc != 0)
      throw CLI::RuntimeError(rc);
  });

  auto* review = app.add_subcommand(
      "review",
      "Access review: who accessed what, and did it comply with policy");
  auto ra = std::make_shared<ReviewArgs>();
  review->add_option("PATH", ra->paths, "Record files or directories")
      ->required();
  review->add_option("--from", ra->from,
                     "Sessions starting at or after (RFC 3339 or date)");
  review->add_option("--to", ra->to, "Sessions starting before");
  review->add_option("--format", ra->format, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  review->add_option("--inventory", ra->inventory,
                     "Credential inventory (JSON)");
  review->add_option("--stale-days", ra->stale_days,
                     "Unused / unrotated for N days is stale");
  review->add_option("--key", ra->key,
                     "Ed25519 public key: list sessions that fail to verify");
  review->add_option("--now", ra->now,
                     "Reference time for staleness (default: --to, or now)");
  review->add_option("-o,--output", ra->output,
                     "Write to this file instead of stdout");
  review->add_flag("--strict", ra->strict,
                   "Exit 2 when any session fails to verify");
  review->callback([ra] {
    if (int rc = Review(*ra); rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* replay = app.add_subcommand("replay", "Replay a recorded session");
  auto rfile = std::make_shared<std::string>();
  auto rspeed = std::make_shared<double>(1.0);
  auto rnodelay = std::make_shared<bool>(false);
  auto rkey = std::make_shared<std::string>();
  replay->add_option("FILE", *rfile, "A session's record file")->required();
  replay->add_option("--speed", *rspeed,
                     "Terminal output speed factor (2 = twice as fast)");
  replay->add_flag("--no-delay", *rnodelay,
                   "Print terminal output without its timing");
  replay->add_option("--key", *rkey,
                     "Ed25519 public key: also check integrity");
  replay->callback([rfile, rspeed, rnodelay, rkey] {
    if (int rc = Replay(*rfile, *rspeed, *rnodelay, *rkey); rc != 0)
      throw CLI::RuntimeError(rc);
  });
}

}  // namespace hoop::hoopctl
