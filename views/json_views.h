// The JSON shapes of SPEC §6: entities, projections, events and proofs as json::Values.
// Field names are snake_case; optional values are null rather than absent; dates are
// "YYYY-MM-DD", instants RFC 3339 UTC, hashes lowercase hex. Pure functions of their inputs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codec/json.h"
#include "domain/event.h"
#include "domain/readiness.h"
#include "domain/state.h"
#include "domain/transitions.h"
#include "projections/program_history.h"
#include "store/event_log.h"

namespace gaplog {

// {id, title, description, severity, status, criteria, control, source, owner, due_date,
//  risk_acceptance, evidence, overdue, unresolved, acceptance_expired, recorded_on, version,
//  allowed_transitions}; overdue is evaluated at `d`. allowed_transitions lists the status
// changes open to `caller` now ([{to, reason_required}], domain/transitions.h); with no caller
// (a finding as of a past date, where nothing can change any more) it is empty.
json::Value finding_json(const ProgramState& s, const FindingState& f, Date d,
                         const UserState* caller = nullptr);
// {id, title, description, criteria, status, evidence, version}
json::Value control_json(const ProgramState& s, const ControlState& c, Date d);
json::Value control_test_json(const ControlTest& t);
// {id, filename, media_type, sha256, size, collected_on, valid_until, current, findings,
//  controls, uploaded_by, uploaded_at, version}; `current` is evaluated at `d`.
// `with_validity`: with expires_on and the validity per control (SPEC §12). The audit bundle's
// manifest leaves them out, so that older bundles still verify (export/audit_bundle.cc).
json::Value evidence_json(const ProgramState& s, const EvidenceState& e, Date d,
                          bool with_validity = true);
// {email, name, role, active, tokens:[{token_id, revoked}], version}
json::Value user_json(const ProgramState& s, const UserState& u);
// {name, categories, version}
json::Value scope_json(const ProgramState& s);

// {as_of, as_known_at, tree_size, overall, categories, criteria} (§6 readiness shape).
json::Value readiness_json(const Readiness& r, std::optional<Micros> known_at, uint64_t tree_size);
json::Value workloads_json(Date as_of, const std::vector<OwnerWorkload>& owners);
json::Value timeline_json(const Timeline& t);
json::Value roadmap_json(Date as_of, const std::vector<RoadmapMonth>& months);

// SPEC §13. The audit target {type, date, window_start, window_end, target} or null.
json::Value audit_json(const std::optional<AuditTarget>& a);
// {as_of, cells:[{likelihood, impact, risk_score, findings}] (likelihood 5→1, impact 1→5), unrated}
json::Value heat_map_json(Date as_of, const HeatMap& h);
// {id, title, kind, owner, document_version, approved_on, next_review_on, review_due, criteria,
//  reviews:[{n, outcome, reviewed_on, notes, next_review_on, reviewed_by, occurred_at, seq}],
//  latest_review, findings, recorded_by, recorded_on, version}; review_due: next_review_on <
// as_of; `document_version` is the document's own label (`version` in POST /documents),
// `version` its stream's, as for every entity.
json::Value document_json(const DocumentState& d, Date as_of, const FindingsByOrigin& findings);
// {id, stakeholder, stakeholder_role, held_on, interviewers, criteria, notes, findings,
//  recorded_by, recorded_on}
json::Value interview_json(const InterviewState& i, const FindingsByOrigin& findings);

// The payload of an event as an object ("data" in the events endpoint).
json::Value payload_json(const Payload& p);
// {seq, stream, version, id, type, recorded_at, occurred_at, backfilled, actor, data, leaf_hash}
json::Value event_json(const Event& e, const Hash& leaf_hash);

// A signed tree head as GET /api/v1/audit/tree-head and the audit bundle show it.
json::Value tree_head_json(const StoredTreeHead& head, const std::string& public_key_pem);
json::Value hash_list_json(const std::vector<Hash>& hashes);

// A list of strings as a JSON array.
json::Value string_list(const std::vector<std::string>& items);
// A string, or null when empty.
json::Value string_or_null(const std::string& s);

}  // namespace gaplog
