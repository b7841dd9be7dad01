// Copyright 2026 The hoop Authors.

#include "upstream_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <utility>

namespace hoop::gateway {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(),
            out, sizeof(out), &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The value of `key`= in "a=1,b=2".
bool Attribute(std::string_view message, char key, std::string_view* value) {
  std::size_t pos = 0;
  while (pos <= message.size()) {
    std::size_t end = message.find(',', pos);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view part = message.substr(pos, end - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') {
      *value = part.substr(2);
      return true;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

absl::StatusOr<std::string> Unbase64(std::string_view text) {
  if (text.size() % 4 != 0)
    return absl::InvalidArgumentError("base64: bad length");
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (n < 0) return absl::InvalidArgumentError("base64: bad input");
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

ScramSha256::ScramSha256(std::string password)
    : password_(std::move(password)) {
  unsigned char raw[18];
  if (RAND_bytes(raw, sizeof(raw)) != 1) std::abort();
  nonce_ = Base64(std::string_view(reinterpret_cast<char*>(raw), sizeof(raw)));
  client_first_bare_ = "n=,r=" + nonce_;
}

std::string ScramSha256::ClientFirst() const {
  return "n,," + client_first_bare_;
}

absl::StatusOr<std::string> ScramSha256::ClientFinal(
    std::string_view server_first) {
  std::string_view nonce, salt_b64, iterations_text;
  if (!Attribute(server_first, 'r', &nonce) ||
      !Attribute(server_first, 's', &salt_b64) ||
      !Attribute(server_first, 'i', &iterations_text)) {
    return absl::InvalidArgumentError("SCRAM: server-first lacks r, s or i");
  }
  if (nonce.size() <= nonce_.size() ||
      nonce.substr(0, nonce_.size()) != nonce_) {
    return absl::InvalidArgumentError(
        "SCRAM: server nonce does not extend ours");
  }
  absl::StatusOr<std::string> salt = Unbase64(salt_b64);
  if (!salt.ok()) return salt.status();
  const int iterations = std::atoi(std::string(iterations_text).c_str());
  if (iterations <= 0 || iterations > 10'000'000)
    return absl::InvalidArgumentError("SCRAM: bad iteration count");

  unsigned char salted[32];
  if (PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                        reinterpret_cast<const unsigned char*>(salt->data()),
                        static_cast<int>(salt->size()), iterations,
                        EVP_sha256(), sizeof(salted), salted) != 1) {
    return absl::InternalError("SCRAM: PBKDF2 failed");
  }
  const std::string_view salted_password(reinterpret_cast<char*>(salted),
                                         sizeof(salted));
  const std::string client_key = HmacSha256(salted_password, "Client Key");
  const std::string stored_key = Digest(EVP_sha256(), client_key);
  const std::string server_key = HmacSha256(salted_password, "Server Key");
  OPENSSL_cleanse(salted, sizeof(salted));

  const std::string client_final_bare = "c=biws,r=" + std::string(nonce);
  const std::string auth_message = client_first_bare_ + "," +
                                   std::string(server_first) + "," +
                                   client_final_bare;
  const std::string signature = HmacSha256(stored_key, auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
  server_signature_ = Base64(HmacSha256(server_key, auth_message));
  return client_final_bare + ",p=" + Base64(proof);
}

absl::Status ScramSha256::VerifyServerFinal(
    std::string_view server_final) const {
  std::string_view value;
  if (Attribute(server_final, 'e', &value))
    return absl::PermissionDeniedError("SCRAM: server error " +
                                       std::string(value));
  if (!Attribute(server_final, 'v', &value) || server_signature_.empty() ||
      value != server_signature_) {
    return absl::PermissionDeniedError(
        "SCRAM: the server's signature does not verify");
  }
  return absl::OkStatus();
}

std::string Md5Password(std::string_view user, std::string_view password,
                        std::string_view salt) {
  const std::string inner =
      Hex(Digest(EVP_md5(), std::string(password) + std::string(user)));
  return "md5" + Hex(Digest(EVP_md5(), inner + std::string(salt)));
}

}  // namespace hoop::gateway
