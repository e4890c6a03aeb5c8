// The reminders' thread with a ManualClock: the daily pass once per day at or after the hour,
// kick() calling on_kick promptly, retries dispatched when due, and stop() joining. Waits are
// polls with generous timeouts; nothing asserts on speed.
#include "notify/reminder_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"

namespace gaplog {
namespace {

using testing::TempDir;

constexpr Micros kHour = 3600 * kMicrosPerSecond;
const Date kDay = date_from_ymd(2026, 5, 28);
const Micros kMidnight = static_cast<Micros>(kDay.days) * kMicrosPerDay;

// Polls `done` for up to 20 s.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// Gives the loop time to do something it should not (a few of its sleeps).
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

class Accepting final : public Channel {
 public:
  Status deliver(const Delivery&, Micros) override {
    sent_.fetch_add(1);
    return Status::ok();
  }
  std::atomic<int> sent_{0};
};

class ReminderLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = Outbox::open(dir_.path() + "/outbox");
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    outbox_ = std::move(o).value();
    dispatcher_ = std::make_unique<Dispatcher>(*outbox_, clock_, &channel_, &channel_,
                                               [](const Delivery&) { return Status::ok(); });
  }
  void start() {
    ReminderLoopOptions options;
    options.reminder_hour = 8;
    options.max_sleep = std::chrono::milliseconds(10);
    loop_ = std::make_unique<ReminderLoop>(
        clock_, *outbox_, *dispatcher_,
        [this](Date d) {
          MutexLock lock(mu_);
          passes_.push_back(d);
          return failures_ > 0 ? (--failures_, false) : true;
        },
        [this] { kicks_.fetch_add(1); }, options);
    loop_->start();
  }
  std::vector<Date> passes() {
    MutexLock lock(mu_);
    return passes_;
  }

  TempDir dir_;
  ManualClock clock_{kMidnight + 7 * kHour};
  Accepting channel_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
  Mutex mu_;
  std::vector<Date> passes_ GAPLOG_GUARDED_BY(mu_);
  int failures_ GAPLOG_GUARDED_BY(mu_) = 0;  // passes to fail before one is done
  std::atomic<int> kicks_{0};
  std::unique_ptr<ReminderLoop> loop_;  // last: stopped before the rest goes
};

TEST_F(ReminderLoopTest, TheDailyPassRunsOncePerDayAtOrAfterTheHour) {
  start();
  settle();
  EXPECT_TRUE(passes().empty()) << "not before 08:00";
  EXPECT_FALSE(loop_->last_pass_day().has_value());

  clock_.set(kMidnight + 8 * kHour);
  ASSERT_TRUE(eventually([&] { return loop_->last_pass_day() == kDay; }));
  clock_.set(kMidnight + 15 * kHour);
  settle();
  EXPECT_EQ(passes(), (std::vector<Date>{kDay})) << "not twice for one day";

  clock_.set(kMidnight + kMicrosPerDay + 7 * kHour);
  settle();
  EXPECT_EQ(passes().size(), 1u) << "the next day, not before its hour";
  clock_.set(kMidnight + kMicrosPerDay + 8 * kHour + 1);
  const Date next{kDay.days + 1};
  ASSERT_TRUE(eventually([&] { return loop_->last_pass_day() == next; }));
  EXPECT_EQ(passes(), (std::vector<Date>{kDay, next}));
}

TEST_F(ReminderLoopTest, AFailedPassRunsAgainFiveMinutesLaterUntilItIsDone) {
  {
    MutexLock lock(mu_);
    failures_ = 2;
  }
  clock_.set(kMidnight + 8 * kHour);
  start();
  ASSERT_TRUE(eventually([&] { return passes().size() == 1; }));
  settle();
  EXPECT_EQ(passes().size(), 1u) << "not at once again";
  EXPECT_FALSE(loop_->last_pass_day().has_value()) << "a failed pass is not done";
  clock_.advance(5 * 60 * kMicrosPerSecond);
  ASSERT_TRUE(eventually([&] { return passes().size() == 2; }));
  clock_.advance(5 * 60 * kMicrosPerSecond);
  ASSERT_TRUE(eventually([&] { return loop_->last_pass_day() == kDay; }));
  EXPECT_EQ(passes(), (std::vector<Date>{kDay, kDay, kDay}));
  clock_.advance(3 * kHour);
  settle();
  EXPECT_EQ(passes().size(), 3u) << "done: not again that day";
}

TEST_F(ReminderLoopTest, StartedAfterTheHourItRunsTodaysPassAtOnce) {
  clock_.set(kMidnight + 20 * kHour);
  start();
  ASSERT_TRUE(eventually([&] { return loop_->last_pass_day() == kDay; }));
  settle();
  EXPECT_EQ(passes().size(), 1u);
}

TEST_F(ReminderLoopTest, AKickCallsOnKickPromptlyAndDispatches) {
  start();
  Delivery d;
  d.kind = "finding_assigned";
  d.subject = "F-1";
  d.recipient = "ann@example.com";
  d.day = format_date(kDay);
  d.enqueued_at = clock_.now();
  ASSERT_TRUE(outbox_->enqueue(d).is_ok());
  loop_->kick();
  ASSERT_TRUE(eventually([&] { return kicks_.load() >= 1 && channel_.sent_.load() == 1; }));
  EXPECT_TRUE(passes().empty()) << "a kick is not the daily pass";
}

TEST_F(ReminderLoopTest, ARetryIsDispatchedWhenItsTimeComes) {
  start();
  Delivery d;
  d.kind = "finding_due";
  d.subject = "F-2";
  d.recipient = "webhook:wh-1";
  d.day = format_date(kDay);
  d.enqueued_at = clock_.now() + kHour;  // due in an hour of the clock
  ASSERT_TRUE(outbox_->enqueue(d).is_ok());
  settle();
  EXPECT_EQ(channel_.sent_.load(), 0);
  clock_.advance(kHour);
  ASSERT_TRUE(eventually([&] { return channel_.sent_.load() == 1; }));
  EXPECT_EQ(kicks_.load(), 0);
}

TEST_F(ReminderLoopTest, StopJoinsAndIsIdempotent) {
  start();
  loop_->kick();
  loop_->stop();
  loop_->stop();
  const int kicks = kicks_.load();
  loop_->kick();
  settle();
  EXPECT_EQ(kicks_.load(), kicks) << "no thread after stop()";
}

TEST_F(ReminderLoopTest, StopReturnsWhileTheLoopSleepsLong) {
  ReminderLoopOptions options;  // the real 30 s sleep
  ReminderLoop loop(
      clock_, *outbox_, *dispatcher_, [](Date) { return true; }, [] {}, options);
  loop.start();
  settle();
  const auto before = std::chrono::steady_clock::now();
  loop.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(25))
      << "stop() wakes the sleeping thread instead of waiting out its sleep";
}

}  // namespace
}  // namespace gaplog
