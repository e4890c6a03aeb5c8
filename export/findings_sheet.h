// The findings spreadsheet (SPEC §13, docs/reports.md): one row per finding with every field of
// its JSON (views/json_views.h finding_json), as CSV and as an Excel workbook (.xlsx). The API
// serves both (GET /api/v1/export/findings.csv and .xlsx); `gaplog export findings` writes them.
//
// The columns, in this order, with the finding JSON field each comes from:
//   id, title, description, recommendation, severity, status, criteria, control, source,
//   origin, owner, due_date, likelihood, impact, risk_score, overdue, unresolved,
//   acceptance_expired, risk_acceptance_justification (risk_acceptance.justification),
//   risk_acceptance_expires_on (.expires_on), risk_acceptance_approved_by (.approved_by),
//   evidence, recorded_on, version.
// A field that is null or missing is an empty cell; a list (criteria, evidence) is one cell, its
// items joined with "; ".
//
// Pure functions of their inputs: the same findings give the same bytes. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "codec/json.h"
#include "domain/status.h"
#include "domain/time.h"

namespace gaplog {

// What a cell holds: nothing, text, a number (whole, or a double for a fraction), a boolean or a
// date. The date columns (due_date, risk_acceptance_expires_on, recorded_on) hold a Date when
// their JSON value is a "YYYY-MM-DD" string; any other string is text, a JSON number a number, a
// JSON boolean a boolean.
using SheetCell = std::variant<std::monostate, std::string, int64_t, double, bool, Date>;

// The header row: the column names above, in order.
const std::vector<std::string_view>& findings_sheet_columns();

// The cells of one finding's row, one per column.
std::vector<SheetCell> findings_sheet_row(const json::Value& finding);

// RFC 4180 with CRLF line ends, UTF-8 without a byte order mark: the header row, then one row
// per finding in the order given. Booleans are true/false, dates YYYY-MM-DD, empty cells empty.
std::string findings_csv(const std::vector<json::Value>& findings);

// An .xlsx workbook (Office Open XML) with one sheet, "Findings": the header row in bold and
// frozen (the data scrolls under it), an autofilter over the header and every data row, dates as
// Excel dates shown yyyy-mm-dd, numbers as numbers, booleans as booleans, text as text (never a
// formula), fixed column widths (title and description wide; no wrapping). `created` is the
// workbook's creation time in its properties, so that the same findings and time give the same
// bytes. In text, every line break (CRLF, CR) is an LF, as Excel breaks lines in a cell; text
// longer than Excel's 32,767-character cell limit is cut there, at a character boundary.
// kInternal when libxlsxwriter fails.
Result<std::string> findings_xlsx(const std::vector<json::Value>& findings, Micros created);

}  // namespace gaplog
