// SHA-256 (FIPS 180-4) over OpenSSL's EVP interface: the hash of the Merkle tree, of evidence
// blobs and of anything else gaplog fingerprints.
//
// All functions are thread-safe. Failures of OpenSSL itself (no SHA-256 provider, out of
// memory) are a broken environment and throw; hashing never returns an error.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header.

namespace gaplog {

using Hash = std::array<uint8_t, 32>;

// SHA-256 of `bytes`.
Hash sha256(std::string_view bytes);

// SHA-256 of the concatenation of `parts`, without building the concatenation.
Hash sha256_of(std::initializer_list<std::string_view> parts);

// Incremental SHA-256 for input that arrives in pieces (e.g. an evidence upload).
// A resource: movable, not copyable; a moved-from hasher may only be destroyed or assigned to.
// Not thread-safe; use one per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The hash of everything passed to update() since construction or the previous finish().
  // Resets the hasher, so it can be reused for another message.
  Hash finish();

 private:
  struct ContextDeleter {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextDeleter> context_;
};

// The bytes of `hash` as a view, to feed into hashing or storage without a copy.
inline std::string_view hash_bytes(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

// 64 lowercase hex digits (the JSON form of every hash).
std::string hash_hex(const Hash& hash);

// The inverse of hash_hex. Accepts upper- or lowercase digits; nullopt unless `hex` is exactly
// 64 hex digits.
std::optional<Hash> parse_hash_hex(std::string_view hex);

}  // namespace gaplog
