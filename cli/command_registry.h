// The API commands' shared shape (ApiCommands::Command, what building its request gives), the
// helpers that build requests, and their registration; internal to cli/ (commands.cc runs them,
// command_registry.cc and assessment_commands.cc register them).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.h"
#include "codec/json.h"
#include "codec/url.h"

namespace gaplog {

// The request a command stands for.
struct Built {
  ApiRequest request;
  std::string output_file;           // evidence get -o, export: the download goes there
  std::vector<std::string> columns;  // for lists: which fields, in order
};

// A command that cannot be sent (a local file it names cannot be read).
struct Failure {
  std::string message;
  int exit_code;
};

using Builder = std::function<std::variant<Built, Failure>(const ApiCommands::Command&)>;

struct ApiCommands::Command {
  CLI::App* app = nullptr;
  std::string top;                            // the first word, which says how an answer prints
  std::map<std::string, std::string> values;  // option and operand values by name
  std::map<std::string, CLI::Option*> options;
  std::vector<std::string> words;  // a variadic operand (scope set CATEGORY...)
  std::map<std::string, std::vector<std::string>> lists;  // repeated() values by name
  bool overdue = false, dry_run = false;
  std::map<std::string, bool> flags;  // flag() values by name
  Builder build;

  // `spec` as CLI11 takes it ("--as-of", "-o,--output", "ID"); `key` names the value.
  Command& option(const std::string& spec, const std::string& key, const std::string& type,
                  const std::string& help, bool required = false) {
    CLI::Option* o = app->add_option(spec, values[key], help)->type_name(type);
    if (required) o->required();
    options[key] = o;
    return *this;
  }
  // An option that may be given several times (--interviewer a --interviewer b); each value is
  // kept as given.
  Command& repeated(const std::string& spec, const std::string& key, const std::string& type,
                    const std::string& help, bool required = false) {
    CLI::Option* o = app->add_option(spec, lists[key], help)->type_name(type);
    o->allow_extra_args(false);
    if (required) o->required();
    options[key] = o;
    return *this;
  }
  Command& flag(const std::string& spec, const std::string& key, const std::string& help) {
    app->add_flag(spec, flags[key], help);
    return *this;
  }
  bool is_set(const std::string& key) const {
    auto it = flags.find(key);
    return it != flags.end() && it->second;
  }
  Command& operand(const std::string& name, const std::string& help, bool required = true) {
    return option(name, name, "", help, required);
  }
  bool has(const std::string& key) const {
    auto it = options.find(key);
    return it != options.end() && it->second->count() > 0;
  }
  std::optional<std::string> opt(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    return values.at(key);
  }
  const std::string& get(const std::string& key) const { return values.at(key); }
};

// Building a command's request (percent_encode: codec/url.h).
// "CC6.1, CC6.2" as a JSON array of strings.
json::Value string_list_of(const std::string& text);
Built get_request(std::string target, std::vector<std::string> columns = {});
Built send_json(std::string method, std::string target, const json::Value& body);
// A query string from the options that were given: {"as-of", "as_of"} maps --as-of to as_of.
std::string query(const ApiCommands::Command& c,
                  const std::vector<std::pair<std::string, std::string>>& names);
std::string append_query(const std::string& q, const std::string& param);
// The options of `fields` that were given, as strings: {"due", "due_date"} sets due_date to --due.
void set_given(const ApiCommands::Command& c, json::Value& body,
               const std::vector<std::pair<std::string, std::string>>& fields);
// "none" as JSON null (clears a field), anything else as a string.
json::Value null_or(const std::string& v);
inline const std::string kV1 = "/api/v1/";
// The path of the entity of `collection` a command names by its ID operand: /api/v1/findings/F-3.
std::string entity_path(const std::string& collection, const ApiCommands::Command& c);

// Registers the API commands as subcommands of the command line, a group at a time, in the
// order `--help` lists them.
class CommandRegistry {
 public:
  using Command = ApiCommands::Command;

  explicit CommandRegistry(std::vector<std::unique_ptr<Command>>& commands) : commands_(commands) {}

  void add_projection_commands(CLI::App& root);
  void add_program_commands(CLI::App& root);
  void add_user_commands(CLI::App& root);
  void add_token_commands(CLI::App& root);
  void add_webhook_commands(CLI::App& root);
  void add_scope_commands(CLI::App& root);
  void add_control_commands(CLI::App& root);
  void add_finding_commands(CLI::App& root);
  // assessment_commands.cc: the gap assessment (SPEC §13).
  void add_document_commands(CLI::App& root);
  void add_interview_commands(CLI::App& root);
  void add_assessment_commands(CLI::App& root);  // assessment, heatmap, audit
  void add_evidence_commands(CLI::App& root);
  void add_import_commands(CLI::App& root);
  void add_export_commands(CLI::App& root);

 private:
  void add_control_queries(CLI::App& control);
  void add_control_edits(CLI::App& control);
  void add_control_workflow(CLI::App& control);
  void add_finding_queries(CLI::App& finding);
  void add_finding_edits(CLI::App& finding);
  void add_finding_workflow(CLI::App& finding);
  void add_finding_bulk(CLI::App& finding);
  void add_management_exports(CLI::App& export_);

  static CLI::App& group(CLI::App& parent, const std::string& name,
                         const std::string& description) {
    CLI::App* g = parent.add_subcommand(name, description);
    configure_app(*g);
    return *g;
  }
  Command& command(CLI::App& parent, const std::string& name, const std::string& description,
                   const std::string& example, Builder build) {
    auto c = std::make_unique<Command>();
    c->app = parent.add_subcommand(name, description);
    configure_app(*c->app);
    c->app->footer("example: " + example);
    c->top = parent.get_parent() == nullptr ? name : parent.get_name();
    c->build = std::move(build);
    commands_.push_back(std::move(c));
    return *commands_.back();
  }
  static Command& as_of(Command& c) {
    return c.option("--as-of", "as-of", "DATE",
                    "as the program stood at the end of DATE (YYYY-MM-DD)");
  }
  static Command& as_known_at(Command& c) {
    return c.option("--as-known-at", "as-known-at", "TIMESTAMP",
                    "as the log knew it at TIMESTAMP (only events recorded by then)");
  }

  std::vector<std::unique_ptr<Command>>& commands_;
};

// Registers every API command as a subcommand of `root`, a group at a time, in the order `--help`
// lists them, and adds each to `commands`.
void add_api_commands(CLI::App& root, std::vector<std::unique_ptr<ApiCommands::Command>>& commands);

}  // namespace gaplog
