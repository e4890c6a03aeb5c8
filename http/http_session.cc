// One connection of the HttpServer: reading request heads and bodies under their timeouts,
// keep-alive, streaming uploads to a sink and downloads from a BodySource, and the answers the
// transport gives itself (malformed requests, bodies over the limit).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "http/http_server_impl.h"

namespace gaplog {
namespace {

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

}  // namespace

template <typename F>
asio::awaitable<std::invoke_result_t<F&>> HttpServer::Impl::on_worker(F f) {
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

asio::awaitable<std::optional<ApiResponse>> HttpServer::Impl::on_start(const ApiRequest& request) {
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

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Connection> connection) {
  Connection& c = *connection;
  try {
    // The TLS handshake and the first request head share header_timeout, from the accept.
    const SteadyClock::time_point first_deadline = c.accepted + options_.header_timeout;
    c.stream.expires_at(first_deadline);
    error_code handshake_failed = co_await c.stream.handshake();
    beast::flat_buffer buffer;
    // A failed handshake (an old TLS version, plain HTTP, a stall) has nobody to answer.
    After after = handshake_failed ? After::kDrop : After::kNextRequest;
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
      const SteadyClock::time_point head_deadline =
          first ? first_deadline : SteadyClock::now() + options_.header_timeout;
      first = false;
      after = co_await serve_request(c, buffer, head_deadline);
    }
    if (after == After::kClose) co_await linger(c);
  } catch (...) {
    // A bug or an exhausted environment: this connection ends, the server goes on.
  }
  error_code ignored;
  c.stream.socket().close(ignored);
  release(c);
}

asio::awaitable<After> HttpServer::Impl::serve_request(Connection& c, beast::flat_buffer& buffer,
                                                       SteadyClock::time_point head_deadline) {
  Exchange x;
  http::request_parser<http::empty_body> head;
  head.header_limit(static_cast<uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // The body's limit depends on the handler; it is set once the head is known. (Not boost::none:
  // Beast 1.74 compares a Content-Length with an empty limit as if the limit were smaller.)
  head.body_limit(kNoLimit);

  error_code ec;
  // One deadline for the whole head, however slowly its bytes trickle in.
  c.stream.expires_at(head_deadline);
  co_await http::async_read_header(c.stream, buffer, head, redirect(ec));
  if (ec) co_return co_await refuse_head(c, head, ec, x);
  // Shed while its last bytes arrived: it is being closed.
  if (!begin_request(c)) co_return After::kDrop;

  const auto& message = head.get();
  ApiRequest request = request_head(message);
  x.method = request.method;
  x.path = path_of(request.target);
  x.route = handler_.route_of(request);
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
    // Without the version, on purpose: docs/metrics.md, "The Server header".
    message.set(http::field::server, "gaplog");
    message.set("X-Content-Type-Options", "nosniff");
    // Browsers that reached gaplog over TLS once never fall back to plain HTTP for a year.
    if (c.stream.is_tls()) message.set(http::field::strict_transport_security, "max-age=31536000");
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
  c.stream.expires_after(kLingerTime);
  co_await c.stream.shutdown_send();
  // Read below TLS: the rest of a refused request need not be deciphered to be dropped.
  error_code ec;
  std::array<char, static_cast<std::size_t>(16 * 1024)> discarded;
  while (!ec) co_await c.stream.raw().async_read_some(asio::buffer(discarded), redirect(ec));
}

void HttpServer::Impl::log(Exchange& x, int status, const std::string& user) {
  if (x.logged || !options_.access_log) return;
  x.logged = true;
  AccessLogEntry entry;
  entry.time = std::chrono::system_clock::now();
  entry.method = x.method;
  entry.path = x.path;
  entry.route = x.route;
  entry.status = status;
  entry.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - x.started);
  entry.user = user;
  options_.access_log(entry);
}

}  // namespace gaplog
