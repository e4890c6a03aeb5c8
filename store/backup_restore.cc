// Checking and restoring backups (store/backup.h).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "store/backup.h"
#include "store/backup_format.h"
#include "store/log_format.h"
#include "store/sha256.h"
#include "store/tree_head.h"

namespace gaplog {
namespace {

struct Chosen {
  rocksdb::BackupInfo info;
  BackupManifest manifest;
  std::string manifest_path;
};

// The manifest a backup's metadata names, checked against its name.
Result<Chosen> read_backup(FileSystem& fs, const BackupDirPaths& dir,
                           const rocksdb::BackupInfo& info) {
  Chosen c{info, {}, {}};
  GAPLOG_ASSIGN_OR_RETURN(std::string sha, manifest_sha_of(info.app_metadata));
  c.manifest_path = dir.manifest(sha);
  Result<FileDigest> digest = digest_file(fs, c.manifest_path);
  if (!digest) return corruption(fmt::format("{} is missing", c.manifest_path));
  if (digest->sha256 != sha) {
    return corruption(
        fmt::format("{} does not match its SHA-256: it has been changed", c.manifest_path));
  }
  GAPLOG_ASSIGN_OR_RETURN(std::string text, read_whole_file(fs, c.manifest_path));
  GAPLOG_ASSIGN_OR_RETURN(c.manifest, parse_manifest(text, c.manifest_path));
  return c;
}

// A content-addressed file of the backup against its name.
Status check_content(FileSystem& fs, const std::string& path, const BackupManifest::File& f) {
  const std::string what = f.path.empty() ? path : fmt::format("{} ({})", path, f.path);
  Result<FileDigest> d = digest_file(fs, path);
  if (!d) return corruption(fmt::format("{} is missing or unreadable", what));
  if (d->sha256 != f.sha256 || d->size != f.size) {
    return corruption(fmt::format("{} does not match its SHA-256: it is damaged", what));
  }
  return Status::ok();
}

Result<std::string> public_key_of(FileSystem& fs, const BackupDirPaths& dir,
                                  const BackupManifest& m) {
  for (const auto& f : m.files) {
    if (f.path == "keys/tree-head.pub") return read_whole_file(fs, dir.file(f.sha256));
  }
  return corruption("the backup holds no public key (keys/tree-head.pub)");
}

// The restored log at `events`: every leaf, node and root recomputed; its size and root those
// of the manifest's tree head, whose signature `public_key_pem` accepts.
// With `keep_head`, the manifest's head is stored in the log, so the restored program serves the
// very head the backup ends at (the live log issued it after the checkpoint was taken).
Status check_restored_log(FileSystem& fs, Clock& clock, const std::string& events,
                          const BackupManifest& m, const std::string& public_key_pem,
                          bool keep_head = false) {
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log,
                          EventLog::open({events, &fs, &clock, /*create_if_missing=*/false}));
  GAPLOG_ASSIGN_OR_RETURN(VerifyReport report, log->verify());
  if (!report.ok) {
    return corruption(fmt::format("the backed-up log does not verify at seq {}: {}",
                                  report.first_bad_seq.value_or(0), report.problem));
  }
  if (report.tree_size != m.tree_head.tree_size || report.root != m.tree_head.root) {
    return corruption(fmt::format(
        "the backed-up log ends at tree size {} with root {}, but the manifest's tree head says "
        "{} with root {}",
        report.tree_size, hash_hex(report.root), m.tree_head.tree_size,
        hash_hex(m.tree_head.root)));
  }
  if (!verify_tree_head_signature(public_key_pem, m.tree_head)) {
    return corruption("the manifest's tree head signature does not verify with the program's key");
  }
  if (keep_head) return log->store_tree_head(m.tree_head);
  return Status::ok();
}

Status restore_log(const rocksdb::BackupEngineReadOnly& engine, uint32_t id,
                   const std::string& events) {
  return from_rocks(engine.RestoreDBFromBackup(id, events, events),
                    fmt::format("cannot restore backup {}", id));
}

// A new directory only this user can enter (mode 0700), named `prefix` and six random characters.
Result<std::string> private_dir(const std::string& prefix) {
  std::string path = prefix + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    return io_error(
        fmt::format("cannot make a scratch directory {}: {}", path, std::strerror(errno)));
  }
  return path;
}

// One backup, checked as verify_backups says; `checked` holds the evidence already checked.
Status check_backup(FileSystem& fs, Clock& clock, const rocksdb::BackupEngineReadOnly& engine,
                    const BackupDirPaths& dir, const rocksdb::BackupInfo& info,
                    const std::string& scratch, std::map<std::string, Status>& checked) {
  GAPLOG_RETURN_IF_ERROR(from_rocks(
      engine.VerifyBackup(info.backup_id, /*verify_with_checksum=*/true), "the event log's files"));
  GAPLOG_ASSIGN_OR_RETURN(Chosen c, read_backup(fs, dir, info));
  for (const auto& f : c.manifest.files) {
    GAPLOG_RETURN_IF_ERROR(check_content(fs, dir.file(f.sha256), f));
  }
  for (const auto& e : c.manifest.evidence) {
    // Evidence shared by many backups is read once; its verdict counts for each of them.
    auto [at, fresh] = checked.try_emplace(e.sha256, Status::ok());
    if (fresh) at->second = check_content(fs, dir.evidence(e.sha256), e);
    GAPLOG_RETURN_IF_ERROR(at->second);
  }
  GAPLOG_ASSIGN_OR_RETURN(std::string public_key, public_key_of(fs, dir, c.manifest));
  const std::string work = fmt::format("{}/{}", scratch, info.backup_id);
  std::error_code ec;
  Status s = fs.create_dirs(work);
  if (s.is_ok()) s = restore_log(engine, info.backup_id, work + "/events");
  if (s.is_ok()) s = check_restored_log(fs, clock, work + "/events", c.manifest, public_key);
  std::filesystem::remove_all(work, ec);
  return s;
}

// The backups to look at: all of them, or the one asked for.
Result<std::vector<rocksdb::BackupInfo>> choose(const rocksdb::BackupEngineReadOnly& engine,
                                                const std::string& backup_dir,
                                                std::optional<uint32_t> id) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  if (infos.empty()) return not_found(fmt::format("{} holds no backup yet", backup_dir));
  if (!id) return infos;
  for (const auto& info : infos) {
    if (info.backup_id == *id) return std::vector<rocksdb::BackupInfo>{info};
  }
  return not_found(fmt::format("{} has no backup {} (it has {} to {})", backup_dir, *id,
                               infos.front().backup_id, infos.back().backup_id));
}

// The data directory's files but the log: evidence and keys, hash checked as they are copied.
Status restore_files(FileSystem& fs, const BackupDirPaths& dir, const BackupManifest& m,
                     const std::string& new_dir) {
  const DataDirPaths paths{new_dir};
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(paths.evidence()));
  for (const auto& e : m.evidence) {
    const std::string to =
        fmt::format("{}/{}/{}", paths.evidence(), e.sha256.substr(0, 2), e.sha256);
    GAPLOG_RETURN_IF_ERROR(
        copy_file_durably(fs, dir.evidence(e.sha256), to, e.sha256, 0644).status());
  }
  for (const auto& f : m.files) {
    const std::string to = new_dir + "/" + f.path;
    GAPLOG_RETURN_IF_ERROR(fs.create_dirs(std::filesystem::path(to).parent_path().string()));
    std::error_code ec;
    std::filesystem::permissions(std::filesystem::path(to).parent_path(),
                                 std::filesystem::perms::owner_all, ec);
    GAPLOG_RETURN_IF_ERROR(copy_file_durably(fs, dir.file(f.sha256), to, f.sha256, 0600).status());
  }
  return Status::ok();
}

Result<BackupSummary> restore_into(FileSystem& fs, Clock& clock,
                                   const rocksdb::BackupEngineReadOnly& engine,
                                   const BackupDirPaths& dir, const rocksdb::BackupInfo& info,
                                   const std::string& new_dir) {
  GAPLOG_ASSIGN_OR_RETURN(Chosen c, read_backup(fs, dir, info));
  GAPLOG_ASSIGN_OR_RETURN(std::string public_key, public_key_of(fs, dir, c.manifest));
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(new_dir));
  std::error_code ec;
  std::filesystem::permissions(new_dir, std::filesystem::perms::owner_all, ec);
  GAPLOG_RETURN_IF_ERROR(restore_log(engine, info.backup_id, DataDirPaths{new_dir}.events()));
  GAPLOG_RETURN_IF_ERROR(restore_files(fs, dir, c.manifest, new_dir));
  GAPLOG_RETURN_IF_ERROR(check_restored_log(fs, clock, DataDirPaths{new_dir}.events(), c.manifest,
                                            public_key, /*keep_head=*/true));
  GAPLOG_RETURN_IF_ERROR(fs.sync_dir(new_dir));
  BackupSummary s;
  s.id = info.backup_id;
  s.created_at = c.manifest.created_at;
  s.tree_head = c.manifest.tree_head;
  s.evidence_files = c.manifest.evidence.size();
  s.bytes = info.size;
  return s;
}

}  // namespace

Result<std::vector<BackupCheck>> verify_backups(FileSystem& fs, Clock& clock,
                                                const std::string& backup_dir,
                                                std::optional<uint32_t> id,
                                                const std::string& scratch_dir) {
  GAPLOG_RETURN_IF_ERROR(check_is_backup_dir(fs, backup_dir));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<BackupDirLock> lock,
                          BackupDirLock::acquire(backup_dir, /*exclusive=*/false));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                          open_backup_engine_read_only(backup_dir));
  std::vector<rocksdb::BackupID> corrupted;
  engine->GetCorruptedBackups(&corrupted);
  std::vector<BackupCheck> out;
  for (rocksdb::BackupID bad : corrupted) {
    if (!id || *id == bad) {
      out.push_back({bad, "RocksDB's record of this backup (rocksdb/meta/) is damaged", {}});
    }
  }
  Result<std::vector<rocksdb::BackupInfo>> chosen = choose(*engine, backup_dir, id);
  if (!chosen) {
    if (chosen.status().code() == Code::kNotFound && !out.empty()) return out;
    return chosen.status();
  }
  const std::vector<rocksdb::BackupInfo>& infos = *chosen;
  std::map<std::string, Status> checked;
  const BackupDirPaths dir{backup_dir};
  // Each log is restored into a directory of this user's alone, removed however verify ends.
  GAPLOG_ASSIGN_OR_RETURN(const std::string scratch, private_dir(scratch_dir + "/gaplog-verify-"));
  const struct RemoveAfter {
    std::string path;
    ~RemoveAfter() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_after{scratch};
  for (const auto& info : infos) {
    BackupCheck check{info.backup_id, "", {}};
    if (Result<Chosen> c = read_backup(fs, dir, info)) check.tree_head = c->manifest.tree_head;
    Status s = check_backup(fs, clock, *engine, dir, info, scratch, checked);
    if (!s.is_ok()) check.problem = s.message();
    out.push_back(std::move(check));
  }
  return out;
}

Result<BackupSummary> restore_backup(FileSystem& fs, Clock& clock, const std::string& backup_dir,
                                     std::optional<uint32_t> id, const std::string& new_dir) {
  GAPLOG_RETURN_IF_ERROR(check_is_backup_dir(fs, backup_dir));
  GAPLOG_ASSIGN_OR_RETURN(bool exists, fs.exists(new_dir));
  if (exists) {
    return already_exists(fmt::format(
        "{} exists; restore makes a new data directory: give --to a path that does not exist yet",
        new_dir));
  }
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<BackupDirLock> lock,
                          BackupDirLock::acquire(backup_dir, /*exclusive=*/false));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                          open_backup_engine_read_only(backup_dir));
  GAPLOG_ASSIGN_OR_RETURN(std::vector<rocksdb::BackupInfo> infos, choose(*engine, backup_dir, id));
  // Made beside NEWDIR and renamed to it once checked: a restore cut short leaves no NEWDIR that
  // looks like a data directory, and a failed one removes only what it made.
  const std::filesystem::path parent = std::filesystem::path(new_dir).parent_path();
  if (!parent.empty()) GAPLOG_RETURN_IF_ERROR(fs.create_dirs(parent.string()));
  GAPLOG_ASSIGN_OR_RETURN(const std::string partial, private_dir(new_dir + ".partial-"));
  Result<BackupSummary> restored =
      restore_into(fs, clock, *engine, BackupDirPaths{backup_dir}, infos.back(), partial);
  if (restored) {
    if (Status s = fs.rename(partial, new_dir); !s.is_ok()) restored = s;
  }
  if (!restored) {
    std::error_code ec;
    std::filesystem::remove_all(partial, ec);
    return restored;
  }
  GAPLOG_RETURN_IF_ERROR(fs.sync_dir(parent.empty() ? "." : parent.string()));
  return restored;
}

}  // namespace gaplog
