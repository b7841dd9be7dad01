// Copyright 2026 The hoop Authors.

#include "hoop/session/recorder.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hoop/base/status_macros.h"
#include "hoop/session/reader.h"

namespace hoop::session {
namespace {

void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string FrameRecord(const std::string& serialized) {
  std::string out;
  out.reserve(serialized.size() + 5);
  uint64_t n = serialized.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out.append(serialized);
  return out;
}

std::string CheckpointMessage(const v1::Record& record) {
  std::string m = "hoop.session.v1.checkpoint\n";
  PutU64(m, record.seq());
  PutU64(m, static_cast<uint64_t>(record.time_ns()));
  PutU32(m, static_cast<uint32_t>(record.session_id().size()));
  m.append(record.session_id());
  m.append(record.prev_hash());
  PutU64(m, record.checkpoint().records());
  m.push_back(record.checkpoint().final() ? 1 : 0);
  m.append(record.checkpoint().key_id());
  return m;
}

absl::StatusOr<std::unique_ptr<Recorder>> Recorder::Create(
    RecorderOptions options, std::unique_ptr<Sink> sink) {
  if (options.session_id.empty()) {
    return absl::InvalidArgumentError("RecorderOptions.session_id is empty");
  }
  if (sink == nullptr) return absl::InvalidArgumentError("no sink");
  if (options.checkpoint_every == 0) {
    return absl::InvalidArgumentError("RecorderOptions.checkpoint_every is 0");
  }
  if (options.durability == Durability::kInterval &&
      options.sync_interval_ms <= 0) {
    return absl::InvalidArgumentError(
        "RecorderOptions.sync_interval_ms must be > 0");
  }
  return std::unique_ptr<Recorder>(
      new Recorder(std::move(options), std::move(sink)));
}

Recorder::Recorder(RecorderOptions options, std::unique_ptr<Sink> sink)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      prev_hash_(32, '\0') {
  last_sync_ns_ = Now();
  if (options_.queue_capacity > 0)
    writer_ = std::thread([this] { WriterLoop(); });
}

Recorder::~Recorder() { (void)Close(); }

int64_t Recorder::Now() const {
  return options_.clock ? options_.clock() : SystemNowNs();
}

absl::Status Recorder::Append(v1::Record record) {
  if (record.time_ns() == 0) record.set_time_ns(Now());
  if (record.has_result() && record.result().sample_rows_size() >
                                 static_cast<int>(options_.max_sample_rows)) {
    v1::Result* r = record.mutable_result();
    const int cap = static_cast<int>(options_.max_sample_rows);
    r->mutable_sample_rows()->DeleteSubrange(cap, r->sample_rows_size() - cap);
    r->set_sample_truncated(true);
  }
  if (options_.queue_capacity == 0) {
    std::lock_guard<std::mutex> w(write_mu_);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (closing_ || closed_)
        return absl::FailedPreconditionError("recorder is closed");
      if (!failure_.ok()) {
        ++stats_.refused;
        return failure_;
      }
      ++appended_;
    }
    absl::Status s = WriteLocked(record);
    Recycle(record);
    std::lock_guard<std::mutex> l(mu_);
    ++processed_;
    if (!s.ok() && failure_.ok()) failure_ = s;
    return s;
  }

  std::unique_lock<std::mutex> l(mu_);
  if (closing_ || closed_)
    return absl::FailedPreconditionError("recorder is closed");
  if (!failure_.ok()) {
    ++stats_.refused;
    return failure_;
  }
  if (!overloaded_ && queue_.size() >= options_.queue_capacity) {
    if (options_.when_full == WhenFull::kBlock) {
      ++stats_.blocked;
      not_full_.wait_for(
          l, std::chrono::milliseconds(options_.block_timeout_ms), [&] {
            return queue_.size() < options_.queue_capacity || closing_ ||
                   !failure_.ok();
          });
      if (closing_) return absl::FailedPreconditionError("recorder is closed");
      if (!failure_.ok()) {
        ++stats_.refused;
        return failure_;
      }
    }
    if (queue_.size() >= options_.queue_capacity) overloaded_ = true;
  }
  if (overloaded_) {
    ++stats_.refused;
    return absl::ResourceExhaustedError(
        absl::StrCat("recorder queue full (", options_.queue_capacity,
                     " records): the session must end"));
  }
  queue_.push_back(std::move(record));
  ++appended_;
  if (queue_.size() > stats_.max_queue) stats_.max_queue = queue_.size();
  // The writer sleeps on an empty queue, then (batch_delay_us) lets a
  // batch gather: wake it for the first record, and when the queue is half
  // full, so a busy data path makes no futex call per event.
  const bool wake = queue_.size() == 1 || queue_.size() == HalfQueue();
  l.unlock();
  if (wake) not_empty_.notify_one();
  return absl::OkStatus();
}

#define HOOP_SESSION_EVENT_(Method, field)          \
  absl::Status Recorder::Method(v1::Method event) { \
    v1::Record r;                                   \
    *r.mutable_##field() = std::move(event);        \
    return Append(std::move(r));                    \
  }
HOOP_SESSION_EVENT_(Command, command)
HOOP_SESSION_EVENT_(Approval, approval)
HOOP_SESSION_EVENT_(Result, result)
HOOP_SESSION_EVENT_(Output, output)
HOOP_SESSION_EVENT_(Error, error)
#undef HOOP_SESSION_EVENT_

absl::Status Recorder::TakeResult(v1::Result* event) {
  std::unique_ptr<v1::Result> held;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!result_pool_.empty()) {
      held = std::move(result_pool_.back());
      result_pool_.pop_back();
    }
  }
  if (held == nullptr) held = std::make_unique<v1::Result>();
  held->Swap(event);  // *event: the recycled, empty one
  v1::Record r;
  r.set_allocated_result(held.release());
  return Append(std::move(r));
}

void Recorder::Recycle(v1::Record& record) {
  // A handful is enough: the data path takes one per result, the writer
  // gives back a batch at a time.
  constexpr size_t kMaxPooled = 64;
  if (!record.has_result()) return;
  std::unique_ptr<v1::Result> r(record.release_result());
  r->Clear();
  std::lock_guard<std::mutex> l(mu_);
  if (result_pool_.size() < kMaxPooled) result_pool_.push_back(std::move(r));
}

absl::Status Recorder::Start(v1::SessionStart event) {
  v1::Record r;
  *r.mutable_start() = std::move(event);
  return Append(std::move(r));
}

absl::Status Recorder::End(v1::SessionEnd event) {
  v1::Record r;
  *r.mutable_end() = std::move(event);
  return Append(std::move(r));
}

size_t Recorder::HalfQueue() const {
  // Half the queue, and at most kWakeBatch records: batches stay small
  // enough for the Result pool (Recycle) to cover them.
  constexpr size_t kWakeBatch = 64;
  return std::max<size_t>(1, std::min(options_.queue_capacity / 2, kWakeBatch));
}

void Recorder::WriterLoop() {
  bool dirty = false;
  const bool linger = options_.batch_delay_us > 0 &&
                      options_.durability != Durability::kEveryRecord;
  // Swapped with the queue each round: both keep their blocks.
  std::deque<v1::Record> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      auto ready = [&] { return !queue_.empty() || closing_; };
      if (dirty && options_.durability == Durability::kInterval) {
        not_empty_.wait_for(
            l, std::chrono::milliseconds(options_.sync_interval_ms), ready);
      } else {
        not_empty_.wait(l, ready);
      }
      if (queue_.empty() && closing_) break;
      if (linger && !queue_.empty()) {
        // Let the batch gather: one wake-up per batch, not per record.
        not_empty_.wait_for(
            l, std::chrono::microseconds(options_.batch_delay_us), [&] {
              return queue_.size() >= HalfQueue() || closing_ ||
                     flush_waiters_ > 0;
            });
      }
      batch.swap(queue_);
    }
    not_full_.notify_all();
    absl::Status s;
    size_t n = batch.size();
    {
      std::lock_guard<std::mutex> w(write_mu_);
      for (v1::Record& r : batch) {
        absl::Status one = WriteLocked(r);
        if (s.ok()) s = one;
        Recycle(r);
      }
      batch.clear();
      absl::Status sync = MaybeSyncLocked(false);
      if (s.ok()) s = sync;
      dirty = dirty_;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      processed_ += n;
      if (!s.ok() && failure_.ok()) failure_ = s;
    }
    drained_.notify_all();
    not_full_.notify_all();
  }
}

absl::Status Recorder::WriteFramed(v1::Record& record) {
  if (!sink_status_.ok()) return sink_status_;
  record.set_seq(next_seq_);
  record.set_session_id(options_.session_id);
  record.set_prev_hash(prev_hash_);
  // Serialize straight behind the length prefix: one buffer, no copy.
  const size_t size = record.ByteSizeLong();
  if (size > kMaxRecordBytes) {
    sink_status_ = absl::InvalidArgumentError(absl::StrCat(
        "record of ", size, " bytes is larger than ", kMaxRecordBytes,
        ": cap result samples and output chunks"));
    return sink_status_;
  }
  std::string& framed = framed_;
  framed.clear();
  for (uint64_t n = size;; n >>= 7) {
    if (n < 0x80) {
      framed.push_back(static_cast<char>(n));
      break;
    }
    framed.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  const size_t header = framed.size();
  framed.resize(header + size);
  record.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(framed.data() + header));
  absl::Status s = sink_->Write(framed, record);
  if (!s.ok()) {
    sink_status_ = s;
    return s;
  }
  ++next_seq_;
  prev_hash_ = Sha256(std::string_view(framed).substr(header));
  dirty_ = true;
  const size_t framed_size = framed.size();
  // Keep the buffer for the next record unless one huge record grew it.
  if (framed.capacity() > (size_t{1} << 20)) std::string().swap(framed);
  std::lock_guard<std::mutex> l(mu_);
  ++stats_.records;
  stats_.bytes += framed_size;
  if (record.has_checkpoint()) ++stats_.checkpoints;
  return absl::OkStatus();
}

absl::Status Recorder::WriteCheckpointLocked(bool final) {
  v1::Record r;
  r.set_seq(next_seq_);
  r.set_time_ns(Now());
  r.set_session_id(options_.session_id);
  r.set_prev_hash(prev_hash_);
  v1::Checkpoint* c = r.mutable_checkpoint();
  c->set_records(next_seq_);
  c->set_key_id(options_.signing_key->key_id());
  c->set_final(final);
  c->set_signature(options_.signing_key->Sign(CheckpointMessage(r)));
  since_checkpoint_ = 0;
  return WriteFramed(r);
}

absl::Status Recorder::WriteLocked(v1::Record& record) {
  HOOP_RETURN_IF_ERROR(WriteFramed(record));
  if (options_.signing_key.has_value() &&
      ++since_checkpoint_ >= options_.checkpoint_every) {
    HOOP_RETURN_IF_ERROR(WriteCheckpointLocked(false));
  }
  if (options_.durability != Durability::kAtClose)
    return MaybeSyncLocked(false);
  return absl::OkStatus();
}

absl::Status Recorder::MaybeSyncLocked(bool force) {
  if (!sink_status_.ok()) return sink_status_;
  if (!dirty_ && !force) return absl::OkStatus();
  bool due = force;
  switch (options_.durability) {
    case Durability::kEveryRecord:
      due = due || dirty_;
      break;
    case Durability::kInterval:
      due =
          due || Now() - last_sync_ns_ >= options_.sync_interval_ms * 1'000'000;
      break;
    case Durability::kAtClose:
      break;
  }
  if (!due) return absl::OkStatus();
  absl::Status s = sink_->Sync();
  if (!s.ok()) {
    sink_status_ = s;
    return s;
  }
  dirty_ = false;
  last_sync_ns_ = Now();
  std::lock_guard<std::mutex> l(mu_);
  ++stats_.syncs;
  return absl::OkStatus();
}

absl::Status Recorder::Flush() {
  {
    std::unique_lock<std::mutex> l(mu_);
    uint64_t target = appended_;
    if (processed_ < target) {
      ++flush_waiters_;  // the writer stops lingering
      not_empty_.notify_all();
      drained_.wait(l, [&] { return processed_ >= target; });
      --flush_waiters_;
    }
  }
  std::lock_guard<std::mutex> w(write_mu_);
  return MaybeSyncLocked(true);
}

absl::Status Recorder::Close() {
  uint64_t refused = 0;
  bool overloaded = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_ || closing_) return close_status_;
    closing_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> l(mu_);
    refused = stats_.refused;
    overloaded = overloaded_;
  }
  absl::Status s;
  auto keep = [&s](absl::Status one) {
    if (s.ok()) s = std::move(one);
  };
  {
    std::lock_guard<std::mutex> w(write_mu_);
    if (overloaded) {
      std::string why =
          absl::StrCat("recorder queue full (", options_.queue_capacity,
                       " records): ", refused,
                       " event(s) refused; the session was ended closed");
      v1::Record e;
      e.set_time_ns(Now());
      e.mutable_error()->set_kind("recorder");
      e.mutable_error()->set_message(why);
      e.mutable_error()->set_fatal(true);
      keep(WriteLocked(e));
      v1::Record end;
      end.set_time_ns(Now());
      end.mutable_end()->set_reason(v1::END_REASON_RECORDER_OVERLOADED);
      end.mutable_end()->set_detail(why);
      keep(WriteLocked(end));
    }
    if (options_.signing_key.has_value()) keep(WriteCheckpointLocked(true));
    keep(MaybeSyncLocked(true));
    keep(sink_->Close());
  }
  std::lock_guard<std::mutex> l(mu_);
  if (!failure_.ok()) s = failure_;
  close_status_ = s;
  closed_ = true;
  return s;
}

RecorderStats Recorder::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

}  // namespace hoop::session
