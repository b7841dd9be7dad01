// Copyright 2026 The hoop Authors.
//
// Sinks: where a Recorder's framed records go.
//
//   FileSink::Options fo;  fo.dir = "/var/lib/hoop/records";
//   absl::StatusOr<std::unique_ptr<FileSink>> file = FileSink::Create(fo);
//   auto memory = std::make_unique<MemorySink>();   // tests
//   auto cb = std::make_unique<CallbackSink>(
//       [](std::string_view framed, const v1::Record& r) { ...; return
//       absl::OkStatus(); });
//
// A sink receives each record once, in sequence order, already framed (varint
// length + serialized Record) and already chained (prev_hash set). It never
// reorders, drops or rewrites: an error from Write or Sync is returned to the
// Recorder, which stops accepting events and fails the session closed.
//
// Thread-safety: the Recorder calls a sink from one thread at a time (its
// writer). MemorySink's accessors may be called concurrently with that.

#ifndef HOOP_SESSION_SINK_H_
#define HOOP_SESSION_SINK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hoop/session/v1/record.pb.h"

namespace hoop::session {

class Sink {
 public:
  virtual ~Sink() = default;
  // Appends one framed record. `record` is the parsed form of `framed`.
  // LIFETIME: both are valid only during the call.
  virtual absl::Status Write(std::string_view framed,
                             const v1::Record& record) = 0;
  // Makes everything written so far durable (fdatasync for files).
  virtual absl::Status Sync() = 0;
  // Syncs and releases resources. Write after Close is an error.
  virtual absl::Status Close() = 0;
};

// Length-delimited record files.
//
// One file per session, named "<session_id>.hooprec" in `dir` (characters
// outside [A-Za-z0-9._-] in the id become '_'); or, when rotation is on,
// "<session_id>.<first seq, 12 digits>.hooprec", a new file started at a
// record boundary once the current one holds rotate_bytes or is
// rotate_seconds old. The hash chain runs across the files of a session.
//
// Records are gathered in a user-space buffer of buffer_bytes and written
// with write(2) when it fills or on Sync; the buffer may end inside a record,
// so a crash leaves at most one torn record at the end of the file.
//
//   option            default   meaning
//   dir               ""        directory for session files (created if absent)
//   path              ""        exact file instead (no rotation); wins over dir
//   buffer_bytes      65536     0: one write(2) per record
//   rotate_bytes      0         0: never rotate by size
//   rotate_seconds    0         0: never rotate by age
//   file_mode         0600
class FileSink : public Sink {
 public:
  struct Options {
    std::string dir;
    std::string path;
    size_t buffer_bytes = 64 * 1024;
    uint64_t rotate_bytes = 0;
    int64_t rotate_seconds = 0;
    int file_mode = 0600;
  };
  static absl::StatusOr<std::unique_ptr<FileSink>> Create(Options options);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  absl::Status Write(std::string_view framed,
                     const v1::Record& record) override;
  absl::Status Sync() override;
  absl::Status Close() override;

  // Files written so far, in order.
  std::vector<std::string> files() const { return files_; }

 private:
  explicit FileSink(Options options) : options_(std::move(options)) {}
  absl::Status OpenFor(const v1::Record& record);
  absl::Status FlushBuffer();
  absl::Status CloseFile();

  Options options_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t file_bytes_ = 0;
  int64_t opened_ns_ = 0;
  bool closed_ = false;
  std::vector<std::string> files_;
};

// Calls a function per record (the C API's sink). Sync and Close call the
// optional hooks.
class CallbackSink : public Sink {
 public:
  using WriteFn =
      std::function<absl::Status(std::string_view framed, const v1::Record&)>;
  using SyncFn = std::function<absl::Status()>;
  explicit CallbackSink(WriteFn write, SyncFn sync = nullptr,
                        SyncFn close = nullptr)
      : write_(std::move(write)),
        sync_(std::move(sync)),
        close_(std::move(close)) {}
  absl::Status Write(std::string_view framed,
                     const v1::Record& record) override {
    return write_(framed, record);
  }
  absl::Status Sync() override { return sync_ ? sync_() : absl::OkStatus(); }
  absl::Status Close() override { return close_ ? close_() : absl::OkStatus(); }

 private:
  WriteFn write_;
  SyncFn sync_, close_;
};

// Keeps everything in memory: the byte stream exactly as a file would hold
// it, and the parsed records. For tests and small embedders.
class MemorySink : public Sink {
 public:
  absl::Status Write(std::string_view framed,
                     const v1::Record& record) override;
  absl::Status Sync() override;
  absl::Status Close() override;

  // Copies, safe to call while the recorder writes.
  std::string bytes() const;
  std::vector<v1::Record> records() const;
  int syncs() const;
  bool closed() const;
  // Makes the next Write calls fail with `status` (tests of failure paths).
  void FailWrites(absl::Status status);

 private:
  mutable std::mutex mu_;
  std::string bytes_;
  std::vector<v1::Record> records_;
  int syncs_ = 0;
  bool closed_ = false;
  absl::Status fail_;
};

}  // namespace hoop::session

#endif  // HOOP_SESSION_SINK_H_
