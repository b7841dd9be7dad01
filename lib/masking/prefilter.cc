// Copyright 2026 The hoop Authors.
//
// The prefilter: one pass over the value with a byte-class table, stopping
// only at bytes that can anchor a finding (digits, '@', ':', '-', '_', and
// the letters of key prefixes). Around each anchor a cheap necessary
// condition on the pattern's shape (a digit run with 13 digits for a card,
// a "::" for IPv6, "-----BEGIN " for a PEM block, ...) decides whether a
// window goes to RE2. The conditions are necessary for the *pattern*, not
// only for a valid finding, so RE2 in the windows finds exactly what it would
// find in the whole value (see engine.h and tests/masking/equivalence_test).

#include <algorithm>
#include <cstring>

#include "masking/internal/engine.h"

namespace hoop::masking::internal {
namespace {

enum : std::uint16_t {
  kFDigit = 1 << 0,
  kFAt = 1 << 1,
  kFColon = 1 << 2,
  kFDash = 1 << 3,
  kFUnder = 1 << 4,
  kFI = 1 << 5,
  kFJ = 1 << 6,
  kFx = 1 << 7,
  kFy = 1 << 8,
};

// Byte classes used to grow runs around an anchor.
enum : std::uint8_t {
  kCNum = 1 << 0,     // [0-9 ().+-]: cards, SSNs, phones, IPv4
  kCHex6 = 1 << 1,    // [0-9A-Fa-f:.]: IPv6
  kCLocal = 1 << 2,   // [A-Za-z0-9._%+-]: e-mail local part
  kCDomain = 1 << 3,  // [A-Za-z0-9.-]: e-mail domain
  kCIban = 1 << 4,    // [A-Z0-9]
  kCUrlStop = 1 << 5, // [\s/?#"'<>]: ends a URL authority
};

struct Tables {
  std::uint16_t flags[256] = {};
  std::uint8_t cls[256] = {};
  Tables() {
    for (int c = '0'; c <= '9'; ++c) flags[c] |= kFDigit;
    flags[static_cast<unsigned char>('@')] |= kFAt;
    flags[static_cast<unsigned char>(':')] |= kFColon;
    flags[static_cast<unsigned char>('-')] |= kFDash;
    flags[static_cast<unsigned char>('_')] |= kFUnder;
    flags[static_cast<unsigned char>('I')] |= kFI;
    flags[static_cast<unsigned char>('J')] |= kFJ;
    flags[static_cast<unsigned char>('x')] |= kFx;
    flags[static_cast<unsigned char>('y')] |= kFy;
    flags[static_cast<unsigned char>('Y')] |= kFy;
    for (int c = 0; c < 256; ++c) {
      bool digit = c >= '0' && c <= '9';
      bool upper = c >= 'A' && c <= 'Z';
      bool lower = c >= 'a' && c <= 'z';
      bool hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (digit || c == ' ' || c == '(' || c == ')' || c == '.' || c == '+' ||
          c == '-') {
        cls[c] |= kCNum;
      }
      if (hex || c == ':' || c == '.') cls[c] |= kCHex6;
      if (digit || upper || lower || c == '.' || c == '_' || c == '%' ||
          c == '+' || c == '-') {
        cls[c] |= kCLocal;
      }
      if (digit || upper || lower || c == '.' || c == '-') cls[c] |= kCDomain;
      if (digit || upper) cls[c] |= kCIban;
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
          c == '\v' || c == '/' || c == '?' || c == '#' || c == '"' ||
          c == '\'' || c == '<' || c == '>') {
        cls[c] |= kCUrlStop;
      }
    }
  }
};

const Tables& T() {
  static const Tables t;
  return t;
}

constexpr std::uint32_t Bit(Kind k) { return 1u << static_cast<int>(k); }

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

class Scanner {
 public:
  Scanner(std::string_view text, std::size_t begin, std::uint32_t kinds,
          std::array<Windows, kNumKinds>* w)
      : t_(text.data()), n_(text.size()), begin_(begin), kinds_(kinds), w_(w) {}

  void Run() {
    const Tables& tb = T();
    std::uint16_t active = 0;
    constexpr std::uint32_t kNumeric = Bit(Kind::kCard) | Bit(Kind::kSsn) |
                                       Bit(Kind::kPhone) | Bit(Kind::kIpv4) |
                                       Bit(Kind::kIban);
    if (kinds_ & kNumeric) active |= kFDigit;
    if (kinds_ & Bit(Kind::kEmail)) active |= kFAt;
    if (kinds_ & (Bit(Kind::kIpv6) | Bit(Kind::kUrlPassword))) active |= kFColon;
    if (kinds_ & Bit(Kind::kPem)) active |= kFDash;
    if (kinds_ & (Bit(Kind::kGithub) | Bit(Kind::kStripe))) active |= kFUnder;
    if (kinds_ & Bit(Kind::kAwsKeyId)) active |= kFI;
    if (kinds_ & Bit(Kind::kJwt)) active |= kFJ;
    if (kinds_ & Bit(Kind::kSlack)) active |= kFx;
    if (kinds_ & Bit(Kind::kAwsSecret)) active |= kFy;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    std::size_t i = begin_;
    while (true) {
      // The hot loop: most bytes anchor nothing.
      while (i + 4 <= n_ && !((tb.flags[p[i]] | tb.flags[p[i + 1]] |
                               tb.flags[p[i + 2]] | tb.flags[p[i + 3]]) &
                              active)) {
        i += 4;
      }
      while (i < n_ && !(tb.flags[p[i]] & active)) ++i;
      if (i >= n_) break;
      std::uint16_t f = tb.flags[p[i]] & active;
      if (f & kFDigit) {
        if (i >= numeric_done_) Numeric(i);
      } else if (f & kFAt) {
        Email(i);
      } else if (f & kFColon) {
        Colon(i);
      } else if (f & kFDash) {
        Pem(i);
      } else if (f & kFUnder) {
        Underscore(i);
      } else if (f & kFI) {
        AwsKeyId(i);
      } else if (f & kFJ) {
        Jwt(i);
      } else if (f & kFx) {
        Slack(i);
      } else if (f & kFy) {
        AwsSecret(i);
      }
      ++i;
    }
    for (Windows& ws : *w_) {
      if (ws.size() < 2) continue;
      std::sort(ws.begin(), ws.end(), [](const Window& a, const Window& b) {
        return a.begin < b.begin;
      });
      std::size_t out = 0;
      for (std::size_t k = 1; k < ws.size(); ++k) {
        if (ws[k].begin <= ws[out].end) {
          ws[out].end = std::max(ws[out].end, ws[k].end);
        } else {
          ws[++out] = ws[k];
        }
      }
      ws.resize(out + 1);
    }
  }

 private:
  bool Want(Kind k) const { return kinds_ & Bit(k); }
  void Add(Kind k, std::size_t b, std::size_t e) {
    Windows& ws = (*w_)[static_cast<int>(k)];
    if (!ws.empty() && b <= ws.back().end && b >= ws.back().begin) {
      ws.back().end = std::max(ws.back().end, e);
    } else {
      ws.push_back({b, e});
    }
  }
  std::size_t Cap(std::size_t s, std::size_t len) const {
    return std::min(n_, s + len);
  }

  // A run of [0-9 ().+-] holding digits: cards, SSNs, phones, IPv4, IBAN.
  void Numeric(std::size_t i) {
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    std::size_t lo = std::max(begin_, numeric_done_);
    std::size_t rs = i;
    while (rs > lo && (tb.cls[p[rs - 1]] & kCNum)) --rs;
    std::size_t re = i;
    while (re < n_ && (tb.cls[p[re]] & kCNum)) ++re;
    numeric_done_ = re;

    // IBAN: two capitals right before the run, which starts with 2 digits.
    if (Want(Kind::kIban) && IsDigit(t_[rs]) && rs >= begin_ + 2 &&
        IsUpper(t_[rs - 1]) && IsUpper(t_[rs - 2]) && rs + 1 < n_ &&
        IsDigit(t_[rs + 1])) {
      std::size_t s = rs - 2, j = s, limit = Cap(s, 43);
      int count = 0;
      while (j < limit) {
        if (tb.cls[p[j]] & kCIban) {
          ++count;
        } else if (!(t_[j] == ' ' && j > s && t_[j - 1] != ' ')) {
          break;
        }
        ++j;
      }
      if (count >= 12) Add(Kind::kIban, s, limit);
    }

    // Digit groups of the run.
    struct Group {
      std::uint32_t start, len;
    };
    absl::InlinedVector<Group, 12> g;
    int digits = 0;
    bool plus = false;
    for (std::size_t j = rs; j < re;) {
      if (IsDigit(t_[j])) {
        std::size_t k = j;
        while (k < re && IsDigit(t_[k])) ++k;
        g.push_back({static_cast<std::uint32_t>(j - rs),
                     static_cast<std::uint32_t>(k - j)});
        digits += static_cast<int>(k - j);
        j = k;
      } else {
        if (t_[j] == '+' && j + 1 < re && t_[j + 1] >= '1' && t_[j + 1] <= '9') {
          plus = true;
        }
        ++j;
      }
    }
    auto gap = [&](std::size_t k) {  // bytes between groups k-1 and k
      return g[k].start - (g[k - 1].start + g[k - 1].len);
    };
    auto gap_char = [&](std::size_t k) {
      return t_[rs + g[k - 1].start + g[k - 1].len];
    };

    if (Want(Kind::kCard) && digits >= 13) {
      int seg = 0;
      for (std::size_t k = 0; k < g.size(); ++k) {
        if (k > 0 && gap(k) == 1 && (gap_char(k) == ' ' || gap_char(k) == '-')) {
          seg += static_cast<int>(g[k].len);
        } else {
          seg = static_cast<int>(g[k].len);
        }
        if (seg >= 13) {
          Add(Kind::kCard, rs, re);
          break;
        }
      }
    }
    if (Want(Kind::kSsn) && digits >= 9) {
      for (std::size_t k = 0; k + 2 < g.size(); ++k) {
        if (g[k].len == 3 && g[k + 1].len == 2 && g[k + 2].len == 4 &&
            gap(k + 1) == 1 && gap(k + 2) == 1 &&
            gap_char(k + 1) == gap_char(k + 2) &&
            (gap_char(k + 1) == '-' || gap_char(k + 1) == ' ')) {
          Add(Kind::kSsn, rs, re);
          break;
        }
      }
    }
    if (Want(Kind::kPhone) && digits >= 8) {
      bool hit = plus;
      for (std::size_t k = 0; !hit && k + 2 < g.size(); ++k) {
        if (g[k].len == 3 && g[k + 1].len == 3 && g[k + 2].len == 4 &&
            gap(k + 1) >= 1 && gap(k + 1) <= 2 && gap(k + 2) == 1) {
          hit = true;
        }
      }
      if (hit) Add(Kind::kPhone, rs, re);
    }
    if (Want(Kind::kIpv4) && g.size() >= 4) {
      for (std::size_t k = 0; k + 3 < g.size(); ++k) {
        bool ok = true;
        for (std::size_t q = k; q < k + 4 && ok; ++q) {
          ok = g[q].len <= 3 && (q == k || (gap(q) == 1 && gap_char(q) == '.'));
        }
        if (ok) {
          Add(Kind::kIpv4, rs, re);
          break;
        }
      }
    }
  }

  void Email(std::size_t i) {
    if (!Want(Kind::kEmail) || i < begin_ + 1 || i + 1 >= n_) return;
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    if (!(tb.cls[p[i - 1]] & kCLocal) || !(tb.cls[p[i + 1]] & kCDomain)) return;
    std::size_t lo = std::max(begin_, i >= 64 ? i - 64 : 0);
    std::size_t s = i;
    while (s > lo && (tb.cls[p[s - 1]] & kCLocal)) --s;
    std::size_t limit = Cap(i + 1, 536);
    std::size_t e = i + 1;
    bool dot = false;
    while (e < limit && (tb.cls[p[e]] & kCDomain)) {
      dot |= t_[e] == '.';
      ++e;
    }
    if (dot) Add(Kind::kEmail, s, e);
  }

  void Colon(std::size_t i) {
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    if (Want(Kind::kUrlPassword) && i + 2 < n_ && t_[i + 1] == '/' &&
        t_[i + 2] == '/') {
      std::size_t ws = std::max(begin_, i >= 32 ? i - 32 : 0);
      std::size_t we = Cap(i, 3 + 128 + 1 + 128 + 1);
      bool colon = false;
      for (std::size_t j = i + 3; j < we && !(tb.cls[p[j]] & kCUrlStop); ++j) {
        if (t_[j] == ':') colon = true;
        if (t_[j] == '@') {
          if (colon) Add(Kind::kUrlPassword, ws, we);
          break;
        }
      }
    }
    if (Want(Kind::kIpv6) && i >= ipv6_done_) {
      std::size_t lo = std::max(begin_, ipv6_done_);
      std::size_t s = i;
      while (s > lo && (tb.cls[p[s - 1]] & kCHex6)) --s;
      std::size_t e = i;
      int colons = 0;
      bool dbl = false;
      while (e < n_ && (tb.cls[p[e]] & kCHex6)) {
        if (t_[e] == ':') {
          ++colons;
          if (e > s && t_[e - 1] == ':') dbl = true;
        }
        ++e;
      }
      ipv6_done_ = e;
      if (dbl || colons >= 6) Add(Kind::kIpv6, s, e);
    }
  }

  void Pem(std::size_t i) {
    if (Want(Kind::kPem) && i + 11 <= n_ &&
        std::memcmp(t_ + i, "-----BEGIN ", 11) == 0) {
      Add(Kind::kPem, i, Cap(i, 90));
    }
  }

  void Underscore(std::size_t i) {
    if (Want(Kind::kGithub)) {
      if (i >= begin_ + 3 && t_[i - 3] == 'g' && t_[i - 2] == 'h' &&
          std::strchr("pousr", t_[i - 1]) != nullptr && t_[i - 1] != '\0') {
        Add(Kind::kGithub, i - 3, Cap(i - 3, 266));
      }
      if (i >= begin_ + 6 && i + 5 <= n_ &&
          std::memcmp(t_ + i - 6, "github", 6) == 0 &&
          std::memcmp(t_ + i + 1, "pat_", 4) == 0) {
        Add(Kind::kGithub, i - 6, Cap(i - 6, 266));
      }
    }
    if (Want(Kind::kStripe) && i >= begin_ + 2 && i + 6 <= n_ &&
        (t_[i - 2] == 's' || t_[i - 2] == 'r') && t_[i - 1] == 'k' &&
        (std::memcmp(t_ + i + 1, "live_", 5) == 0 ||
         std::memcmp(t_ + i + 1, "test_", 5) == 0)) {
      Add(Kind::kStripe, i - 2, Cap(i - 2, 255));
    }
  }

  void AwsKeyId(std::size_t i) {
    if (i >= begin_ + 2 && i + 1 < n_ && t_[i - 2] == 'A' &&
        (t_[i - 1] == 'K' || t_[i - 1] == 'S') && t_[i + 1] == 'A') {
      Add(Kind::kAwsKeyId, i - 2, Cap(i - 2, 20));
    }
  }

  void Jwt(std::size_t i) {
    if (i >= begin_ + 2 && t_[i - 2] == 'e' && t_[i - 1] == 'y') {
      Add(Kind::kJwt, i - 2, Cap(i - 2, 1007));
    }
  }

  void Slack(std::size_t i) {
    if (i + 5 <= n_ && t_[i + 1] == 'o' && t_[i + 2] == 'x' &&
        std::strchr("abposr", t_[i + 3]) != nullptr && t_[i + 3] != '\0' &&
        t_[i + 4] == '-') {
      Add(Kind::kSlack, i, Cap(i, 255));
    }
  }

  // The key name before a secret key ends in "key"/"KEY" at i.
  void AwsSecret(std::size_t i) {
    if (i < begin_ + 11 || Lower(t_[i - 1]) != 'e' || Lower(t_[i - 2]) != 'k') {
      return;
    }
    static const char* const kNames[] = {
        "secretaccesskey", "secret_accesskey", "secretaccess_key",
        "secret_access_key", "awssecretkey", "aws_secretkey",
        "awssecret_key", "aws_secret_key"};
    std::size_t best = n_;
    for (const char* name : kNames) {
      std::size_t len = std::strlen(name);
      if (i + 1 < begin_ + len) continue;
      std::size_t s = i + 1 - len;
      bool eq = true;
      for (std::size_t k = 0; k < len && eq; ++k) eq = Lower(t_[s + k]) == name[k];
      if (eq) best = std::min(best, s);
    }
    if (best < n_) Add(Kind::kAwsSecret, best, Cap(i + 1, 49));
  }

  const char* t_;
  std::size_t n_;
  std::size_t begin_;
  std::uint32_t kinds_;
  std::array<Windows, kNumKinds>* w_;
  std::size_t numeric_done_ = 0;
  std::size_t ipv6_done_ = 0;
};

}  // namespace

void Prefilter(std::string_view text, std::size_t begin, std::uint32_t kinds,
               std::array<Windows, kNumKinds>* windows) {
  Scanner(text, begin, kinds, windows).Run();
}

}  // namespace hoop::masking::internal
