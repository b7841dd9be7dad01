// Copyright 2026 The hoop Authors.
//
// Glob matching for policy rules. No allocation; linear-time greedy matching
// with one backtrack point (no exponential blow-up on hostile input).

#ifndef HOOP_LIB_POLICY_INTERNAL_GLOB_H_
#define HOOP_LIB_POLICY_INTERNAL_GLOB_H_

#include <string_view>

namespace hoop::policy::internal {

// '*' matches any run of bytes, '?' one byte; everything else is literal.
bool GlobMatch(std::string_view pattern, std::string_view text,
               bool ignore_case = false);

// Over '/'-separated paths: '*' and '?' stay within a segment, a "**"
// segment matches zero or more whole segments.
bool PathGlobMatch(std::string_view pattern, std::string_view path);

}  // namespace hoop::policy::internal

#endif  // HOOP_LIB_POLICY_INTERNAL_GLOB_H_
