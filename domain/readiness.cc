#include "domain/readiness.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "domain/catalog.h"

namespace gaplog {
namespace {

bool in_scope(const ProgramState& s, Category c) {
  return c == Category::kSecurity || std::find(s.scope.begin(), s.scope.end(), c) != s.scope.end();
}

int severity_rank(Severity s) { return static_cast<int>(s); }  // critical = 0 first

// Controls whose criteria include each criterion id, and the evidence linked to each control.
struct Links {
  std::map<std::string, std::vector<const ControlState*>> controls_of_criterion;
  std::map<std::string, std::vector<const EvidenceState*>> evidence_of_control;

  explicit Links(const ProgramState& s) {
    for (const auto& [id, c] : s.controls) {
      for (const std::string& criterion : c.criteria)
        controls_of_criterion[criterion].push_back(&c);
    }
    for (const auto& [id, e] : s.evidence) {
      for (const std::string& control : e.controls) evidence_of_control[control].push_back(&e);
    }
  }
  const std::vector<const ControlState*>& controls(const std::string& criterion) const {
    static const std::vector<const ControlState*> kNone;
    auto it = controls_of_criterion.find(criterion);
    return it == controls_of_criterion.end() ? kNone : it->second;
  }
  bool has_current_evidence(const ControlState& c, Date d) const {
    auto it = evidence_of_control.find(c.id);
    if (it == evidence_of_control.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const EvidenceState* e) { return is_current_for(*e, c, d); });
  }
  // Some implemented control mapped to the criterion / one with current evidence.
  bool implemented(const std::string& criterion) const {
    const auto& cs = controls(criterion);
    return std::any_of(cs.begin(), cs.end(),
                       [](const ControlState* c) { return c->counts_as_implemented(); });
  }
  bool implemented_with_evidence(const std::string& criterion, Date d) const {
    const auto& cs = controls(criterion);
    return std::any_of(cs.begin(), cs.end(), [&](const ControlState* c) {
      return c->counts_as_implemented() && has_current_evidence(*c, d);
    });
  }
};

}  // namespace

std::string_view name(CriterionStatus s) {
  switch (s) {
    case CriterionStatus::kGap:
      return "gap";
    case CriterionStatus::kNoControl:
      return "no_control";
    case CriterionStatus::kNoEvidence:
      return "no_evidence";
    case CriterionStatus::kReady:
      return "ready";
    case CriterionStatus::kOutOfScope:
      return "out_of_scope";
  }
  return "gap";
}

bool is_unresolved(const FindingState& f, Date d) {
  switch (f.status) {
    case FindingStatus::kOpen:
    case FindingStatus::kInProgress:
    case FindingStatus::kRemediated:
      return true;
    case FindingStatus::kClosed:
      return false;
    case FindingStatus::kRiskAccepted:
      return is_acceptance_expired(f, d);
  }
  return true;
}

bool is_acceptance_expired(const FindingState& f, Date d) {
  if (f.status != FindingStatus::kRiskAccepted) return false;
  if (!f.risk_acceptance) return true;
  const auto& expires = f.risk_acceptance->expires_on;
  return !expires || *expires < d;
}

bool is_overdue(const FindingState& f, Date d) {
  if (f.status != FindingStatus::kOpen && f.status != FindingStatus::kInProgress) return false;
  return f.due_date && *f.due_date < d;
}

std::optional<Date> valid_until_for(const EvidenceState& e, const ControlState& c) {
  if (e.valid_until) return e.valid_until;
  const int months = cadence_months(c.evidence_every);
  if (months == 0) return std::nullopt;
  return add_months(e.collected_on.value_or(date_of(e.uploaded_at)), months);
}

bool is_current_for(const EvidenceState& e, const ControlState& c, Date d) {
  if (e.collected_on && *e.collected_on > d) return false;
  const std::optional<Date> until = valid_until_for(e, c);
  return !until || *until >= d;
}

std::optional<Date> expires_on(const ProgramState& s, const EvidenceState& e) {
  if (e.valid_until) return e.valid_until;
  std::optional<Date> earliest;
  for (const std::string& id : e.controls) {
    const ControlState* c = s.control(id);
    if (c == nullptr) continue;
    const std::optional<Date> until = valid_until_for(e, *c);
    if (until && (!earliest || *until < *earliest)) earliest = until;
  }
  return earliest;
}

bool is_current(const ProgramState& s, const EvidenceState& e, Date d) {
  if (e.collected_on && *e.collected_on > d) return false;
  const std::optional<Date> until = expires_on(s, e);
  return !until || *until >= d;
}

namespace {
constexpr std::array<std::string_view, 4> kEvidenceStatusNames = {"current", "expiring", "lapsed",
                                                                  "missing"};
}  // namespace

std::string_view name(EvidenceStatus s) { return kEvidenceStatusNames[static_cast<size_t>(s)]; }
std::optional<EvidenceStatus> parse_evidence_status(std::string_view s) {
  for (size_t i = 0; i < kEvidenceStatusNames.size(); ++i) {
    if (kEvidenceStatusNames[i] == s) return static_cast<EvidenceStatus>(i);
  }
  return std::nullopt;
}

ControlEvidence control_evidence_at(const ProgramState& s, const ControlState& c, Date d) {
  ControlEvidence out;
  bool unbounded = false;
  for (const auto& [id, e] : s.evidence) {
    if (!e.controls.contains(c.id)) continue;
    out.linked.push_back(id);
    if (!is_current_for(e, c, d)) continue;
    out.current.push_back(id);
    const std::optional<Date> until = valid_until_for(e, c);
    if (!until)
      unbounded = true;
    else if (!out.valid_until || *until > *out.valid_until)
      out.valid_until = until;
  }
  std::sort(out.linked.begin(), out.linked.end(), natural_less);
  std::sort(out.current.begin(), out.current.end(), natural_less);
  if (unbounded) out.valid_until.reset();
  if (out.linked.empty()) {
    out.status = EvidenceStatus::kMissing;
  } else if (out.current.empty()) {
    out.status = EvidenceStatus::kLapsed;
  } else if (out.valid_until && out.valid_until->days - d.days <= kEvidenceExpiringDays) {
    out.status = EvidenceStatus::kExpiring;
  } else {
    out.status = EvidenceStatus::kCurrent;
  }
  return out;
}

int ReadinessCount::percent_tenths() const {
  if (in_scope <= 0) return 0;
  // round(1000 * ready / in_scope), halves up, in integers.
  return (2000 * ready + in_scope) / (2 * in_scope);
}

bool natural_less(std::string_view a, std::string_view b) {
  auto split = [](std::string_view s) {
    size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    uint64_t n = 0;
    const bool numeric =
        i < s.size() && std::from_chars(s.data() + i, s.data() + s.size(), n).ec == std::errc();
    return std::tuple(s.substr(0, i), numeric ? n : 0, s);
  };
  return split(a) < split(b);
}

Readiness readiness_at(const ProgramState& s, Date d) {
  const Links links(s);
  // Unresolved findings by criterion.
  std::map<std::string, std::vector<std::string>> unresolved;
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, d)) continue;
    for (const std::string& c : f.criteria) unresolved[c].push_back(id);
  }
  Readiness r;
  r.as_of = d;
  for (const Criterion& c : tsc_catalog()) {
    CriterionReadiness cr;
    cr.id = std::string(c.id);
    cr.category = c.category;
    if (auto it = unresolved.find(cr.id); it != unresolved.end()) {
      cr.findings = it->second;
      std::sort(cr.findings.begin(), cr.findings.end(), natural_less);
    }
    for (const ControlState* ctl : links.controls(cr.id)) cr.controls.push_back(ctl->id);
    std::sort(cr.controls.begin(), cr.controls.end());
    if (!in_scope(s, c.category)) {
      cr.status = CriterionStatus::kOutOfScope;
    } else {
      if (!cr.findings.empty())
        cr.status = CriterionStatus::kGap;
      else if (!links.implemented(cr.id))
        cr.status = CriterionStatus::kNoControl;
      else if (!links.implemented_with_evidence(cr.id, d))
        cr.status = CriterionStatus::kNoEvidence;
      else
        cr.status = CriterionStatus::kReady;
      ReadinessCount& cat = r.categories[c.category];
      ++cat.in_scope;
      ++r.overall.in_scope;
      if (cr.status == CriterionStatus::kReady) {
        ++cat.ready;
        ++r.overall.ready;
      }
    }
    r.criteria.push_back(std::move(cr));
  }
  return r;
}

std::vector<OwnerWorkload> workloads_at(const ProgramState& s, Date d) {
  std::map<std::string, OwnerWorkload> rows;
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, d)) continue;  // an expired acceptance is back on its owner's list
    OwnerWorkload& w = rows[f.owner];
    if (w.total == 0) w.owner = f.owner;
    count_severity(w, f.severity);
    ++w.total;
    if (is_overdue(f, d)) ++w.overdue;
    if (const auto& due = f.due_date; due && *due >= d && due->days <= d.days + 14) {
      ++w.due_soon;
    }
    w.oldest_days = std::max(w.oldest_days, d.days - f.recorded_on.days);
  }
  std::vector<OwnerWorkload> out;
  out.reserve(rows.size());
  for (auto& [owner, w] : rows) out.push_back(std::move(w));
  std::sort(out.begin(), out.end(), [](const OwnerWorkload& a, const OwnerWorkload& b) {
    if (a.overdue != b.overdue) return a.overdue > b.overdue;
    if (a.total != b.total) return a.total > b.total;
    if (a.owner.empty() != b.owner.empty()) return b.owner.empty();  // unassigned last
    return a.owner < b.owner;
  });
  return out;
}

UnresolvedCounts unresolved_at(const ProgramState& s, Date d) {
  UnresolvedCounts u;
  for (const auto& [id, f] : s.findings) {
    if (is_unresolved(f, d)) {
      count_severity(u, f.severity);
    }
    if (is_overdue(f, d)) ++u.overdue;
  }
  return u;
}

std::vector<RoadmapMonth> roadmap_at(const ProgramState& s, Date d) {
  std::map<std::string, std::vector<RoadmapItem>> by_month;  // "" sorts first; moved last below
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, d)) continue;
    const std::string month = f.due_date ? format_date(*f.due_date).substr(0, 7) : "";
    by_month[month].push_back(RoadmapItem{f.id, f.title, f.severity, f.owner, f.due_date, f.status,
                                          is_overdue(f, d), is_acceptance_expired(f, d)});
  }
  std::vector<RoadmapMonth> out;
  for (auto& [month, items] : by_month) {
    std::sort(items.begin(), items.end(), [](const RoadmapItem& a, const RoadmapItem& b) {
      if (a.due_date != b.due_date) return a.due_date < b.due_date;
      if (a.severity != b.severity) return severity_rank(a.severity) < severity_rank(b.severity);
      return natural_less(a.id, b.id);
    });
    out.push_back(RoadmapMonth{month, std::move(items)});
  }
  if (!out.empty() && out.front().month.empty())
    std::rotate(out.begin(), out.begin() + 1, out.end());
  return out;
}

namespace {
bool on_in_scope_criterion(const ProgramState& s, const FindingState& f) {
  return std::any_of(f.criteria.begin(), f.criteria.end(), [&](const std::string& id) {
    const Criterion* c = find_criterion(id);
    return c != nullptr && in_scope(s, c->category);
  });
}
}  // namespace

AuditBlockers audit_blockers_at(const ProgramState& s, Date d) {
  const Links links(s);
  AuditBlockers b;
  for (const Criterion& c : tsc_catalog()) {
    if (in_scope(s, c.category) && !links.implemented_with_evidence(std::string(c.id), d)) {
      b.criteria.emplace_back(c.id);
    }
  }
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, d) || !on_in_scope_criterion(s, f)) continue;
    if (!f.due_date) {
      b.no_due_date.push_back(id);
    } else if (s.audit && *f.due_date > s.audit->target()) {
      b.due_after_target.push_back(id);
    }
  }
  std::sort(b.no_due_date.begin(), b.no_due_date.end(), natural_less);
  std::sort(b.due_after_target.begin(), b.due_after_target.end(), natural_less);
  return b;
}

std::optional<bool> on_track(const std::optional<AuditTarget>& audit,
                             std::optional<Date> projected) {
  if (!audit) return std::nullopt;
  return projected.has_value() && *projected <= audit->target();
}

HeatMap heat_map_at(const ProgramState& s, Date d) {
  HeatMap h;
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, d)) continue;
    if (f.likelihood == 0 || f.impact == 0) {
      h.unrated.push_back(id);
    } else {
      h.cells.at(f.likelihood - 1).at(f.impact - 1).push_back(id);
    }
  }
  for (auto& row : h.cells) {
    for (auto& cell : row) std::sort(cell.begin(), cell.end(), natural_less);
  }
  std::sort(h.unrated.begin(), h.unrated.end(), natural_less);
  return h;
}

std::vector<std::string> not_assessed_at(const ProgramState& s) {
  std::set<std::string> touched;
  const auto touch = [&](const std::vector<std::string>& criteria) {
    touched.insert(criteria.begin(), criteria.end());
  };
  for (const auto& [id, doc] : s.documents) {
    if (!doc.reviews.empty()) touch(doc.criteria);
  }
  for (const auto& [id, interview] : s.interviews) touch(interview.criteria);
  for (const auto& [id, ctl] : s.controls) {
    if (!ctl.tests.empty()) touch(ctl.criteria);
  }
  std::vector<std::string> out;
  for (const Criterion& c : tsc_catalog()) {
    if (in_scope(s, c.category) && touched.count(std::string(c.id)) == 0) {
      out.emplace_back(c.id);
    }
  }
  return out;
}

std::optional<Date> projected_ready_on(const ProgramState& s, Date to) {
  const Links links(s);
  for (const Criterion& c : tsc_catalog()) {
    if (in_scope(s, c.category) && !links.implemented_with_evidence(std::string(c.id), to)) {
      return std::nullopt;
    }
  }
  Date latest = to;
  for (const auto& [id, f] : s.findings) {
    if (!is_unresolved(f, to) || !on_in_scope_criterion(s, f)) continue;
    const auto& due = f.due_date;
    if (!due) return std::nullopt;
    latest = std::max(latest, *due);
  }
  return latest;
}

}  // namespace gaplog
