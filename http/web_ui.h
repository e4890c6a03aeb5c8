// The web dashboard's static files, served in front of the API (docs/web.md).
//
// WebUi is a RequestHandler decorator: GET and HEAD requests for any path other than `/api/…`,
// `/auth/…` (sign-in), `/healthz` and `/metrics` (the API's 404) are answered from an asset
// directory (the output of the build in web/); everything else goes to the wrapped handler
// unchanged, including streamed uploads, the body limit and the quick path.
//
// - `/`, and any path that names no file (a client-side route such as `/findings/F-3` or
//   `/criteria/CC6.1`), answer index.html; except that a missing file under `/assets/` or with
//   the extension of a file type the UI is built from (.js, .css, .png, ...) is a plain 404.
// - Paths are %-decoded; `..`, `.` and dotfile segments, backslashes and control characters
//   are refused, and a file reached through a symlink that leads out of the directory is not
//   served. Only regular files are served.
// - Every response of the UI carries a strict Content-Security-Policy (no inline script or
//   style, connections to the same origin only), `X-Content-Type-Options: nosniff` and
//   `Referrer-Policy: no-referrer`. Files under `/assets/` (whose directory name is the hash
//   of the build) are cached for a year; everything else, index.html above all, is `no-cache`.
// - When the directory holds no index.html (the assets were never built), the UI's pages answer
//   404 with a short plain-text note saying how to build them; never a 500.
//
// The directory is looked at on every request, so assets rebuilt while the server runs are
// served at once. Ownership: the wrapped handler is borrowed and must outlive the WebUi.
// Thread-safe if the wrapped handler is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/request_handler.h"

namespace gaplog {

// The Content-Security-Policy of every page and asset of the web UI.
inline constexpr char kWebUiContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";

class WebUi final : public RequestHandler {
 public:
  WebUi(RequestHandler& api, std::filesystem::path asset_dir);

  ApiResponse handle(const ApiRequest& request) override;
  bool streams_body(const ApiRequest& head) const override;
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(
      const ApiRequest& head) override;
  uint64_t max_body_bytes() const override;
  std::optional<ApiResponse> try_quick(const ApiRequest& request) override;
  void start(const ApiRequest& request, StartDone done) override;
  // "/" for every request the UI answers (its files and client-side routes are one route).
  std::string route_of(const ApiRequest& head) const override;

  // True when the request is one the UI answers (GET or HEAD, not the API or /auth/…, not
  // /healthz, not /metrics).
  static bool is_ui_request(const ApiRequest& request);

 private:
  ApiResponse serve_asset(const ApiRequest& request) const;

  RequestHandler& api_;
  const std::filesystem::path asset_dir_;
};

// The default asset directory of `gaplog serve`: `web` next to the running binary
// (build/web for build/gaplog); when that holds no index.html but PREFIX/share/gaplog/web does
// (the installed /usr/bin/gaplog: /usr/share/gaplog/web), that one; "web" when the binary's
// path cannot be found.
std::filesystem::path default_web_dir();

}  // namespace gaplog
