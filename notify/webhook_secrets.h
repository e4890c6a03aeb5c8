// The signing secrets of webhooks (SPEC §11): one file per webhook, <data>/webhook-secrets/<id>,
// mode 0600, written durably before the webhook_added event. Not in the event log: the log goes
// to the CPA firm in the audit bundle, and HMAC needs the secret itself (not a hash of it), like
// the program's signing key. Backups must treat this directory as they treat signing.key.
//
// Thread-safe: every call goes to the file system; a secret is written once and never changed.
#pragma once

#include <string>

#include "domain/status.h"
#include "store/file_system.h"

namespace gaplog {

class WebhookSecrets {
 public:
  // `fs` is borrowed. Creates the directory (0700) when missing.
  static Result<WebhookSecrets> open(FileSystem& fs, const std::string& dir);
  Status put(const std::string& webhook_id, const std::string& secret);
  // kNotFound when the webhook has no secret here (added from another data directory's copy).
  Result<std::string> get(const std::string& webhook_id) const;
  // Forgets a secret (its webhook was refused or removed); OK when there is none.
  Status remove(const std::string& webhook_id);

 private:
  WebhookSecrets(FileSystem& fs, std::string dir) : fs_(&fs), dir_(std::move(dir)) {}
  std::string path(const std::string& webhook_id) const;
  FileSystem* fs_;
  std::string dir_;
};

// <data>/webhook-secrets
std::string webhook_secrets_dir(const std::string& data_dir);

}  // namespace gaplog
