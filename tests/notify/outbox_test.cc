// The outbox of SPEC §11: one delivery per firing, every field back after a restart and after
// kill -9, due() in order, the delivery log, pruning, and damaged records skipped.
#include "notify/outbox.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../support/temp_dir.h"

namespace gaplog {
namespace {

using testing::TempDir;

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kT0 = 1'780'000'000LL * kMicrosPerSecond;

Delivery reminder(const std::string& recipient, const std::string& subject, Micros at,
                  const std::string& day = "2026-05-28") {
  Delivery d;
  d.kind = "finding_due";
  d.subject = subject;
  d.recipient = recipient;
  d.day = day;
  d.message = "Subject: F-" + subject + " is due\r\n\r\n\x01\xff bytes";
  d.enqueued_at = at;
  return d;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  std::string path() const { return dir_.path() + "/data/outbox"; }
  void open() {
    outbox_.reset();
    auto o = Outbox::open(path());
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    outbox_ = std::move(o).value();
  }
  Delivery must_enqueue(const Delivery& d) {
    auto added = outbox_->enqueue(d);
    EXPECT_TRUE(added.is_ok()) << added.status().to_string();
    EXPECT_TRUE(added.is_ok() && *added);
    const std::string key = make_delivery_key(d.kind, d.subject, d.recipient, d.day);
    return outbox_->find(key).value_or(Delivery{});
  }
  TempDir dir_;
  std::unique_ptr<Outbox> outbox_;
};

TEST(DeliveryKey, IsOnePerFiringEvenWithSeparatorsInTheParts) {
  EXPECT_EQ(make_delivery_key("finding_due", "F-1", "ann@example.com", "2026-05-28"),
            "finding_due|F-1|ann@example.com|2026-05-28");
  EXPECT_NE(make_delivery_key("k", "a|b", "c", "d"), make_delivery_key("k", "a", "b|c", "d"));
  EXPECT_NE(make_delivery_key("k", "a%7Cb", "c", "d"), make_delivery_key("k", "a|b", "c", "d"));
  EXPECT_EQ(make_message_id("k|a|b|d"), make_message_id("k|a|b|d"));
  EXPECT_NE(make_message_id("k|a|b|d"), make_message_id("k|a|b|e"));
  EXPECT_EQ(make_message_id("k|a|b|d").size(), 32u);
  EXPECT_EQ(name(DeliveryState::kPending), "pending");
  EXPECT_EQ(name(DeliveryState::kDelivered), "delivered");
  EXPECT_EQ(name(DeliveryState::kFailed), "failed");
}

TEST_F(OutboxTest, TheDirectoryIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(OutboxTest, AFiringIsEnqueuedOnceWhateverItsState) {
  const Delivery first = must_enqueue(reminder("ann@example.com", "1", kT0));
  EXPECT_EQ(first.key, "finding_due|1|ann@example.com|2026-05-28");
  EXPECT_EQ(first.message_id, make_message_id(first.key));
  EXPECT_EQ(first.state, DeliveryState::kPending);
  EXPECT_EQ(first.next_attempt_at, kT0);

  Delivery again = reminder("ann@example.com", "1", kT0 + kSecond);
  again.message = "another text";
  auto added = outbox_->enqueue(again);
  ASSERT_TRUE(added.is_ok());
  EXPECT_FALSE(*added);
  EXPECT_EQ(outbox_->find(first.key), first) << "nothing changes";

  Delivery done = first;
  done.state = DeliveryState::kFailed;
  done.finished_at = kT0 + kSecond;
  ASSERT_TRUE(outbox_->update(done).is_ok());
  added = outbox_->enqueue(again);
  ASSERT_TRUE(added.is_ok());
  EXPECT_FALSE(*added) << "a failed firing does not fire again";
  EXPECT_EQ(outbox_->find(first.key), done);
  EXPECT_EQ(outbox_->size(), 1u);
}

TEST_F(OutboxTest, AWrongKeyOrMissingFieldIsRefused) {
  Delivery d = reminder("ann@example.com", "1", kT0);
  d.key = "something|else";
  EXPECT_EQ(outbox_->enqueue(d).status().code(), Code::kInvalidArgument);
  d = reminder("", "1", kT0);
  EXPECT_EQ(outbox_->enqueue(d).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(outbox_->size(), 0u);
}

TEST_F(OutboxTest, UpdateNeedsTheDeliveryAndKeepsItsMessageId) {
  Delivery d = reminder("ann@example.com", "1", kT0);
  d.key = make_delivery_key(d.kind, d.subject, d.recipient, d.day);
  EXPECT_EQ(outbox_->update(d).code(), Code::kNotFound);
  Delivery stored = must_enqueue(d);
  stored.message_id = "forged";
  EXPECT_EQ(outbox_->update(stored).code(), Code::kInvalidArgument);
}

TEST_F(OutboxTest, EveryFieldSurvivesAReopen) {
  Delivery d = must_enqueue(reminder("webhook:wh-1", "", kT0, "2026-05-29"));
  Delivery other = must_enqueue(reminder("bob@example.com", "2", kT0));
  d.first_attempt_at = kT0 + 1;
  d.next_attempt_at = kT0 + 2;
  d.sent_at = kT0 + 3;
  d.finished_at = kT0 + 4;
  d.last_attempt_at = kT0 + 5;
  d.attempts = 7;
  d.last_error = "unavailable: HTTP 503";
  d.state = DeliveryState::kDelivered;
  ASSERT_TRUE(outbox_->update(d).is_ok());
  open();
  EXPECT_EQ(outbox_->find(d.key), d);
  EXPECT_EQ(outbox_->find(other.key), other);
  EXPECT_EQ(outbox_->size(), 2u);
  EXPECT_TRUE(outbox_->damaged_keys().empty());
}

TEST_F(OutboxTest, DueIsEarliestFirstUpToNowAndMax) {
  const Delivery late = must_enqueue(reminder("a@example.com", "1", kT0 + 30 * kSecond));
  const Delivery early = must_enqueue(reminder("b@example.com", "2", kT0));
  const Delivery middle = must_enqueue(reminder("c@example.com", "3", kT0 + 10 * kSecond));
  Delivery sent = must_enqueue(reminder("d@example.com", "4", kT0));
  sent.state = DeliveryState::kDelivered;
  ASSERT_TRUE(outbox_->update(sent).is_ok());

  auto keys = [](const std::vector<Delivery>& ds) {
    std::vector<std::string> out;
    out.reserve(ds.size());
    for (const Delivery& d : ds) out.push_back(d.key);
    return out;
  };
  EXPECT_TRUE(outbox_->due(kT0 - 1, 10).empty());
  EXPECT_EQ(keys(outbox_->due(kT0 + 10 * kSecond, 10)),
            (std::vector<std::string>{early.key, middle.key}));
  EXPECT_EQ(keys(outbox_->due(kT0 + 60 * kSecond, 10)),
            (std::vector<std::string>{early.key, middle.key, late.key}));
  EXPECT_EQ(keys(outbox_->due(kT0 + 60 * kSecond, 1)), (std::vector<std::string>{early.key}));
  EXPECT_EQ(outbox_->next_wake(), kT0);

  Delivery retry = early;
  retry.next_attempt_at = kT0 + 20 * kSecond;
  ASSERT_TRUE(outbox_->update(retry).is_ok());
  EXPECT_EQ(keys(outbox_->due(kT0 + 60 * kSecond, 10)),
            (std::vector<std::string>{middle.key, early.key, late.key}));
  EXPECT_EQ(outbox_->next_wake(), kT0 + 10 * kSecond);
}

TEST_F(OutboxTest, NextWakeIsEmptyWithNothingPending) {
  EXPECT_FALSE(outbox_->next_wake().has_value());
  Delivery d = must_enqueue(reminder("a@example.com", "1", kT0));
  d.state = DeliveryState::kFailed;
  ASSERT_TRUE(outbox_->update(d).is_ok());
  EXPECT_FALSE(outbox_->next_wake().has_value());
}

TEST_F(OutboxTest, RecentIsNewestFirstByRecipientAndState) {
  Delivery a = must_enqueue(reminder("ann@example.com", "1", kT0));
  const Delivery b = must_enqueue(reminder("webhook:wh-1", "2", kT0 + kSecond));
  Delivery c = must_enqueue(reminder("webhook:wh-2", "3", kT0 + 2 * kSecond));
  a.last_attempt_at = kT0 + 5 * kSecond;
  a.finished_at = kT0 + 5 * kSecond;
  a.state = DeliveryState::kDelivered;
  ASSERT_TRUE(outbox_->update(a).is_ok());

  std::vector<Delivery> all = outbox_->recent(10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].key, a.key);
  EXPECT_EQ(all[1].key, c.key);
  EXPECT_EQ(all[2].key, b.key);
  EXPECT_EQ(outbox_->recent(1).size(), 1u);

  std::vector<Delivery> hooks = outbox_->recent(10, "webhook:");
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].key, c.key);
  std::vector<Delivery> delivered = outbox_->recent(10, "", DeliveryState::kDelivered);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].key, a.key);
  EXPECT_TRUE(outbox_->recent(10, "webhook:", DeliveryState::kFailed).empty());
}

TEST_F(OutboxTest, LastForIsTheLatestAttemptToThatRecipient) {
  EXPECT_FALSE(outbox_->last_for("webhook:wh-1").has_value());
  Delivery first = must_enqueue(reminder("webhook:wh-1", "1", kT0));
  Delivery second = must_enqueue(reminder("webhook:wh-1", "2", kT0));
  must_enqueue(reminder("webhook:wh-10", "3", kT0 + 9 * kSecond));
  EXPECT_FALSE(outbox_->last_for("webhook:wh-1").has_value()) << "none attempted yet";
  first.last_attempt_at = kT0 + 2 * kSecond;
  first.last_error = "unavailable: HTTP 503";
  second.last_attempt_at = kT0 + kSecond;
  ASSERT_TRUE(outbox_->update(first).is_ok());
  ASSERT_TRUE(outbox_->update(second).is_ok());
  std::optional<Delivery> last = outbox_->last_for("webhook:wh-1");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->key, first.key);
  EXPECT_EQ(last->last_error, "unavailable: HTTP 503");
}

TEST_F(OutboxTest, PruneForgetsOnlyFinishedDeliveriesBeforeTheCut) {
  Delivery old_sent = must_enqueue(reminder("a@example.com", "1", kT0));
  Delivery old_failed = must_enqueue(reminder("b@example.com", "2", kT0));
  Delivery new_sent = must_enqueue(reminder("c@example.com", "3", kT0));
  const Delivery pending = must_enqueue(reminder("d@example.com", "4", kT0));
  old_sent.state = DeliveryState::kDelivered;
  old_sent.finished_at = kT0 + kSecond;
  old_failed.state = DeliveryState::kFailed;
  old_failed.finished_at = kT0 + kSecond;
  new_sent.state = DeliveryState::kDelivered;
  new_sent.finished_at = kT0 + 10 * kSecond;
  for (const Delivery* d : {&old_sent, &old_failed, &new_sent})
    ASSERT_TRUE(outbox_->update(*d).is_ok());

  ASSERT_TRUE(outbox_->prune(kT0 + 10 * kSecond).is_ok());
  EXPECT_FALSE(outbox_->find(old_sent.key).has_value());
  EXPECT_FALSE(outbox_->find(old_failed.key).has_value());
  EXPECT_TRUE(outbox_->find(new_sent.key).has_value());
  EXPECT_TRUE(outbox_->find(pending.key).has_value());
  EXPECT_EQ(outbox_->update(old_sent).code(), Code::kNotFound) << "no late write brings it back";
  open();
  EXPECT_EQ(outbox_->size(), 2u) << "pruned on disk too";
}

TEST_F(OutboxTest, ADamagedRecordIsSkippedAndReported) {
  const Delivery good = must_enqueue(reminder("a@example.com", "1", kT0));
  const Delivery cut = must_enqueue(reminder("b@example.com", "2", kT0));
  outbox_.reset();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "d/" + cut.key, &value).ok());
    value.resize(value.size() / 2);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "d/" + cut.key, value).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "d/garbage", "\x07 not a delivery").ok());
    std::string good_value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "d/" + good.key, &good_value).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "d/k|s|r|d", good_value).ok()) << "wrong key";
  }
  open();
  EXPECT_EQ(outbox_->find(good.key), good);
  EXPECT_FALSE(outbox_->find(cut.key).has_value());
  EXPECT_EQ(outbox_->size(), 1u);
  std::vector<std::string> damaged = outbox_->damaged_keys();
  std::sort(damaged.begin(), damaged.end());
  EXPECT_EQ(damaged, (std::vector<std::string>{cut.key, "garbage", "k|s|r|d"}));
  auto again = outbox_->enqueue(reminder("b@example.com", "2", kT0 + kSecond));
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(*again) << "a new firing writes over the damaged record";
}

TEST_F(OutboxTest, AnAnsweredEnqueueAndUpdateSurviveKill9) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot start threads in a child forked from a multi-threaded "
                  "process (RocksDB's); the plain and ASan runs of this test cover it";
#endif
  outbox_.reset();  // the child owns the database until it dies
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    auto o = Outbox::open(path());
    if (!o.is_ok()) std::_Exit(2);
    auto added = (*o)->enqueue(reminder("ann@example.com", "1", kT0));
    auto sent = (*o)->enqueue(reminder("bob@example.com", "2", kT0));
    if (!added.is_ok() || !*added || !sent.is_ok() || !*sent) std::_Exit(3);
    std::optional<Delivery> d =
        (*o)->find(make_delivery_key("finding_due", "2", "bob@example.com", "2026-05-28"));
    if (!d) std::_Exit(4);
    d->sent_at = kT0 + kSecond;
    d->attempts = 1;
    if (!(*o)->update(*d).is_ok()) std::_Exit(5);
    const std::string line = "answered\n";
    if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      std::_Exit(6);
    for (;;) ::pause();  // answered; now wait to be killed
  }
  ::close(fds[1]);
  std::string line;
  char buf[64];
  for (ssize_t n;
       line.find('\n') == std::string::npos && (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    line.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed before it answered: " << status;
  ASSERT_EQ(line, "answered\n");
  open();
  std::optional<Delivery> ann =
      outbox_->find(make_delivery_key("finding_due", "1", "ann@example.com", "2026-05-28"));
  std::optional<Delivery> bob =
      outbox_->find(make_delivery_key("finding_due", "2", "bob@example.com", "2026-05-28"));
  ASSERT_TRUE(ann.has_value());
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(ann->sent_at, 0);
  EXPECT_EQ(bob->sent_at, kT0 + kSecond);
  EXPECT_EQ(bob->attempts, 1u);
  EXPECT_EQ(bob->message_id, make_message_id(bob->key));
}

}  // namespace
}  // namespace gaplog
