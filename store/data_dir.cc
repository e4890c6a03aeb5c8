#include "store/data_dir.h"

#include <fmt/format.h>

#include <filesystem>

namespace gaplog {

Status init_data_dir(FileSystem& fs, Clock& clock, const std::string& dir) {
  const DataDirPaths paths{dir};
  GAPLOG_ASSIGN_OR_RETURN(bool has_log, fs.exists(paths.events()));
  if (has_log) {
    return already_exists(
        fmt::format("{} already holds a gaplog program; use it as it is, or pick "
                    "another --data directory",
                    dir));
  }
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(paths.keys()));
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(paths.evidence()));
  GAPLOG_RETURN_IF_ERROR(TreeHeadSigner::generate(fs, paths.private_key(), paths.public_key()));
  EventLogOptions options{paths.events(), &fs, &clock, /*create_if_missing=*/true};
  GAPLOG_ASSIGN_OR_RETURN(auto log, EventLog::open(options));
  return fs.sync_dir(dir);
}

Result<Store> open_data_dir(FileSystem& fs, Clock& clock, const std::string& dir,
                            uint64_t max_evidence_bytes, LogObservers observers) {
  const DataDirPaths paths{dir};
  GAPLOG_ASSIGN_OR_RETURN(bool has_log, fs.exists(paths.events()));
  if (!has_log) {
    return not_found(
        fmt::format("{} holds no gaplog program; create one with: gaplog init --data {} "
                    "--admin you@example.com",
                    dir, dir));
  }
  Store store;
  EventLogOptions options{paths.events(), &fs, &clock, /*create_if_missing=*/false};
  options.observers = std::move(observers);
  GAPLOG_ASSIGN_OR_RETURN(store.log, EventLog::open(options));
  // A checkpoint a killed backup left (store/backup.h), removed once this process holds the log:
  // its hard links would keep table files that compactions have since dropped.
  std::error_code ec;
  std::filesystem::remove_all(dir + "/backup-staging", ec);
  GAPLOG_ASSIGN_OR_RETURN(store.blobs, BlobStore::open(fs, paths.evidence(), max_evidence_bytes));
  GAPLOG_ASSIGN_OR_RETURN(store.signer, TreeHeadSigner::load(fs, paths.private_key()));
  return store;
}

}  // namespace gaplog
