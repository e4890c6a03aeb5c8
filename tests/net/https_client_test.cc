// The outbound HTTP(S) client against a loopback server: what it sends, what it returns, and
// what it refuses (URLs, redirects, oversized and slow answers); and over real TLS handshakes
// with certificates made at test time: a trusted CA, the system store, a wrong name, TLS 1.1.
#include "net/https_client.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <fstream>
#include <string>

#include "tests/support/loopback_http_server.h"
#include "tests/support/loopback_https_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace gaplog {
namespace {

using testing::LoopbackHttpServer;
using testing::LoopbackHttpsServer;
using testing::ServedReply;
using testing::ServedRequest;
using testing::ServedTls;

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

TEST(OutboundHttps, PostSendsTheBodyAsItIsWithItsContentType) {
  LoopbackHttpServer server([](const ServedRequest& r) {
    ServedReply reply;
    reply.status = 202;
    reply.body =
        r.method + " " + r.header("content-type") + " " + r.header("webhook-id") + " " + r.body;
    return reply;
  });
  auto client = make_https_client();
  // Only the view's bytes are sent: the string goes on past its end, with no NUL there.
  const std::string text = R"({"type":"due_soon","data":{"title":"caf\u00e9 & co"}}TRAILING)";
  const std::string_view body = std::string_view(text).substr(0, text.size() - 8);
  Result<OutboundResponse> res =
      client->post(server.url("/hook"), "application/json", body, {{"webhook-id", "msg_1"}});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(res->body, "POST application/json msg_1 " + std::string(body));
  EXPECT_EQ(server.count("/hook"), 1);

  Result<OutboundResponse> empty = client->post(server.url("/hook"), "text/plain", {}, {});
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_EQ(empty->body, "POST text/plain  ");
}

TEST(OutboundHttps, PostRefusesAContentTypeWithALineBreak) {
  LoopbackHttpServer server([](const ServedRequest&) { return ServedReply{}; });
  Result<OutboundResponse> res =
      make_https_client()->post(server.url("/hook"), "application/json\r\nX-Injected: 1", "{}", {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(server.count("/hook"), 0);
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
  Result<OutboundResponse> json =
      client->post("http://hooks.example.com/in", "application/json", "{}", {});
  EXPECT_EQ(json.status().code(), Code::kInvalidArgument);
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

// --- Over TLS ---------------------------------------------------------------------------------

ServedReply hello_reply(const ServedRequest& r) {
  ServedReply reply;
  reply.content_type = "text/plain";
  reply.body = "hello over TLS from " + r.target;
  return reply;
}

// The TLS version (TLS1_1_VERSION, ...) that a client accepting anything (any version, security
// level 0, no certificate check) negotiates with 127.0.0.1:`port`; 0 when the handshake fails.
int negotiated_tls_version(uint16_t port) {
  namespace ssl = boost::asio::ssl;
  boost::asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0") != 1) return 0;
  ctx.set_verify_mode(ssl::verify_none);
  ssl::stream<boost::asio::ip::tcp::socket> stream(ioc, ctx);
  boost::system::error_code ec;
  stream.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  return ec ? 0 : SSL_version(stream.native_handle());
}

// A CA made for the test, its certificate in a PEM file that the client may be given.
class OutboundTls : public ::testing::Test {
 protected:
  OutboundTls() : ca_file_(dir_.sub("ca.pem")) { std::ofstream(ca_file_) << ca_.certificate_pem(); }

  HttpsClientOptions trusting_the_ca() const {
    HttpsClientOptions options;
    options.ca_file = ca_file_;
    return options;
  }

  testing::TempDir dir_;
  testing::TestCertificateAuthority ca_;
  std::string ca_file_;
};

TEST_F(OutboundTls, CertificateSignedByTheGivenCaIsAccepted) {
  LoopbackHttpsServer server(ca_.issue("IP:127.0.0.1"), hello_reply);
  Result<OutboundResponse> res = make_https_client(trusting_the_ca())->get(server.url("/x"), {});
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->content_type, "text/plain");
  EXPECT_EQ(res->body, "hello over TLS from /x");
  EXPECT_EQ(server.count("/x"), 1);
}

TEST_F(OutboundTls, WithoutTheCaTheSystemStoreRefusesTheCertificateAndHidesThePath) {
  LoopbackHttpsServer server(ca_.issue("IP:127.0.0.1"), hello_reply);
  Result<OutboundResponse> res =
      make_https_client()->get(server.url("/private-path?token=t0p-s3cret"), {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
  const std::string& message = res.status().message();
  EXPECT_NE(message.find("certificate"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << message;
  // Only the host and port are named (https_client.cc, host_of).
  EXPECT_EQ(message.find("private-path"), std::string::npos) << message;
  EXPECT_EQ(message.find("t0p-s3cret"), std::string::npos) << message;
  EXPECT_EQ(server.count("/private-path"), 0);
}

TEST_F(OutboundTls, CertificateForAnotherNameIsRefused) {
  LoopbackHttpsServer server(ca_.issue("DNS:other.example"), hello_reply);
  Result<OutboundResponse> res = make_https_client(trusting_the_ca())->get(server.url("/x"), {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
  // libcurl: "no alternative certificate subject name matches target host name '127.0.0.1'".
  EXPECT_NE(res.status().message().find("subject name"), std::string::npos)
      << res.status().message();
  EXPECT_EQ(server.count("/x"), 0);
}

TEST_F(OutboundTls, ServerOfferingOnlyTls11IsRefused) {
  LoopbackHttpsServer server(ca_.issue("IP:127.0.0.1"), hello_reply, ServedTls::kOnlyTls1_1);
  // The control: the server really completes a TLS 1.1 handshake with a client that allows it.
  const int version = negotiated_tls_version(server.port());
  if (version != TLS1_1_VERSION) {
    GTEST_SKIP() << "this OpenSSL does not complete a TLS 1.1 handshake even at security level "
                    "0 (negotiated version "
                 << version << "), so there is no TLS 1.1 server to refuse";
  }
  Result<OutboundResponse> res = make_https_client(trusting_the_ca())->get(server.url("/x"), {});
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
  EXPECT_EQ(server.count("/x"), 0);
  // The client asks for TLS 1.2 at least (CURLOPT_SSLVERSION) and the server answers with a
  // protocol_version alert; without that minimum, OpenSSL would go on with TLS 1.1 and fail
  // later, on the legacy signature algorithm.
  EXPECT_NE(res.status().message().find("protocol version"), std::string::npos)
      << res.status().message();
}

}  // namespace
}  // namespace gaplog
