// Copyright 2026 The hoop Authors.
//
// The PostgreSQL Session's cost, next to its baselines in the same binary.
//
// Result stream (bytes/s): RowDescription + ~600 k DataRows (~64 MiB) +
// CommandComplete + ReadyForQuery, fed in 64 KiB chunks as a proxy reads a
// socket, after the client's Query:
//   BM_Stream_Memcpy           memcpy of the chunks (the floor)
//   BM_Stream_Decode           wire::Decoder over the same chunks, frames only
//   BM_Stream_DecodeMaskCells  decode + Masker::MaskCell on every cell with
//                              its column's plan: the masking work alone
//   BM_Stream_Session_NoMask   Session, no masker: decode + track + forward
//   BM_Stream_Session_Mask     Session with Masker::Default()
//   BM_Stream_Session_MaskRecord  ... and a Recorder (to a sink that drops
//                              the bytes: the cost of building records, not
//                              of a disk)
// Rows have six columns (int4, text, text, text, timestamptz, numeric) of
// realistic values; one row in five carries one PII value (an email, a card
// number or an SSN) in its contact or note cell: 3.3% of cells.
//
// Per statement (ns per round trip; one long-lived session):
//   BM_RoundTrip_Decode        decoding the same bytes: Query, then
//                              RowDescription + 1 DataRow + CommandComplete +
//                              ReadyForQuery
//   BM_RoundTrip_Session       Feed(client, Query) → verdict → forwarded;
//                              Feed(server, reply) → masked output
//   BM_RoundTrip_Session_Record  ... with a Recorder (Command + Result
//                              records per statement)
//
// pgbench -S, per transaction (one long-lived session; ns per round trip;
// proc_cpu_ns counts every thread of the process, the recorder's writer
// included, from CLOCK_PROCESS_CPUTIME_ID over the whole run and Finish):
//   BM_Pgbench{Prepared,Simple}_<mode>
//   Prepared: what libpq sends for PQexecPrepared after one Parse of
//     "SELECT abalance FROM pgbench_accounts WHERE aid = $1;": Bind (one
//     text parameter, a different aid each time) / Describe portal / Execute
//     / Sync, answered BindComplete / RowDescription (abalance int4) /
//     DataRow (one cell) / CommandComplete / ReadyForQuery.
//   Simple: Query "SELECT abalance FROM pgbench_accounts WHERE aid = N;"
//     with a different N each time (each text is classified anew),
//     answered RowDescription / DataRow / CommandComplete / ReadyForQuery.
//   modes: Decode (the wire decoder over the same bytes: the baseline),
//     NoMask (Session, no masker, no records), Mask (Masker::Default()),
//     MaskRecordNull (+ a Recorder whose sink drops the bytes),
//     MaskRecordFile (+ a FileSink in a temp dir, default durability
//     kInterval, as the gateway), MaskRecordFileSigned (+ an Ed25519
//     checkpoint every 1000 records).
//   BM_PgbenchSimple_ClassifyDecide: ClassifySql + Policy::Evaluate of
//     the simple text alone, what each new text costs inherently.
//
// Run: build/bench/postgres_session_bench --benchmark_min_time=2
// (HOOP_BENCH_ROWS=n changes the stream's row count; HOOP_BENCH_SHAPE=gateway
// makes its rows those of the gateway benchmark's table, see GatewayShape.)

#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "hoop/masking/arena.h"
#include "hoop/masking/masker.h"
#include "hoop/policy/policy.h"
#include "hoop/policy/sql.h"
#include "hoop/session/keys.h"
#include "hoop/session/postgres_session.h"
#include "hoop/session/recorder.h"
#include "hoop/session/session.h"
#include "hoop/session/sink.h"
#include "hoop/wire/postgres.h"

namespace pg = hoop::wire::postgres;
namespace session = hoop::session;
using hoop::wire::Direction;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr char kQuery[] =
    "select id, customer, contact, note, created, amount from orders";

constexpr char kPolicy[] = R"(
version: hoop.policy/v1
name: bench
rules:
  - id: reads
    sql: {effects: [read]}
    verdict: allow
)";

std::string RowDescription() {
  pg::RowDescription rd;
  const std::pair<const char*, std::uint32_t> cols[] = {
      {"id", 23},   {"customer", 25},  {"contact", 25},
      {"note", 25}, {"created", 1184}, {"amount", 1700}};
  for (const auto& [name, oid] : cols) {
    pg::FieldDescription f;
    f.name = name;
    f.type_oid = oid;
    f.type_size = oid == 23 ? 4 : -1;
    f.format = 0;
    rd.fields.push_back(f);
  }
  return pg::Encode(rd);
}

// HOOP_BENCH_SHAPE=gateway: the stream has the rows of the gateway
// benchmark's bench_large table instead (id int4, email text with an email
// in every row, note text "note <32 hex digits>", amount numeric, created
// timestamptz): every row is rewritten.
bool GatewayShape() {
  static const bool g = [] {
    const char* s = std::getenv("HOOP_BENCH_SHAPE");
    return s != nullptr && std::string_view(s) == "gateway";
  }();
  return g;
}

struct StreamColumn {
  const char* name;
  std::uint32_t oid;
  const char* type;
};

std::vector<StreamColumn> StreamColumns() {
  if (GatewayShape()) {
    return {{"id", 23, "int4"},
            {"email", 25, "text"},
            {"note", 25, "text"},
            {"amount", 1700, "numeric"},
            {"created", 1184, "timestamptz"}};
  }
  return {{"id", 23, "int4"},
          {"customer", 25, "text"},
          {"contact", 25, "text"},
          {"note", 25, "text"},
          {"created", 1184, "timestamptz"},
          {"amount", 1700, "numeric"}};
}

std::string StreamRowDescription() {
  pg::RowDescription rd;
  for (const StreamColumn& c : StreamColumns()) {
    pg::FieldDescription f;
    f.name = c.name;
    f.type_oid = c.oid;
    f.type_size = c.oid == 23 ? 4 : -1;
    f.format = 0;
    rd.fields.push_back(f);
  }
  return pg::Encode(rd);
}

// The server's whole answer to kQuery. Deterministic.
const std::string& ResultStream() {
  static const std::string* s = [] {
    int rows = 600'000;
    if (const char* n = std::getenv("HOOP_BENCH_ROWS")) rows = std::atoi(n);
    auto* out = new std::string;
    out->reserve(static_cast<std::size_t>(rows) * 112 + 4096);
    out->append(StreamRowDescription());
    if (GatewayShape()) {
      std::mt19937_64 rng(20261126);
      std::vector<pg::Value> cells;
      std::string id, email, note, amount, created;
      static const char kHex[] = "0123456789abcdef";
      for (int g = 1; g <= rows; ++g) {
        id = std::to_string(g);
        email = "customer" + id + "@example.com";
        note = "note ";
        for (int i = 0; i < 32; ++i) note.push_back(kHex[rng() % 16]);
        const int cents = g % 100000;
        amount =
            std::to_string(cents / 100) + "." + std::to_string(10 + cents % 90);
        created = "2026-01-0" + std::to_string(1 + g / 86400 % 9) + " " +
                  std::to_string(10 + g / 3600 % 14) + ":" +
                  std::to_string(10 + g / 60 % 50) + ":" +
                  std::to_string(10 + g % 50) + "+00";
        cells = {id, email, note, amount, created};
        pg::Encode(pg::DataRow{cells}, out);
      }
      pg::Encode(pg::CommandComplete{"SELECT " + std::to_string(rows)}, out);
      pg::Encode(pg::ReadyForQuery{'I'}, out);
      return out;
    }
    std::mt19937_64 rng(20261126);
    static const char* const kFirst[] = {"Maria",  "Jonas", "Aiko", "Pedro",
                                         "Fatima", "Liam",  "Chen", "Olga"};
    static const char* const kLast[] = {"Silva", "Berg",   "Tanaka", "Okafor",
                                        "Novak", "Murphy", "Rossi",  "Kim"};
    static const char* const kNotes[] = {
        "delivered to front desk",
        "customer asked for a paper invoice",
        "gift wrap, no price tag",
        "",
        "partial refund issued after review",
        "priority shipping; fragile items inside the parcel",
        "left with neighbour at number 12",
        "backordered two weeks"};
    static const char* const kPii[] = {
        "maria.silva@example.com", "card 4111 1111 1111 1111 exp 12/29",
        "ssn 123-45-6789",         "jonas.berg+orders@mail.example.org",
        "5555-5555-5555-4444",     "078-05-1120"};
    std::vector<pg::Value> cells;
    std::string id, customer, created, amount;
    for (int row = 0; row < rows; ++row) {
      cells.clear();
      id = std::to_string(1'000'000 + row);
      customer = std::string(kFirst[rng() % 8]) + " " + kLast[rng() % 8];
      created = "2026-0" + std::to_string(1 + rng() % 9) + "-1" +
                std::to_string(rng() % 10) + " 1" + std::to_string(rng() % 10) +
                ":3" + std::to_string(rng() % 10) + ":0" +
                std::to_string(rng() % 10) + "+00";
      amount =
          std::to_string(rng() % 10000) + "." + std::to_string(10 + rng() % 90);
      const bool pii = rng() % 5 == 0;  // one row in five: one PII cell
      const bool in_contact = rng() % 2 == 0;
      cells.emplace_back(id);
      cells.emplace_back(customer);
      if (pii && in_contact) {
        cells.emplace_back(kPii[rng() % 6]);
      } else {
        cells.emplace_back("preferred: phone");  // no number: not PII
      }
      if (pii && !in_contact) {
        cells.emplace_back(kPii[rng() % 6]);
      } else if (rng() % 6 == 0) {
        cells.emplace_back(std::nullopt);
      } else {
        cells.emplace_back(kNotes[rng() % 8]);
      }
      cells.emplace_back(created);
      cells.emplace_back(amount);
      pg::Encode(pg::DataRow{cells}, out);
    }
    pg::Encode(pg::CommandComplete{"SELECT " + std::to_string(rows)}, out);
    pg::Encode(pg::ReadyForQuery{'I'}, out);
    return out;
  }();
  return *s;
}

std::shared_ptr<const hoop::policy::Policy> BenchPolicy() {
  static const auto* p = [] {
    auto r = hoop::policy::Policy::FromText(kPolicy, "bench");
    if (!r.ok()) std::abort();
    return new std::shared_ptr<const hoop::policy::Policy>(*r);
  }();
  return *p;
}

std::shared_ptr<const hoop::masking::Masker> DefaultMasker() {
  static const auto* m = new std::shared_ptr<const hoop::masking::Masker>(
      hoop::masking::Masker::Default());
  return *m;
}

// A sink that keeps nothing: the recorder's cost without a disk's.
std::unique_ptr<session::Recorder> NullRecorder(const std::string& id) {
  session::RecorderOptions o;
  o.session_id = id;
  auto sink = std::make_unique<session::CallbackSink>(
      [](std::string_view framed, const session::v1::Record&) {
        benchmark::DoNotOptimize(framed.data());
        return absl::OkStatus();
      });
  auto r = session::Recorder::Create(o, std::move(sink));
  if (!r.ok()) std::abort();
  return std::move(*r);
}

enum class Mode { kNoMask, kMask, kMaskRecord };

std::unique_ptr<session::Session> NewSession(Mode mode, int n) {
  session::PostgresOptions o;
  o.common.session_id = "bench-" + std::to_string(n);
  o.common.identity.subject = "bench";
  o.common.identity.kind = hoop::policy::IdentityKind::kPerson;
  o.common.resource.name = "bench-db";
  o.common.resource.kind = hoop::policy::ResourceKind::kPostgres;
  o.common.policy = BenchPolicy();
  o.start = pg::DecoderOptions::Start::kNormal;
  if (mode != Mode::kNoMask) o.masker = DefaultMasker();
  if (mode == Mode::kMaskRecord) o.recorder = NullRecorder(o.common.session_id);
  auto s = session::NewPostgresSession(std::move(o));
  if (!s.ok()) std::abort();
  return std::move(*s);
}

// ---------------------------------------------------------------------------
// Result stream

void BM_Stream_Memcpy(benchmark::State& state) {
  const std::string& stream = ResultStream();
  std::string dst(kChunk, '\0');
  for (auto _ : state) {
    for (std::size_t at = 0; at < stream.size(); at += kChunk) {
      const std::size_t n = std::min(kChunk, stream.size() - at);
      std::memcpy(dst.data(), stream.data() + at, n);
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * stream.size()));
}

void BM_Stream_Decode(benchmark::State& state) {
  const std::string& stream = ResultStream();
  const Direction dir = Direction::kServerToClient;
  std::size_t frames = 0;
  for (auto _ : state) {
    pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
    frames = 0;
    for (std::size_t at = 0; at < stream.size(); at += kChunk) {
      dec.Feed(dir, std::string_view(stream).substr(at, kChunk));
      pg::Frame f;
      while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
        ++frames;
        benchmark::DoNotOptimize(f);
      }
    }
    if (!dec.status(dir).ok()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["frames"] = static_cast<double>(frames);
}

// Decoding plus MaskCell on every cell with its column's plan: the masking
// work the session cannot avoid, without the session around it. One pass
// over the stream, out of line so that callgrind can count it alone
// (--toggle-collect='*DecodeMaskCellsPass*'; the session's share is
// --toggle-collect='*PostgresSession::Feed*').
[[gnu::noinline]] std::size_t DecodeMaskCellsPass(
    const std::string& stream, const hoop::masking::Masker& m,
    const std::vector<hoop::masking::ColumnPlan>& plans,
    hoop::masking::Arena* arena, hoop::masking::MaskCounters* counters,
    bool* ok) {
  const Direction dir = Direction::kServerToClient;
  pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
  std::size_t changed = 0;
  for (std::size_t at = 0; at < stream.size(); at += kChunk) {
    dec.Feed(dir, std::string_view(stream).substr(at, kChunk));
    pg::Frame f;
    while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
      if (f.type != pg::MessageType::kDataRow) continue;
      std::size_t col = 0;
      for (const pg::Value& v : pg::DataRowCells(f)) {
        if (v && col < plans.size()) {
          const std::string_view out =
              m.MaskCell(plans[col], *v, arena, counters);
          changed += out.data() != v->data();
        }
        ++col;
      }
    }
    arena->Reset();
  }
  *ok = dec.status(dir).ok();
  return changed;
}

void BM_Stream_DecodeMaskCells(benchmark::State& state) {
  const std::string& stream = ResultStream();
  const hoop::masking::Masker& m = *DefaultMasker();
  std::vector<hoop::masking::ColumnPlan> plans;
  for (const StreamColumn& c : StreamColumns()) {
    plans.push_back(m.PlanColumn(c.name, c.type));
  }
  hoop::masking::Arena arena(1 << 20);
  hoop::masking::MaskCounters counters;
  std::size_t changed = 0;
  for (auto _ : state) {
    bool ok = false;
    changed = DecodeMaskCellsPass(stream, m, plans, &arena, &counters, &ok);
    if (!ok) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["cells_masked"] = static_cast<double>(changed);
}

void StreamSession(benchmark::State& state, Mode mode) {
  const std::string& stream = ResultStream();
  const std::string query = pg::Encode(pg::Query{kQuery});
  int n = 0;
  std::uint64_t out_bytes = 0;
  session::SessionStats stats;
  for (auto _ : state) {
    std::unique_ptr<session::Session> s = NewSession(mode, n++);
    const session::Output& q = s->Feed(Direction::kClientToServer, query);
    if (q.to_server_bytes() != query.size()) {
      state.SkipWithError("the query was not forwarded");
      break;
    }
    out_bytes = 0;
    for (std::size_t at = 0; at < stream.size(); at += kChunk) {
      const session::Output& out =
          s->Feed(Direction::kServerToClient,
                  std::string_view(stream).substr(at, kChunk));
      out_bytes += out.to_client_bytes();
      if (out.close) {
        state.SkipWithError("session closed");
        break;
      }
    }
    stats = s->stats();
    s->Finish(2, "bench");
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["rows"] = static_cast<double>(stats.rows);
  state.counters["rows_rewritten"] = static_cast<double>(stats.rows_rewritten);
  state.counters["cells_masked"] = static_cast<double>(stats.cells_masked);
  state.counters["out_bytes"] = static_cast<double>(out_bytes);
}

void BM_Stream_Session_NoMask(benchmark::State& state) {
  StreamSession(state, Mode::kNoMask);
}
void BM_Stream_Session_Mask(benchmark::State& state) {
  StreamSession(state, Mode::kMask);
}
void BM_Stream_Session_MaskRecord(benchmark::State& state) {
  StreamSession(state, Mode::kMaskRecord);
}

// ---------------------------------------------------------------------------
// Per statement

struct RoundTrip {
  std::string query;  // client → server
  std::string reply;  // server → client
};

const RoundTrip& SmallQuery() {
  static const RoundTrip* rt = [] {
    auto* r = new RoundTrip;
    r->query = pg::Encode(pg::Query{
        "select id, customer, contact, note, created, amount from orders "
        "where id = 1"});
    r->reply = RowDescription();
    std::vector<pg::Value> cells = {"1000001",
                                    "Maria Silva",
                                    "maria.silva@example.com",
                                    "delivered to front desk",
                                    "2026-03-14 15:30:07+00",
                                    "129.90"};
    pg::Encode(pg::DataRow{cells}, &r->reply);
    pg::Encode(pg::CommandComplete{"SELECT 1"}, &r->reply);
    pg::Encode(pg::ReadyForQuery{'I'}, &r->reply);
    return r;
  }();
  return *rt;
}

void BM_RoundTrip_Decode(benchmark::State& state) {
  const RoundTrip& rt = SmallQuery();
  pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
  std::size_t frames = 0;
  for (auto _ : state) {
    for (const auto& [dir, bytes] :
         {std::pair{Direction::kClientToServer, std::string_view(rt.query)},
          std::pair{Direction::kServerToClient, std::string_view(rt.reply)}}) {
      dec.Feed(dir, bytes);
      pg::Frame f;
      while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
        ++frames;
        benchmark::DoNotOptimize(f);
      }
    }
  }
  if (frames != 5 * static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("lost frames");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void RoundTripSession(benchmark::State& state, Mode mode) {
  const RoundTrip& rt = SmallQuery();
  std::unique_ptr<session::Session> s = NewSession(mode, 0);
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    const session::Output& q = s->Feed(Direction::kClientToServer, rt.query);
    if (q.to_server_bytes() != rt.query.size()) {
      state.SkipWithError("the query was not forwarded");
      break;
    }
    const session::Output& r = s->Feed(Direction::kServerToClient, rt.reply);
    out_bytes = r.to_client_bytes();
    benchmark::DoNotOptimize(out_bytes);
  }
  // The email is masked: the reply the client gets is not the server's.
  if (mode != Mode::kNoMask &&
      s->stats().cells_masked < static_cast<std::uint64_t>(state.iterations()))
    state.SkipWithError("the email was not masked");
  s->Finish(2, "bench");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["out_bytes"] = static_cast<double>(out_bytes);
}

void BM_RoundTrip_Session(benchmark::State& state) {
  RoundTripSession(state, Mode::kMask);
}
void BM_RoundTrip_Session_NoMask(benchmark::State& state) {
  RoundTripSession(state, Mode::kNoMask);
}
void BM_RoundTrip_Session_Record(benchmark::State& state) {
  RoundTripSession(state, Mode::kMaskRecord);
}

// ---------------------------------------------------------------------------
// pgbench -S

constexpr int kAids = 4096;  // distinct aids cycled through

std::string PgbenchText(int aid) {
  return "SELECT abalance FROM pgbench_accounts WHERE aid = " +
         std::to_string(aid) + ";";
}

// The server's answer after the RowDescription (or the whole answer's tail):
// DataRow(abalance) + CommandComplete + ReadyForQuery.
void AppendRowTail(int aid, std::string* out) {
  const std::string abalance = std::to_string(-(aid % 5000));
  std::vector<pg::Value> cells = {abalance};
  pg::Encode(pg::DataRow{cells}, out);
  pg::Encode(pg::CommandComplete{"SELECT 1"}, out);
  pg::Encode(pg::ReadyForQuery{'I'}, out);
}

std::string AbalanceDescription() {
  pg::RowDescription rd;
  pg::FieldDescription f;
  f.name = "abalance";
  f.table_oid = 16397;
  f.column_attribute = 3;
  f.type_oid = 23;
  f.type_size = 4;
  f.type_modifier = -1;
  f.format = 0;
  rd.fields.push_back(f);
  return pg::Encode(rd);
}

struct Pgbench {
  std::string setup_client;  // prepared: Parse + Sync
  std::string setup_server;  // prepared: ParseComplete + ReadyForQuery
  std::vector<std::string> client;  // per transaction, kAids of them
  std::vector<std::string> server;
};

const Pgbench& PgbenchPrepared() {
  static const Pgbench* b = [] {
    auto* r = new Pgbench;
    pg::Parse parse;
    parse.statement = "P0_1";
    parse.query = "SELECT abalance FROM pgbench_accounts WHERE aid = $1;";
    pg::Encode(parse, &r->setup_client);
    pg::Encode(pg::Sync{}, &r->setup_client);
    pg::Encode(pg::ParseComplete{}, &r->setup_server);
    pg::Encode(pg::ReadyForQuery{'I'}, &r->setup_server);
    const std::string desc = AbalanceDescription();
    for (int i = 0; i < kAids; ++i) {
      const int aid = 1 + (i * 7919) % 100000;
      const std::string param = std::to_string(aid);
      std::string c;
      pg::Bind bind;
      bind.portal = "";
      bind.statement = "P0_1";
      bind.parameters = {param};
      pg::Encode(bind, &c);
      pg::Encode(pg::Describe{'P', ""}, &c);
      pg::Encode(pg::Execute{"", 0}, &c);
      pg::Encode(pg::Sync{}, &c);
      std::string s;
      pg::Encode(pg::BindComplete{}, &s);
      s += desc;
      AppendRowTail(aid, &s);
      r->client.push_back(std::move(c));
      r->server.push_back(std::move(s));
    }
    return r;
  }();
  return *b;
}

const Pgbench& PgbenchSimple() {
  static const Pgbench* b = [] {
    auto* r = new Pgbench;
    const std::string desc = AbalanceDescription();
    for (int i = 0; i < kAids; ++i) {
      const int aid = 1 + (i * 7919) % 100000;
      r->client.push_back(pg::Encode(pg::Query{PgbenchText(aid)}));
      std::string s = desc;
      AppendRowTail(aid, &s);
      r->server.push_back(std::move(s));
    }
    return r;
  }();
  return *b;
}

int64_t ProcessCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void PgbenchDecode(benchmark::State& state, const Pgbench& b) {
  pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
  for (const auto& [dir, bytes] :
       {std::pair{Direction::kClientToServer, std::string_view(b.setup_client)},
        std::pair{Direction::kServerToClient,
                  std::string_view(b.setup_server)}}) {
    dec.Feed(dir, bytes);
    pg::Frame f;
    while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
    }
  }
  std::size_t frames = 0, i = 0;
  const int64_t cpu0 = ProcessCpuNs();
  for (auto _ : state) {
    for (const auto& [dir, bytes] :
         {std::pair{Direction::kClientToServer, std::string_view(b.client[i])},
          std::pair{Direction::kServerToClient,
                    std::string_view(b.server[i])}}) {
      dec.Feed(dir, bytes);
      pg::Frame f;
      while (dec.Next(dir, &f) == pg::DecodeResult::kFrame) {
        ++frames;
        benchmark::DoNotOptimize(f);
      }
    }
    if (++i == b.client.size()) i = 0;
  }
  const int64_t cpu = ProcessCpuNs() - cpu0;
  benchmark::DoNotOptimize(frames);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["proc_cpu_ns"] =
      static_cast<double>(cpu) / static_cast<double>(state.iterations());
}

enum class PgMode { kNoMask, kMask, kRecordNull, kRecordFile, kRecordSigned };

const hoop::session::SigningKey& BenchKey() {
  static const auto* k = [] {
    auto r = session::SigningKey::Generate();
    if (!r.ok()) std::abort();
    return new session::SigningKey(*r);
  }();
  return *k;
}

void PgbenchSession(benchmark::State& state, const Pgbench& b, PgMode mode) {
  static int serial = 0;
  session::PostgresOptions o;
  o.common.session_id = "pgbench-" + std::to_string(++serial);
  o.common.identity.subject = "bench";
  o.common.identity.kind = hoop::policy::IdentityKind::kPerson;
  o.common.resource.name = "bench-db";
  o.common.resource.kind = hoop::policy::ResourceKind::kPostgres;
  o.common.policy = BenchPolicy();
  o.start = pg::DecoderOptions::Start::kNormal;
  if (mode != PgMode::kNoMask) o.masker = DefaultMasker();
  std::filesystem::path dir;
  if (mode == PgMode::kRecordNull) {
    o.recorder = NullRecorder(o.common.session_id);
  } else if (mode == PgMode::kRecordFile || mode == PgMode::kRecordSigned) {
    dir = std::filesystem::temp_directory_path() /
          ("hoop-bench-" + std::to_string(::getpid()) + "-" +
           std::to_string(serial));
    session::FileSink::Options fo;
    fo.dir = dir.string();
    auto sink = session::FileSink::Create(fo);
    if (!sink.ok()) std::abort();
    session::RecorderOptions ro;
    ro.session_id = o.common.session_id;
    if (const char* d = std::getenv("HOOP_BENCH_BATCH_DELAY_US")) {
      ro.batch_delay_us = std::atoll(d);
    }
    if (mode == PgMode::kRecordSigned) ro.signing_key = BenchKey();
    auto rec = session::Recorder::Create(ro, *std::move(sink));
    if (!rec.ok()) std::abort();
    o.recorder = *std::move(rec);
  }
  auto made = session::NewPostgresSession(std::move(o));
  if (!made.ok()) std::abort();
  std::unique_ptr<session::Session> s = *std::move(made);
  if (!b.setup_client.empty()) {
    s->Feed(Direction::kClientToServer, b.setup_client);
    s->Feed(Direction::kServerToClient, b.setup_server);
  }
  std::size_t i = 0, out_bytes = 0;
  const int64_t cpu0 = ProcessCpuNs();
  for (auto _ : state) {
    const session::Output& q = s->Feed(Direction::kClientToServer, b.client[i]);
    if (q.to_server_bytes() != b.client[i].size()) {
      state.SkipWithError("the statement was not forwarded");
      break;
    }
    const session::Output& r = s->Feed(Direction::kServerToClient, b.server[i]);
    out_bytes = r.to_client_bytes();
    if (out_bytes != b.server[i].size()) {
      state.SkipWithError("the answer changed");
      break;
    }
    if (++i == b.client.size()) i = 0;
  }
  const session::SessionStats stats = s->stats();
  s->Finish(2, "bench");
  s.reset();
  const int64_t cpu = ProcessCpuNs() - cpu0;
  if (!dir.empty()) std::filesystem::remove_all(dir);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["proc_cpu_ns"] =
      static_cast<double>(cpu) / static_cast<double>(state.iterations());
  state.counters["commands"] = static_cast<double>(stats.commands);
}

void BM_PgbenchPrepared_Decode(benchmark::State& state) {
  PgbenchDecode(state, PgbenchPrepared());
}
void BM_PgbenchSimple_Decode(benchmark::State& state) {
  PgbenchDecode(state, PgbenchSimple());
}
#define HOOP_PGBENCH_(Mode)                                      \
  void BM_PgbenchPrepared_##Mode(benchmark::State& state) {      \
    PgbenchSession(state, PgbenchPrepared(), PgMode::k##Mode);   \
  }                                                              \
  void BM_PgbenchSimple_##Mode(benchmark::State& state) {        \
    PgbenchSession(state, PgbenchSimple(), PgMode::k##Mode);     \
  }
HOOP_PGBENCH_(NoMask)
HOOP_PGBENCH_(Mask)
HOOP_PGBENCH_(RecordNull)
HOOP_PGBENCH_(RecordFile)
HOOP_PGBENCH_(RecordSigned)
#undef HOOP_PGBENCH_

// What a new simple-query text costs inherently: classification + verdict.
void BM_PgbenchSimple_ClassifyDecide(benchmark::State& state) {
  std::vector<std::string> texts;
  for (int i = 0; i < kAids; ++i)
    texts.push_back(PgbenchText(1 + (i * 7919) % 100000));
  hoop::policy::Identity who;
  who.subject = "bench";
  hoop::policy::Resource db{"bench-db", hoop::policy::ResourceKind::kPostgres,
                            {}};
  const hoop::policy::Policy& policy = *BenchPolicy();
  std::size_t i = 0;
  for (auto _ : state) {
    std::vector<hoop::policy::SqlStatement> stmts = hoop::policy::ClassifySql(
        texts[i], hoop::policy::SqlDialect::kPostgres);
    hoop::policy::Request req;
    req.identity = &who;
    req.resource = &db;
    req.sql = &stmts;
    req.time = absl::Now();
    hoop::policy::Verdict v = policy.Evaluate(req);
    benchmark::DoNotOptimize(v);
    if (++i == texts.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// HOOP_BENCH_ITERATIONS=n runs each stream and pgbench case exactly n
// times: under `valgrind --tool=callgrind`, two runs with different n give
// instructions per round trip (all threads), whatever else the machine is
// doing; for the stream cases, n=1 with --toggle-collect counts one pass.
void FixedIterations(benchmark::internal::Benchmark* b) {
  if (const char* n = std::getenv("HOOP_BENCH_ITERATIONS")) {
    b->Iterations(std::atoi(n));
  }
}

BENCHMARK(BM_Stream_Memcpy)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_Stream_Decode)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_Stream_DecodeMaskCells)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_Stream_Session_NoMask)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_Stream_Session_Mask)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_Stream_Session_MaskRecord)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(FixedIterations);
BENCHMARK(BM_RoundTrip_Decode)->UseRealTime();
BENCHMARK(BM_RoundTrip_Session_NoMask)->UseRealTime();
BENCHMARK(BM_RoundTrip_Session)->UseRealTime();
BENCHMARK(BM_RoundTrip_Session_Record)->UseRealTime();
BENCHMARK(BM_PgbenchPrepared_Decode)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchPrepared_NoMask)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchPrepared_Mask)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchPrepared_RecordNull)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchPrepared_RecordFile)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchPrepared_RecordSigned)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_Decode)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_ClassifyDecide)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_NoMask)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_Mask)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_RecordNull)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_RecordFile)->Apply(FixedIterations);
BENCHMARK(BM_PgbenchSimple_RecordSigned)->Apply(FixedIterations);

}  // namespace

BENCHMARK_MAIN();
