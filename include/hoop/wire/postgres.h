// Copyright 2026 The hoop Authors.
//
// PostgreSQL frontend/backend protocol 3.0 and 3.2: an incremental, zero-copy
// decoder for both directions of one connection, typed messages, and an
// encoder for every message.
//
// Decoding a connection:
//
//   hoop::wire::postgres::Decoder dec;
//   dec.Feed(Direction::kClientToServer, bytes_read_from_client);
//   Frame f;
//   while (dec.Next(Direction::kClientToServer, &f) == DecodeResult::kFrame) {
//     if (f.type == MessageType::kQuery) {
//       auto q = ParseAs<Query>(f);        // q->query views the frame
//     }
//   }
//   // kNeedMore: the chunk is used up (an incomplete tail was kept).
//   // kError:    dec.status(dir) says where and what.
//
// Iterating DataRow cells without allocating:
//
//   for (const Value& cell : DataRowCells(f)) { if (cell) Use(*cell); }
//
// Building a message:
//
//   std::string out;
//   Encode(ErrorResponse{{{'S', "ERROR"}, {'C', "42501"}, {'M', "denied"}}},
//   &out); Encode(ReadyForQuery{'I'}, &out);
//
// Why one Decoder for both directions: some messages can only be named with
// what the other side said. A client's 'p' message is a PasswordMessage,
// SASLInitialResponse, SASLResponse or GSSResponse depending on the server's
// last authentication request; the server's answer to SSLRequest is a single
// untagged byte. A proxy feeds each direction as bytes arrive, so the peer's
// frames are always known in time; an offline reader of two separate streams
// gets kNeedPeer and decodes the other direction first (see hoopctl decode).

#ifndef HOOP_WIRE_POSTGRES_H_
#define HOOP_WIRE_POSTGRES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hoop/wire/direction.h"

namespace hoop::wire::postgres {

// Protocol version numbers as sent in StartupMessage (major << 16 | minor).
inline constexpr std::uint32_t kProtocol30 = 196608;  // 3.0
inline constexpr std::uint32_t kProtocol32 = 196610;  // 3.2 (PostgreSQL 18)
// Request codes that take the place of the version in untagged messages.
inline constexpr std::uint32_t kCancelRequestCode = 80877102;
inline constexpr std::uint32_t kSSLRequestCode = 80877103;
inline constexpr std::uint32_t kGSSENCRequestCode = 80877104;

// Every message of the protocol. Names are spelled as the "Message Formats"
// page of the PostgreSQL documentation spells them (MessageTypeName), plus
// SSLResponse / GSSENCResponse for the server's one-byte answer ('S', 'N').
enum class MessageType : std::uint8_t {
  kUnknown = 0,
  // Client, startup phase (no type byte).
  kStartupMessage,
  kSSLRequest,
  kGSSENCRequest,
  kCancelRequest,
  // Server's single-byte answer to SSLRequest / GSSENCRequest.
  kSSLResponse,
  kGSSENCResponse,
  // Server, authentication ('R').
  kAuthenticationOk,
  kAuthenticationKerberosV5,
  kAuthenticationCleartextPassword,
  kAuthenticationMD5Password,
  kAuthenticationGSS,
  kAuthenticationGSSContinue,
  kAuthenticationSSPI,
  kAuthenticationSASL,
  kAuthenticationSASLContinue,
  kAuthenticationSASLFinal,
  // Client, authentication ('p'), told apart by the exchange state.
  kPasswordMessage,
  kSASLInitialResponse,
  kSASLResponse,
  kGSSResponse,
  // Client, normal phase.
  kQuery,
  kParse,
  kBind,
  kDescribe,
  kExecute,
  kSync,
  kFlush,
  kClose,
  kFunctionCall,
  kTerminate,
  // Both directions (CopyFail: client only).
  kCopyData,
  kCopyDone,
  kCopyFail,
  // Server.
  kBackendKeyData,
  kBindComplete,
  kCloseComplete,
  kCommandComplete,
  kCopyInResponse,
  kCopyOutResponse,
  kCopyBothResponse,
  kDataRow,
  kEmptyQueryResponse,
  kErrorResponse,
  kFunctionCallResponse,
  kNegotiateProtocolVersion,
  kNoData,
  kNoticeResponse,
  kNotificationResponse,
  kParameterDescription,
  kParameterStatus,
  kParseComplete,
  kPortalSuspended,
  kReadyForQuery,
  kRowDescription,
};

// "Query", "RowDescription", "AuthenticationSASL", ... ; "Unknown" otherwise.
std::string_view MessageTypeName(MessageType type);

// One decoded message: where it is and what it is. Fields are views.
//
// LIFETIME: `bytes` and `body` point into the chunk given to Decoder::Feed or
// into the decoder's reassembly buffer; both stay valid until the next Feed()
// for the same direction (or the decoder's destruction), whichever is first.
struct Frame {
  MessageType type = MessageType::kUnknown;
  char tag = '\0';           // the type byte; '\0' for untagged messages
  std::uint64_t offset = 0;  // stream offset of the frame's first byte
  std::string_view bytes;    // the whole frame: type byte, length, body
  std::string_view body;     // after the length word (SSLResponse: empty)
};

// ---------------------------------------------------------------------------
// Typed messages. Every string_view field views the frame it was parsed from
// (LIFETIME: as the Frame's) or, when building a message to encode, whatever
// the caller points it at.

// A column value or parameter: nullopt is SQL NULL (length -1 on the wire).
using Value = std::optional<std::string_view>;

struct Parameter {
  std::string_view name;
  std::string_view value;
  bool operator==(const Parameter& o) const {
    return std::tie(name, value) == std::tie(o.name, o.value);
  }
  bool operator!=(const Parameter& o) const { return !(*this == o); }
};

// One field of ErrorResponse / NoticeResponse: a code letter and its text.
struct NoticeField {
  char code = 0;  // 'S', 'V', 'C', 'M', 'D', 'H', 'P', ... (FieldName)
  std::string_view value;
  bool operator==(const NoticeField& o) const {
    return std::tie(code, value) == std::tie(o.code, o.value);
  }
  bool operator!=(const NoticeField& o) const { return !(*this == o); }
};

// "severity", "code", "message", "detail", ... for a field code letter;
// "unknown" for a letter the documentation does not define.
std::string_view NoticeFieldName(char code);

struct FieldDescription {  // one column of RowDescription
  std::string_view name;
  std::uint32_t table_oid = 0;
  std::int16_t column_attribute = 0;
  std::uint32_t type_oid = 0;
  std::int16_t type_size = 0;
  std::int32_t type_modifier = 0;
  std::int16_t format = 0;  // 0 text, 1 binary
  bool operator==(const FieldDescription& o) const {
    return std::tie(name, table_oid, column_attribute, type_oid, type_size,
                    type_modifier, format) ==
           std::tie(o.name, o.table_oid, o.column_attribute, o.type_oid,
                    o.type_size, o.type_modifier, o.format);
  }
  bool operator!=(const FieldDescription& o) const { return !(*this == o); }
};

#define HOOP_PG_EMPTY_MESSAGE(Name)                      \
  struct Name {                                          \
    bool operator==(const Name&) const { return true; }  \
    bool operator!=(const Name&) const { return false; } \
  }

// Client, startup phase.
struct StartupMessage {
  std::uint32_t protocol_version = kProtocol30;
  std::vector<Parameter> parameters;  // in wire order: user, database, ...
  bool operator==(const StartupMessage& o) const {
    return std::tie(protocol_version, parameters) ==
           std::tie(o.protocol_version, o.parameters);
  }
  bool operator!=(const StartupMessage& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(SSLRequest);
HOOP_PG_EMPTY_MESSAGE(GSSENCRequest);
struct CancelRequest {
  std::int32_t process_id = 0;
  std::string_view secret_key;  // 4 bytes in 3.0; up to 256 in 3.2
  bool operator==(const CancelRequest& o) const {
    return std::tie(process_id, secret_key) ==
           std::tie(o.process_id, o.secret_key);
  }
  bool operator!=(const CancelRequest& o) const { return !(*this == o); }
};
struct SSLResponse {
  char answer = 'N';  // 'S': TLS follows; 'N': go on in plain text
  bool operator==(const SSLResponse& o) const {
    return std::tie(answer) == std::tie(o.answer);
  }
  bool operator!=(const SSLResponse& o) const { return !(*this == o); }
};
struct GSSENCResponse {
  char answer = 'N';  // 'G': GSSAPI encryption follows; 'N': plain text
  bool operator==(const GSSENCResponse& o) const {
    return std::tie(answer) == std::tie(o.answer);
  }
  bool operator!=(const GSSENCResponse& o) const { return !(*this == o); }
};

// Server, authentication.
HOOP_PG_EMPTY_MESSAGE(AuthenticationOk);
HOOP_PG_EMPTY_MESSAGE(AuthenticationKerberosV5);
HOOP_PG_EMPTY_MESSAGE(AuthenticationCleartextPassword);
struct AuthenticationMD5Password {
  std::string_view salt;  // exactly 4 bytes
  bool operator==(const AuthenticationMD5Password& o) const {
    return std::tie(salt) == std::tie(o.salt);
  }
  bool operator!=(const AuthenticationMD5Password& o) const {
    return !(*this == o);
  }
};
HOOP_PG_EMPTY_MESSAGE(AuthenticationGSS);
struct AuthenticationGSSContinue {
  std::string_view data;
  bool operator==(const AuthenticationGSSContinue& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const AuthenticationGSSContinue& o) const {
    return !(*this == o);
  }
};
HOOP_PG_EMPTY_MESSAGE(AuthenticationSSPI);
struct AuthenticationSASL {
  std::vector<std::string_view> mechanisms;  // e.g. "SCRAM-SHA-256"
  bool operator==(const AuthenticationSASL& o) const {
    return std::tie(mechanisms) == std::tie(o.mechanisms);
  }
  bool operator!=(const AuthenticationSASL& o) const { return !(*this == o); }
};
struct AuthenticationSASLContinue {
  std::string_view data;
  bool operator==(const AuthenticationSASLContinue& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const AuthenticationSASLContinue& o) const {
    return !(*this == o);
  }
};
struct AuthenticationSASLFinal {
  std::string_view data;
  bool operator==(const AuthenticationSASLFinal& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const AuthenticationSASLFinal& o) const {
    return !(*this == o);
  }
};

// Client, authentication.
struct PasswordMessage {
  std::string_view password;  // cleartext, or "md5" + 32 hex digits
  bool operator==(const PasswordMessage& o) const {
    return std::tie(password) == std::tie(o.password);
  }
  bool operator!=(const PasswordMessage& o) const { return !(*this == o); }
};
struct SASLInitialResponse {
  std::string_view mechanism;
  Value data;  // nullopt: no initial response (length -1)
  bool operator==(const SASLInitialResponse& o) const {
    return std::tie(mechanism, data) == std::tie(o.mechanism, o.data);
  }
  bool operator!=(const SASLInitialResponse& o) const { return !(*this == o); }
};
struct SASLResponse {
  std::string_view data;
  bool operator==(const SASLResponse& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const SASLResponse& o) const { return !(*this == o); }
};
struct GSSResponse {
  std::string_view data;
  bool operator==(const GSSResponse& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const GSSResponse& o) const { return !(*this == o); }
};

// Client, normal phase.
struct Query {
  std::string_view query;
  bool operator==(const Query& o) const {
    return std::tie(query) == std::tie(o.query);
  }
  bool operator!=(const Query& o) const { return !(*this == o); }
};
struct Parse {
  std::string_view statement;  // "" is the unnamed statement
  std::string_view query;
  std::vector<std::uint32_t> parameter_types;  // 0: unspecified
  bool operator==(const Parse& o) const {
    return std::tie(statement, query, parameter_types) ==
           std::tie(o.statement, o.query, o.parameter_types);
  }
  bool operator!=(const Parse& o) const { return !(*this == o); }
};
struct Bind {
  std::string_view portal;
  std::string_view statement;
  std::vector<std::int16_t> parameter_formats;
  std::vector<Value> parameters;
  std::vector<std::int16_t> result_formats;
  bool operator==(const Bind& o) const {
    return std::tie(portal, statement, parameter_formats, parameters,
                    result_formats) == std::tie(o.portal, o.statement,
                                                o.parameter_formats,
                                                o.parameters, o.result_formats);
  }
  bool operator!=(const Bind& o) const { return !(*this == o); }
};
struct Describe {
  char target = 'S';  // 'S' statement, 'P' portal
  std::string_view name;
  bool operator==(const Describe& o) const {
    return std::tie(target, name) == std::tie(o.target, o.name);
  }
  bool operator!=(const Describe& o) const { return !(*this == o); }
};
struct Execute {
  std::string_view portal;
  std::int32_t max_rows = 0;  // 0: no limit
  bool operator==(const Execute& o) const {
    return std::tie(portal, max_rows) == std::tie(o.portal, o.max_rows);
  }
  bool operator!=(const Execute& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(Sync);
HOOP_PG_EMPTY_MESSAGE(Flush);
struct Close {
  char target = 'S';  // 'S' statement, 'P' portal
  std::string_view name;
  bool operator==(const Close& o) const {
    return std::tie(target, name) == std::tie(o.target, o.name);
  }
  bool operator!=(const Close& o) const { return !(*this == o); }
};
struct FunctionCall {
  std::uint32_t function_oid = 0;
  std::vector<std::int16_t> argument_formats;
  std::vector<Value> arguments;
  std::int16_t result_format = 0;
  bool operator==(const FunctionCall& o) const {
    return std::tie(function_oid, argument_formats, arguments, result_format) ==
           std::tie(o.function_oid, o.argument_formats, o.arguments,
                    o.result_format);
  }
  bool operator!=(const FunctionCall& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(Terminate);

// COPY (CopyData and CopyDone flow both ways).
struct CopyData {
  std::string_view data;
  bool operator==(const CopyData& o) const {
    return std::tie(data) == std::tie(o.data);
  }
  bool operator!=(const CopyData& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(CopyDone);
struct CopyFail {
  std::string_view message;
  bool operator==(const CopyFail& o) const {
    return std::tie(message) == std::tie(o.message);
  }
  bool operator!=(const CopyFail& o) const { return !(*this == o); }
};

// Server.
struct BackendKeyData {
  std::int32_t process_id = 0;
  std::string_view secret_key;  // 4 bytes in 3.0; 4..256 in 3.2
  bool operator==(const BackendKeyData& o) const {
    return std::tie(process_id, secret_key) ==
           std::tie(o.process_id, o.secret_key);
  }
  bool operator!=(const BackendKeyData& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(BindComplete);
HOOP_PG_EMPTY_MESSAGE(CloseComplete);
struct CommandComplete {
  std::string_view tag;  // "SELECT 5", "INSERT 0 1", ...
  bool operator==(const CommandComplete& o) const {
    return std::tie(tag) == std::tie(o.tag);
  }
  bool operator!=(const CommandComplete& o) const { return !(*this == o); }
};
struct CopyResponse {      // shared body of CopyIn/Out/BothResponse
  std::int8_t format = 0;  // 0 text, 1 binary
  std::vector<std::int16_t> column_formats;
  bool operator==(const CopyResponse& o) const {
    return std::tie(format, column_formats) ==
           std::tie(o.format, o.column_formats);
  }
  bool operator!=(const CopyResponse& o) const { return !(*this == o); }
};
struct CopyInResponse : CopyResponse {};
struct CopyOutResponse : CopyResponse {};
struct CopyBothResponse : CopyResponse {};
struct DataRow {
  std::vector<Value> values;
  bool operator==(const DataRow& o) const {
    return std::tie(values) == std::tie(o.values);
  }
  bool operator!=(const DataRow& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(EmptyQueryResponse);
struct ErrorResponse {
  std::vector<NoticeField> fields;
  // The first field with `code`, or "" when absent.
  std::string_view Field(char code) const;
  bool operator==(const ErrorResponse& o) const {
    return std::tie(fields) == std::tie(o.fields);
  }
  bool operator!=(const ErrorResponse& o) const { return !(*this == o); }
};
struct FunctionCallResponse {
  Value result;
  bool operator==(const FunctionCallResponse& o) const {
    return std::tie(result) == std::tie(o.result);
  }
  bool operator!=(const FunctionCallResponse& o) const { return !(*this == o); }
};
struct NegotiateProtocolVersion {
  std::int32_t newest_minor_version = 0;
  std::vector<std::string_view> unrecognized_options;
  bool operator==(const NegotiateProtocolVersion& o) const {
    return std::tie(newest_minor_version, unrecognized_options) ==
           std::tie(o.newest_minor_version, o.unrecognized_options);
  }
  bool operator!=(const NegotiateProtocolVersion& o) const {
    return !(*this == o);
  }
};
HOOP_PG_EMPTY_MESSAGE(NoData);
struct NoticeResponse {
  std::vector<NoticeField> fields;
  std::string_view Field(char code) const;
  bool operator==(const NoticeResponse& o) const {
    return std::tie(fields) == std::tie(o.fields);
  }
  bool operator!=(const NoticeResponse& o) const { return !(*this == o); }
};
struct NotificationResponse {
  std::int32_t process_id = 0;
  std::string_view channel;
  std::string_view payload;
  bool operator==(const NotificationResponse& o) const {
    return std::tie(process_id, channel, payload) ==
           std::tie(o.process_id, o.channel, o.payload);
  }
  bool operator!=(const NotificationResponse& o) const { return !(*this == o); }
};
struct ParameterDescription {
  std::vector<std::uint32_t> parameter_types;
  bool operator==(const ParameterDescription& o) const {
    return std::tie(parameter_types) == std::tie(o.parameter_types);
  }
  bool operator!=(const ParameterDescription& o) const { return !(*this == o); }
};
struct ParameterStatus {
  std::string_view name;
  std::string_view value;
  bool operator==(const ParameterStatus& o) const {
    return std::tie(name, value) == std::tie(o.name, o.value);
  }
  bool operator!=(const ParameterStatus& o) const { return !(*this == o); }
};
HOOP_PG_EMPTY_MESSAGE(ParseComplete);
HOOP_PG_EMPTY_MESSAGE(PortalSuspended);
struct ReadyForQuery {
  char status = 'I';  // 'I' idle, 'T' in a transaction, 'E' failed transaction
  bool operator==(const ReadyForQuery& o) const {
    return std::tie(status) == std::tie(o.status);
  }
  bool operator!=(const ReadyForQuery& o) const { return !(*this == o); }
};
struct RowDescription {
  std::vector<FieldDescription> fields;
  bool operator==(const RowDescription& o) const {
    return std::tie(fields) == std::tie(o.fields);
  }
  bool operator!=(const RowDescription& o) const { return !(*this == o); }
};

#undef HOOP_PG_EMPTY_MESSAGE

// Any message. The alternative's index is not the MessageType's value: use
// TypeOf().
using Message = std::variant<
    StartupMessage, SSLRequest, GSSENCRequest, CancelRequest, SSLResponse,
    GSSENCResponse, AuthenticationOk, AuthenticationKerberosV5,
    AuthenticationCleartextPassword, AuthenticationMD5Password,
    AuthenticationGSS, AuthenticationGSSContinue, AuthenticationSSPI,
    AuthenticationSASL, AuthenticationSASLContinue, AuthenticationSASLFinal,
    PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse, Query,
    Parse, Bind, Describe, Execute, Sync, Flush, Close, FunctionCall, Terminate,
    CopyData, CopyDone, CopyFail, BackendKeyData, BindComplete, CloseComplete,
    CommandComplete, CopyInResponse, CopyOutResponse, CopyBothResponse, DataRow,
    EmptyQueryResponse, ErrorResponse, FunctionCallResponse,
    NegotiateProtocolVersion, NoData, NoticeResponse, NotificationResponse,
    ParameterDescription, ParameterStatus, ParseComplete, PortalSuspended,
    ReadyForQuery, RowDescription>;

MessageType TypeOf(const Message& message);

// Parses a frame's fields. Frames from Decoder::Next were validated when
// decoded, so this fails only for hand-made frames (InvalidArgument, naming
// the message and what was wrong).
// LIFETIME: the result's views point into frame.bytes.
absl::StatusOr<Message> ParseMessage(const Frame& frame);

// Typed shortcut: InvalidArgument if the frame is not a T.
template <typename T>
absl::StatusOr<T> ParseAs(const Frame& frame) {
  absl::StatusOr<Message> m = ParseMessage(frame);
  if (!m.ok()) return m.status();
  if (T* t = std::get_if<T>(&*m)) return std::move(*t);
  return absl::InvalidArgumentError("postgres: frame is a " +
                                    std::string(MessageTypeName(frame.type)) +
                                    ", not the type asked for");
}

// Appends the wire form of `message` to `out` (type byte, length, body).
// REQUIRES: no view in `message` points into *out (appending may move it).
void Encode(const Message& message, std::string* out);

// The encoded form as a new string.
std::string Encode(const Message& message);

// ---------------------------------------------------------------------------
// Allocation-free walk over a DataRow's cells (the hot path of masking).
//
// REQUIRES: frame.type == kDataRow and the frame came from Decoder::Next (so
// its cell lengths were validated). LIFETIME: cells view frame.bytes.
class DataRowCells {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using pointer = const Value*;
    using reference = const Value&;

    Iterator() = default;
    const Value& operator*() const { return current_; }
    const Value* operator->() const { return &current_; }
    Iterator& operator++() {
      --remaining_;
      Load();
      return *this;
    }
    bool operator==(const Iterator& o) const {
      return remaining_ == o.remaining_;
    }
    bool operator!=(const Iterator& o) const { return !(*this == o); }

   private:
    friend class DataRowCells;
    Iterator(const char* p, int remaining) : p_(p), remaining_(remaining) {
      Load();
    }
    void Load();

    const char* p_ = nullptr;  // next length word
    int remaining_ = 0;
    Value current_;
  };

  explicit DataRowCells(const Frame& frame);
  int size() const { return count_; }
  Iterator begin() const { return Iterator(first_, count_); }
  Iterator end() const { return Iterator(); }

 private:
  const char* first_ = nullptr;
  int count_ = 0;
};

inline void DataRowCells::Iterator::Load() {
  if (remaining_ <= 0) {
    remaining_ = 0;
    return;
  }
  const auto* u = reinterpret_cast<const unsigned char*>(p_);
  const std::int32_t len = static_cast<std::int32_t>(
      (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) |
      (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]});
  p_ += 4;
  if (len < 0) {
    current_.reset();
  } else {
    current_.emplace(p_, static_cast<std::size_t>(len));
    p_ += len;
  }
}

// ---------------------------------------------------------------------------
// The decoder.

// Decoder limits. Defaults:
//   max_message_size   1 GiB    the server's own limit for a message
//   max_startup_size   10000    the server's limit for a startup packet
//   start              kStartup begin with the startup packet
struct DecoderOptions {
  // Where the connection is when decoding begins. kNormal suits a proxy that
  // handled startup and authentication itself, or a capture that begins
  // mid-connection.
  enum class Start : std::uint8_t { kStartup, kNormal };

  std::uint32_t max_message_size = 1u << 30;
  std::uint32_t max_startup_size = 10000;
  Start start = Start::kStartup;
};

enum class DecodeResult : std::uint8_t {
  kFrame,      // *frame holds the next message
  kNeedMore,   // the chunk is used up; any incomplete tail was copied
  kNeedPeer,   // the next message can only be named after the other
               // direction is decoded further; the rest of the chunk was
               // copied, so feed and drain the other direction, then call
               // Next again
  kEncrypted,  // TLS or GSSAPI encryption begins here: the rest of this
               // direction is not protocol bytes (a TLS-terminating proxy
               // decodes the plaintext with a new Decoder)
  kError,      // malformed input; status() says where and what. Final.
};

// Decodes both directions of one connection.
//
// Thread-compatible: one connection's decoder is used by one thread at a time.
// Not copyable (its frames point into its own buffers); movable, which
// keeps the frames of the current cycle valid.
// Memory: a decoder keeps at most one incomplete message per direction
// (bounded by the limits), grown only as its bytes arrive.
class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});
  Decoder(Decoder&&) = default;
  Decoder& operator=(Decoder&&) = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Gives the decoder the next bytes read in `dir`. Frames from the previous
  // Feed(dir) become invalid.
  // REQUIRES: the previous chunk for dir was drained: Next(dir) returned
  // something other than kFrame. (Otherwise Next reports FailedPrecondition.)
  // LIFETIME: `chunk` must stay valid until Next(dir) stops returning kFrame.
  void Feed(Direction dir, std::string_view chunk);

  // Decodes the next message of `dir` into *frame.
  DecodeResult Next(Direction dir, Frame* frame);

  // OK, or why decoding `dir` stopped: the protocol, the direction, the
  // stream offset, the message type and what was wrong.
  const absl::Status& status(Direction dir) const;

  // Bytes of `dir` decoded into frames so far.
  std::uint64_t consumed(Direction dir) const;
  // Bytes of `dir` fed but not yet decoded into frames.
  std::size_t buffered(Direction dir) const;

  // Connection facts learned so far.
  std::uint32_t protocol_version() const { return protocol_version_; }
  bool authenticated() const {
    return authenticated_;
  }                                      // AuthenticationOk seen
  bool ready() const { return ready_; }  // first ReadyForQuery seen

 private:
  enum class Phase : std::uint8_t {
    kStartup,      // client: untagged packets; server: waits for client
    kAwaitSsl,     // SSLRequest sent, its one-byte answer not yet decoded
    kAwaitGssenc,  // GSSENCRequest sent, likewise
    kAuth,         // startup packet sent: authentication exchange
    kNormal,       // tagged messages of the normal phase
    kEncrypted,    // TLS / GSSAPI from here on
    kClosed,       // after CancelRequest: nothing more may come
  };
  enum class AuthPending : std::uint8_t {
    kNone,
    kPassword,
    kSASLInitial,
    kSASL,
    kGSS
  };

  struct Side {
    // std::vector, not std::string: moving a vector keeps its bytes where
    // they are (a short string's would move), so retired buffers keep the
    // frames that view them valid.
    std::vector<char> buffer;                // unconsumed bytes that had to be copied
    std::size_t pos = 0;                     // consumed prefix of buffer
    bool buffer_views = false;               // frames since the last Feed view buffer
    std::vector<std::vector<char>> retired;  // old buffers that frames still view
    std::vector<char> spare;                 // a retired buffer's memory, for reuse
    std::string_view input;            // the rest of the caller's chunk
    std::uint64_t consumed = 0;        // stream offset of the next frame
    Phase phase = Phase::kStartup;
    absl::Status status;
  };

  DecodeResult DecodeOne(Direction dir, std::string_view data, Frame* frame,
                         std::size_t* need);
  DecodeResult DecodeClient(Side& s, std::string_view data, Frame* frame,
                            std::size_t* need);
  DecodeResult DecodeServer(Side& s, std::string_view data, Frame* frame,
                            std::size_t* need);
  DecodeResult Tagged(Direction dir, std::string_view data, MessageType type,
                      Frame* frame, std::size_t* need);
  DecodeResult Validate(Direction dir, Frame* frame);
  DecodeResult Fail(Direction dir, absl::StatusCode code, std::uint64_t offset,
                    std::string_view type, std::string_view what);
  void Append(Side& s, std::string_view bytes);
  void AfterFrame(Direction dir, const Frame& frame);
  void ExpectAuthResponse(Direction dir, AuthPending what);

  DecoderOptions options_;
  Side sides_[2];
  // Authentication requests the client has yet to answer, oldest first (a
  // reader of two recorded streams may decode the server ahead of the client).
  std::deque<AuthPending> auth_pending_;
  std::uint32_t protocol_version_ = 0;
  bool authenticated_ = false;
  bool ready_ = false;
};

// ---------------------------------------------------------------------------
// Offline decoding of a recorded connection: the whole client stream and the
// whole server stream (e.g. a capture split into its two directions).
//
// Frames are delivered in conversation order as far as the streams allow: the
// client's messages up to one that awaits an answer (Query, Sync, a startup or
// authentication message, ...), then the server's up to the end of that answer
// (ReadyForQuery, an authentication request, ...), and so on.

struct RecordedOptions {
  DecoderOptions decoder;
  // Feeds each direction in chunks of at most this many bytes (0: whole), to
  // test that the decoding does not depend on how bytes arrive.
  std::size_t max_chunk = 0;
};

// Calls on_frame(direction, frame) for every frame. LIFETIME: the frame's
// views are valid only during the call.
// Returns OK when both streams decoded to their end (or to the start of TLS);
// otherwise the first error, after every frame before it was delivered: the
// decoder's error, or a stream that ends inside a message, or bytes that
// cannot be named because the other stream ended first.
absl::Status DecodeRecorded(
    std::string_view client, std::string_view server,
    const std::function<void(Direction, const Frame&)>& on_frame,
    const RecordedOptions& options = {});

}  // namespace hoop::wire::postgres

#endif  // HOOP_WIRE_POSTGRES_H_
