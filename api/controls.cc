// Controls.
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

Result<ApiResponse> post_control(Call& call) {
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

Result<ApiResponse> list_controls(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kControl));
  return with_state(call, [&](const ProgramState& s, Date) {
    return page_response(gaplog::list_controls(s, page),
                         [&](const ControlState& c) { return control_json(s, c); });
  });
}

Result<ApiResponse> get_control(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date) -> Result<ApiResponse> {
    const ControlState* c = s.control(call.id());
    if (!c) return not_found(fmt::format("there is no control {}", quoted_excerpt(call.id())));
    ApiResponse r = json_response(200, control_json(s, *c));
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

}  // namespace gaplog
