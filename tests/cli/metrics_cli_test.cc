// SPEC §14 end to end, on the real binary: `gaplog --version` on every path, and `serve
// --metrics-listen`: requests on the main listener counted by route pattern and status on the
// metrics listener, its text accepted by Prometheus' own checker (promtool, Debian's prometheus
// package), /metrics answered only there.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../support/child_process.h"
#include "../support/gaplog_cli.h"
#include "../support/http_test_client.h"
#include "../support/required_tools.h"
#include "codec/json.h"

namespace gaplog {
namespace {

using testing::gaplog;
using testing::http_request;
using testing::Outcome;

// Reads the child's stdout until `pattern` matches what it printed (or 10 s pass, or it exits).
bool read_until(testing::ChildProcess& child, const std::regex& pattern, std::smatch& m) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!std::regex_search(child.output, m, pattern)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{child.out_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(child.out_fd, buf, sizeof buf);
    if (n <= 0) return false;
    child.output.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// The value of the series `series` (name and labels exactly as printed) in a scrape, or "".
std::string value_of(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const size_t start = at + series.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

std::string header(const testing::HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers) {
    if (k == name) return v;
  }
  return "";
}

// Runs a shell command, its output captured in files of `dir`.
Outcome shell(const std::string& command, const std::string& dir) {
  const std::string out = dir + "/shell.out", err = dir + "/shell.err";
  const int status = std::system((command + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_whole_file(out),
          testing::read_whole_file(err)};
}

std::string requests(const std::string& method, const std::string& route, int status) {
  return "gaplog_http_requests_total{method=\"" + method + "\",route=\"" + route + "\",status=\"" +
         std::to_string(status) + "\"}";
}

TEST(Version, FirstLineIsTheProjectVersionWhateverElseIsGiven) {
  testing::TempDir dir;
  const std::vector<std::string> lines = {
      "--version", "--data " + dir.sub("no-such-dir") + " --version",
      "--server http://127.0.0.1:1 --token x --version", "--version finding list"};
  for (const std::string& args : lines) {
    Outcome r = gaplog(args, dir.path());
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    EXPECT_TRUE(r.out.starts_with("gaplog " GAPLOG_VERSION "\n")) << args << ":\n" << r.out;
    EXPECT_NE(r.out.find("RocksDB "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("OpenSSL "), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "") << args;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.sub("no-such-dir"))) << "--version created the data";
  EXPECT_NE(gaplog("--help", dir.path()).out.find("--version"), std::string::npos);
}

class MetricsListener : public testing::CliProgramTest {
 protected:
  ApiRequest authorized(std::string method, std::string target, std::string body = "") {
    ApiRequest r{std::move(method),
                 std::move(target),
                 {{"Authorization", "Bearer " + token_}},
                 std::move(body)};
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    return r;
  }
};

TEST_F(MetricsListener, CountsRequestsByRouteAndPassPromtool) {
  EXPECT_EQ(run("serve --metrics-listen nowhere").status, 2);
  testing::ChildProcess server =
      testing::start_child({GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0",
                            "--metrics-listen", "127.0.0.1:0"},
                           dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/")))
      << server.output;
  const auto main_port = static_cast<uint16_t>(std::stoi(m[1]));
  ASSERT_TRUE(
      read_until(server, std::regex("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics"), m))
      << server.output;
  const auto metrics_port = static_cast<uint16_t>(std::stoi(m[1]));

  // One 200, one 404 on a route with an id, one write, and /metrics on the main listener.
  EXPECT_EQ(http_request(main_port, {"GET", "/healthz", {}, ""}).status, 200);
  EXPECT_EQ(http_request(main_port, authorized("GET", "/api/v1/findings/F-999")).status, 404);
  EXPECT_EQ(http_request(main_port,
                         authorized("POST", "/api/v1/findings",
                                    R"({"title":"No MFA","severity":"high","criteria":["CC6.1"]})"))
                .status,
            201);
  // The web UI's pages (one route, whatever the client-side path) and a sign-in path.
  const int ui_status = http_request(main_port, {"GET", "/findings/F-3", {}, ""}).status;
  const int auth_status = http_request(main_port, {"GET", "/auth/config", {}, ""}).status;
  const testing::HttpReply on_main = http_request(main_port, {"GET", "/metrics", {}, ""});
  EXPECT_EQ(on_main.status, 404) << "the main listener must not serve the metrics";
  EXPECT_EQ(on_main.body.find("gaplog_"), std::string::npos);
  const testing::HttpReply health = http_request(main_port, {"GET", "/healthz", {}, ""});
  const int64_t tree_size = json::parse(health.body)->find("tree_size")->as_integer();

  // The access log counts a request once its response is written, on the I/O thread of its
  // connection: a client may have its answer first, so wait until every request is counted.
  const auto all_counted = [&](const std::string& t) {
    return value_of(t, requests("GET", "/healthz", 200)) == "2" &&
           value_of(t, requests("GET", "/api/v1/findings/{id}", 404)) == "1" &&
           value_of(t, requests("POST", "/api/v1/findings", 201)) == "1" &&
           value_of(t, requests("GET", "other", 404)) == "1" &&
           value_of(t, requests("GET", "/", ui_status)) == "1" &&
           value_of(t, requests("GET", "/auth/config", auth_status)) == "1";
  };
  std::string text;
  testing::HttpReply scrape;
  for (int i = 0; i < 200; ++i) {
    scrape = http_request(metrics_port, {"GET", "/metrics", {}, ""});
    text = scrape.body;
    if (all_counted(text)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(header(scrape, "Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(value_of(text, requests("GET", "/healthz", 200)), "2") << text;
  EXPECT_EQ(value_of(text, requests("GET", "/api/v1/findings/{id}", 404)), "1") << text;
  EXPECT_EQ(value_of(text, requests("POST", "/api/v1/findings", 201)), "1") << text;
  EXPECT_EQ(value_of(text, requests("GET", "other", 404)), "1") << text;
  EXPECT_EQ(value_of(text, requests("GET", "/", ui_status)), "1") << text;
  EXPECT_EQ(value_of(text, requests("GET", "/auth/config", auth_status)), "1") << text;
  EXPECT_EQ(text.find("F-999"), std::string::npos) << "a raw path became a label";
  EXPECT_EQ(text.find("F-3"), std::string::npos) << "a raw path became a label";
  EXPECT_EQ(
      value_of(text, "gaplog_http_request_duration_seconds_count{route=\"/api/v1/findings\"}"),
      "1");
  EXPECT_GE(std::stoi(value_of(text, "gaplog_log_append_duration_seconds_count")), 1) << text;
  EXPECT_GE(std::stoi(value_of(text, "gaplog_log_sync_duration_seconds_count")), 1);
  EXPECT_EQ(value_of(text, "gaplog_log_tree_size"), std::to_string(tree_size));
  EXPECT_EQ(value_of(text, "gaplog_projection_lag_events{projection=\"commands\"}"), "0");
  EXPECT_EQ(value_of(text, "gaplog_build_info{version=\"" GAPLOG_VERSION "\"}"), "1");
  EXPECT_EQ(value_of(text, "gaplog_notifications_failed_total{channel=\"email\"}"), "0");

  // Only GET /metrics there.
  EXPECT_EQ(http_request(metrics_port, {"GET", "/", {}, ""}).status, 404);
  EXPECT_EQ(http_request(metrics_port, {"GET", "/api/v1/findings", {}, ""}).status, 404);
  EXPECT_EQ(http_request(metrics_port, {"POST", "/metrics", {}, "x"}).status, 404);

  // Prometheus' own parser and linter.
  const std::string file = dir_.sub("scrape.txt");
  std::ofstream(file) << text;
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    testing::stop_child(server, SIGTERM);
    GAPLOG_NEEDS_TOOL("promtool is missing: apt-get install prometheus");
  }
  const Outcome checked = shell("promtool check metrics < " + file, dir_.path());
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err << "\n" << text;
  // The checker can fail: a counter without _total is a lint error.
  std::ofstream(file) << "# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests 1\n";
  EXPECT_NE(shell("promtool check metrics < " + file, dir_.path()).status, 0);
  EXPECT_EQ(testing::stop_child(server, SIGTERM), 0);
}

TEST_F(MetricsListener, AreOffByDefault) {
  testing::ChildProcess server = testing::start_child(
      {GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0"}, dir_.sub("serve.log"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/")))
      << server.output;
  EXPECT_EQ(
      http_request(static_cast<uint16_t>(std::stoi(m[1])), {"GET", "/metrics", {}, ""}).status,
      404);
  testing::stop_child(server, SIGTERM);
  EXPECT_EQ(server.output.find("metrics on"), std::string::npos) << server.output;
}

}  // namespace
}  // namespace gaplog
