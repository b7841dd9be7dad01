// Built against an installed hoop (CMake package or pkg-config), as C++17:
// the public headers stay C++17-clean.
#include <cstdio>
#include <string>

#include "hoop/wire/postgres.h"

int main() {
  namespace pg = hoop::wire::postgres;
  const std::string bytes = pg::Encode(pg::Query{"SELECT 1"});
  pg::Decoder dec(pg::DecoderOptions{1u << 30, 10000, pg::DecoderOptions::Start::kNormal});
  dec.Feed(hoop::wire::Direction::kClientToServer, bytes);
  pg::Frame f;
  if (dec.Next(hoop::wire::Direction::kClientToServer, &f) != pg::DecodeResult::kFrame) return 1;
  auto q = pg::ParseAs<pg::Query>(f);
  if (!q.ok() || q->query != "SELECT 1") return 1;
  std::printf("consumer: decoded %s\n", std::string(pg::MessageTypeName(f.type)).c_str());
  return 0;
}
