// SPEC §9 through the commands: every limit at its edge, and every rejection leaves the state
// unchanged.
#include <gtest/gtest.h>

#include "domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kAuditor;
using testing::kContributor;
using testing::kEditor;
using testing::Program;

RecordFinding finding_with(std::string title) {
  return RecordFinding{std::move(title), "", "high", {"CC6.1"}, "", "", "", ""};
}

class CommandValidation : public ::testing::Test {
 protected:
  // Runs a command that must be refused with `code` and checks nothing changed.
  void refused(const std::string& actor, const Command& cmd, Code code) {
    const uint64_t before = p.seq;
    auto r = p.run(actor, cmd);
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
    EXPECT_FALSE(r.status().message().empty());
    EXPECT_EQ(p.seq, before);
  }
  Program p;
};

TEST_F(CommandValidation, TitleLimitIs200Characters) {
  EXPECT_TRUE(p.run(kEditor, finding_with(std::string(200, 't'))).is_ok());
  refused(kEditor, finding_with(std::string(201, 't')), Code::kInvalidArgument);
  // Characters, not bytes: 200 two-byte characters are fine.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";  // é
  EXPECT_TRUE(p.run(kEditor, finding_with(accents)).is_ok());
  refused(kEditor, finding_with(""), Code::kInvalidArgument);
  refused(kEditor, finding_with("   "), Code::kInvalidArgument);
}

TEST_F(CommandValidation, LongTextLimitIs10000Characters) {
  const std::string id = p.finding();
  EXPECT_TRUE(p.run(kEditor, AddComment{id, std::string(10'000, 'c')}).is_ok());
  refused(kEditor, AddComment{id, std::string(10'001, 'c')}, Code::kInvalidArgument);
  RecordFinding f = finding_with("t");
  f.description = std::string(10'001, 'd');
  refused(kEditor, f, Code::kInvalidArgument);
  f.description = std::string(10'000, 'd');
  EXPECT_TRUE(p.run(kEditor, f).is_ok());
  refused(kAdmin, AcceptRisk{id, std::string(10'001, 'j'), "2026-06-01"}, Code::kInvalidArgument);
}

TEST_F(CommandValidation, InvalidUtf8IsRefused) {
  refused(kEditor, finding_with("bad \xC0\xAF"), Code::kInvalidArgument);
  refused(kEditor, finding_with("bad \xED\xA0\x80"), Code::kInvalidArgument);
  const std::string id = p.finding();
  refused(kEditor, AddComment{id, "trunc \xE2\x82"}, Code::kInvalidArgument);
}

TEST_F(CommandValidation, UnknownCriteriaAreARuleViolation) {
  RecordFinding f = finding_with("t");
  f.criteria = {"CC6.9"};
  refused(kEditor, f, Code::kRuleViolation);
  f.criteria = {};
  refused(kEditor, f, Code::kInvalidArgument);
  f.criteria = {"CC6.1", "CC6.1"};
  refused(kEditor, f, Code::kInvalidArgument);
  refused(kEditor, DefineControl{"AC-01", "x", "", {"Z9.9"}, ""}, Code::kRuleViolation);
}

TEST_F(CommandValidation, EnumsAndDates) {
  RecordFinding f = finding_with("t");
  f.severity = "urgent";
  refused(kEditor, f, Code::kInvalidArgument);
  f = finding_with("t");
  f.source = "rumour";
  refused(kEditor, f, Code::kInvalidArgument);
  f = finding_with("t");
  f.due_date = "2026-02-30";
  refused(kEditor, f, Code::kInvalidArgument);
  f.due_date = "2024-02-29";
  EXPECT_TRUE(p.run(kEditor, f).is_ok());
  refused(kEditor, SetFindingDueDate{"F-1", "31/03/2026", ""}, Code::kInvalidArgument);
  refused(kAdmin, SetScope{{"security", "availabilty"}}, Code::kInvalidArgument);
  refused(kAdmin, AddUser{"x@example.com", "X", "owner"}, Code::kInvalidArgument);
}

TEST_F(CommandValidation, UnknownOrInactiveUsersCannotOwnFindings) {
  RecordFinding f = finding_with("t");
  f.owner = "ghost@example.com";
  refused(kEditor, f, Code::kRuleViolation);
  f.owner = kAuditor;
  refused(kEditor, f, Code::kRuleViolation);
  p.must(kAdmin, DeactivateUser{kContributor, ""});
  f.owner = kContributor;
  refused(kEditor, f, Code::kRuleViolation);
  const std::string id = p.finding();
  refused(kEditor, AssignFinding{id, kContributor}, Code::kRuleViolation);
  refused(kEditor, AssignFinding{id, "ghost@example.com"}, Code::kRuleViolation);
}

TEST_F(CommandValidation, EmailsAreCaseInsensitiveAndUnique) {
  refused(kAdmin, AddUser{"ED@Example.com", "Dup", "editor"}, Code::kAlreadyExists);
  refused(kAdmin, AddUser{"not-an-email", "X", "editor"}, Code::kInvalidArgument);
  const std::string id = p.finding();
  EXPECT_TRUE(p.run(kEditor, AssignFinding{id, "CON@example.com"}).is_ok());
  EXPECT_EQ(p.state.finding(id)->owner, kContributor);
}

TEST_F(CommandValidation, ControlIdsAreCheckedAndUnique) {
  EXPECT_TRUE(p.run(kEditor, DefineControl{"AC-01", "MFA", "", {"CC6.1"}, ""}).is_ok());
  refused(kEditor, DefineControl{"AC-01", "again", "", {"CC6.1"}, ""}, Code::kAlreadyExists);
  refused(kEditor, DefineControl{"-bad", "x", "", {"CC6.1"}, ""}, Code::kInvalidArgument);
  refused(kEditor, DefineControl{std::string(33, 'a'), "x", "", {"CC6.1"}, ""},
          Code::kInvalidArgument);
  EXPECT_TRUE(p.run(kEditor, DefineControl{std::string(32, 'a'), "x", "", {"CC6.1"}, ""}).is_ok());
  refused(kEditor, SetControlStatus{"AC-01", "not_implemented", ""}, Code::kRuleViolation);
  refused(kEditor, SetControlStatus{"AC-99", "implemented", ""}, Code::kNotFound);
  RecordFinding f = finding_with("t");
  f.control = "AC-99";
  refused(kEditor, f, Code::kNotFound);
}

TEST_F(CommandValidation, EvidenceValidity) {
  const std::string id = p.finding();
  refused(kEditor,
          UploadEvidence{"../etc/passwd", "text/plain", std::string(64, 'a'), 1, "", "", id, ""},
          Code::kInvalidArgument);
  refused(kEditor, UploadEvidence{"a.txt", "not a type", std::string(64, 'a'), 1, "", "", id, ""},
          Code::kInvalidArgument);
  refused(kEditor,
          UploadEvidence{"a.txt", "text/plain", std::string(64, 'a'), 1, "2026-02-01", "2026-01-31",
                         id, ""},
          Code::kRuleViolation);
  EXPECT_TRUE(p.run(kEditor, UploadEvidence{"a.txt", "text/plain", std::string(64, 'a'), 1,
                                            "2026-01-31", "2026-01-31", id, ""})
                  .is_ok());
  refused(kEditor, LinkEvidence{"E-1", id, ""}, Code::kRuleViolation);  // already linked
  refused(kEditor, LinkEvidence{"E-1", id, "AC-01"}, Code::kInvalidArgument);
  refused(kEditor, LinkEvidence{"E-9", id, ""}, Code::kNotFound);
}

TEST_F(CommandValidation, UpdatesKeepWhatTheyDoNotName) {
  const std::string id = p.finding();
  p.must(kEditor,
         UpdateFinding{id, std::nullopt, "more detail", "critical", std::nullopt, std::nullopt});
  const FindingState* f = p.state.finding(id);
  EXPECT_EQ(f->title, "MFA missing on the VPN");
  EXPECT_EQ(f->description, "more detail");
  EXPECT_EQ(f->severity, Severity::kCritical);
  refused(kEditor, UpdateFinding{id, {}, {}, {}, {}, {}}, Code::kInvalidArgument);
}

}  // namespace
}  // namespace gaplog
