// Reminders (SPEC §11): one's own settings, webhooks (admins), the reminders sent (everyone), the
// delivery log (admins), and the daily pass by hand (a dry run for everyone, the real one for
// admins).
#include <fmt/format.h>

#include <algorithm>

#include "api/handlers.h"
#include "auth/session_store.h"
#include "domain/hex.h"
#include "domain/validation.h"
#include "net/https_client.h"
#include "notify/webhook_sender.h"

namespace gaplog {

using json::Value;

namespace {

constexpr size_t kDefaultListLimit = 100, kMaxListLimit = 1000;

Value settings_json(const UserState& u) {
  return Value::object()
      .set("email", Value::boolean(u.email_reminders))
      .set("digest", Value::boolean(u.digest));
}

Value string_or_null(const std::string& s) { return s.empty() ? Value::null() : Value::string(s); }

Value timestamp_or_null(Micros t) {
  return t == 0 ? Value::null() : Value::string(format_timestamp(t));
}

Status require_admin(const Call& call, std::string_view what) {
  if (call.role == Role::kAdmin) return Status::ok();
  return permission_denied(
      fmt::format("{} is for admins; {} is {}", what, call.actor, name(call.role)));
}

Result<Reminders*> reminders_of(const Call& call) {
  if (call.backend.reminders != nullptr) return call.backend.reminders;
  return unavailable("reminders are not available in this process");
}

Result<size_t> limit_param(const Call& call) {
  const std::string text = call.query.get("limit");
  if (text.empty()) return kDefaultListLimit;
  size_t n = 0;
  const bool digits =
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || text.size() > 5 || (n = std::stoul(text)) < 1 || n > kMaxListLimit) {
    return invalid_argument(
        fmt::format("limit must be a whole number from 1 to {}", kMaxListLimit));
  }
  return n;
}

Value delivery_json(const Delivery& d) {
  return Value::object()
      .set("kind", Value::string(d.kind))
      .set("recipient", Value::string(d.recipient))
      .set("subject", string_or_null(d.subject))
      .set("day", Value::string(d.day))
      .set("message_id", Value::string(d.message_id))
      .set("state", Value::string(std::string(name(d.state))))
      .set("attempts", Value::integer(d.attempts))
      .set("enqueued_at", Value::string(format_timestamp(d.enqueued_at)))
      .set("first_attempt_at", timestamp_or_null(d.first_attempt_at))
      .set("next_attempt_at", d.state == DeliveryState::kPending
                                  ? timestamp_or_null(d.next_attempt_at)
                                  : Value::null())
      .set("finished_at", timestamp_or_null(d.finished_at))
      .set("last_error", string_or_null(d.last_error));
}

Value planned_json(const PlannedNotification& n) {
  return Value::object()
      .set("kind", Value::string(std::string(name(n.kind))))
      .set("recipient", Value::string(n.recipient))
      .set("subject", string_or_null(n.subject))
      .set("day", Value::string(format_date(n.day)));
}

Value pass_json(const Reminders::PassResult& r) {
  Value items = Value::array();
  for (const PlannedNotification& n : r.notifications) items.push(planned_json(n));
  return Value::object()
      .set("as_of", Value::string(format_date(r.day)))
      .set("notifications", std::move(items));
}

std::string new_webhook_id() { return "wh_" + to_hex(random_bytes(8)); }

}  // namespace

Result<ApiResponse> get_my_notifications(Call& call) {
  return call.backend.commands.read([&](const ProgramState& s) -> Result<ApiResponse> {
    const UserState* u = s.user(call.actor);
    if (!u) return not_found("you are not a user of this program");
    return json_response(200, settings_json(*u));
  });
}

Result<ApiResponse> put_my_notifications(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, /*may_be_empty=*/false));
  json::ObjectReader reader(body, "reminder settings");
  GAPLOG_ASSIGN_OR_RETURN(std::optional<bool> email, reader.optional_bool("email"));
  GAPLOG_ASSIGN_OR_RETURN(std::optional<bool> digest, reader.optional_bool("digest"));
  GAPLOG_RETURN_IF_ERROR(reader.finish());
  if (!email && !digest) {
    return invalid_argument(
        "send {\"email\": true|false, \"digest\": true|false} (either or both)");
  }
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  GAPLOG_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      call.backend.commands.execute(call.actor, SetMyNotifications{email, digest}, options));
  // A write answers with what it stored, its version and seq (SPEC §6).
  const Event& written = outcome.events.back();
  const auto* set = std::get_if<UserNotificationsSet>(&written.payload);
  if (set == nullptr) {
    // The key was first sent with another request, whose events the service replayed.
    return already_exists(
        "this Idempotency-Key was first sent with another request, not these reminder settings; "
        "send a new key");
  }
  return json_response(200,
                       Value::object()
                           .set("email", Value::boolean(set->email_enabled))
                           .set("digest", Value::boolean(set->digest_enabled))
                           .set("version", Value::integer(static_cast<int64_t>(written.version)))
                           .set("seq", Value::integer(static_cast<int64_t>(written.seq))));
}

Result<ApiResponse> list_webhooks(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin(call, "the list of webhooks"));
  GAPLOG_ASSIGN_OR_RETURN(Reminders * reminders, reminders_of(call));
  // The webhooks first (the state's lock), then each one's last delivery (the outbox's).
  GAPLOG_ASSIGN_OR_RETURN(std::vector<WebhookState> hooks,
                          call.backend.commands.read([&](const ProgramState& s) {
                            std::vector<WebhookState> out;
                            for (const auto& [id, w] : s.webhooks) {
                              if (!w.removed) out.push_back(w);
                            }
                            return out;
                          }));
  Value items = Value::array();
  for (const WebhookState& w : hooks) {
    Value kinds = Value::array();
    for (const std::string& k : w.kinds) kinds.push(Value::string(k));
    const std::optional<Delivery> last = reminders->outbox().last_for("webhook:" + w.id);
    Value last_json = Value::null();
    if (last) {
      last_json =
          delivery_json(*last).set("at", Value::string(format_timestamp(last_activity(*last))));
      last_json.set("error", string_or_null(last->last_error));
    }
    items.push(Value::object()
                   .set("id", Value::string(w.id))
                   .set("url", Value::string(w.url))
                   .set("kinds", std::move(kinds))
                   .set("added_by", Value::string(w.added_by))
                   .set("added_at", Value::string(format_timestamp(w.added_at)))
                   .set("last_delivery", std::move(last_json)));
  }
  return json_response(200, Value::object().set("webhooks", std::move(items)));
}

Result<ApiResponse> post_webhook(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin(call, "adding webhooks"));
  GAPLOG_ASSIGN_OR_RETURN(Reminders * reminders, reminders_of(call));
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, /*may_be_empty=*/false));
  json::ObjectReader reader(body, "webhook");
  GAPLOG_ASSIGN_OR_RETURN(std::string url, reader.required_string("url"));
  GAPLOG_ASSIGN_OR_RETURN(std::vector<std::string> kinds, reader.required_string_list("kinds"));
  GAPLOG_RETURN_IF_ERROR(reader.finish());
  GAPLOG_RETURN_IF_ERROR(check_outbound_url(url));
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  const std::string id = new_webhook_id();
  const Command add = AddWebhook{id, url, kinds};
  // Decided first without appending: a refused webhook (kinds, the limit) leaves no secret.
  GAPLOG_RETURN_IF_ERROR(
      call.backend.commands.execute_batch(call.actor, {add}, /*dry_run=*/true, nullptr, options)
          .status());
  // The secret is durable before the webhook exists: an answered webhook can always sign.
  const std::string secret = new_webhook_secret();
  GAPLOG_RETURN_IF_ERROR(reminders->secrets().put(id, secret));
  // From here, any answer but 201 takes the secret back: no webhook is left without one, and
  // no secret without its webhook (a race past the limit, a failed append, a replayed key).
  Result<CommandOutcome> outcome = call.backend.commands.execute(call.actor, add, options);
  const auto* added =
      outcome ? std::get_if<WebhookAdded>(&outcome->events.back().payload) : nullptr;
  if (added == nullptr || added->webhook_id != id) {
    reminders->secrets().remove(id).ignore();
    if (!outcome) return outcome.status();
    return already_exists(
        "this Idempotency-Key was first sent with another request; the secret of the webhook it "
        "made was shown then and only then; send a new key");
  }
  Value kinds_json = Value::array();
  for (const std::string& k : added->kinds) kinds_json.push(Value::string(k));
  ApiResponse r = json_response(
      201, Value::object()
               .set("id", Value::string(id))
               .set("url", Value::string(added->url))
               .set("kinds", std::move(kinds_json))
               .set("secret", Value::string(secret))
               .set("seq", Value::integer(static_cast<int64_t>(outcome->events.back().seq))));
  r.headers.emplace_back("Location", "/api/v1/webhooks/" + id);
  return r;
}

Result<ApiResponse> delete_webhook(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin(call, "removing webhooks"));
  if (!call.request.body.empty())
    return invalid_argument("DELETE takes no body; send the request without one");
  GAPLOG_ASSIGN_OR_RETURN(const CommandOptions options, command_options(call.request));
  GAPLOG_RETURN_IF_ERROR(
      call.backend.commands.execute(call.actor, RemoveWebhook{call.id()}, options).status());
  // Nothing signs for it any more. A secret that cannot be removed now is harmless: no webhook
  // uses it.
  if (call.backend.reminders != nullptr)
    call.backend.reminders->secrets().remove(call.id()).ignore();
  ApiResponse r;
  r.status = 204;
  return r;
}

Result<ApiResponse> list_notifications(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const size_t limit, limit_param(call));
  const std::string subject = call.query.get("subject");
  const std::string recipient = normalize_email(call.query.get("recipient"));
  const std::string kind = call.query.get("kind");
  if (!kind.empty() && !parse_notification_kind(kind)) {
    return invalid_argument(fmt::format("there is no reminder kind {}", quoted_excerpt(kind)));
  }
  GAPLOG_ASSIGN_OR_RETURN(Value items, call.backend.commands.read([&](const ProgramState& s) {
    Value out = Value::array();
    auto take = [&](const SentNotification& n) {
      if ((!recipient.empty() && n.recipient != recipient) || (!kind.empty() && n.kind != kind)) {
        return;
      }
      out.push(Value::object()
                   .set("kind", Value::string(n.kind))
                   .set("recipient", Value::string(n.recipient))
                   .set("subject", string_or_null(n.subject))
                   .set("day", Value::string(n.day))
                   .set("message_id", Value::string(n.message_id))
                   .set("sent_at", Value::string(format_timestamp(n.sent_at)))
                   .set("seq", Value::integer(static_cast<int64_t>(n.seq))));
    };
    if (!subject.empty()) {
      auto it = s.notifications_by_subject.find(subject);
      if (it != s.notifications_by_subject.end()) {
        for (auto i = it->second.rbegin(); i != it->second.rend() && out.items().size() < limit;
             ++i) {
          take(s.notifications[*i]);
        }
      }
    } else {
      for (auto i = s.notifications.rbegin();
           i != s.notifications.rend() && out.items().size() < limit; ++i) {
        take(*i);
      }
    }
    return out;
  }));
  return json_response(200, Value::object().set("notifications", std::move(items)));
}

Result<ApiResponse> list_deliveries(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin(call, "the delivery log"));
  GAPLOG_ASSIGN_OR_RETURN(Reminders * reminders, reminders_of(call));
  GAPLOG_ASSIGN_OR_RETURN(const size_t limit, limit_param(call));
  const std::string state = call.query.get("state");
  if (!state.empty() && state != "pending" && state != "delivered" && state != "failed") {
    return invalid_argument("state must be pending, delivered or failed");
  }
  std::optional<DeliveryState> only;
  if (state == "pending") only = DeliveryState::kPending;
  if (state == "delivered") only = DeliveryState::kDelivered;
  if (state == "failed") only = DeliveryState::kFailed;
  Value items = Value::array();
  for (const Delivery& d : reminders->outbox().recent(limit, "", only))
    items.push(delivery_json(d));
  GAPLOG_ASSIGN_OR_RETURN(
      const size_t webhooks,
      call.backend.commands.read([](const ProgramState& s) { return s.active_webhooks(); }));
  const ReminderOptions& o = reminders->options();
  Value channels = Value::object()
                       .set("email", Value::boolean(reminders->email_configured()))
                       .set("from", o.smtp ? Value::string(o.smtp->from) : Value::null())
                       .set("reminder_hour", Value::integer(o.reminder_hour))
                       .set("webhooks", Value::integer(static_cast<int64_t>(webhooks)));
  return json_response(
      200,
      Value::object().set("channels", std::move(channels)).set("deliveries", std::move(items)));
}

namespace {
Result<Date> as_of_or_today(const Call& call, std::string_view text) {
  if (text.empty()) return call.backend.today();
  return parse_date(text);
}
}  // namespace

Result<ApiResponse> get_due_notifications(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(Reminders * reminders, reminders_of(call));
  GAPLOG_ASSIGN_OR_RETURN(const Date day, as_of_or_today(call, call.query.get("as_of")));
  GAPLOG_ASSIGN_OR_RETURN(const Reminders::PassResult r, reminders->run_pass(day, true));
  return json_response(200, pass_json(r));
}

Result<ApiResponse> post_notifications_run(Call& call) {
  GAPLOG_RETURN_IF_ERROR(require_admin(call, "running the reminder pass"));
  GAPLOG_ASSIGN_OR_RETURN(Reminders * reminders, reminders_of(call));
  GAPLOG_ASSIGN_OR_RETURN(const Value body, body_object(call, /*may_be_empty=*/true));
  json::ObjectReader reader(body, "reminder pass");
  GAPLOG_ASSIGN_OR_RETURN(std::optional<std::string> as_of, reader.optional_string("as_of"));
  GAPLOG_RETURN_IF_ERROR(reader.finish());
  GAPLOG_ASSIGN_OR_RETURN(const Date day, as_of_or_today(call, as_of.value_or("")));
  // Said here in the API's words (run_pass refuses it too, in the CLI's).
  if (const Date today = call.backend.today(); day != today) {
    return invalid_argument(fmt::format(
        "reminders are sent only for today ({}), so that no one is reminded of a day that is past "
        "or has not come; GET /api/v1/notifications/due?as_of={} is the dry run (gaplog notify "
        "--dry-run): it lists what the rules select for that day and sends nothing",
        format_date(today), format_date(day)));
  }
  GAPLOG_ASSIGN_OR_RETURN(const Reminders::PassResult r, reminders->run_pass(day, false));
  Value out = pass_json(r);
  out.set("queued", Value::integer(static_cast<int64_t>(r.queued)))
      .set("channels", Value::boolean(r.channels));
  return json_response(200, out);
}

}  // namespace gaplog
