// Reads of the event log's own database: events by seq, ids, and the business-time indexes
// ('E', 'I', 'R', 'O' keys), bounded by the published seq, so that a reader never sees an
// event before it is committed.
//
// Ownership: borrows the log's database and the published seq; both outlive it.
// Thread-safety: no state of its own; every method may be called from any thread.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "store/published_seq.h"

namespace gaplog {

class LogReader {
 public:
  LogReader(rocksdb::DB& log, const PublishedSeq& published) : db_(log), published_(published) {}

  // As EventLog::scan, read_range, read, seq_of_event_id and seqs_by_occurred_at.
  Status scan(uint64_t from_seq, uint64_t to_seq,
              const std::function<Status(uint64_t, std::string_view)>& visit) const;
  Result<std::vector<Event>> read_range(uint64_t from_seq, size_t max_count) const;
  Result<Event> read(uint64_t seq) const;
  Result<std::optional<uint64_t>> seq_of_event_id(const Uuid& id) const;
  Result<std::vector<uint64_t>> seqs_by_occurred_at(Micros from, Micros to) const;

  // The seq of the event with this id among seqs ≤ bound (which may be past the published seq:
  // the leader's own bound). An id the log generated names its seq (checked against the event
  // stored there); any other id is looked up in the 'I' index.
  Result<std::optional<uint64_t>> seq_of_id(const Uuid& id, uint64_t bound) const;

 private:
  Result<std::optional<uint64_t>> indexed_seq_of_id(const Uuid& id) const;

  rocksdb::DB& db_;
  const PublishedSeq& published_;
};

}  // namespace gaplog
