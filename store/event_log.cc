#include "store/event_log.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "domain/event_codec.h"
#include "domain/hex.h"
#include "store/keys.h"
#include "store/merkle.h"

namespace gaplog {
namespace {

constexpr size_t kMaxStreamBytes = 256;
constexpr size_t kMaxActorBytes = 320;

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  if (s.IsCorruption()) return corruption(fmt::format("{}: {}", what, s.ToString()));
  return io_error(fmt::format("{}: {}", what, s.ToString()));
}

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// What nobody is answered about (a callback that threw, why the log stopped taking writes)
// goes to stderr, where the server's other messages go.
void report_problem(std::string_view what) { fmt::print(stderr, "gaplog: event log: {}\n", what); }

// An iterator over the keys in [lower, upper): RocksDB stops at the bound itself instead of the
// caller comparing every key. Owns the bound that its read options point at, so it neither
// moves nor copies.
class RangeIterator {
 public:
  RangeIterator(rocksdb::DB& db, const std::string& lower, std::string upper)
      : upper_(std::move(upper)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db.NewIterator(ro));
    it_->Seek(lower);
  }
  RangeIterator(const RangeIterator&) = delete;
  RangeIterator& operator=(const RangeIterator&) = delete;
  rocksdb::Iterator* operator->() const { return it_.get(); }

 private:
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

Hash hash_from(std::string_view bytes) {
  Hash h{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), h.size()), h.begin());
  return h;
}

// An 'E' value: the event's stored bytes (the Merkle leaf) followed by its leaf hash. Keeping
// the leaf hash in the event's own value instead of a key of its own saves a key per event;
// it is what lets verify name the exact event whose bytes changed.
std::string event_value(std::string bytes, const Hash& leaf) {
  bytes.append(hash_bytes(leaf));
  return bytes;
}

struct StoredEvent {
  std::string_view bytes;
  Hash leaf;
};

Result<StoredEvent> split_event_value(uint64_t seq, std::string_view value) {
  if (value.size() < keys::kLeafHashBytes + 8) {
    return corruption(fmt::format("the stored value of event seq {} is too short ({} bytes); run "
                                  "verify", seq, value.size()));
  }
  const size_t n = value.size() - keys::kLeafHashBytes;
  return StoredEvent{value.substr(0, n), hash_from(value.substr(n))};
}

// Ids the log generates are version 7 UUIDs (RFC 9562 §5.7) whose last 48 bits are a dedicated
// counter holding the event's seq (§6.2, method 1), so the event is found from its id without
// an index entry. The caller's ids, whatever their form, go into the 'I' index.
constexpr uint64_t kMaxSeqInGeneratedId = (uint64_t{1} << 48) - 1;

std::optional<uint64_t> seq_named_by_id(const Uuid& id) {
  if (id.bytes[6] >> 4 != 7 || id.bytes[8] >> 6 != 2) return std::nullopt;
  uint64_t seq = 0;
  for (size_t i = 10; i < 16; ++i) seq = seq << 8 | id.bytes[i];
  return seq;
}

// The 'M' keys alone: every complete subtree from level kFirstStoredNodeLevel up, and below it
// those that were on the right edge at the end of an append group, which includes the whole
// right edge of the committed tree (what MerkleFrontier::restore needs).
class StoredNodes final : public SubtreeHashSource {
 public:
  explicit StoredNodes(rocksdb::DB* db) : db_(db) {}
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override {
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), keys::node(level, index), &value);
    if (s.IsNotFound() || (s.ok() && value.size() != 32)) {
      return corruption(fmt::format("Merkle node (level {}, index {}) is missing or damaged; run "
                                    "verify to find the first bad seq", level, index));
    }
    GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read Merkle node"));
    return hash_from(value);
  }

 private:
  rocksdb::DB* db_;
};

// Complete subtrees as persisted in RocksDB: from level kFirstStoredNodeLevel up as 'M' keys,
// below it recomputed from the leaf hashes stored with the events (fewer than
// 2^kFirstStoredNodeLevel reads, so every root and proof stays O(log n)).
class StoredSubtrees final : public SubtreeHashSource {
 public:
  explicit StoredSubtrees(rocksdb::DB* db) : db_(db), nodes_(db) {}
  Result<Hash> complete_subtree(unsigned level, uint64_t index) const override {
    if (level >= keys::kFirstStoredNodeLevel) return nodes_.complete_subtree(level, index);
    const uint64_t first_seq = (index << level) + 1;
    const uint64_t count = uint64_t{1} << level;
    if (level == 0) {
      std::string value;
      const auto s = db_->Get(rocksdb::ReadOptions(), keys::event(first_seq), &value);
      if (s.IsNotFound()) return missing(level, index);
      GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log"));
      GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(first_seq, value));
      return e.leaf;
    }
    RangeIterator it(*db_, keys::event(first_seq), keys::event(first_seq + count));
    MerkleFrontier subtree;
    for (; it->Valid(); it->Next()) {
      const std::string_view key = view(it->key());
      const uint64_t seq = first_seq + subtree.size();
      if (key.size() != 9 || keys::get_be64(key.substr(1)) != seq) return missing(level, index);
      GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(seq, view(it->value())));
      subtree.append(e.leaf);
    }
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the log"));
    if (subtree.size() != count) return missing(level, index);
    return subtree.root();
  }

 private:
  static Status missing(unsigned level, uint64_t index) {
    return corruption(fmt::format("Merkle node (level {}, index {}) is missing or damaged; run "
                                  "verify to find the first bad seq", level, index));
  }
  rocksdb::DB* db_;
  StoredNodes nodes_;
};

struct StreamHead {
  uint32_t version = 0;
  Micros last_occurred_at = INT64_MIN;
};

// A WriteBatch of `kvs` in key order (RocksDB's memtable then continues each insert near the
// previous one), sized up front: growing it copied the whole batch several times.
rocksdb::WriteBatch sorted_batch(std::vector<std::pair<std::string, std::string>>& kvs,
                                 size_t extra_bytes) {
  std::sort(kvs.begin(), kvs.end());
  size_t bytes = 12 + extra_bytes;  // the batch header
  for (const auto& [k, v] : kvs) bytes += k.size() + v.size() + 11;  // type and two lengths
  rocksdb::WriteBatch batch(bytes);
  for (const auto& [k, v] : kvs) batch.Put(k, v);
  return batch;
}

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

// One event's place in its stream: what an 'S' key records.
struct StreamEntry {
  uint32_t version;
  uint64_t seq;
};
using StreamEntries = std::vector<StreamEntry>;  // ascending

// The most events an open re-indexing writes in one batch.
constexpr size_t kIndexBatchEvents = 20'000;
// The indexer writes once this many events wait, or kIndexInterval after the first of them:
// fewer, larger batches, and no wake-up per append.
constexpr size_t kIndexWakeEvents = 2'000;
constexpr auto kIndexInterval = std::chrono::milliseconds(20);

Status validate_shape(const AppendRequest& req, size_t max_events) {
  if (req.events.empty() && req.expected_versions.empty()) {
    return invalid_argument("an append needs at least one event");
  }
  if (req.events.size() > max_events) {
    return too_large(fmt::format("an append holds at most {} events; this one has {}; split it",
                                 max_events, req.events.size()));
  }
  std::set<Uuid> ids;
  for (const NewEvent& e : req.events) {
    if (e.stream.empty() || e.stream.size() > kMaxStreamBytes) {
      return invalid_argument(fmt::format("a stream name must have 1 to {} bytes", kMaxStreamBytes));
    }
    for (unsigned char c : e.stream) {
      if (c < 0x20 || c == 0x7f) return invalid_argument("a stream name must not hold control characters");
    }
    if (e.actor.size() > kMaxActorBytes) {
      return invalid_argument(fmt::format("an actor must have at most {} bytes", kMaxActorBytes));
    }
    if (!e.id.is_nil() && !ids.insert(e.id).second) {
      return invalid_argument(fmt::format("event id {} appears twice in one append; give each event "
                                          "its own id", to_string(e.id)));
    }
  }
  return Status::ok();
}

// Version 7 UUIDs for events that come without an id. The random part is drawn from OpenSSL
// in blocks, since one RAND_bytes call per event showed up in append profiles.
class TimeOrderedIds {
 public:
  TimeOrderedIds() = default;
  // Tests only: the random bytes come from `source` instead of OpenSSL.
  explicit TimeOrderedIds(std::function<void(uint8_t*, size_t)> source) : source_(std::move(source)) {}

  Uuid next(Micros now) {
    if (used_ == kBlock) {
      if (source_) {
        source_(random_.data(), random_.size());
      } else if (RAND_bytes(random_.data(), static_cast<int>(random_.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness available");
      }
      used_ = 0;
    }
    Uuid id;
    std::copy_n(random_.begin() + used_++ * 10, 10, id.bytes.begin() + 6);
    const uint64_t ms = static_cast<uint64_t>(std::max<Micros>(now, 0) / 1000);
    for (int i = 0; i < 6; ++i) id.bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x70);
    id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
    return id;
  }

  // The same, with the last 48 bits replaced by `seq` (seq_named_by_id reads it back).
  Uuid next_naming(Micros now, uint64_t seq) {
    assert(seq <= kMaxSeqInGeneratedId);
    Uuid id = next(now);
    for (int i = 0; i < 6; ++i) id.bytes[10 + i] = static_cast<uint8_t>(seq >> (40 - 8 * i));
    return id;
  }

 private:
  static constexpr size_t kBlock = 256;
  std::function<void(uint8_t*, size_t)> source_;
  std::array<uint8_t, kBlock * 10> random_{};
  size_t used_ = kBlock;
};

class EventLogImpl;

class SubscriptionImpl final : public EventLog::Subscription {
 public:
  SubscriptionImpl(EventLogImpl* log, uint64_t token) : log_(log), token_(token) {}
  ~SubscriptionImpl() override;

 private:
  EventLogImpl* log_;
  uint64_t token_;
};

class EventLogImpl final : public EventLog {
  struct Writer;
  class Ticket;

 public:
  EventLogImpl(const EventLogOptions& options, std::unique_ptr<rocksdb::Env> env,
               std::unique_ptr<rocksdb::DB> db, std::unique_ptr<rocksdb::DB> index_db)
      : options_(options), env_(std::move(env)), db_(std::move(db)),
        index_db_(std::move(index_db)), stored_(db_.get()),
        id_generator_(options.random_bytes_for_ids) {}

  ~EventLogImpl() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
      committer_cv_.notify_one();
    }
    if (committer_.joinable()) committer_.join();
    {
      std::lock_guard lock(index_mu_);
      index_stopping_ = true;
      index_cv_.notify_one();
    }
    if (indexer_.joinable()) indexer_.join();  // writes what is left first
    index_db_->Close().PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }

  Status load() {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), keys::head(), &value);
    const bool empty = s.IsNotFound();
    if (!empty) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log head"));
    GAPLOG_RETURN_IF_ERROR(check_format(empty));
    if (empty) return catch_up_stream_index();
    if (value.size() != 16) return corruption("the log head record is damaged");
    last_seq_ = keys::get_be64(value);
    last_recorded_at_ = static_cast<Micros>(keys::get_be64(std::string_view(value).substr(8)));
    GAPLOG_ASSIGN_OR_RETURN(frontier_, MerkleFrontier::restore(StoredNodes(db_.get()), last_seq_));
    committed_seq_.store(last_seq_);
    return catch_up_stream_index();
  }

  // A log written with another key layout must not be read as this one: its values and keys
  // would be misread. A new (empty) log gets the current version, and so does a log of the
  // previous version, once its stream index is dropped (it is rebuilt on open).
  Status check_format(bool empty) {
    std::string version;
    auto s = db_->Get(rocksdb::ReadOptions(), keys::format(), &version);
    if (!s.IsNotFound()) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log format"));
    if ((s.IsNotFound() && empty) || (s.ok() && version == keys::kPreviousFormatVersion)) {
      // The previous layout kept the stream index here; it is rebuilt in its own database.
      rocksdb::WriteBatch batch;
      if (!empty) batch.DeleteRange(keys::streams_begin(), keys::streams_end());
      batch.Put(keys::format(), std::string(keys::kFormatVersion));
      rocksdb::WriteOptions wo;
      wo.sync = true;
      return from_rocks(db_->Write(wo, &batch), "cannot write the log format");
    }
    if (s.IsNotFound() || version != keys::kFormatVersion) {
      return corruption(fmt::format(
          "the event log at {} was written in another format ({}) than this build reads ({}); gaplog has no "
          "migration for it: keep that directory for the build that wrote it, or start a new one with gaplog init",
          options_.path, s.IsNotFound() ? "gaplog-log-1, before format versions" : version, keys::kFormatVersion));
    }
    return Status::ok();
  }

  // --- append ---------------------------------------------------------------------------------

  Result<AppendResult> append(AppendRequest request) override {
    return append_queued(std::move(request))->wait();
  }

  std::unique_ptr<QueuedAppend> append_queued(AppendRequest request) override {
    auto ticket = std::make_unique<Ticket>(*this);
    ticket->writer.request = std::move(request);
    if (Status s = validate_shape(ticket->writer.request, options_.max_events_per_append); !s.is_ok()) {
      ticket->writer.result = std::move(s);
      ticket->writer.done = true;
      ticket->queued = false;
      return ticket;
    }
    std::lock_guard lock(queue_mu_);
    writers_.push_back(&ticket->writer);
    return ticket;
  }

  void append_async(AppendRequest request, AppendCallback done) override {
    auto w = std::make_unique<Writer>();
    w->request = std::move(request);
    w->callback = std::move(done);
    Status shape = validate_shape(w->request, options_.max_events_per_append);
    std::lock_guard lock(queue_mu_);
    ++async_pending_;
    if (!committer_.joinable()) committer_ = std::thread([this] { commit_loop(); });
    if (!shape.is_ok()) {
      w->result = std::move(shape);
      answered_.push_back(w.release());
      committer_cv_.notify_one();
      return;
    }
    writers_.push_back(w.release());
    if (!leader_active_) committer_cv_.notify_one();
  }

  void wait_for_async_appends() override {
    std::unique_lock lock(queue_mu_);
    async_idle_.wait(lock, [&] { return async_pending_ == 0; });
  }

  // Waits until `w` is committed by a leader, or leads a group itself whenever no one else
  // does (whether or not `w` is at the front: a waiting appender never waits for the commit
  // thread, which may be busy running callbacks).
  Result<AppendResult> wait_for(Writer& w) {
    std::unique_lock lock(queue_mu_);
    while (true) {
      while (!w.done && leader_active_) w.cv.wait(lock);
      if (w.done) return std::move(*w.result);
      lead(lock);
    }
  }

  // Commits the group at the front of the queue; called with the queue lock held and no leader
  // active, returns with it held. Waiting members are woken, async members handed to the
  // commit thread, and the next leader is woken.
  void lead(std::unique_lock<std::mutex>& lock) {
    leader_active_ = true;
    std::vector<Writer*> group;
    size_t events = 0;
    for (Writer* other : writers_) {
      if (!group.empty() && events + other->request.events.size() > options_.max_events_per_append) break;
      group.push_back(other);
      events += other->request.events.size();
    }
    lock.unlock();
    try {
      commit_group(group);
    } catch (const std::exception& e) {
      // A bug or an exhausted environment (no memory, no randomness), before or after the
      // write: never guess whether it landed. Every member is answered, none is left waiting.
      poison(fmt::format("an append failed unexpectedly: {}", e.what()));
      for (Writer* w : group) w->result = refusing_status();
    }
    lock.lock();
    writers_.erase(writers_.begin(), writers_.begin() + static_cast<std::ptrdiff_t>(group.size()));
    leader_active_ = false;
    bool answered = false;
    for (Writer* other : group) {
      if (other->callback) {
        answered_.push_back(other);
        answered = true;
      } else {
        other->done = true;
        other->cv.notify_one();
      }
    }
    if (writers_.empty()) {
      if (answered || stopping_) committer_cv_.notify_one();
      return;
    }
    // The next leader: the first waiting appender, else the commit thread.
    auto waiting = std::find_if(writers_.begin(), writers_.end(), [](Writer* x) { return !x->callback; });
    if (waiting != writers_.end()) {
      (*waiting)->cv.notify_one();
      if (answered) committer_cv_.notify_one();
    } else {
      committer_cv_.notify_one();
    }
  }

  // The commit thread: answers async appends (first, so that their responses leave before the
  // next sync) and leads groups when no waiting appender does. Runs until the log is destroyed
  // and nothing is left to commit or answer.
  void commit_loop() {
    std::unique_lock lock(queue_mu_);
    while (true) {
      committer_cv_.wait(lock, [&] {
        return !answered_.empty() || (!leader_active_ && !writers_.empty()) ||
               (stopping_ && writers_.empty());
      });
      if (!answered_.empty()) {
        std::deque<Writer*> batch;
        batch.swap(answered_);
        lock.unlock();
        for (Writer* w : batch) {
          std::unique_ptr<Writer> owned(w);
          // A callback must not throw; one that does loses only its own answer, and says so.
          try {
            owned->callback(std::move(*owned->result));
          } catch (const std::exception& e) {
            report_problem(fmt::format("an append callback threw; its answer is lost: {}", e.what()));
          } catch (...) {
            report_problem("an append callback threw something other than a std::exception; its answer is lost");
          }
        }
        lock.lock();
        async_pending_ -= batch.size();
        if (async_pending_ == 0) async_idle_.notify_all();
        continue;
      }
      if (!leader_active_ && !writers_.empty()) {
        lead(lock);
        continue;
      }
      if (stopping_ && writers_.empty()) return;
    }
  }

  uint64_t last_seq() const override { return committed_seq_.load(std::memory_order_acquire); }

  // --- reads ----------------------------------------------------------------------------------

  Status scan(uint64_t from_seq, uint64_t to_seq,
              const std::function<Status(uint64_t, std::string_view)>& visit) const override {
    const uint64_t last = std::min(to_seq, last_seq());
    if (from_seq == 0) from_seq = 1;
    if (from_seq > last) return Status::ok();
    RangeIterator it(*db_, keys::event(from_seq), keys::event(last + 1));
    uint64_t expected = from_seq;
    for (; it->Valid(); it->Next()) {
      const std::string_view key = view(it->key());
      // The length first: a key of another length in the event range (a damaged or tampered
      // database) has no seq to read.
      if (key.size() != 9) {
        return corruption(fmt::format("a damaged key of {} bytes lies among the events where seq {} should "
                                      "be; run verify",
                                      key.size(), expected));
      }
      const uint64_t seq = keys::get_be64(key.substr(1));
      if (seq != expected) {
        return corruption(fmt::format("event seq {} is missing from the log; run verify", expected));
      }
      GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(seq, view(it->value())));
      GAPLOG_RETURN_IF_ERROR(visit(seq, e.bytes));
      ++expected;
    }
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the log"));
    if (expected != last + 1) {
      return corruption(fmt::format("event seq {} is missing from the log; run verify", expected));
    }
    return Status::ok();
  }

  Result<std::vector<Event>> read_range(uint64_t from_seq, size_t max_count) const override {
    std::vector<Event> out;
    if (max_count == 0) return out;
    if (from_seq == 0) from_seq = 1;
    const uint64_t to = from_seq + std::min<uint64_t>(max_count, UINT64_MAX - from_seq) - 1;
    GAPLOG_RETURN_IF_ERROR(scan(from_seq, to, [&](uint64_t seq, std::string_view bytes) -> Status {
      GAPLOG_ASSIGN_OR_RETURN(Event e, decode_stored(seq, bytes));
      out.push_back(std::move(e));
      return Status::ok();
    }));
    return out;
  }

  Result<Event> read(uint64_t seq) const override {
    if (seq == 0 || seq > last_seq()) {
      return not_found(fmt::format("there is no event with seq {}; the log holds seqs 1 to {}", seq,
                                   last_seq()));
    }
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), keys::event(seq), &value);
    if (s.IsNotFound()) return corruption(fmt::format("event seq {} is missing from the log; run verify", seq));
    GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log"));
    GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(seq, value));
    return decode_stored(seq, e.bytes);
  }

  // The stream's events from the 'S' keys, then those the indexer has not written yet (read
  // first: an entry the indexer writes meanwhile is then found in one place or the other).
  Result<std::vector<Event>> read_stream(std::string_view stream,
                                         uint32_t from_version) const override {
    const uint64_t last = last_seq();
    const StreamEntries recent = unindexed_entries(stream);
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(index_db_->NewIterator(rocksdb::ReadOptions()));
    std::vector<uint64_t> seqs;
    uint32_t next_version = std::max<uint32_t>(from_version, 1);
    for (it->Seek(keys::stream(stream, next_version));
         it->Valid() && it->key().starts_with(prefix); it->Next()) {
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
    std::vector<Event> out;
    out.reserve(seqs.size());
    for (uint64_t seq : seqs) {
      GAPLOG_ASSIGN_OR_RETURN(Event e, read(seq));
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<uint32_t> stream_version(std::string_view stream) const override {
    const uint64_t last = last_seq();
    GAPLOG_ASSIGN_OR_RETURN(auto found, last_in_stream(stream, last));
    return found ? found->first : 0u;
  }

  Result<std::optional<uint64_t>> seq_of_event_id(const Uuid& id) const override {
    const uint64_t last = last_seq();
    GAPLOG_ASSIGN_OR_RETURN(auto seq, seq_of_id(id, last));
    if (seq && *seq > last) return std::optional<uint64_t>();
    return seq;
  }

  // Events whose occurred_at equals their recorded_at are found through the per-group 'R'
  // keys (recorded_at never decreases along seq, so each group is a run of seqs at one
  // instant); back-filled events through their 'O' keys. Both lists come out ordered by
  // (time, seq) and are merged.
  Result<std::vector<uint64_t>> seqs_by_occurred_at(Micros from, Micros to) const override {
    const uint64_t last = last_seq();
    std::vector<std::pair<Micros, uint64_t>> on_time;
    {
      RangeIterator it(*db_, keys::recorded(from, 0), keys::recorded(to, 0));
      for (; it->Valid(); it->Next()) {
        const std::string_view key = view(it->key());
        const std::string_view runs = view(it->value());
        if (key.size() != 17 || runs.size() % 16 != 0) {
          return corruption("a recorded_at index entry is damaged; run verify");
        }
        const Micros at = static_cast<Micros>(keys::get_be64(key.substr(1)) ^ (uint64_t{1} << 63));
        for (size_t i = 0; i < runs.size(); i += 16) {
          const uint64_t run_last = std::min(keys::get_be64(runs.substr(i + 8)), last);
          for (uint64_t seq = keys::get_be64(runs.substr(i)); seq <= run_last; ++seq) {
            on_time.emplace_back(at, seq);
          }
        }
      }
      GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the recorded_at index"));
    }
    std::vector<std::pair<Micros, uint64_t>> backfilled;
    {
      RangeIterator it(*db_, keys::occurred(from, 0), keys::occurred(to, 0));
      for (; it->Valid(); it->Next()) {
        const std::string_view key = view(it->key());
        if (key.size() != 17) return corruption("an occurred_at index entry is damaged; run verify");
        const uint64_t seq = keys::get_be64(key.substr(9));
        const Micros at = static_cast<Micros>(keys::get_be64(key.substr(1)) ^ (uint64_t{1} << 63));
        if (seq <= last) backfilled.emplace_back(at, seq);
      }
      GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the occurred_at index"));
    }
    std::vector<std::pair<Micros, uint64_t>> merged(on_time.size() + backfilled.size());
    std::merge(on_time.begin(), on_time.end(), backfilled.begin(), backfilled.end(), merged.begin());
    std::vector<uint64_t> out;
    out.reserve(merged.size());
    for (const auto& [at, seq] : merged) out.push_back(seq);
    return out;
  }

  uint64_t wait_for_seq_after(uint64_t after, std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(commit_mu_);
    commit_cv_.wait_for(lock, timeout, [&] { return last_seq() > after; });
    return last_seq();
  }

  std::unique_ptr<Subscription> subscribe(std::function<void(uint64_t)> on_commit) override {
    std::lock_guard lock(subscribers_mu_);
    const uint64_t token = ++next_subscriber_;
    subscribers_.emplace(token, std::make_shared<const OnCommit>(std::move(on_commit)));
    return std::make_unique<SubscriptionImpl>(this, token);
  }

  // Once this returns the callback is not running and is never called again, unless this is
  // called from the callback itself, which then runs to its end (its copy is kept alive by
  // notify_subscribers).
  void unsubscribe(uint64_t token) {
    std::unique_lock lock(subscribers_mu_);
    subscribers_.erase(token);
    subscribers_cv_.wait(lock, [&] { return calling_ != token || calling_thread_ == std::this_thread::get_id(); });
  }

  // Calls every subscriber with no lock of the log held, so that a callback may end its own
  // subscription (or another's). Called by the leader only, so one call runs at a time. A
  // callback that throws fails the commit (lead() catches it).
  void notify_subscribers(uint64_t last) {
    std::vector<std::pair<uint64_t, std::shared_ptr<const OnCommit>>> current;
    {
      std::lock_guard lock(subscribers_mu_);
      if (subscribers_.empty()) return;
      current.assign(subscribers_.begin(), subscribers_.end());
    }
    auto returned = [&] {
      std::lock_guard lock(subscribers_mu_);
      calling_ = 0;
      subscribers_cv_.notify_all();
    };
    for (const auto& [token, on_commit] : current) {
      {
        std::lock_guard lock(subscribers_mu_);
        if (!subscribers_.count(token)) continue;  // ended by an earlier callback
        calling_ = token;
        calling_thread_ = std::this_thread::get_id();
      }
      try {
        (*on_commit)(last);
      } catch (...) {
        returned();
        throw;
      }
      returned();
    }
  }

  // --- Merkle tree ----------------------------------------------------------------------------

  Status check_size(uint64_t tree_size) const {
    if (tree_size > last_seq()) {
      return invalid_argument(fmt::format("tree size {} is larger than the log ({} events); ask for "
                                          "a size of at most {}", tree_size, last_seq(), last_seq()));
    }
    return Status::ok();
  }

  Result<Hash> root(uint64_t tree_size) const override {
    GAPLOG_RETURN_IF_ERROR(check_size(tree_size));
    return merkle_root(stored_, tree_size);
  }
  Result<std::vector<Hash>> inclusion_proof(uint64_t seq, uint64_t tree_size) const override {
    GAPLOG_RETURN_IF_ERROR(check_size(tree_size));
    if (seq == 0 || seq > tree_size) {
      return invalid_argument(fmt::format("seq {} is not in a tree of size {}; seq must be between 1 "
                                          "and the tree size", seq, tree_size));
    }
    return merkle_inclusion_proof(stored_, seq - 1, tree_size);
  }
  Result<std::vector<Hash>> consistency_proof(uint64_t from_size, uint64_t to_size) const override {
    GAPLOG_RETURN_IF_ERROR(check_size(to_size));
    if (from_size > to_size) {
      return invalid_argument(fmt::format("cannot prove consistency from size {} to the smaller size "
                                          "{}; 'from' must not exceed 'to'", from_size, to_size));
    }
    return merkle_consistency_proof(stored_, from_size, to_size);
  }
  Result<Hash> leaf_hash(uint64_t seq) const override {
    if (seq == 0 || seq > last_seq()) {
      return not_found(fmt::format("there is no event with seq {}", seq));
    }
    return stored_.complete_subtree(0, seq - 1);
  }

  Status store_tree_head(const StoredTreeHead& head) override {
    GAPLOG_RETURN_IF_ERROR(check_size(head.tree_size));
    if (refusing_writes()) return refusing_status();
    std::string value;
    keys::put_be64(value, static_cast<uint64_t>(head.timestamp));
    value.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
    value += head.signature;
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const auto s = db_->Put(wo, keys::tree_head(head.tree_size), value);
    if (!s.ok()) {
      poison(s.ToString());
      return from_rocks(s, "cannot store the tree head");
    }
    return Status::ok();
  }

  Result<std::optional<StoredTreeHead>> latest_tree_head() const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    it->SeekForPrev(keys::tree_head(UINT64_MAX));
    if (!it->Valid() || it->key()[0] != keys::kTreeHead) {
      GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read tree heads"));
      return std::optional<StoredTreeHead>();
    }
    GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead head, parse_tree_head(view(it->key()), view(it->value())));
    return std::optional<StoredTreeHead>(std::move(head));
  }

  Result<std::optional<StoredTreeHead>> tree_head_at(uint64_t tree_size) const override {
    std::string value;
    const auto key = keys::tree_head(tree_size);
    const auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<StoredTreeHead>();
    GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read tree heads"));
    GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead head, parse_tree_head(key, value));
    return std::optional<StoredTreeHead>(std::move(head));
  }

  // --- verify ---------------------------------------------------------------------------------

  Result<VerifyReport> verify() const override {
    const uint64_t size = last_seq();
    VerifyReport report;
    report.tree_size = size;
    auto fail = [&](uint64_t seq, std::string problem) {
      report.ok = false;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
      return report;
    };

    // Stored tree heads, checked when the recomputation reaches their size.
    std::map<uint64_t, StoredTreeHead> heads;
    {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek(std::string(1, keys::kTreeHead)); it->Valid() && it->key()[0] == keys::kTreeHead;
           it->Next()) {
        GAPLOG_ASSIGN_OR_RETURN(StoredTreeHead h, parse_tree_head(view(it->key()), view(it->value())));
        heads.emplace(h.tree_size, h);
      }
      GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read tree heads"));
    }
    if (!heads.empty() && heads.rbegin()->first > size) {
      return fail(size + 1, fmt::format("a signed tree head of size {} was issued but the log now "
                                        "holds only {} events: events were removed",
                                        heads.rbegin()->first, size));
    }

    // Stored subtrees below the first stored level are sparse (right edges at the end of append
    // groups): one iterator per level walks them alongside the recomputation.
    std::array<std::unique_ptr<rocksdb::Iterator>, keys::kFirstStoredNodeLevel> low_nodes;
    for (unsigned level = 0; level < keys::kFirstStoredNodeLevel; ++level) {
      low_nodes[level].reset(db_->NewIterator(rocksdb::ReadOptions()));
      low_nodes[level]->Seek(keys::node(level, 0));
    }
    // The stored hash of a complete subtree, if it was stored.
    auto stored_node = [&](const SubtreeNode& node) -> Result<std::optional<Hash>> {
      if (node.level >= keys::kFirstStoredNodeLevel) {
        GAPLOG_ASSIGN_OR_RETURN(Hash h, stored_.complete_subtree(node.level, node.index));
        return std::optional<Hash>(h);
      }
      rocksdb::Iterator& it = *low_nodes[node.level];
      const std::string key = keys::node(node.level, node.index);
      while (it.Valid() && it.key().compare(key) < 0) it.Next();
      GAPLOG_RETURN_IF_ERROR(from_rocks(it.status(), "cannot read Merkle nodes"));
      if (!it.Valid() || it.key() != key) return std::optional<Hash>();
      if (it.value().size() != 32) return corruption("damaged");
      return std::optional<Hash>(hash_from(view(it.value())));
    };

    MerkleFrontier recomputed;
    uint64_t expected = 1;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(std::string(1, keys::kEvent)); it->Valid() && it->key()[0] == keys::kEvent;
         it->Next()) {
      const std::string_view key = view(it->key());
      const uint64_t seq = key.size() == 9 ? keys::get_be64(key.substr(1)) : 0;
      if (seq != expected) {
        if (seq > size || seq == 0) {
          return fail(expected <= size ? expected : size + 1,
                      expected <= size ? fmt::format("event seq {} is missing", expected)
                                       : fmt::format("an event was inserted after the last "
                                                     "committed seq {}", size));
        }
        return fail(expected, fmt::format("event seq {} is missing", expected));
      }
      auto stored = split_event_value(seq, view(it->value()));
      if (!stored) return fail(seq, "the stored value is too short to hold an event and its leaf hash");
      const std::string_view bytes = stored->bytes;
      auto decoded = decode_envelope(bytes);
      if (!decoded) return fail(seq, "stored bytes do not decode: " + decoded.status().message());
      if (decoded->seq != seq) {
        return fail(seq, fmt::format("the event stored at seq {} says it is seq {}: events were "
                                     "moved or reordered", seq, decoded->seq));
      }
      const Hash leaf = merkle_leaf_hash(bytes);
      std::optional<SubtreeNode> mismatch;
      if (leaf != stored->leaf) mismatch = SubtreeNode{0, seq - 1, leaf};
      recomputed.append(leaf, [&](const SubtreeNode& node) {
        if (mismatch) return;
        auto stored_hash = stored_node(node);
        if (!stored_hash || (*stored_hash && **stored_hash != node.hash)) mismatch = node;
      });
      if (mismatch) {
        return fail(seq, mismatch->level == 0
                             ? "the event's bytes do not match its leaf hash: it was changed"
                             : fmt::format("Merkle node (level {}, index {}) does not match the "
                                           "events below it", mismatch->level, mismatch->index));
      }
      if (auto h = heads.find(seq); h != heads.end()) {
        if (recomputed.root() != h->second.root) {
          return fail(seq, fmt::format("the signed tree head of size {} does not match the events",
                                       seq));
        }
      }
      ++expected;
    }
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the log"));
    if (expected != size + 1) return fail(expected, fmt::format("event seq {} is missing", expected));
    report.root = recomputed.root();
    return report;
  }

  bool refusing_writes() const override { return poisoned_.load(); }

 private:
  struct Writer {
    AppendRequest request;
    std::optional<Result<AppendResult>> result;
    bool done = false;            // waiting appenders: result is set
    std::condition_variable cv;   // waiting appenders: woken when done or asked to lead
    AppendCallback callback;      // async appends: owned by the queue, answered by the committer
  };

  class Ticket final : public QueuedAppend {
   public:
    explicit Ticket(EventLogImpl& log) : log_(log) {}
    ~Ticket() override {
      if (queued) log_.wait_for(writer).status().ignore();
    }
    Result<AppendResult> wait() override {
      if (!queued) return std::move(*writer.result);
      queued = false;
      return log_.wait_for(writer);
    }
    Writer writer;
    bool queued = true;

   private:
    EventLogImpl& log_;
  };

  // The key-value writes of a group. They enter the WriteBatch sorted by key: RocksDB's
  // memtable skip list then continues each insert from where the previous one stopped, where
  // interleaved event, index and Merkle keys made skip-list search the top cost of an append.
  struct GroupWrites {
    std::vector<std::pair<std::string, std::string>> kvs;
    std::vector<uint64_t> backfilled;  // seqs whose occurred_at differs from recorded_at
    // The group's events for the stream index, in seq order: handed to the indexer once the
    // group is committed instead of written in its batch.
    std::vector<std::pair<std::string, StreamEntry>> stream_entries;
    bool indexes_ids = false;  // writes 'I' keys
    void put(std::string key, std::string value) { kvs.emplace_back(std::move(key), std::move(value)); }
    void append(GroupWrites&& other) {
      kvs.insert(kvs.end(), std::make_move_iterator(other.kvs.begin()),
                 std::make_move_iterator(other.kvs.end()));
      backfilled.insert(backfilled.end(), other.backfilled.begin(), other.backfilled.end());
      stream_entries.insert(stream_entries.end(), std::make_move_iterator(other.stream_entries.begin()),
                            std::make_move_iterator(other.stream_entries.end()));
      indexes_ids = indexes_ids || other.indexes_ids;
    }
  };

  // A stream's head as committed, as staged by the group being committed, and as staged by
  // the request being checked; the serials say whether the staged ones are current (leader
  // only). One entry per stream, so staging an event costs one hash lookup.
  struct HeadEntry {
    StreamHead committed;
    StreamHead group;
    StreamHead request;
    uint64_t group_serial = 0;
    uint64_t request_serial = 0;
  };

  // What a group has staged but not yet committed, layered over the committed state.
  struct Staging {
    uint64_t last_seq;
    std::vector<HeadEntry*> heads;  // the streams whose `group` head is current
    std::set<Uuid> ids;
    MerkleFrontier frontier;
    uint64_t last_batch = 0;  // the batch_id of the last batch staged (0: none, or unnamed)
  };

  Result<Event> decode_stored(uint64_t seq, std::string_view bytes) const {
    auto e = decode_stored_event(bytes);
    if (!e) {
      return corruption(fmt::format("event seq {} does not decode ({}); run verify", seq,
                                    e.status().message()));
    }
    if (e->seq != seq) {
      return corruption(fmt::format("the event stored at seq {} says it is seq {}; run verify", seq,
                                    e->seq));
    }
    return e;
  }

  static Result<StoredTreeHead> parse_tree_head(std::string_view key, std::string_view value) {
    if (key.size() != 9 || value.size() < 40) return corruption("a stored tree head is damaged");
    StoredTreeHead h;
    h.tree_size = keys::get_be64(key.substr(1));
    h.timestamp = static_cast<Micros>(keys::get_be64(value));
    h.root = hash_from(value.substr(8, 32));
    h.signature = std::string(value.substr(40));
    return h;
  }

  // A stream index entry is the stream's prefix, a 4-byte version, and an 8-byte seq as value;
  // anything else (a tampered index database) is corruption, never read past its end.
  static Status check_stream_entry(std::string_view key, std::string_view value, size_t prefix_size) {
    if (key.size() != prefix_size + 4 || value.size() != 8) {
      return corruption("a stream index entry is damaged; reopen the log to rebuild the index, and run verify");
    }
    return Status::ok();
  }

  // (version, seq) of the last event of `stream` with seq ≤ bound.
  Result<std::optional<std::pair<uint32_t, uint64_t>>> last_in_stream(std::string_view stream,
                                                                     uint64_t bound) const {
    const StreamEntries recent = unindexed_entries(stream);  // newer than any 'S' key
    for (auto entry = recent.rbegin(); entry != recent.rend(); ++entry) {
      if (entry->seq <= bound) return std::optional(std::pair(entry->version, entry->seq));
    }
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(index_db_->NewIterator(rocksdb::ReadOptions()));
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

  // The head entry of a stream, read from the log the first time (leader only: the cache is
  // the leader's). Entries are never removed, so the pointer stays valid.
  Result<HeadEntry*> head_entry(const std::string& stream) {
    if (auto it = heads_.find(stream); it != heads_.end()) return &it->second;
    HeadEntry entry;
    GAPLOG_ASSIGN_OR_RETURN(auto last, last_in_stream(stream, last_seq_));
    if (last) {
      GAPLOG_ASSIGN_OR_RETURN(Event e, read(last->second));
      entry.committed = {last->first, e.occurred_at};
    }
    return &heads_.emplace(stream, entry).first->second;
  }
  StreamHead group_head(const HeadEntry& h) const {
    return h.group_serial == group_serial_ ? h.group : h.committed;
  }
  StreamHead request_head(const HeadEntry& h) const {
    return h.request_serial == request_serial_ ? h.request : group_head(h);
  }

  // Whether the 'I' index holds an id whose first 6 bytes (a version 7 id's millisecond) are
  // those of `id`. Looked up once per millisecond (leader only); a group that writes 'I' keys
  // forgets the answer once written (its own ids are in Staging::ids meanwhile).
  Result<bool> indexed_ids_share_ms_of(const Uuid& id) {
    IdMillisecond ms;
    std::copy_n(id.bytes.begin(), ms.size(), ms.begin());
    if (checked_ms_ == ms) return id_prefix_indexed_;  // no string built per generated id
    std::string lower = keys::id(id);
    lower.resize(1 + ms.size());
    std::string upper = lower;
    for (size_t i = upper.size(); i-- > 1;) {  // the next 6-byte prefix
      if (++reinterpret_cast<unsigned char&>(upper[i]) != 0) break;
    }
    RangeIterator it(*db_, lower, upper);
    GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the id index"));
    checked_ms_ = ms;
    id_prefix_indexed_ = it->Valid();
    return id_prefix_indexed_;
  }

  // The seq of the event with this id among seqs ≤ bound: an id the log generated names its
  // seq (checked against the event stored there); any other id is looked up in the 'I' index.
  Result<std::optional<uint64_t>> seq_of_id(const Uuid& id, uint64_t bound) const {
    if (auto named = seq_named_by_id(id); named && *named >= 1 && *named <= bound) {
      std::string value;
      const auto s = db_->Get(rocksdb::ReadOptions(), keys::event(*named), &value);
      if (!s.IsNotFound()) {
        GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log"));
        GAPLOG_ASSIGN_OR_RETURN(StoredEvent stored, split_event_value(*named, value));
        auto e = decode_envelope(stored.bytes);
        if (!e) return corruption(fmt::format("event seq {} does not decode; run verify", *named));
        if (e->id == id) return named;
      }
    }
    return indexed_seq_of_id(id);
  }

  Result<std::optional<uint64_t>> indexed_seq_of_id(const Uuid& id) const {
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), keys::id(id), &value);
    if (s.IsNotFound()) return std::optional<uint64_t>();
    GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the id index"));
    if (value.size() != 8) return corruption("an id index entry is damaged; run verify");
    return std::optional<uint64_t>(keys::get_be64(value));
  }

  // An id for the event at `seq` of a group being staged: one naming its seq, unless the
  // caller's ids already hold that value (in the log or in this group; possible only by
  // deliberate guessing of 26 random bits), in which case a plain version 7 id that is then
  // indexed. Never an id already in the log.
  Result<std::pair<Uuid, bool>> generate_id(Micros now, uint64_t seq, const Staging& staging,
                                            const Staging& local) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      const bool naming = seq <= kMaxSeqInGeneratedId && attempt < 32;
      const Uuid id = naming ? id_generator_.next_naming(now, seq) : id_generator_.next(now);
      if (staging.ids.contains(id) || local.ids.contains(id)) continue;
      // An id generated now starts with this millisecond: when no caller's id in the index
      // does, it cannot be taken, and the per-id lookup is skipped.
      GAPLOG_ASSIGN_OR_RETURN(bool shared, indexed_ids_share_ms_of(id));
      if (!shared) return std::pair(id, !naming);
      GAPLOG_ASSIGN_OR_RETURN(auto taken, seq_of_id(id, last_seq_));
      if (!taken) return std::pair(id, !naming);
    }
    throw std::runtime_error("cannot generate a fresh event id: the random source repeats itself");
  }

  // Checks one request against the staged state and adds its writes to `writes`. On error
  // nothing of the request is left in `staging` or `writes`.
  Result<AppendResult> stage(AppendRequest& req, Staging& staging, GroupWrites& writes, Micros now) {
    // Idempotency first: a retry must not be refused because its first attempt moved versions.
    size_t known = 0;
    std::vector<uint64_t> known_seqs;
    for (NewEvent& e : req.events) {
      if (e.id.is_nil()) continue;  // generated below, once its seq is known
      if (staging.ids.contains(e.id)) {
        return version_conflict(fmt::format("event id {} is being committed by a concurrent "
                                            "append; retry to get its result", to_string(e.id)));
      }
      GAPLOG_ASSIGN_OR_RETURN(auto seq, seq_of_id(e.id, last_seq_));
      if (seq) {
        ++known;
        known_seqs.push_back(*seq);
      }
    }
    if (known > 0) {
      if (known != req.events.size()) {
        return invalid_argument("some event ids of this append are already in the log and others "
                                "are not; a retry must resend exactly the original events");
      }
      AppendResult replay;
      replay.replayed = true;
      for (uint64_t seq : known_seqs) {
        GAPLOG_ASSIGN_OR_RETURN(Event e, read(seq));
        replay.events.push_back(std::move(e));
      }
      return replay;
    }

    if (req.expected_last_seq && *req.expected_last_seq != staging.last_seq) {
      return version_conflict(fmt::format("the log is at seq {}, not {}: it changed since this "
                                          "batch was decided; decide it again",
                                          staging.last_seq, *req.expected_last_seq));
    }
    if (req.follows_batch && *req.follows_batch != staging.last_batch) {
      return version_conflict("the batch this one was decided after did not commit just before it; "
                              "decide it again");
    }
    ++request_serial_;  // the request heads of earlier requests are no longer current
    for (const auto& [stream, expected] : req.expected_versions) {
      GAPLOG_ASSIGN_OR_RETURN(HeadEntry * entry, head_entry(stream));
      const StreamHead head = group_head(*entry);
      if (head.version != expected) {
        return version_conflict(fmt::format("{} is at version {}, not {}: it changed since you read "
                                            "it; read it again and retry", stream, head.version,
                                            expected));
      }
    }

    Staging local{staging.last_seq, {}, {}, staging.frontier, staging.last_batch};
    GroupWrites local_writes;
    AppendResult result;
    result.events.reserve(req.events.size());
    for (NewEvent& ne : req.events) {
      GAPLOG_ASSIGN_OR_RETURN(HeadEntry * entry, head_entry(ne.stream));
      const StreamHead head = request_head(*entry);
      const Micros occurred = ne.occurred_at.value_or(now);
      if (occurred > now) {
        return rule_violation(fmt::format("occurred_at {} is later than the time of recording {}; "
                                          "an event cannot have happened in the future",
                                          format_timestamp(occurred), format_timestamp(now)));
      }
      if (head.version > 0 && occurred < head.last_occurred_at) {
        return rule_violation(fmt::format(
            "occurred_at {} is earlier than the previous event of {} ({}); back-fill a stream in "
            "the order its events happened", format_timestamp(occurred), ne.stream,
            format_timestamp(head.last_occurred_at)));
      }
      if (head.version == UINT32_MAX) return rule_violation(fmt::format("{} is full", ne.stream));
      const uint64_t seq = ++local.last_seq;
      bool index_id = !ne.id.is_nil();
      if (!index_id) {
        GAPLOG_ASSIGN_OR_RETURN(auto generated, generate_id(now, seq, staging, local));
        std::tie(ne.id, index_id) = generated;
      }
      Event e{seq, ne.stream, head.version + 1, ne.id, now, occurred, ne.actor,
              std::move(ne.payload)};
      if (entry->request_serial != request_serial_) {
        entry->request_serial = request_serial_;
        local.heads.push_back(entry);
      }
      entry->request = StreamHead{e.version, occurred};
      local.ids.insert(e.id);
      std::string bytes = encode_event(e);
      assert(local.frontier.size() == e.seq - 1);
      const Hash leaf = merkle_leaf_hash(bytes);
      local.frontier.append(leaf, [&](const SubtreeNode& node) {
        if (node.level < keys::kFirstStoredNodeLevel) return;
        local_writes.put(keys::node(node.level, node.index), std::string(hash_bytes(node.hash)));
      });
      local_writes.put(keys::event(e.seq), event_value(std::move(bytes), leaf));
      local_writes.stream_entries.emplace_back(e.stream, StreamEntry{e.version, e.seq});
      if (index_id) {
        local_writes.put(keys::id(e.id), keys::seq_value(e.seq));
        local_writes.indexes_ids = true;
      }
      if (e.occurred_at != e.recorded_at) {
        local_writes.put(keys::occurred(e.occurred_at, e.seq), std::string());
        local_writes.backfilled.push_back(e.seq);
      }
      result.events.push_back(std::move(e));
    }
    writes.append(std::move(local_writes));
    staging.last_seq = local.last_seq;
    staging.last_batch = req.batch_id;
    staging.frontier = local.frontier;
    for (HeadEntry* entry : local.heads) {
      if (entry->group_serial != group_serial_) {
        entry->group_serial = group_serial_;
        staging.heads.push_back(entry);
      }
      entry->group = entry->request;
    }
    staging.ids.insert(local.ids.begin(), local.ids.end());
    return result;
  }

  void commit_group(const std::vector<Writer*>& group) {
    if (refusing_writes()) {
      for (Writer* w : group) w->result = refusing_status();
      return;
    }
    const Micros now = std::max(options_.clock->now(), last_recorded_at_);
    ++group_serial_;  // the group heads of earlier groups are no longer current
    Staging staging{last_seq_, {}, {}, frontier_, last_batch_};
    GroupWrites writes;
    bool any_new = false;
    for (Writer* w : group) {
      auto r = stage(w->request, staging, writes, now);
      if (r && !r->replayed) any_new = true;
      w->result = std::move(r);
    }
    if (!any_new) return;

    // The seq runs of the group's events that were not back-filled, for seqs_by_occurred_at.
    std::string runs;
    uint64_t run_start = last_seq_ + 1;
    for (uint64_t seq : writes.backfilled) {  // ascending
      if (seq > run_start) {
        keys::put_be64(runs, run_start);
        keys::put_be64(runs, seq - 1);
      }
      run_start = seq + 1;
    }
    if (run_start <= staging.last_seq) {
      keys::put_be64(runs, run_start);
      keys::put_be64(runs, staging.last_seq);
    }
    if (!runs.empty()) writes.put(keys::recorded(now, last_seq_ + 1), std::move(runs));
    // The right edge's subtrees below the first stored level, so that verify has a stored hash
    // over every leaf, including those not yet under a complete stored subtree.
    for (unsigned level = 0; level < keys::kFirstStoredNodeLevel; ++level) {
      if ((staging.last_seq >> level & 1) == 0) continue;
      const uint64_t index = (staging.last_seq >> level) - 1;
      if ((last_seq_ >> level & 1) == 1 && (last_seq_ >> level) - 1 == index) continue;  // stored
      writes.put(keys::node(level, index),
                 std::string(hash_bytes(*staging.frontier.complete_subtree(level, index))));
    }

    std::string head;
    keys::put_be64(head, staging.last_seq);
    keys::put_be64(head, static_cast<uint64_t>(now));
    rocksdb::WriteBatch batch = sorted_batch(writes.kvs, head.size() + 16);
    batch.Put(keys::head(), head);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const auto s = db_->Write(wo, &batch);
    // The group's own ids were checked in memory; later groups must see them in 'I'.
    if (writes.indexes_ids) checked_ms_.reset();
    if (!s.ok()) {
      // Never guess after a failed write or sync: refuse everything until reopened.
      poison(s.ToString());
      for (Writer* w : group) {
        if (w->result->is_ok() && !w->result->value().replayed) w->result = refusing_status();
      }
      return;
    }
    for (HeadEntry* entry : staging.heads) entry->committed = entry->group;
    frontier_ = staging.frontier;
    last_seq_ = staging.last_seq;
    last_batch_ = staging.last_batch;
    last_recorded_at_ = now;
    // Before the seqs are published: a reader that sees them finds their stream entries.
    hand_to_indexer(std::move(writes.stream_entries), last_seq_);
    {
      std::lock_guard lock(commit_mu_);
      committed_seq_.store(last_seq_, std::memory_order_release);
    }
    commit_cv_.notify_all();
    notify_subscribers(last_seq_);
  }

  // --- the stream index, written behind the log -----------------------------------------------
  //
  // A group's 'S' keys are not in its synced batch: the leader hands them to the indexer
  // thread, which writes them (with 'X', the seq they reach) in batches of its own, unsynced:
  // the next append's sync makes them durable, and an open after a crash re-indexes whatever
  // came after 'X' from the events themselves. Until an entry is written, readers find it in
  // memory. This keeps one random-order key per event out of the append's critical path
  // (docs/storage.md, docs/performance.md).

  // Called by the leader after a group's batch is durable and before its seqs are published.
  void hand_to_indexer(std::vector<std::pair<std::string, StreamEntry>> entries, uint64_t through) {
    std::unique_lock lock(index_mu_);
    const bool was_empty = unindexed_.empty();
    for (auto& [stream, entry] : entries) unindexed_[std::move(stream)].push_back(entry);
    unindexed_count_ += entries.size();
    unindexed_through_ = through;
    if (!indexer_.joinable()) indexer_ = std::thread([this] { index_loop(); });
    if (was_empty || unindexed_count_ - indexing_count_ >= kIndexWakeEvents) index_cv_.notify_one();
    indexed_cv_.wait(lock, [&] { return unindexed_count_ <= options_.max_unindexed_events || index_failed_; });
  }

  // The entries of `stream` that may not be in the 'S' keys yet, in version order.
  StreamEntries unindexed_entries(std::string_view stream) const {
    const std::string key(stream);
    std::lock_guard lock(index_mu_);
    StreamEntries out;
    for (const auto* map : {&indexing_, &unindexed_}) {  // indexing_ holds the older ones
      if (auto it = map->find(key); it != map->end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    return out;
  }

  void index_loop() {
    std::unique_lock lock(index_mu_);
    while (true) {
      index_cv_.wait(lock, [&] { return !unindexed_.empty() || index_stopping_; });
      if (unindexed_.empty()) return;  // stopping, and everything is written
      index_cv_.wait_for(lock, kIndexInterval, [&] {
        return unindexed_count_ >= kIndexWakeEvents || index_stopping_;
      });
      indexing_.swap(unindexed_);
      indexing_count_ = unindexed_count_;
      const uint64_t through = unindexed_through_;
      lock.unlock();
      // indexing_ changes only on this thread; readers only look it up, under the lock.
      std::vector<std::pair<std::string, std::string>> kvs;
      for (const auto& [stream, entries] : indexing_) {
        for (const StreamEntry& entry : entries) {
          kvs.emplace_back(keys::stream(stream, entry.version), keys::seq_value(entry.seq));
        }
      }
      if (options_.before_stream_index_write) options_.before_stream_index_write();
      const size_t written = kvs.size();
      Status s = write_stream_index(std::move(kvs), through);
      lock.lock();
      if (!s.is_ok()) {
        // Readers keep finding the entries in memory; appends are refused until a reopen,
        // which re-indexes from the events.
        poison(s.message());
        index_failed_ = true;
        indexed_cv_.notify_all();
        return;
      }
      indexing_.clear();
      unindexed_count_ -= written;
      indexing_count_ = 0;
      indexed_cv_.notify_all();
    }
  }

  // 'S' keys and the new 'X', in one unsynced batch.
  Status write_stream_index(std::vector<std::pair<std::string, std::string>> kvs, uint64_t through) {
    rocksdb::WriteBatch batch = sorted_batch(kvs, 32);
    batch.Put(keys::indexed_through(), keys::seq_value(through));
    return from_rocks(index_db_->Write(rocksdb::WriteOptions(), &batch), "cannot write the stream index");
  }

  // On open: the 'S' keys of the events after 'X' (all of them for a new or upgraded log, or
  // a lost index), whose indexing a crash cut short. An index that claims more events than the
  // log holds (a log restored from an older backup without its index) is rebuilt.
  Status catch_up_stream_index() {
    std::string value;
    const auto s = index_db_->Get(rocksdb::ReadOptions(), keys::indexed_through(), &value);
    if (!s.IsNotFound()) GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the stream index"));
    uint64_t through = s.IsNotFound() || value.size() != 8 ? 0 : keys::get_be64(value);
    if (s.ok() && (value.size() != 8 || through > last_seq_)) {
      rocksdb::WriteBatch batch;
      batch.DeleteRange(keys::streams_begin(), keys::streams_end());
      batch.Put(keys::indexed_through(), keys::seq_value(0));
      GAPLOG_RETURN_IF_ERROR(from_rocks(index_db_->Write(rocksdb::WriteOptions(), &batch),
                                        "cannot reset the stream index"));
      through = 0;
    }
    while (through < last_seq_) {
      const uint64_t to = std::min<uint64_t>(last_seq_, through + kIndexBatchEvents);
      std::vector<std::pair<std::string, std::string>> kvs;
      GAPLOG_RETURN_IF_ERROR(scan(through + 1, to, [&](uint64_t seq, std::string_view bytes) -> Status {
        auto e = decode_envelope(bytes);  // the stream and version are all it needs
        if (!e || e->seq != seq) {
          return corruption(fmt::format("event seq {} does not decode as itself; run verify", seq));
        }
        kvs.emplace_back(keys::stream(e->stream, e->version), keys::seq_value(seq));
        return Status::ok();
      }));
      GAPLOG_RETURN_IF_ERROR(write_stream_index(std::move(kvs), to));
      through = to;
    }
    return Status::ok();
  }

  void poison(const std::string& why) {
    std::lock_guard lock(poison_mu_);
    if (!poisoned_.exchange(true)) {
      poison_reason_ = why;
      report_problem(fmt::format("refusing every write until gaplog is restarted: {}", why));
    }
  }

  Status refusing_status() const {
    std::lock_guard lock(poison_mu_);
    return unavailable(fmt::format(
        "the event log stopped accepting writes after a failed write or sync ({}); whether the "
        "last write reached the disk is unknown, so restart gaplog and retry the same request "
        "(it is idempotent)", poison_reason_));
  }

  EventLogOptions options_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<rocksdb::DB> index_db_;  // the stream index: 'S' keys and 'X'
  StoredSubtrees stored_;

  // Writer queue for group commit, and the commit thread (started by the first append_async).
  std::mutex queue_mu_;
  std::deque<Writer*> writers_;
  bool leader_active_ = false;    // a group is being committed
  std::deque<Writer*> answered_;  // async appends whose callbacks are due
  std::condition_variable committer_cv_;
  bool stopping_ = false;
  std::thread committer_;
  size_t async_pending_ = 0;  // append_async calls whose callbacks have not returned
  std::condition_variable async_idle_;

  // Leader-only state (touched by one leader at a time, serialised by the queue).
  TimeOrderedIds id_generator_;
  uint64_t last_seq_ = 0;
  // The batch_id of the last batch committed since the log was opened (0: unnamed).
  uint64_t last_batch_ = 0;
  Micros last_recorded_at_ = INT64_MIN;
  MerkleFrontier frontier_;
  std::unordered_map<std::string, HeadEntry> heads_;
  // The millisecond indexed_ids_share_ms_of last looked up, and its answer.
  using IdMillisecond = std::array<uint8_t, 6>;
  std::optional<IdMillisecond> checked_ms_;
  bool id_prefix_indexed_ = false;
  uint64_t group_serial_ = 0;
  uint64_t request_serial_ = 0;

  std::atomic<uint64_t> committed_seq_{0};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;

  // Subscribers by token. Each callback is shared with notify_subscribers, which calls it
  // without the lock; calling_ names the one being called (0: none), so that unsubscribe can
  // wait for it to return.
  using OnCommit = std::function<void(uint64_t)>;
  std::mutex subscribers_mu_;
  std::condition_variable subscribers_cv_;  // calling_ changed
  uint64_t next_subscriber_ = 0;
  std::map<uint64_t, std::shared_ptr<const OnCommit>> subscribers_;
  uint64_t calling_ = 0;
  std::thread::id calling_thread_;

  std::atomic<bool> poisoned_{false};
  mutable std::mutex poison_mu_;
  std::string poison_reason_;

  // The stream index behind the log: entries committed but not yet written as 'S' keys
  // (unindexed_), and those the indexer is writing now (indexing_).
  mutable std::mutex index_mu_;
  std::condition_variable index_cv_;    // wakes the indexer
  std::condition_variable indexed_cv_;  // wakes a leader waiting for the indexer to catch up
  std::unordered_map<std::string, StreamEntries> unindexed_;
  std::unordered_map<std::string, StreamEntries> indexing_;
  size_t unindexed_count_ = 0;      // entries in both maps
  size_t indexing_count_ = 0;       // entries in indexing_
  uint64_t unindexed_through_ = 0;  // the last seq handed to the indexer
  bool index_stopping_ = false;
  bool index_failed_ = false;
  std::thread indexer_;
};

SubscriptionImpl::~SubscriptionImpl() { log_->unsubscribe(token_); }

}  // namespace

Uuid time_ordered_uuid(Micros now) {
  TimeOrderedIds ids;
  return ids.next(now);
}

Uuid random_uuid() {
  Uuid id;
  if (RAND_bytes(id.bytes.data(), static_cast<int>(id.bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness available");
  }
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

Result<std::unique_ptr<EventLog>> EventLog::open(const EventLogOptions& options) {
  if (options.fs == nullptr || options.clock == nullptr) {
    return internal_error("EventLog::open needs a file system and a clock");
  }
  auto env = rocksdb::NewCompositeEnv(options.fs->rocksdb_file_system());
  // What both databases (the log's and the stream index's) share: the file-system seam, its
  // background threads, and recovery to the last consistent point of the WAL.
  rocksdb::Options common;
  common.env = env.get();
  common.paranoid_checks = true;
  common.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  common.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  common.IncreaseParallelism(2);

  rocksdb::Options ro = common;
  ro.create_if_missing = options.create_if_missing;
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

  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(ro, options.path, &raw);
  if (!s.ok()) {
    const std::string text = s.ToString();
    if (text.find("lock") != std::string::npos || text.find("Resource temporarily") != std::string::npos) {
      return unavailable(fmt::format("the data directory {} is in use by another gaplog process (a "
                                     "running server?); stop it, or talk to it with --server",
                                     options.path));
    }
    if (s.IsInvalidArgument() && text.find("does not exist") != std::string::npos) {
      return not_found(fmt::format("there is no event log at {}; create one with gaplog init",
                                   options.path));
    }
    return from_rocks(s, fmt::format("cannot open the event log at {}", options.path));
  }
  std::unique_ptr<rocksdb::DB> db(raw);

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
                                     "log if you remove it)", stream_index_path(options.path)));
  }
  auto log = std::make_unique<EventLogImpl>(options, std::move(env), std::move(db),
                                            std::unique_ptr<rocksdb::DB>(raw));
  GAPLOG_RETURN_IF_ERROR(log->load());
  return std::unique_ptr<EventLog>(std::move(log));
}

Result<uint64_t> count_recorded_before(const EventLog& log, Micros end) {
  uint64_t lo = 0, hi = log.last_seq();  // the answer is in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    GAPLOG_ASSIGN_OR_RETURN(Event e, log.read(mid));
    if (e.recorded_at < end) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace gaplog
