#include "domain/state.h"

#include <algorithm>
#include <type_traits>

#include "domain/validation.h"

namespace gaplog {
namespace {

template <typename Map>
auto* find_in(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

bool may_be_overdue(const FindingState& f) {
  return (f.status == FindingStatus::kOpen || f.status == FindingStatus::kInProgress) &&
         f.due_date.has_value();
}

// Before a change of status or due date on day c: the state until now held from changed_on to
// the end of day c - 1; remember whether it was overdue then, and since when.
void roll_overdue_run(FindingState& f, Micros occurred_at) {
  const Date c = date_of(occurred_at);
  if (c <= f.changed_on) return;
  f.overdue_run_before = overdue_since(f, Date{c.days - 1});
  f.changed_on = c;
}

// One overload per payload: how the event changes the state.
struct Evolver {
  ProgramState& s;
  const Event& e;

  // The entity an event is about; nullptr when the state does not hold it. Within a stream
  // the creating event always comes first, but folding part of the log (as of a date) must not
  // invent an entity from an event that merely names it.
  template <typename Map>
  static auto* existing(Map& map, const std::string& key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  }

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
    u = UserState{};
    u.email = p.email;
    u.name = p.name;
    u.role = p.role;
    u.version = e.version;
    u.added_at = e.occurred_at;
  }
  void operator()(const UserRoleChanged& p) {
    UserState* u = existing(s.users, p.email);
    if (u == nullptr) return;
    u->role = p.role;
    u->version = e.version;
  }
  void operator()(const UserDeactivated& p) {
    UserState* u = existing(s.users, p.email);
    if (u == nullptr) return;
    u->active = false;
    u->deactivated_at = e.occurred_at;
    u->version = e.version;
  }
  void operator()(const TokenIssued& p) {
    s.tokens[p.token_id] =
        TokenState{p.token_id, p.email,      p.token_hash, false, optional_date(p.expires_on),
                   e.actor,    e.occurred_at};
    s.token_ids_by_hash[p.token_hash] = p.token_id;
    if (UserState* u = existing(s.users, p.email)) u->version = e.version;
  }
  void operator()(const TokenRevoked& p) {
    if (TokenState* t = existing(s.tokens, p.token_id)) t->revoked = true;
    if (UserState* u = existing(s.users, p.email)) u->version = e.version;
  }
  void operator()(const UserSignedIn& p) {
    if (UserState* u = existing(s.users, p.email)) {
      u->last_signed_in_at = e.occurred_at;
      u->version = e.version;
    }
  }
  void operator()(const UserSignedOut& p) {
    if (UserState* u = existing(s.users, p.email)) u->version = e.version;
  }
  void operator()(const NotificationSent& p) {
    s.notifications_version = e.version;  // the stream's version, duplicate or not
    std::string key = notification_key(p.kind, p.subject, p.recipient, p.day);
    if (!s.notification_keys.insert(std::move(key)).second) return;
    s.notifications_by_subject[p.subject].push_back(s.notifications.size());
    s.notifications.push_back(SentNotification{p.kind, p.recipient, p.subject, p.day, p.message_id,
                                               e.seq, e.occurred_at});
  }
  void operator()(const UserNotificationsSet& p) {
    if (UserState* u = existing(s.users, p.email)) {
      u->email_reminders = p.email_enabled;
      u->digest = p.digest_enabled;
      u->version = e.version;
    }
  }
  void operator()(const WebhookAdded& p) {
    WebhookState& w = s.webhooks[p.webhook_id];
    w = WebhookState{p.webhook_id, p.url, p.kinds, false, e.actor, e.occurred_at, e.version};
  }
  void operator()(const WebhookRemoved& p) {
    if (WebhookState* w = existing(s.webhooks, p.webhook_id)) {
      w->removed = true;
      w->version = e.version;
    }
  }
  void operator()(const ControlDefined& p) {
    ControlState& c = s.controls[p.control_id];
    c = ControlState{};
    c.id = p.control_id;
    c.title = p.title;
    c.description = p.description;
    c.criteria = p.criteria;
    c.status = p.status;
    c.version = e.version;
    c.defined_at = e.occurred_at;
    c.owner = p.owner;
    c.evidence_every = p.evidence_every;
  }
  void operator()(const ControlUpdated& p) {
    ControlState* c = existing(s.controls, p.control_id);
    if (c == nullptr) return;
    c->title = p.title;
    c->description = p.description;
    c->criteria = p.criteria;
    c->owner = p.owner;
    c->evidence_every = p.evidence_every;
    c->version = e.version;
  }
  void operator()(const ControlTested& p) {
    ControlState* c = existing(s.controls, p.control_id);
    if (c == nullptr) return;
    c->tests.push_back(ControlTest{p.kind,
                                   optional_date(p.tested_on).value_or(date_of(e.occurred_at)),
                                   p.result, p.notes, p.evidence, e.actor, e.occurred_at, e.seq});
    c->version = e.version;
  }
  void operator()(const DocumentRecorded& p) {
    DocumentState& d = s.documents[p.document_id];
    d = DocumentState{};
    d.id = p.document_id;
    d.title = p.title;
    d.kind = p.kind;
    d.owner = p.owner;
    d.document_version = p.version;
    d.approved_on = optional_date(p.approved_on);
    d.next_review_on = optional_date(p.next_review_on);
    d.criteria = p.criteria;
    d.recorded_by = e.actor;
    d.recorded_at = e.occurred_at;
    d.version = e.version;
    s.documents_recorded = std::max(s.documents_recorded, id_number(p.document_id));
  }
  void operator()(const DocumentReviewed& p) {
    DocumentState* d = existing(s.documents, p.document_id);
    if (d == nullptr) return;
    const std::optional<Date> next = optional_date(p.next_review_on);
    const Date reviewed_on = optional_date(p.reviewed_on).value_or(date_of(e.occurred_at));
    // A review typed in later about an earlier day does not move the next review date that the
    // latest review set.
    const DocumentReview* latest = d->latest_review();
    if (next && (latest == nullptr || reviewed_on >= latest->reviewed_on)) d->next_review_on = next;
    d->reviews.push_back(
        DocumentReview{p.outcome, reviewed_on, p.notes, next, e.actor, e.occurred_at, e.seq});
    d->version = e.version;
  }
  void operator()(const InterviewRecorded& p) {
    InterviewState& i = s.interviews[p.interview_id];
    i = InterviewState{p.interview_id,
                       p.stakeholder,
                       p.stakeholder_role,
                       optional_date(p.held_on).value_or(date_of(e.occurred_at)),
                       p.interviewers,
                       p.criteria,
                       p.notes,
                       e.actor,
                       e.occurred_at};
    s.interviews_recorded = std::max(s.interviews_recorded, id_number(p.interview_id));
  }
  void operator()(const AuditTargetSet& p) {
    s.audit = audit_target_of(p);
    s.program_version = e.version;
  }
  void operator()(const ControlStatusSet& p) {
    ControlState* c = existing(s.controls, p.control_id);
    if (c == nullptr) return;
    c->status = p.status;
    c->version = e.version;
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
    f.due_date = optional_date(p.due_date);
    f.recommendation = p.recommendation;
    f.origin = p.origin;
    f.likelihood = p.likelihood;
    f.impact = p.impact;
    f.recorded_on = date_of(e.occurred_at);
    f.changed_on = f.recorded_on;
    f.recorded_at = e.occurred_at;
    f.version = e.version;
    s.findings_recorded = std::max(s.findings_recorded, id_number(p.finding_id));
  }
  void operator()(const FindingUpdated& p) {
    FindingState* f = existing(s.findings, p.finding_id);
    if (f == nullptr) return;
    f->title = p.title;
    f->description = p.description;
    f->severity = p.severity;
    f->criteria = p.criteria;
    f->control = p.control;
    f->recommendation = p.recommendation;
    f->origin = p.origin;
    f->likelihood = p.likelihood;
    f->impact = p.impact;
    f->version = e.version;
  }
  void operator()(const FindingAssigned& p) {
    FindingState* f = existing(s.findings, p.finding_id);
    if (f == nullptr) return;
    f->owner = p.owner;
    f->version = e.version;
  }
  void operator()(const FindingDueDateSet& p) {
    FindingState* f = existing(s.findings, p.finding_id);
    if (f == nullptr) return;
    roll_overdue_run(*f, e.occurred_at);
    f->due_date = optional_date(p.due_date);
    f->version = e.version;
  }
  void operator()(const FindingStatusChanged& p) {
    FindingState* f = existing(s.findings, p.finding_id);
    if (f == nullptr) return;
    roll_overdue_run(*f, e.occurred_at);
    f->status = p.to;
    if (p.to != FindingStatus::kRiskAccepted) f->risk_acceptance.reset();
    if (p.to == FindingStatus::kRemediated) {
      f->remediated_by = e.actor;
      f->owner_when_remediated = f->owner;
    }
    f->version = e.version;
  }
  void operator()(const RiskAccepted& p) {
    FindingState* f = existing(s.findings, p.finding_id);
    if (f == nullptr) return;
    roll_overdue_run(*f, e.occurred_at);
    f->status = FindingStatus::kRiskAccepted;
    f->risk_acceptance = RiskAcceptanceState{p.justification, optional_date(p.expires_on), e.actor};
    f->version = e.version;
  }
  void operator()(const CommentAdded& p) {
    if (FindingState* f = existing(s.findings, p.finding_id)) f->version = e.version;
  }
  void operator()(const EvidenceUploaded& p) {
    EvidenceState& ev = s.evidence[p.evidence_id];
    ev = EvidenceState{};
    ev.id = p.evidence_id;
    ev.filename = p.filename;
    ev.media_type = p.media_type;
    ev.sha256 = p.sha256;
    ev.size = p.size;
    ev.collected_on = optional_date(p.collected_on);
    ev.valid_until = optional_date(p.valid_until);
    ev.uploaded_by = e.actor;
    ev.uploaded_at = e.occurred_at;
    ev.version = e.version;
    s.evidence_uploaded = std::max(s.evidence_uploaded, id_number(ev.id));
  }
  void operator()(const EvidenceLinked& p) {
    EvidenceState* ev = existing(s.evidence, p.evidence_id);
    if (ev == nullptr) return;
    ev->version = e.version;
    if (!p.finding_id.empty()) {
      ev->findings.insert(p.finding_id);
      s.evidence_by_finding[p.finding_id].insert(p.evidence_id);
    }
    if (!p.control_id.empty()) ev->controls.insert(p.control_id);
  }
  void operator()(const EvidenceUnlinked& p) {
    EvidenceState* ev = existing(s.evidence, p.evidence_id);
    if (ev == nullptr) return;
    ev->version = e.version;
    if (!p.finding_id.empty()) {
      ev->findings.erase(p.finding_id);
      auto it = s.evidence_by_finding.find(p.finding_id);
      if (it != s.evidence_by_finding.end()) {
        it->second.erase(p.evidence_id);
        if (it->second.empty()) s.evidence_by_finding.erase(it);
      }
    }
    if (!p.control_id.empty()) ev->controls.erase(p.control_id);
  }
};

}  // namespace

const UserState* ProgramState::user(const std::string& email) const {
  return find_in(users, email);
}
const FindingState* ProgramState::finding(const std::string& id) const {
  return find_in(findings, id);
}
const ControlTest* ControlState::latest_test() const {
  const ControlTest* latest = nullptr;
  for (const ControlTest& t : tests) {
    if (latest == nullptr || t.tested_on >= latest->tested_on) latest = &t;
  }
  return latest;
}

bool ControlState::counts_as_implemented() const {
  if (status != ControlStatus::kImplemented) return false;
  const ControlTest* t = latest_test();
  return t == nullptr || t->result != TestResult::kFail;
}

const DocumentReview* DocumentState::latest_review() const {
  const DocumentReview* latest = nullptr;
  for (const DocumentReview& r : reviews) {
    if (latest == nullptr || r.reviewed_on >= latest->reviewed_on) latest = &r;
  }
  return latest;
}

const DocumentState* ProgramState::document(const std::string& id) const {
  return find_in(documents, id);
}
const InterviewState* ProgramState::interview(const std::string& id) const {
  return find_in(interviews, id);
}
const ControlState* ProgramState::control(const std::string& id) const {
  return find_in(controls, id);
}
const EvidenceState* ProgramState::evidence_item(const std::string& id) const {
  return find_in(evidence, id);
}
const std::set<std::string>& ProgramState::evidence_of(const std::string& finding_id) const {
  static const std::set<std::string> kNone;
  auto it = evidence_by_finding.find(finding_id);
  return it == evidence_by_finding.end() ? kNone : it->second;
}

size_t ProgramState::active_admins() const {
  return static_cast<size_t>(std::count_if(users.begin(), users.end(), [](const auto& kv) {
    return kv.second.active && kv.second.role == Role::kAdmin;
  }));
}

size_t ProgramState::active_webhooks() const {
  return static_cast<size_t>(std::count_if(webhooks.begin(), webhooks.end(),
                                           [](const auto& kv) { return !kv.second.removed; }));
}

std::string program_stream() { return "program"; }
std::string user_stream(const std::string& email) { return "user/" + email; }
std::string control_stream(const std::string& id) { return "control/" + id; }
std::string finding_stream(const std::string& id) { return "finding/" + id; }
std::string evidence_stream(const std::string& id) { return "evidence/" + id; }
std::string webhook_stream(const std::string& id) { return "webhook/" + id; }
std::string notifications_stream() { return "notifications"; }
std::string document_stream(const std::string& id) { return "document/" + id; }
std::string interview_stream(const std::string& id) { return "interview/" + id; }

AuditTarget audit_target_of(const AuditTargetSet& p) {
  return AuditTarget{p.type, optional_date(p.date).value_or(Date{}),
                     optional_date(p.window_start).value_or(Date{}),
                     optional_date(p.window_end).value_or(Date{})};
}

std::optional<OriginRef> parse_origin(std::string_view origin) {
  constexpr std::string_view kTest = "#test-";
  const auto numbered = [](std::string_view id, std::string_view prefix) {
    return id.size() > prefix.size() && id.substr(0, prefix.size()) == prefix &&
           id[prefix.size()] != '0' && id_number(id) != 0 && id.size() <= prefix.size() + 9;
  };
  if (numbered(origin, "D-")) return OriginRef{OriginRef::Kind::kDocument, std::string(origin)};
  if (numbered(origin, "I-")) return OriginRef{OriginRef::Kind::kInterview, std::string(origin)};
  const size_t hash = origin.find(kTest);
  if (hash == std::string_view::npos || !check_control_id(origin.substr(0, hash)).is_ok()) {
    return std::nullopt;
  }
  const std::string_view n = origin.substr(hash + kTest.size());
  if (n.empty() || n.size() > 6 || n[0] == '0') return std::nullopt;
  size_t position = 0;
  for (char c : n) {
    if (c < '0' || c > '9') return std::nullopt;
    position = position * 10 + static_cast<size_t>(c - '0');
  }
  return OriginRef{OriginRef::Kind::kControlTest, std::string(origin.substr(0, hash)), position};
}

std::string control_test_ref(std::string_view control_id, size_t position) {
  return std::string(control_id) + "#test-" + std::to_string(position);
}

FindingsByOrigin findings_by_origin(const ProgramState& s) {
  FindingsByOrigin out;
  // s.findings is ordered by string ("F-10" before "F-2"); sort each list after.
  for (const auto& [id, f] : s.findings) {
    if (!f.origin.empty()) out[f.origin].push_back(id);
  }
  for (auto& [origin, ids] : out) {
    std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
      return id_number(a) < id_number(b);
    });
  }
  return out;
}

std::string notification_key(std::string_view kind, std::string_view subject,
                             std::string_view recipient, std::string_view day) {
  std::string key;
  key.reserve(kind.size() + subject.size() + recipient.size() + day.size() + 3);
  for (std::string_view part : {kind, subject, recipient}) {
    key.append(part);
    key.push_back('|');
  }
  key.append(day);
  return key;
}

std::optional<Date> overdue_since(const FindingState& f, Date d) {
  if (!may_be_overdue(f) || !(*f.due_date < d)) return std::nullopt;
  // Overdue on the day before the latest change, and still overdue on the day of it: the run
  // goes on.
  if (f.overdue_run_before && *f.due_date < f.changed_on) return f.overdue_run_before;
  return Date{std::max(f.changed_on.days, f.due_date->days + 1)};
}

uint64_t id_number(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) return 0;
  uint64_t n = 0;
  for (char c : id.substr(dash + 1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

void evolve(ProgramState& state, const Event& event) {
  std::visit(Evolver{state, event}, event.payload);
  state.last_seq = std::max(state.last_seq, event.seq);
}

}  // namespace gaplog
