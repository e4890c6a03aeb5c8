// The HTTP/1.1 transport of the gaplog service (Boost.Beast on Asio). It moves bytes between
// sockets and a RequestHandler (api/request_handler.h) and knows nothing about gaplog's domain.
//
// Threading: `io_threads` threads run the sockets. Every call into the handler that may block
// (handle, begin_upload, UploadSink::write/finish/fail, BodySource::next; sinks and sources are
// also destroyed there) runs on a separate pool of `worker_threads`, so a handler waiting for an
// fsync never stalls I/O; its result goes back to the connection's strand. streams_body(),
// max_body_bytes(), try_quick() and start() are called on I/O threads and must not block; a
// request is offered to try_quick(), then to start() (whose answer, from any thread, goes back
// to the connection's strand), and only then to handle() on a worker. One request per
// connection is in progress at a time (pipelined requests are answered in order).
//
// Robustness: malformed requests are answered 400 and a head over `max_header_bytes` 431 (both
// with the JSON error shape, `Cache-Control: no-store` and `Connection: close`); a whole body
// over max_body_bytes() is answered 413 without being read. Framing that a proxy in front could
// read differently (request smuggling, RFC 9112 §6.1) is refused 400 with `Connection: close`,
// and nothing after its head is ever read as a request: a `Transfer-Encoding` other than exactly
// `chunked` (one field, one coding), both `Transfer-Encoding` and `Content-Length`, or
// `Transfer-Encoding` in an HTTP/1.0 request. Timeouts (each closes the connection): the request
// head must arrive within `header_timeout` of its first byte (of the connection, for the first
// request) however slowly it trickles; while a body arrives, no read may wait longer than
// `body_idle_timeout`; an idle keep-alive connection lasts `keep_alive_timeout`; each response
// write must finish within `write_timeout`. No exception escapes a connection: a failure ends
// that connection; a handler that throws (a bug) is answered 500.
//
// Connection caps, so that no one client starves the others: a client address (an IPv4 address;
// for IPv6, its /64 prefix) holds at most `max_connections_per_address` connections, and the
// server at most `max_connections`. A connection over its address's cap is closed as soon as it
// is accepted. When the server is full, a new connection is admitted by shedding (closing) one
// that has not yet sent a complete request head (a new connection still silent, a keep-alive
// connection idle between requests, a head still trickling in): the one of the address holding
// the most connections, waiting longest; only when every connection is serving a request is the
// new one closed. A request whose head is complete is never shed.
//
// Framing belongs to the transport: it sets Content-Length (stream_size for a streamed body),
// Connection, `Server: gaplog` and `X-Content-Type-Options: nosniff`, ignoring those fields in an
// ApiResponse; a response to HEAD has no body. After a response with `Connection: close` (every
// refusal whose body was left unread), the rest of the request is read and dropped for up to 2 s
// before the socket closes, so that a client still sending does not get a reset instead of the
// response.
//
// TLS (HttpServerOptions::tls; off by default): every connection is served the same way over
// TLS 1.2 or 1.3 (older versions are refused in the handshake; OpenSSL's default ciphers). The
// handshake counts against the first request's `header_timeout`, which runs from the accept: a
// connection that handshakes slowly or never is closed like a slow request head, and is shed
// like one. Every response then carries `Strict-Transport-Security: max-age=31536000`.
//
// Ownership: the handler is borrowed and must outlive the server. Thread-safety: port(),
// shutdown(), wait() and shutdown_on_signal() may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/request_handler.h"
#include "domain/status.h"

namespace gaplog {

// One line of the access log. Never holds headers, bodies or tokens.
struct AccessLogEntry {
  std::chrono::system_clock::time_point time;  // when the request ended
  std::string method;                          // "" when the request line did not parse
  std::string path;                            // the target without its query string, or ""
  // The route's pattern (RequestHandler::route_of), "" when the path is no route or the
  // request's head did not parse. What metrics count by, where `path` would be data.
  std::string route;
  // The status sent. A request cut short before its response was sent (the client closed the
  // connection or stalled mid-head or mid-body) logs 499 or 408.
  int status = 0;
  // From the request's first byte (for a connection's first request, from its accept) to the
  // response's last byte.
  std::chrono::microseconds duration{0};
  std::string user;  // ApiResponse::user; "" when none
};

// "<RFC 3339 time, UTC, milliseconds> <method> <path> <status> <ms with 3 decimals>ms <user>",
// with "-" for an empty method, path or user:
// "2026-11-28T04:06:27.123Z GET /api/v1/findings 200 1.234ms alice@example.com".
std::string format_access_log(const AccessLogEntry& entry);

// The server's certificate and key, as PEM files: `certificate_file` holds the certificate and
// then any intermediate certificates; `private_key_file` an unencrypted private key.
struct TlsFiles {
  std::string certificate_file;
  std::string private_key_file;
};

// OK when both files can be read and parsed and the key belongs to the certificate; otherwise a
// kInvalidArgument naming the file and what to fix (for `serve --tls-cert --tls-key`).
Status check_tls_files(const TlsFiles& files);

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a name that resolves to one
  uint16_t port = 8080;            // 0 picks a free port (see HttpServer::port())
  int io_threads = 2;              // threads running the sockets
  // Threads running handler calls, which block (fsync): enough that 16+ concurrent writers
  // share group commits.
  int worker_threads = 32;
  size_t max_header_bytes = static_cast<size_t>(16 * 1024);
  std::chrono::milliseconds header_timeout{10000};      // to receive a complete request head
  std::chrono::milliseconds body_idle_timeout{30000};   // longest silence while a body arrives
  std::chrono::milliseconds keep_alive_timeout{30000};  // idle between requests
  std::chrono::milliseconds write_timeout{30000};       // to send one response (or one chunk)
  // In all; when full, connections without a complete request head are shed first (above).
  size_t max_connections = 1024;
  // Per client address (IPv6: per /64); beyond: closed at once, never queued.
  size_t max_connections_per_address = 64;
  // TLS on every connection; nullopt (the default): plain HTTP.
  std::optional<TlsFiles> tls;
  // Called once per request (including malformed ones), on an I/O thread: must be thread-safe
  // and quick. Optional.
  std::function<void(const AccessLogEntry&)> access_log;
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. Fails with kUnavailable when the address is in use,
  // kInvalidArgument for bad options, an unknown host or TLS files that check_tls_files refuses,
  // kIoError for other socket errors.
  static Result<std::unique_ptr<HttpServer>> start(RequestHandler& handler,
                                                   HttpServerOptions options);

  // Calls shutdown(). Must not run on one of the server's own threads.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // the bound port

  // Stops accepting, closes idle connections, lets requests in progress finish and send their
  // responses (for up to `grace`; then their connections are closed, and shutdown still waits
  // for handler calls already running to return), then joins all threads. Idempotent: the first
  // call's grace counts. Called from another thread it returns when everything has stopped;
  // called from one of the server's own threads (an access_log callback, a handler, a signal)
  // it only starts the shutdown, and wait() tells when it is complete.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Blocks until a shutdown has completed.
  void wait();

  // From its return on, SIGINT and SIGTERM call shutdown(grace). For `gaplog serve`:
  //   server->shutdown_on_signal(); server->wait();
  void shutdown_on_signal(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gaplog
