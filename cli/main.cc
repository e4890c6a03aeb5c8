// gaplog command line. Exit codes (SPEC §8): 0 ok, 1 rejected, 2 usage error, 3 I/O or internal.
#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <mutex>
#include <thread>
#include <map>
#include <string>
#include <vector>

#include "domain/hex.h"
#include "domain/validation.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "server/audit_bundle.h"
#include "server/command_service.h"
#include "server/json.h"
#include "server/json_views.h"
#include "server/demo.h"
#include "server/http_server.h"
#include "server/program.h"
#include "server/web_ui.h"
#include "store/data_dir.h"

namespace gaplog {
namespace {

constexpr int kExitOk = 0, kExitRejected = 1, kExitUsage = 2, kExitIo = 3;

constexpr char kUsage[] = R"(gaplog — SOC 2 remediation tracker on a verifiable event log

usage: gaplog [--data DIR | --server URL --token T] [--as EMAIL] [--json] COMMAND [options]

commands:
  init         create a data directory (event log, Ed25519 signing key) with its first admin;
               prints the admin's API token once   --admin EMAIL [--name NAME]
               example: gaplog --data ./gaplog-data init --admin ann@example.com --name "Ann Lee"
  demo         create a data directory holding a realistic sample program with six months of
               history (back-filled); prints the admin's API token once  [--admin EMAIL]
               example: gaplog --data ./demo-data demo && gaplog --data ./demo-data serve
  verify       recompute every leaf and the Merkle root; name the first bad seq
               example: gaplog --data ./gaplog-data verify
  tree-head    print the signed tree head (size, root, timestamp, signature); with --json, the
               JSON to keep for a later 'bundle verify --since'
               example: gaplog --data ./gaplog-data --json tree-head > day-one.json
  log          print the events (seq, type, stream, occurred_at)  [--after SEQ] [--limit N]
               example: gaplog --data ./gaplog-data log --after 100 --limit 20
  token issue  issue an API token for a user (acting as the first admin, or --as EMAIL); prints
               it once   --for EMAIL [--as ADMIN_EMAIL]
               example: gaplog --data ./gaplog-data token issue --for ann@example.com
  bundle verify  check an audit bundle offline: the signature, every event and leaf, the Merkle
               root, every evidence file, and readiness.json against the events
               [--public-key PEM (the key you were given)] [--since TREE-HEAD.json (an earlier head)]
               example: gaplog bundle verify gaplog-audit-bundle-2026-11-30-812.tar --since day-one.json
  serve        run the HTTP API and the web UI   [--listen HOST:PORT (default 127.0.0.1:8080)]
               [--max-evidence-bytes N (default 104857600)]
               [--web DIR (the web UI's built assets; default: `web` next to the binary)]
               example: gaplog --data ./gaplog-data serve --listen 127.0.0.1:8080

  readiness, workload, timeline, roadmap, events, user, token revoke, scope, control, finding,
  evidence, import findings, export poam, export bundle: requests to the API (gaplog COMMAND --help shows each one's usage and an example)
               example: gaplog finding list --overdue
               example: gaplog --server http://127.0.0.1:8080 --token $T readiness --as-of 2026-06-30

options:
  --data DIR      the data directory (default: $GAPLOG_DATA or ./gaplog-data)
  --server URL    talk to a running server instead (default: $GAPLOG_SERVER), with
  --token T       an API token (default: $GAPLOG_TOKEN)
  --as EMAIL      in embedded mode, act as this user (default: the admin created by init)
  --json          print the API's JSON exactly
  --help          this text

exit codes: 0 ok, 1 rejected (rule, conflict, not found, forbidden), 2 usage error, 3 I/O or internal
)";

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

int usage_error(const std::string& what) {
  std::fprintf(stderr, "gaplog: %s\nrun 'gaplog --help' for the commands and an example of each\n",
               what.c_str());
  return kExitUsage;
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

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  auto bad = [&] {
    return invalid_argument(fmt::format("--listen takes HOST:PORT, e.g. 127.0.0.1:8080; got '{}'", listen));
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return bad();
  const unsigned long n = std::stoul(port);
  if (n > 65535) return bad();
  return std::make_pair(host, static_cast<uint16_t>(n));
}

// gaplog serve: the API over HTTP until SIGTERM or SIGINT. The projections' checkpoint is saved
// every few minutes while the log grows and at shutdown, so a restart does not replay the log.
int serve(const std::string& data, std::map<std::string, std::string>& options, FileSystem& fs, Clock& clock) {
  auto listen = parse_listen(options.count("listen") ? options["listen"] : "127.0.0.1:8080");
  if (!listen) return usage_error(listen.status().message());
  ApiOptions api_options;
  if (options.count("max-evidence-bytes")) {
    const std::string& v = options["max-evidence-bytes"];
    if (v.empty() || v.size() > 15 || v.find_first_not_of("0123456789") != std::string::npos || std::stoull(v) == 0) {
      return usage_error("--max-evidence-bytes takes a positive whole number of bytes");
    }
    api_options.max_evidence_bytes = std::stoull(v);
  }
  auto program = Program::open(fs, clock, data, api_options);
  if (!program) return fail_open(program.status(), data);
  HttpServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  std::mutex log_mu;
  server_options.access_log = [&log_mu](const AccessLogEntry& e) {
    const std::string line = format_access_log(e) + "\n";
    std::lock_guard lock(log_mu);
    std::fputs(line.c_str(), stderr);
  };
  const std::filesystem::path web_dir = options.count("web") ? std::filesystem::path(options["web"]) : default_web_dir();
  WebUi web_ui((*program)->api(), web_dir);
  auto server = HttpServer::start(web_ui, server_options);
  if (!server) return fail(server.status());
  (*server)->shutdown_on_signal();
  std::printf("gaplog: serving %s on http://%s:%u/ (%llu events); stop with Ctrl-C or SIGTERM\n", data.c_str(),
              listen->first.c_str(), (*server)->port(),
              static_cast<unsigned long long>((*program)->log().last_seq()));
  std::error_code ec;
  if (std::filesystem::is_regular_file(web_dir / "index.html", ec)) {
    std::printf("gaplog: web UI from %s\n", web_dir.c_str());
  } else {
    std::printf("gaplog: no web UI in %s (build it: cd web && npm ci && npm run build); the API is served\n",
                web_dir.c_str());
  }
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread checkpointer([&] {
    uint64_t saved_at = (*program)->log().last_seq();
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::minutes(5), [&] { return stopping; })) {
      const uint64_t seq = (*program)->log().last_seq();
      if (seq == saved_at) continue;
      if (Status s = (*program)->save_checkpoint(); !s.is_ok()) {
        std::fprintf(stderr, "gaplog: could not save the projection checkpoint: %s\n", s.message().c_str());
      } else {
        saved_at = seq;
      }
    }
  });
  (*server)->wait();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  checkpointer.join();
  server->reset();
  if (Status s = (*program)->save_checkpoint(); !s.is_ok()) {
    std::fprintf(stderr, "gaplog: could not save the projection checkpoint: %s\n", s.message().c_str());
  }
  std::printf("gaplog: stopped\n");
  return kExitOk;
}

// The e-mail of the admin created by init: the actor of the program's first event.
Result<std::string> first_admin(EventLog& log) {
  GAPLOG_ASSIGN_OR_RETURN(Event first, log.read(1));
  return first.actor;
}

int issue_token(const std::string& data, std::map<std::string, std::string>& options, FileSystem& fs, Clock& clock) {
  if (!options.count("for")) return usage_error("token issue needs --for EMAIL (the user the token is for)");
  auto program = Program::open(fs, clock, data);
  if (!program) return fail_open(program.status(), data);
  std::string actor;
  if (options.count("as")) {
    actor = options["as"];
  } else {
    auto admin = first_admin((*program)->log());
    if (!admin) return fail(admin.status());
    actor = *admin;
  }
  auto token = (*program)->service().issue_token(actor, options["for"]);
  if (!token) return fail(token.status());
  std::printf("API token for %s (shown once; keep it safe): %s\n", normalize_email(options["for"]).c_str(),
              token->token.c_str());
  return kExitOk;
}

int demo(const std::string& data, std::map<std::string, std::string>& options, FileSystem& fs, Clock& clock) {
  const std::string admin = options.count("admin") ? options["admin"] : "admin@acme.example";
  if (Status s = check_email("--admin", admin); !s.is_ok()) return usage_error(s.message());
  if (Status s = init_data_dir(fs, clock, data); !s.is_ok()) return fail(s);
  auto program = Program::open(fs, clock, data);
  if (!program) return fail_open(program.status(), data);
  auto& service = (*program)->service();
  if (auto added = service.execute(admin, AddUser{admin, "Alex Admin", "admin"}); !added) return fail(added.status());
  if (Status s = build_demo(service, *(*program)->store().blobs, normalize_email(admin), clock.now()); !s.is_ok()) {
    return fail(s);
  }
  auto token = service.issue_token(admin, admin);
  if (!token) return fail(token.status());
  if (Status s = (*program)->save_checkpoint(); !s.is_ok()) return fail(s);
  std::printf("created the demo program in %s (%llu events, six months of history)\n", data.c_str(),
              static_cast<unsigned long long>((*program)->log().last_seq()));
  std::printf("admin %s, API token (shown once; keep it safe): %s\n", normalize_email(admin).c_str(),
              token->token.c_str());
  return kExitOk;
}

struct Args {
  std::string data;
  std::string command;
  std::map<std::string, std::string> options;
  CliArgs cli;  // the same words, for the commands that are API requests
};

// gaplog bundle verify FILE: needs no data directory and no server.
int verify_bundle(const Args& args) {
  if (args.cli.words.size() != 3 || args.cli.words[1] != "verify") {
    return usage_error("usage: gaplog bundle verify FILE [--public-key PEM] [--since TREE-HEAD.json]");
  }
  BundleCheckOptions options;
  for (const auto& [option, field] : {std::pair{"public-key", &options.expected_public_key_pem},
                                      std::pair{"since", &options.earlier_tree_head_json}}) {
    auto it = args.options.find(option);
    if (it == args.options.end()) continue;
    auto text = read_local_file(it->second);
    if (!text) return fail(text.status());
    *field = std::move(*text);
  }
  for (const auto& [name, value] : args.options) {
    if (name != "public-key" && name != "since") return usage_error(fmt::format("bundle verify takes no --{}", name));
  }
  const std::string& file = args.cli.words[2];
  auto check = check_audit_bundle(file, options);
  if (!check) {
    if (check.status().code() == Code::kIoError) return fail(check.status());
    std::fprintf(stderr, "gaplog: %s is not a readable audit bundle: %s\n", file.c_str(), check.status().message().c_str());
    return kExitRejected;
  }
  if (args.cli.flags.count("json")) {
    json::Value problems = json::Value::array();
    for (const std::string& p : check->problems) problems.push(json::Value::string(p));
    std::printf("%s\n", json::write(json::Value::object()
                                        .set("ok", json::Value::boolean(check->ok()))
                                        .set("problems", std::move(problems))
                                        .set("tree_size", json::Value::integer(static_cast<int64_t>(check->tree_size)))
                                        .set("events_checked", json::Value::integer(static_cast<int64_t>(check->events_checked)))
                                        .set("root_hash", json::Value::string(check->root_hash))
                                        .set("timestamp", json::Value::string(check->timestamp))
                                        .set("as_of", json::Value::string(check->as_of))
                                        .set("public_key_sha256", json::Value::string(check->key_sha256))
                                        .set("evidence_files", json::Value::integer(static_cast<int64_t>(check->evidence_files))))
                             .c_str());
    return check->ok() ? kExitOk : kExitRejected;
  }
  if (!check->ok()) {
    std::printf("FAILED: %s does not check out (%zu problem%s):\n", file.c_str(), check->problems.size(),
                check->problems.size() == 1 ? "" : "s");
    for (const std::string& p : check->problems) std::printf("  - %s\n", p.c_str());
    return kExitRejected;
  }
  std::printf("ok: %s\n", file.c_str());
  std::printf("  as of       %s\n", check->as_of.c_str());
  std::printf("  events      %llu checked, Merkle root %s\n", static_cast<unsigned long long>(check->events_checked),
              check->root_hash.c_str());
  std::printf("  tree head   signed %s; the signature verifies\n", check->timestamp.c_str());
  std::printf("  public key  sha256 %s%s\n", check->key_sha256.c_str(),
              args.options.count("public-key") ? " (the key you gave)" : " (compare it with the key you were given)");
  if (args.options.count("since")) std::printf("  since       the log extends the earlier tree head you gave\n");
  std::printf("  evidence    %zu file%s, every hash matches the events\n", check->evidence_files,
              check->evidence_files == 1 ? "" : "s");
  std::printf("  readiness   readiness.json equals the readiness recomputed from the events\n");
  return kExitOk;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// API commands (user, finding, readiness, ...): in-process on the data directory acting as
// --as (default: the admin created by init), or against --server with --token.
int run_api(Args& args, FileSystem& fs, Clock& clock) {
  const std::string server = args.options.count("server") ? args.options["server"] : env_or("GAPLOG_SERVER", "");
  if (!server.empty()) {
    const std::string token = args.options.count("token") ? args.options["token"] : env_or("GAPLOG_TOKEN", "");
    auto client = remote_client(server, token);
    if (!client) return usage_error(client.status().message());
    return run_api_command(args.cli, **client);
  }
  auto program = Program::open(fs, clock, args.data);
  if (!program) return fail_open(program.status(), args.data);
  std::string actor;
  if (args.options.count("as")) {
    actor = args.options["as"];
  } else {
    auto admin = first_admin((*program)->log());
    if (!admin) return fail(admin.status());
    actor = *admin;
  }
  return run_api_command(args.cli, *embedded_client(**program, actor));
}

int run(int argc, char** argv) {
  Args args;
  args.data = env_or("GAPLOG_DATA", "./gaplog-data");
  std::vector<std::string> words(argv + 1, argv + argc);
  bool help = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--help" || w == "-h") {
      help = true;
    } else if (w == "--json" || w == "--overdue" || w == "--dry-run") {
      args.cli.flags.insert(w.substr(2));
    } else if (w.rfind("--", 0) == 0 || w == "-o") {
      if (i + 1 >= words.size()) return usage_error(fmt::format("{} needs a value", w));
      const std::string name = w == "-o" ? "o" : w.substr(2);
      if (name == "data") args.data = words[++i];
      else args.options[name] = args.cli.options[name] = words[++i];
    } else {
      args.cli.words.push_back(w);
    }
  }
  if (!args.cli.words.empty()) args.command = args.cli.words[0];
  if (help) {
    const std::string usage = api_command_usage(args.command);
    if (usage.empty()) {
      std::fputs(kUsage, stdout);
    } else {
      std::printf("usage: gaplog %s\n", usage.c_str());
    }
    return kExitOk;
  }
  if (args.command.empty()) return usage_error("no command given");
  if (args.command == "token" && args.cli.words.size() > 1 && args.cli.words[1] == "issue") {
    args.command = "token issue";
  }
  const bool local = args.command == "init" || args.command == "demo" || args.command == "serve" ||
                     args.command == "verify" || args.command == "tree-head" || args.command == "log" ||
                     args.command == "token issue";
  if (local && args.cli.words.size() > (args.command == "token issue" ? 2u : 1u)) {
    return usage_error(fmt::format("unexpected argument '{}'", args.cli.words.back()));
  }

  auto fs = make_posix_file_system();
  SystemClock clock;
  if (args.command == "init") {
    if (!args.options.count("admin")) return usage_error("init needs --admin EMAIL (the first admin)");
    const std::string admin = args.options["admin"];
    if (Status s = check_email("--admin", admin); !s.is_ok()) return usage_error(s.message());
    std::string name = args.options.count("name") ? args.options["name"] : admin.substr(0, admin.find('@'));
    if (Status s = init_data_dir(*fs, clock, args.data); !s.is_ok()) return fail(s);
    auto store = open_data_dir(*fs, clock, args.data);
    if (!store) return fail(store.status());
    auto service = CommandService::open(*store->log, clock);
    if (!service) return fail(service.status());
    if (auto added = (*service)->execute(admin, AddUser{admin, name, "admin"}); !added) {
      return fail(added.status());
    }
    auto token = (*service)->issue_token(admin, admin);
    if (!token) return fail(token.status());
    std::printf("initialised %s with admin %s\n", args.data.c_str(), normalize_email(admin).c_str());
    std::printf("admin API token (shown once; keep it safe): %s\n", token->token.c_str());
    return kExitOk;
  }
  if (args.command == "bundle") return verify_bundle(args);
  if (args.command == "serve") return serve(args.data, args.options, *fs, clock);
  if (args.command == "demo") return demo(args.data, args.options, *fs, clock);
  if (args.command == "token issue") return issue_token(args.data, args.options, *fs, clock);
  if (!local) {
    if (api_command_usage(args.command).empty()) return usage_error(fmt::format("unknown command '{}'", args.command));
    return run_api(args, *fs, clock);
  }
  auto store = open_data_dir(*fs, clock, args.data);
  if (!store) return fail_open(store.status(), args.data);

  if (args.command == "verify") {
    auto report = store->log->verify();
    if (!report) return fail(report.status());
    if (!report->ok) {
      std::printf("FAILED at seq %llu: %s\n", static_cast<unsigned long long>(*report->first_bad_seq),
                  report->problem.c_str());
      return kExitRejected;
    }
    std::printf("ok: %llu events, root %s\n", static_cast<unsigned long long>(report->tree_size),
                hash_hex(report->root).c_str());
    return kExitOk;
  }
  if (args.command == "tree-head") {
    auto head = current_tree_head(*store->log, *store->signer, clock);
    if (!head) return fail(head.status());
    if (args.cli.flags.count("json")) {  // the API's JSON: keep it to prove later that the log only grew
      std::printf("%s\n", json::write(tree_head_json(*head, store->signer->public_key_pem())).c_str());
      return kExitOk;
    }
    std::printf("tree_size  %llu\nroot_hash  %s\ntimestamp  %s\nsignature  %s\n",
                static_cast<unsigned long long>(head->tree_size), hash_hex(head->root).c_str(),
                format_timestamp(head->timestamp).c_str(), to_hex(head->signature).c_str());
    return kExitOk;
  }
  // log
  uint64_t after = 0;
  size_t limit = 100;
  try {
    if (args.options.count("after")) after = std::stoull(args.options["after"]);
    if (args.options.count("limit")) limit = std::stoul(args.options["limit"]);
  } catch (const std::exception&) {
    return usage_error("--after and --limit take whole numbers");
  }
  auto events = store->log->read_range(after + 1, limit);
  if (!events) return fail(events.status());
  for (const Event& e : *events) {
    std::printf("%8llu  %-24s %-28s %s%s\n", static_cast<unsigned long long>(e.seq),
                std::string(event_type_name(e.payload)).c_str(), e.stream.c_str(),
                format_timestamp(e.occurred_at).c_str(), is_backfilled(e) ? "  (back-filled)" : "");
  }
  return kExitOk;
}

}  // namespace
}  // namespace gaplog

int main(int argc, char** argv) {
  try {
    return gaplog::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplog: internal error: %s\n", e.what());
    return 3;
  }
}
