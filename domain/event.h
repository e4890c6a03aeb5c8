// Events as C++ values: the envelope of SPEC §2 and one payload struct per event type.
//
// These are plain copyable values. Their stored form is the Cap'n Proto schema in
// domain/events.capnp (see event_codec.h); the `type` strings of the contract come from
// event_type_name(). Optional text fields use the empty string for "none"; optional dates
// likewise use the empty string (dates are stored as YYYY-MM-DD text so that `capnp decode`
// output is readable by an auditor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"
#include "domain/uuid.h"

namespace gaplog {

enum class Category : uint8_t {
  kSecurity,
  kAvailability,
  kProcessingIntegrity,
  kConfidentiality,
  kPrivacy
};
enum class Role : uint8_t { kAdmin, kEditor, kContributor, kAuditor };
enum class ControlStatus : uint8_t { kNotImplemented, kPartiallyImplemented, kImplemented };
enum class FindingStatus : uint8_t { kOpen, kInProgress, kRemediated, kClosed, kRiskAccepted };
enum class Severity : uint8_t { kCritical, kHigh, kMedium, kLow };
enum class FindingSource : uint8_t { kDocumentReview, kControlEvaluation, kInterview, kOther };
// The reminders of SPEC §11.
enum class NotificationKind : uint8_t {
  kAssigned,
  kDueSoon,
  kOverdue,
  kAcceptanceExpiring,
  kAcceptanceExpired,
  kEvidenceExpiring,
  kWeeklyDigest
};
inline constexpr size_t kNotificationKinds = 7;
// How often a control's evidence must be collected again (SPEC §12): evidence without its own
// valid_until is valid for that period from its collected_on (or upload date).
enum class EvidenceCadence : uint8_t { kNone, kMonthly, kQuarterly, kSemiannual, kAnnual };
// A control test (SPEC §12): of its design, or of its operation over a period.
enum class TestKind : uint8_t { kDesign, kOperating };
// `exception`: it operated with deviations the tester noted; only `fail` stops the control from
// counting as implemented (docs/controls.md).
enum class TestResult : uint8_t { kPass, kFail, kException };
// The assessment (SPEC §13): what a reviewed document is, and what its review found.
enum class DocumentKind : uint8_t { kPolicy, kProcedure, kPlan, kStandard, kRecord, kOther };
enum class ReviewOutcome : uint8_t { kAdequate, kOutdated, kIncomplete, kNotApproved, kMissing };
// The audit the program works toward: Type I at a date, Type II over a window.
enum class AuditType : uint8_t { kType1, kType2 };

// The actor of the events gaplog writes by itself (notification_sent). Not an e-mail, so no
// user can ever be it.
inline constexpr std::string_view kSystemActor = "gaplog";

// Contract names ("processing_integrity", "in_progress", ...) and their inverse.
std::string_view name(Category v);
std::string_view name(Role v);
std::string_view name(ControlStatus v);
std::string_view name(FindingStatus v);
std::string_view name(Severity v);
std::string_view name(FindingSource v);
std::string_view name(NotificationKind v);
std::string_view name(EvidenceCadence v);
std::string_view name(TestKind v);
std::string_view name(TestResult v);
std::string_view name(DocumentKind v);
std::string_view name(ReviewOutcome v);
std::string_view name(AuditType v);
std::optional<Category> parse_category(std::string_view s);
std::optional<Role> parse_role(std::string_view s);
std::optional<ControlStatus> parse_control_status(std::string_view s);
std::optional<FindingStatus> parse_finding_status(std::string_view s);
std::optional<Severity> parse_severity(std::string_view s);
std::optional<FindingSource> parse_finding_source(std::string_view s);
std::optional<NotificationKind> parse_notification_kind(std::string_view s);
std::optional<EvidenceCadence> parse_evidence_cadence(std::string_view s);
std::optional<TestKind> parse_test_kind(std::string_view s);
std::optional<TestResult> parse_test_result(std::string_view s);
std::optional<DocumentKind> parse_document_kind(std::string_view s);
std::optional<ReviewOutcome> parse_review_outcome(std::string_view s);
std::optional<AuditType> parse_audit_type(std::string_view s);
// The months of a cadence's period (0 for none).
int cadence_months(EvidenceCadence v);

struct ProgramNamed {
  std::string name;
  bool operator==(const ProgramNamed&) const = default;
};
struct ScopeSet {
  std::vector<Category> categories;
  bool operator==(const ScopeSet&) const = default;
};
struct UserAdded {
  std::string email;
  std::string name;
  Role role;
  bool operator==(const UserAdded&) const = default;
};
struct UserRoleChanged {
  std::string email;
  Role role;
  Role previous_role;
  bool operator==(const UserRoleChanged&) const = default;
};
struct UserDeactivated {
  std::string email;
  std::string reason;
  bool operator==(const UserDeactivated&) const = default;
};
// token_hash is SHA-256 of the token (32 bytes); the token itself is never stored.
struct TokenIssued {
  std::string token_id;
  std::string email;
  std::string token_hash;
  std::string expires_on;  // YYYY-MM-DD, the last day it works; "" = never
  bool operator==(const TokenIssued&) const = default;
};
struct TokenRevoked {
  std::string token_id;
  std::string email;
  bool operator==(const TokenRevoked&) const = default;
};
struct ControlDefined {
  std::string control_id, title, description;
  std::vector<std::string> criteria;
  ControlStatus status;
  std::string owner = {};  // "" = none (SPEC §12)
  EvidenceCadence evidence_every = EvidenceCadence::kNone;
  bool operator==(const ControlDefined&) const = default;
};
// Carries the complete new values (unchanged ones copied), so a fold needs no merging rules.
struct ControlUpdated {
  std::string control_id, title, description;
  std::vector<std::string> criteria;
  std::string owner = {};  // "" = none
  EvidenceCadence evidence_every = EvidenceCadence::kNone;
  bool operator==(const ControlUpdated&) const = default;
};
struct ControlStatusSet {
  std::string control_id;
  ControlStatus status;
  ControlStatus previous;
  std::string reason;
  bool operator==(const ControlStatusSet&) const = default;
};
struct FindingRecorded {
  std::string finding_id, title, description;
  Severity severity;
  std::vector<std::string> criteria;
  std::string control;  // "" = none
  FindingSource source;
  std::string owner;                // "" = unassigned
  std::string due_date;             // "" = none, else YYYY-MM-DD
  std::string recommendation = {};  // "" = none; added later, so older events have none
  // SPEC §13, added later: 1–5 each, 0 = not rated; the origin "D-n", "I-n", "<control>#test-<n>".
  uint8_t likelihood = 0, impact = 0;
  std::string origin = {};  // "" = none
  bool operator==(const FindingRecorded&) const = default;
};
// Complete new values, as ControlUpdated.
struct FindingUpdated {
  std::string finding_id, title, description;
  Severity severity;
  std::vector<std::string> criteria;
  std::string control;
  std::string recommendation = {};     // "" = none
  uint8_t likelihood = 0, impact = 0;  // 0 = not rated
  std::string origin = {};             // "" = none
  bool operator==(const FindingUpdated&) const = default;
};
struct FindingAssigned {
  std::string finding_id, owner, previous_owner;
  bool operator==(const FindingAssigned&) const = default;
};
struct FindingDueDateSet {
  std::string finding_id, due_date, previous_due_date, reason;
  bool operator==(const FindingDueDateSet&) const = default;
};
struct FindingStatusChanged {
  std::string finding_id;
  FindingStatus from, to;
  std::string reason;
  bool operator==(const FindingStatusChanged&) const = default;
};
struct RiskAccepted {
  std::string finding_id, justification, expires_on;
  FindingStatus from;
  bool operator==(const RiskAccepted&) const = default;
};
struct CommentAdded {
  std::string finding_id, text;
  bool operator==(const CommentAdded&) const = default;
};
struct EvidenceUploaded {
  std::string evidence_id, filename, media_type;
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
  std::string collected_on, valid_until;  // "" = not set
  bool operator==(const EvidenceUploaded&) const = default;
};
// Exactly one of finding_id / control_id is set.
struct EvidenceLinked {
  std::string evidence_id, finding_id, control_id;
  bool operator==(const EvidenceLinked&) const = default;
};
struct EvidenceUnlinked {
  std::string evidence_id, finding_id, control_id;
  bool operator==(const EvidenceUnlinked&) const = default;
};
// A test of a control (SPEC §12), by the actor. `tested_on` YYYY-MM-DD; `evidence` the ids of
// evidence the tester relied on (not linked to the control by this event).
struct ControlTested {
  std::string control_id;
  TestKind kind = TestKind::kDesign;
  std::string tested_on;
  TestResult result = TestResult::kPass;
  std::string notes;
  std::vector<std::string> evidence;
  bool operator==(const ControlTested&) const = default;
};
// Sign-in to the dashboard through the identity provider (SPEC §10): `subject` is its `sub`.
struct UserSignedIn {
  std::string email, subject, issuer;
  bool operator==(const UserSignedIn&) const = default;
};
struct UserSignedOut {
  std::string email;
  bool operator==(const UserSignedOut&) const = default;
};

// A reminder was delivered (SPEC §11); written by gaplog itself (kSystemActor). `kind` is the
// contract name of a NotificationKind, `recipient` an e-mail or "webhook:<id>", `subject` a
// finding, evidence or control id ("" for a digest), `day` YYYY-MM-DD.
struct NotificationSent {
  std::string kind, recipient, subject, day, message_id;
  bool operator==(const NotificationSent&) const = default;
};
// A user's reminder settings, complete.
struct UserNotificationsSet {
  std::string email;
  bool email_enabled = true, digest_enabled = true;
  bool operator==(const UserNotificationsSet&) const = default;
};
struct WebhookAdded {
  std::string webhook_id, url;
  std::vector<std::string> kinds;
  bool operator==(const WebhookAdded&) const = default;
};
struct WebhookRemoved {
  std::string webhook_id;
  bool operator==(const WebhookRemoved&) const = default;
};

// The assessment (SPEC §13). Dates YYYY-MM-DD, "" = none.
struct DocumentRecorded {
  std::string document_id, title;
  DocumentKind kind = DocumentKind::kOther;
  std::string owner, version, approved_on, next_review_on;  // "" = none
  std::vector<std::string> criteria;
  bool operator==(const DocumentRecorded&) const = default;
};
// A review by the actor; `next_review_on` "" leaves the document's next review date unchanged.
struct DocumentReviewed {
  std::string document_id;
  ReviewOutcome outcome = ReviewOutcome::kAdequate;
  std::string reviewed_on, notes, next_review_on;
  bool operator==(const DocumentReviewed&) const = default;
};
struct InterviewRecorded {
  std::string interview_id, stakeholder, stakeholder_role, held_on;
  std::vector<std::string> interviewers;  // e-mails
  std::vector<std::string> criteria;
  std::string notes;
  bool operator==(const InterviewRecorded&) const = default;
};
// The complete audit target: `date` for Type I, the window for Type II (the others "").
struct AuditTargetSet {
  AuditType type = AuditType::kType1;
  std::string date, window_start, window_end;
  bool operator==(const AuditTargetSet&) const = default;
};

using Payload =
    std::variant<ProgramNamed, ScopeSet, UserAdded, UserRoleChanged, UserDeactivated, TokenIssued,
                 TokenRevoked, ControlDefined, ControlUpdated, ControlStatusSet, FindingRecorded,
                 FindingUpdated, FindingAssigned, FindingDueDateSet, FindingStatusChanged,
                 RiskAccepted, CommentAdded, EvidenceUploaded, EvidenceLinked, EvidenceUnlinked,
                 UserSignedIn, UserSignedOut, NotificationSent, UserNotificationsSet, WebhookAdded,
                 WebhookRemoved, ControlTested, DocumentRecorded, DocumentReviewed,
                 InterviewRecorded, AuditTargetSet>;

// The contract's `type` string: "program_named", "finding_status_changed", ...
std::string_view event_type_name(const Payload& payload);

// A committed event: the envelope of SPEC §2 and its payload.
struct Event {
  uint64_t seq = 0;      // global position, 1, 2, 3, ...
  std::string stream;    // "finding/F-3", "program", ...
  uint32_t version = 0;  // position in its stream, from 1
  Uuid id;
  Micros recorded_at = 0;
  Micros occurred_at = 0;
  std::string actor;  // e-mail
  Payload payload;
  bool operator==(const Event&) const = default;
};

// Events shown as back-filled: occurred more than 5 minutes before they were recorded.
constexpr Micros kBackfillThreshold = static_cast<Micros>(5 * 60) * kMicrosPerSecond;
inline bool is_backfilled(const Event& e) {
  return e.recorded_at - e.occurred_at > kBackfillThreshold;
}

}  // namespace gaplog
