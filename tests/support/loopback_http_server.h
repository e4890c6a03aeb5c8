// A tiny HTTP/1.1 server on 127.0.0.1 for tests of outbound requests: it plays an identity
// provider or any other peer. One thread runs it (Boost.Asio/Beast); each connection carries one
// request, answered by the test's handler, then closed.
//
// Thread-safety: the handler runs on the server's thread; what it shares with the test must be
// synchronised by the test (an atomic, a mutex). requests() and count() may be called from any
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace gaplog::testing {

struct ServedRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;

  std::string header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ServedReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;  // Transfer-Encoding: chunked instead of Content-Length
  bool silent = false;   // read the request, then never answer (until the server stops)
};

// The request as a handler sees it (header names in lowercase).
inline ServedRequest served_request_of(
    const boost::beast::http::request<boost::beast::http::string_body>& request) {
  ServedRequest served;
  served.method = std::string(request.method_string());
  served.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    served.headers[name] = std::string(field.value());
  }
  served.body = request.body();
  return served;
}

// The HTTP/1.1 response for `reply` (all but `silent`), closing the connection.
inline void fill_response(const ServedReply& reply,
                          boost::beast::http::response<boost::beast::http::string_body>& response) {
  namespace http = boost::beast::http;
  response.version(11);
  response.result(static_cast<unsigned>(reply.status));
  if (!reply.content_type.empty()) response.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.keep_alive(false);
  response.body() = reply.body;
  if (reply.chunked) {
    response.chunked(true);
  } else {
    response.prepare_payload();
  }
}

// The requests a server has received, for the test to read from any thread.
class ServedRequestLog {
 public:
  void add(const ServedRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
  }
  std::vector<ServedRequest> all() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Requests whose path (the target without its query) is `path`.
  int count(std::string_view path) const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const ServedRequest& r : requests_) {
      if (std::string_view(r.target).substr(0, r.target.find('?')) == path) ++n;
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<ServedRequest> requests_;
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<ServedReply(const ServedRequest&)>;

  explicit LoopbackHttpServer(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~LoopbackHttpServer() {
    ioc_.stop();
    thread_.join();
  }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::string url(std::string_view path) const { return base_url() + std::string(path); }

  std::vector<ServedRequest> requests() const { return log_.all(); }
  // Requests whose path (the target without its query) is `path`.
  int count(std::string_view path) const { return log_.count(path); }

 private:
  struct Connection {
    explicit Connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
    boost::asio::ip::tcp::socket socket;
    boost::beast::flat_buffer buffer;
    boost::beast::http::request<boost::beast::http::string_body> request;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      read(std::make_shared<Connection>(std::move(s)));
      accept();
    });
  }

  void read(const std::shared_ptr<Connection>& c) {
    boost::beast::http::async_read(c->socket, c->buffer, c->request,
                                   [this, c](boost::system::error_code ec, size_t) {
                                     if (ec) return;
                                     answer(c);
                                   });
  }

  void answer(const std::shared_ptr<Connection>& c) {
    const ServedRequest served = served_request_of(c->request);
    log_.add(served);
    const ServedReply reply = handler_(served);
    if (reply.silent) {
      silent_.push_back(c);  // kept open, unanswered, until the server stops
      return;
    }
    fill_response(reply, c->response);
    boost::beast::http::async_write(c->socket, c->response, [c](boost::system::error_code, size_t) {
      boost::system::error_code ignored;
      c->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    });
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<Connection>> silent_;  // the server thread's only
  ServedRequestLog log_;
  std::thread thread_;
};

}  // namespace gaplog::testing
