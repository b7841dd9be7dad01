// Copyright 2026 The hoop Authors.
//
// Fuzz target for the masker's fast path. For any bytes:
//
//  - the fast path (quick test, prefilter windows, RE2 in windows) finds
//    exactly what the straightforward path (every RE2 over the whole value)
//    finds, for the whole value and when searching from an offset;
//  - where the quick test says "no", the prefilter opens no window, under
//    every block kernel the CPU has;
//  - MaskCell returns the input view itself exactly when nothing is found,
//    and otherwise none of the found bytes' spans survive unmasked;
//  - a stream masked in two chunks cut anywhere gives the same bytes as in
//    one.
//
// The first input byte picks the search offset and the stream cut; the
// rest is the value. Any failure aborts (a crash for libFuzzer). Built by
// tests/masking/CMakeLists.txt; the corpus is masking_corpus/.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hoop/masking/masker.h"
#include "hoop/masking/stream_masker.h"
#include "masking/internal/engine.h"

namespace {

using hoop::masking::Arena;
using hoop::masking::ColumnPlan;
using hoop::masking::Finding;
using hoop::masking::Masker;
using hoop::masking::MaskerOptions;
using hoop::masking::StreamMasker;
namespace internal = hoop::masking::internal;

[[noreturn]] void Fail(const char* what, std::string_view value) {
  std::fprintf(stderr, "masking_fuzzer: %s (value of %zu bytes)\n", what,
               value.size());
  std::abort();
}

const Masker& Fast() {
  static const Masker* m = Masker::Default().release();
  return *m;
}
const Masker& Slow() {
  static const Masker* m = [] {
    MaskerOptions o;
    o.prefilter = false;
    return Masker::Default(o).release();
  }();
  return *m;
}

bool Same(const std::vector<Finding>& a, const std::vector<Finding>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].offset != b[i].offset || a[i].length != b[i].length ||
        a[i].detector != b[i].detector) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knob = data[0];
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::vector<Finding> fast = Fast().Scan(ColumnPlan(), value);
  if (!Same(fast, Slow().Scan(ColumnPlan(), value))) {
    Fail("fast and straightforward findings differ", value);
  }

  // From an offset, the bytes before it as context (the stream's search).
  const std::size_t begin = value.empty() ? 0 : knob % (value.size() + 1);
  {
    internal::Spans a, b;
    internal::RepAccess::Get(Fast()).Find(value, begin, ~std::uint64_t{0}, true,
                                          &a);
    internal::RepAccess::Get(Slow()).Find(value, begin, ~std::uint64_t{0},
                                          false, &b);
    if (a.size() != b.size()) Fail("findings from an offset differ", value);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].begin != b[i].begin || a[i].end != b[i].end ||
          a[i].detector != b[i].detector) {
        Fail("findings from an offset differ", value);
      }
    }
  }

  // The quick test is necessary for every window, under every kernel.
  const internal::PrefilterPlan all = internal::MakePrefilterPlan(~0u);
  for (int level = 0; level <= 2; ++level) {
    const int before = internal::SetKernelLevelForTesting(level);
    internal::KindWindows w;
    internal::Prefilter(value, 0, all, &w);
    const bool maybe = internal::MayHaveWindows(value);
    internal::SetKernelLevelForTesting(before);
    if (!w.empty() && !maybe) Fail("quick test says no to a window", value);
  }

  // MaskCell: the input itself iff nothing found; no found span survives.
  Arena arena;
  const std::string_view out =
      Fast().MaskCell(ColumnPlan(), value, &arena, nullptr);
  if ((out.data() == value.data()) != fast.empty()) {
    Fail("MaskCell's zero-copy result disagrees with Scan", value);
  }
  // A found span of 8 bytes or more that occurs once in the value, and has
  // no '[' (a token such as "[URL_PASSWORD]" could be one: a password may
  // be that text), must not be in the output.
  // The output is searched piece by piece between its tokens ("[NAME]"):
  // a found span may also be part of a token's text (a password
  // "L_PASSWORD]"), and no placeholder byte could stand for a token.
  std::vector<std::string_view> pieces;
  {
    std::size_t start = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] != '[') continue;
      std::size_t j = i + 1;
      while (j < out.size() && ((out[j] >= 'A' && out[j] <= 'Z') ||
                                (out[j] >= '0' && out[j] <= '9') ||
                                out[j] == '_')) {
        ++j;
      }
      if (j > i + 1 && j < out.size() && out[j] == ']') {
        pieces.push_back(out.substr(start, i - start));
        start = j + 1;
        i = j;
      }
    }
    pieces.push_back(out.substr(start));
  }
  for (const Finding& f : fast) {
    const std::string_view raw =
        std::string_view(value).substr(f.offset, f.length);
    if (raw.size() >= 8 && raw.find('[') == std::string_view::npos &&
        value.find(raw) == f.offset &&
        value.find(raw, f.offset + 1) == std::string::npos &&
        std::any_of(pieces.begin(), pieces.end(), [&](std::string_view p) {
          return p.find(raw) != std::string_view::npos;
        })) {
      Fail("a found span survives MaskCell", value);
    }
  }

  // A stream cut anywhere gives the bytes of the uncut stream.
  {
    std::string whole, cut;
    StreamMasker a(Fast());
    a.Write(value, &whole);
    a.Finish(&whole);
    const std::size_t at =
        value.empty() ? 0 : (knob * 131u) % (value.size() + 1);
    StreamMasker b(Fast());
    b.Write(std::string_view(value).substr(0, at), &cut);
    b.Write(std::string_view(value).substr(at), &cut);
    b.Finish(&cut);
    if (whole != cut) Fail("stream output depends on the cut", value);
  }
  return 0;
}
