#include "api/served_program.h"

#include <fmt/format.h>

#include "domain/validation.h"

namespace gaplog {

std::string session_dir(const std::string& dir) { return dir + "/sessions"; }

Status check_public_url(std::string_view url) {
  if (!(url.starts_with("https://") || url.starts_with("http://")) || url.ends_with("/") ||
      url.find('/', url.find("://") + 3) != std::string_view::npos) {
    return invalid_argument(fmt::format(
        "--public-url {} must be the scheme, host and port people use to reach gaplog, with "
        "no path, like https://gaplog.acme.example",
        quoted_excerpt(url)));
  }
  return Status::ok();
}

Result<std::unique_ptr<ServedProgram>> ServedProgram::open(
    FileSystem& fs, Clock& clock, const std::string& dir, ApiOptions options,
    ReminderOptions reminders, BackupSettings backups, LogObservers log_observers) {
  std::unique_ptr<ServedProgram> p(new ServedProgram());
  if (options.oidc) {
    GAPLOG_RETURN_IF_ERROR(check_outbound_url(options.oidc->issuer));
    GAPLOG_RETURN_IF_ERROR(check_public_url(options.public_url));
  }
  GAPLOG_ASSIGN_OR_RETURN(p->program_, Program::open(fs, clock, dir, options.max_evidence_bytes,
                                                     std::move(log_observers)));
  GAPLOG_ASSIGN_OR_RETURN(p->sessions_,
                          SessionStore::open(session_dir(dir), clock, options.sessions));
  p->pending_ = std::make_unique<PendingLogins>(clock);
  p->https_ = make_https_client(options.https);
  if (options.oidc) {
    p->oidc_ = std::make_unique<OidcClient>(*options.oidc, *p->https_, clock);
  }
  reminders.public_url = options.public_url;
  if (!reminders.log) reminders.log = options.log;
  GAPLOG_ASSIGN_OR_RETURN(
      p->reminders_, Reminders::open(dir, fs, clock, p->program_->log(), p->program_->service(),
                                     p->program_->history(), *p->https_, std::move(reminders)));
  if (!backups.log) backups.log = options.log;
  p->backups_ = std::make_unique<Backups>(fs, clock, p->program_->store(), dir, std::move(backups));
  p->api_ = std::make_unique<Api>(p->program_->store(), p->program_->service(),
                                  p->program_->history(), clock,
                                  ApiParts{p->sessions_.get(), p->pending_.get(), p->oidc_.get(),
                                           p->reminders_.get(), p->backups_.get()},
                                  std::move(options));
  return p;
}

ServedProgram::~ServedProgram() {
  // The reminders' thread writes through the command service, and a backup reads the log: they
  // end first.
  if (backups_) backups_->stop();
  if (reminders_) reminders_->stop();
  // The log's commit thread may still be answering writes through the Api, which is destroyed
  // before the program.
  if (program_) program_->wait_for_async_appends();
}

}  // namespace gaplog
