#include "api/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "domain/catalog.h"
#include "domain/hex.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "codec/json.h"
#include "export/audit_bundle.h"
#include "codec/csv.h"
#include "views/json_views.h"
#include "export/poam.h"
#include "store/tree_head.h"

namespace gaplog {

using json::Value;

namespace {

constexpr std::string_view kApiPrefix = "/api/v1/";
// Events examined by one GET /events with filters before it answers with what it found and a
// next_after to continue from: a filter that matches nothing cannot make one request scan an
// unbounded log.
constexpr size_t kMaxEventsScanned = 50'000;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and '+' as a space in query strings). Rejects a malformed escape and
// a result that is not valid UTF-8 or contains control characters.
Result<std::string> percent_decode(std::string_view in, bool plus_is_space, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      const int hi = i + 2 < in.size() ? hex_digit(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return invalid_argument(fmt::format("{} has a malformed %-escape; write %XX with two hex digits", what));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!is_valid_utf8(out)) {
    return invalid_argument(fmt::format("{} is not valid UTF-8 once %-decoded", what));
  }
  for (unsigned char c : out) {
    if (c < 0x20 || c == 0x7f) {
      return invalid_argument(fmt::format("{} contains a control character; remove it", what));
    }
  }
  return out;
}

// The query string of a request: each parameter at most once; every parameter must be one the
// endpoint knows.
class Query {
 public:
  static Result<Query> parse(std::string_view text) {
    Query q;
    while (!text.empty()) {
      const size_t amp = text.find('&');
      std::string_view part = text.substr(0, amp);
      text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
      if (part.empty()) continue;
      const size_t eq = part.find('=');
      GAPLOG_ASSIGN_OR_RETURN(std::string key, percent_decode(part.substr(0, eq), true, "a query parameter name"));
      GAPLOG_ASSIGN_OR_RETURN(
          std::string value,
          percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true,
                         fmt::format("query parameter '{}'", std::string_view(key).substr(0, 40))));
      if (key == "ignore_column") {  // the one parameter that may be repeated
        q.repeated_[key].push_back(value);
      } else if (q.values_.count(key)) {
        return invalid_argument(fmt::format("query parameter '{}' is given twice; give it once",
                                            std::string_view(key).substr(0, 40)));
      }
      q.values_.emplace(std::move(key), std::move(value));
    }
    return q;
  }

  // Ok when every parameter is in `known`.
  Status check_known(const std::vector<std::string_view>& known) const {
    for (const auto& [k, v] : values_) {
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string list;
        for (std::string_view n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        return invalid_argument(fmt::format("unknown query parameter {}; {}", quoted_excerpt(k),
                                            known.empty() ? "this endpoint takes none"
                                                          : "this endpoint takes: " + list));
      }
    }
    return Status::ok();
  }

  const std::string* find(std::string_view key) const {
    auto it = values_.find(std::string(key));
    return it == values_.end() ? nullptr : &it->second;
  }

  std::string get(std::string_view key) const {
    const std::string* v = find(key);
    return v ? *v : std::string();
  }

  // Every value of a parameter that may be repeated (ignore_column), in order.
  std::vector<std::string> all(std::string_view key) const {
    auto it = repeated_.find(std::string(key));
    return it == repeated_.end() ? std::vector<std::string>() : it->second;
  }

 private:
  std::map<std::string, std::string> values_;                    // the first value of each
  std::map<std::string, std::vector<std::string>> repeated_;     // ignore_column
};

Result<uint64_t> parse_count(std::string_view field, std::string_view text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return invalid_argument(fmt::format("{} must be a whole number from {} to {}; got {}", field, min,
                                        max, quoted_excerpt(text)));
  }
  return v;
}

Result<Date> parse_date_param(std::string_view field, std::string_view text) {
  auto d = parse_date(text);
  if (!d) {
    return invalid_argument(fmt::format("{} must be a date YYYY-MM-DD; got {}", field, quoted_excerpt(text)));
  }
  return *d;
}

Result<Micros> parse_timestamp_param(std::string_view field, std::string_view text) {
  auto t = parse_timestamp(text);
  if (!t) {
    return invalid_argument(fmt::format("{} must be an RFC 3339 UTC timestamp such as "
                                        "2026-03-01T09:00:00Z; got {}",
                                        field, quoted_excerpt(text)));
  }
  return *t;
}

ApiResponse method_not_allowed(std::string_view method, std::string_view path, const std::string& allowed) {
  ApiResponse r;
  r.status = 405;
  r.body = json::write(Value::object().set(
      "error", Value::object()
                   .set("code", Value::string("method_not_allowed"))
                   .set("message", Value::string(fmt::format("method {} is not allowed on {}; use {}",
                                                             quoted_excerpt(method), quoted_excerpt(path), allowed)))));
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

Status auditor_refused() {
  return permission_denied("auditors read everything and change nothing; ask an admin or editor to make this change");
}

// SPEC §2: a non-admin who sends X-Occurred-At gets 403 whatever the time, before the header's
// value or the body is looked at. The domain refuses it as well; this only puts it first.
Status backfill_refused(const ApiRequest& request, Role role) {
  if (role == Role::kAdmin || !request.header("X-Occurred-At")) return Status::ok();
  return permission_denied("only admins may back-fill; send the request without X-Occurred-At");
}

ApiResponse json_response(int status, const Value& body) {
  ApiResponse r;
  r.status = status;
  r.body = json::write(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

std::string etag(uint32_t version) { return fmt::format("\"{}\"", version); }

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Every answer of the Api is about the program as it is now (or as the request's dates ask),
// for one user: no cache, shared or private, may keep it (SPEC §6).
ApiResponse no_store(ApiResponse response) {
  if (!response.header("Cache-Control")) response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// HEAD is answered wherever GET is, as GET is; the transport sends the head without the body.
bool method_matches(std::string_view route_method, std::string_view method) {
  return route_method == method || (route_method == "GET" && method == "HEAD");
}

// The ids a list is sorted and paged by, for its `after` cursor.
enum class ListId { kFinding, kEvidence, kControl, kUser };

// A list's `after` cursor must be an id of the list's shape ("" starts from the beginning): a
// typo or a cursor from another list is an error, not silently the first page.
Status check_after(ListId list, std::string_view after) {
  if (after.empty()) return Status::ok();
  Status checked;
  switch (list) {
    case ListId::kFinding:
      return check_numbered_id("after", after, "F");
    case ListId::kEvidence:
      return check_numbered_id("after", after, "E");
    case ListId::kControl:
      checked = check_control_id(after);
      break;
    case ListId::kUser:
      checked = check_email("after", after);
      break;
  }
  if (checked.is_ok()) return checked;
  return invalid_argument(fmt::format("after must be the id of the last item of the previous page "
                                      "(its next_after): {}",
                                      checked.message()));
}

// RFC 8187 encoding of a file name for Content-Disposition's filename* parameter.
std::string rfc8187(std::string_view s) {
  std::string out = "UTF-8''";
  for (unsigned char c : s) {
    if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class BlobBody final : public BodySource {
 public:
  explicit BlobBody(std::unique_ptr<BlobStore::Reader> reader) : reader_(std::move(reader)) {}
  Result<std::string> next(size_t max) override { return reader_->read(max); }

 private:
  std::unique_ptr<BlobStore::Reader> reader_;
};

}  // namespace

// One request on its way through the Api.
struct Call {
  const ApiRequest& request;
  std::vector<std::string> params;  // the {…} segments of the route, decoded
  Query query;
  std::string actor;  // the authenticated user's e-mail
  Role role = Role::kAuditor;
  // Set by start(): run() then executes the command without blocking, hands `start_done` to
  // the service and sets `started`; the handler's return value is then unused.
  RequestHandler::StartDone* start_done = nullptr;
  bool started = false;
};

class Api::Impl {
 public:
  Impl(Store& store, CommandService& service, ProgramHistory& history, Clock& clock,
       const ApiOptions& options)
      : store_(store), service_(service), history_(history), clock_(clock), options_(options) {
    build_routes();
  }

  ApiResponse handle(const ApiRequest& request, const std::string& acting_as = "");
  std::optional<ApiResponse> try_quick(const ApiRequest& request);
  void start(const ApiRequest& request, RequestHandler::StartDone& done);
  // An evidence upload whose body is already in memory (the CLI, tests, the fuzzer).
  ApiResponse upload_in_memory(const ApiRequest& request, const std::string& acting_as);
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(const ApiRequest& head,
                                                                      const std::string& acting_as = "");

 private:
  using Handler = ApiResponse (Impl::*)(Call&);
  struct Route {
    std::string method;
    std::vector<std::string> pattern;  // "{}" matches one segment
    std::vector<std::string_view> query;
    Handler handler;
    bool starts = false;  // the handler only runs one command through run(): start() may serve it
  };

  void build_routes();
  // Splits and decodes the target and finds its route. When the path exists but not for this
  // method, fails and fills `allowed` with the methods it takes (405).
  Result<std::pair<const Route*, Call>> route(const ApiRequest& request, std::string* allowed);
  // With `quick`, never blocks: kUnavailable "busy" when the answer would have to wait.
  // With `acting_as` (in-process callers only), acts as that user without a token.
  Result<std::string> authenticate(const ApiRequest& request, Role* role, bool quick = false,
                                   const std::string& acting_as = "");

  Date today() const { return date_of(clock_.now()); }
  ApiResponse healthz() const {
    return json_response(200, Value::object()
                                  .set("status", Value::string("ok"))
                                  .set("tree_size", Value::integer(static_cast<int64_t>(store_.log->last_seq()))));
  }
  // The cached current readiness, when it is current (seq and day) and its lock is free.
  std::optional<ApiResponse> cached_readiness(bool wait);
  Result<CommandOptions> command_options(const ApiRequest& request) const;
  Result<Value> body_object(const Call& call, bool may_be_empty) const;
  // Runs a command and answers with the entity it was about, as stored.
  ApiResponse run(Call& call, const Command& command, int status);
  // A write whose JSON body becomes a command: reads the body object, lets `read` take the
  // fields of `entity` and build the command, refuses unknown fields, then runs it.
  ApiResponse write_command(Call& call, std::string_view entity, int status,
                            const std::function<Result<Command>(json::ObjectReader&)>& read,
                            bool may_be_empty = false);
  ApiResponse written(const CommandOutcome& outcome, int status);

  // Calls fn(state, date) with the current state, or the state as of the `as_of` /
  // `as_known_at` query parameters.
  ApiResponse with_state(Call& call, const std::function<ApiResponse(const ProgramState&, Date)>& fn);
  // The same, also telling fn how many events of the log the state folds (as known at
  // `as_known_at`, or all of them).
  ApiResponse with_state(Call& call, const std::function<ApiResponse(const ProgramState&, Date, uint64_t)>& fn);
  Result<AsOf> as_of_params(const Call& call) const;

  // Endpoints.
  ApiResponse get_criteria(Call&);
  ApiResponse get_me(Call&);
  ApiResponse get_program(Call&);
  ApiResponse put_program(Call&);
  ApiResponse get_scope(Call&);
  ApiResponse put_scope(Call&);
  ApiResponse post_user(Call&);
  ApiResponse list_users(Call&);
  ApiResponse get_user(Call&);
  ApiResponse post_user_role(Call&);
  ApiResponse post_user_deactivate(Call&);
  ApiResponse post_user_token(Call&);
  ApiResponse delete_token(Call&);
  ApiResponse post_control(Call&);
  ApiResponse list_controls(Call&);
  ApiResponse get_control(Call&);
  ApiResponse patch_control(Call&);
  ApiResponse post_control_status(Call&);
  ApiResponse post_finding(Call&);
  ApiResponse post_findings_import(Call&);
  ApiResponse list_findings(Call&);
  ApiResponse get_finding(Call&);
  ApiResponse get_finding_history(Call&);
  ApiResponse patch_finding(Call&);
  ApiResponse post_finding_assign(Call&);
  ApiResponse post_finding_due_date(Call&);
  ApiResponse post_finding_status(Call&);
  ApiResponse post_finding_risk(Call&);
  ApiResponse post_finding_comment(Call&);
  ApiResponse list_evidence(Call&);
  ApiResponse get_evidence(Call&);
  ApiResponse get_evidence_content(Call&);
  ApiResponse post_evidence_link(Call&);
  ApiResponse post_evidence_unlink(Call&);
  ApiResponse get_readiness(Call&);
  ApiResponse get_workloads(Call&);
  ApiResponse get_timeline(Call&);
  ApiResponse get_roadmap(Call&);
  ApiResponse get_events(Call&);
  ApiResponse get_tree_head(Call&);
  ApiResponse get_inclusion(Call&);
  ApiResponse get_consistency(Call&);
  ApiResponse get_verify(Call&);
  ApiResponse get_poam(Call&);
  ApiResponse get_audit_bundle(Call&);
  ApiResponse link_evidence(Call& call, bool link);

  Store& store_;
  CommandService& service_;
  ProgramHistory& history_;
  Clock& clock_;
  const ApiOptions& options_;
  std::vector<Route> routes_;

  // The current readiness, as served, for a (tree size, day): the most frequent read.
  std::mutex readiness_mu_;
  uint64_t readiness_seq_ = UINT64_MAX;
  Date readiness_day_;
  std::string readiness_body_;

  class EvidenceUpload;
};

void Api::Impl::build_routes() {
  const std::vector<std::string_view> none;
  const std::vector<std::string_view> as_of{"as_of", "as_known_at"};
  const std::vector<std::string_view> page{"limit", "after", "as_of", "as_known_at"};
  auto add = [&](std::string method, std::string path, std::vector<std::string_view> query, Handler h) {
    std::vector<std::string> pattern;
    for (size_t i = 0; i < path.size();) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      pattern.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    routes_.push_back({std::move(method), std::move(pattern), std::move(query), h, false});
  };
  // A write whose handler runs one command through run().
  auto add_write = [&](std::string method, std::string path, Handler h) {
    add(std::move(method), std::move(path), none, h);
    routes_.back().starts = true;
  };
  add("GET", "criteria", none, &Impl::get_criteria);
  add("GET", "me", none, &Impl::get_me);
  add("GET", "program", as_of, &Impl::get_program);
  add_write("PUT", "program", &Impl::put_program);
  add("GET", "scope", as_of, &Impl::get_scope);
  add_write("PUT", "scope", &Impl::put_scope);
  add_write("POST", "users", &Impl::post_user);
  add("GET", "users", page, &Impl::list_users);
  add("GET", "users/{}", as_of, &Impl::get_user);
  add_write("POST", "users/{}/role", &Impl::post_user_role);
  add_write("POST", "users/{}/deactivate", &Impl::post_user_deactivate);
  add("POST", "users/{}/tokens", none, &Impl::post_user_token);
  add("DELETE", "tokens/{}", none, &Impl::delete_token);
  add_write("POST", "controls", &Impl::post_control);
  add("GET", "controls", page, &Impl::list_controls);
  add("GET", "controls/{}", as_of, &Impl::get_control);
  add_write("PATCH", "controls/{}", &Impl::patch_control);
  add_write("POST", "controls/{}/status", &Impl::post_control_status);
  add_write("POST", "findings", &Impl::post_finding);
  add("POST", "findings/import", {"dry_run", "ignore_column"}, &Impl::post_findings_import);
  add("GET", "findings",
      {"limit", "after", "as_of", "as_known_at", "status", "owner", "severity", "criterion", "overdue"},
      &Impl::list_findings);
  add("GET", "findings/{}", as_of, &Impl::get_finding);
  add("GET", "findings/{}/history", none, &Impl::get_finding_history);
  add_write("PATCH", "findings/{}", &Impl::patch_finding);
  add_write("POST", "findings/{}/assign", &Impl::post_finding_assign);
  add_write("POST", "findings/{}/due-date", &Impl::post_finding_due_date);
  add_write("POST", "findings/{}/status", &Impl::post_finding_status);
  add_write("POST", "findings/{}/risk-acceptance", &Impl::post_finding_risk);
  add_write("POST", "findings/{}/comments", &Impl::post_finding_comment);
  // POST evidence streams its body: see begin_upload(). Listed so that 405s name it.
  add("POST", "evidence", {"filename", "finding", "control", "collected_on", "valid_until"}, nullptr);
  add("GET", "evidence", page, &Impl::list_evidence);
  add("GET", "evidence/{}", as_of, &Impl::get_evidence);
  add("GET", "evidence/{}/content", none, &Impl::get_evidence_content);
  add_write("POST", "evidence/{}/links", &Impl::post_evidence_link);
  add_write("POST", "evidence/{}/unlinks", &Impl::post_evidence_unlink);
  add("GET", "readiness", as_of, &Impl::get_readiness);
  add("GET", "workloads", as_of, &Impl::get_workloads);
  add("GET", "timeline", {"from", "to", "step", "as_known_at"}, &Impl::get_timeline);
  add("GET", "roadmap", as_of, &Impl::get_roadmap);
  add("GET", "events", {"after", "limit", "stream", "actor", "type"}, &Impl::get_events);
  add("GET", "audit/tree-head", none, &Impl::get_tree_head);
  add("GET", "audit/inclusion", {"seq", "tree_size"}, &Impl::get_inclusion);
  add("GET", "audit/consistency", {"from", "to"}, &Impl::get_consistency);
  add("GET", "audit/verify", none, &Impl::get_verify);
  add("GET", "export/poam", as_of, &Impl::get_poam);
  add("GET", "export/audit-bundle", {"as_of"}, &Impl::get_audit_bundle);
}

Result<std::pair<const Api::Impl::Route*, Call>> Api::Impl::route(const ApiRequest& request,
                                                                   std::string* allowed_methods) {
  const std::string_view target = request.target;
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  if (!path.starts_with(kApiPrefix)) {
    return not_found(fmt::format("no such endpoint {}; the API lives under /api/v1/", quoted_excerpt(path)));
  }
  std::vector<std::string> segments;
  std::string_view rest = path.substr(kApiPrefix.size());
  while (true) {
    const size_t slash = rest.find('/');
    GAPLOG_ASSIGN_OR_RETURN(std::string seg, percent_decode(rest.substr(0, slash), false, "the path"));
    segments.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  GAPLOG_ASSIGN_OR_RETURN(Query q, Query::parse(query));
  std::vector<std::string> allowed;
  for (const Route& r : routes_) {
    if (r.pattern.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (r.pattern[i] == "{}") {
        if (segments[i].empty()) match = false;
        else params.push_back(segments[i]);
      } else {
        match = r.pattern[i] == segments[i];
      }
    }
    if (!match) continue;
    if (!method_matches(r.method, request.method)) {
      allowed.push_back(r.method);
      if (r.method == "GET") allowed.push_back("HEAD");
      continue;
    }
    GAPLOG_RETURN_IF_ERROR(q.check_known(r.query));
    return std::make_pair(&r, Call{request, std::move(params), std::move(q), "", Role::kAuditor});
  }
  if (!allowed.empty()) {
    std::string list;
    for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
    *allowed_methods = list;
    return Status(Code::kInvalidArgument,
                  fmt::format("method {} is not allowed on {}; use {}", quoted_excerpt(request.method),
                              quoted_excerpt(path), list));
  }
  return not_found(fmt::format("no such endpoint {} {}; see the API table in the README",
                               quoted_excerpt(request.method), quoted_excerpt(path)));
}

Result<std::string> Api::Impl::authenticate(const ApiRequest& request, Role* role, bool quick,
                                            const std::string& acting_as) {
  if (!acting_as.empty()) {
    const std::string email = normalize_email(acting_as);
    auto found = service_.read([&](const ProgramState& s) -> std::optional<Role> {
      const UserState* u = s.user(email);
      if (u == nullptr || !u->active) return std::nullopt;
      return u->role;
    });
    if (!found) return found.status();
    if (!*found) {
      return Status(Code::kUnauthenticated,
                    fmt::format("{} is not an active user of this program; pass --as with one", quoted_excerpt(email)));
    }
    *role = **found;
    return email;
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
    return Status(Code::kUnauthenticated,
                  "send your API token in the header 'Authorization: Bearer <token>'");
  }
  std::string_view v = *header;
  constexpr std::string_view kBearer = "bearer ";
  if (v.size() < kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), v.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return Status(Code::kUnauthenticated, "the Authorization header must be 'Bearer <token>'");
  }
  v.remove_prefix(kBearer.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::optional<Result<Principal>> principal;
  if (quick) {
    principal = service_.try_authenticate(v);
    if (!principal) return Status(Code::kUnavailable, "busy");  // the caller retries the slow way
  } else {
    principal = service_.authenticate(v);
  }
  if (!*principal) return principal->status();
  *role = (*principal)->role;
  return (*principal)->email;
}

Result<CommandOptions> Api::Impl::command_options(const ApiRequest& request) const {
  CommandOptions o;
  if (auto key = request.header("Idempotency-Key")) {
    if (key->empty() || key->size() > 200) {
      return invalid_argument("Idempotency-Key must be 1 to 200 characters (a UUID is best)");
    }
    o.idempotency_key = std::string(*key);
  }
  if (auto m = request.header("If-Match")) {
    std::string_view v = *m;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    GAPLOG_ASSIGN_OR_RETURN(uint64_t version, parse_count("If-Match", v, 0, UINT32_MAX));
    o.if_match = static_cast<uint32_t>(version);
  }
  if (auto t = request.header("X-Occurred-At")) {
    GAPLOG_ASSIGN_OR_RETURN(Micros at, parse_timestamp_param("X-Occurred-At", *t));
    o.occurred_at = at;
  }
  return o;
}

Result<Value> Api::Impl::body_object(const Call& call, bool may_be_empty) const {
  const ApiRequest& r = call.request;
  if (auto type = r.header("Content-Type")) {
    std::string_view t = *type;
    t = t.substr(0, t.find(';'));
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    std::string lower(t);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower != "application/json") {
      return invalid_argument(fmt::format("the body must be JSON; send Content-Type: application/json, "
                                          "not {}", quoted_excerpt(*type)));
    }
  }
  if (r.body.size() > options_.max_json_bytes) {
    return too_large(fmt::format("the body is {} bytes; a JSON body may be at most {}", r.body.size(),
                                 options_.max_json_bytes));
  }
  if (may_be_empty && r.body.find_first_not_of(" \t\r\n") == std::string::npos) return Value::object();
  json::ParseLimits limits;
  limits.max_bytes = options_.max_json_bytes;
  GAPLOG_ASSIGN_OR_RETURN(Value v, json::parse(r.body, limits));
  if (!v.is_object()) {
    return invalid_argument(fmt::format("the body must be a JSON object, not {}", json::kind_name(v.kind())));
  }
  return v;
}

ApiResponse Api::Impl::write_command(Call& call, std::string_view entity, int status,
                                     const std::function<Result<Command>(json::ObjectReader&)>& read,
                                     bool may_be_empty) {
  auto body = body_object(call, may_be_empty);
  if (!body) return error_response(body.status());
  json::ObjectReader reader(*body, std::string(entity));
  auto command = read(reader);
  if (!command) return error_response(command.status());
  if (Status s = reader.finish(); !s.is_ok()) return error_response(s);
  return run(call, *command, status);
}

ApiResponse Api::Impl::run(Call& call, const Command& command, int status) {
  auto options = command_options(call.request);
  if (!options) return error_response(options.status());
  if (call.start_done != nullptr) {
    call.started = true;
    service_.execute_async(
        call.actor, command, *options,
        [this, status, actor = call.actor, done = std::move(*call.start_done)](
            std::optional<Result<CommandOutcome>> outcome) {
          if (!outcome) return done(std::nullopt);
          std::optional<ApiResponse> response;
          try {
            response = *outcome ? written(**outcome, status) : error_response(outcome->status());
          } catch (const std::exception& e) {
            response = error_response(internal_error(fmt::format("internal error: {}", e.what())));
          }
          response->user = actor;
          done(std::move(response));
        });
    return ApiResponse{};
  }
  auto outcome = service_.execute(call.actor, command, *options);
  if (!outcome) return error_response(outcome.status());
  return written(*outcome, status);
}

ApiResponse Api::Impl::written(const CommandOutcome& outcome, int status) {
  const std::string& subject = outcome.subject;
  const Date d = today();
  auto read_entity = service_.read([&](const ProgramState& s) -> Value {
    auto id_of = [&](std::string_view prefix) -> std::optional<std::string> {
      if (!subject.starts_with(prefix)) return std::nullopt;
      return subject.substr(prefix.size());
    };
    if (auto id = id_of("finding/")) {
      if (const FindingState* f = s.finding(*id)) return finding_json(s, *f, d);
    } else if (auto id = id_of("control/")) {
      if (const ControlState* c = s.control(*id)) return control_json(s, *c);
    } else if (auto id = id_of("evidence/")) {
      if (const EvidenceState* e = s.evidence_item(*id)) return evidence_json(*e, d);
    } else if (auto id = id_of("user/")) {
      if (const UserState* u = s.user(*id)) return user_json(s, *u);
    } else if (subject == "program") {
      return scope_json(s);
    }
    return Value::object();
  });
  // Written, but the state cannot be read back: say so rather than answer without the entity.
  if (!read_entity) return error_response(read_entity.status());
  Value entity = std::move(*read_entity);
  // The version this command wrote: a later writer may already have moved the entity on, and
  // an If-Match sent with this version must then be refused, not silently accepted.
  uint32_t version = 0;
  for (const Event& e : outcome.events) {
    if (e.stream == subject) version = e.version;
  }
  entity.set("version", Value::integer(version));
  entity.set("seq", Value::integer(outcome.events.empty() ? 0 : static_cast<int64_t>(outcome.events.back().seq)));
  ApiResponse r = json_response(status, entity);
  r.headers.emplace_back("ETag", etag(version));
  if (status == 201 && subject.find('/') != std::string::npos) {
    const std::string kind = subject.substr(0, subject.find('/'));
    const std::string plural = kind == "evidence" ? kind : kind + "s";
    r.headers.emplace_back("Location", fmt::format("/api/v1/{}/{}", plural, subject.substr(kind.size() + 1)));
  }
  return r;
}

Result<AsOf> Api::Impl::as_of_params(const Call& call) const {
  AsOf a{today(), std::nullopt};
  if (const std::string* d = call.query.find("as_of")) {
    GAPLOG_ASSIGN_OR_RETURN(a.date, parse_date_param("as_of", *d));
  }
  if (const std::string* t = call.query.find("as_known_at")) {
    GAPLOG_ASSIGN_OR_RETURN(Micros at, parse_timestamp_param("as_known_at", *t));
    a.known_at = at;
  }
  return a;
}

ApiResponse Api::Impl::with_state(Call& call,
                                  const std::function<ApiResponse(const ProgramState&, Date)>& fn) {
  return with_state(call, [&](const ProgramState& s, Date d, uint64_t) { return fn(s, d); });
}

ApiResponse Api::Impl::with_state(Call& call,
                                  const std::function<ApiResponse(const ProgramState&, Date, uint64_t)>& fn) {
  auto as_of = as_of_params(call);
  if (!as_of) return error_response(as_of.status());
  if (!call.query.find("as_of") && !call.query.find("as_known_at")) {
    return answered(service_.read_with_seq([&](const ProgramState& s, uint64_t seq) { return fn(s, as_of->date, seq); }));
  }
  auto state = history_.state_at(*as_of);
  if (!state) return error_response(state.status());
  auto seq = as_of->known_at ? count_recorded_before(*store_.log, *as_of->known_at + 1)
                             : Result<uint64_t>(store_.log->last_seq());
  if (!seq) return error_response(seq.status());
  return fn(*state, as_of->date, *seq);
}

// ---- program, scope, users, tokens ----

template <typename Item, typename Fn>
ApiResponse page_response(const Result<Page<Item>>& p, Fn item_json) {
  if (!p) return error_response(p.status());
  Value items = Value::array();
  for (const Item* i : p->items) items.push(item_json(*i));
  return json_response(200, Value::object().set("items", std::move(items))
                                .set("next_after", p->next_after ? Value::string(*p->next_after) : Value::null()));
}

Result<PageRequest> page_params(const Call& call, ListId list) {
  PageRequest page;
  if (const std::string* l = call.query.find("limit")) {
    GAPLOG_ASSIGN_OR_RETURN(page.limit, parse_count("limit", *l, 1, kMaxPageSize));
  }
  page.after = call.query.get("after");
  GAPLOG_RETURN_IF_ERROR(check_after(list, page.after));
  return page;
}


ApiResponse Api::Impl::get_criteria(Call&) {
  Value items = Value::array();
  for (const Criterion& c : tsc_catalog()) {
    items.push(Value::object()
                   .set("id", Value::string(std::string(c.id)))
                   .set("category", Value::string(std::string(name(c.category))))
                   .set("title", Value::string(std::string(c.title))));
  }
  return json_response(200, Value::object().set("items", std::move(items)));
}

ApiResponse Api::Impl::get_me(Call& call) {
  return answered(service_.read([&](const ProgramState& s) {
    const UserState* u = s.user(call.actor);
    if (!u) return error_response(not_found("you are not a user of this program"));
    return json_response(200, user_json(s, *u));
  }));
}

ApiResponse Api::Impl::get_program(Call& call) {
  return with_state(call, [](const ProgramState& s, Date) { return json_response(200, scope_json(s)); });
}

ApiResponse Api::Impl::put_program(Call& call) {
  return write_command(call, "program", 200, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string name, r.required_string("name"));
    return Command(NameProgram{name});
  });
}

ApiResponse Api::Impl::get_scope(Call& call) {
  return with_state(call, [](const ProgramState& s, Date) {
    Value v = scope_json(s);
    return json_response(200, Value::object().set("categories", *v.find("categories")).set("version", *v.find("version")));
  });
}

ApiResponse Api::Impl::put_scope(Call& call) {
  return write_command(call, "scope", 200, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto categories, r.required_string_list("categories"));
    return Command(SetScope{categories});
  });
}

ApiResponse Api::Impl::post_user(Call& call) {
  return write_command(call, "user", 201, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string email, r.required_string("email"));
    GAPLOG_ASSIGN_OR_RETURN(std::string name, r.required_string("name"));
    GAPLOG_ASSIGN_OR_RETURN(std::string role, r.required_string("role"));
    return Command(AddUser{email, name, role});
  });
}

ApiResponse Api::Impl::list_users(Call& call) {
  auto page = page_params(call, ListId::kUser);
  if (!page) return error_response(page.status());
  page->after = normalize_email(page->after);
  return with_state(call, [&](const ProgramState& s, Date) {
    return page_response(gaplog::list_users(s, *page), [&](const UserState& u) { return user_json(s, u); });
  });
}

ApiResponse Api::Impl::get_user(Call& call) {
  const std::string email = normalize_email(call.params[0]);
  return with_state(call, [&](const ProgramState& s, Date) {
    const UserState* u = s.user(email);
    if (!u) return error_response(not_found(fmt::format("there is no user {}", quoted_excerpt(email))));
    ApiResponse r = json_response(200, user_json(s, *u));
    r.headers.emplace_back("ETag", etag(u->version));
    return r;
  });
}

ApiResponse Api::Impl::post_user_role(Call& call) {
  return write_command(call, "role change", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string role, r.required_string("role"));
    return Command(ChangeUserRole{call.params[0], role});
  });
}

ApiResponse Api::Impl::post_user_deactivate(Call& call) {
  return write_command(call, "deactivation", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    return Command(DeactivateUser{call.params[0], reason.value_or("")});
  }, /*may_be_empty=*/true);
}

ApiResponse Api::Impl::post_user_token(Call& call) {
  auto body = body_object(call, true);
  if (!body) return error_response(body.status());
  if (Status s = json::ObjectReader(*body, "token request").finish(); !s.is_ok()) return error_response(s);
  auto options = command_options(call.request);
  if (!options) return error_response(options.status());
  auto issued = service_.issue_token(call.actor, call.params[0], *options);
  if (!issued) return error_response(issued.status());
  const Event& e = issued->outcome.events.back();
  ApiResponse r = json_response(
      201, Value::object()
               .set("token_id", Value::string(issued->token_id))
               .set("token", Value::string(issued->token))
               .set("email", Value::string(std::get<TokenIssued>(e.payload).email))
               .set("seq", Value::integer(static_cast<int64_t>(e.seq))));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

ApiResponse Api::Impl::delete_token(Call& call) {
  if (!call.request.body.empty()) {
    return error_response(invalid_argument("DELETE takes no body; send the request without one"));
  }
  auto options = command_options(call.request);
  if (!options) return error_response(options.status());
  auto outcome = service_.execute(call.actor, RevokeToken{call.params[0]}, *options);
  if (!outcome) return error_response(outcome.status());
  const Event& e = outcome->events.back();
  return json_response(200, Value::object()
                                .set("token_id", Value::string(call.params[0]))
                                .set("email", Value::string(std::get<TokenRevoked>(e.payload).email))
                                .set("revoked", Value::boolean(true))
                                .set("seq", Value::integer(static_cast<int64_t>(e.seq))));
}

// ---- controls ----

ApiResponse Api::Impl::post_control(Call& call) {
  return write_command(call, "control", 201, [](json::ObjectReader& r) -> Result<Command> {
    DefineControl c;
    GAPLOG_ASSIGN_OR_RETURN(c.id, r.required_string("id"));
    GAPLOG_ASSIGN_OR_RETURN(c.title, r.required_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(auto description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(c.criteria, r.required_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(auto status, r.optional_string("status"));
    c.description = description.value_or("");
    c.status = status.value_or("");
    return Command(std::move(c));
  });
}

ApiResponse Api::Impl::list_controls(Call& call) {
  auto page = page_params(call, ListId::kControl);
  if (!page) return error_response(page.status());
  return with_state(call, [&](const ProgramState& s, Date) {
    return page_response(gaplog::list_controls(s, *page), [&](const ControlState& c) { return control_json(s, c); });
  });
}

ApiResponse Api::Impl::get_control(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date) {
    const ControlState* c = s.control(call.params[0]);
    if (!c) {
      return error_response(not_found(fmt::format("there is no control {}", quoted_excerpt(call.params[0]))));
    }
    ApiResponse r = json_response(200, control_json(s, *c));
    r.headers.emplace_back("ETag", etag(c->version));
    return r;
  });
}

ApiResponse Api::Impl::patch_control(Call& call) {
  return write_command(call, "control update", 200, [&](json::ObjectReader& r) -> Result<Command> {
    UpdateControl c;
    c.id = call.params[0];
    GAPLOG_ASSIGN_OR_RETURN(c.title, r.optional_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(c.description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(c.criteria, r.optional_string_list("criteria"));
    return Command(std::move(c));
  });
}

ApiResponse Api::Impl::post_control_status(Call& call) {
  return write_command(call, "control status change", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string status, r.required_string("status"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    return Command(SetControlStatus{call.params[0], status, reason.value_or("")});
  });
}

// ---- findings ----

ApiResponse Api::Impl::post_finding(Call& call) {
  return write_command(call, "finding", 201, [](json::ObjectReader& r) -> Result<Command> {
    RecordFinding f;
    GAPLOG_ASSIGN_OR_RETURN(f.title, r.required_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(auto description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(f.severity, r.required_string("severity"));
    GAPLOG_ASSIGN_OR_RETURN(f.criteria, r.required_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(auto control, r.nullable_string("control"));
    GAPLOG_ASSIGN_OR_RETURN(auto source, r.optional_string("source"));
    GAPLOG_ASSIGN_OR_RETURN(auto owner, r.nullable_string("owner"));
    GAPLOG_ASSIGN_OR_RETURN(auto due, r.nullable_string("due_date"));
    GAPLOG_ASSIGN_OR_RETURN(auto recommendation, r.nullable_string("recommendation"));
    f.recommendation = recommendation.value.value_or("");
    f.description = description.value_or("");
    f.control = control.value.value_or("");
    f.source = source.value_or("");
    f.owner = owner.value.value_or("");
    f.due_date = due.value.value_or("");
    return Command(std::move(f));
  });
}

// The gap-assessment spreadsheet (docs/import.md): one finding per row, all or nothing.
ApiResponse Api::Impl::post_findings_import(Call& call) {
  const ApiRequest& r = call.request;
  bool dry_run = false;
  if (const std::string* v = call.query.find("dry_run")) {
    if (*v != "true" && *v != "false") {
      return error_response(invalid_argument(fmt::format("dry_run must be true or false; got {}", quoted_excerpt(*v))));
    }
    dry_run = *v == "true";
  }
  if (r.body.size() > options_.max_json_bytes) {
    return error_response(too_large(fmt::format("the file is {} bytes; an import may be at most {}", r.body.size(),
                                                options_.max_json_bytes)));
  }
  if (!is_valid_utf8(r.body)) return error_response(invalid_argument("the file is not valid UTF-8; save it as UTF-8 CSV"));
  auto records = parse_csv(r.body);
  if (!records) return error_response(records.status());
  if (records->empty()) return error_response(invalid_argument("the file is empty; the first line names the columns"));

  // The header: known columns and their aliases in any order and case, every problem at once.
  const CsvRecord& header = records->front();
  auto matched = match_import_header(header, call.query.all("ignore_column"));
  if (!matched) return error_response(matched.status());
  const std::map<std::string, size_t>& column = *matched;

  std::vector<Command> commands;
  std::vector<size_t> lines;
  Value rows = Value::array();  // per finding: its line, the sheet's reference, title, severity; then its id
  Value problems = Value::array();
  // "High", "Document Review": a sheet's spelling of an enum value, in the spec's.
  auto import_enum = [](std::string v) {
    for (char& c : v) c = c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  auto field = [&](const CsvRecord& rec, const std::string& name) -> std::string {
    auto it = column.find(name);
    if (it == column.end() || it->second >= rec.fields.size()) return "";
    std::string v = rec.fields[it->second];
    const size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
    return b == std::string::npos ? "" : v.substr(b, e - b + 1);
  };
  for (size_t k = 1; k < records->size(); ++k) {
    const CsvRecord& rec = (*records)[k];
    if (rec.fields.size() != header.fields.size()) {
      problems.push(Value::object().set("line", Value::integer(static_cast<int64_t>(rec.line)))
                        .set("message", Value::string(fmt::format("has {} fields; the header has {}", rec.fields.size(),
                                                                  header.fields.size()))));
      continue;
    }
    RecordFinding f;
    f.title = field(rec, "title");
    f.description = field(rec, "description");
    f.recommendation = field(rec, "recommendation");
    f.severity = import_enum(field(rec, "severity"));
    std::string criteria = field(rec, "criteria");
    std::replace(criteria.begin(), criteria.end(), ',', ' ');
    std::replace(criteria.begin(), criteria.end(), ';', ' ');
    std::istringstream words(criteria);
    for (std::string c; words >> c;) f.criteria.push_back(c);
    f.control = field(rec, "control");
    f.source = import_enum(field(rec, "source"));
    f.owner = field(rec, "owner");
    f.due_date = field(rec, "due_date");
    const std::string reference = field(rec, "reference");
    rows.push(Value::object()
                  .set("line", Value::integer(static_cast<int64_t>(rec.line)))
                  .set("reference", reference.empty() ? Value::null() : Value::string(reference))
                  .set("title", Value::string(f.title))
                  .set("severity", Value::string(f.severity)));
    commands.push_back(std::move(f));
    lines.push_back(rec.line);
  }
  // X-Occurred-At back-fills every finding of the file; an Idempotency-Key makes a retry safe.
  auto options = command_options(call.request);
  if (!options) return error_response(options.status());
  if (options->if_match) {
    return error_response(invalid_argument("If-Match names one entity's version; an import creates findings, "
                                           "so send it without If-Match"));
  }
  std::vector<std::pair<size_t, Status>> refusals;
  auto outcome = service_.execute_batch(call.actor, commands, dry_run || problems.items().size() > 0, &refusals,
                                        *options);
  for (const auto& [index, status] : refusals) {
    problems.push(Value::object().set("line", Value::integer(static_cast<int64_t>(lines[index])))
                      .set("message", Value::string(status.message())));
  }
  if (!problems.items().empty()) {
    std::sort(problems.items().begin(), problems.items().end(), [](const Value& a, const Value& b) {
      return a.find("line")->as_integer() < b.find("line")->as_integer();
    });
    const bool forbidden = !refusals.empty() && std::all_of(refusals.begin(), refusals.end(), [](const auto& p) {
      return p.second.code() == Code::kPermissionDenied;
    });
    ApiResponse resp = json_response(
        forbidden ? 403 : 422,
        Value::object().set("error", Value::object()
                                         .set("code", Value::string(forbidden ? "forbidden" : "rule_violation"))
                                         .set("message", Value::string(fmt::format(
                                                             "{} of {} rows cannot be imported; nothing was imported. "
                                                             "Fix the rows listed and import the file again",
                                                             problems.items().size(), records->size() - 1)))
                                         .set("rows", std::move(problems))));
    return resp;
  }
  if (!outcome) return error_response(outcome.status());
  Value ids = Value::array();
  for (const Event& e : outcome->events) {
    if (auto* f = std::get_if<FindingRecorded>(&e.payload)) {
      if (ids.items().size() < rows.items().size()) rows.items()[ids.items().size()].set("id", Value::string(f->finding_id));
      ids.push(Value::string(f->finding_id));
    }
  }
  Value body = Value::object().set("dry_run", Value::boolean(dry_run)).set("count", Value::integer(static_cast<int64_t>(ids.items().size())));
  body.set("ids", std::move(ids));
  body.set("findings", std::move(rows));
  if (!dry_run && !outcome->events.empty()) body.set("seq", Value::integer(static_cast<int64_t>(outcome->events.back().seq)));
  return json_response(dry_run ? 200 : 201, body);
}

ApiResponse Api::Impl::list_findings(Call& call) {
  auto page = page_params(call, ListId::kFinding);
  if (!page) return error_response(page.status());
  FindingFilter filter;
  if (const std::string* v = call.query.find("status")) {
    filter.status = parse_finding_status(*v);
    if (!filter.status) {
      return error_response(invalid_argument(fmt::format(
          "status must be open, in_progress, remediated, closed or risk_accepted; got {}", quoted_excerpt(*v))));
    }
  }
  if (const std::string* v = call.query.find("severity")) {
    filter.severity = parse_severity(*v);
    if (!filter.severity) {
      return error_response(invalid_argument(
          fmt::format("severity must be critical, high, medium or low; got {}", quoted_excerpt(*v))));
    }
  }
  if (const std::string* v = call.query.find("owner")) filter.owner = normalize_email(*v);
  if (const std::string* v = call.query.find("criterion")) {
    if (!find_criterion(*v)) {
      return error_response(invalid_argument(fmt::format(
          "criterion {} is not in the TSC catalog; GET /api/v1/criteria lists them", quoted_excerpt(*v))));
    }
    filter.criterion = *v;
  }
  if (const std::string* v = call.query.find("overdue")) {
    if (*v != "true" && *v != "false") {
      return error_response(invalid_argument(fmt::format("overdue must be true or false; got {}", quoted_excerpt(*v))));
    }
    filter.overdue_only = *v == "true";
  }
  return with_state(call, [&](const ProgramState& s, Date d) {
    return page_response(gaplog::list_findings(s, d, filter, *page),
                         [&](const FindingState& f) { return finding_json(s, f, d); });
  });
}

ApiResponse Api::Impl::get_finding(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) {
    const FindingState* f = s.finding(call.params[0]);
    if (!f) {
      return error_response(not_found(fmt::format("there is no finding {}", quoted_excerpt(call.params[0]))));
    }
    ApiResponse r = json_response(200, finding_json(s, *f, d));
    r.headers.emplace_back("ETag", etag(f->version));
    return r;
  });
}

ApiResponse Api::Impl::get_finding_history(Call& call) {
  const std::string& id = call.params[0];
  const auto exists = service_.read([&](const ProgramState& s) { return s.finding(id) != nullptr; });
  if (!exists) return error_response(exists.status());
  if (!*exists) return error_response(not_found(fmt::format("there is no finding {}", quoted_excerpt(id))));
  auto events = store_.log->read_stream(finding_stream(id), 1);
  if (!events) return error_response(events.status());
  Value items = Value::array();
  for (const Event& e : *events) {
    auto leaf = store_.log->leaf_hash(e.seq);
    if (!leaf) return error_response(leaf.status());
    items.push(event_json(e, *leaf));
  }
  return json_response(200, Value::object().set("id", Value::string(id)).set("events", std::move(items)));
}

ApiResponse Api::Impl::patch_finding(Call& call) {
  return write_command(call, "finding update", 200, [&](json::ObjectReader& r) -> Result<Command> {
    UpdateFinding f;
    f.id = call.params[0];
    GAPLOG_ASSIGN_OR_RETURN(f.title, r.optional_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(f.description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(f.severity, r.optional_string("severity"));
    GAPLOG_ASSIGN_OR_RETURN(f.criteria, r.optional_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(auto control, r.nullable_string("control"));
    if (control.present) f.control = control.value.value_or("");
    GAPLOG_ASSIGN_OR_RETURN(auto recommendation, r.nullable_string("recommendation"));
    if (recommendation.present) f.recommendation = recommendation.value.value_or("");
    return Command(std::move(f));
  });
}

ApiResponse Api::Impl::post_finding_assign(Call& call) {
  return write_command(call, "assignment", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto owner, r.nullable_string("owner"));
    GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
    if (owner.is_absent()) return invalid_argument("owner is required: an e-mail, or null to unassign");
    return Command(AssignFinding{call.params[0], owner.value.value_or("")});
  });
}

ApiResponse Api::Impl::post_finding_due_date(Call& call) {
  return write_command(call, "due date", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto due, r.nullable_string("due_date"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
    if (due.is_absent()) return invalid_argument("due_date is required: YYYY-MM-DD, or null to clear it");
    return Command(SetFindingDueDate{call.params[0], due.value.value_or(""), reason.value_or("")});
  });
}

ApiResponse Api::Impl::post_finding_status(Call& call) {
  return write_command(call, "status change", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string status, r.required_string("status"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    return Command(ChangeFindingStatus{call.params[0], status, reason.value_or("")});
  });
}

ApiResponse Api::Impl::post_finding_risk(Call& call) {
  return write_command(call, "risk acceptance", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string justification, r.required_string("justification"));
    GAPLOG_ASSIGN_OR_RETURN(std::string expires, r.required_string("expires_on"));
    return Command(AcceptRisk{call.params[0], justification, expires});
  });
}

ApiResponse Api::Impl::post_finding_comment(Call& call) {
  return write_command(call, "comment", 201, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string text, r.required_string("text"));
    return Command(AddComment{call.params[0], text});
  });
}

// ---- evidence ----

ApiResponse Api::Impl::list_evidence(Call& call) {
  auto page = page_params(call, ListId::kEvidence);
  if (!page) return error_response(page.status());
  return with_state(call, [&](const ProgramState& s, Date d) {
    return page_response(gaplog::list_evidence(s, *page), [&](const EvidenceState& e) { return evidence_json(e, d); });
  });
}

ApiResponse Api::Impl::get_evidence(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) {
    const EvidenceState* e = s.evidence_item(call.params[0]);
    if (!e) {
      return error_response(not_found(fmt::format("there is no evidence {}", quoted_excerpt(call.params[0]))));
    }
    ApiResponse r = json_response(200, evidence_json(*e, d));
    r.headers.emplace_back("ETag", etag(e->version));
    return r;
  });
}

ApiResponse Api::Impl::get_evidence_content(Call& call) {
  struct Meta {
    std::string sha256, filename, media_type;
  };
  auto meta = service_.read([&](const ProgramState& s) -> std::optional<Meta> {
    const EvidenceState* e = s.evidence_item(call.params[0]);
    if (!e) return std::nullopt;
    return Meta{e->sha256, e->filename, e->media_type};
  });
  if (!meta) return error_response(meta.status());
  if (!*meta) {
    return error_response(not_found(fmt::format("there is no evidence {}", quoted_excerpt(call.params[0]))));
  }
  auto reader = store_.blobs->open_blob((*meta)->sha256);
  if (!reader) return error_response(reader.status());
  ApiResponse r;
  r.stream_size = (*reader)->size();
  r.stream = std::make_unique<BlobBody>(std::move(*reader));
  // The media type was checked when uploaded (type/subtype and parameters, no control
  // characters), so it is safe in a header; the sandbox keeps a hostile file from running as a
  // page of this origin if a browser is told to open it.
  r.headers.emplace_back("Content-Type", (*meta)->media_type);
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"; filename*={}",
                                     safe_download_name((*meta)->filename), rfc8187((*meta)->filename)));
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  r.headers.emplace_back("ETag", fmt::format("\"{}\"", (*meta)->sha256));
  return r;
}

ApiResponse Api::Impl::link_evidence(Call& call, bool link) {
  return write_command(call, link ? "evidence link" : "evidence unlink", 200,
                       [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto finding, r.optional_string("finding"));
    GAPLOG_ASSIGN_OR_RETURN(auto control, r.optional_string("control"));
    GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
    if (finding.has_value() == control.has_value()) {
      return invalid_argument("send exactly one of {\"finding\": id} or {\"control\": id}");
    }
    const std::string f = finding.value_or(""), c = control.value_or("");
    if (link) return Command(LinkEvidence{call.params[0], f, c});
    return Command(UnlinkEvidence{call.params[0], f, c});
  });
}

ApiResponse Api::Impl::post_evidence_link(Call& call) { return link_evidence(call, true); }
ApiResponse Api::Impl::post_evidence_unlink(Call& call) { return link_evidence(call, false); }

// An evidence upload: the body streams into the blob store; the command runs when it is complete.
class Api::Impl::EvidenceUpload final : public UploadSink {
 public:
  EvidenceUpload(Api::Impl& api, std::string actor, UploadEvidence command, CommandOptions options,
                 std::unique_ptr<BlobStore::Upload> upload)
      : api_(api), actor_(std::move(actor)), command_(std::move(command)),
        options_(std::move(options)), upload_(std::move(upload)) {}

  Status write(std::string_view bytes) override { return upload_->append(bytes); }

  ApiResponse finish() override {
    auto blob = upload_->finish();
    if (!blob) return fail(blob.status());
    command_.sha256 = blob->sha256;
    command_.size = blob->size;
    auto outcome = api_.service_.execute(actor_, command_, options_);
    if (!outcome) return fail(outcome.status());
    ApiResponse r = no_store(api_.written(*outcome, 201));
    r.user = actor_;
    return r;
  }

  ApiResponse fail(const Status& status) override {
    ApiResponse r = no_store(error_response(status));
    r.user = actor_;
    return r;
  }

 private:
  Api::Impl& api_;
  std::string actor_;
  UploadEvidence command_;
  CommandOptions options_;
  std::unique_ptr<BlobStore::Upload> upload_;
};

std::variant<ApiResponse, std::unique_ptr<UploadSink>> Api::Impl::begin_upload(const ApiRequest& head,
                                                                                const std::string& acting_as) {
  // As handle(): authenticate before looking at the target.
  Role role;
  auto actor = authenticate(head, &role, false, acting_as);
  if (!actor) return error_response(actor.status());
  std::string allowed;
  auto routed = route(head, &allowed);
  if (!routed) {
    ApiResponse r = error_response(routed.status());
    r.user = *actor;
    return r;
  }
  if (routed->first->handler != nullptr) {
    return error_response(invalid_argument("only POST /api/v1/evidence takes a streamed body"));
  }
  Call& call = routed->second;
  call.actor = *actor;
  if (role == Role::kAuditor) {
    ApiResponse refused = error_response(auditor_refused());
    refused.user = call.actor;
    return refused;
  }
  if (Status s = backfill_refused(head, role); !s.is_ok()) {
    ApiResponse refused = error_response(s);
    refused.user = call.actor;
    return refused;
  }
  auto refuse = [&](const Status& s) {
    ApiResponse r = error_response(s);
    r.user = call.actor;
    return r;
  };
  if (!call.query.find("filename")) {
    return refuse(invalid_argument("name the file: POST /api/v1/evidence?filename=report.pdf"));
  }
  if (auto length = head.header("Content-Length")) {
    auto n = parse_count("Content-Length", *length, 0, UINT64_MAX);
    if (!n) return refuse(n.status());
    if (*n > options_.max_evidence_bytes) {
      return refuse(too_large(fmt::format("the file is {} bytes; evidence may be at most {} bytes",
                                          *n, options_.max_evidence_bytes)));
    }
  }
  auto options = command_options(head);
  if (!options) return refuse(options.status());
  UploadEvidence command;
  command.filename = call.query.get("filename");
  command.finding = call.query.get("finding");
  command.control = call.query.get("control");
  command.collected_on = call.query.get("collected_on");
  command.valid_until = call.query.get("valid_until");
  command.media_type = std::string(head.header("Content-Type").value_or("application/octet-stream"));
  // Everything but the bytes is checked now, against the current state, so a refused upload
  // (an auditor, a contributor's link to someone else's finding, a bad date) stores nothing.
  // The command is decided again, for real, once the bytes are in.
  UploadEvidence probe = command;
  probe.sha256 = std::string(64, '0');
  const CommandContext ctx{normalize_email(call.actor), clock_.now(), options->occurred_at};
  Status checked = service_.read([&](const ProgramState& s) { return decide(s, ctx, probe).status(); });
  if (!checked.is_ok()) return refuse(checked);
  auto upload = store_.blobs->begin_upload();
  if (!upload) return refuse(upload.status());
  return std::unique_ptr<UploadSink>(
      new EvidenceUpload(*this, call.actor, std::move(command), std::move(*options), std::move(*upload)));
}

// ---- projections ----

ApiResponse Api::Impl::get_readiness(Call& call) {
  auto as_of = as_of_params(call);
  if (!as_of) return error_response(as_of.status());
  const bool current = !call.query.find("as_of") && !call.query.find("as_known_at");
  const uint64_t seq = store_.log->last_seq();
  if (current) {
    if (auto cached = cached_readiness(true)) return std::move(*cached);
  }
  auto readiness = history_.readiness(*as_of);
  if (!readiness) return error_response(readiness.status());
  ApiResponse r = json_response(200, readiness_json(*readiness, as_of->known_at, seq));
  if (current) {
    std::lock_guard lock(readiness_mu_);
    readiness_seq_ = seq;
    readiness_day_ = as_of->date;
    readiness_body_ = r.body;
  }
  return r;
}

ApiResponse Api::Impl::get_workloads(Call& call) {
  auto as_of = as_of_params(call);
  if (!as_of) return error_response(as_of.status());
  auto w = history_.workloads(*as_of);
  if (!w) return error_response(w.status());
  return json_response(200, workloads_json(as_of->date, *w));
}

ApiResponse Api::Impl::get_roadmap(Call& call) {
  auto as_of = as_of_params(call);
  if (!as_of) return error_response(as_of.status());
  auto m = history_.roadmap(*as_of);
  if (!m) return error_response(m.status());
  return json_response(200, roadmap_json(as_of->date, *m));
}

ApiResponse Api::Impl::get_timeline(Call& call) {
  const Date to_default = today();
  Date to = to_default;
  if (const std::string* v = call.query.find("to")) {
    auto d = parse_date_param("to", *v);
    if (!d) return error_response(d.status());
    to = *d;
  }
  Date from = to;
  bool defaulted_from = false;
  if (const std::string* v = call.query.find("from")) {
    auto d = parse_date_param("from", *v);
    if (!d) return error_response(d.status());
    from = *d;
  } else {
    auto first = history_.first_event_date();
    if (!first) return error_response(first.status());
    if (*first && **first < to) from = **first;
    defaulted_from = true;
  }
  int step = 7;
  if (const std::string* v = call.query.find("step")) {
    auto n = parse_count("step", *v, 1, 3660);
    if (!n) return error_response(n.status());
    step = static_cast<int>(*n);
  }
  std::optional<Micros> known_at;
  if (const std::string* v = call.query.find("as_known_at")) {
    auto t = parse_timestamp_param("as_known_at", *v);
    if (!t) return error_response(t.status());
    known_at = *t;
  }
  if (from > to) {
    return error_response(invalid_argument(fmt::format("from ({}) is after to ({}); swap them",
                                                       format_date(from), format_date(to))));
  }
  if (defaulted_from && (to.days - from.days) / step + 1 > static_cast<int64_t>(kMaxTimelinePoints)) {
    // A history that starts very long ago (a back-fill to 1990): the default shows its most
    // recent kMaxTimelinePoints points rather than refusing.
    from = Date{to.days - static_cast<int32_t>((kMaxTimelinePoints - 1) * step)};
  }
  if ((to.days - from.days) / step + 1 > static_cast<int64_t>(kMaxTimelinePoints)) {
    return error_response(invalid_argument(fmt::format(
        "that timeline has more than {} points; use a larger step or a shorter range", kMaxTimelinePoints)));
  }
  auto t = history_.timeline(from, to, step, known_at);
  if (!t) return error_response(t.status());
  return json_response(200, timeline_json(*t));
}

std::optional<ApiResponse> Api::Impl::cached_readiness(bool wait) {
  std::unique_lock lock(readiness_mu_, std::defer_lock);
  if (wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return std::nullopt;
  }
  if (readiness_seq_ != store_.log->last_seq() || readiness_day_ != today()) return std::nullopt;
  ApiResponse r;
  r.body = readiness_body_;
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

// ---- the audit trail ----

ApiResponse Api::Impl::get_events(Call& call) {
  uint64_t after = 0;
  size_t limit = kDefaultPageSize;
  if (const std::string* v = call.query.find("after")) {
    auto n = parse_count("after", *v, 0, UINT64_MAX);
    if (!n) return error_response(n.status());
    after = *n;
  }
  if (const std::string* v = call.query.find("limit")) {
    auto n = parse_count("limit", *v, 1, kMaxPageSize);
    if (!n) return error_response(n.status());
    limit = *n;
  }
  const std::string* stream = call.query.find("stream");
  const std::string* actor = call.query.find("actor");
  const std::string* type = call.query.find("type");
  const std::string actor_email = actor ? normalize_email(*actor) : "";
  auto keep = [&](const Event& e) {
    return (!stream || e.stream == *stream) && (!actor || e.actor == actor_email) &&
           (!type || event_type_name(e.payload) == *type);
  };
  const uint64_t last = store_.log->last_seq();
  Value items = Value::array();
  size_t found = 0;
  uint64_t scanned_to = after;  // every seq ≤ this has been looked at
  auto add = [&](const Event& e) -> Status {
    GAPLOG_ASSIGN_OR_RETURN(Hash leaf, store_.log->leaf_hash(e.seq));
    items.push(event_json(e, leaf));
    ++found;
    return Status::ok();
  };
  if (stream) {
    // A stream's events are found through the stream index, not by scanning the log.
    auto events = store_.log->read_stream(*stream, 1);
    if (!events) return error_response(events.status());
    scanned_to = last;
    for (const Event& e : *events) {
      if (e.seq <= after || e.seq > last || !keep(e)) continue;
      if (found == limit) {
        scanned_to = items.items().empty() ? after : static_cast<uint64_t>(items.items().back().find("seq")->as_integer());
        break;
      }
      if (Status s = add(e); !s.is_ok()) return error_response(s);
    }
  } else {
    size_t scanned = 0;
    while (found < limit && scanned_to < last && scanned < kMaxEventsScanned) {
      const size_t batch = std::min<uint64_t>(last - scanned_to, 1000);
      auto events = store_.log->read_range(scanned_to + 1, batch);
      if (!events) return error_response(events.status());
      if (events->empty()) break;
      for (const Event& e : *events) {
        scanned_to = e.seq;
        ++scanned;
        if (keep(e)) {
          if (Status s = add(e); !s.is_ok()) return error_response(s);
          if (found == limit) break;
        }
      }
    }
  }
  Value next = scanned_to < last ? Value::integer(static_cast<int64_t>(scanned_to)) : Value::null();
  return json_response(200, Value::object().set("events", std::move(items)).set("next_after", std::move(next))
                                .set("tree_size", Value::integer(static_cast<int64_t>(last))));
}

ApiResponse Api::Impl::get_tree_head(Call&) {
  auto head = current_tree_head(*store_.log, *store_.signer, clock_);
  if (!head) return error_response(head.status());
  return json_response(200, tree_head_json(*head, store_.signer->public_key_pem()));
}

ApiResponse Api::Impl::get_inclusion(Call& call) {
  const uint64_t last = store_.log->last_seq();
  if (last == 0) return error_response(not_found("the log is empty: there is nothing to prove"));
  if (!call.query.find("seq")) return error_response(invalid_argument("give the event: ?seq=N"));
  auto tree_size = call.query.find("tree_size") ? parse_count("tree_size", call.query.get("tree_size"), 1, last)
                                                 : Result<uint64_t>(last);
  if (!tree_size) return error_response(tree_size.status());
  auto seq = parse_count("seq", call.query.get("seq"), 1, *tree_size);
  if (!seq) return error_response(seq.status());
  auto proof = store_.log->inclusion_proof(*seq, *tree_size);
  if (!proof) return error_response(proof.status());
  auto leaf = store_.log->leaf_hash(*seq);
  if (!leaf) return error_response(leaf.status());
  return json_response(200, Value::object()
                                .set("seq", Value::integer(static_cast<int64_t>(*seq)))
                                .set("leaf_index", Value::integer(static_cast<int64_t>(*seq - 1)))
                                .set("tree_size", Value::integer(static_cast<int64_t>(*tree_size)))
                                .set("leaf_hash", Value::string(hash_hex(*leaf)))
                                .set("audit_path", hash_list_json(*proof)));
}

ApiResponse Api::Impl::get_consistency(Call& call) {
  const uint64_t last = store_.log->last_seq();
  if (last == 0) return error_response(not_found("the log is empty: there is nothing to prove"));
  if (!call.query.find("from")) return error_response(invalid_argument("give the older tree size: ?from=N"));
  auto to = call.query.find("to") ? parse_count("to", call.query.get("to"), 1, last) : Result<uint64_t>(last);
  if (!to) return error_response(to.status());
  auto from = parse_count("from", call.query.get("from"), 1, *to);
  if (!from) return error_response(from.status());
  auto proof = store_.log->consistency_proof(*from, *to);
  if (!proof) return error_response(proof.status());
  return json_response(200, Value::object()
                                .set("from", Value::integer(static_cast<int64_t>(*from)))
                                .set("to", Value::integer(static_cast<int64_t>(*to)))
                                .set("proof", hash_list_json(*proof)));
}

ApiResponse Api::Impl::get_verify(Call& call) {
  if (call.role != Role::kAdmin && call.role != Role::kAuditor) {
    return error_response(permission_denied("verifying the whole log is for admins and auditors"));
  }
  auto report = store_.log->verify();
  if (!report) return error_response(report.status());
  return json_response(200, Value::object()
                                .set("ok", Value::boolean(report->ok))
                                .set("tree_size", Value::integer(static_cast<int64_t>(report->tree_size)))
                                .set("root_hash", Value::string(hash_hex(report->root)))
                                .set("first_bad_seq", report->first_bad_seq
                                                          ? Value::integer(static_cast<int64_t>(*report->first_bad_seq))
                                                          : Value::null())
                                .set("problem", string_or_null(report->problem)));
}

// ---- exports (SPEC §7) ----

ApiResponse Api::Impl::get_poam(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d, uint64_t seq) {
    PoamContext context{d, 0, seq, store_.signer->public_key_pem()};
    if (seq > 0) {
      auto last = store_.log->read(seq);
      if (!last) return error_response(last.status());
      context.last_modified = last->recorded_at;
    }
    return json_response(200, poam_json(s, context));
  });
}

ApiResponse Api::Impl::get_audit_bundle(Call& call) {
  if (call.role != Role::kAdmin && call.role != Role::kAuditor) {
    return error_response(permission_denied("the audit bundle is for admins and auditors"));
  }
  std::optional<Date> as_of;
  if (const std::string* d = call.query.find("as_of")) {
    auto parsed = parse_date_param("as_of", *d);
    if (!parsed) return error_response(parsed.status());
    as_of = *parsed;
  }
  auto bundle = prepare_audit_bundle(*store_.log, *store_.blobs, *store_.signer, clock_, as_of);
  if (!bundle) return error_response(bundle.status());
  ApiResponse r;
  r.stream_size = bundle->size;
  r.stream = std::move(bundle->body);
  r.headers.emplace_back("Content-Type", "application/x-tar");
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", bundle->file_name));
  r.headers.emplace_back("X-Gaplog-Tree-Size", std::to_string(bundle->head.tree_size));
  return r;
}

// ---- dispatch ----

ApiResponse Api::Impl::upload_in_memory(const ApiRequest& request, const std::string& acting_as) {
  auto begun = begin_upload(request, acting_as);
  if (auto* refused = std::get_if<ApiResponse>(&begun)) return std::move(*refused);
  auto& sink = std::get<std::unique_ptr<UploadSink>>(begun);
  if (request.body.size() > options_.max_evidence_bytes) {
    return sink->fail(too_large(fmt::format("the file is {} bytes; evidence may be at most {} bytes",
                                            request.body.size(), options_.max_evidence_bytes)));
  }
  if (Status s = sink->write(request.body); !s.is_ok()) return sink->fail(s);
  return sink->finish();
}

ApiResponse Api::Impl::handle(const ApiRequest& request, const std::string& acting_as) {
  const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (path == "/healthz") {
    if (!method_matches("GET", request.method)) {
      return method_not_allowed(request.method, path, "GET, HEAD");
    }
    return healthz();
  }
  Role role = Role::kAuditor;
  // Authenticate before routing: without a token, nothing about the API is revealed.
  auto actor = path.starts_with("/api/") ? authenticate(request, &role, false, acting_as) : Result<std::string>("");
  if (!actor) return error_response(actor.status());
  std::string allowed;
  auto routed = route(request, &allowed);
  if (!routed) {
    ApiResponse r = allowed.empty() ? error_response(routed.status()) : method_not_allowed(request.method, path, allowed);
    r.user = *actor;
    return r;
  }
  auto& [r, call] = *routed;
  if (role == Role::kAuditor && r->method != "GET") {
    // Auditors are strictly read-only: refused before the body is even looked at.
    ApiResponse refused = error_response(auditor_refused());
    refused.user = *actor;
    return refused;
  }
  if (r->method != "GET") {
    if (Status s = backfill_refused(request, role); !s.is_ok()) {
      ApiResponse refused = error_response(s);
      refused.user = *actor;
      return refused;
    }
  }
  if (r->handler == nullptr) return upload_in_memory(request, acting_as);
  call.actor = *actor;
  call.role = role;
  ApiResponse response = (this->*(r->handler))(call);
  response.user = *actor;
  return response;
}

std::optional<ApiResponse> Api::Impl::try_quick(const ApiRequest& request) {
  if (!method_matches("GET", request.method)) return std::nullopt;
  if (request.target == "/healthz") return healthz();
  if (request.target != "/api/v1/readiness") return std::nullopt;
  Role role;
  auto actor = authenticate(request, &role, /*quick=*/true);
  if (!actor) {
    if (actor.status().code() == Code::kUnavailable) return std::nullopt;
    return error_response(actor.status());
  }
  auto cached = cached_readiness(false);
  if (cached) cached->user = *actor;
  return cached;
}

void Api::Impl::start(const ApiRequest& request, RequestHandler::StartDone& done) {
  // Anything but the plain case (a known write route, a valid token of a non-auditor) goes to
  // handle(), which answers it the one way it always does.
  if (request.method != "POST" && request.method != "PUT" && request.method != "PATCH") return done(std::nullopt);
  Role role;
  auto actor = authenticate(request, &role, /*quick=*/true);
  if (!actor || role == Role::kAuditor || !backfill_refused(request, role).is_ok()) return done(std::nullopt);
  std::string allowed;
  auto routed = route(request, &allowed);
  if (!routed || !routed->first->starts) return done(std::nullopt);
  auto& [r, call] = *routed;
  call.actor = *actor;
  call.role = role;
  call.start_done = &done;
  std::optional<ApiResponse> response;
  try {
    response = (this->*(r->handler))(call);
  } catch (const std::exception&) {
    // Thrown before a command took `done` (execute_async answers whatever happens to it):
    // handle() will answer the request, and report the error.
    if (!call.started) done(std::nullopt);
    return;
  }
  if (call.started) return;  // `done` now belongs to the command
  response->user = *actor;
  done(std::move(response));  // refused before a command ran (the body, the headers)
}

// ---- Api ----

Api::Api(Store& store, CommandService& service, ProgramHistory& history, Clock& clock, ApiOptions options)
    : options_(options) {
  impl_ = std::make_unique<Impl>(store, service, history, clock, options_);
}

Api::~Api() = default;

ApiResponse Api::handle(const ApiRequest& request) { return handle_as(request, ""); }

ApiResponse Api::handle_as(const ApiRequest& request, const std::string& actor) {
  try {
    return no_store(impl_->handle(request, actor));
  } catch (const std::exception& e) {
    return no_store(error_response(internal_error(fmt::format("internal error: {}", e.what()))));
  }
}

std::optional<ApiResponse> Api::try_quick(const ApiRequest& request) {
  try {
    std::optional<ApiResponse> quick = impl_->try_quick(request);
    if (quick) quick = no_store(std::move(*quick));
    return quick;
  } catch (const std::exception&) {
    return std::nullopt;  // handle() will answer it, and report the error
  }
}

void Api::start(const ApiRequest& request, StartDone done) {
  StartDone answer = [done = std::move(done)](std::optional<ApiResponse> response) {
    if (response) response = no_store(std::move(*response));
    done(std::move(response));
  };
  impl_->start(request, answer);
}

bool Api::streams_body(const ApiRequest& head) const {
  return head.method == "POST" &&
         std::string_view(head.target).substr(0, head.target.find('?')) == "/api/v1/evidence";
}

std::variant<ApiResponse, std::unique_ptr<UploadSink>> Api::begin_upload(const ApiRequest& head) {
  try {
    auto begun = impl_->begin_upload(head);
    if (auto* refused = std::get_if<ApiResponse>(&begun)) *refused = no_store(std::move(*refused));
    return begun;
  } catch (const std::exception& e) {
    return no_store(error_response(internal_error(fmt::format("internal error: {}", e.what()))));
  }
}

}  // namespace gaplog
