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

// Adds to `refusals` (those of the decisions, in the order of the ids) each finding whose last
// event happened after `occurred_at`, keeping the order of the ids: a back-fill cannot follow it
// in its stream (SPEC §2).
Status name_backfills_out_of_order(const EventLog& log, const std::vector<std::string>& ids,
                                   Micros occurred_at, std::vector<BulkRefusal>& refusals) {
  std::vector<BulkRefusal> merged;
  size_t next = 0;
  for (const std::string& id : ids) {
    if (next < refusals.size() && refusals[next].id == id) {
      merged.push_back(std::move(refusals[next++]));
      continue;
    }
    const std::string stream = finding_stream(id);
    GAPLOG_ASSIGN_OR_RETURN(const uint32_t version, log.stream_version(stream));
    if (version == 0) continue;
    GAPLOG_ASSIGN_OR_RETURN(const std::vector<Event> last, log.read_stream(stream, version));
    if (last.empty() || last.back().occurred_at <= occurred_at) continue;
    merged.push_back(
        {id, rule_violation(fmt::format("occurred_at {} is earlier than the last event of {} ({}); "
                                        "back-fill a finding in the order its events happened",
                                        format_timestamp(occurred_at), id.substr(0, 40),
                                        format_timestamp(last.back().occurred_at)))});
  }
  refusals = std::move(merged);
  return Status::ok();
}

}  // namespace

Result<BulkOutcome> apply_bulk(CommandService& service, const EventLog& log,
                               const std::string& actor, const std::vector<std::string>& ids,
                               const BulkAction& action, const CommandOptions& options) {
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
  // A back-fill must also come after the last event of each finding (SPEC §2). The log checks
  // that only when appending, and names the first stream that breaks it: each such finding is
  // named here instead, with any other refusal. (Should a stream move on meanwhile, the log's
  // refusal stands as it is.)
  const bool log_refused =
      !outcome && out.refusals.empty() && outcome.status().code() == Code::kRuleViolation;
  if (options.occurred_at && (log_refused || !out.refusals.empty())) {
    GAPLOG_RETURN_IF_ERROR(
        name_backfills_out_of_order(log, ids, *options.occurred_at, out.refusals));
  }
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
