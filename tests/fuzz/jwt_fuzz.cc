// libFuzzer target: ID token verification. Every input is tried three ways: as a compact JWS
// against a fixed key set (the public keys of RFC 7515 A.2 and A.3), as a JWK set (against which
// the A.3 example token is then verified), and as base64url text. Nothing may crash; every
// refusal is kUnauthenticated (kInvalidArgument for base64url) and says why; base64url that
// decodes is canonical (it encodes back to the same text).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/jwt.h"

namespace {

using namespace gaplog;

constexpr std::string_view kKeySet =
    R"({"keys":[{"kty":"RSA","kid":"rsa","use":"sig","e":"AQAB","n":")"
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d"
    "4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexM"
    "dbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvU"
    "K-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
    R"("},{"kty":"EC","kid":"ec","crv":"P-256",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";

constexpr std::string_view kEs256Example =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

void expect_refusal(const Status& status, Code code) {
  if (status.code() != code || status.message().empty()) std::abort();
}

const JwkSet& fixed_keys() {
  static const JwkSet keys = [] {
    auto set = JwkSet::parse(kKeySet);
    if (!set.is_ok() || set->size() != 2) std::abort();
    return std::move(set).value();
  }();
  return keys;
}

void as_token(std::string_view text) {
  auto header = peek_jws_header(text);
  if (!header.is_ok()) expect_refusal(header.status(), Code::kUnauthenticated);
  auto payload = verify_jws(text, fixed_keys());
  if (!payload.is_ok()) {
    expect_refusal(payload.status(), Code::kUnauthenticated);
    return;
  }
  if (!header.is_ok() || !payload->is_object()) std::abort();  // verified implies readable
  IdTokenExpectations want;
  want.issuer = "joe";
  want.client_id = "gaplog";
  want.nonce = "n";
  want.now = 1300819000;
  auto claims = check_id_token(*payload, want);
  if (!claims.is_ok()) expect_refusal(claims.status(), Code::kUnauthenticated);
}

void as_key_set(std::string_view text) {
  auto set = JwkSet::parse(text);
  if (!set.is_ok()) {
    expect_refusal(set.status(), Code::kUnauthenticated);
    return;
  }
  auto payload = verify_jws(kEs256Example, *set);
  if (!payload.is_ok()) expect_refusal(payload.status(), Code::kUnauthenticated);
}

void as_base64url(std::string_view text) {
  auto bytes = base64url_decode(text);
  if (!bytes.is_ok()) {
    expect_refusal(bytes.status(), Code::kInvalidArgument);
  } else if (base64url_encode(*bytes) != text) {
    std::abort();
  }
  auto back = base64url_decode(base64url_encode(text));
  if (!back.is_ok() || *back != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  as_token(text);
  as_key_set(text);
  as_base64url(text);
  return 0;
}
