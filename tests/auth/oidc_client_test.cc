// The OpenID Connect relying party against a provider played by a loopback server: discovery,
// the authorization URL, the token request and its client authentication, the ID token's
// verification, and the key set's refresh. The test signs its own RS256 tokens with RSA keys it
// generates, and encodes them without the library's helpers (an independent oracle).
#include "auth/oidc_client.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codec/json.h"
#include "codec/url.h"
#include "store/sha256.h"
#include "tests/support/loopback_http_server.h"

namespace gaplog {
namespace {

using testing::LoopbackHttpServer;
using testing::ServedReply;
using testing::ServedRequest;

std::string base64_standard(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string b64url(std::string_view bytes) {
  std::string out = base64_standard(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// An RSA signing key of the provider, with its JWK.
struct ProviderKey {
  std::string kid;
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;

  json::Value jwk() const {
    return json::Value::object()
        .set("kty", json::Value::string("RSA"))
        .set("use", json::Value::string("sig"))
        .set("alg", json::Value::string("RS256"))
        .set("kid", json::Value::string(kid))
        .set("n", json::Value::string(b64url(bn_param(OSSL_PKEY_PARAM_RSA_N))))
        .set("e", json::Value::string(b64url(bn_param(OSSL_PKEY_PARAM_RSA_E))));
  }

  std::string sign(const json::Value& claims) const {
    const json::Value header = json::Value::object()
                                   .set("alg", json::Value::string("RS256"))
                                   .set("typ", json::Value::string("JWT"))
                                   .set("kid", json::Value::string(kid));
    const std::string input = b64url(json::write(header)) + "." + b64url(json::write(claims));
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()), 1);
    size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()), 1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                             input.size()),
              1);
    sig.resize(len);
    return input + "." + b64url(sig);
  }

 private:
  std::string bn_param(const char* name) const {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey.get(), name, &bn), 1);
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }
};

// Three keys for the whole program: RSA generation is slow.
const ProviderKey& key(int i) {
  static const std::vector<ProviderKey>* keys = [] {
    auto* made = new std::vector<ProviderKey>();
    for (const char* kid : {"key-a", "key-b", "key-c"}) {
      made->push_back({kid, std::unique_ptr<EVP_PKEY, PkeyFree>(EVP_RSA_gen(2048))});
    }
    return made;
  }();
  return keys->at(static_cast<size_t>(i));
}

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    const size_t eq = pair.find('=');
    out[percent_decode(pair.substr(0, eq), PlusSign::kSpace).value_or("?")] =
        eq == std::string_view::npos
            ? ""
            : percent_decode(pair.substr(eq + 1), PlusSign::kSpace).value_or("?");
    text = amp == std::string_view::npos ? "" : text.substr(amp + 1);
  }
  return out;
}

constexpr char kClientId[] = "gaplog app";
constexpr char kClientSecret[] = "s3cr:t&/+";
constexpr char kCode[] = "the-authorization-code-123";
constexpr char kRedirect[] = "https://gaplog.example/auth/callback";

// The identity provider: discovery, JWKS and token endpoints on a loopback port. What it
// publishes and how it answers can be changed by the test between requests.
class FakeProvider {
 public:
  explicit FakeProvider(ManualClock& clock)
      : clock_(clock), server_([this](const ServedRequest& r) { return serve(r); }) {
    std::lock_guard<std::mutex> lock(mu_);
    issuer_ = server_.base_url();
  }

  std::string issuer() const {
    std::lock_guard<std::mutex> lock(mu_);
    return issuer_;
  }
  int requests(std::string_view path) const { return server_.count(path); }
  std::string token_form_value(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_token_form_.find(name);
    return it == last_token_form_.end() ? "<absent>" : it->second;
  }
  std::string token_authorization() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_token_authorization_;
  }

  // Changes under the lock: fn(state).
  struct State {
    std::string issuer_in_document;  // empty: the real issuer
    std::string discovery_path = "/.well-known/openid-configuration";
    std::string token_endpoint;  // empty: the real one
    json::Value auth_methods;    // null: not listed
    json::Value challenge_methods = json::Value::array().push(json::Value::string("S256"));
    std::vector<int> published = {0};  // indexes of key()
    int signing_key = 0;
    std::string nonce;               // put in the ID token
    std::string expected_challenge;  // the verifier must hash to it
    int token_status = 200;
    std::string token_error;  // with token_status != 200
  };
  template <typename F>
  void change(F fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn(state_);
  }

 private:
  ServedReply serve(const ServedRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.method == "GET" && r.target == state_.discovery_path) return discovery();
    if (r.method == "GET" && r.target == "/jwks") return jwks();
    if (r.method == "POST" && r.target == "/token") return token(r);
    return ServedReply{404, "text/plain", "no such path", {}, false, false};
  }

  ServedReply discovery() const {
    json::Value doc =
        json::Value::object()
            .set("issuer",
                 json::Value::string(state_.issuer_in_document.empty() ? issuer_
                                                                       : state_.issuer_in_document))
            .set("authorization_endpoint", json::Value::string(issuer_ + "/authorize"))
            .set("token_endpoint",
                 json::Value::string(state_.token_endpoint.empty() ? issuer_ + "/token"
                                                                   : state_.token_endpoint))
            .set("jwks_uri", json::Value::string(issuer_ + "/jwks"))
            .set("code_challenge_methods_supported", state_.challenge_methods);
    if (!state_.auth_methods.is_null()) {
      doc.set("token_endpoint_auth_methods_supported", state_.auth_methods);
    }
    return ServedReply{200, "application/json", json::write(doc), {}, false, false};
  }

  ServedReply jwks() const {
    json::Value keys = json::Value::array();
    for (int i : state_.published) keys.push(key(i).jwk());
    return ServedReply{200,
                       "application/jwk-set+json",
                       json::write(json::Value::object().set("keys", std::move(keys))),
                       {},
                       false,
                       false};
  }

  ServedReply token(const ServedRequest& r) {
    last_token_form_ = parse_form(r.body);
    last_token_authorization_ = r.header("authorization");
    auto refuse = [](const std::string& why) {
      return ServedReply{400,
                         "application/json",
                         json::write(json::Value::object()
                                         .set("error", json::Value::string("invalid_grant"))
                                         .set("error_description", json::Value::string(why))),
                         {},
                         false,
                         false};
    };
    if (state_.token_status != 200) {
      return ServedReply{
          state_.token_status,
          "application/json",
          // Some providers repeat the code in their description; gaplog must not.
          json::write(
              json::Value::object()
                  .set("error", json::Value::string(state_.token_error))
                  .set("error_description",
                       json::Value::string("code " + last_token_form_["code"] + " has expired"))),
          {},
          false,
          false};
    }
    const auto& form = last_token_form_;
    if (form.count("grant_type") == 0 || form.at("grant_type") != "authorization_code") {
      return refuse("grant_type");
    }
    if (form.count("code") == 0 || form.at("code") != kCode) return refuse("code");
    if (form.count("redirect_uri") == 0 || form.at("redirect_uri") != kRedirect) {
      return refuse("redirect_uri");
    }
    const Hash digest = sha256(form.count("code_verifier") ? form.at("code_verifier") : "");
    if (b64url(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) !=
        state_.expected_challenge) {
      return refuse("PKCE verification failed");
    }
    const bool basic =
        last_token_authorization_ == "Basic " + base64_standard("gaplog%20app:s3cr%3At%26%2F%2B");
    const bool post = form.count("client_id") && form.at("client_id") == kClientId &&
                      form.count("client_secret") && form.at("client_secret") == kClientSecret;
    if (!basic && !post) return refuse("client authentication");
    const int64_t now = clock_.now() / kMicrosPerSecond;
    const json::Value claims = json::Value::object()
                                   .set("iss", json::Value::string(issuer_))
                                   .set("sub", json::Value::string("user-42"))
                                   .set("aud", json::Value::string(kClientId))
                                   .set("exp", json::Value::integer(now + 600))
                                   .set("iat", json::Value::integer(now))
                                   .set("nonce", json::Value::string(state_.nonce))
                                   .set("email", json::Value::string("ada@example.com"))
                                   .set("email_verified", json::Value::boolean(true))
                                   .set("name", json::Value::string("Ada Lovelace"));
    const json::Value answer =
        json::Value::object()
            .set("access_token", json::Value::string("at"))
            .set("token_type", json::Value::string("Bearer"))
            .set("id_token", json::Value::string(key(state_.signing_key).sign(claims)));
    return ServedReply{200, "application/json", json::write(answer), {}, false, false};
  }

  ManualClock& clock_;
  mutable std::mutex mu_;
  std::string issuer_;
  State state_;
  std::map<std::string, std::string> last_token_form_;
  std::string last_token_authorization_;
  LoopbackHttpServer server_;  // last: stops (and joins its thread) before the state goes
};

// The query parameters of a URL, decoded.
std::map<std::string, std::string> query_of(const std::string& url) {
  const size_t q = url.find('?');
  return q == std::string::npos ? std::map<std::string, std::string>{}
                                : parse_form(std::string_view(url).substr(q + 1));
}

Micros wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class OidcSignIn : public ::testing::Test {
 protected:
  OidcSignIn() : clock_(wall_clock_now()), provider_(clock_), http_(make_https_client()) {}

  OidcConfig config(std::string issuer = "") const {
    OidcConfig c;
    c.issuer = issuer.empty() ? provider_.issuer() : std::move(issuer);
    c.client_id = kClientId;
    c.client_secret = kClientSecret;
    c.redirect_uri = kRedirect;
    c.display_name = "Test IdP";
    return c;
  }

  // begin(), then tells the provider the nonce and challenge as the browser would have carried
  // them, then finish().
  Result<IdTokenClaims> sign_in(OidcClient& client) {
    Result<AuthorizationRequest> req = client.begin();
    if (!req.is_ok()) return req.status();
    const auto params = query_of(req->url);
    provider_.change([&](FakeProvider::State& s) {
      s.nonce = params.at("nonce");
      s.expected_challenge = params.at("code_challenge");
    });
    return client.finish(kCode, req->code_verifier, req->nonce);
  }

  ManualClock clock_;
  FakeProvider provider_;
  std::unique_ptr<HttpsClient> http_;
};

TEST_F(OidcSignIn, AuthorizationUrlCarriesEveryParameterAndAnS256Challenge) {
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_TRUE(req.is_ok()) << req.status().to_string();
  EXPECT_TRUE(req->url.starts_with(provider_.issuer() + "/authorize?")) << req->url;
  EXPECT_EQ(req->url.find(' '), std::string::npos);
  EXPECT_NE(req->url.find("redirect_uri=https%3A%2F%2Fgaplog.example%2Fauth%2Fcallback"),
            std::string::npos)
      << req->url;
  const auto params = query_of(req->url);
  EXPECT_EQ(params.size(), 8u);
  EXPECT_EQ(params.at("response_type"), "code");
  EXPECT_EQ(params.at("client_id"), kClientId);
  EXPECT_EQ(params.at("redirect_uri"), kRedirect);
  EXPECT_EQ(params.at("scope"), "openid email profile");
  EXPECT_EQ(params.at("state"), req->state);
  EXPECT_EQ(params.at("nonce"), req->nonce);
  EXPECT_EQ(params.at("code_challenge_method"), "S256");
  const Hash digest = sha256(req->code_verifier);
  EXPECT_EQ(params.at("code_challenge"),
            b64url(std::string_view(reinterpret_cast<const char*>(digest.data()), 32)));
  for (const std::string* v : {&req->state, &req->nonce, &req->code_verifier}) {
    EXPECT_EQ(v->size(), 43u) << *v;
    EXPECT_EQ(v->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_"),
              std::string::npos)
        << *v;
  }
  Result<AuthorizationRequest> again = client.begin();
  ASSERT_TRUE(again.is_ok());
  EXPECT_NE(again->state, req->state);
  EXPECT_NE(again->nonce, req->nonce);
  EXPECT_NE(again->code_verifier, req->code_verifier);
  EXPECT_EQ(provider_.requests("/.well-known/openid-configuration"), 1);  // cached
}

TEST_F(OidcSignIn, FinishSendsTheCodeTheVerifierAndBasicClientAuthentication) {
  OidcClient client(config(), *http_, clock_);
  Result<IdTokenClaims> claims = sign_in(client);
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(claims->issuer, provider_.issuer());
  EXPECT_EQ(claims->subject, "user-42");
  EXPECT_EQ(claims->email, "ada@example.com");
  EXPECT_TRUE(claims->email_verified);
  EXPECT_EQ(claims->name, "Ada Lovelace");
  EXPECT_EQ(provider_.token_form_value("grant_type"), "authorization_code");
  EXPECT_EQ(provider_.token_form_value("code"), kCode);
  EXPECT_EQ(provider_.token_form_value("redirect_uri"), kRedirect);
  EXPECT_EQ(provider_.token_form_value("client_secret"), "<absent>");
  EXPECT_EQ(provider_.token_authorization(),
            "Basic " + base64_standard("gaplog%20app:s3cr%3At%26%2F%2B"));
}

TEST_F(OidcSignIn, ClientSecretPostWhenTheProviderListsOnlyThat) {
  provider_.change([](FakeProvider::State& s) {
    s.auth_methods = json::Value::array()
                         .push(json::Value::string("client_secret_post"))
                         .push(json::Value::string("private_key_jwt"));
  });
  OidcClient client(config(), *http_, clock_);
  Result<IdTokenClaims> claims = sign_in(client);
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(provider_.token_authorization(), "");
  EXPECT_EQ(provider_.token_form_value("client_id"), kClientId);
  EXPECT_EQ(provider_.token_form_value("client_secret"), kClientSecret);
}

TEST_F(OidcSignIn, IssuerWithATrailingSlashFindsTheDiscoveryDocument) {
  const std::string issuer = provider_.issuer() + "/";
  provider_.change([&](FakeProvider::State& s) { s.issuer_in_document = issuer; });
  OidcClient client(config(issuer), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_TRUE(req.is_ok()) << req.status().to_string();
  EXPECT_EQ(provider_.requests("/.well-known/openid-configuration"), 1);
}

TEST_F(OidcSignIn, DiscoveryNamingAnotherIssuerIsRefused) {
  provider_.change([](FakeProvider::State& s) { s.issuer_in_document = "https://evil.example"; });
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_FALSE(req.is_ok());
  EXPECT_EQ(req.status().code(), Code::kUnavailable);
  EXPECT_NE(req.status().message().find("https://evil.example"), std::string::npos)
      << req.status().message();
}

TEST_F(OidcSignIn, DiscoveryIsRetriedAfterAFailure) {
  provider_.change([](FakeProvider::State& s) { s.issuer_in_document = "https://evil.example"; });
  OidcClient client(config(), *http_, clock_);
  EXPECT_FALSE(client.begin().is_ok());
  provider_.change([](FakeProvider::State& s) { s.issuer_in_document.clear(); });
  // Within 30 s the failure is answered again without asking the provider: a burst of sign-ins
  // while it is down does not hold a worker thread each.
  EXPECT_FALSE(client.begin().is_ok());
  EXPECT_EQ(provider_.requests("/.well-known/openid-configuration"), 1);
  clock_.advance(31 * kMicrosPerSecond);
  Result<AuthorizationRequest> req = client.begin();
  EXPECT_TRUE(req.is_ok()) << req.status().to_string();
  EXPECT_EQ(provider_.requests("/.well-known/openid-configuration"), 2);
}

TEST_F(OidcSignIn, PlainHttpEndpointOfAnotherHostInDiscoveryIsRefused) {
  provider_.change([](FakeProvider::State& s) { s.token_endpoint = "http://idp.example/token"; });
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_FALSE(req.is_ok());
  EXPECT_EQ(req.status().code(), Code::kUnavailable);
  EXPECT_NE(req.status().message().find("token_endpoint"), std::string::npos)
      << req.status().message();
}

TEST_F(OidcSignIn, ProviderWithoutS256IsRefused) {
  provider_.change([](FakeProvider::State& s) {
    s.challenge_methods = json::Value::array().push(json::Value::string("plain"));
  });
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_FALSE(req.is_ok());
  EXPECT_NE(req.status().message().find("S256"), std::string::npos) << req.status().message();
}

TEST_F(OidcSignIn, PlainHttpIssuerOfAnotherHostIsRefusedWithoutARequest) {
  OidcClient client(config("http://idp.example"), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_FALSE(req.is_ok());
  EXPECT_EQ(req.status().code(), Code::kInvalidArgument);
}

TEST_F(OidcSignIn, RefusedCodeNamesTheProvidersErrorButNotTheCode) {
  provider_.change([](FakeProvider::State& s) {
    s.token_status = 400;
    s.token_error = "invalid_grant";
  });
  OidcClient client(config(), *http_, clock_);
  Result<IdTokenClaims> claims = sign_in(client);
  ASSERT_FALSE(claims.is_ok());
  EXPECT_EQ(claims.status().code(), Code::kUnauthenticated);
  EXPECT_NE(claims.status().message().find("invalid_grant"), std::string::npos)
      << claims.status().message();
  EXPECT_EQ(claims.status().message().find(kCode), std::string::npos);
  EXPECT_EQ(claims.status().message().find(kClientSecret), std::string::npos);
}

TEST_F(OidcSignIn, WrongVerifierIsRefusedByTheProvider) {
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_TRUE(req.is_ok());
  const auto params = query_of(req->url);
  provider_.change([&](FakeProvider::State& s) {
    s.nonce = params.at("nonce");
    s.expected_challenge = params.at("code_challenge");
  });
  Result<IdTokenClaims> claims = client.finish(kCode, "another-verifier", req->nonce);
  ASSERT_FALSE(claims.is_ok());
  EXPECT_EQ(claims.status().code(), Code::kUnauthenticated);
  EXPECT_NE(claims.status().message().find("PKCE"), std::string::npos) << claims.status().message();
}

TEST_F(OidcSignIn, TokenWithAnotherNonceIsRefused) {
  OidcClient client(config(), *http_, clock_);
  Result<AuthorizationRequest> req = client.begin();
  ASSERT_TRUE(req.is_ok());
  provider_.change([&](FakeProvider::State& s) {
    s.nonce = "a-replayed-nonce";
    s.expected_challenge = query_of(req->url).at("code_challenge");
  });
  Result<IdTokenClaims> claims = client.finish(kCode, req->code_verifier, req->nonce);
  ASSERT_FALSE(claims.is_ok());
  EXPECT_EQ(claims.status().code(), Code::kUnauthenticated);
}

TEST_F(OidcSignIn, RefetchesTheKeySetWhenAnUnknownKidAppears) {
  OidcClient client(config(), *http_, clock_);
  ASSERT_TRUE(sign_in(client).is_ok());
  EXPECT_EQ(provider_.requests("/jwks"), 1);
  ASSERT_TRUE(sign_in(client).is_ok());
  EXPECT_EQ(provider_.requests("/jwks"), 1);  // cached

  // The provider rotates to key-b: one refetch, and the sign-in succeeds.
  provider_.change([](FakeProvider::State& s) {
    s.published = {0, 1};
    s.signing_key = 1;
  });
  Result<IdTokenClaims> claims = sign_in(client);
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(provider_.requests("/jwks"), 2);
}

TEST_F(OidcSignIn, UnknownKidsRefetchTheKeySetAtMostOnceAMinute) {
  OidcClient client(config(), *http_, clock_);
  ASSERT_TRUE(sign_in(client).is_ok());
  provider_.change([](FakeProvider::State& s) {
    s.published = {0, 1};
    s.signing_key = 1;
  });
  ASSERT_TRUE(sign_in(client).is_ok());
  EXPECT_EQ(provider_.requests("/jwks"), 2);

  // A second unknown kid within the minute: no request, the token is refused.
  provider_.change([](FakeProvider::State& s) {
    s.published = {0, 1, 2};
    s.signing_key = 2;
  });
  clock_.advance(59 * kMicrosPerSecond);
  Result<IdTokenClaims> refused = sign_in(client);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(provider_.requests("/jwks"), 2);

  // A minute after the last refresh: one more.
  clock_.advance(2 * kMicrosPerSecond);
  Result<IdTokenClaims> claims = sign_in(client);
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(provider_.requests("/jwks"), 3);
}

}  // namespace
}  // namespace gaplog
