// SPEC §13 on the command line (issue 21): the documents reviewed and their reviews, interviews,
// findings with an origin and a risk rating, the assessment and the heat map, the audit date, and
// the spreadsheet import's new columns. The real gaplog binary on a fresh program, in embedded
// mode and against a running server; every bad command is refused with a message that names what
// is wrong, and changes nothing. Dates are counted from today's real UTC date, since the binary
// reads the system clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/gaplog_cli.h"
#include "../support/temp_dir.h"
#include "codec/json.h"
#include "domain/time.h"
#include "store/clock.h"

namespace gaplog {
namespace {

using testing::gaplog;
using testing::Outcome;
using Ids = std::vector<std::string>;

// The strings of a JSON array (ids, criteria, e-mails); empty when `v` is not one.
Ids strings_of(const json::Value* v) {
  Ids out;
  if (v == nullptr || !v->is_array()) return out;
  for (const json::Value& x : v->items()) out.push_back(x.as_string());
  return out;
}

// The ids of a list answer ({"items": [{"id"}…]}) in its order.
Ids ids_of(const std::string& text) {
  Ids ids;
  auto v = json::parse(text);
  if (!v.is_ok() || v->find("items") == nullptr) return ids;
  for (const json::Value& item : v->find("items")->items())
    ids.push_back(item.find("id")->as_string());
  return ids;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class AssessmentCli : public testing::CliProgramTest {
 protected:
  void SetUp() override {
    CliProgramTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(run("user add cara@example.com --name Cara --role editor").status, 0);
    ASSERT_EQ(run("user add oli@example.com --name Oli --role contributor").status, 0);
  }
  // `args` with --json must succeed; its answer.
  json::Value answer(const std::string& args) {
    auto v = json::parse(ok("--json " + args));
    EXPECT_TRUE(v.is_ok()) << args;
    return v.is_ok() ? *v : json::Value();
  }
  // `args` must be refused with `exit_code`, saying each of `words` on stderr.
  void refused(const std::string& args, int exit_code, const std::vector<std::string>& words) {
    Outcome r = run(args);
    EXPECT_EQ(r.status, exit_code) << args << "\n" << r.out << r.err;
    for (const std::string& w : words) EXPECT_TRUE(has(r.err, w)) << args << ": " << r.err;
  }
  // A document D-n, an interview I-n and a control with one test (AC-01#test-1).
  void record_the_assessment() {
    ok("document add --title 'Information Security Policy' --kind policy --criteria CC1.1,CC2.1");
    ok("document review D-1 --outcome outdated --notes 'names a retired VPN'");
    ok("interview add --stakeholder 'Dana Reyes' --role 'VP Engineering' --held-on " + day(-2) +
       " --interviewer cara@example.com --criteria CC1.3");
    ok("control add AC-01 --title MFA --criteria CC6.1 --status implemented");
    ok("control test AC-01 --kind operating --tested-on " + day(0) + " --result fail");
  }
  // The audit target as `program show` has it.
  json::Value audit_target() {
    json::Value program = answer("program show");
    const json::Value* audit = program.find("audit");
    return audit == nullptr ? json::Value() : *audit;
  }
};

TEST_F(AssessmentCli, DocumentsAreRecordedReviewedAndListed) {
  json::Value d = answer(
      "document add --title 'Information Security Policy' --kind Policy --criteria 'CC1.1, CC2.1' "
      "--owner ada@example.com --version 2.1 --approved-on " +
      day(-300) + " --next-review-on " + day(-10));
  EXPECT_EQ(d.find("id")->as_string(), "D-1");
  EXPECT_EQ(d.find("kind")->as_string(), "policy") << "enum values in any letter case";
  EXPECT_EQ(strings_of(d.find("criteria")), (Ids{"CC1.1", "CC2.1"}));
  EXPECT_TRUE(d.find("review_due")->as_bool()) << "next review was due ten days ago";
  EXPECT_TRUE(d.find("latest_review")->is_null());

  json::Value reviewed =
      answer("document review D-1 --outcome Outdated --notes 'names a retired VPN' --reviewed-on " +
             day(-1) + " --next-review-on " + day(90));
  ASSERT_EQ(reviewed.find("reviews")->items().size(), 1u);
  EXPECT_EQ(reviewed.find("latest_review")->find("outcome")->as_string(), "outdated");
  EXPECT_EQ(reviewed.find("latest_review")->find("reviewed_by")->as_string(), "ada@example.com");

  const std::string list = ok("document list");
  EXPECT_TRUE(std::regex_search(list, std::regex("latest_review"))) << list;
  EXPECT_TRUE(has(list, "outdated " + day(-1))) << list;
  EXPECT_TRUE(has(list, "Information Security Policy")) << list;
  EXPECT_EQ(answer("document show D-1").find("document_version")->as_string(), "2.1");
  const std::string shown = ok("document show D-1");
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nlatest_review +outdated "))) << shown;
  EXPECT_TRUE(has(shown, "reviews (1)")) << shown;
  EXPECT_TRUE(has(shown, "names a retired VPN")) << shown;

  // Bad input is refused with what is wrong, and nothing is written.
  refused("document add --title Memo --kind memo --criteria CC1.1", 1, {"'memo'", "procedure"});
  refused("document add --title Memo --kind policy --criteria CC99.1", 1, {"CC99.1"});
  refused("document review D-1 --outcome fine", 1, {"'fine'", "adequate"});
  refused("document review D-9 --outcome adequate", 1, {"D-9"});
  refused("document add --title Memo --criteria CC1.1", 2, {"--kind"});
  refused("--as oli@example.com document add --title Memo --kind plan --criteria CC1.1", 1, {});
  EXPECT_EQ(ids_of(ok("--json document list")), (Ids{"D-1"}));
  EXPECT_EQ(answer("document show D-1").find("reviews")->items().size(), 1u);
}

TEST_F(AssessmentCli, DocumentsAndInterviewsAreSeenAsOfADay) {
  ok("--occurred-at " + day(-10) +
     "T09:00:00Z document add --title 'Backup Plan' --kind plan --criteria A1.2");
  ok("--occurred-at " + day(-10) + "T10:00:00Z interview add --stakeholder 'Sam Ito' --role CTO " +
     "--held-on " + day(-10) + " --interviewer cara@example.com --criteria CC1.2");
  EXPECT_EQ(ids_of(ok("--json document list --as-of " + day(-11))), Ids{});
  EXPECT_EQ(ids_of(ok("--json document list --as-of " + day(-5))), (Ids{"D-1"}));
  EXPECT_EQ(ids_of(ok("--json interview list --as-of " + day(-11))), Ids{});
  EXPECT_EQ(ids_of(ok("--json interview list --as-of " + day(-5))), (Ids{"I-1"}));
  EXPECT_EQ(run("document show D-1 --as-of " + day(-11)).status, 1) << "not recorded yet";
}

TEST_F(AssessmentCli, InterviewsAreRecordedAndListed) {
  json::Value i = answer("interview add --stakeholder 'Dana Reyes' --role 'VP Engineering' " +
                         std::string("--held-on ") + day(-3) +
                         " --interviewer cara@example.com --interviewer ada@example.com "
                         "--criteria CC1.3,CC3.2 --notes 'no risk register'");
  EXPECT_EQ(i.find("id")->as_string(), "I-1");
  EXPECT_EQ(strings_of(i.find("interviewers")), (Ids{"cara@example.com", "ada@example.com"}));
  EXPECT_EQ(i.find("stakeholder_role")->as_string(), "VP Engineering");
  EXPECT_EQ(i.find("held_on")->as_string(), day(-3));
  json::Value two = answer("interview add --stakeholder Sam --role CTO --held-on " + day(-1) +
                           " --interviewer 'cara@example.com, ada@example.com' --criteria CC1.2");
  EXPECT_EQ(strings_of(two.find("interviewers")), (Ids{"cara@example.com", "ada@example.com"}))
      << "--interviewer takes a,b too";

  const std::string list = ok("interview list");
  EXPECT_TRUE(has(list, "Dana Reyes")) << list;
  EXPECT_TRUE(has(list, "cara@example.com,ada@example.com")) << list;
  const std::string shown = ok("interview show I-1");
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nnotes +no risk register\\n"))) << shown;

  refused("interview add --stakeholder X --role Y --held-on " + day(-1) +
              " --interviewer cara --criteria CC1.3",
          1, {"'cara'"});
  refused("interview add --stakeholder X --role Y --held-on " + day(-1) +
              " --interviewer cara@example.com,cara@example.com --criteria CC1.3",
          1, {"twice"});
  refused(
      "interview add --stakeholder X --role Y --held-on 2026-02-30 "
      "--interviewer cara@example.com --criteria CC1.3",
      1, {"2026-02-30"});
  refused("interview add --stakeholder X --role Y --held-on " + day(-1) + " --criteria CC1.3", 2,
          {"--interviewer"});
  EXPECT_EQ(ids_of(ok("--json interview list")), (Ids{"I-1", "I-2"}));
}

TEST_F(AssessmentCli, FindingsCarryAnOriginAndARisk) {
  record_the_assessment();
  json::Value f = answer(
      "finding add --title 'Policy out of date' --severity medium --criteria CC1.1 --origin D-1 "
      "--likelihood 4 --impact 5");
  EXPECT_EQ(f.find("origin")->as_string(), "D-1");
  EXPECT_EQ(f.find("risk_score")->as_integer(), 20);
  EXPECT_EQ(f.find("source")->as_string(), "document_review") << "the source follows the origin";
  json::Value t = answer(
      "finding add --title 'MFA test failed' --severity high --criteria CC6.1 --origin "
      "'AC-01#test-1' --likelihood 2 --impact 3");
  EXPECT_EQ(t.find("source")->as_string(), "control_evaluation");
  EXPECT_EQ(t.find("risk_score")->as_integer(), 6);
  ok("finding add --title 'No risk register' --severity low --criteria CC1.3 --origin I-1");

  const std::string shown = ok("finding show F-1");
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\norigin +D-1\\n"))) << shown;
  EXPECT_TRUE(
      std::regex_search(shown, std::regex("\\nrisk_score +20 \\(likelihood 4 x impact 5\\)\\n")))
      << shown;
  const std::string list = ok("finding list");
  EXPECT_TRUE(std::regex_search(list, std::regex("^id +severity +risk +status"))) << list;
  EXPECT_TRUE(std::regex_search(list, std::regex("\\nF-1 +medium +20 +open"))) << list;
  EXPECT_TRUE(std::regex_search(list, std::regex("\\nF-3 +low +- +open"))) << list;
  EXPECT_EQ(strings_of(answer("document show D-1").find("findings")), (Ids{"F-1"}));
  EXPECT_EQ(strings_of(answer("interview show I-1").find("findings")), (Ids{"F-3"}));

  json::Value updated = answer("finding update F-1 --likelihood 2 --impact 2");
  EXPECT_EQ(updated.find("risk_score")->as_integer(), 4);
  json::Value cleared = answer("finding update F-1 --likelihood none");
  EXPECT_TRUE(cleared.find("likelihood")->is_null());
  EXPECT_TRUE(cleared.find("impact")->is_null()) << "the rating is cleared as a pair";
  EXPECT_TRUE(cleared.find("risk_score")->is_null());
  EXPECT_TRUE(answer("finding update F-2 --origin none").find("origin")->is_null());
}

TEST_F(AssessmentCli, BadOriginsAndRatingsAreRefusedAndChangeNothing) {
  record_the_assessment();
  ok("finding add --title 'Policy out of date' --severity medium --criteria CC1.1 --origin D-1 "
     "--likelihood 4 --impact 5");
  const std::string base = "finding add --title T --severity low --criteria CC1.1 ";
  refused(base + "--likelihood 0 --impact 3", 1, {"likelihood"});
  refused(base + "--likelihood 6 --impact 3", 1, {"likelihood"});
  refused(base + "--likelihood 3 --impact 9", 1, {"impact"});
  refused(base + "--likelihood 3", 1, {"impact"});
  refused(base + "--origin D-9", 1, {"D-9"});
  refused(base + "--origin I-4", 1, {"I-4"});
  refused(base + "--origin 'AC-01#test-2'", 1, {"AC-01#test-2"});
  refused(base + "--origin 'not an origin'", 1, {"not an origin"});
  refused(base + "--origin D-1 --source interview", 1, {"interview"});
  refused(base + "--likelihood high --impact 3", 2, {"--likelihood", "'high'"});
  refused(base + "--likelihood none --impact none", 2, {"--likelihood"});
  EXPECT_EQ(ids_of(ok("--json finding list")), (Ids{"F-1"})) << "nothing was recorded";

  const std::string before = ok("--json finding show F-1");
  refused("finding update F-1 --likelihood 6 --impact 1", 1, {"likelihood"});
  refused("finding update F-1 --origin D-7", 1, {"D-7"});
  refused("finding update F-1 --likelihood none --impact 3", 2, {"together"});
  refused("finding update F-1 --impact 3.5", 2, {"--impact", "'3.5'"});
  EXPECT_EQ(ok("--json finding show F-1"), before) << "F-1 is as it was";
}

TEST_F(AssessmentCli, TheAssessmentListsWhatWasAssessedAndWhatWasNot) {
  record_the_assessment();
  ok("finding add --title 'Policy out of date' --severity medium --criteria CC1.1 --origin D-1");
  ok("finding add --title 'MFA test failed' --severity high --criteria CC6.1 --origin "
     "'AC-01#test-1'");
  json::Value a = answer("assessment");
  ASSERT_EQ(a.find("documents")->items().size(), 1u);
  EXPECT_EQ(strings_of(a.find("documents")->items()[0].find("findings")), (Ids{"F-1"}));
  ASSERT_EQ(a.find("tests")->items().size(), 1u);
  EXPECT_EQ(a.find("tests")->items()[0].find("ref")->as_string(), "AC-01#test-1");
  EXPECT_EQ(strings_of(a.find("tests")->items()[0].find("findings")), (Ids{"F-2"}));
  const Ids not_assessed = strings_of(a.find("not_assessed"));
  for (const char* assessed : {"CC1.1", "CC1.3", "CC6.1"}) {
    EXPECT_EQ(std::count(not_assessed.begin(), not_assessed.end(), assessed), 0) << assessed;
  }
  EXPECT_EQ(std::count(not_assessed.begin(), not_assessed.end(), "CC9.2"), 1);

  const std::string text = ok("assessment");
  EXPECT_TRUE(std::regex_search(
      text, std::regex("^assessment as of " + day(0) + ": [0-9]+ of [0-9]+ in-scope criteria")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\\nD-1 +policy +outdated " + day(0)))) << text;
  EXPECT_TRUE(has(text, "Dana Reyes")) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\\nAC-01#test-1 +" + day(0) +
                                                 " +operating +"
                                                 "fail +F-2 +MFA")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\\nnot assessed \\([0-9]+\\): .*CC9\\.2")))
      << text;
  const std::string before = ok("assessment --as-of " + day(-30));
  EXPECT_TRUE(has(before, "documents: none")) << before;
  EXPECT_TRUE(has(before, "interviews: none")) << before;
}

TEST_F(AssessmentCli, TheHeatMapCountsUnresolvedFindingsByLikelihoodAndImpact) {
  const std::string add = "finding add --severity high --criteria CC6.1 ";
  ok(add + "--title A --likelihood 5 --impact 4");
  ok(add + "--title B --likelihood 5 --impact 4");
  ok(add + "--title C --likelihood 1 --impact 1");
  ok(add + "--title D");
  json::Value map = answer("heatmap");
  ASSERT_EQ(map.find("cells")->items().size(), 25u);
  for (const json::Value& c : map.find("cells")->items()) {
    if (c.find("likelihood")->as_integer() == 5 && c.find("impact")->as_integer() == 4) {
      EXPECT_EQ(strings_of(c.find("findings")), (Ids{"F-1", "F-2"}));
    }
  }
  EXPECT_EQ(strings_of(map.find("unrated")), (Ids{"F-4"}));

  const std::string grid = ok("heatmap");
  EXPECT_TRUE(has(grid, "risk heat map as of " + day(0))) << grid;
  EXPECT_TRUE(std::regex_search(grid, std::regex("likelihood +1 +2 +3 +4 +5\\n"))) << grid;
  EXPECT_TRUE(std::regex_search(grid, std::regex("\\n +5 +0 +0 +0 +2 +0\\n"))) << grid;
  EXPECT_TRUE(std::regex_search(grid, std::regex("\\n +1 +1 +0 +0 +0 +0\\n"))) << grid;
  EXPECT_TRUE(std::regex_search(grid, std::regex("\\n20 +5 +4 +F-1,F-2\\n"))) << grid;
  EXPECT_TRUE(has(grid, "unrated (1): F-4")) << grid;
  // A finding whose risk is accepted leaves the map; the day before anything was recorded it is
  // empty.
  ok("finding accept-risk F-3 --justification 'not worth fixing' --expires " + day(90));
  EXPECT_TRUE(std::regex_search(ok("heatmap"), std::regex("\\n +1 +0 +0 +0 +0 +0\\n")));
  const std::string empty = ok("heatmap --as-of " + day(-1));
  EXPECT_TRUE(std::regex_search(empty, std::regex("\\n +5 +0 +0 +0 +0 +0\\n"))) << empty;
  EXPECT_TRUE(has(empty, "unrated (0): none")) << empty;
}

TEST_F(AssessmentCli, TheAuditDateIsSetAndShownWithItsBlockers) {
  EXPECT_TRUE(has(ok("audit show"), "audit: none set"));
  ok("finding add --title 'No MFA' --severity high --criteria CC6.1");
  ok("finding add --title 'Late' --severity low --criteria CC6.2 --due " + day(200));
  EXPECT_TRUE(has(ok("audit set --type1 " + day(120)), "Type I on " + day(120)));
  json::Value status = answer("audit show");
  EXPECT_EQ(status.find("days_left")->as_integer(), 120);
  EXPECT_EQ(strings_of(status.find("blockers")->find("no_due_date")), (Ids{"F-1"}));
  EXPECT_EQ(strings_of(status.find("blockers")->find("due_after_target")), (Ids{"F-2"}));
  const std::string text = ok("audit show");
  EXPECT_TRUE(has(text, "audit: Type I on " + day(120))) << text;
  EXPECT_TRUE(has(text, "120 days left")) << text;
  EXPECT_TRUE(has(text, "NOT on track")) << text;
  EXPECT_TRUE(has(text, "without a due date (1): F-1")) << text;
  EXPECT_TRUE(has(text, "due after the target (1): F-2")) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("current evidence \\([0-9]+\\): CC1\\.1")))
      << text;
  EXPECT_TRUE(has(ok("timeline"), "audit: Type I on " + day(120)));

  const std::string set = ok("audit set --type2 " + day(100) + " " + day(280));
  EXPECT_TRUE(has(set, "Type II, observation window " + day(100) + " to " + day(280))) << set;
  const std::string window = ok("--json program show");

  // Bad dates and usage are refused; the target stays as it was.
  refused("audit set --type2 " + day(280) + " " + day(100), 1, {day(280), day(100)});
  refused("audit set --type1 " + day(-1), 1, {day(-1)});
  refused("audit set --type1 2027-13-01", 1, {"2027-13-01"});
  refused("--as cara@example.com audit set --type1 " + day(30), 1, {});
  refused("audit set --type1 " + day(30) + " --type2 " + day(30) + " " + day(60), 2,
          {"--type1", "--type2"});
  refused("audit set --type2 " + day(30), 2, {"START END"});
  refused("audit set", 2, {"--type1"});
  EXPECT_EQ(ok("--json program show"), window) << "the window is as it was";
  EXPECT_EQ(audit_target().find("window_start")->as_string(), day(100));
}

TEST_F(AssessmentCli, TheImportReadsOriginAndRiskColumns) {
  record_the_assessment();
  const std::string sheet = dir_.sub("sheet.csv");
  std::ofstream(sheet) << "Gap ID,Finding,TSC,Risk,Source ref,Likelihood (1-5),Impact (1-5)\n"
                          "GAP-01,Policy names a retired VPN,CC1.1,Medium,D-1,4,5\n"
                          "GAP-02,MFA test failed,CC6.1,High,AC-01#test-1, 2 ,3\n"
                          "GAP-03,Backups never restored,A1.2,Low,,,\n";
  Outcome imported = run("import findings " + sheet);
  ASSERT_EQ(imported.status, 0) << imported.err;
  json::Value f1 = answer("finding show F-1");
  EXPECT_EQ(f1.find("origin")->as_string(), "D-1");
  EXPECT_EQ(f1.find("risk_score")->as_integer(), 20);
  EXPECT_EQ(f1.find("source")->as_string(), "document_review");
  EXPECT_EQ(answer("finding show F-2").find("risk_score")->as_integer(), 6);
  json::Value f3 = answer("finding show F-3");
  EXPECT_TRUE(f3.find("origin")->is_null());
  EXPECT_TRUE(f3.find("risk_score")->is_null());

  // Every bad row named by its line; nothing imported.
  const std::string bad = dir_.sub("bad.csv");
  std::ofstream(bad) << "Title,Severity,Criteria,Origin,Likelihood,Impact\n"
                        "Fine,low,CC1.1,D-1,1,1\n"
                        "Six,low,CC1.1,,6,1\n"
                        "Words,low,CC1.1,,high,1\n"
                        "Nowhere,low,CC1.1,D-9,,\n"
                        "Half,low,CC1.1,,3,\n";
  Outcome refused_sheet = run("import findings " + bad);
  EXPECT_EQ(refused_sheet.status, 1);
  for (const char* line : {"line 3:", "line 4:", "line 5:", "line 6:"})
    EXPECT_TRUE(has(refused_sheet.err, line)) << line << ": " << refused_sheet.err;
  EXPECT_FALSE(has(refused_sheet.err, "line 2:")) << refused_sheet.err;
  EXPECT_TRUE(has(refused_sheet.err, "'high'")) << refused_sheet.err;
  EXPECT_TRUE(has(refused_sheet.err, "D-9")) << refused_sheet.err;
  EXPECT_EQ(ids_of(ok("--json finding list")), (Ids{"F-1", "F-2", "F-3"}));
}

// The same commands against a running server: the same answers, the same refusals.
TEST_F(AssessmentCli, TheNewCommandsWorkAgainstAServer) {
  record_the_assessment();
  ok("finding add --title 'Policy' --severity medium --criteria CC1.1 --origin D-1 --likelihood 3 "
     "--impact 3");
  const std::string embedded = ok("--json assessment");
  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string remote = "--server " + std::string(m[1]) + " --token " + token_ + " ";
  Outcome same = gaplog(remote + "--json assessment", dir_.path());
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_TRUE(*json::parse(same.out) == *json::parse(embedded)) << same.out << embedded;
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"document add --title 'Access Procedure' --kind procedure --criteria CC6.2", "D-2"},
      {"document review D-2 --outcome adequate", "adequate"},
      {"document list", "Access Procedure"},
      {"document show D-1", "names a retired VPN"},
      {"interview add --stakeholder Sam --role CTO --held-on " + day(0) +
           " --interviewer cara@example.com --criteria CC1.2",
       "I-2"},
      {"interview list", "Sam"},
      {"interview show I-1", "Dana Reyes"},
      {"finding add --title X --severity low --criteria CC6.2 --origin D-2 --likelihood 5 "
       "--impact 5",
       "25 (likelihood 5 x impact 5)"},
      {"finding update F-2 --likelihood none", "risk_score"},
      {"finding list", "risk"},
      {"assessment", "Access Procedure"},
      {"heatmap", "unrated (1): F-2"},
      {"audit set --type1 " + day(90), "Type I on " + day(90)},
      {"audit show", "90 days left"},
  };
  for (const auto& [args, expect] : steps) {
    Outcome r = gaplog(remote + args, dir_.path());
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    EXPECT_TRUE(has(r.out, expect)) << args << " printed:\n" << r.out;
  }
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {"finding add --title Y --severity low --criteria CC1.1 --likelihood 6 --impact 1",
       "likelihood"},
      {"document add --title Memo --kind memo --criteria CC1.1", "'memo'"},
      {"audit set --type2 " + day(60) + " " + day(30), day(30)},
  };
  for (const auto& [args, expect] : refusals) {
    Outcome r = gaplog(remote + args, dir_.path());
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_TRUE(has(r.err, expect)) << args << ": " << r.err;
  }
  EXPECT_TRUE(has(gaplog(remote + "audit show", dir_.path()).out, "Type I on " + day(90)));
  testing::stop_child(server, SIGTERM);
}

}  // namespace
}  // namespace gaplog
