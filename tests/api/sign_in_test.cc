// SPEC §10 at the API: the session cookie, its CSRF rules, sign-out, deactivation and role
// changes mid-session, the sign-in endpoints' refusals that need no identity provider, and
// tokens with an expiry (/me/tokens, /tokens). The flow through a real OpenID provider is
// tested end to end in Chromium (tests/web/sign_in.test.mjs).
#include <gtest/gtest.h>

#include "../support/api_test_support.h"

namespace gaplog::testing {
namespace {

class SignIn : public ApiFixture {
 protected:
  struct Browser {
    std::string cookie, csrf;
  };
  Browser sign_in(const std::string& email) {
    auto cookie = program_->sessions().create(email, "sub-" + email);
    EXPECT_TRUE(cookie.is_ok());
    std::optional<Session> s = program_->sessions().find(*cookie);
    EXPECT_TRUE(s.has_value());
    return Browser{*cookie, s ? s->csrf_token : ""};
  }
  // A request as the browser sends it: the cookie, and the given extra headers.
  Reply browse(const Browser& b, const std::string& method, const std::string& target,
               const std::string& body = "", HeaderList headers = {}) {
    headers.emplace_back("Cookie", "theme=dark; gaplog_session=" + b.cookie);
    return call("", method, target, body, std::move(headers));
  }
  HeaderList writes_from_the_page(const Browser& b) {
    return {{"X-CSRF-Token", b.csrf}, {"Origin", options_.public_url}};
  }
  static constexpr const char* kFinding =
      R"({"title":"Backups untested","severity":"low","criteria":["A1.2"]})";
};

TEST_F(SignIn, ASessionReadsWithTheCookieAlone) {
  const Browser b = sign_in(kAuditor);
  Reply r = browse(b, "GET", "/api/v1/me");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r["email"]), kAuditor);
}

TEST_F(SignIn, AWriteWithTheCookieNeedsTheCsrfTokenAndTheOrigin) {
  const Browser b = sign_in(kEditor);
  const uint64_t before = tree_size();
  struct Case {
    const char* what;
    HeaderList headers;
  };
  const std::vector<Case> refused = {
      {"no X-CSRF-Token", {{"Origin", options_.public_url}}},
      {"a wrong X-CSRF-Token",
       {{"X-CSRF-Token", std::string(64, 'a')}, {"Origin", options_.public_url}}},
      {"the cookie as the CSRF token",
       {{"X-CSRF-Token", b.cookie}, {"Origin", options_.public_url}}},
      {"no Origin", {{"X-CSRF-Token", b.csrf}}},
      {"a foreign Origin", {{"X-CSRF-Token", b.csrf}, {"Origin", "http://evil.example"}}},
      {"another port", {{"X-CSRF-Token", b.csrf}, {"Origin", "http://127.0.0.1:9999"}}},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.what);
    Reply r = browse(b, "POST", "/api/v1/findings", kFinding, c.headers);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.error_code(), "forbidden");
  }
  EXPECT_EQ(tree_size(), before) << "a refused write wrote something";
  Reply ok = browse(b, "POST", "/api/v1/findings", kFinding, writes_from_the_page(b));
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(SignIn, BearerWritesNeedNoCsrfToken) {
  if (with_sessions()) GTEST_SKIP() << "the fixture signs in with cookies here";
  Reply r = call(kEditor, "POST", "/api/v1/findings", kFinding);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(SignIn, DeactivationEndsTheSessionAtTheNextRequest) {
  const Browser b = sign_in(kEditor);
  ASSERT_EQ(browse(b, "GET", "/api/v1/findings").status, 200);
  ASSERT_EQ(
      call(kAdmin, "POST", "/api/v1/users/" + std::string(kEditor) + "/deactivate", "{}").status,
      200);
  Reply r = browse(b, "GET", "/api/v1/findings");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(browse(b, "GET", "/auth/session").status, 401);
}

TEST_F(SignIn, ARoleChangeCountsFromTheNextRequest) {
  const Browser b = sign_in(kEditor);
  ASSERT_EQ(browse(b, "POST", "/api/v1/findings", kFinding, writes_from_the_page(b)).status, 201);
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/users/" + std::string(kEditor) + "/role",
                 R"({"role":"contributor"})")
                .status,
            200);
  EXPECT_EQ(browse(b, "POST", "/api/v1/findings", kFinding, writes_from_the_page(b)).status, 403);
  Reply s = browse(b, "GET", "/auth/session");
  EXPECT_EQ(str(s["role"]), "contributor");
}

TEST_F(SignIn, TheSessionEndpointSaysWhoAndUntilWhen) {
  EXPECT_EQ(call("", "GET", "/auth/session").status, 401);
  const Browser b = sign_in(kOwner);
  Reply r = browse(b, "GET", "/auth/session");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r["email"]), kOwner);
  EXPECT_EQ(str(r["role"]), "contributor");
  EXPECT_EQ(str(r["csrf_token"]), b.csrf);
  EXPECT_EQ(str(r["expires_at"]).size(), 20u) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
}

TEST_F(SignIn, SignOutIsAnEventAndEndsTheSession) {
  const Browser b = sign_in(kOwner);
  EXPECT_EQ(browse(b, "POST", "/auth/logout").status, 403) << "sign-out needs the CSRF token too";
  const uint64_t before = tree_size();
  Reply r = browse(b, "POST", "/auth/logout", "", writes_from_the_page(b));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(tree_size(), before + 1);
  const std::string cleared = r.header("Set-Cookie").value_or("");
  EXPECT_NE(cleared.find("gaplog_session=;"), std::string::npos) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
  EXPECT_EQ(browse(b, "GET", "/api/v1/me").status, 401);
  Reply events = call(kAdmin, "GET", "/api/v1/events?stream=user/" + std::string(kOwner));
  const json::Value& items = events["events"];
  ASSERT_TRUE(items.is_array() && !items.items().empty()) << events.body;
  EXPECT_EQ(str(*items.items().back().find("type")), "user_signed_out");
  EXPECT_EQ(str(*items.items().back().find("actor")), kOwner);
}

TEST_F(SignIn, TheCookieIsSecureExactlyWhenThePublicUrlIsHttps) {
  for (const char* url : {"http://127.0.0.1:8080", "https://gaplog.acme.example"}) {
    SCOPED_TRACE(url);
    options_.public_url = url;
    open_program();
    const Browser b = sign_in(kOwner);
    Reply r = browse(b, "POST", "/auth/logout", "", writes_from_the_page(b));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string cookie = r.header("Set-Cookie").value_or("");
    for (const char* attribute : {"; Path=/", "; HttpOnly", "; SameSite=Lax"})
      EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("; Secure") != std::string::npos, std::string(url).starts_with("https"))
        << cookie;
  }
}

// A browser leaves the default port out of Origin: https://x:443 and https://x are one origin.
TEST_F(SignIn, ThePublicUrlsDefaultPortIsTheOriginWithoutIt) {
  options_.public_url = "https://gaplog.acme.example:443";
  open_program();
  const Browser b = sign_in(kEditor);
  Reply r = browse(b, "POST", "/api/v1/findings", kFinding,
                   {{"X-CSRF-Token", b.csrf}, {"Origin", "https://gaplog.acme.example"}});
  EXPECT_EQ(r.status, 201) << r.body;
  r = browse(b, "POST", "/api/v1/findings", kFinding,
             {{"X-CSRF-Token", b.csrf}, {"Origin", "https://gaplog.acme.example:8443"}});
  EXPECT_EQ(r.status, 403) << r.body;
}

TEST_F(SignIn, SessionsSurviveARestartOfTheServer) {
  const Browser b = sign_in(kOwner);
  open_program();
  EXPECT_EQ(browse(b, "GET", "/api/v1/me").status, 200);
}

TEST_F(SignIn, WithoutAnIdentityProviderTheConfigSaysSoAndLoginIs404) {
  Reply config = call("", "GET", "/auth/config");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_TRUE(config["oidc"].is_null());
  EXPECT_EQ(call("", "GET", "/auth/login").status, 404);
  EXPECT_EQ(call("", "POST", "/auth/config").status, 405);
}

TEST_F(SignIn, ACallbackWithAMissingOrUnknownStateIsRefusedAndWritesNothing) {
  options_.oidc = OidcConfig{"http://127.0.0.1:9", "gaplog", "secret",
                             options_.public_url + "/auth/callback", "Acme SSO"};
  open_program();
  Reply config = call("", "GET", "/auth/config");
  EXPECT_EQ(str(*config["oidc"].find("name")), "Acme SSO");
  const uint64_t before = tree_size();
  for (const char* target : {"/auth/callback?code=abc", "/auth/callback?code=abc&state=forged"}) {
    SCOPED_TRACE(target);
    Reply r = call("", "GET", target);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("no longer works"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("administrator"), std::string::npos) << "says whom to ask";
    EXPECT_EQ(r.body.find("admin@example.com"), std::string::npos)
        << "a made-up callback URL must not hand out the admins' addresses";
    EXPECT_FALSE(r.header("Set-Cookie").has_value());
  }
  EXPECT_EQ(tree_size(), before);
}

TEST_F(SignIn, AnExpiredTokenIsRefusedSayingItExpired) {
  const std::string tomorrow = format_date(Date{date_of(clock_.now()).days + 1});
  Reply issued = call(kAdmin, "POST", "/api/v1/users/" + std::string(kEditor) + "/tokens",
                      R"({"expires_on":")" + tomorrow + R"("})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  EXPECT_EQ(str(issued["expires_on"]), tomorrow);
  const std::string token = str(issued["token"]);
  EXPECT_EQ(call(token, "GET", "/api/v1/me").status, 200);
  clock_.advance(kMicrosPerDay);
  EXPECT_EQ(call(token, "GET", "/api/v1/me").status, 200) << "its last day still works";
  clock_.advance(kMicrosPerDay);
  Reply r = call(token, "GET", "/api/v1/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.error_message().find("expired"), std::string::npos) << r.body;
}

TEST_F(SignIn, APersonalTokenLasts90DaysByDefaultAndListsItsLastUse) {
  Reply issued = call(kAuditor, "POST", "/api/v1/me/tokens", "");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string in_90 = format_date(Date{date_of(clock_.now()).days + 90});
  EXPECT_EQ(str(issued["expires_on"]), in_90);
  const std::string token = str(issued["token"]);
  const std::string id = str(issued["token_id"]);
  clock_.advance(3600 * kMicrosPerSecond);
  ASSERT_EQ(call(token, "GET", "/api/v1/readiness").status, 200);
  Reply mine = call(token, "GET", "/api/v1/me/tokens");
  ASSERT_EQ(mine.status, 200) << mine.body;
  bool found = false;
  for (const json::Value& t : mine["items"].items()) {
    EXPECT_EQ(str(*t.find("email")), kAuditor);
    EXPECT_EQ(t.find("token"), nullptr) << "never the secret";
    if (str(*t.find("token_id")) != id) continue;
    found = true;
    EXPECT_EQ(str(*t.find("expires_on")), in_90);
    EXPECT_EQ(str(*t.find("last_used_at")), format_timestamp(clock_.now()));
    EXPECT_FALSE(t.find("expired")->as_bool());
  }
  EXPECT_TRUE(found) << mine.body;
  // Its owner revokes it; then it stops working.
  EXPECT_EQ(call(kAuditor, "DELETE", "/api/v1/tokens/" + id).status, 200);
  EXPECT_EQ(call(token, "GET", "/api/v1/me").status, 401);
}

TEST_F(SignIn, OnlyAdminsListEveryonesTokens) {
  EXPECT_EQ(call(kEditor, "GET", "/api/v1/tokens").status, 403);
  Reply all = call(kAdmin, "GET", "/api/v1/tokens");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all["items"].items().size(), 5u);
  Reply one = call(kAdmin, "GET", "/api/v1/tokens?user=" + std::string(kOwner));
  ASSERT_EQ(one["items"].items().size(), 1u) << one.body;
  EXPECT_EQ(str(*one["items"].items()[0].find("email")), kOwner);
  EXPECT_EQ(call(kAdmin, "GET", "/api/v1/tokens?owner=x").status, 400);
}

TEST_F(SignIn, APersonalTokenMayNotOutliveAYear) {
  const std::string far = format_date(Date{date_of(clock_.now()).days + 400});
  Reply r = call(kOwner, "POST", "/api/v1/me/tokens", R"({"expires_on":")" + far + R"("})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(call(kOwner, "POST", "/api/v1/users/" + std::string(kOwner) + "/tokens", "{}").status,
            400)
      << "a personal token needs an expiry";
  EXPECT_EQ(call(kOwner, "POST", "/api/v1/users/" + std::string(kEditor) + "/tokens", "{}").status,
            403);
}

}  // namespace
}  // namespace gaplog::testing
