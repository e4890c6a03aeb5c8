#include "domain/transitions.h"

#include <array>

namespace gaplog {
namespace {

using S = FindingStatus;
constexpr std::array kTable{
    FindingTransition{S::kOpen, S::kInProgress, Mover::kOwnerOrEditor, false, false},
    FindingTransition{S::kOpen, S::kRemediated, Mover::kOwnerOrEditor, false, false},
    FindingTransition{S::kInProgress, S::kRemediated, Mover::kOwnerOrEditor, false, false},
    FindingTransition{S::kInProgress, S::kOpen, Mover::kOwnerOrEditor, false, false},
    FindingTransition{S::kRemediated, S::kClosed, Mover::kEditorNotOwner, false, true},
    FindingTransition{S::kRemediated, S::kInProgress, Mover::kEditor, true, false},
    FindingTransition{S::kClosed, S::kOpen, Mover::kEditor, true, false},
    FindingTransition{S::kRiskAccepted, S::kOpen, Mover::kAdmin, true, false},
};

bool is_editor_or_admin(Role r) { return r == Role::kAdmin || r == Role::kEditor; }

}  // namespace

std::span<const FindingTransition> finding_transitions() { return kTable; }

std::optional<FindingTransition> find_transition(FindingStatus from, FindingStatus to) {
  for (const FindingTransition& t : kTable) {
    if (t.from == from && t.to == to) return t;
  }
  return std::nullopt;
}

std::vector<FindingStatus> transition_targets(FindingStatus from) {
  std::vector<FindingStatus> out;
  for (const FindingTransition& t : kTable) {
    if (t.from == from) out.push_back(t.to);
  }
  return out;
}

bool may_move(Mover who, const UserState& actor, const FindingState& f) {
  const bool is_owner = !f.owner.empty() && f.owner == actor.email;
  switch (who) {
    case Mover::kOwnerOrEditor:
      return is_owner || is_editor_or_admin(actor.role);
    case Mover::kEditorNotOwner:
      return is_editor_or_admin(actor.role) && !is_owner;
    case Mover::kEditor:
      return is_editor_or_admin(actor.role);
    case Mover::kAdmin:
      return actor.role == Role::kAdmin;
  }
  return false;
}

std::string_view describe(Mover who) {
  switch (who) {
    case Mover::kOwnerOrEditor:
      return "its owner, an editor or an admin";
    case Mover::kEditorNotOwner:
      return "an editor or admin other than its owner (segregation of duties)";
    case Mover::kEditor:
      return "an editor or an admin";
    case Mover::kAdmin:
      return "an admin";
  }
  return "";
}

std::vector<FindingTransition> transitions_open_to(const UserState& actor, const FindingState& f) {
  std::vector<FindingTransition> out;
  if (!actor.active || actor.role == Role::kAuditor) return out;
  for (const FindingTransition& t : kTable) {
    if (t.from != f.status || !may_move(t.who, actor, f)) continue;
    if (t.verifies &&
        (f.remediated_by == actor.email ||
         (!f.owner_when_remediated.empty() && f.owner_when_remediated == actor.email))) {
      continue;
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace gaplog
