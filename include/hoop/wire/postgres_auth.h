// Copyright 2026 The hoop Authors.
//
// The client side of PostgreSQL password authentication, for a proxy that
// logs in to the server with the resource's own credential (the user's
// credential never reaches the server): SCRAM-SHA-256 (RFC 5802 and RFC
// 7677 as PostgreSQL uses them: no channel binding, "n,,", c=biws) and MD5.
// OpenSSL does the cryptography.
//
//   ScramClient scram(password);                   // random nonce
//   scram.UseKeyCache(&cache);                     // optional, see below
//   send SASLInitialResponse{"SCRAM-SHA-256", scram.ClientFirst()}
//   absl::StatusOr<std::string> fin = scram.ClientFinal(server_first);
//   send SASLResponse{*fin}                        // from SASLContinue's data
//   absl::Status ok = scram.VerifyServerFinal(server_final);  // SASLFinal's
//
// A ScramClient is one exchange: not thread-safe, not reusable. The user
// name in the exchange is empty by default because PostgreSQL takes the role
// from the StartupMessage (libpq does the same). Passwords are used as given
// (no SASLprep), which is exact for ASCII passwords.
//
// ScramKeyCache: deriving the salted password is PBKDF2 with the server's
// iteration count (PostgreSQL's default 4096 costs about 4 ms of CPU), the
// whole CPU cost of a login. The server keeps one salt per role, so a proxy
// that logs in again and again with the same credential can keep the derived
// key: a cache shared by the logins of one credential, thread-safe. It holds
// key material as sensitive as the password itself, in memory only; a salt
// or iteration count the server changes is simply a new entry.

#ifndef HOOP_WIRE_POSTGRES_AUTH_H_
#define HOOP_WIRE_POSTGRES_AUTH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace hoop::wire::postgres {

class ScramKeyCache {
 public:
  // At most `capacity` entries; when full, the cache starts over.
  explicit ScramKeyCache(std::size_t capacity = 64) : capacity_(capacity) {}
  ~ScramKeyCache();
  ScramKeyCache(const ScramKeyCache&) = delete;
  ScramKeyCache& operator=(const ScramKeyCache&) = delete;

  // The salted password for (password, salt, iterations), derived once.
  // kInternal if OpenSSL fails.
  absl::StatusOr<std::string> SaltedPassword(std::string_view password,
                                             std::string_view salt,
                                             int iterations);

  // How many lookups found their key / had to derive it.
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  const std::size_t capacity_;
  mutable absl::Mutex mu_;
  // Key: SHA-256(password) | iterations | salt.
  absl::flat_hash_map<std::string, std::string> keys_ ABSL_GUARDED_BY(mu_);
  std::uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

class ScramClient {
 public:
  // A fresh random nonce (18 bytes, base64).
  explicit ScramClient(std::string password, std::string user = "");
  // A given nonce, for known-answer tests.
  ScramClient(std::string password, std::string user, std::string nonce);
  ~ScramClient();

  // Derive the salted password through `cache` (not owned; must outlive
  // ClientFinal). Without one, every exchange runs PBKDF2.
  void UseKeyCache(ScramKeyCache* cache) { cache_ = cache; }

  // "n,,n=<user>,r=<nonce>": the SASLInitialResponse's data.
  std::string ClientFirst() const;

  // From the server-first message ("r=...,s=...,i=..."): the client-final
  // message "c=biws,r=...,p=<proof>". kInvalidArgument if the server's nonce
  // does not extend ours, or r, s or i is missing or malformed (an iteration
  // count outside 1..10,000,000 included: a server must not make the proxy
  // spin).
  absl::StatusOr<std::string> ClientFinal(std::string_view server_first);

  // Checks the server-final message ("v=<signature>"): kPermissionDenied on
  // "e=..." or a signature that does not prove the server knows the password
  // (or before ClientFinal).
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
  std::string server_signature_;
  ScramKeyCache* cache_ = nullptr;
};

// The PasswordMessage answering AuthenticationMD5Password with its 4-byte
// salt: "md5" + hex(md5(hex(md5(password + user)) + salt)).
std::string Md5Password(std::string_view user, std::string_view password,
                        std::string_view salt);

// Standard base64 (with padding), as SCRAM's attributes use it.
std::string Base64Encode(std::string_view bytes);
// kInvalidArgument on a length that is not a multiple of 4 or a bad byte.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace hoop::wire::postgres

#endif  // HOOP_WIRE_POSTGRES_AUTH_H_
