// Copyright 2026 The hoop Authors.
//
// The quick test (MayHaveWindows) gives the same answer under every kernel
// the CPU has (AVX-512BW, AVX2, SSE2), for values anywhere in memory: in
// particular for values that end right before an unreadable page, where the
// AVX2 kernel must not read past the value's page (it reads whole 32-byte
// chunks when they stay within the page of the value's last byte). And
// there too it says "maybe" wherever the prefilter opens a window.

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "masking/internal/engine.h"

namespace hoop::masking {
namespace {

// Two pages: the first readable and writable, the second inaccessible.
class GuardedPage {
 public:
  GuardedPage() {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* m = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    base_ = static_cast<char*>(m);
    if (mprotect(base_ + page_, page_, PROT_NONE) != 0) {
      munmap(base_, 2 * page_);
      base_ = nullptr;
    }
  }
  ~GuardedPage() {
    if (base_ != nullptr) munmap(base_, 2 * page_);
  }
  bool ok() const { return base_ != nullptr; }
  // `s` copied so that it ends at the inaccessible page (at_end) or starts
  // at the readable page's start.
  // LIFETIME: valid until the next Place() or the page's destruction.
  std::string_view Place(const std::string& s, bool at_end) {
    char* at = at_end ? base_ + page_ - s.size() : base_;
    std::memcpy(at, s.data(), s.size());
    return std::string_view(at, s.size());
  }

 private:
  std::size_t page_ = 0;
  char* base_ = nullptr;
};

std::string RandomValue(std::mt19937& rng) {
  static const std::vector<std::string> frags = {
      " ",     "-",    ".",   ":",      "::",   "@",  "_",     "(",
      ")",     "+",    "/",   "://",    "1",    "12", "123",   "1234",
      "0",     "4111", "255", "10.0.0", "fe80", "a",  "Z",     "DE",
      "AKIA",  "ASIA", "I",   "J",      "x",    "ox", "xoxb-", "ey",
      "eyJ",   "ghp_", "sk_", "key",    "KeY",  "=",  "-----", "BEGIN ",
      "(555)", "+1",   "+0",  "555",    "e",    "y",  "k",     "word "};
  std::string s;
  const std::size_t cap = rng() % (internal::kQuickMaxBytes + 1);
  if (rng() % 4 == 0) {
    s.resize(cap);
    for (char& c : s) c = static_cast<char>(rng() % 256);
    return s;
  }
  while (s.size() < cap) s += frags[rng() % frags.size()];
  s.resize(cap);
  return s;
}

TEST(QuickTestKernels, AgreeEverywhereAndNeverReadPastThePage) {
  GuardedPage page;
  ASSERT_TRUE(page.ok());
  const internal::PrefilterPlan all = internal::MakePrefilterPlan(~0u);
  std::mt19937 rng(11);
  const int widest = internal::SetKernelLevelForTesting(2);
  int failures = 0;
  for (int n = 0; n < 60000 && failures < 5; ++n) {
    const std::string s = RandomValue(rng);
    internal::KindWindows w;
    internal::Prefilter(s, 0, all, &w);
    bool answer[3] = {};
    for (int level = 0; level <= 2; ++level) {
      internal::SetKernelLevelForTesting(level);
      answer[level] = internal::MayHaveWindows(s);
      for (bool at_end : {true, false}) {
        const bool there = internal::MayHaveWindows(page.Place(s, at_end));
        if (there != answer[level] && failures++ < 5) {
          ADD_FAILURE() << "level " << level << ": " << there << " at the "
                        << (at_end ? "page's end" : "page's start") << ", "
                        << answer[level] << " in a string: '" << s << "'";
        }
      }
      if (!w.empty() && !answer[level] && failures++ < 5) {
        ADD_FAILURE() << "level " << level << ": a window of kind "
                      << static_cast<int>(w[0].kind)
                      << " but the quick test says no: '" << s << "'";
      }
    }
    if ((answer[0] != answer[1] || answer[1] != answer[2]) && failures++ < 5) {
      ADD_FAILURE() << "kernels disagree (" << answer[0] << answer[1]
                    << answer[2] << "): '" << s << "'";
    }
  }
  internal::SetKernelLevelForTesting(widest);
}

// Every length up to kQuickMaxBytes, at the page's end: a value of digits
// and separators whose last bytes complete a card number (so the answer
// depends on the very last byte), and the same value with its last digit
// replaced.
TEST(QuickTestKernels, LastByteCountsAtThePageEnd) {
  GuardedPage page;
  ASSERT_TRUE(page.ok());
  const int widest = internal::SetKernelLevelForTesting(2);
  for (int level = 0; level <= 2; ++level) {
    internal::SetKernelLevelForTesting(level);
    for (std::size_t n = 13; n <= internal::kQuickMaxBytes; ++n) {
      std::string s(n - 13, 'w');
      s += "4111111111111";  // 13 digits: a card window
      EXPECT_TRUE(internal::MayHaveWindows(page.Place(s, true)))
          << "level " << level << " length " << n;
      s.back() = 'w';  // 12 digits: nothing for a card, SSN, phone, ...
      EXPECT_FALSE(internal::MayHaveWindows(page.Place(s, true)))
          << "level " << level << " length " << n;
    }
  }
  internal::SetKernelLevelForTesting(widest);
}

// The block prefilter (values over 64 bytes) has one instantiation per
// kernel: each gives the same windows as the SSE2 one, for values of up to
// 700 bytes (up to 11 blocks), scanned from a random start.
TEST(BlockPrefilterKernels, SameWindows) {
  const internal::PrefilterPlan all = internal::MakePrefilterPlan(~0u);
  std::mt19937 rng(13);
  const int widest = internal::SetKernelLevelForTesting(2);
  int failures = 0;
  for (int n = 0; n < 20000 && failures < 5; ++n) {
    std::string s;
    const std::size_t cap = rng() % 700;
    while (s.size() < cap) s += RandomValue(rng);
    s.resize(cap);
    const std::size_t begin = s.empty() ? 0 : rng() % (s.size() + 1);
    internal::SetKernelLevelForTesting(0);
    internal::KindWindows want;
    internal::Prefilter(s, begin, all, &want);
    for (int level = 1; level <= 2; ++level) {
      internal::SetKernelLevelForTesting(level);
      internal::KindWindows got;
      internal::Prefilter(s, begin, all, &got);
      bool same = got.size() == want.size();
      for (std::size_t k = 0; same && k < got.size(); ++k) {
        same = got[k].begin == want[k].begin && got[k].end == want[k].end &&
               got[k].kind == want[k].kind;
      }
      if (!same && failures++ < 5) {
        ADD_FAILURE() << "level " << level << ": " << got.size()
                      << " windows, SSE2 " << want.size() << ", from " << begin
                      << " in '" << s << "'";
      }
    }
  }
  internal::SetKernelLevelForTesting(widest);
}

}  // namespace
}  // namespace hoop::masking
