// The reminders of SPEC §11 end to end: the real gaplog binary, a real SMTP server (aiosmtpd,
// tests/support/smtp_test_server.h) and a server killed with SIGKILL in the middle of a pass.
// The program is built with the CLI in embedded mode; due dates are counted from today's real
// UTC date, since the binary reads the system clock (a test that runs across midnight UTC may
// fail).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "codec/json.h"
#include "domain/time.h"
#include "store/clock.h"
#include "tests/support/child_process.h"
#include "tests/support/gaplog_cli.h"
#include "tests/support/http_test_client.h"
#include "tests/support/required_tools.h"
#include "tests/support/smtp_test_server.h"
#include "tests/support/temp_dir.h"

namespace gaplog {
namespace {

using json::Value;
using testing::SmtpServer;
using Clock = std::chrono::steady_clock;

constexpr const char* kMailFrom = "gaplog@acme.example";

using testing::gaplog;
using testing::Outcome;

// A firing as SPEC §11 names it: (kind, recipient, subject, day); subject "" for a digest.
using Firing = std::tuple<std::string, std::string, std::string, std::string>;

std::string text_or_empty(const Value* v) { return v && v->is_string() ? v->as_string() : ""; }

std::vector<std::string> keys_of(const Value& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.members()) keys.push_back(key);
  return keys;
}

bool is_webhook(const Firing& f) { return std::get<1>(f).starts_with("webhook:"); }

// Calls `done` every 100 ms until it is true or `timeout` has passed; returns its last answer.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// One message the SMTP server accepted, as the firing it is for.
struct Arrival {
  Firing firing;
  std::string message_id;  // without its angle brackets
};

// The parts of a MIME tree, depth first.
void leaf_types(const Value& node, std::vector<std::string>& out) {
  if (const Value* parts = node.find("parts"); parts && parts->is_array()) {
    for (const Value& p : parts->items()) leaf_types(p, out);
  } else {
    out.push_back(text_or_empty(node.find("content_type")));
  }
}

// Reads a saved message as a firing of `day`, checking what every reminder must carry: the
// envelope, the kind header, a Subject naming the finding, a Message-ID <…@…>, both parts.
Arrival arrival_of(const Value& record, const std::string& day) {
  const Value& headers = *record.find("headers");
  const std::string kind = text_or_empty(headers.find("X-Gaplog-Kind"));
  const std::string subject_line = text_or_empty(headers.find("Subject"));
  EXPECT_EQ(text_or_empty(record.find("mail_from")), kMailFrom);
  const Value* rcpt = record.find("rcpt_tos");
  EXPECT_TRUE(rcpt && rcpt->items().size() == 1) << json::write(record);
  const std::string recipient = rcpt && !rcpt->items().empty() ? rcpt->items()[0].as_string() : "";
  EXPECT_EQ(text_or_empty(headers.find("To")), recipient);
  EXPECT_TRUE(subject_line.starts_with("[gaplog] ")) << subject_line;
  std::smatch m;
  std::string subject;
  if (std::regex_search(subject_line, m, std::regex("\\bF-[0-9]+\\b"))) subject = m[0];
  EXPECT_EQ(subject.empty(), kind == "weekly_digest") << subject_line;
  const std::string id_header = text_or_empty(headers.find("Message-ID"));
  EXPECT_TRUE(std::regex_match(id_header, std::regex("<[^<>@ ]+@[^<>@ ]+>"))) << id_header;
  std::vector<std::string> types;
  leaf_types(*record.find("mime"), types);
  EXPECT_EQ(types, (std::vector<std::string>{"text/plain", "text/html"})) << subject_line;
  const std::string id =
      id_header.size() > 2 ? id_header.substr(1, id_header.size() - 2) : id_header;
  return Arrival{{kind, recipient, subject, day}, id};
}

std::vector<Arrival> arrivals(const SmtpServer& smtp, const std::string& day) {
  std::vector<Arrival> out;
  for (const Value& record : smtp.saved()) out.push_back(arrival_of(record, day));
  return out;
}

std::map<Firing, std::vector<std::string>> message_ids_by_firing(const std::vector<Arrival>& a) {
  std::map<Firing, std::vector<std::string>> out;
  for (const Arrival& x : a) out[x.firing].push_back(x.message_id);
  return out;
}

// The notification_sent events: each firing with the message ids recorded for it.
std::map<Firing, std::vector<std::string>> sent_events(const Outcome& listed) {
  std::map<Firing, std::vector<std::string>> out;
  Result<Value> page = json::parse(listed.out);
  EXPECT_TRUE(page.is_ok()) << listed.out << listed.err;
  if (!page.is_ok()) return out;
  for (const Value& e : page->find("events")->items()) {
    const Value& d = *e.find("data");
    out[{text_or_empty(d.find("kind")), text_or_empty(d.find("recipient")),
         text_or_empty(d.find("subject")), text_or_empty(d.find("day"))}]
        .push_back(text_or_empty(d.find("message_id")));
  }
  return out;
}

// `notify --dry-run --json`, checked to be exactly {"as_of": D, "notifications":
// [{"kind","recipient","subject","day"}...]} sorted by kind, recipient, subject.
std::vector<Firing> dry_run_firings(const Outcome& dry, const std::string& day) {
  std::vector<Firing> out;
  Result<Value> v = json::parse(dry.out);
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_TRUE(v.is_ok()) << dry.out;
  if (!v.is_ok()) return out;
  EXPECT_EQ(keys_of(*v), (std::vector<std::string>{"as_of", "notifications"})) << dry.out;
  EXPECT_EQ(text_or_empty(v->find("as_of")), day);
  for (const Value& n : v->find("notifications")->items()) {
    EXPECT_EQ(keys_of(n), (std::vector<std::string>{"kind", "recipient", "subject", "day"}));
    EXPECT_TRUE(n.find("subject")->is_string() || n.find("subject")->is_null());
    out.emplace_back(text_or_empty(n.find("kind")), text_or_empty(n.find("recipient")),
                     text_or_empty(n.find("subject")), text_or_empty(n.find("day")));
  }
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end())) << dry.out;
  return out;
}

std::vector<Firing> without_digests(std::vector<Firing> firings) {
  std::erase_if(firings, [](const Firing& f) { return std::get<0>(f) == "weekly_digest"; });
  return firings;
}

class ReminderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    today_ = date_of(SystemClock().now());
    data_ = dir_.sub("data");
    const Outcome init = run("init --admin ada@example.com --name Ada");
    ASSERT_EQ(init.status, 0) << init.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(init.out, m, std::regex("(gaplog_[0-9a-f]{64})")));
    token_ = m[1];
  }
  void TearDown() override {
    if (server_.pid > 0) testing::stop_child(server_, SIGKILL);
  }

  Outcome run(const std::string& args) {
    return gaplog("--data " + data_ + " " + args, dir_.path());
  }
  Outcome remote(const std::string& args) {
    return gaplog("--server " + url_ + " --token " + token_ + " " + args, dir_.path());
  }
  std::string day(int offset) const { return format_date(Date{today_.days + offset}); }
  // 1970-01-01 was a Thursday.
  bool monday() const { return (today_.days % 7 + 7 + 3) % 7 == 0; }

  void add_user(const std::string& email) {
    const Outcome added = run("user add " + email + " --name Someone --role contributor");
    ASSERT_EQ(added.status, 0) << added.err;
  }
  void add_finding(const std::string& title, const std::string& owner, int due_in) {
    const Outcome added =
        run("finding add --title '" + title + "' --severity high --criteria CC6.1 --owner " +
            owner + " --due " + day(due_in));
    ASSERT_EQ(added.status, 0) << added.err;
  }
  // F-1 due in 7 days and F-2 tomorrow (due_soon), F-3 due yesterday (overdue, its first day),
  // F-4 in 3 days (nothing), F-5 due 8 days ago (overdue, a week after its first day).
  void add_findings() {
    for (const char* who : {"ann@example.com", "bob@example.com", "carol@example.com"})
      add_user(who);
    add_finding("Backups untested", "ann@example.com", 7);
    add_finding("No MFA on the VPN", "bob@example.com", 1);
    add_finding("Stale accounts", "ann@example.com", -1);
    add_finding("No vendor reviews", "bob@example.com", 3);
    add_finding("Unencrypted laptops", "bob@example.com", -8);
  }
  std::string mail_flags(const SmtpServer& smtp) const {
    return "--smtp-url " + smtp.url() + " --mail-from " + kMailFrom;
  }
  // Today's firings by e-mail, as the dry run lists them.
  std::vector<Firing> due_by_mail() {
    std::vector<Firing> all = dry_run_firings(run("--json notify --dry-run"), day(0));
    std::erase_if(all, is_webhook);
    return all;
  }
  std::map<Firing, std::vector<std::string>> recorded() {
    return sent_events(url_.empty() || server_.pid <= 0
                           ? run("--json events --type notification_sent --limit 1000")
                           : remote("--json events --type notification_sent --limit 1000"));
  }
  // gaplog serve on a loopback port with `flags`; its stderr goes to serve.log.
  void serve(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {GAPLOG_BINARY, "--data",   data_,
                                     "serve",       "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    server_ = testing::start_child(argv, dir_.sub("serve.log"));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(server_.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")))
        << server_.output << testing::read_whole_file(dir_.sub("serve.log"));
    port_ = static_cast<uint16_t>(std::stoi(m[1]));
    url_ = "http://127.0.0.1:" + std::string(m[1]);
  }
  int stop_server(int signal) {
    const int status = testing::stop_child(server_, signal);
    server_ = testing::ChildProcess{};
    return status;
  }
  std::string serve_log() const { return testing::read_whole_file(dir_.sub("serve.log")); }

  testing::TempDir dir_;
  Date today_;
  std::string data_, token_, url_;
  uint16_t port_ = 0;
  testing::ChildProcess server_;
};

class ReminderServe : public ReminderCli {
 protected:
  void SetUp() override {
    ReminderCli::SetUp();
    if (!testing::aiosmtpd_available()) {
      GAPLOG_NEEDS_TOOL(
          "/usr/bin/python3 cannot import aiosmtpd (Debian's python3-aiosmtpd; scripts/setup "
          "installs it): these tests need a real SMTP server");
    }
  }
};

// SPEC §11: the dry run lists what the rules select for a day, channels or not, and sends and
// records nothing; webhooks are recipients too.
TEST_F(ReminderCli, DryRunListsTheDaysFiringsSortedAndSendsNothing) {
  add_findings();
  const Outcome hook = run("--json webhook add https://hooks.example.com/gaplog --kinds overdue");
  ASSERT_EQ(hook.status, 0) << hook.err;
  const std::string webhook = "webhook:" + text_or_empty(json::parse(hook.out)->find("id"));
  const std::vector<Firing> today =
      dry_run_firings(run("--json notify --as-of " + day(0) + " --dry-run"), day(0));
  const std::string d = day(0);
  EXPECT_EQ(without_digests(today), (std::vector<Firing>{{"due_soon", "ann@example.com", "F-1", d},
                                                         {"due_soon", "bob@example.com", "F-2", d},
                                                         {"overdue", "ann@example.com", "F-3", d},
                                                         {"overdue", "bob@example.com", "F-5", d},
                                                         {"overdue", webhook, "F-3", d},
                                                         {"overdue", webhook, "F-5", d}}));
  EXPECT_EQ(without_digests(today).size() != today.size(), monday()) << "digests on Mondays";
  const Outcome text = run("notify --as-of " + d + " --dry-run");
  ASSERT_EQ(text.status, 0) << text.err;
  for (const std::string& word : {std::string("due_soon"), std::string("overdue"),
                                  std::string("bob@example.com"), std::string("F-5"), webhook}) {
    EXPECT_NE(text.out.find(word), std::string::npos) << word << " in\n" << text.out;
  }
  // Six days on, F-1 is due tomorrow and nothing else fires.
  EXPECT_EQ(without_digests(
                dry_run_firings(run("--json notify --as-of " + day(6) + " --dry-run"), day(6))),
            (std::vector<Firing>{{"due_soon", "ann@example.com", "F-1", day(6)}}));
  const Outcome other_day = run("notify --as-of " + day(6));
  EXPECT_EQ(other_day.status, 1) << other_day.out;
  EXPECT_NE(other_day.err.find("--dry-run"), std::string::npos) << other_day.err;
  EXPECT_TRUE(recorded().empty()) << "a dry run records nothing";
}

TEST_F(ReminderCli, MailOptionsThatDoNotGoTogetherAreUsageErrors) {
  const std::string relay = "--smtp-url smtp://127.0.0.1:2525";
  const Outcome no_from = run("notify " + relay);
  EXPECT_EQ(no_from.status, 2) << no_from.err;
  EXPECT_NE(no_from.err.find("--mail-from"), std::string::npos) << no_from.err;
  const Outcome no_password =
      run("notify " + relay + " --mail-from " + kMailFrom + " --smtp-user gaplog");
  EXPECT_EQ(no_password.status, 2) << no_password.err;
  EXPECT_NE(no_password.err.find("--smtp-password-file"), std::string::npos) << no_password.err;
  const Outcome against_server = gaplog("--server http://127.0.0.1:1 --token " + token_ +
                                            " notify " + relay + " --mail-from " + kMailFrom,
                                        dir_.path());
  EXPECT_EQ(against_server.status, 2) << against_server.err;
  EXPECT_NE(against_server.err.find("--smtp-url"), std::string::npos) << against_server.err;
  EXPECT_TRUE(recorded().empty());
}

// Every due message arrives once, whole, and is recorded once; a second run sends nothing more.
TEST_F(ReminderServe, NotifySendsEachDueReminderOnceAndRecordsIt) {
  add_findings();
  const std::vector<Firing> due = due_by_mail();
  ASSERT_GE(due.size(), 4u);
  const SmtpServer smtp(dir_, {});
  const Outcome sent = run("notify " + mail_flags(smtp));
  ASSERT_EQ(sent.status, 0) << sent.err;
  const std::vector<Arrival> arrived = arrivals(smtp, day(0));
  const auto by_firing = message_ids_by_firing(arrived);
  EXPECT_EQ(arrived.size(), due.size());
  const auto events = recorded();
  for (const Firing& f : due) {
    ASSERT_EQ(by_firing.count(f), 1u) << std::get<0>(f) << " " << std::get<2>(f);
    EXPECT_EQ(by_firing.at(f).size(), 1u);
    ASSERT_EQ(events.count(f), 1u) << std::get<0>(f) << " " << std::get<2>(f);
    EXPECT_EQ(events.at(f), by_firing.at(f)) << "the event names the message sent";
  }
  EXPECT_EQ(events.size(), due.size());

  const Outcome again = run("notify " + mail_flags(smtp));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(smtp.saved().size(), arrived.size()) << "nothing is sent twice";
  EXPECT_EQ(recorded(), events) << "nothing more is recorded";
}

// A relay that answers 451 to everything: nothing is recorded, and the deliveries wait in the
// outbox for their retry.
TEST_F(ReminderServe, RefusedMessagesAreNotRecordedAndStayPending) {
  add_findings();
  const std::vector<Firing> due = due_by_mail();
  const SmtpServer smtp(dir_, {"--refuse", "1000"});
  const Outcome refused = run("notify " + mail_flags(smtp));
  EXPECT_EQ(refused.status, 0) << refused.err;
  EXPECT_TRUE(smtp.saved().empty());
  EXPECT_TRUE(recorded().empty()) << "a refused message is not a sent one";

  ASSERT_NO_FATAL_FAILURE(serve({}));
  ApiRequest get{"GET", "/api/v1/deliveries?state=pending", {}, ""};
  get.headers.emplace_back("Authorization", "Bearer " + token_);
  const testing::HttpReply reply = testing::http_request(port_, get);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Result<Value> body = json::parse(reply.body);
  ASSERT_TRUE(body.is_ok()) << reply.body;
  std::set<Firing> pending;
  for (const Value& d : body->find("deliveries")->items()) {
    EXPECT_EQ(text_or_empty(d.find("state")), "pending");
    EXPECT_GE(d.find("attempts")->as_integer(), 1);
    pending.insert({text_or_empty(d.find("kind")), text_or_empty(d.find("recipient")),
                    text_or_empty(d.find("subject")), text_or_empty(d.find("day"))});
  }
  EXPECT_EQ(pending, std::set<Firing>(due.begin(), due.end())) << reply.body;
  EXPECT_TRUE(recorded().empty());
}

// The server runs today's pass at start when the hour has passed, and sends `assigned` at once.
TEST_F(ReminderServe, ServerSendsTheDailyPassAtStartAndAnAssignmentAtOnce) {
  add_findings();
  std::vector<Firing> due = due_by_mail();
  const SmtpServer smtp(dir_, {});
  ASSERT_NO_FATAL_FAILURE(
      serve({"--smtp-url", smtp.url(), "--mail-from", kMailFrom, "--reminder-hour", "0"}));
  auto arrived_all = [&](const std::vector<Firing>& wanted) {
    return eventually(
        [&] {
          const auto got = message_ids_by_firing(arrivals(smtp, day(0)));
          return std::all_of(wanted.begin(), wanted.end(),
                             [&](const Firing& f) { return got.count(f) > 0; });
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(arrived_all(due)) << serve_log();

  const Outcome assigned = remote("finding assign F-4 carol@example.com");
  ASSERT_EQ(assigned.status, 0) << assigned.err;
  const Firing to_carol{"assigned", "carol@example.com", "F-4", day(0)};
  ASSERT_TRUE(arrived_all({to_carol})) << serve_log();
  due.push_back(to_carol);
  ASSERT_TRUE(eventually([&] { return recorded().count(to_carol) == 1; }, std::chrono::seconds(10)))
      << serve_log();
  const auto events = recorded();
  const auto by_firing = message_ids_by_firing(arrivals(smtp, day(0)));
  for (const Firing& f : due) {
    ASSERT_EQ(events.count(f), 1u) << std::get<0>(f) << " " << std::get<2>(f);
    EXPECT_EQ(events.at(f), by_firing.at(f));
  }
  EXPECT_EQ(stop_server(SIGTERM), 0) << serve_log();
}

// SPEC §11: with no relay and no webhook the server says so once and records nothing.
TEST_F(ReminderCli, WithNoChannelTheServerSaysRemindersAreOffOnce) {
  add_findings();
  ASSERT_NO_FATAL_FAILURE(serve({"--reminder-hour", "0"}));
  const std::string off = "reminders are off";
  ASSERT_TRUE(eventually([&] { return serve_log().find(off) != std::string::npos; },
                         std::chrono::seconds(10)))
      << serve_log();
  for (int i = 0; i < 2; ++i) {
    const Outcome pass = remote("notify");
    EXPECT_EQ(pass.status, 0) << pass.err;
  }
  EXPECT_TRUE(recorded().empty());
  stop_server(SIGTERM);
  const std::string log = serve_log();
  const size_t first = log.find(off);
  EXPECT_NE(first, std::string::npos);
  EXPECT_EQ(log.find(off, first + 1), std::string::npos) << log;
  EXPECT_TRUE(recorded().empty());
}

// The kill -9: the server is killed in the middle of a pass and started again on the same
// data. Every firing arrives (a message sent twice carries the same Message-ID both times) and
// is recorded exactly once.
TEST_F(ReminderServe, KilledInTheMiddleOfAPassEveryFiringArrivesAndIsRecordedOnce) {
  constexpr int kFindings = 40;
  std::vector<std::string> owners;
  for (int i = 1; i <= 4; ++i) {
    owners.push_back("owner" + std::to_string(i) + "@example.com");
    ASSERT_NO_FATAL_FAILURE(add_user(owners.back()));
  }
  {
    std::ofstream sheet(dir_.sub("gaps.csv"));
    sheet << "title,severity,criteria,owner,due date\n";
    for (int i = 1; i <= kFindings; ++i)
      sheet << "Gap number " << i << ",low,CC6.1," << owners[i % 4] << "," << day(7) << "\n";
  }
  const Outcome imported = run("import findings " + dir_.sub("gaps.csv"));
  ASSERT_EQ(imported.status, 0) << imported.err;
  std::vector<Firing> due = due_by_mail();
  // Imported today with an owner: each finding's `assigned` goes out when the server starts.
  for (const Firing& f : std::vector<Firing>(due)) {
    if (std::get<0>(f) == "due_soon")
      due.emplace_back("assigned", std::get<1>(f), std::get<2>(f), day(0));
  }
  ASSERT_GE(due.size(), 2u * kFindings);
  const SmtpServer smtp(dir_, {"--delay-ms", "100"});
  const std::vector<std::string> flags = {"--smtp-url", smtp.url(),        "--mail-from",
                                          kMailFrom,    "--reminder-hour", "0"};
  ASSERT_NO_FATAL_FAILURE(serve(flags));
  ASSERT_TRUE(eventually([&] { return smtp.saved().size() >= 5; }, std::chrono::seconds(60)))
      << serve_log();
  stop_server(SIGKILL);
  const size_t at_kill = smtp.saved().size();
  EXPECT_LT(at_kill, due.size()) << "the server was killed before the pass was done";

  ASSERT_NO_FATAL_FAILURE(serve(flags));
  size_t seen = 0;
  auto changed_at = Clock::now();
  const bool settled = eventually(
      [&] {
        const size_t now_seen = smtp.saved().size();
        if (now_seen != seen) {
          seen = now_seen;
          changed_at = Clock::now();
        }
        return seen >= due.size() && Clock::now() - changed_at > std::chrono::seconds(3);
      },
      std::chrono::seconds(120));
  EXPECT_TRUE(settled) << seen << " of " << due.size() << " arrived\n" << serve_log();
  ASSERT_TRUE(eventually([&] { return recorded().size() >= due.size(); }, std::chrono::seconds(15)))
      << serve_log();
  EXPECT_EQ(stop_server(SIGTERM), 0) << serve_log();

  const auto by_firing = message_ids_by_firing(arrivals(smtp, day(0)));
  const auto events = recorded();
  size_t twice = 0;
  for (const Firing& f : due) {
    const std::string what = std::get<0>(f) + " " + std::get<1>(f) + " " + std::get<2>(f);
    ASSERT_EQ(by_firing.count(f), 1u) << what << " never arrived";
    const std::vector<std::string>& ids = by_firing.at(f);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u) << what;
    twice += ids.size() > 1 ? 1 : 0;
    ASSERT_EQ(events.count(f), 1u) << what << " was not recorded";
    EXPECT_EQ(events.at(f), std::vector<std::string>{ids.front()}) << what << ": one event";
  }
  EXPECT_EQ(by_firing.size(), due.size()) << "nothing but the due firings arrived";
  EXPECT_EQ(events.size(), due.size()) << "nothing but the due firings was recorded";
  std::printf("killed after %zu messages; %zu of %zu firings arrived twice\n", at_kill, twice,
              due.size());
}

}  // namespace
}  // namespace gaplog
