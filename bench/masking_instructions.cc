// Copyright 2026 The hoop Authors.
//
// Masks a corpus twice with the default profile, for counting instructions
// under valgrind, which repeats on a loaded machine where times do not:
//
//   valgrind --tool=callgrind --toggle-collect='MaskAll*'
//       build/bench/masking_instructions cells   (or: documents)
//
// (valgrind hides AVX-512 from the program, so this counts the AVX2
// kernels.) Prints the bytes written, so two builds can be checked to mask
// alike. HOOP_BENCH_CORPUS_MB sets the corpus size (default 4).

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench/masking_corpus.h"
#include "hoop/masking/masker.h"

namespace {

using hoop::masking::Arena;
using hoop::masking::ColumnPlan;
using hoop::masking::Masker;
namespace bench = hoop::masking::bench;

__attribute__((noinline)) std::size_t MaskAll(const Masker& m,
                                              const bench::Corpus& c) {
  Arena arena(1 << 20);
  std::size_t out = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    out += m.MaskCell(ColumnPlan(), c.item(i), &arena, nullptr).size();
    if ((i & 1023) == 0) arena.Reset();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mb = std::getenv("HOOP_BENCH_CORPUS_MB");
  const std::size_t bytes =
      (mb != nullptr && std::atoi(mb) > 0 ? std::atoi(mb) : 4) << 20;
  const bool documents = argc > 1 && std::strcmp(argv[1], "documents") == 0;
  const bench::Corpus c =
      documents ? bench::MakeDocuments(bytes) : bench::MakeCells(bytes);
  const auto m = Masker::Default();
  MaskAll(*m, c);  // RE2 builds its DFA states on first use
  std::printf("%zu\n", MaskAll(*m, c));
  return 0;
}
