// Copyright 2026 The hoop Authors.
//
// Masking methods: REDACT, PARTIAL, SAME_LENGTH (UTF-8 aware) and HASH
// (HMAC-SHA256 through OpenSSL).

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>

#include "masking/internal/engine.h"

namespace hoop::masking::internal {
namespace {

// Length of the UTF-8 character at p (1 for an invalid byte, so every byte
// is covered and nothing is skipped).
std::size_t CharLen(const unsigned char* p, std::size_t left) {
  std::size_t len;
  if (p[0] < 0x80) return 1;
  if ((p[0] & 0xE0) == 0xC0) {
    len = 2;
  } else if ((p[0] & 0xF0) == 0xE0) {
    len = 3;
  } else if ((p[0] & 0xF8) == 0xF0) {
    len = 4;
  } else {
    return 1;
  }
  if (len > left) return 1;
  for (std::size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 1;
  }
  return len;
}

std::size_t CountChars(std::string_view v) {
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  std::size_t n = 0;
  for (std::size_t i = 0; i < v.size(); i += CharLen(p + i, v.size() - i)) ++n;
  return n;
}

}  // namespace

bool AppendMasked(const MethodSpec& m, std::string_view value,
                  std::string_view hash_key, std::string* out) {
  switch (m.kind) {
    case MethodSpec::Kind::kRedact:
      out->append(m.token);
      return true;
    case MethodSpec::Kind::kSameLength:
      out->append(CountChars(value), '*');
      return true;
    case MethodSpec::Kind::kPartial: {
      std::size_t chars = CountChars(value);
      std::size_t keep = std::size_t{m.keep_first} + m.keep_last;
      if (keep >= chars) {  // never reveal a whole value
        out->append(chars, '*');
        return true;
      }
      const auto* p = reinterpret_cast<const unsigned char*>(value.data());
      std::size_t i = 0, c = 0;
      while (i < value.size()) {
        std::size_t len = CharLen(p + i, value.size() - i);
        if (c < m.keep_first || c >= chars - m.keep_last) {
          out->append(value.data() + i, len);
        } else {
          out->push_back('*');
        }
        i += len;
        ++c;
      }
      return true;
    }
    case MethodSpec::Kind::kHash: {
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int md_len = 0;
      if (hash_key.empty() ||
          HMAC(EVP_sha256(), hash_key.data(), static_cast<int>(hash_key.size()),
               reinterpret_cast<const unsigned char*>(value.data()),
               value.size(), md, &md_len) == nullptr ||
          md_len < 8) {
        return false;
      }
      static const char kHex[] = "0123456789abcdef";
      out->push_back('[');
      out->append(m.token);
      out->push_back(':');
      for (int k = 0; k < 8; ++k) {
        out->push_back(kHex[md[k] >> 4]);
        out->push_back(kHex[md[k] & 15]);
      }
      out->push_back(']');
      return true;
    }
  }
  return false;
}

}  // namespace hoop::masking::internal
