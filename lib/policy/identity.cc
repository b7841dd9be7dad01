// Copyright 2026 The hoop Authors.
//
// JWKS parsing, JWS verification (OpenSSL 3 EVP) and OIDC ID token claims.

#include "hoop/policy/identity.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "policy/internal/absl_view.h"
#include "policy/internal/jws.h"

namespace hoop::policy {

struct Jwks::Key {
  std::string kid;
  std::string kty;  // "RSA", "EC", "OKP"
  std::string crv;  // EC / OKP curve
  std::string alg;  // optional JWK "alg"
  int bits = 0;
  std::shared_ptr<EVP_PKEY> pkey;
};

namespace internal {
namespace {

constexpr size_t kMaxTokenSize = 64 * 1024;
constexpr char kTokenErrorUrl[] = "type.hoop.dev/hoop.policy.TokenError";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

std::shared_ptr<EVP_PKEY> Wrap(EVP_PKEY* p) {
  return std::shared_ptr<EVP_PKEY>(p, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
}

EVP_PKEY* FromData(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

absl::StatusOr<std::shared_ptr<const Jwks::Key>> ParseKey(const nlohmann::json& k,
                                                         size_t index) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS key ", index, ": ", AV(why)));
  };
  auto str = [&](const char* name, std::string* out) {
    auto it = k.find(name);
    if (it == k.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto b64 = [&](const char* name, std::string* out) {
    std::string s;
    return str(name, &s) && Base64UrlDecode(s, out) && !out->empty();
  };
  auto key = std::make_shared<Jwks::Key>();
  if (!str("kty", &key->kty)) return bad("no \"kty\"");
  str("kid", &key->kid);
  str("alg", &key->alg);
  if (key->kty == "RSA") {
    std::string n, e;
    if (!b64("n", &n) || !b64("e", &e)) return bad("RSA key needs base64url n and e");
    BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                         static_cast<int>(n.size()), nullptr));
    BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                         static_cast<int>(e.size()), nullptr));
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    EVP_PKEY* pkey = nullptr;
    if (bld != nullptr && bn_n && bn_e &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1) {
      pkey = FromData("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    if (pkey == nullptr) return bad("OpenSSL rejected the RSA key");
    key->bits = EVP_PKEY_get_bits(pkey);
    key->pkey = Wrap(pkey);
    return std::shared_ptr<const Jwks::Key>(key);
  }
  if (key->kty == "EC") {
    std::string x, y;
    if (!str("crv", &key->crv)) return bad("EC key needs \"crv\"");
    const char* group = nullptr;
    size_t size = 0;
    if (key->crv == "P-256") {
      group = "prime256v1";
      size = 32;
    } else if (key->crv == "P-384") {
      group = "secp384r1";
      size = 48;
    } else if (key->crv == "P-521") {
      group = "secp521r1";
      size = 66;
    } else {
      return bad(absl::StrCat("unsupported EC curve \"", key->crv, "\""));
    }
    if (!b64("x", &x) || !b64("y", &y) || x.size() != size || y.size() != size) {
      return bad("EC key needs base64url x and y of the curve's size");
    }
    std::string pub = "\x04" + x + y;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    EVP_PKEY* pkey = nullptr;
    if (bld != nullptr &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                         pub.size()) == 1) {
      pkey = FromData("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    if (pkey == nullptr) return bad("OpenSSL rejected the EC key (point not on curve?)");
    key->bits = EVP_PKEY_get_bits(pkey);
    key->pkey = Wrap(pkey);
    return std::shared_ptr<const Jwks::Key>(key);
  }
  if (key->kty == "OKP") {
    std::string x;
    if (!str("crv", &key->crv) || key->crv != "Ed25519") {
      return bad("OKP key: only crv Ed25519 is supported");
    }
    if (!b64("x", &x) || x.size() != 32) return bad("Ed25519 key needs a 32-byte x");
    EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()),
        x.size());
    if (pkey == nullptr) return bad("OpenSSL rejected the Ed25519 key");
    key->bits = 256;
    key->pkey = Wrap(pkey);
    return std::shared_ptr<const Jwks::Key>(key);
  }
  return std::shared_ptr<const Jwks::Key>(nullptr);  // oct and others: skipped
}

struct AlgInfo {
  const char* name;
  const char* kty;
  const char* crv;  // EC/OKP curve, or nullptr
  const EVP_MD* (*md)();
  bool pss;
  size_t ec_size;  // bytes of r (and s)
};

const EVP_MD* NoMd() { return nullptr; }

constexpr AlgInfo kAlgs[] = {
    {"RS256", "RSA", nullptr, EVP_sha256, false, 0},
    {"RS384", "RSA", nullptr, EVP_sha384, false, 0},
    {"RS512", "RSA", nullptr, EVP_sha512, false, 0},
    {"PS256", "RSA", nullptr, EVP_sha256, true, 0},
    {"PS384", "RSA", nullptr, EVP_sha384, true, 0},
    {"PS512", "RSA", nullptr, EVP_sha512, true, 0},
    {"ES256", "EC", "P-256", EVP_sha256, false, 32},
    {"ES384", "EC", "P-384", EVP_sha384, false, 48},
    {"ES512", "EC", "P-521", EVP_sha512, false, 66},
    {"EdDSA", "OKP", "Ed25519", NoMd, false, 0},
};

bool KeyFits(const AlgInfo& a, const Jwks::Key& k) {
  if (k.kty != a.kty) return false;
  if (a.crv != nullptr && k.crv != a.crv) return false;
  if (!k.alg.empty() && k.alg != a.name) return false;
  return true;
}

// Raw r||s to DER, as OpenSSL's ECDSA verification wants.
bool EcdsaRawToDer(std::string_view raw, size_t size, std::string* der) {
  if (raw.size() != 2 * size) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()),
                        static_cast<int>(size), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + size),
                        static_cast<int>(size), nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* out = nullptr;
  int len = i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  if (len <= 0) return false;
  der->assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return true;
}

bool VerifySignature(const AlgInfo& a, const Jwks::Key& k, std::string_view input,
                     std::string_view sig) {
  std::string der;
  if (a.ec_size != 0) {
    if (!EcdsaRawToDer(sig, a.ec_size, &der)) return false;
    sig = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, a.md(), nullptr, k.pkey.get()) == 1;
  if (ok && a.pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, a.md()) == 1;
  } else if (ok && std::string_view(a.kty) == "RSA") {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()),
                              sig.size(),
                              reinterpret_cast<const unsigned char*>(input.data()),
                              input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

bool Base64UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 == 1) return false;
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = B64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  return (acc & ((1u << bits) - 1)) == 0;
}

std::string Base64UrlEncode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

absl::Status TokenStatus(TokenError error, std::string_view message) {
  const bool malformed = error == TokenError::kMalformed ||
                         error == TokenError::kBadBase64 ||
                         error == TokenError::kBadJson;
  absl::Status s(malformed ? absl::StatusCode::kInvalidArgument
                           : absl::StatusCode::kUnauthenticated,
                 absl::StrCat("token refused (", AV(TokenErrorName(error)), "): ",
                              AV(message)));
  s.SetPayload(kTokenErrorUrl, absl::Cord(AV(TokenErrorName(error))));
  return s;
}

absl::StatusOr<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                                      const std::vector<std::string>& allowed) {
  if (token.size() > kMaxTokenSize) {
    return TokenStatus(TokenError::kMalformed, "longer than 64 KiB");
  }
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return TokenStatus(TokenError::kMalformed,
                       "a JWS has three base64url parts separated by '.'");
  }
  const std::string_view h64 = token.substr(0, d1);
  const std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view s64 = token.substr(d2 + 1);
  if (h64.empty()) return TokenStatus(TokenError::kMalformed, "empty header");
  VerifiedJws out;
  if (!Base64UrlDecode(h64, &out.header_json)) {
    return TokenStatus(TokenError::kBadBase64, "header is not base64url");
  }
  nlohmann::json header = nlohmann::json::parse(out.header_json, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    return TokenStatus(TokenError::kBadJson, "header is not a JSON object");
  }
  auto alg_it = header.find("alg");
  if (alg_it == header.end() || !alg_it->is_string()) {
    return TokenStatus(TokenError::kAlgNotAllowed, "header has no \"alg\"");
  }
  out.alg = alg_it->get<std::string>();
  std::string lower = out.alg;
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (lower == "none") {
    return TokenStatus(TokenError::kAlgNone, "unsecured JWS (alg none) is never accepted");
  }
  if (lower.rfind("hs", 0) == 0) {
    return TokenStatus(TokenError::kAlgNotAllowed,
                       absl::StrCat("HMAC algorithm ", out.alg,
                                    " refused: a public key is never an HMAC secret"));
  }
  const AlgInfo* alg = nullptr;
  for (const AlgInfo& a : kAlgs)
    if (out.alg == a.name) alg = &a;
  if (alg == nullptr) {
    return TokenStatus(TokenError::kAlgNotAllowed,
                       absl::StrCat("unsupported algorithm \"", out.alg, "\""));
  }
  if (!allowed.empty() &&
      std::find(allowed.begin(), allowed.end(), out.alg) == allowed.end()) {
    return TokenStatus(TokenError::kAlgNotAllowed,
                       absl::StrCat("algorithm ", out.alg, " is not allowed here"));
  }
  if (header.contains("crit")) {
    return TokenStatus(TokenError::kMalformed, "critical header extensions are not supported");
  }
  auto kid_it = header.find("kid");
  const bool has_kid = kid_it != header.end();
  if (has_kid) {
    if (!kid_it->is_string()) return TokenStatus(TokenError::kBadJson, "\"kid\" is not a string");
    out.kid = kid_it->get<std::string>();
  }
  if (!Base64UrlDecode(p64, &out.payload)) {
    return TokenStatus(TokenError::kBadBase64, "payload is not base64url");
  }
  std::string sig;
  if (!Base64UrlDecode(s64, &sig)) {
    return TokenStatus(TokenError::kBadBase64, "signature is not base64url");
  }
  if (sig.empty()) return TokenStatus(TokenError::kBadSignature, "empty signature");

  const std::string_view input = token.substr(0, d2);
  bool kid_found = false, fitting = false;
  for (const auto& key : jwks.keys()) {
    if (has_kid && key->kid != out.kid) continue;
    kid_found = true;
    if (!KeyFits(*alg, *key)) continue;
    if (key->kty == "RSA" && key->bits < 2048) continue;
    fitting = true;
    if (VerifySignature(*alg, *key, input, sig)) return out;
  }
  if (has_kid && !kid_found) {
    return TokenStatus(TokenError::kUnknownKid,
                       absl::StrCat("no key with kid \"", out.kid, "\" in the JWKS"));
  }
  if (!fitting) {
    return has_kid ? TokenStatus(TokenError::kKeyMismatch,
                                 absl::StrCat("key \"", out.kid, "\" cannot verify ",
                                              out.alg, " (type, curve, alg or size)"))
                   : TokenStatus(TokenError::kUnknownKid,
                                 absl::StrCat("no kid, and no JWKS key fits ", out.alg));
  }
  return TokenStatus(TokenError::kBadSignature, "signature does not verify");
}

}  // namespace internal

using internal::TokenStatus;

std::string_view IdentityKindName(IdentityKind kind) {
  return kind == IdentityKind::kNonHuman ? "non_human" : "person";
}

std::string_view TokenErrorName(TokenError e) {
  switch (e) {
    case TokenError::kMalformed: return "malformed";
    case TokenError::kBadBase64: return "bad_base64";
    case TokenError::kBadJson: return "bad_json";
    case TokenError::kAlgNone: return "alg_none";
    case TokenError::kAlgNotAllowed: return "alg_not_allowed";
    case TokenError::kUnknownKid: return "unknown_kid";
    case TokenError::kKeyMismatch: return "key_mismatch";
    case TokenError::kBadSignature: return "bad_signature";
    case TokenError::kExpired: return "expired";
    case TokenError::kNotYetValid: return "not_yet_valid";
    case TokenError::kIssuedInFuture: return "issued_in_future";
    case TokenError::kWrongIssuer: return "wrong_issuer";
    case TokenError::kWrongAudience: return "wrong_audience";
    case TokenError::kMissingClaim: return "missing_claim";
  }
  return "malformed";
}

std::optional<TokenError> GetTokenError(const absl::Status& status) {
  auto p = status.GetPayload(internal::kTokenErrorUrl);
  if (!p.has_value()) return std::nullopt;
  const std::string name(*p);
  for (int e = 0; e <= static_cast<int>(TokenError::kMissingClaim); ++e) {
    if (TokenErrorName(static_cast<TokenError>(e)) == name) {
      return static_cast<TokenError>(e);
    }
  }
  return std::nullopt;
}

absl::StatusOr<Jwks> Jwks::Parse(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("JWKS is not a JSON object");
  }
  Jwks out;
  const nlohmann::json* keys = nullptr;
  nlohmann::json single = nlohmann::json::array();
  auto it = doc.find("keys");
  if (it != doc.end()) {
    if (!it->is_array()) return absl::InvalidArgumentError("JWKS \"keys\" is not an array");
    keys = &*it;
  } else if (doc.contains("kty")) {
    single.push_back(doc);  // a lone JWK
    keys = &single;
  } else {
    return absl::InvalidArgumentError("JWKS has no \"keys\"");
  }
  for (size_t i = 0; i < keys->size(); ++i) {
    const nlohmann::json& k = (*keys)[i];
    if (!k.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("JWKS key ", i, " is not an object"));
    }
    auto use = k.find("use");
    if (use != k.end() && (!use->is_string() || use->get<std::string>() != "sig")) continue;
    auto key = internal::ParseKey(k, i);
    if (!key.ok()) return key.status();
    if (*key != nullptr) out.keys_.push_back(*std::move(key));
  }
  return out;
}

absl::StatusOr<Jwks> Jwks::FromFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream ss;
  ss << f.rdbuf();
  auto jwks = Parse(ss.str());
  if (!jwks.ok()) {
    return absl::Status(jwks.status().code(),
                        absl::StrCat(path, ": ", jwks.status().message()));
  }
  return jwks;
}

TokenVerifier::TokenVerifier(Jwks jwks, TokenVerifierOptions options)
    : jwks_(std::move(jwks)), options_(std::move(options)) {}

namespace {

// A claim by dotted path ("realm_access.roles"); nullptr when absent.
const nlohmann::json* Claim(const nlohmann::json& claims, const std::string& path) {
  const nlohmann::json* cur = &claims;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos
                                                                   : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) {
      // Claim names may themselves contain dots (URIs): try the rest whole.
      auto whole = cur->find(path.substr(start));
      return whole == cur->end() ? nullptr : &*whole;
    }
    cur = &*it;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

}  // namespace

absl::StatusOr<Identity> TokenVerifier::Verify(std::string_view token) const {
  if (options_.issuer.empty() || options_.audiences.empty()) {
    return absl::FailedPreconditionError(
        "TokenVerifier needs an issuer and at least one audience");
  }
  auto jws = internal::VerifyJws(token, jwks_, options_.allowed_algorithms);
  if (!jws.ok()) return jws.status();
  nlohmann::json claims = nlohmann::json::parse(jws->payload, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return TokenStatus(TokenError::kBadJson, "claims are not a JSON object");
  }
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  const double leeway = absl::ToDoubleSeconds(options_.leeway);
  const double t = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  auto number = [&](const char* name, double* out) -> absl::Status {
    auto it = claims.find(name);
    if (it == claims.end()) return absl::NotFoundError(name);
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
      return TokenStatus(TokenError::kBadJson, absl::StrCat("\"", name, "\" is not a number"));
    }
    *out = it->get<double>();
    return absl::OkStatus();
  };
  double exp = 0, nbf = 0, iat = 0;
  absl::Status s = number("exp", &exp);
  if (absl::IsNotFound(s)) return TokenStatus(TokenError::kMissingClaim, "no \"exp\"");
  if (!s.ok()) return s;
  if (exp + leeway <= t) {
    return TokenStatus(TokenError::kExpired,
                       absl::StrCat("expired at ", static_cast<int64_t>(exp),
                                    " (now ", static_cast<int64_t>(t), ")"));
  }
  s = number("nbf", &nbf);
  if (s.ok() && nbf - leeway > t) {
    return TokenStatus(TokenError::kNotYetValid,
                       absl::StrCat("not valid before ", static_cast<int64_t>(nbf)));
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  s = number("iat", &iat);
  if (s.ok() && iat - leeway > t) {
    return TokenStatus(TokenError::kIssuedInFuture,
                       absl::StrCat("issued in the future at ", static_cast<int64_t>(iat)));
  }
  if (!s.ok() && !absl::IsNotFound(s)) return s;

  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() ||
      iss->get<std::string>() != options_.issuer) {
    return TokenStatus(TokenError::kWrongIssuer,
                       absl::StrCat("issuer is not \"", options_.issuer, "\""));
  }
  std::vector<std::string> aud;
  auto aud_it = claims.find("aud");
  if (aud_it != claims.end() && aud_it->is_string()) {
    aud.push_back(aud_it->get<std::string>());
  } else if (aud_it != claims.end() && aud_it->is_array()) {
    for (const auto& a : *aud_it)
      if (a.is_string()) aud.push_back(a.get<std::string>());
  }
  bool aud_ok = false;
  for (const std::string& a : aud) {
    if (std::find(options_.audiences.begin(), options_.audiences.end(), a) !=
        options_.audiences.end()) {
      aud_ok = true;
    }
  }
  if (!aud_ok) {
    return TokenStatus(TokenError::kWrongAudience, "audience does not name this gateway");
  }
  Identity id;
  auto get_string = [&](const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  id.client_id = get_string("azp");
  if (id.client_id.empty()) id.client_id = get_string("client_id");
  // OIDC Core 3.1.3.7: with several audiences, azp must be one of ours.
  if (aud.size() > 1 && !id.client_id.empty() &&
      std::find(options_.audiences.begin(), options_.audiences.end(), id.client_id) ==
          options_.audiences.end()) {
    return TokenStatus(TokenError::kWrongAudience, "azp is not this gateway");
  }
  if (get_string("sub").empty()) {
    return TokenStatus(TokenError::kMissingClaim, "no \"sub\" string");
  }
  for (const std::string& c : options_.required_claims) {
    if (Claim(claims, c) == nullptr) {
      return TokenStatus(TokenError::kMissingClaim, absl::StrCat("no \"", c, "\""));
    }
  }
  id.subject = get_string("sub");
  id.issuer = options_.issuer;
  id.name = get_string("name");
  if (const nlohmann::json* e = Claim(claims, options_.email_claim); e && e->is_string()) {
    id.email = e->get<std::string>();
  }
  if (const nlohmann::json* g = Claim(claims, options_.groups_claim)) {
    if (g->is_array()) {
      for (const auto& v : *g)
        if (v.is_string()) id.groups.push_back(v.get<std::string>());
    } else if (g->is_string()) {
      id.groups.push_back(g->get<std::string>());
    }
  }
  if (!options_.kind_claim.empty()) {
    if (const nlohmann::json* k = Claim(claims, options_.kind_claim)) {
      std::string v = k->is_string() ? k->get<std::string>() : k->dump();
      if (std::find(options_.non_human_values.begin(), options_.non_human_values.end(),
                    v) != options_.non_human_values.end()) {
        id.kind = IdentityKind::kNonHuman;
      }
    }
  }
  if (!id.client_id.empty() &&
      std::find(options_.non_human_client_ids.begin(), options_.non_human_client_ids.end(),
                id.client_id) != options_.non_human_client_ids.end()) {
    id.kind = IdentityKind::kNonHuman;
  }
  id.expires = absl::FromUnixSeconds(static_cast<int64_t>(exp));
  return id;
}

}  // namespace hoop::policy
