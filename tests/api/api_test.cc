// The API of SPEC §6, called in-process: every endpoint's shape and status, auth, ETag /
// If-Match, idempotency and back-fill. (Over real HTTP: tests/http/http_e2e_test.cc.)
#include "api/api.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "../support/api_test_support.h"
#include "domain/hex.h"
#include "store/merkle.h"
#include "store/sha256.h"
#include "store/tree_head.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;
using testing::str;

class Api : public ApiFixture {};

TEST_F(Api, HealthzIsOpenAndReportsTheTreeSize) {
  Reply r = call("", "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(str(r["status"]), "ok");
  EXPECT_EQ(num(r["tree_size"]), static_cast<int64_t>(tree_size()));
}

TEST_F(Api, EveryApiRouteNeedsAToken) {
  for (const char* target :
       {"/api/v1/criteria", "/api/v1/findings", "/api/v1/nope", "/api/v1/readiness"}) {
    Reply r = call("", "GET", target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.error_code(), "unauthenticated");
    EXPECT_THAT(r.error_message(), ::testing::HasSubstr("Bearer"));
  }
  EXPECT_EQ(call("gaplog_" + std::string(64, '0'), "GET", "/api/v1/criteria").status, 401);
  ApiRequest basic{"GET", "/api/v1/criteria", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}, ""};
  EXPECT_EQ(send(basic).status, 401);
}

TEST_F(Api, CriteriaListsTheCatalog) {
  Reply r = call(kAuditor, "GET", "/api/v1/criteria");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r["items"].items().size(), 61u);
  EXPECT_EQ(str(*r["items"].items()[0].find("id")), "CC1.1");
}

TEST_F(Api, UnknownEndpointIs404AndWrongMethodIs405) {
  EXPECT_EQ(call(kAdmin, "GET", "/api/v1/nothing").status, 404);
  Reply r = call(kAdmin, "DELETE", "/api/v1/findings");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow").value_or(""), "POST, GET, HEAD");
  EXPECT_EQ(r.error_code(), "method_not_allowed");
  Reply health = call("", "POST", "/healthz");
  EXPECT_EQ(health.status, 405);
  EXPECT_EQ(health.header("Allow").value_or(""), "GET, HEAD");
}

// SPEC §6: HEAD is answered wherever GET is, with the same status and headers. In process the
// Api answers it exactly as GET; over HTTP the transport sends no body.
TEST_F(Api, HeadIsAnsweredWhereverGetIsWithTheSameStatusAndHeaders) {
  ASSERT_EQ(record_finding(), "F-1");
  ASSERT_EQ(call(kEditor, "POST", "/api/v1/evidence?filename=mfa.png&finding=F-1", "png",
                 {{"Content-Type", "image/png"}})
                .status,
            201);
  for (const char* target :
       {"/healthz", "/api/v1/criteria", "/api/v1/findings", "/api/v1/findings/F-1",
        "/api/v1/findings/F-1/history", "/api/v1/evidence/E-1", "/api/v1/evidence/E-1/content",
        "/api/v1/readiness", "/api/v1/events?limit=2", "/api/v1/export/poam",
        "/api/v1/findings/F-999", "/api/v1/findings?status=done"}) {
    SCOPED_TRACE(target);
    const std::string as = std::string_view(target) == "/healthz" ? "" : kAuditor;
    Reply got = call(as, "GET", target);
    Reply head = call(as, "HEAD", target);
    EXPECT_EQ(head.status, got.status);
    EXPECT_EQ(head.headers, got.headers);
    EXPECT_EQ(head.body, over_http() ? "" : got.body);
  }
  Reply anonymous = call("", "HEAD", "/api/v1/findings");
  EXPECT_EQ(anonymous.status, 401);
  Reply post_only = call(kAdmin, "HEAD", "/api/v1/findings/F-1/status");
  EXPECT_EQ(post_only.status, 405);
  EXPECT_EQ(post_only.header("Allow").value_or(""), "POST");
  EXPECT_EQ(call(kAdmin, "HEAD", "/api/v1/controls").header("Allow"), std::nullopt);
}

// SPEC §6: every /api/v1 answer carries Cache-Control: no-store, errors included, whichever
// way through the Api it took (handle, the quick path, start, an upload).
TEST_F(Api, EveryAnswerCarriesCacheControlNoStore) {
  ASSERT_EQ(record_finding(), "F-1");
  std::vector<Reply> replies = {
      call(kAuditor, "GET", "/api/v1/criteria"),
      call(kAuditor, "GET", "/api/v1/findings/F-1"),
      call(kAuditor, "GET", "/api/v1/readiness"),
      call(kAuditor, "GET", "/api/v1/readiness"),  // now cached: the quick path
      call(kEditor, "POST", "/api/v1/findings/F-1/comments", R"({"text":"hi"})"),
      call(kEditor, "PATCH", "/api/v1/findings/F-1", R"({"title":"x"})", {{"If-Match", "\"1\""}}),
      call(kEditor, "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", "x",
           {{"Content-Type", "text/plain"}}),
      call(kEditor, "POST", "/api/v1/evidence?filename=..&finding=F-1", "x",
           {{"Content-Type", "text/plain"}}),
      call(kAuditor, "GET", "/api/v1/evidence/E-1/content"),
      call("", "GET", "/api/v1/findings"),
      call(kAuditor, "GET", "/api/v1/nothing"),
      call(kAuditor, "DELETE", "/api/v1/findings"),
      call(kAuditor, "POST", "/api/v1/findings", "{}"),
      call(kEditor, "GET", "/api/v1/findings?bogus=1"),
      call(kEditor, "POST", "/api/v1/findings", "{"),
      call("", "GET", "/healthz"),
  };
  for (const Reply& r : replies) {
    EXPECT_EQ(r.header("Cache-Control").value_or("(none)"), "no-store")
        << r.status << " " << r.body.substr(0, 200);
  }
  // The answers of start() and try_quick() themselves.
  const HeaderList editor{{"Authorization", "Bearer " + token(kEditor)},
                          {"Content-Type", "application/json"}};
  auto& api = program_->api();
  for (const char* body : {R"({"text":"again"})", R"({"text":1})"}) {
    std::optional<ApiResponse> answer;
    std::promise<std::optional<ApiResponse>> done;
    api.start(ApiRequest{"POST", "/api/v1/findings/F-1/comments", editor, body},
              [&done](std::optional<ApiResponse> r) { done.set_value(std::move(r)); });
    answer = done.get_future().get();
    ASSERT_TRUE(answer.has_value()) << body;
    EXPECT_EQ(answer->header("Cache-Control"), std::optional<std::string_view>("no-store")) << body;
  }
  auto quick = api.try_quick(ApiRequest{"GET", "/healthz", {}, ""});
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(quick->header("Cache-Control"), std::optional<std::string_view>("no-store"));
}

TEST_F(Api, QuickReadinessIsTheCachedAnswerAndNeverStale) {
  ApiRequest get{"GET", "/api/v1/readiness", {{"Authorization", "Bearer " + token(kAuditor)}}, ""};
  EXPECT_FALSE(program_->api().try_quick(get).has_value()) << "nothing cached yet";
  const std::string first = send(get).body;
  auto quick = program_->api().try_quick(get);
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(quick->body, first);
  EXPECT_EQ(quick->user, kAuditor);
  record_finding();  // the log moves on: the cached answer is stale
  EXPECT_FALSE(program_->api().try_quick(get).has_value());
  const std::string second = send(get).body;
  EXPECT_NE(second, first);
  EXPECT_EQ(program_->api().try_quick(get)->body, second);
  clock_.advance(kMicrosPerDay);  // so is yesterday's
  EXPECT_FALSE(program_->api().try_quick(get).has_value());
  // Auth still applies, and other requests are not quick.
  ApiRequest anonymous{"GET", "/api/v1/readiness", {}, ""};
  EXPECT_EQ(program_->api().try_quick(anonymous)->status, 401);
  ApiRequest dated{"GET", "/api/v1/readiness?as_of=2026-01-01", get.headers, ""};
  EXPECT_FALSE(program_->api().try_quick(dated).has_value());
  ApiRequest health{"GET", "/healthz", {}, ""};
  EXPECT_EQ(program_->api().try_quick(health)->status, 200);
}

// Api::start: the answer it gives (nullopt: "use handle()"), waited for.
std::optional<ApiResponse> started(gaplog::Api& api, const ApiRequest& request) {
  std::promise<std::optional<ApiResponse>> answer;
  auto future = answer.get_future();
  api.start(request, [&answer](std::optional<ApiResponse> r) { answer.set_value(std::move(r)); });
  EXPECT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  return future.get();
}

TEST_F(Api, StartServesAPlainWriteLikeHandleAndLeavesTheRestToHandle) {
  auto& api = program_->api();
  const HeaderList editor{{"Authorization", "Bearer " + token(kEditor)},
                          {"Content-Type", "application/json"}};
  const std::string body = R"({"title":"No MFA","severity":"high","criteria":["CC6.1"]})";
  auto r = started(api, ApiRequest{"POST", "/api/v1/findings", editor, body});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->user, kEditor);
  EXPECT_EQ(r->header("Location"), std::optional<std::string_view>("/api/v1/findings/F-1"));
  EXPECT_EQ(r->header("ETag"), std::optional<std::string_view>("\"1\""));
  // The same body as handle() gives for the same write (the next finding, F-2).
  ApiResponse by_handle = api.handle(ApiRequest{"POST", "/api/v1/findings", editor, body});
  auto j1 = json::parse(r->body), j2 = json::parse(by_handle.body);
  ASSERT_TRUE(j1.is_ok() && j2.is_ok());
  ASSERT_NE(j1->find("id"), nullptr);
  EXPECT_EQ(str(*j1->find("id")), "F-1");
  EXPECT_EQ(str(*j2->find("id")), "F-2");
  // Every field but the id and the seq is the same.
  j1->set("id", json::Value::string("")).set("seq", json::Value::integer(0));
  j2->set("id", json::Value::string("")).set("seq", json::Value::integer(0));
  EXPECT_EQ(json::write(*j1), json::write(*j2));
  // Refused before any command: answered at once, as handle() answers it.
  ApiRequest bad{"POST", "/api/v1/findings", editor, R"({"title":1})"};
  auto refused = started(api, bad);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(refused->body, api.handle(bad).body);
  ApiRequest unknown{"POST", "/api/v1/findings/F-9/comments", editor, R"({"text":"x"})"};
  auto not_found = started(api, unknown);
  ASSERT_TRUE(not_found.has_value());
  EXPECT_EQ(not_found->status, 404);
  const uint64_t size = tree_size();
  // Left to handle(), unchanged: reads, replays, auditors, tokens, bad tokens, token issue.
  HeaderList keyed = editor;
  keyed.emplace_back("Idempotency-Key", "k-1");
  const HeaderList auditor{{"Authorization", "Bearer " + token(kAuditor)},
                           {"Content-Type", "application/json"}};
  const HeaderList nobody{{"Authorization", "Bearer gaplog_0000"},
                          {"Content-Type", "application/json"}};
  const HeaderList admin{{"Authorization", "Bearer " + token(kAdmin)},
                         {"Content-Type", "application/json"}};
  for (const ApiRequest& req :
       {ApiRequest{"GET", "/api/v1/findings", editor, ""},
        ApiRequest{"POST", "/api/v1/findings", keyed, body},
        ApiRequest{"POST", "/api/v1/findings", auditor, body},
        ApiRequest{"POST", "/api/v1/findings", nobody, body},
        ApiRequest{"POST", "/api/v1/findings", {}, body},
        ApiRequest{"POST", "/api/v1/users/ed@example.com/tokens", admin, "{}"},
        ApiRequest{"DELETE", "/api/v1/tokens/tok_1", admin, ""},
        ApiRequest{"POST", "/api/v1/findings/import", admin, "title\n"},
        ApiRequest{"POST", "/api/v1/nowhere", admin, "{}"}}) {
    EXPECT_FALSE(started(api, req).has_value()) << req.method << " " << req.target;
  }
  EXPECT_EQ(tree_size(), size) << "declining changes nothing";
}

TEST_F(Api, TimelineDefaultsStayWithinThePointLimitAfterTheOldestBackFill) {
  // SPEC §2: a back-fill goes back 5 years at most.
  const std::string body = R"({"title":"Ancient","severity":"low","criteria":["CC1.1"]})";
  Reply ancient =
      call(kAdmin, "POST", "/api/v1/findings", body, {{"X-Occurred-At", "0001-01-01T00:00:00Z"}});
  EXPECT_EQ(ancient.status, 422) << ancient.body;
  EXPECT_EQ(
      call(kAdmin, "POST", "/api/v1/findings", body, {{"X-Occurred-At", "2020-12-31T23:59:59Z"}})
          .status,
      422);
  Reply old =
      call(kAdmin, "POST", "/api/v1/findings", body, {{"X-Occurred-At", "2021-01-01T00:00:00Z"}});
  ASSERT_EQ(old.status, 201) << old.body;
  Reply t = call(kAuditor, "GET", "/api/v1/timeline");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(str(t["from"]), "2021-01-01");
  EXPECT_LE(t["points"].items().size(), 5000u);
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/timeline?from=0001-01-01").status, 400);
}

}  // namespace
}  // namespace gaplog

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;
using testing::str;

class ApiRoundTrip : public ApiFixture {};

TEST_F(ApiRoundTrip, FindingLifecycleAnswersWithTheEntityAsStored) {
  Reply created =
      call(kEditor, "POST", "/api/v1/findings",
           R"({"title":"No MFA","description":"VPN has none","severity":"high",)"
           R"("criteria":["CC6.1","CC6.6"],"source":"interview","owner":"Oli@Example.com",)"
           R"("due_date":"2026-03-01"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(str(created["id"]), "F-1");
  EXPECT_EQ(created.header("Location").value_or(""), "/api/v1/findings/F-1");
  EXPECT_EQ(str(created["status"]), "open");
  EXPECT_EQ(str(created["owner"]), kOwner);
  EXPECT_EQ(str(created["source"]), "interview");
  EXPECT_EQ(str(created["due_date"]), "2026-03-01");
  EXPECT_TRUE(created["control"].is_null());
  EXPECT_TRUE(created["risk_acceptance"].is_null());
  EXPECT_EQ(num(created["version"]), 1);
  EXPECT_EQ(num(created["seq"]), static_cast<int64_t>(tree_size()));
  EXPECT_EQ(str(created["recorded_on"]), "2026-01-01");

  Reply got = call(kAuditor, "GET", "/api/v1/findings/F-1");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.header("ETag").value_or(""), "\"1\"");
  EXPECT_EQ(str(got["title"]), "No MFA");

  Reply moved = call(kOwner, "POST", "/api/v1/findings/F-1/status", R"({"status":"in_progress"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(str(moved["status"]), "in_progress");
  EXPECT_EQ(num(moved["version"]), 2);

  Reply patched = call(kEditor, "PATCH", "/api/v1/findings/F-1",
                       R"({"severity":"critical","title":"No MFA anywhere"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(str(patched["severity"]), "critical");
  EXPECT_EQ(str(patched["description"]), "VPN has none");  // unchanged fields stay

  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/F-1/due-date",
                 R"({"due_date":"2026-02-01","reason":"sooner"})")
                .status,
            200);
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/F-1/assign", R"({"owner":"cora@example.com"})")
                .status,
            200);
  Reply unassigned = call(kEditor, "POST", "/api/v1/findings/F-1/assign", R"({"owner":null})");
  ASSERT_EQ(unassigned.status, 200) << unassigned.body;
  EXPECT_TRUE(unassigned["owner"].is_null());
  Reply comment = call(kOther, "POST", "/api/v1/findings/F-1/comments", R"({"text":"I can help"})");
  EXPECT_EQ(comment.status, 201) << comment.body;

  Reply history = call(kAuditor, "GET", "/api/v1/findings/F-1/history");
  ASSERT_EQ(history.status, 200);
  std::vector<std::string> types;
  for (const auto& e : history["events"].items()) types.push_back(str(*e.find("type")));
  EXPECT_EQ(types,
            (std::vector<std::string>{"finding_recorded", "finding_status_changed",
                                      "finding_updated", "finding_due_date_set", "finding_assigned",
                                      "finding_assigned", "comment_added"}));
  EXPECT_EQ(str(*history["events"].items().back().find("actor")), kOther);
}

TEST_F(ApiRoundTrip, StaleIfMatchIs412AndAppendsNothing) {
  const std::string id = record_finding();
  Reply first =
      call(kEditor, "PATCH", "/api/v1/findings/" + id, R"({"title":"A"})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(first.status, 200) << first.body;
  const uint64_t size = tree_size();
  Reply second =
      call(kAdmin, "PATCH", "/api/v1/findings/" + id, R"({"title":"B"})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(second.status, 412);
  EXPECT_EQ(second.error_code(), "version_conflict");
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(
      call(kAdmin, "PATCH", "/api/v1/findings/" + id, R"({"title":"B"})", {{"If-Match", "\"2\""}})
          .status,
      200);
}

TEST_F(ApiRoundTrip, IdempotencyKeyRepeatsTheFirstResponseAndAppendsNothing) {
  const HeaderList key{{"Idempotency-Key", "0b8e2f7c-4d0e-4c7a-9a55-1c2d3e4f5a6b"}};
  const std::string body =
      R"({"title":"Backups untested","severity":"medium","criteria":["A1.2"]})";
  Reply first = call(kEditor, "POST", "/api/v1/findings", body, key);
  ASSERT_EQ(first.status, 201);
  const uint64_t size = tree_size();
  Reply again = call(kEditor, "POST", "/api/v1/findings", body, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(str(again["id"]), str(first["id"]));
  EXPECT_EQ(num(again["seq"]), num(first["seq"]));
  EXPECT_EQ(tree_size(), size);
  Reply list = call(kEditor, "GET", "/api/v1/findings");
  EXPECT_EQ(list["items"].items().size(), 1u);
}

// A key first sent with another request replays that request's events, which are no token
// revocation: refused (409), never a 500 from reading them as one.
TEST_F(ApiRoundTrip, IdempotencyKeyOfAnotherRequestDoesNotRevokeAToken) {
  const HeaderList key{{"Idempotency-Key", "k-reused"}};
  Reply token = call(kAdmin, "POST", "/api/v1/users/" + std::string(kOwner) + "/tokens");
  ASSERT_EQ(token.status, 201) << token.body;
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings",
                 R"({"title":"A","severity":"low","criteria":["CC6.1"]})", key)
                .status,
            201);
  const uint64_t size = tree_size();
  Reply revoke = call(kAdmin, "DELETE", "/api/v1/tokens/" + str(token["token_id"]), "", key);
  EXPECT_EQ(revoke.status, 409) << revoke.body;
  EXPECT_EQ(revoke.error_code(), "already_exists");
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(call(kAdmin, "DELETE", "/api/v1/tokens/" + str(token["token_id"])).status, 200);
}

TEST_F(ApiRoundTrip, AdminsBackFillAndTheLogKeepsStreamOrder) {
  clock_.advance(30 * kMicrosPerDay);
  Reply created = call(kAdmin, "POST", "/api/v1/findings",
                       R"({"title":"Old gap","severity":"low","criteria":["CC1.1"]})",
                       {{"X-Occurred-At", "2026-01-10T09:00:00Z"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(created["id"]);
  EXPECT_EQ(str(created["recorded_on"]), "2026-01-10");
  Reply events = call(kAuditor, "GET", "/api/v1/events?stream=finding/" + id);
  ASSERT_EQ(events["events"].items().size(), 1u);
  EXPECT_TRUE(events["events"].items()[0].find("backfilled")->as_bool());
  EXPECT_EQ(str(*events["events"].items()[0].find("occurred_at")), "2026-01-10T09:00:00Z");

  // Earlier than the stream's previous event: refused.
  const uint64_t size = tree_size();
  Reply early = call(kAdmin, "POST", "/api/v1/findings/" + id + "/status",
                     R"({"status":"in_progress"})", {{"X-Occurred-At", "2026-01-05T00:00:00Z"}});
  EXPECT_EQ(early.status, 422) << early.body;
  // Editors may not back-fill.
  Reply editor = call(kEditor, "POST", "/api/v1/findings/" + id + "/status",
                      R"({"status":"in_progress"})", {{"X-Occurred-At", "2026-01-12T00:00:00Z"}});
  EXPECT_EQ(editor.status, 403) << editor.body;
  EXPECT_EQ(tree_size(), size);
  // The finding was open on Jan 11 and in progress from Jan 12, as of those dates.
  ASSERT_EQ(call(kAdmin, "POST", "/api/v1/findings/" + id + "/status",
                 R"({"status":"in_progress"})", {{"X-Occurred-At", "2026-01-12T00:00:00Z"}})
                .status,
            200);
  EXPECT_EQ(str(call(kAuditor, "GET", "/api/v1/findings/" + id + "?as_of=2026-01-11")["status"]),
            "open");
  EXPECT_EQ(str(call(kAuditor, "GET", "/api/v1/findings/" + id + "?as_of=2026-01-12")["status"]),
            "in_progress");
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/findings/" + id + "?as_of=2026-01-09").status, 404);
}

TEST_F(ApiRoundTrip, EvidenceUploadDownloadLinkAndClose) {
  const std::string id = record_finding();
  ASSERT_EQ(call(kOwner, "POST", "/api/v1/findings/" + id + "/status", R"({"status":"remediated"})")
                .status,
            200);
  std::string bytes = "%PDF-1.7\n";
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>(i * 7);
  Reply up = call(kOwner, "POST",
                  "/api/v1/evidence?filename=MFA%20report%20%C3%A9.pdf&finding=" + id +
                      "&collected_on=2025-12-30&valid_until=2026-12-31",
                  bytes, {{"Content-Type", "application/pdf"}});
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(str(up["id"]), "E-1");
  EXPECT_EQ(str(up["sha256"]), hash_hex(sha256(bytes)));
  EXPECT_EQ(num(up["size"]), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(str(up["filename"]), "MFA report \xC3\xA9.pdf");
  EXPECT_EQ(up["findings"].items().size(), 1u);

  Reply down = call(kAuditor, "GET", "/api/v1/evidence/E-1/content");
  ASSERT_EQ(down.status, 200);
  EXPECT_EQ(down.body, bytes);
  EXPECT_EQ(down.header("Content-Type").value_or(""), "application/pdf");
  EXPECT_THAT(
      down.header("Content-Disposition").value_or(""),
      ::testing::Eq(
          "attachment; filename=\"MFA report _.pdf\"; filename*=UTF-8''MFA%20report%20%C3%A9.pdf"));

  // The owner may not close its own finding; an editor may, now that evidence is linked.
  EXPECT_EQ(
      call(kOwner, "POST", "/api/v1/findings/" + id + "/status", R"({"status":"closed"})").status,
      403);
  Reply closed =
      call(kEditor, "POST", "/api/v1/findings/" + id + "/status", R"({"status":"closed"})");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed["evidence"].items().size(), 1u);

  ASSERT_EQ(call(kEditor, "POST", "/api/v1/controls",
                 R"({"id":"AC-01","title":"MFA","criteria":["CC6.1"]})")
                .status,
            201);
  Reply linked = call(kEditor, "POST", "/api/v1/evidence/E-1/links", R"({"control":"AC-01"})");
  ASSERT_EQ(linked.status, 200) << linked.body;
  EXPECT_EQ(str(linked["controls"].items()[0]), "AC-01");
  EXPECT_EQ(str(call(kEditor, "GET", "/api/v1/controls/AC-01")["evidence"].items()[0]), "E-1");
  Reply unlinked = call(kEditor, "POST", "/api/v1/evidence/E-1/unlinks", R"({"control":"AC-01"})");
  ASSERT_EQ(unlinked.status, 200);
  EXPECT_TRUE(unlinked["controls"].items().empty());
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/evidence")["items"].items().size(), 1u);
}

TEST_F(ApiRoundTrip, EvidenceOverTheLimitIs413AndStoresNothing) {
  options_.max_evidence_bytes = 1000;
  open_program();
  const std::string id = record_finding();
  const uint64_t size = tree_size();
  Reply big = call(kEditor, "POST", "/api/v1/evidence?filename=big.bin&finding=" + id,
                   std::string(1001, 'x'), {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.error_code(), "too_large");
  EXPECT_EQ(tree_size(), size);
  Reply declared = call(kEditor, "POST", "/api/v1/evidence?filename=big.bin", "",
                        {{"Content-Length", "1001"}, {"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(declared.status, 413);
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/evidence?filename=ok.bin&finding=" + id,
                 std::string(1000, 'x'), {{"Content-Type", "application/octet-stream"}})
                .status,
            201);
}

TEST_F(ApiRoundTrip, ControlsUsersScopeAndTokens) {
  Reply c = call(
      kEditor, "POST", "/api/v1/controls",
      R"({"id":"AC-01","title":"MFA","description":"everywhere","criteria":["CC6.1"],"status":"partially_implemented"})");
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(str(c["status"]), "partially_implemented");
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/controls",
                 R"({"id":"AC-01","title":"again","criteria":["CC6.1"]})")
                .status,
            409);
  EXPECT_EQ(str(call(kEditor, "PATCH", "/api/v1/controls/AC-01",
                     R"({"criteria":["CC6.1","CC6.2"]})")["criteria"]
                    .items()[1]),
            "CC6.2");
  EXPECT_EQ(str(call(kEditor, "POST", "/api/v1/controls/AC-01/status",
                     R"({"status":"implemented"})")["status"]),
            "implemented");
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/controls")["items"].items().size(), 1u);

  Reply scope = call(kAdmin, "PUT", "/api/v1/scope", R"({"categories":["availability"]})");
  ASSERT_EQ(scope.status, 200) << scope.body;
  Reply got_scope = call(kOwner, "GET", "/api/v1/scope");
  ASSERT_EQ(got_scope["categories"].items().size(), 2u);
  EXPECT_EQ(str(got_scope["categories"].items()[0]), "security");

  Reply user = call(kAdmin, "POST", "/api/v1/users",
                    R"({"email":"Nia@Example.com","name":"Nia","role":"editor"})");
  ASSERT_EQ(user.status, 201) << user.body;
  EXPECT_EQ(str(user["email"]), "nia@example.com");
  EXPECT_EQ(call(kAdmin, "POST", "/api/v1/users",
                 R"({"email":"nia@example.com","name":"Nia","role":"editor"})")
                .status,
            409);
  EXPECT_EQ(str(call(kAdmin, "POST", "/api/v1/users/nia@example.com/role",
                     R"({"role":"auditor"})")["role"]),
            "auditor");

  Reply token = call(kAdmin, "POST", "/api/v1/users/nia%40example.com/tokens");
  ASSERT_EQ(token.status, 201) << token.body;
  const std::string nia = str(token["token"]);
  EXPECT_EQ(call(nia, "GET", "/api/v1/me").status, 200);
  EXPECT_EQ(str(call(nia, "GET", "/api/v1/me")["role"]), "auditor");
  // The token never enters the log: only its SHA-256.
  Reply events = call(kAuditor, "GET", "/api/v1/events?type=token_issued&limit=1000");
  EXPECT_EQ(events.body.find(nia.substr(7)), std::string::npos);
  EXPECT_EQ(call(kAdmin, "DELETE", "/api/v1/tokens/" + str(token["token_id"])).status, 200);
  EXPECT_EQ(call(nia, "GET", "/api/v1/me").status, 401);

  Reply deactivated =
      call(kAdmin, "POST", "/api/v1/users/cora@example.com/deactivate", R"({"reason":"left"})");
  ASSERT_EQ(deactivated.status, 200) << deactivated.body;
  EXPECT_FALSE(deactivated["active"].as_bool());
  EXPECT_EQ(call(kOther, "GET", "/api/v1/me").status, 401);  // tokens stop at once
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/users?limit=2")["items"].items().size(), 2u);
}

// A readiness answer's tree_size is the log it reflects: as known at T, the events recorded by T
// (as every other as_known_at answer counts them), not the log's size when it was asked.
TEST_F(ApiRoundTrip, ReadinessAsKnownAtCarriesTheTreeSizeOfThatTime) {
  record_finding("Gap", R"(,"due_date":"2026-01-10")");
  const uint64_t then_size = tree_size();
  const std::string then = format_timestamp(clock_.now());
  clock_.advance(kMicrosPerDay);
  record_finding("Later gap");
  ASSERT_GT(tree_size(), then_size);
  Reply known = call(kAuditor, "GET", "/api/v1/readiness?as_known_at=" + then);
  ASSERT_EQ(known.status, 200) << known.body;
  EXPECT_EQ(num(known["tree_size"]), static_cast<int64_t>(then_size));
  EXPECT_EQ(num(call(kAuditor, "GET", "/api/v1/readiness")["tree_size"]),
            static_cast<int64_t>(tree_size()));
}

TEST_F(ApiRoundTrip, ProjectionsAnswerInTheirShapes) {
  const std::string id = record_finding("Gap", R"(,"due_date":"2026-01-10")");
  clock_.advance(20 * kMicrosPerDay);
  Reply r = call(kAuditor, "GET", "/api/v1/readiness");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(str(r["as_of"]), "2026-01-21");
  EXPECT_TRUE(r["as_known_at"].is_null());
  EXPECT_EQ(num(r["tree_size"]), static_cast<int64_t>(tree_size()));
  EXPECT_EQ(num(*r["overall"].find("in_scope")), 33);
  EXPECT_EQ(num(*r["overall"].find("ready")), 0);
  ASSERT_EQ(r["criteria"].items().size(), 61u);
  ASSERT_NE(r["categories"].find("security"), nullptr);
  EXPECT_EQ(r["categories"].find("privacy"), nullptr);
  // CC6.1 has the open finding.
  for (const auto& c : r["criteria"].items()) {
    if (str(*c.find("id")) == "CC6.1") {
      EXPECT_EQ(str(*c.find("status")), "gap");
      EXPECT_EQ(str(c.find("findings")->items()[0]), id);
    }
  }
  // As of a date before the finding: no gap, but no controls either.
  Reply before = call(kAuditor, "GET", "/api/v1/readiness?as_of=2025-12-31");
  EXPECT_EQ(str(before["as_of"]), "2025-12-31");

  Reply w = call(kAuditor, "GET", "/api/v1/workloads");
  ASSERT_EQ(w.status, 200);
  ASSERT_EQ(w["owners"].items().size(), 1u);
  EXPECT_EQ(str(*w["owners"].items()[0].find("owner")), kOwner);
  EXPECT_EQ(num(*w["owners"].items()[0].find("overdue")), 1);
  EXPECT_EQ(num(*w["owners"].items()[0].find("oldest_days")), 20);

  Reply t = call(kAuditor, "GET", "/api/v1/timeline?from=2026-01-01&to=2026-01-21&step=7");
  ASSERT_EQ(t.status, 200) << t.body;
  ASSERT_EQ(t["points"].items().size(), 4u);  // 01, 08, 15 and 21
  EXPECT_EQ(str(*t["points"].items()[3].find("date")), "2026-01-21");
  EXPECT_EQ(num(*t["points"].items()[3].find("overdue")), 1);
  EXPECT_TRUE(t["ready_since"].is_null());
  Reply t_default = call(kAuditor, "GET", "/api/v1/timeline");
  EXPECT_EQ(str(t_default["from"]), "2026-01-01");
  EXPECT_EQ(num(t_default["step"]), 7);

  Reply m = call(kAuditor, "GET", "/api/v1/roadmap");
  ASSERT_EQ(m.status, 200);
  ASSERT_EQ(m["months"].items().size(), 1u);
  EXPECT_EQ(str(*m["months"].items()[0].find("month")), "2026-01");
  EXPECT_TRUE(m["months"].items()[0].find("findings")->items()[0].find("overdue")->as_bool());

  Reply list =
      call(kAuditor, "GET", "/api/v1/findings?overdue=true&owner=OLI@example.com&criterion=CC6.1");
  EXPECT_EQ(list["items"].items().size(), 1u);
  EXPECT_TRUE(list["next_after"].is_null());
  EXPECT_TRUE(call(kAuditor, "GET", "/api/v1/findings?status=closed")["items"].items().empty());
}

// SPEC §3: an expired acceptance keeps its status but is shown as expired, never as approved,
// as of the date asked: in the finding, the roadmap and its owner's workload (§5.2).
TEST_F(ApiRoundTrip, AnExpiredRiskAcceptanceIsShownAsExpiredEverywhere) {
  const std::string id = record_finding("Gap", R"(,"due_date":"2026-03-10")");
  const std::string other = record_finding("Open gap");
  const std::string path = "/api/v1/findings/" + id;
  Reply accepted = call(kAdmin, "POST", path + "/risk-acceptance",
                        R"({"justification":"compensating control","expires_on":"2026-02-01"})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_FALSE(accepted["acceptance_expired"].as_bool());
  EXPECT_FALSE(call(kAuditor, "GET", "/api/v1/findings/" + other)["acceptance_expired"].as_bool());

  Reply last_day = call(kAuditor, "GET", path + "?as_of=2026-02-01");
  EXPECT_EQ(str(last_day["status"]), "risk_accepted");
  EXPECT_FALSE(last_day["acceptance_expired"].as_bool()) << last_day.body;
  EXPECT_FALSE(last_day["unresolved"].as_bool());
  Reply expired = call(kAuditor, "GET", path + "?as_of=2026-02-02");
  EXPECT_EQ(str(expired["status"]), "risk_accepted");
  EXPECT_TRUE(expired["acceptance_expired"].as_bool()) << expired.body;
  EXPECT_TRUE(expired["unresolved"].as_bool());
  Reply list = call(kAuditor, "GET", "/api/v1/findings?as_of=2026-02-02");
  ASSERT_EQ(list["items"].items().size(), 2u) << list.body;
  for (const auto& f : list["items"].items()) {
    EXPECT_EQ(f.find("acceptance_expired")->as_bool(), str(*f.find("id")) == id)
        << str(*f.find("id"));
  }

  // The owner's row counts it again once expired (the open finding is on it throughout).
  auto owner_total = [&](const std::string& as_of) {
    Reply w = call(kAuditor, "GET", "/api/v1/workloads?as_of=" + as_of);
    EXPECT_EQ(w["owners"].items().size(), 1u) << w.body;
    return w["owners"].items().empty() ? 0 : num(*w["owners"].items()[0].find("total"));
  };
  EXPECT_EQ(owner_total("2026-02-01"), 1);
  EXPECT_EQ(owner_total("2026-02-02"), 2);

  auto roadmap_entry = [&](const std::string& as_of) -> std::optional<json::Value> {
    Reply m = call(kAuditor, "GET", "/api/v1/roadmap?as_of=" + as_of);
    for (const auto& month : m["months"].items()) {
      for (const auto& f : month.find("findings")->items()) {
        if (str(*f.find("id")) == id) return f;
      }
    }
    return std::nullopt;
  };
  EXPECT_FALSE(roadmap_entry("2026-02-01").has_value());
  auto entry = roadmap_entry("2026-02-02");
  ASSERT_TRUE(entry.has_value());
  EXPECT_TRUE(entry->find("acceptance_expired")->as_bool());
  EXPECT_EQ(str(*entry->find("status")), "risk_accepted");

  // Today's view follows the clock.
  clock_.set(*parse_timestamp("2026-02-02T08:00:00Z"));
  EXPECT_TRUE(call(kAuditor, "GET", path)["acceptance_expired"].as_bool());
}

TEST_F(ApiRoundTrip, ListsPageInNaturalIdOrder) {
  for (int i = 0; i < 12; ++i) record_finding("gap " + std::to_string(i));
  Reply first = call(kAuditor, "GET", "/api/v1/findings?limit=5");
  ASSERT_EQ(first["items"].items().size(), 5u);
  EXPECT_EQ(str(first["next_after"]), "F-5");
  Reply second = call(kAuditor, "GET", "/api/v1/findings?limit=5&after=F-5");
  EXPECT_EQ(str(*second["items"].items()[4].find("id")), "F-10");
  Reply third = call(kAuditor, "GET", "/api/v1/findings?limit=5&after=F-10");
  EXPECT_EQ(third["items"].items().size(), 2u);
  EXPECT_TRUE(third["next_after"].is_null());
}

TEST_F(ApiRoundTrip, AuditTrailProofsVerifyAgainstTheSignedHead) {
  record_finding();
  record_finding();
  Reply head = call(kAuditor, "GET", "/api/v1/audit/tree-head");
  ASSERT_EQ(head.status, 200);
  StoredTreeHead h;
  h.tree_size = num(head["tree_size"]);
  h.root = *parse_hash_hex(str(head["root_hash"]));
  h.timestamp = *parse_timestamp(str(head["timestamp"]));
  h.signature = *from_hex(str(head["signature"]));
  EXPECT_TRUE(verify_tree_head_signature(str(head["public_key"]), h));
  EXPECT_EQ(h.tree_size, tree_size());

  for (uint64_t seq = 1; seq <= h.tree_size; ++seq) {
    Reply p = call(kAuditor, "GET",
                   fmt::format("/api/v1/audit/inclusion?seq={}&tree_size={}", seq, h.tree_size));
    ASSERT_EQ(p.status, 200) << p.body;
    std::vector<Hash> path;
    for (const auto& x : p["audit_path"].items()) path.push_back(*parse_hash_hex(str(x)));
    EXPECT_TRUE(merkle_verify_inclusion(*parse_hash_hex(str(p["leaf_hash"])), seq - 1, h.tree_size,
                                        path, h.root))
        << "seq " << seq;
  }
  const uint64_t old_size = 3;
  auto old_root = program_->log().root(old_size);
  ASSERT_TRUE(old_root.is_ok());
  Reply c = call(kAuditor, "GET",
                 fmt::format("/api/v1/audit/consistency?from={}&to={}", old_size, h.tree_size));
  ASSERT_EQ(c.status, 200) << c.body;
  std::vector<Hash> proof;
  for (const auto& x : c["proof"].items()) proof.push_back(*parse_hash_hex(str(x)));
  EXPECT_TRUE(merkle_verify_consistency(old_size, h.tree_size, *old_root, h.root, proof));

  Reply v = call(kAuditor, "GET", "/api/v1/audit/verify");
  ASSERT_EQ(v.status, 200);
  EXPECT_TRUE(v["ok"].as_bool());
  EXPECT_EQ(str(v["root_hash"]), hash_hex(h.root));
  EXPECT_EQ(call(kEditor, "GET", "/api/v1/audit/verify").status, 403);
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/audit/inclusion?seq=999").status, 400);
}

TEST_F(ApiRoundTrip, EventsPageWithFiltersAndLeafHashes) {
  record_finding();
  const uint64_t size = tree_size();
  Reply all = call(kAuditor, "GET", "/api/v1/events?limit=3");
  ASSERT_EQ(all["events"].items().size(), 3u);
  EXPECT_EQ(num(all["next_after"]), 3);
  const auto& e = all["events"].items()[0];
  EXPECT_EQ(num(*e.find("seq")), 1);
  auto leaf = program_->log().leaf_hash(1);
  EXPECT_EQ(str(*e.find("leaf_hash")), hash_hex(*leaf));
  Reply rest = call(kAuditor, "GET", "/api/v1/events?after=3&limit=1000");
  EXPECT_EQ(rest["events"].items().size(), size - 3);
  EXPECT_TRUE(rest["next_after"].is_null());
  Reply by_type = call(kAuditor, "GET", "/api/v1/events?type=finding_recorded");
  ASSERT_EQ(by_type["events"].items().size(), 1u);
  EXPECT_EQ(str(*by_type["events"].items()[0].find("data")->find("title")), "No MFA on the VPN");
  Reply by_actor = call(kAuditor, "GET", "/api/v1/events?actor=ED@example.com");
  EXPECT_EQ(by_actor["events"].items().size(), 1u);
}

// Issue 16: a consultant's sheet as it comes, its own column names, capitalised severities, a
// column of notes to skip and a recommendation kept with each finding.
TEST_F(ApiRoundTrip, ImportTakesAConsultantsSheetWithAliasesIgnoredColumnsAndRecommendations) {
  const HeaderList csv{{"Content-Type", "text/csv"}};
  Reply unknown = call(kEditor, "POST", "/api/v1/findings/import",
                       "Title,Severity,Criteria,Notes,Colour\nA,low,CC1.1,x,y\n", csv);
  EXPECT_EQ(unknown.status, 400);
  const std::string message = unknown.error_message();
  EXPECT_NE(message.find("'Notes'"), std::string::npos)
      << "every unknown column at once: " << message;
  EXPECT_NE(message.find("'Colour'"), std::string::npos) << message;

  const std::string sheet =
      "Gap ID,Finding,TSC,Risk,Recommendation,NOTES\n"
      "GAP-01,No MFA on the VPN,\"CC6.1, CC6.6\",High,Enforce MFA on every VPN login,ask Bob\n"
      "GAP-02,Backups never restored,A1.2,Medium,,\n";
  const uint64_t size = tree_size();
  Reply dry =
      call(kEditor, "POST", "/api/v1/findings/import?dry_run=true&ignore_column=Notes", sheet, csv);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(tree_size(), size);
  ASSERT_EQ(dry["findings"].items().size(), 2u) << dry.body;
  const json::Value& first = dry["findings"].items()[0];
  EXPECT_EQ(str(*first.find("title")), "No MFA on the VPN");
  EXPECT_EQ(str(*first.find("reference")), "GAP-01");
  EXPECT_EQ(str(*first.find("id")), "F-1");
  EXPECT_EQ(num(*first.find("line")), 2);
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/import?ignore_column=Nope", sheet, csv).status,
            400);

  Reply done =
      call(kEditor, "POST", "/api/v1/findings/import?ignore_column=notes&ignore_column=Gap%20ID",
           sheet, csv);
  ASSERT_EQ(done.status, 201) << done.body;
  Reply f1 = call(kAuditor, "GET", "/api/v1/findings/F-1");
  EXPECT_EQ(str(f1["severity"]), "high");
  EXPECT_EQ(str(f1["recommendation"]), "Enforce MFA on every VPN login");
  EXPECT_EQ(f1["criteria"].items().size(), 2u);
  EXPECT_TRUE(call(kAuditor, "GET", "/api/v1/findings/F-2")["recommendation"].is_null());
  Reply history = call(kAuditor, "GET", "/api/v1/events?type=finding_recorded");
  EXPECT_EQ(str(*history["events"].items()[0].find("data")->find("recommendation")),
            "Enforce MFA on every VPN login");
}

TEST_F(ApiRoundTrip, AFindingKeepsItsRecommendation) {
  Reply created = call(
      kEditor, "POST", "/api/v1/findings",
      R"({"title":"No DR plan","severity":"medium","criteria":["A1.3"],"recommendation":"Write one"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(str(created["recommendation"]), "Write one");
  const std::string id = str(created["id"]);
  Reply patched = call(kEditor, "PATCH", "/api/v1/findings/" + id,
                       R"({"recommendation":"Write and test one"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(str(patched["recommendation"]), "Write and test one");
  EXPECT_EQ(str(patched["title"]), "No DR plan");
  Reply cleared = call(kEditor, "PATCH", "/api/v1/findings/" + id, R"({"recommendation":null})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(cleared["recommendation"].is_null());
  const std::string too_long =
      R"({"title":"t","severity":"low","criteria":["CC1.1"],"recommendation":")" +
      std::string(10'001, 'x') + "\"}";
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings", too_long).status, 400);
}

TEST_F(ApiRoundTrip, ImportRecordsEveryRowAtomicallyOrNothingWithEveryBadRowNamed) {
  const std::string good =
      "\xEF\xBB\xBFTitle,Description,Severity,Criteria,Control,Source,Owner,Due Date\n"
      "\"Firewall rules, unreviewed\",\"Rules \"\"allow any\"\"\non two hosts\",high,\"CC6.6; "
      "CC6.1\",,control_evaluation,"
      "oli@example.com,2026-03-01\n"
      "No DLP,,medium,C1.1,,,,\n";
  const HeaderList csv{{"Content-Type", "text/csv"}};
  const uint64_t size = tree_size();
  Reply dry = call(kEditor, "POST", "/api/v1/findings/import?dry_run=true", good, csv);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(num(dry["count"]), 2);
  EXPECT_EQ(tree_size(), size);
  Reply done = call(kEditor, "POST", "/api/v1/findings/import", good, csv);
  ASSERT_EQ(done.status, 201) << done.body;
  EXPECT_EQ(str(done["ids"].items()[0]), "F-1");
  EXPECT_EQ(tree_size(), size + 2);
  Reply f1 = call(kAuditor, "GET", "/api/v1/findings/F-1");
  EXPECT_EQ(str(f1["title"]), "Firewall rules, unreviewed");
  EXPECT_EQ(str(f1["description"]), "Rules \"allow any\"\non two hosts");
  EXPECT_EQ(f1["criteria"].items().size(), 2u);
  EXPECT_EQ(str(f1["owner"]), kOwner);

  const std::string bad =
      "title,severity,criteria,owner,due date\n"
      "Fine,low,CC1.1,,\n"
      "Bad severity,urgent,CC1.1,,\n"
      "Bad criterion,low,CC99.1,,\n"
      "Unknown owner,low,CC1.1,nobody@example.com,\n"
      "Bad date,low,CC1.1,,2026-02-30\n"
      ",low,CC1.1,,\n"
      "Short row,low\n";
  const uint64_t before = tree_size();
  Reply refused = call(kEditor, "POST", "/api/v1/findings/import", bad, csv);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(tree_size(), before) << "nothing is written unless every row is valid";
  std::vector<int64_t> lines;
  for (const auto& row : refused["error"].find("rows")->items())
    lines.push_back(row.find("line")->as_integer());
  EXPECT_EQ(lines, (std::vector<int64_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/import", "title,severity\nA,low\n", csv).status,
            400);  // no criteria column
  EXPECT_EQ(
      call(kEditor, "POST", "/api/v1/findings/import", "title,severity,criteria,colour\n", csv)
          .status,
      400);
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/import",
                 "title,severity,criteria\n\"open,low,CC1.1\n", csv)
                .status,
            400);
  EXPECT_EQ(call(kOwner, "POST", "/api/v1/findings/import", good, csv).status, 403);
  EXPECT_EQ(call(kAuditor, "POST", "/api/v1/findings/import", good, csv).status, 403);
  EXPECT_EQ(tree_size(), before);
}

TEST_F(ApiRoundTrip, ImportHonoursOccurredAtAndIdempotencyKey) {
  // A past assessment imported as it happened: every finding dated by X-Occurred-At, so later
  // back-filled actions on them are accepted (they used to be dated today and then refused).
  clock_.advance(30 * kMicrosPerDay);
  const std::string file =
      "title,severity,criteria\nOld gap one,low,CC1.1\nOld gap two,high,CC6.1\n";
  const HeaderList headers{{"Content-Type", "text/csv"},
                           {"X-Occurred-At", "2026-01-10T09:00:00Z"},
                           {"Idempotency-Key", "import-2026-01-10"}};
  Reply done = call(kAdmin, "POST", "/api/v1/findings/import", file, headers);
  ASSERT_EQ(done.status, 201) << done.body;
  for (const char* id : {"F-1", "F-2"}) {
    EXPECT_EQ(str(call(kAuditor, "GET", std::string("/api/v1/findings/") + id)["recorded_on"]),
              "2026-01-10")
        << id;
  }
  Reply events = call(kAuditor, "GET", "/api/v1/events?type=finding_recorded");
  for (const auto& e : events["events"].items())
    EXPECT_EQ(str(*e.find("occurred_at")), "2026-01-10T09:00:00Z");
  Reply later = call(kAdmin, "POST", "/api/v1/findings/F-1/status", R"({"status":"in_progress"})",
                     {{"X-Occurred-At", "2026-01-12T00:00:00Z"}});
  EXPECT_EQ(later.status, 200) << later.body;
  // The same file again with the same key: the first answer, nothing appended.
  const uint64_t size = tree_size();
  Reply again = call(kAdmin, "POST", "/api/v1/findings/import", file, headers);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(tree_size(), size);
  // A non-admin may not back-fill an import either.
  EXPECT_EQ(call(kEditor, "POST", "/api/v1/findings/import", file,
                 {{"Content-Type", "text/csv"}, {"X-Occurred-At", "2026-01-10T09:00:00Z"}})
                .status,
            403);
  EXPECT_EQ(tree_size(), size);
}

TEST_F(ApiRoundTrip, RestartLoadsTheCheckpointAndAnswersTheSame) {
  record_finding();
  const std::string before = call(kAuditor, "GET", "/api/v1/readiness").body;
  ASSERT_TRUE(program_->save_checkpoint().is_ok());
  record_finding("after the checkpoint");
  const std::string findings = call(kAuditor, "GET", "/api/v1/findings").body;
  const std::string readiness = call(kAuditor, "GET", "/api/v1/readiness").body;
  open_program();
  EXPECT_GT(program_->history().loaded_checkpoint_seq(), 0u);
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/findings").body, findings);
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/readiness").body, readiness);
  EXPECT_NE(before, readiness);
}

}  // namespace
}  // namespace gaplog
