// Copyright 2026 The hoop Authors.
//
// Every PostgreSQL capture under ../shared/corpora decodes, whole and in small
// chunks alike, and its message sequence matches Wireshark's (tshark's) decode
// of the same capture. Skips when ../shared is absent (a user's clone).
//
// Where we and tshark differ on purpose:
//  - SSLResponse / GSSENCResponse (the server's one-byte answer) are frames
//    here; tshark shows no PDU for them.
//  - Adversarial captures are rejected here with an error, where tshark
//    prints what it could (listed in kRejected with the error we expect).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/wire/postgres.h"

namespace hoop::wire::postgres {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path Corpora() {
  if (const char* env = std::getenv("HOOP_CORPORA")) return env;
  return HOOP_CORPORA_DIR;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadMaybeGzip(const fs::path& p) {
  if (p.extension() != ".gz") return ReadFile(p);
  std::string cmd = "gzip -dc '" + p.string() + "'";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {};
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

// tshark's name for a message ("pgsql.type"), with the auth code for 'R'.
std::string TsharkName(MessageType t) {
  switch (t) {
    case MessageType::kStartupMessage: return "Startup message";
    case MessageType::kSSLRequest: return "SSL request";
    case MessageType::kGSSENCRequest: return "GSS encrypt request";
    case MessageType::kCancelRequest: return "Cancel request";
    case MessageType::kAuthenticationOk: return "Authentication request/0";
    case MessageType::kAuthenticationKerberosV5: return "Authentication request/2";
    case MessageType::kAuthenticationCleartextPassword: return "Authentication request/3";
    case MessageType::kAuthenticationMD5Password: return "Authentication request/5";
    case MessageType::kAuthenticationGSS: return "Authentication request/7";
    case MessageType::kAuthenticationGSSContinue: return "Authentication request/8";
    case MessageType::kAuthenticationSSPI: return "Authentication request/9";
    case MessageType::kAuthenticationSASL: return "Authentication request/10";
    case MessageType::kAuthenticationSASLContinue: return "Authentication request/11";
    case MessageType::kAuthenticationSASLFinal: return "Authentication request/12";
    case MessageType::kPasswordMessage: return "Password message";
    case MessageType::kSASLInitialResponse: return "SASLInitialResponse message";
    case MessageType::kSASLResponse: return "SASLResponse message";
    case MessageType::kGSSResponse: return "GSSResponse message";
    case MessageType::kQuery: return "Simple query";
    case MessageType::kParse: return "Parse";
    case MessageType::kBind: return "Bind";
    case MessageType::kDescribe: return "Describe";
    case MessageType::kExecute: return "Execute";
    case MessageType::kSync: return "Sync";
    case MessageType::kFlush: return "Flush";
    case MessageType::kClose: return "Close";
    case MessageType::kFunctionCall: return "Function call";
    case MessageType::kTerminate: return "Termination";
    case MessageType::kCopyData: return "Copy data";
    case MessageType::kCopyDone: return "Copy completion";
    case MessageType::kCopyFail: return "Copy failure";
    case MessageType::kBackendKeyData: return "Backend key data";
    case MessageType::kBindComplete: return "Bind completion";
    case MessageType::kCloseComplete: return "Close completion";
    case MessageType::kCommandComplete: return "Command completion";
    case MessageType::kCopyInResponse: return "CopyIn response";
    case MessageType::kCopyOutResponse: return "CopyOut response";
    case MessageType::kCopyBothResponse: return "CopyBoth response";
    case MessageType::kDataRow: return "Data row";
    case MessageType::kEmptyQueryResponse: return "Empty query";
    case MessageType::kErrorResponse: return "Error";
    case MessageType::kFunctionCallResponse: return "Function call response";
    case MessageType::kNegotiateProtocolVersion: return "Negotiate protocol version";
    case MessageType::kNoData: return "No data";
    case MessageType::kNoticeResponse: return "Notice";
    case MessageType::kNotificationResponse: return "Notification";
    case MessageType::kParameterDescription: return "Parameter description";
    case MessageType::kParameterStatus: return "Parameter status";
    case MessageType::kParseComplete: return "Parse completion";
    case MessageType::kPortalSuspended: return "Portal suspended";
    case MessageType::kReadyForQuery: return "Ready for query";
    case MessageType::kRowDescription: return "Row description";
    default: return "";
  }
}

// Captures that are malformed on purpose, with the error they must give.
const std::map<std::string, std::string>& Rejected() {
  static const auto* m = new std::map<std::string, std::string>{
      {"zeek-bad-startup-message-1", "invalid startup packet length 3"},
      {"zeek-bad-backend-message-1", "ReadyForQuery: invalid length 1"},
      {"zeek-mysql-on-port-5432", "invalid startup packet length"},
      {"suricata-unknown-message", "unsupported protocol version 255.255"},
  };
  return *m;
}

struct Capture {
  std::string name;
  fs::path streams;  // the .streams folder
  fs::path tshark;   // the .tshark.jsonl[.gz]
};

std::vector<Capture> PostgresCaptures() {
  std::vector<Capture> out;
  const fs::path root = Corpora();
  for (const auto& [dir, prefix] : {std::pair{root / "live", std::string("pg-")},
                                    std::pair{root / "pcap" / "pgsql", std::string()}}) {
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string fname = e.path().filename().string();
      if (e.path().extension() != ".streams" || fname.rfind(prefix, 0) != 0) continue;
      Capture c;
      c.name = e.path().stem().string();
      c.streams = e.path();
      c.tshark = dir / (c.name + ".tshark.jsonl");
      if (!fs::exists(c.tshark)) c.tshark = dir / (c.name + ".tshark.jsonl.gz");
      out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

// tshark's message names per (stream, "c2s"/"s2c").
std::map<std::pair<int, std::string>, std::vector<std::string>> TsharkSequences(
    const fs::path& p) {
  std::map<std::pair<int, std::string>, std::vector<std::string>> out;
  std::istringstream in(ReadMaybeGzip(p));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json j = json::parse(line);
    auto& seq = out[{j["tcp_stream"].get<int>(), j["dir"].get<std::string>()}];
    for (const json& pdu : j["pdus"]) {
      std::string name = pdu.value("pgsql.type", "");
      if (name == "Authentication request") name += "/" + pdu.value("pgsql.authtype", "?");
      seq.push_back(name);
    }
  }
  return out;
}

struct Decoded {
  absl::Status status;
  std::vector<std::string> names[2];  // tshark names per direction
  std::vector<std::pair<MessageType, std::string>> frames[2];
};

Decoded Decode(std::string_view c2s, std::string_view s2c, std::size_t max_chunk) {
  Decoded d;
  RecordedOptions opts;
  opts.max_chunk = max_chunk;
  d.status = DecodeRecorded(
      c2s, s2c,
      [&d](Direction dir, const Frame& f) {
        const int i = static_cast<int>(dir);
        d.frames[i].emplace_back(f.type, std::string(f.bytes));
        const std::string name = TsharkName(f.type);
        if (!name.empty()) d.names[i].push_back(name);
      },
      opts);
  return d;
}

TEST(PostgresCorpora, EveryCaptureMatchesWireshark) {
  const std::vector<Capture> captures = PostgresCaptures();
  if (captures.empty()) GTEST_SKIP() << "no corpora at " << Corpora();
  int streams_checked = 0;
  for (const Capture& cap : captures) {
    SCOPED_TRACE(cap.name);
    const auto tshark = TsharkSequences(cap.tshark);
    const json index = json::parse(ReadFile(cap.streams / "index.json"));
    for (const json& s : index["streams"]) {
      const int n = s["stream"].get<int>();
      SCOPED_TRACE("stream " + std::to_string(n));
      const std::string c2s = ReadFile(cap.streams / ("stream-" + std::to_string(n) + ".c2s"));
      const std::string s2c = ReadFile(cap.streams / ("stream-" + std::to_string(n) + ".s2c"));
      const Decoded whole = Decode(c2s, s2c, 0);
      const auto rejected = Rejected().find(cap.name);
      if (rejected != Rejected().end()) {
        ASSERT_FALSE(whole.status.ok());
        EXPECT_THAT(std::string(whole.status.message()), ::testing::HasSubstr(rejected->second));
      } else {
        ASSERT_TRUE(whole.status.ok()) << whole.status;
      }
      // tshark's sequence, or (for a rejected capture) the frames before the
      // fault must be what tshark shows first.
      const char* dirs[2] = {"c2s", "s2c"};
      for (int i = 0; i < 2; ++i) {
        auto it = tshark.find({n, dirs[i]});
        const std::vector<std::string> expected =
            it == tshark.end() ? std::vector<std::string>{} : it->second;
        if (rejected == Rejected().end()) {
          EXPECT_EQ(whole.names[i], expected) << dirs[i];
        } else {
          ASSERT_LE(whole.names[i].size(), expected.size()) << dirs[i];
          EXPECT_TRUE(std::equal(whole.names[i].begin(), whole.names[i].end(),
                                 expected.begin()))
              << dirs[i];
        }
      }
      // Chunking must not change anything (byte by byte for small streams).
      std::vector<std::size_t> chunks = {7, 4096};
      if (c2s.size() + s2c.size() < 64 * 1024) chunks.push_back(1);
      for (std::size_t chunk : chunks) {
        const Decoded split = Decode(c2s, s2c, chunk);
        EXPECT_EQ(split.status, whole.status) << "chunk " << chunk;
        EXPECT_EQ(split.frames[0], whole.frames[0]) << "chunk " << chunk;
        EXPECT_EQ(split.frames[1], whole.frames[1]) << "chunk " << chunk;
      }
      ++streams_checked;
    }
  }
  EXPECT_GT(streams_checked, 30);
}

}  // namespace
}  // namespace hoop::wire::postgres
