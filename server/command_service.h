// Runs commands: loads the state, decides, appends atomically with the stream versions the
// decision read, and retries the decision against fresh state when another writer got there
// first. Shared by the HTTP API and the CLI (in-process), so both behave the same.
//
// - Idempotency: with an idempotency key, the events' ids are derived from (actor, key, index);
//   a repeat finds them in the log and returns the original events without deciding again.
// - If-Match: the version of the command's subject must equal the given one (kVersionConflict,
//   HTTP 412, when stale). Internal conflicts between concurrent writers are retried instead.
// - Back-fill: occurred_at earlier than now is allowed to admins only (a domain rule); the log
//   enforces its ordering per stream.
//
// Thread-safe. Deciding and queueing appends is serialised (batches enter the log in decision
// order); first attempts wait for the sync outside the lock, so concurrent commands share syncs;
// a retry after a conflict holds the lock through its sync. execute_async() decides the same
// way but waits for nothing: the log's commit thread folds and answers.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/state.h"
#include "store/clock.h"
#include "store/event_log.h"

namespace gaplog {

struct CommandOptions {
  std::optional<std::string> idempotency_key;
  std::optional<uint32_t> if_match;        // expected version of the subject
  std::optional<Micros> occurred_at;       // back-fill (admins)
};

struct CommandOutcome {
  std::vector<Event> events;  // as committed (the originals when replayed)
  bool replayed = false;
  std::string subject;        // stream of the entity the command was about
};

// Who a request acts as.
struct Principal {
  std::string email;  // normalized
  Role role = Role::kAuditor;
};

struct IssuedToken {
  std::string token_id;
  std::string token;  // shown once; only its SHA-256 is stored
  CommandOutcome outcome;
};

class CommandService {
 public:
  // How long the non-blocking paths wait for the state's lock: long enough to outlast another
  // decision or fold (microseconds), short enough that an I/O thread never waits for a sync
  // (only an import or a retry after a conflict holds the lock through one).
  static constexpr std::chrono::microseconds kQuickWait{200};

  // `log` and `clock` are borrowed and must outlive the service. Folds the log into the state,
  // starting from `seed` (a state folded up to the given seq, e.g. ProgramHistory::current())
  // when there is one.
  static Result<std::unique_ptr<CommandService>> open(
      EventLog& log, Clock& clock, std::optional<std::pair<ProgramState, uint64_t>> seed = std::nullopt);

  Result<CommandOutcome> execute(const std::string& actor, const Command& command,
                                 const CommandOptions& options = {});

  // As execute(), without blocking the calling thread (for a server's I/O threads): when the
  // state is caught up with the log and its lock is free, decides at once and queues the
  // append; `done` then gets the outcome on the log's commit thread, after the events are
  // durable and folded into the state. A refusal (a rule, a stale If-Match) goes to `done` at
  // once, on the calling thread. `done` gets nullopt, maybe at once, when the command cannot be
  // run this way: it has an Idempotency-Key (a replay reads the log), the state is behind or
  // its lock is not free within kQuickWait, or a concurrent writer changed its streams;
  // nothing was written then, and the caller runs execute() instead on a thread that may
  // block. `done` is called exactly once, never with a lock of the service held.
  using AsyncDone = std::function<void(std::optional<Result<CommandOutcome>>)>;
  void execute_async(const std::string& actor, const Command& command, const CommandOptions& options,
                     AsyncDone done);

  // Several commands as one atomic append: each is decided against the state as the earlier
  // ones in the batch leave it. Every command is decided, so that every refusal is reported:
  // `refusals` gets (index, status) for each refused command, and then nothing is appended
  // (the result is the first refusal's status). With `dry_run`, nothing is appended either way
  // and the outcome holds the events that would have been (seq 0).
  Result<CommandOutcome> execute_batch(const std::string& actor, const std::vector<Command>& commands,
                                       bool dry_run, std::vector<std::pair<size_t, Status>>* refusals);

  // Issues an API token for `email`: 256 random bits, returned once, stored only as SHA-256.
  Result<IssuedToken> issue_token(const std::string& actor, const std::string& email,
                                  const CommandOptions& options = {});

  // The active user a bearer token belongs to; kUnauthenticated for an unknown, revoked or
  // malformed token or a deactivated user (their tokens stop working at once).
  Result<Principal> authenticate(std::string_view token);
  // The same without blocking: nullopt when the answer would have to wait (the state is behind
  // the log, or its lock is not free within kQuickWait). For callers on I/O threads.
  std::optional<Result<Principal>> try_authenticate(std::string_view token);

  // Calls fn(state) with the state caught up with the log, under a shared lock. fn must not
  // call back into the service.
  template <typename Fn>
  auto read(Fn&& fn) {
    catch_up().ignore();
    std::shared_lock lock(mu_);
    return fn(static_cast<const ProgramState&>(state_));
  }

  // As read(), also telling fn the seq of the last event folded into the state: fn(state, seq).
  template <typename Fn>
  auto read_with_seq(Fn&& fn) {
    catch_up().ignore();
    std::shared_lock lock(mu_);
    return fn(static_cast<const ProgramState&>(state_), applied_seq_.load());
  }

  // Event ids for the events of a command sent with an idempotency key.
  static Uuid idempotent_event_id(const std::string& actor, const std::string& key, size_t index);

 private:
  CommandService(EventLog& log, Clock& clock) : log_(log), clock_(clock) {}
  Status catch_up();
  Status catch_up_locked();
  // Looks the token's SHA-256 up in the state; the caller holds the lock (shared or exclusive).
  Result<Principal> principal_locked(std::string_view token_hash) const;
  Result<std::optional<CommandOutcome>> replay(const std::string& actor, const std::string& key);

  // The finding and evidence numbers a decision took (see CommandContext).
  struct Taken {
    uint64_t finding = 0;
    uint64_t evidence = 0;
  };
  struct Prepared {
    AppendRequest request;
    std::string subject;
    Taken taken;
  };
  // Decides `command` against the state (caught up; the lock held exclusively) and builds its
  // append, reserving the numbers it takes.
  Result<Prepared> prepare_locked(const std::string& actor, const Command& command,
                                  const CommandOptions& options);
  // Gives back the numbers of a batch that failed (lock held exclusively).
  void release_locked(const Taken& taken);
  // Folds just-committed events into the state (from the events themselves when they are the
  // next ones, else by catching up with the log).
  Status fold_committed(const std::vector<Event>& events);

  EventLog& log_;
  Clock& clock_;
  // Timed, so that the non-blocking paths (try_authenticate, execute_async) can wait out the
  // short critical sections of other deciders instead of giving up at once; see kQuickWait.
  std::shared_timed_mutex mu_;
  ProgramState state_;
  // The last seq folded into state_: written under the exclusive lock, read without it so that
  // a caught-up service (the common case) serves reads without taking the lock exclusively.
  std::atomic<uint64_t> applied_seq_{0};
  // The highest finding and evidence numbers given to decisions (see CommandContext).
  uint64_t findings_taken_ = 0;
  uint64_t evidence_taken_ = 0;
};

}  // namespace gaplog
