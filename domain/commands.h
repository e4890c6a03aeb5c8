// Commands of SPEC §1–§4 and decide(): the rules that turn a command into events or refuse it.
//
// decide() is pure: it reads the state and the command's context and returns the events to
// append (with the stream versions they were decided against) or a Status saying what was
// wrong and how to fix it. Every rule of §3, every permission of §4 and the input limits of §9
// are checked here, so the HTTP API and the CLI share them. Codes: kInvalidArgument (malformed
// input), kPermissionDenied (the actor may not), kNotFound, kAlreadyExists, kRuleViolation.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/event.h"
#include "domain/state.h"
#include "domain/status.h"

namespace gaplog {

struct NameProgram {
  std::string name;
};
struct SetScope {
  std::vector<std::string> categories;
};
struct AddUser {
  std::string email, name, role;
};
struct ChangeUserRole {
  std::string email, role;
};
struct DeactivateUser {
  std::string email, reason;
};
// The service generates the token; the domain sees only its id and SHA-256.
// An admin issues tokens for anyone, with or without an expiry; any other user issues only its
// own (a personal token, for the CLI), which must expire within a year (SPEC §10).
struct IssueToken {
  std::string email, token_id, token_hash;
  std::string expires_on;  // YYYY-MM-DD, the last day it works; "" = never (admins only)
};
// By an admin, or by the user the token belongs to.
struct RevokeToken {
  std::string token_id;
};
// A person signed in to the dashboard (the actor) through the identity provider, or out.
struct SignIn {
  std::string subject, issuer;
};
struct SignOut {};
struct DefineControl {
  std::string id, title, description;
  std::vector<std::string> criteria;
  std::string status;               // "" = not_implemented
  std::string owner = {};           // "" = none; an active user who is not an auditor (SPEC §12)
  std::string evidence_every = {};  // "" = none
};
struct UpdateControl {
  std::string id;
  std::optional<std::string> title, description;
  std::optional<std::vector<std::string>> criteria;
  std::optional<std::string> owner = {};           // "" clears it
  std::optional<std::string> evidence_every = {};  // a cadence name
};
// A test of a control (SPEC §12), by an editor or admin. `tested_on` no later than the command's
// date and not before the control was defined; the evidence must exist.
struct TestControl {
  std::string id, kind, tested_on, result, notes;
  std::vector<std::string> evidence;
};
struct SetControlStatus {
  std::string id, status, reason;
};
struct RecordFinding {
  std::string title, description, severity;
  std::vector<std::string> criteria;
  std::string control, source, owner, due_date;  // "" = none / default
  std::string recommendation = {};               // "" = none
  // SPEC §13: 1–5 each, both or neither (0 = not rated); the origin "D-n", "I-n" or
  // "<control id>#test-<n>", which must exist then; `source` follows it when not given.
  int likelihood = 0, impact = 0;
  std::string origin = {};
};
struct UpdateFinding {
  std::string id;
  std::optional<std::string> title, description, severity;
  std::optional<std::vector<std::string>> criteria;
  std::optional<std::string> control;               // "" clears the control
  std::optional<std::string> recommendation = {};   // "" clears it
  std::optional<int> likelihood = {}, impact = {};  // 0 clears; the result has both or neither
  std::optional<std::string> origin = {};           // "" clears it
};
struct AssignFinding {
  std::string id, owner;
};  // owner "" = unassign
struct SetFindingDueDate {
  std::string id, due_date, reason;
};  // due_date "" = clear
struct ChangeFindingStatus {
  std::string id, status, reason;
};
struct AcceptRisk {
  std::string id, justification, expires_on;
};
struct AddComment {
  std::string id, text;
};
struct UploadEvidence {
  std::string filename, media_type, sha256;
  uint64_t size = 0;
  std::string collected_on, valid_until, finding, control;  // "" = none
};
// Exactly one of finding / control.
struct LinkEvidence {
  std::string id, finding, control;
};
struct UnlinkEvidence {
  std::string id, finding, control;
};

// The assessment (SPEC §13), by editors and admins. Dates YYYY-MM-DD, "" = none.
struct RecordDocument {
  std::string title, kind;
  std::string owner, version, approved_on, next_review_on;
  std::vector<std::string> criteria;  // at least one
};
// `reviewed_on` "" = the command's date; `next_review_on` "" leaves the document's unchanged.
struct ReviewDocument {
  std::string id, outcome, notes, reviewed_on, next_review_on;
};
struct RecordInterview {
  std::string stakeholder, stakeholder_role, held_on;
  std::vector<std::string> interviewers;  // e-mails, at least one
  std::vector<std::string> criteria;      // at least one
  std::string notes;
};
// The audit date (admins): type1 with `date`, or type2 with the window.
struct SetAuditTarget {
  std::string type, date, window_start, window_end;
};
inline constexpr size_t kMaxInterviewers = 20;

// Reminders (SPEC §11).
// Recorded by gaplog itself (the actor must be kSystemActor) once a reminder was delivered.
struct RecordNotification {
  std::string kind, recipient, subject, day, message_id;
};
// The actor's own reminder settings; a field left out keeps its value.
struct SetMyNotifications {
  std::optional<bool> email, digest;
};
// An admin registers a webhook; the service chooses the id ("wh_" and 16 hex digits) and keeps
// the signing secret out of the log. `kinds`: contract names of NotificationKind, at least one.
struct AddWebhook {
  std::string id, url;
  std::vector<std::string> kinds;
};
struct RemoveWebhook {
  std::string id;
};
// The most webhooks a program has at once.
inline constexpr size_t kMaxWebhooks = 20;

using Command =
    std::variant<NameProgram, SetScope, AddUser, ChangeUserRole, DeactivateUser, IssueToken,
                 RevokeToken, DefineControl, UpdateControl, SetControlStatus, RecordFinding,
                 UpdateFinding, AssignFinding, SetFindingDueDate, ChangeFindingStatus, AcceptRisk,
                 AddComment, UploadEvidence, LinkEvidence, UnlinkEvidence, SignIn, SignOut,
                 RecordNotification, SetMyNotifications, AddWebhook, RemoveWebhook, TestControl,
                 RecordDocument, ReviewDocument, RecordInterview, SetAuditTarget>;

struct CommandContext {
  std::string actor;  // e-mail of the user acting (normalized)
  Micros now = 0;     // the time the command is decided
  // Set when an admin back-fills: the business time of the events. Only admins may set it
  // (any other actor: kPermissionDenied, whatever the time); it must not be after `now` nor
  // more than 5 years before it, and every entity the command names must exist (a named owner:
  // be active) at it (kRuleViolation). Date rules (risk acceptance bounds) use its date;
  // otherwise now's date.
  std::optional<Micros> occurred_at;
};

struct DraftEvent {
  std::string stream;
  Payload payload;
};

struct Decision {
  std::vector<DraftEvent> events;
  // Every stream the decision read or writes, at the version it was decided against
  // (0 = the stream must not exist): appending with these makes a stale decision a conflict.
  std::vector<std::pair<std::string, uint32_t>> expected_versions;
  // The entity the command is about ("finding/F-3", "user/ann@example.com", "program").
  std::string subject;
};

Result<Decision> decide(const ProgramState& state, const CommandContext& ctx, const Command& cmd);

}  // namespace gaplog
