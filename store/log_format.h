// The event log's format in RocksDB, above the key layout of store/keys.h: opening its two
// databases (the log's and the stream index's), the format version (checked, or written for a
// new log, or migrated from the previous layout), the head, and the values that are more than
// one field (an event with its leaf hash, a tree head, a stream index entry). Internal to the
// store: the classes of the event log share these; nothing outside store/ includes this.
//
// Ownership: LogDatabases owns both databases and the Env they share, and closes them (the
// stream index first) when destroyed. RangeIterator borrows its database.
// Thread-safety: free functions have no state; a RocksDB database may be used from any thread;
// a RangeIterator belongs to the thread that made it.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "store/event_log.h"
#include "store/sha256.h"

namespace gaplog {

Status from_rocks(const rocksdb::Status& s, std::string_view what);

inline std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// What nobody is answered about (a callback that threw, why the log stopped taking writes)
// goes to stderr, where the server's other messages go.
void report_problem(std::string_view what);

// An iterator over the keys in [lower, upper): RocksDB stops at the bound itself instead of the
// caller comparing every key. Owns the bound that its read options point at, so it neither
// moves nor copies.
class RangeIterator {
 public:
  RangeIterator(rocksdb::DB& db, const std::string& lower, std::string upper);
  RangeIterator(const RangeIterator&) = delete;
  RangeIterator& operator=(const RangeIterator&) = delete;
  rocksdb::Iterator* operator->() const { return it_.get(); }

 private:
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

Hash hash_from(std::string_view bytes);

// An 'E' value: the event's stored bytes (the Merkle leaf) followed by its leaf hash.
std::string event_value(std::string bytes, const Hash& leaf);
struct StoredEvent {
  std::string_view bytes;
  Hash leaf;
};
Result<StoredEvent> split_event_value(uint64_t seq, std::string_view value);
// The event stored at `seq` from its bytes; corruption if they do not decode as that seq.
Result<Event> decode_stored(uint64_t seq, std::string_view bytes);

// A 'T' value and back.
std::string tree_head_value(const StoredTreeHead& head);
Result<StoredTreeHead> parse_tree_head(std::string_view key, std::string_view value);

// One event's place in its stream: what an 'S' key records.
struct StreamEntry {
  uint32_t version;
  uint64_t seq;
};
using StreamEntries = std::vector<StreamEntry>;  // ascending
// A stream index entry is the stream's prefix, a 4-byte version, and an 8-byte seq as value;
// anything else (a tampered index database) is corruption, never read past its end.
Status check_stream_entry(std::string_view key, std::string_view value, size_t prefix_size);

// A WriteBatch of `kvs` in key order (sorts `kvs`), sized up front.
rocksdb::WriteBatch sorted_batch(std::vector<std::pair<std::string, std::string>>& kvs,
                                 size_t extra_bytes);

// The log's database, its stream index's, and the Env (the file-system seam) both use.
struct LogDatabases {
  LogDatabases() = default;
  LogDatabases(LogDatabases&&) = default;
  LogDatabases& operator=(LogDatabases&&) = delete;
  ~LogDatabases();  // closes the stream index, then the log

  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<rocksdb::DB> log;
  std::unique_ptr<rocksdb::DB> stream_index;  // 'S' keys and 'X'
};
// Opens both databases of the log at options.path with the store's RocksDB options.
Result<LogDatabases> open_log_databases(const EventLogOptions& options);

// A checkpoint of the log's database in `dir` (EventLog::checkpoint): memtable flushed first.
Status checkpoint_log_database(rocksdb::DB& log, const std::string& dir);

// A checkpoint or a restored copy of the log's database, opened on its own (no stream index)
// for a backup to read and copy; it is the caller's scratch copy, so it is opened for writing
// (RocksDB's BackupEngine needs that) with compactions off. `env` must outlive it.
Result<std::unique_ptr<rocksdb::DB>> open_log_snapshot(rocksdb::Env* env, const std::string& dir);

// The 'H' record: where the log ends.
struct LogHead {
  uint64_t last_seq = 0;
  Micros last_recorded_at = INT64_MIN;
};
// Checks the format version (writing it for a new log, migrating a log of the previous layout)
// and reads the head: nullopt for a log that has none yet. `path` names the log in errors.
Result<std::optional<LogHead>> open_log_format(rocksdb::DB& log, const std::string& path);

}  // namespace gaplog
