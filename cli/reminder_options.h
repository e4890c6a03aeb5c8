// The reminder options of `serve` and `notify` (SPEC §11, docs/reminders.md): the SMTP relay,
// the sender, the hour of the daily pass, into the ReminderOptions of notify/reminders.h.
#pragma once

#include <string>

#include "notify/reminders.h"

namespace CLI {
class App;
}

namespace gaplog {

struct MailOptions {
  std::string smtp_url;            // "" = no e-mail
  std::string smtp_user;           // "" = no authentication
  std::string smtp_password_file;  // with --smtp-user
  std::string mail_from;           // required with --smtp-url
  int reminder_hour = 8;
};

// --smtp-url, --smtp-user, --smtp-password-file, --mail-from; with `hour`, --reminder-hour.
void add_mail_options(CLI::App& command, MailOptions& o, bool hour);
// True when any mail option was given.
bool mail_options_given(const MailOptions& o);

// The options checked and the password read from its file; a usage error saying what to fix.
Result<ReminderOptions> reminder_options(const MailOptions& o);

}  // namespace gaplog
