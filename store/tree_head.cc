#include "store/tree_head.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "store/sha256.h"

namespace gaplog {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<std::string> public_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    return internal_error("cannot encode the public key");
  return bio_contents(bio.get());
}

}  // namespace

std::string tree_head_message(uint64_t tree_size, const Hash& root, Micros timestamp) {
  return fmt::format("gaplog-tree-head-v1\ntree_size={}\nroot_hash={}\ntimestamp={}\n", tree_size,
                     hash_hex(root), format_timestamp(timestamp));
}

TreeHeadSigner::TreeHeadSigner(void* key, std::string public_key_pem)
    : key_(key), public_key_pem_(std::move(public_key_pem)) {}

TreeHeadSigner::~TreeHeadSigner() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

Status TreeHeadSigner::generate(FileSystem& fs, const std::string& private_path,
                                const std::string& public_path) {
  for (const std::string& p : {private_path, public_path}) {
    GAPLOG_ASSIGN_OR_RETURN(bool exists, fs.exists(p));
    if (exists)
      return already_exists(fmt::format("{} already exists; refusing to replace a signing key", p));
  }
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return internal_error("OpenSSL could not generate an Ed25519 key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internal_error("cannot encode the private key");
  }
  GAPLOG_RETURN_IF_ERROR(write_file_atomically(fs, private_path, bio_contents(bio.get()), 0600));
  GAPLOG_ASSIGN_OR_RETURN(std::string pub, public_pem(key.get()));
  return write_file_atomically(fs, public_path, pub, 0644);
}

Result<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::load(FileSystem& fs,
                                                             const std::string& private_path) {
  GAPLOG_ASSIGN_OR_RETURN(std::string pem, read_whole_file(fs, private_path));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return corruption(fmt::format("{} is not an Ed25519 private key in PEM form", private_path));
  }
  GAPLOG_ASSIGN_OR_RETURN(std::string pub, public_pem(key.get()));
  return std::unique_ptr<TreeHeadSigner>(new TreeHeadSigner(key.release(), std::move(pub)));
}

std::string TreeHeadSigner::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 64;
  std::string sig(len, '\0');
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(key_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw std::runtime_error("OpenSSL failed to sign with a valid Ed25519 key");
  }
  sig.resize(len);
  return sig;
}

namespace {

// The Ed25519 public key in a PEM text, or null when it holds none.
PkeyPtr read_ed25519_public_key(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

}  // namespace

Result<std::string> public_key_fingerprint(std::string_view public_key_pem) {
  PkeyPtr key = read_ed25519_public_key(public_key_pem);
  if (!key) return invalid_argument("the public key is not an Ed25519 public key in PEM form");
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) return invalid_argument("the public key cannot be encoded");
  const Hash digest =
      sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(length)));
  OPENSSL_free(der);
  return hash_hex(digest);
}

bool verify_tree_head_signature(std::string_view public_key_pem, const StoredTreeHead& head) {
  PkeyPtr key = read_ed25519_public_key(public_key_pem);
  if (!key) return false;
  const std::string message = tree_head_message(head.tree_size, head.root, head.timestamp);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(head.signature.data()),
                          head.signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

Result<StoredTreeHead> current_tree_head(EventLog& log, const TreeHeadSigner& signer,
                                         Clock& clock) {
  return tree_head_for_size(log, signer, clock, log.last_seq());
}

Result<StoredTreeHead> tree_head_for_size(EventLog& log, const TreeHeadSigner& signer, Clock& clock,
                                          uint64_t tree_size) {
  const uint64_t last = log.last_seq();
  if (tree_size > last) {
    return invalid_argument(
        fmt::format("the log holds {} events; there is no tree of size {}", last, tree_size));
  }
  GAPLOG_ASSIGN_OR_RETURN(auto stored, log.tree_head_at(tree_size));
  if (stored) return *stored;
  GAPLOG_ASSIGN_OR_RETURN(auto latest, log.latest_tree_head());
  StoredTreeHead head;
  head.tree_size = tree_size;
  GAPLOG_ASSIGN_OR_RETURN(head.root, log.root(tree_size));
  // Timestamps of successive heads never go backwards, even if the wall clock does.
  head.timestamp = std::max(clock.now(), latest ? latest->timestamp : INT64_MIN);
  head.signature = signer.sign(tree_head_message(head.tree_size, head.root, head.timestamp));
  GAPLOG_RETURN_IF_ERROR(log.store_tree_head(head));
  return head;
}

}  // namespace gaplog
