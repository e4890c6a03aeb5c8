// The gap assessment's commands (SPEC §13): the documents reviewed and their reviews, the
// interviews, the assessment and the risk heat map as of a date, and the audit date.
#include <variant>

#include "cli/command_registry.h"

namespace gaplog {

using json::Value;

namespace {

constexpr char kCriteriaHelp[] = "the TSC criteria it covers (a,b)";

// A document's or interview's list and show: --as-of (and --as-known-at for the list).
std::string as_of_query(const ApiCommands::Command& c) {
  return query(c, {{"as-of", "as_of"}, {"as-known-at", "as_known_at"}});
}

}  // namespace

void CommandRegistry::add_document_commands(CLI::App& root) {
  CLI::App& document = group(root, "document", "the documents reviewed in the gap assessment");
  as_known_at(as_of(command(
      document, "list", "the documents reviewed, with their latest review",
      "gaplog document list --as-of 2026-06-30", [](const Command& c) {
        return get_request(kV1 + "documents" + append_query(as_of_query(c), "limit=1000"),
                           {"id", "kind", "document_version", "owner", "latest_review",
                            "next_review_on", "review_due", "criteria", "findings", "title"});
      })));
  as_of(command(document, "show", "one document, its reviews and the findings it produced",
                "gaplog document show D-1",
                [](const Command& c) {
                  return get_request(entity_path("documents", c) + query(c, {{"as-of", "as_of"}}));
                })
            .operand("ID", "the document's id, e.g. D-1"));
  command(document, "add", "record a document of the assessment (editors)",
          "gaplog document add --title 'Information Security Policy' --kind policy --criteria "
          "CC1.1,CC2.1 --owner ann@example.com --version 2.1 --approved-on 2026-01-10",
          [](const Command& c) {
            Value body = Value::object()
                             .set("title", Value::string(c.get("title")))
                             .set("kind", Value::string(enum_value(c.get("kind"))))
                             .set("criteria", string_list_of(c.get("criteria")));
            set_given(c, body,
                      {{"owner", "owner"},
                       {"version", "version"},
                       {"approved-on", "approved_on"},
                       {"next-review-on", "next_review_on"}});
            return send_json("POST", kV1 + "documents", body);
          })
      .option("--title", "title", "TEXT", "the document's title", true)
      .option("--kind", "kind", "KIND", "policy, procedure, plan, standard, record or other", true)
      .option("--criteria", "criteria", "C1,C2", kCriteriaHelp, true)
      .option("--owner", "owner", "EMAIL", "who owns the document")
      .option("--version", "version", "TEXT", "its version, e.g. 2.1")
      .option("--approved-on", "approved-on", "DATE", "when it was last approved (YYYY-MM-DD)")
      .option("--next-review-on", "next-review-on", "DATE", "when it is next to be reviewed");
  command(document, "review", "record the assessor's review of a document (editors)",
          "gaplog document review D-1 --outcome outdated --notes 'names a retired VPN' "
          "--next-review-on 2026-09-30",
          [](const Command& c) {
            Value body =
                Value::object().set("outcome", Value::string(enum_value(c.get("outcome"))));
            set_given(c, body,
                      {{"notes", "notes"},
                       {"reviewed-on", "reviewed_on"},
                       {"next-review-on", "next_review_on"}});
            return send_json("POST", entity_path("documents", c) + "/reviews", body);
          })
      .operand("ID", "the document's id")
      .option("--outcome", "outcome", "OUTCOME",
              "adequate, outdated, incomplete, not_approved or missing", true)
      .option("--notes", "notes", "TEXT", "what the review found")
      .option("--reviewed-on", "reviewed-on", "DATE", "the day of the review (default today)")
      .option("--next-review-on", "next-review-on", "DATE", "when it is next to be reviewed");
}

void CommandRegistry::add_interview_commands(CLI::App& root) {
  CLI::App& interview = group(root, "interview", "the interviews of the gap assessment");
  as_known_at(as_of(command(
      interview, "list", "the interviews held", "gaplog interview list", [](const Command& c) {
        return get_request(kV1 + "interviews" + append_query(as_of_query(c), "limit=1000"),
                           {"id", "held_on", "stakeholder", "stakeholder_role", "interviewers",
                            "criteria", "findings"});
      })));
  as_of(command(interview, "show", "one interview and the findings it produced",
                "gaplog interview show I-1",
                [](const Command& c) {
                  return get_request(entity_path("interviews", c) + query(c, {{"as-of", "as_of"}}));
                })
            .operand("ID", "the interview's id, e.g. I-1"));
  command(interview, "add", "record an interview (editors)",
          "gaplog interview add --stakeholder 'Dana Reyes' --role 'VP Engineering' --held-on "
          "2026-02-03 --interviewer cara@example.com --criteria CC1.3,CC3.2",
          [](const Command& c) {
            Value interviewers = Value::array();
            for (const std::string& given : c.lists.at("interviewer")) {
              for (std::string& email : split_list(given))
                interviewers.push(Value::string(std::move(email)));
            }
            Value body = Value::object()
                             .set("stakeholder", Value::string(c.get("stakeholder")))
                             .set("stakeholder_role", Value::string(c.get("role")))
                             .set("held_on", Value::string(c.get("held-on")))
                             .set("interviewers", std::move(interviewers))
                             .set("criteria", string_list_of(c.get("criteria")));
            set_given(c, body, {{"notes", "notes"}});
            return send_json("POST", kV1 + "interviews", body);
          })
      .option("--stakeholder", "stakeholder", "NAME", "who was interviewed", true)
      .option("--role", "role", "TEXT", "the stakeholder's role, e.g. 'VP Engineering'", true)
      .option("--held-on", "held-on", "DATE", "the day of the interview (YYYY-MM-DD)", true)
      .repeated("--interviewer", "interviewer", "EMAIL",
                "who interviewed (repeatable, or a,b): users' e-mails", true)
      .option("--criteria", "criteria", "C1,C2", kCriteriaHelp, true)
      .option("--notes", "notes", "TEXT", "what was learned");
}

// assessment, heatmap, audit set|show.
void CommandRegistry::add_assessment_commands(CLI::App& root) {
  as_known_at(as_of(command(
      root, "assessment",
      "the gap assessment: documents, interviews and control tests with their findings, and the "
      "criteria none of them assessed",
      "gaplog assessment --as-of 2026-03-31",
      [](const Command& c) { return get_request(kV1 + "assessment" + as_of_query(c)); })));
  as_known_at(as_of(
      command(root, "heatmap", "the unresolved findings on a 5 x 5 grid of likelihood and impact",
              "gaplog heatmap --as-of 2026-06-30",
              [](const Command& c) { return get_request(kV1 + "heatmap" + as_of_query(c)); })));
  CLI::App& audit = group(root, "audit", "the audit date and whether the program is on track");
  Command& set = command(
      audit, "set", "set the audit date (admins): a Type I date or a Type II window",
      "gaplog audit set --type2 2027-01-01 2027-06-30",
      [](const Command& c) -> std::variant<Built, Failure> {
        if (c.has("type1") == c.has("type2")) {
          return Failure{"audit set takes either --type1 DATE or --type2 START END", kExitUsage};
        }
        Value body = Value::object();
        if (auto date = c.opt("type1")) {
          body.set("type", Value::string("type1")).set("date", Value::string(*date));
        } else {
          const std::vector<std::string>& window = c.lists.at("type2");
          if (window.size() != 2) {
            return Failure{
                "--type2 takes the observation window's first and last day: --type2 "
                "START END",
                kExitUsage};
          }
          body.set("type", Value::string("type2"))
              .set("window_start", Value::string(window.at(0)))
              .set("window_end", Value::string(window.at(1)));
        }
        return send_json("PUT", kV1 + "program/audit", body);
      });
  set.option("--type1", "type1", "DATE", "the day of a Type I audit (YYYY-MM-DD)")
      .repeated("--type2", "type2", "START END", "the observation window of a Type II audit");
  set.options.at("type2")->expected(1, 2);  // one date alone is refused with the usage above
  // The timeline holds the audit target, the days left, whether on track and the blockers.
  as_of(command(audit, "show", "the audit date, days left, whether on track, and what blocks it",
                "gaplog audit show --as-of 2026-11-30", [](const Command& c) {
                  return get_request(kV1 + "timeline" + query(c, {{"as-of", "to"}}));
                }));
}

}  // namespace gaplog
