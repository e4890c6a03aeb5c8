// LoopbackHttpServer's TLS twin: an HTTPS/1.1 server on 127.0.0.1 for tests of outbound
// requests over a real TLS handshake (Boost.Asio ssl + Beast). It presents the certificate it is
// given; each connection carries one request, answered by the test's handler, then closed.
// `ServedReply::silent` is not supported (the reply is sent anyway).
//
// Thread-safety as LoopbackHttpServer's: the handler runs on the server's thread; requests()
// and count() may be called from any thread.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/loopback_http_server.h"
#include "tests/support/test_certificates.h"

namespace gaplog::testing {

// The TLS versions the server accepts.
enum class ServedTls {
  kModern,      // what OpenSSL allows by default (TLS 1.2 and 1.3)
  kOnlyTls1_1,  // TLS 1.1 and nothing newer, at security level 0 (which TLS 1.1 needs)
};

// A TLS server context presenting `identity`.
inline boost::asio::ssl::context make_server_tls_context(const CertificateAndKey& identity,
                                                         ServedTls versions) {
  namespace ssl = boost::asio::ssl;
  ssl::context ctx(ssl::context::tls_server);
  ctx.use_certificate_chain(
      boost::asio::buffer(identity.certificate_pem.data(), identity.certificate_pem.size()));
  ctx.use_private_key(
      boost::asio::buffer(identity.private_key_pem.data(), identity.private_key_pem.size()),
      ssl::context::pem);
  if (versions == ServedTls::kOnlyTls1_1) {
    ctx.set_options(ssl::context::no_tlsv1_2 | ssl::context::no_tlsv1_3);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
    if (SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0") != 1 ||
        SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_1_VERSION) != 1) {
      throw std::runtime_error("cannot configure a TLS 1.1 server context");
    }
  }
  return ctx;
}

class LoopbackHttpsServer {
 public:
  using Handler = std::function<ServedReply(const ServedRequest&)>;

  LoopbackHttpsServer(const CertificateAndKey& identity, Handler handler,
                      ServedTls versions = ServedTls::kModern)
      : handler_(std::move(handler)),
        tls_(make_server_tls_context(identity, versions)),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~LoopbackHttpsServer() {
    ioc_.stop();
    thread_.join();
  }
  LoopbackHttpsServer(const LoopbackHttpsServer&) = delete;
  LoopbackHttpsServer& operator=(const LoopbackHttpsServer&) = delete;

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port()); }
  std::string url(std::string_view path) const { return base_url() + std::string(path); }

  std::vector<ServedRequest> requests() const { return log_.all(); }
  int count(std::string_view path) const { return log_.count(path); }

 private:
  struct Connection {
    Connection(boost::asio::ip::tcp::socket s, boost::asio::ssl::context& tls)
        : stream(std::move(s), tls) {}
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      handshake(std::make_shared<Connection>(std::move(s), tls_));
      accept();
    });
  }

  void handshake(const std::shared_ptr<Connection>& c) {
    c->stream.async_handshake(boost::asio::ssl::stream_base::server,
                              [this, c](boost::system::error_code ec) {
                                if (!ec) read(c);  // else the client refused us
                              });
  }

  void read(const std::shared_ptr<Connection>& c) {
    boost::beast::http::async_read(c->stream, c->buffer, c->request,
                                   [this, c](boost::system::error_code ec, size_t) {
                                     if (ec) return;
                                     answer(c);
                                   });
  }

  void answer(const std::shared_ptr<Connection>& c) {
    const ServedRequest served = served_request_of(c->request);
    log_.add(served);
    fill_response(handler_(served), c->response);
    boost::beast::http::async_write(c->stream, c->response, [c](boost::system::error_code, size_t) {
      // close_notify, then the socket closes when the last reference to `c` goes.
      c->stream.async_shutdown([c](boost::system::error_code) {});
    });
  }

  Handler handler_;
  boost::asio::ssl::context tls_;  // outlives the connections, which ioc_ owns
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  ServedRequestLog log_;
  std::thread thread_;
};

}  // namespace gaplog::testing
