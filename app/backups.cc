#include "app/backups.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "domain/time.h"

namespace gaplog {
namespace {

constexpr Micros kRetryAtMost = Micros{15} * 60 * kMicrosPerSecond;

}  // namespace

Backups::Backups(FileSystem& fs, Clock& clock, Store& store, std::string data_dir,
                 BackupSettings settings)
    : fs_(fs),
      clock_(clock),
      store_(store),
      data_dir_(std::move(data_dir)),
      settings_(std::move(settings)) {
  if (settings_.dir.empty()) return;
  // The newest backup already there is the last good one (the status after a restart). A
  // directory that is not a backup directory yet (or at all) is no error here: the first backup
  // says what is wrong.
  Result<std::vector<BackupSummary>> existing = list_backups(fs_, settings_.dir);
  if (existing && !existing->empty()) {
    const BackupSummary& newest = existing->back();
    ExclusiveLock lock(mu_);
    last_good_ = BackupOutcome{true, newest.created_at, newest.tree_head.tree_size, 0, ""};
  }
}

Backups::~Backups() { stop(); }

Result<BackupSummary> Backups::run_now() {
  if (settings_.dir.empty()) {
    return invalid_argument(
        "this server takes no backups: start it with --backup-dir DIR (and --backup-every 6h "
        "for a schedule), or back up a stopped data directory with gaplog backup --to DIR");
  }
  {
    ExclusiveLock lock(mu_);
    if (running_) {
      return version_conflict("a backup is being taken right now; ask again when it is done");
    }
    running_ = true;
  }
  Result<BackupSummary> done = internal_error("the backup did not run");
  try {
    done =
        create_backup(fs_, clock_, store_, BackupRequest{data_dir_, settings_.dir, settings_.keep});
  } catch (const std::exception& e) {  // never leave running_ set (nor end the schedule's thread)
    done = internal_error(fmt::format("the backup failed: {}", e.what()));
  }
  BackupOutcome outcome;
  outcome.finished_at = clock_.now();
  outcome.ok = done.is_ok();
  if (done) {
    outcome.tree_size = done->tree_head.tree_size;
    outcome.bytes_copied = done->bytes_copied;
  } else {
    outcome.error = done.status().message();
  }
  {
    ExclusiveLock lock(mu_);
    running_ = false;
    (outcome.ok ? last_good_ : last_failure_) = outcome;
  }
  if (settings_.on_outcome) settings_.on_outcome(outcome);
  return done;
}

void Backups::start() {
  if (settings_.dir.empty() || settings_.every <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { schedule_loop(); });
}

void Backups::stop() {
  {
    ExclusiveLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Backups::Report Backups::report() const {
  ExclusiveLock lock(mu_);
  Report r;
  r.running = running_;
  r.last_good = last_good_;
  if (last_failure_ && (!last_good_ || last_failure_->finished_at > last_good_->finished_at)) {
    r.last_failure = last_failure_;
  }
  return r;
}

Micros Backups::next_due() const {
  const bool failed_last =
      last_failure_ && (!last_good_ || last_failure_->finished_at > last_good_->finished_at);
  if (failed_last) return last_failure_->finished_at + std::min(settings_.every, kRetryAtMost);
  if (last_good_) return last_good_->finished_at + settings_.every;
  return clock_.now();
}

void Backups::schedule_loop() {
  for (;;) {
    {
      ExclusiveLock lock(mu_);
      for (;;) {
        if (stopping_) return;
        const Micros wait = next_due() - clock_.now();
        if (wait <= 0) break;
        wake_.wait_until(mu_, std::chrono::steady_clock::now() + std::chrono::microseconds(wait));
      }
    }
    Result<BackupSummary> done = run_now();
    if (!done && done.status().code() == Code::kVersionConflict) {
      // One asked for by an admin is running: its outcome sets the next due time.
      ExclusiveLock lock(mu_);
      if (!stopping_)
        wake_.wait_until(mu_, std::chrono::steady_clock::now() + std::chrono::seconds(1));
      continue;
    }
    if (!done && settings_.log) {
      settings_.log(fmt::format("gaplog: the scheduled backup into {} failed: {}", settings_.dir,
                                done.status().message()));
    }
  }
}

}  // namespace gaplog
