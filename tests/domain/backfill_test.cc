// SPEC §2, back-fill: a command with an earlier occurred_at may name only what existed then
// (and an owner only if active then), whatever the state folded in log order holds, and may
// go back at most 5 years.
#include <gtest/gtest.h>

#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kEditor;
using testing::Program;

constexpr Micros kDay = kMicrosPerDay;
const std::string kSha(64, 'a');

// Users added at kT0; now is 100 days later, when control AC-LIVE is defined (live) and F-2
// recorded (live); F-1 was back-filled to day 50 and E-1 (linked to F-1) to day 60.
class Backfill : public ::testing::Test {
 protected:
  void SetUp() override {
    p.now = testing::kT0 + 100 * kDay;
    ASSERT_TRUE(
        p.run(kAdmin, RecordFinding{"Old gap", "", "high", {"CC6.1"}, "", "", "", ""}, at(50))
            .is_ok());
    ASSERT_TRUE(p.run(kAdmin,
                      UploadEvidence{"a.pdf", "application/pdf", kSha, 3, "", "", "F-1", ""},
                      at(60))
                    .is_ok());
    p.must(kEditor, DefineControl{"AC-LIVE", "MFA", "", {"CC6.1"}, ""});
    p.must(kEditor, RecordFinding{"New gap", "", "low", {"CC6.1"}, "", "", "", ""});
  }
  static Micros at(int day) { return testing::kT0 + day * kDay; }
  Code backfilled(const Command& c, int day) { return p.run(kAdmin, c, at(day)).status().code(); }

  Program p;
};

TEST_F(Backfill, StateRemembersWhenEachEntityBegan) {
  EXPECT_EQ(p.state.finding("F-1")->recorded_at, at(50));
  EXPECT_EQ(p.state.finding("F-2")->recorded_at, at(100));
  EXPECT_EQ(p.state.control("AC-LIVE")->defined_at, at(100));
  EXPECT_EQ(p.state.evidence_item("E-1")->uploaded_at, at(60));
  EXPECT_EQ(p.state.user(kEditor)->added_at, testing::kT0);
  EXPECT_FALSE(p.state.user(kEditor)->deactivated_at.has_value());
}

TEST_F(Backfill, TheControlOfAFindingMustExistThen) {
  EXPECT_EQ(backfilled(RecordFinding{"t", "", "low", {"CC6.1"}, "AC-LIVE", "", "", ""}, 70),
            Code::kRuleViolation);
  EXPECT_EQ(backfilled(UpdateFinding{"F-1", {}, {}, {}, {}, std::string("AC-LIVE")}, 70),
            Code::kRuleViolation);
  EXPECT_EQ(p.state.findings_recorded, 2u);
  EXPECT_EQ(
      p.run(kAdmin, UpdateFinding{"F-1", {}, {}, {}, {}, std::string("AC-LIVE")}).status().code(),
      Code::kOk);
}

TEST_F(Backfill, TheFindingOfEveryFindingCommandMustExistThen) {
  // F-2 was recorded (live) on day 100; F-1 on day 50.
  const std::vector<Command> on_f2 = {
      UpdateFinding{"F-2", std::string("new title"), {}, {}, {}, {}},
      AssignFinding{"F-2", kEditor},
      SetFindingDueDate{"F-2", "2026-06-30", ""},
      ChangeFindingStatus{"F-2", "in_progress", ""},
      AcceptRisk{"F-2", "compensating control", "2026-06-30"},
      AddComment{"F-2", "seen"},
  };
  for (const Command& c : on_f2) {
    SCOPED_TRACE(c.index());
    auto r = p.run(kAdmin, c, at(80));
    EXPECT_EQ(r.status().code(), Code::kRuleViolation) << r.status().to_string();
    EXPECT_NE(r.status().message().find("F-2 did not exist yet"), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(backfilled(AddComment{"F-1", "before it was recorded"}, 40), Code::kRuleViolation);
  EXPECT_EQ(backfilled(AddComment{"F-1", "after it was recorded"}, 55), Code::kOk);
}

TEST_F(Backfill, WhatEvidenceIsLinkedToMustExistThen) {
  // E-1 is from day 60: it cannot be linked before; F-2 and AC-LIVE are from day 100.
  EXPECT_EQ(backfilled(UploadEvidence{"b.pdf", "application/pdf", kSha, 3, "", "", "F-2", ""}, 80),
            Code::kRuleViolation);
  EXPECT_EQ(
      backfilled(UploadEvidence{"b.pdf", "application/pdf", kSha, 3, "", "", "", "AC-LIVE"}, 80),
      Code::kRuleViolation);
  EXPECT_EQ(p.state.evidence_uploaded, 1u);
  EXPECT_EQ(backfilled(LinkEvidence{"E-1", "F-2", ""}, 80), Code::kRuleViolation);
  EXPECT_EQ(backfilled(LinkEvidence{"E-1", "", "AC-LIVE"}, 80), Code::kRuleViolation);
  EXPECT_EQ(backfilled(UnlinkEvidence{"E-1", "F-1", ""}, 55), Code::kRuleViolation);
  EXPECT_EQ(backfilled(UnlinkEvidence{"E-1", "F-1", ""}, 65), Code::kOk);
  EXPECT_EQ(p.run(kAdmin, LinkEvidence{"E-1", "", "AC-LIVE"}).status().code(), Code::kOk);
}

TEST_F(Backfill, ControlCommandsNeedTheControlThen) {
  EXPECT_EQ(backfilled(SetControlStatus{"AC-LIVE", "implemented", ""}, 90), Code::kRuleViolation);
  EXPECT_EQ(backfilled(UpdateControl{"AC-LIVE", std::string("MFA everywhere"), {}, {}}, 90),
            Code::kRuleViolation);
}

TEST_F(Backfill, AnOwnerMustBeAnActiveUserThen) {
  p.must(kAdmin, AddUser{"late@example.com", "Late Joiner", "editor"});  // day 100, live
  auto r = p.run(kAdmin, RecordFinding{"t", "", "low", {"CC1.1"}, "", "", "late@example.com", ""},
                 at(70));
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_NE(r.status().message().find("was not an active user"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(backfilled(AssignFinding{"F-1", "late@example.com"}, 70), Code::kRuleViolation);
  EXPECT_EQ(backfilled(ChangeUserRole{"late@example.com", "contributor"}, 70),
            Code::kRuleViolation);
  EXPECT_EQ(backfilled(AssignFinding{"F-1", kEditor}, 70), Code::kOk);
  EXPECT_EQ(p.run(kAdmin, AssignFinding{"F-1", "late@example.com"}).status().code(), Code::kOk);
}

TEST(BackfillUser, ActiveBetweenItsAddingAndItsDeactivation) {
  UserState u;
  u.added_at = 10;
  EXPECT_FALSE(u.active_at(9));
  EXPECT_TRUE(u.active_at(10));
  u.deactivated_at = 20;
  EXPECT_TRUE(u.active_at(19));
  EXPECT_FALSE(u.active_at(20));
}

TEST(BackfillLimit, AtMostFiveYearsBack) {
  Program p;  // now = 2026-01-01T00:00:00Z
  const Micros five_years = *parse_timestamp("2021-01-01T00:00:00Z");
  auto too_old = p.run(kAdmin, NameProgram{"Acme"}, five_years - kMicrosPerSecond);
  EXPECT_EQ(too_old.status().code(), Code::kRuleViolation);
  EXPECT_NE(too_old.status().message().find("more than 5 years"), std::string::npos)
      << too_old.status().message();
  EXPECT_TRUE(p.run(kAdmin, NameProgram{"Acme"}, five_years).is_ok());
  EXPECT_EQ(p.run(kEditor, NameProgram{"Acme"}, five_years - kMicrosPerSecond).status().code(),
            Code::kPermissionDenied);
}

TEST(BackfillLimit, FiveCalendarYearsFromALeapDay) {
  EXPECT_EQ(add_years(*parse_date("2028-02-29"), -5), *parse_date("2023-02-28"));
  EXPECT_EQ(add_years(*parse_date("2026-03-31"), -5), *parse_date("2021-03-31"));
}

// Live commands are never refused by these rules: their occurred_at is now.
TEST_F(Backfill, LiveCommandsAreUnaffected) {
  EXPECT_EQ(p.run(kEditor, AddComment{"F-2", "now"}).status().code(), Code::kOk);
  EXPECT_EQ(p.run(kEditor, LinkEvidence{"E-1", "F-2", ""}).status().code(), Code::kOk);
}

}  // namespace
}  // namespace gaplog
