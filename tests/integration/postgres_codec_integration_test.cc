// Copyright 2026 The hoop Authors.
//
// The PostgreSQL codec against a real PostgreSQL 15: a throwaway server on
// loopback (pg_server.h), spoken to over TCP with nothing but the codec's
// Encode and Decoder plus the SCRAM-SHA-256 client (postgres_auth.h).
//
// Every byte either side sends goes through two decoders: one fed the chunks
// as recv() returns them (the recv sizes vary on purpose), one fed one byte at
// a time. They must yield identical frames, and the bytes we send are fed to
// the client direction of both, so the client's 'p' messages are named
// (PasswordMessage / SASLInitialResponse / SASLResponse) from what the server
// asked for.
//
// Sockets are plain blocking POSIX sockets with a receive timeout: a test
// waits for one reply at a time, and a lost reply must fail, not hang.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/wire/postgres.h"
#include "hoop/wire/postgres_auth.h"
#include "tests/integration/pg_server.h"

namespace hoop::wire::postgres {
namespace {

using ::hoop::testing::PgServer;
using ::hoop::testing::PgServerOptions;
using ::hoop::wire::postgres::ScramClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDatabase[] = "hoop_db";
constexpr char kScramUser[] = "hoop_app";  // scram-sha-256 (pg_hba)
constexpr char kScramPassword[] = "app-secret-1";
constexpr char kClearUser[] = "hoop_clear";  // `password`: cleartext
constexpr char kClearPassword[] = "clear-secret-2";

// A decoded frame that owns its bytes (a Frame's views die at the next Feed).
struct OwnedFrame {
  MessageType type = MessageType::kUnknown;
  char tag = '\0';
  std::uint64_t offset = 0;
  std::string bytes;
  std::size_t body_offset = 0;

  Frame view() const {
    const std::string_view all(bytes);
    return Frame{type, tag, offset, all, all.substr(body_offset)};
  }
  std::string_view name() const { return MessageTypeName(type); }
  bool operator==(const OwnedFrame&) const = default;
};

std::ostream& operator<<(std::ostream& os, const OwnedFrame& f) {
  return os << f.name() << "@" << f.offset << "(" << f.bytes.size()
            << " bytes)";
}

OwnedFrame Own(const Frame& f) {
  OwnedFrame o{f.type, f.tag, f.offset, std::string(f.bytes), f.bytes.size()};
  if (f.body.data() != nullptr) {
    o.body_offset = static_cast<std::size_t>(f.body.data() - f.bytes.data());
  }
  return o;
}

template <typename T>
T As(const OwnedFrame& f) {
  absl::StatusOr<T> m = ParseAs<T>(f.view());
  EXPECT_TRUE(m.ok()) << f << ": " << m.status();
  return m.ok() ? *std::move(m) : T{};
}

std::vector<std::string> Names(const std::vector<OwnedFrame>& frames) {
  std::vector<std::string> names;
  for (const OwnedFrame& f : frames) names.emplace_back(f.name());
  return names;
}

std::vector<Value> Cells(const OwnedFrame& f) {
  std::vector<Value> cells;
  const Frame view = f.view();
  for (const Value& c : DataRowCells(view)) cells.push_back(c);
  return cells;
}

// Decodes everything `dec` holds for `dir` into `out`. A live connection is
// fed in order, so kNeedPeer, kEncrypted and kError are all failures here.
void Drain(Decoder& dec, Direction dir, std::vector<OwnedFrame>* out) {
  Frame f;
  for (;;) {
    const DecodeResult r = dec.Next(dir, &f);
    if (r == DecodeResult::kFrame) {
      out->push_back(Own(f));
      continue;
    }
    if (r == DecodeResult::kNeedMore) return;
    ADD_FAILURE() << DirectionName(dir) << " decoder stopped with result "
                  << static_cast<int>(r) << ": " << dec.status(dir);
    return;
  }
}

// One client connection that decodes both directions twice (see top).
class PgConnection {
 public:
  static std::unique_ptr<PgConnection> Open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      ADD_FAILURE() << "socket: " << std::strerror(errno);
      return nullptr;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ADD_FAILURE() << "connect to port " << port << ": "
                    << std::strerror(errno);
      ::close(fd);
      return nullptr;
    }
    timeval tv{15, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return std::unique_ptr<PgConnection>(new PgConnection(fd));
  }

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  ~PgConnection() {
    ::close(fd_);
    // Whatever the bytes were cut into, the frames are the same.
    EXPECT_EQ(server_frames_, bytewise_server_frames_);
    EXPECT_EQ(client_frames_, bytewise_client_frames_);
    for (Direction dir :
         {Direction::kClientToServer, Direction::kServerToClient}) {
      EXPECT_TRUE(decoder_.status(dir).ok()) << decoder_.status(dir);
      EXPECT_TRUE(bytewise_.status(dir).ok()) << bytewise_.status(dir);
      EXPECT_EQ(decoder_.buffered(dir), 0u) << DirectionName(dir);
    }
  }

  // Encodes `messages` into one write (pipelined, as drivers do), decoding
  // them as the client direction first.
  void Send(std::initializer_list<Message> messages) {
    std::string out;
    for (const Message& m : messages) Encode(m, &out);
    SendRaw(out);
  }
  void Send(const Message& message) { SendRaw(Encode(message)); }

  void SendRaw(const std::string& bytes) {
    Decode(Direction::kClientToServer, bytes, &client_frames_,
           &bytewise_client_frames_);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n =
          ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ADD_FAILURE() << "send: " << std::strerror(errno);
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  // The server's next frame; nullopt when the server closed the connection
  // (eof() then says so) or nothing came within the timeout (a failure).
  std::optional<OwnedFrame> Receive() {
    // Vary the read size so frames are cut in many places, not only where
    // the server's writes end.
    static constexpr std::size_t kReadSizes[] = {16384, 5, 16384, 1000, 2, 64};
    while (next_ == server_frames_.size()) {
      if (eof_) return std::nullopt;
      char buf[16384];
      const std::size_t want = kReadSizes[reads_++ % std::size(kReadSizes)];
      const ssize_t n = ::recv(fd_, buf, want, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        eof_ = true;
        return std::nullopt;
      }
      if (n < 0) {
        ADD_FAILURE() << "recv: " << std::strerror(errno)
                      << " (no reply from the server)";
        eof_ = true;
        return std::nullopt;
      }
      Decode(Direction::kServerToClient,
             std::string_view(buf, static_cast<std::size_t>(n)),
             &server_frames_, &bytewise_server_frames_);
    }
    return server_frames_[next_++];
  }

  // Frames up to and including the next ReadyForQuery (or until EOF).
  std::vector<OwnedFrame> ReceiveUntilReady() {
    std::vector<OwnedFrame> frames;
    while (std::optional<OwnedFrame> f = Receive()) {
      frames.push_back(*std::move(f));
      if (frames.back().type == MessageType::kReadyForQuery) break;
    }
    return frames;
  }

  // Startup and authentication (SCRAM-SHA-256 or cleartext, as the server
  // asks). Returns the server's frames up to ReadyForQuery, or up to the
  // ErrorResponse and EOF when the login fails.
  std::vector<OwnedFrame> Login(const std::string& user,
                                const std::string& password,
                                const std::string& database = kDatabase) {
    Send(StartupMessage{kProtocol30,
                        {{"user", user},
                         {"database", database},
                         {"application_name", "hoop-integration-test"}}});
    ScramClient scram(password);
    std::vector<OwnedFrame> frames;
    while (std::optional<OwnedFrame> f = Receive()) {
      frames.push_back(*f);
      switch (f->type) {
        case MessageType::kAuthenticationSASL: {
          const auto sasl = As<AuthenticationSASL>(*f);
          EXPECT_THAT(sasl.mechanisms, ::testing::Contains("SCRAM-SHA-256"));
          const std::string first = scram.ClientFirst();
          Send(SASLInitialResponse{"SCRAM-SHA-256", first});
          break;
        }
        case MessageType::kAuthenticationSASLContinue: {
          const std::string server_first(
              As<AuthenticationSASLContinue>(*f).data);
          absl::StatusOr<std::string> final_message =
              scram.ClientFinal(server_first);
          EXPECT_TRUE(final_message.ok()) << final_message.status();
          Send(SASLResponse{final_message.ok() ? *final_message
                                               : std::string()});
          break;
        }
        case MessageType::kAuthenticationSASLFinal: {
          const auto fin = As<AuthenticationSASLFinal>(*f);
          const absl::Status verified = scram.VerifyServerFinal(fin.data);
          EXPECT_TRUE(verified.ok()) << verified;
          break;
        }
        case MessageType::kAuthenticationCleartextPassword:
          Send(PasswordMessage{password});
          break;
        case MessageType::kParameterStatus: {
          const auto ps = As<ParameterStatus>(*f);
          parameters_[std::string(ps.name)] = std::string(ps.value);
          break;
        }
        case MessageType::kBackendKeyData: {
          const auto key = As<BackendKeyData>(*f);
          backend_pid_ = key.process_id;
          secret_key_ = std::string(key.secret_key);
          break;
        }
        default:
          break;
      }
      if (f->type == MessageType::kReadyForQuery) break;
    }
    return frames;
  }

  // Login that must succeed; false (after a failure was recorded) otherwise.
  bool LoginOk(const std::string& user = kScramUser,
               const std::string& password = kScramPassword) {
    const std::vector<OwnedFrame> frames = Login(user, password);
    if (frames.empty() || frames.back().type != MessageType::kReadyForQuery) {
      ADD_FAILURE() << "login as " << user
                    << " failed: " << ::testing::PrintToString(frames);
      return false;
    }
    return true;
  }

  // Sends a simple Query and returns everything up to ReadyForQuery.
  std::vector<OwnedFrame> Query(std::string_view sql) {
    Send(postgres::Query{sql});
    return ReceiveUntilReady();
  }

  bool eof() const { return eof_; }
  const Decoder& decoder() const { return decoder_; }
  const std::vector<OwnedFrame>& client_frames() const {
    return client_frames_;
  }
  const std::map<std::string, std::string>& parameters() const {
    return parameters_;
  }
  std::int32_t backend_pid() const { return backend_pid_; }
  const std::string& secret_key() const { return secret_key_; }

 private:
  explicit PgConnection(int fd) : fd_(fd) {}

  void Decode(Direction dir, std::string_view chunk,
              std::vector<OwnedFrame>* frames,
              std::vector<OwnedFrame>* bytewise_frames) {
    decoder_.Feed(dir, chunk);
    Drain(decoder_, dir, frames);
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      bytewise_.Feed(dir, chunk.substr(i, 1));
      Drain(bytewise_, dir, bytewise_frames);
    }
  }

  int fd_;
  bool eof_ = false;
  std::size_t reads_ = 0;
  Decoder decoder_;   // fed what recv() returned
  Decoder bytewise_;  // fed one byte at a time
  std::vector<OwnedFrame> server_frames_, client_frames_;
  std::vector<OwnedFrame> bytewise_server_frames_, bytewise_client_frames_;
  std::size_t next_ = 0;  // server_frames_[next_] is the next for Receive()
  std::map<std::string, std::string> parameters_;
  std::int32_t backend_pid_ = 0;
  std::string secret_key_;
};

// ---------------------------------------------------------------------------
// One server for the whole suite.

class PostgresCodecIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PgServerOptions options;
    // Another PostgreSQL's binaries (or none, to see the skip) may be chosen.
    if (const char* bin_dir = std::getenv("HOOP_PG_BIN_DIR"))
      options.bin_dir = bin_dir;
    options.hba = {
        std::string("host all ") + kClearUser + " 127.0.0.1/32 password",
        "host all all 127.0.0.1/32 scram-sha-256"};
    if (absl::Status s = PgServer::CheckAvailable(options); !s.ok()) {
      *skip_reason_ = std::string(s.message());
      return;
    }
    absl::StatusOr<std::unique_ptr<PgServer>> server = PgServer::Start(options);
    if (!server.ok()) {
      *start_error_ = server.status().ToString();
      return;
    }
    server_ = server->release();
    absl::StatusOr<std::string> setup = server_->Psql(
        std::string("CREATE ROLE ") + kScramUser + " LOGIN PASSWORD '" +
        kScramPassword + "';\nCREATE ROLE " + kClearUser + " LOGIN PASSWORD '" +
        kClearPassword + "';\nCREATE DATABASE " + kDatabase + " OWNER " +
        kScramUser + ";\n");
    if (!setup.ok()) *start_error_ = setup.status().ToString();
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      const pid_t pid = server_->pid();
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
      EXPECT_NE(::kill(pid, 0), 0) << "postgres (pid " << pid << ") still runs";
      delete server_;  // removes the temp dir
      server_ = nullptr;
    }
  }

  void SetUp() override {
    if (!skip_reason_->empty())
      GTEST_SKIP() << "no PostgreSQL 15: " << *skip_reason_;
    ASSERT_TRUE(start_error_->empty()) << *start_error_;
    ASSERT_NE(server_, nullptr);
  }

  // A logged-in connection as the SCRAM user, or nullptr (failure recorded).
  static std::unique_ptr<PgConnection> Connect() {
    std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
    if (c != nullptr && !c->LoginOk()) return nullptr;
    return c;
  }

  static PgServer* server_;
  static std::string* const skip_reason_;
  static std::string* const start_error_;
};

PgServer* PostgresCodecIntegrationTest::server_ = nullptr;
std::string* const PostgresCodecIntegrationTest::skip_reason_ = new std::string;
std::string* const PostgresCodecIntegrationTest::start_error_ = new std::string;

TEST_F(PostgresCodecIntegrationTest, ScramSha256LoginAndStartupFrames) {
  std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames = c->Login(kScramUser, kScramPassword);
  ASSERT_FALSE(frames.empty());
  EXPECT_THAT(Names(frames),
              ::testing::IsSupersetOf(
                  {"AuthenticationSASL", "AuthenticationSASLContinue",
                   "AuthenticationSASLFinal", "AuthenticationOk",
                   "ParameterStatus", "BackendKeyData", "ReadyForQuery"}));
  ASSERT_GE(frames.size(), 4u);
  EXPECT_EQ(frames[0].type, MessageType::kAuthenticationSASL);
  EXPECT_EQ(frames[1].type, MessageType::kAuthenticationSASLContinue);
  EXPECT_EQ(frames[2].type, MessageType::kAuthenticationSASLFinal);
  EXPECT_EQ(frames[3].type, MessageType::kAuthenticationOk);
  EXPECT_EQ(frames[0].tag, 'R');
  EXPECT_EQ(As<ReadyForQuery>(frames.back()).status, 'I');
  EXPECT_THAT(As<AuthenticationSASL>(frames[0]).mechanisms,
              ::testing::Contains("SCRAM-SHA-256"));
  EXPECT_THAT(
      std::string(As<AuthenticationSASLContinue>(frames[1]).data),
      ::testing::AllOf(StartsWith("r="), HasSubstr(",s="), HasSubstr(",i=")));

  EXPECT_THAT(c->parameters().at("server_version"), StartsWith("15."));
  EXPECT_EQ(c->parameters().at("server_encoding"), "UTF8");
  EXPECT_EQ(c->parameters().at("application_name"), "hoop-integration-test");
  EXPECT_GT(c->backend_pid(), 0);
  EXPECT_TRUE(c->decoder().authenticated());
  EXPECT_TRUE(c->decoder().ready());
  EXPECT_EQ(c->decoder().protocol_version(), kProtocol30);

  // The client's 'p' messages were named from the server's requests.
  ASSERT_THAT(
      Names(c->client_frames()),
      ElementsAre("StartupMessage", "SASLInitialResponse", "SASLResponse"));
  const auto startup = As<StartupMessage>(c->client_frames()[0]);
  EXPECT_EQ(startup.protocol_version, kProtocol30);
  EXPECT_THAT(
      startup.parameters,
      ElementsAre(Parameter{"user", kScramUser},
                  Parameter{"database", kDatabase},
                  Parameter{"application_name", "hoop-integration-test"}));
  const auto initial = As<SASLInitialResponse>(c->client_frames()[1]);
  EXPECT_EQ(initial.mechanism, "SCRAM-SHA-256");
  ASSERT_TRUE(initial.data.has_value());
  EXPECT_THAT(std::string(*initial.data), StartsWith("n,,n=,r="));
  EXPECT_THAT(std::string(As<SASLResponse>(c->client_frames()[2]).data),
              ::testing::AllOf(StartsWith("c=biws,r="), HasSubstr(",p=")));
  EXPECT_EQ(c->client_frames()[1].tag, 'p');
}

TEST_F(PostgresCodecIntegrationTest,
       CleartextPasswordLoginNamesPasswordMessage) {
  std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames = c->Login(kClearUser, kClearPassword);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0].type, MessageType::kAuthenticationCleartextPassword);
  EXPECT_EQ(frames.back().type, MessageType::kReadyForQuery);
  ASSERT_THAT(Names(c->client_frames()),
              ElementsAre("StartupMessage", "PasswordMessage"));
  EXPECT_EQ(As<PasswordMessage>(c->client_frames()[1]).password,
            kClearPassword);
}

TEST_F(PostgresCodecIntegrationTest, SimpleQueryRowsAndNull) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames = c->Query(
      "CREATE TEMP TABLE people (id int4, name text, email text);"
      "INSERT INTO people VALUES (1, 'Alice Example', 'alice@example.com'),"
      " (2, 'Bob Example', NULL);"
      "SELECT id, name, email FROM people ORDER BY id");
  ASSERT_THAT(Names(frames), ElementsAre("CommandComplete", "CommandComplete",
                                         "RowDescription", "DataRow", "DataRow",
                                         "CommandComplete", "ReadyForQuery"));
  EXPECT_EQ(As<CommandComplete>(frames[0]).tag, "CREATE TABLE");
  EXPECT_EQ(As<CommandComplete>(frames[1]).tag, "INSERT 0 2");

  const RowDescription rd = As<RowDescription>(frames[2]);
  ASSERT_EQ(rd.fields.size(), 3u);
  EXPECT_EQ(rd.fields[0].name, "id");
  EXPECT_EQ(rd.fields[0].type_oid, 23u);  // int4
  EXPECT_EQ(rd.fields[0].type_size, 4);
  EXPECT_EQ(rd.fields[1].name, "name");
  EXPECT_EQ(rd.fields[1].type_oid, 25u);  // text
  EXPECT_EQ(rd.fields[1].type_size, -1);
  EXPECT_EQ(rd.fields[2].name, "email");
  EXPECT_EQ(rd.fields[2].type_oid, 25u);
  EXPECT_NE(rd.fields[0].table_oid, 0u);
  EXPECT_EQ(rd.fields[0].column_attribute, 1);
  EXPECT_EQ(rd.fields[2].column_attribute, 3);
  for (const FieldDescription& fd : rd.fields) EXPECT_EQ(fd.format, 0);

  EXPECT_THAT(Cells(frames[3]), ElementsAre(Value("1"), Value("Alice Example"),
                                            Value("alice@example.com")));
  EXPECT_THAT(Cells(frames[4]), ElementsAre(Value("2"), Value("Bob Example"),
                                            Value(std::nullopt)));
  EXPECT_EQ(As<DataRow>(frames[4]).values,
            (std::vector<Value>{"2", "Bob Example", std::nullopt}));
  EXPECT_EQ(As<CommandComplete>(frames[5]).tag, "SELECT 2");
  EXPECT_EQ(As<ReadyForQuery>(frames[6]).status, 'I');
}

TEST_F(PostgresCodecIntegrationTest, EmptyQuery) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  EXPECT_THAT(Names(c->Query("")),
              ElementsAre("EmptyQueryResponse", "ReadyForQuery"));
}

TEST_F(PostgresCodecIntegrationTest, ExtendedQueryWithParameters) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);

  // Unnamed statement and portal, one text parameter and one NULL.
  c->Send(
      {Parse{"", "SELECT $1::int4 + 1 AS next, $2::text AS label", {23, 25}},
       Bind{"", "", {0}, {Value("41"), std::nullopt}, {0}}, Describe{'P', ""},
       Execute{"", 0}, Sync{}});
  std::vector<OwnedFrame> frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames),
              ElementsAre("ParseComplete", "BindComplete", "RowDescription",
                          "DataRow", "CommandComplete", "ReadyForQuery"));
  const RowDescription rd = As<RowDescription>(frames[2]);
  ASSERT_EQ(rd.fields.size(), 2u);
  EXPECT_EQ(rd.fields[0].name, "next");
  EXPECT_EQ(rd.fields[0].type_oid, 23u);
  EXPECT_EQ(rd.fields[1].name, "label");
  EXPECT_EQ(rd.fields[1].type_oid, 25u);
  EXPECT_THAT(Cells(frames[3]), ElementsAre(Value("42"), Value(std::nullopt)));
  EXPECT_EQ(As<CommandComplete>(frames[4]).tag, "SELECT 1");
  EXPECT_EQ(As<ReadyForQuery>(frames[5]).status, 'I');

  // A named statement: Describe 'S' gives its parameter types and columns; a
  // row limit suspends the portal; Close closes the statement.
  c->Send({Parse{"series", "SELECT g FROM generate_series(1, $1) AS g", {}},
           Describe{'S', "series"}, Bind{"p1", "series", {}, {Value("3")}, {}},
           Execute{"p1", 2}, Execute{"p1", 0}, Close{'S', "series"}, Sync{}});
  frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames),
              ElementsAre("ParseComplete", "ParameterDescription",
                          "RowDescription", "BindComplete", "DataRow",
                          "DataRow", "PortalSuspended", "DataRow",
                          "CommandComplete", "CloseComplete", "ReadyForQuery"));
  EXPECT_EQ(As<ParameterDescription>(frames[1]).parameter_types,
            (std::vector<std::uint32_t>{23}));
  EXPECT_EQ(As<RowDescription>(frames[2]).fields.at(0).name, "g");
  EXPECT_THAT(Cells(frames[4]), ElementsAre(Value("1")));
  EXPECT_THAT(Cells(frames[5]), ElementsAre(Value("2")));
  EXPECT_THAT(Cells(frames[7]), ElementsAre(Value("3")));
  EXPECT_EQ(As<CommandComplete>(frames[8]).tag, "SELECT 1");

  // A statement without a result: NoData. Flush makes the server answer
  // before Sync; the new application_name is reported at ReadyForQuery.
  c->Send({Parse{"", "SET application_name = 'x'", {}},
           Bind{"", "", {}, {}, {}}, Describe{'P', ""}, Execute{"", 0},
           Flush{}});
  frames.clear();
  for (int i = 0; i < 4; ++i) {
    if (std::optional<OwnedFrame> f = c->Receive()) frames.push_back(*f);
  }
  EXPECT_THAT(Names(frames), ElementsAre("ParseComplete", "BindComplete",
                                         "NoData", "CommandComplete"));
  c->Send(Sync{});
  frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames), ElementsAre("ParameterStatus", "ReadyForQuery"));
  EXPECT_EQ(As<ParameterStatus>(frames[0]),
            (ParameterStatus{"application_name", "x"}));

  // Binary result format.
  c->Send({Parse{"", "SELECT 258::int4", {}}, Bind{"", "", {}, {}, {1}},
           Execute{"", 0}, Sync{}});
  frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames),
              ElementsAre("ParseComplete", "BindComplete", "DataRow",
                          "CommandComplete", "ReadyForQuery"));
  EXPECT_THAT(Cells(frames[2]),
              ElementsAre(Value(std::string_view("\0\0\x01\x02", 4))));

  // The client direction decoded all of it with the same field values.
  std::vector<std::string> client = Names(c->client_frames());
  EXPECT_EQ(std::count(client.begin(), client.end(), "Parse"), 4);
  EXPECT_EQ(std::count(client.begin(), client.end(), "Bind"), 4);
  for (const OwnedFrame& f : c->client_frames()) {
    if (f.type != MessageType::kBind) continue;
    const Bind b = As<Bind>(f);
    if (b.portal == "p1") {
      EXPECT_EQ(b.statement, "series");
      EXPECT_EQ(b.parameters, (std::vector<Value>{"3"}));
    }
  }
}

TEST_F(PostgresCodecIntegrationTest, CopyFromStdin) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_THAT(Names(c->Query("CREATE TEMP TABLE t (id int4, name text)")),
              ElementsAre("CommandComplete", "ReadyForQuery"));

  c->Send(Query{"COPY t FROM STDIN"});
  std::optional<OwnedFrame> f = c->Receive();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->type, MessageType::kCopyInResponse);
  const auto in = As<CopyInResponse>(*f);
  EXPECT_EQ(in.format, 0);
  EXPECT_EQ(in.column_formats, (std::vector<std::int16_t>{0, 0}));

  // A row split across two CopyData messages is fine: COPY data is a stream.
  c->Send({CopyData{"1\tone\n2\ttw"}, CopyData{"o\n3\t\\N\n"}, CopyDone{}});
  std::vector<OwnedFrame> frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames), ElementsAre("CommandComplete", "ReadyForQuery"));
  EXPECT_EQ(As<CommandComplete>(frames[0]).tag, "COPY 3");

  frames = c->Query("SELECT name FROM t ORDER BY id");
  ASSERT_THAT(Names(frames),
              ElementsAre("RowDescription", "DataRow", "DataRow", "DataRow",
                          "CommandComplete", "ReadyForQuery"));
  EXPECT_THAT(Cells(frames[2]), ElementsAre(Value("two")));
  EXPECT_THAT(Cells(frames[3]), ElementsAre(Value(std::nullopt)));

  // CopyFail aborts the COPY: ErrorResponse 57014 (query_canceled).
  c->Send(Query{"COPY t FROM STDIN"});
  f = c->Receive();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->type, MessageType::kCopyInResponse);
  c->Send({CopyData{"4\tfour\n"}, CopyFail{"the client gave up"}});
  frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames), ElementsAre("ErrorResponse", "ReadyForQuery"));
  const auto err = As<ErrorResponse>(frames[0]);
  EXPECT_EQ(err.Field('C'), "57014");
  EXPECT_THAT(std::string(err.Field('M')), HasSubstr("the client gave up"));

  std::vector<std::string> client = Names(c->client_frames());
  EXPECT_EQ(std::count(client.begin(), client.end(), "CopyData"), 3);
  EXPECT_EQ(std::count(client.begin(), client.end(), "CopyDone"), 1);
  EXPECT_EQ(std::count(client.begin(), client.end(), "CopyFail"), 1);
}

TEST_F(PostgresCodecIntegrationTest, CopyToStdout) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames = c->Query(
      "COPY (SELECT g, 'row ' || g, NULLIF(g, 2) FROM generate_series(1, 3) AS "
      "g) "
      "TO STDOUT");
  ASSERT_THAT(Names(frames),
              ElementsAre("CopyOutResponse", "CopyData", "CopyData", "CopyData",
                          "CopyDone", "CommandComplete", "ReadyForQuery"));
  const auto out = As<CopyOutResponse>(frames[0]);
  EXPECT_EQ(out.format, 0);
  EXPECT_EQ(out.column_formats, (std::vector<std::int16_t>{0, 0, 0}));
  EXPECT_EQ(As<CopyData>(frames[1]).data, "1\trow 1\t1\n");
  EXPECT_EQ(As<CopyData>(frames[2]).data, "2\trow 2\t\\N\n");
  EXPECT_EQ(As<CopyData>(frames[3]).data, "3\trow 3\t3\n");
  EXPECT_EQ(As<CommandComplete>(frames[5]).tag, "COPY 3");
}

TEST_F(PostgresCodecIntegrationTest, ErrorResponseThenReady) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  std::vector<OwnedFrame> frames = c->Query("SELECT 1/0");
  ASSERT_THAT(Names(frames), ElementsAre("ErrorResponse", "ReadyForQuery"));
  const auto err = As<ErrorResponse>(frames[0]);
  EXPECT_EQ(err.Field('S'), "ERROR");
  EXPECT_EQ(err.Field('V'), "ERROR");
  EXPECT_EQ(err.Field('C'), "22012");
  EXPECT_EQ(err.Field('M'), "division by zero");
  EXPECT_EQ(err.Field('D'), "");
  EXPECT_EQ(As<ReadyForQuery>(frames[1]).status, 'I');

  // Inside a transaction the error leaves it failed: ReadyForQuery 'E'.
  frames = c->Query("BEGIN; SELECT * FROM no_such_table");
  ASSERT_THAT(Names(frames),
              ElementsAre("CommandComplete", "ErrorResponse", "ReadyForQuery"));
  EXPECT_EQ(As<ErrorResponse>(frames[1]).Field('C'), "42P01");
  EXPECT_EQ(As<ErrorResponse>(frames[1]).Field('P'),
            "22");  // 1-based, in the whole string
  EXPECT_EQ(As<ReadyForQuery>(frames[2]).status, 'E');
  frames = c->Query("ROLLBACK");
  ASSERT_THAT(Names(frames), ElementsAre("CommandComplete", "ReadyForQuery"));
  EXPECT_EQ(As<ReadyForQuery>(frames[1]).status, 'I');

  // A unique violation carries detail, schema, table and constraint fields.
  frames = c->Query(
      "CREATE TEMP TABLE u (id int4 PRIMARY KEY); INSERT INTO u VALUES (1); "
      "INSERT INTO u VALUES (1)");
  ASSERT_THAT(Names(frames), ElementsAre("CommandComplete", "CommandComplete",
                                         "ErrorResponse", "ReadyForQuery"));
  const auto dup = As<ErrorResponse>(frames[2]);
  EXPECT_EQ(dup.Field('C'), "23505");
  EXPECT_EQ(dup.Field('D'), "Key (id)=(1) already exists.");
  EXPECT_EQ(dup.Field('t'), "u");
  EXPECT_EQ(dup.Field('n'), "u_pkey");
}

TEST_F(PostgresCodecIntegrationTest, NoticeResponse) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames =
      c->Query("DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$");
  ASSERT_THAT(Names(frames), ElementsAre("NoticeResponse", "CommandComplete",
                                         "ReadyForQuery"));
  const auto notice = As<NoticeResponse>(frames[0]);
  EXPECT_EQ(notice.Field('S'), "NOTICE");
  EXPECT_EQ(notice.Field('V'), "NOTICE");
  EXPECT_EQ(notice.Field('C'), "00000");
  EXPECT_EQ(notice.Field('M'), "hello 42");
  EXPECT_EQ(As<CommandComplete>(frames[1]).tag, "DO");
}

TEST_F(PostgresCodecIntegrationTest, ListenNotify) {
  std::unique_ptr<PgConnection> listener = Connect();
  ASSERT_NE(listener, nullptr);
  ASSERT_THAT(Names(listener->Query("LISTEN hoop_events")),
              ElementsAre("CommandComplete", "ReadyForQuery"));

  // Its own NOTIFY comes back before ReadyForQuery.
  std::vector<OwnedFrame> frames =
      listener->Query("NOTIFY hoop_events, 'self'");
  ASSERT_THAT(
      Names(frames),
      ElementsAre("CommandComplete", "NotificationResponse", "ReadyForQuery"));
  NotificationResponse n = As<NotificationResponse>(frames[1]);
  EXPECT_EQ(n.process_id, listener->backend_pid());
  EXPECT_EQ(n.channel, "hoop_events");
  EXPECT_EQ(n.payload, "self");

  // Another session's NOTIFY arrives unasked, while the listener is idle.
  std::unique_ptr<PgConnection> notifier = Connect();
  ASSERT_NE(notifier, nullptr);
  ASSERT_THAT(
      Names(notifier->Query("SELECT pg_notify('hoop_events', 'from afar')")),
      ElementsAre("RowDescription", "DataRow", "CommandComplete",
                  "ReadyForQuery"));
  std::optional<OwnedFrame> f = listener->Receive();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->type, MessageType::kNotificationResponse);
  n = As<NotificationResponse>(*f);
  EXPECT_EQ(n.process_id, notifier->backend_pid());
  EXPECT_EQ(n.channel, "hoop_events");
  EXPECT_EQ(n.payload, "from afar");
}

TEST_F(PostgresCodecIntegrationTest, SslRequestRefusedThenPlainStartup) {
  // ssl = off: the server answers 'N' and the client goes on in plain text.
  std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
  ASSERT_NE(c, nullptr);
  c->Send(SSLRequest{});
  std::optional<OwnedFrame> f = c->Receive();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MessageType::kSSLResponse);
  EXPECT_EQ(As<SSLResponse>(*f).answer, 'N');
  EXPECT_EQ(f->bytes, "N");
  ASSERT_TRUE(c->LoginOk());
  EXPECT_THAT(Names(c->client_frames()),
              ElementsAre("SSLRequest", "StartupMessage", "SASLInitialResponse",
                          "SASLResponse"));
  EXPECT_THAT(Names(c->Query("SELECT 1")),
              ElementsAre("RowDescription", "DataRow", "CommandComplete",
                          "ReadyForQuery"));
}

TEST_F(PostgresCodecIntegrationTest, GssencRequestAnswered) {
  // Debian's server is built with GSSAPI and answers 'G' on TCP even without
  // a keytab (a server built without it answers 'N'). After 'G' the stream is
  // GSSAPI-wrapped, so the test stops there.
  std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
  ASSERT_NE(c, nullptr);
  c->Send(GSSENCRequest{});
  std::optional<OwnedFrame> f = c->Receive();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MessageType::kGSSENCResponse);
  EXPECT_THAT(As<GSSENCResponse>(*f).answer, ::testing::AnyOf('G', 'N'));
  EXPECT_EQ(f->bytes.size(), 1u);
  EXPECT_THAT(Names(c->client_frames()), ElementsAre("GSSENCRequest"));
}

TEST_F(PostgresCodecIntegrationTest, CancelRequestCancelsARunningQuery) {
  std::unique_ptr<PgConnection> busy = Connect();
  ASSERT_NE(busy, nullptr);
  busy->Send(Query{"SELECT pg_sleep(30)"});
  // Make sure the query runs before cancelling it.
  for (int i = 0; i < 100; ++i) {
    std::unique_ptr<PgConnection> probe = Connect();
    ASSERT_NE(probe, nullptr);
    const std::vector<OwnedFrame> rows = probe->Query(
        "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
        "'SELECT pg_sleep%'");
    if (rows.size() == 4) break;
  }
  std::unique_ptr<PgConnection> canceller = PgConnection::Open(server_->port());
  ASSERT_NE(canceller, nullptr);
  canceller->Send(CancelRequest{busy->backend_pid(), busy->secret_key()});
  EXPECT_FALSE(
      canceller->Receive().has_value());  // no answer: the server closes
  EXPECT_TRUE(canceller->eof());
  EXPECT_THAT(Names(canceller->client_frames()), ElementsAre("CancelRequest"));
  EXPECT_EQ(As<CancelRequest>(canceller->client_frames()[0]).process_id,
            busy->backend_pid());

  // RowDescription goes out before the query runs; then the cancel.
  const std::vector<OwnedFrame> frames = busy->ReceiveUntilReady();
  ASSERT_THAT(Names(frames),
              ElementsAre("RowDescription", "ErrorResponse", "ReadyForQuery"));
  EXPECT_EQ(As<ErrorResponse>(frames[1]).Field('C'), "57014");
}

TEST_F(PostgresCodecIntegrationTest, FunctionCall) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  std::vector<OwnedFrame> frames = c->Query("SELECT 'int4pl'::regproc::oid");
  ASSERT_THAT(Names(frames), ElementsAre("RowDescription", "DataRow",
                                         "CommandComplete", "ReadyForQuery"));
  const std::string oid(*Cells(frames[1]).at(0));
  c->Send(FunctionCall{
      static_cast<std::uint32_t>(std::stoul(oid)), {0}, {"2", "40"}, 0});
  frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames),
              ElementsAre("FunctionCallResponse", "ReadyForQuery"));
  EXPECT_EQ(As<FunctionCallResponse>(frames[0]).result, Value("42"));
}

TEST_F(PostgresCodecIntegrationTest, ExtendedQueryErrorSkipsToSync) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  // After an error the server discards messages up to Sync.
  c->Send({Parse{"", "SELEC 1", {}}, Bind{"", "", {}, {}, {}}, Execute{"", 0},
           Sync{}});
  std::vector<OwnedFrame> frames = c->ReceiveUntilReady();
  ASSERT_THAT(Names(frames), ElementsAre("ErrorResponse", "ReadyForQuery"));
  EXPECT_EQ(As<ErrorResponse>(frames[0]).Field('C'), "42601");  // syntax error
  EXPECT_EQ(As<ReadyForQuery>(frames[1]).status, 'I');
}

TEST_F(PostgresCodecIntegrationTest, TerminateClosesTheConnection) {
  std::unique_ptr<PgConnection> c = Connect();
  ASSERT_NE(c, nullptr);
  c->Send(Terminate{});
  EXPECT_FALSE(c->Receive().has_value());
  EXPECT_TRUE(c->eof());
  EXPECT_EQ(c->client_frames().back().type, MessageType::kTerminate);
}

TEST_F(PostgresCodecIntegrationTest, WrongPasswordFailsWith28P01AndCloses) {
  std::unique_ptr<PgConnection> c = PgConnection::Open(server_->port());
  ASSERT_NE(c, nullptr);
  const std::vector<OwnedFrame> frames =
      c->Login(kScramUser, "not-the-password");
  // The SCRAM exchange runs to the proof, then the server refuses.
  ASSERT_THAT(Names(frames),
              ElementsAre("AuthenticationSASL", "AuthenticationSASLContinue",
                          "ErrorResponse"));
  const auto err = As<ErrorResponse>(frames[2]);
  EXPECT_EQ(err.Field('S'), "FATAL");
  EXPECT_EQ(err.Field('C'), "28P01");
  EXPECT_THAT(std::string(err.Field('M')),
              HasSubstr("password authentication failed"));
  EXPECT_TRUE(c->eof()) << "the server should close after a failed login";
  EXPECT_FALSE(c->decoder().authenticated());
  EXPECT_THAT(
      Names(c->client_frames()),
      ElementsAre("StartupMessage", "SASLInitialResponse", "SASLResponse"));
}

// ---------------------------------------------------------------------------
// No server needed: the recorded psql session in tests/testdata (the SCRAM
// client's own vectors are in tests/wire/postgres_auth_test.cc).

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(HOOP_SOURCE_DIR) + "/tests/testdata/" + name,
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Decodes two recorded streams the way an offline reader must: each
// direction until it needs what the other said.
void DecodeRecorded(std::string_view c2s, std::string_view s2c,
                    std::vector<OwnedFrame>* client,
                    std::vector<OwnedFrame>* server) {
  Decoder dec;
  dec.Feed(Direction::kClientToServer, c2s);
  dec.Feed(Direction::kServerToClient, s2c);
  bool done[2] = {false, false};
  for (int round = 0; round < 10000 && !(done[0] && done[1]); ++round) {
    bool progress = false;
    for (Direction dir :
         {Direction::kClientToServer, Direction::kServerToClient}) {
      std::vector<OwnedFrame>* out =
          dir == Direction::kClientToServer ? client : server;
      Frame f;
      DecodeResult r;
      while ((r = dec.Next(dir, &f)) == DecodeResult::kFrame) {
        out->push_back(Own(f));
        progress = true;
      }
      ASSERT_NE(r, DecodeResult::kError) << dec.status(dir);
      done[static_cast<int>(dir)] = r == DecodeResult::kNeedMore;
    }
    if (!progress) break;
  }
  EXPECT_TRUE(done[0] && done[1]) << "both directions wait for each other";
  EXPECT_EQ(dec.consumed(Direction::kClientToServer), c2s.size());
  EXPECT_EQ(dec.consumed(Direction::kServerToClient), s2c.size());
}

TEST(RecordedPsqlSessionTest, DecodesAndItsScramExchangeVerifies) {
  const std::string c2s = ReadTestdata("psql-session.c2s");
  const std::string s2c = ReadTestdata("psql-session.s2c");
  ASSERT_FALSE(c2s.empty()) << "tests/testdata/psql-session.c2s is missing";
  ASSERT_FALSE(s2c.empty()) << "tests/testdata/psql-session.s2c is missing";
  std::vector<OwnedFrame> client, server;
  DecodeRecorded(c2s, s2c, &client, &server);

  const std::vector<std::string> client_names = Names(client);
  ASSERT_GE(client_names.size(), 3u);
  EXPECT_THAT(
      std::vector<std::string>(client_names.begin(), client_names.begin() + 3),
      ElementsAre("StartupMessage", "SASLInitialResponse", "SASLResponse"));
  EXPECT_EQ(client_names.back(), "Terminate");
  for (const char* expected : {"Query", "CopyData", "CopyDone"}) {
    EXPECT_THAT(client_names, ::testing::Contains(expected));
  }
  const std::vector<std::string> server_names = Names(server);
  for (const char* expected :
       {"AuthenticationSASL", "AuthenticationSASLContinue",
        "AuthenticationSASLFinal", "AuthenticationOk", "ParameterStatus",
        "BackendKeyData", "RowDescription", "DataRow", "CommandComplete",
        "ErrorResponse", "NoticeResponse", "NotificationResponse",
        "CopyOutResponse", "CopyInResponse", "CopyData", "CopyDone",
        "ReadyForQuery"}) {
    EXPECT_THAT(server_names, ::testing::Contains(expected));
  }

  // Replay the SCRAM exchange with the recording's password (README.md).
  const auto initial = As<SASLInitialResponse>(client[1]);
  ASSERT_TRUE(initial.data.has_value());
  const std::string_view first = *initial.data;
  ASSERT_THAT(std::string(first), StartsWith("n,,n=,r="));
  ScramClient scram("alice-demo-password", "", std::string(first.substr(8)));
  std::string server_first, server_final;
  for (const OwnedFrame& f : server) {
    if (f.type == MessageType::kAuthenticationSASLContinue) {
      server_first = As<AuthenticationSASLContinue>(f).data;
    } else if (f.type == MessageType::kAuthenticationSASLFinal) {
      server_final = As<AuthenticationSASLFinal>(f).data;
    }
  }
  absl::StatusOr<std::string> final_message = scram.ClientFinal(server_first);
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(*final_message, As<SASLResponse>(client[2]).data);
  EXPECT_TRUE(scram.VerifyServerFinal(server_final).ok());
}

}  // namespace
}  // namespace hoop::wire::postgres
