#include "projections/program_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "domain/event_codec.h"

namespace gaplog {
namespace {

constexpr size_t kMaxTimelinePoints = 10'000;

}  // namespace

Result<std::unique_ptr<ProgramHistory>> ProgramHistory::open(EventLog& log) {
  std::unique_ptr<ProgramHistory> history(new ProgramHistory(log));
  std::lock_guard lock(history->mu_);
  GAPLOG_RETURN_IF_ERROR(history->catch_up_locked());
  return history;
}

Status ProgramHistory::catch_up_locked() {
  const uint64_t last = log_.last_seq();
  if (last <= indexed_seq_) return Status::ok();
  std::vector<Entry> fresh;
  GAPLOG_RETURN_IF_ERROR(log_.scan(indexed_seq_ + 1, last, [&](uint64_t seq, std::string_view bytes) -> Status {
    GAPLOG_ASSIGN_OR_RETURN(Event e, decode_stored_event(bytes));
    fresh.push_back(Entry{e.occurred_at, seq, e.recorded_at});
    index_.apply(e);
    evolve(current_, e);
    return Status::ok();
  }));
  // Most new events go at the end; back-filled ones are merged into place.
  std::sort(fresh.begin(), fresh.end());
  const size_t middle = order_.size();
  order_.insert(order_.end(), fresh.begin(), fresh.end());
  std::inplace_merge(order_.begin(), order_.begin() + static_cast<ptrdiff_t>(middle), order_.end());
  indexed_seq_ = last;
  return Status::ok();
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

Result<ProgramState> ProgramHistory::state_at(const AsOf& as_of) {
  std::lock_guard lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  ProgramState state;
  GAPLOG_RETURN_IF_ERROR(fold(state, 0, end_of(as_of.date), as_of.known_at));
  return state;
}

Result<Readiness> ProgramHistory::readiness(const AsOf& as_of) {
  std::lock_guard lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  return index_.readiness(as_of.date, as_of.known_at);
}

Result<std::pair<ProgramState, uint64_t>> ProgramHistory::current() {
  std::lock_guard lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  return std::pair(current_, indexed_seq_);
}

size_t ProgramHistory::memory_bytes() {
  std::lock_guard lock(mu_);
  return order_.capacity() * sizeof(Entry) + index_.memory_bytes();
}

Result<std::vector<OwnerWorkload>> ProgramHistory::workloads(const AsOf& as_of) {
  GAPLOG_ASSIGN_OR_RETURN(ProgramState state, state_at(as_of));
  return workloads_at(state, as_of.date);
}

Result<std::vector<RoadmapMonth>> ProgramHistory::roadmap(const AsOf& as_of) {
  GAPLOG_ASSIGN_OR_RETURN(ProgramState state, state_at(as_of));
  return roadmap_at(state, as_of.date);
}

Result<std::optional<Date>> ProgramHistory::first_event_date() {
  std::lock_guard lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  if (order_.empty()) return std::optional<Date>();
  return std::optional<Date>(date_of(order_.front().occurred_at));
}

Result<Timeline> ProgramHistory::timeline(Date from, Date to, int step, std::optional<Micros> known_at) {
  if (step < 1) return invalid_argument("step must be a whole number of days, at least 1");
  if (to < from) {
    return invalid_argument(fmt::format("'from' ({}) is after 'to' ({}); swap them", format_date(from),
                                        format_date(to)));
  }
  if ((static_cast<int64_t>(to.days) - from.days) / step + 2 > static_cast<int64_t>(kMaxTimelinePoints)) {
    return invalid_argument(fmt::format("a timeline has at most {} points; use a larger step or a "
                                        "shorter range", kMaxTimelinePoints));
  }
  Timeline t{from, to, step, {}, std::nullopt, std::nullopt};
  std::vector<Date> point_dates;
  for (int64_t d = from.days; d <= to.days; d += step) point_dates.push_back(Date{static_cast<int32_t>(d)});
  if (point_dates.back() != to) point_dates.push_back(to);

  std::lock_guard lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  for (Date d : point_dates) {
    t.points.push_back(TimelinePoint{d, index_.readiness(d, known_at).overall, index_.unresolved(d, known_at)});
  }
  t.projected_ready_on = index_.projected_ready_on(to, known_at);
  t.ready_since = index_.ready_since(to, known_at);
  return t;
}

}  // namespace gaplog
