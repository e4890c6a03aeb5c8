// Sign-in for people (SPEC §10): the /auth/ endpoints and the session cookie's authentication.
// Internal to api/; docs/sign-in.md tells the whole story.
//
//   GET  /auth/config    open: {"oidc": null | {"name", "login_url"}} for the sign-in page
//   GET  /auth/login     302 to the identity provider (code flow, PKCE S256, state, nonce)
//   GET  /auth/callback  checks state, exchanges the code, verifies the ID token, finds the user
//                        by verified e-mail, records user_signed_in, sets the cookie, 302 back;
//                        a refusal is an HTML page saying why and whom to ask
//   POST /auth/logout    records user_signed_out, ends the session, clears the cookie
//   GET  /auth/session   {email, name, role, csrf_token, expires_at}, 401 without a session
//
// Failed sign-ins go to the server log (ApiOptions::log) with their reason, never with a code,
// token or cookie.
#pragma once

#include <optional>
#include <string_view>

#include "api/call.h"

namespace gaplog {

// The answer to a request whose path starts with /auth/.
Result<ApiResponse> serve_auth(Backend& backend, const ApiRequest& request, std::string_view path,
                               std::string_view query);

// Whether `path` is one of the sign-in endpoints serve_auth() answers (/auth/login, ...).
bool is_sign_in_path(std::string_view path);

// Who sends `request` by its session cookie, nullopt when it carries none. A write (any method
// but GET and HEAD) must also carry X-CSRF-Token equal to the session's and an Origin equal to
// the public URL's: kPermissionDenied otherwise. An ended session, or one whose user is no longer
// active, is kUnauthenticated (and the user's sessions are removed).
std::optional<Result<Principal>> session_principal(Backend& backend, const ApiRequest& request);

// scheme://host[:port] of a URL, lowercased: what a browser sends as Origin.
std::string origin_of(std::string_view url);

}  // namespace gaplog
