#include "views/json_views.h"

#include "domain/hex.h"
#include "store/sha256.h"

namespace gaplog {

using json::Value;

namespace {

Value str(std::string_view s) { return Value::string(std::string(s)); }
Value date_json(Date d) { return Value::string(format_date(d)); }
Value date_or_null(const std::optional<Date>& d) { return d ? date_json(*d) : Value::null(); }
Value count(int64_t n) { return Value::integer(n); }

// 100 × ready / in_scope rounded half up to one decimal, as a number (66.7, 100).
Value percent_json(const ReadinessCount& c) { return Value::number(c.percent_tenths() / 10.0); }

Value readiness_count_json(const ReadinessCount& c) {
  return Value::object()
      .set("ready", count(c.ready))
      .set("in_scope", count(c.in_scope))
      .set("percent", percent_json(c));
}

template <typename Set>
Value set_json(const Set& items) {
  Value a = Value::array();
  for (const auto& s : items) a.push(str(s));
  return a;
}

Value link_json(const std::string& evidence, const std::string& finding,
                const std::string& control) {
  return Value::object()
      .set("evidence_id", Value::string(evidence))
      .set("finding", finding.empty() ? Value::null() : Value::string(finding))
      .set("control", control.empty() ? Value::null() : Value::string(control));
}

}  // namespace

Value string_list(const std::vector<std::string>& items) { return set_json(items); }
Value string_or_null(const std::string& s) { return s.empty() ? Value::null() : Value::string(s); }

static Value allowed_transitions_json(const UserState* caller, const FindingState& f) {
  Value out = Value::array();
  if (caller == nullptr) return out;
  for (const FindingTransition& t : transitions_open_to(*caller, f)) {
    out.push(Value::object()
                 .set("to", str(name(t.to)))
                 .set("reason_required", Value::boolean(t.reason_required)));
  }
  return out;
}

Value finding_json(const ProgramState& s, const FindingState& f, Date d, const UserState* caller) {
  Value risk;
  if (f.risk_acceptance) {
    risk = Value::object()
               .set("justification", str(f.risk_acceptance->justification))
               .set("expires_on", date_or_null(f.risk_acceptance->expires_on))
               .set("approved_by", str(f.risk_acceptance->approved_by));
  }
  return Value::object()
      .set("id", str(f.id))
      .set("title", str(f.title))
      .set("description", str(f.description))
      .set("recommendation", string_or_null(f.recommendation))
      .set("severity", str(name(f.severity)))
      .set("status", str(name(f.status)))
      .set("criteria", string_list(f.criteria))
      .set("control", string_or_null(f.control))
      .set("source", str(name(f.source)))
      .set("owner", string_or_null(f.owner))
      .set("due_date", date_or_null(f.due_date))
      .set("risk_acceptance", std::move(risk))
      .set("evidence", set_json(s.evidence_of(f.id)))
      .set("overdue", Value::boolean(is_overdue(f, d)))
      .set("unresolved", Value::boolean(is_unresolved(f, d)))
      .set("acceptance_expired", Value::boolean(is_acceptance_expired(f, d)))
      .set("origin", string_or_null(f.origin))
      .set("likelihood", f.likelihood != 0 ? count(f.likelihood) : Value::null())
      .set("impact", f.impact != 0 ? count(f.impact) : Value::null())
      .set("risk_score", f.risk_score() != 0 ? count(f.risk_score()) : Value::null())
      .set("recorded_on", date_json(f.recorded_on))
      .set("version", count(f.version))
      .set("allowed_transitions", allowed_transitions_json(caller, f));
}

Value control_test_json(const ControlTest& t) {
  return Value::object()
      .set("kind", str(name(t.kind)))
      .set("tested_on", date_json(t.tested_on))
      .set("result", str(name(t.result)))
      .set("notes", str(t.notes))
      .set("evidence", string_list(t.evidence))
      .set("tested_by", str(t.tested_by))
      .set("occurred_at", Value::string(format_timestamp(t.occurred_at)))
      .set("seq", count(static_cast<int64_t>(t.seq)));
}

Value control_json(const ProgramState& s, const ControlState& c, Date d) {
  ControlEvidence ev = control_evidence_at(s, c, d);
  std::vector<std::string> findings;
  for (const auto& [id, f] : s.findings) {
    if (f.control == c.id) findings.push_back(id);
  }
  std::sort(findings.begin(), findings.end(), natural_less);
  const ControlTest* latest = c.latest_test();
  return Value::object()
      .set("id", str(c.id))
      .set("title", str(c.title))
      .set("description", str(c.description))
      .set("criteria", string_list(c.criteria))
      .set("status", str(name(c.status)))
      .set("owner", c.owner.empty() ? Value::null() : str(c.owner))
      .set("evidence_every", str(name(c.evidence_every)))
      .set("latest_test", latest ? control_test_json(*latest) : Value::null())
      .set("counts_as_implemented", Value::boolean(c.counts_as_implemented()))
      .set("evidence", string_list(ev.linked))
      .set("current_evidence", string_list(ev.current))
      .set("evidence_valid_until", date_or_null(ev.valid_until))
      .set("evidence_status", str(name(ev.status)))
      .set("findings", string_list(findings))
      .set("version", count(c.version));
}

Value evidence_json(const ProgramState& s, const EvidenceState& e, Date d, bool with_validity) {
  Value v = Value::object()
                .set("id", str(e.id))
                .set("filename", str(e.filename))
                .set("media_type", str(e.media_type))
                .set("sha256", str(e.sha256))
                .set("size", Value::integer(static_cast<int64_t>(e.size)))
                .set("collected_on", date_or_null(e.collected_on))
                .set("valid_until", date_or_null(e.valid_until));
  if (with_validity) {
    Value validity = Value::array();
    for (const std::string& id : e.controls) {
      const ControlState* c = s.control(id);
      if (c == nullptr) continue;
      validity.push(Value::object()
                        .set("control", str(id))
                        .set("valid_until", date_or_null(valid_until_for(e, *c)))
                        .set("current", Value::boolean(is_current_for(e, *c, d))));
    }
    v.set("expires_on", date_or_null(expires_on(s, e))).set("validity", std::move(validity));
  }
  return v.set("current", Value::boolean(is_current(s, e, d)))
      .set("findings", set_json(e.findings))
      .set("controls", set_json(e.controls))
      .set("uploaded_by", str(e.uploaded_by))
      .set("uploaded_at", Value::string(format_timestamp(e.uploaded_at)))
      .set("version", count(e.version));
}

Value user_json(const ProgramState& s, const UserState& u) {
  Value tokens = Value::array();
  for (const auto& [id, t] : s.tokens) {
    if (t.email == u.email) {
      tokens.push(
          Value::object().set("token_id", str(id)).set("revoked", Value::boolean(t.revoked)));
    }
  }
  return Value::object()
      .set("email", str(u.email))
      .set("name", str(u.name))
      .set("role", str(name(u.role)))
      .set("active", Value::boolean(u.active))
      .set("last_signed_in_at",
           u.last_signed_in_at ? str(format_timestamp(*u.last_signed_in_at)) : Value::null())
      .set("notifications", Value::object()
                                .set("email", Value::boolean(u.email_reminders))
                                .set("digest", Value::boolean(u.digest)))
      .set("tokens", std::move(tokens))
      .set("version", count(u.version));
}

Value scope_json(const ProgramState& s) {
  Value categories = Value::array();
  for (Category c : s.scope) categories.push(str(name(c)));
  return Value::object()
      .set("name", str(s.name))
      .set("categories", std::move(categories))
      .set("audit", audit_json(s.audit))
      .set("version", count(s.program_version));
}

Value readiness_json(const Readiness& r, std::optional<Micros> known_at, uint64_t tree_size) {
  Value categories = Value::object();
  for (const auto& [category, c] : r.categories) {
    categories.set(std::string(name(category)), readiness_count_json(c));
  }
  Value criteria = Value::array();
  for (const CriterionReadiness& c : r.criteria) {
    criteria.push(Value::object()
                      .set("id", str(c.id))
                      .set("category", str(name(c.category)))
                      .set("status", str(name(c.status)))
                      .set("findings", string_list(c.findings))
                      .set("controls", string_list(c.controls)));
  }
  return Value::object()
      .set("as_of", date_json(r.as_of))
      .set("as_known_at", known_at ? Value::string(format_timestamp(*known_at)) : Value::null())
      .set("tree_size", Value::integer(static_cast<int64_t>(tree_size)))
      .set("overall", readiness_count_json(r.overall))
      .set("categories", std::move(categories))
      .set("criteria", std::move(criteria));
}

Value workloads_json(Date as_of, const std::vector<OwnerWorkload>& owners) {
  Value rows = Value::array();
  for (const OwnerWorkload& w : owners) {
    rows.push(Value::object()
                  .set("owner", string_or_null(w.owner))
                  .set("critical", count(w.critical))
                  .set("high", count(w.high))
                  .set("medium", count(w.medium))
                  .set("low", count(w.low))
                  .set("total", count(w.total))
                  .set("overdue", count(w.overdue))
                  .set("due_soon", count(w.due_soon))
                  .set("oldest_days", count(w.oldest_days)));
  }
  return Value::object().set("as_of", date_json(as_of)).set("owners", std::move(rows));
}

Value timeline_json(const Timeline& t) {
  Value points = Value::array();
  for (const TimelinePoint& p : t.points) {
    points.push(Value::object()
                    .set("date", date_json(p.date))
                    .set("ready", count(p.readiness.ready))
                    .set("in_scope", count(p.readiness.in_scope))
                    .set("percent", percent_json(p.readiness))
                    .set("unresolved", Value::object()
                                           .set("critical", count(p.unresolved.critical))
                                           .set("high", count(p.unresolved.high))
                                           .set("medium", count(p.unresolved.medium))
                                           .set("low", count(p.unresolved.low)))
                    .set("overdue", count(p.unresolved.overdue)));
  }
  auto optional_date = [](const std::optional<Date>& d) {
    return d ? date_json(*d) : Value::null();
  };
  return Value::object()
      .set("from", date_json(t.from))
      .set("to", date_json(t.to))
      .set("step", count(t.step))
      .set("points", std::move(points))
      .set("projected_ready_on", optional_date(t.projected_ready_on))
      .set("ready_since", optional_date(t.ready_since))
      .set("audit_target", audit_json(t.audit_target))
      .set("on_track", t.on_track ? Value::boolean(*t.on_track) : Value::null())
      .set("days_left", t.audit_target
                            ? count(static_cast<int64_t>(t.audit_target->target().days) - t.to.days)
                            : Value::null())
      .set("blockers", Value::object()
                           .set("criteria", string_list(t.blockers.criteria))
                           .set("no_due_date", string_list(t.blockers.no_due_date))
                           .set("due_after_target", string_list(t.blockers.due_after_target)));
}

Value audit_json(const std::optional<AuditTarget>& a) {
  if (!a) return Value::null();
  const bool type1 = a->type == AuditType::kType1;
  return Value::object()
      .set("type", str(name(a->type)))
      .set("date", type1 ? date_json(a->date) : Value::null())
      .set("window_start", type1 ? Value::null() : date_json(a->window_start))
      .set("window_end", type1 ? Value::null() : date_json(a->window_end))
      .set("target", date_json(a->target()));
}

Value heat_map_json(Date as_of, const HeatMap& h) {
  Value cells = Value::array();
  for (int likelihood = 5; likelihood >= 1; --likelihood) {
    for (int impact = 1; impact <= 5; ++impact) {
      const std::vector<std::string>& ids =
          h.cells.at(static_cast<size_t>(likelihood - 1)).at(static_cast<size_t>(impact - 1));
      cells.push(Value::object()
                     .set("likelihood", count(likelihood))
                     .set("impact", count(impact))
                     .set("risk_score", count(static_cast<int64_t>(likelihood) * impact))
                     .set("findings", string_list(ids)));
    }
  }
  return Value::object()
      .set("as_of", date_json(as_of))
      .set("cells", std::move(cells))
      .set("unrated", string_list(h.unrated));
}

namespace {
Value review_json(const DocumentReview& r, size_t n) {
  return Value::object()
      .set("n", count(static_cast<int64_t>(n)))
      .set("outcome", str(name(r.outcome)))
      .set("reviewed_on", date_json(r.reviewed_on))
      .set("notes", string_or_null(r.notes))
      .set("next_review_on", date_or_null(r.next_review_on))
      .set("reviewed_by", str(r.reviewed_by))
      .set("occurred_at", Value::string(format_timestamp(r.occurred_at)))
      .set("seq", count(static_cast<int64_t>(r.seq)));
}
const std::vector<std::string>& origin_findings(const FindingsByOrigin& index,
                                                const std::string& origin) {
  static const std::vector<std::string> kNone;
  auto it = index.find(origin);
  return it == index.end() ? kNone : it->second;
}
}  // namespace

Value document_json(const DocumentState& d, Date as_of, const FindingsByOrigin& findings) {
  Value reviews = Value::array();
  const DocumentReview* latest = d.latest_review();
  Value latest_json;
  for (size_t i = 0; i < d.reviews.size(); ++i) {
    reviews.push(review_json(d.reviews[i], i + 1));
    if (&d.reviews[i] == latest) latest_json = review_json(d.reviews[i], i + 1);
  }
  return Value::object()
      .set("id", str(d.id))
      .set("title", str(d.title))
      .set("kind", str(name(d.kind)))
      .set("owner", string_or_null(d.owner))
      .set("document_version", string_or_null(d.document_version))
      .set("approved_on", date_or_null(d.approved_on))
      .set("next_review_on", date_or_null(d.next_review_on))
      .set("review_due", Value::boolean(d.next_review_on && *d.next_review_on < as_of))
      .set("criteria", string_list(d.criteria))
      .set("reviews", std::move(reviews))
      .set("latest_review", std::move(latest_json))
      .set("findings", string_list(origin_findings(findings, d.id)))
      .set("recorded_by", str(d.recorded_by))
      .set("recorded_on", date_json(date_of(d.recorded_at)))
      .set("version", count(d.version));
}

Value interview_json(const InterviewState& i, const FindingsByOrigin& findings) {
  return Value::object()
      .set("id", str(i.id))
      .set("stakeholder", str(i.stakeholder))
      .set("stakeholder_role", str(i.stakeholder_role))
      .set("held_on", date_json(i.held_on))
      .set("interviewers", string_list(i.interviewers))
      .set("criteria", string_list(i.criteria))
      .set("notes", string_or_null(i.notes))
      .set("findings", string_list(origin_findings(findings, i.id)))
      .set("recorded_by", str(i.recorded_by))
      .set("recorded_on", date_json(date_of(i.recorded_at)));
}

Value roadmap_json(Date as_of, const std::vector<RoadmapMonth>& months) {
  Value out = Value::array();
  for (const RoadmapMonth& m : months) {
    Value findings = Value::array();
    for (const RoadmapItem& f : m.findings) {
      findings.push(Value::object()
                        .set("id", str(f.id))
                        .set("title", str(f.title))
                        .set("severity", str(name(f.severity)))
                        .set("owner", string_or_null(f.owner))
                        .set("due_date", date_or_null(f.due_date))
                        .set("status", str(name(f.status)))
                        .set("overdue", Value::boolean(f.overdue))
                        .set("acceptance_expired", Value::boolean(f.acceptance_expired)));
    }
    out.push(
        Value::object().set("month", string_or_null(m.month)).set("findings", std::move(findings)));
  }
  return Value::object().set("as_of", date_json(as_of)).set("months", std::move(out));
}

namespace {

// The data of each type of event, one overload per type (the payload's alternatives).

// The program, its users and their tokens.
Value payload_fields(const ProgramNamed& p) { return Value::object().set("name", str(p.name)); }
Value payload_fields(const ScopeSet& p) {
  Value c = Value::array();
  for (Category x : p.categories) c.push(str(name(x)));
  return Value::object().set("categories", std::move(c));
}
Value payload_fields(const UserAdded& p) {
  return Value::object()
      .set("email", str(p.email))
      .set("name", str(p.name))
      .set("role", str(name(p.role)));
}
Value payload_fields(const UserRoleChanged& p) {
  return Value::object()
      .set("email", str(p.email))
      .set("role", str(name(p.role)))
      .set("previous_role", str(name(p.previous_role)));
}
Value payload_fields(const UserDeactivated& p) {
  return Value::object().set("email", str(p.email)).set("reason", string_or_null(p.reason));
}
Value payload_fields(const TokenIssued& p) {
  return Value::object()
      .set("token_id", str(p.token_id))
      .set("email", str(p.email))
      .set("token_sha256", str(to_hex(p.token_hash)))
      .set("expires_on", string_or_null(p.expires_on));
}
Value payload_fields(const TokenRevoked& p) {
  return Value::object().set("token_id", str(p.token_id)).set("email", str(p.email));
}

Value payload_fields(const UserSignedIn& p) {
  return Value::object()
      .set("email", str(p.email))
      .set("subject", str(p.subject))
      .set("issuer", str(p.issuer));
}
Value payload_fields(const UserSignedOut& p) { return Value::object().set("email", str(p.email)); }

// Reminders.
Value payload_fields(const NotificationSent& p) {
  return Value::object()
      .set("kind", str(p.kind))
      .set("recipient", str(p.recipient))
      .set("subject", string_or_null(p.subject))
      .set("day", str(p.day))
      .set("message_id", str(p.message_id));
}
Value payload_fields(const UserNotificationsSet& p) {
  return Value::object()
      .set("email", str(p.email))
      .set("email_enabled", Value::boolean(p.email_enabled))
      .set("digest_enabled", Value::boolean(p.digest_enabled));
}
Value payload_fields(const WebhookAdded& p) {
  return Value::object()
      .set("webhook_id", str(p.webhook_id))
      .set("url", str(p.url))
      .set("kinds", string_list(p.kinds));
}
Value payload_fields(const WebhookRemoved& p) {
  return Value::object().set("webhook_id", str(p.webhook_id));
}

// Controls. Owner and cadence (SPEC §12) only when set: the JSON of events from before them is
// what it was, so that `bundle verify` of an older bundle, which renders events.jsonl again,
// still finds every line equal.
void control_plan_fields(Value& v, const std::string& owner, EvidenceCadence every) {
  if (!owner.empty()) v.set("owner", str(owner));
  if (every != EvidenceCadence::kNone) v.set("evidence_every", str(name(every)));
}
Value payload_fields(const ControlDefined& p) {
  Value v = Value::object()
                .set("control_id", str(p.control_id))
                .set("title", str(p.title))
                .set("description", str(p.description))
                .set("criteria", string_list(p.criteria))
                .set("status", str(name(p.status)));
  control_plan_fields(v, p.owner, p.evidence_every);
  return v;
}
Value payload_fields(const ControlUpdated& p) {
  Value v = Value::object()
                .set("control_id", str(p.control_id))
                .set("title", str(p.title))
                .set("description", str(p.description))
                .set("criteria", string_list(p.criteria));
  control_plan_fields(v, p.owner, p.evidence_every);
  return v;
}
Value payload_fields(const ControlTested& p) {
  return Value::object()
      .set("control_id", str(p.control_id))
      .set("kind", str(name(p.kind)))
      .set("tested_on", str(p.tested_on))
      .set("result", str(name(p.result)))
      .set("notes", string_or_null(p.notes))
      .set("evidence", string_list(p.evidence));
}
Value payload_fields(const ControlStatusSet& p) {
  return Value::object()
      .set("control_id", str(p.control_id))
      .set("status", str(name(p.status)))
      .set("previous", str(name(p.previous)))
      .set("reason", string_or_null(p.reason));
}

// Findings.
// SPEC §13's fields, shown only when set so that older events render as they always did (the
// audit bundle's events.jsonl is re-rendered by `bundle verify`).
template <typename P>
Value with_risk_fields(Value v, const P& p) {
  if (p.likelihood != 0) v.set("likelihood", count(p.likelihood));
  if (p.impact != 0) v.set("impact", count(p.impact));
  if (!p.origin.empty()) v.set("origin", str(p.origin));
  return v;
}
Value payload_fields(const FindingRecorded& p) {
  Value v = Value::object()
                .set("finding_id", str(p.finding_id))
                .set("title", str(p.title))
                .set("description", str(p.description))
                .set("severity", str(name(p.severity)))
                .set("criteria", string_list(p.criteria))
                .set("control", string_or_null(p.control))
                .set("source", str(name(p.source)))
                .set("owner", string_or_null(p.owner))
                .set("due_date", string_or_null(p.due_date))
                .set("recommendation", string_or_null(p.recommendation));
  return with_risk_fields(std::move(v), p);
}
Value payload_fields(const FindingUpdated& p) {
  Value v = Value::object()
                .set("finding_id", str(p.finding_id))
                .set("title", str(p.title))
                .set("description", str(p.description))
                .set("severity", str(name(p.severity)))
                .set("criteria", string_list(p.criteria))
                .set("control", string_or_null(p.control))
                .set("recommendation", string_or_null(p.recommendation));
  return with_risk_fields(std::move(v), p);
}
Value payload_fields(const DocumentRecorded& p) {
  return Value::object()
      .set("document_id", str(p.document_id))
      .set("title", str(p.title))
      .set("kind", str(name(p.kind)))
      .set("owner", string_or_null(p.owner))
      .set("version", string_or_null(p.version))
      .set("approved_on", string_or_null(p.approved_on))
      .set("next_review_on", string_or_null(p.next_review_on))
      .set("criteria", string_list(p.criteria));
}
Value payload_fields(const DocumentReviewed& p) {
  return Value::object()
      .set("document_id", str(p.document_id))
      .set("outcome", str(name(p.outcome)))
      .set("reviewed_on", str(p.reviewed_on))
      .set("notes", string_or_null(p.notes))
      .set("next_review_on", string_or_null(p.next_review_on));
}
Value payload_fields(const InterviewRecorded& p) {
  return Value::object()
      .set("interview_id", str(p.interview_id))
      .set("stakeholder", str(p.stakeholder))
      .set("stakeholder_role", str(p.stakeholder_role))
      .set("held_on", str(p.held_on))
      .set("interviewers", string_list(p.interviewers))
      .set("criteria", string_list(p.criteria))
      .set("notes", string_or_null(p.notes));
}
Value payload_fields(const AuditTargetSet& p) {
  return Value::object()
      .set("type", str(name(p.type)))
      .set("date", string_or_null(p.date))
      .set("window_start", string_or_null(p.window_start))
      .set("window_end", string_or_null(p.window_end));
}
Value payload_fields(const FindingAssigned& p) {
  return Value::object()
      .set("finding_id", str(p.finding_id))
      .set("owner", string_or_null(p.owner))
      .set("previous_owner", string_or_null(p.previous_owner));
}
Value payload_fields(const FindingDueDateSet& p) {
  return Value::object()
      .set("finding_id", str(p.finding_id))
      .set("due_date", string_or_null(p.due_date))
      .set("previous_due_date", string_or_null(p.previous_due_date))
      .set("reason", string_or_null(p.reason));
}
Value payload_fields(const FindingStatusChanged& p) {
  return Value::object()
      .set("finding_id", str(p.finding_id))
      .set("from", str(name(p.from)))
      .set("to", str(name(p.to)))
      .set("reason", string_or_null(p.reason));
}
Value payload_fields(const RiskAccepted& p) {
  return Value::object()
      .set("finding_id", str(p.finding_id))
      .set("justification", str(p.justification))
      .set("expires_on", str(p.expires_on))
      .set("from", str(name(p.from)));
}
Value payload_fields(const CommentAdded& p) {
  return Value::object().set("finding_id", str(p.finding_id)).set("text", str(p.text));
}

// Evidence.
Value payload_fields(const EvidenceUploaded& p) {
  return Value::object()
      .set("evidence_id", str(p.evidence_id))
      .set("filename", str(p.filename))
      .set("media_type", str(p.media_type))
      .set("sha256", str(p.sha256))
      .set("size", Value::integer(static_cast<int64_t>(p.size)))
      .set("collected_on", string_or_null(p.collected_on))
      .set("valid_until", string_or_null(p.valid_until));
}
Value payload_fields(const EvidenceLinked& p) {
  return link_json(p.evidence_id, p.finding_id, p.control_id);
}
Value payload_fields(const EvidenceUnlinked& p) {
  return link_json(p.evidence_id, p.finding_id, p.control_id);
}

}  // namespace

Value payload_json(const Payload& payload) {
  return std::visit([](const auto& p) { return payload_fields(p); }, payload);
}

Value event_json(const Event& e, const Hash& leaf_hash) {
  return Value::object()
      .set("seq", Value::integer(static_cast<int64_t>(e.seq)))
      .set("stream", str(e.stream))
      .set("version", count(e.version))
      .set("id", Value::string(to_string(e.id)))
      .set("type", str(event_type_name(e.payload)))
      .set("recorded_at", Value::string(format_timestamp(e.recorded_at)))
      .set("occurred_at", Value::string(format_timestamp(e.occurred_at)))
      .set("backfilled", Value::boolean(is_backfilled(e)))
      .set("actor", str(e.actor))
      .set("data", payload_json(e.payload))
      .set("leaf_hash", Value::string(hash_hex(leaf_hash)));
}

Value tree_head_json(const StoredTreeHead& head, const std::string& public_key_pem) {
  return Value::object()
      .set("tree_size", Value::integer(static_cast<int64_t>(head.tree_size)))
      .set("root_hash", Value::string(hash_hex(head.root)))
      .set("timestamp", Value::string(format_timestamp(head.timestamp)))
      .set("signature", Value::string(to_hex(head.signature)))
      .set("public_key", Value::string(public_key_pem));
}

Value hash_list_json(const std::vector<Hash>& hashes) {
  Value a = Value::array();
  for (const Hash& h : hashes) a.push(Value::string(hash_hex(h)));
  return a;
}

}  // namespace gaplog
