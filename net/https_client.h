// Outbound HTTP(S) requests through libcurl: the OpenID Connect discovery, token request and JWKS
// of sign-in (SPEC §10), and the webhooks of reminders (SPEC §11). gaplog never writes its
// own TLS or HTTP client code.
//
// - Only `https://` URLs are fetched, except `http://` to a loopback address (127.0.0.0/8,
//   [::1], localhost), which tests use; anything else is refused before a byte is sent.
// - Every request has a connect timeout and a total timeout, follows no redirects, and reads at
//   most `max_response_bytes` of body (a longer answer is an error, not a truncated body).
// - Certificates are verified against the system's CA store, or `ca_file` when given, and so is
//   the host name; TLS older than 1.2 is refused.
//
// Thread-safe: one HttpsClient may be used by many threads at once (each request has its own
// curl handle). Errors are Status values: kUnavailable when the peer cannot be reached or times
// out, kInvalidArgument for a refused URL; an HTTP error status is not an error (read `status`).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/status.h"

namespace gaplog {

struct HttpsClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  uint64_t max_response_bytes = 1 << 20;
  std::string ca_file;  // PEM bundle; empty: the system's CA store
};

struct OutboundResponse {
  long status = 0;           // the HTTP status
  std::string content_type;  // as sent, may be empty
  std::string body;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;
using OutboundHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpsClient {
 public:
  virtual ~HttpsClient() = default;
  virtual Result<OutboundResponse> get(const std::string& url, const OutboundHeaders& headers) = 0;
  // POST application/x-www-form-urlencoded (each name and value percent-encoded).
  virtual Result<OutboundResponse> post_form(const std::string& url, const FormFields& fields,
                                             const OutboundHeaders& headers) = 0;
  // POST `body` as it is, sent with `Content-Type: <content_type>` (e.g. "application/json").
  // A content type with a line break is refused (kInvalidArgument) like such a header.
  virtual Result<OutboundResponse> post(const std::string& url, std::string_view content_type,
                                        std::string_view body, const OutboundHeaders& headers) = 0;
};

// The libcurl client. Calls curl_global_init once (thread-safe).
std::unique_ptr<HttpsClient> make_https_client(HttpsClientOptions options = {});

// OK when `url` may be fetched: https://host..., or http:// to a loopback host. Otherwise a
// kInvalidArgument that says why ("an OpenID issuer must be https:// ...").
Status check_outbound_url(std::string_view url);

// 127.0.0.0/8, ::1 (bracketed or not) and "localhost", as a URL's host: the addresses tests'
// servers listen on, which need no TLS.
bool is_loopback_host(std::string_view host);

}  // namespace gaplog
