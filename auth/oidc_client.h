// The OpenID Connect relying party of SPEC §10: discovery, the authorization request (code flow
// with PKCE S256, state and nonce, scopes "openid email profile"), the token request and the
// ID token's verification against the issuer's JWKS.
//
// - Discovery reads {issuer}/.well-known/openid-configuration once (lazily, retried on failure);
//   its `issuer` must equal the configured one exactly, and every endpoint must pass
//   check_outbound_url (https, or http on loopback).
// - The JWKS is cached; an ID token whose `kid` is not in the cache refreshes it (at most once a
//   minute, so a stream of bogus kids cannot make gaplog hammer the issuer).
// - The client authenticates at the token endpoint with client_secret_basic (client_secret_post
//   when the discovery document lists only that).
//
// Thread-safe: begin() and finish() may run on many threads at once; the discovery document and
// the key set are guarded by mu_.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/jwt.h"
#include "domain/status.h"
#include "net/https_client.h"
#include "store/clock.h"
#include "store/mutex.h"

namespace gaplog {

struct OidcConfig {
  std::string issuer;  // e.g. https://accounts.google.com
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;  // {public-url}/auth/callback
  std::string display_name;  // "Google": shown as "Sign in with Google"
};

// What the browser is sent to, and what the server keeps until the callback.
struct AuthorizationRequest {
  std::string url;            // the authorization endpoint with every parameter
  std::string state;          // 256 random bits, base64url
  std::string nonce;          // 256 random bits, base64url
  std::string code_verifier;  // RFC 7636: 256 random bits, base64url (43 characters)
};

class OidcClient {
 public:
  // `http` and `clock` are borrowed and must outlive the client.
  OidcClient(OidcConfig config, HttpsClient& http, Clock& clock);
  ~OidcClient();

  const OidcConfig& config() const { return config_; }

  // Fresh state, nonce and verifier, and the URL to redirect the browser to.
  // kUnavailable when the issuer cannot be reached (discovery).
  Result<AuthorizationRequest> begin();

  // Exchanges `code` at the token endpoint and verifies the ID token (signature, iss, aud, exp,
  // iat, nonce). kUnauthenticated with the reason when the code or the token is refused,
  // kUnavailable when the issuer cannot be reached.
  Result<IdTokenClaims> finish(const std::string& code, const std::string& code_verifier,
                               const std::string& nonce);

 private:
  struct Discovery;
  Result<Discovery> discovery() GAPLOG_EXCLUDES(mu_);
  Result<Discovery> fetch_discovery() GAPLOG_EXCLUDES(mu_);
  static constexpr int64_t kDiscoveryRetryAfter = 30'000'000;  // 30 s, in Micros
  Result<json::Value> verify(const std::string& id_token) GAPLOG_EXCLUDES(mu_);
  // The cached key set, loaded or refreshed (for an unknown `kid`) when needed.
  Result<std::shared_ptr<const JwkSet>> key_set_for(const std::optional<std::string>& kid)
      GAPLOG_EXCLUDES(mu_);
  Result<std::shared_ptr<const JwkSet>> fetch_key_set(const std::string& jwks_uri);

  const OidcConfig config_;
  HttpsClient& http_;
  Clock& clock_;
  Mutex mu_;
  std::unique_ptr<Discovery> discovery_ GAPLOG_GUARDED_BY(mu_);
  // The last failure to read the discovery document, answered again for kDiscoveryRetryAfter so
  // that a burst of sign-ins while the provider is down does not hold a worker thread each.
  std::optional<int64_t> discovery_failed_at_ GAPLOG_GUARDED_BY(mu_);  // Micros
  std::string discovery_failure_ GAPLOG_GUARDED_BY(mu_);
  std::shared_ptr<const JwkSet> keys_ GAPLOG_GUARDED_BY(mu_);
  // When an unknown kid last caused a refresh (Micros); the first load does not count, so a key
  // rotated just after start-up is picked up at once.
  std::optional<int64_t> keys_refreshed_at_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
