// Copyright 2026 The hoop Authors.

#include "gateway.h"

#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

#include "hoop/masking/masker.h"
#include "hoop/masking/profile.h"
#include "hoop/policy/identity.h"
#include "hoop/policy/policy.h"
#include "hoop/session/keys.h"
#include "hoop/session/postgres_session.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"
#include "hoop/wire/postgres.h"
#include "hoop/wire/postgres_auth.h"
#include "upstream.h"

namespace hoop::gateway {
namespace {

using asio::ip::tcp;
using session::Direction;
using session::Output;
using session::Resolution;
namespace pg = hoop::wire::postgres;

// session.v1.EndReason values.
constexpr int kClientClosed = 1;
constexpr int kServerClosed = 2;
constexpr int kProtocolError = 3;
constexpr int kGatewayShutdown = 6;

constexpr std::size_t kReadSize = 64 * 1024;
constexpr std::size_t kMaxStartup = 10000;
constexpr std::size_t kMaxHandshakeMessage = 1 << 20;

std::uint32_t Be32(std::string_view s, std::size_t at) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) |
         (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]};
}

std::string Fatal(std::string_view code, std::string_view message) {
  return pg::Encode(pg::ErrorResponse{
      {{'S', "FATAL"}, {'V', "FATAL"}, {'C', code}, {'M', message}}});
}

void Log(const std::string& line) {
  std::fprintf(stderr, "hoop-pg-gateway: %s\n", line.c_str());
}

int Side(Direction d) { return d == Direction::kClientToServer ? 0 : 1; }

// Counters shared by the I/O thread and the recorders' writer threads.
struct Counters {
  std::atomic<std::uint64_t> connections{0}, active{0};
  std::atomic<std::uint64_t> auth_failures{0}, upstream_failures{0};
  std::atomic<std::uint64_t> allowed{0}, denied{0}, reviewed{0};
  std::atomic<std::uint64_t> approved{0}, rejected{0}, expired{0}, cancelled{0};
  std::atomic<std::uint64_t> client_to_server{0}, server_to_client{0};
  std::atomic<std::uint64_t> cells_masked{0};
  std::atomic<std::uint64_t> records{0};
  mutable std::mutex mu;
  std::map<std::string, std::uint64_t> masked_by_detector;  // guarded by mu
};

// Passes records to the file and counts masked values by detector on the
// way (the Recorder calls it from its writer thread).
class CountingSink : public session::Sink {
 public:
  CountingSink(std::unique_ptr<session::Sink> inner,
               std::shared_ptr<Counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}
  absl::Status Write(std::string_view framed,
                     const session::v1::Record& record) override {
    counters_->records.fetch_add(1, std::memory_order_relaxed);
    if (record.has_result() && record.result().masked_size() > 0) {
      std::lock_guard<std::mutex> l(counters_->mu);
      for (const auto& m : record.result().masked())
        counters_->masked_by_detector[m.detector()] += m.count();
    }
    return inner_->Write(framed, record);
  }
  absl::Status Sync() override { return inner_->Sync(); }
  absl::Status Close() override { return inner_->Close(); }

 private:
  std::unique_ptr<session::Sink> inner_;
  std::shared_ptr<Counters> counters_;
};

// A resource, ready to serve.
struct Resource {
  ResourceConfig config;
  std::shared_ptr<const policy::Policy> policy;
  std::shared_ptr<const masking::Masker> masker;  // null: no masking
  std::unique_ptr<policy::TokenVerifier> verifier;
  std::unique_ptr<asio::ssl::context> upstream_tls;  // null: plain TCP
  // Rule id → review.approver_groups, read from the policy file (the
  // compiled Policy does not expose its rules).
  std::map<std::string, std::vector<std::string>> approver_groups;
  // The upstream credential's SCRAM salted passwords: PBKDF2 (about 4 ms of
  // CPU at PostgreSQL's 4096 iterations) runs once per salt, not per login.
  std::unique_ptr<pg::ScramKeyCache> scram_keys =
      std::make_unique<pg::ScramKeyCache>();
};

}  // namespace

class Connection;

class Gateway::Impl {
 public:
  Impl(GatewayConfig config, asio::io_context& io)
      : config_(std::move(config)),
        io_(io),
        acceptor_(io),
        counters_(std::make_shared<Counters>()) {}

  absl::Status Load();
  absl::Status Listen();
  void Accept();

  const Resource* FindResource(std::string_view database) const {
    for (const auto& r : resources_)
      if (r->config.name == database) return r.get();
    for (const auto& r : resources_)
      if (r->config.database == database) return r.get();
    return nullptr;
  }

  GatewayConfig config_;
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<Resource>> resources_;
  std::optional<session::SigningKey> signing_key_;
  std::unique_ptr<asio::ssl::context> ssl_;  // null: no TLS for clients
  std::shared_ptr<Counters> counters_;
  // Live connections by id (I/O thread only).
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  // Gateway BackendKeyData process ids → connection ids, for CancelRequest.
  std::map<std::int32_t, std::uint64_t> by_key_;
  std::uint64_t next_id_ = 1;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  Gateway* owner_ = nullptr;

  void Forget(std::uint64_t id);
  void Cancel(std::int32_t pid, std::string_view secret);
};

// One client connection, from its first byte to its close.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Gateway::Impl& gw, tcp::socket client, std::uint64_t id)
      : gw_(gw),
        client_(std::move(client)),
        server_(std::make_shared<UpstreamStream>(gw.io_)),
        timer_(gw.io_),
        id_(id) {
    asio::error_code ec;
    const tcp::endpoint peer = client_.remote_endpoint(ec);
    if (!ec) {
      client_address_ = peer.address().to_string();
      loopback_ = peer.address().is_loopback();
    }
    for (auto& b : buf_) b.resize(kReadSize);
    unsigned char key[4];
    RAND_bytes(key, sizeof(key));
    secret_.assign(reinterpret_cast<char*>(key), sizeof(key));
    // A positive pid the client cannot confuse with another connection's.
    pid_ = static_cast<std::int32_t>(id_ & 0x7fffffff);
  }

  void Begin() { ReadStartup(); }

  std::uint64_t id() const { return id_; }
  std::int32_t pid() const { return pid_; }
  const std::string& secret() const { return secret_; }
  bool closed() const { return closed_; }

  // --- the handshake -------------------------------------------------------

  // Reads more handshake bytes from `side` into hs_[side], then calls `then`.
  template <typename Then>
  void ReadMore(int side, Then then) {
    auto on_read = [self = shared_from_this(), side, then](
                       const asio::error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) {
        if (side == 1)
          return self->FailClient("08006",
                                  "upstream closed the connection "
                                  "during authentication");
        return self->Close();
      }
      self->hs_[side].append(self->buf_[side].data(), n);
      then();
    };
    if (side == 0) {
      ClientRead(asio::buffer(buf_[0]), std::move(on_read));
    } else {
      server_->AsyncReadSome(asio::buffer(buf_[1]), std::move(on_read));
    }
  }

  // Client I/O goes through TLS once the handshake is done.
  template <typename Buffers, typename Handler>
  void ClientRead(const Buffers& b, Handler&& h) {
    if (tls_) {
      tls_->async_read_some(b, std::forward<Handler>(h));
    } else {
      client_.async_read_some(b, std::forward<Handler>(h));
    }
  }
  template <typename Buffers, typename Handler>
  void ClientWrite(const Buffers& b, Handler&& h) {
    if (tls_) {
      asio::async_write(*tls_, b, std::forward<Handler>(h));
    } else {
      asio::async_write(client_, b, std::forward<Handler>(h));
    }
  }

  // Writes `bytes` to the client, then calls `then`.
  template <typename Then>
  void WriteClient(std::string bytes, Then then) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    ClientWrite(asio::buffer(*data),
                [self = shared_from_this(), data, then](
                    const asio::error_code& ec, std::size_t) {
                  if (self->closed_) return;
                  if (ec) return self->Close();
                  then();
                });
  }
  template <typename Then>
  void WriteServer(std::string bytes, Then then) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    server_->AsyncWrite(
        asio::buffer(*data), [self = shared_from_this(), data, then](
                                 const asio::error_code& ec, std::size_t) {
          if (self->closed_) return;
          if (ec)
            return self->FailClient("08006",
                                    "upstream write failed: " + ec.message());
          then();
        });
  }

  // A FATAL ErrorResponse to the client, then close. Before the session
  // exists, so nothing is recorded; the log says why.
  void FailClient(std::string_view code, const std::string& message) {
    Log("conn " + std::to_string(id_) + " from " + client_address_ +
        ": refused: " + std::string(code) + " " + message);
    if (session_ != nullptr) return Close();
    WriteClient(Fatal(code, message),
                [self = shared_from_this()] { self->Close(); });
  }

  void ReadStartup() {
    std::string& in = hs_[0];
    if (in.size() >= 4) {
      const std::uint32_t len = Be32(in, 0);
      if (len < 8 || len > kMaxStartup)
        return FailClient("08P01", "invalid startup packet length");
      if (in.size() >= len) {
        const std::string packet = in.substr(0, len);
        in.erase(0, len);
        return OnStartupPacket(packet);
      }
    }
    ReadMore(0, [self = shared_from_this()] { self->ReadStartup(); });
  }

  void OnStartupPacket(const std::string& packet) {
    const std::uint32_t code = Be32(packet, 4);
    if (code == pg::kSSLRequestCode || code == pg::kGSSENCRequestCode) {
      if (!in_startup_retry_ok() || tls_) return Close();
      if (code == pg::kSSLRequestCode && gw_.ssl_ != nullptr) {
        // Bytes sent after SSLRequest but before the handshake would be
        // plaintext injected ahead of TLS (CVE-2021-23214): refuse them.
        if (!hs_[0].empty()) return Close();
        return WriteClient("S", [self = shared_from_this()] {
          self->tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(
              self->client_, *self->gw_.ssl_);
          self->tls_->async_handshake(
              asio::ssl::stream_base::server,
              [self](const asio::error_code& ec) {
                if (self->closed_) return;
                if (ec) {
                  Log("conn " + std::to_string(self->id_) + " from " +
                      self->client_address_ +
                      ": TLS handshake: " + ec.message());
                  return self->Close();
                }
                self->ReadStartup();
              });
        });
      }
      // No TLS configured, and no GSSAPI encryption: the client goes on in
      // plain text or gives up, as it chooses (sslmode).
      return WriteClient("N",
                         [self = shared_from_this()] { self->ReadStartup(); });
    }
    if (code == pg::kCancelRequestCode) {
      if (packet.size() >= 12)
        gw_.Cancel(static_cast<std::int32_t>(Be32(packet, 8)),
                   std::string_view(packet).substr(12));
      return Close();
    }
    if ((code >> 16) != 3)
      return FailClient("0A000", "unsupported frontend protocol " +
                                     std::to_string(code >> 16) + "." +
                                     std::to_string(code & 0xffff));
    // Parameters: name\0value\0 ... \0
    std::vector<std::string> unrecognized;
    std::size_t pos = 8;
    while (pos < packet.size() && packet[pos] != '\0') {
      const std::size_t ne = packet.find('\0', pos);
      if (ne == std::string::npos) break;
      const std::size_t ve = packet.find('\0', ne + 1);
      if (ve == std::string::npos) break;
      std::string name = packet.substr(pos, ne - pos);
      std::string value = packet.substr(ne + 1, ve - ne - 1);
      if (name.rfind("_pq_.", 0) == 0) {
        unrecognized.push_back(name);
      } else {
        startup_[name] = value;
      }
      pos = ve + 1;
    }
    std::string prefix;
    if ((code & 0xffff) != 0 || !unrecognized.empty()) {
      // Speak 3.0, as the upstream leg does.
      pg::NegotiateProtocolVersion n;
      n.newest_minor_version = 0;
      for (const std::string& u : unrecognized)
        n.unrecognized_options.push_back(u);
      prefix = pg::Encode(n);
    }
    if (startup_.count("replication"))
      return FailClient("0A000", "replication connections are not proxied");
    const std::string database =
        startup_.count("database") ? startup_["database"] : startup_["user"];
    resource_ = gw_.FindResource(database);
    if (resource_ == nullptr)
      return FailClient("3D000", "no resource named \"" + database +
                                     "\" behind this gateway");
    if (tls_ == nullptr && gw_.config_.tls_require)
      return FailClient("28000", "this gateway requires TLS (sslmode=require)");
    if (tls_ == nullptr &&
        !(loopback_ && gw_.config_.allow_cleartext_on_loopback))
      return FailClient("28000",
                        "the gateway asks for a token only over TLS "
                        "(sslmode=require), or from loopback when "
                        "allow_cleartext_on_loopback is set");
    WriteClient(prefix + pg::Encode(pg::AuthenticationCleartextPassword{}),
                [self = shared_from_this()] { self->ReadPassword(); });
  }

  bool in_startup_retry_ok() { return ++startup_requests_ <= 2; }

  void ReadPassword() {
    std::string& in = hs_[0];
    if (in.size() >= 5) {
      if (in[0] != 'p')
        return FailClient("08P01", "expected a password message");
      const std::uint32_t len = Be32(in, 1);
      if (len < 4 || len > kMaxStartup)
        return FailClient("08P01", "invalid password message length");
      if (in.size() >= 1 + len) {
        std::string token = in.substr(5, len - 4);
        in.erase(0, 1 + len);
        const std::size_t nul = token.find('\0');
        if (nul != std::string::npos) token.resize(nul);
        return OnToken(token);
      }
    }
    ReadMore(0, [self = shared_from_this()] { self->ReadPassword(); });
  }

  void OnToken(const std::string& token) {
    if (token.empty()) {
      gw_.counters_->auth_failures++;
      return FailClient("28P01",
                        "no token: give an OIDC ID token as the "
                        "password (PGPASSWORD)");
    }
    absl::StatusOr<policy::Identity> who = resource_->verifier->Verify(token);
    if (!who.ok()) {
      gw_.counters_->auth_failures++;
      // The verifier's message names the check ("token refused (expired):
      // expired at …"); the client sees it, as it would a bad password.
      std::string why(who.status().message());
      if (why.rfind("token refused", 0) != 0) why = "token refused: " + why;
      return FailClient("28P01", why);
    }
    identity_ = *std::move(who);
    Log("conn " + std::to_string(id_) + " from " + client_address_ + ": " +
        identity_.subject + " (" +
        std::string(policy::IdentityKindName(identity_.kind)) + ") -> " +
        resource_->config.name);
    ConnectUpstream();
  }

  void ConnectUpstream() {
    hoop::gateway::ConnectUpstream(
        server_, resource_->config, resource_->upstream_tls.get(),
        [self = shared_from_this()](const std::string& error) {
          if (self->closed_) return;
          if (!error.empty()) return self->UpstreamDown(error);
          self->OnUpstreamConnected();
        });
  }

  void UpstreamDown(const std::string& why) {
    gw_.counters_->upstream_failures++;
    FailClient("08006", "resource " + resource_->config.name +
                            ": cannot connect to its server: " + why);
  }

  void OnUpstreamConnected() {
    asio::error_code ec;
    client_.set_option(tcp::no_delay(true), ec);
    pg::StartupMessage m;
    m.protocol_version = pg::kProtocol30;
    m.parameters.push_back({"user", resource_->config.user});
    m.parameters.push_back({"database", resource_->config.database});
    static const char* kPassed[] = {"application_name", "client_encoding",
                                    "DateStyle",        "TimeZone",
                                    "IntervalStyle",    "extra_float_digits"};
    for (const char* name : kPassed) {
      auto it = startup_.find(name);
      if (it != startup_.end()) m.parameters.push_back({it->first, it->second});
    }
    WriteServer(pg::Encode(m),
                [self = shared_from_this()] { self->ReadUpstreamAuth(); });
  }

  // Reads the upstream's authentication exchange and startup messages up
  // to its first ReadyForQuery.
  void ReadUpstreamAuth() {
    std::string& in = hs_[1];
    while (in.size() >= 5) {
      const char tag = in[0];
      const std::uint32_t len = Be32(in, 1);
      if (len < 4 || len > kMaxHandshakeMessage)
        return FailClient("08P01", "upstream sent an invalid message");
      if (in.size() < 1 + len) break;
      const std::string msg = in.substr(0, 1 + len);
      in.erase(0, 1 + len);
      const std::string_view body = std::string_view(msg).substr(5);
      switch (tag) {
        case 'R':
          if (body.size() < 4)
            return FailClient("08P01", "upstream sent an invalid message");
          return OnUpstreamAuthRequest(Be32(body, 0), body.substr(4));
        case 'E': {
          pg::Frame f;
          f.type = pg::MessageType::kErrorResponse;
          f.tag = 'E';
          f.bytes = msg;
          f.body = body;
          absl::StatusOr<pg::ErrorResponse> e =
              pg::ParseAs<pg::ErrorResponse>(f);
          std::string code = "08006", text = "error";
          if (e.ok()) {
            code = std::string(e->Field('C'));
            text = std::string(e->Field('M'));
          }
          gw_.counters_->upstream_failures++;
          return FailClient(code,
                            "resource " + resource_->config.name +
                                ": upstream refused the gateway: " + text);
        }
        case 'S':
          upstream_params_ += msg;
          break;
        case 'K':
          if (body.size() >= 8) {
            upstream_pid_ = static_cast<std::int32_t>(Be32(body, 0));
            upstream_secret_ = std::string(body.substr(4));
          }
          break;
        case 'N':
          break;  // startup notices are the upstream's business
        case 'v':
          break;  // NegotiateProtocolVersion: we asked for plain 3.0
        case 'Z':
          if (body.size() != 1)
            return FailClient("08P01", "upstream sent an invalid message");
          return OnUpstreamReady(body[0]);
        default:
          return FailClient("08P01", std::string("upstream sent an unexpected "
                                                 "message during startup: ") +
                                         tag);
      }
    }
    ReadMore(1, [self = shared_from_this()] { self->ReadUpstreamAuth(); });
  }

  void OnUpstreamAuthRequest(std::uint32_t code, std::string_view data) {
    auto next = [self = shared_from_this()] { self->ReadUpstreamAuth(); };
    const ResourceConfig& rc = resource_->config;
    switch (code) {
      case 0:  // AuthenticationOk
        return ReadUpstreamAuth();
      case 3:  // cleartext
        return WriteServer(pg::Encode(pg::PasswordMessage{rc.password}), next);
      case 5: {  // MD5
        if (data.size() != 4)
          return FailClient("08P01", "upstream sent an invalid MD5 request");
        const std::string p = pg::Md5Password(rc.user, rc.password, data);
        return WriteServer(pg::Encode(pg::PasswordMessage{p}), next);
      }
      case 10: {  // SASL: mechanisms, each \0-terminated
        bool scram = false;
        std::size_t pos = 0;
        while (pos < data.size() && data[pos] != '\0') {
          std::size_t end = data.find('\0', pos);
          if (end == std::string_view::npos) end = data.size();
          if (data.substr(pos, end - pos) == "SCRAM-SHA-256") scram = true;
          pos = end + 1;
        }
        if (!scram)
          return FailClient("28000", "upstream offers no SCRAM-SHA-256");
        scram_ = std::make_unique<pg::ScramClient>(rc.password);
        scram_->UseKeyCache(resource_->scram_keys.get());
        const std::string first = scram_->ClientFirst();
        return WriteServer(pg::Encode(pg::SASLInitialResponse{
                               "SCRAM-SHA-256", std::string_view(first)}),
                           next);
      }
      case 11: {  // SASLContinue
        if (scram_ == nullptr)
          return FailClient("08P01", "upstream SASL out of order");
        absl::StatusOr<std::string> fin = scram_->ClientFinal(data);
        if (!fin.ok())
          return FailClient("28000", std::string(fin.status().message()));
        return WriteServer(pg::Encode(pg::SASLResponse{*fin}), next);
      }
      case 12: {  // SASLFinal
        if (scram_ == nullptr)
          return FailClient("08P01", "upstream SASL out of order");
        absl::Status ok = scram_->VerifyServerFinal(data);
        if (!ok.ok()) return FailClient("28000", std::string(ok.message()));
        return ReadUpstreamAuth();
      }
      default:
        return FailClient("28000",
                          "upstream asks for an authentication "
                          "method the gateway does not speak (" +
                              std::to_string(code) + ")");
    }
  }

  void OnUpstreamReady(char status) {
    absl::Status s = StartSession();
    if (!s.ok()) {
      return FailClient("XX000", "the gateway could not start the session: " +
                                     std::string(s.message()));
    }
    std::string hello = pg::Encode(pg::AuthenticationOk{});
    hello += upstream_params_;
    pg::BackendKeyData k;
    k.process_id = pid_;
    k.secret_key = secret_;
    pg::Encode(k, &hello);
    pg::Encode(pg::ReadyForQuery{status}, &hello);
    gw_.by_key_[pid_] = id_;
    // Bytes the upstream sent after its ReadyForQuery, or the client after
    // its password, belong to the relay.
    leftover_[0] = std::move(hs_[0]);
    leftover_[1] = std::move(hs_[1]);
    WriteClient(std::move(hello), [self = shared_from_this()] {
      self->relaying_ = true;
      for (int side = 0; side < 2; ++side) {
        const Direction dir =
            side == 0 ? Direction::kClientToServer : Direction::kServerToClient;
        if (!self->leftover_[side].empty()) {
          self->Enqueue(Op::Feed(dir, self->leftover_[side]));
        } else {
          self->StartRead(dir);
        }
      }
    });
  }

  absl::Status StartSession() {
    const GatewayConfig& gc = gw_.config_;
    // Unique across restarts too (a record file is named after it): time,
    // connection number and 4 random bytes (not the cancel key: session ids
    // are shown to approvers and written to records).
    static const char* kHex = "0123456789abcdef";
    unsigned char random[4];
    RAND_bytes(random, sizeof(random));
    std::string tag;
    for (unsigned char c : random) {
      tag.push_back(kHex[c >> 4]);
      tag.push_back(kHex[c & 15]);
    }
    session_id_ = gc.gateway_id + "-" +
                  std::to_string(absl::ToUnixSeconds(absl::Now())) + "-" +
                  std::to_string(id_) + "-" + tag;
    session::PostgresOptions o;
    o.common.session_id = session_id_;
    o.common.identity = identity_;
    o.common.resource = {
        resource_->config.name, policy::ResourceKind::kPostgres, {}};
    o.common.policy = resource_->policy;
    o.common.review_timeout = absl::Seconds(gc.review_timeout_seconds);
    o.common.client_address = client_address_;
    o.common.gateway_id = gc.gateway_id;
    // What the client asked for (the session starts after the startup the
    // gateway did) and which credential the gateway logged in with.
    const ResourceConfig& rc = resource_->config;
    o.common.credential = {rc.credential, "database-role", rc.user};
    o.common.resource_address = rc.host + ":" + std::to_string(rc.port);
    for (const auto& [name, value] : startup_)
      o.common.start_attributes.emplace_back(name, value);
    o.common.start_attributes.emplace_back("upstream_database", rc.database);
    o.common.start_attributes.emplace_back("upstream_tls",
                                           server_->tls() ? "on" : "off");
    o.masker = resource_->masker;
    o.start = pg::DecoderOptions::Start::kNormal;

    session::FileSink::Options fo;
    fo.dir = gc.records_dir;
    absl::StatusOr<std::unique_ptr<session::FileSink>> file =
        session::FileSink::Create(fo);
    if (!file.ok()) return file.status();
    session::RecorderOptions ro;
    ro.session_id = session_id_;
    ro.signing_key = gw_.signing_key_;
    absl::StatusOr<std::unique_ptr<session::Recorder>> rec =
        session::Recorder::Create(ro, std::make_unique<CountingSink>(
                                          *std::move(file), gw_.counters_));
    if (!rec.ok()) return rec.status();
    o.recorder = *std::move(rec);
    absl::StatusOr<std::unique_ptr<session::Session>> s =
        session::NewPostgresSession(std::move(o));
    if (!s.ok()) return s.status();
    session_ = *std::move(s);
    return absl::OkStatus();
  }

  // --- the relay -----------------------------------------------------------

  // Operations on the session, one at a time: the next waits until the
  // previous Output is written (its slices point into our read buffers and
  // into the session).
  struct Op {
    enum Kind { kFeed, kResolve, kTick, kFinish } kind = kTick;
    Direction dir = Direction::kClientToServer;
    std::string_view bytes;  // kFeed: a read buffer or a leftover
    std::string id, approver, reason;
    Resolution resolution = Resolution::kDeny;
    int end_reason = 0;
    std::function<void(absl::Status)> done;
    std::string farewell;  // kFinish: last bytes for the client

    static Op Feed(Direction d, std::string_view b) {
      Op o;
      o.kind = kFeed;
      o.dir = d;
      o.bytes = b;
      return o;
    }
    static Op Finish(int reason, std::string detail) {
      Op o;
      o.kind = kFinish;
      o.end_reason = reason;
      o.reason = std::move(detail);
      return o;
    }
  };

  void Enqueue(Op op) {
    pending_.push_back(std::move(op));
    Pump();
  }

  void Pump() {
    while (!busy_ && !pending_.empty()) {
      Op op = std::move(pending_.front());
      pending_.pop_front();
      if (closed_ || session_ == nullptr || finished_) {
        if (op.done) op.done(absl::NotFoundError("the session has ended"));
        continue;
      }
      const Output* out = nullptr;
      switch (op.kind) {
        case Op::kFeed:
          out = &session_->Feed(op.dir, op.bytes);
          break;
        case Op::kResolve: {
          const std::vector<std::string> held = session_->held_requests();
          if (std::find(held.begin(), held.end(), op.id) == held.end()) {
            if (op.done)
              op.done(absl::NotFoundError("no command waits under " + op.id));
            continue;
          }
          out =
              &session_->Resolve(op.id, op.resolution, op.approver, op.reason);
          break;
        }
        case Op::kTick:
          out = &session_->Tick();
          break;
        case Op::kFinish:
          finished_ = true;
          out = &session_->Finish(op.end_reason, op.reason);
          break;
      }
      Observe(*out);
      if (op.done) op.done(absl::OkStatus());
      WriteOutput(*out, op);
    }
  }

  // Metrics and logs from an Output's events and the session's counters.
  void Observe(const Output& out) {
    Counters& c = *gw_.counters_;
    for (const session::Event& e : out.events) {
      switch (e.kind) {
        case session::EventKind::kCommand:
          switch (e.decision) {
            case policy::Decision::kAllow:
              c.allowed++;
              break;
            case policy::Decision::kDeny:
              c.denied++;
              break;
            case policy::Decision::kReview:
              c.reviewed++;
              break;
          }
          // Kept only until the approval request that follows names it.
          if (e.decision == policy::Decision::kReview)
            commands_[e.command_id] = {e.text, e.rule_id};
          // The records have every statement; the log, by default, only
          // what was refused or held (a line per allowed statement costs a
          // write(2) per transaction).
          if (e.decision != policy::Decision::kAllow ||
              gw_.config_.log_statements)
            Log("session " + session_id_ + ": " + identity_.subject + ": " +
                std::string(policy::DecisionName(e.decision)) +
                (e.rule_id.empty() ? "" : " (" + e.rule_id + ")") + ": " +
                e.text);
          break;
        case session::EventKind::kApprovalRequested: {
          HeldCommand h;
          h.request_id = e.request_id;
          h.session_id = session_id_;
          h.resource = resource_->config.name;
          h.subject = identity_.subject;
          auto it = commands_.find(e.command_id);
          if (it != commands_.end()) {
            h.statement = it->second.first;
            h.rule_id = it->second.second;
            commands_.erase(it);
          }
          h.since = absl::Now();
          held_.push_back(std::move(h));
          Log("session " + session_id_ +
              ": held for approval: " + e.request_id);
          break;
        }
        case session::EventKind::kApprovalResolved:
          switch (e.resolution) {
            case Resolution::kApprove:
              c.approved++;
              break;
            case Resolution::kDeny:
              c.rejected++;
              break;
            case Resolution::kExpire:
              c.expired++;
              break;
            case Resolution::kCancel:
              c.cancelled++;
              break;
          }
          held_.erase(std::remove_if(held_.begin(), held_.end(),
                                     [&](const HeldCommand& h) {
                                       return h.request_id == e.request_id;
                                     }),
                      held_.end());
          Log("session " + session_id_ + ": " + e.request_id + " " +
              std::string(session::ResolutionName(e.resolution)));
          break;
        case session::EventKind::kResult:
          if (!commands_.empty()) commands_.erase(e.command_id);
          break;
        case session::EventKind::kError:
          Log("session " + session_id_ + ": error" +
              (e.fatal ? " (fatal): " : ": ") + e.text);
          break;
        default:
          break;
      }
    }
    const session::SessionStats& s = session_->stats();
    c.client_to_server +=
        s.bytes_forwarded_to_server - last_.bytes_forwarded_to_server;
    c.server_to_client +=
        s.bytes_forwarded_to_client - last_.bytes_forwarded_to_client;
    c.cells_masked += s.cells_masked - last_.cells_masked;
    last_ = s;
  }

  void WriteOutput(const Output& out, const Op& op) {
    busy_ = true;
    close_after_ = out.close || op.kind == Op::kFinish;
    if (out.close && !finished_) close_reason_ = kProtocolError;
    after_kind_ = op.kind;
    after_dir_ = op.dir;
    outstanding_ = 0;
    for (int side = 0; side < 2; ++side) {
      const std::vector<session::Slice>& slices =
          side == 0 ? out.to_server : out.to_client;
      std::vector<asio::const_buffer>& bufs = write_bufs_[side];
      bufs.clear();
      for (const session::Slice& s : slices)
        if (s.size != 0) bufs.emplace_back(s.data, s.size);
      if (side == 1 && !op.farewell.empty()) {
        farewell_ = op.farewell;  // lives until the write completes
        bufs.emplace_back(farewell_.data(), farewell_.size());
      }
      if (bufs.empty() || write_failed_[side]) continue;
      ++outstanding_;
      auto done = [self = shared_from_this(), side](const asio::error_code& ec,
                                                    std::size_t) {
        if (ec) self->write_failed_[side] = true;
        self->OnWritten();
      };
      if (side == 0) {
        server_->AsyncWrite(bufs, std::move(done));
      } else {
        ClientWrite(bufs, std::move(done));
      }
    }
    if (outstanding_ == 0) {
      busy_ = false;
      AfterWrite();
    }
  }

  void OnWritten() {
    if (--outstanding_ > 0) return;
    busy_ = false;
    AfterWrite();
    Pump();
  }

  void AfterWrite() {
    if (close_after_) {
      if (!finished_) {
        // The session asked to close (it has recorded why): end it.
        finished_ = true;
        session_->Finish(close_reason_, "session closed by hoop");
      }
      return Close();
    }
    if (write_failed_[0] || write_failed_[1]) {
      if (!finished_)
        pending_.push_front(Op::Finish(
            write_failed_[1] ? kClientClosed : kServerClosed, "write failed"));
      return;
    }
    if (after_kind_ == Op::kFeed) {
      const int side = Side(after_dir_);
      if (!leftover_[side].empty()) {
        leftover_[side].clear();
      }
      StartRead(after_dir_);
    }
    ArmTimer();
  }

  void StartRead(Direction dir) {
    const int side = Side(dir);
    if (closed_ || finished_ || eof_[side]) return;
    auto on_read = [self = shared_from_this(), dir, side](
                       const asio::error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) {
        self->eof_[side] = true;
        Op fin =
            Op::Finish(side == 0 ? kClientClosed : kServerClosed,
                       (side == 0 ? "client: " : "server: ") + ec.message());
        // The upstream went away (a backend terminated while blocked
        // sending dies without a word): tell the client why rather than
        // just closing. The session forwards whole messages only, so the
        // client's stream is at a message boundary.
        if (side == 1)
          fin.farewell =
              Fatal("08006", "resource " + self->resource_->config.name +
                                 ": the server closed the connection (" +
                                 ec.message() + ")");
        self->Enqueue(std::move(fin));
        return;
      }
      self->Enqueue(
          Op::Feed(dir, std::string_view(self->buf_[side].data(), n)));
    };
    if (side == 0) {
      ClientRead(asio::buffer(buf_[0]), std::move(on_read));
    } else {
      server_->AsyncReadSome(asio::buffer(buf_[1]), std::move(on_read));
    }
  }

  void ArmTimer() {
    if (session_ == nullptr || finished_ || closed_) return;
    const absl::Time deadline = session_->next_deadline();
    if (deadline == absl::InfiniteFuture()) {
      timer_.cancel();
      return;
    }
    const absl::Duration wait =
        std::max(absl::ZeroDuration(), deadline - absl::Now());
    timer_.expires_after(absl::ToChronoMilliseconds(wait) +
                         std::chrono::milliseconds(1));
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (ec || self->closed_) return;
      Op o;
      o.kind = Op::kTick;
      self->Enqueue(std::move(o));
    });
  }

  // --- ends ----------------------------------------------------------------

  // Gateway shutdown: finish the session (held commands are cancelled and
  // recorded) or, before it exists, just close.
  void Shutdown() {
    if (closed_) return;
    if (session_ == nullptr) return Close();
    if (!finished_) Enqueue(Op::Finish(kGatewayShutdown, "gateway shutdown"));
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    timer_.cancel();
    client_.shutdown(tcp::socket::shutdown_both, ec);
    client_.close(ec);
    server_->Close();
    for (Op& op : pending_)
      if (op.done) op.done(absl::NotFoundError("the session has ended"));
    pending_.clear();
    held_.clear();
    if (session_ != nullptr && !finished_) {
      finished_ = true;
      session_->Finish(kProtocolError, "connection closed");
    }
    // Let the recorder flush and sign before the session goes.
    session_.reset();
    asio::post(gw_.io_,
               [self = shared_from_this()] { self->gw_.Forget(self->id_); });
  }

  const std::vector<HeldCommand>& held() const { return held_; }
  void Resolve(Op op) { Enqueue(std::move(op)); }
  bool relaying() const { return relaying_; }
  std::int32_t upstream_pid() const { return upstream_pid_; }
  const std::string& upstream_secret() const { return upstream_secret_; }
  const ResourceConfig* resource() const {
    return resource_ == nullptr ? nullptr : &resource_->config;
  }

 private:
  Gateway::Impl& gw_;
  tcp::socket client_;
  std::shared_ptr<UpstreamStream> server_;
  // TLS over client_ after SSLRequest (declared after it: destroyed first).
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer timer_;
  const std::uint64_t id_;
  std::string client_address_;
  bool loopback_ = false;
  std::int32_t pid_ = 0;
  std::string secret_;
  int startup_requests_ = 0;

  // Handshake.
  std::array<std::string, 2> hs_;  // [0] client's bytes, [1] upstream's
  std::map<std::string, std::string> startup_;
  const Resource* resource_ = nullptr;
  policy::Identity identity_;
  std::unique_ptr<pg::ScramClient> scram_;
  std::string upstream_params_;  // ParameterStatus messages, as sent
  std::int32_t upstream_pid_ = 0;
  std::string upstream_secret_;

  // Relay.
  std::string session_id_;
  std::unique_ptr<session::Session> session_;
  std::array<std::vector<char>, 2> buf_;
  std::array<std::string, 2> leftover_;
  std::array<std::vector<asio::const_buffer>, 2> write_bufs_;  // [0] server
  std::array<bool, 2> eof_{false, false};           // [0] client, [1] server
  std::array<bool, 2> write_failed_{false, false};  // [0] server, [1] client
  std::deque<Op> pending_;
  Op::Kind after_kind_ = Op::kTick;
  Direction after_dir_ = Direction::kClientToServer;
  bool relaying_ = false;
  bool busy_ = false;
  bool close_after_ = false;
  int close_reason_ = kProtocolError;
  int outstanding_ = 0;
  bool finished_ = false;
  bool closed_ = false;
  session::SessionStats last_;
  std::map<std::uint64_t, std::pair<std::string, std::string>> commands_;
  std::vector<HeldCommand> held_;
  std::string farewell_;
};

absl::Status Gateway::Impl::Load() {
  if (config_.has_tls) {
    ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    asio::error_code ec;
    ssl_->set_options(
        asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
            asio::ssl::context::no_tlsv1_1,
        ec);
    if (!ec) ssl_->use_certificate_chain_file(config_.tls_cert_file, ec);
    if (ec)
      return absl::InvalidArgumentError(
          "tls.cert_file " + config_.tls_cert_file + ": " + ec.message());
    ssl_->use_private_key_file(config_.tls_key_file, asio::ssl::context::pem,
                               ec);
    if (ec)
      return absl::InvalidArgumentError("tls.key_file " + config_.tls_key_file +
                                        ": " + ec.message());
  }
  if (!config_.signing_key_file.empty()) {
    FILE* f = std::fopen(config_.signing_key_file.c_str(), "rb");
    if (f == nullptr)
      return absl::NotFoundError("cannot read " + config_.signing_key_file);
    std::string pem;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0)
      pem.append(chunk, n);
    std::fclose(f);
    absl::StatusOr<session::SigningKey> k = session::SigningKey::FromPem(pem);
    if (!k.ok())
      return absl::InvalidArgumentError(config_.signing_key_file + ": " +
                                        std::string(k.status().message()));
    signing_key_ = *std::move(k);
  }
  std::shared_ptr<const masking::Masker> default_masker;
  for (const ResourceConfig& rc : config_.resources) {
    auto r = std::make_unique<Resource>();
    r->config = rc;
    absl::StatusOr<std::shared_ptr<const policy::Policy>> p =
        policy::Policy::FromFile(rc.policy_file);
    if (!p.ok()) return p.status();
    r->policy = *std::move(p);
    try {
      const YAML::Node doc = YAML::LoadFile(rc.policy_file);
      if (doc["rules"] && doc["rules"].IsSequence()) {
        for (const YAML::Node& rule : doc["rules"]) {
          if (!rule["id"] || !rule["review"] ||
              !rule["review"]["approver_groups"])
            continue;
          std::vector<std::string>& groups =
              r->approver_groups[rule["id"].as<std::string>()];
          for (const YAML::Node& g : rule["review"]["approver_groups"])
            groups.push_back(g.as<std::string>());
        }
      }
    } catch (const YAML::Exception& e) {
      // The policy compiled, so this is unexpected; without the groups no
      // token-authenticated approval can pass the group check.
      return absl::InvalidArgumentError(rc.policy_file + ": " + e.what());
    }
    switch (rc.masking) {
      case ResourceConfig::Masking::kDefault:
        if (default_masker == nullptr)
          default_masker = std::shared_ptr<const masking::Masker>(
              masking::Masker::Default());
        r->masker = default_masker;
        break;
      case ResourceConfig::Masking::kProfile: {
        absl::StatusOr<std::unique_ptr<masking::Masker>> m =
            masking::LoadMasker(rc.masking_profile_file);
        if (!m.ok()) return m.status();
        r->masker = std::shared_ptr<const masking::Masker>(*std::move(m));
        break;
      }
      case ResourceConfig::Masking::kNone:
        break;
    }
    absl::StatusOr<policy::Jwks> jwks =
        policy::Jwks::FromFile(rc.oidc.jwks_file);
    if (!jwks.ok()) return jwks.status();
    policy::TokenVerifierOptions vo;
    vo.issuer = rc.oidc.issuer;
    vo.audiences = rc.oidc.audiences;
    vo.groups_claim = rc.oidc.groups_claim;
    vo.kind_claim = rc.oidc.kind_claim;
    vo.non_human_values = rc.oidc.non_human_values;
    vo.non_human_client_ids = rc.oidc.non_human_client_ids;
    r->verifier = std::make_unique<policy::TokenVerifier>(*std::move(jwks),
                                                          std::move(vo));
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
        MakeUpstreamTlsContext(rc);
    if (!tls.ok()) return tls.status();
    r->upstream_tls = *std::move(tls);
    resources_.push_back(std::move(r));
  }
  return absl::OkStatus();
}

absl::Status Bind(asio::ip::tcp::acceptor& acceptor, const Endpoint& at,
                  const std::string& what) {
  asio::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(at.address, ec);
  if (ec)
    return absl::InvalidArgumentError(what + ": bad address " + at.address);
  const tcp::endpoint ep(addr, at.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(what + ": cannot listen on " + at.address +
                                  ":" + std::to_string(at.port) + ": " +
                                  ec.message());
  return absl::OkStatus();
}

absl::Status Gateway::Impl::Listen() {
  return Bind(acceptor_, config_.listen, "listen");
}

void Gateway::Impl::Accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket s) {
    if (ec) {
      if (ec == asio::error::operation_aborted || shutting_down_) return;
      Log("accept: " + ec.message());
      return Accept();
    }
    const std::uint64_t id = next_id_++;
    auto c = std::make_shared<Connection>(*this, std::move(s), id);
    connections_[id] = c;
    counters_->connections++;
    counters_->active++;
    c->Begin();
    Accept();
  });
}

void Gateway::Impl::Forget(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  by_key_.erase(it->second->pid());
  connections_.erase(it);
  counters_->active--;
  if (shutting_down_ && connections_.empty() && shutdown_done_) {
    auto done = std::move(shutdown_done_);
    shutdown_done_ = nullptr;
    done();
  }
}

void Gateway::Impl::Cancel(std::int32_t pid, std::string_view secret) {
  auto k = by_key_.find(pid);
  if (k == by_key_.end()) return;
  auto c = connections_.find(k->second);
  if (c == connections_.end() || c->second->secret() != secret ||
      c->second->upstream_pid() == 0 || c->second->resource() == nullptr)
    return;
  // A new connection to the upstream (in TLS when the resource's mode asks
  // for it) carries the upstream's own key.
  pg::CancelRequest req;
  req.process_id = c->second->upstream_pid();
  req.secret_key = c->second->upstream_secret();
  auto bytes = std::make_shared<std::string>(pg::Encode(req));
  auto up = std::make_shared<UpstreamStream>(io_);
  const Resource* r = FindResource(c->second->resource()->name);
  if (r == nullptr) return;
  Log("cancel request for session on " + r->config.name);
  ConnectUpstream(up, r->config, r->upstream_tls.get(),
                  [up, bytes](const std::string& error) {
                    if (!error.empty()) {
                      Log("cancel: " + error);
                      return;
                    }
                    up->AsyncWrite(asio::buffer(*bytes),
                                   [up, bytes](const asio::error_code&,
                                               std::size_t) { up->Close(); });
                  });
}

// --- Gateway ----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayConfig config,
                                                         asio::io_context& io) {
  auto impl = std::make_unique<Impl>(std::move(config), io);
  absl::Status s = impl->Load();
  if (!s.ok()) return s;
  s = impl->Listen();
  if (!s.ok()) return s;
  std::unique_ptr<Gateway> gw(new Gateway(std::move(impl)));
  gw->impl_->owner_ = gw.get();
  gw->impl_->Accept();
  return gw;
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  asio::error_code ec;
  impl_->acceptor_.close(ec);
  for (auto& [id, c] : impl_->connections_) c->Close();
}

int Gateway::port() const {
  asio::error_code ec;
  return impl_->acceptor_.local_endpoint(ec).port();
}

std::vector<HeldCommand> Gateway::Held() const {
  std::vector<HeldCommand> all;
  for (const auto& [id, c] : impl_->connections_)
    for (const HeldCommand& h : c->held()) all.push_back(h);
  return all;
}

void Gateway::Resolve(const std::string& request_id,
                      session::Resolution resolution,
                      const std::string& approver, const std::string& reason,
                      std::function<void(absl::Status)> done) {
  for (const auto& [id, c] : impl_->connections_) {
    for (const HeldCommand& h : c->held()) {
      if (h.request_id != request_id) continue;
      Connection::Op op;
      op.kind = Connection::Op::kResolve;
      op.id = request_id;
      op.resolution = resolution;
      op.approver = approver;
      op.reason = reason;
      op.done = std::move(done);
      c->Resolve(std::move(op));
      return;
    }
  }
  done(absl::NotFoundError("no command waits under " + request_id));
}

bool Gateway::admin_requires_token() const {
  return impl_->config_.admin_require_token;
}

absl::StatusOr<std::string> Gateway::AuthorizeApprover(
    const std::string& request_id, const std::string& token) const {
  for (const auto& [id, c] : impl_->connections_) {
    for (const HeldCommand& h : c->held()) {
      if (h.request_id != request_id) continue;
      const Resource* r = impl_->FindResource(h.resource);
      if (r == nullptr) return absl::NotFoundError("no resource " + h.resource);
      absl::StatusOr<policy::Identity> who = r->verifier->Verify(token);
      if (!who.ok()) return absl::UnauthenticatedError(who.status().message());
      if (who->subject == h.subject)
        return absl::PermissionDeniedError(
            who->subject + " may not approve their own command");
      auto groups = r->approver_groups.find(h.rule_id);
      if (groups == r->approver_groups.end() || groups->second.empty())
        return who->subject;
      for (const std::string& g : who->groups)
        if (std::find(groups->second.begin(), groups->second.end(), g) !=
            groups->second.end())
          return who->subject;
      std::string names;
      for (const std::string& g : groups->second)
        names += (names.empty() ? "" : ", ") + g;
      return absl::PermissionDeniedError(who->subject +
                                         " is in none of the groups that may "
                                         "approve under rule " +
                                         h.rule_id + " (" + names + ")");
    }
  }
  return absl::NotFoundError("no command waits under " + request_id);
}

std::string Gateway::MetricsText() const {
  const Counters& c = *impl_->counters_;
  std::ostringstream o;
  auto counter = [&](const char* name, const char* help) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name
      << " counter\n";
  };
  counter("hoop_gateway_connections_total", "Client connections accepted.");
  o << "hoop_gateway_connections_total " << c.connections.load() << "\n";
  o << "# HELP hoop_gateway_connections_active Client connections open now.\n"
       "# TYPE hoop_gateway_connections_active gauge\n"
    << "hoop_gateway_connections_active " << c.active.load() << "\n";
  counter("hoop_gateway_auth_failures_total",
          "Connections refused because the token did not verify.");
  o << "hoop_gateway_auth_failures_total " << c.auth_failures.load() << "\n";
  counter("hoop_gateway_upstream_failures_total",
          "Connections whose upstream could not be reached or refused.");
  o << "hoop_gateway_upstream_failures_total " << c.upstream_failures.load()
    << "\n";
  counter("hoop_gateway_statements_total", "Statements decided, by verdict.");
  o << "hoop_gateway_statements_total{verdict=\"allow\"} " << c.allowed.load()
    << "\n"
    << "hoop_gateway_statements_total{verdict=\"deny\"} " << c.denied.load()
    << "\n"
    << "hoop_gateway_statements_total{verdict=\"review\"} " << c.reviewed.load()
    << "\n";
  counter("hoop_gateway_approvals_total",
          "Held statements resolved, by resolution.");
  o << "hoop_gateway_approvals_total{resolution=\"approve\"} "
    << c.approved.load() << "\n"
    << "hoop_gateway_approvals_total{resolution=\"deny\"} " << c.rejected.load()
    << "\n"
    << "hoop_gateway_approvals_total{resolution=\"expire\"} "
    << c.expired.load() << "\n"
    << "hoop_gateway_approvals_total{resolution=\"cancel\"} "
    << c.cancelled.load() << "\n";
  o << "# HELP hoop_gateway_approvals_pending Statements held now.\n"
       "# TYPE hoop_gateway_approvals_pending gauge\n"
    << "hoop_gateway_approvals_pending " << Held().size() << "\n";
  counter("hoop_gateway_bytes_total",
          "Bytes forwarded, by direction (after policy and masking).");
  o << "hoop_gateway_bytes_total{direction=\"client_to_server\"} "
    << c.client_to_server.load() << "\n"
    << "hoop_gateway_bytes_total{direction=\"server_to_client\"} "
    << c.server_to_client.load() << "\n";
  counter("hoop_gateway_cells_masked_total",
          "Result cells in which something was masked.");
  o << "hoop_gateway_cells_masked_total " << c.cells_masked.load() << "\n";
  counter("hoop_gateway_masked_values_total",
          "Values masked, by detector (from the session records).");
  {
    std::lock_guard<std::mutex> l(c.mu);
    for (const auto& [detector, n] : c.masked_by_detector) {
      std::string d;
      for (char ch : detector) {
        if (ch == '"' || ch == '\\') d.push_back('\\');
        d.push_back(ch == '\n' ? ' ' : ch);
      }
      o << "hoop_gateway_masked_values_total{detector=\"" << d << "\"} " << n
        << "\n";
    }
  }
  counter("hoop_gateway_records_total", "Session records written.");
  o << "hoop_gateway_records_total " << c.records.load() << "\n";
  return o.str();
}

void Gateway::Shutdown(std::function<void()> done) {
  impl_->shutting_down_ = true;
  asio::error_code ec;
  impl_->acceptor_.close(ec);
  if (impl_->connections_.empty()) {
    done();
    return;
  }
  impl_->shutdown_done_ = std::move(done);
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [id, c] : impl_->connections_) all.push_back(c);
  for (auto& c : all) c->Shutdown();
}

}  // namespace hoop::gateway
