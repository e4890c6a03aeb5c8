// The rules of SPEC §5 evaluated on a folded state at a date: criterion readiness, owner
// workloads, the roadmap and the counts of a timeline point. Pure; the projections decide which
// events the state was folded from (as of a date, as known at an instant).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/state.h"

namespace gaplog {

enum class CriterionStatus : uint8_t { kGap, kNoControl, kNoEvidence, kReady, kOutOfScope };
std::string_view name(CriterionStatus s);

// Unresolved at D: open, in_progress or remediated, or risk_accepted whose expires_on < D.
bool is_unresolved(const FindingState& f, Date d);
// An expired acceptance at D: risk_accepted whose expires_on < D. It keeps that status but is a
// gap again, and is shown everywhere as expired, never as approved (SPEC §3).
bool is_acceptance_expired(const FindingState& f, Date d);
// Overdue at D: open or in_progress with a due date before D.
bool is_overdue(const FindingState& f, Date d);
// The last day evidence is valid for a control (SPEC §12): its own valid_until when set;
// otherwise, for a control with a cadence, its collected_on (or upload date) plus the cadence's
// months (add_months); otherwise none (valid for ever).
std::optional<Date> valid_until_for(const EvidenceState& e, const ControlState& c);
// Current evidence of control c at D (SPEC §5.1): collected_on (if set) ≤ D and the end of
// valid_until_for() none or ≥ D. (Linked at D is the caller's business.)
bool is_current_for(const EvidenceState& e, const ControlState& c, Date d);
// When evidence stops being valid: its valid_until when set, else the earliest valid_until_for()
// among the controls it is linked to that have a cadence; none = never.
std::optional<Date> expires_on(const ProgramState& s, const EvidenceState& e);
// Current at D: collected_on (if set) ≤ D and expires_on() none or ≥ D.
bool is_current(const ProgramState& s, const EvidenceState& e, Date d);

// A control's evidence at D, as the Controls view and My work show it (SPEC §12).
enum class EvidenceStatus : uint8_t {
  kCurrent,   // current evidence that does not all end within kEvidenceExpiringDays
  kExpiring,  // current evidence, all of it ending within kEvidenceExpiringDays
  kLapsed,    // evidence linked, none current
  kMissing    // no evidence linked
};
std::string_view name(EvidenceStatus s);
std::optional<EvidenceStatus> parse_evidence_status(std::string_view s);
// The window of the evidence_expiring reminder (SPEC §11) and of "expiring" above.
inline constexpr int32_t kEvidenceExpiringDays = 30;

struct ControlEvidence {
  std::vector<std::string> linked, current;  // evidence ids, natural order
  // The latest last day among its current evidence; none when none is current or one never ends.
  std::optional<Date> valid_until;
  EvidenceStatus status = EvidenceStatus::kMissing;
};
ControlEvidence control_evidence_at(const ProgramState& s, const ControlState& c, Date d);

struct ReadinessCount {
  int ready = 0;
  int in_scope = 0;
  // 100 × ready / in_scope in tenths, rounded half up (0 when in_scope is 0): 667 = 66.7%.
  int percent_tenths() const;
  bool operator==(const ReadinessCount&) const = default;
};

struct CriterionReadiness {
  std::string id;
  Category category;
  CriterionStatus status;
  std::vector<std::string> findings;  // unresolved findings referencing it, natural id order
  std::vector<std::string> controls;  // mapped controls, by id
  bool operator==(const CriterionReadiness&) const = default;
};

struct Readiness {
  Date as_of;
  ReadinessCount overall;
  std::map<Category, ReadinessCount> categories;  // in-scope categories only
  std::vector<CriterionReadiness> criteria;       // all 61, catalog order
  bool operator==(const Readiness&) const = default;
};

Readiness readiness_at(const ProgramState& state, Date d);

struct OwnerWorkload {
  std::string owner;  // "" = unassigned (null in JSON), sorted last
  int critical = 0, high = 0, medium = 0, low = 0, total = 0, overdue = 0, due_soon = 0;
  int oldest_days = 0;
  bool operator==(const OwnerWorkload&) const = default;
};

// Findings unresolved at D (an expired risk acceptance included), by current owner; sorted by
// overdue desc, total desc, owner asc (unassigned last).
std::vector<OwnerWorkload> workloads_at(const ProgramState& state, Date d);

struct UnresolvedCounts {
  int critical = 0, high = 0, medium = 0, low = 0;
  int overdue = 0;
  bool operator==(const UnresolvedCounts&) const = default;
};
// Over all findings: unresolved by severity, and the overdue count.
UnresolvedCounts unresolved_at(const ProgramState& state, Date d);

struct RoadmapItem {
  std::string id, title;
  Severity severity;
  std::string owner;
  std::optional<Date> due_date;
  FindingStatus status;
  bool overdue;
  bool acceptance_expired;
  bool operator==(const RoadmapItem&) const = default;
};
struct RoadmapMonth {
  std::string month;  // "YYYY-MM"; "" = no due date (null in JSON), last
  std::vector<RoadmapItem> findings;
  bool operator==(const RoadmapMonth&) const = default;
};
// Findings unresolved at D by month of due date; within a month by due date, severity
// (critical first), id (natural order).
std::vector<RoadmapMonth> roadmap_at(const ProgramState& state, Date d);

// As of `to`: null when some in-scope criterion has no implemented mapped control with current
// evidence, or an unresolved finding referencing an in-scope criterion has no due date;
// otherwise the later of `to` and the latest due date among those findings.
std::optional<Date> projected_ready_on(const ProgramState& state, Date to);

// What stands between the program and its audit as of D (SPEC §13), natural id order: the
// in-scope criteria with no implemented mapped control with current evidence (catalog order),
// the unresolved findings on in-scope criteria without a due date, and those due after the
// audit target (none without one).
struct AuditBlockers {
  std::vector<std::string> criteria, no_due_date, due_after_target;
  bool operator==(const AuditBlockers&) const = default;
};
AuditBlockers audit_blockers_at(const ProgramState& state, Date d);
// On track: the projection is on or before the audit target (the Type I date or the Type II
// window's start); false without a projection; nullopt without an audit target.
std::optional<bool> on_track(const std::optional<AuditTarget>& audit,
                             std::optional<Date> projected);

// The 5 × 5 risk heat map as of D (SPEC §13): the findings unresolved at D by likelihood and
// impact, cells[likelihood - 1][impact - 1], and the unresolved ones without ratings.
struct HeatMap {
  std::array<std::array<std::vector<std::string>, 5>, 5> cells;
  std::vector<std::string> unrated;
  bool operator==(const HeatMap&) const = default;
};
HeatMap heat_map_at(const ProgramState& state, Date d);

// The in-scope criteria (catalog order) that no document review, interview or control test
// touched in the state given (fold it as of the date wanted).
std::vector<std::string> not_assessed_at(const ProgramState& state);

// Adds one finding of severity `s` to counts with critical / high / medium / low fields.
template <typename Counts>
void count_severity(Counts& c, Severity s) {
  switch (s) {
    case Severity::kCritical:
      ++c.critical;
      break;
    case Severity::kHigh:
      ++c.high;
      break;
    case Severity::kMedium:
      ++c.medium;
      break;
    case Severity::kLow:
      ++c.low;
      break;
  }
}

// "F-2" before "F-10": ids compared by prefix, then by their number.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace gaplog
