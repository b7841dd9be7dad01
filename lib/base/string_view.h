// Copyright 2026 The hoop Authors.
//
// The one place where std::string_view and Debian 12's absl::string_view meet.
// Debian's Abseil 20220623 is built with its own absl::string_view, which does
// not convert from std::string_view; hoop's headers use std::string_view.
//
//   absl::StrCat("type ", Sv(name));     // std -> absl, for Abseil calls
//   std::string_view s = StdSv(status.message());   // absl -> std

#ifndef HOOP_LIB_BASE_STRING_VIEW_H_
#define HOOP_LIB_BASE_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace hoop {

inline absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view StdSv(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace hoop

#endif  // HOOP_LIB_BASE_STRING_VIEW_H_
