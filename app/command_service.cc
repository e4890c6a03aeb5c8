#include "app/command_service.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>

#include "domain/hex.h"
#include "domain/uuid.h"
#include "domain/validation.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

// An Idempotency-Key, when given, is one line of text, not blank, of at most 200 characters.
Status check_idempotency_key(const CommandOptions& options) {
  if (!options.idempotency_key) return Status::ok();
  return check_text("Idempotency-Key", *options.idempotency_key, 200, true, false);
}

// How often a decision is retried when concurrent writers keep changing its streams.
constexpr int kMaxAttempts = 16;

}  // namespace

Result<std::unique_ptr<CommandService>> CommandService::open(
    EventLog& log, Clock& clock, std::optional<std::pair<ProgramState, uint64_t>> seed) {
  std::unique_ptr<CommandService> service(new CommandService(log, clock));
  if (seed) {
    WriterLock lock(service->mu_);  // not shared yet; taken for the analysis' sake
    service->state_ = std::move(seed->first);
    service->applied_seq_.store(seed->second);
  }
  GAPLOG_RETURN_IF_ERROR(service->catch_up());
  return service;
}

Uuid CommandService::idempotent_event_id(const std::string& actor, const std::string& key,
                                         size_t index) {
  const Hash h =
      sha256_of({"gaplog-idempotency-v1", std::string_view("\0", 1), actor,
                 std::string_view("\0", 1), key, std::string_view("\0", 1), std::to_string(index)});
  return uuid_v8(h);
}

Status CommandService::catch_up() {
  if (applied_seq_.load(std::memory_order_acquire) >= log_.last_seq()) return Status::ok();
  WriterLock lock(mu_);
  return catch_up_locked();
}

Status CommandService::catch_up_locked() {
  while (applied_seq_ < log_.last_seq()) {
    GAPLOG_ASSIGN_OR_RETURN(auto events, log_.read_range(applied_seq_ + 1, 4096));
    if (events.empty()) break;
    for (const Event& e : events) evolve(state_, e);
    applied_seq_.store(events.back().seq, std::memory_order_release);
  }
  return Status::ok();
}

namespace {

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness available");
  }
  return to_hex(raw);
}

constexpr std::string_view kTokenPrefix = "gaplog_";

}  // namespace

namespace {

// The events a decision drafted, to be appended by `actor` at `occurred_at` (unset: live), with
// ids derived from an idempotency key when there is one (`first_index`: the index of the
// first event within the whole request).
std::vector<NewEvent> new_events(std::vector<DraftEvent> drafts, const std::string& actor,
                                 const CommandOptions& options, size_t first_index) {
  std::vector<NewEvent> events;
  events.reserve(drafts.size());
  for (size_t i = 0; i < drafts.size(); ++i) {
    NewEvent e{
        std::move(drafts[i].stream), {}, options.occurred_at, actor, std::move(drafts[i].payload)};
    if (options.idempotency_key) {
      e.id = CommandService::idempotent_event_id(actor, *options.idempotency_key, first_index + i);
    }
    events.push_back(std::move(e));
  }
  return events;
}

// Folds `events` into `state` as the log will commit them right after `seq`: the next seqs,
// each stream's next version (from `versions`, every stream the decision read or wrote at the
// version it read, as Decision::expected_versions promises), occurred_at as given or else
// `now` (a prediction: the log stamps the commit's time). Returns the events as folded.
std::vector<Event> predict(ProgramState& state, uint64_t& seq,
                           std::map<std::string, uint32_t>& versions,
                           const std::vector<NewEvent>& events, Micros now) {
  std::vector<Event> folded;
  folded.reserve(events.size());
  for (const NewEvent& ne : events) {
    auto version = versions.find(ne.stream);
    if (version == versions.end()) {
      throw std::logic_error(
          fmt::format("a decision wrote {} without reading its version", ne.stream));
    }
    Event e{++seq,    ne.stream, ++version->second, ne.id, now, ne.occurred_at.value_or(now),
            ne.actor, ne.payload};
    evolve(state, e);
    folded.push_back(std::move(e));
  }
  return folded;
}

}  // namespace

void CommandService::condition_locked(AppendRequest& request) {
  request.expected_last_seq = decided_seq_;
  request.batch_id = ++batches_named_;
  if (in_flight_ > 0) request.follows_batch = last_batch_queued_;
  last_batch_queued_ = request.batch_id;
}

bool CommandService::may_decide_locked(bool exact) const {
  // A back-fill needs decided_ without predicted times: when there are some, it waits for the
  // batches in flight to resolve, and live commands wait behind it, or it would never get a turn.
  if (exact) return in_flight_ == 0 || (decided_valid_ && !decided_predicted_);
  return backfills_waiting_ == 0 && (in_flight_ == 0 || decided_valid_);
}

bool CommandService::ready_to_decide_locked(bool exact) {
  if (!may_decide_locked(exact)) return false;
  if (in_flight_ > 0) return true;
  // Nothing in flight: the decision state is the committed state, rebuilt when in doubt.
  if (!decided_valid_ || decided_seq_ != applied_seq_.load() || (exact && decided_predicted_)) {
    decided_ = state_;
    decided_seq_ = applied_seq_.load();
    decided_valid_ = true;
    decided_predicted_ = false;
  }
  return true;
}

Status CommandService::wait_ready_to_decide_locked(WriterLock& lock, bool exact) {
  if (ready_to_decide_locked(exact)) return Status::ok();
  if (exact) ++backfills_waiting_;
  Status status;
  do {
    while (!may_decide_locked(exact)) settled_.wait(lock);
    status = catch_up_locked();
  } while (status.is_ok() && !ready_to_decide_locked(exact));
  if (exact && --backfills_waiting_ == 0) settled_.notify_all();  // the live commands behind it
  return status;
}

void CommandService::resolved_locked(const Prepared& prepared,
                                     const Result<AppendResult>& appended) {
  --in_flight_;
  const bool as_predicted =
      appended && !appended->replayed && appended->events.size() == prepared.event_count &&
      (prepared.event_count == 0 || appended->events.front().seq == prepared.first_seq);
  // Every batch decided after this one rests on its predicted events: the log refuses them
  // (their expected_last_seq no longer matches), and nothing is decided on decided_ again
  // until it is rebuilt from the log.
  if (!as_predicted) decided_valid_ = false;
  if (in_flight_ == 0) settled_.notify_all();
}

Result<CommandOutcome> CommandService::finish(const Prepared& prepared,
                                              Result<AppendResult> appended) {
  WriterLock lock(mu_);
  resolved_locked(prepared, appended);
  if (!appended) return appended.status();
  // Fold the committed events in before answering. The writers of one group commit wake
  // together: the first to get here folds the whole group from the log, the others find the
  // state caught up.
  const std::vector<Event>& events = appended->events;
  if (!events.empty() && applied_seq_.load() + 1 == events.front().seq) {
    for (const Event& e : events) evolve(state_, e);
    applied_seq_.store(events.back().seq, std::memory_order_release);
  }
  // The batch is durable whatever happens now: answer it. If the log cannot be read to catch
  // up, the state stays behind, and the next read or decision (which catch up first) fails
  // with that error instead of answering from a stale state.
  if (Status caught_up = catch_up_locked(); !caught_up.is_ok()) {
    std::fprintf(stderr,
                 "gaplog: command service: cannot catch up with the log after a commit: %s\n",
                 caught_up.to_string().c_str());
  }
  return CommandOutcome{std::move(appended->events), appended->replayed, prepared.subject};
}

std::unique_ptr<EventLog::QueuedAppend> CommandService::queue_locked(Prepared& prepared) {
  try {
    return log_.append_queued(std::move(prepared.request));
  } catch (...) {
    resolved_locked(prepared, internal_error("the batch was not queued"));
    throw;
  }
}

Result<CommandOutcome> CommandService::execute_batch(
    const std::string& raw_actor, const std::vector<Command>& commands, bool dry_run,
    std::vector<std::pair<size_t, Status>>* refusals, const CommandOptions& options) {
  const std::string actor = normalize_email(raw_actor);
  GAPLOG_RETURN_IF_ERROR(check_idempotency_key(options));
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    WriterLock lock(mu_);
    GAPLOG_RETURN_IF_ERROR(catch_up_locked());
    if (options.idempotency_key && !dry_run) {
      GAPLOG_ASSIGN_OR_RETURN(auto replayed, replay(actor, *options.idempotency_key));
      if (replayed) return std::move(*replayed);
    }
    GAPLOG_RETURN_IF_ERROR(wait_ready_to_decide_locked(lock, options.occurred_at.has_value()));
    // Each command is decided against the state the earlier ones leave, in a scratch copy: a
    // batch with a refusal leaves the decision state untouched.
    ProgramState scratch = decided_;
    uint64_t seq = decided_seq_;
    const Micros now = clock_.now();
    Prepared prepared;
    condition_locked(prepared.request);
    prepared.first_seq = decided_seq_ + 1;
    std::map<std::string, uint32_t> versions;  // stream -> version in the scratch state
    std::vector<Event> drafted;
    Status first_refusal;
    for (size_t i = 0; i < commands.size(); ++i) {
      CommandContext ctx{actor, now, options.occurred_at};
      auto decision = decide(scratch, ctx, commands[i]);
      if (!decision) {
        if (refusals) refusals->emplace_back(i, decision.status());
        if (first_refusal.is_ok()) first_refusal = decision.status();
        continue;
      }
      for (const auto& [stream, version] : decision->expected_versions) {
        if (versions.emplace(stream, version).second)
          prepared.request.expected_versions.emplace_back(stream, version);
      }
      std::vector<NewEvent> events =
          new_events(std::move(decision->events), actor, options, prepared.request.events.size());
      for (Event& e : predict(scratch, seq, versions, events, now)) drafted.push_back(std::move(e));
      for (NewEvent& e : events) prepared.request.events.push_back(std::move(e));
    }
    if (!first_refusal.is_ok()) return first_refusal;
    if (dry_run || prepared.request.events.empty()) {
      for (Event& e : drafted) e.seq = 0;  // not in the log
      return CommandOutcome{std::move(drafted), false, ""};
    }
    prepared.event_count = prepared.request.events.size();
    decided_ = std::move(scratch);
    decided_seq_ = seq;
    decided_predicted_ = decided_predicted_ || !options.occurred_at;
    ++in_flight_;
    auto queued = queue_locked(prepared);
    lock.unlock();
    auto outcome = finish(prepared, queued->wait());
    if (!outcome && outcome.status().code() == Code::kVersionConflict) continue;  // decide again
    return outcome;
  }
  return unavailable("the program changed under this import too many times in a row; retry");
}

Result<IssuedToken> CommandService::issue_token(const std::string& actor, const std::string& email,
                                                const std::string& expires_on,
                                                const CommandOptions& options) {
  IssuedToken issued;
  issued.token_id = "tok_" + random_hex(8);
  issued.token = std::string(kTokenPrefix) + random_hex(32);
  const Hash hash = sha256(issued.token);
  GAPLOG_ASSIGN_OR_RETURN(
      issued.outcome,
      execute(actor, IssueToken{email, issued.token_id, std::string(hash_bytes(hash)), expires_on},
              options));
  if (issued.outcome.replayed) {
    // The token of the first request cannot be shown again: it was never stored.
    return already_exists(
        "this token was already issued by an earlier request with the same "
        "Idempotency-Key; its value was shown then and cannot be shown again");
  }
  return issued;
}

namespace {

Status token_refused() {
  return Status(
      Code::kUnauthenticated,
      "the token is unknown, revoked or belongs to a deactivated user; ask an admin for a new one");
}

bool well_formed_token(std::string_view token) {
  return token.size() == kTokenPrefix.size() + 64 && token.starts_with(kTokenPrefix);
}

}  // namespace

Result<Principal> CommandService::principal_locked(std::string_view key) const {
  // Looked up by its SHA-256: timing reveals nothing usable about other tokens, whose hashes an
  // attacker cannot steer; the final comparison is constant-time all the same.
  auto id = state_.token_ids_by_hash.find(std::string(key));
  if (id == state_.token_ids_by_hash.end()) return token_refused();
  const TokenState& t = state_.tokens.at(id->second);
  if (t.token_hash.size() != key.size() ||
      CRYPTO_memcmp(t.token_hash.data(), key.data(), key.size()) != 0 || t.revoked) {
    return token_refused();
  }
  const UserState* u = state_.user(t.email);
  if (u == nullptr || !u->active) return token_refused();
  if (t.expired_on(date_of(clock_.now()))) {
    return Status(Code::kUnauthenticated,
                  fmt::format("this token expired: {} was its last day; issue a new one (POST "
                              "/api/v1/me/tokens, or ask an admin)",
                              format_date(*t.expires_on)));
  }
  return Principal{u->email, u->role, t.token_id};
}

Result<Principal> CommandService::user_principal(const std::string& email) {
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  const UserState* u = state_.user(email);
  if (u == nullptr || !u->active) {
    return Status(Code::kUnauthenticated,
                  "your session ended: your account was deactivated; ask an admin");
  }
  return Principal{u->email, u->role, ""};
}

Result<Principal> CommandService::authenticate(std::string_view token) {
  if (!well_formed_token(token)) return token_refused();
  const Hash hash = sha256(token);
  // Never against a state known to be stale: a deactivated user would keep access.
  GAPLOG_RETURN_IF_ERROR(catch_up());
  ReaderLock lock(mu_);
  return principal_locked(hash_bytes(hash));
}

std::optional<Result<Principal>> CommandService::try_authenticate(std::string_view token) {
  if (!well_formed_token(token)) return Result<Principal>(token_refused());
  const Hash hash = sha256(token);
  if (!mu_.try_lock_shared_for(kQuickWait)) return std::nullopt;
  ReaderLock lock(mu_, std::adopt_lock);
  if (applied_seq_.load(std::memory_order_acquire) < log_.last_seq()) return std::nullopt;
  return principal_locked(hash_bytes(hash));
}

Result<std::optional<CommandOutcome>> CommandService::replay(const std::string& actor,
                                                             const std::string& key) {
  CommandOutcome outcome;
  for (size_t i = 0;; ++i) {
    GAPLOG_ASSIGN_OR_RETURN(auto seq, log_.seq_of_event_id(idempotent_event_id(actor, key, i)));
    if (!seq) break;
    GAPLOG_ASSIGN_OR_RETURN(Event e, log_.read(*seq));
    outcome.events.push_back(std::move(e));
  }
  if (outcome.events.empty()) return std::optional<CommandOutcome>();
  outcome.replayed = true;
  outcome.subject = outcome.events.front().stream;
  return std::optional<CommandOutcome>(std::move(outcome));
}

Result<CommandService::Prepared> CommandService::prepare_locked(const std::string& actor,
                                                                const Command& command,
                                                                const CommandOptions& options) {
  const Micros now = clock_.now();
  const CommandContext ctx{actor, now, options.occurred_at};
  GAPLOG_ASSIGN_OR_RETURN(Decision decision, decide(decided_, ctx, command));
  if (options.if_match && !decision.expected_versions.empty() &&
      decision.expected_versions.front().second != *options.if_match) {
    return version_conflict(fmt::format(
        "{} is at version {}, not {}: it changed since you read it; read it again and retry",
        decision.subject, decision.expected_versions.front().second, *options.if_match));
  }
  Prepared p;
  p.subject = decision.subject;
  std::map<std::string, uint32_t> versions(decision.expected_versions.begin(),
                                           decision.expected_versions.end());
  p.request.expected_versions = std::move(decision.expected_versions);
  condition_locked(p.request);
  p.first_seq = decided_seq_ + 1;
  p.request.events = new_events(std::move(decision.events), actor, options, 0);
  p.event_count = p.request.events.size();
  try {
    predict(decided_, decided_seq_, versions, p.request.events, now);
  } catch (...) {
    decided_valid_ = false;  // folded in part: rebuilt from the log before the next decision
    throw;
  }
  decided_predicted_ = decided_predicted_ || !options.occurred_at;
  ++in_flight_;
  return p;
}

Result<CommandOutcome> CommandService::execute(const std::string& raw_actor, const Command& command,
                                               const CommandOptions& options) {
  const std::string actor = normalize_email(raw_actor);
  GAPLOG_RETURN_IF_ERROR(check_idempotency_key(options));
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // Decided and queued under the lock, so batches enter the log in the order they were
    // decided, each against the effects of all queued before it; the sync is waited for outside
    // the lock, so concurrent commands share syncs.
    WriterLock lock(mu_);
    GAPLOG_RETURN_IF_ERROR(catch_up_locked());
    if (options.idempotency_key) {
      GAPLOG_ASSIGN_OR_RETURN(auto replayed, replay(actor, *options.idempotency_key));
      if (replayed) return std::move(*replayed);
    }
    GAPLOG_RETURN_IF_ERROR(wait_ready_to_decide_locked(lock, options.occurred_at.has_value()));
    GAPLOG_ASSIGN_OR_RETURN(Prepared prepared, prepare_locked(actor, command, options));
    auto queued = queue_locked(prepared);
    lock.unlock();
    auto outcome = finish(prepared, queued->wait());
    // The log refused a batch decided on a prefix that did not commit (or a concurrent writer's
    // streams moved): nothing was written; decide again on the log as it is.
    if (!outcome && outcome.status().code() == Code::kVersionConflict) continue;
    return outcome;
  }
  return unavailable("the program changed under this command too many times in a row; retry");
}

void CommandService::execute_async(const std::string& raw_actor, const Command& command,
                                   const CommandOptions& options, AsyncDone done) {
  if (options.idempotency_key) return done(std::nullopt);
  // Held by the callback, and here too: a command that fails before it is queued (out of
  // memory, no thread for the log) is still answered.
  auto answer = std::make_shared<AsyncDone>(std::move(done));
  std::optional<Result<CommandOutcome>> now;  // answered on this thread, after the lock
  try {
    if (mu_.try_lock_for(kQuickWait)) {
      WriterLock lock(mu_, std::adopt_lock);
      // Without reading the log or waiting for batches in flight: when the committed state is
      // behind (nothing in flight) or decided_ must wait to be rebuilt, execute() does it.
      if ((in_flight_ > 0 || applied_seq_.load(std::memory_order_acquire) >= log_.last_seq()) &&
          ready_to_decide_locked(options.occurred_at.has_value())) {
        // Allocated first: once prepared, the batch counts as in flight, and nothing but queueing
        // it (or resolving it) may happen before the lock is released.
        auto shared = std::make_shared<Prepared>();
        auto prepared = prepare_locked(normalize_email(raw_actor), command, options);
        if (!prepared) {
          now = Result<CommandOutcome>(prepared.status());
        } else {
          *shared = std::move(*prepared);
          try {
            // Queued under the lock: batches enter the log in the order they were decided.
            log_.append_async(std::move(shared->request),
                              [this, shared, answer](Result<AppendResult> appended) {
                                auto outcome = finish(*shared, std::move(appended));
                                // Refused as decided on a prefix that did not commit: nothing was
                                // written; decide again, the blocking way.
                                if (!outcome && outcome.status().code() == Code::kVersionConflict)
                                  return (*answer)(std::nullopt);
                                (*answer)(std::move(outcome));
                              });
            return;
          } catch (...) {
            resolved_locked(*shared, internal_error("the batch was not queued"));
            throw;
          }
        }
      }
    }
  } catch (const std::exception&) {
    now.reset();  // execute() decides it again, and reports the error
  }
  (*answer)(std::move(now));
}

}  // namespace gaplog
