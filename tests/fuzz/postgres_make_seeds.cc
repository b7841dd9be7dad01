// Copyright 2026 The hoop Authors.
//
// Writes the seed corpora of the PostgreSQL fuzz targets from the realistic
// session of the codec tests. Run: postgres_make_seeds tests/fuzz/corpus
// (the committed seeds were made this way; crash reproducers are added by
// hand next to them and kept).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hoop/wire/postgres.h"
#include "tests/wire/postgres_test_util.h"

namespace pg = hoop::wire::postgres;
namespace fs = std::filesystem;
using hoop::wire::Direction;

namespace {

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string Prefix(int a, int b) { return std::string{static_cast<char>(a), static_cast<char>(b)}; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const pg::testing::Conversation c = pg::testing::RealisticSession();
  std::string client_startup, client_normal, server_auth, server_normal;
  bool server_ready = false;
  (void)pg::DecodeRecorded(c.client, c.server, [&](Direction dir, const pg::Frame& f) {
    if (dir == Direction::kClientToServer) {
      if (f.type == pg::MessageType::kStartupMessage) client_startup.append(f.bytes);
      if (f.tag != '\0' && f.tag != 'p') client_normal.append(f.bytes);
    } else if (f.type != pg::MessageType::kSSLResponse) {
      (server_ready ? server_normal : server_auth).append(f.bytes);
      if (f.type == pg::MessageType::kReadyForQuery) server_ready = true;
    }
  });
  for (int chunk : {0, 3}) {
    const std::string sfx = "-chunk" + std::to_string(chunk);
    Write(root / "postgres_client", "startup" + sfx, Prefix(0, chunk) + client_startup);
    Write(root / "postgres_client", "ssl-then-startup" + sfx,
          Prefix(0, chunk) + pg::Encode(pg::SSLRequest{}) + client_startup);
    Write(root / "postgres_client", "normal" + sfx, Prefix(1, chunk) + client_normal);
    Write(root / "postgres_server", "auth" + sfx, Prefix(2, chunk) + server_auth + server_normal);
    Write(root / "postgres_server", "normal" + sfx, Prefix(3, chunk) + server_normal);
    Write(root / "postgres_server", "ssl-refused" + sfx,
          Prefix(4, chunk) + "N" + server_auth.substr(0, 40));
    const std::size_t split = c.client.size();
    Write(root / "postgres_conversation", "session" + sfx,
          std::string{static_cast<char>(chunk), static_cast<char>(split >> 8),
                      static_cast<char>(split & 0xff)} +
              c.client + c.server);
  }
  std::printf("seeds written to %s\n", root.c_str());
  return 0;
}
