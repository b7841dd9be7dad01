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
#include <atomic>
#include <cstring>
#include <new>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

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
  kCNum = 1 << 0,      // [0-9 ().+-]: cards, SSNs, phones, IPv4
  kCHex6 = 1 << 1,     // [0-9A-Fa-f:.]: IPv6
  kCLocal = 1 << 2,    // [A-Za-z0-9._%+-]: e-mail local part
  kCDomain = 1 << 3,   // [A-Za-z0-9.-]: e-mail domain
  kCIban = 1 << 4,     // [A-Z0-9]
  kCUrlStop = 1 << 5,  // [\s/?#"'<>]: ends a URL authority (RE2's \s: no \v)
};

struct Tables {
  std::uint16_t flags[256] = {};
  std::uint8_t cls[256] = {};
  constexpr Tables() {
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
          c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' ||
          c == '<' || c == '>') {
        cls[c] |= kCUrlStop;
      }
    }
  }
};

constexpr Tables kTables;
constexpr const Tables& T() { return kTables; }

constexpr std::uint32_t Bit(Kind k) { return 1u << static_cast<int>(k); }

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
// RE2's \b word characters.
inline bool IsWord(char c) {
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z') || c == '_';
}

// Index of the first byte at or after i that may be an anchor (a superset
// of every plan's anchors: digits, '@', ':', '-', '_', 'I', 'J', 'x', 'y',
// 'Y'), or n. The caller re-checks the byte against its plan.
inline std::size_t NextCandidate(const unsigned char* p, std::size_t i,
                                 std::size_t n) {
#if defined(__SSE2__)
  const __m128i bias = _mm_set1_epi8(static_cast<char>(128 - '0'));
  const __m128i ten = _mm_set1_epi8(static_cast<char>(-128 + 10));
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i m = _mm_cmplt_epi8(_mm_add_epi8(v, bias), ten);  // '0'..'9'
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('I')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('J')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('x')));
    // 'y' and 'Y' differ only in bit 5.
    m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                       _mm_set1_epi8('y')));
    int bits = _mm_movemask_epi8(m);
    if (bits != 0) return i + static_cast<std::size_t>(__builtin_ctz(bits));
    i += 16;
  }
#endif
  const Tables& tb = T();
  while (i < n && tb.flags[p[i]] == 0) ++i;
  return i;
}

#if defined(__SSE2__)
__extension__ typedef unsigned __int128 U128;

// Byte classes of one 64-byte block, bit k = byte k.
struct BlockMasks {
  std::uint64_t d = 0, sp = 0, da = 0, dt = 0, pl = 0, up = 0, zero = 0;
  std::uint64_t co = 0, sl = 0, hex = 0, ly = 0, le = 0, lk = 0;
  // Letters and signs that anchor secrets and e-mail: '@' or '_'; 'I'
  // (AKIA/ASIA), 'J' (eyJ), 'x' (xox?-).
  std::uint64_t atus = 0, ci = 0, cj = 0, cx = 0;
  std::uint64_t other() const { return atus | ci | cj | cx; }
};

BlockMasks ComputeBlockSse2(const unsigned char* p, std::size_t avail) {
  alignas(16) unsigned char buf[64];
  if (avail < 64) {
    std::memset(buf, 0, sizeof(buf));  // zero bytes anchor nothing
    std::memcpy(buf, p, avail);
    p = buf;
  }
  BlockMasks m;
  const __m128i dbias = _mm_set1_epi8(static_cast<char>(128 - '0'));
  const __m128i ubias = _mm_set1_epi8(static_cast<char>(128 - 'A'));
  for (int c = 0; c < 4; ++c) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * c));
    auto bits = [c](__m128i x) {
      return static_cast<std::uint64_t>(
                 static_cast<std::uint16_t>(_mm_movemask_epi8(x)))
             << (16 * c);
    };
    auto eq = [](__m128i x, char ch) {
      return _mm_cmpeq_epi8(x, _mm_set1_epi8(ch));
    };
    m.d |= bits(_mm_cmplt_epi8(_mm_add_epi8(v, dbias),
                               _mm_set1_epi8(static_cast<char>(-128 + 10))));
    m.up |= bits(_mm_cmplt_epi8(_mm_add_epi8(v, ubias),
                                _mm_set1_epi8(static_cast<char>(-128 + 26))));
    __m128i lv = _mm_or_si128(v, _mm_set1_epi8(0x20));
    m.sp |= bits(eq(v, ' '));
    m.da |= bits(eq(v, '-'));
    m.dt |= bits(eq(v, '.'));
    m.pl |= bits(eq(v, '+'));
    m.zero |= bits(eq(v, '0'));
    m.co |= bits(eq(v, ':'));
    m.sl |= bits(eq(v, '/'));
    // [0-9a-f] after folding case ('0'..'9' are unchanged by | 0x20).
    __m128i af = _mm_cmplt_epi8(
        _mm_add_epi8(lv, _mm_set1_epi8(static_cast<char>(128 - 'a'))),
        _mm_set1_epi8(static_cast<char>(-128 + 6)));
    __m128i dg = _mm_cmplt_epi8(_mm_add_epi8(v, dbias),
                                _mm_set1_epi8(static_cast<char>(-128 + 10)));
    m.hex |= bits(_mm_or_si128(af, dg));
    m.ly |= bits(eq(lv, 'y'));
    m.le |= bits(eq(lv, 'e'));
    m.lk |= bits(eq(lv, 'k'));
    m.atus |= bits(_mm_or_si128(eq(v, '@'), eq(v, '_')));
    m.ci |= bits(eq(v, 'I'));
    m.cj |= bits(eq(v, 'J'));
    m.cx |= bits(eq(v, 'x'));
  }
  return m;
}

// The same with AVX2 where the CPU has it (most x86-64 servers); chosen
// once at start-up, since Debian builds for the x86-64 baseline.
__attribute__((target("avx2"))) BlockMasks ComputeBlockAvx2(
    const unsigned char* p, std::size_t avail) {
  alignas(32) unsigned char buf[64];
  if (avail < 64) {
    std::memset(buf, 0, sizeof(buf));
    std::memcpy(buf, p, avail);
    p = buf;
  }
  BlockMasks m;
  const __m256i dbias = _mm256_set1_epi8(static_cast<char>(128 - '0'));
  const __m256i ubias = _mm256_set1_epi8(static_cast<char>(128 - 'A'));
  const __m256i abias = _mm256_set1_epi8(static_cast<char>(128 - 'a'));
  // Both halves at once, spelled out (as a loop, GCC kept it rolled).
  const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i v1 =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i case_bit = _mm256_set1_epi8(0x20);
  const __m256i lv0 = _mm256_or_si256(v0, case_bit);
  const __m256i lv1 = _mm256_or_si256(v1, case_bit);
// F(x, ...) is a byte compare of x; HOOP_BITS its 64-bit mask over the two
// halves. Lambdas would not inherit the avx2 target, hence macros.
#define HOOP_BITS(F, x0, x1, ...)                                              \
  (static_cast<std::uint64_t>(                                                 \
       static_cast<std::uint32_t>(_mm256_movemask_epi8(F(x0, __VA_ARGS__)))) | \
   (static_cast<std::uint64_t>(                                                \
        static_cast<std::uint32_t>(_mm256_movemask_epi8(F(x1, __VA_ARGS__))))  \
    << 32))
#define HOOP_EQ(x, ch) _mm256_cmpeq_epi8((x), _mm256_set1_epi8(ch))
#define HOOP_EQ2(x, a, b) _mm256_or_si256(HOOP_EQ(x, a), HOOP_EQ(x, b))
#define HOOP_BELOW(x, bias, n)                                       \
  _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + (n))), \
                    _mm256_add_epi8((x), (bias)))
#define HOOP_HEX(x, lx) \
  _mm256_or_si256(HOOP_BELOW(lx, abias, 6), HOOP_BELOW(x, dbias, 10))
  m.d = HOOP_BITS(HOOP_BELOW, v0, v1, dbias, 10);
  m.up = HOOP_BITS(HOOP_BELOW, v0, v1, ubias, 26);
  m.sp = HOOP_BITS(HOOP_EQ, v0, v1, ' ');
  m.da = HOOP_BITS(HOOP_EQ, v0, v1, '-');
  m.dt = HOOP_BITS(HOOP_EQ, v0, v1, '.');
  m.pl = HOOP_BITS(HOOP_EQ, v0, v1, '+');
  m.zero = HOOP_BITS(HOOP_EQ, v0, v1, '0');
  m.co = HOOP_BITS(HOOP_EQ, v0, v1, ':');
  m.sl = HOOP_BITS(HOOP_EQ, v0, v1, '/');
  m.hex =
      static_cast<std::uint64_t>(
          static_cast<std::uint32_t>(_mm256_movemask_epi8(HOOP_HEX(v0, lv0)))) |
      (static_cast<std::uint64_t>(
           static_cast<std::uint32_t>(_mm256_movemask_epi8(HOOP_HEX(v1, lv1))))
       << 32);
  m.ly = HOOP_BITS(HOOP_EQ, lv0, lv1, 'y');
  m.le = HOOP_BITS(HOOP_EQ, lv0, lv1, 'e');
  m.lk = HOOP_BITS(HOOP_EQ, lv0, lv1, 'k');
  m.atus = HOOP_BITS(HOOP_EQ2, v0, v1, '@', '_');
  m.ci = HOOP_BITS(HOOP_EQ, v0, v1, 'I');
  m.cj = HOOP_BITS(HOOP_EQ, v0, v1, 'J');
  m.cx = HOOP_BITS(HOOP_EQ, v0, v1, 'x');
#undef HOOP_BITS
#undef HOOP_EQ
#undef HOOP_EQ2
#undef HOOP_BELOW
#undef HOOP_HEX
  return m;
}

// The same for a whole block with AVX-512BW where the CPU has it: one
// masked load reads exactly the bytes that are there (masked-off lanes are
// zero and never fault), and every class is one compare into a 64-bit mask.
__attribute__((target("avx512f,avx512bw"))) BlockMasks ComputeBlockAvx512(
    const unsigned char* p, std::size_t avail) {
  const __mmask64 lanes =
      avail >= 64 ? ~__mmask64{0} : ((__mmask64{1} << avail) - 1);
  const __m512i v = _mm512_maskz_loadu_epi8(lanes, p);
  const __m512i lv = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
#define HOOP_EQ(x, ch) _mm512_cmpeq_epi8_mask((x), _mm512_set1_epi8(ch))
#define HOOP_IN(x, lo, n)                                            \
  _mm512_cmple_epu8_mask(_mm512_sub_epi8((x), _mm512_set1_epi8(lo)), \
                         _mm512_set1_epi8(static_cast<char>((n)-1)))
  BlockMasks m;
  m.d = HOOP_IN(v, '0', 10);
  m.up = HOOP_IN(v, 'A', 26);
  m.sp = HOOP_EQ(v, ' ');
  m.da = HOOP_EQ(v, '-');
  m.dt = HOOP_EQ(v, '.');
  m.pl = HOOP_EQ(v, '+');
  m.zero = HOOP_EQ(v, '0');
  m.co = HOOP_EQ(v, ':');
  m.sl = HOOP_EQ(v, '/');
  m.hex = HOOP_IN(lv, 'a', 6) | m.d;
  m.ly = HOOP_EQ(lv, 'y');
  m.le = HOOP_EQ(lv, 'e');
  m.lk = HOOP_EQ(lv, 'k');
  m.atus = HOOP_EQ(v, '@') | HOOP_EQ(v, '_');
  m.ci = HOOP_EQ(v, 'I');
  m.cj = HOOP_EQ(v, 'J');
  m.cx = HOOP_EQ(v, 'x');
#undef HOOP_EQ
#undef HOOP_IN
  return m;
}

// The widest kernel the CPU has, chosen once. A function-local static:
// masking may run from other static initializers, before this file's
// globals would be set up. Tests may force a narrower one.
enum class KernelLevel : int { kSse2 = 0, kAvx2 = 1, kAvx512 = 2 };

KernelLevel DetectLevel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt")) {
    return KernelLevel::kAvx512;
  }
  // (Every CPU with AVX2 has BMI2 and POPCNT, which the AVX2 quick test
  // uses; asked all the same.)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
      __builtin_cpu_supports("popcnt")) {
    return KernelLevel::kAvx2;
  }
  return KernelLevel::kSse2;
}

// Constant-initialised (so usable from any static initializer) and read
// with a plain load on every call: -1 until the first call detects the CPU.
std::atomic<int> g_level{-1};

inline KernelLevel Level() {
  int level = g_level.load(std::memory_order_relaxed);
  if (level < 0) {
    level = static_cast<int>(DetectLevel());
    g_level.store(level, std::memory_order_relaxed);
  }
  return static_cast<KernelLevel>(level);
}

bool HasAvx2() { return DetectLevel() >= KernelLevel::kAvx2; }
bool HasAvx512() { return DetectLevel() >= KernelLevel::kAvx512; }

int Count64(std::uint64_t x) {
  // SWAR: the x86-64 baseline has no POPCNT instruction and
  // __builtin_popcountll would be a libgcc call.
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}
int Count128(U128 x) {
  return Count64(static_cast<std::uint64_t>(x)) +
         Count64(static_cast<std::uint64_t>(x >> 64));
}
// REQUIRES: x != 0.
int CountTrailing(U128 x) {
  const auto lo = static_cast<std::uint64_t>(x);
  return lo != 0 ? __builtin_ctzll(lo)
                 : 64 + __builtin_ctzll(static_cast<std::uint64_t>(x >> 64));
}

inline BlockMasks ComputeBlock(const unsigned char* p, std::size_t avail) {
  switch (Level()) {
    case KernelLevel::kAvx512:
      return ComputeBlockAvx512(p, avail);
    case KernelLevel::kAvx2:
      return ComputeBlockAvx2(p, avail);
    default:
      return ComputeBlockSse2(p, avail);
  }
}
#endif

class Scanner {
 public:
  Scanner(std::string_view text, std::size_t begin, const PrefilterPlan& plan,
          KindWindows* w)
      : t_(text.data()),
        n_(text.size()),
        begin_(begin),
        kinds_(plan.kinds),
        active_(plan.anchors),
        w_(w) {}

  void Run() {
#if defined(__SSE2__)
    if (!RunShort()) RunBlocks();
#else
    RunLong();
#endif
    Finish();
  }

 private:
#if defined(__SSE2__)
  // Texts of at most 64 bytes (most cells): classify every byte at once
  // into 64-bit masks (bit k = byte begin_ + k), rule out whole detector
  // families with bit tests that are necessary conditions of the scalar
  // gates, and visit only the anchors that remain.
  bool RunShort() {
    const std::size_t len = n_ - begin_;
    if (len > 64) return false;
    const unsigned char* src =
        reinterpret_cast<const unsigned char*>(t_) + begin_;
    const BlockMasks bm = ComputeBlock(src, len);
    const std::uint64_t d = bm.d, sp = bm.sp, da = bm.da, dt = bm.dt,
                        pl = bm.pl, up = bm.up, co = bm.co, sl = bm.sl,
                        other = bm.other(), ly = bm.ly, le = bm.le, lk = bm.lk,
                        zero = bm.zero;
    auto nd = [d](int k) { return ~(d >> k); };  // byte k later: not a digit
    // SWAR popcount: the x86-64 baseline has no POPCNT instruction and
    // __builtin_popcountll would be a libgcc call.
    auto count = [](std::uint64_t x) {
      x = x - ((x >> 1) & 0x5555555555555555ULL);
      x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
      x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
      return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
    };

    // Digits anchor anything only if some numeric gate can pass.
    bool numeric = false;
    if (d != 0) {
      const int digits = count(d);
      if (!numeric && Want(Kind::kCard) && digits >= 13) {
        std::uint64_t g = d | ((sp | da) & (d << 1) & (d >> 1));
        // 13 digits need a run of at least 13 bits: most values stop here.
        std::uint64_t r = g & (g >> 1);
        r &= r >> 2;
        r &= r >> 4;
        r &= r >> 5;
        if (r == 0) g = 0;
        while (g != 0 && !numeric) {
          int s = __builtin_ctzll(g);
          std::uint64_t run = g >> s;
          int l = run == ~std::uint64_t{0} ? 64 : __builtin_ctzll(~run);
          std::uint64_t m =
              l == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << l) - 1);
          numeric = count((d >> s) & m) >= 13;
          g &= l + s >= 64 ? 0 : (~std::uint64_t{0} << (s + l));
        }
      }
      if (!numeric && Want(Kind::kSsn) && digits >= 9) {
        for (std::uint64_t x : {da, sp}) {
          numeric |= (~(d << 1) & d & (d >> 1) & (d >> 2) & (x >> 3) &
                      (d >> 4) & (d >> 5) & (x >> 6) & (d >> 7) & (d >> 8) &
                      (d >> 9) & (d >> 10) & nd(11)) != 0;
        }
      }
      if (!numeric && Want(Kind::kPhone) && digits >= 8) {
        std::uint64_t g3 = ~(d << 1) & d & (d >> 1) & (d >> 2) & nd(3);
        numeric = (pl & ((d & ~zero) >> 1)) != 0 ||
                  (g3 & (d >> 4) & (d >> 5) & (d >> 6) & nd(7) & (d >> 8) &
                   (d >> 9) & (d >> 10) & (d >> 11) & nd(12)) != 0 ||
                  (g3 & nd(4) & (d >> 5) & (d >> 6) & (d >> 7) & nd(8) &
                   (d >> 9) & (d >> 10) & (d >> 11) & (d >> 12) & nd(13)) != 0;
      }
      if (!numeric && Want(Kind::kIpv4) && digits >= 4 && count(dt) >= 3) {
        std::uint64_t dd = (d << 1) & dt & (d >> 1);
        auto near = [](std::uint64_t x) {
          return (x >> 2) | (x >> 3) | (x >> 4);
        };
        numeric = (dd & near(dd & near(dd))) != 0;
      }
      if (!numeric && Want(Kind::kIban)) {
        numeric = (up & (up >> 1) & (d >> 2) & (d >> 3)) != 0;
      }
    }
    std::uint64_t cand = other;
    if (numeric) cand |= d;
    if (da & (da >> 1) & (da >> 2) & (da >> 3) & (da >> 4)) cand |= da;
    if ((co & (sl >> 1) & (sl >> 2)) || (co & (co >> 1)) || count(co) >= 6) {
      cand |= co;
    }
    cand |= ly & (le << 1) & (lk << 2);

    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    while (cand != 0) {
      std::size_t j = static_cast<std::size_t>(__builtin_ctzll(cand));
      std::size_t i = begin_ + j;
      std::uint16_t f = tb.flags[p[i]] & active_;
      cand &= cand - 1;
      if (f & kFDigit) {
        std::size_t end = Numeric(i) - begin_;  // nothing else in the run
        cand &= end >= 64 ? 0 : (~std::uint64_t{0} << end);
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
    }
    return true;
  }
#else
  bool RunShort() { return false; }
#endif

#if defined(__SSE2__)
  // Long texts, 64 bytes at a time. Each block's digits anchor anything only
  // if some numeric gate can hold for a pattern that starts in the block;
  // the gates are evaluated on the block and the next one (no numeric
  // pattern is longer than 64 bytes). Every digit of a run leads Numeric()
  // to the whole run, so a run that straddles blocks is analysed whole
  // whichever block anchors it.
  // RunBlocks() for each kernel: the block classifier called directly, and
  // the gates (inlined) compiled for the kernel's CPU, with POPCNT and BMI
  // where it has them (every AVX2 and AVX-512 CPU does; DetectLevel()
  // checks).
  void RunBlocks() {
    switch (Level()) {
      case KernelLevel::kAvx512:
        RunBlocksAvx512();
        break;
      case KernelLevel::kAvx2:
        RunBlocksAvx2();
        break;
      default:
        RunBlocksT<KernelLevel::kSse2>();
        break;
    }
  }
  __attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt"))) void
  RunBlocksAvx512() {
    RunBlocksT<KernelLevel::kAvx512>();
  }
  __attribute__((target("avx2,bmi,bmi2,popcnt"))) void RunBlocksAvx2() {
    RunBlocksT<KernelLevel::kAvx2>();
  }

  template <KernelLevel L>
  static BlockMasks Classify(const unsigned char* p, std::size_t avail) {
    if constexpr (L == KernelLevel::kAvx512) {
      return ComputeBlockAvx512(p, avail);
    } else if constexpr (L == KernelLevel::kAvx2) {
      return ComputeBlockAvx2(p, avail);
    } else {
      return ComputeBlockSse2(p, avail);
    }
  }

  template <KernelLevel L>
  __attribute__((always_inline)) void RunBlocksT() {
    constexpr bool kPop = L != KernelLevel::kSse2;
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    constexpr std::uint32_t kNumeric = Bit(Kind::kCard) | Bit(Kind::kSsn) |
                                       Bit(Kind::kPhone) | Bit(Kind::kIpv4) |
                                       Bit(Kind::kIban);
    const bool want_numeric = (kinds_ & kNumeric) != 0;
    std::size_t pos = begin_;
    // Three blocks in turn: the previous, this one and the next.
    BlockMasks ring[3];
    BlockMasks* prevp = &ring[0];
    BlockMasks* curp = &ring[1];
    BlockMasks* nextp = &ring[2];
    // (Placement new: the classifier writes its result into the ring
    // itself, where an assignment would copy it from a temporary.)
    ::new (curp) BlockMasks(Classify<L>(p + begin_, n_ - begin_));
    for (std::size_t b = begin_; b < n_; b += 64) {
      if (b + 64 < n_) {
        ::new (nextp) BlockMasks(Classify<L>(p + b + 64, n_ - b - 64));
      } else {
        *nextp = BlockMasks();
      }
      const BlockMasks& prev = *prevp;
      const BlockMasks& cur = *curp;
      const BlockMasks& next = *nextp;
      std::uint64_t cand =
          SecretAnchors(cur, next, prev) | OtherAnchors<kPop>(cur, next, prev);
      if (want_numeric && cur.d != 0 && NumericGate<kPop>(cur, next, prev)) {
        cand |= cur.d;
      }
      if (pos > b) cand &= pos - b >= 64 ? 0 : (~std::uint64_t{0} << (pos - b));
      while (cand != 0) {
        std::size_t i = b + static_cast<std::size_t>(__builtin_ctzll(cand));
        cand &= cand - 1;
        std::uint16_t f = tb.flags[p[i]] & active_;
        if (f == 0) continue;
        pos = Dispatch(i, f);
        if (pos > i + 1) {
          cand &= pos - b >= 64 ? 0 : (~std::uint64_t{0} << (pos - b));
        }
      }
      BlockMasks* const spare = prevp;
      prevp = curp;
      curp = nextp;
      nextp = spare;
    }
  }

  // The block's '@', '_', 'I', 'J' and 'x' anchors that can matter: for
  // the letters, supersets of AwsKeyId() ("AKIA"/"ASIA"), Jwt() ("eyJ")
  // and Slack() ("xox?-") on the bytes around them.
  __attribute__((always_inline)) static std::uint64_t SecretAnchors(
      const BlockMasks& c, const BlockMasks& n, const BlockMasks& prev) {
    std::uint64_t out = c.atus;
    if (c.ci != 0) {
      const std::uint64_t up1 = (c.up << 1) | (prev.up >> 63);
      const std::uint64_t up2 = (c.up << 2) | (prev.up >> 62);
      const std::uint64_t up_after = (c.up >> 1) | (n.up << 63);
      out |= c.ci & up1 & up2 & up_after;
    }
    if (c.cj != 0) {
      const std::uint64_t le2 = (c.le << 2) | (prev.le >> 62);
      const std::uint64_t ly1 = (c.ly << 1) | (prev.ly >> 63);
      out |= c.cj & le2 & ly1;
    }
    if (c.cx != 0) {
      const std::uint64_t x2 = (c.cx >> 2) | (n.cx << 62);
      const std::uint64_t da4 = (c.da >> 4) | (n.da << 60);
      out |= c.cx & x2 & da4;
    }
    return out;
  }

  // The block's '-', ':' and 'y' anchors that can matter (lookahead in the
  // next block, lookbehind in the previous one); all are supersets of the
  // handlers' own tests.
  template <bool kPop>
  __attribute__((always_inline)) static std::uint64_t OtherAnchors(
      const BlockMasks& c, const BlockMasks& n, const BlockMasks& prev) {
    auto wide = [](std::uint64_t lo, std::uint64_t hi) {
      return static_cast<U128>(lo) | (static_cast<U128>(hi) << 64);
    };
    std::uint64_t out = 0;
    // Pem(): "-----BEGIN " starts here (first: is there a "--"?).
    if ((c.da & ((c.da >> 1) | (n.da << 63))) != 0) {
      const U128 da = wide(c.da, n.da);
      out |= static_cast<std::uint64_t>(da & (da >> 1) & (da >> 2) & (da >> 3) &
                                        (da >> 4));
    }
    // Colon(): "://" (URL), "::" or six hex-flanked colons (IPv6: every
    // match has one or the other within 45 bytes).
    if (c.co != 0) {
      const U128 co = wide(c.co, n.co), sl = wide(c.sl, n.sl),
                 hex = wide(c.hex, n.hex);
      const U128 hex_before = (hex << 1) | (prev.hex >> 63);
      bool keep = (co & (sl >> 1) & (sl >> 2)) != 0 || (co & (co >> 1)) != 0 ||
                  (c.co & 1 && prev.co >> 63) ||
                  (Count<kPop>(co) >= 6 &&
                   Count<kPop>(co & hex_before & (hex >> 1)) >= 6);
      if (keep) out |= c.co;
    }
    // AwsSecret(): a key name ending in "key" at this 'y'.
    if (c.ly != 0) {
      std::uint64_t e_before = (c.le << 1) | (prev.le >> 63);
      std::uint64_t k_before2 = (c.lk << 2) | (prev.lk >> 62);
      out |= c.ly & e_before & k_before2;
    }
    return out;
  }

  // With kPop, the caller is compiled with POPCNT (else the builtin would
  // be a libgcc call).
  template <bool kPop>
  __attribute__((always_inline)) static int Count(U128 x) {
    const auto lo = static_cast<std::uint64_t>(x);
    const auto hi = static_cast<std::uint64_t>(x >> 64);
    if constexpr (kPop) {
      return __builtin_popcountll(lo) + __builtin_popcountll(hi);
    } else {
      return Count64(lo) + Count64(hi);
    }
  }

  // Must block `c` anchor its digits? True if some scalar gate of
  // Numeric() may hold with its witness bit (a digit of the run, or a dot
  // next to one) in c. Bits 0..63 of the 128-bit view c|n are c; shifts to
  // the left carry the previous block's last bits in, so a witness right
  // after a block boundary is seen by its own block.
  template <bool kPop>
  __attribute__((always_inline)) bool NumericGate(
      const BlockMasks& c, const BlockMasks& n, const BlockMasks& prev) const {
    auto wide = [](std::uint64_t lo, std::uint64_t hi) {
      return static_cast<U128>(lo) | (static_cast<U128>(hi) << 64);
    };
    const U128 d = wide(c.d, n.d), sp = wide(c.sp, n.sp), da = wide(c.da, n.da),
               dt = wide(c.dt, n.dt), pl = wide(c.pl, n.pl),
               up = wide(c.up, n.up), zero = wide(c.zero, n.zero);
    const U128 low = static_cast<U128>(~std::uint64_t{0});
    const U128 d_before = (d << 1) | (prev.d >> 63);  // byte k-1 is a digit
    auto nd = [d](int k) { return ~(d >> k); };
    const int digits = Count<kPop>(d);
    if (Want(Kind::kCard) && digits >= 13) {
      U128 g = d | ((sp | da) & (d << 1) & (d >> 1));
      // 13 digits need a run of at least 13 bits: most blocks stop here.
      U128 r = g & (g >> 1);
      r &= r >> 2;
      r &= r >> 4;
      r &= r >> 5;
      // Only runs of 13 or more bytes (bits of r) can hold 13 digits. The
      // lowest bit of r is such a run's start (or bit 0: a run from the
      // previous block, which that block's turn has seen whole).
      while (true) {
        const auto rlo = static_cast<std::uint64_t>(r);
        if (rlo == 0) break;  // runs starting in the next block: its turn
        const int s = __builtin_ctzll(rlo);
        const U128 inv = ~(g >> s);
        const auto ilo = static_cast<std::uint64_t>(inv);
        const auto ihi = static_cast<std::uint64_t>(inv >> 64);
        const int l = ilo != 0 ? __builtin_ctzll(ilo)
                               : (ihi != 0 ? 64 + __builtin_ctzll(ihi) : 128);
        const U128 m = l >= 128 ? ~U128{0} : ((U128{1} << l) - 1);
        if (Count<kPop>((d >> s) & m) >= 13) return true;
        if (s + l >= 128) break;
        r &= ~U128{0} << (s + l);
      }
    }
    // SSN and the 3-3-4 phone shapes start with a group of exactly three
    // digits (its first bit in this block): most blocks have none.
    const U128 g3 = ~(d << 1) & d & (d >> 1) & (d >> 2) & nd(3) & low;
    if (g3 != 0 && digits >= 8) {
      if (Want(Kind::kSsn)) {
        const U128 d5 = g3 & (d >> 4) & (d >> 5) & (d >> 7) & (d >> 8) &
                        (d >> 9) & (d >> 10) & nd(11);
        if ((d5 & (da >> 3) & (da >> 6)) != 0 ||
            (d5 & (sp >> 3) & (sp >> 6)) != 0) {
          return true;
        }
      }
      if (Want(Kind::kPhone) &&
          ((g3 & (d >> 4) & (d >> 5) & (d >> 6) & nd(7) & (d >> 8) & (d >> 9) &
            (d >> 10) & (d >> 11) & nd(12)) != 0 ||
           (g3 & nd(4) & (d >> 5) & (d >> 6) & (d >> 7) & nd(8) & (d >> 9) &
            (d >> 10) & (d >> 11) & (d >> 12) & nd(13)) != 0)) {
        return true;
      }
    }
    if (Want(Kind::kPhone) && digits >= 8) {
      const U128 plus_before = (pl << 1) | (prev.pl >> 63);
      if ((plus_before & d & ~zero & low) != 0) return true;
    }
    // IPv4: no digit count, some digits may be in the previous block.
    if (Want(Kind::kIpv4)) {
      // Three dots between digits, 2-4 bytes apart: three such dots first.
      U128 dd = d_before & dt & (d >> 1);
      auto near = [](U128 x) { return (x >> 2) | (x >> 3) | (x >> 4); };
      if (Count<kPop>(dd) >= 3 && (dd & near(dd & near(dd)) & low) != 0) {
        return true;
      }
    }
    if (Want(Kind::kIban)) {
      // Two capitals then two digits; the bit is the first digit's, and the
      // capitals may be the previous block's last bytes.
      U128 up1 = (up << 1) | (prev.up >> 63);
      U128 up2 = (up << 2) | (prev.up >> 62);
      if ((up2 & up1 & d & (d >> 1) & low) != 0) return true;
    }
    return false;
  }
#endif

  // Handles the anchor at i; returns where scanning continues.
  std::size_t Dispatch(std::size_t i, std::uint16_t f) {
    if (f & kFDigit) return Numeric(i);  // nothing else anchors in its run
    if (f & kFAt) {
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
    return i + 1;
  }

  void RunLong() {
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    const std::uint16_t active = active_;
    std::size_t i = begin_;
    while (true) {
      // The hot loop: most bytes anchor nothing.
      i = NextCandidate(p, i, n_);
      if (i >= n_) break;
      std::uint16_t f = tb.flags[p[i]] & active;
      if (f == 0) {
        ++i;
        continue;
      }
      if (f & kFDigit) {
        i = Numeric(i);  // the run's end: nothing in it anchors anything else
        continue;
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
  }

  void Finish() {
    if (w_->size() < 2) return;
    std::sort(w_->begin(), w_->end(),
              [](const KindWindow& a, const KindWindow& b) {
                return a.kind != b.kind ? a.kind < b.kind : a.begin < b.begin;
              });
    std::size_t out = 0;
    for (std::size_t k = 1; k < w_->size(); ++k) {
      KindWindow& last = (*w_)[out];
      const KindWindow& cur = (*w_)[k];
      if (cur.kind == last.kind && cur.begin <= last.end) {
        last.end = std::max(last.end, cur.end);
      } else {
        (*w_)[++out] = cur;
      }
    }
    w_->resize(out + 1);
  }

  bool Want(Kind k) const { return kinds_ & Bit(k); }
  void Add(Kind k, std::size_t b, std::size_t e) { w_->push_back({b, e, k}); }
  std::size_t Cap(std::size_t s, std::size_t len) const {
    return std::min(n_, s + len);
  }

  // IBAN: two capitals right before a digit run that starts at rs with two
  // digits, then at least 12 more [A-Z0-9] (single spaces allowed).
  void Iban(std::size_t rs) {
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    if (rs < begin_ + 2 || !IsUpper(t_[rs - 1]) || !IsUpper(t_[rs - 2]) ||
        rs + 1 >= n_ || !IsDigit(t_[rs + 1])) {
      return;
    }
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
    // No match runs past j: it holds only [A-Z0-9] and single spaces, and
    // ends with [A-Z0-9].
    if (j > s && t_[j - 1] == ' ') --j;
    if (count >= 12) Add(Kind::kIban, s, j);
  }

  // A run of [0-9 ().+-] holding digits: cards, SSNs, phones, IPv4, IBAN.
  // Returns the run's end. The only other anchor a run can hold is '-', so
  // a "-----BEGIN " inside it is checked here.
  std::size_t Numeric(std::size_t i) {
    const Tables& tb = T();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(t_);
    std::size_t rs = i;
    while (rs > begin_ && rs > numeric_done_ && (tb.cls[p[rs - 1]] & kCNum))
      --rs;

    // Fast path: a run of fewer than 13 bare digits (ids, hex strings, the
    // pieces of a UUID) can only start an IBAN: cards need 13 digits, the
    // rest need separators or '+'.
    if (rs == i) {
      std::size_t k = i;
      while (k < n_ && IsDigit(t_[k])) ++k;
      if (k - i < 13 && (k == n_ || !(tb.cls[p[k]] & kCNum))) {
        numeric_done_ = k;
        if (Want(Kind::kIban) && k - i >= 2) Iban(rs);
        return k;
      }
    }

    if (Want(Kind::kIban) && rs == i) Iban(rs);

    // Walk the digit groups, keeping the last three, deciding each gate.
    bool card = false, ssn = false, phone = false, ipv4 = false, plus = false;
    int digits = 0, seg = 0, dotted = 0;
    std::size_t s1 = 0, l1 = 0, s2 = 0, l2 = 0, s3 = 0, l3 = 0;  // s3 newest
    int groups = 0;
    std::size_t j = rs;
    while (j < n_ && (tb.cls[p[j]] & kCNum)) {
      char c = t_[j];
      if (!IsDigit(c)) {
        if (c == '+' && j + 1 < n_ && t_[j + 1] >= '1' && t_[j + 1] <= '9') {
          plus = true;
        } else if (c == '-' && (kinds_ & Bit(Kind::kPem))) {
          Pem(j);
        }
        ++j;
        continue;
      }
      std::size_t k = j;
      while (k < n_ && IsDigit(t_[k])) ++k;
      std::size_t len = k - j;
      digits += static_cast<int>(len);
      s1 = s2;
      l1 = l2;
      s2 = s3;
      l2 = l3;
      s3 = j;
      l3 = len;
      ++groups;
      std::size_t gap = groups >= 2 ? s3 - (s2 + l2) : 0;
      char gc = groups >= 2 ? t_[s2 + l2] : 0;
      seg = (gap == 1 && (gc == ' ' || gc == '-')) ? seg + static_cast<int>(len)
                                                   : static_cast<int>(len);
      card |= seg >= 13;
      dotted = (len <= 3 && gap == 1 && gc == '.' && l2 <= 3)
                   ? dotted + 1
                   : (len <= 3 ? 1 : 0);
      ipv4 |= dotted >= 4;
      if (groups >= 3) {
        std::size_t gap1 = s2 - (s1 + l1);
        char gc1 = t_[s1 + l1];
        ssn |= l1 == 3 && l2 == 2 && l3 == 4 && gap1 == 1 && gap == 1 &&
               gc1 == gc && (gc == '-' || gc == ' ');
        phone |=
            l1 == 3 && l2 == 3 && l3 == 4 && gap1 >= 1 && gap1 <= 2 && gap == 1;
      }
      j = k;
    }
    std::size_t re = j;
    numeric_done_ = re;
    phone |= plus && digits >= 8;
    if (card || ssn || phone || ipv4) {
      // Card, SSN and IPv4 matches start at a digit, phone matches at a
      // digit, '+' or '('; all end at a digit. Windows start and end there,
      // not at the run's spaces, dots or parentheses, so the anchored search
      // at the window start is the one that finds a match and none is
      // needed after it.
      std::size_t fd = rs;
      while (!IsDigit(t_[fd])) ++fd;  // the run holds a digit
      std::size_t ps = rs;
      while (ps < fd && t_[ps] != '+' && t_[ps] != '(') ++ps;
      // Card, SSN and IPv4 patterns open with \b: their first digit does
      // not follow a letter, digit or '_' (as "DE89 ..." does).
      std::size_t bd = fd;
      while (bd < re &&
             !(IsDigit(t_[bd]) && (bd == 0 || !IsWord(t_[bd - 1])))) {
        ++bd;
      }
      const std::size_t ld = s3 + l3;  // after the last digit
      if (bd < ld) {
        if (card && Want(Kind::kCard)) Add(Kind::kCard, bd, ld);
        if (ssn && Want(Kind::kSsn)) Add(Kind::kSsn, bd, ld);
        if (ipv4 && Want(Kind::kIpv4)) Add(Kind::kIpv4, bd, ld);
      }
      if (phone && Want(Kind::kPhone)) Add(Kind::kPhone, ps, ld);
    }
    return re;
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
        "secretaccesskey",   "secret_accesskey", "secretaccess_key",
        "secret_access_key", "awssecretkey",     "aws_secretkey",
        "awssecret_key",     "aws_secret_key"};
    std::size_t best = n_;
    for (const char* name : kNames) {
      std::size_t len = std::strlen(name);
      if (i + 1 < begin_ + len) continue;
      std::size_t s = i + 1 - len;
      bool eq = true;
      for (std::size_t k = 0; k < len && eq; ++k)
        eq = Lower(t_[s + k]) == name[k];
      if (eq) best = std::min(best, s);
    }
    if (best < n_) Add(Kind::kAwsSecret, best, Cap(i + 1, 49));
  }

  const char* t_;
  std::size_t n_;
  std::size_t begin_;
  std::uint32_t kinds_;
  std::uint16_t active_;
  KindWindows* w_;
  std::size_t numeric_done_ = 0;
  std::size_t ipv6_done_ = 0;
};

}  // namespace

bool BlockKernelsAgree(std::string_view text) {
#if defined(__SSE2__)
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t b = 0; b < text.size(); ++b) {
    BlockMasks x = ComputeBlockSse2(p + b, text.size() - b);
    if (HasAvx2()) {
      BlockMasks y = ComputeBlockAvx2(p + b, text.size() - b);
      if (std::memcmp(&x, &y, sizeof(x)) != 0) return false;
    }
    if (HasAvx512()) {
      BlockMasks y = ComputeBlockAvx512(p + b, text.size() - b);
      if (std::memcmp(&x, &y, sizeof(x)) != 0) return false;
    }
  }
#endif
  (void)text;
  return true;
}

int SetKernelLevelForTesting(int level) {
#if defined(__SSE2__)
  const int prev = static_cast<int>(Level());
  level = std::max(0, std::min(level, static_cast<int>(DetectLevel())));
  g_level.store(level, std::memory_order_relaxed);
  return prev;
#else
  (void)level;
  return 0;
#endif
}

#if defined(__SSE2__)
namespace {

inline int Count(std::uint64_t x) { return Count64(x); }
inline int Count(U128 x) { return Count128(x); }
inline int Trailing(std::uint64_t x) { return __builtin_ctzll(x); }
inline int Trailing(U128 x) { return CountTrailing(x); }

// The byte classes of a whole value as one mask each: M is std::uint64_t
// for values of up to 64 bytes, U128 for up to 128.
template <class M>
struct Classes {
  M d, up, sp, da, dt, pl, zero, co, sl, atus, ci, cj, cx, ly, le, lk;
};

template <class M>
inline void Fill(Classes<M>* c, const BlockMasks& a, const BlockMasks& b) {
  auto w = [](std::uint64_t lo, std::uint64_t hi) {
    if constexpr (sizeof(M) == 8) {
      (void)hi;
      return lo;
    } else {
      return static_cast<U128>(lo) | (static_cast<U128>(hi) << 64);
    }
  };
  c->d = w(a.d, b.d);
  c->up = w(a.up, b.up);
  c->sp = w(a.sp, b.sp);
  c->da = w(a.da, b.da);
  c->dt = w(a.dt, b.dt);
  c->pl = w(a.pl, b.pl);
  c->zero = w(a.zero, b.zero);
  c->co = w(a.co, b.co);
  c->sl = w(a.sl, b.sl);
  c->atus = w(a.atus, b.atus);
  c->ci = w(a.ci, b.ci);
  c->cj = w(a.cj, b.cj);
  c->cx = w(a.cx, b.cx);
  c->ly = w(a.ly, b.ly);
  c->le = w(a.le, b.le);
  c->lk = w(a.lk, b.lk);
}

// Bit k is byte k; (x << j) asks about byte k - j, (x >> j) about k + j.
// Each test is implied by the condition under which one of the Scanner's
// handlers emits a window (the handler is named), so "false" means that no
// handler emits one.
template <class M>
__attribute__((always_inline)) inline bool QuickTest(const Classes<M>& c) {
  constexpr int kBits = 8 * sizeof(M);
  if (c.atus != 0) return true;  // Email(), Underscore()
  const M up = c.up, da = c.da, le = c.le, ly = c.ly;
  // AwsKeyId(): "AKIA"/"ASIA" around the 'I'. Jwt(): "eyJ". Slack():
  // "xox?-". AwsSecret(): "key" before ':' or '='. Pem(): "-----".
  if ((c.ci & (up << 2) & (up << 1) & (up >> 1)) != 0 ||
      (c.cj & (le << 2) & (ly << 1)) != 0 ||
      (c.cx & (c.cx >> 2) & (da >> 4)) != 0 ||
      (ly & (le << 1) & (c.lk << 2)) != 0 ||
      (da & (da >> 1) & (da >> 2) & (da >> 3) & (da >> 4)) != 0) {
    return true;
  }
  // Colon(): "://" (URL), or "::" or six colons (IPv6).
  if (c.co != 0) {
    const M co = c.co, sl = c.sl;
    if ((co & (sl >> 1) & (sl >> 2)) != 0 || (co & (co >> 1)) != 0 ||
        Count(co) >= 6) {
      return true;
    }
  }
  // Numeric() and Iban(): the gates of RunShort() on the whole value.
  const M d = c.d;
  if (d == 0) return false;
  auto nd = [d](int k) { return ~(d >> k); };  // byte k later: not a digit
  // IBAN: two capitals, two digits. Phone: '+' and a digit 1-9.
  if ((up & (up >> 1) & (d >> 2) & (d >> 3)) != 0 ||
      (c.pl & ((d & ~c.zero) >> 1)) != 0) {
    return true;
  }
  // SSN (ddd-dd-dddd or ddd dd dddd) and the other phone shapes (groups of
  // 3, 3 and 4 digits, one or two bytes between the first two and one
  // between the last two) all start with a group of exactly three digits.
  const M g3 = ~(d << 1) & d & (d >> 1) & (d >> 2) & nd(3);
  if (g3 != 0) {
    const M d5 = g3 & (d >> 4) & (d >> 5) & (d >> 7) & (d >> 8) & (d >> 9) &
                 (d >> 10) & nd(11);
    if ((d5 & (da >> 3) & (da >> 6)) != 0 ||
        (d5 & (c.sp >> 3) & (c.sp >> 6)) != 0) {
      return true;
    }
    if ((g3 & (d >> 4) & (d >> 5) & (d >> 6) & nd(7) & (d >> 8) & (d >> 9) &
         (d >> 10) & (d >> 11) & nd(12)) != 0 ||
        (g3 & nd(4) & (d >> 5) & (d >> 6) & (d >> 7) & nd(8) & (d >> 9) &
         (d >> 10) & (d >> 11) & (d >> 12) & nd(13)) != 0) {
      return true;
    }
  }
  // IPv4: three dots between digits, each 2-4 bytes after the last.
  if (c.dt != 0) {
    const M dd = (d << 1) & c.dt & (d >> 1);
    auto near = [](M x) { return (x >> 2) | (x >> 3) | (x >> 4); };
    if ((dd & near(dd & near(dd))) != 0) return true;
  }
  // Card: 13 digits in one run of digits joined by single ' ' or '-'.
  {
    const M g = d | ((c.sp | da) & (d << 1) & (d >> 1));
    M r = g & (g >> 1);
    r &= r >> 2;
    r &= r >> 4;
    r &= r >> 5;  // bit k: bytes k..k+12 all in g
    while (r != 0) {
      // The run holding the lowest such bit: from its start to its end.
      const int s = Trailing(r);
      const M inv = ~(g >> s);
      const int l = inv == 0 ? kBits - s : Trailing(inv);
      const M m = l >= kBits ? ~M{0} : ((M{1} << l) - 1);
      if (Count((d >> s) & m) >= 13) return true;
      if (s + l >= kBits) break;
      r &= ~M{0} << (s + l);
    }
  }
  return false;
}

}  // namespace
#endif

#if defined(__SSE2__)
namespace {

// The lazy form of QuickTest(), shared by the AVX-512 and AVX2 kernels:
// the same conditions, each class compared only when a test needs it, in
// an order that lets most values out early (no '@'/'_', no digits, ...),
// and the numeric tests behind the digits they need (a test with no
// chance is skipped, not just its branch: measured, the compares and bit
// tests cost more than mispredicted branches; two versions with fewer
// branches and more compares were slower). The kernel defines
// HOOP_EQ(ch), HOOP_EQL(ch) (ch after folding case) and HOOP_IN(lo, count)
// (lo <= byte < lo + count), each an M with bit k = byte k of the value.
// (A macro: a lambda or an inline function would not inherit the kernel's
// target.)
#define HOOP_QUICK_STAGED()                                                    \
  constexpr int kBits = 8 * sizeof(M);                                         \
  if ((HOOP_EQ('@') | HOOP_EQ('_')) != 0) return true; /* Email() ... */       \
  const M d = HOOP_IN('0', 10), da = HOOP_EQ('-'), co = HOOP_EQ(':');          \
  const M ci = HOOP_EQ('I'), cj = HOOP_EQ('J'), cx = HOOP_EQ('x');             \
  const M ly = HOOP_EQL('y');                                                  \
  /* Pem(): "-----". */                                                        \
  if ((da & (da >> 1) & (da >> 2) & (da >> 3) & (da >> 4)) != 0) {             \
    return true;                                                               \
  }                                                                            \
  if ((d | co | ci | cj | cx | ly) == 0) return false;                         \
  M up{0};                                                                     \
  bool have_up = false;                                                        \
  if ((ci | cj | cx | ly) != 0) {                                              \
    /* AwsKeyId(): "AKIA"/"ASIA" around the 'I'. Jwt(): "eyJ". Slack():        \
       "xox?-". AwsSecret(): "key". */                                         \
    up = HOOP_IN('A', 26);                                                     \
    have_up = true;                                                            \
    const M le = HOOP_EQL('e'), lk = HOOP_EQL('k');                            \
    if ((ci & (up << 2) & (up << 1) & (up >> 1)) != 0 ||                       \
        (cj & (le << 2) & (ly << 1)) != 0 ||                                   \
        (cx & (cx >> 2) & (da >> 4)) != 0 ||                                   \
        (ly & (le << 1) & (lk << 2)) != 0) {                                   \
      return true;                                                             \
    }                                                                          \
  }                                                                            \
  if (co != 0) {                                                               \
    /* Colon(): "://" (URL), or "::" or six colons (IPv6). */                  \
    const M sl = HOOP_EQ('/');                                                 \
    if ((co & (((sl >> 1) & (sl >> 2)) | (co >> 1))) != 0 || Count(co) >= 6) { \
      return true;                                                             \
    }                                                                          \
  }                                                                            \
  if (d == 0) return false;                                                    \
  /* Numeric() and Iban(), each behind the digits it needs. */                 \
  const int digits = Count(d);                                                 \
  if (digits >= 2) {                                                           \
    /* IBAN: two capitals, two digits. */                                      \
    if (!have_up) up = HOOP_IN('A', 26);                                       \
    if ((up & (up >> 1) & (d >> 2) & (d >> 3)) != 0) return true;              \
  }                                                                            \
  const M pl = HOOP_EQ('+');                                                   \
  if (pl != 0 && (pl & ((d & ~HOOP_EQ('0')) >> 1)) != 0) {                     \
    return true; /* phone: '+' and a digit 1-9 */                              \
  }                                                                            \
  if (digits >= 4) {                                                           \
    /* IPv4: three dots between digits, each 2-4 bytes after the last:         \
       three dots and four digits at least. */                                 \
    const M dt = HOOP_EQ('.');                                                 \
    if (Count(dt) >= 3) {                                                      \
      const M dd = (d << 1) & dt & (d >> 1);                                   \
      auto near = [](M x) { return (x >> 2) | (x >> 3) | (x >> 4); };          \
      if ((dd & near(dd & near(dd))) != 0) return true;                        \
    }                                                                          \
  }                                                                            \
  /* SSN (3+2+4 digits), 3-3-4 phones (10) and cards (13). */                  \
  if (digits < 9) return false;                                                \
  const M sp = HOOP_EQ(' ');                                                   \
  auto nd = [d](int k) { return ~(d >> k); }; /* byte k later: no digit */     \
  const M g3 = ~(d << 1) & d & (d >> 1) & (d >> 2) & nd(3);                    \
  if (g3 != 0) {                                                               \
    const M d9 = (d >> 9) & (d >> 10);                                         \
    if ((g3 & (d >> 4) & (d >> 5) & (d >> 7) & (d >> 8) & d9 & nd(11) &        \
         (((da >> 3) & (da >> 6)) | ((sp >> 3) & (sp >> 6)))) != 0 ||          \
        (g3 & (d >> 4) & (d >> 5) & (d >> 6) & nd(7) & (d >> 8) & d9 &         \
         (d >> 11) & nd(12)) != 0 ||                                           \
        (g3 & nd(4) & (d >> 5) & (d >> 6) & (d >> 7) & nd(8) & d9 &            \
         (d >> 11) & (d >> 12) & nd(13)) != 0) {                               \
      return true;                                                             \
    }                                                                          \
  }                                                                            \
  if (digits < 13) return false;                                               \
  /* Card: 13 digits in one run of digits joined by single ' ' or '-'. */      \
  const M g = d | ((sp | da) & (d << 1) & (d >> 1));                           \
  M r = g & (g >> 1);                                                          \
  r &= r >> 2;                                                                 \
  r &= r >> 4;                                                                 \
  r &= r >> 5; /* bit k: bytes k..k+12 all in g */                             \
  while (r != 0) {                                                             \
    const int s = Trailing(r);                                                 \
    const M inv = ~(g >> s);                                                   \
    const int l = inv == 0 ? kBits - s : Trailing(inv);                        \
    const M m = l >= kBits ? ~M{0} : ((M{1} << l) - 1);                        \
    if (Count((d >> s) & m) >= 13) return true;                                \
    if (s + l >= kBits) break;                                                 \
    r &= ~M{0} << (s + l);                                                     \
  }                                                                            \
  return false

// QuickTest() with AVX-512BW: the value is one or two masked loads (exactly
// its bytes: masked-off lanes read nothing and never fault). M as in
// Classes.
template <class M>
__attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt"),
               always_inline)) inline bool
QuickAvx512(const unsigned char* p, std::size_t n) {
  constexpr bool kWide = sizeof(M) > 8;
  const __mmask64 lanes0 = n >= 64 ? ~__mmask64{0} : ((__mmask64{1} << n) - 1);
  const __m512i v0 = _mm512_maskz_loadu_epi8(lanes0, p);
  __m512i v1 = _mm512_setzero_si512();
  if constexpr (kWide) {
    const std::size_t r = n - 64;  // REQUIRES: 64 < n <= 128
    const __mmask64 lanes1 =
        r >= 64 ? ~__mmask64{0} : ((__mmask64{1} << r) - 1);
    v1 = _mm512_maskz_loadu_epi8(lanes1, p + 64);
  }
#define HOOP_K(ch) _mm512_set1_epi8(static_cast<char>(ch))
#define HOOP_W(x0, x1)                                                     \
  (kWide ? (static_cast<M>(x0) | (static_cast<M>(x1) << (kWide ? 64 : 0))) \
         : static_cast<M>(x0))
#define HOOP_EQ(ch)                              \
  HOOP_W(_mm512_cmpeq_epi8_mask(v0, HOOP_K(ch)), \
         kWide ? _mm512_cmpeq_epi8_mask(v1, HOOP_K(ch)) : __mmask64{0})
#define HOOP_EQL(ch)                                                         \
  HOOP_W(                                                                    \
      _mm512_cmpeq_epi8_mask(_mm512_or_si512(v0, HOOP_K(0x20)), HOOP_K(ch)), \
      kWide ? _mm512_cmpeq_epi8_mask(_mm512_or_si512(v1, HOOP_K(0x20)),      \
                                     HOOP_K(ch))                             \
            : __mmask64{0})
#define HOOP_IN(lo, cnt)                                                    \
  HOOP_W(_mm512_cmple_epu8_mask(_mm512_sub_epi8(v0, HOOP_K(lo)),            \
                                HOOP_K(static_cast<char>((cnt)-1))),        \
         kWide ? _mm512_cmple_epu8_mask(_mm512_sub_epi8(v1, HOOP_K(lo)),    \
                                        HOOP_K(static_cast<char>((cnt)-1))) \
               : __mmask64{0})
  HOOP_QUICK_STAGED();
#undef HOOP_K
#undef HOOP_W
#undef HOOP_EQ
#undef HOOP_EQL
#undef HOOP_IN
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// QuickTest() with AVX2: the value is read in 32-byte chunks (two for up
// to 64 bytes, four for up to 128) and bits past its end are cleared. The
// chunks may read past the value's end, but only within the page of its
// last byte (a read there cannot fault; the bytes are discarded);
// otherwise, and under AddressSanitizer, which would see an overflow, the
// value is copied into a zeroed buffer first (the old ComputeBlock path
// copied every value shorter than 64 bytes). REQUIRES: 0 < n <= 8 *
// sizeof(M).
template <class M>
__attribute__((target("avx2,bmi,bmi2,popcnt"), always_inline)) inline bool
QuickAvx2(const unsigned char* p, std::size_t n) {
  constexpr std::size_t kSpan = 8 * sizeof(M);
  alignas(32) unsigned char buf[kSpan];
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  if (n < kSpan && (kAddressSanitizer || ((at + n - 1) ^ (at + kSpan - 1)) >=
                                             std::uintptr_t{4096})) {
    std::memset(buf, 0, sizeof(buf));
    std::memcpy(buf, p, n);
    p = buf;
  }
  constexpr bool kWide = sizeof(M) > 8;
  const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i v1 =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  __m256i v2 = v0, v3 = v0;
  if constexpr (kWide) {
    v2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64));
    v3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 96));
  }
  const M lanes = n >= kSpan ? ~M{0} : ((M{1} << n) - 1);
// F(x) is a byte compare of chunk x; its 64-bit mask over chunks a, b.
#define HOOP_M64(F, a, b)                                        \
  (static_cast<std::uint64_t>(                                   \
       static_cast<std::uint32_t>(_mm256_movemask_epi8(F(a)))) | \
   (static_cast<std::uint64_t>(                                  \
        static_cast<std::uint32_t>(_mm256_movemask_epi8(F(b))))  \
    << 32))
#define HOOP_MASK(F)                                                    \
  ((kWide ? (static_cast<M>(HOOP_M64(F, v0, v1)) |                      \
             (static_cast<M>(HOOP_M64(F, v2, v3)) << (kWide ? 64 : 0))) \
          : static_cast<M>(HOOP_M64(F, v0, v1))) &                      \
   lanes)
#define HOOP_F_EQ(x) _mm256_cmpeq_epi8((x), eq_c)
#define HOOP_F_EQL(x) \
  _mm256_cmpeq_epi8(_mm256_or_si256((x), _mm256_set1_epi8(0x20)), eq_c)
#define HOOP_F_IN(x) _mm256_cmpgt_epi8(in_n, _mm256_add_epi8((x), in_bias))
#define HOOP_EQ(ch)                            \
  __extension__({                              \
    const __m256i eq_c = _mm256_set1_epi8(ch); \
    HOOP_MASK(HOOP_F_EQ);                      \
  })
#define HOOP_EQL(ch)                           \
  __extension__({                              \
    const __m256i eq_c = _mm256_set1_epi8(ch); \
    HOOP_MASK(HOOP_F_EQL);                     \
  })
#define HOOP_IN(lo, cnt)                                                     \
  __extension__({                                                            \
    const __m256i in_n = _mm256_set1_epi8(static_cast<char>(-128 + (cnt)));  \
    const __m256i in_bias = _mm256_set1_epi8(static_cast<char>(128 - (lo))); \
    HOOP_MASK(HOOP_F_IN);                                                    \
  })
  HOOP_QUICK_STAGED();
#undef HOOP_M64
#undef HOOP_MASK
#undef HOOP_F_EQ
#undef HOOP_F_EQL
#undef HOOP_F_IN
#undef HOOP_EQ
#undef HOOP_EQL
#undef HOOP_IN
}
#undef HOOP_QUICK_STAGED

// MayHaveWindows() with AVX-512BW, the tests inlined: the value whole, or
// its 128-byte pieces (see MayHaveWindows). REQUIRES: n <= 256.
__attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt"))) bool
MayHaveWindowsAvx512(const unsigned char* p, std::size_t n) {
  if (n <= 64) return QuickAvx512<std::uint64_t>(p, n);
  if (n <= 128) return QuickAvx512<U128>(p, n);
  for (std::size_t b = 0; b + 64 < n; b += 64) {
    const std::size_t len = std::min<std::size_t>(128, n - b);
    if (len <= 64 ? QuickAvx512<std::uint64_t>(p + b, len)
                  : QuickAvx512<U128>(p + b, len)) {
      return true;
    }
  }
  return false;
}

// The same with AVX2.
__attribute__((target("avx2,bmi,bmi2,popcnt"))) bool MayHaveWindowsAvx2(
    const unsigned char* p, std::size_t n) {
  if (n == 0) return false;
  if (n <= 64) return QuickAvx2<std::uint64_t>(p, n);
  if (n <= 128) return QuickAvx2<U128>(p, n);
  for (std::size_t b = 0; b + 64 < n; b += 64) {
    const std::size_t len = std::min<std::size_t>(128, n - b);
    if (len <= 64 ? QuickAvx2<std::uint64_t>(p + b, len)
                  : QuickAvx2<U128>(p + b, len)) {
      return true;
    }
  }
  return false;
}

// The quick test of one value (or piece) of at most 128 bytes, with the
// SSE2 block masks (CPUs without AVX2).
bool QuickPiece(const unsigned char* p, std::size_t n) {
  const BlockMasks a = ComputeBlock(p, n);
  if (n <= 64) {
    Classes<std::uint64_t> c;
    Fill(&c, a, a);
    return QuickTest(c);
  }
  const BlockMasks b = ComputeBlock(p + 64, n - 64);
  Classes<U128> c;
  Fill(&c, a, b);
  return QuickTest(c);
}

}  // namespace
#endif

bool MayHaveWindows(std::string_view text) {
#if defined(__SSE2__)
  const std::size_t n = text.size();
  if (n > kQuickMaxBytes) return true;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  // Prefetch the bytes after the value: a row's cells lie one after
  // another in the protocol buffer, so these are its next cells (512 bytes
  // ahead: about a dozen; on the 64 MiB corpus streaming from memory, 5%
  // less time). A prefetch never faults; the address is computed as an
  // integer, since a pointer that far past the value would be undefined.
  __builtin_prefetch(reinterpret_cast<const void*>(
      reinterpret_cast<std::uintptr_t>(p) + n + 512));
  switch (Level()) {
    case KernelLevel::kAvx512:
      return MayHaveWindowsAvx512(p, n);
    case KernelLevel::kAvx2:
      return MayHaveWindowsAvx2(p, n);
    default:
      break;
  }
  if (n <= 128) return QuickPiece(p, n);
  // Pieces [0, 128), [64, 192), ...: a stretch of up to 64 bytes lies whole
  // in one of them. Each gate's condition holds on a stretch that short
  // (the longest, a card's 13 digits with 12 separators, spans 25 bytes;
  // a piece's edges only loosen the tests: a byte outside counts as no
  // class), and the block prefilter asks IPv6's six colons of a block and
  // the next one: of the piece that starts at the block.
  for (std::size_t b = 0; b + 64 < n; b += 64) {
    if (QuickPiece(p + b, std::min<std::size_t>(128, n - b))) return true;
  }
  return false;
#else
  (void)text;
  return true;
#endif
}

PrefilterPlan MakePrefilterPlan(std::uint32_t kinds) {
  PrefilterPlan plan;
  plan.kinds = kinds;
  std::uint16_t& a = plan.anchors;
  constexpr std::uint32_t kNumeric = Bit(Kind::kCard) | Bit(Kind::kSsn) |
                                     Bit(Kind::kPhone) | Bit(Kind::kIpv4) |
                                     Bit(Kind::kIban);
  if (kinds & kNumeric) a |= kFDigit;
  if (kinds & Bit(Kind::kEmail)) a |= kFAt;
  if (kinds & (Bit(Kind::kIpv6) | Bit(Kind::kUrlPassword))) a |= kFColon;
  if (kinds & Bit(Kind::kPem)) a |= kFDash;
  if (kinds & (Bit(Kind::kGithub) | Bit(Kind::kStripe))) a |= kFUnder;
  if (kinds & Bit(Kind::kAwsKeyId)) a |= kFI;
  if (kinds & Bit(Kind::kJwt)) a |= kFJ;
  if (kinds & Bit(Kind::kSlack)) a |= kFx;
  if (kinds & Bit(Kind::kAwsSecret)) a |= kFy;
  return plan;
}

void Prefilter(std::string_view text, std::size_t begin,
               const PrefilterPlan& plan, KindWindows* windows) {
  windows->clear();
  Scanner(text, begin, plan, windows).Run();
}

}  // namespace hoop::masking::internal
