// Copyright 2026 The hoop Authors.
//
// Masking throughput, with its baselines in the same binary:
//
//   BM_Memcpy_{Cells,Documents}    copying each item: the floor
//   BM_Naive_{Cells,Documents}     RE2::GlobalReplace per detector per item,
//                                  with the same patterns (no validation)
//   BM_Masker_{Cells,Documents}    Masker::MaskCell, default profile
//   BM_MaskerStream_Documents      StreamMasker over 16 KiB chunks
//   BM_Masker_*_2Threads           two threads sharing one Masker
//   BM_Masker_PiiCells             diagnostic: only the cells that carry PII
//                                  (those the RE2 path changes), the path
//                                  a masked e-mail column takes on every row
//
// Corpora: bench/masking_corpus.h, 64 MiB each by default
// (HOOP_BENCH_CORPUS_MB=16 for a quicker run). Every benchmark reports
// bytes/s of input, and real time so that the 2-thread figures compare.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/masking_corpus.h"
#include "hoop/masking/masker.h"
#include "hoop/masking/stream_masker.h"
#include "masking/internal/engine.h"
#include "re2/re2.h"

namespace hoop::masking {
namespace {

std::size_t CorpusBytes() {
  const char* mb = std::getenv("HOOP_BENCH_CORPUS_MB");
  std::size_t n = mb ? std::strtoul(mb, nullptr, 10) : 64;
  return (n == 0 ? 64 : n) << 20;
}

const bench::Corpus& Cells() {
  static const bench::Corpus* c =
      new bench::Corpus(bench::MakeCells(CorpusBytes()));
  return *c;
}
const bench::Corpus& Documents() {
  static const bench::Corpus* c =
      new bench::Corpus(bench::MakeDocuments(CorpusBytes()));
  return *c;
}
// The cells the straightforward RE2 path changes, back to back.
const bench::Corpus& PiiCells() {
  static const bench::Corpus* c = [] {
    MaskerOptions o;
    o.prefilter = false;
    const auto slow = Masker::Default(o);
    const bench::Corpus& all = Cells();
    auto* out = new bench::Corpus;
    out->offsets.push_back(0);
    Arena arena(1 << 16);
    for (std::size_t i = 0; i < all.size(); ++i) {
      const std::string_view v = all.item(i);
      if (slow->MaskCell(ColumnPlan(), v, &arena, nullptr).data() == v.data()) {
        continue;
      }
      out->data.append(v.data(), v.size());
      out->offsets.push_back(out->data.size());
      arena.Reset();
    }
    return out;
  }();
  return *c;
}
const Masker& DefaultMasker() {
  static const Masker* m = Masker::Default().release();
  return *m;
}

void Report(benchmark::State& state, const bench::Corpus& c) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(c.data.size()));
  state.counters["items"] = static_cast<double>(c.size());
  state.counters["avg_item_bytes"] =
      static_cast<double>(c.data.size()) / static_cast<double>(c.size());
  state.counters["pii_per_MiB"] =
      static_cast<double>(c.planted.size()) /
      (static_cast<double>(c.data.size()) / (1 << 20));
}

void Memcpy(benchmark::State& state, const bench::Corpus& c) {
  std::string out(c.data.size(), '\0');
  for (auto _ : state) {
    char* dst = out.data();
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string_view v = c.item(i);
      std::memcpy(dst, v.data(), v.size());
      dst += v.size();
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  Report(state, c);
}

// The straightforward baseline: every detector's RE2 over every item,
// rewriting matches with GlobalReplace. Same patterns and RE2 options as the
// masker; no validation, no prefilter.
void Naive(benchmark::State& state, const bench::Corpus& c) {
  std::vector<std::unique_ptr<RE2>> res;
  std::vector<std::string> tokens;
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_longest_match(true);
  o.set_max_mem(64 << 20);
  for (const auto& b : internal::Builtins()) {
    res.push_back(std::make_unique<RE2>(b.pattern, o));
    tokens.push_back(std::string("[") + b.name + "]");
  }
  std::string s;
  std::size_t replaced = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.size(); ++i) {
      s.assign(c.item(i));
      for (std::size_t k = 0; k < res.size(); ++k) {
        replaced += static_cast<std::size_t>(
            RE2::GlobalReplace(&s, *res[k], tokens[k]));
      }
      benchmark::DoNotOptimize(s.data());
    }
  }
  Report(state, c);
  state.counters["replaced"] =
      static_cast<double>(replaced / state.iterations());
}

void MaskItems(benchmark::State& state, const bench::Corpus& c) {
  const Masker& m = DefaultMasker();
  Arena arena(1 << 20);
  MaskCounters counters;
  ColumnPlan plan;
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string_view out = m.MaskCell(plan, c.item(i), &arena, &counters);
      out_bytes += out.size();
      if ((i & 1023) == 0) arena.Reset();
    }
    arena.Reset();
  }
  benchmark::DoNotOptimize(out_bytes);
  Report(state, c);
  std::uint64_t found = 0;
  for (std::size_t i = 0; i < counters.size(); ++i) found += counters[i].values;
  state.counters["masked"] = static_cast<double>(found / state.iterations());
}

// Diagnostics: the quick whole-value test alone over every cell (what most
// cells cost), and a loop that only touches each cell's first byte (the
// per-cell floor of walking the corpus).
void BM_QuickTest_Cells(benchmark::State& state) {
  const bench::Corpus& c = Cells();
  const int before =
      internal::SetKernelLevelForTesting(static_cast<int>(state.range(0)));
  std::size_t maybe = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.size(); ++i) {
      maybe += internal::MayHaveWindows(c.item(i)) ? 1 : 0;
    }
  }
  benchmark::DoNotOptimize(maybe);
  Report(state, c);
  state.counters["maybe"] = static_cast<double>(maybe / state.iterations());
  internal::SetKernelLevelForTesting(before);
}
void BM_Touch_Cells(benchmark::State& state) {
  const bench::Corpus& c = Cells();
  std::size_t sum = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string_view v = c.item(i);
      sum += v.empty() ? 0 : static_cast<unsigned char>(v[0]);
    }
  }
  benchmark::DoNotOptimize(sum);
  Report(state, c);
}

void BM_Memcpy_Cells(benchmark::State& s) { Memcpy(s, Cells()); }
void BM_Memcpy_Documents(benchmark::State& s) { Memcpy(s, Documents()); }
void BM_Naive_Cells(benchmark::State& s) { Naive(s, Cells()); }
void BM_Naive_Documents(benchmark::State& s) { Naive(s, Documents()); }
void BM_Masker_Cells(benchmark::State& s) { MaskItems(s, Cells()); }
void BM_Masker_PiiCells(benchmark::State& s) {
  MaskItems(s, PiiCells());
  s.counters["time_per_cell"] =
      benchmark::Counter(static_cast<double>(PiiCells().size()),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
}
void BM_Masker_Documents(benchmark::State& s) { MaskItems(s, Documents()); }
void BM_Masker_Cells_2Threads(benchmark::State& s) { MaskItems(s, Cells()); }
void BM_Masker_Documents_2Threads(benchmark::State& s) {
  MaskItems(s, Documents());
}

void BM_MaskerStream_Documents(benchmark::State& state) {
  const bench::Corpus& c = Documents();
  const Masker& m = DefaultMasker();
  std::string out;
  for (auto _ : state) {
    StreamMasker sm(m);
    for (std::size_t i = 0; i < c.data.size(); i += 16384) {
      out.clear();
      sm.Write(std::string_view(c.data).substr(i, 16384), &out);
    }
    sm.Finish(&out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, c);
}

// Build the corpora before any timing, and warm the masker up: RE2 builds
// its DFA states lazily, on first use, and the first pass over a corpus
// would otherwise pay for that. Warm it from a second thread too, while
// this one still holds its pattern copy: the 2-thread benchmarks' second
// thread then leases that second copy, warm (threads alive together search
// with different copies of the patterns; see Masker::Rep::Regexps).
void WarmUp() {
  const Masker& m = DefaultMasker();
  Arena arena;
  for (const bench::Corpus* c : {&Cells(), &Documents()}) {
    for (std::size_t i = 0; i < c->size(); i += 4) {
      m.MaskCell(ColumnPlan(), c->item(i), &arena, nullptr);
      arena.Reset();
    }
  }
}
const bool kWarm = [] {
  WarmUp();
  std::thread second(WarmUp);
  second.join();
  return true;
}();

BENCHMARK(BM_Touch_Cells)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_QuickTest_Cells)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Arg(2)
    ->Arg(1)
    ->Arg(0);
BENCHMARK(BM_Memcpy_Cells)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Naive_Cells)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_Masker_Cells)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2);
BENCHMARK(BM_Masker_PiiCells)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1);
BENCHMARK(BM_Masker_Cells_2Threads)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2)
    ->Threads(2);
BENCHMARK(BM_Memcpy_Documents)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Naive_Documents)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_Masker_Documents)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2);
BENCHMARK(BM_Masker_Documents_2Threads)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2)
    ->Threads(2);
BENCHMARK(BM_MaskerStream_Documents)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2);

}  // namespace
}  // namespace hoop::masking

BENCHMARK_MAIN();
