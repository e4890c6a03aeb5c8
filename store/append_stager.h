// The leader's half of an append: checks each batch of a group against the log and the
// batches ahead of it in the group (idempotency by event id, expected versions, expected last
// seq, batch_id / follows_batch, the occurred_at rules), gives events their seqs, versions,
// recorded_at and, when they come without one, ids; builds the group's RocksDB batch (events,
// id and business-time index keys, the Merkle nodes they complete, the head) and writes it
// with one WAL sync; then advances the committed state it keeps for the next group.
//
// Owner of the leader's state: leader_mu_, a mutex the leader holds for the whole of commit().
// The commit queue already lets one leader commit at a time, so the mutex is never contended
// (one uncontended lock per group); it is there so that the compiler checks that the leader's
// state (every field below it) is touched only inside a commit (or restore()), and so that the
// state stays consistent even if the queue's rule were ever broken. A token only the queue
// could mint was the alternative: it checks the same at compile time, but guards nothing at run
// time and needs the stager to trust whoever holds one.
//
// Ownership: borrows the log's database, its reader, the stream indexer, the write refusal and
// the clock; all outlive it.
// Thread-safety: commit() and restore() may be called from any thread; they serialise on
// leader_mu_. Lock order: leader_mu_ before the stream indexer's mutex and the refusal's (taken
// inside commit() through the reads and the refusal); never after them.
#pragma once

#include <rocksdb/db.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/status.h"
#include "store/clock.h"
#include "store/commit_queue.h"
#include "store/event_log.h"
#include "store/ids.h"
#include "store/log_format.h"
#include "store/log_reader.h"
#include "store/merkle.h"
#include "store/mutex.h"
#include "store/stream_indexer.h"
#include "store/write_refusal.h"

namespace gaplog {

// The checks of one request that need nothing but the request: at least one event or expected
// version, at most `max_events` events, stream and actor sizes, no id twice.
Status check_append_shape(const AppendRequest& request, size_t max_events);

class AppendStager {
 public:
  AppendStager(rocksdb::DB& log, const LogReader& reader, const StreamIndexer& stream_index,
               WriteRefusal& refusal, Clock& clock,
               std::function<void(uint8_t*, size_t)> random_bytes_for_ids,
               std::function<void(std::chrono::nanoseconds)> on_synced = nullptr);

  // On open, before any commit: where the log ends, and the right edge of its Merkle tree.
  void restore(const LogHead& head, MerkleFrontier frontier) GAPLOG_EXCLUDES(leader_mu_);

  // What a commit wrote: the last seq, and the group's entries for the stream index.
  struct Committed {
    uint64_t last_seq;
    StreamIndexEntries stream_entries;
  };
  // Commits a group, in queue order: sets every member's result (refused members do not affect
  // the others). Returns what it wrote, or nothing when no member wrote anything or the write
  // failed (then the log refuses writes, and every member that was to write is answered so).
  // Throws only when the environment is broken (no memory, no randomness).
  std::optional<Committed> commit(const std::vector<CommitQueue::Writer*>& group)
      GAPLOG_EXCLUDES(leader_mu_);

 private:
  struct StreamHead {
    uint32_t version = 0;
    Micros last_occurred_at = INT64_MIN;
  };
  // A stream's head as committed, as staged by the group being committed, and as staged by the
  // request being checked; the serials say whether the staged ones are current. One entry per
  // stream, so staging an event costs one hash lookup. Lives in heads_ (never removed).
  struct HeadEntry {
    StreamHead committed;
    StreamHead group;
    StreamHead request;
    uint64_t group_serial = 0;
    uint64_t request_serial = 0;
  };
  // What a group (or one of its requests) has staged but not yet committed, layered over the
  // committed state.
  struct Staging {
    uint64_t last_seq;
    std::vector<HeadEntry*> heads;  // the streams whose `group` (`request`) head is current
    std::set<Uuid> ids;
    MerkleFrontier frontier;
    uint64_t last_batch = 0;  // the batch_id of the last batch staged (0: none, or unnamed)
  };
  struct GroupWrites;

  Result<AppendResult> stage(AppendRequest& req, Staging& staging, GroupWrites& writes, Micros now)
      GAPLOG_REQUIRES(leader_mu_);
  Status replay_if_known(const AppendRequest& req, const Staging& staging, AppendResult& replay)
      GAPLOG_REQUIRES(leader_mu_);
  Status check_expectations(const AppendRequest& req, const Staging& staging)
      GAPLOG_REQUIRES(leader_mu_);
  Result<Event> stage_event(NewEvent& ne, const Staging& staging, Staging& local,
                            GroupWrites& local_writes, Micros now) GAPLOG_REQUIRES(leader_mu_);
  void add_group_keys(const Staging& staging, GroupWrites& writes, Micros now)
      GAPLOG_REQUIRES(leader_mu_);
  rocksdb::Status write(GroupWrites& writes, const Staging& staging, Micros now)
      GAPLOG_REQUIRES(leader_mu_);

  Result<HeadEntry*> head_entry(const std::string& stream) GAPLOG_REQUIRES(leader_mu_);
  StreamHead group_head(const HeadEntry& h) const GAPLOG_REQUIRES(leader_mu_);
  StreamHead request_head(const HeadEntry& h) const GAPLOG_REQUIRES(leader_mu_);
  Result<bool> indexed_ids_share_ms_of(const Uuid& id) GAPLOG_REQUIRES(leader_mu_);
  Result<std::pair<Uuid, bool>> generate_id(Micros now, uint64_t seq, const Staging& staging,
                                            const Staging& local) GAPLOG_REQUIRES(leader_mu_);

  rocksdb::DB& db_;
  const LogReader& reader_;
  const StreamIndexer& stream_index_;
  WriteRefusal& refusal_;
  Clock& clock_;
  const std::function<void(std::chrono::nanoseconds)> on_synced_;  // may be null

  Mutex leader_mu_;
  TimeOrderedIds id_generator_ GAPLOG_GUARDED_BY(leader_mu_);
  uint64_t last_seq_ GAPLOG_GUARDED_BY(leader_mu_) = 0;
  // The batch_id of the last batch committed since the log was opened (0: unnamed).
  uint64_t last_batch_ GAPLOG_GUARDED_BY(leader_mu_) = 0;
  Micros last_recorded_at_ GAPLOG_GUARDED_BY(leader_mu_) = INT64_MIN;
  MerkleFrontier frontier_ GAPLOG_GUARDED_BY(leader_mu_);
  std::unordered_map<std::string, HeadEntry> heads_ GAPLOG_GUARDED_BY(leader_mu_);
  // The millisecond indexed_ids_share_ms_of last looked up, and its answer.
  using IdMillisecond = std::array<uint8_t, 6>;
  std::optional<IdMillisecond> checked_ms_ GAPLOG_GUARDED_BY(leader_mu_);
  bool id_prefix_indexed_ GAPLOG_GUARDED_BY(leader_mu_) = false;
  uint64_t group_serial_ GAPLOG_GUARDED_BY(leader_mu_) = 0;
  uint64_t request_serial_ GAPLOG_GUARDED_BY(leader_mu_) = 0;
};

}  // namespace gaplog
