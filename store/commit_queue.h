// The event log's commit queue (group commit, as RocksDB's WriteThread): appends queue in
// order; whenever no group is being committed, one of them leads: it takes the batches at the
// front (up to max_group_events events), commits them as one group through `commit`, and
// answers every member. The leader is a thread waiting in QueuedAppend::wait(), or, for
// batches nobody waits for (append_async), the queue's commit thread, which also runs their
// callbacks. A waiting appender never depends on the commit thread, so a callback that blocks
// cannot hold up a synchronous append.
//
// Ownership: owns the queued batches of append_async and the commit thread (started by the
// first queue_async()); a QueuedAppend owns its batch and borrows the queue, which it must not
// outlive. The destructor commits and answers what is queued, then stops the commit thread.
// Thread-safety: every public method may be called from any thread (wait_for_async() not from
// a callback). `commit` is called by one leader at a time, outside the queue's lock.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "domain/status.h"
#include "store/event_log.h"
#include "store/mutex.h"

namespace gaplog {

class CommitQueue {
 public:
  // One queued batch. While its group is being committed, `request` and `result` belong to
  // the leader (it sets `result` for every member); the rest belongs to the queue.
  struct Writer {
    AppendRequest request;
    std::optional<Result<AppendResult>> result;

   private:
    friend class CommitQueue;
    bool done = false;                  // a waiting appender's result is set; under mu_
    CondVar woken;                      // a waiting appender: done, or asked to lead
    EventLog::AppendCallback callback;  // an async batch: answered by the commit thread
  };
  // Commits a group (in queue order): sets the result of every member. It must answer every
  // member even when it fails; an exception it lets escape reaches the leader's caller.
  using CommitGroup = std::function<void(const std::vector<Writer*>& group)>;

  CommitQueue(size_t max_group_events, CommitGroup commit)
      : max_group_events_(max_group_events), commit_(std::move(commit)) {}
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Places `request` at the end of the queue, unless `refused` (the caller's check of its
  // shape) is not ok: then it is answered with `refused` without queueing.
  std::unique_ptr<EventLog::QueuedAppend> queue(AppendRequest request, Status refused)
      GAPLOG_EXCLUDES(mu_);
  // The same, answered through `done` on the commit thread (a refused one too).
  void queue_async(AppendRequest request, EventLog::AppendCallback done, Status refused)
      GAPLOG_EXCLUDES(mu_);
  // Blocks until the callback of every queue_async() called so far has returned.
  void wait_for_async() GAPLOG_EXCLUDES(mu_);

 private:
  class Ticket;

  // Waits until `w` is committed by a leader, or leads a group itself whenever no one else does
  // (whether or not `w` is at the front).
  Result<AppendResult> wait_for(Writer& w) GAPLOG_EXCLUDES(mu_);
  // Commits the group at the front of the queue, with mu_ released meanwhile; then wakes the
  // waiting members, hands the async ones to the commit thread, and wakes the next leader.
  void lead() GAPLOG_REQUIRES(mu_);
  void wake_next_leader(bool answered) GAPLOG_REQUIRES(mu_);
  // The commit thread: answers async batches (first, so that their responses leave before the
  // next sync) and leads groups when no waiting appender does, until the queue is destroyed
  // and nothing is left to commit or answer.
  void commit_loop() GAPLOG_EXCLUDES(mu_);
  bool commit_thread_has_work() const GAPLOG_REQUIRES(mu_);
  static void answer(std::deque<Writer*>& answered);

  const size_t max_group_events_;
  const CommitGroup commit_;

  Mutex mu_;
  std::deque<Writer*> writers_ GAPLOG_GUARDED_BY(mu_);   // queued, in order
  bool leader_active_ GAPLOG_GUARDED_BY(mu_) = false;    // a group is being committed
  std::deque<Writer*> answered_ GAPLOG_GUARDED_BY(mu_);  // async batches whose callbacks are due
  bool stopping_ GAPLOG_GUARDED_BY(mu_) = false;
  size_t async_pending_ GAPLOG_GUARDED_BY(mu_) = 0;  // queue_async calls not answered yet
  std::thread commit_thread_ GAPLOG_GUARDED_BY(mu_);
  // The commit thread has left its loop (it may still be running a callback's queue_async(),
  // which finds commit_thread_ set, until then).
  bool commit_thread_done_ GAPLOG_GUARDED_BY(mu_) = false;
  CondVar commit_thread_woken_;
  CondVar commit_thread_ended_;  // commit_thread_done_ set
  CondVar async_idle_;           // async_pending_ reached 0
};

}  // namespace gaplog
