// The finding workflow of SPEC §3 as one table: which status changes the status command makes,
// who may make each, and which need a reason. decide() enforces it, the finding JSON lists the
// changes open to the caller (`allowed_transitions`), and the web client shows those, so the
// rules live here only. Risk acceptance has its own command and is not in the table.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/state.h"

namespace gaplog {

// Who may make a change, by role and by ownership of the finding.
enum class Mover {
  kOwnerOrEditor,   // its owner, an editor or an admin
  kEditorNotOwner,  // an editor or admin other than its owner (segregation of duties)
  kEditor,          // an editor or an admin
  kAdmin,           // an admin
};

struct FindingTransition {
  FindingStatus from;
  FindingStatus to;
  Mover who;
  bool reason_required;  // reopening, failed verification, revoking an acceptance
  // Closing: the finding needs linked evidence, and neither whoever moved it to remediated
  // nor whoever owned it then may close it (segregation of duties).
  bool verifies;
};

// Every change the status command makes, in the order the API lists them.
std::span<const FindingTransition> finding_transitions();

// The change from `from` to `to`, if the status command makes it.
std::optional<FindingTransition> find_transition(FindingStatus from, FindingStatus to);

// The statuses a finding may move to from `from` through the status command.
std::vector<FindingStatus> transition_targets(FindingStatus from);

// Whether `actor` is of the people `who` names for finding `f` (role and ownership only).
bool may_move(Mover who, const UserState& actor, const FindingState& f);
// "its owner, an editor or an admin", ...: for error messages.
std::string_view describe(Mover who);

// The changes `actor` may make to `f` now: role, ownership and the segregation of duties.
// Facts the caller can still change (linked evidence, a reason) are not checked here: the
// command says what is missing when they are.
std::vector<FindingTransition> transitions_open_to(const UserState& actor, const FindingState& f);

}  // namespace gaplog
