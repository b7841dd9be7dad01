// Copyright 2026 The hoop Authors.
//
// hoopctl token keygen|mint: a local stand-in for an identity provider, FOR
// DEMOS AND TESTS ONLY. It makes an Ed25519 key with its public JWKS, and
// mints OIDC-style ID tokens (EdDSA compact JWS) signed with it, so the demo
// (`make demo`), tests and benchmark scripts can log in to a gateway without
// an identity provider. A real deployment points the gateway's `jwks_file`
// at its identity provider's keys and never uses this.
//
//   hoopctl token keygen --key KEY.pem --jwks JWKS.json [--kid demo]
//   hoopctl token mint --key KEY.pem --issuer ISS --audience AUD
//       --subject SUB [--group G]... [--claim NAME=VALUE]... [--ttl SECONDS]
//       [--kid demo]
//
// keygen writes the private key as PKCS#8 PEM (mode 0600) and the public key
// as a JWKS ({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid", "x", ...}]}).
// mint prints the token on stdout: header {"alg": "EdDSA", "typ": "JWT",
// "kid"}, claims iss, aud, sub, iat = nbf = now, exp = now + ttl, "groups"
// (an array, when --group is given) and each --claim as a string claim.
// Exit codes: 0 done; 1 a file could not be read or written, or the key is
// not Ed25519; CLI11's own codes for bad arguments.

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace hoop::hoopctl {
namespace {

constexpr char kDemoNotice[] =
    "For demos and tests only: a real deployment points the gateway's "
    "jwks_file at its identity provider's JWKS.";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Unpadded base64url (RFC 7515 §2).
std::string Base64Url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "hoopctl token: " << message << "\n";
  throw CLI::RuntimeError(1);
}

// Writes `text` to `path`, replacing it, readable by its owner only when
// `secret`.
void WriteFileOrFail(const std::string& path, const std::string& text,
                     bool secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        secret ? 0600 : 0644);
  if (fd < 0) Fail("cannot write " + path + ": " + std::strerror(errno));
  if (secret)
    ::fchmod(fd, 0600);  // O_CREAT's mode does not apply to an
                         // existing file
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      Fail("cannot write " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    Fail("cannot write " + path + ": " + std::strerror(errno));
}

void Keygen(const std::string& key_path, const std::string& jwks_path,
            const std::string& kid) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) Fail("OpenSSL could not generate an Ed25519 key");

  Bio mem(BIO_new(BIO_s_mem()));
  if (mem == nullptr ||
      PEM_write_bio_PrivateKey(mem.get(), key.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    Fail("OpenSSL could not encode the private key");
  }
  char* pem = nullptr;
  const long pem_len = BIO_get_mem_data(mem.get(), &pem);
  WriteFileOrFail(key_path, std::string(pem, static_cast<std::size_t>(pem_len)),
                  /*secret=*/true);

  unsigned char raw[32];
  std::size_t raw_len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key.get(), raw, &raw_len) != 1)
    Fail("OpenSSL could not export the public key");
  const nlohmann::json jwks = {
      {"keys",
       {{{"kty", "OKP"},
         {"crv", "Ed25519"},
         {"use", "sig"},
         {"alg", "EdDSA"},
         {"kid", kid},
         {"x", Base64Url(std::string_view(reinterpret_cast<char*>(raw),
                                          raw_len))}}}}};
  WriteFileOrFail(jwks_path, jwks.dump(2) + "\n", /*secret=*/false);
}

Pkey ReadEd25519Key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  const std::string pem((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
  Bio mem(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(mem == nullptr
               ? nullptr
               : PEM_read_bio_PrivateKey(mem.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) Fail(path + " is not a PEM private key");
  if (!EVP_PKEY_is_a(key.get(), "ED25519"))
    Fail(path + " is not an Ed25519 key (make one with hoopctl token keygen)");
  return key;
}

struct MintOptions {
  std::string key;
  std::string issuer;
  std::string audience;
  std::string subject;
  std::vector<std::string> groups;
  std::vector<std::string> claims;  // NAME=VALUE
  int64_t ttl = 3600;
  std::string kid = "demo";
};

std::string Mint(const MintOptions& o) {
  const Pkey key = ReadEd25519Key(o.key);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  nlohmann::json claims = {{"iss", o.issuer},  {"aud", o.audience},
                           {"sub", o.subject}, {"iat", now},
                           {"nbf", now},       {"exp", now + o.ttl}};
  if (!o.groups.empty()) claims["groups"] = o.groups;
  // The claims the flags set cannot be overridden by --claim: a token whose
  // meaning depends on the order of flags would surprise.
  const std::set<std::string> reserved = {"iss", "aud", "sub",   "iat",
                                          "nbf", "exp", "groups"};
  for (const std::string& c : o.claims) {
    const std::size_t eq = c.find('=');
    if (eq == std::string::npos || eq == 0)
      Fail("--claim expects NAME=VALUE, got '" + c + "'");
    const std::string name = c.substr(0, eq);
    if (reserved.count(name) != 0)
      Fail("--claim " + name + ": set it with its own flag");
    claims[name] = c.substr(eq + 1);
  }
  const nlohmann::json header = {
      {"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", o.kid}};
  const std::string input =
      Base64Url(header.dump()) + "." + Base64Url(claims.dump());

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  std::size_t sig_len = sizeof(sig);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len,
                     reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    Fail("OpenSSL could not sign the token");
  }
  return input + "." +
         Base64Url(std::string_view(reinterpret_cast<char*>(sig), sig_len));
}

}  // namespace

void RegisterToken(CLI::App& app) {
  CLI::App* token = app.add_subcommand(
      "token",
      std::string("make a demo signing key and mint ID tokens with it. ") +
          kDemoNotice);
  token->require_subcommand(1);
  token->footer(kDemoNotice);

  auto* keygen = token->add_subcommand(
      "keygen", "write an Ed25519 private key (PEM) and its public JWKS");
  auto key_path = std::make_shared<std::string>();
  auto jwks_path = std::make_shared<std::string>();
  auto kid = std::make_shared<std::string>("demo");
  keygen->add_option("--key", *key_path, "private key to write (PEM, 0600)")
      ->required();
  keygen->add_option("--jwks", *jwks_path, "public JWKS to write (JSON)")
      ->required();
  keygen->add_option("--kid", *kid, "the key's id in the JWKS")
      ->capture_default_str();
  keygen->callback(
      [key_path, jwks_path, kid] { Keygen(*key_path, *jwks_path, *kid); });

  auto* mint = token->add_subcommand(
      "mint",
      "print an EdDSA-signed ID token (compact JWT) on stdout; iat and nbf "
      "are now, exp is now + ttl");
  auto o = std::make_shared<MintOptions>();
  mint->add_option("--key", o->key,
                   "Ed25519 private key (hoopctl token "
                   "keygen)")
      ->required();
  mint->add_option("--issuer", o->issuer, "the iss claim")->required();
  mint->add_option("--audience", o->audience, "the aud claim")->required();
  mint->add_option("--subject", o->subject, "the sub claim")->required();
  mint->add_option("--group", o->groups,
                   "a member of the groups claim (repeatable)");
  mint->add_option("--claim", o->claims,
                   "NAME=VALUE: a string claim, e.g. kind=agent or "
                   "email=ana@example.com (repeatable)");
  mint->add_option("--ttl", o->ttl,
                   "seconds until exp (negative: an expired token, for tests)")
      ->capture_default_str();
  mint->add_option("--kid", o->kid, "the header's kid (as in the JWKS)")
      ->capture_default_str();
  mint->callback([o] { std::cout << Mint(*o) << "\n"; });
}

}  // namespace hoop::hoopctl
