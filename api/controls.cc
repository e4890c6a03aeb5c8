// Controls.
#include <fmt/format.h>

#include <algorithm>

#include "api/handlers.h"
#include "domain/catalog.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

namespace {

// owner: an e-mail, or null for none; evidence_every: a cadence name. An empty string is neither.
Status check_plan_fields(const json::NullableString& owner,
                         const std::optional<std::string>& every) {
  if (owner.present && owner.value && owner.value->empty())
    return invalid_argument("owner must be an e-mail, or null for no owner; got \"\"");
  if (every && every->empty()) {
    return invalid_argument(
        "evidence_every must be one of: none, monthly, quarterly, semiannual, annual; got \"\"");
  }
  return Status::ok();
}

}  // namespace

Result<ApiResponse> post_control(Call& call) {
  return write_command(call, "control", 201, [](json::ObjectReader& r) -> Result<Command> {
    DefineControl c;
    GAPLOG_ASSIGN_OR_RETURN(c.id, r.required_string("id"));
    GAPLOG_ASSIGN_OR_RETURN(c.title, r.required_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(auto description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(c.criteria, r.required_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(auto status, r.optional_string("status"));
    GAPLOG_ASSIGN_OR_RETURN(auto owner, r.nullable_string("owner"));
    GAPLOG_ASSIGN_OR_RETURN(auto every, r.optional_string("evidence_every"));
    GAPLOG_RETURN_IF_ERROR(check_plan_fields(owner, every));
    c.description = description.value_or("");
    c.status = status.value_or("");
    c.owner = owner.value.value_or("");
    c.evidence_every = every.value_or("");
    return Command(std::move(c));
  });
}

namespace {

// The filters of GET /controls (SPEC §12): owner (owner=none: without one), status and
// evidence_status take several values separated by commas.
Result<ControlFilter> control_filter(const Query& q) {
  ControlFilter filter;
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> owners, q.values("owner"));
  for (const std::string& o : owners) filter.owners.insert(o == "none" ? "" : normalize_email(o));
  GAPLOG_ASSIGN_OR_RETURN(filter.statuses,
                          q.some_of("status", parse_control_status,
                                    "not_implemented, partially_implemented or implemented"));
  GAPLOG_ASSIGN_OR_RETURN(
      filter.evidence_statuses,
      q.some_of("evidence_status", parse_evidence_status, "current, expiring, lapsed or missing"));
  if (const std::string* v = q.find("criterion")) {
    GAPLOG_RETURN_IF_ERROR(check_criterion_param(*v));
    filter.criterion = *v;
  }
  return filter;
}

Status no_control(const std::string& id) {
  return not_found(fmt::format("there is no control {}", quoted_excerpt(id)));
}

}  // namespace

Result<ApiResponse> list_controls(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kControl));
  GAPLOG_ASSIGN_OR_RETURN(const ControlFilter filter, control_filter(call.query));
  return with_state(call, [&](const ProgramState& s, Date d) {
    return page_response(gaplog::list_controls(s, d, filter, page),
                         [&](const ControlState& c) { return control_json(s, c, d); });
  });
}

Result<ApiResponse> get_control(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    const ControlState* c = s.control(call.id());
    if (!c) return no_control(call.id());
    ApiResponse r = json_response(200, control_json(s, *c, d));
    r.headers.emplace_back("ETag", etag(c->version));
    return r;
  });
}

Result<ApiResponse> patch_control(Call& call) {
  return write_command(call, "control update", 200, [&](json::ObjectReader& r) -> Result<Command> {
    UpdateControl c;
    c.id = call.id();
    GAPLOG_ASSIGN_OR_RETURN(c.title, r.optional_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(c.description, r.optional_string("description"));
    GAPLOG_ASSIGN_OR_RETURN(c.criteria, r.optional_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(auto owner, r.nullable_string("owner"));
    if (owner.present) c.owner = owner.value.value_or("");
    GAPLOG_ASSIGN_OR_RETURN(c.evidence_every, r.optional_string("evidence_every"));
    GAPLOG_RETURN_IF_ERROR(check_plan_fields(owner, c.evidence_every));
    return Command(std::move(c));
  });
}

Result<ApiResponse> post_control_status(Call& call) {
  return write_command(call, "control status change", 200,
                       [&](json::ObjectReader& r) -> Result<Command> {
                         GAPLOG_ASSIGN_OR_RETURN(std::string status, r.required_string("status"));
                         GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
                         return Command(SetControlStatus{call.id(), status, reason.value_or("")});
                       });
}

Result<ApiResponse> post_control_test(Call& call) {
  return write_command(call, "control test", 201, [&](json::ObjectReader& r) -> Result<Command> {
    TestControl t;
    t.id = call.id();
    GAPLOG_ASSIGN_OR_RETURN(t.kind, r.required_string("kind"));
    GAPLOG_ASSIGN_OR_RETURN(t.tested_on, r.required_string("tested_on"));
    GAPLOG_ASSIGN_OR_RETURN(t.result, r.required_string("result"));
    GAPLOG_ASSIGN_OR_RETURN(auto notes, r.nullable_string("notes"));
    GAPLOG_ASSIGN_OR_RETURN(auto evidence, r.optional_string_list("evidence"));
    t.notes = notes.value.value_or("");
    t.evidence = evidence.value_or(std::vector<std::string>{});
    return Command(std::move(t));
  });
}

// Its tests as of the date, the latest tested_on first (on a tie, the later recorded first).
Result<ApiResponse> get_control_tests(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date) -> Result<ApiResponse> {
    const ControlState* c = s.control(call.id());
    if (!c) return no_control(call.id());
    std::vector<const ControlTest*> tests;
    tests.reserve(c->tests.size());
    for (const ControlTest& t : c->tests) tests.push_back(&t);
    std::stable_sort(tests.begin(), tests.end(), [](const ControlTest* a, const ControlTest* b) {
      return a->tested_on != b->tested_on ? a->tested_on > b->tested_on : a->seq > b->seq;
    });
    json::Value items = json::Value::array();
    for (const ControlTest* t : tests) items.push(control_test_json(*t));
    return json_response(
        200,
        json::Value::object().set("id", json::Value::string(c->id)).set("items", std::move(items)));
  });
}

Result<ApiResponse> get_control_history(Call& call) {
  const std::string& id = call.id();
  GAPLOG_ASSIGN_OR_RETURN(const bool exists, call.backend.commands.read([&](const ProgramState& s) {
    return s.control(id) != nullptr;
  }));
  if (!exists) return no_control(id);
  return stream_history(call, id, control_stream(id));
}

}  // namespace gaplog
