# The stored form of every gaplog event (SPEC §2).
#
# This schema is shipped in the audit bundle so that an auditor can read the exported events
# with the standard Cap'n Proto tool, e.g.
#
#     capnp decode events.capnp Event < events.bin              (the bundle: stream framing)
#     capnp decode --flat events.capnp Event < leaf.bin         (one event as stored and hashed)
#
# Each event is stored as one canonical Cap'n Proto message (single segment, no segment table,
# see capnp::canonicalize); those exact bytes are what the Merkle tree hashes (leaf i = the
# bytes of the event with seq i + 1). events.bin in the bundle holds the same messages with the
# standard stream framing.
#
# FIELD ORDINALS ARE FOREVER. Events are never rewritten, so every event ever stored must keep
# decoding to the same meaning: never renumber, reuse, retype or remove a field, a union member
# or an enumerant. Only add new ones at the end (new ordinals, new enumerants last), and mirror
# them in domain/event.h and domain/event_codec.cc.
#
# Conventions used below:
# - Timestamps are Int64 microseconds since 1970-01-01T00:00:00Z (UTC).
# - Dates are Text "YYYY-MM-DD" (a UTC calendar day); the empty string means "none".
# - Optional text (owner, control, previous values, reason) uses the empty string for "none".
# - Users are identified by e-mail; findings by "F-<n>", evidence by "E-<n>", controls by the
#   id chosen by the user (e.g. "AC-01"); criteria by TSC 2017 ids (e.g. "CC6.1").
# - File hashes (EvidenceUploaded.sha256) are lowercase hex text; TokenIssued.tokenHash is the
#   raw 32-byte digest.

@0xd1856aa852972676;

# The standard C++ annotations shipped with Cap'n Proto: they only name the C++ namespace and
# do not change the encoding.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gaplog::schema");

# Trust Services Criteria category. Security (the common criteria) is always in scope.
enum Category {
  security @0;
  availability @1;
  processingIntegrity @2;
  confidentiality @3;
  privacy @4;
}

# A user's one role.
enum Role {
  admin @0;
  editor @1;
  contributor @2;
  auditor @3;
}

# Implementation status of a control.
enum ControlStatus {
  notImplemented @0;
  partiallyImplemented @1;
  implemented @2;
}

# Status of a finding in its workflow (SPEC §3).
enum FindingStatus {
  open @0;
  inProgress @1;
  remediated @2;
  closed @3;
  riskAccepted @4;
}

enum Severity {
  critical @0;
  high @1;
  medium @2;
  low @3;
}

# How the gap assessment found the gap.
enum FindingSource {
  documentReview @0;
  controlEvaluation @1;
  interview @2;
  other @3;
}

# How often a control's evidence is collected again (SPEC §12).
enum EvidenceCadence {
  none @0;
  monthly @1;
  quarterly @2;
  semiannual @3;
  annual @4;
}

enum TestKind {
  design @0;
  operating @1;
}

enum TestResult {
  pass @0;
  fail @1;
  exception @2;
}

# One event: the envelope of SPEC §2 and exactly one payload.
struct Event {
  seq @0 :UInt64;         # global position in the log: 1, 2, 3, ... with no gaps
  stream @1 :Text;        # "program", "finding/F-3", "control/AC-01", "user/ann@example.com", ...
  version @2 :UInt32;     # position in its stream, from 1
  id @3 :Data;            # the event's UUID, 16 bytes (client-supplied for idempotency or random)
  recordedAt @4 :Int64;   # when the store committed it (microseconds since epoch, UTC)
  occurredAt @5 :Int64;   # business time (microseconds since epoch, UTC); <= recordedAt
  actor @6 :Text;         # e-mail of the user who caused the event

  # The event type; the member name is the contract `type` string in camelCase
  # (programNamed = "program_named", ...).
  payload :union {
    programNamed @7 :ProgramNamed;
    scopeSet @8 :ScopeSet;
    userAdded @9 :UserAdded;
    userRoleChanged @10 :UserRoleChanged;
    userDeactivated @11 :UserDeactivated;
    tokenIssued @12 :TokenIssued;
    tokenRevoked @13 :TokenRevoked;
    controlDefined @14 :ControlDefined;
    controlUpdated @15 :ControlUpdated;
    controlStatusSet @16 :ControlStatusSet;
    findingRecorded @17 :FindingRecorded;
    findingUpdated @18 :FindingUpdated;
    findingAssigned @19 :FindingAssigned;
    findingDueDateSet @20 :FindingDueDateSet;
    findingStatusChanged @21 :FindingStatusChanged;
    riskAccepted @22 :RiskAccepted;
    commentAdded @23 :CommentAdded;
    evidenceUploaded @24 :EvidenceUploaded;
    evidenceLinked @25 :EvidenceLinked;
    evidenceUnlinked @26 :EvidenceUnlinked;
    userSignedIn @27 :UserSignedIn;
    userSignedOut @28 :UserSignedOut;
    notificationSent @29 :NotificationSent;
    userNotificationsSet @30 :UserNotificationsSet;
    webhookAdded @31 :WebhookAdded;
    webhookRemoved @32 :WebhookRemoved;
    controlTested @33 :ControlTested;
    documentRecorded @34 :DocumentRecorded;
    documentReviewed @35 :DocumentReviewed;
    interviewRecorded @36 :InterviewRecorded;
    auditTargetSet @37 :AuditTargetSet;
  }
}

struct ProgramNamed {
  name @0 :Text;                  # the organisation's / program's display name
}

# The categories in scope after this event (the complete set, security included).
struct ScopeSet {
  categories @0 :List(Category);
}

struct UserAdded {
  email @0 :Text;
  name @1 :Text;                  # display name; "" = none
  role @2 :Role;
}

struct UserRoleChanged {
  email @0 :Text;
  role @1 :Role;                  # the new role
  previousRole @2 :Role;
}

struct UserDeactivated {
  email @0 :Text;
  reason @1 :Text;                # "" = none given
}

# An API token was issued to a user.
struct TokenIssued {
  tokenId @0 :Text;               # public identifier of the token
  email @1 :Text;                 # the user the token acts as
  tokenHash @2 :Data;             # SHA-256 of the token (32 bytes); the token is never stored
  expiresOn @3 :Text;             # "YYYY-MM-DD": the last day it works; "" (unset) = never
}

struct TokenRevoked {
  tokenId @0 :Text;
  email @1 :Text;
}

struct ControlDefined {
  controlId @0 :Text;
  title @1 :Text;
  description @2 :Text;
  criteria @3 :List(Text);        # TSC criterion ids the control maps to
  status @4 :ControlStatus;
  owner @5 :Text;                 # e-mail of its owner (SPEC §12); absent = none
  evidenceEvery @6 :EvidenceCadence;
}

# Carries the complete new values (unchanged ones copied).
struct ControlUpdated {
  controlId @0 :Text;
  title @1 :Text;
  description @2 :Text;
  criteria @3 :List(Text);
  owner @4 :Text;                 # absent = none
  evidenceEvery @5 :EvidenceCadence;
}

struct ControlStatusSet {
  controlId @0 :Text;
  status @1 :ControlStatus;       # the new status
  previous @2 :ControlStatus;
  reason @3 :Text;                # "" = none given
}

struct FindingRecorded {
  findingId @0 :Text;
  title @1 :Text;
  description @2 :Text;
  severity @3 :Severity;
  criteria @4 :List(Text);        # at least one TSC criterion id
  control @5 :Text;               # related control id; "" = none
  source @6 :FindingSource;
  owner @7 :Text;                 # owner's e-mail; "" = unassigned
  dueDate @8 :Text;               # YYYY-MM-DD; "" = none
  recommendation @9 :Text;        # what the assessor recommends; "" (unset) = none
  likelihood @10 :UInt8;          # 1-5; 0 (unset) = not rated (SPEC §13)
  impact @11 :UInt8;              # 1-5; 0 (unset) = not rated
  origin @12 :Text;               # "D-3", "I-2" or "AC-01#test-2"; "" (unset) = none
}

# Carries the complete new values (unchanged ones copied).
struct FindingUpdated {
  findingId @0 :Text;
  title @1 :Text;
  description @2 :Text;
  severity @3 :Severity;
  criteria @4 :List(Text);
  control @5 :Text;               # "" = none
  recommendation @6 :Text;        # "" (unset) = none
  likelihood @7 :UInt8;           # 1-5; 0 (unset) = not rated
  impact @8 :UInt8;               # 1-5; 0 (unset) = not rated
  origin @9 :Text;                # "" (unset) = none
}

struct FindingAssigned {
  findingId @0 :Text;
  owner @1 :Text;                 # new owner's e-mail; "" = unassigned
  previousOwner @2 :Text;         # "" = was unassigned
}

struct FindingDueDateSet {
  findingId @0 :Text;
  dueDate @1 :Text;               # YYYY-MM-DD; "" = due date removed
  previousDueDate @2 :Text;       # YYYY-MM-DD; "" = had none
  reason @3 :Text;                # "" = none given
}

struct FindingStatusChanged {
  findingId @0 :Text;
  from @1 :FindingStatus;
  to @2 :FindingStatus;
  reason @3 :Text;                # "" = none given
}

# The finding's risk was accepted (its status becomes riskAccepted) until expiresOn.
struct RiskAccepted {
  findingId @0 :Text;
  justification @1 :Text;
  expiresOn @2 :Text;             # YYYY-MM-DD
  from @3 :FindingStatus;         # status before the acceptance
}

struct CommentAdded {
  findingId @0 :Text;
  text @1 :Text;
}

# A file was stored; its bytes are kept forever under their SHA-256.
struct EvidenceUploaded {
  evidenceId @0 :Text;
  filename @1 :Text;
  mediaType @2 :Text;             # e.g. "application/pdf"; "" = unknown
  sha256 @3 :Text;                # SHA-256 of the file, 64 lowercase hex digits
  size @4 :UInt64;                # in bytes
  collectedOn @5 :Text;           # YYYY-MM-DD; "" = not set
  validUntil @6 :Text;            # YYYY-MM-DD; "" = not set
}

# Exactly one of findingId / controlId is non-empty.
struct EvidenceLinked {
  evidenceId @0 :Text;
  findingId @1 :Text;
  controlId @2 :Text;
}

# Exactly one of findingId / controlId is non-empty.
struct EvidenceUnlinked {
  evidenceId @0 :Text;
  findingId @1 :Text;
  controlId @2 :Text;
}

# A person signed in to the dashboard through the company's identity provider (SPEC §10). Who had
# access when is audit evidence (CC6.1-CC6.3); the session itself is not an event.
struct UserSignedIn {
  email @0 :Text;
  subject @1 :Text;               # the identity provider's `sub` for this person
  issuer @2 :Text;                # the identity provider (`iss`)
}

# A person signed out of the dashboard.
struct UserSignedOut {
  email @0 :Text;
}

# A reminder was delivered (SPEC §11): written by gaplog itself (actor "gaplog") after the mail
# server or the webhook receiver accepted it, so the CPA firm sees the follow-up. One per
# (kind, subject, recipient, day).
struct NotificationSent {
  kind @0 :Text;                  # "assigned", "due_soon", "overdue", "acceptance_expiring",
                                  # "acceptance_expired", "evidence_expiring", "weekly_digest"
  recipient @1 :Text;             # an e-mail, or "webhook:<id>"
  subject @2 :Text;               # a finding, evidence or control id; "" for a digest
  day @3 :Text;                   # YYYY-MM-DD: the day the rule fired for
  messageId @4 :Text;             # the Message-ID (without <>) or webhook-id it went out with
}

# A user's own choice of reminders (PUT /api/v1/me/notifications): the complete new settings.
struct UserNotificationsSet {
  email @0 :Text;
  emailEnabled @1 :Bool;          # reminders by e-mail at all
  digestEnabled @2 :Bool;         # the Monday digest
}

# An admin registered a webhook. Its signing secret is not an event (the log is exported to
# auditors): it stays in the data directory (docs/reminders.md).
struct WebhookAdded {
  webhookId @0 :Text;             # "wh_" and 16 hex digits
  url @1 :Text;                   # https:// (http:// to loopback only)
  kinds @2 :List(Text);           # the notification kinds it receives
}

struct WebhookRemoved {
  webhookId @0 :Text;
}

# A control was tested (SPEC §12); the tester is the event's actor. An implemented control whose
# latest test (by testedOn) failed does not count as implemented.
struct ControlTested {
  controlId @0 :Text;
  kind @1 :TestKind;
  testedOn @2 :Text;              # YYYY-MM-DD
  result @3 :TestResult;
  notes @4 :Text;                 # absent = none
  evidence @5 :List(Text);        # evidence ids the tester relied on
}

# What kind of document an assessment reviewed (SPEC §13).
enum DocumentKind {
  policy @0;
  procedure @1;
  plan @2;
  standard @3;
  record @4;
  other @5;
}

# The outcome of a document review.
enum ReviewOutcome {
  adequate @0;
  outdated @1;
  incomplete @2;
  notApproved @3;
  missing @4;
}

# A document the assessment reviews (stream "document/D-n").
struct DocumentRecorded {
  documentId @0 :Text;            # "D-<n>"
  title @1 :Text;
  kind @2 :DocumentKind;
  owner @3 :Text;                 # e-mail; "" = none
  version @4 :Text;               # the document's own version label; "" = none
  approvedOn @5 :Text;            # YYYY-MM-DD; "" = none
  nextReviewOn @6 :Text;          # YYYY-MM-DD; "" = none
  criteria @7 :List(Text);        # at least one
}

# A review of a document; the reviewer is the event's actor.
struct DocumentReviewed {
  documentId @0 :Text;
  outcome @1 :ReviewOutcome;
  reviewedOn @2 :Text;            # YYYY-MM-DD
  notes @3 :Text;                 # "" = none
  nextReviewOn @4 :Text;          # the document's new next review date; "" = unchanged
}

# A stakeholder interview (stream "interview/I-n").
struct InterviewRecorded {
  interviewId @0 :Text;           # "I-<n>"
  stakeholder @1 :Text;           # the person interviewed
  stakeholderRole @2 :Text;       # their role, e.g. "VP Engineering"
  heldOn @3 :Text;                # YYYY-MM-DD
  interviewers @4 :List(Text);    # e-mails
  criteria @5 :List(Text);        # at least one
  notes @6 :Text;                 # "" = none
}

enum AuditType {
  type1 @0;                       # a point in time
  type2 @1;                       # a window of operation
}

# The audit the program works toward (stream "program"); the complete target.
struct AuditTargetSet {
  type @0 :AuditType;
  date @1 :Text;                  # Type I: YYYY-MM-DD; "" for Type II
  windowStart @2 :Text;           # Type II: YYYY-MM-DD; "" for Type I
  windowEnd @3 :Text;
}
