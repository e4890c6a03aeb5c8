// A program opened from its data directory with the Api in front of it: what `gaplog serve` and
// the embedded CLI run, with the sign-in parts the Api borrows (sessions in <dir>/sessions/). The
// Program (app/program.h) knows nothing of the API; this is where the two are put together.
//
// Not copyable; members are safe to use from many threads as their own headers say.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "app/program.h"

namespace gaplog {

class ServedProgram {
 public:
  // `fs` and `clock` are borrowed and must outlive the program.
  // Reminders (SPEC §11) use `reminders` with the public URL of `options`; their thread runs
  // only after start_reminders() (the server), so the embedded CLI delivers on its own thread.
  // `log_observers` watch the event log's latencies (store/event_log.h; the server's metrics).
  static Result<std::unique_ptr<ServedProgram>> open(
      FileSystem& fs, Clock& clock, const std::string& dir, ApiOptions options = {},
      ReminderOptions reminders = {}, BackupSettings backups = {}, LogObservers log_observers = {});
  ~ServedProgram();

  Status save_checkpoint() { return program_->save_checkpoint(); }

  Program& program() { return *program_; }
  Store& store() { return program_->store(); }
  EventLog& log() { return program_->log(); }
  CommandService& service() { return program_->service(); }
  ProgramHistory& history() { return program_->history(); }
  Api& api() { return *api_; }
  SessionStore& sessions() { return *sessions_; }
  Reminders& reminders() { return *reminders_; }
  void start_reminders() { reminders_->start(); }
  Backups& backups() { return *backups_; }
  // The backup schedule (settings.every), for the server; the embedded CLI takes none.
  void start_backups() { backups_->start(); }

 private:
  ServedProgram() = default;
  std::unique_ptr<Program> program_;
  // Sign-in (SPEC §10): the sessions (<dir>/sessions), the sign-ins under way, and the identity
  // provider when one is configured (options.oidc).
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<PendingLogins> pending_;
  std::unique_ptr<HttpsClient> https_;
  std::unique_ptr<OidcClient> oidc_;
  // Reminders: the outbox (<dir>/outbox), webhook secrets, channels and the server's thread.
  std::unique_ptr<Reminders> reminders_;
  // Backups (SPEC §14): on request and on a schedule, into settings.dir.
  std::unique_ptr<Backups> backups_;
  std::unique_ptr<Api> api_;
};

// <dir>/sessions: the session database (auth/session_store.h).
std::string session_dir(const std::string& dir);
// OK for an http(s) origin without a path (--public-url); a message saying what to fix otherwise.
Status check_public_url(std::string_view url);

}  // namespace gaplog
