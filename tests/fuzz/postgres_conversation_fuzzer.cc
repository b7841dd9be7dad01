// Copyright 2026 The hoop Authors.
//
// libFuzzer target: both directions of one PostgreSQL connection through
// DecodeRecorded, from the startup packet on.
// Input: [chunk][split hi][split lo][bytes...]; bytes[0..split) is what the
// client sent, the rest what the server sent. Oracles: every frame parses and
// re-encodes to itself; chunking changes neither frames nor the status.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hoop/wire/postgres.h"

namespace pg = hoop::wire::postgres;

namespace {

struct Out {
  std::vector<std::string> frames;
  std::string status;
};

Out Run(std::string_view client, std::string_view server, std::size_t chunk) {
  Out out;
  pg::RecordedOptions opts;
  opts.max_chunk = chunk;
  opts.decoder.max_message_size = 1 << 20;
  const absl::Status s = pg::DecodeRecorded(
      client, server,
      [&out](hoop::wire::Direction dir, const pg::Frame& f) {
        absl::StatusOr<pg::Message> m = pg::ParseMessage(f);
        if (!m.ok() || pg::Encode(*m) != f.bytes) std::abort();
        out.frames.push_back(std::string(hoop::wire::DirectionName(dir)) + std::string(f.bytes));
      },
      opts);
  out.status = s.ToString();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t chunk = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 3, size - 3);
  const std::size_t split = std::min<std::size_t>((std::size_t{data[1]} << 8) | data[2], bytes.size());
  const Out whole = Run(bytes.substr(0, split), bytes.substr(split), 0);
  if (chunk != 0) {
    const Out split_run = Run(bytes.substr(0, split), bytes.substr(split), chunk);
    // Per-direction frame order is fixed; the interleaving may differ.
    auto only = [](const Out& o, char first) {
      std::vector<std::string> v;
      for (const std::string& f : o.frames) {
        if (f[0] == first) v.push_back(f);
      }
      return v;
    };
    if (only(split_run, 'c') != only(whole, 'c') || only(split_run, 's') != only(whole, 's') ||
        split_run.status != whole.status) {
      std::abort();
    }
  }
  return 0;
}
