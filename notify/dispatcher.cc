#include "notify/dispatcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace gaplog {

Dispatcher::Dispatcher(Outbox& outbox, Clock& clock, Channel* mail, Channel* webhooks,
                       Recorder record, RetryPolicy policy, DeliveryObserver observe)
    : outbox_(outbox),
      clock_(clock),
      mail_(mail),
      webhooks_(webhooks),
      record_(std::move(record)),
      policy_(policy),
      observe_(std::move(observe)) {}

Micros Dispatcher::backoff(uint32_t attempts) const {
  Micros wait = std::max<Micros>(policy_.first_retry, 1);
  // Doubling stops at max_interval, long before it could overflow.
  for (uint32_t i = 1; i < attempts && wait < policy_.max_interval; ++i) wait *= 2;
  return std::min(wait, policy_.max_interval);
}

void Dispatcher::persist(const Delivery& d, Report& report) {
  Status s = outbox_.update(d);
  if (!s.is_ok() && report.outbox_error.is_ok()) report.outbox_error = std::move(s);
}

bool Dispatcher::send(Delivery& d, Micros now, Report& report) {
  const bool webhook = d.recipient.starts_with(kWebhookRecipientPrefix);
  Channel* channel = webhook ? webhooks_ : mail_;
  if (channel == nullptr) {
    d.last_error = webhook ? "no webhook channel is configured" : "no mail channel is configured";
    d.next_attempt_at = now + policy_.first_retry;
    persist(d, report);
    ++report.retried;
    return false;
  }
  if (d.first_attempt_at == 0) d.first_attempt_at = now;
  d.last_attempt_at = now;
  ++d.attempts;
  Status sent = channel->deliver(d, now);
  if (observe_) observe_(webhook ? "webhook" : "email", sent.is_ok());
  if (sent.is_ok()) {
    d.sent_at = now;
    d.last_error.clear();
    ++report.delivered;
    // Synced before recording: after a crash from here on, the message is not sent again.
    Status s = outbox_.update(d);
    if (!s.is_ok()) {
      // Not persisted: the outbox still says unsent, so it will be sent again (same message id).
      if (report.outbox_error.is_ok()) report.outbox_error = std::move(s);
      ++report.retried;
      return false;
    }
    return true;
  }
  d.last_error = sent.to_string();
  const Micros give_up_at = d.first_attempt_at + policy_.give_up_after;
  if (now >= give_up_at) {
    d.state = DeliveryState::kFailed;
    d.finished_at = now;
    ++report.failed;
  } else {
    d.next_attempt_at = std::min(now + backoff(d.attempts), give_up_at);
    ++report.retried;
  }
  persist(d, report);
  return false;
}

void Dispatcher::record(Delivery& d, Micros now, Report& report) {
  Status recorded = record_ ? record_(d) : internal_error("no recorder");
  if (!recorded.is_ok()) {
    d.last_error = fmt::format("sent, but not recorded: {}", recorded.to_string());
    d.next_attempt_at = now + policy_.record_retry;
    ++report.retried;
    persist(d, report);
    return;
  }
  ++report.recorded;
  d.state = DeliveryState::kDelivered;
  d.finished_at = now;
  d.last_error.clear();
  // When this write is lost, the next run records again: the recorder finds it already there.
  persist(d, report);
}

Dispatcher::Report Dispatcher::run_once() {
  MutexLock running(run_mu_);
  Report report;
  const std::vector<Delivery> due = outbox_.due(clock_.now(), std::numeric_limits<size_t>::max());
  for (Delivery d : due) {
    // Each step reads the clock anew: a slow channel must not make later times earlier.
    if (d.sent_at == 0 && !send(d, clock_.now(), report)) continue;
    record(d, clock_.now(), report);
  }
  return report;
}

}  // namespace gaplog
