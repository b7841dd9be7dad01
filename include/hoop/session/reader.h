// Copyright 2026 The hoop Authors.
//
// Reading and verifying record streams.
//
//   VerifyOptions o;
//   o.key = &verifying_key;                    // keys.h; null: chain only
//   absl::StatusOr<std::vector<SessionReport>> sessions =
//       ReadSessions({"/var/lib/hoop/records"}, o);
//   for (const SessionReport& s : *sessions)
//     if (!s.ok()) std::cerr << s.faults[0].ToString() << "\n";
//       // "s-17.hooprec:4711: seq 42: chain broken: record altered …"
//
// ReadStream only frames: it returns every whole record of one byte stream
// and says where a torn or malformed record stops it. ReadSessions reads
// files (or directories of *.hooprec files), groups them by the session id
// inside the records (not by file name), orders a session's files by their
// first seq, and verifies:
//   - framing and parsing: each record parses and carries one event;
//   - sequence: seq runs 0, 1, 2, … with no gap, one session id throughout;
//   - chain: each prev_hash is SHA-256 of the previous record's bytes;
//   - checkpoints: key id and Ed25519 signature (with a key);
//   - completeness: the stream ends with a valid final checkpoint.
// A fault names the record: file, byte offset of its length prefix, seq.
// Verification stops at the first fault that means tampering (malformed,
// sequence, chain, signature); the records before it are still returned, so
// a torn tail costs only the torn record ("recovered").
//
// When a hash link breaks between records i-1 and i, the verifier looks one
// record further: if the link after i also breaks, i itself was altered (its
// prev_hash or body); otherwise i-1 was. A final checkpoint's signature
// settles it for the last record.
//
// Thread-safety: free functions over their arguments; no shared state.

#ifndef HOOP_SESSION_READER_H_
#define HOOP_SESSION_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hoop/session/keys.h"
#include "hoop/session/v1/record.pb.h"

namespace hoop::session {

// The largest record a reader accepts; a larger length prefix is damage.
// The recorder refuses to write anything larger (the session then ends).
inline constexpr uint64_t kMaxRecordBytes = 64ull << 20;

struct StoredRecord {
  std::string file;
  uint64_t offset = 0;  // of the length prefix in `file`
  uint64_t size = 0;    // framed size
  std::string bytes;    // the serialized record (what prev_hash covers)
  v1::Record record;
};

struct Fault {
  enum class Kind {
    kIo,          // a file could not be read
    kTornTail,    // the stream ends inside a record
    kMalformed,   // a record's bytes do not parse, or it has no event
    kSequence,    // seq gap, duplicate, or another session's record
    kChain,       // prev_hash does not match
    kSignature,   // checkpoint signature invalid
    kUnknownKey,  // checkpoint signed by another key
    kIncomplete,  // no final checkpoint: session not closed, or cut
  };
  Kind kind = Kind::kIo;
  std::string file;
  uint64_t offset = 0;
  int64_t seq = -1;  // the record's seq (expected seq if unreadable)
  std::string message;

  // "FILE:OFFSET: seq N: KIND: MESSAGE"
  std::string ToString() const;
};
std::string_view FaultKindName(Fault::Kind kind);  // "torn_tail", "chain", …

struct StreamRead {
  std::vector<StoredRecord> records;  // every whole record, in order
  bool torn = false;        // ends inside a record (crash) at end_offset
  bool malformed = false;   // stopped at end_offset on bytes that don't parse
  uint64_t end_offset = 0;  // where reading stopped
  std::string problem;      // why, when torn or malformed
};

// Frames `bytes` (a whole file's contents) into records.
StreamRead ReadStream(std::string_view bytes, const std::string& file_name);

struct VerifyOptions {
  const VerifyingKey* key = nullptr;  // null: signatures are not checked
  // Keys rotated out: checkpoints signed by them verify too (REQUIRES key).
  std::vector<VerifyingKey> older_keys;
  bool require_final = true;  // a missing final checkpoint is a fault
};

struct SessionReport {
  std::string session_id;
  std::vector<std::string> files;
  std::vector<StoredRecord> records;  // whole records recovered, in order
  uint64_t checkpoints_verified = 0;
  uint64_t signed_records = 0;  // records covered by a valid checkpoint
  bool complete = false;        // ends with a valid final checkpoint
  std::vector<Fault> faults;    // in stream order; empty when intact

  bool ok() const { return faults.empty(); }
};

// Reads and verifies every session found in `paths` (files, or directories
// whose *.hooprec files are read). kNotFound if a path does not exist;
// unreadable files become kIo faults of their session.
absl::StatusOr<std::vector<SessionReport>> ReadSessions(
    const std::vector<std::string>& paths, const VerifyOptions& options);

// Verifies one session's streams, given as (file name, contents) in order.
SessionReport VerifyStreams(
    const std::vector<std::pair<std::string, std::string>>& streams,
    const VerifyOptions& options);

}  // namespace hoop::session

#endif  // HOOP_SESSION_READER_H_
