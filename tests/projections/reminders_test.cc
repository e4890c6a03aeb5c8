// The rules of SPEC §11 at their edges: each kind the day before, the day and the day after;
// recipients, opt-outs, deactivated users, webhooks; assigned_firing; the sort orders. Histories
// are made by deciding commands on an in-memory program at noon of each date, and folded as of
// each day from its events.
#include "projections/reminders.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../domain/domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAdmin2;
using testing::kContributor;
using testing::kEditor;
using testing::kOther;
using Kind = NotificationKind;
using Names = std::vector<std::string>;

Date day(const char* text) { return *parse_date(text); }
Date plus(Date d, int32_t n) { return Date{d.days + n}; }

const std::string kWebhookA = "wh_00000000000000aa";
const std::string kWebhookB = "wh_00000000000000bb";
const std::string kWebhookC = "wh_00000000000000cc";

class RemindersTest : public ::testing::Test {
 protected:
  // Decides `cmd` as `actor` at noon of `date` (dates must not go back).
  void at(const char* date, const Command& cmd, const std::string& actor = kAdmin) {
    p_.now = end_of_day(day(date)) - kMicrosPerDay / 2;
    auto d = p_.run(actor, cmd);
    ASSERT_TRUE(d.is_ok()) << date << ": " << d.status().to_string();
  }
  std::string record(const char* date, const std::string& owner, const std::string& due) {
    at(date, RecordFinding{"gap", "", "high", {"CC6.1"}, "", "", owner, due}, kEditor);
    return "F-" + std::to_string(p_.state.findings_recorded);
  }

  // The state as of the end of D: every event that occurred before it.
  ProgramState as_of(Date d) const {
    ProgramState s;
    for (const Event& e : p_.log) {
      if (e.occurred_at < end_of_day(d)) evolve(s, e);
    }
    return s;
  }
  std::vector<RuleFiring> fired(Date d, Kind kind) const {
    std::vector<RuleFiring> out;
    for (RuleFiring& f : daily_firings(as_of(d), d)) {
      if (f.kind == kind) out.push_back(std::move(f));
    }
    return out;
  }
  // The days in [from, to] on which `kind` fires about `subject`.
  Names days_firing(Kind kind, const std::string& subject, const char* from, const char* to) const {
    Names days;
    for (Date d = day(from); d <= day(to); d = plus(d, 1)) {
      for (const RuleFiring& f : fired(d, kind)) {
        if (f.subject == subject) days.push_back(format_date(d));
      }
    }
    return days;
  }
  // The people of the one firing of `kind` about `subject` on D.
  Names people(Kind kind, const std::string& subject, const char* date) const {
    for (const RuleFiring& f : fired(day(date), kind)) {
      if (f.subject == subject) return f.people;
    }
    ADD_FAILURE() << name(kind) << " about " << subject << " did not fire on " << date;
    return {};
  }
  // plan_notifications of every firing of D, as "kind recipient subject".
  Names planned(const char* date, bool email) const {
    const ProgramState s = as_of(day(date));
    Names out;
    for (const PlannedNotification& n : plan_notifications(s, daily_firings(s, day(date)), email)) {
      EXPECT_EQ(n.day, day(date));
      out.push_back(std::string(name(n.kind)) + " " + n.recipient + " " + n.subject);
    }
    return out;
  }

  testing::Program p_;
};

TEST(Weekday, CountsFromMonday) {
  EXPECT_EQ(weekday(day("1970-01-01")), 3);  // a Thursday
  EXPECT_EQ(weekday(day("2026-01-05")), 0);
  EXPECT_EQ(weekday(day("2026-01-10")), 5);
  EXPECT_EQ(weekday(day("2026-01-11")), 6);
  EXPECT_EQ(weekday(day("1969-12-29")), 0);  // before the epoch too
  EXPECT_EQ(weekday(day("1969-12-31")), 2);
}

TEST_F(RemindersTest, DueSoonFiresSevenAndOneDayBeforeTheDueDateOnly) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-20");
  EXPECT_EQ(days_firing(Kind::kDueSoon, f, "2026-02-01", "2026-02-28"),
            (Names{"2026-02-13", "2026-02-19"}));
  EXPECT_EQ(people(Kind::kDueSoon, f, "2026-02-13"), Names{kContributor});
}

TEST_F(RemindersTest, DueSoonOfAnUnassignedFindingAddressesNobody) {
  const std::string f = record("2026-01-10", "", "2026-02-20");
  EXPECT_EQ(days_firing(Kind::kDueSoon, f, "2026-02-12", "2026-02-14"), Names{"2026-02-13"});
  EXPECT_EQ(people(Kind::kDueSoon, f, "2026-02-13"), Names{});
}

TEST_F(RemindersTest, DueSoonFollowsAMovedDueDate) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-20");
  at("2026-02-15", SetFindingDueDate{f, "2026-03-10", "slipped"});
  EXPECT_EQ(days_firing(Kind::kDueSoon, f, "2026-02-01", "2026-03-15"),
            (Names{"2026-02-13", "2026-03-03", "2026-03-09"}));
  EXPECT_TRUE(days_firing(Kind::kOverdue, f, "2026-02-01", "2026-03-10").empty());
}

TEST_F(RemindersTest, DueSoonNotForResolvedOrAcceptedFindings) {
  const std::string closed = record("2026-01-10", kContributor, "2026-02-20");
  at("2026-01-11",
     UploadEvidence{"fix.pdf", "application/pdf", std::string(64, 'a'), 1, "", "", closed, ""});
  at("2026-01-11", ChangeFindingStatus{closed, "remediated", ""}, kContributor);
  at("2026-01-12", ChangeFindingStatus{closed, "closed", ""}, kEditor);
  const std::string accepted = record("2026-01-12", kContributor, "2026-02-20");
  at("2026-01-12", AcceptRisk{accepted, "compensating", "2026-06-30"});
  const std::string remediated = record("2026-01-12", kContributor, "2026-02-20");
  at("2026-01-13", ChangeFindingStatus{remediated, "remediated", ""}, kContributor);
  const std::vector<RuleFiring> due = fired(day("2026-02-13"), Kind::kDueSoon);
  ASSERT_EQ(due.size(), 1u);  // remediated is unresolved until it is closed
  EXPECT_EQ(due[0].subject, remediated);
}

TEST_F(RemindersTest, OverdueOnItsFirstDayThenEverySevenDays) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-01");
  EXPECT_EQ(days_firing(Kind::kOverdue, f, "2026-01-31", "2026-02-23"),
            (Names{"2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"}));
  EXPECT_EQ(people(Kind::kOverdue, f, "2026-02-02"), Names{kContributor});
}

TEST_F(RemindersTest, OverdueRunGoesOnThroughChangesThatKeepItOverdue) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-01");
  at("2026-02-05", ChangeFindingStatus{f, "in_progress", ""}, kContributor);
  at("2026-02-06", SetFindingDueDate{f, "2026-02-03", "earlier"});
  at("2026-02-10", ChangeFindingStatus{f, "open", ""}, kContributor);
  EXPECT_EQ(days_firing(Kind::kOverdue, f, "2026-02-01", "2026-02-17"),
            (Names{"2026-02-02", "2026-02-09", "2026-02-16"}));
}

TEST_F(RemindersTest, OverdueCountRestartsAfterRemediatedAndReopened) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-01");
  at("2026-02-18", ChangeFindingStatus{f, "remediated", ""}, kContributor);
  at("2026-02-20", ChangeFindingStatus{f, "in_progress", "verification failed"}, kEditor);
  // The old run fired on 02-02, 02-09, 02-16 (and would have on 02-23); the new one starts 02-20.
  EXPECT_EQ(
      days_firing(Kind::kOverdue, f, "2026-02-01", "2026-03-06"),
      (Names{"2026-02-02", "2026-02-09", "2026-02-16", "2026-02-20", "2026-02-27", "2026-03-06"}));
}

TEST_F(RemindersTest, OverdueCountRestartsWhenTheDueDateIsMovedOutAndPassesAgain) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-01");
  at("2026-02-04", SetFindingDueDate{f, "2026-02-10", "slipped"});
  EXPECT_EQ(days_firing(Kind::kOverdue, f, "2026-02-01", "2026-02-18"),
            (Names{"2026-02-02", "2026-02-11", "2026-02-18"}));
  // Moved out on the day it became overdue: not overdue that day, so it never fired.
  const std::string g = record("2026-02-20", kContributor, "2026-02-25");
  at("2026-02-26", SetFindingDueDate{g, "2026-03-05", "slipped"});
  EXPECT_EQ(days_firing(Kind::kOverdue, g, "2026-02-25", "2026-03-07"), Names{"2026-03-06"});
}

TEST_F(RemindersTest, OverdueNotWhileRemediatedOrAccepted) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-01");
  at("2026-01-20", ChangeFindingStatus{f, "remediated", ""}, kContributor);
  const std::string g = record("2026-01-10", kContributor, "2026-02-01");
  at("2026-01-20", AcceptRisk{g, "compensating", "2026-02-10"});
  EXPECT_TRUE(days_firing(Kind::kOverdue, f, "2026-02-01", "2026-03-01").empty());
  EXPECT_TRUE(days_firing(Kind::kOverdue, g, "2026-02-01", "2026-03-01").empty());
}

TEST_F(RemindersTest, AcceptanceExpiringThirtyAndSevenDaysBeforeExpiredTheDayAfter) {
  const std::string f = record("2026-01-10", kContributor, "");
  at("2026-01-12", AcceptRisk{f, "compensating", "2026-03-31"});
  EXPECT_EQ(days_firing(Kind::kAcceptanceExpiring, f, "2026-02-27", "2026-04-05"),
            (Names{"2026-03-01", "2026-03-24"}));
  EXPECT_EQ(days_firing(Kind::kAcceptanceExpired, f, "2026-02-27", "2026-04-05"),
            Names{"2026-04-01"});
  EXPECT_EQ(people(Kind::kAcceptanceExpiring, f, "2026-03-01"), (Names{kAdmin2, kAdmin}));
  EXPECT_EQ(people(Kind::kAcceptanceExpired, f, "2026-04-01"),
            (Names{kAdmin2, kAdmin, kContributor}));
}

TEST_F(RemindersTest, RevokedAcceptanceFiresNothing) {
  const std::string f = record("2026-01-10", kContributor, "");
  at("2026-01-12", AcceptRisk{f, "compensating", "2026-03-31"});
  at("2026-02-01", ChangeFindingStatus{f, "open", "acceptance revoked"});
  EXPECT_TRUE(days_firing(Kind::kAcceptanceExpiring, f, "2026-02-27", "2026-04-05").empty());
  EXPECT_TRUE(days_firing(Kind::kAcceptanceExpired, f, "2026-02-27", "2026-04-05").empty());
}

TEST_F(RemindersTest, EvidenceExpiringThirtyDaysBeforeWhenItBacksAnImplementedControl) {
  at("2026-01-05", DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"}, kEditor);
  at("2026-01-05", DefineControl{"AC-02", "Backups", "", {"A1.2"}, ""}, kEditor);
  const auto upload = [&](const char* collected, const char* valid_until, const char* control) {
    at("2026-01-10",
       UploadEvidence{"e.pdf", "application/pdf", std::string(64, 'a'), 1, collected, valid_until,
                      control[0] ? "" : record("2026-01-10", "", ""), control},
       kEditor);
    return "E-" + std::to_string(p_.state.evidence_uploaded);
  };
  const std::string good = upload("", "2026-04-30", "AC-01");
  const std::string not_implemented = upload("", "2026-04-30", "AC-02");
  const std::string finding_only = upload("", "2026-04-30", "");
  const std::string not_yet_current = upload("2026-04-05", "2026-04-30", "AC-01");
  EXPECT_EQ(days_firing(Kind::kEvidenceExpiring, good, "2026-03-30", "2026-04-01"),
            Names{"2026-03-31"});
  EXPECT_EQ(people(Kind::kEvidenceExpiring, good, "2026-03-31"), (Names{kAdmin2, kAdmin, kEditor}));
  EXPECT_EQ(fired(day("2026-03-31"), Kind::kEvidenceExpiring).size(), 1u);
  // Once AC-02 is implemented, its evidence counts too.
  at("2026-03-31", SetControlStatus{"AC-02", "implemented", ""}, kEditor);
  EXPECT_EQ(days_firing(Kind::kEvidenceExpiring, not_implemented, "2026-03-30", "2026-04-01"),
            Names{"2026-03-31"});
  EXPECT_TRUE(
      days_firing(Kind::kEvidenceExpiring, finding_only, "2026-03-30", "2026-04-01").empty());
  EXPECT_TRUE(
      days_firing(Kind::kEvidenceExpiring, not_yet_current, "2026-03-30", "2026-04-01").empty());
}

TEST_F(RemindersTest, DigestOnMondaysOnlyToOwnersOfUnresolvedFindingsAdminsAndEditors) {
  record("2026-01-10", kContributor, "");
  const std::string done = record("2026-01-10", kOther, "");
  at("2026-01-11", AcceptRisk{done, "compensating", "2026-12-31"});
  Names days;
  for (Date d = day("2026-03-02"); d <= day("2026-03-08"); d = plus(d, 1)) {
    for (const RuleFiring& f : fired(d, Kind::kWeeklyDigest)) {
      days.push_back(format_date(d));
      EXPECT_EQ(f.subject, "");
    }
  }
  EXPECT_EQ(days, Names{"2026-03-02"});
  EXPECT_EQ(people(Kind::kWeeklyDigest, "", "2026-03-02"),
            (Names{kAdmin2, kAdmin, kContributor, kEditor}));
  at("2026-03-03", DeactivateUser{kAdmin2, "left"});
  EXPECT_EQ(people(Kind::kWeeklyDigest, "", "2026-03-09"), (Names{kAdmin, kContributor, kEditor}));
  EXPECT_EQ(people(Kind::kWeeklyDigest, "", "2026-03-02"),
            (Names{kAdmin2, kAdmin, kContributor, kEditor}));  // as of that Monday
}

TEST_F(RemindersTest, DeactivatedUsersGetNothingButWebhooksStillDo) {
  at("2026-01-05", AddWebhook{kWebhookA, "https://hooks.example/a", {"due_soon", "weekly_digest"}});
  const std::string f = record("2026-01-10", kContributor, "2026-02-20");
  at("2026-01-20", DeactivateUser{kContributor, "left"});
  EXPECT_EQ(people(Kind::kDueSoon, f, "2026-02-13"), Names{});
  EXPECT_EQ(planned("2026-02-13", true), Names{"due_soon webhook:" + kWebhookA + " " + f});
  // Monday 2026-02-16: the digest leaves the deactivated owner out.
  EXPECT_EQ(people(Kind::kWeeklyDigest, "", "2026-02-16"), (Names{kAdmin2, kAdmin, kEditor}));
}

TEST_F(RemindersTest, EmailOffStopsEmailsDigestOffStopsOnlyTheDigest) {
  at("2026-01-05", AddWebhook{kWebhookA, "https://hooks.example/a", {"due_soon"}});
  at("2026-01-05", DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"}, kEditor);
  at("2026-01-06",
     UploadEvidence{"e.pdf", "application/pdf", std::string(64, 'a'), 1, "", "2026-03-18", "",
                    "AC-01"},
     kEditor);
  const std::string f = record("2026-01-10", kContributor, "2026-02-23");
  at("2026-01-11", SetMyNotifications{false, std::nullopt}, kContributor);
  at("2026-01-11", SetMyNotifications{std::nullopt, false}, kEditor);
  // Monday 2026-02-16: due_soon of F-1 (the contributor's e-mail is off), evidence expiring.
  EXPECT_EQ(
      planned("2026-02-16", true),
      (Names{"due_soon webhook:" + kWebhookA + " " + f, "evidence_expiring " + kAdmin2 + " E-1",
             "evidence_expiring " + kAdmin + " E-1", "evidence_expiring " + kEditor + " E-1",
             "weekly_digest " + kAdmin2 + " ", "weekly_digest " + kAdmin + " "}));
  // Without e-mail, only the webhooks.
  EXPECT_EQ(planned("2026-02-16", false), Names{"due_soon webhook:" + kWebhookA + " " + f});
}

TEST_F(RemindersTest, WebhooksGetTheKindsTheyListUntilRemoved) {
  at("2026-01-05", AddWebhook{kWebhookA, "https://hooks.example/a", {"overdue"}});
  at("2026-01-05", AddWebhook{kWebhookB, "https://hooks.example/b", {"overdue", "due_soon"}});
  at("2026-01-05", AddWebhook{kWebhookC, "https://hooks.example/c", {"due_soon"}});
  const std::string f = record("2026-01-10", "", "2026-02-01");
  EXPECT_EQ(planned("2026-01-25", false), (Names{"due_soon webhook:" + kWebhookB + " " + f,
                                                 "due_soon webhook:" + kWebhookC + " " + f}));
  at("2026-02-01", RemoveWebhook{kWebhookB});
  EXPECT_EQ(planned("2026-02-02", false), Names{"overdue webhook:" + kWebhookA + " " + f});
}

TEST_F(RemindersTest, FiringsSortByKindThenNaturalSubject) {
  for (int i = 0; i < 10; ++i) record("2026-01-10", kContributor, "2026-02-01");
  const std::string f11 = record("2026-01-10", kContributor, "2026-02-03");
  at("2026-01-11", AcceptRisk{"F-1", "compensating", "2026-03-04"});
  std::vector<std::string> got;
  for (const RuleFiring& f : daily_firings(as_of(day("2026-02-02")), day("2026-02-02")))
    got.push_back(std::string(name(f.kind)) + " " + f.subject);
  EXPECT_EQ(got, (Names{"due_soon " + f11, "overdue F-2", "overdue F-3", "overdue F-4",
                        "overdue F-5", "overdue F-6", "overdue F-7", "overdue F-8", "overdue F-9",
                        "overdue F-10", "acceptance_expiring F-1", "weekly_digest "}));
}

TEST_F(RemindersTest, PlanSortsByKindRecipientSubjectBytewise) {
  at("2026-01-05", AddWebhook{kWebhookA, "https://hooks.example/a", {"overdue"}});
  record("2026-01-10", kOther, "2026-02-02");
  record("2026-01-10", kContributor, "2026-02-02");
  for (int i = 0; i < 8; ++i) record("2026-01-10", "", "2026-03-01");
  record("2026-01-10", kContributor, "2026-02-02");  // F-11
  const Names plan = planned("2026-02-03", true);    // a Tuesday: overdue of F-1, F-2, F-11
  EXPECT_EQ(plan, (Names{"overdue " + kContributor + " F-11", "overdue " + kContributor + " F-2",
                         "overdue " + kOther + " F-1", "overdue webhook:" + kWebhookA + " F-1",
                         "overdue webhook:" + kWebhookA + " F-11",
                         "overdue webhook:" + kWebhookA + " F-2"}));
}

// SPEC §11's JSON is sorted by kind as its name reads: acceptance_expiring before due_soon and
// overdue, whatever the order of the rules' table.
TEST_F(RemindersTest, PlanSortsKindsByTheirNames) {
  for (int i = 0; i < 10; ++i) record("2026-01-10", kContributor, "2026-02-01");
  record("2026-01-10", kContributor, "2026-02-03");
  at("2026-01-11", AcceptRisk{"F-1", "compensating", "2026-03-04"});
  const Names plan = planned("2026-02-02", true);
  ASSERT_GE(plan.size(), 3u);
  EXPECT_TRUE(plan.front().starts_with("acceptance_expiring ")) << plan.front();
  EXPECT_TRUE(std::is_sorted(plan.begin(), plan.end())) << "kind names, then recipient, subject";
}

TEST_F(RemindersTest, AssignedFiresForANewOwnerChosenBySomeoneElse) {
  const std::string f = record("2026-01-10", kContributor, "");
  const Event& recorded = p_.log.back();
  std::optional<RuleFiring> a = assigned_firing(p_.state, recorded);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, (RuleFiring{Kind::kAssigned, f, Names{kContributor}, day("2026-01-10")}));

  at("2026-01-12", AssignFinding{f, kOther}, kEditor);
  a = assigned_firing(p_.state, p_.log.back());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, (RuleFiring{Kind::kAssigned, f, Names{kOther}, day("2026-01-12")}));

  at("2026-01-13", AssignFinding{f, ""}, kEditor);  // unassigned: nobody to tell
  EXPECT_FALSE(assigned_firing(p_.state, p_.log.back()).has_value());
  at("2026-01-14", AssignFinding{f, kEditor}, kEditor);  // to themself
  EXPECT_FALSE(assigned_firing(p_.state, p_.log.back()).has_value());
  record("2026-01-15", kEditor, "");  // recorded by its own owner
  EXPECT_FALSE(assigned_firing(p_.state, p_.log.back()).has_value());
  record("2026-01-15", "", "");  // recorded without an owner
  EXPECT_FALSE(assigned_firing(p_.state, p_.log.back()).has_value());
  at("2026-01-16", AddComment{f, "note"}, kEditor);  // not an assignment
  EXPECT_FALSE(assigned_firing(p_.state, p_.log.back()).has_value());
}

TEST_F(RemindersTest, AssignedToAUserDeactivatedSinceAddressesNobody) {
  const std::string f = record("2026-01-10", kContributor, "");
  const Event recorded = p_.log.back();
  at("2026-01-11", DeactivateUser{kContributor, "left"});
  EXPECT_EQ(assigned_firing(p_.state, recorded),
            (RuleFiring{Kind::kAssigned, f, Names{}, day("2026-01-10")}));
}

TEST_F(RemindersTest, AlreadySentOnceTheLogRecordsTheSameKindSubjectRecipientAndDay) {
  const std::string f = record("2026-01-10", kContributor, "2026-02-20");
  const PlannedNotification n{Kind::kDueSoon, kContributor, f, day("2026-02-13")};
  EXPECT_FALSE(already_sent(p_.state, n));
  at("2026-02-13", RecordNotification{"due_soon", kContributor, f, "2026-02-13", "<m1@gaplog>"},
     std::string(kSystemActor));
  EXPECT_EQ(notification_key(n), notification_key("due_soon", f, kContributor, "2026-02-13"));
  EXPECT_TRUE(already_sent(p_.state, n));
  EXPECT_FALSE(already_sent(
      p_.state, PlannedNotification{Kind::kDueSoon, kContributor, f, day("2026-02-19")}));
  EXPECT_FALSE(
      already_sent(p_.state, PlannedNotification{Kind::kDueSoon, kAdmin, f, day("2026-02-13")}));
}

}  // namespace
}  // namespace gaplog
