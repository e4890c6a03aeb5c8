// For management (SPEC §13): GET /api/v1/export/report and export/findings.csv|.xlsx over the
// demo program, as any reader asks for them, checked against the API's own JSON.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "../store/store_test_support.h"
#include "api/served_program.h"
#include "app/demo.h"
#include "codec/csv.h"
#include "export/findings_sheet.h"

namespace gaplog {
namespace {

using json::Value;

class ExportsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, dir_.sub("data")).is_ok());
    auto p = ServedProgram::open(*fs_, clock_, dir_.sub("data"));
    ASSERT_TRUE(p.is_ok());
    program_ = std::move(p).value();
    ASSERT_TRUE(program_->service().execute(kAdmin, AddUser{kAdmin, "Alex", "admin"}).is_ok());
    Status s = build_demo(program_->service(), *program_->store().blobs, kAdmin, clock_.now());
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }

  ApiResponse get(const std::string& target, const std::string& as = kAuditor) {
    return program_->api().handle_as(ApiRequest{"GET", "/api/v1/" + target, {}, ""}, as);
  }
  Value get_json(const std::string& target) {
    ApiResponse r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    auto v = json::parse(r.body);
    return v.is_ok() ? *v : Value();
  }
  // The findings GET /findings lists with `query` (one page holds the demo's).
  std::vector<Value> findings(const std::string& query) {
    Value list = get_json("findings?limit=1000" + query);
    return list.find("items") ? list.find("items")->items() : std::vector<Value>();
  }
  std::string today() { return format_date(date_of(clock_.now())); }

  static constexpr const char* kAdmin = "admin@acme.example";
  static constexpr const char* kAuditor = "dana.fox@cpa.example";       // the demo's auditor
  static constexpr const char* kContributor = "noah.kim@acme.example";  // a demo contributor
  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0 + 200 * kMicrosPerDay};
  std::unique_ptr<ServedProgram> program_;
};

TEST_F(ExportsApi, TheCsvHoldsEveryFindingOfTheListCellByCell) {
  ApiResponse r = get("export/findings.csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.header("Content-Disposition"),
            "attachment; filename=\"gaplog-findings-" + today() + ".csv\"");
  auto records = parse_csv(r.body);
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  const std::vector<Value> expected = findings("");
  ASSERT_GT(expected.size(), 10u);
  ASSERT_EQ(records->size(), expected.size() + 1);
  const std::vector<std::string>& header = (*records)[0].fields;
  EXPECT_EQ(header.size(), findings_sheet_columns().size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Value& f = expected[i];
    const std::vector<std::string>& row = (*records)[i + 1].fields;
    ASSERT_EQ(row.size(), header.size());
    EXPECT_EQ(row[0], f.find("id")->as_string());
    EXPECT_EQ(row[1], f.find("title")->as_string());
    EXPECT_EQ(row[5], f.find("status")->as_string());
    std::string criteria;
    for (const Value& c : f.find("criteria")->items()) {
      criteria += (criteria.empty() ? "" : "; ") + c.as_string();
    }
    EXPECT_EQ(row[6], criteria);
    const Value& due = *f.find("due_date");
    EXPECT_EQ(row[11], due.is_null() ? "" : due.as_string());
    EXPECT_EQ(row[15], f.find("overdue")->as_bool() ? "true" : "false");
    EXPECT_EQ(row[23], std::to_string(f.find("version")->as_integer()));
  }
}

TEST_F(ExportsApi, TheSpreadsheetsTakeTheFiltersOfTheFindingsList) {
  for (const std::string query :
       {"&status=open,in_progress", "&severity=high&overdue=true", "&q=access", "&owner=none",
        "&criterion=CC6.1", "&as_of=2026-03-01"}) {
    std::set<std::string> listed;
    for (const Value& f : findings(query)) listed.insert(f.find("id")->as_string());
    ApiResponse r = get("export/findings.csv?" + query.substr(1));
    ASSERT_EQ(r.status, 200) << query << ": " << r.body;
    auto records = parse_csv(r.body);
    ASSERT_TRUE(records.is_ok());
    std::set<std::string> exported;
    for (size_t i = 1; i < records->size(); ++i) exported.insert((*records)[i].fields[0]);
    EXPECT_EQ(exported, listed) << query;
  }
  EXPECT_EQ(get("export/findings.csv?as_of=2026-03-01").header("Content-Disposition"),
            "attachment; filename=\"gaplog-findings-2026-03-01.csv\"");
}

TEST_F(ExportsApi, BadFiltersAre400AsOnTheList) {
  EXPECT_EQ(get("export/findings.csv?status=nope").status, 400);
  EXPECT_EQ(get("export/findings.xlsx?criterion=XX9.9").status, 400);
  EXPECT_EQ(get("export/findings.xlsx?limit=5").status, 400);  // no paging: every finding
  EXPECT_EQ(get("export/report?status=open").status, 400);
  EXPECT_EQ(get("export/report?as_of=2026-13-01").status, 400);
}

TEST_F(ExportsApi, TheWorkbookIsServedAsAnXlsxAttachment) {
  ApiResponse r = get("export/findings.xlsx?as_of=2026-06-30");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(r.header("Content-Disposition"),
            "attachment; filename=\"gaplog-findings-2026-06-30.xlsx\"");
  EXPECT_EQ(r.body.substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST_F(ExportsApi, TheReportShowsTheApisFiguresAndTheTreeHead) {
  ApiResponse r = get("export/report");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("Content-Disposition"),
            "attachment; filename=\"gaplog-report-" + today() + ".html\"");
  const std::string& html = r.body;
  const Value readiness = get_json("readiness");
  const Value& overall = *readiness.find("overall");
  EXPECT_NE(html.find(fmt::format("({} of {} criteria in scope are ready) as of {}",
                                  overall.find("ready")->as_integer(),
                                  overall.find("in_scope")->as_integer(), today())),
            std::string::npos);
  const Value head = get_json("audit/tree-head");
  EXPECT_NE(html.find(head.find("root_hash")->as_string()), std::string::npos);
  EXPECT_NE(
      html.find(fmt::format("<td class=\"mono\">{}</td>", head.find("tree_size")->as_integer())),
      std::string::npos);
  const Value workloads = get_json("workloads");
  for (const Value& w : workloads.find("owners")->items()) {
    if (w.find("owner")->is_string()) {
      std::string owner = w.find("owner")->as_string();
      owner.insert(owner.find('@') + 1, "<wbr>");  // a narrow column breaks it there
      EXPECT_NE(html.find("<tr><td>" + owner + "</td>"), std::string::npos) << owner;
    }
  }
  for (const Value& f : findings("&status=open,in_progress,remediated")) {
    EXPECT_NE(html.find("<td>" + f.find("id")->as_string() + "</td>"), std::string::npos)
        << "the roadmap names every unresolved finding";
  }
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

// With an audit target and rated findings (issue 21's domain): the report's audit section and
// heat map say what GET /timeline and the findings' ratings say, and the sheets hold the ratings.
TEST_F(ExportsApi, TheAuditDateAndTheRatingsReachTheReportAndTheSheets) {
  CommandService& svc = program_->service();
  ASSERT_TRUE(svc.execute(kAdmin, SetAuditTarget{"type2", "", "2026-12-01", "2027-05-31"}).is_ok());
  const std::vector<Value> unresolved = findings("&status=open,in_progress");
  ASSERT_GE(unresolved.size(), 1u);
  const std::string high = unresolved[0].find("id")->as_string();
  UpdateFinding rate_high{high, {}, {}, {}, {}, {}, {}, 4, 5};
  ASSERT_TRUE(svc.execute(kAdmin, rate_high).is_ok());

  const Value timeline = get_json("timeline");
  ApiResponse r = get("export/report");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string& html = r.body;
  const int64_t days_left = timeline.find("days_left")->as_integer();
  EXPECT_NE(html.find(fmt::format("The Type II window starts 2026-12-01 (it ends 2027-05-31), {} "
                                  "days from now",
                                  days_left)),
            std::string::npos);
  EXPECT_NE(html.find(fmt::format("<tr><th>Days left</th><td>{} (", days_left)), std::string::npos);
  const bool on_track = timeline.find("on_track")->as_bool();
  EXPECT_NE(
      html.find(fmt::format("<tr><th>On track</th><td>{}</td></tr>", on_track ? "yes" : "no")),
      std::string::npos);
  const Value& blockers = *timeline.find("blockers");
  for (const char* kind : {"criteria", "no_due_date", "due_after_target"}) {
    for (const Value& id : blockers.find(kind)->items()) {
      EXPECT_NE(html.find("<td>" + id.as_string() + "</td>"), std::string::npos)
          << kind << " " << id.as_string();
    }
  }
  // The heat map's 25 cells, in GET /heatmap's order (likelihood 5 to 1, impact 1 to 5).
  const Value heat_map = get_json("heatmap");
  size_t at = html.find("<table class=\"heat");
  ASSERT_NE(at, std::string::npos);
  bool rated = false;
  for (const Value& cell : heat_map.find("cells")->items()) {
    std::string ids;
    for (const Value& id : cell.find("findings")->items()) {
      ids += (ids.empty() ? "" : ", ") + ("<span class=\"id\">" + id.as_string() + "</span>");
      rated = rated || id.as_string() == high;
    }
    const std::string expected = fmt::format(
        "<span class=\"score\">{}</span><span class=\"count\">{}</span><span class=\"ids\">{}"
        "</span></td>",
        cell.find("risk_score")->as_integer(), cell.find("findings")->items().size(), ids);
    at = html.find(expected, at);
    ASSERT_NE(at, std::string::npos) << expected;
  }
  EXPECT_TRUE(rated) << high << " is in the heat map";

  auto records = parse_csv(get("export/findings.csv").body);
  ASSERT_TRUE(records.is_ok());
  for (const CsvRecord& row : *records) {
    if (row.fields[0] == high) {
      EXPECT_EQ(std::vector<std::string>(row.fields.begin() + 12, row.fields.begin() + 15),
                (std::vector<std::string>{"4", "5", "20"}));
    }
  }
}

TEST_F(ExportsApi, AnyReaderMayExportAndAPastReportIsAsOfThatDay) {
  ApiResponse r = get("export/report?as_of=2026-03-01", kContributor);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("management report as of 2026-03-01"), std::string::npos);
  EXPECT_EQ(get("export/findings.csv", kContributor).status, 200);
  EXPECT_EQ(get("export/findings.xlsx", kContributor).status, 200);
  ApiResponse anonymous =
      program_->api().handle(ApiRequest{"GET", "/api/v1/export/report", {}, ""});
  EXPECT_EQ(anonymous.status, 401);
}

}  // namespace
}  // namespace gaplog
