// The program as the command side sees it: everything decide() needs to check a command,
// folded from the events by evolve(). Pure values; no I/O. The projections fold the same state
// as of past dates.
//
// evolve() trusts events (they were checked when decided) and never fails. Each event changes
// only what belongs to its own stream (evidence links live with the evidence, and the index of
// evidence by finding changes only on link and unlink), and an event about an entity the state
// does not hold changes nothing. So the result of folding a set of events depends only on the
// order of events *within* each stream: folding in seq order and in (occurred_at, seq) order
// give the same state, which is what lets projections fold "as of" a date incrementally.
// Entity versions are the versions of their streams.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/time.h"

namespace gaplog {

struct UserState {
  std::string email, name;
  Role role = Role::kContributor;
  bool active = true;
  uint32_t version = 0;
  // Business time (occurred_at) of its user_added and user_deactivated: back-filled commands
  // may name the user only as it was then.
  Micros added_at = 0;
  std::optional<Micros> deactivated_at;
  std::optional<Micros> last_signed_in_at;  // occurred_at of its latest user_signed_in
  // Its reminder settings (SPEC §11): e-mail at all, and the Monday digest. On by default.
  bool email_reminders = true, digest = true;
  // Active at instant t (business time): added by then and not deactivated by then.
  bool active_at(Micros t) const {
    return added_at <= t && (!deactivated_at || t < *deactivated_at);
  }
};

struct TokenState {
  std::string token_id, email;
  std::string token_hash;  // SHA-256 of the token, 32 raw bytes
  bool revoked = false;
  std::optional<Date> expires_on;  // the last day it works; none = never
  std::string issued_by;           // the actor of its token_issued
  Micros issued_at = 0;            // occurred_at of its token_issued
  // Expired on date D: D is after its last day.
  bool expired_on(Date d) const { return expires_on && d.days > expires_on->days; }
};

// One control_tested event as the control keeps it.
struct ControlTest {
  TestKind kind = TestKind::kDesign;
  Date tested_on;
  TestResult result = TestResult::kPass;
  std::string notes;
  std::vector<std::string> evidence;
  std::string tested_by;  // the actor
  Micros occurred_at = 0;
  uint64_t seq = 0;
  bool operator==(const ControlTest&) const = default;
};

struct ControlState {
  std::string id, title, description;
  std::vector<std::string> criteria;
  ControlStatus status = ControlStatus::kNotImplemented;
  uint32_t version = 0;
  Micros defined_at = 0;  // occurred_at of its control_defined
  std::string owner;      // "" = none (SPEC §12)
  EvidenceCadence evidence_every = EvidenceCadence::kNone;
  std::vector<ControlTest> tests;  // in log order
  // The latest test: the greatest tested_on, of those the latest in the log; nullptr if none.
  const ControlTest* latest_test() const;
  // Counts as implemented in readiness (SPEC §5.1, §12): implemented, and its latest test did
  // not fail.
  bool counts_as_implemented() const;
};

// The assessment (SPEC §13).
struct DocumentReview {
  ReviewOutcome outcome = ReviewOutcome::kAdequate;
  Date reviewed_on;
  std::string notes;
  std::optional<Date> next_review_on;  // what the review set, if anything
  std::string reviewed_by;             // the actor
  Micros occurred_at = 0;
  uint64_t seq = 0;
  bool operator==(const DocumentReview&) const = default;
};

struct DocumentState {
  std::string id, title;
  DocumentKind kind = DocumentKind::kOther;
  std::string owner;             // "" = none
  std::string document_version;  // its own version label ("2.1"); "" = none
  std::optional<Date> approved_on, next_review_on;
  std::vector<std::string> criteria;
  std::vector<DocumentReview> reviews;  // in log order
  std::string recorded_by;
  Micros recorded_at = 0;  // occurred_at of its document_recorded
  uint32_t version = 0;    // of its stream
  // The latest review: the greatest reviewed_on, of those the latest in the log; nullptr if none.
  const DocumentReview* latest_review() const;
};

struct InterviewState {
  std::string id, stakeholder, stakeholder_role;
  Date held_on;
  std::vector<std::string> interviewers, criteria;
  std::string notes, recorded_by;
  Micros recorded_at = 0;
};

// The audit the program works toward: Type I at `date`, Type II over the window.
struct AuditTarget {
  AuditType type = AuditType::kType1;
  Date date, window_start, window_end;  // date for Type I; the window for Type II
  // The day readiness must be reached by: the Type I date, or the Type II window's start.
  Date target() const { return type == AuditType::kType1 ? date : window_start; }
  bool operator==(const AuditTarget&) const = default;
};
// The target an audit_target_set event sets.
AuditTarget audit_target_of(const AuditTargetSet& p);

struct RiskAcceptanceState {
  std::string justification;
  std::optional<Date> expires_on;  // always set by decide(); none only for a damaged event
  std::string approved_by;
};

struct FindingState {
  std::string id, title, description;
  Severity severity = Severity::kMedium;
  FindingStatus status = FindingStatus::kOpen;
  std::vector<std::string> criteria;
  std::string control, owner;  // "" = none
  std::optional<Date> due_date;
  std::string recommendation;  // "" = none
  FindingSource source = FindingSource::kOther;
  // SPEC §13: where the assessment found it ("D-3", "I-2", "AC-01#test-2"; "" = none), and its
  // risk (1–5 each, 0 = not rated; both or neither).
  std::string origin;
  uint8_t likelihood = 0, impact = 0;
  int risk_score() const { return likelihood * impact; }  // 0 = not rated
  std::optional<RiskAcceptanceState> risk_acceptance;
  Date recorded_on;
  uint32_t version = 0;
  Micros recorded_at = 0;  // occurred_at of its finding_recorded (business time, as recorded_on)
  // Set when it last moved to remediated: who moved it and who owned it then ("" = nobody).
  // Neither may close it (segregation of duties, SPEC §3).
  std::string remediated_by, owner_when_remediated;
  // For the weekly repeats of the overdue reminder (SPEC §11), which count from the first day
  // of the current run of overdue days: the day of its latest status or due-date change (or of
  // its recording), and, when it was overdue on the day before that, the first day of that run.
  // Maintained by evolve(); read through overdue_since().
  Date changed_on;
  std::optional<Date> overdue_run_before;
};

// The first day of the run of consecutive overdue days (SPEC §3) that includes D, for a state
// folded as of D; nullopt when it is not overdue at D.
std::optional<Date> overdue_since(const FindingState& f, Date d);

struct WebhookState {
  std::string id, url;
  std::vector<std::string> kinds;  // contract names of the kinds it receives
  bool removed = false;
  std::string added_by;
  Micros added_at = 0;
  uint32_t version = 0;
};

// A delivered reminder: a notification_sent event.
struct SentNotification {
  std::string kind, recipient, subject, day, message_id;
  uint64_t seq = 0;
  Micros sent_at = 0;  // occurred_at of its event
};

struct EvidenceState {
  std::string id, filename, media_type, sha256;
  uint64_t size = 0;
  std::optional<Date> collected_on, valid_until;
  std::set<std::string> findings, controls;
  std::string uploaded_by;
  Micros uploaded_at = 0;
  uint32_t version = 0;
};

struct ProgramState {
  std::string name;
  std::vector<Category> scope{Category::kSecurity};
  uint32_t program_version = 0;
  std::map<std::string, UserState> users;                // by normalized e-mail
  std::map<std::string, TokenState> tokens;              // by token id
  std::map<std::string, std::string> token_ids_by_hash;  // SHA-256 of a token -> token id
  std::map<std::string, ControlState> controls;          // by control id
  std::map<std::string, FindingState> findings;          // by id "F-n"
  std::map<std::string, EvidenceState> evidence;         // by id "E-n"
  std::map<std::string, DocumentState> documents;        // by id "D-n"
  std::map<std::string, InterviewState> interviews;      // by id "I-n"
  std::optional<AuditTarget> audit;                      // none until first set
  // Evidence ids linked to each finding id (maintained by link and unlink events only).
  std::map<std::string, std::set<std::string>> evidence_by_finding;
  std::map<std::string, WebhookState> webhooks;  // by id, removed ones too
  // Every delivered reminder in log order, its keys (notification_key()) and, per subject id,
  // the positions of those about it.
  std::vector<SentNotification> notifications;
  std::set<std::string> notification_keys;
  std::map<std::string, std::vector<size_t>> notifications_by_subject;
  uint32_t notifications_version = 0;
  uint64_t findings_recorded = 0;  // the next finding is F-(this + 1)
  uint64_t evidence_uploaded = 0;
  uint64_t documents_recorded = 0;  // the next document is D-(this + 1)
  uint64_t interviews_recorded = 0;
  uint64_t last_seq = 0;

  const UserState* user(const std::string& email) const;
  const FindingState* finding(const std::string& id) const;
  const ControlState* control(const std::string& id) const;
  const EvidenceState* evidence_item(const std::string& id) const;
  const DocumentState* document(const std::string& id) const;
  const InterviewState* interview(const std::string& id) const;
  size_t active_admins() const;
  // Webhooks not removed.
  size_t active_webhooks() const;
  // Evidence linked to a finding (empty set when none).
  const std::set<std::string>& evidence_of(const std::string& finding_id) const;
};

// Stream names of SPEC §2.
std::string program_stream();
std::string user_stream(const std::string& email);
std::string control_stream(const std::string& id);
std::string finding_stream(const std::string& id);
std::string evidence_stream(const std::string& id);
std::string webhook_stream(const std::string& id);
std::string document_stream(const std::string& id);
std::string interview_stream(const std::string& id);
std::string notifications_stream();  // "notifications": every notification_sent

// One firing of a reminder rule (SPEC §11: once per kind, subject, recipient and day).
std::string notification_key(std::string_view kind, std::string_view subject,
                             std::string_view recipient, std::string_view day);

// A finding's origin (SPEC §13) split: a document or interview id, or a control test's control
// id and 1-based position ("AC-01#test-2" → {"AC-01", 2}). nullopt when malformed.
struct OriginRef {
  enum class Kind : uint8_t { kDocument, kInterview, kControlTest } kind;
  std::string id;   // "D-3", "I-2" or the control id
  size_t test = 0;  // for a control test
};
std::optional<OriginRef> parse_origin(std::string_view origin);
std::string control_test_ref(std::string_view control_id, size_t position);
// The findings of each origin, natural id order.
using FindingsByOrigin = std::map<std::string, std::vector<std::string>>;
FindingsByOrigin findings_by_origin(const ProgramState& s);

// The number of a finding or evidence id: 12 for "F-12" (0 when it has none).
uint64_t id_number(std::string_view id);

// Applies one committed event.
void evolve(ProgramState& state, const Event& event);

}  // namespace gaplog
