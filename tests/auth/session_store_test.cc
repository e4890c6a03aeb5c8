// Sessions of SPEC §10: hashed storage, idle and absolute expiry on the clock seam, sign-out,
// deactivation, and surviving a restart (the database reopened).
#include "auth/session_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../store/store_test_support.h"
#include "auth/pending_logins.h"

namespace gaplog {
namespace {

using testing::TempDir;

constexpr Micros kHour = 3600 * kMicrosPerSecond;
constexpr Micros kT0 = 1'780'000'000LL * kMicrosPerSecond;

class Sessions : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    store_.reset();
    auto s = SessionStore::open(dir_.path() + "/sessions", clock_, policy_);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(s).value();
  }
  TempDir dir_;
  ManualClock clock_{kT0};
  SessionPolicy policy_{8 * kHour, 7 * 24 * kHour};
  std::unique_ptr<SessionStore> store_;

  // Every record of the database, read after closing the store: key, value.
  std::vector<std::pair<std::string, std::string>> records_on_disk() {
    store_.reset();
    rocksdb::DB* raw = nullptr;
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(
        rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.path() + "/sessions", &raw).ok());
    if (raw == nullptr) return out;
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.emplace_back(it->key().ToString(), it->value().ToString());
    return out;
  }
};

TEST_F(Sessions, ACookieIs256RandomBitsAndFindsItsSession) {
  auto a = store_->create("ann@example.com", "sub-a");
  auto b = store_->create("ann@example.com", "sub-a");
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
  std::optional<Session> s = store_->find(*a);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->email, "ann@example.com");
  EXPECT_EQ(s->subject, "sub-a");
  EXPECT_EQ(s->csrf_token.size(), 64u);
  EXPECT_NE(s->csrf_token, *a);
  EXPECT_FALSE(store_->find(std::string(64, '0')).has_value());
  EXPECT_FALSE(store_->find("").has_value());
}

TEST_F(Sessions, TheDatabaseHoldsOnlyTheCookiesHash) {
  auto cookie = store_->create("ann@example.com", "sub-a");
  ASSERT_TRUE(cookie.is_ok());
  const auto records = records_on_disk();
  for (const auto& [key, value] : records) {
    EXPECT_EQ(key.find(*cookie), std::string::npos);
    EXPECT_EQ(value.find(*cookie), std::string::npos);
  }
  EXPECT_EQ(records.size(), 1u);
}

TEST_F(Sessions, EndsAfterTheIdleTimeoutWithoutARequest) {
  auto cookie = store_->create("ann@example.com", "sub-a");
  ASSERT_TRUE(cookie.is_ok());
  clock_.advance(8 * kHour - kMicrosPerSecond);
  ASSERT_TRUE(store_->find(*cookie).has_value());  // a request restarts the idle clock
  clock_.advance(8 * kHour - kMicrosPerSecond);
  ASSERT_TRUE(store_->find(*cookie).has_value());
  clock_.advance(8 * kHour);
  EXPECT_FALSE(store_->find(*cookie).has_value());
  clock_.set(kT0);  // gone for good, not merely expired by the clock
  EXPECT_FALSE(store_->find(*cookie).has_value());
}

TEST_F(Sessions, EndsAtTheAbsoluteLimitHoweverBusy) {
  auto cookie = store_->create("ann@example.com", "sub-a");
  ASSERT_TRUE(cookie.is_ok());
  for (Micros t = 0; t < 7 * 24 * kHour - kHour; t += kHour) {
    clock_.set(kT0 + t);
    ASSERT_TRUE(store_->find(*cookie).has_value()) << t / kHour << " h";
  }
  std::optional<Session> s = store_->find(*cookie);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(store_->expires_at(*s), kT0 + 7 * 24 * kHour);
  clock_.set(kT0 + 7 * 24 * kHour);
  EXPECT_FALSE(store_->find(*cookie).has_value());
}

TEST_F(Sessions, SignOutAndDeactivationEndSessions) {
  auto a = store_->create("ann@example.com", "sub-a");
  auto a2 = store_->create("ann@example.com", "sub-a");
  auto b = store_->create("bob@example.com", "sub-b");
  ASSERT_TRUE(a.is_ok() && a2.is_ok() && b.is_ok());
  ASSERT_TRUE(store_->remove(*a).is_ok());
  EXPECT_FALSE(store_->find(*a).has_value());
  EXPECT_TRUE(store_->find(*a2).has_value());
  EXPECT_EQ(store_->remove_user("ann@example.com"), 1u);
  EXPECT_FALSE(store_->find(*a2).has_value());
  EXPECT_TRUE(store_->find(*b).has_value());
  EXPECT_TRUE(store_->remove(*a).is_ok());  // twice: nothing to do, no error
}

TEST_F(Sessions, ASignInSweepsExpiredSessionsAndKeepsAtMostTwentyPerUser) {
  std::vector<std::string> cookies;
  for (int i = 0; i < 25; ++i) {
    auto c = store_->create("ann@example.com", "sub-a");
    ASSERT_TRUE(c.is_ok());
    cookies.push_back(*c);
    clock_.advance(kMicrosPerSecond);
  }
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(store_->find(cookies[i]).has_value(), i >= 25 - 20) << "session " << i;
  auto bob = store_->create("bob@example.com", "sub-b");
  ASSERT_TRUE(bob.is_ok());
  clock_.advance(7 * 24 * kHour);  // every session so far is past the absolute limit
  ASSERT_TRUE(store_->create("cy@example.com", "sub-c").is_ok());
  EXPECT_EQ(records_on_disk().size(), 1u) << "the expired sessions are gone from the disk too";
}

TEST_F(Sessions, SurviveARestartAndSignOutStaysSignedOut) {
  auto kept = store_->create("ann@example.com", "sub-a");
  auto ended = store_->create("bob@example.com", "sub-b");
  ASSERT_TRUE(kept.is_ok() && ended.is_ok());
  const std::string csrf = store_->find(*kept)->csrf_token;
  ASSERT_TRUE(store_->remove(*ended).is_ok());
  open();
  std::optional<Session> s = store_->find(*kept);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->csrf_token, csrf);
  EXPECT_EQ(s->created_at, kT0);
  EXPECT_FALSE(store_->find(*ended).has_value());
}

TEST_F(Sessions, AnIdleClockPersistedLateStillExpiresAfterARestart) {
  auto cookie = store_->create("ann@example.com", "sub-a");
  ASSERT_TRUE(cookie.is_ok());
  clock_.advance(2 * kHour);
  ASSERT_TRUE(store_->find(*cookie).has_value());  // persisted: moved more than a minute
  open();
  clock_.advance(8 * kHour - kMicrosPerSecond);
  EXPECT_TRUE(store_->find(*cookie).has_value());
  open();
  clock_.advance(8 * kHour + kMicrosPerSecond);
  EXPECT_FALSE(store_->find(*cookie).has_value());
}

TEST_F(Sessions, TokensLastUseIsKeptAcrossARestart) {
  EXPECT_FALSE(store_->token_last_used("tok_1").has_value());
  store_->token_used("tok_1");
  EXPECT_EQ(store_->token_last_used("tok_1"), kT0);
  clock_.advance(30 * kMicrosPerSecond);
  store_->token_used("tok_1");  // in memory at once, written at most once a minute
  EXPECT_EQ(store_->token_last_used("tok_1"), kT0 + 30 * kMicrosPerSecond);
  open();
  EXPECT_EQ(store_->token_last_used("tok_1"), kT0);
}

// Many browsers at once: every thread signs in, makes requests, signs out, while others do the
// same and tokens are used (run under ThreadSanitizer by scripts/test). Each sees its own session
// until it signs out, and none after.
TEST_F(Sessions, ManyBrowsersAtOnceEachSeeTheirOwnSession) {
  constexpr int kThreads = 8, kRounds = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string email = "user" + std::to_string(t) + "@example.com";
      for (int i = 0; i < kRounds; ++i) {
        auto cookie = store_->create(email, "sub");
        if (!cookie.is_ok()) {
          ++failures;
          continue;
        }
        for (int r = 0; r < 5; ++r) {
          std::optional<Session> s = store_->find(*cookie);
          if (!s || s->email != email) ++failures;
          store_->token_used("tok_" + std::to_string(t % 3));
          clock_.advance(kMicrosPerSecond);
        }
        if (!store_->remove(*cookie).is_ok() || store_->find(*cookie).has_value()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  open();  // every sign-out stayed one
  for (int t = 0; t < 3; ++t) EXPECT_TRUE(store_->token_last_used("tok_" + std::to_string(t)));
}

// Committed means durable: a sign-in and a sign-out answered by a process killed with SIGKILL
// right after are both there when the database is opened again.
TEST_F(Sessions, AnAnsweredSignInAndSignOutSurviveKill9) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot start threads in a child forked from a multi-threaded "
                  "process (RocksDB's); the plain and ASan runs of this test cover it";
#endif
  store_.reset();  // the child owns the database until it dies
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    auto s = SessionStore::open(dir_.path() + "/sessions", clock_, policy_);
    if (!s.is_ok()) std::_Exit(2);
    auto kept = (*s)->create("ann@example.com", "sub-a");
    auto ended = (*s)->create("bob@example.com", "sub-b");
    if (!kept.is_ok() || !ended.is_ok() || !(*s)->remove(*ended).is_ok()) std::_Exit(3);
    const std::string line = *kept + " " + *ended + "\n";
    if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      std::_Exit(4);
    for (;;) ::pause();  // answered; now wait to be killed
  }
  ::close(fds[1]);
  std::string line;
  char buf[256];
  for (ssize_t n;
       line.find('\n') == std::string::npos && (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    line.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed before it answered: " << status;
  const size_t space = line.find(' ');
  ASSERT_NE(space, std::string::npos) << line;
  const std::string kept = line.substr(0, space);
  const std::string ended = line.substr(space + 1, line.size() - space - 2);
  open();
  EXPECT_TRUE(store_->find(kept).has_value());
  EXPECT_FALSE(store_->find(ended).has_value());
}

TEST(SessionCookie, IsFoundAmongOtherCookies) {
  EXPECT_EQ(session_cookie("gaplog_session=abc"), "abc");
  EXPECT_EQ(session_cookie("theme=dark; gaplog_session=abc; x=1"), "abc");
  EXPECT_EQ(session_cookie("theme=dark;gaplog_session=abc"), "abc");
  EXPECT_FALSE(session_cookie("xgaplog_session=abc").has_value());
  EXPECT_FALSE(session_cookie("theme=dark").has_value());
  EXPECT_FALSE(session_cookie("").has_value());
}

TEST(PendingSignIns, AStateIsTakenOnceAndOnlyWhileFresh) {
  ManualClock clock(kT0);
  PendingLogins pending(clock, 3, 10 * 60 * kMicrosPerSecond);
  pending.add("s1", PendingLogin{"n1", "v1", "b1", "/findings", 0});
  pending.add("s2", PendingLogin{"n2", "v2", "b2", "/", 0});
  std::optional<PendingLogin> got = pending.take("s1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->nonce, "n1");
  EXPECT_EQ(got->code_verifier, "v1");
  EXPECT_EQ(got->return_to, "/findings");
  EXPECT_FALSE(pending.take("s1").has_value()) << "a replayed state must find nothing";
  EXPECT_FALSE(pending.take("nope").has_value());
  clock.advance(10 * 60 * kMicrosPerSecond);
  EXPECT_FALSE(pending.take("s2").has_value()) << "a sign-in older than ten minutes";
}

TEST(PendingSignIns, AFloodDropsTheOldestFirst) {
  ManualClock clock(kT0);
  PendingLogins pending(clock, 3);
  for (int i = 0; i < 5; ++i) {
    pending.add("s" + std::to_string(i), PendingLogin{"n", "v", "b", "/", 0});
    clock.advance(kMicrosPerSecond);
  }
  EXPECT_EQ(pending.size(), 3u);
  EXPECT_FALSE(pending.take("s0").has_value());
  EXPECT_FALSE(pending.take("s1").has_value());
  EXPECT_TRUE(pending.take("s4").has_value());
}

}  // namespace
}  // namespace gaplog
