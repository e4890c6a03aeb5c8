#include "server/csv.h"

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
  EXPECT_EQ(fields(*r), (std::vector<std::vector<std::string>>{
                            {"a", "b", "c"}, {"x, y", "say \"hi\"", "two\nlines"}, {"plain", "", "end"}}));
  // Records remember the line they start on, past the line break inside a field.
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[2].line, 4u);
}

TEST(Csv, SkipsAByteOrderMarkBlankLinesAndAcceptsCrlf) {
  auto r = parse_csv("\xEF\xBB\xBFtitle,severity\r\n\r\nA,high\r\nB,low");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(fields(*r), (std::vector<std::vector<std::string>>{{"title", "severity"}, {"A", "high"}, {"B", "low"}}));
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

}  // namespace
}  // namespace gaplog
