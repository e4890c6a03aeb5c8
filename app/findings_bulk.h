// A bulk action on findings (SPEC §12, POST /api/v1/findings/bulk): one command per finding,
// decided in one batch and appended all or nothing. Every rule of a single command applies to
// each finding (the caller's role, the §3 transitions, active owners); a finding that cannot take
// the action refuses the whole request, and every such finding is named. No JSON and no HTTP.
//
// Stateless; the CommandService is thread-safe.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "app/command_service.h"
#include "store/event_log.h"

namespace gaplog {

struct BulkAssign {
  std::string owner;  // "" = unassign
};
struct BulkDueDate {
  std::string due_date, reason;  // due_date "" = clear
};
struct BulkStatus {
  std::string status, reason;
};
using BulkAction = std::variant<BulkAssign, BulkDueDate, BulkStatus>;

struct BulkRefusal {
  std::string id;
  Status status;
};

struct BulkOutcome {
  std::vector<BulkRefusal> refusals;  // in the order of the ids; empty when it was applied
  CommandOutcome outcome;             // the events written (one per finding) when applied
};

// kInvalidArgument (nothing decided) for no ids, more than kMaxBulkFindings, or an id listed
// twice. Otherwise the outcome: refusals, or the events appended. `log` is the service's (read
// to name each finding a back-fill would put out of its stream's order).
Result<BulkOutcome> apply_bulk(CommandService& service, const EventLog& log,
                               const std::string& actor, const std::vector<std::string>& ids,
                               const BulkAction& action, const CommandOptions& options);

// The status a refused bulk request answers with: the refusals' code when they share one, else
// kRuleViolation; and the message naming every refused finding.
Status bulk_refusal_status(const std::vector<BulkRefusal>& refusals, size_t total);

}  // namespace gaplog
