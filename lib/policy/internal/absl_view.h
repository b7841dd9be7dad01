// Copyright 2026 The hoop Authors.
//
// Debian 12's Abseil has its own absl::string_view, which does not convert
// from std::string_view; hoop's headers use std::string_view. This is the one
// place that converts.

#ifndef HOOP_LIB_POLICY_INTERNAL_ABSL_VIEW_H_
#define HOOP_LIB_POLICY_INTERNAL_ABSL_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace hoop::policy::internal {

inline absl::string_view AV(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace hoop::policy::internal

#endif  // HOOP_LIB_POLICY_INTERNAL_ABSL_VIEW_H_
