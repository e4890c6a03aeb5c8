// SPEC §5 rules with hand-computed examples: criterion statuses and their precedence, evidence
// validity, expired risk acceptance, scope, rounding, workloads, roadmap, projected_ready_on.
#include "domain/readiness.h"

#include <gtest/gtest.h>

#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kContributor;
using testing::kEditor;
using testing::kOther;
using testing::Program;

Date day(const char* text) { return *parse_date(text); }

const CriterionReadiness& criterion(const Readiness& r, std::string_view id) {
  for (const auto& c : r.criteria) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no such criterion");
}

RecordFinding finding_on(std::string criterion, std::string owner = "", std::string due = "",
                         std::string severity = "high") {
  return RecordFinding{"Gap on " + criterion, "", severity, {criterion}, "", "", owner, due};
}

TEST(Readiness, EmptyProgramHasSecurityInScopeAndNothingReady) {
  Program p;
  const Readiness r = readiness_at(p.state, day("2026-01-01"));
  EXPECT_EQ(r.overall.in_scope, 33);
  EXPECT_EQ(r.overall.ready, 0);
  EXPECT_EQ(r.overall.percent_tenths(), 0);
  ASSERT_EQ(r.categories.size(), 1u);
  EXPECT_EQ(r.categories.at(Category::kSecurity).in_scope, 33);
  ASSERT_EQ(r.criteria.size(), 61u);
  EXPECT_EQ(r.criteria.front().id, "CC1.1");
  EXPECT_EQ(r.criteria.back().id, "P8.1");
  EXPECT_EQ(criterion(r, "CC6.1").status, CriterionStatus::kNoControl);
  EXPECT_EQ(criterion(r, "A1.1").status, CriterionStatus::kOutOfScope);
}

TEST(Readiness, StatusPrecedenceGapThenNoControlThenNoEvidenceThenReady) {
  Program p;
  const Date d = day("2026-01-01");
  EXPECT_EQ(criterion(readiness_at(p.state, d), "CC6.1").status, CriterionStatus::kNoControl);
  p.must(kEditor, DefineControl{"AC-01", "MFA", "", {"CC6.1", "CC6.2"}, "partially_implemented"});
  EXPECT_EQ(criterion(readiness_at(p.state, d), "CC6.1").status, CriterionStatus::kNoControl);
  p.must(kEditor, SetControlStatus{"AC-01", "implemented", ""});
  EXPECT_EQ(criterion(readiness_at(p.state, d), "CC6.1").status, CriterionStatus::kNoEvidence);
  p.must(kEditor,
         UploadEvidence{"mfa.png", "image/png", std::string(64, 'a'), 1, "", "", "", "AC-01"});
  Readiness r = readiness_at(p.state, d);
  EXPECT_EQ(criterion(r, "CC6.1").status, CriterionStatus::kReady);
  EXPECT_EQ(criterion(r, "CC6.2").status, CriterionStatus::kReady);
  EXPECT_EQ(r.overall.ready, 2);
  EXPECT_EQ(criterion(r, "CC6.1").controls, std::vector<std::string>{"AC-01"});
  // A gap wins over everything else.
  p.must(kEditor, finding_on("CC6.1"));
  r = readiness_at(p.state, d);
  EXPECT_EQ(criterion(r, "CC6.1").status, CriterionStatus::kGap);
  EXPECT_EQ(criterion(r, "CC6.1").findings, std::vector<std::string>{"F-1"});
  EXPECT_EQ(criterion(r, "CC6.2").status, CriterionStatus::kReady);
  EXPECT_EQ(r.overall.ready, 1);
}

TEST(Readiness, ControlWithoutEvidenceDoesNotCountEvenIfAnotherHasIt) {
  Program p;
  const Date d = day("2026-01-01");
  p.must(kEditor, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"});
  p.must(kEditor, DefineControl{"AC-02", "SSO", "", {"CC6.1"}, "partially_implemented"});
  // Evidence on a control that is only partially implemented does not make the criterion ready.
  p.must(kEditor,
         UploadEvidence{"sso.png", "image/png", std::string(64, 'a'), 1, "", "", "", "AC-02"});
  EXPECT_EQ(criterion(readiness_at(p.state, d), "CC6.1").status, CriterionStatus::kNoEvidence);
}

TEST(Readiness, EvidenceIsCurrentFromCollectedOnThroughValidUntil) {
  Program p;
  p.must(kEditor, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"});
  p.must(kEditor, UploadEvidence{"q1.pdf", "application/pdf", std::string(64, 'a'), 1, "2026-02-01",
                                 "2026-03-31", "", "AC-01"});
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-01-31")), "CC6.1").status,
            CriterionStatus::kNoEvidence);
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-02-01")), "CC6.1").status,
            CriterionStatus::kReady);
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-03-31")), "CC6.1").status,
            CriterionStatus::kReady);
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-04-01")), "CC6.1").status,
            CriterionStatus::kNoEvidence);
  // Unlinking removes it.
  p.must(kEditor, UnlinkEvidence{"E-1", "", "AC-01"});
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-02-15")), "CC6.1").status,
            CriterionStatus::kNoEvidence);
}

TEST(Readiness, ExpiredRiskAcceptanceIsAGapAgain) {
  Program p;
  p.must(kEditor, finding_on("CC7.2", kContributor));
  p.must(kAdmin, AcceptRisk{"F-1", "compensating monitoring", "2026-06-30"});
  EXPECT_TRUE(criterion(readiness_at(p.state, day("2026-06-30")), "CC7.2").findings.empty());
  EXPECT_NE(criterion(readiness_at(p.state, day("2026-06-30")), "CC7.2").status,
            CriterionStatus::kGap);
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-07-01")), "CC7.2").status,
            CriterionStatus::kGap);
  EXPECT_FALSE(is_unresolved(*p.state.finding("F-1"), day("2026-06-30")));
  EXPECT_TRUE(is_unresolved(*p.state.finding("F-1"), day("2026-07-01")));
}

TEST(Readiness, ClosedFindingsAreResolved) {
  Program p;
  p.must(kEditor, finding_on("CC7.2", kContributor));
  p.must(kContributor,
         UploadEvidence{"fix.txt", "text/plain", std::string(64, 'a'), 1, "", "", "F-1", ""});
  p.must(kContributor, ChangeFindingStatus{"F-1", "remediated", ""});
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-01-01")), "CC7.2").status,
            CriterionStatus::kGap);
  p.must(kEditor, ChangeFindingStatus{"F-1", "closed", ""});
  EXPECT_EQ(criterion(readiness_at(p.state, day("2026-01-01")), "CC7.2").status,
            CriterionStatus::kNoControl);
}

TEST(Readiness, ScopeDecidesWhichCategoriesCount) {
  Program p;
  p.must(kAdmin, SetScope{{"availability", "privacy"}});
  const Readiness r = readiness_at(p.state, day("2026-01-01"));
  EXPECT_EQ(r.overall.in_scope, 33 + 3 + 18);
  EXPECT_EQ(r.categories.size(), 3u);
  EXPECT_EQ(r.categories.at(Category::kAvailability).in_scope, 3);
  EXPECT_FALSE(r.categories.contains(Category::kConfidentiality));
  EXPECT_EQ(criterion(r, "C1.1").status, CriterionStatus::kOutOfScope);
  EXPECT_EQ(criterion(r, "P1.1").status, CriterionStatus::kNoControl);
}

TEST(Readiness, PercentIsRoundedHalfUpToOneDecimal) {
  EXPECT_EQ((ReadinessCount{0, 0}).percent_tenths(), 0);
  EXPECT_EQ((ReadinessCount{1, 3}).percent_tenths(), 333);    // 33.33
  EXPECT_EQ((ReadinessCount{2, 3}).percent_tenths(), 667);    // 66.67
  EXPECT_EQ((ReadinessCount{1, 16}).percent_tenths(), 63);    // 6.25 -> 6.3
  EXPECT_EQ((ReadinessCount{1, 32}).percent_tenths(), 31);    // 3.125 -> 3.1
  EXPECT_EQ((ReadinessCount{5, 8}).percent_tenths(), 625);    // 62.5
  EXPECT_EQ((ReadinessCount{1, 33}).percent_tenths(), 30);    // 3.03
  EXPECT_EQ((ReadinessCount{32, 33}).percent_tenths(), 970);  // 96.97
  EXPECT_EQ((ReadinessCount{33, 33}).percent_tenths(), 1000);
}

TEST(Workloads, CountsSortsAndAges) {
  Program p;
  const Date d = day("2026-03-01");
  // con: 2 open (one overdue), other: 3 (none overdue), unassigned: 1; ed: an expired acceptance.
  p.must(kEditor, finding_on("CC1.1", kContributor, "2026-02-20", "critical"));  // F-1 overdue at d
  p.must(kEditor, finding_on("CC1.2", kContributor, "2026-03-10", "low"));       // F-2 due soon
  p.now += 10 * kMicrosPerDay;                                           // recorded 2026-01-11
  p.must(kEditor, finding_on("CC1.3", kOther, "2026-03-15", "medium"));  // F-3 due soon (edge)
  p.must(kEditor, finding_on("CC1.4", kOther, "2026-03-16", "medium"));  // F-4 not soon
  p.must(kEditor, finding_on("CC1.5", kOther, "", "high"));              // F-5 no due date
  p.must(kEditor, finding_on("CC2.1", "", "2026-01-01", "high"));        // F-6 unassigned, overdue
  p.must(kEditor, finding_on("CC2.2", kEditor, "2026-01-01"));           // F-7 accepted below
  p.must(kAdmin, AcceptRisk{"F-7", "ok", "2026-02-01"});  // expired at d: back on ed's list (§5.2)
  p.must(kOther, ChangeFindingStatus{"F-5", "remediated", ""});
  const std::vector<OwnerWorkload> w = workloads_at(p.state, d);
  ASSERT_EQ(w.size(), 4u);
  // overdue desc: con (1) and unassigned (1) before other (0) and ed (0); then total desc.
  EXPECT_EQ(w[0], (OwnerWorkload{kContributor, 1, 0, 0, 1, 2, 1, 1, 59}));
  EXPECT_EQ(w[1], (OwnerWorkload{"", 0, 1, 0, 0, 1, 1, 0, 49}));
  EXPECT_EQ(w[2], (OwnerWorkload{kOther, 0, 1, 2, 0, 3, 0, 1, 49}));
  // An accepted finding is not overdue (§3: overdue is open or in_progress only).
  EXPECT_EQ(w[3], (OwnerWorkload{kEditor, 0, 1, 0, 0, 1, 0, 0, 49}));
}

// SPEC §3 and §5.2: an acceptance counts on its owner's row from the day after it expires.
TEST(Workloads, AnExpiredRiskAcceptanceIsBackOnItsOwnersRow) {
  Program p;
  p.must(kEditor, finding_on("CC7.2", kContributor, "", "critical"));
  p.must(kAdmin, AcceptRisk{"F-1", "compensating monitoring", "2026-06-30"});
  EXPECT_TRUE(workloads_at(p.state, day("2026-06-30")).empty());
  const auto w = workloads_at(p.state, day("2026-07-01"));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].owner, kContributor);
  EXPECT_EQ(w[0].critical, 1);
  EXPECT_EQ(w[0].total, 1);
  EXPECT_EQ(w[0].overdue, 0);
}

TEST(Roadmap, AnExpiredRiskAcceptanceIsOnItFlaggedAsExpired) {
  Program p;
  p.must(kEditor, finding_on("CC7.2", kContributor, "2026-05-15"));
  p.must(kAdmin, AcceptRisk{"F-1", "compensating monitoring", "2026-06-30"});
  EXPECT_FALSE(is_acceptance_expired(*p.state.finding("F-1"), day("2026-06-30")));
  EXPECT_TRUE(roadmap_at(p.state, day("2026-06-30")).empty());
  EXPECT_TRUE(is_acceptance_expired(*p.state.finding("F-1"), day("2026-07-01")));
  const auto months = roadmap_at(p.state, day("2026-07-01"));
  ASSERT_EQ(months.size(), 1u);
  ASSERT_EQ(months[0].findings.size(), 1u);
  EXPECT_EQ(months[0].findings[0].status, FindingStatus::kRiskAccepted);
  EXPECT_TRUE(months[0].findings[0].acceptance_expired);
  EXPECT_FALSE(months[0].findings[0].overdue);
}

TEST(Roadmap, OnlyRiskAcceptedFindingsHaveExpiredAcceptances) {
  Program p;
  p.must(kEditor, finding_on("CC7.2", kContributor, "2026-01-15"));
  const auto months = roadmap_at(p.state, day("2027-01-01"));
  ASSERT_EQ(months.size(), 1u);
  EXPECT_FALSE(months[0].findings[0].acceptance_expired);
  EXPECT_FALSE(is_acceptance_expired(*p.state.finding("F-1"), day("2027-01-01")));
}

TEST(Workloads, TiesGoByOwnerWithUnassignedLast) {
  Program p;
  p.must(kEditor, finding_on("CC1.1", ""));
  p.must(kEditor, finding_on("CC1.2", kOther));
  p.must(kEditor, finding_on("CC1.3", kContributor));
  const auto w = workloads_at(p.state, day("2026-01-01"));
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].owner, kContributor);
  EXPECT_EQ(w[1].owner, kOther);
  EXPECT_EQ(w[2].owner, "");
  EXPECT_EQ(w[0].oldest_days, 0);
}

TEST(Roadmap, GroupsByMonthSortsWithinAndPutsUndatedLast) {
  Program p;
  const Date d = day("2026-02-10");
  p.must(kEditor, finding_on("CC1.1", kContributor, "2026-03-05", "low"));       // F-1
  p.must(kEditor, finding_on("CC1.2", kContributor, "2026-02-01", "medium"));    // F-2 overdue
  p.must(kEditor, finding_on("CC1.3", kContributor, "2026-03-05", "critical"));  // F-3
  p.must(kEditor, finding_on("CC1.4", kContributor, "", "high"));                // F-4
  p.must(kEditor, finding_on("CC1.5", kContributor, "2026-03-01", "low"));       // F-5
  for (int i = 0; i < 6; ++i)
    p.must(kEditor, finding_on("CC2.1", kContributor, "2026-03-05", "critical"));  // F-6..F-11
  const auto months = roadmap_at(p.state, d);
  ASSERT_EQ(months.size(), 3u);
  EXPECT_EQ(months[0].month, "2026-02");
  ASSERT_EQ(months[0].findings.size(), 1u);
  EXPECT_TRUE(months[0].findings[0].overdue);
  EXPECT_EQ(months[1].month, "2026-03");
  std::vector<std::string> ids;
  for (const auto& f : months[1].findings) ids.push_back(f.id);
  // by due date, then severity (critical first), then id in natural order (F-10 after F-9).
  EXPECT_EQ(ids, (std::vector<std::string>{"F-5", "F-3", "F-6", "F-7", "F-8", "F-9", "F-10", "F-11",
                                           "F-1"}));
  EXPECT_EQ(months[2].month, "");
  EXPECT_EQ(months[2].findings[0].id, "F-4");
}

TEST(ProjectedReadyOn, NullUntilEveryCriterionHasEvidenceAndEveryGapADueDate) {
  Program p;
  const Date to = day("2026-01-15");
  EXPECT_FALSE(projected_ready_on(p.state, to).has_value());  // nothing implemented
  // One control with evidence covering all 33 security criteria.
  const std::vector<std::string> security = testing::security_criteria();
  p.must(kEditor, DefineControl{"ISMS", "Security program", "", security, "implemented"});
  p.must(kEditor, UploadEvidence{"isms.pdf", "application/pdf", std::string(64, 'a'), 1, "", "", "",
                                 "ISMS"});
  EXPECT_EQ(projected_ready_on(p.state, to), to);  // ready now: the later of `to` and nothing
  EXPECT_EQ(readiness_at(p.state, to).overall.percent_tenths(), 1000);
  p.must(kEditor, finding_on("CC6.1", kContributor, "2026-03-31"));
  p.must(kEditor, finding_on("CC7.1", kContributor, "2026-02-28"));
  EXPECT_EQ(projected_ready_on(p.state, to), day("2026-03-31"));
  p.must(kEditor, finding_on("CC8.1", kContributor));  // no due date
  EXPECT_FALSE(projected_ready_on(p.state, to).has_value());
  p.must(kEditor, SetFindingDueDate{"F-3", "2026-01-10",
                                    ""});  // overdue: still at most `to`... and F-1 later
  EXPECT_EQ(projected_ready_on(p.state, to), day("2026-03-31"));
  // Findings only on out-of-scope criteria do not count.
  p.must(kEditor, finding_on("A1.1", kContributor));
  EXPECT_EQ(projected_ready_on(p.state, to), day("2026-03-31"));
  // Expired evidence makes it null whatever the findings.
  p.must(kEditor, UploadEvidence{"x.pdf", "application/pdf", std::string(64, 'b'), 1, "",
                                 "2026-01-01", "", ""});
  p.must(kEditor, UnlinkEvidence{"E-1", "", "ISMS"});
  p.must(kEditor, LinkEvidence{"E-2", "", "ISMS"});
  EXPECT_FALSE(projected_ready_on(p.state, to).has_value());
}

TEST(NaturalOrder, NumbersCompareAsNumbers) {
  EXPECT_TRUE(natural_less("F-2", "F-10"));
  EXPECT_FALSE(natural_less("F-10", "F-2"));
  EXPECT_TRUE(natural_less("E-9", "F-1"));
  EXPECT_TRUE(natural_less("AC-01", "AC-2"));
  EXPECT_FALSE(natural_less("F-3", "F-3"));
}

}  // namespace
}  // namespace gaplog
