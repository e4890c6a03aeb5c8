// SPEC §11 in the domain: who may record a reminder, set reminder settings and manage webhooks,
// what each refuses, and the run of overdue days that the weekly overdue reminder counts from.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAuditor;
using testing::kContributor;
using testing::kEditor;
using testing::Program;

const std::string kSystem(kSystemActor);
constexpr const char* kHook = "wh_0123456789abcdef";

RecordNotification due_soon_to(const std::string& recipient, const std::string& day) {
  return RecordNotification{"due_soon", recipient, "F-1", day, "due_soon.F-1." + day + "@gaplog"};
}

TEST(ReminderCommands, OnlyGaplogItselfRecordsAReminderAndOnlyThat) {
  Program p;
  p.finding(kContributor);
  for (const std::string& user : {kAdmin, kEditor, kContributor, kAuditor}) {
    SCOPED_TRACE(user);
    EXPECT_EQ(p.run(user, due_soon_to(kContributor, "2026-03-01")).status().code(),
              Code::kPermissionDenied);
  }
  EXPECT_TRUE(p.run(kSystem, due_soon_to(kContributor, "2026-03-01")).is_ok());
  EXPECT_EQ(p.run(kSystem, AddComment{"F-1", "hello"}).status().code(), Code::kPermissionDenied);
  ASSERT_EQ(p.state.notifications.size(), 1u);
  EXPECT_EQ(p.state.notifications[0].recipient, kContributor);
  EXPECT_EQ(p.state.notifications_by_subject.at("F-1").size(), 1u);
}

TEST(ReminderCommands, AFiringIsRecordedOncePerKindSubjectRecipientAndDay) {
  Program p;
  p.finding(kContributor);
  ASSERT_TRUE(p.run(kSystem, due_soon_to(kContributor, "2026-03-01")).is_ok());
  const uint64_t seq = p.seq;
  EXPECT_EQ(p.run(kSystem, due_soon_to(kContributor, "2026-03-01")).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(p.seq, seq);
  EXPECT_TRUE(p.run(kSystem, due_soon_to(kContributor, "2026-03-02")).is_ok());
  EXPECT_TRUE(p.run(kSystem, due_soon_to(kEditor, "2026-03-01")).is_ok());
  EXPECT_EQ(p.state.notification_keys.size(), 3u);
}

// A duplicate that reached the log anyway (from outside the service) still moves the stream's
// version, or every later reminder would be refused as decided on a stale stream.
TEST(ReminderCommands, ADuplicateInTheLogStillMovesTheStreamsVersion) {
  Program p;
  p.finding(kContributor);
  ASSERT_TRUE(p.run(kSystem, due_soon_to(kContributor, "2026-03-01")).is_ok());
  p.apply("notifications", NotificationSent{"due_soon", kContributor, "F-1", "2026-03-01", "x"},
          kSystem);
  EXPECT_EQ(p.state.notifications.size(), 1u);
  EXPECT_EQ(p.state.notifications_version, 2u);
  auto d = p.run(kSystem, due_soon_to(kContributor, "2026-03-02"));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->expected_versions.front(), (std::pair<std::string, uint32_t>{"notifications", 2}));
}

TEST(ReminderCommands, ARecordedReminderNamesWhatExists) {
  Program p;
  p.finding(kContributor);
  auto refused = [&](RecordNotification c, Code code) {
    EXPECT_EQ(p.run(kSystem, c).status().code(), code) << c.kind << " " << c.subject;
  };
  refused({"due_sooon", kContributor, "F-1", "2026-03-01", "m"}, Code::kInvalidArgument);
  refused({"due_soon", kContributor, "F-1", "2026-02-30", "m"}, Code::kInvalidArgument);
  refused({"due_soon", kContributor, "F-1", "2026-03-01", ""}, Code::kInvalidArgument);
  refused({"due_soon", "nobody@example.com", "F-1", "2026-03-01", "m"}, Code::kNotFound);
  refused({"due_soon", "webhook:wh_ffffffffffffffff", "F-1", "2026-03-01", "m"}, Code::kNotFound);
  refused({"due_soon", kContributor, "F-9", "2026-03-01", "m"}, Code::kNotFound);
  refused({"weekly_digest", kContributor, "F-1", "2026-03-02", "m"}, Code::kInvalidArgument);
  EXPECT_TRUE(
      p.run(kSystem, RecordNotification{"weekly_digest", kContributor, "", "2026-03-02", "m"})
          .is_ok());
  EXPECT_EQ(p.state.notifications.size(), 1u);
}

TEST(ReminderCommands, ABackFilledReminderNamesOnlyWhatExistedThen) {
  Program p;
  p.finding(kContributor);
  const Micros before = p.now - kMicrosPerDay;
  EXPECT_EQ(p.run(kSystem, due_soon_to(kContributor, "2026-03-01"), before).status().code(),
            Code::kRuleViolation)
      << "F-1 was recorded after that time";
  EXPECT_TRUE(p.run(kSystem, due_soon_to(kContributor, "2026-03-01"), p.now).is_ok());
}

TEST(ReminderCommands, EveryoneSetsTheirOwnSettingsAndAFieldLeftOutKeepsItsValue) {
  Program p;
  const UserState& auditor = p.state.users.at(kAuditor);
  EXPECT_TRUE(auditor.email_reminders);
  EXPECT_TRUE(auditor.digest);
  ASSERT_TRUE(p.run(kAuditor, SetMyNotifications{std::nullopt, false}).is_ok());
  EXPECT_TRUE(p.state.users.at(kAuditor).email_reminders);
  EXPECT_FALSE(p.state.users.at(kAuditor).digest);
  ASSERT_TRUE(p.run(kAuditor, SetMyNotifications{false, std::nullopt}).is_ok());
  EXPECT_FALSE(p.state.users.at(kAuditor).email_reminders);
  EXPECT_FALSE(p.state.users.at(kAuditor).digest);
  EXPECT_TRUE(p.state.users.at(kEditor).email_reminders) << "only the actor's own settings";
}

TEST(ReminderCommands, WebhooksAreTheAdminsAndCheckedBeforeAnythingIsWritten) {
  Program p;
  EXPECT_EQ(p.run(kEditor, AddWebhook{kHook, "https://h.example/x", {"overdue"}}).status().code(),
            Code::kPermissionDenied);
  auto refused = [&](AddWebhook c, Code code) {
    const uint64_t seq = p.seq;
    EXPECT_EQ(p.run(kAdmin, c).status().code(), code) << c.id << " " << c.url;
    EXPECT_EQ(p.seq, seq);
  };
  refused({"wh_1", "https://h.example/x", {"overdue"}}, Code::kInvalidArgument);
  refused({kHook, "ftp://h.example/x", {"overdue"}}, Code::kInvalidArgument);
  refused({kHook, "https://h.example/x", {}}, Code::kInvalidArgument);
  refused({kHook, "https://h.example/x", {"overdue", "overdue"}}, Code::kInvalidArgument);
  refused({kHook, "https://h.example/x", {"late"}}, Code::kInvalidArgument);
  ASSERT_TRUE(p.run(kAdmin, AddWebhook{kHook, "https://h.example/x", {"weekly_digest", "overdue"}})
                  .is_ok());
  EXPECT_EQ((p.state.webhooks.at(kHook).kinds),
            (std::vector<std::string>{"overdue", "weekly_digest"}))
      << "kinds are kept in the order of the rules";
  refused({kHook, "https://h.example/y", {"overdue"}}, Code::kAlreadyExists);
  EXPECT_EQ(p.run(kEditor, RemoveWebhook{kHook}).status().code(), Code::kPermissionDenied);
  ASSERT_TRUE(p.run(kAdmin, RemoveWebhook{kHook}).is_ok());
  EXPECT_TRUE(p.state.webhooks.at(kHook).removed);
  EXPECT_EQ(p.run(kAdmin, RemoveWebhook{kHook}).status().code(), Code::kNotFound);
}

TEST(ReminderCommands, AProgramHasAtMostTwentyWebhooks) {
  Program p;
  for (size_t i = 0; i < kMaxWebhooks; ++i) {
    const std::string id = fmt::format("wh_{:016x}", i);
    ASSERT_TRUE(p.run(kAdmin, AddWebhook{id, "https://h.example/x", {"overdue"}}).is_ok());
  }
  EXPECT_EQ(p.run(kAdmin, AddWebhook{kHook, "https://h.example/x", {"overdue"}}).status().code(),
            Code::kRuleViolation);
  ASSERT_TRUE(p.run(kAdmin, RemoveWebhook{"wh_0000000000000000"}).is_ok());
  EXPECT_TRUE(p.run(kAdmin, AddWebhook{kHook, "https://h.example/x", {"overdue"}}).is_ok());
}

// The weekly overdue reminder counts from the first day of the current run of overdue days.
class OverdueRun : public ::testing::Test {
 protected:
  Date day(const char* text) { return *parse_date(text); }
  Micros at(const char* text) { return static_cast<Micros>(day(text).days) * kMicrosPerDay + 1; }
  void apply(const char* date, Payload payload) {
    p.apply("finding/F-1", std::move(payload), kAdmin, at(date));
  }
  std::optional<Date> since(const char* date) {
    return overdue_since(p.state.findings.at("F-1"), day(date));
  }
  void record(const char* date, const char* due) {
    apply(date, FindingRecorded{"F-1",
                                "t",
                                "",
                                Severity::kHigh,
                                {"CC1.1"},
                                "",
                                FindingSource::kOther,
                                kContributor,
                                due,
                                ""});
  }
  void move(const char* date, FindingStatus from, FindingStatus to) {
    apply(date, FindingStatusChanged{"F-1", from, to, "r"});
  }
  Program p;
};

TEST_F(OverdueRun, StartsTheDayAfterTheDueDate) {
  record("2026-01-01", "2026-01-10");
  EXPECT_EQ(since("2026-01-10"), std::nullopt);
  EXPECT_EQ(since("2026-01-11"), day("2026-01-11"));
  EXPECT_EQ(since("2026-02-20"), day("2026-01-11"));
}

TEST_F(OverdueRun, ARecordedFindingAlreadyPastItsDueDateStartsOnItsRecording) {
  record("2026-01-20", "2026-01-10");
  EXPECT_EQ(since("2026-01-20"), day("2026-01-20"));
  EXPECT_EQ(since("2026-01-27"), day("2026-01-20"));
}

TEST_F(OverdueRun, ContinuesThroughAStatusChangeThatKeepsItOverdue) {
  record("2026-01-01", "2026-01-10");
  move("2026-01-15", FindingStatus::kOpen, FindingStatus::kInProgress);
  EXPECT_EQ(since("2026-01-15"), day("2026-01-11"));
  EXPECT_EQ(since("2026-01-30"), day("2026-01-11"));
}

TEST_F(OverdueRun, AnInterruptionWithinOneDayDoesNotEndTheRun) {
  record("2026-01-01", "2026-01-10");
  move("2026-01-15", FindingStatus::kOpen, FindingStatus::kRemediated);
  move("2026-01-15", FindingStatus::kRemediated, FindingStatus::kInProgress);
  EXPECT_EQ(since("2026-01-16"), day("2026-01-11"));
}

TEST_F(OverdueRun, RemediatedAndReopenedStartsANewRun) {
  record("2026-01-01", "2026-01-10");
  move("2026-01-15", FindingStatus::kOpen, FindingStatus::kRemediated);
  EXPECT_EQ(since("2026-01-16"), std::nullopt);
  move("2026-01-20", FindingStatus::kRemediated, FindingStatus::kInProgress);
  EXPECT_EQ(since("2026-01-20"), day("2026-01-20"));
  EXPECT_EQ(since("2026-01-27"), day("2026-01-20"));
}

TEST_F(OverdueRun, AMovedDueDateEndsOrStartsTheRun) {
  record("2026-01-01", "2026-01-10");
  apply("2026-01-15", FindingDueDateSet{"F-1", "2026-01-31", "2026-01-10", "more time"});
  EXPECT_EQ(since("2026-01-20"), std::nullopt);
  EXPECT_EQ(since("2026-02-01"), day("2026-02-01"));
  apply("2026-02-03", FindingDueDateSet{"F-1", "2026-02-01", "2026-01-31", "still late"});
  EXPECT_EQ(since("2026-02-03"), day("2026-02-01")) << "overdue on the 2nd and still on the 3rd";
}

}  // namespace
}  // namespace gaplog
