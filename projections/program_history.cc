#include "projections/program_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <future>
#include <limits>

#include "domain/event_codec.h"
#include "projections/state_codec.h"

namespace gaplog {
namespace {}  // namespace

namespace {
// v4: users carry their last sign-in, tokens their expiry and issuer (issue 18); v5: reminders
// (issue 19): users' settings, findings' overdue runs, webhooks and sent notifications. A
// checkpoint of an earlier version is discarded and the projections rebuilt from the log.
constexpr std::string_view kCheckpointMagic = "gaplog-projections-v7";
}  // namespace

Result<std::unique_ptr<ProgramHistory>> ProgramHistory::open(EventLog& log, FileSystem* fs,
                                                             std::string checkpoint_path) {
  auto make = [&] {
    std::unique_ptr<ProgramHistory> h(new ProgramHistory(log));
    h->fs_ = fs;
    h->checkpoint_path_ = checkpoint_path;
    return h;
  };
  std::unique_ptr<ProgramHistory> history = make();
  // A checkpoint that cannot be used is only a lost shortcut: rebuild from the log.
  if (fs && !checkpoint_path.empty() && !history->load_checkpoint().is_ok()) history = make();
  WriterLock lock(history->mu_);
  GAPLOG_RETURN_IF_ERROR(history->catch_up_locked());
  return history;
}

Status ProgramHistory::load_checkpoint() {
  GAPLOG_ASSIGN_OR_RETURN(bool exists, fs_->exists(checkpoint_path_));
  if (!exists) return not_found("no checkpoint");
  WriterLock lock(mu_);
  GAPLOG_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(*fs_, checkpoint_path_));
  ByteReader r(bytes);
  std::string magic;
  uint64_t seq = 0;
  std::string root;
  GAPLOG_RETURN_IF_ERROR(r.str(magic));
  if (magic != kCheckpointMagic) return corruption("not a projection checkpoint of this version");
  GAPLOG_RETURN_IF_ERROR(r.pod(seq));
  GAPLOG_RETURN_IF_ERROR(r.str(root));
  if (seq > log_.last_seq()) return corruption("the checkpoint is ahead of the log");
  GAPLOG_ASSIGN_OR_RETURN(Hash log_root, log_.root(seq));
  if (root != hash_bytes(log_root)) return corruption("the checkpoint was taken from another log");
  uint32_t entries = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(entries, 24));
  order_.resize(entries);
  for (Entry& e : order_) {
    GAPLOG_RETURN_IF_ERROR(r.pod(e.occurred_at));
    GAPLOG_RETURN_IF_ERROR(r.pod(e.seq));
    GAPLOG_RETURN_IF_ERROR(r.pod(e.recorded_at));
    last_recorded_ = std::max(last_recorded_, e.recorded_at);
  }
  GAPLOG_RETURN_IF_ERROR(index_.read_from(r));
  GAPLOG_RETURN_IF_ERROR(read_state(r, current_));
  if (!r.done() || order_.size() != seq) return corruption("the checkpoint does not add up");
  indexed_seq_ = seq;
  applied_seq_.store(seq, std::memory_order_release);
  loaded_checkpoint_seq_ = seq;
  changes_from_ = seq;
  return Status::ok();
}

Status ProgramHistory::save_checkpoint() {
  if (!fs_ || checkpoint_path_.empty())
    return internal_error("no checkpoint path was given at open");
  // Exclusive, as a catch-up: two saves never write the same temporary file at once.
  WriterLock lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  GAPLOG_ASSIGN_OR_RETURN(Hash root, log_.root(indexed_seq_));
  ByteWriter w;
  w.str(kCheckpointMagic);
  w.pod(indexed_seq_);
  w.str(hash_bytes(root));
  w.pod(static_cast<uint32_t>(order_.size()));
  for (const Entry& e : order_) {
    w.pod(e.occurred_at);
    w.pod(e.seq);
    w.pod(e.recorded_at);
  }
  index_.write_to(w);
  write_state(w, current_);
  return write_file_atomically(*fs_, checkpoint_path_, w.bytes(), 0600);
}

Status ProgramHistory::catch_up() {
  {
    ReaderLock lock(mu_);
    if (!broken_.is_ok()) return broken_;
    if (log_.last_seq() <= indexed_seq_) return Status::ok();
  }
  WriterLock lock(mu_);
  return catch_up_locked();
}

Status ProgramHistory::catch_up_locked() {
  if (!broken_.is_ok()) return broken_;
  const uint64_t last = log_.last_seq();
  if (last <= indexed_seq_) return Status::ok();
  // Long catch-ups (a rebuild) run as a two-stage pipeline on batches: while one thread
  // folds batch k into the index and the current state, this one reads and decodes batch k+1.
  constexpr uint64_t kBatch = 8192;
  std::vector<Entry> fresh;
  fresh.reserve(last - indexed_seq_);
  auto decode_batch = [&](uint64_t from, std::vector<Event>& out) -> Status {
    out.clear();
    return log_.scan(from, std::min(last, from + kBatch - 1),
                     [&](uint64_t seq, std::string_view bytes) -> Status {
                       GAPLOG_ASSIGN_OR_RETURN(Event e, decode_stored_event(bytes));
                       fresh.push_back(Entry{e.occurred_at, seq, e.recorded_at});
                       out.push_back(std::move(e));
                       return Status::ok();
                     });
  };
  // The helper thread folds under the lock this thread holds (and does not release before
  // folding.wait()): the analysis cannot see a lock held on the thread's behalf, hence the
  // exemption of this one lambda.
  auto fold_batch = [this](const std::vector<Event>& events)
                        GAPLOG_NO_THREAD_SAFETY_ANALYSIS { fold_into_current(events); };
  std::vector<Event> current_batch, next_batch;
  GAPLOG_RETURN_IF_ERROR(decode_batch(indexed_seq_ + 1, current_batch));  // nothing folded yet
  for (uint64_t next = indexed_seq_ + 1 + kBatch;; next += kBatch) {
    if (next > last) {
      fold_batch(current_batch);
      break;
    }
    auto folding = std::async(std::launch::async, fold_batch, std::cref(current_batch));
    Status decoded = decode_batch(next, next_batch);  // not const: returned, it is moved
    folding.wait();
    if (!decoded.is_ok()) {
      // Part of the log is folded and part is not: never answer from that again.
      broken_ = decoded;
      return decoded;
    }
    std::swap(current_batch, next_batch);
  }
  // Most new events go at the end; back-filled ones are merged into place.
  const auto first_new = static_cast<ptrdiff_t>(order_.size());
  Change change{last, std::numeric_limits<Micros>::max(), std::numeric_limits<Micros>::max()};
  for (const Entry& e : fresh) {
    last_recorded_ = std::max(last_recorded_, e.recorded_at);
    change.min_occurred = std::min(change.min_occurred, e.occurred_at);
    change.min_recorded = std::min(change.min_recorded, e.recorded_at);
  }
  changes_.push_back(change);
  if (changes_.size() > kChangesKept) {
    changes_from_ = changes_.front().last_seq;
    changes_.pop_front();
  }
  // A log appended in time order (a rebuild of most programs) is sorted already.
  if (!std::is_sorted(fresh.begin(), fresh.end())) std::sort(fresh.begin(), fresh.end());
  order_.insert(order_.end(), fresh.begin(), fresh.end());
  const auto seam = order_.begin() + first_new;  // back-filled events sort before it: merge
  if (seam != order_.begin() && seam != order_.end() && *seam < *(seam - 1))
    std::inplace_merge(order_.begin(), seam, order_.end());
  indexed_seq_ = last;
  applied_seq_.store(last, std::memory_order_release);
  return Status::ok();
}

void ProgramHistory::fold_into_current(const std::vector<Event>& events) {
  for (const Event& e : events) {
    index_.apply(e);
    evolve(current_, e);
  }
}

size_t ProgramHistory::end_of(Date d) const {
  const Micros end = end_of_day(d);
  return static_cast<size_t>(
      std::lower_bound(order_.begin(), order_.end(), end,
                       [](const Entry& e, Micros t) { return e.occurred_at < t; }) -
      order_.begin());
}

Status ProgramHistory::fold(ProgramState& state, size_t begin, size_t end,
                            std::optional<Micros> known_at,
                            const std::function<void(const Event&)>& on_event) const {
  for (size_t i = begin; i < end; ++i) {
    const Entry& entry = order_[i];
    if (known_at && entry.recorded_at > *known_at) continue;
    GAPLOG_ASSIGN_OR_RETURN(Event e, log_.read(entry.seq));
    evolve(state, e);
    if (on_event) on_event(e);
  }
  return Status::ok();
}

bool ProgramHistory::covers_all_locked(const AsOf& as_of) const {
  return end_of(as_of.date) == order_.size() &&
         (!as_of.known_at || *as_of.known_at >= last_recorded_);
}

Status ProgramHistory::with_state_at(const AsOf& as_of,
                                     const std::function<void(const ProgramState&)>& fn) {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  if (covers_all_locked(as_of)) {
    fn(current_);
    return Status::ok();
  }
  if (auto kept = kept_state_locked(as_of)) {
    fn(*kept);
    return Status::ok();
  }
  auto state = std::make_shared<ProgramState>();
  GAPLOG_RETURN_IF_ERROR(fold(*state, 0, end_of(as_of.date), as_of.known_at));
  {
    MutexLock past(past_mu_);
    past_.push_back(PastState{as_of.date, as_of.known_at, indexed_seq_, state});
    if (past_.size() > kPastStatesKept) past_.pop_front();
  }
  fn(*state);
  return Status::ok();
}

std::shared_ptr<const ProgramState> ProgramHistory::kept_state_locked(const AsOf& as_of) {
  MutexLock past(past_mu_);
  for (auto it = past_.begin(); it != past_.end(); ++it) {
    if (it->date != as_of.date || it->known_at != as_of.known_at) continue;
    if (holds_locked(it->seq, end_of_day(as_of.date), as_of.known_at)) return it->state;
    past_.erase(it);
    return nullptr;
  }
  return nullptr;
}

Result<ProgramState> ProgramHistory::state_at(const AsOf& as_of) {
  ProgramState out;
  GAPLOG_RETURN_IF_ERROR(with_state_at(as_of, [&](const ProgramState& s) { out = s; }));
  return out;
}

Result<Readiness> ProgramHistory::readiness(const AsOf& as_of) {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  return index_.readiness(as_of.date, as_of.known_at);
}

Result<ProgramHistory::ReadinessAnswer> ProgramHistory::readiness_answer(const AsOf& as_of) {
  ReadinessAnswer answer;
  {
    GAPLOG_RETURN_IF_ERROR(catch_up());
    ReaderLock lock(mu_);
    answer =
        ReadinessAnswer{index_.readiness(as_of.date, as_of.known_at), indexed_seq_, indexed_seq_};
  }
  if (as_of.known_at) {
    // Read from the log outside the lock: events recorded by T, within what was folded.
    GAPLOG_ASSIGN_OR_RETURN(const uint64_t recorded,
                            count_recorded_before(log_, *as_of.known_at + 1));
    answer.tree_size = std::min(recorded, answer.tree_size);
  }
  return answer;
}

std::optional<uint64_t> ProgramHistory::still_holds(uint64_t seq, Date d,
                                                    std::optional<Micros> known_at) {
  if (!catch_up().is_ok()) return std::nullopt;
  ReaderLock lock(mu_);
  if (!holds_locked(seq, end_of_day(d), known_at)) return std::nullopt;
  return indexed_seq_;
}

bool ProgramHistory::holds_locked(uint64_t seq, Micros end, std::optional<Micros> known_at) const {
  if (seq > indexed_seq_ || seq < changes_from_) return false;
  for (auto it = changes_.rbegin(); it != changes_.rend() && it->last_seq > seq; ++it) {
    if (it->min_occurred < end && (!known_at || it->min_recorded <= *known_at)) return false;
  }
  return true;
}

Result<uint64_t> ProgramHistory::folded_seq() {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  return indexed_seq_;
}

Result<std::pair<ProgramState, uint64_t>> ProgramHistory::current() {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  return std::pair(current_, indexed_seq_);
}

size_t ProgramHistory::memory_bytes() {
  ReaderLock lock(mu_);
  return order_.capacity() * sizeof(Entry) + index_.memory_bytes();
}

Result<std::vector<OwnerWorkload>> ProgramHistory::workloads(const AsOf& as_of) {
  std::vector<OwnerWorkload> out;
  GAPLOG_RETURN_IF_ERROR(
      with_state_at(as_of, [&](const ProgramState& s) { out = workloads_at(s, as_of.date); }));
  return out;
}

Result<std::vector<RoadmapMonth>> ProgramHistory::roadmap(const AsOf& as_of) {
  std::vector<RoadmapMonth> out;
  GAPLOG_RETURN_IF_ERROR(
      with_state_at(as_of, [&](const ProgramState& s) { out = roadmap_at(s, as_of.date); }));
  return out;
}

Result<HeatMap> ProgramHistory::heat_map(const AsOf& as_of) {
  HeatMap out;
  GAPLOG_RETURN_IF_ERROR(
      with_state_at(as_of, [&](const ProgramState& s) { out = heat_map_at(s, as_of.date); }));
  return out;
}

Result<std::optional<Date>> ProgramHistory::first_event_date() {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  if (order_.empty()) return std::optional<Date>();
  return std::optional<Date>(date_of(order_.front().occurred_at));
}

int64_t timeline_point_count(Date from, Date to, int step) {
  const int64_t span = static_cast<int64_t>(to.days) - from.days;
  return span / step + 1 + (span % step != 0 ? 1 : 0);
}

Result<Timeline> ProgramHistory::timeline(Date from, Date to, int step,
                                          std::optional<Micros> known_at) {
  if (step < 1) return invalid_argument("step must be a whole number of days, at least 1");
  if (to < from) {
    return invalid_argument(fmt::format("'from' ({}) is after 'to' ({}); swap them",
                                        format_date(from), format_date(to)));
  }
  if (timeline_point_count(from, to, step) > kMaxTimelinePoints) {
    return invalid_argument(
        fmt::format("that timeline has more than {} points; use a larger step or a shorter range",
                    kMaxTimelinePoints));
  }
  Timeline t{from, to, step, {}, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {}};
  std::vector<Date> point_dates;
  for (int64_t d = from.days; d <= to.days; d += step)
    point_dates.push_back(Date{static_cast<int32_t>(d)});
  if (point_dates.back() != to) point_dates.push_back(to);

  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  const std::vector<ReadinessIndex::Point> series = index_.series(point_dates, known_at);
  for (size_t i = 0; i < point_dates.size(); ++i)
    t.points.push_back(TimelinePoint{point_dates[i], series[i].overall, series[i].unresolved});
  t.projected_ready_on = index_.projected_ready_on(to, known_at);
  t.ready_since = index_.ready_since(to, known_at);
  t.audit_target = index_.audit_target(to, known_at);
  t.on_track = on_track(t.audit_target, t.projected_ready_on);
  t.blockers = index_.blockers(to, known_at);
  return t;
}

}  // namespace gaplog
