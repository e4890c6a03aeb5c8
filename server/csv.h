// A strict CSV reader (RFC 4180) for the gap-assessment spreadsheet import: fields separated by
// commas, optionally quoted with '"' (a quote inside a quoted field is doubled), quoted fields
// may hold commas and line breaks; lines end with LF or CRLF; a UTF-8 byte order mark at the
// start is skipped. Each record remembers the line it starts on, for error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace gaplog {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

// kInvalidArgument naming the line for a quote in the middle of an unquoted field, text after a
// closing quote, or a quoted field left open at the end. Blank lines are skipped.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text);

}  // namespace gaplog
