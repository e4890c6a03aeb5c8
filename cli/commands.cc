// The command line's shared rules (unknown words, spellings, lists, enum values) and running the
// chosen API command: sending its request and reporting the answer, a download or a rejection.
#include "cli/commands.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <variant>

#include "cli/command_registry.h"
#include "cli/output.h"
#include "codec/json.h"
#include "domain/text.h"
#include "domain/time.h"
#include "domain/validation.h"

namespace gaplog {
namespace {

using json::Value;

std::string trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

// The name a command line uses for an app: "gaplog finding add".
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr; app = app->get_parent()) {
    std::string name = app->get_parent() == nullptr ? std::string("gaplog") : app->get_name();
    if (!path.empty()) name.append(" ").append(path);
    path = std::move(name);
  }
  return path;
}

}  // namespace

std::string closest_spelling(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // A typo or two, or a third of the word: further than that it is a different word, and a
  // suggestion would only mislead.
  const size_t tolerance = std::max<size_t>(2, word.size() / 3);
  return best_distance <= tolerance ? best : "";
}

std::string enum_value(std::string_view text) {
  std::string v = trimmed(text);
  for (char& c : v)
    c = c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    const size_t comma = text.find(',');
    std::string item = trimmed(text.substr(0, comma));
    if (!item.empty()) items.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

int usage_error(const std::string& what, const std::string& command) {
  std::fprintf(stderr, "gaplog: %s\nrun '%s --help' for its usage and an example\n", what.c_str(),
               command.empty() ? "gaplog" : command.c_str());
  return kExitUsage;
}

void configure_app(CLI::App& app) {
  app.allow_extras();
  app.fallthrough();
  // At most one command per group: once one is chosen, the names of the others are operands.
  app.require_subcommand(0, 1);
}

std::optional<int> check_unknown_words(CLI::App& root) {
  std::vector<CLI::App*> chain{&root};
  while (!chain.back()->get_subcommands().empty())
    chain.push_back(chain.back()->get_subcommands().front());
  CLI::App* leaf = chain.back();
  std::vector<std::string> extras;
  for (CLI::App* app : chain) {
    for (std::string& w : app->remaining()) extras.push_back(std::move(w));
  }
  // A group of commands needs one of them, unless it takes options of its own and so is a
  // command too (`backup --to DIR` beside `backup verify DIR`).
  const auto own_options = leaf->get_options([leaf](const CLI::Option* o) {
    return o != leaf->get_help_ptr() && o != leaf->get_help_all_ptr();
  });
  const bool group = !leaf->get_subcommands({}).empty() && (leaf == &root || own_options.empty());
  std::vector<std::string> commands;
  for (const CLI::App* sub : leaf->get_subcommands({})) commands.push_back(sub->get_name());
  auto suggestion = [](const std::string& word, const std::vector<std::string>& candidates) {
    const std::string best = closest_spelling(word, candidates);
    return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
  };
  const std::string path = command_path(leaf);
  if (extras.empty()) {
    if (!group) return std::nullopt;
    if (leaf == &root) return usage_error("no command given");
    std::string list;
    for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
    return usage_error(fmt::format("'{}' needs a command: {}", path, list), path);
  }
  const std::string& word = extras.front();
  if (word.size() > 1 && word[0] == '-') {
    const std::string name = word.substr(0, word.find('='));
    std::vector<std::string> options;
    for (const CLI::App* app : chain) {
      for (const CLI::Option* o : app->get_options()) {
        for (const std::string& l : o->get_lnames()) options.push_back("--" + l);
        for (const std::string& s : o->get_snames()) options.push_back("-" + s);
      }
    }
    return usage_error(
        fmt::format("unknown option '{}' for '{}'{}", name, path, suggestion(name, options)), path);
  }
  if (group) {
    return usage_error(
        fmt::format("unknown command '{}{}'{}", leaf == &root ? "" : leaf->get_name() + " ", word,
                    suggestion(word, commands)),
        path);
  }
  return usage_error(
      fmt::format("unexpected argument '{}' for '{}' (quote an operand that has spaces)", word,
                  path),
      path);
}

ApiCommands::ApiCommands(CLI::App& root) { add_api_commands(root, commands_); }

ApiCommands::~ApiCommands() = default;

bool ApiCommands::chosen() const {
  return std::any_of(commands_.begin(), commands_.end(),
                     [](const auto& c) { return c->app->parsed(); });
}

namespace {

// Puts a completed download in place and says where it went.
int write_download(const std::string& output_file) {
  const std::string partial = output_file + ".partial";
  std::error_code ec;
  const auto size = std::filesystem::file_size(partial, ec);
  if (ec || std::rename(partial.c_str(), output_file.c_str()) != 0) {
    std::remove(partial.c_str());
    std::fprintf(stderr, "gaplog: could not write %s\n", output_file.c_str());
    return kExitIo;
  }
  std::printf("wrote %llu bytes to %s\n", static_cast<unsigned long long>(size),
              output_file.c_str());
  return kExitOk;
}

// Sends `b` and prints the answer as `command` prints; returns the exit code.
int send(ApiClient& client, Built b, const std::string& command, const GlobalOptions& global) {
  if (!global.occurred_at.empty()) {
    if (b.request.method == "GET") {
      return usage_error(fmt::format(
          "--occurred-at back-fills a write, and '{}' only reads; for a past view use --as-of",
          command));
    }
    b.request.headers.emplace_back("X-Occurred-At", global.occurred_at);
  }
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
    if (global.json) std::printf("%s\n", response->body.c_str());
    std::fprintf(stderr, "gaplog: %s\n",
                 m && m->is_string() ? m->as_string().c_str() : response->body.c_str());
    if (const Value* rows = e ? e->find("rows") : nullptr; rows && rows->is_array()) {
      for (const Value& row : rows->items()) {
        std::fprintf(stderr, "  line %s: %s\n", cell(row.find("line")).c_str(),
                     cell(row.find("message")).c_str());
      }
    }
    return response->status >= 500 ? kExitIo : kExitRejected;
  }
  if (!b.output_file.empty()) return write_download(b.output_file);
  auto body = json::parse(response->body);
  if (global.json || !body) {
    std::printf("%s\n", response->body.c_str());
  } else {
    print_human(b.columns, *body, command);
  }
  // A log that does not verify is a rejection (exit 1), printed as JSON or as text.
  if (command == "verify" && body && !body->find("ok")->as_bool()) return kExitRejected;
  return kExitOk;
}

}  // namespace

Result<std::string> read_local_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in) return io_error(fmt::format("cannot read {}", path));
  return bytes.str();
}

int ApiCommands::run(ApiClient& client, const GlobalOptions& global) const {
  for (const auto& c : commands_) {
    if (!c->app->parsed()) continue;
    auto built = c->build(*c);
    if (auto* f = std::get_if<Failure>(&built)) {
      if (f->exit_code == kExitUsage) return usage_error(f->message, command_path(c->app));
      std::fprintf(stderr, "gaplog: %s\n", f->message.c_str());
      return f->exit_code;
    }
    return send(client, std::move(std::get<Built>(built)), c->top, global);
  }
  return usage_error("no command given");
}

int run_request(ApiClient& client, ApiRequest request, const std::string& command,
                const GlobalOptions& global) {
  return send(client, Built{std::move(request), "", {}}, command, global);
}

int exit_code_for(const Status& s) {
  switch (s.code()) {
    case Code::kIoError:
    case Code::kInternal:
    case Code::kCorruption:
    case Code::kUnavailable:
      return kExitIo;
    default:
      return kExitRejected;
  }
}

int fail(const Status& s) {
  std::fprintf(stderr, "gaplog: %s\n", s.message().c_str());
  return exit_code_for(s);
}

// "the data directory is in use" explained, for the error of opening a held log.
int fail_open(const Status& s, const std::string& dir) {
  if (s.code() == Code::kUnavailable) {
    std::fprintf(stderr,
                 "gaplog: %s is in use by another gaplog process (a running server?): %s\n"
                 "stop it, or talk to it with --server URL --token TOKEN\n",
                 dir.c_str(), s.message().c_str());
    return kExitIo;
  }
  return fail(s);
}

// "90s", "30m", "8h", "7d" as microseconds.
Result<Micros> parse_duration(std::string_view flag, std::string_view text) {
  Micros unit = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 's':
        unit = kMicrosPerSecond;
        break;
      case 'm':
        unit = 60 * kMicrosPerSecond;
        break;
      case 'h':
        unit = 3600 * kMicrosPerSecond;
        break;
      case 'd':
        unit = kMicrosPerDay;
        break;
      default:
        break;
    }
  }
  const std::string_view digits = text.substr(0, text.empty() ? 0 : text.size() - 1);
  if (unit == 0 || digits.empty() || digits.size() > 6 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoll(std::string(digits)) == 0) {
    return invalid_argument(fmt::format("{} takes a duration like 90s, 30m, 8h or 7d; got {}", flag,
                                        quoted_excerpt(text)));
  }
  return std::stoll(std::string(digits)) * unit;
}

RemoteOptions remote_options(const GlobalOptions& global) {
  RemoteOptions remote;
  remote.url = global.server;
  remote.token = global.token;
  remote.ca_file = global.cacert;
  remote.connect_timeout = std::chrono::seconds(global.connect_timeout);
  remote.read_timeout = std::chrono::seconds(global.timeout);
  return remote;
}

}  // namespace gaplog