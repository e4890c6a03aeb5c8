#include "notify/reminder_loop.h"

#include <algorithm>
#include <utility>

namespace gaplog {

namespace {

constexpr Micros kMicrosPerHour = 3600 * kMicrosPerSecond;
// Retries alone run the dispatcher at most this often (clock time): see the header.
constexpr Micros kMinRetrySpacing = kMicrosPerSecond;
constexpr Micros kPassRetry = Micros{5} * 60 * kMicrosPerSecond;

}  // namespace

ReminderLoop::ReminderLoop(Clock& clock, Outbox& outbox, Dispatcher& dispatcher,
                           std::function<bool(Date)> daily_pass, std::function<void()> on_kick,
                           ReminderLoopOptions options)
    : clock_(clock),
      outbox_(outbox),
      dispatcher_(dispatcher),
      daily_pass_(std::move(daily_pass)),
      on_kick_(std::move(on_kick)),
      options_(options) {}

ReminderLoop::~ReminderLoop() { stop(); }

void ReminderLoop::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ReminderLoop::kick() {
  MutexLock lock(mu_);
  kicked_ = true;
  cv_.notify_all();
}

void ReminderLoop::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<Date> ReminderLoop::last_pass_day() const {
  MutexLock lock(mu_);
  return last_pass_day_;
}

ReminderLoop::Work ReminderLoop::work_at(Micros now, std::optional<Micros> next_wake) {
  Work work;
  const Date today = date_of(now);
  const int hour = std::clamp(options_.reminder_hour, 0, 23);
  Micros pass_at = static_cast<Micros>(today.days) * kMicrosPerDay + hour * kMicrosPerHour;
  if (pass_retry_at_) pass_at = std::max(pass_at, *pass_retry_at_);
  if (now >= pass_at && (!last_pass_day_ || *last_pass_day_ < today)) work.pass = today;
  work.kick = std::exchange(kicked_, false);
  const bool retry_due = next_wake && *next_wake <= now &&
                         (!last_dispatch_at_ || now >= *last_dispatch_at_ + kMinRetrySpacing);
  work.dispatch = work.pass || work.kick || retry_due;
  return work;
}

std::chrono::milliseconds ReminderLoop::sleep_at(Micros now,
                                                 std::optional<Micros> next_wake) const {
  const Date today = date_of(now);
  const int hour = std::clamp(options_.reminder_hour, 0, 23);
  Micros next = static_cast<Micros>(today.days) * kMicrosPerDay + hour * kMicrosPerHour;
  const bool done = last_pass_day_ && *last_pass_day_ >= today;
  if (!done && pass_retry_at_) next = std::max(next, *pass_retry_at_);
  if (now >= next) next += kMicrosPerDay;
  if (next_wake) {
    // A retry already due waits for the spacing (work_at said not yet).
    Micros retry_at = *next_wake;
    if (last_dispatch_at_) retry_at = std::max(retry_at, *last_dispatch_at_ + kMinRetrySpacing);
    next = std::min(next, retry_at);
  }
  const Micros wait_ms = std::max<Micros>((next - now + 999) / 1000, 1);
  return std::min(options_.max_sleep, std::chrono::milliseconds(wait_ms));
}

void ReminderLoop::run() {
  MutexLock lock(mu_);
  while (!stopping_) {
    // The outbox has its own lock: never read it with mu_ held (kick() must not wait for it).
    lock.unlock();
    std::optional<Micros> next_wake = outbox_.next_wake();
    const Micros now = clock_.now();
    lock.lock();
    if (stopping_) break;
    const Work work = work_at(now, next_wake);
    if (!work.dispatch) {
      cv_.wait_until(mu_, std::chrono::steady_clock::now() + sleep_at(now, next_wake));
      continue;
    }
    last_dispatch_at_ = now;
    lock.unlock();
    const bool pass_done = work.pass ? daily_pass_(*work.pass) : true;
    if (work.kick && on_kick_) on_kick_();
    Dispatcher::Report report = dispatcher_.run_once();
    // A delivery whose outbox write failed is left as it was, due again: retried from here.
    report.outbox_error.ignore();
    lock.lock();
    if (work.pass && pass_done) {
      last_pass_day_ = *work.pass;
      pass_retry_at_.reset();
    } else if (work.pass) {
      pass_retry_at_ = clock_.now() + kPassRetry;
    }
  }
}

}  // namespace gaplog
