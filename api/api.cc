// The dispatcher: every request to the Api enters here, on one of four paths (handle, try_quick,
// start, begin_upload), and each path does the same things in the same order: split the target
// once, authenticate (before the path is looked at, so that nothing about the API is revealed
// without a token), route (api/routes.h), apply the role rules the Api owns (check_access), call
// the route's handler (api/handlers.h), and answer through answer() (api/responses.h), the one
// place where a Status becomes its error response, Cache-Control: no-store is added and the
// user is stamped for the access log.
#include "api/api.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/call.h"
#include "api/handlers.h"
#include "api/openapi.h"
#include "api/responses.h"
#include "api/routes.h"
#include "api/sign_in.h"
#include "domain/text.h"
#include "domain/time.h"
#include "domain/validation.h"

namespace gaplog {

using json::Value;

namespace {

constexpr std::string_view kHealthPath = "/healthz";
constexpr std::string_view kApiPrefix = "/api/v1/";
constexpr std::string_view kAuthPrefix = "/auth/";

// A request's target as sent: its path and the query string after '?'.
struct Target {
  std::string_view path;
  std::string_view query;
};

Target split_target(std::string_view target) {
  const size_t qmark = target.find('?');
  return {target.substr(0, qmark),
          qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1)};
}

// The role rules the Api owns (the domain's decide() owns the rest), checked before the handler
// runs and before the body is looked at.
Status check_access(const Route& route, const ApiRequest& request, Role role) {
  if (route.method != "GET" && !route.own_account) {
    // Auditors are strictly read-only.
    if (role == Role::kAuditor) {
      return permission_denied(
          "auditors read everything and change nothing; ask an admin or editor to make this "
          "change");
    }
    // SPEC §2: a non-admin who sends X-Occurred-At gets 403 whatever the time, before the
    // header's value or the body is looked at. The domain refuses it as well; this puts it first.
    if (role != Role::kAdmin && request.header("X-Occurred-At")) {
      return permission_denied("only admins may back-fill; send the request without X-Occurred-At");
    }
  }
  if (!route.admins_and_auditors_only.empty() && role != Role::kAdmin && role != Role::kAuditor) {
    return permission_denied(std::string(route.admins_and_auditors_only));
  }
  return Status::ok();
}

}  // namespace

class Api::Impl {
 public:
  Impl(Store& store, CommandService& service, ProgramHistory& history, Clock& clock, ApiParts parts,
       const ApiOptions& options)
      : backend_(store, service, history, clock, parts, options) {}

  // With `acting_as` (in-process callers only), acts as that user without a token.
  ApiResponse handle(const ApiRequest& request, const std::string& acting_as);
  std::optional<ApiResponse> try_quick(const ApiRequest& request);
  void start(const ApiRequest& request, RequestHandler::StartDone& done);
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(const ApiRequest& head);
  bool streams_body(const ApiRequest& head) const {
    return routes_.is_upload(head.method, split_target(head.target).path);
  }
  std::string route_of(const ApiRequest& head) const;

 private:
  // A request matched to its route.
  struct Routed {
    const Route* route;
    Call call;  // actor and role still to be filled in
  };

  enum class Wait { kBlock, kNever };
  // Who sends the request: the bearer of its token, or `acting_as`, an active user. With
  // Wait::kNever, never blocks: kUnavailable "busy" when the answer would have to wait.
  Result<Principal> authenticate(const ApiRequest& request, Wait wait,
                                 const std::string& acting_as = "");
  // Decodes the target's path and query and finds the route. When the path exists but not for
  // this method, fails and fills `allowed` with the methods it takes (405).
  Result<Routed> route(const ApiRequest& request, Target target, std::string* allowed);
  // GET /healthz: open to anyone.
  ApiResponse health(std::string_view method, std::string_view path) const;
  // POST /evidence with its body in memory (the CLI, the tests, the fuzzer).
  ApiResponse upload_in_memory(Call& call);

  Backend backend_;
  const RouteTable routes_;
};

ApiResponse Api::Impl::handle(const ApiRequest& request, const std::string& acting_as) {
  const Target target = split_target(request.target);
  if (target.path == kHealthPath) return answer(health(request.method, target.path), "");
  // The API's description is open, like the health check: a client reads it before it has a
  // token. Its query string, if any, is ignored.
  if (target.path == kOpenApiPath) return answer(openapi_response(request), "");
  if (target.path.starts_with(kAuthPrefix)) {
    Result<ApiResponse> r = serve_auth(backend_, request, target.path, target.query);
    const std::string user = r ? r->user : "";
    return answer(std::move(r), user);
  }
  Principal caller;
  if (target.path.starts_with("/api/")) {
    Result<Principal> authenticated = authenticate(request, Wait::kBlock, acting_as);
    if (!authenticated) return answer(authenticated.status(), "");
    caller = std::move(*authenticated);
  }
  std::string allowed;
  Result<Routed> routed = route(request, target, &allowed);
  if (!routed) {
    if (!allowed.empty())
      return answer(method_not_allowed(request.method, target.path, allowed), caller.email);
    return answer(routed.status(), caller.email);
  }
  const Route& route = *routed->route;
  Call& call = routed->call;
  if (Status s = check_access(route, request, caller.role); !s.is_ok())
    return answer(s, caller.email);
  call.actor = caller.email;
  call.role = caller.role;
  if (route.kind == RouteKind::kUpload) return upload_in_memory(call);
  return answer(route.handler(call), caller.email);
}

std::optional<ApiResponse> Api::Impl::try_quick(const ApiRequest& request) {
  if (!method_matches("GET", request.method)) return std::nullopt;
  if (request.target == kHealthPath) return answer(health(request.method, request.target), "");
  if (request.target == kOpenApiPath) return answer(openapi_response(request), "");
  const Route* route = routes_.quick_route(request.target);
  if (route == nullptr) return std::nullopt;
  Result<Principal> caller = authenticate(request, Wait::kNever);
  if (!caller) {
    if (caller.status().code() == Code::kUnavailable) return std::nullopt;
    return answer(caller.status(), "");
  }
  if (!check_access(*route, request, caller->role).is_ok()) return std::nullopt;
  std::optional<ApiResponse> quick = route->quick(backend_);
  if (!quick) return std::nullopt;
  return answer(std::move(*quick), caller->email);
}

void Api::Impl::start(const ApiRequest& request, RequestHandler::StartDone& done) {
  // Anything but the plain case (a write of one command, a valid token of a user allowed to
  // send it) goes to handle(), which answers it the one way it always does.
  if (request.method != "POST" && request.method != "PUT" && request.method != "PATCH")
    return done(std::nullopt);
  Result<Principal> caller = authenticate(request, Wait::kNever);
  if (!caller) return done(std::nullopt);
  std::string allowed;
  Result<Routed> routed = route(request, split_target(request.target), &allowed);
  if (!routed || routed->route->kind != RouteKind::kCommand ||
      !check_access(*routed->route, request, caller->role).is_ok()) {
    return done(std::nullopt);
  }
  Call& call = routed->call;
  call.actor = caller->email;
  call.role = caller->role;
  call.start_done = &done;
  std::optional<Result<ApiResponse>> response;
  try {
    response = routed->route->handler(call);
  } catch (const std::exception&) {
    // Thrown before a command took `done` (execute_async answers whatever happens to it):
    // handle() will answer the request, and report the error.
    if (!call.started) done(std::nullopt);
    return;
  }
  if (call.started) return;  // `done` now belongs to the command
  done(answer(std::move(*response),
              call.actor));  // refused before a command ran (the body, the headers)
}

std::variant<ApiResponse, std::unique_ptr<UploadSink>> Api::Impl::begin_upload(
    const ApiRequest& head) {
  // As handle(): authenticate before looking at the target.
  Result<Principal> caller = authenticate(head, Wait::kBlock);
  if (!caller) return answer(caller.status(), "");
  std::string allowed;
  Result<Routed> routed = route(head, split_target(head.target), &allowed);
  if (!routed) return answer(routed.status(), caller->email);
  if (routed->route->kind != RouteKind::kUpload) {
    return answer(invalid_argument("only POST /api/v1/evidence takes a streamed body"), "");
  }
  if (Status s = check_access(*routed->route, head, caller->role); !s.is_ok())
    return answer(s, caller->email);
  Call& call = routed->call;
  call.actor = caller->email;
  call.role = caller->role;
  Result<std::unique_ptr<UploadSink>> sink = begin_evidence_upload(call);
  if (!sink) return answer(sink.status(), call.actor);
  return std::move(*sink);
}

ApiResponse Api::Impl::upload_in_memory(Call& call) {
  Result<std::unique_ptr<UploadSink>> begun = begin_evidence_upload(call);
  if (!begun) return answer(begun.status(), call.actor);
  UploadSink& sink = **begun;
  const std::string& body = call.request.body;
  const uint64_t max_bytes = backend_.options.max_evidence_bytes;
  if (body.size() > max_bytes) {
    return sink.fail(too_large(fmt::format("the file is {} bytes; evidence may be at most {} bytes",
                                           body.size(), max_bytes)));
  }
  if (Status s = sink.write(body); !s.is_ok()) return sink.fail(s);
  return sink.finish();
}

Result<Principal> Api::Impl::authenticate(const ApiRequest& request, Wait wait,
                                          const std::string& acting_as) {
  if (!acting_as.empty()) {
    const std::string email = normalize_email(acting_as);
    GAPLOG_ASSIGN_OR_RETURN(
        std::optional<Role> role,
        backend_.commands.read([&](const ProgramState& s) -> std::optional<Role> {
          const UserState* u = s.user(email);
          if (u == nullptr || !u->active) return std::nullopt;
          return u->role;
        }));
    if (!role) {
      return Status(Code::kUnauthenticated,
                    fmt::format("{} is not an active user of this program; pass --as with one",
                                quoted_excerpt(email)));
    }
    return Principal{email, *role, ""};
  }
  const size_t authorizations = static_cast<size_t>(std::count_if(
      request.headers.begin(), request.headers.end(),
      [](const auto& h) { return equals_ignoring_ascii_case(h.first, "Authorization"); }));
  if (authorizations > 1) {
    // Which one would count is up to each server and proxy on the way: refuse rather than guess.
    return invalid_argument(
        fmt::format("the request has {} Authorization headers; send exactly one: "
                    "'Authorization: Bearer <token>'",
                    authorizations));
  }
  auto header = request.header("Authorization");
  if (!header) {
    // A person signed in to the dashboard: the session cookie, with CSRF rules for writes. Its
    // user's state is read caught up with the log, which may wait: not on the quick paths.
    if (wait == Wait::kNever && request.header("Cookie")) return Status(Code::kUnavailable, "busy");
    if (std::optional<Result<Principal>> by_session = session_principal(backend_, request))
      return std::move(*by_session);
    return Status(Code::kUnauthenticated,
                  "sign in, or send your API token in the header 'Authorization: Bearer <token>'");
  }
  std::string_view v = *header;
  constexpr std::string_view kBearer = "bearer ";
  if (v.size() < kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), v.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return Status(Code::kUnauthenticated, "the Authorization header must be 'Bearer <token>'");
  }
  v.remove_prefix(kBearer.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  Result<Principal> principal = Status(Code::kUnavailable, "busy");
  if (wait == Wait::kBlock) {
    principal = backend_.commands.authenticate(v);
  } else if (std::optional<Result<Principal>> quick = backend_.commands.try_authenticate(v)) {
    principal = std::move(*quick);
  }
  // kUnavailable: the caller retries the slow way.
  if (principal) backend_.sessions.token_used(principal->token_id);
  return principal;
}

Result<Api::Impl::Routed> Api::Impl::route(const ApiRequest& request, Target target,
                                           std::string* allowed) {
  if (!target.path.starts_with(kApiPrefix)) {
    return not_found(fmt::format("no such endpoint {}; the API lives under /api/v1/",
                                 quoted_excerpt(target.path)));
  }
  std::vector<std::string> segments;
  for (std::string_view rest = target.path.substr(kApiPrefix.size());;) {
    const size_t slash = rest.find('/');
    GAPLOG_ASSIGN_OR_RETURN(
        std::string segment,
        decode_target_part(rest.substr(0, slash), PlusSign::kLiteral, "the path"));
    segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  GAPLOG_ASSIGN_OR_RETURN(Query query, Query::parse(target.query));
  RouteTable::Match match = routes_.match(request.method, segments);
  if (match.route == nullptr && !match.allowed.empty()) {
    *allowed = match.allowed;
    return invalid_argument(fmt::format("method {} is not allowed on {}; use {}",
                                        quoted_excerpt(request.method), quoted_excerpt(target.path),
                                        match.allowed));
  }
  if (match.route == nullptr) {
    return not_found(fmt::format("no such endpoint {} {}; see the API table in the README",
                                 quoted_excerpt(request.method), quoted_excerpt(target.path)));
  }
  GAPLOG_RETURN_IF_ERROR(query.check_known(match.route->query));
  return Routed{match.route,
                Call{backend_, request, std::move(match.params), std::move(query), ""}};
}

std::string Api::Impl::route_of(const ApiRequest& head) const {
  const std::string_view path = split_target(head.target).path;
  if (path == kHealthPath || is_sign_in_path(path)) return std::string(path);
  if (!path.starts_with(kApiPrefix)) return "";
  std::vector<std::string> segments;
  for (std::string_view rest = path.substr(kApiPrefix.size());;) {
    const size_t slash = rest.find('/');
    Result<std::string> segment =
        decode_target_part(rest.substr(0, slash), PlusSign::kLiteral, "the path");
    if (!segment) return "";
    segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  // Whatever the method: a 405 on a route's path counts against the route.
  const std::string_view pattern = routes_.pattern_of(segments);
  if (pattern.empty()) return "";
  std::string route(kApiPrefix);
  for (std::string_view rest = pattern;;) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    route += segment == "{}" ? "{id}" : segment;
    if (slash == std::string_view::npos) break;
    route += '/';
    rest.remove_prefix(slash + 1);
  }
  return route;
}

ApiResponse Api::Impl::health(std::string_view method, std::string_view path) const {
  if (!method_matches("GET", method)) return method_not_allowed(method, path, "GET, HEAD");
  Value v =
      Value::object()
          .set("status", Value::string("ok"))
          .set("tree_size", Value::integer(static_cast<int64_t>(backend_.store.log->last_seq())));
  // The time of the last good backup, for a monitor's probe, when this server takes backups
  // (docs/backups.md); GET /admin/backups says more, to admins.
  if (backend_.backups != nullptr && !backend_.backups->settings().dir.empty()) {
    const std::optional<BackupOutcome> last = backend_.backups->report().last_good;
    v.set("last_backup_at",
          last ? Value::string(format_timestamp(last->finished_at)) : Value::null());
  }
  return json_response(200, v);
}

// ---- Api ----

Api::Api(Store& store, CommandService& service, ProgramHistory& history, Clock& clock,
         ApiParts parts, ApiOptions options)
    : options_(std::move(options)) {
  impl_ = std::make_unique<Impl>(store, service, history, clock, parts, options_);
}

Api::~Api() = default;

ApiResponse Api::handle(const ApiRequest& request) { return handle_as(request, ""); }

ApiResponse Api::handle_as(const ApiRequest& request, const std::string& actor) {
  try {
    return impl_->handle(request, actor);
  } catch (const std::exception& e) {
    return answer(internal_error(fmt::format("internal error: {}", e.what())), "");
  }
}

std::optional<ApiResponse> Api::try_quick(const ApiRequest& request) {
  try {
    return impl_->try_quick(request);
  } catch (const std::exception&) {
    return std::nullopt;  // handle() will answer it, and report the error
  }
}

void Api::start(const ApiRequest& request, StartDone done) { impl_->start(request, done); }

std::string Api::route_of(const ApiRequest& head) const {
  try {
    return impl_->route_of(head);
  } catch (const std::exception&) {
    return "";  // out of memory: the request is counted as "other"
  }
}

bool Api::streams_body(const ApiRequest& head) const { return impl_->streams_body(head); }

std::variant<ApiResponse, std::unique_ptr<UploadSink>> Api::begin_upload(const ApiRequest& head) {
  try {
    return impl_->begin_upload(head);
  } catch (const std::exception& e) {
    return answer(internal_error(fmt::format("internal error: {}", e.what())), "");
  }
}

}  // namespace gaplog
