// Users and their API tokens.
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

Result<ApiResponse> get_me(Call& call) {
  return call.backend.commands.read([&](const ProgramState& s) -> Result<ApiResponse> {
    const UserState* u = s.user(call.actor);
    if (!u) return not_found("you are not a user of this program");
    return json_response(200, user_json(s, *u));
  });
}

Result<ApiResponse> post_user(Call& call) {
  return write_command(call, "user", 201, [](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string email, r.required_string("email"));
    GAPLOG_ASSIGN_OR_RETURN(std::string name, r.required_string("name"));
    GAPLOG_ASSIGN_OR_RETURN(std::string role, r.required_string("role"));
    return Command(AddUser{email, name, role});
  });
}

Result<ApiResponse> list_users(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(PageRequest page, call.query.page(ListId::kUser));
  page.after = normalize_email(page.after);
  return with_state(call, [&](const ProgramState& s, Date) {
    return page_response(gaplog::list_users(s, page),
                         [&](const UserState& u) { return user_json(s, u); });
  });
}

Result<ApiResponse> get_user(Call& call) {
  const std::string email = normalize_email(call.id());
  return with_state(call, [&](const ProgramState& s, Date) -> Result<ApiResponse> {
    const UserState* u = s.user(email);
    if (!u) return not_found(fmt::format("there is no user {}", quoted_excerpt(email)));
    ApiResponse r = json_response(200, user_json(s, *u));
    r.headers.emplace_back("ETag", etag(u->version));
    return r;
  });
}

Result<ApiResponse> post_user_role(Call& call) {
  return write_command(call, "role change", 200, [&](json::ObjectReader& r) -> Result<Command> {
    GAPLOG_ASSIGN_OR_RETURN(std::string role, r.required_string("role"));
    return Command(ChangeUserRole{call.id(), role});
  });
}

Result<ApiResponse> post_user_deactivate(Call& call) {
  return write_command(
      call, "deactivation", 200,
      [&](json::ObjectReader& r) -> Result<Command> {
        GAPLOG_ASSIGN_OR_RETURN(auto reason, r.optional_string("reason"));
        return Command(DeactivateUser{call.id(), reason.value_or("")});
      },
      /*may_be_empty=*/true);
}

Result<ApiResponse> post_user_token(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, /*may_be_empty=*/true));
  GAPLOG_RETURN_IF_ERROR(json::ObjectReader(body, "token request").finish());
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  GAPLOG_ASSIGN_OR_RETURN(const IssuedToken issued,
                          call.backend.commands.issue_token(call.actor, call.id(), options));
  const Event& e = issued.outcome.events.back();
  ApiResponse r =
      json_response(201, Value::object()
                             .set("token_id", Value::string(issued.token_id))
                             .set("token", Value::string(issued.token))
                             .set("email", Value::string(std::get<TokenIssued>(e.payload).email))
                             .set("seq", Value::integer(static_cast<int64_t>(e.seq))));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<ApiResponse> delete_token(Call& call) {
  if (!call.request.body.empty())
    return invalid_argument("DELETE takes no body; send the request without one");
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  GAPLOG_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      call.backend.commands.execute(call.actor, RevokeToken{call.id()}, options));
  const Event& e = outcome.events.back();
  const auto* revoked = std::get_if<TokenRevoked>(&e.payload);
  if (revoked == nullptr) {
    // The key was first sent with another request, whose events the service replayed.
    return already_exists(
        "this Idempotency-Key was first sent with another request, not this token revocation; send "
        "a new key");
  }
  return json_response(200, Value::object()
                                .set("token_id", Value::string(call.id()))
                                .set("email", Value::string(revoked->email))
                                .set("revoked", Value::boolean(true))
                                .set("seq", Value::integer(static_cast<int64_t>(e.seq))));
}

}  // namespace gaplog
