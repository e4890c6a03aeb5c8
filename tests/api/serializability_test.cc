// SPEC §2 "Commands are serializable", tested with real concurrent clients over HTTP: commands
// that race (released together at a barrier, many rounds) must leave a log that reads as if each
// had been decided alone in seq order. Each test checks the outcome its race must have, and then
// the replay check (tests/support/replay_check.h) over the whole log.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "../support/api_test_support.h"
#include "../support/replay_check.h"

namespace gaplog {
namespace {

using testing::str;

class Serializability : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    HttpServerOptions o;
    o.port = 0;
    o.io_threads = 4;  // the quick path decides on I/O threads, the rest on workers: both race
    auto server = HttpServer::start(program_->api(), o);
    ASSERT_TRUE(server.is_ok()) << server.status().to_string();
    http_ = std::move(server).value();
  }
  void TearDown() override { http_.reset(); }

  int post(const std::string& as, const std::string& target, const std::string& body,
           const std::string& method = "POST") {
    ApiRequest r{method, target, {}, body};
    r.headers.emplace_back("Authorization", "Bearer " + token(as));
    r.headers.emplace_back("Content-Type", "application/json");
    return testing::http_request(http_->port(), r).status;
  }

  void add_user(const std::string& email, const std::string& role) {
    auto& svc = program_->service();
    auto added = svc.execute(kAdmin, AddUser{email, email.substr(0, email.find('@')), role});
    ASSERT_TRUE(added.is_ok()) << added.status().to_string();
    auto t = svc.issue_token(kAdmin, email);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    tokens_[email] = t->token;
  }

  std::vector<Event> whole_log() {
    auto events = program_->log().read_range(1, 1'000'000);
    EXPECT_TRUE(events.is_ok()) << events.status().to_string();
    return events.is_ok() ? *events : std::vector<Event>{};
  }

  void expect_replay_accepts_the_log() {
    const std::string broken = testing::replay_check(whole_log());
    EXPECT_EQ(broken, "") << "the log holds an event its rules did not allow";
  }

  // Runs `a` and `b` on two threads released together.
  static std::pair<int, int> race(const std::function<int()>& a, const std::function<int()>& b) {
    std::barrier start(2);
    int ra = 0, rb = 0;
    std::thread ta([&] {
      start.arrive_and_wait();
      ra = a();
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      rb = b();
    });
    ta.join();
    tb.join();
    return {ra, rb};
  }

  std::unique_ptr<HttpServer> http_;
};

TEST_F(Serializability, AdminsDemotingEachOtherAtOnceLeaveOneAdmin) {
  constexpr int kRounds = 40;
  // The fixture's admin hands over to a pair of admins, who then race to demote each other.
  std::string survivor = kAdmin;
  for (int round = 0; round < kRounds; ++round) {
    const std::string a = fmt::format("a{}@example.com", round),
                      b = fmt::format("b{}@example.com", round);
    for (const std::string& email : {a, b}) {
      ASSERT_EQ(post(survivor, "/api/v1/users",
                     fmt::format(R"({{"email":"{}","name":"A","role":"admin"}})", email)),
                201);
      auto t = program_->service().issue_token(survivor, email);
      ASSERT_TRUE(t.is_ok()) << t.status().to_string();
      tokens_[email] = t->token;
    }
    ASSERT_EQ(post(a, "/api/v1/users/" + survivor + "/role", R"({"role":"editor"})"), 200)
        << "round " << round;
    auto [ra, rb] =
        race([&] { return post(a, "/api/v1/users/" + b + "/role", R"({"role":"editor"})"); },
             [&] { return post(b, "/api/v1/users/" + a + "/role", R"({"role":"editor"})"); });
    // In any serial order the first demotion passes and the second is refused: its actor is no
    // longer an admin (403), or it would demote the last admin (422).
    ASSERT_TRUE((ra == 200) != (rb == 200)) << "round " << round << ": " << ra << " and " << rb;
    ASSERT_TRUE(ra == 403 || ra == 422 || rb == 403 || rb == 422) << ra << " and " << rb;
    survivor = ra == 200 ? a : b;
  }
  const size_t admins =
      *program_->service().read([](const ProgramState& s) { return s.active_admins(); });
  EXPECT_EQ(admins, 1u);
  expect_replay_accepts_the_log();
}

TEST_F(Serializability, NoWriteCommitsAfterItsWriterWasDeactivated) {
  constexpr int kUsers = 20;
  std::vector<std::string> writers;
  for (int i = 0; i < kUsers; ++i) {
    writers.push_back(fmt::format("w{}@example.com", i));
    add_user(writers.back(), "editor");
  }
  // Each writer records findings until it is refused; the admin deactivates them all meanwhile.
  std::barrier start(kUsers + 1);
  std::atomic<int> written{0};
  std::vector<std::thread> threads;
  for (const std::string& w : writers) {
    threads.emplace_back([&, w] {
      start.arrive_and_wait();
      while (post(w, "/api/v1/findings",
                  R"({"title":"t","severity":"low","criteria":["CC6.1"]})") == 201)
        ++written;
    });
  }
  start.arrive_and_wait();
  for (const std::string& w : writers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(post(kAdmin, "/api/v1/users/" + w + "/deactivate", "{}"), 200);
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(written.load(), 0) << "the writers never wrote: the race did not happen";
  expect_replay_accepts_the_log();
}

TEST_F(Serializability, NoEditorWriteCommitsAfterTheRoleWasTakenAway) {
  constexpr int kRounds = 30;
  for (int round = 0; round < kRounds; ++round) {
    const std::string e = fmt::format("e{}@example.com", round);
    add_user(e, "editor");
    auto [demoted, last] = race(
        [&] {
          const int r = post(kAdmin, "/api/v1/users/" + e + "/role", R"({"role":"auditor"})");
          return r;
        },
        [&] {
          int r = 0;
          for (int i = 0;
               i < 50 &&
               (r = post(e, "/api/v1/controls",
                         fmt::format(R"({{"id":"C-{}-{}","title":"t","criteria":["CC6.1"]}})",
                                     round, i))) == 201;
               ++i) {
          }
          return r;
        });
    ASSERT_EQ(demoted, 200);
    ASSERT_TRUE(last == 403 || last == 201) << last;
  }
  expect_replay_accepts_the_log();
}

TEST_F(Serializability, ClosingRacesReassigningToTheCloser) {
  // A remediated finding with evidence; one editor closes it while another assigns it to the
  // closer. Serially, the close after the assignment is refused (the closer owns it then).
  add_user("closer@example.com", "editor");
  add_user("assigner@example.com", "editor");
  constexpr int kRounds = 30;
  int both = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = record_finding(fmt::format("Finding {}", round));
    ASSERT_EQ(post(kOwner, "/api/v1/findings/" + id + "/status", R"({"status":"remediated"})"),
              200);
    auto& svc = program_->service();
    auto up = svc.execute(kOwner, UploadEvidence{fmt::format("r{}.pdf", round), "application/pdf",
                                                 std::string(64, 'a'), 1, "", "", id, ""});
    ASSERT_TRUE(up.is_ok()) << up.status().to_string();
    auto [closed, assigned] = race(
        [&] {
          return post("closer@example.com", "/api/v1/findings/" + id + "/status",
                      R"({"status":"closed"})");
        },
        [&] {
          return post("assigner@example.com", "/api/v1/findings/" + id + "/assign",
                      R"({"owner":"closer@example.com"})");
        });
    ASSERT_EQ(assigned, 200) << "round " << round;
    both += closed == 200;
  }
  // Some rounds close first (both pass); in the others the close must have been refused.
  RecordProperty("closed_first", both);
  expect_replay_accepts_the_log();
}

TEST_F(Serializability, LinkingToAnOwnedControlRacesItsReassignment) {
  // SPEC §4, §12: a contributor links evidence to a control it owns while an editor gives the
  // control to someone else. Serially, a link after the reassignment is refused.
  add_user("keeper@example.com", "contributor");
  add_user("next@example.com", "contributor");
  add_user("lead@example.com", "editor");
  constexpr int kRounds = 30;
  int linked_first = 0;
  auto& svc = program_->service();
  for (int round = 0; round < kRounds; ++round) {
    const std::string control = fmt::format("K-{}", round);
    auto defined = svc.execute(
        kAdmin, DefineControl{control, "Key rotation", "", {"CC6.1"}, "", "keeper@example.com"});
    ASSERT_TRUE(defined.is_ok()) << defined.status().to_string();
    auto up = svc.execute(kAdmin, UploadEvidence{fmt::format("k{}.txt", round), "text/plain",
                                                 std::string(64, 'b'), 1, "", "", "", ""});
    ASSERT_TRUE(up.is_ok()) << up.status().to_string();
    const std::string evidence = std::get<EvidenceUploaded>(up->events.front().payload).evidence_id;
    auto [linked, moved] = race(
        [&] {
          return post("keeper@example.com", "/api/v1/evidence/" + evidence + "/links",
                      R"({"control":")" + control + R"("})");
        },
        [&] {
          return post("lead@example.com", "/api/v1/controls/" + control,
                      R"({"owner":"next@example.com"})", "PATCH");
        });
    ASSERT_EQ(moved, 200) << "round " << round;
    ASSERT_TRUE(linked == 200 || linked == 403 || linked == 409) << linked;
    linked_first += linked == 200;
  }
  RecordProperty("linked_first", linked_first);
  expect_replay_accepts_the_log();
}

TEST_F(Serializability, ABulkCloseRacesReassigningOneOfItsFindingsToTheCloser) {
  // SPEC §12: a bulk action is all or nothing, each finding by the rules of §3. Closing three
  // remediated findings at once races assigning one of them to the closer: serially, after the
  // assignment the whole bulk close is refused.
  add_user("closer@example.com", "editor");
  add_user("assigner@example.com", "editor");
  constexpr int kRounds = 20;
  auto& svc = program_->service();
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      ids.push_back(record_finding(fmt::format("Bulk {} {}", round, i)));
      ASSERT_EQ(
          post(kOwner, "/api/v1/findings/" + ids.back() + "/status", R"({"status":"remediated"})"),
          200);
      auto up = svc.execute(kOwner, UploadEvidence{"fix.txt", "text/plain", std::string(64, 'c'), 1,
                                                   "", "", ids.back(), ""});
      ASSERT_TRUE(up.is_ok()) << up.status().to_string();
    }
    auto [closed, assigned] = race(
        [&] {
          return post("closer@example.com", "/api/v1/findings/bulk",
                      R"({"ids":[")" + ids[0] + R"(",")" + ids[1] + R"(",")" + ids[2] +
                          R"("],"action":{"status":{"status":"closed"}}})");
        },
        [&] {
          return post("assigner@example.com", "/api/v1/findings/" + ids[1] + "/assign",
                      R"({"owner":"closer@example.com"})");
        });
    ASSERT_EQ(assigned, 200) << "round " << round;
    ASSERT_TRUE(closed == 200 || closed == 422 || closed == 403) << closed;
    // All three closed, or none.
    size_t closed_now = 0;
    for (const std::string& id : ids) {
      auto f = svc.read([&](const ProgramState& s) { return s.finding(id)->status; });
      ASSERT_TRUE(f.is_ok());
      closed_now += *f == FindingStatus::kClosed;
    }
    EXPECT_EQ(closed_now, closed == 200 ? 3u : 0u) << "round " << round;
  }
  expect_replay_accepts_the_log();
}

}  // namespace
}  // namespace gaplog
