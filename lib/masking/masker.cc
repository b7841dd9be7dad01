// Copyright 2026 The hoop Authors.
//
// Masker: compiling a profile, planning columns, finding and rendering.

#include "hoop/masking/masker.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hoop/masking/v1/profile.pb.h"
#include "masking/internal/engine.h"

namespace hoop::masking {

using internal::ColumnRuleSpec;
using internal::DetectorInfo;
using internal::Matcher;
using internal::MethodSpec;
using internal::Span;
using internal::Spans;
using internal::Verdict;
using internal::Window;
using internal::Windows;

// --- counters ---------------------------------------------------------------

void MaskCounters::Add(std::size_t i, std::uint64_t bytes) {
  if (i >= counts_.size()) counts_.resize(i + 1);
  counts_[i].values += 1;
  counts_[i].bytes += bytes;
}

void MaskCounters::Merge(const MaskCounters& other) {
  if (other.counts_.size() > counts_.size())
    counts_.resize(other.counts_.size());
  for (std::size_t i = 0; i < other.counts_.size(); ++i) {
    counts_[i].values += other.counts_[i].values;
    counts_[i].bytes += other.counts_[i].bytes;
  }
}

// --- finding ----------------------------------------------------------------

namespace {

// Runs one matcher over the windows in order, exactly as a search over the
// whole value would: after a finding continue at its end, after a rejected
// match at its start + 1 (or its end, if the check says kSkip).
template <typename W>
void RunMatcher(const Matcher& m, const RE2& re, bool hand, int order,
                std::string_view text, std::size_t begin, const W* w,
                std::size_t nw, Spans* out, Windows* barriers) {
  hand = hand && m.hand != nullptr && m.capture == 0;
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece sub[2];
  const int nsub = m.capture + 1;
  std::size_t p = begin;
  for (std::size_t k = 0; k < nw; ++k) {
    p = std::max(p, w[k].begin);
    const std::size_t we = w[k].end;
    bool at_start = true;
    while (p < we) {
      // A window usually starts where its match does: try there anchored
      // first (one forward DFA pass). If nothing matches at p, the leftmost
      // match starts after p, so the unanchored search from p + 1 finds the
      // same match the search from p would. Later searches in the window
      // (after a finding or a rejected match) rarely start right at p: one
      // unanchored search.
      if (hand) {
        std::size_t hs, he;
        if (!m.hand(text, p, we, &hs, &he)) break;
        sub[0] = re2::StringPiece(text.data() + hs, he - hs);
      } else if (at_start) {
        at_start = false;
        if (!re.Match(whole, p, we, RE2::ANCHOR_START, sub, nsub) &&
            (p + 1 >= we ||
             !re.Match(whole, p + 1, we, RE2::UNANCHORED, sub, nsub))) {
          break;
        }
      } else if (!re.Match(whole, p, we, RE2::UNANCHORED, sub, nsub)) {
        break;
      }
      std::size_t s = static_cast<std::size_t>(sub[0].data() - text.data());
      std::size_t e = s + sub[0].size();
      if (e == s) {
        p = s + 1;
        continue;
      }
      Verdict v = m.check ? m.check(text, s, &e) : Verdict::kAccept;
      std::size_t ms = s, me = e;
      if (m.capture > 0 && sub[1].data() != nullptr) {
        ms = static_cast<std::size_t>(sub[1].data() - text.data());
        me = ms + sub[1].size();
      }
      if (v == Verdict::kAccept && m.validate != nullptr &&
          !m.validate(text.substr(ms, me - ms))) {
        v = Verdict::kRetry;
      }
      if (v == Verdict::kRetry || (v == Verdict::kAccept && me <= ms)) {
        p = s + 1;
        continue;
      }
      if (v == Verdict::kAccept) out->push_back({ms, me, m.detector, order});
      if (barriers != nullptr) barriers->push_back({s, e});
      p = e;
    }
  }
}

}  // namespace

void Masker::Rep::Find(std::string_view text, std::size_t begin,
                       std::uint64_t mask, bool prefilter, Spans* groups,
                       Windows* barriers, bool quick_said_maybe) const {
  groups->clear();
  if (barriers != nullptr) barriers->clear();
  if (begin >= text.size()) return;
  mask &= all_detectors;
  Spans spans;
  if (prefilter && !(mask & unfiltered)) {
    // The common case: every matcher is gated by the prefilter. Most short
    // values are ruled out whole at once.
    if (!quick_said_maybe && text.size() - begin <= internal::kQuickMaxBytes &&
        !internal::MayHaveWindows(text.substr(begin))) {
      return;
    }
    internal::KindWindows kw;
    if (mask == all_detectors) {
      internal::Prefilter(text, begin, all_plan, &kw);
    } else {
      std::uint32_t kinds = 0;
      for (const Matcher& m : matchers) {
        if (mask >> m.detector & 1) kinds |= 1u << static_cast<int>(m.kind);
      }
      internal::Prefilter(text, begin, internal::MakePrefilterPlan(kinds), &kw);
    }
    if (kw.empty()) return;
    // kw is sorted by kind: each kind's windows are one stretch of it, run
    // in place by that kind's matchers (the order of the matchers does not
    // matter: spans are sorted by their matcher index below). Hand
    // matchers need no RE2, so this thread's copies are looked up only for
    // a matcher that searches with one.
    const RE2* const* res = nullptr;
    for (std::size_t a = 0; a < kw.size();) {
      const internal::Kind kind = kw[a].kind;
      std::size_t b = a + 1;
      while (b < kw.size() && kw[b].kind == kind) ++b;
      for (const int i : kind_matchers[static_cast<int>(kind)]) {
        const Matcher& m = matchers[static_cast<std::size_t>(i)];
        if (!(mask >> m.detector & 1)) continue;
        const RE2* re = primary[static_cast<std::size_t>(i)];
        if (m.hand == nullptr || m.capture != 0) {
          if (res == nullptr) res = Regexps();
          re = res[i];
        }
        RunMatcher(m, *re, prefilter, i, text, begin, kw.data() + a, b - a,
                   &spans, barriers);
      }
      a = b;
    }
  } else {
    internal::KindWindows kw;
    if (prefilter) {
      std::uint32_t kinds = 0;
      for (const Matcher& m : matchers) {
        if ((mask >> m.detector & 1) && m.kind != internal::Kind::kNone) {
          kinds |= 1u << static_cast<int>(m.kind);
        }
      }
      if (kinds != 0) {
        internal::Prefilter(text, begin, internal::MakePrefilterPlan(kinds),
                            &kw);
      }
    }
    const Window all{begin, text.size()};
    const RE2* const* res = Regexps();
    Windows w;
    for (std::size_t i = 0; i < matchers.size(); ++i) {
      const Matcher& m = matchers[i];
      if (!(mask >> m.detector & 1)) continue;
      if (!prefilter || m.kind == internal::Kind::kNone) {
        RunMatcher(m, *res[i], prefilter, static_cast<int>(i), text, begin,
                   &all, 1, &spans, barriers);
        continue;
      }
      w.clear();
      for (const internal::KindWindow& k : kw) {
        if (k.kind == m.kind) w.push_back({k.begin, k.end});
      }
      if (!w.empty()) {
        RunMatcher(m, *res[i], prefilter, static_cast<int>(i), text, begin,
                   w.data(), w.size(), &spans, barriers);
      }
    }
  }
  if (spans.empty()) return;
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.order < b.order;
  });
  for (const Span& s : spans) {
    if (!groups->empty() && s.begin < groups->back().end) {
      groups->back().end = std::max(groups->back().end, s.end);
    } else {
      groups->push_back(s);
    }
  }
}

Masker::Rep::~Rep() {
  for (auto& slot : replicas) {
    const RE2* const* set = slot.load(std::memory_order_acquire);
    if (set == nullptr) continue;
    for (std::size_t i = 0; i < matchers.size(); ++i) delete set[i];
    delete[] set;
  }
}

namespace {

// Which copy of the patterns a thread searches with. A thread leases the
// lowest free slot on its first search and gives it back when it exits, so
// threads alive at the same time use different copies (up to kReplicas of
// them; beyond that they share, round-robin), and a thread started later (a
// new worker, a benchmark's next batch) takes over a copy whose DFA caches
// are already warm instead of paying for a new one. Slots are numbered the
// same for every Masker.
constexpr unsigned kAllSlots = (1u << Masker::Rep::kReplicas) - 1;
std::atomic<unsigned> g_slots_leased{0};
std::atomic<unsigned> g_slots_shared{0};

class SlotLease {
 public:
  SlotLease() {
    unsigned used = g_slots_leased.load(std::memory_order_relaxed);
    while ((used & kAllSlots) != kAllSlots) {
      const int s = __builtin_ctz(~used & kAllSlots);
      if (g_slots_leased.compare_exchange_weak(used, used | (1u << s),
                                               std::memory_order_relaxed)) {
        slot_ = s;
        owned_ = true;
        return;
      }
    }
    slot_ = static_cast<int>(
        g_slots_shared.fetch_add(1, std::memory_order_relaxed) %
        Masker::Rep::kReplicas);
  }
  ~SlotLease() {
    if (owned_) {
      g_slots_leased.fetch_and(~(1u << slot_), std::memory_order_relaxed);
    }
  }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  int slot() const { return slot_; }

 private:
  int slot_ = 0;
  bool owned_ = false;
};

}  // namespace

const RE2* const* Masker::Rep::Regexps() const {
  // A slot's copy is made once, by the first thread that searches with it
  // (if two threads race to make it, one copy is dropped).
  thread_local const SlotLease lease;
  const int slot = lease.slot();
  if (slot == 0) return primary.data();
  std::atomic<const RE2* const*>& r = replicas[slot];
  const RE2* const* set = r.load(std::memory_order_acquire);
  if (set != nullptr) return set;
  auto* made = new const RE2*[matchers.size()];
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    made[i] = new RE2(matchers[i].re->pattern(), matchers[i].re->options());
  }
  const RE2* const* expected = nullptr;
  if (r.compare_exchange_strong(expected, made, std::memory_order_acq_rel)) {
    return made;
  }
  for (std::size_t i = 0; i < matchers.size(); ++i) delete made[i];
  delete[] made;
  return expected;
}

bool Masker::Rep::Render(std::string_view text, std::size_t from,
                         std::size_t to, const Spans& groups,
                         std::string* out) const {
  std::size_t p = from;
  for (const Span& g : groups) {
    out->append(text.data() + p, g.begin - p);
    if (!internal::AppendMasked(detectors[g.detector].method,
                                text.substr(g.begin, g.end - g.begin), hash_key,
                                out)) {
      return false;
    }
    p = g.end;
  }
  out->append(text.data() + p, to - p);
  return true;
}

void Masker::Rep::Count(const Spans& groups, MaskCounters* counters) const {
  if (counters == nullptr) return;
  for (const Span& g : groups) {
    counters->Add(static_cast<std::size_t>(g.detector), g.end - g.begin);
  }
}

// --- the public API ---------------------------------------------------------

Masker::Masker(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Masker::~Masker() = default;

ColumnPlan Masker::PlanColumn(std::string_view column_name,
                              std::string_view column_type) const {
  ColumnPlan plan;
  std::string type = absl::AsciiStrToLower(
      absl::string_view(column_type.data(), column_type.size()));
  for (std::size_t i = 0; i < rep_->columns.size(); ++i) {
    const ColumnRuleSpec& r = rep_->columns[i];
    if (r.name_re != nullptr &&
        !RE2::PartialMatch(
            re2::StringPiece(column_name.data(), column_name.size()),
            *r.name_re)) {
      continue;
    }
    if (!r.types.empty() &&
        std::find(r.types.begin(), r.types.end(), type) == r.types.end()) {
      continue;
    }
    plan.action_ = r.action;
    plan.rule_ = static_cast<int>(i);
    plan.detectors_ = r.detectors;
    return plan;
  }
  return plan;
}

std::string_view Masker::MaskCell(const ColumnPlan& plan,
                                  std::string_view value, Arena* arena,
                                  MaskCounters* counters) const {
  const Rep& rep = *rep_;
  switch (plan.action_) {
    case ColumnPlan::Action::kExempt:
      return value;
    case ColumnPlan::Action::kMask: {
      thread_local std::string out;
      out.clear();
      if (plan.rule_ >= 0 &&
          static_cast<std::size_t>(plan.rule_) < rep.columns.size() &&
          internal::AppendMasked(rep.columns[plan.rule_].method, value,
                                 rep.hash_key, &out)) {
        if (counters) counters->Add(rep.column_counter(), value.size());
        return arena->Copy(out);
      }
      if (counters) counters->Add(rep.fail_counter(), value.size());
      return arena->Copy(rep.options.fail_token);
    }
    case ColumnPlan::Action::kDetect:
      break;
  }
  if (value.size() > rep.options.max_value_bytes) {
    if (counters) counters->Add(rep.fail_counter(), value.size());
    return arena->Copy(rep.options.fail_token);
  }
  // Most cells: nothing any gated detector could match (Find would say the
  // same after more set-up).
  const bool quick = value.size() <= internal::kQuickMaxBytes &&
                     rep.options.prefilter &&
                     !(plan.detectors_ & rep.unfiltered);
  if (quick && !internal::MayHaveWindows(value)) return value;
  Spans groups;
  rep.Find(value, 0, plan.detectors_, rep.options.prefilter, &groups, nullptr,
           /*quick_said_maybe=*/quick);
  if (groups.empty()) return value;
  // Render only the replacements that need rendering (REDACT, every
  // built-in's default, is its token as it stands), then copy the value
  // around them straight into the arena: one pass over the bytes.
  thread_local std::string repl;
  repl.clear();
  // Per group: the end of its rendering in `repl`, or kToken.
  constexpr std::size_t kToken = ~std::size_t{0};
  absl::InlinedVector<std::size_t, 8> ends;
  std::size_t masked = 0, tokens = 0;
  for (const Span& g : groups) {
    const MethodSpec& ms = rep.detectors[g.detector].method;
    masked += g.end - g.begin;
    if (ms.kind == MethodSpec::Kind::kRedact) {
      tokens += ms.token.size();
      ends.push_back(kToken);
      continue;
    }
    if (!internal::AppendMasked(ms, value.substr(g.begin, g.end - g.begin),
                                rep.hash_key, &repl)) {
      if (counters) counters->Add(rep.fail_counter(), value.size());
      return arena->Copy(rep.options.fail_token);
    }
    ends.push_back(repl.size());
  }
  const std::size_t total = value.size() - masked + repl.size() + tokens;
  char* const out = arena->Allocate(total);
  char* dst = out;
  std::size_t p = 0, r = 0;
  for (std::size_t k = 0; k < groups.size(); ++k) {
    std::memcpy(dst, value.data() + p, groups[k].begin - p);
    dst += groups[k].begin - p;
    std::string_view piece;
    if (ends[k] == kToken) {
      piece = rep.detectors[groups[k].detector].method.token;
    } else {
      piece = std::string_view(repl).substr(r, ends[k] - r);
      r = ends[k];
    }
    std::memcpy(dst, piece.data(), piece.size());
    dst += piece.size();
    p = groups[k].end;
  }
  std::memcpy(dst, value.data() + p, value.size() - p);
  rep.Count(groups, counters);
  return std::string_view(out, total);
}

std::string_view Masker::MaskCell(std::string_view column_name,
                                  std::string_view column_type,
                                  std::string_view value, Arena* arena,
                                  MaskCounters* counters) const {
  return MaskCell(PlanColumn(column_name, column_type), value, arena, counters);
}

std::vector<Finding> Masker::Scan(const ColumnPlan& plan,
                                  std::string_view value) const {
  std::vector<Finding> out;
  if (plan.action_ != ColumnPlan::Action::kDetect) return out;
  Spans groups;
  rep_->Find(value, 0, plan.detectors_, rep_->options.prefilter, &groups);
  for (const Span& g : groups) {
    out.push_back({g.begin, g.end - g.begin, g.detector});
  }
  return out;
}

int Masker::num_detectors() const {
  return static_cast<int>(rep_->detectors.size());
}
std::string_view Masker::detector_name(int i) const {
  return rep_->detectors[static_cast<std::size_t>(i)].name;
}
std::size_t Masker::num_counters() const { return rep_->counter_names.size(); }
std::string_view Masker::counter_name(std::size_t i) const {
  return rep_->counter_names[i];
}
std::size_t Masker::max_match_bytes() const { return rep_->max_len; }
const MaskerOptions& Masker::options() const { return rep_->options; }

// --- compiling a profile ----------------------------------------------------

namespace {

absl::Status Invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(absl::string_view(field.data(), field.size()), ": ",
                   absl::string_view(message.data(), message.size())));
}

bool ValidateLuhn(std::string_view s) { return internal::LuhnValid(s); }
bool ValidateMod97(std::string_view s) { return internal::Mod97Valid(s); }
bool ValidateSsn(std::string_view s) { return internal::UsSsnValid(s); }

MethodSpec ToMethod(const v1::Method& m, const v1::Method& fallback,
                    const std::string& name, bool* uses_hash) {
  const v1::Method& src =
      m.kind() == v1::Method::KIND_UNSPECIFIED ? fallback : m;
  MethodSpec out;
  switch (src.kind()) {
    case v1::Method::PARTIAL:
      out.kind = MethodSpec::Kind::kPartial;
      out.keep_first = src.keep_first();
      out.keep_last = src.keep_last();
      if (out.keep_first == 0 && out.keep_last == 0) out.keep_last = 4;
      break;
    case v1::Method::SAME_LENGTH:
      out.kind = MethodSpec::Kind::kSameLength;
      break;
    case v1::Method::HASH:
      out.kind = MethodSpec::Kind::kHash;
      out.token = src.token().empty() ? name : src.token();
      *uses_hash = true;
      break;
    default:
      out.kind = MethodSpec::Kind::kRedact;
      out.token =
          !src.token().empty() ? src.token() : absl::StrCat("[", name, "]");
      break;
  }
  return out;
}

re2::RE2::Options BuiltinOptions() {
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingLatin1);
  o.set_longest_match(true);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Masker>> Masker::Create(
    const v1::Profile& profile, const MaskerOptions& options) {
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  bool uses_hash = false;
  v1::Method default_method = profile.default_method();
  if (default_method.kind() == v1::Method::KIND_UNSPECIFIED) {
    default_method.set_kind(v1::Method::REDACT);
  }

  const auto& builtins = internal::Builtins();
  std::vector<const v1::Detector*> builtin_cfg(builtins.size(), nullptr);
  std::vector<int> custom;  // indexes into profile.detectors
  std::set<std::string> names;
  for (int i = 0; i < profile.detectors_size(); ++i) {
    const v1::Detector& d = profile.detectors(i);
    std::string field = absl::StrCat("detectors[", i, "]");
    if (!d.builtin().empty()) {
      if (!d.pattern().empty() || !d.name().empty() || d.deny_list_size() > 0) {
        return Invalid(field + ".builtin",
                       "a built-in detector takes only `method`");
      }
      std::size_t k = 0;
      while (k < builtins.size() && d.builtin() != builtins[k].name) ++k;
      if (k == builtins.size()) {
        std::vector<std::string> known;
        for (const auto& b : builtins) known.push_back(b.name);
        return Invalid(
            field + ".builtin",
            absl::StrCat("unknown built-in detector '", d.builtin(),
                         "' (known: ", absl::StrJoin(known, ", "), ")"));
      }
      if (builtin_cfg[k] != nullptr) {
        return Invalid(field + ".builtin",
                       absl::StrCat("'", d.builtin(), "' is listed twice"));
      }
      builtin_cfg[k] = &d;
    } else {
      if (d.name().empty()) {
        return Invalid(field + ".name",
                       "a custom detector needs a name (or set `builtin`)");
      }
      if (d.pattern().empty() && d.deny_list_size() == 0) {
        return Invalid(field + ".pattern",
                       "a custom detector needs a pattern or a deny_list");
      }
      custom.push_back(i);
    }
  }

  // Built-ins first, in their priority order; then custom detectors.
  for (std::size_t k = 0; k < builtins.size(); ++k) {
    if (builtin_cfg[k] == nullptr && !profile.all_builtins()) continue;
    const internal::BuiltinSpec& b = builtins[k];
    int id = static_cast<int>(rep->detectors.size());
    v1::Method m = builtin_cfg[k] ? builtin_cfg[k]->method() : v1::Method();
    rep->detectors.push_back(
        {b.name, ToMethod(m, default_method, b.name, &uses_hash)});
    names.insert(b.name);
    Matcher mt;
    mt.detector = id;
    mt.re = std::make_unique<RE2>(b.pattern, BuiltinOptions());
    if (!mt.re->ok()) {
      return absl::InternalError(
          absl::StrCat("built-in ", b.name, ": ", mt.re->error()));
    }
    mt.hand = internal::HandMatcher(b.kind);
    mt.capture = b.capture;
    mt.check = b.check;
    mt.max_len = b.max_len;
    mt.kind = b.kind;
    rep->matchers.push_back(std::move(mt));
  }
  for (int i : custom) {
    const v1::Detector& d = profile.detectors(i);
    std::string field = absl::StrCat("detectors[", i, "]");
    if (!names.insert(d.name()).second) {
      return Invalid(field + ".name", absl::StrCat("detector name '", d.name(),
                                                   "' is used twice"));
    }
    int id = static_cast<int>(rep->detectors.size());
    rep->detectors.push_back(
        {d.name(), ToMethod(d.method(), default_method, d.name(), &uses_hash)});
    if (!d.pattern().empty()) {
      re2::RE2::Options o;
      o.set_log_errors(false);
      Matcher mt;
      mt.detector = id;
      mt.re = std::make_unique<RE2>(d.pattern(), o);
      if (!mt.re->ok()) return Invalid(field + ".pattern", mt.re->error());
      if (static_cast<int>(d.group()) > mt.re->NumberOfCapturingGroups()) {
        return Invalid(field + ".group",
                       absl::StrCat("the pattern has only ",
                                    mt.re->NumberOfCapturingGroups(),
                                    " capture group(s)"));
      }
      mt.capture = static_cast<int>(d.group());
      switch (d.validator()) {
        case v1::LUHN:
          mt.validate = ValidateLuhn;
          break;
        case v1::MOD97:
          mt.validate = ValidateMod97;
          break;
        case v1::US_SSN:
          mt.validate = ValidateSsn;
          break;
        default:
          break;
      }
      mt.max_len = d.max_match_bytes() ? d.max_match_bytes() : 256;
      rep->matchers.push_back(std::move(mt));
    }
    if (d.deny_list_size() > 0) {
      std::string alternation;
      std::size_t longest = 0;
      for (int j = 0; j < d.deny_list_size(); ++j) {
        const std::string& lit = d.deny_list(j);
        if (lit.empty()) {
          return Invalid(absl::StrCat(field, ".deny_list[", j, "]"),
                         "empty value");
        }
        if (!alternation.empty()) alternation += '|';
        alternation += RE2::QuoteMeta(lit);
        longest = std::max(longest, lit.size());
      }
      re2::RE2::Options o = BuiltinOptions();
      Matcher mt;
      mt.detector = id;
      mt.re = std::make_unique<RE2>(alternation, o);
      if (!mt.re->ok()) return Invalid(field + ".deny_list", mt.re->error());
      mt.max_len = longest;
      rep->matchers.push_back(std::move(mt));
    }
  }
  if (rep->detectors.size() > 64) {
    return Invalid("detectors", "at most 64 detectors per profile");
  }

  for (int i = 0; i < profile.columns_size(); ++i) {
    const v1::ColumnRule& c = profile.columns(i);
    std::string field = absl::StrCat("columns[", i, "]");
    ColumnRuleSpec r;
    if (!c.name().empty()) {
      re2::RE2::Options o;
      o.set_log_errors(false);
      r.name_re = std::make_unique<RE2>(c.name(), o);
      if (!r.name_re->ok()) return Invalid(field + ".name", r.name_re->error());
    }
    for (const std::string& t : c.types())
      r.types.push_back(absl::AsciiStrToLower(t));
    switch (c.action()) {
      case v1::ColumnRule::MASK:
        r.action = ColumnPlan::Action::kMask;
        break;
      case v1::ColumnRule::EXEMPT:
        r.action = ColumnPlan::Action::kExempt;
        break;
      default:
        r.action = ColumnPlan::Action::kDetect;
        break;
    }
    if (c.detectors_size() > 0) {
      if (r.action != ColumnPlan::Action::kDetect) {
        return Invalid(field + ".detectors",
                       "only a DETECT rule lists detectors");
      }
      r.detectors = 0;
      for (int j = 0; j < c.detectors_size(); ++j) {
        std::size_t k = 0;
        while (k < rep->detectors.size() &&
               rep->detectors[k].name != c.detectors(j)) {
          ++k;
        }
        if (k == rep->detectors.size()) {
          return Invalid(absl::StrCat(field, ".detectors[", j, "]"),
                         absl::StrCat("no detector '", c.detectors(j),
                                      "' in this profile"));
        }
        r.detectors |= std::uint64_t{1} << k;
      }
    }
    v1::Method m = c.method();
    v1::Method fallback;
    fallback.set_kind(v1::Method::REDACT);
    r.method = ToMethod(m, fallback, "REDACTED", &uses_hash);
    rep->columns.push_back(std::move(r));
  }

  rep->hash_key = profile.hash_key();
  if (rep->hash_key.empty() && !profile.hash_key_env().empty()) {
    const char* v = std::getenv(profile.hash_key_env().c_str());
    if (v != nullptr) rep->hash_key = v;
  }
  if (uses_hash && rep->hash_key.empty()) {
    return Invalid(profile.hash_key_env().empty() ? "hash_key" : "hash_key_env",
                   profile.hash_key_env().empty()
                       ? "a HASH method needs hash_key or hash_key_env"
                       : absl::StrCat("a HASH method needs a key and $",
                                      profile.hash_key_env(), " is not set"));
  }

  for (const DetectorInfo& d : rep->detectors)
    rep->counter_names.push_back(d.name);
  rep->counter_names.push_back("COLUMN_RULE");
  rep->counter_names.push_back("FAIL_CLOSED");
  std::uint32_t kinds = 0;
  for (const Matcher& m : rep->matchers) {
    rep->max_len = std::max(rep->max_len, m.max_len);
    rep->all_detectors |= std::uint64_t{1} << m.detector;
    if (m.kind == internal::Kind::kNone) {
      rep->unfiltered |= std::uint64_t{1} << m.detector;
    } else {
      kinds |= 1u << static_cast<int>(m.kind);
    }
  }
  rep->all_plan = internal::MakePrefilterPlan(kinds);
  for (std::size_t i = 0; i < rep->matchers.size(); ++i) {
    const internal::Kind k = rep->matchers[i].kind;
    if (k != internal::Kind::kNone) {
      rep->kind_matchers[static_cast<int>(k)].push_back(static_cast<int>(i));
    }
  }
  for (const Matcher& m : rep->matchers) rep->primary.push_back(m.re.get());
  return std::unique_ptr<Masker>(new Masker(std::move(rep)));
}

std::unique_ptr<Masker> Masker::Default(const MaskerOptions& options) {
  v1::Profile p;
  p.set_name("default");
  p.set_all_builtins(true);
  p.mutable_default_method()->set_kind(v1::Method::REDACT);
  auto m = Create(p, options);
  return std::move(m).value();
}

}  // namespace hoop::masking
