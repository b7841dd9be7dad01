// Copyright 2026 The hoop Authors.
//
// Fuzz target over everything in hoop::policy that reads untrusted text:
// SQL (both dialects), shell command lines, HTTP/Kubernetes targets, JWTs and
// policy documents. The first byte picks the reader. With -DHOOP_FUZZ=ON and
// clang it is a libFuzzer binary; otherwise policy_fuzz_main.cc replays seeds
// and deterministic mutations of them under ctest (and ASan in CI).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hoop/policy/http.h"
#include "hoop/policy/identity.h"
#include "hoop/policy/policy.h"
#include "hoop/policy/shell.h"
#include "hoop/policy/sql.h"
#include "policy/internal/jws.h"

namespace hp = hoop::policy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 6) {
    case 0:
    case 1: {
      const auto d = data[0] % 6 == 0 ? hp::SqlDialect::kPostgres : hp::SqlDialect::kMySql;
      for (const hp::SqlStatement& s : hp::ClassifySql(in, d)) {
        if (s.offset + s.length > in.size()) __builtin_trap();
        // Nothing unterminated or ambiguous may come out read.
        if ((s.HasFlag(hp::SqlFlag::kUnterminated) ||
             s.HasFlag(hp::SqlFlag::kAmbiguousQuoting)) &&
            s.effect < hp::Effect::kUnknown) {
          __builtin_trap();
        }
      }
      break;
    }
    case 2:
      hp::ClassifyShell(in);
      break;
    case 3: {
      const size_t sp = in.find(' ');
      hp::ClassifyKubernetes(in.substr(0, sp), sp == in.npos ? in : in.substr(sp + 1));
      break;
    }
    case 4: {
      static const hp::Jwks* jwks = [] {
        auto j = hp::Jwks::Parse(
            R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k",)"
            R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})");
        return new hp::Jwks(*j);
      }();
      hp::internal::VerifyJws(in, *jwks, {}).ok();
      hp::Jwks::Parse(in).ok();
      break;
    }
    case 5:
      hp::Policy::FromText(in, "fuzz").ok();
      break;
  }
  return 0;
}
