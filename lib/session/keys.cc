// Copyright 2026 The hoop Authors.

#include "hoop/session/keys.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/status/status.h"

namespace hoop::session {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string RawPublic(EVP_PKEY* key) {
  size_t len = 32;
  std::string raw(32, '\0');
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != 32) {
    return "";
  }
  return raw;
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace

std::string Sha256(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() fetches the algorithm on every call, which
  // costs more than hashing a small record; fetch once, reuse a context per
  // thread.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  if (md == nullptr || ctx == nullptr ||
      EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(
          ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1) {
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

struct SigningKey::Impl {
  PkeyPtr key;
};
struct VerifyingKey::Impl {
  PkeyPtr key;
};

SigningKey::SigningKey(std::shared_ptr<const Impl> impl, std::string key_id)
    : impl_(std::move(impl)), key_id_(std::move(key_id)) {}
VerifyingKey::VerifyingKey(std::shared_ptr<const Impl> impl, std::string key_id)
    : impl_(std::move(impl)), key_id_(std::move(key_id)) {}

absl::StatusOr<SigningKey> SigningKey::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr)
    return absl::InternalError("Ed25519 key generation failed");
  auto impl = std::make_shared<Impl>();
  impl->key.reset(raw);
  std::string id = Sha256(RawPublic(raw));
  return SigningKey(std::move(impl), std::move(id));
}

absl::StatusOr<SigningKey> SigningKey::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) {
    return absl::InvalidArgumentError("not a PEM private key");
  }
  auto impl = std::make_shared<Impl>();
  impl->key.reset(raw);
  if (EVP_PKEY_get_id(raw) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("private key is not Ed25519");
  }
  std::string id = Sha256(RawPublic(raw));
  return SigningKey(std::move(impl), std::move(id));
}

std::string SigningKey::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0,
                           nullptr, nullptr);
  return BioString(bio.get());
}

std::string SigningKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), impl_->key.get());
  return BioString(bio.get());
}

std::string SigningKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return "";  // only on allocation failure; verification then fails closed
  }
  sig.resize(len);
  return sig;
}

absl::StatusOr<VerifyingKey> VerifyingKey::FromPem(std::string_view pem) {
  EVP_PKEY* raw = nullptr;
  {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  if (raw == nullptr) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  }
  if (raw == nullptr) return absl::InvalidArgumentError("not a PEM public key");
  auto impl = std::make_shared<Impl>();
  impl->key.reset(raw);
  if (EVP_PKEY_get_id(raw) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("public key is not Ed25519");
  }
  std::string id = Sha256(RawPublic(raw));
  return VerifyingKey(std::move(impl), std::move(id));
}

bool VerifyingKey::Verify(std::string_view message,
                          std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr,
                                             nullptr, impl_->key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size()) == 1;
}

}  // namespace hoop::session
