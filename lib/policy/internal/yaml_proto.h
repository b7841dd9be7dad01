// Copyright 2026 The hoop Authors.
//
// YAML (and JSON, which yaml-cpp reads too) into a protobuf message, by
// reflection, keeping where every field was written so that errors found
// later (when compiling a policy) can still name file, line and column.

#ifndef HOOP_LIB_POLICY_INTERNAL_YAML_PROTO_H_
#define HOOP_LIB_POLICY_INTERNAL_YAML_PROTO_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace hoop::policy::internal {

struct SourcePos {
  int line = 0;  // 1-based; 0 unknown
  int column = 0;
};

// Field path ("rules[2].sql.effects[0]") -> where its value was written.
using SourceMap = std::map<std::string, SourcePos, std::less<>>;

// Parses `text` into `msg` (cleared first). Unknown fields, wrong types and
// unknown enum names are errors: kInvalidArgument with
// "<source>:<line>:<col>: <path>: <problem>".
absl::Status YamlToProto(std::string_view text, std::string_view source,
                         google::protobuf::Message* msg, SourceMap* positions);

// Formats an error about `path`, with the position of `path` or of its
// nearest ancestor found in `positions`.
absl::Status FieldError(std::string_view source, const SourceMap& positions,
                        const std::string& path, std::string_view problem);

}  // namespace hoop::policy::internal

#endif  // HOOP_LIB_POLICY_INTERNAL_YAML_PROTO_H_
