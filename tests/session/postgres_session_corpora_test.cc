// Copyright 2026 The hoop Authors.
//
// The PostgreSQL Session over every real PostgreSQL capture in
// ../shared/corpora (live psql/libpq recordings and public pcaps):
//  - allowed everything and masking off, the session is the identity: the
//    server gets exactly the client's bytes and the client the server's;
//  - with a policy that denies and masks, the output is the same for every
//    split of the input (chunks of 1 byte for small streams, 7, 4096, whole).
// Skips when ../shared is absent.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"
#include "hoop/masking/masker.h"
#include "hoop/policy/policy.h"
#include "hoop/session/postgres_session.h"

namespace hoop::session {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path Corpora() {
  if (const char* env = std::getenv("HOOP_CORPORA")) return env;
  return HOOP_CORPORA_DIR;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Stream {
  std::string name;
  std::string c2s, s2c;
};

std::vector<Stream> Streams() {
  std::vector<Stream> out;
  const fs::path root = Corpora();
  for (const auto& [dir, prefix] :
       {std::pair{root / "live", std::string("pg-")},
        std::pair{root / "pcap" / "pgsql", std::string()}}) {
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string fname = e.path().filename().string();
      if (e.path().extension() != ".streams" || fname.rfind(prefix, 0) != 0) {
        continue;
      }
      const json index = json::parse(ReadFile(e.path() / "index.json"));
      for (const json& s : index["streams"]) {
        const int n = s["stream"].get<int>();
        Stream st;
        st.name = e.path().stem().string() + "#" + std::to_string(n);
        st.c2s = ReadFile(e.path() / ("stream-" + std::to_string(n) + ".c2s"));
        st.s2c = ReadFile(e.path() / ("stream-" + std::to_string(n) + ".s2c"));
        out.push_back(std::move(st));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Stream& a, const Stream& b) { return a.name < b.name; });
  return out;
}

std::shared_ptr<const policy::Policy> MakePolicy(const char* text) {
  auto p = policy::Policy::FromText(text);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

struct Outcome {
  std::string to_server, to_client;
  bool closed = false;
  size_t events = 0;
  bool operator==(const Outcome& o) const {
    return to_server == o.to_server && to_client == o.to_client &&
           closed == o.closed && events == o.events;
  }
};

Outcome Feed(const Stream& s, std::shared_ptr<const policy::Policy> policy,
         bool mask, size_t chunk) {
  PostgresOptions o;
  o.common.session_id = "corpus";
  o.common.policy = std::move(policy);
  o.common.resource = {"db", policy::ResourceKind::kPostgres, {}};
  o.common.identity.subject = "tester";
  // The recorded server answered SSLRequest itself.
  o.ssl = PostgresOptions::Encryption::kForward;
  o.gssenc = PostgresOptions::Encryption::kForward;
  o.notify_review = true;
  if (mask) o.masker = masking::Masker::Default();
  auto session = NewPostgresSession(std::move(o));
  EXPECT_TRUE(session.ok());
  Outcome r;
  auto take = [&](const Output& out) {
    for (const Slice& x : out.to_server) r.to_server.append(x.data, x.size);
    for (const Slice& x : out.to_client) r.to_client.append(x.data, x.size);
    r.events += out.events.size();
    r.closed |= out.close;
  };
  // The client's stream first, then the server's: the session must keep
  // them in conversation order itself.
  if (chunk == 0) chunk = std::max(s.c2s.size(), s.s2c.size()) + 1;
  for (size_t i = 0; i < s.c2s.size() && !r.closed; i += chunk) {
    take((*session)->Feed(Direction::kClientToServer, s.c2s.substr(i, chunk)));
  }
  for (size_t i = 0; i < s.s2c.size() && !r.closed; i += chunk) {
    take((*session)->Feed(Direction::kServerToClient, s.s2c.substr(i, chunk)));
  }
  take((*session)->Finish(1, "end of capture"));
  return r;
}

constexpr char kAllowAll[] = R"(
version: hoop.policy/v1
name: allow-all
rules:
  - {id: all, verdict: allow}
)";

constexpr char kStrict[] = R"(
version: hoop.policy/v1
name: strict
rules:
  - id: reads
    sql: {effects: [read, session, tx]}
    verdict: allow
  - id: writes
    sql: {effects: [write]}
    verdict: deny
    message: no writes
)";

TEST(PostgresSessionCorpora, IdentityWhenEverythingIsAllowed) {
  const std::vector<Stream> streams = Streams();
  if (streams.empty()) GTEST_SKIP() << "no corpora at " << Corpora();
  auto allow = MakePolicy(kAllowAll);
  int identical = 0;
  for (const Stream& s : streams) {
    SCOPED_TRACE(s.name);
    const Outcome r = Feed(s, allow, /*mask=*/false, 0);
    if (r.closed) {
      // Malformed captures (the codec rejects them) and end-to-end TLS:
      // what was forwarded is a prefix of the input, never more.
      EXPECT_EQ(s.c2s.compare(0, r.to_server.size(), r.to_server), 0);
      EXPECT_EQ(s.s2c.compare(0, r.to_client.size(), r.to_client), 0);
      continue;
    }
    EXPECT_EQ(r.to_server, s.c2s);
    EXPECT_EQ(r.to_client, s.s2c);
    ++identical;
  }
  EXPECT_GT(identical, 25);
}

TEST(PostgresSessionCorpora, SameOutputForEverySplit) {
  const std::vector<Stream> streams = Streams();
  if (streams.empty()) GTEST_SKIP() << "no corpora at " << Corpora();
  auto strict = MakePolicy(kStrict);
  for (const Stream& s : streams) {
    SCOPED_TRACE(s.name);
    const Outcome whole = Feed(s, strict, /*mask=*/true, 0);
    std::vector<size_t> chunks = {7, 4096};
    if (s.c2s.size() + s.s2c.size() < 16 * 1024) chunks.push_back(1);
    for (size_t chunk : chunks) {
      EXPECT_TRUE(Feed(s, strict, true, chunk) == whole) << "chunk " << chunk;
    }
  }
}

}  // namespace
}  // namespace hoop::session
