#include "store/stream_indexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "domain/event_codec.h"
#include "store/keys.h"

namespace gaplog {
namespace {

// The most events an open re-indexing writes in one batch.
constexpr size_t kIndexBatchEvents = 20'000;
// The indexer writes once this many events wait, or kIndexInterval after the first of them:
// fewer, larger batches, and no wake-up per append.
constexpr size_t kIndexWakeEvents = 2'000;
constexpr auto kIndexInterval = std::chrono::milliseconds(20);

}  // namespace

StreamIndexer::~StreamIndexer() {
  std::thread thread;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    wake_.notify_one();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();  // writes what is left first
}

// By value: the stream names are moved out of `entries` into the map (the check misses that).
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void StreamIndexer::hand(StreamIndexEntries entries, uint64_t through) {
  MutexLock lock(mu_);
  const bool was_empty = unindexed_.empty();
  for (auto& [stream, entry] : entries) unindexed_[std::move(stream)].push_back(entry);
  unindexed_count_ += entries.size();
  unindexed_through_ = through;
  if (!thread_.joinable()) thread_ = std::thread([this] { index_loop(); });
  if (was_empty || unindexed_count_ - indexing_count_ >= kIndexWakeEvents) wake_.notify_one();
  if (too_many_unindexed() && options_.on_append_waits_for_index)
    options_.on_append_waits_for_index();
  while (too_many_unindexed()) written_.wait(mu_);
}

bool StreamIndexer::too_many_unindexed() const {
  return unindexed_count_ > options_.max_unindexed_events && !failed_;
}

StreamEntries StreamIndexer::unwritten_entries(std::string_view stream) const {
  const std::string key(stream);
  MutexLock lock(mu_);
  StreamEntries out;
  for (const auto* map : {&indexing_, &unindexed_}) {  // indexing_ holds the older ones
    if (auto it = map->find(key); it != map->end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  return out;
}

bool StreamIndexer::wait_for_work() {
  while (unindexed_.empty() && !stopping_) wake_.wait(mu_);
  if (unindexed_.empty()) return false;  // stopping, and everything is written
  const auto deadline = std::chrono::steady_clock::now() + kIndexInterval;
  while (unindexed_count_ < kIndexWakeEvents && !stopping_) {
    if (!wake_.wait_until(mu_, deadline)) break;
  }
  return true;
}

void StreamIndexer::index_loop() {
  MutexLock lock(mu_);
  while (wait_for_work()) {
    indexing_.swap(unindexed_);
    indexing_count_ = unindexed_count_;
    const uint64_t through = unindexed_through_;
    lock.unlock();
    std::vector<std::pair<std::string, std::string>> kvs;
    for (const auto& [stream, entries] : indexing_on_indexer_thread()) {
      for (const StreamEntry& entry : entries) {
        kvs.emplace_back(keys::stream(stream, entry.version), keys::seq_value(entry.seq));
      }
    }
    if (options_.before_stream_index_write) options_.before_stream_index_write();
    const size_t written = kvs.size();
    Status s = write(std::move(kvs), through);
    lock.lock();
    if (!s.is_ok()) {
      // Readers keep finding the entries in memory; appends are refused until a reopen,
      // which re-indexes from the events.
      refusal_.refuse(s.message());
      failed_ = true;
      written_.notify_all();
      return;
    }
    indexing_.clear();
    unindexed_count_ -= written;
    indexing_count_ = 0;
    written_.notify_all();
  }
}

Status StreamIndexer::write(std::vector<std::pair<std::string, std::string>> kvs,
                            uint64_t through) {
  rocksdb::WriteBatch batch = sorted_batch(kvs, 32);
  batch.Put(keys::indexed_through(), keys::seq_value(through));
  return from_rocks(db_.Write(rocksdb::WriteOptions(), &batch), "cannot write the stream index");
}

Status StreamIndexer::catch_up(const LogReader& log, uint64_t last_seq) {
  std::string value;
  const auto s = db_.Get(rocksdb::ReadOptions(), keys::indexed_through(), &value);
  if (!s.IsNotFound()) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the stream index"));
  uint64_t through = s.IsNotFound() || value.size() != 8 ? 0 : keys::get_be64(value);
  if (s.ok() && (value.size() != 8 || through > last_seq)) {
    rocksdb::WriteBatch batch;
    batch.DeleteRange(keys::streams_begin(), keys::streams_end());
    batch.Put(keys::indexed_through(), keys::seq_value(0));
    GAPLOG_RETURN_IF_ERROR(
        from_rocks(db_.Write(rocksdb::WriteOptions(), &batch), "cannot reset the stream index"));
    through = 0;
  }
  while (through < last_seq) {
    const uint64_t to = std::min<uint64_t>(last_seq, through + kIndexBatchEvents);
    std::vector<std::pair<std::string, std::string>> kvs;
    GAPLOG_RETURN_IF_ERROR(
        log.scan(through + 1, to, [&](uint64_t seq, std::string_view bytes) -> Status {
          auto e = decode_envelope(bytes);  // the stream and version are all it needs
          if (!e || e->seq != seq) {
            return corruption(
                fmt::format("event seq {} does not decode as itself; run verify", seq));
          }
          kvs.emplace_back(keys::stream(e->stream, e->version), keys::seq_value(seq));
          return Status::ok();
        }));
    GAPLOG_RETURN_IF_ERROR(write(std::move(kvs), to));
    through = to;
  }
  return Status::ok();
}

Result<std::optional<std::pair<uint32_t, uint64_t>>> StreamIndexer::last_in_stream(
    std::string_view stream, uint64_t bound) const {
  const StreamEntries recent = unwritten_entries(stream);  // newer than any 'S' key
  for (auto entry = recent.rbegin(); entry != recent.rend(); ++entry) {
    if (entry->seq <= bound) return std::optional(std::pair(entry->version, entry->seq));
  }
  const std::string prefix = keys::stream_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions()));
  for (it->SeekForPrev(keys::stream(stream, UINT32_MAX));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    GAPLOG_RETURN_IF_ERROR(check_stream_entry(view(it->key()), view(it->value()), prefix.size()));
    const uint64_t seq = keys::get_be64(view(it->value()));
    if (seq <= bound) {
      return std::optional(std::pair(keys::get_be32(view(it->key()).substr(prefix.size())), seq));
    }
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the stream index"));
  return std::optional<std::pair<uint32_t, uint64_t>>();
}

// The 'S' keys, then the entries the indexer has not written yet (taken first: an entry the
// indexer writes meanwhile is then found in one place or the other).
Result<std::vector<uint64_t>> StreamIndexer::stream_seqs(std::string_view stream,
                                                         uint32_t from_version,
                                                         uint64_t last) const {
  const StreamEntries recent = unwritten_entries(stream);
  const std::string prefix = keys::stream_prefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions()));
  std::vector<uint64_t> seqs;
  uint32_t next_version = std::max<uint32_t>(from_version, 1);
  for (it->Seek(keys::stream(stream, next_version)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    GAPLOG_RETURN_IF_ERROR(check_stream_entry(view(it->key()), view(it->value()), prefix.size()));
    const uint64_t seq = keys::get_be64(view(it->value()));
    if (seq > last) break;  // committed by a batch readers may not see yet
    seqs.push_back(seq);
    next_version = keys::get_be32(view(it->key()).substr(prefix.size())) + 1;
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the stream index"));
  for (const StreamEntry& entry : recent) {
    if (entry.version < next_version || entry.seq > last) continue;
    seqs.push_back(entry.seq);
    next_version = entry.version + 1;
  }
  return seqs;
}

}  // namespace gaplog
