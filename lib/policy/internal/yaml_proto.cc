// Copyright 2026 The hoop Authors.

#include "policy/internal/yaml_proto.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "policy/internal/absl_view.h"
#include "google/protobuf/reflection.h"
#include "yaml-cpp/yaml.h"

namespace hoop::policy::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '-') c = '_';
  }
  return out;
}

class Converter {
 public:
  Converter(std::string_view source, SourceMap* positions)
      : source_(source), positions_(positions) {}

  absl::Status Error(const YAML::Node& node, const std::string& path,
                     std::string_view problem) {
    const YAML::Mark m = node.Mark();
    return absl::InvalidArgumentError(absl::StrCat(
        AV(source_), ":", m.line + 1, ":", m.column + 1, ": ",
        path.empty() ? std::string("document") : path, ": ", AV(problem)));
  }

  void Remember(const YAML::Node& node, const std::string& path) {
    const YAML::Mark m = node.Mark();
    (*positions_)[path] = SourcePos{m.line + 1, m.column + 1};
  }

  absl::Status Message(const YAML::Node& node, const std::string& path,
                       google::protobuf::Message* msg) {
    Remember(node, path);
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) return Error(node, path, "expected a mapping");
    const Descriptor* d = msg->GetDescriptor();
    std::vector<const FieldDescriptor*> seen;
    for (const auto& kv : node) {
      // Copies: yaml-cpp's iterator yields a temporary pair of handles.
      const YAML::Node key = kv.first;
      const YAML::Node value = kv.second;
      if (!key.IsScalar()) return Error(key, path, "a key must be a string");
      const std::string name = key.Scalar();
      const FieldDescriptor* f = d->FindFieldByName(name);
      if (f == nullptr) {
        for (int i = 0; i < d->field_count() && f == nullptr; ++i) {
          if (d->field(i)->json_name() == name) f = d->field(i);
        }
      }
      const std::string fpath = path.empty() ? name : path + "." + name;
      if (f == nullptr) {
        std::string known;
        for (int i = 0; i < d->field_count(); ++i) {
          absl::StrAppend(&known, i ? ", " : "", d->field(i)->name());
        }
        return Error(key, fpath,
                     absl::StrCat("unknown field \"", name, "\" (", d->name(),
                                  " has: ", known, ")"));
      }
      if (std::find(seen.begin(), seen.end(), f) != seen.end()) {
        return Error(key, fpath, "given twice");
      }
      seen.push_back(f);
      Remember(value, fpath);
      absl::Status s = Field(value, fpath, msg, f);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Field(const YAML::Node& node, const std::string& path,
                     google::protobuf::Message* msg, const FieldDescriptor* f) {
    const Reflection* r = msg->GetReflection();
    if (f->is_map()) {
      if (node.IsNull()) return absl::OkStatus();
      if (!node.IsMap()) return Error(node, path, "expected a mapping");
      for (const auto& kv : node) {
        const YAML::Node key = kv.first;
        const YAML::Node value = kv.second;
        google::protobuf::Message* entry = r->AddMessage(msg, f);
        const FieldDescriptor* kf = entry->GetDescriptor()->map_key();
        const FieldDescriptor* vf = entry->GetDescriptor()->map_value();
        std::string epath = path + "." + (key.IsScalar() ? key.Scalar() : "?");
        absl::Status s = Scalar(key, epath, entry, kf);
        if (s.ok()) s = Scalar(value, epath, entry, vf);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    if (f->is_repeated()) {
      if (node.IsNull()) return absl::OkStatus();
      if (node.IsSequence()) {
        for (size_t i = 0; i < node.size(); ++i) {
          const std::string epath = absl::StrCat(path, "[", i, "]");
          Remember(node[i], epath);
          absl::Status s = f->type() == FieldDescriptor::TYPE_MESSAGE
                               ? Message(node[i], epath, r->AddMessage(msg, f))
                               : Scalar(node[i], epath, msg, f);
          if (!s.ok()) return s;
        }
        return absl::OkStatus();
      }
      // A single value where a list is expected: a list of one.
      const std::string epath = path + "[0]";
      Remember(node, epath);
      return f->type() == FieldDescriptor::TYPE_MESSAGE
                 ? Message(node, epath, r->AddMessage(msg, f))
                 : Scalar(node, epath, msg, f);
    }
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      return Message(node, path, r->MutableMessage(msg, f));
    }
    return Scalar(node, path, msg, f);
  }

  absl::Status Scalar(const YAML::Node& node, const std::string& path,
                      google::protobuf::Message* msg, const FieldDescriptor* f) {
    const Reflection* r = msg->GetReflection();
    const bool rep = f->is_repeated();
    if (node.IsNull() && !rep) return absl::OkStatus();
    if (!node.IsScalar()) {
      return Error(node, path,
                   absl::StrCat("expected a ", f->type_name(), " value"));
    }
    const std::string& v = node.Scalar();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        rep ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string l = Lower(v);
        bool b;
        if (l == "true" || l == "yes" || l == "on") {
          b = true;
        } else if (l == "false" || l == "no" || l == "off") {
          b = false;
        } else {
          return Error(node, path, absl::StrCat("expected true or false, got \"", v, "\""));
        }
        rep ? r->AddBool(msg, f, b) : r->SetBool(msg, f, b);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        int64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        const bool unsigned_type = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
                                   f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        const bool narrow = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                            f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
        if (ec != std::errc() || p != v.data() + v.size() ||
            (unsigned_type && n < 0) ||
            (narrow && (n > 0xffffffffLL || n < -0x80000000LL))) {
          return Error(node, path, absl::StrCat("expected an integer, got \"", v, "\""));
        }
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_INT32:
            rep ? r->AddInt32(msg, f, static_cast<int32_t>(n))
                : r->SetInt32(msg, f, static_cast<int32_t>(n));
            break;
          case FieldDescriptor::CPPTYPE_INT64:
            rep ? r->AddInt64(msg, f, n) : r->SetInt64(msg, f, n);
            break;
          case FieldDescriptor::CPPTYPE_UINT32:
            rep ? r->AddUInt32(msg, f, static_cast<uint32_t>(n))
                : r->SetUInt32(msg, f, static_cast<uint32_t>(n));
            break;
          default:
            rep ? r->AddUInt64(msg, f, static_cast<uint64_t>(n))
                : r->SetUInt64(msg, f, static_cast<uint64_t>(n));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (v.empty() || end != v.c_str() + v.size()) {
          return Error(node, path, absl::StrCat("expected a number, got \"", v, "\""));
        }
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          rep ? r->AddDouble(msg, f, d) : r->SetDouble(msg, f, d);
        } else {
          rep ? r->AddFloat(msg, f, static_cast<float>(d))
              : r->SetFloat(msg, f, static_cast<float>(d));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const std::string want = Lower(v);
        const auto* e = f->enum_type();
        const EnumValueDescriptor* found = nullptr;
        std::string names;
        for (int i = 0; i < e->value_count(); ++i) {
          const EnumValueDescriptor* ev = e->value(i);
          if (ev->number() == 0) continue;
          absl::StrAppend(&names, names.empty() ? "" : ", ", Lower(ev->name()));
          if (Lower(ev->name()) == want) found = ev;
        }
        if (found == nullptr) {
          return Error(node, path,
                       absl::StrCat("unknown value \"", v, "\" (one of: ", names, ")"));
        }
        rep ? r->AddEnum(msg, f, found) : r->SetEnum(msg, f, found);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    return Error(node, path, "unsupported field type");
  }

 private:
  std::string_view source_;
  SourceMap* positions_;
};

}  // namespace

absl::Status YamlToProto(std::string_view text, std::string_view source,
                         google::protobuf::Message* msg, SourceMap* positions) {
  msg->Clear();
  positions->clear();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        AV(source), ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  try {
    return Converter(source, positions).Message(root, "", msg);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(AV(source), ": ", e.what()));
  }
}

absl::Status FieldError(std::string_view source, const SourceMap& positions,
                        const std::string& path, std::string_view problem) {
  std::string p = path;
  for (;;) {
    auto it = positions.find(p);
    if (it != positions.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          AV(source), ":", it->second.line, ":", it->second.column, ": ", path,
          ": ", AV(problem)));
    }
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos || p.empty()) break;
    p.resize(cut);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(AV(source), ": ", path, ": ", AV(problem)));
}

}  // namespace hoop::policy::internal
