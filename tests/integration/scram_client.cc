// Copyright 2026 The hoop Authors.

#include "tests/integration/scram_client.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <utility>

namespace hoop::testing {
namespace {

constexpr std::size_t kKeySize = 32;  // SHA-256

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

// Finds `key`=value in "a=1,b=2"; false when absent.
bool Attribute(std::string_view message, char key, std::string_view* value) {
  std::size_t pos = 0;
  while (pos <= message.size()) {
    std::size_t end = message.find(',', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view part = message.substr(pos, end - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') {
      *value = part.substr(2);
      return true;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return absl::InvalidArgumentError("base64: bad length");
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (n < 0) return absl::InvalidArgumentError("base64: bad input");
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

ScramClient::ScramClient(std::string password, std::string user)
    : password_(std::move(password)), user_(std::move(user)) {
  unsigned char raw[18];
  if (RAND_bytes(raw, sizeof(raw)) != 1) std::abort();
  nonce_ =
      Base64Encode(std::string_view(reinterpret_cast<char*>(raw), sizeof(raw)));
}

ScramClient::ScramClient(std::string password, std::string user,
                         std::string nonce)
    : password_(std::move(password)),
      user_(std::move(user)),
      nonce_(std::move(nonce)) {}

std::string ScramClient::ClientFirst() const {
  return "n,,n=" + user_ + ",r=" + nonce_;
}

absl::StatusOr<std::string> ScramClient::ClientFinal(
    std::string_view server_first) {
  std::string_view nonce, salt_b64, iterations_text;
  if (!Attribute(server_first, 'r', &nonce) ||
      !Attribute(server_first, 's', &salt_b64) ||
      !Attribute(server_first, 'i', &iterations_text)) {
    return absl::InvalidArgumentError("SCRAM server-first lacks r, s or i: " +
                                      std::string(server_first));
  }
  if (nonce.size() <= nonce_.size() ||
      nonce.substr(0, nonce_.size()) != nonce_) {
    return absl::InvalidArgumentError(
        "SCRAM server nonce does not extend ours");
  }
  absl::StatusOr<std::string> salt = Base64Decode(salt_b64);
  if (!salt.ok()) return salt.status();
  const int iterations = std::atoi(std::string(iterations_text).c_str());
  if (iterations <= 0)
    return absl::InvalidArgumentError("SCRAM: bad iteration count");

  unsigned char salted[kKeySize];
  if (PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                        reinterpret_cast<const unsigned char*>(salt->data()),
                        static_cast<int>(salt->size()), iterations,
                        EVP_sha256(), sizeof(salted), salted) != 1) {
    return absl::InternalError("PBKDF2 failed");
  }
  const std::string_view salted_password(reinterpret_cast<char*>(salted),
                                         sizeof(salted));
  const std::string client_key = HmacSha256(salted_password, "Client Key");
  const std::string stored_key = Sha256(client_key);
  const std::string server_key = HmacSha256(salted_password, "Server Key");

  const std::string client_final_bare = "c=biws,r=" + std::string(nonce);
  const std::string auth_message = "n=" + user_ + ",r=" + nonce_ + "," +
                                   std::string(server_first) + "," +
                                   client_final_bare;
  const std::string client_signature = HmacSha256(stored_key, auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i)
    proof[i] ^= client_signature[i];
  server_signature_ = Base64Encode(HmacSha256(server_key, auth_message));
  OPENSSL_cleanse(salted, sizeof(salted));
  return client_final_bare + ",p=" + Base64Encode(proof);
}

absl::Status ScramClient::VerifyServerFinal(
    std::string_view server_final) const {
  std::string_view value;
  if (Attribute(server_final, 'e', &value)) {
    return absl::PermissionDeniedError("SCRAM server error: " +
                                       std::string(value));
  }
  if (!Attribute(server_final, 'v', &value)) {
    return absl::InvalidArgumentError("SCRAM server-final lacks v: " +
                                      std::string(server_final));
  }
  if (server_signature_.empty() || value != server_signature_) {
    return absl::PermissionDeniedError(
        "SCRAM server signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace hoop::testing
