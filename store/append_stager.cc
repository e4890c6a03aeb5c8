#include "store/append_stager.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <iterator>
#include <stdexcept>
#include <tuple>

#include "domain/event_codec.h"
#include "domain/time.h"
#include "store/keys.h"

namespace gaplog {
namespace {

constexpr size_t kMaxStreamBytes = 256;
constexpr size_t kMaxActorBytes = 320;

}  // namespace

Status check_append_shape(const AppendRequest& req, size_t max_events) {
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
      return invalid_argument(
          fmt::format("a stream name must have 1 to {} bytes", kMaxStreamBytes));
    }
    for (unsigned char c : e.stream) {
      if (c < 0x20 || c == 0x7f)
        return invalid_argument("a stream name must not hold control characters");
    }
    if (e.actor.size() > kMaxActorBytes) {
      return invalid_argument(fmt::format("an actor must have at most {} bytes", kMaxActorBytes));
    }
    if (!e.id.is_nil() && !ids.insert(e.id).second) {
      return invalid_argument(
          fmt::format("event id {} appears twice in one append; give each event "
                      "its own id",
                      to_string(e.id)));
    }
  }
  return Status::ok();
}

// The key-value writes of a group. They enter the WriteBatch sorted by key: RocksDB's memtable
// skip list then continues each insert from where the previous one stopped, where interleaved
// event, index and Merkle keys made skip-list search the top cost of an append.
struct AppendStager::GroupWrites {
  std::vector<std::pair<std::string, std::string>> kvs;
  std::vector<uint64_t> backfilled;  // seqs whose occurred_at differs from recorded_at
  // The group's events for the stream index, in seq order: handed to the indexer once the
  // group is committed instead of written in its batch.
  StreamIndexEntries stream_entries;
  bool indexes_ids = false;  // writes 'I' keys
  void put(std::string key, std::string value) {
    kvs.emplace_back(std::move(key), std::move(value));
  }
  void append(GroupWrites&& other) {
    kvs.insert(kvs.end(), std::make_move_iterator(other.kvs.begin()),
               std::make_move_iterator(other.kvs.end()));
    backfilled.insert(backfilled.end(), other.backfilled.begin(), other.backfilled.end());
    stream_entries.insert(stream_entries.end(),
                          std::make_move_iterator(other.stream_entries.begin()),
                          std::make_move_iterator(other.stream_entries.end()));
    indexes_ids = indexes_ids || other.indexes_ids;
  }
};

AppendStager::AppendStager(rocksdb::DB& log, const LogReader& reader,
                           const StreamIndexer& stream_index, WriteRefusal& refusal, Clock& clock,
                           std::function<void(uint8_t*, size_t)> random_bytes_for_ids,
                           std::function<void(std::chrono::nanoseconds)> on_synced)
    : db_(log),
      reader_(reader),
      stream_index_(stream_index),
      refusal_(refusal),
      clock_(clock),
      on_synced_(std::move(on_synced)),
      id_generator_(std::move(random_bytes_for_ids)) {}

void AppendStager::restore(const LogHead& head, MerkleFrontier frontier) {
  MutexLock lock(leader_mu_);
  last_seq_ = head.last_seq;
  last_recorded_at_ = head.last_recorded_at;
  frontier_ = std::move(frontier);
}

std::optional<AppendStager::Committed> AppendStager::commit(
    const std::vector<CommitQueue::Writer*>& group) {
  MutexLock lock(leader_mu_);
  if (refusal_.refusing()) {
    for (CommitQueue::Writer* w : group) w->result = refusal_.status();
    return std::nullopt;
  }
  const Micros now = std::max(clock_.now(), last_recorded_at_);
  ++group_serial_;  // the group heads of earlier groups are no longer current
  Staging staging{last_seq_, {}, {}, frontier_, last_batch_};
  GroupWrites writes;
  bool any_new = false;
  for (CommitQueue::Writer* w : group) {
    auto r = stage(w->request, staging, writes, now);
    if (r && !r->replayed) any_new = true;
    w->result = std::move(r);
  }
  if (!any_new) return std::nullopt;

  if (const rocksdb::Status s = write(writes, staging, now); !s.ok()) {
    // Never guess after a failed write or sync: refuse everything until reopened.
    refusal_.refuse(s.ToString());
    for (CommitQueue::Writer* w : group) {
      if (w->result->is_ok() && !w->result->value().replayed) w->result = refusal_.status();
    }
    return std::nullopt;
  }
  for (HeadEntry* entry : staging.heads) entry->committed = entry->group;
  frontier_ = staging.frontier;
  last_seq_ = staging.last_seq;
  last_batch_ = staging.last_batch;
  last_recorded_at_ = now;
  return Committed{last_seq_, std::move(writes.stream_entries)};
}

// The group's batch, with its 'R' runs, the right edge's low Merkle nodes and the new head,
// written with one WAL sync.
rocksdb::Status AppendStager::write(GroupWrites& writes, const Staging& staging, Micros now) {
  add_group_keys(staging, writes, now);
  std::string head;
  keys::put_be64(head, staging.last_seq);
  keys::put_be64(head, static_cast<uint64_t>(now));
  rocksdb::WriteBatch batch = sorted_batch(writes.kvs, head.size() + 16);
  batch.Put(keys::head(), head);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto started = std::chrono::steady_clock::now();
  auto s = db_.Write(wo, &batch);
  if (on_synced_) on_synced_(std::chrono::steady_clock::now() - started);
  // The group's own ids were checked in memory; later groups must see them in 'I'.
  if (writes.indexes_ids) checked_ms_.reset();
  return s;
}

void AppendStager::add_group_keys(const Staging& staging, GroupWrites& writes, Micros now) {
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
}

// Checks one request against the staged state and adds its writes to `writes`. On error
// nothing of the request is left in `staging` or `writes`.
Result<AppendResult> AppendStager::stage(AppendRequest& req, Staging& staging, GroupWrites& writes,
                                         Micros now) {
  // Idempotency first: a retry must not be refused because its first attempt moved versions.
  AppendResult replay;
  GAPLOG_RETURN_IF_ERROR(replay_if_known(req, staging, replay));
  if (replay.replayed) return replay;
  GAPLOG_RETURN_IF_ERROR(check_expectations(req, staging));

  Staging local{staging.last_seq, {}, {}, staging.frontier, staging.last_batch};
  GroupWrites local_writes;
  AppendResult result;
  result.events.reserve(req.events.size());
  for (NewEvent& ne : req.events) {
    GAPLOG_ASSIGN_OR_RETURN(Event e, stage_event(ne, staging, local, local_writes, now));
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

// Sets `replay` to the original events (replayed) when every id of the request is in the log;
// an error when some are and others are not, or when one is being committed by this group;
// leaves it alone when none is known.
Status AppendStager::replay_if_known(const AppendRequest& req, const Staging& staging,
                                     AppendResult& replay) {
  size_t known = 0;
  std::vector<uint64_t> known_seqs;
  for (const NewEvent& e : req.events) {
    if (e.id.is_nil()) continue;  // generated later, once its seq is known
    if (staging.ids.contains(e.id)) {
      return version_conflict(
          fmt::format("event id {} is being committed by a concurrent "
                      "append; retry to get its result",
                      to_string(e.id)));
    }
    GAPLOG_ASSIGN_OR_RETURN(auto seq, reader_.seq_of_id(e.id, last_seq_));
    if (seq) {
      ++known;
      known_seqs.push_back(*seq);
    }
  }
  if (known == 0) return Status::ok();
  if (known != req.events.size()) {
    return invalid_argument(
        "some event ids of this append are already in the log and others "
        "are not; a retry must resend exactly the original events");
  }
  for (uint64_t seq : known_seqs) {
    GAPLOG_ASSIGN_OR_RETURN(Event e, reader_.read(seq));
    replay.events.push_back(std::move(e));
  }
  replay.replayed = true;
  return Status::ok();
}

// expected_last_seq, follows_batch and the expected stream versions, against the group's staged
// state.
Status AppendStager::check_expectations(const AppendRequest& req, const Staging& staging) {
  if (req.expected_last_seq && *req.expected_last_seq != staging.last_seq) {
    return version_conflict(
        fmt::format("the log is at seq {}, not {}: it changed since this "
                    "batch was decided; decide it again",
                    staging.last_seq, *req.expected_last_seq));
  }
  if (req.follows_batch && *req.follows_batch != staging.last_batch) {
    return version_conflict(
        "the batch this one was decided after did not commit just before it; "
        "decide it again");
  }
  ++request_serial_;  // the request heads of earlier requests are no longer current
  for (const auto& [stream, expected] : req.expected_versions) {
    GAPLOG_ASSIGN_OR_RETURN(HeadEntry * entry, head_entry(stream));
    const StreamHead head = group_head(*entry);
    if (head.version != expected) {
      return version_conflict(
          fmt::format("{} is at version {}, not {}: it changed since you read "
                      "it; read it again and retry",
                      stream, head.version, expected));
    }
  }
  return Status::ok();
}

// Checks one event of a request against its stream's head (as the request has left it), gives
// it its seq, version and id, and stages its keys in `local_writes`.
Result<Event> AppendStager::stage_event(NewEvent& ne, const Staging& staging, Staging& local,
                                        GroupWrites& local_writes, Micros now) {
  GAPLOG_ASSIGN_OR_RETURN(HeadEntry * entry, head_entry(ne.stream));
  const StreamHead head = request_head(*entry);
  const Micros occurred = ne.occurred_at.value_or(now);
  if (occurred > now) {
    return rule_violation(
        fmt::format("occurred_at {} is later than the time of recording {}; "
                    "an event cannot have happened in the future",
                    format_timestamp(occurred), format_timestamp(now)));
  }
  if (head.version > 0 && occurred < head.last_occurred_at) {
    return rule_violation(fmt::format(
        "occurred_at {} is earlier than the previous event of {} ({}); back-fill a stream in "
        "the order its events happened",
        format_timestamp(occurred), ne.stream, format_timestamp(head.last_occurred_at)));
  }
  if (head.version == UINT32_MAX) return rule_violation(fmt::format("{} is full", ne.stream));
  const uint64_t seq = ++local.last_seq;
  bool index_id = !ne.id.is_nil();
  if (!index_id) {
    GAPLOG_ASSIGN_OR_RETURN(auto generated, generate_id(now, seq, staging, local));
    std::tie(ne.id, index_id) = generated;
  }
  Event e{seq, ne.stream, head.version + 1, ne.id, now, occurred, ne.actor, std::move(ne.payload)};
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
  return e;
}

// The head entry of a stream, read from the log the first time. Entries are never removed, so
// the pointer stays valid.
Result<AppendStager::HeadEntry*> AppendStager::head_entry(const std::string& stream) {
  if (auto it = heads_.find(stream); it != heads_.end()) return &it->second;
  HeadEntry entry;
  GAPLOG_ASSIGN_OR_RETURN(auto last, stream_index_.last_in_stream(stream, last_seq_));
  if (last) {
    GAPLOG_ASSIGN_OR_RETURN(Event e, reader_.read(last->second));
    entry.committed = {last->first, e.occurred_at};
  }
  return &heads_.emplace(stream, entry).first->second;
}

AppendStager::StreamHead AppendStager::group_head(const HeadEntry& h) const {
  return h.group_serial == group_serial_ ? h.group : h.committed;
}

AppendStager::StreamHead AppendStager::request_head(const HeadEntry& h) const {
  return h.request_serial == request_serial_ ? h.request : group_head(h);
}

// Whether the 'I' index holds an id whose first 6 bytes (a version 7 id's millisecond) are
// those of `id`. Looked up once per millisecond; a group that writes 'I' keys forgets the
// answer once written (its own ids are in Staging::ids meanwhile).
Result<bool> AppendStager::indexed_ids_share_ms_of(const Uuid& id) {
  IdMillisecond ms;
  std::copy_n(id.bytes.begin(), ms.size(), ms.begin());
  if (checked_ms_ == ms) return id_prefix_indexed_;  // no string built per generated id
  std::string lower = keys::id(id);
  lower.resize(1 + ms.size());
  std::string upper = lower;
  for (size_t i = upper.size(); i-- > 1;) {  // the next 6-byte prefix
    if (++reinterpret_cast<unsigned char&>(upper[i]) != 0) break;
  }
  RangeIterator it(db_, lower, upper);
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the id index"));
  checked_ms_ = ms;
  id_prefix_indexed_ = it->Valid();
  return id_prefix_indexed_;
}

// An id for the event at `seq` of a group being staged: one naming its seq, unless the caller's
// ids already hold that value (in the log or in this group; possible only by deliberate
// guessing of 26 random bits), in which case a plain version 7 id that is then indexed. Never
// an id already in the log.
Result<std::pair<Uuid, bool>> AppendStager::generate_id(Micros now, uint64_t seq,
                                                        const Staging& staging,
                                                        const Staging& local) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    const bool naming = seq <= kMaxSeqInGeneratedId && attempt < 32;
    const Uuid id = naming ? id_generator_.next_naming(now, seq) : id_generator_.next(now);
    if (staging.ids.contains(id) || local.ids.contains(id)) continue;
    // An id generated now starts with this millisecond: when no caller's id in the index
    // does, it cannot be taken, and the per-id lookup is skipped.
    GAPLOG_ASSIGN_OR_RETURN(bool shared, indexed_ids_share_ms_of(id));
    if (!shared) return std::pair(id, !naming);
    GAPLOG_ASSIGN_OR_RETURN(auto taken, reader_.seq_of_id(id, last_seq_));
    if (!taken) return std::pair(id, !naming);
  }
  throw std::runtime_error("cannot generate a fresh event id: the random source repeats itself");
}

}  // namespace gaplog
