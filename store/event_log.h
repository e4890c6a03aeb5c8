// The append-only event log of SPEC §2, on RocksDB.
//
// Contract:
// - append() commits a batch of events for one or more streams atomically (one RocksDB
//   WriteBatch, WAL synced before it returns), assigns gap-free global seqs and per-stream
//   versions, checks optional expected stream versions (mismatch: kVersionConflict, nothing
//   written), is idempotent by event id (a batch whose ids are all in the log returns the
//   original events with `replayed` set and writes nothing), sets recorded_at from the clock
//   (never decreasing along seq) and enforces the occurred_at rules: occurred_at ≤ recorded_at
//   and ≥ the occurred_at of the previous event of its stream (else kRuleViolation).
//   Whether the actor may back-fill is a domain rule, not the log's.
// - Concurrent appenders are grouped: one leader validates a whole queue of batches, writes
//   them in one WriteBatch with one WAL sync, and answers every member (group commit). The
//   leader is a thread waiting in append() / QueuedAppend::wait(), or, for batches nobody
//   waits for (append_async), the log's commit thread, which also runs their callbacks; a
//   waiting appender never depends on the commit thread, so a callback that blocks cannot
//   hold up a synchronous append.
// - Readers never see seq N+1 before seq N: reads are bounded by the last committed seq.
// - The Merkle tree (RFC 6962) is maintained on append, in the same batch: each leaf hash with
//   its event, the complete subtrees of level >= 4 it completes, and the right edge's lower
//   subtrees at the end of each group (O(log n) per event; docs/storage.md).
// - The stream index (reads by stream, expected versions) is written behind the log by an
//   indexer thread into a database of its own; reads merge what it has not written yet from
//   memory, and an open re-indexes what a crash lost, so reads by stream are always exact.
// - After a failed write or sync, or a commit that threw, the log refuses all further writes
//   (kUnavailable) until it is reopened; it never guesses whether the failed batch reached the
//   disk. An appender whose batch failed may retry after reopening with the same event ids:
//   idempotency makes the retry safe whether or not the first attempt survived.
// - One process at a time: opening a log another process holds fails with kUnavailable.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "store/clock.h"
#include "store/file_system.h"
#include "store/ids.h"  // random_uuid, time_ordered_uuid
#include "store/sha256.h"

namespace gaplog {

struct NewEvent {
  std::string stream;
  Uuid id;                            // nil: the log generates one (time_ordered_uuid)
  std::optional<Micros> occurred_at;  // unset: equal to recorded_at
  std::string actor;
  Payload payload;
};

struct AppendRequest {
  std::vector<NewEvent> events;
  // Optional expected versions: the stream must be at exactly this version (0 = must not
  // exist yet) when the batch commits. A stream may be named here without events in the batch.
  std::vector<std::pair<std::string, uint32_t>> expected_versions;
  // Optional: the log must hold exactly this many events (its last seq) just before this
  // batch's first event, counting the batches committed ahead of it in the same group;
  // otherwise kVersionConflict and nothing is written.
  std::optional<uint64_t> expected_last_seq;
  // Optional: a name for this batch (non-zero), and the name of the batch that must be the last
  // one committed just before it (since the log was opened); otherwise kVersionConflict and
  // nothing is written. A batch without a name resets it. With expected_last_seq, a writer that
  // decides against the effects of everything it queued before (CommandService) conditions each
  // batch on exactly the prefix it was decided against: if an earlier batch fails, every batch
  // decided after it fails too, even if other events fill the gap.
  uint64_t batch_id = 0;
  std::optional<uint64_t> follows_batch;
};

struct AppendResult {
  std::vector<Event> events;  // as committed, in seq order
  bool replayed = false;      // true when every id was already in the log
};

// Optional observers of the log's latencies, for metrics (docs/metrics.md); either may be null.
// They are called on the thread that commits or answers, possibly with a lock of the log held:
// they must be quick and thread-safe, must not throw and must not call the log.
struct LogObservers {
  // Each append, from its being queued (append_queued, append_async) to its answer, committed
  // or refused. A QueuedAppend destroyed without wait() is not observed.
  std::function<void(std::chrono::nanoseconds)> append_answered;
  // Each group commit's synced RocksDB write.
  std::function<void(std::chrono::nanoseconds)> group_synced;
};

struct EventLogOptions {
  std::string path;          // the RocksDB directory
  FileSystem* fs = nullptr;  // borrowed; must outlive the log
  Clock* clock = nullptr;    // borrowed; must outlive the log
  bool create_if_missing = false;
  size_t max_events_per_append = 10'000;
  // The most committed events whose stream index entries are still only in memory: beyond it,
  // an append waits for the indexer before it is answered. It bounds that memory and the
  // re-indexing an open after a crash may redo.
  size_t max_unindexed_events = 200'000;
  // Tests only: called by the stream indexer before each of its writes (it may block, to hold
  // entries in memory).
  std::function<void()> before_stream_index_write = nullptr;
  // Tests only: called when an append starts waiting for the indexer (max_unindexed_events
  // reached), with the indexer's lock held: it must not call the log.
  std::function<void()> on_append_waits_for_index = nullptr;
  // Tests only: the random bits of generated ids come from here instead of OpenSSL (to make
  // an id the log will generate predictable).
  std::function<void(uint8_t*, size_t)> random_bytes_for_ids = nullptr;
  LogObservers observers = {};
};

// A signed tree head as persisted by the log (see tree_head.h for signing).
struct StoredTreeHead {
  uint64_t tree_size = 0;
  Hash root{};
  Micros timestamp = 0;
  std::string signature;  // raw Ed25519 signature bytes
};

struct VerifyReport {
  bool ok = true;
  uint64_t tree_size = 0;
  Hash root{};
  std::optional<uint64_t> first_bad_seq;
  std::string problem;  // what is wrong at first_bad_seq, empty when ok
};

class EventLog {
 public:
  static Result<std::unique_ptr<EventLog>> open(const EventLogOptions& options);
  virtual ~EventLog() = default;

  virtual Result<AppendResult> append(AppendRequest request) = 0;

  // An append split in two: queue() places the batch in the commit queue at once, and wait()
  // blocks until it is committed or refused. Batches commit in the order they were queued, so a
  // caller that queues under its own lock fixes the order of its batches in the log while
  // waiting for the sync outside that lock. append(r) is append_queued(r)->wait().
  class QueuedAppend {
   public:
    virtual ~QueuedAppend() = default;        // waits, if wait() was not called
    virtual Result<AppendResult> wait() = 0;  // call at most once
  };
  virtual std::unique_ptr<QueuedAppend> append_queued(AppendRequest request) = 0;

  // The same without a waiting thread: places the batch in the commit queue at once (in order
  // with append_queued()) and calls `done` with its result exactly once, when it is committed
  // or refused. `done` runs on the log's commit thread, never on the caller's (even for a batch
  // refused before queueing), outside every lock of the log; it may block briefly (take a
  // lock) and may queue further appends, but must not wait for one to commit. Batches whose
  // callbacks are still pending when the log is destroyed are committed and answered first.
  // A callback must not throw: one that does loses only its own answer, and the log reports
  // the exception's message on stderr.
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  virtual void append_async(AppendRequest request, AppendCallback done) = 0;
  // Blocks until the callback of every append_async() called so far has returned: for owners of
  // what those callbacks use, before they destroy it. Must not be called from a callback.
  virtual void wait_for_async_appends() = 0;

  // The last committed seq (the tree size).
  virtual uint64_t last_seq() const = 0;

  // Events with seq in [from, from + max_count), bounded by the committed seq.
  virtual Result<std::vector<Event>> read_range(uint64_t from_seq, size_t max_count) const = 0;
  // Calls `visit(seq, stored_bytes)` for seqs in [from, to], in order, without decoding; stops
  // early and returns the visitor's status when it is not ok. The bytes are valid only during
  // the call.
  virtual Status scan(uint64_t from_seq, uint64_t to_seq,
                      const std::function<Status(uint64_t, std::string_view)>& visit) const = 0;
  virtual Result<Event> read(uint64_t seq) const = 0;
  // The events of one stream with version ≥ from_version, in version order.
  virtual Result<std::vector<Event>> read_stream(std::string_view stream,
                                                 uint32_t from_version) const = 0;
  // Current version of a stream (0 if it has no events).
  virtual Result<uint32_t> stream_version(std::string_view stream) const = 0;
  // The seq of the committed event with this id, if any.
  virtual Result<std::optional<uint64_t>> seq_of_event_id(const Uuid& id) const = 0;
  // Seqs of events with occurred_at in [from, to), ordered by (occurred_at, seq).
  virtual Result<std::vector<uint64_t>> seqs_by_occurred_at(Micros from, Micros to) const = 0;

  // Blocks until last_seq() > after or the timeout passes; returns last_seq().
  virtual uint64_t wait_for_seq_after(uint64_t after, std::chrono::milliseconds timeout) const = 0;
  // Calls `on_commit(last_seq)` after every commit, on the committing thread, outside any lock
  // of the log; it must be quick and must not append. The subscription ends when the returned
  // handle is destroyed: once the destructor returns the callback is not running and is not
  // called again. The destructor waits for a call in progress on another thread (so do not
  // destroy the handle while holding something the callback waits for); the callback itself
  // may destroy its own handle, or another's. A callback that throws makes the log refuse
  // writes until reopened, like a failed sync, and report why on stderr; the group it was
  // called for is already committed and visible, but its appenders are answered
  // kUnavailable (they may retry with the same event ids after reopening: idempotency answers
  // them with the committed events).
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };
  virtual std::unique_ptr<Subscription> subscribe(std::function<void(uint64_t)> on_commit) = 0;

  // Merkle tree over the log (RFC 6962).
  virtual Result<Hash> root(uint64_t tree_size) const = 0;
  virtual Result<std::vector<Hash>> inclusion_proof(uint64_t seq, uint64_t tree_size) const = 0;
  virtual Result<std::vector<Hash>> consistency_proof(uint64_t from_size,
                                                      uint64_t to_size) const = 0;
  virtual Result<Hash> leaf_hash(uint64_t seq) const = 0;

  // Signed tree heads issued so far, kept so that verify can check them and auditors can be
  // re-served the same head. Written durably.
  virtual Status store_tree_head(const StoredTreeHead& head) = 0;
  virtual Result<std::optional<StoredTreeHead>> latest_tree_head() const = 0;
  // The head stored for exactly this tree size, if one was issued.
  virtual Result<std::optional<StoredTreeHead>> tree_head_at(uint64_t tree_size) const = 0;

  // Recomputes every leaf from the stored bytes, the stored Merkle nodes and the root, and
  // checks every stored tree head; names the first bad seq on any change, removal, reordering
  // or out-of-band insertion.
  virtual Result<VerifyReport> verify() const = 0;

  // True after a failed write or sync: every append fails until the log is reopened.
  virtual bool refusing_writes() const = 0;

  // A RocksDB checkpoint of the log's database (not of its stream index, which is derived) in
  // `dir`, which must not exist and should be on the same file system (its table files are then
  // hard links, not copies): the memtable is flushed first. Appends go on meanwhile. The
  // checkpoint holds a consistent prefix of the log (each append group is one atomic write) with
  // at least every event committed before the call; open_log_snapshot() reads how long it is.
  virtual Status checkpoint(const std::string& dir) const = 0;
};

// How many events were recorded before `end` (recorded_at never decreases along seq, so this is
// a binary search: O(log n) reads).
Result<uint64_t> count_recorded_before(const EventLog& log, Micros end);

}  // namespace gaplog
