// SPEC §3: the finding status workflow, every (from, to, role, owner-or-not) combination.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/transitions.h"
#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAdmin2;
using testing::kAuditor;
using testing::kContributor;
using testing::kEditor;
using testing::Program;

constexpr FindingStatus kAllStatuses[] = {FindingStatus::kOpen, FindingStatus::kInProgress,
                                          FindingStatus::kRemediated, FindingStatus::kClosed,
                                          FindingStatus::kRiskAccepted};
constexpr Role kAllRoles[] = {Role::kAdmin, Role::kEditor, Role::kContributor, Role::kAuditor};

const std::string& user_with(Role role) {
  switch (role) {
    case Role::kAdmin:
      return kAdmin;
    case Role::kEditor:
      return kEditor;
    case Role::kContributor:
      return kContributor;
    case Role::kAuditor:
      return kAuditor;
  }
  return kAdmin;
}

enum class Expect { kOk, kForbidden, kRefused };

// The table of SPEC §3, written independently of the code under test. `remediated_it`: the
// actor moved the finding to remediated; `owned_it_then`: the actor owned it at that moment.
Expect expected(FindingStatus from, FindingStatus to, Role role, bool owner, bool has_reason,
                bool has_evidence, bool remediated_it, bool owned_it_then) {
  using S = FindingStatus;
  if (role == Role::kAuditor) return Expect::kForbidden;  // auditors write nothing
  const bool editor_or_admin = role == Role::kAdmin || role == Role::kEditor;
  auto rule = [&](bool who, bool extra) {
    if (!who) return Expect::kForbidden;
    return extra ? Expect::kOk : Expect::kRefused;
  };
  if ((from == S::kOpen && (to == S::kInProgress || to == S::kRemediated)) ||
      (from == S::kInProgress && (to == S::kOpen || to == S::kRemediated))) {
    return rule(owner || editor_or_admin, true);
  }
  if (from == S::kRemediated && to == S::kClosed) {
    return rule(editor_or_admin && !owner, has_evidence && !remediated_it && !owned_it_then);
  }
  if (from == S::kRemediated && to == S::kInProgress) return rule(editor_or_admin, has_reason);
  if (from == S::kClosed && to == S::kOpen) return rule(editor_or_admin, has_reason);
  if (from == S::kRiskAccepted && to == S::kOpen) return rule(role == Role::kAdmin, has_reason);
  return Expect::kRefused;  // same status, risk_accepted via the status command, anything else
}

// A finding in status `from`, owned by `owner` (maybe an auditor: set up directly, since the
// rules do not let auditors own findings), with or without linked evidence. When it went
// through remediated, `remediator` moved it there while `owner_then` (default: `owner`) owned
// it; it is assigned to `owner` afterwards.
std::string finding_in(Program& p, FindingStatus from, const std::string& owner, bool evidence,
                       const std::string& remediator = kAdmin2,
                       const std::string& owner_then = "") {
  const std::string id = p.finding();
  const std::string stream = finding_stream(id);
  const std::string first_owner = owner_then.empty() ? owner : owner_then;
  if (!first_owner.empty()) p.apply(stream, FindingAssigned{id, first_owner, ""});
  if (evidence) {
    p.apply("evidence/E-1",
            EvidenceUploaded{"E-1", "mfa.png", "image/png", std::string(64, 'a'), 10, "", ""});
    p.apply("evidence/E-1", EvidenceLinked{"E-1", id, ""});
  }
  using S = FindingStatus;
  switch (from) {
    case S::kOpen:
      break;
    case S::kInProgress:
      p.apply(stream, FindingStatusChanged{id, S::kOpen, S::kInProgress, ""});
      break;
    case S::kRemediated:
      p.apply(stream, FindingStatusChanged{id, S::kOpen, S::kRemediated, ""}, remediator);
      break;
    case S::kClosed:
      p.apply(stream, FindingStatusChanged{id, S::kOpen, S::kRemediated, ""}, remediator);
      p.apply(stream, FindingStatusChanged{id, S::kRemediated, S::kClosed, ""});
      break;
    case S::kRiskAccepted:
      p.apply(stream, RiskAccepted{id, "accepted", "2026-06-01", S::kOpen});
      break;
  }
  if (first_owner != owner) p.apply(stream, FindingAssigned{id, owner, first_owner});
  return id;
}

TEST(FindingWorkflow, EveryTransitionRoleAndOwnershipCombination) {
  int checked = 0;
  for (FindingStatus from : kAllStatuses) {
    for (FindingStatus to : kAllStatuses) {
      for (Role role : kAllRoles) {
        for (bool owner : {false, true}) {
          for (bool reason : {false, true}) {
            for (bool evidence : {false, true}) {
              for (bool remediated_it : {false, true}) {
                for (bool owned_it_then : {false, true}) {
                  Program p;
                  const std::string& actor = user_with(role);
                  const std::string id = finding_in(p, from, owner ? actor : "", evidence,
                                                    remediated_it ? actor : kAdmin2,
                                                    owned_it_then ? actor : testing::kOther);
                  const uint32_t version_before = p.state.finding(id)->version;
                  auto r = p.run(actor, ChangeFindingStatus{id, std::string(name(to)),
                                                            reason ? "checked again" : ""});
                  const Expect want = expected(from, to, role, owner, reason, evidence,
                                               remediated_it, owned_it_then);
                  SCOPED_TRACE(fmt::format("{} -> {} by {}{}{}{}{}{}", name(from), name(to),
                                           name(role), owner ? " (owner)" : "",
                                           reason ? " with reason" : "",
                                           evidence ? " with evidence" : "",
                                           remediated_it ? " who moved it to remediated" : "",
                                           owned_it_then ? " who owned it then" : ""));
                  ++checked;
                  switch (want) {
                    case Expect::kOk:
                      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
                      EXPECT_EQ(p.state.finding(id)->status, to);
                      break;
                    case Expect::kForbidden:
                      EXPECT_EQ(r.status().code(), Code::kPermissionDenied)
                          << r.status().to_string();
                      break;
                    case Expect::kRefused:
                      EXPECT_EQ(r.status().code(), Code::kRuleViolation) << r.status().to_string();
                      break;
                  }
                  if (want != Expect::kOk) {
                    EXPECT_EQ(p.state.finding(id)->version, version_before)
                        << "a refused command changed state";
                    EXPECT_EQ(p.state.finding(id)->status, from);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * 5 * 4 * 2 * 2 * 2 * 2 * 2);
}

// The list the finding JSON offers the caller (allowed_transitions) is exactly what the status
// command would accept from them, given linked evidence and a reason; and a change says it needs
// a reason exactly when the command refuses it without one. Checked against the independent
// table above, so the web client can show the list as it is.
TEST(FindingWorkflow, TransitionsOpenToTheCallerAreExactlyWhatTheCommandAccepts) {
  int checked = 0;
  for (FindingStatus from : kAllStatuses) {
    for (Role role : kAllRoles) {
      for (bool owner : {false, true}) {
        for (bool remediated_it : {false, true}) {
          for (bool owned_it_then : {false, true}) {
            Program p;
            const std::string& actor = user_with(role);
            const std::string id =
                finding_in(p, from, owner ? actor : "", true, remediated_it ? actor : kAdmin2,
                           owned_it_then ? actor : testing::kOther);
            std::vector<FindingTransition> open =
                transitions_open_to(*p.state.user(actor), *p.state.finding(id));
            for (FindingStatus to : kAllStatuses) {
              SCOPED_TRACE(fmt::format("{} -> {} by {}{}{}{}", name(from), name(to), name(role),
                                       owner ? " (owner)" : "",
                                       remediated_it ? " who moved it to remediated" : "",
                                       owned_it_then ? " who owned it then" : ""));
              const bool accepted = expected(from, to, role, owner, true, true, remediated_it,
                                             owned_it_then) == Expect::kOk;
              auto listed = std::find_if(open.begin(), open.end(),
                                         [&](const FindingTransition& t) { return t.to == to; });
              ASSERT_EQ(listed != open.end(), accepted);
              if (accepted) {
                const bool needs_reason = expected(from, to, role, owner, false, true,
                                                   remediated_it, owned_it_then) != Expect::kOk;
                EXPECT_EQ(listed->reason_required, needs_reason);
              }
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * 4 * 2 * 2 * 2 * 5);
}

TEST(FindingWorkflow, RefusalNamesTheAllowedTransitions) {
  Program p;
  const std::string id = p.finding();
  auto r = p.run(kEditor, ChangeFindingStatus{id, "closed", ""});
  ASSERT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_NE(r.status().message().find("in_progress or remediated"), std::string::npos)
      << r.status().message();
  auto same = p.run(kEditor, ChangeFindingStatus{id, "open", ""});
  EXPECT_EQ(same.status().code(), Code::kRuleViolation);
  auto risk = p.run(kAdmin, ChangeFindingStatus{id, "risk_accepted", ""});
  EXPECT_EQ(risk.status().code(), Code::kRuleViolation);
  EXPECT_NE(risk.status().message().find("risk-acceptance command"), std::string::npos);
  EXPECT_EQ(p.run(kEditor, ChangeFindingStatus{id, "done", ""}).status().code(),
            Code::kInvalidArgument);
}

TEST(FindingWorkflow, NewFindingStartsOpen) {
  Program p;
  const std::string id = p.finding();
  EXPECT_EQ(id, "F-1");
  EXPECT_EQ(p.state.finding(id)->status, FindingStatus::kOpen);
  EXPECT_EQ(p.finding(), "F-2");
}

TEST(FindingWorkflow, OwnerCannotCloseOwnFinding) {
  Program p;
  const std::string id = finding_in(p, FindingStatus::kRemediated, kEditor, true);
  EXPECT_EQ(p.run(kEditor, ChangeFindingStatus{id, "closed", ""}).status().code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(p.run(kAdmin, ChangeFindingStatus{id, "closed", ""}).is_ok());
}

// SPEC §3, segregation of duties: unassigning does not get round it.
TEST(FindingWorkflow, WhoMovedItToRemediatedCannotCloseItAfterUnassigning) {
  Program p;
  const std::string id = p.finding(kEditor);
  p.must(kEditor, ChangeFindingStatus{id, "remediated", ""});
  p.must(kEditor, UploadEvidence{"fix.png", "image/png", std::string(64, 'a'), 10, "", "", id, ""});
  p.must(kEditor, AssignFinding{id, ""});
  EXPECT_EQ(p.state.finding(id)->remediated_by, kEditor);
  EXPECT_EQ(p.state.finding(id)->owner_when_remediated, kEditor);
  auto r = p.run(kEditor, ChangeFindingStatus{id, "closed", ""});
  ASSERT_EQ(r.status().code(), Code::kRuleViolation) << r.status().to_string();
  EXPECT_NE(r.status().message().find("segregation of duties"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("moved F-1 to remediated"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(p.state.finding(id)->status, FindingStatus::kRemediated);
  EXPECT_TRUE(p.run(kAdmin, ChangeFindingStatus{id, "closed", ""}).is_ok());
}

TEST(FindingWorkflow, WhoOwnedItWhenRemediatedCannotCloseItAfterReassigning) {
  Program p;
  const std::string id = p.finding(kEditor);
  p.must(kAdmin2, ChangeFindingStatus{id, "remediated", ""});
  p.must(kEditor, UploadEvidence{"fix.png", "image/png", std::string(64, 'a'), 10, "", "", id, ""});
  p.must(kAdmin, AssignFinding{id, kContributor});
  auto r = p.run(kEditor, ChangeFindingStatus{id, "closed", ""});
  ASSERT_EQ(r.status().code(), Code::kRuleViolation) << r.status().to_string();
  EXPECT_NE(r.status().message().find("owned F-1 when it was moved to remediated"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(p.run(kAdmin2, ChangeFindingStatus{id, "closed", ""}).status().code(),
            Code::kRuleViolation);
  EXPECT_TRUE(p.run(kAdmin, ChangeFindingStatus{id, "closed", ""}).is_ok());
}

// The people of the last move to remediated count, not of an earlier one.
TEST(FindingWorkflow, ALaterRemediationDecidesWhoMayClose) {
  Program p;
  const std::string id = p.finding();
  p.must(kAdmin, ChangeFindingStatus{id, "remediated", ""});
  p.must(kAdmin2, ChangeFindingStatus{id, "in_progress", "still broken"});
  p.must(kAdmin2, ChangeFindingStatus{id, "remediated", ""});
  p.must(kEditor, UploadEvidence{"fix.png", "image/png", std::string(64, 'a'), 10, "", "", id, ""});
  EXPECT_EQ(p.run(kAdmin2, ChangeFindingStatus{id, "closed", ""}).status().code(),
            Code::kRuleViolation);
  EXPECT_TRUE(p.run(kAdmin, ChangeFindingStatus{id, "closed", ""}).is_ok());
}

TEST(FindingWorkflow, ClosingNeedsEvidenceAndUnlinkingRemovesIt) {
  Program p;
  const std::string id = finding_in(p, FindingStatus::kRemediated, kContributor, true);
  p.must(kEditor, UnlinkEvidence{"E-1", id, ""});
  auto r = p.run(kEditor, ChangeFindingStatus{id, "closed", ""});
  EXPECT_EQ(r.status().code(), Code::kRuleViolation);
  EXPECT_NE(r.status().message().find("evidence"), std::string::npos);
  p.must(kContributor, LinkEvidence{"E-1", id, ""});
  EXPECT_TRUE(p.run(kEditor, ChangeFindingStatus{id, "closed", ""}).is_ok());
}

class RiskAcceptance : public ::testing::Test {
 protected:
  Program p;
  std::string id = p.finding(testing::kContributor);
};

TEST_F(RiskAcceptance, AdminAcceptsWithinAYear) {
  // kT0 is 2026-01-01: the bound is 2027-01-01 inclusive, the command's date exclusive.
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "compensating control", "2026-01-01"}).status().code(),
            Code::kRuleViolation);
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "compensating control", "2027-01-02"}).status().code(),
            Code::kRuleViolation);
  auto ok = p.run(kAdmin, AcceptRisk{id, "compensating control", "2027-01-01"});
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  const FindingState* f = p.state.finding(id);
  EXPECT_EQ(f->status, FindingStatus::kRiskAccepted);
  ASSERT_TRUE(f->risk_acceptance.has_value());
  EXPECT_EQ(f->risk_acceptance->approved_by, kAdmin);
  EXPECT_EQ(format_optional_date(f->risk_acceptance->expires_on), "2027-01-01");
}

TEST_F(RiskAcceptance, TomorrowIsTheEarliestExpiry) {
  EXPECT_TRUE(p.run(kAdmin, AcceptRisk{id, "short", "2026-01-02"}).is_ok());
}

TEST_F(RiskAcceptance, BoundsUseTheBackfilledDate) {
  // Back-filled to 2025-03-01: 2026-03-01 is 365 days later and allowed; 2026-03-02 is not.
  const Micros march = 1'740'787'200LL * kMicrosPerSecond;  // 2025-03-01T00:00:00Z
  // The finding must exist then (SPEC §2), so it is back-filled too.
  ASSERT_TRUE(
      p.run(kAdmin, RecordFinding{"Old gap", "", "low", {"CC1.1"}, "", "", "", ""}, march).is_ok());
  const std::string old = "F-" + std::to_string(p.state.findings_recorded);
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{old, "x", "2026-03-02"}, march).status().code(),
            Code::kRuleViolation);
  EXPECT_TRUE(p.run(kAdmin, AcceptRisk{old, "x", "2026-03-01"}, march).is_ok());
}

TEST_F(RiskAcceptance, NeedsAnAdminOtherThanTheOwnerAndAJustification) {
  EXPECT_EQ(p.run(kEditor, AcceptRisk{id, "x", "2026-06-01"}).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(p.run(kAuditor, AcceptRisk{id, "x", "2026-06-01"}).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "", "2026-06-01"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "  ", "2026-06-01"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "x", "2026-13-01"}).status().code(),
            Code::kInvalidArgument);
  const std::string own = p.finding(kAdmin2);
  EXPECT_EQ(p.run(kAdmin2, AcceptRisk{own, "x", "2026-06-01"}).status().code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(p.run(kAdmin, AcceptRisk{own, "x", "2026-06-01"}).is_ok());
}

TEST_F(RiskAcceptance, OnlyFromOpenOrInProgress) {
  p.must(kContributor, ChangeFindingStatus{id, "remediated", ""});
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "x", "2026-06-01"}).status().code(), Code::kRuleViolation);
  p.must(kEditor, ChangeFindingStatus{id, "in_progress", "not fixed"});
  EXPECT_TRUE(p.run(kAdmin, AcceptRisk{id, "x", "2026-06-01"}).is_ok());
  EXPECT_EQ(p.run(kAdmin, AcceptRisk{id, "x", "2026-06-01"}).status().code(), Code::kRuleViolation);
}

TEST_F(RiskAcceptance, RevokingClearsTheAcceptance) {
  p.must(kAdmin, AcceptRisk{id, "x", "2026-06-01"});
  p.must(kAdmin, ChangeFindingStatus{id, "open", "control failed"});
  EXPECT_FALSE(p.state.finding(id)->risk_acceptance.has_value());
}

}  // namespace
}  // namespace gaplog
