// Copyright 2026 The hoop Authors.

#include "hoop/session/recorder.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/session/keys.h"
#include "hoop/session/reader.h"
#include "hoop/session/sink.h"

namespace hoop::session {
namespace {

using ::testing::HasSubstr;

v1::Command Cmd(uint64_t id, std::string text) {
  v1::Command c;
  c.set_command_id(id);
  c.set_text(std::move(text));
  c.mutable_verdict()->set_decision(v1::DECISION_ALLOW);
  c.mutable_verdict()->add_rule_ids("read-only");
  return c;
}

v1::SessionStart Start() {
  v1::SessionStart s;
  s.mutable_identity()->set_subject("ana");
  s.mutable_identity()->set_kind(v1::IDENTITY_KIND_PERSON);
  s.mutable_resource()->set_name("pg-prod");
  s.set_protocol(v1::PROTOCOL_POSTGRES);
  return s;
}

struct Fixture {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey verifying = *VerifyingKey::FromPem(key.PublicKeyPem());
  MemorySink* sink = nullptr;

  std::unique_ptr<Recorder> Make(RecorderOptions o) {
    auto s = std::make_unique<MemorySink>();
    sink = s.get();
    if (o.session_id.empty()) o.session_id = "s-1";
    if (!o.signing_key) o.signing_key = key;
    auto r = Recorder::Create(std::move(o), std::move(s));
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(*r);
  }
  SessionReport Verify() {
    VerifyOptions vo;
    vo.key = &verifying;
    return VerifyStreams({{"mem", sink->bytes()}}, vo);
  }
};

TEST(KeysTest, SignVerifyAndPemRoundTrip) {
  SigningKey k = *SigningKey::Generate();
  std::string sig = k.Sign("hello");
  ASSERT_EQ(sig.size(), 64u);
  VerifyingKey v = *VerifyingKey::FromPem(k.PublicKeyPem());
  EXPECT_TRUE(v.Verify("hello", sig));
  EXPECT_FALSE(v.Verify("hellp", sig));
  EXPECT_EQ(v.key_id(), k.key_id());
  SigningKey k2 = *SigningKey::FromPem(k.PrivateKeyPem());
  EXPECT_EQ(k2.key_id(), k.key_id());
  EXPECT_FALSE(VerifyingKey::FromPem("garbage").ok());
}

TEST(RecorderTest, ChainsSequencesAndCheckpoints) {
  Fixture f;
  RecorderOptions o;
  o.checkpoint_every = 3;
  auto rec = f.Make(o);
  ASSERT_TRUE(rec->Start(Start()).ok());
  for (int i = 1; i <= 7; ++i)
    ASSERT_TRUE(rec->Command(Cmd(i, "SELECT 1")).ok());
  ASSERT_TRUE(rec->End(v1::SessionEnd()).ok());
  ASSERT_TRUE(rec->Close().ok());
  std::vector<v1::Record> rs = f.sink->records();
  // 9 events, a checkpoint after every 3, a final one.
  ASSERT_EQ(rs.size(), 9u + 3u + 1u);
  std::string prev(32, '\0');
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].seq(), i);
    EXPECT_EQ(rs[i].session_id(), "s-1");
    EXPECT_EQ(rs[i].prev_hash(), prev);
    prev = Sha256(rs[i].SerializeAsString());
  }
  EXPECT_TRUE(rs[3].has_checkpoint());
  EXPECT_FALSE(rs[3].checkpoint().final());
  EXPECT_TRUE(rs.back().checkpoint().final());
  SessionReport r = f.Verify();
  EXPECT_TRUE(r.ok()) << r.faults[0].ToString();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.checkpoints_verified, 4u);
  EXPECT_TRUE(f.sink->closed());
  EXPECT_EQ(rec->stats().checkpoints, 4u);
}

TEST(RecorderTest, SynchronousModeWritesOnTheCallersThread) {
  Fixture f;
  RecorderOptions o;
  o.queue_capacity = 0;
  o.durability = Durability::kEveryRecord;
  auto rec = f.Make(o);
  ASSERT_TRUE(rec->Start(Start()).ok());
  EXPECT_EQ(f.sink->records().size(), 1u);  // already written
  EXPECT_EQ(f.sink->syncs(), 1);            // and synced
  ASSERT_TRUE(rec->Command(Cmd(1, "SELECT 1")).ok());
  EXPECT_EQ(f.sink->records().size(), 2u);
  ASSERT_TRUE(rec->Close().ok());
  EXPECT_TRUE(f.Verify().ok());
}

TEST(RecorderTest, DurabilityPolicies) {
  for (Durability d : {Durability::kEveryRecord, Durability::kInterval,
                       Durability::kAtClose}) {
    Fixture f;
    RecorderOptions o;
    o.durability = d;
    o.sync_interval_ms = 20;
    auto rec = f.Make(o);
    ASSERT_TRUE(rec->Start(Start()).ok());
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE(rec->Command(Cmd(i, "SELECT 1")).ok());
    // Let the writer catch up, and an interval pass.
    for (int i = 0; i < 100 && f.sink->records().size() < 21; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    int before_close = f.sink->syncs();
    ASSERT_TRUE(rec->Close().ok());
    switch (d) {
      case Durability::kEveryRecord:
        EXPECT_GE(before_close, 21);
        break;
      case Durability::kInterval:
        EXPECT_GE(before_close, 1);  // synced by the timer, with no new record
        EXPECT_LT(before_close, 21);
        break;
      case Durability::kAtClose:
        EXPECT_EQ(before_close, 0);
        EXPECT_EQ(f.sink->syncs(), 1);
        break;
    }
  }
}

TEST(RecorderTest, SynchronousIntervalSyncsOnTheFirstAppendAfterTheInterval) {
  Fixture f;
  int64_t t = 1'000'000'000;
  RecorderOptions o;
  o.queue_capacity = 0;
  o.durability = Durability::kInterval;
  o.sync_interval_ms = 100;
  o.clock = [&t] { return t; };
  auto rec = f.Make(o);
  ASSERT_TRUE(rec->Command(Cmd(1, "x")).ok());
  t += 50'000'000;
  ASSERT_TRUE(rec->Command(Cmd(2, "x")).ok());
  EXPECT_EQ(f.sink->syncs(), 0);
  t += 60'000'000;
  ASSERT_TRUE(rec->Command(Cmd(3, "x")).ok());
  EXPECT_EQ(f.sink->syncs(), 1);
  EXPECT_EQ(rec->stats().syncs, 1u);
}

TEST(RecorderTest, FlushWaitsForEverythingAppended) {
  Fixture f;
  RecorderOptions o;
  o.durability = Durability::kAtClose;
  auto rec = f.Make(o);
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(rec->Command(Cmd(i, "x")).ok());
  ASSERT_TRUE(rec->Flush().ok());
  EXPECT_EQ(f.sink->records().size(), 100u);
  EXPECT_EQ(f.sink->syncs(), 1);
}

// The writer lets a batch gather (batch_delay_us), but never past a Flush
// or a Close, and a queue half full wakes it at once.
TEST(RecorderTest, BatchDelayNeverHoldsFlushCloseOrAFullQueue) {
  Fixture f;
  RecorderOptions o;
  o.durability = Durability::kAtClose;
  o.batch_delay_us = 60'000'000;  // a minute: only a wake-up can end it
  o.queue_capacity = 8;
  auto rec = f.Make(o);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(rec->Command(Cmd(1, "x")).ok());
  ASSERT_TRUE(rec->Flush().ok());
  EXPECT_EQ(f.sink->records().size(), 1u);
  // Half the queue (4 records) wakes the writer without a Flush.
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(rec->Command(Cmd(i, "x")).ok());
  for (int i = 0; i < 400 && f.sink->records().size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(f.sink->records().size(), 5u);
  // kBlock with a full queue: Append waits for the writer, which wakes.
  for (int i = 6; i <= 40; ++i) ASSERT_TRUE(rec->Command(Cmd(i, "x")).ok());
  ASSERT_TRUE(rec->Close().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_EQ(f.sink->records().size(), 41u);  // + the final checkpoint
  EXPECT_TRUE(f.Verify().ok());
}

// A sink that holds every Write until released.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void Wait() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return open; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> l(mu);
      open = true;
    }
    cv.notify_all();
  }
};

std::unique_ptr<Sink> GatedSink(Gate* gate, std::shared_ptr<MemorySink> into) {
  return std::make_unique<CallbackSink>(
      [gate, into](std::string_view framed, const v1::Record& r) {
        gate->Wait();
        return into->Write(framed, r);
      },
      [into] { return into->Sync(); }, [into] { return into->Close(); });
}

TEST(RecorderTest, FullQueueEndsTheSessionClosedAndSaysSo) {
  Gate gate;
  auto mem = std::make_shared<MemorySink>();
  SigningKey key = *SigningKey::Generate();
  RecorderOptions o;
  o.session_id = "s-full";
  o.signing_key = key;
  o.queue_capacity = 4;
  o.when_full = WhenFull::kEndSession;
  auto rec = *Recorder::Create(o, GatedSink(&gate, mem));
  // The writer takes at most one batch; then the queue fills.
  absl::Status s;
  int accepted = 0;
  for (int i = 1; i <= 50 && s.ok(); ++i) {
    s = rec->Command(Cmd(i, "SELECT 1"));
    if (s.ok()) ++accepted;
  }
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("session must end"));
  // Refused from now on, even once there is room.
  EXPECT_EQ(rec->Command(Cmd(99, "x")).code(),
            absl::StatusCode::kResourceExhausted);
  gate.Open();
  ASSERT_TRUE(rec->Close().ok());
  std::vector<v1::Record> rs = mem->records();
  ASSERT_EQ(rs.size(), static_cast<size_t>(accepted) + 3);
  EXPECT_EQ(rs[accepted].error().kind(), "recorder");
  EXPECT_THAT(rs[accepted].error().message(), HasSubstr("2 event(s) refused"));
  EXPECT_EQ(rs[accepted + 1].end().reason(),
            v1::END_REASON_RECORDER_OVERLOADED);
  EXPECT_TRUE(rs.back().checkpoint().final());
  VerifyingKey v = *VerifyingKey::FromPem(key.PublicKeyPem());
  VerifyOptions vo;
  vo.key = &v;
  EXPECT_TRUE(VerifyStreams({{"mem", mem->bytes()}}, vo).ok());
  EXPECT_EQ(rec->stats().refused, 2u);
}

TEST(RecorderTest, BlockWaitsForRoomThenFailsClosedAfterTheTimeout) {
  Gate gate;
  auto mem = std::make_shared<MemorySink>();
  RecorderOptions o;
  o.session_id = "s-block";
  o.queue_capacity = 2;
  o.when_full = WhenFull::kBlock;
  o.block_timeout_ms = 2000;
  auto rec = *Recorder::Create(o, GatedSink(&gate, mem));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gate.Open();
  });
  for (int i = 1; i <= 20; ++i)
    ASSERT_TRUE(rec->Command(Cmd(i, "x")).ok()) << i;
  opener.join();
  EXPECT_GE(rec->stats().blocked, 1u);
  ASSERT_TRUE(rec->Close().ok());
  EXPECT_EQ(mem->records().size(), 20u);

  Gate never;
  auto mem2 = std::make_shared<MemorySink>();
  o.block_timeout_ms = 20;
  auto rec2 = *Recorder::Create(o, GatedSink(&never, mem2));
  absl::Status s;
  for (int i = 1; i <= 10 && s.ok(); ++i) s = rec2->Command(Cmd(i, "x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  never.Open();
  ASSERT_TRUE(rec2->Close().ok());
  EXPECT_EQ(mem2->records().back().end().reason(),
            v1::END_REASON_RECORDER_OVERLOADED);
}

TEST(RecorderTest, SinkFailureIsReturnedNotSwallowed) {
  Fixture f;
  RecorderOptions o;
  o.queue_capacity = 0;
  auto rec = f.Make(o);
  ASSERT_TRUE(rec->Start(Start()).ok());
  f.sink->FailWrites(absl::UnavailableError("disk gone"));
  EXPECT_EQ(rec->Command(Cmd(1, "x")).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(rec->Command(Cmd(2, "x")).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(rec->Close().code(), absl::StatusCode::kUnavailable);
}

TEST(RecorderTest, ConcurrentAppendsStayChained) {
  Fixture f;
  RecorderOptions o;
  o.checkpoint_every = 100;
  o.queue_capacity = 64;
  auto rec = f.Make(o);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i)
        ASSERT_TRUE(rec->Command(Cmd(t * 1000 + i, "x")).ok());
    });
  }
  for (auto& t : ts) t.join();
  ASSERT_TRUE(rec->Close().ok());
  SessionReport r = f.Verify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.records.size(), 2000u + 20u + 1u);
}

TEST(RecorderTest, RecordLargerThanTheReaderAcceptsFailsTheSession) {
  Fixture f;
  RecorderOptions o;
  o.queue_capacity = 0;
  auto rec = f.Make(o);
  v1::Output big;
  big.set_data(std::string(kMaxRecordBytes + 1, 'x'));
  absl::Status s = rec->Output(big);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cap result samples"));
  EXPECT_TRUE(f.sink->records().empty());
}

TEST(RecorderTest, ResultSampleIsCapped) {
  Fixture f;
  RecorderOptions o;
  o.queue_capacity = 0;
  o.max_sample_rows = 3;
  auto rec = f.Make(o);
  v1::Result r;
  r.set_rows(10);
  for (int i = 0; i < 10; ++i) r.add_sample_rows()->add_cells("[EMAIL]");
  ASSERT_TRUE(rec->Result(r).ok());
  v1::Result small;
  small.add_sample_rows()->add_cells("1");
  ASSERT_TRUE(rec->Result(small).ok());
  std::vector<v1::Record> rs = f.sink->records();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].result().sample_rows_size(), 3);
  EXPECT_TRUE(rs[0].result().sample_truncated());
  EXPECT_EQ(rs[0].result().rows(), 10u);
  EXPECT_FALSE(rs[1].result().sample_truncated());
}

TEST(RecorderTest, AppendAfterCloseFails) {
  Fixture f;
  auto rec = f.Make(RecorderOptions());
  ASSERT_TRUE(rec->Close().ok());
  EXPECT_EQ(rec->Command(Cmd(1, "x")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(rec->Close().ok());
}

TEST(RecorderTest, CreateRejectsBadOptions) {
  RecorderOptions o;
  EXPECT_FALSE(Recorder::Create(o, std::make_unique<MemorySink>()).ok());
  o.session_id = "x";
  EXPECT_FALSE(Recorder::Create(o, nullptr).ok());
  o.checkpoint_every = 0;
  EXPECT_FALSE(Recorder::Create(o, std::make_unique<MemorySink>()).ok());
}

TEST(FileSinkTest, RotatesBySizeAndTheChainRunsAcrossFiles) {
  std::string dir = ::testing::TempDir() + "/hoop_rotate";
  std::filesystem::remove_all(dir);
  FileSink::Options fo;
  fo.dir = dir;
  fo.rotate_bytes = 1000;
  auto sink = *FileSink::Create(fo);
  FileSink* raw = sink.get();
  SigningKey key = *SigningKey::Generate();
  RecorderOptions o;
  o.session_id = "rot/1";  // '/' is not a file name character
  o.signing_key = key;
  o.checkpoint_every = 10;
  auto rec = *Recorder::Create(o, std::move(sink));
  ASSERT_TRUE(rec->Start(Start()).ok());
  for (int i = 1; i <= 100; ++i)
    ASSERT_TRUE(rec->Command(Cmd(i, "SELECT * FROM t")).ok());
  ASSERT_TRUE(rec->Close().ok());
  std::vector<std::string> files = raw->files();
  ASSERT_GE(files.size(), 3u);
  EXPECT_THAT(files[0], HasSubstr("rot_1.000000000000.hooprec"));
  VerifyingKey v = *VerifyingKey::FromPem(key.PublicKeyPem());
  VerifyOptions vo;
  vo.key = &v;
  auto sessions = ReadSessions({dir}, vo);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_TRUE((*sessions)[0].ok()) << (*sessions)[0].faults[0].ToString();
  EXPECT_EQ((*sessions)[0].files.size(), files.size());
  EXPECT_TRUE((*sessions)[0].complete);
  // A missing middle file is a sequence fault.
  std::filesystem::remove(files[1]);
  sessions = ReadSessions({dir}, vo);
  ASSERT_FALSE((*sessions)[0].ok());
  EXPECT_EQ((*sessions)[0].faults[0].kind, Fault::Kind::kSequence);
}

}  // namespace
}  // namespace hoop::session

namespace hoop::session {
namespace {

TEST(FileSinkTest, RotatesByAge) {
  std::string dir = ::testing::TempDir() + "/hoop_rotate_age";
  std::filesystem::remove_all(dir);
  FileSink::Options fo;
  fo.dir = dir;
  fo.rotate_seconds = 1;
  auto sink = *FileSink::Create(fo);
  FileSink* raw = sink.get();
  SigningKey key = *SigningKey::Generate();
  RecorderOptions o;
  o.session_id = "age";
  o.signing_key = key;
  o.queue_capacity = 0;
  auto rec = *Recorder::Create(o, std::move(sink));
  ASSERT_TRUE(rec->Start(Start()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(rec->Command(Cmd(1, "SELECT 1")).ok());
  ASSERT_TRUE(rec->Close().ok());
  ASSERT_EQ(raw->files().size(), 2u);
  EXPECT_THAT(raw->files()[1], HasSubstr("age.000000000001.hooprec"));
  VerifyingKey v = *VerifyingKey::FromPem(key.PublicKeyPem());
  VerifyOptions vo;
  vo.key = &v;
  auto sessions = ReadSessions({dir}, vo);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_TRUE((*sessions)[0].ok());
}

}  // namespace
}  // namespace hoop::session
