// Copyright 2026 The hoop Authors.
//
// Deterministic corpora for the masking benchmark and tests: the same
// (bytes, seed) always gives the same bytes, on every machine.
//
//  - cells: short result values (ids, names, timestamps, UUIDs, decimals,
//    JSON snippets, hashes, free text; about 40 bytes on average), of which
//    about 3.5% carry one PII value (alone or inside text);
//  - documents: 4-64 KiB JSON and free-text documents with the same PII per
//    byte.
//
// Every planted PII value is recorded, so tests can check that none
// survives masking.

#ifndef HOOP_BENCH_MASKING_CORPUS_H_
#define HOOP_BENCH_MASKING_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoop::masking::bench {

struct Corpus {
  std::string data;  // all items back to back
  std::vector<std::uint64_t>
      offsets;  // item i is data[offsets[i], offsets[i+1])
  // Planted PII: item index and the value.
  std::vector<std::pair<std::size_t, std::string>> planted;

  std::size_t size() const { return offsets.size() - 1; }
  std::string_view item(std::size_t i) const {
    return std::string_view(data).substr(offsets[i],
                                         offsets[i + 1] - offsets[i]);
  }
};

Corpus MakeCells(std::size_t bytes, std::uint64_t seed = 1);
Corpus MakeDocuments(std::size_t bytes, std::uint64_t seed = 2);

}  // namespace hoop::masking::bench

#endif  // HOOP_BENCH_MASKING_CORPUS_H_
