// Where the CLI sends its API requests: in-process to the Api over a data directory it holds
// (embedded mode, acting as a user), or over HTTP(S) to a running server with a token. Both give
// the same responses, so every command behaves the same in both modes.
#pragma once

#include <chrono>
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

// How to reach a running server (the global options --server, --token, --cacert,
// --connect-timeout, --timeout).
struct RemoteOptions {
  // http://HOST[:PORT] or https://HOST[:PORT], HOST a name, an IPv4 address or a bracketed IPv6
  // address ([::1]); no path.
  std::string url;
  std::string token;
  // PEM file of the CA certificates to trust for https (a private CA, a self-signed server);
  // "": the system's CA store.
  std::string ca_file;
  // To connect, the TLS handshake included.
  std::chrono::seconds connect_timeout{10};
  // The longest silence while waiting for bytes of the answer (or while sending): a large
  // download that keeps arriving is never cut off, a server that stalls is.
  std::chrono::seconds read_timeout{60};
};

// Over HTTP or HTTPS, through libcurl (docs/tls.md says why): certificates and host names are
// verified, TLS older than 1.2 is refused, no redirect is followed. A bad URL, a missing token
// or an unreadable --cacert is kInvalidArgument (a usage error); a server that cannot be reached,
// is not trusted or times out is kUnavailable from call()/download(), with a one-line message
// that says what to do.
Result<std::unique_ptr<ApiClient>> remote_client(RemoteOptions options);

}  // namespace gaplog
