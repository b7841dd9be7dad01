// Copyright 2026 The hoop Authors.

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/string_view.h"
#include "hoop/wire/postgres_auth.h"

namespace hoop::wire::postgres {
namespace {

using ::hoop::Sv;

constexpr std::size_t kKeySize = 32;  // SHA-256
constexpr int kMaxIterations = 10'000'000;

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(),
                key.size(), reinterpret_cast<const unsigned char*>(data.data()),
                data.size(), out, sizeof(out), &len) == nullptr) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The value of `key`= in "a=1,b=2"; false when absent.
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

absl::StatusOr<std::string> Pbkdf2(std::string_view password,
                                   std::string_view salt, int iterations) {
  unsigned char salted[kKeySize];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        sizeof(salted), salted) != 1) {
    return absl::InternalError("SCRAM: PBKDF2 failed");
  }
  std::string out(reinterpret_cast<char*>(salted), sizeof(salted));
  OPENSSL_cleanse(salted, sizeof(salted));
  return out;
}

void Cleanse(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
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
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && len > 0;
       --i) {
    --len;
  }
  out.resize(len);
  return out;
}

ScramKeyCache::~ScramKeyCache() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, salted] : keys_) Cleanse(&salted);
}

absl::StatusOr<std::string> ScramKeyCache::SaltedPassword(
    std::string_view password, std::string_view salt, int iterations) {
  const std::string key =
      absl::StrCat(Digest(EVP_sha256(), password), iterations, ":", Sv(salt));
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(key);
    if (it != keys_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
  }
  // Derived outside the lock: concurrent first logins may both derive it.
  absl::StatusOr<std::string> salted = Pbkdf2(password, salt, iterations);
  if (!salted.ok()) return salted;
  absl::MutexLock lock(&mu_);
  if (keys_.size() >= capacity_) {
    for (auto& [k, v] : keys_) Cleanse(&v);
    keys_.clear();
  }
  keys_.emplace(key, *salted);
  return salted;
}

std::uint64_t ScramKeyCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

std::uint64_t ScramKeyCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
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

ScramClient::~ScramClient() { Cleanse(&password_); }

std::string ScramClient::ClientFirst() const {
  return "n,,n=" + user_ + ",r=" + nonce_;
}

absl::StatusOr<std::string> ScramClient::ClientFinal(
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
  absl::StatusOr<std::string> salt = Base64Decode(salt_b64);
  if (!salt.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCRAM: salt: ", salt.status().message()));
  }
  int iterations = 0;
  if (!absl::SimpleAtoi(Sv(iterations_text), &iterations) || iterations <= 0 ||
      iterations > kMaxIterations) {
    return absl::InvalidArgumentError("SCRAM: bad iteration count");
  }
  absl::StatusOr<std::string> salted =
      cache_ != nullptr ? cache_->SaltedPassword(password_, *salt, iterations)
                        : Pbkdf2(password_, *salt, iterations);
  if (!salted.ok()) return salted.status();
  std::string client_key = HmacSha256(*salted, "Client Key");
  const std::string stored_key = Digest(EVP_sha256(), client_key);
  const std::string server_key = HmacSha256(*salted, "Server Key");
  Cleanse(&*salted);

  const std::string client_final_bare = absl::StrCat("c=biws,r=", Sv(nonce));
  const std::string auth_message =
      absl::StrCat("n=", user_, ",r=", nonce_, ",", Sv(server_first), ",",
                   client_final_bare);
  const std::string signature = HmacSha256(stored_key, auth_message);
  for (std::size_t i = 0; i < client_key.size(); ++i)
    client_key[i] ^= signature[i];
  server_signature_ = Base64Encode(HmacSha256(server_key, auth_message));
  std::string out =
      absl::StrCat(client_final_bare, ",p=", Base64Encode(client_key));
  Cleanse(&client_key);
  return out;
}

absl::Status ScramClient::VerifyServerFinal(
    std::string_view server_final) const {
  std::string_view value;
  if (Attribute(server_final, 'e', &value)) {
    return absl::PermissionDeniedError(
        absl::StrCat("SCRAM: server error ", Sv(value)));
  }
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
      Hex(Digest(EVP_md5(), absl::StrCat(Sv(password), Sv(user))));
  return "md5" + Hex(Digest(EVP_md5(), absl::StrCat(inner, Sv(salt))));
}

}  // namespace hoop::wire::postgres
