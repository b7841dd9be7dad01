// Copyright 2026 The hoop Authors.
//
// Masks a corpus twice with the default profile, for counting instructions
// under valgrind, which repeats on a loaded machine where times do not:
//
//   valgrind --tool=callgrind --toggle-collect='*MaskAll*'
//       build/bench/masking_instructions cells   (or: documents, pii-cells)
//
// The first pass (WarmUp) builds RE2's DFA states and reverse programs;
// only the second (MaskAll) is counted. `pii-cells` is the cells corpus
// reduced to the cells that carry PII (those the straightforward RE2 path
// changes): the path a masked e-mail column takes on every row.
// (valgrind hides AVX-512 from the program, so this counts the AVX2
// kernels.) Prints the bytes written, so two builds can be checked to mask
// alike. HOOP_BENCH_CORPUS_MB sets the corpus size (default 4).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bench/masking_corpus.h"
#include "hoop/masking/masker.h"

namespace {

using hoop::masking::Arena;
using hoop::masking::ColumnPlan;
using hoop::masking::Masker;
namespace bench = hoop::masking::bench;

std::size_t MaskEach(const Masker& m, const bench::Corpus& c) {
  Arena arena(1 << 20);
  std::size_t out = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    out += m.MaskCell(ColumnPlan(), c.item(i), &arena, nullptr).size();
    if ((i & 1023) == 0) arena.Reset();
  }
  return out;
}

__attribute__((noipa)) std::size_t WarmUp(const Masker& m,
                                          const bench::Corpus& c) {
  return MaskEach(m, c);
}
__attribute__((noipa)) std::size_t MaskAll(const Masker& m,
                                           const bench::Corpus& c) {
  return MaskEach(m, c);
}

// The items of `c` that the straightforward path changes.
bench::Corpus PiiOnly(const bench::Corpus& c) {
  hoop::masking::MaskerOptions o;
  o.prefilter = false;
  const auto slow = Masker::Default(o);
  Arena arena(1 << 16);
  bench::Corpus out;
  out.offsets.push_back(0);
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::string_view v = c.item(i);
    if (slow->MaskCell(ColumnPlan(), v, &arena, nullptr).data() == v.data()) {
      continue;
    }
    out.data.append(v.data(), v.size());
    out.offsets.push_back(out.data.size());
    arena.Reset();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mb = std::getenv("HOOP_BENCH_CORPUS_MB");
  const std::size_t bytes =
      (mb != nullptr && std::atoi(mb) > 0 ? std::atoi(mb) : 4) << 20;
  const std::string_view what = argc > 1 ? argv[1] : "cells";
  const bench::Corpus c = what == "documents" ? bench::MakeDocuments(bytes)
                          : what == "pii-cells"
                              ? PiiOnly(bench::MakeCells(bytes))
                              : bench::MakeCells(bytes);
  const auto m = Masker::Default();
  WarmUp(*m, c);  // RE2 builds its DFA states on first use
  std::printf("%zu items, %zu bytes in, %zu bytes out\n", c.size(),
              c.data.size(), MaskAll(*m, c));
  return 0;
}
