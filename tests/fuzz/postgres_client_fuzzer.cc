// Copyright 2026 The hoop Authors.
//
// libFuzzer target: the client (frontend) direction of the PostgreSQL decoder.
// See postgres_fuzz_util.h for the input layout and the oracles.

#include "tests/fuzz/postgres_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hoop::wire::postgres::fuzz::FuzzOneDirection(data, size, /*client=*/true);
  return 0;
}
