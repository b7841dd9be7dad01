// Copyright 2026 The hoop Authors.
//
// Typed PostgreSQL messages: names, parsing of bodies, encoding.

#include <array>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/string_view.h"
#include "hoop/wire/postgres.h"
#include "wire/postgres/body.h"

namespace hoop::wire::postgres {
namespace {

// The variant's alternatives in order, with their MessageType.
constexpr std::array<MessageType, std::variant_size_v<Message>> kVariantTypes = {
    MessageType::kStartupMessage,
    MessageType::kSSLRequest,
    MessageType::kGSSENCRequest,
    MessageType::kCancelRequest,
    MessageType::kSSLResponse,
    MessageType::kGSSENCResponse,
    MessageType::kAuthenticationOk,
    MessageType::kAuthenticationKerberosV5,
    MessageType::kAuthenticationCleartextPassword,
    MessageType::kAuthenticationMD5Password,
    MessageType::kAuthenticationGSS,
    MessageType::kAuthenticationGSSContinue,
    MessageType::kAuthenticationSSPI,
    MessageType::kAuthenticationSASL,
    MessageType::kAuthenticationSASLContinue,
    MessageType::kAuthenticationSASLFinal,
    MessageType::kPasswordMessage,
    MessageType::kSASLInitialResponse,
    MessageType::kSASLResponse,
    MessageType::kGSSResponse,
    MessageType::kQuery,
    MessageType::kParse,
    MessageType::kBind,
    MessageType::kDescribe,
    MessageType::kExecute,
    MessageType::kSync,
    MessageType::kFlush,
    MessageType::kClose,
    MessageType::kFunctionCall,
    MessageType::kTerminate,
    MessageType::kCopyData,
    MessageType::kCopyDone,
    MessageType::kCopyFail,
    MessageType::kBackendKeyData,
    MessageType::kBindComplete,
    MessageType::kCloseComplete,
    MessageType::kCommandComplete,
    MessageType::kCopyInResponse,
    MessageType::kCopyOutResponse,
    MessageType::kCopyBothResponse,
    MessageType::kDataRow,
    MessageType::kEmptyQueryResponse,
    MessageType::kErrorResponse,
    MessageType::kFunctionCallResponse,
    MessageType::kNegotiateProtocolVersion,
    MessageType::kNoData,
    MessageType::kNoticeResponse,
    MessageType::kNotificationResponse,
    MessageType::kParameterDescription,
    MessageType::kParameterStatus,
    MessageType::kParseComplete,
    MessageType::kPortalSuspended,
    MessageType::kReadyForQuery,
    MessageType::kRowDescription,
};

// Authentication request codes ('R' messages).
enum AuthCode : std::int32_t {
  kAuthOk = 0,
  kAuthKerberosV5 = 2,
  kAuthCleartext = 3,
  kAuthMD5 = 5,
  kAuthGSS = 7,
  kAuthGSSContinue = 8,
  kAuthSSPI = 9,
  kAuthSASL = 10,
  kAuthSASLContinue = 11,
  kAuthSASLFinal = 12,
};

using internal::Reader;

absl::Status Bad(const Reader& r) { return absl::InvalidArgumentError(r.error()); }
absl::Status Bad(std::string what) {
  return absl::InvalidArgumentError(std::move(what));
}

absl::Status Trailing(const Reader& r) {
  return Bad(absl::StrCat(r.remaining(), " unexpected bytes after the last field"));
}

template <typename T>
absl::StatusOr<Message> Done(const Reader& r, T&& m) {
  if (!r.AtEnd()) return Trailing(r);
  return Message(std::forward<T>(m));
}

template <typename T>
absl::StatusOr<Message> Empty(std::string_view body) {
  if (!body.empty()) {
    return Bad(absl::StrCat(body.size(), " unexpected bytes in a message that has no body"));
  }
  return Message(T{});
}

absl::Status ReadNoticeFields(Reader& r, std::vector<NoticeField>* fields) {
  for (;;) {
    char code = 0;
    if (!r.Byte(&code, "field code")) return Bad(r);
    if (code == '\0') break;
    NoticeField f;
    f.code = code;
    if (!r.CString(&f.value, "field value")) return Bad(r);
    fields->push_back(f);
  }
  return absl::OkStatus();
}

absl::Status ReadFormats(Reader& r, std::vector<std::int16_t>* formats,
                         const char* what) {
  std::int16_t n = 0;
  if (!r.Count(&n, 2, what)) return Bad(r);
  formats->resize(static_cast<std::size_t>(n));
  for (auto& f : *formats) {
    if (!r.Int16(&f, what)) return Bad(r);
  }
  return absl::OkStatus();
}

absl::Status ReadValues(Reader& r, std::vector<Value>* values, const char* what) {
  std::int16_t n = 0;
  if (!r.Count(&n, 4, what)) return Bad(r);
  values->resize(static_cast<std::size_t>(n));
  for (auto& v : *values) {
    if (!r.LengthPrefixed(&v, what)) return Bad(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<Message> ParseStartup(MessageType type, std::string_view body) {
  Reader r(body);
  std::uint32_t code = 0;
  if (!r.UInt32(&code, "protocol version")) return Bad(r);
  switch (type) {
    case MessageType::kSSLRequest:
      return Done(r, SSLRequest{});
    case MessageType::kGSSENCRequest:
      return Done(r, GSSENCRequest{});
    case MessageType::kCancelRequest: {
      CancelRequest m;
      if (!r.Int32(&m.process_id, "process id")) return Bad(r);
      m.secret_key = r.Rest();
      if (m.secret_key.size() < 4 || m.secret_key.size() > 256) {
        return Bad(absl::StrCat("secret key of ", m.secret_key.size(),
                                " bytes (must be 4 to 256)"));
      }
      return Message(m);
    }
    default:
      break;
  }
  StartupMessage m;
  m.protocol_version = code;
  for (;;) {
    std::string_view name;
    if (!r.CString(&name, "parameter name")) return Bad(r);
    if (name.empty()) break;
    Parameter p;
    p.name = name;
    if (!r.CString(&p.value, "parameter value")) return Bad(r);
    m.parameters.push_back(p);
  }
  return Done(r, std::move(m));
}

absl::StatusOr<Message> ParseAuthentication(std::string_view body) {
  Reader r(body);
  std::int32_t code = 0;
  if (!r.Int32(&code, "authentication code")) return Bad(r);
  switch (code) {
    case kAuthOk:
      return Done(r, AuthenticationOk{});
    case kAuthKerberosV5:
      return Done(r, AuthenticationKerberosV5{});
    case kAuthCleartext:
      return Done(r, AuthenticationCleartextPassword{});
    case kAuthMD5: {
      AuthenticationMD5Password m;
      if (!r.Bytes(4, &m.salt, "salt")) return Bad(r);
      return Done(r, m);
    }
    case kAuthGSS:
      return Done(r, AuthenticationGSS{});
    case kAuthGSSContinue:
      return Message(AuthenticationGSSContinue{r.Rest()});
    case kAuthSSPI:
      return Done(r, AuthenticationSSPI{});
    case kAuthSASL: {
      AuthenticationSASL m;
      for (;;) {
        std::string_view mech;
        if (!r.CString(&mech, "SASL mechanism")) return Bad(r);
        if (mech.empty()) break;
        m.mechanisms.push_back(mech);
      }
      return Done(r, std::move(m));
    }
    case kAuthSASLContinue:
      return Message(AuthenticationSASLContinue{r.Rest()});
    case kAuthSASLFinal:
      return Message(AuthenticationSASLFinal{r.Rest()});
    default:
      return Bad(absl::StrCat("unknown authentication request code ", code));
  }
}

absl::StatusOr<Message> ParseCopyResponse(MessageType type, std::string_view body) {
  Reader r(body);
  CopyResponse m;
  char format = 0;
  if (!r.Byte(&format, "overall format")) return Bad(r);
  if (format != 0 && format != 1) {
    return Bad(absl::StrCat("overall format ", static_cast<int>(format),
                            " (must be 0 or 1)"));
  }
  m.format = static_cast<std::int8_t>(format);
  if (absl::Status s = ReadFormats(r, &m.column_formats, "column formats"); !s.ok()) {
    return s;
  }
  if (!r.AtEnd()) return Trailing(r);
  switch (type) {
    case MessageType::kCopyInResponse:
      return Message(CopyInResponse{m});
    case MessageType::kCopyOutResponse:
      return Message(CopyOutResponse{m});
    default:
      return Message(CopyBothResponse{m});
  }
}

}  // namespace

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kUnknown: return "Unknown";
    case MessageType::kStartupMessage: return "StartupMessage";
    case MessageType::kSSLRequest: return "SSLRequest";
    case MessageType::kGSSENCRequest: return "GSSENCRequest";
    case MessageType::kCancelRequest: return "CancelRequest";
    case MessageType::kSSLResponse: return "SSLResponse";
    case MessageType::kGSSENCResponse: return "GSSENCResponse";
    case MessageType::kAuthenticationOk: return "AuthenticationOk";
    case MessageType::kAuthenticationKerberosV5: return "AuthenticationKerberosV5";
    case MessageType::kAuthenticationCleartextPassword: return "AuthenticationCleartextPassword";
    case MessageType::kAuthenticationMD5Password: return "AuthenticationMD5Password";
    case MessageType::kAuthenticationGSS: return "AuthenticationGSS";
    case MessageType::kAuthenticationGSSContinue: return "AuthenticationGSSContinue";
    case MessageType::kAuthenticationSSPI: return "AuthenticationSSPI";
    case MessageType::kAuthenticationSASL: return "AuthenticationSASL";
    case MessageType::kAuthenticationSASLContinue: return "AuthenticationSASLContinue";
    case MessageType::kAuthenticationSASLFinal: return "AuthenticationSASLFinal";
    case MessageType::kPasswordMessage: return "PasswordMessage";
    case MessageType::kSASLInitialResponse: return "SASLInitialResponse";
    case MessageType::kSASLResponse: return "SASLResponse";
    case MessageType::kGSSResponse: return "GSSResponse";
    case MessageType::kQuery: return "Query";
    case MessageType::kParse: return "Parse";
    case MessageType::kBind: return "Bind";
    case MessageType::kDescribe: return "Describe";
    case MessageType::kExecute: return "Execute";
    case MessageType::kSync: return "Sync";
    case MessageType::kFlush: return "Flush";
    case MessageType::kClose: return "Close";
    case MessageType::kFunctionCall: return "FunctionCall";
    case MessageType::kTerminate: return "Terminate";
    case MessageType::kCopyData: return "CopyData";
    case MessageType::kCopyDone: return "CopyDone";
    case MessageType::kCopyFail: return "CopyFail";
    case MessageType::kBackendKeyData: return "BackendKeyData";
    case MessageType::kBindComplete: return "BindComplete";
    case MessageType::kCloseComplete: return "CloseComplete";
    case MessageType::kCommandComplete: return "CommandComplete";
    case MessageType::kCopyInResponse: return "CopyInResponse";
    case MessageType::kCopyOutResponse: return "CopyOutResponse";
    case MessageType::kCopyBothResponse: return "CopyBothResponse";
    case MessageType::kDataRow: return "DataRow";
    case MessageType::kEmptyQueryResponse: return "EmptyQueryResponse";
    case MessageType::kErrorResponse: return "ErrorResponse";
    case MessageType::kFunctionCallResponse: return "FunctionCallResponse";
    case MessageType::kNegotiateProtocolVersion: return "NegotiateProtocolVersion";
    case MessageType::kNoData: return "NoData";
    case MessageType::kNoticeResponse: return "NoticeResponse";
    case MessageType::kNotificationResponse: return "NotificationResponse";
    case MessageType::kParameterDescription: return "ParameterDescription";
    case MessageType::kParameterStatus: return "ParameterStatus";
    case MessageType::kParseComplete: return "ParseComplete";
    case MessageType::kPortalSuspended: return "PortalSuspended";
    case MessageType::kReadyForQuery: return "ReadyForQuery";
    case MessageType::kRowDescription: return "RowDescription";
  }
  return "Unknown";
}

std::string_view NoticeFieldName(char code) {
  switch (code) {
    case 'S': return "severity";
    case 'V': return "severity_nonlocalized";
    case 'C': return "code";
    case 'M': return "message";
    case 'D': return "detail";
    case 'H': return "hint";
    case 'P': return "position";
    case 'p': return "internal_position";
    case 'q': return "internal_query";
    case 'W': return "where";
    case 's': return "schema_name";
    case 't': return "table_name";
    case 'c': return "column_name";
    case 'd': return "data_type_name";
    case 'n': return "constraint_name";
    case 'F': return "file";
    case 'L': return "line";
    case 'R': return "routine";
    default: return "unknown";
  }
}

namespace {
std::string_view FindField(const std::vector<NoticeField>& fields, char code) {
  for (const NoticeField& f : fields) {
    if (f.code == code) return f.value;
  }
  return {};
}
}  // namespace

std::string_view ErrorResponse::Field(char code) const { return FindField(fields, code); }
std::string_view NoticeResponse::Field(char code) const { return FindField(fields, code); }

MessageType TypeOf(const Message& message) { return kVariantTypes[message.index()]; }

namespace internal {

std::string_view CheckDataRow(std::string_view body, std::string* scratch) {
  const char* p = body.data();
  const char* end = p + body.size();
  if (body.size() < 2) return "column count: message ends early";
  const int n = static_cast<std::int16_t>(LoadBE16(p));
  p += 2;
  if (n < 0) {
    *scratch = absl::StrCat("negative column count ", n);
    return *scratch;
  }
  for (int i = 0; i < n; ++i) {
    if (end - p < 4) {
      *scratch = absl::StrCat("column ", i, " of ", n, ": message ends before its length");
      return *scratch;
    }
    const auto len = static_cast<std::int32_t>(LoadBE32(p));
    p += 4;
    if (len < 0) {
      if (len == -1) continue;
      *scratch = absl::StrCat("column ", i, ": negative length ", len);
      return *scratch;
    }
    if (end - p < len) {
      *scratch = absl::StrCat("column ", i, ": length ", len,
                              " runs past the end of the message");
      return *scratch;
    }
    p += len;
  }
  if (p != end) {
    *scratch = absl::StrCat(end - p, " unexpected bytes after the last column");
    return *scratch;
  }
  return {};
}

absl::StatusOr<Message> ParseBody(MessageType type, std::string_view body) {
  Reader r(body);
  switch (type) {
    case MessageType::kUnknown:
      return Bad("unknown message type");
    case MessageType::kStartupMessage:
    case MessageType::kSSLRequest:
    case MessageType::kGSSENCRequest:
    case MessageType::kCancelRequest:
      return ParseStartup(type, body);
    case MessageType::kSSLResponse:
      return Message(SSLResponse{'S'});
    case MessageType::kGSSENCResponse:
      return Message(GSSENCResponse{'G'});
    case MessageType::kAuthenticationOk:
    case MessageType::kAuthenticationKerberosV5:
    case MessageType::kAuthenticationCleartextPassword:
    case MessageType::kAuthenticationMD5Password:
    case MessageType::kAuthenticationGSS:
    case MessageType::kAuthenticationGSSContinue:
    case MessageType::kAuthenticationSSPI:
    case MessageType::kAuthenticationSASL:
    case MessageType::kAuthenticationSASLContinue:
    case MessageType::kAuthenticationSASLFinal:
      return ParseAuthentication(body);
    case MessageType::kPasswordMessage: {
      PasswordMessage m;
      if (!r.CString(&m.password, "password")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kSASLInitialResponse: {
      SASLInitialResponse m;
      if (!r.CString(&m.mechanism, "mechanism")) return Bad(r);
      if (!r.LengthPrefixed(&m.data, "initial response")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kSASLResponse:
      return Message(SASLResponse{r.Rest()});
    case MessageType::kGSSResponse:
      return Message(GSSResponse{r.Rest()});
    case MessageType::kQuery: {
      Query m;
      if (!r.CString(&m.query, "query")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kParse: {
      Parse m;
      if (!r.CString(&m.statement, "statement name")) return Bad(r);
      if (!r.CString(&m.query, "query")) return Bad(r);
      std::int16_t n = 0;
      if (!r.Count(&n, 4, "parameter type count")) return Bad(r);
      m.parameter_types.resize(static_cast<std::size_t>(n));
      for (auto& t : m.parameter_types) {
        if (!r.UInt32(&t, "parameter type")) return Bad(r);
      }
      return Done(r, std::move(m));
    }
    case MessageType::kBind: {
      Bind m;
      if (!r.CString(&m.portal, "portal name")) return Bad(r);
      if (!r.CString(&m.statement, "statement name")) return Bad(r);
      if (absl::Status s = ReadFormats(r, &m.parameter_formats, "parameter formats");
          !s.ok()) {
        return s;
      }
      if (absl::Status s = ReadValues(r, &m.parameters, "parameter values"); !s.ok()) {
        return s;
      }
      if (absl::Status s = ReadFormats(r, &m.result_formats, "result formats");
          !s.ok()) {
        return s;
      }
      return Done(r, std::move(m));
    }
    case MessageType::kDescribe:
    case MessageType::kClose: {
      char target = 0;
      std::string_view name;
      if (!r.Byte(&target, "target")) return Bad(r);
      if (target != 'S' && target != 'P') {
        return Bad(absl::StrCat("target byte 0x", absl::Hex(static_cast<unsigned char>(target)),
                                " (must be 'S' or 'P')"));
      }
      if (!r.CString(&name, "name")) return Bad(r);
      if (type == MessageType::kDescribe) return Done(r, Describe{target, name});
      return Done(r, Close{target, name});
    }
    case MessageType::kExecute: {
      Execute m;
      if (!r.CString(&m.portal, "portal name")) return Bad(r);
      if (!r.Int32(&m.max_rows, "row limit")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kSync: return Empty<Sync>(body);
    case MessageType::kFlush: return Empty<Flush>(body);
    case MessageType::kTerminate: return Empty<Terminate>(body);
    case MessageType::kFunctionCall: {
      FunctionCall m;
      if (!r.UInt32(&m.function_oid, "function oid")) return Bad(r);
      if (absl::Status s = ReadFormats(r, &m.argument_formats, "argument formats");
          !s.ok()) {
        return s;
      }
      if (absl::Status s = ReadValues(r, &m.arguments, "arguments"); !s.ok()) return s;
      if (!r.Int16(&m.result_format, "result format")) return Bad(r);
      return Done(r, std::move(m));
    }
    case MessageType::kCopyData:
      return Message(CopyData{r.Rest()});
    case MessageType::kCopyDone: return Empty<CopyDone>(body);
    case MessageType::kCopyFail: {
      CopyFail m;
      if (!r.CString(&m.message, "error message")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kBackendKeyData: {
      BackendKeyData m;
      if (!r.Int32(&m.process_id, "process id")) return Bad(r);
      m.secret_key = r.Rest();
      if (m.secret_key.size() < 4 || m.secret_key.size() > 256) {
        return Bad(absl::StrCat("secret key of ", m.secret_key.size(),
                                " bytes (must be 4 to 256)"));
      }
      return Message(m);
    }
    case MessageType::kBindComplete: return Empty<BindComplete>(body);
    case MessageType::kCloseComplete: return Empty<CloseComplete>(body);
    case MessageType::kCommandComplete: {
      CommandComplete m;
      if (!r.CString(&m.tag, "command tag")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kCopyInResponse:
    case MessageType::kCopyOutResponse:
    case MessageType::kCopyBothResponse:
      return ParseCopyResponse(type, body);
    case MessageType::kDataRow: {
      DataRow m;
      if (absl::Status s = ReadValues(r, &m.values, "column values"); !s.ok()) return s;
      return Done(r, std::move(m));
    }
    case MessageType::kEmptyQueryResponse: return Empty<EmptyQueryResponse>(body);
    case MessageType::kErrorResponse:
    case MessageType::kNoticeResponse: {
      std::vector<NoticeField> fields;
      if (absl::Status s = ReadNoticeFields(r, &fields); !s.ok()) return s;
      if (!r.AtEnd()) return Trailing(r);
      if (type == MessageType::kErrorResponse) return Message(ErrorResponse{std::move(fields)});
      return Message(NoticeResponse{std::move(fields)});
    }
    case MessageType::kFunctionCallResponse: {
      FunctionCallResponse m;
      if (!r.LengthPrefixed(&m.result, "result")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kNegotiateProtocolVersion: {
      NegotiateProtocolVersion m;
      std::int32_t n = 0;
      if (!r.Int32(&m.newest_minor_version, "newest minor version")) return Bad(r);
      if (!r.Int32(&n, "option count")) return Bad(r);
      if (n < 0 || static_cast<std::size_t>(n) > r.remaining()) {
        return Bad(absl::StrCat("option count ", n, " does not fit in the message"));
      }
      for (std::int32_t i = 0; i < n; ++i) {
        std::string_view opt;
        if (!r.CString(&opt, "option name")) return Bad(r);
        m.unrecognized_options.push_back(opt);
      }
      return Done(r, std::move(m));
    }
    case MessageType::kNoData: return Empty<NoData>(body);
    case MessageType::kNotificationResponse: {
      NotificationResponse m;
      if (!r.Int32(&m.process_id, "process id")) return Bad(r);
      if (!r.CString(&m.channel, "channel")) return Bad(r);
      if (!r.CString(&m.payload, "payload")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kParameterDescription: {
      ParameterDescription m;
      std::int16_t n = 0;
      if (!r.Count(&n, 4, "parameter count")) return Bad(r);
      m.parameter_types.resize(static_cast<std::size_t>(n));
      for (auto& t : m.parameter_types) {
        if (!r.UInt32(&t, "parameter type")) return Bad(r);
      }
      return Done(r, std::move(m));
    }
    case MessageType::kParameterStatus: {
      ParameterStatus m;
      if (!r.CString(&m.name, "parameter name")) return Bad(r);
      if (!r.CString(&m.value, "parameter value")) return Bad(r);
      return Done(r, m);
    }
    case MessageType::kParseComplete: return Empty<ParseComplete>(body);
    case MessageType::kPortalSuspended: return Empty<PortalSuspended>(body);
    case MessageType::kReadyForQuery: {
      ReadyForQuery m;
      if (!r.Byte(&m.status, "transaction status")) return Bad(r);
      if (m.status != 'I' && m.status != 'T' && m.status != 'E') {
        return Bad(absl::StrCat("transaction status 0x",
                                absl::Hex(static_cast<unsigned char>(m.status)),
                                " (must be 'I', 'T' or 'E')"));
      }
      return Done(r, m);
    }
    case MessageType::kRowDescription: {
      RowDescription m;
      std::int16_t n = 0;
      // A field is at least 1 (name NUL) + 18 bytes.
      if (!r.Count(&n, 19, "field count")) return Bad(r);
      m.fields.resize(static_cast<std::size_t>(n));
      for (auto& f : m.fields) {
        if (!r.CString(&f.name, "field name") ||
            !r.UInt32(&f.table_oid, "table oid") ||
            !r.Int16(&f.column_attribute, "column attribute") ||
            !r.UInt32(&f.type_oid, "type oid") ||
            !r.Int16(&f.type_size, "type size") ||
            !r.Int32(&f.type_modifier, "type modifier") ||
            !r.Int16(&f.format, "format code")) {
          return Bad(r);
        }
      }
      return Done(r, std::move(m));
    }
  }
  return Bad("unknown message type");
}

}  // namespace internal

absl::StatusOr<Message> ParseMessage(const Frame& frame) {
  std::string_view body = frame.body;
  if (frame.type == MessageType::kSSLResponse || frame.type == MessageType::kGSSENCResponse) {
    if (frame.bytes.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "postgres: ", Sv(MessageTypeName(frame.type)), ": must be one byte"));
    }
    if (frame.type == MessageType::kSSLResponse) return Message(SSLResponse{frame.bytes[0]});
    return Message(GSSENCResponse{frame.bytes[0]});
  }
  absl::StatusOr<Message> m = internal::ParseBody(frame.type, body);
  if (!m.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "postgres: ", Sv(MessageTypeName(frame.type)), ": ", m.status().message()));
  }
  // The body of an 'R' message decides which authentication message it is.
  if (TypeOf(*m) != frame.type) {
    return absl::InvalidArgumentError(absl::StrCat(
        "postgres: frame says ", Sv(MessageTypeName(frame.type)), " but its body is a ",
        Sv(MessageTypeName(TypeOf(*m)))));
  }
  return m;
}

// ---------------------------------------------------------------------------
// Encoding.

namespace {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  // Starts a message: its type byte (none for '\0') and a length placeholder.
  void Begin(char tag) {
    if (tag != '\0') out_->push_back(tag);
    start_ = out_->size();
    out_->append(4, '\0');
  }
  void End() {
    const std::uint32_t len = static_cast<std::uint32_t>(out_->size() - start_);
    (*out_)[start_] = static_cast<char>(len >> 24);
    (*out_)[start_ + 1] = static_cast<char>(len >> 16);
    (*out_)[start_ + 2] = static_cast<char>(len >> 8);
    (*out_)[start_ + 3] = static_cast<char>(len);
  }
  void Int32(std::int32_t v) { UInt32(static_cast<std::uint32_t>(v)); }
  void UInt32(std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    out_->append(b, 4);
  }
  void Int16(std::int16_t v) {
    const auto u = static_cast<std::uint16_t>(v);
    const char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
    out_->append(b, 2);
  }
  void Byte(char c) { out_->push_back(c); }
  void CString(std::string_view s) {
    out_->append(s.data(), s.size());
    out_->push_back('\0');
  }
  void Bytes(std::string_view s) { out_->append(s.data(), s.size()); }
  void LengthPrefixed(const Value& v) {
    if (!v) {
      Int32(-1);
      return;
    }
    Int32(static_cast<std::int32_t>(v->size()));
    Bytes(*v);
  }
  void Formats(const std::vector<std::int16_t>& f) {
    Int16(static_cast<std::int16_t>(f.size()));
    for (std::int16_t x : f) Int16(x);
  }
  void Values(const std::vector<Value>& values) {
    Int16(static_cast<std::int16_t>(values.size()));
    for (const Value& v : values) LengthPrefixed(v);
  }
  void NoticeFields(const std::vector<NoticeField>& fields) {
    for (const NoticeField& f : fields) {
      Byte(f.code);
      CString(f.value);
    }
    Byte('\0');
  }

 private:
  std::string* out_;
  std::size_t start_ = 0;
};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void Auth(Writer& w, std::int32_t code) {
  w.Begin('R');
  w.Int32(code);
}

}  // namespace

void Encode(const Message& message, std::string* out) {
  Writer w(out);
  std::visit(
      Overloaded{
          [&](const StartupMessage& m) {
            w.Begin('\0');
            w.UInt32(m.protocol_version);
            for (const Parameter& p : m.parameters) {
              w.CString(p.name);
              w.CString(p.value);
            }
            w.Byte('\0');
          },
          [&](const SSLRequest&) { w.Begin('\0'); w.UInt32(kSSLRequestCode); },
          [&](const GSSENCRequest&) { w.Begin('\0'); w.UInt32(kGSSENCRequestCode); },
          [&](const CancelRequest& m) {
            w.Begin('\0');
            w.UInt32(kCancelRequestCode);
            w.Int32(m.process_id);
            w.Bytes(m.secret_key);
          },
          [&](const SSLResponse& m) { out->push_back(m.answer); },
          [&](const GSSENCResponse& m) { out->push_back(m.answer); },
          [&](const AuthenticationOk&) { Auth(w, kAuthOk); },
          [&](const AuthenticationKerberosV5&) { Auth(w, kAuthKerberosV5); },
          [&](const AuthenticationCleartextPassword&) { Auth(w, kAuthCleartext); },
          [&](const AuthenticationMD5Password& m) { Auth(w, kAuthMD5); w.Bytes(m.salt); },
          [&](const AuthenticationGSS&) { Auth(w, kAuthGSS); },
          [&](const AuthenticationGSSContinue& m) { Auth(w, kAuthGSSContinue); w.Bytes(m.data); },
          [&](const AuthenticationSSPI&) { Auth(w, kAuthSSPI); },
          [&](const AuthenticationSASL& m) {
            Auth(w, kAuthSASL);
            for (std::string_view mech : m.mechanisms) w.CString(mech);
            w.Byte('\0');
          },
          [&](const AuthenticationSASLContinue& m) { Auth(w, kAuthSASLContinue); w.Bytes(m.data); },
          [&](const AuthenticationSASLFinal& m) { Auth(w, kAuthSASLFinal); w.Bytes(m.data); },
          [&](const PasswordMessage& m) { w.Begin('p'); w.CString(m.password); },
          [&](const SASLInitialResponse& m) {
            w.Begin('p');
            w.CString(m.mechanism);
            w.LengthPrefixed(m.data);
          },
          [&](const SASLResponse& m) { w.Begin('p'); w.Bytes(m.data); },
          [&](const GSSResponse& m) { w.Begin('p'); w.Bytes(m.data); },
          [&](const Query& m) { w.Begin('Q'); w.CString(m.query); },
          [&](const Parse& m) {
            w.Begin('P');
            w.CString(m.statement);
            w.CString(m.query);
            w.Int16(static_cast<std::int16_t>(m.parameter_types.size()));
            for (std::uint32_t t : m.parameter_types) w.UInt32(t);
          },
          [&](const Bind& m) {
            w.Begin('B');
            w.CString(m.portal);
            w.CString(m.statement);
            w.Formats(m.parameter_formats);
            w.Values(m.parameters);
            w.Formats(m.result_formats);
          },
          [&](const Describe& m) { w.Begin('D'); w.Byte(m.target); w.CString(m.name); },
          [&](const Execute& m) { w.Begin('E'); w.CString(m.portal); w.Int32(m.max_rows); },
          [&](const Sync&) { w.Begin('S'); },
          [&](const Flush&) { w.Begin('H'); },
          [&](const Close& m) { w.Begin('C'); w.Byte(m.target); w.CString(m.name); },
          [&](const FunctionCall& m) {
            w.Begin('F');
            w.UInt32(m.function_oid);
            w.Formats(m.argument_formats);
            w.Values(m.arguments);
            w.Int16(m.result_format);
          },
          [&](const Terminate&) { w.Begin('X'); },
          [&](const CopyData& m) { w.Begin('d'); w.Bytes(m.data); },
          [&](const CopyDone&) { w.Begin('c'); },
          [&](const CopyFail& m) { w.Begin('f'); w.CString(m.message); },
          [&](const BackendKeyData& m) {
            w.Begin('K');
            w.Int32(m.process_id);
            w.Bytes(m.secret_key);
          },
          [&](const BindComplete&) { w.Begin('2'); },
          [&](const CloseComplete&) { w.Begin('3'); },
          [&](const CommandComplete& m) { w.Begin('C'); w.CString(m.tag); },
          [&](const CopyInResponse& m) {
            w.Begin('G');
            w.Byte(static_cast<char>(m.format));
            w.Formats(m.column_formats);
          },
          [&](const CopyOutResponse& m) {
            w.Begin('H');
            w.Byte(static_cast<char>(m.format));
            w.Formats(m.column_formats);
          },
          [&](const CopyBothResponse& m) {
            w.Begin('W');
            w.Byte(static_cast<char>(m.format));
            w.Formats(m.column_formats);
          },
          [&](const DataRow& m) { w.Begin('D'); w.Values(m.values); },
          [&](const EmptyQueryResponse&) { w.Begin('I'); },
          [&](const ErrorResponse& m) { w.Begin('E'); w.NoticeFields(m.fields); },
          [&](const FunctionCallResponse& m) { w.Begin('V'); w.LengthPrefixed(m.result); },
          [&](const NegotiateProtocolVersion& m) {
            w.Begin('v');
            w.Int32(m.newest_minor_version);
            w.Int32(static_cast<std::int32_t>(m.unrecognized_options.size()));
            for (std::string_view o : m.unrecognized_options) w.CString(o);
          },
          [&](const NoData&) { w.Begin('n'); },
          [&](const NoticeResponse& m) { w.Begin('N'); w.NoticeFields(m.fields); },
          [&](const NotificationResponse& m) {
            w.Begin('A');
            w.Int32(m.process_id);
            w.CString(m.channel);
            w.CString(m.payload);
          },
          [&](const ParameterDescription& m) {
            w.Begin('t');
            w.Int16(static_cast<std::int16_t>(m.parameter_types.size()));
            for (std::uint32_t t : m.parameter_types) w.UInt32(t);
          },
          [&](const ParameterStatus& m) { w.Begin('S'); w.CString(m.name); w.CString(m.value); },
          [&](const ParseComplete&) { w.Begin('1'); },
          [&](const PortalSuspended&) { w.Begin('s'); },
          [&](const ReadyForQuery& m) { w.Begin('Z'); w.Byte(m.status); },
          [&](const RowDescription& m) {
            w.Begin('T');
            w.Int16(static_cast<std::int16_t>(m.fields.size()));
            for (const FieldDescription& f : m.fields) {
              w.CString(f.name);
              w.UInt32(f.table_oid);
              w.Int16(f.column_attribute);
              w.UInt32(f.type_oid);
              w.Int16(f.type_size);
              w.Int32(f.type_modifier);
              w.Int16(f.format);
            }
          },
      },
      message);
  const MessageType t = TypeOf(message);
  if (t != MessageType::kSSLResponse && t != MessageType::kGSSENCResponse) w.End();
}

std::string Encode(const Message& message) {
  std::string out;
  Encode(message, &out);
  return out;
}

DataRowCells::DataRowCells(const Frame& frame) {
  if (frame.body.size() >= 2) {
    count_ = static_cast<std::int16_t>(internal::LoadBE16(frame.body.data()));
    if (count_ < 0) count_ = 0;
    first_ = frame.body.data() + 2;
  }
}

}  // namespace hoop::wire::postgres
