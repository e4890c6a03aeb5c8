// Whether the event log refuses writes, and why. After a failed write or sync, a failed stream
// index write, or a commit that threw, nobody knows what reached the disk, so the log refuses
// every further write until it is reopened (as leveldb does after a failed sync) instead of
// guessing. Set once; never cleared.
//
// Ownership: a value held by the event log; borrowed by the classes that write.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <string>

#include "domain/status.h"
#include "store/mutex.h"

namespace gaplog {

class WriteRefusal {
 public:
  bool refusing() const { return refusing_.load(); }

  // Refuses writes from now on; the first reason is kept and reported on stderr, once.
  void refuse(const std::string& why) GAPLOG_EXCLUDES(mu_);

  // kUnavailable, naming the first reason: the answer to every write while refusing.
  Status status() const GAPLOG_EXCLUDES(mu_);

 private:
  std::atomic<bool> refusing_{false};
  mutable Mutex mu_;
  std::string reason_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
