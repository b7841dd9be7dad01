// Copyright 2026 The hoop Authors.
//
// The fast path (prefilter windows) finds exactly what the straightforward
// path (every RE2 over the whole value) finds: on both benchmark corpora, on
// random strings built from look-alike fragments, and for stream offsets.
// Also: no planted PII value of either corpus survives masking.
//
// Corpora are 4 MiB each by default (64 MiB with HOOP_FULL_CORPUS=1: the
// benchmark's size; the straightforward path takes minutes there).

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/masking_corpus.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/masker.h"
#include "masking/internal/engine.h"
#include "re2/re2.h"

namespace hoop::masking {
namespace {

std::size_t CorpusBytes() {
  const char* full = std::getenv("HOOP_FULL_CORPUS");
  return (full != nullptr && full[0] == '1') ? (64u << 20) : (4u << 20);
}

std::string Show(const Masker& m, std::string_view text,
                 const std::vector<Finding>& f) {
  std::string out;
  for (const Finding& x : f) {
    out += std::string(m.detector_name(x.detector)) + "@" +
           std::to_string(x.offset) + "{" +
           std::string(text.substr(x.offset, x.length)) + "} ";
  }
  return out;
}

bool SameFindings(const std::vector<Finding>& a,
                  const std::vector<Finding>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].offset != b[i].offset || a[i].length != b[i].length ||
        a[i].detector != b[i].detector) {
      return false;
    }
  }
  return true;
}

class Equivalence : public ::testing::Test {
 protected:
  Equivalence() {
    MaskerOptions slow;
    slow.prefilter = false;
    fast_ = Masker::Default();
    slow_ = Masker::Default(slow);
  }
  void Compare(const bench::Corpus& c, const char* what) {
    int mismatches = 0;
    std::size_t findings = 0;
    for (std::size_t i = 0; i < c.size() && mismatches < 5; ++i) {
      std::string_view v = c.item(i);
      auto a = fast_->Scan(ColumnPlan(), v);
      auto b = slow_->Scan(ColumnPlan(), v);
      findings += a.size();
      if (!SameFindings(a, b)) {
        ++mismatches;
        ADD_FAILURE() << what << " item " << i
                      << "\n  fast: " << Show(*fast_, v, a)
                      << "\n  slow: " << Show(*slow_, v, b)
                      << (v.size() < 300 ? "\n  text: " + std::string(v) : "");
      }
    }
    EXPECT_GE(findings, c.planted.size()) << what;
  }
  void NoSurvivors(const bench::Corpus& c, const char* what) {
    Arena arena;
    int survivors = 0;
    for (const auto& [item, value] : c.planted) {
      std::string out(
          fast_->MaskCell(ColumnPlan(), c.item(item), &arena, nullptr));
      if (out.find(value) != std::string::npos && survivors++ < 5) {
        ADD_FAILURE() << what << " item " << item << ": '" << value
                      << "' survived";
      }
      arena.Reset();
    }
    EXPECT_EQ(survivors, 0) << what;
  }
  std::unique_ptr<Masker> fast_, slow_;
};

TEST_F(Equivalence, Cells) {
  bench::Corpus c = bench::MakeCells(CorpusBytes());
  Compare(c, "cells");
  NoSurvivors(c, "cells");
}

TEST_F(Equivalence, Documents) {
  bench::Corpus c = bench::MakeDocuments(CorpusBytes());
  Compare(c, "documents");
  NoSurvivors(c, "documents");
}

// Random strings from fragments that sit on every gate's edge.
TEST_F(Equivalence, RandomFragments) {
  const std::vector<std::string> frags = {
      " ",
      "-",
      ".",
      ":",
      "::",
      "@",
      "_",
      "(",
      ")",
      "+",
      "/",
      "//",
      "://",
      "\n",
      "\"",
      "'",
      "=",
      "1",
      "12",
      "123",
      "1234",
      "4111",
      "5555",
      "0000",
      "255",
      "256",
      "192.168",
      "10.0.0.1",
      "fe80",
      "db8",
      "ffff",
      "a",
      "Z",
      "DE",
      "DE89",
      "GB82",
      "WEST",
      "AKIA",
      "ASIA",
      "IOSFODNN7EXAMPLE",
      "ghp_",
      "github_pat_",
      "xoxb-",
      "sk_live_",
      "rk_test_",
      "eyJ",
      "eyJhbGciOi",
      "-----BEGIN ",
      "RSA ",
      "PRIVATE KEY-----",
      "-----END ",
      "x@y.io",
      "ana",
      "example.com",
      "postgres",
      "user:pw@h",
      "aws_secret_access_key",
      "SecretAccessKey",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "123-45-6789",
      "(555) 123-4567",
      "+1",
      "+44 20",
      "4111 1111 1111 1111",
      "ü",
      "中",
      "\v",
      "\t",
      "\xff"};
  std::mt19937 rng(12345);
  int mismatches = 0;
  for (int n = 0; n < 60000 && mismatches < 5; ++n) {
    std::string s;
    int parts = 1 + static_cast<int>(rng() % (n % 2 ? 24 : 64));
    for (int k = 0; k < parts; ++k) s += frags[rng() % frags.size()];
    auto a = fast_->Scan(ColumnPlan(), s);
    auto b = slow_->Scan(ColumnPlan(), s);
    if (!SameFindings(a, b)) {
      ++mismatches;
      ADD_FAILURE() << "text: " << s << "\n  fast: " << Show(*fast_, s, a)
                    << "\n  slow: " << Show(*slow_, s, b);
    }
  }
}

// Arbitrary bytes (NUL, high bytes, invalid UTF-8) with a bias towards the
// characters detectors care about.
TEST_F(Equivalence, RandomBytes) {
  const std::string hot = "0123456789 -.:()+@_/IJxyYkeKEAZaz";
  std::mt19937 rng(99);
  Arena arena;
  int mismatches = 0;
  for (int n = 0; n < 20000 && mismatches < 5; ++n) {
    std::string s(rng() % 300, '\0');
    for (char& c : s) {
      c = (rng() % 3 == 0) ? static_cast<char>(rng() % 256)
                           : hot[rng() % hot.size()];
    }
    auto a = fast_->Scan(ColumnPlan(), s);
    auto b = slow_->Scan(ColumnPlan(), s);
    if (!SameFindings(a, b)) {
      ++mismatches;
      ADD_FAILURE() << "case " << n << "\n  fast: " << Show(*fast_, s, a)
                    << "\n  slow: " << Show(*slow_, s, b);
    }
    fast_->MaskCell(ColumnPlan(), s, &arena, nullptr);
    arena.Reset();
  }
}

// Every value at every offset around the 64-byte blocks of the long-text
// prefilter, after fillers that do and do not extend its runs.
TEST_F(Equivalence, BlockBoundaries) {
  const std::vector<std::string> values = {
      "4111 1111 1111 1111",
      "5555555555554444",
      "123-45-6789",
      "(555) 123-4567",
      "+1-202-555-0143",
      "+44 20 7946 0958",
      "10.0.0.1",
      "192.168.100.200",
      "DE89 3704 0044 0532 0130 00",
      "GB82WEST12345698765432",
      "fe80::1:2",
      "ana@example.com",
      "AKIAIOSFODNN7EXAMPLE",
      "postgres://u:pw@h",
      "-----BEGIN PRIVATE KEY-----",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ9.c2ln",
      "xoxb-1234567890-abcdefghij",
      "ASIAIOSFODNN7EXAMPLE",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "sk_live_abcdefghijklmnop1234"};
  const std::vector<std::string> fillers = {"a", " ",   "1", "-", ".",
                                            "A", "x1 ", "e", "y", "K"};
  int mismatches = 0;
  for (const auto& v : values) {
    for (const auto& f : fillers) {
      for (std::size_t k = 30; k < 200 && mismatches < 5; ++k) {
        std::string s;
        while (s.size() < k) s += f;
        s.resize(k);
        s += v;
        s += " tail " + f + f + f;
        auto a = fast_->Scan(ColumnPlan(), s);
        auto b = slow_->Scan(ColumnPlan(), s);
        if (!SameFindings(a, b)) {
          ++mismatches;
          ADD_FAILURE() << "offset " << k << " text: " << s
                        << "\n  fast: " << Show(*fast_, s, a)
                        << "\n  slow: " << Show(*slow_, s, b);
        }
      }
    }
  }
}

TEST(BlockKernels, Sse2AndAvx2Agree) {
  std::string s;
  for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
  s += "4111 1111-1111.1111 +1 (555) AKIA_xoxb-eyJ ::// key: Key KEY y Y ";
  s += s;
  EXPECT_TRUE(internal::BlockKernelsAgree(s));
}

// The quick whole-value test that lets most short cells skip the prefilter
// is a necessary condition: wherever the prefilter opens a window (for any
// plan), it says "maybe". Checked with every block classifier the CPU has.
TEST(QuickTest, NecessaryForEveryWindow) {
  const std::vector<std::string> frags = {
      " ",     "-",    ".",   ":",      "::",   "@",  "_",     "(",
      ")",     "+",    "/",   "://",    "1",    "12", "123",   "1234",
      "0",     "4111", "255", "10.0.0", "fe80", "a",  "Z",     "DE",
      "AKIA",  "ASIA", "I",   "J",      "x",    "ox", "xoxb-", "ey",
      "eyJ",   "ghp_", "sk_", "key",    "KeY",  "=",  "-----", "BEGIN ",
      "(555)", "+1",   "+0",  "555",    "e",    "y",  "k",     "Ak"};
  const internal::PrefilterPlan all = internal::MakePrefilterPlan(~0u);
  std::mt19937 rng(7);
  for (int level = 0; level <= 2; ++level) {
    const int before = internal::SetKernelLevelForTesting(level);
    int misses = 0;
    for (int n = 0; n < 200000 && misses < 5; ++n) {
      std::string s;
      if (n % 4 == 3) {  // arbitrary bytes
        s.resize(rng() % 130);
        for (char& c : s) c = static_cast<char>(rng() % 256);
      } else {
        std::size_t cap = 1 + rng() % internal::kQuickMaxBytes;
        while (s.size() < cap) s += frags[rng() % frags.size()];
        s.resize(cap);
      }
      internal::KindWindows w;
      internal::Prefilter(s, 0, all, &w);
      if (!w.empty() && !internal::MayHaveWindows(s) && misses++ < 5) {
        ADD_FAILURE() << "level " << level << ", window of kind "
                      << static_cast<int>(w[0].kind) << " at " << w[0].begin
                      << " but the quick test says no: '" << s << "'";
      }
    }
    internal::SetKernelLevelForTesting(before);
  }
  // And it lets most cells of the benchmark corpus skip the prefilter.
  bench::Corpus c = bench::MakeCells(1 << 20);
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    internal::KindWindows w;
    internal::Prefilter(c.item(i), 0, all, &w);
    const bool maybe = internal::MayHaveWindows(c.item(i));
    EXPECT_TRUE(w.empty() || maybe) << c.item(i);
    skipped += maybe ? 0 : 1;
  }
  EXPECT_GT(skipped, c.size() * 9 / 10);
}

// PAYMENT_CARD, IBAN, US_SSN and IPV4 are matched by hand on the fast path
// (RE2 on the straightforward one): strings over their alphabets and the bytes
// around their \b (letters, '_', UTF-8 and Latin-1 letters, separators doubled
// or trailing), searched whole and from every offset.
TEST_F(Equivalence, HandMatchersAgreeWithRe2) {
  const std::vector<std::string> frags = {
      "0",    "1",           "4",           "5",        "9",
      "12",   "4111",        "1111",        "0000",     "37",
      "6011", " ",           "-",           "  ",       "--",
      " -",   ".",           "_",           "a",        "z",
      "A",    "D",           "E",           "G",        "B",
      "Z",    "DE",          "GB",          "DE89",     "GB82",
      "WEST", "NL91",        "ABNA",        "X1Y2",     "\xc3\xa9",
      "\xe9", "\xff",        "\n",          "(",        ")",
      "+",    "123-45-6789", "123 45 6789", "10.0.0.1", "255.255.255.255",
      "256",  "01",          "300"};
  std::mt19937 rng(4242);
  int mismatches = 0;
  for (int n = 0; n < 60000 && mismatches < 5; ++n) {
    std::string s;
    const int parts = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < parts; ++k) s += frags[rng() % frags.size()];
    auto a = fast_->Scan(ColumnPlan(), s);
    auto b = slow_->Scan(ColumnPlan(), s);
    if (!SameFindings(a, b)) {
      ++mismatches;
      ADD_FAILURE() << "text: " << s << "\n  fast: " << Show(*fast_, s, a)
                    << "\n  slow: " << Show(*slow_, s, b);
    }
    if (n % 16 != 0) continue;
    for (std::size_t begin = 1; begin < s.size() && mismatches < 5; ++begin) {
      internal::Spans x, y;
      internal::RepAccess::Get(*fast_).Find(s, begin, ~std::uint64_t{0}, true,
                                            &x);
      internal::RepAccess::Get(*slow_).Find(s, begin, ~std::uint64_t{0}, false,
                                            &y);
      bool same = x.size() == y.size();
      for (std::size_t i = 0; same && i < x.size(); ++i) {
        same = x[i].begin == y[i].begin && x[i].end == y[i].end &&
               x[i].detector == y[i].detector;
      }
      if (!same) {
        ++mismatches;
        ADD_FAILURE() << "begin " << begin << " text: " << s;
      }
    }
  }
  // The matchers themselves, against RE2 with the same pattern, from every
  // start and to every window end (findings alone would hide a wrong
  // match that the check then rejects).
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_longest_match(true);
  for (const internal::BuiltinSpec& b : internal::Builtins()) {
    const internal::HandFn hand = internal::HandMatcher(b.kind);
    if (hand == nullptr) continue;
    RE2 re(b.pattern, o);
    ASSERT_TRUE(re.ok());
    int wrong = 0;
    // Most strings are runs of the pattern's own alphabet, with a word
    // byte now and then; half are searched whole.
    std::vector<std::string> dense;
    // Bytes that break the pattern's runs (or a \b): rarer than the rest.
    std::vector<std::string> rare = {"a", "_", "\xe9", "  ", "--", ".."};
    switch (b.kind) {
      case internal::Kind::kCard:
        dense = {"1", "4", "0",  "1234", "1111", "12",
                 " ", "-", "  ", "a",    "_",    "\xe9"};
        break;
      case internal::Kind::kIban:
        dense = {"DE89", "GB82", "WEST", "1234", "AB", "X",
                 "7",    " ",    "  ",   "a",    "_",  "\xe9"};
        break;
      case internal::Kind::kSsn:
        dense = {"1", "123", "12", "1234", "000", "-",
                 " ", "  ",  "--", "a",    "_",   "\xe9"};
        break;
      case internal::Kind::kEmail:
        // Local and domain bytes, '@', dots, long runs (a local part over
        // 64, a label over 63, a top-level domain over 24, more than 8
        // labels), and bytes that end or break it: ' ', '_' and digits
        // after a top-level domain, '@' twice, Latin-1 letters.
        dense = {"a",
                 "x",
                 "co",
                 "com",
                 "Z",
                 "@",
                 ".",
                 "-",
                 "_",
                 "%",
                 "+",
                 "7",
                 "org",
                 "ab",
                 "a.b.",
                 "x.y.z.",
                 "@@",
                 " ",
                 "\xe9",
                 "..",
                 std::string(30, 'l'),
                 std::string(23, 't'),
                 std::string(40, '9'),
                 "ana@ex.io",
                 "a-b.c",
                 "\t",
                 ":",
                 "/"};
        rare = {" ",
                "\xe9",
                "@@",
                "..",
                "\t",
                ":",
                "/",
                std::string(30, 'l'),
                std::string(23, 't'),
                std::string(40, '9')};
        break;
      case internal::Kind::kPhone:
        dense = {"1",    "5",   "0",    "555",    "123", "4567",  "+",
                 "+1",   "+44", "+0",   "(",      ")",   "(555)", " ",
                 "-",    ".",   "  ",   "--",     "..",  "a",     "_",
                 "\xe9", "12",  "1234", "(555) ", "+1 ", "+1-",   "+1("};
        rare = {"a", "_", "\xe9", "  ", "--", ".."};
        break;
      case internal::Kind::kIpv6:
        // Hex groups of 1 to 5, single and double colons, IPv4 tails
        // (also after ::ffff: and ::ffff:0:), and bytes that break them.
        dense = {"1",         "a",         "F",           "0",
                 "ff",        "abcd",      "abcde",       "db8",
                 ":",         "::",        ":::",         "1:",
                 ":1",        "ffff",      "FFFF:",       "0:",
                 "00",        "1.2",       ".",           "255.",
                 "10.0.0.1",  "g",         "\xe9",        " ",
                 "_",         "-",         "192.168.1.1", "::ffff:",
                 "::ffff:0:", "2001:db8:", "1:2:3:4:5:6:"};
        rare = {"g", "\xe9", " ", "_", "-", ":::"};
        break;
      case internal::Kind::kAwsKeyId:
        dense = {"AKIA", "ASIA", "A",   "K",   "I",         "Z",
                 "1",    "ABCD", "09",  "a",   "_",         "-",
                 " ",    "\xe9", "AKI", "ASI", "QWERTYUIOP"};
        rare = {"a", "_", "-", " ", "\xe9"};
        break;
      case internal::Kind::kGithub:
        dense = {"ghp_",       "gho_",       "ghx_",       "github_pat_",
                 "abcdefghij", "ABCDEFGHIJ", "0123456789", "x",
                 "_",          "-",          " ",          "\xe9",
                 "gh",         "github_"};
        rare = {"-", " ", "\xe9"};
        break;
      case internal::Kind::kSlack:
        dense = {"xoxb-", "xoxp-", "xoxz-", "xox", "abcde", "ABC12", "-",
                 "--",    "x",     "_",     " ",   "\xe9",  ".",     "9"};
        rare = {"_", " ", "\xe9", "."};
        break;
      case internal::Kind::kStripe:
        dense = {"sk_live_", "rk_test_", "sk_test_", "sk_", "pk_live_",
                 "abcdefgh", "ABCD1234", "_",        "x",   "-",
                 " ",        "\xe9",     "live",     "k"};
        rare = {"-", " ", "\xe9"};
        break;
      case internal::Kind::kJwt:
        dense = {"eyJ", "abc",  "A-_", ".", ".eyJ", "eyJhbGci", "x",
                 " ",   "\xe9", "=",   "_", "-",    "ey",       "J"};
        rare = {" ", "\xe9", "="};
        break;
      default:  // IPv4
        dense = {"1",  "0", "25", "255", "256", "199", "300",
                 "01", ".", "..", "a",   "_",   "\xe9"};
        break;
    }
    for (int n = 0; n < 40000 && wrong < 5; ++n) {
      std::string s;
      const int parts = 1 + static_cast<int>(rng() % 30);
      for (int k = 0; k < parts; ++k) {
        if (n % 4 == 0) {
          s += frags[rng() % frags.size()];
          continue;
        }
        // Separators and word bytes are rarer than the alphabet's runs.
        std::string f = dense[rng() % dense.size()];
        if (std::find(rare.begin(), rare.end(), f) != rare.end() &&
            rng() % 4 != 0) {
          f = dense[0];
        }
        s += f;
      }
      std::size_t p = 0, we = s.size();
      if (n % 2) {
        p = rng() % (s.size() + 1);
        we = p + rng() % (s.size() - p + 1);
      }
      re2::StringPiece m;
      const bool want = re.Match(s, p, we, RE2::UNANCHORED, &m, 1);
      std::size_t hs = 0, he = 0;
      const bool got = hand(s, p, we, &hs, &he);
      const bool same =
          want == got &&
          (!want || (hs == static_cast<std::size_t>(m.data() - s.data()) &&
                     he == hs + m.size()));
      if (!same && wrong++ < 5) {
        ADD_FAILURE() << b.name << " [" << p << ", " << we << ") of '" << s
                      << "': RE2 " << (want ? std::string(m) : "none")
                      << ", hand "
                      << (got ? s.substr(hs, he - hs) : std::string("none"));
      }
    }
  }
  // Fixed cases at the patterns' edges: 12, 13, 19 and 20 digits; a word
  // byte right before or after; an IBAN of 2 and of 8 groups, with and
  // without its tail, followed by a lower-case letter or '_'.
  for (const std::string& s : std::vector<std::string>{
           "411111111111", "4111111111111", "4111111111111111111",
           "41111111111111111111", "a4111111111111111", "4111111111111111_",
           "4111111111111111\xc3\xa9", "4111 1111 1111 1111 ",
           "4111--1111111111111", "4111 1111 1111 1111-",
           "-4111-1111-1111-1111-", "GB82 WEST 1234", "GB82WEST12345698765432",
           "GB82WEST12345698765432a", "GB82WEST12345698765432_",
           "xGB82WEST12345698765432", "DE89 3704 0044 0532 0130 00",
           "DE89 3704 0044 0532 0130 000",
           "DE89 3704 0044 0532 0130 0000 1111 2222 333",
           "DE89370400440532013000 DE89370400440532013000",
           // E-mail: a local part of 64 and 65 bytes, a label of 63 and 64, a
           // top-level domain of 24 and 25, 8 and 9 labels, a digit or '_'
           // after the top-level domain, a URL's user@host, two '@'.
           std::string(64, 'l') + "@example.com",
           std::string(65, 'l') + "@example.com",
           "a@" + std::string(63, 'd') + ".com",
           "a@" + std::string(64, 'd') + ".com", "a@b." + std::string(24, 't'),
           "a@b." + std::string(25, 't'), "a@b.c.d.e.f.g.h.i.jk",
           "a@b.c.d.e.f.g.h.i.j.kl", "a@b.com1", "a@b.com_", "a@b.com.",
           "a@b.com-x.y", "a@@b.com", "a@b@c.com", "x://u:p@h.com a@b.com",
           // Phone: E.164 of 7, 8, 15 and 16 digits, the North American
           // shapes with and without +1, a word byte on either side.
           "+1234567", "+12345678", "+123456789012345", "+1234567890123456",
           "+1 (555) 123-4567", "+1(555)123-4567", "+1555-123-4567",
           "+1-555-123-4567", "(555) 123-4567x", "a555-123-4567",
           "555-123-45678", "+44 20 7946 0958", "+0 555 123 4567",
           // IPv6: each of the pattern's alternatives at its limits, and
           // one group or one part too many.
           "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
           "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8::", "1::8", "1:2:3:4:5:6::8",
           "1:2:3:4:5:6:7::8", "1::3:4:5:6:7:8", "1::3:4:5:6:7:8:9",
           "::2:3:4:5:6:7:8", "::2:3:4:5:6:7:8:9",
           "::", ":::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3.4",
           "::ffff:1.2.3.4", "::FFFF:0:10.0.0.1", "::ffff:0000:255.255.255.255",
           "::ffff:00000:1.2.3.4", "1:2:3:4::1.2.3.4", "1:2:3:4:5::1.2.3.4",
           "fe80::1%eth0", "abcde::1", "2001:db8::8a2e:370:7334",
           "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
           // Tokens: runs at and past their bounds, a word byte or '-'
           // around them.
           "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLEX",
           "xAKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL",
           "ghp_" + std::string(36, 'a'), "ghp_" + std::string(35, 'a'),
           "ghp_" + std::string(251, 'a'), "ghp_" + std::string(252, 'a'),
           "github_pat_" + std::string(255, '_'),
           "github_pat_" + std::string(256, 'b'),
           "xoxb-" + std::string(250, '-'), "xoxb-" + std::string(251, 'c'),
           "xoxb-" + std::string(249, 'c') + "--", "xoxb-abcdefghij-",
           "xoxb-abcdefghi-", "sk_live_" + std::string(247, 'd'),
           "sk_live_" + std::string(248, 'd'), "rk_test_0123456789abcdef",
           "eyJ" + std::string(1000, 'e') + ".eyJ",
           "eyJ" + std::string(1001, 'e') + ".eyJ", "eyJ.eyJ", "eyJa.eyJ",
           "xeyJa.eyJ", "-eyJa.eyJb.c"}) {
    auto a = fast_->Scan(ColumnPlan(), s);
    auto b = slow_->Scan(ColumnPlan(), s);
    EXPECT_TRUE(SameFindings(a, b))
        << "text: " << s << "\n  fast: " << Show(*fast_, s, a)
        << "\n  slow: " << Show(*slow_, s, b);
    // And each hand matcher against RE2 from every start of it.
    for (const internal::BuiltinSpec& spec : internal::Builtins()) {
      const internal::HandFn hand = internal::HandMatcher(spec.kind);
      if (hand == nullptr) continue;
      RE2 re(spec.pattern, o);
      for (std::size_t p = 0; p < s.size(); ++p) {
        re2::StringPiece m;
        const bool want = re.Match(s, p, s.size(), RE2::UNANCHORED, &m, 1);
        std::size_t hs = 0, he = 0;
        const bool got = hand(s, p, s.size(), &hs, &he);
        EXPECT_TRUE(want == got && (!want || (hs == static_cast<std::size_t>(
                                                        m.data() - s.data()) &&
                                              he == hs + m.size())))
            << spec.name << " from " << p << " of '" << s << "': RE2 "
            << (want ? std::string(m) : "none") << ", hand "
            << (got ? s.substr(hs, he - hs) : std::string("none"));
      }
    }
  }
}

// Values of 129-256 bytes are tested in 128-byte pieces 64 bytes apart:
// every value at every offset across the pieces' edges (64, 128, 192),
// after fillers that do and do not extend its runs, and the shapes whose
// parts may lie far apart (IPv6's colons over a long hex run, a card's
// digits in a long run of digits and separators) still say "maybe"
// wherever the prefilter opens a window; and the findings are the
// straightforward path's.
TEST_F(Equivalence, QuickTestPiecesOfLongValues) {
  const std::vector<std::string> values = {
      "4111 1111 1111 1111",
      "5555555555554444",
      "123-45-6789",
      "(555) 123-4567",
      "+1-202-555-0143",
      "+44 20 7946 0958",
      "10.0.0.1",
      "192.168.100.200",
      "DE89 3704 0044 0532 0130 00",
      "GB82WEST12345698765432",
      "fe80::1:2",
      "1:2:3:4:5:6:7:8",
      "ana@example.com",
      "AKIAIOSFODNN7EXAMPLE",
      "postgres://u:pw@h",
      "-----BEGIN PRIVATE KEY-----",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ9.c2ln",
      "xoxb-1234567890-abcdefghij",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "sk_live_abcdefghijklmnop1234",
      "aws_secret_access_key = "
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  const std::vector<std::string> fillers = {"a",   " ", "1", "-",  ".", "A",
                                            "x1 ", "e", ":", "1 ", "f"};
  const internal::PrefilterPlan all = internal::MakePrefilterPlan(~0u);
  int misses = 0;
  for (int level = 0; level <= 2; ++level) {
    const int before = internal::SetKernelLevelForTesting(level);
    for (const auto& v : values) {
      for (const auto& f : fillers) {
        for (std::size_t k = 0; k + v.size() <= 256 && misses < 5; ++k) {
          std::string s;
          while (s.size() < k) s += f;
          s.resize(k);
          s += v;
          while (s.size() < 256 - (k % 7)) s += f;
          internal::KindWindows w;
          internal::Prefilter(s, 0, all, &w);
          if (!w.empty() && !internal::MayHaveWindows(s)) {
            ++misses;
            ADD_FAILURE() << "level " << level << " offset " << k
                          << ": window but the quick test says no: " << s;
          }
          if (level == 2 && k % 3 == 0) {
            auto a = fast_->Scan(ColumnPlan(), s);
            auto b = slow_->Scan(ColumnPlan(), s);
            if (!SameFindings(a, b)) {
              ++misses;
              ADD_FAILURE() << "offset " << k << " text: " << s
                            << "\n  fast: " << Show(*fast_, s, a)
                            << "\n  slow: " << Show(*slow_, s, b);
            }
          }
        }
      }
    }
    // Parts far apart: ten colons spread over a 200-byte hex run, and a
    // run of 13 digits joined by single separators across an edge.
    std::string colons(200, 'a');
    for (std::size_t i = 10; i < 200; i += 19) colons[i] = ':';
    std::string card(60, 'z');
    card += "1-2-3-4-5-6-7-8-9-0-1-2-3";
    card += std::string(120, 'z');
    for (const std::string& s : {colons, card}) {
      internal::KindWindows w;
      internal::Prefilter(s, 0, all, &w);
      EXPECT_TRUE(w.empty() || internal::MayHaveWindows(s)) << s;
    }
    internal::SetKernelLevelForTesting(before);
  }
}

// The stream path searches from an offset with the bytes before it as
// context; the fast and straightforward paths must agree there too.
TEST_F(Equivalence, FromEveryOffset) {
  std::string s =
      "x ana@example.com 4111 1111 1111 1111 AKIAIOSFODNN7EXAMPLE fe80::1 "
      "postgres://u:pw@h 123-45-6789 +44 20 7946 0958 DE89 3704 0044 0532 0130 "
      "00 10.1.2.3 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";
  for (std::size_t begin = 0; begin <= s.size(); ++begin) {
    internal::Spans a, b;
    internal::Windows ba, bb;
    internal::RepAccess::Get(*fast_).Find(s, begin, ~std::uint64_t{0}, true, &a,
                                          &ba);
    internal::RepAccess::Get(*slow_).Find(s, begin, ~std::uint64_t{0}, false,
                                          &b, &bb);
    ASSERT_EQ(a.size(), b.size()) << "begin " << begin;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].begin, b[i].begin) << "begin " << begin;
      EXPECT_EQ(a[i].end, b[i].end) << "begin " << begin;
      EXPECT_EQ(a[i].detector, b[i].detector) << "begin " << begin;
    }
  }
}

}  // namespace
}  // namespace hoop::masking
