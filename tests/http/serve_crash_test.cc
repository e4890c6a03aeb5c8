// `gaplog serve` killed with SIGKILL while clients are writing: after a restart, every write
// that was answered 2xx is there, and `gaplog verify` passes. Runs the real binary.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "../store/store_test_support.h"
#include "../support/child_process.h"
#include "../support/http_test_client.h"
#include "codec/json.h"
#include "domain/readiness.h"
#include "store/data_dir.h"
#include "views/json_views.h"

namespace gaplog {
namespace {

// Runs `gaplog args...`, returns its exit status and stdout.
std::pair<int, std::string> run_gaplog(const std::vector<std::string>& args) {
  std::string cmd = GAPLOG_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `gaplog init` of a program in `data` administered by ada@example.com: its token ("" on failure).
std::string init_program(const std::string& data) {
  auto [status, out] = run_gaplog({"--data", data, "init", "--admin", "ada@example.com"});
  EXPECT_EQ(status, 0) << out;
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("(gaplog_[0-9a-f]{64})"))) return "";
  return m[1];
}

struct Server {
  testing::ChildProcess process;
  uint16_t port = 0;
};

// Starts `gaplog serve` on a free port: its first line says where it listens. The access log
// goes next to the data directory (thousands of lines).
Server start_server(const std::string& data) {
  Server s;
  s.process = testing::start_child(
      {GAPLOG_BINARY, "--data", data, "serve", "--listen", "127.0.0.1:0"}, data + ".serve.log");
  std::smatch m;
  if (std::regex_search(s.process.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/"))) {
    s.port = static_cast<uint16_t>(std::stoi(m[1]));
  }
  EXPECT_NE(s.port, 0) << "the server did not say where it listens: " << s.process.output;
  return s;
}

void stop(Server& s, int signal) {
  const int status = testing::stop_child(s.process, signal);
  if (signal == SIGKILL) {
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  } else {
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }
}

ApiRequest post_finding(const std::string& token, const std::string& title,
                        const std::string& key) {
  ApiRequest r;
  r.method = "POST";
  r.target = "/api/v1/findings";
  r.headers = {{"Authorization", "Bearer " + token},
               {"Content-Type", "application/json"},
               {"Idempotency-Key", key}};
  r.body = R"({"title":")" + title + R"(","severity":"medium","criteria":["CC7.1"]})";
  return r;
}

TEST(ServeCrash, AnsweredWritesSurviveSigkillAndVerifyPasses) {
  testing::TempDir dir;
  const std::string data = dir.sub("data");
  const std::string token = init_program(data);
  ASSERT_FALSE(token.empty());

  std::map<std::string, std::string> acknowledged;  // finding id -> title
  std::mutex mu;
  for (int round = 0; round < 3; ++round) {
    Server server = start_server(data);
    ASSERT_NE(server.port, 0);
    std::atomic<bool> go{true};
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; go; ++i) {
          const std::string title =
              "r" + std::to_string(round) + "c" + std::to_string(c) + "i" + std::to_string(i);
          testing::HttpReply r =
              testing::http_request(server.port, post_finding(token, title, title));
          if (r.status == 0) return;  // the server is gone
          if (r.status != 201) continue;
          auto body = json::parse(r.body);
          ASSERT_TRUE(body.is_ok());
          std::lock_guard lock(mu);
          acknowledged[body->find("id")->as_string()] = title;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(600 + 300 * round));
    stop(server, SIGKILL);
    go = false;
    for (auto& t : clients) t.join();
  }
  ASSERT_GT(acknowledged.size(), 10u);

  // Restart: every acknowledged finding is there with its title.
  Server server = start_server(data);
  ASSERT_NE(server.port, 0);
  std::map<std::string, std::string> stored;
  std::string after;
  while (true) {
    ApiRequest list{"GET",
                    "/api/v1/findings?limit=1000" + (after.empty() ? "" : "&after=" + after),
                    {{"Authorization", "Bearer " + token}},
                    ""};
    testing::HttpReply r = testing::http_request(server.port, list);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = json::parse(r.body);
    ASSERT_TRUE(body.is_ok());
    for (const auto& f : body->find("items")->items())
      stored[f.find("id")->as_string()] = f.find("title")->as_string();
    if (body->find("next_after")->is_null()) break;
    after = body->find("next_after")->as_string();
  }
  for (const auto& [id, title] : acknowledged) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << id << " was answered 201 but is gone";
    EXPECT_EQ(it->second, title);
  }
  stop(server, SIGTERM);  // a clean stop exits 0

  auto [verify_status, verify_out] = run_gaplog({"--data", data, "verify"});
  EXPECT_EQ(verify_status, 0) << verify_out;
}

// --- the projections' indexes after kill -9 (issue 24) ------------------------------------------

std::string get(uint16_t port, const std::string& token, const std::string& target) {
  testing::HttpReply r = testing::http_request(
      port, ApiRequest{"GET", target, {{"Authorization", "Bearer " + token}}, ""});
  EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  return r.body;
}

// The finding ids of every page of `query` (pages of 7), in order.
std::vector<std::string> all_pages(uint16_t port, const std::string& token,
                                   const std::string& query) {
  std::vector<std::string> ids;
  std::string after;
  for (int guard = 0; guard < 10000; ++guard) {
    auto body = json::parse(
        get(port, token,
            "/api/v1/findings?limit=7" + query + (after.empty() ? "" : "&after=" + after)));
    EXPECT_TRUE(body.is_ok());
    if (!body.is_ok()) break;
    for (const auto& f : body->find("items")->items()) ids.push_back(f.find("id")->as_string());
    if (body->find("next_after")->is_null()) break;
    after = body->find("next_after")->as_string();
  }
  return ids;
}

// The date `offset` days from today.
std::string day(int offset) {
  SystemClock clock;
  return format_date(Date{date_of(clock.now()).days + offset});
}

// Writers for `ms`: findings on time and back-filled by the admin, status changes.
void write_for(uint16_t port, const std::string& token, int ms, int round) {
  std::atomic<bool> go{true};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; go; ++i) {
        const std::string key = fmt::format("r{}c{}i{}", round, c, i);
        ApiRequest r = post_finding(token, key, key);
        if (i % 3 == 1) {  // back-filled up to four weeks
          r.headers.emplace_back("X-Occurred-At", day(-1 - i % 28) + "T10:00:00Z");
        }
        if (i % 4 == 3) {
          r.target = fmt::format("/api/v1/findings/F-{}/status", 1 + i);
          r.body = R"({"status":"in_progress"})";
        }
        if (testing::http_request(port, r).status == 0) return;  // the server is gone
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  go = false;
  for (auto& t : clients) t.join();
}

TEST(ServeCrash, TheIndexesAgreeWithTheLogAfterSigkill) {
  testing::TempDir dir;
  const std::string data = dir.sub("data");
  const std::string token = init_program(data);
  ASSERT_FALSE(token.empty());
  // A clean stop (checkpoint saved), then two kills: the checkpoint is behind the log, and the
  // last kill comes in the middle of writing.
  for (int round = 0; round < 3; ++round) {
    Server server = start_server(data);
    ASSERT_NE(server.port, 0);
    std::thread writer([&] { write_for(server.port, token, 600, round); });
    if (round == 2) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (round < 2) writer.join();
    stop(server, round == 0 ? SIGTERM : SIGKILL);
    if (round == 2) writer.join();
  }
  // The answers of a restarted server: pages, past and present readiness and a timeline.
  const std::vector<std::string> queries{"", "&status=in_progress", "&status=open&criterion=CC7.1",
                                         "&as_of=" + day(-15)};
  const std::vector<std::string> views{
      "/api/v1/readiness", "/api/v1/readiness?as_of=" + day(-10),
      "/api/v1/timeline?from=" + day(-40) + "&to=" + day(0) + "&step=5",
      "/api/v1/workloads?as_of=" + day(-20)};
  auto answers = [&] {
    Server server = start_server(data);
    EXPECT_NE(server.port, 0);
    std::vector<std::vector<std::string>> pages;
    for (const auto& q : queries) pages.push_back(all_pages(server.port, token, q));
    std::vector<std::string> bodies;
    for (const auto& v : views) bodies.push_back(get(server.port, token, v));
    stop(server, SIGTERM);
    return std::pair(pages, bodies);
  };
  const auto [pages, bodies] = answers();
  // Against the log itself, folded naively in seq order.
  {
    auto fs = make_posix_file_system();
    SystemClock clock;
    auto store = open_data_dir(*fs, clock, data);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto events = store->log->read_range(1, store->log->last_seq());
    ASSERT_TRUE(events.is_ok());
    auto fold = [&](std::optional<Date> d) {
      ProgramState s;
      for (const Event& e : *events) {
        if (!d || e.occurred_at < end_of_day(*d)) evolve(s, e);
      }
      return s;
    };
    const ProgramState now = fold(std::nullopt);
    ASSERT_GT(now.findings.size(), 20u);
    auto expect_ids = [&](const ProgramState& s, auto keep) {
      std::vector<std::string> ids;
      for (const auto& [id, f] : s.findings) {
        if (keep(f)) ids.push_back(id);
      }
      std::sort(ids.begin(), ids.end(), natural_less);
      return ids;
    };
    EXPECT_EQ(pages[0], expect_ids(now, [](const FindingState&) { return true; }));
    EXPECT_EQ(pages[1], expect_ids(now, [](const FindingState& f) {
                return f.status == FindingStatus::kInProgress;
              }));
    EXPECT_EQ(pages[2], expect_ids(now, [](const FindingState& f) {
                return f.status == FindingStatus::kOpen &&
                       std::find(f.criteria.begin(), f.criteria.end(), "CC7.1") != f.criteria.end();
              }));
    EXPECT_EQ(pages[3],
              expect_ids(fold(*parse_date(day(-15))), [](const FindingState&) { return true; }));
    const Date past = *parse_date(day(-10));
    auto readiness = json::parse(bodies[1]);
    ASSERT_TRUE(readiness.is_ok());
    EXPECT_EQ(readiness->find("tree_size")->as_integer(),
              static_cast<int64_t>(store->log->last_seq()));
    EXPECT_EQ(json::write(readiness_json(
                  readiness_at(fold(past), past), std::nullopt,
                  static_cast<uint64_t>(readiness->find("tree_size")->as_integer()))),
              bodies[1]);
  }
  // Without the checkpoint, rebuilt from the log: the same answers.
  ASSERT_EQ(std::remove((data + "/projections/checkpoint.bin").c_str()), 0);
  const auto [rebuilt_pages, rebuilt_bodies] = answers();
  EXPECT_EQ(rebuilt_pages, pages);
  for (size_t i = 0; i < views.size(); ++i) EXPECT_EQ(rebuilt_bodies[i], bodies[i]) << views[i];
}

TEST(ServeCrash, ASecondProcessIsToldTheDataDirectoryIsInUse) {
  testing::TempDir dir;
  const std::string data = dir.sub("data");
  ASSERT_EQ(run_gaplog({"--data", data, "init", "--admin", "ada@example.com"}).first, 0);
  Server server = start_server(data);
  auto [status, out] = run_gaplog({"--data", data, "verify"});
  EXPECT_EQ(status, 3);
  EXPECT_NE(out.find("--server"), std::string::npos) << out;
  stop(server, SIGTERM);
}

}  // namespace
}  // namespace gaplog
