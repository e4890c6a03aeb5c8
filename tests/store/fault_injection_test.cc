// A failing write or sync must make appends fail cleanly, keep failing until reopen, and leave
// a log that verifies.
#include <gtest/gtest.h>

#include <thread>

#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::LogFixture;
using testing::one;

class FaultInjectionTest : public LogFixture {};

TEST_F(FaultInjectionTest, FailedSyncRefusesAllWritesUntilReopen) {
  must_append(one(comment("a", "1")));
  faulty_.set_fail_syncs(true);
  auto failed = log_->append(one(comment("a", "2")));
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().code(), Code::kUnavailable);
  EXPECT_NE(failed.status().message().find("restart"), std::string::npos);
  EXPECT_TRUE(log_->refusing_writes());

  // The disk recovers, but the log does not guess: it still refuses.
  faulty_.set_fail_syncs(false);
  EXPECT_EQ(log_->append(one(comment("a", "3"))).status().code(), Code::kUnavailable);

  reopen();
  EXPECT_FALSE(log_->refusing_writes());
  auto report = log_->verify();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok) << report->problem;
  // Whether the failed batch reached the disk is unknown; either way seqs stay gap-free.
  const uint64_t after_reopen = log_->last_seq();
  EXPECT_TRUE(after_reopen == 1 || after_reopen == 2) << after_reopen;
  AppendResult next = must_append(one(comment("a", "4")));
  EXPECT_EQ(next.events[0].seq, after_reopen + 1);
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(FaultInjectionTest, FailedWriteRefusesAndRetryWithSameIdIsSafe) {
  must_append(one(comment("a", "1")));
  const Uuid id = random_uuid();
  faulty_.set_fail_writes(true);
  auto failed = log_->append(one(comment("a", "2", std::nullopt, id)));
  EXPECT_EQ(failed.status().code(), Code::kUnavailable);
  faulty_.set_fail_writes(false);
  reopen();
  // The retry either replays the original or commits it now; exactly one copy exists.
  AppendResult retry = must_append(one(comment("a", "2", std::nullopt, id)));
  EXPECT_EQ(retry.events[0].id, id);
  AppendResult again = must_append(one(comment("a", "2", std::nullopt, id)));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(log_->last_seq(), 2u);
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(FaultInjectionTest, WritersQueuedBehindAFailedGroupAreRefusedToo) {
  faulty_.set_sync_delay(std::chrono::milliseconds(30));
  faulty_.set_fail_syncs(true);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, refused{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto r = log_->append(one(comment("s", "x")));
      (r.is_ok() ? ok : refused)++;
      if (!r.is_ok()) {
        EXPECT_EQ(r.status().code(), Code::kUnavailable);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 0);
  EXPECT_EQ(refused.load(), 6);
  faulty_.set_fail_syncs(false);
  faulty_.set_sync_delay(std::chrono::microseconds(0));
  reopen();
  EXPECT_TRUE(log_->verify()->ok);
}

}  // namespace
}  // namespace gaplog
