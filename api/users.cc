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

namespace {

constexpr int32_t kPersonalTokenDays = 90;  // SPEC §10: the default life of a personal token

// Issues a token for `email` with the body's optional expires_on (`default_days` from today when
// absent and non-zero) and answers with it, shown this once.
Result<ApiResponse> issue_token(Call& call, const std::string& email, int32_t default_days) {
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, /*may_be_empty=*/true));
  json::ObjectReader reader(body, "token request");
  GAPLOG_ASSIGN_OR_RETURN(auto expires_on, reader.optional_string("expires_on"));
  GAPLOG_RETURN_IF_ERROR(reader.finish());
  if (!expires_on && default_days > 0) {
    expires_on = format_date(Date{call.backend.today().days + default_days});
  }
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  GAPLOG_ASSIGN_OR_RETURN(
      const IssuedToken issued,
      call.backend.commands.issue_token(call.actor, email, expires_on.value_or(""), options));
  const Event& e = issued.outcome.events.back();
  const auto& p = std::get<TokenIssued>(e.payload);
  ApiResponse r = json_response(
      201,
      Value::object()
          .set("token_id", Value::string(issued.token_id))
          .set("token", Value::string(issued.token))
          .set("email", Value::string(p.email))
          .set("expires_on", p.expires_on.empty() ? Value::null() : Value::string(p.expires_on))
          .set("seq", Value::integer(static_cast<int64_t>(e.seq))));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// The tokens of `email` ("" = everyone's) that are not revoked, never their secret.
Result<ApiResponse> token_list(Call& call, const std::string& email) {
  const Date today = call.backend.today();
  GAPLOG_ASSIGN_OR_RETURN(Value items, call.backend.commands.read([&](const ProgramState& s) {
    Value out = Value::array();
    for (const auto& [id, t] : s.tokens) {
      if (t.revoked || (!email.empty() && t.email != email)) continue;
      const std::optional<Micros> used = call.backend.sessions.token_last_used(id);
      out.push(
          Value::object()
              .set("token_id", Value::string(id))
              .set("email", Value::string(t.email))
              .set("issued_at", Value::string(format_timestamp(t.issued_at)))
              .set("issued_by", Value::string(t.issued_by))
              .set("expires_on",
                   t.expires_on ? Value::string(format_date(*t.expires_on)) : Value::null())
              .set("expired", Value::boolean(t.expired_on(today)))
              .set("last_used_at", used ? Value::string(format_timestamp(*used)) : Value::null()));
    }
    return out;
  }));
  return json_response(
      200, Value::object().set("items", std::move(items)).set("next_after", Value::null()));
}

}  // namespace

Result<ApiResponse> post_user_token(Call& call) { return issue_token(call, call.id(), 0); }

Result<ApiResponse> post_my_token(Call& call) {
  return issue_token(call, call.actor, kPersonalTokenDays);
}

Result<ApiResponse> list_my_tokens(Call& call) { return token_list(call, call.actor); }

Result<ApiResponse> list_tokens(Call& call) {
  if (call.role != Role::kAdmin) {
    return permission_denied(
        "only admins list everyone's tokens; GET /api/v1/me/tokens lists your own");
  }
  return token_list(call, normalize_email(call.query.get("user")));
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
