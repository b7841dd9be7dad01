// Copyright 2026 The hoop Authors.
//
// The masker's insides: compiled matchers, the prefilter that picks windows
// for them, overlap resolution and rendering. Private to lib/masking (and its
// tests and benchmark).

#ifndef HOOP_LIB_MASKING_INTERNAL_ENGINE_H_
#define HOOP_LIB_MASKING_INTERNAL_ENGINE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "hoop/masking/masker.h"
#include "re2/re2.h"

namespace hoop::masking::internal {

// What a check says about one RE2 match.
enum class Verdict : std::uint8_t {
  kAccept,  // a finding; continue after it
  kRetry,   // not one; search again from the match's start + 1
  kSkip,    // not one, and nothing inside it is; continue after it
};

// Validates a match [s, *e) of `text` (the whole value: checks may look at
// the bytes around it) and may extend *e (never past s + max_len).
using CheckFn = Verdict (*)(std::string_view text, std::size_t s,
                            std::size_t* e);

// Which prefilter gate feeds a matcher. kNone: RE2 over the whole value.
enum class Kind : std::uint8_t {
  kEmail,
  kCard,
  kSsn,
  kPhone,
  kIpv4,
  kIpv6,
  kIban,
  kAwsKeyId,
  kAwsSecret,
  kGithub,
  kSlack,
  kStripe,
  kJwt,
  kPem,
  kUrlPassword,
  kNone,
};
inline constexpr int kNumKinds = static_cast<int>(Kind::kNone);

struct BuiltinSpec {
  const char* name;
  const char* pattern;  // RE2, Latin-1, leftmost-longest
  int capture;          // 0: mask the match; 1: mask group 1
  CheckFn check;        // may be null
  std::size_t max_len;  // longest finding, including extensions
  Kind kind;
};

// The built-in detectors, in priority order.
const std::vector<BuiltinSpec>& Builtins();

// Validators shared by built-ins and custom detectors (on the masked part).
bool LuhnValid(std::string_view s);   // digits of s, others ignored
bool Mod97Valid(std::string_view s);  // alphanumerics of s, IBAN rearranged
bool UsSsnValid(std::string_view s);  // the nine digits of s

struct MethodSpec {
  enum class Kind : std::uint8_t { kRedact, kPartial, kSameLength, kHash };
  Kind kind = Kind::kRedact;
  std::string token;  // REDACT: full token; HASH: the name inside [name:hex]
  std::uint32_t keep_first = 0;
  std::uint32_t keep_last = 0;
};

// Appends the masked form of `value`. False if it could not (HMAC failure).
bool AppendMasked(const MethodSpec& m, std::string_view value,
                  std::string_view hash_key, std::string* out);

// A hand-written matcher for a built-in pattern of a fixed shape: the
// leftmost-longest match of the pattern that starts in [p, we) and ends at
// or before we, exactly as RE2 would find it searching text[p, we) with the
// rest of `text` as context (for \b). False if there is none.
using HandFn = bool (*)(std::string_view text, std::size_t p, std::size_t we,
                        std::size_t* s, std::size_t* e);

// The hand-written matcher of a built-in kind, or null (RE2 searches).
// PAYMENT_CARD and IBAN: their windows (runs of digits) are where the most
// RE2 searches went, most of them rejected and retried one group later.
// US_SSN and IPV4: fixed shapes of digits and separators. EMAIL: two
// classes around one '@', then labels and dots. PHONE: E.164 and the
// North American shapes. IPV6: its alternatives as sets of positions.
// The tokens (AWS key id, GitHub, Slack, Stripe, the JWT head): a literal
// prefix and a bounded run of one class.
HandFn HandMatcher(Kind kind);

struct Matcher {
  int detector;  // index into Rep::detectors
  std::unique_ptr<RE2> re;
  // Used instead of `re` on the fast path (MaskerOptions::prefilter); the
  // straightforward path always searches with `re`, so the equivalence
  // tests compare the two.
  HandFn hand = nullptr;
  int capture = 0;
  CheckFn check = nullptr;
  // For custom validators (applied to the masked part).
  bool (*validate)(std::string_view) = nullptr;
  std::size_t max_len = 0;
  Kind kind = Kind::kNone;
};

struct DetectorInfo {
  std::string name;
  MethodSpec method;
};

struct ColumnRuleSpec {
  std::unique_ptr<RE2> name_re;    // null: any name
  std::vector<std::string> types;  // lower case; empty: any
  ColumnPlan::Action action = ColumnPlan::Action::kDetect;
  std::uint64_t detectors = ~std::uint64_t{0};
  MethodSpec method;
};

// A window [begin, end) of the value where one matcher's RE2 runs.
struct Window {
  std::size_t begin;
  std::size_t end;
};
using Windows = absl::InlinedVector<Window, 2>;

// A window tagged with the prefilter kind it is for.
struct KindWindow {
  std::size_t begin;
  std::size_t end;
  Kind kind;
};
using KindWindows = absl::InlinedVector<KindWindow, 8>;

// The prefilter kinds to look for and the anchor bytes that serve them.
struct PrefilterPlan {
  std::uint32_t kinds = 0;
  std::uint16_t anchors = 0;
};
PrefilterPlan MakePrefilterPlan(std::uint32_t kinds);

// A raw finding before overlap resolution: the span to mask.
struct Span {
  std::size_t begin;
  std::size_t end;
  int detector;
  int order;  // matcher index: priority among equal spans
};
using Spans = absl::InlinedVector<Span, 4>;

}  // namespace hoop::masking::internal

namespace hoop::masking {

struct Masker::Rep {
  static constexpr int kReplicas = 8;  // see Regexps()

  Rep() = default;
  Rep(const Rep&) = delete;
  Rep& operator=(const Rep&) = delete;
  ~Rep();

  MaskerOptions options;
  std::vector<internal::DetectorInfo> detectors;
  std::vector<internal::Matcher> matchers;
  std::vector<internal::ColumnRuleSpec> columns;
  std::vector<std::string> counter_names;
  std::string hash_key;
  std::size_t max_len = 0;
  std::uint64_t all_detectors = 0;   // bit per detector
  std::uint64_t unfiltered = 0;      // detectors with a kNone matcher
  internal::PrefilterPlan all_plan;  // for all_detectors
  std::vector<const RE2*> primary;   // matchers[i].re
  // For each gated kind, the indexes of its matchers, in order.
  std::array<std::vector<int>, internal::kNumKinds> kind_matchers;
  mutable std::array<std::atomic<const RE2* const*>, kReplicas> replicas{};

  // Findings of the matchers in `detectors` (bitmask) that start at or after
  // `begin`; text[0, begin) is context only. Overlaps are merged into groups
  // (sorted, disjoint), each named after its first span.
  //
  // If `barriers` is not null it receives the whole extent of every match
  // that moved a search forward past its start (accepted, or rejected with
  // kSkip): a stream may only cut the text where no barrier crosses.
  //
  // `quick_said_maybe`: the caller already ran the quick test
  // (MayHaveWindows) on text[begin, n) and it said "maybe"; Find does not
  // run it again.
  void Find(std::string_view text, std::size_t begin, std::uint64_t detectors,
            bool prefilter, internal::Spans* groups,
            internal::Windows* barriers = nullptr,
            bool quick_said_maybe = false) const;

  // Appends text[from, to) with `groups` (all inside [from, to)) masked.
  // False on a method failure (the caller fails closed).
  bool Render(std::string_view text, std::size_t from, std::size_t to,
              const internal::Spans& groups, std::string* out) const;

  void Count(const internal::Spans& groups, MaskCounters* counters) const;

  // The RE2 objects this thread searches with, parallel to `matchers`.
  //
  // An RE2 is thread-safe, but every search takes a reader lock on its DFA
  // cache: threads sharing one RE2 write the same cache line on every
  // search. So threads are spread over kReplicas copies of the compiled
  // patterns, made on first use (copy 0 is `matchers` itself). A thread
  // leases its copy's slot while it lives (masker.cc, SlotLease): threads
  // alive together get different copies, and a thread that replaces one
  // that ended reuses that one's warm copy rather than compiling a new one.
  const RE2* const* Regexps() const;
  std::size_t column_counter() const { return detectors.size(); }
  std::size_t fail_counter() const { return detectors.size() + 1; }
};

namespace internal {

// The prefilter: for each kind in `plan`, the windows of text[begin, n)
// where that kind's matchers can find anything. Every RE2 match of a gated
// pattern that starts at or after `begin` lies inside one window of its kind
// (so searching only the windows finds the same matches). Output is sorted by
// (kind, begin) with overlapping windows of a kind merged.
void Prefilter(std::string_view text, std::size_t begin,
               const PrefilterPlan& plan, KindWindows* windows);

// A quick test for values of at most kQuickMaxBytes (most cells): false
// means that Prefilter(text, 0, plan, ...) gives no window, for every plan.
// (It asks, on the whole value at once, the necessary conditions that the
// prefilter's gates ask around each anchor.) Longer values: always true.
// Values of up to 128 bytes are tested whole; longer ones in 128-byte
// pieces 64 bytes apart, so every stretch of up to 64 bytes (each gate's
// condition spans fewer) lies whole in one piece.
inline constexpr std::size_t kQuickMaxBytes = 256;
bool MayHaveWindows(std::string_view text);

// The masker's compiled form, for lib/masking and its tests.
struct RepAccess {
  static const Masker::Rep& Get(const Masker& m) { return *m.rep_; }
};

// For tests: the SSE2, AVX2 and AVX-512 block classifiers agree at every
// offset (those the CPU has).
bool BlockKernelsAgree(std::string_view text);

// For tests: use the block classifier of `level` (0 SSE2, 1 AVX2, 2
// AVX-512BW), or the widest the CPU has if that is less. Returns the level
// in use before. Not thread-safe: call it while nothing masks.
int SetKernelLevelForTesting(int level);

}  // namespace internal
}  // namespace hoop::masking

#endif  // HOOP_LIB_MASKING_INTERNAL_ENGINE_H_
