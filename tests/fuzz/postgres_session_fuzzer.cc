// Copyright 2026 The hoop Authors.
//
// libFuzzer target: the PostgreSQL Session (verdicts, review, masking) over
// both directions of one connection. Input as postgres_conversation_fuzzer's
// (and its corpus): [chunk][split hi][split lo][bytes...]; bytes[0..split)
// is what the client sent, the rest what the server sent.
// Oracles: no crash, leak or undefined behaviour (run under ASan/UBSan); the
// session's output (bytes each way, close) is the same whole and in chunks;
// a command held for review is approved right after the Feed that held
// it, so with a recorded server stream (whose answers to held commands may
// come "early") only the client's side is compared across chunkings when a
// review happened; without one, both directions must be identical.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hoop/masking/masker.h"
#include "hoop/policy/policy.h"
#include "hoop/session/postgres_session.h"

namespace hs = hoop::session;

namespace {

std::shared_ptr<const hoop::policy::Policy> FuzzPolicy() {
  static const auto* p = [] {
    auto r = hoop::policy::Policy::FromText(R"(
version: hoop.policy/v1
name: fuzz
rules:
  - {id: reads, sql: {effects: [read, session, tx]}, verdict: allow}
  - {id: writes, sql: {effects: [write]}, verdict: review, review: {approver_groups: [dba]}}
  - {id: calls, sql: {kinds: [call, do]}, verdict: review, review: {approver_groups: [dba]}}
  - {id: ddl, sql: {effects: [ddl, admin]}, verdict: deny, message: refused}
)");
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      std::abort();
    }
    return new std::shared_ptr<const hoop::policy::Policy>(*r);
  }();
  return *p;
}

std::shared_ptr<const hoop::masking::Masker> FuzzMasker() {
  static const auto* m = new std::shared_ptr<const hoop::masking::Masker>(
      hoop::masking::Masker::Default());
  return *m;
}

struct Out {
  std::string to_server, to_client;
  bool close = false;
  bool reviewed = false;
};

Out Run(std::string_view client, std::string_view server, std::size_t chunk) {
  hs::PostgresOptions o;
  o.common.session_id = "fuzz";
  o.common.policy = FuzzPolicy();
  o.common.max_held_bytes = 1 << 16;
  o.masker = FuzzMasker();
  o.decoder.max_message_size = 1 << 20;
  o.ssl = hs::PostgresOptions::Encryption::kForward;
  // The "held for approval" notice goes out when the client's command is
  // read, so where it lands among the server's messages depends on timing:
  // leave it out so the output can be compared across chunkings.
  o.notify_review = false;
  auto s = hs::NewPostgresSession(std::move(o));
  if (!s.ok()) std::abort();
  Out out;
  auto take = [&](const hs::Output& r) {
    for (const hs::Slice& x : r.to_server) out.to_server.append(x.data, x.size);
    for (const hs::Slice& x : r.to_client) out.to_client.append(x.data, x.size);
    out.close |= r.close;
    if (std::getenv("HOOP_FUZZ_DUMP") != nullptr) {
      for (const hs::Event& e : r.events) {
        std::fprintf(stderr, "[chunk %zu] %s %llu %s | %s\n", chunk,
                     std::string(hs::EventKindName(e.kind)).c_str(),
                     static_cast<unsigned long long>(e.command_id),
                     e.text.c_str(), e.reason.c_str());
      }
    }
  };
  auto feed = [&](hs::Direction d, std::string_view bytes) {
    const std::size_t n = chunk == 0 ? bytes.size() + 1 : chunk;
    for (std::size_t i = 0; i < bytes.size() && !out.close; i += n) {
      take((*s)->Feed(d, bytes.substr(i, n)));
      while (!out.close && !(*s)->held_requests().empty()) {
        out.reviewed = true;
        take((*s)->Resolve((*s)->held_requests()[0], hs::Resolution::kApprove,
                           "fuzzer", ""));
      }
    }
  };
  feed(hs::Direction::kClientToServer, client);
  feed(hs::Direction::kServerToClient, server);
  take((*s)->Finish(1, "fuzz"));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 3) return 0;
  const std::size_t chunk = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 3,
                               size - 3);
  const std::size_t split = std::min<std::size_t>(
      (std::size_t{data[1]} << 8) | data[2], bytes.size());
  const Out whole = Run(bytes.substr(0, split), bytes.substr(split), 0);
  if (chunk != 0) {
    const Out cut = Run(bytes.substr(0, split), bytes.substr(split), chunk);
    // A fault ends the session where it is found; reviews release held
    // commands between Feeds. Either way, the client's bytes that reached
    // the server are a prefix of one another, in the same order.
    const std::string& shorter = cut.to_server.size() < whole.to_server.size()
                               ? cut.to_server
                               : whole.to_server;
    const std::string& longer = &shorter == &cut.to_server ? whole.to_server
                                                 : cut.to_server;
    const bool timing = whole.reviewed || cut.reviewed || whole.close ||
                        cut.close;
    const bool same = timing ? (longer.compare(0, shorter.size(), shorter) == 0 &&
                                (whole.close || cut.close ||
                                 shorter.size() == longer.size()))
                             : (cut.to_server == whole.to_server &&
                                cut.to_client == whole.to_client);
    if (!same) {
      std::fprintf(stderr,
                   "chunk %zu changed the output: to_server %zu vs %zu, "
                   "to_client %zu vs %zu, close %d vs %d\n",
                   chunk, cut.to_server.size(), whole.to_server.size(),
                   cut.to_client.size(), whole.to_client.size(), cut.close,
                   whole.close);
      if (const char* dump = std::getenv("HOOP_FUZZ_DUMP")) {
        // Debugging aid: the two outputs, for hoopctl decode.
        const std::string base(dump);
        auto write = [](const std::string& path, const std::string& b) {
          if (FILE* f = std::fopen(path.c_str(), "wb")) {
            std::fwrite(b.data(), 1, b.size(), f);
            std::fclose(f);
          }
        };
        write(base + ".whole.c2s", whole.to_server);
        write(base + ".whole.s2c", whole.to_client);
        write(base + ".cut.c2s", cut.to_server);
        write(base + ".cut.s2c", cut.to_client);
      }
      std::abort();
    }
  }
  return 0;
}
