// The /auth/ endpoints. The order of the callback's checks is the order of trust: the state
// (ours, single use) first, then the provider's answer, then the ID token (signature and
// claims, auth/jwt.h), then the person (a verified e-mail of an active user), and only then is
// anything written: the user_signed_in event, then the session.
#include "api/sign_in.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cstdio>

#include "codec/html.h"
#include "domain/text.h"
#include "domain/validation.h"

namespace gaplog {

using json::Value;

namespace {

void log_line(const Backend& b, const std::string& line) {
  if (b.options.log) {
    b.options.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

bool is_https(std::string_view url) { return url.starts_with("https://"); }

std::string cookie_header(const Backend& b, std::string_view value, int64_t max_age_seconds) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kSessionCookie, value,
                     max_age_seconds, is_https(b.options.public_url) ? "; Secure" : "");
}

std::string clear_cookie(const Backend& b) { return cookie_header(b, "", 0); }

// The cookie that ties a sign-in to the browser that started it: only sent to the callback.
constexpr std::string_view kSignInCookie = "gaplog_signin";

std::optional<std::string_view> cookie_value(const ApiRequest& request,
                                             std::string_view cookie = kSessionCookie) {
  for (const auto& [name, value] : request.headers) {
    if (!equals_ignoring_ascii_case(name, "Cookie")) continue;
    if (auto v = cookie_in(value, cookie)) return v;
  }
  return std::nullopt;
}

std::string sign_in_cookie(const Backend& b, std::string_view value, int64_t max_age_seconds) {
  return fmt::format("{}={}; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age={}{}",
                     kSignInCookie, value, max_age_seconds,
                     is_https(b.options.public_url) ? "; Secure" : "");
}

// The names of the active admins ("Ann Lee, Raj Patel"), never their addresses; "" when they
// have none.
std::string admin_names(Backend& b) {
  Result<std::string> names = b.commands.read([](const ProgramState& s) {
    std::string out;
    for (const auto& [email, u] : s.users) {
      if (!u.active || u.role != Role::kAdmin || u.name.empty()) continue;
      if (!out.empty()) out += ", ";
      out += u.name;
    }
    return out;
  });
  return names ? *names : "";
}

// Whom to ask on a refusal page. The admins are named (names only, never addresses) only to a
// person the identity provider vouched for with a verified e-mail: a made-up callback URL, or an
// account of a public provider with an unverified address, learns nothing about the program.
enum class Ask { kAdmins, kNamedAdmins };

// A page for a person whose sign-in did not work: what happened, what to do, whom to ask.
ApiResponse refusal_page(Backend& b, int status, std::string_view title, std::string_view what,
                         std::string_view next, Ask ask = Ask::kAdmins) {
  const std::string body = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{0} · gaplog</title><link rel=\"stylesheet\" href=\"/style.css\"></head>"
      "<body><main class=\"signin-refused\"><h1>{0}</h1><p>{1}</p><p>{2}</p>"
      "<p>{3}</p><p><a href=\"/\">Back to the sign-in page</a></p>"
      "</main></body></html>\n",
      html_escape(title), html_escape(what), html_escape(next),
      html_escape(ask == Ask::kNamedAdmins && !admin_names(b).empty()
                      ? "Your gaplog administrators: " + admin_names(b) + "."
                      : std::string("If it keeps happening, ask your gaplog administrator.")));
  ApiResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'self'; base-uri 'none'; form-action "
                         "'none'; frame-ancestors 'none'");
  r.body = body;
  return r;
}

ApiResponse redirect(std::string location) {
  ApiResponse r;
  r.status = 302;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

// Where to send a person after sign-in: a path on this server, never another site.
std::string safe_return_to(std::string_view v) {
  if (v.empty() || v.front() != '/' || v.starts_with("//") || v.size() > 2000 ||
      v.find_first_of("\\\r\n") != std::string_view::npos) {
    return "/";
  }
  return std::string(v);
}

Result<ApiResponse> auth_config(Backend& b) {
  Value oidc = Value::null();
  if (b.oidc != nullptr) {
    oidc = Value::object()
               .set("name", Value::string(b.oidc->config().display_name))
               .set("login_url", Value::string("/auth/login"));
  }
  return json_response(200, Value::object().set("oidc", std::move(oidc)));
}

Result<ApiResponse> login(Backend& b, const Query& query) {
  if (b.oidc == nullptr) {
    return not_found(
        "sign-in with an identity provider is not set up on this server; sign in with an API "
        "token, or ask an admin to start gaplog serve with --oidc-issuer");
  }
  Result<AuthorizationRequest> started = b.oidc->begin();
  if (!started) {
    log_line(b, fmt::format("gaplog: sign-in could not start: {}", started.status().message()));
    return refusal_page(
        b, 503, "Sign-in is unavailable",
        fmt::format("gaplog could not reach {} to sign you in.", b.oidc->config().display_name),
        "Try again in a minute. If it keeps happening, tell an administrator.");
  }
  const std::string browser = random_secret_hex();
  b.pending.add(started->state, PendingLogin{started->nonce, started->code_verifier, browser,
                                             safe_return_to(query.get("return_to")), 0});
  ApiResponse r = redirect(started->url);
  r.headers.emplace_back("Set-Cookie",
                         sign_in_cookie(b, browser, PendingLogins::kDefaultTtl / kMicrosPerSecond));
  return r;
}

// The person behind verified claims: an active user whose e-mail is the verified `email`.
Result<std::string> person_of(Backend& b, const IdTokenClaims& claims, std::string* refusal) {
  const std::string& idp = b.oidc->config().display_name;
  if (claims.email.empty() || !claims.email_verified) {
    *refusal = fmt::format(
        "{} did not confirm that {} is your verified e-mail address, so gaplog cannot tell "
        "which account is yours.",
        idp, claims.email.empty() ? "an address" : claims.email);
    return permission_denied("the e-mail is missing or not verified (email_verified)");
  }
  const std::string email = normalize_email(claims.email);
  GAPLOG_ASSIGN_OR_RETURN(const int known, b.commands.read([&](const ProgramState& s) {
    const UserState* u = s.user(email);
    return u == nullptr ? 0 : (u->active ? 2 : 1);
  }));
  if (known == 0) {
    *refusal = fmt::format("There is no gaplog account for {}.", email);
    return permission_denied("no user has this e-mail");
  }
  if (known == 1) {
    *refusal = fmt::format("The gaplog account of {} has been deactivated.", email);
    return permission_denied("the user is deactivated");
  }
  return email;
}

// The pending sign-in of the callback's state, if it was started by this browser.
std::optional<PendingLogin> pending_of(Backend& b, const ApiRequest& request, const Query& query) {
  const std::string state = query.get("state");
  if (state.empty()) {
    log_line(b, "gaplog: sign-in refused: the callback has no state");
    return std::nullopt;
  }
  std::optional<PendingLogin> pending = b.pending.take(state);
  if (!pending) {
    log_line(b, "gaplog: sign-in refused: unknown, already used or expired state");
    return std::nullopt;
  }
  const std::optional<std::string_view> browser = cookie_value(request, kSignInCookie);
  if (!browser || browser->size() != pending->browser.size() ||
      CRYPTO_memcmp(browser->data(), pending->browser.data(), browser->size()) != 0) {
    log_line(b,
             "gaplog: sign-in refused: the callback came from another browser than the one "
             "that started the sign-in");
    return std::nullopt;
  }
  return pending;
}

// The person is who they say: record the sign-in, replace the browser's previous session (if it
// sent one) with a new one, and send the browser back where it was going.
ApiResponse start_session(Backend& b, const ApiRequest& request, const PendingLogin& pending,
                          const IdTokenClaims& claims, const std::string& email) {
  const auto failed = [&](const Status& s) {
    log_line(b, fmt::format("gaplog: sign-in of {} failed after the provider's answer: {}",
                            quoted_excerpt(email), s.message()));
    return refusal_page(b, s.code() == Code::kUnavailable ? 503 : 403, "You were not signed in",
                        "gaplog could not record your sign-in.",
                        "Try again in a minute. If it keeps happening, tell an administrator the "
                        "time it happened.");
  };
  if (Result<CommandOutcome> in = b.commands.execute(email, SignIn{claims.subject, claims.issuer});
      !in) {
    return failed(in.status());
  }
  if (const std::optional<std::string_view> old = cookie_value(request)) {
    if (Status s = b.sessions.remove(*old); !s.is_ok()) return failed(s);
  }
  Result<std::string> cookie = b.sessions.create(email, claims.subject);
  if (!cookie) return failed(cookie.status());
  ApiResponse r = redirect(pending.return_to);
  r.headers.emplace_back("Set-Cookie",
                         cookie_header(b, *cookie, b.sessions.policy().max / kMicrosPerSecond));
  r.headers.emplace_back("Set-Cookie", sign_in_cookie(b, "", 0));
  r.user = email;
  return r;
}

Result<ApiResponse> callback(Backend& b, const ApiRequest& request, const Query& query) {
  if (b.oidc == nullptr) return not_found("sign-in with an identity provider is not set up");
  const std::string& idp = b.oidc->config().display_name;
  std::optional<PendingLogin> pending = pending_of(b, request, query);
  if (!pending) {
    return refusal_page(b, 400, "This sign-in link no longer works",
                        "It was already used, it expired, it was opened in another browser than "
                        "the one you started in, or it did not come from gaplog.",
                        "Go back to gaplog and choose “Sign in” again.");
  }
  if (query.has("error") || !query.has("code")) {
    const std::string error = query.has("error") ? query.get("error") : "no code";
    log_line(b, fmt::format("gaplog: sign-in refused: {} answered {}", idp, quoted_excerpt(error)));
    return refusal_page(b, 403, "You were not signed in",
                        fmt::format("{} did not sign you in ({}).", idp, quoted_excerpt(error)),
                        "Go back to gaplog and try again.");
  }
  Result<IdTokenClaims> claims =
      b.oidc->finish(query.get("code"), pending->code_verifier, pending->nonce);
  if (!claims) {
    log_line(b, fmt::format("gaplog: sign-in refused: {}", claims.status().message()));
    const bool down = claims.status().code() == Code::kUnavailable;
    return refusal_page(b, down ? 503 : 403, "You were not signed in",
                        fmt::format("gaplog could not verify your sign-in with {}.", idp),
                        "Go back to gaplog and try again. If it keeps happening, tell an "
                        "administrator the time it happened.");
  }
  std::string refusal;
  Result<std::string> email = person_of(b, *claims, &refusal);
  if (!email) {
    log_line(
        b, fmt::format("gaplog: sign-in refused for {} (sub {}): {}", quoted_excerpt(claims->email),
                       quoted_excerpt(claims->subject), email.status().message()));
    return refusal_page(b, 403, "You cannot use gaplog yet", refusal,
                        "Ask a gaplog administrator to add you, or to reactivate your account.",
                        claims->email_verified ? Ask::kNamedAdmins : Ask::kAdmins);
  }
  return start_session(b, request, *pending, *claims, *email);
}

Status check_csrf(const Backend& b, const ApiRequest& request, const Session& s) {
  const std::optional<std::string_view> token = request.header("X-CSRF-Token");
  if (!token) {
    return permission_denied(
        "a write signed in with the session cookie must send the header X-CSRF-Token with the "
        "csrf_token of GET /auth/session");
  }
  if (token->size() != s.csrf_token.size() ||
      CRYPTO_memcmp(token->data(), s.csrf_token.data(), token->size()) != 0) {
    return permission_denied(
        "X-CSRF-Token does not match this session's csrf_token; read it again from GET "
        "/auth/session");
  }
  const std::string expected = origin_of(b.options.public_url);
  const std::optional<std::string_view> origin = request.header("Origin");
  if (!origin) {
    return permission_denied(fmt::format(
        "a write signed in with the session cookie must carry the header Origin: {}", expected));
  }
  if (origin_of(*origin) != expected) {
    return permission_denied(
        fmt::format("the request comes from {}, not from {}; gaplog refuses writes from other "
                    "sites",
                    quoted_excerpt(*origin), expected));
  }
  return Status::ok();
}

Result<ApiResponse> logout(Backend& b, const ApiRequest& request) {
  const std::optional<std::string_view> cookie = cookie_value(request);
  std::optional<Session> s;
  if (cookie) s = b.sessions.find(*cookie);
  if (!s) return Status(Code::kUnauthenticated, "you are not signed in");
  GAPLOG_RETURN_IF_ERROR(check_csrf(b, request, *s));
  // The session ends first: a sign-out must work even when the log refuses writes. The event
  // follows; when it cannot be written, the server log says so.
  GAPLOG_RETURN_IF_ERROR(b.sessions.remove(*cookie));
  if (b.commands.user_principal(s->email)) {
    if (Result<CommandOutcome> out = b.commands.execute(s->email, SignOut{}); !out) {
      log_line(b, fmt::format("gaplog: the sign-out of {} could not be recorded: {}",
                              quoted_excerpt(s->email), out.status().message()));
    }
  }
  ApiResponse r = json_response(200, Value::object().set("signed_out", Value::boolean(true)));
  r.headers.emplace_back("Set-Cookie", clear_cookie(b));
  r.user = s->email;
  return r;
}

Result<ApiResponse> session_info(Backend& b, const ApiRequest& request) {
  const std::optional<std::string_view> cookie = cookie_value(request);
  std::optional<Session> s;
  if (cookie) s = b.sessions.find(*cookie);
  if (!s) return Status(Code::kUnauthenticated, "you are not signed in; sign in first");
  Result<Principal> p = b.commands.user_principal(s->email);
  if (!p) {
    // Only when the user is no longer active: a passing error (the log unreadable for a
    // moment) must not sign the person out everywhere.
    if (p.status().code() == Code::kUnauthenticated) b.sessions.remove_user(s->email);
    return p.status();
  }
  GAPLOG_ASSIGN_OR_RETURN(const std::string name, b.commands.read([&](const ProgramState& st) {
    const UserState* u = st.user(s->email);
    return u ? u->name : std::string();
  }));
  ApiResponse r = json_response(
      200, Value::object()
               .set("email", Value::string(s->email))
               .set("name", Value::string(name))
               .set("role", Value::string(std::string(gaplog::name(p->role))))
               .set("csrf_token", Value::string(s->csrf_token))
               .set("expires_at", Value::string(format_timestamp(b.sessions.expires_at(*s)))));
  r.user = s->email;
  return r;
}

}  // namespace

std::string origin_of(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t path = url.find('/', scheme_end + 3);
  std::string out(url.substr(0, path));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // A browser leaves the scheme's default port out of Origin.
  if (out.starts_with("https://") && out.ends_with(":443")) out.resize(out.size() - 4);
  if (out.starts_with("http://") && out.ends_with(":80")) out.resize(out.size() - 3);
  return out;
}

std::optional<Result<Principal>> session_principal(Backend& b, const ApiRequest& request) {
  const std::optional<std::string_view> cookie = cookie_value(request);
  if (!cookie) return std::nullopt;
  std::optional<Session> s = b.sessions.find(*cookie);
  if (!s) {
    return Result<Principal>(Status(Code::kUnauthenticated,
                                    "your session ended (signed out, or expired); sign in again"));
  }
  Result<Principal> p = b.commands.user_principal(s->email);
  if (!p) {
    if (p.status().code() == Code::kUnauthenticated) b.sessions.remove_user(s->email);
    return p;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    if (Status csrf = check_csrf(b, request, *s); !csrf.is_ok()) return Result<Principal>(csrf);
  }
  return p;
}

bool is_sign_in_path(std::string_view path) {
  return path == "/auth/config" || path == "/auth/login" || path == "/auth/callback" ||
         path == "/auth/session" || path == "/auth/logout";
}

Result<ApiResponse> serve_auth(Backend& b, const ApiRequest& request, std::string_view path,
                               std::string_view query_text) {
  GAPLOG_ASSIGN_OR_RETURN(const Query query, Query::parse(query_text));
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/auth/config" && get) return auth_config(b);
  if (path == "/auth/login" && get) return login(b, query);
  if (path == "/auth/callback" && get) return callback(b, request, query);
  if (path == "/auth/session" && get) return session_info(b, request);
  if (path == "/auth/logout" && request.method == "POST") return logout(b, request);
  if (path == "/auth/config" || path == "/auth/login" || path == "/auth/callback" ||
      path == "/auth/session") {
    return method_not_allowed(request.method, path, "GET, HEAD");
  }
  if (path == "/auth/logout") return method_not_allowed(request.method, path, "POST");
  return not_found(
      fmt::format("no such endpoint {}; sign-in lives at /auth/login", quoted_excerpt(path)));
}

}  // namespace gaplog
