#include "http/http_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "domain/time.h"

namespace gaplog {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

// Bodies move in pieces of this size: upload chunks handed to a sink, download chunks asked of a
// BodySource.
constexpr size_t kChunkBytes = static_cast<size_t>(64 * 1024);

// After a response that closes the connection, whatever the client still sends (the unread rest
// of a refused body) is read and dropped for this long before the socket is closed: closing with
// unread input makes the kernel send a reset, which can destroy the response before the client
// has read it.
constexpr auto kLingerTime = std::chrono::seconds(2);

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// Logged for requests cut short before their response (nginx's conventions).
constexpr int kStatusClientClosed = 499;
constexpr int kStatusTimedOut = 408;

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// True when the bytes received are not HTTP/1.1, as opposed to a connection that closed or
// stalled before the message was complete.
bool is_malformed(const error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::short_read && ec != http::error::need_more;
}

int status_of_cut_short(const error_code& ec) {
  return ec == beast::error::timeout ? kStatusTimedOut : kStatusClientClosed;
}

std::string_view std_view(beast::string_view s) { return {s.data(), s.size()}; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()),
                        beast::string_view(b.data(), b.size()));
}

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_valid_field(std::string_view name, std::string_view value) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char) &&
         value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The transport frames messages and decides whether a connection stays open.
bool is_framing_field(std::string_view name) {
  return equals_ignoring_case(name, "Content-Length") ||
         equals_ignoring_case(name, "Transfer-Encoding") ||
         equals_ignoring_case(name, "Connection");
}

// An answer of the transport itself (a malformed request, a body over the limit): the JSON
// error shape, never stored by a cache (it is about one request, not about a resource).
ApiResponse refusal(const Status& status) {
  ApiResponse response = error_response(status);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Framing that two HTTP implementations could read differently, which lets a request hide in
// another's body when a proxy sits in front (request smuggling, RFC 9112 §6.1 and §6.3). Beast
// itself refuses `chunked` twice and `chunked` with a Content-Length, but reads any other
// coding, or `chunked` that is not the only one, as "no body": the body would then be parsed
// as the next request.
Status check_framing(const http::request<http::empty_body>& message) {
  size_t fields = 0;
  std::string_view coding;
  for (const auto& field : message) {
    if (field.name() != http::field::transfer_encoding) continue;
    ++fields;
    coding = trim_whitespace(std_view(field.value()));
  }
  if (fields == 0) return Status::ok();
  if (message.version() < 11) {
    return invalid_argument(
        "Transfer-Encoding is not part of HTTP/1.0; send the body with a Content-Length");
  }
  if (message.count(http::field::content_length) > 0) {
    return invalid_argument(
        "the request has both Transfer-Encoding and Content-Length; send only one of them");
  }
  if (fields > 1 || !equals_ignoring_case(coding, "chunked")) {
    return invalid_argument(
        "Transfer-Encoding must be exactly 'chunked' (one field, no other coding); send the body "
        "chunked or with a Content-Length");
  }
  return Status::ok();
}

// The client a connection counts against: its IPv4 address, or the /64 prefix of its IPv6
// address (one host usually holds a whole /64, so counting single IPv6 addresses would let
// it open any number of connections).
asio::ip::address client_of(const asio::ip::address& address) {
  if (!address.is_v6()) return address;
  const asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
  asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes);
}

// A response the transport cannot send as it is, which is a bug in the handler.
Status check_response(const ApiResponse& response) {
  if (response.status < 200 || response.status > 599) {
    return internal_error(fmt::format("the handler answered status {}", response.status));
  }
  for (const auto& [name, value] : response.headers) {
    if (!is_valid_field(name, value)) {
      return internal_error("the handler answered a header field that is not valid HTTP");
    }
  }
  return Status::ok();
}

ApiRequest request_head(const http::request<http::empty_body>& message) {
  ApiRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return request;
}

// What a handler call that threw stands for. Handlers do not throw by contract, so this is a bug:
// it is answered 500 rather than taking the process down.
ApiResponse thrown(std::type_identity<ApiResponse>, std::string message) {
  return error_response(internal_error(std::move(message)));
}
Status thrown(std::type_identity<Status>, std::string message) {
  return internal_error(std::move(message));
}
Result<std::string> thrown(std::type_identity<Result<std::string>>, std::string message) {
  return internal_error(std::move(message));
}
std::variant<ApiResponse, std::unique_ptr<UploadSink>> thrown(
    std::type_identity<std::variant<ApiResponse, std::unique_ptr<UploadSink>>>,
    std::string message) {
  return error_response(internal_error(std::move(message)));
}

template <typename F>
std::invoke_result_t<F&> call_guarded(F& f) {
  using R = std::invoke_result_t<F&>;
  try {
    return f();
  } catch (const std::exception& e) {
    return thrown(std::type_identity<R>{}, fmt::format("the handler threw: {}", e.what()));
  } catch (...) {
    return thrown(std::type_identity<R>{}, "the handler threw an unknown exception");
  }
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// How a request ended, for the connection.
enum class After {
  kNextRequest,  // the response was sent and the connection stays open
  kClose,        // the response was sent with `Connection: close`
  kDrop,         // nothing more can be sent: close at once
};

}  // namespace

std::string format_access_log(const AccessLogEntry& entry) {
  const Micros t =
      std::chrono::duration_cast<std::chrono::microseconds>(entry.time.time_since_epoch()).count();
  const Date day = date_of(t);
  const Micros ms_of_day = (t - static_cast<Micros>(day.days) * kMicrosPerDay) / 1000;
  const int64_t us = entry.duration.count();
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z {} {} {} {}.{:03}ms {}", format_date(day),
                     ms_of_day / 3'600'000, ms_of_day / 60'000 % 60, ms_of_day / 1000 % 60,
                     ms_of_day % 1000, or_dash(entry.method), or_dash(entry.path), entry.status,
                     us / 1000, us % 1000, or_dash(entry.user));
}

class HttpServer::Impl {
 public:
  Impl(RequestHandler& handler, HttpServerOptions options)
      : handler_(handler),
        options_(std::move(options)),
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
    Connection(tcp::socket socket, asio::ip::address client)
        : strand(socket.get_executor()), stream(std::move(socket)), client(std::move(client)) {}
    const asio::any_io_executor strand;
    beast::tcp_stream stream;
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
  asio::awaitable<After> serve_request(Connection& c, beast::flat_buffer& buffer);
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
  asio::awaitable<std::invoke_result_t<F&>> on_worker(F f) {
    using R = std::invoke_result_t<F&>;
    auto initiation = [this, f = std::move(f)](auto handler) mutable {
      auto home = asio::prefer(asio::get_associated_executor(handler),
                               asio::execution::outstanding_work.tracked);
      asio::post(workers_, [f = std::move(f), handler = std::move(handler),
                            home = std::move(home)]() mutable {
        R result = call_guarded(f);
        asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
          handler(std::move(result));
        });
      });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(std::move(initiation),
                                                                         asio::use_awaitable);
  }

  // Offers the request to the handler's start() (on this I/O thread) and resumes the calling
  // coroutine on its strand with the answer; nullopt: serve it with handle() on a worker.
  asio::awaitable<std::optional<ApiResponse>> on_start(const ApiRequest& request) {
    auto initiation = [this, &request](auto handler) {
      auto home = asio::prefer(asio::get_associated_executor(handler),
                               asio::execution::outstanding_work.tracked);
      using Handler = decltype(handler);
      using Home = decltype(home);
      struct Pending {
        Pending(Handler h, Home e) : resume(std::move(h)), strand(std::move(e)) {}
        Handler resume;
        Home strand;
        std::atomic<bool> answered{false};
      };
      auto pending = std::make_shared<Pending>(std::move(handler), std::move(home));
      auto done = [pending](std::optional<ApiResponse> response) {
        if (pending->answered.exchange(true)) return;  // exactly once, whatever the handler does
        asio::post(pending->strand, [pending, response = std::move(response)]() mutable {
          pending->resume(std::move(response));
        });
      };
      try {
        handler_.start(request, done);
      } catch (...) {
        done(std::nullopt);  // handle() answers it on a worker, and reports the error
      }
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::optional<ApiResponse>)>(
        std::move(initiation), asio::use_awaitable);
  }

  RequestHandler& handler_;
  const HttpServerOptions options_;

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

Status HttpServer::Impl::listen() {
  error_code ec;
  tcp::resolver resolver(ioc_);
  const auto endpoints =
      resolver.resolve(options_.host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return invalid_argument(
        fmt::format("cannot listen on {}: {}", options_.host, ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  const std::string where =
      endpoint.address().is_v6()
          ? fmt::format("[{}]:{}", endpoint.address().to_string(), options_.port)
          : fmt::format("{}:{}", endpoint.address().to_string(), options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return unavailable(fmt::format("{} is in use; pick another address or port", where));
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return io_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return io_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  return Status::ok();
}

void HttpServer::Impl::run() {
  running_ = true;
  asio::co_spawn(control_, accept_loop(), [](std::exception_ptr) {});
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
          // Connections catch their own failures; whatever else escaped ended one handler.
        }
      }
    });
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  try {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(ioc_), redirect(ec));
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      if (ec) {
        // Out of file descriptors, say: wait a little rather than spin on the error.
        asio::steady_timer pause(control_, std::chrono::milliseconds(50));
        co_await pause.async_wait(redirect(ec));
        continue;
      }
      const tcp::endpoint peer = socket.remote_endpoint(ec);
      if (ec) continue;  // already gone
      auto connection = std::make_shared<Connection>(std::move(socket), client_of(peer.address()));
      // Refused connections close when `connection` goes: a client over the limit is not kept
      // waiting in a queue.
      if (!admit(connection)) continue;
      asio::co_spawn(connection->strand, serve(connection), [](std::exception_ptr) {});
    }
  } catch (...) {
    // Only an exhausted environment gets here (bad_alloc); the server stops accepting.
  }
  std::lock_guard lock(mu_);
  accept_done_ = true;
  changed_.notify_all();
}

bool HttpServer::Impl::admit(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  size_t& of_client = per_client_[connection->client];
  if (of_client >= options_.max_connections_per_address) return false;
  if (counted_ >= options_.max_connections) {
    Connection* victim = pick_shed_locked();
    if (victim == nullptr) {
      if (of_client == 0) per_client_.erase(connection->client);
      return false;
    }
    shed_locked(*victim);
  }
  ++per_client_[connection->client];  // not `of_client`: shedding may have erased an entry
  ++counted_;
  connection->id = next_id_++;
  connections_.emplace(connection->id, connection);
  return true;
}

// The client holding the most connections loses first, so that a client hogging the server
// pays for it rather than the others; among its connections, the one waiting longest for a
// request head (a keep-alive connection idle for long, a slowloris).
HttpServer::Impl::Connection* HttpServer::Impl::pick_shed_locked() {
  Connection* victim = nullptr;
  size_t victim_share = 0;
  for (const auto& [id, candidate] : connections_) {
    if (candidate->in_request || candidate->shed) continue;
    const size_t share = per_client_[candidate->client];
    if (victim == nullptr || share > victim_share ||
        (share == victim_share && candidate->waiting_since < victim->waiting_since)) {
      victim = candidate.get();
      victim_share = share;
    }
  }
  return victim;
}

void HttpServer::Impl::shed_locked(Connection& connection) {
  if (connection.shed) return;
  connection.shed = true;
  --counted_;
  if (--per_client_[connection.client] == 0) per_client_.erase(connection.client);
  asio::post(connection.strand, [connection = connections_.at(connection.id)] {
    error_code ignored;
    connection->stream.socket().close(ignored);
  });
}

void HttpServer::Impl::release(const Connection& connection) {
  std::lock_guard lock(mu_);
  if (!connection.shed) {
    --counted_;
    if (--per_client_[connection.client] == 0) per_client_.erase(connection.client);
  }
  connections_.erase(connection.id);
  changed_.notify_all();
}

bool HttpServer::Impl::begin_request(Connection& connection) {
  std::lock_guard lock(mu_);
  if (connection.shed) return false;
  connection.in_request = true;
  return true;
}

void HttpServer::Impl::end_request(Connection& connection) {
  std::lock_guard lock(mu_);
  connection.in_request = false;
  connection.waiting_since = SteadyClock::now();
}

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Connection> connection) {
  Connection& c = *connection;
  try {
    beast::flat_buffer buffer;
    After after = After::kNextRequest;
    bool first = true;
    while (after == After::kNextRequest && !stopping_) {
      // Between requests the connection may stay idle for keep_alive_timeout; the head's own
      // timeout starts with its first byte. A new connection has header_timeout for everything.
      if (!first && buffer.size() == 0) {
        error_code ec;
        c.stream.expires_after(options_.keep_alive_timeout);
        const size_t n =
            co_await c.stream.async_read_some(buffer.prepare(kChunkBytes), redirect(ec));
        if (ec) break;
        buffer.commit(n);
        if (stopping_) break;
      }
      first = false;
      after = co_await serve_request(c, buffer);
    }
    if (after == After::kClose) co_await linger(c);
  } catch (...) {
    // A bug or an exhausted environment: this connection ends, the server goes on.
  }
  error_code ignored;
  c.stream.socket().close(ignored);
  release(c);
}

asio::awaitable<After> HttpServer::Impl::serve_request(Connection& c, beast::flat_buffer& buffer) {
  Exchange x;
  http::request_parser<http::empty_body> head;
  head.header_limit(static_cast<uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // The body's limit depends on the handler; it is set once the head is known. (Not boost::none:
  // Beast 1.74 compares a Content-Length with an empty limit as if the limit were smaller.)
  head.body_limit(kNoLimit);

  error_code ec;
  // One deadline for the whole head, however slowly its bytes trickle in.
  c.stream.expires_after(options_.header_timeout);
  co_await http::async_read_header(c.stream, buffer, head, redirect(ec));
  if (ec) co_return co_await refuse_head(c, head, ec, x);
  // Shed while its last bytes arrived: it is being closed.
  if (!begin_request(c)) co_return After::kDrop;

  const auto& message = head.get();
  ApiRequest request = request_head(message);
  x.method = request.method;
  x.path = path_of(request.target);
  x.version = message.version();
  x.head_method = message.method() == http::verb::head;
  const bool keep_alive = message.keep_alive();
  const bool expects_continue =
      message.version() >= 11 &&
      equals_ignoring_case(std_view(message[http::field::expect]), "100-continue");

  After after;
  // clang-tidy 14 sees the branches below as clones: it does not look into the call a co_await
  // awaits, and the three (send, serve_upload, serve_whole) all await an awaitable<After>.
  // NOLINTNEXTLINE(bugprone-branch-clone): false positive on co_await, see above
  if (const Status framing = check_framing(message); !framing.is_ok()) {
    // Whatever follows the head is never read as a request: the connection closes.
    after = co_await send(c, refusal(framing), x, /*keep_alive=*/false);
  } else if (handler_.streams_body(request)) {
    after = co_await serve_upload(c, buffer, head, request, x, keep_alive, expects_continue);
  } else {
    after = co_await serve_whole(c, buffer, head, request, x, keep_alive, expects_continue);
  }
  end_request(c);
  co_return after;
}

asio::awaitable<After> HttpServer::Impl::refuse_head(
    Connection& c, const http::request_parser<http::empty_body>& head, const error_code& ec,
    Exchange& x) {
  // What parsed before the error, if anything, for the access log.
  x.method = std::string(head.get().method_string());
  x.path = path_of(std_view(head.get().target()));
  if (!is_malformed(ec)) {
    // Closed or timed out before a complete head: there is nobody to answer. Only a head cut
    // short is a request worth logging (a slowloris, say), not a connection that sent nothing.
    if (head.got_some()) log(x, status_of_cut_short(ec), "");
    co_return After::kDrop;
  }
  ApiResponse response;
  if (ec == http::error::header_limit) {
    response = refusal(too_large(fmt::format(
        "the request head is over {} bytes; send a smaller one", options_.max_header_bytes)));
    response.status = 431;
  } else {
    response = refusal(
        invalid_argument(fmt::format("the request is not valid HTTP/1.1 ({})", ec.message())));
  }
  co_return co_await send(c, std::move(response), x, /*keep_alive=*/false);
}

asio::awaitable<After> HttpServer::Impl::serve_whole(Connection& c, beast::flat_buffer& buffer,
                                                     http::request_parser<http::empty_body>& head,
                                                     ApiRequest& request, Exchange& x,
                                                     bool keep_alive, bool expects_continue) {
  const uint64_t limit = handler_.max_body_bytes();
  if (const auto length = head.content_length(); length && *length > limit) {
    co_return co_await send(c,
                            refusal(too_large(fmt::format(
                                "the body is {} bytes; at most {} are accepted", *length, limit))),
                            x, /*keep_alive=*/false);
  }
  error_code ec;
  if (expects_continue && !head.is_done()) ec = co_await send_continue(c);

  http::request_parser<http::string_body> whole(std::move(head));
  // A chunked body has no length up front: the parser stops it as soon as it passes the limit.
  whole.body_limit(limit);
  while (!ec && !whole.is_done()) {
    c.stream.expires_after(options_.body_idle_timeout);
    co_await http::async_read_some(c.stream, buffer, whole, redirect(ec));
  }
  if (ec == http::error::body_limit) {
    co_return co_await send(
        c, refusal(too_large(fmt::format("the body is over the {} bytes accepted", limit))), x,
        /*keep_alive=*/false);
  }
  if (is_malformed(ec)) {
    co_return co_await send(
        c, refusal(invalid_argument(fmt::format("the body is malformed ({})", ec.message()))), x,
        /*keep_alive=*/false);
  }
  if (ec) {
    log(x, status_of_cut_short(ec), "");
    co_return After::kDrop;
  }
  request.body = std::move(whole.get().body());
  std::optional<ApiResponse> quick;
  try {
    quick = handler_.try_quick(request);
  } catch (const std::exception&) {
    quick.reset();  // handle() answers it on a worker, and reports the error
  }
  // Not a conditional expression: GCC 12 miscompiles co_await inside one.
  ApiResponse response;
  if (quick) {
    response = std::move(*quick);
  } else {
    std::optional<ApiResponse> started = co_await on_start(request);
    if (started) {
      response = std::move(*started);
    } else {
      response = co_await on_worker([&] { return handler_.handle(request); });
    }
  }
  co_return co_await send(c, std::move(response), x, keep_alive);
}

asio::awaitable<After> HttpServer::Impl::serve_upload(Connection& c, beast::flat_buffer& buffer,
                                                      http::request_parser<http::empty_body>& head,
                                                      const ApiRequest& request, Exchange& x,
                                                      bool keep_alive, bool expects_continue) {
  auto begun = co_await on_worker([&] { return handler_.begin_upload(request); });
  if (auto* refusal = std::get_if<ApiResponse>(&begun)) {
    // Refused before any byte of the body was read; the connection cannot be reused without
    // reading it, so it closes.
    co_return co_await send(c, std::move(*refusal), x, /*keep_alive=*/false);
  }
  std::unique_ptr<UploadSink> sink = std::move(std::get<std::unique_ptr<UploadSink>>(begun));
  if (!sink) {
    co_return co_await send(c, error_response(internal_error("begin_upload returned no sink")), x,
                            /*keep_alive=*/false);
  }

  error_code ec;
  if (expects_continue && !head.is_done()) ec = co_await send_continue(c);

  http::request_parser<http::buffer_body> body(std::move(head));
  body.body_limit(kNoLimit);  // the sink enforces its own limit
  std::vector<char> chunk(kChunkBytes);
  Status refused;  // why the sink refused a chunk
  while (!ec && refused.is_ok() && !body.is_done()) {
    // Fill the chunk read by read, each read with its own idle deadline, then hand it over.
    body.get().body().data = chunk.data();
    body.get().body().size = chunk.size();
    while (!body.is_done() && body.get().body().size > 0) {
      c.stream.expires_after(options_.body_idle_timeout);
      co_await http::async_read_some(c.stream, buffer, body, redirect(ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
    }
    const size_t n = chunk.size() - body.get().body().size;
    if (!ec && n > 0) {
      refused = co_await on_worker([&] { return sink->write(std::string_view(chunk.data(), n)); });
    }
  }

  std::optional<ApiResponse> response;  // none: there is nobody to answer
  if (ec && !is_malformed(ec)) {
    const Status why = ec == beast::error::timeout
                           ? invalid_argument(fmt::format("no byte of the body arrived for {} ms",
                                                          options_.body_idle_timeout.count()))
                           : invalid_argument("the connection closed before the body was complete");
    ApiResponse unsent = co_await on_worker([&] { return sink->fail(why); });
    log(x, status_of_cut_short(ec), unsent.user);
  } else {
    if (ec) refused = invalid_argument(fmt::format("the body is malformed ({})", ec.message()));
    if (!refused.is_ok()) {
      response = co_await on_worker([&] { return sink->fail(refused); });
      keep_alive = false;  // the rest of the body stays unread
    } else {
      response = co_await on_worker([&] { return sink->finish(); });
    }
  }
  // A sink may clean up files when it goes.
  const Status released = co_await on_worker([&] {
    sink.reset();
    return Status::ok();
  });
  released.ignore();
  if (!response) co_return After::kDrop;
  co_return co_await send(c, std::move(*response), x, keep_alive);
}

asio::awaitable<error_code> HttpServer::Impl::send_continue(Connection& c) {
  http::response<http::empty_body> interim(http::status::continue_, 11);
  error_code ec;
  c.stream.expires_after(options_.write_timeout);
  co_await http::async_write(c.stream, interim, redirect(ec));
  co_return ec;
}

asio::awaitable<After> HttpServer::Impl::send(Connection& c, ApiResponse response, Exchange& x,
                                              bool keep_alive) {
  if (const Status bad = check_response(response); !bad.is_ok()) {
    const std::string user = response.user;
    response = error_response(bad);
    response.user = user;
  }
  keep_alive = keep_alive && !stopping_;
  const auto prepare = [&](auto& message) {
    message.version(x.version);
    message.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) {
      if (!is_framing_field(name)) message.insert(name, value);
    }
    message.set(http::field::server, "gaplog");
    message.set("X-Content-Type-Options", "nosniff");
    message.keep_alive(keep_alive);
  };
  // 204 and 304 have no body; a response to HEAD announces one without sending it.
  const bool bodyless = response.status == 204 || response.status == 304;

  error_code ec;
  if (!response.stream) {
    http::response<http::string_body> message;
    prepare(message);
    if (!bodyless) {
      message.content_length(response.body.size());
      if (!x.head_method) message.body() = std::move(response.body);
    }
    c.stream.expires_after(options_.write_timeout);
    co_await http::async_write(c.stream, message, redirect(ec));
    log(x, response.status, response.user);
    if (ec) co_return After::kDrop;
    co_return keep_alive ? After::kNextRequest : After::kClose;
  }

  http::response<http::empty_body> message;
  prepare(message);
  message.content_length(response.stream_size);
  c.stream.expires_after(options_.write_timeout);
  co_await http::async_write(c.stream, message, redirect(ec));
  bool complete = !ec;
  for (uint64_t remaining = response.stream_size; complete && !x.head_method && remaining > 0;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, remaining));
    Result<std::string> piece = co_await on_worker([&] { return response.stream->next(want); });
    // The header promised stream_size bytes: a source that fails, ends early or overshoots
    // leaves the client nothing better than a cut connection.
    if (!piece.is_ok() || piece->empty() || piece->size() > remaining) {
      complete = false;
      break;
    }
    c.stream.expires_after(options_.write_timeout);
    co_await asio::async_write(c.stream, asio::buffer(*piece), redirect(ec));
    complete = !ec;
    remaining -= piece->size();
  }
  const Status released = co_await on_worker([&] {
    response.stream.reset();
    return Status::ok();
  });
  released.ignore();
  log(x, response.status, response.user);
  if (!complete) co_return After::kDrop;
  co_return keep_alive ? After::kNextRequest : After::kClose;
}

asio::awaitable<void> HttpServer::Impl::linger(Connection& c) {
  error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  c.stream.expires_after(kLingerTime);
  std::array<char, static_cast<std::size_t>(16 * 1024)> discarded;
  while (!ec) co_await c.stream.async_read_some(asio::buffer(discarded), redirect(ec));
}

void HttpServer::Impl::log(Exchange& x, int status, const std::string& user) {
  if (x.logged || !options_.access_log) return;
  x.logged = true;
  AccessLogEntry entry;
  entry.time = std::chrono::system_clock::now();
  entry.method = x.method;
  entry.path = x.path;
  entry.status = status;
  entry.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - x.started);
  entry.user = user;
  options_.access_log(entry);
}

void HttpServer::Impl::begin_stop(std::chrono::milliseconds grace) {
  std::call_once(stop_once_, [&] { stopper_ = std::thread([this, grace] { stop(grace); }); });
}

void HttpServer::Impl::wait() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return stopped_; });
}

void HttpServer::Impl::stop_on_signal(std::chrono::milliseconds grace) {
  // Installed before returning, so that a signal raised right after is not lost.
  std::lock_guard lock(mu_);
  if (stopping_ || signals_) return;
  signals_.emplace(control_, SIGINT, SIGTERM);
  signals_->async_wait([this, grace](const error_code& ec, int) {
    if (!ec) begin_stop(grace);
  });
}

void HttpServer::Impl::close_connections(bool only_idle) {
  std::lock_guard lock(mu_);
  for (const auto& [id, connection] : connections_) {
    if (only_idle && connection->in_request) continue;
    shed_locked(*connection);  // a no-op for one already shed, which is being closed
  }
}

// Runs on its own thread, so that shutdown() may be called from the server's own threads.
void HttpServer::Impl::stop(std::chrono::milliseconds grace) {
  const auto deadline = SteadyClock::now() + grace;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;  // from here on, no connection is admitted and none is kept alive
    error_code ignored;
    if (signals_) signals_->cancel(ignored);
  }
  asio::post(control_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
  close_connections(/*only_idle=*/true);
  const auto finished = [&] { return connections_.empty() && accept_done_; };
  {
    std::unique_lock lock(mu_);
    changed_.wait_until(lock, deadline, finished);
  }
  close_connections(/*only_idle=*/false);
  {
    // Handler calls already running cannot be interrupted; their connections end when they return.
    std::unique_lock lock(mu_);
    changed_.wait(lock, finished);
  }
  work_.reset();
  for (std::thread& t : io_threads_) t.join();
  workers_.join();
  std::lock_guard lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { shutdown(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(RequestHandler& handler,
                                                      HttpServerOptions options) {
  if (options.io_threads < 1 || options.worker_threads < 1) {
    return invalid_argument("io_threads and worker_threads must be at least 1");
  }
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return invalid_argument("max_connections and max_connections_per_address must be at least 1");
  }
  auto impl = std::make_unique<Impl>(handler, std::move(options));
  GAPLOG_RETURN_IF_ERROR(impl->listen());
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  impl_->begin_stop(grace);
  if (!impl_->on_own_thread()) impl_->wait();
}

void HttpServer::wait() { impl_->wait(); }

void HttpServer::shutdown_on_signal(std::chrono::milliseconds grace) {
  impl_->stop_on_signal(grace);
}

}  // namespace gaplog
