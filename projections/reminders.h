// The rules of SPEC §11: which reminders fire on a day, whom they address, and the notifications
// they expand to. Pure functions of a folded state; the caller folds it (as of D, SPEC §5) and
// delivers, records and deduplicates through the log (notification_sent).
//
// The daily pass, for day D on the state as of D (every event with occurred_at before the end
// of D), fires:
//   due_soon             D = due − 7 or due − 1 of a finding unresolved at D     → its owner
//   overdue              D = S, S + 7, S + 14, ... where S = overdue_since(f, D),
//                        the first day of the current run of overdue days        → its owner
//   acceptance_expiring  risk_accepted, D = expires_on − 30 or expires_on − 7   → active admins
//   acceptance_expired   risk_accepted, D = expires_on + 1 (first expired day)  → active admins
//                                                                                   and the owner
//   evidence_expiring    D = valid_until − 30, the evidence current at D and linked to an
//                        implemented control (subject: the evidence)  → the control's owner, else
//                                                                       active editors and admins
//   weekly_digest        Mondays (subject "")  → active owners of findings unresolved at D, and
//                                                active admins and editors; one per person
// Decisions:
// - People are users active as of D (deactivated users get nothing); an owner who is not an
//   active user is nobody. A firing may address nobody (due_soon of an unassigned finding): it
//   is still a firing, and still goes to the webhooks that take its kind, since a webhook
//   follows the program, not a person.
// - `assigned` is not part of the daily pass: it answers an event, not a date, and is sent at
//   once when the event commits (assigned_firing); in the pass it would come hours late, and a
//   back-filled assignment would be announced for a day that is past (SPEC §11 forbids both).
// - Nobody is told about their own action: assigning a finding to oneself fires nothing, not
//   even to webhooks (there is nothing to chase).
// - An overdue run restarts whenever the finding stops being overdue for a day (remediated,
//   risk accepted, due date moved later) and becomes overdue again: the weekly count starts over.
// - Controls have no owner yet: evidence_expiring addresses every active editor and admin for
//   each implemented control it supports (control_owner() in reminders.cc is where an owner
//   will be read).
// - Whether a planned notification was already delivered is the log's business
//   (already_sent()); these functions do not filter on it.
//
// Thread-safety: none needed; no state of its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/event.h"
#include "domain/state.h"
#include "domain/time.h"

namespace gaplog {

// The day of the week of D: 0 = Monday ... 6 = Sunday.
int weekday(Date d);

// One firing of a rule on day D: the kind, its subject (a finding or evidence id; "" for a
// digest) and the people it addresses: active users (as of D), by the rule's "to" column, sorted,
// each once. A firing may address nobody (e.g. due_soon of an unassigned finding); it still goes
// to webhooks.
struct RuleFiring {
  NotificationKind kind;
  std::string subject;
  std::vector<std::string> people;
  Date day;
  bool operator==(const RuleFiring&) const = default;
};

// Every firing of day D of the daily pass (every kind but `assigned`), given `state` folded as of
// D (SPEC §5: events with occurred_at before the end of D). Sorted by kind (enum order), then
// subject (natural_less).
std::vector<RuleFiring> daily_firings(const ProgramState& state, Date d);

// The `assigned` firing of one committed event (finding_assigned with a new owner, or
// finding_recorded with an owner), given the state right after it: addresses the new owner if
// active; nullopt when the event assigns nobody, or the actor assigned it to themself (nobody is
// told about their own action). Its day is the date of the event's occurred_at.
std::optional<RuleFiring> assigned_firing(const ProgramState& state_after, const Event& event);

// One notification to one recipient: an e-mail address, or "webhook:<id>".
struct PlannedNotification {
  NotificationKind kind;
  std::string recipient, subject;
  Date day;
  bool operator==(const PlannedNotification&) const = default;
};

// Expands firings to recipients: with `email`, each person addressed whose email_reminders is on
// (and, for a weekly_digest, whose digest is on); then every webhook not removed whose kinds list
// the firing's kind. Sorted by kind, recipient, subject (SPEC §11's JSON order) — the kind by its
// contract name, strings bytewise — then day; each (kind, recipient, subject, day) once.
std::vector<PlannedNotification> plan_notifications(const ProgramState& state,
                                                    const std::vector<RuleFiring>& firings,
                                                    bool email);

// A planned notification's key (notification_key in domain/state.h) and whether it is already
// recorded in state.
std::string notification_key(const PlannedNotification& n);
bool already_sent(const ProgramState& state, const PlannedNotification& n);

}  // namespace gaplog
