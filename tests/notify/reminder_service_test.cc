// Reminders put together (notify/reminders.h) in-process: the daily pass, assignments at once,
// exactly one notification_sent per firing, retries until the receiver accepts, and nothing
// when no channel is configured. The receiver is a real HTTP server on loopback; the signature
// itself is checked with the Standard Webhooks library in webhook_sender_test and the API tests.
// The concurrent test runs under ThreadSanitizer in scripts/test.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "../store/store_test_support.h"
#include "../support/loopback_http_server.h"
#include "app/program.h"
#include "notify/reminders.h"
#include "store/data_dir.h"

namespace gaplog {
namespace {

using testing::LoopbackHttpServer;
using testing::ServedReply;
using testing::ServedRequest;

constexpr const char* kAdmin = "ada@acme.example";
constexpr const char* kOwner = "olu@acme.example";
constexpr const char* kOther = "oti@acme.example";

class RemindersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, dir_.sub("data")).is_ok());
    auto program = Program::open(*fs_, clock_, dir_.sub("data"));
    ASSERT_TRUE(program.is_ok()) << program.status().to_string();
    program_ = std::move(*program);
    // The program dates from two days ago (back-filled): only what the tests do is today's.
    CommandOptions before;
    before.occurred_at = clock_.now() - 2 * kMicrosPerDay;
    must(kAdmin, AddUser{kAdmin, "Ada", "admin"}, before);
    must(kAdmin, AddUser{kOwner, "Olu", "contributor"}, before);
    must(kAdmin, AddUser{kOther, "Oti", "contributor"}, before);
    // Due in 7 days, due tomorrow, overdue from today: three firings today.
    finding(kOwner, in_days(7));
    finding(kOther, in_days(1));
    finding(kOwner, in_days(-1));
    ReminderOptions options;
    options.public_url = "https://gaplog.acme.example";
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    auto r = Reminders::open(dir_.sub("data"), *fs_, clock_, program_->log(), program_->service(),
                             program_->history(), *https_, options);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    reminders_ = std::move(*r);
  }
  void TearDown() override {
    if (reminders_) reminders_->stop();
  }

  static Micros start() {
    return testing::kT0 + 100 * kMicrosPerDay + 9 * 3600 * kMicrosPerSecond;  // 09:00 UTC
  }
  Date today() { return date_of(clock_.now()); }
  std::string in_days(int n) { return format_date(Date{today().days + n}); }
  CommandOutcome must(const std::string& actor, const Command& c, CommandOptions o = {}) {
    auto r = program_->service().execute(actor, c, o);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? *r : CommandOutcome{};
  }
  void finding(const std::string& owner, const std::string& due) {
    CommandOptions before;
    before.occurred_at = clock_.now() - 2 * kMicrosPerDay;
    must(kAdmin, RecordFinding{"Gap", "", "high", {"CC6.1"}, "", "", owner, due}, before);
  }
  std::string add_webhook(const std::string& url) {
    const std::string id = "wh_" + std::string(16, 'a');
    EXPECT_TRUE(reminders_->secrets().put(id, "whsec_" + std::string(44, 'A')).is_ok());
    must(kAdmin, AddWebhook{id,
                            url,
                            {"assigned", "due_soon", "overdue", "acceptance_expiring",
                             "acceptance_expired", "evidence_expiring", "weekly_digest"}});
    return id;
  }
  std::vector<SentNotification> sent() {
    auto s = program_->service().read([](const ProgramState& st) { return st.notifications; });
    return s.is_ok() ? *s : std::vector<SentNotification>{};
  }
  size_t log_lines() {
    std::lock_guard lock(log_mu_);
    return log_.size();
  }
  // Waits (generously) until pred() holds.
  template <typename Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 3000 && !pred(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{start()};
  std::unique_ptr<HttpsClient> https_ = make_https_client();
  std::unique_ptr<Program> program_;
  std::unique_ptr<Reminders> reminders_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

// A receiver that accepts (200) or refuses (500) as the test says.
struct Receiver {
  std::atomic<int> status{200};
  LoopbackHttpServer server{[this](const ServedRequest&) {
    ServedReply reply;
    reply.status = status.load();
    return reply;
  }};
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const ServedRequest& r : server.requests()) out.push_back(r.header("webhook-id"));
    return out;
  }
};

TEST_F(RemindersTest, WithNoChannelAPassRecordsNothingAndSaysSoOnce) {
  auto first = reminders_->run_pass(today(), false);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_FALSE(first->channels);
  EXPECT_TRUE(first->notifications.empty());
  ASSERT_TRUE(reminders_->run_pass(today(), false).is_ok());
  EXPECT_TRUE(sent().empty());
  ASSERT_EQ(log_lines(), 1u);
  EXPECT_NE(log_[0].find("reminders are off"), std::string::npos) << log_[0];
  // A dry run still lists what the rules select, as if e-mail were configured.
  auto dry = reminders_->run_pass(today(), true);
  ASSERT_TRUE(dry.is_ok());
  EXPECT_EQ(dry->notifications.size(), 3u);
}

TEST_F(RemindersTest, OnlyTodaysPassSends) {
  EXPECT_EQ(reminders_->run_pass(Date{today().days - 1}, false).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(reminders_->run_pass(Date{today().days + 1}, false).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(reminders_->run_pass(Date{today().days - 1}, true).is_ok());
}

TEST_F(RemindersTest, APassDeliversEachFiringOnceAndRecordsItOnce) {
  Receiver receiver;
  const std::string id = add_webhook(receiver.server.url("/hook"));
  auto r = reminders_->run_pass(today(), false);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->queued, 3u);
  EXPECT_EQ(receiver.server.count("/hook"), 3);
  const auto recorded = sent();
  ASSERT_EQ(recorded.size(), 3u);
  const std::vector<std::string> delivered = receiver.ids();
  const std::set<std::string> ids(delivered.begin(), delivered.end());
  for (const SentNotification& n : recorded) {
    EXPECT_EQ(n.recipient, "webhook:" + id);
    EXPECT_TRUE(ids.contains(n.message_id)) << n.message_id;
  }
  // Again: nothing new goes out, nothing new is recorded.
  ASSERT_TRUE(reminders_->run_pass(today(), false).is_ok());
  EXPECT_EQ(receiver.server.count("/hook"), 3);
  EXPECT_EQ(sent().size(), 3u);
}

TEST_F(RemindersTest, ARefusingReceiverIsRetriedAndNothingIsRecordedUntilItAccepts) {
  Receiver receiver;
  receiver.status = 500;
  add_webhook(receiver.server.url("/hook"));
  ASSERT_TRUE(reminders_->run_pass(today(), false).is_ok());
  EXPECT_EQ(receiver.server.count("/hook"), 3);
  EXPECT_TRUE(sent().empty());
  const auto pending = reminders_->outbox().recent(10, "", DeliveryState::kPending);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_NE(pending[0].last_error.find("500"), std::string::npos) << pending[0].last_error;
  receiver.status = 200;
  clock_.advance(2 * 60 * kMicrosPerSecond);
  ASSERT_TRUE(reminders_->run_pass(today(), false).is_ok());  // delivers what is due
  EXPECT_EQ(receiver.server.count("/hook"), 6);
  const auto ids = receiver.ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3u)
      << "a retry carries the same webhook-id";
  EXPECT_EQ(sent().size(), 3u);
}

TEST_F(RemindersTest, AnAssignmentGoesOutAtOnceAndABackFilledOneDoesNot) {
  Receiver receiver;
  add_webhook(receiver.server.url("/hook"));
  reminders_->start();
  ASSERT_TRUE(eventually([&] { return sent().size() == 3; })) << "today's pass at start";
  must(kAdmin, AssignFinding{"F-1", kOther});
  ASSERT_TRUE(eventually([&] { return sent().size() == 4; }));
  EXPECT_EQ(sent().back().kind, "assigned");
  EXPECT_EQ(sent().back().subject, "F-1");
  CommandOptions backfill;
  backfill.occurred_at = clock_.now() - kMicrosPerDay;
  must(kAdmin, RecordFinding{"Old gap", "", "low", {"CC6.1"}, "", "", kOwner, ""}, backfill);
  must(kAdmin, AssignFinding{"F-2", kOwner});  // a live one after it: the back-fill was skipped
  ASSERT_TRUE(eventually([&] { return sent().size() == 5; }));
  std::set<std::string> assigned;
  for (const SentNotification& n : sent()) {
    if (n.kind == "assigned") assigned.insert(n.subject);
  }
  EXPECT_EQ(assigned, (std::set<std::string>{"F-1", "F-2"}));
}

// An assignment committed just before midnight, found after it (the server was down, or busy):
// it is live (recorded the day it occurred), so it still goes out, the next day.
TEST_F(RemindersTest, AnAssignmentJustBeforeMidnightStillGoesOutAfterIt) {
  Receiver receiver;
  add_webhook(receiver.server.url("/hook"));
  clock_.set(static_cast<Micros>(today().days + 1) * kMicrosPerDay - 60 * kMicrosPerSecond);
  must(kAdmin, AssignFinding{"F-1", kOther});  // 23:59, nobody running
  clock_.advance(2 * 60 * kMicrosPerSecond);   // 00:01
  reminders_->start();
  ASSERT_TRUE(eventually([&] {
    for (const SentNotification& n : sent()) {
      if (n.kind == "assigned" && n.subject == "F-1") return true;
    }
    return false;
  }));
}

TEST_F(RemindersTest, PassesAndAssignmentsAtOnceDeliverEachFiringOnce) {
  Receiver receiver;
  add_webhook(receiver.server.url("/hook"));
  reminders_->start();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(reminders_->run_pass(today(), false).is_ok());
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 6; ++i)
      must(kAdmin, AssignFinding{"F-" + std::to_string(1 + i % 3), i % 2 ? kOwner : kOther});
  });
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(eventually([&] {
    return reminders_->outbox().recent(100, "", DeliveryState::kPending).empty() && !sent().empty();
  }));
  std::map<std::string, int> per_firing;
  for (const SentNotification& n : sent()) {
    ++per_firing[notification_key(n.kind, n.subject, n.recipient, n.day)];
  }
  for (const auto& [key, n] : per_firing) EXPECT_EQ(n, 1) << key;
  const auto ids = receiver.ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
      << "with the loop running, only its thread delivers: no firing went out twice";
  EXPECT_EQ(ids.size(), sent().size());
}

}  // namespace
}  // namespace gaplog
