#include "store/sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "domain/hex.h"

namespace gaplog {
namespace {

// OpenSSL 3 looks the algorithm up in its provider registry on every use of EVP_sha256();
// fetching it once makes hashing a 65-byte Merkle node about twice as fast. The handle is
// immutable and OpenSSL documents it as safe to share between threads.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (algorithm == nullptr) throw std::runtime_error("OpenSSL provides no SHA256 implementation");
  return algorithm;
}

void check_openssl(int result, const char* operation) {
  if (result != 1) throw std::runtime_error(std::string("OpenSSL ") + operation + " failed");
}

}  // namespace

void Sha256::ContextDeleter::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_) throw std::bad_alloc();
  check_openssl(EVP_DigestInit_ex(context_.get(), sha256_algorithm(), nullptr),
                "EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) {
  check_openssl(EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

Hash Sha256::finish() {
  Hash hash;
  unsigned int length = 0;
  check_openssl(EVP_DigestFinal_ex(context_.get(), hash.data(), &length), "EVP_DigestFinal_ex");
  if (length != hash.size())
    throw std::runtime_error("OpenSSL SHA256 returned a digest of the wrong size");
  check_openssl(EVP_DigestInit_ex(context_.get(), sha256_algorithm(), nullptr),
                "EVP_DigestInit_ex");
  return hash;
}

namespace {

// One-shot hashing reuses a context per thread: EVP_Digest and a fresh EVP_MD_CTX each
// allocate and free a context per call, which cost more than hashing a 65-byte Merkle node or
// a few-hundred-byte event.
EVP_MD_CTX* thread_context() {
  struct Owner {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Owner() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Owner owner;
  if (owner.ctx == nullptr) throw std::bad_alloc();
  return owner.ctx;
}

}  // namespace

Hash sha256_of(std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = thread_context();
  check_openssl(EVP_DigestInit_ex2(ctx, sha256_algorithm(), nullptr), "EVP_DigestInit_ex2");
  for (std::string_view part : parts) {
    check_openssl(EVP_DigestUpdate(ctx, part.data(), part.size()), "EVP_DigestUpdate");
  }
  Hash hash;
  unsigned int length = 0;
  check_openssl(EVP_DigestFinal_ex(ctx, hash.data(), &length), "EVP_DigestFinal_ex");
  if (length != hash.size())
    throw std::runtime_error("OpenSSL SHA256 returned a digest of the wrong size");
  return hash;
}

Hash sha256(std::string_view bytes) { return sha256_of({bytes}); }

std::string hash_hex(const Hash& hash) { return to_hex(hash_bytes(hash)); }

std::optional<Hash> parse_hash_hex(std::string_view hex) {
  if (hex.size() != 2 * Hash().size()) return std::nullopt;
  std::optional<std::string> bytes = from_hex(hex);
  if (!bytes) return std::nullopt;
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

}  // namespace gaplog
