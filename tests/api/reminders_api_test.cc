// The reminder API (SPEC §11) as its users see it: webhooks and their secrets, one's own
// settings, the reminders sent, what the rules select for a day, and the daily pass run by hand,
// delivering to a real webhook receiver on loopback that verifies each signature with the
// Standard Webhooks library (tests/notify/webhook_receiver.mjs). The program's ManualClock is the
// seam for retries: the reminders' thread is not started, so a pass delivers on the calling
// thread, at the clock's time.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../support/api_test_support.h"
#include "../support/required_tools.h"
#include "../support/webhook_receiver.h"
#include "api/api.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;
using testing::str;
using testing::WebhookReceiver;

const json::Value& field(const json::Value& v, std::string_view name) {
  static const json::Value kNull;
  const json::Value* f = v.find(name);
  return f ? *f : kNull;
}

// "email digest", "email", "digest" or "": which of a settings object's switches are on.
std::string settings(const json::Value& v) {
  const json::Value& email = field(v, "email");
  const json::Value& digest = field(v, "digest");
  if (!email.is_bool() || !digest.is_bool()) return "?";
  std::string out = email.as_bool() ? "email" : "";
  if (digest.as_bool()) out += out.empty() ? "digest" : " digest";
  return out;
}
std::string settings(const Reply& r) { return settings(r.json); }

std::vector<std::string> strings_of(const json::Value& list, std::string_view name) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const json::Value& item : list.items()) out.push_back(str(field(item, name)));
  return out;
}

class RemindersApi : public ApiFixture {
 protected:
  void SetUp() override {
    // The receiver's library refuses a signature timestamped more than 5 minutes from its own
    // clock, so the program's clock starts at the real time.
    clock_.set(std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count());
    ApiFixture::SetUp();
  }

  // Today (the test clock's) plus `offset` days, as YYYY-MM-DD.
  std::string day(int offset) { return format_date(Date{date_of(clock_.now()).days + offset}); }

  // A finding owned by the contributor kOwner, due `days` from today.
  std::string finding_due_in(int days) {
    return record_finding("Backups are never restored", R"(,"due_date":")" + day(days) + "\"");
  }

  Reply add_webhook(const std::string& url, const std::string& kinds) {
    return call(kAdmin, "POST", "/api/v1/webhooks",
                R"({"url":")" + url + R"(","kinds":)" + kinds + "}");
  }

  // The files in <data>/webhook-secrets.
  size_t secret_files() const {
    const std::filesystem::path dir = dir_.path() + "/data/webhook-secrets";
    if (!std::filesystem::exists(dir)) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                             std::filesystem::directory_iterator()));
  }

  // The only item of `list` (fails the test when there are more or none).
  static const json::Value& only(const json::Value& list) {
    static const json::Value kNull;
    EXPECT_TRUE(list.is_array() && list.items().size() == 1) << json::write(list);
    return list.is_array() && !list.items().empty() ? list.items()[0] : kNull;
  }

  // The only delivery of the delivery log.
  json::Value only_delivery() {
    Reply r = call(kAdmin, "GET", "/api/v1/deliveries");
    EXPECT_EQ(r.status, 200) << r.body;
    return only(r["deliveries"]);
  }

  // The last delivery of the only webhook, as GET /webhooks shows it.
  json::Value last_webhook_delivery() {
    Reply r = call(kAdmin, "GET", "/api/v1/webhooks");
    EXPECT_EQ(r.status, 200) << r.body;
    return field(only(r["webhooks"]), "last_delivery");
  }

  // A receiver whose secret is read from a file at each request: the webhook's secret is known
  // only once the receiver's URL is.
  std::unique_ptr<WebhookReceiver> start_receiver(const std::vector<std::string>& options) {
    return std::make_unique<WebhookReceiver>(*testing::find_node(), dir_, "@" + secret_file(),
                                             options);
  }
  std::string secret_file() const { return dir_.sub("receiver-secret"); }
  // Adds a webhook for `kinds` at the receiver and hands it the secret; returns the webhook id.
  std::string add_webhook_at(const WebhookReceiver& receiver, const std::string& kinds) {
    Reply added = add_webhook(receiver.url(), kinds);
    EXPECT_EQ(added.status, 201) << added.body;
    std::ofstream(secret_file()) << str(added["secret"]);
    return str(added["id"]);
  }
};

class RemindersApiWithReceiver : public RemindersApi {
 protected:
  void SetUp() override {
    if (const std::string missing = testing::webhook_receiver_missing(); !missing.empty()) {
      GAPLOG_NEEDS_TOOL(missing);
    }
    RemindersApi::SetUp();
  }
};

TEST_F(RemindersApi, AWebhooksSecretIsShownOnceAndItIsRemovedOnce) {
  Reply added = add_webhook("https://hooks.example.com/gaplog", R"(["overdue","due_soon"])");
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string id = str(added["id"]);
  const std::string secret = str(added["secret"]);
  EXPECT_TRUE(secret.starts_with("whsec_")) << added.body;
  EXPECT_EQ(added.header("Location").value_or(""), "/api/v1/webhooks/" + id);
  EXPECT_EQ(num(added["seq"]), static_cast<int64_t>(tree_size()));
  EXPECT_EQ(secret_files(), 1u);

  Reply listed = call(kAdmin, "GET", "/api/v1/webhooks");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json::Value& w = only(listed["webhooks"]);
  EXPECT_EQ(str(field(w, "id")), id);
  EXPECT_EQ(str(field(w, "url")), "https://hooks.example.com/gaplog");
  EXPECT_EQ(json::write(field(w, "kinds")), json::write(added["kinds"]));
  EXPECT_EQ(str(field(w, "added_by")), kAdmin);
  EXPECT_TRUE(field(w, "last_delivery").is_null());
  EXPECT_EQ(w.find("secret"), nullptr) << listed.body;
  EXPECT_EQ(listed.body.find(secret.substr(6)), std::string::npos) << "the secret is shown once";
  Reply events = call(kAuditor, "GET", "/api/v1/events?type=webhook_added");
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_NE(events.body.find(id), std::string::npos);
  EXPECT_EQ(events.body.find(secret.substr(6)), std::string::npos) << "the log has no secret";

  Reply removed = call(kAdmin, "DELETE", "/api/v1/webhooks/" + id);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_TRUE(removed.body.empty());
  EXPECT_TRUE(call(kAdmin, "GET", "/api/v1/webhooks")["webhooks"].items().empty());
  const uint64_t n = tree_size();
  Reply again = call(kAdmin, "DELETE", "/api/v1/webhooks/" + id);
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_EQ(again.error_code(), "not_found");
  EXPECT_EQ(tree_size(), n);
}

TEST_F(RemindersApi, AProgramHasAtMostTwentyWebhooksAndARefusedOneLeavesNoSecret) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    Reply r = add_webhook("https://hooks.example.com/" + std::to_string(i), R"(["overdue"])");
    ASSERT_EQ(r.status, 201) << i << " " << r.body;
    ids.push_back(str(r["id"]));
  }
  const uint64_t n = tree_size();
  Reply refused = add_webhook("https://hooks.example.com/21", R"(["overdue"])");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.error_code(), "rule_violation");
  EXPECT_NE(refused.error_message().find("remove one"), std::string::npos) << refused.body;
  EXPECT_EQ(tree_size(), n);
  EXPECT_EQ(secret_files(), 20u) << "the refused webhook's secret was not written";

  ASSERT_EQ(call(kAdmin, "DELETE", "/api/v1/webhooks/" + ids[0]).status, 204);
  EXPECT_EQ(add_webhook("https://hooks.example.com/21", R"(["overdue"])").status, 201);
}

// A removed webhook's secret goes with it; an Idempotency-Key sent again makes no second webhook
// and leaves no second secret; a key first used for another request is a conflict (409).
TEST_F(RemindersApi, SecretsGoWithTheirWebhooksAndKeysAreNotReused) {
  const HeaderList key{{"Idempotency-Key", "hook-1"}};
  const std::string body = R"({"url":"https://hooks.example.com/a","kinds":["overdue"]})";
  Reply first = call(kAdmin, "POST", "/api/v1/webhooks", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  const uint64_t n = tree_size();
  Reply again = call(kAdmin, "POST", "/api/v1/webhooks", body, key);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.body.find("whsec_"), std::string::npos) << "the secret is shown once";
  EXPECT_EQ(tree_size(), n);
  EXPECT_EQ(secret_files(), 1u) << "the repeat's secret was taken back";

  Reply settings_with_that_key = call(kOwner, "PUT", "/api/v1/me/notifications",
                                      R"({"digest":false})", {{"Idempotency-Key", "mine-1"}});
  ASSERT_EQ(settings_with_that_key.status, 200) << settings_with_that_key.body;
  Reply other = call(kOwner, "PUT", "/api/v1/me/notifications", R"({"email":false})",
                     {{"Idempotency-Key", "mine-1"}});
  EXPECT_EQ(other.status, 200) << "the same key replays the first answer: " << other.body;
  EXPECT_EQ(settings(other), "email") << "the replay's settings are the first request's";

  ASSERT_EQ(call(kAdmin, "DELETE", "/api/v1/webhooks/" + str(first["id"])).status, 204);
  EXPECT_EQ(secret_files(), 0u) << "nothing signs for a removed webhook";
}

TEST_F(RemindersApi, EachUserSetsTheirOwnRemindersAuditorsToo) {
  struct Case {
    const char* as;
    std::string body, settings;
  };
  const Case cases[] = {{kAdmin, R"({"email":false,"digest":false})", ""},
                        {kEditor, R"({"digest":false})", "email"},
                        {kOwner, R"({"email":false})", "digest"},
                        {kAuditor, R"({"digest":false,"email":true})", "email"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.as);
    Reply before = call(c.as, "GET", "/api/v1/me/notifications");
    ASSERT_EQ(before.status, 200) << before.body;
    EXPECT_EQ(settings(before), "email digest") << "both on by default: " << before.body;
    Reply put = call(c.as, "PUT", "/api/v1/me/notifications", c.body);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(settings(put), c.settings) << put.body;
    EXPECT_EQ(num(put["seq"]), static_cast<int64_t>(tree_size())) << put.body;
    EXPECT_GT(num(put["version"]), 0) << put.body;
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.as);
    Reply mine = call(c.as, "GET", "/api/v1/me/notifications");
    EXPECT_EQ(settings(mine), c.settings) << mine.body;
    // Everyone sees everyone's settings in the users' JSON.
    Reply user = call(kOther, "GET", std::string("/api/v1/users/") + c.as);
    ASSERT_EQ(user.status, 200) << user.body;
    EXPECT_EQ(json::write(user["notifications"]), json::write(mine.json));
  }
  Reply untouched = call(kOther, "GET", "/api/v1/me/notifications");
  EXPECT_EQ(settings(untouched), "email digest") << untouched.body;
  Reply users = call(kAuditor, "GET", "/api/v1/users");
  ASSERT_EQ(users.status, 200) << users.body;
  for (const json::Value& u : users["items"].items()) {
    EXPECT_TRUE(field(u, "notifications").is_object()) << json::write(u);
  }
}

TEST_F(RemindersApi, TheRemindersSentAreListedNewestFirstAndFiltered) {
  const std::string f1 = record_finding("Backups are never restored");
  const std::string f2 = record_finding("No MFA on the VPN");
  auto sent = [&](const std::string& kind, const std::string& to, const std::string& subject) {
    std::string message_id = "m-" + std::to_string(tree_size() + 1);
    const auto r = program_->service().execute(
        std::string(kSystemActor), RecordNotification{kind, to, subject, day(0), message_id});
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return message_id;
  };
  const std::string m1 = sent("due_soon", kOwner, f1);
  const std::string m2 = sent("due_soon", kOwner, f2);
  const std::string m3 = sent("overdue", kOwner, f1);
  const std::string m4 = sent("weekly_digest", kAdmin, "");
  const uint64_t n = tree_size();
  struct Case {
    std::string query;
    std::vector<std::string> message_ids;
  };
  const Case cases[] = {
      {"", {m4, m3, m2, m1}},
      {"?subject=" + f1, {m3, m1}},
      {"?recipient=OLI@Example.com", {m3, m2, m1}},
      {"?kind=overdue", {m3}},
      {"?kind=acceptance_expired", {}},
      {"?limit=2", {m4, m3}},
      {"?subject=" + f1 + "&kind=due_soon", {m1}},
      {"?subject=" + f1 + "&limit=1", {m3}},
      {"?subject=F-999", {}},
  };
  for (const Case& c : cases) {
    Reply r = call(kAuditor, "GET", "/api/v1/notifications" + c.query);
    ASSERT_EQ(r.status, 200) << c.query << " " << r.body;
    EXPECT_EQ(strings_of(r["notifications"], "message_id"), c.message_ids) << c.query;
  }
  Reply all = call(kOther, "GET", "/api/v1/notifications");
  ASSERT_EQ(all["notifications"].items().size(), 4u);
  const json::Value& digest = all["notifications"].items()[0];
  EXPECT_EQ(str(field(digest, "kind")), "weekly_digest");
  EXPECT_EQ(str(field(digest, "recipient")), kAdmin);
  EXPECT_TRUE(field(digest, "subject").is_null());
  EXPECT_EQ(str(field(digest, "day")), day(0));
  EXPECT_EQ(num(field(digest, "seq")), static_cast<int64_t>(n));
  EXPECT_EQ(tree_size(), n) << "reads append nothing";
}

TEST_F(RemindersApi, DueListsWhatTheRulesSelectForADayAndSendsNothing) {
  const std::string f = finding_due_in(7);
  const uint64_t n = tree_size();
  // SPEC §11: due_soon 7 days and 1 day before the due date, overdue the first day after it.
  struct Case {
    int offset;
    std::string kind;
    std::vector<std::string> subjects;
  };
  const Case cases[] = {{0, "due_soon", {f}}, {1, "due_soon", {}}, {6, "due_soon", {f}},
                        {7, "due_soon", {}},  {7, "overdue", {}},  {8, "overdue", {f}},
                        {9, "overdue", {}},   {15, "overdue", {f}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(day(c.offset) + " " + c.kind);
    Reply r = call(kAuditor, "GET", "/api/v1/notifications/due?as_of=" + day(c.offset));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r["as_of"]), day(c.offset));
    std::vector<std::string> subjects;
    for (const json::Value& item : r["notifications"].items()) {
      if (str(field(item, "kind")) != c.kind) continue;
      subjects.push_back(str(field(item, "subject")));
      EXPECT_EQ(str(field(item, "recipient")), kOwner);
      EXPECT_EQ(str(field(item, "day")), day(c.offset));
    }
    EXPECT_EQ(subjects, c.subjects) << r.body;
  }
  Reply today = call(kOwner, "GET", "/api/v1/notifications/due");
  EXPECT_EQ(str(today["as_of"]), day(0)) << "as_of defaults to today";
  // The owner turns e-mail off: the rules still fire, but nobody is addressed by mail.
  ASSERT_EQ(call(kOwner, "PUT", "/api/v1/me/notifications", R"({"email":false})").status, 200);
  Reply off = call(kAdmin, "GET", "/api/v1/notifications/due?as_of=" + day(0));
  for (const json::Value& item : off["notifications"].items()) {
    EXPECT_NE(str(field(item, "recipient")), kOwner) << off.body;
  }
  EXPECT_EQ(tree_size(), n + 1) << "the dry runs appended nothing";
}

TEST_F(RemindersApi, ARunWithoutAChannelSendsAndRecordsNothing) {
  finding_due_in(7);
  const uint64_t n = tree_size();
  Reply run = call(kAdmin, "POST", "/api/v1/notifications/run");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(str(run["as_of"]), day(0));
  EXPECT_EQ(json::write(run["channels"]), "false") << run.body;
  EXPECT_EQ(num(run["queued"]), 0);
  EXPECT_TRUE(run["notifications"].items().empty()) << run.body;
  EXPECT_EQ(tree_size(), n);
  EXPECT_TRUE(call(kAdmin, "GET", "/api/v1/notifications")["notifications"].items().empty());
  Reply log = call(kAdmin, "GET", "/api/v1/deliveries");
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_TRUE(log["deliveries"].items().empty()) << log.body;
  EXPECT_EQ(json::write(field(log["channels"], "email")), "false") << log.body;
  EXPECT_EQ(num(field(log["channels"], "webhooks")), 0);
}

TEST_F(RemindersApiWithReceiver, AWebhookReceivesTheReminderSignedAndOnlyOnce) {
  const std::unique_ptr<WebhookReceiver> receiver = start_receiver({});
  const std::string f = finding_due_in(7);
  const std::string id = add_webhook_at(*receiver, R"(["due_soon"])");
  const uint64_t n = tree_size();

  Reply run = call(kAdmin, "POST", "/api/v1/notifications/run");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(json::write(run["channels"]), "true") << run.body;
  EXPECT_EQ(num(run["queued"]), 1);
  const json::Value& planned = only(run["notifications"]);
  EXPECT_EQ(str(field(planned, "recipient")), "webhook:" + id);
  EXPECT_EQ(str(field(planned, "subject")), f);

  const std::vector<json::Value> got = receiver->deliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::write(field(got[0], "verified")), "true") << json::write(got[0]);
  auto body = json::parse(str(field(got[0], "body")));
  ASSERT_TRUE(body.is_ok()) << json::write(got[0]);
  EXPECT_NE(str(field(*body, "type")).find("due_soon"), std::string::npos) << json::write(*body);
  EXPECT_NE(json::write(field(*body, "data")).find(f), std::string::npos) << json::write(*body);

  EXPECT_EQ(tree_size(), n + 1) << "one notification_sent";
  EXPECT_EQ(str(field(last_webhook_delivery(), "state")), "delivered");
  Reply sent = call(kAuditor, "GET", "/api/v1/notifications");
  const json::Value& recorded = only(sent["notifications"]);
  EXPECT_EQ(str(field(recorded, "recipient")), "webhook:" + id);
  EXPECT_EQ(str(field(recorded, "kind")), "due_soon");
  EXPECT_EQ(str(field(recorded, "subject")), f);
  EXPECT_EQ(str(field(recorded, "message_id")), str(field(got[0], "id")))
      << "the webhook-id is the recorded message id";
  EXPECT_EQ(str(field(only_delivery(), "state")), "delivered");

  Reply again = call(kAdmin, "POST", "/api/v1/notifications/run");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(num(again["queued"]), 0);
  EXPECT_EQ(receiver->deliveries().size(), 1u) << "a firing is sent once";
  EXPECT_EQ(tree_size(), n + 1);
  EXPECT_EQ(call(kAdmin, "GET", "/api/v1/notifications")["notifications"].items().size(), 1u);
}

TEST_F(RemindersApiWithReceiver, AFailingWebhookIsRetriedThenGivenUpAfter24Hours) {
  const std::unique_ptr<WebhookReceiver> receiver = start_receiver({"--fail", "1000"});
  finding_due_in(7);
  add_webhook_at(*receiver, R"(["due_soon"])");
  const uint64_t n = tree_size();

  ASSERT_EQ(num(call(kAdmin, "POST", "/api/v1/notifications/run")["queued"]), 1);
  EXPECT_EQ(receiver->deliveries().size(), 1u);
  json::Value d = only_delivery();
  EXPECT_EQ(str(field(d, "state")), "pending") << json::write(d);
  EXPECT_EQ(num(field(d, "attempts")), 1);
  EXPECT_NE(str(field(d, "last_error")).find("500"), std::string::npos) << json::write(d);
  EXPECT_TRUE(field(d, "next_attempt_at").is_string()) << json::write(d);
  const json::Value last = last_webhook_delivery();
  EXPECT_EQ(str(field(last, "state")), "pending") << json::write(last);
  EXPECT_NE(str(field(last, "error")).find("500"), std::string::npos) << json::write(last);

  // A minute later the retry is due: it fails too and stays pending.
  clock_.advance(61 * kMicrosPerSecond);
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/notifications/run").status, 200);
  EXPECT_EQ(receiver->deliveries().size(), 2u);
  d = only_delivery();
  EXPECT_EQ(str(field(d, "state")), "pending") << json::write(d);
  EXPECT_EQ(num(field(d, "attempts")), 2);

  // More than 24 hours after the first attempt, the next failure gives up.
  clock_.advance(static_cast<Micros>(25) * 3600 * kMicrosPerSecond);
  Reply run = call(kAdmin, "POST", "/api/v1/notifications/run");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(str(run["as_of"]), day(0));
  EXPECT_EQ(receiver->deliveries().size(), 3u);
  Reply failed = call(kAdmin, "GET", "/api/v1/deliveries?state=failed");
  d = only(failed["deliveries"]);
  EXPECT_EQ(str(field(d, "state")), "failed") << json::write(d);
  EXPECT_TRUE(field(d, "next_attempt_at").is_null()) << json::write(d);
  EXPECT_TRUE(field(d, "finished_at").is_string()) << json::write(d);
  EXPECT_NE(str(field(d, "last_error")).find("500"), std::string::npos) << json::write(d);
  EXPECT_TRUE(
      call(kAdmin, "GET", "/api/v1/deliveries?state=pending")["deliveries"].items().empty());
  EXPECT_EQ(str(field(last_webhook_delivery(), "state")), "failed");
  EXPECT_TRUE(call(kAdmin, "GET", "/api/v1/notifications")["notifications"].items().empty());
  EXPECT_EQ(tree_size(), n) << "a delivery given up is never recorded";
}

}  // namespace
}  // namespace gaplog
