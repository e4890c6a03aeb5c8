// gaplog command line. Exit codes (SPEC §8): 0 ok, 1 rejected, 2 usage error, 3 I/O or internal.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/served_program.h"
#include "app/command_service.h"
#include "app/demo.h"
#include "app/demo_reminders.h"
#include "cli/backup_commands.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/listen_address.h"
#include "cli/reminder_options.h"
#include "cli/serve_metrics.h"
#include "cli/version_text.h"
#include "codec/json.h"
#include "codec/url.h"
#include "domain/commands.h"
#include "domain/hex.h"
#include "domain/validation.h"
#include "export/audit_bundle.h"
#include "http/http_server.h"
#include "http/web_ui.h"
#include "store/data_dir.h"
#include "views/json_views.h"

namespace gaplog {
namespace {

// The root's help, after the options and the commands CLI11 lists.
constexpr char kHelpFooter[] =
    R"(Every command but init, demo, serve and bundle verify is a request to the API: embedded on
the data directory (acting as the admin created by init, or --as EMAIL), or against a server
with --server URL --token T. gaplog COMMAND --help shows a command's usage and an example.

examples:
  gaplog --data ./gaplog-data init --admin ann@example.com --name "Ann Lee"
  gaplog --data ./demo-data demo && gaplog --data ./demo-data serve --listen 127.0.0.1:8080
  gaplog finding list --overdue
  gaplog --server http://127.0.0.1:8080 --token $T readiness --as-of 2026-06-30
  gaplog --occurred-at 2026-03-02T09:00:00Z finding add --title "No MFA on the VPN" --severity High --criteria "CC6.1, CC6.6"
  gaplog --json tree-head > day-one.json
  gaplog bundle verify gaplog-audit-bundle-2026-11-30-812.tar --since day-one.json

exit codes: 0 ok, 1 rejected (rule, conflict, not found, forbidden), 2 usage error, 3 I/O or internal)";

// gaplog serve: the API over HTTP until SIGTERM or SIGINT. The projections' checkpoint is saved
// every few minutes while the log grows and at shutdown, so a restart does not replay the log.
struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string max_evidence_bytes;  // "" = the default
  std::string web;                 // "" = `web` next to the binary
  size_t max_connections = HttpServerOptions{}.max_connections;
  size_t max_connections_per_address = HttpServerOptions{}.max_connections_per_address;
  // Sign-in (SPEC §10, docs/sign-in.md).
  std::string public_url;  // "" = http://<listen>
  std::string oidc_issuer, oidc_client_id, oidc_client_secret_file, oidc_name;
  std::string session_idle = "8h", session_max = "7d";
  MailOptions mail;            // reminders (SPEC §11, docs/reminders.md)
  std::string metrics_listen;  // "" = no metrics (docs/metrics.md)
  BackupServeOptions backup;   // SPEC §14, docs/backups.md
  // TLS (docs/tls.md): both or neither; "" = plain HTTP.
  std::string tls_cert, tls_key;
};

// The sign-in options of serve, into the Api's: the public URL, the identity provider (all of
// --oidc-issuer, --oidc-client-id and --oidc-client-secret-file, or none) and session lengths.
Status apply_sign_in_options(const ServeOptions& o, const std::string& listen, ApiOptions& api) {
  const bool tls = !o.tls_cert.empty();
  api.public_url = o.public_url.empty() ? (tls ? "https://" : "http://") + listen : o.public_url;
  // The session cookie is Secure exactly when the public URL is https (api/sign_in.cc); a server
  // that only speaks TLS is reached over https, so an http:// public URL is a mistake.
  if (tls && !api.public_url.starts_with("https://")) {
    return invalid_argument(fmt::format(
        "--public-url {} is http://, but with --tls-cert people reach gaplog over https; give "
        "the https:// URL",
        o.public_url));
  }
  GAPLOG_ASSIGN_OR_RETURN(api.sessions.idle, parse_duration("--session-idle", o.session_idle));
  GAPLOG_ASSIGN_OR_RETURN(api.sessions.max, parse_duration("--session-max", o.session_max));
  const int given =
      !o.oidc_issuer.empty() + !o.oidc_client_id.empty() + !o.oidc_client_secret_file.empty();
  if (given == 0) return Status::ok();
  if (given != 3 || o.public_url.empty()) {
    return invalid_argument(
        "sign-in with an identity provider needs --public-url, --oidc-issuer, --oidc-client-id "
        "and --oidc-client-secret-file together (docs/sign-in.md)");
  }
  std::ifstream in(o.oidc_client_secret_file, std::ios::binary);
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    return invalid_argument(
        fmt::format("--oidc-client-secret-file {} cannot be read", o.oidc_client_secret_file));
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    return invalid_argument(fmt::format(
        "--oidc-client-secret-file {} is empty; put the client secret of gaplog's registration "
        "at the identity provider in it",
        o.oidc_client_secret_file));
  }
  api.oidc = OidcConfig{o.oidc_issuer, o.oidc_client_id, secret, api.public_url + "/auth/callback",
                        o.oidc_name.empty() ? "single sign-on" : o.oidc_name};
  return Status::ok();
}

// Every connection holds a descriptor, and RocksDB keeps files open too: the soft limit is
// raised to the hard one, and a limit too low for --max-connections is said at start, not found
// out when the server is full.
void raise_open_files_limit(size_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr size_t kHeadroom = 512;  // RocksDB's files, evidence uploads, the log
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < max_connections + kHeadroom) {
    std::fprintf(
        stderr,
        "gaplog: warning: at most %llu open files (ulimit -n) for --max-connections %zu; raise the "
        "limit to at least %zu or lower --max-connections\n",
        static_cast<unsigned long long>(limit.rlim_cur), max_connections,
        max_connections + kHeadroom);
  }
}

// --tls-cert and --tls-key: both or neither, readable, and the key the certificate's; a key
// that others may read is served, with a warning.
Result<std::optional<TlsFiles>> tls_files(const ServeOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) return std::optional<TlsFiles>();
  if (o.tls_cert.empty() || o.tls_key.empty()) {
    return invalid_argument(
        "TLS needs both --tls-cert FILE (the certificate, PEM) and --tls-key FILE (its private "
        "key, PEM); give both, or neither for plain HTTP");
  }
  TlsFiles files{o.tls_cert, o.tls_key};
  GAPLOG_RETURN_IF_ERROR(check_tls_files(files));
  std::error_code ec;
  const auto permissions = std::filesystem::status(o.tls_key, ec).permissions();
  if (!ec && (permissions & std::filesystem::perms::others_read) != std::filesystem::perms::none) {
    std::fprintf(stderr,
                 "gaplog: warning: anyone on this machine can read the private key %s; chmod 600 "
                 "it (or 640, group of the user running gaplog)\n",
                 o.tls_key.c_str());
  }
  return std::optional<TlsFiles>(std::move(files));
}

// The URL the server answers at, for its first line: https://[::1]:8443/.
std::string served_url(bool tls, const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}/", tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
                     port);
}

// The Api's options from serve's: evidence size and sign-in (a usage error says what to fix).
Result<ApiOptions> serve_api_options(const ServeOptions& options) {
  ApiOptions api_options;
  if (!options.max_evidence_bytes.empty()) {
    const std::string& v = options.max_evidence_bytes;
    if (v.size() > 15 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(v) == 0) {
      return invalid_argument("--max-evidence-bytes takes a positive whole number of bytes");
    }
    api_options.max_evidence_bytes = std::stoull(v);
  }
  GAPLOG_RETURN_IF_ERROR(apply_sign_in_options(options, options.listen, api_options));
  return api_options;
}

// serve's first lines on stdout: where it serves (tests read the URL off the first line), and
// whether the web UI is there.
void say_serving(const std::string& data, const std::string& url, uint64_t events,
                 const std::filesystem::path& web_dir, const BackupServeOptions& backup) {
  std::printf("gaplog: serving %s on %s (%llu events); stop with Ctrl-C or SIGTERM\n", data.c_str(),
              url.c_str(), static_cast<unsigned long long>(events));
  if (!backup.dir.empty()) {
    const std::string when = backup.every.empty() ? " when asked (POST /api/v1/admin/backups)"
                                                  : " every " + backup.every;
    std::printf("gaplog: backups into %s%s\n", backup.dir.c_str(), when.c_str());
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(web_dir / "index.html", ec)) {
    std::printf("gaplog: web UI from %s\n", web_dir.c_str());
  } else {
    std::printf(
        "gaplog: no web UI in %s (build it: cd web && npm ci && npm run build); the API is "
        "served\n",
        web_dir.c_str());
  }
  std::fflush(stdout);
}

// Saves the projections' checkpoint every 5 minutes (when the log grew) until the server stops.
void save_checkpoints_until_stopped(ServedProgram& program, HttpServer& server) {
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread checkpointer([&] {
    uint64_t saved_at = program.log().last_seq();
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::minutes(5), [&] { return stopping; })) {
      const uint64_t seq = program.log().last_seq();
      if (seq == saved_at) continue;
      if (Status s = program.save_checkpoint(); !s.is_ok()) {
        std::fprintf(stderr, "gaplog: could not save the projection checkpoint: %s\n",
                     s.message().c_str());
      } else {
        saved_at = seq;
      }
    }
  });
  server.wait();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  checkpointer.join();
}

int serve(const std::string& data, const ServeOptions& options, FileSystem& fs, Clock& clock) {
  auto listen = parse_listen("--listen", options.listen);
  if (!listen) return usage_error(listen.status().message(), "gaplog serve");
  Result<std::optional<TlsFiles>> tls = tls_files(options);
  if (!tls) return usage_error(tls.status().message(), "gaplog serve");
  Result<ApiOptions> api_options = serve_api_options(options);
  if (!api_options) return usage_error(api_options.status().message(), "gaplog serve");
  std::mutex log_mu;  // one line at a time on stderr: the access log and the server's own lines
  api_options->log = [&log_mu](const std::string& line) {
    std::lock_guard lock(log_mu);
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  Result<ReminderOptions> reminders = reminder_options(options.mail);
  if (!reminders) return usage_error(reminders.status().message(), "gaplog serve");
  auto metrics = ServeMetrics::create(options.metrics_listen);
  if (!metrics) return usage_error(metrics.status().message(), "gaplog serve");
  reminders->on_delivery_attempt = (*metrics)->delivery_observer();
  Result<BackupSettings> backups = backup_settings(options.backup);
  if (!backups) return usage_error(backups.status().message(), "gaplog serve");
  backups->on_outcome = [&metrics](const BackupOutcome& o) {
    (*metrics)->backup_finished(o.ok, o.finished_at);
  };
  auto program = ServedProgram::open(fs, clock, data, *api_options, std::move(*reminders),
                                     std::move(*backups), (*metrics)->log_observers());
  if (!program) return fail_open(program.status(), data);
  (*program)->start_reminders();
  if (auto last = (*program)->backups().report().last_good) {
    (*metrics)->backup_found(last->finished_at);
  }
  (*program)->start_backups();
  HttpServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  server_options.max_connections = options.max_connections;
  server_options.max_connections_per_address = options.max_connections_per_address;
  server_options.tls = *tls;
  raise_open_files_limit(options.max_connections);
  server_options.access_log = [&log_mu, &metrics](const AccessLogEntry& e) {
    (*metrics)->request_finished(e);
    const std::string line = format_access_log(e) + "\n";
    std::lock_guard lock(log_mu);
    std::fputs(line.c_str(), stderr);
  };
  const std::filesystem::path web_dir =
      options.web.empty() ? default_web_dir() : std::filesystem::path(options.web);
  WebUi web_ui((*program)->api(), web_dir);
  auto server = HttpServer::start(web_ui, server_options);
  if (!server) return fail(server.status());
  (*server)->shutdown_on_signal();
  say_serving(data, served_url(tls->has_value(), listen->first, (*server)->port()),
              (*program)->log().last_seq(), web_dir, options.backup);
  if (Status s = (*metrics)->start(**program); !s.is_ok()) return fail(s);

  save_checkpoints_until_stopped(**program, **server);
  server->reset();
  (*metrics)->stop();
  if (Status s = (*program)->save_checkpoint(); !s.is_ok()) {
    std::fprintf(stderr, "gaplog: could not save the projection checkpoint: %s\n",
                 s.message().c_str());
  }
  std::printf("gaplog: stopped\n");
  return kExitOk;
}

// The e-mail of the admin created by init: the actor of the program's first event.
Result<std::string> first_admin(EventLog& log) {
  GAPLOG_ASSIGN_OR_RETURN(Event first, log.read(1));
  return first.actor;
}

int demo(const std::string& data, const std::string& admin, FileSystem& fs, Clock& clock) {
  if (Status s = check_email("--admin", admin); !s.is_ok())
    return usage_error(s.message(), "gaplog demo");
  if (Status s = init_data_dir(fs, clock, data); !s.is_ok()) return fail(s);
  auto program = Program::open(fs, clock, data);
  if (!program) return fail_open(program.status(), data);
  auto& service = (*program)->service();
  if (auto added = service.execute(admin, AddUser{admin, "Alex Admin", "admin"}); !added)
    return fail(added.status());
  if (Status s =
          build_demo(service, *(*program)->store().blobs, normalize_email(admin), clock.now());
      !s.is_ok()) {
    return fail(s);
  }
  if (Status s =
          backfill_demo_reminders(service, (*program)->history(), (*program)->log(), clock.now());
      !s.is_ok()) {
    return fail(s);
  }
  auto token = service.issue_token(admin, admin);
  if (!token) return fail(token.status());
  if (Status s = (*program)->save_checkpoint(); !s.is_ok()) return fail(s);
  std::printf("created the demo program in %s (%llu events, six months of history)\n", data.c_str(),
              static_cast<unsigned long long>((*program)->log().last_seq()));
  std::printf("admin %s, API token (shown once; keep it safe): %s\n",
              normalize_email(admin).c_str(), token->token.c_str());
  return kExitOk;
}

struct BundleVerifyOptions {
  std::string file;
  std::string public_key;  // PEM file; "" = none given
  std::string since;       // tree head JSON file; "" = none given
};

// gaplog bundle verify FILE: needs no data directory and no server.
int verify_bundle(const BundleVerifyOptions& args, bool as_json) {
  BundleCheckOptions options;
  for (const auto& [path, field] : {std::pair{&args.public_key, &options.expected_public_key_pem},
                                    std::pair{&args.since, &options.earlier_tree_head_json}}) {
    if (path->empty()) continue;
    auto text = read_local_file(*path);
    if (!text) return fail(text.status());
    *field = std::move(*text);
  }
  const std::string& file = args.file;
  auto check = check_audit_bundle(file, options);
  if (!check) {
    if (check.status().code() == Code::kIoError) return fail(check.status());
    std::fprintf(stderr, "gaplog: %s is not a readable audit bundle: %s\n", file.c_str(),
                 check.status().message().c_str());
    return kExitRejected;
  }
  if (as_json) {
    json::Value problems = json::Value::array();
    for (const std::string& p : check->problems) problems.push(json::Value::string(p));
    std::printf(
        "%s\n",
        json::write(
            json::Value::object()
                .set("ok", json::Value::boolean(check->ok()))
                .set("problems", std::move(problems))
                .set("tree_size", json::Value::integer(static_cast<int64_t>(check->tree_size)))
                .set("events_checked",
                     json::Value::integer(static_cast<int64_t>(check->events_checked)))
                .set("root_hash", json::Value::string(check->root_hash))
                .set("timestamp", json::Value::string(check->timestamp))
                .set("as_of", json::Value::string(check->as_of))
                .set("public_key_sha256", json::Value::string(check->key_sha256))
                .set("evidence_files",
                     json::Value::integer(static_cast<int64_t>(check->evidence_files))))
            .c_str());
    return check->ok() ? kExitOk : kExitRejected;
  }
  if (!check->ok()) {
    std::printf("FAILED: %s does not check out (%zu problem%s):\n", file.c_str(),
                check->problems.size(), check->problems.size() == 1 ? "" : "s");
    for (const std::string& p : check->problems) std::printf("  - %s\n", p.c_str());
    return kExitRejected;
  }
  std::printf("ok: %s\n", file.c_str());
  std::printf("  as of       %s\n", check->as_of.c_str());
  std::printf("  events      %llu checked, Merkle root %s\n",
              static_cast<unsigned long long>(check->events_checked), check->root_hash.c_str());
  std::printf("  tree head   signed %s; the signature verifies\n", check->timestamp.c_str());
  std::printf("  public key  sha256 %s%s\n", check->key_sha256.c_str(),
              args.public_key.empty() ? " (compare it with the key you were given)"
                                      : " (the key you gave)");
  if (!args.since.empty())
    std::printf("  since       the log extends the earlier tree head you gave\n");
  std::printf("  evidence    %zu file%s, every hash matches the events\n", check->evidence_files,
              check->evidence_files == 1 ? "" : "s");
  std::printf("  readiness   readiness.json equals the readiness recomputed from the events\n");
  return kExitOk;
}

// "maya.chen@acme.example" -> "Maya Chen": the words of the e-mail's local part (split at '.',
// '_', '-' and '+'), each capitalised; the local part itself when it has no letters.
std::string name_from_email(const std::string& email) {
  const std::string local = email.substr(0, email.find('@'));
  std::string name;
  bool word_start = true;
  for (char c : local) {
    if (c == '.' || c == '_' || c == '-' || c == '+') {
      word_start = true;
      continue;
    }
    if (word_start && !name.empty()) name.push_back(' ');
    name.push_back(word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                              : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    word_start = false;
  }
  return name.empty() ? local : name;
}

struct InitOptions {
  std::string admin, name;
};

int init(const std::string& data, const InitOptions& options, std::optional<Micros> occurred_at,
         FileSystem& fs, Clock& clock) {
  const std::string& admin = options.admin;
  if (Status s = check_email("--admin", admin); !s.is_ok())
    return usage_error(s.message(), "gaplog init");
  const std::string name =
      options.name.empty() ? name_from_email(normalize_email(admin)) : options.name;
  // Decided once on an empty program before anything is created: a refusal (a back-fill out of
  // bounds, a bad name) leaves no half-made data directory behind.
  const CommandContext probe{normalize_email(admin), clock.now(), occurred_at};
  if (auto decided = decide(ProgramState{}, probe, Command{AddUser{admin, name, "admin"}});
      !decided) {
    return fail(decided.status());
  }
  if (Status s = init_data_dir(fs, clock, data); !s.is_ok()) return fail(s);
  auto store = open_data_dir(fs, clock, data);
  if (!store) return fail(store.status());
  auto service = CommandService::open(*store->log, clock);
  if (!service) return fail(service.status());
  CommandOptions command_options;
  command_options.occurred_at = occurred_at;
  if (auto added = (*service)->execute(admin, AddUser{admin, name, "admin"}, command_options);
      !added) {
    return fail(added.status());
  }
  auto token = (*service)->issue_token(admin, admin, "", command_options);
  if (!token) return fail(token.status());
  std::printf("initialised %s with admin %s (%s)\n", data.c_str(), normalize_email(admin).c_str(),
              name.c_str());
  std::printf("admin API token (shown once; keep it safe): %s\n", token->token.c_str());
  return kExitOk;
}

// verify, tree-head and log on the data directory itself (embedded mode).
int verify_local(Store& store) {
  auto report = store.log->verify();
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

int tree_head_local(Store& store, Clock& clock, bool as_json) {
  auto head = current_tree_head(*store.log, *store.signer, clock);
  if (!head) return fail(head.status());
  if (as_json) {  // the API's JSON: keep it to prove later that the log only grew
    std::printf("%s\n", json::write(tree_head_json(*head, store.signer->public_key_pem())).c_str());
    return kExitOk;
  }
  std::printf("tree_size  %llu\nroot_hash  %s\ntimestamp  %s\nsignature  %s\n",
              static_cast<unsigned long long>(head->tree_size), hash_hex(head->root).c_str(),
              format_timestamp(head->timestamp).c_str(), to_hex(head->signature).c_str());
  return kExitOk;
}

int log_local(Store& store, uint64_t after, size_t limit) {
  auto events = store.log->read_range(after + 1, limit);
  if (!events) return fail(events.status());
  for (const Event& e : *events) {
    std::printf("%8llu  %-24s %-28s %s%s\n", static_cast<unsigned long long>(e.seq),
                std::string(event_type_name(e.payload)).c_str(), e.stream.c_str(),
                format_timestamp(e.occurred_at).c_str(), is_backfilled(e) ? "  (back-filled)" : "");
  }
  return kExitOk;
}

// The deepest command the line named, for "run 'gaplog finding add --help'".
std::string chosen_command(const CLI::App& root) {
  std::string path = "gaplog";
  for (const CLI::App* app = &root; !app->get_subcommands().empty();) {
    app = app->get_subcommands().front();
    path += " " + app->get_name();
  }
  return path;
}

// How the CLI reaches a --server: TLS trust and timeouts (ignored in embedded mode).
void add_connection_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--cacert", global.cacert,
                 "for an https --server: trust the CA certificates in this PEM file (a private CA, "
                 "a self-signed server) instead of the system's (default: $GAPLOG_CACERT)")
      ->envname("GAPLOG_CACERT")
      ->type_name("FILE");
  app.add_option("--connect-timeout", global.connect_timeout,
                 "give up connecting to --server (TLS handshake included) after this long "
                 "(default 10)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));
  app.add_option("--timeout", global.timeout,
                 "give up when --server sends nothing for this long (default 60; a download that "
                 "keeps arriving is never cut off)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));
}

// The options every command takes; returns --as, whose presence matters against a server.
CLI::Option* add_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--data", global.data,
                 "the data directory (default: $GAPLOG_DATA or ./gaplog-data)")
      ->envname("GAPLOG_DATA")
      ->type_name("DIR");
  app.add_option("--server", global.server,
                 "talk to a running server instead (default: $GAPLOG_SERVER)")
      ->envname("GAPLOG_SERVER")
      ->type_name("URL");
  app.add_option("--token", global.token, "the API token for --server (default: $GAPLOG_TOKEN)")
      ->envname("GAPLOG_TOKEN")
      ->type_name("T");
  CLI::Option* as =
      app.add_option("--as", global.as,
                     "in embedded mode, act as this user (default: the admin created by init)")
          ->type_name("EMAIL");
  app.add_option(
         "--occurred-at", global.occurred_at,
         "back-fill the write: it happened at TIMESTAMP, e.g. 2026-03-02T09:00:00Z (admins)")
      ->type_name("TIMESTAMP");
  app.add_flag("--json", global.json, "print the API's JSON exactly");
  add_connection_options(app, global);
  return as;
}

// The commands that are not API requests: they work on a data directory (init, demo, serve,
// and verify, tree-head and log as text) or on a bundle file. Their options, once parsed.
struct LocalCommands {
  InitOptions init_options;
  std::string demo_admin = "admin@acme.example";
  ServeOptions serve_options;
  uint64_t log_after = 0;
  size_t log_limit = 100;
  BundleVerifyOptions bundle_options;
  std::string notify_as_of;  // "" = today
  bool notify_dry_run = false;
  MailOptions notify_mail;        // embedded mode: the relay to send through
  std::string notify_public_url;  // embedded mode: where the mail's links point
  BackupCommands backups;         // backup, backup list|verify, restore

  CLI::App* init_command = nullptr;
  CLI::App* demo_command = nullptr;
  CLI::App* serve_command = nullptr;
  CLI::App* verify_command = nullptr;
  CLI::App* tree_head_command = nullptr;
  CLI::App* log_command = nullptr;
  CLI::App* bundle_verify = nullptr;
  CLI::App* notify_command = nullptr;
};

CLI::App* add_local_command(CLI::App& app, const std::string& name, const std::string& description,
                            const std::string& example) {
  CLI::App* c = app.add_subcommand(name, description);
  configure_app(*c);
  c->footer("example: " + example);
  return c;
}

void add_init_and_demo_commands(CLI::App& app, LocalCommands& local) {
  CLI::App* init_command = add_local_command(
      app, "init",
      "create a data directory (event log, Ed25519 signing key) with its first admin; prints the "
      "admin's API token once",
      "gaplog --data ./gaplog-data init --admin ann@example.com --name \"Ann Lee\"");
  init_command->add_option("--admin", local.init_options.admin, "the first admin's e-mail")
      ->required()
      ->type_name("EMAIL");
  init_command
      ->add_option("--name", local.init_options.name,
                   "the admin's name (default: from the e-mail, maya.chen@… -> Maya Chen)")
      ->type_name("NAME");
  CLI::App* demo_command =
      add_local_command(app, "demo",
                        "create a data directory holding a realistic sample program with six "
                        "months of history; prints the admin's API token once",
                        "gaplog --data ./demo-data demo && gaplog --data ./demo-data serve");
  demo_command
      ->add_option("--admin", local.demo_admin,
                   "the demo admin's e-mail (default: admin@acme.example)")
      ->type_name("EMAIL");
  local.init_command = init_command;
  local.demo_command = demo_command;
}

void add_sign_in_options(CLI::App& serve_command, ServeOptions& o) {
  serve_command
      .add_option(
          "--public-url", o.public_url,
          "the URL people open gaplog at, without a path (default http://LISTEN, or https://LISTEN "
          "with --tls-cert); needed "
          "for sign-in with an identity provider")
      ->type_name("URL");
  serve_command
      .add_option(
          "--oidc-issuer", o.oidc_issuer,
          "the OpenID Connect issuer people sign in with (https://accounts.google.com, ...)")
      ->type_name("URL");
  serve_command.add_option("--oidc-client-id", o.oidc_client_id, "gaplog's client id there")
      ->type_name("ID");
  serve_command
      .add_option("--oidc-client-secret-file", o.oidc_client_secret_file,
                  "a file holding gaplog's client secret there (keep it mode 0600)")
      ->type_name("FILE");
  serve_command
      .add_option("--oidc-name", o.oidc_name,
                  "the provider's name on the sign-in button: \"Sign in with NAME\"")
      ->type_name("NAME");
  serve_command
      .add_option("--session-idle", o.session_idle,
                  "a session ends after this long without a request (default 8h)")
      ->type_name("DURATION");
  serve_command
      .add_option("--session-max", o.session_max,
                  "a session ends this long after sign-in whatever happens (default 7d)")
      ->type_name("DURATION");
}

void add_tls_options(CLI::App& serve_command, ServeOptions& o) {
  serve_command
      .add_option("--tls-cert", o.tls_cert,
                  "serve HTTPS (TLS 1.2 and 1.3) with this certificate, PEM, followed by any "
                  "intermediates; needs --tls-key (docs/tls.md)")
      ->type_name("FILE");
  serve_command
      .add_option("--tls-key", o.tls_key,
                  "the certificate's private key, PEM, unencrypted (keep it mode 0600)")
      ->type_name("FILE");
}

void add_serve_command(CLI::App& app, LocalCommands& local) {
  ServeOptions& serve_options = local.serve_options;
  CLI::App* serve_command =
      add_local_command(app, "serve", "run the HTTP API and the web UI",
                        "gaplog --data ./gaplog-data serve --listen 127.0.0.1:8080");
  serve_command->add_option("--listen", serve_options.listen, "HOST:PORT (default 127.0.0.1:8080)")
      ->type_name("HOST:PORT");
  serve_command
      ->add_option("--max-evidence-bytes", serve_options.max_evidence_bytes,
                   "the largest evidence upload (default 104857600)")
      ->type_name("N");
  serve_command
      ->add_option("--web", serve_options.web,
                   "the web UI's built assets (default: `web` next to the binary)")
      ->type_name("DIR");
  serve_command
      ->add_option("--max-connections", serve_options.max_connections,
                   "open connections in all (default 1024); when full, those without a complete "
                   "request are shed first")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  serve_command
      ->add_option("--max-connections-per-address", serve_options.max_connections_per_address,
                   "open connections per client address, IPv6 per /64 (default 64; raise it for an "
                   "office behind one NAT)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  add_sign_in_options(*serve_command, serve_options);
  add_tls_options(*serve_command, serve_options);
  add_mail_options(*serve_command, serve_options.mail, /*hour=*/true);
  add_metrics_options(*serve_command, serve_options.metrics_listen);
  add_backup_serve_options(*serve_command, serve_options.backup);
  local.serve_command = serve_command;
}

// verify, tree-head, log: the log itself.
void add_log_commands(CLI::App& app, LocalCommands& local) {
  local.verify_command = add_local_command(
      app, "verify", "recompute every leaf and the Merkle root; name the first bad seq",
      "gaplog --data ./gaplog-data verify");
  local.tree_head_command =
      add_local_command(app, "tree-head",
                        "print the signed tree head; with --json, the JSON to keep for a later "
                        "'bundle verify --since'",
                        "gaplog --data ./gaplog-data --json tree-head > day-one.json");
  CLI::App* log_command =
      add_local_command(app, "log", "print the events (seq, type, stream, occurred_at)",
                        "gaplog --data ./gaplog-data log --after 100 --limit 20");
  log_command->add_option("--after", local.log_after, "events after this seq")->type_name("SEQ");
  log_command->add_option("--limit", local.log_limit, "at most N events (default 100)")
      ->type_name("N");
  local.log_command = log_command;
}

// notify: the daily reminder pass by hand (SPEC §11).
void add_notify_command(CLI::App& app, LocalCommands& local) {
  CLI::App* notify = add_local_command(
      app, "notify",
      "run the reminder pass for a day: --dry-run lists what the rules select for it; otherwise "
      "sends what is due today and not yet sent, and records it",
      "gaplog notify --as-of 2026-12-07 --dry-run --json");
  notify->add_option("--as-of", local.notify_as_of, "the day (default today; only today sends)")
      ->type_name("DATE");
  notify->add_flag("--dry-run", local.notify_dry_run, "list, send nothing, record nothing");
  add_mail_options(*notify, local.notify_mail, /*hour=*/false);
  notify
      ->add_option("--public-url", local.notify_public_url,
                   "where people open gaplog (the server's --public-url): the mail's links and "
                   "Message-IDs use it")
      ->type_name("URL");
  local.notify_command = notify;
}

ApiRequest notify_request(const LocalCommands& local) {
  if (local.notify_dry_run) {
    std::string target = "/api/v1/notifications/due";
    if (!local.notify_as_of.empty()) target += "?as_of=" + percent_encode(local.notify_as_of);
    return ApiRequest{"GET", target, {}, ""};
  }
  json::Value body = json::Value::object();
  if (!local.notify_as_of.empty()) body.set("as_of", json::Value::string(local.notify_as_of));
  return ApiRequest{"POST",
                    "/api/v1/notifications/run",
                    {{"Content-Type", "application/json"}},
                    json::write(body)};
}

void add_bundle_commands(CLI::App& app, LocalCommands& local) {
  CLI::App* bundle = app.add_subcommand("bundle", "audit bundles");
  configure_app(*bundle);
  BundleVerifyOptions& bundle_options = local.bundle_options;
  CLI::App* bundle_verify = bundle->add_subcommand(
      "verify",
      "check an audit bundle offline: the signature, every event and leaf, the Merkle root, every "
      "evidence file, and readiness.json against the events");
  configure_app(*bundle_verify);
  bundle_verify->footer(
      "example: gaplog bundle verify gaplog-audit-bundle-2026-11-30-812.tar --since day-one.json");
  bundle_verify->add_option("FILE", bundle_options.file, "the bundle")->required();
  bundle_verify->add_option("--public-key", bundle_options.public_key, "the key you were given")
      ->type_name("PEM");
  bundle_verify
      ->add_option("--since", bundle_options.since,
                   "an earlier tree head (gaplog --json tree-head)")
      ->type_name("TREE-HEAD.json");
  local.bundle_verify = bundle_verify;
}

// Refuses global options that the chosen command cannot honour: a usage error's exit code, or
// nullopt with `occurred_at` set from --occurred-at.
std::optional<int> check_global_options(const GlobalOptions& global, const CLI::Option& as,
                                        const LocalCommands& local, const ApiCommands& api,
                                        const std::string& command,
                                        std::optional<Micros>& occurred_at) {
  const bool remote = !global.server.empty();
  if (!global.occurred_at.empty()) {
    auto at = parse_timestamp(global.occurred_at);
    if (!at) {
      return usage_error(
          fmt::format("--occurred-at takes a timestamp such as 2026-03-02T09:00:00Z; got '{}'",
                      global.occurred_at),
          command);
    }
    occurred_at = *at;
    const bool writes = api.chosen() || local.init_command->parsed();
    if (!writes) {
      return usage_error(
          fmt::format("--occurred-at back-fills a write, and '{}' writes nothing it could date",
                      command),
          command);
    }
  }
  if (remote && as.count() > 0) {
    return usage_error(
        "--as picks the acting user in embedded mode; against a server the token says who you are",
        command);
  }
  const bool local_only =
      local.init_command->parsed() || local.demo_command->parsed() || local.serve_command->parsed();
  if (remote && local.notify_command->parsed() &&
      (mail_options_given(local.notify_mail) || !local.notify_public_url.empty())) {
    return usage_error(
        "against --server, reminders go through the server's own --smtp-url and --public-url; "
        "leave "
        "out the mail options and --public-url",
        command);
  }
  if (remote && local_only) {
    return usage_error(
        fmt::format("'{}' works on a data directory (--data), not against --server", command),
        command);
  }
  return std::nullopt;
}

ApiRequest verify_request() { return ApiRequest{"GET", "/api/v1/audit/verify", {}, ""}; }

ApiRequest log_request(const LocalCommands& local) {
  return ApiRequest{
      "GET",
      fmt::format("/api/v1/events?after={}&limit={}", local.log_after, local.log_limit),
      {},
      ""};
}

// Against --server: every command is a request to its API.
int run_against_server(const GlobalOptions& global, const LocalCommands& local,
                       const ApiCommands& api, const std::string& command) {
  auto client = remote_client(remote_options(global));
  if (!client) return usage_error(client.status().message(), command);
  if (local.verify_command->parsed())
    return run_request(**client, verify_request(), "verify", global);
  if (local.tree_head_command->parsed()) {
    return run_request(**client, ApiRequest{"GET", "/api/v1/audit/tree-head", {}, ""}, "tree-head",
                       global);
  }
  if (local.log_command->parsed()) return run_request(**client, log_request(local), "log", global);
  if (local.notify_command->parsed())
    return run_request(**client, notify_request(local), "notify", global);
  return api.run(**client, global);
}

// On the data directory: verify, tree-head and log read it directly; the rest ask the embedded
// API, acting as --as or the first admin.
int run_embedded(const GlobalOptions& global, const LocalCommands& local, const ApiCommands& api,
                 FileSystem& fs, Clock& clock) {
  const bool reads_log = local.verify_command->parsed() || local.tree_head_command->parsed() ||
                         local.log_command->parsed();
  // --json prints the API's JSON, so verify and log then ask the embedded API like every other
  // command; their text is read straight off the data directory (tree-head writes the API's
  // JSON itself).
  const bool log_json_through_api =
      global.json && (local.verify_command->parsed() || local.log_command->parsed());
  if (reads_log && !log_json_through_api) {
    auto store = open_data_dir(fs, clock, global.data);
    if (!store) return fail_open(store.status(), global.data);
    if (local.verify_command->parsed()) return verify_local(*store);
    if (local.tree_head_command->parsed()) return tree_head_local(*store, clock, global.json);
    return log_local(*store, local.log_after, local.log_limit);
  }
  ReminderOptions reminders;
  ApiOptions api_options;
  if (local.notify_command->parsed()) {
    if (!local.notify_public_url.empty()) {
      if (Status s = check_public_url(local.notify_public_url); !s.is_ok()) {
        return usage_error(s.message(), "gaplog notify");
      }
      api_options.public_url = local.notify_public_url;
    }
    Result<ReminderOptions> r = reminder_options(local.notify_mail);
    if (!r) return usage_error(r.status().message(), "gaplog notify");
    reminders = std::move(*r);
    // The command prints the pass's outcome itself, "reminders are off" included.
    reminders.log = [](const std::string&) {};
  }
  auto program = ServedProgram::open(fs, clock, global.data, api_options, std::move(reminders));
  if (!program) return fail_open(program.status(), global.data);
  std::string actor = global.as;
  if (actor.empty()) {
    auto admin = first_admin((*program)->log());
    if (!admin) return fail(admin.status());
    actor = *admin;
  }
  auto client = embedded_client(**program, actor);
  if (local.verify_command->parsed())
    return run_request(*client, verify_request(), "verify", global);
  if (local.log_command->parsed()) return run_request(*client, log_request(local), "log", global);
  if (local.notify_command->parsed())
    return run_request(*client, notify_request(local), "notify", global);
  return api.run(*client, global);
}

int run(int argc, char** argv) {
  CLI::App app("gaplog — SOC 2 remediation tracker on a verifiable event log", "gaplog");
  configure_app(app);
  // Before anything else is looked at: no data directory, server or command is needed.
  app.set_version_flag(
      "--version", [] { return version_text(); },
      "print gaplog's version (and its libraries') and exit");
  GlobalOptions global;
  const CLI::Option* as = add_global_options(app, global);
  LocalCommands local;
  add_init_and_demo_commands(app, local);
  add_serve_command(app, local);
  add_log_commands(app, local);
  add_bundle_commands(app, local);
  add_notify_command(app, local);
  add_backup_commands(app, local.backups);
  ApiCommands api(app);
  app.footer(kHelpFooter);  // after the commands, which would inherit it

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what(), chosen_command(app));
  }
  if (auto code = check_unknown_words(app)) return *code;

  const std::string command = chosen_command(app);
  std::optional<Micros> occurred_at;
  if (auto code = check_global_options(global, *as, local, api, command, occurred_at)) return *code;
  if (local.bundle_verify->parsed()) return verify_bundle(local.bundle_options, global.json);

  auto fs = make_posix_file_system();
  SystemClock clock;
  if (local.backups.chosen()) return *run_backup_command(local.backups, global, *fs, clock);
  if (local.init_command->parsed())
    return init(global.data, local.init_options, occurred_at, *fs, clock);
  if (local.demo_command->parsed()) return demo(global.data, local.demo_admin, *fs, clock);
  if (local.serve_command->parsed()) return serve(global.data, local.serve_options, *fs, clock);
  if (!global.server.empty()) return run_against_server(global, local, api, command);
  return run_embedded(global, local, api, *fs, clock);
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
