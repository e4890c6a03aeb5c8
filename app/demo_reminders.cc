#include "app/demo_reminders.h"

#include <algorithm>
#include <map>
#include <set>

#include "projections/notification_ids.h"
#include "projections/reminders.h"

namespace gaplog {
namespace {

constexpr Micros kPassHour = Micros{8} * 3600 * kMicrosPerSecond;  // the default --reminder-hour
constexpr Micros kAfterAssignment = 60 * kMicrosPerSecond;

struct Sent {
  Micros at;
  RecordNotification command;
};

// When what a notification names came to be: it cannot have been sent before that.
Micros named_since(const ProgramState& s, const PlannedNotification& n) {
  Micros t = 0;
  if (const UserState* u = s.user(n.recipient)) t = std::max(t, u->added_at);
  if (const FindingState* f = s.finding(n.subject)) t = std::max(t, f->recorded_at);
  if (const EvidenceState* e = s.evidence_item(n.subject)) t = std::max(t, e->uploaded_at);
  return t;
}

void add(std::vector<Sent>& out, const ProgramState& s, Micros at,
         const std::vector<PlannedNotification>& planned) {
  for (const PlannedNotification& n : planned) {
    const std::string kind(name(n.kind)), day = format_date(n.day);
    // The day's state holds the whole day; a person added after 08:00 hears of it after.
    const Micros sent_at = std::max(at, named_since(s, n) + kAfterAssignment);
    out.push_back(
        {sent_at, RecordNotification{kind, n.recipient, n.subject, day,
                                     mail_message_id(kind, n.subject, n.recipient, day, "")}});
  }
}

}  // namespace

Status backfill_demo_reminders(CommandService& service, ProgramHistory& history, EventLog& log,
                               Micros now) {
  GAPLOG_ASSIGN_OR_RETURN(std::optional<Date> first, history.first_event_date());
  if (!first) return Status::ok();
  const Date today = date_of(now);
  std::vector<Sent> sent;
  std::map<int32_t, ProgramState> states;  // as of each past day
  for (Date d = *first; d < today; d = Date{d.days + 1}) {
    GAPLOG_ASSIGN_OR_RETURN(ProgramState s, history.state_at(AsOf{d, std::nullopt}));
    add(sent, s, static_cast<Micros>(d.days) * kMicrosPerDay + kPassHour,
        plan_notifications(s, daily_firings(s, d), /*email=*/true));
    states.emplace(d.days, std::move(s));
  }
  GAPLOG_ASSIGN_OR_RETURN(std::vector<Event> events, log.read_range(1, log.last_seq()));
  for (const Event& e : events) {
    auto s = states.find(date_of(e.occurred_at).days);
    if (s == states.end()) continue;
    if (auto f = assigned_firing(s->second, e)) {
      add(sent, s->second, e.occurred_at + kAfterAssignment,
          plan_notifications(s->second, {*f}, true));
    }
  }
  std::stable_sort(sent.begin(), sent.end(),
                   [](const Sent& a, const Sent& b) { return a.at < b.at; });
  // A firing once (two assignments of one finding to one person on one day are one firing).
  std::set<std::string> keys;
  std::erase_if(sent, [&](const Sent& x) {
    const RecordNotification& c = x.command;
    return !keys.insert(notification_key(c.kind, c.subject, c.recipient, c.day)).second;
  });
  // One batch per moment: the notifications stream's times never go back.
  for (size_t i = 0; i < sent.size();) {
    size_t j = i;
    std::vector<Command> batch;
    while (j < sent.size() && sent[j].at == sent[i].at) batch.emplace_back(sent[j++].command);
    CommandOptions o;
    o.occurred_at = sent[i].at;
    GAPLOG_RETURN_IF_ERROR(
        service.execute_batch(std::string(kSystemActor), batch, false, nullptr, o).status());
    i = j;
  }
  return Status::ok();
}

}  // namespace gaplog
