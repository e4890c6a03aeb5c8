// ID token verification (SPEC §10): base64url, JWK sets, compact JWS and the claims of an ID
// token. The tokens are made here by a small signer on OpenSSL with keys generated per run, and
// the examples of RFC 7515 Appendix A.2 (RS256) and A.3 (ES256) check interoperability with the
// RFC itself.
#include "auth/jwt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <optional>
#include <random>
#include <string>

namespace gaplog {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// --- a test-side signer ------------------------------------------------------------------------

template <auto Free>
struct OpensslFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslFree<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OpensslFree<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslFree<ECDSA_SIG_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslFree<BIO_free>>;

std::string bytes_of(const BIGNUM* bn, int size) {
  std::string out(static_cast<size_t>(size), '\0');
  EXPECT_EQ(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size), size);
  return out;
}

BnPtr bn_param(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
  return BnPtr(bn);
}

// A key pair made for the test, its public JWK, and signatures in the form of RFC 7518.
struct TestKey {
  PkeyPtr pkey;
  std::string kid;
  size_t ec_bytes = 0;  // 0 for RSA

  json::Value jwk() const {
    json::Value jwk = json::Value::object();
    if (ec_bytes == 0) {
      const BnPtr n = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
      const BnPtr e = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
      jwk.set("kty", json::Value::string("RSA"))
          .set("n", json::Value::string(base64url_encode(modulus())))
          .set("e",
               json::Value::string(base64url_encode(bytes_of(e.get(), BN_num_bytes(e.get())))));
    } else {
      const BnPtr x = bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
      const BnPtr y = bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
      const int size = static_cast<int>(ec_bytes);
      jwk.set("kty", json::Value::string("EC"))
          .set("crv", json::Value::string(ec_bytes == 32 ? "P-256" : "P-384"))
          .set("x", json::Value::string(base64url_encode(bytes_of(x.get(), size))))
          .set("y", json::Value::string(base64url_encode(bytes_of(y.get(), size))));
    }
    return std::move(jwk)
        .set("use", json::Value::string("sig"))
        .set("kid", json::Value::string(kid));
  }

  std::string modulus() const {
    const BnPtr n = bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
    return bytes_of(n.get(), BN_num_bytes(n.get()));
  }

  std::string public_pem() const {
    const BioPtr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), pkey.get()), 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  // What OpenSSL signs: PKCS #1 v1.5 for RSA, DER for ECDSA.
  std::string sign_openssl(std::string_view input, const EVP_MD* md) const {
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey.get()), 1);
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    size_t size = 0;
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()), 1);
    std::string out(size, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, data,
                             input.size()),
              1);
    out.resize(size);
    return out;
  }

  // The JWS signature: for ECDSA, R || S of the curve's size (RFC 7518 §3.4).
  std::string sign(std::string_view input, const EVP_MD* md) const {
    std::string der = sign_openssl(input, md);
    if (ec_bytes == 0) return der;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    const int size = static_cast<int>(ec_bytes);
    return bytes_of(r, size) + bytes_of(s, size);
  }
};

TestKey make_rsa(int bits, std::string kid) {
  return TestKey{PkeyPtr(EVP_RSA_gen(static_cast<unsigned>(bits))), std::move(kid), 0};
}

TestKey make_ec(const char* curve, size_t bytes, std::string kid) {
  return TestKey{PkeyPtr(EVP_EC_gen(curve)), std::move(kid), bytes};
}

// Generated once per run: RSA key generation takes a while.
const TestKey& rsa_key() {
  static const TestKey key = make_rsa(2048, "rsa-1");
  return key;
}
const TestKey& ec_key() {
  static const TestKey key = make_ec("P-256", 32, "ec-1");
  return key;
}
const TestKey& ec384_key() {
  static const TestKey key = make_ec("P-384", 48, "ec-384");
  return key;
}
const TestKey& weak_rsa_key() {
  static const TestKey key = make_rsa(1024, "rsa-weak");
  return key;
}

std::string key_set_json(std::initializer_list<json::Value> keys) {
  json::Value array = json::Value::array();
  for (const json::Value& key : keys) array.push(key);
  return json::write(json::Value::object().set("keys", std::move(array)));
}

// The issuer's key set: an RSA key, a P-256 and a P-384 key.
const JwkSet& issuer_keys() {
  static const JwkSet keys = [] {
    auto set = JwkSet::parse(key_set_json({rsa_key().jwk(), ec_key().jwk(), ec384_key().jwk()}));
    EXPECT_TRUE(set.is_ok()) << set.status().to_string();
    return std::move(set).value();
  }();
  return keys;
}

std::string header_json(std::string_view alg, std::optional<std::string> kid) {
  json::Value header = json::Value::object().set("alg", json::Value::string(std::string(alg)));
  if (kid) header.set("kid", json::Value::string(*kid));
  return json::write(header.set("typ", json::Value::string("JWT")));
}

std::string signing_input(std::string_view header, std::string_view payload) {
  return base64url_encode(header) + "." + base64url_encode(payload);
}

std::string sign_token(const TestKey& key, std::string_view header, std::string_view payload,
                       const EVP_MD* md) {
  const std::string input = signing_input(header, payload);
  return input + "." + base64url_encode(key.sign(input, md));
}

// --- ID tokens ---------------------------------------------------------------------------------

constexpr int64_t kNow = 1'800'000'000;
const std::string kIssuer = "https://idp.example.com";
const std::string kClientId = "gaplog-client";
const std::string kNonce = "n-0S6_WzA2Mj";

json::Value good_claims() {
  return json::Value::object()
      .set("iss", json::Value::string(kIssuer))
      .set("aud", json::Value::string(kClientId))
      .set("sub", json::Value::string("248289761001"))
      .set("exp", json::Value::integer(kNow + 600))
      .set("iat", json::Value::integer(kNow - 10))
      .set("nonce", json::Value::string(kNonce))
      .set("email", json::Value::string("Ana@Example.com"))
      .set("email_verified", json::Value::boolean(true))
      .set("name", json::Value::string("Ana Lima"));
}

IdTokenExpectations expectations() {
  IdTokenExpectations want;
  want.issuer = kIssuer;
  want.client_id = kClientId;
  want.nonce = kNonce;
  want.now = kNow;
  return want;
}

std::string rs256_token(const json::Value& claims) {
  return sign_token(rsa_key(), header_json("RS256", "rsa-1"), json::write(claims), EVP_sha256());
}

std::string es256_token(const json::Value& claims) {
  return sign_token(ec_key(), header_json("ES256", "ec-1"), json::write(claims), EVP_sha256());
}

// verify_jws, then check_id_token: what the relying party does with the token endpoint's answer.
Result<IdTokenClaims> sign_in(const std::string& token, const JwkSet& keys = issuer_keys()) {
  GAPLOG_ASSIGN_OR_RETURN(const json::Value payload, verify_jws(token, keys));
  return check_id_token(payload, expectations());
}

// Refused as unauthenticated, saying `why`, and without quoting the token or its signature.
void expect_refused(const Result<IdTokenClaims>& result, const std::string& token,
                    std::string_view why) {
  ASSERT_FALSE(result.is_ok()) << "the token was accepted";
  EXPECT_EQ(result.status().code(), Code::kUnauthenticated);
  EXPECT_THAT(result.status().message(), HasSubstr(std::string(why)));
  const std::string signature = token.substr(token.rfind('.') + 1);
  if (signature.size() > 8) {
    EXPECT_THAT(result.status().message(), Not(HasSubstr(signature)));
  }
  if (!token.empty()) {
    EXPECT_THAT(result.status().message(), Not(HasSubstr(token)));
  }
}

json::Value with(json::Value claims, std::string key, json::Value value) {
  claims.set(std::move(key), std::move(value));
  return claims;
}

json::Value without(const json::Value& claims, std::string_view key) {
  json::Value out = json::Value::object();
  for (const auto& [name, value] : claims.members()) {
    if (name != key) out.set(name, value);
  }
  return out;
}

// --- base64url ---------------------------------------------------------------------------------

TEST(Base64url, EncodesTheRfc4648Examples) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");  // '+' and '/' in base64
}

TEST(Base64url, DecodesWhatItEncodesForEveryLength) {
  std::mt19937 random(7);
  for (size_t size = 0; size < 300; ++size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("=+/"), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64url, RefusesPaddingBase64AlphabetWhitespaceAndImpossibleLengths) {
  const std::pair<std::string_view, std::string_view> refused[] = {
      {"Zg==", "padding"},
      {"Zm8=", "padding"},
      {"-_+/", "base64, not base64url"},
      {"ab/c", "base64, not base64url"},
      {"Zm9v Zg", "whitespace"},
      {"Zm9v\n", "whitespace"},
      {" Zm9v", "whitespace"},
      {"Zm9vY", "cannot be base64url"},
      {"Z", "cannot be base64url"},
      {"Zm9*", "not in the base64url alphabet"},
      {"Zh", "not canonical"},
      {"Zm9", "not canonical"},
  };
  for (const auto& [text, why] : refused) {
    auto result = base64url_decode(text);
    ASSERT_FALSE(result.is_ok()) << text;
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr(std::string(why))) << text;
  }
}

// --- JWK sets ----------------------------------------------------------------------------------

TEST(JwkSetParsing, ReadsRsaAndEcSignatureKeys) {
  EXPECT_EQ(issuer_keys().size(), 3u);
  EXPECT_TRUE(issuer_keys().has_key("rsa-1"));
  EXPECT_TRUE(issuer_keys().has_key("ec-1"));
  EXPECT_TRUE(issuer_keys().has_key("ec-384"));
  EXPECT_FALSE(issuer_keys().has_key("rsa-2"));
}

TEST(JwkSetParsing, SkipsEncryptionKeysUnknownKeyTypesAndCurves) {
  json::Value encryption = rsa_key().jwk().set("use", json::Value::string("enc"));
  encryption.set("kid", json::Value::string("rsa-enc"));
  const json::Value oct = json::Value::object()
                              .set("kty", json::Value::string("oct"))
                              .set("kid", json::Value::string("hmac"))
                              .set("k", json::Value::string("c2VjcmV0"));
  const json::Value okp =
      json::Value::object()
          .set("kty", json::Value::string("OKP"))
          .set("crv", json::Value::string("Ed25519"))
          .set("x", json::Value::string("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
  json::Value p521 = ec_key().jwk().set("crv", json::Value::string("P-521"));
  p521.set("kid", json::Value::string("ec-521"));
  auto set = JwkSet::parse(key_set_json({encryption, oct, okp, p521, ec_key().jwk()}));
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_EQ(set->size(), 1u);
  EXPECT_TRUE(set->has_key("ec-1"));
  EXPECT_FALSE(set->has_key("rsa-enc"));
  EXPECT_FALSE(set->has_key("hmac"));
}

void expect_set_refused(const json::Value& jwk, std::string_view why) {
  auto set = JwkSet::parse(key_set_json({ec_key().jwk(), jwk}));
  ASSERT_FALSE(set.is_ok()) << json::write(jwk);
  EXPECT_EQ(set.status().code(), Code::kUnauthenticated);
  EXPECT_THAT(set.status().message(), HasSubstr("keys[1]"));
  EXPECT_THAT(set.status().message(), HasSubstr(std::string(why))) << json::write(jwk);
}

TEST(JwkSetParsing, RefusesTheSetForAMalformedRsaKey) {
  expect_set_refused(without(rsa_key().jwk(), "e"), "has no e");
  expect_set_refused(rsa_key().jwk().set("n", json::Value::string("ab+c")), "n is not base64url");
  expect_set_refused(rsa_key().jwk().set("n", json::Value::integer(7)), "n is a number");
  expect_set_refused(rsa_key().jwk().set("e", json::Value::string("AQ")), "e is not an odd number");
  expect_set_refused(rsa_key().jwk().set("kid", json::Value::integer(1)), "kid is a number");
  expect_set_refused(rsa_key().jwk().set("d", json::Value::string("AQAB")), "private key");
}

TEST(JwkSetParsing, RefusesTheSetForAMalformedEcKey) {
  expect_set_refused(without(ec384_key().jwk(), "crv"), "has no crv");
  expect_set_refused(without(ec384_key().jwk(), "y"), "has no y");
  // A P-384 point labelled P-256: coordinates of the wrong size.
  expect_set_refused(ec384_key().jwk().set("crv", json::Value::string("P-256")), "must be 32");
  // x of one key with y of another: not a point of the curve.
  const json::Value other = make_ec("P-256", 32, "ec-2").jwk();
  expect_set_refused(ec_key().jwk().set("y", *other.find("y")), "not a point of P-256");
  expect_set_refused(json::Value::string("EC"), "it is a string");
}

TEST(JwkSetParsing, RefusesWhatIsNotAKeySet) {
  for (const std::string_view text :
       {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[],"keys":[]})"}) {
    auto set = JwkSet::parse(text);
    ASSERT_FALSE(set.is_ok()) << text;
    EXPECT_EQ(set.status().code(), Code::kUnauthenticated);
  }
  auto empty = JwkSet::parse(R"({"keys":[]})");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->size(), 0u);
}

TEST(JwkSetParsing, KeepsARsaKeyUnder2048BitsOnlyToRefuseItsTokens) {
  auto set = JwkSet::parse(key_set_json({weak_rsa_key().jwk(), rsa_key().jwk()}));
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_TRUE(set->has_key("rsa-weak"));
  const std::string token = sign_token(weak_rsa_key(), header_json("RS256", "rsa-weak"),
                                       json::write(good_claims()), EVP_sha256());
  expect_refused(sign_in(token, *set), token, "RSA key of 1024 bits");
  // The other keys of the set still work.
  EXPECT_TRUE(sign_in(rs256_token(good_claims()), *set).is_ok());
}

// --- signatures --------------------------------------------------------------------------------

TEST(IdTokenVerification, AcceptsAnRs256TokenWithTheRightClaims) {
  auto claims = sign_in(rs256_token(good_claims()));
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(claims->issuer, kIssuer);
  EXPECT_EQ(claims->subject, "248289761001");
  EXPECT_EQ(claims->email, "Ana@Example.com");
  EXPECT_EQ(claims->name, "Ana Lima");
  EXPECT_TRUE(claims->email_verified);
  EXPECT_EQ(claims->expires_at, kNow + 600);
  EXPECT_EQ(claims->issued_at, kNow - 10);
}

TEST(IdTokenVerification, AcceptsRs384AndRs512) {
  const std::string payload = json::write(good_claims());
  for (const auto& [alg, md] :
       {std::pair{"RS384", EVP_sha384()}, std::pair{"RS512", EVP_sha512()}}) {
    auto claims = sign_in(sign_token(rsa_key(), header_json(alg, "rsa-1"), payload, md));
    EXPECT_TRUE(claims.is_ok()) << alg << ": " << claims.status().to_string();
  }
}

TEST(IdTokenVerification, AcceptsAnEs256TokenWithTheRightClaims) {
  auto claims = sign_in(es256_token(good_claims()));
  ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
  EXPECT_EQ(claims->subject, "248289761001");
}

TEST(IdTokenVerification, AcceptsAnEs384Token) {
  const std::string token = sign_token(ec384_key(), header_json("ES384", "ec-384"),
                                       json::write(good_claims()), EVP_sha384());
  auto claims = sign_in(token);
  EXPECT_TRUE(claims.is_ok()) << claims.status().to_string();
}

TEST(IdTokenVerification, RefusesAFlippedBitInTheSignature) {
  for (const std::string& good : {rs256_token(good_claims()), es256_token(good_claims())}) {
    const size_t dot = good.rfind('.');
    std::string signature = *base64url_decode(good.substr(dot + 1));
    signature[signature.size() / 2] = static_cast<char>(signature[signature.size() / 2] ^ 0x10);
    const std::string token = good.substr(0, dot + 1) + base64url_encode(signature);
    expect_refused(sign_in(token), token, "signature does not verify");
  }
}

TEST(IdTokenVerification, RefusesAPayloadChangedAfterSigning) {
  const std::string good = rs256_token(good_claims());
  const std::string forged_payload = base64url_encode(
      json::write(with(good_claims(), "email", json::Value::string("admin@example.com"))));
  const size_t first = good.find('.');
  const size_t second = good.rfind('.');
  const std::string token = good.substr(0, first + 1) + forged_payload + good.substr(second);
  expect_refused(sign_in(token), token, "signature does not verify");
}

TEST(IdTokenVerification, RefusesATokenSignedWithAlgNone) {
  const std::string input = signing_input(header_json("none", "rsa-1"), json::write(good_claims()));
  // With a signature part (one of the real key's), and with an empty one.
  const std::string unsigned_token = input + ".";
  std::string signed_token = unsigned_token;
  signed_token += base64url_encode(rsa_key().sign(input, EVP_sha256()));
  for (const std::string& token : {signed_token, unsigned_token}) {
    expect_refused(sign_in(token), token, "alg is \"none\"");
  }
  // Without a kid, and spelled otherwise.
  const std::string bare = signing_input(R"({"alg":"none"})", json::write(good_claims())) + ".";
  expect_refused(sign_in(bare), bare, "alg is \"none\"");
  const std::string upper = signing_input(R"({"alg":"None"})", json::write(good_claims())) + ".";
  expect_refused(sign_in(upper), upper, "\"None\" is not one gaplog accepts");
}

TEST(IdTokenVerification, RefusesAnUnsignedTokenOfTwoParts) {
  const std::string token = signing_input(R"({"alg":"none"})", json::write(good_claims()));
  expect_refused(sign_in(token), token, "the token has 2 parts");
}

std::string hmac_sha256(const std::string& secret, const std::string& input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t size = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                      reinterpret_cast<const unsigned char*>(input.data()), input.size(), out,
                      sizeof out, &size),
            nullptr);
  return std::string(reinterpret_cast<const char*>(out), size);
}

TEST(IdTokenVerification, RefusesHs256KeyedWithTheIssuersRsaPublicKey) {
  const std::string input =
      signing_input(header_json("HS256", "rsa-1"), json::write(good_claims()));
  // The key confusion attack: the public key, as PEM and as the JWK's modulus bytes, used as
  // the HMAC secret.
  for (const std::string& secret : {rsa_key().public_pem(), rsa_key().modulus()}) {
    const std::string token = input + "." + base64url_encode(hmac_sha256(secret, input));
    expect_refused(sign_in(token), token, "\"HS256\", an HMAC");
  }
}

TEST(IdTokenVerification, RefusesPs256AndOtherAlgorithms) {
  for (const std::string_view alg : {"PS256", "ES512", "EdDSA", "RS1", ""}) {
    const std::string token =
        sign_token(rsa_key(), header_json(alg, "rsa-1"), json::write(good_claims()), EVP_sha256());
    expect_refused(sign_in(token), token, "is not one gaplog accepts");
  }
}

TEST(IdTokenVerification, RefusesAnUnknownKid) {
  const std::string token = sign_token(rsa_key(), header_json("RS256", "rsa-2"),
                                       json::write(good_claims()), EVP_sha256());
  expect_refused(sign_in(token), token, "no key of the issuer has the token's kid \"rsa-2\"");
}

TEST(IdTokenVerification, RefusesAnEs256SignatureInDerForm) {
  const std::string input = signing_input(header_json("ES256", "ec-1"), json::write(good_claims()));
  const std::string token =
      input + "." + base64url_encode(ec_key().sign_openssl(input, EVP_sha256()));
  expect_refused(sign_in(token), token, "not DER");
}

TEST(IdTokenVerification, RefusesAnEs256TokenAgainstAnRsaKeyOfTheSameKid) {
  // Signed with the EC key, but the kid names the RSA key.
  const std::string token =
      sign_token(ec_key(), header_json("ES256", "rsa-1"), json::write(good_claims()), EVP_sha256());
  expect_refused(sign_in(token), token, "key \"rsa-1\" is an RSA key; ES256 needs an EC P-256 key");
  // And the other way round, also across curves.
  const std::string rs =
      sign_token(rsa_key(), header_json("RS256", "ec-1"), json::write(good_claims()), EVP_sha256());
  expect_refused(sign_in(rs), rs, "key \"ec-1\" is an EC P-256 key");
  const std::string es384 = sign_token(ec384_key(), header_json("ES384", "ec-1"),
                                       json::write(good_claims()), EVP_sha384());
  expect_refused(sign_in(es384), es384, "ES384 needs an EC P-384 key");
}

TEST(IdTokenVerification, ChoosesAmongKeysOfTheSameKidByType) {
  // RFC 7517 §4.5 allows one kid for keys of different types.
  TestKey twin = make_ec("P-256", 32, "rsa-1");
  auto set = JwkSet::parse(key_set_json({rsa_key().jwk(), twin.jwk()}));
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  const std::string es =
      sign_token(twin, header_json("ES256", "rsa-1"), json::write(good_claims()), EVP_sha256());
  EXPECT_TRUE(sign_in(es, *set).is_ok());
  EXPECT_TRUE(sign_in(rs256_token(good_claims()), *set).is_ok());
}

TEST(IdTokenVerification, RefusesAnAlgOtherThanTheKeysOwn) {
  auto set =
      JwkSet::parse(key_set_json({rsa_key().jwk().set("alg", json::Value::string("RS512"))}));
  ASSERT_TRUE(set.is_ok());
  const std::string token = rs256_token(good_claims());
  expect_refused(sign_in(token, *set), token, "is for \"RS512\" only");
}

TEST(IdTokenVerification, UsesTheOnlyFittingKeyWhenTheTokenHasNoKid) {
  const std::string token =
      sign_token(rsa_key(), R"({"alg":"RS256"})", json::write(good_claims()), EVP_sha256());
  EXPECT_TRUE(sign_in(token).is_ok());
  // Two RSA keys: which one is meant is not said.
  TestKey second = make_rsa(2048, "rsa-2");
  auto set = JwkSet::parse(key_set_json({rsa_key().jwk(), second.jwk()}));
  ASSERT_TRUE(set.is_ok());
  expect_refused(sign_in(token, *set), token, "has no kid and the issuer has 2 keys for RS256");
}

TEST(IdTokenVerification, RefusesACritHeader) {
  const std::string header = R"({"alg":"RS256","kid":"rsa-1","crit":["exp"],"exp":1})";
  const std::string token = sign_token(rsa_key(), header, json::write(good_claims()), EVP_sha256());
  expect_refused(sign_in(token), token, "crit");
}

TEST(IdTokenVerification, RefusesMalformedBase64url) {
  const std::string good = rs256_token(good_claims());
  const size_t first = good.find('.');
  const size_t second = good.rfind('.');
  const std::string header = good.substr(0, first);
  const std::string payload = good.substr(first + 1, second - first - 1);
  const std::string signature = good.substr(second + 1);
  const std::pair<std::string, std::string_view> cases[] = {
      {header + "=." + payload + "." + signature, "header is not base64url"},
      {"+" + header.substr(1) + "." + payload + "." + signature, "header is not base64url"},
      {header + "." + payload + "." + signature + "==", "signature is not base64url"},
      {header + "." + payload + "." + signature.substr(0, 10) + "/" + signature.substr(11),
       "signature is not base64url"},
      {header + "." + payload + " ." + signature, "signature does not verify"},
  };
  for (const auto& [token, why] : cases) expect_refused(sign_in(token), token, why);
}

TEST(IdTokenVerification, RefusesTwoOrFourParts) {
  const std::string good = rs256_token(good_claims());
  const std::string two = good.substr(0, good.rfind('.'));
  expect_refused(sign_in(two), two, "the token has 2 parts");
  const std::string four = good + ".AAAA";
  expect_refused(sign_in(four), four, "the token has 4 parts");
  expect_refused(sign_in(""), "", "the token has 1 part;");
}

TEST(IdTokenVerification, RefusesAHeaderThatIsNotAJsonObject) {
  const std::string payload = json::write(good_claims());
  const std::pair<std::string, std::string_view> cases[] = {
      {R"(["RS256"])", "header is an array"},
      {R"({"alg":"RS256","alg":"none"})", "duplicate key"},
      {R"({"kid":"rsa-1"})", "has no alg"},
      {R"({"alg":"RS256","kid":7})", "kid is a number"},
  };
  for (const auto& [header, why] : cases) {
    const std::string token = sign_token(rsa_key(), header, payload, EVP_sha256());
    expect_refused(sign_in(token), token, why);
  }
}

TEST(IdTokenVerification, RefusesASignedPayloadThatIsNotAJsonObject) {
  const std::string token =
      sign_token(rsa_key(), header_json("RS256", "rsa-1"), "[1,2]", EVP_sha256());
  auto payload = verify_jws(token, issuer_keys());
  ASSERT_FALSE(payload.is_ok());
  EXPECT_THAT(payload.status().message(), HasSubstr("payload is an array"));
}

TEST(IdTokenVerification, PeeksAtTheHeaderWithoutVerifying) {
  auto header = peek_jws_header(rs256_token(good_claims()));
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(header->alg, "RS256");
  EXPECT_EQ(header->kid, "rsa-1");
  auto bare = peek_jws_header(signing_input(R"({"alg":"none"})", "{}") + ".");
  ASSERT_TRUE(bare.is_ok());
  EXPECT_EQ(bare->alg, "none");
  EXPECT_FALSE(bare->kid.has_value());
  EXPECT_FALSE(peek_jws_header("a.b").is_ok());
}

// --- RFC 7515 Appendix A -----------------------------------------------------------------------

// The payload of A.1 to A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n
// "http://example.com/is_root":true}
constexpr std::string_view kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

void expect_rfc_example_verifies(const std::string& key_set, const std::string& token) {
  auto keys = JwkSet::parse(key_set);
  ASSERT_TRUE(keys.is_ok()) << keys.status().to_string();
  auto payload = verify_jws(token, *keys);
  ASSERT_TRUE(payload.is_ok()) << payload.status().to_string();
  ASSERT_NE(payload->find("iss"), nullptr);
  EXPECT_EQ(payload->find("iss")->as_string(), "joe");
  EXPECT_EQ(payload->find("exp")->as_integer(), 1300819380);
  // One changed character of the signature and it no longer verifies.
  std::string changed = token;
  changed[changed.size() - 5] = changed[changed.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_jws(changed, *keys).is_ok());
}

TEST(IdTokenVerification, VerifiesTheRs256ExampleOfRfc7515) {
  const std::string key_set =
      R"({"keys":[{"kty":"RSA","e":"AQAB","n":")"
      "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
      "4qPCJrcS2mJPMEzP1Pt0Bm4d"
      "4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
      "bSf63kpaSHSXndS5z5rexM"
      "dbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_"
      "I5IhlJH7aGhyxXFvU"
      "K-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
      R"("}]})";
  const std::string token = "eyJhbGciOiJSUzI1NiJ9." + std::string(kRfcPayload) +
                            ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__"
                            "dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
                            "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
                            "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L"
                            "07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
                            "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUi"
                            "pUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
  expect_rfc_example_verifies(key_set, token);
}

TEST(IdTokenVerification, VerifiesTheEs256ExampleOfRfc7515) {
  const std::string key_set = R"({"keys":[{"kty":"EC","crv":"P-256",)"
                              R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                              R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";
  const std::string token = "eyJhbGciOiJFUzI1NiJ9." + std::string(kRfcPayload) +
                            ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmW"
                            "QxfKTUJqPP3-Kg6NU1Q";
  expect_rfc_example_verifies(key_set, token);
}

// --- claims ------------------------------------------------------------------------------------

TEST(IdTokenClaimsCheck, RefusesTheWrongAudience) {
  for (const json::Value& aud : {json::Value::string("another-client"),
                                 json::Value::array().push(json::Value::string("another-client")),
                                 json::Value::array(), json::Value::integer(1)}) {
    const std::string token = rs256_token(with(good_claims(), "aud", aud));
    expect_refused(sign_in(token), token, "aud");
  }
  const std::string token = rs256_token(without(good_claims(), "aud"));
  expect_refused(sign_in(token), token, "no aud");
}

TEST(IdTokenClaimsCheck, AcceptsAnAudienceArrayWithAzp) {
  const json::Value aud = json::Value::array()
                              .push(json::Value::string("other-api"))
                              .push(json::Value::string(kClientId));
  json::Value claims = with(good_claims(), "aud", aud);
  const std::string without_azp = rs256_token(claims);
  expect_refused(sign_in(without_azp), without_azp, "several audiences and no azp");
  claims.set("azp", json::Value::string(kClientId));
  EXPECT_TRUE(sign_in(rs256_token(claims)).is_ok());
  claims.set("azp", json::Value::string("other-api"));
  const std::string other_azp = rs256_token(claims);
  expect_refused(sign_in(other_azp), other_azp, "azp is not this client");
  // One audience in an array needs no azp.
  const json::Value one = json::Value::array().push(json::Value::string(kClientId));
  EXPECT_TRUE(sign_in(rs256_token(with(good_claims(), "aud", one))).is_ok());
}

TEST(IdTokenClaimsCheck, RefusesTheWrongIssuer) {
  for (const std::string_view iss :
       {"https://evil.example.com", "https://idp.example.com/", "HTTPS://IDP.EXAMPLE.COM"}) {
    const std::string token =
        rs256_token(with(good_claims(), "iss", json::Value::string(std::string(iss))));
    expect_refused(sign_in(token), token, "not \"https://idp.example.com\"");
  }
  const std::string token = rs256_token(without(good_claims(), "iss"));
  expect_refused(sign_in(token), token, "no iss");
}

TEST(IdTokenClaimsCheck, AcceptsExpiryWithinFiveMinutesOfSkew) {
  EXPECT_TRUE(
      sign_in(rs256_token(with(good_claims(), "exp", json::Value::integer(kNow - 299)))).is_ok());
  for (const int64_t exp : {kNow - 300, kNow - 301, int64_t{0}}) {
    const std::string token = rs256_token(with(good_claims(), "exp", json::Value::integer(exp)));
    expect_refused(sign_in(token), token, "the token expired");
  }
}

TEST(IdTokenClaimsCheck, RefusesIatInTheFutureBeyondTheSkew) {
  EXPECT_TRUE(
      sign_in(rs256_token(with(good_claims(), "iat", json::Value::integer(kNow + 300)))).is_ok());
  const std::string token =
      rs256_token(with(good_claims(), "iat", json::Value::integer(kNow + 301)));
  expect_refused(sign_in(token), token, "in the future");
}

TEST(IdTokenClaimsCheck, ReadsTimesAsWholeNumbersOnly) {
  json::Value claims =
      with(good_claims(), "exp", json::Value::number(static_cast<double>(kNow + 60)));
  claims.set("iat", json::Value::number(static_cast<double>(kNow)));
  auto accepted = sign_in(rs256_token(claims));
  ASSERT_TRUE(accepted.is_ok()) << accepted.status().to_string();
  EXPECT_EQ(accepted->expires_at, kNow + 60);
  for (const json::Value& exp : {json::Value::number(kNow + 60.5), json::Value::number(1e300),
                                 json::Value::string("1800000600"), json::Value::null()}) {
    const std::string token = rs256_token(with(good_claims(), "exp", exp));
    expect_refused(sign_in(token), token, "exp is not a whole number");
  }
  const std::string no_iat = rs256_token(without(good_claims(), "iat"));
  expect_refused(sign_in(no_iat), no_iat, "no iat");
}

TEST(IdTokenClaimsCheck, RefusesANonceMismatch) {
  const std::string other = rs256_token(with(good_claims(), "nonce", json::Value::string("x")));
  expect_refused(sign_in(other), other, "nonce is not the one of this sign-in");
  const std::string missing = rs256_token(without(good_claims(), "nonce"));
  expect_refused(sign_in(missing), missing, "no nonce");
}

TEST(IdTokenClaimsCheck, RefusesAMissingOrEmptySub) {
  const std::string missing = rs256_token(without(good_claims(), "sub"));
  expect_refused(sign_in(missing), missing, "no sub");
  const std::string empty = rs256_token(with(good_claims(), "sub", json::Value::string("")));
  expect_refused(sign_in(empty), empty, "sub is empty");
  const std::string number = rs256_token(with(good_claims(), "sub", json::Value::integer(42)));
  expect_refused(sign_in(number), number, "sub is a number");
}

// check_id_token reports email_verified; the sign-in refuses the person when it is false.
TEST(IdTokenClaimsCheck, EmailIsVerifiedOnlyForTrueOrTheStringTrue) {
  const std::pair<json::Value, bool> cases[] = {
      {json::Value::boolean(true), true},   {json::Value::string("true"), true},
      {json::Value::boolean(false), false}, {json::Value::string("false"), false},
      {json::Value::string("True"), false}, {json::Value::integer(1), false},
      {json::Value::null(), false},
  };
  for (const auto& [value, verified] : cases) {
    auto claims = sign_in(rs256_token(with(good_claims(), "email_verified", value)));
    ASSERT_TRUE(claims.is_ok()) << claims.status().to_string();
    EXPECT_EQ(claims->email_verified, verified) << json::write(value);
  }
  auto missing = sign_in(rs256_token(without(good_claims(), "email_verified")));
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->email_verified);
}

// Microsoft Entra ID: no email_verified, and xms_edov true when the tenant verified the domain.
TEST(IdTokenClaimsCheck, EntrasDomainVerifiedClaimStandsInOnlyWhenEmailVerifiedIsAbsent) {
  const json::Value entra = without(good_claims(), "email_verified");
  auto edov = sign_in(rs256_token(with(entra, "xms_edov", json::Value::boolean(true))));
  ASSERT_TRUE(edov.is_ok()) << edov.status().to_string();
  EXPECT_TRUE(edov->email_verified);
  auto not_owned = sign_in(rs256_token(with(entra, "xms_edov", json::Value::boolean(false))));
  ASSERT_TRUE(not_owned.is_ok());
  EXPECT_FALSE(not_owned->email_verified);
  auto said_false =
      sign_in(rs256_token(with(with(good_claims(), "email_verified", json::Value::boolean(false)),
                               "xms_edov", json::Value::boolean(true))));
  ASSERT_TRUE(said_false.is_ok());
  EXPECT_FALSE(said_false->email_verified) << "a provider that says false is believed";
}

TEST(IdTokenClaimsCheck, ReadsEmailAndNameAsOptionalStrings) {
  json::Value claims = without(without(good_claims(), "email"), "name");
  auto absent = sign_in(rs256_token(claims));
  ASSERT_TRUE(absent.is_ok()) << absent.status().to_string();
  EXPECT_EQ(absent->email, "");
  EXPECT_EQ(absent->name, "");
  const std::string number = rs256_token(with(good_claims(), "email", json::Value::integer(1)));
  expect_refused(sign_in(number), number, "email is a number");
}

}  // namespace
}  // namespace gaplog
