// A program in a temporary data directory with its Api, users of every role and their tokens,
// and a small client that calls the Api in-process (no sockets).
#pragma once

#include <gtest/gtest.h>
#include <strings.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../store/store_test_support.h"
#include "api/api.h"
#include "api/served_program.h"
#include "codec/json.h"
#include "contract_log.h"
#include "http/http_server.h"
#include "http_test_client.h"
#include "store/data_dir.h"

namespace gaplog::testing {

struct Reply {
  int status = 0;
  json::Value json;  // the parsed body (null when it is not JSON)
  std::string body;  // the raw body (streamed bodies read to the end)
  HeaderList headers;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) return v;
    }
    return std::nullopt;
  }
  // "code" of an error body ("" when absent).
  std::string error_code() const {
    const json::Value* e = json.find("error");
    const json::Value* c = e ? e->find("code") : nullptr;
    return c && c->is_string() ? c->as_string() : "";
  }
  std::string error_message() const {
    const json::Value* e = json.find("error");
    const json::Value* m = e ? e->find("message") : nullptr;
    return m && m->is_string() ? m->as_string() : "";
  }
  const json::Value& operator[](std::string_view key) const {
    static const json::Value kNull;
    const json::Value* v = json.find(key);
    return v ? *v : kNull;
  }
};

inline std::string str(const json::Value& v) { return v.is_string() ? v.as_string() : ""; }
inline int64_t num(const json::Value& v) { return v.is_integer() ? v.as_integer() : -1; }
// A member of an object (null when it is not one, or has no such member).
inline const json::Value& field(const json::Value& object, std::string_view key) {
  static const json::Value kNull;
  const json::Value* v = object.is_object() ? object.find(key) : nullptr;
  return v ? *v : kNull;
}
// An array of strings as a vector (one marker element when it is not an array).
inline std::vector<std::string> strings(const json::Value& array) {
  if (!array.is_array()) return {"<not an array: " + json::write(array) + ">"};
  std::vector<std::string> out;
  for (const json::Value& v : array.items()) out.push_back(str(v));
  return out;
}

// With GAPLOG_TEST_OVER_HTTP=1 in the environment, every call goes through the real HTTP server
// on a loopback port instead of in-process: the same tables then test the transport too.
// With GAPLOG_TEST_AUTH=session, every user's calls are signed in with a session cookie (SPEC
// §10) instead of a bearer token, writes carrying X-CSRF-Token and Origin as a browser's do: the
// same tables then test session authentication.
class ApiFixture : public ::testing::Test {
 protected:
  static constexpr const char* kAdmin = "admin@example.com";
  static constexpr const char* kEditor = "ed@example.com";
  static constexpr const char* kOwner = "oli@example.com";   // a contributor
  static constexpr const char* kOther = "cora@example.com";  // another contributor
  static constexpr const char* kAuditor = "audrey@cpa.example";

  // Every test starts from the same program: the users above, their tokens (and sessions), and
  // what seed() adds. It is built once per process and fixture (and clock, and transport) in a
  // template directory, closed, and copied into each test's own data directory: a test then
  // pays for one copy and one open instead of a dozen durable commits (the permission matrix
  // runs this for each of its ~460 rows). The program a test sees is the one it would have
  // built itself, reopened from disk.
  void SetUp() override {
    ProgramTemplate& t = program_templates()[template_key()];
    const std::string data = dir_.path() + "/data";
    if (t.dir == nullptr) {
      build_program(data);
      if (HasFatalFailure()) return;
      server_.reset();
      program_.reset();
      t.dir = std::make_unique<TempDir>();
      ASSERT_NO_FATAL_FAILURE(copy_tree(data, t.dir->path() + "/data"));
      t.tokens = tokens_;
      t.sessions = sessions_;
    } else {
      ASSERT_NO_FATAL_FAILURE(copy_tree(t.dir->path() + "/data", data));
      tokens_ = t.tokens;
      sessions_ = t.sessions;
    }
    open_program();
  }

  // What a fixture adds to every test's starting program, once per process (the program is
  // open; calls go through call()). Tokens it issues are kept in tokens_. A fixture that
  // overrides seed() gives its seed a name of its own.
  virtual void seed() {}
  virtual const char* seed_name() const { return "users"; }

  // The starting program, built by hand: init, the users, their tokens (and sessions), seed().
  void build_program(const std::string& data) {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, data).is_ok());
    open_program();
    auto& svc = program_->service();
    ASSERT_TRUE(svc.execute(kAdmin, AddUser{kAdmin, "Ada Admin", "admin"}).is_ok());
    for (auto [email, role] : {std::pair{kEditor, "editor"},
                               {kOwner, "contributor"},
                               {kOther, "contributor"},
                               {kAuditor, "auditor"}}) {
      ASSERT_TRUE(
          svc.execute(kAdmin, AddUser{email, std::string(email).substr(0, 3), role}).is_ok());
    }
    for (const char* email : {kAdmin, kEditor, kOwner, kOther, kAuditor}) {
      auto t = svc.issue_token(kAdmin, email);
      ASSERT_TRUE(t.is_ok()) << t.status().to_string();
      tokens_[email] = t->token;
      if (with_sessions()) {
        auto cookie = program_->sessions().create(email, std::string("sub-") + email);
        ASSERT_TRUE(cookie.is_ok()) << cookie.status().to_string();
        std::optional<Session> s = program_->sessions().find(*cookie);
        ASSERT_TRUE(s.has_value());
        sessions_[email] = {*cookie, s->csrf_token};
      }
    }
    seed();
  }

  struct ProgramTemplate {
    std::unique_ptr<TempDir> dir;  // removed when the process exits normally
    std::map<std::string, std::string> tokens;
    std::map<std::string, std::pair<std::string, std::string>> sessions;
  };
  // The seed, the clock and the environment's transport and authentication: what the starting
  // program depends on.
  std::string template_key() {
    return std::string(seed_name()) + "@" + std::to_string(clock_.now()) +
           (with_sessions() ? "+sessions" : "") + (over_http() ? "+http" : "");
  }
  static std::map<std::string, ProgramTemplate>& program_templates() {
    static std::map<std::string, ProgramTemplate> templates;
    return templates;
  }
  static void copy_tree(const std::string& from, const std::string& to) {
    std::error_code ec;
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << "copying " << from << " to " << to << ": " << ec.message();
  }

  static bool with_sessions() {
    const char* v = std::getenv("GAPLOG_TEST_AUTH");
    return v != nullptr && std::string(v) == "session";
  }

  // The headers a browser signed in as `as` sends: the cookie, and for a write the CSRF token
  // and the Origin. False when `as` has no session (then the caller sends a bearer token).
  bool add_session_headers(const std::string& as, const std::string& method, HeaderList& headers) {
    auto it = sessions_.find(as);
    if (it == sessions_.end()) return false;
    headers.emplace_back("Cookie", std::string(kSessionCookie) + "=" + it->second.first);
    if (method != "GET" && method != "HEAD") {
      headers.emplace_back("X-CSRF-Token", it->second.second);
      headers.emplace_back("Origin", options_.public_url);
    }
    return true;
  }

  void TearDown() override { server_.reset(); }

  // The end of a death test's child. A "threadsafe" death test's child runs the test again from
  // the start, so SetUp made it a data directory of its own, and std::_Exit skips the
  // destructors that would close the program and remove that directory: this does both first.
  [[noreturn]] void exit_death_test_child(int code) {
    server_.reset();
    program_.reset();
    dir_.remove();
    for (auto& [key, t] : program_templates()) {
      if (t.dir) t.dir->remove();
    }
    std::_Exit(code);
  }

  void open_program() {
    server_.reset();
    program_.reset();
    // Backups into a directory beside the data (POST /admin/backups answers in the tables).
    BackupSettings backups;
    backups.dir = dir_.path() + "/backups";
    auto p =
        ServedProgram::open(*fs_, clock_, dir_.path() + "/data", options_, {}, std::move(backups));
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    program_ = std::move(p).value();
    if (over_http()) {
      HttpServerOptions o;
      o.port = 0;
      o.worker_threads = 4;
      auto server = HttpServer::start(program_->api(), o);
      ASSERT_TRUE(server.is_ok()) << server.status().to_string();
      server_ = std::move(server).value();
    }
  }

  static bool over_http() {
    const char* v = std::getenv("GAPLOG_TEST_OVER_HTTP");
    return v != nullptr && std::string(v) == "1";
  }

  Reply call(const std::string& as, const std::string& method, const std::string& target,
             const std::string& body = "", HeaderList headers = {}) {
    ApiRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers = std::move(headers);
    if (!as.empty() && !add_session_headers(as, method, req.headers))
      req.headers.emplace_back("Authorization", "Bearer " + token(as));
    if (!body.empty() && !req.header("Content-Type"))
      req.headers.emplace_back("Content-Type", "application/json");
    return send(req);
  }

  Reply send(const ApiRequest& req) {
    Reply reply = [&] {
      if (server_) {
        HttpReply h = http_request(server_->port(), req);
        Reply out;
        out.status = h.status;
        out.headers = std::move(h.headers);
        out.body = std::move(h.body);
        auto ct = out.header("Content-Type");
        if (ct && ct->starts_with("application/json") && req.method != "HEAD") {  // HEAD: no body
          auto parsed = json::parse(out.body);
          EXPECT_TRUE(parsed.is_ok()) << "response is not JSON: " << out.body;
          if (parsed.is_ok()) out.json = std::move(parsed).value();
        }
        return out;
      }
      ApiResponse r = program_->api().handle(req);
      Reply out;
      out.status = r.status;
      out.headers = r.headers;
      out.body = r.body;
      if (r.stream) {
        while (true) {
          auto chunk = r.stream->next(64 * 1024);
          EXPECT_TRUE(chunk.is_ok()) << chunk.status().to_string();
          if (!chunk.is_ok() || chunk->empty()) break;
          out.body += *chunk;
        }
        EXPECT_EQ(out.body.size(), r.stream_size);
      }
      auto ct = r.header("Content-Type");
      if (ct && ct->starts_with("application/json")) {
        auto parsed = json::parse(out.body);
        EXPECT_TRUE(parsed.is_ok()) << "response is not JSON: " << out.body;
        if (parsed.is_ok()) out.json = std::move(parsed).value();
      }
      return out;
    }();
    record_exchange(req, reply.status, reply.header("Content-Type"), reply.body);  // contract_log.h
    return reply;
  }

  std::string token(const std::string& as) const {
    auto it = tokens_.find(as);
    return it == tokens_.end() ? as : it->second;  // an unknown name is sent as the token itself
  }

  uint64_t tree_size() { return program_->log().last_seq(); }

  // POST /findings as the editor; returns the new id.
  std::string record_finding(const std::string& title = "No MFA on the VPN",
                             const std::string& extra = "") {
    Reply r =
        call(kEditor, "POST", "/api/v1/findings",
             R"({"title":")" + title + R"(","severity":"high","criteria":["CC6.1"],"owner":")" +
                 kOwner + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return str(r["id"]);
  }

  TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{kT0};
  // Sessions that outlast the days the tests move the clock by.
  ApiOptions options_ = [] {
    ApiOptions o;
    o.sessions.idle = o.sessions.max = static_cast<Micros>(100) * 365 * kMicrosPerDay;
    return o;
  }();
  std::unique_ptr<ServedProgram> program_;
  std::unique_ptr<HttpServer> server_;  // over HTTP only
  std::map<std::string, std::string> tokens_;
  std::map<std::string, std::pair<std::string, std::string>> sessions_;  // cookie, csrf token
};

}  // namespace gaplog::testing
