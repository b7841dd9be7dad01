// Copyright 2026 The hoop Authors.
//
// The project's two status macros. Debian 12's Abseil (20220623) has no
// ABSL_RETURN_IF_ERROR / ASSIGN_OR_RETURN, so hoop keeps its own, here only.
//
//   HOOP_RETURN_IF_ERROR(DoThing());
//   HOOP_ASSIGN_OR_RETURN(auto value, ComputeValue());

#ifndef HOOP_BASE_STATUS_MACROS_H_
#define HOOP_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HOOP_RETURN_IF_ERROR(expr)                        \
  do {                                                    \
    ::absl::Status hoop_status_ = (expr);                 \
    if (!hoop_status_.ok()) return hoop_status_;          \
  } while (0)

#define HOOP_STATUS_CONCAT_INNER_(a, b) a##b
#define HOOP_STATUS_CONCAT_(a, b) HOOP_STATUS_CONCAT_INNER_(a, b)

#define HOOP_ASSIGN_OR_RETURN(lhs, expr) \
  HOOP_ASSIGN_OR_RETURN_IMPL_(HOOP_STATUS_CONCAT_(hoop_statusor_, __LINE__), lhs, expr)

#define HOOP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // HOOP_BASE_STATUS_MACROS_H_
