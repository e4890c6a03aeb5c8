// The files gaplog exchanges with other tools: the POA&M and the audit bundle for the CPA firm
// (SPEC §7), and the gap-assessment spreadsheet it imports (app/findings_import.h).
#include <fmt/format.h>

#include "api/handlers.h"
#include "app/findings_import.h"
#include "export/audit_bundle.h"
#include "export/poam.h"

namespace gaplog {

using json::Value;

namespace {

// The import's answer: 201 (200 for a dry run) with the findings, or, when any row cannot be
// imported, 422 (403 when every refusal is the caller's role) naming every such row.
ApiResponse import_report_json(const FindingsImportReport& report) {
  if (!report.problems.empty()) {
    Value rows = Value::array();
    for (const ImportProblem& p : report.problems) {
      rows.push(Value::object()
                    .set("line", Value::integer(static_cast<int64_t>(p.line)))
                    .set("message", Value::string(p.message)));
    }
    const Code code = report.forbidden ? Code::kPermissionDenied : Code::kRuleViolation;
    Value body = error_json(code_name(code),
                            fmt::format("{} of {} rows cannot be imported; nothing was imported. "
                                        "Fix the rows listed and import the file again",
                                        report.problems.size(), report.records));
    body.find("error")->set("rows", std::move(rows));
    return json_response(http_status(code), body);
  }
  Value findings = Value::array();
  for (const FindingsImportReport::Imported& row : report.rows) {
    Value v =
        Value::object()
            .set("line", Value::integer(static_cast<int64_t>(row.line)))
            .set("reference", row.reference.empty() ? Value::null() : Value::string(row.reference))
            .set("title", Value::string(row.title))
            .set("severity", Value::string(row.severity));
    if (row.id) v.set("id", Value::string(*row.id));
    findings.push(std::move(v));
  }
  Value ids = Value::array();
  for (const std::string& id : report.ids) ids.push(Value::string(id));
  Value body = Value::object()
                   .set("dry_run", Value::boolean(report.dry_run))
                   .set("count", Value::integer(static_cast<int64_t>(report.ids.size())))
                   .set("ids", std::move(ids))
                   .set("findings", std::move(findings));
  if (report.seq) body.set("seq", Value::integer(static_cast<int64_t>(*report.seq)));
  return json_response(report.dry_run ? 200 : 201, body);
}

}  // namespace

Result<ApiResponse> get_poam(Call& call) {
  Backend& b = call.backend;
  return with_state(call, [&](const ProgramState& s, Date d, uint64_t seq) -> Result<ApiResponse> {
    PoamContext context{d, 0, seq, b.store.signer->public_key_pem()};
    if (seq > 0) {
      GAPLOG_ASSIGN_OR_RETURN(const Event last, b.store.log->read(seq));
      context.last_modified = last.recorded_at;
    }
    return json_response(200, poam_json(s, context));
  });
}

Result<ApiResponse> get_audit_bundle(Call& call) {
  Backend& b = call.backend;
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<Date> as_of, call.query.date("as_of"));
  GAPLOG_ASSIGN_OR_RETURN(
      PreparedBundle bundle,
      prepare_audit_bundle(*b.store.log, *b.store.blobs, *b.store.signer, b.clock, as_of));
  ApiResponse r;
  r.stream_size = bundle.size;
  r.stream = std::move(bundle.body);
  r.headers.emplace_back("Content-Type", "application/x-tar");
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"", bundle.file_name));
  r.headers.emplace_back("X-Gaplog-Tree-Size", std::to_string(bundle.head.tree_size));
  return r;
}

// The gap-assessment spreadsheet (docs/import.md): one finding per row, all or nothing.
Result<ApiResponse> post_findings_import(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<bool> dry_run, call.query.boolean("dry_run"));
  const std::string& csv = call.request.body;
  const uint64_t max_bytes = call.backend.options.max_json_bytes;
  if (csv.size() > max_bytes) {
    return too_large(
        fmt::format("the file is {} bytes; an import may be at most {}", csv.size(), max_bytes));
  }
  GAPLOG_ASSIGN_OR_RETURN(const FindingsSheet sheet,
                          read_findings_sheet(csv, call.query.all("ignore_column")));
  // X-Occurred-At back-fills every finding of the file; an Idempotency-Key makes a retry safe.
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options,
                          batch_command_options(call.request, "an import creates findings"));
  GAPLOG_ASSIGN_OR_RETURN(
      const FindingsImportReport report,
      import_findings(call.backend.commands, call.actor, sheet, dry_run.value_or(false), options));
  return import_report_json(report);
}

}  // namespace gaplog
