// Backups of a data directory (SPEC §14, docs/backups.md): incremental, checksummed, taken
// online while the log is written, each a consistent prefix of the log whose manifest holds the
// signed tree head it ends at.
//
// A backup directory holds any number of backups of one program:
//
//   <dir>/gaplog-backup          "gaplog-backup-1" and the fingerprint of the program's public key:
//                                a directory of another program is refused
//   <dir>/LOCK                   held (flock) while a backup, a purge or a restore runs
//   <dir>/rocksdb/               RocksDB's BackupEngine: the event log's files, each stored once
//                                (named by the SST's own identity and size) and checksummed
//   <dir>/evidence/<ab>/<sha256> evidence bytes, copied once (content addressed, hash checked
//                                when copied and by verify)
//   <dir>/files/<sha256>         the signing key, its public key and the webhook secrets, by
//                                content, mode 0600
//   <dir>/manifests/<sha256>.txt one manifest per backup (text, below), named by its SHA-256;
//                                the backup's RocksDB metadata holds that name, so a backup and
//                                its manifest are committed together, by RocksDB's own commit
//
// Taking a backup: a RocksDB checkpoint of the log (hard links, in <data>/backup-staging, on the
// same file system), whose head gives the tree size N; the signed tree head for N (issued by the
// live log, so an auditor can be served the same head); the evidence and key files copied; the
// manifest written; then BackupEngine copies what it does not have yet and commits. A process
// killed at any point leaves every earlier backup intact: what it copied is either unreferenced
// (cleaned up by the next backup) or content addressed (and complete: written to a temporary
// name, synced, renamed).
//
// The manifest:
//   gaplog-backup-manifest-1
//   created_at <RFC 3339>
//   tree_size <N>
//   root <hex>
//   tree_head_timestamp <RFC 3339 with microseconds>
//   signature <hex>
//   file <sha256> <size> <path relative to the data directory>     (keys/, webhook-secrets/)
//   evidence <sha256> <size>
//
// Thread-safety: the functions have no shared state; two processes (or threads) working on the
// same backup directory are kept apart by its lock (the second is refused, kUnavailable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"
#include "store/clock.h"
#include "store/data_dir.h"
#include "store/event_log.h"
#include "store/file_system.h"

namespace gaplog {

// What one backup holds, as its manifest and RocksDB say.
struct BackupSummary {
  uint32_t id = 0;
  Micros created_at = 0;
  StoredTreeHead tree_head;
  uint64_t evidence_files = 0;
  uint64_t bytes = 0;         // the backup's size in all (files shared with others included)
  uint64_t bytes_copied = 0;  // what this backup added to the directory (only when just taken)
};

// The end of one backup attempt, for the server's status and metrics.
struct BackupOutcome {
  bool ok = false;
  Micros finished_at = 0;
  uint64_t tree_size = 0;
  uint64_t bytes_copied = 0;
  std::string error;  // when !ok
};

struct BackupRequest {
  std::string data_dir;    // the data directory the store was opened from
  std::string backup_dir;  // created if missing
  size_t keep = 0;         // after the backup, keep only the newest `keep` (0: keep all)
};

// Takes a backup of the open store. The log keeps taking appends meanwhile.
Result<BackupSummary> create_backup(FileSystem& fs, Clock& clock, Store& store,
                                    const BackupRequest& request);

// The backups in `backup_dir`, oldest first.
Result<std::vector<BackupSummary>> list_backups(FileSystem& fs, const std::string& backup_dir);

struct BackupCheck {
  uint32_t id = 0;
  std::string problem;  // empty when the backup is sound; otherwise names the damaged file
  StoredTreeHead tree_head;
};

// Checks backups (all, or only `id`): every file against its checksum, every evidence and key
// file against its SHA-256, the manifest against the name RocksDB committed, and the log itself:
// restored into a scratch directory under `scratch_dir`, its every leaf, node and root
// recomputed, its size and root equal to the manifest's and the signature valid under the
// backed-up public key. A problem with the directory itself (missing, not a backup) is an error.
Result<std::vector<BackupCheck>> verify_backups(FileSystem& fs, Clock& clock,
                                                const std::string& backup_dir,
                                                std::optional<uint32_t> id,
                                                const std::string& scratch_dir);

// Makes `new_dir` (which must not exist) a data directory holding backup `id` (default: the
// newest): the log as of its tree head, its evidence and keys; checked like verify before it
// returns. On failure nothing is left at `new_dir`.
Result<BackupSummary> restore_backup(FileSystem& fs, Clock& clock, const std::string& backup_dir,
                                     std::optional<uint32_t> id, const std::string& new_dir);

}  // namespace gaplog
