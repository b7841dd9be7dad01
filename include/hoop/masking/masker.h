// Copyright 2026 The hoop Authors.
//
// Masker: finds sensitive values in what a server sends back (result cells,
// SSH output, HTTP bodies) and replaces them before they leave the proxy.
//
//   // Once, at start-up. Every built-in detector, each value replaced by a
//   // token such as "[EMAIL]":
//   std::unique_ptr<Masker> m = Masker::Default();
//   // or from a profile file (YAML or JSON, see profile.h):
//   absl::StatusOr<std::unique_ptr<Masker>> m = LoadMasker("profile.yaml");
//
//   // Once per result set: plan each column (runs the column rules).
//   ColumnPlan plan = m->PlanColumn("contact", "text");
//
//   // Per cell:
//   std::string_view out = m->MaskCell(plan, cell, &arena, &counters);
//   if (out.data() == cell.data()) { /* nothing matched: forward as is */ }
//
// What is found. A profile is a list of detectors plus column rules:
//
//   detector      example                       checked by
//   EMAIL         ana@example.com               not user:pass@host in a URL
//   PAYMENT_CARD  4111 1111 1111 1111           Luhn, issuer prefix, length
//   US_SSN        123-45-6789                   area, group, serial validity
//   PHONE         +1 (555) 123-4567             E.164, North American shapes
//   IPV4          192.168.10.7                  octets <= 255, not in a.b.c.d.e
//   IPV6          fe80::1, 2001:db8::1:2        every compressed form
//   IBAN          DE89 3704 0044 0532 0130 00   country length, mod-97
//   AWS_ACCESS_KEY_ID      AKIA + 16 [A-Z0-9]
//   AWS_SECRET_ACCESS_KEY  40 chars after aws_secret_access_key= (mixed case)
//   GITHUB_TOKEN  ghp_..., github_pat_...
//   SLACK_TOKEN   xoxb-...
//   STRIPE_KEY    sk_live_..., rk_test_...
//   JWT           eyJ...eyJ...sig               header.payload[.signature]
//   PRIVATE_KEY   -----BEGIN ... PRIVATE KEY----- through its END line
//   URL_PASSWORD  postgres://user:SECRET@host   only the password
//   custom        any RE2 pattern (optionally one capture group), an optional
//                 validator (Luhn, mod-97, SSN), and a deny-list of literals
//
// How each is masked (a method per detector, from the profile):
//
//   REDACT       "[EMAIL]" (or the profile's token)
//   PARTIAL      "***************1111" (keep_first / keep_last characters;
//                a value no longer than what is kept is masked whole)
//   SAME_LENGTH  one '*' per UTF-8 character: "Zoë" -> "***"
//   HASH         "[EMAIL:3f2a9c1b5e7d0a42]": HMAC-SHA256 under the profile's
//                key, so equal values map to equal pseudonyms (joins work)
//
// Matching is precise, not just fast: every detector is an RE2 pattern plus
// a validator, and the built-in prefilters (cheap scans for '@', digit runs,
// "://", key prefixes, "-----BEGIN") only decide where RE2 runs, never what
// it finds. MaskerOptions::prefilter = false runs every pattern over the whole
// value instead; the two give the same findings (tests compare them).
//
// Overlapping findings are merged into one masked span, named after the one
// that starts first (then the longer, then the earlier detector).
//
// Fail closed: if a value cannot be masked (a HASH key failure, a value over
// MaskerOptions::max_value_bytes), the whole value is replaced by
// MaskerOptions::fail_token and counted under FAIL_CLOSED. Raw bytes of a
// value that should have been masked are never returned.
//
// Thread-safety: a Masker is immutable after Create() and every const method
// may be called from any number of threads at once; share one per profile.
// Not copyable or movable (it owns compiled RE2 programs); hold it by
// unique_ptr or shared_ptr.

#ifndef HOOP_MASKING_MASKER_H_
#define HOOP_MASKING_MASKER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "hoop/masking/arena.h"

namespace hoop::masking {

namespace v1 {
class Profile;  // proto/hoop/masking/v1/profile.proto
}  // namespace v1
namespace internal {
struct RepAccess;
}  // namespace internal

class Masker;
class StreamMasker;

// Options that are not part of a profile: limits and failure behaviour.
//
//   option            default        meaning
//   prefilter         true           false: run every RE2 over the whole value
//   max_value_bytes   64 MiB         longer cells/stream buffers fail closed
//   fail_token        "[REDACTED]"   what replaces a value that failed closed
struct MaskerOptions {
  bool prefilter = true;
  std::size_t max_value_bytes = std::size_t{64} << 20;
  std::string fail_token = "[REDACTED]";
};

// What a Masker does with one column, decided once from its name and type.
// A small value type: copy it freely. Only valid with the Masker that made it.
class ColumnPlan {
 public:
  enum class Action : std::uint8_t {
    kDetect,  // run the plan's detectors over the value
    kMask,    // replace the whole value (a column rule's method)
    kExempt,  // forward as is
  };

  // Detect with every detector of the masker's profile.
  ColumnPlan() = default;

  Action action() const { return action_; }
  // Index of the column rule that decided, or -1 for the profile's default.
  int rule() const { return rule_; }

 private:
  friend class Masker;
  Action action_ = Action::kDetect;
  int rule_ = -1;
  std::uint64_t detectors_ = ~std::uint64_t{0};  // bit i = detector i
};

// Per-detector counts of values and bytes masked, for the session records.
// Index i counts detector i of the masker (Masker::counter_name(i)); two more
// slots follow the detectors: COLUMN_RULE (whole cells masked by a column
// rule) and FAIL_CLOSED. Not thread-safe: one per session; Merge() to sum.
class MaskCounters {
 public:
  struct Count {
    std::uint64_t values = 0;
    std::uint64_t bytes = 0;
  };

  std::size_t size() const { return counts_.size(); }
  // REQUIRES: i < size(), or returns a zero count.
  Count operator[](std::size_t i) const {
    return i < counts_.size() ? counts_[i] : Count{};
  }
  void Add(std::size_t i, std::uint64_t bytes);
  void Merge(const MaskCounters& other);
  void Clear() { counts_.clear(); }

 private:
  std::vector<Count> counts_;
};

// One finding: bytes [offset, offset + length) of the scanned value, which
// detector found it (index into the masker's detectors).
struct Finding {
  std::size_t offset;
  std::size_t length;
  int detector;
};

class Masker {
 public:
  // Compiles a profile. Errors are InvalidArgument and name the field, e.g.
  // "detectors[2].pattern: missing ): (a". profile.h's loaders add file and
  // line.
  static absl::StatusOr<std::unique_ptr<Masker>> Create(
      const v1::Profile& profile, const MaskerOptions& options = {});

  // Every built-in detector, REDACT with "[<DETECTOR>]". Cannot fail.
  static std::unique_ptr<Masker> Default(const MaskerOptions& options = {});

  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;
  ~Masker();

  // Runs the column rules for a column (first matching rule wins).
  ColumnPlan PlanColumn(std::string_view column_name,
                        std::string_view column_type) const;

  // Masks one cell. Returns `value` itself (same data pointer) when nothing
  // was found or the column is exempt; otherwise the masked bytes, written
  // into `arena`. `counters` may be null.
  // LIFETIME: the result lives as long as `value` or `arena`'s current
  // contents, whichever it points into.
  std::string_view MaskCell(const ColumnPlan& plan,
                            std::string_view value
                                ABSL_ATTRIBUTE_LIFETIME_BOUND,
                            Arena* arena, MaskCounters* counters) const;

  // Convenience: PlanColumn + MaskCell. Prefer planning once per column.
  // LIFETIME: as MaskCell.
  std::string_view MaskCell(
      std::string_view column_name, std::string_view column_type,
      std::string_view value ABSL_ATTRIBUTE_LIFETIME_BOUND, Arena* arena,
      MaskCounters* counters) const;

  // What MaskCell would mask in `value` under `plan` (after merging
  // overlaps), in order, without rewriting anything. For tools and tests.
  std::vector<Finding> Scan(const ColumnPlan& plan,
                            std::string_view value) const;

  int num_detectors() const;
  // "EMAIL", "PAYMENT_CARD", ..., or a custom detector's name.
  // REQUIRES: 0 <= i < num_detectors().
  // LIFETIME: as long as the Masker.
  std::string_view detector_name(int i) const ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // Detectors' names, then "COLUMN_RULE" and "FAIL_CLOSED".
  // LIFETIME: as long as the Masker.
  std::size_t num_counters() const;
  std::string_view counter_name(std::size_t i) const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // The most bytes one finding can span; a StreamMasker holds back this much
  // (plus a few bytes of look-ahead) so a value cut by a chunk boundary is
  // still found.
  std::size_t max_match_bytes() const;

  const MaskerOptions& options() const;

  // The compiled form, private to lib/masking (internal/engine.h).
  struct Rep;

 private:
  friend class StreamMasker;
  friend struct internal::RepAccess;
  explicit Masker(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace hoop::masking

#endif  // HOOP_MASKING_MASKER_H_
