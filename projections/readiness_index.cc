#include "projections/readiness_index.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "domain/catalog.h"

namespace gaplog {
namespace {

constexpr int32_t kNoDate = std::numeric_limits<int32_t>::min();

int32_t day_number(const std::string& text) {
  if (text.empty()) return kNoDate;
  auto d = parse_date(text);
  return d ? d->days : kNoDate;
}

// Bit i is the i-th criterion of the catalog.
uint64_t criteria_mask(const std::vector<std::string>& ids) {
  const auto catalog = tsc_catalog();
  uint64_t mask = 0;
  for (const std::string& id : ids) {
    if (const Criterion* c = find_criterion(id)) mask |= uint64_t{1} << (c - catalog.data());
  }
  return mask;
}

uint8_t category_bit(Category c) { return static_cast<uint8_t>(1u << static_cast<unsigned>(c)); }

bool unresolved_on(FindingStatus status, int32_t expires, int32_t d) {
  switch (status) {
    case FindingStatus::kOpen:
    case FindingStatus::kInProgress:
    case FindingStatus::kRemediated:
      return true;
    case FindingStatus::kClosed:
      return false;
    case FindingStatus::kRiskAccepted:
      return expires == kNoDate || expires < d;
  }
  return true;
}

bool overdue_on(FindingStatus status, int32_t due, int32_t d) {
  return (status == FindingStatus::kOpen || status == FindingStatus::kInProgress) &&
         due != kNoDate && due < d;
}

// The next version of an entity: a copy of its latest with the new stamps.
template <typename Version>
Version& next_version(std::vector<Version>& versions, Micros occ, Micros rec) {
  Version v = versions.back();
  v.occurred = occ;
  v.recorded = rec;
  versions.push_back(std::move(v));
  return versions.back();
}

}  // namespace

template <typename Version>
const Version* ReadinessIndex::History<Version>::at(Micros end,
                                                    std::optional<Micros> known_at) const {
  auto n = static_cast<size_t>(
      std::lower_bound(versions.begin(), versions.end(), end,
                       [](const Version& v, Micros t) { return v.occurred < t; }) -
      versions.begin());
  if (known_at) {
    const auto m = static_cast<size_t>(
        std::upper_bound(versions.begin(), versions.end(), *known_at,
                         [](Micros t, const Version& v) { return t < v.recorded; }) -
        versions.begin());
    n = std::min(n, m);
  }
  return n == 0 ? nullptr : &versions[n - 1];
}

template <typename Version>
ReadinessIndex::History<Version>* ReadinessIndex::Entities<Version>::find(const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &histories[it->second];
}

template <typename Version>
ReadinessIndex::History<Version>& ReadinessIndex::Entities<Version>::add(const std::string& id) {
  auto [it, fresh] = index.emplace(id, static_cast<uint32_t>(histories.size()));
  if (fresh) {
    if (!ids.empty() && !natural_less(ids.back(), id)) natural = false;
    ids.push_back(id);
    histories.emplace_back();
  }
  return histories[it->second];
}

// Control events (a new version per event: criteria, status, cadence, the latest test).
void ReadinessIndex::apply_control(const Event& e) {
  const Micros occ = e.occurred_at, rec = e.recorded_at;
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, ControlDefined>) {
          ControlVersion v{occ, rec, criteria_mask(p.criteria), p.status};
          v.months = static_cast<uint8_t>(cadence_months(p.evidence_every));
          controls_.add(p.control_id).versions.push_back(v);
        } else if constexpr (std::is_same_v<P, ControlUpdated>) {
          if (auto* h = controls_.find(p.control_id); h && !h->versions.empty()) {
            ControlVersion& v = next_version(h->versions, occ, rec);
            v.criteria = criteria_mask(p.criteria);
            v.months = static_cast<uint8_t>(cadence_months(p.evidence_every));
          }
        } else if constexpr (std::is_same_v<P, ControlTested>) {
          // The latest test is the one with the greatest tested_on (the later in the log on a tie).
          const int32_t tested = day_number(p.tested_on);
          if (auto* h = controls_.find(p.control_id); h && !h->versions.empty()) {
            ControlVersion& v = next_version(h->versions, occ, rec);
            if (tested >= v.latest_tested) {
              v.latest_tested = tested;
              v.failed = p.result == TestResult::kFail ? 1 : 0;
            }
          }
        } else if constexpr (std::is_same_v<P, ControlStatusSet>) {
          if (auto* h = controls_.find(p.control_id); h && !h->versions.empty())
            next_version(h->versions, occ, rec).status = p.status;
        }
      },
      e.payload);
}

void ReadinessIndex::add_change_day(int32_t day) {
  if (change_days_.empty() || day > change_days_.back()) {
    change_days_.push_back(day);
    return;
  }
  auto it = std::lower_bound(change_days_.begin(), change_days_.end(), day);
  if (*it != day) change_days_.insert(it, day);
}

void ReadinessIndex::apply(const Event& e) {
  const Micros occ = e.occurred_at, rec = e.recorded_at;
  add_change_day(date_of(occ).days);
  if (std::holds_alternative<ControlDefined>(e.payload) ||
      std::holds_alternative<ControlUpdated>(e.payload) ||
      std::holds_alternative<ControlStatusSet>(e.payload) ||
      std::holds_alternative<ControlTested>(e.payload)) {
    return apply_control(e);
  }
  if (const auto* p = std::get_if<AuditTargetSet>(&e.payload)) {
    audit_.versions.push_back(AuditVersion{occ, rec, audit_target_of(*p)});
    return;
  }
  auto next = [&](auto& history) -> auto& { return next_version(history.versions, occ, rec); };
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, ScopeSet>) {
          uint8_t mask = category_bit(Category::kSecurity);
          for (Category c : p.categories) mask |= category_bit(c);
          scope_.versions.push_back(ScopeVersion{occ, rec, mask});
        } else if constexpr (std::is_same_v<P, FindingRecorded>) {
          findings_.add(p.finding_id)
              .versions.push_back(FindingVersion{occ, rec, criteria_mask(p.criteria),
                                                 day_number(p.due_date), kNoDate,
                                                 FindingStatus::kOpen, p.severity});
        } else if constexpr (std::is_same_v<P, FindingUpdated>) {
          if (auto* h = findings_.find(p.finding_id); h && !h->versions.empty()) {
            FindingVersion& v = next(*h);
            v.criteria = criteria_mask(p.criteria);
            v.severity = p.severity;
          }
        } else if constexpr (std::is_same_v<P, FindingDueDateSet>) {
          if (auto* h = findings_.find(p.finding_id); h && !h->versions.empty())
            next(*h).due = day_number(p.due_date);
        } else if constexpr (std::is_same_v<P, FindingStatusChanged>) {
          if (auto* h = findings_.find(p.finding_id); h && !h->versions.empty()) {
            FindingVersion& v = next(*h);
            v.status = p.to;
            if (p.to != FindingStatus::kRiskAccepted) v.expires = kNoDate;
          }
        } else if constexpr (std::is_same_v<P, RiskAccepted>) {
          if (auto* h = findings_.find(p.finding_id); h && !h->versions.empty()) {
            FindingVersion& v = next(*h);
            v.status = FindingStatus::kRiskAccepted;
            v.expires = day_number(p.expires_on);
            if (v.expires != kNoDate) add_change_day(v.expires + 1);
          }
        } else if constexpr (std::is_same_v<P, EvidenceUploaded>) {
          EvidenceVersion v{
              occ, rec, day_number(p.collected_on), day_number(p.valid_until), date_of(occ).days,
              {}};
          if (v.collected != kNoDate) {
            v.base = v.collected;
            add_change_day(v.collected);
          }
          if (v.valid_until != kNoDate) {
            add_change_day(v.valid_until + 1);
          } else {
            // It lapses the day after a cadence's period, for whichever cadence its controls have.
            for (int months : {1, 3, 6, 12})
              add_change_day(add_months(Date{v.base}, months).days + 1);
          }
          evidence_.add(p.evidence_id).versions.push_back(std::move(v));
        } else if constexpr (std::is_same_v<P, EvidenceLinked> ||
                             std::is_same_v<P, EvidenceUnlinked>) {
          if (p.control_id.empty()) return;  // links to findings do not affect readiness
          auto* h = evidence_.find(p.evidence_id);
          const auto it = controls_.index.find(p.control_id);
          if (!h || h->versions.empty() || it == controls_.index.end()) return;
          EvidenceVersion& v = next(*h);
          auto pos = std::find(v.controls.begin(), v.controls.end(), it->second);
          if constexpr (std::is_same_v<P, EvidenceLinked>) {
            if (pos == v.controls.end()) v.controls.push_back(it->second);
          } else {
            if (pos != v.controls.end()) v.controls.erase(pos);
          }
        }
      },
      e.payload);
}

uint64_t ReadinessIndex::in_scope_mask(uint8_t categories) {
  const auto catalog = tsc_catalog();
  uint64_t mask = 0;
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (categories & category_bit(catalog[i].category)) mask |= uint64_t{1} << i;
  }
  return mask;
}

bool ReadinessIndex::full(const Snapshot& s) {
  const uint64_t scope = in_scope_mask(s.categories);
  const uint64_t ready = scope & ~s.unresolved & s.implemented & s.evidenced;
  return scope != 0 && ready == scope;
}

ReadinessIndex::Snapshot ReadinessIndex::snapshot(Date d, std::optional<Micros> known_at) const {
  const Micros end = end_of_day(d);
  Snapshot s;
  const ScopeVersion* scope = scope_.at(end, known_at);
  s.categories = scope ? scope->categories : category_bit(Category::kSecurity);
  for (const auto& h : findings_.histories) {
    if (const FindingVersion* v = h.at(end, known_at);
        v && unresolved_on(v->status, v->expires, d.days)) {
      s.unresolved |= v->criteria;
    }
  }
  std::vector<const ControlVersion*> controls(controls_.histories.size());
  for (size_t i = 0; i < controls.size(); ++i) {
    controls[i] = controls_.histories[i].at(end, known_at);
    if (controls[i] && controls[i]->counts()) s.implemented |= controls[i]->criteria;
  }
  for (const auto& h : evidence_.histories) add_evidence(s, h.at(end, known_at), controls, d);
  return s;
}

void ReadinessIndex::add_evidence(Snapshot& s, const EvidenceVersion* v,
                                  std::span<const ControlVersion* const> controls, Date d) {
  if (!v || (v->collected != kNoDate && v->collected > d.days) ||
      (v->valid_until != kNoDate && v->valid_until < d.days)) {
    return;
  }
  for (uint32_t c : v->controls) {
    const ControlVersion* cv = controls[c];
    if (!cv || !cv->counts()) continue;
    // Without its own valid_until, evidence lasts the control's cadence (SPEC §12).
    if (v->valid_until == kNoDate && cv->months != 0 &&
        add_months(Date{v->base}, cv->months).days < d.days) {
      continue;
    }
    s.evidenced |= cv->criteria;
  }
}

ReadinessCount ReadinessIndex::overall_of(const Snapshot& s) {
  const uint64_t scope = in_scope_mask(s.categories);
  const uint64_t ready = scope & ~s.unresolved & s.implemented & s.evidenced;
  return ReadinessCount{std::popcount(ready), std::popcount(scope)};
}

namespace {

// A forward-only reader of one entity's versions for ascending days: the versions recorded by
// T are a prefix (`limit`), and those that occurred before the end of each next day a longer
// and longer prefix of that.
template <typename Version>
class Cursor {
 public:
  Cursor(const std::vector<Version>& versions, std::optional<Micros> known_at)
      : versions_(&versions), limit_(versions.size()) {
    if (known_at) {
      limit_ = static_cast<size_t>(
          std::upper_bound(versions.begin(), versions.end(), *known_at,
                           [](Micros t, const Version& v) { return t < v.recorded; }) -
          versions.begin());
    }
  }
  // The version as of `end` (≥ every earlier call's), or nullptr.
  const Version* at(Micros end) {
    while (n_ < limit_ && (*versions_)[n_].occurred < end) ++n_;
    return n_ == 0 ? nullptr : &(*versions_)[n_ - 1];
  }

 private:
  const std::vector<Version>* versions_;
  size_t limit_;
  size_t n_ = 0;
};

}  // namespace

std::vector<ReadinessIndex::Point> ReadinessIndex::series(const std::vector<Date>& days,
                                                          std::optional<Micros> known_at) const {
  std::vector<Point> out;
  out.reserve(days.size());
  const std::span<const Date> all(days);
  for (size_t i = 0; i < days.size(); i += kSeriesChunk)
    series_chunk(all.subspan(i, std::min(kSeriesChunk, days.size() - i)), known_at, out);
  return out;
}

// Entity by entity (each one's versions read once, in order, for all the chunk's days), the
// days' counts accumulated side by side: the versions of one entity are contiguous, the days'
// accumulators small.
void ReadinessIndex::series_chunk(std::span<const Date> days, std::optional<Micros> known_at,
                                  std::vector<Point>& out) const {
  const size_t n = days.size();
  std::vector<Micros> ends(n);
  std::vector<Snapshot> snaps(n);
  std::vector<Point> points(n);
  for (size_t j = 0; j < n; ++j) {
    ends[j] = end_of_day(days[j]);
    const ScopeVersion* scope = scope_.at(ends[j], known_at);
    snaps[j].categories = scope ? scope->categories : category_bit(Category::kSecurity);
  }
  for (const auto& h : findings_.histories) {
    Cursor<FindingVersion> cursor(h.versions, known_at);
    for (size_t j = 0; j < n; ++j) {
      const FindingVersion* v = cursor.at(ends[j]);
      if (!v) continue;
      if (unresolved_on(v->status, v->expires, days[j].days)) {
        snaps[j].unresolved |= v->criteria;
        count_severity(points[j].unresolved, v->severity);
      }
      if (overdue_on(v->status, v->due, days[j].days)) ++points[j].unresolved.overdue;
    }
  }
  // The controls' versions on each day (row j), which the evidence reads.
  const size_t controls = controls_.histories.size();
  std::vector<const ControlVersion*> control_at(n * controls);
  for (size_t i = 0; i < controls; ++i) {
    Cursor<ControlVersion> cursor(controls_.histories[i].versions, known_at);
    for (size_t j = 0; j < n; ++j) {
      const ControlVersion* v = cursor.at(ends[j]);
      control_at[j * controls + i] = v;
      if (v && v->counts()) snaps[j].implemented |= v->criteria;
    }
  }
  const std::span<const ControlVersion* const> rows(control_at);
  for (const auto& h : evidence_.histories) {
    Cursor<EvidenceVersion> cursor(h.versions, known_at);
    for (size_t j = 0; j < n; ++j)
      add_evidence(snaps[j], cursor.at(ends[j]), rows.subspan(j * controls, controls), days[j]);
  }
  for (size_t j = 0; j < n; ++j) {
    points[j].overall = overall_of(snaps[j]);
    out.push_back(points[j]);
  }
}

Readiness ReadinessIndex::readiness(Date d, std::optional<Micros> known_at) const {
  const Snapshot s = snapshot(d, known_at);
  const Micros end = end_of_day(d);
  const auto catalog = tsc_catalog();
  Readiness r;
  r.as_of = d;
  r.criteria.resize(catalog.size());
  for (size_t i = 0; i < catalog.size(); ++i) {
    r.criteria[i].id = std::string(catalog[i].id);
    r.criteria[i].category = catalog[i].category;
  }
  for (size_t f = 0; f < findings_.histories.size(); ++f) {
    const FindingVersion* v = findings_.histories[f].at(end, known_at);
    if (!v || !unresolved_on(v->status, v->expires, d.days)) continue;
    for (uint64_t bits = v->criteria; bits != 0; bits &= bits - 1) {
      r.criteria[static_cast<size_t>(std::countr_zero(bits))].findings.push_back(findings_.ids[f]);
    }
  }
  for (size_t c = 0; c < controls_.histories.size(); ++c) {
    const ControlVersion* v = controls_.histories[c].at(end, known_at);
    if (!v) continue;
    for (uint64_t bits = v->criteria; bits != 0; bits &= bits - 1) {
      r.criteria[static_cast<size_t>(std::countr_zero(bits))].controls.push_back(controls_.ids[c]);
    }
  }
  for (size_t i = 0; i < catalog.size(); ++i) {
    CriterionReadiness& cr = r.criteria[i];
    if (!findings_.natural) std::sort(cr.findings.begin(), cr.findings.end(), natural_less);
    std::sort(cr.controls.begin(), cr.controls.end());
    const uint64_t bit = uint64_t{1} << i;
    if (!(s.categories & category_bit(cr.category))) {
      cr.status = CriterionStatus::kOutOfScope;
      continue;
    }
    if (s.unresolved & bit)
      cr.status = CriterionStatus::kGap;
    else if (!(s.implemented & bit))
      cr.status = CriterionStatus::kNoControl;
    else if (!(s.evidenced & bit))
      cr.status = CriterionStatus::kNoEvidence;
    else
      cr.status = CriterionStatus::kReady;
    ReadinessCount& cat = r.categories[cr.category];
    ++cat.in_scope;
    ++r.overall.in_scope;
    if (cr.status == CriterionStatus::kReady) {
      ++cat.ready;
      ++r.overall.ready;
    }
  }
  return r;
}

UnresolvedCounts ReadinessIndex::unresolved(Date d, std::optional<Micros> known_at) const {
  const Micros end = end_of_day(d);
  UnresolvedCounts u;
  for (const auto& h : findings_.histories) {
    const FindingVersion* v = h.at(end, known_at);
    if (!v) continue;
    if (unresolved_on(v->status, v->expires, d.days)) {
      count_severity(u, v->severity);
    }
    if (overdue_on(v->status, v->due, d.days)) ++u.overdue;
  }
  return u;
}

std::optional<Date> ReadinessIndex::projected_ready_on(Date to,
                                                       std::optional<Micros> known_at) const {
  const Snapshot s = snapshot(to, known_at);
  const uint64_t scope = in_scope_mask(s.categories);
  if ((scope & s.evidenced) != scope) return std::nullopt;
  const Micros end = end_of_day(to);
  int32_t latest = to.days;
  for (const auto& h : findings_.histories) {
    const FindingVersion* v = h.at(end, known_at);
    if (!v || !(v->criteria & scope) || !unresolved_on(v->status, v->expires, to.days)) continue;
    if (v->due == kNoDate) return std::nullopt;
    latest = std::max(latest, v->due);
  }
  return Date{latest};
}

std::optional<AuditTarget> ReadinessIndex::audit_target(Date d,
                                                        std::optional<Micros> known_at) const {
  const AuditVersion* v = audit_.at(end_of_day(d), known_at);
  return v ? std::optional<AuditTarget>(v->target) : std::nullopt;
}

AuditBlockers ReadinessIndex::blockers(Date d, std::optional<Micros> known_at) const {
  const Snapshot s = snapshot(d, known_at);
  const uint64_t scope = in_scope_mask(s.categories);
  const std::optional<AuditTarget> audit = audit_target(d, known_at);
  AuditBlockers b;
  const auto catalog = tsc_catalog();
  for (size_t i = 0; i < catalog.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if ((scope & bit) && !(s.evidenced & bit)) b.criteria.emplace_back(catalog[i].id);
  }
  const Micros end = end_of_day(d);
  for (size_t i = 0; i < findings_.histories.size(); ++i) {
    const FindingVersion* v = findings_.histories[i].at(end, known_at);
    if (!v || !(v->criteria & scope) || !unresolved_on(v->status, v->expires, d.days)) continue;
    if (v->due == kNoDate) {
      b.no_due_date.push_back(findings_.ids[i]);
    } else if (audit && v->due > audit->target().days) {
      b.due_after_target.push_back(findings_.ids[i]);
    }
  }
  if (!findings_.natural) {
    std::sort(b.no_due_date.begin(), b.no_due_date.end(), natural_less);
    std::sort(b.due_after_target.begin(), b.due_after_target.end(), natural_less);
  }
  return b;
}

std::optional<Date> ReadinessIndex::ready_since(Date to, std::optional<Micros> known_at) const {
  if (!full(snapshot(to, known_at))) return std::nullopt;
  // Readiness is constant from one change day to the next: walk them back from `to` while the
  // day is still fully ready. Before the first change day nothing has happened (0%).
  auto it = std::upper_bound(change_days_.begin(), change_days_.end(), to.days);
  std::optional<Date> since;
  while (it != change_days_.begin()) {
    --it;
    if (!full(snapshot(Date{*it}, known_at))) break;
    since = Date{*it};
  }
  return since;
}

size_t ReadinessIndex::memory_bytes() const {
  size_t n =
      scope_.versions.capacity() * sizeof(ScopeVersion) + change_days_.capacity() * sizeof(int32_t);
  for (const auto& h : findings_.histories) n += h.versions.capacity() * sizeof(FindingVersion);
  for (const auto& h : controls_.histories) n += h.versions.capacity() * sizeof(ControlVersion);
  for (const auto& h : evidence_.histories) {
    for (const auto& v : h.versions)
      n += sizeof(EvidenceVersion) + v.controls.capacity() * sizeof(uint32_t);
  }
  n += (findings_.ids.size() + controls_.ids.size() + evidence_.ids.size()) *
       64;  // ids and their index
  return n;
}

namespace {

// Field by field (no padding bytes in checkpoints).
template <typename V, typename WriteFields>
void write_histories(ByteWriter& w, const std::vector<std::string>& ids,
                     const std::vector<V>& histories, WriteFields fields) {
  w.strs(ids);
  for (const auto& h : histories) {
    w.pod(static_cast<uint32_t>(h.versions.size()));
    for (const auto& v : h.versions) {
      w.pod(v.occurred);
      w.pod(v.recorded);
      fields(v);
    }
  }
}

template <typename E, typename ReadFields>
Status read_histories(ByteReader& r, E& entities, ReadFields fields) {
  GAPLOG_RETURN_IF_ERROR(r.strs(entities.ids));
  entities.natural = std::is_sorted(entities.ids.begin(), entities.ids.end(), natural_less);
  entities.index.clear();
  entities.histories.assign(entities.ids.size(), {});
  for (uint32_t i = 0; i < entities.ids.size(); ++i) {
    entities.index.emplace(entities.ids[i], i);
    uint32_t n = 0;
    GAPLOG_RETURN_IF_ERROR(r.count(n, 16));
    entities.histories[i].versions.resize(n);
    for (auto& v : entities.histories[i].versions) {
      GAPLOG_RETURN_IF_ERROR(r.pod(v.occurred));
      GAPLOG_RETURN_IF_ERROR(r.pod(v.recorded));
      GAPLOG_RETURN_IF_ERROR(fields(v));
    }
  }
  return Status::ok();
}

}  // namespace

void ReadinessIndex::write_to(ByteWriter& w) const {
  w.pod(static_cast<uint32_t>(scope_.versions.size()));
  for (const ScopeVersion& v : scope_.versions) {
    w.pod(v.occurred);
    w.pod(v.recorded);
    w.pod(v.categories);
  }
  w.pod(static_cast<uint32_t>(audit_.versions.size()));
  for (const AuditVersion& v : audit_.versions) {
    w.pod(v.occurred);
    w.pod(v.recorded);
    w.pod(v.target.type);
    w.pod(v.target.date.days);
    w.pod(v.target.window_start.days);
    w.pod(v.target.window_end.days);
  }
  write_histories(w, findings_.ids, findings_.histories, [&](const FindingVersion& v) {
    w.pod(v.criteria);
    w.pod(v.due);
    w.pod(v.expires);
    w.pod(v.status);
    w.pod(v.severity);
  });
  write_histories(w, controls_.ids, controls_.histories, [&](const ControlVersion& v) {
    w.pod(v.criteria);
    w.pod(v.status);
    w.pod(v.months);
    w.pod(v.failed);
    w.pod(v.latest_tested);
  });
  write_histories(w, evidence_.ids, evidence_.histories, [&](const EvidenceVersion& v) {
    w.pod(v.collected);
    w.pod(v.valid_until);
    w.pod(v.base);
    w.pod(static_cast<uint32_t>(v.controls.size()));
    for (uint32_t c : v.controls) w.pod(c);
  });
  w.pod(static_cast<uint32_t>(change_days_.size()));
  for (int32_t d : change_days_) w.pod(d);
}

Status ReadinessIndex::read_from(ByteReader& r) {
  *this = ReadinessIndex{};
  uint32_t n = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(n, 17));
  scope_.versions.resize(n);
  for (ScopeVersion& v : scope_.versions) {
    GAPLOG_RETURN_IF_ERROR(r.pod(v.occurred));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.recorded));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.categories));
  }
  GAPLOG_RETURN_IF_ERROR(r.count(n, 29));
  audit_.versions.resize(n);
  for (AuditVersion& v : audit_.versions) {
    GAPLOG_RETURN_IF_ERROR(r.pod(v.occurred));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.recorded));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.target.type));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.target.date.days));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.target.window_start.days));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.target.window_end.days));
  }
  GAPLOG_RETURN_IF_ERROR(read_histories(r, findings_, [&](FindingVersion& v) -> Status {
    GAPLOG_RETURN_IF_ERROR(r.pod(v.criteria));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.due));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.expires));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.status));
    return r.pod(v.severity);
  }));
  GAPLOG_RETURN_IF_ERROR(read_histories(r, controls_, [&](ControlVersion& v) -> Status {
    GAPLOG_RETURN_IF_ERROR(r.pod(v.criteria));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.status));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.months));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.failed));
    return r.pod(v.latest_tested);
  }));
  const auto control_count = static_cast<uint32_t>(controls_.ids.size());
  GAPLOG_RETURN_IF_ERROR(read_histories(r, evidence_, [&](EvidenceVersion& v) -> Status {
    GAPLOG_RETURN_IF_ERROR(r.pod(v.collected));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.valid_until));
    GAPLOG_RETURN_IF_ERROR(r.pod(v.base));
    uint32_t links = 0;
    GAPLOG_RETURN_IF_ERROR(r.count(links, 4));
    v.controls.resize(links);
    for (uint32_t& c : v.controls) {
      GAPLOG_RETURN_IF_ERROR(r.pod(c));
      if (c >= control_count)
        return corruption("the projection checkpoint links evidence to an unknown control");
    }
    return Status::ok();
  }));
  GAPLOG_RETURN_IF_ERROR(r.count(n, 4));
  change_days_.resize(n);
  for (int32_t& d : change_days_) GAPLOG_RETURN_IF_ERROR(r.pod(d));
  // Kept sorted and without repeats since issue 24; a checkpoint written before holds one day
  // per event, in log order.
  std::sort(change_days_.begin(), change_days_.end());
  change_days_.erase(std::unique(change_days_.begin(), change_days_.end()), change_days_.end());
  return Status::ok();
}

}  // namespace gaplog
