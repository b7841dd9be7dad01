// Copyright 2026 The hoop Authors.
//
// The PostgreSQL session: Session (session.h) for the v3 protocol.
//
//   PostgresOptions o;
//   o.common.session_id = "s-0001";
//   o.common.identity = who;                   // verified, see policy/identity.h
//   o.common.resource = {"warehouse-eu", policy::ResourceKind::kPostgres};
//   o.common.policy = policy;                  // shared by all sessions
//   o.masker = masker;                         // default masking profile
//   o.profiles["pii-strict"] = strict;         // named by policy rules
//   o.recorder = std::move(recorder);          // optional; see recorder.h
//   absl::StatusOr<std::unique_ptr<Session>> s = NewPostgresSession(std::move(o));
//
// Client side. Each Query, and each Parse, is classified (policy/sql.h) and
// decided for the session's identity and resource:
//   allow   forwarded. Bind/Describe/Execute/Close of a statement follow its
//           Parse's verdict.
//   deny    not forwarded. The client gets ErrorResponse (S/V ERROR, C 42501,
//           M the rule's message, D naming the rule) and then, in the simple
//           protocol, ReadyForQuery with the true transaction status; in the
//           extended protocol the session drops the client's messages up to
//           Sync and answers that Sync with ReadyForQuery, as the server does
//           after an error. A reply is placed in the client's stream where the
//           server's answer would have been: after the answers to everything
//           forwarded before it, so pipelining clients stay in step. If
//           messages of the same extended batch were forwarded before the
//           denied Parse, the session sends the server a Sync in place of the
//           client's and puts the error before the server's ReadyForQuery.
//           (Unlike a server error, what ran before it in that batch is not
//           rolled back.)
//   review  held, with everything the client sends after it, until Resolve()
//           or the review timeout; the client gets a NoticeResponse naming
//           the request id. Approved: forwarded (what followed is then
//           decided in turn); denied or expired: answered as deny.
//
// Server side. RowDescriptions are tracked per statement and portal (Describe
// and Bind, extended protocol) and per Query; DataRow cells are masked with
// the verdict's masking profile (or `masker`) using the column's name and
// type name. Only rows with a masked cell are rebuilt. Binary cells of the
// text-like types (text, varchar, bpchar, name, json, jsonb, xml, unknown)
// are masked too; other binary cells are left intact and counted
// (SessionStats::binary_cells_unmasked). COPY TO STDOUT data (text and CSV)
// is masked per CopyData message; ErrorResponse and NoticeResponse message,
// detail, hint, context and internal-query fields are masked too.
//
// Startup. The startup packet's user, database and application_name go to an
// event and to SessionStart. SSLRequest and GSSENCRequest are answered
// per PostgresOptions::ssl / gssenc. Authentication passes through.
//
// Records (when a recorder is given): SessionStart (at the startup packet, or
// at the first command when the session starts mid-stream), a Command per
// Query/Parse with its verdict, Approval when held and when decided, a
// Result per command (rows, status or error, masked counters, the first
// rows masked), SessionEnd at Finish. Statement text is masked before it is
// recorded.

#ifndef HOOP_SESSION_POSTGRES_SESSION_H_
#define HOOP_SESSION_POSTGRES_SESSION_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hoop/masking/masker.h"
#include "hoop/session/recorder.h"
#include "hoop/session/session.h"
#include "hoop/wire/postgres.h"

namespace hoop::session {

// Options of a PostgreSQL session. Defaults:
//   common         -              session.h
//   masker         null           no masking (unless a verdict names a
//                                 profile in `profiles`)
//   profiles       {}             masking profiles by name; a verdict naming
//                                 one that is absent masks every cell whole
//                                 (fail closed) and reports an error event;
//                                 "default", when absent, means `masker`
//   recorder       null           no records
//   ssl            kRefuse        SSLRequest answer
//   gssenc         kRefuse        GSSENCRequest answer
//   start          kStartup       kNormal: the proxy did startup itself
//   notify_review  true           NoticeResponse to a client whose command
//                                  is held
//   decoder        wire defaults  frame size limits
struct PostgresOptions {
  // What to do with a client's SSLRequest / GSSENCRequest.
  enum class Encryption : std::uint8_t {
    kRefuse,   // the session answers 'N'; the client goes on in plain text
    kAccept,   // the session answers 'S' and reports kTlsRequested: the
               // proxy does the TLS handshake with the client and feeds
               // the decrypted bytes (startup packet next)
    kForward,  // passed to the server; if it answers 'S' the session
               // stops decoding (end-to-end TLS cannot be inspected) and
               // fails closed (Output::close)
  };

  SessionOptions common;
  std::shared_ptr<const masking::Masker> masker;
  std::map<std::string, std::shared_ptr<const masking::Masker>, std::less<>>
      profiles;
  std::unique_ptr<Recorder> recorder;
  Encryption ssl = Encryption::kRefuse;
  Encryption gssenc = Encryption::kRefuse;
  wire::postgres::DecoderOptions::Start start =
      wire::postgres::DecoderOptions::Start::kStartup;
  bool notify_review = true;
  wire::postgres::DecoderOptions decoder;
};

// kInvalidArgument without a session_id or a policy. gssenc kAccept is not
// supported (kInvalidArgument): hoop does not terminate GSSAPI encryption.
absl::StatusOr<std::unique_ptr<Session>> NewPostgresSession(
    PostgresOptions options);

}  // namespace hoop::session

#endif  // HOOP_SESSION_POSTGRES_SESSION_H_
