#include "export/findings_sheet.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "codec/csv.h"

namespace gaplog {
namespace {

enum class ColumnKind : uint8_t { kText, kList, kDate, kValue };

struct Column {
  std::string_view name;
  std::string_view field;     // the finding JSON member
  std::string_view subfield;  // a member of that object ("" for none)
  ColumnKind kind;
  double width;  // Excel column width, in characters
};

// The contract's columns (export/findings_sheet.h), with the widths a reader wants: ids and
// flags narrow, the title and the texts wide enough to read a line of them.
const std::vector<Column>& columns() {
  using K = ColumnKind;
  static const std::vector<Column> kColumns = {
      {"id", "id", "", K::kText, 8},
      {"title", "title", "", K::kText, 50},
      {"description", "description", "", K::kText, 60},
      {"recommendation", "recommendation", "", K::kText, 40},
      {"severity", "severity", "", K::kText, 10},
      {"status", "status", "", K::kText, 14},
      {"criteria", "criteria", "", K::kList, 18},
      {"control", "control", "", K::kText, 10},
      {"source", "source", "", K::kText, 18},
      {"origin", "origin", "", K::kText, 12},
      {"owner", "owner", "", K::kText, 28},
      {"due_date", "due_date", "", K::kDate, 12},
      {"likelihood", "likelihood", "", K::kValue, 10},
      {"impact", "impact", "", K::kValue, 8},
      {"risk_score", "risk_score", "", K::kValue, 10},
      {"overdue", "overdue", "", K::kValue, 9},
      {"unresolved", "unresolved", "", K::kValue, 11},
      {"acceptance_expired", "acceptance_expired", "", K::kValue, 12},
      {"risk_acceptance_justification", "risk_acceptance", "justification", K::kText, 40},
      {"risk_acceptance_expires_on", "risk_acceptance", "expires_on", K::kDate, 14},
      {"risk_acceptance_approved_by", "risk_acceptance", "approved_by", K::kText, 28},
      {"evidence", "evidence", "", K::kList, 18},
      {"recorded_on", "recorded_on", "", K::kDate, 12},
      {"version", "version", "", K::kValue, 8},
  };
  return kColumns;
}

// The JSON value of a column in a finding, or nullptr for a missing member (and for a member of
// an object that is null).
const json::Value* column_value(const json::Value& finding, const Column& c) {
  const json::Value* v = finding.find(c.field);
  if (v != nullptr && !c.subfield.empty()) v = v->find(c.subfield);
  return v;
}

// A list's items as text, joined with "; ".
std::string joined(const json::Value& list) {
  std::string out;
  for (const json::Value& item : list.items()) {
    if (!out.empty()) out += "; ";
    out += item.is_string() ? item.as_string() : json::write(item);
  }
  return out;
}

SheetCell cell_of(const json::Value* v, ColumnKind kind) {
  if (v == nullptr || v->is_null()) return std::monostate{};
  if (v->is_bool()) return v->as_bool();
  if (v->is_integer()) return v->as_integer();
  if (v->is_number()) return v->as_double();
  if (v->is_array()) return joined(*v);
  if (!v->is_string()) return json::write(*v);  // an object where none is expected
  if (kind == ColumnKind::kDate) {
    if (Result<Date> d = parse_date(v->as_string()); d.is_ok()) return *d;
  }
  return v->as_string();
}

// A cell as CSV text: true/false, YYYY-MM-DD, whole numbers in decimal.
std::string csv_text(const SheetCell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    // A spreadsheet program would evaluate text starting with = + - @ (or a tab or CR before
    // one) as a formula: such text gets a leading ' (OWASP's advice against CSV injection).
    std::string operator()(const std::string& s) const {
      const bool formula_like =
          !s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos;
      return formula_like ? "'" + s : s;
    }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(Date d) const { return format_date(d); }
  };
  return std::visit(Visitor{}, cell);
}

// ---- the workbook ----

// Excel's limit on the characters of one cell.
constexpr size_t kMaxCellChars = 32'767;

// `s` as a cell's text: each line break (CRLF, CR or LF) as LF, Excel's own line break in a cell
// (a CR would be stored as the escape _x000D_, which not every reader decodes), cut to at most
// kMaxCellChars bytes (so at most as many characters) at the start of a UTF-8 character.
std::string cell_text(std::string_view s) {
  std::string out;
  out.reserve(std::min(s.size(), kMaxCellChars));
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\r') {
      out.push_back(s[i]);
    } else if (i + 1 >= s.size() || s[i + 1] != '\n') {
      out.push_back('\n');
    }
  }
  if (out.size() <= kMaxCellChars) return out;
  size_t end = kMaxCellChars;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
  out.resize(end);
  return out;
}

// libxlsxwriter 1.1.4 (Debian 12) writes a workbook only to a named file: its output_buffer
// option came later. It gets the name of an anonymous in-memory file (memfd): no temporary file
// on disk that a crash could leave behind, no directory to choose, and the bytes are read back
// from the descriptor. Owns the descriptor.
class MemoryFile {
 public:
  static Result<MemoryFile> create() {
    const int fd = ::memfd_create("gaplog-findings.xlsx", MFD_CLOEXEC);
    if (fd < 0) return internal_error(fmt::format("memfd_create failed (errno {})", errno));
    return MemoryFile(fd);
  }
  MemoryFile(MemoryFile&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  MemoryFile& operator=(MemoryFile&&) = delete;
  MemoryFile(const MemoryFile&) = delete;
  ~MemoryFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // A path that opens this file (Linux: the descriptor's entry under /proc/self/fd).
  std::string path() const { return fmt::format("/proc/self/fd/{}", fd_); }

  Result<std::string> contents() const {
    std::string out;
    char buffer[1 << 16];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
      if (n < 0)
        return internal_error(fmt::format("reading the workbook failed (errno {})", errno));
      if (n == 0) return out;
      out.append(buffer, static_cast<size_t>(n));
      at += n;
    }
  }

 private:
  explicit MemoryFile(int fd) : fd_(fd) {}
  int fd_;
};

struct Formats {
  lxw_format* header;
  lxw_format* date;
};

lxw_error write_cell(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t col, const SheetCell& cell,
                     const Formats& formats) {
  struct Visitor {
    lxw_worksheet* sheet;
    lxw_row_t row;
    lxw_col_t col;
    const Formats& formats;
    lxw_error operator()(std::monostate) const { return LXW_NO_ERROR; }
    lxw_error operator()(const std::string& s) const {
      // write_string: text is text, never a formula, whatever it starts with.
      const std::string text = cell_text(s);
      return worksheet_write_string(sheet, row, col, text.c_str(), nullptr);
    }
    lxw_error operator()(int64_t i) const {
      return worksheet_write_number(sheet, row, col, static_cast<double>(i), nullptr);
    }
    lxw_error operator()(double d) const {
      return worksheet_write_number(sheet, row, col, d, nullptr);
    }
    lxw_error operator()(bool b) const {
      return worksheet_write_boolean(sheet, row, col, b ? 1 : 0, nullptr);
    }
    lxw_error operator()(Date d) const {
      const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{d.days}}};
      lxw_datetime dt{static_cast<int>(ymd.year()),
                      static_cast<int>(static_cast<unsigned>(ymd.month())),
                      static_cast<int>(static_cast<unsigned>(ymd.day())),
                      0,
                      0,
                      0.0};
      return worksheet_write_datetime(sheet, row, col, &dt, formats.date);
    }
  };
  return std::visit(Visitor{sheet, row, col, formats}, cell);
}

// The header, the rows, the frozen header, the filter and the widths.
lxw_error write_findings_sheet(lxw_workbook* book, const std::vector<json::Value>& findings) {
  lxw_worksheet* sheet = workbook_add_worksheet(book, "Findings");
  if (sheet == nullptr) return LXW_ERROR_MEMORY_MALLOC_FAILED;
  Formats formats{workbook_add_format(book), workbook_add_format(book)};
  format_set_bold(formats.header);
  format_set_num_format(formats.date, "yyyy-mm-dd");
  const std::vector<Column>& cols = columns();
  for (size_t c = 0; c < cols.size(); ++c) {
    const auto col = static_cast<lxw_col_t>(c);
    const std::string name(cols[c].name);
    if (lxw_error e = worksheet_write_string(sheet, 0, col, name.c_str(), formats.header)) return e;
    if (lxw_error e = worksheet_set_column(sheet, col, col, cols[c].width, nullptr)) return e;
  }
  lxw_row_t row = 1;
  for (const json::Value& finding : findings) {
    const std::vector<SheetCell> cells = findings_sheet_row(finding);
    for (size_t c = 0; c < cells.size(); ++c) {
      if (lxw_error e = write_cell(sheet, row, static_cast<lxw_col_t>(c), cells[c], formats)) {
        return e;
      }
    }
    ++row;
  }
  worksheet_freeze_panes(sheet, 1, 0);
  // Over the header and the data (the header alone when there is none).
  return worksheet_autofilter(sheet, 0, 0, row - 1, static_cast<lxw_col_t>(cols.size() - 1));
}

}  // namespace

const std::vector<std::string_view>& findings_sheet_columns() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    for (const Column& c : columns()) names.push_back(c.name);
    return names;
  }();
  return kNames;
}

std::vector<SheetCell> findings_sheet_row(const json::Value& finding) {
  std::vector<SheetCell> cells;
  for (const Column& c : columns()) cells.push_back(cell_of(column_value(finding, c), c.kind));
  return cells;
}

std::string findings_csv(const std::vector<json::Value>& findings) {
  std::string out;
  std::vector<std::string> fields;
  for (std::string_view name : findings_sheet_columns()) fields.emplace_back(name);
  append_csv_record(out, fields);
  for (const json::Value& finding : findings) {
    fields.clear();
    for (const SheetCell& cell : findings_sheet_row(finding)) fields.push_back(csv_text(cell));
    append_csv_record(out, fields);
  }
  return out;
}

Result<std::string> findings_xlsx(const std::vector<json::Value>& findings, Micros created) {
  GAPLOG_ASSIGN_OR_RETURN(MemoryFile file, MemoryFile::create());
  const std::string path = file.path();
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) return internal_error("libxlsxwriter could not start a workbook");
  lxw_doc_properties properties{};
  std::string title = "Findings";
  properties.title = title.data();
  properties.created = static_cast<time_t>(created / kMicrosPerSecond);
  lxw_error error = workbook_set_properties(book, &properties);
  if (error == LXW_NO_ERROR) error = write_findings_sheet(book, findings);
  // workbook_close frees the workbook whatever happened, and writes it when nothing failed.
  const lxw_error closed = workbook_close(book);
  if (error == LXW_NO_ERROR) error = closed;
  if (error != LXW_NO_ERROR) {
    return internal_error(fmt::format("writing the workbook failed: {}", lxw_strerror(error)));
  }
  return file.contents();
}

}  // namespace gaplog
