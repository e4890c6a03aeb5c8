// Reminders (SPEC §11) put together: the rules (projections/reminders.h) decide what is due, this
// renders each notification (notify/messages.h), queues it in the persistent outbox
// (notify/outbox.h) unless it was sent or queued already, and the dispatcher delivers it by mail
// or webhook and records a `notification_sent` event once the receiver accepted it.
//
// - The daily pass for day D: every rule of D but `assigned`, on the state as of D. The server's
//   thread (notify/reminder_loop.h) runs it for today at --reminder-hour (UTC), and at start when
//   that hour has passed; `gaplog notify --as-of D` runs it by hand. Only today's pass sends:
//   a pass for another day is a dry run or refused, so back-filled history never sends
//   reminders for days that are past.
// - `assigned` goes at once: every committed finding_assigned (or finding_recorded with an
//   owner) whose occurred_at is today and that is not back-filled wakes the loop, which queues
//   it. At start the loop looks again at the events recorded today, so an assignment committed
//   just before a crash is not lost.
// - Exactly once: a firing is queued once (the outbox's key), its ids are derived from the
//   firing (projections/notification_ids.h), and its event has an id derived from the key too,
//   so recording it twice writes nothing. After a crash between sending and recording, the
//   resend carries the same Message-ID / webhook-id.
// - With no SMTP relay and no webhook, a pass records nothing and says once in the server log
//   that reminders are off.
//
// Thread-safety: every public method may be called from any thread. The outbox and the log are
// thread-safe; the loop thread is the only one that delivers while it runs (a pass started from
// the API only queues and wakes it); without the loop (the embedded CLI), the calling thread
// delivers. `off_logged_` and `loop_running_` are atomics; `scanned_seq_` belongs to the loop
// thread (and to start(), before the thread exists).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/command_service.h"
#include "net/https_client.h"
#include "notify/dispatcher.h"
#include "notify/outbox.h"
#include "notify/reminder_loop.h"
#include "notify/smtp_mailer.h"
#include "notify/webhook_secrets.h"
#include "notify/webhook_sender.h"
#include "projections/program_history.h"
#include "projections/reminders.h"
#include "store/event_log.h"

namespace gaplog {

struct ReminderOptions {
  std::optional<SmtpOptions> smtp;  // none: no e-mail
  std::string public_url = "http://127.0.0.1:8080";
  int reminder_hour = 8;  // UTC
  RetryPolicy retry;
  // The server log; null: standard error. Never given a secret.
  std::function<void(const std::string&)> log;
  // Told of every delivery attempt (dispatcher.h); may be null.
  DeliveryObserver on_delivery_attempt;
};

class Reminders {
 public:
  // Everything borrowed must outlive it. Opens <data_dir>/outbox and <data_dir>/webhook-secrets.
  static Result<std::unique_ptr<Reminders>> open(const std::string& data_dir, FileSystem& fs,
                                                 Clock& clock, EventLog& log,
                                                 CommandService& commands, ProgramHistory& history,
                                                 HttpsClient& https, ReminderOptions options);
  ~Reminders();

  // Starts the server's thread: daily passes, assignments at once, retries. stop() (and the
  // destructor) end it.
  void start();
  void stop();

  struct PassResult {
    Date day;
    std::vector<PlannedNotification> notifications;  // what the rules select (sorted)
    size_t queued = 0;                               // newly queued for delivery by this pass
    bool channels = false;                           // an SMTP relay or a webhook is configured
  };
  // The pass for day D. dry_run: lists what the rules select for D as if e-mail were configured,
  // sends and records nothing. Otherwise D must be today (kInvalidArgument saying so): queues
  // what is due and not yet sent or queued, then delivers (the loop does, when it runs).
  Result<PassResult> run_pass(Date day, bool dry_run);

  // For the API.
  Outbox& outbox() { return *outbox_; }
  WebhookSecrets& secrets() { return secrets_; }
  bool email_configured() const { return mailer_ != nullptr; }
  const ReminderOptions& options() const { return options_; }

 private:
  Reminders(Clock& clock, EventLog& log, CommandService& commands, ProgramHistory& history,
            WebhookSecrets secrets, ReminderOptions options);
  // Renders and queues planned notifications for their day, skipping those sent or queued.
  Result<size_t> queue(const ProgramState& as_of_day, const std::vector<RuleFiring>& firings,
                       const std::vector<PlannedNotification>& planned);
  // The loop's wake-up: queue `assigned` for the events committed since scanned_seq_.
  void queue_assignments();
  Status record(const Delivery& d);
  void deliver_now();
  void say(const std::string& line) const;
  bool any_channel(const ProgramState& s) const;

  Clock& clock_;
  EventLog& log_;
  CommandService& commands_;
  ProgramHistory& history_;
  WebhookSecrets secrets_;
  ReminderOptions options_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Mailer> mailer_;  // null: no SMTP relay
  std::unique_ptr<WebhookSender> webhook_sender_;
  std::unique_ptr<Channel> mail_channel_, webhook_channel_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<ReminderLoop> loop_;
  std::unique_ptr<EventLog::Subscription> subscription_;
  std::atomic<bool> loop_running_{false};
  mutable std::atomic<bool> off_logged_{false};
  uint64_t scanned_seq_ = 0;  // the loop thread's: assignments are queued up to here
};

// <data>/outbox
std::string outbox_dir(const std::string& data_dir);

}  // namespace gaplog
