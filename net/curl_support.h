// libcurl's resources as owned types, and its one process-wide initialisation. Shared by the
// outbound HTTPS client and the SMTP mailer of reminders (notify/smtp_mailer.cc), the two users
// of libcurl; nothing here knows HTTP or SMTP.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <new>
#include <optional>
#include <string>

namespace gaplog {

struct CurlEasyFree {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyFree>;

struct CurlUrlFree {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlFree>;

struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
using CurlText = std::unique_ptr<char, CurlFree>;

// A curl_slist (request headers, mail recipients), freed with the request.
class CurlSlist {
 public:
  CurlSlist() = default;
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { curl_slist_free_all(list_); }

  void append(const std::string& line) {
    curl_slist* grown = curl_slist_append(list_, line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list_ = grown;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// curl_global_init, once per process, before any other libcurl call (it is not thread-safe
// itself; this is). Throws when libcurl cannot initialise: a broken environment.
void init_curl_once();

// For CURLOPT_NOPROXY: loopback hosts (127.0.0.0/8, ::1, localhost) never go through a proxy,
// and neither do those of the environment's no_proxy (which CURLOPT_NOPROXY would replace).
// Other hosts follow https_proxy / http_proxy as libcurl does by default.
std::string loopback_no_proxy_list();

// A new easy handle; throws std::bad_alloc when libcurl cannot make one.
inline CurlEasy new_curl_easy() {
  CurlEasy handle(curl_easy_init());
  if (!handle) throw std::bad_alloc();
  return handle;
}

// A part of a URL that curl_url_set accepted (CURLUPART_HOST, ...); nullopt when it has none.
inline std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK || raw == nullptr) return std::nullopt;
  const CurlText owned(raw);
  return std::string(owned.get());
}

}  // namespace gaplog
