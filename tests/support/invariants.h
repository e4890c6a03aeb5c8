// Checks over folded states and event logs shared by the property tests.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/state.h"

namespace gaplog::testing {

// A readable dump of everything in the state, to compare two states.
inline std::string dump(const ProgramState& s) {
  std::string out = fmt::format("name={} scope={} seq={} f={} e={}\n", s.name, s.scope.size(),
                                s.last_seq, s.findings_recorded, s.evidence_uploaded);
  for (const auto& [k, u] : s.users) {
    out += fmt::format("user {} {} {} {} v{} signed-in {} reminders {}/{}\n", k, u.name,
                       name(u.role), u.active, u.version, u.last_signed_in_at.value_or(-1),
                       u.email_reminders, u.digest);
  }
  for (const auto& [k, t] : s.tokens) {
    out += fmt::format("token {} {} {} expires {} by {} at {}\n", k, t.email, t.revoked,
                       format_optional_date(t.expires_on), t.issued_by, t.issued_at);
  }
  for (const auto& [k, c] : s.controls) {
    out += fmt::format("control {} {} {} {} v{}\n", k, c.title, fmt::join(c.criteria, ","),
                       name(c.status), c.version);
  }
  for (const auto& [k, f] : s.findings) {
    out +=
        fmt::format("finding {} {} {} {} {} [{}] {} {} {} [{}] {} v{}\n", k, f.title,
                    name(f.severity), name(f.status), f.owner, fmt::join(f.criteria, ","),
                    f.control, format_optional_date(f.due_date),
                    f.risk_acceptance ? format_optional_date(f.risk_acceptance->expires_on) : "-",
                    fmt::join(s.evidence_of(k), ","), f.recorded_on.days, f.version);
    out += fmt::format("  overdue run: changed {} before {}\n", f.changed_on.days,
                       format_optional_date(f.overdue_run_before));
    out += fmt::format("  origin {} risk {}x{}\n", f.origin, f.likelihood, f.impact);
  }
  for (const auto& [k, d] : s.documents) {
    out += fmt::format("document {} {} {} {} {} {} {} [{}] by {} at {} v{}\n", k, d.title,
                       name(d.kind), d.owner, d.document_version,
                       format_optional_date(d.approved_on), format_optional_date(d.next_review_on),
                       fmt::join(d.criteria, ","), d.recorded_by, d.recorded_at, d.version);
    for (const DocumentReview& r : d.reviews) {
      out += fmt::format("  review {} {} {} {} by {} at {} seq {}\n", name(r.outcome),
                         r.reviewed_on.days, r.notes, format_optional_date(r.next_review_on),
                         r.reviewed_by, r.occurred_at, r.seq);
    }
  }
  for (const auto& [k, i] : s.interviews) {
    out += fmt::format("interview {} {} {} {} [{}] [{}] {} by {} at {}\n", k, i.stakeholder,
                       i.stakeholder_role, i.held_on.days, fmt::join(i.interviewers, ","),
                       fmt::join(i.criteria, ","), i.notes, i.recorded_by, i.recorded_at);
  }
  if (s.audit) {
    out += fmt::format("audit {} {} {} {} (d={} i={})\n", name(s.audit->type), s.audit->date.days,
                       s.audit->window_start.days, s.audit->window_end.days, s.documents_recorded,
                       s.interviews_recorded);
  }
  for (const auto& [k, h] : s.webhooks) {
    out += fmt::format("webhook {} {} [{}] removed {} v{}\n", k, h.url, fmt::join(h.kinds, ","),
                       h.removed, h.version);
  }
  for (const SentNotification& n : s.notifications) {
    out += fmt::format("sent {} {} {} {} {} seq {}\n", n.kind, n.recipient, n.subject, n.day,
                       n.message_id, n.seq);
  }
  for (const auto& [k, e] : s.evidence) {
    out += fmt::format("evidence {} {} {} [{}] [{}] v{}\n", k, e.filename, e.sha256,
                       fmt::join(e.findings, ","), fmt::join(e.controls, ","), e.version);
  }
  return out;
}

// Checks the invariants over the whole log with a fold of its own (not evolve()).
// check_log_order: also the log's own rules (recorded_at non-decreasing, occurred_at ≤
// recorded_at and non-decreasing per stream), which only a real log enforces.
inline void check_invariants(const std::vector<Event>& events, bool check_log_order = true) {
  std::map<std::string, uint32_t> versions;
  std::map<std::string, Micros> last_occurred;
  std::map<std::string, Role> roles;
  std::map<std::string, std::string> owners;
  std::map<std::string, std::set<std::string>> evidence_of;
  // The last move to remediated of each finding: who made it, and who owned the finding then.
  std::map<std::string, std::pair<std::string, std::string>> remediated;
  // The occurred_at of the event that created each stream's entity ("finding/F-1", "user/...").
  std::map<std::string, Micros> created;
  auto existed = [&](const std::string& stream, Micros at) {
    return created.contains(stream) && created[stream] <= at;
  };
  uint64_t findings = 0, evidence = 0;
  Micros last_recorded = INT64_MIN;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    SCOPED_TRACE(fmt::format("seq {} {}", e.seq, event_type_name(e.payload)));
    ASSERT_EQ(e.seq, i + 1);
    ASSERT_EQ(e.version, ++versions[e.stream]) << "versions in order per stream";
    if (check_log_order) {
      ASSERT_GE(e.recorded_at, last_recorded);
      ASSERT_LE(e.occurred_at, e.recorded_at);
      if (last_occurred.contains(e.stream)) {
        ASSERT_GE(e.occurred_at, last_occurred[e.stream]);
      }
    }
    last_recorded = e.recorded_at;
    last_occurred[e.stream] = e.occurred_at;
    if (e.actor == kSystemActor) {
      ASSERT_TRUE(std::holds_alternative<NotificationSent>(e.payload))
          << "gaplog itself writes only sent reminders";
      last_recorded = e.recorded_at;
      last_occurred[e.stream] = e.occurred_at;
      if (e.version == 1) created[e.stream] = e.occurred_at;
      continue;
    }
    const Role role = roles.contains(e.actor) ? roles[e.actor] : Role::kAdmin;  // bootstrap
    // SPEC §10: signing in and out and one's own tokens are the only writes an auditor makes.
    const bool own_account = std::holds_alternative<UserSignedIn>(e.payload) ||
                             std::holds_alternative<UserSignedOut>(e.payload) ||
                             (std::holds_alternative<TokenIssued>(e.payload) &&
                              std::get<TokenIssued>(e.payload).email == e.actor) ||
                             (std::holds_alternative<TokenRevoked>(e.payload) &&
                              std::get<TokenRevoked>(e.payload).email == e.actor) ||
                             (std::holds_alternative<UserNotificationsSet>(e.payload) &&
                              std::get<UserNotificationsSet>(e.payload).email == e.actor);
    if (!own_account) {
      ASSERT_NE(role, Role::kAuditor) << "auditors write nothing";
    }
    if (e.occurred_at != e.recorded_at) {
      ASSERT_EQ(role, Role::kAdmin) << "only admins back-fill";
    }

    if (e.version == 1) created[e.stream] = e.occurred_at;
    // SPEC §2: what an event names existed at its occurred_at.
    if (auto* p = std::get_if<FindingRecorded>(&e.payload)) {
      if (!p->control.empty()) {
        ASSERT_TRUE(existed("control/" + p->control, e.occurred_at)) << "control not yet defined";
      }
      if (!p->owner.empty()) {
        ASSERT_TRUE(existed("user/" + p->owner, e.occurred_at)) << "owner not yet added";
      }
    }
    if (auto* p = std::get_if<FindingUpdated>(&e.payload); p && !p->control.empty()) {
      ASSERT_TRUE(existed("control/" + p->control, e.occurred_at)) << "control not yet defined";
    }
    if (auto* p = std::get_if<FindingAssigned>(&e.payload); p && !p->owner.empty()) {
      ASSERT_TRUE(existed("user/" + p->owner, e.occurred_at)) << "owner not yet added";
    }
    if (auto* p = std::get_if<EvidenceLinked>(&e.payload)) {
      if (!p->finding_id.empty()) {
        ASSERT_TRUE(existed("finding/" + p->finding_id, e.occurred_at))
            << "finding not yet recorded";
      }
      if (!p->control_id.empty()) {
        ASSERT_TRUE(existed("control/" + p->control_id, e.occurred_at))
            << "control not yet defined";
      }
    }
    if (auto* p = std::get_if<UserAdded>(&e.payload)) roles[p->email] = p->role;
    if (auto* p = std::get_if<UserRoleChanged>(&e.payload)) roles[p->email] = p->role;
    if (auto* p = std::get_if<FindingRecorded>(&e.payload)) {
      ASSERT_EQ(p->finding_id, fmt::format("F-{}", ++findings)) << "finding ids in order";
      owners[p->finding_id] = p->owner;
    }
    if (auto* p = std::get_if<FindingAssigned>(&e.payload)) owners[p->finding_id] = p->owner;
    if (auto* p = std::get_if<EvidenceUploaded>(&e.payload)) {
      ASSERT_EQ(p->evidence_id, fmt::format("E-{}", ++evidence)) << "evidence ids in order";
    }
    if (auto* p = std::get_if<EvidenceLinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].insert(p->evidence_id);
    }
    if (auto* p = std::get_if<EvidenceUnlinked>(&e.payload); p && !p->finding_id.empty()) {
      evidence_of[p->finding_id].erase(p->evidence_id);
    }
    if (auto* p = std::get_if<FindingStatusChanged>(&e.payload);
        p && p->to == FindingStatus::kRemediated) {
      remediated[p->finding_id] = {e.actor, owners[p->finding_id]};
    }
    if (auto* p = std::get_if<FindingStatusChanged>(&e.payload);
        p && p->to == FindingStatus::kClosed) {
      ASSERT_FALSE(evidence_of[p->finding_id].empty()) << "closed without evidence";
      ASSERT_NE(owners[p->finding_id], e.actor) << "closed by its owner";
      ASSERT_NE(remediated[p->finding_id].first, e.actor) << "closed by who moved it to remediated";
      ASSERT_NE(remediated[p->finding_id].second, e.actor)
          << "closed by who owned it when remediated";
      ASSERT_TRUE(role == Role::kAdmin || role == Role::kEditor);
    }
    if (auto* p = std::get_if<RiskAccepted>(&e.payload)) {
      ASSERT_EQ(role, Role::kAdmin);
      ASSERT_NE(owners[p->finding_id], e.actor);
      const Date expires = *parse_date(p->expires_on);
      const Date day = date_of(e.occurred_at);
      ASSERT_GT(expires, day);
      ASSERT_LE(expires.days, day.days + 365);
    }
  }
}

}  // namespace gaplog::testing
