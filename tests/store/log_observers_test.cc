// The event log's latency observers (LogObservers in store/event_log.h, what the server's metrics
// count): each append is observed once when it is answered, by every path (append, append_queued
// + wait, append_async, refused before queueing), and each group's synced write once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "store_test_support.h"

namespace gaplog {
namespace {

class LogObserversTest : public testing::LogFixture {
 protected:
  void SetUp() override {
    reopen([this](EventLogOptions& o) {
      o.observers.append_answered = [this](std::chrono::nanoseconds d) {
        appends_ += 1;
        if (d.count() < 0) negative_ += 1;
      };
      o.observers.group_synced = [this](std::chrono::nanoseconds d) {
        syncs_ += 1;
        if (d.count() < 0) negative_ += 1;
      };
    });
  }
  std::atomic<int> appends_{0}, syncs_{0}, negative_{0};
};

TEST_F(LogObserversTest, ObservesEachAppendWhenAnsweredAndEachGroupWrite) {
  must_append(testing::one(testing::comment("finding-1", "a")));
  EXPECT_EQ(appends_, 1);
  EXPECT_EQ(syncs_, 1);

  auto queued = log_->append_queued(testing::one(testing::comment("finding-1", "b")));
  ASSERT_TRUE(queued->wait().is_ok());
  EXPECT_EQ(appends_, 2);
  EXPECT_EQ(syncs_, 2);

  std::promise<int> answered;
  log_->append_async(testing::one(testing::comment("finding-2", "c")), [&](Result<AppendResult> r) {
    answered.set_value(r.is_ok() ? appends_.load() : -1);
  });
  // Observed before the callback runs: the answer's latency includes nothing after it.
  EXPECT_EQ(answered.get_future().get(), 3);
  log_->wait_for_async_appends();
  EXPECT_EQ(syncs_, 3);

  // Refused before queueing (no events): answered, so observed; nothing written, so no sync.
  EXPECT_FALSE(log_->append(AppendRequest{}).is_ok());
  EXPECT_EQ(appends_, 4);
  EXPECT_EQ(syncs_, 3);
  EXPECT_EQ(negative_, 0);
  EXPECT_EQ(log_->last_seq(), 3u);
}

TEST_F(LogObserversTest, AreOptional) {
  reopen();  // no observers
  must_append(testing::one(testing::comment("finding-1", "a")));
  EXPECT_EQ(appends_, 0);
  EXPECT_EQ(syncs_, 0);
}

}  // namespace
}  // namespace gaplog
