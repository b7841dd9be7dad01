// Copyright 2026 The hoop Authors.
//
// Access reviews over session records: who accessed what, and did it comply.
//
//   auto sessions = ReadSessions({"/var/lib/hoop/records"}, verify_options);
//   ReviewOptions o;
//   o.now_ns = …;  o.stale_days = 90;
//   o.inventory = &inventory;                  // LoadInventory("creds.json")
//   Review r = BuildReview(*sessions, o);
//   std::cout << ReviewText(r);                // or ReviewJson / ReviewHtml
//
// A Review answers, for the sessions that started in [from_ns, to_ns):
//   access             who reached which resource with which credential,
//                      people and non-human identities apart;
//   decisions          every denied or held command, with the approval's
//                      outcome, the approver and their reason;
//   broad_production   commands allowed only by a broad rule (one that does
//                      not look at the action) on a production resource;
//   shared_credentials credentials used by more than one identity;
//   stale_credentials  inventory credentials unused, never rotated, or not
//                      rotated for stale_days (all sessions up to to_ns count
//                      as use, not only the window);
//   masked             masked-value totals by detector;
//   integrity          sessions whose records did not verify.
// Everything is sorted, so the same records give the same review.
//
// Thread-safety: free functions; the Review is a plain value.

#ifndef HOOP_SESSION_REVIEW_H_
#define HOOP_SESSION_REVIEW_H_

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hoop/session/reader.h"
#include "hoop/session/v1/inventory.pb.h"
#include "hoop/session/v1/record.pb.h"

namespace hoop::session {

// One line of `hoopctl sessions`.
struct SessionSummary {
  std::string session_id;
  std::string file;  // first file
  std::string subject, email;
  bool non_human = false;
  std::string resource, resource_kind, environment, protocol;
  std::string credential;
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  uint64_t commands = 0, denied = 0, held = 0;
  uint64_t approved = 0, rejected = 0, expired = 0;
  uint64_t rows = 0;
  uint64_t bytes_client_to_server = 0, bytes_server_to_client = 0;
  std::map<std::string, uint64_t> masked;
  std::string end_reason;  // "client_closed", …; "open" if none
  std::string integrity;   // "ok", or the first fault's kind
};
SessionSummary Summarize(const SessionReport& report);

struct ReviewOptions {
  int64_t from_ns = std::numeric_limits<int64_t>::min();
  int64_t to_ns = std::numeric_limits<int64_t>::max();
  int64_t now_ns = 0;  // for staleness; 0: to_ns, else the clock
  int stale_days = 90;
  const v1::Inventory* inventory = nullptr;
};

struct Review {
  int64_t from_ns = 0, to_ns = 0, now_ns = 0;
  int stale_days = 0;
  uint64_t sessions = 0, commands = 0, people = 0, non_humans = 0;

  struct Access {
    std::string subject;
    bool non_human = false;
    std::string resource, environment;
    std::vector<std::string> credentials;
    uint64_t sessions = 0, commands = 0, denied = 0, held = 0;
    int64_t first_ns = 0, last_ns = 0;
  };
  std::vector<Access> access;  // people first, then non-humans

  struct Decision {
    int64_t time_ns = 0;
    std::string session_id, subject, resource, command;
    bool non_human = false;
    std::string verdict;  // "deny" or "review"
    std::string rule, reason;
    std::string
        approval;  // "approved", "denied", "expired", "pending"; "" for deny
    std::string approver, approver_reason;
  };
  std::vector<Decision> decisions;

  struct Broad {
    int64_t time_ns = 0;
    std::string session_id, subject, resource, command, rule;
    bool non_human = false;
  };
  std::vector<Broad> broad_production;

  struct Shared {
    std::string credential;
    std::vector<std::string> subjects;
    uint64_t sessions = 0;
  };
  std::vector<Shared> shared_credentials;

  struct Stale {
    std::string credential, kind, owner;
    bool non_human = false;
    int64_t last_used_ns = 0;  // 0: never used
    int64_t rotated_ns = 0;    // 0: never rotated
    std::vector<std::string>
        reasons;  // "unused for 200 days", "never rotated", …
  };
  std::vector<Stale> stale_credentials;
  std::vector<std::string>
      unknown_credentials;  // used but not in the inventory

  std::vector<std::pair<std::string, uint64_t>> masked;  // by count, descending

  struct Integrity {
    std::string session_id, fault;
  };
  std::vector<Integrity> integrity;
};

Review BuildReview(const std::vector<SessionReport>& sessions,
                   const ReviewOptions& options);

std::string ReviewText(const Review& review);
std::string ReviewJson(const Review& review);  // one object; times RFC 3339 UTC
// One self-contained HTML page: inline CSS, tables and bar charts, no scripts
// and no external assets.
std::string ReviewHtml(const Review& review);

// Reads an inventory (JSON, protobuf mapping of v1::Inventory).
absl::StatusOr<v1::Inventory> LoadInventory(const std::string& path);

// "2026-11-20T09:15:00Z"
std::string FormatTime(int64_t unix_ns);
// "1h02m", "45s"
std::string FormatDuration(int64_t ns);

}  // namespace hoop::session

#endif  // HOOP_SESSION_REVIEW_H_
