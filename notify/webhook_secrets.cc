#include "notify/webhook_secrets.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace gaplog {

std::string webhook_secrets_dir(const std::string& data_dir) {
  return data_dir + "/webhook-secrets";
}

Result<WebhookSecrets> WebhookSecrets::open(FileSystem& fs, const std::string& dir) {
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir));
  // Only gaplog's own user may list it, whatever the umask (the files are 0600 too).
  std::error_code ec;
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return io_error(fmt::format("cannot make {} private: {}", dir, ec.message()));
  return WebhookSecrets(fs, dir);
}

std::string WebhookSecrets::path(const std::string& webhook_id) const {
  return dir_ + "/" + webhook_id;
}

namespace {
// Ids are made by gaplog (wh_ and hex); anything else must not become a path.
Status check_id(const std::string& id) {
  const bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  return ok ? Status::ok() : invalid_argument("a webhook id is wh_ and 16 lowercase hex digits");
}
}  // namespace

Status WebhookSecrets::put(const std::string& webhook_id, const std::string& secret) {
  GAPLOG_RETURN_IF_ERROR(check_id(webhook_id));
  return write_file_atomically(*fs_, path(webhook_id), secret, 0600);
}

Status WebhookSecrets::remove(const std::string& webhook_id) {
  GAPLOG_RETURN_IF_ERROR(check_id(webhook_id));
  GAPLOG_ASSIGN_OR_RETURN(bool present, fs_->exists(path(webhook_id)));
  if (!present) return Status::ok();
  GAPLOG_RETURN_IF_ERROR(fs_->remove(path(webhook_id)));
  return fs_->sync_dir(dir_);
}

Result<std::string> WebhookSecrets::get(const std::string& webhook_id) const {
  GAPLOG_RETURN_IF_ERROR(check_id(webhook_id));
  GAPLOG_ASSIGN_OR_RETURN(bool present, fs_->exists(path(webhook_id)));
  if (!present) {
    return not_found(fmt::format(
        "webhook {} has no signing secret in this data directory; remove it and add it again",
        webhook_id));
  }
  return read_whole_file(*fs_, path(webhook_id));
}

}  // namespace gaplog
