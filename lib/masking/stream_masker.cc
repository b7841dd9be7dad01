// Copyright 2026 The hoop Authors.
//
// Why the output does not depend on where chunks are cut.
//
// Every match of a built-in detector consists of bytes from a small class
// (digits and separators for a card, [A-Za-z0-9._%+@-] for an e-mail, ...),
// starts with a byte from a smaller one, is at most max_len bytes long, and
// its check looks at most 2 bytes past it (and up to 300 before it, which
// the kept context covers). So a match that could still change when more
// bytes arrive starts inside the *open* run of its class, the run that
// reaches the end of the buffer (within the look-ahead). Settled() returns
// the earliest such start over all detectors, or end - max_len for those
// with no class (custom patterns); everything before it is final. PEM blocks
// and URLs, whose matches span classes, are handled by their anchors
// ("-----BEGIN ", "://").
//
// We write out everything before that point, except that a match that
// crosses it (starting before, ending after) is held back whole, from its
// start, and found again with more data; each detector's search then
// restarts exactly where the whole-stream search would be. So interactive
// output ("total 48\n", a "$ " prompt) is forwarded at once, and only a
// possible value in progress waits.

#include "hoop/masking/stream_masker.h"

#include <algorithm>

#include "masking/internal/engine.h"

namespace hoop::masking {
namespace {

using internal::Kind;

constexpr std::size_t kContext = 512;

inline bool Digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool Upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool Lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
inline bool Alnum(unsigned char c) { return Digit(c) || Upper(c) || Lower(c); }
inline bool Space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Bytes a match of this kind can contain (a superset).
bool InClass(Kind k, unsigned char c) {
  switch (k) {
    case Kind::kEmail:
      return Alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
             c == '-' || c == '@';
    case Kind::kCard:
    case Kind::kSsn:
    case Kind::kPhone:
      return Digit(c) || c == ' ' || c == '(' || c == ')' || c == '.' ||
             c == '+' || c == '-';
    case Kind::kIpv4:
      return Digit(c) || c == '.';
    case Kind::kIpv6:
      return Digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == ':' || c == '.';
    case Kind::kIban:
      return Digit(c) || Upper(c) || c == ' ';
    case Kind::kAwsKeyId:
      return Digit(c) || Upper(c);
    case Kind::kAwsSecret:
      return Alnum(c) || c == '_' || c == '"' || c == '\'' || c == ' ' ||
             c == '\t' || c == ':' || c == '=' || c == '/' || c == '+';
    case Kind::kGithub:
    case Kind::kStripe:
      return Alnum(c) || c == '_';
    case Kind::kSlack:
      return Alnum(c) || c == '-';
    case Kind::kJwt:
      return Alnum(c) || c == '_' || c == '-' || c == '.';
    default:
      return false;
  }
}

// Bytes a match of this kind can start with (a superset).
bool StartsClass(Kind k, unsigned char c) {
  switch (k) {
    case Kind::kEmail:
      return InClass(k, c) && c != '@';
    case Kind::kCard:
    case Kind::kSsn:
    case Kind::kIpv4:
      return Digit(c);
    case Kind::kPhone:
      return Digit(c) || c == '(' || c == '+';
    case Kind::kIpv6:
      return InClass(k, c) && c != '.';
    case Kind::kIban:
      return Upper(c);
    case Kind::kAwsKeyId:
      return c == 'A';
    case Kind::kAwsSecret:
      return c == 's' || c == 'S' || c == 'a' || c == 'A';
    case Kind::kGithub:
      return c == 'g';
    case Kind::kSlack:
      return c == 'x';
    case Kind::kStripe:
      return c == 'r' || c == 's';
    case Kind::kJwt:
      return c == 'e';
    default:
      return false;
  }
}

// True if text[s, n) agrees with the first bytes of `lit` (case-folded if
// `fold`): a match starting at s with that literal is still possible.
bool Prefix(std::string_view t, std::size_t s, std::string_view lit,
            bool fold) {
  for (std::size_t k = 0; k < lit.size() && s + k < t.size(); ++k) {
    char c = t[s + k];
    if (fold && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lit[k]) return false;
  }
  return true;
}

// Can a match of `k` start at s, judging by its literal head?
bool CanStart(Kind k, std::string_view t, std::size_t s) {
  const auto c = static_cast<unsigned char>(t[s]);
  if (!StartsClass(k, c)) return false;
  switch (k) {
    case Kind::kAwsKeyId:
      return Prefix(t, s, "AKIA", false) || Prefix(t, s, "ASIA", false);
    case Kind::kAwsSecret:
      return Prefix(t, s, "secret", true) || Prefix(t, s, "aws", true);
    case Kind::kGithub:
      return Prefix(t, s, "gh", false);
    case Kind::kSlack:
      return Prefix(t, s, "xox", false);
    case Kind::kStripe:
      return Prefix(t, s, "sk_", false) || Prefix(t, s, "rk_", false);
    case Kind::kJwt:
      return Prefix(t, s, "eyJ", false);
    case Kind::kIban:
      return s + 1 >= t.size() || Upper(static_cast<unsigned char>(t[s + 1]));
    default:
      return true;
  }
}

// The earliest start in [floor, n) of a match of `k` that more bytes could
// still change, or n. A run is open if it ends less than `la` bytes before
// the end (the match's checks look up to `la` - 1 bytes past it).
std::size_t OpenStart(Kind k, std::string_view t, std::size_t floor,
                      std::size_t la) {
  const std::size_t n = t.size();
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(t[i]); };
  std::size_t j = std::max(floor, n > la ? n - la : 0);
  while (j < n && !InClass(k, u(j))) ++j;
  if (j == n) return n;
  std::size_t re = j;
  while (re < n && InClass(k, u(re))) ++re;
  while (j > floor && InClass(k, u(j - 1))) --j;
  if (re < n) {
    // A finished run can hold an IPv6 match only with a ':', an IPv4 one
    // only with a '.'; the checks' look-ahead matters only then.
    char need = k == Kind::kIpv6 ? ':' : (k == Kind::kIpv4 ? '.' : 0);
    if (need != 0 && t.substr(j, re - j).find(need) == std::string_view::npos) {
      return n;
    }
  }
  while (j < n && !CanStart(k, t, j)) ++j;
  return j;
}

// Everything in [from, result) is final: no match that starts there can
// change when more bytes arrive.
std::size_t Settled(const Masker::Rep& rep, std::string_view t,
                    std::size_t from) {
  const std::size_t n = t.size();
  std::size_t cut = n;
  for (const internal::Matcher& m : rep.matchers) {
    // \b looks one byte past a match; the IPv4/IPv6 checks two.
    const std::size_t la =
        (m.kind == Kind::kIpv4 || m.kind == Kind::kIpv6) ? 2 : 1;
    const std::size_t floor =
        std::max(from, n > m.max_len + la ? n - m.max_len - la : 0);
    std::size_t c = n;
    switch (m.kind) {
      case Kind::kNone:
        c = floor;
        break;
      case Kind::kPem: {
        // A BEGIN line not yet complete, or a private-key block whose END
        // line has not arrived.
        std::size_t x = t.find("-----BEGIN ", floor);
        while (x != std::string_view::npos && c == n) {
          std::size_t eol = t.find('\n', x);
          std::string_view line = t.substr(
              x, std::min<std::size_t>(
                     eol == std::string_view::npos ? n - x : eol - x, 90));
          bool line_done = eol != std::string_view::npos || n - x >= 90;
          if (std::size_t key = line.find("PRIVATE KEY-----");
              key != std::string_view::npos) {
            // ExtendPem looks for the END line after the BEGIN match, so
            // must we: a "-----END " overlapping the BEGIN line's dashes
            // ("KEY-------END ") is not this block's end.
            std::size_t end = t.find("-----END ", x + key + 16);
            std::size_t tail = end == std::string_view::npos
                                   ? std::string_view::npos
                                   : t.find("PRIVATE KEY-----", end);
            if (tail == std::string_view::npos || tail - end >= 64 ||
                tail + 16 + 2 > n) {
              c = x;
            }
          } else if (!line_done) {
            c = x;
          }
          if (c == n) x = t.find("-----BEGIN ", x + 1);
        }
        // A "-----BEGIN" still arriving.
        std::size_t k = n;
        while (k > floor && n - k < 90 &&
               (Upper(static_cast<unsigned char>(t[k - 1])) ||
                Digit(static_cast<unsigned char>(t[k - 1])) ||
                t[k - 1] == ' ' || t[k - 1] == '-')) {
          --k;
        }
        while (k < n && t[k] != '-') ++k;
        c = std::min(c, k);
        break;
      }
      case Kind::kUrlPassword: {
        // The trailing run of non-space bytes holds a "://" (the password
        // or its '@' may still come), or ends in what may become a scheme
        // and "://".
        // (RE2's \s, which the pattern excludes, has no '\v': a password
        // may hold one.)
        std::size_t r = n;
        while (r > floor &&
               (t[r - 1] == '\v' ||
                !Space(static_cast<unsigned char>(t[r - 1]))) &&
               t[r - 1] != '"' && t[r - 1] != '\'' && t[r - 1] != '<' &&
               t[r - 1] != '>') {
          --r;
        }
        std::size_t x = t.substr(0, n).find("://", r);
        if (x != std::string_view::npos) {
          c = std::max(r, x >= 32 ? x - 32 : 0);
          break;
        }
        std::size_t k = n;
        while (k > r && n - k < 3 && (t[k - 1] == ':' || t[k - 1] == '/')) --k;
        std::size_t e = k;
        while (k > r &&
               (Alnum(static_cast<unsigned char>(t[k - 1])) ||
                t[k - 1] == '+' || t[k - 1] == '.' || t[k - 1] == '-')) {
          --k;
        }
        if (k < e && e + 3 > n) {
          while (k < e && !Upper(static_cast<unsigned char>(t[k])) &&
                 !Lower(static_cast<unsigned char>(t[k]))) {
            ++k;
          }
          c = k;
        }
        break;
      }
      default:
        c = OpenStart(m.kind, t, floor, la);
        break;
    }
    cut = std::min(cut, std::max(c, floor));
  }
  return std::max(cut, from);
}

}  // namespace

StreamMasker::StreamMasker(const Masker& masker, MaskCounters* counters)
    : masker_(&masker), counters_(counters) {}

void StreamMasker::Write(std::string_view chunk, std::string* out) {
  buffer_.append(chunk.data(), chunk.size());
  Process(false, out);
}

void StreamMasker::Finish(std::string* out) {
  Process(true, out);
  buffer_.clear();
  context_ = 0;
}

void StreamMasker::Process(bool final, std::string* out) {
  const Masker::Rep& rep = *masker_->rep_;
  const std::size_t n = buffer_.size();
  if (n <= context_) return;
  std::size_t safe = final ? n : Settled(rep, buffer_, context_);
  if (safe <= context_) {
    if (n - context_ > rep.options.max_value_bytes) {
      // Fail closed: never forward held bytes we could not decide on.
      if (counters_) counters_->Add(rep.fail_counter(), n - context_);
      out->append(rep.options.fail_token);
      buffer_.clear();
      context_ = 0;
    }
    return;
  }
  std::string_view text(buffer_);
  internal::Spans groups;
  internal::Windows barriers;
  rep.Find(text, context_, ~std::uint64_t{0}, rep.options.prefilter, &groups,
           &barriers);
  // Cut where no match (of any detector, found or skipped) crosses: a match
  // still open at `safe` is held back whole, from its start.
  std::size_t cut = safe;
  for (bool moved = true; moved && !final;) {
    moved = false;
    for (const internal::Window& b : barriers) {
      if (b.begin < cut && b.end > cut) {
        cut = b.begin;
        moved = true;
      }
    }
  }
  internal::Spans done;
  for (const internal::Span& g : groups) {
    if (g.begin >= cut) break;
    done.push_back(g);
  }
  if (cut > context_) {
    if (!rep.Render(text, context_, cut, done, out)) {
      if (counters_) counters_->Add(rep.fail_counter(), cut - context_);
      out->append(rep.options.fail_token);
    } else {
      rep.Count(done, counters_);
    }
  }
  // Keep a little already-written context for boundaries and checks.
  std::size_t keep_from = cut > kContext ? cut - kContext : 0;
  buffer_.erase(0, keep_from);
  context_ = cut - keep_from;
  if (n - cut > rep.options.max_value_bytes) {
    if (counters_) counters_->Add(rep.fail_counter(), n - cut);
    out->append(rep.options.fail_token);
    buffer_.clear();
    context_ = 0;
  }
}

}  // namespace hoop::masking
