#include "store/merkle.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <optional>

namespace gaplog {
namespace {

constexpr char kLeafPrefix[] = {0x00};
constexpr char kNodePrefix[] = {0x01};

// The k of RFC 6962 §2.1: the largest power of two strictly below `size` (size >= 2). MTH splits
// a range of `size` leaves into a complete left subtree of k leaves and the rest.
uint64_t split_point(uint64_t size) { return std::bit_floor(size - 1); }

}  // namespace

Hash merkle_leaf_hash(std::string_view leaf_bytes) {
  return sha256_of({std::string_view(kLeafPrefix, 1), leaf_bytes});
}

Hash merkle_node_hash(const Hash& left, const Hash& right) {
  return sha256_of({std::string_view(kNodePrefix, 1), hash_bytes(left), hash_bytes(right)});
}

Hash merkle_empty_root() { return sha256(""); }

// Unrolling the MTH recursion on a range whose start is aligned: the left part is always
// complete, so MTH(D[begin:end]) = node(S1, node(S2, ... node(Sk-1, Sk))) where S1..Sk are the
// complete subtrees for the set bits of end - begin, largest first. Folding from the right
// visits them smallest (rightmost) first.
Result<Hash> merkle_range_hash(const SubtreeHashSource& source, uint64_t begin, uint64_t end) {
  if (end < begin)
    return invalid_argument(fmt::format("leaf range [{}, {}) ends before it begins", begin, end));
  if (begin == end) return merkle_empty_root();
  const uint64_t largest_part = std::bit_floor(end - begin);
  if (begin % largest_part != 0) {
    return invalid_argument(
        fmt::format("leaf range [{}, {}) is not part of any Merkle tree; a range of {} leaves must "
                    "start at a multiple of {}",
                    begin, end, end - begin, largest_part));
  }
  uint64_t remaining = end - begin;
  uint64_t part_end = end;
  const unsigned last_level = static_cast<unsigned>(std::countr_zero(remaining));
  GAPLOG_ASSIGN_OR_RETURN(Hash hash,
                          source.complete_subtree(last_level, (part_end - 1) >> last_level));
  remaining &= remaining - 1;
  part_end -= uint64_t{1} << last_level;
  while (remaining != 0) {
    const unsigned level = static_cast<unsigned>(std::countr_zero(remaining));
    GAPLOG_ASSIGN_OR_RETURN(Hash left, source.complete_subtree(level, (part_end - 1) >> level));
    hash = merkle_node_hash(left, hash);
    remaining &= remaining - 1;
    part_end -= uint64_t{1} << level;
  }
  return hash;
}

Result<Hash> merkle_root(const SubtreeHashSource& source, uint64_t tree_size) {
  return merkle_range_hash(source, 0, tree_size);
}

// PATH walked from the root down, narrowing [begin, end) to the leaf; the sibling of each step is
// reversed into leaf-first order at the end. Only the first step to the left can have a sibling
// made of several complete subtrees: after it the walk is inside a complete subtree, whose
// siblings are single lookups. Hence O(log n) reads.
Result<std::vector<Hash>> merkle_inclusion_proof(const SubtreeHashSource& source,
                                                 uint64_t leaf_index, uint64_t tree_size) {
  if (leaf_index >= tree_size) {
    return invalid_argument(
        fmt::format("seq {} (leaf {}) is beyond tree size {}; ask for a tree size of at least {}",
                    leaf_index + 1, leaf_index, tree_size, leaf_index + 1));
  }
  std::vector<Hash> path;
  uint64_t begin = 0;
  uint64_t end = tree_size;
  while (end - begin > 1) {
    const uint64_t middle = begin + split_point(end - begin);
    if (leaf_index < middle) {
      GAPLOG_ASSIGN_OR_RETURN(Hash sibling, merkle_range_hash(source, middle, end));
      path.push_back(sibling);
      end = middle;
    } else {
      GAPLOG_ASSIGN_OR_RETURN(Hash sibling, merkle_range_hash(source, begin, middle));
      path.push_back(sibling);
      begin = middle;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// SUBPROOF(m, D[begin:end], b) walked from the root down. m is relative to `begin`, so the old
// tree always ends at old_size in absolute terms; the walk stops at the subtree that ends exactly
// there. `old_tree_is_whole_subtree` is RFC 6962's b: still true while only left turns were
// taken, i.e. the old tree is itself the subtree reached and its root is known to the verifier.
Result<std::vector<Hash>> merkle_consistency_proof(const SubtreeHashSource& source,
                                                   uint64_t old_size, uint64_t new_size) {
  if (old_size > new_size) {
    return invalid_argument(fmt::format(
        "old tree size {} is beyond new tree size {}; ask for a new tree size of at least {}",
        old_size, new_size, old_size));
  }
  std::vector<Hash> proof;
  if (old_size == 0) return proof;
  uint64_t begin = 0;
  uint64_t end = new_size;
  bool old_tree_is_whole_subtree = true;
  while (end != old_size) {
    // Here begin < old_size < end, so the range has at least two leaves.
    const uint64_t middle = begin + split_point(end - begin);
    if (old_size <= middle) {
      GAPLOG_ASSIGN_OR_RETURN(Hash right, merkle_range_hash(source, middle, end));
      proof.push_back(right);
      end = middle;
    } else {
      GAPLOG_ASSIGN_OR_RETURN(Hash left, merkle_range_hash(source, begin, middle));
      proof.push_back(left);
      begin = middle;
      old_tree_is_whole_subtree = false;
    }
  }
  if (!old_tree_is_whole_subtree) {
    GAPLOG_ASSIGN_OR_RETURN(Hash reached, merkle_range_hash(source, begin, end));
    proof.push_back(reached);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

// Leaf i completes its parent exactly when it is a right child (i odd); that parent completes
// the grandparent when it is a right child too, and so on up the trailing one bits of i.
Result<std::vector<SubtreeNode>> merkle_nodes_completed_by_append(const SubtreeHashSource& source,
                                                                  uint64_t leaf_index,
                                                                  const Hash& leaf_hash) {
  if (leaf_index == std::numeric_limits<uint64_t>::max()) {
    return invalid_argument(fmt::format("leaf {} would make the tree larger than {} leaves",
                                        leaf_index, std::numeric_limits<uint64_t>::max()));
  }
  std::vector<SubtreeNode> completed;
  completed.reserve(static_cast<size_t>(std::countr_one(leaf_index)) + 1);
  SubtreeNode node{0, leaf_index, leaf_hash};
  completed.push_back(node);
  while (node.index % 2 == 1) {
    GAPLOG_ASSIGN_OR_RETURN(Hash left, source.complete_subtree(node.level, node.index - 1));
    node = SubtreeNode{node.level + 1, node.index / 2, merkle_node_hash(left, node.hash)};
    completed.push_back(node);
  }
  return completed;
}

// RFC 9162 §2.1.3.2, step for step. `node` is the leaf's position and `last_node` the last
// leaf's at the current level; a level where the node is a right child, or the rightmost node
// with no sibling to its right, takes the proof hash from the left.
bool merkle_verify_inclusion(const Hash& leaf_hash, uint64_t leaf_index, uint64_t tree_size,
                             const std::vector<Hash>& path, const Hash& root) {
  if (leaf_index >= tree_size) return false;
  uint64_t node = leaf_index;
  uint64_t last_node = tree_size - 1;
  Hash hash = leaf_hash;
  for (const Hash& sibling : path) {
    if (last_node == 0) return false;
    if (node % 2 == 1 || node == last_node) {
      hash = merkle_node_hash(sibling, hash);
      // A rightmost node without a right sibling is promoted unchanged to the next levels.
      while (node % 2 == 0 && node != 0) {
        node >>= 1;
        last_node >>= 1;
      }
    } else {
      hash = merkle_node_hash(hash, sibling);
    }
    node >>= 1;
    last_node >>= 1;
  }
  return last_node == 0 && hash == root;
}

// RFC 9162 §2.1.4.2, step for step: rebuild both roots at once from the same proof, the old one
// only from the hashes to the left of the old tree's last leaf.
bool merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                               const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size > new_size) return false;
  if (old_size == 0) {
    return proof.empty() && old_root == merkle_empty_root() &&
           (new_size != 0 || new_root == old_root);
  }
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;

  // When the old tree is a complete subtree its root is the proof's implicit first element.
  std::vector<Hash>::const_iterator next = proof.begin();
  Hash old_hash;
  if (std::has_single_bit(old_size)) {
    old_hash = old_root;
  } else {
    old_hash = *next++;
  }
  Hash new_hash = old_hash;
  uint64_t node = old_size - 1;
  uint64_t last_node = new_size - 1;
  while (node % 2 == 1) {
    node >>= 1;
    last_node >>= 1;
  }
  for (; next != proof.end(); ++next) {
    if (last_node == 0) return false;
    if (node % 2 == 1 || node == last_node) {
      old_hash = merkle_node_hash(*next, old_hash);
      new_hash = merkle_node_hash(*next, new_hash);
      while (node % 2 == 0 && node != 0) {
        node >>= 1;
        last_node >>= 1;
      }
    } else {
      new_hash = merkle_node_hash(new_hash, *next);
    }
    node >>= 1;
    last_node >>= 1;
  }
  return last_node == 0 && old_hash == old_root && new_hash == new_root;
}

void MemoryMerkleTree::append(const Hash& leaf_hash) {
  // Every complete subtree of the current leaves is here, so the append cannot fail.
  Result<std::vector<SubtreeNode>> completed =
      merkle_nodes_completed_by_append(*this, size(), leaf_hash);
  assert(completed.is_ok());
  for (const SubtreeNode& node : completed.value()) {
    if (node.level == complete_.size()) complete_.emplace_back();
    complete_[node.level].push_back(node.hash);
  }
}

uint64_t MemoryMerkleTree::size() const { return complete_.empty() ? 0 : complete_[0].size(); }

Hash MemoryMerkleTree::root() const {
  Result<Hash> root = merkle_root(*this, size());
  assert(root.is_ok());
  return root.value();
}

Result<Hash> MemoryMerkleTree::complete_subtree(unsigned level, uint64_t index) const {
  if (level >= complete_.size() || index >= complete_[level].size()) {
    return invalid_argument(
        fmt::format("a tree of {} leaves has no complete subtree at level {}, index {} (leaves "
                    "[index * 2^level, "
                    "(index + 1) * 2^level))",
                    size(), level, index));
  }
  return complete_[level][index];
}

Result<MerkleFrontier> MerkleFrontier::restore(const SubtreeHashSource& subtrees, uint64_t size) {
  MerkleFrontier frontier;
  frontier.size_ = size;
  for (unsigned level = 0; level < 64; ++level) {
    if ((size >> level & 1) == 0) continue;
    const uint64_t index = (size >> level) - 1;
    GAPLOG_ASSIGN_OR_RETURN(Hash hash, subtrees.complete_subtree(level, index));
    frontier.edge_[level] = SubtreeNode{level, index, hash};
  }
  return frontier;
}

Hash MerkleFrontier::root() const {
  if (size_ == 0) return merkle_empty_root();
  std::optional<Hash> hash;
  for (unsigned level = 0; level < 64; ++level) {
    if ((size_ >> level & 1) == 0) continue;
    hash = hash ? merkle_node_hash(edge_[level].hash, *hash) : edge_[level].hash;
  }
  return *hash;
}

Result<Hash> MerkleFrontier::complete_subtree(unsigned level, uint64_t index) const {
  if (level < 64 && (size_ >> level & 1) == 1 && edge_[level].index == index)
    return edge_[level].hash;
  return invalid_argument(
      fmt::format("subtree (level {}, index {}) is not on the right edge of a "
                  "tree of {} leaves",
                  level, index, size_));
}

}  // namespace gaplog
