#include "cli/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string_view>

#include "domain/text.h"
#include "net/curl_support.h"

namespace gaplog {
namespace {

// Moves a response's body (in memory or streamed) to `out`, or into r.body when out is null.
Status drain(ApiResponse& r, std::ostream* out) {
  if (out) {
    out->write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
    r.body.clear();
  }
  while (r.stream) {
    GAPLOG_ASSIGN_OR_RETURN(std::string piece, r.stream->next(1 << 20));
    if (piece.empty()) break;
    if (out) {
      out->write(piece.data(), static_cast<std::streamsize>(piece.size()));
    } else {
      r.body += piece;
    }
  }
  r.stream.reset();
  return Status::ok();
}

class EmbeddedClient final : public ApiClient {
 public:
  EmbeddedClient(ServedProgram& program, std::string actor)
      : program_(program), actor_(std::move(actor)) {}

  Result<ApiResponse> call(ApiRequest request) override {
    std::ostringstream body;
    GAPLOG_ASSIGN_OR_RETURN(ApiResponse r, download(std::move(request), body));
    if (r.status < 300) r.body = body.str();
    return r;
  }

  Result<ApiResponse> download(ApiRequest request, std::ostream& out) override {
    ApiResponse r = program_.api().handle_as(request, actor_);
    if (r.status >= 300) {
      GAPLOG_RETURN_IF_ERROR(drain(r, nullptr));
      return r;
    }
    GAPLOG_RETURN_IF_ERROR(drain(r, &out));
    if (!out) return io_error("could not write the response body");
    return r;
  }

 private:
  ServedProgram& program_;
  std::string actor_;
};

// What libcurl's callbacks fill during one exchange.
struct Transfer {
  CURL* handle = nullptr;
  ApiResponse response;
  std::ostream* out = nullptr;  // where a 2xx body goes; null: into response.body
  bool write_failed = false;
};

std::string_view trim_line(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response: the final one follows a 100 Continue
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->response.headers.emplace_back(std::string(trim_line(line.substr(0, colon))),
                                     std::string(trim_line(line.substr(colon + 1))));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (t->out != nullptr && status >= 200 && status < 300) {
    t->out->write(data, static_cast<std::streamsize>(n));
    if (!*t->out) {
      t->write_failed = true;
      return 0;  // libcurl stops with CURLE_WRITE_ERROR
    }
  } else {
    t->response.body.append(data, n);
  }
  return n;
}

// The one-line explanation of a failed exchange with `base`.
Status failure(const RemoteOptions& o, const std::string& base, CURL* handle, CURLcode code,
               const char* error_buffer) {
  const std::string detail = *error_buffer != '\0' ? error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connected = 0;  // microseconds until the request could be sent; 0: never
      curl_easy_getinfo(handle, CURLINFO_PRETRANSFER_TIME_T, &connected);
      if (connected == 0) {
        return unavailable(fmt::format(
            "could not connect to {} within {} s (timed out; --connect-timeout); is the address "
            "right and the server up?",
            base, o.connect_timeout.count()));
      }
      return unavailable(fmt::format(
          "timed out after {} s: the server at {} sent nothing for that long (raise --timeout "
          "for slow requests)",
          o.read_timeout.count(), base));
    }
    case CURLE_COULDNT_CONNECT: {
      long os_error = 0;
      curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_error);
      return unavailable(fmt::format("cannot connect to {}: {}; is gaplog serve running there?",
                                     base,
                                     os_error == ECONNREFUSED ? "connection refused" : detail));
    }
    case CURLE_PEER_FAILED_VERIFICATION:
      if (detail.find("host name") != std::string::npos) {
        return unavailable(fmt::format(
            "the certificate of {} is not for that name ({}); use in --server a name or address "
            "the certificate was issued for",
            base, detail));
      }
      return unavailable(fmt::format(
          "the certificate of {} is not trusted ({}); if the server's certificate comes from a "
          "private CA or is self-signed, pass that CA's certificate with --cacert FILE (or "
          "$GAPLOG_CACERT)",
          base, detail));
    case CURLE_SSL_CACERT_BADFILE:
      return invalid_argument(fmt::format("--cacert {}: {}", o.ca_file, detail));
    case CURLE_SSL_CONNECT_ERROR:
      return unavailable(fmt::format(
          "the TLS handshake with {} failed ({}); does it serve https (for plain HTTP use "
          "http://), with TLS 1.2 or 1.3?",
          base, detail));
    case CURLE_GOT_NOTHING:
      return unavailable(fmt::format(
          "{} closed the connection without answering; if it serves https, use https:// in "
          "--server",
          base));
    case CURLE_COULDNT_RESOLVE_HOST:
      return unavailable(fmt::format("cannot find the host of {}: {}", base, detail));
    default:
      return unavailable(fmt::format("cannot talk to {}: {}", base, detail));
  }
}

// Sets the request's method and body; `request` must outlive the transfer.
void set_method_and_body(CURL* handle, const ApiRequest& request) {
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    return;
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    // The size is given, so the body need not end with a NUL; never a null pointer, which would
    // make libcurl read the body from stdin.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (request.method != "POST")
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

class RemoteClient final : public ApiClient {
 public:
  RemoteClient(RemoteOptions options, std::string base)
      : options_(std::move(options)), base_(std::move(base)), no_proxy_(loopback_no_proxy_list()) {
    init_curl_once();
  }

  Result<ApiResponse> call(ApiRequest request) override { return exchange(request, nullptr); }
  Result<ApiResponse> download(ApiRequest request, std::ostream& out) override {
    return exchange(request, &out);
  }

 private:
  void set_connection_options(CURL* handle, char* error_buffer) const {
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count() * 1000));
    // No total timeout (a large download may take long): less than 1 byte a second for
    // read_timeout is a stall.
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.read_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_NOPROXY, no_proxy_.c_str());
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "gaplog-cli");
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  }

  // Sends the request; the body of a 2xx response goes to `out` when given, else into the
  // response.
  Result<ApiResponse> exchange(const ApiRequest& request, std::ostream* out) {
    const CurlEasy handle = new_curl_easy();
    char error_buffer[CURL_ERROR_SIZE] = {};
    set_connection_options(handle.get(), error_buffer);
    const std::string url = base_ + request.target;
    curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
    set_method_and_body(handle.get(), request);

    CurlSlist headers;
    headers.append("Authorization: Bearer " + options_.token);
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      has_content_type = has_content_type || equals_ignoring_ascii_case(name, "Content-Type");
      std::string line = name;
      line += ": ";
      line += value;
      headers.append(line);
    }
    // libcurl would label a body without one as a form.
    if (!has_content_type) headers.append("Content-Type:");
    curl_easy_setopt(handle.get(), CURLOPT_HTTPHEADER, headers.get());

    Transfer transfer;
    transfer.handle = handle.get();
    transfer.out = out;
    curl_easy_setopt(handle.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle.get(), CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, &transfer);

    const CURLcode code = curl_easy_perform(handle.get());
    if (transfer.write_failed) return io_error("could not write the response body");
    if (code != CURLE_OK) return failure(options_, base_, handle.get(), code, error_buffer);
    long status = 0;
    curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
  }

  const RemoteOptions options_;
  const std::string base_;  // scheme://host[:port], no slash at the end
  const std::string no_proxy_;
};

// "scheme://host[:port]" of a --server URL, or why it is not one.
Result<std::string> server_base(const std::string& url) {
  const auto bad = [&](std::string_view why) {
    return invalid_argument(fmt::format(
        "--server takes http://HOST:PORT or https://HOST:PORT (an IPv6 address in brackets: "
        "http://[::1]:8080); got '{}'{}",
        url, why));
  };
  const CurlUrl parsed(curl_url());
  if (!parsed) throw std::bad_alloc();
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return bad("");
  const std::optional<std::string> scheme = url_part(parsed.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") return bad("");
  const std::optional<std::string> path = url_part(parsed.get(), CURLUPART_PATH);
  if ((path && path->find_first_not_of('/') != std::string::npos) ||
      url_part(parsed.get(), CURLUPART_QUERY) || url_part(parsed.get(), CURLUPART_FRAGMENT)) {
    return bad(": no path, query or fragment");
  }
  if (url_part(parsed.get(), CURLUPART_USER)) return bad(": no user name (give --token)");
  std::string base = url;
  while (base.ends_with('/')) base.pop_back();
  return base;
}

}  // namespace

std::unique_ptr<ApiClient> embedded_client(ServedProgram& program, std::string actor) {
  return std::make_unique<EmbeddedClient>(program, std::move(actor));
}

Result<std::unique_ptr<ApiClient>> remote_client(RemoteOptions options) {
  GAPLOG_ASSIGN_OR_RETURN(std::string base, server_base(options.url));
  if (options.token.empty()) {
    return invalid_argument("--server needs --token TOKEN (or $GAPLOG_TOKEN)");
  }
  if (!options.ca_file.empty()) {
    std::ifstream ca(options.ca_file);
    if (!ca) {
      return invalid_argument(
          fmt::format("--cacert {}: cannot read it ({})", options.ca_file, std::strerror(errno)));
    }
  }
  return std::unique_ptr<ApiClient>(new RemoteClient(std::move(options), std::move(base)));
}

}  // namespace gaplog
