// Findings: recording them, the list with its filters, one finding and its history, and the
// workflow (assign, due date, status, risk acceptance, comments). The CSV import is in
// api/exports.cc.
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/catalog.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

namespace {

// The filters of GET /findings; the page and the dates are read separately.
Result<FindingFilter> finding_filter(const Query& q) {
  FindingFilter filter;
  GAPLOG_ASSIGN_OR_RETURN(filter.status,
                          q.one_of("status", parse_finding_status,
                                   "open, in_progress, remediated, closed or risk_accepted"));
  GAPLOG_ASSIGN_OR_RETURN(filter.severity,
                          q.one_of("severity", parse_severity, "critical, high, medium or low"));
  if (const std::string* v = q.find("owner")) filter.owner = normalize_email(*v);
  if (const std::string* v = q.find("criterion")) {
    if (!find_criterion(*v)) {
      return invalid_argument(
          fmt::format("criterion {} is not in the TSC catalog; GET /api/v1/criteria lists them",
                      quoted_excerpt(*v)));
    }
    filter.criterion = *v;
  }
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<bool> overdue, q.boolean("overdue"));
  if (overdue) filter.overdue_only = *overdue;
  return filter;
}

}  // namespace

Result<ApiResponse> post_finding(Call& call) {
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

Result<ApiResponse> list_findings(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kFinding));
  GAPLOG_ASSIGN_OR_RETURN(const FindingFilter filter, finding_filter(call.query));
  return with_state(call, [&](const ProgramState& s, Date d) {
    return page_response(gaplog::list_findings(s, d, filter, page), [&](const FindingState& f) {
      return finding_json(s, f, d, caller_now(call, s));
    });
  });
}

Result<ApiResponse> get_finding(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    const FindingState* f = s.finding(call.id());
    if (!f) return not_found(fmt::format("there is no finding {}", quoted_excerpt(call.id())));
    ApiResponse r = json_response(200, finding_json(s, *f, d, caller_now(call, s)));
    r.headers.emplace_back("ETag", etag(f->version));
    return r;
  });
}

Result<ApiResponse> get_finding_history(Call& call) {
  const std::string& id = call.id();
  EventLog& log = *call.backend.store.log;
  GAPLOG_ASSIGN_OR_RETURN(const bool exists, call.backend.commands.read([&](const ProgramState& s) {
    return s.finding(id) != nullptr;
  }));
  if (!exists) return not_found(fmt::format("there is no finding {}", quoted_excerpt(id)));
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<Event> events, log.read_stream(finding_stream(id), 1));
  Value items = Value::array();
  for (const Event& e : events) {
    GAPLOG_ASSIGN_OR_RETURN(const Hash leaf, log.leaf_hash(e.seq));
    items.push(event_json(e, leaf));
  }
  return json_response(
      200, Value::object().set("id", Value::string(id)).set("events", std::move(items)));
}

Result<ApiResponse> patch_finding(Call& call) {
  return write_command(call, "finding update", 200, [&](json::ObjectReader& r) -> Result<Command> {
    UpdateFinding f;
    f.id = call.id();
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

Result<ApiResponse> post_finding_assign(Call& call) {
  return write_command(call, "assignment", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto owner, r.nullable_string("owner"));
    GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
    if (owner.is_absent())
      return invalid_argument("owner is required: an e-mail, or null to unassign");
    return Command(AssignFinding{call.id(), owner.value.value_or("")});
  });
}

Result<ApiResponse> post_finding_due_date(Call& call) {
  return write_command(call, "due date", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(auto due, r.nullable_string("due_date"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
    if (due.is_absent())
      return invalid_argument("due_date is required: YYYY-MM-DD, or null to clear it");
    return Command(SetFindingDueDate{call.id(), due.value.value_or(""), reason.value_or("")});
  });
}

Result<ApiResponse> post_finding_status(Call& call) {
  return write_command(call, "status change", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string status, r.required_string("status"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
    return Command(ChangeFindingStatus{call.id(), status, reason.value_or("")});
  });
}

Result<ApiResponse> post_finding_risk(Call& call) {
  return write_command(call, "risk acceptance", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string justification, r.required_string("justification"));
    GAPLOG_ASSIGN_OR_RETURN(std::string expires, r.required_string("expires_on"));
    return Command(AcceptRisk{call.id(), justification, expires});
  });
}

Result<ApiResponse> post_finding_comment(Call& call) {
  return write_command(call, "comment", 201, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string text, r.required_string("text"));
    return Command(AddComment{call.id(), text});
  });
}

}  // namespace gaplog
