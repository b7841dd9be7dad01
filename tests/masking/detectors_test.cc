// Copyright 2026 The hoop Authors.
//
// One table per built-in detector: values it must find (whole, and inside
// text) and look-alikes it must leave alone. Each case runs through both the
// prefiltered and the straightforward path.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hoop/masking/masker.h"

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

std::string PathName(const ::testing::TestParamInfo<bool>& p) {
  return p.param ? "Prefilter" : "Straightforward";
}
INSTANTIATE_TEST_SUITE_P(Paths, DetectorTest, ::testing::Bool(), PathName);

}  // namespace
}  // namespace hoop::masking
