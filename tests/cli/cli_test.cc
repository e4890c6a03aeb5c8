// The gaplog binary end to end: commands in embedded mode, the same commands against a running
// server, --json equal to the API's JSON, exit codes and messages.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>
#include <vector>

#include "../store/store_test_support.h"
#include "../support/child_process.h"
#include "../support/gaplog_cli.h"
#include "codec/json.h"
#include "store/clock.h"

namespace gaplog {
namespace {

using testing::gaplog;
using testing::Outcome;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.sub("data");
    Outcome init = run("init --admin ada@example.com --name Ada");
    ASSERT_EQ(init.status, 0) << init.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(init.out, m, std::regex("(gaplog_[0-9a-f]{64})")));
    token_ = m[1];
  }
  Outcome run(const std::string& args) {
    return gaplog("--data " + data_ + " " + args, dir_.path());
  }

  testing::TempDir dir_;
  std::string data_, token_;
};

TEST_F(Cli, EmbeddedCommandsWorkAndSayWhatWentWrong) {
  EXPECT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
  EXPECT_EQ(run("user add oli@example.com --name Oli --role contributor").status, 0);
  EXPECT_EQ(run("control add AC-01 --title 'MFA everywhere' --criteria CC6.1,CC6.6").status, 0);
  Outcome added = run(
      "finding add --title 'No MFA on the VPN' --severity high --criteria CC6.1 --control AC-01 "
      "--owner oli@example.com --due 2020-01-01");
  ASSERT_EQ(added.status, 0) << added.err;
  EXPECT_NE(added.out.find("F-1"), std::string::npos);

  Outcome list = run("finding list --overdue");
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("No MFA on the VPN"), std::string::npos);
  EXPECT_NE(list.out.find("yes"), std::string::npos);  // overdue column

  // The owner moves it; the owner may not close it (segregation of duties): exit 1 with why.
  EXPECT_EQ(run("--as oli@example.com finding status F-1 remediated").status, 0);
  std::string file = dir_.sub("report.txt");
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("scan clean\n", f);
  std::fclose(f);
  Outcome ev =
      run("--as oli@example.com evidence add " + file + " --finding F-1 --type text/plain");
  ASSERT_EQ(ev.status, 0) << ev.err;
  Outcome own_close = run("--as oli@example.com finding status F-1 closed");
  EXPECT_EQ(own_close.status, 1);
  EXPECT_NE(own_close.err.find("owner"), std::string::npos) << own_close.err;
  EXPECT_EQ(run("--as ed@example.com finding status F-1 closed").status, 0);

  Outcome got = run("evidence get E-1 -o " + dir_.sub("back.txt"));
  ASSERT_EQ(got.status, 0) << got.err;

  Outcome readiness = run("readiness");
  ASSERT_EQ(readiness.status, 0);
  EXPECT_NE(readiness.out.find("criteria ready"), std::string::npos);

  Outcome missing = run("finding show F-404");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("F-404"), std::string::npos);
  EXPECT_EQ(run("finding frobnicate F-1").status, 2);
  EXPECT_EQ(run("no-such-command").status, 2);
  EXPECT_EQ(run("finding --help").status, 0);
}

// SPEC §10 and §8: tokens with an expiry, issued for a user or for oneself, and listed without
// their secret.
TEST_F(Cli, TokensAreIssuedWithAnExpiryAndListedWithoutTheirSecret) {
  ASSERT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
  Outcome issued = run("token issue --for ed@example.com --expires 2099-12-31");
  ASSERT_EQ(issued.status, 0) << issued.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(issued.out, m, std::regex("(gaplog_[0-9a-f]{64})"))) << issued.out;
  const std::string secret = m[1];
  Outcome mine = run("--as ed@example.com --json token issue --mine");
  ASSERT_EQ(mine.status, 0) << mine.err;
  EXPECT_NE(mine.out.find("\"expires_on\":\""), std::string::npos) << mine.out;

  Outcome list = run("token list --for ed@example.com");
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("2099-12-31"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(secret), std::string::npos) << "a list never shows the secret";
  EXPECT_EQ(run("--as ed@example.com token list").status, 1) << "only admins list everyone's";
  EXPECT_EQ(run("--as ed@example.com token list --mine").status, 0);
  EXPECT_EQ(run("token issue").status, 2) << "neither --for nor --mine";
  Outcome past = run("token issue --for ed@example.com --expires 2001-01-01");
  EXPECT_EQ(past.status, 1);
  EXPECT_NE(past.err.find("expires_on"), std::string::npos) << past.err;
}

// SPEC §10: serve's sign-in flags go together, and what is wrong is said before anything starts.
TEST_F(Cli, ServeRefusesIncompleteOrUnsafeSignInSettings) {
  const std::string secret = dir_.sub("secret");
  FILE* f = std::fopen(secret.c_str(), "w");
  std::fputs("s3cret\n", f);
  std::fclose(f);
  Outcome partial = run("serve --listen 127.0.0.1:0 --oidc-issuer https://idp.example");
  EXPECT_EQ(partial.status, 2);
  EXPECT_NE(partial.err.find("--oidc-client-id"), std::string::npos) << partial.err;
  Outcome plain =
      run("serve --listen 127.0.0.1:0 --public-url https://gaplog.example "
          "--oidc-issuer http://idp.example --oidc-client-id c --oidc-client-secret-file " +
          secret);
  EXPECT_NE(plain.status, 0);
  EXPECT_NE(plain.err.find("https://"), std::string::npos) << plain.err;
  Outcome with_path =
      run("serve --listen 127.0.0.1:0 --public-url https://gaplog.example/app "
          "--oidc-issuer https://idp.example --oidc-client-id c "
          "--oidc-client-secret-file " +
          secret);
  EXPECT_NE(with_path.status, 0);
  EXPECT_NE(with_path.err.find("no path"), std::string::npos) << with_path.err;
  Outcome idle = run("serve --listen 127.0.0.1:0 --session-idle 8x");
  EXPECT_EQ(idle.status, 2);
  EXPECT_NE(idle.err.find("8h"), std::string::npos) << idle.err;
  EXPECT_EQ(plain.err.find("s3cret"), std::string::npos) << "never the secret";
}

// Issue 16: a mistyped command or option used to be ignored (`export bundle x.tar --asof D` wrote
// today's bundle and exited 0); now it is a usage error naming the word and the closest spelling.
TEST_F(Cli, UnknownCommandsAndOptionsAreUsageErrorsWithTheClosestSpelling) {
  const std::string tar = dir_.sub("x.tar");
  Outcome asof = run("export bundle " + tar + " --asof 2026-11-06");
  EXPECT_EQ(asof.status, 2);
  EXPECT_NE(asof.err.find("'--asof'"), std::string::npos) << asof.err;
  EXPECT_NE(asof.err.find("did you mean '--as-of'"), std::string::npos) << asof.err;
  EXPECT_NE(std::system(("test -e " + tar).c_str()), 0) << "nothing is written on a usage error";
  Outcome as_off = run("readiness --as-off 2026-01-01");
  EXPECT_EQ(as_off.status, 2);
  EXPECT_EQ(as_off.out, "");
  EXPECT_NE(as_off.err.find("did you mean '--as-of'"), std::string::npos) << as_off.err;
  Outcome command = run("readines");
  EXPECT_EQ(command.status, 2);
  EXPECT_NE(command.err.find("did you mean 'readiness'"), std::string::npos) << command.err;
  Outcome sub = run("finding lst");
  EXPECT_EQ(sub.status, 2);
  EXPECT_NE(sub.err.find("did you mean 'list'"), std::string::npos) << sub.err;
  Outcome missing_value = run("readiness --as-of");
  EXPECT_EQ(missing_value.status, 2);
  EXPECT_NE(missing_value.err.find("--as-of"), std::string::npos) << missing_value.err;
  Outcome missing_option = run("finding add --title x --criteria CC1.1");
  EXPECT_EQ(missing_option.status, 2);
  EXPECT_NE(missing_option.err.find("--severity"), std::string::npos) << missing_option.err;
  Outcome operand = run("scope show extra");
  EXPECT_EQ(operand.status, 2);
  EXPECT_NE(operand.err.find("'extra'"), std::string::npos) << operand.err;
  // A subcommand's name is an operand once a command was chosen: the comment is "show".
  ASSERT_EQ(run("finding add --title Gap --severity low --criteria CC1.1").status, 0);
  EXPECT_EQ(run("finding comment F-1 show").status, 0);
}

TEST_F(Cli, ListsAndEnumValuesTakeTheSpellingsPeopleType) {
  Outcome control = run("--json control add AC-01 --title MFA --criteria 'CC6.1, CC6.6'");
  ASSERT_EQ(control.status, 0) << control.err;
  EXPECT_EQ(json::parse(control.out)->find("criteria")->items().size(), 2u) << control.out;
  Outcome finding =
      run("--json finding add --title Gap --severity High --criteria 'CC6.1, CC6.2' --source "
          "'Document Review'");
  ASSERT_EQ(finding.status, 0) << finding.err;
  auto f = json::parse(finding.out);
  EXPECT_EQ(f->find("severity")->as_string(), "high");
  EXPECT_EQ(f->find("source")->as_string(), "document_review");
  EXPECT_EQ(f->find("criteria")->items().size(), 2u);
  EXPECT_EQ(run("finding status F-1 In-Progress").status, 0);
  EXPECT_EQ(run("finding list --status IN_PROGRESS --severity HIGH").status, 0);
  EXPECT_EQ(run("user add ed@example.com --name Ed --role Editor").status, 0);
  Outcome scope = run("--json scope set Security 'Availability, Confidentiality'");
  ASSERT_EQ(scope.status, 0) << scope.err;
  EXPECT_EQ(json::parse(scope.out)->find("categories")->items().size(), 3u) << scope.out;
}

TEST_F(Cli, OccurredAtBackFillsAWrite) {
  SystemClock clock;
  const std::string day = format_date(Date{date_of(clock.now()).days - 10});
  Outcome added = run("--json --occurred-at " + day +
                      "T09:00:00Z finding add --title Old --severity low --criteria CC1.1");
  ASSERT_EQ(added.status, 0) << added.err;
  EXPECT_EQ(json::parse(added.out)->find("recorded_on")->as_string(), day) << added.out;
  Outcome log = run("log");
  EXPECT_NE(log.out.find("(back-filled)"), std::string::npos) << log.out;
  EXPECT_EQ(run("--occurred-at " + day + "T09:00:00Z readiness").status, 2)
      << "a read has nothing to back-fill";
  EXPECT_EQ(run("--occurred-at yesterday finding comment F-1 x").status, 2);
  ASSERT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
  Outcome editor =
      run("--as ed@example.com --occurred-at " + day + "T10:00:00Z finding comment F-1 late");
  EXPECT_EQ(editor.status, 1) << "only admins back-fill";
}

TEST_F(Cli, InitRefusesABackFillOutOfBoundsAndLeavesNothingBehind) {
  // More than 5 years back: refused before anything is created (it used to write the admin, fail
  // on the token and leave a directory that `init` then refused as already initialised).
  const std::string fresh = dir_.sub("fresh");
  Outcome ancient =
      gaplog("--data " + fresh + " --occurred-at 2015-01-01T00:00:00Z init --admin ann@example.com",
             dir_.path());
  EXPECT_EQ(ancient.status, 1) << ancient.err;
  EXPECT_NE(ancient.err.find("5 years"), std::string::npos) << ancient.err;
  Outcome again = gaplog("--data " + fresh + " init --admin ann@example.com", dir_.path());
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("gaplog_"), std::string::npos) << again.out;
}

// SPEC §3: an expired risk acceptance is shown as expired, never as approved.
TEST_F(Cli, FindingShowPrintsAnExpiredAcceptanceAsExpired) {
  SystemClock clock;
  const Date today = date_of(clock.now());
  ASSERT_EQ(run("finding add --title Gap --severity low --criteria CC1.1").status, 0);
  Outcome accepted =
      run("finding accept-risk F-1 --justification 'compensating control' --expires " +
          format_date(Date{today.days + 1}));
  ASSERT_EQ(accepted.status, 0) << accepted.err;
  Outcome current = run("finding show F-1");
  EXPECT_NE(current.out.find("risk_accepted"), std::string::npos) << current.out;
  EXPECT_EQ(current.out.find("(acceptance expired)"), std::string::npos) << current.out;
  Outcome later = run("finding show F-1 --as-of " + format_date(Date{today.days + 2}));
  ASSERT_EQ(later.status, 0) << later.err;
  EXPECT_NE(later.out.find("risk_accepted (acceptance expired)"), std::string::npos) << later.out;
}

// Review finding: `finding list` and `roadmap` printed an expired acceptance as a plain
// `risk_accepted`, as if still approved; only `finding show` marked it.
TEST_F(Cli, TablesPrintAnExpiredAcceptanceAsExpired) {
  SystemClock clock;
  const Date today = date_of(clock.now());
  ASSERT_EQ(run("finding add --title Gap --severity low --criteria CC1.1 --due " +
                format_date(Date{today.days + 40}))
                .status,
            0);
  Outcome accepted =
      run("finding accept-risk F-1 --justification 'compensating control' --expires " +
          format_date(Date{today.days + 1}));
  ASSERT_EQ(accepted.status, 0) << accepted.err;
  const std::string later = " --as-of " + format_date(Date{today.days + 2});
  for (const std::string command : {"finding list", "roadmap"}) {
    Outcome current = run(command);
    ASSERT_EQ(current.status, 0) << command << ": " << current.err;
    if (command == "finding list") {
      EXPECT_NE(current.out.find("risk_accepted"), std::string::npos) << current.out;
    }
    EXPECT_EQ(current.out.find("(acceptance expired)"), std::string::npos) << command << ":\n"
                                                                           << current.out;
    Outcome expired = run(command + later);
    ASSERT_EQ(expired.status, 0) << command << ": " << expired.err;
    EXPECT_NE(expired.out.find("risk_accepted (acceptance expired)"), std::string::npos)
        << command << ":\n"
        << expired.out;
  }
}

TEST_F(Cli, EveryApiCommandWorksAgainstAServer) {
  ASSERT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string remote = "--server " + std::string(m[1]) + " --token " + token_ + " ";
  SystemClock clock;
  const std::string day = format_date(Date{date_of(clock.now()).days - 3});
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"token issue --for ed@example.com", "gaplog_"},
      {"program name 'Acme SOC 2'", "Acme SOC 2"},
      {"program show", "Acme SOC 2"},
      {"--occurred-at " + day +
           "T08:00:00Z finding add --title Remote --severity Medium --criteria 'CC1.1, CC1.2'",
       day},
      {"verify", "ok"},
      {"tree-head", "root_hash"},
      {"log", "(back-filled)"},
  };
  for (const auto& [args, expect] : steps) {
    Outcome r = gaplog(remote + args, dir_.path());
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    EXPECT_NE(r.out.find(expect), std::string::npos) << args << " printed:\n" << r.out;
    EXPECT_EQ(r.err.find("gaplog-data"), std::string::npos) << args << ": " << r.err;
  }
  EXPECT_EQ(gaplog(remote + "--as ed@example.com readiness", dir_.path()).status, 2)
      << "--as is for embedded mode";
  EXPECT_EQ(gaplog(remote + "init --admin x@example.com", dir_.path()).status, 2);
  testing::stop_child(server, SIGTERM);
}

TEST_F(Cli, ServeCapsConnectionsPerClientAddressAsAsked) {
  EXPECT_EQ(gaplog("--data " + data_ + " serve --max-connections 0", dir_.path()).status, 2);
  EXPECT_EQ(
      gaplog("--data " + data_ + " serve --max-connections-per-address lots", dir_.path()).status,
      2);
  testing::ChildProcess server =
      testing::start_child({GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0",
                            "--max-connections-per-address", "2"},
                           dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")))
      << server.output;
  const uint16_t port = static_cast<uint16_t>(std::stoi(m[1]));
  // Two idle connections from 127.0.0.1 are the cap: a third from the same address is closed at
  // once, while another address is still answered.
  namespace asio = boost::asio;
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> held;
  for (int i = 0; i < 2; ++i) {
    held.emplace_back(ioc);
    held.back().connect({asio::ip::make_address("127.0.0.1"), port});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  asio::ip::tcp::socket third(ioc);
  third.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(third, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")), ec);
  char byte;
  third.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "the third connection from one address was answered";
  asio::ip::tcp::socket other(ioc);
  other.open(asio::ip::tcp::v4());
  other.bind({asio::ip::make_address("127.0.0.2"), 0});
  other.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(
      other,
      asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  std::string answer;
  char buf[512];
  for (size_t n; (n = other.read_some(asio::buffer(buf), ec)) > 0 && !ec;) answer.append(buf, n);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  testing::stop_child(server, SIGTERM);
}

TEST_F(Cli, ImportsAConsultantsSheet) {
  const std::string sheet = dir_.sub("sheet.csv");
  {
    std::ofstream(sheet)
        << "Gap ID,Finding,TSC,Risk,Recommendation,Notes,Colour\n"
           "GAP-01,No MFA on the VPN,\"CC6.1, CC6.6\",High,Enforce MFA on the VPN,ask Bob,red\n"
           "GAP-02,Backups never restored,A1.2,Medium,,,\n";
  }
  Outcome unknown = run("import findings " + sheet);
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("'Notes'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("'Colour'"), std::string::npos)
      << "every unknown column at once: " << unknown.err;
  Outcome dry =
      run("import findings " + sheet + " --dry-run --ignore-column Notes --ignore-column colour");
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("No MFA on the VPN"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("GAP-01"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("F-2"), std::string::npos) << dry.out;
  EXPECT_EQ(run("finding show F-1").status, 1) << "a dry run writes nothing";
  ASSERT_EQ(
      run("import findings " + sheet + " --ignore-column Notes --ignore-column colour").status, 0);
  Outcome f1 = run("finding show F-1");
  EXPECT_NE(f1.out.find("Enforce MFA on the VPN"), std::string::npos) << f1.out;
  EXPECT_NE(f1.out.find("high"), std::string::npos) << f1.out;
}

TEST_F(Cli, NamesTheProgramAndTheAdmin) {
  const std::string data = dir_.sub("maya");
  ASSERT_EQ(gaplog("--data " + data + " init --admin maya.chen@acme.example", dir_.path()).status,
            0);
  Outcome maya = gaplog("--data " + data + " user show maya.chen@acme.example", dir_.path());
  EXPECT_NE(maya.out.find("Maya Chen"), std::string::npos) << maya.out;
  Outcome named = gaplog("--data " + data + " program name 'Acme SOC 2'", dir_.path());
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_NE(gaplog("--data " + data + " program show", dir_.path()).out.find("Acme SOC 2"),
            std::string::npos);
  ASSERT_EQ(run("user add ed@example.com --name Ed --role editor").status, 0);
  EXPECT_EQ(run("--as ed@example.com program name Mine").status, 1) << "admins name the program";
}

TEST_F(Cli, EveryCommandRunsInEmbeddedMode) {
  const std::string file = dir_.sub("evidence.txt");
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("policy v2\n", f);
  std::fclose(f);
  SystemClock clock;
  const std::string today = format_date(date_of(clock.now()));
  const std::string in_100_days = format_date(Date{date_of(clock.now()).days + 100});
  // Each command in turn, with what its output must contain. Later ones build on earlier ones.
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"user add ed@example.com --name Ed --role editor", "ed@example.com"},
      {"user add oli@example.com --name Oli --role contributor", "contributor"},
      {"user add zed@example.com --name Zed --role contributor", "zed@example.com"},
      {"user role zed@example.com auditor", "auditor"},
      {"user deactivate zed@example.com --reason left", "active"},
      {"user show ed@example.com", "editor"},
      {"user list", "oli@example.com"},
      {"token issue --for ed@example.com", "gaplog_"},
      {"scope set security availability", "availability"},
      {"scope show", "availability"},
      {"control add AC-01 --title MFA --criteria CC6.1", "AC-01"},
      {"control update AC-01 --criteria CC6.1,CC6.6", "CC6.6"},
      {"control status AC-01 implemented --reason rolled-out", "implemented"},
      {"control show AC-01", "MFA"},
      {"control list", "AC-01"},
      {"control owner AC-01 oli@example.com", "oli@example.com"},
      {"control update AC-01 --evidence-every quarterly", "quarterly"},
      {"control test AC-01 --kind design --tested-on " + today + " --result pass", "pass"},
      {"control tests AC-01", "design"},
      {"control history AC-01", "control_tested"},
      {"control list --owner oli@example.com --status implemented", "AC-01"},
      {"finding add --title Gap --severity high --criteria CC6.1 --owner oli@example.com --due "
       "2020-01-01",
       "F-1"},
      {"finding update F-1 --title Bigger-gap --control AC-01", "Bigger-gap"},
      {"finding assign F-1 ed@example.com", "ed@example.com"},
      {"finding due F-1 2030-01-01 --reason later", "2030-01-01"},
      {"finding status F-1 in_progress", "in_progress"},
      {"finding comment F-1 looking", "F-1"},
      {"finding add --title Other --severity low --criteria CC1.1", "F-2"},
      {"finding accept-risk F-2 --justification compensating-control --expires " + in_100_days,
       "risk_accepted"},
      {"finding history F-1", "finding_recorded"},
      {"finding show F-1", "Bigger-gap"},
      {"finding list --status in_progress", "F-1"},
      {"finding list --q bigger --status open,in_progress", "F-1"},
      {"finding bulk --ids F-1 --due-date 2030-02-01 --reason slipped", "2030-02-01"},
      {"evidence add " + file + " --finding F-1 --valid-until 2099-01-01 --type text/plain", "E-1"},
      {"evidence link E-1 --control AC-01", "AC-01"},
      {"evidence unlink E-1 --control AC-01", "E-1"},
      {"evidence show E-1", "evidence.txt"},
      {"evidence list", "E-1"},
      {"evidence list --finding F-1 --expiring 3650", "expires_on"},
      {"evidence list --unlinked", "expires_on"},
      {"evidence get E-1 -o " + dir_.sub("copy.txt"), "wrote 10 bytes"},
      {"readiness --as-of 2030-06-01", "criteria ready"},
      {"workload", "ed@example.com"},
      {"timeline --step 1", "projected ready on"},
      {"roadmap", "F-1"},
      {"events --type finding_recorded", "finding/F-1"},
      {"tree-head", "root_hash"},
      {"verify", "ok"},
      {"log", "finding_recorded"},
  };
  for (const auto& [args, expect] : steps) {
    Outcome r = run(args);
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    EXPECT_NE(r.out.find(expect), std::string::npos) << args << " printed:\n" << r.out;
  }
  Outcome revoke = run("--json user show ed@example.com");
  auto user = json::parse(revoke.out);
  ASSERT_TRUE(user.is_ok());
  const std::string token_id = user->find("tokens")->items()[0].find("token_id")->as_string();
  EXPECT_EQ(run("token revoke " + token_id).status, 0);
  EXPECT_EQ(run("token revoke " + token_id).status, 1) << "already revoked";
}

TEST_F(Cli, JsonIsTheApisJsonInBothModes) {
  ASSERT_EQ(run("finding add --title Gap --severity low --criteria CC1.1").status, 0);
  Outcome embedded = run("--json finding show F-1");
  ASSERT_EQ(embedded.status, 0) << embedded.err;
  auto local = json::parse(embedded.out);
  ASSERT_TRUE(local.is_ok()) << embedded.out;
  EXPECT_EQ(local->find("id")->as_string(), "F-1");

  // The same command against a server on the same data directory.
  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string url = m[1];
  Outcome busy = run("finding show F-1");
  EXPECT_EQ(busy.status, 3);
  EXPECT_NE(busy.err.find("--server"), std::string::npos) << busy.err;
  Outcome remote =
      gaplog("--server " + url + " --token " + token_ + " --json finding show F-1", dir_.path());
  ASSERT_EQ(remote.status, 0) << remote.err;
  auto over_http = json::parse(remote.out);
  ASSERT_TRUE(over_http.is_ok());
  EXPECT_TRUE(*over_http == *local);
  Outcome bad_token = gaplog("--server " + url + " --token gaplog_nope readiness", dir_.path());
  EXPECT_EQ(bad_token.status, 1);
  Outcome human = gaplog("--server " + url + " --token " + token_ + " finding list", dir_.path());
  EXPECT_EQ(human.status, 0);
  EXPECT_NE(human.out.find("Gap"), std::string::npos);
  testing::stop_child(server, SIGTERM);
}

// Review finding: embedded `--json verify` printed text and `--json log` the table; both now print
// the API's JSON (GET /api/v1/audit/verify, GET /api/v1/events), the same as against a server.
TEST_F(Cli, VerifyAndLogPrintTheApisJsonInEmbeddedMode) {
  ASSERT_EQ(run("finding add --title Gap --severity low --criteria CC1.1").status, 0);
  Outcome verify = run("--json verify");
  ASSERT_EQ(verify.status, 0) << verify.err;
  auto local_verify = json::parse(verify.out);
  ASSERT_TRUE(local_verify.is_ok()) << verify.out;
  EXPECT_TRUE(local_verify->find("ok")->as_bool());
  Outcome log = run("--json log --after 1 --limit 2");
  ASSERT_EQ(log.status, 0) << log.err;
  auto local_log = json::parse(log.out);
  ASSERT_TRUE(local_log.is_ok()) << log.out;
  ASSERT_EQ(local_log->find("events")->items().size(), 2u) << log.out;
  EXPECT_EQ(local_log->find("events")->items()[0].find("seq")->as_integer(), 2);
  EXPECT_NE(run("verify").out.find("ok: "), std::string::npos) << "without --json, still text";

  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string remote = "--server " + std::string(m[1]) + " --token " + token_ + " --json ";
  Outcome remote_verify = gaplog(remote + "verify", dir_.path());
  ASSERT_EQ(remote_verify.status, 0) << remote_verify.err;
  EXPECT_TRUE(*json::parse(remote_verify.out) == *local_verify) << verify.out << remote_verify.out;
  Outcome remote_log = gaplog(remote + "log --after 1 --limit 2", dir_.path());
  ASSERT_EQ(remote_log.status, 0) << remote_log.err;
  EXPECT_TRUE(*json::parse(remote_log.out) == *local_log) << log.out << remote_log.out;
  testing::stop_child(server, SIGTERM);
}

TEST_F(Cli, ImportsAGapAssessmentSpreadsheetOrReportsEveryBadRow) {
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = dir_.sub(name);
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return path;
  };
  const std::string good =
      write("good.csv",
            "Title,Severity,Criteria,Due Date\n\"Backups, untested\",high,A1.2,2027-01-01\n"
            "No DLP,medium,\"C1.1;C1.2\",\n");
  Outcome dry = run("import findings " + good + " --dry-run");
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("would import 2"), std::string::npos) << dry.out;
  EXPECT_EQ(run("finding show F-1").status, 1) << "a dry run writes nothing";
  Outcome done = run("import findings " + good);
  EXPECT_EQ(done.status, 0) << done.err;
  EXPECT_EQ(run("finding show F-2").status, 0);

  const std::string bad =
      write("bad.csv", "title,severity,criteria\nOk,low,CC1.1\nNope,urgent,CC1.1\nAlso,low,XX9\n");
  Outcome refused = run("import findings " + bad);
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("line 3"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("line 4"), std::string::npos) << refused.err;
  EXPECT_EQ(run("finding show F-3").status, 1) << "nothing written unless every row is valid";
}

TEST_F(Cli, DemoIsNonTrivialAndVerifies) {
  const std::string demo = dir_.sub("demo");
  Outcome created = gaplog("--data " + demo + " demo", dir_.path());
  ASSERT_EQ(created.status, 0) << created.err;
  Outcome readiness = gaplog("--data " + demo + " --json readiness", dir_.path());
  auto r = json::parse(readiness.out);
  ASSERT_TRUE(r.is_ok());
  const double percent = r->find("overall")->find("percent")->as_double();
  EXPECT_GT(percent, 0);
  EXPECT_LT(percent, 100);
  Outcome overdue = gaplog("--data " + demo + " --json finding list --overdue", dir_.path());
  EXPECT_FALSE(json::parse(overdue.out)->find("items")->items().empty());
  EXPECT_EQ(gaplog("--data " + demo + " verify", dir_.path()).status, 0);
}

// SPEC §7 and the bundle's VERIFY.md: an auditor checks a bundle with gaplog, and also with
// nothing but tar, python3, openssl, sha256sum and capnp, following VERIFY.md to the letter.
TEST_F(Cli, AnAuditBundleChecksWithGaplogAndWithStandardTools) {
  const std::string demo = dir_.sub("demo");
  ASSERT_EQ(gaplog("--data " + demo + " demo", dir_.path()).status, 0);
  const std::string bundle = dir_.sub("bundle.tar");
  Outcome exported = gaplog("--data " + demo + " export bundle " + bundle, dir_.path());
  ASSERT_EQ(exported.status, 0) << exported.err;
  Outcome refused =
      gaplog("--data " + demo + " --as maya.chen@acme.example export bundle " + dir_.sub("no.tar"),
             dir_.path());
  EXPECT_EQ(refused.status, 1) << "editors may not export the bundle";
  EXPECT_NE(refused.err.find("admins and auditors"), std::string::npos) << refused.err;
  EXPECT_NE(
      std::system(
          ("test -e " + dir_.sub("no.tar") + " || test -e " + dir_.sub("no.tar.partial")).c_str()),
      0)
      << "a refused download leaves no file behind";

  Outcome verified = gaplog("bundle verify " + bundle, dir_.path());
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("ok:"), std::string::npos);
  // The head kept on day one proves, against a later bundle, that the log only grew.
  Outcome head = gaplog("--data " + demo + " --json tree-head", dir_.path());
  ASSERT_EQ(head.status, 0) << head.err;
  { std::ofstream(dir_.sub("day-one.json")) << head.out; }
  ASSERT_EQ(
      gaplog("--data " + demo + " finding add --title 'Late gap' --severity low --criteria CC1.1",
             dir_.path())
          .status,
      0);
  ASSERT_EQ(
      gaplog("--data " + demo + " export bundle " + dir_.sub("later.tar"), dir_.path()).status, 0);
  Outcome since =
      gaplog("bundle verify " + dir_.sub("later.tar") + " --since " + dir_.sub("day-one.json"),
             dir_.path());
  EXPECT_EQ(since.status, 0) << since.out << since.err;
  EXPECT_NE(since.out.find("extends the earlier tree head"), std::string::npos) << since.out;

  // By hand, as VERIFY.md says.
  const std::string x = dir_.sub("x");
  auto sh = [&](const std::string& script) {
    return std::system(
        ("cd " + x + " && (" + script + ") >>" + dir_.sub("tools.log") + " 2>&1").c_str());
  };
  ASSERT_EQ(std::system(("mkdir -p " + x + " && tar -xf " + bundle + " -C " + x).c_str()), 0);
  ASSERT_EQ(sh("awk '/^```python/{f=1;next} /^```/{f=0} f' VERIFY.md > verify_root.py && test -s "
               "verify_root.py"),
            0);
  EXPECT_EQ(sh("python3 verify_root.py"), 0);
  EXPECT_EQ(sh("openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in tree-head.msg "
               "-sigfile tree-head.sig"),
            0);
  EXPECT_EQ(sh("capnp decode events.capnp Event < events.bin | grep -c 'seq = ' | grep -qx \"$(wc "
               "-l < events.jsonl)\""),
            0);
  EXPECT_EQ(sh("ls evidence | grep -E '^[0-9a-f]{64}$' | while read f; do echo \"$f  "
               "evidence/$f\"; done | sha256sum -c --quiet"),
            0);

  // A changed event or a changed signature fails those same steps.
  ASSERT_EQ(
      sh("cp events.bin good.bin && python3 -c \"import sys; "
         "b=bytearray(open('events.bin','rb').read()); "
         "i=b.index(b'acme.example', 4000); b[i]=ord('x'); open('events.bin','wb').write(b)\""),
      0);
  EXPECT_NE(sh("python3 verify_root.py"), 0);
  ASSERT_EQ(sh("cp good.bin events.bin && python3 verify_root.py && printf x | dd of=tree-head.sig "
               "bs=1 seek=5 conv=notrunc"),
            0);
  EXPECT_NE(sh("openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in tree-head.msg "
               "-sigfile tree-head.sig"),
            0);

  // And gaplog names a tampered member in a repacked archive.
  ASSERT_EQ(
      sh("cp good.bin events.bin && printf 'x' | dd of=readiness.json bs=1 seek=3 conv=notrunc && "
         "tar --format=ustar -cf ../repacked.tar VERIFY.md events.capnp public-key.pem "
         "tree-head.json readiness.json evidence events.bin events.jsonl"),
      0);
  Outcome tampered = gaplog("bundle verify " + dir_.sub("repacked.tar"), dir_.path());
  EXPECT_EQ(tampered.status, 1);
  EXPECT_NE(tampered.out.find("readiness.json"), std::string::npos) << tampered.out;
  EXPECT_EQ(gaplog("bundle verify", dir_.path()).status, 2);
  EXPECT_EQ(gaplog("bundle verify " + dir_.sub("absent.tar"), dir_.path()).status, 3);
}

TEST_F(Cli, ExportsOverHttpAreStreamedToTheFile) {
  const std::string demo = dir_.sub("demo");
  ASSERT_EQ(gaplog("--data " + demo + " demo", dir_.path()).status, 0);
  Outcome token = gaplog("--data " + demo + " token issue --for dana.fox@cpa.example", dir_.path());
  std::smatch m;
  const std::string issued = token.out;
  ASSERT_TRUE(std::regex_search(issued, m, std::regex("(gaplog_[0-9a-f]{64})")))
      << token.out << token.err;
  const std::string auditor = m[1];
  Outcome embedded =
      gaplog("--data " + demo + " --as dana.fox@cpa.example export bundle " + dir_.sub("local.tar"),
             dir_.path());
  ASSERT_EQ(embedded.status, 0) << embedded.err;
  Outcome poam_local =
      gaplog("--data " + demo + " export poam -o " + dir_.sub("local.json"), dir_.path());
  ASSERT_EQ(poam_local.status, 0) << poam_local.err;

  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", demo, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch u;
  ASSERT_TRUE(std::regex_search(server.output, u, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")))
      << server.output;
  const std::string remote = "--server " + std::string(u[1]) + " --token " + auditor + " ";
  Outcome over_http = gaplog(remote + "export bundle " + dir_.sub("remote.tar"), dir_.path());
  ASSERT_EQ(over_http.status, 0) << over_http.err;
  Outcome poam_remote = gaplog(remote + "export poam -o " + dir_.sub("remote.json"), dir_.path());
  ASSERT_EQ(poam_remote.status, 0) << poam_remote.err;
  testing::stop_child(server, SIGTERM);
  // The same log and date: byte-identical bundles, whichever way they were fetched.
  EXPECT_EQ(std::system(("cmp " + dir_.sub("local.tar") + " " + dir_.sub("remote.tar")).c_str()),
            0);
  EXPECT_EQ(std::system(("cmp " + dir_.sub("local.json") + " " + dir_.sub("remote.json")).c_str()),
            0);
  EXPECT_EQ(gaplog("bundle verify " + dir_.sub("remote.tar"), dir_.path()).status, 0);
}

// SPEC §7 (issue 16): a bundle holds the whole log up to the current tree head; --as-of only
// chooses the day of readiness.json. The demo is back-filled (six months of history recorded
// today): its bundle as of a past day used to hold no event and verify 'ok' all the same.
TEST_F(Cli, ABundleAsOfAPastDayOfABackFilledProgramHoldsEveryEvent) {
  const std::string demo = dir_.sub("demo");
  ASSERT_EQ(gaplog("--data " + demo + " demo", dir_.path()).status, 0);
  SystemClock clock;
  const std::string day = format_date(Date{date_of(clock.now()).days - 60});
  const std::string bundle = dir_.sub("past.tar");
  Outcome exported =
      gaplog("--data " + demo + " export bundle " + bundle + " --as-of " + day, dir_.path());
  ASSERT_EQ(exported.status, 0) << exported.err;
  Outcome head = gaplog("--data " + demo + " --json tree-head", dir_.path());
  auto h = json::parse(head.out);
  ASSERT_TRUE(h.is_ok()) << head.out << head.err;
  const int64_t events = h->find("tree_size")->as_integer();
  ASSERT_GT(events, 100);

  Outcome verified = gaplog("--json bundle verify " + bundle, dir_.path());
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
  auto v = json::parse(verified.out);
  ASSERT_TRUE(v.is_ok()) << verified.out;
  EXPECT_TRUE(v->find("ok")->as_bool()) << verified.out;
  EXPECT_EQ(v->find("as_of")->as_string(), day);
  EXPECT_EQ(v->find("tree_size")->as_integer(), events);
  ASSERT_NE(v->find("events_checked"), nullptr) << verified.out;
  EXPECT_EQ(v->find("events_checked")->as_integer(), events);
  Outcome said = gaplog("bundle verify " + bundle, dir_.path());
  EXPECT_EQ(said.status, 0) << said.out << said.err;
  EXPECT_NE(said.out.find("events      " + std::to_string(events) + " checked"), std::string::npos)
      << said.out;

  // readiness.json is the readiness every other view shows for that day.
  const std::string x = dir_.sub("x");
  ASSERT_EQ(std::system(("mkdir -p " + x + " && tar -xf " + bundle + " -C " + x).c_str()), 0);
  std::ifstream in(x + "/readiness.json");
  const std::string bundled((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Outcome readiness = gaplog("--data " + demo + " --json readiness --as-of " + day, dir_.path());
  ASSERT_EQ(readiness.status, 0) << readiness.err;
  auto served = json::parse(readiness.out);
  auto from_bundle = json::parse(bundled);
  ASSERT_TRUE(served.is_ok() && from_bundle.is_ok()) << readiness.out << bundled;
  EXPECT_EQ(json::write(*from_bundle), json::write(*served));
  EXPECT_GT(from_bundle->find("overall")->find("in_scope")->as_integer(), 0) << bundled;
}

}  // namespace
}  // namespace gaplog
