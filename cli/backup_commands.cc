#include "cli/backup_commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "store/backup.h"
#include "store/data_dir.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

void print_summary(const BackupSummary& s, std::string_view verb) {
  std::string copied;
  if (s.bytes_copied > 0) copied = fmt::format(", {} bytes copied", s.bytes_copied);
  std::printf("%s backup %u: tree size %llu, root %s, %llu evidence files%s\n",
              std::string(verb).c_str(), s.id,
              static_cast<unsigned long long>(s.tree_head.tree_size),
              hash_hex(s.tree_head.root).c_str(), static_cast<unsigned long long>(s.evidence_files),
              copied.c_str());
}

int backup_embedded(const BackupCommands& c, const GlobalOptions& global, FileSystem& fs,
                    Clock& clock) {
  if (c.to.empty()) {
    return usage_error(
        "gaplog backup needs --to DIR (against a server, it backs up into the server's "
        "--backup-dir: give --server and --token)",
        "gaplog backup");
  }
  Result<Store> store = open_data_dir(fs, clock, global.data);
  if (!store) return fail_open(store.status(), global.data);
  Result<BackupSummary> done = create_backup(fs, clock, *store, {global.data, c.to, c.keep});
  if (!done) return fail(done.status());
  print_summary(*done, "made");
  return kExitOk;
}

int list(const BackupCommands& c, FileSystem& fs) {
  Result<std::vector<BackupSummary>> all = list_backups(fs, c.dir);
  if (!all) return fail(all.status());
  if (all->empty()) std::printf("%s holds no backup yet\n", c.dir.c_str());
  for (const BackupSummary& s : *all) {
    std::printf("backup %u  %s  tree size %llu  %llu evidence files  %llu bytes\n", s.id,
                format_timestamp(s.created_at).c_str(),
                static_cast<unsigned long long>(s.tree_head.tree_size),
                static_cast<unsigned long long>(s.evidence_files),
                static_cast<unsigned long long>(s.bytes));
  }
  return kExitOk;
}

int verify(const BackupCommands& c, FileSystem& fs, Clock& clock) {
  std::error_code ec;
  const std::string scratch = std::filesystem::temp_directory_path(ec).string();
  Result<std::vector<BackupCheck>> checks = verify_backups(fs, clock, c.dir, c.number, scratch);
  if (!checks) return fail(checks.status());
  int bad = 0;
  for (const BackupCheck& check : *checks) {
    if (check.problem.empty()) {
      std::printf("backup %u: ok (tree size %llu, root %s, signature valid)\n", check.id,
                  static_cast<unsigned long long>(check.tree_head.tree_size),
                  hash_hex(check.tree_head.root).c_str());
    } else {
      ++bad;
      std::printf("backup %u: DAMAGED: %s\n", check.id, check.problem.c_str());
    }
  }
  if (bad > 0) {
    std::fprintf(stderr, "gaplog: %d of %zu backups in %s are damaged (above)\n", bad,
                 checks->size(), c.dir.c_str());
    return kExitIo;
  }
  return kExitOk;
}

int restore(const BackupCommands& c, FileSystem& fs, Clock& clock) {
  Result<BackupSummary> done = restore_backup(fs, clock, c.restore_from, c.number, c.restore_to);
  if (!done) return fail(done.status());
  print_summary(*done, "restored");
  std::printf("into %s; it verifies. Serve it with: gaplog --data %s serve\n", c.restore_to.c_str(),
              c.restore_to.c_str());
  return kExitOk;
}

}  // namespace

bool BackupCommands::chosen() const { return backup->parsed() || restore->parsed(); }

bool BackupCommands::offline() const {
  return list->parsed() || verify->parsed() || restore->parsed();
}

void add_backup_commands(CLI::App& app, BackupCommands& c) {
  c.backup = app.add_subcommand(
      "backup",
      "back up the data directory into --to DIR (incremental: only what is new is copied), or, "
      "with --server, ask the server to back up into its --backup-dir");
  configure_app(*c.backup);
  c.backup->footer("example: gaplog --data ./gaplog-data backup --to /mnt/backups/gaplog");
  c.backup->add_option("--to", c.to, "the backup directory (created if missing)")->type_name("DIR");
  c.backup->add_option("--keep", c.keep, "then keep only the newest N backups (default: all)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  c.list = c.backup->add_subcommand("list", "the backups in a backup directory");
  configure_app(*c.list);
  c.list->add_option("DIR", c.dir, "the backup directory")->required();
  c.verify = c.backup->add_subcommand(
      "verify",
      "check every file of the backups against its checksum and recompute each log's Merkle "
      "root and signature; names a damaged file");
  configure_app(*c.verify);
  c.verify->footer("example: gaplog backup verify /mnt/backups/gaplog --backup 12");
  c.verify->add_option("DIR", c.dir, "the backup directory")->required();
  c.verify->add_option("--backup", c.number, "only this backup (default: all)")->type_name("N");
  c.restore = app.add_subcommand(
      "restore", "make a new data directory from a backup (the newest, or --backup N)");
  configure_app(*c.restore);
  c.restore->footer(
      "example: gaplog restore --from /mnt/backups/gaplog --to /var/lib/gaplog-restored");
  c.restore->add_option("--from", c.restore_from, "the backup directory")
      ->required()
      ->type_name("DIR");
  c.restore->add_option("--to", c.restore_to, "the new data directory (must not exist)")
      ->required()
      ->type_name("NEWDIR");
  c.restore->add_option("--backup", c.number, "the backup to restore (default: the newest)")
      ->type_name("N");
}

std::optional<int> run_backup_command(const BackupCommands& c, const GlobalOptions& global,
                                      FileSystem& fs, Clock& clock) {
  if (c.list->parsed()) return list(c, fs);
  if (c.verify->parsed()) return verify(c, fs, clock);
  if (c.restore->parsed()) return restore(c, fs, clock);
  if (!c.backup->parsed()) return std::nullopt;
  if (!global.server.empty()) {
    if (!c.to.empty() || c.keep > 0) {
      return usage_error(
          "against --server, the server backs up into its own --backup-dir (and keeps what its "
          "--backup-keep says): leave out --to and --keep",
          "gaplog backup");
    }
    Result<std::unique_ptr<ApiClient>> client = remote_client(remote_options(global));
    if (!client) return usage_error(client.status().message(), "gaplog backup");
    return run_request(**client, ApiRequest{"POST", "/api/v1/admin/backups", {}, ""}, "backup",
                       global);
  }
  return backup_embedded(c, global, fs, clock);
}

void add_backup_serve_options(CLI::App& serve, BackupServeOptions& o) {
  serve
      .add_option("--backup-dir", o.dir,
                  "take backups into DIR: on POST /api/v1/admin/backups (gaplog backup "
                  "--server ...) and every --backup-every")
      ->type_name("DIR");
  serve
      .add_option("--backup-every", o.every,
                  "back up this often, e.g. 6h or 1d (default: only when asked)")
      ->type_name("DURATION");
  serve.add_option("--backup-keep", o.keep, "keep the newest N backups (default: all)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
}

Result<BackupSettings> backup_settings(const BackupServeOptions& o) {
  BackupSettings settings;
  if (o.dir.empty()) {
    if (!o.every.empty() || o.keep > 0) {
      return invalid_argument("--backup-every and --backup-keep need --backup-dir DIR");
    }
    return settings;
  }
  settings.dir = o.dir;
  settings.keep = o.keep;
  if (!o.every.empty()) {
    GAPLOG_ASSIGN_OR_RETURN(settings.every, parse_duration("--backup-every", o.every));
  }
  return settings;
}

}  // namespace gaplog
