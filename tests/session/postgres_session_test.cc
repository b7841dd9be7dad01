// Copyright 2026 The hoop Authors.
//
// The PostgreSQL Session on synthetic exchanges built with the wire encoder:
// verdicts, where replies land in the stream, review, masking, records, and
// the same output for every split of the input.

#include "hoop/session/postgres_session.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/arena.h"
#include "hoop/masking/masker.h"
#include "hoop/masking/profile.h"
#include "hoop/policy/policy.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"
#include "hoop/wire/postgres.h"

namespace hoop::session {
namespace {

namespace pg = ::hoop::wire::postgres;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr Direction kC = Direction::kClientToServer;
constexpr Direction kS = Direction::kServerToClient;

constexpr char kPolicy[] = R"(
version: hoop.policy/v1
name: test
rules:
  - id: reads
    sql: {effects: [read, session, tx]}
    verdict: allow
  - id: no-ddl
    sql: {effects: [ddl, admin]}
    verdict: deny
    message: schema changes go through a migration
  - id: writes-reviewed
    sql: {effects: [write]}
    verdict: review
    review: {approver_groups: [dba]}
)";

std::shared_ptr<const policy::Policy> TestPolicy() {
  auto p = policy::Policy::FromText(kPolicy);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

std::string Q(std::string_view sql) { return pg::Encode(pg::Query{sql}); }
std::string RFQ(char s = 'I') { return pg::Encode(pg::ReadyForQuery{s}); }
std::string CC(std::string_view tag) {
  return pg::Encode(pg::CommandComplete{tag});
}
std::string RowDesc(std::vector<std::pair<std::string_view, uint32_t>> cols,
                    int16_t format = 0) {
  pg::RowDescription rd;
  for (auto& [name, oid] : cols) {
    pg::FieldDescription f;
    f.name = name;
    f.type_oid = oid;
    f.type_size = -1;
    f.format = format;
    rd.fields.push_back(f);
  }
  return pg::Encode(rd);
}
std::string Row(std::vector<std::optional<std::string_view>> cells) {
  pg::DataRow r;
  for (auto& c : cells) r.values.push_back(c);
  return pg::Encode(r);
}
std::string Parse(std::string_view name, std::string_view sql) {
  pg::Parse p;
  p.statement = name;
  p.query = sql;
  return pg::Encode(p);
}
std::string Bind(std::string_view portal, std::string_view stmt,
                 std::vector<int16_t> result_formats = {}) {
  pg::Bind b;
  b.portal = portal;
  b.statement = stmt;
  b.result_formats = std::move(result_formats);
  return pg::Encode(b);
}
std::string Describe(char target, std::string_view name) {
  return pg::Encode(pg::Describe{target, name});
}
std::string Execute(std::string_view portal) {
  return pg::Encode(pg::Execute{portal, 0});
}
std::string Sync() { return pg::Encode(pg::Sync{}); }

std::string Concat(const std::vector<Slice>& v) {
  std::string s;
  for (const Slice& x : v) s.append(x.data, x.size);
  return s;
}

// Decodes a server→client byte stream into typed messages (normal phase).
std::vector<pg::Message> ServerMessages(const std::string& bytes) {
  pg::DecoderOptions o;
  o.start = pg::DecoderOptions::Start::kNormal;
  pg::Decoder d(o);
  d.Feed(kS, bytes);
  std::vector<pg::Message> out;
  pg::Frame f;
  while (d.Next(kS, &f) == pg::DecodeResult::kFrame) {
    auto m = pg::ParseMessage(f);
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) out.push_back(std::move(*m));
  }
  EXPECT_TRUE(d.status(kS).ok()) << d.status(kS);
  EXPECT_EQ(d.buffered(kS), 0u) << "a partial message at the end";
  return out;
}

std::vector<pg::MessageType> Types(const std::vector<pg::Message>& ms) {
  std::vector<pg::MessageType> t;
  for (const auto& m : ms) t.push_back(pg::TypeOf(m));
  return t;
}

struct Harness {
  std::unique_ptr<Session> session;
  MemorySink* sink = nullptr;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::string to_server, to_client;
  std::vector<Event> events;

  explicit Harness(
      bool mask = true, bool record = true,
      pg::DecoderOptions::Start start = pg::DecoderOptions::Start::kNormal,
      absl::Duration review_timeout = absl::Minutes(5))
      : Harness(mask ? std::shared_ptr<const masking::Masker>(
                           masking::Masker::Default())
                     : nullptr,
                record, start, review_timeout) {}

  Harness(std::shared_ptr<const masking::Masker> masker, bool record,
          pg::DecoderOptions::Start start = pg::DecoderOptions::Start::kNormal,
          absl::Duration review_timeout = absl::Minutes(5)) {
    PostgresOptions o;
    o.common.session_id = "s1";
    o.common.identity.subject = "etl-agent";
    o.common.identity.kind = policy::IdentityKind::kNonHuman;
    o.common.resource = {"shop", policy::ResourceKind::kPostgres, {}};
    o.common.policy = TestPolicy();
    o.common.review_timeout = review_timeout;
    o.common.clock = [this] { return now; };
    o.masker = std::move(masker);
    o.start = start;
    if (record) {
      auto s = std::make_unique<MemorySink>();
      sink = s.get();
      RecorderOptions ro;
      ro.session_id = "s1";
      ro.queue_capacity = 0;  // synchronous: records are there at once
      ro.durability = Durability::kAtClose;
      auto rec = Recorder::Create(ro, std::move(s));
      EXPECT_TRUE(rec.ok()) << rec.status();
      o.recorder = std::move(*rec);
    }
    auto s = NewPostgresSession(std::move(o));
    EXPECT_TRUE(s.ok()) << s.status();
    session = std::move(*s);
  }

  const Output& Take(const Output& out) {
    to_server += Concat(out.to_server);
    to_client += Concat(out.to_client);
    events.insert(events.end(), out.events.begin(), out.events.end());
    return out;
  }
  const Output& Client(const std::string& b) {
    return Take(session->Feed(kC, b));
  }
  const Output& Server(const std::string& b) {
    return Take(session->Feed(kS, b));
  }
  std::vector<v1::Record> Records() {
    std::vector<v1::Record> out;
    for (const auto& r : sink->records()) out.push_back(r);
    return out;
  }
};

TEST(PostgresSession, AllowedQueryIsForwardedZeroCopy) {
  Harness h;
  const std::string q = Q("select 1");
  const Output& out = h.session->Feed(kC, q);
  ASSERT_EQ(out.to_server.size(), 1u);
  EXPECT_EQ(out.to_server[0].data, q.data()) << "a slice of the input";
  EXPECT_EQ(out.to_server[0].size, q.size());
  EXPECT_TRUE(out.to_client.empty());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, EventKind::kCommand);
  EXPECT_EQ(out.events[0].decision, policy::Decision::kAllow);
  EXPECT_EQ(out.events[0].rule_id, "reads");

  const std::string answer = RowDesc({{"n", 23}}) + Row({"1"}) + Row({"2"}) +
                             CC("SELECT 2") + RFQ();
  const Output& back = h.session->Feed(kS, answer);
  ASSERT_EQ(back.to_client.size(), 1u) << "adjacent unchanged frames: one slice";
  EXPECT_EQ(back.to_client[0].data, answer.data());
  EXPECT_EQ(back.to_client[0].size, answer.size());
}

TEST(PostgresSession, DeniedSimpleQueryGetsErrorAndReadyForQuery) {
  Harness h;
  h.Client(Q("begin"));
  h.Server(CC("BEGIN") + RFQ('T'));
  h.to_client.clear();
  const Output& out = h.Client(Q("drop table customers"));
  EXPECT_TRUE(out.to_server.empty()) << "nothing reaches the server";
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(Types(ms), (std::vector{pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
  const auto& e = std::get<pg::ErrorResponse>(ms[0]);
  EXPECT_EQ(e.Field('S'), "ERROR");
  EXPECT_EQ(e.Field('V'), "ERROR");
  EXPECT_EQ(e.Field('C'), "42501");
  EXPECT_EQ(e.Field('M'), "schema changes go through a migration");
  EXPECT_THAT(std::string(e.Field('D')), HasSubstr("no-ddl"));
  EXPECT_EQ(std::get<pg::ReadyForQuery>(ms[1]).status, 'T')
      << "the true transaction status";
  // The connection goes on.
  h.to_server.clear();
  h.Client(Q("select 1"));
  EXPECT_EQ(h.to_server, Q("select 1"));
}

TEST(PostgresSession, DenialWaitsForAnswersToPipelinedQueries) {
  Harness h;
  // The client pipelines an allowed query and a denied one.
  const std::string in = Q("select 1") + Q("drop table t");
  const Output& out = h.Client(in);
  EXPECT_EQ(Concat(out.to_server), Q("select 1"));
  EXPECT_TRUE(out.to_client.empty())
      << "the denial must not overtake the server's answer";
  h.Server(RowDesc({{"x", 23}}) + Row({"1"}) + CC("SELECT 1") + RFQ());
  auto ms = ServerMessages(h.to_client);
  EXPECT_EQ(Types(ms),
            (std::vector{pg::MessageType::kRowDescription,
                         pg::MessageType::kDataRow,
                         pg::MessageType::kCommandComplete,
                         pg::MessageType::kReadyForQuery,
                         pg::MessageType::kErrorResponse,
                         pg::MessageType::kReadyForQuery}));
}

TEST(PostgresSession, DeniedParseDiscardsToSync) {
  Harness h;
  const std::string batch = Parse("", "drop table t") + Bind("", "") +
                            Describe('P', "") + Execute("") + Sync();
  const Output& out = h.Client(batch);
  EXPECT_TRUE(out.to_server.empty());
  auto ms = ServerMessages(h.to_client);
  EXPECT_EQ(Types(ms), (std::vector{pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
  // Next batch is forwarded whole.
  h.to_server.clear();
  const std::string next = Parse("", "select 1") + Bind("", "") +
                           Execute("") + Sync();
  h.Client(next);
  EXPECT_EQ(h.to_server, next);
}

TEST(PostgresSession, DeniedParseAfterForwardedMessagesOfTheSameBatch) {
  Harness h;
  const std::string allowed = Parse("", "select 1") + Bind("", "") + Execute("");
  const std::string denied = Parse("s2", "drop table t") + Bind("", "s2") +
                             Execute("");
  h.Client(allowed + denied + Sync());
  // The server must still get a Sync to answer the first part.
  EXPECT_EQ(h.to_server, allowed + Sync());
  EXPECT_TRUE(h.to_client.empty());
  h.Server(pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
           Row({"1"}) + CC("SELECT 1") + RFQ());
  auto ms = ServerMessages(h.to_client);
  EXPECT_EQ(Types(ms), (std::vector{pg::MessageType::kParseComplete,
                                    pg::MessageType::kBindComplete,
                                    pg::MessageType::kDataRow,
                                    pg::MessageType::kCommandComplete,
                                    pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
}

TEST(PostgresSession, ServerErrorEarlierInBatchMakesTheDenialMoot) {
  Harness h;
  h.Client(Parse("", "select 1/0") + Bind("", "") + Execute("") +
           Parse("", "drop table t") + Sync());
  pg::ErrorResponse err;
  err.fields = {{'S', "ERROR"}, {'C', "22012"}, {'M', "division by zero"}};
  h.Server(pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
           pg::Encode(err) + RFQ());
  auto ms = ServerMessages(h.to_client);
  EXPECT_EQ(Types(ms), (std::vector{pg::MessageType::kParseComplete,
                                    pg::MessageType::kBindComplete,
                                    pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}))
      << "one error per batch, as from the server itself";
}

TEST(PostgresSession, MasksRowsAndRebuildsOnlyChangedOnes) {
  Harness h;
  h.Client(Q("select id, email from customers"));
  const std::string head = RowDesc({{"id", 23}, {"email", 25}});
  const std::string clean = Row({"1", "nobody"});
  const std::string pii = Row({"2", "ana@example.com"});
  const std::string tail = CC("SELECT 2") + RFQ();
  const std::string in = head + clean + pii + Row({"3", std::nullopt}) + tail;
  const Output& out = h.Server(in);
  // head+clean forwarded as one slice of the input; the PII row rebuilt.
  ASSERT_GE(out.to_client.size(), 3u);
  EXPECT_EQ(out.to_client[0].data, in.data());
  EXPECT_EQ(out.to_client[0].size, head.size() + clean.size());
  EXPECT_THAT(h.to_client, Not(HasSubstr("ana@example.com")));
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(ms.size(), 6u);
  const auto& row = std::get<pg::DataRow>(ms[2]);
  ASSERT_EQ(row.values.size(), 2u);
  EXPECT_EQ(row.values[0], "2");
  EXPECT_EQ(row.values[1], "[EMAIL]");
  const auto& nul = std::get<pg::DataRow>(ms[3]);
  EXPECT_FALSE(nul.values[1].has_value()) << "NULL stays NULL";
  EXPECT_EQ(h.session->stats().rows, 3u);
  EXPECT_EQ(h.session->stats().rows_rewritten, 1u);
}

TEST(PostgresSession, ExtendedProtocolUsesStatementAndPortalDescriptions) {
  Harness h;
  // Prepared once with Describe, then executed by name in binary for col 0
  // (int4) and text for col 1.
  h.Client(Parse("st", "select id, email from customers") +
           Describe('S', "st") + Sync());
  h.Server(pg::Encode(pg::ParseComplete{}) +
           pg::Encode(pg::ParameterDescription{}) +
           RowDesc({{"id", 23}, {"email", 1043}}) + RFQ());
  h.to_client.clear();
  h.Client(Bind("", "st", {1, 0}) + Execute("") + Sync());
  const std::string id_bin("\0\0\0\x07", 4);
  h.Server(pg::Encode(pg::BindComplete{}) + Row({id_bin, "bo@example.org"}) +
           CC("SELECT 1") + RFQ());
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(ms.size(), 4u);
  const auto& row = std::get<pg::DataRow>(ms[1]);
  EXPECT_EQ(row.values[0], id_bin) << "binary int4 left intact";
  EXPECT_EQ(row.values[1], "[EMAIL]");
}

TEST(PostgresSession, PipelinedRebindOfTheUnnamedPortal) {
  Harness h;
  // Two batches pipelined before any answer: the second re-binds the
  // unnamed statement and portal (binary int4). The first batch's rows must
  // still be read with the first RowDescription (text email).
  h.Client(Parse("", "select email from c") + Bind("", "") +
           Describe('P', "") + Execute("") + Sync() +
           Parse("", "select id from c") + Bind("", "", {1}) +
           Describe('P', "") + Execute("") + Sync());
  const std::string id_bin("\0\0\0\x09", 4);
  h.Server(pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
           RowDesc({{"email", 25}}) + Row({"lee@example.com"}) +
           CC("SELECT 1") + RFQ() + pg::Encode(pg::ParseComplete{}) +
           pg::Encode(pg::BindComplete{}) + RowDesc({{"id", 23}}, 1) +
           Row({id_bin}) + CC("SELECT 1") + RFQ());
  EXPECT_THAT(h.to_client, Not(HasSubstr("lee@example.com")));
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(ms.size(), 12u);
  EXPECT_EQ(std::get<pg::DataRow>(ms[3]).values[0], "[EMAIL]");
  EXPECT_EQ(std::get<pg::DataRow>(ms[9]).values[0], id_bin);
}

TEST(PostgresSession, BinaryTextLikeCellsAreMaskedOthersCounted) {
  Harness h;
  h.Client(Parse("", "select a, b, c from t") + Bind("", "", {1}) +
           Describe('P', "") + Execute("") + Sync());
  std::string jsonb = std::string("\x01") + R"({"e":"cy@example.net"})";
  h.Server(pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
           RowDesc({{"a", 25}, {"b", 3802}, {"c", 17}}, 1) +
           Row({"dee@example.com", jsonb, "eve@example.com"}) + CC("SELECT 1") +
           RFQ());
  auto ms = ServerMessages(h.to_client);
  const auto& row = std::get<pg::DataRow>(ms[3]);
  EXPECT_EQ(row.values[0], "[EMAIL]");
  EXPECT_EQ(row.values[1], std::string("\x01") + R"({"e":"[EMAIL]"})")
      << "jsonb keeps its version byte";
  EXPECT_EQ(row.values[2], "eve@example.com") << "bytea in binary: intact";
  EXPECT_EQ(h.session->stats().binary_cells_unmasked, 1u);
}

TEST(PostgresSession, MasksCopyOutErrorsAndNotices) {
  Harness h;
  h.Client(Q("copy customers to stdout with csv"));
  pg::CopyOutResponse cr;
  cr.format = 0;
  cr.column_formats = {0, 0};
  pg::ErrorResponse err;
  err.fields = {{'S', "ERROR"},
                {'C', "23505"},
                {'M', "duplicate key value violates unique constraint"},
                {'D', "Key (email)=(fay@example.com) already exists."}};
  pg::NoticeResponse notice;
  notice.fields = {{'S', "NOTICE"}, {'M', "mailing gus@example.com"}};
  h.Server(pg::Encode(cr) + pg::Encode(pg::CopyData{"1,hal@example.com\n"}) +
           pg::Encode(pg::CopyDone{}) + CC("COPY 1") + pg::Encode(notice) +
           RFQ());
  h.Client(Q("insert into customers values (2, 'fay@example.com')"));
  // (a write: held for review; approve it to get the server's error)
  ASSERT_EQ(h.session->held_requests().size(), 1u);
  h.Take(h.session->Resolve(h.session->held_requests()[0],
                            Resolution::kApprove, "dba@example.com", "ok"));
  h.Server(pg::Encode(err) + RFQ());
  for (const char* raw : {"hal@example.com", "fay@example.com",
                          "gus@example.com"}) {
    EXPECT_THAT(h.to_client, Not(HasSubstr(raw)));
  }
  auto ms = ServerMessages(h.to_client);
  bool saw_copy = false, saw_detail = false;
  for (const auto& m : ms) {
    if (auto* c = std::get_if<pg::CopyData>(&m)) {
      EXPECT_EQ(c->data, "1,[EMAIL]\n");
      saw_copy = true;
    }
    if (auto* e = std::get_if<pg::ErrorResponse>(&m)) {
      EXPECT_EQ(e->Field('D'), "Key (email)=([EMAIL]) already exists.");
      EXPECT_EQ(e->Field('C'), "23505");
      saw_detail = true;
    }
  }
  EXPECT_TRUE(saw_copy);
  EXPECT_TRUE(saw_detail);
  // Nor in the records.
  h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
  for (const auto& r : h.Records()) {
    const std::string s = r.DebugString();
    for (const char* raw : {"hal@example.com", "fay@example.com",
                            "gus@example.com"}) {
      EXPECT_THAT(s, Not(HasSubstr(raw)));
    }
  }
}

TEST(PostgresSession, ReviewApprove) {
  Harness h;
  const Output& out = h.Client(Q("delete from orders where id = 7") +
                               Q("select 1"));
  EXPECT_TRUE(out.to_server.empty()) << "held, and what follows with it";
  ASSERT_EQ(h.session->held_requests().size(), 1u);
  const std::string id = h.session->held_requests()[0];
  EXPECT_EQ(id, "s1/1");
  auto notice = ServerMessages(h.to_client);
  ASSERT_EQ(Types(notice), (std::vector{pg::MessageType::kNoticeResponse}));
  EXPECT_THAT(std::string(std::get<pg::NoticeResponse>(notice[0]).Field('M')),
              HasSubstr(id));
  bool requested = false;
  for (const Event& e : h.events) {
    if (e.kind == EventKind::kApprovalRequested) {
      requested = true;
      EXPECT_EQ(e.request_id, id);
    }
  }
  EXPECT_TRUE(requested);
  h.Take(h.session->Resolve(id, Resolution::kApprove, "dba@example.com",
                            "ticket 42"));
  EXPECT_EQ(h.to_server, Q("delete from orders where id = 7") + Q("select 1"));
  EXPECT_TRUE(h.session->held_requests().empty());
  EXPECT_EQ(h.session->next_deadline(), absl::InfiniteFuture());
}

TEST(PostgresSession, ReviewDenyAndExpire) {
  Harness h(true, true, pg::DecoderOptions::Start::kNormal, absl::Seconds(30));
  h.Client(Q("delete from orders"));
  const std::string id = h.session->held_requests()[0];
  h.to_client.clear();
  h.Take(h.session->Resolve(id, Resolution::kDeny, "dba@example.com", "no"));
  EXPECT_TRUE(h.to_server.empty());
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(Types(ms), (std::vector{pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
  EXPECT_THAT(std::string(std::get<pg::ErrorResponse>(ms[0]).Field('M')),
              HasSubstr("denied"));
  // Unknown id: an error event, nothing else.
  const Output& bad = h.session->Resolve("nope", Resolution::kApprove, "x", "");
  ASSERT_EQ(bad.events.size(), 1u);
  EXPECT_EQ(bad.events[0].kind, EventKind::kError);

  // Expiry.
  h.to_client.clear();
  h.Client(Q("update orders set x = 1"));
  EXPECT_EQ(h.session->next_deadline(), h.now + absl::Seconds(30));
  h.now += absl::Seconds(29);
  EXPECT_TRUE(h.session->Tick().to_client.empty());
  h.now += absl::Seconds(2);
  h.to_client.clear();
  h.Take(h.session->Tick());
  ms = ServerMessages(h.to_client);
  ASSERT_EQ(Types(ms), (std::vector{pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
  EXPECT_THAT(std::string(std::get<pg::ErrorResponse>(ms[0]).Field('M')),
              HasSubstr("expired"));
  EXPECT_TRUE(h.to_server.empty());
}

TEST(PostgresSession, ReviewedParseApprovedThenBatchFollows) {
  Harness h;
  const std::string batch = Parse("", "delete from orders where id = $1") +
                            Bind("", "") + Execute("") + Sync();
  h.Client(batch);
  EXPECT_TRUE(h.to_server.empty());
  h.Take(h.session->Resolve("s1/1", Resolution::kApprove, "dba", "ok"));
  EXPECT_EQ(h.to_server, batch);
  // Denied instead: discard to Sync, then ErrorResponse + ReadyForQuery.
  h.to_server.clear();
  h.to_client.clear();
  h.Server(pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
           CC("DELETE 1") + RFQ());
  h.to_client.clear();
  h.Client(batch);
  h.Take(h.session->Resolve("s1/2", Resolution::kDeny, "dba", "no"));
  EXPECT_TRUE(h.to_server.empty());
  auto ms = ServerMessages(h.to_client);
  EXPECT_EQ(Types(ms), (std::vector{pg::MessageType::kNoticeResponse,
                                    pg::MessageType::kErrorResponse,
                                    pg::MessageType::kReadyForQuery}));
}

TEST(PostgresSession, FinishWhileHeldRecordsCancelled) {
  Harness h;
  h.Client(Q("delete from orders"));
  h.Take(h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "client went away"));
  EXPECT_TRUE(h.to_server.empty());
  bool cancelled = false, ended = false, requested = false;
  for (const auto& r : h.Records()) {
    if (r.has_approval()) {
      if (r.approval().state() == v1::APPROVAL_STATE_REQUESTED) requested = true;
      if (r.approval().state() == v1::APPROVAL_STATE_CANCELLED) cancelled = true;
    }
    if (r.has_end()) {
      ended = true;
      EXPECT_EQ(r.end().reason(), v1::END_REASON_CLIENT_CLOSED);
    }
  }
  EXPECT_TRUE(requested);
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(ended);
}

TEST(PostgresSession, HeldBytesAreBounded) {
  PostgresOptions o;
  o.common.session_id = "s";
  o.common.policy = TestPolicy();
  o.common.max_held_bytes = 1000;
  o.start = pg::DecoderOptions::Start::kNormal;
  auto s = NewPostgresSession(std::move(o));
  ASSERT_TRUE(s.ok());
  (*s)->Feed(kC, Q("delete from t"));
  std::string big = Q(std::string(2000, 'x'));
  const Output& out = (*s)->Feed(kC, big);
  EXPECT_TRUE(out.close);
  EXPECT_TRUE(out.to_server.empty());
}

TEST(PostgresSession, RecordsCommandsVerdictsAndResults) {
  Harness h;
  h.Client(Q("select email from customers where email = 'ian@example.com'"));
  h.Server(RowDesc({{"email", 25}}) + Row({"ian@example.com"}) + CC("SELECT 1") +
           RFQ());
  h.Client(Q("drop table customers"));
  h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
  auto recs = h.Records();
  std::vector<v1::Command> cmds;
  std::vector<v1::Result> results;
  bool start = false;
  for (const auto& r : recs) {
    if (r.has_start()) {
      start = true;
      EXPECT_EQ(r.start().identity().subject(), "etl-agent");
      EXPECT_EQ(r.start().resource().name(), "shop");
    }
    if (r.has_command()) cmds.push_back(r.command());
    if (r.has_result()) results.push_back(r.result());
  }
  EXPECT_TRUE(start);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].verdict().decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(cmds[0].text(), Not(HasSubstr("ian@example.com")));
  EXPECT_EQ(cmds[0].sql().kind(), "select");
  EXPECT_EQ(cmds[1].verdict().decision(), v1::DECISION_DENY);
  EXPECT_EQ(cmds[1].verdict().rule_ids(0), "no-ddl");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rows(), 1u);
  EXPECT_EQ(results[0].status(), "SELECT 1");
  ASSERT_EQ(results[0].sample_rows_size(), 1);
  EXPECT_EQ(results[0].sample_rows(0).cells(0), "[EMAIL]");
  ASSERT_GE(results[0].masked_size(), 1);
  EXPECT_EQ(results[0].masked(0).detector(), "EMAIL");
}

TEST(PostgresSession, StartupIsReportedAndSslRefused) {
  Harness h(true, true, pg::DecoderOptions::Start::kStartup);
  const std::string ssl = pg::Encode(pg::SSLRequest{});
  const Output& a = h.Client(ssl);
  EXPECT_EQ(Concat(a.to_client), "N");
  EXPECT_TRUE(a.to_server.empty());
  pg::StartupMessage sm;
  sm.protocol_version = pg::kProtocol30;
  sm.parameters = {{"user", "app"}, {"database", "shop"},
                   {"application_name", "psql"}};
  const std::string startup = pg::Encode(sm);
  const Output& b = h.Client(startup);
  EXPECT_EQ(Concat(b.to_server), startup);
  ASSERT_FALSE(b.events.empty());
  EXPECT_EQ(b.events[0].kind, EventKind::kStartup);
  EXPECT_EQ(b.events[0].text, "user=app database=shop application_name=psql");
  // Authentication passes through; then queries are decided.
  const std::string ok = pg::Encode(pg::AuthenticationOk{}) + RFQ();
  EXPECT_EQ(Concat(h.Server(ok).to_client), ok);
  EXPECT_EQ(Concat(h.Client(Q("select 1")).to_server), Q("select 1"));
}

// Every split of a whole conversation gives the same bytes out.
TEST(PostgresSession, SameOutputForEverySplit) {
  const std::string client =
      Q("select 1") + Q("drop table t") +
      Parse("", "select email from c") + Bind("", "") + Describe('P', "") +
      Execute("") + Sync() + Parse("", "drop table x") + Bind("", "") + Sync() +
      Q("copy c to stdout");
  pg::CopyOutResponse cr;
  cr.column_formats = {0};
  const std::string server =
      RowDesc({{"x", 23}}) + Row({"1"}) + CC("SELECT 1") + RFQ() +
      pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
      RowDesc({{"email", 25}}) + Row({"jo@example.com"}) + Row({"plain"}) +
      CC("SELECT 2") + RFQ() + pg::Encode(cr) +
      pg::Encode(pg::CopyData{"kim@example.com\n"}) +
      pg::Encode(pg::CopyDone{}) + CC("COPY 1") + RFQ();
  auto run = [&](size_t cc, size_t sc, bool interleave) {
    Harness h(true, false);
    std::vector<std::string> cparts, sparts;
    for (size_t i = 0; i < client.size(); i += cc) cparts.push_back(client.substr(i, cc));
    for (size_t i = 0; i < server.size(); i += sc) sparts.push_back(server.substr(i, sc));
    if (interleave) {
      for (size_t i = 0; i < std::max(cparts.size(), sparts.size()); ++i) {
        if (i < cparts.size()) h.Client(cparts[i]);
        if (i < sparts.size()) h.Server(sparts[i]);
      }
    } else {
      for (auto& p : cparts) h.Client(p);
      for (auto& p : sparts) h.Server(p);
    }
    return std::pair{h.to_server, h.to_client};
  };
  const auto whole = run(client.size(), server.size(), false);
  EXPECT_THAT(whole.second, Not(HasSubstr("@example.com")));
  EXPECT_EQ(Types(ServerMessages(whole.second)).size(), 20u);
  for (size_t c = 1; c <= client.size(); ++c) {
    ASSERT_EQ(run(c, server.size(), false), whole) << "client chunk " << c;
  }
  for (size_t s = 1; s <= server.size(); ++s) {
    ASSERT_EQ(run(client.size(), s, false), whole) << "server chunk " << s;
  }
  // Interleaved feeding (a live proxy) gives the same frames.
  for (size_t c : {1, 3, 17, 64}) {
    auto got = run(c, c, true);
    EXPECT_EQ(got.first, whole.first);
    EXPECT_EQ(Types(ServerMessages(got.second)),
              Types(ServerMessages(whole.second)));
  }
}

TEST(PostgresSession, MalformedInputClosesTheSession) {
  Harness h;
  const Output& out = h.Client(std::string("Q\0\0\0\x02", 5));
  EXPECT_TRUE(out.close);
  bool fatal = false;
  for (const Event& e : out.events) fatal |= e.fatal;
  EXPECT_TRUE(fatal);
  EXPECT_TRUE(h.session->Feed(kC, Q("select 1")).close);
}

TEST(PostgresSession, OptionsAreChecked) {
  PostgresOptions o;
  EXPECT_FALSE(NewPostgresSession(std::move(o)).ok());
  PostgresOptions p;
  p.common.session_id = "x";
  EXPECT_FALSE(NewPostgresSession(std::move(p)).ok()) << "no policy";
  PostgresOptions g;
  g.common.session_id = "x";
  g.common.policy = TestPolicy();
  g.gssenc = PostgresOptions::Encryption::kAccept;
  EXPECT_FALSE(NewPostgresSession(std::move(g)).ok());
}

}  // namespace
}  // namespace hoop::session

namespace hoop::session {
namespace {

TEST(PostgresSession, MaskingProfileNamedByTheVerdict) {
  auto policy = policy::Policy::FromText(R"(
version: hoop.policy/v1
name: profiles
rules:
  - {id: a, sql: {tables: [a]}, verdict: allow, masking_profile: default}
  - {id: b, sql: {tables: [b]}, verdict: allow, masking_profile: strict}
  - {id: c, sql: {tables: [c]}, verdict: allow, masking_profile: missing}
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  // "strict" here is an empty profile: it masks nothing, which shows that
  // the verdict's profile is the one used.
  auto strict = masking::Masker::Create(masking::v1::Profile());
  ASSERT_TRUE(strict.ok()) << strict.status();
  PostgresOptions o;
  o.common.session_id = "p";
  o.common.policy = *policy;
  o.masker = masking::Masker::Default();
  o.profiles["strict"] = std::move(*strict);
  o.start = pg::DecoderOptions::Start::kNormal;
  auto s = NewPostgresSession(std::move(o));
  ASSERT_TRUE(s.ok());
  auto rows = [&](const char* sql) {
    std::string out;
    std::vector<Event> events;
    auto take = [&](const Output& r) {
      out += Concat(r.to_client);
      events.insert(events.end(), r.events.begin(), r.events.end());
    };
    const std::string q = Q(sql);
    take((*s)->Feed(kC, q));
    const std::string answer = RowDesc({{"note", 25}}) +
                               Row({"mail ana@example.com now"}) +
                               CC("SELECT 1") + RFQ();
    take((*s)->Feed(kS, answer));
    auto ms = ServerMessages(out);
    std::string cell(*std::get<pg::DataRow>(ms[1]).values[0]);
    bool error = false;
    for (const Event& e : events) error |= e.kind == EventKind::kError;
    return std::pair{cell, error};
  };
  EXPECT_EQ(rows("select note from a"),
            (std::pair{std::string("mail [EMAIL] now"), false}));
  // An empty profile masks nothing; the verdict's profile is used, not the
  // session's default masker.
  EXPECT_EQ(rows("select note from b"),
            (std::pair{std::string("mail ana@example.com now"), false}));
  // A profile that is not configured: fail closed, and say so.
  EXPECT_EQ(rows("select note from c"),
            (std::pair{std::string("[REDACTED]"), true}));
  // The same RowDescription bytes again, under each profile in turn: the
  // session reuses a column description only for the masker it was planned
  // with.
  EXPECT_EQ(rows("select note from a"),
            (std::pair{std::string("mail [EMAIL] now"), false}));
  EXPECT_EQ(rows("select note from b"),
            (std::pair{std::string("mail ana@example.com now"), false}));
  EXPECT_EQ(rows("select note from a"),
            (std::pair{std::string("mail [EMAIL] now"), false}));
}

// pgbench -M prepared: one Parse, then Bind (parameters of every kind) /
// Describe portal / Execute / Sync again and again. The statement is
// classified and decided once; every execution is masked and recorded as a
// Result of that command.
TEST(PostgresSession, PreparedStatementExecutedRepeatedly) {
  Harness h;
  h.Client(Parse("P0_1", "select email from customers where id = $1") + Sync());
  h.Server(pg::Encode(pg::ParseComplete{}) + RFQ());
  for (int i = 0; i < 3; ++i) {
    pg::Bind b;
    b.statement = "P0_1";
    const std::string id = std::to_string(40 + i);
    b.parameter_formats = {static_cast<int16_t>(i == 2 ? 1 : 0)};
    if (i == 1) {
      b.parameters = {std::nullopt};
    } else {
      b.parameters = {std::string_view(id)};
    }
    const std::string batch =
        pg::Encode(b) + Describe('P', "") + Execute("") + Sync();
    const Output& c = h.Client(batch);
    EXPECT_EQ(Concat(c.to_server), batch) << i;
    h.Server(pg::Encode(pg::BindComplete{}) + RowDesc({{"email", 25}}) +
             Row({"ian@example.com"}) + CC("SELECT 1") + RFQ());
  }
  EXPECT_THAT(h.to_client, Not(HasSubstr("ian@example.com")));
  EXPECT_EQ(h.session->stats().commands, 1u);
  EXPECT_EQ(h.session->stats().cells_masked, 3u);
  h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
  int commands = 0;
  uint64_t command_id = 0;
  std::vector<v1::Result> results;
  for (const auto& r : h.Records()) {
    if (r.has_command()) {
      ++commands;
      command_id = r.command().command_id();
    }
    if (r.has_result()) results.push_back(r.result());
  }
  EXPECT_EQ(commands, 1);
  // The Parse's own answer (ParseComplete + ReadyForQuery) is not a result;
  // each execution is.
  ASSERT_EQ(results.size(), 3u);
  for (const v1::Result& r : results) {
    EXPECT_EQ(r.command_id(), command_id);
    EXPECT_EQ(r.rows(), 1u);
    EXPECT_EQ(r.status(), "SELECT 1");
    ASSERT_EQ(r.sample_rows_size(), 1);
    EXPECT_EQ(r.sample_rows(0).cells(0), "[EMAIL]");
    ASSERT_GE(r.masked_size(), 1);
    EXPECT_EQ(r.masked(0).detector(), "EMAIL");
  }
}

// A profile with a whole-cell column rule and an exempt type, beside the
// built-in detectors.
std::shared_ptr<const masking::Masker> RulesMasker() {
  auto m = masking::CompileProfile(R"(
name: rules
all_builtins: true
default_method: {kind: REDACT}
columns:
  - name: '^secret$'
    action: MASK
    method: {kind: REDACT, token: "[SECRET]"}
  - types: [int4]
    action: EXEMPT
)",
                                   "rules.yaml");
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::shared_ptr<const masking::Masker>(std::move(*m))
                : nullptr;
}

// Every rewritten row is byte for byte the encoding of its cells as
// Masker::MaskCell masks them one by one with their column's plan (the
// default plan for cells past the RowDescription), whatever mix of changed,
// unchanged, exempt, NULL and empty cells it has, and however many cells.
TEST(PostgresSession, RewrittenRowsAreTheMaskedCellsEncoded) {
  std::shared_ptr<const masking::Masker> m = RulesMasker();
  ASSERT_NE(m, nullptr);
  Harness h(m, /*record=*/true);
  h.Client(Q("select id, note, secret, email from t"));
  const std::vector<std::pair<std::string, std::string>> cols = {
      {"id", "int4"},
      {"note", "text"},
      {"secret", "text"},
      {"email", "varchar"}};
  using Cells = std::vector<std::optional<std::string_view>>;
  const std::vector<Cells> rows = {
      {"1", "plain", "s3", "x"},
      {"ann@example.com", "mail bo@example.org now", std::nullopt,
       "cy@example.net"},
      {"2", std::nullopt, std::nullopt, std::nullopt},
      {"3", "x", std::nullopt, "y", "dee@example.com", "", std::nullopt,
       "ssn 078-05-1120"},
      {"eve@example.com"},
      {"", "", "", ""},
      {"4", "fay@example.com first", "", "last gus@example.com"},
      {},
      {"5", "nothing here", std::nullopt, "nor here"},
  };
  std::string in =
      RowDesc({{"id", 23}, {"note", 25}, {"secret", 25}, {"email", 1043}});
  std::string want = in;
  masking::Arena arena;
  uint64_t rewritten = 0, masked = 0;
  for (const Cells& row : rows) {
    in += Row(row);
    pg::DataRow expect;
    bool changed = false;
    for (size_t i = 0; i < row.size(); ++i) {
      if (!row[i]) {
        expect.values.push_back(std::nullopt);
        continue;
      }
      const masking::ColumnPlan plan =
          i < cols.size() ? m->PlanColumn(cols[i].first, cols[i].second)
                          : masking::ColumnPlan();
      const std::string_view out =
          m->MaskCell(plan, *row[i], &arena, /*counters=*/nullptr);
      if (out != *row[i]) {
        changed = true;
        ++masked;
      }
      expect.values.push_back(out);
    }
    rewritten += changed;
    want += pg::Encode(expect);
  }
  in += CC("SELECT 9") + RFQ();
  want += CC("SELECT 9") + RFQ();
  ASSERT_GT(rewritten, 4u) << "the rows must exercise rewriting";
  h.Server(in);
  EXPECT_EQ(h.to_client, want);
  EXPECT_EQ(h.session->stats().rows, rows.size());
  EXPECT_EQ(h.session->stats().rows_rewritten, rewritten);
  EXPECT_EQ(h.session->stats().cells_masked, masked);
  // The same, fed one byte at a time.
  Harness h1(m, /*record=*/false);
  h1.Client(Q("select id, note, secret, email from t"));
  for (char c : in) h1.Server(std::string(1, c));
  EXPECT_EQ(h1.to_client, want);
}

// Rewritten rows that follow each other leave as one slice, so that a proxy
// writes a chunk of masked rows with few writev calls.
TEST(PostgresSession, ConsecutiveRewrittenRowsAreOneSlice) {
  Harness h(/*mask=*/true, /*record=*/false);
  h.Client(Q("select email from customers"));
  const std::string head = RowDesc({{"email", 25}});
  std::string rows;
  for (int i = 0; i < 200; ++i) {
    rows += Row({"customer" + std::to_string(i) + "@example.com"});
  }
  const Output& out = h.Server(head + rows + CC("SELECT 200") + RFQ());
  EXPECT_LE(out.to_client.size(), 3u) << "head, the rows, the tail";
  EXPECT_THAT(h.to_client, Not(HasSubstr("@example.com")));
  EXPECT_EQ(h.session->stats().rows_rewritten, 200u);
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(ms.size(), 203u);
  for (size_t i = 1; i <= 200; ++i) {
    EXPECT_EQ(std::get<pg::DataRow>(ms[i]).values[0], "[EMAIL]");
  }
}

// One portal re-bound with other result formats, its rows arriving in the
// same chunk as the earlier ones: each run of rows is read with its own
// formats (text bytea is masked, binary bytea is not), in the output and in
// the records' sample rows (binary as hex).
TEST(PostgresSession, EachResultUsesItsOwnFormatsWithinOneChunk) {
  Harness h;
  h.Client(Parse("st", "select v from t") + Describe('S', "st") + Sync());
  h.Server(pg::Encode(pg::ParseComplete{}) +
           pg::Encode(pg::ParameterDescription{}) + RowDesc({{"v", 17}}) +
           RFQ());
  h.to_client.clear();
  h.Client(Bind("", "st", {0}) + Execute("") + Bind("", "st", {1}) +
           Execute("") + Bind("", "st", {0}) + Execute("") + Sync());
  h.Server(pg::Encode(pg::BindComplete{}) + Row({"ann@example.com"}) +
           CC("SELECT 1") + pg::Encode(pg::BindComplete{}) +
           Row({"ann@example.com"}) + CC("SELECT 1") +
           pg::Encode(pg::BindComplete{}) + Row({"ann@example.com"}) +
           CC("SELECT 1") + RFQ());
  auto ms = ServerMessages(h.to_client);
  ASSERT_EQ(ms.size(), 10u);
  EXPECT_EQ(std::get<pg::DataRow>(ms[1]).values[0], "[EMAIL]");
  EXPECT_EQ(std::get<pg::DataRow>(ms[4]).values[0], "ann@example.com")
      << "binary bytea is not text: intact";
  EXPECT_EQ(std::get<pg::DataRow>(ms[7]).values[0], "[EMAIL]");
  EXPECT_EQ(h.session->stats().binary_cells_unmasked, 1u);
  EXPECT_EQ(h.session->stats().cells_masked, 2u);
  h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
  std::vector<std::string> sampled;
  for (const auto& r : h.Records()) {
    if (!r.has_result() || r.result().sample_rows_size() == 0) continue;
    sampled.push_back(r.result().sample_rows(0).cells(0));
  }
  EXPECT_EQ(sampled,
            (std::vector<std::string>{
                "[EMAIL]", "\\x616e6e406578616d706c652e636f6d", "[EMAIL]"}));
}

// A long result: every row masked, the first 50 sampled (masked), the
// result marked truncated; the next result samples afresh.
TEST(PostgresSession, SampleRowsStopAtTheCapMaskingDoesNot) {
  Harness h;
  h.Client(Q("select email, n from customers"));
  std::string in = RowDesc({{"email", 25}, {"n", 23}});
  for (int i = 0; i < 70; ++i) {
    in += Row({"hal@example.com", std::to_string(i)});
  }
  h.Server(in + CC("SELECT 70") + RFQ());
  h.Client(Q("select email, n from customers limit 1"));
  h.Server(RowDesc({{"email", 25}, {"n", 23}}) + Row({"hal@example.com", "1"}) +
           CC("SELECT 1") + RFQ());
  EXPECT_THAT(h.to_client, Not(HasSubstr("hal@example.com")));
  EXPECT_EQ(h.session->stats().rows_rewritten, 71u);
  h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
  std::vector<v1::Result> results;
  for (const auto& r : h.Records()) {
    if (r.has_result()) results.push_back(r.result());
  }
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].rows(), 70u);
  ASSERT_EQ(results[0].sample_rows_size(), 50);
  EXPECT_TRUE(results[0].sample_truncated());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(results[0].sample_rows(i).cells_size(), 2);
    EXPECT_EQ(results[0].sample_rows(i).cells(0), "[EMAIL]");
    EXPECT_EQ(results[0].sample_rows(i).cells(1), std::to_string(i));
  }
  ASSERT_GE(results[0].masked_size(), 1);
  EXPECT_EQ(results[0].masked(0).detector(), "EMAIL");
  EXPECT_EQ(results[0].masked(0).count(), 70u) << "every row, not the sample";
  EXPECT_EQ(results[1].sample_rows_size(), 1);
  EXPECT_FALSE(results[1].sample_truncated());
}

// Random results (described and undescribed portals, Bind's result formats
// of every length, text/binary/jsonb/exempt/column-rule columns, rows with
// fewer or more cells than described, NULLs, the sample cap) against a
// cell-by-cell reference written from the session's contract: each cell is
// what MaskCell gives for its column's plan (after jsonb's version byte; a
// binary cell that is not text passes, counted), and the sampled rows are
// those cells (binary ones as hex).
TEST(PostgresSession, RandomResultsMatchTheCellByCellReference) {
  std::shared_ptr<const masking::Masker> m = RulesMasker();
  ASSERT_NE(m, nullptr);
  struct Type {
    uint32_t oid;
    const char* name;
    int text;  // 0: binary is not text; 1: binary is the text; 2: + version
  };
  const Type kTypes[] = {{23, "int4", 0},      {25, "text", 1},
                         {17, "bytea", 0},     {3802, "jsonb", 2},
                         {1043, "varchar", 1}, {114, "json", 1}};
  const char* const kNames[] = {"id", "note", "secret", "email", "data"};
  const std::string kPool[] = {
      "",
      "1",
      "plain words",
      "ann@example.com",
      "x ssn 078-05-1120 y",
      std::string("\x01") + R"({"e":"bo@example.org"})",
      "card 4111 1111 1111 1111",
      std::string("\x01"),
      "secret"};
  std::mt19937 rng(20261126);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int round = 0; round < 60; ++round) {
    SCOPED_TRACE(round);
    Harness h(m, /*record=*/true);
    struct Col {
      std::string name;
      Type type;
      int16_t format;
    };
    std::vector<Col> cols(pick(5));
    for (Col& c : cols) {
      c = {kNames[pick(5)], kTypes[pick(6)], static_cast<int16_t>(pick(2))};
    }
    auto row_desc = [&](bool with_formats) {
      pg::RowDescription rd;
      for (const Col& c : cols) {
        pg::FieldDescription f;
        f.name = c.name;
        f.type_oid = c.type.oid;
        f.type_size = -1;
        f.format = with_formats ? c.format : 0;
        rd.fields.push_back(f);
      }
      return pg::Encode(rd);
    };
    std::vector<int16_t> bind_formats;
    switch (pick(3)) {
      case 0:
        break;
      case 1:
        bind_formats = {static_cast<int16_t>(pick(2))};
        break;
      default:
        bind_formats.resize(cols.size() + pick(2));
        for (int16_t& f : bind_formats) f = static_cast<int16_t>(pick(2));
    }
    const bool described = pick(2) == 0;
    std::string head;
    if (described) {
      // The portal's RowDescription says each column's format.
      h.Client(Parse("", "select * from t") + Bind("", "", bind_formats) +
               Describe('P', "") + Execute("") + Sync());
      head = pg::Encode(pg::ParseComplete{}) + pg::Encode(pg::BindComplete{}) +
             row_desc(true);
    } else {
      // Described as a statement (formats unknown then): Bind's formats.
      h.Client(Parse("st", "select * from t") + Describe('S', "st") + Sync());
      h.Server(pg::Encode(pg::ParseComplete{}) +
               pg::Encode(pg::ParameterDescription{}) + row_desc(false) +
               RFQ());
      h.Client(Bind("", "st", bind_formats) + Execute("") + Sync());
      head = pg::Encode(pg::BindComplete{});
    }
    // The format of cell i: for masking (a cell past the description is
    // text) and for the sample.
    auto format_of = [&](size_t i) -> int16_t {
      if (described) return i < cols.size() ? cols[i].format : 0;
      if (bind_formats.size() == 1) return bind_formats[0];
      return i < bind_formats.size() ? bind_formats[i] : 0;
    };
    const SessionStats before = h.session->stats();
    masking::Arena arena;
    uint64_t masked = 0, binary = 0, rewritten = 0;
    std::string in = head;
    using Cells = std::vector<std::optional<std::string>>;
    std::vector<Cells> want_rows, want_sample;
    const size_t nrows = pick(3) == 0 ? 50 + pick(20) : pick(6);
    for (size_t r = 0; r < nrows; ++r) {
      size_t ncells = cols.size();
      if (pick(4) == 0) ncells = pick(7);
      std::vector<std::optional<std::string_view>> cells;
      for (size_t i = 0; i < ncells; ++i) {
        if (pick(6) == 0) {
          cells.push_back(std::nullopt);
        } else {
          cells.push_back(kPool[pick(std::size(kPool))]);
        }
      }
      in += Row(cells);
      Cells want, sample;
      bool changed = false;
      for (size_t i = 0; i < ncells; ++i) {
        if (!cells[i]) {
          want.push_back(std::nullopt);
          sample.push_back(std::nullopt);
          continue;
        }
        const std::string_view v = *cells[i];
        const bool col = i < cols.size();
        const masking::ColumnPlan plan =
            col ? m->PlanColumn(cols[i].name, cols[i].type.name)
                : masking::ColumnPlan();
        std::string out(v);
        if (col && format_of(i) == 1 && cols[i].type.text == 0) {
          ++binary;
        } else if (col && format_of(i) == 1 && cols[i].type.text == 2) {
          if (!v.empty()) {
            const std::string_view t = v.substr(1);
            const std::string_view mt = m->MaskCell(plan, t, &arena, nullptr);
            if (mt.data() != t.data() || mt.size() != t.size()) {
              out = std::string(v.substr(0, 1)) + std::string(mt);
            }
          }
        } else {
          out = std::string(m->MaskCell(plan, v, &arena, nullptr));
        }
        if (out != v) {
          ++masked;
          changed = true;
        }
        want.push_back(out);
        if (format_of(i) == 1) {
          static const char kHex[] = "0123456789abcdef";
          std::string hex = "\\x";
          for (unsigned char ch : out) {
            hex.push_back(kHex[ch >> 4]);
            hex.push_back(kHex[ch & 15]);
          }
          out = std::move(hex);
        }
        sample.push_back(std::move(out));
      }
      rewritten += changed;
      want_rows.push_back(std::move(want));
      if (r < 50) want_sample.push_back(std::move(sample));
    }
    h.to_client.clear();
    h.Server(in + CC("SELECT n") + RFQ());
    std::vector<Cells> got_rows;
    for (const pg::Message& msg : ServerMessages(h.to_client)) {
      const auto* row = std::get_if<pg::DataRow>(&msg);
      if (row == nullptr) continue;
      Cells cells;
      for (const pg::Value& v : row->values) {
        cells.push_back(v ? std::optional<std::string>(std::string(*v))
                          : std::nullopt);
      }
      got_rows.push_back(std::move(cells));
    }
    EXPECT_EQ(got_rows, want_rows);
    const SessionStats& after = h.session->stats();
    EXPECT_EQ(after.cells_masked - before.cells_masked, masked);
    EXPECT_EQ(after.binary_cells_unmasked - before.binary_cells_unmasked,
              binary);
    EXPECT_EQ(after.rows_rewritten - before.rows_rewritten, rewritten);
    h.session->Finish(v1::END_REASON_CLIENT_CLOSED, "");
    const v1::Result* result = nullptr;
    std::vector<v1::Record> recs = h.Records();
    for (const v1::Record& rec : recs) {
      if (rec.has_result()) result = &rec.result();
    }
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->rows(), nrows);
    EXPECT_EQ(result->sample_truncated(), nrows > 50);
    ASSERT_EQ(static_cast<size_t>(result->sample_rows_size()),
              want_sample.size());
    for (size_t r = 0; r < want_sample.size(); ++r) {
      const v1::Row& got = result->sample_rows(static_cast<int>(r));
      ASSERT_EQ(static_cast<size_t>(got.cells_size()), want_sample[r].size());
      std::vector<uint32_t> nulls;
      for (size_t i = 0; i < want_sample[r].size(); ++i) {
        if (!want_sample[r][i]) {
          nulls.push_back(static_cast<uint32_t>(i));
          EXPECT_EQ(got.cells(static_cast<int>(i)), "");
        } else {
          EXPECT_EQ(got.cells(static_cast<int>(i)), *want_sample[r][i])
              << "row " << r << " cell " << i;
        }
      }
      EXPECT_EQ(std::vector<uint32_t>(got.null_cells().begin(),
                                      got.null_cells().end()),
                nulls);
    }
  }
}

}  // namespace
}  // namespace hoop::session
