// Copyright 2026 The hoop Authors.
//
// Identities, and verifying OIDC ID tokens to get one.
//
// A policy decides per identity, so the identity must be one nobody can
// forge: either the embedder verified it (and fills an Identity itself), or
// hoop verifies the user's OIDC ID token: a JWT signed by the provider's key,
// checked against the provider's JWKS with OpenSSL.
//
//   auto jwks = hoop::policy::Jwks::Parse(jwks_json);            // or FromFile
//   if (!jwks.ok()) ...
//   hoop::policy::TokenVerifierOptions opts;
//   opts.issuer = "https://idp.example.com";
//   opts.audiences = {"hoop-gateway"};
//   hoop::policy::TokenVerifier verifier(*std::move(jwks), opts);
//   absl::StatusOr<hoop::policy::Identity> who = verifier.Verify(id_token);
//   if (!who.ok()) {
//     // hoop::policy::GetTokenError(who.status()) says which check failed
//   }
//
// Accepted algorithms: RS256, RS384, RS512, PS256, PS384, PS512, ES256,
// ES384, ES512, EdDSA (Ed25519). Refused, each with its own TokenError:
// `alg: none`; HMAC (HS*) — a verifier holding public keys must never treat
// one as an HMAC secret (the "alg confusion" attack); a `kid` not in the
// JWKS; a key whose type or curve does not fit `alg`; malformed base64url or
// JSON; a bad signature; `iss`, `aud`, `exp`, `nbf`, `iat` outside the
// options, with a leeway for clock skew; a missing required claim.
//
// Thread safety: Jwks and TokenVerifier are immutable after construction;
// share one across threads. Verify() is const and thread-safe.

#ifndef HOOP_POLICY_IDENTITY_H_
#define HOOP_POLICY_IDENTITY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hoop::policy {

enum class IdentityKind : uint8_t {
  kPerson,
  kNonHuman,  // automation agent, service account, CI job
};

// Who is asking. Filled by TokenVerifier::Verify() or by the embedder.
struct Identity {
  std::string subject;              // "sub", or the embedder's user name
  std::string email;
  std::string name;
  std::vector<std::string> groups;  // from the groups claim
  IdentityKind kind = IdentityKind::kPerson;
  std::string issuer;               // "iss"; empty when from the embedder
  std::string client_id;            // "azp" or "client_id" when present
  absl::Time expires = absl::InfiniteFuture();
};

std::string_view IdentityKindName(IdentityKind kind);  // "person", "non_human"

// Why a token was refused. Carried in the status as a payload; see
// GetTokenError().
enum class TokenError : uint8_t {
  kMalformed,         // not three dot-separated parts, or empty parts
  kBadBase64,         // a part is not unpadded base64url
  kBadJson,           // header or claims are not a JSON object
  kAlgNone,           // "alg": "none"
  kAlgNotAllowed,     // HMAC, an unknown alg, or not in allowed_algorithms
  kUnknownKid,        // no JWKS key with this kid (or none fits, no kid)
  kKeyMismatch,       // the kid's key type/curve does not fit alg
  kBadSignature,
  kExpired,           // exp + leeway <= now
  kNotYetValid,       // nbf - leeway > now
  kIssuedInFuture,    // iat - leeway > now
  kWrongIssuer,
  kWrongAudience,
  kMissingClaim,      // exp, or one of required_claims
};
std::string_view TokenErrorName(TokenError e);  // "alg_none", ...
// The TokenError of a status returned by Verify(), if it has one.
std::optional<TokenError> GetTokenError(const absl::Status& status);

// A JSON Web Key Set of public keys (RFC 7517): RSA (n, e), EC (P-256,
// P-384, P-521: x, y) and OKP (Ed25519: x). Symmetric ("oct") keys and keys
// whose "use" is not "sig" are skipped; private members are ignored.
//
// Copyable (keys are shared, immutable OpenSSL handles).
class Jwks {
 public:
  static absl::StatusOr<Jwks> Parse(std::string_view json);
  static absl::StatusOr<Jwks> FromFile(const std::string& path);

  size_t size() const { return keys_.size(); }

  struct Key;  // internal: an OpenSSL public key with its kid, kty, crv, alg
  const std::vector<std::shared_ptr<const Key>>& keys() const { return keys_; }

 private:
  std::vector<std::shared_ptr<const Key>> keys_;
};

// Options for TokenVerifier. Defaults:
//   issuer               ""   (REQUIRED: tokens must carry exactly this iss)
//   audiences            {}   (REQUIRED: aud must contain one of these)
//   leeway               60s  clock skew allowed on exp / nbf / iat
//   allowed_algorithms   {}   every asymmetric algorithm listed above
//   required_claims      {}   claims that must be present (beyond exp)
//   groups_claim         "groups"
//   email_claim          "email"
//   kind_claim           ""   claim that marks a non-human identity ...
//   non_human_values     {}   ... when its value is one of these
//   non_human_client_ids {}   azp/client_id values that are non-human
//   clock                absl::Now
struct TokenVerifierOptions {
  std::string issuer;
  std::vector<std::string> audiences;
  absl::Duration leeway = absl::Seconds(60);
  std::vector<std::string> allowed_algorithms;
  std::vector<std::string> required_claims;
  std::string groups_claim = "groups";
  std::string email_claim = "email";
  std::string kind_claim;
  std::vector<std::string> non_human_values;
  std::vector<std::string> non_human_client_ids;
  std::function<absl::Time()> clock;
};

class TokenVerifier {
 public:
  TokenVerifier(Jwks jwks, TokenVerifierOptions options);

  // Verifies a compact-serialized JWS ID token and maps its claims to an
  // Identity. Errors are kUnauthenticated (kInvalidArgument for malformed
  // input), each with a TokenError payload and a message naming the check.
  absl::StatusOr<Identity> Verify(std::string_view token) const;

 private:
  Jwks jwks_;
  TokenVerifierOptions options_;
};

}  // namespace hoop::policy

#endif  // HOOP_POLICY_IDENTITY_H_
