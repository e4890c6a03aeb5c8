// The handlers of the API's routes (api/routes.cc), one file per resource. Each is called by the
// dispatcher once the request is authenticated, routed and allowed for the caller's role, and
// answers with the response or the Status that stands in its place (never an error response of
// its own making, but for the import's report of refused rows). Internal to api/.
#pragma once

#include <memory>
#include <optional>

#include "api/call.h"

namespace gaplog {

// api/openapi.cc: GET /api/v1/openapi.json, when reached through the route table (the dispatcher
// serves it before authentication; see api/openapi.h).
Result<ApiResponse> get_openapi(Call& call);

// api/program_views.cc: the catalog, the program and its scope, and the projections of SPEC §5.
Result<ApiResponse> get_criteria(Call& call);
Result<ApiResponse> get_program(Call& call);
Result<ApiResponse> put_program(Call& call);
Result<ApiResponse> get_scope(Call& call);
Result<ApiResponse> put_scope(Call& call);
Result<ApiResponse> get_readiness(Call& call);
// The current readiness from memory, while it is current and its lock is free (try_quick).
std::optional<ApiResponse> quick_readiness(Backend& backend);
Result<ApiResponse> get_workloads(Call& call);
Result<ApiResponse> get_timeline(Call& call);
// The days between the points of GET /timeline when `step` is not given.
inline constexpr int kDefaultTimelineStep = 7;
// The first day of GET /timeline when `from` is not given: the day of the log's earliest event
// (`to` when the log is empty or starts later), or later when that would make more than
// kMaxTimelinePoints points of `step` days up to `to`.
Result<Date> default_timeline_from(Backend& backend, Date to, int step);
Result<ApiResponse> get_roadmap(Call& call);

// api/backups.cc (SPEC §14): take a backup now; the backups' status. Admins only.
Result<ApiResponse> post_backup(Call& call);
Result<ApiResponse> get_backups(Call& call);

// api/users.cc: users and their API tokens.
Result<ApiResponse> get_me(Call& call);
// Tokens (SPEC §10): a user's own (me/tokens), everyone's for admins (tokens?user=).
Result<ApiResponse> post_my_token(Call& call);
Result<ApiResponse> list_my_tokens(Call& call);
Result<ApiResponse> list_tokens(Call& call);
Result<ApiResponse> post_user(Call& call);
Result<ApiResponse> list_users(Call& call);
Result<ApiResponse> get_user(Call& call);
Result<ApiResponse> post_user_role(Call& call);
Result<ApiResponse> post_user_deactivate(Call& call);
Result<ApiResponse> post_user_token(Call& call);
Result<ApiResponse> delete_token(Call& call);

// api/controls.cc
Result<ApiResponse> post_control(Call& call);
Result<ApiResponse> list_controls(Call& call);
Result<ApiResponse> post_control_test(Call& call);
Result<ApiResponse> get_control_tests(Call& call);
Result<ApiResponse> get_control_history(Call& call);
Result<ApiResponse> get_control(Call& call);
Result<ApiResponse> patch_control(Call& call);
Result<ApiResponse> post_control_status(Call& call);

// api/findings.cc
// The filters of GET /findings (status, owner, severity, criterion, overdue, q), which the
// findings spreadsheets take too; 400 naming a bad value.
Result<FindingFilter> finding_filter(const Query& q);
Result<ApiResponse> post_finding(Call& call);
Result<ApiResponse> list_findings(Call& call);
// All or nothing, one event per finding (SPEC §12).
Result<ApiResponse> post_findings_bulk(Call& call);
Result<ApiResponse> get_finding(Call& call);
Result<ApiResponse> get_finding_history(Call& call);
Result<ApiResponse> patch_finding(Call& call);
Result<ApiResponse> post_finding_assign(Call& call);
Result<ApiResponse> post_finding_due_date(Call& call);
Result<ApiResponse> post_finding_status(Call& call);
Result<ApiResponse> post_finding_risk(Call& call);
Result<ApiResponse> post_finding_comment(Call& call);

// api/evidence.cc
Result<ApiResponse> list_evidence(Call& call);
Result<ApiResponse> get_evidence(Call& call);
Result<ApiResponse> get_evidence_content(Call& call);
Result<ApiResponse> post_evidence_link(Call& call);
Result<ApiResponse> post_evidence_unlink(Call& call);
// POST /evidence: checks everything but the bytes (file name, declared length, links, dates,
// the caller's rights) and returns the sink that streams the body to the blob store and records
// the evidence once it is complete. Its answers go through answer() (api/responses.h).
Result<std::unique_ptr<UploadSink>> begin_evidence_upload(Call& call);

// api/assessment.cc: the assessment, the risk heat map and the audit date (SPEC §13).
Result<ApiResponse> post_document(Call& call);
Result<ApiResponse> list_documents(Call& call);
Result<ApiResponse> get_document(Call& call);
Result<ApiResponse> post_document_review(Call& call);
Result<ApiResponse> post_interview(Call& call);
Result<ApiResponse> list_interviews(Call& call);
Result<ApiResponse> get_interview(Call& call);
Result<ApiResponse> get_assessment(Call& call);
Result<ApiResponse> get_heatmap(Call& call);
Result<ApiResponse> put_audit(Call& call);

// api/audit.cc: the log, its tree heads and proofs.
Result<ApiResponse> get_events(Call& call);
Result<ApiResponse> get_tree_head(Call& call);
Result<ApiResponse> get_inclusion(Call& call);
Result<ApiResponse> get_consistency(Call& call);
Result<ApiResponse> get_verify(Call& call);

// api/exports.cc: the files exchanged with other tools: the audit bundle and the POA&M out
// (SPEC §7), the gap-assessment spreadsheet in (docs/import.md), the management report and the
// findings spreadsheets out (SPEC §13).
Result<ApiResponse> get_poam(Call& call);
Result<ApiResponse> get_audit_bundle(Call& call);
Result<ApiResponse> post_findings_import(Call& call);
// For management (SPEC §13): the report (HTML) and the findings spreadsheets (CSV, XLSX).
Result<ApiResponse> get_report(Call& call);
Result<ApiResponse> get_findings_csv(Call& call);
Result<ApiResponse> get_findings_xlsx(Call& call);

// api/reminders.cc: reminders (SPEC §11).
Result<ApiResponse> get_my_notifications(Call& call);
Result<ApiResponse> put_my_notifications(Call& call);
Result<ApiResponse> list_webhooks(Call& call);
Result<ApiResponse> post_webhook(Call& call);
Result<ApiResponse> delete_webhook(Call& call);
Result<ApiResponse> list_notifications(Call& call);
Result<ApiResponse> list_deliveries(Call& call);
Result<ApiResponse> get_due_notifications(Call& call);
Result<ApiResponse> post_notifications_run(Call& call);

}  // namespace gaplog
