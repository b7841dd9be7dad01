// Copyright 2026 The hoop Authors.
//
// Shared by the PostgreSQL fuzz targets: decode a stream of one direction
// from a chosen starting state, whole and in chunks, and check the oracles:
//  - no crash, no over-read (ASan), no unbounded allocation;
//  - every frame the decoder yields parses, and re-encodes to its own bytes,
//    still so when held until the next Feed (the frames' promised lifetime);
//  - chunking changes nothing: the same frames, the same final status.
//
// Input layout: [mode][chunk][stream bytes...]
//   mode % 5: 0 client from startup; 1 client in the normal phase;
//             2 server after a StartupMessage; 3 server in the normal phase;
//             4 server after an SSLRequest.
//   chunk:    0 feeds the stream whole, else in chunks of that many bytes.

#ifndef HOOP_TESTS_FUZZ_POSTGRES_FUZZ_UTIL_H_
#define HOOP_TESTS_FUZZ_POSTGRES_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hoop/wire/postgres.h"

namespace hoop::wire::postgres::fuzz {

struct Result {
  std::vector<std::string> frames;
  std::string status;
};

inline void Check(bool ok) {
  if (!ok) std::abort();
}

inline Result Run(int mode, std::string_view stream, std::size_t chunk) {
  DecoderOptions opts;
  opts.max_message_size = 1 << 20;  // keep the fuzzer's memory small
  if (mode == 1 || mode == 3) opts.start = DecoderOptions::Start::kNormal;
  Decoder dec(opts);
  const Direction dir = mode <= 1 ? Direction::kClientToServer : Direction::kServerToClient;
  // Bring the peer to the state the mode names.
  std::string setup;
  if (mode == 2) setup = Encode(StartupMessage{kProtocol30, {{"user", "fuzz"}}});
  if (mode == 4) setup = Encode(SSLRequest{});
  if (!setup.empty()) {
    dec.Feed(Direction::kClientToServer, setup);
    Frame f;
    Check(dec.Next(Direction::kClientToServer, &f) == DecodeResult::kFrame);
  }
  Result r;
  std::size_t at = 0;
  // Frames are held as views until the next Feed (their promised lifetime)
  // and only then checked and copied.
  std::vector<Frame> cycle;
  auto flush = [&r, &cycle] {
    for (const Frame& f : cycle) {
      absl::StatusOr<Message> m = ParseMessage(f);
      Check(m.ok());
      Check(Encode(*m) == f.bytes);
      if (f.type == MessageType::kDataRow) {
        int cells = 0;
        for (const Value& v : DataRowCells(f)) cells += v.has_value() ? 1 : 0;
        (void)cells;
      }
      r.frames.emplace_back(f.bytes);
    }
    cycle.clear();
  };
  for (;;) {
    Frame f;
    const DecodeResult d = dec.Next(dir, &f);
    if (d == DecodeResult::kFrame) {
      cycle.push_back(f);
      continue;
    }
    flush();
    if (d == DecodeResult::kNeedMore && at < stream.size()) {
      const std::size_t n = chunk == 0 ? stream.size() - at : std::min(chunk, stream.size() - at);
      dec.Feed(dir, stream.substr(at, n));
      at += n;
      continue;
    }
    r.status = std::to_string(static_cast<int>(d)) + " " + dec.status(dir).ToString();
    return r;
  }
}

inline void FuzzOneDirection(const std::uint8_t* data, std::size_t size, bool client) {
  if (size < 2) return;
  const int mode = client ? data[0] % 2 : 2 + data[0] % 3;
  const std::size_t chunk = data[1];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  const Result whole = Run(mode, stream, 0);
  if (chunk != 0) {
    const Result split = Run(mode, stream, chunk);
    Check(split.frames == whole.frames);
    Check(split.status == whole.status);
  }
}

}  // namespace hoop::wire::postgres::fuzz

#endif  // HOOP_TESTS_FUZZ_POSTGRES_FUZZ_UTIL_H_
