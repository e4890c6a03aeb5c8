// The CLI commands that are API requests (SPEC §8): each becomes one request to the same Api the
// server runs, in-process or over HTTP, so both modes behave the same. `--json` prints the
// API's JSON exactly; otherwise lists print as aligned tables and entities as fields.
//
// The command line is parsed with CLI11 (docs/cli.md says why). Every app in the tree is set up
// by `configure_app`: unknown words are kept rather than thrown, so that `check_unknown_words`
// can name the first one and suggest the closest valid spelling.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client.h"
#include "domain/time.h"

namespace CLI {
class App;
}

namespace gaplog {

constexpr int kExitOk = 0, kExitRejected = 1, kExitUsage = 2, kExitIo = 3;

// The options every command takes, wherever they appear on the line.
struct GlobalOptions {
  std::string data = "./gaplog-data";  // --data, $GAPLOG_DATA
  std::string server;                  // --server, $GAPLOG_SERVER
  std::string token;                   // --token, $GAPLOG_TOKEN
  std::string as;                      // --as: the acting user in embedded mode
  std::string occurred_at;             // --occurred-at: back-fills a write (X-Occurred-At)
  bool json = false;                   // --json
  // Against --server (docs/tls.md): the CA certificates to trust, and the timeouts in seconds.
  std::string cacert;        // --cacert, $GAPLOG_CACERT; "" = the system's CA store
  int connect_timeout = 10;  // --connect-timeout
  int timeout = 60;          // --timeout: the longest silence while waiting for the server
};

// Lets unknown options and operands through to `check_unknown_words` and makes a subcommand's
// name stop being special once a subcommand of `app` was chosen (so `finding comment F-1 show`
// comments "show"). Call on every app and group of subcommands.
void configure_app(CLI::App& app);

// After a successful parse of `root`: when the line had a word no command or option takes, or
// named a group of commands (`finding`) without one of its commands, prints a usage error
// naming the word with the closest valid spelling and returns kExitUsage; otherwise nullopt.
std::optional<int> check_unknown_words(CLI::App& root);

// The closest of `candidates` to `word` by edit distance, or "" when none is close enough to be
// what was meant.
std::string closest_spelling(const std::string& word, const std::vector<std::string>& candidates);

// "in progress", "In-Progress" -> "in_progress": enum values (severity, status, category, role,
// source) in any letter case, sent in the spec's spelling.
std::string enum_value(std::string_view text);

// "CC6.1, CC6.2" -> {"CC6.1", "CC6.2"}: a list given as `a,b` or `a, b`.
std::vector<std::string> split_list(std::string_view text);

// The commands that are API requests (readiness, finding …, token issue, program …), registered
// as subcommands of a CLI11 app. After the app parsed a line, `chosen()` says whether one of them
// was named and `run` sends its request.
class ApiCommands {
 public:
  explicit ApiCommands(CLI::App& app);
  ~ApiCommands();
  ApiCommands(const ApiCommands&) = delete;
  ApiCommands& operator=(const ApiCommands&) = delete;

  bool chosen() const;
  // Runs the chosen command; returns the exit code (0 ok, 1 rejected, 2 usage, 3 I/O or internal).
  int run(ApiClient& client, const GlobalOptions& global) const;

  struct Command;

 private:
  std::vector<std::unique_ptr<Command>> commands_;
};

// Sends one request that `command` (verify, tree-head, log: the commands that read the data
// directory directly when embedded) stands for against a server, and prints the answer.
int run_request(ApiClient& client, ApiRequest request, const std::string& command,
                const GlobalOptions& global);

// The whole content of a local file (an upload, a CSV, a key or tree head to check against);
// kIoError "cannot read PATH" when it cannot be read.
Result<std::string> read_local_file(const std::string& path);

// Where --server, --token, --cacert and the timeouts say to send requests.
RemoteOptions remote_options(const GlobalOptions& global);

// A usage error: "gaplog: WHAT" and where to find the usage; returns kExitUsage.
int usage_error(const std::string& what, const std::string& command = "");

// The exit code for a failure: kExitIo for I/O, corruption, unavailable and internal errors,
// kExitRejected for the rest.
int exit_code_for(const Status& s);
// "gaplog: MESSAGE" on stderr; returns exit_code_for(s).
int fail(const Status& s);
// The same for opening a data directory: a held one is explained (a running server?).
int fail_open(const Status& s, const std::string& dir);

// "90s", "30m", "8h", "7d" as microseconds; a usage message naming `flag` otherwise.
Result<Micros> parse_duration(std::string_view flag, std::string_view text);

}  // namespace gaplog
