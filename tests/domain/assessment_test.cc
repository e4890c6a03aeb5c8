// SPEC §13 in the domain: documents and their reviews, interviews, a finding's origin and risk
// rating, the audit target, and the rules computed from them (blockers, on track, the heat map,
// what was not assessed), each with its bad input.
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

Code code_of(Program& p, const std::string& actor, const Command& c) {
  return p.run(actor, c).status().code();
}

RecordDocument policy() {
  return RecordDocument{"Information Security Policy",
                        "policy",
                        "",
                        "2.1",
                        "2025-12-01",
                        "2026-12-01",
                        {"CC1.1", "CC2.1"}};
}
RecordInterview interview() {
  return RecordInterview{"Dana Reyes",         "VP Engineering", "2025-12-20",
                         {"Cara@Example.com"}, {"CC1.3"},        "on-call is tribal knowledge"};
}
RecordFinding gap(std::string origin, int likelihood = 0, int impact = 0) {
  RecordFinding f{"Policy unsigned", "", "high", {"CC1.1"}, "", "", "", "2026-03-31"};
  f.origin = std::move(origin);
  f.likelihood = likelihood;
  f.impact = impact;
  return f;
}

TEST(Documents, EditorsRecordThemInOrderAndOthersMayNot) {
  Program p;
  p.must(kEditor, policy());
  p.must(kAdmin, policy());
  ASSERT_EQ(p.state.documents.size(), 2u);
  const DocumentState& d = p.state.documents.at("D-1");
  EXPECT_EQ(d.kind, DocumentKind::kPolicy);
  EXPECT_EQ(d.document_version, "2.1");
  EXPECT_EQ(d.next_review_on, day("2026-12-01"));
  EXPECT_EQ(d.recorded_by, kEditor);
  EXPECT_TRUE(p.state.documents.contains("D-2"));
  EXPECT_EQ(code_of(p, kContributor, policy()), Code::kPermissionDenied);
  EXPECT_EQ(code_of(p, kAuditor, policy()), Code::kPermissionDenied);
  EXPECT_EQ(p.state.documents.size(), 2u);
}

TEST(Documents, BadInputIsRefusedWithWhatToFix) {
  Program p;
  RecordDocument bad = policy();
  bad.kind = "charter";
  auto r = p.run(kEditor, bad);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("policy, procedure"), std::string::npos);
  bad = policy();
  bad.criteria = {};
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad.criteria = {"CC99.1"};
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kRuleViolation);  // as for findings and controls
  bad = policy();
  bad.title = "";
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad = policy();
  bad.approved_on = "2026-02-30";
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad.approved_on = "2026-01-02";  // tomorrow
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kRuleViolation);
  bad = policy();
  bad.owner = kAuditor;
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kRuleViolation);
  bad = policy();
  bad.version = std::string(65, 'v');
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  EXPECT_TRUE(p.state.documents.empty());
  EXPECT_EQ(p.log.size(), 6u) << "nothing but the six users was written";
}

TEST(Documents, ReviewsKeepTheirOrderAndTheLatestIsByReviewDate) {
  Program p;
  p.must(kEditor, policy());
  p.must(kEditor, ReviewDocument{"D-1", "outdated", "", "2025-12-30", ""});
  p.must(kEditor, ReviewDocument{"D-1", "adequate", "signed", "2025-12-15", "2027-01-31"});
  const DocumentState& d = p.state.documents.at("D-1");
  ASSERT_EQ(d.reviews.size(), 2u);
  // The second recorded review is the earlier one: the latest stays the outdated one.
  EXPECT_EQ(d.latest_review()->outcome, ReviewOutcome::kOutdated);
  // The earlier review's next review date does not replace the one of the latest review, which
  // set none: the document keeps its own.
  EXPECT_EQ(d.next_review_on, day("2026-12-01"));
  p.must(kEditor, ReviewDocument{"D-1", "adequate", "", "2025-12-31", "2027-03-31"});
  EXPECT_EQ(d.next_review_on, day("2027-03-31"));
  // Without a date, a review is of the command's day.
  p.must(kEditor, ReviewDocument{"D-1", "adequate", "", "", ""});
  EXPECT_EQ(d.latest_review()->reviewed_on, date_of(p.now));
  EXPECT_EQ(d.latest_review()->outcome, ReviewOutcome::kAdequate);
}

TEST(Documents, ABadReviewChangesNothing) {
  Program p;
  p.must(kEditor, policy());
  EXPECT_EQ(code_of(p, kEditor, ReviewDocument{"D-9", "adequate", "", "", ""}), Code::kNotFound);
  EXPECT_EQ(code_of(p, kEditor, ReviewDocument{"D-1", "fine", "", "", ""}), Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kEditor, ReviewDocument{"D-1", "adequate", "", "2026-01-02", ""}),
            Code::kRuleViolation);  // tomorrow
  EXPECT_EQ(code_of(p, kEditor, ReviewDocument{"D-1", "adequate", "", "", "2026-13-01"}),
            Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kContributor, ReviewDocument{"D-1", "adequate", "", "", ""}),
            Code::kPermissionDenied);
  EXPECT_TRUE(p.state.documents.at("D-1").reviews.empty());
}

TEST(Interviews, AreRecordedWithNormalizedInterviewers) {
  Program p;
  p.must(kEditor, interview());
  const InterviewState& i = p.state.interviews.at("I-1");
  EXPECT_EQ(i.interviewers, std::vector<std::string>{"cara@example.com"});
  EXPECT_EQ(i.held_on, day("2025-12-20"));
  RecordInterview bad = interview();
  bad.interviewers = {};
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad.interviewers = {"not an e-mail"};
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad.interviewers = {"a@example.com", "A@example.com"};
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad = interview();
  bad.held_on = "2026-01-05";
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kRuleViolation);
  bad.held_on = "";
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  bad = interview();
  bad.stakeholder = " ";
  EXPECT_EQ(code_of(p, kEditor, bad), Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kAuditor, interview()), Code::kPermissionDenied);
  EXPECT_EQ(p.state.interviews.size(), 1u);
}

TEST(Origins, AFindingNamesWhereTheAssessmentFoundIt) {
  Program p;
  p.must(kEditor, policy());
  p.must(kEditor, interview());
  p.must(kAdmin, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"});
  p.must(kEditor, TestControl{"AC-01", "design", "2026-01-01", "fail", "", {}});
  p.must(kEditor, gap("D-1"));
  p.must(kEditor, gap("I-1"));
  p.must(kEditor, gap("AC-01#test-1"));
  EXPECT_EQ(p.state.findings.at("F-1").source, FindingSource::kDocumentReview);
  EXPECT_EQ(p.state.findings.at("F-2").source, FindingSource::kInterview);
  EXPECT_EQ(p.state.findings.at("F-3").source, FindingSource::kControlEvaluation);
  EXPECT_EQ(p.state.findings.at("F-3").origin, "AC-01#test-1");
  const FindingsByOrigin by = findings_by_origin(p.state);
  EXPECT_EQ(by.at("D-1"), std::vector<std::string>{"F-1"});
  // A source that agrees is fine; one that contradicts the origin is not.
  RecordFinding agreeing = gap("D-1");
  agreeing.source = "document_review";
  p.must(kEditor, agreeing);
  RecordFinding contradicting = gap("D-1");
  contradicting.source = "interview";
  EXPECT_EQ(code_of(p, kEditor, contradicting), Code::kRuleViolation);
  EXPECT_EQ(p.state.findings.size(), 4u);
}

TEST(Origins, ThatDoNotExistOrAreMalformedAreRefused) {
  Program p;
  p.must(kAdmin, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"});
  p.must(kEditor, TestControl{"AC-01", "design", "2026-01-01", "pass", "", {}});
  for (const char* missing : {"D-1", "I-3", "AC-01#test-2", "BK-01#test-1"}) {
    auto r = p.run(kEditor, gap(missing));
    EXPECT_EQ(r.status().code(), Code::kRuleViolation) << missing;
    EXPECT_NE(r.status().message().find(missing), std::string::npos) << r.status().message();
  }
  for (const char* malformed : {"X-1", "D-", "D-0", "D-01", "#test-1", "AC-01#test-0",
                                "AC-01#test-", "AC-01#tst-1", "d-1", "D-1 ", "bad id!#test-1"}) {
    EXPECT_EQ(code_of(p, kEditor, gap(malformed)), Code::kInvalidArgument) << malformed;
  }
  EXPECT_TRUE(p.state.findings.empty());
}

TEST(Origins, ABackfillMayNotNameAnOriginRecordedAfterIt) {
  Program p;
  p.must(kEditor, policy());  // recorded at kT0 (2026-01-01)
  auto r = p.run(kAdmin, gap("D-1"), at("2025-12-01"));
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_NE(r.status().message().find("did not exist yet"), std::string::npos);
}

TEST(Origins, AnUpdateKeepsTheSourceConsistent) {
  Program p;
  p.must(kEditor, policy());
  p.must(kEditor, interview());
  p.must(kEditor, gap("D-1"));
  UpdateFinding u;
  u.id = "F-1";
  u.origin = "I-1";
  EXPECT_EQ(code_of(p, kEditor, u), Code::kRuleViolation);
  u.origin = "";
  p.must(kEditor, u);
  EXPECT_EQ(p.state.findings.at("F-1").origin, "");
  u.origin = "D-1";
  p.must(kEditor, u);
  EXPECT_EQ(p.state.findings.at("F-1").origin, "D-1");
}

TEST(Risk, LikelihoodAndImpactGoTogetherFromOneToFive) {
  Program p;
  p.must(kEditor, gap("", 4, 5));
  EXPECT_EQ(p.state.findings.at("F-1").risk_score(), 20);
  for (auto [l, i] : {std::pair{0, 3}, {3, 0}, {6, 1}, {1, 6}, {-1, 2}}) {
    auto r = p.run(kEditor, gap("", l, i));
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << l << "x" << i;
  }
  UpdateFinding u;
  u.id = "F-1";
  u.impact = 0;  // leaving the likelihood alone
  EXPECT_EQ(code_of(p, kEditor, u), Code::kInvalidArgument);
  u.likelihood = 0;
  p.must(kEditor, u);
  EXPECT_EQ(p.state.findings.at("F-1").risk_score(), 0);
  UpdateFinding rate;
  rate.id = "F-1";
  rate.likelihood = 2;
  rate.impact = 3;
  p.must(kEditor, rate);
  EXPECT_EQ(p.state.findings.at("F-1").risk_score(), 6);
  EXPECT_EQ(code_of(p, kContributor, rate), Code::kPermissionDenied);
  EXPECT_EQ(p.state.findings.size(), 1u);
}

TEST(Risk, TheHeatMapHoldsUnresolvedFindingsByCell) {
  Program p;
  p.must(kEditor, gap("", 4, 5));
  p.must(kEditor, gap("", 4, 5));
  p.must(kEditor, gap("", 1, 2));
  p.must(kEditor, gap(""));
  p.must(kEditor, ChangeFindingStatus{"F-3", "in_progress", ""});
  const HeatMap h = heat_map_at(p.state, date_of(p.now));
  EXPECT_EQ(h.cells[3][4], (std::vector<std::string>{"F-1", "F-2"}));
  EXPECT_EQ(h.cells[0][1], std::vector<std::string>{"F-3"});
  EXPECT_EQ(h.unrated, std::vector<std::string>{"F-4"});
  size_t total = 0;
  for (const auto& row : h.cells) {
    for (const auto& cell : row) total += cell.size();
  }
  EXPECT_EQ(total, 3u);
}

TEST(AuditTarget, OnlyAdminsSetItAndItMustMakeSense) {
  Program p;
  EXPECT_EQ(code_of(p, kEditor, SetAuditTarget{"type1", "2026-06-30", "", ""}),
            Code::kPermissionDenied);
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type3", "2026-06-30", "", ""}),
            Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type1", "", "", ""}), Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type1", "2026-06-30", "2026-01-01", ""}),
            Code::kInvalidArgument);
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type1", "2025-12-31", "", ""}),
            Code::kRuleViolation);  // yesterday
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type2", "", "2026-06-30", "2026-03-01"}),
            Code::kRuleViolation);  // ends before it starts
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type2", "", "2026-06-30", "2026-06-30"}),
            Code::kRuleViolation);
  EXPECT_EQ(code_of(p, kAdmin, SetAuditTarget{"type2", "", "2026-06-30", ""}),
            Code::kInvalidArgument);
  EXPECT_FALSE(p.state.audit.has_value());
  p.must(kAdmin, SetAuditTarget{"type2", "", "2025-10-01", "2026-03-31"});  // under way
  ASSERT_TRUE(p.state.audit.has_value());
  EXPECT_EQ(p.state.audit->target(), day("2025-10-01"));
  p.must(kAdmin, SetAuditTarget{"type1", "2026-06-30", "", ""});
  EXPECT_EQ(p.state.audit->type, AuditType::kType1);
  EXPECT_EQ(p.state.audit->target(), day("2026-06-30"));
}

TEST(AuditTarget, BlockersAndOnTrackFollowTheTarget) {
  Program p;
  const Date today = date_of(p.now);
  p.must(kAdmin, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, "implemented"});
  RecordFinding late = gap("");
  late.due_date = "2026-09-30";
  p.must(kEditor, late);            // F-1, due after the target below
  RecordFinding undated = gap("");  // F-2, no due date
  undated.due_date = "";
  p.must(kEditor, undated);
  p.must(kEditor, gap(""));  // F-3, due 2026-03-31
  AuditBlockers b = audit_blockers_at(p.state, today);
  EXPECT_EQ(b.criteria.size(), 33u) << "nothing has current evidence yet";
  EXPECT_EQ(b.no_due_date, std::vector<std::string>{"F-2"});
  EXPECT_TRUE(b.due_after_target.empty()) << "no target, nothing is due after it";
  EXPECT_EQ(on_track(p.state.audit, projected_ready_on(p.state, today)), std::nullopt);
  p.must(kAdmin, SetAuditTarget{"type1", "2026-06-30", "", ""});
  b = audit_blockers_at(p.state, today);
  EXPECT_EQ(b.due_after_target, std::vector<std::string>{"F-1"});
  EXPECT_EQ(on_track(p.state.audit, std::nullopt), false);
  EXPECT_EQ(on_track(p.state.audit, day("2026-06-30")), true);
  EXPECT_EQ(on_track(p.state.audit, day("2026-07-01")), false);
  // Closed findings are no blockers; out-of-scope criteria neither.
  p.must(kAdmin, AcceptRisk{"F-2", "compensating control", "2026-12-31"});
  EXPECT_TRUE(audit_blockers_at(p.state, today).no_due_date.empty());
}

TEST(Assessment, NotAssessedIsWhatNoReviewInterviewOrTestTouched) {
  Program p;
  EXPECT_EQ(not_assessed_at(p.state).size(), 33u);
  p.must(kEditor, policy());  // CC1.1, CC2.1 but not reviewed yet
  EXPECT_EQ(not_assessed_at(p.state).size(), 33u);
  p.must(kEditor, ReviewDocument{"D-1", "adequate", "", "", ""});
  p.must(kEditor, interview());  // CC1.3
  p.must(kAdmin, DefineControl{"AC-01", "MFA", "", {"CC6.1", "A1.2"}, "implemented"});
  EXPECT_EQ(not_assessed_at(p.state).size(), 30u);
  p.must(kEditor, TestControl{"AC-01", "design", "2026-01-01", "pass", "", {}});
  const std::vector<std::string> left = not_assessed_at(p.state);
  EXPECT_EQ(left.size(), 29u) << "A1.2 is out of scope";
  EXPECT_EQ(left.front(), "CC1.2");
  EXPECT_EQ(std::count(left.begin(), left.end(), "CC6.1"), 0);
}

}  // namespace
}  // namespace gaplog
