// Findings: recording them, the list with its filters, one finding and its history, and the
// workflow (assign, due date, status, risk acceptance, comments). The CSV import is in
// api/exports.cc.
#include <fmt/format.h>

#include "api/handlers.h"
#include "app/findings_bulk.h"
#include "domain/catalog.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

// The filters of GET /findings; the page and the dates are read separately. status, owner,
// severity and criterion take several values separated by commas (SPEC §12).
Result<FindingFilter> finding_filter(const Query& q) {
  FindingFilter filter;
  GAPLOG_ASSIGN_OR_RETURN(filter.statuses,
                          q.some_of("status", parse_finding_status,
                                    "open, in_progress, remediated, closed or risk_accepted"));
  GAPLOG_ASSIGN_OR_RETURN(filter.severities,
                          q.some_of("severity", parse_severity, "critical, high, medium or low"));
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> owners, q.values("owner"));
  for (const std::string& o : owners) filter.owners.insert(o == "none" ? "" : normalize_email(o));
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> criteria, q.values("criterion"));
  for (const std::string& c : criteria) {
    GAPLOG_RETURN_IF_ERROR(check_criterion_param(c));
    filter.criteria.insert(c);
  }
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<bool> overdue, q.boolean("overdue"));
  if (overdue) filter.overdue_only = *overdue;
  if (const std::string* text = q.find("q")) {
    if (text->size() > kMaxTitleChars) {
      return invalid_argument(
          fmt::format("q is {} bytes; search with at most {}", text->size(), kMaxTitleChars));
    }
    filter.words = search_words(*text);
  }
  return filter;
}

namespace {

// The action of a bulk request: exactly one of assign, due_date, status.
Result<BulkAction> bulk_action(const Value& action) {
  json::ObjectReader r(action, "action");
  GAPLOG_ASSIGN_OR_RETURN(const Value* assign, r.optional_value("assign"));
  GAPLOG_ASSIGN_OR_RETURN(const Value* due, r.optional_value("due_date"));
  GAPLOG_ASSIGN_OR_RETURN(const Value* status, r.optional_value("status"));
  GAPLOG_RETURN_IF_ERROR(r.finish());
  if ((assign != nullptr) + (due != nullptr) + (status != nullptr) != 1) {
    return invalid_argument(
        "action must hold exactly one of {\"assign\": {\"owner\"}}, {\"due_date\": {\"due_date\", "
        "\"reason\"?}} or {\"status\": {\"status\", \"reason\"?}}");
  }
  if (assign != nullptr) {
    json::ObjectReader a(*assign, "action.assign");
    GAPLOG_ASSIGN_OR_RETURN(auto owner, a.nullable_string("owner"));
    GAPLOG_RETURN_IF_ERROR(a.finish());
    if (owner.is_absent())
      return invalid_argument("action.assign.owner is required: an e-mail, or null to unassign");
    return BulkAction(BulkAssign{owner.value.value_or("")});
  }
  if (due != nullptr) {
    json::ObjectReader a(*due, "action.due_date");
    GAPLOG_ASSIGN_OR_RETURN(auto date, a.nullable_string("due_date"));
    GAPLOG_ASSIGN_OR_RETURN(auto reason, a.optional_string("reason"));
    GAPLOG_RETURN_IF_ERROR(a.finish());
    if (date.is_absent()) {
      return invalid_argument(
          "action.due_date.due_date is required: a date (YYYY-MM-DD), or null to clear it");
    }
    return BulkAction(BulkDueDate{date.value.value_or(""), reason.value_or("")});
  }
  json::ObjectReader a(*status, "action.status");
  GAPLOG_ASSIGN_OR_RETURN(std::string to, a.required_string("status"));
  GAPLOG_ASSIGN_OR_RETURN(auto reason, a.optional_string("reason"));
  GAPLOG_RETURN_IF_ERROR(a.finish());
  return BulkAction(BulkStatus{std::move(to), reason.value_or("")});
}

}  // namespace

namespace {
// A risk rating of a finding (SPEC §13): 1–5; null is "not rated" (0), absent leaves it.
Result<std::optional<int>> rating(json::ObjectReader& r, std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(const json::Value* v, r.optional_value(field));
  if (v == nullptr) return std::optional<int>();
  if (v->is_null()) return std::optional<int>(0);
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<int64_t> n, r.optional_integer(field));
  if (*n < 1 || *n > 5) {
    return invalid_argument(fmt::format(
        "{} {} is out of range; rate it from 1 (lowest) to 5 (highest), or null for none", field,
        *n));
  }
  return std::optional<int>(static_cast<int>(*n));
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
    GAPLOG_ASSIGN_OR_RETURN(auto origin, r.nullable_string("origin"));
    GAPLOG_ASSIGN_OR_RETURN(auto likelihood, rating(r, "likelihood"));
    GAPLOG_ASSIGN_OR_RETURN(auto impact, rating(r, "impact"));
    f.origin = origin.value.value_or("");
    f.likelihood = likelihood.value_or(0);
    f.impact = impact.value_or(0);
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
  GAPLOG_ASSIGN_OR_RETURN(const bool exists, call.backend.commands.read([&](const ProgramState& s) {
    return s.finding(id) != nullptr;
  }));
  if (!exists) return not_found(fmt::format("there is no finding {}", quoted_excerpt(id)));
  return stream_history(call, id, finding_stream(id));
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
    GAPLOG_ASSIGN_OR_RETURN(auto origin, r.nullable_string("origin"));
    if (origin.present) f.origin = origin.value.value_or("");
    GAPLOG_ASSIGN_OR_RETURN(f.likelihood, rating(r, "likelihood"));
    GAPLOG_ASSIGN_OR_RETURN(f.impact, rating(r, "impact"));
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

Result<ApiResponse> post_findings_bulk(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, false));
  json::ObjectReader r(body, "bulk action");
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<std::string> ids, r.required_string_list("ids"));
  GAPLOG_ASSIGN_OR_RETURN(const Value* action_value, r.optional_value("action"));
  GAPLOG_RETURN_IF_ERROR(r.finish());
  if (action_value == nullptr) {
    return invalid_argument(
        "action is required: {\"assign\": …}, {\"due_date\": …} or {\"status\": …}");
  }
  GAPLOG_ASSIGN_OR_RETURN(const BulkAction action, bulk_action(*action_value));
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options,
                          batch_command_options(call.request, "a bulk action changes several"));
  GAPLOG_ASSIGN_OR_RETURN(
      const BulkOutcome bulk,
      apply_bulk(call.backend.commands, *call.backend.store.log, call.actor, ids, action, options));
  if (!bulk.refusals.empty()) {
    const Status status = bulk_refusal_status(bulk.refusals, ids.size());
    Value refused = Value::array();
    for (const BulkRefusal& b : bulk.refusals) {
      refused.push(Value::object()
                       .set("id", Value::string(b.id))
                       .set("code", Value::string(std::string(code_name(b.status.code()))))
                       .set("message", Value::string(b.status.message())));
    }
    Value error = error_json(code_name(status.code()), status.message());
    error.find("error")->set("findings", std::move(refused));
    return json_response(http_status(status.code()), error);
  }
  const Date d = call.backend.today();
  GAPLOG_ASSIGN_OR_RETURN(Value items, call.backend.commands.read([&](const ProgramState& s) {
    Value out = Value::array();
    for (const std::string& id : ids) {
      if (const FindingState* f = s.finding(id))
        out.push(finding_json(s, *f, d, s.user(call.actor)));
    }
    return out;
  }));
  const auto& events = bulk.outcome.events;
  return json_response(
      200, Value::object()
               .set("items", std::move(items))
               .set("seq",
                    Value::integer(events.empty() ? 0 : static_cast<int64_t>(events.back().seq))));
}

}  // namespace gaplog
