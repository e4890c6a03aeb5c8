#include "store/commit_queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "store/log_format.h"

namespace gaplog {

// A synchronous append: its batch lives here while it is queued.
class CommitQueue::Ticket final : public EventLog::QueuedAppend {
 public:
  explicit Ticket(CommitQueue& queue) : queue_(queue) {}
  ~Ticket() override {
    if (queued) queue_.wait_for(writer).status().ignore();
  }
  Result<AppendResult> wait() override {
    if (!queued) return std::move(*writer.result);
    queued = false;
    return queue_.wait_for(writer);
  }

  Writer writer;
  bool queued = true;

 private:
  CommitQueue& queue_;
};

CommitQueue::~CommitQueue() {
  std::thread thread;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    commit_thread_woken_.notify_one();
    while (commit_thread_.joinable() && !commit_thread_done_) commit_thread_ended_.wait(mu_);
    thread = std::move(commit_thread_);
  }
  if (thread.joinable()) thread.join();
}

std::unique_ptr<EventLog::QueuedAppend> CommitQueue::queue(AppendRequest request, Status refused) {
  auto ticket = std::make_unique<Ticket>(*this);
  ticket->writer.request = std::move(request);
  if (!refused.is_ok()) {
    ticket->writer.result = std::move(refused);
    ticket->writer.done = true;
    ticket->queued = false;
    return ticket;
  }
  MutexLock lock(mu_);
  writers_.push_back(&ticket->writer);
  return ticket;
}

void CommitQueue::queue_async(AppendRequest request, EventLog::AppendCallback done,
                              Status refused) {
  auto w = std::make_unique<Writer>();
  w->request = std::move(request);
  w->callback = std::move(done);
  MutexLock lock(mu_);
  ++async_pending_;
  if (!commit_thread_.joinable()) commit_thread_ = std::thread([this] { commit_loop(); });
  if (!refused.is_ok()) {
    w->result = std::move(refused);
    answered_.push_back(w.release());
    commit_thread_woken_.notify_one();
    return;
  }
  writers_.push_back(w.release());
  if (!leader_active_) commit_thread_woken_.notify_one();
}

void CommitQueue::wait_for_async() {
  MutexLock lock(mu_);
  while (async_pending_ != 0) async_idle_.wait(mu_);
}

Result<AppendResult> CommitQueue::wait_for(Writer& w) {
  MutexLock lock(mu_);
  while (true) {
    while (!w.done && leader_active_) w.woken.wait(mu_);
    if (w.done) return std::move(*w.result);
    lead();
  }
}

void CommitQueue::lead() {
  leader_active_ = true;
  std::vector<Writer*> group;
  size_t events = 0;
  for (Writer* other : writers_) {
    if (!group.empty() && events + other->request.events.size() > max_group_events_) break;
    group.push_back(other);
    events += other->request.events.size();
  }
  mu_.unlock();
  try {
    commit_(group);
  } catch (...) {
    mu_.lock();
    throw;
  }
  mu_.lock();
  writers_.erase(writers_.begin(), writers_.begin() + static_cast<std::ptrdiff_t>(group.size()));
  leader_active_ = false;
  bool answered = false;
  for (Writer* other : group) {
    if (other->callback) {
      answered_.push_back(other);
      answered = true;
    } else {
      other->done = true;
      other->woken.notify_one();
    }
  }
  wake_next_leader(answered);
}

// The next leader: the first waiting appender, else the commit thread (which is also woken when
// there are callbacks to run, or when it is to stop).
void CommitQueue::wake_next_leader(bool answered) {
  if (writers_.empty()) {
    if (answered || stopping_) commit_thread_woken_.notify_one();
    return;
  }
  auto waiting =
      std::find_if(writers_.begin(), writers_.end(), [](Writer* x) { return !x->callback; });
  if (waiting != writers_.end()) {
    (*waiting)->woken.notify_one();
    if (answered) commit_thread_woken_.notify_one();
  } else {
    commit_thread_woken_.notify_one();
  }
}

bool CommitQueue::commit_thread_has_work() const {
  return !answered_.empty() || (!leader_active_ && !writers_.empty()) ||
         (stopping_ && writers_.empty());
}

void CommitQueue::commit_loop() {
  MutexLock lock(mu_);
  while (true) {
    while (!commit_thread_has_work()) commit_thread_woken_.wait(mu_);
    if (!answered_.empty()) {
      std::deque<Writer*> batch;
      batch.swap(answered_);
      lock.unlock();
      answer(batch);
      lock.lock();
      async_pending_ -= batch.size();
      if (async_pending_ == 0) async_idle_.notify_all();
      continue;
    }
    if (!leader_active_ && !writers_.empty()) {
      lead();
      continue;
    }
    if (stopping_ && writers_.empty()) break;
  }
  commit_thread_done_ = true;
  commit_thread_ended_.notify_all();
}

// Runs the callbacks of answered async batches and frees the batches, with no lock held.
void CommitQueue::answer(std::deque<Writer*>& answered) {
  for (Writer* w : answered) {
    std::unique_ptr<Writer> owned(w);
    // A callback must not throw; one that does loses only its own answer, and says so.
    try {
      owned->callback(std::move(*owned->result));
    } catch (const std::exception& e) {
      report_problem(fmt::format("an append callback threw; its answer is lost: {}", e.what()));
    } catch (...) {
      report_problem(
          "an append callback threw something other than a std::exception; its answer is lost");
    }
  }
}

}  // namespace gaplog
