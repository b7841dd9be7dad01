// Copyright 2026 The hoop Authors.
//
// The review over the generated sample gives the answers the scenario was
// written to produce (lib/session/README.md), in text, JSON and HTML; and no
// planted raw value reaches a record file.

#include "hoop/session/review.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hoop/masking/arena.h"
#include "hoop/masking/masker.h"
#include "hoop/session/reader.h"
#include "hoop/session/sample.h"

namespace hoop::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

int64_t Date(const char* text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err))
      << err;
  return absl::ToUnixNanos(t);
}

CellMasker RealMasker() {
  std::shared_ptr<const masking::Masker> m = masking::Masker::Default();
  return [m](std::string_view column, std::string_view type,
             std::string_view value, std::map<std::string, uint64_t>& counts) {
    masking::Arena arena;
    masking::MaskCounters c;
    std::string out(m->MaskCell(column, type, value, &arena, &c));
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i].values) counts[std::string(m->counter_name(i))] += c[i].values;
    }
    return out;
  };
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ReviewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/hoop_review_sample");
    std::filesystem::remove_all(*dir_);
    SampleOptions o;
    o.dir = *dir_;
    o.now_ns = Date("2026-11-20");
    o.mask = RealMasker();
    auto set = WriteSampleRecords(o);
    ASSERT_TRUE(set.ok()) << set.status();
    set_ = new SampleSet(*set);
    key_ = new VerifyingKey(*VerifyingKey::FromPem(set->key.PublicKeyPem()));
    inventory_ = new v1::Inventory(*LoadInventory(set->inventory_path));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete set_;
    delete key_;
    delete inventory_;
  }

  static std::vector<SessionReport> Sessions() {
    VerifyOptions vo;
    vo.key = key_;
    auto s = ReadSessions({*dir_}, vo);
    EXPECT_TRUE(s.ok());
    return *s;
  }
  static Review Build(int64_t from = std::numeric_limits<int64_t>::min()) {
    ReviewOptions o;
    o.now_ns = Date("2026-11-20");
    o.from_ns = from;
    o.inventory = inventory_;
    return BuildReview(Sessions(), o);
  }

  static std::string* dir_;
  static SampleSet* set_;
  static VerifyingKey* key_;
  static v1::Inventory* inventory_;
};
std::string* ReviewTest::dir_ = nullptr;
SampleSet* ReviewTest::set_ = nullptr;
VerifyingKey* ReviewTest::key_ = nullptr;
v1::Inventory* ReviewTest::inventory_ = nullptr;

TEST_F(ReviewTest, SampleVerifies) {
  std::vector<SessionReport> s = Sessions();
  ASSERT_EQ(s.size(), 16u);
  for (const SessionReport& r : s) {
    EXPECT_TRUE(r.ok()) << r.faults[0].ToString();
    EXPECT_TRUE(r.complete);
  }
}

TEST_F(ReviewTest, KnownAnswers) {
  Review r = Build();
  EXPECT_EQ(r.sessions, 16u);
  EXPECT_EQ(r.commands, 30u);
  EXPECT_EQ(r.people, 4u);
  EXPECT_EQ(r.non_humans, 3u);

  // Who accessed what: 6 person rows, then 5 non-human rows.
  ASSERT_EQ(r.access.size(), 11u);
  EXPECT_EQ(r.access[0].subject, "ana@example.com");
  EXPECT_THAT(r.access[0].credentials,
              ElementsAre("pg-prod-admin", "pg-prod-readonly"));
  EXPECT_FALSE(r.access[5].non_human);
  EXPECT_TRUE(r.access[6].non_human);
  EXPECT_EQ(r.access[6].subject, "ai-assistant");

  // 7 denied, 4 held: 2 approved, 1 refused, 1 expired.
  std::map<std::string, int> verdicts, approvals;
  for (const Review::Decision& d : r.decisions) {
    ++verdicts[d.verdict];
    if (d.verdict == "review") ++approvals[d.approval];
  }
  EXPECT_THAT(verdicts, ElementsAre(Pair("deny", 7), Pair("review", 4)));
  EXPECT_THAT(approvals, ElementsAre(Pair("approved", 2), Pair("denied", 1),
                                     Pair("expired", 1)));
  const Review::Decision& refused = r.decisions[4];
  EXPECT_EQ(refused.subject, "dev@example.com");
  EXPECT_EQ(refused.approval, "denied");
  EXPECT_EQ(refused.approver, "ana@example.com");
  EXPECT_EQ(refused.approver_reason,
            "Not a support task; open a finance ticket");
  EXPECT_EQ(r.decisions[0].approver, "carla@example.com");
  EXPECT_EQ(r.decisions[0].rule, "prod-ddl-needs-approval");

  // Broad rules on production: staging's broad rule is not listed.
  ASSERT_EQ(r.broad_production.size(), 5u);
  EXPECT_EQ(r.broad_production[0].command, "SHOW GRANTS");
  for (const Review::Broad& b : r.broad_production)
    EXPECT_NE(b.resource, "pg-staging");

  ASSERT_EQ(r.shared_credentials.size(), 2u);
  EXPECT_EQ(r.shared_credentials[0].credential, "mysql-billing-ro");
  EXPECT_THAT(
      r.shared_credentials[1].subjects,
      ElementsAre("ai-assistant", "ana@example.com", "bruno@example.com"));
  EXPECT_EQ(r.shared_credentials[1].sessions, 4u);

  std::map<std::string, std::string> stale;
  for (const Review::Stale& s : r.stale_credentials) {
    std::string reasons;
    for (const std::string& x : s.reasons)
      reasons += (reasons.empty() ? "" : "; ") + x;
    stale[s.credential] = reasons;
  }
  EXPECT_THAT(
      stale,
      ElementsAre(
          Pair("api-token-legacy",
               "never used; never rotated (created 500 days ago)"),
          Pair("k8s-deployer-sa", "never rotated (created 300 days ago)"),
          Pair("k8s-readonly-sa", "unused for 119 days"),
          Pair("pg-prod-admin", "not rotated for 200 days"),
          Pair("pg-prod-etl", "not rotated for 400 days")));
  EXPECT_THAT(r.unknown_credentials, ElementsAre("mysql-root"));

  std::map<std::string, uint64_t> masked(r.masked.begin(), r.masked.end());
  EXPECT_THAT(masked,
              ElementsAre(Pair("AWS_ACCESS_KEY_ID", 1), Pair("EMAIL", 12),
                          Pair("IBAN", 2), Pair("PAYMENT_CARD", 3),
                          Pair("PHONE", 1), Pair("US_SSN", 2)));
  EXPECT_TRUE(r.integrity.empty());
}

TEST_F(ReviewTest, WindowLimitsSessionsButNotStaleness) {
  Review r = Build(Date("2026-10-21"));
  EXPECT_EQ(r.sessions, 15u);
  EXPECT_EQ(r.commands, 29u);
  bool readonly_stale = false;
  for (const Review::Stale& s : r.stale_credentials) {
    readonly_stale = readonly_stale || s.credential == "k8s-readonly-sa";
  }
  EXPECT_TRUE(readonly_stale);
}

TEST_F(ReviewTest, TextJsonAndHtmlShowTheSameNumbers) {
  Review r = Build();
  std::string text = ReviewText(r);
  EXPECT_THAT(
      text,
      HasSubstr("16 sessions, 30 commands, 4 people, 3 non-human identities"));
  EXPECT_THAT(text, HasSubstr("DENIED OR HELD COMMANDS (11)"));
  EXPECT_THAT(text, HasSubstr("approval: denied by ana@example.com"));
  EXPECT_THAT(text,
              HasSubstr("ALLOWED ONLY BY A BROAD RULE ON PRODUCTION (5)"));
  EXPECT_THAT(text, HasSubstr("STALE CREDENTIALS (90 days; 5)"));
  EXPECT_THAT(text, HasSubstr("all 16 sessions verified"));

  nlohmann::json j = nlohmann::json::parse(ReviewJson(r));
  EXPECT_EQ(j["totals"]["sessions"], 16);
  EXPECT_EQ(j["totals"]["commands"], 30);
  EXPECT_EQ(j["totals"]["denied"], 7);
  EXPECT_EQ(j["totals"]["held"], 4);
  EXPECT_EQ(j["access"]["people"].size(), 6u);
  EXPECT_EQ(j["access"]["non_human"].size(), 5u);
  EXPECT_EQ(j["denied_or_held"].size(), 11u);
  EXPECT_EQ(j["broad_rules_on_production"].size(), 5u);
  EXPECT_EQ(j["shared_credentials"].size(), 2u);
  EXPECT_EQ(j["stale_credentials"].size(), 5u);
  EXPECT_EQ(j["masked_values"]["EMAIL"], 12);

  std::string html = ReviewHtml(r);
  EXPECT_THAT(html, HasSubstr("<b id=\"sessions\">16</b>"));
  EXPECT_THAT(html, HasSubstr("<b id=\"commands\">30</b>"));
  EXPECT_THAT(html, HasSubstr("<b id=\"denied\">7</b>"));
  EXPECT_THAT(html, HasSubstr("<b id=\"held\">4</b>"));
  EXPECT_THAT(html, HasSubstr("Denied or held commands (11)"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  // Balanced tables and rows.
  auto count = [&](const char* s) {
    size_t n = 0;
    for (size_t at = html.find(s); at != std::string::npos;
         at = html.find(s, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("<table"), count("</table>"));
  EXPECT_EQ(count("<tr>"), count("</tr>"));
}

TEST_F(ReviewTest, NoPlantedRawValueInAnyRecordFile) {
  ASSERT_FALSE(set_->planted.empty());
  std::string all;
  for (const std::string& f : set_->files) all += ReadAll(f);
  ASSERT_GT(all.size(), 1000u);
  for (const std::string& raw : set_->planted) {
    EXPECT_EQ(all.find(raw), std::string::npos)
        << "raw value in records: " << raw;
  }
  // And the masked forms are there instead.
  EXPECT_THAT(all, HasSubstr("[EMAIL]"));
  EXPECT_THAT(all, HasSubstr("[PAYMENT_CARD]"));
}

TEST_F(ReviewTest, TamperedSessionIsListedUnderIntegrity) {
  std::string dir = ::testing::TempDir() + "/hoop_review_tamper";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(*dir_, dir);
  std::string victim = dir + "/s03-bruno-pg-prod.hooprec";
  std::string bytes = ReadAll(victim);
  size_t at = bytes.find("DELETE FROM customers");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 6, "SELECT");  // make the denied DELETE look harmless
  std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes;
  VerifyOptions vo;
  vo.key = key_;
  auto s = ReadSessions({dir}, vo);
  ASSERT_TRUE(s.ok());
  ReviewOptions o;
  o.now_ns = Date("2026-11-20");
  Review r = BuildReview(*s, o);
  ASSERT_EQ(r.integrity.size(), 1u);
  EXPECT_EQ(r.integrity[0].session_id, "s03-bruno-pg-prod");
  EXPECT_THAT(r.integrity[0].fault, HasSubstr("chain"));
}

TEST(SampleTest, StandInMaskerAlsoKeepsRawValuesOut) {
  std::string dir = ::testing::TempDir() + "/hoop_sample_standin";
  std::filesystem::remove_all(dir);
  SampleOptions o;
  o.dir = dir;
  o.now_ns = Date("2026-11-20");
  auto set = WriteSampleRecords(o);
  ASSERT_TRUE(set.ok());
  std::string all;
  for (const std::string& f : set->files) all += ReadAll(f);
  for (const std::string& raw : set->planted)
    EXPECT_EQ(all.find(raw), std::string::npos) << raw;
}

}  // namespace
}  // namespace hoop::session
