// Copyright 2026 The hoop Authors.
//
// Internal: the bounds-checked reader of message bodies, shared by the decoder
// (which validates every frame as it decodes it) and ParseMessage.

#ifndef HOOP_LIB_WIRE_POSTGRES_BODY_H_
#define HOOP_LIB_WIRE_POSTGRES_BODY_H_

#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/status/statusor.h"
#include "hoop/wire/postgres.h"

namespace hoop::wire::postgres::internal {

inline std::uint32_t LoadBE32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) |
         (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]};
}
inline std::uint16_t LoadBE16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>((u[0] << 8) | u[1]);
}

// Reads big-endian integers, NUL-terminated strings and byte runs from a body,
// never past its end. Each method returns false (and names what it wanted in
// `error()`) when the body is too short.
class Reader {
 public:
  explicit Reader(std::string_view body)
      : begin_(body.data()), p_(body.data()), end_(body.data() + body.size()) {}

  bool Int32(std::int32_t* v, const char* what) {
    if (end_ - p_ < 4) return Short(what);
    *v = static_cast<std::int32_t>(LoadBE32(p_));
    p_ += 4;
    return true;
  }
  bool UInt32(std::uint32_t* v, const char* what) {
    if (end_ - p_ < 4) return Short(what);
    *v = LoadBE32(p_);
    p_ += 4;
    return true;
  }
  bool Int16(std::int16_t* v, const char* what) {
    if (end_ - p_ < 2) return Short(what);
    *v = static_cast<std::int16_t>(LoadBE16(p_));
    p_ += 2;
    return true;
  }
  bool Byte(char* v, const char* what) {
    if (end_ - p_ < 1) return Short(what);
    *v = *p_++;
    return true;
  }
  // A NUL-terminated string; the view excludes the NUL.
  bool CString(std::string_view* v, const char* what) {
    const void* nul = std::memchr(p_, 0, static_cast<std::size_t>(end_ - p_));
    if (nul == nullptr) {
      error_ = std::string(what) + ": missing NUL terminator";
      return false;
    }
    const char* z = static_cast<const char*>(nul);
    *v = std::string_view(p_, static_cast<std::size_t>(z - p_));
    p_ = z + 1;
    return true;
  }
  bool Bytes(std::size_t n, std::string_view* v, const char* what) {
    if (static_cast<std::size_t>(end_ - p_) < n) {
      error_ = std::string(what) + ": length " + std::to_string(n) +
               " runs past the end of the message";
      return false;
    }
    *v = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  // A value with an Int32 length prefix; -1 is NULL.
  bool LengthPrefixed(Value* v, const char* what) {
    std::int32_t len = 0;
    if (!Int32(&len, what)) return false;
    if (len == -1) {
      v->reset();
      return true;
    }
    if (len < 0) {
      error_ = std::string(what) + ": negative length " + std::to_string(len);
      return false;
    }
    std::string_view s;
    if (!Bytes(static_cast<std::size_t>(len), &s, what)) return false;
    *v = s;
    return true;
  }
  // A count that prefixes `item_size`-byte (at least) items: rejects counts
  // that cannot fit in what is left, before anything is sized by them.
  bool Count(std::int16_t* n, std::size_t min_item_size, const char* what) {
    if (!Int16(n, what)) return false;
    if (*n < 0) {
      error_ = std::string(what) + ": negative (" + std::to_string(*n) + ")";
      return false;
    }
    if (static_cast<std::size_t>(*n) * min_item_size > remaining()) {
      error_ = std::string(what) + ": " + std::to_string(*n) +
               " does not fit in the message";
      return false;
    }
    return true;
  }
  std::string_view Rest() {
    std::string_view r(p_, static_cast<std::size_t>(end_ - p_));
    p_ = end_;
    return r;
  }
  bool AtEnd() const { return p_ == end_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  std::size_t position() const { return static_cast<std::size_t>(p_ - begin_); }
  const std::string& error() const { return error_; }
  bool Fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

 private:
  bool Short(const char* what) {
    error_ = std::string(what) + ": message ends early";
    return false;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string error_;
};

// True iff a DataRow body's cell lengths add up exactly (the hot path's
// check; CheckDataRow says what is wrong when this is false).
inline bool DataRowValid(std::string_view body) {
  const char* p = body.data();
  const char* const end = p + body.size();
  if (end - p < 2) return false;
  int n = static_cast<std::int16_t>(LoadBE16(p));
  if (n < 0) return false;
  p += 2;
  while (n-- > 0) {
    if (end - p < 4) return false;
    const auto len = static_cast<std::int32_t>(LoadBE32(p));
    p += 4;
    if (len < 0) {
      if (len != -1) return false;
      continue;
    }
    if (end - p < len) return false;
    p += len;
  }
  return p == end;
}

// Parses a body whose type is known. On failure the status message says what
// was wrong, without the "postgres:" prefix (callers add where).
absl::StatusOr<Message> ParseBody(MessageType type, std::string_view body);

// Says what is wrong with a DataRow body that DataRowValid rejected ("" if
// nothing is). Slow path only: the decoder calls it to word its error.
std::string_view CheckDataRow(std::string_view body, std::string* scratch);

}  // namespace hoop::wire::postgres::internal

#endif  // HOOP_LIB_WIRE_POSTGRES_BODY_H_
