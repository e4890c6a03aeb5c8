// The gap-assessment spreadsheet import (SPEC §8, docs/import.md): a CSV file, one finding per
// row, recorded all or nothing. No JSON and no HTTP: POST /api/v1/findings/import reads the
// request and renders the report; the CLI reaches it through the API.
//
// Two steps, so that a caller can check its own inputs in between: read_findings_sheet() checks
// the file and turns each row into a RecordFinding; import_findings() decides every row's
// command in one batch and appends them only if every one is accepted.
//
// Pure functions of their inputs but for the CommandService, which is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/command_service.h"

namespace gaplog {

// A row that cannot be imported, and why.
struct ImportProblem {
  size_t line = 0;  // 1-based line of the file on which the row starts
  std::string message;
};

// A spreadsheet read: the commands of its rows and the rows of the wrong shape.
struct FindingsSheet {
  struct Row {
    size_t line = 0;
    std::string reference;  // the sheet's own id for the row (the `reference` column), or ""
    RecordFinding finding;
  };
  std::vector<Row> rows;                // every row of the right shape and ratings, in order
  std::vector<ImportProblem> problems;  // every other row (its number of fields, a bad rating)
  size_t records = 0;                   // the rows after the header, both kinds
};

// Reads a gap-assessment CSV: valid UTF-8, well-formed CSV (codec/csv.h), a header whose columns
// are known or named in `ignored_columns` (matched in any letter case, with the aliases of
// docs/import.md), at least that header. Values are trimmed of spaces and tabs; severity and
// source are written as the spec spells them ("High" → high, "Document Review" →
// document_review); criteria are split at commas, semicolons and spaces. kInvalidArgument for a
// file that is not such a sheet; rows are only checked here for their number of fields and for
// likelihood and impact being empty or a whole number from 1 to 5 (a row that is not is a problem,
// and not decided).
Result<FindingsSheet> read_findings_sheet(std::string_view csv,
                                          const std::vector<std::string>& ignored_columns);

// What an import did, or would do (dry run), or why it did nothing.
struct FindingsImportReport {
  struct Imported {
    size_t line = 0;
    std::string reference;
    std::string title;
    std::string severity;
    std::optional<std::string> id;  // the finding's id, once decided
  };
  bool dry_run = false;
  std::vector<Imported> rows;    // the sheet's rows, in order
  std::vector<std::string> ids;  // the ids of the findings recorded (or that would be)
  std::optional<uint64_t> seq;   // the last event appended, when something was
  // Every row that cannot be imported (its shape, or the rules: a refused command), by line.
  // When there is any, nothing was imported.
  std::vector<ImportProblem> problems;
  // Every refusal was the caller's role (kPermissionDenied), not the rows' content.
  bool forbidden = false;
  size_t records = 0;  // the rows of the file after the header
};

// Records the findings of `sheet` as `actor`, in one atomic batch (CommandService::
// execute_batch): every command is decided, so every refused row is reported; nothing is
// appended when any row has a problem, or with `dry_run`. `options.occurred_at` back-fills
// every finding; with `options.idempotency_key`, a repeat returns the first import's outcome
// (options.if_match does not apply). Fails (without a report) only when the batch could not be
// decided or appended for a reason other than its rows (the log refuses writes, say).
Result<FindingsImportReport> import_findings(CommandService& service, const std::string& actor,
                                             const FindingsSheet& sheet, bool dry_run,
                                             const CommandOptions& options);

}  // namespace gaplog
