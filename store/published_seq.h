// The last committed seq as readers see it. The leader publishes a group's last seq once the
// group is durable and its stream entries are handed to the indexer, so a reader bounded by it
// never sees seq N+1 before seq N, nor a seq whose events it cannot find.
//
// Ownership: a value held by the event log; borrowed by its readers.
// Thread-safety: get() is lock-free from any thread; publish() is called by one thread at a time
// (the leader, or the open before any append); wait_after() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "store/mutex.h"

namespace gaplog {

class PublishedSeq {
 public:
  uint64_t get() const { return seq_.load(std::memory_order_acquire); }

  void publish(uint64_t seq) GAPLOG_EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      seq_.store(seq, std::memory_order_release);
    }
    advanced_.notify_all();
  }

  // Blocks until get() > after or the timeout passes; returns get().
  uint64_t wait_after(uint64_t after, std::chrono::milliseconds timeout) const
      GAPLOG_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (get() <= after) {
      if (!advanced_.wait_until(mu_, deadline)) break;
    }
    return get();
  }

 private:
  std::atomic<uint64_t> seq_{0};
  // Guards no field (seq_ is read without it): publish() stores under it so that a waiter
  // cannot miss a store between its check and its wait.
  mutable Mutex mu_;
  mutable CondVar advanced_;
};

}  // namespace gaplog
