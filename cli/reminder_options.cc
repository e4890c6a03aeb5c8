#include "cli/reminder_options.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iterator>

#include "domain/validation.h"

namespace gaplog {

void add_mail_options(CLI::App& command, MailOptions& o, bool hour) {
  command
      .add_option("--smtp-url", o.smtp_url,
                  "the SMTP relay reminders go through: smtp://HOST:PORT (STARTTLS when offered) "
                  "or smtps://HOST:PORT")
      ->type_name("URL");
  command.add_option("--smtp-user", o.smtp_user, "the relay's user name (with a password file)")
      ->type_name("USER");
  command
      .add_option("--smtp-password-file", o.smtp_password_file,
                  "a file holding the relay's password (keep it mode 0600)")
      ->type_name("FILE");
  command
      .add_option("--mail-from", o.mail_from, "the sender of reminders, e.g. gaplog@acme.example")
      ->type_name("ADDRESS");
  if (hour) {
    command
        .add_option("--reminder-hour", o.reminder_hour,
                    "the hour (UTC, 0-23) of the daily reminder pass (default 8)")
        ->type_name("HOUR")
        ->check(CLI::Range(0, 23));
  }
}

bool mail_options_given(const MailOptions& o) {
  return !o.smtp_url.empty() || !o.smtp_user.empty() || !o.smtp_password_file.empty() ||
         !o.mail_from.empty();
}

namespace {
Result<std::string> read_password(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    return invalid_argument(fmt::format("--smtp-password-file {} cannot be read", path));
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    return invalid_argument(
        fmt::format("--smtp-password-file {} is empty; put the SMTP relay's password in it", path));
  }
  return secret;
}
}  // namespace

Result<ReminderOptions> reminder_options(const MailOptions& o) {
  ReminderOptions r;
  r.reminder_hour = o.reminder_hour;
  if (o.smtp_url.empty()) {
    if (mail_options_given(o)) {
      return invalid_argument(
          "--smtp-user, --smtp-password-file and --mail-from go with --smtp-url (the relay)");
    }
    return r;
  }
  GAPLOG_RETURN_IF_ERROR(check_smtp_url(o.smtp_url));
  if (o.mail_from.empty()) {
    return invalid_argument("--smtp-url needs --mail-from ADDRESS: the sender reminders come from");
  }
  GAPLOG_RETURN_IF_ERROR(check_email("--mail-from", o.mail_from));
  // As the mailer will check it on every message: refused now rather than 24 hours of retries.
  MailMessage probe;
  probe.to = {o.mail_from};
  probe.subject = "probe";
  probe.message_id = "probe@gaplog.invalid";
  probe.date = kMicrosPerSecond;
  if (Result<std::vector<std::string>> lines = mail_header_lines(probe, o.mail_from); !lines) {
    return invalid_argument(fmt::format("--mail-from {} cannot be a sender: {}", o.mail_from,
                                        lines.status().message()));
  }
  if (o.smtp_user.empty() != o.smtp_password_file.empty()) {
    return invalid_argument("--smtp-user and --smtp-password-file go together");
  }
  SmtpOptions smtp;
  smtp.url = o.smtp_url;
  smtp.from = o.mail_from;
  smtp.user = o.smtp_user;
  if (!o.smtp_password_file.empty()) {
    GAPLOG_ASSIGN_OR_RETURN(smtp.password, read_password(o.smtp_password_file));
  }
  r.smtp = std::move(smtp);
  return r;
}

}  // namespace gaplog
