#include "server/command_service.h"

#include <fmt/format.h>

#include <mutex>

#include "domain/validation.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

// How often a decision is retried when concurrent writers keep changing its streams.
constexpr int kMaxAttempts = 16;

}  // namespace

Result<std::unique_ptr<CommandService>> CommandService::open(EventLog& log, Clock& clock) {
  std::unique_ptr<CommandService> service(new CommandService(log, clock));
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
  std::unique_lock lock(mu_);
  return catch_up_locked();
}

Status CommandService::catch_up_locked() {
  while (state_.last_seq < log_.last_seq()) {
    GAPLOG_ASSIGN_OR_RETURN(auto events, log_.read_range(state_.last_seq + 1, 4096));
    if (events.empty()) break;
    for (const Event& e : events) evolve(state_, e);
  }
  return Status::ok();
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

Result<CommandOutcome> CommandService::execute(const std::string& raw_actor, const Command& command,
                                               const CommandOptions& options) {
  const std::string actor = normalize_email(raw_actor);
  if (options.idempotency_key) {
    GAPLOG_RETURN_IF_ERROR(check_text("Idempotency-Key", *options.idempotency_key, 200, true, false));
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // The first attempt decides under the lock and appends outside it, so concurrent commands
    // share syncs. After a conflict the retry holds the lock through its append: no new
    // decision can overtake it, so contention (e.g. everyone recording F-n) cannot starve it.
    const bool exclusive = attempt > 0;
    AppendRequest request;
    std::string subject;
    std::unique_lock lock(mu_);
    GAPLOG_RETURN_IF_ERROR(catch_up_locked());
    if (options.idempotency_key) {
      GAPLOG_ASSIGN_OR_RETURN(auto replayed, replay(actor, *options.idempotency_key));
      if (replayed) return std::move(*replayed);
    }
    const CommandContext ctx{actor, clock_.now(), options.occurred_at};
    GAPLOG_ASSIGN_OR_RETURN(Decision decision, decide(state_, ctx, command));
    if (options.if_match && !decision.expected_versions.empty() &&
        decision.expected_versions.front().second != *options.if_match) {
      return version_conflict(fmt::format(
          "{} is at version {}, not {}: it changed since you read it; read it again and retry",
          decision.subject, decision.expected_versions.front().second, *options.if_match));
    }
    subject = decision.subject;
    request.expected_versions = std::move(decision.expected_versions);
    for (size_t i = 0; i < decision.events.size(); ++i) {
      NewEvent e{std::move(decision.events[i].stream), {}, options.occurred_at, actor,
                 std::move(decision.events[i].payload)};
      if (options.idempotency_key) e.id = idempotent_event_id(actor, *options.idempotency_key, i);
      request.events.push_back(std::move(e));
    }
    if (!exclusive) lock.unlock();
    auto appended = log_.append(std::move(request));
    if (!appended) {
      if (appended.status().code() == Code::kVersionConflict) continue;  // decide again
      return appended.status();
    }
    if (!lock.owns_lock()) lock.lock();
    GAPLOG_RETURN_IF_ERROR(catch_up_locked());
    return CommandOutcome{std::move(appended->events), appended->replayed, subject};
  }
  return unavailable("the program changed under this command too many times in a row; retry");
}

}  // namespace gaplog
