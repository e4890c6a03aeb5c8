#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "domain/catalog.h"
#include "domain/commands.h"
#include "domain/transitions.h"
#include "domain/validation.h"

namespace gaplog {
namespace {

bool is_editor_or_admin(Role r) { return r == Role::kAdmin || r == Role::kEditor; }

std::string join_statuses(const std::vector<FindingStatus>& statuses) {
  std::string out;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) out += i + 1 == statuses.size() ? " or " : ", ";
    out += name(statuses[i]);
  }
  return out.empty() ? "nothing" : out;
}

template <typename Enum>
Result<Enum> parse_enum(std::optional<Enum> (*parse)(std::string_view), std::string_view field,
                        std::string_view value, std::string_view allowed) {
  if (auto v = parse(value)) return *v;
  return invalid_argument(
      fmt::format("{} '{}' is not valid; use one of: {}", field, value.substr(0, 40), allowed));
}

constexpr std::string_view kRoles = "admin, editor, contributor, auditor";
constexpr std::string_view kSeverities = "critical, high, medium, low";
constexpr std::string_view kSources = "document_review, control_evaluation, interview, other";
constexpr std::string_view kControlStatuses = "not_implemented, partially_implemented, implemented";
constexpr std::string_view kCadences = "none, monthly, quarterly, semiannual, annual";
constexpr std::string_view kTestKinds = "design, operating";
constexpr std::string_view kTestResults = "pass, fail, exception";
constexpr std::string_view kDocumentKinds = "policy, procedure, plan, standard, record, other";
constexpr std::string_view kReviewOutcomes =
    "adequate, outdated, incomplete, not_approved, missing";
constexpr std::string_view kFindingStatuses =
    "open, in_progress, remediated, closed, risk_accepted";
constexpr std::string_view kNotificationKindList =
    "assigned, due_soon, overdue, acceptance_expiring, acceptance_expired, evidence_expiring, "
    "weekly_digest";
constexpr std::string_view kCategories =
    "security, availability, processing_integrity, confidentiality, privacy";

Status check_title(std::string_view v) {
  return check_text("title", v, kMaxTitleChars, true, false);
}
Status check_description(std::string_view v) {
  return check_text("description", v, kMaxLongTextChars, false, true);
}
Status check_reason(std::string_view v, bool required) {
  return check_text("reason", v, kMaxLongTextChars, required, true);
}

// The rules of one command, as a visitor over the Command variant.
class Decider {
 public:
  Decider(const ProgramState& s, const CommandContext& ctx) : s_(s), ctx_(ctx) {}

  Result<Decision> operator()(const NameProgram& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("naming the program"));
    GAPLOG_RETURN_IF_ERROR(check_text("name", c.name, kMaxNameChars, true, false));
    return one(program_stream(), s_.program_version, ProgramNamed{c.name}, program_stream());
  }

  Result<Decision> operator()(const SetScope& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("changing the scope"));
    std::set<Category> chosen{Category::kSecurity};  // security is always in scope
    std::set<std::string> seen;
    for (const std::string& text : c.categories) {
      GAPLOG_ASSIGN_OR_RETURN(Category cat,
                              parse_enum<Category>(parse_category, "category", text, kCategories));
      if (!seen.insert(text).second) {
        return invalid_argument(fmt::format("category {} is listed twice; list each once", text));
      }
      chosen.insert(cat);
    }
    return one(program_stream(), s_.program_version,
               ScopeSet{std::vector<Category>(chosen.begin(), chosen.end())}, program_stream());
  }

  Result<Decision> operator()(const AddUser& c) {
    const std::string email = normalize_email(c.email);
    GAPLOG_RETURN_IF_ERROR(check_email("email", c.email));
    GAPLOG_RETURN_IF_ERROR(check_text("name", c.name, kMaxNameChars, true, false));
    GAPLOG_ASSIGN_OR_RETURN(Role role, parse_enum<Role>(parse_role, "role", c.role, kRoles));
    if (s_.users.empty()) {
      // Bootstrap: the first user of a program is its admin and adds itself (gaplog init).
      if (role != Role::kAdmin || normalize_email(ctx_.actor) != email) {
        return rule_violation(
            "the first user of a program must be an admin adding itself; run "
            "gaplog init --admin EMAIL");
      }
    } else {
      GAPLOG_RETURN_IF_ERROR(require_admin("adding users"));
    }
    if (s_.user(email)) {
      return already_exists(fmt::format("{} is already a user; change its role instead", email));
    }
    return one(user_stream(email), 0, UserAdded{email, c.name, role}, user_stream(email));
  }

  Result<Decision> operator()(const ChangeUserRole& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("changing roles"));
    GAPLOG_ASSIGN_OR_RETURN(const UserState* u, active_user(c.email));
    GAPLOG_ASSIGN_OR_RETURN(Role role, parse_enum<Role>(parse_role, "role", c.role, kRoles));
    if (u->role == role) {
      return rule_violation(fmt::format("{} is already {}", u->email, name(role)));
    }
    if (u->role == Role::kAdmin && s_.active_admins() == 1) {
      return rule_violation(
          fmt::format("{} is the last active admin; make another user admin first", u->email));
    }
    return one(user_stream(u->email), u->version, UserRoleChanged{u->email, role, u->role},
               user_stream(u->email));
  }

  Result<Decision> operator()(const DeactivateUser& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("deactivating users"));
    GAPLOG_ASSIGN_OR_RETURN(const UserState* u, active_user(c.email));
    GAPLOG_RETURN_IF_ERROR(check_reason(c.reason, false));
    if (u->role == Role::kAdmin && s_.active_admins() == 1) {
      return rule_violation(
          fmt::format("{} is the last active admin; make another user admin first", u->email));
    }
    return one(user_stream(u->email), u->version, UserDeactivated{u->email, c.reason},
               user_stream(u->email));
  }

  Result<Decision> operator()(const IssueToken& c) {
    const bool personal = actor_ && actor_->email == normalize_email(c.email);
    if (!personal) GAPLOG_RETURN_IF_ERROR(require_admin("issuing tokens for other users"));
    GAPLOG_ASSIGN_OR_RETURN(const UserState* u, active_user(c.email));
    if (c.token_hash.size() != 32 || c.token_id.empty() || s_.tokens.contains(c.token_id)) {
      return internal_error("a token needs a fresh id and a 32-byte hash");
    }
    GAPLOG_RETURN_IF_ERROR(check_token_expiry(c.expires_on, actor_->role == Role::kAdmin));
    return one(user_stream(u->email), u->version,
               TokenIssued{c.token_id, u->email, c.token_hash, c.expires_on},
               user_stream(u->email));
  }

  // expires_on is the token's last day: after the command's date; for a non-admin's own token
  // required and at most 365 days after it.
  Status check_token_expiry(const std::string& expires_on, bool admin) const {
    const Date today = command_date();
    if (expires_on.empty()) {
      if (admin) return Status::ok();
      return invalid_argument(
          fmt::format("a personal token needs expires_on, at most {} (365 days from today)",
                      format_date(Date{today.days + 365})));
    }
    GAPLOG_ASSIGN_OR_RETURN(const Date expires, parse_field_date("expires_on", expires_on));
    if (expires.days <= today.days) {
      return rule_violation(fmt::format("expires_on {} is not after today ({}); choose a later day",
                                        expires_on, format_date(today)));
    }
    if (!admin && expires.days > today.days + 365) {
      return rule_violation(
          fmt::format("a personal token may last at most 365 days; choose an expires_on up to {}",
                      format_date(Date{today.days + 365})));
    }
    return Status::ok();
  }

  Result<Decision> operator()(const RevokeToken& c) {
    auto it = s_.tokens.find(c.token_id);
    const bool own = it != s_.tokens.end() && actor_ && it->second.email == actor_->email;
    if (!own) GAPLOG_RETURN_IF_ERROR(require_admin("revoking other users' tokens"));
    if (it == s_.tokens.end()) {
      return not_found(fmt::format("there is no token {}; list a user's tokens to find its id",
                                   std::string_view(c.token_id).substr(0, 40)));
    }
    if (it->second.revoked)
      return rule_violation(fmt::format("token {} is already revoked", c.token_id));
    const UserState* u = s_.user(it->second.email);
    return one(user_stream(it->second.email), u ? u->version : 0,
               TokenRevoked{c.token_id, it->second.email}, user_stream(it->second.email));
  }

  Result<Decision> operator()(const DefineControl& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("defining controls"));
    GAPLOG_RETURN_IF_ERROR(check_control_id(c.id));
    GAPLOG_RETURN_IF_ERROR(check_title(c.title));
    GAPLOG_RETURN_IF_ERROR(check_description(c.description));
    GAPLOG_RETURN_IF_ERROR(check_criteria(c.criteria, true));
    ControlStatus status = ControlStatus::kNotImplemented;
    if (!c.status.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(status, parse_enum<ControlStatus>(parse_control_status, "status",
                                                                c.status, kControlStatuses));
    }
    if (s_.control(c.id)) {
      return already_exists(
          fmt::format("control {} already exists; pick another id or update it", c.id));
    }
    GAPLOG_ASSIGN_OR_RETURN(const std::string owner, control_owner(c.owner));
    GAPLOG_ASSIGN_OR_RETURN(const EvidenceCadence every, cadence(c.evidence_every));
    return one(control_stream(c.id), 0,
               ControlDefined{c.id, c.title, c.description, c.criteria, status, owner, every},
               control_stream(c.id));
  }

  // A control's owner: "" (none) or an active user who may act (not an auditor), then.
  Result<std::string> control_owner(const std::string& email) const {
    if (email.empty()) return std::string();
    GAPLOG_ASSIGN_OR_RETURN(const UserState* u, assignable_owner(email, "controls"));
    return u->email;
  }
  static Result<EvidenceCadence> cadence(const std::string& text) {
    if (text.empty()) return EvidenceCadence::kNone;
    return parse_enum<EvidenceCadence>(parse_evidence_cadence, "evidence_every", text, kCadences);
  }

  Result<Decision> operator()(const TestControl& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("recording control tests"));
    GAPLOG_ASSIGN_OR_RETURN(const ControlState* ctl, control(c.id));
    GAPLOG_ASSIGN_OR_RETURN(const TestKind kind,
                            parse_enum<TestKind>(parse_test_kind, "kind", c.kind, kTestKinds));
    GAPLOG_ASSIGN_OR_RETURN(
        const TestResult result,
        parse_enum<TestResult>(parse_test_result, "result", c.result, kTestResults));
    if (c.tested_on.empty()) return invalid_argument("tested_on is required (YYYY-MM-DD)");
    GAPLOG_ASSIGN_OR_RETURN(const Date tested_on, parse_field_date("tested_on", c.tested_on));
    if (tested_on > command_date()) {
      return rule_violation(
          fmt::format("tested_on {} is in the future (today is {}); record a test "
                      "once it has been done",
                      c.tested_on, format_date(command_date())));
    }
    if (tested_on < date_of(ctl->defined_at)) {
      return rule_violation(fmt::format("tested_on {} is before control {} was defined ({})",
                                        c.tested_on, ctl->id,
                                        format_date(date_of(ctl->defined_at))));
    }
    GAPLOG_RETURN_IF_ERROR(check_text("notes", c.notes, kMaxLongTextChars, false, true));
    if (c.evidence.size() > kMaxTestEvidence) {
      return invalid_argument(
          fmt::format("a test lists at most {} evidence items", kMaxTestEvidence));
    }
    std::set<std::string> seen;
    Decision d;
    d.subject = control_stream(ctl->id);
    d.expected_versions.emplace_back(control_stream(ctl->id), ctl->version);
    for (const std::string& id : c.evidence) {
      const EvidenceState* ev = s_.evidence_item(id);
      if (ev == nullptr) {
        return rule_violation(fmt::format("there is no evidence {}; upload it first",
                                          std::string_view(id).substr(0, 40)));
      }
      GAPLOG_RETURN_IF_ERROR(existed_then(ev->id, ev->uploaded_at));
      if (!seen.insert(ev->id).second) {
        return invalid_argument(fmt::format("evidence {} is listed twice; list each once", ev->id));
      }
    }
    d.events.push_back({control_stream(ctl->id),
                        ControlTested{ctl->id, kind, c.tested_on, result, c.notes, c.evidence}});
    return d;
  }

  Result<Decision> operator()(const UpdateControl& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("updating controls"));
    GAPLOG_ASSIGN_OR_RETURN(const ControlState* ctl, control(c.id));
    if (!c.title && !c.description && !c.criteria && !c.owner && !c.evidence_every) {
      return invalid_argument(
          "nothing to update; give title, description, criteria, owner or evidence_every");
    }
    ControlUpdated u{ctl->id,
                     c.title.value_or(ctl->title),
                     c.description.value_or(ctl->description),
                     c.criteria.value_or(ctl->criteria),
                     ctl->owner,
                     ctl->evidence_every};
    if (c.owner) {
      GAPLOG_ASSIGN_OR_RETURN(u.owner, control_owner(*c.owner));
    }
    if (c.evidence_every) {
      GAPLOG_ASSIGN_OR_RETURN(u.evidence_every, cadence(*c.evidence_every));
    }
    GAPLOG_RETURN_IF_ERROR(check_title(u.title));
    GAPLOG_RETURN_IF_ERROR(check_description(u.description));
    if (c.criteria) GAPLOG_RETURN_IF_ERROR(check_criteria(*c.criteria, true));
    return one(control_stream(ctl->id), ctl->version, std::move(u), control_stream(ctl->id));
  }

  Result<Decision> operator()(const SetControlStatus& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("setting control status"));
    GAPLOG_ASSIGN_OR_RETURN(const ControlState* ctl, control(c.id));
    GAPLOG_ASSIGN_OR_RETURN(
        ControlStatus status,
        parse_enum<ControlStatus>(parse_control_status, "status", c.status, kControlStatuses));
    GAPLOG_RETURN_IF_ERROR(check_reason(c.reason, false));
    if (status == ctl->status) {
      return rule_violation(fmt::format("control {} is already {}", ctl->id, name(status)));
    }
    return one(control_stream(ctl->id), ctl->version,
               ControlStatusSet{ctl->id, status, ctl->status, c.reason}, control_stream(ctl->id));
  }

  Result<Decision> operator()(const RecordFinding& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("recording findings"));
    GAPLOG_RETURN_IF_ERROR(check_title(c.title));
    GAPLOG_RETURN_IF_ERROR(check_description(c.description));
    GAPLOG_RETURN_IF_ERROR(
        check_text("recommendation", c.recommendation, kMaxLongTextChars, false, true));
    GAPLOG_ASSIGN_OR_RETURN(Severity severity, parse_enum<Severity>(parse_severity, "severity",
                                                                    c.severity, kSeverities));
    GAPLOG_RETURN_IF_ERROR(check_criteria(c.criteria, true));
    GAPLOG_RETURN_IF_ERROR(check_risk(c.likelihood, c.impact));
    GAPLOG_ASSIGN_OR_RETURN(const FindingSource source, finding_source(c.source, c.origin));
    if (!c.control.empty()) GAPLOG_RETURN_IF_ERROR(control(c.control).status());
    std::string owner;
    if (!c.owner.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const UserState* u, assignable_owner(c.owner));
      owner = u->email;
    }
    if (!c.due_date.empty()) GAPLOG_RETURN_IF_ERROR(check_date("due_date", c.due_date));
    const std::string id = fmt::format("F-{}", s_.findings_recorded + 1);
    return one(
        finding_stream(id), 0,
        FindingRecorded{id, c.title, c.description, severity, c.criteria, c.control, source, owner,
                        c.due_date, c.recommendation, static_cast<uint8_t>(c.likelihood),
                        static_cast<uint8_t>(c.impact), c.origin},
        finding_stream(id));
  }

  Result<Decision> operator()(const UpdateFinding& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("updating findings"));
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    if (!c.title && !c.description && !c.severity && !c.criteria && !c.control &&
        !c.recommendation && !c.likelihood && !c.impact && !c.origin) {
      return invalid_argument(
          "nothing to update; give title, description, recommendation, severity, criteria, "
          "control, likelihood, impact or origin");
    }
    const int likelihood = c.likelihood.value_or(f->likelihood);
    const int impact = c.impact.value_or(f->impact);
    GAPLOG_RETURN_IF_ERROR(check_risk(likelihood, impact));
    FindingUpdated u{f->id,
                     c.title.value_or(f->title),
                     c.description.value_or(f->description),
                     f->severity,
                     c.criteria.value_or(f->criteria),
                     c.control.value_or(f->control),
                     c.recommendation.value_or(f->recommendation),
                     static_cast<uint8_t>(likelihood),
                     static_cast<uint8_t>(impact),
                     c.origin.value_or(f->origin)};
    if (c.origin && !c.origin->empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const FindingSource implied, origin_source(*c.origin));
      if (implied != f->source) {
        return rule_violation(fmt::format(
            "{} was found by {}, and origin {} is a {}; give an origin of the same kind", f->id,
            name(f->source), std::string_view(*c.origin).substr(0, 40), name(implied)));
      }
    }
    GAPLOG_RETURN_IF_ERROR(check_title(u.title));
    GAPLOG_RETURN_IF_ERROR(check_description(u.description));
    GAPLOG_RETURN_IF_ERROR(
        check_text("recommendation", u.recommendation, kMaxLongTextChars, false, true));
    if (c.severity) {
      GAPLOG_ASSIGN_OR_RETURN(
          u.severity, parse_enum<Severity>(parse_severity, "severity", *c.severity, kSeverities));
    }
    if (c.criteria) GAPLOG_RETURN_IF_ERROR(check_criteria(*c.criteria, true));
    if (!u.control.empty()) GAPLOG_RETURN_IF_ERROR(control(u.control).status());
    return one(finding_stream(f->id), f->version, std::move(u), finding_stream(f->id));
  }

  Result<Decision> operator()(const AssignFinding& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("assigning findings"));
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    std::string owner;
    if (!c.owner.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const UserState* u, assignable_owner(c.owner));
      owner = u->email;
    }
    if (owner == f->owner) {
      return rule_violation(owner.empty()
                                ? fmt::format("{} is already unassigned", f->id)
                                : fmt::format("{} is already assigned to {}", f->id, owner));
    }
    return one(finding_stream(f->id), f->version, FindingAssigned{f->id, owner, f->owner},
               finding_stream(f->id));
  }

  Result<Decision> operator()(const SetFindingDueDate& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("setting due dates"));
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    if (!c.due_date.empty()) GAPLOG_RETURN_IF_ERROR(check_date("due_date", c.due_date));
    GAPLOG_RETURN_IF_ERROR(check_reason(c.reason, false));
    const std::string current = format_optional_date(f->due_date);
    if (optional_date(c.due_date) == f->due_date) {
      return rule_violation(fmt::format("{} is already due {}", f->id,
                                        current.empty() ? "on no date" : "on " + current));
    }
    return one(finding_stream(f->id), f->version,
               FindingDueDateSet{f->id, c.due_date, current, c.reason}, finding_stream(f->id));
  }

  Result<Decision> operator()(const ChangeFindingStatus& c) {
    GAPLOG_RETURN_IF_ERROR(require_writer());
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    GAPLOG_ASSIGN_OR_RETURN(
        FindingStatus to,
        parse_enum<FindingStatus>(parse_finding_status, "status", c.status, kFindingStatuses));
    GAPLOG_RETURN_IF_ERROR(check_reason(c.reason, false));
    const FindingStatus from = f->status;
    const std::optional<FindingTransition> t = find_transition(from, to);
    if (!t) {
      std::string msg =
          fmt::format("{} is {}; it cannot move to {}. From {} it can move to {}", f->id,
                      name(from), name(to), name(from), join_statuses(transition_targets(from)));
      if (to == FindingStatus::kRiskAccepted &&
          (from == FindingStatus::kOpen || from == FindingStatus::kInProgress)) {
        msg += "; risk is accepted only through the risk-acceptance command (admins)";
      }
      return rule_violation(msg);
    }
    if (!may_move(t->who, *actor_, *f)) {
      return permission_denied(fmt::format("moving {} from {} to {} needs {}; {} is {}", f->id,
                                           name(from), name(to), describe(t->who), actor_->email,
                                           describe_actor(*f)));
    }
    if (t->verifies) {
      GAPLOG_RETURN_IF_ERROR(not_the_remediator(*f));
      if (s_.evidence_of(f->id).empty()) {
        return rule_violation(
            fmt::format("{} has no evidence linked; link at least one piece of "
                        "evidence before closing it",
                        f->id));
      }
    }
    const bool reason_required = t->reason_required;
    if (reason_required && trimmed_empty(c.reason)) {
      return rule_violation(fmt::format("moving {} from {} to {} needs a reason; say why", f->id,
                                        name(from), name(to)));
    }
    return one(finding_stream(f->id), f->version, FindingStatusChanged{f->id, from, to, c.reason},
               finding_stream(f->id));
  }

  Result<Decision> operator()(const AcceptRisk& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("accepting risk"));
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    if (!f->owner.empty() && f->owner == actor_->email) {
      return permission_denied(
          fmt::format("{} owns {}; another admin must accept its risk", actor_->email, f->id));
    }
    if (f->status != FindingStatus::kOpen && f->status != FindingStatus::kInProgress) {
      return rule_violation(
          fmt::format("{} is {}; risk can be accepted only for open or in_progress "
                      "findings",
                      f->id, name(f->status)));
    }
    GAPLOG_RETURN_IF_ERROR(
        check_text("justification", c.justification, kMaxLongTextChars, true, true));
    GAPLOG_ASSIGN_OR_RETURN(Date expires, parse_field_date("expires_on", c.expires_on));
    const Date today = command_date();
    if (expires <= today || expires.days > today.days + 365) {
      return rule_violation(
          fmt::format("expires_on must be after {} and at most 365 days later (by {})",
                      format_date(today), format_date(Date{today.days + 365})));
    }
    return one(finding_stream(f->id), f->version,
               RiskAccepted{f->id, c.justification, c.expires_on, f->status},
               finding_stream(f->id));
  }

  Result<Decision> operator()(const AddComment& c) {
    GAPLOG_RETURN_IF_ERROR(require_writer());
    GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.id));
    GAPLOG_RETURN_IF_ERROR(check_text("text", c.text, kMaxLongTextChars, true, true));
    return one(finding_stream(f->id), f->version, CommentAdded{f->id, c.text},
               finding_stream(f->id));
  }

  Result<Decision> operator()(const UploadEvidence& c) {
    GAPLOG_RETURN_IF_ERROR(require_writer());
    GAPLOG_RETURN_IF_ERROR(check_filename(c.filename));
    GAPLOG_RETURN_IF_ERROR(check_media_type(c.media_type));
    if (c.sha256.size() != 64 || !std::all_of(c.sha256.begin(), c.sha256.end(), [](char ch) {
          return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
        })) {
      return internal_error("evidence needs the lowercase hex SHA-256 of its stored bytes");
    }
    GAPLOG_RETURN_IF_ERROR(check_validity(c.collected_on, c.valid_until));
    if (c.finding.empty() && c.control.empty()) {
      GAPLOG_RETURN_IF_ERROR(
          require_editor("uploading evidence that is not linked to a finding or control you own"));
    }
    const std::string id = fmt::format("E-{}", s_.evidence_uploaded + 1);
    Decision d;
    d.subject = evidence_stream(id);
    d.expected_versions.emplace_back(evidence_stream(id), 0);
    d.events.push_back(
        {evidence_stream(id), EvidenceUploaded{id, c.filename, c.media_type, c.sha256, c.size,
                                               c.collected_on, c.valid_until}});
    if (!c.finding.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(c.finding));
      GAPLOG_RETURN_IF_ERROR(may_link_to_finding(*f));
      d.expected_versions.emplace_back(finding_stream(f->id), f->version);
      d.events.push_back({evidence_stream(id), EvidenceLinked{id, f->id, ""}});
    }
    if (!c.control.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const ControlState* ctl, control(c.control));
      GAPLOG_RETURN_IF_ERROR(may_link_to_control(*ctl));
      d.expected_versions.emplace_back(control_stream(ctl->id), ctl->version);
      d.events.push_back({evidence_stream(id), EvidenceLinked{id, "", ctl->id}});
    }
    return d;
  }

  Result<Decision> operator()(const LinkEvidence& c) {
    return link(c.id, c.finding, c.control, true);
  }
  Result<Decision> operator()(const UnlinkEvidence& c) {
    return link(c.id, c.finding, c.control, false);
  }

  Result<Decision> operator()(const SignIn& c) {
    GAPLOG_RETURN_IF_ERROR(check_text("subject", c.subject, 255, true, false));
    GAPLOG_RETURN_IF_ERROR(check_text("issuer", c.issuer, 2000, true, false));
    return one(user_stream(actor_->email), actor_->version,
               UserSignedIn{actor_->email, c.subject, c.issuer}, user_stream(actor_->email));
  }
  Result<Decision> operator()(const SignOut&) {
    return one(user_stream(actor_->email), actor_->version, UserSignedOut{actor_->email},
               user_stream(actor_->email));
  }

  Result<Decision> operator()(const RecordNotification& c) {
    GAPLOG_ASSIGN_OR_RETURN(NotificationKind kind,
                            parse_enum<NotificationKind>(parse_notification_kind, "kind", c.kind,
                                                         kNotificationKindList));
    GAPLOG_RETURN_IF_ERROR(parse_date(c.day).status());
    GAPLOG_RETURN_IF_ERROR(check_text("message_id", c.message_id, 255, true, false));
    GAPLOG_RETURN_IF_ERROR(notification_recipient_exists(c.recipient));
    GAPLOG_RETURN_IF_ERROR(notification_subject_exists(kind, c.subject));
    if (s_.notification_keys.contains(notification_key(c.kind, c.subject, c.recipient, c.day))) {
      return already_exists(fmt::format("{} about {} to {} for {} is already recorded", c.kind,
                                        c.subject.empty() ? "the program" : c.subject, c.recipient,
                                        c.day));
    }
    return one(notifications_stream(), s_.notifications_version,
               NotificationSent{c.kind, c.recipient, c.subject, c.day, c.message_id},
               notifications_stream());
  }

  Result<Decision> operator()(const SetMyNotifications& c) {
    return one(user_stream(actor_->email), actor_->version,
               UserNotificationsSet{actor_->email, c.email.value_or(actor_->email_reminders),
                                    c.digest.value_or(actor_->digest)},
               user_stream(actor_->email));
  }

  Result<Decision> operator()(const RecordDocument& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("recording assessed documents"));
    GAPLOG_RETURN_IF_ERROR(check_title(c.title));
    GAPLOG_ASSIGN_OR_RETURN(
        const DocumentKind kind,
        parse_enum<DocumentKind>(parse_document_kind, "kind", c.kind, kDocumentKinds));
    GAPLOG_RETURN_IF_ERROR(check_text("version", c.version, kMaxVersionChars, false, false));
    GAPLOG_RETURN_IF_ERROR(check_criteria(c.criteria, true));
    if (!c.approved_on.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const Date approved, parse_field_date("approved_on", c.approved_on));
      if (approved > command_date()) {
        return rule_violation(fmt::format("approved_on {} is in the future (today is {})",
                                          c.approved_on, format_date(command_date())));
      }
    }
    if (!c.next_review_on.empty()) {
      GAPLOG_RETURN_IF_ERROR(check_date("next_review_on", c.next_review_on));
    }
    std::string owner;
    if (!c.owner.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const UserState* u, assignable_owner(c.owner, "documents"));
      owner = u->email;
    }
    const std::string id = fmt::format("D-{}", s_.documents_recorded + 1);
    return one(document_stream(id), 0,
               DocumentRecorded{id, c.title, kind, owner, c.version, c.approved_on,
                                c.next_review_on, c.criteria},
               document_stream(id));
  }

  Result<Decision> operator()(const ReviewDocument& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("reviewing documents"));
    const DocumentState* doc = s_.document(c.id);
    if (doc == nullptr) {
      return not_found(fmt::format("there is no document {}; document ids look like D-3",
                                   std::string_view(c.id).substr(0, 40)));
    }
    GAPLOG_RETURN_IF_ERROR(existed_then("document " + doc->id, doc->recorded_at));
    GAPLOG_ASSIGN_OR_RETURN(
        const ReviewOutcome outcome,
        parse_enum<ReviewOutcome>(parse_review_outcome, "outcome", c.outcome, kReviewOutcomes));
    GAPLOG_RETURN_IF_ERROR(check_text("notes", c.notes, kMaxLongTextChars, false, true));
    std::string reviewed_on = c.reviewed_on;
    if (reviewed_on.empty()) {
      reviewed_on = format_date(command_date());
    } else {
      GAPLOG_ASSIGN_OR_RETURN(const Date d, parse_field_date("reviewed_on", reviewed_on));
      // It may predate the document's recording: the consultant reviews, then types it in.
      GAPLOG_RETURN_IF_ERROR(not_in_future("reviewed_on", d));
    }
    if (!c.next_review_on.empty()) {
      GAPLOG_RETURN_IF_ERROR(check_date("next_review_on", c.next_review_on));
    }
    return one(document_stream(doc->id), doc->version,
               DocumentReviewed{doc->id, outcome, reviewed_on, c.notes, c.next_review_on},
               document_stream(doc->id));
  }

  Result<Decision> operator()(const RecordInterview& c) {
    GAPLOG_RETURN_IF_ERROR(require_editor("recording interviews"));
    GAPLOG_RETURN_IF_ERROR(check_text("stakeholder", c.stakeholder, kMaxNameChars, true, false));
    GAPLOG_RETURN_IF_ERROR(
        check_text("stakeholder_role", c.stakeholder_role, kMaxNameChars, true, false));
    if (c.held_on.empty()) return invalid_argument("held_on is required (YYYY-MM-DD)");
    GAPLOG_ASSIGN_OR_RETURN(const Date held, parse_field_date("held_on", c.held_on));
    GAPLOG_RETURN_IF_ERROR(not_in_future("held_on", held));
    GAPLOG_RETURN_IF_ERROR(check_criteria(c.criteria, true));
    GAPLOG_RETURN_IF_ERROR(check_text("notes", c.notes, kMaxLongTextChars, false, true));
    if (c.interviewers.empty() || c.interviewers.size() > kMaxInterviewers) {
      return invalid_argument(
          fmt::format("interviewers lists 1 to {} e-mail addresses of who held the interview",
                      kMaxInterviewers));
    }
    std::vector<std::string> interviewers;
    for (const std::string& email : c.interviewers) {
      GAPLOG_RETURN_IF_ERROR(check_email("interviewers", email));
      std::string normalized = normalize_email(email);
      if (std::find(interviewers.begin(), interviewers.end(), normalized) != interviewers.end()) {
        return invalid_argument(
            fmt::format("interviewer {} is listed twice; list each once", normalized));
      }
      interviewers.push_back(std::move(normalized));
    }
    const std::string id = fmt::format("I-{}", s_.interviews_recorded + 1);
    return one(interview_stream(id), 0,
               InterviewRecorded{id, c.stakeholder, c.stakeholder_role, c.held_on,
                                 std::move(interviewers), c.criteria, c.notes},
               interview_stream(id));
  }

  Result<Decision> operator()(const SetAuditTarget& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("setting the audit date"));
    GAPLOG_ASSIGN_OR_RETURN(const AuditType type, parse_enum<AuditType>(parse_audit_type, "type",
                                                                        c.type, "type1, type2"));
    const Date today = command_date();
    AuditTargetSet target{type, "", "", ""};
    if (type == AuditType::kType1) {
      if (c.date.empty() || !c.window_start.empty() || !c.window_end.empty()) {
        return invalid_argument(
            "a Type I audit has one date: send {\"type\": \"type1\", \"date\": \"YYYY-MM-DD\"}");
      }
      GAPLOG_ASSIGN_OR_RETURN(const Date d, parse_field_date("date", c.date));
      if (d < today) {
        return rule_violation(fmt::format("the audit date {} is in the past (today is {})", c.date,
                                          format_date(today)));
      }
      target.date = c.date;
    } else {
      if (!c.date.empty() || c.window_start.empty() || c.window_end.empty()) {
        return invalid_argument(
            "a Type II audit has a window: send {\"type\": \"type2\", \"window_start\": "
            "\"YYYY-MM-DD\", \"window_end\": \"YYYY-MM-DD\"}");
      }
      GAPLOG_ASSIGN_OR_RETURN(const Date start, parse_field_date("window_start", c.window_start));
      GAPLOG_ASSIGN_OR_RETURN(const Date end, parse_field_date("window_end", c.window_end));
      if (end <= start) {
        return rule_violation(fmt::format(
            "the window ends ({}) before it starts ({}); window_end must be after window_start",
            c.window_end, c.window_start));
      }
      if (end < today) {
        return rule_violation(fmt::format("the audit window ended on {} (today is {})",
                                          c.window_end, format_date(today)));
      }
      target.window_start = c.window_start;
      target.window_end = c.window_end;
    }
    return one(program_stream(), s_.program_version, std::move(target), program_stream());
  }

  Result<Decision> operator()(const AddWebhook& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("adding webhooks"));
    GAPLOG_RETURN_IF_ERROR(check_webhook_id(c.id));
    GAPLOG_RETURN_IF_ERROR(check_text("url", c.url, 2000, true, false));
    if (!c.url.starts_with("https://") && !c.url.starts_with("http://")) {
      return invalid_argument(
          "url must be an https:// address of the receiver (http:// only to a loopback address)");
    }
    if (s_.webhooks.contains(c.id)) {
      return already_exists(fmt::format("there is already a webhook {}", c.id));
    }
    if (s_.active_webhooks() >= kMaxWebhooks) {
      return rule_violation(
          fmt::format("a program has at most {} webhooks; remove one first", kMaxWebhooks));
    }
    GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> kinds, webhook_kinds(c.kinds));
    return one(webhook_stream(c.id), 0, WebhookAdded{c.id, c.url, std::move(kinds)},
               webhook_stream(c.id));
  }

  Result<Decision> operator()(const RemoveWebhook& c) {
    GAPLOG_RETURN_IF_ERROR(require_admin("removing webhooks"));
    auto it = s_.webhooks.find(c.id);
    if (it == s_.webhooks.end() || it->second.removed) {
      return not_found(fmt::format("there is no webhook {}; GET /api/v1/webhooks lists them",
                                   std::string_view(c.id).substr(0, 40)));
    }
    return one(webhook_stream(c.id), it->second.version, WebhookRemoved{c.id},
               webhook_stream(c.id));
  }

  // Who is acting, and may they act at all (and back-fill)?
  Status resolve_actor(const Command& cmd) {
    // Reminders are recorded by gaplog itself, and by nobody else (the demo back-fills them).
    if (std::holds_alternative<RecordNotification>(cmd)) {
      if (ctx_.actor != kSystemActor) {
        return permission_denied("reminders are recorded by gaplog itself when it sends them");
      }
      return check_occurred_at();
    }
    if (ctx_.actor == kSystemActor) {
      return permission_denied("gaplog itself records only the reminders it sent");
    }
    // The first admin of a new program (init) may be back-filled too, within the same bounds.
    if (std::holds_alternative<AddUser>(cmd) && s_.users.empty()) return check_occurred_at();
    actor_ = s_.user(normalize_email(ctx_.actor));
    if (actor_ == nullptr) {
      return permission_denied(
          fmt::format("{} is not a user of this program; ask an admin to add you",
                      std::string_view(ctx_.actor).substr(0, 60)));
    }
    if (!actor_->active) {
      return permission_denied(fmt::format("{} is deactivated; ask an admin", actor_->email));
    }
    if (ctx_.occurred_at) {
      // A non-admin is refused whatever the time, even "now": only admins set occurred_at.
      if (actor_->role != Role::kAdmin) {
        return permission_denied(
            fmt::format("only admins may set occurred_at (back-fill); {} is {}; "
                        "send the request without X-Occurred-At",
                        actor_->email, name(actor_->role)));
      }
      return check_occurred_at();
    }
    return Status::ok();
  }

  // The bounds of a back-fill's time (whoever may send one).
  Status check_occurred_at() const {
    if (!ctx_.occurred_at) return Status::ok();
    if (*ctx_.occurred_at > ctx_.now) {
      return rule_violation(
          fmt::format("occurred_at {} is in the future; back-filled events must "
                      "have happened already",
                      format_timestamp(*ctx_.occurred_at)));
    }
    // Five calendar years before the time of deciding (the store records it a moment later).
    const Date today = date_of(ctx_.now);
    const Micros earliest = static_cast<Micros>(add_years(today, -5).days) * kMicrosPerDay +
                            (ctx_.now - static_cast<Micros>(today.days) * kMicrosPerDay);
    if (*ctx_.occurred_at < earliest) {
      return rule_violation(
          fmt::format("occurred_at {} is more than 5 years ago; a back-fill may go "
                      "back to {} at the earliest",
                      format_timestamp(*ctx_.occurred_at), format_timestamp(earliest)));
    }
    return Status::ok();
  }

 private:
  Date command_date() const { return date_of(ctx_.occurred_at.value_or(ctx_.now)); }

  Decision one(std::string stream, uint32_t version, Payload payload, std::string subject) {
    Decision d;
    d.expected_versions.emplace_back(stream, version);
    d.events.push_back({std::move(stream), std::move(payload)});
    d.subject = std::move(subject);
    return d;
  }

  Status require_admin(std::string_view what) const {
    if (actor_ && actor_->role == Role::kAdmin) return Status::ok();
    return permission_denied(fmt::format("{} needs the admin role; {} is {}", what, actor_email(),
                                         actor_ ? name(actor_->role) : "not a user"));
  }
  Status require_editor(std::string_view what) const {
    if (actor_ && is_editor_or_admin(actor_->role)) return Status::ok();
    return permission_denied(fmt::format("{} needs the editor or admin role; {} is {}", what,
                                         actor_email(),
                                         actor_ ? name(actor_->role) : "not a user"));
  }
  // Anyone but an auditor (the CPA firm writes nothing).
  Status require_writer() const {
    if (actor_ && actor_->role != Role::kAuditor) return Status::ok();
    return permission_denied(
        fmt::format("{} is an auditor; auditors have read-only access", actor_email()));
  }
  std::string actor_email() const { return actor_ ? actor_->email : ctx_.actor; }

  std::string describe_actor(const FindingState& f) const {
    const bool owner = !f.owner.empty() && f.owner == actor_->email;
    return fmt::format("{}{}", name(actor_->role), owner ? " and its owner" : "");
  }

  Status may_link_to_finding(const FindingState& f) const {
    if (is_editor_or_admin(actor_->role)) return Status::ok();
    if (actor_->role == Role::kContributor && f.owner == actor_->email) return Status::ok();
    return permission_denied(
        fmt::format("{} is {} and does not own {}; contributors may attach "
                    "evidence only to findings they own",
                    actor_->email, name(actor_->role), f.id));
  }

  // Editors and admins; a contributor on a control it owns (SPEC §4, §12).
  Status may_link_to_control(const ControlState& c) const {
    if (is_editor_or_admin(actor_->role)) return Status::ok();
    if (actor_->role == Role::kContributor && c.owner == actor_->email) return Status::ok();
    return permission_denied(
        fmt::format("{} is {} and does not own control {}; contributors may attach "
                    "evidence only to controls they own",
                    actor_->email, name(actor_->role), c.id));
  }

  // Back-fill (SPEC §2): what a command names must exist at its occurred_at, whatever the
  // state folded in log order holds (entities back-filled earlier, or recorded live, may date
  // from after it). `since` is the occurred_at of the event that created it.
  Status existed_then(std::string_view what, Micros since) const {
    if (!ctx_.occurred_at || since <= *ctx_.occurred_at) return Status::ok();
    return rule_violation(
        fmt::format("{} did not exist yet at {} (it dates from {}); a back-filled "
                    "command can name only what existed at its occurred_at",
                    what, format_timestamp(*ctx_.occurred_at), format_timestamp(since)));
  }
  // A user named by a back-filled command must have been active then.
  Status active_then(const UserState& u) const {
    if (!ctx_.occurred_at || u.active_at(*ctx_.occurred_at)) return Status::ok();
    return rule_violation(
        fmt::format("{} was not an active user at {} (added at {}); a back-filled "
                    "command can name only users active at its occurred_at",
                    u.email, format_timestamp(*ctx_.occurred_at), format_timestamp(u.added_at)));
  }

  // Segregation of duties (SPEC §3): whoever moved the finding to remediated, and whoever owned
  // it at that moment, may not verify it (unassigning it since does not change that).
  Status not_the_remediator(const FindingState& f) const {
    if (f.remediated_by == actor_->email) {
      return rule_violation(
          fmt::format("{} moved {} to remediated, so another editor or admin must "
                      "verify and close it (segregation of duties)",
                      actor_->email, f.id));
    }
    if (!f.owner_when_remediated.empty() && f.owner_when_remediated == actor_->email) {
      return rule_violation(
          fmt::format("{} owned {} when it was moved to remediated, so another editor "
                      "or admin must verify and close it, even after unassigning "
                      "(segregation of duties)",
                      actor_->email, f.id));
    }
    return Status::ok();
  }

  Result<const FindingState*> finding(const std::string& id) const {
    if (const FindingState* f = s_.finding(id)) {
      GAPLOG_RETURN_IF_ERROR(existed_then(f->id, f->recorded_at));
      return f;
    }
    return not_found(fmt::format("there is no finding {}; finding ids look like F-12",
                                 std::string_view(id).substr(0, 40)));
  }
  Result<const ControlState*> control(const std::string& id) const {
    if (const ControlState* c = s_.control(id)) {
      GAPLOG_RETURN_IF_ERROR(existed_then("control " + c->id, c->defined_at));
      return c;
    }
    return not_found(fmt::format("there is no control {}; define it first or check the id",
                                 std::string_view(id).substr(0, 40)));
  }
  Result<const UserState*> active_user(const std::string& email) const {
    const UserState* u = s_.user(normalize_email(email));
    if (!u) {
      return not_found(fmt::format("there is no user {}; add the user first",
                                   std::string_view(email).substr(0, 60)));
    }
    if (!u->active) return rule_violation(fmt::format("{} is deactivated", u->email));
    GAPLOG_RETURN_IF_ERROR(active_then(*u));
    return u;
  }
  // An owner must be an active user who can act on findings (not an auditor).
  Result<const UserState*> assignable_owner(const std::string& email,
                                            std::string_view what = "findings") const {
    const UserState* u = s_.user(normalize_email(email));
    if (!u || !u->active) {
      return rule_violation(fmt::format("{} is not an active user; an owner must be an active user",
                                        std::string_view(email).substr(0, 60)));
    }
    if (u->role == Role::kAuditor) {
      return rule_violation(
          fmt::format("{} is an auditor; auditors cannot own {}", u->email, what));
    }
    GAPLOG_RETURN_IF_ERROR(active_then(*u));
    return u;
  }

  Status not_in_future(std::string_view field, Date d) const {
    if (d <= command_date()) return Status::ok();
    return rule_violation(
        fmt::format("{} {} is in the future (today is {}); record it once it "
                    "has happened",
                    field, format_date(d), format_date(command_date())));
  }

  // SPEC §13: 1–5 each, both or neither.
  static Status check_risk(int likelihood, int impact) {
    for (auto [field, v] : {std::pair{"likelihood", likelihood}, std::pair{"impact", impact}}) {
      if (v < 0 || v > 5) {
        return invalid_argument(
            fmt::format("{} {} is out of range; rate it from 1 (lowest) to 5 (highest)", field, v));
      }
    }
    if ((likelihood == 0) != (impact == 0)) {
      return invalid_argument("likelihood and impact go together: give both (1-5) or neither");
    }
    return Status::ok();
  }

  // The source an origin implies, once the origin is known to exist (then, for a back-fill).
  Result<FindingSource> origin_source(const std::string& origin) const {
    const std::optional<OriginRef> ref = parse_origin(origin);
    if (!ref) {
      return invalid_argument(
          fmt::format("origin '{}' is not valid; use a document (D-3), an interview (I-2) or a "
                      "control test (AC-01#test-2)",
                      std::string_view(origin).substr(0, 60)));
    }
    switch (ref->kind) {
      case OriginRef::Kind::kDocument: {
        const DocumentState* d = s_.document(ref->id);
        if (d == nullptr) {
          return rule_violation(
              fmt::format("origin {}: there is no document {}; record it first", origin, ref->id));
        }
        GAPLOG_RETURN_IF_ERROR(existed_then("document " + d->id, d->recorded_at));
        return FindingSource::kDocumentReview;
      }
      case OriginRef::Kind::kInterview: {
        const InterviewState* i = s_.interview(ref->id);
        if (i == nullptr) {
          return rule_violation(
              fmt::format("origin {}: there is no interview {}; record it first", origin, ref->id));
        }
        GAPLOG_RETURN_IF_ERROR(existed_then("interview " + i->id, i->recorded_at));
        return FindingSource::kInterview;
      }
      case OriginRef::Kind::kControlTest:
        break;
    }
    const ControlState* ctl = s_.control(ref->id);
    if (ctl == nullptr) {
      return rule_violation(fmt::format("origin {}: there is no control {}",
                                        std::string_view(origin).substr(0, 60),
                                        std::string_view(ref->id).substr(0, 40)));
    }
    if (ref->test > ctl->tests.size()) {
      return rule_violation(fmt::format(
          "origin {}: control {} has {} test(s), not {}; GET /api/v1/controls/{}/tests lists them",
          std::string_view(origin).substr(0, 60), ctl->id, ctl->tests.size(), ref->test, ctl->id));
    }
    GAPLOG_RETURN_IF_ERROR(existed_then("test " + origin, ctl->tests[ref->test - 1].occurred_at));
    return FindingSource::kControlEvaluation;
  }

  // A new finding's source: as given, else what its origin implies, else other; a source that
  // contradicts the origin is refused.
  Result<FindingSource> finding_source(const std::string& source, const std::string& origin) const {
    std::optional<FindingSource> given;
    if (!source.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(
          given, parse_enum<FindingSource>(parse_finding_source, "source", source, kSources));
    }
    if (origin.empty()) return given.value_or(FindingSource::kOther);
    GAPLOG_ASSIGN_OR_RETURN(const FindingSource implied, origin_source(origin));
    if (given && *given != implied) {
      return rule_violation(fmt::format(
          "source {} contradicts origin {}, which is a {}; leave source out or make it {}", source,
          std::string_view(origin).substr(0, 60), name(implied), name(implied)));
    }
    return implied;
  }

  static Result<Date> parse_field_date(std::string_view field, std::string_view value) {
    GAPLOG_RETURN_IF_ERROR(check_date(field, value));
    return parse_date(value);
  }

  static Status check_validity(const std::string& collected_on, const std::string& valid_until) {
    std::optional<Date> from, until;
    if (!collected_on.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(Date d, parse_field_date("collected_on", collected_on));
      from = d;
    }
    if (!valid_until.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(Date d, parse_field_date("valid_until", valid_until));
      until = d;
    }
    if (from && until && *until < *from) {
      return rule_violation(
          fmt::format("valid_until {} is before collected_on {}", valid_until, collected_on));
    }
    return Status::ok();
  }

  static bool trimmed_empty(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
  }

  // What a recorded reminder names existed when it was sent (a back-filled one: then).
  Status notification_recipient_exists(const std::string& recipient) const {
    if (recipient.starts_with("webhook:")) {
      auto it = s_.webhooks.find(recipient.substr(8));
      if (it != s_.webhooks.end()) return existed_then(recipient, it->second.added_at);
      return not_found(fmt::format("there is no webhook {}", recipient.substr(8, 40)));
    }
    if (const UserState* u = s_.user(recipient)) return existed_then(u->email, u->added_at);
    return not_found(
        fmt::format("{} is not a user of this program", std::string_view(recipient).substr(0, 60)));
  }
  Status notification_subject_exists(NotificationKind kind, const std::string& subject) const {
    if (kind == NotificationKind::kWeeklyDigest) {
      if (subject.empty()) return Status::ok();
      return invalid_argument("a weekly digest has no subject");
    }
    if (const FindingState* f = s_.finding(subject)) return existed_then(f->id, f->recorded_at);
    if (const EvidenceState* e = s_.evidence_item(subject)) {
      return existed_then(e->id, e->uploaded_at);
    }
    if (const ControlState* c = s_.control(subject)) return existed_then(c->id, c->defined_at);
    return not_found(fmt::format("there is no finding, evidence or control {}",
                                 std::string_view(subject).substr(0, 40)));
  }
  static Status check_webhook_id(std::string_view id) {
    const bool ok = id.size() == 19 && id.starts_with("wh_") &&
                    std::all_of(id.begin() + 3, id.end(), [](char ch) {
                      return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                    });
    if (ok) return Status::ok();
    return invalid_argument("a webhook id is wh_ and 16 lowercase hex digits");
  }
  // The kinds of a webhook: at least one, each once, in the order of NotificationKind.
  static Result<std::vector<std::string>> webhook_kinds(const std::vector<std::string>& names) {
    if (names.empty()) {
      return invalid_argument(
          fmt::format("kinds must list at least one of: {}", kNotificationKindList));
    }
    std::set<NotificationKind> kinds;
    for (const std::string& n : names) {
      GAPLOG_ASSIGN_OR_RETURN(
          NotificationKind k,
          parse_enum<NotificationKind>(parse_notification_kind, "kind", n, kNotificationKindList));
      if (!kinds.insert(k).second) {
        return invalid_argument(fmt::format("kind {} is listed twice; list each once", n));
      }
    }
    std::vector<std::string> out;
    out.reserve(kinds.size());
    for (NotificationKind k : kinds) out.emplace_back(name(k));
    return out;
  }

  Result<Decision> link(const std::string& id, const std::string& finding_id,
                        const std::string& control_id, bool linking) {
    GAPLOG_RETURN_IF_ERROR(require_writer());
    const EvidenceState* ev = s_.evidence_item(id);
    if (!ev) {
      return not_found(fmt::format("there is no evidence {}; evidence ids look like E-3",
                                   std::string_view(id).substr(0, 40)));
    }
    GAPLOG_RETURN_IF_ERROR(existed_then(ev->id, ev->uploaded_at));
    if (finding_id.empty() == control_id.empty()) {
      return invalid_argument("give exactly one of finding or control");
    }
    Decision d;
    d.subject = evidence_stream(ev->id);
    d.expected_versions.emplace_back(evidence_stream(ev->id), ev->version);
    std::string target;
    bool present = false;
    if (!finding_id.empty()) {
      GAPLOG_ASSIGN_OR_RETURN(const FindingState* f, finding(finding_id));
      GAPLOG_RETURN_IF_ERROR(may_link_to_finding(*f));
      target = f->id;
      present = ev->findings.contains(f->id);
      d.expected_versions.emplace_back(finding_stream(f->id), f->version);
    } else {
      GAPLOG_ASSIGN_OR_RETURN(const ControlState* c, control(control_id));
      GAPLOG_RETURN_IF_ERROR(may_link_to_control(*c));
      target = c->id;
      present = ev->controls.contains(c->id);
      d.expected_versions.emplace_back(control_stream(c->id), c->version);
    }
    if (linking && present)
      return rule_violation(fmt::format("{} is already linked to {}", ev->id, target));
    if (!linking && !present)
      return rule_violation(fmt::format("{} is not linked to {}", ev->id, target));
    const std::string f = finding_id.empty() ? "" : target;
    const std::string c = control_id.empty() ? "" : target;
    if (linking) {
      d.events.push_back({evidence_stream(ev->id), EvidenceLinked{ev->id, f, c}});
    } else {
      d.events.push_back({evidence_stream(ev->id), EvidenceUnlinked{ev->id, f, c}});
    }
    return d;
  }

  const ProgramState& s_;
  const CommandContext& ctx_;
  const UserState* actor_ = nullptr;
};

}  // namespace

Result<Decision> decide(const ProgramState& state, const CommandContext& ctx, const Command& cmd) {
  Decider decider(state, ctx);
  GAPLOG_RETURN_IF_ERROR(decider.resolve_actor(cmd));
  return std::visit(decider, cmd);
}

}  // namespace gaplog
