// Where the CLI sends its API requests: in-process to the Api over a data directory it holds
// (embedded mode, acting as a user), or over HTTP to a running server with a token. Both give
// the same responses, so every command behaves the same in both modes.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "api/request_handler.h"
#include "api/served_program.h"
#include "domain/status.h"

namespace gaplog {

class ApiClient {
 public:
  virtual ~ApiClient() = default;
  // The response with its body complete (a streamed body is read to the end).
  virtual Result<ApiResponse> call(ApiRequest request) = 0;
  // The same, but a successful (2xx) response's body is written to `out` piece by piece instead
  // of being kept (downloads: evidence, audit bundles). Error bodies are kept in the response.
  virtual Result<ApiResponse> download(ApiRequest request, std::ostream& out) = 0;
};

// In-process: requests act as `actor` (the data directory's holder is trusted).
std::unique_ptr<ApiClient> embedded_client(ServedProgram& program, std::string actor);

// Over HTTP: `url` is http://HOST:PORT (no TLS: put a TLS proxy in front of remote servers).
Result<std::unique_ptr<ApiClient>> remote_client(const std::string& url, std::string token);

}  // namespace gaplog
