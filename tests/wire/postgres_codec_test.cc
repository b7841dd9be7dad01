// Copyright 2026 The hoop Authors.
//
// The PostgreSQL codec: round trip of every message, split-at-every-byte,
// zero copy, malformed input, limits and a guard page against over-reads.

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/wire/postgres.h"
#include "tests/wire/postgres_test_util.h"

// Largest single allocation since the last reset: proves that no buffer is
// sized by a length word whose bytes have not arrived.
static std::atomic<std::size_t> g_largest_alloc{0};
static std::atomic<bool> g_track_alloc{false};

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_track_alloc.load(std::memory_order_relaxed)) {
    std::size_t prev = g_largest_alloc.load(std::memory_order_relaxed);
    while (n > prev && !g_largest_alloc.compare_exchange_weak(prev, n)) {
    }
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace hoop::wire::postgres {
namespace {

using ::testing::HasSubstr;
using testing::Conversation;
using testing::DecodeAll;
using testing::DecodeWithCuts;
using testing::OwnedFrame;
using testing::RealisticSession;

std::vector<OwnedFrame> OfDirection(const std::vector<OwnedFrame>& all, Direction dir) {
  std::vector<OwnedFrame> out;
  for (const OwnedFrame& f : all) {
    if (f.dir == dir) out.push_back(f);
  }
  return out;
}

// One sample of every message, in variant order.
std::vector<Message> EveryMessage() {
  return {
      StartupMessage{kProtocol32, {{"user", "u"}, {"database", "d"}, {"_pq_.x", "1"}}},
      SSLRequest{},
      GSSENCRequest{},
      CancelRequest{77, std::string_view("0123456789abcdef0123456789abcdef")},
      SSLResponse{'S'},
      GSSENCResponse{'G'},
      AuthenticationOk{},
      AuthenticationKerberosV5{},
      AuthenticationCleartextPassword{},
      AuthenticationMD5Password{"salt"},
      AuthenticationGSS{},
      AuthenticationGSSContinue{std::string_view("\x01\x00\x02", 3)},
      AuthenticationSSPI{},
      AuthenticationSASL{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}},
      AuthenticationSASLContinue{"r=abc,s=c2FsdA==,i=4096"},
      AuthenticationSASLFinal{"v=xyz"},
      PasswordMessage{"md5a3556571e93b0d20722ba62be61e8c2d"},
      SASLInitialResponse{"SCRAM-SHA-256", std::nullopt},
      SASLResponse{"c=biws,r=abc,p=proof"},
      GSSResponse{std::string_view("\x00\x01", 2)},
      Query{"SELECT 1; SELECT 'x';"},
      Parse{"st", "SELECT $1, $2", {23, 0}},
      Bind{"po", "st", {1}, {std::string_view("\0\0\0\x01", 4), std::nullopt}, {0, 1}},
      Describe{'S', "st"},
      Execute{"po", 100},
      Sync{},
      Flush{},
      Close{'P', "po"},
      FunctionCall{1598, {0}, {std::string_view("42"), std::nullopt}, 0},
      Terminate{},
      CopyData{std::string_view("a\tb\n\0", 5)},
      CopyDone{},
      CopyFail{"no"},
      BackendKeyData{99, std::string_view("0123456789abcdef0123456789abcdef")},
      BindComplete{},
      CloseComplete{},
      CommandComplete{"INSERT 0 3"},
      CopyInResponse{{0, {0, 0, 0}}},
      CopyOutResponse{{1, {1}}},
      CopyBothResponse{{0, {}}},
      DataRow{{std::string_view("1"), std::nullopt, std::string_view(""),
               std::string_view("\xff\x00", 2)}},
      EmptyQueryResponse{},
      ErrorResponse{{{'S', "FATAL"}, {'C', "28P01"}, {'M', "password authentication failed"}}},
      FunctionCallResponse{std::nullopt},
      NegotiateProtocolVersion{0, {"_pq_.unknown"}},
      NoData{},
      NoticeResponse{{{'S', "WARNING"}, {'M', "careful"}, {'H', "hint"}}},
      NotificationResponse{1, "chan", "payload"},
      ParameterDescription{{23, 25, 0}},
      ParameterStatus{"TimeZone", "UTC"},
      ParseComplete{},
      PortalSuspended{},
      ReadyForQuery{'T'},
      RowDescription{{{"a", 1, 2, 3, 4, 5, 0}, {"", 0, 0, 25, -1, -1, 1}}},
  };
}

bool IsClientMessage(MessageType t) {
  switch (t) {
    case MessageType::kStartupMessage:
    case MessageType::kSSLRequest:
    case MessageType::kGSSENCRequest:
    case MessageType::kCancelRequest:
    case MessageType::kPasswordMessage:
    case MessageType::kSASLInitialResponse:
    case MessageType::kSASLResponse:
    case MessageType::kGSSResponse:
    case MessageType::kQuery:
    case MessageType::kParse:
    case MessageType::kBind:
    case MessageType::kDescribe:
    case MessageType::kExecute:
    case MessageType::kSync:
    case MessageType::kFlush:
    case MessageType::kClose:
    case MessageType::kFunctionCall:
    case MessageType::kTerminate:
    case MessageType::kCopyData:
    case MessageType::kCopyDone:
    case MessageType::kCopyFail:
      return true;
    default:
      return false;
  }
}

// Decodes `bytes` (one message of type `type`) with a decoder brought into the
// state in which the message may appear.
absl::StatusOr<Frame> DecodeInContext(Decoder& dec, MessageType type, Direction dir,
                                      std::string_view bytes) {
  auto feed_peer = [&dec](Direction d, const Message& m) {
    static thread_local std::vector<std::string> keep;
    keep.push_back(Encode(m));
    dec.Feed(d, keep.back());
    Frame f;
    if (dec.Next(d, &f) != DecodeResult::kFrame) return false;
    return dec.Next(d, &f) == DecodeResult::kNeedMore;
  };
  const StartupMessage startup{kProtocol30, {{"user", "u"}}};
  bool ok = true;
  switch (type) {
    case MessageType::kSSLResponse:
      ok = feed_peer(Direction::kClientToServer, SSLRequest{});
      break;
    case MessageType::kGSSENCResponse:
      ok = feed_peer(Direction::kClientToServer, GSSENCRequest{});
      break;
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
    case MessageType::kNegotiateProtocolVersion:
    case MessageType::kBackendKeyData:
      ok = feed_peer(Direction::kClientToServer, startup);
      break;
    case MessageType::kPasswordMessage:
      ok = feed_peer(Direction::kClientToServer, startup) &&
           feed_peer(Direction::kServerToClient, AuthenticationMD5Password{"salt"});
      break;
    case MessageType::kSASLInitialResponse:
      ok = feed_peer(Direction::kClientToServer, startup) &&
           feed_peer(Direction::kServerToClient, AuthenticationSASL{{"SCRAM-SHA-256"}});
      break;
    case MessageType::kSASLResponse:
      ok = feed_peer(Direction::kClientToServer, startup) &&
           feed_peer(Direction::kServerToClient, AuthenticationSASL{{"SCRAM-SHA-256"}}) &&
           feed_peer(Direction::kClientToServer,
                     SASLInitialResponse{"SCRAM-SHA-256", std::string_view("n,,n=,r=x")}) &&
           feed_peer(Direction::kServerToClient, AuthenticationSASLContinue{"r=xy,s=AA==,i=1"});
      break;
    case MessageType::kGSSResponse:
      ok = feed_peer(Direction::kClientToServer, startup) &&
           feed_peer(Direction::kServerToClient, AuthenticationGSS{});
      break;
    default:
      break;
  }
  if (!ok) return absl::InternalError("could not set up the context");
  dec.Feed(dir, bytes);
  Frame f;
  const DecodeResult r = dec.Next(dir, &f);
  if (r == DecodeResult::kError) return dec.status(dir);
  if (r != DecodeResult::kFrame) return absl::InternalError("no frame");
  Frame rest;
  if (dec.Next(dir, &rest) != DecodeResult::kNeedMore) return absl::InternalError("extra");
  return f;
}

bool NeedsStartupPhase(MessageType t) {
  switch (t) {
    case MessageType::kStartupMessage:
    case MessageType::kSSLRequest:
    case MessageType::kGSSENCRequest:
    case MessageType::kCancelRequest:
    case MessageType::kSSLResponse:
    case MessageType::kGSSENCResponse:
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
    case MessageType::kPasswordMessage:
    case MessageType::kSASLInitialResponse:
    case MessageType::kSASLResponse:
    case MessageType::kGSSResponse:
    case MessageType::kNegotiateProtocolVersion:
    case MessageType::kBackendKeyData:
      return true;
    default:
      return false;
  }
}

TEST(PostgresCodec, SamplesCoverEveryMessageType) {
  std::set<MessageType> seen;
  for (const Message& m : EveryMessage()) seen.insert(TypeOf(m));
  // Every MessageType but kUnknown; CopyData/CopyDone are one type each.
  EXPECT_EQ(seen.size(), std::variant_size_v<Message>);
  EXPECT_EQ(seen.count(MessageType::kUnknown), 0u);
}

TEST(PostgresCodec, RoundTripEveryMessage) {
  for (const Message& m : EveryMessage()) {
    const MessageType type = TypeOf(m);
    SCOPED_TRACE(std::string(MessageTypeName(type)));
    const std::string bytes = Encode(m);
    std::vector<Direction> dirs;
    if (IsClientMessage(type)) dirs.push_back(Direction::kClientToServer);
    if (!IsClientMessage(type) || type == MessageType::kCopyData ||
        type == MessageType::kCopyDone) {
      dirs.push_back(Direction::kServerToClient);
    }
    for (Direction dir : dirs) {
      DecoderOptions opts;
      if (!NeedsStartupPhase(type)) opts.start = DecoderOptions::Start::kNormal;
      Decoder dec(opts);
      absl::StatusOr<Frame> f = DecodeInContext(dec, type, dir, bytes);
      ASSERT_TRUE(f.ok()) << f.status();
      EXPECT_EQ(f->type, type);
      EXPECT_EQ(f->bytes, bytes);
      EXPECT_EQ(f->bytes.data(), bytes.data()) << "not zero-copy";
      absl::StatusOr<Message> parsed = ParseMessage(*f);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_TRUE(*parsed == m);
      EXPECT_EQ(Encode(*parsed), bytes);
    }
  }
}

TEST(PostgresCodec, NamesFollowTheDocumentation) {
  EXPECT_EQ(MessageTypeName(MessageType::kQuery), "Query");
  EXPECT_EQ(MessageTypeName(MessageType::kRowDescription), "RowDescription");
  EXPECT_EQ(MessageTypeName(MessageType::kSSLRequest), "SSLRequest");
  EXPECT_EQ(MessageTypeName(MessageType::kAuthenticationSASL), "AuthenticationSASL");
  EXPECT_EQ(MessageTypeName(MessageType::kGSSENCRequest), "GSSENCRequest");
  EXPECT_EQ(NoticeFieldName('C'), "code");
  EXPECT_EQ(NoticeFieldName('M'), "message");
}

TEST(PostgresCodec, KnownWireBytes) {
  // From the documentation: Sync is 'S' 00 00 00 04; SSLRequest is 8 bytes.
  EXPECT_EQ(Encode(Sync{}), std::string("S\0\0\0\x04", 5));
  EXPECT_EQ(Encode(SSLRequest{}), std::string("\0\0\0\x08\x04\xd2\x16\x2f", 8));
  EXPECT_EQ(Encode(ReadyForQuery{'I'}), std::string("Z\0\0\0\x05I", 6));
  EXPECT_EQ(Encode(Query{"x"}), std::string("Q\0\0\0\x06x\0", 7));
}

TEST(PostgresCodec, DataRowCellsWalkWithoutAllocating) {
  const std::string bytes =
      Encode(DataRow{{std::string_view("a"), std::nullopt, std::string_view("")}});
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  dec.Feed(Direction::kServerToClient, bytes);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
  DataRowCells cells(f);
  ASSERT_EQ(cells.size(), 3);
  std::vector<Value> got(cells.begin(), cells.end());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::optional<std::string_view>("a"));
  EXPECT_FALSE(got[1].has_value());
  EXPECT_EQ(got[2], std::optional<std::string_view>(""));
  EXPECT_EQ(got[0]->data(), bytes.data() + 11);  // a view into the frame
}

TEST(PostgresCodec, RealisticSessionDecodesInOrder) {
  const Conversation c = RealisticSession();
  std::vector<OwnedFrame> frames;
  ASSERT_TRUE(DecodeAll(c, &frames).ok());
  const auto client = OfDirection(frames, Direction::kClientToServer);
  const auto server = OfDirection(frames, Direction::kServerToClient);
  ASSERT_GE(client.size(), 5u);
  EXPECT_EQ(client[0].type, MessageType::kSSLRequest);
  EXPECT_EQ(client[1].type, MessageType::kStartupMessage);
  EXPECT_EQ(client[2].type, MessageType::kSASLInitialResponse);
  EXPECT_EQ(client[3].type, MessageType::kSASLResponse);
  EXPECT_EQ(client.back().type, MessageType::kTerminate);
  EXPECT_EQ(server[0].type, MessageType::kSSLResponse);
  EXPECT_EQ(server[1].type, MessageType::kAuthenticationSASL);
  // Offsets tile each stream exactly.
  for (const auto* dir_frames : {&client, &server}) {
    std::uint64_t expect = 0;
    for (const OwnedFrame& f : *dir_frames) {
      EXPECT_EQ(f.offset, expect);
      expect += f.bytes.size();
    }
  }
  EXPECT_EQ(client.back().offset + client.back().bytes.size(), c.client.size());
  EXPECT_EQ(server.back().offset + server.back().bytes.size(), c.server.size());
}

TEST(PostgresCodec, SplitAtEveryByteDecodesTheSame) {
  const Conversation c = RealisticSession();
  std::vector<OwnedFrame> whole;
  ASSERT_TRUE(DecodeWithCuts(c, {}, {}, &whole).ok());
  const auto whole_client = OfDirection(whole, Direction::kClientToServer);
  const auto whole_server = OfDirection(whole, Direction::kServerToClient);
  const std::size_t longest = std::max(c.client.size(), c.server.size());
  for (std::size_t cut = 1; cut < longest; ++cut) {
    std::vector<OwnedFrame> split;
    const absl::Status s = DecodeWithCuts(c, {cut}, {cut}, &split);
    ASSERT_TRUE(s.ok()) << "cut at " << cut << ": " << s;
    ASSERT_EQ(OfDirection(split, Direction::kClientToServer), whole_client) << "cut " << cut;
    ASSERT_EQ(OfDirection(split, Direction::kServerToClient), whole_server) << "cut " << cut;
  }
}

TEST(PostgresCodec, EveryChunkSizeDecodesTheSame) {
  const Conversation c = RealisticSession();
  std::vector<OwnedFrame> whole;
  ASSERT_TRUE(DecodeAll(c, &whole).ok());
  for (std::size_t chunk : {1, 2, 3, 4, 5, 6, 7, 13, 64, 1000}) {
    std::vector<OwnedFrame> frames;
    ASSERT_TRUE(DecodeAll(c, &frames, chunk).ok()) << chunk;
    EXPECT_EQ(OfDirection(frames, Direction::kClientToServer),
              OfDirection(whole, Direction::kClientToServer));
    EXPECT_EQ(OfDirection(frames, Direction::kServerToClient),
              OfDirection(whole, Direction::kServerToClient));
  }
}

TEST(PostgresCodec, WholeFramesAreNotCopied) {
  std::string rows;
  for (int i = 0; i < 10; ++i) Encode(DataRow{{std::string_view("value")}}, &rows);
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  // Cut in the middle of the 4th row: rows 1-3 are views of chunk 1, row 4 is
  // reassembled, rows 5-10 are views of chunk 2.
  const std::size_t row = rows.size() / 10;
  const std::size_t cut = 3 * row + 4;
  const std::string_view a = std::string_view(rows).substr(0, cut);
  const std::string_view b = std::string_view(rows).substr(cut);
  dec.Feed(Direction::kServerToClient, a);
  Frame f;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
    EXPECT_EQ(f.bytes.data(), rows.data() + i * row);
  }
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kNeedMore);
  EXPECT_EQ(dec.buffered(Direction::kServerToClient), 4u);
  dec.Feed(Direction::kServerToClient, b);
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.bytes, std::string_view(rows).substr(3 * row, row));
  EXPECT_NE(f.bytes.data(), rows.data() + 3 * row);  // the one copied frame
  for (int i = 4; i < 10; ++i) {
    ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
    EXPECT_EQ(f.bytes.data(), rows.data() + i * row);
  }
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kNeedMore);
  EXPECT_EQ(dec.consumed(Direction::kServerToClient), rows.size());
}

TEST(PostgresCodec, FramesStayValidUntilTheNextFeed) {
  // A frame completed from the buffer must survive the buffering of the next
  // incomplete tail in the same Feed cycle.
  std::string rows;
  for (int i = 0; i < 4; ++i) Encode(DataRow{{std::string_view("0123456789")}}, &rows);
  const std::size_t row = rows.size() / 4;
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  dec.Feed(Direction::kServerToClient, std::string_view(rows).substr(0, row / 2));
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kNeedMore);
  std::string chunk2(rows.substr(row / 2, 2 * row));  // rest of row 1, row 2, half of 3
  dec.Feed(Direction::kServerToClient, chunk2);
  std::vector<Frame> frames;
  while (dec.Next(Direction::kServerToClient, &f) == DecodeResult::kFrame) frames.push_back(f);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].bytes, std::string_view(rows).substr(0, row));
  EXPECT_EQ(frames[1].bytes, std::string_view(rows).substr(row, row));
}

TEST(PostgresCodec, EveryFrameOfACycleStaysValidUntilTheNextFeed) {
  // Small frames (which a std::string would keep inline) reassembled across
  // chunk boundaries, held as views for the whole Feed cycle.
  std::string stream;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string f = i % 3 == 0   ? Encode(ReadyForQuery{'I'})
                          : i % 3 == 1 ? Encode(CommandComplete{"SELECT " + std::to_string(i)})
                                       : Encode(DataRow{{std::string_view("x")}});
    expected.push_back(f);
    stream += f;
  }
  for (std::size_t chunk = 1; chunk <= 40; ++chunk) {
    SCOPED_TRACE(chunk);
    Decoder dec({.start = DecoderOptions::Start::kNormal});
    std::size_t next = 0;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const std::string piece = stream.substr(at, chunk);  // dies after the cycle
      dec.Feed(Direction::kServerToClient, piece);
      std::vector<Frame> cycle;
      Frame f;
      while (dec.Next(Direction::kServerToClient, &f) == DecodeResult::kFrame) cycle.push_back(f);
      for (const Frame& held : cycle) {
        ASSERT_LT(next, expected.size());
        EXPECT_EQ(held.bytes, expected[next++]);
      }
    }
    EXPECT_EQ(next, expected.size());
  }
}

TEST(PostgresCodec, FeedBeforeDrainingIsAnError) {
  const std::string q = Encode(Query{"a"}) + Encode(Query{"b"});
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  dec.Feed(Direction::kClientToServer, q);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  dec.Feed(Direction::kClientToServer, q);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kError);
  EXPECT_EQ(dec.status(Direction::kClientToServer).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PostgresCodec, ErrorsAreFinalOnTheDataRowFastPath) {
  const std::string rows = Encode(DataRow{{std::string_view("a")}}) +
                           Encode(DataRow{{std::string_view("b")}});
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  dec.Feed(Direction::kServerToClient, rows);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
  dec.Feed(Direction::kServerToClient, rows);  // misuse: not drained
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kError);
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kError);
}

TEST(PostgresCodec, TlsAcceptedStopsDecoding) {
  Decoder dec;
  const std::string ssl = Encode(SSLRequest{}) + "\x16\x03\x01\x02\x00";
  dec.Feed(Direction::kClientToServer, ssl);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.type, MessageType::kSSLRequest);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kNeedPeer);
  dec.Feed(Direction::kServerToClient, "S\x16\x03\x03");
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.type, MessageType::kSSLResponse);
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kEncrypted);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kEncrypted);
}

TEST(PostgresCodec, ProtocolVersionIsTracked) {
  Decoder dec;
  const std::string startup = Encode(StartupMessage{kProtocol32, {{"user", "u"}}});
  dec.Feed(Direction::kClientToServer, startup);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(dec.protocol_version(), kProtocol32);
  const std::string reply = Encode(NegotiateProtocolVersion{0, {}}) + Encode(AuthenticationOk{}) +
                            Encode(BackendKeyData{1, std::string(32, 'k')}) +
                            Encode(ReadyForQuery{'I'});
  dec.Feed(Direction::kServerToClient, reply);
  while (dec.Next(Direction::kServerToClient, &f) == DecodeResult::kFrame) {
  }
  EXPECT_TRUE(dec.status(Direction::kServerToClient).ok());
  EXPECT_EQ(dec.protocol_version(), kProtocol30);
  EXPECT_TRUE(dec.authenticated());
  EXPECT_TRUE(dec.ready());
}

// ---------------------------------------------------------------------------
// Malformed input.

struct BadCase {
  const char* name;
  Direction dir;
  bool normal_phase;  // start in the normal phase
  std::string bytes;
  absl::StatusCode code;
  const char* what;  // a substring of the error
};

std::string Tagged(char tag, std::uint32_t len, std::string body) {
  std::string s(1, tag);
  s.push_back(static_cast<char>(len >> 24));
  s.push_back(static_cast<char>(len >> 16));
  s.push_back(static_cast<char>(len >> 8));
  s.push_back(static_cast<char>(len));
  return s + body;
}
std::string Len32(std::uint32_t len) { return Tagged('\0', len, "").substr(1); }

std::vector<BadCase> BadCases() {
  constexpr auto C = Direction::kClientToServer;
  constexpr auto S = Direction::kServerToClient;
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  constexpr auto kTooBig = absl::StatusCode::kResourceExhausted;
  const std::string v30("\x00\x03\x00\x00", 4);
  return {
      {"startup length too small", C, false, Len32(3) + "xxxx", kInvalid,
       "invalid startup packet length 3"},
      {"startup length negative", C, false, Len32(0xffffffff) + "xxxx", kInvalid,
       "invalid startup packet length -1"},
      {"startup over the limit", C, false, Len32(10001) + v30, kTooBig,
       "exceeds the limit of 10000"},
      {"protocol 2.0", C, false, Len32(8) + std::string("\x00\x02\x00\x00", 4), kInvalid,
       "unsupported protocol version 2.0"},
      {"startup parameter without NUL", C, false, Len32(12) + v30 + "user", kInvalid,
       "missing NUL"},
      {"startup without final NUL", C, false, Len32(12) + v30 + std::string("u\0v\0", 4),
       kInvalid, "missing NUL"},
      {"cancel key too short", C, false,
       Len32(14) + std::string("\x04\xd2\x16\x2e\0\0\0\x01\xaa\xbb", 10), kInvalid,
       "secret key of 2 bytes"},
      {"SSLRequest with a body", C, false,
       Len32(12) + std::string("\x04\xd2\x16\x2f", 4) + "abcd", kInvalid, "unexpected bytes"},
      {"negative length", C, true, Tagged('Q', 0xffffffff, ""), kInvalid, "invalid length -1"},
      {"length below 4", C, true, Tagged('Q', 3, ""), kInvalid, "invalid length 3"},
      {"length over the limit", S, true, Tagged('D', 0x7fffffff, ""), kTooBig,
       "exceeds the limit"},
      {"unknown client type", C, true, Tagged('Z', 5, "I"), kInvalid,
       "unknown type byte 'Z' (0x5a) from the client"},
      {"unknown server type", S, true, Tagged('x', 4, ""), kInvalid,
       "unknown type byte 'x'"},
      {"TLS record where a message should be", S, true, "\x16\x03\x01\x00\x10", kInvalid,
       "unknown type byte 0x16"},
      {"DataRow negative count", S, true, Tagged('D', 6, "\xff\xff"), kInvalid,
       "negative column count"},
      {"DataRow count beyond the body", S, true, Tagged('D', 6, std::string("\0\x03", 2)),
       kInvalid, "column 0 of 3"},
      {"DataRow cell length -2", S, true,
       Tagged('D', 10, std::string("\0\x01\xff\xff\xff\xfe", 6)), kInvalid,
       "negative length -2"},
      {"DataRow cell past the end", S, true,
       Tagged('D', 11, std::string("\0\x01\0\0\0\x09x", 7)), kInvalid,
       "length 9 runs past the end"},
      {"DataRow trailing bytes", S, true,
       Tagged('D', 12, std::string("\0\x01\0\0\0\x01xyz", 9)), kInvalid,
       "unexpected bytes after the last column"},
      {"RowDescription count beyond the body", S, true,
       Tagged('T', 8, std::string("\x10\0ab", 4)), kInvalid, "field count: 4096 does not fit"},
      {"Query without NUL", C, true, Tagged('Q', 7, "abc"), kInvalid, "missing NUL"},
      {"Bind parameter count beyond the body", C, true,
       Tagged('B', 10, std::string("\0\0\0\0\x7f\xff", 6)), kInvalid, "does not fit"},
      {"Describe bad target", C, true, Tagged('D', 7, std::string("X\0\0", 3)), kInvalid,
       "target byte 0x58"},
      {"ReadyForQuery bad status", S, true, Tagged('Z', 5, "Q"), kInvalid,
       "transaction status 0x51"},
      {"Sync with a body", C, true, Tagged('S', 5, "x"), kInvalid, "unexpected bytes"},
      {"ErrorResponse field without NUL", S, true, Tagged('E', 8, "Mabc"), kInvalid,
       "missing NUL"},
      {"CopyInResponse bad format", S, true, Tagged('G', 7, std::string("\x07\0\0", 3)),
       kInvalid, "overall format 7"},
      {"PasswordMessage in the normal phase", C, true, Tagged('p', 6, std::string("x\0", 2)),
       kInvalid, "the server asked for no authentication response"},
      {"BackendKeyData after ReadyForQuery", S, true,
       Tagged('K', 12, std::string("\0\0\0\x01\0\0\0\x02", 8)), kInvalid,
       "not allowed after the server's first ReadyForQuery"},
      {"AuthenticationOk after ReadyForQuery", S, true,
       Tagged('R', 8, std::string("\0\0\0\0", 4)), kInvalid, "not allowed after"},
  };
}

TEST(PostgresCodec, MalformedInputIsRejectedWithWhereAndWhat) {
  for (const BadCase& c : BadCases()) {
    if (c.bytes.empty()) continue;
    SCOPED_TRACE(c.name);
    // Prefix a valid message so the offset in the error is not 0.
    std::string prefix;
    if (c.normal_phase) {
      prefix = c.dir == Direction::kClientToServer ? Encode(Sync{}) : Encode(NoData{});
    }
    const std::string bytes = prefix + c.bytes;
    // Whole, and one byte at a time: the same error.
    for (std::size_t chunk : {bytes.size(), std::size_t{1}}) {
      DecoderOptions opts;
      if (c.normal_phase) opts.start = DecoderOptions::Start::kNormal;
      Decoder dec(opts);
      DecodeResult r = DecodeResult::kNeedMore;
      for (std::size_t at = 0; at < bytes.size() && r != DecodeResult::kError; at += chunk) {
        dec.Feed(c.dir, std::string_view(bytes).substr(at, chunk));
        Frame f;
        while ((r = dec.Next(c.dir, &f)) == DecodeResult::kFrame) {
        }
      }
      ASSERT_EQ(r, DecodeResult::kError) << "chunk " << chunk;
      const absl::Status& st = dec.status(c.dir);
      EXPECT_EQ(st.code(), c.code) << st;
      EXPECT_THAT(std::string(st.message()), HasSubstr(c.what));
      EXPECT_THAT(std::string(st.message()),
                  HasSubstr(std::string("postgres ") + std::string(DirectionName(c.dir)) +
                            " stream at offset " + std::to_string(prefix.size())));
      // Errors are final.
      Frame f;
      EXPECT_EQ(dec.Next(c.dir, &f), DecodeResult::kError);
    }
  }
}

TEST(PostgresCodec, ServerMessagesOutOfPhase) {
  Decoder dec;
  const std::string startup = Encode(StartupMessage{kProtocol30, {{"user", "u"}}});
  dec.Feed(Direction::kClientToServer, startup);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  const std::string row = Encode(DataRow{{std::string_view("leak")}});
  dec.Feed(Direction::kServerToClient, row);
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kError);
  EXPECT_THAT(std::string(dec.status(Direction::kServerToClient).message()),
              HasSubstr("DataRow: not allowed before the server's first ReadyForQuery"));
}

TEST(PostgresCodec, ClientQueryBeforeAuthenticationWaitsForTheServer) {
  Decoder dec;
  const std::string bytes =
      Encode(StartupMessage{kProtocol30, {{"user", "u"}}}) + Encode(Query{"SELECT 1"});
  dec.Feed(Direction::kClientToServer, bytes);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kNeedPeer);
  // The server rejects the login: the query can never be valid.
  const std::string err = Encode(ErrorResponse{{{'S', "FATAL"}, {'C', "28P01"}}});
  dec.Feed(Direction::kServerToClient, err);
  ASSERT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kFrame);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kError);
}

TEST(PostgresCodec, BytesFedWhileWaitingForThePeerAreKept) {
  // A client that pipelines its password and a query before the server has
  // asked for anything: both chunks are gone by the time the server speaks.
  const std::string startup = Encode(StartupMessage{kProtocol30, {{"user", "u"}}});
  const std::string password = Encode(PasswordMessage{"secret"});
  const std::string query = Encode(Query{"SELECT 1"});
  Decoder dec;
  Frame f;
  {
    const std::string chunk1 = startup + password.substr(0, 3);
    dec.Feed(Direction::kClientToServer, chunk1);
    ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
    EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kNeedPeer);
  }
  {
    const std::string chunk2 = password.substr(3) + query;
    dec.Feed(Direction::kClientToServer, chunk2);
    EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kNeedPeer);
  }
  EXPECT_EQ(dec.buffered(Direction::kClientToServer), password.size() + query.size());
  const std::string server = Encode(AuthenticationCleartextPassword{}) +
                             Encode(AuthenticationOk{}) + Encode(ReadyForQuery{'I'});
  dec.Feed(Direction::kServerToClient, server);
  while (dec.Next(Direction::kServerToClient, &f) == DecodeResult::kFrame) {
  }
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.type, MessageType::kPasswordMessage);
  EXPECT_EQ(f.bytes, password);
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.type, MessageType::kQuery);
  EXPECT_EQ(f.bytes, query);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kNeedMore);
  EXPECT_TRUE(dec.status(Direction::kClientToServer).ok());
}

TEST(PostgresCodec, BytesAfterCancelRequestAreRejected) {
  Decoder dec;
  const std::string bytes =
      Encode(CancelRequest{1, std::string_view("abcd")}) + Encode(Query{"x"});
  dec.Feed(Direction::kClientToServer, bytes);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  EXPECT_EQ(f.type, MessageType::kCancelRequest);
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kError);
}

TEST(PostgresCodec, BadSslAnswerIsRejected) {
  Decoder dec;
  const std::string ssl = Encode(SSLRequest{});
  dec.Feed(Direction::kClientToServer, ssl);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  dec.Feed(Direction::kServerToClient, "X");
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kError);
  EXPECT_THAT(std::string(dec.status(Direction::kServerToClient).message()),
              HasSubstr("SSLResponse: answer byte 0x58"));
}

TEST(PostgresCodec, UnknownAuthenticationCode) {
  Decoder dec;
  const std::string startup = Encode(StartupMessage{kProtocol30, {{"user", "u"}}});
  dec.Feed(Direction::kClientToServer, startup);
  Frame f;
  ASSERT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kFrame);
  const std::string bad = Tagged('R', 8, std::string("\0\0\0\x63", 4));
  dec.Feed(Direction::kServerToClient, bad);
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kError);
  EXPECT_THAT(std::string(dec.status(Direction::kServerToClient).message()),
              HasSubstr("unknown authentication request code 99"));
}

TEST(PostgresCodec, NoAllocationSizedByALengthThatHasNotArrived) {
  // A header announcing a message just under 1 GiB, then a trickle of bytes.
  Decoder dec({.start = DecoderOptions::Start::kNormal});
  const std::string header = Tagged('d', (1u << 30) - 1, "");
  const std::string some(1000, 'x');
  g_largest_alloc = 0;
  g_track_alloc = true;
  dec.Feed(Direction::kServerToClient, header);
  Frame f;
  EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kNeedMore);
  for (int i = 0; i < 10; ++i) {
    dec.Feed(Direction::kServerToClient, some);
    EXPECT_EQ(dec.Next(Direction::kServerToClient, &f), DecodeResult::kNeedMore);
  }
  g_track_alloc = false;
  EXPECT_EQ(dec.buffered(Direction::kServerToClient), header.size() + 10 * some.size());
  EXPECT_LT(g_largest_alloc.load(), std::size_t{64 * 1024});
}

TEST(PostgresCodec, MaxMessageSizeIsAnOption) {
  DecoderOptions opts;
  opts.start = DecoderOptions::Start::kNormal;
  opts.max_message_size = 100;
  Decoder dec(opts);
  const std::string big = Encode(CopyData{std::string(200, 'x')});
  dec.Feed(Direction::kClientToServer, big);
  Frame f;
  EXPECT_EQ(dec.Next(Direction::kClientToServer, &f), DecodeResult::kError);
  EXPECT_EQ(dec.status(Direction::kClientToServer).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(PostgresCodec, ParseMessageRejectsHandMadeFrames) {
  Frame f;
  f.type = MessageType::kDataRow;
  f.tag = 'D';
  f.body = std::string_view("\0\x05", 2);
  EXPECT_FALSE(ParseMessage(f).ok());
  f.type = MessageType::kAuthenticationOk;
  f.body = std::string_view("\0\0\0\x03", 4);  // body says CleartextPassword
  EXPECT_FALSE(ParseMessage(f).ok());
  EXPECT_FALSE(ParseAs<Query>(Frame{}).ok());
}

// ---------------------------------------------------------------------------
// Guard page: input placed right before an inaccessible page, so any read
// past its end faults.

class GuardedBuffer {
 public:
  GuardedBuffer() {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    size_ = page_ * 64;
    base_ = static_cast<char*>(mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base_ == MAP_FAILED) std::abort();
    if (mprotect(base_ + size_, page_, PROT_NONE) != 0) std::abort();
  }
  ~GuardedBuffer() { munmap(base_, size_ + page_); }
  // Copies `s` so that its last byte is the last readable byte.
  std::string_view Place(std::string_view s) {
    if (s.size() > size_) std::abort();
    char* p = base_ + size_ - s.size();
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

 private:
  std::size_t page_ = 0;
  std::size_t size_ = 0;
  char* base_ = nullptr;
};

void DecodeGuarded(std::string_view client, std::string_view server) {
  // Two guarded buffers: each stream ends at a protected page.
  static GuardedBuffer gc, gs;
  const std::string_view c = gc.Place(client);
  const std::string_view s = gs.Place(server);
  (void)DecodeRecorded(c, s, [](Direction, const Frame& f) {
    absl::StatusOr<Message> m = ParseMessage(f);
    EXPECT_TRUE(m.ok()) << m.status();
    if (f.type == MessageType::kDataRow) {
      std::size_t total = 0;
      for (const Value& v : DataRowCells(f)) total += v ? v->size() : 0;
      (void)total;
    }
  });
}

TEST(PostgresCodec, GuardPageEveryTruncation) {
  const Conversation c = RealisticSession();
  for (std::size_t n = 0; n <= c.server.size(); ++n) {
    DecodeGuarded(c.client, std::string_view(c.server).substr(0, n));
  }
  for (std::size_t n = 0; n <= c.client.size(); ++n) {
    DecodeGuarded(std::string_view(c.client).substr(0, n), c.server);
  }
}

TEST(PostgresCodec, GuardPageCorruptedBytes) {
  // Flip each byte of the server stream in turn: decoding must end cleanly
  // (a frame sequence or an error), never read past the end.
  const Conversation c = RealisticSession();
  std::string server = c.server;
  for (std::size_t i = 0; i < server.size(); ++i) {
    const char saved = server[i];
    server[i] = static_cast<char>(saved ^ 0x80);
    DecodeGuarded(c.client, server);
    server[i] = saved;
  }
}

}  // namespace
}  // namespace hoop::wire::postgres
