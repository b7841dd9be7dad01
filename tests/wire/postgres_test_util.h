// Copyright 2026 The hoop Authors.
//
// Test helpers for the PostgreSQL codec: a realistic conversation built with
// the encoder, and a decoding driver that cuts the streams where told.

#ifndef HOOP_TESTS_WIRE_POSTGRES_TEST_UTIL_H_
#define HOOP_TESTS_WIRE_POSTGRES_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "hoop/wire/postgres.h"

namespace hoop::wire::postgres::testing {

// A frame copied out of the decoder, for comparisons.
struct OwnedFrame {
  Direction dir;
  MessageType type;
  std::uint64_t offset;
  std::string bytes;
  bool operator==(const OwnedFrame&) const = default;
};

std::ostream& operator<<(std::ostream& os, const OwnedFrame& f);

// Both directions of one connection.
struct Conversation {
  std::string client;
  std::string server;
};

// Startup, SCRAM-SHA-256 authentication, simple and extended queries with
// rows and NULLs, COPY in and out, a notice, an error, a notification,
// FunctionCall, an empty query, a portal suspended, termination.
Conversation RealisticSession();

// Decodes with chunk boundaries at the given offsets of each stream (sorted),
// alternating directions as DecodeRecorded does.
absl::Status DecodeWithCuts(const Conversation& c, const std::vector<std::size_t>& client_cuts,
                            const std::vector<std::size_t>& server_cuts,
                            std::vector<OwnedFrame>* frames,
                            DecoderOptions options = {});

// Every frame via DecodeRecorded.
absl::Status DecodeAll(const Conversation& c, std::vector<OwnedFrame>* frames,
                       std::size_t max_chunk = 0, DecoderOptions options = {});

}  // namespace hoop::wire::postgres::testing

#endif  // HOOP_TESTS_WIRE_POSTGRES_TEST_UTIL_H_
