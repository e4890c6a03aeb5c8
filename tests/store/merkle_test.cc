// The Merkle tree against published known answers and against an independent, deliberately naive
// transcription of RFC 6962 §2.1 that rebuilds everything from the full list of leaves.
#include "store/merkle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "domain/hex.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

using ::testing::HasSubstr;

Hash hash_from_hex(std::string_view hex) {
  std::optional<Hash> hash = parse_hash_hex(hex);
  EXPECT_TRUE(hash.has_value()) << hex;
  return hash.value_or(Hash{});
}

std::vector<Hash> hashes_from_hex(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash> hashes;
  for (std::string_view hex : hexes) hashes.push_back(hash_from_hex(hex));
  return hashes;
}

std::string bytes_from_hex(std::string_view hex) { return from_hex(hex).value(); }

Hash with_bit_flipped(Hash hash, size_t bit) {
  hash[bit / 8 % hash.size()] ^= static_cast<uint8_t>(1u << (bit % 8));
  return hash;
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 §2.1 as written: MTH, PATH and PROOF/SUBPROOF over D[n], recursing on sublists.
// Shares nothing with store/merkle.cc but SHA-256 itself (which has its own known answers).
namespace rfc6962 {

using Leaves = std::span<const std::string>;

std::string bytes_of(const Hash& hash) { return std::string(hash.begin(), hash.end()); }

// "the largest power of two smaller than n"
size_t k_for(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash mth(Leaves d) {
  if (d.empty()) return sha256("");
  if (d.size() == 1) return sha256(std::string(1, '\x00') + d[0]);
  const size_t k = k_for(d.size());
  return sha256(std::string(1, '\x01') + bytes_of(mth(d.first(k))) + bytes_of(mth(d.subspan(k))));
}

std::vector<Hash> path(size_t m, Leaves d) {
  if (d.size() == 1) return {};
  const size_t k = k_for(d.size());
  std::vector<Hash> result;
  if (m < k) {
    result = path(m, d.first(k));
    result.push_back(mth(d.subspan(k)));
  } else {
    result = path(m - k, d.subspan(k));
    result.push_back(mth(d.first(k)));
  }
  return result;
}

std::vector<Hash> subproof(size_t m, Leaves d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {mth(d)};
  }
  const size_t k = k_for(d.size());
  std::vector<Hash> result;
  if (m <= k) {
    result = subproof(m, d.first(k), b);
    result.push_back(mth(d.subspan(k)));
  } else {
    result = subproof(m - k, d.subspan(k), false);
    result.push_back(mth(d.first(k)));
  }
  return result;
}

std::vector<Hash> proof(size_t m, Leaves d) { return subproof(m, d, true); }

}  // namespace rfc6962

// Distinct leaves of varied lengths, so that no two subtrees share a hash.
std::vector<std::string> numbered_leaves(size_t count) {
  std::vector<std::string> leaves;
  for (size_t i = 0; i < count; ++i)
    leaves.push_back("event " + std::to_string(i) + std::string(i % 7, '*'));
  return leaves;
}

MemoryMerkleTree tree_of(std::span<const std::string> leaves) {
  MemoryMerkleTree tree;
  for (const std::string& leaf : leaves) tree.append(merkle_leaf_hash(leaf));
  return tree;
}

// The published RFC 6962 test vectors (certificate-transparency and trillian test suites).
const std::vector<std::string>& reference_leaves() {
  static const std::vector<std::string> leaves = {
      bytes_from_hex(""),
      bytes_from_hex("00"),
      bytes_from_hex("10"),
      bytes_from_hex("2021"),
      bytes_from_hex("3031"),
      bytes_from_hex("40414243"),
      bytes_from_hex("5051525354555657"),
      bytes_from_hex("606162636465666768696a6b6c6d6e6f"),
  };
  return leaves;
}

const std::vector<Hash>& reference_roots() {  // index = tree size, 0..8
  static const std::vector<Hash> roots = hashes_from_hex({
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  });
  return roots;
}

// A source that fails, as a store with a broken disk would.
class FailingSource : public SubtreeHashSource {
 public:
  Result<Hash> complete_subtree(unsigned, uint64_t) const override {
    return io_error("disk on fire");
  }
};

// Any (level, index) has a made-up hash; counts the reads to check the O(log n) bound on trees
// far too large to build.
class CountingSource : public SubtreeHashSource {
 public:
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override {
    ++reads;
    return sha256(std::to_string(level) + "/" + std::to_string(index));
  }
  mutable int reads = 0;
};

// Complete subtrees as the event log keeps them: a key-value map fed only by
// merkle_nodes_completed_by_append.
class MapSource : public SubtreeHashSource {
 public:
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override {
    auto it = nodes.find({level, index});
    if (it == nodes.end())
      return not_found("no subtree " + std::to_string(level) + "/" + std::to_string(index));
    return it->second;
  }
  std::map<std::pair<unsigned, uint64_t>, Hash> nodes;
};

// ---------------------------------------------------------------------------------------------

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(hash_hex(sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hash_hex(sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingEqualsOneShotAndResetsAfterFinish) {
  const std::string message(1000, 'x');
  Sha256 hasher;
  for (size_t i = 0; i < message.size(); i += 37)
    hasher.update(std::string_view(message).substr(i, 37));
  EXPECT_EQ(hasher.finish(), sha256(message));
  EXPECT_EQ(hasher.finish(), sha256(""));
  hasher.update("ab");
  hasher.update("c");
  EXPECT_EQ(hasher.finish(), sha256("abc"));
}

TEST(Sha256, HasherIsMovable) {
  Sha256 first;
  first.update("ab");
  Sha256 second(std::move(first));
  second.update("c");
  Sha256 third;
  third = std::move(second);
  EXPECT_EQ(third.finish(), sha256("abc"));
}

TEST(Sha256, OfPartsEqualsHashOfConcatenation) {
  EXPECT_EQ(sha256_of({}), sha256(""));
  EXPECT_EQ(sha256_of({"a", "", "bc"}), sha256("abc"));
  const std::string big(300, 'q');
  EXPECT_EQ(sha256_of({"head", big, "tail"}), sha256("head" + big + "tail"));
}

TEST(Sha256, HexRoundTrip) {
  const Hash hash = sha256("abc");
  EXPECT_EQ(parse_hash_hex(hash_hex(hash)), hash);
  std::string upper = hash_hex(hash);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_hash_hex(upper), hash);
  EXPECT_EQ(parse_hash_hex(hash_hex(hash).substr(1)), std::nullopt);
  EXPECT_EQ(parse_hash_hex(hash_hex(hash) + "00"), std::nullopt);
  EXPECT_EQ(parse_hash_hex("g" + hash_hex(hash).substr(1)), std::nullopt);
  EXPECT_EQ(parse_hash_hex(""), std::nullopt);
}

TEST(MerkleTree, ReferenceRootsForSizesZeroToEight) {
  const std::vector<std::string>& leaves = reference_leaves();
  // Size 1 is the leaf hash of the empty string: SHA-256(0x00).
  EXPECT_EQ(merkle_leaf_hash(""), reference_roots()[1]);
  EXPECT_EQ(merkle_empty_root(), reference_roots()[0]);
  MemoryMerkleTree tree;
  EXPECT_EQ(tree.root(), reference_roots()[0]);
  for (size_t size = 1; size <= leaves.size(); ++size) {
    tree.append(merkle_leaf_hash(leaves[size - 1]));
    EXPECT_EQ(tree.size(), size);
    EXPECT_EQ(tree.root(), reference_roots()[size]) << "size " << size;
    EXPECT_EQ(rfc6962::mth(std::span(leaves).first(size)), reference_roots()[size])
        << "size " << size;
  }
  for (size_t size = 0; size <= leaves.size(); ++size) {
    Result<Hash> root = merkle_root(tree, size);
    ASSERT_TRUE(root.is_ok()) << root.status().to_string();
    EXPECT_EQ(*root, reference_roots()[size]) << "size " << size;
  }
}

TEST(MerkleTree, ReferenceInclusionProofs) {
  const MemoryMerkleTree tree = tree_of(reference_leaves());
  struct Case {
    uint64_t leaf_index, tree_size;
    std::vector<Hash> path;
  };
  const std::vector<Case> cases = {
      {0, 1, {}},
      {0, 8,
       hashes_from_hex({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       hashes_from_hex({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, hashes_from_hex({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       hashes_from_hex({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("leaf " + std::to_string(c.leaf_index) + " of " + std::to_string(c.tree_size));
    Result<std::vector<Hash>> path = merkle_inclusion_proof(tree, c.leaf_index, c.tree_size);
    ASSERT_TRUE(path.is_ok()) << path.status().to_string();
    EXPECT_EQ(*path, c.path);
    EXPECT_TRUE(merkle_verify_inclusion(merkle_leaf_hash(reference_leaves()[c.leaf_index]),
                                        c.leaf_index, c.tree_size, c.path,
                                        reference_roots()[c.tree_size]));
  }
}

TEST(MerkleTree, ReferenceConsistencyProofs) {
  const MemoryMerkleTree tree = tree_of(reference_leaves());
  struct Case {
    uint64_t old_size, new_size;
    std::vector<Hash> proof;
  };
  const std::vector<Case> cases = {
      {1, 1, {}},
      {1, 8,
       hashes_from_hex({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       hashes_from_hex({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       hashes_from_hex({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("from " + std::to_string(c.old_size) + " to " + std::to_string(c.new_size));
    Result<std::vector<Hash>> proof = merkle_consistency_proof(tree, c.old_size, c.new_size);
    ASSERT_TRUE(proof.is_ok()) << proof.status().to_string();
    EXPECT_EQ(*proof, c.proof);
    EXPECT_TRUE(merkle_verify_consistency(c.old_size, c.new_size, reference_roots()[c.old_size],
                                          reference_roots()[c.new_size], c.proof));
  }
}

// Every way of lying about an inclusion proof that must be caught.
void expect_inclusion_tampering_rejected(const Hash& leaf_hash, uint64_t leaf_index,
                                         uint64_t tree_size, const std::vector<Hash>& path,
                                         const Hash& root, const Hash& other_leaf) {
  for (size_t i = 0; i < path.size(); ++i) {
    std::vector<Hash> tampered = path;
    tampered[i] = with_bit_flipped(tampered[i], i * 13);
    EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size, tampered, root))
        << "flipped " << i;
  }
  if (!path.empty()) {
    EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size,
                                         {path.begin(), path.end() - 1}, root));
    EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size,
                                         {path.begin() + 1, path.end()}, root));
  }
  std::vector<Hash> extended = path;
  extended.push_back(root);
  EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size, extended, root));
  extended = path;
  extended.insert(extended.begin(), merkle_empty_root());
  EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size, extended, root));

  for (uint64_t wrong_index = 0; wrong_index <= tree_size; ++wrong_index) {
    if (wrong_index == leaf_index) continue;
    EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, wrong_index, tree_size, path, root))
        << "index " << wrong_index;
  }
  EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size * 2, path, root));
  EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, tree_size / 2, path, root));
  EXPECT_FALSE(merkle_verify_inclusion(leaf_hash, leaf_index, 0, path, root));
  EXPECT_FALSE(merkle_verify_inclusion(other_leaf, leaf_index, tree_size, path, root));
  EXPECT_FALSE(
      merkle_verify_inclusion(leaf_hash, leaf_index, tree_size, path, with_bit_flipped(root, 255)));
  EXPECT_FALSE(
      merkle_verify_inclusion(leaf_hash, leaf_index, tree_size, path, merkle_empty_root()));
}

TEST(MerkleTree, EveryInclusionProofUpTo64LeavesMatchesRfcPathAndVerifies) {
  constexpr size_t kMaxSize = 64;
  const std::vector<std::string> leaves = numbered_leaves(kMaxSize);
  const MemoryMerkleTree tree = tree_of(leaves);
  for (size_t size = 1; size <= kMaxSize; ++size) {
    const std::span<const std::string> prefix = std::span(leaves).first(size);
    const Hash root = rfc6962::mth(prefix);
    for (size_t index = 0; index < size; ++index) {
      SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
      Result<std::vector<Hash>> path = merkle_inclusion_proof(tree, index, size);
      ASSERT_TRUE(path.is_ok()) << path.status().to_string();
      ASSERT_EQ(*path, rfc6962::path(index, prefix));
      const Hash leaf_hash = merkle_leaf_hash(leaves[index]);
      ASSERT_TRUE(merkle_verify_inclusion(leaf_hash, index, size, *path, root));
      expect_inclusion_tampering_rejected(leaf_hash, index, size, *path, root,
                                          merkle_leaf_hash(leaves[(index + 1) % kMaxSize]));
    }
  }
}

// Every way of lying about a consistency proof that must be caught.
void expect_consistency_tampering_rejected(uint64_t old_size, uint64_t new_size,
                                           const Hash& old_root, const Hash& new_root,
                                           const std::vector<Hash>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    std::vector<Hash> tampered = proof;
    tampered[i] = with_bit_flipped(tampered[i], i * 29);
    EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root, tampered))
        << "flipped " << i;
  }
  if (!proof.empty()) {
    EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root,
                                           {proof.begin(), proof.end() - 1}));
    EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root,
                                           {proof.begin() + 1, proof.end()}));
    EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root, {}));
  }
  std::vector<Hash> extended = proof;
  extended.push_back(new_root);
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root, extended));
  extended = proof;
  extended.insert(extended.begin(), proof.empty() ? old_root : proof.front());
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root, new_root, extended));

  EXPECT_FALSE(merkle_verify_consistency(old_size - 1, new_size, old_root, new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size + 1, new_size, old_root, new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size ^ 2, new_size, old_root, new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size * 2, old_root, new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size / 2, old_root, new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, with_bit_flipped(old_root, 7),
                                         new_root, proof));
  EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, old_root,
                                         with_bit_flipped(new_root, 7), proof));
  if (old_size != new_size) {
    EXPECT_FALSE(merkle_verify_consistency(old_size, new_size, new_root, old_root, proof));
    EXPECT_FALSE(merkle_verify_consistency(new_size, old_size, new_root, old_root, proof));
  }
}

TEST(MerkleTree, EveryConsistencyProofUpTo64LeavesMatchesRfcProofAndVerifies) {
  constexpr size_t kMaxSize = 64;
  const std::vector<std::string> leaves = numbered_leaves(kMaxSize);
  const MemoryMerkleTree tree = tree_of(leaves);
  std::vector<Hash> roots;
  for (size_t size = 0; size <= kMaxSize; ++size)
    roots.push_back(rfc6962::mth(std::span(leaves).first(size)));
  for (size_t new_size = 1; new_size <= kMaxSize; ++new_size) {
    for (size_t old_size = 1; old_size <= new_size; ++old_size) {
      SCOPED_TRACE("from " + std::to_string(old_size) + " to " + std::to_string(new_size));
      Result<std::vector<Hash>> proof = merkle_consistency_proof(tree, old_size, new_size);
      ASSERT_TRUE(proof.is_ok()) << proof.status().to_string();
      ASSERT_EQ(*proof, rfc6962::proof(old_size, std::span(leaves).first(new_size)));
      ASSERT_TRUE(
          merkle_verify_consistency(old_size, new_size, roots[old_size], roots[new_size], *proof));
      expect_consistency_tampering_rejected(old_size, new_size, roots[old_size], roots[new_size],
                                            *proof);
    }
  }
}

TEST(MerkleTree, AppendingThroughASubtreeStoreMatchesMemoryTreeAndRfc) {
  constexpr size_t kMaxSize = 300;
  const std::vector<std::string> leaves = numbered_leaves(kMaxSize);
  MapSource store;
  MemoryMerkleTree tree;
  for (uint64_t index = 0; index < kMaxSize; ++index) {
    SCOPED_TRACE("leaf " + std::to_string(index));
    const Hash leaf_hash = merkle_leaf_hash(leaves[index]);
    Result<std::vector<SubtreeNode>> completed =
        merkle_nodes_completed_by_append(store, index, leaf_hash);
    ASSERT_TRUE(completed.is_ok()) << completed.status().to_string();
    ASSERT_EQ(completed->size(), static_cast<size_t>(std::countr_one(index)) + 1);
    EXPECT_EQ(completed->front(), (SubtreeNode{0, index, leaf_hash}));
    for (const SubtreeNode& node : *completed) {
      const uint64_t first_leaf = node.index << node.level;
      const uint64_t leaf_count = uint64_t{1} << node.level;
      EXPECT_EQ(first_leaf + leaf_count, index + 1) << "a completed subtree ends at the new leaf";
      EXPECT_EQ(node.hash, rfc6962::mth(std::span(leaves).subspan(first_leaf, leaf_count)));
      store.nodes.emplace(std::pair(node.level, node.index), node.hash);
    }
    tree.append(leaf_hash);

    Result<Hash> root = merkle_root(store, index + 1);
    ASSERT_TRUE(root.is_ok()) << root.status().to_string();
    const Hash expected = rfc6962::mth(std::span(leaves).first(index + 1));
    EXPECT_EQ(*root, expected);
    EXPECT_EQ(tree.root(), expected);
  }
  // The store holds exactly the complete subtrees: n leaves make 2n - popcount(n) of them.
  EXPECT_EQ(store.nodes.size(), 2 * kMaxSize - std::popcount(kMaxSize));
  for (const auto& [key, hash] : store.nodes) {
    EXPECT_EQ(tree.complete_subtree(key.first, key.second).value(), hash);
  }
}

TEST(MerkleFrontier, AppendsLikeTheFullTreeAndRestoresFromStoredSubtrees) {
  constexpr size_t kMaxSize = 300;
  const std::vector<std::string> leaves = numbered_leaves(kMaxSize);
  MemoryMerkleTree tree;
  MerkleFrontier frontier;
  EXPECT_EQ(frontier.root(), merkle_empty_root());
  for (uint64_t index = 0; index < kMaxSize; ++index) {
    SCOPED_TRACE("leaf " + std::to_string(index));
    const Hash leaf_hash = merkle_leaf_hash(leaves[index]);
    std::vector<SubtreeNode> reported;
    frontier.append(leaf_hash, [&](const SubtreeNode& node) { reported.push_back(node); });
    Result<std::vector<SubtreeNode>> expected =
        merkle_nodes_completed_by_append(tree, index, leaf_hash);
    ASSERT_TRUE(expected.is_ok());
    EXPECT_EQ(reported, *expected);
    tree.append(leaf_hash);
    EXPECT_EQ(frontier.size(), index + 1);
    EXPECT_EQ(frontier.root(), rfc6962::mth(std::span(leaves).first(index + 1)));
    // A frontier restored from the full tree's subtrees continues identically.
    Result<MerkleFrontier> restored = MerkleFrontier::restore(tree, index + 1);
    ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
    EXPECT_EQ(restored->root(), frontier.root());
  }
  // Only the right edge is known.
  EXPECT_FALSE(frontier.complete_subtree(0, 0).is_ok());
  EXPECT_TRUE(frontier.complete_subtree(2, (kMaxSize >> 2) - 1).is_ok());
}

TEST(MerkleTree, ProofsReadLogarithmicallyManySubtrees) {
  for (uint64_t size : {uint64_t{1}, uint64_t{1000}, uint64_t{1} << 40, (uint64_t{1} << 40) + 12345,
                        (uint64_t{1} << 62) - 1}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const int bound = 3 * static_cast<int>(std::bit_width(size)) + 2;
    for (uint64_t other : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      CountingSource source;
      ASSERT_TRUE(merkle_root(source, size).is_ok());
      EXPECT_LE(source.reads, static_cast<int>(std::bit_width(size)));
      source.reads = 0;
      ASSERT_TRUE(merkle_inclusion_proof(source, other, size).is_ok());
      EXPECT_LE(source.reads, bound);
      source.reads = 0;
      ASSERT_TRUE(merkle_consistency_proof(source, other + 1, size).is_ok());
      EXPECT_LE(source.reads, bound);
      source.reads = 0;
      ASSERT_TRUE(merkle_nodes_completed_by_append(source, size, sha256("leaf")).is_ok());
      EXPECT_LE(source.reads, static_cast<int>(std::bit_width(size)));
    }
  }
}

TEST(MerkleTree, EmptyTreeAndTrivialConsistency) {
  const MemoryMerkleTree empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.root(), merkle_empty_root());
  EXPECT_EQ(merkle_root(empty, 0).value(), merkle_empty_root());
  EXPECT_EQ(merkle_range_hash(empty, 0, 0).value(), merkle_empty_root());

  const MemoryMerkleTree tree = tree_of(numbered_leaves(5));
  const Hash root3 = merkle_root(tree, 3).value();
  const Hash root5 = tree.root();
  EXPECT_TRUE(merkle_consistency_proof(tree, 0, 5).value().empty());
  EXPECT_TRUE(merkle_consistency_proof(tree, 0, 0).value().empty());
  EXPECT_TRUE(merkle_consistency_proof(tree, 3, 3).value().empty());
  EXPECT_TRUE(merkle_consistency_proof(tree, 5, 5).value().empty());

  EXPECT_TRUE(merkle_verify_consistency(0, 5, merkle_empty_root(), root5, {}));
  EXPECT_TRUE(merkle_verify_consistency(0, 0, merkle_empty_root(), merkle_empty_root(), {}));
  EXPECT_FALSE(merkle_verify_consistency(0, 0, merkle_empty_root(), root5, {}));
  EXPECT_FALSE(merkle_verify_consistency(0, 5, root3, root5, {}));
  EXPECT_FALSE(merkle_verify_consistency(0, 5, merkle_empty_root(), root5, {root5}));
  EXPECT_TRUE(merkle_verify_consistency(3, 3, root3, root3, {}));
  EXPECT_FALSE(merkle_verify_consistency(3, 3, root3, root5, {}));
  EXPECT_FALSE(merkle_verify_consistency(3, 3, root3, root3, {root3}));
  EXPECT_FALSE(merkle_verify_consistency(5, 3, root5, root3, {}));

  EXPECT_FALSE(merkle_verify_inclusion(merkle_empty_root(), 0, 0, {}, merkle_empty_root()));
  const Hash only_leaf = merkle_leaf_hash("only");
  EXPECT_TRUE(merkle_verify_inclusion(only_leaf, 0, 1, {}, only_leaf));
  EXPECT_FALSE(merkle_verify_inclusion(only_leaf, 1, 1, {}, only_leaf));
}

TEST(MerkleTree, OutOfRangeArgumentsNameTheValidRange) {
  const MemoryMerkleTree tree = tree_of(numbered_leaves(8));

  Result<std::vector<Hash>> beyond = merkle_inclusion_proof(tree, 8, 8);
  ASSERT_FALSE(beyond.is_ok());
  EXPECT_EQ(beyond.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(beyond.status().message(), HasSubstr("seq 9"));
  EXPECT_THAT(beyond.status().message(), HasSubstr("tree size 8"));
  EXPECT_THAT(beyond.status().message(), HasSubstr("ask for a tree size of at least 9"));
  EXPECT_EQ(merkle_inclusion_proof(tree, 0, 0).status().code(), Code::kInvalidArgument);

  Result<std::vector<Hash>> backwards = merkle_consistency_proof(tree, 6, 5);
  ASSERT_FALSE(backwards.is_ok());
  EXPECT_EQ(backwards.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(backwards.status().message(), HasSubstr("at least 6"));

  EXPECT_EQ(merkle_range_hash(tree, 5, 4).status().code(), Code::kInvalidArgument);
  Result<Hash> unaligned = merkle_range_hash(tree, 1, 5);
  EXPECT_EQ(unaligned.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(unaligned.status().message(), HasSubstr("multiple of 4"));
  EXPECT_TRUE(merkle_range_hash(tree, 4, 7).is_ok());

  // Sizes beyond what the source holds: the source's own error comes back.
  EXPECT_EQ(merkle_root(tree, 9).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(merkle_inclusion_proof(tree, 3, 9).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(merkle_consistency_proof(tree, 3, 12).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(tree.complete_subtree(0, 8).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(tree.complete_subtree(4, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(tree.complete_subtree(3, 0).value(), tree.root());
  EXPECT_EQ(merkle_nodes_completed_by_append(MemoryMerkleTree(), 1, sha256("x")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(merkle_nodes_completed_by_append(tree, UINT64_MAX, sha256("x")).status().code(),
            Code::kInvalidArgument);
}

TEST(MerkleTree, SourceFailuresPropagate) {
  const FailingSource broken;
  EXPECT_EQ(merkle_root(broken, 5).status().code(), Code::kIoError);
  EXPECT_EQ(merkle_inclusion_proof(broken, 2, 5).status().code(), Code::kIoError);
  EXPECT_EQ(merkle_consistency_proof(broken, 2, 5).status().code(), Code::kIoError);
  EXPECT_EQ(merkle_nodes_completed_by_append(broken, 3, sha256("x")).status().code(),
            Code::kIoError);
  // Appending an even leaf needs no lookup at all.
  EXPECT_TRUE(merkle_nodes_completed_by_append(broken, 4, sha256("x")).is_ok());
}

}  // namespace
}  // namespace gaplog
