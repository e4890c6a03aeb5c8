// SPEC §4: every role against every command, including a deactivated user and a contributor
// acting on a finding it does not own.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAuditor;
using testing::kContributor;
using testing::kEditor;
using testing::kOther;
using testing::Program;

// A program where every command below is valid for an admin: F-1 owned by the contributor,
// F-2 owned by the other contributor, control AC-01, evidence E-1 linked to nothing, E-2
// linked to F-1 and AC-01, a token for the editor; control AR-01 owned by the contributor with
// E-3 linked to it.
Program world() {
  Program p;
  p.must(kEditor, DefineControl{"AC-01", "MFA on production", "", {"CC6.1"}, ""});
  p.finding(kContributor);
  p.finding(kOther);
  p.must(kEditor,
         UploadEvidence{"a.pdf", "application/pdf", std::string(64, 'a'), 3, "", "", "", ""});
  p.must(kEditor, UploadEvidence{"b.pdf", "application/pdf", std::string(64, 'b'), 3, "", "", "F-1",
                                 "AC-01"});
  p.must(kAdmin, IssueToken{kOther, "tok-1", std::string(32, 'h'), ""});
  // SPEC §12: AR-01 is owned by the contributor; E-3 is linked to it.
  p.must(kEditor, DefineControl{"AR-01", "Access reviews", "", {"CC6.2"}, "", kContributor});
  p.must(kEditor,
         UploadEvidence{"r.pdf", "application/pdf", std::string(64, 'd'), 3, "", "", "", "AR-01"});
  return p;
}

struct Case {
  std::string name;
  Command command;
  std::set<Role> roles;       // roles allowed whoever owns what
  bool contributor_as_owner;  // a contributor may when it owns the finding involved (F-1)
};

std::vector<Case> cases() {
  const std::set<Role> admin{Role::kAdmin};
  const std::set<Role> editors{Role::kAdmin, Role::kEditor};
  const std::set<Role> writers{Role::kAdmin, Role::kEditor, Role::kContributor};
  const std::set<Role> everyone{Role::kAdmin, Role::kEditor, Role::kContributor, Role::kAuditor};
  return {
      {"name program", NameProgram{"Acme SOC 2"}, admin, false},
      {"set scope", SetScope{{"security", "availability"}}, admin, false},
      {"add user", AddUser{"new@example.com", "New", "editor"}, admin, false},
      {"change role", ChangeUserRole{kOther, "editor"}, admin, false},
      {"deactivate user", DeactivateUser{kOther, ""}, admin, false},
      {"issue token", IssueToken{kOther, "tok-2", std::string(32, 'g'), ""}, admin, false},
      {"revoke token", RevokeToken{"tok-1"}, admin, false},
      {"define control", DefineControl{"AC-02", "Backups", "", {"A1.2"}, ""}, editors, false},
      {"update control", UpdateControl{"AC-01", "MFA everywhere", std::nullopt, std::nullopt},
       editors, false},
      {"set control status", SetControlStatus{"AC-01", "implemented", ""}, editors, false},
      {"record finding", RecordFinding{"t", "", "low", {"CC1.1"}, "", "", "", ""}, editors, false},
      {"update finding", UpdateFinding{"F-1", "new title", {}, {}, {}, {}}, editors, false},
      {"assign finding", AssignFinding{"F-1", kEditor}, editors, false},
      {"set due date", SetFindingDueDate{"F-1", "2026-03-31", ""}, editors, false},
      {"move own finding", ChangeFindingStatus{"F-1", "in_progress", ""}, editors, true},
      {"move another's finding", ChangeFindingStatus{"F-2", "in_progress", ""}, editors, false},
      {"accept risk", AcceptRisk{"F-1", "compensating control", "2026-06-01"}, admin, false},
      {"comment on own finding", AddComment{"F-1", "done"}, writers, true},
      {"comment on another's finding", AddComment{"F-2", "looks fine"}, writers, false},
      {"upload to own finding",
       UploadEvidence{"c.pdf", "application/pdf", std::string(64, 'c'), 3, "", "", "F-1", ""},
       editors, true},
      {"upload to another's finding",
       UploadEvidence{"c.pdf", "application/pdf", std::string(64, 'c'), 3, "", "", "F-2", ""},
       editors, false},
      {"upload unlinked",
       UploadEvidence{"c.pdf", "application/pdf", std::string(64, 'c'), 3, "", "", "", ""}, editors,
       false},
      {"upload to a control",
       UploadEvidence{"c.pdf", "application/pdf", std::string(64, 'c'), 3, "", "", "", "AC-01"},
       editors, false},
      {"link to own finding", LinkEvidence{"E-1", "F-1", ""}, editors, true},
      {"link to another's finding", LinkEvidence{"E-1", "F-2", ""}, editors, false},
      {"link to a control", LinkEvidence{"E-1", "", "AC-01"}, editors, false},
      {"unlink from own finding", UnlinkEvidence{"E-2", "F-1", ""}, editors, true},
      {"unlink from a control", UnlinkEvidence{"E-2", "", "AC-01"}, editors, false},
      // SPEC §4, §12: a contributor uploads and links evidence to a control it owns, and only
      // that; owners, cadences and tests are the editors'.
      {"upload to own control",
       UploadEvidence{"c.pdf", "application/pdf", std::string(64, 'c'), 3, "", "", "", "AR-01"},
       editors, true},
      {"link to own control", LinkEvidence{"E-1", "", "AR-01"}, editors, true},
      {"unlink from own control", UnlinkEvidence{"E-3", "", "AR-01"}, editors, true},
      {"set a control's owner and cadence",
       UpdateControl{"AC-01", std::nullopt, std::nullopt, std::nullopt, kContributor, "quarterly"},
       editors, false},
      {"change own control's cadence",
       UpdateControl{"AR-01", std::nullopt, std::nullopt, std::nullopt, std::nullopt, "monthly"},
       editors, false},
      {"test a control", TestControl{"AC-01", "design", "2026-01-01", "pass", "", {"E-1"}}, editors,
       false},
      {"test own control", TestControl{"AR-01", "operating", "2026-01-01", "fail", "", {}}, editors,
       false},
      // SPEC §10: a person signs in and out whatever the role (auditors included).
      {"sign in", SignIn{"sub-1", "https://idp.example.com"}, everyone, false},
      {"sign out", SignOut{}, everyone, false},
      // SPEC §11: one's own reminder settings, whatever the role; webhooks are the admin's.
      {"reminder settings", SetMyNotifications{false, std::nullopt}, everyone, false},
      {"add webhook", AddWebhook{"wh_00000000000000aa", "https://hooks.example/x", {"overdue"}},
       admin, false},
  };
}

const std::string& user_with(Role role) {
  static const std::map<Role, std::string> users{{Role::kAdmin, kAdmin},
                                                 {Role::kEditor, kEditor},
                                                 {Role::kContributor, kContributor},
                                                 {Role::kAuditor, kAuditor}};
  return users.at(role);
}

TEST(Permissions, EveryRoleAgainstEveryCommand) {
  for (const Case& c : cases()) {
    for (Role role : {Role::kAdmin, Role::kEditor, Role::kContributor, Role::kAuditor}) {
      SCOPED_TRACE(fmt::format("{} by {}", c.name, name(role)));
      Program p = world();
      const uint64_t seq_before = p.seq;
      auto r = p.run(user_with(role), c.command);
      const bool allowed =
          c.roles.contains(role) || (role == Role::kContributor && c.contributor_as_owner);
      if (allowed) {
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
      } else {
        EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << r.status().to_string();
        EXPECT_EQ(p.seq, seq_before) << "a refused command emitted events";
      }
    }
  }
}

TEST(Permissions, DeactivatedUserCanDoNothing) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Program p = world();
    p.must(kAdmin, DeactivateUser{kEditor, "left the company"});
    EXPECT_EQ(p.run(kEditor, c.command).status().code(), Code::kPermissionDenied);
  }
}

TEST(Permissions, UnknownActorCanDoNothing) {
  Program p = world();
  auto r = p.run("stranger@example.com", AddComment{"F-1", "hi"});
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("not a user"), std::string::npos);
}

TEST(Permissions, OnlyAdminsBackfill) {
  Program p = world();
  p.now += 60 * kMicrosPerDay;  // F-1 was recorded 60 days ago
  const Micros earlier = p.now - 30 * kMicrosPerDay;
  EXPECT_EQ(p.run(kEditor, AddComment{"F-1", "old"}, earlier).status().code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(p.run(kAdmin, AddComment{"F-1", "old"}, earlier).is_ok());
  EXPECT_EQ(p.run(kAdmin, AddComment{"F-1", "future"}, p.now + kMicrosPerSecond).status().code(),
            Code::kRuleViolation);
}

// SPEC §2: "a non-admin who sends X-Occurred-At gets 403, whatever the time".
TEST(Permissions, NonAdminSettingOccurredAtIsForbiddenWhateverTheTime) {
  for (Micros delta : {Micros{0}, kMicrosPerSecond, -kMicrosPerSecond,
                       400 * 24 * 3600 * kMicrosPerSecond, -10 * 365 * kMicrosPerDay}) {
    SCOPED_TRACE(delta);
    Program p = world();
    for (const std::string& who : {kEditor, kContributor, kOther}) {
      auto r = p.run(who, AddComment{"F-1", "x"}, p.now + delta);
      EXPECT_EQ(r.status().code(), Code::kPermissionDenied)
          << who << ": " << r.status().to_string();
    }
    EXPECT_EQ(p.run(kAuditor, AddComment{"F-1", "x"}, p.now + delta).status().code(),
              Code::kPermissionDenied);
  }
}

TEST(Permissions, FirstUserBootstrapsAsAdmin) {
  ProgramState empty;
  const CommandContext ctx{"root@example.com", testing::kT0, std::nullopt};
  EXPECT_EQ(decide(empty, ctx, AddUser{"root@example.com", "Root", "editor"}).status().code(),
            Code::kRuleViolation);
  EXPECT_EQ(decide(empty, ctx, AddUser{"x@example.com", "X", "admin"}).status().code(),
            Code::kRuleViolation);
  EXPECT_TRUE(decide(empty, ctx, AddUser{"root@example.com", "Root", "admin"}).is_ok());
  EXPECT_EQ(decide(empty, ctx, NameProgram{"x"}).status().code(), Code::kPermissionDenied);
}

TEST(Permissions, LastAdminStays) {
  Program p;
  p.must(kAdmin, DeactivateUser{testing::kAdmin2, ""});
  EXPECT_EQ(p.run(kAdmin, ChangeUserRole{kAdmin, "editor"}).status().code(), Code::kRuleViolation);
  EXPECT_EQ(p.run(kAdmin, DeactivateUser{kAdmin, ""}).status().code(), Code::kRuleViolation);
}

// SPEC §10: any user issues its own personal token, which must expire within a year; only
// admins issue tokens for others, and tokens that never expire.
TEST(Permissions, EveryRoleIssuesItsOwnPersonalTokenWithinAYear) {
  const std::string in_90_days = format_date(Date{date_of(testing::kT0).days + 90});
  const std::string in_366_days = format_date(Date{date_of(testing::kT0).days + 366});
  for (Role role : {Role::kAdmin, Role::kEditor, Role::kContributor, Role::kAuditor}) {
    SCOPED_TRACE(name(role));
    Program p = world();
    const std::string& me = user_with(role);
    EXPECT_TRUE(p.run(me, IssueToken{me, "tok-mine", std::string(32, 'm'), in_90_days}).is_ok());
    auto forever = p.run(me, IssueToken{me, "tok-forever", std::string(32, 'f'), ""});
    auto long_lived = p.run(me, IssueToken{me, "tok-long", std::string(32, 'l'), in_366_days});
    auto for_other = p.run(me, IssueToken{kOther, "tok-other", std::string(32, 'o'), in_90_days});
    if (role == Role::kAdmin) {
      EXPECT_TRUE(forever.is_ok()) << forever.status().to_string();
      EXPECT_TRUE(long_lived.is_ok()) << long_lived.status().to_string();
      EXPECT_TRUE(for_other.is_ok()) << for_other.status().to_string();
    } else {
      EXPECT_EQ(forever.status().code(), Code::kInvalidArgument) << forever.status().to_string();
      EXPECT_EQ(long_lived.status().code(), Code::kRuleViolation);
      EXPECT_EQ(for_other.status().code(), Code::kPermissionDenied);
    }
  }
}

TEST(Permissions, ATokenExpiresAfterTodayOrIsRefused) {
  Program p = world();
  const std::string today = format_date(date_of(testing::kT0));
  auto r = p.run(kAdmin, IssueToken{kEditor, "tok-x", std::string(32, 'x'), today});
  EXPECT_EQ(r.status().code(), Code::kRuleViolation) << r.status().to_string();
  r = p.run(kAdmin, IssueToken{kEditor, "tok-x", std::string(32, 'x'), "2026-02-30"});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().to_string();
}

TEST(Permissions, TheOwnerOfATokenRevokesItAndNoOneElseButAnAdmin) {
  Program p = world();
  const std::string later = format_date(Date{date_of(testing::kT0).days + 30});
  p.must(kContributor, IssueToken{kContributor, "tok-c", std::string(32, 'c'), later});
  EXPECT_EQ(p.run(kEditor, RevokeToken{"tok-c"}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(p.run(kAuditor, RevokeToken{"tok-c"}).status().code(), Code::kPermissionDenied);
  EXPECT_TRUE(p.run(kContributor, RevokeToken{"tok-c"}).is_ok());
}

TEST(Permissions, SignInNeedsAnActiveUserAndASubject) {
  Program p = world();
  EXPECT_EQ(p.run(kAuditor, SignIn{"", "https://idp.example.com"}).status().code(),
            Code::kInvalidArgument);
  p.must(kAdmin, DeactivateUser{kEditor, "left"});
  EXPECT_EQ(p.run(kEditor, SignIn{"sub-e", "https://idp.example.com"}).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(p.run(kEditor, SignOut{}).status().code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace gaplog
