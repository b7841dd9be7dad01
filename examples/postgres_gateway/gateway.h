// Copyright 2026 The hoop Authors.
//
// The PostgreSQL gateway: listens for PostgreSQL clients, authenticates each
// with an OIDC ID token carried as its password, connects to the resource's
// upstream server with the resource's own credential, and puts a
// hoop::session::Session in the data path of every connection.
//
//   asio::io_context io;
//   absl::StatusOr<std::unique_ptr<Gateway>> gw = Gateway::Create(config, io);
//   io.run();                               // one thread runs everything
//
// One connection, in order:
//   1. client startup: SSLRequest and GSSENCRequest answered 'N' (no TLS
//      yet); CancelRequest with a key this gateway issued is sent on to the
//      upstream backend that key stands for; StartupMessage: its `database`
//      names the resource (a resource's name, or its upstream database).
//   2. AuthenticationCleartextPassword, only to a loopback client and only
//      when allow_cleartext_on_loopback is set (TLS is not implemented yet);
//      the password is an OIDC ID token, verified against the resource's
//      JWKS. Refused: FATAL 28P01 (28000 when cleartext is not allowed), and
//      the upstream is never contacted.
//   3. upstream: TCP connect, TLS as the resource's upstream.tls.mode says
//      (upstream.h), StartupMessage with the resource's user and
//      database (plus the client's application_name, client_encoding,
//      DateStyle, TimeZone, IntervalStyle, extra_float_digits), then
//      SCRAM-SHA-256, MD5 or cleartext with the configured password.
//   4. the client gets AuthenticationOk, the upstream's ParameterStatus
//      messages, the gateway's own BackendKeyData and ReadyForQuery.
//   5. relay: every read becomes Session::Feed; the Output's slices are
//      written in order (gather writes); a side is not read again until the
//      output of its last read is written (backpressure). Client EOF →
//      Finish(1), upstream EOF → Finish(2); Output::close ends both.
//
// Threading: everything (acceptors, connections, the admin endpoint, the
// timers) runs on the io_context given to Create, which must be run by one
// thread. Approvals arriving on the admin endpoint are queued on the owning
// connection like any other operation, so a Session is never touched
// concurrently.

#ifndef HOOP_EXAMPLES_POSTGRES_GATEWAY_GATEWAY_H_
#define HOOP_EXAMPLES_POSTGRES_GATEWAY_GATEWAY_H_

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config.h"
#include "hoop/session/session.h"

namespace hoop::gateway {

// A command waiting for a person's decision.
struct HeldCommand {
  std::string request_id;
  std::string session_id;
  std::string resource;
  std::string subject;    // the token's identity
  std::string statement;  // masked, as recorded
  std::string rule_id;    // the rule that asked for review
  absl::Time since;
};

// Binds `acceptor` to `at` and listens; the error names `what`.
absl::Status Bind(asio::ip::tcp::acceptor& acceptor, const Endpoint& at,
                  const std::string& what);

class Gateway {
 public:
  // Loads the policies, masking profiles and JWKS of every resource, opens
  // the records directory, binds the listeners and starts accepting.
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(GatewayConfig config,
                                                         asio::io_context& io);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  int port() const;  // the client listener's bound port

  // Commands held now, over every connection, oldest connection first.
  std::vector<HeldCommand> Held() const;

  // Decides a held command on the connection that holds it. `done` runs on
  // the I/O thread once the decision has been applied (kNotFound when no
  // connection holds `request_id`).
  void Resolve(const std::string& request_id, session::Resolution resolution,
               const std::string& approver, const std::string& reason,
               std::function<void(absl::Status)> done);

  // admin.require_token is set.
  bool admin_requires_token() const;

  // Who may decide `request_id`: verifies `token` (an OIDC ID token) with
  // the JWKS of the resource that holds the command, then requires one of
  // the token's groups to be among the held rule's review.approver_groups
  // (any verified identity when the rule names none) and the token's
  // subject not to be the command's requester. Returns the subject (the
  // approver to record). kNotFound: nothing waits under request_id;
  // kUnauthenticated: the token does not verify; kPermissionDenied: not an
  // approver of this command.
  absl::StatusOr<std::string> AuthorizeApprover(const std::string& request_id,
                                                const std::string& token) const;

  // Prometheus text exposition of the gateway's counters.
  std::string MetricsText() const;

  // Stops accepting, ends every session (held commands are cancelled and
  // recorded) and calls `done` once every connection is closed.
  void Shutdown(std::function<void()> done);

  class Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoop::gateway

#endif  // HOOP_EXAMPLES_POSTGRES_GATEWAY_GATEWAY_H_
