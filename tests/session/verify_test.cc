// Copyright 2026 The hoop Authors.
//
// Tamper and crash evidence: flip any byte, cut the last record anywhere,
// kill a real writer process with SIGKILL.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "hoop/session/keys.h"
#include "hoop/session/reader.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"

namespace hoop::session {
namespace {

using ::testing::HasSubstr;

// A closed session: start, commands with results, approvals, end; a
// checkpoint every 4 records and a final one.
std::string MakeStream(const SigningKey& key, int commands) {
  auto mem = std::make_unique<MemorySink>();
  MemorySink* sink = mem.get();
  RecorderOptions o;
  o.session_id = "s-verify";
  o.signing_key = key;
  o.checkpoint_every = 4;
  o.queue_capacity = 0;
  int64_t t = 1'700'000'000'000'000'000;
  o.clock = [&t] { return t += 1000; };
  auto rec = *Recorder::Create(o, std::move(mem));
  v1::SessionStart st;
  st.mutable_identity()->set_subject("ana@example.com");
  st.mutable_resource()->set_name("pg-prod");
  EXPECT_TRUE(rec->Start(st).ok());
  for (int i = 1; i <= commands; ++i) {
    v1::Command c;
    c.set_command_id(i);
    c.set_text("SELECT email FROM customers WHERE id = " + std::to_string(i));
    c.mutable_verdict()->set_decision(i % 3 == 0 ? v1::DECISION_DENY
                                                 : v1::DECISION_ALLOW);
    EXPECT_TRUE(rec->Command(c).ok());
    v1::Result r;
    r.set_command_id(i);
    r.set_rows(1);
    r.add_sample_rows()->add_cells("[EMAIL]");
    EXPECT_TRUE(rec->Result(r).ok());
  }
  v1::SessionEnd end;
  end.set_reason(v1::END_REASON_CLIENT_CLOSED);
  EXPECT_TRUE(rec->End(end).ok());
  EXPECT_TRUE(rec->Close().ok());
  return sink->bytes();
}

struct Span {
  uint64_t offset, size, seq;
};
std::vector<Span> Spans(const std::string& bytes) {
  std::vector<Span> out;
  for (const StoredRecord& r : ReadStream(bytes, "f").records) {
    out.push_back({r.offset, r.size, r.record.seq()});
  }
  return out;
}

class VerifyTest : public ::testing::Test {
 protected:
  // Damaged strings make protobuf log "invalid UTF-8"; the faults say it.
  static void SetUpTestSuite() { google::protobuf::SetLogHandler(nullptr); }
  SigningKey key_ = *SigningKey::Generate();
  VerifyingKey verifying_ = *VerifyingKey::FromPem(key_.PublicKeyPem());
  SessionReport Verify(const std::string& bytes) {
    VerifyOptions o;
    o.key = &verifying_;
    return VerifyStreams({{"s.hooprec", bytes}}, o);
  }
};

TEST_F(VerifyTest, IntactStreamVerifies) {
  std::string bytes = MakeStream(key_, 6);
  SessionReport r = Verify(bytes);
  ASSERT_TRUE(r.ok()) << r.faults[0].ToString();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.session_id, "s-verify");
  EXPECT_EQ(r.signed_records, r.records.size() - 1);
}

TEST_F(VerifyTest, WrongKeyIsAFault) {
  std::string bytes = MakeStream(key_, 2);
  SigningKey other = *SigningKey::Generate();
  VerifyingKey v = *VerifyingKey::FromPem(other.PublicKeyPem());
  VerifyOptions o;
  o.key = &v;
  SessionReport r = VerifyStreams({{"s", bytes}}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.faults[0].kind, Fault::Kind::kUnknownKey);
  // The key that signed, given as a key rotated out, verifies.
  o.older_keys.push_back(verifying_);
  r = VerifyStreams({{"s", bytes}}, o);
  EXPECT_TRUE(r.ok()) << r.faults[0].ToString();
}

// Every byte, two ways (one bit, all bits): verification fails and the
// first fault names the record that holds the byte.
TEST_F(VerifyTest, FlipAnyByteNamesThatRecord) {
  std::string bytes = MakeStream(key_, 5);
  std::vector<Span> spans = Spans(bytes);
  ASSERT_GT(spans.size(), 10u);
  size_t checked = 0;
  for (size_t p = 0; p < bytes.size(); ++p) {
    const Span* owner = nullptr;
    for (const Span& s : spans) {
      if (p >= s.offset && p < s.offset + s.size) owner = &s;
    }
    ASSERT_NE(owner, nullptr);
    for (uint8_t mask : {0x01, 0xff}) {
      std::string bad = bytes;
      bad[p] = static_cast<char>(bad[p] ^ mask);
      SessionReport r = Verify(bad);
      ASSERT_FALSE(r.ok()) << "byte " << p << " mask " << int(mask)
                           << " went unnoticed";
      const Fault& f = r.faults[0];
      EXPECT_EQ(f.offset, owner->offset)
          << "byte " << p << " mask " << int(mask) << " of seq " << owner->seq
          << ": " << f.ToString();
      EXPECT_EQ(f.seq, static_cast<int64_t>(owner->seq)) << f.ToString();
      EXPECT_EQ(f.file, "s.hooprec");
      ++checked;
    }
  }
  EXPECT_EQ(checked, bytes.size() * 2);
}

// Cut the last record at every byte: every whole record before it is
// recovered, and the torn tail is reported where the record starts.
TEST_F(VerifyTest, TruncateLastRecordAtEveryByte) {
  std::string bytes = MakeStream(key_, 5);
  std::vector<Span> spans = Spans(bytes);
  const Span last = spans.back();
  for (uint64_t cut = last.offset; cut < bytes.size(); ++cut) {
    SessionReport r = Verify(bytes.substr(0, cut));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.records.size(), spans.size() - 1) << cut;
    EXPECT_FALSE(r.complete);
    const Fault& f = r.faults[0];
    if (cut == last.offset) {
      EXPECT_EQ(f.kind, Fault::Kind::kIncomplete) << f.ToString();
    } else {
      EXPECT_EQ(f.kind, Fault::Kind::kTornTail) << f.ToString();
      EXPECT_THAT(f.message, HasSubstr("whole records before it recovered"));
    }
    EXPECT_EQ(f.offset, last.offset);
    EXPECT_EQ(f.seq, static_cast<int64_t>(last.seq));
  }
}

// And at every byte of the stream: never a tamper fault, always the whole
// records before the cut.
TEST_F(VerifyTest, TruncateAnywhereRecoversWholeRecords) {
  std::string bytes = MakeStream(key_, 3);
  std::vector<Span> spans = Spans(bytes);
  for (uint64_t cut = 0; cut < bytes.size(); ++cut) {
    SessionReport r = Verify(bytes.substr(0, cut));
    size_t whole = 0;
    for (const Span& s : spans) whole += s.offset + s.size <= cut ? 1 : 0;
    EXPECT_EQ(r.records.size(), whole) << cut;
    ASSERT_FALSE(r.ok());
    Fault::Kind k = r.faults[0].kind;
    EXPECT_TRUE(k == Fault::Kind::kTornTail || k == Fault::Kind::kIncomplete)
        << r.faults[0].ToString();
  }
}

// Several edits at once (overwrite, insert, erase) and plain garbage: never
// accepted, never a crash (ASan runs this too).
TEST_F(VerifyTest, RandomDamageIsNeverAccepted) {
  std::string bytes = MakeStream(key_, 4);
  std::mt19937 rng(20261126);
  for (int i = 0; i < 3000; ++i) {
    std::string bad = bytes;
    for (int e = 1 + static_cast<int>(rng() % 8); e > 0; --e) {
      size_t at = rng() % bad.size();
      switch (rng() % 3) {
        case 0:
          bad[at] = static_cast<char>(rng());
          break;
        case 1:
          bad.insert(bad.begin() + at, static_cast<char>(rng()));
          break;
        default:
          bad.erase(at, 1 + rng() % 4);
          break;
      }
      if (bad.empty()) bad.push_back('x');
    }
    if (bad == bytes) continue;
    EXPECT_FALSE(Verify(bad).ok()) << i;
  }
  for (int i = 0; i < 500; ++i) {
    std::string junk(rng() % 2000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    EXPECT_FALSE(Verify(junk).ok());
  }
}

TEST_F(VerifyTest, DroppedOrSwappedRecordsAreSequenceFaults) {
  std::string bytes = MakeStream(key_, 3);
  std::vector<Span> spans = Spans(bytes);
  // Drop record 2.
  std::string dropped =
      bytes.substr(0, spans[2].offset) + bytes.substr(spans[3].offset);
  SessionReport r = Verify(dropped);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.faults[0].kind, Fault::Kind::kSequence);
  EXPECT_EQ(r.faults[0].offset, spans[2].offset);
  // Drop the head of the stream.
  r = Verify(bytes.substr(spans[1].offset));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.faults[0].message, HasSubstr("earlier records are missing"));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A real writer process, killed with SIGKILL while it writes. Its file holds
// whole records and at most one torn one; nothing reads as tampering, and
// every record it had synced before the parent's signal is there. FileSink
// writes whole records, so a kill tears one only when it lands inside a
// multi-page write(2) (Linux stops those between pages on SIGKILL); the count
// of torn runs is printed, the recovery is asserted either way.
TEST_F(VerifyTest, SigkilledWriterLeavesRecoverableStream) {
  std::string dir = ::testing::TempDir() + "/hoop_sigkill";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  int torn_runs = 0;
  for (int run = 0; run < 6; ++run) {
    std::string path = dir + "/run" + std::to_string(run) + ".hooprec";
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(ready[0]);
      FileSink::Options fo;
      fo.path = path;
      fo.buffer_bytes = run % 2 ? 0 : 4096;
      auto sink = FileSink::Create(fo);
      RecorderOptions o;
      o.session_id = "s-kill";
      o.signing_key = key_;
      o.checkpoint_every = 16;
      o.durability = run % 2 ? Durability::kInterval : Durability::kAtClose;
      o.sync_interval_ms = 1;
      auto rec = Recorder::Create(o, std::move(*sink));
      if (!rec.ok()) _exit(2);
      // Odd runs write big terminal-output records: a write(2) of many
      // pages that SIGKILL can cut short, leaving a torn record.
      const std::string big(run % 2 ? 256 * 1024 : 0, 'x');
      const uint64_t signal_at = run % 2 ? 20 : 200;
      for (uint64_t i = 1;; ++i) {
        if (run % 2) {
          v1::Output out;
          out.set_data(big);
          out.set_offset_ns(static_cast<int64_t>(i));
          if (!(*rec)->Output(out).ok()) _exit(3);
        } else {
          v1::Command c;
          c.set_command_id(i);
          c.set_text("UPDATE accounts SET balance = balance - 1 WHERE id = " +
                     std::to_string(i));
          if (!(*rec)->Command(c).ok()) _exit(3);
        }
        if (i == signal_at) {
          if (!(*rec)->Flush().ok()) _exit(4);
          char b = 'r';
          if (write(ready[1], &b, 1) != 1) _exit(5);
        }
      }
    }
    close(ready[1]);
    char b = 0;
    ASSERT_EQ(read(ready[0], &b, 1), 1);
    close(ready[0]);
    usleep(2000 + 1500 * run);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

    std::string bytes = ReadAll(path);
    SessionReport r = Verify(bytes);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.faults.size(), 1u) << r.faults[0].ToString();
    const Fault& f = r.faults[0];
    EXPECT_TRUE(f.kind == Fault::Kind::kTornTail ||
                f.kind == Fault::Kind::kIncomplete)
        << f.ToString();
    if (f.kind == Fault::Kind::kTornTail) ++torn_runs;
    // The events written before the signal, plus their checkpoints, are there.
    const size_t signal_at = run % 2 ? 20 : 200;
    EXPECT_GE(r.records.size(), signal_at + signal_at / 16);
    EXPECT_GT(r.checkpoints_verified, 0u);
    // The recovered records are exactly the file's whole-record prefix.
    uint64_t end = r.records.back().offset + r.records.back().size;
    EXPECT_EQ(f.offset, end);
    EXPECT_LT(bytes.size() - end,
              300u * 1024);  // at most one (torn) record left
  }
  std::cout << "[          ] " << torn_runs
            << " of 6 kills left a torn record\n";
}

TEST_F(VerifyTest, ReadSessionsGroupsByRecordedSessionId) {
  std::string dir = ::testing::TempDir() + "/hoop_group";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/misnamed.hooprec", std::ios::binary)
      << MakeStream(key_, 2);
  std::ofstream(dir + "/ignored.txt") << "x";
  VerifyOptions o;
  o.key = &verifying_;
  auto sessions = ReadSessions({dir}, o);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].session_id, "s-verify");
  EXPECT_TRUE((*sessions)[0].ok());
  EXPECT_FALSE(ReadSessions({dir + "/nope"}, o).ok());
}

}  // namespace
}  // namespace hoop::session
