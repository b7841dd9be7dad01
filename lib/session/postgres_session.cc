// Copyright 2026 The hoop Authors.
//
// The PostgreSQL session pipeline (postgres_session.h). How it keeps the
// client and the server in step:
//
// `pending_` is a queue of what the server owes the client, in the order the
// client's messages were forwarded: one entry per Parse, Bind, Describe,
// Execute, Close, Sync, Query and FunctionCall. Server messages pop it (a
// ReadyForQuery pops through the Sync/Query it answers; an error in the
// extended protocol pops up to the Sync, as the server skips). The queue
// tells which command a row belongs to (its masking profile and its
// RowDescription) and where in the server's stream the session's own
// replies go: a denied command becomes an `kInjected` entry that is written
// out (ErrorResponse, then ReadyForQuery with the status of the server's
// last one) as soon as everything before it has been answered.

#include "hoop/session/postgres_session.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/string_view.h"
#include "hoop/policy/sql.h"

namespace hoop::session {

static_assert(sizeof(Slice) == sizeof(struct iovec) &&
                  offsetof(Slice, data) == offsetof(struct iovec, iov_base) &&
                  offsetof(Slice, size) == offsetof(struct iovec, iov_len),
              "Slice must have struct iovec's layout");

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kStartup:
      return "startup";
    case EventKind::kCommand:
      return "command";
    case EventKind::kApprovalRequested:
      return "approval_requested";
    case EventKind::kApprovalResolved:
      return "approval_resolved";
    case EventKind::kResult:
      return "result";
    case EventKind::kError:
      return "error";
    case EventKind::kTlsRequested:
      return "tls_requested";
  }
  return "unknown";
}

std::string_view ResolutionName(Resolution r) {
  switch (r) {
    case Resolution::kApprove:
      return "approve";
    case Resolution::kDeny:
      return "deny";
    case Resolution::kExpire:
      return "expire";
    case Resolution::kCancel:
      return "cancel";
  }
  return "unknown";
}

std::size_t Output::to_server_bytes() const {
  std::size_t n = 0;
  for (const Slice& s : to_server) n += s.size;
  return n;
}

std::size_t Output::to_client_bytes() const {
  std::size_t n = 0;
  for (const Slice& s : to_client) n += s.size;
  return n;
}

void Output::Clear() {
  to_server.clear();
  to_client.clear();
  events.clear();
  close = false;
}

namespace {

namespace pg = ::hoop::wire::postgres;
using masking::ColumnPlan;
using masking::Masker;
using policy::Decision;

// Type names for the OIDs of PostgreSQL's built-in types (pg_type.dat), as
// column rules name them. Others are "oid:<n>".
std::string TypeName(uint32_t oid) {
  switch (oid) {
    case 16: return "bool";
    case 17: return "bytea";
    case 18: return "char";
    case 19: return "name";
    case 20: return "int8";
    case 21: return "int2";
    case 23: return "int4";
    case 25: return "text";
    case 26: return "oid";
    case 114: return "json";
    case 142: return "xml";
    case 650: return "cidr";
    case 700: return "float4";
    case 701: return "float8";
    case 705: return "unknown";
    case 774: return "macaddr8";
    case 790: return "money";
    case 829: return "macaddr";
    case 869: return "inet";
    case 1042: return "bpchar";
    case 1043: return "varchar";
    case 1082: return "date";
    case 1083: return "time";
    case 1114: return "timestamp";
    case 1184: return "timestamptz";
    case 1186: return "interval";
    case 1266: return "timetz";
    case 1560: return "bit";
    case 1562: return "varbit";
    case 1700: return "numeric";
    case 2950: return "uuid";
    case 3614: return "tsvector";
    case 3802: return "jsonb";
    case 4072: return "jsonpath";
    case 1009: return "_text";
    case 1015: return "_varchar";
    case 199: return "_json";
    case 3807: return "_jsonb";
    default: return absl::StrCat("oid:", oid);
  }
}

// Binary-format cells whose bytes are the text itself (jsonb: after a
// one-byte version).
enum class BinaryText : uint8_t { kNo, kYes, kJsonb };
BinaryText BinaryTextOf(uint32_t oid) {
  switch (oid) {
    case 25:    // text
    case 1043:  // varchar
    case 1042:  // bpchar
    case 19:    // name
    case 114:   // json
    case 142:   // xml
    case 705:   // unknown
    case 4072:  // jsonpath: binary is version byte + text too
      return oid == 4072 ? BinaryText::kJsonb : BinaryText::kYes;
    case 3802:  // jsonb
      return BinaryText::kJsonb;
    default:
      return BinaryText::kNo;
  }
}

void PutU32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

// Allocation-free readers of the few fields the session needs, for frames
// the decoder has already validated (Decoder::Next parses every frame it
// returns). Each returns false on anything it does not expect; the caller
// then falls back to pg::ParseAs, which names the problem. A success here
// implies ParseAs would succeed with the same fields.
class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : b_(body) {}
  bool CString(std::string_view* out) {
    const size_t nul = b_.find('\0', at_);
    if (nul == std::string_view::npos) return false;
    *out = b_.substr(at_, nul - at_);
    at_ = nul + 1;
    return true;
  }
  bool Int16(int16_t* v) {
    if (b_.size() - at_ < 2) return false;
    const auto* u = reinterpret_cast<const unsigned char*>(b_.data() + at_);
    *v = static_cast<int16_t>((u[0] << 8) | u[1]);
    at_ += 2;
    return true;
  }
  bool Int32(int32_t* v) {
    if (b_.size() - at_ < 4) return false;
    const auto* u = reinterpret_cast<const unsigned char*>(b_.data() + at_);
    *v = static_cast<int32_t>((uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                              (uint32_t{u[2]} << 8) | uint32_t{u[3]});
    at_ += 4;
    return true;
  }
  bool Byte(char* c) {
    if (at_ >= b_.size()) return false;
    *c = b_[at_++];
    return true;
  }
  bool Skip(size_t n) {
    if (b_.size() - at_ < n) return false;
    at_ += n;
    return true;
  }
  bool AtEnd() const { return at_ == b_.size(); }

 private:
  std::string_view b_;
  size_t at_ = 0;
};

// Query: the text.
bool ReadQuery(std::string_view body, std::string_view* query) {
  BodyReader r(body);
  return r.CString(query) && r.AtEnd();
}

// Bind: portal, statement and result formats (parameters skipped).
bool ReadBind(std::string_view body, std::string_view* portal,
              std::string_view* statement, std::vector<int16_t>* formats) {
  BodyReader r(body);
  int16_t n = 0;
  if (!r.CString(portal) || !r.CString(statement)) return false;
  if (!r.Int16(&n) || n < 0 || !r.Skip(2 * static_cast<size_t>(n))) {
    return false;
  }
  if (!r.Int16(&n) || n < 0) return false;
  for (int i = 0; i < n; ++i) {
    int32_t len = 0;
    if (!r.Int32(&len) || len < -1) return false;
    if (len > 0 && !r.Skip(static_cast<size_t>(len))) return false;
  }
  if (!r.Int16(&n) || n < 0) return false;
  formats->resize(static_cast<size_t>(n));
  for (int16_t& f : *formats) {
    if (!r.Int16(&f)) return false;
  }
  return r.AtEnd();
}

// Describe and Close: target ('S' or 'P') and name.
bool ReadTargetName(std::string_view body, char* target,
                    std::string_view* name) {
  BodyReader r(body);
  return r.Byte(target) && (*target == 'S' || *target == 'P') &&
         r.CString(name) && r.AtEnd();
}

// Execute: the portal.
bool ReadExecute(std::string_view body, std::string_view* portal) {
  BodyReader r(body);
  int32_t max_rows = 0;
  return r.CString(portal) && r.Int32(&max_rows) && r.AtEnd();
}

// CommandComplete: the tag.
bool ReadTag(std::string_view body, std::string_view* tag) {
  BodyReader r(body);
  return r.CString(tag) && r.AtEnd();
}

v1::Decision ToRecord(Decision d) {
  switch (d) {
    case Decision::kAllow:
      return v1::DECISION_ALLOW;
    case Decision::kReview:
      return v1::DECISION_REVIEW;
    case Decision::kDeny:
      return v1::DECISION_DENY;
  }
  return v1::DECISION_UNSPECIFIED;
}

// Detect with every detector of the masker: for cells of no known column,
// COPY data, error texts and statement text.
const ColumnPlan kDefaultPlan;

// How one command's results are masked.
struct MaskChoice {
  const Masker* masker = nullptr;  // null and !all: no masking
  bool all = false;                // fail closed: every cell whole
  bool active() const { return masker != nullptr || all; }
};

struct ColumnInfo {
  std::string name;
  uint32_t type_oid = 0;
  int16_t format = 0;
  ColumnPlan plan;
};

// A RowDescription, with each column's plan for one masker.
struct Description {
  std::vector<ColumnInfo> columns;
  // The columns as Result records name them (only with a recorder).
  std::vector<v1::Column> record_columns;
};

// What the session does with the cells of one column, decided once for a
// run of DataRows (same description, result formats and masking) rather
// than per cell: the format, type and plan look-ups of MaskValue, resolved.
struct CellPlan {
  enum How : uint8_t {
    kPass,            // forward as is (no masker; the plan exempts it)
    kRedact,          // fail closed: "[REDACTED]"
    kDetect,          // MaskCell(plan, cell)
    kDetectPrefixed,  // binary jsonb/jsonpath: MaskCell after the version
                      // byte, which is kept
    kBinaryUnmasked,  // binary and not text: forwarded, counted
  };
  const ColumnPlan* plan = nullptr;
  How how = kPass;
  bool sample_hex = false;  // recorded as hex (binary format)
};

// The CellPlans of a run of rows, and what they were made from. Valid while
// `epoch` is the session's row_epoch_, which moves with every frame other
// than a DataRow (only such frames change descriptions, portals, formats
// or the command the rows belong to).
struct RowPlan {
  uint64_t epoch = 0;
  const Description* desc = nullptr;
  const std::vector<int16_t>* formats = nullptr;
  const Masker* masker = nullptr;
  bool all = false;
  std::vector<CellPlan> columns;
  CellPlan beyond;  // cells past `columns`
  const CellPlan& operator[](size_t i) const {
    return i < columns.size() ? columns[i] : beyond;
  }
};

// A cell that masking changed: where it is in the frame and what replaces
// it.
struct CellEdit {
  const char* at;  // its bytes in the frame (its length word is just before)
  size_t old_size;
  std::string_view out;
};

struct StatementInfo {
  uint64_t command_id = 0;
  MaskChoice mask;
  std::shared_ptr<const Description> desc;  // null until Described
};

struct PortalInfo {
  uint64_t command_id = 0;
  MaskChoice mask;
  std::shared_ptr<const Description> desc;
  std::vector<int16_t> formats;  // Bind's result formats
  bool described = false;        // desc came from Describe (formats final)
};

struct Denial {
  std::string message;
  std::string detail;
};

struct Pending {
  enum Kind : uint8_t {
    kParse,
    kBind,
    kDescribeStatement,
    kDescribePortal,
    kExecute,
    kClose,
    kSync,
    kQuery,
    kFunctionCall,
    kInjected,  // the session's reply to a denied command
  };
  explicit Pending(Kind k) : kind(k) {}
  Kind kind;
  // Statements and portals take effect when the server confirms them
  // (ParseComplete, BindComplete), in the server's order: a client that
  // pipelines may have re-bound the unnamed portal long before the rows of
  // the previous one arrive.
  std::string name;       // kParse/kDescribe*: statement; kBind/kExecute: portal
  std::string statement;  // kBind: the statement bound
  std::vector<int16_t> formats;  // kBind: result formats
  char target = 'S';             // kClose: 'S' statement, 'P' portal
  uint64_t command_id = 0;
  MaskChoice mask;
  // kExecute, once its first answer arrived: the portal it runs.
  const PortalInfo* portal = nullptr;
  bool resolved = false;
  // kSync: an error to put before the server's ReadyForQuery (a Parse later
  // in the batch was denied); kInjected: the error to answer with.
  std::unique_ptr<Denial> denial;
};

// A client frame held behind a command under review.
struct Held {
  pg::MessageType type;
  std::string bytes;
};

// Results of the command being answered now.
struct ResultAcc {
  bool active = false;
  uint64_t command_id = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  absl::Time started;
  std::string status;
  v1::ServerError error;
  bool has_error = false;
  // The record being built (with a recorder): columns and sample rows go
  // straight in; FinishResult adds the rest.
  v1::Result record;
  bool sample_truncated = false;
  masking::MaskCounters counters;
  const Masker* masker = nullptr;
};

class PostgresSession final : public Session {
 public:
  explicit PostgresSession(PostgresOptions options)
      : opt_(std::move(options)), decoder_(DecoderOptionsFor(opt_)) {
    if (!opt_.common.clock) opt_.common.clock = [] { return absl::Now(); };
    started_ = Now();
    if (opt_.recorder) sample_cap_ = 50;
  }

  ~PostgresSession() override {
    if (!finished_) Finish(v1::END_REASON_UNSPECIFIED, "session destroyed");
  }

  const Output& Feed(Direction from, std::string_view bytes) override {
    BeginCall();
    if (finished_ || dead_) {
      if (!finished_) out_.close = true;
      return out_;
    }
    const int d = static_cast<int>(from);
    (from == Direction::kClientToServer ? stats_.bytes_client_to_server
                                        : stats_.bytes_server_to_client) +=
        bytes.size();
    decoder_.Feed(from, bytes);
    Drain(from);
    // A direction that waited for its peer may go on now.
    const Direction other = wire::Opposite(from);
    if (need_peer_[1 - d] && !dead_) Drain(other);
    EndCall();
    return out_;
  }

  const Output& Resolve(std::string_view request_id, Resolution resolution,
                        std::string_view approver,
                        std::string_view reason) override {
    BeginCall();
    if (held_.empty() || request_id != request_id_ || finished_) {
      Event e;
      e.kind = EventKind::kError;
      e.request_id = std::string(request_id);
      e.text = "no command is held under request id \"" +
               std::string(request_id) + "\"";
      out_.events.push_back(std::move(e));
      return out_;
    }
    ResolveFront(resolution, approver, reason);
    EndCall();
    return out_;
  }

  const Output& Tick() override {
    BeginCall();
    if (!held_.empty() && !finished_ && Now() >= deadline_) {
      ResolveFront(Resolution::kExpire, "", "review timed out");
    }
    EndCall();
    return out_;
  }

  absl::Time next_deadline() const override {
    return held_.empty() ? absl::InfiniteFuture() : deadline_;
  }

  const Output& Finish(int reason, std::string_view detail) override {
    BeginCall();
    if (finished_) return out_;
    finished_ = true;
    if (!held_.empty()) {
      RecordApproval(request_command_, v1::APPROVAL_STATE_CANCELLED, "",
                     "session ended while the command was held");
      Event e;
      e.kind = EventKind::kApprovalResolved;
      e.resolution = Resolution::kCancel;
      e.command_id = request_command_;
      e.request_id = request_id_;
      out_.events.push_back(std::move(e));
      held_.clear();
      held_bytes_ = 0;
    }
    FinishResult();
    if (opt_.recorder) {
      EnsureStartRecorded();
      v1::SessionEnd end;
      end.set_bytes_client_to_server(stats_.bytes_client_to_server);
      end.set_bytes_server_to_client(stats_.bytes_server_to_client);
      end.set_duration_ns(absl::ToInt64Nanoseconds(Now() - started_));
      end.set_reason(static_cast<v1::EndReason>(reason));
      end.set_detail(std::string(detail));
      absl::Status s = opt_.recorder->End(std::move(end));
      absl::Status c = opt_.recorder->Close();
      if (s.ok()) s = c;
      if (!s.ok()) {
        Event e;
        e.kind = EventKind::kError;
        e.text = absl::StrCat("recorder: ", s.message());
        e.fatal = true;
        out_.events.push_back(std::move(e));
      }
    }
    stats_.held_bytes = 0;
    return out_;
  }

  const SessionStats& stats() const override { return stats_; }

  std::vector<std::string> held_requests() const override {
    if (held_.empty()) return {};
    return {request_id_};
  }

 private:
  static pg::DecoderOptions DecoderOptionsFor(const PostgresOptions& o) {
    pg::DecoderOptions d = o.decoder;
    d.start = o.start;
    return d;
  }

  absl::Time Now() const { return opt_.common.clock(); }

  void BeginCall() {
    out_.Clear();
    arena_.Reset();
    rows_arena_.Reset();
    ++row_epoch_;
  }

  void EndCall() {
    stats_.bytes_forwarded_to_server += out_.to_server_bytes();
    stats_.bytes_forwarded_to_client += out_.to_client_bytes();
    stats_.held_bytes = held_bytes_;
  }

  // --- output helpers -------------------------------------------------------

  static void Append(std::vector<Slice>* v, std::string_view bytes) {
    if (bytes.empty()) return;
    if (!v->empty() && v->back().data + v->back().size == bytes.data()) {
      v->back().size += bytes.size();
      return;
    }
    v->push_back(Slice{bytes.data(), bytes.size()});
  }
  void ToServer(std::string_view b) { Append(&out_.to_server, b); }
  void ToClient(std::string_view b) { Append(&out_.to_client, b); }
  // Copies `b` into the call's arena first (for bytes the session built).
  void ToClientOwned(const std::string& b) { ToClient(arena_.Copy(b)); }

  void Fatal(std::string_view kind, std::string message, Direction dir,
             uint64_t offset) {
    if (dead_) return;
    dead_ = true;
    out_.close = true;
    Event e;
    e.kind = EventKind::kError;
    e.text = message;
    e.fatal = true;
    out_.events.push_back(std::move(e));
    if (opt_.recorder) {
      EnsureStartRecorded();
      v1::Error err;
      err.set_kind(std::string(kind));
      err.set_message(std::move(message));
      err.set_direction(dir == Direction::kClientToServer
                            ? v1::DIRECTION_CLIENT_TO_SERVER
                            : v1::DIRECTION_SERVER_TO_CLIENT);
      err.set_stream_offset(offset);
      err.set_fatal(true);
      (void)opt_.recorder->Error(std::move(err));
    }
  }

  void CheckRecorder(const absl::Status& s) {
    if (s.ok() || dead_) return;
    dead_ = true;
    out_.close = true;
    Event e;
    e.kind = EventKind::kError;
    e.text = absl::StrCat("recorder refused an event: ", s.message());
    e.fatal = true;
    out_.events.push_back(std::move(e));
  }

  // --- decoding ---------------------------------------------------------

  void Drain(Direction dir) {
    const int d = static_cast<int>(dir);
    need_peer_[d] = false;
    pg::Frame frame;
    while (!dead_) {
      const pg::DecodeResult r = decoder_.Next(dir, &frame);
      switch (r) {
        case pg::DecodeResult::kFrame:
          if (dir == Direction::kClientToServer) {
            OnClientFrame(frame);
          } else {
            OnServerFrame(frame);
          }
          // The other direction waits for this one (a password message
          // is named by the server's request): let it go on now, so that
          // frames are handled in conversation order.
          if (need_peer_[1 - d] && !nested_) {
            nested_ = true;
            Drain(wire::Opposite(dir));
            nested_ = false;
          }
          continue;
        case pg::DecodeResult::kNeedMore:
          return;
        case pg::DecodeResult::kNeedPeer:
          need_peer_[d] = true;
          return;
        case pg::DecodeResult::kEncrypted:
          Fatal("protocol",
                "the server accepted end-to-end encryption: the session "
                "cannot inspect it and ends (set ssl/gssenc to refuse or "
                "accept)",
                dir, decoder_.consumed(dir));
          return;
        case pg::DecodeResult::kError:
          Fatal("malformed", std::string(decoder_.status(dir).message()), dir,
                decoder_.consumed(dir));
          return;
      }
    }
  }

  // --- client side --------------------------------------------------------

  void OnClientFrame(const pg::Frame& f) {
    ++row_epoch_;
    switch (f.type) {
      case pg::MessageType::kSSLRequest:
      case pg::MessageType::kGSSENCRequest:
        OnEncryptionRequest(f);
        return;
      case pg::MessageType::kStartupMessage:
        OnStartup(f);
        ToServer(f.bytes);
        return;
      default:
        break;
    }
    if (!held_.empty()) {
      Hold(f.type, f.bytes);
      return;
    }
    HandleClientMessage(f.type, f.bytes, f.body);
  }

  void OnEncryptionRequest(const pg::Frame& f) {
    const bool ssl = f.type == pg::MessageType::kSSLRequest;
    const PostgresOptions::Encryption how = ssl ? opt_.ssl : opt_.gssenc;
    switch (how) {
      case PostgresOptions::Encryption::kForward:
        ToServer(f.bytes);
        return;
      case PostgresOptions::Encryption::kRefuse: {
        ToClient("N");
        // The decoder waits for the server's one-byte answer: give it the
        // one the client got (it never reaches the server).
        decoder_.Feed(Direction::kServerToClient, "N");
        pg::Frame answer;
        (void)decoder_.Next(Direction::kServerToClient, &answer);
        (void)decoder_.Next(Direction::kServerToClient, &answer);
        return;
      }
      case PostgresOptions::Encryption::kAccept: {
        ToClient("S");
        Event e;
        e.kind = EventKind::kTlsRequested;
        e.text = ssl ? "ssl" : "gssenc";
        out_.events.push_back(std::move(e));
        // What follows on the client side is a TLS handshake the proxy
        // terminates; it feeds the plaintext, which starts again with a
        // startup packet.
        decoder_ = pg::Decoder(DecoderOptionsFor(opt_));
        return;
      }
    }
  }

  void OnStartup(const pg::Frame& f) {
    absl::StatusOr<pg::StartupMessage> m = pg::ParseAs<pg::StartupMessage>(f);
    if (!m.ok()) return;
    for (const pg::Parameter& p : m->parameters) {
      if (p.name == "user") user_ = std::string(p.value);
      if (p.name == "database") database_ = std::string(p.value);
      if (p.name == "application_name") application_ = std::string(p.value);
    }
    if (database_.empty()) database_ = user_;
    // The server owes the client a ReadyForQuery once authentication is
    // done: a reply to a command pipelined behind the startup packet must
    // come after it.
    pending_.push_back(Pending(Pending::kSync));
    Event e;
    e.kind = EventKind::kStartup;
    e.text = absl::StrCat("user=", user_, " database=", database_,
                          " application_name=", application_);
    out_.events.push_back(std::move(e));
    EnsureStartRecorded();
  }

  void EnsureStartRecorded() {
    if (start_recorded_ || !opt_.recorder) return;
    start_recorded_ = true;
    v1::SessionStart s;
    const policy::Identity& id = opt_.common.identity;
    v1::Identity* ri = s.mutable_identity();
    ri->set_subject(id.subject);
    ri->set_email(id.email);
    for (const std::string& g : id.groups) ri->add_groups(g);
    ri->set_kind(id.kind == policy::IdentityKind::kNonHuman
                     ? v1::IDENTITY_KIND_NON_HUMAN
                     : v1::IDENTITY_KIND_PERSON);
    ri->set_issuer(id.issuer.empty() ? "embedder" : id.issuer);
    ri->set_display_name(id.name);
    s.set_client_address(opt_.common.client_address);
    s.set_gateway_id(opt_.common.gateway_id);
    v1::Resource* rr = s.mutable_resource();
    rr->set_name(opt_.common.resource.name);
    rr->set_kind("postgres");
    rr->set_address(opt_.common.resource_address);
    if (!opt_.common.credential.id.empty() ||
        !opt_.common.credential.principal.empty()) {
      v1::Credential* c = s.mutable_credential();
      c->set_id(opt_.common.credential.id);
      c->set_kind(opt_.common.credential.kind);
      c->set_principal(opt_.common.credential.principal);
    }
    for (const auto& [k, v] : opt_.common.resource.labels) {
      (*rr->mutable_labels())[k] = v;
    }
    s.set_protocol(v1::PROTOCOL_POSTGRES);
    s.set_policy_version(opt_.common.policy->name());
    auto& attrs = *s.mutable_attributes();
    for (const auto& [k, v] : opt_.common.start_attributes) attrs[k] = v;
    if (!user_.empty()) attrs["user"] = user_;
    if (!database_.empty()) attrs["database"] = database_;
    if (!application_.empty()) attrs["application_name"] = application_;
    CheckRecorder(opt_.recorder->Start(std::move(s)));
  }

  void Hold(pg::MessageType type, std::string_view bytes) {
    held_bytes_ += bytes.size();
    if (held_bytes_ > opt_.common.max_held_bytes) {
      Fatal("policy",
            absl::StrCat("the client sent more than ", opt_.common.max_held_bytes,
                         " bytes behind a command held for review"),
            Direction::kClientToServer,
            decoder_.consumed(Direction::kClientToServer));
      return;
    }
    held_.push_back(Held{type, std::string(bytes)});
  }

  // One client message of the normal phase, when nothing is held. `bytes`
  // views the caller's chunk, the decoder's buffer or (a released held
  // frame) this call's arena: all live until the next call.
  void HandleClientMessage(pg::MessageType type, std::string_view bytes,
                           std::string_view body) {
    auto forward = [&] { ToServer(bytes); };
    if (discard_to_sync_) {
      // After a denied Parse, as the server does after an error: drop
      // everything up to Sync, which gets the ReadyForQuery.
      if (type == pg::MessageType::kSync) {
        discard_to_sync_ = false;
        if (batch_forwarded_ > 0) {
          // Earlier messages of this batch went to the server: it must see
          // the Sync to answer them; the error goes before its answer.
          forward();
          Pending p{Pending::kSync};
          p.denial = std::move(discard_denial_);
          pending_.push_back(std::move(p));
        } else {
          Inject(std::move(discard_denial_));
        }
        batch_forwarded_ = 0;
      } else if (type == pg::MessageType::kTerminate) {
        forward();
      }
      return;
    }
    pg::Frame f;
    f.type = type;
    f.bytes = bytes;
    f.body = body;
    switch (type) {
      case pg::MessageType::kQuery: {
        std::string_view text;
        if (!ReadQuery(body, &text)) {
          absl::StatusOr<pg::Query> q = pg::ParseAs<pg::Query>(f);
          if (!q.ok()) return Malformed(q.status());
          text = q->query;
        }
        Command c = Decide(text, /*function_call=*/false);
        if (c.verdict.decision == Decision::kAllow) {
          forward();
          Pending p{Pending::kQuery};
          p.command_id = c.id;
          p.mask = c.mask;
          pending_.push_back(std::move(p));
        } else if (c.verdict.decision == Decision::kDeny) {
          Inject(MakeDenial(c));
        } else {
          StartReview(c, type, bytes);
        }
        return;
      }
      case pg::MessageType::kFunctionCall: {
        absl::StatusOr<pg::FunctionCall> fc = pg::ParseAs<pg::FunctionCall>(f);
        if (!fc.ok()) return Malformed(fc.status());
        Command c = Decide(absl::StrCat("FunctionCall oid=", fc->function_oid),
                           /*function_call=*/true);
        if (c.verdict.decision == Decision::kAllow) {
          forward();
          Pending p{Pending::kFunctionCall};
          p.command_id = c.id;
          p.mask = c.mask;
          pending_.push_back(std::move(p));
        } else if (c.verdict.decision == Decision::kDeny) {
          Inject(MakeDenial(c));
        } else {
          StartReview(c, type, bytes);
        }
        return;
      }
      case pg::MessageType::kParse: {
        absl::StatusOr<pg::Parse> p = pg::ParseAs<pg::Parse>(f);
        if (!p.ok()) return Malformed(p.status());
        Command c = Decide(p->query, /*function_call=*/false);
        if (c.verdict.decision == Decision::kAllow) {
          forward();
          ++batch_forwarded_;
          Pending e{Pending::kParse};
          e.name = std::string(p->statement);
          e.command_id = c.id;
          e.mask = c.mask;
          pending_.push_back(std::move(e));
        } else if (c.verdict.decision == Decision::kDeny) {
          discard_to_sync_ = true;
          discard_denial_ = MakeDenial(c);
        } else {
          StartReview(c, type, bytes);
        }
        return;
      }
      case pg::MessageType::kBind: {
        Pending e{Pending::kBind};
        std::string_view portal, statement;
        if (!ReadBind(body, &portal, &statement, &e.formats)) {
          absl::StatusOr<pg::Bind> b = pg::ParseAs<pg::Bind>(f);
          if (!b.ok()) return Malformed(b.status());
          portal = b->portal;
          statement = b->statement;
          e.formats = std::move(b->result_formats);
        }
        forward();
        ++batch_forwarded_;
        e.name.assign(portal.data(), portal.size());
        e.statement.assign(statement.data(), statement.size());
        pending_.push_back(std::move(e));
        return;
      }
      case pg::MessageType::kDescribe: {
        char target = 0;
        std::string_view name;
        if (!ReadTargetName(body, &target, &name)) {
          absl::StatusOr<pg::Describe> ds = pg::ParseAs<pg::Describe>(f);
          if (!ds.ok()) return Malformed(ds.status());
          target = ds->target;
          name = ds->name;
        }
        forward();
        ++batch_forwarded_;
        Pending e{target == 'S' ? Pending::kDescribeStatement
                                : Pending::kDescribePortal};
        e.name.assign(name.data(), name.size());
        pending_.push_back(std::move(e));
        return;
      }
      case pg::MessageType::kExecute: {
        std::string_view portal;
        if (!ReadExecute(body, &portal)) {
          absl::StatusOr<pg::Execute> ex = pg::ParseAs<pg::Execute>(f);
          if (!ex.ok()) return Malformed(ex.status());
          portal = ex->portal;
        }
        forward();
        ++batch_forwarded_;
        Pending e{Pending::kExecute};
        e.name.assign(portal.data(), portal.size());
        pending_.push_back(std::move(e));
        return;
      }
      case pg::MessageType::kClose: {
        char target = 0;
        std::string_view name;
        if (!ReadTargetName(body, &target, &name)) {
          absl::StatusOr<pg::Close> cl = pg::ParseAs<pg::Close>(f);
          if (!cl.ok()) return Malformed(cl.status());
          target = cl->target;
          name = cl->name;
        }
        forward();
        ++batch_forwarded_;
        Pending e{Pending::kClose};
        e.name.assign(name.data(), name.size());
        e.target = target;
        pending_.push_back(std::move(e));
        return;
      }
      case pg::MessageType::kSync:
        forward();
        batch_forwarded_ = 0;
        pending_.push_back(Pending{Pending::kSync});
        return;
      case pg::MessageType::kFlush:
        forward();
        return;
      default:
        // Terminate, COPY data from the client, authentication answers.
        forward();
        return;
    }
  }

  void Malformed(const absl::Status& s) {
    Fatal("malformed", std::string(s.message()), Direction::kClientToServer,
          decoder_.consumed(Direction::kClientToServer));
  }

  struct Command {
    uint64_t id = 0;
    policy::Verdict verdict;
    MaskChoice mask;
    std::string text;  // masked, for events and records
  };

  MaskChoice DefaultMask() const {
    MaskChoice m;
    m.masker = opt_.masker.get();
    return m;
  }

  Command Decide(std::string_view text, bool function_call) {
    if (!start_recorded_) EnsureStartRecorded();
    Command c;
    c.id = ++next_command_;
    ++stats_.commands;
    std::vector<policy::SqlStatement> stmts;
    if (function_call) {
      policy::SqlStatement s;
      s.kind = policy::SqlKind::kCall;
      s.effect = policy::Effect::kUnknown;
      s.length = text.size();
      stmts.push_back(std::move(s));
    } else {
      stmts = policy::ClassifySql(text, policy::SqlDialect::kPostgres);
    }
    policy::Request req;
    req.identity = &opt_.common.identity;
    req.resource = &opt_.common.resource;
    req.sql = &stmts;
    req.client_address = opt_.common.client_address;
    req.time = Now();
    c.verdict = opt_.common.policy->Evaluate(req);
    if (stmts.empty() && c.verdict.decision != Decision::kAllow) {
      // An empty query (only comments): nothing runs, nothing to refuse;
      // the server answers EmptyQueryResponse.
      c.verdict = policy::Verdict{};
      c.verdict.decision = Decision::kAllow;
      c.verdict.reason = "empty query: nothing to decide";
    }
    // Masking profile.
    c.mask = DefaultMask();
    if (!c.verdict.masking_profile.empty()) {
      auto it = opt_.profiles.find(c.verdict.masking_profile);
      if (it != opt_.profiles.end()) {
        c.mask.masker = it->second.get();
      } else if (c.verdict.masking_profile == "default" &&
                 opt_.masker != nullptr) {
        // "default" names the session's own masker unless a profile of
        // that name was given.
      } else {
        c.mask.masker = nullptr;
        c.mask.all = true;
        Event e;
        e.kind = EventKind::kError;
        e.command_id = c.id;
        e.text = absl::StrCat("masking profile \"", Sv(c.verdict.masking_profile),
                              "\" is not configured: every cell of this "
                              "command's results is masked whole");
        out_.events.push_back(std::move(e));
      }
    }
    c.text = MaskText(text);
    switch (c.verdict.decision) {
      case Decision::kAllow:
        ++stats_.allowed;
        break;
      case Decision::kDeny:
        ++stats_.denied;
        break;
      case Decision::kReview:
        ++stats_.reviewed;
        break;
    }
    Event e;
    e.kind = EventKind::kCommand;
    e.command_id = c.id;
    e.decision = c.verdict.decision;
    e.rule_id = std::string(c.verdict.rule_id);
    e.text = c.text;
    e.reason = std::string(c.verdict.decision == Decision::kDeny
                               ? c.verdict.message
                               : c.verdict.reason);
    out_.events.push_back(std::move(e));
    if (opt_.recorder) {
      v1::Command rc;
      rc.set_command_id(c.id);
      rc.set_text(c.text);
      if (!stmts.empty()) {
        // The deciding statement's shape (the first when none decided).
        const size_t i = c.verdict.statement >= 0 &&
                                 static_cast<size_t>(c.verdict.statement) <
                                     stmts.size()
                             ? static_cast<size_t>(c.verdict.statement)
                             : 0;
        v1::SqlStatement* s = rc.mutable_sql();
        s->set_kind(std::string(policy::SqlKindName(stmts[i].kind)));
        for (const std::string& t : stmts[i].tables) s->add_tables(t);
        for (policy::SqlFlag fl : policy::AllSqlFlags()) {
          if (stmts[i].HasFlag(fl)) {
            s->add_flags(std::string(policy::SqlFlagName(fl)));
          }
        }
        if (stmts.size() > 1) s->add_flags("multi_statement");
        (*rc.mutable_attributes())["effect"] =
            std::string(policy::EffectName(stmts[i].effect));
      }
      v1::Verdict* v = rc.mutable_verdict();
      v->set_decision(ToRecord(c.verdict.decision));
      if (!c.verdict.rule_id.empty()) {
        v->add_rule_ids(std::string(c.verdict.rule_id));
      }
      v->set_reason(std::string(c.verdict.reason));
      v->set_masking_profile(std::string(c.verdict.masking_profile));
      v->set_broad_rule(c.verdict.broad_rule);
      if (c.verdict.decision == Decision::kReview) {
        rc.set_approval_request_id(RequestIdFor(c.id));
      }
      CheckRecorder(opt_.recorder->Command(std::move(rc)));
    }
    return c;
  }

  std::string RequestIdFor(uint64_t command_id) const {
    return absl::StrCat(opt_.common.session_id, "/", command_id);
  }

  // Statement text for events and records: masked with the default profile
  // (a WHERE clause can quote an email).
  std::string MaskText(std::string_view text) {
    const Masker* m = opt_.masker.get();
    if (m == nullptr) return std::string(text);
    std::string_view out =
        m->MaskCell(kDefaultPlan, text, &arena_, /*counters=*/nullptr);
    return std::string(out);
  }

  std::unique_ptr<Denial> MakeDenial(const Command& c) {
    auto d = std::make_unique<Denial>();
    d->message = c.verdict.message.empty()
                     ? "hoop: denied by policy"
                     : std::string(c.verdict.message);
    d->detail = c.verdict.rule_id.empty()
                    ? std::string("no policy rule allows this statement "
                                  "(hoop denies what no rule allows)")
                    : absl::StrCat("denied by hoop policy rule \"",
                                   Sv(c.verdict.rule_id), "\"");
    return d;
  }

  static std::string EncodeError(const Denial& d) {
    pg::ErrorResponse e;
    e.fields = {{'S', "ERROR"},
                {'V', "ERROR"},
                {'C', "42501"},
                {'M', d.message},
                {'D', d.detail}};
    return pg::Encode(e);
  }

  // Answers a denied command with ErrorResponse + ReadyForQuery, after
  // everything the server still owes the client.
  void Inject(std::unique_ptr<Denial> d) {
    if (pending_.empty()) {
      EmitDenial(*d);
      return;
    }
    Pending p{Pending::kInjected};
    p.denial = std::move(d);
    pending_.push_back(std::move(p));
  }

  void EmitDenial(const Denial& d) {
    std::string bytes = EncodeError(d);
    pg::Encode(pg::ReadyForQuery{tx_status_}, &bytes);
    ToClientOwned(bytes);
  }

  // --- review -------------------------------------------------------------

  void StartReview(const Command& c, pg::MessageType type,
                   std::string_view bytes) {
    request_id_ = RequestIdFor(c.id);
    request_command_ = c.id;
    request_text_ = c.text;
    request_rule_ = std::string(c.verdict.rule_id);
    request_mask_ = c.mask;
    deadline_ = Now() + opt_.common.review_timeout;
    held_bytes_ = 0;
    Hold(type, bytes);
    std::vector<std::string> groups;
    if (c.verdict.approver_groups != nullptr) groups = *c.verdict.approver_groups;
    if (opt_.recorder) {
      v1::Approval a;
      a.set_request_id(request_id_);
      a.set_command_id(c.id);
      a.set_command_text(c.text);
      a.set_state(v1::APPROVAL_STATE_REQUESTED);
      a.set_requested_ns(absl::ToUnixNanos(Now()));
      a.set_expires_ns(absl::ToUnixNanos(deadline_));
      for (const std::string& g : groups) a.add_approver_groups(g);
      CheckRecorder(opt_.recorder->Approval(std::move(a)));
    }
    Event e;
    e.kind = EventKind::kApprovalRequested;
    e.command_id = c.id;
    e.request_id = request_id_;
    e.rule_id = request_rule_;
    e.text = c.text;
    e.reason = std::string(c.verdict.reason);
    out_.events.push_back(std::move(e));
    if (opt_.notify_review) {
      pg::NoticeResponse n;
      const std::string msg = absl::StrCat(
          "hoop: this statement is held for approval (request ",
          request_id_, ")");
      const std::string detail =
          groups.empty()
              ? std::string("it runs once approved")
              : absl::StrCat("approvers: ", absl::StrJoin(groups, ", "));
      n.fields = {{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"},
                  {'M', msg},      {'D', detail}};
      ToClientOwned(pg::Encode(n));
    }
  }

  void RecordApproval(uint64_t command_id, v1::ApprovalState state,
                      std::string_view approver, std::string_view reason) {
    if (!opt_.recorder) return;
    v1::Approval a;
    a.set_request_id(request_id_);
    a.set_command_id(command_id);
    a.set_command_text(request_text_);
    a.set_state(state);
    if (!approver.empty()) {
      a.mutable_approver()->set_subject(std::string(approver));
      if (approver.find('@') != std::string_view::npos) {
        a.mutable_approver()->set_email(std::string(approver));
      }
    }
    a.set_reason(std::string(reason));
    a.set_decided_ns(absl::ToUnixNanos(Now()));
    a.set_expires_ns(absl::ToUnixNanos(deadline_));
    CheckRecorder(opt_.recorder->Approval(std::move(a)));
  }

  void ResolveFront(Resolution resolution, std::string_view approver,
                    std::string_view reason) {
    const v1::ApprovalState state =
        resolution == Resolution::kApprove  ? v1::APPROVAL_STATE_APPROVED
        : resolution == Resolution::kExpire ? v1::APPROVAL_STATE_EXPIRED
        : resolution == Resolution::kCancel ? v1::APPROVAL_STATE_CANCELLED
                                            : v1::APPROVAL_STATE_DENIED;
    RecordApproval(request_command_, state, approver, reason);
    Event e;
    e.kind = EventKind::kApprovalResolved;
    e.command_id = request_command_;
    e.request_id = request_id_;
    e.resolution = resolution;
    e.text = std::string(reason);
    out_.events.push_back(std::move(e));

    std::deque<Held> held = std::move(held_);
    held_.clear();
    held_bytes_ = 0;
    Held first = std::move(held.front());
    held.pop_front();
    const std::string_view bytes = arena_.Copy(first.bytes);
    if (resolution == Resolution::kApprove) {
      ToServer(bytes);
      if (first.type == pg::MessageType::kParse) {
        pg::Frame f;
        f.type = first.type;
        f.bytes = bytes;
        f.body = bytes.substr(5);
        absl::StatusOr<pg::Parse> p = pg::ParseAs<pg::Parse>(f);
        if (p.ok()) {
          ++batch_forwarded_;
          Pending pe{Pending::kParse};
          pe.name = std::string(p->statement);
          pe.command_id = request_command_;
          pe.mask = request_mask_;
          pending_.push_back(std::move(pe));
        }
      } else {
        Pending p{first.type == pg::MessageType::kQuery ? Pending::kQuery
                                                         : Pending::kFunctionCall};
        p.command_id = request_command_;
        p.mask = request_mask_;
        pending_.push_back(std::move(p));
      }
    } else {
      auto d = std::make_unique<Denial>();
      d->message =
          resolution == Resolution::kExpire
              ? absl::StrCat("hoop: approval request ", request_id_,
                             " expired; the statement did not run")
              : absl::StrCat("hoop: approval request ", request_id_,
                             " was denied; the statement did not run");
      d->detail = reason.empty()
                      ? std::string(ResolutionName(resolution))
                      : absl::StrCat(Sv(approver), approver.empty() ? "" : ": ",
                                     Sv(reason));
      if (first.type == pg::MessageType::kParse) {
        discard_to_sync_ = true;
        discard_denial_ = std::move(d);
      } else {
        Inject(std::move(d));
      }
    }
    // What the client pipelined behind it is decided in turn.
    while (!held.empty() && !dead_) {
      Held h = std::move(held.front());
      held.pop_front();
      if (!held_.empty()) {
        Hold(h.type, h.bytes);
        continue;
      }
      const std::string_view b = arena_.Copy(h.bytes);
      const std::string_view body = b.size() >= 5 ? b.substr(5) : b.substr(0, 0);
      HandleClientMessage(h.type, b, body);
    }
  }

  // --- server side --------------------------------------------------------

  Pending* Front() { return pending_.empty() ? nullptr : &pending_.front(); }

  void PopFront() {
    pending_.pop_front();
    EmitDueInjections();
  }

  void EmitDueInjections() {
    while (!pending_.empty() && pending_.front().kind == Pending::kInjected) {
      EmitDenial(*pending_.front().denial);
      pending_.pop_front();
    }
  }

  // A Description is a function of the RowDescription's bytes and the
  // masker: a client that runs the same statement again (a prepared
  // statement's Describe, the same query text) gets the one built last time
  // instead of parsing and planning its columns again.
  std::shared_ptr<const Description> BuildDescription(const pg::Frame& f,
                                                      const MaskChoice& mask) {
    if (last_desc_ != nullptr && last_desc_masker_ == mask.masker &&
        last_desc_body_ == f.body) {
      return last_desc_;
    }
    auto d = std::make_shared<Description>();
    absl::StatusOr<pg::RowDescription> rd = pg::ParseAs<pg::RowDescription>(f);
    if (rd.ok()) {
      d->columns.reserve(rd->fields.size());
      for (const pg::FieldDescription& fd : rd->fields) {
        ColumnInfo c;
        c.name = std::string(fd.name);
        c.type_oid = fd.type_oid;
        c.format = fd.format;
        const std::string type = TypeName(fd.type_oid);
        if (mask.masker != nullptr) {
          c.plan = mask.masker->PlanColumn(c.name, type);
        }
        if (opt_.recorder) {
          v1::Column col;
          col.set_name(c.name);
          col.set_type(type);
          d->record_columns.push_back(std::move(col));
        }
        d->columns.push_back(std::move(c));
      }
    }
    last_desc_body_.assign(f.body.data(), f.body.size());
    last_desc_masker_ = mask.masker;
    last_desc_ = d;
    return d;
  }

  void StartResult(uint64_t command_id, const MaskChoice& mask) {
    if (acc_.active) return;
    acc_.active = true;
    acc_.command_id = command_id;
    acc_.rows = 0;
    acc_.bytes = frame_bytes_;
    // Only records keep a duration: no clock read without them.
    if (opt_.recorder) acc_.started = Now();
    acc_.status.clear();
    if (acc_.has_error) acc_.error.Clear();
    acc_.has_error = false;
    acc_.record.Clear();
    acc_.sample_truncated = false;
    acc_.counters.Clear();
    acc_.masker = mask.masker;
  }

  void NoteColumns(const Description& d) {
    if (!acc_.active || !opt_.recorder) return;
    acc_.record.clear_columns();
    for (const v1::Column& c : d.record_columns) *acc_.record.add_columns() = c;
  }

  void FinishResult() {
    if (!acc_.active) return;
    acc_.active = false;
    Event e;
    e.kind = EventKind::kResult;
    e.command_id = acc_.command_id;
    e.rows = acc_.rows;
    e.text = acc_.has_error ? acc_.error.message() : acc_.status;
    out_.events.push_back(std::move(e));
    if (!opt_.recorder) return;
    // Columns and sample rows are in already; fields serialize in field
    // order, so the bytes are those of a message built in one go.
    v1::Result& r = acc_.record;
    r.set_command_id(acc_.command_id);
    r.set_rows(acc_.rows);
    r.set_bytes(acc_.bytes);
    r.set_sample_truncated(acc_.sample_truncated);
    if (acc_.masker != nullptr) {
      for (size_t i = 0; i < acc_.counters.size(); ++i) {
        if (acc_.counters[i].values == 0) continue;
        v1::MaskCount* mc = r.add_masked();
        const std::string_view name = acc_.masker->counter_name(i);
        mc->set_detector(name.data(), name.size());
        mc->set_count(acc_.counters[i].values);
      }
    }
    if (acc_.has_error) *r.mutable_error() = acc_.error;
    r.set_status(acc_.status);
    r.set_duration_ns(absl::ToInt64Nanoseconds(Now() - acc_.started));
    // Leaves `r` empty, with the memory of an earlier result to reuse.
    CheckRecorder(opt_.recorder->TakeResult(&r));
  }

  // The rows of the message at the front of the queue: their description
  // and their masking.
  void RowContext(const Description** desc, const std::vector<int16_t>** formats,
                  MaskChoice* mask) {
    *desc = nullptr;
    *formats = nullptr;
    *mask = DefaultMask();
    Pending* p = Front();
    if (p == nullptr) return;
    if (p->kind == Pending::kQuery || p->kind == Pending::kFunctionCall) {
      *desc = query_desc_.get();
      *mask = p->mask;
      StartResult(p->command_id, p->mask);
    } else if (p->kind == Pending::kExecute) {
      ResolveExecute(p);
      *mask = p->mask;
      if (p->portal != nullptr) {
        *desc = p->portal->desc.get();
        if (!p->portal->described) *formats = &p->portal->formats;
      }
      StartResult(p->command_id, p->mask);
    }
  }

  // The portal an Execute runs, looked up once (at its first answer: by then
  // the server has confirmed every Bind and Describe before it).
  void ResolveExecute(Pending* p) {
    if (p->resolved) return;
    p->resolved = true;
    auto it = portals_.find(p->name);
    if (it != portals_.end()) {
      p->portal = &it->second;
      p->command_id = it->second.command_id;
      p->mask = it->second.mask;
    } else {
      p->mask = DefaultMask();
    }
  }

  void OnServerFrame(const pg::Frame& f) {
    Pending* p = Front();
    // Counted into the result in progress; a result that starts at this
    // frame counts it from StartResult.
    frame_bytes_ = f.bytes.size();
    if (acc_.active) acc_.bytes += frame_bytes_;
    if (f.type == pg::MessageType::kDataRow) {
      OnDataRow(f);
      return;
    }
    ++row_epoch_;
    switch (f.type) {
      case pg::MessageType::kCopyData:
        if (copy_out_) {
          OnCopyData(f);
        } else {
          ToClient(f.bytes);
        }
        return;
      case pg::MessageType::kParseComplete:
        if (p && p->kind == Pending::kParse) {
          StatementInfo& st = statements_[p->name];
          st.command_id = p->command_id;
          st.mask = p->mask;
          st.desc.reset();
          PopFront();
        }
        break;
      case pg::MessageType::kBindComplete:
        if (p && p->kind == Pending::kBind) {
          PortalInfo& portal = portals_[p->name];
          portal = PortalInfo{};
          auto it = statements_.find(p->statement);
          if (it != statements_.end()) {
            portal.command_id = it->second.command_id;
            portal.mask = it->second.mask;
            portal.desc = it->second.desc;
          } else {
            // A statement the session did not see prepared (it started
            // mid-stream): the default profile.
            portal.mask = DefaultMask();
          }
          portal.formats = std::move(p->formats);
          PopFront();
        }
        break;
      case pg::MessageType::kCloseComplete:
        if (p && p->kind == Pending::kClose) {
          // What the server forgot, the session forgets: a client that
          // prepares and closes statements forever stays bounded.
          if (p->target == 'S') {
            statements_.erase(p->name);
          } else {
            portals_.erase(p->name);
          }
          PopFront();
        }
        break;
      case pg::MessageType::kRowDescription:
        if (p && p->kind == Pending::kDescribeStatement) {
          auto it = statements_.find(p->name);
          if (it != statements_.end()) {
            it->second.desc = BuildDescription(f, it->second.mask);
          }
          PopFront();
        } else if (p && p->kind == Pending::kDescribePortal) {
          auto it = portals_.find(p->name);
          if (it != portals_.end()) {
            it->second.desc = BuildDescription(f, it->second.mask);
            it->second.described = true;
          }
          PopFront();
        } else if (p && (p->kind == Pending::kQuery)) {
          StartResult(p->command_id, p->mask);
          query_desc_ = BuildDescription(f, p->mask);
          NoteColumns(*query_desc_);
        } else {
          query_desc_ = BuildDescription(f, DefaultMask());
        }
        break;
      case pg::MessageType::kNoData:
        if (p && (p->kind == Pending::kDescribeStatement ||
                  p->kind == Pending::kDescribePortal)) {
          PopFront();
        }
        break;
      case pg::MessageType::kCommandComplete:
      case pg::MessageType::kEmptyQueryResponse:
      case pg::MessageType::kPortalSuspended: {
        copy_out_ = false;
        std::string_view tag;
        if (f.type == pg::MessageType::kCommandComplete) {
          if (!ReadTag(f.body, &tag)) {
            absl::StatusOr<pg::CommandComplete> cc =
                pg::ParseAs<pg::CommandComplete>(f);
            if (cc.ok()) tag = cc->tag;
          }
        } else {
          tag = f.type == pg::MessageType::kPortalSuspended ? "suspended"
                                                            : "empty";
        }
        if (p && p->kind == Pending::kExecute) {
          ResolveExecute(p);
          StartResult(p->command_id, p->mask);
          acc_.status.assign(tag.data(), tag.size());
          ToClient(f.bytes);
          FinishResult();
          PopFront();
          return;
        }
        if (p && p->kind == Pending::kQuery) {
          StartResult(p->command_id, p->mask);
          if (acc_.status.empty()) {
            acc_.status.assign(tag.data(), tag.size());
          } else {
            absl::StrAppend(&acc_.status, "; ", Sv(tag));
          }
        }
        break;
      }
      case pg::MessageType::kCopyOutResponse:
      case pg::MessageType::kCopyBothResponse: {
        absl::StatusOr<pg::Message> m = pg::ParseMessage(f);
        copy_out_ = true;
        copy_binary_ = false;
        if (m.ok()) {
          if (auto* c = std::get_if<pg::CopyOutResponse>(&*m)) {
            copy_binary_ = c->format != 0;
          } else if (auto* b = std::get_if<pg::CopyBothResponse>(&*m)) {
            copy_binary_ = b->format != 0;
          }
        }
        if (p && (p->kind == Pending::kQuery || p->kind == Pending::kExecute)) {
          if (p->kind == Pending::kExecute) ResolveExecute(p);
          StartResult(p->command_id, p->mask);
          copy_mask_ = p->mask;
        } else {
          copy_mask_ = DefaultMask();
        }
        break;
      }
      case pg::MessageType::kCopyDone:
        copy_out_ = false;
        break;
      case pg::MessageType::kErrorResponse:
      case pg::MessageType::kNoticeResponse:
        OnNotice(f, p);
        return;
      case pg::MessageType::kReadyForQuery:
        OnReadyForQuery(f);
        return;
      default:
        break;
    }
    ToClient(f.bytes);
  }

  void OnReadyForQuery(const pg::Frame& f) {
    copy_out_ = false;
    if (f.body.size() == 1) tx_status_ = f.body[0];
    // Pop through the Sync / Query / FunctionCall this answers.
    std::unique_ptr<Denial> before;
    while (!pending_.empty()) {
      Pending& p = pending_.front();
      if (p.kind == Pending::kInjected) break;  // not owed by the server
      const bool sync_point = p.kind == Pending::kSync ||
                              p.kind == Pending::kQuery ||
                              p.kind == Pending::kFunctionCall;
      if (sync_point) {
        before = std::move(p.denial);
        pending_.pop_front();
        break;
      }
      pending_.pop_front();
    }
    FinishResult();
    if (before) ToClientOwned(EncodeError(*before));
    ToClient(f.bytes);
    EmitDueInjections();
  }

  void OnNotice(const pg::Frame& f, Pending* p) {
    const bool error = f.type == pg::MessageType::kErrorResponse;
    std::vector<pg::NoticeField> fields;
    {
      absl::StatusOr<pg::Message> m = pg::ParseMessage(f);
      if (m.ok()) {
        if (auto* e = std::get_if<pg::ErrorResponse>(&*m)) {
          fields = std::move(e->fields);
        } else if (auto* n = std::get_if<pg::NoticeResponse>(&*m)) {
          fields = std::move(n->fields);
        }
      }
    }
    if (p && p->kind == Pending::kExecute) ResolveExecute(p);
    // Mask the free-text fields: a unique-key error quotes the key.
    MaskChoice mask = DefaultMask();
    if (p && p->mask.active()) mask = p->mask;
    bool changed = false;
    for (pg::NoticeField& fl : fields) {
      switch (fl.code) {
        case 'M':
        case 'D':
        case 'H':
        case 'W':
        case 'q': {
          std::string_view out = MaskValue(mask, kDefaultPlan, fl.value, 0, 0);
          if (out.data() != fl.value.data()) {
            fl.value = out;
            changed = true;
          }
          break;
        }
        default:
          break;
      }
    }
    std::string_view bytes = f.bytes;
    if (changed) {
      std::string enc;
      if (error) {
        pg::ErrorResponse e;
        e.fields = fields;
        pg::Encode(e, &enc);
      } else {
        pg::NoticeResponse n;
        n.fields = fields;
        pg::Encode(n, &enc);
      }
      bytes = arena_.Copy(enc);
    }
    if (error) {
      copy_out_ = false;
      if (p && p->kind != Pending::kInjected) {
        if (p->kind == Pending::kExecute) ResolveExecute(p);
        StartResult(p->command_id, p->mask);
        acc_.has_error = true;
        for (const pg::NoticeField& fl : fields) {
          if (fl.code == 'C') acc_.error.set_code(std::string(fl.value));
          if (fl.code == 'M') acc_.error.set_message(std::string(fl.value));
          if (fl.code == 'V' || (fl.code == 'S' && acc_.error.severity().empty())) {
            acc_.error.set_severity(std::string(fl.value));
          }
        }
        if (p->kind != Pending::kQuery && p->kind != Pending::kFunctionCall &&
            p->kind != Pending::kSync) {
          // Extended protocol: the server skips to the Sync. An error the
          // session meant to add before that Sync's answer is moot.
          FinishResult();
          while (!pending_.empty() && pending_.front().kind != Pending::kSync &&
                 pending_.front().kind != Pending::kInjected) {
            pending_.pop_front();
          }
          if (!pending_.empty() && pending_.front().kind == Pending::kSync) {
            pending_.front().denial.reset();
          }
        }
      }
    }
    ToClient(bytes);
  }

  // Masks one value (errors, notices, COPY fields: no run of rows to plan
  // for). Returns `value` itself when nothing was masked.
  std::string_view MaskValue(const MaskChoice& mask, const ColumnPlan& plan,
                             std::string_view value, uint32_t type_oid,
                             int16_t format) {
    CellPlan c;
    c.plan = &plan;
    c.how = CellHow(mask, plan, type_oid, format);
    return MaskCellAs(c, mask.masker, value);
  }

  // The CellPlans for rows under (desc, formats, mask): MaskValue's and
  // SampleRow's per-cell decisions, made once per run of rows.
  const RowPlan& PlanRows(const Description* desc,
                          const std::vector<int16_t>* formats,
                          const MaskChoice& mask) {
    RowPlan& rp = row_plan_;
    if (rp.epoch == row_epoch_ && rp.desc == desc && rp.formats == formats &&
        rp.masker == mask.masker && rp.all == mask.all) {
      return rp;
    }
    rp.epoch = row_epoch_;
    rp.desc = desc;
    rp.formats = formats;
    rp.masker = mask.masker;
    rp.all = mask.all;
    const size_t described = desc != nullptr ? desc->columns.size() : 0;
    const size_t n =
        std::max(described, formats != nullptr ? formats->size() : 0);
    rp.columns.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const ColumnInfo* col = i < described ? &desc->columns[i] : nullptr;
      // The format: the RowDescription's, unless Bind's result formats are
      // all there is (a portal that was not described).
      int16_t format = col != nullptr ? col->format : 0;
      if (formats != nullptr) {
        format = formats->size() == 1  ? (*formats)[0]
                 : i < formats->size() ? (*formats)[i]
                                       : 0;
      }
      CellPlan& c = rp.columns[i];
      c.sample_hex = format == 1;
      c.plan = col != nullptr ? &col->plan : &kDefaultPlan;
      // A cell of no known column is text to masking.
      c.how = CellHow(mask, *c.plan, col != nullptr ? col->type_oid : 0,
                      col != nullptr ? format : 0);
    }
    rp.beyond.sample_hex =
        formats != nullptr && formats->size() == 1 && (*formats)[0] == 1;
    rp.beyond.plan = &kDefaultPlan;
    rp.beyond.how = CellHow(mask, kDefaultPlan, 0, 0);
    return rp;
  }

  // What MaskValue does with a cell of this column, before looking at it.
  static CellPlan::How CellHow(const MaskChoice& mask, const ColumnPlan& plan,
                               uint32_t type_oid, int16_t format) {
    if (mask.all) return CellPlan::kRedact;
    if (mask.masker == nullptr) return CellPlan::kPass;
    CellPlan::How how = CellPlan::kDetect;
    if (format == 1) {
      switch (BinaryTextOf(type_oid)) {
        case BinaryText::kNo:
          return CellPlan::kBinaryUnmasked;
        case BinaryText::kYes:
          break;
        case BinaryText::kJsonb:
          how = CellPlan::kDetectPrefixed;
          break;
      }
    }
    // MaskCell returns an exempt column's value as is.
    if (plan.action() == ColumnPlan::Action::kExempt) return CellPlan::kPass;
    return how;
  }

  // MaskValue for a cell of a planned column. Returns `value` itself when
  // nothing was masked. (MaskRow does kDetect itself.)
  std::string_view MaskCellAs(const CellPlan& c, const Masker* masker,
                              std::string_view value) {
    switch (c.how) {
      case CellPlan::kPass:
        return value;
      case CellPlan::kRedact:
        ++stats_.cells_masked;
        return "[REDACTED]";
      case CellPlan::kBinaryUnmasked:
        ++stats_.binary_cells_unmasked;
        return value;
      case CellPlan::kDetect: {
        const std::string_view out =
            masker->MaskCell(*c.plan, value, &arena_, &acc_.counters);
        if (out.data() == value.data() && out.size() == value.size()) {
          return value;
        }
        ++stats_.cells_masked;
        return out;
      }
      case CellPlan::kDetectPrefixed: {
        if (value.empty()) return value;
        const std::string_view text = value.substr(1);
        const std::string_view out =
            masker->MaskCell(*c.plan, text, &arena_, &acc_.counters);
        if (out.data() == text.data() && out.size() == text.size()) {
          return value;
        }
        ++stats_.cells_masked;
        char* buf = arena_.Allocate(1 + out.size());
        buf[0] = value[0];
        std::memcpy(buf + 1, out.data(), out.size());
        return {buf, 1 + out.size()};
      }
    }
    return value;
  }

  void OnDataRow(const pg::Frame& f) {
    ++stats_.rows;
    const Description* desc;
    const std::vector<int16_t>* formats;
    MaskChoice mask;
    RowContext(&desc, &formats, &mask);
    ++acc_.rows;
    bool sample = false;
    if (opt_.recorder != nullptr && acc_.active) {
      if (static_cast<size_t>(acc_.record.sample_rows_size()) >= sample_cap_) {
        acc_.sample_truncated = true;
      } else {
        sample = true;
      }
    }
    if (!mask.active() && !sample) {
      ToClient(f.bytes);
      return;
    }
    MaskDataRow(f, PlanRows(desc, formats, mask), mask.masker, sample);
  }

  // Out of line, so that a row forwarded as is does not pay for this
  // one's registers.
  [[gnu::noinline]] void MaskDataRow(const pg::Frame& f, const RowPlan& rp,
                                     const Masker* masker, bool sample) {
    if (sample) {
      MaskRow</*kSample=*/true>(f, rp, masker);
      SampleRow(rp);
    } else {
      MaskRow</*kSample=*/false>(f, rp, masker);
    }
    if (edits_.empty()) {
      ToClient(f.bytes);
      return;
    }
    ++stats_.rows_rewritten;
    // The frame with the edited cells replaced: the bytes between them are
    // copied as they are (the decoder validated the frame, so they are
    // exactly what encoding the cells again would write).
    size_t size = f.bytes.size();
    for (const CellEdit& e : edits_) size = size - e.old_size + e.out.size();
    // In an arena of their own, rewritten rows that follow each other are
    // adjacent: one output slice, not one per row (a proxy's writev takes
    // a bounded number of slices at a time).
    char* buf = rows_arena_.Allocate(size);
    char* w = buf;
    *w++ = 'D';
    PutU32(w, static_cast<uint32_t>(size - 1));
    w += 4;
    const char* from = f.bytes.data() + 5;
    for (const CellEdit& e : edits_) {
      const char* len_at = e.at - 4;
      std::memcpy(w, from, static_cast<size_t>(len_at - from));
      w += len_at - from;
      PutU32(w, static_cast<uint32_t>(e.out.size()));
      w += 4;
      std::memcpy(w, e.out.data(), e.out.size());
      w += e.out.size();
      from = e.at + e.old_size;
    }
    const char* end = f.bytes.data() + f.bytes.size();
    std::memcpy(w, from, static_cast<size_t>(end - from));
    ToClient({buf, size});
  }

  // Masks the cells of a DataRow into edits_ (the changed ones) and, for a
  // sampled row, cells_ (every cell as the client gets it).
  // REQUIRES: f came from the decoder, which validated its cell lengths.
  template <bool kSample>
  void MaskRow(const pg::Frame& f, const RowPlan& rp, const Masker* masker) {
    edits_.clear();
    if (kSample) cells_.clear();
    const char* p = f.body.data();
    const int n = static_cast<int16_t>((static_cast<unsigned char>(p[0]) << 8) |
                                       static_cast<unsigned char>(p[1]));
    p += 2;
    const CellPlan* const cols = rp.columns.data();
    const size_t ncols = rp.columns.size();
    for (int i = 0; i < n; ++i) {
      const int32_t len = static_cast<int32_t>(GetU32(p));
      p += 4;
      if (len < 0) {  // NULL
        if (kSample) cells_.push_back(std::nullopt);
        continue;
      }
      const std::string_view v(p, static_cast<size_t>(len));
      p += len;
      const CellPlan& c = static_cast<size_t>(i) < ncols ? cols[i] : rp.beyond;
      // The common case inline; the others (and the prefixed one's copy)
      // in MaskCellAs.
      const std::string_view out =
          c.how == CellPlan::kDetect
              ? masker->MaskCell(*c.plan, v, &arena_, &acc_.counters)
              : MaskCellAs(c, masker, v);
      if (out.data() != v.data() || out.size() != v.size()) {
        if (c.how == CellPlan::kDetect) ++stats_.cells_masked;
        edits_.push_back(CellEdit{v.data(), v.size(), out});
      }
      if (kSample) cells_.push_back(out);
    }
  }

  void SampleRow(const RowPlan& rp) {
    v1::Row& row = *acc_.record.add_sample_rows();
    uint32_t i = 0;
    for (const pg::Value& v : cells_) {
      if (!v) {
        row.add_null_cells(i);
        row.add_cells("");
      } else if (rp[i].sample_hex) {
        // Binary: recorded as hex, as psql shows bytea.
        static const char kHex[] = "0123456789abcdef";
        std::string hex = "\\x";
        hex.reserve(2 + 2 * v->size());
        for (unsigned char ch : *v) {
          hex.push_back(kHex[ch >> 4]);
          hex.push_back(kHex[ch & 15]);
        }
        row.add_cells(std::move(hex));
      } else {
        row.add_cells(v->data(), v->size());
      }
      ++i;
    }
  }

  void OnCopyData(const pg::Frame& f) {
    ++acc_.rows;
    if (!copy_mask_.active()) {
      ToClient(f.bytes);
      return;
    }
    std::string_view data = f.body;
    std::string_view out;
    if (copy_binary_) {
      out = MaskBinaryCopy(data);
    } else {
        out = MaskValue(copy_mask_, kDefaultPlan, data, 0, 0);
    }
    if (out.data() == data.data() && out.size() == data.size()) {
      ToClient(f.bytes);
      return;
    }
    ++stats_.rows_rewritten;
    char* buf = arena_.Allocate(5 + out.size());
    buf[0] = 'd';
    PutU32(buf + 1, static_cast<uint32_t>(4 + out.size()));
    std::memcpy(buf + 5, out.data(), out.size());
    ToClient({buf, 5 + out.size()});
  }

  // Binary COPY: (after the 19-byte header in the first message) tuples of
  // int16 field count, then int32 length + bytes per field; -1 ends. Each
  // field is masked as text (the type is unknown here): a field in which a
  // detector finds something is rewritten with its new length. Data that
  // does not parse as tuples fails closed: every byte is replaced with 'X'
  // outside the framing cannot be kept, so the message is redacted whole.
  std::string_view MaskBinaryCopy(std::string_view data) {
    static constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
    std::string out;
    size_t pos = 0;
    bool changed = false;
    auto u32 = [&](size_t at) {
      const auto* u = reinterpret_cast<const unsigned char*>(data.data() + at);
      return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
             (uint32_t{u[2]} << 8) | uint32_t{u[3]};
    };
    if (data.substr(0, kSignature.size()) == kSignature) {
      if (data.size() < 19) return FailClosedCopy(data);
      const uint32_t ext = u32(15);
      if (data.size() - 19 < ext) return FailClosedCopy(data);
      pos = 19 + ext;
    }
    out.append(data.substr(0, pos));
    while (pos < data.size()) {
      if (data.size() - pos < 2) return FailClosedCopy(data);
      const auto* u = reinterpret_cast<const unsigned char*>(data.data() + pos);
      const int16_t n = static_cast<int16_t>((u[0] << 8) | u[1]);
      out.append(data.substr(pos, 2));
      pos += 2;
      if (n == -1) break;
      if (n < 0) return FailClosedCopy(data);
      for (int i = 0; i < n; ++i) {
        if (data.size() - pos < 4) return FailClosedCopy(data);
        const int32_t len = static_cast<int32_t>(u32(pos));
        pos += 4;
        if (len < 0) {
          out.append("\xff\xff\xff\xff", 4);
          continue;
        }
        if (data.size() - pos < static_cast<size_t>(len)) {
          return FailClosedCopy(data);
        }
        std::string_view field = data.substr(pos, static_cast<size_t>(len));
        pos += static_cast<size_t>(len);
        std::string_view m = MaskValue(copy_mask_, kDefaultPlan, field, 0, 0);
        if (m.data() != field.data() || m.size() != field.size()) changed = true;
        char len_be[4];
        PutU32(len_be, static_cast<uint32_t>(m.size()));
        out.append(len_be, 4);
        out.append(m);
      }
    }
    out.append(data.substr(pos));
    if (!changed) return data;
    return arena_.Copy(out);
  }

  std::string_view FailClosedCopy(std::string_view data) {
    ++stats_.cells_masked;
    char* buf = arena_.Allocate(data.size());
    std::memset(buf, 0, data.size());
    Event e;
    e.kind = EventKind::kError;
    e.text = "binary COPY data did not parse as tuples: forwarded zeroed";
    out_.events.push_back(std::move(e));
    return {buf, data.size()};
  }

  // --- state ----------------------------------------------------------------

  PostgresOptions opt_;
  pg::Decoder decoder_;
  Output out_;
  masking::Arena arena_;
  masking::Arena rows_arena_{64 * 1024};  // rewritten DataRows only
  SessionStats stats_;
  absl::Time started_;
  bool need_peer_[2] = {false, false};
  bool nested_ = false;  // Drain of one direction inside the other's
  bool dead_ = false;
  bool finished_ = false;

  // Startup.
  bool start_recorded_ = false;
  std::string user_, database_, application_;

  // Client side.
  uint64_t next_command_ = 0;
  std::unordered_map<std::string, StatementInfo> statements_;
  std::unordered_map<std::string, PortalInfo> portals_;
  size_t batch_forwarded_ = 0;  // messages forwarded since the last Sync
  bool discard_to_sync_ = false;
  std::unique_ptr<Denial> discard_denial_;

  // Review: the front of held_ is the command under review.
  std::deque<Held> held_;
  size_t held_bytes_ = 0;
  std::string request_id_;
  uint64_t request_command_ = 0;
  std::string request_text_;
  std::string request_rule_;
  MaskChoice request_mask_;
  absl::Time deadline_ = absl::InfiniteFuture();

  // Server side.
  std::deque<Pending> pending_;
  char tx_status_ = 'I';
  std::shared_ptr<const Description> query_desc_;
  // BuildDescription's last result and what it was built from.
  std::shared_ptr<const Description> last_desc_;
  std::string last_desc_body_;
  const Masker* last_desc_masker_ = nullptr;
  bool copy_out_ = false;
  bool copy_binary_ = false;
  MaskChoice copy_mask_;
  std::vector<pg::Value> cells_;  // a sampled row's cells, masked
  std::vector<CellEdit> edits_;   // the cells masking changed in a row
  RowPlan row_plan_;
  uint64_t row_epoch_ = 1;  // moves with every frame but a DataRow
  ResultAcc acc_;
  size_t frame_bytes_ = 0;  // size of the server frame being handled
  size_t sample_cap_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Session>> NewPostgresSession(
    PostgresOptions options) {
  if (options.common.session_id.empty()) {
    return absl::InvalidArgumentError("postgres session: session_id is empty");
  }
  if (options.common.policy == nullptr) {
    return absl::InvalidArgumentError("postgres session: no policy");
  }
  if (options.gssenc == PostgresOptions::Encryption::kAccept) {
    return absl::InvalidArgumentError(
        "postgres session: gssenc kAccept is not supported (hoop does not "
        "terminate GSSAPI encryption); use kRefuse or kForward");
  }
  if (options.common.resource.kind == policy::ResourceKind::kUnspecified) {
    options.common.resource.kind = policy::ResourceKind::kPostgres;
  }
  return std::unique_ptr<Session>(new PostgresSession(std::move(options)));
}

}  // namespace hoop::session
