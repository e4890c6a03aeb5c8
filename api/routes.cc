#include "api/routes.h"

#include "api/handlers.h"

namespace gaplog {
namespace {

using Params = std::vector<std::string_view>;

const Params kNone;
const Params kAsOf{"as_of", "as_known_at"};
const Params kPage{"limit", "after", "as_of", "as_known_at"};
const Params kUser{"user"};

// Reminders (SPEC §11, api/reminders.cc).
std::vector<Route> reminder_routes() {
  constexpr RouteKind kRead = RouteKind::kRead, kWrite = RouteKind::kWrite;
  return {
      {"GET", "me/notifications", kNone, kRead, get_my_notifications},
      {"PUT",
       "me/notifications",
       kNone,
       kWrite,
       put_my_notifications,
       {},
       nullptr,
       /*own_account=*/true},
      {"GET", "webhooks", kNone, kRead, list_webhooks},
      {"POST", "webhooks", kNone, kWrite, post_webhook},
      {"DELETE", "webhooks/{}", kNone, kWrite, delete_webhook},
      {"GET",
       "notifications",
       {"subject", "recipient", "kind", "limit"},
       kRead,
       list_notifications},
      {"GET", "notifications/due", {"as_of"}, kRead, get_due_notifications},
      {"POST", "notifications/run", kNone, kWrite, post_notifications_run},
      {"GET", "deliveries", {"limit", "state"}, kRead, list_deliveries},
  };
}

// Controls (SPEC §6, §12, api/controls.cc).
std::vector<Route> control_routes() {
  constexpr RouteKind kRead = RouteKind::kRead, kCommand = RouteKind::kCommand;
  return {
      {"POST", "controls", kNone, kCommand, post_control},
      {"GET",
       "controls",
       {"limit", "after", "as_of", "as_known_at", "owner", "status", "evidence_status",
        "criterion"},
       kRead,
       list_controls},
      {"GET", "controls/{}", kAsOf, kRead, get_control},
      {"PATCH", "controls/{}", kNone, kCommand, patch_control},
      {"POST", "controls/{}/status", kNone, kCommand, post_control_status},
      {"POST", "controls/{}/tests", kNone, kCommand, post_control_test},
      {"GET", "controls/{}/tests", kAsOf, kRead, get_control_tests},
      {"GET", "controls/{}/history", kNone, kRead, get_control_history},
  };
}

// For management (SPEC §13, api/exports.cc): the report and the findings spreadsheets, for any
// reader. The spreadsheets take the filters of GET /findings.
std::vector<Route> export_routes() {
  constexpr RouteKind kRead = RouteKind::kRead;
  const Params sheet{"as_of", "status", "owner", "severity", "criterion", "overdue", "q"};
  return {
      {"GET", "export/report", {"as_of"}, kRead, get_report},
      {"GET", "export/findings.csv", sheet, kRead, get_findings_csv},
      {"GET", "export/findings.xlsx", sheet, kRead, get_findings_xlsx},
  };
}

// The assessment (SPEC §13).
std::vector<Route> assessment_routes() {
  constexpr RouteKind kRead = RouteKind::kRead, kCommand = RouteKind::kCommand;
  return {
      {"POST", "documents", kNone, kCommand, post_document},
      {"GET", "documents", kPage, kRead, list_documents},
      {"GET", "documents/{}", kAsOf, kRead, get_document},
      {"POST", "documents/{}/reviews", kNone, kCommand, post_document_review},
      {"POST", "interviews", kNone, kCommand, post_interview},
      {"GET", "interviews", kPage, kRead, list_interviews},
      {"GET", "interviews/{}", kAsOf, kRead, get_interview},
      {"GET", "assessment", kAsOf, kRead, get_assessment},
      {"GET", "heatmap", kAsOf, kRead, get_heatmap},
      {"PUT", "program/audit", kNone, kCommand, put_audit},
  };
}

// The API (SPEC §6 and docs/api.md). Within a path, the order of its methods is their order in
// a 405's Allow.
std::vector<Route> api_routes() {
  constexpr RouteKind kRead = RouteKind::kRead, kCommand = RouteKind::kCommand,
                      kWrite = RouteKind::kWrite;
  return {
      // Open: the dispatcher answers it before authentication (api/openapi.h); listed here for
      // the route's name in the metrics and for the drift test of the document.
      {"GET", "openapi.json", kNone, kRead, get_openapi},
      {"GET", "criteria", kNone, kRead, get_criteria},
      {"GET", "me", kNone, kRead, get_me},
      {"GET", "program", kAsOf, kRead, get_program},
      {"PUT", "program", kNone, kCommand, put_program},
      {"GET", "scope", kAsOf, kRead, get_scope},
      {"PUT", "scope", kNone, kCommand, put_scope},
      {"POST", "users", kNone, kCommand, post_user},
      {"GET", "users", kPage, kRead, list_users},
      {"GET", "users/{}", kAsOf, kRead, get_user},
      {"POST", "users/{}/role", kNone, kCommand, post_user_role},
      {"POST", "users/{}/deactivate", kNone, kCommand, post_user_deactivate},
      {"POST", "users/{}/tokens", kNone, kWrite, post_user_token},
      {"GET", "me/tokens", kNone, kRead, list_my_tokens},
      {"POST", "me/tokens", kNone, kWrite, post_my_token, {}, nullptr, /*own_account=*/true},
      {"GET", "tokens", kUser, kRead, list_tokens},
      {"DELETE", "tokens/{}", kNone, kWrite, delete_token, {}, nullptr, /*own_account=*/true},
      {"POST", "findings", kNone, kCommand, post_finding},
      {"POST", "findings/import", {"dry_run", "ignore_column"}, kWrite, post_findings_import},
      {"POST", "findings/bulk", kNone, kWrite, post_findings_bulk},
      {"GET",
       "findings",
       {"limit", "after", "as_of", "as_known_at", "status", "owner", "severity", "criterion",
        "overdue", "q"},
       kRead,
       list_findings},
      {"GET", "findings/{}", kAsOf, kRead, get_finding},
      {"GET", "findings/{}/history", kNone, kRead, get_finding_history},
      {"PATCH", "findings/{}", kNone, kCommand, patch_finding},
      {"POST", "findings/{}/assign", kNone, kCommand, post_finding_assign},
      {"POST", "findings/{}/due-date", kNone, kCommand, post_finding_due_date},
      {"POST", "findings/{}/status", kNone, kCommand, post_finding_status},
      {"POST", "findings/{}/risk-acceptance", kNone, kCommand, post_finding_risk},
      {"POST", "findings/{}/comments", kNone, kCommand, post_finding_comment},
      {"POST",
       "evidence",
       {"filename", "finding", "control", "collected_on", "valid_until"},
       RouteKind::kUpload},
      {"GET",
       "evidence",
       {"limit", "after", "as_of", "as_known_at", "expiring_within", "unlinked", "control",
        "finding"},
       kRead,
       list_evidence},
      {"GET", "evidence/{}", kAsOf, kRead, get_evidence},
      {"GET", "evidence/{}/content", kNone, kRead, get_evidence_content},
      {"POST", "evidence/{}/links", kNone, kCommand, post_evidence_link},
      {"POST", "evidence/{}/unlinks", kNone, kCommand, post_evidence_unlink},
      {"GET", "readiness", kAsOf, kRead, get_readiness, {}, quick_readiness},
      {"GET", "workloads", kAsOf, kRead, get_workloads},
      {"GET", "timeline", {"from", "to", "step", "as_known_at"}, kRead, get_timeline},
      {"GET", "roadmap", kAsOf, kRead, get_roadmap},
      {"GET", "events", {"after", "limit", "stream", "actor", "type"}, kRead, get_events},
      {"GET", "audit/tree-head", kNone, kRead, get_tree_head},
      {"GET", "audit/inclusion", {"seq", "tree_size"}, kRead, get_inclusion},
      {"GET", "audit/consistency", {"from", "to"}, kRead, get_consistency},
      {"GET", "audit/verify", kNone, kRead, get_verify,
       "verifying the whole log is for admins and auditors"},
      {"GET", "export/poam", kAsOf, kRead, get_poam},
      {"POST", "admin/backups", kNone, kWrite, post_backup},
      {"GET", "admin/backups", kNone, kRead, get_backups},
      {"GET",
       "export/audit-bundle",
       {"as_of"},
       kRead,
       get_audit_bundle,
       "the audit bundle is for admins and auditors"},
  };
}

constexpr std::string_view kPrefix = "/api/v1/";

// "{}" matches one non-empty segment, anything else itself.
bool path_matches(const std::vector<std::string_view>& pattern,
                  const std::vector<std::string>& segments) {
  if (pattern.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (pattern[i] == "{}" ? segments[i].empty() : pattern[i] != segments[i]) return false;
  }
  return true;
}

}  // namespace

RouteTable::RouteTable() {
  std::vector<Route> routes = api_routes();
  for (Route& r : control_routes()) routes.push_back(std::move(r));
  for (Route& r : reminder_routes()) routes.push_back(std::move(r));
  for (Route& r : assessment_routes()) routes.push_back(std::move(r));
  for (Route& r : export_routes()) routes.push_back(std::move(r));
  for (Route& route : routes) {
    Entry e;
    e.target = std::string(kPrefix) + std::string(route.path);
    for (std::string_view rest = route.path;;) {
      const size_t slash = rest.find('/');
      e.pattern.push_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    e.route = std::move(route);
    entries_.push_back(std::move(e));
  }
  for (const Entry& e : entries_) {
    if (e.route.quick != nullptr) quick_.push_back(&e);
    if (e.route.kind == RouteKind::kUpload) uploads_.push_back(&e);
  }
}

std::vector<RouteTable::Signature> RouteTable::signatures() const {
  std::vector<Signature> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back({e.route.method, e.route.path});
  return out;
}

RouteTable::Match RouteTable::match(std::string_view method,
                                    const std::vector<std::string>& segments) const {
  Match m;
  for (const Entry& e : entries_) {
    if (!path_matches(e.pattern, segments)) continue;
    if (!method_matches(e.route.method, method)) {
      m.allowed += (m.allowed.empty() ? "" : ", ") + std::string(e.route.method);
      if (e.route.method == "GET") m.allowed += ", HEAD";
      continue;
    }
    for (size_t i = 0; i < segments.size(); ++i) {
      if (e.pattern[i] == "{}") m.params.push_back(segments[i]);
    }
    m.route = &e.route;
    m.allowed.clear();
    return m;
  }
  return m;
}

std::string_view RouteTable::pattern_of(const std::vector<std::string>& segments) const {
  for (const Entry& e : entries_) {
    if (path_matches(e.pattern, segments)) return e.route.path;
  }
  return {};
}

const Route* RouteTable::quick_route(std::string_view target) const {
  for (const Entry* e : quick_) {
    if (e->target == target) return &e->route;
  }
  return nullptr;
}

bool RouteTable::is_upload(std::string_view method, std::string_view path) const {
  for (const Entry* e : uploads_) {
    if (e->route.method == method && e->target == path) return true;
  }
  return false;
}

}  // namespace gaplog
