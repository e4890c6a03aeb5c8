// The CLI commands that are API requests (SPEC §8): each becomes one request to the same Api the
// server runs, in-process or over HTTP, so both modes behave the same. `--json` prints the
// API's JSON exactly; otherwise lists print as aligned tables and entities as fields.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/client.h"

namespace gaplog {

struct CliArgs {
  std::vector<std::string> words;               // command, subcommand, operands
  std::map<std::string, std::string> options;  // --name value
  std::set<std::string> flags;                 // --json, --overdue
};

// The command's usage line with an example, or "" when `command` is not an API command.
std::string api_command_usage(const std::string& command);

// The whole content of a local file (an upload, a CSV, a key or tree head to check against);
// kIoError "cannot read PATH" when it cannot be read.
Result<std::string> read_local_file(const std::string& path);

// Runs the command; returns the exit code (0 ok, 1 rejected, 2 usage, 3 I/O or internal).
int run_api_command(const CliArgs& args, ApiClient& client);

}  // namespace gaplog
