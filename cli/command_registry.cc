// The API commands: each one's words, options and operands, and the request it stands for.
#include "cli/command_registry.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <utility>

#include "codec/json.h"
#include "codec/url.h"

namespace gaplog {

using json::Value;

Value string_list_of(const std::string& text) {
  Value list = Value::array();
  for (std::string& item : split_list(text)) list.push(Value::string(std::move(item)));
  return list;
}

Built get_request(std::string target, std::vector<std::string> columns) {
  return Built{ApiRequest{"GET", std::move(target), {}, ""}, "", std::move(columns)};
}

Built send_json(std::string method, std::string target, const Value& body) {
  return Built{ApiRequest{std::move(method),
                          std::move(target),
                          {{"Content-Type", "application/json"}},
                          json::write(body)},
               "",
               {}};
}

std::string query(const ApiCommands::Command& c,
                  const std::vector<std::pair<std::string, std::string>>& names) {
  std::string q;
  for (const auto& [option, param] : names) {
    if (auto v = c.opt(option)) q += (q.empty() ? "?" : "&") + param + "=" + percent_encode(*v);
  }
  return q;
}

void set_given(const ApiCommands::Command& c, Value& body,
               const std::vector<std::pair<std::string, std::string>>& fields) {
  for (const auto& [option, field] : fields) {
    if (auto v = c.opt(option)) body.set(field, Value::string(*v));
  }
}

std::string append_query(const std::string& q, const std::string& param) {
  return q + (q.empty() ? "?" : "&") + param;
}

Value null_or(const std::string& v) { return v == "none" ? Value::null() : Value::string(v); }

std::string entity_path(const std::string& collection, const ApiCommands::Command& c) {
  return kV1 + collection + "/" + percent_encode(c.get("ID"));
}

namespace {

// The path of the finding or evidence file a command names by its ID operand.
std::string finding_path(const ApiCommands::Command& c) { return entity_path("findings", c); }
std::string evidence_path(const ApiCommands::Command& c) { return entity_path("evidence", c); }
std::string control_path(const ApiCommands::Command& c) { return entity_path("controls", c); }

// A filter that takes several values, given as `a,b` or `a, b`: `enums` sends each as an enum
// value in the spec's spelling ("Open, In Progress" -> status=open,in_progress).
struct ListFilter {
  const char* option;
  const char* param;
  bool enums;
};

// `q` with the list filters that were given appended.
std::string list_filters(const ApiCommands::Command& c, std::string q,
                         const std::vector<ListFilter>& filters) {
  for (const ListFilter& f : filters) {
    auto text = c.opt(f.option);
    if (!text) continue;
    std::string values;
    for (const std::string& item : split_list(*text))
      values += (values.empty() ? "" : ",") + (f.enums ? enum_value(item) : item);
    q = append_query(q, std::string(f.param) + "=" + percent_encode(values));
  }
  return q;
}

// The columns of a table of findings (finding list, finding bulk).
const std::vector<std::string> kFindingColumns = {"id",    "severity", "risk",    "status",
                                                  "owner", "due_date", "overdue", "title"};

constexpr char kCadenceHelp[] =
    "how long its evidence stays valid: none, monthly, quarterly, semiannual or annual";

// control add and update: --owner (none: no owner) and --evidence-every into the body.
void set_owner_and_cadence(const ApiCommands::Command& c, Value& body) {
  if (auto o = c.opt("owner")) body.set("owner", null_or(*o));
  if (auto e = c.opt("evidence-every")) body.set("evidence_every", Value::string(enum_value(*e)));
}

constexpr char kOriginHelp[] =
    "where it was found: a document (D-1), an interview (I-2) or a control's test (AC-01#test-3)";

// finding add and update: --origin, --likelihood and --impact into the body. A rating is a whole
// number (the API says whether it is within 1 to 5). With `clearing` (update), none clears: the
// two ratings go together, so `--likelihood none` alone clears both.
std::optional<Failure> set_origin_and_risk(const ApiCommands::Command& c, Value& body,
                                           bool clearing) {
  if (auto o = c.opt("origin")) body.set("origin", clearing ? null_or(*o) : Value::string(*o));
  const std::optional<std::string> likelihood = c.opt("likelihood"), impact = c.opt("impact");
  if (clearing && (likelihood || impact) && likelihood.value_or("none") == "none" &&
      impact.value_or("none") == "none") {
    body.set("likelihood", Value::null()).set("impact", Value::null());
    return std::nullopt;
  }
  for (const auto& [rating, v] :
       {std::pair{"likelihood", likelihood}, std::pair{"impact", impact}}) {
    if (!v) continue;
    if (clearing && *v == "none") {
      return Failure{
          "likelihood and impact are cleared together: --likelihood none (alone or with "
          "--impact none)",
          kExitUsage};
    }
    if (v->empty() || v->size() > 3 || v->find_first_not_of("0123456789") != std::string::npos) {
      return Failure{fmt::format("--{} takes a whole number from 1 to 5{}; got '{}'", rating,
                                 clearing ? " (or none to clear the rating)" : "", *v),
                     kExitUsage};
    }
    body.set(rating, Value::integer(std::stoi(*v)));
  }
  return std::nullopt;
}

}  // namespace

// readiness, workload, roadmap, timeline, events: the projections and the log.
void CommandRegistry::add_projection_commands(CLI::App& root) {
  as_known_at(as_of(command(root, "readiness", "readiness per TSC criterion",
                            "gaplog readiness --as-of 2026-06-30", [](const Command& c) {
                              return get_request(
                                  kV1 + "readiness" +
                                  query(c, {{"as-of", "as_of"}, {"as-known-at", "as_known_at"}}));
                            })));
  as_of(
      command(root, "workload", "open findings per owner", "gaplog workload", [](const Command& c) {
        return get_request(kV1 + "workloads" + query(c, {{"as-of", "as_of"}}));
      }));
  as_of(command(root, "roadmap", "open findings by month due", "gaplog roadmap",
                [](const Command& c) {
                  return get_request(kV1 + "roadmap" + query(c, {{"as-of", "as_of"}}));
                }));
  as_known_at(command(root, "timeline", "readiness and open findings over time",
                      "gaplog timeline --step 30",
                      [](const Command& c) {
                        return get_request(kV1 + "timeline" +
                                           query(c, {{"from", "from"},
                                                     {"to", "to"},
                                                     {"step", "step"},
                                                     {"as-known-at", "as_known_at"}}));
                      })
                  .option("--from", "from", "DATE", "first day")
                  .option("--to", "to", "DATE", "last day")
                  .option("--step", "step", "DAYS", "days between points"));
  command(root, "events", "the events of the log", "gaplog events --stream finding/F-3",
          [](const Command& c) {
            return get_request(kV1 + "events" +
                               query(c, {{"after", "after"},
                                         {"limit", "limit"},
                                         {"stream", "stream"},
                                         {"actor", "actor"},
                                         {"type", "type"}}));
          })
      .option("--after", "after", "SEQ", "events after this seq")
      .option("--limit", "limit", "N", "at most N events")
      .option("--stream", "stream", "STREAM", "only this stream, e.g. finding/F-3")
      .option("--actor", "actor", "EMAIL", "only events by this user")
      .option("--type", "type", "TYPE", "only events of this type, e.g. finding_recorded");
}

void CommandRegistry::add_program_commands(CLI::App& root) {
  CLI::App& program = group(root, "program", "the program's name and scope");
  command(program, "show", "the program's name and scope", "gaplog program show",
          [](const Command& c) {
            return get_request(kV1 + "program" + query(c, {{"as-of", "as_of"}}));
          });
  command(program, "name", "name the program (admins)", "gaplog program name \"Acme SOC 2\"",
          [](const Command& c) {
            return send_json("PUT", kV1 + "program",
                             Value::object().set("name", Value::string(c.get("NAME"))));
          })
      .operand("NAME", "the program's display name");
}

void CommandRegistry::add_user_commands(CLI::App& root) {
  CLI::App& user = group(root, "user", "the program's users");
  command(user, "list", "every user", "gaplog user list", [](const Command&) {
    return get_request(kV1 + "users?limit=1000", {"email", "name", "role", "active"});
  });
  command(user, "show", "one user", "gaplog user show ann@example.com", [](const Command& c) {
    return get_request(kV1 + "users/" + percent_encode(c.get("EMAIL")));
  }).operand("EMAIL", "the user's e-mail");
  command(user, "add", "add a user",
          "gaplog user add ann@example.com --name 'Ann Lee' --role editor",
          [](const Command& c) {
            return send_json("POST", kV1 + "users",
                             Value::object()
                                 .set("email", Value::string(c.get("EMAIL")))
                                 .set("name", Value::string(c.get("name")))
                                 .set("role", Value::string(enum_value(c.get("role")))));
          })
      .operand("EMAIL", "the new user's e-mail")
      .option("--name", "name", "NAME", "the user's name", true)
      .option("--role", "role", "ROLE", "admin, editor, contributor or auditor", true);
  command(user, "role", "change a user's role", "gaplog user role ann@example.com auditor",
          [](const Command& c) {
            return send_json("POST", kV1 + "users/" + percent_encode(c.get("EMAIL")) + "/role",
                             Value::object().set("role", Value::string(enum_value(c.get("ROLE")))));
          })
      .operand("EMAIL", "the user's e-mail")
      .operand("ROLE", "admin, editor, contributor or auditor");
  command(user, "deactivate", "deactivate a user (their tokens stop working)",
          "gaplog user deactivate ann@example.com --reason left",
          [](const Command& c) {
            Value body = Value::object();
            if (auto r = c.opt("reason")) body.set("reason", Value::string(*r));
            return send_json("POST",
                             kV1 + "users/" + percent_encode(c.get("EMAIL")) + "/deactivate", body);
          })
      .operand("EMAIL", "the user's e-mail")
      .option("--reason", "reason", "TEXT", "why");
}

void CommandRegistry::add_token_commands(CLI::App& root) {
  CLI::App& token = group(root, "token", "API tokens");
  command(token, "issue", "issue an API token for a user (admins), or --mine; printed once",
          "gaplog token issue --for ann@example.com --expires 2027-06-30",
          [](const Command& c) -> std::variant<Built, Failure> {
            Value body = Value::object();
            if (auto d = c.opt("expires")) body.set("expires_on", Value::string(*d));
            if (c.is_set("mine")) return send_json("POST", kV1 + "me/tokens", body);
            if (!c.opt("for")) {
              return Failure{"token issue needs --for EMAIL (or --mine for your own token)",
                             kExitUsage};
            }
            return send_json("POST", kV1 + "users/" + percent_encode(c.get("for")) + "/tokens",
                             body);
          })
      .option("--for", "for", "EMAIL", "the user the token is for (admins)")
      .option("--expires", "expires", "DATE",
              "its last day (YYYY-MM-DD); default: never for --for, 90 days for --mine")
      .flag("--mine", "mine", "your own personal token (any user; expires within a year)");
  command(token, "list", "API tokens: id, owner, issued, expiry, last use (never the secret)",
          "gaplog token list --for ann@example.com",
          [](const Command& c) {
            const std::vector<std::string> columns = {"token_id",   "email",   "issued_at",
                                                      "expires_on", "expired", "last_used_at"};
            if (c.is_set("mine")) return get_request(kV1 + "me/tokens", columns);
            std::string target = kV1 + "tokens";
            if (auto e = c.opt("for")) target += "?user=" + percent_encode(*e);
            return get_request(target, columns);
          })
      .option("--for", "for", "EMAIL", "only this user's tokens (admins list everyone's)")
      .flag("--mine", "mine", "only your own tokens (any user)");
  command(token, "revoke", "revoke an API token", "gaplog token revoke tok_0123456789abcdef",
          [](const Command& c) {
            return Built{
                ApiRequest{"DELETE", kV1 + "tokens/" + percent_encode(c.get("TOKEN_ID")), {}, ""},
                "",
                {}};
          })
      .operand("TOKEN_ID", "the token's id (gaplog user show EMAIL lists them)");
}

void CommandRegistry::add_webhook_commands(CLI::App& root) {
  CLI::App& webhook = group(root, "webhook", "webhooks that receive reminders (admins)");
  command(
      webhook, "add", "add a webhook; its signing secret is printed once",
      "gaplog webhook add https://hooks.acme.example/gaplog --kinds overdue,weekly_digest",
      [](const Command& c) {
        Value kinds = Value::array();
        for (const std::string& k : split_list(c.get("kinds")))
          kinds.push(Value::string(enum_value(k)));
        return send_json(
            "POST", kV1 + "webhooks",
            Value::object().set("url", Value::string(c.get("URL"))).set("kinds", std::move(kinds)));
      })
      .operand("URL", "the receiver, https://")
      .option("--kinds", "kinds", "K1,K2",
              "assigned, due_soon, overdue, acceptance_expiring, acceptance_expired, "
              "evidence_expiring, weekly_digest",
              true);
  command(webhook, "list", "the webhooks and their last delivery", "gaplog webhook list",
          [](const Command&) { return get_request(kV1 + "webhooks"); });
  command(
      webhook, "remove", "remove a webhook", "gaplog webhook remove wh_0123456789abcdef",
      [](const Command& c) {
        return Built{
            ApiRequest{"DELETE", kV1 + "webhooks/" + percent_encode(c.get("ID")), {}, ""}, "", {}};
      })
      .operand("ID", "the webhook's id");
}

void CommandRegistry::add_scope_commands(CLI::App& root) {
  CLI::App& scope = group(root, "scope", "the trust services categories in scope");
  command(scope, "show", "the categories in scope", "gaplog scope show",
          [](const Command&) { return get_request(kV1 + "scope"); });
  Command& scope_set =
      command(scope, "set", "set the categories in scope (security always is)",
              "gaplog scope set security availability", [](const Command& c) {
                Value categories = Value::array();
                for (const std::string& w : c.words) {
                  for (const std::string& item : split_list(w))
                    categories.push(Value::string(enum_value(item)));
                }
                return send_json("PUT", kV1 + "scope",
                                 Value::object().set("categories", std::move(categories)));
              });
  scope_set.app
      ->add_option("CATEGORY", scope_set.words,
                   "security, availability, processing_integrity, confidentiality, privacy")
      ->required();
}

void CommandRegistry::add_control_commands(CLI::App& root) {
  CLI::App& control = group(root, "control", "controls");
  add_control_queries(control);
  add_control_edits(control);
  add_control_workflow(control);
}

// control list, show, tests, history.
void CommandRegistry::add_control_queries(CLI::App& control) {
  as_of(command(control, "list", "controls, filtered",
                "gaplog control list --owner none --evidence-status lapsed,missing",
                [](const Command& c) {
                  const std::string q =
                      list_filters(c, query(c, {{"criterion", "criterion"}, {"as-of", "as_of"}}),
                                   {{"owner", "owner", false},
                                    {"status", "status", true},
                                    {"evidence-status", "evidence_status", true}});
                  return get_request(
                      kV1 + "controls" + append_query(q, "limit=1000"),
                      {"id", "status", "owner", "evidence_every", "latest_test", "evidence_status",
                       "evidence_valid_until", "criteria", "title"});
                }))
      .option("--owner", "owner", "EMAIL", "only these owners' controls (a,b; none: no owner)")
      .option("--status", "status", "STATUS",
              "only these statuses (a,b): not_implemented, partially_implemented, implemented")
      .option("--evidence-status", "evidence-status", "STATUS",
              "only these evidence statuses (a,b): current, expiring, lapsed, missing")
      .option("--criterion", "criterion", "ID", "only controls for this criterion");
  as_of(command(control, "show", "one control", "gaplog control show AC-01", [](const Command& c) {
          return get_request(control_path(c) + query(c, {{"as-of", "as_of"}}));
        }).operand("ID", "the control's id"));
  as_of(command(
            control, "tests", "a control's tests, the latest first", "gaplog control tests AC-01",
            [](const Command& c) {
              return get_request(control_path(c) + "/tests" + query(c, {{"as-of", "as_of"}}),
                                 {"tested_on", "kind", "result", "tested_by", "evidence", "notes"});
            })
            .operand("ID", "the control's id"));
  command(control, "history", "a control's events", "gaplog control history AC-01",
          [](const Command& c) { return get_request(control_path(c) + "/history"); })
      .operand("ID", "the control's id");
}

// control add, update: a control's fields, owner and evidence cadence.
void CommandRegistry::add_control_edits(CLI::App& control) {
  command(control, "add", "define a control",
          "gaplog control add AC-01 --title 'MFA everywhere' --criteria 'CC6.1, CC6.6' --owner "
          "oli@example.com --evidence-every quarterly",
          [](const Command& c) {
            Value body = Value::object()
                             .set("id", Value::string(c.get("ID")))
                             .set("title", Value::string(c.get("title")))
                             .set("criteria", string_list_of(c.get("criteria")));
            if (auto d = c.opt("description")) body.set("description", Value::string(*d));
            if (auto s = c.opt("status")) body.set("status", Value::string(enum_value(*s)));
            set_owner_and_cadence(c, body);
            return send_json("POST", kV1 + "controls", body);
          })
      .operand("ID", "the control's id, e.g. AC-01")
      .option("--title", "title", "TEXT", "what the control is", true)
      .option("--criteria", "criteria", "C1,C2", "the TSC criteria it addresses", true)
      .option("--description", "description", "TEXT", "more detail")
      .option("--status", "status", "STATUS", "its status")
      .option("--owner", "owner", "EMAIL", "who runs it and keeps its evidence current")
      .option("--evidence-every", "evidence-every", "CADENCE", kCadenceHelp);
  command(control, "update",
          "change a control's title, description, criteria, owner or evidence cadence",
          "gaplog control update AC-01 --criteria CC6.1,CC6.6 --evidence-every annual",
          [](const Command& c) {
            Value body = Value::object();
            if (auto t = c.opt("title")) body.set("title", Value::string(*t));
            if (auto d = c.opt("description")) body.set("description", Value::string(*d));
            if (auto cr = c.opt("criteria")) body.set("criteria", string_list_of(*cr));
            set_owner_and_cadence(c, body);
            return send_json("PATCH", control_path(c), body);
          })
      .operand("ID", "the control's id")
      .option("--title", "title", "TEXT", "the new title")
      .option("--description", "description", "TEXT", "the new description")
      .option("--criteria", "criteria", "C1,C2", "the new criteria")
      .option("--owner", "owner", "EMAIL|none", "the new owner, or none")
      .option("--evidence-every", "evidence-every", "CADENCE", kCadenceHelp);
}

// control owner, status, test: who owns it, how far it is implemented, how its tests went.
void CommandRegistry::add_control_workflow(CLI::App& control) {
  command(control, "owner", "set a control's owner (none clears it)",
          "gaplog control owner AC-01 oli@example.com",
          [](const Command& c) {
            return send_json("PATCH", control_path(c),
                             Value::object().set("owner", null_or(c.get("OWNER"))));
          })
      .operand("ID", "the control's id")
      .operand("OWNER", "the owner's e-mail, or none");
  command(control, "status", "set a control's status", "gaplog control status AC-01 implemented",
          [](const Command& c) {
            Value body = Value::object().set("status", Value::string(enum_value(c.get("STATUS"))));
            if (auto r = c.opt("reason")) body.set("reason", Value::string(*r));
            return send_json("POST", control_path(c) + "/status", body);
          })
      .operand("ID", "the control's id")
      .operand("STATUS", "the new status")
      .option("--reason", "reason", "TEXT", "why");
  command(control, "test", "record a test of a control (editors)",
          "gaplog control test AC-01 --kind operating --tested-on 2026-11-02 --result pass "
          "--evidence E-4,E-5 --notes 'sampled 25 sign-ins'",
          [](const Command& c) {
            Value body = Value::object()
                             .set("kind", Value::string(enum_value(c.get("kind"))))
                             .set("tested_on", Value::string(c.get("tested-on")))
                             .set("result", Value::string(enum_value(c.get("result"))));
            if (auto n = c.opt("notes")) body.set("notes", Value::string(*n));
            if (auto e = c.opt("evidence")) body.set("evidence", string_list_of(*e));
            return send_json("POST", control_path(c) + "/tests", body);
          })
      .operand("ID", "the control's id")
      .option("--kind", "kind", "KIND", "design or operating", true)
      .option("--tested-on", "tested-on", "DATE", "the day it was tested (YYYY-MM-DD)", true)
      .option("--result", "result", "RESULT", "pass, fail or exception", true)
      .option("--notes", "notes", "TEXT", "what was tested and found")
      .option("--evidence", "evidence", "E1,E2", "the evidence the test looked at");
}

void CommandRegistry::add_finding_commands(CLI::App& root) {
  CLI::App& finding = group(root, "finding", "findings");
  add_finding_queries(finding);
  add_finding_edits(finding);
  add_finding_workflow(finding);
  add_finding_bulk(finding);
}

// finding list, show, history.
void CommandRegistry::add_finding_queries(CLI::App& finding) {
  Command& finding_list = command(
      finding, "list", "findings, filtered",
      "gaplog finding list --status open,in_progress --q 'vpn mfa'", [](const Command& c) {
        std::string q = list_filters(c, query(c, {{"q", "q"}, {"as-of", "as_of"}}),
                                     {{"status", "status", true},
                                      {"severity", "severity", true},
                                      {"owner", "owner", false},
                                      {"criterion", "criterion", false}});
        if (c.overdue) q = append_query(q, "overdue=true");
        return get_request(kV1 + "findings" + append_query(q, "limit=1000"), kFindingColumns);
      });
  as_of(finding_list)
      .option("--q", "q", "TEXT",
              "only findings with every word of TEXT in their id, title, description or "
              "recommendation (any letter case)")
      .option("--status", "status", "STATUS", "only these statuses (a,b)")
      .option("--owner", "owner", "EMAIL", "only these owners' (a,b; none: unassigned)")
      .option("--severity", "severity", "SEVERITY", "only these severities (a,b)")
      .option("--criterion", "criterion", "ID", "only findings against these criteria (a,b)");
  finding_list.app->add_flag("--overdue", finding_list.overdue, "only overdue findings");
  as_of(command(finding, "show", "one finding", "gaplog finding show F-3", [](const Command& c) {
          return get_request(finding_path(c) + query(c, {{"as-of", "as_of"}}));
        }).operand("ID", "the finding's id"));
  command(finding, "history", "a finding's events", "gaplog finding history F-3",
          [](const Command& c) { return get_request(finding_path(c) + "/history"); })
      .operand("ID", "the finding's id");
}

// finding add, update: a finding's fields.
void CommandRegistry::add_finding_edits(CLI::App& finding) {
  command(
      finding, "add", "record a finding",
      "gaplog finding add --title 'No MFA on the VPN' --severity high --criteria 'CC6.1, CC6.6'",
      [](const Command& c) -> std::variant<Built, Failure> {
        Value body = Value::object()
                         .set("title", Value::string(c.get("title")))
                         .set("severity", Value::string(enum_value(c.get("severity"))))
                         .set("criteria", string_list_of(c.get("criteria")));
        set_given(c, body,
                  {{"description", "description"},
                   {"recommendation", "recommendation"},
                   {"control", "control"},
                   {"owner", "owner"},
                   {"due", "due_date"}});
        if (auto s = c.opt("source")) body.set("source", Value::string(enum_value(*s)));
        if (auto bad = set_origin_and_risk(c, body, false)) return *bad;
        return send_json("POST", kV1 + "findings", body);
      })
      .option("--title", "title", "TEXT", "what is missing", true)
      .option("--severity", "severity", "SEVERITY", "critical, high, medium or low", true)
      .option("--criteria", "criteria", "C1,C2", "the TSC criteria it is against", true)
      .option("--description", "description", "TEXT", "more detail")
      .option("--recommendation", "recommendation", "TEXT", "what the assessor recommends")
      .option("--control", "control", "ID", "the related control")
      .option("--source", "source", "SOURCE",
              "document_review, control_evaluation, interview or other")
      .option("--owner", "owner", "EMAIL", "who remediates it")
      .option("--due", "due", "DATE", "when it is due")
      .option("--origin", "origin", "REF", kOriginHelp)
      .option("--likelihood", "likelihood", "1-5", "how likely the risk is (with --impact)")
      .option("--impact", "impact", "1-5", "how much it would hurt (with --likelihood)");
  command(finding, "update", "change a finding's fields",
          "gaplog finding update F-3 --severity medium",
          [](const Command& c) -> std::variant<Built, Failure> {
            Value body = Value::object();
            for (const char* f : {"title", "description", "recommendation"}) {
              if (auto v = c.opt(f)) body.set(f, Value::string(*v));
            }
            if (auto s = c.opt("severity")) body.set("severity", Value::string(enum_value(*s)));
            if (auto cr = c.opt("criteria")) body.set("criteria", string_list_of(*cr));
            if (auto ctl = c.opt("control")) body.set("control", null_or(*ctl));
            if (auto bad = set_origin_and_risk(c, body, true)) return *bad;
            return send_json("PATCH", finding_path(c), body);
          })
      .operand("ID", "the finding's id")
      .option("--title", "title", "TEXT", "the new title")
      .option("--description", "description", "TEXT", "the new description")
      .option("--recommendation", "recommendation", "TEXT", "the new recommendation")
      .option("--severity", "severity", "SEVERITY", "the new severity")
      .option("--criteria", "criteria", "C1,C2", "the new criteria")
      .option("--control", "control", "ID|none", "the related control, or none")
      .option("--origin", "origin", "REF|none", kOriginHelp)
      .option("--likelihood", "likelihood", "1-5|none",
              "how likely the risk is, or none (with --impact)")
      .option("--impact", "impact", "1-5|none", "how much it would hurt, or none");
}

// finding assign, due, status, accept-risk, comment: its owner, due date and workflow.
void CommandRegistry::add_finding_workflow(CLI::App& finding) {
  command(finding, "assign", "assign a finding (none unassigns)",
          "gaplog finding assign F-3 oli@example.com",
          [](const Command& c) {
            return send_json("POST", finding_path(c) + "/assign",
                             Value::object().set("owner", null_or(c.get("OWNER"))));
          })
      .operand("ID", "the finding's id")
      .operand("OWNER", "the owner's e-mail, or none");
  command(finding, "due", "set a finding's due date (none clears it)",
          "gaplog finding due F-3 2027-01-31 --reason 'vendor delay'",
          [](const Command& c) {
            Value body = Value::object().set("due_date", null_or(c.get("DATE")));
            if (auto r = c.opt("reason")) body.set("reason", Value::string(*r));
            return send_json("POST", finding_path(c) + "/due-date", body);
          })
      .operand("ID", "the finding's id")
      .operand("DATE", "YYYY-MM-DD, or none")
      .option("--reason", "reason", "TEXT", "why");
  command(finding, "status", "move a finding through the workflow",
          "gaplog finding status F-3 remediated",
          [](const Command& c) {
            Value body = Value::object().set("status", Value::string(enum_value(c.get("STATUS"))));
            if (auto r = c.opt("reason")) body.set("reason", Value::string(*r));
            return send_json("POST", finding_path(c) + "/status", body);
          })
      .operand("ID", "the finding's id")
      .operand("STATUS", "open, in_progress, remediated, closed, …")
      .option("--reason", "reason", "TEXT", "why");
  command(
      finding, "accept-risk", "accept a finding's risk until a date",
      "gaplog finding accept-risk F-3 --justification 'compensating control' --expires 2027-06-30",
      [](const Command& c) {
        return send_json("POST", finding_path(c) + "/risk-acceptance",
                         Value::object()
                             .set("justification", Value::string(c.get("justification")))
                             .set("expires_on", Value::string(c.get("expires"))));
      })
      .operand("ID", "the finding's id")
      .option("--justification", "justification", "TEXT", "why the risk is acceptable", true)
      .option("--expires", "expires", "DATE", "when the acceptance ends", true);
  command(finding, "comment", "comment on a finding",
          "gaplog finding comment F-3 'waiting for the vendor'",
          [](const Command& c) {
            return send_json("POST", finding_path(c) + "/comments",
                             Value::object().set("text", Value::string(c.get("TEXT"))));
          })
      .operand("ID", "the finding's id")
      .operand("TEXT", "the comment");
}

// finding bulk: one action on several findings, all or nothing (SPEC §12).
void CommandRegistry::add_finding_bulk(CLI::App& finding) {
  command(finding, "bulk",
          "assign, set the due date of, or move several findings at once: all or none",
          "gaplog finding bulk --ids F-3,F-7,F-9 --status in_progress --reason 'sprint 12'",
          [](const Command& c) -> std::variant<Built, Failure> {
            if (c.has("assign") + c.has("due-date") + c.has("status") != 1) {
              return Failure{
                  "finding bulk takes exactly one action: --assign EMAIL|none, --due-date "
                  "DATE|none or --status STATUS",
                  kExitUsage};
            }
            if (c.has("assign") && c.has("reason")) {
              return Failure{"--reason goes with --due-date or --status; an assignment has none",
                             kExitUsage};
            }
            Value action = Value::object();
            if (auto owner = c.opt("assign")) {
              action.set("assign", Value::object().set("owner", null_or(*owner)));
            } else {
              const bool due = c.has("due-date");
              Value change = Value::object().set(
                  due ? "due_date" : "status",
                  due ? null_or(c.get("due-date")) : Value::string(enum_value(c.get("status"))));
              if (auto r = c.opt("reason")) change.set("reason", Value::string(*r));
              action.set(due ? "due_date" : "status", std::move(change));
            }
            Built b = send_json("POST", kV1 + "findings/bulk",
                                Value::object()
                                    .set("ids", string_list_of(c.get("ids")))
                                    .set("action", std::move(action)));
            b.columns = kFindingColumns;
            return b;
          })
      .option("--ids", "ids", "F1,F2", "the findings (at most 1000)", true)
      .option("--assign", "assign", "EMAIL|none", "assign them all to EMAIL, or unassign them")
      .option("--due-date", "due-date", "DATE|none", "set their due date (YYYY-MM-DD), or clear it")
      .option("--status", "status", "STATUS", "move them all to STATUS")
      .option("--reason", "reason", "TEXT", "why (with --due-date or --status)");
}

void CommandRegistry::add_evidence_commands(CLI::App& root) {
  CLI::App& evidence = group(root, "evidence", "evidence files");
  as_of(command(evidence, "list", "evidence files, filtered", "gaplog evidence list --expiring 30",
                [](const Command& c) {
                  std::string q = query(c, {{"expiring", "expiring_within"},
                                            {"control", "control"},
                                            {"finding", "finding"},
                                            {"as-of", "as_of"}});
                  if (c.is_set("unlinked")) q = append_query(q, "unlinked=true");
                  return get_request(kV1 + "evidence" + append_query(q, "limit=1000"),
                                     {"id", "filename", "size", "collected_on", "expires_on",
                                      "current", "findings", "controls"});
                }))
      .option("--expiring", "expiring", "DAYS",
              "only evidence whose validity ends within DAYS days (0 to 3650)")
      .flag("--unlinked", "unlinked", "only evidence linked to no finding and no control")
      .option("--control", "control", "ID", "only evidence linked to this control")
      .option("--finding", "finding", "ID", "only evidence linked to this finding");
  as_of(command(evidence, "show", "one evidence file's record", "gaplog evidence show E-1",
                [](const Command& c) {
                  return get_request(evidence_path(c) + query(c, {{"as-of", "as_of"}}));
                })
            .operand("ID", "the evidence id"));
  command(evidence, "add", "upload an evidence file",
          "gaplog evidence add mfa-report.pdf --finding F-3 --valid-until 2027-06-30",
          [](const Command& c) -> std::variant<Built, Failure> {
            const std::string& file = c.get("FILE");
            auto bytes = read_local_file(file);
            if (!bytes) return Failure{bytes.status().message(), kExitIo};
            const std::string name = std::filesystem::path(file).filename().string();
            std::string q = "?filename=" + percent_encode(name);
            const std::string more = query(c, {{"finding", "finding"},
                                               {"control", "control"},
                                               {"collected-on", "collected_on"},
                                               {"valid-until", "valid_until"}});
            if (!more.empty()) q += "&" + more.substr(1);
            return Built{
                ApiRequest{"POST",
                           kV1 + "evidence" + q,
                           {{"Content-Type", c.opt("type").value_or("application/octet-stream")}},
                           std::move(*bytes)},
                "",
                {}};
          })
      .operand("FILE", "the file to upload")
      .option("--finding", "finding", "ID", "link it to this finding")
      .option("--control", "control", "ID", "link it to this control")
      .option("--collected-on", "collected-on", "DATE", "when it was collected")
      .option("--valid-until", "valid-until", "DATE", "when it stops being valid")
      .option("--type", "type", "MEDIA_TYPE", "its media type (default application/octet-stream)");
  command(evidence, "get", "download an evidence file", "gaplog evidence get E-1 -o mfa-report.pdf",
          [](const Command& c) {
            Built b = get_request(evidence_path(c) + "/content");
            b.output_file = c.get("output");
            return b;
          })
      .operand("ID", "the evidence id")
      .option("-o,--output", "output", "FILE", "where to write it", true);
  for (const char* verb : {"link", "unlink"}) {
    const std::string v = verb;
    command(evidence, v, v + " evidence and a finding or control",
            "gaplog evidence " + v + " E-1 --control AC-01",
            [v](const Command& c) {
              Value body = Value::object();
              if (auto f = c.opt("finding")) body.set("finding", Value::string(*f));
              if (auto ctl = c.opt("control")) body.set("control", Value::string(*ctl));
              return send_json("POST", evidence_path(c) + (v == "link" ? "/links" : "/unlinks"),
                               body);
            })
        .operand("ID", "the evidence id")
        .option("--finding", "finding", "ID", "the finding")
        .option("--control", "control", "ID", "the control");
  }
}

void CommandRegistry::add_import_commands(CLI::App& root) {
  CLI::App& import = group(root, "import", "import a gap assessment");
  Command& import_findings =
      command(import, "findings",
              "import a gap-assessment spreadsheet (CSV): every row or none (docs/import.md)",
              "gaplog import findings gap-assessment.csv --dry-run --ignore-column Notes",
              [](const Command& c) -> std::variant<Built, Failure> {
                auto bytes = read_local_file(c.get("FILE"));
                if (!bytes) return Failure{bytes.status().message(), kExitIo};
                std::string q = c.dry_run ? "?dry_run=true" : "";
                for (const std::string& column : c.lists.at("ignore-column"))
                  q = append_query(q, "ignore_column=" + percent_encode(column));
                return Built{ApiRequest{"POST",
                                        kV1 + "findings/import" + q,
                                        {{"Content-Type", "text/csv"}},
                                        std::move(*bytes)},
                             "",
                             {}};
              });
  import_findings.operand("FILE", "the spreadsheet, saved as CSV")
      .repeated("--ignore-column", "ignore-column", "NAME",
                "skip this column of the sheet (repeatable)");
  import_findings.app->add_flag("--dry-run", import_findings.dry_run,
                                "check every row and write nothing");
}

void CommandRegistry::add_export_commands(CLI::App& root) {
  CLI::App& export_ = group(root, "export", "exports");
  as_known_at(as_of(command(export_, "poam", "the OSCAL POA&M, printed or written to FILE",
                            "gaplog export poam -o poam.json --as-of 2026-11-30",
                            [](const Command& c) {
                              Built b = get_request(
                                  kV1 + "export/poam" +
                                  query(c, {{"as-of", "as_of"}, {"as-known-at", "as_known_at"}}));
                              if (auto o = c.opt("output")) b.output_file = *o;
                              return b;
                            })
                        .option("-o,--output", "output", "FILE", "write it to FILE")));
  as_of(
      command(export_, "bundle", "the audit bundle (admins and auditors)",
              "gaplog export bundle audit-2026-11-30.tar --as-of 2026-11-30",
              [](const Command& c) {
                Built b = get_request(kV1 + "export/audit-bundle" + query(c, {{"as-of", "as_of"}}));
                b.output_file = c.get("FILE");
                return b;
              })
          .operand("FILE", "the file to write"));
  add_management_exports(export_);
}

// export report, export findings: for management (SPEC §13), written to -o FILE.
void CommandRegistry::add_management_exports(CLI::App& export_) {
  as_of(command(export_, "report", "the management report: one self-contained HTML file",
                "gaplog export report -o report.html --as-of 2026-11-30",
                [](const Command& c) {
                  Built b = get_request(kV1 + "export/report" + query(c, {{"as-of", "as_of"}}));
                  b.output_file = c.get("output");
                  return b;
                })
            .option("-o,--output", "output", "FILE", "the file to write (.html)", true));
  Command& findings = command(
      export_, "findings", "the findings spreadsheet, CSV or Excel (by FILE's extension)",
      "gaplog export findings -o findings.xlsx --status open,in_progress",
      [](const Command& c) -> std::variant<Built, Failure> {
        const std::string& file = c.get("output");
        std::string ext = std::filesystem::path(file).extension().string();
        for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (ext != ".csv" && ext != ".xlsx") {
          return Failure{fmt::format("export findings writes a .csv or an .xlsx file; '{}' ends "
                                     "in neither (the extension chooses the format)",
                                     file),
                         kExitUsage};
        }
        std::string q = query(c, {{"as-of", "as_of"}, {"q", "q"}});
        q = list_filters(c, q,
                         {{"status", "status", true},
                          {"owner", "owner", false},
                          {"severity", "severity", true},
                          {"criterion", "criterion", false}});
        if (c.overdue) q = append_query(q, "overdue=true");
        Built b = get_request(kV1 + "export/findings" + ext + q);
        b.output_file = file;
        return b;
      });
  as_of(findings)
      .option("-o,--output", "output", "FILE", "the file to write: FILE.csv or FILE.xlsx", true)
      .option("--q", "q", "TEXT", "only findings with every word of TEXT (as finding list --q)")
      .option("--status", "status", "STATUS", "only these statuses (a,b)")
      .option("--owner", "owner", "EMAIL", "only these owners' (a,b; none: unassigned)")
      .option("--severity", "severity", "SEVERITY", "only these severities (a,b)")
      .option("--criterion", "criterion", "ID", "only findings against these criteria (a,b)");
  findings.app->add_flag("--overdue", findings.overdue, "only overdue findings");
}

void add_api_commands(CLI::App& root,
                      std::vector<std::unique_ptr<ApiCommands::Command>>& commands) {
  CommandRegistry registry(commands);
  registry.add_projection_commands(root);
  registry.add_program_commands(root);
  registry.add_user_commands(root);
  registry.add_token_commands(root);
  registry.add_webhook_commands(root);
  registry.add_scope_commands(root);
  registry.add_control_commands(root);
  registry.add_finding_commands(root);
  registry.add_document_commands(root);
  registry.add_interview_commands(root);
  registry.add_assessment_commands(root);
  registry.add_evidence_commands(root);
  registry.add_import_commands(root);
  registry.add_export_commands(root);
}

}  // namespace gaplog
