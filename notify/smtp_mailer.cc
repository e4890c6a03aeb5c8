// make_smtp_mailer: one libcurl easy handle per message, so that sends on many threads share
// nothing but the options. libcurl speaks SMTP (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA and the
// dot-stuffing of the body) and builds the MIME body; this file chooses the options and turns
// the outcome into a Status.
#include "notify/smtp_mailer.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/curl_support.h"
#include "net/https_client.h"

namespace gaplog {

namespace {

struct CurlMimeFree {
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
using CurlMime = std::unique_ptr<curl_mime, CurlMimeFree>;

void check_mime(CURLcode code) {
  if (code == CURLE_OUT_OF_MEMORY) throw std::bad_alloc();
  // Any other refusal is a bug: the arguments are constants or data libcurl copies.
  if (code != CURLE_OK)
    throw std::logic_error(fmt::format("curl mime: {}", curl_easy_strerror(code)));
}

// Mail lines end with CRLF (RFC 5322 §2.1); a bare LF of the caller's text becomes one, which
// the quoted-printable encoder then keeps as a line break rather than encoding it as =0A.
std::string with_crlf_line_ends(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

void add_text_part(curl_mime* mime, std::string_view content, const char* type) {
  curl_mimepart* part = curl_mime_addpart(mime);
  if (part == nullptr) throw std::bad_alloc();
  const std::string data = with_crlf_line_ends(content);
  check_mime(curl_mime_data(part, data.data(), data.size()));  // copied
  check_mime(curl_mime_type(part, type));
  check_mime(curl_mime_encoder(part, "quoted-printable"));
}

// multipart/mixed (libcurl's root is always mixed) holding one multipart/alternative part with
// the text and the HTML.
CurlMime mail_body(CURL* handle, const MailMessage& message) {
  CurlMime root(curl_mime_init(handle));
  CurlMime alternative(curl_mime_init(handle));
  if (!root || !alternative) throw std::bad_alloc();
  add_text_part(alternative.get(), message.text, "text/plain; charset=utf-8");
  add_text_part(alternative.get(), message.html, "text/html; charset=utf-8");
  curl_mimepart* part = curl_mime_addpart(root.get());
  if (part == nullptr) throw std::bad_alloc();
  check_mime(curl_mime_subparts(part, alternative.get()));
  alternative.release();  // NOLINT(bugprone-unused-return-value): the part owns it now
  check_mime(curl_mime_type(part, "multipart/alternative"));
  return root;
}

class CurlMailer final : public Mailer {
 public:
  explicit CurlMailer(SmtpOptions options)
      : options_(std::move(options)), url_status_(check_smtp_url(options_.url)) {
    init_curl_once();
  }

  Status send(const MailMessage& message) override;

 private:
  void set_options(CURL* handle, char* error_buffer) const;
  Status failure(CURLcode code, long reply, std::string detail) const;

  const SmtpOptions options_;
  const Status url_status_;
};

void CurlMailer::set_options(CURL* handle, char* error_buffer) const {
  curl_easy_setopt(handle, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  // CURLUSESSL_TRY: STARTTLS when the server offers it, and a failed handshake is a failure, not
  // a fall back to plain text. smtps:// is TLS from the start whatever this says.
  curl_easy_setopt(
      handle, CURLOPT_USE_SSL,
      static_cast<long>(smtp_requires_starttls(options_) ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
  // "" turns off the proxies of the environment (all_proxy): a relay is reached directly.
  curl_easy_setopt(handle, CURLOPT_PROXY, "");
  if (!options_.user.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, options_.user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
}

// libcurl keeps the server's last reply code (CURLINFO_RESPONSE_CODE), which is the one that
// ended the session when the server refused something.
Status CurlMailer::failure(CURLcode code, long reply, std::string detail) const {
  // libcurl does not put the password in its messages; this makes sure of it.
  for (size_t at;
       !options_.password.empty() && (at = detail.find(options_.password)) != std::string::npos;) {
    detail.replace(at, options_.password.size(), "(the password)");
  }
  const std::string& server = options_.url;
  if (code == CURLE_LOGIN_DENIED) {
    const std::string what =
        fmt::format("the SMTP server {} refused the login of '{}' ({}, reply {})", server,
                    options_.user, detail, reply);
    return reply >= 500 ? invalid_argument(what + "; check --smtp-user and the password file")
                        : unavailable(what);
  }
  if (reply >= 500 && reply < 600) {
    return invalid_argument(fmt::format(
        "the SMTP server {} refused the message for good: {} (reply {})", server, detail, reply));
  }
  if (reply >= 400 && reply < 500) {
    return unavailable(fmt::format(
        "the SMTP server {} refused the message for now: {} (reply {}); try again later", server,
        detail, reply));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return unavailable(fmt::format("the SMTP server {} did not finish within {} ms ({})", server,
                                   options_.total_timeout.count(), detail));
  }
  return unavailable(fmt::format("cannot send mail through {}: {}", server, detail));
}

Status CurlMailer::send(const MailMessage& message) {
  GAPLOG_RETURN_IF_ERROR(url_status_);
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> header_lines,
                          mail_header_lines(message, options_.from));
  const CurlEasy handle = new_curl_easy();
  char error_buffer[CURL_ERROR_SIZE] = {};
  set_options(handle.get(), error_buffer);

  const std::string mail_from = "<" + options_.from + ">";
  curl_easy_setopt(handle.get(), CURLOPT_MAIL_FROM, mail_from.c_str());
  CurlSlist recipients;
  for (const std::string& to : message.to) recipients.append("<" + to + ">");
  curl_easy_setopt(handle.get(), CURLOPT_MAIL_RCPT, recipients.get());
  CurlSlist headers;
  for (const std::string& line : header_lines) headers.append(line);
  curl_easy_setopt(handle.get(), CURLOPT_HTTPHEADER, headers.get());
  const CurlMime body = mail_body(handle.get(), message);
  curl_easy_setopt(handle.get(), CURLOPT_MIMEPOST, body.get());

  const CURLcode code = curl_easy_perform(handle.get());
  if (code == CURLE_OK) return Status::ok();
  long reply = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &reply);
  return failure(code, reply, *error_buffer != '\0' ? error_buffer : curl_easy_strerror(code));
}

// The URL as messages show it: not at all when it may carry a password (user:password@host).
std::string shown(const std::string& url) {
  return url.find('@') == std::string::npos ? "'" + url + "'" : "the SMTP URL";
}

}  // namespace

std::unique_ptr<Mailer> make_smtp_mailer(SmtpOptions options) {
  return std::make_unique<CurlMailer>(std::move(options));
}

bool smtp_requires_starttls(const SmtpOptions& options) {
  if (options.user.empty()) return false;
  const CurlUrl url(curl_url());
  if (!url) throw std::bad_alloc();
  if (curl_url_set(url.get(), CURLUPART_URL, options.url.c_str(), 0) != CURLUE_OK) return true;
  const std::optional<std::string> scheme = url_part(url.get(), CURLUPART_SCHEME);
  const std::optional<std::string> host = url_part(url.get(), CURLUPART_HOST);
  return scheme == "smtp" && !(host && is_loopback_host(*host));
}

Status check_smtp_url(std::string_view url) {
  const std::string text(url);
  const std::string example =
      "write it like smtp://mail.example.com:587 or smtps://mail.example.com:465";
  const CurlUrl u(curl_url());
  if (!u) throw std::bad_alloc();
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return invalid_argument(fmt::format("{} is not a URL; {}", shown(text), example));
  }
  const std::optional<std::string> scheme = url_part(u.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") {
    return invalid_argument(fmt::format(
        "{} is not an smtp:// (STARTTLS when offered) or smtps:// (implicit TLS) URL; {}",
        shown(text), example));
  }
  const std::optional<std::string> host = url_part(u.get(), CURLUPART_HOST);
  if (!host || host->empty()) {
    return invalid_argument(fmt::format("{} has no host; {}", shown(text), example));
  }
  if (url_part(u.get(), CURLUPART_USER) || url_part(u.get(), CURLUPART_PASSWORD) ||
      url_part(u.get(), CURLUPART_OPTIONS)) {
    return invalid_argument(
        "the SMTP URL carries credentials; leave them out of it and give --smtp-user and "
        "--smtp-password-file");
  }
  const std::optional<std::string> path = url_part(u.get(), CURLUPART_PATH);
  if (path && !path->empty() && *path != "/") {
    return invalid_argument(fmt::format(
        "{} has a path ('{}'); an SMTP URL is only the scheme, host and port", shown(text), *path));
  }
  if (url_part(u.get(), CURLUPART_QUERY) || url_part(u.get(), CURLUPART_FRAGMENT)) {
    return invalid_argument(
        fmt::format("{} has a query or a fragment; an SMTP URL is only the scheme, host and port",
                    shown(text)));
  }
  return Status::ok();
}

}  // namespace gaplog
