// The replay check of SPEC §2 "Commands are serializable": folds a whole log in seq order with
// a fold of its own (not evolve(), not decide()) and requires every event to have been allowed
// by the rules at its place in the log: the actor was an active user holding a role that may
// write it, the last active admin was never demoted or deactivated, the closer of a finding was
// neither its owner, nor the user who moved it to remediated, nor its owner at that moment, and
// no finding was closed without evidence. A log written by commands decided against a state
// that missed earlier events (a race) fails it.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/event.h"

namespace gaplog::testing {

struct ReplayFinding {
  std::string owner;
  FindingStatus status = FindingStatus::kOpen;
  std::string remediated_by, owner_when_remediated;
};

// Returns "" when every event was allowed, else what the first disallowed event broke.
inline std::string replay_check(const std::vector<Event>& events) {
  struct User {
    Role role;
    bool active;
  };
  std::map<std::string, User> users;
  std::map<std::string, ReplayFinding> findings;
  std::map<std::string, std::set<std::string>> evidence_of;
  std::map<std::string, std::string> control_owner;  // SPEC §12
  std::set<std::string> origins;                     // SPEC §13: what a finding may name
  auto active_admins = [&] {
    size_t n = 0;
    for (const auto& [email, u] : users) n += u.active && u.role == Role::kAdmin;
    return n;
  };
  for (const Event& e : events) {
    const std::string where =
        fmt::format("seq {} ({} by {})", e.seq, event_type_name(e.payload), e.actor);
    const bool bootstrap = users.empty() && std::holds_alternative<UserAdded>(e.payload);
    // SPEC §11: gaplog itself records the reminders it sent, and nothing else.
    if (e.actor == kSystemActor) {
      if (!std::holds_alternative<NotificationSent>(e.payload)) {
        return where + ": gaplog itself wrote something other than a sent reminder";
      }
      continue;
    }
    if (std::holds_alternative<NotificationSent>(e.payload)) {
      return where + ": a sent reminder recorded by a user";
    }
    if (!bootstrap) {
      auto actor = users.find(e.actor);
      if (actor == users.end()) return where + ": the actor is not a user";
      if (!actor->second.active) return where + ": the actor was deactivated before it";
      const Role role = actor->second.role;
      // A user's own things, whatever its role (SPEC §10): signing in and out, its personal
      // tokens (expiring within a year) and revoking its own tokens.
      if (auto* p = std::get_if<UserSignedIn>(&e.payload)) {
        if (p->email != e.actor) return where + ": signed in as someone else";
        continue;
      }
      if (auto* p = std::get_if<UserSignedOut>(&e.payload)) {
        if (p->email != e.actor) return where + ": signed out someone else";
        continue;
      }
      if (auto* p = std::get_if<TokenIssued>(&e.payload); p && p->email == e.actor) {
        if (role != Role::kAdmin && p->expires_on.empty())
          return where + ": a personal token without an expiry";
        continue;
      }
      if (auto* p = std::get_if<TokenRevoked>(&e.payload); p && p->email == e.actor) continue;
      if (auto* p = std::get_if<UserNotificationsSet>(&e.payload)) {
        if (p->email != e.actor) return where + ": set someone else's reminder settings";
        continue;
      }
      const bool admin_only = std::holds_alternative<UserAdded>(e.payload) ||
                              std::holds_alternative<UserRoleChanged>(e.payload) ||
                              std::holds_alternative<UserDeactivated>(e.payload) ||
                              std::holds_alternative<TokenIssued>(e.payload) ||
                              std::holds_alternative<TokenRevoked>(e.payload) ||
                              std::holds_alternative<ScopeSet>(e.payload) ||
                              std::holds_alternative<ProgramNamed>(e.payload) ||
                              std::holds_alternative<RiskAccepted>(e.payload) ||
                              std::holds_alternative<WebhookAdded>(e.payload) ||
                              std::holds_alternative<WebhookRemoved>(e.payload) ||
                              std::holds_alternative<AuditTargetSet>(e.payload);
      if (role == Role::kAuditor) return where + ": auditors write nothing";
      if (admin_only && role != Role::kAdmin) return where + ": only an admin may write it";
      if (role == Role::kContributor) {
        const bool contributor_may = std::holds_alternative<FindingStatusChanged>(e.payload) ||
                                     std::holds_alternative<CommentAdded>(e.payload) ||
                                     std::holds_alternative<EvidenceUploaded>(e.payload) ||
                                     std::holds_alternative<EvidenceLinked>(e.payload) ||
                                     std::holds_alternative<EvidenceUnlinked>(e.payload);
        if (!contributor_may) return where + ": a contributor may not write it";
        if (auto* p = std::get_if<FindingStatusChanged>(&e.payload);
            p && findings[p->finding_id].owner != e.actor) {
          return where + ": a contributor changed the status of a finding it does not own";
        }
        if (auto* p = std::get_if<EvidenceLinked>(&e.payload);
            p && !p->control_id.empty() && control_owner[p->control_id] != e.actor) {
          return where + ": a contributor linked evidence to a control it does not own";
        }
        if (auto* p = std::get_if<EvidenceUnlinked>(&e.payload);
            p && !p->control_id.empty() && control_owner[p->control_id] != e.actor) {
          return where + ": a contributor unlinked evidence from a control it does not own";
        }
      }
      if (e.recorded_at - e.occurred_at > kBackfillThreshold && role != Role::kAdmin) {
        return where + ": only admins back-fill";
      }
    }
    if (auto* p = std::get_if<UserAdded>(&e.payload)) users[p->email] = {p->role, true};
    if (auto* p = std::get_if<UserRoleChanged>(&e.payload)) users[p->email].role = p->role;
    if (auto* p = std::get_if<UserDeactivated>(&e.payload)) users[p->email].active = false;
    if ((std::holds_alternative<UserRoleChanged>(e.payload) ||
         std::holds_alternative<UserDeactivated>(e.payload)) &&
        active_admins() == 0) {
      return where + ": it left the program without an active admin";
    }
    if (auto* p = std::get_if<FindingRecorded>(&e.payload)) {
      findings[p->finding_id].owner = p->owner;
      if (!p->origin.empty() && !origins.contains(p->origin))
        return where + ": its origin " + p->origin + " did not exist";
    }
    if (auto* p = std::get_if<FindingUpdated>(&e.payload);
        p && !p->origin.empty() && !origins.contains(p->origin)) {
      return where + ": its origin " + p->origin + " did not exist";
    }
    if (auto* p = std::get_if<DocumentRecorded>(&e.payload)) origins.insert(p->document_id);
    if (auto* p = std::get_if<InterviewRecorded>(&e.payload)) origins.insert(p->interview_id);
    if (auto* p = std::get_if<ControlTested>(&e.payload)) {
      size_t n = 1;
      while (origins.contains(p->control_id + "#test-" + std::to_string(n))) ++n;
      origins.insert(p->control_id + "#test-" + std::to_string(n));
    }
    if (auto* p = std::get_if<ControlDefined>(&e.payload)) control_owner[p->control_id] = p->owner;
    if (auto* p = std::get_if<ControlUpdated>(&e.payload)) control_owner[p->control_id] = p->owner;
    if (auto* p = std::get_if<FindingAssigned>(&e.payload))
      findings[p->finding_id].owner = p->owner;
    if (auto* p = std::get_if<EvidenceLinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].insert(p->evidence_id);
    }
    if (auto* p = std::get_if<EvidenceUnlinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].erase(p->evidence_id);
    }
    if (auto* p = std::get_if<FindingStatusChanged>(&e.payload)) {
      ReplayFinding& f = findings[p->finding_id];
      if (p->from != f.status)
        return where + ": its 'from' status is not the finding's status then";
      if (p->to == FindingStatus::kRemediated) {
        f.remediated_by = e.actor;
        f.owner_when_remediated = f.owner;
      }
      if (p->to == FindingStatus::kClosed) {
        if (e.actor == f.owner) return where + ": closed by its owner";
        if (e.actor == f.remediated_by)
          return where + ": closed by the user who moved it to remediated";
        if (e.actor == f.owner_when_remediated)
          return where + ": closed by its owner when it was remediated";
        if (evidence_of[p->finding_id].empty()) return where + ": closed without evidence";
      }
      f.status = p->to;
    }
    if (auto* p = std::get_if<RiskAccepted>(&e.payload)) {
      ReplayFinding& f = findings[p->finding_id];
      if (e.actor == f.owner) return where + ": its owner accepted the risk";
      f.status = FindingStatus::kRiskAccepted;
    }
  }
  return "";
}

}  // namespace gaplog::testing
