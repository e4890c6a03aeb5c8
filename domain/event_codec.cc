#include "domain/event_codec.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/array.h>
#include <kj/debug.h>
#include <kj/exception.h>

#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <utility>
#include <variant>

#include "domain/events.capnp.h"

namespace gaplog {
namespace {

using PayloadBuilder = schema::Event::Payload::Builder;
using PayloadReader = schema::Event::Payload::Reader;

// Malformed input is reported by Cap'n Proto readers as kj::Exception. The checks added here
// (enum ranges, id size, payload type) use the same channel (KJ_FAIL_REQUIRE), so that decode()
// has a single place where a stored event is found corrupt and turned into a Status.

// ---- Field values ---------------------------------------------------------------------------

// Each C++ enum has a wire twin in events.capnp that lists the same values in the same order,
// so a conversion is a cast; decoding also rejects values past the last one this build knows.
template <typename Cpp>
struct WireEnum;
template <>
struct WireEnum<Category> {
  using Type = schema::Category;
  static constexpr Category kLast = Category::kPrivacy;
};
template <>
struct WireEnum<Role> {
  using Type = schema::Role;
  static constexpr Role kLast = Role::kAuditor;
};
template <>
struct WireEnum<ControlStatus> {
  using Type = schema::ControlStatus;
  static constexpr ControlStatus kLast = ControlStatus::kImplemented;
};
template <>
struct WireEnum<FindingStatus> {
  using Type = schema::FindingStatus;
  static constexpr FindingStatus kLast = FindingStatus::kRiskAccepted;
};
template <>
struct WireEnum<Severity> {
  using Type = schema::Severity;
  static constexpr Severity kLast = Severity::kLow;
};
template <>
struct WireEnum<FindingSource> {
  using Type = schema::FindingSource;
  static constexpr FindingSource kLast = FindingSource::kOther;
};

template <>
struct WireEnum<EvidenceCadence> {
  using Type = schema::EvidenceCadence;
  static constexpr EvidenceCadence kLast = EvidenceCadence::kAnnual;
};
template <>
struct WireEnum<TestKind> {
  using Type = schema::TestKind;
  static constexpr TestKind kLast = TestKind::kOperating;
};
template <>
struct WireEnum<TestResult> {
  using Type = schema::TestResult;
  static constexpr TestResult kLast = TestResult::kException;
};

template <>
struct WireEnum<DocumentKind> {
  using Type = schema::DocumentKind;
  static constexpr DocumentKind kLast = DocumentKind::kOther;
};
template <>
struct WireEnum<ReviewOutcome> {
  using Type = schema::ReviewOutcome;
  static constexpr ReviewOutcome kLast = ReviewOutcome::kMissing;
};
template <>
struct WireEnum<AuditType> {
  using Type = schema::AuditType;
  static constexpr AuditType kLast = AuditType::kType2;
};

template <typename Cpp>
constexpr typename WireEnum<Cpp>::Type to_wire(Cpp value) {
  return static_cast<typename WireEnum<Cpp>::Type>(value);
}

// The last values must line up; the round-trip tests check every value in between.
static_assert(to_wire(Category::kPrivacy) == schema::Category::PRIVACY);
static_assert(to_wire(Role::kAuditor) == schema::Role::AUDITOR);
static_assert(to_wire(ControlStatus::kImplemented) == schema::ControlStatus::IMPLEMENTED);
static_assert(to_wire(FindingStatus::kRiskAccepted) == schema::FindingStatus::RISK_ACCEPTED);
static_assert(to_wire(Severity::kLow) == schema::Severity::LOW);
static_assert(to_wire(FindingSource::kOther) == schema::FindingSource::OTHER);
static_assert(to_wire(EvidenceCadence::kAnnual) == schema::EvidenceCadence::ANNUAL);
static_assert(to_wire(TestKind::kOperating) == schema::TestKind::OPERATING);
static_assert(to_wire(TestResult::kException) == schema::TestResult::EXCEPTION);
static_assert(to_wire(DocumentKind::kOther) == schema::DocumentKind::OTHER);
static_assert(to_wire(ReviewOutcome::kMissing) == schema::ReviewOutcome::MISSING);
static_assert(to_wire(AuditType::kType2) == schema::AuditType::TYPE2);

// std::string guarantees the terminating NUL that capnp::Text::Reader requires.
capnp::Text::Reader to_wire(const std::string& text) { return {text.data(), text.size()}; }

capnp::Data::Reader as_data(const std::string& bytes) {
  return {reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()};
}

template <typename ListBuilder, typename T>
void fill(ListBuilder list, const std::vector<T>& values) {
  for (unsigned i = 0; i < values.size(); ++i) list.set(i, to_wire(values[i]));
}

template <typename Cpp>
void from_wire(typename WireEnum<Cpp>::Type value, Cpp& out) {
  const auto raw = static_cast<uint16_t>(value);
  if (raw > static_cast<uint16_t>(WireEnum<Cpp>::kLast)) KJ_FAIL_REQUIRE("unknown enum value", raw);
  out = static_cast<Cpp>(raw);
}

void from_wire(capnp::Text::Reader text, std::string& out) {
  out.assign(text.begin(), text.size());
}

void from_data(capnp::Data::Reader data, std::string& out) {
  out.assign(reinterpret_cast<const char*>(data.begin()), data.size());
}

template <typename ListReader, typename T>
void from_wire(ListReader list, std::vector<T>& out) {
  out.resize(list.size());
  for (unsigned i = 0; i < list.size(); ++i) from_wire(list[i], out[i]);
}

// ---- Payloads -------------------------------------------------------------------------------
// One write() and one read() per event type, field for field in the order of events.capnp.

void write(PayloadBuilder u, const ProgramNamed& p) {
  u.initProgramNamed().setName(to_wire(p.name));
}
void read(PayloadReader u, ProgramNamed& p) { from_wire(u.getProgramNamed().getName(), p.name); }

void write(PayloadBuilder u, const ScopeSet& p) {
  fill(u.initScopeSet().initCategories(p.categories.size()), p.categories);
}
void read(PayloadReader u, ScopeSet& p) {
  from_wire(u.getScopeSet().getCategories(), p.categories);
}

void write(PayloadBuilder u, const UserAdded& p) {
  auto b = u.initUserAdded();
  b.setEmail(to_wire(p.email));
  b.setName(to_wire(p.name));
  b.setRole(to_wire(p.role));
}
void read(PayloadReader u, UserAdded& p) {
  auto r = u.getUserAdded();
  from_wire(r.getEmail(), p.email);
  from_wire(r.getName(), p.name);
  from_wire(r.getRole(), p.role);
}

void write(PayloadBuilder u, const UserRoleChanged& p) {
  auto b = u.initUserRoleChanged();
  b.setEmail(to_wire(p.email));
  b.setRole(to_wire(p.role));
  b.setPreviousRole(to_wire(p.previous_role));
}
void read(PayloadReader u, UserRoleChanged& p) {
  auto r = u.getUserRoleChanged();
  from_wire(r.getEmail(), p.email);
  from_wire(r.getRole(), p.role);
  from_wire(r.getPreviousRole(), p.previous_role);
}

void write(PayloadBuilder u, const UserDeactivated& p) {
  auto b = u.initUserDeactivated();
  b.setEmail(to_wire(p.email));
  b.setReason(to_wire(p.reason));
}
void read(PayloadReader u, UserDeactivated& p) {
  auto r = u.getUserDeactivated();
  from_wire(r.getEmail(), p.email);
  from_wire(r.getReason(), p.reason);
}

void write(PayloadBuilder u, const TokenIssued& p) {
  auto b = u.initTokenIssued();
  b.setTokenId(to_wire(p.token_id));
  b.setEmail(to_wire(p.email));
  b.setTokenHash(as_data(p.token_hash));
  // Only when there is one, so that tokens issued before expiry existed keep their bytes.
  if (!p.expires_on.empty()) b.setExpiresOn(to_wire(p.expires_on));
}
void read(PayloadReader u, TokenIssued& p) {
  auto r = u.getTokenIssued();
  from_wire(r.getTokenId(), p.token_id);
  from_wire(r.getEmail(), p.email);
  from_data(r.getTokenHash(), p.token_hash);
  from_wire(r.getExpiresOn(), p.expires_on);
}

void write(PayloadBuilder u, const TokenRevoked& p) {
  auto b = u.initTokenRevoked();
  b.setTokenId(to_wire(p.token_id));
  b.setEmail(to_wire(p.email));
}
void read(PayloadReader u, TokenRevoked& p) {
  auto r = u.getTokenRevoked();
  from_wire(r.getTokenId(), p.token_id);
  from_wire(r.getEmail(), p.email);
}

void write(PayloadBuilder u, const ControlDefined& p) {
  auto b = u.initControlDefined();
  b.setControlId(to_wire(p.control_id));
  b.setTitle(to_wire(p.title));
  b.setDescription(to_wire(p.description));
  fill(b.initCriteria(p.criteria.size()), p.criteria);
  b.setStatus(to_wire(p.status));
  // Written only when set, so that events from before SPEC §12 keep their canonical bytes.
  if (!p.owner.empty()) b.setOwner(to_wire(p.owner));
  b.setEvidenceEvery(to_wire(p.evidence_every));
}
void read(PayloadReader u, ControlDefined& p) {
  auto r = u.getControlDefined();
  from_wire(r.getControlId(), p.control_id);
  from_wire(r.getTitle(), p.title);
  from_wire(r.getDescription(), p.description);
  from_wire(r.getCriteria(), p.criteria);
  from_wire(r.getStatus(), p.status);
  from_wire(r.getOwner(), p.owner);
  from_wire(r.getEvidenceEvery(), p.evidence_every);
}

void write(PayloadBuilder u, const ControlUpdated& p) {
  auto b = u.initControlUpdated();
  b.setControlId(to_wire(p.control_id));
  b.setTitle(to_wire(p.title));
  b.setDescription(to_wire(p.description));
  fill(b.initCriteria(p.criteria.size()), p.criteria);
  if (!p.owner.empty()) b.setOwner(to_wire(p.owner));
  b.setEvidenceEvery(to_wire(p.evidence_every));
}
void read(PayloadReader u, ControlUpdated& p) {
  auto r = u.getControlUpdated();
  from_wire(r.getControlId(), p.control_id);
  from_wire(r.getTitle(), p.title);
  from_wire(r.getDescription(), p.description);
  from_wire(r.getCriteria(), p.criteria);
  from_wire(r.getOwner(), p.owner);
  from_wire(r.getEvidenceEvery(), p.evidence_every);
}

void write(PayloadBuilder u, const ControlStatusSet& p) {
  auto b = u.initControlStatusSet();
  b.setControlId(to_wire(p.control_id));
  b.setStatus(to_wire(p.status));
  b.setPrevious(to_wire(p.previous));
  b.setReason(to_wire(p.reason));
}
void read(PayloadReader u, ControlStatusSet& p) {
  auto r = u.getControlStatusSet();
  from_wire(r.getControlId(), p.control_id);
  from_wire(r.getStatus(), p.status);
  from_wire(r.getPrevious(), p.previous);
  from_wire(r.getReason(), p.reason);
}

// SPEC §13's fields of finding_recorded and finding_updated, written only when set so that
// events without them keep their canonical bytes (the Merkle tree hashed those).
template <typename Builder, typename P>
void write_risk(Builder b, const P& p) {
  if (p.likelihood != 0) b.setLikelihood(p.likelihood);
  if (p.impact != 0) b.setImpact(p.impact);
  if (!p.origin.empty()) b.setOrigin(to_wire(p.origin));
}
template <typename Reader, typename P>
void read_risk(Reader r, P& p) {
  p.likelihood = r.getLikelihood();
  p.impact = r.getImpact();
  // decide() never writes more than 5; a larger one is damage, not a rating.
  if (p.likelihood > 5 || p.impact > 5) KJ_FAIL_REQUIRE("risk rating out of range (1-5)");
  from_wire(r.getOrigin(), p.origin);
}

void write(PayloadBuilder u, const FindingRecorded& p) {
  auto b = u.initFindingRecorded();
  b.setFindingId(to_wire(p.finding_id));
  b.setTitle(to_wire(p.title));
  b.setDescription(to_wire(p.description));
  b.setSeverity(to_wire(p.severity));
  fill(b.initCriteria(p.criteria.size()), p.criteria);
  b.setControl(to_wire(p.control));
  b.setSource(to_wire(p.source));
  b.setOwner(to_wire(p.owner));
  b.setDueDate(to_wire(p.due_date));
  // Only when there is one, so that events without it keep their canonical bytes.
  if (!p.recommendation.empty()) b.setRecommendation(to_wire(p.recommendation));
  write_risk(b, p);
}
void read(PayloadReader u, FindingRecorded& p) {
  auto r = u.getFindingRecorded();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getTitle(), p.title);
  from_wire(r.getDescription(), p.description);
  from_wire(r.getSeverity(), p.severity);
  from_wire(r.getCriteria(), p.criteria);
  from_wire(r.getControl(), p.control);
  from_wire(r.getSource(), p.source);
  from_wire(r.getOwner(), p.owner);
  from_wire(r.getDueDate(), p.due_date);
  from_wire(r.getRecommendation(), p.recommendation);
  read_risk(r, p);
}

void write(PayloadBuilder u, const FindingUpdated& p) {
  auto b = u.initFindingUpdated();
  b.setFindingId(to_wire(p.finding_id));
  b.setTitle(to_wire(p.title));
  b.setDescription(to_wire(p.description));
  b.setSeverity(to_wire(p.severity));
  fill(b.initCriteria(p.criteria.size()), p.criteria);
  b.setControl(to_wire(p.control));
  if (!p.recommendation.empty()) b.setRecommendation(to_wire(p.recommendation));
  write_risk(b, p);
}
void read(PayloadReader u, FindingUpdated& p) {
  auto r = u.getFindingUpdated();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getTitle(), p.title);
  from_wire(r.getDescription(), p.description);
  from_wire(r.getSeverity(), p.severity);
  from_wire(r.getCriteria(), p.criteria);
  from_wire(r.getControl(), p.control);
  from_wire(r.getRecommendation(), p.recommendation);
  read_risk(r, p);
}

void write(PayloadBuilder u, const FindingAssigned& p) {
  auto b = u.initFindingAssigned();
  b.setFindingId(to_wire(p.finding_id));
  b.setOwner(to_wire(p.owner));
  b.setPreviousOwner(to_wire(p.previous_owner));
}
void read(PayloadReader u, FindingAssigned& p) {
  auto r = u.getFindingAssigned();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getOwner(), p.owner);
  from_wire(r.getPreviousOwner(), p.previous_owner);
}

void write(PayloadBuilder u, const FindingDueDateSet& p) {
  auto b = u.initFindingDueDateSet();
  b.setFindingId(to_wire(p.finding_id));
  b.setDueDate(to_wire(p.due_date));
  b.setPreviousDueDate(to_wire(p.previous_due_date));
  b.setReason(to_wire(p.reason));
}
void read(PayloadReader u, FindingDueDateSet& p) {
  auto r = u.getFindingDueDateSet();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getDueDate(), p.due_date);
  from_wire(r.getPreviousDueDate(), p.previous_due_date);
  from_wire(r.getReason(), p.reason);
}

void write(PayloadBuilder u, const FindingStatusChanged& p) {
  auto b = u.initFindingStatusChanged();
  b.setFindingId(to_wire(p.finding_id));
  b.setFrom(to_wire(p.from));
  b.setTo(to_wire(p.to));
  b.setReason(to_wire(p.reason));
}
void read(PayloadReader u, FindingStatusChanged& p) {
  auto r = u.getFindingStatusChanged();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getFrom(), p.from);
  from_wire(r.getTo(), p.to);
  from_wire(r.getReason(), p.reason);
}

void write(PayloadBuilder u, const RiskAccepted& p) {
  auto b = u.initRiskAccepted();
  b.setFindingId(to_wire(p.finding_id));
  b.setJustification(to_wire(p.justification));
  b.setExpiresOn(to_wire(p.expires_on));
  b.setFrom(to_wire(p.from));
}
void read(PayloadReader u, RiskAccepted& p) {
  auto r = u.getRiskAccepted();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getJustification(), p.justification);
  from_wire(r.getExpiresOn(), p.expires_on);
  from_wire(r.getFrom(), p.from);
}

void write(PayloadBuilder u, const CommentAdded& p) {
  auto b = u.initCommentAdded();
  b.setFindingId(to_wire(p.finding_id));
  b.setText(to_wire(p.text));
}
void read(PayloadReader u, CommentAdded& p) {
  auto r = u.getCommentAdded();
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getText(), p.text);
}

void write(PayloadBuilder u, const EvidenceUploaded& p) {
  auto b = u.initEvidenceUploaded();
  b.setEvidenceId(to_wire(p.evidence_id));
  b.setFilename(to_wire(p.filename));
  b.setMediaType(to_wire(p.media_type));
  b.setSha256(to_wire(p.sha256));
  b.setSize(p.size);
  b.setCollectedOn(to_wire(p.collected_on));
  b.setValidUntil(to_wire(p.valid_until));
}
void read(PayloadReader u, EvidenceUploaded& p) {
  auto r = u.getEvidenceUploaded();
  from_wire(r.getEvidenceId(), p.evidence_id);
  from_wire(r.getFilename(), p.filename);
  from_wire(r.getMediaType(), p.media_type);
  from_wire(r.getSha256(), p.sha256);
  p.size = r.getSize();
  from_wire(r.getCollectedOn(), p.collected_on);
  from_wire(r.getValidUntil(), p.valid_until);
}

void write(PayloadBuilder u, const EvidenceLinked& p) {
  auto b = u.initEvidenceLinked();
  b.setEvidenceId(to_wire(p.evidence_id));
  b.setFindingId(to_wire(p.finding_id));
  b.setControlId(to_wire(p.control_id));
}
void read(PayloadReader u, EvidenceLinked& p) {
  auto r = u.getEvidenceLinked();
  from_wire(r.getEvidenceId(), p.evidence_id);
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getControlId(), p.control_id);
}

void write(PayloadBuilder u, const EvidenceUnlinked& p) {
  auto b = u.initEvidenceUnlinked();
  b.setEvidenceId(to_wire(p.evidence_id));
  b.setFindingId(to_wire(p.finding_id));
  b.setControlId(to_wire(p.control_id));
}
void read(PayloadReader u, EvidenceUnlinked& p) {
  auto r = u.getEvidenceUnlinked();
  from_wire(r.getEvidenceId(), p.evidence_id);
  from_wire(r.getFindingId(), p.finding_id);
  from_wire(r.getControlId(), p.control_id);
}

void write(PayloadBuilder u, const UserSignedIn& p) {
  auto b = u.initUserSignedIn();
  b.setEmail(to_wire(p.email));
  b.setSubject(to_wire(p.subject));
  b.setIssuer(to_wire(p.issuer));
}
void read(PayloadReader u, UserSignedIn& p) {
  auto r = u.getUserSignedIn();
  from_wire(r.getEmail(), p.email);
  from_wire(r.getSubject(), p.subject);
  from_wire(r.getIssuer(), p.issuer);
}

void write(PayloadBuilder u, const UserSignedOut& p) {
  u.initUserSignedOut().setEmail(to_wire(p.email));
}
void read(PayloadReader u, UserSignedOut& p) {
  from_wire(u.getUserSignedOut().getEmail(), p.email);
}

void write(PayloadBuilder u, const NotificationSent& p) {
  auto b = u.initNotificationSent();
  b.setKind(to_wire(p.kind));
  b.setRecipient(to_wire(p.recipient));
  b.setSubject(to_wire(p.subject));
  b.setDay(to_wire(p.day));
  b.setMessageId(to_wire(p.message_id));
}
void read(PayloadReader u, NotificationSent& p) {
  auto r = u.getNotificationSent();
  from_wire(r.getKind(), p.kind);
  from_wire(r.getRecipient(), p.recipient);
  from_wire(r.getSubject(), p.subject);
  from_wire(r.getDay(), p.day);
  from_wire(r.getMessageId(), p.message_id);
}

void write(PayloadBuilder u, const UserNotificationsSet& p) {
  auto b = u.initUserNotificationsSet();
  b.setEmail(to_wire(p.email));
  b.setEmailEnabled(p.email_enabled);
  b.setDigestEnabled(p.digest_enabled);
}
void read(PayloadReader u, UserNotificationsSet& p) {
  auto r = u.getUserNotificationsSet();
  from_wire(r.getEmail(), p.email);
  p.email_enabled = r.getEmailEnabled();
  p.digest_enabled = r.getDigestEnabled();
}

void write(PayloadBuilder u, const WebhookAdded& p) {
  auto b = u.initWebhookAdded();
  b.setWebhookId(to_wire(p.webhook_id));
  b.setUrl(to_wire(p.url));
  fill(b.initKinds(p.kinds.size()), p.kinds);
}
void read(PayloadReader u, WebhookAdded& p) {
  auto r = u.getWebhookAdded();
  from_wire(r.getWebhookId(), p.webhook_id);
  from_wire(r.getUrl(), p.url);
  from_wire(r.getKinds(), p.kinds);
}

void write(PayloadBuilder u, const WebhookRemoved& p) {
  u.initWebhookRemoved().setWebhookId(to_wire(p.webhook_id));
}
void read(PayloadReader u, WebhookRemoved& p) {
  from_wire(u.getWebhookRemoved().getWebhookId(), p.webhook_id);
}

void write(PayloadBuilder u, const ControlTested& p) {
  auto b = u.initControlTested();
  b.setControlId(to_wire(p.control_id));
  b.setKind(to_wire(p.kind));
  b.setTestedOn(to_wire(p.tested_on));
  b.setResult(to_wire(p.result));
  if (!p.notes.empty()) b.setNotes(to_wire(p.notes));
  fill(b.initEvidence(p.evidence.size()), p.evidence);
}
void read(PayloadReader u, ControlTested& p) {
  auto r = u.getControlTested();
  from_wire(r.getControlId(), p.control_id);
  from_wire(r.getKind(), p.kind);
  from_wire(r.getTestedOn(), p.tested_on);
  from_wire(r.getResult(), p.result);
  from_wire(r.getNotes(), p.notes);
  from_wire(r.getEvidence(), p.evidence);
}

void write(PayloadBuilder u, const DocumentRecorded& p) {
  auto b = u.initDocumentRecorded();
  b.setDocumentId(to_wire(p.document_id));
  b.setTitle(to_wire(p.title));
  b.setKind(to_wire(p.kind));
  b.setOwner(to_wire(p.owner));
  b.setVersion(to_wire(p.version));
  b.setApprovedOn(to_wire(p.approved_on));
  b.setNextReviewOn(to_wire(p.next_review_on));
  fill(b.initCriteria(p.criteria.size()), p.criteria);
}
void read(PayloadReader u, DocumentRecorded& p) {
  auto r = u.getDocumentRecorded();
  from_wire(r.getDocumentId(), p.document_id);
  from_wire(r.getTitle(), p.title);
  from_wire(r.getKind(), p.kind);
  from_wire(r.getOwner(), p.owner);
  from_wire(r.getVersion(), p.version);
  from_wire(r.getApprovedOn(), p.approved_on);
  from_wire(r.getNextReviewOn(), p.next_review_on);
  from_wire(r.getCriteria(), p.criteria);
}

void write(PayloadBuilder u, const DocumentReviewed& p) {
  auto b = u.initDocumentReviewed();
  b.setDocumentId(to_wire(p.document_id));
  b.setOutcome(to_wire(p.outcome));
  b.setReviewedOn(to_wire(p.reviewed_on));
  b.setNotes(to_wire(p.notes));
  b.setNextReviewOn(to_wire(p.next_review_on));
}
void read(PayloadReader u, DocumentReviewed& p) {
  auto r = u.getDocumentReviewed();
  from_wire(r.getDocumentId(), p.document_id);
  from_wire(r.getOutcome(), p.outcome);
  from_wire(r.getReviewedOn(), p.reviewed_on);
  from_wire(r.getNotes(), p.notes);
  from_wire(r.getNextReviewOn(), p.next_review_on);
}

void write(PayloadBuilder u, const InterviewRecorded& p) {
  auto b = u.initInterviewRecorded();
  b.setInterviewId(to_wire(p.interview_id));
  b.setStakeholder(to_wire(p.stakeholder));
  b.setStakeholderRole(to_wire(p.stakeholder_role));
  b.setHeldOn(to_wire(p.held_on));
  fill(b.initInterviewers(p.interviewers.size()), p.interviewers);
  fill(b.initCriteria(p.criteria.size()), p.criteria);
  b.setNotes(to_wire(p.notes));
}
void read(PayloadReader u, InterviewRecorded& p) {
  auto r = u.getInterviewRecorded();
  from_wire(r.getInterviewId(), p.interview_id);
  from_wire(r.getStakeholder(), p.stakeholder);
  from_wire(r.getStakeholderRole(), p.stakeholder_role);
  from_wire(r.getHeldOn(), p.held_on);
  from_wire(r.getInterviewers(), p.interviewers);
  from_wire(r.getCriteria(), p.criteria);
  from_wire(r.getNotes(), p.notes);
}

void write(PayloadBuilder u, const AuditTargetSet& p) {
  auto b = u.initAuditTargetSet();
  b.setType(to_wire(p.type));
  b.setDate(to_wire(p.date));
  b.setWindowStart(to_wire(p.window_start));
  b.setWindowEnd(to_wire(p.window_end));
}
void read(PayloadReader u, AuditTargetSet& p) {
  auto r = u.getAuditTargetSet();
  from_wire(r.getType(), p.type);
  from_wire(r.getDate(), p.date);
  from_wire(r.getWindowStart(), p.window_start);
  from_wire(r.getWindowEnd(), p.window_end);
}

// ---- Payload dispatch -----------------------------------------------------------------------
// The union members of Event.payload are declared in the order of the Payload alternatives, so
// the union discriminant is the variant index (the round-trip tests check every alternative).

static_assert(static_cast<size_t>(schema::Event::Payload::AUDIT_TARGET_SET) + 1 ==
                  std::variant_size_v<Payload>,
              "events.capnp and the Payload variant must list the same event types");

using PayloadRead = void (*)(PayloadReader, Payload&);

template <typename Alternative>
void read_alternative(PayloadReader union_reader, Payload& out) {
  read(union_reader, out.emplace<Alternative>());
}

template <size_t... I>
constexpr std::array<PayloadRead, sizeof...(I)> payload_readers(std::index_sequence<I...>) {
  return {&read_alternative<std::variant_alternative_t<I, Payload>>...};
}

constexpr auto kPayloadReaders =
    payload_readers(std::make_index_sequence<std::variant_size_v<Payload>>());

void read_payload(PayloadReader union_reader, Payload& out) {
  const auto which = static_cast<uint16_t>(union_reader.which());
  if (which >= kPayloadReaders.size()) {
    KJ_FAIL_REQUIRE("unknown event type (payload union member)", which);
  }
  kPayloadReaders[which](union_reader, out);
}

// ---- Envelope -------------------------------------------------------------------------------

void read_envelope(schema::Event::Reader root, Event& out) {
  out.seq = root.getSeq();
  from_wire(root.getStream(), out.stream);
  out.version = root.getVersion();
  const capnp::Data::Reader id = root.getId();
  if (id.size() != out.id.bytes.size()) KJ_FAIL_REQUIRE("event id is not 16 bytes", id.size());
  std::memcpy(out.id.bytes.data(), id.begin(), out.id.bytes.size());
  out.recorded_at = root.getRecordedAt();
  out.occurred_at = root.getOccurredAt();
  from_wire(root.getActor(), out.actor);
}

// Cap'n Proto's descriptions quote the offending operands, which for corrupt input can be any
// bytes: keep the message short and printable so it can go into logs and JSON as is.
std::string describe(const kj::Exception& e) {
  constexpr size_t kMaxLength = 200;
  const kj::StringPtr description = e.getDescription();
  std::string out;
  for (size_t i = 0; i < description.size() && out.size() < kMaxLength; ++i) {
    const char c = description[i];
    out += c >= 0x20 && c < 0x7f ? c : '?';
  }
  if (description.size() > kMaxLength) out += "...";
  return out;
}

enum class Depth { kEnvelope, kWholeEvent, kWholeEventTrusted };

// Stored events are a few hundred bytes; copies of misaligned ones up to this size stay on the
// stack, so the common decode path allocates nothing but the Event's own strings.
constexpr size_t kStackCopyWords = 1024;

Result<Event> decode(std::string_view bytes, Depth depth) {
  constexpr size_t kWordSize = sizeof(capnp::word);
  if (bytes.empty() || bytes.size() % kWordSize != 0) {
    return corruption(fmt::format(
        "stored event is {} bytes; a canonical Cap'n Proto message is a non-zero multiple of 8",
        bytes.size()));
  }
  const size_t word_count = bytes.size() / kWordSize;

  // Cap'n Proto 0.9 refuses segments that are not word-aligned, and storage engines hand out
  // values at arbitrary addresses: read in place when aligned, otherwise read a copy.
  const capnp::word* words = reinterpret_cast<const capnp::word*>(bytes.data());
  capnp::word stack_copy[kStackCopyWords];
  kj::Array<capnp::word> heap_copy;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) != 0) {
    capnp::word* copy = stack_copy;
    if (word_count > kStackCopyWords) {
      heap_copy = kj::heapArray<capnp::word>(word_count);
      copy = heap_copy.begin();
    }
    std::memcpy(copy, bytes.data(), bytes.size());
    words = copy;
  }
  const kj::ArrayPtr<const capnp::word> segments[] = {kj::arrayPtr(words, word_count)};

  capnp::ReaderOptions options;
  // A canonical message is read at most twice (isCanonical, then the fields), about one word
  // per word each time; anything needing much more is an amplification attempt (e.g. a huge
  // list of empty structs hidden in an unknown field).
  options.traversalLimitInWords = 4 * word_count + 64;
  options.nestingLimit = 64;

  try {
    capnp::SegmentArrayMessageReader message(segments, options);
    if (depth == Depth::kWholeEvent && !message.isCanonical()) {
      return corruption("stored event is not a canonical Cap'n Proto message");
    }
    const schema::Event::Reader root = message.getRoot<schema::Event>();
    Event event;
    read_envelope(root, event);
    if (depth != Depth::kEnvelope) read_payload(root.getPayload(), event.payload);
    return event;
  } catch (const kj::Exception& e) {
    return corruption(fmt::format("stored event does not decode: {}", describe(e)));
  }
}

}  // namespace

std::string encode_event(const Event& event) {
  // Most events fit a first segment on the stack (the default one is 8 KiB from calloc, which
  // showed in append profiles); larger ones get more segments, and canonicalize flattens them.
  capnp::word first_segment[256] = {};
  capnp::MallocMessageBuilder message(kj::arrayPtr(first_segment, std::size(first_segment)));
  schema::Event::Builder root = message.initRoot<schema::Event>();
  root.setSeq(event.seq);
  root.setStream(to_wire(event.stream));
  root.setVersion(event.version);
  root.setId(capnp::Data::Reader(event.id.bytes.data(), event.id.bytes.size()));
  root.setRecordedAt(event.recorded_at);
  root.setOccurredAt(event.occurred_at);
  root.setActor(to_wire(event.actor));
  std::visit([&](const auto& payload) { write(root.getPayload(), payload); }, event.payload);
  assert(static_cast<size_t>(root.getPayload().which()) == event.payload.index());

  const kj::Array<capnp::word> canonical = capnp::canonicalize(root.asReader());
  const kj::ArrayPtr<const kj::byte> bytes = canonical.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<Event> decode_event(std::string_view bytes) { return decode(bytes, Depth::kWholeEvent); }

Result<Event> decode_stored_event(std::string_view bytes) {
  return decode(bytes, Depth::kWholeEventTrusted);
}

Result<Event> decode_envelope(std::string_view bytes) { return decode(bytes, Depth::kEnvelope); }

}  // namespace gaplog
