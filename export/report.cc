#include "export/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include "codec/html.h"
#include "domain/catalog.h"
#include "domain/hex.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

// Print styles for A4 and Letter alike: no page size (the printer's), margins in mm; a major
// section starts a page; rows, figures and headings are kept whole; table headers repeat; tables
// fit the width (hashes and id lists break anywhere, e-mails after the '@', other words only
// when they must). Greys, not colours, carry meaning; print-color-adjust keeps the heat map's
// shading on paper.
constexpr std::string_view kStyle = R"(
@page { margin: 14mm 12mm; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, "Segoe UI", Helvetica, Arial, sans-serif; color: #111;
  line-height: 1.45; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #111; padding-bottom: .15rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
h1, h2, h3 { break-after: avoid; }
p.meta { color: #444; margin: 0 0 1rem; }
.summary p { font-size: 1.08rem; margin: .4rem 0; }
.big { font-size: 2.4rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; table-layout: auto; }
th, td { border: 1px solid #888; padding: .25rem .4rem; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
td.mono, .ids { overflow-wrap: anywhere; }
th { background: #eee; }
thead { display: table-header-group; }
tr, figure, .keep { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.date, .id { white-space: nowrap; }
figure { margin: .5rem 0 1rem; }
figcaption { font-size: .9rem; color: #333; }
svg { width: 100%; height: auto; display: block; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
table.heat { table-layout: fixed; }
table.heat td { height: 4.2rem; }
table.heat .count { font-size: 1.3rem; font-weight: 700; display: block; }
table.heat .ids { font-size: .75rem; }
table.heat .score { float: right; font-size: .7rem; color: #333; }
.r1 { background: #fff; } .r2 { background: #e4e4e4; } .r3 { background: #bdbdbd; }
.r4 { background: #8a8a8a; color: #fff; } .r4 .score { color: #fff; }
.ok { font-weight: 700; } .late { font-weight: 700; text-decoration: underline; }
footer { margin-top: 2rem; font-size: .85rem; color: #444; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  .major { break-before: page; }
}
)";

std::string esc(std::string_view s) { return html_escape(s); }

std::string percent(const ReadinessCount& c) {
  const int t = c.percent_tenths();
  return fmt::format("{}.{}%", t / 10, t % 10);
}

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string_view category_title(Category c) {
  switch (c) {
    case Category::kSecurity:
      return "Security";
    case Category::kAvailability:
      return "Availability";
    case Category::kProcessingIntegrity:
      return "Processing Integrity";
    case Category::kConfidentiality:
      return "Confidentiality";
    case Category::kPrivacy:
      return "Privacy";
  }
  return "";
}

std::string owner_name(const std::string& owner) { return owner.empty() ? "unassigned" : owner; }

// An owner for a table cell: escaped, with a break opportunity after the '@', so that a narrow
// column breaks an e-mail there rather than anywhere.
std::string owner_cell(const std::string& owner) {
  std::string html = esc(owner_name(owner));
  const size_t at = html.find('@');
  if (at != std::string::npos) html.insert(at + 1, "<wbr>");
  return html;
}

// "today", "1 day from now", "12 days from now", "3 days ago".
std::string days_from_now(int days) {
  if (days == 0) return "today";
  if (days > 0) return plural(days, "day", "days") + " from now";
  return plural(-days, "day", "days") + " ago";
}

// "a, b and c".
std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// Ids as "F-1, F-2 and F-3", escaped, each kept on one line ("F-" never ends a line).
std::string id_list(const std::vector<std::string>& ids) {
  std::vector<std::string> items;
  items.reserve(ids.size());
  for (const std::string& id : ids) items.push_back("<span class=\"id\">" + esc(id) + "</span>");
  return listed(items);
}

// The unresolved findings the report names, by id: the roadmap lists every one of them.
using FindingIndex = std::map<std::string, const RoadmapItem*>;

FindingIndex index_findings(const std::vector<RoadmapMonth>& roadmap) {
  FindingIndex index;
  for (const RoadmapMonth& m : roadmap) {
    for (const RoadmapItem& f : m.findings) index.emplace(f.id, &f);
  }
  return index;
}

struct Totals {
  int unresolved = 0, overdue = 0, critical = 0, high = 0;
};

Totals totals_of(const std::vector<OwnerWorkload>& workloads) {
  Totals t;
  for (const OwnerWorkload& w : workloads) {
    t.unresolved += w.total;
    t.overdue += w.overdue;
    t.critical += w.critical;
    t.high += w.high;
  }
  return t;
}

// ---- the executive summary ----

// "The Type II window starts 2027-03-01, 85 days from now; the current plan finishes
// 2027-02-15: on track."
std::string audit_sentence(const ManagementReport& r) {
  const Timeline& t = r.timeline;
  if (!t.audit_target) {
    return "No audit date is set yet (an admin sets it with <span class=\"mono\">gaplog audit "
           "set</span>), so there is nothing to be on track for.";
  }
  const AuditTarget& a = *t.audit_target;
  const Date target = a.target();
  std::string s = a.type == AuditType::kType1
                      ? fmt::format("The Type I audit is on {}", format_date(target))
                      : fmt::format("The Type II window starts {} (it ends {})",
                                    format_date(target), format_date(a.window_end));
  s += fmt::format(", {}; ", days_from_now(target.days - r.as_of.days));
  s += t.projected_ready_on
           ? fmt::format("the current plan finishes {}", format_date(*t.projected_ready_on))
           : std::string(
                 "the current plan has no finish date yet (some criteria lack an "
                 "implemented control with current evidence, or some findings have no "
                 "due date)");
  s += t.on_track.value_or(false) ? ": <span class=\"ok\">on track</span>."
                                  : ": <span class=\"late\">not on track</span>.";
  return s;
}

std::string blockers_sentence(const AuditBlockers& b) {
  std::vector<std::string> parts;
  if (!b.criteria.empty()) {
    parts.push_back(
        fmt::format("{} without an implemented control with current evidence ({})",
                    plural(static_cast<int64_t>(b.criteria.size()), "criterion", "criteria"),
                    id_list(b.criteria)));
  }
  if (!b.no_due_date.empty()) {
    parts.push_back(
        fmt::format("{} without a due date ({})",
                    plural(static_cast<int64_t>(b.no_due_date.size()), "finding", "findings"),
                    id_list(b.no_due_date)));
  }
  if (!b.due_after_target.empty()) {
    parts.push_back(
        fmt::format("{} due after the audit date ({})",
                    plural(static_cast<int64_t>(b.due_after_target.size()), "finding", "findings"),
                    id_list(b.due_after_target)));
  }
  if (parts.empty()) return "";
  return "Blocking the audit: " + listed(parts) + ".";
}

std::string findings_sentence(const ManagementReport& r) {
  const Totals t = totals_of(r.workloads);
  if (t.unresolved == 0) return "No finding is unresolved.";
  std::string s = fmt::format("{} unresolved, {} of them overdue; {} critical and {} high.",
                              plural(t.unresolved, "finding is", "findings are"), t.overdue,
                              t.critical, t.high);
  std::vector<std::string> late;
  for (const OwnerWorkload& w : r.workloads) {
    if (w.overdue > 0 && late.size() < 3) {
      late.push_back(fmt::format("{} ({} overdue)", esc(owner_name(w.owner)), w.overdue));
    }
  }
  if (!late.empty()) s += " Most overdue work: " + listed(late) + ".";
  return s;
}

// "7 findings have a risk score of 15 or more: F-26 (25), F-3 (20), …": riskiest first.
std::string risk_sentence(const HeatMap& h) {
  std::vector<std::pair<int, std::string>> high;  // (score, id)
  int rated = 0;
  for (int l = 1; l <= 5; ++l) {
    for (int i = 1; i <= 5; ++i) {
      for (const std::string& id : h.cells[l - 1][i - 1]) {
        ++rated;
        if (l * i >= 15) high.emplace_back(l * i, id);
      }
    }
  }
  std::stable_sort(high.begin(), high.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> named;
  named.reserve(high.size());
  for (const auto& [score, id] : high) {
    named.push_back(fmt::format("<span class=\"id\">{}</span> ({})", esc(id), score));
  }
  std::string s =
      high.empty()
          ? fmt::format("No rated finding has a risk score of 15 or more ({} rated).", rated)
          : fmt::format("{} a risk score of 15 or more: {}.",
                        plural(static_cast<int64_t>(high.size()), "finding has", "findings have"),
                        listed(named));
  if (!h.unrated.empty()) {
    s += fmt::format(" {} not rated yet.",
                     plural(static_cast<int64_t>(h.unrated.size()), "unresolved finding is",
                            "unresolved findings are"));
  }
  return s;
}

std::string summary_section(const ManagementReport& r) {
  const ReadinessCount& o = r.readiness.overall;
  std::string s = "<section class=\"summary\"><h2>Executive summary</h2>\n";
  s += fmt::format("<p>Readiness is {} ({} of {} criteria in scope are ready) as of {}.</p>\n",
                   percent(o), o.ready, o.in_scope, format_date(r.as_of));
  s += "<p>" + audit_sentence(r) + " " + blockers_sentence(r.timeline.blockers) + "</p>\n";
  s += "<p>" + findings_sentence(r) + "</p>\n";
  s += "<p>" + risk_sentence(r.heat_map) + "</p>\n";
  return s + "</section>\n";
}

// ---- readiness ----

// A horizontal bar of `tenths` per mille, outlined so that it reads without colour.
std::string bar(int tenths) {
  return fmt::format(
      "<svg viewBox=\"0 0 200 14\" role=\"img\" aria-label=\"{0}.{1}%\" "
      "style=\"max-width:12rem\"><rect x=\"0.5\" y=\"0.5\" width=\"199\" height=\"13\" "
      "fill=\"#fff\" stroke=\"#111\"/><rect x=\"0.5\" y=\"0.5\" width=\"{2:.1f}\" height=\"13\" "
      "fill=\"#555\"/></svg>",
      tenths / 10, tenths % 10, 199.0 * tenths / 1000.0);
}

std::string readiness_section(const ManagementReport& r) {
  const ReadinessCount& o = r.readiness.overall;
  std::string s = "<section><h2>Readiness</h2>\n";
  s += fmt::format(
      "<p class=\"keep\"><span class=\"big\">{}</span><br>{} of {} in-scope criteria have an "
      "implemented control with current evidence and no unresolved finding.</p>\n",
      percent(o), o.ready, o.in_scope);
  s += "<table><thead><tr><th>Category</th><th class=\"num\">Ready</th>"
       "<th class=\"num\">In scope</th><th class=\"num\">Readiness</th><th></th></tr></thead>"
       "<tbody>\n";
  for (const auto& [category, count] : r.readiness.categories) {
    s += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>\n",
        category_title(category), count.ready, count.in_scope, percent(count),
        bar(count.percent_tenths()));
  }
  s += fmt::format(
      "<tr><th>All in scope</th><th class=\"num\">{}</th><th class=\"num\">{}</th>"
      "<th class=\"num\">{}</th><td>{}</td></tr>\n",
      o.ready, o.in_scope, percent(o), bar(o.percent_tenths()));
  return s + "</tbody></table></section>\n";
}

// ---- the timeline charts ----

// The plot area of a chart, in the SVG's own units, and its x range in days.
struct Plot {
  double left = 56, right = 700, top = 16, bottom = 230;
  int32_t first = 0, last = 1;
  double x(Date d) const {
    return left + (right - left) * (d.days - first) / static_cast<double>(last - first);
  }
};

// One series: its values, stroke pattern ("" for solid), marker shape and name.
struct Series {
  std::string name;
  std::vector<double> values;
  std::string_view dash;
  std::string_view marker;  // "circle", "square", "triangle"
};

std::string marker_at(std::string_view shape, double x, double y) {
  if (shape == "circle") {
    return fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.2\" fill=\"#fff\" "
        "stroke=\"#111\" stroke-width=\"1.5\"/>",
        x, y);
  }
  if (shape == "square") {
    return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"6\" height=\"6\" fill=\"#111\"/>",
                       x - 3, y - 3);
  }
  return fmt::format("<path d=\"M{:.1f} {:.1f}l3.5 6h-7z\" fill=\"#111\"/>", x, y - 4);
}

std::string axes(const Plot& p, double max, std::string_view unit) {
  std::string s;
  for (int i = 0; i <= 4; ++i) {
    const double y = p.bottom - (p.bottom - p.top) * i / 4.0;
    s += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ccc\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{}{}</text>\n",
        p.left, y, p.right, y, p.left - 6, y + 4, fmt::format("{:.0f}", max * i / 4.0), unit);
  }
  const int ticks = std::min(6, std::max(1, p.last - p.first));
  for (int i = 0; i <= ticks; ++i) {
    const Date d{p.first + static_cast<int32_t>(
                               std::lround(static_cast<double>(p.last - p.first) * i / ticks))};
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#111\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"{5}\" font-size=\"11\">{4}</text>\n",
        p.x(d), p.bottom, p.bottom + 4, p.bottom + 17, format_date(d),
        i == ticks && ticks > 0 ? "end" : "middle");
  }
  return s + fmt::format(
                 "<polyline points=\"{0:.1f},{1:.1f} {0:.1f},{2:.1f} {3:.1f},{2:.1f}\" "
                 "fill=\"none\" stroke=\"#111\"/>\n",
                 p.left, p.top, p.bottom, p.right);
}

// The lines, their markers (at most about 40 per series) and a title per point.
std::string series_paths(const Plot& p, const Timeline& t, const std::vector<Series>& series,
                         double max) {
  std::string s;
  const size_t n = t.points.size();
  const size_t every = std::max<size_t>(1, (n + 39) / 40);
  for (const Series& line : series) {
    std::string points;
    std::string markers;
    for (size_t i = 0; i < n; ++i) {
      const double x = p.x(t.points[i].date);
      const double y = p.bottom - (p.bottom - p.top) * line.values[i] / max;
      points += fmt::format("{}{:.1f},{:.1f}", i == 0 ? "" : " ", x, y);
      if (i % every == 0 || i + 1 == n) {
        markers += fmt::format("<g><title>{}: {} {:g}</title>{}</g>", format_date(t.points[i].date),
                               esc(line.name), line.values[i], marker_at(line.marker, x, y));
      }
    }
    s += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#111\" stroke-width=\"2\"{}/>\n{}\n",
        points, line.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", line.dash),
        markers);
  }
  return s;
}

// The legend under the plot: a sample of each line with its marker.
std::string legend(const std::vector<Series>& series, double y) {
  std::string s;
  double x = 60;
  for (const Series& line : series) {
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#111\" "
        "stroke-width=\"2\"{3}/>{4}<text x=\"{5:.1f}\" y=\"{6:.1f}\" font-size=\"12\">{7}</text>\n",
        x, y, x + 36, line.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", line.dash),
        marker_at(line.marker, x + 18, y), x + 42, y + 4, esc(line.name));
    x += 60 + 7.0 * static_cast<double>(line.name.size());
  }
  return s;
}

// A vertical line at date `d` with a label, for the projected finish and the audit date.
std::string date_rule(const Plot& p, Date d, std::string_view label, std::string_view dash,
                      int row) {
  const double x = p.x(d);
  return fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#111\" "
      "stroke-width=\"1.5\" stroke-dasharray=\"{3}\"/><text x=\"{4:.1f}\" y=\"{5:.1f}\" "
      "text-anchor=\"end\" font-size=\"11\">{6} {7}</text>\n",
      x, p.top, p.bottom, dash, x - 3, p.top + 12 + 13.0 * row, label, format_date(d));
}

std::string chart(const Plot& p, const Timeline& t, const std::vector<Series>& series, double max,
                  std::string_view unit, const std::string& extra, std::string_view label) {
  return fmt::format(
      "<svg viewBox=\"0 0 720 290\" role=\"img\" aria-label=\"{}\">\n{}{}{}{}</svg>\n", label,
      axes(p, max, unit), extra, series_paths(p, t, series, max), legend(series, 272));
}

std::string timeline_section(const ManagementReport& r) {
  const Timeline& t = r.timeline;
  std::string s = "<section class=\"major\"><h2>Timeline</h2>\n";
  if (t.points.empty()) return s + "<p>There is no history to show yet.</p></section>\n";
  Plot p;
  p.first = t.from.days;
  p.last = std::max(t.to.days, p.first + 1);
  if (t.projected_ready_on) p.last = std::max(p.last, t.projected_ready_on->days);
  if (t.audit_target) p.last = std::max(p.last, t.audit_target->target().days);
  Series ready{"readiness %", {}, "", "circle"};
  Series unresolved{"unresolved findings", {}, "7 4", "square"};
  Series overdue{"overdue findings", {}, "2 3", "triangle"};
  double most = 4;
  for (const TimelinePoint& pt : t.points) {
    ready.values.push_back(pt.readiness.percent_tenths() / 10.0);
    const UnresolvedCounts& u = pt.unresolved;
    unresolved.values.push_back(u.critical + u.high + u.medium + u.low);
    overdue.values.push_back(u.overdue);
    most = std::max(most, unresolved.values.back());
  }
  const double count_max = std::ceil(most / 4) * 4;
  std::string rules;
  if (t.projected_ready_on)
    rules += date_rule(p, *t.projected_ready_on, "plan finishes", "8 3 2 3", 0);
  if (t.audit_target) rules += date_rule(p, t.audit_target->target(), "audit", "1 0", 1);
  const TimelinePoint& last = t.points.back();
  s += fmt::format(
      "<figure>{}<figcaption>Readiness from {} to {}, every {}: {} on {} "
      "(ready since: {}).</figcaption></figure>\n",
      chart(p, t, {ready}, 100, "%", rules, "readiness over time"), format_date(t.from),
      format_date(t.to), plural(t.step, "day", "days"), percent(last.readiness),
      format_date(last.date), t.ready_since ? format_date(*t.ready_since) : "not ready");
  s += fmt::format(
      "<figure>{}<figcaption>Unresolved and overdue findings: {} unresolved, {} overdue on "
      "{}.</figcaption></figure>\n",
      chart(p, t, {unresolved, overdue}, count_max, "", "", "unresolved findings over time"),
      static_cast<int>(unresolved.values.back()), last.unresolved.overdue, format_date(last.date));
  return s + "</section>\n";
}

// ---- the audit date ----

std::string finding_cells(const FindingIndex& index, const std::string& id) {
  auto it = index.find(id);
  if (it == index.end()) return fmt::format("<td>{}</td><td></td><td></td><td></td>", esc(id));
  const RoadmapItem& f = *it->second;
  return fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>", esc(f.id), esc(f.title),
                     name(f.severity), owner_cell(f.owner));
}

std::string blocker_findings(const FindingIndex& index, const std::vector<std::string>& ids,
                             std::string_view heading) {
  std::string s = fmt::format("<h3>{}</h3>\n", heading);
  if (ids.empty()) return s + "<p>None.</p>\n";
  s += "<table><thead><tr><th>Finding</th><th>Title</th><th>Severity</th><th>Owner</th>"
       "<th>Due</th></tr></thead><tbody>\n";
  for (const std::string& id : ids) {
    auto it = index.find(id);
    const std::string due = it != index.end() && it->second->due_date
                                ? format_date(*it->second->due_date)
                                : std::string("none");
    s += fmt::format("<tr>{}<td class=\"date\">{}</td></tr>\n", finding_cells(index, id), due);
  }
  return s + "</tbody></table>\n";
}

std::string audit_facts(const ManagementReport& r) {
  const Timeline& t = r.timeline;
  std::string s = "<table class=\"keep\"><tbody>\n";
  auto row = [&](std::string_view label, const std::string& value) {
    s += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", label, value);
  };
  if (t.audit_target) {
    const AuditTarget& a = *t.audit_target;
    row("Audit", a.type == AuditType::kType1 ? "Type I" : "Type II");
    if (a.type == AuditType::kType1) {
      row("Audit date", format_date(a.date));
    } else {
      row("Observation window",
          fmt::format("{} to {}", format_date(a.window_start), format_date(a.window_end)));
    }
    row("Days left", fmt::format("{} ({})", a.target().days - r.as_of.days,
                                 days_from_now(a.target().days - r.as_of.days)));
  } else {
    row("Audit date", "not set");
  }
  row("Plan finishes (projected ready on)",
      t.projected_ready_on ? format_date(*t.projected_ready_on) : "no projection yet");
  row("On track", !t.on_track ? "no audit date to be on track for" : (*t.on_track ? "yes" : "no"));
  return s + "</tbody></table>\n";
}

std::string audit_section(const ManagementReport& r, const FindingIndex& index) {
  const AuditBlockers& b = r.timeline.blockers;
  std::string s = "<section><h2>The audit date</h2>\n";
  s += "<p>" + audit_sentence(r) + "</p>\n" + audit_facts(r);
  s += "<h3>Criteria without an implemented control with current evidence</h3>\n";
  if (b.criteria.empty()) {
    s += "<p>None.</p>\n";
  } else {
    s += "<table><thead><tr><th>Criterion</th><th>Category</th><th>What it asks</th></tr>"
         "</thead><tbody>\n";
    for (const std::string& id : b.criteria) {
      const Criterion* c = find_criterion(id);
      s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(id),
                       c ? category_title(c->category) : "", c ? esc(c->title) : "");
    }
    s += "</tbody></table>\n";
  }
  s += blocker_findings(index, b.no_due_date, "Unresolved findings without a due date");
  s += blocker_findings(index, b.due_after_target, "Findings due after the audit date");
  return s + "</section>\n";
}

// ---- the heat map ----

// The shade of a risk score: 1–4, 5–9, 10–14, 15–25.
std::string_view risk_band(int score) {
  if (score >= 15) return "r4";
  if (score >= 10) return "r3";
  if (score >= 5) return "r2";
  return "r1";
}

std::string heat_map_section(const ManagementReport& r) {
  const HeatMap& h = r.heat_map;
  std::string s = "<section class=\"major\"><h2>Risk heat map</h2>\n";
  s += "<p>Unresolved findings by likelihood (rows) and impact (columns), each rated 1 to 5; "
       "the risk score is likelihood × impact, shown in each cell's corner and by its shade "
       "(darker is riskier).</p>\n";
  s += "<table class=\"heat keep\"><thead><tr><th>Likelihood \\ Impact</th>";
  for (int i = 1; i <= 5; ++i) s += fmt::format("<th class=\"num\">{}</th>", i);
  s += "</tr></thead><tbody>\n";
  for (int l = 5; l >= 1; --l) {
    s += fmt::format("<tr><th class=\"num\">{}</th>", l);
    for (int i = 1; i <= 5; ++i) {
      const std::vector<std::string>& ids = h.cells[l - 1][i - 1];
      std::string names;
      for (const std::string& id : ids) {
        names += (names.empty() ? "" : ", ") + ("<span class=\"id\">" + esc(id) + "</span>");
      }
      s += fmt::format(
          "<td class=\"{}\"><span class=\"score\">{}</span><span class=\"count\">{}</span>"
          "<span class=\"ids\">{}</span></td>",
          risk_band(l * i), l * i, ids.size(), names);
    }
    s += "</tr>\n";
  }
  s += "</tbody></table>\n";
  s += h.unrated.empty()
           ? std::string("<p>Every unresolved finding is rated.</p>\n")
           : fmt::format("<p>Not rated yet ({}): {}.</p>\n", h.unrated.size(), id_list(h.unrated));
  return s + "</section>\n";
}

// ---- overdue work by owner ----

std::string workloads_section(const ManagementReport& r) {
  std::string s = "<section class=\"major\"><h2>Overdue work by owner</h2>\n";
  if (r.workloads.empty()) return s + "<p>No finding is unresolved.</p></section>\n";
  s += "<p>Unresolved findings per owner, most overdue first; due soon means within 7 days, "
       "oldest is the age in days of the owner's oldest unresolved finding.</p>\n";
  s += "<table><thead><tr><th>Owner</th><th class=\"num\">Overdue</th>"
       "<th class=\"num\">Due soon</th><th class=\"num\">Unresolved</th>"
       "<th class=\"num\">Critical</th><th class=\"num\">High</th><th class=\"num\">Medium</th>"
       "<th class=\"num\">Low</th><th class=\"num\">Oldest (days)</th></tr></thead><tbody>\n";
  for (const OwnerWorkload& w : r.workloads) {
    s += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        owner_cell(w.owner), w.overdue, w.due_soon, w.total, w.critical, w.high, w.medium, w.low,
        w.oldest_days);
  }
  return s + "</tbody></table></section>\n";
}

// ---- the roadmap ----

// "2027-01" -> "January 2027"; "" -> "No due date".
std::string month_title(const std::string& month) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  Result<Date> first = parse_date(month + "-01");
  if (month.empty() || !first.is_ok()) return month.empty() ? "No due date" : month;
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{first->days}}};
  return fmt::format("{} {}", kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()));
}

std::string roadmap_section(const ManagementReport& r) {
  std::string s = "<section class=\"major\"><h2>Roadmap</h2>\n";
  if (r.roadmap.empty()) return s + "<p>No finding is unresolved.</p></section>\n";
  s += "<p>Unresolved findings by the month they are due.</p>\n";
  for (const RoadmapMonth& m : r.roadmap) {
    s += fmt::format("<h3>{} ({})</h3>\n", esc(month_title(m.month)),
                     plural(static_cast<int64_t>(m.findings.size()), "finding", "findings"));
    s += "<table><thead><tr><th>Finding</th><th>Title</th><th>Severity</th><th>Owner</th>"
         "<th>Due</th><th>Status</th></tr></thead><tbody>\n";
    for (const RoadmapItem& f : m.findings) {
      std::string status(name(f.status));
      if (f.overdue) status += ", <strong>overdue</strong>";
      if (f.acceptance_expired) status += ", <strong>acceptance expired</strong>";
      s += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"date\">{}</td><td>{}</td>"
          "</tr>\n",
          esc(f.id), esc(f.title), name(f.severity), owner_cell(f.owner),
          f.due_date ? format_date(*f.due_date) : "none", status);
    }
    s += "</tbody></table>\n";
  }
  return s + "</section>\n";
}

// ---- the tree head ----

std::string tree_head_section(const ManagementReport& r) {
  const StoredTreeHead& h = r.tree_head;
  std::string s = "<section class=\"keep\"><h2>What these figures were computed from</h2>\n";
  s += fmt::format(
      "<p>Every figure above was computed from the event log as its signed tree head below "
      "describes it: its first {}, of which those that happened by the end of {} count. The CPA "
      "firm can check this head against the audit bundle or "
      "<span class=\"mono\">GET /api/v1/audit/tree-head</span>.</p>\n",
      plural(static_cast<int64_t>(h.tree_size), "event", "events"), format_date(r.as_of));
  s += "<table><tbody>\n";
  s += fmt::format("<tr><th>Tree size</th><td class=\"mono\">{}</td></tr>\n", h.tree_size);
  s += fmt::format("<tr><th>Root hash (SHA-256)</th><td class=\"mono\">{}</td></tr>\n",
                   hash_hex(h.root));
  s += fmt::format("<tr><th>Signed at</th><td class=\"mono\">{}</td></tr>\n",
                   format_timestamp(h.timestamp));
  s += fmt::format("<tr><th>Signature (Ed25519)</th><td class=\"mono\">{}</td></tr>\n",
                   to_hex(h.signature));
  return s + "</tbody></table></section>\n";
}

std::string head(const ManagementReport& r, const std::string& program) {
  // default-src 'none': nothing may be fetched; the inline style is the one thing allowed.
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{} — management report as of {}</title>\n<style>{}</style>\n</head>\n<body>\n"
      "<header><h1>{}</h1><p class=\"meta\">SOC 2 readiness: management report as of {}. "
      "Generated {}.</p></header>\n",
      program, format_date(r.as_of), kStyle, program, format_date(r.as_of),
      format_timestamp(r.generated_at));
}

}  // namespace

std::string management_report_html(const ManagementReport& report) {
  const std::string program =
      esc(report.program_name.empty() ? "SOC 2 program" : report.program_name);
  const FindingIndex index = index_findings(report.roadmap);
  std::string html = head(report, program);
  html += "<main>\n";
  html += summary_section(report);
  html += readiness_section(report);
  html += timeline_section(report);
  html += audit_section(report, index);
  html += heat_map_section(report);
  html += workloads_section(report);
  html += roadmap_section(report);
  html += tree_head_section(report);
  html += "</main>\n";
  html += fmt::format("<footer>{} · gaplog · as of {} · tree size {}</footer>\n", program,
                      format_date(report.as_of), report.tree_head.tree_size);
  return html + "</body>\n</html>\n";
}

}  // namespace gaplog
