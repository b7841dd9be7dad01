// Copyright 2026 The hoop Authors.
//
// StreamMasker: masks a byte stream (SSH channel output, an HTTP body) that
// arrives in chunks, so that a value cut by a chunk boundary is still found.
//
//   StreamMasker sm(*masker, &counters);
//   std::string out;
//   sm.Write(chunk1, &out);   // appends what is safe to forward now
//   sm.Write(chunk2, &out);
//   sm.Finish(&out);          // end of stream: flushes the rest
//
// Output equals MaskCell over the whole stream (with the default column
// plan), for every way of cutting it into chunks. Bytes are held back only
// while they may still be part of a value: the trailing run of characters
// a detector's match could consist of (a word, a number, a "://" URL, an
// unfinished PEM block), never more than Masker::max_match_bytes() + 2.
// Output that cannot be part of a value (a line ending in "\n", a "$ "
// prompt) is forwarded at once; a word being typed waits for the next
// non-word byte, since it might become an address or a key. Profiles with
// custom detectors hold back their max_match_bytes always. If the held
// bytes ever exceed MaskerOptions::max_value_bytes they are replaced by the
// fail token (fail closed) rather than forwarded.
//
// Thread-safety: none; one StreamMasker per stream. The Masker must outlive
// it. Not copyable; movable.

#ifndef HOOP_MASKING_STREAM_MASKER_H_
#define HOOP_MASKING_STREAM_MASKER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "hoop/masking/masker.h"

namespace hoop::masking {

class StreamMasker {
 public:
  // `counters` may be null; if not, it must outlive this object.
  explicit StreamMasker(const Masker& masker, MaskCounters* counters = nullptr);
  StreamMasker(StreamMasker&&) = default;
  StreamMasker& operator=(StreamMasker&&) = default;
  StreamMasker(const StreamMasker&) = delete;
  StreamMasker& operator=(const StreamMasker&) = delete;

  // Consumes `chunk`; appends to `out` every byte that is now final.
  void Write(std::string_view chunk, std::string* out);

  // End of stream: appends everything still held. The StreamMasker may then
  // be reused for a new stream.
  void Finish(std::string* out);

  // Bytes received but not yet written out.
  std::size_t held_bytes() const { return buffer_.size() - context_; }

 private:
  void Process(bool final, std::string* out);

  const Masker* masker_;
  MaskCounters* counters_;
  // buffer_[0, context_) was already written out and is kept only as left
  // context for word boundaries and validators; the rest is held.
  std::string buffer_;
  std::size_t context_ = 0;
};

}  // namespace hoop::masking

#endif  // HOOP_MASKING_STREAM_MASKER_H_
