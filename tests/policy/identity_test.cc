// Copyright 2026 The hoop Authors.
//
// JWT/JWS verification: the RFC 7515 appendix A and RFC 7520 section 4
// vectors (shared/corpora/vectors), their negative cases, and OIDC claim
// checks on tokens minted here with fresh OpenSSL keys and a fixed clock.

#include "hoop/policy/identity.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "policy/internal/jws.h"

namespace hoop::policy {
namespace {

using internal::Base64UrlDecode;
using internal::Base64UrlEncode;
using internal::VerifyJws;
using ::testing::ElementsAre;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string VectorsDir() { return std::string(HOOP_CORPORA_DIR) + "/vectors"; }

Jwks JwksOf(const nlohmann::json& key) {
  nlohmann::json set = {{"keys", nlohmann::json::array({key})}};
  auto j = Jwks::Parse(set.dump());
  EXPECT_TRUE(j.ok()) << j.status();
  return j.ok() ? *j : Jwks();
}

std::optional<TokenError> ErrorOf(const absl::Status& s) { return GetTokenError(s); }

TEST(Base64UrlTest, Strict) {
  std::string out;
  EXPECT_TRUE(Base64UrlDecode("", &out));
  EXPECT_TRUE(Base64UrlDecode("YWI", &out));
  EXPECT_EQ(out, "ab");
  EXPECT_FALSE(Base64UrlDecode("YWI=", &out));   // padding
  EXPECT_FALSE(Base64UrlDecode("YW+/", &out));   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("YWJ", &out));    // non-zero trailing bits
  EXPECT_FALSE(Base64UrlDecode("Y", &out));      // impossible length
  EXPECT_EQ(Base64UrlEncode("ab"), "YWI");
}

TEST(JwsVectorsTest, Rfc7515AppendixA) {
  const std::string text = ReadFile(VectorsDir() + "/rfc7515_jws.json");
  if (text.empty()) GTEST_SKIP() << "no corpora";
  nlohmann::json doc = nlohmann::json::parse(text);
  std::map<std::string, nlohmann::json> keys;
  int verified = 0;
  for (const auto& ex : doc["examples"]) {
    const std::string name = ex["name"];
    const std::string alg = ex["alg"];
    SCOPED_TRACE(name);
    keys[name] = ex["key"];
    const std::string jws = ex["jws"];
    if (alg == "none") {
      auto r = VerifyJws(jws, Jwks(), {});
      EXPECT_EQ(ErrorOf(r.status()), TokenError::kAlgNone);
      continue;
    }
    Jwks jwks = JwksOf(ex["key"]);
    auto r = VerifyJws(jws, jwks, {});
    if (alg == "HS256") {
      EXPECT_EQ(ErrorOf(r.status()), TokenError::kAlgNotAllowed);
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->alg, alg);
    ++verified;
    // Flip one signature character: refused.
    std::string bad = jws;
    bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(ErrorOf(VerifyJws(bad, jwks, {}).status()), TokenError::kBadSignature);
    // Only the algorithm the verifier allows.
    EXPECT_EQ(ErrorOf(VerifyJws(jws, jwks, {"EdDSA"}).status()),
              TokenError::kAlgNotAllowed);
  }
  EXPECT_EQ(verified, 3);  // A.2 RS256, A.3 ES256, A.4 ES512

  struct Want {
    const char* prefix;
    TokenError error;
  };
  const Want wants[] = {
      {"A.1 with one signature", TokenError::kAlgNotAllowed},
      {"A.1 header/signature", TokenError::kAlgNotAllowed},
      {"A.3 ES256 signature with r and s swapped", TokenError::kBadSignature},
      {"alg confusion", TokenError::kAlgNotAllowed},
      {"A.5 alg none", TokenError::kAlgNone},
  };
  int negatives = 0;
  for (const auto& neg : doc["negative"]) {
    const std::string name = neg["name"];
    SCOPED_TRACE(name);
    const std::string from = neg["key_from"];
    Jwks jwks = keys[from].is_object() ? JwksOf(keys[from]) : Jwks();
    auto r = VerifyJws(neg["jws"].get<std::string>(), jwks, {});
    ASSERT_FALSE(r.ok());
    for (const Want& w : wants) {
      if (name.rfind(w.prefix, 0) == 0) {
        EXPECT_EQ(ErrorOf(r.status()), w.error) << r.status();
        ++negatives;
      }
    }
  }
  EXPECT_EQ(negatives, 5);
}

TEST(JwsVectorsTest, Rfc7520Section4) {
  struct Case {
    const char* file;
    bool ok;
    TokenError error;
  };
  const Case cases[] = {
      {"4_1.rsa_v15_signature.json", true, TokenError::kMalformed},
      {"4_2.rsa-pss_signature.json", true, TokenError::kMalformed},
      {"4_3.ecdsa_signature.json", true, TokenError::kMalformed},
      {"4_4.hmac-sha2_integrity_protection.json", false, TokenError::kAlgNotAllowed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string text = ReadFile(VectorsDir() + "/jose-cookbook/jws/" + c.file);
    if (text.empty()) GTEST_SKIP() << "no corpora";
    nlohmann::json doc = nlohmann::json::parse(text);
    Jwks jwks = doc["input"]["key"]["kty"] == "oct" ? Jwks() : JwksOf(doc["input"]["key"]);
    auto r = VerifyJws(doc["output"]["compact"].get<std::string>(), jwks, {});
    if (c.ok) {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->payload, doc["input"]["payload"].get<std::string>());
      EXPECT_EQ(r->kid, "bilbo.baggins@hobbiton.example");
      // A kid the JWKS does not have.
      nlohmann::json other = doc["input"]["key"];
      other["kid"] = "someone-else";
      EXPECT_EQ(ErrorOf(VerifyJws(doc["output"]["compact"].get<std::string>(),
                                  JwksOf(other), {})
                            .status()),
                TokenError::kUnknownKid);
    } else {
      EXPECT_EQ(ErrorOf(r.status()), c.error);
    }
  }
}

// --- minted tokens -------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string BnParam(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

struct TestKey {
  std::string alg, kid;
  PkeyPtr pkey;
  nlohmann::json jwk;
};

TestKey MakeKey(const std::string& alg, const std::string& kid) {
  TestKey k;
  k.alg = alg;
  k.kid = kid;
  if (alg[0] == 'R' || alg[0] == 'P') {
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
    k.jwk = {{"kty", "RSA"},
             {"n", Base64UrlEncode(BnParam(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N))},
             {"e", Base64UrlEncode(BnParam(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E))}};
  } else if (alg[0] == 'E' && alg != "EdDSA") {
    const char* curve = alg == "ES256" ? "P-256" : alg == "ES384" ? "P-384" : "P-521";
    const char* ossl = alg == "ES256" ? "prime256v1" : alg == "ES384" ? "secp384r1" : "secp521r1";
    const size_t size = alg == "ES256" ? 32 : alg == "ES384" ? 48 : 66;
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", ossl));
    unsigned char pub[200];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
    std::string p(reinterpret_cast<char*>(pub) + 1, len - 1);
    k.jwk = {{"kty", "EC"},
             {"crv", curve},
             {"x", Base64UrlEncode(p.substr(0, size))},
             {"y", Base64UrlEncode(p.substr(size))}};
  } else {
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    unsigned char raw[32];
    size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(k.pkey.get(), raw, &len);
    k.jwk = {{"kty", "OKP"}, {"crv", "Ed25519"},
             {"x", Base64UrlEncode(std::string(reinterpret_cast<char*>(raw), len))}};
  }
  k.jwk["kid"] = kid;
  k.jwk["use"] = "sig";
  return k;
}

std::string Sign(const TestKey& k, const std::string& alg, const std::string& input) {
  const EVP_MD* md = nullptr;
  if (alg.size() == 5 && alg != "EdDSA") {
    md = alg.substr(2) == "256" ? EVP_sha256() : alg.substr(2) == "384" ? EVP_sha384() : EVP_sha512();
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, md, nullptr, k.pkey.get());
  if (alg[0] == 'P' && EVP_PKEY_get_base_id(k.pkey.get()) == EVP_PKEY_RSA) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (EVP_PKEY_get_base_id(k.pkey.get()) == EVP_PKEY_EC) {
    const size_t size = alg == "ES256" ? 32 : alg == "ES384" ? 48 : 66;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(2 * size, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(size));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data() + size),
                 static_cast<int>(size));
    ECDSA_SIG_free(es);
    return raw;
  }
  return sig;
}

std::string Mint(const TestKey& k, const nlohmann::json& claims,
                 nlohmann::json header = nullptr) {
  if (header.is_null()) header = {{"alg", k.alg}, {"kid", k.kid}, {"typ", "JWT"}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return input + "." + Base64UrlEncode(Sign(k, header["alg"], input));
}

constexpr int64_t kNow = 1800000000;

class TokenVerifierTest : public ::testing::Test {
 protected:
  // Keys are generated once for the suite: RSA key generation is slow.
  static const std::vector<TestKey>& Keys() {
    static const auto* keys = [] {
      auto* v = new std::vector<TestKey>;
      for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"}) {
        v->push_back(MakeKey(alg, std::string("k-") + alg));
      }
      return v;
    }();
    return *keys;
  }

  void SetUp() override {
    nlohmann::json set = {{"keys", nlohmann::json::array()}};
    for (const TestKey& k : keys_) set["keys"].push_back(k.jwk);
    set["keys"].push_back({{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}});
    auto jwks = Jwks::Parse(set.dump());
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    EXPECT_EQ(jwks->size(), keys_.size());  // the oct key is skipped
    opts_.issuer = "https://idp.example.com";
    opts_.audiences = {"hoop"};
    opts_.leeway = absl::Seconds(30);
    opts_.groups_claim = "groups";
    opts_.non_human_client_ids = {"ci-bot"};
    opts_.clock = [] { return absl::FromUnixSeconds(kNow); };
    verifier_ = std::make_unique<TokenVerifier>(*jwks, opts_);
  }

  nlohmann::json Claims() const {
    return {{"iss", "https://idp.example.com"}, {"aud", "hoop"}, {"sub", "u-123"},
            {"email", "ann@example.com"}, {"groups", {"analysts", "dev"}},
            {"iat", kNow - 10}, {"nbf", kNow - 10}, {"exp", kNow + 300}};
  }

  std::optional<TokenError> Refusal(const std::string& token) {
    auto r = verifier_->Verify(token);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::nullopt : GetTokenError(r.status());
  }

  const std::vector<TestKey>& keys_ = Keys();
  TokenVerifierOptions opts_;
  std::unique_ptr<TokenVerifier> verifier_;
};

TEST_F(TokenVerifierTest, EveryAlgorithmVerifies) {
  for (const TestKey& k : keys_) {
    SCOPED_TRACE(k.alg);
    auto id = verifier_->Verify(Mint(k, Claims()));
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(id->subject, "u-123");
    EXPECT_EQ(id->email, "ann@example.com");
    EXPECT_THAT(id->groups, ElementsAre("analysts", "dev"));
    EXPECT_EQ(id->kind, IdentityKind::kPerson);
    EXPECT_EQ(id->issuer, "https://idp.example.com");
    EXPECT_EQ(id->expires, absl::FromUnixSeconds(kNow + 300));
  }
}

TEST_F(TokenVerifierTest, ClaimChecks) {
  const TestKey& k = keys_[0];
  nlohmann::json c = Claims();
  c["exp"] = kNow - 31;
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kExpired);
  c["exp"] = kNow - 29;  // within leeway
  EXPECT_TRUE(verifier_->Verify(Mint(k, c)).ok());
  c = Claims();
  c["nbf"] = kNow + 31;
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kNotYetValid);
  c = Claims();
  c["iat"] = kNow + 31;
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kIssuedInFuture);
  c = Claims();
  c["iss"] = "https://evil.example.com";
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kWrongIssuer);
  c = Claims();
  c["aud"] = {"other", "another"};
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kWrongAudience);
  c["aud"] = {"other", "hoop"};
  EXPECT_TRUE(verifier_->Verify(Mint(k, c)).ok());
  c["azp"] = "other";
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kWrongAudience);
  c = Claims();
  c.erase("exp");
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kMissingClaim);
  c = Claims();
  c["exp"] = "tomorrow";
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kBadJson);
  c = Claims();
  c.erase("sub");
  EXPECT_EQ(Refusal(Mint(k, c)), TokenError::kMissingClaim);
}

TEST_F(TokenVerifierTest, HeaderAndEncodingChecks) {
  const TestKey& rsa = keys_[0];
  const std::string good = Mint(rsa, Claims());
  EXPECT_EQ(Refusal("abc.def"), TokenError::kMalformed);
  EXPECT_EQ(Refusal("a.b.c.d"), TokenError::kMalformed);
  EXPECT_EQ(Refusal(good + "="), TokenError::kBadBase64);
  EXPECT_EQ(Refusal("e30=." + good.substr(good.find('.') + 1)), TokenError::kBadBase64);
  const std::string not_json = Base64UrlEncode("{not json");
  EXPECT_EQ(Refusal(not_json + good.substr(good.find('.'))), TokenError::kBadJson);
  // Unknown kid.
  EXPECT_EQ(Refusal(Mint(rsa, Claims(), {{"alg", "RS256"}, {"kid", "nope"}})),
            TokenError::kUnknownKid);
  // A kid whose key does not fit the algorithm.
  EXPECT_EQ(Refusal(Mint(rsa, Claims(), {{"alg", "ES256"}, {"kid", "k-RS256"}})),
            TokenError::kKeyMismatch);
  // No kid: the fitting keys are tried.
  EXPECT_TRUE(verifier_->Verify(Mint(rsa, Claims(), {{"alg", "RS256"}})).ok());
  // alg none, with and without a signature.
  const std::string none_header = Base64UrlEncode(R"({"alg":"none"})");
  const std::string body = Base64UrlEncode(Claims().dump());
  EXPECT_EQ(Refusal(none_header + "." + body + "."), TokenError::kAlgNone);
  EXPECT_EQ(Refusal(none_header + "." + body + ".AAAA"), TokenError::kAlgNone);
  // HS256 signed with the RSA public key's PEM text: alg confusion.
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, rsa.pkey.get());
  char* pem = nullptr;
  long pem_len = BIO_get_mem_data(bio, &pem);
  const std::string hs_input =
      Base64UrlEncode(R"({"alg":"HS256","kid":"k-RS256"})") + "." + body;
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), pem, static_cast<int>(pem_len),
       reinterpret_cast<const unsigned char*>(hs_input.data()), hs_input.size(), mac,
       &mac_len);
  BIO_free(bio);
  EXPECT_EQ(Refusal(hs_input + "." +
                    Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_len))),
            TokenError::kAlgNotAllowed);
  // Tampered claims.
  nlohmann::json c = Claims();
  c["groups"] = {"admins"};
  std::string forged = good.substr(0, good.find('.') + 1) + Base64UrlEncode(c.dump()) +
                       good.substr(good.rfind('.'));
  EXPECT_EQ(Refusal(forged), TokenError::kBadSignature);
  // Too long.
  EXPECT_EQ(Refusal(std::string(70000, 'a')), TokenError::kMalformed);
}

TEST_F(TokenVerifierTest, IdentityMapping) {
  TokenVerifierOptions o = opts_;
  o.groups_claim = "realm_access.roles";
  o.kind_claim = "https://hoop.dev/kind";
  o.non_human_values = {"agent"};
  o.required_claims = {"email"};
  nlohmann::json set = {{"keys", {keys_[0].jwk}}};
  TokenVerifier v(*Jwks::Parse(set.dump()), o);
  nlohmann::json c = Claims();
  c["realm_access"] = {{"roles", {"dba"}}};
  c["https://hoop.dev/kind"] = "agent";
  auto id = v.Verify(Mint(keys_[0], c));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(id->groups, ElementsAre("dba"));
  EXPECT_EQ(id->kind, IdentityKind::kNonHuman);
  c.erase("email");
  EXPECT_EQ(GetTokenError(v.Verify(Mint(keys_[0], c)).status()), TokenError::kMissingClaim);
  // Non-human by client id.
  c = Claims();
  c["azp"] = "ci-bot";
  id = verifier_->Verify(Mint(keys_[0], c));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->kind, IdentityKind::kNonHuman);
  EXPECT_EQ(id->client_id, "ci-bot");
}

TEST(JwksTest, Errors) {
  EXPECT_FALSE(Jwks::Parse("not json").ok());
  EXPECT_FALSE(Jwks::Parse(R"({"keys": 3})").ok());
  EXPECT_FALSE(Jwks::Parse(R"({"keys": [{"kty": "RSA", "n": "AQAB"}]})").ok());
  EXPECT_FALSE(Jwks::Parse(R"({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]})").ok());
  EXPECT_TRUE(Jwks::Parse(R"({"keys": [{"kty": "RSA", "use": "enc", "n": "x"}]})").ok());
  EXPECT_EQ(Jwks::FromFile("/nonexistent").status().code(), absl::StatusCode::kNotFound);
  TokenVerifier v{Jwks(), TokenVerifierOptions()};
  EXPECT_EQ(v.Verify("a.b.c").status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace hoop::policy
