// Copyright 2026 The hoop Authors.
//
// PostgreSQL decoding throughput against memcpy of the same bytes.
//
//   BM_Memcpy_DataRow        memcpy of a stream of 1 M DataRows, 64 KiB reads
//   BM_Decode_DataRow        the decoder over the same stream, same reads
//   BM_Decode_DataRow_Cells  ... and every cell visited (what masking needs)
//   BM_Memcpy_Query / BM_Decode_Query: the same for a stream of Query messages
//
// The stream is fed in 64 KiB chunks, as a proxy reads a socket, so frames cut
// by a chunk boundary take the copying path as they would in production.
// Run: build/bench/postgres_decode_bench --benchmark_min_time=2

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "hoop/wire/postgres.h"

namespace pg = hoop::wire::postgres;
using hoop::wire::Direction;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// 1 M DataRows of mixed widths: ids, names, emails, timestamps, decimals,
// NULLs and free text of 0-300 bytes. Deterministic.
const std::string& DataRowStream() {
  static const std::string* s = [] {
    auto* out = new std::string;
    out->reserve(130u << 20);
    std::mt19937_64 rng(42);
    std::string text(400, 'x');
    for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
    std::vector<pg::Value> cells;
    std::string id, amount;
    for (int row = 0; row < 1'000'000; ++row) {
      cells.clear();
      id = std::to_string(row);
      amount = std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100);
      cells.emplace_back(id);
      cells.emplace_back(std::string_view(text).substr(rng() % 100, 4 + rng() % 16));
      cells.emplace_back("jane.roe@example.com");
      cells.emplace_back("2024-01-02 03:04:05+00");
      cells.emplace_back(amount);
      if (rng() % 4 == 0) {
        cells.emplace_back(std::nullopt);
      } else {
        cells.emplace_back(std::string_view(text).substr(0, rng() % 300));
      }
      pg::Encode(pg::DataRow{cells}, out);
    }
    return out;
  }();
  return *s;
}

const std::string& QueryStream() {
  static const std::string* s = [] {
    auto* out = new std::string;
    std::mt19937_64 rng(7);
    std::string q;
    while (out->size() < (64u << 20)) {
      q = "SELECT id, name, email FROM customers WHERE id = " + std::to_string(rng() % 1000000);
      q.append(rng() % 400, ' ');
      pg::Encode(pg::Query{q}, out);
    }
    return out;
  }();
  return *s;
}

void Memcpy(benchmark::State& state, const std::string& stream) {
  std::string dst(kChunk, '\0');
  for (auto _ : state) {
    for (std::size_t at = 0; at < stream.size(); at += kChunk) {
      const std::size_t n = std::min(kChunk, stream.size() - at);
      std::memcpy(dst.data(), stream.data() + at, n);
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}

template <bool kVisitCells>
void Decode(benchmark::State& state, const std::string& stream, Direction dir) {
  std::size_t frames = 0;
  for (auto _ : state) {
    pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
    frames = 0;
    std::size_t cell_bytes = 0;
    for (std::size_t at = 0; at < stream.size(); at += kChunk) {
      dec.Feed(dir, std::string_view(stream).substr(at, kChunk));
      pg::Frame f;
      while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
        ++frames;
        if constexpr (kVisitCells) {
          for (const pg::Value& v : pg::DataRowCells(f)) cell_bytes += v ? v->size() : 0;
        }
        benchmark::DoNotOptimize(f);
      }
    }
    if (!dec.status(dir).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(cell_bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * frames));
}

void BM_Memcpy_DataRow(benchmark::State& state) { Memcpy(state, DataRowStream()); }
void BM_Decode_DataRow(benchmark::State& state) {
  Decode<false>(state, DataRowStream(), Direction::kServerToClient);
}
void BM_Decode_DataRow_Cells(benchmark::State& state) {
  Decode<true>(state, DataRowStream(), Direction::kServerToClient);
}
void BM_Memcpy_Query(benchmark::State& state) { Memcpy(state, QueryStream()); }
void BM_Decode_Query(benchmark::State& state) {
  Decode<false>(state, QueryStream(), Direction::kClientToServer);
}

BENCHMARK(BM_Memcpy_DataRow)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode_DataRow)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode_DataRow_Cells)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Memcpy_Query)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode_Query)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
