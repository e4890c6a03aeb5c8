// HttpServer's internals, shared by http_server.cc (listener, connection caps and shedding,
// shutdown, signals) and http_session.cc (one connection's requests and responses). Only http/
// includes it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "http/http_server.h"

namespace gaplog {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

inline auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// A server-side TLS context for `files` (TLS 1.2 and 1.3 only), or why it cannot be made.
Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsFiles& files);

// A connection's bytes: plain TCP, or TLS over that TCP stream. Reads and writes go through this
// one type (an AsyncReadStream and AsyncWriteStream for Beast), so a connection's exchanges are
// the same code either way. The deadlines are the TCP stream's (expires_after/expires_at) and
// bound the TLS handshake, reads and writes too. Belongs to the connection's strand.
class ConnectionStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  // `tls` null: plain TCP. Borrowed; it outlives the connection.
  ConnectionStream(tcp::socket socket, asio::ssl::context* tls) : tcp_(std::move(socket)) {
    if (tls != nullptr) tls_.emplace(tcp_, *tls);
  }
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  executor_type get_executor() { return tcp_.get_executor(); }
  tcp::socket& socket() { return tcp_.socket(); }
  bool is_tls() const { return tls_.has_value(); }
  void expires_after(SteadyClock::duration d) { tcp_.expires_after(d); }
  void expires_at(SteadyClock::time_point t) { tcp_.expires_at(t); }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            tcp_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            tcp_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // The server's side of the TLS handshake; nothing to do for plain TCP.
  asio::awaitable<error_code> handshake() {
    error_code ec;
    if (tls_) co_await tls_->async_handshake(asio::ssl::stream_base::server, redirect(ec));
    co_return ec;
  }

  // Before closing: TLS's close_notify (best effort), then no more bytes are sent.
  asio::awaitable<void> shutdown_send() {
    error_code ec;
    if (tls_) co_await tls_->async_shutdown(redirect(ec));
    tcp_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Below TLS: whatever arrives, undeciphered (to drop the rest of a refused request).
  beast::tcp_stream& raw() { return tcp_; }

 private:
  beast::tcp_stream tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream&>> tls_;
};

// How a request ended, for the connection.
enum class After {
  kNextRequest,  // the response was sent and the connection stays open
  kClose,        // the response was sent with `Connection: close`
  kDrop,         // nothing more can be sent: close at once
};

class HttpServer::Impl {
 public:
  Impl(RequestHandler& handler, HttpServerOptions options, std::unique_ptr<asio::ssl::context> tls)
      : handler_(handler),
        options_(std::move(options)),
        tls_(std::move(tls)),
        control_(asio::make_strand(ioc_)),
        acceptor_(control_),
        workers_(static_cast<size_t>(options_.worker_threads)) {}

  ~Impl() {
    if (!running_) return;  // listen() failed: no thread but the workers, which join themselves
    begin_stop(std::chrono::milliseconds(0));
    if (stopper_.joinable()) stopper_.join();
  }

  Status listen();
  void run();
  uint16_t port() const { return port_; }
  void begin_stop(std::chrono::milliseconds grace);
  void wait();
  void stop_on_signal(std::chrono::milliseconds grace);
  bool on_own_thread() {
    return ioc_.get_executor().running_in_this_thread() ||
           workers_.get_executor().running_in_this_thread();
  }

 private:
  // One client connection. `stream` belongs to the strand; the fields after it are guarded by
  // Impl::mu_.
  struct Connection {
    Connection(tcp::socket socket, asio::ip::address client, asio::ssl::context* tls)
        : strand(socket.get_executor()),
          stream(std::move(socket), tls),
          client(std::move(client)) {}
    const asio::any_io_executor strand;
    const SteadyClock::time_point accepted = SteadyClock::now();
    ConnectionStream stream;
    const asio::ip::address client;  // what the per-address cap counts (client_of)
    uint64_t id = 0;
    // From a complete request head until its response is sent: what shutdown lets finish, and
    // what is never shed.
    bool in_request = false;
    // Chosen to be closed (shed when the server was full, or at shutdown): no longer counted,
    // and a request head completing now is not served.
    bool shed = false;
    SteadyClock::time_point waiting_since = SteadyClock::now();  // for a request head
  };

  // One request and its response: what framing and the access log need.
  struct Exchange {
    SteadyClock::time_point started = SteadyClock::now();
    unsigned version = 11;
    bool head_method = false;
    std::string method;
    std::string path;
    std::string route;  // handler_.route_of()
    bool logged = false;
  };

  asio::awaitable<void> accept_loop();
  bool admit(const std::shared_ptr<Connection>& connection);
  // The connection to shed for a newcomer when the server is full, if any. Holds mu_.
  Connection* pick_shed_locked();
  // Marks the connection shed, stops counting it and closes it on its strand. Holds mu_.
  void shed_locked(Connection& connection);
  void release(const Connection& connection);
  // A complete request head arrived: false when the connection was shed meanwhile.
  bool begin_request(Connection& connection);
  void end_request(Connection& connection);
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  // `head_deadline`: when the request head must be complete.
  asio::awaitable<After> serve_request(Connection& c, beast::flat_buffer& buffer,
                                       SteadyClock::time_point head_deadline);
  asio::awaitable<After> refuse_head(Connection& c,
                                     const http::request_parser<http::empty_body>& head,
                                     const error_code& ec, Exchange& x);
  asio::awaitable<After> serve_whole(Connection& c, beast::flat_buffer& buffer,
                                     http::request_parser<http::empty_body>& head,
                                     ApiRequest& request, Exchange& x, bool keep_alive,
                                     bool expects_continue);
  asio::awaitable<After> serve_upload(Connection& c, beast::flat_buffer& buffer,
                                      http::request_parser<http::empty_body>& head,
                                      const ApiRequest& request, Exchange& x, bool keep_alive,
                                      bool expects_continue);
  asio::awaitable<error_code> send_continue(Connection& c);
  asio::awaitable<After> send(Connection& c, ApiResponse response, Exchange& x, bool keep_alive);
  asio::awaitable<void> linger(Connection& c);
  void log(Exchange& x, int status, const std::string& user);
  void stop(std::chrono::milliseconds grace);
  void close_connections(bool only_idle);

  // Runs f() on the worker pool and resumes the calling coroutine with its result on the
  // coroutine's strand.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F&>> on_worker(F f);
  // Offers the request to the handler's start() (on this I/O thread) and resumes the calling
  // coroutine on its strand with the answer; nullopt: serve it with handle() on a worker.
  asio::awaitable<std::optional<ApiResponse>> on_start(const ApiRequest& request);

  RequestHandler& handler_;
  const HttpServerOptions options_;
  std::unique_ptr<asio::ssl::context> tls_;  // null: plain HTTP

  // Declared before every I/O object, so that it is destroyed after them.
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  // The acceptor lives on this strand.
  asio::strand<asio::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  bool running_ = false;  // run() was called
  std::vector<std::thread> io_threads_;
  asio::thread_pool workers_;

  std::mutex mu_;
  std::condition_variable changed_;  // connections_, accept_done_ or stopped_ changed
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  // What the caps count: connections not shed, in all and per client (entries above zero only).
  size_t counted_ = 0;
  std::map<asio::ip::address, size_t> per_client_;
  uint64_t next_id_ = 0;
  std::atomic<bool> stopping_{false};  // written under mu_
  bool accept_done_ = false;
  bool stopped_ = false;
  std::optional<asio::signal_set> signals_;  // guarded by mu_; its handler runs on control_

  std::once_flag stop_once_;
  std::thread stopper_;
};

}  // namespace gaplog
