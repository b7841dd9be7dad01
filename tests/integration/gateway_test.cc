// Copyright 2026 The hoop Authors.
//
// The PostgreSQL gateway (examples/postgres_gateway, issue 7) end to end:
// a throwaway PostgreSQL 15 with a SCRAM user, a JWKS and Ed25519 ID tokens
// minted here, hoop-pg-gateway started as a child process on free ports,
// and real psql with PGPASSWORD=<token>.
//
//   - an allowed SELECT returns masked emails;
//   - DROP TABLE is refused with the policy's message (SQLSTATE 42501);
//   - bad, expired, wrong-audience, foreign-key and missing tokens get
//     FATAL 28P01 and the database never sees a connection (its log, with
//     log_connections = on, gains no "connection received" line);
//   - every session is recorded in the records directory, one file per
//     session, with an intact hash chain and a signed final checkpoint.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "hoop/session/keys.h"
#include "hoop/session/reader.h"
#include "hoop/wire/postgres.h"
#include "nlohmann/json.hpp"
#include "tests/integration/child_process.h"
#include "tests/integration/pg_server.h"

namespace hoop {
namespace {

using testing::PgServer;
using testing::PgServerOptions;
namespace pg = wire::postgres;

constexpr char kUpstreamUser[] = "app";
constexpr char kUpstreamPassword[] = "upstream-secret-Zq9";
constexpr char kDatabase[] = "shop";
constexpr char kIssuer[] = "https://idp.hoop.test";
constexpr char kAudience[] = "hoop-gateway";

constexpr char kPolicy[] = R"(version: hoop.policy/v1
name: gateway-itest
rules:
  - id: agents-read
    description: Automation agents may read the shop database
    subjects: [{kinds: [non_human]}]
    resources: {names: [shop], kinds: [postgres]}
    sql: {effects: [read]}
    verdict: allow
    masking_profile: default
  - id: no-ddl-for-agents
    description: Agents never change the schema
    subjects: [{kinds: [non_human]}]
    sql: {effects: [ddl, admin]}
    verdict: deny
    message: schema changes go through a migration, not an agent
  - id: writes-need-approval
    description: Writes to the ledger wait for a DBA
    resources: {names: [shop]}
    sql: {effects: [write], tables: [ledger]}
    verdict: review
    review: {approver_groups: [dba]}
  - id: agents-load-imports
    description: Agents may load rows into the imports table
    subjects: [{kinds: [non_human]}]
    resources: {names: [shop]}
    sql: {effects: [write], tables: [imports]}
    verdict: allow
  - id: customers-by-the-app-only
    description: Nobody writes customers through the gateway
    resources: {names: [shop]}
    sql: {effects: [write], any_tables: [customers]}
    verdict: deny
    message: customers are written by the application only
  - id: session-setup
    description: Session settings and transaction control
    resources: {names: [shop]}
    sql: {effects: [session, tx]}
    verdict: allow
)";

// --- small helpers ----------------------------------------------------------

using ::hoop::testing::ReadFile;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// --- child processes --------------------------------------------------------

using ::hoop::testing::Ran;

std::string TempDir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/hoop-gateway-itest-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    return new std::string(d == nullptr ? "/tmp" : d);
  }();
  return *dir;
}

// The shared helpers (child_process.h) under this file's names: a child is
// its pid, its output goes to <base>.out and <base>.err.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& base) {
  return testing::Spawn(argv, env, base).pid;
}

Ran Wait(pid_t pid, const std::string& base, absl::Duration timeout) {
  return testing::Wait({pid, base + ".out", base + ".err"}, timeout);
}

Ran RunChild(const std::vector<std::string>& argv,
             const std::vector<std::string>& env = {},
             absl::Duration timeout = absl::Seconds(60)) {
  static int counter = 0;
  const std::string base = TempDir() + "/run-" + std::to_string(++counter);
  return Wait(Spawn(argv, env, base), base, timeout);
}

// --- ID tokens ---------------------------------------------------------------
//
// Keys and tokens come from `hoopctl token keygen|mint`, the tool the demo
// uses, so the gateway is tested against exactly what that tool mints.

// An Ed25519 signing key (PEM) and its public JWKS, written by hoopctl.
struct TokenKey {
  std::string pem;
  std::string jwks;
  std::string kid;
};

// Writes a new key as <dir>/<name>.pem and <dir>/<name>.jwks.json; empty
// paths if hoopctl failed (the error goes to the test log).
TokenKey NewKey(const std::string& dir, const std::string& name,
                const std::string& kid) {
  TokenKey k{dir + "/" + name + ".pem", dir + "/" + name + ".jwks.json", kid};
  const Ran r = RunChild({HOOP_HOOPCTL_BIN, "token", "keygen", "--key", k.pem,
                          "--jwks", k.jwks, "--kid", kid});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "hoopctl token keygen: " << r.err;
    return {};
  }
  return k;
}

// What a token claims; `ttl` is seconds until exp (negative: expired).
struct Claims {
  std::string sub;
  std::string kind;
  std::vector<std::string> groups;
  int64_t ttl = 3600;
  std::string audience = kAudience;
};

// A compact EdDSA JWS: iss, aud, sub, groups, email (sub@hoop.test), kind,
// iat/nbf now and exp now + ttl.
std::string Mint(const TokenKey& k, const Claims& c) {
  std::vector<std::string> a = {HOOP_HOOPCTL_BIN,
                                "token",
                                "mint",
                                "--key",
                                k.pem,
                                "--kid",
                                k.kid,
                                "--issuer",
                                kIssuer,
                                "--audience",
                                c.audience,
                                "--subject",
                                c.sub,
                                "--claim",
                                "email=" + c.sub + "@hoop.test",
                                "--claim",
                                "kind=" + c.kind,
                                "--ttl",
                                std::to_string(c.ttl)};
  for (const std::string& g : c.groups) {
    a.push_back("--group");
    a.push_back(g);
  }
  Ran r = RunChild(a);
  if (r.exit_code != 0) ADD_FAILURE() << "hoopctl token mint: " << r.err;
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// A test PKI in `dir`: a CA (ca.crt), the database server's certificate
// (db.crt: DNS db.hoop.test and IP 127.0.0.1) and the gateway's (gw.crt: IP
// 127.0.0.1), both signed by that CA, and a second CA (other-ca.crt) that
// signed nothing here. Returns "" when made, else why not.
std::string MakePki(const std::string& dir) {
  auto openssl = [](std::vector<std::string> a) {
    a.insert(a.begin(), "/usr/bin/openssl");
    const Ran r = RunChild(a);
    return r.exit_code == 0 ? std::string() : "openssl " + a[1] + ": " + r.err;
  };
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt",
                                       "ec_paramgen_curve:P-256", "-nodes"};
  for (const std::string ca : {"ca", "other-ca"}) {
    std::vector<std::string> a = {"req", "-x509"};
    a.insert(a.end(), ec.begin(), ec.end());
    a.insert(a.end(),
             {"-subj", "/CN=hoop itest " + ca, "-days", "1", "-keyout",
              dir + "/" + ca + ".key", "-out", dir + "/" + ca + ".crt"});
    if (std::string e = openssl(a); !e.empty()) return e;
  }
  struct Leaf {
    std::string name, cn, san, serial;
  };
  for (const Leaf& l :
       {Leaf{"db", "db.hoop.test", "DNS:db.hoop.test,IP:127.0.0.1", "2"},
        Leaf{"gw", "127.0.0.1", "IP:127.0.0.1", "3"}}) {
    const std::string base = dir + "/" + l.name;
    WriteFile(base + ".ext", "subjectAltName=" + l.san + "\n");
    std::vector<std::string> a = {"req", "-new"};
    a.insert(a.end(), ec.begin(), ec.end());
    a.insert(a.end(), {"-subj", "/CN=" + l.cn, "-keyout", base + ".key", "-out",
                       base + ".csr"});
    if (std::string e = openssl(a); !e.empty()) return e;
    if (std::string e = openssl(
            {"x509", "-req", "-in", base + ".csr", "-CA", dir + "/ca.crt",
             "-CAkey", dir + "/ca.key", "-set_serial", l.serial, "-days", "1",
             "-extfile", base + ".ext", "-out", base + ".crt"});
        !e.empty())
      return e;
  }
  // The server runs as `postgres` when the test runs as root; its key must
  // be its own and private.
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return "no postgres user";
    for (const std::string f : {"", "/db.key", "/db.crt"})
      if (::chown((dir + f).c_str(), pw->pw_uid, pw->pw_gid) != 0)
        return "chown " + dir + f + " failed";
  }
  return "";
}

// A server that answers SSLRequest with 'N', then only listens: whatever
// the gateway sends after that 'N' is kept in `after` (nothing should be).
class RefusesTls {
 public:
  RefusesTls() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 4);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RefusesTls() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  // After Join: the first 8 bytes received and what came after the 'N'.
  void Join() { thread_.join(); }
  const std::string& request() const { return request_; }
  const std::string& after() const { return after_; }

 private:
  void Serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[4096];
    while (request_.size() < 8) {
      const ssize_t n = ::recv(c, buf, 8 - request_.size(), 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    ::send(c, "N", 1, MSG_NOSIGNAL);
    while (true) {  // until the gateway hangs up (or 5 s of silence)
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      after_.append(buf, static_cast<std::size_t>(n));
    }
    ::close(c);
  }
  int fd_ = -1, port_ = 0;
  std::string request_, after_;
  std::thread thread_;
};

// --- the fixture ------------------------------------------------------------

class GatewayTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    std::filesystem::create_directories(
        TempDir());  // again under --gtest_repeat
    PgServerOptions options;
    if (const char* bin_dir = std::getenv("HOOP_PG_BIN_DIR"))
      options.bin_dir = bin_dir;
    options.settings = {"log_connections = on", "max_connections = 250"};
    // TLS on the server, with a certificate of the test's own CA, when the
    // openssl CLI can make one (the upstream TLS test skips otherwise).
    {
      char tmpl[] = "/tmp/hoop-gateway-pki-XXXXXX";
      const char* d = ::mkdtemp(tmpl);
      *pki_dir_ = d == nullptr ? "" : d;
      *tls_error_ = d == nullptr ? "mkdtemp failed" : MakePki(*pki_dir_);
      if (tls_error_->empty()) {
        options.settings.push_back("ssl = on");
        options.settings.push_back("ssl_cert_file = '" + *pki_dir_ +
                                   "/db.crt'");
        options.settings.push_back("ssl_key_file = '" + *pki_dir_ + "/db.key'");
      }
    }
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
    absl::StatusOr<std::string> setup = server_->Psql(absl::StrCat(
        "CREATE ROLE ", kUpstreamUser, " LOGIN PASSWORD '", kUpstreamPassword,
        "';\nCREATE DATABASE ", kDatabase, " OWNER ", kUpstreamUser, ";\n"));
    if (setup.ok()) {
      setup = server_->Psql(
          absl::StrCat(
              "SET ROLE ", kUpstreamUser,
              ";\n"
              "CREATE TABLE customers (id int PRIMARY KEY, email text, "
              "note text);\n"
              "INSERT INTO customers VALUES "
              "(1, 'alice.planted@example.com', 'vip'),"
              "(2, 'bob.planted@example.org', 'call "
              "bob.planted@example.org');\n"
              "CREATE TABLE ledger (id int PRIMARY KEY, amount int);\n"
              "INSERT INTO ledger SELECT g, g * 10 FROM generate_series(1, 10) "
              "g;\n"
              "CREATE TABLE imports (id int, email text);\n"),
          kDatabase);
    }
    if (!setup.ok()) {
      *start_error_ = setup.status().ToString();
      return;
    }

    // Identity provider: a JWKS with one Ed25519 key; a second key is not
    // in it (a token signed by it must be refused).
    const std::string dir = TempDir();
    key_ = new TokenKey(NewKey(dir, "idp", "idp-key-1"));
    foreign_key_ = new TokenKey(NewKey(dir, "foreign", "idp-key-1"));
    WriteFile(dir + "/jwks.json", ReadFile(key_->jwks));
    if (key_->pem.empty() || foreign_key_->pem.empty()) {
      *start_error_ = "hoopctl token keygen failed";
      return;
    }
    WriteFile(dir + "/policy.yaml", kPolicy);
    absl::StatusOr<session::SigningKey> records_key =
        session::SigningKey::Generate();
    if (!records_key.ok()) {
      *start_error_ = records_key.status().ToString();
      return;
    }
    WriteFile(dir + "/records.key", records_key->PrivateKeyPem());
    *records_pub_ = records_key->PublicKeyPem();
    std::filesystem::create_directories(dir + "/records");

    port_ = FreePort();
    admin_port_ = FreePort();
    down_port_ = FreePort();
    WriteConfig(dir + "/gateway.yaml", port_, admin_port_, "records");
    gateway_base_ = new std::string(dir + "/gateway");
    *start_error_ =
        Launch(dir + "/gateway.yaml", *gateway_base_, port_, &gateway_pid_);
  }

  // Starts hoop-pg-gateway with `config`; returns once it accepts
  // connections on `port`, or why not.
  static std::string Launch(const std::string& config, const std::string& base,
                            int port, pid_t* pid) {
    *pid = Spawn({HOOP_GATEWAY_BIN, "--config", config}, {}, base);
    const absl::Time until = absl::Now() + absl::Seconds(20);
    while (true) {
      const int fd = Connect(port);
      if (fd >= 0) {
        ::close(fd);
        return "";
      }
      int status = 0;
      if (::waitpid(*pid, &status, WNOHANG) == *pid) {
        *pid = -1;
        return "gateway exited: " + ReadFile(base + ".err");
      }
      if (absl::Now() > until)
        return "gateway did not start: " + ReadFile(base + ".err");
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  // The gateway's configuration: one resource, `shop`, on the suite's
  // server; records signed with records.key.
  static void WriteConfig(
      const std::string& path, int port, int admin_port,
      const std::string& records,
      const std::string& extra = "allow_cleartext_on_loopback: true\n") {
    WriteFile(path, absl::StrCat(
                        "listen: {address: 127.0.0.1, port: ", port, "}\n",
                        extra, "admin: {address: 127.0.0.1, port: ", admin_port,
                        "}\n"
                        "records_dir: ",
                        records,
                        "\n"
                        "signing_key_file: records.key\n"
                        "gateway_id: gw-itest\n"
                        "resources:\n"
                        "  - name: shop\n"
                        "    upstream: {host: 127.0.0.1, port: ",
                        server_->port(), ", database: ", kDatabase, ", user: ",
                        kUpstreamUser, ", password: ", kUpstreamPassword,
                        "}\n"
                        "    policy_file: policy.yaml\n"
                        "    masking: default\n"
                        "    oidc:\n"
                        "      jwks_file: jwks.json\n"
                        "      issuer: ",
                        kIssuer,
                        "\n"
                        "      audience: ",
                        kAudience,
                        "\n"
                        "      kind_claim: kind\n"
                        "      non_human_values: [agent]\n"
                        // A resource whose server is not there.
                        "  - name: down\n"
                        "    upstream: {host: 127.0.0.1, port: ",
                        down_port_,
                        ", database: down, user: u, password: p}\n"
                        "    policy_file: policy.yaml\n"
                        "    oidc: {jwks_file: jwks.json, issuer: ",
                        kIssuer, ", audience: ", kAudience, "}\n"));
  }

  static void TearDownTestSuite() {
    // A clean exit: under ASan a leak or memory error makes it non-zero.
    if (gateway_pid_ > 0) {
      EXPECT_EQ(StopGateway(), 0) << ReadFile(*gateway_base_ + ".err");
    }
    if (server_ != nullptr) {
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
      delete server_;
      server_ = nullptr;
    }
    std::error_code ec;
    std::filesystem::remove_all(TempDir(), ec);
    if (!pki_dir_->empty()) std::filesystem::remove_all(*pki_dir_, ec);
  }

  // SIGTERM, as an operator would; the gateway must exit 0 on its own.
  static int StopGateway() {
    if (gateway_pid_ <= 0) return -1;
    ::kill(gateway_pid_, SIGTERM);
    const Ran r = Wait(gateway_pid_, *gateway_base_, absl::Seconds(20));
    gateway_pid_ = -1;
    return r.exit_code;
  }

  void SetUp() override {
    if (!skip_reason_->empty())
      GTEST_SKIP() << "no PostgreSQL 15: " << *skip_reason_;
    ASSERT_TRUE(start_error_->empty()) << *start_error_;
    ASSERT_GT(gateway_pid_, 0);
  }

  // The agent's token, minted once (a hoopctl run per psql would add up).
  static std::string Agent() {
    static const std::string* token = new std::string(
        Mint(*key_, Claims{"etl-agent", "agent", {"automation"}}));
    return *token;
  }

  static std::string PsqlBin() {
    if (const char* bin_dir = std::getenv("HOOP_PG_BIN_DIR"))
      return std::string(bin_dir) + "/psql";
    return "/usr/lib/postgresql/15/bin/psql";
  }

  // psql through the gateway with `token` as the password: unaligned,
  // tuples only, verbose errors (SQLSTATE shown), never prompting.
  static Ran Psql(const std::string& token, const std::vector<std::string>& sql,
                  const std::string& user = "etl-agent") {
    return RunChild(PsqlArgs(sql, user), PsqlEnv(token));
  }

  static std::vector<std::string> PsqlEnv(const std::string& token) {
    return {"PGPASSWORD=" + token, "PGAPPNAME=gateway-itest", "LC_ALL=C.UTF-8"};
  }

  static std::vector<std::string> PsqlArgs(const std::vector<std::string>& sql,
                                           const std::string& user,
                                           int port = 0) {
    std::vector<std::string> a = {
        PsqlBin(),
        "-X",
        "-w",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=0",
        "-v",
        "VERBOSITY=verbose",
        "-d",
        absl::StrCat("host=127.0.0.1 port=", port ? port : port_,
                     " dbname=", kDatabase, " user=", user,
                     " sslmode=disable connect_timeout=10")};
    for (const std::string& s : sql) {
      a.push_back("-c");
      a.push_back(s);
    }
    return a;
  }

  // hoopctl against the gateway's admin endpoint.
  static Ran Hoopctl(std::vector<std::string> args, int admin_port = 0) {
    args.insert(args.begin(), HOOP_HOOPCTL_BIN);
    args.push_back("--admin");
    args.push_back(absl::StrCat("http://127.0.0.1:",
                                admin_port ? admin_port : admin_port_));
    return RunChild(args);
  }

  // Waits until `hoopctl approvals list --json` shows a command whose
  // statement is `statement`; returns its request id ("" on timeout).
  static std::string WaitForHeld(const std::string& statement,
                                 int admin_port = 0) {
    const absl::Time until = absl::Now() + absl::Seconds(20);
    while (absl::Now() < until) {
      const Ran r = Hoopctl({"approvals", "list", "--json"}, admin_port);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
      if (j.is_array()) {
        for (const nlohmann::json& a : j) {
          if (a.value("statement", "") == statement) {
            EXPECT_EQ(a.value("subject", ""), "etl-agent");
            EXPECT_EQ(a.value("resource", ""), "shop");
            EXPECT_EQ(a.value("rule", ""), "writes-need-approval");
            return a.value("id", "");
          }
        }
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return "";
  }

  // One HTTP/1.1 GET to the admin endpoint; returns the whole reply.
  static std::string AdminGet(const std::string& path) {
    const int fd = Connect(admin_port_);
    if (fd < 0) return "";
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string in;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
      in.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return in;
  }

  // The value of the metric line that starts with `series` ("name{...}").
  static double Metric(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(series + " ", 0) == 0)
        return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  static std::string Direct(const std::string& sql) {
    absl::StatusOr<std::string> out = server_->Psql(
        "\\pset tuples_only on\n\\pset format unaligned\n" + sql, kDatabase);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : "";
  }

  static int ConnectionsLogged() {
    const std::string log = server_->Log();
    int n = 0;
    for (std::size_t p = log.find("connection received");
         p != std::string::npos; p = log.find("connection received", p + 1))
      ++n;
    return n;
  }

  // The raw protocol: startup, then the token as the password; returns the
  // ErrorResponse's SQLSTATE and message ("" when the login succeeded).
  static std::pair<std::string, std::string> RawLogin(
      const std::string& token, const std::string& database = kDatabase) {
    const int fd = Connect(port_);
    if (fd < 0) return {"connect failed", ""};
    pg::StartupMessage sm;
    sm.parameters = {{"user", "etl-agent"}, {"database", database}};
    const std::string startup = pg::Encode(sm);
    ::send(fd, startup.data(), startup.size(), MSG_NOSIGNAL);
    pg::Decoder dec;
    // Our own startup, so the decoder knows the phase.
    dec.Feed(wire::Direction::kClientToServer, startup);
    pg::Frame f;
    while (dec.Next(wire::Direction::kClientToServer, &f) ==
           pg::DecodeResult::kFrame) {
    }
    std::string code, message;
    bool sent = false;
    std::vector<std::string> chunks;
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      chunks.emplace_back(buf, static_cast<std::size_t>(n));
      dec.Feed(wire::Direction::kServerToClient, chunks.back());
      bool done = false;
      while (dec.Next(wire::Direction::kServerToClient, &f) ==
             pg::DecodeResult::kFrame) {
        if (f.type == pg::MessageType::kAuthenticationCleartextPassword &&
            !sent) {
          const std::string p = pg::Encode(pg::PasswordMessage{token});
          ::send(fd, p.data(), p.size(), MSG_NOSIGNAL);
          dec.Feed(wire::Direction::kClientToServer, p);
          pg::Frame cf;
          while (dec.Next(wire::Direction::kClientToServer, &cf) ==
                 pg::DecodeResult::kFrame) {
          }
          sent = true;
        } else if (f.type == pg::MessageType::kErrorResponse) {
          auto e = pg::ParseAs<pg::ErrorResponse>(f);
          if (e.ok()) {
            code = std::string(e->Field('C'));
            message = std::string(e->Field('M'));
          }
          done = true;
        } else if (f.type == pg::MessageType::kReadyForQuery) {
          done = true;
        }
      }
      if (done) break;
    }
    const std::string t = pg::Encode(pg::Terminate{});
    ::send(fd, t.data(), t.size(), MSG_NOSIGNAL);
    ::close(fd);
    return {code, message};
  }

  // The complete session in records directory `dir` (verified with the
  // suite's key) that has a command containing `text`; waits up to 15 s for
  // it to end and be signed.
  static std::optional<session::SessionReport> CompleteSessionWith(
      const std::string& dir, const std::string& text) {
    absl::StatusOr<session::VerifyingKey> key =
        session::VerifyingKey::FromPem(*records_pub_);
    EXPECT_TRUE(key.ok()) << key.status();
    if (!key.ok()) return std::nullopt;
    session::VerifyOptions vo;
    vo.key = &*key;
    const absl::Time until = absl::Now() + absl::Seconds(15);
    while (absl::Now() < until) {
      absl::StatusOr<std::vector<session::SessionReport>> read =
          session::ReadSessions({dir}, vo);
      EXPECT_TRUE(read.ok()) << read.status();
      if (!read.ok()) return std::nullopt;
      for (session::SessionReport& s : *read) {
        if (!s.complete) continue;
        for (const session::StoredRecord& rec : s.records)
          if (rec.record.has_command() &&
              absl::StrContains(rec.record.command().text(), text))
            return std::move(s);
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return std::nullopt;
  }

  // The first Command record containing `text`, and its Result (null when
  // none was recorded).
  static const session::v1::Command* CommandIn(
      const session::SessionReport& s, const std::string& text,
      const session::v1::Result** result = nullptr) {
    const session::v1::Command* found = nullptr;
    if (result != nullptr) *result = nullptr;
    for (const session::StoredRecord& rec : s.records) {
      if (found == nullptr && rec.record.has_command() &&
          absl::StrContains(rec.record.command().text(), text))
        found = &rec.record.command();
      if (found != nullptr && result != nullptr && rec.record.has_result() &&
          rec.record.result().command_id() == found->command_id())
        *result = &rec.record.result();
    }
    return found;
  }

  // Every command recorded in `dir`, a line each (for failure messages).
  static std::string AllCommands(const std::string& dir) {
    std::string all;
    absl::StatusOr<std::vector<session::SessionReport>> read =
        session::ReadSessions({dir}, {});
    if (!read.ok()) return read.status().ToString();
    for (const session::SessionReport& s : *read)
      for (const session::StoredRecord& rec : s.records)
        if (rec.record.has_command())
          absl::StrAppend(&all, s.session_id, s.complete ? " " : " (open) ",
                          rec.record.command().text(), "\n");
    return all;
  }

  static const session::v1::SessionEnd* EndOf(const session::SessionReport& s) {
    for (const session::StoredRecord& rec : s.records)
      if (rec.record.has_end()) return &rec.record.end();
    return nullptr;
  }

  static PgServer* server_;
  static std::string* skip_reason_;
  static std::string* pki_dir_;
  static std::string* tls_error_;
  static std::string* start_error_;
  static std::string* records_pub_;
  static std::string* gateway_base_;
  static TokenKey* key_;
  static TokenKey* foreign_key_;
  static pid_t gateway_pid_;
  static int port_, admin_port_, down_port_;
};

PgServer* GatewayTest::server_ = nullptr;
std::string* GatewayTest::skip_reason_ = new std::string;
std::string* GatewayTest::pki_dir_ = new std::string;
std::string* GatewayTest::tls_error_ = new std::string;
std::string* GatewayTest::start_error_ = new std::string;
std::string* GatewayTest::records_pub_ = new std::string;
std::string* GatewayTest::gateway_base_ = nullptr;
TokenKey* GatewayTest::key_ = nullptr;
TokenKey* GatewayTest::foreign_key_ = nullptr;
pid_t GatewayTest::gateway_pid_ = -1;
int GatewayTest::port_ = 0;
int GatewayTest::admin_port_ = 0;
int GatewayTest::down_port_ = 0;

// --- step 1: authentication, policy, masking, records ------------------------

TEST_F(GatewayTest, AllowedSelectReturnsMaskedEmails) {
  const Ran r =
      Psql(Agent(), {"SELECT id, email, note FROM customers ORDER BY id"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.out, "1|[EMAIL]|vip\n2|[EMAIL]|call [EMAIL]\n") << r.err;
  EXPECT_FALSE(absl::StrContains(r.out + r.err, "planted"));
  // Unmasked data flows through too, and the session keeps working.
  const Ran sum = Psql(Agent(), {"SELECT sum(id) FROM customers",
                                 "SELECT count(*) FROM customers"});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(sum.out, "3\n2\n");
}

TEST_F(GatewayTest, DropTableIsDeniedWithThePolicyMessage) {
  const Ran r = Psql(Agent(), {"DROP TABLE customers", "SELECT 1"});
  EXPECT_TRUE(absl::StrContains(
      r.err, "schema changes go through a migration, not an agent"))
      << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "42501")) << r.err;
  // The session went on after the refusal.
  EXPECT_EQ(r.out, "1\n") << r.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM customers"), "2\n");
}

TEST_F(GatewayTest, BadTokensAreRefusedAndNeverReachTheDatabase) {
  const int before = ConnectionsLogged();
  Claims expired{"etl-agent", "agent", {"automation"}};
  expired.ttl = -3600;
  Claims wrong_aud{"etl-agent", "agent", {"automation"}};
  wrong_aud.audience = "someone-else";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "not-a-token"},
      {"expired", Mint(*key_, expired)},
      {"wrong audience", Mint(*key_, wrong_aud)},
      {"foreign key",
       Mint(*foreign_key_, Claims{"etl-agent", "agent", {"automation"}})},
      {"empty", ""},
  };
  for (const auto& [name, token] : cases) {
    const auto [code, message] = RawLogin(token);
    EXPECT_EQ(code, "28P01") << name << ": " << message;
    EXPECT_FALSE(message.empty()) << name;
  }
  EXPECT_TRUE(
      absl::StrContains(RawLogin(Mint(*key_, expired)).second, "expired"));
  // psql shows the refusal too.
  const Ran r = Psql(Mint(*key_, expired), {"SELECT 1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "token refused")) << r.err;
  EXPECT_EQ(r.out, "");
  // Nothing reached the server.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(ConnectionsLogged(), before) << server_->Log();
  // A good token does reach it (the log does count connections).
  EXPECT_EQ(RawLogin(Agent()).first, "");
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (ConnectionsLogged() == before && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(ConnectionsLogged(), before + 1);
}

TEST_F(GatewayTest, SessionsAreRecordedOnePerFile) {
  const Ran r = Psql(Agent(), {"SELECT email FROM customers WHERE id = 1",
                               "DROP TABLE ledger"});
  EXPECT_EQ(r.out, "[EMAIL]\n") << r.err;
  absl::StatusOr<session::VerifyingKey> key =
      session::VerifyingKey::FromPem(*records_pub_);
  ASSERT_TRUE(key.ok()) << key.status();
  session::VerifyOptions vo;
  vo.key = &*key;
  // The session ends when psql hangs up; its records are closed and signed
  // right after.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  const session::SessionReport* found = nullptr;
  std::vector<session::SessionReport> sessions;
  while (found == nullptr && absl::Now() < until) {
    absl::StatusOr<std::vector<session::SessionReport>> read =
        session::ReadSessions({TempDir() + "/records"}, vo);
    ASSERT_TRUE(read.ok()) << read.status();
    sessions = *std::move(read);
    for (const session::SessionReport& s : sessions) {
      bool has = false;
      for (const session::StoredRecord& rec : s.records)
        if (rec.record.has_command() &&
            rec.record.command().text() == "DROP TABLE ledger")
          has = true;
      if (has && s.complete) found = &s;
    }
    if (found == nullptr) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_NE(found, nullptr) << "no complete session with the DROP";
  EXPECT_TRUE(found->ok()) << found->faults[0].ToString();
  EXPECT_EQ(found->files.size(), 1u);
  EXPECT_GE(found->checkpoints_verified, 1u);
  bool start = false, select_allowed = false, drop_denied = false, end = false;
  for (const session::StoredRecord& rec : found->records) {
    const session::v1::Record& x = rec.record;
    if (x.has_start()) {
      start = true;
      EXPECT_EQ(x.start().identity().subject(), "etl-agent");
      EXPECT_EQ(x.start().identity().kind(),
                session::v1::IDENTITY_KIND_NON_HUMAN);
      EXPECT_EQ(x.start().resource().name(), "shop");
      // What the client asked for, and the credential the gateway used
      // (by name: never its password).
      EXPECT_EQ(x.start().attributes().at("user"), "etl-agent");
      EXPECT_EQ(x.start().attributes().at("database"), kDatabase);
      EXPECT_EQ(x.start().attributes().at("application_name"), "gateway-itest");
      EXPECT_EQ(x.start().attributes().at("upstream_tls"), "off");
      EXPECT_EQ(x.start().credential().principal(), kUpstreamUser);
      EXPECT_EQ(x.start().credential().id(),
                absl::StrCat(kUpstreamUser, "@127.0.0.1:", server_->port(), "/",
                             kDatabase));
      EXPECT_EQ(x.start().resource().address(),
                absl::StrCat("127.0.0.1:", server_->port()));
    }
    if (x.has_command() &&
        absl::StrContains(x.command().text(), "SELECT email"))
      select_allowed =
          x.command().verdict().decision() == session::v1::DECISION_ALLOW;
    if (x.has_command() && x.command().text() == "DROP TABLE ledger")
      drop_denied =
          x.command().verdict().decision() == session::v1::DECISION_DENY;
    if (x.has_end()) end = true;
  }
  EXPECT_TRUE(start);
  EXPECT_TRUE(select_allowed);
  EXPECT_TRUE(drop_denied);
  EXPECT_TRUE(end);
  for (const std::string& file : found->files)
    EXPECT_FALSE(absl::StrContains(ReadFile(file), kUpstreamPassword)) << file;
  // Every session so far is intact (the refused logins made none).
  for (const session::SessionReport& s : sessions) {
    if (s.complete) {
      EXPECT_TRUE(s.ok()) << s.session_id;
    }
  }
}

TEST_F(GatewayTest, UnknownResourceIsRefused) {
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  pg::StartupMessage sm;
  sm.parameters = {{"user", "x"}, {"database", "nope"}};
  const std::string startup = pg::Encode(sm);
  ::send(fd, startup.data(), startup.size(), MSG_NOSIGNAL);
  char buf[1024];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  const std::string reply(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(reply[0], 'E');
  EXPECT_TRUE(absl::StrContains(reply, "3D000"));
}

// --- step 2: approvals through the admin endpoint and hoopctl ----------------

TEST_F(GatewayTest, HeldDeleteApprovedThroughHoopctlRuns) {
  ASSERT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 1"), "1\n");
  const std::string base = TempDir() + "/held-approve";
  const pid_t psql =
      Spawn(PsqlArgs({"DELETE FROM ledger WHERE id = 1",
                      "SELECT count(*) FROM ledger WHERE id = 1"},
                     "etl-agent"),
            PsqlEnv(Agent()), base);
  const std::string id = WaitForHeld("DELETE FROM ledger WHERE id = 1");
  ASSERT_FALSE(id.empty()) << ReadFile(*gateway_base_ + ".err");
  // Held: nothing ran yet.
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 1"), "1\n");
  const Ran listed = Hoopctl({"approvals", "list"});
  EXPECT_TRUE(absl::StrContains(listed.out, id)) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, "DELETE FROM ledger"))
      << listed.out;

  const Ran ok = Hoopctl({"approvals", "approve", id, "--as", "dba-ana",
                          "--reason", "ticket OPS-1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(absl::StrContains(ok.out, "approved")) << ok.out;
  const Ran r = Wait(psql, base, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The client was told its command waits, under which id.
  EXPECT_TRUE(absl::StrContains(r.err, id)) << r.err;
  EXPECT_TRUE(absl::EndsWith(r.out, "0\n")) << r.out;
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 1"), "0\n");
  // Decided once: a second decision finds nothing.
  const Ran again = Hoopctl(
      {"approvals", "approve", id, "--as", "dba-ana", "--reason", "twice"});
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;

  // The approval is in the records, with the approver and the reason.
  bool recorded = false;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (!recorded && absl::Now() < until) {
    absl::StatusOr<std::vector<session::SessionReport>> read =
        session::ReadSessions({TempDir() + "/records"}, {});
    ASSERT_TRUE(read.ok()) << read.status();
    for (const session::SessionReport& s : *read)
      for (const session::StoredRecord& rec : s.records)
        if (rec.record.has_approval() &&
            rec.record.approval().request_id() == id &&
            rec.record.approval().state() ==
                session::v1::APPROVAL_STATE_APPROVED) {
          EXPECT_EQ(rec.record.approval().approver().subject(), "dba-ana");
          EXPECT_EQ(rec.record.approval().reason(), "ticket OPS-1");
          recorded = true;
        }
    if (!recorded) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(recorded);
}

TEST_F(GatewayTest, HeldDeleteDeniedThroughHoopctlDoesNotRun) {
  ASSERT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 2"), "1\n");
  const std::string base = TempDir() + "/held-deny";
  const pid_t psql =
      Spawn(PsqlArgs({"DELETE FROM ledger WHERE id = 2", "SELECT 'after'"},
                     "etl-agent"),
            PsqlEnv(Agent()), base);
  const std::string id = WaitForHeld("DELETE FROM ledger WHERE id = 2");
  ASSERT_FALSE(id.empty()) << ReadFile(*gateway_base_ + ".err");
  const Ran no = Hoopctl({"approvals", "deny", id, "--as", "dba-ana",
                          "--reason", "not during business hours"});
  EXPECT_EQ(no.exit_code, 0) << no.err;
  const Ran r = Wait(psql, base, absl::Seconds(30));
  EXPECT_TRUE(absl::StrContains(r.err, "ERROR")) << r.err;
  // The session goes on after the refusal.
  EXPECT_EQ(r.out, "after\n") << r.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 2"), "1\n");
  // Unknown ids and missing approvers are refused by the endpoint.
  const Ran unknown = Hoopctl({"approvals", "deny", "no-such-request", "--as",
                               "dba-ana", "--reason", "x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(unknown.err, "404")) << unknown.err;
}

// --- step 3: metrics
// ------------------------------------------------------------

TEST_F(GatewayTest, MetricsInPrometheusText) {
  ASSERT_EQ(Psql(Agent(), {"SELECT email FROM customers"}).exit_code, 0);
  Psql(Agent(), {"DROP TABLE customers"});
  RawLogin("not-a-token");
  // Result records (masked counts) reach the metrics through the recorder's
  // writer thread: wait for them.
  std::string reply;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  do {
    reply = AdminGet("/metrics");
    if (Metric(reply, "hoop_gateway_masked_values_total{detector=\"EMAIL\"}") >=
        2)
      break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < until);
  ASSERT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200")) << reply;
  EXPECT_TRUE(
      absl::StrContains(reply, "Content-Type: text/plain; version=0.0.4"));
  EXPECT_TRUE(
      absl::StrContains(reply, "# TYPE hoop_gateway_statements_total counter"));
  EXPECT_GE(Metric(reply, "hoop_gateway_connections_total"), 3) << reply;
  EXPECT_GE(Metric(reply, "hoop_gateway_statements_total{verdict=\"allow\"}"),
            1)
      << reply;
  EXPECT_GE(Metric(reply, "hoop_gateway_statements_total{verdict=\"deny\"}"), 1)
      << reply;
  EXPECT_GE(Metric(reply, "hoop_gateway_auth_failures_total"), 1) << reply;
  EXPECT_GE(
      Metric(reply, "hoop_gateway_masked_values_total{detector=\"EMAIL\"}"), 2)
      << reply;
  EXPECT_GT(
      Metric(reply, "hoop_gateway_bytes_total{direction=\"client_to_server\"}"),
      0)
      << reply;
  EXPECT_GT(
      Metric(reply, "hoop_gateway_bytes_total{direction=\"server_to_client\"}"),
      0)
      << reply;
  EXPECT_TRUE(absl::StartsWith(AdminGet("/nope"), "HTTP/1.1 404"));
}

// --- configuration errors, cancel, sslmode=prefer
// ---------------------------------

// A bad file is refused at start, naming the file, line, column and field.
TEST(GatewayConfigTest, BadFileNamesLineAndField) {
  const std::string dir = TempDir();
  std::filesystem::create_directories(dir);
  struct Case {
    std::string yaml, expect;
  };
  const std::vector<Case> cases = {
      {"listen: {address: 127.0.0.1, port: 99999}\nrecords_dir: r\n",
       "bad.yaml:1:36: listen.port: expected an integer in 0..65535"},
      {"listen: {port: 1}\nrecords_dir: r\nresources:\n  - name: a\n"
       "    upstream: {database: d, user: u}\n    policy_file: p\n"
       "    oidc: {jwks_file: j, issuer: i, audience: a}\n"
       "    maskin: default\n",
       "bad.yaml:8:5: resources[0].maskin: unknown field"},
      {"listen: {port: 1}\nrecords_dir: r\nresources:\n  - name: a\n"
       "    upstream: {database: d}\n",
       "bad.yaml:5:15: resources[0].upstream.user: required"},
      {"listen: [1, 2\n", "bad.yaml:"},
  };
  for (const Case& c : cases) {
    WriteFile(dir + "/bad.yaml", c.yaml);
    const Ran r = RunChild({HOOP_GATEWAY_BIN, "--config", dir + "/bad.yaml"});
    EXPECT_EQ(r.exit_code, 2) << c.yaml;
    EXPECT_TRUE(absl::StrContains(r.err, c.expect))
        << "want: " << c.expect << "\ngot: " << r.err;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// psql's default sslmode (prefer) sends SSLRequest first; the gateway says
// 'N' (no TLS yet) and the session goes on in plain text.
TEST_F(GatewayTest, SslPreferFallsBackToPlainText) {
  std::vector<std::string> a = {
      PsqlBin(),
      "-X",
      "-w",
      "-A",
      "-t",
      "-d",
      absl::StrCat("host=127.0.0.1 port=", port_, " dbname=", kDatabase,
                   " user=etl-agent sslmode=prefer"),
      "-c",
      "SELECT current_user"};
  const Ran r = RunChild(a, PsqlEnv(Agent()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The upstream session runs as the resource's credential, not the token's
  // subject: the client never learns that credential.
  EXPECT_EQ(r.out, std::string(kUpstreamUser) + "\n") << r.err;
}

// A CancelRequest carrying the gateway's BackendKeyData reaches the right
// upstream backend: a long pg_sleep ends at once with 57014.
TEST_F(GatewayTest, CancelRequestReachesTheUpstreamBackend) {
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  pg::StartupMessage sm;
  sm.parameters = {{"user", "etl-agent"}, {"database", kDatabase}};
  std::string out = pg::Encode(sm);
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  pg::Decoder dec;
  dec.Feed(wire::Direction::kClientToServer, out);
  pg::Frame f;
  while (dec.Next(wire::Direction::kClientToServer, &f) ==
         pg::DecodeResult::kFrame) {
  }
  std::vector<std::string> chunks;
  std::int32_t pid = 0;
  std::string secret, code;
  bool ready = false, queried = false;
  const absl::Time start = absl::Now();
  absl::Time sent_cancel = absl::InfiniteFuture();
  char buf[4096];
  while (code.empty()) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    ASSERT_GT(n, 0) << "connection ended";
    chunks.emplace_back(buf, static_cast<std::size_t>(n));
    dec.Feed(wire::Direction::kServerToClient, chunks.back());
    while (dec.Next(wire::Direction::kServerToClient, &f) ==
           pg::DecodeResult::kFrame) {
      if (f.type == pg::MessageType::kAuthenticationCleartextPassword) {
        out = pg::Encode(pg::PasswordMessage{Agent()});
      } else if (f.type == pg::MessageType::kBackendKeyData) {
        auto k = pg::ParseAs<pg::BackendKeyData>(f);
        ASSERT_TRUE(k.ok());
        pid = k->process_id;
        secret = std::string(k->secret_key);
        continue;
      } else if (f.type == pg::MessageType::kReadyForQuery && !queried) {
        ready = true;
        queried = true;
        out = pg::Encode(pg::Query{"SELECT pg_sleep(30)"});
      } else if (f.type == pg::MessageType::kErrorResponse) {
        auto e = pg::ParseAs<pg::ErrorResponse>(f);
        ASSERT_TRUE(e.ok());
        code = std::string(e->Field('C'));
        continue;
      } else {
        continue;
      }
      ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      dec.Feed(wire::Direction::kClientToServer, out);
      pg::Frame cf;
      while (dec.Next(wire::Direction::kClientToServer, &cf) ==
             pg::DecodeResult::kFrame) {
      }
      if (queried && sent_cancel == absl::InfiniteFuture()) {
        // Let the query start, then cancel it from a second connection.
        absl::SleepFor(absl::Milliseconds(300));
        const int cfd = Connect(port_);
        ASSERT_GE(cfd, 0);
        pg::CancelRequest req;
        req.process_id = pid;
        req.secret_key = secret;
        const std::string c = pg::Encode(req);
        ::send(cfd, c.data(), c.size(), MSG_NOSIGNAL);
        ::recv(cfd, buf, sizeof(buf), 0);  // the gateway closes it
        ::close(cfd);
        sent_cancel = absl::Now();
      }
    }
  }
  ::close(fd);
  EXPECT_TRUE(ready);
  EXPECT_EQ(code, "57014");  // query_canceled
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// --- shutdown
// ----------------------------------------------------------------------

// SIGTERM: the gateway stops accepting, cancels what is held (recorded),
// closes the sessions, signs their records and exits 0. A second gateway
// process, so the suite's keeps serving.
TEST_F(GatewayTest, SigtermCancelsHeldCommandsAndSignsRecords) {
  const std::string dir = TempDir();
  const int port = FreePort(), admin = FreePort();
  WriteConfig(dir + "/gateway-2.yaml", port, admin, "records-2");
  pid_t pid = -1;
  const std::string base = dir + "/gateway-2";
  ASSERT_EQ(Launch(dir + "/gateway-2.yaml", base, port, &pid), "");

  const std::string psql_base = dir + "/held-shutdown";
  const pid_t psql =
      Spawn(PsqlArgs({"DELETE FROM ledger WHERE id = 3"}, "etl-agent", port),
            PsqlEnv(Agent()), psql_base);
  const std::string id = WaitForHeld("DELETE FROM ledger WHERE id = 3", admin);
  ASSERT_FALSE(id.empty()) << ReadFile(base + ".err");

  ::kill(pid, SIGTERM);
  const Ran gw = Wait(pid, base, absl::Seconds(20));
  EXPECT_EQ(gw.exit_code, 0) << gw.err;
  EXPECT_TRUE(absl::StrContains(gw.err, "shutting down")) << gw.err;
  const Ran r = Wait(psql, psql_base, absl::Seconds(20));
  EXPECT_NE(r.exit_code, -1) << "psql hung after the gateway stopped";
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 3"), "1\n");
  EXPECT_LT(Connect(port), 0) << "still accepting";

  // The session's records are complete: the held command cancelled, the
  // end's reason, a final signed checkpoint.
  absl::StatusOr<session::VerifyingKey> key =
      session::VerifyingKey::FromPem(*records_pub_);
  ASSERT_TRUE(key.ok());
  session::VerifyOptions vo;
  vo.key = &*key;
  absl::StatusOr<std::vector<session::SessionReport>> read =
      session::ReadSessions({dir + "/records-2"}, vo);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  const session::SessionReport& rep = (*read)[0];
  EXPECT_TRUE(rep.ok()) << rep.faults[0].ToString();
  EXPECT_TRUE(rep.complete);
  bool cancelled = false, ended = false;
  for (const session::StoredRecord& rec : rep.records) {
    if (rec.record.has_approval() && rec.record.approval().request_id() == id &&
        rec.record.approval().state() == session::v1::APPROVAL_STATE_CANCELLED)
      cancelled = true;
    if (rec.record.has_end()) {
      ended = true;
      EXPECT_EQ(rec.record.end().reason(),
                session::v1::END_REASON_GATEWAY_SHUTDOWN);
    }
  }
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(ended);
}

// --- TLS on the client leg
// -------------------------------------------------------

// With `tls` configured, SSLRequest gets 'S' and a handshake with the
// gateway's certificate (psql verify-full checks it); `require: true`
// refuses plain clients with 28000; cleartext on loopback is off, so the
// token travels only inside TLS.
TEST_F(GatewayTest, TlsClientLegVerifyFullAndRequire) {
  const std::string dir = TempDir();
  const Ran cert =
      RunChild({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                "-keyout", dir + "/gw.key", "-out", dir + "/gw.crt"});
  if (cert.exit_code != 0) GTEST_SKIP() << "no openssl CLI: " << cert.err;
  const int port = FreePort(), admin = FreePort();
  WriteConfig(dir + "/gateway-tls.yaml", port, admin, "records-tls",
              "tls: {cert_file: gw.crt, key_file: gw.key, require: true}\n");
  pid_t pid = -1;
  const std::string base = dir + "/gateway-tls";
  ASSERT_EQ(Launch(dir + "/gateway-tls.yaml", base, port, &pid), "");

  std::vector<std::string> a = {
      PsqlBin(),
      "-X",
      "-w",
      "-A",
      "-t",
      "-d",
      absl::StrCat("host=127.0.0.1 port=", port, " dbname=", kDatabase,
                   " user=etl-agent sslmode=verify-full sslrootcert=", dir,
                   "/gw.crt"),
      "-c",
      "SELECT email FROM customers WHERE id = 1",
      "-c",
      "\\conninfo"};
  const Ran r = RunChild(a, PsqlEnv(Agent()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "[EMAIL]\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "SSL connection")) << r.out;

  // Plain text is refused before any token is asked for.
  a[6] = absl::StrCat("host=127.0.0.1 port=", port, " dbname=", kDatabase,
                      " user=etl-agent sslmode=disable");
  const Ran plain = RunChild(a, PsqlEnv(Agent()));
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(plain.err, "requires TLS")) << plain.err;
  // A client that does not trust the certificate gives up.
  a[6] = absl::StrCat("host=127.0.0.1 port=", port, " dbname=", kDatabase,
                      " user=etl-agent sslmode=verify-full sslrootcert=", dir,
                      "/jwks.json");
  EXPECT_NE(RunChild(a, PsqlEnv(Agent())).exit_code, 0);

  ::kill(pid, SIGTERM);
  const Ran gw = Wait(pid, base, absl::Seconds(20));
  EXPECT_EQ(gw.exit_code, 0) << gw.err;
}

// COPY TO STDOUT is masked as it streams (CopyData by CopyData).
TEST_F(GatewayTest, CopyOutIsMasked) {
  const Ran r = Psql(Agent(), {"COPY (SELECT id, email FROM customers ORDER BY "
                               "id) TO STDOUT WITH (FORMAT csv)"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1,[EMAIL]\n2,[EMAIL]\n") << r.err;
}

// psycopg 3 (Debian's, for /usr/bin/python3) in the simple protocol
// (ClientCursor) and in pipeline mode; a DROP in a pipeline is refused with
// 42501 and the connection goes on.
TEST_F(GatewayTest, PsycopgSimpleAndPipeline) {
  const char* script = R"(
import json, sys
import psycopg
out = {}
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    cur = psycopg.ClientCursor(conn)
    cur.execute("SELECT id, email FROM customers ORDER BY id")
    out["simple"] = [[str(v) for v in r] for r in cur.fetchall()]
    c1, c2 = conn.cursor(), conn.cursor()
    with conn.pipeline():
        c1.execute("SELECT email FROM customers WHERE id = %s", (2,))
        c2.execute("SELECT note FROM customers WHERE id = %s", (2,))
    out["pipeline"] = [c1.fetchone()[0], c2.fetchone()[0]]
    try:
        with conn.pipeline():
            conn.execute("SELECT 1")
            conn.execute("DROP TABLE customers")
    except psycopg.Error as e:
        out["drop"] = e.sqlstate
    out["after"] = conn.execute("SELECT 41 + 1").fetchone()[0]
print(json.dumps(out))
)";
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no python3";
  const Ran r = RunChild(
      {"/usr/bin/python3", "-c", script,
       absl::StrCat("host=127.0.0.1 port=", port_, " dbname=", kDatabase,
                    " user=etl-agent sslmode=disable")},
      PsqlEnv(Agent()));
  if (absl::StrContains(r.err, "No module named 'psycopg'"))
    GTEST_SKIP() << "no python3-psycopg";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["simple"],
            nlohmann::json::parse(R"([["1","[EMAIL]"],["2","[EMAIL]"]])"));
  EXPECT_EQ(j["pipeline"],
            nlohmann::json::parse(R"(["[EMAIL]","call [EMAIL]"])"));
  EXPECT_EQ(j["drop"], "42501");
  EXPECT_EQ(j["after"], 42);
  EXPECT_FALSE(absl::StrContains(r.out, "planted"));
}

// --- failures around the session
// ---------------------------------------------------

TEST_F(GatewayTest, UpstreamDownAtConnectIsAFatalError) {
  const auto [code, message] = RawLogin(Agent(), "down");
  EXPECT_EQ(code, "08006") << message;
  EXPECT_TRUE(absl::StrContains(message, "down")) << message;
  // The gateway goes on serving the other resource.
  EXPECT_EQ(RawLogin(Agent()).first, "");
}

// A client that goes away while its command is held leaves nothing to
// approve, and the command never runs.
TEST_F(GatewayTest, ClientGoneMidApprovalCancelsTheHeldCommand) {
  const std::string base = TempDir() + "/held-gone";
  const pid_t psql =
      Spawn(PsqlArgs({"DELETE FROM ledger WHERE id = 4"}, "etl-agent"),
            PsqlEnv(Agent()), base);
  const std::string id = WaitForHeld("DELETE FROM ledger WHERE id = 4");
  ASSERT_FALSE(id.empty());
  ::kill(psql, SIGKILL);
  Wait(psql, base, absl::Seconds(10));
  bool gone = false;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (!gone && absl::Now() < until) {
    const Ran r = Hoopctl({"approvals", "list", "--json"});
    gone = r.exit_code == 0 && !absl::StrContains(r.out, id);
    if (!gone) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(Hoopctl({"approvals", "approve", id, "--as", "dba-ana", "--reason",
                     "too late"})
                .exit_code,
            1);
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 4"), "1\n");
}

// pgbench's select-only script through the gateway in the simple, extended
// and prepared query modes: every transaction succeeds.
TEST_F(GatewayTest, PgbenchSelectOnlyInEveryQueryMode) {
  const std::string pgbench =
      PsqlBin().substr(0, PsqlBin().size() - 4) + "pgbench";
  // Initialised directly (DDL is not for agents), readable by the resource's
  // role.
  const Ran init = RunChild(
      {pgbench, "-i", "-s", "1", "-q", "-h", server_->socket_dir(), "-p",
       std::to_string(server_->port()), "-U", server_->superuser(), kDatabase});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Direct(absl::StrCat("GRANT SELECT ON ALL TABLES IN SCHEMA public TO ",
                      kUpstreamUser, ";"));
  for (const char* mode : {"simple", "extended", "prepared"}) {
    const Ran r = RunChild(
        {pgbench, "-n", "-S", "-M", mode, "-c", "4", "-j", "2", "-t", "200",
         "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "etl-agent",
         kDatabase},
        {"PGPASSWORD=" + Agent(), "PGSSLMODE=disable"}, absl::Seconds(120));
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << r.err << r.out;
    EXPECT_TRUE(absl::StrContains(
        r.out, "number of transactions actually processed: 800/800"))
        << mode << ": " << r.out << r.err;
    // For the log: pgbench's own figures (not a benchmark: 4 clients on a
    // shared machine, alongside the server and the gateway).
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
      if (absl::StartsWith(line, "tps =") ||
          absl::StartsWith(line, "latency average"))
        std::cout << "pgbench -S -M " << mode << ": " << line << "\n";
  }
}

// 200 clients at once, each through its own session and upstream
// connection (pgbench -S, simple protocol, 5 transactions each).
TEST_F(GatewayTest, TwoHundredConcurrentConnections) {
  const std::string pgbench =
      PsqlBin().substr(0, PsqlBin().size() - 4) + "pgbench";
  const Ran init = RunChild(
      {pgbench, "-i", "-s", "1", "-q", "-h", server_->socket_dir(), "-p",
       std::to_string(server_->port()), "-U", server_->superuser(), kDatabase});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Direct(absl::StrCat("GRANT SELECT ON ALL TABLES IN SCHEMA public TO ",
                      kUpstreamUser, ";"));
  const Ran r = RunChild(
      {pgbench, "-n", "-S", "-c", "200", "-j", "2", "-t", "5", "-h",
       "127.0.0.1", "-p", std::to_string(port_), "-U", "etl-agent", kDatabase},
      {"PGPASSWORD=" + Agent(), "PGSSLMODE=disable"}, absl::Seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "number of transactions actually processed: 1000/1000"))
      << r.out << r.err;
  // Every session ended and was let go.
  std::string metrics;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  do {
    metrics = AdminGet("/metrics");
    if (Metric(metrics, "hoop_gateway_connections_active") == 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < until);
  EXPECT_EQ(Metric(metrics, "hoop_gateway_connections_active"), 0) << metrics;
}

// --- TLS on the upstream leg
// ---------------------------------------------------------

// TLS on both legs: psql verify-full to the gateway, the gateway
// verify-full to the server (pg_stat_ssl shows the gateway's backend on
// TLS); a wrong server_name, a wrong CA and a server that answers 'N' are
// refused with 08006, and after an 'N' nothing is sent in clear.
TEST_F(GatewayTest, TlsOnBothLegsVerifyFull) {
  if (!tls_error_->empty()) GTEST_SKIP() << "no test PKI: " << *tls_error_;
  RefusesTls plain_only;
  const std::string dir = TempDir(), pki = *pki_dir_;
  const int port = FreePort(), admin = FreePort();
  auto resource = [&](const std::string& name, int upstream_port,
                      const std::string& tls) {
    return absl::StrCat(
        "  - name: ", name,
        "\n    upstream: {host: 127.0.0.1, port: ", upstream_port,
        ", database: ", kDatabase, ", user: ", kUpstreamUser,
        ", password: ", kUpstreamPassword, ", credential: shop-app, tls: ", tls,
        "}\n    policy_file: policy.yaml\n    masking: default\n"
        "    oidc: {jwks_file: jwks.json, issuer: ",
        kIssuer, ", audience: ", kAudience,
        ", kind_claim: kind, non_human_values: [agent]}\n");
  };
  WriteFile(dir + "/gateway-uptls.yaml",
            absl::StrCat(
                "listen: {address: 127.0.0.1, port: ", port, "}\n",
                "tls: {cert_file: ", pki, "/gw.crt, key_file: ", pki,
                "/gw.key, require: true}\n",
                "admin: {address: 127.0.0.1, port: ", admin, "}\n",
                "records_dir: records-uptls\nsigning_key_file: records.key\n"
                "gateway_id: gw-uptls\nresources:\n",
                resource("shop", server_->port(),
                         "{mode: verify-full, ca_file: " + pki +
                             "/ca.crt, server_name: db.hoop.test}"),
                resource("shop-by-ip", server_->port(),
                         "{mode: verify-full, ca_file: " + pki + "/ca.crt}"),
                resource("shop-wrong-name", server_->port(),
                         "{mode: verify-full, ca_file: " + pki +
                             "/ca.crt, server_name: other.hoop.test}"),
                resource("shop-wrong-ca", server_->port(),
                         "{mode: verify-full, ca_file: " + pki +
                             "/other-ca.crt, server_name: db.hoop.test}"),
                resource("plain-only", plain_only.port(), "{mode: require}")));
  std::filesystem::create_directories(dir + "/records-uptls");
  pid_t pid = -1;
  const std::string base = dir + "/gateway-uptls";
  ASSERT_EQ(Launch(dir + "/gateway-uptls.yaml", base, port, &pid), "");

  auto psql = [&](const std::string& db, const std::vector<std::string>& sql) {
    std::vector<std::string> a = {
        PsqlBin(),
        "-X",
        "-w",
        "-A",
        "-t",
        "-v",
        "VERBOSITY=verbose",
        "-d",
        absl::StrCat("host=127.0.0.1 port=", port, " dbname=", db,
                     " user=etl-agent sslmode=verify-full sslrootcert=", pki,
                     "/ca.crt connect_timeout=10")};
    for (const std::string& q : sql) a.insert(a.end(), {"-c", q});
    return RunChild(a, PsqlEnv(Agent()));
  };
  const Ran ok =
      psql("shop", {"SELECT email FROM customers WHERE id = 1",
                    "SELECT ssl, version FROM pg_stat_ssl WHERE pid = "
                    "pg_backend_pid()",
                    "\\conninfo"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << ReadFile(base + ".err");
  EXPECT_TRUE(absl::StartsWith(ok.out, "[EMAIL]\nt|TLSv1.3\n")) << ok.out;
  EXPECT_TRUE(absl::StrContains(ok.out, "SSL connection")) << ok.out;
  // The certificate's IP SAN when server_name is left to the host: the
  // login succeeds (the policy names only `shop`, so the SELECT itself is
  // refused by default deny, inside a working session).
  const Ran by_ip = psql("shop-by-ip", {"SELECT 1"});
  EXPECT_TRUE(absl::StrContains(by_ip.err, "42501")) << by_ip.err;

  const Ran wrong_name = psql("shop-wrong-name", {"SELECT 1"});
  EXPECT_NE(wrong_name.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(wrong_name.err, "cannot connect to its server"))
      << wrong_name.err;
  EXPECT_TRUE(absl::StrContains(wrong_name.err, "hostname mismatch"))
      << wrong_name.err;
  const Ran wrong_ca = psql("shop-wrong-ca", {"SELECT 1"});
  EXPECT_NE(wrong_ca.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(wrong_ca.err, "cannot connect to its server"))
      << wrong_ca.err;
  EXPECT_TRUE(absl::StrContains(wrong_ca.err, "certificate verify failed"))
      << wrong_ca.err;
  const Ran refused = psql("plain-only", {"SELECT 1"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(refused.err, "does not accept TLS"))
      << refused.err;
  plain_only.Join();
  EXPECT_EQ(plain_only.request(), pg::Encode(pg::SSLRequest{}));
  EXPECT_EQ(plain_only.after(), "") << "sent in clear after 'N'";

  // The session is recorded, with the credential's name and the client's
  // startup parameters; the refused ones made no session at all.
  const std::optional<session::SessionReport> rec =
      CompleteSessionWith(dir + "/records-uptls", "pg_stat_ssl");
  ASSERT_TRUE(rec.has_value());
  EXPECT_NE(CommandIn(*rec, "SELECT email FROM customers"), nullptr);
  const session::v1::SessionStart& start = rec->records[0].record.start();
  EXPECT_EQ(start.credential().id(), "shop-app");
  EXPECT_EQ(start.attributes().at("upstream_tls"), "on");
  absl::StatusOr<std::vector<session::SessionReport>> all =
      session::ReadSessions({dir + "/records-uptls"}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);  // shop and shop-by-ip

  ::kill(pid, SIGTERM);
  const Ran gw = Wait(pid, base, absl::Seconds(20));
  EXPECT_EQ(gw.exit_code, 0) << gw.err;
}

// --- COPY FROM STDIN, and results cut short
// ------------------------------------------

// COPY FROM STDIN (psql's \copy) into a table the policy lets agents load:
// the rows arrive. Into customers, which the policy refuses: nothing
// arrives. Both are recorded with their verdicts.
TEST_F(GatewayTest, CopyFromStdinIsDecidedAndRecorded) {
  const std::string dir = TempDir();
  WriteFile(
      dir + "/imports.csv",
      "101,x.planted@example.com\n102,y@example.com\n103,z@example.com\n");
  const Ran in = Psql(Agent(), {"\\copy imports FROM '" + dir +
                                "/imports.csv' WITH (FORMAT csv)"});
  EXPECT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM imports WHERE id > 100"), "3\n");
  const Ran refused = Psql(Agent(), {"\\copy customers (id, email) FROM '" +
                                     dir + "/imports.csv' WITH (FORMAT csv)"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(refused.err,
                                "customers are written by the application"))
      << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "42501")) << refused.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM customers"), "2\n");

  const std::optional<session::SessionReport> loaded =
      CompleteSessionWith(dir + "/records", "imports FROM STDIN");
  ASSERT_TRUE(loaded.has_value());
  const session::v1::Result* result = nullptr;
  const session::v1::Command* c =
      CommandIn(*loaded, "imports FROM STDIN", &result);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->verdict().decision(), session::v1::DECISION_ALLOW);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->status(), "COPY 3");
  const std::optional<session::SessionReport> denied = CompleteSessionWith(
      dir + "/records", "customers ( id, email ) FROM STDIN");
  ASSERT_TRUE(denied.has_value()) << AllCommands(dir + "/records");
  c = CommandIn(*denied, "customers ( id, email ) FROM STDIN");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->verdict().decision(), session::v1::DECISION_DENY);
  EXPECT_EQ(c->verdict().rule_ids(0), "customers-by-the-app-only");
}

// A result that streams for as long as the client reads (a set-returning
// function in the target list sends rows at once).
constexpr char kEndlessSelect[] =
    "SELECT generate_series(1, 100000000) AS g, repeat('x', 200) AS pad";

// The upstream backend dies while a large result streams (terminated from
// a direct connection): the client gets the server's FATAL and then EOF,
// not a hang; the record holds the command and ends with "server closed".
TEST_F(GatewayTest, UpstreamDyingMidResultEndsTheClientWithAnError) {
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  pg::StartupMessage sm;
  sm.parameters = {{"user", "etl-agent"},
                   {"database", kDatabase},
                   {"application_name", "gw-dies-itest"}};
  std::string out = pg::Encode(sm);
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  pg::Decoder dec;
  dec.Feed(wire::Direction::kClientToServer, out);
  pg::Frame f;
  while (dec.Next(wire::Direction::kClientToServer, &f) ==
         pg::DecodeResult::kFrame) {
  }
  std::deque<std::string> chunks;  // frames view into them
  std::size_t row_bytes = 0;
  bool terminated = false, eof = false;
  std::vector<std::string> codes;
  const absl::Time start = absl::Now();
  char buf[65536];
  while (!eof && absl::Now() - start < absl::Seconds(60)) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) {
      eof = true;
      break;
    }
    ASSERT_GT(n, 0) << "recv: " << std::strerror(errno);
    chunks.emplace_back(buf, static_cast<std::size_t>(n));
    dec.Feed(wire::Direction::kServerToClient, chunks.back());
    while (dec.Next(wire::Direction::kServerToClient, &f) ==
           pg::DecodeResult::kFrame) {
      out.clear();
      if (f.type == pg::MessageType::kAuthenticationCleartextPassword) {
        out = pg::Encode(pg::PasswordMessage{Agent()});
      } else if (f.type == pg::MessageType::kReadyForQuery) {
        ASSERT_EQ(row_bytes, 0u) << "the result ended on its own";
        out = pg::Encode(pg::Query{kEndlessSelect});
      } else if (f.type == pg::MessageType::kDataRow) {
        row_bytes += f.bytes.size();
      } else if (f.type == pg::MessageType::kErrorResponse) {
        auto e = pg::ParseAs<pg::ErrorResponse>(f);
        ASSERT_TRUE(e.ok());
        codes.push_back(std::string(e->Field('C')));
      }
      if (!out.empty()) {
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        dec.Feed(wire::Direction::kClientToServer, out);
        pg::Frame cf;
        while (dec.Next(wire::Direction::kClientToServer, &cf) ==
               pg::DecodeResult::kFrame) {
        }
      }
    }
    if (!terminated && row_bytes > (std::size_t{4} << 20)) {
      terminated = true;
      EXPECT_EQ(Direct("SELECT pg_terminate_backend(pid) FROM "
                       "pg_stat_activity WHERE application_name = "
                       "'gw-dies-itest'"),
                "t\n");
    }
  }
  ::close(fd);
  EXPECT_TRUE(terminated);
  EXPECT_TRUE(eof) << "no EOF after the backend died";
  // The server's own FATAL (57P01, admin_shutdown) when it could still send
  // it, and the gateway's 08006 in any case.
  ASSERT_FALSE(codes.empty()) << "EOF without an error";
  EXPECT_EQ(codes.back(), "08006");
  for (const std::string& c : codes)
    EXPECT_TRUE(c == "57P01" || c == "08006") << c;
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));

  const std::optional<session::SessionReport> rec =
      CompleteSessionWith(TempDir() + "/records", kEndlessSelect);
  ASSERT_TRUE(rec.has_value());
  const session::v1::Command* c = CommandIn(*rec, kEndlessSelect);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->verdict().decision(), session::v1::DECISION_ALLOW);
  const session::v1::SessionEnd* end = EndOf(*rec);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->reason(), session::v1::END_REASON_SERVER_CLOSED)
      << end->detail();
  EXPECT_GT(end->bytes_server_to_client(), std::uint64_t{4} << 20);
}

// psql killed while a large result streams: the gateway closes the
// upstream connection (its backend leaves pg_stat_activity) and records
// the session's end, "client closed".
TEST_F(GatewayTest, ClientGoneMidResultClosesTheUpstream) {
  const std::string base = TempDir() + "/gone-mid-result";
  std::vector<std::string> env = PsqlEnv(Agent());
  env[1] = "PGAPPNAME=gw-gone-itest";
  const std::string query = absl::StrCat(kEndlessSelect, " -- gone");
  const pid_t psql = Spawn(PsqlArgs({query}, "etl-agent"), env, base);
  const std::string active =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
      "'gw-gone-itest' AND state = 'active'";
  const std::string present =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
      "'gw-gone-itest'";
  absl::Time until = absl::Now() + absl::Seconds(20);
  while (Direct(active) != "1\n" && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(Direct(active), "1\n") << ReadFile(base + ".err");
  absl::SleepFor(absl::Milliseconds(300));  // rows flowing
  ::kill(psql, SIGKILL);
  Wait(psql, base, absl::Seconds(10));
  until = absl::Now() + absl::Seconds(20);
  while (Direct(present) != "0\n" && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Direct(present), "0\n") << "the upstream backend is still there";

  const std::optional<session::SessionReport> rec =
      CompleteSessionWith(TempDir() + "/records", query);
  ASSERT_TRUE(rec.has_value());
  const session::v1::Command* c = CommandIn(*rec, query);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->verdict().decision(), session::v1::DECISION_ALLOW);
  const session::v1::SessionEnd* end = EndOf(*rec);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->reason(), session::v1::END_REASON_CLIENT_CLOSED)
      << end->detail();
}

// --- approvers authenticated with ID tokens
// -------------------------------------------

// admin.require_token: approve/deny need `Authorization: Bearer <ID token>`
// (hoopctl --token or $HOOP_TOKEN). No token or a bad one: 401; a person
// outside the rule's approver_groups, or the requester approving their own
// command: 403; a dba: 200, and the record names the token's subject.
TEST_F(GatewayTest, ApproversAuthenticateWithTokensWhenRequired) {
  const std::string dir = TempDir();
  const int port = FreePort(), admin = FreePort();
  WriteConfig(dir + "/gateway-auth.yaml", port, admin, "records-auth");
  std::string yaml = ReadFile(dir + "/gateway-auth.yaml");
  const std::string admin_line =
      absl::StrCat("admin: {address: 127.0.0.1, port: ", admin, "}");
  ASSERT_TRUE(absl::StrContains(yaml, admin_line));
  yaml.replace(yaml.find(admin_line), admin_line.size(),
               absl::StrCat("admin: {address: 127.0.0.1, port: ", admin,
                            ", require_token: true}"));
  WriteFile(dir + "/gateway-auth.yaml", yaml);
  pid_t pid = -1;
  const std::string base = dir + "/gateway-auth";
  ASSERT_EQ(Launch(dir + "/gateway-auth.yaml", base, port, &pid), "");

  const std::string statement = "DELETE FROM ledger WHERE id = 5";
  const std::string psql_base = dir + "/held-auth";
  const pid_t psql = Spawn(PsqlArgs({statement}, "etl-agent", port),
                           PsqlEnv(Agent()), psql_base);
  const std::string id = WaitForHeld(statement, admin);
  ASSERT_FALSE(id.empty()) << ReadFile(base + ".err");

  auto approve = [&](std::vector<std::string> args,
                     const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), {HOOP_HOOPCTL_BIN, "approvals", "approve", id});
    args.insert(args.end(), {"--reason", "ticket OPS-2", "--admin",
                             absl::StrCat("http://127.0.0.1:", admin)});
    return RunChild(args, env);
  };
  const Ran no_token = approve({"--as", "dba-ana"});
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(no_token.err, "HTTP 401")) << no_token.err;
  const Ran bad_token = approve({"--token", "not-a-token"});
  EXPECT_EQ(bad_token.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad_token.err, "HTTP 401")) << bad_token.err;
  const Ran analyst =
      approve({"--token", Mint(*key_, Claims{"bob", "person", {"analysts"}})});
  EXPECT_EQ(analyst.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(analyst.err, "HTTP 403")) << analyst.err;
  EXPECT_TRUE(absl::StrContains(analyst.err, "none of the groups"))
      << analyst.err;
  const Ran own =
      approve({"--token", Mint(*key_, Claims{"etl-agent", "agent", {"dba"}})});
  EXPECT_EQ(own.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(own.err, "HTTP 403")) << own.err;
  EXPECT_TRUE(absl::StrContains(own.err, "their own command")) << own.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 5"), "1\n");

  // $HOOP_TOKEN; a body "approver" (--as) does not override the token.
  const Ran dba =
      approve({"--as", "someone-else"},
              {"HOOP_TOKEN=" +
               Mint(*key_, Claims{"dba-ana", "person", {"dba", "staff"}})});
  EXPECT_EQ(dba.exit_code, 0) << dba.err;
  EXPECT_TRUE(absl::StrContains(dba.out, "approved by dba-ana")) << dba.out;
  const Ran r = Wait(psql, psql_base, absl::Seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Direct("SELECT count(*) FROM ledger WHERE id = 5"), "0\n");

  const std::optional<session::SessionReport> rec =
      CompleteSessionWith(dir + "/records-auth", statement);
  ASSERT_TRUE(rec.has_value());
  bool approved = false;
  for (const session::StoredRecord& x : rec->records)
    if (x.record.has_approval() &&
        x.record.approval().state() == session::v1::APPROVAL_STATE_APPROVED) {
      approved = true;
      EXPECT_EQ(x.record.approval().approver().subject(), "dba-ana");
      EXPECT_EQ(x.record.approval().reason(), "ticket OPS-2");
    }
  EXPECT_TRUE(approved);

  ::kill(pid, SIGTERM);
  const Ran gw = Wait(pid, base, absl::Seconds(20));
  EXPECT_EQ(gw.exit_code, 0) << gw.err;
}

}  // namespace
}  // namespace hoop
