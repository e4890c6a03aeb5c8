// JSON Web Tokens as OpenID Connect ID tokens use them: a JWS in compact serialization (RFC
// 7515) signed with a key of the issuer's JSON Web Key Set (RFC 7517), verified with OpenSSL.
//
// - Accepted algorithms: RS256, RS384, RS512 (RSA keys of at least 2048 bits) and ES256, ES384
//   (P-256, P-384). Anything else is refused, `none` and every HMAC (HS*) above all: an HMAC
//   "signed" with the issuer's public key must never pass. The header's `alg` must agree with
//   the key (kty, crv, and the key's own `alg` when it has one); `crit` is refused.
// - ES* signatures are the raw R||S form of RFC 7518 §3.4, converted to DER for OpenSSL.
// - Keys are chosen by `kid`; a token without `kid` is tried against the one key of the set
//   that fits its `alg` only when there is exactly one. Several keys may share a kid when they
//   are of different types (RFC 7517 §4.5); the one that fits the alg is used.
// - Every refusal of the key set, the token or its claims is kUnauthenticated with the reason;
//   messages may quote short values (alg, kid, iss, aud) escaped and cut to 40 characters, never
//   the token, a signature or the nonce.
//
// Values; JwkSet is immutable after parse() and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/json.h"
#include "domain/status.h"

namespace gaplog {

// base64url without padding (RFC 7515 §2). decode refuses, with kInvalidArgument, padding, '+',
// '/', whitespace, impossible lengths and a last character with bits set after the data (so
// every byte string has one spelling).
std::string base64url_encode(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);

class JwkSet {
 public:
  JwkSet();
  ~JwkSet();
  JwkSet(JwkSet&&) noexcept;
  JwkSet& operator=(JwkSet&&) noexcept;
  // Parses {"keys":[...]}. Keys that are not signature keys (use != "sig") or of a kind gaplog
  // does not verify (kty other than RSA and EC, crv other than P-256 and P-384) are skipped; an
  // entry that claims to be RSA or EC but is malformed fails the whole set, and so does one that
  // carries a private key (`d`) or a set of more than 64 keys. An RSA key under 2048 bits (or
  // over 16384) is kept but never used: a token naming it is refused with that reason, and
  // has_key() and size() count it.
  static Result<JwkSet> parse(std::string_view json);
  bool has_key(std::string_view kid) const;
  size_t size() const;

  struct Key;  // an OpenSSL public key with its kid, kty, crv and alg

 private:
  friend Result<json::Value> verify_jws(std::string_view, const JwkSet&);
  std::vector<std::unique_ptr<Key>> keys_;
};

// The protected header of a compact JWS, decoded but not verified.
struct JwsHeader {
  std::string alg;
  std::optional<std::string> kid;
};
Result<JwsHeader> peek_jws_header(std::string_view token);

// Verifies the signature of a compact JWS against `keys` and returns its payload (a JSON
// object). kUnauthenticated with the reason when anything is wrong (malformed, over 64 KiB,
// unknown kid, refused alg, `crit`, bad signature, payload not a JSON object). The payload is
// decoded only once the signature has verified.
Result<json::Value> verify_jws(std::string_view token, const JwkSet& keys);

// What an ID token must say (OpenID Connect Core §3.1.3.7).
struct IdTokenExpectations {
  std::string issuer;     // `iss` must equal it exactly
  std::string client_id;  // must be in `aud`; when `aud` has several values `azp` must be it
  std::string nonce;      // `nonce` must equal it
  int64_t now = 0;        // Unix seconds
  int64_t skew = 300;     // seconds allowed on exp and iat
};

struct IdTokenClaims {
  // email and name: empty when absent or null.
  std::string issuer, subject, email, name;
  bool email_verified = false;  // true only for a JSON true (or the string "true")
  int64_t expires_at = 0, issued_at = 0;
};

// Checks the claims of a verified payload: iss, aud (string or array), azp, exp > now - skew,
// iat <= now + skew, nonce, a non-empty sub; exp and iat are whole numbers (1.7e9 is one),
// email and name strings when present. kUnauthenticated with the claim that failed. An email
// that is not verified is not refused here: email_verified says so, and the caller decides.
Result<IdTokenClaims> check_id_token(const json::Value& payload, const IdTokenExpectations& want);

}  // namespace gaplog
