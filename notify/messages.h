// What each reminder says (SPEC §11; examples in docs/reminders.md): the e-mail (subject, text and
// HTML parts, a link to the dashboard) and the webhook's JSON body, and the message id that a
// firing keeps whatever the retries and restarts. Pure: everything comes from the arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/readiness.h"
#include "domain/state.h"
#include "projections/reminders.h"

namespace gaplog {

// The program's week, for the digests of admins and editors: readiness now and 7 days before,
// the overdue count, and what changed in the 7 days up to the digest's day.
struct ProgramWeek {
  ReadinessCount readiness, readiness_week_before;
  int overdue = 0, unresolved = 0;
  int recorded = 0, closed = 0, remediated = 0, accepted = 0, reopened = 0, evidence = 0;
};

struct MessageContext {
  std::string public_url;               // links: {public_url}/findings/F-3
  std::string program_name;             // "" = "your SOC 2 program"
  const ProgramState* state = nullptr;  // as of the firing's day
  const ProgramWeek* week = nullptr;    // for digests; null: the week is left out
};

struct MailContent {
  std::string subject, text, html;
};

// The e-mail of one notification to one person (recipient is an e-mail address).
MailContent render_mail(const PlannedNotification& n, const MessageContext& ctx);

// The webhook's JSON body: {"type": kind, "id": message id, "occurred_at": RFC 3339, "data": {…}}
// with the subject's details, the people the rule addresses, and the link.
std::string render_webhook_body(const PlannedNotification& n,
                                const std::vector<std::string>& people,
                                const std::string& message_id, Micros occurred_at,
                                const MessageContext& ctx);

// The stable ids of a firing (projections/notification_ids.h), for a planned notification.
std::string mail_message_id(const PlannedNotification& n, const std::string& public_url);
std::string webhook_message_id(const PlannedNotification& n);

}  // namespace gaplog
