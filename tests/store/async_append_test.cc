// EventLog::append_async: batches nobody waits for, committed and answered by the log's commit
// thread, in queue order with the synchronous appends.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/event_log.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using namespace std::chrono_literals;
using testing::comment;
using testing::LogFixture;
using testing::one;

using AsyncAppendTest = LogFixture;

// Collects the answers of async appends, in the order the callbacks ran. What the callbacks
// touch is shared with them: the test may end (and destroy this) while the last callback is
// still returning.
class Answers {
 public:
  explicit Answers(int expected) { state_->expected = expected; }

  EventLog::AppendCallback callback(int tag) {
    return [state = state_, tag](Result<AppendResult> r) {
      bool last = false;
      {
        std::lock_guard lock(state->mu);
        state->got.emplace_back(tag, std::move(r));
        state->threads.push_back(std::this_thread::get_id());
        last = static_cast<int>(state->got.size()) == state->expected;
      }
      if (last) state->all.set_value();
    };
  }
  bool wait(std::chrono::seconds timeout = 20s) {
    return all_.wait_for(timeout) == std::future_status::ready;
  }
  // Read after wait() returned true.
  const std::vector<std::pair<int, Result<AppendResult>>>& got() const { return state_->got; }
  const std::vector<std::thread::id>& threads() const { return state_->threads; }

 private:
  struct State {
    std::mutex mu;
    std::vector<std::pair<int, Result<AppendResult>>> got;
    std::vector<std::thread::id> threads;
    std::promise<void> all;
    int expected = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::future<void> all_ = state_->all.get_future();
};

TEST_F(AsyncAppendTest, CommitsInQueueOrderAndAnswersOnTheCommitThread) {
  Answers answers(200);
  for (int i = 0; i < 200; ++i) {
    log_->append_async(one(comment("s", std::to_string(i))), answers.callback(i));
  }
  ASSERT_TRUE(answers.wait());
  ASSERT_EQ(answers.got().size(), 200u);
  for (size_t i = 0; i < answers.got().size(); ++i) {
    const auto& [tag, result] = answers.got()[i];
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    EXPECT_EQ(tag, static_cast<int>(i)) << "callbacks run in commit order";
    ASSERT_EQ(result->events.size(), 1u);
    EXPECT_EQ(result->events[0].seq, i + 1) << "seqs follow the order of queueing";
    EXPECT_EQ(result->events[0].version, i + 1);
    EXPECT_NE(answers.threads()[i], std::this_thread::get_id());
  }
  EXPECT_EQ(log_->last_seq(), 200u);
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(AsyncAppendTest, AnswerIsGivenAfterTheCommitIsVisible) {
  std::promise<std::pair<uint64_t, uint64_t>> seen;  // (seq of the event, last_seq in the callback)
  log_->append_async(one(comment("s", "x")), [&](Result<AppendResult> r) {
    seen.set_value({r.is_ok() ? r->events[0].seq : 0, log_->last_seq()});
  });
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  const auto [seq, last] = f.get();
  EXPECT_EQ(seq, 1u);
  EXPECT_GE(last, seq) << "a reader told of the commit must see it";
  // Durable: it is there after reopening.
  reopen();
  EXPECT_EQ(log_->last_seq(), 1u);
}

TEST_F(AsyncAppendTest, SyncAndAsyncAppendersShareGroupsAndLeaveNoGap) {
  faulty_.set_sync_delay(5ms);
  constexpr int kThreads = 4, kPerThread = 25;
  Answers answers(kThreads * kPerThread);
  const uint64_t syncs_before = faulty_.syncs();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(log_->append(one(comment("sync/" + std::to_string(t), "x"))).is_ok());
      }
    });
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log_->append_async(one(comment("async/" + std::to_string(t), "x")), answers.callback(t));
        std::this_thread::sleep_for(100us);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(answers.wait());
  faulty_.set_sync_delay(0us);
  for (const auto& [tag, r] : answers.got()) ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  constexpr uint64_t kTotal = 2 * kThreads * kPerThread;
  ASSERT_EQ(log_->last_seq(), kTotal);
  auto all = log_->read_range(1, kTotal);
  ASSERT_TRUE(all.is_ok());
  std::map<std::string, uint32_t> versions;
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].seq, i + 1);
    EXPECT_EQ((*all)[i].version, ++versions[(*all)[i].stream]);
  }
  EXPECT_LT(faulty_.syncs() - syncs_before, kTotal / 2) << "appends must share syncs";
  EXPECT_TRUE(log_->verify()->ok);
}

// The commit thread may be stuck in a callback (one waiting for a lock): a synchronous append
// queued behind an async one must not wait for it, or a caller holding that lock while it
// appends would deadlock with the callback.
TEST_F(AsyncAppendTest, ABlockedCallbackDoesNotHoldUpSynchronousAppends) {
  std::promise<void> in_callback, release;
  std::shared_future<void> released = release.get_future().share();
  log_->append_async(one(comment("a", "first")), [&](Result<AppendResult>) {
    in_callback.set_value();
    released.wait();
  });
  ASSERT_EQ(in_callback.get_future().wait_for(20s), std::future_status::ready);
  // The commit thread is now blocked. An async append goes to the front of the queue, and a
  // synchronous one behind it.
  std::promise<uint64_t> second;
  log_->append_async(one(comment("a", "second")), [&](Result<AppendResult> r) {
    second.set_value(r.is_ok() ? r->events[0].seq : 0);
  });
  auto sync =
      std::async(std::launch::async, [&] { return log_->append(one(comment("a", "third"))); });
  const bool finished = sync.wait_for(20s) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(finished) << "the synchronous append waited for a blocked callback";
  auto third = sync.get();
  ASSERT_TRUE(third.is_ok()) << third.status().to_string();
  EXPECT_EQ(third->events[0].seq, 3u);
  auto f = second.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(f.get(), 2u);
}

TEST_F(AsyncAppendTest, CallbacksMayQueueFurtherAppends) {
  std::promise<uint64_t> last;
  std::function<void(int)> chain = [&](int left) {
    log_->append_async(one(comment("chain", std::to_string(left))),
                       [&, left](Result<AppendResult> r) {
                         if (!r.is_ok() || left == 0) {
                           last.set_value(r.is_ok() ? r->events[0].seq : 0);
                           return;
                         }
                         chain(left - 1);
                       });
  };
  chain(4);
  auto f = last.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(f.get(), 5u);
}

TEST_F(AsyncAppendTest, AMalformedBatchIsRefusedOnTheCommitThread) {
  Answers answers(1);
  log_->append_async(AppendRequest{}, answers.callback(0));
  ASSERT_TRUE(answers.wait());
  EXPECT_EQ(answers.got()[0].second.status().code(), Code::kInvalidArgument);
  EXPECT_NE(answers.threads()[0], std::this_thread::get_id());
  EXPECT_EQ(log_->last_seq(), 0u);
}

TEST_F(AsyncAppendTest, AFailedSyncRefusesAsyncAppendsAndEverythingAfter) {
  faulty_.set_fail_syncs(true);
  Answers answers(1);
  log_->append_async(one(comment("s", "x")), answers.callback(0));
  ASSERT_TRUE(answers.wait());
  faulty_.set_fail_syncs(false);
  EXPECT_EQ(answers.got()[0].second.status().code(), Code::kUnavailable);
  EXPECT_TRUE(log_->refusing_writes());
  Answers after(1);
  log_->append_async(one(comment("s", "y")), after.callback(0));
  ASSERT_TRUE(after.wait());
  EXPECT_EQ(after.got()[0].second.status().code(), Code::kUnavailable);
  reopen();
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(AsyncAppendTest, WaitForAsyncAppendsReturnsOnceEveryCallbackHasReturned) {
  log_->wait_for_async_appends();  // nothing queued: returns at once
  faulty_.set_sync_delay(5ms);
  std::atomic<int> returned{0};
  for (int i = 0; i < 10; ++i) {
    log_->append_async(one(comment("s", std::to_string(i))), [&](Result<AppendResult>) {
      std::this_thread::sleep_for(2ms);
      ++returned;
    });
  }
  log_->wait_for_async_appends();
  EXPECT_EQ(returned.load(), 10);
  faulty_.set_sync_delay(0us);
}

// A commit that throws (here a subscriber, after the write) must neither crash the commit
// thread nor leave anyone waiting: the log refuses writes, as after a failed sync.
TEST_F(AsyncAppendTest, AnExceptionDuringACommitRefusesWritesInsteadOfHangingOrCrashing) {
  auto subscription = log_->subscribe([](uint64_t) { throw std::runtime_error("a bug"); });
  Answers answers(1);
  log_->append_async(one(comment("s", "x")), answers.callback(0));
  ASSERT_TRUE(answers.wait());
  EXPECT_EQ(answers.got()[0].second.status().code(), Code::kUnavailable);
  EXPECT_TRUE(log_->refusing_writes());
  auto sync = log_->append(one(comment("s", "y")));
  EXPECT_EQ(sync.status().code(), Code::kUnavailable);
  subscription.reset();
  reopen();
  EXPECT_EQ(log_->last_seq(), 1u) << "the first write landed before the subscriber threw";
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(AsyncAppendTest, ClosingTheLogCommitsAndAnswersWhatIsQueued) {
  faulty_.set_sync_delay(10ms);
  std::atomic<int> ok{0};
  for (int i = 0; i < 30; ++i) {
    log_->append_async(one(comment("s", std::to_string(i))), [&](Result<AppendResult> r) {
      if (r.is_ok()) ++ok;
    });
  }
  close();  // returns once every queued batch is committed and answered
  faulty_.set_sync_delay(0us);
  EXPECT_EQ(ok.load(), 30);
  reopen();
  EXPECT_EQ(log_->last_seq(), 30u);
  EXPECT_TRUE(log_->verify()->ok);
}

}  // namespace
}  // namespace gaplog
