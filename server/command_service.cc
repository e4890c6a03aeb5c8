#include "server/command_service.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "domain/hex.h"
#include "domain/validation.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

// How often a decision is retried when concurrent writers keep changing its streams.
constexpr int kMaxAttempts = 16;


}  // namespace

Result<std::unique_ptr<CommandService>> CommandService::open(
    EventLog& log, Clock& clock, std::optional<std::pair<ProgramState, uint64_t>> seed) {
  std::unique_ptr<CommandService> service(new CommandService(log, clock));
  if (seed) {
    service->state_ = std::move(seed->first);
    service->applied_seq_.store(seed->second);
  }
  GAPLOG_RETURN_IF_ERROR(service->catch_up());
  return service;
}

Uuid CommandService::idempotent_event_id(const std::string& actor, const std::string& key,
                                         size_t index) {
  const Hash h = sha256_of({"gaplog-idempotency-v1", std::string_view("\0", 1), actor,
                            std::string_view("\0", 1), key, std::string_view("\0", 1),
                            std::to_string(index)});
  Uuid id;
  std::copy_n(h.begin(), 16, id.bytes.begin());
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x80);  // RFC 9562 version 8
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

Status CommandService::catch_up() {
  if (applied_seq_.load(std::memory_order_acquire) >= log_.last_seq()) return Status::ok();
  std::unique_lock lock(mu_);
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

Result<CommandOutcome> CommandService::execute_batch(const std::string& raw_actor,
                                                    const std::vector<Command>& commands, bool dry_run,
                                                    std::vector<std::pair<size_t, Status>>* refusals) {
  const std::string actor = normalize_email(raw_actor);
  // Held through the append: the batch is decided against one state, and nothing may come
  // between deciding and committing it.
  std::unique_lock lock(mu_);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  ProgramState scratch = state_;
  const Micros now = clock_.now();
  AppendRequest request;
  std::map<std::string, uint32_t> versions;  // stream -> version in the scratch state
  std::vector<Event> drafted;
  Status first_refusal;
  for (size_t i = 0; i < commands.size(); ++i) {
    CommandContext ctx{actor, now, std::nullopt};
    ctx.findings_taken = findings_taken_;  // numbers held by appends queued but not yet folded
    ctx.evidence_taken = evidence_taken_;
    auto decision = decide(scratch, ctx, commands[i]);
    if (!decision) {
      if (refusals) refusals->emplace_back(i, decision.status());
      if (first_refusal.is_ok()) first_refusal = decision.status();
      continue;
    }
    for (const auto& [stream, version] : decision->expected_versions) {
      if (versions.emplace(stream, version).second) request.expected_versions.emplace_back(stream, version);
    }
    for (DraftEvent& d : decision->events) {
      Event e;
      e.stream = d.stream;
      e.version = ++versions[d.stream];
      e.recorded_at = e.occurred_at = now;
      e.actor = actor;
      e.payload = d.payload;
      evolve(scratch, e);
      drafted.push_back(e);
      request.events.push_back(NewEvent{std::move(d.stream), {}, std::nullopt, actor, std::move(d.payload)});
    }
  }
  if (!first_refusal.is_ok()) return first_refusal;
  if (dry_run || request.events.empty()) return CommandOutcome{std::move(drafted), false, ""};
  GAPLOG_ASSIGN_OR_RETURN(AppendResult appended, log_.append(std::move(request)));
  findings_taken_ = std::max(findings_taken_, scratch.findings_recorded);
  evidence_taken_ = std::max(evidence_taken_, scratch.evidence_uploaded);
  GAPLOG_RETURN_IF_ERROR(catch_up_locked());
  return CommandOutcome{std::move(appended.events), false, ""};
}

Result<IssuedToken> CommandService::issue_token(const std::string& actor, const std::string& email,
                                                const CommandOptions& options) {
  IssuedToken issued;
  issued.token_id = "tok_" + random_hex(8);
  issued.token = std::string(kTokenPrefix) + random_hex(32);
  const Hash hash = sha256(issued.token);
  GAPLOG_ASSIGN_OR_RETURN(issued.outcome,
                          execute(actor, IssueToken{email, issued.token_id, std::string(hash_bytes(hash))},
                                  options));
  if (issued.outcome.replayed) {
    // The token of the first request cannot be shown again: it was never stored.
    return already_exists("this token was already issued by an earlier request with the same "
                          "Idempotency-Key; its value was shown then and cannot be shown again");
  }
  return issued;
}

namespace {

Status token_refused() {
  return Status(Code::kUnauthenticated,
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
  return Principal{u->email, u->role};
}

Result<Principal> CommandService::authenticate(std::string_view token) {
  if (!well_formed_token(token)) return token_refused();
  const Hash hash = sha256(token);
  catch_up().ignore();
  std::shared_lock lock(mu_);
  return principal_locked(hash_bytes(hash));
}

std::optional<Result<Principal>> CommandService::try_authenticate(std::string_view token) {
  if (!well_formed_token(token)) return Result<Principal>(token_refused());
  const Hash hash = sha256(token);
  std::shared_lock lock(mu_, kQuickWait);
  if (!lock.owns_lock() || applied_seq_.load(std::memory_order_acquire) < log_.last_seq()) {
    return std::nullopt;
  }
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
  CommandContext ctx{actor, clock_.now(), options.occurred_at};
  ctx.findings_taken = findings_taken_;
  ctx.evidence_taken = evidence_taken_;
  GAPLOG_ASSIGN_OR_RETURN(Decision decision, decide(state_, ctx, command));
  if (options.if_match && !decision.expected_versions.empty() &&
      decision.expected_versions.front().second != *options.if_match) {
    return version_conflict(fmt::format(
        "{} is at version {}, not {}: it changed since you read it; read it again and retry",
        decision.subject, decision.expected_versions.front().second, *options.if_match));
  }
  Prepared p;
  p.subject = decision.subject;
  p.request.expected_versions = std::move(decision.expected_versions);
  for (size_t i = 0; i < decision.events.size(); ++i) {
    if (auto* f = std::get_if<FindingRecorded>(&decision.events[i].payload)) p.taken.finding = id_number(f->finding_id);
    if (auto* e = std::get_if<EvidenceUploaded>(&decision.events[i].payload)) p.taken.evidence = id_number(e->evidence_id);
    NewEvent e{std::move(decision.events[i].stream), {}, options.occurred_at, actor,
               std::move(decision.events[i].payload)};
    if (options.idempotency_key) e.id = idempotent_event_id(actor, *options.idempotency_key, i);
    p.request.events.push_back(std::move(e));
  }
  findings_taken_ = std::max(findings_taken_, p.taken.finding);
  evidence_taken_ = std::max(evidence_taken_, p.taken.evidence);
  return p;
}

void CommandService::release_locked(const Taken& taken) {
  // A number given to a batch that failed is handed out again, unless a later decision took a
  // higher one already (then it stays a gap: rare, and harmless).
  if (taken.finding != 0 && findings_taken_ == taken.finding) --findings_taken_;
  if (taken.evidence != 0 && evidence_taken_ == taken.evidence) --evidence_taken_;
}

Status CommandService::fold_committed(const std::vector<Event>& events) {
  if (events.empty() || applied_seq_.load(std::memory_order_acquire) >= events.back().seq) {
    return catch_up();
  }
  std::unique_lock lock(mu_);
  if (applied_seq_ + 1 == events.front().seq) {
    for (const Event& e : events) evolve(state_, e);
    applied_seq_.store(events.back().seq, std::memory_order_release);
  }
  return catch_up_locked();
}

Result<CommandOutcome> CommandService::execute(const std::string& raw_actor, const Command& command,
                                               const CommandOptions& options) {
  const std::string actor = normalize_email(raw_actor);
  if (options.idempotency_key) {
    GAPLOG_RETURN_IF_ERROR(check_text("Idempotency-Key", *options.idempotency_key, 200, true, false));
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // Every attempt decides and queues its append under the lock, so batches enter the log in
    // the order they were decided (F-5 before F-6). The first attempt waits for the sync
    // outside the lock, so concurrent commands share syncs; ids it takes are reserved meanwhile,
    // so concurrent creations do not all pick the same next id. After a conflict the retry
    // holds the lock through its sync: no new decision can overtake it, so contention cannot
    // starve it.
    const bool exclusive = attempt > 0;
    std::unique_lock lock(mu_);
    GAPLOG_RETURN_IF_ERROR(catch_up_locked());
    if (options.idempotency_key) {
      GAPLOG_ASSIGN_OR_RETURN(auto replayed, replay(actor, *options.idempotency_key));
      if (replayed) return std::move(*replayed);
    }
    GAPLOG_ASSIGN_OR_RETURN(Prepared prepared, prepare_locked(actor, command, options));
    auto queued = log_.append_queued(std::move(prepared.request));
    if (!exclusive) lock.unlock();
    auto appended = queued->wait();
    if (!appended) {
      if (!lock.owns_lock()) lock.lock();
      release_locked(prepared.taken);
      if (appended.status().code() == Code::kVersionConflict) continue;  // decide again
      return appended.status();
    }
    // Fold the committed events in before answering. The writers of one group commit wake
    // together: the first to get here folds the whole group, the others find the state caught
    // up without queueing for the lock.
    if (lock.owns_lock()) lock.unlock();
    GAPLOG_RETURN_IF_ERROR(fold_committed(appended->events));
    return CommandOutcome{std::move(appended->events), appended->replayed, prepared.subject};
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
    std::unique_lock lock(mu_, kQuickWait);
    if (lock.owns_lock() && applied_seq_.load(std::memory_order_acquire) >= log_.last_seq()) {
      auto prepared = prepare_locked(normalize_email(raw_actor), command, options);
      if (!prepared) {
        now = Result<CommandOutcome>(prepared.status());
      } else {
        const Taken taken = prepared->taken;
        try {
          // Queued under the lock: batches enter the log in the order they were decided.
          log_.append_async(
              std::move(prepared->request),
              [this, taken, subject = prepared->subject, answer](Result<AppendResult> appended) {
                if (!appended) {
                  {
                    std::unique_lock relock(mu_);
                    release_locked(taken);
                  }
                  // A concurrent writer got there first: nothing was written; decide again, the
                  // blocking way (which retries under the lock).
                  if (appended.status().code() == Code::kVersionConflict) return (*answer)(std::nullopt);
                  return (*answer)(Result<CommandOutcome>(appended.status()));
                }
                if (Status folded = fold_committed(appended->events); !folded.is_ok()) {
                  return (*answer)(Result<CommandOutcome>(folded));
                }
                (*answer)(CommandOutcome{std::move(appended->events), appended->replayed, subject});
              });
          return;
        } catch (...) {
          release_locked(taken);  // not queued
          throw;
        }
      }
    }
  } catch (const std::exception&) {
    now.reset();  // execute() decides it again, and reports the error
  }
  (*answer)(std::move(now));
}

}  // namespace gaplog
