// Copyright 2026 The hoop Authors.
//
// YAML/JSON -> hoop.masking.v1.Profile through protobuf reflection, keeping
// each field's position so that every error names file, line and field.

#include "hoop/masking/profile.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"

namespace hoop::masking {
namespace {

namespace pb = ::google::protobuf;

struct Position {
  int line = 0;  // 1-based; 0: unknown
  int column = 0;
};

class Converter {
 public:
  explicit Converter(std::string source) : source_(std::move(source)) {}

  absl::Status Message(const YAML::Node& node, const std::string& path,
                       pb::Message* msg) {
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) {
      return Error(node, path,
                   absl::StrCat("expected a mapping for ",
                                msg->GetDescriptor()->full_name()));
    }
    const pb::Descriptor* d = msg->GetDescriptor();
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      const pb::FieldDescriptor* f = d->FindFieldByName(key);
      for (int i = 0; f == nullptr && i < d->field_count(); ++i) {
        if (d->field(i)->json_name() == key) f = d->field(i);
      }
      if (f == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < d->field_count(); ++i) {
          names.push_back(d->field(i)->name());
        }
        return Error(
            kv.first, path,
            absl::StrCat("unknown field '", key, "' in ", d->full_name(),
                         " (fields: ", absl::StrJoin(names, ", "), ")"));
      }
      std::string fpath = path.empty() ? f->name() : path + "." + f->name();
      Remember(fpath, kv.second);
      if (kv.second.IsNull()) continue;
      if (f->is_repeated()) {
        if (!kv.second.IsSequence()) {
          return Error(kv.second, fpath, "expected a list");
        }
        int i = 0;
        for (const auto& item : kv.second) {
          std::string ipath = absl::StrCat(fpath, "[", i++, "]");
          Remember(ipath, item);
          if (absl::Status s = Value(item, ipath, msg, f, true); !s.ok()) {
            return s;
          }
        }
      } else if (absl::Status s = Value(kv.second, fpath, msg, f, false);
                 !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Error(const YAML::Node& node, const std::string& path,
                     const std::string& message) const {
    YAML::Mark m = node.Mark();
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", m.line + 1, ":", m.column + 1, ": ",
                     path.empty() ? "" : path + ": ", message));
  }

  // Points a "field.path: message" error from Masker::Create at its line,
  // or at the nearest enclosing field that has one.
  absl::Status Locate(const absl::Status& s) const {
    std::string msg(s.message());
    std::size_t colon = msg.find(": ");
    if (colon != std::string::npos) {
      std::string path = msg.substr(0, colon);
      while (!path.empty()) {
        auto it = positions_.find(path);
        if (it != positions_.end()) {
          return absl::Status(s.code(),
                              absl::StrCat(source_, ":", it->second.line, ":",
                                           it->second.column, ": ", msg));
        }
        std::size_t cut = path.find_last_of(".[");
        if (cut == std::string::npos) break;
        path.resize(cut);
      }
    }
    return absl::Status(s.code(), absl::StrCat(source_, ": ", msg));
  }

 private:
  void Remember(const std::string& path, const YAML::Node& node) {
    YAML::Mark m = node.Mark();
    if (m.line >= 0) positions_[path] = {m.line + 1, m.column + 1};
  }

  absl::Status Value(const YAML::Node& node, const std::string& path,
                     pb::Message* msg, const pb::FieldDescriptor* f,
                     bool repeated) {
    const pb::Reflection* r = msg->GetReflection();
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      pb::Message* sub =
          repeated ? r->AddMessage(msg, f) : r->MutableMessage(msg, f);
      return Message(node, path, sub);
    }
    if (!node.IsScalar()) return Error(node, path, "expected a single value");
    const std::string& v = node.Scalar();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        repeated ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
        return absl::OkStatus();
      case pb::FieldDescriptor::CPPTYPE_BOOL: {
        bool b;
        if (!YAML::convert<bool>::decode(node, b)) {
          return Error(node, path,
                       absl::StrCat("expected true or false, got '", v, "'"));
        }
        repeated ? r->AddBool(msg, f, b) : r->SetBool(msg, f, b);
        return absl::OkStatus();
      }
      case pb::FieldDescriptor::CPPTYPE_UINT32: {
        std::uint32_t n;
        if (!absl::SimpleAtoi(v, &n)) {
          return Error(
              node, path,
              absl::StrCat("expected a non-negative integer, got '", v, "'"));
        }
        repeated ? r->AddUInt32(msg, f, n) : r->SetUInt32(msg, f, n);
        return absl::OkStatus();
      }
      case pb::FieldDescriptor::CPPTYPE_INT32: {
        std::int32_t n;
        if (!absl::SimpleAtoi(v, &n)) {
          return Error(node, path,
                       absl::StrCat("expected an integer, got '", v, "'"));
        }
        repeated ? r->AddInt32(msg, f, n) : r->SetInt32(msg, f, n);
        return absl::OkStatus();
      }
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByName(v);
        if (e == nullptr || e->number() == 0) {
          std::vector<std::string> names;
          for (int i = 1; i < f->enum_type()->value_count(); ++i) {
            names.push_back(f->enum_type()->value(i)->name());
          }
          return Error(node, path,
                       absl::StrCat("unknown value '", v, "' (one of ",
                                    absl::StrJoin(names, ", "), ")"));
        }
        repeated ? r->AddEnum(msg, f, e) : r->SetEnum(msg, f, e);
        return absl::OkStatus();
      }
      default:
        return Error(node, path, "unsupported field type");
    }
  }

  std::string source_;
  std::map<std::string, Position> positions_;
};

absl::Status Parse(std::string_view text, std::string_view source_name,
                   Converter* conv, v1::Profile* out) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(source_name), ":", e.mark.line + 1, ":",
                     e.mark.column + 1, ": syntax error: ", e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(source_name), ": empty profile"));
  }
  try {
    return conv->Message(root, "", out);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(source_name), ":", e.mark.line + 1, ":",
                     e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace

absl::StatusOr<v1::Profile> ParseProfile(std::string_view text,
                                         std::string_view source_name) {
  Converter conv{std::string(source_name)};
  v1::Profile p;
  if (absl::Status s = Parse(text, source_name, &conv, &p); !s.ok()) return s;
  return p;
}

absl::StatusOr<std::unique_ptr<Masker>> CompileProfile(
    std::string_view text, std::string_view source_name,
    const MaskerOptions& options) {
  Converter conv{std::string(source_name)};
  v1::Profile p;
  if (absl::Status s = Parse(text, source_name, &conv, &p); !s.ok()) return s;
  auto m = Masker::Create(p, options);
  if (!m.ok()) return conv.Locate(m.status());
  return m;
}

absl::StatusOr<std::unique_ptr<Masker>> LoadMasker(
    const std::string& path, const MaskerOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return CompileProfile(buf.str(), path, options);
}

v1::Profile DefaultProfile() {
  v1::Profile p;
  p.set_name("default");
  p.set_all_builtins(true);
  p.mutable_default_method()->set_kind(v1::Method::REDACT);
  return p;
}

}  // namespace hoop::masking
