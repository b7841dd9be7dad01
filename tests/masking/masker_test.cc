// Copyright 2026 The hoop Authors.
//
// The Masker's contracts: zero copy when nothing matches, methods, column
// rules, custom detectors, counters, fail closed, thread safety, planted PII.

#include "hoop/masking/masker.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/v1/profile.pb.h"
#include "masking/internal/engine.h"

namespace hoop::masking {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<Masker> Make(const v1::Profile& p, MaskerOptions o = {}) {
  auto m = Masker::Create(p, o);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(m).value() : nullptr;
}

// Masking must work from another translation unit's static initializer
// (before lib/masking's own globals, if it had any, would be set up).
const std::string kMaskedAtStaticInit = [] {
  auto m = Masker::Default();
  Arena arena;
  return std::string(m->MaskCell(
      ColumnPlan(),
      "a value longer than sixty-four bytes, so the block path runs: "
      "ana@example.com",
      &arena, nullptr));
}();

TEST(MaskerTest, WorksFromStaticInitializers) {
  EXPECT_EQ(kMaskedAtStaticInit,
            "a value longer than sixty-four bytes, so the block path runs: "
            "[EMAIL]");
}

TEST(MaskerTest, ReturnsTheInputViewWhenNothingMatches) {
  auto m = Masker::Default();
  Arena arena;
  for (std::string_view v :
       {std::string_view(""), std::string_view("12345"),
        std::string_view("2024-03-15 12:34:56+00"),
        std::string_view("550e8400-e29b-41d4-a716-446655440000"),
        std::string_view(R"({"id": 42, "name": "Ana", "total": 12.50})"),
        std::string_view("ünïcödé ✓ 中文")}) {
    std::string_view out = m->MaskCell(ColumnPlan(), v, &arena, nullptr);
    EXPECT_EQ(out.data(), v.data()) << v;
    EXPECT_EQ(out.size(), v.size());
  }
  EXPECT_EQ(arena.used_bytes(), 0u);
}

TEST(MaskerTest, DefaultProfileRedactsWithDetectorTokens) {
  auto m = Masker::Default();
  Arena arena;
  MaskCounters counters;
  std::string_view in =
      "Jane <jane.roe@example.com> paid with 4111 1111 1111 1111, ssn "
      "123-45-6789";
  std::string_view out = m->MaskCell(ColumnPlan(), in, &arena, &counters);
  EXPECT_EQ(out, "Jane <[EMAIL]> paid with [PAYMENT_CARD], ssn [US_SSN]");
  for (std::size_t i = 0; i < m->num_counters(); ++i) {
    std::string_view name = m->counter_name(i);
    if (name == "EMAIL") {
      EXPECT_EQ(counters[i].values, 1u);
      EXPECT_EQ(counters[i].bytes, 20u);
    } else if (name == "PAYMENT_CARD") {
      EXPECT_EQ(counters[i].values, 1u);
      EXPECT_EQ(counters[i].bytes, 19u);
    } else if (name == "US_SSN") {
      EXPECT_EQ(counters[i].values, 1u);
      EXPECT_EQ(counters[i].bytes, 11u);
    } else {
      EXPECT_EQ(counters[i].values, 0u) << name;
    }
  }
}

TEST(MaskerTest, Methods) {
  v1::Profile p;
  p.set_hash_key("k1");
  auto* card = p.add_detectors();
  card->set_builtin("PAYMENT_CARD");
  card->mutable_method()->set_kind(v1::Method::PARTIAL);
  card->mutable_method()->set_keep_last(4);
  auto* ssn = p.add_detectors();
  ssn->set_builtin("US_SSN");
  ssn->mutable_method()->set_kind(v1::Method::SAME_LENGTH);
  auto* email = p.add_detectors();
  email->set_builtin("EMAIL");
  email->mutable_method()->set_kind(v1::Method::HASH);
  auto* name = p.add_detectors();
  name->set_name("NAME");
  name->set_pattern("name=(\\pL+)");
  name->set_group(1);
  name->mutable_method()->set_kind(v1::Method::SAME_LENGTH);
  auto m = Make(p);
  ASSERT_NE(m, nullptr);
  Arena arena;
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "4111 1111 1111 1111", &arena, nullptr),
            "***************1111");
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "ssn 123-45-6789.", &arena, nullptr),
            "ssn ***********.");
  // UTF-8 aware: one '*' per character, not per byte.
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "name=Zoë!", &arena, nullptr),
            "name=***!");
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "name=中文", &arena, nullptr), "name=**");
  // HASH: stable for one key (joins still work), different across values
  // and keys.
  std::string a(m->MaskCell(ColumnPlan(), "ana@example.com", &arena, nullptr));
  std::string b(m->MaskCell(ColumnPlan(), "ana@example.com", &arena, nullptr));
  std::string c(m->MaskCell(ColumnPlan(), "bob@example.com", &arena, nullptr));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_THAT(a, ::testing::MatchesRegex(R"(\[EMAIL:[0-9a-f]{16}\])"));
  p.set_hash_key("k2");
  auto m2 = Make(p);
  EXPECT_NE(std::string(
                m2->MaskCell(ColumnPlan(), "ana@example.com", &arena, nullptr)),
            a);
}

TEST(MaskerTest, PartialNeverRevealsAShortValueWhole) {
  v1::Profile p;
  auto* d = p.add_detectors();
  d->set_name("PIN");
  d->set_pattern("pin:(\\d+)");
  d->set_group(1);
  d->mutable_method()->set_kind(v1::Method::PARTIAL);
  d->mutable_method()->set_keep_last(4);
  auto m = Make(p);
  Arena arena;
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "pin:1234", &arena, nullptr), "pin:****");
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "pin:123456", &arena, nullptr),
            "pin:**3456");
}

TEST(MaskerTest, ColumnRules) {
  v1::Profile p;
  p.set_all_builtins(true);
  auto* secret = p.add_columns();
  secret->set_name("(?i)^(ssn|password|secret.*)$");
  secret->set_action(v1::ColumnRule::MASK);
  auto* ints = p.add_columns();
  ints->add_types("INT8");
  ints->add_types("bool");
  ints->set_action(v1::ColumnRule::EXEMPT);
  auto* notes = p.add_columns();
  notes->set_name("^notes$");
  notes->set_action(v1::ColumnRule::DETECT);
  notes->add_detectors("EMAIL");
  auto m = Make(p);
  ASSERT_NE(m, nullptr);
  Arena arena;
  MaskCounters counters;
  EXPECT_EQ(m->MaskCell("Password", "text", "hunter2", &arena, &counters),
            "[REDACTED]");
  EXPECT_EQ(m->MaskCell("secret_token", "text", "", &arena, &counters),
            "[REDACTED]");
  std::string_view id = "4111111111111111";
  EXPECT_EQ(m->MaskCell("id", "int8", id, &arena, &counters).data(), id.data());
  EXPECT_EQ(m->MaskCell("notes", "text", "a@b.io 4111111111111111", &arena,
                        &counters),
            "[EMAIL] 4111111111111111");
  EXPECT_EQ(m->MaskCell("other", "text", "a@b.io 4111111111111111", &arena,
                        &counters),
            "[EMAIL] [PAYMENT_CARD]");
  ColumnPlan plan = m->PlanColumn("ssn", "text");
  EXPECT_EQ(plan.action(), ColumnPlan::Action::kMask);
  EXPECT_EQ(plan.rule(), 0);
  EXPECT_EQ(m->PlanColumn("x", "text").rule(), -1);
  std::size_t column = m->num_counters() - 2;
  EXPECT_EQ(m->counter_name(column), "COLUMN_RULE");
  EXPECT_EQ(counters[column].values, 2u);
}

TEST(MaskerTest, CustomDetectorsWithValidatorAndDenyList) {
  v1::Profile p;
  auto* emp = p.add_detectors();
  emp->set_name("ACCOUNT");
  emp->set_pattern(R"(acct-(\d{8,19}))");
  emp->set_group(1);
  emp->set_validator(v1::LUHN);
  auto* deny = p.add_detectors();
  deny->set_name("KNOWN_SECRET");
  deny->add_deny_list("alice-secret");
  deny->add_deny_list("bob-secret");
  auto m = Make(p);
  ASSERT_NE(m, nullptr);
  Arena arena;
  EXPECT_EQ(
      m->MaskCell(ColumnPlan(), "acct-4111111111111111 acct-4111111111111112",
                  &arena, nullptr),
      "acct-[ACCOUNT] acct-4111111111111112");
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "pw=alice-secret;pw=bob-secret", &arena,
                        nullptr),
            "pw=[KNOWN_SECRET];pw=[KNOWN_SECRET]");
}

TEST(MaskerTest, ProfileErrorsNameTheField) {
  struct Bad {
    const char* field;
    void (*edit)(v1::Profile*);
  };
  const Bad cases[] = {
      {"detectors[0].builtin",
       [](v1::Profile* p) { p->add_detectors()->set_builtin("EMAILS"); }},
      {"detectors[0].pattern",
       [](v1::Profile* p) {
         auto* d = p->add_detectors();
         d->set_name("X");
         d->set_pattern("(a");
       }},
      {"detectors[0].group",
       [](v1::Profile* p) {
         auto* d = p->add_detectors();
         d->set_name("X");
         d->set_pattern("a");
         d->set_group(1);
       }},
      {"detectors[0].name",
       [](v1::Profile* p) { p->add_detectors()->set_pattern("a"); }},
      {"columns[0].detectors[0]",
       [](v1::Profile* p) { p->add_columns()->add_detectors("NOPE"); }},
      {"columns[0].name",
       [](v1::Profile* p) { p->add_columns()->set_name("(?P<"); }},
      {"hash_key",
       [](v1::Profile* p) {
         auto* d = p->add_detectors();
         d->set_builtin("EMAIL");
         d->mutable_method()->set_kind(v1::Method::HASH);
       }},
  };
  for (const Bad& c : cases) {
    v1::Profile p;
    c.edit(&p);
    auto m = Masker::Create(p);
    ASSERT_FALSE(m.ok()) << c.field;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(m.status().message()),
                ::testing::StartsWith(std::string(c.field) + ": "));
  }
}

TEST(MaskerTest, FailsClosedOnOversizedValues) {
  MaskerOptions o;
  o.max_value_bytes = 16;
  auto m = Masker::Default(o);
  Arena arena;
  MaskCounters counters;
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "short", &arena, &counters), "short");
  EXPECT_EQ(m->MaskCell(ColumnPlan(), "this value is far too long", &arena,
                        &counters),
            "[REDACTED]");
  std::size_t fail = m->num_counters() - 1;
  EXPECT_EQ(m->counter_name(fail), "FAIL_CLOSED");
  EXPECT_EQ(counters[fail].values, 1u);
  EXPECT_EQ(counters[fail].bytes, 26u);
}

TEST(MaskerTest, OverlapsMergeIntoOneSpan) {
  auto m = Masker::Default();
  // The URL's user:password@host is not an e-mail; only the password goes.
  Arena arena;
  EXPECT_EQ(m->MaskCell(ColumnPlan(),
                        "postgres://alice:alice-secret@db.example.com/app",
                        &arena, nullptr),
            "postgres://alice:[URL_PASSWORD]@db.example.com/app");
  // A phone number and a card can cover the same digits: one token.
  auto f = m->Scan(ColumnPlan(), "+1 555 123 4567 8901 2345");
  ASSERT_FALSE(f.empty());
}

TEST(MaskerTest, SharedAcrossThreads) {
  auto m = Masker::Default();
  std::vector<std::string> inputs;
  for (int i = 0; i < 200; ++i) {
    inputs.push_back("row " + std::to_string(i) + " user" + std::to_string(i) +
                     "@example.com 4111-1111-1111-1111 10.0.0." +
                     std::to_string(i % 250));
  }
  auto run = [&](std::vector<std::string>* out) {
    Arena arena;
    for (int rep = 0; rep < 20; ++rep) {
      for (const auto& in : inputs) {
        out->push_back(
            std::string(m->MaskCell(ColumnPlan(), in, &arena, nullptr)));
      }
      arena.Reset();
    }
  };
  std::vector<std::string> a, b;
  std::thread t1(run, &a), t2(run, &b);
  t1.join();
  t2.join();
  EXPECT_EQ(a, b);
  EXPECT_THAT(a[0], Not(HasSubstr("@example.com")));
}

// More threads than the masker keeps copies of its patterns for (they are
// made on first use, and threads share them round-robin): every thread
// masks exactly as one thread alone does, and the copies are freed with
// the masker (ASan would report a leak).
TEST(MaskerTest, ManyThreadsShareThePatternCopies) {
  auto m = Masker::Default();
  std::vector<std::string> inputs = {
      "ana@example.com", "4111 1111 1111 1111",  "123-45-6789",
      "fe80::1:2",       "AKIAIOSFODNN7EXAMPLE", "postgres://u:pw@db/app",
      "nothing here",    "+44 20 7946 0958",     "DE89 3704 0044 0532 0130 00"};
  std::vector<std::string> want;
  {
    Arena arena;
    for (const auto& in : inputs) {
      want.push_back(
          std::string(m->MaskCell(ColumnPlan(), in, &arena, nullptr)));
    }
  }
  constexpr int kThreads = 19;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Arena arena;
      for (int rep = 0; rep < 30; ++rep) {
        for (const auto& in : inputs) {
          std::string out(m->MaskCell(ColumnPlan(), in, &arena, nullptr));
          if (rep == 0) got[t].push_back(out);
          if (out != want[&in - inputs.data()]) got[t].push_back("MISMATCH");
        }
        arena.Reset();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], want) << "thread " << t;
  EXPECT_NE(want[0], inputs[0]);
  m.reset();
}

// Threads alive at the same time search with different copies of the
// patterns (no shared DFA-cache lock between them); a thread started after
// another one ended takes over that one's copy, already compiled and warm,
// instead of making a new one.
TEST(MaskerTest, PatternCopiesAreLeasedPerThread) {
  auto m = Masker::Default();
  const Masker::Rep& rep = internal::RepAccess::Get(*m);
  const RE2* const* first = nullptr;
  const RE2* const* second = nullptr;
  std::thread([&] { first = rep.Regexps(); }).join();
  std::thread([&] { second = rep.Regexps(); }).join();
  EXPECT_EQ(first, second);

  std::latch both(2);
  const RE2* const* a = nullptr;
  const RE2* const* b = nullptr;
  auto take = [&](const RE2* const** out) {
    *out = rep.Regexps();
    both.arrive_and_wait();  // neither ends before both hold a copy
  };
  std::thread ta(take, &a), tb(take, &b);
  ta.join();
  tb.join();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a == first || b == first);
}

// Planted PII: every planted value is gone; every look-alike is intact.
TEST(MaskerTest, PlantedPiiHasNoSurvivors) {
  const std::vector<std::string> planted = {
      "jane.roe@example.com",
      "li.wei@example.cn",
      "ana.lima@example.com.br",
      "4111 1111 1111 1111",
      "5555555555554444",
      "3782 822463 10005",
      "6011-1111-1111-1117",
      "4000056655665556",
      "123-45-6789",
      "321-54-9876",
      "+1-202-555-0143",
      "+55 11 91234-5678",
      "(555) 123-4567",
      "192.168.10.7",
      "2001:db8::8a2e:370:7334",
      "fe80::1",
      "DE89 3704 0044 0532 0130 00",
      "GB82WEST12345698765432",
      "AKIAIOSFODNN7EXAMPLE",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
      "xoxb-123456789012-1234567890123-AbCdEfGhIjKl",
      "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
      "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
      "alice-secret"};
  const std::vector<std::string> lookalikes = {
      "4111 1111 1111 1112",
      "5555555555554445",
      "000-12-3456",
      "666-45-6789",
      "923-45-6789",
      "987-65-4321",
      "256.10.10.10",
      "1.2.3.4.5",
      "DE89 3704 0044 0532 0130 01",
      "12:34:56",
      "std::vector",
      "2024-03-15",
      "550e8400-e29b-41d4-a716-446655440000",
      "v1.2.3",
      "12345.678"};
  std::vector<std::string> lines = {
      "1 | Jane Roe | jane.roe@example.com | 123-45-6789 | 4111 1111 1111 1111 "
      "| +1-202-555-0143",
      "{\"email\":\"li.wei@example.cn\",\"card\":\"6011-1111-1111-1117\","
      "\"ip\":\"192.168.10.7\"}",
      "ana.lima@example.com.br;3782 822463 10005;+55 11 91234-5678",
      "321-54-9876 5555555555554444 4000056655665556 (555) 123-4567",
      "peer 2001:db8::8a2e:370:7334 via fe80::1 iban DE89 3704 0044 0532 0130 "
      "00 / GB82WEST12345698765432",
      "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "gh ghp_16C7e42F292c6912E7710c838347Ae178B4a slack "
      "xoxb-123456789012-1234567890123-AbCdEfGhIjKl stripe "
      "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      "Authorization: Bearer "
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
      "-----BEGIN RSA PRIVATE KEY-----\n"
      "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
      "-----END RSA PRIVATE KEY-----",
      "DATABASE_URL=postgres://alice:alice-secret@db:5432/app",
  };
  std::string all_lookalikes;
  for (const auto& l : lookalikes) all_lookalikes += l + " | ";
  lines.push_back(all_lookalikes);
  auto m = Masker::Default();
  Arena arena;
  for (bool prefilter : {true, false}) {
    MaskerOptions o;
    o.prefilter = prefilter;
    auto mm = Masker::Default(o);
    for (const auto& line : lines) {
      std::string out(mm->MaskCell(ColumnPlan(), line, &arena, nullptr));
      for (const auto& p : planted) {
        EXPECT_THAT(out, Not(HasSubstr(p))) << "survived in: " << out;
      }
    }
    std::string out(
        mm->MaskCell(ColumnPlan(), all_lookalikes, &arena, nullptr));
    EXPECT_EQ(out, all_lookalikes);
  }
}

// The live captures' client output (what psql/mariadb printed): known PII.
TEST(MaskerTest, LiveClientOutput) {
  std::filesystem::path dir = std::filesystem::path(HOOP_CORPORA_DIR) / "live";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  auto m = Masker::Default();
  Arena arena;
  const std::vector<std::string> known = {
      "jane.roe@example.com", "john.doe@example.com", "4111 1111 1111 1111",
      "4111111111111111", "5555555555554444", "3782 822463 10005",
      "6011-1111-1111-1117", "4000056655665556", "123-45-6789",
      // 987-65-4321 is in the captures too, but area 9xx is not an SSN.
      "321-54-9876", "+1-202-555-0143", "+55 11 91234-5678"};
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt" ||
        entry.path().string().find(".client.") == std::string::npos) {
      continue;
    }
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      std::string out(m->MaskCell(ColumnPlan(), line, &arena, nullptr));
      for (const auto& k : known) {
        EXPECT_THAT(out, Not(HasSubstr(k))) << entry.path() << ": " << line;
      }
      arena.Reset();
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace hoop::masking
