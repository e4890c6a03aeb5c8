// The RFC 6962 §2.1 Merkle tree over the event log: leaf i (0-based) is the stored bytes of the
// event with seq i + 1. SHA-256; a leaf hash is SHA-256(0x00 || leaf), a node hash is
// SHA-256(0x01 || left || right), and the root of the empty tree is SHA-256 of nothing.
//
// The tree is never rebuilt. The log can give the hash of every complete, aligned subtree (a
// power-of-two run of leaves starting at a multiple of its length: stored, or recomputed from a
// bounded number of stored leaf hashes); every root and proof of RFC 6962 is assembled from
// O(log n) of them, and appending a leaf completes O(log n) new ones.
//
// All functions are pure (no state beyond the source they are given) and thread-safe as far as
// the source's complete_subtree() is. Argument errors are Code::kInvalidArgument with a message
// naming the valid range; a failure of the source is returned as the source reported it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "store/sha256.h"

namespace gaplog {

Hash merkle_leaf_hash(std::string_view leaf_bytes);
Hash merkle_node_hash(const Hash& left, const Hash& right);
// The root of the tree of size 0: SHA-256 of the empty string.
Hash merkle_empty_root();

// Where the hashes of complete subtrees come from (the event log, or MemoryMerkleTree).
// The subtree at `level` and `index` covers leaves [index << level, (index + 1) << level); level 0
// is a single leaf hash. Implementations return an error when that subtree is not complete in
// the tree they hold (and may return kIoError / kCorruption for storage failures).
class SubtreeHashSource {
 public:
  virtual ~SubtreeHashSource() = default;
  virtual Result<Hash> complete_subtree(unsigned level, uint64_t index) const = 0;
};

// MTH(D[begin:end]) of RFC 6962 for a range that decomposes into complete subtrees: `begin` must
// be a multiple of the largest power of two not above end - begin (true of every range in a
// root or proof). The empty range hashes to merkle_empty_root(). Reads one complete subtree per
// set bit of end - begin.
Result<Hash> merkle_range_hash(const SubtreeHashSource& source, uint64_t begin, uint64_t end);

// MTH of the first `tree_size` leaves (merkle_empty_root() for 0).
Result<Hash> merkle_root(const SubtreeHashSource& source, uint64_t tree_size);

// RFC 6962 §2.1.1 audit path PATH(leaf_index, D[tree_size]), sibling of the leaf first, sibling
// just below the root last. Requires leaf_index < tree_size.
Result<std::vector<Hash>> merkle_inclusion_proof(const SubtreeHashSource& source,
                                                 uint64_t leaf_index, uint64_t tree_size);

// RFC 6962 §2.1.2 consistency proof PROOF(old_size, D[new_size]). Requires old_size <= new_size;
// the proof is empty when old_size is 0 or equals new_size.
Result<std::vector<Hash>> merkle_consistency_proof(const SubtreeHashSource& source,
                                                   uint64_t old_size, uint64_t new_size);

// A complete subtree and its hash, as the log persists it.
struct SubtreeNode {
  unsigned level;
  uint64_t index;
  Hash hash;

  friend bool operator==(const SubtreeNode&, const SubtreeNode&) = default;
};

// The complete subtrees that appending leaf `leaf_index` with hash `leaf_hash` creates: first the
// leaf itself (level 0), then each ancestor it completes, lowest first. `source` must already hold
// every complete subtree of the first leaf_index leaves; it is asked only for the left siblings
// along the way (at most log2(leaf_index + 1) lookups).
Result<std::vector<SubtreeNode>> merkle_nodes_completed_by_append(const SubtreeHashSource& source,
                                                                  uint64_t leaf_index,
                                                                  const Hash& leaf_hash);

// Verifiers as an auditor runs them, needing nothing but the arguments (RFC 9162 §2.1.3.2 and
// §2.1.4.2). True only if the proof is exactly the one for these sizes and hashes.
bool merkle_verify_inclusion(const Hash& leaf_hash, uint64_t leaf_index, uint64_t tree_size,
                             const std::vector<Hash>& path, const Hash& root);
// Also accepts the trivial cases with an empty proof: old_size 0 (old_root must be the empty
// root) and old_size == new_size (the roots must be equal).
bool merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                               const Hash& new_root, const std::vector<Hash>& proof);

// A whole tree in memory (about 64 bytes per leaf): for tests, for verifying an audit bundle and
// for `verify`, which rebuilds the tree from the stored events. A value; not thread-safe.
class MemoryMerkleTree : public SubtreeHashSource {
 public:
  void append(const Hash& leaf_hash);
  uint64_t size() const;
  // Root of the whole tree; roots of smaller sizes: merkle_root(tree, size).
  Hash root() const;
  // kInvalidArgument when the subtree is not complete in this tree.
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override;

 private:
  // complete_[level][index] is the hash of the complete subtree at (level, index).
  std::vector<std::vector<Hash>> complete_;
};

// The right edge of a tree: one complete subtree per set bit of its size — all that appending
// a leaf and computing the current root need, in O(log n) memory and without allocating. The
// log's writer keeps one, and so do verify and read-back.
class MerkleFrontier final : public SubtreeHashSource {
 public:
  // Appends the next leaf, calling on_complete(node) for every subtree it completes: the leaf
  // itself (level 0) first, then each parent it completes.
  template <typename OnComplete>
  void append(const Hash& leaf_hash, OnComplete&& on_complete) {
    SubtreeNode node{0, size_, leaf_hash};
    on_complete(static_cast<const SubtreeNode&>(node));
    while (node.index % 2 == 1) {
      node = SubtreeNode{node.level + 1, node.index / 2,
                         merkle_node_hash(edge_[node.level].hash, node.hash)};
      on_complete(static_cast<const SubtreeNode&>(node));
    }
    edge_[node.level] = node;
    ++size_;
  }
  void append(const Hash& leaf_hash) {
    append(leaf_hash, [](const SubtreeNode&) {});
  }

  // Restores a frontier for a tree of `size` leaves; `subtree(level, index)` must give the
  // complete subtree for each set bit of `size` (index = (size >> level) - 1).
  static Result<MerkleFrontier> restore(const SubtreeHashSource& subtrees, uint64_t size);

  uint64_t size() const { return size_; }
  Hash root() const;
  // Only the subtrees on the right edge are known.
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override;

 private:
  std::array<SubtreeNode, 64> edge_{};
  uint64_t size_ = 0;
};

}  // namespace gaplog
