// Copyright 2026 The hoop Authors.
//
// The gateway's admin endpoint: a tiny HTTP/1.1 server for loopback use
// (one request per connection, Connection: close).
//
//   GET  /approvals                  {"approvals": [{"id", "session",
//                                     "resource", "subject", "statement",
//                                     "rule", "waiting_seconds"}, …]}
//   POST /approvals/<id>/approve     body {"approver": "...", "reason": "..."}
//   POST /approvals/<id>/deny        → 200 {"id", "resolution", "approver"}
//                                      once applied, 404 when nothing waits
//                                      under <id>, 400 without an approver
//   GET  /metrics                    Prometheus text format (version 0.0.4)
//
// Approvers. Without admin.require_token the approver's name is recorded
// as the body gives it: bind the endpoint to loopback (the default) and put
// a deployment's own authentication in front. With require_token (or
// whenever a request carries one), approve/deny need
// `Authorization: Bearer <OIDC ID token>`, verified against the JWKS of
// the resource that holds the command (Gateway::AuthorizeApprover): the
// approver recorded is the token's subject (the body's "approver" is
// ignored); 401 when the token is missing or does not verify, 403 when the
// subject is in none of the held rule's review.approver_groups or is the
// command's requester. GET requests need no token.
//
// Runs on the gateway's I/O thread (same io_context).

#ifndef HOOP_EXAMPLES_POSTGRES_GATEWAY_ADMIN_H_
#define HOOP_EXAMPLES_POSTGRES_GATEWAY_ADMIN_H_

#include <asio.hpp>

#include "absl/status/status.h"
#include "config.h"
#include "gateway.h"

namespace hoop::gateway {

class AdminServer {
 public:
  AdminServer(asio::io_context& io, Gateway& gateway);
  absl::Status Listen(const Endpoint& at);
  int port() const;
  void Close();

 private:
  void Accept();
  asio::io_context& io_;
  Gateway& gateway_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace hoop::gateway

#endif  // HOOP_EXAMPLES_POSTGRES_GATEWAY_ADMIN_H_
