// Copyright 2026 The hoop Authors.
//
// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses
// it, for tests that log in to a real server: no channel binding ("n,,",
// c=biws), and an empty user name by default because the role comes from the
// StartupMessage (libpq does the same). Passwords are used as given (no
// SASLprep), which is exact for ASCII passwords.
//
//   ScramClient scram("secret");                 // random nonce
//   send SASLInitialResponse{"SCRAM-SHA-256", scram.ClientFirst()}
//   auto final = scram.ClientFinal(server_first);   // from SASLContinue
//   send SASLResponse{*final}
//   scram.VerifyServerFinal(server_final);          // from SASLFinal
//
// Crypto is OpenSSL's (PBKDF2-HMAC-SHA256, HMAC-SHA256, SHA-256).

#ifndef HOOP_TESTS_INTEGRATION_SCRAM_CLIENT_H_
#define HOOP_TESTS_INTEGRATION_SCRAM_CLIENT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hoop::testing {

class ScramClient {
 public:
  // A fresh random nonce (18 bytes, base64).
  explicit ScramClient(std::string password, std::string user = "");
  // A given nonce, for known-answer tests.
  ScramClient(std::string password, std::string user, std::string nonce);

  // "n,,n=<user>,r=<nonce>": the SASLInitialResponse's data.
  std::string ClientFirst() const;

  // From the server-first message ("r=...,s=...,i=..."): the client-final
  // message "c=biws,r=...,p=<proof>". Fails if the server's nonce does not
  // extend ours or a field is missing or malformed.
  absl::StatusOr<std::string> ClientFinal(std::string_view server_first);

  // Checks the server-final message ("v=<signature>"); fails on "e=..." or a
  // signature that does not prove the server knows the password.
  absl::Status VerifyServerFinal(std::string_view server_final) const;

  // Base64 of the server signature expected in server-final (after
  // ClientFinal).
  const std::string& expected_server_signature() const {
    return server_signature_;
  }

 private:
  std::string password_;
  std::string user_;
  std::string nonce_;
  std::string server_signature_;  // base64, set by ClientFinal
};

// Helpers, exposed for tests.
std::string Base64Encode(std::string_view bytes);
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace hoop::testing

#endif  // HOOP_TESTS_INTEGRATION_SCRAM_CLIENT_H_
