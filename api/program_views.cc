// The catalog, the program and its scope, and the projections of SPEC §5 (readiness, workloads,
// timeline, roadmap).
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/catalog.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

namespace {}  // namespace

Result<ApiResponse> get_criteria(Call&) {
  Value items = Value::array();
  for (const Criterion& c : tsc_catalog()) {
    items.push(Value::object()
                   .set("id", Value::string(std::string(c.id)))
                   .set("category", Value::string(std::string(name(c.category))))
                   .set("title", Value::string(std::string(c.title))));
  }
  return json_response(200, Value::object().set("items", std::move(items)));
}

Result<ApiResponse> get_program(Call& call) {
  return with_state(call, [](const ProgramState& s, Date) -> Result<ApiResponse> {
    return json_response(200, scope_json(s));
  });
}

Result<ApiResponse> put_program(Call& call) {
  return write_command(call, "program", 200, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string name, r.required_string("name"));
    return Command(NameProgram{name});
  });
}

Result<ApiResponse> get_scope(Call& call) {
  return with_state(call, [](const ProgramState& s, Date) -> Result<ApiResponse> {
    Value v = scope_json(s);
    return json_response(200, Value::object()
                                  .set("categories", *v.find("categories"))
                                  .set("version", *v.find("version")));
  });
}

Result<ApiResponse> put_scope(Call& call) {
  return write_command(call, "scope", 200, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto categories, r.required_string_list("categories"));
    return Command(SetScope{categories});
  });
}

namespace {

// The part of a kept answer's key that says "as known at T": "now" without T (never a number
// that an instant could also be).
std::string known_at_key(std::optional<Micros> known_at) {
  return known_at ? std::to_string(*known_at) : "now";
}

}  // namespace

Result<ApiResponse> get_readiness(Call& call) {
  Backend& b = call.backend;
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  const bool current = !call.query.asks_as_of();
  if (current) {
    if (auto cached = b.cached_readiness(/*wait=*/true)) return std::move(*cached);
  }
  // A past answer kept while it holds (api/answer_cache.h), with the tree size of now: the
  // events folded, or as known at T those recorded by T.
  const std::string key =
      fmt::format("readiness {} {}", as_of.date.days, known_at_key(as_of.known_at));
  auto tree_size = [&](uint64_t folded) -> Result<uint64_t> {
    if (!as_of.known_at) return folded;
    GAPLOG_ASSIGN_OR_RETURN(const uint64_t recorded,
                            count_recorded_before(*b.store.log, *as_of.known_at + 1));
    return std::min(recorded, folded);
  };
  if (!current) {
    if (auto body = b.answers.find(key, b.history, as_of.date, as_of.known_at, tree_size))
      return json_body_response(std::move(*body));
  }
  // The tree size comes with the readiness, from the same catch-up: never a size read apart.
  GAPLOG_ASSIGN_OR_RETURN(const ProgramHistory::ReadinessAnswer answer,
                          b.history.readiness_answer(as_of));
  ApiResponse r =
      json_response(200, readiness_json(answer.readiness, as_of.known_at, answer.tree_size));
  if (current) {
    b.keep_readiness(answer.tree_size, as_of.date, r.body);
  } else if (auto at = r.body.find("\"tree_size\":"); at != std::string::npos) {
    b.answers.keep(key, answer.folded_seq, r.body, at + std::string_view("\"tree_size\":").size());
  }
  return r;
}

std::optional<ApiResponse> quick_readiness(Backend& backend) {
  return backend.cached_readiness(/*wait=*/false);
}

namespace {

// An answer as of (D, T) that depends on nothing after D, kept while it holds
// (api/answer_cache.h): `render` computes it on a miss.
Result<ApiResponse> kept_or(Call& call, std::string_view view, const AsOf& as_of,
                            const std::function<Result<std::string>()>& render) {
  Backend& b = call.backend;
  const std::string key =
      fmt::format("{} {} {}", view, as_of.date.days, known_at_key(as_of.known_at));
  auto no_size = [](uint64_t folded) -> Result<uint64_t> { return folded; };
  if (auto body = b.answers.find(key, b.history, as_of.date, as_of.known_at, no_size))
    return json_body_response(std::move(*body));
  GAPLOG_ASSIGN_OR_RETURN(const uint64_t seq, b.history.folded_seq());
  GAPLOG_ASSIGN_OR_RETURN(std::string body, render());
  b.answers.keep(key, seq, body);
  return json_body_response(std::move(body));
}

}  // namespace

Result<ApiResponse> get_workloads(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  return kept_or(call, "workloads", as_of, [&]() -> Result<std::string> {
    GAPLOG_ASSIGN_OR_RETURN(const auto workloads, call.backend.history.workloads(as_of));
    return json::write(workloads_json(as_of.date, workloads));
  });
}

Result<ApiResponse> get_roadmap(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  return kept_or(call, "roadmap", as_of, [&]() -> Result<std::string> {
    GAPLOG_ASSIGN_OR_RETURN(const auto months, call.backend.history.roadmap(as_of));
    return json::write(roadmap_json(as_of.date, months));
  });
}

Result<Date> default_timeline_from(Backend& backend, Date to, int step) {
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<Date> first, backend.history.first_event_date());
  Date from = first && *first < to ? *first : to;
  if (timeline_point_count(from, to, step) > kMaxTimelinePoints) {
    // A history that starts very long ago (a back-fill to 1990): the default shows its most
    // recent kMaxTimelinePoints points, ending on `to`, rather than refusing.
    from = Date{to.days - static_cast<int32_t>((kMaxTimelinePoints - 1) * step)};
  }
  return from;
}

Result<ApiResponse> get_timeline(Call& call) {
  const Query& q = call.query;
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<Date> to_param, q.date("to"));
  const Date to = to_param.value_or(call.backend.today());
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<Date> from_param, q.date("from"));
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> step_param, q.count("step", 1, 3660));
  const int step = static_cast<int>(step_param.value_or(kDefaultTimelineStep));
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<Micros> known_at, q.timestamp("as_known_at"));
  Date from = to;
  if (from_param) {
    from = *from_param;
  } else {
    GAPLOG_ASSIGN_OR_RETURN(from, default_timeline_from(call.backend, to, step));
  }
  if (from > to) {
    return invalid_argument(
        fmt::format("from ({}) is after to ({}); swap them", format_date(from), format_date(to)));
  }
  // It depends on nothing after `to`.
  return kept_or(call, fmt::format("timeline {} {}", from.days, step), AsOf{to, known_at},
                 [&]() -> Result<std::string> {
                   // The projection refuses a timeline of more than kMaxTimelinePoints points.
                   GAPLOG_ASSIGN_OR_RETURN(const Timeline timeline,
                                           call.backend.history.timeline(from, to, step, known_at));
                   return json::write(timeline_json(timeline));
                 });
}

}  // namespace gaplog
