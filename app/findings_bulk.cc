#include "app/findings_bulk.h"

#include <fmt/format.h>

#include <set>

#include "domain/validation.h"

namespace gaplog {
namespace {

Command command_for(const std::string& id, const BulkAction& action) {
  return std::visit(
      [&](const auto& a) -> Command {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, BulkAssign>) {
          return AssignFinding{id, a.owner};
        } else if constexpr (std::is_same_v<A, BulkDueDate>) {
          return SetFindingDueDate{id, a.due_date, a.reason};
        } else {
          return ChangeFindingStatus{id, a.status, a.reason};
        }
      },
      action);
}

}  // namespace

Result<BulkOutcome> apply_bulk(CommandService& service, const std::string& actor,
                               const std::vector<std::string>& ids, const BulkAction& action,
                               const CommandOptions& options) {
  if (ids.empty()) return invalid_argument("ids must list at least one finding");
  if (ids.size() > kMaxBulkFindings) {
    return invalid_argument(fmt::format("ids lists {} findings; one bulk action takes at most {}",
                                        ids.size(), kMaxBulkFindings));
  }
  std::set<std::string> seen;
  std::vector<Command> commands;
  commands.reserve(ids.size());
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) {
      return invalid_argument(
          fmt::format("{} is listed twice in ids; list each finding once", id.substr(0, 40)));
    }
    commands.push_back(command_for(id, action));
  }
  std::vector<std::pair<size_t, Status>> refusals;
  Result<CommandOutcome> outcome =
      service.execute_batch(actor, commands, /*dry_run=*/false, &refusals, options);
  BulkOutcome out;
  for (auto& [index, status] : refusals) out.refusals.push_back({ids[index], std::move(status)});
  if (!out.refusals.empty()) return out;
  if (!outcome) return outcome.status();
  out.outcome = std::move(*outcome);
  return out;
}

Status bulk_refusal_status(const std::vector<BulkRefusal>& refusals, size_t total) {
  Code code = refusals.front().status.code();
  for (const BulkRefusal& r : refusals) {
    if (r.status.code() != code) code = Code::kRuleViolation;
  }
  std::string names;
  for (const BulkRefusal& r : refusals) {
    if (!names.empty()) names += "; ";
    names += fmt::format("{}: {}", r.id.substr(0, 40), r.status.message());
  }
  return Status(code, fmt::format("{} of {} findings cannot take this action, so none was changed. "
                                  "{}",
                                  refusals.size(), total, names));
}

}  // namespace gaplog
