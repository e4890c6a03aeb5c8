// Backups while serving (SPEC §14, docs/backups.md): POST /admin/backups takes one now,
// GET /admin/backups says how they stand. Admins only: a backup holds the signing key.
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/time.h"
#include "store/sha256.h"

namespace gaplog {
namespace {

using json::Value;

Status require_admin_for(const Call& call, std::string_view what) {
  if (call.role == Role::kAdmin) return Status::ok();
  return permission_denied(
      fmt::format("{} is for admins; {} is {}", what, call.actor, name(call.role)));
}

Result<Backups*> backups_of(const Call& call) {
  if (call.backend.backups != nullptr && !call.backend.backups->settings().dir.empty()) {
    return call.backend.backups;
  }
  return invalid_argument(
      "this server takes no backups: start it with --backup-dir DIR (and --backup-every 6h for "
      "a schedule), or back up a stopped data directory with gaplog backup --to DIR");
}

Value summary_json(const BackupSummary& s) {
  Value v = Value::object()
                .set("id", Value::integer(s.id))
                .set("created_at", Value::string(format_timestamp(s.created_at)))
                .set("tree_size", Value::integer(static_cast<int64_t>(s.tree_head.tree_size)))
                .set("root_hash", Value::string(hash_hex(s.tree_head.root)))
                .set("tree_head_timestamp", Value::string(format_timestamp(s.tree_head.timestamp)))
                .set("evidence_files", Value::integer(static_cast<int64_t>(s.evidence_files)))
                .set("bytes", Value::integer(static_cast<int64_t>(s.bytes)));
  if (s.bytes_copied > 0) {
    v.set("bytes_copied", Value::integer(static_cast<int64_t>(s.bytes_copied)));
  }
  return v;
}

Value outcome_json(const std::optional<BackupOutcome>& o, Micros now) {
  if (!o) return Value::null();
  Value v = Value::object().set("at", Value::string(format_timestamp(o->finished_at)));
  if (o->ok) {
    v.set("tree_size", Value::integer(static_cast<int64_t>(o->tree_size)))
        .set("age_seconds", Value::integer((now - o->finished_at) / kMicrosPerSecond));
  } else {
    v.set("error", Value::string(o->error));
  }
  return v;
}

}  // namespace

Result<ApiResponse> post_backup(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin_for(call, "taking a backup"));
  GAPLOG_ASSIGN_OR_RETURN(Backups * backups, backups_of(call));
  GAPLOG_ASSIGN_OR_RETURN(BackupSummary done, backups->run_now());
  return json_response(201, summary_json(done));
}

Result<ApiResponse> get_backups(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin_for(call, "the backups' status"));
  GAPLOG_ASSIGN_OR_RETURN(Backups * backups, backups_of(call));
  const BackupSettings& settings = backups->settings();
  const Backups::Report report = backups->report();
  const Micros now = call.backend.clock.now();
  Value list = Value::array();
  Value v = Value::object()
                .set("backup_dir", Value::string(settings.dir))
                .set("every_seconds", settings.every > 0
                                          ? Value::integer(settings.every / kMicrosPerSecond)
                                          : Value::null())
                .set("keep", settings.keep > 0 ? Value::integer(static_cast<int64_t>(settings.keep))
                                               : Value::null())
                .set("running", Value::boolean(report.running))
                .set("last_good", outcome_json(report.last_good, now))
                .set("last_failure", outcome_json(report.last_failure, now));
  Result<std::vector<BackupSummary>> all = backups->list();
  if (all) {
    for (const BackupSummary& s : *all) list.push(summary_json(s));
  } else if (all.status().code() != Code::kInvalidArgument) {  // not a backup directory yet
    v.set("problem", Value::string(all.status().message()));
  }
  v.set("backups", std::move(list));
  return json_response(200, v);
}

}  // namespace gaplog
