// Answers as of a past date kept while they hold (api/answer_cache.h, issue 24): every kept
// answer the Api serves equals the one computed afresh from the history, however the log grew
// in between; a back-fill that reaches the date changes it, an on-time write does not.
#include "api/answer_cache.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "../support/api_test_support.h"
#include "views/json_views.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;

class AnswerCacheTest : public ApiFixture {
 protected:
  std::string day(int offset) { return format_date(Date{date_of(clock_.now()).days + offset}); }
  std::string finding(const std::string& criterion) {
    return fmt::format(
        R"({{"title":"gap","severity":"high","criteria":["{}"],"owner":"{}","due_date":"{}"}})",
        criterion, kOwner, day(30));
  }
  // Records a finding on `criterion` as occurred at noon `offset` days from today (an admin's
  // back-fill).
  void backfill_finding(const std::string& criterion, int offset) {
    ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings", finding(criterion),
                   {{"X-Occurred-At", day(offset) + "T12:00:00Z"}})
                  .status,
              201);
  }
  // The readiness as of d (known at t) computed now from the history, as the Api renders it.
  std::string fresh_readiness(const std::string& d, std::optional<Micros> t) {
    const AsOf as_of{*parse_date(d), t};
    auto answer = program_->history().readiness_answer(as_of);
    EXPECT_TRUE(answer.is_ok());
    return json::write(readiness_json(answer->readiness, t, answer->tree_size));
  }
  std::string fresh_timeline(const std::string& from, const std::string& to) {
    auto t = program_->history().timeline(*parse_date(from), *parse_date(to), 7, std::nullopt);
    EXPECT_TRUE(t.is_ok());
    return json::write(timeline_json(*t));
  }
};

TEST_F(AnswerCacheTest, APastReadinessHoldsThroughOnTimeWritesAndNotThroughABackfill) {
  clock_.advance(40 * kMicrosPerDay);
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings", finding("CC6.1")).status, 201);
  const std::string past = "/api/v1/readiness?as_of=" + day(-10);
  Reply first = call(kAuditor, "GET", past);
  ASSERT_EQ(first.status, 200);
  // An on-time write: the same answer, kept, with the log's new size.
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings", finding("CC7.2")).status, 201);
  Reply second = call(kAuditor, "GET", past);
  EXPECT_EQ(num(second["tree_size"]), num(first["tree_size"]) + 1);
  EXPECT_EQ(second.body, fresh_readiness(day(-10), std::nullopt));
  // A back-fill dated before the date: the answer changes (CC8.1 gains a gap).
  const Micros before_backfill = clock_.now();
  clock_.advance(kMicrosPerSecond);
  backfill_finding("CC8.1", -20);
  Reply third = call(kAuditor, "GET", past);
  EXPECT_NE(third.body.find("F-3"), std::string::npos) << third.body;
  EXPECT_EQ(third.body, fresh_readiness(day(-10), std::nullopt));
  // As known before the back-fill, it is not there, and the kept answer says so after more writes.
  const std::string known =
      fmt::format("{}&as_known_at={}", past, format_timestamp(before_backfill));
  Reply k1 = call(kAuditor, "GET", known);
  ASSERT_EQ(k1.status, 200) << k1.body;
  EXPECT_EQ(k1.body.find("F-3"), std::string::npos);
  backfill_finding("CC6.1", -30);
  Reply k2 = call(kAuditor, "GET", known);
  EXPECT_EQ(k2.body, k1.body);
  EXPECT_EQ(k2.body, fresh_readiness(day(-10), before_backfill));
}

// The cache itself: a kept body (one no computation would give) comes back while it holds, with
// the tree size spliced in, and not once a back-fill reaches before the end of its date.
TEST_F(AnswerCacheTest, AKeptBodyComesBackUntilABackfillReachesItsDate) {
  clock_.advance(40 * kMicrosPerDay);
  ProgramHistory& history = program_->history();
  AnswerCache cache;
  ASSERT_TRUE(cache.enabled());
  const Date d = *parse_date(day(-10));
  const uint64_t seq = *history.folded_seq();
  auto size = [](uint64_t folded) -> Result<uint64_t> { return folded * 10; };
  const std::string kept = R"({"a":1,"tree_size":7,"b":2})";
  cache.keep("k", seq, kept, kept.find('7'));
  cache.keep("plain", seq, "body");
  EXPECT_EQ(cache.find("k", history, d, std::nullopt, size),
            fmt::format(R"({{"a":1,"tree_size":{},"b":2}})", seq * 10));
  EXPECT_EQ(cache.find("missing", history, d, std::nullopt, size), std::nullopt);
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings", finding("CC6.1")).status, 201);  // on time
  EXPECT_EQ(cache.find("plain", history, d, std::nullopt, size), "body");
  const Micros before = clock_.now();
  clock_.advance(kMicrosPerSecond);
  backfill_finding("CC6.1", -20);
  EXPECT_EQ(cache.find("plain", history, d, std::nullopt, size), std::nullopt);
  EXPECT_EQ(cache.find("plain", history, d, before, size), "body");  // known before the back-fill
  EXPECT_EQ(cache.find("plain", history, Date{d.days - 15}, std::nullopt, size), "body");
}

// "As known at" an instant before 1970 (a negative number of microseconds) is its own answer,
// not the one without `as_known_at`.
TEST_F(AnswerCacheTest, KnownAtAnyInstantIsKeptApartFromKnownNow) {
  clock_.advance(40 * kMicrosPerDay);
  backfill_finding("CC6.1", -20);
  const std::string past = "/api/v1/workloads?as_of=" + day(-10);
  Reply early = call(kAuditor, "GET", past + "&as_known_at=1969-12-31T23:59:59.999999Z");
  ASSERT_EQ(early.status, 200) << early.body;
  Reply now = call(kAuditor, "GET", past);
  EXPECT_NE(now.body, early.body);
  EXPECT_NE(now.body.find(kOwner), std::string::npos) << now.body;
}

TEST_F(AnswerCacheTest, EveryKeptAnswerEqualsAFreshOneOverRandomWrites) {
  clock_.advance(100 * kMicrosPerDay);
  std::mt19937 rng(3);
  const std::vector<std::string> criteria{"CC6.1", "CC7.2", "CC8.1", "CC3.2"};
  int created = 0;
  for (int step = 0; step < 120; ++step) {
    clock_.advance(static_cast<Micros>(rng() % 3600) * kMicrosPerSecond);
    const unsigned what = rng() % 4;
    if (what == 0 || created == 0) {  // a finding, on time or back-filled up to 60 days
      HeaderList h;
      if (rng() % 2)
        h.emplace_back("X-Occurred-At", day(-static_cast<int>(rng() % 60)) + "T01:00:00Z");
      ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings", finding(criteria[rng() % 4]), h).status,
                201);
      ++created;
    } else if (what == 1) {  // a status change, on time
      const std::string id = fmt::format("F-{}", 1 + rng() % static_cast<unsigned>(created));
      EXPECT_LT(
          call(kAdmin, "POST", "/api/v1/findings/" + id + "/status", R"({"status":"in_progress"})")
              .status,
          500);
    } else {  // read: as of a past date, and a timeline ending on it
      const std::string d = day(-static_cast<int>(rng() % 5) * 10);
      Reply r = call(kAuditor, "GET", "/api/v1/readiness?as_of=" + d);
      ASSERT_EQ(r.status, 200);
      ASSERT_EQ(r.body, fresh_readiness(d, std::nullopt)) << "step " << step;
      const Micros known = clock_.now() - static_cast<Micros>(rng() % 48) * 3600 * kMicrosPerSecond;
      Reply k = call(
          kAuditor, "GET",
          fmt::format("/api/v1/readiness?as_of={}&as_known_at={}", d, format_timestamp(known)));
      ASSERT_EQ(k.status, 200) << k.body;
      ASSERT_EQ(k.body, fresh_readiness(d, known)) << "step " << step;
      const std::string from = day(-70);
      Reply t =
          call(kAuditor, "GET", fmt::format("/api/v1/timeline?from={}&to={}&step=7", from, d));
      ASSERT_EQ(t.status, 200);
      ASSERT_EQ(t.body, fresh_timeline(from, d)) << "step " << step;
      Reply w = call(kAuditor, "GET", "/api/v1/workloads?as_of=" + d);
      ASSERT_EQ(w.status, 200);
      auto workloads = program_->history().workloads(AsOf{*parse_date(d), std::nullopt});
      ASSERT_TRUE(workloads.is_ok());
      ASSERT_EQ(w.body, json::write(workloads_json(*parse_date(d), *workloads))) << "step " << step;
    }
  }
  EXPECT_GT(created, 20);
}

}  // namespace
}  // namespace gaplog
