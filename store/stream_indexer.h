// The stream index, written behind the log: its reads (by stream, a stream's last version) and
// its writer thread.
//
// A group's 'S' keys are not in its synced batch: the leader hands them here once the group is
// durable, and the indexer thread writes them (with 'X', the seq they reach) in batches of its
// own, unsynced: the next append's sync makes them durable, and an open after a crash
// re-indexes whatever came after 'X' from the events themselves (catch_up). Until an entry is
// written, readers find it in memory. This keeps one random-order key per event out of the
// append's critical path (docs/storage.md, docs/performance.md).
//
// Ownership: borrows the stream index database, the options and the write refusal; all outlive
// it. Owns the indexer thread (started by the first hand()), which the destructor stops after
// it has written every entry handed to it.
// Thread-safety: catch_up() before anything else, on one thread; hand() from one thread at a
// time (the leader); the reads from any thread.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/status.h"
#include "store/event_log.h"
#include "store/log_format.h"
#include "store/log_reader.h"
#include "store/mutex.h"
#include "store/write_refusal.h"

namespace gaplog {

// A group's entries for the stream index, in seq order.
using StreamIndexEntries = std::vector<std::pair<std::string, StreamEntry>>;

class StreamIndexer {
 public:
  StreamIndexer(rocksdb::DB& stream_index, const EventLogOptions& options, WriteRefusal& refusal)
      : db_(stream_index), options_(options), refusal_(refusal) {}
  ~StreamIndexer();
  StreamIndexer(const StreamIndexer&) = delete;
  StreamIndexer& operator=(const StreamIndexer&) = delete;

  // On open: the 'S' keys of the events after 'X' up to `last_seq` (all of them for a new or
  // upgraded log, or a lost index), whose indexing a crash cut short. An index that claims more
  // events than the log holds (a log restored from an older backup without its index) is
  // rebuilt.
  Status catch_up(const LogReader& log, uint64_t last_seq);

  // Takes a committed group's entries, which reach seq `through`; called after the group is
  // durable and before its seqs are published. Blocks while more than
  // options.max_unindexed_events entries wait to be written (unless writing failed).
  void hand(StreamIndexEntries entries, uint64_t through) GAPLOG_EXCLUDES(mu_);

  // (version, seq) of the last event of `stream` with seq ≤ bound.
  Result<std::optional<std::pair<uint32_t, uint64_t>>> last_in_stream(std::string_view stream,
                                                                      uint64_t bound) const;
  // The seqs ≤ last of the events of `stream` with version ≥ from_version, in version order.
  Result<std::vector<uint64_t>> stream_seqs(std::string_view stream, uint32_t from_version,
                                            uint64_t last) const;

 private:
  using EntriesByStream = std::unordered_map<std::string, StreamEntries>;

  // The entries of `stream` that may not be in the 'S' keys yet, in version order.
  StreamEntries unwritten_entries(std::string_view stream) const GAPLOG_EXCLUDES(mu_);
  void index_loop() GAPLOG_EXCLUDES(mu_);
  // Waits until there is something to write (false: stopping, and everything is written).
  bool wait_for_work() GAPLOG_REQUIRES(mu_);
  // More entries wait in memory than options.max_unindexed_events (and writing has not failed):
  // an append must wait for the indexer.
  bool too_many_unindexed() const GAPLOG_REQUIRES(mu_);
  // indexing_ as the indexer thread reads it while writing, without mu_: it is the only thread
  // that changes indexing_ (always under mu_), so its own reads need no lock; every other
  // thread reads it under mu_.
  const EntriesByStream& indexing_on_indexer_thread() const GAPLOG_NO_THREAD_SAFETY_ANALYSIS {
    return indexing_;
  }
  // 'S' keys and the new 'X', in one unsynced batch.
  Status write(std::vector<std::pair<std::string, std::string>> kvs, uint64_t through);

  rocksdb::DB& db_;
  const EventLogOptions& options_;
  WriteRefusal& refusal_;

  // Entries committed but not yet written as 'S' keys (unindexed_), and those the indexer is
  // writing now (indexing_).
  mutable Mutex mu_;
  CondVar wake_;     // wakes the indexer
  CondVar written_;  // wakes a leader waiting for the indexer to catch up
  EntriesByStream unindexed_ GAPLOG_GUARDED_BY(mu_);
  EntriesByStream indexing_ GAPLOG_GUARDED_BY(mu_);
  size_t unindexed_count_ GAPLOG_GUARDED_BY(mu_) = 0;      // entries in both maps
  size_t indexing_count_ GAPLOG_GUARDED_BY(mu_) = 0;       // entries in indexing_
  uint64_t unindexed_through_ GAPLOG_GUARDED_BY(mu_) = 0;  // the last seq handed over
  bool stopping_ GAPLOG_GUARDED_BY(mu_) = false;
  bool failed_ GAPLOG_GUARDED_BY(mu_) = false;
  std::thread thread_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
