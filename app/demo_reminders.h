// The reminders of the demo program's six months (SPEC §11): what gaplog would have sent on
// each past day, recorded as notification_sent events back-filled to the time they went out
// (08:00 UTC for a day's pass, a minute after an assignment), as if an SMTP relay had been
// configured all along, so the dashboard shows them. Nothing is sent.
#pragma once

#include "app/command_service.h"
#include "projections/program_history.h"

namespace gaplog {

// For every day from the program's first event to the day before `now`.
Status backfill_demo_reminders(CommandService& service, ProgramHistory& history, EventLog& log,
                               Micros now);

}  // namespace gaplog
