// The dispatcher of SPEC §11 with a ManualClock and channels that fail on demand: delivered and
// recorded once, retried with doubling backoff, given up after 24 h, recorded again without
// being sent again, the same message id after a crash, and a missing channel.
#include "notify/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"

namespace gaplog {
namespace {

using testing::TempDir;

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kHour = 3600 * kSecond;
constexpr Micros kT0 = 1'780'000'000LL * kMicrosPerSecond;

// A channel that accepts or refuses on demand and remembers what it was given. Thread-safe.
class TestChannel final : public Channel {
 public:
  Status deliver(const Delivery& d, Micros now) override {
    MutexLock lock(mu_);
    sent_.push_back({d.key, d.message_id, d.message, now});
    if (before_answer_) before_answer_(d);
    if (refuse_) return unavailable("HTTP 503");
    return Status::ok();
  }
  struct Sent {
    std::string key, message_id, message;
    Micros at;
  };
  std::vector<Sent> sent() {
    MutexLock lock(mu_);
    return sent_;
  }
  void refuse(bool r) {
    MutexLock lock(mu_);
    refuse_ = r;
  }
  void before_answer(std::function<void(const Delivery&)> f) {
    MutexLock lock(mu_);
    before_answer_ = std::move(f);
  }

 private:
  Mutex mu_;
  std::vector<Sent> sent_ GAPLOG_GUARDED_BY(mu_);
  bool refuse_ GAPLOG_GUARDED_BY(mu_) = false;
  std::function<void(const Delivery&)> before_answer_ GAPLOG_GUARDED_BY(mu_);
};

// The event log's side: records each key once (idempotent), or refuses on demand.
class TestRecorder {
 public:
  Status record(const Delivery& d) {
    MutexLock lock(mu_);
    ++calls_;
    if (refuse_) return unavailable("the log refuses writes");
    recorded_.emplace(d.key, d.message_id);
    return Status::ok();
  }
  std::map<std::string, std::string> recorded() {
    MutexLock lock(mu_);
    return recorded_;
  }
  int calls() {
    MutexLock lock(mu_);
    return calls_;
  }
  void refuse(bool r) {
    MutexLock lock(mu_);
    refuse_ = r;
  }

 private:
  Mutex mu_;
  std::map<std::string, std::string> recorded_ GAPLOG_GUARDED_BY(mu_);  // key → message id
  int calls_ GAPLOG_GUARDED_BY(mu_) = 0;
  bool refuse_ GAPLOG_GUARDED_BY(mu_) = false;
};

Delivery reminder(const std::string& recipient, const std::string& subject, Micros at) {
  Delivery d;
  d.kind = "finding_due";
  d.subject = subject;
  d.recipient = recipient;
  d.day = "2026-05-28";
  d.message = "F-" + subject + " is due";
  d.enqueued_at = at;
  return d;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { open(dir_.path() + "/outbox"); }
  void open(const std::string& path) {
    dispatcher_.reset();
    outbox_.reset();
    auto o = Outbox::open(path);
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    outbox_ = std::move(o).value();
    dispatcher_ = std::make_unique<Dispatcher>(
        *outbox_, clock_, &mail_, &webhooks_,
        [this](const Delivery& d) { return recorder_.record(d); }, policy_);
  }
  std::string enqueue(const Delivery& d) {
    auto added = outbox_->enqueue(d);
    EXPECT_TRUE(added.is_ok() && *added);
    return make_delivery_key(d.kind, d.subject, d.recipient, d.day);
  }
  Delivery get(const std::string& key) { return outbox_->find(key).value_or(Delivery{}); }

  TempDir dir_;
  ManualClock clock_{kT0};
  RetryPolicy policy_;
  TestChannel mail_, webhooks_;
  TestRecorder recorder_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, ADueDeliveryIsSentOnceAndRecordedOnce) {
  const std::string mail = enqueue(reminder("ann@example.com", "1", kT0));
  const std::string hook = enqueue(reminder("webhook:wh-1", "1", kT0));
  enqueue(reminder("bob@example.com", "2", kT0 + kHour));  // not due yet
  Dispatcher::Report r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(r.recorded, 2u);
  EXPECT_EQ(r.retried + r.failed, 0u);
  EXPECT_TRUE(r.outbox_error.is_ok());
  ASSERT_EQ(mail_.sent().size(), 1u);
  EXPECT_EQ(mail_.sent()[0].key, mail);
  EXPECT_EQ(mail_.sent()[0].message, "F-1 is due");
  ASSERT_EQ(webhooks_.sent().size(), 1u);
  EXPECT_EQ(webhooks_.sent()[0].key, hook);
  const Delivery d = get(mail);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.sent_at, kT0);
  EXPECT_EQ(d.finished_at, kT0);
  EXPECT_EQ(d.first_attempt_at, kT0);
  EXPECT_EQ(d.attempts, 1u);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(recorder_.recorded(), (std::map<std::string, std::string>{
                                      {mail, d.message_id}, {hook, make_message_id(hook)}}));

  clock_.advance(2 * kHour);
  r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 1u) << "only the one that became due";
  EXPECT_EQ(mail_.sent().size(), 2u);
  EXPECT_EQ(recorder_.calls(), 3);
  r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered + r.recorded + r.retried + r.failed, 0u);
}

TEST_F(DispatcherTest, AFailureIsRetriedWithDoublingBackoffUpToTheMaxInterval) {
  const std::string key = enqueue(reminder("ann@example.com", "1", kT0));
  mail_.refuse(true);
  // Waits after attempts 1, 2, ...: 60 s doubling, capped at 1 h.
  const std::vector<Micros> waits = {60 * kSecond,   120 * kSecond,  240 * kSecond,
                                     480 * kSecond,  960 * kSecond,  1920 * kSecond,
                                     3600 * kSecond, 3600 * kSecond, 3600 * kSecond};
  for (size_t i = 0; i < waits.size(); ++i) {
    const Dispatcher::Report r = dispatcher_->run_once();
    EXPECT_EQ(r.retried, 1u);
    const Delivery d = get(key);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempts, i + 1);
    EXPECT_EQ(d.last_error, "unavailable: HTTP 503");
    EXPECT_EQ(d.first_attempt_at, kT0);
    EXPECT_EQ(d.last_attempt_at, clock_.now());
    ASSERT_EQ(d.next_attempt_at, clock_.now() + waits[i]) << "after attempt " << i + 1;
    clock_.advance(waits[i] - 1);
    EXPECT_EQ(dispatcher_->run_once().retried, 0u) << "not before its time";
    clock_.advance(1);
  }
  EXPECT_EQ(mail_.sent().size(), waits.size());
  mail_.refuse(false);
  const Dispatcher::Report r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.recorded, 1u);
  EXPECT_EQ(get(key).state, DeliveryState::kDelivered);
  EXPECT_EQ(get(key).last_error, "");
  for (const TestChannel::Sent& s : mail_.sent()) EXPECT_EQ(s.message_id, make_message_id(key));
}

TEST_F(DispatcherTest, ItGivesUpExactlyAfter24Hours) {
  const std::string key = enqueue(reminder("webhook:wh-1", "1", kT0));
  webhooks_.refuse(true);
  while (clock_.now() < kT0 + 24 * kHour - kSecond) {
    (void)dispatcher_->run_once();
    const Delivery d = get(key);
    ASSERT_EQ(d.state, DeliveryState::kPending);
    ASSERT_LE(d.next_attempt_at, kT0 + 24 * kHour) << "never later than the give-up time";
    clock_.set(std::min(d.next_attempt_at, kT0 + 24 * kHour - kSecond));
  }
  Dispatcher::Report r = dispatcher_->run_once();  // at 24 h - 1 s
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(get(key).state, DeliveryState::kPending);
  EXPECT_EQ(get(key).next_attempt_at, kT0 + 24 * kHour);
  clock_.set(kT0 + 24 * kHour);
  r = dispatcher_->run_once();
  EXPECT_EQ(r.failed, 1u);
  const Delivery d = get(key);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.finished_at, kT0 + 24 * kHour);
  EXPECT_EQ(d.last_error, "unavailable: HTTP 503");
  EXPECT_EQ(recorder_.calls(), 0) << "a failed delivery is never recorded";
  EXPECT_FALSE(outbox_->next_wake().has_value());
  const size_t attempts = webhooks_.sent().size();
  clock_.advance(kHour);
  EXPECT_EQ(dispatcher_->run_once().failed, 0u);
  EXPECT_EQ(webhooks_.sent().size(), attempts);
}

TEST_F(DispatcherTest, ARecorderFailureIsRetriedWithoutSendingAgain) {
  const std::string key = enqueue(reminder("ann@example.com", "1", kT0));
  recorder_.refuse(true);
  Dispatcher::Report r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.recorded, 0u);
  EXPECT_EQ(r.retried, 1u);
  Delivery d = get(key);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.sent_at, kT0);
  EXPECT_NE(d.last_error.find("not recorded"), std::string::npos) << d.last_error;
  EXPECT_EQ(d.next_attempt_at, kT0 + policy_.record_retry);

  // Even across a restart, and even after the give-up time: it was delivered.
  open(dir_.path() + "/outbox");
  clock_.advance(25 * kHour);
  (void)dispatcher_->run_once();
  EXPECT_EQ(get(key).state, DeliveryState::kPending);
  recorder_.refuse(false);
  clock_.advance(policy_.record_retry);
  r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.recorded, 1u);
  EXPECT_EQ(mail_.sent().size(), 1u) << "sent once";
  d = get(key);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(recorder_.recorded().size(), 1u);
}

TEST_F(DispatcherTest, ACrashBetweenSendAndUpdateResendsTheSameMessage) {
  const std::string key = enqueue(reminder("webhook:wh-1", "1", kT0));
  const std::string copy = dir_.path() + "/outbox-at-crash";
  // The outbox as a crash during the send would leave it: copied while the channel holds the
  // delivery, before the dispatcher's update.
  webhooks_.before_answer([&](const Delivery&) {
    std::filesystem::copy(dir_.path() + "/outbox", copy, std::filesystem::copy_options::recursive);
  });
  (void)dispatcher_->run_once();
  webhooks_.before_answer(nullptr);
  ASSERT_EQ(get(key).state, DeliveryState::kDelivered);

  open(copy);  // the restart
  const Delivery d = get(key);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.sent_at, 0);
  clock_.advance(kSecond);
  (void)dispatcher_->run_once();
  const std::vector<TestChannel::Sent> sent = webhooks_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].message_id, sent[0].message_id);
  EXPECT_EQ(sent[1].message, sent[0].message);
  EXPECT_EQ(get(key).state, DeliveryState::kDelivered);
  EXPECT_EQ(recorder_.recorded().size(), 1u) << "recorded once, whatever the sends";
}

TEST_F(DispatcherTest, WithoutItsChannelADeliveryWaitsAndSaysWhy) {
  Dispatcher no_webhooks(
      *outbox_, clock_, &mail_, nullptr, [this](const Delivery& d) { return recorder_.record(d); },
      policy_);
  const std::string key = enqueue(reminder("webhook:wh-1", "1", kT0));
  Dispatcher::Report r = no_webhooks.run_once();
  EXPECT_EQ(r.retried, 1u);
  Delivery d = get(key);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.last_error, "no webhook channel is configured");
  EXPECT_EQ(d.attempts, 0u);
  EXPECT_EQ(d.first_attempt_at, 0);
  EXPECT_EQ(d.next_attempt_at, kT0 + policy_.first_retry);
  clock_.advance(48 * kHour);
  (void)no_webhooks.run_once();
  EXPECT_EQ(get(key).state, DeliveryState::kPending) << "waiting is not failing";
  // Configured (the server restarted with it): delivered at its next look.
  clock_.advance(policy_.first_retry);
  r = dispatcher_->run_once();
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(get(key).state, DeliveryState::kDelivered);
}

TEST_F(DispatcherTest, AnAttemptAtTheLastSecondKeepsItPendingAndTheNextFailsIt) {
  RetryPolicy policy;
  policy.first_retry = 24 * kHour - kSecond;
  policy.max_interval = 24 * kHour;
  Dispatcher dispatcher(
      *outbox_, clock_, &mail_, &webhooks_,
      [this](const Delivery& d) { return recorder_.record(d); }, policy);
  const std::string key = enqueue(reminder("ann@example.com", "1", kT0));
  mail_.refuse(true);
  EXPECT_EQ(dispatcher.run_once().retried, 1u);
  EXPECT_EQ(get(key).next_attempt_at, kT0 + 24 * kHour - kSecond);
  clock_.set(kT0 + 24 * kHour - kSecond);
  EXPECT_EQ(dispatcher.run_once().retried, 1u);
  EXPECT_EQ(get(key).state, DeliveryState::kPending);
  EXPECT_EQ(get(key).next_attempt_at, kT0 + 24 * kHour) << "clamped to the give-up time";
  clock_.set(kT0 + 24 * kHour);
  EXPECT_EQ(dispatcher.run_once().failed, 1u);
  EXPECT_EQ(get(key).state, DeliveryState::kFailed);
  EXPECT_EQ(get(key).attempts, 3u);
  EXPECT_EQ(recorder_.calls(), 0);
}

TEST_F(DispatcherTest, EnqueueAndReadWhileTheDispatcherRuns) {
  constexpr int kWriters = 3;
  constexpr int kFirings = 60;
  std::atomic<bool> done{false};
  std::thread dispatching([&] {
    while (!done.load()) {
      (void)dispatcher_->run_once();
      clock_.advance(kSecond);
    }
  });
  // Every writer enqueues the same firings: exactly one enqueue of each wins.
  std::atomic<int> added{0};
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kFirings; ++i) {
        const std::string recipient = (i % 2 == 0) ? "webhook:wh-" + std::to_string(i % 3)
                                                   : "u" + std::to_string(i % 5) + "@x.org";
        auto a = outbox_->enqueue(reminder(recipient, std::to_string(i), clock_.now()));
        EXPECT_TRUE(a.is_ok());
        if (a.is_ok() && *a) added.fetch_add(1);
        (void)outbox_->recent(10, "webhook:");
        (void)outbox_->last_for("webhook:wh-" + std::to_string(w));
        (void)outbox_->next_wake();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(added.load(), kFirings);
  // Let the dispatcher finish what is left.
  for (int i = 0; i < 2000 && outbox_->next_wake().has_value(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  done.store(true);
  dispatching.join();
  (void)dispatcher_->run_once();
  EXPECT_EQ(outbox_->recent(1000, "", DeliveryState::kDelivered).size(),
            static_cast<size_t>(kFirings));
  EXPECT_EQ(recorder_.recorded().size(), static_cast<size_t>(kFirings));
  EXPECT_EQ(mail_.sent().size() + webhooks_.sent().size(), static_cast<size_t>(kFirings))
      << "each sent once";
}

}  // namespace
}  // namespace gaplog
