#include "cli/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace gaplog {

using json::Value;

std::string cell(const Value* v) {
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return v->as_string();
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  if (v->is_array()) {
    std::string s;
    for (const Value& x : v->items()) s += (s.empty() ? "" : ",") + cell(&x);
    return s.empty() ? "-" : s;
  }
  return json::write(*v);
}

namespace {

bool is_true(const Value* v) { return v != nullptr && v->is_bool() && v->as_bool(); }

// A finding's or control's status as the CLI prints it, whichever command prints it: an expired
// risk acceptance is never shown as approved (SPEC §3), and an implemented control whose latest
// test failed is marked as not counting (SPEC §12).
std::string status_cell(const Value& entity) {
  std::string status = cell(entity.find("status"));
  if (is_true(entity.find("acceptance_expired"))) return status + " (acceptance expired)";
  const Value* counts = entity.find("counts_as_implemented");
  if (status == "implemented" && counts != nullptr && counts->is_bool() && !counts->as_bool())
    return status + " (latest test failed)";
  return status;
}

// A control's latest test: "fail 2026-11-02" in a table; with `full`, also its kind and tester.
std::string test_cell(const Value* test, bool full) {
  if (test == nullptr || !test->is_object()) return cell(test);
  std::string s = cell(test->find("result")) + " " + cell(test->find("tested_on"));
  if (full) {
    s += fmt::format(" ({}, by {})", cell(test->find("kind")), cell(test->find("tested_by")));
  }
  return s;
}

// Evidence's validity per linked control: "AC-01 until 2027-01-31 (current)".
std::string validity_cell(const Value* validity) {
  if (validity == nullptr || !validity->is_array()) return cell(validity);
  std::string s;
  for (const Value& v : validity->items()) {
    const Value* until = v.find("valid_until");
    s += fmt::format("{}{} {}{}", s.empty() ? "" : ", ", cell(v.find("control")),
                     until == nullptr || until->is_null() ? "without end" : "until " + cell(until),
                     is_true(v.find("current")) ? " (current)" : " (not current)");
  }
  return s.empty() ? "-" : s;
}

// A document's latest review: "outdated 2026-02-01"; with `full`, also who reviewed it.
std::string review_cell(const Value* review, bool full) {
  if (review == nullptr || !review->is_object()) return cell(review);
  std::string s = cell(review->find("outcome")) + " " + cell(review->find("reviewed_on"));
  if (full) s += fmt::format(" (by {})", cell(review->find("reviewed_by")));
  return s;
}

// A finding's risk: its score in a table; "12 (likelihood 3 x impact 4)" as a field.
std::string risk_cell(const Value& finding, bool full) {
  const Value* score = finding.find("risk_score");
  if (!full || score == nullptr || score->is_null()) return cell(score);
  return fmt::format("{} (likelihood {} x impact {})", cell(score),
                     cell(finding.find("likelihood")), cell(finding.find("impact")));
}

// A field of an entity as a table cell or a `field value` line.
std::string field_cell(const Value& entity, const std::string& field, bool full) {
  if (field == "status") return status_cell(entity);
  if (field == "latest_test") return test_cell(entity.find(field), full);
  if (field == "latest_review") return review_cell(entity.find(field), full);
  if (field == "risk" || field == "risk_score") return risk_cell(entity, full);
  if (field == "validity") return validity_cell(entity.find(field));
  return cell(entity.find(field));
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], std::min<size_t>(r[i].size(), 60));
  }
  const bool tty = ::isatty(1) != 0;
  auto line = [&](const std::vector<std::string>& r, bool bold) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string c = r[i].size() > 60 ? r[i].substr(0, 59) + "…" : r[i];
      s += i + 1 == r.size() ? c : fmt::format("{:<{}}  ", c, width[i]);
    }
    std::printf("%s%s%s\n", bold && tty ? "\033[1m" : "", s.c_str(), bold && tty ? "\033[0m" : "");
  };
  line(header, true);
  for (const auto& r : rows) line(r, false);
}

// A list answer ({"items": [...]}) as a table of `columns`.
void print_items(const std::vector<std::string>& columns, const Value& items) {
  std::vector<std::vector<std::string>> rows;
  for (const Value& item : items.items()) {
    std::vector<std::string> row;
    row.reserve(columns.size());
    for (const auto& c : columns) row.push_back(field_cell(item, c, false));
    rows.push_back(std::move(row));
  }
  print_table(columns, rows);
}

// The reminder pass: one line per notification, and what was queued.
void print_notifications(const Value& v) {
  const Value* list = v.find("notifications");
  if (list == nullptr || !list->is_array()) return;
  const std::string day = cell(v.find("as_of"));
  if (list->items().empty()) {
    std::printf("no reminders for %s\n", day.c_str());
  } else {
    print_items({"kind", "recipient", "subject", "day"}, *list);
  }
  if (const Value* queued = v.find("queued")) {
    const Value* channels = v.find("channels");
    if (channels && channels->is_bool() && !channels->as_bool()) {
      std::printf("reminders are off: no --smtp-url and no webhook; nothing sent or recorded\n");
    } else {
      std::printf("%s queued for delivery (those sent before are not sent again)\n",
                  cell(queued).c_str());
    }
  }
}

void print_readiness(const Value& v) {
  const Value* o = v.find("overall");
  std::printf("readiness as of %s: %s of %s criteria ready (%s%%)\n", cell(v.find("as_of")).c_str(),
              cell(o->find("ready")).c_str(), cell(o->find("in_scope")).c_str(),
              cell(o->find("percent")).c_str());
  std::vector<std::vector<std::string>> rows;
  for (const Value& c : v.find("criteria")->items()) {
    if (cell(c.find("status")) == "out_of_scope") continue;
    rows.push_back({cell(c.find("id")), cell(c.find("category")), cell(c.find("status")),
                    cell(c.find("findings")), cell(c.find("controls"))});
  }
  print_table({"criterion", "category", "status", "open findings", "controls"}, rows);
}

void print_workload(const Value& v) {
  std::vector<std::vector<std::string>> rows;
  for (const Value& o : v.find("owners")->items()) {
    rows.push_back({cell(o.find("owner")), cell(o.find("overdue")), cell(o.find("total")),
                    cell(o.find("critical")), cell(o.find("high")), cell(o.find("medium")),
                    cell(o.find("low")), cell(o.find("due_soon")), cell(o.find("oldest_days"))});
  }
  print_table({"owner", "overdue", "total", "critical", "high", "medium", "low", "due soon",
               "oldest (days)"},
              rows);
}

// An audit target (audit JSON): "Type I on 2027-03-31", "Type II, window … (target …)".
std::string audit_cell(const Value* audit) {
  if (audit == nullptr || !audit->is_object()) return "none set";
  if (cell(audit->find("type")) == "type1") return "Type I on " + cell(audit->find("date"));
  return fmt::format("Type II, observation window {} to {} (target {})",
                     cell(audit->find("window_start")), cell(audit->find("window_end")),
                     cell(audit->find("target")));
}

void print_timeline(const Value& v) {
  std::vector<std::vector<std::string>> rows;
  for (const Value& p : v.find("points")->items()) {
    const Value* u = p.find("unresolved");
    rows.push_back({cell(p.find("date")), cell(p.find("percent")) + "%",
                    cell(p.find("ready")) + "/" + cell(p.find("in_scope")),
                    cell(u->find("critical")), cell(u->find("high")), cell(u->find("medium")),
                    cell(u->find("low")), cell(p.find("overdue"))});
  }
  print_table({"date", "ready", "criteria", "critical", "high", "medium", "low", "overdue"}, rows);
  std::printf("projected ready on: %s   ready since: %s\n",
              cell(v.find("projected_ready_on")).c_str(), cell(v.find("ready_since")).c_str());
  if (const Value* target = v.find("audit_target"); target && target->is_object()) {
    std::printf("audit: %s, %s days left, %s (gaplog audit show lists the blockers)\n",
                audit_cell(target).c_str(), cell(v.find("days_left")).c_str(),
                is_true(v.find("on_track")) ? "on track" : "NOT on track");
  }
}

void print_roadmap(const Value& v) {
  std::vector<std::vector<std::string>> rows;
  for (const Value& m : v.find("months")->items()) {
    for (const Value& f : m.find("findings")->items()) {
      rows.push_back({cell(m.find("month")), cell(f.find("id")), cell(f.find("severity")),
                      status_cell(f), cell(f.find("owner")), cell(f.find("due_date")),
                      f.find("overdue")->as_bool() ? "OVERDUE" : "", cell(f.find("title"))});
    }
  }
  print_table({"month", "id", "severity", "status", "owner", "due", "", "title"}, rows);
}

void print_event_table(const Value& events) {
  std::vector<std::vector<std::string>> rows;
  for (const Value& e : events.items()) {
    rows.push_back({cell(e.find("seq")),
                    cell(e.find("occurred_at")) + (e.find("backfilled")->as_bool() ? "*" : ""),
                    cell(e.find("actor")), cell(e.find("type")), cell(e.find("stream"))});
  }
  print_table({"seq", "occurred at (* back-filled)", "actor", "type", "stream"}, rows);
}

void print_import(const Value& v) {
  const bool dry = v.find("dry_run")->as_bool();
  std::printf("%s %s findings\n", dry ? "would import" : "imported", cell(v.find("count")).c_str());
  if (const Value* findings = v.find("findings"); findings && findings->is_array()) {
    std::vector<std::vector<std::string>> rows;
    for (const Value& f : findings->items()) {
      rows.push_back({cell(f.find("line")), cell(f.find("id")), cell(f.find("reference")),
                      cell(f.find("severity")), cell(f.find("title"))});
    }
    print_table({"line", "id", "gap id", "severity", "title"}, rows);
  } else {
    std::printf("%s\n", cell(v.find("ids")).c_str());
  }
  if (dry) std::printf("(dry run: nothing was written; run again without --dry-run to import)\n");
}

void print_issued_token(const Value& v) {
  std::printf("API token for %s (shown once; keep it safe): %s\n", cell(v.find("email")).c_str(),
              cell(v.find("token")).c_str());
  std::printf("token id %s (gaplog token revoke %s revokes it)\n", cell(v.find("token_id")).c_str(),
              cell(v.find("token_id")).c_str());
}

void print_verification(const Value& v) {
  if (v.find("ok")->as_bool()) {
    std::printf("ok: %s events, root %s\n", cell(v.find("tree_size")).c_str(),
                cell(v.find("root_hash")).c_str());
  } else {
    std::printf("FAILED at seq %s: %s\n", cell(v.find("first_bad_seq")).c_str(),
                cell(v.find("problem")).c_str());
  }
}

void print_tree_head(const Value& v) {
  for (const char* field : {"tree_size", "root_hash", "timestamp", "signature"}) {
    std::printf("%-10s %s\n", field, cell(v.find(field)).c_str());
  }
}

void print_log(const Value& v) {
  for (const Value& e : v.find("events")->items()) {
    std::printf("%8s  %-24s %-28s %s%s\n", cell(e.find("seq")).c_str(),
                cell(e.find("type")).c_str(), cell(e.find("stream")).c_str(),
                cell(e.find("occurred_at")).c_str(),
                e.find("backfilled")->as_bool() ? "  (back-filled)" : "");
  }
}

// An entity as aligned "field  value" lines, but for the field `except`.
void print_fields(const Value& v, const std::string& except = "") {
  size_t width = 0;
  for (const auto& [k, x] : v.members()) width = std::max(width, k.size());
  for (const auto& [k, x] : v.members()) {
    if (k == except) continue;
    std::printf("%-*s  %s\n", static_cast<int>(width), k.c_str(), field_cell(v, k, true).c_str());
  }
}

// A section of a report: its title, then `items` as a table of `columns`, or "none".
void print_section(const std::string& title, const Value* items,
                   const std::vector<std::string>& columns) {
  if (items == nullptr || !items->is_array() || items->items().empty()) {
    std::printf("%s: none\n", title.c_str());
    return;
  }
  std::printf("%s (%zu)\n", title.c_str(), items->items().size());
  print_items(columns, *items);
}

// A list of ids with its count: "(2): F-3, F-9", or "(0): none".
std::string id_list(const Value* ids) {
  std::string list;
  if (ids != nullptr && ids->is_array()) {
    for (const Value& id : ids->items()) list += (list.empty() ? "" : ", ") + cell(&id);
  }
  const size_t n = ids != nullptr && ids->is_array() ? ids->items().size() : 0;
  return fmt::format("({}): {}", n, n == 0 ? "none" : list);
}

// A document: its fields, then its reviews in the order recorded.
void print_document(const Value& v) {
  print_fields(v, "reviews");
  print_section("reviews", v.find("reviews"),
                {"n", "reviewed_on", "outcome", "reviewed_by", "next_review_on", "notes"});
}

void print_assessment(const Value& v) {
  std::printf("assessment as of %s: %s of %s in-scope criteria assessed\n",
              cell(v.find("as_of")).c_str(), cell(v.find("assessed")).c_str(),
              cell(v.find("in_scope")).c_str());
  print_section("documents", v.find("documents"),
                {"id", "kind", "latest_review", "criteria", "findings", "title"});
  print_section("interviews", v.find("interviews"),
                {"id", "held_on", "stakeholder", "stakeholder_role", "criteria", "findings"});
  print_section("control tests", v.find("tests"),
                {"ref", "tested_on", "kind", "result", "findings", "control_title"});
  std::printf("not assessed %s\n", id_list(v.find("not_assessed")).c_str());
}

// The heat map: counts of unresolved findings, likelihood 5 to 1 down, impact 1 to 5 across;
// then the findings of each rated cell, the highest risk first, and those without a rating.
void print_heatmap(const Value& v) {
  std::array<std::array<const Value*, 5>, 5> grid{};  // [likelihood - 1][impact - 1]
  for (const Value& c : v.find("cells")->items()) {
    const int64_t l = c.find("likelihood")->as_integer(), i = c.find("impact")->as_integer();
    if (l >= 1 && l <= 5 && i >= 1 && i <= 5) grid.at(l - 1).at(i - 1) = c.find("findings");
  }
  auto count = [](const Value* ids) { return ids == nullptr ? size_t{0} : ids->items().size(); };
  std::printf("risk heat map as of %s: unresolved findings by likelihood and impact\n\n",
              cell(v.find("as_of")).c_str());
  std::printf("%-12s impact\n%-12s", "", "likelihood");
  for (int i = 1; i <= 5; ++i) std::printf("%5d", i);
  std::printf("\n");
  for (int l = 5; l >= 1; --l) {
    std::printf("%10d  ", l);
    for (int i = 1; i <= 5; ++i) std::printf("%5zu", count(grid.at(l - 1).at(i - 1)));
    std::printf("\n");
  }
  std::vector<std::vector<std::string>> rows;
  for (int score = 25; score >= 1; --score) {
    for (int l = 5; l >= 1; --l) {
      const Value* ids =
          score % l == 0 && score / l <= 5 ? grid.at(l - 1).at(score / l - 1) : nullptr;
      if (count(ids) == 0) continue;
      rows.push_back(
          {std::to_string(score), std::to_string(l), std::to_string(score / l), cell(ids)});
    }
  }
  std::printf("\n");
  if (!rows.empty()) print_table({"risk", "likelihood", "impact", "findings"}, rows);
  std::printf("unrated %s\n", id_list(v.find("unrated")).c_str());
}

// audit show, from the timeline: the target, the days left, whether on track, the blockers.
void print_audit_status(const Value& v) {
  const Value* target = v.find("audit_target");
  std::printf("audit: %s\n", audit_cell(target).c_str());
  if (target == nullptr || target->is_null()) {
    std::printf("(set it with: gaplog audit set --type1 DATE, or --type2 START END)\n");
  } else {
    const Value* projected = v.find("projected_ready_on");
    const std::string projection = projected == nullptr || projected->is_null()
                                       ? "no projected ready date"
                                       : "projected ready on " + cell(projected);
    const Value* days = v.find("days_left");
    const std::string left = days != nullptr && days->is_integer() && days->as_integer() < 0
                                 ? fmt::format("the target passed {} days ago", -days->as_integer())
                                 : cell(days) + " days left";
    std::printf("as of %s: %s; %s: %s\n", cell(v.find("to")).c_str(), left.c_str(),
                projection.c_str(), is_true(v.find("on_track")) ? "on track" : "NOT on track");
  }
  const Value* blockers = v.find("blockers");
  if (blockers == nullptr || !blockers->is_object()) return;
  std::printf("blockers\n");
  std::printf("  in-scope criteria without an implemented control with current evidence %s\n",
              id_list(blockers->find("criteria")).c_str());
  std::printf("  unresolved findings without a due date %s\n",
              id_list(blockers->find("no_due_date")).c_str());
  std::printf("  unresolved findings due after the target %s\n",
              id_list(blockers->find("due_after_target")).c_str());
}

}  // namespace

void print_human(const std::vector<std::string>& columns, const Value& v,
                 const std::string& command) {
  const Value* items = v.find("items");
  const Value* events = v.find("events");
  if (items && items->is_array() && !columns.empty()) {
    print_items(columns, *items);
  } else if (const Value* hooks = v.find("webhooks"); hooks && hooks->is_array()) {
    print_items({"id", "url", "kinds", "added_by"}, *hooks);
  } else if (command == "notify") {
    print_notifications(v);
  } else if (command == "readiness") {
    print_readiness(v);
  } else if (command == "workload") {
    print_workload(v);
  } else if (command == "timeline") {
    print_timeline(v);
  } else if (command == "roadmap") {
    print_roadmap(v);
  } else if (command == "assessment") {
    print_assessment(v);
  } else if (command == "heatmap") {
    print_heatmap(v);
  } else if (command == "audit") {
    if (v.find("points") != nullptr) {
      print_audit_status(v);
    } else {  // audit set: the program, with its audit target
      std::printf("audit: %s\n", audit_cell(v.find("audit")).c_str());
    }
  } else if (command == "document" && v.find("reviews") != nullptr) {
    print_document(v);
  } else if (events && events->is_array() && command != "log") {
    print_event_table(*events);
  } else if (command == "import") {
    print_import(v);
  } else if (command == "token" && v.find("token")) {
    print_issued_token(v);
  } else if (command == "verify") {
    print_verification(v);
  } else if (command == "tree-head") {
    print_tree_head(v);
  } else if (command == "log") {
    print_log(v);
  } else if (v.is_object()) {
    print_fields(v);
  }
}

}  // namespace gaplog
