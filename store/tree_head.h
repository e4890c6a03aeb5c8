// Signed tree heads: the log's size and Merkle root at a moment, signed with the program's
// Ed25519 key so that the CPA firm can keep it and later demand proofs against it.
//
// The signed message is plain text, so an auditor can rebuild it with printf and check it with
// `openssl pkeyutl -verify -rawin` (see docs/auditors.md):
//
//   gaplog-tree-head-v1\n
//   tree_size=<decimal>\n
//   root_hash=<64 lowercase hex>\n
//   timestamp=<RFC 3339 UTC>\n
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/file_system.h"

namespace gaplog {

// The exact bytes that are signed for a tree head.
std::string tree_head_message(uint64_t tree_size, const Hash& root, Micros timestamp);

// The program's Ed25519 signing key. Not copyable; thread-safe after construction.
class TreeHeadSigner {
 public:
  // Generates a new key pair: the private key (PKCS#8 PEM) at `private_path` with mode 0600
  // and the public key (SubjectPublicKeyInfo PEM) at `public_path`. Fails if either exists.
  static Status generate(FileSystem& fs, const std::string& private_path,
                         const std::string& public_path);
  static Result<std::unique_ptr<TreeHeadSigner>> load(FileSystem& fs,
                                                      const std::string& private_path);
  ~TreeHeadSigner();
  TreeHeadSigner(const TreeHeadSigner&) = delete;
  TreeHeadSigner& operator=(const TreeHeadSigner&) = delete;

  const std::string& public_key_pem() const { return public_key_pem_; }
  // A 64-byte Ed25519 signature over `message`.
  std::string sign(std::string_view message) const;

 private:
  TreeHeadSigner(void* key, std::string public_key_pem);
  void* key_;  // EVP_PKEY*, owned
  std::string public_key_pem_;
};

// The SHA-256 (hex) of a PEM public key's DER encoding, the fingerprint an auditor compares
// out of band (`openssl pkey -pubin -in public-key.pem -outform DER | sha256sum`). kInvalidArgument
// when the text is not an Ed25519 public key in PEM form.
Result<std::string> public_key_fingerprint(std::string_view public_key_pem);

// Checks a tree head's signature against a PEM public key.
bool verify_tree_head_signature(std::string_view public_key_pem, const StoredTreeHead& head);

// The signed head for the log's current size: tree_head_for_size(log, ..., log.last_seq()).
Result<StoredTreeHead> current_tree_head(EventLog& log, const TreeHeadSigner& signer, Clock& clock);

// The signed head for a tree size up to the current one: the head already issued for that size
// when there is one (same timestamp and signature), otherwise a new one signed at clock.now()
// (never before the latest head's timestamp) and stored durably in the log, so that the same
// size is answered with the same head. kInvalidArgument when the log is smaller.
Result<StoredTreeHead> tree_head_for_size(EventLog& log, const TreeHeadSigner& signer, Clock& clock,
                                          uint64_t tree_size);

}  // namespace gaplog
