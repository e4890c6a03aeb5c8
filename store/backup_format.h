// The parts of a backup directory that taking, checking and restoring a backup share
// (store/backup.h describes the layout): the manifest, the directory's lock and marker, copying
// a file under its SHA-256, and RocksDB's BackupEngine. Internal to the store.
//
// Thread-safety: no shared state; a BackupDirLock belongs to one thread.
#pragma once

#include <rocksdb/utilities/backup_engine.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "store/event_log.h"
#include "store/file_system.h"

namespace gaplog {

struct BackupManifest {
  Micros created_at = 0;
  StoredTreeHead tree_head;
  struct File {
    std::string sha256;
    uint64_t size = 0;
    std::string path;  // relative to the data directory (files); empty for evidence
  };
  std::vector<File> files;     // keys/, webhook-secrets/
  std::vector<File> evidence;  // by SHA-256
};

// The names of key and webhook-secret files a backup takes and a manifest may name (as
// keys/NAME, webhook-secrets/NAME): letters, digits, '.', '_', '-'; not a temporary file.
bool is_backed_up_name(std::string_view name);

std::string format_manifest(const BackupManifest& manifest);
// kCorruption naming `name` when the text is not a manifest.
Result<BackupManifest> parse_manifest(std::string_view text, std::string_view name);

// The metadata RocksDB commits with a backup: the manifest's file name, by its SHA-256.
std::string manifest_metadata(std::string_view manifest_sha256);
// The manifest's SHA-256 from that metadata; kCorruption otherwise.
Result<std::string> manifest_sha_of(std::string_view metadata);

struct BackupDirPaths {
  std::string root;
  std::string marker() const { return root + "/gaplog-backup"; }
  std::string lock() const { return root + "/LOCK"; }
  std::string rocksdb() const { return root + "/rocksdb"; }
  std::string evidence(std::string_view sha) const {
    return root + "/evidence/" + std::string(sha.substr(0, 2)) + "/" + std::string(sha);
  }
  std::string file(std::string_view sha) const { return root + "/files/" + std::string(sha); }
  std::string manifests() const { return root + "/manifests"; }
  std::string manifest(std::string_view sha) const {
    return manifests() + "/" + std::string(sha) + ".txt";
  }
};

// flock on <dir>/LOCK: exclusive to take or purge backups, shared to read them. A second
// exclusive holder (another process backing up into the same directory) is refused at once.
class BackupDirLock {
 public:
  static Result<std::unique_ptr<BackupDirLock>> acquire(const std::string& backup_dir,
                                                        bool exclusive);
  ~BackupDirLock();
  BackupDirLock(const BackupDirLock&) = delete;
  BackupDirLock& operator=(const BackupDirLock&) = delete;

 private:
  explicit BackupDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The marker's content for a program with this public key.
std::string backup_marker(std::string_view public_key_pem);
// kInvalidArgument when `backup_dir` is not a backup directory (no marker).
Status check_is_backup_dir(FileSystem& fs, const std::string& backup_dir);

// SHA-256 (hex) and size of a file, read through `fs`.
struct FileDigest {
  std::string sha256;
  uint64_t size = 0;
};
Result<FileDigest> digest_file(FileSystem& fs, const std::string& path);

// Copies `from` to `to` (its directory created) durably: a temporary name, synced, renamed,
// the directory synced. When `expected_sha256` is given, a copy whose bytes hash otherwise is
// not kept (kCorruption naming `from`). Returns the digest of what was copied.
Result<FileDigest> copy_file_durably(FileSystem& fs, const std::string& from, const std::string& to,
                                     std::string_view expected_sha256, unsigned mode);

// RocksDB's BackupEngine on <dir>/rocksdb; errors name the directory.
Result<std::unique_ptr<rocksdb::BackupEngine>> open_backup_engine(const std::string& backup_dir);
Result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> open_backup_engine_read_only(
    const std::string& backup_dir);

// The summed size of the regular files under `dir` (0 when it does not exist).
uint64_t tree_bytes(const std::string& dir);

}  // namespace gaplog
