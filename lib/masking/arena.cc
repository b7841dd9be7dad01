// Copyright 2026 The hoop Authors.

#include "hoop/masking/arena.h"

#include <algorithm>
#include <cstring>

namespace hoop::masking {

Arena::Arena(std::size_t block_bytes)
    : block_bytes_(std::max<std::size_t>(block_bytes, 64)) {}
Arena::Arena(Arena&&) noexcept = default;
Arena& Arena::operator=(Arena&&) noexcept = default;
Arena::~Arena() = default;

char* Arena::Allocate(std::size_t n) {
  used_ += n;
  while (current_ < blocks_.size()) {
    Block& b = blocks_[current_];
    if (b.size - offset_ >= n) {
      char* p = b.data.get() + offset_;
      offset_ += n;
      return p;
    }
    ++current_;
    offset_ = 0;
  }
  std::size_t size = std::max(block_bytes_, n);
  // Not value-initialised: every byte handed out is written by the caller.
  blocks_.push_back({std::unique_ptr<char[]>(new char[size]), size});
  current_ = blocks_.size() - 1;
  offset_ = n;
  return blocks_.back().data.get();
}

std::string_view Arena::Copy(std::string_view s) {
  char* p = Allocate(s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void Arena::Reset() {
  current_ = 0;
  offset_ = 0;
  used_ = 0;
}

}  // namespace hoop::masking
