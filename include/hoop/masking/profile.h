// Copyright 2026 The hoop Authors.
//
// Masking profiles from files: YAML or JSON that matches
// proto/hoop/masking/v1/profile.proto, compiled into a Masker.
//
//   absl::StatusOr<std::unique_ptr<Masker>> m = LoadMasker("pii.yaml");
//   if (!m.ok()) {
//     // InvalidArgument, naming file, line, column and field:
//     //   pii.yaml:12:14: detectors[2].pattern: missing ): (a
//     //   pii.yaml:3:9: unknown field 'detector' in hoop.masking.v1.Profile
//   }
//
// Field names are the proto names (snake_case) or their JSON names
// (lowerCamelCase); enums are written by name (REDACT, PARTIAL, ...). JSON is
// read by the same YAML parser (JSON is YAML's flow style), so JSON errors
// carry line numbers too. Unknown fields are errors, not ignored: a typo in a
// masking profile must not silently turn masking off.
//
// All functions are thread-safe (they share nothing).

#ifndef HOOP_MASKING_PROFILE_H_
#define HOOP_MASKING_PROFILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hoop/masking/masker.h"
#include "hoop/masking/v1/profile.pb.h"

namespace hoop::masking {

// Parses and schema-checks `text`; `source_name` names it in errors.
// Does not compile patterns: CompileProfile does both.
absl::StatusOr<v1::Profile> ParseProfile(std::string_view text,
                                         std::string_view source_name);

// ParseProfile + Masker::Create, with compile errors (bad patterns, unknown
// detector names, a missing hash key) also pointed at their line.
absl::StatusOr<std::unique_ptr<Masker>> CompileProfile(
    std::string_view text, std::string_view source_name,
    const MaskerOptions& options = {});

// Reads `path` and compiles it. NotFound if it cannot be read.
absl::StatusOr<std::unique_ptr<Masker>> LoadMasker(
    const std::string& path, const MaskerOptions& options = {});

// The built-in default: every built-in detector, REDACT.
v1::Profile DefaultProfile();

}  // namespace hoop::masking

#endif  // HOOP_MASKING_PROFILE_H_
