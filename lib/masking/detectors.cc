// Copyright 2026 The hoop Authors.
//
// The built-in detectors: patterns, checks and their longest matches.
//
// Every pattern is compiled Latin-1 and leftmost-longest, and bounded (no
// unbounded repetition), so max_len holds. Patterns that would need more than
// RE2's 1000-repeat limit (JWT, PEM blocks) match a bounded head and a check
// extends the finding to its true end.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "masking/internal/engine.h"

namespace hoop::masking::internal {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsAlnum(char c) {
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z');
}
inline bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Issuer prefixes and their lengths (Visa, Mastercard, Amex, Diners, JCB,
// Discover, UnionPay, Maestro): a Luhn-valid number of the wrong length for
// its prefix is an id, not a card.
bool CardBrandLength(const char* d, int n) {
  int p2 = (d[0] - '0') * 10 + (d[1] - '0');
  int p4 = p2 * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  switch (d[0]) {
    case '4':
      return n == 13 || n == 16 || n == 19;
    case '2':
      return p4 >= 2221 && p4 <= 2720 && n == 16;
    case '5':
      return (p2 >= 51 && p2 <= 55) ? n == 16 : n >= 16;
    case '3':
      if (p2 == 34 || p2 == 37) return n == 15;
      if (p2 == 35) return n >= 16;
      if (p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39)
        return n >= 14 && n <= 16;
      return false;
    case '6':
      return n >= 16;
    default:
      return false;
  }
}

Verdict CheckCard(std::string_view text, std::size_t s, std::size_t* e) {
  char d[19];
  int n = 0;
  for (std::size_t i = s; i < *e; ++i) {
    if (IsDigit(text[i])) {
      if (n == 19) return Verdict::kRetry;
      d[n++] = text[i];
    }
  }
  if (n < 13 || !CardBrandLength(d, n)) return Verdict::kRetry;
  return LuhnValid(std::string_view(d, n)) ? Verdict::kAccept : Verdict::kRetry;
}

Verdict CheckSsn(std::string_view text, std::size_t s, std::size_t* e) {
  return UsSsnValid(text.substr(s, *e - s)) ? Verdict::kAccept : Verdict::kSkip;
}

// A dotted quad that is part of a longer dotted number (1.2.3.4.5, a version
// string or an OID) is not an address.
Verdict CheckIpv4(std::string_view text, std::size_t s, std::size_t* e) {
  if (s >= 2 && text[s - 1] == '.' && IsDigit(text[s - 2])) {
    return Verdict::kSkip;
  }
  if (*e + 1 < text.size() && text[*e] == '.' && IsDigit(text[*e + 1])) {
    return Verdict::kSkip;
  }
  return Verdict::kAccept;
}

inline bool Ipv6Neighbour(char c) { return IsAlnum(c) || c == '_' || c == ':'; }

Verdict CheckIpv6(std::string_view text, std::size_t s, std::size_t* e) {
  if (*e - s < 3) return Verdict::kSkip;  // a bare "::"
  if (s > 0 && (Ipv6Neighbour(text[s - 1]) || text[s - 1] == '.')) {
    return Verdict::kSkip;
  }
  if (*e < text.size()) {
    char c = text[*e];
    if (Ipv6Neighbour(c)) return Verdict::kSkip;
    if (c == '.' && *e + 1 < text.size() && IsDigit(text[*e + 1])) {
      return Verdict::kSkip;
    }
  }
  return Verdict::kAccept;
}

Verdict CheckIban(std::string_view text, std::size_t s, std::size_t* e) {
  return Mod97Valid(text.substr(s, *e - s)) ? Verdict::kAccept
                                            : Verdict::kRetry;
}

// user@host inside a URL's authority (scheme://user:pw@host) is not an
// e-mail address; URL_PASSWORD handles the password.
Verdict CheckEmail(std::string_view text, std::size_t s, std::size_t* e) {
  (void)e;
  std::size_t stop = s > 300 ? s - 300 : 0;
  for (std::size_t i = s; i > stop; --i) {
    char c = text[i - 1];
    if (IsSpace(c) || c == '?' || c == '#' || c == '"' || c == '\'' ||
        c == '<' || c == '>' || c == '@') {
      break;
    }
    if (c == '/') {
      if (i >= 3 && text[i - 2] == '/' && text[i - 3] == ':') {
        return Verdict::kSkip;
      }
      break;
    }
  }
  return Verdict::kAccept;
}

Verdict CheckAwsSecret(std::string_view text, std::size_t s, std::size_t* e) {
  (void)s;
  auto in_class = [](char c) { return IsAlnum(c) || c == '/' || c == '+'; };
  if (*e < text.size() && in_class(text[*e])) return Verdict::kSkip;
  bool upper = false, lower = false;
  for (std::size_t i = *e - 40; i < *e; ++i) {
    upper |= IsUpper(text[i]);
    lower |= (text[i] >= 'a' && text[i] <= 'z');
  }
  return upper && lower ? Verdict::kAccept : Verdict::kSkip;
}

constexpr std::size_t kJwtMax = 16384;
constexpr std::size_t kPemMax = 16384;

inline bool IsB64Url(char c) { return IsAlnum(c) || c == '_' || c == '-'; }

// The pattern matched "eyJ<header>.eyJ"; take the payload and an optional
// signature, up to kJwtMax bytes in all.
Verdict ExtendJwt(std::string_view text, std::size_t s, std::size_t* e) {
  std::size_t limit = std::min(text.size(), s + kJwtMax);
  std::size_t i = *e;
  while (i < limit && IsB64Url(text[i])) ++i;
  if (i - *e < 2) return Verdict::kRetry;
  if (i + 1 < limit && text[i] == '.' && IsB64Url(text[i + 1])) {
    ++i;
    while (i < limit && IsB64Url(text[i])) ++i;
  }
  *e = i;
  return Verdict::kAccept;
}

// The pattern matched the BEGIN line; take everything through the matching
// END line. Without one (a truncated block) take the key body: every byte up
// to kPemMax that can belong to a PEM body. Either way the key never leaks.
Verdict ExtendPem(std::string_view text, std::size_t s, std::size_t* e) {
  std::size_t limit = std::min(text.size(), s + kPemMax);
  std::string_view rest = text.substr(*e, limit - *e);
  std::size_t end_line = rest.find("-----END ");
  if (end_line != std::string_view::npos) {
    std::size_t tail = rest.find("PRIVATE KEY-----", end_line);
    if (tail != std::string_view::npos && tail - end_line < 64) {
      *e += tail + 16;
      return Verdict::kAccept;
    }
  }
  std::size_t i = *e;
  while (i < limit) {
    char c = text[i];
    if (!(IsAlnum(c) || IsSpace(c) || c == '+' || c == '/' || c == '=' ||
          c == ':' || c == ',' || c == '-' || c == '.')) {
      break;
    }
    ++i;
  }
  *e = i;
  return Verdict::kAccept;
}

// IBAN lengths by country (ISO 13616 registry).
int IbanLength(char a, char b) {
  static constexpr struct {
    char cc[3];
    int len;
  } kTable[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
      {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21},
      {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28},
      {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
      {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28},
      {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
      {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
      {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
      {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18},
      {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29},
      {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31}, {"SE", 24}, {"SI", 19},
      {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
  };
  // Looked up by letter pair: one load instead of a scan of the registry
  // (every IBAN-shaped run is checked, most of them in PII cells).
  struct ByPair {
    std::uint8_t len[26][26] = {};
    constexpr explicit ByPair(const decltype(kTable)& rows) {
      for (const auto& row : rows) {
        len[row.cc[0] - 'A'][row.cc[1] - 'A'] =
            static_cast<std::uint8_t>(row.len);
      }
    }
  };
  static constexpr ByPair kByPair(kTable);
  if (!IsUpper(a) || !IsUpper(b)) return 0;
  return kByPair.len[a - 'A'][b - 'A'];
}

// RE2's \b word characters.
inline bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
// \b at i, where text[i] is a word character (a match's first byte) or
// text[i - 1] is (a match's last byte).
inline bool BoundaryAfterWord(std::string_view text, std::size_t i) {
  return i >= text.size() || !IsWord(text[i]);
}
inline bool BoundaryBeforeWord(std::string_view text, std::size_t i) {
  return i == 0 || !IsWord(text[i - 1]);
}

// \b(?:\d[ -]?){12,18}\d\b: 13 to 19 digits, a single ' ' or '-' allowed
// between two of them. From a start the walk is unique (a separator is
// taken only when a digit follows it); the longest end with \b wins.
bool MatchCard(std::string_view text, std::size_t p, std::size_t we,
               std::size_t* s, std::size_t* e) {
  for (std::size_t q = p; q < we; ++q) {
    if (!IsDigit(text[q]) || !BoundaryBeforeWord(text, q)) continue;
    std::size_t i = q, best = 0;
    int n = 0;
    while (i < we && IsDigit(text[i])) {
      ++i;
      if (++n >= 13 && BoundaryAfterWord(text, i)) best = i;
      if (n == 19) break;
      if (i + 1 < we && (text[i] == ' ' || text[i] == '-') &&
          IsDigit(text[i + 1])) {
        ++i;
      }
    }
    if (best != 0) {
      *s = q;
      *e = best;
      return true;
    }
  }
  return false;
}

// \b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b. From a
// start the groups are unique (a space must be taken where there is one);
// the ends are after 2 to 7 groups, each optionally followed by a tail of
// 1 to 3; the longest end with \b wins.
bool MatchIban(std::string_view text, std::size_t p, std::size_t we,
               std::size_t* s, std::size_t* e) {
  auto alnum = [&](std::size_t from, std::size_t len) {
    if (from + len > we) return false;
    for (std::size_t k = from; k < from + len; ++k) {
      if (!IsUpper(text[k]) && !IsDigit(text[k])) return false;
    }
    return true;
  };
  for (std::size_t q = p; q + 4 <= we; ++q) {
    if (!IsUpper(text[q]) || !IsUpper(text[q + 1]) || !IsDigit(text[q + 2]) ||
        !IsDigit(text[q + 3]) || !BoundaryBeforeWord(text, q)) {
      continue;
    }
    std::size_t i = q + 4, best = 0;
    for (int k = 1; k <= 7; ++k) {
      const std::size_t g = (i < we && text[i] == ' ') ? i + 1 : i;
      if (!alnum(g, 4)) break;
      i = g + 4;
      if (k < 2) continue;
      if (BoundaryAfterWord(text, i)) best = std::max(best, i);
      const std::size_t t = (i < we && text[i] == ' ') ? i + 1 : i;
      for (std::size_t len = 1; len <= 3 && alnum(t, len); ++len) {
        if (BoundaryAfterWord(text, t + len)) best = std::max(best, t + len);
      }
    }
    if (best != 0) {
      *s = q;
      *e = best;
      return true;
    }
  }
  return false;
}

// \b(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})\b: both alternatives are 11
// bytes, so from a start there is at most one match.
bool MatchSsn(std::string_view text, std::size_t p, std::size_t we,
              std::size_t* s, std::size_t* e) {
  for (std::size_t q = p; q + 11 <= we; ++q) {
    const char* t = text.data() + q;
    const char sep = t[3];
    if ((sep == '-' || sep == ' ') && t[6] == sep && IsDigit(t[0]) &&
        IsDigit(t[1]) && IsDigit(t[2]) && IsDigit(t[4]) && IsDigit(t[5]) &&
        IsDigit(t[7]) && IsDigit(t[8]) && IsDigit(t[9]) && IsDigit(t[10]) &&
        BoundaryBeforeWord(text, q) && BoundaryAfterWord(text, q + 11)) {
      *s = q;
      *e = q + 11;
      return true;
    }
  }
  return false;
}

// Whether text[i, i + len) (within the window) is an octet,
// 25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d: 0-255, no leading zero.
inline bool Octet(std::string_view text, std::size_t i, std::size_t len,
                  std::size_t we) {
  if (i + len > we) return false;
  for (std::size_t k = i; k < i + len; ++k) {
    if (!IsDigit(text[k])) return false;
  }
  if (len == 1) return true;
  if (text[i] == '0') return false;
  if (len == 2) return true;
  const int v =
      (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
  return v <= 255;
}

// \b(?:OCTET\.){3}OCTET\b: each of the first three octets is the digits up
// to its '.'; the last is the longest of 3, 2 or 1 digits with \b after.
bool MatchIpv4(std::string_view text, std::size_t p, std::size_t we,
               std::size_t* s, std::size_t* e) {
  for (std::size_t q = p; q < we; ++q) {
    if (!IsDigit(text[q]) || !BoundaryBeforeWord(text, q)) continue;
    std::size_t i = q;
    bool ok = true;
    for (int k = 0; k < 3 && ok; ++k) {
      std::size_t len = 0;
      while (len < 4 && i + len < we && IsDigit(text[i + len])) ++len;
      ok = len >= 1 && len <= 3 && i + len < we && text[i + len] == '.' &&
           Octet(text, i, len, we);
      i += len + 1;
    }
    if (!ok) continue;
    for (std::size_t len = 3; len >= 1; --len) {
      if (Octet(text, i, len, we) && BoundaryAfterWord(text, i + len)) {
        *s = q;
        *e = i + len;
        return true;
      }
    }
  }
  return false;
}

// Byte classes of the e-mail pattern, one table lookup each.
enum : std::uint8_t { kCLocal = 1, kCLabel = 2, kCLetter = 4, kCWord = 8 };
struct EmailClasses {
  std::uint8_t of[256] = {};
  constexpr EmailClasses() {
    for (int c = 0; c < 256; ++c) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      std::uint8_t k = 0;
      if (digit || letter || c == '.' || c == '_' || c == '%' || c == '+' ||
          c == '-') {
        k |= kCLocal;
      }
      if (digit || letter || c == '-') k |= kCLabel;
      if (letter) k |= kCLetter;
      if (digit || letter || c == '_') k |= kCWord;
      of[c] = k;
    }
  }
  bool Is(char c, std::uint8_t k) const {
    return (of[static_cast<unsigned char>(c)] & k) != 0;
  }
};
constexpr EmailClasses kEmailClasses;

// [A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b.
// '@' is in no class but its own, so a match holds exactly one '@' and its
// local part is the run of local bytes just before it (the first 64 of
// them, and none before p): matches around an earlier '@' start earlier.
// The domain's labels hold no '.', so after the '@' the labels are unique;
// after each of the first 8 dots a top-level domain may end the match: a
// run of 2 to 24 letters that no letter, digit or '_' follows (\b after a
// letter). The longest end is after the last dot that gives one.
bool MatchEmail(std::string_view text, std::size_t p, std::size_t we,
                std::size_t* s, std::size_t* e) {
  const EmailClasses& cls = kEmailClasses;
  const char* const t = text.data();
  const std::size_t n = text.size();
  std::size_t from = p;
  while (from + 1 < we) {
    const void* at = std::memchr(t + from, '@', we - from);
    if (at == nullptr) return false;
    const std::size_t a =
        static_cast<std::size_t>(static_cast<const char*>(at) - t);
    from = a + 1;
    const std::size_t lo = std::max(p, a >= 64 ? a - 64 : 0);
    std::size_t q = a;
    while (q > lo && cls.Is(t[q - 1], kCLocal)) --q;
    if (q == a) continue;
    std::size_t i = a + 1, best = 0;
    for (int k = 0; k < 8; ++k) {
      const std::size_t stop = std::min(we, i + 64);
      std::size_t j = i;
      while (j < stop && cls.Is(t[j], kCLabel)) ++j;
      if (j == i || j - i > 63 || j >= we || t[j] != '.') break;
      i = j + 1;  // a top-level domain, or the next label, starts here
      const std::size_t tld_stop = std::min(n, i + 25);
      std::size_t x = i;
      while (x < tld_stop && cls.Is(t[x], kCLetter)) ++x;
      if (x - i >= 2 && x - i <= 24 && x <= we &&
          (x == n || !cls.Is(t[x], kCWord))) {
        best = x;
      }
    }
    if (best != 0) {
      *s = q;
      *e = best;
      return true;
    }
  }
  return false;
}

inline bool IsPhoneSep(char c) { return c == ' ' || c == '.' || c == '-'; }

// The longest end of a match of PHONE's first alternative,
// \+[1-9](?:[ .-]?\d){7,14}\b, starting at q (0 if none): the walk is
// unique (a separator is taken only when a digit follows it).
std::size_t PhoneE164End(std::string_view text, std::size_t q, std::size_t we) {
  const char* const t = text.data();
  if (q + 1 >= we || t[q] != '+' || t[q + 1] < '1' || t[q + 1] > '9') return 0;
  std::size_t i = q + 2, best = 0;
  for (int k = 1; k <= 14; ++k) {
    if (i < we && IsDigit(t[i])) {
      i += 1;
    } else if (i + 1 < we && IsPhoneSep(t[i]) && IsDigit(t[i + 1])) {
      i += 2;
    } else {
      break;
    }
    if (k >= 7 && BoundaryAfterWord(text, i)) best = i;
  }
  return best;
}

// The end of a match of PHONE's second alternative,
// (?:\+1[ .-]?)?(?:\(\d{3}\) ?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b, starting
// at q (0 if none). Each optional part is taken exactly when its byte is
// there (what follows it cannot start with that byte), so there is at most
// one match from q.
std::size_t PhoneNanpEnd(std::string_view text, std::size_t q, std::size_t we) {
  const char* const t = text.data();
  auto digits = [&](std::size_t i, std::size_t len) {
    if (i + len > we) return false;
    for (std::size_t k = i; k < i + len; ++k) {
      if (!IsDigit(t[k])) return false;
    }
    return true;
  };
  std::size_t j = q;
  if (t[j] == '+') {
    if (j + 1 >= we || t[j + 1] != '1') return 0;
    j += 2;
    if (j < we && IsPhoneSep(t[j])) ++j;
    if (j >= we) return 0;
  }
  std::size_t k;
  if (t[j] == '(') {
    if (!digits(j + 1, 3) || j + 4 >= we || t[j + 4] != ')') return 0;
    k = j + 5;
    if (k < we && t[k] == ' ') ++k;
  } else if (IsDigit(t[j]) && BoundaryBeforeWord(text, j) && digits(j, 3) &&
             j + 3 < we && IsPhoneSep(t[j + 3])) {
    k = j + 4;
  } else {
    return 0;
  }
  if (!digits(k, 3) || k + 3 >= we || !IsPhoneSep(t[k + 3]) ||
      !digits(k + 4, 4) || !BoundaryAfterWord(text, k + 8)) {
    return 0;
  }
  return k + 8;
}

// PHONE: the leftmost start with a match of either alternative, and there
// the longer of the two.
bool MatchPhone(std::string_view text, std::size_t p, std::size_t we,
                std::size_t* s, std::size_t* e) {
  const char* const t = text.data();
  for (std::size_t q = p; q < we; ++q) {
    const char c = t[q];
    std::size_t end = 0;
    if (c == '+') {
      end = std::max(PhoneE164End(text, q, we), PhoneNanpEnd(text, q, we));
    } else if (c == '(' || (IsDigit(c) && BoundaryBeforeWord(text, q))) {
      end = PhoneNanpEnd(text, q, we);
    }
    if (end != 0) {
      *s = q;
      *e = end;
      return true;
    }
  }
  return false;
}

// IPV6, as sets of positions: bit k of a mask stands for text[q + k]
// (k < 64; the pattern's matches are at most 45 bytes). Each part of the
// pattern maps the set of positions where it may start to the set where it
// may end (a class test and a shift per byte), so every alternative's
// every end from q is computed at once, exactly as the pattern reads; the
// longest end is the highest bit. Bytes at or after the window end are in
// no class, so no end passes it.
struct V6 {
  std::uint64_t hex = 0, colon = 0, dot = 0, digit = 0, d19 = 0, d04 = 0,
                d05 = 0, one = 0, two = 0, five = 0, f = 0, zero = 0;

  // [0-9A-Fa-f]{1,4}
  std::uint64_t Group(std::uint64_t s) const {
    const std::uint64_t a = (s & hex) << 1, b = (a & hex) << 1,
                        c = (b & hex) << 1, d = (c & hex) << 1;
    return a | b | c | d;
  }
  std::uint64_t Colon(std::uint64_t s) const { return (s & colon) << 1; }
  // 25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d
  std::uint64_t Octet(std::uint64_t s) const {
    return ((s & digit) << 1) | ((((s & d19) << 1) & digit) << 1) |
           ((((((s & one) << 1) & digit) << 1) & digit) << 1) |
           ((((((s & two) << 1) & d04) << 1) & digit) << 1) |
           ((((((s & two) << 1) & five) << 1) & d05) << 1);
  }
  // (?:OCTET\.){3}OCTET
  std::uint64_t Ipv4(std::uint64_t s) const {
    for (int k = 0; k < 3; ++k) s = (Octet(s) & dot) << 1;
    return Octet(s);
  }
  // Every end of a match from bit 0.
  std::uint64_t Ends() const {
    // p[k]: after (?:h:){k}; a[k]: after (?:h:){1,k}.
    std::uint64_t p[8], a[8];
    p[0] = 1;
    a[0] = 0;
    for (int k = 1; k <= 7; ++k) {
      p[k] = Colon(Group(p[k - 1]));
      a[k] = a[k - 1] | p[k];
    }
    std::uint64_t ends = Group(p[7]);  // 8 groups
    ends |= Colon(a[7]);               // (?:h:){1,7}:
    // (?:h:){B}(?::h){A}, B >= 1, A >= 1, A + B <= 7 (the six
    // alternatives from (?:h:){1,6}:h to h:(?::h){1,6}): after m steps,
    // t holds the ends of A = 7 - m... folded so that the B of each A is
    // at most 7 - A.
    std::uint64_t t = 0;
    for (int m = 1; m <= 6; ++m) t = Group(Colon(t | a[m]));
    ends |= t;
    // :(?::h){1,7}
    std::uint64_t u = Colon(1);
    for (int k = 1; k <= 7; ++k) {
      u = Group(Colon(u));
      ends |= u;
    }
    const std::uint64_t dbl = Colon(Colon(1));
    ends |= dbl;  // ::
    if (dot != 0) {
      ends |= Ipv4(p[6]);  // (?:h:){6}IPV4
      // ::(?:[Ff]{4}(?::0{1,4})?:)?IPV4
      std::uint64_t ff = dbl;
      for (int k = 0; k < 4; ++k) ff = (ff & f) << 1;
      std::uint64_t z = Colon(ff), zs = 0;
      for (int k = 0; k < 4; ++k) {
        z = (z & zero) << 1;
        zs |= z;
      }
      ends |= Ipv4(dbl | Colon(ff | zs));
      ends |= Ipv4(Colon(a[4]));  // (?:h:){1,4}:IPV4
    }
    return ends;
  }
};

// The classes of text[q, q + n), n <= 48.
#if defined(__SSE2__)
V6 ClassifyV6(const char* t, int n) {
  alignas(16) unsigned char b[48] = {};  // bytes past n: in no class
  std::memcpy(b, t, static_cast<std::size_t>(n));
  auto bits = [](__m128i m, int chunk) {
    return static_cast<std::uint64_t>(
               static_cast<std::uint16_t>(_mm_movemask_epi8(m)))
           << (16 * chunk);
  };
  // x - lo <= span, unsigned
  auto in = [](__m128i d, int span) {
    return _mm_cmpeq_epi8(
        _mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(span))), d);
  };
  V6 v;
  __m128i x[3], d[3];
  for (int c = 0; c < 3; ++c) {
    x[c] = _mm_load_si128(reinterpret_cast<const __m128i*>(b + 16 * c));
    d[c] = _mm_sub_epi8(x[c], _mm_set1_epi8('0'));
    const __m128i lx = _mm_or_si128(x[c], _mm_set1_epi8(0x20));
    v.colon |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8(':')), c);
    v.dot |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8('.')), c);
    v.digit |= bits(in(d[c], 9), c);
    v.hex |= bits(in(_mm_sub_epi8(lx, _mm_set1_epi8('a')), 5), c);
    v.f |= bits(_mm_cmpeq_epi8(lx, _mm_set1_epi8('f')), c);
  }
  v.hex |= v.digit;
  if (v.dot != 0) {
    for (int c = 0; c < 3; ++c) {
      v.zero |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8('0')), c);
      v.one |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8('1')), c);
      v.two |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8('2')), c);
      v.five |= bits(_mm_cmpeq_epi8(x[c], _mm_set1_epi8('5')), c);
      v.d04 |= bits(in(d[c], 4), c);
      v.d05 |= bits(in(d[c], 5), c);
    }
    v.d19 = v.digit & ~v.zero;
  }
  return v;
}
#else
inline std::uint64_t InRange(const unsigned char* b, int n, unsigned char lo,
                             unsigned char hi) {
  std::uint64_t m = 0;
  for (int k = 0; k < n; ++k) {
    m |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[k] - lo) <=
                                    hi - lo)
         << k;
  }
  return m;
}

V6 ClassifyV6(const char* t, int n) {
  const auto* b = reinterpret_cast<const unsigned char*>(t);
  V6 v;
  for (int k = 0; k < n; ++k) {
    const unsigned char c = b[k];
    v.colon |= static_cast<std::uint64_t>(c == ':') << k;
    v.dot |= static_cast<std::uint64_t>(c == '.') << k;
    v.f |= static_cast<std::uint64_t>((c | 0x20) == 'f') << k;
    v.hex |= static_cast<std::uint64_t>(
                 static_cast<unsigned char>((c | 0x20) - 'a') <= 'f' - 'a')
             << k;
  }
  v.digit = InRange(b, n, '0', '9');
  v.hex |= v.digit;
  if (v.dot != 0) {
    v.zero = InRange(b, n, '0', '0');
    v.one = InRange(b, n, '1', '1');
    v.two = InRange(b, n, '2', '2');
    v.five = InRange(b, n, '5', '5');
    v.d19 = v.digit & ~v.zero;
    v.d04 = InRange(b, n, '0', '4');
    v.d05 = InRange(b, n, '0', '5');
  }
  return v;
}
#endif

// The leftmost start with a match (a hex digit or ':'), and there the
// longest of every alternative's ends.
bool MatchIpv6(std::string_view text, std::size_t p, std::size_t we,
               std::size_t* s, std::size_t* e) {
  const char* const t = text.data();
  for (std::size_t q = p; q + 1 < we; ++q) {
    if (!IsHex(t[q]) && t[q] != ':') continue;
    // A match is at most 45 bytes.
    const int n = static_cast<int>(std::min<std::size_t>(we - q, 46));
    const std::uint64_t ends = ClassifyV6(t + q, n).Ends();
    if (ends != 0) {
      *s = q;
      *e = q + static_cast<std::size_t>(63 - __builtin_clzll(ends));
      return true;
    }
  }
  return false;
}

// Tokens of the shape \b PREFIX [class]{lo,hi} \b (AWS key ids, GitHub,
// Slack and Stripe tokens): the prefix is one of a few literals and starts
// with a letter, so \b before it is a non-word byte before it; the run is
// the bytes of the class after it, and the longest end in [lo, hi] of it
// (within the window) with \b there wins; with several prefix forms, the
// longest of their ends at the same start.
struct TokenForm {
  const char* prefix;  // '?' matches any byte of `alts`
  const char* alts;
  bool (*in_class)(char);
  std::size_t lo, hi;
};

inline bool UpperOrDigit(char c) { return IsUpper(c) || IsDigit(c); }
inline bool AlnumOrDash(char c) { return IsAlnum(c) || c == '-'; }
inline bool AlnumOrUnderscore(char c) { return IsAlnum(c) || c == '_'; }

std::size_t TokenEnd(std::string_view text, std::size_t q, std::size_t we,
                     const TokenForm& f) {
  const char* const t = text.data();
  std::size_t i = q;
  for (const char* c = f.prefix; *c != '\0'; ++c, ++i) {
    if (i >= we) return 0;
    if (*c == '?' ? std::strchr(f.alts, t[i]) == nullptr || t[i] == '\0'
                  : t[i] != *c) {
      return 0;
    }
  }
  const std::size_t r = i;
  const std::size_t stop = std::min(we, r + f.hi);
  while (i < stop && f.in_class(t[i])) ++i;
  for (std::size_t end = i; end >= r + f.lo && end > r; --end) {
    const bool after = end < text.size() && IsWord(t[end]);
    if (IsWord(t[end - 1]) != after) return end;
  }
  return 0;
}

template <const TokenForm* const* kForms, int kCount>
bool MatchToken(std::string_view text, std::size_t p, std::size_t we,
                std::size_t* s, std::size_t* e) {
  const char* const t = text.data();
  for (std::size_t q = p; q < we; ++q) {
    if (q > 0 && IsWord(t[q - 1])) continue;
    std::size_t best = 0;
    for (int k = 0; k < kCount; ++k) {
      if (t[q] != kForms[k]->prefix[0]) continue;
      best = std::max(best, TokenEnd(text, q, we, *kForms[k]));
    }
    if (best != 0) {
      *s = q;
      *e = best;
      return true;
    }
  }
  return false;
}

// \b(?:AKIA|ASIA)[A-Z0-9]{16}\b
constexpr TokenForm kAkia{"AKIA", "", UpperOrDigit, 16, 16};
constexpr TokenForm kAsia{"ASIA", "", UpperOrDigit, 16, 16};
constexpr const TokenForm* kAwsForms[] = {&kAkia, &kAsia};
// \b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})\b
constexpr TokenForm kGh{"gh?_", "pousr", IsAlnum, 36, 251};
constexpr TokenForm kGhPat{"github_pat_", "", AlnumOrUnderscore, 22, 255};
constexpr const TokenForm* kGithubForms[] = {&kGh, &kGhPat};
// \bxox[abposr]-[A-Za-z0-9-]{10,250}\b
constexpr TokenForm kXox{"xox?-", "abposr", AlnumOrDash, 10, 250};
constexpr const TokenForm* kSlackForms[] = {&kXox};
// \b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b
constexpr TokenForm kRkLive{"rk_live_", "", IsAlnum, 16, 247};
constexpr TokenForm kRkTest{"rk_test_", "", IsAlnum, 16, 247};
constexpr TokenForm kSkLive{"sk_live_", "", IsAlnum, 16, 247};
constexpr TokenForm kSkTest{"sk_test_", "", IsAlnum, 16, 247};
constexpr const TokenForm* kStripeForms[] = {&kRkLive, &kRkTest, &kSkLive,
                                             &kSkTest};

// \beyJ[A-Za-z0-9_-]{1,1000}\.eyJ: the run holds no '.', so it is all the
// base64url bytes after "eyJ", and ".eyJ" must follow it.
bool MatchJwt(std::string_view text, std::size_t p, std::size_t we,
              std::size_t* s, std::size_t* e) {
  const char* const t = text.data();
  for (std::size_t q = p; q + 3 <= we; ++q) {
    if (t[q] != 'e' || t[q + 1] != 'y' || t[q + 2] != 'J' ||
        (q > 0 && IsWord(t[q - 1]))) {
      continue;
    }
    const std::size_t r = q + 3, stop = std::min(we, r + 1001);
    std::size_t i = r;
    while (i < stop && IsB64Url(t[i])) ++i;
    if (i == r || i - r > 1000 || i + 4 > we || t[i] != '.' ||
        t[i + 1] != 'e' || t[i + 2] != 'y' || t[i + 3] != 'J') {
      continue;
    }
    *s = q;
    *e = i + 4;
    return true;
  }
  return false;
}

}  // namespace

HandFn HandMatcher(Kind kind) {
  switch (kind) {
    case Kind::kCard:
      return MatchCard;
    case Kind::kIban:
      return MatchIban;
    case Kind::kSsn:
      return MatchSsn;
    case Kind::kIpv4:
      return MatchIpv4;
    case Kind::kEmail:
      return MatchEmail;
    case Kind::kPhone:
      return MatchPhone;
    case Kind::kIpv6:
      return MatchIpv6;
    case Kind::kAwsKeyId:
      return MatchToken<kAwsForms, 2>;
    case Kind::kGithub:
      return MatchToken<kGithubForms, 2>;
    case Kind::kSlack:
      return MatchToken<kSlackForms, 1>;
    case Kind::kStripe:
      return MatchToken<kStripeForms, 4>;
    case Kind::kJwt:
      return MatchJwt;
    default:
      return nullptr;
  }
}

bool LuhnValid(std::string_view s) {
  int sum = 0, n = 0;
  for (std::size_t i = s.size(); i > 0; --i) {
    char c = s[i - 1];
    if (!IsDigit(c)) continue;
    int d = c - '0';
    if (n++ % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return n > 0 && sum % 10 == 0;
}

bool Mod97Valid(std::string_view s) {
  char buf[64];
  std::size_t n = 0;
  for (char c : s) {
    if (IsSpace(c) || c == '-') continue;
    if (!IsAlnum(c) || n == sizeof(buf)) return false;
    buf[n++] = absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  if (n < 5) return false;
  if (IsUpper(buf[0]) && IsUpper(buf[1])) {
    int want = IbanLength(buf[0], buf[1]);
    if (want != 0 && static_cast<std::size_t>(want) != n) return false;
    if (want == 0) return false;
  }
  // Move the first four characters to the end; letters count as 10..35.
  // The remainder is taken only when the sum nears 2^56 (each character
  // multiplies it by at most 100), not once per character: a division
  // costs tens of cycles.
  std::uint64_t acc = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const char c = buf[j + 4 < n ? j + 4 : j + 4 - n];
    if (IsDigit(c)) {
      acc = acc * 10 + static_cast<unsigned>(c - '0');
    } else {
      acc = acc * 100 + static_cast<unsigned>(c - 'A') + 10;
    }
    if (acc >= (std::uint64_t{1} << 56)) acc %= 97;
  }
  return acc % 97 == 1;
}

bool UsSsnValid(std::string_view s) {
  char d[9];
  int n = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      if (n == 9) return false;
      d[n++] = c;
    }
  }
  if (n != 9) return false;
  int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  int group = (d[3] - '0') * 10 + (d[4] - '0');
  int serial = (d[5] - '0') * 1000 + (d[6] - '0') * 100 + (d[7] - '0') * 10 +
               (d[8] - '0');
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

const std::vector<BuiltinSpec>& Builtins() {
  static const std::vector<BuiltinSpec>* const kBuiltins = new std::vector<
      BuiltinSpec>{
      // Secrets first: on equal spans the earlier detector names it.
      {"PRIVATE_KEY", R"(-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----)",
       0, ExtendPem, kPemMax, Kind::kPem},
      {"JWT", R"(\beyJ[A-Za-z0-9_-]{1,1000}\.eyJ)", 0, ExtendJwt, kJwtMax,
       Kind::kJwt},
      {"AWS_ACCESS_KEY_ID", R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)", 0, nullptr, 20,
       Kind::kAwsKeyId},
      {"AWS_SECRET_ACCESS_KEY",
       R"((?i:secret_?access_?key|aws_?secret_?key)["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([A-Za-z0-9/+]{40}))",
       1, CheckAwsSecret, 66, Kind::kAwsSecret},
      {"GITHUB_TOKEN",
       R"(\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})\b)",
       0, nullptr, 266, Kind::kGithub},
      {"SLACK_TOKEN", R"(\bxox[abposr]-[A-Za-z0-9-]{10,250}\b)", 0, nullptr,
       255, Kind::kSlack},
      {"STRIPE_KEY", R"(\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}\b)", 0,
       nullptr, 255, Kind::kStripe},
      {"URL_PASSWORD",
       R"(\b[A-Za-z][A-Za-z0-9+.-]{1,31}://[^\s:/?#@"'<>]{0,128}:([^\s/?#@"'<>]{1,128})@)",
       1, nullptr, 293, Kind::kUrlPassword},
      {"EMAIL",
       R"([A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b)",
       0, CheckEmail, 601, Kind::kEmail},
      {"PAYMENT_CARD", R"(\b(?:\d[ -]?){12,18}\d\b)", 0, CheckCard, 37,
       Kind::kCard},
      {"US_SSN", R"(\b(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})\b)", 0, CheckSsn,
       11, Kind::kSsn},
      {"IBAN", R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)",
       0, CheckIban, 43, Kind::kIban},
      {"PHONE",
       R"(\+[1-9](?:[ .-]?\d){7,14}\b|(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b)",
       0, nullptr, 32, Kind::kPhone},
      {"IPV4",
       R"(\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b)",
       0, CheckIpv4, 15, Kind::kIpv4},
      {"IPV6",
       "(?:"
       "(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
       "|(?:[0-9A-Fa-f]{1,4}:){1,7}:"
       "|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}"
       "|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}"
       "|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}"
       "|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}"
       "|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}"
       "|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}"
       "|:(?::[0-9A-Fa-f]{1,4}){1,7}"
       "|::"
       "|(?:[0-9A-Fa-f]{1,4}:){6}(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
       "\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
       "|::(?:[Ff]{4}(?::0{1,4})?:)?(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?"
       "\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
       "|(?:[0-9A-Fa-f]{1,4}:){1,4}:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?"
       "\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
       ")",
       0, CheckIpv6, 45, Kind::kIpv6},
  };
  return *kBuiltins;
}

}  // namespace hoop::masking::internal
