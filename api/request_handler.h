// Requests and responses as plain values, and the interface a transport serves
// (http/http_server.h). Nothing here knows about sockets or about gaplog's domain.
//
// Thread-safety: a RequestHandler may be called from many threads at once; each UploadSink and
// each BodySource belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "codec/body_source.h"
#include "domain/status.h"

namespace gaplog {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
  std::string method;  // "GET", "POST", ... as sent (methods are case-sensitive)
  std::string target;  // origin-form: the path and an optional "?query", as sent
  HeaderList headers;  // names in any case; values as sent
  std::string body;    // the whole body (empty for streamed uploads)

  // The value of the first header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  HeaderList headers;  // Content-Type, ETag, Location, Content-Disposition, ...
  std::string body;
  // When set, the body comes from here instead of `body`, and has exactly `stream_size` bytes.
  std::unique_ptr<BodySource> stream;
  uint64_t stream_size = 0;
  // For the access log: the authenticated user's e-mail ("" when none). Never a token.
  std::string user;

  std::optional<std::string_view> header(std::string_view name) const;
};

// Receives a streamed upload's body. write() fails with kTooLarge as soon as the total passes
// the limit; after a failed write, call fail() with that status for the response.
class UploadSink {
 public:
  virtual ~UploadSink() = default;  // an unfinished upload leaves no blob and no event
  virtual Status write(std::string_view bytes) = 0;
  // Every byte has arrived: stores the blob, records the evidence, answers 201 (or the error).
  virtual ApiResponse finish() = 0;
  // The upload failed (a write error, the client went away): the error response to send.
  virtual ApiResponse fail(const Status& status) = 0;
};

// What a transport serves: the Api implements it; transport tests use small fakes.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual ApiResponse handle(const ApiRequest& request) = 0;
  // True when the request's body should be streamed into begin_upload() instead of being read
  // whole (which the transport limits to max_body_bytes()).
  virtual bool streams_body(const ApiRequest& head) const = 0;
  // Checks everything that can be checked before the body arrives. Returns the response to send
  // when the upload is refused, otherwise the sink that takes the body.
  virtual std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(
      const ApiRequest& head) = 0;
  // The largest whole (not streamed) body accepted; a larger one is answered 413 unread.
  virtual uint64_t max_body_bytes() const = 0;
  // Answers at once when the request (body read) can be served from memory without blocking
  // (the health check, a cached projection); nullopt when it must go to handle(). Transports
  // call it on their I/O threads, saving the trip to a worker thread and back.
  virtual std::optional<ApiResponse> try_quick(const ApiRequest&) { return std::nullopt; }
  // Starts serving a request (body read) that try_quick() did not answer, without blocking:
  // for requests that would otherwise hold a worker thread while they wait (a durable write
  // waiting for its group commit). `done` is called exactly once, on any thread, possibly
  // before start() returns; nullopt means the request must go to handle() instead, and nothing
  // was changed by trying. Transports call it on their I/O threads.
  using StartDone = std::function<void(std::optional<ApiResponse>)>;
  // By value: implementations keep `done` to call it later, from another thread.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void start(const ApiRequest&, StartDone done) { done(std::nullopt); }
  // The pattern of the route the request goes to, for metrics: "/api/v1/findings/{id}", "/" for
  // the web UI's files; "" when its path is no route. Never the path itself (ids are data, and
  // any path a client sends would become a series). Transports call it on their I/O threads
  // once the head has arrived: it must not block.
  virtual std::string route_of(const ApiRequest&) const { return {}; }
};

// The error response for a Status: {"error":{"code","message"}} with the status of the code.
ApiResponse error_response(const Status& status);
// The HTTP status of a Code (400, 401, 403, 404, 409, 412, 413, 422, 503, 500).
int http_status(Code code);

}  // namespace gaplog
