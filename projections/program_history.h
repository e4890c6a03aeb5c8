// The program as of any date (SPEC §5): "as of D" folds every event with occurred_at before the
// end of day D (UTC), and "as known at T" further keeps only events recorded at or before T.
//
// Readiness, timelines and their counts come from a ReadinessIndex (versions of each entity,
// found by binary search), which follows the log as it grows. Workloads, the roadmap and lists
// as of a date read the current state when the date and instant asked for cover every event
// folded (every "as of today": nothing occurs in the future), and otherwise fold the full
// state: events in (occurred_at, seq) order, which gives the same state as seq order (see
// domain/state.h) and turns "as of D" into a prefix of one ordering kept in memory
// (occurred_at, seq, recorded_at per event); folding reads events from the log.
//
// Thread-safe: one shared mutex guards the ordering, the index and the current state. Reads
// take it shared (they run in parallel); catching up with the log takes it exclusively, briefly,
// before the read (docs/performance.md, "Cost that does not grow with the program").
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "domain/readiness.h"
#include "domain/state.h"
#include "projections/readiness_index.h"
#include "store/event_log.h"
#include "store/mutex.h"

namespace gaplog {

struct AsOf {
  Date date;
  std::optional<Micros> known_at;  // as known at this instant (recorded_at ≤ it)
};

struct TimelinePoint {
  Date date;
  ReadinessCount readiness;
  UnresolvedCounts unresolved;  // unresolved by severity; overdue
};

struct Timeline {
  Date from, to;
  int step = 7;
  std::vector<TimelinePoint> points;
  std::optional<Date> projected_ready_on;
  std::optional<Date> ready_since;
  // SPEC §13, as of `to`: the audit target, whether the projection meets it (none without a
  // target) and what stands in the way.
  std::optional<AuditTarget> audit_target;
  std::optional<bool> on_track;
  AuditBlockers blockers;
};

// The most points a timeline has (SPEC §6): a longer one is refused; the API's default range,
// when `from` is not given, starts late enough to fit.
inline constexpr int64_t kMaxTimelinePoints = 5'000;
// The points of a timeline from `from` to `to` every `step` days: every step from `from`, and
// `to` itself when the steps miss it.
int64_t timeline_point_count(Date from, Date to, int step);

class ProgramHistory {
 public:
  // `log` is borrowed and must outlive the history. With a checkpoint path (and `fs`, borrowed
  // too), a checkpoint saved there is loaded instead of replaying the log, when it matches the
  // log: its seq is in the log and the log's Merkle root at that seq is the one it recorded
  // (a restored or different log is caught). A missing, stale or damaged checkpoint is
  // ignored and the history is rebuilt from the log.
  static Result<std::unique_ptr<ProgramHistory>> open(EventLog& log, FileSystem* fs = nullptr,
                                                      std::string checkpoint_path = "");

  // Writes the current indexes and state, with the seq and root they reflect, atomically to
  // the checkpoint path given to open().
  Status save_checkpoint();
  // The seq of the checkpoint loaded at open (0 when the log was replayed from the start).
  uint64_t loaded_checkpoint_seq() const { return loaded_checkpoint_seq_; }

  // The folded state as of (D, T).
  Result<ProgramState> state_at(const AsOf& as_of);
  // Calls fn(state) with the state as of (D, T), without copying it: the current state itself
  // when (D, T) covers every event folded, else a fold. fn runs under the shared lock and must
  // not call back into the history.
  Status with_state_at(const AsOf& as_of, const std::function<void(const ProgramState&)>& fn);
  Result<Readiness> readiness(const AsOf& as_of);
  // The same, with the size of the log it reflects (the `tree_size` of a readiness answer): the
  // events folded, or, as known at T, the events recorded by T.
  struct ReadinessAnswer {
    Readiness readiness;
    uint64_t tree_size = 0;
    uint64_t folded_seq = 0;  // the seq folded when it was computed
  };
  Result<ReadinessAnswer> readiness_answer(const AsOf& as_of);
  Result<std::vector<OwnerWorkload>> workloads(const AsOf& as_of);
  Result<std::vector<RoadmapMonth>> roadmap(const AsOf& as_of);
  Result<HeatMap> heat_map(const AsOf& as_of);
  // Points at from, from + step, ... ≤ to, and `to` itself last. step ≥ 1; from ≤ to.
  Result<Timeline> timeline(Date from, Date to, int step, std::optional<Micros> known_at);

  // The seq folded so far, if an answer as of (D, T) computed when the history had folded
  // `seq` still holds: every event folded since occurred after the end of D, or (as known at T)
  // was recorded after T. nullopt when it may not hold (also when `seq` is too far back: the
  // history remembers its last kChangesKept catch-ups). See api/answer_cache.h.
  std::optional<uint64_t> still_holds(uint64_t seq, Date d, std::optional<Micros> known_at);
  // The seq folded so far, after catching up.
  Result<uint64_t> folded_seq();
  static constexpr size_t kChangesKept = 256;

  // The date of the earliest occurred_at in the log (nullopt when the log is empty).
  Result<std::optional<Date>> first_event_date();
  // The current state (every event folded, in log order) and the seq it reflects: the
  // live projection, kept in the same pass over the log as the indexes.
  Result<std::pair<ProgramState, uint64_t>> current();

  // Approximate bytes held by the in-memory indexes.
  size_t memory_bytes();
  // The last seq folded into the indexes (for metrics: the projection's lag; it catches up on
  // the next call that reads). Never blocks.
  uint64_t applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }

 private:
  struct Entry {
    Micros occurred_at;
    uint64_t seq;
    Micros recorded_at;
    bool operator<(const Entry& o) const {
      return occurred_at != o.occurred_at ? occurred_at < o.occurred_at : seq < o.seq;
    }
  };

  explicit ProgramHistory(EventLog& log) : log_(log) {}
  Status load_checkpoint() GAPLOG_EXCLUDES(mu_);
  // Catches up with the log under the exclusive lock when it is behind; a read then takes the
  // shared lock and answers from what was folded (at least every event committed before).
  Status catch_up() GAPLOG_EXCLUDES(mu_);
  Status catch_up_locked() GAPLOG_REQUIRES(mu_);
  // Whether the state as of (D, T) is the current state: every event folded occurred before
  // the end of D and, as known at T, was recorded by T.
  bool covers_all_locked(const AsOf& as_of) const GAPLOG_REQUIRES_SHARED(mu_);
  // Folds a decoded batch into the index and the current state. Runs on a helper thread of
  // catch_up_locked() while the thread that holds mu_ waits for it (see there).
  void fold_into_current(const std::vector<Event>& events) GAPLOG_REQUIRES(mu_);
  // Folds entries [begin, end) of the ordering into `state`, skipping those recorded after T.
  Status fold(ProgramState& state, size_t begin, size_t end, std::optional<Micros> known_at,
              const std::function<void(const Event&)>& on_event = {}) const
      GAPLOG_REQUIRES_SHARED(mu_);
  // Index of the first entry with occurred_at ≥ end of day d.
  size_t end_of(Date d) const GAPLOG_REQUIRES_SHARED(mu_);

  EventLog& log_;
  FileSystem* fs_ = nullptr;
  std::string checkpoint_path_;
  uint64_t loaded_checkpoint_seq_ = 0;  // set by open(), before the history is shared
  // Guards everything below: each public call catches up with the log (exclusively), then
  // answers under the shared lock.
  mutable SharedMutex mu_;
  std::vector<Entry> order_ GAPLOG_GUARDED_BY(mu_);  // all events, by (occurred_at, seq)
  ReadinessIndex index_ GAPLOG_GUARDED_BY(mu_);
  ProgramState current_ GAPLOG_GUARDED_BY(mu_);
  uint64_t indexed_seq_ GAPLOG_GUARDED_BY(mu_) = 0;
  Micros last_recorded_ GAPLOG_GUARDED_BY(mu_) = 0;  // the latest recorded_at folded
  // What each of the last catch-ups folded: the seqs after the previous one up to last_seq,
  // the earliest occurred_at and recorded_at among them. changes_from_ is the seq before the
  // oldest kept.
  struct Change {
    uint64_t last_seq;
    Micros min_occurred, min_recorded;
  };
  std::deque<Change> changes_ GAPLOG_GUARDED_BY(mu_);
  uint64_t changes_from_ GAPLOG_GUARDED_BY(mu_) = 0;
  // Whether what was true as of (end, T) when `seq` was folded still is (see still_holds).
  bool holds_locked(uint64_t seq, Micros end, std::optional<Micros> known_at) const
      GAPLOG_REQUIRES_SHARED(mu_);

  // The last few states folded as of a past (D, T), kept while they hold: a page after page of
  // a list as of a date folds once. Immutable once kept; readers share them. Lock order: mu_,
  // then past_mu_.
  struct PastState {
    Date date;
    std::optional<Micros> known_at;
    uint64_t seq;
    std::shared_ptr<const ProgramState> state;
  };
  static constexpr size_t kPastStatesKept = 3;
  std::shared_ptr<const ProgramState> kept_state_locked(const AsOf& as_of)
      GAPLOG_REQUIRES_SHARED(mu_);
  mutable Mutex past_mu_;
  std::deque<PastState> past_ GAPLOG_GUARDED_BY(past_mu_);
  std::atomic<uint64_t> applied_seq_{0};  // indexed_seq_, for readers without the lock
  // Set when a catch-up failed half-way (a damaged log): every call fails.
  Status broken_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
