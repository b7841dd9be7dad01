// Copyright 2026 The hoop Authors.

#include "tests/wire/postgres_test_util.h"

#include <algorithm>
#include <ostream>

namespace hoop::wire::postgres::testing {

std::ostream& operator<<(std::ostream& os, const OwnedFrame& f) {
  return os << DirectionName(f.dir) << " " << MessageTypeName(f.type) << " @" << f.offset
            << " (" << f.bytes.size() << " bytes)";
}

Conversation RealisticSession() {
  Conversation c;
  auto C = [&c](const Message& m) { Encode(m, &c.client); };
  auto S = [&c](const Message& m) { Encode(m, &c.server); };

  // TLS refused, then startup and SCRAM-SHA-256.
  C(SSLRequest{});
  S(SSLResponse{'N'});
  C(StartupMessage{kProtocol30,
                   {{"user", "alice"}, {"database", "app"}, {"application_name", "psql"}}});
  S(AuthenticationSASL{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}});
  C(SASLInitialResponse{"SCRAM-SHA-256", std::string_view("n,,n=,r=rOprNGfwEbeRWgbNEkqO")});
  S(AuthenticationSASLContinue{"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                               "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"});
  C(SASLResponse{"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                 "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="});
  S(AuthenticationSASLFinal{"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="});
  S(AuthenticationOk{});
  S(ParameterStatus{"server_version", "15.18"});
  S(ParameterStatus{"client_encoding", "UTF8"});
  S(BackendKeyData{4242, "\x01\x02\x03\x04"});
  S(ReadyForQuery{'I'});

  // Simple query with rows, a NULL and a binary-looking value.
  C(Query{"SELECT id, email, note FROM customers;"});
  S(RowDescription{{{"id", 16389, 1, 23, 4, -1, 0},
                    {"email", 16389, 2, 25, -1, -1, 0},
                    {"note", 16389, 3, 17, -1, -1, 0}}});
  S(DataRow{{std::string_view("1"), std::string_view("jane.roe@example.com"), std::nullopt}});
  S(DataRow{{std::string_view("2"), std::string_view(""), std::string_view("\\x00ff")}});
  S(CommandComplete{"SELECT 2"});
  S(ReadyForQuery{'I'});

  // A notice, then an error inside a transaction.
  C(Query{"BEGIN; DO $$ BEGIN RAISE NOTICE 'hello'; END $$; SELECT 1/0;"});
  S(CommandComplete{"BEGIN"});
  S(NoticeResponse{{{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"}, {'M', "hello"}}});
  S(CommandComplete{"DO"});
  S(ErrorResponse{{{'S', "ERROR"},
                   {'V', "ERROR"},
                   {'C', "22012"},
                   {'M', "division by zero"},
                   {'F', "int.c"},
                   {'L', "841"},
                   {'R', "int4div"}}});
  S(ReadyForQuery{'E'});
  C(Query{"ROLLBACK"});
  S(CommandComplete{"ROLLBACK"});
  S(ReadyForQuery{'I'});

  // Empty query.
  C(Query{""});
  S(EmptyQueryResponse{});
  S(ReadyForQuery{'I'});

  // Extended protocol: parse, bind with a NULL and a binary parameter,
  // describe, execute with a row limit (portal suspended), close, sync.
  C(Parse{"s1", "SELECT $1::text, $2::int4", {25, 23}});
  C(Bind{"p1", "s1", {0, 1}, {std::nullopt, std::string_view("\0\0\0\x07", 4)}, {0}});
  C(Describe{'P', "p1"});
  C(Execute{"p1", 1});
  C(Close{'P', "p1"});
  C(Close{'S', "s1"});
  C(Sync{});
  S(ParseComplete{});
  S(BindComplete{});
  S(RowDescription{{{"text", 0, 0, 25, -1, -1, 0}, {"int4", 0, 0, 23, 4, -1, 0}}});
  S(DataRow{{std::nullopt, std::string_view("7")}});
  S(PortalSuspended{});
  S(CloseComplete{});
  S(CloseComplete{});
  S(ReadyForQuery{'I'});
  C(Parse{"", "INSERT INTO t VALUES ($1)", {}});
  C(Describe{'S', ""});
  C(Flush{});
  S(ParseComplete{});
  S(ParameterDescription{{23}});
  S(NoData{});
  C(Sync{});
  S(ReadyForQuery{'I'});

  // COPY FROM STDIN, then COPY TO STDOUT.
  C(Query{"COPY t FROM STDIN"});
  S(CopyInResponse{{0, {0, 0}}});
  C(CopyData{"1\tjane@example.com\n"});
  C(CopyData{"2\t\\N\n"});
  C(CopyDone{});
  S(CommandComplete{"COPY 2"});
  S(ReadyForQuery{'I'});
  C(Query{"COPY t TO STDOUT"});
  S(CopyOutResponse{{0, {0, 0}}});
  S(CopyData{"1\tjane@example.com\n"});
  S(CopyData{"2\t\\N\n"});
  S(CopyDone{});
  S(CommandComplete{"COPY 2"});
  S(ReadyForQuery{'I'});
  C(Query{"COPY t FROM STDIN"});
  S(CopyInResponse{{0, {0, 0}}});
  C(CopyFail{"aborted by user"});
  S(ErrorResponse{{{'S', "ERROR"}, {'C', "57014"}, {'M', "COPY from stdin failed"}}});
  S(ReadyForQuery{'I'});

  // LISTEN / NOTIFY, a parameter change, and a function call.
  C(Query{"LISTEN jobs; NOTIFY jobs, 'payload'"});
  S(CommandComplete{"LISTEN"});
  S(CommandComplete{"NOTIFY"});
  S(NotificationResponse{4242, "jobs", "payload"});
  S(ReadyForQuery{'I'});
  C(Query{"SET TimeZone = 'UTC'"});
  S(CommandComplete{"SET"});
  S(ParameterStatus{"TimeZone", "UTC"});
  S(ReadyForQuery{'I'});
  C(FunctionCall{1598, {1}, {std::string_view("\0\0\0\x02", 4)}, 1});
  S(FunctionCallResponse{std::string_view("\0\0\0\x04", 4)});
  S(ReadyForQuery{'I'});

  C(Terminate{});
  return c;
}

namespace {

// Cuts `s` at the offsets, never producing empty chunks.
std::vector<std::string_view> Chunks(std::string_view s, const std::vector<std::size_t>& cuts) {
  std::vector<std::string_view> out;
  std::size_t prev = 0;
  for (std::size_t cut : cuts) {
    if (cut <= prev || cut >= s.size()) continue;
    out.push_back(s.substr(prev, cut - prev));
    prev = cut;
  }
  if (prev < s.size()) out.push_back(s.substr(prev));
  return out;
}

bool ClientWaits(MessageType t) {
  switch (t) {
    case MessageType::kStartupMessage:
    case MessageType::kSSLRequest:
    case MessageType::kGSSENCRequest:
    case MessageType::kPasswordMessage:
    case MessageType::kSASLInitialResponse:
    case MessageType::kSASLResponse:
    case MessageType::kGSSResponse:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status DecodeWithCuts(const Conversation& c, const std::vector<std::size_t>& client_cuts,
                            const std::vector<std::size_t>& server_cuts,
                            std::vector<OwnedFrame>* frames, DecoderOptions options) {
  Decoder dec(options);
  const std::vector<std::string_view> chunks[2] = {Chunks(c.client, client_cuts),
                                                   Chunks(c.server, server_cuts)};
  std::size_t next[2] = {0, 0};
  bool done[2] = {false, false};
  for (;;) {
    bool progress = false;
    for (int i = 0; i < 2; ++i) {
      const auto dir = static_cast<Direction>(i);
      while (!done[i]) {
        Frame f;
        const DecodeResult r = dec.Next(dir, &f);
        if (r == DecodeResult::kFrame) {
          frames->push_back({dir, f.type, f.offset, std::string(f.bytes)});
          progress = true;
          // Let the server answer the client's startup and auth messages.
          if (dir == Direction::kClientToServer && ClientWaits(f.type)) break;
          continue;
        }
        if (r == DecodeResult::kError) return dec.status(dir);
        if (r == DecodeResult::kEncrypted) {
          done[i] = true;
          break;
        }
        if (r == DecodeResult::kNeedPeer) break;
        if (next[i] == chunks[i].size()) {
          done[i] = true;
          break;
        }
        dec.Feed(dir, chunks[i][next[i]++]);
        progress = true;
      }
    }
    if (!progress) break;
  }
  for (int i = 0; i < 2; ++i) {
    const auto dir = static_cast<Direction>(i);
    if (dec.buffered(dir) > 0 || next[i] < chunks[i].size()) {
      return absl::DataLossError("bytes left undecoded");
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeAll(const Conversation& c, std::vector<OwnedFrame>* frames,
                       std::size_t max_chunk, DecoderOptions options) {
  RecordedOptions ro;
  ro.decoder = options;
  ro.max_chunk = max_chunk;
  return DecodeRecorded(
      c.client, c.server,
      [frames](Direction dir, const Frame& f) {
        frames->push_back({dir, f.type, f.offset, std::string(f.bytes)});
      },
      ro);
}

}  // namespace hoop::wire::postgres::testing
