// JWS and JWK with OpenSSL 3. Why it is written this way:
//
// - Only the provider APIs (OSSL_PARAM_BLD, EVP_PKEY_fromdata, EVP_DigestVerify): the RSA_* and
//   EC_KEY_* calls are deprecated in OpenSSL 3 and the build turns warnings into errors.
// - The algorithm comes from the token, the key from the issuer: a token only ever chooses
//   among the keys the issuer published, and its `alg` must agree with the key it lands on.
//   That is what stops the classic confusions (alg "none"; HS256 keyed with the RSA public key;
//   an ES256 signature checked against an RSA key).
// - Messages say what was wrong and may quote short values (alg, kid, iss, aud), escaped and
//   cut, because they end up in the server log; never the token, a signature or the nonce.
#include "auth/jwt.h"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <array>
#include <cmath>
#include <utility>

namespace gaplog {
namespace {

template <auto Free>
struct OpensslFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslFree<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslFree<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OpensslFree<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpensslFree<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OpensslFree<OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslFree<ECDSA_SIG_free>>;

// OpenSSL keeps failures in a per-thread queue; a refused token must not leave them behind for
// the next, unrelated, caller on the thread to find.
struct ClearOpensslErrors {
  ClearOpensslErrors() = default;
  ClearOpensslErrors(const ClearOpensslErrors&) = delete;
  ClearOpensslErrors& operator=(const ClearOpensslErrors&) = delete;
  ~ClearOpensslErrors() { ERR_clear_error(); }
};

// Limits on input from the network. ID tokens are a few kilobytes and key sets a handful of
// keys; these only bound the work a hostile or broken issuer can cause.
constexpr size_t kMaxTokenBytes = size_t{64} * 1024;
constexpr size_t kMaxKeys = 64;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;  // OpenSSL's own limit for RSA verification

enum class KeyType { kRsa, kEcP256, kEcP384 };

struct Curve {
  std::string_view jwk_name;  // crv
  const char* group;          // OpenSSL's name
  size_t bytes;               // of a coordinate, and of R and of S
  KeyType type;
};
constexpr std::array<Curve, 2> kCurves = {{
    {"P-256", "prime256v1", 32, KeyType::kEcP256},
    {"P-384", "secp384r1", 48, KeyType::kEcP384},
}};

struct Algorithm {
  std::string_view name;
  KeyType key;
  const EVP_MD* (*digest)();
};
constexpr std::array<Algorithm, 5> kAlgorithms = {{
    {"RS256", KeyType::kRsa, EVP_sha256},
    {"RS384", KeyType::kRsa, EVP_sha384},
    {"RS512", KeyType::kRsa, EVP_sha512},
    {"ES256", KeyType::kEcP256, EVP_sha256},
    {"ES384", KeyType::kEcP384, EVP_sha384},
}};
constexpr std::string_view kAcceptedAlgs = "RS256, RS384, RS512, ES256, ES384";

Status refused(std::string message) { return {Code::kUnauthenticated, std::move(message)}; }

// A value from the token or the key set, fit for a log line: in quotes, printable ASCII only
// (anything else as \xNN), at most 40 characters.
std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  out += text.size() > kMax ? "\"..." : "\"";
  return out;
}

std::string_view describe(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return "an RSA key";
    case KeyType::kEcP256:
      return "an EC P-256 key";
    case KeyType::kEcP384:
      return "an EC P-384 key";
  }
  return "a key";
}

const Curve& curve_of(KeyType type) { return type == KeyType::kEcP384 ? kCurves[1] : kCurves[0]; }

// --- base64url ---------------------------------------------------------------------------------
//
// Written out rather than EVP_EncodeBlock/EVP_DecodeBlock with the alphabet translated: the
// decoder is meant to be strict, and EVP_DecodeBlock is not (it skips surrounding whitespace,
// wants the padding back, returns the padding as zero bytes to trim, and accepts set bits after
// the last byte). Checking all that around it is longer than the 30 lines of the mapping.

constexpr std::string_view kBase64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < kBase64url.size(); ++i) {
    table[static_cast<unsigned char>(kBase64url[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr std::array<int8_t, 256> kDecodeTable = make_decode_table();

Status base64url_refusal(char c, size_t position) {
  if (c == '=') return invalid_argument("padding '=' is not used in base64url; remove it");
  if (c == '+' || c == '/') {
    return invalid_argument(fmt::format("'{}' at position {} is base64, not base64url (use '{}')",
                                        c, position, c == '+' ? '-' : '_'));
  }
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
    return invalid_argument(fmt::format("whitespace at position {}", position));
  }
  return invalid_argument(
      fmt::format("byte 0x{:02x} at position {} is not in the base64url alphabet",
                  static_cast<unsigned char>(c), position));
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t bits = 0;
  int count = 0;  // bits waiting in `bits`
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kBase64url[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += kBase64url[(bits << (6 - count)) & 0x3f];
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int8_t value = kDecodeTable[static_cast<unsigned char>(text[i])];
    if (value < 0) return base64url_refusal(text[i], i);
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  if (text.size() % 4 == 1) {
    return invalid_argument(fmt::format(
        "{} characters cannot be base64url (one more or one fewer could be)", text.size()));
  }
  // The bits left over pad the last character; an encoder sets them to zero (RFC 4648 §3.5).
  // Accepting others would give one byte string several spellings.
  if ((bits & ((1u << count) - 1)) != 0) {
    return invalid_argument("the last character has bits set after the data; not canonical");
  }
  return out;
}

// --- JWK sets ----------------------------------------------------------------------------------

struct JwkSet::Key {
  std::optional<std::string> kid;
  KeyType type = KeyType::kRsa;
  std::string alg;  // the JWK's own `alg`; empty when it has none
  // Not empty: a key gaplog will not verify with (an RSA key under 2048 bits). It is kept so a
  // token that names it hears why instead of "unknown kid" (and an unknown kid would make the
  // relying party fetch the set again).
  std::string refusal;
  PkeyPtr pkey;  // null when refused
};

namespace {

using Key = JwkSet::Key;

// A member that must be a string when present. nullopt when absent.
Result<std::optional<std::string>> optional_string(const json::Value& object,
                                                   std::string_view name) {
  const json::Value* value = object.find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return refused(fmt::format("{} is {}, not a string", name, json::kind_name(value->kind())));
  }
  return std::optional<std::string>(value->as_string());
}

// A required base64url member of a JWK, decoded.
Result<std::string> required_bytes(const json::Value& jwk, std::string_view name) {
  GAPLOG_ASSIGN_OR_RETURN(std::optional<std::string> text, optional_string(jwk, name));
  if (!text) return refused(fmt::format("it has no {}", name));
  auto bytes = base64url_decode(*text);
  if (!bytes.is_ok()) {
    return refused(fmt::format("{} is not base64url: {}", name, bytes.status().message()));
  }
  if (bytes->empty()) return refused(fmt::format("{} is empty", name));
  return std::move(bytes).value();
}

BnPtr to_bignum(const std::string& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

Result<PkeyPtr> public_key_from(const char* type, const ParamBldPtr& builder) {
  const ParamsPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return refused("OpenSSL does not take it as a public key");
  }
  return PkeyPtr(pkey);
}

Status read_rsa(const json::Value& jwk, Key& key) {
  GAPLOG_ASSIGN_OR_RETURN(const std::string n_bytes, required_bytes(jwk, "n"));
  GAPLOG_ASSIGN_OR_RETURN(const std::string e_bytes, required_bytes(jwk, "e"));
  const BnPtr n = to_bignum(n_bytes);
  const BnPtr e = to_bignum(e_bytes);
  if (!n || !e) return refused("n or e does not fit in memory");
  // e = 1 (or any even e) would make every signature verify or none: refuse such a key.
  if (!BN_is_odd(n.get())) return refused("n is even");
  if (!BN_is_odd(e.get()) || BN_is_one(e.get())) return refused("e is not an odd number above 1");
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    key.refusal = fmt::format(
        "key {} is an RSA key of {} bits; gaplog verifies with RSA keys of {} to {} bits",
        quoted(key.kid.value_or("")), bits, kMinRsaBits, kMaxRsaBits);
    return Status::ok();
  }
  const ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return refused("OpenSSL could not take n and e");
  }
  GAPLOG_ASSIGN_OR_RETURN(key.pkey, public_key_from("RSA", builder));
  return Status::ok();
}

Status read_ec(const json::Value& jwk, const Curve& curve, Key& key) {
  GAPLOG_ASSIGN_OR_RETURN(const std::string x, required_bytes(jwk, "x"));
  GAPLOG_ASSIGN_OR_RETURN(const std::string y, required_bytes(jwk, "y"));
  // RFC 7518 §6.2.1.2: the coordinates are the full size of the field, leading zeros included.
  if (x.size() != curve.bytes || y.size() != curve.bytes) {
    return refused(fmt::format("x and y are {} and {} bytes; on {} both must be {}", x.size(),
                               y.size(), curve.jwk_name, curve.bytes));
  }
  std::string point = "\x04";  // uncompressed: 04 || x || y (SEC 1 §2.3.3)
  point += x;
  point += y;
  const ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return refused("OpenSSL could not take x and y");
  }
  auto pkey = public_key_from("EC", builder);
  if (!pkey.is_ok()) return refused(fmt::format("(x, y) is not a point of {}", curve.jwk_name));
  // fromdata decodes the point; the public check also makes sure it is on the curve and of the
  // group's order, whatever the OpenSSL version does on import.
  const PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return refused(fmt::format("(x, y) is not a point of {}", curve.jwk_name));
  }
  key.pkey = std::move(pkey).value();
  return Status::ok();
}

const Curve* find_curve(std::string_view crv) {
  for (const Curve& curve : kCurves) {
    if (curve.jwk_name == crv) return &curve;
  }
  return nullptr;
}

// One entry of "keys": the key, nullptr when the entry is skipped, or why the set is refused.
Result<std::unique_ptr<Key>> read_jwk(const json::Value& jwk) {
  if (!jwk.is_object()) return refused(fmt::format("it is {}", json::kind_name(jwk.kind())));
  const json::Value* kty = jwk.find("kty");
  if (kty == nullptr || !kty->is_string()) return std::unique_ptr<Key>();
  if (kty->as_string() != "RSA" && kty->as_string() != "EC") return std::unique_ptr<Key>();
  GAPLOG_ASSIGN_OR_RETURN(std::optional<std::string> use, optional_string(jwk, "use"));
  if (use && *use != "sig") return std::unique_ptr<Key>();
  // An issuer that publishes its private key has lost it: trust nothing it signed.
  if (jwk.find("d") != nullptr) return refused("it holds a private key (d)");
  auto key = std::make_unique<Key>();
  GAPLOG_ASSIGN_OR_RETURN(key->kid, optional_string(jwk, "kid"));
  GAPLOG_ASSIGN_OR_RETURN(std::optional<std::string> alg, optional_string(jwk, "alg"));
  key->alg = alg.value_or("");
  if (kty->as_string() == "RSA") {
    key->type = KeyType::kRsa;
    GAPLOG_RETURN_IF_ERROR(read_rsa(jwk, *key));
    return key;
  }
  GAPLOG_ASSIGN_OR_RETURN(std::optional<std::string> crv, optional_string(jwk, "crv"));
  if (!crv) return refused("it has no crv");
  const Curve* curve = find_curve(*crv);
  if (curve == nullptr) return std::unique_ptr<Key>();  // P-521, secp256k1: not verified by gaplog
  key->type = curve->type;
  GAPLOG_RETURN_IF_ERROR(read_ec(jwk, *curve, *key));
  return key;
}

}  // namespace

JwkSet::JwkSet() = default;
JwkSet::~JwkSet() = default;
JwkSet::JwkSet(JwkSet&&) noexcept = default;
JwkSet& JwkSet::operator=(JwkSet&&) noexcept = default;

Result<JwkSet> JwkSet::parse(std::string_view json_text) {
  const ClearOpensslErrors clear_errors;
  auto document = json::parse(json_text);
  if (!document.is_ok()) {
    return refused("the issuer's key set is not JSON: " + document.status().message());
  }
  const json::Value* keys = document->find("keys");
  if (keys == nullptr || !keys->is_array()) {
    return refused("the issuer's key set is not an object with a \"keys\" array");
  }
  if (keys->items().size() > kMaxKeys) {
    return refused(fmt::format("the issuer's key set has {} keys; gaplog reads at most {}",
                               keys->items().size(), kMaxKeys));
  }
  JwkSet set;
  for (size_t i = 0; i < keys->items().size(); ++i) {
    auto key = read_jwk(keys->items()[i]);
    if (!key.is_ok()) {
      return refused(
          fmt::format("the issuer's key set is refused: keys[{}] claims to be an RSA "
                      "or EC signature key, but {}",
                      i, key.status().message()));
    }
    if (*key) set.keys_.push_back(std::move(key).value());
  }
  return set;
}

bool JwkSet::has_key(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key->kid == kid) return true;
  }
  return false;
}

size_t JwkSet::size() const { return keys_.size(); }

// --- compact JWS -------------------------------------------------------------------------------

namespace {

struct CompactJws {
  std::string_view header, payload, signature;  // base64url, as in the token
  std::string_view signing_input;               // header.payload
};

Result<CompactJws> split_compact(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return refused(fmt::format("the token is {} bytes; gaplog reads tokens of at most {}",
                               token.size(), kMaxTokenBytes));
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    size_t dots = 0;
    for (const char c : token) dots += c == '.' ? 1 : 0;
    return refused(
        fmt::format("the token has {} part{}; a compact JWS has three "
                    "(header.payload.signature)",
                    dots + 1, dots == 0 ? "" : "s"));
  }
  CompactJws jws;
  jws.header = token.substr(0, first);
  jws.payload = token.substr(first + 1, second - first - 1);
  jws.signature = token.substr(second + 1);
  jws.signing_input = token.substr(0, second);
  return jws;
}

// A base64url part that must hold a JSON object: the header, or the payload.
Result<json::Value> decode_object(std::string_view part, std::string_view what) {
  auto bytes = base64url_decode(part);
  if (!bytes.is_ok()) {
    return refused(
        fmt::format("the token's {} is not base64url: {}", what, bytes.status().message()));
  }
  auto value = json::parse(*bytes);
  if (!value.is_ok()) {
    return refused(fmt::format("the token's {} is not JSON: {}", what, value.status().message()));
  }
  if (!value->is_object()) {
    return refused(fmt::format("the token's {} is {}, not a JSON object", what,
                               json::kind_name(value->kind())));
  }
  return std::move(value).value();
}

Result<JwsHeader> read_header(const json::Value& header) {
  const json::Value* alg = header.find("alg");
  if (alg == nullptr || !alg->is_string()) return refused("the token's header has no alg");
  JwsHeader out;
  out.alg = alg->as_string();
  auto kid = optional_string(header, "kid");
  if (!kid.is_ok()) return refused("the token's header: " + kid.status().message());
  out.kid = std::move(kid).value();
  return out;
}

Result<const Algorithm*> accepted_algorithm(std::string_view alg) {
  for (const Algorithm& algorithm : kAlgorithms) {
    if (algorithm.name == alg) return &algorithm;
  }
  if (alg == "none") {
    return refused(fmt::format(
        "the token's alg is \"none\" (not signed); gaplog accepts only signed tokens ({})",
        kAcceptedAlgs));
  }
  if (alg.substr(0, 2) == "HS") {
    return refused(fmt::format(
        "the token's alg is {}, an HMAC with a shared secret; an ID token must be signed with "
        "one of the issuer's public keys ({})",
        quoted(alg), kAcceptedAlgs));
  }
  return refused(
      fmt::format("the token's alg {} is not one gaplog accepts ({})", quoted(alg), kAcceptedAlgs));
}

bool fits(const Key& key, const Algorithm& algorithm) {
  return key.type == algorithm.key && (key.alg.empty() || key.alg == algorithm.name);
}

Status mismatch(const Key& key, const Algorithm& algorithm) {
  if (key.type != algorithm.key) {
    return refused(fmt::format("the token's alg is {} but key {} is {}; {} needs {}",
                               algorithm.name, quoted(key.kid.value_or("")), describe(key.type),
                               algorithm.name, describe(algorithm.key)));
  }
  return refused(fmt::format("the token's alg is {} but key {} is for {} only", algorithm.name,
                             quoted(key.kid.value_or("")), quoted(key.alg)));
}

// The rules of jwt.h: by kid; without one, the only key of the set that fits the alg.
Result<const Key*> choose_key(const std::vector<std::unique_ptr<Key>>& keys,
                              const Algorithm& algorithm, const std::optional<std::string>& kid) {
  std::vector<const Key*> named, fitting;
  for (const auto& key : keys) {
    if (kid && key->kid != *kid) continue;
    named.push_back(key.get());
    if (fits(*key, algorithm) && (kid || key->refusal.empty())) fitting.push_back(key.get());
  }
  if (kid && named.empty()) {
    return refused(fmt::format("no key of the issuer has the token's kid {}", quoted(*kid)));
  }
  if (kid && fitting.empty()) return mismatch(*named.front(), algorithm);
  if (fitting.size() != 1) {
    return refused(fmt::format(
        "the token {} and the issuer has {} keys for {}; gaplog does not guess which one",
        kid ? "has kid " + quoted(*kid) : std::string("has no kid"), fitting.size(),
        algorithm.name));
  }
  if (!fitting.front()->refusal.empty()) return refused(fitting.front()->refusal);
  return fitting.front();
}

// RFC 7518 §3.4: R and S as fixed-size big-endian integers, one after the other. OpenSSL wants
// the DER SEQUENCE of two INTEGERs.
Result<std::string> ecdsa_der(std::string_view raw) {
  const size_t half = raw.size() / 2;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BnPtr r(BN_bin2bn(bytes, static_cast<int>(half), nullptr));
  BnPtr s(BN_bin2bn(bytes + half, static_cast<int>(half), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return refused("OpenSSL could not read the signature");
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return refused("OpenSSL could not encode the signature");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

Status verify_signature(const Key& key, const Algorithm& algorithm, std::string_view input,
                        const std::string& signature) {
  std::string der;
  std::string_view checked = signature;
  if (key.type == KeyType::kRsa) {
    const auto size = static_cast<size_t>(EVP_PKEY_get_size(key.pkey.get()));
    if (signature.size() != size) {
      return refused(fmt::format("the {} signature is {} bytes; key {} makes signatures of {}",
                                 algorithm.name, signature.size(), quoted(key.kid.value_or("")),
                                 size));
    }
  } else {
    const size_t size = 2 * curve_of(key.type).bytes;
    if (signature.size() != size) {
      return refused(fmt::format(
          "the {} signature is {} bytes; it must be R and S of {} bytes each (RFC 7518 §3.4), "
          "not DER",
          algorithm.name, signature.size(), size / 2));
    }
    GAPLOG_ASSIGN_OR_RETURN(der, ecdsa_der(signature));
    checked = der;
  }
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, algorithm.digest(), nullptr, key.pkey.get()) != 1) {
    return refused("OpenSSL could not set up the verification");
  }
  if (key.type == KeyType::kRsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return refused("OpenSSL could not set PKCS #1 v1.5 padding");
  }
  if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(checked.data()),
                       checked.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1) {
    return refused(fmt::format("the token's {} signature does not verify with key {}",
                               algorithm.name, quoted(key.kid.value_or(""))));
  }
  return Status::ok();
}

}  // namespace

Result<JwsHeader> peek_jws_header(std::string_view token) {
  GAPLOG_ASSIGN_OR_RETURN(const CompactJws jws, split_compact(token));
  GAPLOG_ASSIGN_OR_RETURN(const json::Value header, decode_object(jws.header, "header"));
  return read_header(header);
}

Result<json::Value> verify_jws(std::string_view token, const JwkSet& keys) {
  const ClearOpensslErrors clear_errors;
  GAPLOG_ASSIGN_OR_RETURN(const CompactJws jws, split_compact(token));
  GAPLOG_ASSIGN_OR_RETURN(const json::Value header_json, decode_object(jws.header, "header"));
  GAPLOG_ASSIGN_OR_RETURN(const JwsHeader header, read_header(header_json));
  GAPLOG_ASSIGN_OR_RETURN(const Algorithm* algorithm, accepted_algorithm(header.alg));
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; gaplog understands none.
  if (header_json.find("crit") != nullptr) {
    return refused("the token's header has crit; gaplog understands no JWS extensions");
  }
  GAPLOG_ASSIGN_OR_RETURN(const Key* key, choose_key(keys.keys_, *algorithm, header.kid));
  if (jws.signature.empty()) return refused("the token has no signature");
  auto signature = base64url_decode(jws.signature);
  if (!signature.is_ok()) {
    return refused("the token's signature is not base64url: " + signature.status().message());
  }
  GAPLOG_RETURN_IF_ERROR(verify_signature(*key, *algorithm, jws.signing_input, *signature));
  // Only now, signed by the issuer, is the payload read.
  return decode_object(jws.payload, "payload");
}

// --- ID token claims ---------------------------------------------------------------------------

namespace {

Result<std::string> required_claim(const json::Value& payload, std::string_view name) {
  auto value = optional_string(payload, name);
  if (!value.is_ok()) return refused("the token's " + value.status().message());
  if (!*value) return refused(fmt::format("the token has no {}", name));
  return std::move(*value).value();
}

// exp and iat: NumericDate, seconds. A whole number, also when written as 1.7e9 or 1700000000.0.
Result<int64_t> time_claim(const json::Value& payload, std::string_view name) {
  const json::Value* value = payload.find(name);
  if (value == nullptr) return refused(fmt::format("the token has no {}", name));
  if (value->is_integer()) return value->as_integer();
  if (value->is_number()) {
    const double d = value->as_double();
    // [-2^63, 2^63): the doubles that convert to an int64 without overflow.
    if (d == std::trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      return static_cast<int64_t>(d);
    }
  }
  return refused(fmt::format("the token's {} is not a whole number of seconds", name));
}

Status check_audience(const json::Value& payload, const std::string& client_id) {
  const json::Value* aud = payload.find("aud");
  if (aud == nullptr) return refused("the token has no aud");
  std::vector<std::string_view> audiences;
  if (aud->is_string()) {
    audiences.push_back(aud->as_string());
  } else if (aud->is_array()) {
    for (const json::Value& item : aud->items()) {
      if (!item.is_string()) return refused("the token's aud has an entry that is not a string");
      audiences.push_back(item.as_string());
    }
  } else {
    return refused("the token's aud is neither a string nor an array of strings");
  }
  bool found = false;
  for (const std::string_view audience : audiences) found = found || audience == client_id;
  if (!found) {
    return refused(fmt::format("the token's aud does not name this client {} (it names {})",
                               quoted(client_id),
                               audiences.empty() ? "nobody" : quoted(audiences.front())));
  }
  // OpenID Connect Core §3.1.3.7, 4 and 5: with several audiences azp must be there, and when
  // it is there it must be this client.
  const json::Value* azp = payload.find("azp");
  if (azp == nullptr && audiences.size() > 1) {
    return refused("the token has several audiences and no azp");
  }
  if (azp != nullptr && (!azp->is_string() || azp->as_string() != client_id)) {
    return refused(fmt::format("the token's azp is not this client {}", quoted(client_id)));
  }
  return Status::ok();
}

// email and name: strings when present; null counts as absent.
Result<std::string> optional_claim(const json::Value& payload, std::string_view name) {
  const json::Value* value = payload.find(name);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string()) {
    return refused(
        fmt::format("the token's {} is {}, not a string", name, json::kind_name(value->kind())));
  }
  return value->as_string();
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<IdTokenClaims> check_id_token(const json::Value& payload, const IdTokenExpectations& want) {
  if (!payload.is_object()) return refused("the token's payload is not a JSON object");
  IdTokenClaims claims;
  GAPLOG_ASSIGN_OR_RETURN(claims.issuer, required_claim(payload, "iss"));
  if (claims.issuer != want.issuer) {
    return refused(fmt::format("the token is from issuer {}, not {}", quoted(claims.issuer),
                               quoted(want.issuer)));
  }
  GAPLOG_RETURN_IF_ERROR(check_audience(payload, want.client_id));
  GAPLOG_ASSIGN_OR_RETURN(claims.expires_at, time_claim(payload, "exp"));
  if (claims.expires_at <= want.now - want.skew) {
    return refused(fmt::format("the token expired at {} (now {}, {} s of clock skew allowed)",
                               claims.expires_at, want.now, want.skew));
  }
  GAPLOG_ASSIGN_OR_RETURN(claims.issued_at, time_claim(payload, "iat"));
  if (claims.issued_at > want.now + want.skew) {
    return refused(
        fmt::format("the token is issued at {}, in the future (now {}, {} s of clock "
                    "skew allowed)",
                    claims.issued_at, want.now, want.skew));
  }
  GAPLOG_ASSIGN_OR_RETURN(const std::string nonce, required_claim(payload, "nonce"));
  if (!equal_in_constant_time(nonce, want.nonce)) {
    return refused("the token's nonce is not the one of this sign-in");
  }
  GAPLOG_ASSIGN_OR_RETURN(claims.subject, required_claim(payload, "sub"));
  if (claims.subject.empty()) return refused("the token's sub is empty");
  GAPLOG_ASSIGN_OR_RETURN(claims.email, optional_claim(payload, "email"));
  GAPLOG_ASSIGN_OR_RETURN(claims.name, optional_claim(payload, "name"));
  const json::Value* verified = payload.find("email_verified");
  claims.email_verified =
      verified != nullptr && ((verified->is_bool() && verified->as_bool()) ||
                              (verified->is_string() && verified->as_string() == "true"));
  // Microsoft Entra ID sends no email_verified; its optional claim xms_edov (the tenant owns and
  // verified the address's domain) says the same thing for the addresses of an organisation. Only
  // when email_verified is absent: a provider that says false is believed.
  const json::Value* edov = payload.find("xms_edov");
  if (verified == nullptr && edov != nullptr && edov->is_bool() && edov->as_bool()) {
    claims.email_verified = true;
  }
  return claims;
}

}  // namespace gaplog
