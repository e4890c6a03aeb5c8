#include "export/findings_sheet.h"

#include <gtest/gtest.h>

#include "codec/csv.h"

namespace gaplog {
namespace {

json::Value parsed(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  return v.is_ok() ? *v : json::Value();
}

// A finding as GET /findings shows it, with every field of the contract set.
json::Value full_finding() {
  return parsed(R"({"id":"F-7","title":"Backups, \"tested\"\r\nnever","description":"Zoë — 日本",
    "recommendation":null,"severity":"high","status":"risk_accepted","criteria":["CC6.1","CC6.2"],
    "control":"AC-01","source":"document_review","origin":"D-1","owner":"ann@x.example",
    "due_date":"2027-02-15","likelihood":4,"impact":5,"risk_score":20,"overdue":false,
    "unresolved":true,"acceptance_expired":false,
    "risk_acceptance":{"justification":"vendor fix, Q1","expires_on":"2027-03-31",
                       "approved_by":"cara@x.example"},
    "evidence":["E-1","E-10"],"recorded_on":"2026-06-01","version":12,
    "allowed_transitions":[]})");
}

TEST(FindingsSheet, TheColumnsAreTheContractsInItsOrder) {
  const std::vector<std::string_view> expected = {"id",
                                                  "title",
                                                  "description",
                                                  "recommendation",
                                                  "severity",
                                                  "status",
                                                  "criteria",
                                                  "control",
                                                  "source",
                                                  "origin",
                                                  "owner",
                                                  "due_date",
                                                  "likelihood",
                                                  "impact",
                                                  "risk_score",
                                                  "overdue",
                                                  "unresolved",
                                                  "acceptance_expired",
                                                  "risk_acceptance_justification",
                                                  "risk_acceptance_expires_on",
                                                  "risk_acceptance_approved_by",
                                                  "evidence",
                                                  "recorded_on",
                                                  "version"};
  EXPECT_EQ(findings_sheet_columns(), expected);
}

TEST(FindingsSheet, CellsAreTypedDatesNumbersBooleansAndJoinedLists) {
  const std::vector<SheetCell> row = findings_sheet_row(full_finding());
  ASSERT_EQ(row.size(), findings_sheet_columns().size());
  EXPECT_EQ(row[0], SheetCell(std::string("F-7")));
  EXPECT_EQ(row[3], SheetCell());  // recommendation: null
  EXPECT_EQ(row[6], SheetCell(std::string("CC6.1; CC6.2")));
  EXPECT_EQ(row[11], SheetCell(date_from_ymd(2027, 2, 15)));
  EXPECT_EQ(row[12], SheetCell(int64_t{4}));
  EXPECT_EQ(row[14], SheetCell(int64_t{20}));
  EXPECT_EQ(row[15], SheetCell(false));
  EXPECT_EQ(row[16], SheetCell(true));
  EXPECT_EQ(row[18], SheetCell(std::string("vendor fix, Q1")));
  EXPECT_EQ(row[19], SheetCell(date_from_ymd(2027, 3, 31)));
  EXPECT_EQ(row[20], SheetCell(std::string("cara@x.example")));
  EXPECT_EQ(row[21], SheetCell(std::string("E-1; E-10")));
  EXPECT_EQ(row[22], SheetCell(date_from_ymd(2026, 6, 1)));
  EXPECT_EQ(row[23], SheetCell(int64_t{12}));
}

TEST(FindingsSheet, MissingAndNullFieldsAreEmptyCells) {
  // A finding from before issue 21 has no origin, likelihood, impact or risk_score; a finding
  // without a risk acceptance has "risk_acceptance": null.
  const std::vector<SheetCell> row = findings_sheet_row(
      parsed(R"({"id":"F-1","title":"t","risk_acceptance":null,"due_date":null,"evidence":[]})"));
  for (size_t c : {3, 9, 11, 12, 13, 14, 18, 19, 20}) {
    EXPECT_EQ(row[c], SheetCell()) << findings_sheet_columns()[c];
  }
  EXPECT_EQ(row[21], SheetCell(std::string()));  // no evidence: an empty list
}

// CSV injection: a title a spreadsheet program would take for a formula gets a leading '; the
// same title elsewhere in the text, and numbers, stay as they are.
TEST(FindingsSheetCsv, TextThatLooksLikeAFormulaIsNotOne) {
  const std::string csv = findings_csv(
      {parsed(R"j({"id":"F-1","title":"=HYPERLINK(\"https://x.example\")","likelihood":2})j"),
       parsed(R"j({"id":"F-2","title":"@SUM(A1)","description":"-1 day; +2 = 1"})j"),
       parsed(R"j({"id":"F-3","title":"Backups =1+1"})j")});
  auto records = parse_csv(csv);
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ((*records)[1].fields[1], "'=HYPERLINK(\"https://x.example\")");
  EXPECT_EQ((*records)[1].fields[12], "2");
  EXPECT_EQ((*records)[2].fields[1], "'@SUM(A1)");
  EXPECT_EQ((*records)[2].fields[2], "'-1 day; +2 = 1");
  EXPECT_EQ((*records)[3].fields[1], "Backups =1+1");
}

TEST(FindingsSheetCsv, HeaderThenOneCrlfRecordPerFindingThatReadsBack) {
  const std::string csv = findings_csv({full_finding(), parsed(R"({"id":"F-8","title":"plain"})")});
  EXPECT_EQ(csv.substr(0, 3), "id,");  // no byte order mark
  EXPECT_NE(csv.find("risk_acceptance_approved_by,evidence,recorded_on,version\r\n"),
            std::string::npos);
  EXPECT_NE(csv.find("\"Backups, \"\"tested\"\"\r\nnever\""), std::string::npos);
  EXPECT_NE(csv.find(",false,true,false,\"vendor fix, Q1\",2027-03-31,"), std::string::npos)
      << "booleans as true/false; a comma quotes: " << csv;
  auto records = parse_csv(csv);
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  ASSERT_EQ(records->size(), 3u);
  const std::vector<std::string>& f7 = (*records)[1].fields;
  ASSERT_EQ(f7.size(), 24u);
  EXPECT_EQ(f7[1], "Backups, \"tested\"\r\nnever");
  EXPECT_EQ(f7[2], "Zoë — 日本");
  EXPECT_EQ(f7[11], "2027-02-15");
  EXPECT_EQ(f7[14], "20");
  EXPECT_EQ(f7[18], "vendor fix, Q1");
  EXPECT_EQ(f7[21], "E-1; E-10");
  const std::vector<std::string>& f8 = (*records)[2].fields;
  EXPECT_EQ(f8, (std::vector<std::string>{"F-8", "plain", "", "", "", "", "", "", "", "", "", "",
                                          "",    "",      "", "", "", "", "", "", "", "", "", ""}));
}

TEST(FindingsSheetCsv, NoFindingsIsTheHeaderAlone) {
  const std::string csv = findings_csv({});
  EXPECT_EQ(csv.find("\r\n"), csv.size() - 2);
  EXPECT_EQ(csv.substr(0, 9), "id,title,");
}

TEST(FindingsSheetXlsx, IsAZipAndTheSameInputGivesTheSameBytes) {
  const Micros created = 1'790'000'000LL * kMicrosPerSecond;
  auto a = findings_xlsx({full_finding()}, created);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(a->find("xl/worksheets/sheet1.xml"), std::string::npos);
  auto b = findings_xlsx({full_finding()}, created);
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(*a, *b);
  auto empty = findings_xlsx({}, created);
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
}

TEST(FindingsSheetXlsx, TextBeyondExcelsCellLimitIsCutNotRefused) {
  json::Value f = full_finding();
  std::string long_text;
  while (long_text.size() < 40'000) long_text += "é";  // two bytes each: cut inside a character
  f.set("description", json::Value::string(long_text));
  auto x = findings_xlsx({f}, 0);
  ASSERT_TRUE(x.is_ok()) << x.status().to_string();
}

}  // namespace
}  // namespace gaplog
