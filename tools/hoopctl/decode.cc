// Copyright 2026 The hoop Authors.
//
// hoopctl decode: prints every frame of a recorded connection, one JSON object
// per line (or a readable line with --format text).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "hoop/wire/postgres.h"

namespace hoop::hoopctl {
namespace {

namespace pg = hoop::wire::postgres;
using hoop::wire::Direction;
using nlohmann::ordered_json;

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(kDigits[u >> 4]);
    out.push_back(kDigits[u & 15]);
  }
  return out;
}

// Text when it is valid UTF-8, else {"hex": "..."}.
ordered_json Bytes(std::string_view s) {
  if (ValidUtf8(s)) return std::string(s);
  return ordered_json{{"hex", Hex(s)}};
}

ordered_json Value(const pg::Value& v) {
  if (!v) return nullptr;
  return Bytes(*v);
}

ordered_json Values(const std::vector<pg::Value>& values) {
  ordered_json a = ordered_json::array();
  for (const pg::Value& v : values) a.push_back(Value(v));
  return a;
}

ordered_json Strings(const std::vector<std::string_view>& v) {
  ordered_json a = ordered_json::array();
  for (std::string_view s : v) a.push_back(Bytes(s));
  return a;
}

template <typename Int>
ordered_json Ints(const std::vector<Int>& v) {
  ordered_json a = ordered_json::array();
  for (Int x : v) a.push_back(x);
  return a;
}

ordered_json NoticeFields(const std::vector<pg::NoticeField>& fields) {
  ordered_json o = ordered_json::object();
  for (const pg::NoticeField& f : fields) {
    std::string name(pg::NoticeFieldName(f.code));
    if (name == "unknown") name = std::string("field_") + f.code;
    o[name] = Bytes(f.value);
  }
  return o;
}

void CopyFormats(const pg::CopyResponse& m, ordered_json& o) {
  o["format"] = m.format == 0 ? "text" : "binary";
  o["column_formats"] = Ints(m.column_formats);
}

std::string_view Target(char t) { return t == 'S' ? "statement" : "portal"; }

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Adds the message's fields to `o`.
void AddFields(const pg::Message& message, ordered_json& o) {
  std::visit(
      Overloaded{
          [&](const pg::StartupMessage& m) {
            o["protocol"] = std::to_string(m.protocol_version >> 16) + "." +
                            std::to_string(m.protocol_version & 0xffff);
            ordered_json p = ordered_json::object();
            for (const pg::Parameter& x : m.parameters) p[std::string(x.name)] = Bytes(x.value);
            o["parameters"] = p;
          },
          [&](const pg::CancelRequest& m) {
            o["process_id"] = m.process_id;
            o["secret_key"] = Hex(m.secret_key);
          },
          [&](const pg::SSLResponse& m) { o["answer"] = std::string(1, m.answer); },
          [&](const pg::GSSENCResponse& m) { o["answer"] = std::string(1, m.answer); },
          [&](const pg::AuthenticationMD5Password& m) { o["salt"] = Hex(m.salt); },
          [&](const pg::AuthenticationGSSContinue& m) { o["data"] = Hex(m.data); },
          [&](const pg::AuthenticationSASL& m) { o["mechanisms"] = Strings(m.mechanisms); },
          [&](const pg::AuthenticationSASLContinue& m) { o["data"] = Bytes(m.data); },
          [&](const pg::AuthenticationSASLFinal& m) { o["data"] = Bytes(m.data); },
          // The password itself is a credential: never printed.
          [&](const pg::PasswordMessage& m) { o["password_length"] = m.password.size(); },
          [&](const pg::SASLInitialResponse& m) {
            o["mechanism"] = Bytes(m.mechanism);
            o["data"] = Value(m.data);
          },
          [&](const pg::SASLResponse& m) { o["data"] = Bytes(m.data); },
          [&](const pg::GSSResponse& m) { o["data"] = Hex(m.data); },
          [&](const pg::Query& m) { o["query"] = Bytes(m.query); },
          [&](const pg::Parse& m) {
            o["statement"] = Bytes(m.statement);
            o["query"] = Bytes(m.query);
            o["parameter_types"] = Ints(m.parameter_types);
          },
          [&](const pg::Bind& m) {
            o["portal"] = Bytes(m.portal);
            o["statement"] = Bytes(m.statement);
            o["parameter_formats"] = Ints(m.parameter_formats);
            o["parameters"] = Values(m.parameters);
            o["result_formats"] = Ints(m.result_formats);
          },
          [&](const pg::Describe& m) {
            o["target"] = Target(m.target);
            o["name"] = Bytes(m.name);
          },
          [&](const pg::Execute& m) {
            o["portal"] = Bytes(m.portal);
            o["max_rows"] = m.max_rows;
          },
          [&](const pg::Close& m) {
            o["target"] = Target(m.target);
            o["name"] = Bytes(m.name);
          },
          [&](const pg::FunctionCall& m) {
            o["function_oid"] = m.function_oid;
            o["argument_formats"] = Ints(m.argument_formats);
            o["arguments"] = Values(m.arguments);
            o["result_format"] = m.result_format;
          },
          [&](const pg::CopyData& m) { o["data"] = Bytes(m.data); },
          [&](const pg::CopyFail& m) { o["message"] = Bytes(m.message); },
          [&](const pg::BackendKeyData& m) {
            o["process_id"] = m.process_id;
            o["secret_key"] = Hex(m.secret_key);
          },
          [&](const pg::CommandComplete& m) { o["tag"] = Bytes(m.tag); },
          [&](const pg::CopyInResponse& m) { CopyFormats(m, o); },
          [&](const pg::CopyOutResponse& m) { CopyFormats(m, o); },
          [&](const pg::CopyBothResponse& m) { CopyFormats(m, o); },
          [&](const pg::DataRow& m) { o["values"] = Values(m.values); },
          [&](const pg::ErrorResponse& m) { o["fields"] = NoticeFields(m.fields); },
          [&](const pg::NoticeResponse& m) { o["fields"] = NoticeFields(m.fields); },
          [&](const pg::FunctionCallResponse& m) { o["result"] = Value(m.result); },
          [&](const pg::NegotiateProtocolVersion& m) {
            o["newest_minor_version"] = m.newest_minor_version;
            o["unrecognized_options"] = Strings(m.unrecognized_options);
          },
          [&](const pg::NotificationResponse& m) {
            o["process_id"] = m.process_id;
            o["channel"] = Bytes(m.channel);
            o["payload"] = Bytes(m.payload);
          },
          [&](const pg::ParameterDescription& m) { o["parameter_types"] = Ints(m.parameter_types); },
          [&](const pg::ParameterStatus& m) {
            o["name"] = Bytes(m.name);
            o["value"] = Bytes(m.value);
          },
          [&](const pg::ReadyForQuery& m) { o["status"] = std::string(1, m.status); },
          [&](const pg::RowDescription& m) {
            ordered_json a = ordered_json::array();
            for (const pg::FieldDescription& f : m.fields) {
              a.push_back(ordered_json{{"name", Bytes(f.name)},
                                       {"table_oid", f.table_oid},
                                       {"column_attribute", f.column_attribute},
                                       {"type_oid", f.type_oid},
                                       {"type_size", f.type_size},
                                       {"type_modifier", f.type_modifier},
                                       {"format", f.format}});
            }
            o["fields"] = a;
          },
          [&](const auto&) {},  // messages without fields
      },
      message);
}

// A name for the common built-in type OIDs (pg_type), for text output.
std::string TypeName(std::uint32_t oid) {
  switch (oid) {
    case 16: return "bool";
    case 17: return "bytea";
    case 19: return "name";
    case 20: return "int8";
    case 21: return "int2";
    case 23: return "int4";
    case 25: return "text";
    case 26: return "oid";
    case 114: return "json";
    case 700: return "float4";
    case 701: return "float8";
    case 1042: return "bpchar";
    case 1043: return "varchar";
    case 1082: return "date";
    case 1114: return "timestamp";
    case 1184: return "timestamptz";
    case 1700: return "numeric";
    case 2950: return "uuid";
    case 3802: return "jsonb";
    default: return "oid " + std::to_string(oid);
  }
}

std::string Compact(const ordered_json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "NULL";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One readable line: direction, type and the gist of the fields.
std::string TextLine(Direction dir, const pg::Frame& frame, const ordered_json& o) {
  std::string line = dir == Direction::kClientToServer ? "C  " : "  S ";
  line += pg::MessageTypeName(frame.type);
  std::string body;
  if (frame.type == pg::MessageType::kRowDescription && o.contains("fields")) {
    for (const ordered_json& f : o["fields"]) {
      if (!body.empty()) body += ", ";
      body += Compact(f["name"]) + " " + TypeName(f["type_oid"].get<std::uint32_t>());
    }
    body = "(" + body + ")";
  } else if (frame.type == pg::MessageType::kDataRow && o.contains("values")) {
    for (const ordered_json& v : o["values"]) {
      if (!body.empty()) body += " | ";
      body += Compact(v);
    }
  } else if ((frame.type == pg::MessageType::kErrorResponse ||
              frame.type == pg::MessageType::kNoticeResponse) &&
             o.contains("fields")) {
    const ordered_json& f = o["fields"];
    for (const char* k : {"severity", "code", "message", "detail"}) {
      if (f.contains(k)) body += (body.empty() ? "" : "  ") + Compact(f[k]);
    }
  } else {
    ordered_json rest = o;
    for (const char* k : {"dir", "offset", "length", "type"}) rest.erase(k);
    if (rest.size() == 1) {
      body = Compact(rest.begin().value());  // Query, CommandComplete, ...
    } else if (!rest.empty()) {
      body = Compact(rest);
    }
  }
  for (char& c : body) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (body.size() > 160) body = body.substr(0, 157) + "...";
  if (!body.empty()) line += "  " + body;
  return line;
}

bool ReadAll(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

struct DecodeArgs {
  std::string protocol = "postgres";
  std::string client_path;
  std::string server_path;
  std::string format = "json";
  bool mid_stream = false;
};

int RunDecode(const DecodeArgs& args) {
  if (args.client_path == "-" && args.server_path == "-") {
    std::cerr << "hoopctl decode: only one of --client and --server can be '-'\n";
    return 2;
  }
  std::string client, server;
  if (!args.client_path.empty() && !ReadAll(args.client_path, &client)) {
    std::cerr << "hoopctl decode: cannot read " << args.client_path << "\n";
    return 2;
  }
  if (!args.server_path.empty() && !ReadAll(args.server_path, &server)) {
    std::cerr << "hoopctl decode: cannot read " << args.server_path << "\n";
    return 2;
  }
  pg::RecordedOptions options;
  if (args.mid_stream) options.decoder.start = pg::DecoderOptions::Start::kNormal;
  const bool text = args.format == "text";
  std::size_t frames = 0;
  const absl::Status status = pg::DecodeRecorded(
      client, server,
      [&](Direction dir, const pg::Frame& frame) {
        ++frames;
        ordered_json o;
        o["dir"] = std::string(wire::DirectionName(dir));
        o["offset"] = frame.offset;
        o["length"] = frame.bytes.size();
        o["type"] = std::string(pg::MessageTypeName(frame.type));
        if (frame.tag == 'R' && frame.body.size() >= 4) {  // the request code
          const auto* b = reinterpret_cast<const unsigned char*>(frame.body.data());
          o["auth_type"] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        }
        absl::StatusOr<pg::Message> m = pg::ParseMessage(frame);
        if (m.ok()) AddFields(*m, o);
        std::string line = text ? TextLine(dir, frame, o) : o.dump();
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stdout);
      },
      options);
  std::fflush(stdout);
  if (!status.ok()) {
    std::cerr << "hoopctl decode: " << status.message() << "\n";
    return 1;
  }
  if (text) std::printf("(%zu frames)\n", frames);
  return 0;
}

}  // namespace

void RegisterDecode(CLI::App& app) {
  auto args = std::make_shared<DecodeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "decode",
      "Decode the two byte streams of one recorded connection and print every frame "
      "(one JSON object per line: dir, offset, length, type and the message's fields)");
  cmd->add_option("--protocol", args->protocol, "Wire protocol")
      ->check(CLI::IsMember({"postgres"}))
      ->capture_default_str();
  cmd->add_option("--client", args->client_path,
                  "File with the bytes the client sent ('-': standard input)");
  cmd->add_option("--server", args->server_path,
                  "File with the bytes the server sent ('-': standard input)");
  cmd->add_option("--format", args->format, "Output: json (one object per line) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_flag("--mid-stream", args->mid_stream,
                "The streams begin after startup (normal phase)");
  cmd->callback([args] {
    if (args->client_path.empty() && args->server_path.empty()) {
      throw CLI::ValidationError("--client/--server", "give at least one stream");
    }
    const int rc = RunDecode(*args);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hoop::hoopctl
