// make_https_client: libcurl's easy interface, one handle per request so that requests on many
// threads share nothing but the options.
#include "net/https_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <new>
#include <optional>

#include "net/curl_support.h"

namespace gaplog {

namespace {

// The host (and port, when given) of a URL that passed check_outbound_url, for messages: never
// the path or query, which may carry more than a message should show.
std::string host_of(const std::string& url) {
  const CurlUrl parsed(curl_url());
  if (!parsed) throw std::bad_alloc();
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "the server";
  char* host = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return "the server";
  const CurlText owned_host(host);
  std::string out(owned_host.get());
  char* port = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK) {
    const CurlText owned_port(port);
    out += ':';
    out += owned_port.get();
  }
  return out;
}

// Where the write callback puts the body; refuses (and remembers) more than `limit` bytes.
struct BodySink {
  std::string body;
  uint64_t limit = 0;
  bool too_large = false;
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t bytes = size * count;
  if (sink->body.size() + bytes > sink->limit) {
    sink->too_large = true;
    return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

// Header names and values go into the request verbatim: a CR or LF would start another header.
Status check_headers(const OutboundHeaders& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return invalid_argument(
          fmt::format("the request header '{}' has a line break or a colon in its name or value",
                      name.substr(0, name.find_first_of("\r\n"))));
    }
  }
  return Status::ok();
}

// What a POST sends.
struct RequestBody {
  std::string_view content_type;
  std::string_view data;
};

// Percent-encodes each name and value (curl_easy_escape keeps only A-Z a-z 0-9 - . _ ~). The
// handle argument of curl_easy_escape is ignored since libcurl 7.82.
std::string form_body(const FormFields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    const CurlText n(curl_easy_escape(nullptr, name.data(), static_cast<int>(name.size())));
    const CurlText v(curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())));
    if (!n || !v) throw std::bad_alloc();
    if (!body.empty()) body += '&';
    body += n.get();
    body += '=';
    body += v.get();
  }
  return body;
}

class CurlHttpsClient final : public HttpsClient {
 public:
  explicit CurlHttpsClient(HttpsClientOptions options)
      : options_(std::move(options)), no_proxy_(loopback_no_proxy_list()) {
    init_curl_once();
  }

  Result<OutboundResponse> get(const std::string& url, const OutboundHeaders& headers) override {
    return perform(url, nullptr, headers);
  }

  Result<OutboundResponse> post_form(const std::string& url, const FormFields& fields,
                                     const OutboundHeaders& headers) override {
    const std::string body = form_body(fields);
    const RequestBody request_body{"application/x-www-form-urlencoded", body};
    return perform(url, &request_body, headers);
  }

  Result<OutboundResponse> post(const std::string& url, std::string_view content_type,
                                std::string_view body, const OutboundHeaders& headers) override {
    if (content_type.find_first_of("\r\n") != std::string_view::npos) {
      return invalid_argument("the request's content type has a line break");
    }
    const RequestBody request_body{content_type, body};
    return perform(url, &request_body, headers);
  }

 private:
  // `body` null: a GET.
  Result<OutboundResponse> perform(const std::string& url, const RequestBody* body,
                                   const OutboundHeaders& headers) const;
  void set_common_options(CURL* handle, const std::string& url, BodySink& sink,
                          char* error_buffer) const;
  Status failure(const std::string& url, CURLcode code, const BodySink& sink,
                 const char* error_buffer) const;

  const HttpsClientOptions options_;
  const std::string no_proxy_;
};

void CurlHttpsClient::set_common_options(CURL* handle, const std::string& url, BodySink& sink,
                                         char* error_buffer) const {
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  // TLS 1.2 at least. libcurl 7.88's default minimum is TLS 1.0, and OpenSSL's default security
  // level alone agrees to TLS 1.1 (the tests' TLS 1.1 server was then refused only later, for
  // its legacy signature algorithm).
  curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(handle, CURLOPT_NOPROXY, no_proxy_.c_str());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "gaplog");
  // Refuses early when Content-Length says too much; the write callback catches the rest
  // (chunked answers, lying lengths).
  curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_response_bytes));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
}

Status CurlHttpsClient::failure(const std::string& url, CURLcode code, const BodySink& sink,
                                const char* error_buffer) const {
  const std::string host = host_of(url);
  if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return unavailable(fmt::format("{} answered with more than {} bytes; the answer was refused",
                                   host, options_.max_response_bytes));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return unavailable(fmt::format("{} did not answer within {} ms ({})", host,
                                   options_.total_timeout.count(), error_buffer));
  }
  const std::string detail = *error_buffer != '\0' ? error_buffer : curl_easy_strerror(code);
  return unavailable(fmt::format("cannot reach {}: {}", host, detail));
}

Result<OutboundResponse> CurlHttpsClient::perform(const std::string& url, const RequestBody* body,
                                                  const OutboundHeaders& headers) const {
  GAPLOG_RETURN_IF_ERROR(check_outbound_url(url));
  GAPLOG_RETURN_IF_ERROR(check_headers(headers));
  const CurlEasy handle = new_curl_easy();

  BodySink sink;
  sink.limit = options_.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  set_common_options(handle.get(), url, sink, error_buffer);

  CurlSlist header_list;
  for (const auto& [name, value] : headers) {
    std::string line = name;
    line += ": ";
    line += value;
    header_list.append(line);
  }
  if (body != nullptr) {
    header_list.append(fmt::format("Content-Type: {}", body->content_type));
    header_list.append("Expect:");  // no 100-continue round trip
    curl_easy_setopt(handle.get(), CURLOPT_POST, 1L);
    // The size is given, so the data need not end with a NUL; never a null pointer, which
    // would make libcurl read the body from stdin.
    curl_easy_setopt(handle.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->data.size()));
    curl_easy_setopt(handle.get(), CURLOPT_POSTFIELDS,
                     body->data.data() != nullptr ? body->data.data() : "");
  }
  curl_easy_setopt(handle.get(), CURLOPT_HTTPHEADER, header_list.get());

  const CURLcode code = curl_easy_perform(handle.get());
  if (code != CURLE_OK) return failure(url, code, sink, error_buffer);

  OutboundResponse response;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(handle.get(), CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
      content_type != nullptr) {
    response.content_type = content_type;
  }
  response.body = std::move(sink.body);
  return response;
}

}  // namespace

std::unique_ptr<HttpsClient> make_https_client(HttpsClientOptions options) {
  return std::make_unique<CurlHttpsClient>(std::move(options));
}

}  // namespace gaplog
