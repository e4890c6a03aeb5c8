// The API commands' shared shape (ApiCommands::Command, what building its request gives) and their
// registration; internal to cli/ (commands.cc runs them, command_registry.cc registers them).
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
  std::vector<std::string> words;           // a variadic operand (scope set CATEGORY...)
  std::vector<std::string> ignore_columns;  // import findings --ignore-column
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

// Registers every API command as a subcommand of `root`, a group at a time, in the order `--help`
// lists them, and adds each to `commands`.
void add_api_commands(CLI::App& root, std::vector<std::unique_ptr<ApiCommands::Command>>& commands);

}  // namespace gaplog
