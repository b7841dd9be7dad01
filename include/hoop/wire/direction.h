// Copyright 2026 The hoop Authors.
//
// Which way bytes flow on a proxied connection. Shared by every protocol codec.

#ifndef HOOP_WIRE_DIRECTION_H_
#define HOOP_WIRE_DIRECTION_H_

#include <cstdint>
#include <string_view>

namespace hoop::wire {

enum class Direction : std::uint8_t {
  kClientToServer = 0,  // what the user's client sent (PostgreSQL: frontend)
  kServerToClient = 1,  // what the resource sent back (PostgreSQL: backend)
};

// "client" or "server": the side that sent the bytes.
constexpr std::string_view DirectionName(Direction d) {
  return d == Direction::kClientToServer ? "client" : "server";
}

constexpr Direction Opposite(Direction d) {
  return d == Direction::kClientToServer ? Direction::kServerToClient
                                         : Direction::kClientToServer;
}

}  // namespace hoop::wire

#endif  // HOOP_WIRE_DIRECTION_H_
