#include "projections/reminders.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <tuple>

#include "domain/readiness.h"

namespace gaplog {
namespace {

// The owner of a control, who gets the reminders about its evidence; "" = nobody.
std::string_view control_owner(const ControlState& control) { return control.owner; }

// The people of a firing: a set, so each once and sorted.
using People = std::set<std::string>;

bool is_active(const ProgramState& s, std::string_view email) {
  if (email.empty()) return false;
  const UserState* u = s.user(std::string(email));
  return u != nullptr && u->active;
}

void add_if_active(const ProgramState& s, std::string_view email, People& people) {
  if (is_active(s, email)) people.emplace(email);
}

void add_role(const ProgramState& s, Role role, People& people) {
  for (const auto& [email, u] : s.users) {
    if (u.active && u.role == role) people.insert(email);
  }
}

RuleFiring firing(NotificationKind kind, std::string subject, const People& people, Date d) {
  return RuleFiring{kind, std::move(subject),
                    std::vector<std::string>(people.begin(), people.end()), d};
}

// Whole days from a to b.
int32_t days_between(Date a, Date b) { return b.days - a.days; }

// due_soon and overdue: about the owner, from the due date and the current overdue run.
void finding_rules(const ProgramState& s, const FindingState& f, Date d,
                   std::vector<RuleFiring>& out) {
  People owner;
  add_if_active(s, f.owner, owner);
  if (f.due_date && is_unresolved(f, d)) {
    const int32_t before = days_between(d, *f.due_date);
    if (before == 7 || before == 1)
      out.push_back(firing(NotificationKind::kDueSoon, f.id, owner, d));
  }
  if (const std::optional<Date> since = overdue_since(f, d)) {
    if (days_between(*since, d) % 7 == 0)
      out.push_back(firing(NotificationKind::kOverdue, f.id, owner, d));
  }
}

// acceptance_expiring and acceptance_expired: to the admins (and, once expired, the owner).
void acceptance_rules(const ProgramState& s, const FindingState& f, Date d,
                      std::vector<RuleFiring>& out) {
  if (f.status != FindingStatus::kRiskAccepted || !f.risk_acceptance ||
      !f.risk_acceptance->expires_on)
    return;
  const Date expires = *f.risk_acceptance->expires_on;
  const int32_t before = days_between(d, expires);
  People admins;
  add_role(s, Role::kAdmin, admins);
  if (before == 30 || before == 7)
    out.push_back(firing(NotificationKind::kAcceptanceExpiring, f.id, admins, d));
  if (before == -1) {
    add_if_active(s, f.owner, admins);
    out.push_back(firing(NotificationKind::kAcceptanceExpired, f.id, admins, d));
  }
}

// evidence_expiring: 30 days before the evidence stops being current evidence of an implemented
// control (its valid_until, or the end of that control's evidence period, SPEC §12): to each such
// control's owner, or, for a control without an active owner, every active editor and admin.
void evidence_rule(const ProgramState& s, const EvidenceState& e, Date d,
                   std::vector<RuleFiring>& out) {
  People people;
  bool fires = false;
  for (const std::string& id : e.controls) {
    const ControlState* c = s.control(id);
    // Implemented by its status (SPEC §11): a failed test takes it out of readiness only (§12),
    // and its evidence is what most needs keeping up.
    if (c == nullptr || c->status != ControlStatus::kImplemented || !is_current_for(e, *c, d))
      continue;
    const std::optional<Date> until = valid_until_for(e, *c);
    if (!until || days_between(d, *until) != 30) continue;
    fires = true;
    if (is_active(s, control_owner(*c))) {
      people.emplace(control_owner(*c));
    } else {
      add_role(s, Role::kEditor, people);
      add_role(s, Role::kAdmin, people);
    }
  }
  if (fires) out.push_back(firing(NotificationKind::kEvidenceExpiring, e.id, people, d));
}

// weekly_digest: active owners of unresolved findings, and active admins and editors.
RuleFiring digest(const ProgramState& s, Date d) {
  People people;
  add_role(s, Role::kAdmin, people);
  add_role(s, Role::kEditor, people);
  for (const auto& [id, f] : s.findings) {
    if (is_unresolved(f, d)) add_if_active(s, f.owner, people);
  }
  return firing(NotificationKind::kWeeklyDigest, "", people, d);
}

}  // namespace

int weekday(Date d) {
  // 1970-01-01 was a Thursday (3).
  return static_cast<int>(((d.days % 7) + 7 + 3) % 7);
}

std::vector<RuleFiring> daily_firings(const ProgramState& state, Date d) {
  std::vector<RuleFiring> out;
  for (const auto& [id, f] : state.findings) {
    finding_rules(state, f, d, out);
    acceptance_rules(state, f, d, out);
  }
  for (const auto& [id, e] : state.evidence) evidence_rule(state, e, d, out);
  if (weekday(d) == 0) out.push_back(digest(state, d));
  std::sort(out.begin(), out.end(), [](const RuleFiring& a, const RuleFiring& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    return natural_less(a.subject, b.subject);
  });
  return out;
}

std::optional<RuleFiring> assigned_firing(const ProgramState& state_after, const Event& event) {
  std::string finding, owner;
  if (const auto* a = std::get_if<FindingAssigned>(&event.payload)) {
    if (a->owner == a->previous_owner) return std::nullopt;
    finding = a->finding_id;
    owner = a->owner;
  } else if (const auto* r = std::get_if<FindingRecorded>(&event.payload)) {
    finding = r->finding_id;
    owner = r->owner;
  }
  if (owner.empty() || owner == event.actor) return std::nullopt;
  People people;
  add_if_active(state_after, owner, people);
  return firing(NotificationKind::kAssigned, std::move(finding), people,
                date_of(event.occurred_at));
}

std::vector<PlannedNotification> plan_notifications(const ProgramState& state,
                                                    const std::vector<RuleFiring>& firings,
                                                    bool email) {
  std::vector<PlannedNotification> out;
  for (const RuleFiring& f : firings) {
    const std::string_view kind = name(f.kind);
    for (const std::string& person : f.people) {
      const UserState* u = state.user(person);
      if (!email || u == nullptr || !u->email_reminders) continue;
      if (f.kind == NotificationKind::kWeeklyDigest && !u->digest) continue;
      out.push_back(PlannedNotification{f.kind, person, f.subject, f.day});
    }
    for (const auto& [id, w] : state.webhooks) {
      if (w.removed || std::find(w.kinds.begin(), w.kinds.end(), kind) == w.kinds.end()) continue;
      out.push_back(PlannedNotification{f.kind, "webhook:" + id, f.subject, f.day});
    }
  }
  // The kind by its contract name, as a reader of the JSON sorts it ("acceptance_expired" first).
  const auto key = [](const PlannedNotification& n) {
    return std::make_tuple(name(n.kind), std::cref(n.recipient), std::cref(n.subject), n.day);
  };
  std::sort(
      out.begin(), out.end(),
      [&](const PlannedNotification& a, const PlannedNotification& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string notification_key(const PlannedNotification& n) {
  return notification_key(name(n.kind), n.subject, n.recipient, format_date(n.day));
}

bool already_sent(const ProgramState& state, const PlannedNotification& n) {
  return state.notification_keys.count(notification_key(n)) > 0;
}

}  // namespace gaplog
