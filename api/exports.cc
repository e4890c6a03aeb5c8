// The files gaplog exchanges with other tools: the POA&M and the audit bundle for the CPA firm
// (SPEC §7), the gap-assessment spreadsheet it imports (app/findings_import.h), and for
// management the findings spreadsheets and the report (SPEC §13).
#include <fmt/format.h>

#include "api/handlers.h"
#include "app/findings_import.h"
#include "export/audit_bundle.h"
#include "export/findings_sheet.h"
#include "export/poam.h"
#include "export/report.h"
#include "store/tree_head.h"
#include "views/json_views.h"

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

// A file to download: 200 with its type and the name to save it under.
ApiResponse attachment(std::string body, std::string_view content_type, const std::string& name) {
  ApiResponse r;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::string(content_type));
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  return r;
}

// The rows of the findings spreadsheets: every finding GET /findings would list with the same
// filters, as of the same date (no paging), as its JSON shows it.
using SheetWriter =
    std::function<Result<ApiResponse>(const std::vector<Value>& findings, Date as_of)>;
Result<ApiResponse> with_sheet_findings(Call& call, const SheetWriter& write) {
  GAPLOG_ASSIGN_OR_RETURN(const FindingFilter filter, finding_filter(call.query));
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    std::vector<Value> findings;
    PageRequest page{kMaxPageSize, ""};
    for (;;) {
      GAPLOG_ASSIGN_OR_RETURN(const Page<FindingState> p, list_findings(s, d, filter, page));
      for (const FindingState* f : p.items) findings.push_back(finding_json(s, *f, d));
      if (!p.next_after) break;
      page.after = *p.next_after;
    }
    return write(findings, d);
  });
}

// The figures of the report as of `as_of`, from the log as it stands. The timeline and the state
// are two reads of a log that may grow between them: the report is gathered again (a few times
// at most) until the log had the same size before and after, so that every figure and the tree
// head describe the same events.
Result<ManagementReport> gather_report(Backend& b, const AsOf& as_of) {
  GAPLOG_ASSIGN_OR_RETURN(const Date from,
                          default_timeline_from(b, as_of.date, kDefaultTimelineStep));
  ManagementReport r;
  r.as_of = as_of.date;
  uint64_t size = 0;
  for (int attempt = 0;; ++attempt) {
    const uint64_t before = b.store.log->last_seq();
    GAPLOG_ASSIGN_OR_RETURN(
        r.timeline, b.history.timeline(from, as_of.date, kDefaultTimelineStep, std::nullopt));
    GAPLOG_ASSIGN_OR_RETURN(const ProgramState s, b.history.state_at(as_of));
    size = b.store.log->last_seq();
    r.program_name = s.name;
    r.readiness = readiness_at(s, as_of.date);
    r.heat_map = heat_map_at(s, as_of.date);
    r.workloads = workloads_at(s, as_of.date);
    r.roadmap = roadmap_at(s, as_of.date);
    r.names.clear();
    for (const auto& [email, u] : s.users) r.names[email] = u.name;
    if (size == before) break;
    if (attempt == 4) {
      return unavailable(
          "the log grew while the report was being gathered, five times in a row; ask again "
          "in a moment");
    }
  }
  GAPLOG_ASSIGN_OR_RETURN(r.tree_head,
                          tree_head_for_size(*b.store.log, *b.store.signer, b.clock, size));
  r.generated_at = b.clock.now();
  return r;
}

}  // namespace

Result<ApiResponse> get_report(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  GAPLOG_ASSIGN_OR_RETURN(const ManagementReport report, gather_report(call.backend, as_of));
  return attachment(management_report_html(report), "text/html; charset=utf-8",
                    fmt::format("gaplog-report-{}.html", format_date(as_of.date)));
}

Result<ApiResponse> get_findings_csv(Call& call) {
  return with_sheet_findings(call, [](const std::vector<Value>& findings, Date d) {
    return attachment(findings_csv(findings), "text/csv; charset=utf-8",
                      fmt::format("gaplog-findings-{}.csv", format_date(d)));
  });
}

Result<ApiResponse> get_findings_xlsx(Call& call) {
  const Micros now = call.backend.clock.now();
  return with_sheet_findings(
      call, [&](const std::vector<Value>& findings, Date d) -> Result<ApiResponse> {
        GAPLOG_ASSIGN_OR_RETURN(std::string xlsx, findings_xlsx(findings, now));
        return attachment(std::move(xlsx),
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          fmt::format("gaplog-findings-{}.xlsx", format_date(d)));
      });
}

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
