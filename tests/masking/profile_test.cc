// Copyright 2026 The hoop Authors.
//
// Profiles in YAML and JSON: accepted, and rejected with file, line, field.

#include "hoop/masking/profile.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hoop::masking {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kYaml[] = R"(name: pii-strict
all_builtins: true
default_method: {kind: REDACT}
hash_key: test-key
detectors:
  - builtin: PAYMENT_CARD
    method: {kind: PARTIAL, keep_last: 4}
  - builtin: EMAIL
    method: {kind: HASH}
  - name: EMPLOYEE_ID
    pattern: 'EMP-(\d{6})'
    group: 1
    max_match_bytes: 16
  - name: KNOWN_SECRETS
    deny_list: [alice-secret, bob-secret]
columns:
  - name: '(?i)^(ssn|password|secret.*)$'
    action: MASK
    method: {kind: REDACT, token: "[HIDDEN]"}
  - types: [int4, int8, bool]
    action: EXEMPT
  - name: '(?i)^notes$'
    action: DETECT
    detectors: [EMAIL, EMPLOYEE_ID]
)";

TEST(ProfileTest, YamlCompilesAndMasks) {
  auto m = CompileProfile(kYaml, "pii.yaml");
  ASSERT_TRUE(m.ok()) << m.status();
  Arena arena;
  const Masker& mk = **m;
  EXPECT_EQ(mk.MaskCell("c", "text", "4111 1111 1111 1111", &arena, nullptr),
            "***************1111");
  EXPECT_EQ(mk.MaskCell("c", "text", "id EMP-123456, pw alice-secret", &arena,
                        nullptr),
            "id EMP-[EMPLOYEE_ID], pw [KNOWN_SECRETS]");
  EXPECT_THAT(std::string(mk.MaskCell("c", "text", "a@b.io", &arena, nullptr)),
              ::testing::MatchesRegex(R"(\[EMAIL:[0-9a-f]{16}\])"));
  EXPECT_EQ(mk.MaskCell("Password", "text", "x", &arena, nullptr), "[HIDDEN]");
  std::string_view n = "4111111111111111";
  EXPECT_EQ(mk.MaskCell("n", "INT8", n, &arena, nullptr).data(), n.data());
  EXPECT_EQ(
      mk.MaskCell("notes", "text", "4111111111111111 a@b.io", &arena, nullptr)
          .substr(0, 17),
      "4111111111111111 ");
}

TEST(ProfileTest, JsonIsAcceptedWithJsonNames) {
  constexpr char kJson[] = R"({
  "name": "json",
  "allBuiltins": false,
  "detectors": [
    {"builtin": "US_SSN", "method": {"kind": "SAME_LENGTH"}},
    {"name": "TICKET", "pattern": "T-[0-9]{4}", "maxMatchBytes": 6}
  ]
})";
  auto m = CompileProfile(kJson, "p.json");
  ASSERT_TRUE(m.ok()) << m.status();
  Arena arena;
  EXPECT_EQ((*m)->MaskCell(ColumnPlan(), "123-45-6789 T-1234 a@b.io", &arena,
                           nullptr),
            "*********** [TICKET] a@b.io");
}

struct BadCase {
  const char* text;
  const char* prefix;  // expected start of the message
};

TEST(ProfileTest, ErrorsNameFileLineAndField) {
  const BadCase cases[] = {
      {"name: x\ndetector:\n  - builtin: EMAIL\n",
       "bad.yaml:2:1: unknown field 'detector' in hoop.masking.v1.Profile"},
      {"detectors:\n  - builtin: EMAIL\n  - builtin: EMAILS\n",
       "bad.yaml:3:14: detectors[1].builtin: unknown built-in detector "
       "'EMAILS'"},
      {"detectors:\n  - name: X\n    pattern: '(a'\n",
       "bad.yaml:3:14: detectors[0].pattern: missing )"},
      {"detectors:\n  - builtin: EMAIL\n    method: {kind: HSH}\n",
       "bad.yaml:3:20: detectors[0].method.kind: unknown value 'HSH'"},
      {"all_builtins: maybe\n",
       "bad.yaml:1:15: all_builtins: expected true or false"},
      {"detectors:\n  - name: X\n    pattern: a\n    group: -1\n",
       "bad.yaml:4:12: detectors[0].group: expected a non-negative integer"},
      {"columns:\n  - action: DETECT\n    detectors: [EMAIL, NOPE]\n",
       "bad.yaml:3:17: columns[0].detectors[0]: no detector 'EMAIL'"},
      {"detectors: EMAIL\n", "bad.yaml:1:12: detectors: expected a list"},
      {"detectors:\n  - builtin: EMAIL\n    method: {kind: HASH}\n",
       "bad.yaml:"},
      {"name: [unclosed\n", "bad.yaml:"},
  };
  for (const BadCase& c : cases) {
    auto m = CompileProfile(c.text, "bad.yaml");
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(m.status().message()), StartsWith(c.prefix))
        << c.text;
  }
}

TEST(ProfileTest, HashKeyFromEnvironment) {
  constexpr char kText[] =
      "hash_key_env: HOOP_TEST_MASK_KEY\ndetectors:\n  - builtin: EMAIL\n"
      "    method: {kind: HASH}\n";
  unsetenv("HOOP_TEST_MASK_KEY");
  auto bad = CompileProfile(kText, "k.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("HOOP_TEST_MASK_KEY is not set"));
  setenv("HOOP_TEST_MASK_KEY", "s3cret", 1);
  auto good = CompileProfile(kText, "k.yaml");
  EXPECT_TRUE(good.ok()) << good.status();
  unsetenv("HOOP_TEST_MASK_KEY");
}

TEST(ProfileTest, LoadMissingFile) {
  auto m = LoadMasker("/nonexistent/profile.yaml");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
}

TEST(ProfileTest, ExampleProfilesCompile) {
  std::string dir = std::string(HOOP_SOURCE_DIR) + "/lib/masking/profiles/";
  for (const char* f : {"default.yaml", "strict.yaml", "strict.json"}) {
    auto m = LoadMasker(dir + f);
    EXPECT_TRUE(m.ok()) << f << ": " << m.status();
  }
}

}  // namespace
}  // namespace hoop::masking
