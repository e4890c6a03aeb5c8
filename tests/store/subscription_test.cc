// Commit subscriptions and callbacks (store/event_log.h): subscribers run outside every lock of
// the log, so a callback may end its own subscription; ending one waits for its call to return;
// a callback that throws is reported with the exception's message, never swallowed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "store/event_log.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using namespace std::chrono_literals;
using testing::comment;
using testing::LogFixture;
using testing::one;

class SubscriptionTest : public LogFixture {
 protected:
  // Runs `work` on a thread of its own and expects it to return within `limit`. A thread that
  // deadlocked can be neither joined nor left running under a fixture being destroyed, so a
  // deadlock ends the test process with a message instead of hanging until the ctest timeout.
  static void expect_returns_within(std::chrono::seconds limit, const char* what,
                                    std::function<void()> work) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> returned = done->get_future();
    std::thread([done, work = std::move(work)] {
      work();
      done->set_value();
    }).detach();
    if (returned.wait_for(limit) != std::future_status::ready) {
      std::fprintf(stderr, "FAILED: %s did not return within %llds: deadlock\n", what,
                   static_cast<long long>(limit.count()));
      std::_Exit(1);
    }
  }
};

TEST_F(SubscriptionTest, ACallbackThatEndsItsOwnSubscriptionDoesNotDeadlock) {
  int calls = 0;
  std::unique_ptr<EventLog::Subscription> subscription;
  subscription = log_->subscribe([&](uint64_t) {
    ++calls;
    subscription.reset();
  });
  expect_returns_within(10s, "an append whose subscriber ends its own subscription",
                        [&] { must_append(one(comment("s", "1"))); });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(subscription, nullptr);
  must_append(one(comment("s", "2")));
  EXPECT_EQ(calls, 1) << "no call after the subscription ended";
}

TEST_F(SubscriptionTest, ACallbackMayEndAnotherSubscription) {
  int first_calls = 0, second_calls = 0;
  std::unique_ptr<EventLog::Subscription> second;
  auto first = log_->subscribe([&](uint64_t) {
    ++first_calls;
    second.reset();
  });
  second = log_->subscribe([&](uint64_t) { ++second_calls; });
  expect_returns_within(10s, "an append whose subscriber ends another subscription",
                        [&] { must_append(one(comment("s", "1"))); });
  must_append(one(comment("s", "2")));
  EXPECT_EQ(first_calls, 2);
  EXPECT_EQ(second_calls, 0) << "ended by the first subscriber before its turn";
}

TEST_F(SubscriptionTest, EndingASubscriptionWaitsForItsCallInProgress) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> callback_returned{false};
  std::atomic<int> calls{0};
  auto subscription = log_->subscribe([&](uint64_t) {
    if (++calls > 1) return;
    entered.set_value();
    released.wait();
    std::this_thread::sleep_for(20ms);
    callback_returned = true;
  });
  std::thread writer([&] { must_append(one(comment("s", "1"))); });
  entered.get_future().wait();

  std::atomic<bool> ended{false};
  bool returned_before_end = false;
  std::thread ender([&] {
    subscription.reset();
    returned_before_end = callback_returned.load();
    ended = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(ended.load()) << "the subscription ended while its callback was still running";
  release.set_value();
  ender.join();
  writer.join();
  EXPECT_TRUE(returned_before_end);
  must_append(one(comment("s", "2")));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(SubscriptionTest, AThrowingAppendCallbackIsReportedWithItsMessage) {
  ::testing::internal::CaptureStderr();
  log_->append_async(one(comment("s", "1")), [](Result<AppendResult>) {
    throw std::runtime_error("the callback's own bug 4711");
  });
  log_->wait_for_async_appends();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("the callback's own bug 4711"), std::string::npos) << err;
  EXPECT_NE(err.find("append callback"), std::string::npos) << err;
  EXPECT_FALSE(log_->refusing_writes()) << "a callback loses only its own answer";
  EXPECT_EQ(must_append(one(comment("s", "2"))).events.at(0).seq, 2u);
}

TEST_F(SubscriptionTest, AThrowingSubscriberIsReportedWithItsMessage) {
  auto subscription =
      log_->subscribe([](uint64_t) { throw std::runtime_error("the subscriber's own bug 815"); });
  ::testing::internal::CaptureStderr();
  auto refused = log_->append(one(comment("s", "1")));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("the subscriber's own bug 815"), std::string::npos)
      << refused.status().to_string();
  EXPECT_NE(err.find("the subscriber's own bug 815"), std::string::npos) << err;
  EXPECT_NE(err.find("refusing every write"), std::string::npos) << err;
  subscription.reset();
}

}  // namespace
}  // namespace gaplog
