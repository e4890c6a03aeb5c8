// Mail of reminders (SPEC §11) through an SMTP relay, spoken by libcurl: gaplog writes neither
// SMTP nor MIME itself (curl's mime API builds the message; this file only writes the headers).
//
// - smtp://host[:port]: STARTTLS when the server offers it. With a user name, to a host that is
//   not loopback, STARTTLS is required (the password never crosses the network in the clear).
// - smtps://host[:port]: TLS from the first byte (implicit TLS, usually port 465).
// - TLS 1.2 at least; the server's certificate and host name are verified against the system's
//   CA store, or `ca_file` when given. No proxy: the relay is reached directly.
//
// A message is multipart/mixed holding one multipart/alternative part (curl's mime root is
// always mixed), whose text/plain and text/html parts are UTF-8, quoted-printable.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"

namespace gaplog {

struct SmtpOptions {
  // smtp://host[:port] (STARTTLS when offered) or smtps://host[:port] (implicit TLS)
  std::string url;
  std::string user;      // "" = no authentication
  std::string password;  // never logged, never in an error message
  std::string from;      // the envelope and From: address (--mail-from)
  std::string ca_file;   // PEM; "" = system CA store
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{60000};
};

struct MailMessage {
  std::vector<std::string> to;  // recipients' addresses
  std::string subject;          // UTF-8; encode as RFC 2047 when not ASCII
  std::string text, html;  // both parts, multipart/alternative, UTF-8 (quoted-printable or base64)
  std::string message_id;  // without angle brackets, e.g. "due_soon.F-3.2026-12-07.abc@gaplog";
                           // sent as Message-ID: <...>
  Micros date = 0;         // the Date: header (RFC 5322 date from this UTC instant)
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g.
                                                             // {"X-Gaplog-Kind","due_soon"}
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Sends one message. OK when the server accepted it for every recipient. Errors: kUnavailable
  // (cannot connect, dropped, timed out, 4xx, TLS failure), kInvalidArgument (5xx permanent
  // refusal, bad address); the message says what happened, never the password. Thread-safe.
  //
  // Refused with kInvalidArgument before connecting: no recipient; an address that is not
  // printable ASCII local@domain without spaces, commas or angle brackets; a CR or LF in the
  // subject, message_id or a header; a header name that is not printable ASCII without ':'; a
  // message_id with '<', '>' or spaces; date <= 0 (unset).
  virtual Status send(const MailMessage& message) = 0;
};

// Each send() uses its own connection; the Mailer keeps only the options. A URL that
// check_smtp_url refuses makes every send() fail with that kInvalidArgument.
std::unique_ptr<Mailer> make_smtp_mailer(SmtpOptions options);

// OK for smtp://host[:port] or smtps://host[:port] (libcurl's URL parser, no path/user/query); a
// kInvalidArgument saying what to fix otherwise.
Status check_smtp_url(std::string_view url);

// Whether STARTTLS is required rather than only used when offered: an smtp:// URL, with
// authentication, to a host that is not loopback (127.0.0.0/8, ::1, localhost). Meaningful for a
// URL check_smtp_url accepts.
bool smtp_requires_starttls(const SmtpOptions& options);

// The header lines of `message` (Date, From, To, Subject, Message-ID, then its extra headers),
// each without its CRLF, a non-ASCII subject as RFC 2047 encoded words; or the kInvalidArgument
// send() would return for it. Exposed for tests.
Result<std::vector<std::string>> mail_header_lines(const MailMessage& message,
                                                   std::string_view from);

// RFC 5322 date-time in UTC: "Mon, 07 Dec 2026 09:00:00 +0000".
std::string rfc5322_date(Micros instant);

}  // namespace gaplog
