// Copyright 2026 The hoop Authors.

#include "policy/internal/glob.h"

#include <utility>

namespace hoop::policy::internal {
namespace {

char Fold(char c, bool icase) {
  return icase && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The segment of `s` starting at `pos`, and where the next one starts
// (s.size() + 1 after the last).
std::pair<std::string_view, size_t> Segment(std::string_view s, size_t pos) {
  size_t end = s.find('/', pos);
  if (end == std::string_view::npos) end = s.size();
  return {s.substr(pos, end - pos), end + 1};
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view t, bool icase) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() &&
        (p[pi] == '?' || (p[pi] != '*' && Fold(p[pi], icase) == Fold(t[ti], icase)))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool PathGlobMatch(std::string_view p, std::string_view t) {
  const size_t pend = p.size() + 1, tend = t.size() + 1;
  size_t pp = 0, tp = 0, sp = std::string_view::npos, st = 0;
  while (tp < tend) {
    if (pp < pend) {
      auto [ps, pn] = Segment(p, pp);
      if (ps == "**") {
        sp = pn;
        st = tp;
        pp = pn;
        continue;
      }
      auto [ts, tn] = Segment(t, tp);
      if (GlobMatch(ps, ts)) {
        pp = pn;
        tp = tn;
        continue;
      }
    }
    if (sp != std::string_view::npos) {
      st = Segment(t, st).second;
      tp = st;
      pp = sp;
      continue;
    }
    return false;
  }
  while (pp < pend && Segment(p, pp).first == "**") pp = Segment(p, pp).second;
  return pp >= pend;
}

}  // namespace hoop::policy::internal
