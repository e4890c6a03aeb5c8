#include "http/web_ui.h"

#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "codec/url.h"

namespace gaplog {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNotBuilt =
    "gaplog: the web UI is not built.\n\n"
    "scripts/run builds it before starting the server; by hand, from the repository:\n"
    "  (cd web && npm ci && npm run build)     # writes build/web/\n"
    "then reload this page. gaplog serve looks for the assets in a `web` directory next to the\n"
    "binary, or in the directory given with --web DIR.\n\n"
    "The API is served meanwhile under /api/v1 (docs/api.md).\n";

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

// The media types of the files the UI is built from, by extension.
constexpr std::pair<std::string_view, std::string_view> kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

std::optional<std::string_view> known_content_type(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  for (const auto& [ext, type] : kContentTypes) {
    if (name.substr(dot) == ext) return type;
  }
  return std::nullopt;
}

std::string_view content_type_for(const fs::path& file) {
  return known_content_type(file.filename().string()).value_or("application/octet-stream");
}

// The path's segments, %-decoded, or nullopt when the path is one the UI never serves: a bad
// escape, a control character or backslash, a `.`/`..` segment or a dotfile (which also keeps
// out `.stamp` files and the like). Empty segments (`//`) are dropped.
std::optional<std::vector<std::string>> safe_segments(std::string_view path) {
  std::vector<std::string> segments;
  while (true) {
    const size_t slash = path.find('/');
    std::optional<std::string> segment = percent_decode(path.substr(0, slash), PlusSign::kLiteral);
    if (!segment) return std::nullopt;
    for (const char c : *segment) {
      // An encoded slash would hide a segment boundary.
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\' || c == '/')
        return std::nullopt;
    }
    if (!segment->empty()) {
      if (segment->front() == '.') return std::nullopt;
      segments.push_back(std::move(*segment));
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

void add_ui_headers(ApiResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", kWebUiContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

ApiResponse plain(int status, std::string_view text) {
  ApiResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.body = std::string(text);
  add_ui_headers(r);
  return r;
}

// The regular file at `candidate` if it lies inside `root` once every symlink is resolved.
std::optional<fs::path> contained_file(const fs::path& root, const fs::path& candidate) {
  std::error_code ec;
  const fs::path real = fs::canonical(candidate, ec);
  if (ec || !fs::is_regular_file(real, ec) || ec) return std::nullopt;
  const std::string r = root.string(), f = real.string();
  if (f.size() <= r.size() + 1 || !f.starts_with(r) || f[r.size()] != '/') return std::nullopt;
  return real;
}

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

}  // namespace

WebUi::WebUi(RequestHandler& api, fs::path asset_dir)
    : api_(api), asset_dir_(std::move(asset_dir)) {}

bool WebUi::is_ui_request(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  const std::string_view path = path_of(request.target);
  if (path == "/healthz" || path == "/api" || path.starts_with("/api/")) return false;
  // Metrics are served only on their own listener (--metrics-listen, docs/metrics.md): here
  // /metrics is the API's 404, not the UI's index.html.
  if (path == "/metrics") return false;
  // Sign-in (SPEC §10) is the API's too: /auth/config, login, callback, session.
  if (path == "/auth" || path.starts_with("/auth/")) return false;
  return true;
}

ApiResponse WebUi::handle(const ApiRequest& request) {
  if (!is_ui_request(request)) return api_.handle(request);
  return serve_asset(request);
}

bool WebUi::streams_body(const ApiRequest& head) const {
  return !is_ui_request(head) && api_.streams_body(head);
}

std::variant<ApiResponse, std::unique_ptr<UploadSink>> WebUi::begin_upload(const ApiRequest& head) {
  return api_.begin_upload(head);
}

uint64_t WebUi::max_body_bytes() const { return api_.max_body_bytes(); }

std::optional<ApiResponse> WebUi::try_quick(const ApiRequest& request) {
  // Files are read on a worker thread (handle), never on an I/O thread.
  if (is_ui_request(request)) return std::nullopt;
  return api_.try_quick(request);
}

void WebUi::start(const ApiRequest& request, StartDone done) {
  if (is_ui_request(request)) return done(std::nullopt);
  api_.start(request, std::move(done));
}

std::string WebUi::route_of(const ApiRequest& head) const {
  return is_ui_request(head) ? "/" : api_.route_of(head);
}

ApiResponse WebUi::serve_asset(const ApiRequest& request) const {
  const std::string_view path = path_of(request.target);
  if (path.empty() || path.front() != '/')
    return plain(400, "bad request: the path must start with /\n");
  auto segments = safe_segments(path);
  if (!segments) return plain(404, "not found\n");

  std::error_code ec;
  const fs::path root = fs::canonical(asset_dir_, ec);
  const std::optional<fs::path> index =
      ec ? std::nullopt : contained_file(root, root / "index.html");

  std::optional<fs::path> file;
  if (!ec && !segments->empty()) {
    fs::path candidate = root;
    for (const std::string& s : *segments) candidate /= s;
    file = contained_file(root, candidate);
  }
  bool is_index = false;
  if (!file) {
    // A missing asset (anything under /assets/, or a file type the UI is built from) is a
    // plain 404, so that a broken build shows as such; any other path is a client-side route
    // (`/findings/F-3`, `/criteria/CC6.1`) and gets the page.
    const bool route = segments->empty() || ((*segments)[0] != "assets" &&
                                             !known_content_type(segments->back()).has_value());
    if (!route) return plain(404, "not found\n");
    if (!index) return plain(404, kNotBuilt);
    file = index;
    is_index = true;
  }
  auto bytes = read_file(*file);
  if (!bytes) return plain(404, "not found\n");

  ApiResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", std::string(content_type_for(*file)));
  const bool immutable = !is_index && segments->size() > 1 && (*segments)[0] == "assets";
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  add_ui_headers(r);
  r.body = std::move(*bytes);
  return r;
}

fs::path default_web_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return "web";
  fs::path beside = exe.parent_path() / "web";
  // Installed (the Debian package: /usr/bin/gaplog, /usr/share/gaplog/web): PREFIX/share.
  fs::path installed = exe.parent_path().parent_path() / "share" / "gaplog" / "web";
  if (!fs::is_regular_file(beside / "index.html", ec) &&
      fs::is_regular_file(installed / "index.html", ec)) {
    return installed;
  }
  return beside;
}

}  // namespace gaplog
