// Copyright 2026 The hoop Authors.
//
// Plain main for policy_fuzzer under g++: seeds plus deterministic mutations
// (byte flips, insertions of syntax characters, truncations, splices).

#include <csignal>
#include <cstdint>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
const std::string* g_current = nullptr;
// An input that runs for more than 10 s is a hang: keep it and fail.
void OnAlarm(int) {
  if (g_current != nullptr) {
    std::ofstream("policy_fuzzer_hang.bin", std::ios::binary) << *g_current;
  }
  static const char kMsg[] = "policy_fuzzer: input ran > 10 s (policy_fuzzer_hang.bin)\n";
  (void)!write(2, kMsg, sizeof kMsg - 1);
  _exit(1);
}
}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 20000;
  const std::vector<std::string> seeds = {
      std::string(1, '\0') + "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d; SELECT $x$;$x$, E'\\'', \"q\"\"\" /* /* */ */",
      std::string(1, '\0') + "EXPLAIN (ANALYZE) COPY (UPDATE t SET a = 1 RETURNING a) TO PROGRAM 'x'; CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END",
      std::string(1, '\1') + "SELECT `a`, \"b\\\"\", 'c\\'' FROM t # x\n/*!50000 DELETE FROM u */; CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END; -- y",
      std::string(1, '\2') + "sudo -u x env A=1 sh -c 'rm -rf / | $(id) `who`' && cat <<E\n$(x)\nE\nfind . -exec rm {} \\; | xargs -n1 kill",
      std::string(1, '\3') + "GET /api/v1/namespaces/ns/pods/x/exec?fieldSelector=metadata.name%3Dx&watch=1",
      std::string(1, '\4') + "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJqb2UifQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
      std::string(1, '\5') + "version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: deny\n    sql: {flags: [no_where], tables: [\"a.*\"]}\n    conditions: {client_cidrs: [\"10.0.0.0/8\"], time_windows: [{start: \"09:00\"}]}\n",
  };
  static const char kSyntax[] = "'\"`$();/*-#\\\n{}[]:,.=<>|&!@?E";
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::signal(SIGALRM, OnAlarm);
  long runs = 0;
  for (const std::string& s : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    ++runs;
  }
  for (long r = 0; r < rounds; ++r) {
    std::string s = seeds[next() % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits && s.size() > 1; ++e) {
      const size_t at = 1 + next() % (s.size() - 1);
      switch (next() % 5) {
        case 0: s[at] = static_cast<char>(next()); break;
        case 1: s.insert(at, 1, kSyntax[next() % (sizeof kSyntax - 1)]); break;
        case 2: s.erase(at, 1 + next() % 8); break;
        case 3: s.resize(at); break;
        case 4: {
          const std::string& o = seeds[next() % seeds.size()];
          s.insert(at, o.substr(1 + next() % (o.size() - 1)));
          break;
        }
      }
    }
    if (s.empty()) continue;
    if (const char* only = std::getenv("HOOP_FUZZ_ONLY"); only && s[0] % 6 != std::atoi(only)) {
      continue;
    }
    g_current = &s;
    alarm(10);
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    } catch (const std::exception& e) {
      // Nothing in hoop::policy may throw; keep the reproducer.
      std::ofstream("policy_fuzzer_crash.bin", std::ios::binary) << s;
      std::fprintf(stderr, "round %ld: exception %s (input in policy_fuzzer_crash.bin)\n",
                   r, e.what());
      return 1;
    }
    ++runs;
  }
  std::printf("policy_fuzzer: %ld inputs, no crash\n", runs);
  return 0;
}
