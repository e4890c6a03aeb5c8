// The management report of SPEC §13: every figure it is given appears, user text is escaped, and
// the file makes no external request of any kind; it is made to print (A4 and Letter).
#include "export/report.h"

#include <gtest/gtest.h>

#include "domain/hex.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

Date day(int y, unsigned m, unsigned d) { return date_from_ymd(y, m, d); }

TimelinePoint point(Date d, int ready, int in_scope, int unresolved, int overdue) {
  TimelinePoint p;
  p.date = d;
  p.readiness = {ready, in_scope};
  p.unresolved.high = unresolved;
  p.unresolved.overdue = overdue;
  return p;
}

RoadmapItem item(std::string id, std::string title, std::string owner, std::optional<Date> due) {
  return RoadmapItem{std::move(id), std::move(title),     Severity::kHigh, std::move(owner),
                     due,           FindingStatus::kOpen, false,           false};
}

// A report with every section filled, and user text that must be escaped.
ManagementReport sample() {
  ManagementReport r;
  r.program_name = "Acme <script>alert(1)</script> & Co";
  r.as_of = day(2026, 12, 6);
  r.generated_at = end_of_day(r.as_of) - kMicrosPerSecond;
  r.tree_head.tree_size = 1234;
  r.tree_head.root = sha256("the root");
  r.tree_head.timestamp = end_of_day(r.as_of) - 2 * kMicrosPerSecond;
  r.tree_head.signature = std::string(64, '\x5a');
  r.readiness.as_of = r.as_of;
  r.readiness.overall = {44, 61};
  r.readiness.categories[Category::kSecurity] = {40, 55};
  r.readiness.categories[Category::kAvailability] = {4, 6};
  Timeline& t = r.timeline;
  t.from = day(2026, 9, 6);
  t.to = r.as_of;
  t.step = 7;
  for (int i = 0; i < 14; ++i) {
    t.points.push_back(point(Date{t.from.days + 7 * i}, 30 + i, 61, 20 - i, i % 3));
  }
  t.points.push_back(point(t.to, 44, 61, 17, 3));
  t.projected_ready_on = day(2027, 2, 15);
  t.audit_target = AuditTarget{AuditType::kType2, Date{}, day(2027, 3, 1), day(2027, 8, 31)};
  t.on_track = true;
  t.blockers.criteria = {"CC6.1"};
  t.blockers.no_due_date = {"F-3"};
  t.blockers.due_after_target = {"F-9"};
  r.heat_map.cells[3][4] = {"F-7"};         // likelihood 4, impact 5: 20
  r.heat_map.cells[0][0] = {"F-1", "F-2"};  // 1 × 1
  r.heat_map.unrated = {"F-3"};
  OwnerWorkload ann;
  ann.owner = "ann@x.example";
  ann.critical = 1, ann.high = 2, ann.medium = 1, ann.low = 1, ann.total = 5;
  ann.overdue = 3, ann.due_soon = 1, ann.oldest_days = 40;
  OwnerWorkload nobody;
  nobody.low = 1, nobody.total = 1, nobody.oldest_days = 7;
  r.workloads = {ann, nobody};
  r.roadmap = {
      RoadmapMonth{
          "2027-01",
          {item("F-7", "Backups <b>untested</b> & \"quoted\"", "ann@x.example", day(2027, 1, 20))}},
      RoadmapMonth{"2027-04", {item("F-9", "Late fix", "ann@x.example", day(2027, 4, 2))}},
      RoadmapMonth{"", {item("F-3", "No due date yet", "", std::nullopt)}},
  };
  return r;
}

// An id as the report prints it: kept on one line.
std::string id(std::string_view id) { return "<span class=\"id\">" + std::string(id) + "</span>"; }

void expect_contains(const std::string& html, std::string_view text) {
  EXPECT_NE(html.find(text), std::string::npos) << "missing: " << text;
}

TEST(ManagementReport, TheExecutiveSummarySaysItInPlainSentences) {
  const std::string html = management_report_html(sample());
  expect_contains(html,
                  "Readiness is 72.1% (44 of 61 criteria in scope are ready) as of "
                  "2026-12-06.");
  expect_contains(html,
                  "The Type II window starts 2027-03-01 (it ends 2027-08-31), 85 days from "
                  "now; the current plan finishes 2027-02-15: <span class=\"ok\">on "
                  "track</span>.");
  expect_contains(html,
                  "Blocking the audit: 1 criterion without an implemented control with "
                  "current evidence (" +
                      id("CC6.1") + "), 1 finding without a due date (" + id("F-3") +
                      ") and 1 finding due after the audit date (" + id("F-9") + ").");
  expect_contains(html, "6 findings are unresolved, 3 of them overdue; 1 critical and 2 high.");
  expect_contains(html, "Most overdue work: ann@x.example (3 overdue).");
  expect_contains(html, "1 finding has a risk score of 15 or more: " + id("F-7") + " (20).");
}

TEST(ManagementReport, EveryFigureIsThere) {
  const ManagementReport r = sample();
  const std::string html = management_report_html(r);
  // Readiness by category.
  expect_contains(html,
                  "<td>Security</td><td class=\"num\">40</td><td class=\"num\">55</td>"
                  "<td class=\"num\">72.7%</td>");
  expect_contains(html,
                  "<td>Availability</td><td class=\"num\">4</td><td class=\"num\">6</td>"
                  "<td class=\"num\">66.7%</td>");
  // The timeline: its range, its last point, the projection and the audit date on the chart.
  expect_contains(html,
                  "Readiness from 2026-09-06 to 2026-12-06, every 7 days: 72.1% on "
                  "2026-12-06");
  expect_contains(html, "17 unresolved, 3 overdue on 2026-12-06");
  expect_contains(html, "plan finishes 2027-02-15");
  expect_contains(html, "audit 2027-03-01");
  // The audit date and its blockers by name.
  expect_contains(html, "<tr><th>Observation window</th><td>2027-03-01 to 2027-08-31</td></tr>");
  expect_contains(html, "<tr><th>Days left</th><td>85 (85 days from now)</td></tr>");
  expect_contains(html, "<tr><th>On track</th><td>yes</td></tr>");
  expect_contains(html, "<td>CC6.1</td><td>Security</td>");
  expect_contains(html, "<td>F-3</td><td>No due date yet</td>");
  expect_contains(html,
                  "<td>F-9</td><td>Late fix</td><td>high</td><td>ann@<wbr>x.example</td>"
                  "<td class=\"date\">2027-04-02</td>");
  // The heat map: counts and ids in their cells, the unrated.
  expect_contains(html,
                  "<span class=\"score\">20</span><span class=\"count\">1</span>"
                  "<span class=\"ids\">" +
                      id("F-7") + "</span>");
  expect_contains(html,
                  "<span class=\"score\">1</span><span class=\"count\">2</span>"
                  "<span class=\"ids\">" +
                      id("F-1") + ", " + id("F-2") + "</span>");
  expect_contains(html, "Not rated yet (1): " + id("F-3") + ".");
  // Overdue work by owner.
  expect_contains(html,
                  "<tr><td>ann@<wbr>x.example</td><td class=\"num\">3</td><td class=\"num\">1"
                  "</td><td class=\"num\">5</td><td class=\"num\">1</td><td class=\"num\">2"
                  "</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">"
                  "40</td></tr>");
  expect_contains(html, "<tr><td>unassigned</td>");
  // The roadmap by month.
  expect_contains(html, "<h3>January 2027 (1 finding)</h3>");
  expect_contains(html, "<h3>April 2027 (1 finding)</h3>");
  expect_contains(html, "<h3>No due date (1 finding)</h3>");
  // The tree head.
  expect_contains(html, "<td class=\"mono\">1234</td>");
  expect_contains(html, hash_hex(r.tree_head.root));
  expect_contains(html, format_timestamp(r.tree_head.timestamp));
  expect_contains(html, to_hex(r.tree_head.signature));
}

TEST(ManagementReport, UserTextIsEscaped) {
  const std::string html = management_report_html(sample());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>untested"), std::string::npos);
  expect_contains(html, "Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co");
  expect_contains(html, "Backups &lt;b&gt;untested&lt;/b&gt; &amp; &quot;quoted&quot;");
}

TEST(ManagementReport, MakesNoExternalRequest) {
  const std::string html = management_report_html(sample());
  for (std::string_view reference :
       {"http://", "https://", "src=", "href=", "@import", "url(", "<script", "<img", "<link",
        "<iframe", "<object", "<embed", "//fonts", "@font-face"}) {
    EXPECT_EQ(html.find(reference), std::string::npos) << reference;
  }
  // The browser is told so too: nothing may be fetched, whatever a later edit adds.
  expect_contains(html, "content=\"default-src 'none'; style-src 'unsafe-inline'\"");
  // The charts are inline SVG.
  expect_contains(html, "<svg viewBox=");
}

TEST(ManagementReport, PrintsOnA4AndLetter) {
  const std::string html = management_report_html(sample());
  const size_t page = html.find("@page {");
  ASSERT_NE(page, std::string::npos);
  const std::string page_rule = html.substr(page, html.find('}', page) - page);
  EXPECT_EQ(page_rule, "@page { margin: 14mm 12mm; ") << "margins in mm, the printer's page size";
  expect_contains(html, "break-inside: avoid");
  expect_contains(html, ".major { break-before: page; }");
  expect_contains(html, "thead { display: table-header-group; }");
  expect_contains(html, "<section class=\"major\"><h2>Timeline</h2>");
  expect_contains(html, "<section class=\"major\"><h2>Roadmap</h2>");
}

TEST(ManagementReport, TheChartReadsInBlackAndWhite) {
  const std::string html = management_report_html(sample());
  // Three series told apart by line style and marker, not colour.
  expect_contains(html, "stroke-dasharray=\"7 4\"");
  expect_contains(html, "stroke-dasharray=\"2 3\"");
  expect_contains(html, "<circle ");
  expect_contains(html, "<rect x=");
  expect_contains(html, "<path d=\"M");
  expect_contains(html, "<title>2026-12-06: readiness % 72.1</title>");
}

TEST(ManagementReport, SaysWhenThePlanIsNotOnTrackOrThereIsNoAuditDate) {
  ManagementReport r = sample();
  r.timeline.projected_ready_on.reset();
  r.timeline.on_track = false;
  r.timeline.audit_target = AuditTarget{AuditType::kType1, day(2026, 12, 1), Date{}, Date{}};
  std::string html = management_report_html(r);
  expect_contains(html,
                  "The Type I audit is on 2026-12-01, 5 days ago; the current plan has no "
                  "finish date yet");
  expect_contains(html, "<span class=\"late\">not on track</span>.");
  r.timeline.audit_target.reset();
  r.timeline.on_track.reset();
  html = management_report_html(r);
  expect_contains(html, "No audit date is set yet");
  expect_contains(html, "<tr><th>Audit date</th><td>not set</td></tr>");
}

TEST(ManagementReport, TheSameReportGivesTheSameBytes) {
  EXPECT_EQ(management_report_html(sample()), management_report_html(sample()));
}

TEST(ManagementReport, AnEmptyProgramStillMakesAReport) {
  ManagementReport r;
  r.as_of = day(2026, 12, 6);
  const std::string html = management_report_html(r);
  expect_contains(html, "<h1>SOC 2 program</h1>");
  expect_contains(html, "There is no history to show yet.");
  expect_contains(html, "No finding is unresolved.");
}

}  // namespace
}  // namespace gaplog
