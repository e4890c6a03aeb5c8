// Runs commands: decides each against the effects of every command decided before it, appends
// atomically, and folds what committed. Shared by the HTTP API and the CLI (in-process), so both
// behave the same.
//
// Serializability (SPEC §2 "Commands are serializable"), and why it holds:
// - Every decision is taken under the exclusive lock against `decided_`: the committed state
//   plus the events of every batch queued before it and not yet resolved. So each command sees
//   exactly the log it will follow (deactivations, demotions, transitions decided a moment
//   earlier included), as if it had been decided alone in seq order.
// - Each batch is queued, still under the lock, with `expected_last_seq` = the seq that
//   `decided_` reaches and, when batches are in flight, `follows_batch` = the last of them: the
//   log commits it only if every event that decision read is the log's exact prefix. If an
//   earlier batch fails (a sync error, a replayed id, a write from outside the service), every
//   batch decided after it fails too, writes nothing, and is decided again after `decided_` is
//   rebuilt from the log. A decision can never rest on an event that was not committed ahead
//   of it. (A refusal may rest on one: a command refused because of a batch in flight that then
//   fails wrote nothing, and its client may retry.)
// - `decided_` predicts the occurred_at of live events (the decision's clock, a moment before
//   the commit's). A back-fill (explicit occurred_at) compares times with other events, so it
//   is decided only on a decision state without predicted times: when there are some, it
//   waits until nothing is in flight (live commands wait behind it meanwhile, so a steady
//   stream of writes cannot starve it) and decides against the committed state itself.
// Concurrent commands still share syncs: deciding is serialised, waiting for the sync is not.
//
// - Idempotency: with an idempotency key, the events' ids are derived from (actor, key, index);
//   a repeat finds them in the log and returns the original events without deciding again.
// - If-Match: the version of the command's subject must equal the given one (kVersionConflict,
//   HTTP 412, when stale). Internal conflicts are decided again instead.
// - Back-fill: occurred_at earlier than now is allowed to admins only (a domain rule); the log
//   enforces its ordering per stream.
//
// Thread-safety: every method may be called from any thread. `mu_` guards both states and the
// bookkeeping of batches in flight (see the fields).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "domain/commands.h"
#include "domain/state.h"
#include "store/clock.h"
#include "store/event_log.h"
#include "store/mutex.h"

namespace gaplog {

struct CommandOptions {
  std::optional<std::string> idempotency_key;
  std::optional<uint32_t> if_match;   // expected version of the subject
  std::optional<Micros> occurred_at;  // back-fill (admins)
};

struct CommandOutcome {
  std::vector<Event> events;  // as committed (the originals when replayed)
  bool replayed = false;
  std::string subject;  // stream of the entity the command was about
};

// Who a request acts as.
struct Principal {
  std::string email;  // normalized
  Role role = Role::kAuditor;
  std::string token_id;  // the bearer token it authenticated with; "" for a session or in-process
};

struct IssuedToken {
  std::string token_id;
  std::string token;  // shown once; only its SHA-256 is stored
  CommandOutcome outcome;
};

namespace detail {
template <typename T>
struct ReadResultOf {
  using type = Result<T>;
};
template <typename T>
struct ReadResultOf<Result<T>> {
  using type = Result<T>;
};
template <>
struct ReadResultOf<Status> {
  using type = Status;
};
}  // namespace detail
// What CommandService::read returns for a function returning T.
template <typename T>
using ReadResult = typename detail::ReadResultOf<std::remove_cvref_t<T>>::type;

class CommandService {
 public:
  // How long the non-blocking paths wait for the state's lock: long enough to outlast another
  // decision or fold (microseconds), short enough for an I/O thread (nothing holds the lock
  // through a sync).
  static constexpr std::chrono::microseconds kQuickWait{200};

  // `log` and `clock` are borrowed and must outlive the service. Folds the log into the state,
  // starting from `seed` (a state folded up to the given seq, e.g. ProgramHistory::current())
  // when there is one.
  static Result<std::unique_ptr<CommandService>> open(
      EventLog& log, Clock& clock,
      std::optional<std::pair<ProgramState, uint64_t>> seed = std::nullopt);

  Result<CommandOutcome> execute(const std::string& actor, const Command& command,
                                 const CommandOptions& options = {});

  // As execute(), without blocking the calling thread (for a server's I/O threads): when the
  // state is caught up with the log and its lock is free, decides at once and queues the
  // append; `done` then gets the outcome on the log's commit thread, after the events are
  // durable and folded into the state. A refusal (a rule, a stale If-Match) goes to `done` at
  // once, on the calling thread. `done` gets nullopt, maybe at once, when the command cannot be
  // run this way: it has an Idempotency-Key (a replay reads the log), it back-fills while
  // batches are in flight, the decision state must first be rebuilt from the log, the lock is
  // not free within kQuickWait, or the log refused the batch as decided against a stale prefix;
  // nothing was written then, and the caller runs execute() instead on a thread that may
  // block. `done` is called exactly once, never with a lock of the service held.
  using AsyncDone = std::function<void(std::optional<Result<CommandOutcome>>)>;
  void execute_async(const std::string& actor, const Command& command,
                     const CommandOptions& options, AsyncDone done);

  // Several commands as one atomic append: each is decided against the state as the earlier
  // ones in the batch leave it. Every command is decided, so that every refusal is reported:
  // `refusals` gets (index, status) for each refused command, and then nothing is appended
  // (the result is the first refusal's status). With `dry_run`, nothing is appended either way
  // and the outcome holds the events that would have been (seq 0).
  // `options.occurred_at` back-fills every event of the batch; with `options.idempotency_key`, a
  // repeat returns the first outcome and appends nothing (If-Match does not apply to a batch).
  Result<CommandOutcome> execute_batch(const std::string& actor,
                                       const std::vector<Command>& commands, bool dry_run,
                                       std::vector<std::pair<size_t, Status>>* refusals,
                                       const CommandOptions& options = {});

  // Issues an API token for `email`: 256 random bits, returned once, stored only as SHA-256.
  // `expires_on` (YYYY-MM-DD, "" = never) is its last day; see IssueToken for who may issue what.
  Result<IssuedToken> issue_token(const std::string& actor, const std::string& email,
                                  const std::string& expires_on = "",
                                  const CommandOptions& options = {});

  // The active user a bearer token belongs to; kUnauthenticated for an unknown, revoked,
  // expired (past its last day, by the clock) or malformed token or a deactivated user (their
  // tokens stop working at once).
  Result<Principal> authenticate(std::string_view token);
  // The same without blocking: nullopt when the answer would have to wait (the state is behind
  // the log, or its lock is not free within kQuickWait). For callers on I/O threads.
  std::optional<Result<Principal>> try_authenticate(std::string_view token);
  // The principal of a signed-in person: `email` if it is an active user, with its current role
  // (a role change or a deactivation counts from the next request); kUnauthenticated otherwise.
  Result<Principal> user_principal(const std::string& email);

  // Calls fn(state) with the committed state caught up with the log, under a shared lock, and
  // returns what fn returns (a Result or Status as it is, anything else wrapped in a Result).
  // Fails, without calling fn, when the state cannot be caught up: a read never answers from a
  // state it knows to be stale. fn must not call back into the service.
  template <typename Fn>
  auto read(Fn&& fn) -> ReadResult<std::invoke_result_t<Fn, const ProgramState&>> {
    if (Status s = catch_up(); !s.is_ok()) return s;
    ReaderLock lock(mu_);
    return fn(static_cast<const ProgramState&>(state_));
  }

  // As read(), also telling fn the seq of the last event folded into the state: fn(state, seq).
  template <typename Fn>
  auto read_with_seq(Fn&& fn)
      -> ReadResult<std::invoke_result_t<Fn, const ProgramState&, uint64_t>> {
    if (Status s = catch_up(); !s.is_ok()) return s;
    ReaderLock lock(mu_);
    return fn(static_cast<const ProgramState&>(state_), applied_seq_.load());
  }

  // The last seq folded into the current state (for metrics: the projection's lag). Never
  // blocks.
  uint64_t applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }

  // Event ids for the events of a command sent with an idempotency key.
  static Uuid idempotent_event_id(const std::string& actor, const std::string& key, size_t index);

 private:
  CommandService(EventLog& log, Clock& clock) : log_(log), clock_(clock) {}
  Status catch_up() GAPLOG_EXCLUDES(mu_);
  Status catch_up_locked() GAPLOG_REQUIRES(mu_);
  // Looks the token's SHA-256 up in the state; the caller holds the lock (shared or exclusive).
  Result<Principal> principal_locked(std::string_view token_hash) const GAPLOG_REQUIRES_SHARED(mu_);
  Result<std::optional<CommandOutcome>> replay(const std::string& actor, const std::string& key);

  // Whether a decision (a back-fill: `exact`) may be taken on decided_ now, or must wait for
  // the batches in flight to resolve (decided_ invalid, or holding predicted times a back-fill
  // cannot use) or for a waiting back-fill to go first.
  bool may_decide_locked(bool exact) const GAPLOG_REQUIRES(mu_);
  // Makes `decided_` fit to decide on (exclusive lock held, state_ caught up): rebuilt from the
  // committed state when nothing is in flight and it is invalid, behind the log, or (for a
  // back-fill) holds predicted times. False when may_decide_locked() is.
  bool ready_to_decide_locked(bool exact) GAPLOG_REQUIRES(mu_);
  // As ready_to_decide_locked(), waiting for the batches in flight when it must (`lock` holds
  // mu_; it is released while waiting).
  Status wait_ready_to_decide_locked(WriterLock& lock, bool exact) GAPLOG_REQUIRES(mu_);

  // Conditions a batch decided on decided_ (lock held) on exactly the prefix it was decided
  // against: the log's length, and, when batches are in flight, the last of them committing
  // just before it.
  void condition_locked(AppendRequest& request) GAPLOG_REQUIRES(mu_);

  // A decided batch, queued or about to be.
  struct Prepared {
    AppendRequest request;
    std::string subject;
    uint64_t first_seq = 0;  // the seq its first event will get
    size_t event_count = 0;  // the events of `request`, which the log takes
  };
  // Decides `command` against `decided_` (ready; exclusive lock held), folds its events into
  // `decided_` and counts it in flight: the caller must queue `request` before unlocking, and
  // call resolved_locked() when the log answers (or at once, if queueing threw).
  Result<Prepared> prepare_locked(const std::string& actor, const Command& command,
                                  const CommandOptions& options) GAPLOG_REQUIRES(mu_);
  // A queued batch was answered (exclusive lock held): no longer in flight; when it did not
  // commit exactly as predicted, `decided_` is invalid until rebuilt.
  void resolved_locked(const Prepared& prepared, const Result<AppendResult>& appended)
      GAPLOG_REQUIRES(mu_);
  // Queues a prepared batch (counted in flight; exclusive lock held); the caller releases the
  // lock, waits for the log and finish()es.
  std::unique_ptr<EventLog::QueuedAppend> queue_locked(Prepared& prepared) GAPLOG_REQUIRES(mu_);
  // Answers the log's result for a prepared batch (takes the lock): resolved_locked(), then
  // folds the committed events into the committed state (from the events themselves when they
  // are the next ones, else by catching up with the log).
  Result<CommandOutcome> finish(const Prepared& prepared, Result<AppendResult> appended)
      GAPLOG_EXCLUDES(mu_);

  EventLog& log_;
  Clock& clock_;
  // Guards the fields marked so below (Clang checks it). The non-blocking paths
  // (try_authenticate, execute_async) wait up to kQuickWait for it, to outlast the short
  // critical sections of other deciders.
  SharedMutex mu_;
  // Notified whenever in_flight_ drops to 0 and when no back-fill waits any more.
  std::condition_variable_any settled_;
  // The committed state: every event up to applied_seq_, and nothing else. Reads and
  // authentication use it.
  ProgramState state_ GAPLOG_GUARDED_BY(mu_);
  // The last seq folded into state_: written under the exclusive lock, read without it so that
  // a caught-up service (the common case) serves reads without taking the lock exclusively.
  std::atomic<uint64_t> applied_seq_{0};
  // The decision state: state_ plus the predicted effects of every batch in flight, in queue
  // order, up to decided_seq_. Valid while every batch resolved so far committed as predicted.
  ProgramState decided_ GAPLOG_GUARDED_BY(mu_);
  uint64_t decided_seq_ GAPLOG_GUARDED_BY(mu_) = 0;
  bool decided_valid_ GAPLOG_GUARDED_BY(mu_) = false;
  // decided_ holds events whose occurred_at was predicted (live events not folded from the log).
  bool decided_predicted_ GAPLOG_GUARDED_BY(mu_) = false;
  // Batches queued with the log and not yet answered.
  size_t in_flight_ GAPLOG_GUARDED_BY(mu_) = 0;
  // Back-fills waiting for the batches in flight to resolve; live decisions wait behind them.
  size_t backfills_waiting_ GAPLOG_GUARDED_BY(mu_) = 0;
  // Batches are named 1, 2, ... (AppendRequest::batch_id); the last one queued.
  uint64_t batches_named_ GAPLOG_GUARDED_BY(mu_) = 0;
  uint64_t last_batch_queued_ GAPLOG_GUARDED_BY(mu_) = 0;
};

}  // namespace gaplog
