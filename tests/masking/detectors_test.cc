// Copyright 2026 The hoop Authors.
//
// One table per built-in detector: values it must find (whole, and inside
// text) and look-alikes it must leave alone. Each case runs through both the
// prefiltered and the straightforward path.

#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hoop/masking/masker.h"
#include "masking/internal/engine.h"

namespace hoop::masking {
namespace {

struct Case {
  const char* text;
  const char* want;  // the masked span, or nullptr: nothing may be found
};

struct Table {
  const char* detector;
  std::vector<Case> cases;
};

std::string Describe(const Masker& m, std::string_view text,
                     const std::vector<Finding>& f) {
  std::string out;
  for (const Finding& x : f) {
    out += std::string(m.detector_name(x.detector)) + "{" +
           std::string(text.substr(x.offset, x.length)) + "} ";
  }
  return out;
}

const std::vector<Table>& Tables() {
  static const auto* t = new std::vector<Table>{
      {"EMAIL",
       {{"ana@example.com", "ana@example.com"},
        {"mail me: first.last+tag@sub.example.co.uk, thanks",
         "first.last+tag@sub.example.co.uk"},
        {"<bob_o'neil@x.io>", "neil@x.io"},
        {"mailto:carol@example.org", "carol@example.org"},
        {"https://api.example.com/users?email=dan@example.com",
         "dan@example.com"},
        {"not an address: foo@bar", nullptr},
        {"@handle and user@ and @ alone", nullptr},
        {"git@github", nullptr}}},
      {"PAYMENT_CARD",
       {{"4111111111111111", "4111111111111111"},
        {"card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"},
        {"5555-5555-5555-4444", "5555-5555-5555-4444"},
        {"amex 378282246310005.", "378282246310005"},
        {"6011111111111117", "6011111111111117"},
        {"x 1 4000056655665556", "4000056655665556"},
        {"4111111111111112", nullptr},  // Luhn fails
        {"1111111111111117", nullptr},  // passes Luhn, no issuer
        {"order 12345678901234567890123", nullptr},
        {"41111111111111111111", nullptr},  // 20 digits
        {"411111111111", nullptr}}},        // 12 digits
      {"US_SSN",
       {{"123-45-6789", "123-45-6789"},
        {"ssn: 078 05 1120.", "078 05 1120"},
        {"000-12-3456", nullptr},
        {"666-12-3456", nullptr},
        {"912-12-3456", nullptr},
        {"123-00-4567", nullptr},
        {"123-45-0000", nullptr},
        {"123-45 6789", nullptr},
        {"2024-03-15", nullptr},
        {"1123-45-6789", nullptr}}},
      {"PHONE",
       {{"+14155552671", "+14155552671"},
        {"call +44 20 7946 0958 now", "+44 20 7946 0958"},
        {"(555) 123-4567", "(555) 123-4567"},
        {"tel 555-123-4567.", "555-123-4567"},
        {"+1 (555) 123-4567", "+1 (555) 123-4567"},
        {"555.123.4567", "555.123.4567"},
        {"5551234567", nullptr},
        {"2024-03-15 12:34:56", nullptr},
        {"+123", nullptr},
        {"v1.2.3", nullptr}}},
      {"IPV4",
       {{"192.168.10.7", "192.168.10.7"},
        {"from 10.0.0.1:5432", "10.0.0.1"},
        {"255.255.255.255", "255.255.255.255"},
        {"256.1.1.1", nullptr},
        {"1.2.3.4.5", nullptr},
        {"10.0.0", nullptr},
        {"3.14159", nullptr},
        {"192.168.01.1", nullptr}}},
      {"IPV6",
       {{"2001:0db8:85a3:0000:0000:8a2e:0370:7334",
         "2001:0db8:85a3:0000:0000:8a2e:0370:7334"},
        {"host fe80::1 up", "fe80::1"},
        {"[2001:db8::8a2e:370:7334]:443", "2001:db8::8a2e:370:7334"},
        {"::1", "::1"},
        {"::ffff:192.0.2.128", "::ffff:192.0.2.128"},
        {"2001:db8::", "2001:db8::"},
        {"std::string", nullptr},
        {"12:34:56", nullptr},
        {"00:1a:2b:3c:4d:5e", nullptr},
        {"a :: b", nullptr},
        {"1:2:3:4:5:6:7:8:9", nullptr},
        {"12345::1", nullptr}}},
      {"IBAN",
       {{"DE89370400440532013000", "DE89370400440532013000"},
        {"iban DE89 3704 0044 0532 0130 00 ok", "DE89 3704 0044 0532 0130 00"},
        {"GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"},
        {"NO9386011117947", "NO9386011117947"},
        {"DE89370400440532013001", nullptr},  // checksum fails
        {"DE8937040044053201300", nullptr},   // wrong length for DE
        {"ZZ89370400440532013000", nullptr},  // no such country
        {"AB12", nullptr}}},
      {"AWS_ACCESS_KEY_ID",
       {{"AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
        {"key=ASIAY34FZKBOKMUTVV7A;", "ASIAY34FZKBOKMUTVV7A"},
        {"AKIAIOSFODNN7EXAMPLEX", nullptr},
        {"AKIA1234", nullptr}}},
      {"AWS_SECRET_ACCESS_KEY",
       {{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {R"({"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})",
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {"AWS_SECRET_KEY=da39a3ee5e6b4b0d3255bfef95601890afd80709", nullptr},
        {"secret_access_key: short", nullptr}}},
      {"GITHUB_TOKEN",
       {{"ghp_16C7e42F292c6912E7710c838347Ae178B4a",
         "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
        {"token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123",
         "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123"},
        {"ghp_short", nullptr}}},
      {"SLACK_TOKEN",
       {{"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
         "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
        {"xoxz-1234567890", nullptr}}},
      {"STRIPE_KEY",
       {{"sk_live_4eC39HqLyjWDarjtT1zdp7dc",
         "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
        {"rk_test_51H8abcdefghijklmnop", "rk_test_51H8abcdefghijklmnop"},
        {"pk_live_4eC39HqLyjWDarjtT1zdp7dc", nullptr},
        {"sk_live_short", nullptr}}},
      {"JWT",
       {{"Bearer "
         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
         "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
         "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
        {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
         "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0"},
        {"eyJhbGciOiJIUzI1NiJ9", nullptr},
        {"keyJohn", nullptr}}},
      {"PRIVATE_KEY",
       {{"-----BEGIN RSA PRIVATE "
         "KEY-----"
         "\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
         "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE "
         "KEY-----\ntrailer",
         "-----BEGIN RSA PRIVATE "
         "KEY-----"
         "\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
         "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE "
         "KEY-----"},
        {"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",
         "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"},
        {"-----BEGIN PUBLIC "
         "KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
         nullptr},
        {"-----BEGIN CERTIFICATE-----", nullptr}}},
      {"URL_PASSWORD",
       {{"postgres://alice:alice-secret@db.internal:5432/app", "alice-secret"},
        {"DATABASE_URL=mysql://root:p%40ss@10.0.0.5/x", "p%40ss"},
        {"https://user@example.com/", nullptr},
        {"https://example.com/a:b@c", nullptr}}},
  };
  return *t;
}

class DetectorTest : public ::testing::TestWithParam<bool> {};

TEST_P(DetectorTest, Tables) {
  MaskerOptions options;
  options.prefilter = GetParam();
  auto masker = Masker::Default(options);
  for (const Table& table : Tables()) {
    for (const Case& c : table.cases) {
      std::vector<Finding> f = masker->Scan(ColumnPlan(), c.text);
      std::vector<std::string> of_detector;
      for (const Finding& x : f) {
        if (masker->detector_name(x.detector) == table.detector) {
          of_detector.push_back(
              std::string(std::string_view(c.text).substr(x.offset, x.length)));
        }
      }
      if (c.want == nullptr) {
        EXPECT_TRUE(of_detector.empty())
            << table.detector << " must not match: " << c.text << "\n  found "
            << Describe(*masker, c.text, f);
      } else {
        EXPECT_EQ(of_detector, std::vector<std::string>{c.want})
            << table.detector << " on: " << c.text << "\n  found "
            << Describe(*masker, c.text, f);
      }
    }
  }
}

// Mod97Valid takes the remainder only now and then, and looks the
// country's length up by letter pair: the same verdicts as the long
// division by 97 after every character and a scan of the registry, on
// random IBAN-like strings (upper and lower case, spaces, dashes, digits)
// and on a valid IBAN of each of several countries with one digit changed.
bool Mod97Reference(std::string_view s, int country_len) {
  std::string b;
  for (char c : s) {
    if (c == ' ' || c == '-') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    b.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (b.size() < 5 || b.size() > 64) return false;
  if (std::isupper(static_cast<unsigned char>(b[0])) &&
      std::isupper(static_cast<unsigned char>(b[1])) &&
      static_cast<std::size_t>(country_len) != b.size()) {
    return false;
  }
  unsigned rem = 0;
  for (std::size_t k = 0; k < b.size(); ++k) {
    const char c = b[(k + 4) % b.size()];
    rem = std::isdigit(static_cast<unsigned char>(c))
              ? (rem * 10 + static_cast<unsigned>(c - '0')) % 97
              : (rem * 100 + static_cast<unsigned>(c - 'A') + 10) % 97;
  }
  return rem == 1;
}

TEST(Mod97, SameVerdictsAsLongDivision) {
  struct Known {
    const char* iban;
    int len;
  };
  const Known known[] = {{"DE89370400440532013000", 22},
                         {"GB82WEST12345698765432", 22},
                         {"NO9386011117947", 15},
                         {"FR1420041010050500013M02606", 27},
                         {"MT84MALT011000012345MTLCAST001S", 31},
                         {"LC55HEMM000100010012001200023015", 32}};
  for (const Known& k : known) {
    EXPECT_TRUE(internal::Mod97Valid(k.iban)) << k.iban;
    std::string s = k.iban;
    for (std::size_t i = 4; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
      const char was = s[i];
      s[i] = was == '9' ? '0' : static_cast<char>(was + 1);
      EXPECT_EQ(internal::Mod97Valid(s), Mod97Reference(s, k.len)) << s;
      EXPECT_FALSE(internal::Mod97Valid(s)) << s;
      s[i] = was;
    }
  }
  // Strings that do not start with two letters skip the length lookup:
  // the remainder alone decides, so random ones agree with the reference
  // about as often as 1 in 97 is valid.
  std::mt19937 rng(97);
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcz -";
  int valid = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string s = std::to_string(rng() % 100);
    const int len = 3 + static_cast<int>(rng() % 60);
    for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    const bool want = Mod97Reference(s, 0);
    ASSERT_EQ(internal::Mod97Valid(s), want) << s;
    valid += want;
  }
  EXPECT_GT(valid, 1000);
}

std::string PathName(const ::testing::TestParamInfo<bool>& p) {
  return p.param ? "Prefilter" : "Straightforward";
}
INSTANTIATE_TEST_SUITE_P(Paths, DetectorTest, ::testing::Bool(), PathName);

}  // namespace
}  // namespace hoop::masking
