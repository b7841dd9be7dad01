// Copyright 2026 The hoop Authors.
//
// Session recording cost: records/s and bytes/s per durability policy, and
// the cost of recording one command next to decoding it.
//
//   BM_DecodeQuery              baseline: decode one Postgres Query message
//                               (hoop::wire::postgres, decoder reused)
//   BM_RecordCommand/sync       build a Command record for that query and
//                               Append it on the caller's thread (serialize,
//                               SHA-256 chain, frame) into a null sink
//   BM_RecordCommand/queued     the same through the bounded queue: what the
//                               data path pays while the writer thread
//                               serializes, hashes and writes (kBlock, so the
//                               sustained rate is the writer's)
//   BM_BuildCommand             building that v1::Command alone
//   BM_Serialize, BM_Sha256     the other two parts of a record's cost
//   BM_SignCheckpoint           one Ed25519 checkpoint signature
//   BM_File/<policy>            a Command + Result stream written by FileSink
//                               on the caller's thread under each policy:
//                               every_record (fdatasync per record),
//                               interval_200ms, at_close
//
// Files go to $HOOP_BENCH_DIR (default /tmp); fdatasync cost depends on that
// file system (tmpfs makes it free). Run:
//   build/bench/session_bench --benchmark_min_time=1

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "hoop/session/keys.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"
#include "hoop/wire/postgres.h"

namespace pg = hoop::wire::postgres;
namespace hs = hoop::session;
namespace v1 = hoop::session::v1;
using hoop::wire::Direction;

namespace {

const std::string kQuery =
    "SELECT id, name, email FROM customers WHERE id = 4242";

const std::string& EncodedQuery() {
  static const std::string* s = [] {
    auto* out = new std::string;
    pg::Encode(pg::Query{kQuery}, out);
    return out;
  }();
  return *s;
}

v1::Command MakeCommand(uint64_t id, std::string_view text) {
  v1::Command c;
  c.set_command_id(id);
  c.set_text(std::string(text));
  v1::SqlStatement* sql = c.mutable_sql();
  sql->set_kind("select");
  sql->add_tables("customers");
  v1::Verdict* v = c.mutable_verdict();
  v->set_decision(v1::DECISION_ALLOW);
  v->add_rule_ids("pg-prod-read");
  v->set_reason("reads are allowed for group dba");
  v->set_masking_profile("default");
  return c;
}

v1::Result MakeResult(uint64_t id) {
  v1::Result r;
  r.set_command_id(id);
  r.set_rows(5);
  r.set_bytes(420);
  for (const char* n : {"id", "name", "email"}) {
    v1::Column* c = r.add_columns();
    c->set_name(n);
    c->set_type("text");
  }
  for (int i = 0; i < 5; ++i) {
    v1::Row* row = r.add_sample_rows();
    row->add_cells(std::to_string(4242 + i));
    row->add_cells("Jane Roe");
    row->add_cells("[EMAIL]");
  }
  v1::MaskCount* m = r.add_masked();
  m->set_detector("EMAIL");
  m->set_count(5);
  r.set_status("SELECT 5");
  return r;
}

std::unique_ptr<hs::Sink> NullSink() {
  return std::make_unique<hs::CallbackSink>(
      [](std::string_view framed, const v1::Record&) {
        benchmark::DoNotOptimize(framed.data());
        return absl::OkStatus();
      });
}

const hs::SigningKey& Key() {
  static const hs::SigningKey* k =
      new hs::SigningKey(*hs::SigningKey::Generate());
  return *k;
}

void BM_DecodeQuery(benchmark::State& state) {
  pg::Decoder dec({.start = pg::DecoderOptions::Start::kNormal});
  const std::string& bytes = EncodedQuery();
  for (auto _ : state) {
    dec.Feed(Direction::kClientToServer, bytes);
    pg::Frame f;
    if (dec.Next(Direction::kClientToServer, &f) != pg::DecodeResult::kFrame) {
      state.SkipWithError("decode failed");
      break;
    }
    auto q = pg::ParseAs<pg::Query>(f);
    benchmark::DoNotOptimize(q);
    pg::Frame rest;
    dec.Next(Direction::kClientToServer, &rest);  // kNeedMore: chunk drained
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_DecodeQuery);

void BM_RecordCommand(benchmark::State& state) {
  const bool queued = state.range(0) == 1;
  hs::RecorderOptions o;
  o.session_id = "bench";
  o.signing_key = Key();
  o.checkpoint_every = 1000;
  o.queue_capacity = queued ? 4096 : 0;
  o.durability = hs::Durability::kAtClose;
  auto rec = *hs::Recorder::Create(o, NullSink());
  uint64_t id = 0;
  for (auto _ : state) {
    if (!rec->Command(MakeCommand(++id, kQuery)).ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  (void)rec->Close();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(rec->stats().bytes));
  state.SetLabel(queued ? "queued (caller cost)" : "sync (whole cost)");
}
BENCHMARK(BM_RecordCommand)->Arg(0)->Arg(1)->ArgName("queued")->UseRealTime();

void BM_BuildCommand(benchmark::State& state) {
  uint64_t id = 0;
  for (auto _ : state) benchmark::DoNotOptimize(MakeCommand(++id, kQuery));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildCommand);

void BM_Serialize(benchmark::State& state) {
  v1::Record r;
  *r.mutable_command() = MakeCommand(1, kQuery);
  r.set_prev_hash(std::string(32, 'x'));
  r.set_session_id("bench");
  std::string out;
  for (auto _ : state) {
    out.clear();
    r.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * out.size());
}
BENCHMARK(BM_Serialize);

void BM_Sha256(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(hs::Sha256(data));
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Sha256)->Arg(128)->Arg(4096);

void BM_SignCheckpoint(benchmark::State& state) {
  std::string msg(120, 'c');
  for (auto _ : state) benchmark::DoNotOptimize(Key().Sign(msg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignCheckpoint);

void BM_File(benchmark::State& state) {
  const auto policy = static_cast<hs::Durability>(state.range(0));
  const char* base = std::getenv("HOOP_BENCH_DIR");
  std::string dir = std::string(base ? base : "/tmp") + "/hoop_session_bench_" +
                    std::to_string(::getpid());
  hs::FileSink::Options fo;
  fo.dir = dir;
  auto sink = hs::FileSink::Create(fo);
  if (!sink.ok()) {
    state.SkipWithError("cannot create the bench directory");
    return;
  }
  hs::RecorderOptions o;
  o.session_id = "bench-file";
  o.signing_key = Key();
  o.checkpoint_every = 1000;
  o.queue_capacity = 0;  // on this thread: the rate is the policy's
  o.durability = policy;
  o.sync_interval_ms = 200;
  auto rec = *hs::Recorder::Create(o, std::move(*sink));
  uint64_t id = 0;
  for (auto _ : state) {
    ++id;
    absl::Status s = (id & 1) ? rec->Command(MakeCommand(id, kQuery))
                              : rec->Result(MakeResult(id));
    if (!s.ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  (void)rec->Close();
  hs::RecorderStats st = rec->stats();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(st.bytes));
  state.counters["syncs"] = static_cast<double>(st.syncs);
  state.SetLabel(policy == hs::Durability::kEveryRecord ? "every_record"
                 : policy == hs::Durability::kInterval  ? "interval_200ms"
                                                        : "at_close");
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_File)
    ->Arg(static_cast<int>(hs::Durability::kEveryRecord))
    ->Arg(static_cast<int>(hs::Durability::kInterval))
    ->Arg(static_cast<int>(hs::Durability::kAtClose))
    ->ArgName("policy")
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
