// Copyright 2026 The hoop Authors.
//
// Recorder: turns a session's events into a tamper-evident record stream.
//
//   RecorderOptions o;
//   o.session_id = "s-0001";
//   o.signing_key = key;                       // Ed25519, see keys.h
//   o.durability = Durability::kInterval;      // fsync at most 200 ms apart
//   auto rec = Recorder::Create(o, std::move(sink));   // see sink.h
//   (*rec)->Start(start);                      // v1::SessionStart
//   (*rec)->Command(cmd);  (*rec)->Result(res);  …
//   (*rec)->End(end);
//   absl::Status s = (*rec)->Close();          // final checkpoint + sync
//
// Each event becomes one v1::Record. The recorder stamps time_ns when the
// event is appended, and on its writer assigns seq, session_id and prev_hash
// (SHA-256 of the previous record's bytes), frames it and hands it to the
// sink. With a signing key it inserts a signed Checkpoint record after every
// `checkpoint_every` records and a final one at Close.
//
// The data path never waits on the disk. Events go through a bounded queue
// to a writer thread. When the queue is full, `when_full` decides:
//   kBlock       Append waits for room, at most block_timeout_ms; past that
//                it behaves as kEndSession.
//   kEndSession  Append returns kResourceExhausted and the recorder refuses
//                every later event: the caller must end the session (closed).
//                Close then records an Error and a SessionEnd with reason
//                END_REASON_RECORDER_OVERLOADED, so the stream itself says
//                that the session was cut and how many events were refused.
// An event is never dropped silently: Append either accepted it (it will be
// written unless the process dies) or returned an error.
//
// Durability (what a crash of the process or machine may lose):
//   kEveryRecord  each record is written and fdatasync'ed before the next;
//                 loses the records still queued (none if queue_capacity is
//                 0: Append then writes on the caller's thread).
//   kInterval     written and synced at most sync_interval_ms apart; loses
//                 at most that window plus the queue. (Synchronous mode has
//                 no timer: it syncs on the first Append after the interval,
//                 so an idle session waits for its next event or Close.)
//   kAtClose      synced at Close (and when the file buffer fills); loses
//                 everything not yet synced.
// In every case the file holds whole records followed by at most one torn
// record, which the reader recovers around (reader.h).
//
// Options, with defaults:
//   session_id         ""            required
//   durability         kInterval
//   sync_interval_ms   200
//   queue_capacity     4096          records; 0 = synchronous, no thread
//   when_full          kBlock
//   block_timeout_ms   1000
//   signing_key        none          no key: no checkpoints (chain only)
//   checkpoint_every   1000          records between checkpoints
//   clock              system time   ns since the Unix epoch (tests pin it)
//   max_sample_rows    50            Result.sample_rows beyond this are cut
//                                    and sample_truncated is set
//   batch_delay_us     2000          with a writer thread and kInterval or
//                                    kAtClose: how long the writer lets
//                                    records gather after the first one
//                                    before it writes them, so a busy
//                                    session wakes it once per batch rather
//                                    than once per record (each wake-up
//                                    costs both threads a few microseconds
//                                    of kernel time). 0: write at once.
//                                    kEveryRecord, Flush and Close never
//                                    wait; 64 queued records (or half the
//                                    queue, if less) wake it too.
//
// Thread-safety: Append and the event helpers may be called from several
// threads (they serialize); records keep the order of Append calls. Close
// must not race with Append. Not copyable or movable.

#ifndef HOOP_SESSION_RECORDER_H_
#define HOOP_SESSION_RECORDER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hoop/session/keys.h"
#include "hoop/session/sink.h"
#include "hoop/session/v1/record.pb.h"

namespace hoop::session {

enum class Durability { kEveryRecord, kInterval, kAtClose };
enum class WhenFull { kBlock, kEndSession };

struct RecorderOptions {
  std::string session_id;
  Durability durability = Durability::kInterval;
  int64_t sync_interval_ms = 200;
  size_t queue_capacity = 4096;
  WhenFull when_full = WhenFull::kBlock;
  int64_t block_timeout_ms = 1000;
  std::optional<SigningKey> signing_key;
  uint32_t checkpoint_every = 1000;
  std::function<int64_t()> clock;
  uint32_t max_sample_rows = 50;
  int64_t batch_delay_us = 2000;
};

struct RecorderStats {
  uint64_t records = 0;  // written to the sink, checkpoints included
  uint64_t bytes = 0;    // framed bytes written
  uint64_t checkpoints = 0;
  uint64_t syncs = 0;
  uint64_t refused = 0;  // events Append refused (overload, failure)
  uint64_t blocked = 0;  // Append calls that waited for room
  size_t max_queue = 0;  // deepest the queue got
};

// Frames a serialized record: varint length, then the bytes.
std::string FrameRecord(const std::string& serialized);

// The bytes a Checkpoint's signature covers (see record.proto).
std::string CheckpointMessage(const v1::Record& record);

class Recorder {
 public:
  // kInvalidArgument without a session_id, a sink, or with checkpoint_every 0.
  static absl::StatusOr<std::unique_ptr<Recorder>> Create(
      RecorderOptions options, std::unique_ptr<Sink> sink);
  // Closes if Close was not called (its status is then lost).
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Records `record`'s event. Only the event and, optionally, time_ns need
  // be set; seq, session_id and prev_hash are the recorder's.
  // Errors: kResourceExhausted (queue full, see when_full), kFailedPrecondition
  // after Close, or the sink's error. After any error the session must end.
  absl::Status Append(v1::Record record);

  absl::Status Start(v1::SessionStart event);
  absl::Status Command(v1::Command event);
  absl::Status Approval(v1::Approval event);
  absl::Status Result(v1::Result event);
  // Result() for a caller that builds one result after another: records
  // *event and leaves in its place an empty Result whose memory (repeated
  // rows and columns, strings) held an earlier, already written record, so
  // a steady stream of results allocates and frees next to nothing on
  // either thread. The recorded bytes are those Result(*event) would write.
  absl::Status TakeResult(v1::Result* event);
  absl::Status Output(v1::Output event);
  absl::Status Error(v1::Error event);
  absl::Status End(v1::SessionEnd event);

  // Waits until every record appended before the call is written and synced.
  absl::Status Flush();
  // Writes the final checkpoint (after an overload, first the Error and
  // SessionEnd that say so), syncs, closes the sink and joins the writer.
  // Idempotent: later calls return the first call's status.
  absl::Status Close();

  RecorderStats stats() const;

 private:
  Recorder(RecorderOptions options, std::unique_ptr<Sink> sink);
  void WriterLoop();
  // Writes one event record (and a checkpoint when due). REQUIRES: write_mu_.
  absl::Status WriteLocked(v1::Record& record);
  // Keeps a written record's Result, cleared, for TakeResult to reuse.
  void Recycle(v1::Record& record);
  absl::Status WriteFramed(v1::Record& record);
  absl::Status WriteCheckpointLocked(bool final);
  absl::Status MaybeSyncLocked(bool force);
  int64_t Now() const;
  size_t HalfQueue() const;  // queue length that wakes a lingering writer

  const RecorderOptions options_;
  std::unique_ptr<Sink> sink_;

  // Queue state, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_, drained_;
  std::deque<v1::Record> queue_;
  uint64_t appended_ = 0;   // events accepted
  uint64_t processed_ = 0;  // events handed to the sink (or failed)
  uint64_t flush_waiters_ = 0;  // Flush calls waiting: the writer must not
                                // linger for a batch
  bool closing_ = false;
  bool closed_ = false;
  bool overloaded_ = false;
  absl::Status failure_;  // first sink error
  absl::Status close_status_;
  RecorderStats stats_;
  // Written Results, cleared, their memory kept for TakeResult.
  std::vector<std::unique_ptr<v1::Result>> result_pool_;

  // Writer state, guarded by write_mu_.
  std::mutex write_mu_;
  uint64_t next_seq_ = 0;
  std::string prev_hash_;
  uint64_t since_checkpoint_ = 0;
  int64_t last_sync_ns_ = 0;
  bool dirty_ = false;
  absl::Status sink_status_;  // first Write/Sync error

  std::string framed_;  // WriteFramed's buffer, reused; under write_mu_

  std::thread writer_;
};

}  // namespace hoop::session

#endif  // HOOP_SESSION_RECORDER_H_
