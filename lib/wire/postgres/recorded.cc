// Copyright 2026 The hoop Authors.
//
// DecodeRecorded: drives one Decoder over two complete streams, alternating
// directions at the turns of the conversation.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/string_view.h"
#include "hoop/wire/postgres.h"

namespace hoop::wire::postgres {
namespace {

// A client message after which the client waits for the server.
bool ClientTurnEnds(MessageType t) {
  switch (t) {
    case MessageType::kStartupMessage:
    case MessageType::kSSLRequest:
    case MessageType::kGSSENCRequest:
    case MessageType::kPasswordMessage:
    case MessageType::kSASLInitialResponse:
    case MessageType::kSASLResponse:
    case MessageType::kGSSResponse:
    case MessageType::kQuery:
    case MessageType::kSync:
    case MessageType::kFlush:
    case MessageType::kFunctionCall:
    case MessageType::kCopyDone:
    case MessageType::kCopyFail:
      return true;
    default:
      return false;
  }
}

// A server message after which the server waits for the client.
bool ServerTurnEnds(MessageType t) {
  switch (t) {
    case MessageType::kSSLResponse:
    case MessageType::kGSSENCResponse:
    case MessageType::kAuthenticationCleartextPassword:
    case MessageType::kAuthenticationMD5Password:
    case MessageType::kAuthenticationGSS:
    case MessageType::kAuthenticationGSSContinue:
    case MessageType::kAuthenticationSSPI:
    case MessageType::kAuthenticationSASL:
    case MessageType::kAuthenticationSASLContinue:
    case MessageType::kReadyForQuery:
    case MessageType::kCopyInResponse:
    case MessageType::kCopyBothResponse:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status DecodeRecorded(
    std::string_view client, std::string_view server,
    const std::function<void(Direction, const Frame&)>& on_frame,
    const RecordedOptions& options) {
  Decoder decoder(options.decoder);
  const std::string_view streams[2] = {client, server};
  std::size_t fed[2] = {0, 0};
  bool stopped[2] = {false, false};  // encrypted from here on

  // Decodes `dir` until its turn ends, it needs the peer, or it runs out.
  // Returns false on a decoder error.
  auto run = [&](Direction dir, bool* progress) {
    const int i = static_cast<int>(dir);
    for (;;) {
      Frame frame;
      const DecodeResult r = decoder.Next(dir, &frame);
      switch (r) {
        case DecodeResult::kFrame:
          *progress = true;
          on_frame(dir, frame);
          if (dir == Direction::kClientToServer ? ClientTurnEnds(frame.type)
                                                : ServerTurnEnds(frame.type)) {
            return true;
          }
          continue;
        case DecodeResult::kNeedMore: {
          if (fed[i] == streams[i].size()) return true;
          std::size_t n = streams[i].size() - fed[i];
          if (options.max_chunk > 0) n = std::min(n, options.max_chunk);
          decoder.Feed(dir, streams[i].substr(fed[i], n));
          fed[i] += n;
          *progress = true;
          continue;
        }
        case DecodeResult::kNeedPeer:
          return true;
        case DecodeResult::kEncrypted:
          stopped[i] = true;
          return true;
        case DecodeResult::kError:
          return false;
      }
    }
  };

  for (;;) {
    bool progress = false;
    if (!run(Direction::kClientToServer, &progress)) {
      return decoder.status(Direction::kClientToServer);
    }
    if (!run(Direction::kServerToClient, &progress)) {
      return decoder.status(Direction::kServerToClient);
    }
    if (!progress) break;
  }
  for (const Direction dir : {Direction::kClientToServer, Direction::kServerToClient}) {
    const int i = static_cast<int>(dir);
    if (stopped[i]) continue;
    const std::size_t left = decoder.buffered(dir) + (streams[i].size() - fed[i]);
    if (left > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "postgres ", Sv(DirectionName(dir)), " stream at offset ", decoder.consumed(dir),
          ": ", left, " bytes left undecoded: the stream ends inside a message, or they "
          "cannot be named before the other side answers"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hoop::wire::postgres
