// The server's thread of reminders (SPEC §11): once a day it runs the daily pass of the rules,
// when told it runs the immediate work (an assignment just committed), and after each of these,
// and whenever a retry is due, it runs the dispatcher.
//
// - daily_pass(D) returns whether the pass of D was done; one that failed (the log could not be
//   read, the outbox refused a write) is called again 5 minutes later, as often as it takes,
//   until D is over: a day's reminders fire on that day only.
// - daily_pass(D) is called once per UTC day D, at or after reminder_hour:00 of D; also right
//   after start() when today's hour has already passed (the pass has not run in this process:
//   the rules and the outbox's keys make a second pass of one day send nothing new). A day the
//   server was down for is not caught up: only today's pass runs.
// - kick() (any thread) makes the loop call on_kick() soon; kicks that arrive while it works
//   are merged into one call.
// - dispatcher.run_once() runs after each pass or kick, and when the outbox's next_wake() has
//   come; retries alone run it at most once per second of the clock's time, so a delivery whose
//   update keeps failing cannot make the thread spin.
// - Time is read from the Clock; the thread sleeps on a CondVar until the next thing to do, for
//   at most options.max_sleep (30 s) of real time, so a clock that jumps (a ManualClock moved by
//   a test, the wall clock after a suspend) is noticed within that.
//
// Threads and locks: the loop's thread calls daily_pass, on_kick and the dispatcher with no lock
// of the loop held (they may take time and call kick()). mu_ guards the loop's shared state:
// stopping_, kicked_, last_pass_day_ and last_dispatch_at_; cv_ is notified on kick() and stop().
// start() and stop() belong to the owner (the thread that made the loop; the destructor stops):
// thread_ is only touched by them, never by the loop's thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "domain/time.h"
#include "notify/dispatcher.h"
#include "notify/outbox.h"
#include "store/clock.h"
#include "store/mutex.h"

namespace gaplog {

struct ReminderLoopOptions {
  int reminder_hour = 8;  // UTC, 0..23 (clamped)
  // The longest real-time sleep between two looks at the clock. Tests shorten it.
  std::chrono::milliseconds max_sleep{30'000};
};

class ReminderLoop {
 public:
  // Everything is borrowed and must outlive the loop (or at least its stop()).
  ReminderLoop(Clock& clock, Outbox& outbox, Dispatcher& dispatcher,
               std::function<bool(Date)> daily_pass, std::function<void()> on_kick,
               ReminderLoopOptions options);
  ~ReminderLoop();
  ReminderLoop(const ReminderLoop&) = delete;
  ReminderLoop& operator=(const ReminderLoop&) = delete;

  // Starts the thread (once; a second call does nothing).
  void start();
  // Asks for on_kick() and a dispatch soon. Any thread.
  void kick();
  // Ends the thread after the call it is in, if any, and joins it. Idempotent.
  void stop();
  // For tests: the last day whose daily pass ran (returned).
  std::optional<Date> last_pass_day() const;

 private:
  struct Work {
    std::optional<Date> pass;  // the day to run the pass of
    bool kick = false;
    bool dispatch = false;
  };
  void run();
  // What to do at `now`; takes the kick. Empty work when nothing is due.
  Work work_at(Micros now, std::optional<Micros> next_wake) GAPLOG_REQUIRES(mu_);
  // The real time to sleep at `now` until the next thing to do, at most max_sleep.
  std::chrono::milliseconds sleep_at(Micros now, std::optional<Micros> next_wake) const
      GAPLOG_REQUIRES(mu_);

  Clock& clock_;
  Outbox& outbox_;
  Dispatcher& dispatcher_;
  const std::function<bool(Date)> daily_pass_;
  const std::function<void()> on_kick_;
  const ReminderLoopOptions options_;

  mutable Mutex mu_;
  CondVar cv_;
  bool stopping_ GAPLOG_GUARDED_BY(mu_) = false;
  bool kicked_ GAPLOG_GUARDED_BY(mu_) = false;
  std::optional<Date> last_pass_day_ GAPLOG_GUARDED_BY(mu_);
  // Set when today's pass failed (daily_pass returned false): it runs again from then.
  std::optional<Micros> pass_retry_at_ GAPLOG_GUARDED_BY(mu_);
  std::optional<Micros> last_dispatch_at_ GAPLOG_GUARDED_BY(mu_);
  std::thread thread_;  // the owner's: start() and stop() only
};

}  // namespace gaplog
