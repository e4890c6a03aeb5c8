// End-to-end over real HTTP on a loopback port, for what needs a socket: the default 100 MiB
// evidence limit (declared and streamed), If-Match races between concurrent writers, and an
// evidence round trip of a large file. (Every endpoint and role: api_test, api_permissions_test
// and api_bad_input_test, which also run over HTTP.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "../support/api_test_support.h"
#include "http/web_ui.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

using testing::num;
using testing::Reply;
using testing::str;

class HttpEndToEnd : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    // These tests always talk HTTP, whatever GAPLOG_TEST_OVER_HTTP says.
    HttpServerOptions o;
    o.port = 0;
    auto server = HttpServer::start(program_->api(), o);
    ASSERT_TRUE(server.is_ok()) << server.status().to_string();
    http_ = std::move(server).value();
  }
  void TearDown() override { http_.reset(); }

  testing::HttpReply over_http(const std::string& as, const std::string& method,
                               const std::string& target, const std::string& body,
                               HeaderList headers = {}) {
    ApiRequest r{method, target, std::move(headers), body};
    r.headers.emplace_back("Authorization", "Bearer " + token(as));
    if (!r.header("Content-Type")) r.headers.emplace_back("Content-Type", "application/json");
    return testing::http_request(http_->port(), r);
  }

  // Sends a raw request head, then `body_bytes` bytes of body in chunked encoding (while the
  // server lets it), and returns the status line's code and the response text.
  std::pair<int, std::string> raw(const std::string& head, uint64_t chunked_body_bytes = 0) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), http_->port()});
    asio::write(s, asio::buffer(head));
    boost::system::error_code ec;
    if (chunked_body_bytes > 0) {
      const std::string chunk_data(1 << 20, 'z');
      for (uint64_t sent = 0; sent < chunked_body_bytes && !ec;) {
        const uint64_t n = std::min<uint64_t>(chunk_data.size(), chunked_body_bytes - sent);
        std::string frame = fmt::format("{:x}\r\n", n);
        frame.append(chunk_data.data(), n);
        frame += "\r\n";
        asio::write(s, asio::buffer(frame), ec);
        sent += n;
      }
      if (!ec) asio::write(s, asio::buffer(std::string("0\r\n\r\n")), ec);
    }
    std::string response;
    char buf[4096];
    for (size_t n; (n = s.read_some(asio::buffer(buf), ec)) > 0 || !ec;) {
      response.append(buf, n);
      if (ec) break;
    }
    const int status = response.size() > 12 ? std::atoi(response.substr(9, 3).c_str()) : 0;
    return {status, response};
  }

  size_t blob_files() {
    size_t n = 0;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(dir_.path() + "/data/evidence")) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  }

  std::unique_ptr<HttpServer> http_;
};

TEST_F(HttpEndToEnd, DeclaredUploadOfOneByteOverOneHundredMebibytesIs413BeforeTheBody) {
  const std::string id = record_finding();
  const uint64_t size = tree_size();
  auto [status, text] =
      raw(fmt::format("POST /api/v1/evidence?filename=big.bin&finding={} HTTP/1.1\r\nHost: "
                      "x\r\nAuthorization: Bearer {}\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                      id, token(kEditor), 100ull * 1024 * 1024 + 1));
  EXPECT_EQ(status, 413) << text;
  EXPECT_NE(text.find("\"too_large\""), std::string::npos) << text;
  EXPECT_EQ(tree_size(), size);
}

TEST_F(HttpEndToEnd, StreamedUploadOfOneByteOverOneHundredMebibytesIs413AndKeepsNothing) {
  const std::string id = record_finding();
  const uint64_t size = tree_size();
  const size_t blobs = blob_files();
  auto [status, text] =
      raw(fmt::format("POST /api/v1/evidence?filename=big.bin&finding={} HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer {}\r\nContent-Type: application/octet-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
                      id, token(kEditor)),
          100ull * 1024 * 1024 + 1);
  EXPECT_EQ(status, 413) << text.substr(0, 400);
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(blob_files(), blobs);
  // The server is still serving.
  EXPECT_EQ(over_http(kAuditor, "GET", "/healthz", "").status, 200);
}

TEST_F(HttpEndToEnd, LargeEvidenceRoundTripKeepsBytesAndHash) {
  const std::string id = record_finding();
  std::string bytes(12 * 1024 * 1024 + 7, '\0');
  std::mt19937_64 rng(7);
  for (auto& c : bytes) c = static_cast<char>(rng());
  auto up = over_http(kOwner, "POST", "/api/v1/evidence?filename=dump.bin&finding=" + id, bytes,
                      {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(up.status, 201) << up.body;
  auto meta = json::parse(up.body);
  ASSERT_TRUE(meta.is_ok());
  EXPECT_EQ(meta->find("sha256")->as_string(), hash_hex(sha256(bytes)));
  auto down = over_http(kAuditor, "GET",
                        "/api/v1/evidence/" + meta->find("id")->as_string() + "/content", "");
  ASSERT_EQ(down.status, 200);
  EXPECT_EQ(down.body.size(), bytes.size());
  EXPECT_TRUE(down.body == bytes);
}

TEST_F(HttpEndToEnd, TwoWritersWithTheSameIfMatchOneWinsTheOtherGets412) {
  for (int round = 0; round < 10; ++round) {
    const std::string id = record_finding("race " + std::to_string(round));
    const uint64_t size = tree_size();
    std::atomic<int> ok{0}, stale{0}, other{0};
    std::vector<std::thread> writers;
    for (const char* as : {kEditor, kAdmin}) {
      writers.emplace_back([&, as] {
        auto r = over_http(as, "PATCH", "/api/v1/findings/" + id,
                           std::string(R"({"title":"by )") + as + "\"}", {{"If-Match", "\"1\""}});
        (r.status == 200 ? ok : r.status == 412 ? stale : other)++;
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(ok, 1) << "round " << round;
    EXPECT_EQ(stale, 1) << "round " << round;
    EXPECT_EQ(other, 0);
    EXPECT_EQ(tree_size(), size + 1);
  }
}

TEST_F(HttpEndToEnd, ConcurrentCreationsGetDistinctIdsInLogOrder) {
  std::vector<std::thread> writers;
  std::mutex mu;
  std::vector<std::pair<int64_t, std::string>> created;  // (seq, id)
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = over_http(
            kEditor, "POST", "/api/v1/findings",
            fmt::format(R"({{"title":"t{} i{}","severity":"low","criteria":["CC7.1"]}})", t, i));
        ASSERT_EQ(r.status, 201) << r.body;
        auto body = json::parse(r.body);
        std::lock_guard lock(mu);
        created.emplace_back(body->find("seq")->as_integer(), body->find("id")->as_string());
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(created.size(), 80u);
  std::sort(created.begin(), created.end());
  for (size_t i = 0; i < created.size(); ++i) {
    EXPECT_EQ(created[i].second, "F-" + std::to_string(i + 1)) << "ids follow the log order";
  }
}

// SPEC §6: HEAD is answered wherever GET is (the API, /healthz and the web UI), with the same
// status and headers and no body; the connection then goes on in step.
TEST_F(HttpEndToEnd, HeadIsAnsweredLikeGetWithoutABodyForTheApiHealthAndTheWebUi) {
  const std::filesystem::path web = dir_.path() + "/web";
  std::filesystem::create_directories(web / "assets" / "0123abcd");
  std::ofstream(web / "index.html") << "<!doctype html><title>gaplog</title>";
  std::ofstream(web / "assets" / "0123abcd" / "app.js") << "console.log('gaplog');";
  WebUi ui(program_->api(), web);
  HttpServerOptions o;
  o.port = 0;
  auto server = HttpServer::start(ui, o);
  ASSERT_TRUE(server.is_ok()) << server.status().to_string();
  const uint16_t port = (*server)->port();
  ASSERT_EQ(record_finding(), "F-1");
  const HeaderList auth{{"Authorization", "Bearer " + token(kAuditor)}};
  for (const char* target : {"/", "/findings/F-1", "/assets/0123abcd/app.js", "/healthz",
                             "/api/v1/findings/F-1", "/api/v1/readiness", "/api/v1/findings/F-9"}) {
    SCOPED_TRACE(target);
    testing::HttpReply got = testing::http_request(port, ApiRequest{"GET", target, auth, ""});
    testing::HttpReply head = testing::http_request(port, ApiRequest{"HEAD", target, auth, ""});
    EXPECT_NE(got.status, 0);
    EXPECT_EQ(head.status, got.status);
    EXPECT_EQ(head.headers, got.headers);
    EXPECT_FALSE(got.body.empty());
    EXPECT_EQ(head.body, "");
  }
}

}  // namespace
}  // namespace gaplog
