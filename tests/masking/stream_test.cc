// Copyright 2026 The hoop Authors.
//
// StreamMasker: the output is the same for every way of cutting the input,
// and equals MaskCell over the whole input.

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/stream_masker.h"
#include "hoop/masking/v1/profile.pb.h"

namespace hoop::masking {
namespace {

std::unique_ptr<Masker> ShortProfile() {
  v1::Profile p;
  for (const char* b : {"AWS_ACCESS_KEY_ID", "PAYMENT_CARD", "US_SSN", "IBAN",
                        "PHONE", "IPV4", "IPV6"}) {
    p.add_detectors()->set_builtin(b);
  }
  return std::move(Masker::Create(p)).value();
}

std::string Whole(const Masker& m, std::string_view in) {
  Arena arena;
  return std::string(m.MaskCell(ColumnPlan(), in, &arena, nullptr));
}

std::string Chunked(const Masker& m, std::string_view in,
                    const std::vector<std::size_t>& cuts) {
  StreamMasker sm(m);
  std::string out;
  std::size_t p = 0;
  for (std::size_t c : cuts) {
    sm.Write(in.substr(p, c - p), &out);
    p = c;
  }
  sm.Write(in.substr(p), &out);
  sm.Finish(&out);
  return out;
}

const char kShortInput[] =
    "id 17 card 4111 1111 1111 1111, ssn 123-45-6789 ip 10.0.0.255 "
    "AKIAIOSFODNN7EXAMPLE phone (555) 123-4567 iban DE89 3704 0044 0532 0130 "
    "00 v6 fe80::1 and 2001:db8::1; 1.2.3.4.5 is a version; 4111111111111112 "
    "is not a card; +44 20 7946 0958 end";

TEST(StreamMaskerTest, EverySplitInTwoAndThree) {
  auto m = ShortProfile();
  ASSERT_LT(m->max_match_bytes() + 16, sizeof(kShortInput));
  std::string in = kShortInput;
  std::string want = Whole(*m, in);
  ASSERT_NE(want, in);
  for (std::size_t a = 0; a <= in.size(); ++a) {
    ASSERT_EQ(Chunked(*m, in, {a}), want) << "cut at " << a;
  }
  for (std::size_t a = 0; a <= in.size(); a += 3) {
    for (std::size_t b = a; b <= in.size(); ++b) {
      ASSERT_EQ(Chunked(*m, in, {a, b}), want) << "cuts " << a << "," << b;
    }
  }
}

TEST(StreamMaskerTest, ByteAtATime) {
  auto m = ShortProfile();
  std::string in = std::string(kShortInput) + " " + kShortInput;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < in.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(Chunked(*m, in, cuts), Whole(*m, in));
}

TEST(StreamMaskerTest, HoldsBackOnlyTheLongestMatch) {
  auto m = ShortProfile();
  StreamMasker sm(*m);
  std::string out;
  std::string filler(10000, 'x');
  sm.Write(filler, &out);
  EXPECT_LE(sm.held_bytes(), m->max_match_bytes() + 8);
  EXPECT_EQ(out.size() + sm.held_bytes(), filler.size());
}

// Every detector of the default profile, then every split in two and byte
// at a time.
TEST(StreamMaskerTest, DefaultProfileEverySplit) {
  auto m = Masker::Default();
  const std::string in =
      "user jane.roe@example.com from 192.168.1.20 and fe80::1:2 via "
      "2001:db8::8a2e:370:7334\ncard 4111 1111 1111 1111 ssn 123-45-6789 tel "
      "+1 (555) 123-4567, +44 20 7946 0958\niban DE89 3704 0044 0532 0130 00\n"
      "AKIAIOSFODNN7EXAMPLE aws_secret_access_key = "
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a "
      "xoxb-123456789012-1234567890123-AbCdEfGhIjKl "
      "sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln\n"
      "DATABASE_URL=postgres://app:s3cr3t@db:5432/app\n"
      "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6\n"
      "-----END RSA PRIVATE KEY-----\n"
      "1.2.3.4.5 std::string 12:34:56 4111111111111112 done";
  const std::string want = Whole(*m, in);
  for (std::size_t a = 0; a <= in.size(); ++a) {
    ASSERT_TRUE(Chunked(*m, in, {a}) == want) << "cut at " << a;
  }
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < in.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(Chunked(*m, in, cuts), want);
}

// Random texts from fragments on every detector's edge, cut at random.
TEST(StreamMaskerTest, RandomFragmentsRandomCuts) {
  const std::vector<std::string> frags = {
      " ",
      "\n",
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
      "://",
      "\"",
      "=",
      "1",
      "12",
      "123",
      "4111",
      "0000",
      "255",
      "10.0.0.1",
      "fe80",
      "db8",
      "a",
      "Z",
      "DE89",
      "GB82",
      "WEST",
      "AKIA",
      "IOSFODNN7EXAMPLE",
      "ghp_",
      "16C7e42F292c6912E7710c838347Ae178B4a",
      "xoxb-",
      "1234567890-abcdefghij",
      "sk_live_",
      "4eC39HqLyjWDarjtT1zdp7dc",
      "eyJ",
      "eyJhbGciOi",
      "-----BEGIN ",
      "RSA ",
      "PRIVATE KEY-----",
      "-----END ",
      "MIIBOgIBAAJ",
      "x@y.io",
      "ana",
      "example.com",
      "postgres",
      "user:pw@h",
      "aws_secret_access_key",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "123-45-6789",
      "(555) 123-4567",
      "+1",
      "+44 20",
      "4111 1111 1111 1111",
      "key",
      "ü"};
  auto m = Masker::Default();
  std::mt19937 rng(2024);
  for (int n = 0; n < 20000; ++n) {
    std::string in;
    int parts = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < parts; ++k) in += frags[rng() % frags.size()];
    std::vector<std::size_t> cuts;
    for (std::size_t p = 0;;) {
      p += 1 + rng() % 12;
      if (p >= in.size()) break;
      cuts.push_back(p);
    }
    ASSERT_EQ(Chunked(*m, in, cuts), Whole(*m, in))
        << "case " << n << ": " << in;
  }
}

TEST(StreamMaskerTest, ForwardsSettledOutputAtOnce) {
  auto m = Masker::Default();
  StreamMasker sm(*m);
  std::string out;
  sm.Write("total 48\ndrwxr-xr-x 2 root root 4096 Jan  1 00:00 etc\n", &out);
  EXPECT_EQ(out, "total 48\ndrwxr-xr-x 2 root root 4096 Jan  1 00:00 etc\n");
  out.clear();
  sm.Write("user@host:~$ ", &out);
  EXPECT_EQ(out, "user@host:~$ ");
  out.clear();
  // A value in progress waits for the bytes that decide it.
  sm.Write("card 4111 1111", &out);
  EXPECT_EQ(out, "card ");
  sm.Write(" 1111 1111\n", &out);
  EXPECT_EQ(out, "card [PAYMENT_CARD]\n");
  EXPECT_EQ(sm.held_bytes(), 0u);
}

// RE2's \s has no '\v', so a URL's password may hold one: the stream must
// hold the URL back across it, wherever the stream is cut.
TEST(StreamMaskerTest, UrlPasswordWithAVerticalTabAtEveryCut) {
  auto m = Masker::Default();
  const std::string in = "x postgres://app:s3\vcr3t@db:5432/app y\n";
  const std::string want = Whole(*m, in);
  EXPECT_EQ(want.find("s3\vcr3t"), std::string::npos) << want;
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    EXPECT_EQ(Chunked(*m, in, {cut}), want) << "cut at " << cut;
  }
}

// A private-key BEGIN line glued to a "-----END " ("KEY-------END "): the
// block's END is searched after the BEGIN match, in the whole text and in
// the stream alike, so a later BEGIN line's "PRIVATE KEY-----" near that
// overlapping "-----END " does not make the stream think the block closed
// (found by masking_fuzzer; the whole-text extent runs to the last body
// byte, and the stream must hold back until it has it).
TEST(StreamMaskerTest, PemEndOverlappingTheBeginLineAtEveryCut) {
  auto m = Masker::Default();
  static const char kIn[] =
      "\x13.\xe1xox----------BEGIN RSA PRIVATE KEY-------END \faaa-"
      "AAAAAAAAA:AA---\nMIILB\nBEGIN RSA PRIVATE KEY-----\nMIILB\n"
      "-----END \f\f\f\f\f\f\f\f\f\f\f\f\f\f\f\f\f0.0.0.16\0\0\0\0\0\0\0";
  const std::string in(kIn, sizeof(kIn) - 1);
  const std::string want = Whole(*m, in);
  EXPECT_EQ(want.find("MIILB"), std::string::npos) << want;
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    EXPECT_EQ(Chunked(*m, in, {cut}), want) << "cut at " << cut;
  }
}

TEST(StreamMaskerTest, DefaultProfileRandomSplits) {
  auto m = Masker::Default();
  std::string in;
  const char* lines[] = {
      "user jane.roe@example.com logged in from 192.168.1.20\n",
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9."
      "c2lnbmF0dXJl\n",
      "DATABASE_URL=postgres://app:s3cr3t-pw@db.internal:5432/app\n",
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
      "-----END PRIVATE KEY-----\n",
      "card=4111111111111111&ssn=123-45-6789\n",
      "plain log line with nothing to hide, 12:34:56, std::move, 3.14\n",
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a xoxb-1234567890-abcdefghij\n",
  };
  std::mt19937 rng(7);
  while (in.size() < 60000) in += lines[rng() % 7];
  std::string want = Whole(*m, in);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<std::size_t> cuts;
    std::size_t p = 0;
    while (true) {
      p += 1 + rng() % (trial < 10 ? 64 : 8192);
      if (p >= in.size()) break;
      cuts.push_back(p);
    }
    ASSERT_TRUE(Chunked(*m, in, cuts) == want) << "trial " << trial;
  }
  MaskCounters whole, streamed;
  Arena arena;
  m->MaskCell(ColumnPlan(), in, &arena, &whole);
  StreamMasker sm(*m, &streamed);
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 1000) {
    sm.Write(std::string_view(in).substr(i, 1000), &out);
  }
  sm.Finish(&out);
  for (std::size_t i = 0; i < m->num_counters(); ++i) {
    EXPECT_EQ(whole[i].values, streamed[i].values) << m->counter_name(i);
    EXPECT_EQ(whole[i].bytes, streamed[i].bytes) << m->counter_name(i);
  }
}

TEST(StreamMaskerTest, FailsClosedWhenTheHeldBytesOverflow) {
  MaskerOptions o;
  o.max_value_bytes = 64;  // less than the default profile's hold-back
  auto m = Masker::Default(o);
  StreamMasker sm(*m);
  std::string out;
  // One long word: it may still become a URL's scheme, so all of it is held.
  sm.Write(std::string(100, 'a') + "4111111111111111", &out);
  sm.Finish(&out);
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("4111111111111111")));
  EXPECT_THAT(out, ::testing::HasSubstr("[REDACTED]"));
}

}  // namespace
}  // namespace hoop::masking
