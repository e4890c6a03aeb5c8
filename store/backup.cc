#include "store/backup.h"

#include <fmt/format.h>
#include <rocksdb/env.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "store/backup_format.h"
#include "store/log_format.h"
#include "store/sha256.h"
#include "store/tree_head.h"

namespace gaplog {
namespace {

constexpr unsigned kSecretMode = 0600;
constexpr unsigned kFileMode = 0600;  // a backup is as secret as the data directory

bool is_hex(std::string_view s, size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// The backup directory's folders and marker; a directory of another program is refused.
Status prepare_backup_dir(FileSystem& fs, const BackupDirPaths& dir, const Store& store,
                          uint64_t& copied) {
  const std::string marker = backup_marker(store.signer->public_key_pem());
  Result<std::string> existing = read_whole_file(fs, dir.marker());
  if (existing) {
    if (*existing != marker) {
      return invalid_argument(fmt::format(
          "{} holds backups of another gaplog program (its gaplog-backup file names another "
          "signing key); give each program a backup directory of its own",
          dir.root));
    }
    return Status::ok();
  }
  GAPLOG_ASSIGN_OR_RETURN(bool exists, fs.exists(dir.marker()));
  if (exists) return existing.status();
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir.manifests()));
  copied += marker.size();
  return write_file_atomically(fs, dir.marker(), marker, kFileMode);
}

// Every evidence blob of the data directory is in the backup (copied, hash checked, when it is
// not there yet) and listed in the manifest. Listed after the checkpoint: a blob is stored
// before the event that names it is appended, so every blob the checkpoint's events name is
// here.
Status copy_evidence(FileSystem& fs, const std::string& evidence_dir, const BackupDirPaths& dir,
                     BackupManifest& manifest, uint64_t& copied) {
  GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> shards, fs.list_dir(evidence_dir));
  for (const std::string& shard : shards) {
    if (!is_hex(shard, 2)) continue;  // tmp/: uploads in flight
    GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            fs.list_dir(fmt::format("{}/{}", evidence_dir, shard)));
    for (const std::string& sha : names) {
      if (!is_hex(sha, 64) || !sha.starts_with(shard)) continue;
      const std::string from = fmt::format("{}/{}/{}", evidence_dir, shard, sha);
      GAPLOG_ASSIGN_OR_RETURN(uint64_t size, fs.file_size(from));
      GAPLOG_ASSIGN_OR_RETURN(bool have, fs.exists(dir.evidence(sha)));
      if (have) {
        GAPLOG_ASSIGN_OR_RETURN(uint64_t kept, fs.file_size(dir.evidence(sha)));
        have = kept == size;
      }
      if (!have) {
        GAPLOG_ASSIGN_OR_RETURN(FileDigest d,
                                copy_file_durably(fs, from, dir.evidence(sha), sha, kFileMode));
        copied += d.size;
      }
      manifest.evidence.push_back({sha, size, ""});
    }
  }
  return Status::ok();
}

// The signing key, its public key and the webhook secrets: by content into files/, mode 0600.
Status copy_secret_files(FileSystem& fs, const std::string& data_dir, const BackupDirPaths& dir,
                         BackupManifest& manifest, uint64_t& copied) {
  for (const std::string folder : {"keys", "webhook-secrets"}) {
    const std::string folder_path = fmt::format("{}/{}", data_dir, folder);
    GAPLOG_ASSIGN_OR_RETURN(bool exists, fs.exists(folder_path));
    if (!exists) continue;
    GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.list_dir(folder_path));
    for (const std::string& name : names) {
      const std::string relative = fmt::format("{}/{}", folder, name);
      const std::string path = fmt::format("{}/{}", data_dir, relative);
      std::error_code ec;
      if (!is_backed_up_name(name) || !std::filesystem::is_regular_file(path, ec)) {
        continue;
      }
      GAPLOG_ASSIGN_OR_RETURN(FileDigest d, digest_file(fs, path));
      GAPLOG_ASSIGN_OR_RETURN(bool have, fs.exists(dir.file(d.sha256)));
      if (!have) {
        GAPLOG_ASSIGN_OR_RETURN(
            d, copy_file_durably(fs, path, dir.file(d.sha256), d.sha256, kSecretMode));
        copied += d.size;
      }
      manifest.files.push_back({d.sha256, d.size, relative});
    }
  }
  return Status::ok();
}

bool has_corrupt_backups(const rocksdb::BackupEngine& engine) {
  std::vector<rocksdb::BackupID> corrupt;
  engine.GetCorruptedBackups(&corrupt);
  return !corrupt.empty();
}

// Manifests no committed backup names: left by a backup killed before RocksDB committed it, or
// by purged backups.
Status remove_unreferenced_manifests(FileSystem& fs, rocksdb::BackupEngine& engine,
                                     const BackupDirPaths& dir) {
  // A backup whose RocksDB record is damaged is not listed: its manifest (its signed tree head)
  // would look unreferenced. Nothing is removed until verify has been looked at.
  if (has_corrupt_backups(engine)) return Status::ok();
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  std::set<std::string> referenced;
  for (const auto& info : infos) {
    if (Result<std::string> sha = manifest_sha_of(info.app_metadata))
      referenced.insert(*sha + ".txt");
  }
  GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.list_dir(dir.manifests()));
  for (const std::string& name : names) {
    if (!referenced.contains(name)) GAPLOG_RETURN_IF_ERROR(fs.remove(dir.manifests() + "/" + name));
  }
  return Status::ok();
}

// Temporary files of copies that a killed backup left half written (never under a final name).
void remove_unfinished_copies(const BackupDirPaths& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> leftovers;
  for (const std::string sub : {"/evidence", "/files", "/manifests"}) {
    for (std::filesystem::recursive_directory_iterator it(dir.root + sub, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->path().filename().string().find(".tmp") != std::string::npos) {
        leftovers.push_back(it->path());
      }
    }
  }
  for (const auto& path : leftovers) std::filesystem::remove(path, ec);
}

// The checkpoint of the log in <data>/backup-staging, opened, and the length of the log it holds.
struct Staging {
  std::string path;
  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<rocksdb::DB> db;
  uint64_t tree_size = 0;

  ~Staging() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

Result<std::unique_ptr<Staging>> stage_checkpoint(FileSystem& fs, EventLog& log,
                                                  const std::string& data_dir) {
  auto staging = std::make_unique<Staging>();
  staging->path = data_dir + "/backup-staging";
  std::error_code ec;
  std::filesystem::remove_all(staging->path, ec);  // left by a backup that was killed
  GAPLOG_RETURN_IF_ERROR(log.checkpoint(staging->path));
  staging->env = rocksdb::NewCompositeEnv(fs.rocksdb_file_system());
  GAPLOG_ASSIGN_OR_RETURN(staging->db, open_log_snapshot(staging->env.get(), staging->path));
  GAPLOG_ASSIGN_OR_RETURN(std::optional<LogHead> head,
                          open_log_format(*staging->db, staging->path));
  staging->tree_size = head ? head->last_seq : 0;
  // The checkpoint may hold a group whose sync had not returned yet: wait until the live log
  // publishes it, so that its tree head can be signed (and the group is known to be durable).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (log.last_seq() < staging->tree_size) {
    if (log.refusing_writes() || std::chrono::steady_clock::now() > deadline) {
      return unavailable("the event log stopped taking writes during the backup");
    }
    log.wait_for_seq_after(log.last_seq(), std::chrono::milliseconds(100));
  }
  return staging;
}

// Copies what the backup lacks and commits it with RocksDB; returns its id.
Result<uint32_t> commit_backup(FileSystem& fs, const BackupDirPaths& dir,
                               rocksdb::BackupEngine& engine, Staging& staging,
                               const BackupManifest& manifest, uint64_t& copied) {
  const std::string text = format_manifest(manifest);
  const Hash h = sha256(text);
  const std::string sha = hash_hex(h);
  GAPLOG_RETURN_IF_ERROR(write_file_atomically(fs, dir.manifest(sha), text, kFileMode));
  copied += text.size();
  if (!has_corrupt_backups(engine)) {  // RocksDB's GarbageCollect may take a damaged one's files
    GAPLOG_RETURN_IF_ERROR(from_rocks(engine.GarbageCollect(), "cleaning up the backups"));
  }
  // Every folder that holds a new file is itself durable before the backup commits.
  for (const std::string sub : {"", "/evidence", "/files", "/manifests"}) {
    GAPLOG_RETURN_IF_ERROR(fs.sync_dir(dir.root + sub));
  }
  const uint64_t before = tree_bytes(dir.rocksdb());
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  GAPLOG_RETURN_IF_ERROR(from_rocks(
      engine.CreateNewBackupWithMetadata(options, staging.db.get(), manifest_metadata(sha), &id),
      fmt::format("cannot back up the event log into {}", dir.rocksdb())));
  const uint64_t after = tree_bytes(dir.rocksdb());
  copied += after > before ? after - before : 0;
  return id;
}

Result<BackupSummary> summary_of(FileSystem& fs, const BackupDirPaths& dir,
                                 const rocksdb::BackupInfo& info) {
  GAPLOG_ASSIGN_OR_RETURN(std::string sha, manifest_sha_of(info.app_metadata));
  GAPLOG_ASSIGN_OR_RETURN(std::string text, read_whole_file(fs, dir.manifest(sha)));
  GAPLOG_ASSIGN_OR_RETURN(BackupManifest m, parse_manifest(text, dir.manifest(sha)));
  BackupSummary s;
  s.id = info.backup_id;
  s.created_at = m.created_at;
  s.tree_head = m.tree_head;
  s.evidence_files = m.evidence.size();
  s.bytes = info.size;
  for (const auto& e : m.evidence) s.bytes += e.size;
  for (const auto& f : m.files) s.bytes += f.size;
  return s;
}

}  // namespace

Result<BackupSummary> create_backup(FileSystem& fs, Clock& clock, Store& store,
                                    const BackupRequest& request) {
  const BackupDirPaths dir{request.backup_dir};
  GAPLOG_ASSIGN_OR_RETURN(bool existed, fs.exists(dir.root));
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir.root));
  if (!existed) {  // only its owner may enter (whatever the umask): it holds the signing key
    std::error_code ec;
    std::filesystem::permissions(dir.root, std::filesystem::perms::owner_all, ec);
  }
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<BackupDirLock> lock,
                          BackupDirLock::acquire(dir.root, /*exclusive=*/true));
  uint64_t copied = 0;
  GAPLOG_RETURN_IF_ERROR(prepare_backup_dir(fs, dir, store, copied));
  for (const std::string sub : {"/evidence", "/files", "/manifests"}) {
    GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir.root + sub));
  }
  // One engine for the whole backup: opening one reads every backup's record in the directory.
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngine> engine,
                          open_backup_engine(dir.root));
  GAPLOG_RETURN_IF_ERROR(remove_unreferenced_manifests(fs, *engine, dir));
  remove_unfinished_copies(dir);
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<Staging> staging,
                          stage_checkpoint(fs, *store.log, request.data_dir));
  BackupManifest manifest;
  manifest.created_at = clock.now();
  GAPLOG_ASSIGN_OR_RETURN(manifest.tree_head,
                          tree_head_for_size(*store.log, *store.signer, clock, staging->tree_size));
  GAPLOG_RETURN_IF_ERROR(
      copy_evidence(fs, DataDirPaths{request.data_dir}.evidence(), dir, manifest, copied));
  GAPLOG_RETURN_IF_ERROR(copy_secret_files(fs, request.data_dir, dir, manifest, copied));
  GAPLOG_ASSIGN_OR_RETURN(uint32_t id, commit_backup(fs, dir, *engine, *staging, manifest, copied));
  staging.reset();
  if (request.keep > 0) {
    GAPLOG_RETURN_IF_ERROR(from_rocks(engine->PurgeOldBackups(static_cast<uint32_t>(request.keep)),
                                      "cannot remove the oldest backups"));
    GAPLOG_RETURN_IF_ERROR(remove_unreferenced_manifests(fs, *engine, dir));
  }
  rocksdb::BackupInfo info;
  GAPLOG_RETURN_IF_ERROR(from_rocks(engine->GetBackupInfo(id, &info), "reading the new backup"));
  GAPLOG_ASSIGN_OR_RETURN(BackupSummary summary, summary_of(fs, dir, info));
  summary.bytes_copied = copied;
  return summary;
}

Result<std::vector<BackupSummary>> list_backups(FileSystem& fs, const std::string& backup_dir) {
  GAPLOG_RETURN_IF_ERROR(check_is_backup_dir(fs, backup_dir));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                          open_backup_engine_read_only(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupSummary> out;
  for (const auto& info : infos) {
    GAPLOG_ASSIGN_OR_RETURN(BackupSummary s, summary_of(fs, BackupDirPaths{backup_dir}, info));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace gaplog
