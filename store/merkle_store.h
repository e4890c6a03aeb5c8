// The Merkle tree (RFC 6962) as the event log persists it: the stored subtree hashes ('M' keys
// and the leaf hashes kept with the events), roots and proofs over them, signed tree heads
// ('T' keys), and verify, which recomputes everything from the events. What a commit writes
// into the tree (leaf hashes, completed subtrees, the right edge) is staged by the
// AppendStager, in the same batch as its events.
//
// Ownership: borrows the log's database, the published seq and the write refusal; all outlive
// it.
// Thread-safety: no state of its own besides the borrowed ones; every method may be called from
// any thread.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "domain/status.h"
#include "store/event_log.h"
#include "store/merkle.h"
#include "store/published_seq.h"
#include "store/write_refusal.h"

namespace gaplog {

// The 'M' keys alone: every complete subtree from level kFirstStoredNodeLevel up, and below it
// those that were on the right edge at the end of an append group, which includes the whole
// right edge of the committed tree (what MerkleFrontier::restore needs).
class StoredNodes final : public SubtreeHashSource {
 public:
  explicit StoredNodes(rocksdb::DB& db) : db_(db) {}
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override;

 private:
  rocksdb::DB& db_;
};

// Complete subtrees as persisted: from level kFirstStoredNodeLevel up as 'M' keys, below it
// recomputed from the leaf hashes stored with the events (fewer than 2^kFirstStoredNodeLevel
// reads, so every root and proof stays O(log n)).
class StoredSubtrees final : public SubtreeHashSource {
 public:
  explicit StoredSubtrees(rocksdb::DB& db) : db_(db), nodes_(db) {}
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override;

 private:
  rocksdb::DB& db_;
  StoredNodes nodes_;
};

class MerkleStore {
 public:
  MerkleStore(rocksdb::DB& log, const PublishedSeq& published, WriteRefusal& refusal)
      : db_(log), published_(published), refusal_(refusal), subtrees_(log) {}

  // The right edge of the tree of `size` leaves, from the stored nodes (on open).
  Result<MerkleFrontier> restore_frontier(uint64_t size) const;

  // As the EventLog methods of the same names.
  Result<Hash> root(uint64_t tree_size) const;
  Result<std::vector<Hash>> inclusion_proof(uint64_t seq, uint64_t tree_size) const;
  Result<std::vector<Hash>> consistency_proof(uint64_t from_size, uint64_t to_size) const;
  Result<Hash> leaf_hash(uint64_t seq) const;
  Status store_tree_head(const StoredTreeHead& head);
  Result<std::optional<StoredTreeHead>> latest_tree_head() const;
  Result<std::optional<StoredTreeHead>> tree_head_at(uint64_t tree_size) const;
  Result<VerifyReport> verify() const;

 private:
  Status check_size(uint64_t tree_size) const;

  rocksdb::DB& db_;
  const PublishedSeq& published_;
  WriteRefusal& refusal_;
  StoredSubtrees subtrees_;
};

}  // namespace gaplog
