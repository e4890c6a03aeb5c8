// The outbox of reminders (SPEC §11): every notification a rule decided to send, from the moment
// it is decided until it is delivered (and recorded as a notification_sent event) or given up.
// State, not events: it lives in its own RocksDB database, <data>/outbox/, beside the event log.
// Losing it forgets the retries in flight and the delivery log of the dashboard, nothing more
// (the events of what was delivered are in the log).
//
// - One Delivery per firing of a rule, keyed by make_delivery_key(kind, subject, recipient,
//   day): enqueue() refuses a second one for the same key, whatever the state of the first,
//   until prune() forgets it (90 days after it finished; the rules only fire for today).
// - The message id is fixed when the delivery is enqueued and never changes: a delivery sent
//   again after a crash or a retry carries the same Message-ID / webhook-id.
// - Every write is synced: an enqueue() or update() that returned OK survives a crash
//   (kill -9, power loss).
// - A stored record this version cannot decode is skipped at open() and its key reported by
//   damaged_keys(); it stays on disk for someone to look at, and a new enqueue() of the same key
//   writes over it.
//
// Thread-safe: every member may be called from many threads at once.
// - mu_ guards deliveries_, the in-memory copy of every record (loaded at open()). Readers
//   (due, find, recent, last_for, next_wake) take only mu_ and never wait for the disk.
// - write_mu_ lets one thread at a time write to the database (as in auth/session_store.h:
//   RocksDB's group commit of concurrent writers is invisible to ThreadSanitizer). A writer
//   holds it from its check of the map to its change of the map, so two enqueue() of one key
//   cannot both succeed, and an update() cannot bring back a delivery that prune() removed.
//   The synced write happens under write_mu_ but not under mu_.
// - Order: write_mu_ before mu_; mu_ is never held while waiting for the disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"
#include "store/mutex.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace gaplog {

enum class DeliveryState : uint8_t { kPending, kDelivered, kFailed };
std::string_view name(DeliveryState s);  // "pending", "delivered", "failed"

struct Delivery {
  // Unique per firing: make_delivery_key(kind, subject, recipient, day). enqueue() fills it in
  // when empty.
  std::string key;
  // recipient: an e-mail or "webhook:<id>"; subject "" for a digest; day YYYY-MM-DD.
  std::string kind, subject, recipient, day;
  // Stable for the firing, whatever the retries and restarts; enqueue() fills it in when empty
  // (make_message_id(key)).
  std::string message_id;
  // The rendered message, opaque bytes (the channel knows its format).
  std::string message;
  Micros enqueued_at = 0, first_attempt_at = 0, next_attempt_at = 0, sent_at = 0, finished_at = 0;
  // When it was last handed to its channel (or found without one): 0 = never.
  Micros last_attempt_at = 0;
  uint32_t attempts = 0;
  std::string last_error;  // "" when none
  DeliveryState state = DeliveryState::kPending;

  bool operator==(const Delivery&) const = default;
};

// "<kind>|<subject>|<recipient>|<day>", each part with '%' and '|' written as %25 and %7C, so
// that two different firings never share a key.
std::string make_delivery_key(std::string_view kind, std::string_view subject,
                              std::string_view recipient, std::string_view day);
// 32 lowercase hex characters derived from the delivery key (SHA-256): the same firing always
// gets the same id, even when enqueued again after a crash.
std::string make_message_id(std::string_view key);

// When a delivery last changed, for the delivery log: the latest of enqueued_at,
// last_attempt_at and finished_at.
Micros last_activity(const Delivery& d);

class Outbox {
 public:
  // Opens the database at `dir`, creating it (mode 0700, and its missing parents) when missing.
  static Result<std::unique_ptr<Outbox>> open(const std::string& dir);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Adds a pending delivery (next_attempt_at = enqueued_at; key and message_id filled in when
  // empty). false when a delivery with that key is already there, in any state (then nothing
  // changes). kInvalidArgument when `d.key` is not the key of its kind, subject, recipient and
  // day, or kind, recipient or day is empty.
  Result<bool> enqueue(Delivery d);
  // Several at once, in one synced write: those whose key is not there yet (each key once).
  // Returns how many were added. A malformed delivery refuses the lot (nothing written).
  Result<size_t> enqueue_all(std::vector<Delivery> deliveries);
  // Pending deliveries with next_attempt_at <= now, earliest first (then by key), at most `max`.
  std::vector<Delivery> due(Micros now, size_t max) const;
  // Persists a changed delivery (synced), then shows it to readers. kNotFound when there is no
  // delivery with its key (never enqueued, or pruned); kInvalidArgument when it changed its
  // message id.
  Status update(const Delivery& d);
  std::optional<Delivery> find(const std::string& key) const;
  // The delivery log, newest first by last_activity() (then by key): the deliveries whose
  // recipient starts with `recipient` ("" = all) and, when given, in `state`; at most `limit`.
  std::vector<Delivery> recent(size_t limit, std::string_view recipient = "",
                               std::optional<DeliveryState> state = std::nullopt) const;
  // The delivery to exactly `recipient` attempted last (greatest last_attempt_at), for
  // GET /webhooks: its state and last error. nullopt when none was attempted yet.
  std::optional<Delivery> last_for(std::string_view recipient) const;
  // The earliest next_attempt_at of a pending delivery; nullopt when none is pending.
  std::optional<Micros> next_wake() const;
  // Forgets delivered and failed deliveries that finished before `before` (called daily; the
  // server keeps 90 days). Pending ones are kept whatever their age.
  Status prune(Micros before);

  // The keys of records skipped at open() because they could not be decoded.
  const std::vector<std::string>& damaged_keys() const { return damaged_; }
  size_t size() const;

 private:
  explicit Outbox(std::unique_ptr<rocksdb::DB> db);
  Status load() GAPLOG_REQUIRES(mu_);
  Status write(rocksdb::WriteBatch& batch) GAPLOG_REQUIRES(write_mu_) GAPLOG_EXCLUDES(mu_);

  const std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> damaged_;  // set by open() before the outbox is shared; then const
  Mutex write_mu_;                    // one writer of db_ at a time (see above)
  mutable Mutex mu_;
  std::map<std::string, Delivery> deliveries_ GAPLOG_GUARDED_BY(mu_);  // by key
};

}  // namespace gaplog
