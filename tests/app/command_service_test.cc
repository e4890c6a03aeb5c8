#include "app/command_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "../store/store_test_support.h"

namespace gaplog {
namespace {

using testing::kT0;

// A comment written to the log directly, as another component would.
AppendRequest one_comment(const std::string& stream, const std::string& id) {
  AppendRequest r;
  r.events.push_back(NewEvent{stream, {}, std::nullopt, "ed@example.com", CommentAdded{id, "x"}});
  return r;
}

class CommandServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventLog::open(EventLogOptions{dir_.sub("events"), fs_.get(), &clock_, true});
    ASSERT_TRUE(log.is_ok());
    log_ = std::move(log).value();
    auto svc = CommandService::open(*log_, clock_);
    ASSERT_TRUE(svc.is_ok());
    svc_ = std::move(svc).value();
    must(kAdmin, AddUser{kAdmin, "Ada", "admin"});
    must(kAdmin, AddUser{kEditor, "Eve", "editor"});
    must(kAdmin, AddUser{kOwner, "Oli", "contributor"});
  }

  CommandOutcome must(const std::string& actor, const Command& cmd, const CommandOptions& o = {}) {
    auto r = svc_->execute(actor, cmd, o);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : CommandOutcome{};
  }
  RecordFinding finding() {
    return RecordFinding{"No MFA", "", "high", {"CC6.1"}, "", "", kOwner, ""};
  }

  // Holds the log's commit thread in the callback of an append of its own (to "misc") until
  // `released` is ready, so that what is queued meanwhile stays queued; the service has folded
  // that append when this returns.
  void hold_commit_thread(std::shared_future<void> released) {
    auto in_callback = std::make_shared<std::promise<void>>();
    auto entered = in_callback->get_future();
    log_->append_async(one_comment("misc", "misc"), [in_callback, released](Result<AppendResult>) {
      in_callback->set_value();
      released.wait();
    });
    entered.wait();
    ASSERT_TRUE(svc_->read([](const ProgramState&) { return 0; }));  // catch up with "misc"
  }

  const std::string kAdmin = "admin@example.com", kEditor = "ed@example.com",
                    kOwner = "oli@example.com";
  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{kT0};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<CommandService> svc_;
};

TEST_F(CommandServiceTest, IdempotencyKeyReturnsTheFirstResultAndAppendsNothing) {
  CommandOptions o;
  o.idempotency_key = "6f1c0b1e-9a56-4d8e-9e0e-3f7a2f1f0a11";
  CommandOutcome first = must(kEditor, finding(), o);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(first.subject, "finding/F-1");
  const uint64_t size = log_->last_seq();
  clock_.advance(kMicrosPerSecond);
  CommandOutcome again = must(kEditor, finding(), o);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.events[0].seq, first.events[0].seq);
  EXPECT_EQ(again.subject, "finding/F-1");  // not F-2
  EXPECT_EQ(log_->last_seq(), size);
  // The same key from another user is another request.
  CommandOutcome other = must(kAdmin, finding(), o);
  EXPECT_FALSE(other.replayed);
  EXPECT_EQ(other.subject, "finding/F-2");
}

TEST_F(CommandServiceTest, StaleIfMatchIsAConflict) {
  must(kEditor, finding());
  CommandOptions o;
  o.if_match = 1;
  must(kEditor, AssignFinding{"F-1", kEditor}, o);  // version 1 -> 2
  auto stale = svc_->execute(kEditor, AssignFinding{"F-1", kOwner}, o);
  EXPECT_EQ(stale.status().code(), Code::kVersionConflict);
  o.if_match = 2;
  EXPECT_TRUE(svc_->execute(kEditor, AssignFinding{"F-1", kOwner}, o).is_ok());
}

TEST_F(CommandServiceTest, ConcurrentWritersGetDistinctFindingIds) {
  constexpr int kThreads = 6, kEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto r = svc_->execute(kEditor, finding());
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids = *svc_->read([](const ProgramState& s) {
    std::set<std::string> out;
    for (const auto& [id, f] : s.findings) out.insert(id);
    return out;
  });
  EXPECT_EQ(ids.size(), size_t{kThreads * kEach});
  EXPECT_TRUE(ids.contains("F-60"));
  EXPECT_FALSE(ids.contains("F-61"));
}

TEST_F(CommandServiceTest, BackfillMustKeepEachStreamInOrder) {
  CommandOptions past;
  past.occurred_at = kT0 - 30 * kMicrosPerDay;
  // Unassigned: its owner was added only at kT0, and must be active at the finding's occurred_at.
  RecordFinding unassigned = finding();
  unassigned.owner = "";
  EXPECT_EQ(svc_->execute(kAdmin, finding(), past).status().code(), Code::kRuleViolation);
  must(kAdmin, unassigned, past);
  past.occurred_at = kT0 - 20 * kMicrosPerDay;
  must(kAdmin, AddComment{"F-1", "later"}, past);
  past.occurred_at = kT0 - 25 * kMicrosPerDay;
  auto out_of_order = svc_->execute(kAdmin, AddComment{"F-1", "earlier"}, past);
  EXPECT_EQ(out_of_order.status().code(), Code::kRuleViolation);
  auto by_editor = svc_->execute(kEditor, AddComment{"F-1", "x"}, past);
  EXPECT_EQ(by_editor.status().code(), Code::kPermissionDenied);
  // The recorded_on of a back-filled finding is its business date.
  EXPECT_EQ(*svc_->read([](const ProgramState& s) { return s.finding("F-1")->recorded_on; }),
            date_of(kT0 - 30 * kMicrosPerDay));
}

TEST_F(CommandServiceTest, DeactivatedUserIsRefusedAtOnce) {
  must(kEditor, finding());
  must(kAdmin, DeactivateUser{kOwner, "left"});
  auto r = svc_->execute(kOwner, AddComment{"F-1", "hi"});
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

// execute_async: the answer of one call, and whether it came before the call returned.
struct AsyncAnswer {
  std::promise<std::optional<Result<CommandOutcome>>> promise;
  std::future<std::optional<Result<CommandOutcome>>> future = promise.get_future();
  std::atomic<bool> returned{false};
  std::atomic<bool> answered_before_return{false};
  std::thread::id thread;

  CommandService::AsyncDone done() {
    return [this](std::optional<Result<CommandOutcome>> r) {
      answered_before_return = !returned;
      thread = std::this_thread::get_id();
      promise.set_value(std::move(r));
    };
  }
  std::optional<Result<CommandOutcome>> get() {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    return future.get();
  }
};

void run_async(CommandService& svc, AsyncAnswer& a, const std::string& actor, const Command& cmd,
               const CommandOptions& o = {}) {
  svc.execute_async(actor, cmd, o, a.done());
  a.returned = true;
}

TEST_F(CommandServiceTest, ExecuteAsyncCommitsFoldsAndAnswersOnTheCommitThread) {
  AsyncAnswer a;
  std::optional<bool> folded_when_answered;
  svc_->execute_async(kEditor, finding(), {}, [&](std::optional<Result<CommandOutcome>> r) {
    // The service may be read from the callback: no lock of it is held, and it is caught up.
    folded_when_answered =
        *svc_->read([](const ProgramState& s) { return s.finding("F-1") != nullptr; });
    a.thread = std::this_thread::get_id();
    a.promise.set_value(std::move(r));
  });
  auto r = a.get();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->is_ok()) << r->status().to_string();
  EXPECT_EQ((*r)->subject, "finding/F-1");
  ASSERT_EQ((*r)->events.size(), 1u);
  EXPECT_EQ((*r)->events[0].seq, log_->last_seq());
  EXPECT_EQ(folded_when_answered, std::optional<bool>(true));
  EXPECT_NE(a.thread, std::this_thread::get_id());
  // The next command, async or not, sees it.
  EXPECT_EQ(must(kEditor, finding()).subject, "finding/F-2");
}

TEST_F(CommandServiceTest, ExecuteAsyncAnswersARefusalAtOnceAndWritesNothing) {
  must(kEditor, finding());
  const uint64_t size = log_->last_seq();
  AsyncAnswer unknown;
  run_async(*svc_, unknown, kEditor, AssignFinding{"F-9", kOwner});
  auto r = unknown.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), Code::kNotFound);
  EXPECT_TRUE(unknown.answered_before_return);
  AsyncAnswer stale;
  CommandOptions o;
  o.if_match = 7;
  run_async(*svc_, stale, kEditor, AssignFinding{"F-1", kEditor}, o);
  r = stale.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), Code::kVersionConflict);
  EXPECT_EQ(log_->last_seq(), size);
}

TEST_F(CommandServiceTest, ExecuteAsyncLeavesIdempotentAndStaleCommandsToExecute) {
  const uint64_t size = log_->last_seq();
  AsyncAnswer keyed;
  CommandOptions o;
  o.idempotency_key = "k-1";
  run_async(*svc_, keyed, kEditor, finding(), o);
  EXPECT_FALSE(keyed.get().has_value());
  EXPECT_TRUE(keyed.answered_before_return);
  // The state is behind the log (another component appended): not decided on a stale state.
  AppendRequest direct;
  direct.events.push_back(NewEvent{"misc", {}, std::nullopt, kEditor, CommentAdded{"misc", "x"}});
  ASSERT_TRUE(log_->append(std::move(direct)).is_ok());
  AsyncAnswer behind;
  run_async(*svc_, behind, kEditor, finding());
  EXPECT_FALSE(behind.get().has_value());
  EXPECT_EQ(log_->last_seq(), size + 1);
}

TEST_F(CommandServiceTest, ExecuteAsyncHandsAConflictWithAConcurrentWriterBackToExecute) {
  must(kEditor, finding());  // F-1 at version 1
  std::promise<void> release;
  hold_commit_thread(release.get_future().share());
  // Another writer moves F-1 on, queued first; then the service decides against version 1.
  log_->append_async(one_comment("finding/F-1", "F-1"), [](Result<AppendResult>) {});
  AsyncAnswer a;
  run_async(*svc_, a, kEditor, AssignFinding{"F-1", kEditor});
  EXPECT_FALSE(a.answered_before_return);
  release.set_value();
  auto r = a.get();
  EXPECT_FALSE(r.has_value()) << "a conflict with a concurrent writer goes back to execute()";
  // Nothing of it was written; execute() decides again and succeeds.
  auto again = svc_->execute(kEditor, AssignFinding{"F-1", kEditor});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->events[0].version, 3u);
  EXPECT_EQ(*svc_->read([&](const ProgramState& s) { return s.finding("F-1")->owner; }), kEditor);
}

TEST_F(CommandServiceTest, ABatchDecidedOnABatchThatFailedIsDecidedAgain) {
  must(kEditor, finding());  // F-1 at version 1
  std::promise<void> release;
  hold_commit_thread(release.get_future().share());
  // Another writer moves F-1 on first: the first batch below, decided on F-1 at version 1,
  // fails; the second, decided on the first, must fail with it, though it is valid alone.
  log_->append_async(one_comment("finding/F-1", "F-1"), [](Result<AppendResult>) {});
  AsyncAnswer first, second;
  run_async(*svc_, first, kEditor, AssignFinding{"F-1", kEditor});
  run_async(*svc_, second, kEditor, finding());
  const uint64_t before = log_->last_seq();
  release.set_value();
  EXPECT_FALSE(first.get().has_value());
  EXPECT_FALSE(second.get().has_value()) << "committed on a prefix that never existed";
  EXPECT_EQ(log_->last_seq(), before + 1) << "only the other writer's event";
  // Decided again on the log as it is, both pass.
  ASSERT_TRUE(svc_->execute(kEditor, AssignFinding{"F-1", kEditor}).is_ok());
  auto f = svc_->execute(kEditor, finding());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(std::get<FindingRecorded>(f->events[0].payload).finding_id, "F-2");
}

TEST_F(CommandServiceTest, ABackFillGetsItsTurnAmongSteadyLiveWriters) {
  // Live writers keep batches in flight; a back-fill needs a moment with none, and live
  // decisions wait behind it meanwhile. It must be decided while they keep writing.
  clock_.advance(kMicrosPerDay);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      while (!stop) {
        AsyncAnswer a;
        run_async(*svc_, a, kEditor, finding());
        auto r = a.get();
        if (!r) r = svc_->execute(kEditor, finding());
        if (r->is_ok()) ++written;
      }
    });
  }
  while (written < 20) std::this_thread::yield();
  CommandOptions past;
  past.occurred_at = clock_.now() - kMicrosPerDay / 24;
  auto backfill = std::async(std::launch::async,
                             [&] { return svc_->execute(kAdmin, NameProgram{"Acme"}, past); });
  const auto decided = backfill.wait_for(std::chrono::seconds(60));
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_EQ(decided, std::future_status::ready)
      << "the back-fill waited behind live writers for a minute";
  auto r = backfill.get();
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
}

TEST_F(CommandServiceTest, AsyncAndBlockingWritersTogetherGetDistinctGapFreeFindingIds) {
  constexpr int kThreads = 4, kEach = 15;
  std::vector<std::thread> threads;
  std::atomic<int> fell_back{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (t % 2 == 0) {
          ASSERT_TRUE(svc_->execute(kEditor, finding()).is_ok());
          continue;
        }
        AsyncAnswer a;
        run_async(*svc_, a, kEditor, finding());
        auto r = a.get();
        if (!r) {
          ++fell_back;
          r = svc_->execute(kEditor, finding());
        }
        ASSERT_TRUE(r->is_ok()) << r->status().to_string();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids = *svc_->read([](const ProgramState& s) {
    std::set<std::string> out;
    for (const auto& [id, f] : s.findings) out.insert(id);
    return out;
  });
  EXPECT_EQ(ids.size(), size_t{kThreads * kEach}) << fell_back.load() << " fell back";
  EXPECT_TRUE(ids.contains("F-60"));
  EXPECT_FALSE(ids.contains("F-61"));
  EXPECT_TRUE(log_->verify()->ok);
}

TEST_F(CommandServiceTest, StateFollowsWritesMadeDirectlyToTheLog) {
  // Another component appending to the log (e.g. an import) is seen by the next command.
  AppendRequest r;
  r.events.push_back(
      NewEvent{"finding/F-1",
               {},
               std::nullopt,
               kEditor,
               FindingRecorded{
                   "F-1", "t", "", Severity::kLow, {"CC1.1"}, "", FindingSource::kOther, "", ""}});
  ASSERT_TRUE(log_->append(std::move(r)).is_ok());
  CommandOutcome next = must(kEditor, finding());
  EXPECT_EQ(next.subject, "finding/F-2");
}

}  // namespace
}  // namespace gaplog

namespace gaplog {
namespace {

TEST_F(CommandServiceTest, TokensAuthenticateUntilRevokedOrDeactivated) {
  auto issued = svc_->issue_token(kAdmin, kOwner);
  ASSERT_TRUE(issued.is_ok()) << issued.status().to_string();
  EXPECT_EQ(issued->token.size(), 7u + 64u);  // gaplog_ + 256 bits in hex
  EXPECT_EQ(svc_->authenticate(issued->token)->email, kOwner);
  // Only the hash is in the log.
  auto events = log_->read_range(1, log_->last_seq());
  for (const Event& e : *events) {
    if (auto* t = std::get_if<TokenIssued>(&e.payload)) {
      EXPECT_EQ(t->token_hash, std::string(hash_bytes(sha256(issued->token))));
      EXPECT_EQ(t->token_hash.find(issued->token), std::string::npos);
    }
  }
  std::string wrong = issued->token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(svc_->authenticate(wrong).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(svc_->authenticate("").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(svc_->issue_token(kEditor, kOwner).status().code(), Code::kPermissionDenied);

  auto second = svc_->issue_token(kAdmin, kOwner);
  must(kAdmin, RevokeToken{issued->token_id});
  EXPECT_EQ(svc_->authenticate(issued->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(svc_->authenticate(second->token)->email, kOwner);
  must(kAdmin, DeactivateUser{kOwner, "left"});
  EXPECT_EQ(svc_->authenticate(second->token).status().code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace gaplog

namespace gaplog {
namespace {

TEST_F(CommandServiceTest, SeededFromAFoldedStateItContinuesLikeAFreshFold) {
  must(kEditor, finding());
  must(kEditor, AddComment{"F-1", "x"});
  ProgramState folded;
  const auto events = log_->read_range(1, log_->last_seq());
  ASSERT_TRUE(events.is_ok());
  for (const Event& e : *events) evolve(folded, e);
  const uint64_t seq = log_->last_seq();
  must(kEditor, finding());  // after the seed's seq: the seeded service must catch up on it
  auto seeded = CommandService::open(*log_, clock_, std::pair(folded, seq));
  ASSERT_TRUE(seeded.is_ok());
  auto r = (*seeded)->execute(kEditor, finding());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->subject, "finding/F-3");
}

}  // namespace
}  // namespace gaplog
