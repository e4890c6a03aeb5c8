#include "domain/state.h"

#include <algorithm>
#include <type_traits>

namespace gaplog {
namespace {

template <typename Map>
auto* find_in(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

// One overload per payload: how the event changes the state.
struct Evolver {
  ProgramState& s;
  const Event& e;

  void operator()(const ProgramNamed& p) {
    s.name = p.name;
    s.program_version = e.version;
  }
  void operator()(const ScopeSet& p) {
    s.scope = p.categories;
    s.program_version = e.version;
  }
  void operator()(const UserAdded& p) {
    UserState& u = s.users[p.email];
    u = UserState{p.email, p.name, p.role, true, e.version};
  }
  void operator()(const UserRoleChanged& p) {
    UserState& u = s.users[p.email];
    u.role = p.role;
    u.version = e.version;
  }
  void operator()(const UserDeactivated& p) {
    UserState& u = s.users[p.email];
    u.active = false;
    u.version = e.version;
  }
  void operator()(const TokenIssued& p) {
    s.tokens[p.token_id] = TokenState{p.token_id, p.email, p.token_hash, false};
    s.token_ids_by_hash[p.token_hash] = p.token_id;
    s.users[p.email].version = e.version;
  }
  void operator()(const TokenRevoked& p) {
    s.tokens[p.token_id].revoked = true;
    s.users[p.email].version = e.version;
  }
  void operator()(const ControlDefined& p) {
    s.controls[p.control_id] =
        ControlState{p.control_id, p.title, p.description, p.criteria, p.status, e.version};
  }
  void operator()(const ControlUpdated& p) {
    ControlState& c = s.controls[p.control_id];
    c.title = p.title;
    c.description = p.description;
    c.criteria = p.criteria;
    c.version = e.version;
  }
  void operator()(const ControlStatusSet& p) {
    ControlState& c = s.controls[p.control_id];
    c.status = p.status;
    c.version = e.version;
  }
  void operator()(const FindingRecorded& p) {
    FindingState& f = s.findings[p.finding_id];
    f = FindingState{};
    f.id = p.finding_id;
    f.title = p.title;
    f.description = p.description;
    f.severity = p.severity;
    f.criteria = p.criteria;
    f.control = p.control;
    f.source = p.source;
    f.owner = p.owner;
    f.due_date = p.due_date;
    f.recorded_on = date_of(e.occurred_at);
    f.version = e.version;
    ++s.findings_recorded;
  }
  void operator()(const FindingUpdated& p) {
    FindingState& f = s.findings[p.finding_id];
    f.title = p.title;
    f.description = p.description;
    f.severity = p.severity;
    f.criteria = p.criteria;
    f.control = p.control;
    f.version = e.version;
  }
  void operator()(const FindingAssigned& p) {
    FindingState& f = s.findings[p.finding_id];
    f.owner = p.owner;
    f.version = e.version;
  }
  void operator()(const FindingDueDateSet& p) {
    FindingState& f = s.findings[p.finding_id];
    f.due_date = p.due_date;
    f.version = e.version;
  }
  void operator()(const FindingStatusChanged& p) {
    FindingState& f = s.findings[p.finding_id];
    f.status = p.to;
    if (p.to != FindingStatus::kRiskAccepted) f.risk_acceptance.reset();
    f.version = e.version;
  }
  void operator()(const RiskAccepted& p) {
    FindingState& f = s.findings[p.finding_id];
    f.status = FindingStatus::kRiskAccepted;
    f.risk_acceptance = RiskAcceptanceState{p.justification, p.expires_on, e.actor};
    f.version = e.version;
  }
  void operator()(const CommentAdded& p) { s.findings[p.finding_id].version = e.version; }
  void operator()(const EvidenceUploaded& p) {
    EvidenceState& ev = s.evidence[p.evidence_id];
    ev = EvidenceState{};
    ev.id = p.evidence_id;
    ev.filename = p.filename;
    ev.media_type = p.media_type;
    ev.sha256 = p.sha256;
    ev.size = p.size;
    ev.collected_on = p.collected_on;
    ev.valid_until = p.valid_until;
    ev.uploaded_by = e.actor;
    ev.uploaded_at = e.occurred_at;
    ev.version = e.version;
    ++s.evidence_uploaded;
  }
  void operator()(const EvidenceLinked& p) {
    EvidenceState& ev = s.evidence[p.evidence_id];
    ev.version = e.version;
    if (!p.finding_id.empty()) {
      ev.findings.insert(p.finding_id);
      s.findings[p.finding_id].evidence.insert(p.evidence_id);
    }
    if (!p.control_id.empty()) ev.controls.insert(p.control_id);
  }
  void operator()(const EvidenceUnlinked& p) {
    EvidenceState& ev = s.evidence[p.evidence_id];
    ev.version = e.version;
    if (!p.finding_id.empty()) {
      ev.findings.erase(p.finding_id);
      s.findings[p.finding_id].evidence.erase(p.evidence_id);
    }
    if (!p.control_id.empty()) ev.controls.erase(p.control_id);
  }
};

}  // namespace

const UserState* ProgramState::user(const std::string& email) const { return find_in(users, email); }
const FindingState* ProgramState::finding(const std::string& id) const { return find_in(findings, id); }
const ControlState* ProgramState::control(const std::string& id) const { return find_in(controls, id); }
const EvidenceState* ProgramState::evidence_item(const std::string& id) const {
  return find_in(evidence, id);
}
size_t ProgramState::active_admins() const {
  return static_cast<size_t>(std::count_if(users.begin(), users.end(), [](const auto& kv) {
    return kv.second.active && kv.second.role == Role::kAdmin;
  }));
}

std::string program_stream() { return "program"; }
std::string user_stream(const std::string& email) { return "user/" + email; }
std::string control_stream(const std::string& id) { return "control/" + id; }
std::string finding_stream(const std::string& id) { return "finding/" + id; }
std::string evidence_stream(const std::string& id) { return "evidence/" + id; }

void evolve(ProgramState& state, const Event& event) {
  std::visit(Evolver{state, event}, event.payload);
  state.last_seq = event.seq;
}

}  // namespace gaplog
