// The management report (SPEC §13, docs/reports.md): one self-contained HTML file a CEO can read
// on screen or print, served by GET /api/v1/export/report and written by `gaplog export report`.
//
// Self-contained: the file makes no request of any kind when opened. Its styles are one inline
// <style>, its charts inline <svg>; it has no script, font, image, link or frame, and a
// Content-Security-Policy <meta> (default-src 'none') forbids the browser to fetch anything even
// if a future edit added a reference. Every text that comes from users (the program's name,
// titles, e-mails, ids) is escaped.
//
// What it shows, in this order: an executive summary in plain sentences; readiness overall and by
// category; the timeline (a line chart legible in black and white: line styles and markers, not
// colour alone); the audit date, whether the projection is on track, the days left and the
// blockers by name; the 5 × 5 heat map (likelihood × impact, each cell with its count and its
// finding ids); overdue work by owner; the roadmap by month; and the signed tree head the figures
// were computed from.
//
// Printable on A4 and Letter alike: the page size is left to the printer (margins in mm), each
// major section starts a new page, rows and figures are not split across pages, table headers
// repeat on each page, and no table is wider than the page.
//
// A pure function of its input: the same report gives the same bytes. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "domain/readiness.h"
#include "domain/time.h"
#include "projections/program_history.h"
#include "store/event_log.h"

namespace gaplog {

struct ManagementReport {
  std::string program_name;  // "" when the program has no name yet
  Date as_of;                // the business date of every figure
  Micros generated_at = 0;   // when the report was made
  // The signed tree head of the log the figures were computed from (tree_size = the events).
  StoredTreeHead tree_head;
  Readiness readiness;  // as of as_of
  // Ending at as_of; its audit_target, on_track and blockers are the audit section's.
  Timeline timeline;
  HeatMap heat_map;                      // unresolved findings at as_of by likelihood × impact
  std::vector<OwnerWorkload> workloads;  // as workloads_at orders them
  std::vector<RoadmapMonth> roadmap;     // as roadmap_at orders them; it names every unresolved
                                         // finding, so the report takes titles from it
};

// The report as one HTML document (UTF-8).
std::string management_report_html(const ManagementReport& report);

}  // namespace gaplog
