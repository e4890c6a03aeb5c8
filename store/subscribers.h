// The commit subscribers of an event log (EventLog::subscribe): who they are, and which one is
// being called, so that ending a subscription can wait for a call in progress.
//
// Ownership: owns the callbacks; each is shared with a notify() in progress, which may outlive
// its subscription by the rest of that call. A handle from subscribe() borrows this object and
// must be destroyed before it.
// Thread-safety: subscribe() and the handles' destructors from any thread; notify() from one
// thread at a time (the log's leader), with no lock of the log held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "store/event_log.h"
#include "store/mutex.h"

namespace gaplog {

class Subscribers {
 public:
  std::unique_ptr<EventLog::Subscription> subscribe(std::function<void(uint64_t)> on_commit)
      GAPLOG_EXCLUDES(mu_);

  // Calls every subscriber with `last_seq`, outside the lock, so that a callback may end its own
  // subscription (or another's). A callback that throws stops the round; the exception
  // propagates to the caller.
  void notify(uint64_t last_seq) GAPLOG_EXCLUDES(mu_);

 private:
  class Handle;
  using OnCommit = std::function<void(uint64_t)>;

  // Once this returns the callback is not running and is never called again, unless this is
  // called from the callback itself, which then runs to its end (its copy is kept alive by
  // notify()).
  void unsubscribe(uint64_t token) GAPLOG_EXCLUDES(mu_);
  // Marks `token` as being called on this thread; false if it was unsubscribed meanwhile.
  bool start_call(uint64_t token) GAPLOG_EXCLUDES(mu_);
  void end_call() GAPLOG_EXCLUDES(mu_);

  Mutex mu_;
  CondVar call_ended_;  // calling_ changed
  uint64_t next_token_ GAPLOG_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::shared_ptr<const OnCommit>> subscribers_ GAPLOG_GUARDED_BY(mu_);
  uint64_t calling_ GAPLOG_GUARDED_BY(mu_) = 0;  // the token being called; 0: none
  std::thread::id calling_thread_ GAPLOG_GUARDED_BY(mu_);
};

}  // namespace gaplog
