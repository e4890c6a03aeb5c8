#include "store/merkle_store.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <memory>

#include "domain/event_codec.h"
#include "store/keys.h"
#include "store/log_format.h"

namespace gaplog {

Result<Hash> StoredNodes::complete_subtree(unsigned level, uint64_t index) const {
  std::string value;
  const auto s = db_.Get(rocksdb::ReadOptions(), keys::node(level, index), &value);
  if (s.IsNotFound() || (s.ok() && value.size() != 32)) {
    return corruption(
        fmt::format("Merkle node (level {}, index {}) is missing or damaged; run "
                    "verify to find the first bad seq",
                    level, index));
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read Merkle node"));
  return hash_from(value);
}

namespace {

Status missing_subtree(unsigned level, uint64_t index) {
  return corruption(
      fmt::format("Merkle node (level {}, index {}) is missing or damaged; run "
                  "verify to find the first bad seq",
                  level, index));
}

}  // namespace

Result<Hash> StoredSubtrees::complete_subtree(unsigned level, uint64_t index) const {
  if (level >= keys::kFirstStoredNodeLevel) return nodes_.complete_subtree(level, index);
  const uint64_t first_seq = (index << level) + 1;
  const uint64_t count = uint64_t{1} << level;
  if (level == 0) {
    std::string value;
    const auto s = db_.Get(rocksdb::ReadOptions(), keys::event(first_seq), &value);
    if (s.IsNotFound()) return missing_subtree(level, index);
    GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log"));
    GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(first_seq, value));
    return e.leaf;
  }
  RangeIterator it(db_, keys::event(first_seq), keys::event(first_seq + count));
  MerkleFrontier subtree;
  for (; it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    const uint64_t seq = first_seq + subtree.size();
    if (key.size() != 9 || keys::get_be64(key.substr(1)) != seq)
      return missing_subtree(level, index);
    GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(seq, view(it->value())));
    subtree.append(e.leaf);
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the log"));
  if (subtree.size() != count) return missing_subtree(level, index);
  return subtree.root();
}

Result<MerkleFrontier> MerkleStore::restore_frontier(uint64_t size) const {
  return MerkleFrontier::restore(StoredNodes(db_), size);
}

Status MerkleStore::check_size(uint64_t tree_size) const {
  if (tree_size > published_.get()) {
    return invalid_argument(
        fmt::format("tree size {} is larger than the log ({} events); ask for "
                    "a size of at most {}",
                    tree_size, published_.get(), published_.get()));
  }
  return Status::ok();
}

Result<Hash> MerkleStore::root(uint64_t tree_size) const {
  GAPLOG_RETURN_IF_ERROR(check_size(tree_size));
  return merkle_root(subtrees_, tree_size);
}

Result<std::vector<Hash>> MerkleStore::inclusion_proof(uint64_t seq, uint64_t tree_size) const {
  GAPLOG_RETURN_IF_ERROR(check_size(tree_size));
  if (seq == 0 || seq > tree_size) {
    return invalid_argument(
        fmt::format("seq {} is not in a tree of size {}; seq must be between 1 "
                    "and the tree size",
                    seq, tree_size));
  }
  return merkle_inclusion_proof(subtrees_, seq - 1, tree_size);
}

Result<std::vector<Hash>> MerkleStore::consistency_proof(uint64_t from_size,
                                                         uint64_t to_size) const {
  GAPLOG_RETURN_IF_ERROR(check_size(to_size));
  if (from_size > to_size) {
    return invalid_argument(
        fmt::format("cannot prove consistency from size {} to the smaller size "
                    "{}; 'from' must not exceed 'to'",
                    from_size, to_size));
  }
  return merkle_consistency_proof(subtrees_, from_size, to_size);
}

Result<Hash> MerkleStore::leaf_hash(uint64_t seq) const {
  if (seq == 0 || seq > published_.get()) {
    return not_found(fmt::format("there is no event with seq {}", seq));
  }
  return subtrees_.complete_subtree(0, seq - 1);
}

Status MerkleStore::store_tree_head(const StoredTreeHead& head) {
  GAPLOG_RETURN_IF_ERROR(check_size(head.tree_size));
  if (refusal_.refusing()) return refusal_.status();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s = db_.Put(wo, keys::tree_head(head.tree_size), tree_head_value(head));
  if (!s.ok()) {
    refusal_.refuse(s.ToString());
    return from_rocks(s, "cannot store the tree head");
  }
  return Status::ok();
}

Result<std::optional<StoredTreeHead>> MerkleStore::latest_tree_head() const {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(keys::tree_head(UINT64_MAX));
  if (!it->Valid() || it->key()[0] != keys::kTreeHead) {
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read tree heads"));
    return std::optional<StoredTreeHead>();
  }
  GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead head, parse_tree_head(view(it->key()), view(it->value())));
  return std::optional<StoredTreeHead>(std::move(head));
}

Result<std::optional<StoredTreeHead>> MerkleStore::tree_head_at(uint64_t tree_size) const {
  std::string value;
  const auto key = keys::tree_head(tree_size);
  const auto s = db_.Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<StoredTreeHead>();
  GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read tree heads"));
  GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead head, parse_tree_head(key, value));
  return std::optional<StoredTreeHead>(std::move(head));
}

// --- verify -------------------------------------------------------------------------------------

namespace {

// Every stored tree head by size.
Result<std::map<uint64_t, StoredTreeHead>> all_tree_heads(rocksdb::DB& db) {
  std::map<uint64_t, StoredTreeHead> heads;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, keys::kTreeHead)); it->Valid() && it->key()[0] == keys::kTreeHead;
       it->Next()) {
    GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead h, parse_tree_head(view(it->key()), view(it->value())));
    heads.emplace(h.tree_size, h);
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read tree heads"));
  return heads;
}

// One run of verify: walks the events in seq order, recomputing the tree beside the stored one.
class Verification {
 public:
  Verification(rocksdb::DB& db, const StoredSubtrees& subtrees, uint64_t size)
      : db_(db), subtrees_(subtrees), size_(size) {
    report_.tree_size = size;
  }

  Result<VerifyReport> run() {
    GAPLOG_ASSIGN_OR_RETURN(heads_, all_tree_heads(db_));
    if (!heads_.empty() && heads_.rbegin()->first > size_) {
      return fail(size_ + 1, fmt::format("a signed tree head of size {} was issued but the log now "
                                         "holds only {} events: events were removed",
                                         heads_.rbegin()->first, size_));
    }
    // Stored subtrees below the first stored level are sparse (right edges at the end of
    // append groups): one iterator per level walks them alongside the recomputation.
    for (unsigned level = 0; level < keys::kFirstStoredNodeLevel; ++level) {
      low_nodes_[level].reset(db_.NewIterator(rocksdb::ReadOptions()));
      low_nodes_[level]->Seek(keys::node(level, 0));
    }
    uint64_t expected = 1;
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(std::string(1, keys::kEvent)); it->Valid() && it->key()[0] == keys::kEvent;
         it->Next()) {
      const std::string_view key = view(it->key());
      const uint64_t seq = key.size() == 9 ? keys::get_be64(key.substr(1)) : 0;
      if (seq != expected) {
        if (seq > size_ || seq == 0) {
          return fail(expected <= size_ ? expected : size_ + 1,
                      expected <= size_ ? fmt::format("event seq {} is missing", expected)
                                        : fmt::format("an event was inserted after the last "
                                                      "committed seq {}",
                                                      size_));
        }
        return fail(expected, fmt::format("event seq {} is missing", expected));
      }
      if (auto problem = check_event(seq, view(it->value()))) return fail(seq, std::move(*problem));
      ++expected;
    }
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the log"));
    if (expected != size_ + 1)
      return fail(expected, fmt::format("event seq {} is missing", expected));
    report_.root = recomputed_.root();
    return report_;
  }

 private:
  VerifyReport fail(uint64_t seq, std::string problem) {
    report_.ok = false;
    report_.first_bad_seq = seq;
    report_.problem = std::move(problem);
    return report_;
  }

  // Adds the event stored at `seq` to the recomputed tree; what is wrong with it, if anything.
  std::optional<std::string> check_event(uint64_t seq, std::string_view value) {
    auto stored = split_event_value(seq, value);
    if (!stored) return "the stored value is too short to hold an event and its leaf hash";
    const std::string_view bytes = stored->bytes;
    auto decoded = decode_envelope(bytes);
    if (!decoded) return "stored bytes do not decode: " + decoded.status().message();
    if (decoded->seq != seq) {
      return fmt::format(
          "the event stored at seq {} says it is seq {}: events were moved or "
          "reordered",
          seq, decoded->seq);
    }
    const Hash leaf = merkle_leaf_hash(bytes);
    std::optional<SubtreeNode> mismatch;
    if (leaf != stored->leaf) mismatch = SubtreeNode{0, seq - 1, leaf};
    recomputed_.append(leaf, [&](const SubtreeNode& node) {
      if (mismatch) return;
      auto stored_hash = stored_node(node);
      if (!stored_hash || (*stored_hash && **stored_hash != node.hash)) mismatch = node;
    });
    if (mismatch) {
      return mismatch->level == 0 ? "the event's bytes do not match its leaf hash: it was changed"
                                  : fmt::format(
                                        "Merkle node (level {}, index {}) does not match "
                                        "the events below it",
                                        mismatch->level, mismatch->index);
    }
    if (auto h = heads_.find(seq); h != heads_.end() && recomputed_.root() != h->second.root) {
      return fmt::format("the signed tree head of size {} does not match the events", seq);
    }
    return std::nullopt;
  }

  // The stored hash of a complete subtree, if it was stored.
  Result<std::optional<Hash>> stored_node(const SubtreeNode& node) {
    if (node.level >= keys::kFirstStoredNodeLevel) {
      GAPLOG_ASSIGN_OR_RETURN(Hash h, subtrees_.complete_subtree(node.level, node.index));
      return std::optional<Hash>(h);
    }
    rocksdb::Iterator& it = *low_nodes_[node.level];
    const std::string key = keys::node(node.level, node.index);
    while (it.Valid() && it.key().compare(key) < 0) it.Next();
    GAPLOG_RETURN_IF_ERROR(from_rocks(it.status(), "cannot read Merkle nodes"));
    if (!it.Valid() || it.key() != key) return std::optional<Hash>();
    if (it.value().size() != 32) return corruption("damaged");
    return std::optional<Hash>(hash_from(view(it.value())));
  }

  rocksdb::DB& db_;
  const StoredSubtrees& subtrees_;
  const uint64_t size_;
  VerifyReport report_;
  std::map<uint64_t, StoredTreeHead> heads_;  // checked when the recomputation reaches them
  std::array<std::unique_ptr<rocksdb::Iterator>, keys::kFirstStoredNodeLevel> low_nodes_;
  MerkleFrontier recomputed_;
};

}  // namespace

// Recomputes every leaf from the stored bytes, each stored subtree it completes, and the root
// at each stored tree head's size.
Result<VerifyReport> MerkleStore::verify() const {
  return Verification(db_, subtrees_, published_.get()).run();
}

}  // namespace gaplog
