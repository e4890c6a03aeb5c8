// SPEC §12 in the domain: control owners and cadences, the validity evidence gets from a
// cadence, control tests and their effect on readiness (§5.1), as of each date, with the
// decisions' bad input.
#include <gtest/gtest.h>

#include "domain/readiness.h"
#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAuditor;
using testing::kContributor;
using testing::kEditor;
using testing::Program;

Date day(const char* text) { return *parse_date(text); }
Micros at(const char* date) { return static_cast<Micros>(day(date).days) * kMicrosPerDay; }

// An admin's back-filled command that must be accepted.
void must_at(Program& p, const Command& c, Micros t) {
  auto r = p.run(kAdmin, c, t);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
}

// The log folded as of the end of D (occurred_at), from scratch.
ProgramState as_of(const Program& p, Date d) {
  ProgramState s;
  for (const Event& e : p.log) {
    if (e.occurred_at < end_of_day(d)) evolve(s, e);
  }
  return s;
}

CriterionStatus status_of(const ProgramState& s, Date d, std::string_view criterion) {
  for (const CriterionReadiness& c : readiness_at(s, d).criteria) {
    if (c.id == criterion) return c.status;
  }
  return CriterionStatus::kOutOfScope;
}

// A program back-filled from 2025-06-01: AC-01 implemented on CC6.1 with evidence, then tests.
Program tested_program() {
  Program p;
  must_at(p, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"}, at("2025-06-01"));
  must_at(p, UploadEvidence{"mfa.png", "image/png", std::string(64, 'a'), 1, "", "", "", "AC-01"},
          at("2025-06-01"));
  return p;
}

TEST(ControlTests, AFailedLatestTestRemovesTheControlAndALaterPassRestoresIt) {
  Program p = tested_program();
  ASSERT_TRUE(p.run(kAdmin, TestControl{"AC-01", "operating", "2025-07-01", "fail", "", {}},
                    at("2025-07-02"))
                  .is_ok());
  ASSERT_TRUE(p.run(kAdmin, TestControl{"AC-01", "operating", "2025-08-01", "pass", "", {"E-1"}},
                    at("2025-08-01"))
                  .is_ok());
  // Before the failed test was recorded, ready; from then until the passing one, not.
  EXPECT_EQ(status_of(as_of(p, day("2025-07-01")), day("2025-07-01"), "CC6.1"),
            CriterionStatus::kReady);
  EXPECT_EQ(status_of(as_of(p, day("2025-07-02")), day("2025-07-02"), "CC6.1"),
            CriterionStatus::kNoControl);
  EXPECT_EQ(status_of(as_of(p, day("2025-07-31")), day("2025-07-31"), "CC6.1"),
            CriterionStatus::kNoControl);
  EXPECT_EQ(status_of(as_of(p, day("2025-08-01")), day("2025-08-01"), "CC6.1"),
            CriterionStatus::kReady);
  const ProgramState mid_july = as_of(p, day("2025-07-15"));
  const ControlState& c = *mid_july.control("AC-01");
  EXPECT_FALSE(c.counts_as_implemented());
  EXPECT_EQ(c.status, ControlStatus::kImplemented) << "a failed test does not change the status";
}

TEST(ControlTests, TheLatestIsByTestedOnNotByWhenItWasRecorded) {
  Program p = tested_program();
  ASSERT_TRUE(
      p.run(kEditor, TestControl{"AC-01", "operating", "2026-01-01", "pass", "", {}}).is_ok());
  // A failure found in an older period, recorded afterwards, is not the latest test.
  ASSERT_TRUE(p.run(kEditor, TestControl{"AC-01", "design", "2025-12-01", "fail", "", {}}).is_ok());
  EXPECT_TRUE(p.state.control("AC-01")->counts_as_implemented());
  EXPECT_EQ(p.state.control("AC-01")->latest_test()->tested_on, day("2026-01-01"));
  // On the same day, the later recorded wins.
  ASSERT_TRUE(
      p.run(kEditor, TestControl{"AC-01", "operating", "2026-01-01", "fail", "", {}}).is_ok());
  EXPECT_FALSE(p.state.control("AC-01")->counts_as_implemented());
  EXPECT_EQ(status_of(p.state, day("2026-01-01"), "CC6.1"), CriterionStatus::kNoControl);
}

TEST(ControlTests, AnExceptionStillCounts) {
  Program p = tested_program();
  ASSERT_TRUE(
      p.run(kEditor, TestControl{"AC-01", "operating", "2026-01-01", "exception", "1 of 25", {}})
          .is_ok());
  EXPECT_TRUE(p.state.control("AC-01")->counts_as_implemented());
  EXPECT_EQ(status_of(p.state, day("2026-01-01"), "CC6.1"), CriterionStatus::kReady);
}

TEST(ControlTests, BadInputIsRefusedAndChangesNothing) {
  Program p = tested_program();
  const uint64_t before = p.seq;
  auto code = [&](TestControl t) { return p.run(kEditor, t).status().code(); };
  EXPECT_EQ(code({"AC-01", "audit", "2026-01-01", "pass", "", {}}), Code::kInvalidArgument);
  EXPECT_EQ(code({"AC-01", "design", "2026-01-01", "passed", "", {}}), Code::kInvalidArgument);
  EXPECT_EQ(code({"AC-01", "design", "", "pass", "", {}}), Code::kInvalidArgument);
  EXPECT_EQ(code({"AC-01", "design", "01/01/2026", "pass", "", {}}), Code::kInvalidArgument);
  // In the future (today is 2026-01-01), or before the control was defined.
  EXPECT_EQ(code({"AC-01", "design", "2026-01-02", "pass", "", {}}), Code::kRuleViolation);
  EXPECT_EQ(code({"AC-01", "design", "2025-05-31", "pass", "", {}}), Code::kRuleViolation);
  EXPECT_EQ(code({"AC-01", "design", "2026-01-01", "pass", "", {"E-9"}}), Code::kRuleViolation);
  EXPECT_EQ(code({"AC-01", "design", "2026-01-01", "pass", "", {"E-1", "E-1"}}),
            Code::kInvalidArgument);
  EXPECT_EQ(code({"AC-09", "design", "2026-01-01", "pass", "", {}}), Code::kNotFound);
  EXPECT_EQ(code({"AC-01", "design", "2026-01-01", "pass", std::string(10'001, 'n'), {}}),
            Code::kInvalidArgument);
  EXPECT_EQ(p.seq, before);
  const std::string message =
      p.run(kEditor, TestControl{"AC-01", "design", "2026-01-02", "pass", "", {}})
          .status()
          .message();
  EXPECT_NE(message.find("future"), std::string::npos) << message;
}

// Evidence without valid_until linked to a control with a cadence is valid through collected_on
// (or its upload day) plus the cadence, and not a day longer.
TEST(Cadence, ValidityEndsOnTheDayThePeriodEnds) {
  Program p;
  must_at(p, DefineControl{"AR-01", "Access review", "", {"CC6.2"}, "implemented", "", "monthly"},
          at("2025-01-01"));
  must_at(p,
          UploadEvidence{"review.pdf", "application/pdf", std::string(64, 'b'), 1, "2025-01-31", "",
                         "", "AR-01"},
          at("2025-02-01"));
  const Date last = day("2025-02-28"), lapsed = day("2025-03-01");
  EXPECT_EQ(valid_until_for(*p.state.evidence_item("E-1"), *p.state.control("AR-01")), last);
  EXPECT_EQ(status_of(as_of(p, last), last, "CC6.2"), CriterionStatus::kReady);
  EXPECT_EQ(status_of(as_of(p, lapsed), lapsed, "CC6.2"), CriterionStatus::kNoEvidence);
  // Quarterly from the same evidence: valid through 2025-04-30.
  must_at(
      p,
      UpdateControl{"AR-01", std::nullopt, std::nullopt, std::nullopt, std::nullopt, "quarterly"},
      at("2025-03-02"));
  EXPECT_EQ(status_of(as_of(p, day("2025-04-30")), day("2025-04-30"), "CC6.2"),
            CriterionStatus::kReady);
  EXPECT_EQ(status_of(as_of(p, day("2025-05-01")), day("2025-05-01"), "CC6.2"),
            CriterionStatus::kNoEvidence);
  // A day the cadence made lapsed stays what it was as of then: the change is an event.
  EXPECT_EQ(status_of(as_of(p, lapsed), lapsed, "CC6.2"), CriterionStatus::kNoEvidence);
}

TEST(Cadence, TheUploadDayCountsWhenThereIsNoCollectedOnAndValidUntilWins) {
  Program p;
  must_at(p, DefineControl{"BK-01", "Backups", "", {"A1.2"}, "implemented", "", "annual"},
          at("2024-02-29"));
  must_at(p,
          UploadEvidence{"restore.log", "text/plain", std::string(64, 'c'), 1, "", "", "", "BK-01"},
          at("2024-02-29"));
  must_at(p,
          UploadEvidence{"restore2.log", "text/plain", std::string(64, 'd'), 1, "", "2024-06-30",
                         "", "BK-01"},
          at("2024-02-29"));
  const ControlState& c = *p.state.control("BK-01");
  EXPECT_EQ(valid_until_for(*p.state.evidence_item("E-1"), c), day("2025-02-28"));
  EXPECT_EQ(valid_until_for(*p.state.evidence_item("E-2"), c), day("2024-06-30"));
  EXPECT_EQ(expires_on(p.state, *p.state.evidence_item("E-1")), day("2025-02-28"));
  EXPECT_TRUE(is_current(p.state, *p.state.evidence_item("E-1"), day("2025-02-28")));
  EXPECT_FALSE(is_current(p.state, *p.state.evidence_item("E-1"), day("2025-03-01")));
}

TEST(Cadence, EvidenceOfTwoControlsLastsEachControlsPeriod) {
  Program p;
  p.must(kEditor, DefineControl{"M-1", "Monthly", "", {"CC7.1"}, "implemented", "", "monthly"});
  p.must(kEditor, DefineControl{"Y-1", "Yearly", "", {"CC7.2"}, "implemented", "", "annual"});
  p.must(kEditor, UploadEvidence{"scan.pdf", "application/pdf", std::string(64, 'e'), 1,
                                 "2026-01-01", "", "", "M-1"});
  p.must(kEditor, LinkEvidence{"E-1", "", "Y-1"});
  const Date d = day("2026-03-01");
  EXPECT_EQ(status_of(p.state, d, "CC7.1"), CriterionStatus::kNoEvidence);
  EXPECT_EQ(status_of(p.state, d, "CC7.2"), CriterionStatus::kReady);
  // The evidence expires (for the library) when the first period ends.
  EXPECT_EQ(expires_on(p.state, *p.state.evidence_item("E-1")), day("2026-02-01"));
}

TEST(ControlEvidence, MissingCurrentExpiringLapsed) {
  Program p;
  p.must(kEditor,
         DefineControl{"AR-01", "Access review", "", {"CC6.2"}, "implemented", "", "quarterly"});
  const ControlState* c = p.state.control("AR-01");
  EXPECT_EQ(control_evidence_at(p.state, *c, day("2026-01-01")).status, EvidenceStatus::kMissing);
  p.must(kEditor, UploadEvidence{"q4.pdf", "application/pdf", std::string(64, 'f'), 1, "2025-12-01",
                                 "", "", "AR-01"});
  c = p.state.control("AR-01");
  ControlEvidence e = control_evidence_at(p.state, *c, day("2026-01-01"));
  EXPECT_EQ(e.status, EvidenceStatus::kCurrent);
  EXPECT_EQ(e.current, std::vector<std::string>{"E-1"});
  EXPECT_EQ(e.valid_until, day("2026-03-01"));
  // 30 days before the end: expiring; the day after: lapsed.
  EXPECT_EQ(control_evidence_at(p.state, *c, day("2026-01-29")).status, EvidenceStatus::kCurrent);
  EXPECT_EQ(control_evidence_at(p.state, *c, day("2026-01-30")).status, EvidenceStatus::kExpiring);
  EXPECT_EQ(control_evidence_at(p.state, *c, day("2026-03-01")).status, EvidenceStatus::kExpiring);
  e = control_evidence_at(p.state, *c, day("2026-03-02"));
  EXPECT_EQ(e.status, EvidenceStatus::kLapsed);
  EXPECT_TRUE(e.current.empty());
  EXPECT_EQ(e.linked, std::vector<std::string>{"E-1"});
}

TEST(ControlOwner, IsAnActiveUserWhoMayActAndCanBeCleared) {
  Program p;
  p.must(kEditor, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "", kContributor, "annual"});
  EXPECT_EQ(p.state.control("AC-01")->owner, kContributor);
  EXPECT_EQ(p.state.control("AC-01")->evidence_every, EvidenceCadence::kAnnual);
  auto update = [&](std::optional<std::string> owner, std::optional<std::string> every) {
    return p.run(kEditor, UpdateControl{"AC-01", std::nullopt, std::nullopt, std::nullopt,
                                        std::move(owner), std::move(every)});
  };
  EXPECT_EQ(update(kAuditor, std::nullopt).status().code(), Code::kRuleViolation);
  EXPECT_EQ(update("nobody@example.com", std::nullopt).status().code(), Code::kRuleViolation);
  EXPECT_EQ(update(std::nullopt, "weekly").status().code(), Code::kInvalidArgument);
  EXPECT_NE(update(std::nullopt, "weekly").status().message().find("monthly"), std::string::npos);
  EXPECT_EQ(
      p.run(kEditor, DefineControl{"AC-02", "x", "", {"CC6.1"}, "", "", "daily"}).status().code(),
      Code::kInvalidArgument);
  ASSERT_TRUE(update("", "none").is_ok());
  EXPECT_EQ(p.state.control("AC-01")->owner, "");
  EXPECT_EQ(p.state.control("AC-01")->evidence_every, EvidenceCadence::kNone);
  EXPECT_EQ(p.state.control("AC-01")->title, "MFA") << "what is not given is kept";
  p.must(kAdmin, DeactivateUser{kContributor, ""});
  EXPECT_EQ(update(kContributor, std::nullopt).status().code(), Code::kRuleViolation);
}

}  // namespace
}  // namespace gaplog
