#include "server/command_service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "../store/store_test_support.h"

namespace gaplog {
namespace {

using testing::kT0;

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
  RecordFinding finding() { return RecordFinding{"No MFA", "", "high", {"CC6.1"}, "", "", kOwner, ""}; }

  const std::string kAdmin = "admin@example.com", kEditor = "ed@example.com", kOwner = "oli@example.com";
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
  std::set<std::string> ids = svc_->read([](const ProgramState& s) {
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
  must(kAdmin, finding(), past);
  past.occurred_at = kT0 - 20 * kMicrosPerDay;
  must(kAdmin, AddComment{"F-1", "later"}, past);
  past.occurred_at = kT0 - 25 * kMicrosPerDay;
  auto out_of_order = svc_->execute(kAdmin, AddComment{"F-1", "earlier"}, past);
  EXPECT_EQ(out_of_order.status().code(), Code::kRuleViolation);
  auto by_editor = svc_->execute(kEditor, AddComment{"F-1", "x"}, past);
  EXPECT_EQ(by_editor.status().code(), Code::kPermissionDenied);
  // The recorded_on of a back-filled finding is its business date.
  EXPECT_EQ(svc_->read([](const ProgramState& s) { return s.finding("F-1")->recorded_on; }),
            date_of(kT0 - 30 * kMicrosPerDay));
}

TEST_F(CommandServiceTest, DeactivatedUserIsRefusedAtOnce) {
  must(kEditor, finding());
  must(kAdmin, DeactivateUser{kOwner, "left"});
  auto r = svc_->execute(kOwner, AddComment{"F-1", "hi"});
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_F(CommandServiceTest, StateFollowsWritesMadeDirectlyToTheLog) {
  // Another component appending to the log (e.g. an import) is seen by the next command.
  AppendRequest r;
  r.events.push_back(NewEvent{"finding/F-1", {}, std::nullopt, kEditor,
                              FindingRecorded{"F-1", "t", "", Severity::kLow, {"CC1.1"}, "", FindingSource::kOther, "", ""}});
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
