// libFuzzer target: the API's request -> response function, on a real program in a temporary
// data directory. Input: "METHOD TARGET\n", header lines "Name: value\n", a blank line, then
// the body; a header value "$TOKEN" is replaced by an admin's token, "$SESSION" by the Cookie of
// an admin's dashboard session and "$CSRF" by that session's CSRF token (SPEC §10), so that the
// fuzzer gets past authentication both ways. Every answer must be a well-formed response: never a
// 500 (bad input is the client's fault), a JSON error body with a code and a message for every 4xx.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "api/served_program.h"
#include "codec/json.h"

namespace {

using namespace gaplog;

struct Fixture {
  std::string dir;
  std::unique_ptr<FileSystem> fs = make_posix_file_system();
  SystemClock clock;
  std::unique_ptr<ServedProgram> program;
  std::string token;
  std::string cookie, csrf;  // an admin's session

  Fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gaplog-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl + "/data";
    if (!init_data_dir(*fs, clock, dir).is_ok()) std::abort();
    ApiOptions options;
    options.max_evidence_bytes = 64 * 1024;
    auto p = ServedProgram::open(*fs, clock, dir, options);
    if (!p.is_ok()) std::abort();
    program = std::move(p).value();
    auto& svc = program->service();
    if (!svc.execute("admin@example.com", AddUser{"admin@example.com", "Ada", "admin"}).is_ok())
      std::abort();
    if (!svc.execute("admin@example.com", AddUser{"oli@example.com", "Oli", "contributor"}).is_ok())
      std::abort();
    auto t = svc.issue_token("admin@example.com", "admin@example.com");
    if (!t.is_ok()) std::abort();
    token = t->token;
    auto c = program->sessions().create("admin@example.com", "sub-admin");
    if (!c.is_ok()) std::abort();
    cookie = *c;
    csrf = program->sessions().find(cookie)->csrf_token;
    // Something to read and act on.
    if (!svc.execute("admin@example.com",
                     RecordFinding{
                         "No MFA", "", "high", {"CC6.1"}, "", "", "oli@example.com", "2026-01-01"})
             .is_ok()) {
      std::abort();
    }
  }
  ~Fixture() {
    program.reset();
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(dir).parent_path(), ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

ApiRequest parse_input(std::string_view in, const Fixture& f) {
  ApiRequest req;
  auto line = [&]() {
    const size_t nl = in.find('\n');
    std::string_view l = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return l;
  };
  std::string_view first = line();
  const size_t sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  while (!in.empty()) {
    std::string_view h = line();
    if (h.empty()) break;
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string value(h.substr(colon + 1));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (value == "$TOKEN") value = "Bearer " + f.token;
    if (value == "$SESSION") value = std::string(kSessionCookie) + "=" + f.cookie;
    if (value == "$CSRF") value = f.csrf;
    req.headers.emplace_back(std::string(h.substr(0, colon)), std::move(value));
  }
  req.body = std::string(in);
  return req;
}

// Served the way the HTTP transport serves it: try_quick(), then start() (whose answer may come
// from the log's commit thread), then handle().
ApiResponse serve(gaplog::Api& api, const ApiRequest& req) {
  if (auto quick = api.try_quick(req)) return std::move(*quick);
  std::promise<std::optional<ApiResponse>> answer;
  auto started = answer.get_future();
  api.start(req, [&answer](std::optional<ApiResponse> r) { answer.set_value(std::move(r)); });
  if (auto r = started.get()) return std::move(*r);
  return api.handle(req);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = fixture();
  const ApiRequest req =
      parse_input(std::string_view(reinterpret_cast<const char*>(data), size), f);
  ApiResponse r = serve(f.program->api(), req);
  if (r.status < 200 || r.status >= 500) {
    std::fprintf(stderr, "status %d for %s %s: %s\n", r.status, req.method.c_str(),
                 req.target.c_str(), r.body.c_str());
    std::abort();
  }
  if (r.stream) {
    while (true) {
      auto chunk = r.stream->next(1 << 16);
      if (!chunk.is_ok()) std::abort();
      if (chunk->empty()) break;
    }
  }
  auto type = r.header("Content-Type");
  if (type && *type == "application/json") {
    auto body = gaplog::json::parse(r.body);
    if (!body.is_ok()) std::abort();
    if (r.status >= 400) {
      const auto* e = body->find("error");
      if (!e || !e->find("code") || !e->find("message")) std::abort();
    }
  }
  return 0;
}
