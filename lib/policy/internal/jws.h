// Copyright 2026 The hoop Authors.
//
// JWS compact serialization: strict base64url, header checks, key selection
// by kid, and signature verification with OpenSSL 3 EVP. TokenVerifier
// builds the OIDC claim checks on top; tests use this layer directly for the
// RFC 7515 / 7520 vectors, whose payloads are not JWT claims.

#ifndef HOOP_LIB_POLICY_INTERNAL_JWS_H_
#define HOOP_LIB_POLICY_INTERNAL_JWS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hoop/policy/identity.h"

namespace hoop::policy::internal {

// Unpadded base64url (RFC 7515 section 2). Rejects '=', other alphabets,
// impossible lengths and non-zero trailing bits.
bool Base64UrlDecode(std::string_view in, std::string* out);
std::string Base64UrlEncode(std::string_view in);

// A status carrying `error` as its TokenError payload.
absl::Status TokenStatus(TokenError error, std::string_view message);

struct VerifiedJws {
  std::string alg;
  std::string kid;
  std::string header_json;
  std::string payload;  // decoded bytes
};

// Verifies `token` against `jwks`. `allowed` empty: every asymmetric
// algorithm hoop supports.
absl::StatusOr<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                                      const std::vector<std::string>& allowed);

}  // namespace hoop::policy::internal

#endif  // HOOP_LIB_POLICY_INTERNAL_JWS_H_
