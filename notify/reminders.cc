#include "notify/reminders.h"

#include <fmt/format.h>

#include <iostream>
#include <map>

#include "codec/json.h"
#include "notify/messages.h"
#include "projections/notification_ids.h"

namespace gaplog {

std::string outbox_dir(const std::string& data_dir) { return data_dir + "/outbox"; }

namespace {

using json::Value;

constexpr size_t kAssignmentScanBatch = 1000;
constexpr Micros kKeepDeliveries = 90 * kMicrosPerDay;

std::string field(const Value& v, std::string_view name) {
  const Value* f = v.find(name);
  return f && f->is_string() ? f->as_string() : std::string();
}

// Mail: the outbox holds {"to": [...], "subject", "text", "html"} rendered when queued.
class MailChannel final : public Channel {
 public:
  MailChannel(Mailer& mailer, CommandService& commands) : mailer_(mailer), commands_(commands) {}
  Status deliver(const Delivery& d, Micros /*now*/) override {
    // Deactivated or turned e-mail off since it was queued: not sent (and, after the retries,
    // given up with this reason).
    GAPLOG_ASSIGN_OR_RETURN(bool wanted, commands_.read([&](const ProgramState& s) {
      const UserState* u = s.user(d.recipient);
      return u != nullptr && u->active && u->email_reminders &&
             (d.kind != name(NotificationKind::kWeeklyDigest) || u->digest);
    }));
    if (!wanted) {
      return unavailable(fmt::format(
          "{} is deactivated or turned these reminders off since it was queued; not sent",
          d.recipient));
    }
    GAPLOG_ASSIGN_OR_RETURN(Value m, json::parse(d.message));
    MailMessage mail;
    if (const Value* to = m.find("to"); to && to->is_array()) {
      for (const Value& a : to->items()) {
        if (a.is_string()) mail.to.push_back(a.as_string());
      }
    }
    mail.subject = field(m, "subject");
    mail.text = field(m, "text");
    mail.html = field(m, "html");
    mail.message_id = d.message_id;
    mail.date = d.enqueued_at;
    mail.headers = {{"X-Gaplog-Kind", d.kind}};
    return mailer_.send(mail);
  }

 private:
  Mailer& mailer_;
  CommandService& commands_;
};

// Webhooks: the outbox holds {"webhook": id, "url", "body"}; the secret is read at delivery and
// a webhook removed since is not called.
class WebhookChannel final : public Channel {
 public:
  WebhookChannel(WebhookSender& sender, WebhookSecrets& secrets, CommandService& commands)
      : sender_(sender), secrets_(secrets), commands_(commands) {}
  Status deliver(const Delivery& d, Micros now) override {
    GAPLOG_ASSIGN_OR_RETURN(Value m, json::parse(d.message));
    const std::string id = field(m, "webhook");
    GAPLOG_ASSIGN_OR_RETURN(bool removed, commands_.read([&](const ProgramState& s) {
      auto it = s.webhooks.find(id);
      return it == s.webhooks.end() || it->second.removed;
    }));
    if (removed) return unavailable(fmt::format("webhook {} was removed", id));
    GAPLOG_ASSIGN_OR_RETURN(std::string secret, secrets_.get(id));
    return sender_.deliver(WebhookDelivery{field(m, "url"), secret, d.message_id, field(m, "body"),
                                           now / kMicrosPerSecond});
  }

 private:
  WebhookSender& sender_;
  WebhookSecrets& secrets_;
  CommandService& commands_;
};

// The program's week up to the end of day d.
Result<ProgramWeek> program_week(ProgramHistory& history, EventLog& log, const ProgramState& s,
                                 Date d) {
  ProgramWeek w;
  GAPLOG_ASSIGN_OR_RETURN(Readiness now, history.readiness(AsOf{d, std::nullopt}));
  GAPLOG_ASSIGN_OR_RETURN(Readiness before,
                          history.readiness(AsOf{Date{d.days - 7}, std::nullopt}));
  w.readiness = now.overall;
  w.readiness_week_before = before.overall;
  const UnresolvedCounts u = unresolved_at(s, d);
  w.unresolved = u.critical + u.high + u.medium + u.low;
  w.overdue = u.overdue;
  GAPLOG_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs,
                          log.seqs_by_occurred_at(end_of_day(Date{d.days - 7}), end_of_day(d)));
  for (uint64_t seq : seqs) {
    GAPLOG_ASSIGN_OR_RETURN(Event e, log.read(seq));
    if (std::holds_alternative<FindingRecorded>(e.payload)) ++w.recorded;
    if (std::holds_alternative<RiskAccepted>(e.payload)) ++w.accepted;
    if (std::holds_alternative<EvidenceUploaded>(e.payload)) ++w.evidence;
    if (const auto* c = std::get_if<FindingStatusChanged>(&e.payload)) {
      if (c->to == FindingStatus::kRemediated) ++w.remediated;
      if (c->to == FindingStatus::kClosed) ++w.closed;
      if (c->to == FindingStatus::kOpen && c->from != FindingStatus::kInProgress) ++w.reopened;
    }
  }
  return w;
}

// The people a firing addresses, by (kind, subject): a webhook's body lists them.
std::map<std::pair<NotificationKind, std::string>, std::vector<std::string>> people_of(
    const std::vector<RuleFiring>& firings) {
  std::map<std::pair<NotificationKind, std::string>, std::vector<std::string>> out;
  for (const RuleFiring& f : firings) out[{f.kind, f.subject}] = f.people;
  return out;
}

}  // namespace

Reminders::Reminders(Clock& clock, EventLog& log, CommandService& commands, ProgramHistory& history,
                     WebhookSecrets secrets, ReminderOptions options)
    : clock_(clock),
      log_(log),
      commands_(commands),
      history_(history),
      secrets_(std::move(secrets)),
      options_(std::move(options)) {}

Reminders::~Reminders() { stop(); }

Result<std::unique_ptr<Reminders>> Reminders::open(const std::string& data_dir, FileSystem& fs,
                                                   Clock& clock, EventLog& log,
                                                   CommandService& commands,
                                                   ProgramHistory& history, HttpsClient& https,
                                                   ReminderOptions options) {
  GAPLOG_ASSIGN_OR_RETURN(WebhookSecrets secrets,
                          WebhookSecrets::open(fs, webhook_secrets_dir(data_dir)));
  std::unique_ptr<Reminders> r(
      new Reminders(clock, log, commands, history, std::move(secrets), std::move(options)));
  GAPLOG_ASSIGN_OR_RETURN(r->outbox_, Outbox::open(outbox_dir(data_dir)));
  if (r->options_.smtp) {
    GAPLOG_RETURN_IF_ERROR(check_smtp_url(r->options_.smtp->url));
    r->mailer_ = make_smtp_mailer(*r->options_.smtp);
    r->mail_channel_ = std::make_unique<MailChannel>(*r->mailer_, r->commands_);
  }
  r->webhook_sender_ = make_webhook_sender(https);
  r->webhook_channel_ =
      std::make_unique<WebhookChannel>(*r->webhook_sender_, r->secrets_, r->commands_);
  Reminders* self = r.get();
  r->dispatcher_ = std::make_unique<Dispatcher>(
      *r->outbox_, clock, r->mail_channel_.get(), r->webhook_channel_.get(),
      [self](const Delivery& d) { return self->record(d); }, r->options_.retry,
      r->options_.on_delivery_attempt);
  return r;
}

void Reminders::say(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << line << std::endl;
  }
}

bool Reminders::any_channel(const ProgramState& s) const {
  return mailer_ != nullptr || s.active_webhooks() > 0;
}

Status Reminders::record(const Delivery& d) {
  CommandOptions o;
  o.idempotency_key = "notification:" + firing_digest(d.kind, d.subject, d.recipient, d.day);
  Result<CommandOutcome> r =
      commands_.execute(std::string(kSystemActor),
                        RecordNotification{d.kind, d.recipient, d.subject, d.day, d.message_id}, o);
  // Recorded already (by an earlier attempt whose answer was lost): nothing more to do.
  if (!r && r.status().code() == Code::kAlreadyExists) return Status::ok();
  return r.status();
}

Result<size_t> Reminders::queue(const ProgramState& as_of_day,
                                const std::vector<RuleFiring>& firings,
                                const std::vector<PlannedNotification>& planned) {
  if (planned.empty()) return size_t{0};
  GAPLOG_ASSIGN_OR_RETURN(std::string program_name,
                          commands_.read([](const ProgramState& s) { return s.name; }));
  std::optional<ProgramWeek> week;
  for (const PlannedNotification& n : planned) {
    if (n.kind == NotificationKind::kWeeklyDigest && !week) {
      GAPLOG_ASSIGN_OR_RETURN(week, program_week(history_, log_, as_of_day, n.day));
    }
  }
  const MessageContext ctx{options_.public_url, program_name, &as_of_day, week ? &*week : nullptr};
  const auto people = people_of(firings);
  const Micros now = clock_.now();
  // Recorded already (in the log as it is now, whatever the day's state holds): not again.
  GAPLOG_ASSIGN_OR_RETURN(std::vector<bool> sent, commands_.read([&](const ProgramState& s) {
    std::vector<bool> out;
    out.reserve(planned.size());
    for (const PlannedNotification& n : planned) out.push_back(already_sent(s, n));
    return out;
  }));
  std::vector<Delivery> deliveries;
  for (size_t i = 0; i < planned.size(); ++i) {
    if (sent[i]) continue;
    const PlannedNotification& n = planned[i];
    const std::string day = format_date(n.day);
    const std::string kind(name(n.kind));
    Delivery d;
    d.key = make_delivery_key(kind, n.subject, n.recipient, day);
    if (outbox_->find(d.key)) continue;  // queued (or given up) already
    d.kind = kind;
    d.subject = n.subject;
    d.recipient = n.recipient;
    d.day = day;
    d.enqueued_at = now;
    if (n.recipient.starts_with("webhook:")) {
      const std::string id = n.recipient.substr(8);
      auto w = as_of_day.webhooks.find(id);
      d.message_id = webhook_message_id(n);
      const std::string body =
          render_webhook_body(n, people.at({n.kind, n.subject}), d.message_id, now, ctx);
      d.message =
          json::write(Value::object()
                          .set("webhook", Value::string(id))
                          .set("url", Value::string(w == as_of_day.webhooks.end() ? std::string()
                                                                                  : w->second.url))
                          .set("body", Value::string(body)));
    } else {
      d.message_id = mail_message_id(n, options_.public_url);
      const MailContent mail = render_mail(n, ctx);
      d.message = json::write(Value::object()
                                  .set("to", Value::array().push(Value::string(n.recipient)))
                                  .set("subject", Value::string(mail.subject))
                                  .set("text", Value::string(mail.text))
                                  .set("html", Value::string(mail.html)));
    }
    deliveries.push_back(std::move(d));
  }
  return outbox_->enqueue_all(std::move(deliveries));  // one synced write for the whole pass
}

Result<Reminders::PassResult> Reminders::run_pass(Date day, bool dry_run) {
  GAPLOG_ASSIGN_OR_RETURN(ProgramState s, history_.state_at(AsOf{day, std::nullopt}));
  const std::vector<RuleFiring> firings = daily_firings(s, day);
  PassResult r;
  r.day = day;
  r.channels = any_channel(s);
  if (dry_run) {
    r.notifications = plan_notifications(s, firings, /*email=*/true);
    return r;
  }
  const Date today = date_of(clock_.now());
  if (day != today) {
    return invalid_argument(fmt::format(
        "reminders are sent only for today ({}), so that no one is reminded of a day that is past "
        "or has not come; add --dry-run to see what the rules select for {}",
        format_date(today), format_date(day)));
  }
  r.notifications = plan_notifications(s, firings, mailer_ != nullptr);
  if (!r.channels) {
    if (!off_logged_.exchange(true)) {
      say("gaplog: reminders are off: no --smtp-url and no webhook; nothing is sent or recorded");
    }
    r.notifications.clear();
    return r;
  }
  GAPLOG_ASSIGN_OR_RETURN(r.queued, queue(s, firings, r.notifications));
  deliver_now();
  return r;
}

void Reminders::deliver_now() {
  if (loop_running_.load()) {
    loop_->kick();
  } else {
    dispatcher_->run_once();
  }
}

namespace {
// A live assignment: recorded the day it occurred and not back-filled. Judged by the event, not
// by the clock when the loop gets to it (one committed at 23:59 still goes out at 00:01).
bool live_assignment(const Event& e) {
  const bool assigns = std::holds_alternative<FindingAssigned>(e.payload) ||
                       std::holds_alternative<FindingRecorded>(e.payload);
  return assigns && !is_backfilled(e) && date_of(e.occurred_at) == date_of(e.recorded_at);
}
}  // namespace

void Reminders::queue_assignments() {
  // The cursor moves only once what it passed is queued: a failure is tried again next time.
  uint64_t next_seq = scanned_seq_;
  std::vector<Event> candidates;
  while (next_seq < log_.last_seq()) {
    Result<std::vector<Event>> batch = log_.read_range(next_seq + 1, kAssignmentScanBatch);
    if (!batch || batch->empty()) {
      if (!batch) say("gaplog: reminders: cannot read the log: " + batch.status().to_string());
      return;
    }
    for (Event& e : *batch) {
      next_seq = e.seq;
      if (live_assignment(e)) candidates.push_back(std::move(e));
    }
  }
  if (candidates.empty()) {
    scanned_seq_ = next_seq;
    return;
  }
  Result<ProgramState> s = commands_.read([](const ProgramState& st) { return st; });
  if (!s) {
    say("gaplog: reminders: cannot read the program: " + s.status().to_string());
    return;
  }
  std::vector<RuleFiring> firings;
  for (const Event& e : candidates) {
    if (auto f = assigned_firing(*s, e)) firings.push_back(std::move(*f));
  }
  if (any_channel(*s)) {
    const auto planned = plan_notifications(*s, firings, mailer_ != nullptr);
    if (Result<size_t> q = queue(*s, firings, planned); !q) {
      say("gaplog: reminders: cannot queue assignments: " + q.status().to_string());
      return;
    }
  }
  scanned_seq_ = next_seq;
}

void Reminders::start() {
  if (loop_) return;
  // Assignments recorded in the last 24 hours before this start (a crash may have kept them
  // from going out; those already sent or queued are skipped).
  const Micros day_start = clock_.now() - kMicrosPerDay;
  uint64_t lo = 0, hi = log_.last_seq();  // the last seq recorded before then is in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    Result<Event> e = log_.read(mid);
    if (e && e->recorded_at < day_start) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  scanned_seq_ = lo;
  loop_ = std::make_unique<ReminderLoop>(
      clock_, *outbox_, *dispatcher_,
      [this](Date day) {
        Result<PassResult> r = run_pass(day, false);
        if (!r) {
          say("gaplog: the reminder pass of " + format_date(day) +
              " failed (tried again in 5 "
              "minutes): " +
              r.status().to_string());
        }
        // The delivery log keeps what was delivered or given up for 90 days.
        if (Status s = outbox_->prune(clock_.now() - kKeepDeliveries); !s.is_ok()) {
          say("gaplog: cannot prune the reminders' outbox: " + s.to_string());
        }
        return r.is_ok();
      },
      [this] { queue_assignments(); }, ReminderLoopOptions{options_.reminder_hour});
  loop_running_ = true;
  subscription_ = log_.subscribe([this](uint64_t) { loop_->kick(); });
  loop_->start();
  loop_->kick();
}

void Reminders::stop() {
  subscription_.reset();
  if (loop_) loop_->stop();
  loop_running_ = false;
}

}  // namespace gaplog
