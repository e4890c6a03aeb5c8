#include "projections/state_codec.h"

namespace gaplog {
namespace {

// Dates are kept as their text ("" = none), as before they were parsed in the state: the
// checkpoint's format did not change.
Status read_date(ByteReader& r, std::optional<Date>& date) {
  std::string text;
  GAPLOG_RETURN_IF_ERROR(r.str(text));
  date = optional_date(text);
  return Status::ok();
}

void write_set(ByteWriter& w, const std::set<std::string>& s) {
  w.strs(std::vector<std::string>(s.begin(), s.end()));
}
Status read_set(ByteReader& r, std::set<std::string>& s) {
  std::vector<std::string> v;
  GAPLOG_RETURN_IF_ERROR(r.strs(v));
  s = std::set<std::string>(v.begin(), v.end());
  return Status::ok();
}

// One function per map: count, then key and fields of each entry.
template <typename Map, typename WriteItem>
void write_map(ByteWriter& w, const Map& m, WriteItem write_item) {
  w.pod(static_cast<uint32_t>(m.size()));
  for (const auto& [k, v] : m) {
    w.str(k);
    write_item(v);
  }
}
template <typename Map, typename ReadItem>
Status read_map(ByteReader& r, Map& m, ReadItem read_item) {
  uint32_t n = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(n, 4));
  m.clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string key;
    GAPLOG_RETURN_IF_ERROR(r.str(key));
    GAPLOG_RETURN_IF_ERROR(read_item(m[key]));
  }
  return Status::ok();
}

}  // namespace

namespace {
void write_finding(ByteWriter& w, const FindingState& f) {
  w.str(f.id);
  w.str(f.title);
  w.str(f.description);
  w.pod(f.severity);
  w.pod(f.status);
  w.strs(f.criteria);
  w.str(f.control);
  w.str(f.owner);
  w.str(format_optional_date(f.due_date));
  w.str(f.recommendation);
  w.pod(f.source);
  w.flag(f.risk_acceptance.has_value());
  if (f.risk_acceptance) {
    w.str(f.risk_acceptance->justification);
    w.str(format_optional_date(f.risk_acceptance->expires_on));
    w.str(f.risk_acceptance->approved_by);
  }
  w.pod(f.recorded_on);
  w.pod(f.version);
  w.pod(f.recorded_at);
  w.str(f.remediated_by);
  w.str(f.owner_when_remediated);
  w.pod(f.changed_on);
  w.str(format_optional_date(f.overdue_run_before));
  w.str(f.origin);
  w.pod(f.likelihood);
  w.pod(f.impact);
}

// The assessment (SPEC §13); read back by read_assessment.
void write_assessment(ByteWriter& w, const ProgramState& s) {
  write_map(w, s.documents, [&](const DocumentState& d) {
    w.strs({d.id, d.title, d.owner, d.document_version, format_optional_date(d.approved_on),
            format_optional_date(d.next_review_on), d.recorded_by});
    w.pod(d.kind);
    w.strs(d.criteria);
    w.pod(d.recorded_at);
    w.pod(d.version);
    w.pod(static_cast<uint32_t>(d.reviews.size()));
    for (const DocumentReview& r : d.reviews) {
      w.pod(r.outcome);
      w.pod(r.reviewed_on.days);
      w.strs({r.notes, format_optional_date(r.next_review_on), r.reviewed_by});
      w.pod(r.occurred_at);
      w.pod(r.seq);
    }
  });
  write_map(w, s.interviews, [&](const InterviewState& i) {
    w.strs({i.id, i.stakeholder, i.stakeholder_role, i.notes, i.recorded_by});
    w.pod(i.held_on.days);
    w.strs(i.interviewers);
    w.strs(i.criteria);
    w.pod(i.recorded_at);
  });
  w.flag(s.audit.has_value());
  const AuditTarget audit = s.audit.value_or(AuditTarget{});
  w.pod(audit.type);
  w.pod(audit.date.days);
  w.pod(audit.window_start.days);
  w.pod(audit.window_end.days);
  w.pod(s.documents_recorded);
  w.pod(s.interviews_recorded);
}

// Webhooks and the sent reminders (SPEC §11); read back by read_webhook and read_notifications.
void write_reminders(ByteWriter& w, const ProgramState& s) {
  write_map(w, s.webhooks, [&](const WebhookState& h) {
    w.str(h.id);
    w.str(h.url);
    w.strs(h.kinds);
    w.flag(h.removed);
    w.str(h.added_by);
    w.pod(h.added_at);
    w.pod(h.version);
  });
  w.pod(static_cast<uint32_t>(s.notifications.size()));
  for (const SentNotification& n : s.notifications) {
    w.strs({n.kind, n.recipient, n.subject, n.day, n.message_id});
    w.pod(n.seq);
    w.pod(n.sent_at);
  }
  w.pod(s.notifications_version);
}
}  // namespace

void write_state(ByteWriter& w, const ProgramState& s) {
  w.str(s.name);
  w.pod(static_cast<uint32_t>(s.scope.size()));
  for (Category c : s.scope) w.pod(c);
  w.pod(s.program_version);
  write_map(w, s.users, [&](const UserState& u) {
    w.str(u.email);
    w.str(u.name);
    w.pod(u.role);
    w.flag(u.active);
    w.pod(u.version);
    w.pod(u.added_at);
    w.flag(u.deactivated_at.has_value());
    w.pod(u.deactivated_at.value_or(0));
    w.flag(u.last_signed_in_at.has_value());
    w.pod(u.last_signed_in_at.value_or(0));
    w.flag(u.email_reminders);
    w.flag(u.digest);
  });
  write_map(w, s.tokens, [&](const TokenState& t) {
    w.str(t.token_id);
    w.str(t.email);
    w.str(t.token_hash);
    w.flag(t.revoked);
    w.str(format_optional_date(t.expires_on));
    w.str(t.issued_by);
    w.pod(t.issued_at);
  });
  write_map(w, s.token_ids_by_hash, [&](const std::string& id) { w.str(id); });
  write_map(w, s.controls, [&](const ControlState& c) {
    w.str(c.id);
    w.str(c.title);
    w.str(c.description);
    w.strs(c.criteria);
    w.pod(c.status);
    w.pod(c.version);
    w.pod(c.defined_at);
    w.str(c.owner);
    w.pod(c.evidence_every);
    w.pod(static_cast<uint32_t>(c.tests.size()));
    for (const ControlTest& t : c.tests) {
      w.pod(t.kind);
      w.pod(t.tested_on.days);
      w.pod(t.result);
      w.str(t.notes);
      w.strs(t.evidence);
      w.str(t.tested_by);
      w.pod(t.occurred_at);
      w.pod(t.seq);
    }
  });
  write_map(w, s.findings, [&](const FindingState& f) { write_finding(w, f); });
  write_map(w, s.evidence, [&](const EvidenceState& e) {
    w.str(e.id);
    w.str(e.filename);
    w.str(e.media_type);
    w.str(e.sha256);
    w.pod(e.size);
    w.str(format_optional_date(e.collected_on));
    w.str(format_optional_date(e.valid_until));
    write_set(w, e.findings);
    write_set(w, e.controls);
    w.str(e.uploaded_by);
    w.pod(e.uploaded_at);
    w.pod(e.version);
  });
  write_map(w, s.evidence_by_finding, [&](const std::set<std::string>& ids) { write_set(w, ids); });
  write_reminders(w, s);
  write_assessment(w, s);
  w.pod(s.findings_recorded);
  w.pod(s.evidence_uploaded);
  w.pod(s.last_seq);
}

namespace {

// One reader per entity, in the order write_state writes its fields.
Status read_user(ByteReader& r, UserState& u) {
  GAPLOG_RETURN_IF_ERROR(r.str(u.email));
  GAPLOG_RETURN_IF_ERROR(r.str(u.name));
  GAPLOG_RETURN_IF_ERROR(r.pod(u.role));
  GAPLOG_RETURN_IF_ERROR(r.flag(u.active));
  GAPLOG_RETURN_IF_ERROR(r.pod(u.version));
  GAPLOG_RETURN_IF_ERROR(r.pod(u.added_at));
  bool deactivated = false;
  Micros deactivated_at = 0;
  GAPLOG_RETURN_IF_ERROR(r.flag(deactivated));
  GAPLOG_RETURN_IF_ERROR(r.pod(deactivated_at));
  if (deactivated) u.deactivated_at = deactivated_at;
  bool signed_in = false;
  Micros signed_in_at = 0;
  GAPLOG_RETURN_IF_ERROR(r.flag(signed_in));
  GAPLOG_RETURN_IF_ERROR(r.pod(signed_in_at));
  if (signed_in) u.last_signed_in_at = signed_in_at;
  GAPLOG_RETURN_IF_ERROR(r.flag(u.email_reminders));
  return r.flag(u.digest);
}

Status read_token(ByteReader& r, TokenState& t) {
  GAPLOG_RETURN_IF_ERROR(r.str(t.token_id));
  GAPLOG_RETURN_IF_ERROR(r.str(t.email));
  GAPLOG_RETURN_IF_ERROR(r.str(t.token_hash));
  GAPLOG_RETURN_IF_ERROR(r.flag(t.revoked));
  GAPLOG_RETURN_IF_ERROR(read_date(r, t.expires_on));
  GAPLOG_RETURN_IF_ERROR(r.str(t.issued_by));
  return r.pod(t.issued_at);
}

Status read_control(ByteReader& r, ControlState& c) {
  GAPLOG_RETURN_IF_ERROR(r.str(c.id));
  GAPLOG_RETURN_IF_ERROR(r.str(c.title));
  GAPLOG_RETURN_IF_ERROR(r.str(c.description));
  GAPLOG_RETURN_IF_ERROR(r.strs(c.criteria));
  GAPLOG_RETURN_IF_ERROR(r.pod(c.status));
  GAPLOG_RETURN_IF_ERROR(r.pod(c.version));
  GAPLOG_RETURN_IF_ERROR(r.pod(c.defined_at));
  GAPLOG_RETURN_IF_ERROR(r.str(c.owner));
  GAPLOG_RETURN_IF_ERROR(r.pod(c.evidence_every));
  uint32_t n = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(n, 8));
  c.tests.resize(n);
  for (ControlTest& t : c.tests) {
    GAPLOG_RETURN_IF_ERROR(r.pod(t.kind));
    GAPLOG_RETURN_IF_ERROR(r.pod(t.tested_on.days));
    GAPLOG_RETURN_IF_ERROR(r.pod(t.result));
    GAPLOG_RETURN_IF_ERROR(r.str(t.notes));
    GAPLOG_RETURN_IF_ERROR(r.strs(t.evidence));
    GAPLOG_RETURN_IF_ERROR(r.str(t.tested_by));
    GAPLOG_RETURN_IF_ERROR(r.pod(t.occurred_at));
    GAPLOG_RETURN_IF_ERROR(r.pod(t.seq));
  }
  return Status::ok();
}

// A flag, then the acceptance when the flag is set.
Status read_risk_acceptance(ByteReader& r, std::optional<RiskAcceptanceState>& acceptance) {
  bool accepted = false;
  GAPLOG_RETURN_IF_ERROR(r.flag(accepted));
  if (accepted) {
    RiskAcceptanceState ra;
    GAPLOG_RETURN_IF_ERROR(r.str(ra.justification));
    GAPLOG_RETURN_IF_ERROR(read_date(r, ra.expires_on));
    GAPLOG_RETURN_IF_ERROR(r.str(ra.approved_by));
    acceptance = std::move(ra);
  }
  return Status::ok();
}

Status read_finding(ByteReader& r, FindingState& f) {
  GAPLOG_RETURN_IF_ERROR(r.str(f.id));
  GAPLOG_RETURN_IF_ERROR(r.str(f.title));
  GAPLOG_RETURN_IF_ERROR(r.str(f.description));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.severity));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.status));
  GAPLOG_RETURN_IF_ERROR(r.strs(f.criteria));
  GAPLOG_RETURN_IF_ERROR(r.str(f.control));
  GAPLOG_RETURN_IF_ERROR(r.str(f.owner));
  GAPLOG_RETURN_IF_ERROR(read_date(r, f.due_date));
  GAPLOG_RETURN_IF_ERROR(r.str(f.recommendation));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.source));
  GAPLOG_RETURN_IF_ERROR(read_risk_acceptance(r, f.risk_acceptance));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.recorded_on));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.version));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.recorded_at));
  GAPLOG_RETURN_IF_ERROR(r.str(f.remediated_by));
  GAPLOG_RETURN_IF_ERROR(r.str(f.owner_when_remediated));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.changed_on));
  GAPLOG_RETURN_IF_ERROR(read_date(r, f.overdue_run_before));
  GAPLOG_RETURN_IF_ERROR(r.str(f.origin));
  GAPLOG_RETURN_IF_ERROR(r.pod(f.likelihood));
  return r.pod(f.impact);
}

// Strings written with w.strs() as a fixed number of fields.
Status read_fields(ByteReader& r, size_t n, std::vector<std::string>& fields) {
  GAPLOG_RETURN_IF_ERROR(r.strs(fields));
  if (fields.size() != n) return corruption("a checkpoint record has the wrong number of fields");
  return Status::ok();
}

Status read_document(ByteReader& r, DocumentState& d) {
  std::vector<std::string> f;
  GAPLOG_RETURN_IF_ERROR(read_fields(r, 7, f));
  d.id = f[0];
  d.title = f[1];
  d.owner = f[2];
  d.document_version = f[3];
  d.approved_on = optional_date(f[4]);
  d.next_review_on = optional_date(f[5]);
  d.recorded_by = f[6];
  GAPLOG_RETURN_IF_ERROR(r.pod(d.kind));
  GAPLOG_RETURN_IF_ERROR(r.strs(d.criteria));
  GAPLOG_RETURN_IF_ERROR(r.pod(d.recorded_at));
  GAPLOG_RETURN_IF_ERROR(r.pod(d.version));
  uint32_t n = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(n, 8));
  d.reviews.resize(n);
  for (DocumentReview& review : d.reviews) {
    GAPLOG_RETURN_IF_ERROR(r.pod(review.outcome));
    GAPLOG_RETURN_IF_ERROR(r.pod(review.reviewed_on.days));
    GAPLOG_RETURN_IF_ERROR(read_fields(r, 3, f));
    review.notes = f[0];
    review.next_review_on = optional_date(f[1]);
    review.reviewed_by = f[2];
    GAPLOG_RETURN_IF_ERROR(r.pod(review.occurred_at));
    GAPLOG_RETURN_IF_ERROR(r.pod(review.seq));
  }
  return Status::ok();
}

Status read_interview(ByteReader& r, InterviewState& i) {
  std::vector<std::string> f;
  GAPLOG_RETURN_IF_ERROR(read_fields(r, 5, f));
  i.id = f[0];
  i.stakeholder = f[1];
  i.stakeholder_role = f[2];
  i.notes = f[3];
  i.recorded_by = f[4];
  GAPLOG_RETURN_IF_ERROR(r.pod(i.held_on.days));
  GAPLOG_RETURN_IF_ERROR(r.strs(i.interviewers));
  GAPLOG_RETURN_IF_ERROR(r.strs(i.criteria));
  return r.pod(i.recorded_at);
}

Status read_assessment(ByteReader& r, ProgramState& s) {
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.documents, [&](DocumentState& d) { return read_document(r, d); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.interviews, [&](InterviewState& i) { return read_interview(r, i); }));
  bool has_audit = false;
  AuditTarget audit;
  GAPLOG_RETURN_IF_ERROR(r.flag(has_audit));
  GAPLOG_RETURN_IF_ERROR(r.pod(audit.type));
  GAPLOG_RETURN_IF_ERROR(r.pod(audit.date.days));
  GAPLOG_RETURN_IF_ERROR(r.pod(audit.window_start.days));
  GAPLOG_RETURN_IF_ERROR(r.pod(audit.window_end.days));
  if (has_audit) s.audit = audit;
  GAPLOG_RETURN_IF_ERROR(r.pod(s.documents_recorded));
  return r.pod(s.interviews_recorded);
}

Status read_webhook(ByteReader& r, WebhookState& h) {
  GAPLOG_RETURN_IF_ERROR(r.str(h.id));
  GAPLOG_RETURN_IF_ERROR(r.str(h.url));
  GAPLOG_RETURN_IF_ERROR(r.strs(h.kinds));
  GAPLOG_RETURN_IF_ERROR(r.flag(h.removed));
  GAPLOG_RETURN_IF_ERROR(r.str(h.added_by));
  GAPLOG_RETURN_IF_ERROR(r.pod(h.added_at));
  return r.pod(h.version);
}

// The sent reminders in log order; their keys and the index by subject are derived from them.
Status read_notifications(ByteReader& r, ProgramState& s) {
  uint32_t n = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(n, 4));
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<std::string> fields;
    GAPLOG_RETURN_IF_ERROR(r.strs(fields));
    if (fields.size() != 5) return corruption("a sent notification has 5 fields");
    SentNotification sent{fields[0], fields[1], fields[2], fields[3], fields[4]};
    GAPLOG_RETURN_IF_ERROR(r.pod(sent.seq));
    GAPLOG_RETURN_IF_ERROR(r.pod(sent.sent_at));
    s.notification_keys.insert(notification_key(sent.kind, sent.subject, sent.recipient, sent.day));
    s.notifications_by_subject[sent.subject].push_back(s.notifications.size());
    s.notifications.push_back(std::move(sent));
  }
  return r.pod(s.notifications_version);
}

Status read_evidence(ByteReader& r, EvidenceState& e) {
  GAPLOG_RETURN_IF_ERROR(r.str(e.id));
  GAPLOG_RETURN_IF_ERROR(r.str(e.filename));
  GAPLOG_RETURN_IF_ERROR(r.str(e.media_type));
  GAPLOG_RETURN_IF_ERROR(r.str(e.sha256));
  GAPLOG_RETURN_IF_ERROR(r.pod(e.size));
  GAPLOG_RETURN_IF_ERROR(read_date(r, e.collected_on));
  GAPLOG_RETURN_IF_ERROR(read_date(r, e.valid_until));
  GAPLOG_RETURN_IF_ERROR(read_set(r, e.findings));
  GAPLOG_RETURN_IF_ERROR(read_set(r, e.controls));
  GAPLOG_RETURN_IF_ERROR(r.str(e.uploaded_by));
  GAPLOG_RETURN_IF_ERROR(r.pod(e.uploaded_at));
  return r.pod(e.version);
}

}  // namespace

Status read_state(ByteReader& r, ProgramState& s) {
  s = ProgramState{};
  GAPLOG_RETURN_IF_ERROR(r.str(s.name));
  uint32_t scope = 0;
  GAPLOG_RETURN_IF_ERROR(r.count(scope, sizeof(Category)));
  s.scope.resize(scope);
  for (Category& c : s.scope) GAPLOG_RETURN_IF_ERROR(r.pod(c));
  GAPLOG_RETURN_IF_ERROR(r.pod(s.program_version));
  GAPLOG_RETURN_IF_ERROR(read_map(r, s.users, [&](UserState& u) { return read_user(r, u); }));
  GAPLOG_RETURN_IF_ERROR(read_map(r, s.tokens, [&](TokenState& t) { return read_token(r, t); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.token_ids_by_hash, [&](std::string& id) { return r.str(id); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.controls, [&](ControlState& c) { return read_control(r, c); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.findings, [&](FindingState& f) { return read_finding(r, f); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.evidence, [&](EvidenceState& e) { return read_evidence(r, e); }));
  GAPLOG_RETURN_IF_ERROR(read_map(r, s.evidence_by_finding,
                                  [&](std::set<std::string>& ids) { return read_set(r, ids); }));
  GAPLOG_RETURN_IF_ERROR(
      read_map(r, s.webhooks, [&](WebhookState& h) { return read_webhook(r, h); }));
  GAPLOG_RETURN_IF_ERROR(read_notifications(r, s));
  GAPLOG_RETURN_IF_ERROR(read_assessment(r, s));
  GAPLOG_RETURN_IF_ERROR(r.pod(s.findings_recorded));
  GAPLOG_RETURN_IF_ERROR(r.pod(s.evidence_uploaded));
  return r.pod(s.last_seq);
}

}  // namespace gaplog
