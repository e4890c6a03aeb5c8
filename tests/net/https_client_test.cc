// The outbound HTTP(S) client against a loopback server: what it sends, what it returns, and
// what it refuses (URLs, redirects, oversized and slow answers).
#include "net/https_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>

#include "tests/support/loopback_http_server.h"

namespace gaplog {
namespace {

using testing::LoopbackHttpServer;
using testing::ServedReply;
using testing::ServedRequest;

// A loopback port nobody listens on: bound once to get a free number, then released.
uint16_t unused_loopback_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST(OutboundHttps, GetReturnsStatusBodyAndContentType) {
  LoopbackHttpServer server([](const ServedRequest& r) {
    ServedReply reply;
    reply.status = r.target == "/hello" ? 200 : 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = "hello " + r.header("x-probe");
    return reply;
  });
  auto client = make_https_client();
  Result<OutboundResponse> res = client->get(server.url("/hello"), {{"X-Probe", "there"}});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(res->body, "hello there");
}

TEST(OutboundHttps, HttpErrorStatusIsAnAnswerNotAnError) {
  LoopbackHttpServer server([](const ServedRequest&) {
    ServedReply reply;
    reply.status = 503;
    reply.body = R"({"error":"temporarily_unavailable"})";
    return reply;
  });
  Result<OutboundResponse> res = make_https_client()->get(server.url("/x"), {});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"error":"temporarily_unavailable"})");
}

TEST(OutboundHttps, PostFormPercentEncodesEveryNameAndValue) {
  LoopbackHttpServer server([](const ServedRequest& r) {
    ServedReply reply;
    reply.content_type = r.header("content-type");
    reply.body = r.method + " " + r.body;
    return reply;
  });
  auto client = make_https_client();
  const FormFields fields = {{"grant_type", "authorization_code"},
                             {"code", "a b&c=d+e/f?g%h"},
                             {"redirect uri", "https://gaplog.example/auth/callback"},
                             {"utf8", "caf\xc3\xa9~-._"}};
  Result<OutboundResponse> res = client->post_form(server.url("/token"), fields, {});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(res->body,
            "POST grant_type=authorization_code&code=a%20b%26c%3Dd%2Be%2Ff%3Fg%25h"
            "&redirect%20uri=https%3A%2F%2Fgaplog.example%2Fauth%2Fcallback"
            "&utf8=caf%C3%A9~-._");
}

TEST(OutboundHttps, PlainHttpToAnotherHostIsRefusedBeforeConnecting) {
  HttpsClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(5000);
  auto client = make_https_client(options);
  // 10.255.255.1 is routable but silent: a connection attempt would take the whole connect
  // timeout and end in kUnavailable. The refusal is immediate and says why.
  const auto start = std::chrono::steady_clock::now();
  Result<OutboundResponse> res = client->get("http://10.255.255.1/.well-known/x", {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kInvalidArgument);
  EXPECT_NE(res.status().message().find("https://"), std::string::npos) << res.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));

  Result<OutboundResponse> post = client->post_form("http://idp.example.com/token", {}, {});
  EXPECT_EQ(post.status().code(), Code::kInvalidArgument);
  Result<OutboundResponse> ftp = client->get("ftp://127.0.0.1/x", {});
  EXPECT_EQ(ftp.status().code(), Code::kInvalidArgument);
}

TEST(OutboundHttps, UnreachableHostIsUnavailableAndNamed) {
  const uint16_t port = unused_loopback_port();
  auto client = make_https_client();
  Result<OutboundResponse> res =
      client->get("https://127.0.0.1:" + std::to_string(port) + "/jwks", {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
  EXPECT_NE(res.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << res.status().message();
}

TEST(OutboundHttps, TlsToAPlainHttpServerFails) {
  LoopbackHttpServer server([](const ServedRequest&) { return ServedReply{}; });
  Result<OutboundResponse> res =
      make_https_client()->get("https://127.0.0.1:" + std::to_string(server.port()) + "/", {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
}

TEST(OutboundHttps, AnswerLargerThanTheLimitIsAnErrorNotATruncatedBody) {
  for (bool chunked : {false, true}) {
    LoopbackHttpServer server([chunked](const ServedRequest&) {
      ServedReply reply;
      reply.body = std::string(4096, 'x');
      reply.chunked = chunked;  // no Content-Length: only the write callback can count
      return reply;
    });
    HttpsClientOptions options;
    options.max_response_bytes = 1000;
    Result<OutboundResponse> res = make_https_client(options)->get(server.url("/big"), {});
    ASSERT_FALSE(res.is_ok()) << "chunked=" << chunked;
    EXPECT_EQ(res.status().code(), Code::kUnavailable);
    EXPECT_NE(res.status().message().find("more than 1000 bytes"), std::string::npos)
        << res.status().message();
  }
}

TEST(OutboundHttps, AnswerOfExactlyTheLimitIsAccepted) {
  LoopbackHttpServer server([](const ServedRequest&) {
    ServedReply reply;
    reply.body = std::string(1000, 'x');
    reply.chunked = true;
    return reply;
  });
  HttpsClientOptions options;
  options.max_response_bytes = 1000;
  Result<OutboundResponse> res = make_https_client(options)->get(server.url("/big"), {});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->body.size(), 1000u);
}

TEST(OutboundHttps, ServerThatNeverAnswersTimesOutWithinTheTotalTimeout) {
  LoopbackHttpServer server([](const ServedRequest&) {
    ServedReply reply;
    reply.silent = true;
    return reply;
  });
  HttpsClientOptions options;
  options.total_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  Result<OutboundResponse> res = make_https_client(options)->get(server.url("/slow"), {});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
  EXPECT_NE(res.status().message().find("did not answer within 300 ms"), std::string::npos)
      << res.status().message();
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST(OutboundHttps, RedirectsAreReturnedNotFollowed) {
  LoopbackHttpServer server([](const ServedRequest& r) {
    ServedReply reply;
    if (r.target == "/start") {
      reply.status = 302;
      reply.headers = {{"Location", "/elsewhere"}};
    }
    return reply;
  });
  Result<OutboundResponse> res = make_https_client()->get(server.url("/start"), {});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(server.count("/start"), 1);
  EXPECT_EQ(server.count("/elsewhere"), 0);
}

TEST(OutboundHttps, HeaderWithALineBreakIsRefused) {
  LoopbackHttpServer server([](const ServedRequest&) { return ServedReply{}; });
  Result<OutboundResponse> res =
      make_https_client()->get(server.url("/"), {{"X-A", "b\r\nX-Injected: 1"}});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(server.count("/"), 0);
}

TEST(OutboundHttps, ErrorsDoNotEchoFormValues) {
  const uint16_t port = unused_loopback_port();
  Result<OutboundResponse> res =
      make_https_client()->post_form("http://127.0.0.1:" + std::to_string(port) + "/token?x=1",
                                     {{"client_secret", "s3cr3t-value"}, {"code", "the-code"}}, {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().message().find("s3cr3t-value"), std::string::npos);
  EXPECT_EQ(res.status().message().find("the-code"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
