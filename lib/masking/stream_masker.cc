// Copyright 2026 The hoop Authors.
//
// Why the output does not depend on where chunks are cut. Every finding is
// at most max_len bytes and every check looks at most kLookahead bytes past
// it and kContext bytes before it. So once the buffer holds `max_len +
// kLookahead` bytes past a position S, every finding that starts before S is
// exactly what the whole stream would give. We write out everything before
// S, except that a group of findings still open at S (starting before S,
// ending after it) is held back whole and found again with more data. Each
// detector's search restarts at the cut, which is where the whole-stream
// search would be too: no finding crosses the cut.

#include "hoop/masking/stream_masker.h"

#include <algorithm>

#include "masking/internal/engine.h"

namespace hoop::masking {
namespace {
constexpr std::size_t kLookahead = 8;
constexpr std::size_t kContext = 512;
}  // namespace

StreamMasker::StreamMasker(const Masker& masker, MaskCounters* counters)
    : masker_(&masker), counters_(counters) {}

void StreamMasker::Write(std::string_view chunk, std::string* out) {
  buffer_.append(chunk.data(), chunk.size());
  Process(false, out);
}

void StreamMasker::Finish(std::string* out) {
  Process(true, out);
  buffer_.clear();
  context_ = 0;
}

void StreamMasker::Process(bool final, std::string* out) {
  const Masker::Rep& rep = *masker_->rep_;
  const std::size_t hold = rep.max_len + kLookahead;
  const std::size_t n = buffer_.size();
  if (n <= context_) return;
  std::size_t safe = final ? n : (n > context_ + hold ? n - hold : context_);
  if (safe <= context_) {
    if (n - context_ > rep.options.max_value_bytes) {
      // Fail closed: never forward held bytes we could not decide on.
      if (counters_) counters_->Add(rep.fail_counter(), n - context_);
      out->append(rep.options.fail_token);
      buffer_.clear();
      context_ = 0;
    }
    return;
  }
  std::string_view text(buffer_);
  internal::Spans groups;
  internal::Windows barriers;
  rep.Find(text, context_, ~std::uint64_t{0}, rep.options.prefilter, &groups,
           &barriers);
  // Cut where no match (of any detector, found or skipped) crosses: a match
  // still open at `safe` is held back whole, from its start.
  std::size_t cut = safe;
  for (bool moved = true; moved && !final;) {
    moved = false;
    for (const internal::Window& b : barriers) {
      if (b.begin < cut && b.end > cut) {
        cut = b.begin;
        moved = true;
      }
    }
  }
  internal::Spans done;
  for (const internal::Span& g : groups) {
    if (g.begin >= cut) break;
    done.push_back(g);
  }
  if (cut > context_) {
    if (!rep.Render(text, context_, cut, done, out)) {
      if (counters_) counters_->Add(rep.fail_counter(), cut - context_);
      out->append(rep.options.fail_token);
    } else {
      rep.Count(done, counters_);
    }
  }
  // Keep a little already-written context for boundaries and checks.
  std::size_t keep_from = cut > kContext ? cut - kContext : 0;
  buffer_.erase(0, keep_from);
  context_ = cut - keep_from;
  if (n - cut > rep.options.max_value_bytes) {
    if (counters_) counters_->Add(rep.fail_counter(), n - cut);
    out->append(rep.options.fail_token);
    buffer_.clear();
    context_ = 0;
  }
}

}  // namespace hoop::masking
