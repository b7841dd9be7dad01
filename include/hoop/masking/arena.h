// Copyright 2026 The hoop Authors.
//
// Arena: the caller-owned memory that masked cells are written into.
//
//   hoop::masking::Arena arena;      // one per session or per batch
//   std::string_view out = masker.MaskCell(plan, cell, &arena, &counters);
//   ...                              // forward `out`
//   arena.Reset();                   // after the bytes are sent
//
// It is a bump allocator over a list of blocks: allocation is a pointer
// increment, nothing is freed one by one, and Reset() keeps the blocks for the
// next batch so a steady-state session does not allocate at all.
//
// Thread-safety: none; one Arena per thread (per session). Not copyable
// (views point into it); movable.

#ifndef HOOP_MASKING_ARENA_H_
#define HOOP_MASKING_ARENA_H_

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"

namespace hoop::masking {

class Arena {
 public:
  // `block_bytes` is the size of each block; larger requests get their own.
  explicit Arena(std::size_t block_bytes = 16 * 1024);
  Arena(Arena&&) noexcept;
  Arena& operator=(Arena&&) noexcept;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns `n` writable bytes (n may be 0). Never returns null.
  // LIFETIME: valid until Reset() or destruction.
  char* Allocate(std::size_t n) ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Copies `s` into the arena.
  // LIFETIME: valid until Reset() or destruction.
  std::string_view Copy(std::string_view s) ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Invalidates everything handed out; keeps the blocks for reuse.
  void Reset();

  // Bytes handed out since construction or the last Reset().
  std::size_t used_bytes() const { return used_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;  // index of the block being filled
  std::size_t offset_ = 0;   // bytes used in blocks_[current_]
  std::size_t used_ = 0;
  std::size_t block_bytes_;
};

}  // namespace hoop::masking

#endif  // HOOP_MASKING_ARENA_H_
