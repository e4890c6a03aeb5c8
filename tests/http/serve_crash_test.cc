// `gaplog serve` killed with SIGKILL while clients are writing: after a restart, every write
// that was answered 2xx is there, and `gaplog verify` passes. Runs the real binary.
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
  auto [init_status, init_out] = run_gaplog({"--data", data, "init", "--admin", "ada@example.com"});
  ASSERT_EQ(init_status, 0) << init_out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(init_out, m, std::regex("(gaplog_[0-9a-f]{64})")));
  const std::string token = m[1];

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
