// The OpenID Connect relying party: discovery, the authorization URL, the token request and the
// ID token's verification. Network I/O never happens under mu_: values are read under the lock,
// fetched without it, and swapped in under it again.
#include "auth/oidc_client.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <string_view>
#include <utility>
#include <vector>

#include "auth/session_store.h"
#include "codec/url.h"
#include "store/sha256.h"

namespace gaplog {

namespace {

// What gaplog needs from the provider's discovery document (OpenID Connect Discovery §3).
struct ProviderMetadata {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  bool client_secret_post = false;  // else client_secret_basic
};

// An unknown kid refreshes the key set at most this often.
constexpr Micros kKeyRefreshInterval = 60 * kMicrosPerSecond;

const OutboundHeaders kAcceptJson = {{"Accept", "application/json"}};

// 256 random bits, base64url: 43 characters.
Result<std::string> random_token() { return base64url_encode(random_bytes(32)); }

// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
std::string s256_challenge(const std::string& verifier) {
  const Hash digest = sha256(verifier);
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// Standard base64 with padding (RFC 4648 §4), for the Basic scheme.
std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

// RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined by ':'.
std::string basic_credentials(const std::string& client_id, const std::string& client_secret) {
  return "Basic " + base64(percent_encode(client_id) + ":" + percent_encode(client_secret));
}

// OpenID Connect Discovery §4: a trailing '/' of the issuer is dropped before the well-known
// path is appended (https://idp/realm/ and https://idp/realm give the same document).
std::string discovery_url(std::string_view issuer) {
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  return std::string(issuer) + "/.well-known/openid-configuration";
}

const std::string* string_member(const json::Value& object, std::string_view key) {
  const json::Value* v = object.find(key);
  return v != nullptr && v->is_string() ? &v->as_string() : nullptr;
}

// nullopt when `key` is absent; otherwise whether the array lists `wanted`.
Result<std::optional<bool>> lists(const json::Value& doc, std::string_view key,
                                  std::string_view wanted) {
  const json::Value* v = doc.find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_array()) {
    return unavailable(fmt::format("the discovery document's {} is not an array", key));
  }
  for (const json::Value& item : v->items()) {
    if (item.is_string() && item.as_string() == wanted) return std::optional<bool>(true);
  }
  return std::optional<bool>(false);
}

Result<std::string> endpoint(const json::Value& doc, std::string_view key) {
  const std::string* url = string_member(doc, key);
  if (url == nullptr) {
    return unavailable(fmt::format("the discovery document has no {} (a string)", key));
  }
  const Status usable = check_outbound_url(*url);
  if (!usable.is_ok()) {
    return unavailable(
        fmt::format("the discovery document's {} is refused: {}", key, usable.message()));
  }
  return *url;
}

// client_secret_basic unless the provider lists token_endpoint_auth_methods_supported without it
// (the default of OpenID Connect Discovery §3 is client_secret_basic).
Result<bool> uses_client_secret_post(const json::Value& doc) {
  constexpr std::string_view kMethods = "token_endpoint_auth_methods_supported";
  GAPLOG_ASSIGN_OR_RETURN(std::optional<bool> basic, lists(doc, kMethods, "client_secret_basic"));
  if (!basic.has_value() || *basic) return false;
  GAPLOG_ASSIGN_OR_RETURN(std::optional<bool> post, lists(doc, kMethods, "client_secret_post"));
  if (post.value_or(false)) return true;
  return unavailable(
      "the identity provider accepts neither client_secret_basic nor client_secret_post at its "
      "token endpoint; gaplog authenticates with a client secret");
}

Result<ProviderMetadata> parse_metadata(const json::Value& doc, const std::string& issuer) {
  if (!doc.is_object()) return unavailable("the discovery document is not a JSON object");
  const std::string* said = string_member(doc, "issuer");
  if (said == nullptr || *said != issuer) {
    return unavailable(fmt::format(
        "the discovery document names the issuer {} instead of {}; configure the issuer exactly "
        "as the provider writes it",
        said != nullptr ? *said : "(none)", issuer));
  }
  GAPLOG_ASSIGN_OR_RETURN(std::optional<bool> s256,
                          lists(doc, "code_challenge_methods_supported", "S256"));
  if (s256.has_value() && !*s256) {
    return unavailable("the identity provider does not support PKCE with S256");
  }
  ProviderMetadata m;
  GAPLOG_ASSIGN_OR_RETURN(m.authorization_endpoint, endpoint(doc, "authorization_endpoint"));
  GAPLOG_ASSIGN_OR_RETURN(m.token_endpoint, endpoint(doc, "token_endpoint"));
  GAPLOG_ASSIGN_OR_RETURN(m.jwks_uri, endpoint(doc, "jwks_uri"));
  GAPLOG_ASSIGN_OR_RETURN(m.client_secret_post, uses_client_secret_post(doc));
  return m;
}

// RFC 6749 §5.2: error codes are printable ASCII without '"' and '\'. Anything else (or a long
// text) is not shown: the message goes to logs and pages.
bool is_printable_error(std::string_view text, size_t max) {
  if (text.empty() || text.size() > max) return false;
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
  }
  return true;
}

// The token endpoint's refusal, naming the provider's `error` (and its description when it is
// plain text that does not repeat the code) but never the code itself.
Status token_refusal(const OutboundResponse& res, const std::string& code) {
  if (res.status >= 500) {
    return unavailable(
        fmt::format("the identity provider's token endpoint answered HTTP {}", res.status));
  }
  std::string reason = "no OAuth error code";
  Result<json::Value> body = json::parse(res.body);
  if (body.is_ok()) {
    const std::string* error = string_member(*body, "error");
    const std::string* description = string_member(*body, "error_description");
    if (error != nullptr && is_printable_error(*error, 64)) reason = *error;
    if (description != nullptr && is_printable_error(*description, 200) &&
        (code.empty() || description->find(code) == std::string::npos)) {
      reason += fmt::format(" ({})", *description);
    }
  }
  return Status(
      Code::kUnauthenticated,
      fmt::format("the identity provider refused the sign-in: {} (HTTP {})", reason, res.status));
}

}  // namespace

struct OidcClient::Discovery : ProviderMetadata {};

OidcClient::OidcClient(OidcConfig config, HttpsClient& http, Clock& clock)
    : config_(std::move(config)), http_(http), clock_(clock) {}

OidcClient::~OidcClient() = default;

Result<OidcClient::Discovery> OidcClient::discovery() {
  const Micros now = clock_.now();
  {
    MutexLock lock(mu_);
    if (discovery_) return *discovery_;
    if (discovery_failed_at_ && now - *discovery_failed_at_ < kDiscoveryRetryAfter)
      return unavailable(discovery_failure_);
  }
  Result<Discovery> fetched = fetch_discovery();
  MutexLock lock(mu_);
  if (!fetched) {
    discovery_failed_at_ = now;
    discovery_failure_ = fetched.status().message();
    return fetched.status();
  }
  discovery_failed_at_.reset();
  if (!discovery_) discovery_ = std::make_unique<Discovery>(std::move(*fetched));
  return *discovery_;
}

Result<OidcClient::Discovery> OidcClient::fetch_discovery() {
  GAPLOG_RETURN_IF_ERROR(check_outbound_url(config_.issuer));
  const std::string url = discovery_url(config_.issuer);
  GAPLOG_ASSIGN_OR_RETURN(OutboundResponse res, http_.get(url, kAcceptJson));
  if (res.status != 200) {
    return unavailable(
        fmt::format("the OpenID discovery document at {} answered HTTP {}", url, res.status));
  }
  Result<json::Value> doc = json::parse(res.body);
  if (!doc.is_ok()) {
    return unavailable(fmt::format("the OpenID discovery document at {} is not JSON: {}", url,
                                   doc.status().message()));
  }
  Result<ProviderMetadata> metadata = parse_metadata(*doc, config_.issuer);
  if (!metadata.is_ok()) {
    return unavailable(fmt::format("sign-in with {} is not possible: {}", config_.issuer,
                                   metadata.status().message()));
  }
  return Discovery{std::move(*metadata)};
}

Result<AuthorizationRequest> OidcClient::begin() {
  GAPLOG_ASSIGN_OR_RETURN(Discovery provider, discovery());
  AuthorizationRequest req;
  GAPLOG_ASSIGN_OR_RETURN(req.state, random_token());
  GAPLOG_ASSIGN_OR_RETURN(req.nonce, random_token());
  GAPLOG_ASSIGN_OR_RETURN(req.code_verifier, random_token());
  const std::vector<std::pair<std::string_view, std::string>> params = {
      {"response_type", "code"},
      {"client_id", config_.client_id},
      {"redirect_uri", config_.redirect_uri},
      {"scope", "openid email profile"},
      {"state", req.state},
      {"nonce", req.nonce},
      {"code_challenge", s256_challenge(req.code_verifier)},
      {"code_challenge_method", "S256"},
  };
  req.url = provider.authorization_endpoint;
  char separator = req.url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    req.url += separator;
    req.url += name;
    req.url += '=';
    req.url += percent_encode(value);
    separator = '&';
  }
  return req;
}

Result<IdTokenClaims> OidcClient::finish(const std::string& code, const std::string& code_verifier,
                                         const std::string& nonce) {
  GAPLOG_ASSIGN_OR_RETURN(Discovery provider, discovery());
  FormFields form = {{"grant_type", "authorization_code"},
                     {"code", code},
                     {"redirect_uri", config_.redirect_uri},
                     {"code_verifier", code_verifier}};
  OutboundHeaders headers = kAcceptJson;
  if (provider.client_secret_post) {
    form.emplace_back("client_id", config_.client_id);
    form.emplace_back("client_secret", config_.client_secret);
  } else {
    headers.emplace_back("Authorization",
                         basic_credentials(config_.client_id, config_.client_secret));
  }
  GAPLOG_ASSIGN_OR_RETURN(OutboundResponse res,
                          http_.post_form(provider.token_endpoint, form, headers));
  if (res.status != 200) return token_refusal(res, code);
  Result<json::Value> body = json::parse(res.body);
  const std::string* id_token = body.is_ok() ? string_member(*body, "id_token") : nullptr;
  if (id_token == nullptr) {
    return Status(Code::kUnauthenticated,
                  "the identity provider's token answer has no id_token (a JSON string)");
  }
  GAPLOG_ASSIGN_OR_RETURN(json::Value payload, verify(*id_token));
  IdTokenExpectations want;
  want.issuer = config_.issuer;
  want.client_id = config_.client_id;
  want.nonce = nonce;
  want.now = clock_.now() / kMicrosPerSecond;
  return check_id_token(payload, want);
}

Result<json::Value> OidcClient::verify(const std::string& id_token) {
  GAPLOG_ASSIGN_OR_RETURN(JwsHeader header, peek_jws_header(id_token));
  GAPLOG_ASSIGN_OR_RETURN(std::shared_ptr<const JwkSet> keys, key_set_for(header.kid));
  return verify_jws(id_token, *keys);
}

Result<std::shared_ptr<const JwkSet>> OidcClient::key_set_for(
    const std::optional<std::string>& kid) {
  GAPLOG_ASSIGN_OR_RETURN(Discovery provider, discovery());
  {
    MutexLock lock(mu_);
    if (keys_ && (!kid || keys_->has_key(*kid))) return keys_;
    if (keys_) {
      // An unknown kid: the provider may have rotated its keys. The refresh is claimed before
      // the fetch, so that concurrent sign-ins and a failing fetch do not fetch again for a
      // minute; until then verify_jws refuses the token (unknown kid).
      const Micros now = clock_.now();
      if (keys_refreshed_at_ && now - *keys_refreshed_at_ < kKeyRefreshInterval) return keys_;
      keys_refreshed_at_ = now;
    }
  }
  GAPLOG_ASSIGN_OR_RETURN(std::shared_ptr<const JwkSet> fresh, fetch_key_set(provider.jwks_uri));
  MutexLock lock(mu_);
  keys_ = fresh;
  return fresh;
}

Result<std::shared_ptr<const JwkSet>> OidcClient::fetch_key_set(const std::string& jwks_uri) {
  GAPLOG_ASSIGN_OR_RETURN(
      OutboundResponse res,
      http_.get(jwks_uri, {{"Accept", "application/jwk-set+json, application/json"}}));
  if (res.status != 200) {
    return unavailable(fmt::format("the identity provider's key set at {} answered HTTP {}",
                                   jwks_uri, res.status));
  }
  Result<JwkSet> keys = JwkSet::parse(res.body);
  if (!keys.is_ok()) {
    return unavailable(fmt::format("the identity provider's key set at {} is not usable: {}",
                                   jwks_uri, keys.status().message()));
  }
  return std::make_shared<const JwkSet>(std::move(*keys));
}

}  // namespace gaplog
