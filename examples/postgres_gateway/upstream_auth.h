// Copyright 2026 The hoop Authors.
//
// The gateway's side of PostgreSQL password authentication to the upstream
// server, with the resource's own credential: SCRAM-SHA-256 (RFC 5802 /
// RFC 7677, no channel binding) and MD5. OpenSSL EVP only.
//
//   ScramSha256 scram(user, password);
//   send SASLInitialResponse("SCRAM-SHA-256", scram.ClientFirst());
//   absl::StatusOr<std::string> final = scram.ClientFinal(server_first);
//   send SASLResponse(*final);
//   absl::Status ok = scram.VerifyServerFinal(server_final);  // the server
//                                                              // knew the key
//
// Not thread-safe; one object per authentication exchange.

#ifndef HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_AUTH_H_
#define HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_AUTH_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hoop::gateway {

class ScramSha256 {
 public:
  // PostgreSQL ignores the SCRAM user name (the startup packet's counts), so
  // the exchange sends an empty one, as libpq does.
  explicit ScramSha256(std::string password);

  // "n,,n=,r=<client nonce>"
  std::string ClientFirst() const;
  // The client-final message for the server-first message; kInvalidArgument
  // when server_first is malformed or its nonce does not extend ours.
  absl::StatusOr<std::string> ClientFinal(std::string_view server_first);
  // kPermissionDenied unless server_final carries the expected signature.
  absl::Status VerifyServerFinal(std::string_view server_final) const;

 private:
  std::string password_;
  std::string nonce_;
  std::string client_first_bare_;
  std::string server_signature_;  // base64, set by ClientFinal
};

// "md5" + hex(md5(hex(md5(password + user)) + salt)): the PasswordMessage
// for AuthenticationMD5Password.
std::string Md5Password(std::string_view user, std::string_view password,
                        std::string_view salt);

std::string Base64(std::string_view bytes);
absl::StatusOr<std::string> Unbase64(std::string_view text);

}  // namespace hoop::gateway

#endif  // HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_AUTH_H_
