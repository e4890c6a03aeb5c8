#include "store/write_refusal.h"

#include <fmt/format.h>

#include "store/log_format.h"

namespace gaplog {

void WriteRefusal::refuse(const std::string& why) {
  MutexLock lock(mu_);
  if (!refusing_.exchange(true)) {
    reason_ = why;
    report_problem(fmt::format("refusing every write until gaplog is restarted: {}", why));
  }
}

Status WriteRefusal::status() const {
  MutexLock lock(mu_);
  return unavailable(fmt::format(
      "the event log stopped accepting writes after a failed write or sync ({}); whether the "
      "last write reached the disk is unknown, so restart gaplog and retry the same request "
      "(it is idempotent)",
      reason_));
}

}  // namespace gaplog
