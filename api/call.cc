#include "api/call.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/validation.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

std::optional<ApiResponse> Backend::cached_readiness(bool wait) {
  if (wait) {
    readiness_mu_.lock();
  } else if (!readiness_mu_.try_lock()) {
    return std::nullopt;
  }
  MutexLock lock(readiness_mu_, std::adopt_lock);
  if (readiness_seq_ != store.log->last_seq() || readiness_day_ != today()) return std::nullopt;
  ApiResponse r;
  r.body = readiness_body_;
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

void Backend::keep_readiness(uint64_t seq, Date day, std::string body) {
  MutexLock lock(readiness_mu_);
  readiness_seq_ = seq;
  readiness_day_ = day;
  readiness_body_ = std::move(body);
}

// ---- reads ----

Result<AsOf> as_of_params(const Call& call) { return call.query.as_of(call.backend.today()); }

Result<ApiResponse> with_state(Call& call, const StateReader& fn) {
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  Backend& b = call.backend;
  if (!call.query.asks_as_of()) {
    return b.commands.read_with_seq(
        [&](const ProgramState& s, uint64_t seq) { return fn(s, as_of.date, seq); });
  }
  GAPLOG_ASSIGN_OR_RETURN(const uint64_t seq,
                          as_of.known_at ? count_recorded_before(*b.store.log, *as_of.known_at + 1)
                                         : Result<uint64_t>(b.store.log->last_seq()));
  // As of today (or any date after the last event), the history answers from its current
  // state rather than a fold; fn runs under its shared lock and must not call the history.
  Result<ApiResponse> out = internal_error("the as-of state was not read");
  GAPLOG_RETURN_IF_ERROR(b.history.with_state_at(
      as_of, [&](const ProgramState& state) { out = fn(state, as_of.date, seq); }));
  return out;
}

Result<ApiResponse> with_state(Call& call, const DatedStateReader& fn) {
  return with_state(call,
                    StateReader([&](const ProgramState& s, Date d, uint64_t) { return fn(s, d); }));
}

// ---- writes ----

Result<CommandOptions> command_options(const ApiRequest& request) {
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

Result<CommandOptions> batch_command_options(const ApiRequest& request, std::string_view why) {
  GAPLOG_ASSIGN_OR_RETURN(CommandOptions o, command_options(request));
  if (o.if_match) {
    return invalid_argument(
        fmt::format("If-Match names one entity's version; {}, so send it without If-Match", why));
  }
  return o;
}

Result<Value> body_object(const Call& call, bool may_be_empty) {
  const ApiRequest& r = call.request;
  const uint64_t max_bytes = call.backend.options.max_json_bytes;
  if (auto type = r.header("Content-Type")) {
    std::string_view t = *type;
    t = t.substr(0, t.find(';'));
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    std::string lower(t);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower != "application/json") {
      return invalid_argument(
          fmt::format("the body must be JSON; send Content-Type: application/json, "
                      "not {}",
                      quoted_excerpt(*type)));
    }
  }
  if (r.body.size() > max_bytes) {
    return too_large(fmt::format("the body is {} bytes; a JSON body may be at most {}",
                                 r.body.size(), max_bytes));
  }
  if (may_be_empty && r.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return Value::object();
  json::ParseLimits limits;
  limits.max_bytes = max_bytes;
  GAPLOG_ASSIGN_OR_RETURN(Value v, json::parse(r.body, limits));
  if (!v.is_object()) {
    return invalid_argument(
        fmt::format("the body must be a JSON object, not {}", json::kind_name(v.kind())));
  }
  return v;
}

Result<ApiResponse> write_command(Call& call, std::string_view entity, int status,
                                  const CommandReader& read, bool may_be_empty) {
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, may_be_empty));
  json::ObjectReader reader(body, std::string(entity));
  GAPLOG_ASSIGN_OR_RETURN(const Command command, read(reader));
  GAPLOG_RETURN_IF_ERROR(reader.finish());
  return run(call, command, status);
}

Result<ApiResponse> run(Call& call, const Command& command, int status) {
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  Backend& backend = call.backend;
  if (call.start_done != nullptr) {
    call.started = true;
    backend.commands.execute_async(
        call.actor, command, options,
        [&backend, status, actor = call.actor,
         done = std::move(*call.start_done)](std::optional<Result<CommandOutcome>> outcome) {
          if (!outcome) return done(std::nullopt);
          auto response = [&]() -> Result<ApiResponse> {
            if (!*outcome) return outcome->status();
            try {
              return written(backend, **outcome, status, actor);
            } catch (const std::exception& e) {
              return internal_error(fmt::format("internal error: {}", e.what()));
            }
          };
          done(answer(response(), actor));
        });
    return ApiResponse{};
  }
  GAPLOG_ASSIGN_OR_RETURN(const CommandOutcome outcome,
                          backend.commands.execute(call.actor, command, options));
  return written(backend, outcome, status, call.actor);
}

const UserState* caller_now(const Call& call, const ProgramState& s) {
  if (call.query.asks_as_of()) return nullptr;
  return s.user(call.actor);
}

Result<ApiResponse> written(Backend& backend, const CommandOutcome& outcome, int status,
                            const std::string& actor) {
  const std::string& subject = outcome.subject;
  const Date d = backend.today();
  // Written, but the state cannot be read back: say so rather than answer without the entity.
  GAPLOG_ASSIGN_OR_RETURN(Value entity, backend.commands.read([&](const ProgramState& s) -> Value {
    auto id_of = [&](std::string_view prefix) -> std::optional<std::string> {
      if (!subject.starts_with(prefix)) return std::nullopt;
      return subject.substr(prefix.size());
    };
    if (auto id = id_of("finding/")) {
      if (const FindingState* f = s.finding(*id)) return finding_json(s, *f, d, s.user(actor));
    } else if (auto id = id_of("control/")) {
      if (const ControlState* c = s.control(*id)) return control_json(s, *c, d);
    } else if (auto id = id_of("evidence/")) {
      if (const EvidenceState* e = s.evidence_item(*id)) return evidence_json(s, *e, d);
    } else if (auto id = id_of("document/")) {
      if (const DocumentState* doc = s.document(*id))
        return document_json(*doc, d, findings_by_origin(s));
    } else if (auto id = id_of("interview/")) {
      if (const InterviewState* i = s.interview(*id))
        return interview_json(*i, findings_by_origin(s));
    } else if (auto id = id_of("user/")) {
      if (const UserState* u = s.user(*id)) return user_json(s, *u);
    } else if (subject == "program") {
      return scope_json(s);
    }
    return Value::object();
  }));
  // The version this command wrote: a later writer may already have moved the entity on, and
  // an If-Match sent with this version must then be refused, not silently accepted.
  uint32_t version = 0;
  for (const Event& e : outcome.events) {
    if (e.stream == subject) version = e.version;
  }
  entity.set("version", Value::integer(version));
  entity.set(
      "seq",
      Value::integer(outcome.events.empty() ? 0 : static_cast<int64_t>(outcome.events.back().seq)));
  ApiResponse r = json_response(status, entity);
  r.headers.emplace_back("ETag", etag(version));
  if (status == 201 && subject.find('/') != std::string::npos) {
    const std::string kind = subject.substr(0, subject.find('/'));
    const std::string plural = kind == "evidence" ? kind : kind + "s";
    r.headers.emplace_back("Location",
                           fmt::format("/api/v1/{}/{}", plural, subject.substr(kind.size() + 1)));
  }
  return r;
}

Result<ApiResponse> stream_history(Call& call, const std::string& id, const std::string& stream) {
  EventLog& log = *call.backend.store.log;
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<Event> events, log.read_stream(stream, 1));
  Value items = Value::array();
  for (const Event& e : events) {
    GAPLOG_ASSIGN_OR_RETURN(const Hash leaf, log.leaf_hash(e.seq));
    items.push(event_json(e, leaf));
  }
  return json_response(
      200, Value::object().set("id", Value::string(id)).set("events", std::move(items)));
}

}  // namespace gaplog
