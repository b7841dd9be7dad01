// Copyright 2026 The hoop Authors.
//
// A generated, signed set of sessions for trying the reviewer's tools before
// a gateway exists, and for the tests:
//
//   SampleOptions o;
//   o.dir = "/tmp/records";
//   absl::StatusOr<SampleSet> set = WriteSampleRecords(o);
//   // set->key.PublicKeyPem() verifies them; set->inventory_path is the
//   // credential inventory for `hoopctl review --inventory`.
//
// Sixteen sessions over the 120 days before `now_ns`: four people and three
// non-human identities (an ETL job, a CI deployer, an AI assistant) on
// PostgreSQL, MySQL, SSH, Kubernetes and an HTTP API; denied commands,
// approvals granted, refused and expired; commands allowed only by broad
// rules on production; two shared credentials, five stale ones and one
// missing from the inventory; result rows and terminal output holding
// planted sensitive values, masked by `mask` before they are recorded.
// README.md of lib/session lists the answers a review must give.
//
// Thread-safety: writes files; no shared state.

#ifndef HOOP_SESSION_SAMPLE_H_
#define HOOP_SESSION_SAMPLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hoop/session/keys.h"

namespace hoop::session {

// Masks one value (a result cell, or a chunk of terminal output / an HTTP
// body when `column` is empty) and adds what it found to `counts`, keyed by
// detector name. Returns the value to record.
using CellMasker = std::function<std::string(
    std::string_view column, std::string_view type, std::string_view value,
    std::map<std::string, uint64_t>& counts)>;

struct SampleOptions {
  std::string dir;     // created if absent; *.hooprec + inventory.json
  int64_t now_ns = 0;  // 0: today, 00:00 UTC
  std::optional<SigningKey> key;  // none: a new key
  // null: a stand-in that replaces each planted value by "[<DETECTOR>]".
  CellMasker mask;
};

struct SampleSet {
  std::vector<std::string> files;
  std::string inventory_path;
  SigningKey key;
  int64_t now_ns = 0;
  // The raw values planted in result cells and output; none may appear in
  // any record file.
  std::vector<std::string> planted;
};

absl::StatusOr<SampleSet> WriteSampleRecords(const SampleOptions& options);

}  // namespace hoop::session

#endif  // HOOP_SESSION_SAMPLE_H_
