#include "store/log_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/event_codec.h"
#include "store/ids.h"
#include "store/keys.h"
#include "store/log_format.h"

namespace gaplog {

Status LogReader::scan(uint64_t from_seq, uint64_t to_seq,
                       const std::function<Status(uint64_t, std::string_view)>& visit) const {
  const uint64_t last = std::min(to_seq, published_.get());
  if (from_seq == 0) from_seq = 1;
  if (from_seq > last) return Status::ok();
  RangeIterator it(db_, keys::event(from_seq), keys::event(last + 1));
  uint64_t expected = from_seq;
  for (; it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    // The length first: a key of another length in the event range (a damaged or tampered
    // database) has no seq to read.
    if (key.size() != 9) {
      return corruption(
          fmt::format("a damaged key of {} bytes lies among the events where seq {} should "
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

Result<std::vector<Event>> LogReader::read_range(uint64_t from_seq, size_t max_count) const {
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

Result<Event> LogReader::read(uint64_t seq) const {
  if (seq == 0 || seq > published_.get()) {
    return not_found(fmt::format("there is no event with seq {}; the log holds seqs 1 to {}", seq,
                                 published_.get()));
  }
  std::string value;
  const auto s = db_.Get(rocksdb::ReadOptions(), keys::event(seq), &value);
  if (s.IsNotFound())
    return corruption(fmt::format("event seq {} is missing from the log; run verify", seq));
  GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the log"));
  GAPLOG_ASSIGN_OR_RETURN(StoredEvent e, split_event_value(seq, value));
  return decode_stored(seq, e.bytes);
}

Result<std::optional<uint64_t>> LogReader::seq_of_event_id(const Uuid& id) const {
  const uint64_t last = published_.get();
  GAPLOG_ASSIGN_OR_RETURN(auto seq, seq_of_id(id, last));
  if (seq && *seq > last) return std::optional<uint64_t>();
  return seq;
}

Result<std::optional<uint64_t>> LogReader::seq_of_id(const Uuid& id, uint64_t bound) const {
  if (auto named = seq_named_by_id(id); named && *named >= 1 && *named <= bound) {
    std::string value;
    const auto s = db_.Get(rocksdb::ReadOptions(), keys::event(*named), &value);
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

Result<std::optional<uint64_t>> LogReader::indexed_seq_of_id(const Uuid& id) const {
  std::string value;
  const auto s = db_.Get(rocksdb::ReadOptions(), keys::id(id), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  GAPLOG_RETURN_IF_ERROR(from_rocks(s, "cannot read the id index"));
  if (value.size() != 8) return corruption("an id index entry is damaged; run verify");
  return std::optional<uint64_t>(keys::get_be64(value));
}

namespace {

using TimedSeqs = std::vector<std::pair<Micros, uint64_t>>;

Micros time_from_key(std::string_view key) {
  return static_cast<Micros>(keys::get_be64(key.substr(1)) ^ (uint64_t{1} << 63));
}

// The seqs of the 'R' runs of the groups recorded in [from, to), up to `last`.
Result<TimedSeqs> on_time_seqs(rocksdb::DB& db, Micros from, Micros to, uint64_t last) {
  TimedSeqs on_time;
  RangeIterator it(db, keys::recorded(from, 0), keys::recorded(to, 0));
  for (; it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    const std::string_view runs = view(it->value());
    if (key.size() != 17 || runs.size() % 16 != 0) {
      return corruption("a recorded_at index entry is damaged; run verify");
    }
    const Micros at = time_from_key(key);
    for (size_t i = 0; i < runs.size(); i += 16) {
      const uint64_t run_last = std::min(keys::get_be64(runs.substr(i + 8)), last);
      for (uint64_t seq = keys::get_be64(runs.substr(i)); seq <= run_last; ++seq) {
        on_time.emplace_back(at, seq);
      }
    }
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the recorded_at index"));
  return on_time;
}

// The seqs of the 'O' keys of back-filled events that occurred in [from, to), up to `last`.
Result<TimedSeqs> backfilled_seqs(rocksdb::DB& db, Micros from, Micros to, uint64_t last) {
  TimedSeqs backfilled;
  RangeIterator it(db, keys::occurred(from, 0), keys::occurred(to, 0));
  for (; it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    if (key.size() != 17) return corruption("an occurred_at index entry is damaged; run verify");
    const uint64_t seq = keys::get_be64(key.substr(9));
    if (seq <= last) backfilled.emplace_back(time_from_key(key), seq);
  }
  GAPLOG_RETURN_IF_ERROR(from_rocks(it->status(), "cannot read the occurred_at index"));
  return backfilled;
}

}  // namespace

// Events whose occurred_at equals their recorded_at are found through the per-group 'R' keys
// (recorded_at never decreases along seq, so each group is a run of seqs at one instant);
// back-filled events through their 'O' keys. Both lists come out ordered by (time, seq) and
// are merged.
Result<std::vector<uint64_t>> LogReader::seqs_by_occurred_at(Micros from, Micros to) const {
  const uint64_t last = published_.get();
  GAPLOG_ASSIGN_OR_RETURN(TimedSeqs on_time, on_time_seqs(db_, from, to, last));
  GAPLOG_ASSIGN_OR_RETURN(TimedSeqs backfilled, backfilled_seqs(db_, from, to, last));
  TimedSeqs merged(on_time.size() + backfilled.size());
  std::merge(on_time.begin(), on_time.end(), backfilled.begin(), backfilled.end(), merged.begin());
  std::vector<uint64_t> out;
  out.reserve(merged.size());
  for (const auto& [at, seq] : merged) out.push_back(seq);
  return out;
}

}  // namespace gaplog
