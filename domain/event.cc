#include "domain/event.h"

#include <array>
#include <cassert>

namespace gaplog {
namespace {

// Contract names, indexed by the enum's value: each table lists them in declaration order.
constexpr std::array<std::string_view, 5> kCategoryNames = {
    "security", "availability", "processing_integrity", "confidentiality", "privacy"};
constexpr std::array<std::string_view, 4> kRoleNames = {"admin", "editor", "contributor",
                                                        "auditor"};
constexpr std::array<std::string_view, 3> kControlStatusNames = {
    "not_implemented", "partially_implemented", "implemented"};
constexpr std::array<std::string_view, 5> kFindingStatusNames = {
    "open", "in_progress", "remediated", "closed", "risk_accepted"};
constexpr std::array<std::string_view, 4> kSeverityNames = {"critical", "high", "medium", "low"};
constexpr std::array<std::string_view, 4> kFindingSourceNames = {
    "document_review", "control_evaluation", "interview", "other"};

constexpr std::array<std::string_view, kNotificationKinds> kNotificationKindNames = {
    "assigned",           "due_soon",          "overdue",      "acceptance_expiring",
    "acceptance_expired", "evidence_expiring", "weekly_digest"};

constexpr std::array<std::string_view, 5> kEvidenceCadenceNames = {"none", "monthly", "quarterly",
                                                                   "semiannual", "annual"};
constexpr std::array<std::string_view, 2> kTestKindNames = {"design", "operating"};
constexpr std::array<std::string_view, 3> kTestResultNames = {"pass", "fail", "exception"};
constexpr std::array<std::string_view, 6> kDocumentKindNames = {"policy",   "procedure", "plan",
                                                                "standard", "record",    "other"};
constexpr std::array<std::string_view, 5> kReviewOutcomeNames = {
    "adequate", "outdated", "incomplete", "not_approved", "missing"};
constexpr std::array<std::string_view, 2> kAuditTypeNames = {"type1", "type2"};

// Indexed by the Payload alternative.
constexpr std::array<std::string_view, 31> kEventTypeNames = {
    "program_named",
    "scope_set",
    "user_added",
    "user_role_changed",
    "user_deactivated",
    "token_issued",
    "token_revoked",
    "control_defined",
    "control_updated",
    "control_status_set",
    "finding_recorded",
    "finding_updated",
    "finding_assigned",
    "finding_due_date_set",
    "finding_status_changed",
    "risk_accepted",
    "comment_added",
    "evidence_uploaded",
    "evidence_linked",
    "evidence_unlinked",
    "user_signed_in",
    "user_signed_out",
    "notification_sent",
    "user_notifications_set",
    "webhook_added",
    "webhook_removed",
    "control_tested",
    "document_recorded",
    "document_reviewed",
    "interview_recorded",
    "audit_target_set",
};

// A table that is one entry short (or long) of its enum would shift every name after it.
template <typename E, size_t N>
constexpr bool covers(const std::array<std::string_view, N>&, E last) {
  return static_cast<size_t>(last) + 1 == N;
}
static_assert(covers(kCategoryNames, Category::kPrivacy));
static_assert(covers(kRoleNames, Role::kAuditor));
static_assert(covers(kControlStatusNames, ControlStatus::kImplemented));
static_assert(covers(kFindingStatusNames, FindingStatus::kRiskAccepted));
static_assert(covers(kSeverityNames, Severity::kLow));
static_assert(covers(kFindingSourceNames, FindingSource::kOther));
static_assert(covers(kNotificationKindNames, NotificationKind::kWeeklyDigest));
static_assert(covers(kEvidenceCadenceNames, EvidenceCadence::kAnnual));
static_assert(covers(kTestKindNames, TestKind::kOperating));
static_assert(covers(kTestResultNames, TestResult::kException));
static_assert(covers(kDocumentKindNames, DocumentKind::kOther));
static_assert(covers(kReviewOutcomeNames, ReviewOutcome::kMissing));
static_assert(covers(kAuditTypeNames, AuditType::kType2));
static_assert(kEventTypeNames.size() == std::variant_size_v<Payload>);

template <typename E, size_t N>
std::string_view name_in(const std::array<std::string_view, N>& names, E value) {
  const auto index = static_cast<size_t>(value);
  // Values come from parse_*() or a range-checked decode, so this is a bug if it fires.
  assert(index < N);
  return index < N ? names[index] : std::string_view();
}

template <typename E, size_t N>
std::optional<E> parse_in(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(Category v) { return name_in(kCategoryNames, v); }
std::string_view name(Role v) { return name_in(kRoleNames, v); }
std::string_view name(ControlStatus v) { return name_in(kControlStatusNames, v); }
std::string_view name(FindingStatus v) { return name_in(kFindingStatusNames, v); }
std::string_view name(Severity v) { return name_in(kSeverityNames, v); }
std::string_view name(FindingSource v) { return name_in(kFindingSourceNames, v); }
std::string_view name(NotificationKind v) { return name_in(kNotificationKindNames, v); }
std::string_view name(EvidenceCadence v) { return name_in(kEvidenceCadenceNames, v); }
std::string_view name(TestKind v) { return name_in(kTestKindNames, v); }
std::string_view name(TestResult v) { return name_in(kTestResultNames, v); }
std::string_view name(DocumentKind v) { return name_in(kDocumentKindNames, v); }
std::string_view name(ReviewOutcome v) { return name_in(kReviewOutcomeNames, v); }
std::string_view name(AuditType v) { return name_in(kAuditTypeNames, v); }

std::optional<Category> parse_category(std::string_view s) {
  return parse_in<Category>(kCategoryNames, s);
}
std::optional<Role> parse_role(std::string_view s) { return parse_in<Role>(kRoleNames, s); }
std::optional<ControlStatus> parse_control_status(std::string_view s) {
  return parse_in<ControlStatus>(kControlStatusNames, s);
}
std::optional<FindingStatus> parse_finding_status(std::string_view s) {
  return parse_in<FindingStatus>(kFindingStatusNames, s);
}
std::optional<Severity> parse_severity(std::string_view s) {
  return parse_in<Severity>(kSeverityNames, s);
}
std::optional<NotificationKind> parse_notification_kind(std::string_view s) {
  return parse_in<NotificationKind>(kNotificationKindNames, s);
}
std::optional<EvidenceCadence> parse_evidence_cadence(std::string_view s) {
  return parse_in<EvidenceCadence>(kEvidenceCadenceNames, s);
}
std::optional<TestKind> parse_test_kind(std::string_view s) {
  return parse_in<TestKind>(kTestKindNames, s);
}
std::optional<TestResult> parse_test_result(std::string_view s) {
  return parse_in<TestResult>(kTestResultNames, s);
}
std::optional<DocumentKind> parse_document_kind(std::string_view s) {
  return parse_in<DocumentKind>(kDocumentKindNames, s);
}
std::optional<ReviewOutcome> parse_review_outcome(std::string_view s) {
  return parse_in<ReviewOutcome>(kReviewOutcomeNames, s);
}
std::optional<AuditType> parse_audit_type(std::string_view s) {
  return parse_in<AuditType>(kAuditTypeNames, s);
}
int cadence_months(EvidenceCadence v) {
  switch (v) {
    case EvidenceCadence::kNone:
      return 0;
    case EvidenceCadence::kMonthly:
      return 1;
    case EvidenceCadence::kQuarterly:
      return 3;
    case EvidenceCadence::kSemiannual:
      return 6;
    case EvidenceCadence::kAnnual:
      return 12;
  }
  return 0;
}
std::optional<FindingSource> parse_finding_source(std::string_view s) {
  return parse_in<FindingSource>(kFindingSourceNames, s);
}

std::string_view event_type_name(const Payload& payload) {
  // index() is variant_npos only for a variant left valueless by a throwing assignment.
  assert(!payload.valueless_by_exception());
  const size_t index = payload.index();
  return index < kEventTypeNames.size() ? kEventTypeNames[index] : std::string_view();
}

}  // namespace gaplog
