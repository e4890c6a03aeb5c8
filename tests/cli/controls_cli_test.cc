// SPEC §12 on the command line (issue 20): control owners, evidence cadences and tests; the
// control and evidence filters; finding search and multi-value filters; bulk changes to findings,
// all or nothing. The real gaplog binary, in embedded mode and against a running server. Dates
// are counted from today's real UTC date, since the binary reads the system clock.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
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

// The ids of a list answer ({"items": [{"id"}…]}) in its order; empty when it is not one.
std::vector<std::string> ids_of(const std::string& text) {
  std::vector<std::string> ids;
  auto v = json::parse(text);
  if (!v.is_ok() || v->find("items") == nullptr) return ids;
  for (const json::Value& item : v->find("items")->items())
    ids.push_back(item.find("id")->as_string());
  return ids;
}

using Ids = std::vector<std::string>;

class ControlsCli : public testing::CliProgramTest {
 protected:
  void SetUp() override {
    CliProgramTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
    ASSERT_EQ(run("user add oli@example.com --name Oli --role contributor").status, 0);
  }
  // A small local file to upload as evidence.
  std::string file(const std::string& name) {
    const std::string path = dir_.sub(name);
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("evidence\n", f);
    std::fclose(f);
    return path;
  }
};

TEST_F(ControlsCli, ControlsTakeAnOwnerAndAnEvidenceCadence) {
  auto added = json::parse(
      ok("--json control add AC-01 --title MFA --criteria CC6.1 --owner oli@example.com "
         "--evidence-every Quarterly"));
  ASSERT_TRUE(added.is_ok());
  EXPECT_EQ(added->find("owner")->as_string(), "oli@example.com");
  EXPECT_EQ(added->find("evidence_every")->as_string(), "quarterly");

  const std::string shown = ok("control show AC-01");
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nowner +oli@example\\.com\\n"))) << shown;
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nevidence_every +quarterly\\n"))) << shown;
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nevidence_status +missing\\n"))) << shown;
  EXPECT_TRUE(std::regex_search(shown, std::regex("\\nlatest_test +-\\n"))) << shown;

  EXPECT_NE(ok("control owner AC-01 ed@example.com").find("ed@example.com"), std::string::npos);
  auto cleared = json::parse(ok("--json control owner AC-01 none"));
  EXPECT_TRUE(cleared->find("owner")->is_null());
  auto updated = json::parse(
      ok("--json control update AC-01 --owner oli@example.com --evidence-every annual"));
  EXPECT_EQ(updated->find("owner")->as_string(), "oli@example.com");
  EXPECT_EQ(updated->find("evidence_every")->as_string(), "annual");
  EXPECT_TRUE(
      json::parse(ok("--json control update AC-01 --owner none"))->find("owner")->is_null());

  // An unknown cadence is refused with the ones there are, and nothing is written.
  Outcome bad = run("control add AC-02 --title Logs --criteria CC7.2 --evidence-every fortnightly");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("'fortnightly'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("quarterly"), std::string::npos) << "names the valid ones: " << bad.err;
  EXPECT_EQ(run("control show AC-02").status, 1) << "nothing written";
  Outcome bad_update = run("control update AC-01 --evidence-every weekly");
  EXPECT_EQ(bad_update.status, 1);
  EXPECT_NE(bad_update.err.find("'weekly'"), std::string::npos) << bad_update.err;
  EXPECT_EQ(json::parse(ok("--json control show AC-01"))->find("evidence_every")->as_string(),
            "annual");
  // Owners are active users who may act: not an auditor, not someone unknown.
  EXPECT_EQ(run("control owner AC-01 nobody@example.com").status, 1);
  EXPECT_EQ(run("--as oli@example.com control owner AC-01 oli@example.com").status, 1)
      << "contributors do not edit controls";
  EXPECT_EQ(run("control owner AC-01").status, 2) << "a missing operand";
}

TEST_F(ControlsCli, ControlTestsAreRecordedListedAndCountInReadiness) {
  const std::string ten_ago = "--occurred-at " + day(-10) + "T09:00:00Z ";
  ASSERT_EQ(
      run(ten_ago + "control add AC-01 --title MFA --criteria CC6.1 --status Implemented").status,
      0);
  ok("evidence add " + file("sample.txt") + " --control AC-01 --type text/plain");
  Outcome passed = run("--occurred-at " + day(-5) +
                       "T09:00:00Z control test AC-01 --kind Operating --tested-on " + day(-5) +
                       " --result pass --notes 'sampled 25 sign-ins'");
  ASSERT_EQ(passed.status, 0) << passed.err;
  EXPECT_NE(passed.out.find("pass " + day(-5) + " (operating, by ada@example.com)"),
            std::string::npos)
      << passed.out;
  Outcome failed =
      run("--as ed@example.com control test AC-01 --kind design --tested-on " + day(-1) +
          " --result FAIL --evidence E-1 --notes 'MFA off for the break-glass account'");
  ASSERT_EQ(failed.status, 0) << failed.err;

  // A failed latest test: the control is implemented but does not count (SPEC §12).
  const std::string shown = ok("control show AC-01");
  EXPECT_NE(shown.find("implemented (latest test failed)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("fail " + day(-1) + " (design, by ed@example.com)"), std::string::npos)
      << shown;
  const std::string listed = ok("control list");
  EXPECT_NE(listed.find("latest_test"), std::string::npos) << listed;
  EXPECT_NE(listed.find("fail " + day(-1)), std::string::npos) << listed;
  EXPECT_NE(listed.find("implemented (latest test failed)"), std::string::npos) << listed;

  // The tests, the latest tested_on first; as of a past day, only the tests recorded by then.
  const std::string tests = ok("control tests AC-01");
  const size_t fail_at = tests.find(day(-1)), pass_at = tests.find(day(-5));
  ASSERT_NE(fail_at, std::string::npos) << tests;
  ASSERT_NE(pass_at, std::string::npos) << tests;
  EXPECT_LT(fail_at, pass_at) << tests;
  EXPECT_NE(tests.find("sampled 25 sign-ins"), std::string::npos) << tests;
  auto json_tests = json::parse(ok("--json control tests AC-01"));
  ASSERT_TRUE(json_tests.is_ok());
  ASSERT_EQ(json_tests->find("items")->items().size(), 2u);
  EXPECT_EQ(json_tests->find("items")->items()[0].find("evidence")->items()[0].as_string(), "E-1");
  auto past = json::parse(ok("--json control tests AC-01 --as-of " + day(-3)));
  ASSERT_EQ(past->find("items")->items().size(), 1u);
  EXPECT_EQ(past->find("items")->items()[0].find("result")->as_string(), "pass");
  const std::string past_show = ok("control show AC-01 --as-of " + day(-3));
  EXPECT_EQ(past_show.find("latest test failed"), std::string::npos) << past_show;

  const std::string history = ok("control history AC-01");
  EXPECT_NE(history.find("control_defined"), std::string::npos) << history;
  EXPECT_NE(history.find("control_tested"), std::string::npos) << history;
  EXPECT_NE(history.find("control/AC-01"), std::string::npos) << history;

  // Bad tests: each refused with why, nothing recorded.
  Outcome kind = run("control test AC-01 --kind audit --tested-on " + day(0) + " --result pass");
  EXPECT_EQ(kind.status, 1);
  EXPECT_NE(kind.err.find("design, operating"), std::string::npos) << kind.err;
  Outcome future = run("control test AC-01 --kind design --tested-on " + day(3) + " --result pass");
  EXPECT_EQ(future.status, 1);
  EXPECT_NE(future.err.find("future"), std::string::npos) << future.err;
  Outcome no_evidence = run("control test AC-01 --kind design --tested-on " + day(0) +
                            " --result pass --evidence E-9");
  EXPECT_EQ(no_evidence.status, 1);
  EXPECT_NE(no_evidence.err.find("E-9"), std::string::npos) << no_evidence.err;
  Outcome missing = run("control test AC-01 --kind design --tested-on " + day(0));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("--result"), std::string::npos) << missing.err;
  EXPECT_EQ(run("--as oli@example.com control test AC-01 --kind design --tested-on " + day(0) +
                " --result pass")
                .status,
            1)
      << "editors record tests";
  EXPECT_EQ(ids_of(ok("--json control list")).size(), 1u);
  EXPECT_EQ(json::parse(ok("--json control tests AC-01"))->find("items")->items().size(), 2u);
  EXPECT_EQ(run("control tests AC-09").status, 1);
  EXPECT_EQ(run("control history AC-09").status, 1);
}

TEST_F(ControlsCli, ControlListFiltersByOwnerStatusAndEvidenceStatus) {
  ok("control add AC-01 --title MFA --criteria CC6.1 --status implemented --owner "
     "oli@example.com --evidence-every annual");
  ok("evidence add " + file("mfa.txt") + " --control AC-01");
  ok("control add AC-02 --title Logs --criteria CC7.2");
  ok("control add AC-03 --title Backups --criteria A1.2 --owner ed@example.com --evidence-every "
     "monthly --status 'Partially Implemented'");
  ok("evidence add " + file("restore.txt") + " --control AC-03 --collected-on " + day(-70));
  ok("control add AC-04 --title 'Access reviews' --criteria CC6.2 --evidence-every monthly");
  ok("evidence add " + file("review.txt") + " --control AC-04 --collected-on " + day(-20));

  EXPECT_EQ(ids_of(ok("--json control list --owner oli@example.com")), Ids{"AC-01"});
  EXPECT_EQ(ids_of(ok("--json control list --owner none")), (Ids{"AC-02", "AC-04"}));
  EXPECT_EQ(ids_of(ok("--json control list --owner 'oli@example.com, ed@example.com'")),
            (Ids{"AC-01", "AC-03"}));
  EXPECT_EQ(ids_of(ok("--json control list --status 'Implemented, Partially Implemented'")),
            (Ids{"AC-01", "AC-03"}));
  EXPECT_EQ(ids_of(ok("--json control list --evidence-status lapsed,missing")),
            (Ids{"AC-02", "AC-03"}));
  EXPECT_EQ(ids_of(ok("--json control list --evidence-status Expiring")), Ids{"AC-04"});
  EXPECT_EQ(ids_of(ok("--json control list --evidence-status current --owner oli@example.com")),
            Ids{"AC-01"});
  EXPECT_EQ(ids_of(ok("--json control list --criterion CC7.2")), Ids{"AC-02"});
  // As of a day long after: the monthly evidence has lapsed too.
  EXPECT_EQ(ids_of(ok("--json control list --evidence-status lapsed --as-of " + day(40))),
            (Ids{"AC-03", "AC-04"}));

  const std::string table = ok("control list");
  for (const char* column :
       {"owner", "evidence_every", "latest_test", "evidence_status", "evidence_valid_until"}) {
    EXPECT_NE(table.find(column), std::string::npos) << column << ":\n" << table;
  }
  EXPECT_TRUE(std::regex_search(table, std::regex("AC-03 .*ed@example\\.com +monthly .*lapsed")))
      << table;
  Outcome bad = run("control list --evidence-status stale");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("lapsed"), std::string::npos) << bad.err;
}

TEST_F(ControlsCli, EvidenceListFiltersExpiringUnlinkedAndByLink) {
  ok("control add AC-01 --title 'Access reviews' --criteria CC6.2 --evidence-every monthly");
  ok("finding add --title Gap --severity low --criteria CC1.1");
  ok("evidence add " + file("review.txt") + " --control AC-01 --collected-on " + day(-20));
  ok("evidence add " + file("policy.txt") + " --finding F-1 --valid-until " + day(200));
  ok("evidence add " + file("loose.txt"));

  EXPECT_EQ(ids_of(ok("--json evidence list --expiring 30")), Ids{"E-1"});
  EXPECT_EQ(ids_of(ok("--json evidence list --expiring 365")), (Ids{"E-1", "E-2"}));
  EXPECT_EQ(ids_of(ok("--json evidence list --unlinked")), Ids{"E-3"});
  EXPECT_EQ(ids_of(ok("--json evidence list --control AC-01")), Ids{"E-1"});
  EXPECT_EQ(ids_of(ok("--json evidence list --finding F-1")), Ids{"E-2"});
  EXPECT_EQ(ids_of(ok("--json evidence list --expiring 30 --as-of " + day(180))), Ids{"E-2"});

  auto e1 = json::parse(ok("--json evidence show E-1"));
  ASSERT_TRUE(e1.is_ok());
  const std::string expires = e1->find("expires_on")->as_string();
  const std::string table = ok("evidence list");
  EXPECT_NE(table.find("expires_on"), std::string::npos) << table;
  EXPECT_TRUE(std::regex_search(table, std::regex("E-1 .*" + expires + " +yes"))) << table;
  EXPECT_TRUE(std::regex_search(table, std::regex("E-3 .* - +yes"))) << "never expires:\n" << table;
  const std::string shown = ok("evidence show E-1");
  EXPECT_NE(shown.find("AC-01 until " + expires + " (current)"), std::string::npos) << shown;
  const std::string later = ok("evidence show E-1 --as-of " + day(40));
  EXPECT_NE(later.find("AC-01 until " + expires + " (not current)"), std::string::npos) << later;

  Outcome bad = run("evidence list --expiring soon");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("expiring_within"), std::string::npos) << bad.err;
  EXPECT_EQ(run("evidence list --unlinked yes").status, 2) << "a flag takes no value";
}

TEST_F(ControlsCli, FindingListSearchesWordsAndTakesSeveralValues) {
  ok("finding add --title 'No MFA on the VPN' --severity high --criteria CC6.1 --owner "
     "oli@example.com");
  ok("finding add --title 'Backups never restored' --severity low --criteria A1.2 --owner "
     "ed@example.com --recommendation 'restore quarterly'");
  ok("finding add --title 'VPN logs not kept' --severity medium --criteria CC7.2");
  ok("finding status F-2 in_progress");

  EXPECT_EQ(ids_of(ok("--json finding list --q 'vpn MFA'")), Ids{"F-1"});
  EXPECT_EQ(ids_of(ok("--json finding list --q VPN")), (Ids{"F-1", "F-3"}));
  EXPECT_EQ(ids_of(ok("--json finding list --q quarterly")), Ids{"F-2"}) << "the recommendation";
  EXPECT_EQ(ids_of(ok("--json finding list --q F-3")), Ids{"F-3"});
  EXPECT_EQ(ids_of(ok("--json finding list --severity 'High, Low'")), (Ids{"F-1", "F-2"}));
  EXPECT_EQ(ids_of(ok("--json finding list --status 'Open, In Progress' --q vpn")),
            (Ids{"F-1", "F-3"}));
  EXPECT_EQ(ids_of(ok("--json finding list --status in_progress")), Ids{"F-2"});
  EXPECT_EQ(ids_of(ok("--json finding list --owner none")), Ids{"F-3"});
  EXPECT_EQ(ids_of(ok("--json finding list --owner oli@example.com,none")), (Ids{"F-1", "F-3"}));
  EXPECT_EQ(ids_of(ok("--json finding list --criterion 'CC6.1, A1.2'")), (Ids{"F-1", "F-2"}));
  const std::string table = ok("finding list --q backups");
  EXPECT_NE(table.find("Backups never restored"), std::string::npos) << table;
  EXPECT_EQ(table.find("VPN"), std::string::npos) << table;
  EXPECT_EQ(run("finding list --status open,shut").status, 1);
}

TEST_F(ControlsCli, FindingBulkChangesEveryFindingOrNone) {
  for (int i = 0; i < 3; ++i) ok("finding add --title Gap --severity low --criteria CC1.1");
  const std::string assigned = ok("finding bulk --ids F-1,F-2 --assign oli@example.com");
  EXPECT_TRUE(std::regex_search(assigned, std::regex("F-1 .*oli@example\\.com"))) << assigned;
  EXPECT_TRUE(std::regex_search(assigned, std::regex("F-2 .*oli@example\\.com"))) << assigned;
  EXPECT_EQ(assigned.find("F-3"), std::string::npos) << assigned;
  auto due = json::parse(
      ok("--json finding bulk --ids 'F-1, F-2, F-3' --due-date " + day(30) + " --reason plan"));
  ASSERT_TRUE(due.is_ok());
  ASSERT_EQ(due->find("items")->items().size(), 3u);
  for (const json::Value& f : due->find("items")->items())
    EXPECT_EQ(f.find("due_date")->as_string(), day(30));
  EXPECT_GT(due->find("seq")->as_integer(), 0);

  // Oli owns F-1 and F-2, not F-3: the whole request is refused, naming F-3, and nothing changes.
  Outcome forbidden =
      run("--as oli@example.com finding bulk --ids F-1,F-2,F-3 --status In-Progress");
  EXPECT_EQ(forbidden.status, 1);
  EXPECT_NE(forbidden.err.find("F-3"), std::string::npos) << forbidden.err;
  EXPECT_NE(forbidden.err.find("none was changed"), std::string::npos) << forbidden.err;
  EXPECT_EQ(ids_of(ok("--json finding list --status in_progress")), Ids{});
  Outcome as_json =
      run("--as oli@example.com --json finding bulk --ids F-1,F-3 --status in_progress");
  EXPECT_EQ(as_json.status, 1);
  auto error = json::parse(as_json.out);
  ASSERT_TRUE(error.is_ok()) << as_json.out;
  const json::Value* refused = error->find("error")->find("findings");
  ASSERT_NE(refused, nullptr) << as_json.out;
  ASSERT_EQ(refused->items().size(), 1u) << as_json.out;
  EXPECT_EQ(refused->items()[0].find("id")->as_string(), "F-3");
  EXPECT_EQ(ids_of(ok("--json finding list --status in_progress")), Ids{});
  // Without F-3 it goes through.
  EXPECT_EQ(ids_of(ok("--as oli@example.com --json finding bulk --ids F-1,F-2 --status "
                      "in_progress")),
            (Ids{"F-1", "F-2"}));
  // A rule refusal (open -> closed) is all or nothing too.
  Outcome rule = run("finding bulk --ids F-1,F-3 --status closed --reason done");
  EXPECT_EQ(rule.status, 1);
  EXPECT_NE(rule.err.find("F-1"), std::string::npos) << rule.err;
  EXPECT_NE(rule.err.find("F-3"), std::string::npos) << rule.err;
  EXPECT_EQ(ids_of(ok("--json finding list --status closed")), Ids{});
  auto unassigned = json::parse(ok("--json finding bulk --ids F-1 --assign none"));
  EXPECT_TRUE(unassigned->find("items")->items()[0].find("owner")->is_null());
  EXPECT_EQ(run("finding bulk --ids F-1,F-1 --assign none").status, 1) << "an id listed twice";

  // Usage errors: exactly one action; a reason only with a due date or a status.
  Outcome none = run("finding bulk --ids F-1");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("exactly one"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("gaplog finding bulk --help"), std::string::npos) << none.err;
  EXPECT_EQ(run("finding bulk --ids F-1 --assign none --status open").status, 2);
  EXPECT_EQ(run("finding bulk --ids F-1 --assign none --reason why").status, 2);
  EXPECT_EQ(run("finding bulk --assign none").status, 2) << "--ids is required";
}

// The same commands against a running server: the same answers, the same refusals.
TEST_F(ControlsCli, TheNewCommandsWorkAgainstAServer) {
  ok("control add AC-01 --title MFA --criteria CC6.1 --status implemented");
  ok("finding add --title 'No MFA on the VPN' --severity high --criteria CC6.1");
  ok("finding add --title 'Backups' --severity low --criteria A1.2");
  const std::string embedded = ok("--json control show AC-01");
  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string remote = "--server " + std::string(m[1]) + " --token " + token_ + " ";
  Outcome same = gaplog(remote + "--json control show AC-01", dir_.path());
  ASSERT_EQ(same.status, 0) << same.err;
  EXPECT_TRUE(*json::parse(same.out) == *json::parse(embedded)) << same.out << embedded;
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"control owner AC-01 ed@example.com", "ed@example.com"},
      {"control update AC-01 --evidence-every semiannual", "semiannual"},
      {"control test AC-01 --kind operating --tested-on " + day(0) + " --result exception",
       "exception " + day(0)},
      {"control tests AC-01", "exception"},
      {"control history AC-01", "control_tested"},
      {"control list --owner ed@example.com --evidence-status missing", "AC-01"},
      {"evidence list --expiring 30 --unlinked", "expires_on"},
      {"finding list --q vpn --status open,in_progress", "No MFA on the VPN"},
      {"finding bulk --ids F-1,F-2 --assign oli@example.com", "oli@example.com"},
  };
  for (const auto& [args, expect] : steps) {
    Outcome r = gaplog(remote + args, dir_.path());
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    EXPECT_NE(r.out.find(expect), std::string::npos) << args << " printed:\n" << r.out;
  }
  Outcome refused = gaplog(remote + "finding bulk --ids F-1,F-2 --status closed", dir_.path());
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("none was changed"), std::string::npos) << refused.err;
  Outcome cadence = gaplog(remote + "control update AC-01 --evidence-every daily", dir_.path());
  EXPECT_EQ(cadence.status, 1);
  EXPECT_NE(cadence.err.find("'daily'"), std::string::npos) << cadence.err;
  testing::stop_child(server, SIGTERM);
}

}  // namespace
}  // namespace gaplog
