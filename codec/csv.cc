#include "codec/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace gaplog {
namespace {

// "Due Date", "due-date", "DUE_DATE" -> "due_date": letters and digits kept (lower case), every
// run of anything else one '_', none at either end.
std::string column_key(std::string_view name) {
  std::string key;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c >= 0x80) {
      key.push_back(static_cast<char>(std::tolower(c)));
    } else if (!key.empty() && key.back() != '_') {
      key.push_back('_');
    }
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return key;
}

// Every name a column is known by, as column_key leaves it; the first is the column's own.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& import_columns() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> columns = {
      {"title", {"title", "finding", "finding_title", "gap", "gap_title", "issue", "summary"}},
      {"description",
       {"description", "details", "finding_description", "gap_description", "observation"}},
      {"recommendation",
       {"recommendation", "recommendations", "recommended_action", "remediation",
        "remediation_plan"}},
      {"severity", {"severity", "risk", "risk_rating", "risk_level", "rating", "priority"}},
      {"criteria",
       {"criteria", "criterion", "tsc", "tsc_criteria", "tsc_reference", "trust_services_criteria",
        "soc_2_criteria", "soc2_criteria"}},
      {"control", {"control", "control_id", "related_control"}},
      {"source", {"source", "finding_source", "assessment_method"}},
      {"owner", {"owner", "assignee", "owner_email", "responsible"}},
      {"due_date", {"due_date", "due", "due_by", "target_date", "remediation_date"}},
      {"reference", {"reference", "ref", "gap_id", "finding_id", "id"}},
      // Where the finding came from (a document, an interview, a control's test) and its risk.
      {"origin", {"origin", "source_ref", "source_reference", "origin_ref", "found_in"}},
      {"likelihood",
       {"likelihood", "likelihood_1_5", "likelihood_rating", "likelihood_score", "probability"}},
      {"impact", {"impact", "impact_1_5", "impact_rating", "impact_score"}},
  };
  return columns;
}

std::string quoted(std::string_view name) { return fmt::format("'{}'", name.substr(0, 60)); }

}  // namespace

// Written here rather than taken from a library: quoting a field is a dozen lines, and Debian
// packages no C++ CSV writer that is smaller than that (docs/reports.md).
void append_csv_record(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    const std::string& f = fields[i];
    // A record of one empty field is written "" so that it is not a blank line.
    const bool lone_empty = fields.size() == 1 && f.empty();
    if (!lone_empty && f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out += "\r\n";
}

Result<std::vector<CsvRecord>> parse_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  size_t line = 1;
  bool in_record = false;  // something of the current record has been read
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&] {
    end_field();
    const bool blank = record.fields.size() == 1 && record.fields[0].empty();
    if (!blank) records.push_back(std::move(record));
    record = CsvRecord{};
    in_record = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!in_record) {
      record.line = line;
      in_record = true;
    }
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field: up to the closing quote; "" is a quote.
      const size_t start_line = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          return invalid_argument(fmt::format(
              "line {}: a quoted field is never closed; add the closing '\"'", start_line));
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return invalid_argument(
            fmt::format("line {}: text after a closing quote; quote the whole field", line));
      }
      // An empty quoted field "" must stay a field even though `field` is empty: mark by
      // falling through to the separator handling below.
      if (i >= text.size()) break;
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\n' || c == '\r') {
      end_record();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
    } else if (c == '"') {
      return invalid_argument(
          fmt::format("line {}: a quote inside an unquoted field; quote the whole field and "
                      "double the quote (\"\")",
                      line));
    } else {
      field.push_back(c);
      ++i;
    }
  }
  if (in_record) end_record();
  return records;
}

Result<std::map<std::string, size_t>> match_import_header(const CsvRecord& header,
                                                          const std::vector<std::string>& ignored) {
  std::map<std::string, std::string> column_of;  // alias key -> column
  for (const auto& [column, aliases] : import_columns()) {
    for (std::string_view alias : aliases)
      column_of.emplace(std::string(alias), std::string(column));
  }
  std::set<std::string> skip;
  for (const std::string& name : ignored) skip.insert(column_key(name));
  std::set<std::string> skipped;
  std::map<std::string, size_t> index;
  std::vector<std::string> unknown, repeated;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string key = column_key(header.fields[i]);
    if (skip.count(key)) {
      skipped.insert(key);
      continue;
    }
    auto it = column_of.find(key);
    if (it == column_of.end()) {
      unknown.push_back(quoted(header.fields[i]));
    } else if (!index.emplace(it->second, i).second) {
      repeated.push_back(fmt::format("{} (as {})", it->second, quoted(header.fields[i])));
    }
  }
  std::vector<std::string> problems;
  auto join = [](const std::vector<std::string>& items) {
    std::string s;
    for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
    return s;
  };
  if (!unknown.empty()) {
    problems.push_back(
        fmt::format("unknown column{} {}; the columns are title, description, recommendation, "
                    "severity, criteria, control, source, origin, likelihood, impact, owner, due "
                    "date and a reference such as Gap ID (other names they go by: "
                    "docs/import.md); skip a column with --ignore-column NAME "
                    "(ignore_column=NAME)",
                    unknown.size() == 1 ? "" : "s", join(unknown)));
  }
  if (!repeated.empty())
    problems.push_back(
        fmt::format("column{} given twice: {}", repeated.size() == 1 ? "" : "s", join(repeated)));
  std::vector<std::string> missing;
  for (const char* required : {"title", "severity", "criteria"}) {
    if (!index.count(required)) missing.push_back(required);
  }
  if (!missing.empty()) {
    problems.push_back(fmt::format("the column{} {} {} missing", missing.size() == 1 ? "" : "s",
                                   join(missing), missing.size() == 1 ? "is" : "are"));
  }
  std::vector<std::string> absent;
  for (const std::string& name : ignored) {
    if (!skipped.count(column_key(name))) absent.push_back(quoted(name));
  }
  if (!absent.empty()) {
    problems.push_back(fmt::format("there is no column {} to ignore", join(absent)));
  }
  if (!problems.empty()) {
    std::string message = fmt::format("line {}: ", header.line);
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; and " : "") + problems[i];
    return invalid_argument(message);
  }
  return index;
}

}  // namespace gaplog
