#include "server/csv.h"

#include <fmt/format.h>

namespace gaplog {

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
          return invalid_argument(fmt::format("line {}: a quoted field is never closed; add the closing '\"'", start_line));
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
        return invalid_argument(fmt::format("line {}: text after a closing quote; quote the whole field", line));
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
      return invalid_argument(fmt::format("line {}: a quote inside an unquoted field; quote the whole field and "
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

}  // namespace gaplog
