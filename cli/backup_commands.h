// The backup commands (SPEC §14, docs/backups.md):
//   gaplog backup --to DIR [--keep N]      embedded: back up the (stopped) data directory;
//   gaplog --server URL backup             ask the server to back up into its --backup-dir;
//   gaplog backup list DIR                 the backups in DIR;
//   gaplog backup verify DIR [--backup N]  check every file and recompute the root;
//   gaplog restore --from DIR [--backup N] --to NEWDIR
// and serve's --backup-dir, --backup-every, --backup-keep.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "app/backups.h"
#include "cli/commands.h"
#include "store/clock.h"
#include "store/file_system.h"

namespace gaplog {

struct BackupCommands {
  std::string to;
  size_t keep = 0;
  std::string dir;           // list, verify
  std::string restore_from;  // restore
  std::string restore_to;
  std::optional<uint32_t> number;  // verify, restore: --backup N

  CLI::App* backup = nullptr;
  CLI::App* list = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* restore = nullptr;

  bool chosen() const;
  // The ones that never need a data directory or a server (list, verify, restore).
  bool offline() const;
};

void add_backup_commands(CLI::App& app, BackupCommands& commands);

// Runs the chosen backup command; nullopt when none was chosen.
std::optional<int> run_backup_command(const BackupCommands& commands, const GlobalOptions& global,
                                      FileSystem& fs, Clock& clock);

// serve's backup options.
struct BackupServeOptions {
  std::string dir;
  std::string every;  // "" = only on request
  size_t keep = 0;
};
void add_backup_serve_options(CLI::App& serve, BackupServeOptions& options);
// Into the server's settings; a usage message when they do not fit together.
Result<BackupSettings> backup_settings(const BackupServeOptions& options);

}  // namespace gaplog
