#include "codec/csv.h"

#include <gtest/gtest.h>

namespace gaplog {
namespace {

std::vector<std::vector<std::string>> fields(const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : records) out.push_back(r.fields);
  return out;
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  auto r = parse_csv("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,end\n");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(fields(*r),
            (std::vector<std::vector<std::string>>{
                {"a", "b", "c"}, {"x, y", "say \"hi\"", "two\nlines"}, {"plain", "", "end"}}));
  // Records remember the line they start on, past the line break inside a field.
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[2].line, 4u);
}

TEST(Csv, SkipsAByteOrderMarkBlankLinesAndAcceptsCrlf) {
  auto r = parse_csv("\xEF\xBB\xBFtitle,severity\r\n\r\nA,high\r\nB,low");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(fields(*r), (std::vector<std::vector<std::string>>{
                            {"title", "severity"}, {"A", "high"}, {"B", "low"}}));
  EXPECT_EQ((*r)[1].line, 3u);
}

TEST(Csv, EmptyQuotedFieldsAndTrailingEmptyFields) {
  auto r = parse_csv("a,\"\",c,\n");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(fields(*r), (std::vector<std::vector<std::string>>{{"a", "", "c", ""}}));
}

TEST(Csv, RefusesMalformedQuotingAndNamesTheLine) {
  auto open = parse_csv("a,b\n\"never closed,x\n");
  ASSERT_FALSE(open.is_ok());
  EXPECT_NE(open.status().message().find("line 2"), std::string::npos);
  auto stray = parse_csv("a,b\nx\"y,z\n");
  ASSERT_FALSE(stray.is_ok());
  EXPECT_NE(stray.status().message().find("line 2"), std::string::npos);
  auto after = parse_csv("\"a\"b,c\n");
  ASSERT_FALSE(after.is_ok());
  EXPECT_NE(after.status().message().find("after a closing quote"), std::string::npos);
}

// Issue 16: a consultant's own column names, in any letter case, and every problem of the header
// named at once instead of one per attempt.
TEST(ImportHeader, MatchesAliasesInAnyLetterCase) {
  CsvRecord header{
      1, {"Gap ID", "Finding", "TSC", "RISK", "Recommendation", "Target Date", "Assignee"}};
  auto columns = match_import_header(header, {});
  ASSERT_TRUE(columns.is_ok()) << columns.status().to_string();
  EXPECT_EQ(*columns, (std::map<std::string, size_t>{{"reference", 0},
                                                     {"title", 1},
                                                     {"criteria", 2},
                                                     {"severity", 3},
                                                     {"recommendation", 4},
                                                     {"due_date", 5},
                                                     {"owner", 6}}));
}

// Issue 21: where a finding came from and its risk rating, as a consultant's sheet names them.
TEST(ImportHeader, MatchesOriginAndRiskColumns) {
  CsvRecord header{1, {"Finding", "TSC", "Risk", "Source ref", "Likelihood (1-5)", "Impact (1-5)"}};
  auto columns = match_import_header(header, {});
  ASSERT_TRUE(columns.is_ok()) << columns.status().to_string();
  EXPECT_EQ(columns->at("origin"), 3u);
  EXPECT_EQ(columns->at("likelihood"), 4u);
  EXPECT_EQ(columns->at("impact"), 5u);
  auto plain = match_import_header(
      CsvRecord{1, {"title", "severity", "criteria", "ORIGIN", "likelihood", "Impact"}}, {});
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  EXPECT_EQ(plain->size(), 6u);
}

TEST(ImportHeader, NamesEveryUnknownColumnAtOnce) {
  auto columns =
      match_import_header(CsvRecord{1, {"Title", "Notes", "Severity", "Criteria", "Colour"}}, {});
  ASSERT_FALSE(columns.is_ok());
  const std::string& m = columns.status().message();
  EXPECT_NE(m.find("'Notes'"), std::string::npos) << m;
  EXPECT_NE(m.find("'Colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("--ignore-column"), std::string::npos) << m;
}

TEST(ImportHeader, SkipsIgnoredColumnsAndRefusesIgnoringAnAbsentOne) {
  CsvRecord header{1, {"Title", "Notes", "Severity", "Criteria"}};
  auto columns = match_import_header(header, {"NOTES"});
  ASSERT_TRUE(columns.is_ok()) << columns.status().to_string();
  EXPECT_EQ(columns->count("title"), 1u);
  EXPECT_EQ(columns->size(), 3u);
  auto absent = match_import_header(header, {"Notes", "Comments"});
  ASSERT_FALSE(absent.is_ok());
  EXPECT_NE(absent.status().message().find("'Comments'"), std::string::npos)
      << absent.status().message();
}

TEST(ImportHeader, ReportsRepeatedAndMissingColumnsTogether) {
  auto columns = match_import_header(CsvRecord{1, {"Title", "Finding", "Risk", "Colour"}}, {});
  ASSERT_FALSE(columns.is_ok());
  const std::string& m = columns.status().message();
  EXPECT_NE(m.find("'Colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("twice"), std::string::npos) << m;
  EXPECT_NE(m.find("criteria"), std::string::npos) << m;
}

// ---- the writer ----

std::string record(const std::vector<std::string>& fields) {
  std::string out;
  append_csv_record(out, fields);
  return out;
}

TEST(CsvWriter, PlainFieldsAreSeparatedByCommasAndEndWithCrlf) {
  EXPECT_EQ(record({"F-1", "high", "", "CC6.1; CC6.2"}), "F-1,high,,CC6.1; CC6.2\r\n");
}

TEST(CsvWriter, QuotesFieldsWithCommasQuotesAndLineBreaks) {
  EXPECT_EQ(record({"a, b"}), "\"a, b\"\r\n");
  EXPECT_EQ(record({"say \"hi\""}), "\"say \"\"hi\"\"\"\r\n");
  EXPECT_EQ(record({"two\nlines", "cr\rhere", "both\r\n"}),
            "\"two\nlines\",\"cr\rhere\",\"both\r\n\"\r\n");
  // Leading spaces and UTF-8 need no quotes and are kept byte for byte.
  EXPECT_EQ(record({" Zoë's \xE2\x80\x94 日本"}), " Zoë's \xE2\x80\x94 日本\r\n");
}

TEST(CsvWriter, ALoneEmptyFieldIsQuotedNotABlankLine) {
  EXPECT_EQ(record({""}), "\"\"\r\n");
  EXPECT_EQ(record({"", ""}), ",\r\n");
}

TEST(CsvWriter, WhatItWritesReadsBackUnchanged) {
  const std::vector<std::vector<std::string>> rows = {
      {"id", "title", "description"},
      {"F-1", "Backups, restores \"tested\"", "line one\r\nline two\nline three\r"},
      {"F-2", "", "\"\""},
      {"F-3", "ünïcødé, “quotes”", ",,,"},
  };
  std::string text;
  for (const auto& row : rows) append_csv_record(text, row);
  auto r = parse_csv(text);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(fields(*r), rows);
}

}  // namespace
}  // namespace gaplog
