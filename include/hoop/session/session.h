// Copyright 2026 The hoop Authors.
//
// Session: the per-connection pipeline a proxy puts in its data path.
//
// A proxy owns the sockets; the session owns everything else about one
// connection: decoding, per-command verdicts, held commands, masking of what
// the server sends back, and the session's records. The proxy hands it every
// chunk it reads and writes out exactly what the session returns:
//
//   std::unique_ptr<Session> s = *NewPostgresSession(options);  // postgres.h
//   ...
//   const Output& out = s->Feed(Direction::kClientToServer, chunk);
//   writev(server_fd, out.to_server);     // Slice is iovec-shaped
//   writev(client_fd, out.to_client);     // replies to a denied command, …
//   for (const Event& e : out.events) { … }   // verdicts, approvals, errors
//   if (out.close) { /* end the connection: see Output::close */ }
//
//   // A command held for review is decided later, from any event source:
//   const Output& r = s->Resolve(request_id, Resolution::kApprove,
//                                "ana@example.com", "ticket OPS-1234");
//   // Reviews time out: call Tick() at next_deadline() (or periodically).
//
// Zero copy: a frame the session leaves unchanged is forwarded as a slice of
// the very chunk passed to Feed (adjacent unchanged frames are one slice);
// only rewritten frames (masked rows, replies) and frames that a chunk
// boundary cut live in session memory.
//
// Thread-safety: a Session is thread-compatible: one thread at a time (the
// connection's). Feed, Resolve, Tick and Finish must not run concurrently;
// an embedder that resolves approvals from another thread serialises them
// with its own lock or event loop. Not copyable or movable (outputs point
// into it).
//
// Memory: bounded per session whatever the size of a result: the decoder
// keeps at most one incomplete message per direction, rows are masked and
// forwarded as they arrive, and held (review) commands are capped by
// SessionOptions::max_held_bytes.

#ifndef HOOP_SESSION_SESSION_H_
#define HOOP_SESSION_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "hoop/policy/policy.h"
#include "hoop/wire/direction.h"

namespace hoop::session {

using wire::Direction;

// A run of bytes to write. Same layout as struct iovec's (base, length) on
// every platform hoop supports, so a span of Slices can be passed to
// writev(2) after a reinterpret_cast (postgres_session.cc checks the layout).
struct Slice {
  const char* data = nullptr;
  std::size_t size = 0;
  std::string_view view() const { return {data, size}; }
};

enum class EventKind : std::uint8_t {
  kStartup,           // the client's startup packet: user, database, app
  kCommand,           // a command was classified and decided (verdict)
  kApprovalRequested, // a command is held; request_id names it
  kApprovalResolved,  // a held command was approved, denied or expired
  kResult,            // a command finished (rows, status or error)
  kError,             // a protocol, masking or recorder problem (see fatal)
  kTlsRequested,      // client asked for TLS; see PostgresOptions::ssl
};
std::string_view EventKindName(EventKind kind);  // "startup", "command", …

enum class Resolution : std::uint8_t {
  kApprove,
  kDeny,
  kExpire,  // what Tick() does when a review times out
  kCancel,  // the session ended while the command was held
};
std::string_view ResolutionName(Resolution r);  // "approve", "deny", …

// What happened, for the embedder's logs, metrics and approval workflow.
// The same facts go to the records.
// LIFETIME: the strings are owned by the Output that holds the event.
struct Event {
  EventKind kind = EventKind::kError;
  std::uint64_t command_id = 0;     // kCommand, kApproval*, kResult
  policy::Decision decision = policy::Decision::kDeny;  // kCommand
  Resolution resolution = Resolution::kDeny;            // kApprovalResolved
  std::string request_id;  // kApproval*: what Resolve() takes
  std::string rule_id;     // kCommand: the deciding rule ("" default deny)
  // kCommand: the statement (masked); kError: what went wrong; kResult: the
  // command tag ("SELECT 3") or the server's error message;
  // kStartup: "user=… database=… application_name=…".
  std::string text;
  // kCommand: the verdict's reason (deny: the message the client saw).
  std::string reason;
  std::uint64_t rows = 0;  // kResult
  bool fatal = false;      // kError: the session cannot go on (see close)
};

// What the proxy must do after a call. Owned by the session.
// LIFETIME: everything in it (slices, events) is valid until the next call
// of Feed, Resolve, Tick or Finish on the same session — a slice of the
// caller's chunk is of course only valid while that chunk is.
struct Output {
  // Bytes for the server, in order. From Feed(client): the client's frames
  // that were allowed; from Resolve: a held command once approved.
  std::vector<Slice> to_server;
  // Bytes for the client, in order: the server's frames (masked) and the
  // session's own replies (ErrorResponse + ReadyForQuery for a denied
  // command, the notice that a command waits for approval, 'N' to an
  // SSLRequest), each placed where the client expects it in the stream.
  std::vector<Slice> to_client;
  std::vector<Event> events;
  // The session cannot go on (malformed input, the recorder refused an
  // event, a held command overflowed max_held_bytes): write what is above,
  // then close both connections. The records say why.
  bool close = false;

  std::size_t to_server_bytes() const;
  std::size_t to_client_bytes() const;
  void Clear();
};

// Options every protocol's session takes. Defaults:
//   session_id       ""       required: names records and approval requests
//   identity         -        who is on the client side (verified)
//   resource         -        what they reach; policy decides per resource
//   policy           null     required
//   review_timeout   5 min    then the held command is denied (expired)
//   max_held_bytes   1 MiB    bytes a client may pipeline behind a held
//                             command; beyond that the session fails closed
//   clock            absl::Now
//   credential, resource_address, start_attributes   empty: not recorded
struct SessionOptions {
  std::string session_id;
  policy::Identity identity;
  policy::Resource resource;
  std::shared_ptr<const policy::Policy> policy;
  absl::Duration review_timeout = absl::Minutes(5);
  std::size_t max_held_bytes = std::size_t{1} << 20;
  std::string client_address;
  std::string gateway_id;
  std::function<absl::Time()> clock;
  // Recorded in SessionStart, for a proxy that logs in upstream itself:
  // the credential it used (its name, never its secret), the resource's
  // address, and what it learned of the client's startup ("user",
  // "database", "application_name", ...). Attributes the session decodes
  // itself take precedence.
  struct Credential {
    std::string id;         // inventory name, e.g. "shop-app"
    std::string kind;       // "database-role", ...
    std::string principal;  // the upstream user name
  };
  Credential credential;
  std::string resource_address;  // "host:port"
  std::vector<std::pair<std::string, std::string>> start_attributes;
};

// Counters for metrics; cumulative over the session.
struct SessionStats {
  std::uint64_t bytes_client_to_server = 0;  // fed by the client
  std::uint64_t bytes_server_to_client = 0;  // fed by the server
  std::uint64_t bytes_forwarded_to_server = 0;
  std::uint64_t bytes_forwarded_to_client = 0;
  std::uint64_t commands = 0;
  std::uint64_t allowed = 0, denied = 0, reviewed = 0;
  std::uint64_t rows = 0;
  std::uint64_t rows_rewritten = 0;   // DataRows with a masked cell
  std::uint64_t cells_masked = 0;
  std::uint64_t binary_cells_unmasked = 0;  // binary cells of non-text types
  std::size_t held_bytes = 0;               // now
};

// One proxied connection. See the top of this file.
class Session {
 public:
  virtual ~Session() = default;

  // The next bytes read from `from`'s socket.
  // LIFETIME: `bytes` must stay valid until the returned Output is written
  // (slices may point into it); see Output.
  virtual const Output& Feed(Direction from, std::string_view bytes) = 0;

  // Decides a held command. Returns kNotFound in the output's events (and
  // changes nothing) when no command waits under `request_id`.
  // `approver` is who decided (recorded), `reason` their words.
  virtual const Output& Resolve(std::string_view request_id,
                                Resolution resolution,
                                std::string_view approver,
                                std::string_view reason) = 0;

  // Expires reviews whose deadline has passed (as kExpire). Cheap when
  // nothing is due.
  virtual const Output& Tick() = 0;

  // When Tick() next has work; absl::InfiniteFuture() when nothing is held.
  virtual absl::Time next_deadline() const = 0;

  // Ends the session: cancels held commands (recorded as cancelled), records
  // the end and closes the recorder. Later calls return an empty Output.
  // `reason` is a session.v1.EndReason value (client closed = 1, server
  // closed = 2, …); `detail` free text for the record.
  virtual const Output& Finish(int reason, std::string_view detail) = 0;

  virtual const SessionStats& stats() const = 0;

  // Request ids of the commands held now, oldest first.
  virtual std::vector<std::string> held_requests() const = 0;
};

}  // namespace hoop::session

#endif  // HOOP_SESSION_SESSION_H_
