#include "store/log_format.h"

#include <fmt/format.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <cstring>

#include "domain/event_codec.h"
#include "store/keys.h"

namespace gaplog {

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  if (s.IsCorruption()) return corruption(fmt::format("{}: {}", what, s.ToString()));
  return io_error(fmt::format("{}: {}", what, s.ToString()));
}

void report_problem(std::string_view what) { fmt::print(stderr, "gaplog: event log: {}\n", what); }

RangeIterator::RangeIterator(rocksdb::DB& db, const std::string& lower, std::string upper)
    : upper_(std::move(upper)), upper_slice_(upper_) {
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice_;
  it_.reset(db.NewIterator(ro));
  it_->Seek(lower);
}

Hash hash_from(std::string_view bytes) {
  Hash h{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), h.size()), h.begin());
  return h;
}

// Keeping the leaf hash in the event's own value instead of a key of its own saves a key per
// event; it is what lets verify name the exact event whose bytes changed.
std::string event_value(std::string bytes, const Hash& leaf) {
  bytes.append(hash_bytes(leaf));
  return bytes;
}

Result<StoredEvent> split_event_value(uint64_t seq, std::string_view value) {
  if (value.size() < keys::kLeafHashBytes + 8) {
    return corruption(
        fmt::format("the stored value of event seq {} is too short ({} bytes); run "
                    "verify",
                    seq, value.size()));
  }
  const size_t n = value.size() - keys::kLeafHashBytes;
  return StoredEvent{value.substr(0, n), hash_from(value.substr(n))};
}

Result<Event> decode_stored(uint64_t seq, std::string_view bytes) {
  auto e = decode_stored_event(bytes);
  if (!e) {
    return corruption(
        fmt::format("event seq {} does not decode ({}); run verify", seq, e.status().message()));
  }
  if (e->seq != seq) {
    return corruption(
        fmt::format("the event stored at seq {} says it is seq {}; run verify", seq, e->seq));
  }
  return e;
}

std::string tree_head_value(const StoredTreeHead& head) {
  std::string value;
  keys::put_be64(value, static_cast<uint64_t>(head.timestamp));
  value.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
  value += head.signature;
  return value;
}

Result<StoredTreeHead> parse_tree_head(std::string_view key, std::string_view value) {
  if (key.size() != 9 || value.size() < 40) return corruption("a stored tree head is damaged");
  StoredTreeHead h;
  h.tree_size = keys::get_be64(key.substr(1));
  h.timestamp = static_cast<Micros>(keys::get_be64(value));
  h.root = hash_from(value.substr(8, 32));
  h.signature = std::string(value.substr(40));
  return h;
}

Status check_stream_entry(std::string_view key, std::string_view value, size_t prefix_size) {
  if (key.size() != prefix_size + 4 || value.size() != 8) {
    return corruption(
        "a stream index entry is damaged; reopen the log to rebuild the index, and run verify");
  }
  return Status::ok();
}

// In key order, RocksDB's memtable then continues each insert near the previous one; sized up
// front, since growing the batch copied it several times.
rocksdb::WriteBatch sorted_batch(std::vector<std::pair<std::string, std::string>>& kvs,
                                 size_t extra_bytes) {
  std::sort(kvs.begin(), kvs.end());
  size_t bytes = 12 + extra_bytes;                                   // the batch header
  for (const auto& [k, v] : kvs) bytes += k.size() + v.size() + 11;  // type and two lengths
  rocksdb::WriteBatch batch(bytes);
  for (const auto& [k, v] : kvs) batch.Put(k, v);
  return batch;
}

namespace {

std::string stream_index_path(const std::string& log_path) { return log_path + "/stream-index"; }

// For the stream index's memtable: the stream part of an 'S' key ("S" stream "\0"), so that
// each stream keeps its own insert position; any other key by its first byte.
class StreamHintPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "gaplog.StreamHintPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    if (key[0] == keys::kStream) {
      if (const void* end = std::memchr(key.data(), '\0', key.size())) {
        return {key.data(), static_cast<size_t>(static_cast<const char*>(end) - key.data()) + 1};
      }
    }
    return {key.data(), 1};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return !key.empty(); }
};

// What both databases share: the file-system seam, its background threads, and recovery to the
// last consistent point of the WAL.
rocksdb::Options common_options(rocksdb::Env* env) {
  rocksdb::Options common;
  common.env = env;
  common.paranoid_checks = true;
  common.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  common.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  common.IncreaseParallelism(2);
  return common;
}

rocksdb::Options log_options(const rocksdb::Options& common, bool create_if_missing) {
  rocksdb::Options ro = common;
  ro.create_if_missing = create_if_missing;
  // Each key kind (one-byte prefix) is written in mostly ascending order; a per-prefix insert
  // hint lets the memtable skip list continue where the previous insert of that kind stopped.
  ro.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  // A bloom filter over whole keys in the memtable: the id lookups of an append (a generated
  // id must not be taken, a caller's id may be a retry) mostly miss, and a miss then costs a
  // probe instead of a skip-list search.
  ro.memtable_whole_key_filtering = true;
  ro.memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return ro;
}

Status open_error(const rocksdb::Status& s, const std::string& path) {
  const std::string text = s.ToString();
  if (text.find("lock") != std::string::npos ||
      text.find("Resource temporarily") != std::string::npos) {
    return unavailable(
        fmt::format("the data directory {} is in use by another gaplog process (a "
                    "running server?); stop it, or talk to it with --server",
                    path));
  }
  if (s.IsInvalidArgument() && text.find("does not exist") != std::string::npos) {
    return not_found(fmt::format("there is no event log at {}; create one with gaplog init", path));
  }
  return from_rocks(s, fmt::format("cannot open the event log at {}", path));
}

// A log written with another key layout must not be read as this one: its values and keys
// would be misread. A new (empty) log gets the current version, and so does a log of the
// previous version, once its stream index is dropped (it is rebuilt on open).
Status check_format(rocksdb::DB& db, bool empty, const std::string& path) {
  std::string version;
  auto s = db.Get(rocksdb::ReadOptions(), keys::format(), &version);
  if (!s.IsNotFound()) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log format"));
  if ((s.IsNotFound() && empty) || (s.ok() && version == keys::kPreviousFormatVersion)) {
    // The previous layout kept the stream index here; it is rebuilt in its own database.
    rocksdb::WriteBatch batch;
    if (!empty) batch.DeleteRange(keys::streams_begin(), keys::streams_end());
    batch.Put(keys::format(), std::string(keys::kFormatVersion));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return from_rocks(db.Write(wo, &batch), "cannot write the log format");
  }
  if (s.IsNotFound() || version != keys::kFormatVersion) {
    return corruption(
        fmt::format("the event log at {} was written in another format ({}) than this build reads "
                    "({}); gaplog has no "
                    "migration for it: keep that directory for the build that wrote it, or start a "
                    "new one with gaplog init",
                    path, s.IsNotFound() ? "gaplog-log-1, before format versions" : version,
                    keys::kFormatVersion));
  }
  return Status::ok();
}

}  // namespace

LogDatabases::~LogDatabases() {
  if (stream_index) stream_index->Close().PermitUncheckedError();
  if (log) log->Close().PermitUncheckedError();
}

Result<LogDatabases> open_log_databases(const EventLogOptions& options) {
  LogDatabases dbs;
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(options.fs->rocksdb_file_system());
  const rocksdb::Options common = common_options(env.get());
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(log_options(common, options.create_if_missing), options.path, &raw);
  if (!s.ok()) return open_error(s, options.path);
  std::unique_ptr<rocksdb::DB> log(raw);

  // The stream index: its own database inside the log's directory, so that its writes, which
  // are not in the append's critical path, never join (and hold up) an append's write group.
  rocksdb::Options io = common;
  io.create_if_missing = true;
  // One insert hint per stream: each stream's versions go in ascending order.
  io.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamHintPrefix>();
  raw = nullptr;
  s = rocksdb::DB::Open(io, stream_index_path(options.path), &raw);
  if (!s.ok()) {
    return from_rocks(s, fmt::format("cannot open the stream index at {} (it is rebuilt from the "
                                     "log if you remove it)",
                                     stream_index_path(options.path)));
  }
  dbs.env = std::move(env);
  dbs.log = std::move(log);
  dbs.stream_index.reset(raw);
  return dbs;
}

Status checkpoint_log_database(rocksdb::DB& log, const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  GAPLOG_RETURN_IF_ERROR(from_rocks(rocksdb::Checkpoint::Create(&log, &raw), "checkpoint"));
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: always flush, so that the checkpoint holds table files (shared with
  // the live database and with earlier backups) rather than a copy of the preallocated WAL.
  return from_rocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                    fmt::format("cannot make a checkpoint of the event log in {}", dir));
}

Result<std::unique_ptr<rocksdb::DB>> open_log_snapshot(rocksdb::Env* env, const std::string& dir) {
  rocksdb::Options options = log_options(common_options(env), /*create_if_missing=*/false);
  options.disable_auto_compactions = true;
  rocksdb::DB* raw = nullptr;
  GAPLOG_RETURN_IF_ERROR(
      from_rocks(rocksdb::DB::Open(options, dir, &raw), fmt::format("cannot open {}", dir)));
  return std::unique_ptr<rocksdb::DB>(raw);
}

Result<std::optional<LogHead>> open_log_format(rocksdb::DB& log, const std::string& path) {
  std::string value;
  auto s = log.Get(rocksdb::ReadOptions(), keys::head(), &value);
  const bool empty = s.IsNotFound();
  if (!empty) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log head"));
  GAPLOG_RETURN_IF_ERROR(check_format(log, empty, path));
  if (empty) return std::optional<LogHead>();
  if (value.size() != 16) return corruption("the log head record is damaged");
  LogHead head;
  head.last_seq = keys::get_be64(value);
  head.last_recorded_at = static_cast<Micros>(keys::get_be64(std::string_view(value).substr(8)));
  return std::optional<LogHead>(head);
}

}  // namespace gaplog
