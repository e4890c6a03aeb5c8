#include "app/findings_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "codec/csv.h"
#include "domain/validation.h"

namespace gaplog {
namespace {

// "High", "Document Review": a sheet's spelling of an enum value, in the spec's.
std::string import_enum(std::string v) {
  for (char& c : v)
    c = c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

// "CC6.1, CC7.2", "CC6.1;CC7.2", "CC6.1 CC7.2"
std::vector<std::string> criteria_list(std::string text) {
  std::replace(text.begin(), text.end(), ',', ' ');
  std::replace(text.begin(), text.end(), ';', ' ');
  std::istringstream words(text);
  std::vector<std::string> out;
  for (std::string c; words >> c;) out.push_back(c);
  return out;
}

// The value of a named column of a record, trimmed of spaces and tabs ("" when not a column).
std::string field(const std::map<std::string, size_t>& columns, const CsvRecord& record,
                  const std::string& name) {
  auto it = columns.find(name);
  if (it == columns.end() || it->second >= record.fields.size()) return "";
  const std::string& v = record.fields[it->second];
  const size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
  return b == std::string::npos ? "" : v.substr(b, e - b + 1);
}

// A rating cell: empty is none (0); otherwise a whole number from 1 to 5 ("0" is not a rating).
Result<int> rating_of(const std::map<std::string, size_t>& columns, const CsvRecord& record,
                      const std::string& name) {
  const std::string v = field(columns, record, name);
  if (v.empty()) return 0;
  if (v.size() == 1 && v[0] >= '1' && v[0] <= '5') return v[0] - '0';
  return invalid_argument(
      fmt::format("{} '{}' is not valid; rate it from 1 (lowest) to 5 (highest), or leave it empty",
                  name, std::string_view(v).substr(0, 60)));
}

Result<RecordFinding> finding_of(const std::map<std::string, size_t>& columns,
                                 const CsvRecord& record) {
  RecordFinding f;
  f.title = field(columns, record, "title");
  f.description = field(columns, record, "description");
  f.recommendation = field(columns, record, "recommendation");
  f.severity = import_enum(field(columns, record, "severity"));
  f.criteria = criteria_list(field(columns, record, "criteria"));
  f.control = field(columns, record, "control");
  f.source = import_enum(field(columns, record, "source"));
  f.owner = field(columns, record, "owner");
  f.due_date = field(columns, record, "due_date");
  f.origin = field(columns, record, "origin");
  GAPLOG_ASSIGN_OR_RETURN(f.likelihood, rating_of(columns, record, "likelihood"));
  GAPLOG_ASSIGN_OR_RETURN(f.impact, rating_of(columns, record, "impact"));
  return f;
}

}  // namespace

Result<FindingsSheet> read_findings_sheet(std::string_view csv,
                                          const std::vector<std::string>& ignored_columns) {
  if (!is_valid_utf8(csv))
    return invalid_argument("the file is not valid UTF-8; save it as UTF-8 CSV");
  GAPLOG_ASSIGN_OR_RETURN(const std::vector<CsvRecord> records, parse_csv(csv));
  if (records.empty())
    return invalid_argument("the file is empty; the first line names the columns");
  // The header: known columns and their aliases in any order and case, every problem at once.
  const CsvRecord& header = records.front();
  GAPLOG_ASSIGN_OR_RETURN(const auto columns, match_import_header(header, ignored_columns));
  FindingsSheet sheet;
  sheet.records = records.size() - 1;
  for (size_t k = 1; k < records.size(); ++k) {
    const CsvRecord& record = records[k];
    if (record.fields.size() != header.fields.size()) {
      sheet.problems.push_back(
          {record.line, fmt::format("has {} fields; the header has {}", record.fields.size(),
                                    header.fields.size())});
      continue;
    }
    Result<RecordFinding> finding = finding_of(columns, record);
    if (!finding) {
      sheet.problems.push_back({record.line, finding.status().message()});
      continue;
    }
    sheet.rows.push_back({record.line, field(columns, record, "reference"), std::move(*finding)});
  }
  return sheet;
}

Result<FindingsImportReport> import_findings(CommandService& service, const std::string& actor,
                                             const FindingsSheet& sheet, bool dry_run,
                                             const CommandOptions& options) {
  FindingsImportReport report;
  report.dry_run = dry_run;
  report.records = sheet.records;
  report.problems = sheet.problems;
  std::vector<Command> commands;
  for (const FindingsSheet::Row& row : sheet.rows) {
    report.rows.push_back(
        {row.line, row.reference, row.finding.title, row.finding.severity, std::nullopt});
    commands.push_back(row.finding);
  }
  // A sheet with rows of the wrong shape is still decided (dry), so that every problem is
  // reported at once.
  std::vector<std::pair<size_t, Status>> refusals;
  Result<CommandOutcome> outcome = service.execute_batch(
      actor, commands, dry_run || !report.problems.empty(), &refusals, options);
  for (const auto& [index, status] : refusals)
    report.problems.push_back({sheet.rows[index].line, status.message()});
  if (!report.problems.empty()) {
    std::stable_sort(
        report.problems.begin(), report.problems.end(),
        [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
    report.forbidden =
        !refusals.empty() && std::all_of(refusals.begin(), refusals.end(), [](const auto& p) {
          return p.second.code() == Code::kPermissionDenied;
        });
    return report;
  }
  if (!outcome) return outcome.status();
  for (const Event& e : outcome->events) {
    if (auto* f = std::get_if<FindingRecorded>(&e.payload)) {
      if (report.ids.size() < report.rows.size()) report.rows[report.ids.size()].id = f->finding_id;
      report.ids.push_back(f->finding_id);
    }
  }
  if (!dry_run && !outcome->events.empty()) report.seq = outcome->events.back().seq;
  return report;
}

}  // namespace gaplog
