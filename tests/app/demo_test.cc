// The demo program (`gaplog demo`): its readiness, workloads and timeline are interesting — not
// 0%, not 100%, some findings overdue, closed and risk-accepted — and its log verifies.
#include "app/demo.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../store/store_test_support.h"
#include "../support/replay_check.h"
#include "app/demo_reminders.h"
#include "app/program.h"
#include "domain/catalog.h"

namespace gaplog {
namespace {

// A new program holding the demo, as `gaplog demo` makes it at `now`.
class Demo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, dir_.sub("data")).is_ok());
    auto program = Program::open(*fs_, clock_, dir_.sub("data"));
    ASSERT_TRUE(program.is_ok());
    program_ = std::move(*program);
    ASSERT_TRUE(program_->service().execute(kAdmin, AddUser{kAdmin, "Alex", "admin"}).is_ok());
    Status built = build_demo(program_->service(), *program_->store().blobs, kAdmin, now);
    ASSERT_TRUE(built.is_ok()) << built.to_string();
  }
  static constexpr const char* kAdmin = "admin@acme.example";
  const Micros now = testing::kT0 + 200 * kMicrosPerDay + 15 * 3600 * kMicrosPerSecond;
  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{now};
  std::unique_ptr<Program> program_;
};

TEST_F(Demo, IsARealisticProgramWithSixMonthsOfHistory) {
  auto& p = *program_;

  const Date today = date_of(now);
  auto state = p.history().state_at(AsOf{today, std::nullopt});
  ASSERT_TRUE(state.is_ok());
  EXPECT_EQ(state->findings.size(), 43u);
  EXPECT_EQ(state->controls.size(), 25u);
  EXPECT_EQ(state->users.size(), 10u);
  std::map<FindingStatus, int> by_status;
  int overdue = 0;
  std::set<Category> categories;
  for (const auto& [id, f] : state->findings) {
    ++by_status[f.status];
    overdue += is_overdue(f, today);
    for (const auto& c : f.criteria) categories.insert(find_criterion(c)->category);
  }
  EXPECT_GE(by_status[FindingStatus::kClosed], 10);
  EXPECT_GE(by_status[FindingStatus::kRemediated], 3);
  EXPECT_GE(by_status[FindingStatus::kInProgress], 5);
  EXPECT_GE(by_status[FindingStatus::kOpen], 5);
  EXPECT_EQ(by_status[FindingStatus::kRiskAccepted], 1);
  EXPECT_GE(overdue, 3);
  EXPECT_EQ(categories.size(), 4u);  // security, availability, confidentiality, privacy
  EXPECT_FALSE(state->evidence.empty());

  auto readiness = p.history().readiness(AsOf{today, std::nullopt});
  ASSERT_TRUE(readiness.is_ok());
  EXPECT_GT(readiness->overall.ready, 0);
  EXPECT_LT(readiness->overall.ready, readiness->overall.in_scope);
  EXPECT_TRUE(readiness->categories.count(Category::kConfidentiality)) << "scope widened";
  // Before the widening, confidentiality was out of scope.
  auto early = p.history().readiness(AsOf{Date{today.days - 120}, std::nullopt});
  ASSERT_TRUE(early.is_ok());
  EXPECT_FALSE(early->categories.count(Category::kConfidentiality));
  EXPECT_LT(early->overall.ready, readiness->overall.ready) << "readiness grew over the months";

  auto workloads = p.history().workloads(AsOf{today, std::nullopt});
  ASSERT_TRUE(workloads.is_ok());
  EXPECT_GE(workloads->size(), 5u);
  EXPECT_GT((*workloads)[0].overdue, 0);

  auto first = p.history().first_event_date();
  ASSERT_TRUE(first.is_ok() && first->has_value());
  EXPECT_LE(first->value().days, today.days - 180);
  auto timeline = p.history().timeline(**first, today, 7, std::nullopt);
  ASSERT_TRUE(timeline.is_ok());
  EXPECT_GE(timeline->points.size(), 26u);
  EXPECT_NE(timeline->points.front().readiness, timeline->points.back().readiness);

  auto report = p.log().verify();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

// SPEC §11: the six months include the reminders gaplog would have sent, each once, at the
// time of its day's pass (or right after an assignment), and the log still replays.
TEST_F(Demo, ItsSixMonthsIncludeTheRemindersSentInThem) {
  auto& p = *program_;
  Status s = backfill_demo_reminders(p.service(), p.history(), p.log(), now);
  ASSERT_TRUE(s.is_ok()) << s.to_string();

  auto state = p.history().state_at(AsOf{date_of(now), std::nullopt});
  ASSERT_TRUE(state.is_ok());
  std::map<std::string, int> kinds;
  for (const SentNotification& n : state->notifications) {
    ++kinds[n.kind];
    EXPECT_LT(*parse_date(n.day), date_of(now)) << "today's pass belongs to the server";
    EXPECT_EQ(date_of(n.sent_at), *parse_date(n.day)) << n.kind << " " << n.subject;
  }
  for (const char* kind : {"assigned", "due_soon", "overdue", "weekly_digest"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
  EXPECT_EQ(state->notification_keys.size(), state->notifications.size());
  EXPECT_FALSE(state->notifications_by_subject.at("F-1").empty());

  auto events = p.log().read_range(1, p.log().last_seq());
  ASSERT_TRUE(events.is_ok());
  EXPECT_EQ(testing::replay_check(*events), "");
}

}  // namespace
}  // namespace gaplog
