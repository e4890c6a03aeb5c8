// Delivers what the outbox says is due, retries what failed, and records each delivered
// notification once as a notification_sent event (SPEC §11).
//
// A delivery goes through two steps, each persisted in the outbox before the next:
//   1. send (sent_at == 0): the channel accepts it → sent_at = now, synced to the outbox BEFORE
//      anything is recorded. The channel refuses it → attempts + 1, last_error, and the next
//      attempt after a doubling interval (first_retry, 2 × first_retry, ... at most
//      max_interval), never later than first_attempt_at + give_up_after; an attempt that fails
//      at or after first_attempt_at + give_up_after makes it kFailed (never recorded).
//   2. record (sent_at != 0): the recorder writes notification_sent → kDelivered, finished_at.
//      The recorder fails → it stays pending and is recorded again record_retry later, WITHOUT
//      being sent again. A sent delivery is never marked failed: it was delivered.
// A crash between the send and its update re-sends the same message (same message_id) after the
// restart; a crash between the record and the last update records nothing new (the recorder is
// idempotent). Never two different messages for one firing: the message is fixed at enqueue.
//
// A delivery whose channel is not configured (a null Channel*) is not attempted: it waits,
// checked again every first_retry, with last_error saying which channel is missing; the time it
// waits does not count towards give_up_after (which starts at the first real attempt).
//
// Thread-safety: run_once() may be called from any thread; calls are serialized by run_mu_ (a
// second caller waits), so a delivery is never handed to two channels at once by one
// Dispatcher. The outbox, clock and channels are borrowed and must outlive the Dispatcher; the
// channels and the recorder are called without any lock of the Dispatcher's held except
// run_mu_, and never with a lock of the outbox held. run_mu_ guards no field: the Dispatcher's
// fields are set at construction and never change.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "domain/status.h"
#include "domain/time.h"
#include "notify/outbox.h"
#include "store/clock.h"
#include "store/mutex.h"

namespace gaplog {

// One per kind of recipient; the real ones (mail, webhook) live beside this file.
class Channel {
 public:
  virtual ~Channel() = default;
  // OK = the receiver accepted it (SMTP 250, HTTP 2xx). Called from the dispatcher's thread.
  virtual Status deliver(const Delivery& d, Micros now) = 0;
};

struct RetryPolicy {
  Micros first_retry = 60 * kMicrosPerSecond;  // then doubling
  Micros max_interval = 3600 * kMicrosPerSecond;
  Micros give_up_after =
      static_cast<Micros>(24) * 3600 * kMicrosPerSecond;  // from first_attempt_at
  Micros record_retry = 10 * kMicrosPerSecond;            // a sent delivery the log refused
};

// Records a delivered notification as a `notification_sent` event. Idempotent (a second call for
// the same key records nothing new and returns OK). An error = not recorded (the log refused or
// is unavailable).
using Recorder = std::function<Status(const Delivery&)>;

// Told of every attempt to hand a delivery to its channel: the channel ("email" or "webhook")
// and whether it accepted it. For metrics; called from the dispatcher's thread, without any
// lock but run_mu_: it must be quick and must not call the Dispatcher.
using DeliveryObserver = std::function<void(std::string_view channel, bool accepted)>;

class Dispatcher {
 public:
  // `mail` and `webhooks` may be null (not configured).
  Dispatcher(Outbox& outbox, Clock& clock, Channel* mail, Channel* webhooks, Recorder record,
             RetryPolicy policy = {}, DeliveryObserver observe = nullptr);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  struct Report {
    size_t delivered = 0;  // accepted by their channel in this run
    size_t retried = 0;    // left pending for a later attempt (send, record or no channel)
    size_t failed = 0;     // given up in this run
    size_t recorded = 0;   // recorded as notification_sent (and now kDelivered)
    // The first error of an outbox write, if any (the delivery is tried again later).
    Status outbox_error;
  };
  // Takes every delivery due now once, in due() order (recipient "webhook:..." → webhooks
  // channel, else mail), as described above.
  Report run_once();

  // The wait after the `attempts`-th failed attempt (attempts >= 1), before give_up_after.
  Micros backoff(uint32_t attempts) const;
  const RetryPolicy& policy() const { return policy_; }

 private:
  // Step 1 of the header comment; false when the delivery is not (yet) sent.
  bool send(Delivery& d, Micros now, Report& report);
  // Step 2.
  void record(Delivery& d, Micros now, Report& report);
  void persist(const Delivery& d, Report& report);

  Outbox& outbox_;
  Clock& clock_;
  Channel* const mail_;
  Channel* const webhooks_;
  const Recorder record_;
  const RetryPolicy policy_;
  const DeliveryObserver observe_;  // may be null
  Mutex run_mu_;                    // one run_once() at a time; guards no field
};

constexpr std::string_view kWebhookRecipientPrefix = "webhook:";

}  // namespace gaplog
