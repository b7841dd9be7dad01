// Copyright 2026 The hoop Authors.
//
// The incremental PostgreSQL decoder. The hot path is a server's stream of
// DataRows in the normal phase: one table look-up for the type byte, one
// length check, one walk over the cell lengths, no allocation, no copy.

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/string_view.h"
#include "hoop/wire/postgres.h"
#include "wire/postgres/body.h"

namespace hoop::wire::postgres {
namespace {

using internal::LoadBE32;

constexpr std::size_t kHeader = 5;  // type byte + length word

struct TagTables {
  std::array<MessageType, 256> client{};
  std::array<MessageType, 256> server{};
};

constexpr TagTables MakeTagTables() {
  TagTables t{};
  auto c = [&t](char tag, MessageType m) { t.client[static_cast<unsigned char>(tag)] = m; };
  auto s = [&t](char tag, MessageType m) { t.server[static_cast<unsigned char>(tag)] = m; };
  c('Q', MessageType::kQuery);
  c('P', MessageType::kParse);
  c('B', MessageType::kBind);
  c('D', MessageType::kDescribe);
  c('E', MessageType::kExecute);
  c('S', MessageType::kSync);
  c('H', MessageType::kFlush);
  c('C', MessageType::kClose);
  c('F', MessageType::kFunctionCall);
  c('X', MessageType::kTerminate);
  c('d', MessageType::kCopyData);
  c('c', MessageType::kCopyDone);
  c('f', MessageType::kCopyFail);
  c('p', MessageType::kPasswordMessage);  // refined by the auth state
  s('R', MessageType::kAuthenticationOk);  // refined by the request code
  s('K', MessageType::kBackendKeyData);
  s('2', MessageType::kBindComplete);
  s('3', MessageType::kCloseComplete);
  s('C', MessageType::kCommandComplete);
  s('d', MessageType::kCopyData);
  s('c', MessageType::kCopyDone);
  s('G', MessageType::kCopyInResponse);
  s('H', MessageType::kCopyOutResponse);
  s('W', MessageType::kCopyBothResponse);
  s('D', MessageType::kDataRow);
  s('I', MessageType::kEmptyQueryResponse);
  s('E', MessageType::kErrorResponse);
  s('V', MessageType::kFunctionCallResponse);
  s('v', MessageType::kNegotiateProtocolVersion);
  s('n', MessageType::kNoData);
  s('N', MessageType::kNoticeResponse);
  s('A', MessageType::kNotificationResponse);
  s('t', MessageType::kParameterDescription);
  s('S', MessageType::kParameterStatus);
  s('1', MessageType::kParseComplete);
  s('s', MessageType::kPortalSuspended);
  s('Z', MessageType::kReadyForQuery);
  s('T', MessageType::kRowDescription);
  return t;
}

constexpr TagTables kTags = MakeTagTables();

MessageType AuthType(std::int32_t code) {
  switch (code) {
    case 0: return MessageType::kAuthenticationOk;
    case 2: return MessageType::kAuthenticationKerberosV5;
    case 3: return MessageType::kAuthenticationCleartextPassword;
    case 5: return MessageType::kAuthenticationMD5Password;
    case 7: return MessageType::kAuthenticationGSS;
    case 8: return MessageType::kAuthenticationGSSContinue;
    case 9: return MessageType::kAuthenticationSSPI;
    case 10: return MessageType::kAuthenticationSASL;
    case 11: return MessageType::kAuthenticationSASLContinue;
    case 12: return MessageType::kAuthenticationSASLFinal;
    default: return MessageType::kUnknown;
  }
}

std::string DescribeTag(char tag) {
  const auto u = static_cast<unsigned char>(tag);
  if (u >= 0x20 && u < 0x7f) return absl::StrFormat("type byte '%c' (0x%02x)", tag, u);
  return absl::StrFormat("type byte 0x%02x", u);
}

// Server messages allowed before the first ReadyForQuery.
bool AllowedBeforeReady(MessageType t) {
  switch (t) {
    case MessageType::kErrorResponse:
    case MessageType::kNoticeResponse:
    case MessageType::kNegotiateProtocolVersion:
    case MessageType::kParameterStatus:
    case MessageType::kBackendKeyData:
    case MessageType::kReadyForQuery:
      return true;
    default:
      return false;
  }
}

}  // namespace

Decoder::Decoder(DecoderOptions options) : options_(options) {
  if (options_.start == DecoderOptions::Start::kNormal) {
    for (Side& s : sides_) s.phase = Phase::kNormal;
    authenticated_ = true;
    ready_ = true;
  }
}

const absl::Status& Decoder::status(Direction dir) const {
  return sides_[static_cast<int>(dir)].status;
}

std::uint64_t Decoder::consumed(Direction dir) const {
  return sides_[static_cast<int>(dir)].consumed;
}

std::size_t Decoder::buffered(Direction dir) const {
  const Side& s = sides_[static_cast<int>(dir)];
  return s.buffer.size() - s.pos + s.input.size();
}

void Decoder::Feed(Direction dir, std::string_view chunk) {
  Side& s = sides_[static_cast<int>(dir)];
  if (!s.input.empty() && s.status.ok() && s.phase != Phase::kEncrypted) {
    s.status = absl::FailedPreconditionError(absl::StrCat(
        "postgres ", Sv(DirectionName(dir)), " stream at offset ", s.consumed,
        ": Feed called before the previous chunk was decoded (", s.input.size(),
        " bytes left)"));
  }
  // Frames handed out before this call are dead now: reclaim their memory.
  if (!s.retired.empty()) {
    s.spare = std::move(s.retired.back());
    s.spare.clear();
    s.retired.clear();
  }
  if (s.pos > 0) {
    s.buffer.erase(s.buffer.begin(), s.buffer.begin() + static_cast<std::ptrdiff_t>(s.pos));
    s.pos = 0;
  }
  s.buffer_views = false;
  s.input = chunk;
}

void Decoder::Append(Side& s, std::string_view bytes) {
  if (s.buffer_views) {
    // Frames from this cycle view the buffer; appending could move it. Keep
    // it alive until the next Feed and carry the unconsumed rest over.
    std::vector<char> fresh = std::move(s.spare);
    fresh.assign(s.buffer.begin() + static_cast<std::ptrdiff_t>(s.pos), s.buffer.end());
    s.retired.push_back(std::move(s.buffer));
    s.buffer = std::move(fresh);
    s.spare = std::vector<char>();
    s.pos = 0;
    s.buffer_views = false;
  } else if (s.pos == s.buffer.size()) {
    s.buffer.clear();
    s.pos = 0;
  }
  s.buffer.insert(s.buffer.end(), bytes.begin(), bytes.end());
}

DecodeResult Decoder::Fail(Direction dir, absl::StatusCode code, std::uint64_t offset,
                           std::string_view type, std::string_view what) {
  Side& s = sides_[static_cast<int>(dir)];
  s.status = absl::Status(code, absl::StrCat("postgres ", Sv(DirectionName(dir)),
                                             " stream at offset ", offset, ": ",
                                             Sv(type), ": ", Sv(what)));
  return DecodeResult::kError;
}

DecodeResult Decoder::Next(Direction dir, Frame* frame) {
  Side& s = sides_[static_cast<int>(dir)];
  // Fast path: a whole DataRow in the caller's chunk, in the normal phase.
  // Anything else, or a row that fails the check, takes the general path,
  // which also produces the error.
  if (dir == Direction::kServerToClient && s.pos == s.buffer.size() &&
      s.input.size() >= kHeader && s.input[0] == 'D' && s.phase == Phase::kNormal &&
      s.status.ok()) {
    const std::uint32_t len = LoadBE32(s.input.data() + 1);
    if (len >= 4 && len <= options_.max_message_size && s.input.size() > len &&
        internal::DataRowValid(s.input.substr(kHeader, len - 4))) {
      const std::size_t total = std::size_t{len} + 1;
      frame->type = MessageType::kDataRow;
      frame->tag = 'D';
      frame->offset = s.consumed;
      frame->bytes = s.input.substr(0, total);
      frame->body = s.input.substr(kHeader, total - kHeader);
      s.input.remove_prefix(total);
      s.consumed += total;
      return DecodeResult::kFrame;
    }
  }
  if (!s.status.ok()) return DecodeResult::kError;
  for (;;) {
    if (s.pos < s.buffer.size()) {
      std::string_view avail(s.buffer.data() + s.pos, s.buffer.size() - s.pos);
      std::size_t need = 0;
      const DecodeResult r = DecodeOne(dir, avail, frame, &need);
      if (r == DecodeResult::kFrame) {
        s.pos += frame->bytes.size();
        s.buffer_views = true;
        AfterFrame(dir, *frame);
        return r;
      }
      if (r == DecodeResult::kNeedPeer || r == DecodeResult::kEncrypted) {
        // The caller may drop its chunk now: keep what it still holds.
        if (r == DecodeResult::kNeedPeer && !s.input.empty()) Append(s, s.input);
        s.input = {};
        return r;
      }
      if (r != DecodeResult::kNeedMore) return r;
      if (s.input.empty()) return r;
      // Complete the buffered frame from the new chunk, and nothing more.
      const std::size_t take = std::min(s.input.size(), need - avail.size());
      Append(s, s.input.substr(0, take));
      s.input.remove_prefix(take);
      continue;
    }
    if (s.input.empty()) return DecodeResult::kNeedMore;
    std::size_t need = 0;
    const DecodeResult r = DecodeOne(dir, s.input, frame, &need);
    switch (r) {
      case DecodeResult::kFrame:
        s.input.remove_prefix(frame->bytes.size());
        AfterFrame(dir, *frame);
        return r;
      case DecodeResult::kNeedMore:
      case DecodeResult::kNeedPeer:
        // Only the incomplete (or not yet nameable) rest is copied.
        Append(s, s.input);
        s.input = {};
        return r;
      case DecodeResult::kEncrypted:
        s.input = {};
        return r;
      case DecodeResult::kError:
        return r;
    }
  }
}

DecodeResult Decoder::DecodeOne(Direction dir, std::string_view data, Frame* frame,
                                std::size_t* need) {
  Side& s = sides_[static_cast<int>(dir)];
  if (dir == Direction::kServerToClient) return DecodeServer(s, data, frame, need);
  return DecodeClient(s, data, frame, need);
}

DecodeResult Decoder::Tagged(Direction dir, std::string_view data, MessageType type,
                             Frame* frame, std::size_t* need) {
  Side& s = sides_[static_cast<int>(dir)];
  if (data.size() < kHeader) {
    *need = kHeader;
    return DecodeResult::kNeedMore;
  }
  const std::uint32_t len = LoadBE32(data.data() + 1);
  if (len < 4 || len > 0x7fffffffu) {
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed,
                MessageTypeName(type), absl::StrCat("invalid length ", static_cast<std::int32_t>(len)));
  }
  if (len > options_.max_message_size) {
    return Fail(dir, absl::StatusCode::kResourceExhausted, s.consumed,
                MessageTypeName(type),
                absl::StrCat("length ", len, " exceeds the limit of ",
                             options_.max_message_size, " bytes"));
  }
  const std::size_t total = std::size_t{len} + 1;
  if (data.size() < total) {
    *need = total;
    return DecodeResult::kNeedMore;
  }
  frame->tag = data[0];
  frame->offset = s.consumed;
  frame->bytes = data.substr(0, total);
  frame->body = data.substr(kHeader, total - kHeader);
  frame->type = type;
  return DecodeResult::kFrame;
}

DecodeResult Decoder::Validate(Direction dir, Frame* frame) {
  Side& s = sides_[static_cast<int>(dir)];
  if (frame->type == MessageType::kDataRow) {
    // The same check as Next's fast path; CheckDataRow only explains a failure.
    if (internal::DataRowValid(frame->body)) return DecodeResult::kFrame;
    std::string scratch;
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "DataRow",
                internal::CheckDataRow(frame->body, &scratch));
  }
  if (frame->type == MessageType::kCopyData) return DecodeResult::kFrame;
  absl::StatusOr<Message> m = internal::ParseBody(frame->type, frame->body);
  if (!m.ok()) {
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed,
                MessageTypeName(frame->type), StdSv(m.status().message()));
  }
  return DecodeResult::kFrame;
}

DecodeResult Decoder::DecodeClient(Side& s, std::string_view data, Frame* frame,
                                   std::size_t* need) {
  constexpr Direction dir = Direction::kClientToServer;
  Side& server = sides_[static_cast<int>(Direction::kServerToClient)];
  switch (s.phase) {
    case Phase::kStartup: {
      if (data.size() < 4) {
        *need = 4;
        return DecodeResult::kNeedMore;
      }
      const std::uint32_t len = LoadBE32(data.data());
      if (len < 8 || len > 0x7fffffffu) {
        return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "StartupMessage",
                    absl::StrCat("invalid startup packet length ",
                                 static_cast<std::int32_t>(len), " (minimum 8)"));
      }
      if (len > options_.max_startup_size) {
        return Fail(dir, absl::StatusCode::kResourceExhausted, s.consumed, "StartupMessage",
                    absl::StrCat("startup packet length ", len, " exceeds the limit of ",
                                 options_.max_startup_size, " bytes"));
      }
      if (data.size() < len) {
        *need = len;
        return DecodeResult::kNeedMore;
      }
      const std::uint32_t code = LoadBE32(data.data() + 4);
      MessageType type = MessageType::kStartupMessage;
      if (code == kSSLRequestCode) {
        type = MessageType::kSSLRequest;
      } else if (code == kGSSENCRequestCode) {
        type = MessageType::kGSSENCRequest;
      } else if (code == kCancelRequestCode) {
        type = MessageType::kCancelRequest;
      } else if ((code >> 16) != 3) {
        return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "StartupMessage",
                    absl::StrCat("unsupported protocol version ", code >> 16, ".",
                                 code & 0xffff, " (only 3.x is spoken)"));
      }
      frame->tag = '\0';
      frame->offset = s.consumed;
      frame->bytes = data.substr(0, len);
      frame->body = data.substr(4, len - 4);
      frame->type = type;
      return Validate(dir, frame);
    }
    case Phase::kAwaitSsl:
    case Phase::kAwaitGssenc:
      return DecodeResult::kNeedPeer;  // its answer decides what follows
    case Phase::kEncrypted:
      return DecodeResult::kEncrypted;
    case Phase::kClosed:
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Unknown",
                  "bytes after the connection's last message");
    case Phase::kAuth:
    case Phase::kNormal:
      break;
  }
  const char tag = data[0];
  MessageType type = kTags.client[static_cast<unsigned char>(tag)];
  if (type == MessageType::kUnknown) {
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Unknown",
                absl::StrCat("unknown ", DescribeTag(tag), " from the client"));
  }
  if (type == MessageType::kPasswordMessage) {
    if (auth_pending_.empty()) {
      if (s.phase == Phase::kAuth && !authenticated_ && server.phase != Phase::kClosed &&
          server.status.ok()) {
        return DecodeResult::kNeedPeer;  // the server's request decides
      }
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "PasswordMessage",
                  "not allowed: the server asked for no authentication response");
    }
    switch (auth_pending_.front()) {
      case AuthPending::kPassword: break;
      case AuthPending::kSASLInitial: type = MessageType::kSASLInitialResponse; break;
      case AuthPending::kSASL: type = MessageType::kSASLResponse; break;
      case AuthPending::kGSS: type = MessageType::kGSSResponse; break;
      case AuthPending::kNone: break;
    }
  } else if (s.phase == Phase::kAuth && type != MessageType::kTerminate) {
    if (!authenticated_) {
      if (server.phase == Phase::kClosed || !server.status.ok()) {
        return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed,
                    MessageTypeName(type), "not allowed before authentication completes");
      }
      return DecodeResult::kNeedPeer;  // only AuthenticationOk allows it
    }
    s.phase = Phase::kNormal;
  }
  DecodeResult r = Tagged(dir, data, type, frame, need);
  if (r != DecodeResult::kFrame) return r;
  return Validate(dir, frame);
}

DecodeResult Decoder::DecodeServer(Side& s, std::string_view data, Frame* frame,
                                   std::size_t* need) {
  constexpr Direction dir = Direction::kServerToClient;
  switch (s.phase) {
    case Phase::kStartup:
      return DecodeResult::kNeedPeer;  // the server speaks only when spoken to
    case Phase::kAwaitSsl:
    case Phase::kAwaitGssenc: {
      const char answer = data[0];
      const bool ssl = s.phase == Phase::kAwaitSsl;
      if (answer == 'E') break;  // a server without SSL support: ErrorResponse
      if (answer != 'N' && answer != (ssl ? 'S' : 'G')) {
        return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed,
                    ssl ? "SSLResponse" : "GSSENCResponse",
                    absl::StrFormat("answer byte 0x%02x (must be '%c' or 'N')",
                                    static_cast<unsigned char>(answer), ssl ? 'S' : 'G'));
      }
      frame->tag = '\0';
      frame->offset = s.consumed;
      frame->bytes = data.substr(0, 1);
      frame->body = {};
      frame->type = ssl ? MessageType::kSSLResponse : MessageType::kGSSENCResponse;
      return DecodeResult::kFrame;
    }
    case Phase::kEncrypted:
      return DecodeResult::kEncrypted;
    case Phase::kClosed:
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Unknown",
                  "bytes after the connection's last message");
    case Phase::kAuth:
    case Phase::kNormal:
      break;
  }
  const char tag = data[0];
  MessageType type = kTags.server[static_cast<unsigned char>(tag)];
  if (type == MessageType::kUnknown) {
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Unknown",
                absl::StrCat("unknown ", DescribeTag(tag), " from the server"));
  }
  if (s.phase != Phase::kNormal) {
    // Startup and authentication: only these, before the first ReadyForQuery.
    if (type != MessageType::kAuthenticationOk && !AllowedBeforeReady(type)) {
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, MessageTypeName(type),
                  "not allowed before the server's first ReadyForQuery");
    }
  } else if (type == MessageType::kAuthenticationOk ||
             type == MessageType::kBackendKeyData ||
             type == MessageType::kNegotiateProtocolVersion) {
    return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, MessageTypeName(type),
                "not allowed after the server's first ReadyForQuery");
  }
  DecodeResult r = Tagged(dir, data, type, frame, need);
  if (r != DecodeResult::kFrame) return r;
  if (type == MessageType::kAuthenticationOk) {
    if (frame->body.size() < 4) {
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Authentication",
                  "request code: message ends early");
    }
    const auto code = static_cast<std::int32_t>(LoadBE32(frame->body.data()));
    frame->type = AuthType(code);
    if (frame->type == MessageType::kUnknown) {
      return Fail(dir, absl::StatusCode::kInvalidArgument, s.consumed, "Authentication",
                  absl::StrCat("unknown authentication request code ", code));
    }
  }
  return Validate(dir, frame);
}

void Decoder::ExpectAuthResponse(Direction dir, AuthPending what) {
  // A real exchange has a handful of rounds; a flood of requests that the
  // client never answers is not buffered without bound.
  constexpr std::size_t kMaxPendingAuth = 64;
  if (auth_pending_.size() >= kMaxPendingAuth) {
    Side& s = sides_[static_cast<int>(dir)];
    Fail(dir, absl::StatusCode::kResourceExhausted, s.consumed, "Authentication",
         "more than 64 authentication requests left unanswered");
    return;
  }
  auth_pending_.push_back(what);
}

void Decoder::AfterFrame(Direction dir, const Frame& frame) {
  Side& s = sides_[static_cast<int>(dir)];
  Side& peer = sides_[static_cast<int>(Opposite(dir))];
  s.consumed += frame.bytes.size();
  switch (frame.type) {
    case MessageType::kStartupMessage:
      protocol_version_ = LoadBE32(frame.body.data());
      s.phase = Phase::kAuth;
      peer.phase = Phase::kAuth;
      break;
    case MessageType::kSSLRequest:
      s.phase = Phase::kAwaitSsl;
      peer.phase = Phase::kAwaitSsl;
      break;
    case MessageType::kGSSENCRequest:
      s.phase = Phase::kAwaitGssenc;
      peer.phase = Phase::kAwaitGssenc;
      break;
    case MessageType::kCancelRequest:
      s.phase = Phase::kClosed;
      peer.phase = Phase::kClosed;
      break;
    case MessageType::kSSLResponse:
    case MessageType::kGSSENCResponse: {
      const bool accepted = frame.bytes[0] != 'N';
      s.phase = accepted ? Phase::kEncrypted : Phase::kStartup;
      peer.phase = accepted ? Phase::kEncrypted : Phase::kStartup;
      break;
    }
    case MessageType::kAuthenticationOk:
      authenticated_ = true;
      break;
    case MessageType::kAuthenticationCleartextPassword:
    case MessageType::kAuthenticationMD5Password:
      ExpectAuthResponse(dir, AuthPending::kPassword);
      break;
    case MessageType::kAuthenticationSASL:
      ExpectAuthResponse(dir, AuthPending::kSASLInitial);
      break;
    case MessageType::kAuthenticationSASLContinue:
      ExpectAuthResponse(dir, AuthPending::kSASL);
      break;
    case MessageType::kAuthenticationGSS:
    case MessageType::kAuthenticationSSPI:
    case MessageType::kAuthenticationGSSContinue:
      ExpectAuthResponse(dir, AuthPending::kGSS);
      break;
    case MessageType::kPasswordMessage:
    case MessageType::kSASLInitialResponse:
    case MessageType::kSASLResponse:
    case MessageType::kGSSResponse:
      auth_pending_.pop_front();
      break;
    case MessageType::kNegotiateProtocolVersion:
      protocol_version_ = (3u << 16) | static_cast<std::uint32_t>(
                                           LoadBE32(frame.body.data()) & 0xffff);
      break;
    case MessageType::kReadyForQuery:
      if (s.phase != Phase::kNormal) {
        s.phase = Phase::kNormal;
        ready_ = true;
      }
      break;
    case MessageType::kErrorResponse:
      // An error before ReadyForQuery is fatal: the server closes.
      if (dir == Direction::kServerToClient && s.phase != Phase::kNormal) {
        s.phase = Phase::kClosed;
        if (peer.phase == Phase::kAwaitSsl || peer.phase == Phase::kAwaitGssenc) {
          peer.phase = Phase::kClosed;
        }
      }
      break;
    case MessageType::kTerminate:
      s.phase = Phase::kClosed;
      break;
    default:
      break;
  }
}

}  // namespace hoop::wire::postgres
