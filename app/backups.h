// The server's backups (SPEC §14, docs/backups.md): taken on request (POST /admin/backups) and
// every `every` while it serves, one at a time, into one backup directory; what happened last
// is kept for the status endpoint and the metrics.
//
// Ownership and locking: `mu_` guards the running flag, the last outcomes and the schedule's
// stop flag; a backup itself runs outside the lock (store/backup.h keeps two processes apart
// with the directory's own lock). The schedule's thread is owned here and joined by stop().
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "domain/status.h"
#include "store/backup.h"
#include "store/clock.h"
#include "store/data_dir.h"
#include "store/file_system.h"
#include "store/mutex.h"

namespace gaplog {

struct BackupSettings {
  std::string dir;   // empty: this process takes no backups
  Micros every = 0;  // 0: only on request
  size_t keep = 0;   // keep the newest N (0: all)
  // Called after every attempt (metrics); on the thread that took the backup. Optional.
  std::function<void(const BackupOutcome&)> on_outcome;
  // The server log (a failed scheduled backup says why). Optional.
  std::function<void(const std::string&)> log;
};

class Backups {
 public:
  // Borrows everything; reads the newest backup in settings.dir, if any, as the last good one.
  Backups(FileSystem& fs, Clock& clock, Store& store, std::string data_dir,
          BackupSettings settings);
  ~Backups();  // stop()
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  const BackupSettings& settings() const { return settings_; }

  // Takes a backup now. kInvalidArgument when no backup directory is set; kVersionConflict when
  // a backup is being taken already (ask again when it is done).
  Result<BackupSummary> run_now() GAPLOG_EXCLUDES(mu_);

  // Starts the schedule (when settings.every > 0): the first backup is due `every` after the
  // last good one (at once when there is none); a failed one is tried again after
  // min(every, 15 minutes).
  void start() GAPLOG_EXCLUDES(mu_);
  // Ends the schedule, waiting for a backup in progress. Idempotent.
  void stop() GAPLOG_EXCLUDES(mu_);

  // The backups in the directory, oldest first (kInvalidArgument before the first).
  Result<std::vector<BackupSummary>> list() const { return list_backups(fs_, settings_.dir); }

  struct Report {
    bool running = false;
    std::optional<BackupOutcome> last_good;
    std::optional<BackupOutcome> last_failure;  // only when newer than the last good one
  };
  Report report() const GAPLOG_EXCLUDES(mu_);

 private:
  void schedule_loop() GAPLOG_EXCLUDES(mu_);
  Micros next_due() const GAPLOG_REQUIRES(mu_);

  FileSystem& fs_;
  Clock& clock_;
  Store& store_;
  const std::string data_dir_;
  const BackupSettings settings_;

  mutable Mutex mu_;
  CondVar wake_;
  bool running_ GAPLOG_GUARDED_BY(mu_) = false;
  bool stopping_ GAPLOG_GUARDED_BY(mu_) = false;
  std::optional<BackupOutcome> last_good_ GAPLOG_GUARDED_BY(mu_);
  std::optional<BackupOutcome> last_failure_ GAPLOG_GUARDED_BY(mu_);
  std::thread thread_;  // the schedule; started and joined by the owner's thread only
};

}  // namespace gaplog
