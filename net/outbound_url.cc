// check_outbound_url: which URLs gaplog fetches. The URL is parsed by libcurl's own URL parser
// (the one that will fetch it), so the host checked here is the host connected to.
#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "net/curl_support.h"
#include "net/https_client.h"

namespace gaplog {

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

Status check_outbound_url(std::string_view url) {
  const CurlUrl u(curl_url());
  if (!u) throw std::bad_alloc();
  const std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return invalid_argument(
        fmt::format("{} is not a URL; write it in full, like https://idp.example.com", text));
  }
  const std::optional<std::string> scheme = url_part(u.get(), CURLUPART_SCHEME);
  const std::optional<std::string> host = url_part(u.get(), CURLUPART_HOST);
  if (!scheme || !host || host->empty()) {
    return invalid_argument(
        fmt::format("{} has no host; write it like https://idp.example.com", text));
  }
  if (url_part(u.get(), CURLUPART_USER)) {
    return invalid_argument(
        fmt::format("{} carries a user name; leave credentials out of URLs", text));
  }
  if (*scheme == "https") return Status::ok();
  if (*scheme == "http" && is_loopback_host(*host)) return Status::ok();
  if (*scheme == "http") {
    return invalid_argument(fmt::format(
        "{} is plain http; gaplog talks to other servers over https:// only (http:// is allowed "
        "for a loopback address, as in tests)",
        text));
  }
  return invalid_argument(fmt::format("{} is not an https:// URL", text));
}

}  // namespace gaplog
