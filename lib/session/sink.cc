// Copyright 2026 The hoop Authors.

#include "hoop/session/sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hoop/base/status_macros.h"

namespace hoop::session {
namespace {

absl::Status Errno(std::string_view what, const std::string& path) {
  int e = errno;
  return absl::Status(e == ENOSPC ? absl::StatusCode::kResourceExhausted
                                  : absl::StatusCode::kUnavailable,
                      absl::StrCat(absl::string_view(what.data(), what.size()),
                                   " ", path, ": ", std::strerror(e)));
}

std::string SafeId(const std::string& id) {
  std::string out = id;
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (out.empty() || out[0] == '.') out = std::string(1, '_') + out;
  return out;
}

int64_t MonoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Create(Options options) {
  if (options.path.empty() && options.dir.empty()) {
    return absl::InvalidArgumentError("FileSink needs a dir or a path");
  }
  if (options.path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot create ", options.dir, ": ", ec.message()));
    }
  }
  return std::unique_ptr<FileSink>(new FileSink(std::move(options)));
}

FileSink::~FileSink() { (void)Close(); }

absl::Status FileSink::OpenFor(const v1::Record& record) {
  std::string path;
  if (!options_.path.empty()) {
    path = options_.path;
  } else if (options_.rotate_bytes == 0 && options_.rotate_seconds == 0) {
    path = absl::StrCat(options_.dir, "/", SafeId(record.session_id()),
                        ".hooprec");
  } else {
    path = absl::StrCat(options_.dir, "/", SafeId(record.session_id()), ".",
                        absl::StrFormat("%012d", record.seq()), ".hooprec");
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
               options_.file_mode);
  if (fd_ < 0) return Errno("cannot create", path);
  files_.push_back(path);
  file_bytes_ = 0;
  opened_ns_ = MonoNs();
  return absl::OkStatus();
}

absl::Status FileSink::FlushBuffer() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", files_.back());
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status FileSink::CloseFile() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status s = FlushBuffer();
  if (s.ok() && ::fsync(fd_) != 0) s = Errno("cannot fsync", files_.back());
  ::close(fd_);
  fd_ = -1;
  return s;
}

absl::Status FileSink::Write(std::string_view framed,
                             const v1::Record& record) {
  if (closed_) return absl::FailedPreconditionError("FileSink is closed");
  if (fd_ >= 0 && options_.path.empty() &&
      ((options_.rotate_bytes > 0 && file_bytes_ >= options_.rotate_bytes) ||
       (options_.rotate_seconds > 0 &&
        MonoNs() - opened_ns_ >= options_.rotate_seconds * 1'000'000'000))) {
    HOOP_RETURN_IF_ERROR(CloseFile());
  }
  if (fd_ < 0) HOOP_RETURN_IF_ERROR(OpenFor(record));
  buffer_.append(framed.data(), framed.size());
  file_bytes_ += framed.size();
  if (buffer_.size() >= options_.buffer_bytes) {
    // Writes whole buffers: the last record in it may be cut, which is the
    // torn tail a crash can leave and the reader recovers around.
    HOOP_RETURN_IF_ERROR(FlushBuffer());
  }
  return absl::OkStatus();
}

absl::Status FileSink::Sync() {
  if (fd_ < 0) return absl::OkStatus();
  HOOP_RETURN_IF_ERROR(FlushBuffer());
  if (::fdatasync(fd_) != 0) return Errno("cannot fdatasync", files_.back());
  return absl::OkStatus();
}

absl::Status FileSink::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  absl::Status s = CloseFile();
  if (s.ok() && options_.path.empty() && !files_.empty()) {
    // Make the new directory entries durable too.
    int dfd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return s;
}

absl::Status MemorySink::Write(std::string_view framed,
                               const v1::Record& record) {
  std::lock_guard<std::mutex> l(mu_);
  if (!fail_.ok()) return fail_;
  if (closed_) return absl::FailedPreconditionError("MemorySink is closed");
  bytes_.append(framed.data(), framed.size());
  records_.push_back(record);
  return absl::OkStatus();
}

absl::Status MemorySink::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  ++syncs_;
  return absl::OkStatus();
}

absl::Status MemorySink::Close() {
  std::lock_guard<std::mutex> l(mu_);
  closed_ = true;
  return absl::OkStatus();
}

std::string MemorySink::bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return bytes_;
}
std::vector<v1::Record> MemorySink::records() const {
  std::lock_guard<std::mutex> l(mu_);
  return records_;
}
int MemorySink::syncs() const {
  std::lock_guard<std::mutex> l(mu_);
  return syncs_;
}
bool MemorySink::closed() const {
  std::lock_guard<std::mutex> l(mu_);
  return closed_;
}
void MemorySink::FailWrites(absl::Status status) {
  std::lock_guard<std::mutex> l(mu_);
  fail_ = std::move(status);
}

}  // namespace hoop::session
