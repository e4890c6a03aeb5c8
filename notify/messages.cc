#include "notify/messages.h"

#include <fmt/format.h>

#include <algorithm>

#include "codec/html.h"
#include "codec/json.h"
#include "codec/url.h"
#include "projections/notification_ids.h"

namespace gaplog {
namespace {

using json::Value;

std::string link(const MessageContext& ctx, std::string_view path) {
  std::string base = ctx.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

std::string program_name(const MessageContext& ctx) {
  return ctx.program_name.empty() ? "your SOC 2 program" : ctx.program_name;
}

int days_between(Date a, Date b) { return b.days - a.days; }

// "in_progress" -> "in progress": statuses as people write them.
std::string words(std::string_view contract_name) {
  std::string out(contract_name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string in_days(int n) {
  if (n == 0) return "today";
  if (n == 1) return "tomorrow";
  return fmt::format("in {} days", n);
}

// A message in two forms: lines of text, and the same as HTML paragraphs.
struct Body {
  std::vector<std::string> lines;
  std::string action_text, action_url;
};

std::string text_of(const Body& b, const std::string& footer) {
  std::string out;
  for (const std::string& line : b.lines) out += line + "\n";
  if (!b.action_url.empty()) out += "\n" + b.action_text + ": " + b.action_url + "\n";
  return out + "\n-- \n" + footer + "\n";
}

std::string html_of(const Body& b, const std::string& subject, const std::string& footer) {
  std::string out = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" +
                    html_escape(subject) + "</title></head><body>";
  for (const std::string& line : b.lines) {
    out += line.empty() ? "<br>" : "<p>" + html_escape(line) + "</p>";
  }
  if (!b.action_url.empty()) {
    out += "<p><a href=\"" + html_escape(b.action_url) + "\">" + html_escape(b.action_text) +
           "</a></p>";
  }
  return out + "<hr><p style=\"color:#555;font-size:90%\">" + html_escape(footer) +
         "</p></body></html>";
}

std::string finding_line(const FindingState& f) {
  return fmt::format("{} ({} severity): {}", f.id, name(f.severity), f.title);
}

std::string finding_facts(const FindingState& f) {
  return fmt::format("Status: {}. Owner: {}. Due: {}.", words(name(f.status)),
                     f.owner.empty() ? "nobody" : f.owner,
                     f.due_date ? format_date(*f.due_date) : "no due date");
}

// Subject and body of the reminders about one finding.
std::pair<std::string, Body> about_finding(const PlannedNotification& n, const FindingState& f,
                                           const MessageContext& ctx) {
  Body b;
  b.action_text = "Open " + f.id + " in gaplog";
  b.action_url = link(ctx, "/findings/" + f.id);
  std::string subject;
  switch (n.kind) {
    case NotificationKind::kAssigned:
      subject = fmt::format("{} is now yours: {}", f.id, f.title);
      b.lines = {fmt::format("{} was assigned to you in {}.", f.id, program_name(ctx)),
                 finding_line(f), finding_facts(f)};
      break;
    case NotificationKind::kDueSoon: {
      const int left = f.due_date ? days_between(n.day, *f.due_date) : 0;
      subject = fmt::format("{} is due {}: {}", f.id, in_days(left), f.title);
      b.lines = {fmt::format("{} is due on {} ({}).", f.id,
                             f.due_date ? format_date(*f.due_date) : "-", in_days(left)),
                 finding_line(f), finding_facts(f),
                 "If it cannot be done by then, ask an editor to move the due date and say why."};
      break;
    }
    case NotificationKind::kOverdue: {
      const int late = f.due_date ? days_between(*f.due_date, n.day) : 0;
      subject = fmt::format("{} is overdue ({} days): {}", f.id, late, f.title);
      b.lines = {
          fmt::format("{} was due on {}, {} days ago, and is still {}.", f.id,
                      f.due_date ? format_date(*f.due_date) : "-", late, words(name(f.status))),
          finding_line(f), finding_facts(f),
          "Overdue findings count against the program's readiness for the audit."};
      break;
    }
    case NotificationKind::kAcceptanceExpiring:
    case NotificationKind::kAcceptanceExpired: {
      const std::string until = f.risk_acceptance && f.risk_acceptance->expires_on
                                    ? format_date(*f.risk_acceptance->expires_on)
                                    : "-";
      if (n.kind == NotificationKind::kAcceptanceExpiring) {
        subject = fmt::format("The risk acceptance of {} ends on {}", f.id, until);
        b.lines = {fmt::format("The accepted risk of {} is accepted until {}.", f.id, until),
                   finding_line(f),
                   "Renew the acceptance with a new justification, or plan the remediation."};
      } else {
        subject = fmt::format("The risk acceptance of {} has expired: it is a gap again", f.id);
        b.lines = {fmt::format("The risk acceptance of {} ended on {}. The finding counts as a "
                               "gap again until it is remediated or accepted anew.",
                               f.id, until),
                   finding_line(f), finding_facts(f)};
      }
      break;
    }
    default:
      subject = f.id + ": " + f.title;
      b.lines = {finding_line(f)};
  }
  return {subject, b};
}

std::pair<std::string, Body> about_evidence(const PlannedNotification& n, const EvidenceState& e,
                                            const MessageContext& ctx) {
  Body b;
  const std::string until = e.valid_until ? format_date(*e.valid_until) : "-";
  const int left = e.valid_until ? days_between(n.day, *e.valid_until) : 0;
  std::vector<std::string> controls(e.controls.begin(), e.controls.end());
  b.lines = {fmt::format("Evidence {} ({}) is valid until {}, {} days from now.", e.id, e.filename,
                         until, left),
             fmt::format("It is current evidence of: {}.", fmt::join(controls, ", ")),
             "Collect and upload new evidence before then, or the controls lose their evidence "
             "and their criteria stop counting as ready."};
  b.action_text = "Open the Evidence in gaplog";
  b.action_url = link(ctx, "/audit?stream=evidence/" + e.id);
  return {fmt::format("Evidence {} expires on {}: {}", e.id, until, e.filename), b};
}

// The findings a person owns that are unresolved at D: overdue first, then by due date.
std::vector<const FindingState*> owned_unresolved(const ProgramState& s, const std::string& email,
                                                  Date d) {
  std::vector<const FindingState*> out;
  for (const auto& [id, f] : s.findings) {
    if (f.owner == email && is_unresolved(f, d)) out.push_back(&f);
  }
  std::sort(out.begin(), out.end(), [&](const FindingState* a, const FindingState* b) {
    const bool ao = is_overdue(*a, d), bo = is_overdue(*b, d);
    if (ao != bo) return ao;
    if (a->due_date != b->due_date) {
      if (!a->due_date || !b->due_date) return a->due_date.has_value();
      return *a->due_date < *b->due_date;
    }
    return natural_less(a->id, b->id);
  });
  return out;
}

std::string percent(const ReadinessCount& r) {
  const int t = r.percent_tenths();
  return fmt::format("{}.{}% ({} of {} criteria)", t / 10, t % 10, r.ready, r.in_scope);
}

std::pair<std::string, Body> digest(const PlannedNotification& n, const MessageContext& ctx) {
  const ProgramState& s = *ctx.state;
  Body b;
  b.action_text = "Open gaplog";
  b.action_url = link(ctx, "/");
  const UserState* u = s.user(n.recipient);
  const auto mine = owned_unresolved(s, n.recipient, n.day);
  b.lines.push_back(fmt::format("Your week in {}, {}.", program_name(ctx), format_date(n.day)));
  if (!mine.empty()) {
    b.lines.push_back("");
    b.lines.push_back(fmt::format("Yours ({} unresolved):", mine.size()));
    for (const FindingState* f : mine) {
      b.lines.push_back(fmt::format(
          "- {}{} due {} [{}]", finding_line(*f), is_overdue(*f, n.day) ? " OVERDUE," : ",",
          f->due_date ? format_date(*f->due_date) : "never", words(name(f->status))));
    }
    b.action_text = "Your findings";
    b.action_url = link(ctx, "/findings?owner=" + percent_encode(n.recipient));
  }
  const bool lead = u && (u->role == Role::kAdmin || u->role == Role::kEditor);
  if (lead && ctx.week) {
    const ProgramWeek& w = *ctx.week;
    b.lines.push_back("");
    b.lines.push_back("The program's week:");
    b.lines.push_back("- Readiness: " + percent(w.readiness) + ", a week ago " +
                      percent(w.readiness_week_before) + ".");
    b.lines.push_back(
        fmt::format("- Unresolved findings: {}, overdue: {}.", w.unresolved, w.overdue));
    b.lines.push_back(fmt::format(
        "- In the last 7 days: {} recorded, {} remediated, {} closed, {} risk accepted, {} "
        "reopened, {} evidence uploaded.",
        w.recorded, w.remediated, w.closed, w.accepted, w.reopened, w.evidence));
  }
  const std::string subject = mine.empty()
                                  ? fmt::format("Your week in {}", program_name(ctx))
                                  : fmt::format("Your week in {}: {} findings of yours unresolved",
                                                program_name(ctx), mine.size());
  return {subject, b};
}

std::pair<std::string, Body> content(const PlannedNotification& n, const MessageContext& ctx) {
  const ProgramState& s = *ctx.state;
  if (n.kind == NotificationKind::kWeeklyDigest) return digest(n, ctx);
  if (const FindingState* f = s.finding(n.subject)) return about_finding(n, *f, ctx);
  if (const EvidenceState* e = s.evidence_item(n.subject)) return about_evidence(n, *e, ctx);
  Body b;
  b.lines = {fmt::format("A reminder ({}) about {}.", name(n.kind), n.subject)};
  return {fmt::format("Reminder about {}", n.subject), b};
}

}  // namespace

MailContent render_mail(const PlannedNotification& n, const MessageContext& ctx) {
  auto [subject, body] = content(n, ctx);
  subject = "[gaplog] " + subject;
  const std::string footer = fmt::format(
      "gaplog sends this reminder ({}) for {}. Turn e-mail reminders or the Monday digest off "
      "under Your account: {}",
      name(n.kind), program_name(ctx), link(ctx, "/account"));
  return MailContent{subject, text_of(body, footer), html_of(body, subject, footer)};
}

std::string render_webhook_body(const PlannedNotification& n,
                                const std::vector<std::string>& people,
                                const std::string& message_id, Micros occurred_at,
                                const MessageContext& ctx) {
  auto [subject, body] = content(n, ctx);
  Value recipients = Value::array();
  for (const std::string& p : people) recipients.push(Value::string(p));
  Value data = Value::object()
                   .set("kind", Value::string(std::string(name(n.kind))))
                   .set("day", Value::string(format_date(n.day)))
                   .set("subject", n.subject.empty() ? Value::null() : Value::string(n.subject))
                   .set("people", std::move(recipients))
                   .set("summary", Value::string(subject))
                   .set("url", Value::string(body.action_url));
  if (const FindingState* f = ctx.state->finding(n.subject)) {
    data.set("finding",
             Value::object()
                 .set("id", Value::string(f->id))
                 .set("title", Value::string(f->title))
                 .set("severity", Value::string(std::string(name(f->severity))))
                 .set("status", Value::string(std::string(name(f->status))))
                 .set("owner", f->owner.empty() ? Value::null() : Value::string(f->owner))
                 .set("due_date",
                      f->due_date ? Value::string(format_date(*f->due_date)) : Value::null()));
  }
  if (n.kind == NotificationKind::kWeeklyDigest && ctx.week) {
    data.set("readiness_percent", Value::number(ctx.week->readiness.percent_tenths() / 10.0))
        .set("overdue", Value::integer(ctx.week->overdue))
        .set("unresolved", Value::integer(ctx.week->unresolved));
  }
  return json::write(Value::object()
                         .set("type", Value::string(std::string(name(n.kind))))
                         .set("id", Value::string(message_id))
                         .set("occurred_at", Value::string(format_timestamp(occurred_at)))
                         .set("data", std::move(data)));
}

std::string mail_message_id(const PlannedNotification& n, const std::string& public_url) {
  return gaplog::mail_message_id(name(n.kind), n.subject, n.recipient, format_date(n.day),
                                 public_url);
}

std::string webhook_message_id(const PlannedNotification& n) {
  return gaplog::webhook_message_id(name(n.kind), n.subject, n.recipient, format_date(n.day));
}

}  // namespace gaplog
