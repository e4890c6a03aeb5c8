// CSV (RFC 4180): a writer for the findings spreadsheet (export/findings_sheet.h) and a strict
// reader for the gap-assessment spreadsheet import.
//
// The reader: fields separated by commas, optionally quoted with '"' (a quote inside a quoted
// field is doubled), quoted fields may hold commas and line breaks; lines end with LF or CRLF; a
// UTF-8 byte order mark at the start is skipped. Each record remembers the line it starts on, for
// error messages.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace gaplog {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

// Appends one record to `out` as RFC 4180 writes it: fields separated by commas, a field quoted
// ('"') when it holds a comma, a quote, CR or LF, a quote inside it doubled, and CRLF after the
// last field. Bytes are copied as they are (UTF-8 in, UTF-8 out; no byte order mark is ever
// added). parse_csv reads the fields back unchanged.
void append_csv_record(std::string& out, const std::vector<std::string>& fields);

// kInvalidArgument naming the line for a quote in the middle of an unquoted field, text after a
// closing quote, or a quoted field left open at the end. Blank lines are skipped.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text);

// The columns of a gap-assessment spreadsheet (docs/import.md): title, description,
// recommendation, severity, criteria, control, source, origin, likelihood, impact, owner,
// due_date, and reference (the sheet's own id for the row, e.g. "Gap ID", echoed back but not
// stored).
//
// Matches a header row to them, by name in any letter case (spaces, hyphens and underscores
// alike) or by one of the aliases a consultant's sheet uses ("TSC", "Risk", "Gap ID",
// "Recommendation", "Likelihood (1-5)", "Source ref", …). Columns named in `ignored` (matched the
// same way) are skipped. Returns each column's field index, or kInvalidArgument naming at once
// every unknown column, every column given twice, every required column missing and every ignored
// name that is not a column.
Result<std::map<std::string, size_t>> match_import_header(const CsvRecord& header,
                                                          const std::vector<std::string>& ignored);

}  // namespace gaplog
