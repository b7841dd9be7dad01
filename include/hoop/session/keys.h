// Copyright 2026 The hoop Authors.
//
// Ed25519 keys for signing and verifying session checkpoints (OpenSSL 3).
//
//   absl::StatusOr<SigningKey> key = SigningKey::Generate();
//   std::string pem = key->PrivateKeyPem();          // keep secret
//   std::string pub = key->PublicKeyPem();           // give to reviewers
//   absl::StatusOr<VerifyingKey> v = VerifyingKey::FromPem(pub);
//
// Keys are the standard PEM forms (PKCS#8 private, SubjectPublicKeyInfo
// public), so `openssl genpkey -algorithm ed25519` makes one too. A key's id
// is SHA-256 of its raw 32-byte public key; checkpoints carry it so a
// verifier can say which key signed.
//
// Thread-safety: both classes are immutable after construction; Sign and
// Verify may be called from any number of threads. Copies share the
// underlying OpenSSL key (reference counted).

#ifndef HOOP_SESSION_KEYS_H_
#define HOOP_SESSION_KEYS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hoop::session {

class SigningKey {
 public:
  static absl::StatusOr<SigningKey> Generate();
  // kInvalidArgument unless `pem` is an Ed25519 private key.
  static absl::StatusOr<SigningKey> FromPem(std::string_view pem);

  std::string PrivateKeyPem() const;
  std::string PublicKeyPem() const;
  const std::string& key_id() const { return key_id_; }  // 32 bytes

  // Returns the 64-byte Ed25519 signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  struct Impl;
  explicit SigningKey(std::shared_ptr<const Impl> impl, std::string key_id);
  std::shared_ptr<const Impl> impl_;
  std::string key_id_;
};

class VerifyingKey {
 public:
  // Accepts a public key PEM, or a private key PEM (its public half).
  static absl::StatusOr<VerifyingKey> FromPem(std::string_view pem);

  const std::string& key_id() const { return key_id_; }  // 32 bytes
  // Returns true iff `signature` is this key's signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  struct Impl;
  explicit VerifyingKey(std::shared_ptr<const Impl> impl, std::string key_id);
  std::shared_ptr<const Impl> impl_;
  std::string key_id_;
};

// SHA-256 of `data` (32 bytes).
std::string Sha256(std::string_view data);

}  // namespace hoop::session

#endif  // HOOP_SESSION_KEYS_H_
