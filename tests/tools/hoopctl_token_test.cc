// Copyright 2026 The hoop Authors.
//
// hoopctl token keygen/mint, end to end: the binary writes a key and a JWKS,
// mints tokens, and hoop::policy::TokenVerifier — what the gateway uses —
// accepts them, with the claims asked for, and refuses tampered, expired,
// wrong-audience and foreign-key ones.

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/policy/identity.h"

namespace hoop::policy {
namespace {

using ::testing::ElementsAre;

constexpr char kIssuer[] = "https://idp.demo.test";
constexpr char kAudience[] = "hoop-gateway";

struct Ran {
  int exit_code = -1;
  std::string out;
};

// Runs `args` (already shell-quoted where needed) after the hoopctl binary.
Ran Hoopctl(const std::string& args) {
  Ran r;
  const std::string cmd =
      std::string("'") + HOOPCTL_BIN + "' " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoopctl-token-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    key_ = dir_ + "/demo.pem";
    jwks_ = dir_ + "/jwks.json";
    ASSERT_EQ(
        Hoopctl("token keygen --key " + key_ + " --jwks " + jwks_).exit_code,
        0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TokenVerifier Verifier(const std::string& jwks_path) const {
    absl::StatusOr<Jwks> jwks = Jwks::FromFile(jwks_path);
    EXPECT_TRUE(jwks.ok()) << jwks.status();
    TokenVerifierOptions o;
    o.issuer = kIssuer;
    o.audiences = {kAudience};
    o.kind_claim = "kind";
    o.non_human_values = {"agent"};
    return TokenVerifier(jwks.ok() ? *std::move(jwks) : Jwks(), o);
  }

  // Mints with the test's issuer and audience plus `extra` flags; returns
  // the token without its newline.
  std::string Mint(const std::string& extra, const std::string& key = "") {
    const Ran r = Hoopctl("token mint --key " + (key.empty() ? key_ : key) +
                          " --issuer " + kIssuer + " --audience " + kAudience +
                          " " + extra);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_FALSE(r.out.empty());
    EXPECT_EQ(r.out.back(), '\n');
    return r.out.substr(0, r.out.find('\n'));
  }

  std::string dir_, key_, jwks_;
};

TEST_F(TokenTest, KeygenWritesAPrivateKeyAndOneEd25519Jwk) {
  struct stat st {};
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the private key is a secret";
  EXPECT_NE(ReadFile(key_).find("-----BEGIN PRIVATE KEY-----"),
            std::string::npos);
  const std::string jwks = ReadFile(jwks_);
  EXPECT_EQ(jwks.find("PRIVATE"), std::string::npos);
  EXPECT_NE(jwks.find("\"kid\": \"demo\""), std::string::npos) << jwks;
  EXPECT_NE(jwks.find("\"crv\": \"Ed25519\""), std::string::npos) << jwks;
  absl::StatusOr<Jwks> parsed = Jwks::FromFile(jwks_);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size(), 1u);
}

TEST_F(TokenTest, MintedTokenVerifiesWithItsClaims) {
  const std::string token = Mint(
      "--subject etl-agent --group automation --group readers "
      "--claim kind=agent --claim email=etl@example.com --ttl 300");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u) << token;

  absl::StatusOr<Identity> who = Verifier(jwks_).Verify(token);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->subject, "etl-agent");
  EXPECT_EQ(who->email, "etl@example.com");
  EXPECT_EQ(who->issuer, kIssuer);
  EXPECT_THAT(who->groups, ElementsAre("automation", "readers"));
  EXPECT_EQ(who->kind, IdentityKind::kNonHuman);
  const absl::Duration left = who->expires - absl::Now();
  EXPECT_GT(left, absl::Seconds(250));
  EXPECT_LE(left, absl::Seconds(301));

  // A person: no kind claim.
  absl::StatusOr<Identity> ana =
      Verifier(jwks_).Verify(Mint("--subject ana@example.com --group dba"));
  ASSERT_TRUE(ana.ok()) << ana.status();
  EXPECT_EQ(ana->kind, IdentityKind::kPerson);
  EXPECT_THAT(ana->groups, ElementsAre("dba"));
}

TEST_F(TokenTest, TamperedTokensAreRefused) {
  const std::string token = Mint("--subject etl-agent --claim kind=agent");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  const TokenVerifier verifier = Verifier(jwks_);
  ASSERT_TRUE(verifier.Verify(token).ok());

  // Another subject's claims under the same signature.
  const std::string other = Mint("--subject ana@example.com --group dba");
  const std::vector<std::string> other_parts = absl::StrSplit(other, '.');
  const std::string swapped = parts[0] + "." + other_parts[1] + "." + parts[2];
  absl::StatusOr<Identity> r = verifier.Verify(swapped);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kBadSignature) << r.status();

  // One character of the signature changed.
  std::string flipped = token;
  char& c = flipped[parts[0].size() + parts[1].size() + 2 + 5];
  c = (c == 'A') ? 'B' : 'A';
  r = verifier.Verify(flipped);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kBadSignature) << r.status();
}

TEST_F(TokenTest, ExpiredWrongAudienceAndForeignKeyAreRefused) {
  absl::StatusOr<Identity> r =
      Verifier(jwks_).Verify(Mint("--subject etl-agent --ttl -120"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kExpired) << r.status();

  const Ran wrong_aud =
      Hoopctl("token mint --key " + key_ + " --issuer " + kIssuer +
              " --audience someone-else --subject etl-agent");
  ASSERT_EQ(wrong_aud.exit_code, 0);
  r = Verifier(jwks_).Verify(wrong_aud.out.substr(0, wrong_aud.out.find('\n')));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kWrongAudience)
      << r.status();

  // Another key with the same kid: its tokens do not verify against the
  // first JWKS; with --kid the header names a key the JWKS does not have.
  const std::string key2 = dir_ + "/other.pem";
  ASSERT_EQ(Hoopctl("token keygen --key " + key2 + " --jwks " + dir_ +
                    "/other.json --kid other")
                .exit_code,
            0);
  r = Verifier(jwks_).Verify(Mint("--subject etl-agent", key2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kBadSignature) << r.status();
  r = Verifier(jwks_).Verify(Mint("--subject etl-agent --kid other", key2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetTokenError(r.status()), TokenError::kUnknownKid) << r.status();
  EXPECT_TRUE(Verifier(dir_ + "/other.json")
                  .Verify(Mint("--subject etl-agent --kid other", key2))
                  .ok());
}

TEST_F(TokenTest, BadArgumentsFail) {
  const std::string base =
      "token mint --key " + key_ + " --issuer i " + "--audience a --subject s ";
  EXPECT_NE(Hoopctl(base + "--claim novalue").exit_code, 0);
  EXPECT_NE(Hoopctl(base + "--claim sub=someone-else").exit_code, 0);
  EXPECT_NE(Hoopctl("token mint --key " + jwks_ +
                    " --issuer i --audience a --subject s")
                .exit_code,
            0)
      << "a JWKS is not a private key";
  EXPECT_NE(Hoopctl("token mint --key " + key_ + " --issuer i --audience a")
                .exit_code,
            0)
      << "--subject is required";
  EXPECT_EQ(Hoopctl(base).exit_code, 0);
}

TEST_F(TokenTest, HelpSaysItIsForDemosAndTests) {
  const Ran r = Hoopctl("token --help");
  EXPECT_NE(r.out.find("demos and tests"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("identity provider"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hoop::policy
