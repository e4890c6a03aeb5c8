#include "cli/commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/json.h"

namespace gaplog {
namespace {

using json::Value;

constexpr int kExitOk = 0, kExitRejected = 1, kExitUsage = 2, kExitIo = 3;

const std::map<std::string, std::string>& usages() {
  static const std::map<std::string, std::string> u = {
      {"readiness", "readiness [--as-of DATE] [--as-known-at TIMESTAMP]\n  example: gaplog readiness --as-of 2026-06-30"},
      {"workload", "workload [--as-of DATE]\n  example: gaplog workload"},
      {"timeline", "timeline [--from DATE] [--to DATE] [--step DAYS] [--as-known-at TIMESTAMP]\n  example: gaplog timeline --step 30"},
      {"roadmap", "roadmap [--as-of DATE]\n  example: gaplog roadmap"},
      {"events", "events [--after SEQ] [--limit N] [--stream S] [--actor EMAIL] [--type TYPE]\n  example: gaplog events --stream finding/F-3"},
      {"user", "user list | show EMAIL | add EMAIL --name NAME --role ROLE | role EMAIL ROLE | deactivate EMAIL [--reason R]\n  example: gaplog user add ann@example.com --name 'Ann Lee' --role editor"},
      {"token", "token issue --for EMAIL | revoke TOKEN_ID\n  example: gaplog token revoke tok_0123456789abcdef"},
      {"scope", "scope show | set CATEGORY...\n  example: gaplog scope set security availability"},
      {"control", "control list | show ID | add ID --title T --criteria C1,C2 [--description D] [--status S] | update ID [--title T] [--description D] [--criteria C1,C2] | status ID STATUS [--reason R]\n  example: gaplog control add AC-01 --title 'MFA everywhere' --criteria CC6.1,CC6.6"},
      {"finding", "finding list [--status S] [--owner EMAIL] [--severity S] [--criterion C] [--overdue] [--as-of DATE] | show ID | history ID | add --title T --severity S --criteria C1,C2 [--description D] [--control ID] [--source S] [--owner EMAIL] [--due DATE] | update ID [--title T] [--description D] [--severity S] [--criteria C1,C2] [--control ID|none] | assign ID EMAIL|none | due ID DATE|none [--reason R] | status ID STATUS [--reason R] | accept-risk ID --justification J --expires DATE | comment ID TEXT\n  example: gaplog finding status F-3 remediated"},
      {"export", "export poam [-o FILE] [--as-of DATE] [--as-known-at TIMESTAMP] | export bundle FILE [--as-of DATE]   (the bundle: admins and auditors)\n  example: gaplog export bundle audit-2026-11-30.tar --as-of 2026-11-30"},
      {"import", "import findings FILE.csv [--dry-run]   (columns: docs/import.md)\n  example: gaplog import findings gap-assessment.csv --dry-run"},
      {"evidence", "evidence list | show ID | add FILE [--finding ID] [--control ID] [--collected-on DATE] [--valid-until DATE] [--type MEDIA_TYPE] | get ID -o FILE | link ID (--finding ID | --control ID) | unlink ID (--finding ID | --control ID)\n  example: gaplog evidence add mfa-report.pdf --finding F-3 --valid-until 2027-06-30"},
  };
  return u;
}

std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// A query string from options that are present: {"as-of", "as_of"} maps --as-of to as_of.
std::string query(const CliArgs& a, const std::vector<std::pair<std::string, std::string>>& names) {
  std::string q;
  for (const auto& [option, param] : names) {
    auto it = a.options.find(option);
    if (it == a.options.end()) continue;
    q += (q.empty() ? "?" : "&") + param + "=" + percent_encode(it->second);
  }
  return q;
}

Value string_list_of(const std::string& csv) {
  Value list = Value::array();
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) list.push(Value::string(item));
  }
  return list;
}

struct Usage {
  std::string message;
};

// The request a command stands for, or a usage error.
struct Built {
  ApiRequest request;
  std::string output_file;  // evidence get -o
  std::vector<std::string> columns;  // for lists: which fields, in order
};

std::string word(const CliArgs& a, size_t i) { return i < a.words.size() ? a.words[i] : ""; }

std::variant<Built, Usage> build(const CliArgs& a) {
  const std::string cmd = word(a, 0), sub = word(a, 1), id = word(a, 2);
  const std::string v1 = "/api/v1/";
  auto get = [](std::string target) { return Built{ApiRequest{"GET", std::move(target), {}, "", }, "", {}}; };
  auto send = [](std::string method, std::string target, const Value& body) {
    return Built{ApiRequest{std::move(method), std::move(target), {{"Content-Type", "application/json"}}, json::write(body)},
                 "",
                 {}};
  };
  auto opt = [&](const std::string& name) -> std::optional<std::string> {
    auto it = a.options.find(name);
    if (it == a.options.end()) return std::nullopt;
    return it->second;
  };
  auto need = [&](size_t n, const std::string& what) -> std::optional<Usage> {
    if (a.words.size() < n) return Usage{fmt::format("{} needs {}", cmd + (sub.empty() ? "" : " " + sub), what)};
    return std::nullopt;
  };
  auto null_or = [](const std::string& v) { return v == "none" ? Value::null() : Value::string(v); };

  if (cmd == "readiness") return get(v1 + "readiness" + query(a, {{"as-of", "as_of"}, {"as-known-at", "as_known_at"}}));
  if (cmd == "workload") return get(v1 + "workloads" + query(a, {{"as-of", "as_of"}}));
  if (cmd == "roadmap") return get(v1 + "roadmap" + query(a, {{"as-of", "as_of"}}));
  if (cmd == "timeline") {
    return get(v1 + "timeline" + query(a, {{"from", "from"}, {"to", "to"}, {"step", "step"}, {"as-known-at", "as_known_at"}}));
  }
  if (cmd == "events") {
    Built b = get(v1 + "events" + query(a, {{"after", "after"}, {"limit", "limit"}, {"stream", "stream"},
                                            {"actor", "actor"}, {"type", "type"}}));
    return b;
  }
  if (cmd == "user") {
    if (sub == "list") return Built{ApiRequest{"GET", v1 + "users?limit=1000", {}, ""}, "", {"email", "name", "role", "active"}};
    if (auto u = need(3, "an e-mail")) return *u;
    const std::string path = v1 + "users/" + percent_encode(id);
    if (sub == "show") return get(path);
    if (sub == "add") {
      if (!opt("name") || !opt("role")) return Usage{"user add needs --name NAME and --role ROLE"};
      return send("POST", v1 + "users", Value::object().set("email", Value::string(id)).set("name", Value::string(*opt("name"))).set("role", Value::string(*opt("role"))));
    }
    if (sub == "role") {
      if (auto u = need(4, "a role")) return *u;
      return send("POST", path + "/role", Value::object().set("role", Value::string(word(a, 3))));
    }
    if (sub == "deactivate") {
      Value body = Value::object();
      if (opt("reason")) body.set("reason", Value::string(*opt("reason")));
      return send("POST", path + "/deactivate", body);
    }
  }
  if (cmd == "token" && sub == "revoke") {
    if (auto u = need(3, "a token id")) return *u;
    return Built{ApiRequest{"DELETE", v1 + "tokens/" + percent_encode(id), {}, ""}, "", {}};
  }
  if (cmd == "scope") {
    if (sub == "show") return get(v1 + "scope");
    if (sub == "set") {
      Value cats = Value::array();
      for (size_t i = 2; i < a.words.size(); ++i) cats.push(Value::string(a.words[i]));
      return send("PUT", v1 + "scope", Value::object().set("categories", std::move(cats)));
    }
  }
  if (cmd == "control") {
    if (sub == "list") return Built{get(v1 + "controls?limit=1000").request, "", {"id", "status", "title", "criteria"}};
    if (auto u = need(3, "a control id")) return *u;
    const std::string path = v1 + "controls/" + percent_encode(id);
    if (sub == "show") return get(path + query(a, {{"as-of", "as_of"}}));
    if (sub == "add") {
      if (!opt("title") || !opt("criteria")) return Usage{"control add needs --title T and --criteria C1,C2"};
      Value body = Value::object().set("id", Value::string(id)).set("title", Value::string(*opt("title"))).set("criteria", string_list_of(*opt("criteria")));
      if (opt("description")) body.set("description", Value::string(*opt("description")));
      if (opt("status")) body.set("status", Value::string(*opt("status")));
      return send("POST", v1 + "controls", body);
    }
    if (sub == "update") {
      Value body = Value::object();
      if (opt("title")) body.set("title", Value::string(*opt("title")));
      if (opt("description")) body.set("description", Value::string(*opt("description")));
      if (opt("criteria")) body.set("criteria", string_list_of(*opt("criteria")));
      return send("PATCH", path, body);
    }
    if (sub == "status") {
      if (auto u = need(4, "a status")) return *u;
      Value body = Value::object().set("status", Value::string(word(a, 3)));
      if (opt("reason")) body.set("reason", Value::string(*opt("reason")));
      return send("POST", path + "/status", body);
    }
  }
  if (cmd == "finding") {
    if (sub == "list") {
      std::string q = query(a, {{"status", "status"}, {"owner", "owner"}, {"severity", "severity"},
                                {"criterion", "criterion"}, {"as-of", "as_of"}});
      if (a.flags.count("overdue")) q += (q.empty() ? "?" : "&") + std::string("overdue=true");
      q += (q.empty() ? "?" : "&") + std::string("limit=1000");
      return Built{get(v1 + "findings" + q).request, "", {"id", "severity", "status", "owner", "due_date", "overdue", "title"}};
    }
    if (sub == "add") {
      if (!opt("title") || !opt("severity") || !opt("criteria")) {
        return Usage{"finding add needs --title T, --severity S and --criteria C1,C2"};
      }
      Value body = Value::object().set("title", Value::string(*opt("title"))).set("severity", Value::string(*opt("severity"))).set("criteria", string_list_of(*opt("criteria")));
      for (const auto& [option, field] : std::vector<std::pair<std::string, std::string>>{
               {"description", "description"}, {"control", "control"}, {"source", "source"}, {"owner", "owner"}, {"due", "due_date"}}) {
        if (opt(option)) body.set(field, Value::string(*opt(option)));
      }
      return send("POST", v1 + "findings", body);
    }
    if (auto u = need(3, "a finding id")) return *u;
    const std::string path = v1 + "findings/" + percent_encode(id);
    if (sub == "show") return get(path + query(a, {{"as-of", "as_of"}}));
    if (sub == "history") return get(path + "/history");
    if (sub == "update") {
      Value body = Value::object();
      for (const char* f : {"title", "description", "severity"}) {
        if (opt(f)) body.set(f, Value::string(*opt(f)));
      }
      if (opt("criteria")) body.set("criteria", string_list_of(*opt("criteria")));
      if (opt("control")) body.set("control", null_or(*opt("control")));
      return send("PATCH", path, body);
    }
    if (sub == "assign") {
      if (auto u = need(4, "an owner e-mail (or none)")) return *u;
      return send("POST", path + "/assign", Value::object().set("owner", null_or(word(a, 3))));
    }
    if (sub == "due") {
      if (auto u = need(4, "a date (or none)")) return *u;
      Value body = Value::object().set("due_date", null_or(word(a, 3)));
      if (opt("reason")) body.set("reason", Value::string(*opt("reason")));
      return send("POST", path + "/due-date", body);
    }
    if (sub == "status") {
      if (auto u = need(4, "a status")) return *u;
      Value body = Value::object().set("status", Value::string(word(a, 3)));
      if (opt("reason")) body.set("reason", Value::string(*opt("reason")));
      return send("POST", path + "/status", body);
    }
    if (sub == "accept-risk") {
      if (!opt("justification") || !opt("expires")) return Usage{"finding accept-risk needs --justification J and --expires DATE"};
      return send("POST", path + "/risk-acceptance",
                  Value::object().set("justification", Value::string(*opt("justification"))).set("expires_on", Value::string(*opt("expires"))));
    }
    if (sub == "comment") {
      if (auto u = need(4, "the comment text")) return *u;
      return send("POST", path + "/comments", Value::object().set("text", Value::string(word(a, 3))));
    }
  }
  if (cmd == "import") {
    if (sub != "findings") return Usage{"import takes: import findings FILE.csv"};
    if (auto u = need(3, "a CSV file")) return *u;
    auto bytes = read_local_file(id);
    if (!bytes) return Usage{bytes.status().message()};
    const std::string q = a.flags.count("dry-run") ? "?dry_run=true" : "";
    return Built{ApiRequest{"POST", v1 + "findings/import" + q, {{"Content-Type", "text/csv"}}, std::move(*bytes)}, "", {}};
  }
  if (cmd == "export") {
    if (sub == "poam") {
      Built b = get(v1 + "export/poam" + query(a, {{"as-of", "as_of"}, {"as-known-at", "as_known_at"}}));
      if (opt("o")) b.output_file = *opt("o");
      return b;
    }
    if (sub == "bundle") {
      if (auto u = need(3, "the file to write (gaplog export bundle FILE)")) return *u;
      Built b = get(v1 + "export/audit-bundle" + query(a, {{"as-of", "as_of"}}));
      b.output_file = id;
      return b;
    }
    return Usage{"export takes poam or bundle"};
  }
  if (cmd == "evidence") {
    if (sub == "list") return Built{get(v1 + "evidence?limit=1000").request, "", {"id", "filename", "size", "valid_until", "findings", "controls"}};
    if (sub == "add") {
      if (auto u = need(3, "a file")) return *u;
      auto bytes = read_local_file(id);
      if (!bytes) return Usage{bytes.status().message()};
      std::string name = id.substr(id.find_last_of('/') == std::string::npos ? 0 : id.find_last_of('/') + 1);
      std::string q = "?filename=" + percent_encode(name) +
                      [&] { std::string r = query(a, {{"finding", "finding"}, {"control", "control"}, {"collected-on", "collected_on"}, {"valid-until", "valid_until"}}); return r.empty() ? r : "&" + r.substr(1); }();
      return Built{ApiRequest{"POST", v1 + "evidence" + q, {{"Content-Type", opt("type").value_or("application/octet-stream")}}, std::move(*bytes)}, "", {}};
    }
    if (auto u = need(3, "an evidence id")) return *u;
    const std::string path = v1 + "evidence/" + percent_encode(id);
    if (sub == "show") return get(path);
    if (sub == "get") {
      if (!opt("o")) return Usage{"evidence get needs -o FILE"};
      Built b = get(path + "/content");
      b.output_file = *opt("o");
      return b;
    }
    if (sub == "link" || sub == "unlink") {
      Value body = Value::object();
      if (opt("finding")) body.set("finding", Value::string(*opt("finding")));
      if (opt("control")) body.set("control", Value::string(*opt("control")));
      return send("POST", path + (sub == "link" ? "/links" : "/unlinks"), body);
    }
  }
  return Usage{fmt::format("unknown command '{}'", cmd + (sub.empty() ? "" : " " + sub))};
}

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

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], std::min<size_t>(r[i].size(), 60));
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

void print_human(const Built& b, const Value& v, const std::string& command) {
  if (const Value* items = v.find("items"); items && items->is_array() && !b.columns.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const Value& item : items->items()) {
      std::vector<std::string> row;
      for (const auto& c : b.columns) row.push_back(cell(item.find(c)));
      rows.push_back(std::move(row));
    }
    print_table(b.columns, rows);
    return;
  }
  if (command == "readiness") {
    const Value* o = v.find("overall");
    std::printf("readiness as of %s: %s of %s criteria ready (%s%%)\n", cell(v.find("as_of")).c_str(),
                cell(o->find("ready")).c_str(), cell(o->find("in_scope")).c_str(), cell(o->find("percent")).c_str());
    std::vector<std::vector<std::string>> rows;
    for (const Value& c : v.find("criteria")->items()) {
      if (cell(c.find("status")) == "out_of_scope") continue;
      rows.push_back({cell(c.find("id")), cell(c.find("category")), cell(c.find("status")), cell(c.find("findings")),
                      cell(c.find("controls"))});
    }
    print_table({"criterion", "category", "status", "open findings", "controls"}, rows);
    return;
  }
  if (command == "workload") {
    std::vector<std::vector<std::string>> rows;
    for (const Value& o : v.find("owners")->items()) {
      rows.push_back({cell(o.find("owner")), cell(o.find("overdue")), cell(o.find("total")), cell(o.find("critical")),
                      cell(o.find("high")), cell(o.find("medium")), cell(o.find("low")), cell(o.find("due_soon")),
                      cell(o.find("oldest_days"))});
    }
    print_table({"owner", "overdue", "total", "critical", "high", "medium", "low", "due soon", "oldest (days)"}, rows);
    return;
  }
  if (command == "timeline") {
    std::vector<std::vector<std::string>> rows;
    for (const Value& p : v.find("points")->items()) {
      const Value* u = p.find("unresolved");
      rows.push_back({cell(p.find("date")), cell(p.find("percent")) + "%", cell(p.find("ready")) + "/" + cell(p.find("in_scope")),
                      cell(u->find("critical")), cell(u->find("high")), cell(u->find("medium")), cell(u->find("low")),
                      cell(p.find("overdue"))});
    }
    print_table({"date", "ready", "criteria", "critical", "high", "medium", "low", "overdue"}, rows);
    std::printf("projected ready on: %s   ready since: %s\n", cell(v.find("projected_ready_on")).c_str(),
                cell(v.find("ready_since")).c_str());
    return;
  }
  if (command == "roadmap") {
    std::vector<std::vector<std::string>> rows;
    for (const Value& m : v.find("months")->items()) {
      for (const Value& f : m.find("findings")->items()) {
        rows.push_back({cell(m.find("month")), cell(f.find("id")), cell(f.find("severity")), cell(f.find("status")),
                        cell(f.find("owner")), cell(f.find("due_date")), f.find("overdue")->as_bool() ? "OVERDUE" : "",
                        cell(f.find("title"))});
      }
    }
    print_table({"month", "id", "severity", "status", "owner", "due", "", "title"}, rows);
    return;
  }
  if (const Value* events = v.find("events"); events && events->is_array()) {
    std::vector<std::vector<std::string>> rows;
    for (const Value& e : events->items()) {
      rows.push_back({cell(e.find("seq")), cell(e.find("occurred_at")) + (e.find("backfilled")->as_bool() ? "*" : ""),
                      cell(e.find("actor")), cell(e.find("type")), cell(e.find("stream"))});
    }
    print_table({"seq", "occurred at (* back-filled)", "actor", "type", "stream"}, rows);
    return;
  }
  if (command == "import") {
    const bool dry = v.find("dry_run")->as_bool();
    std::printf("%s %s findings: %s\n", dry ? "would import" : "imported", cell(v.find("count")).c_str(),
                cell(v.find("ids")).c_str());
    if (dry) std::printf("(dry run: nothing was written; run again without --dry-run to import)\n");
    return;
  }
  if (v.is_object()) {
    size_t width = 0;
    for (const auto& [k, x] : v.members()) width = std::max(width, k.size());
    for (const auto& [k, x] : v.members()) {
      std::printf("%-*s  %s\n", static_cast<int>(width), k.c_str(), cell(&x).c_str());
    }
  }
}

}  // namespace

Result<std::string> read_local_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in) return io_error(fmt::format("cannot read {}", path));
  return bytes.str();
}

std::string api_command_usage(const std::string& command) {
  auto it = usages().find(command);
  return it == usages().end() ? "" : it->second;
}

namespace {

// Puts a completed download in place and says where it went.
int write_download(const Built& b) {
  const std::string partial = b.output_file + ".partial";
  std::error_code ec;
  const auto size = std::filesystem::file_size(partial, ec);
  if (ec || std::rename(partial.c_str(), b.output_file.c_str()) != 0) {
    std::remove(partial.c_str());
    std::fprintf(stderr, "gaplog: could not write %s\n", b.output_file.c_str());
    return kExitIo;
  }
  std::printf("wrote %llu bytes to %s\n", static_cast<unsigned long long>(size), b.output_file.c_str());
  return kExitOk;
}

}  // namespace

int run_api_command(const CliArgs& args, ApiClient& client) {
  auto built = build(args);
  if (auto* u = std::get_if<Usage>(&built)) {
    std::fprintf(stderr, "gaplog: %s\nusage: gaplog %s\n", u->message.c_str(), api_command_usage(word(args, 0)).c_str());
    return kExitUsage;
  }
  Built& b = std::get<Built>(built);
  // Downloads go to a temporary file next to the target, renamed into place when complete, so
  // that a failed download never leaves a file that looks whole.
  const std::string partial = b.output_file + ".partial";
  std::ofstream file;
  if (!b.output_file.empty()) {
    file.open(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "gaplog: could not write %s\n", partial.c_str());
      return kExitIo;
    }
  }
  auto response = b.output_file.empty() ? client.call(b.request) : client.download(b.request, file);
  if (!b.output_file.empty()) {
    file.close();
    if (!response || response->status >= 300 || !file) std::remove(partial.c_str());
  }
  if (!response) {
    std::fprintf(stderr, "gaplog: %s\n", response.status().message().c_str());
    return kExitIo;
  }
  if (response->status >= 400) {
    auto body = json::parse(response->body);
    const Value* e = body.is_ok() ? body->find("error") : nullptr;
    const Value* m = e ? e->find("message") : nullptr;
    if (args.flags.count("json")) std::printf("%s\n", response->body.c_str());
    std::fprintf(stderr, "gaplog: %s\n", m && m->is_string() ? m->as_string().c_str() : response->body.c_str());
    if (const Value* rows = e ? e->find("rows") : nullptr; rows && rows->is_array()) {
      for (const Value& row : rows->items()) {
        std::fprintf(stderr, "  line %s: %s\n", cell(row.find("line")).c_str(), cell(row.find("message")).c_str());
      }
    }
    return response->status >= 500 ? kExitIo : kExitRejected;
  }
  if (!b.output_file.empty()) return write_download(b);
  if (args.flags.count("json")) {
    std::printf("%s\n", response->body.c_str());
    return kExitOk;
  }
  auto body = json::parse(response->body);
  if (!body) {
    std::printf("%s\n", response->body.c_str());
    return kExitOk;
  }
  print_human(b, *body, word(args, 0));
  return kExitOk;
}

}  // namespace gaplog
