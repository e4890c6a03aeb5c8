// Bad input over the API (SPEC §6, §9): a table of malformed and rule-breaking requests, each
// answered with the exact 4xx of the spec, the error shape {"error":{"code","message"}}, a
// message that does not echo the hostile input, and nothing written. The same table is then
// replayed from several threads at once (run it under the sanitizer build).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../support/api_test_support.h"
#include "api/api.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;
using testing::str;

constexpr const char* kAdminEmail = "admin@example.com";

struct BadRequest {
  std::string name;
  std::string method;
  std::string target;  // "{token_id}" is replaced by the id of a live token
  HeaderList headers;
  std::string body;
  int status;
  std::string code;
  std::string as = kAdminEmail;  // "" sends no Authorization header
  // Values no HTTP client sends as such (CR LF inside a header value, control bytes in one):
  // they test the Api's own checks and are skipped when the suite runs over HTTP.
  bool in_process_only = false;
};

std::string finding_body(const std::string& fields) {
  return R"({"title":"No MFA on the VPN","severity":"high","criteria":["CC6.1"])" + fields + "}";
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

const HeaderList kText = {{"Content-Type", "text/plain"}};

// The reminder API's part of the table (SPEC §11): webhooks, one's settings, the lists, the pass.
std::vector<BadRequest> reminder_bad_requests() {
  const std::string W = "/api/v1/webhooks";
  const std::string N = "/api/v1/me/notifications";
  const std::string R = "/api/v1/notifications/run";
  // clang-format off
  return {
    {"webhook url ftp://", "POST", W, {}, R"({"url":"ftp://hooks.example.com/in","kinds":["overdue"]})", 400, "invalid_argument"},
    {"webhook url http:// to another host", "POST", W, {}, R"({"url":"http://hooks.example.com/in","kinds":["overdue"]})", 400, "invalid_argument"},
    {"webhook url missing", "POST", W, {}, R"({"kinds":["overdue"]})", 400, "invalid_argument"},
    {"webhook url as a number", "POST", W, {}, R"({"url":443,"kinds":["overdue"]})", 400, "invalid_argument"},
    {"webhook kinds missing", "POST", W, {}, R"({"url":"https://hooks.example.com/in"})", 400, "invalid_argument"},
    {"webhook kinds empty", "POST", W, {}, R"({"url":"https://hooks.example.com/in","kinds":[]})", 400, "invalid_argument"},
    {"webhook kind unknown", "POST", W, {}, R"({"url":"https://hooks.example.com/in","kinds":["overdue","late"]})", 400, "invalid_argument"},
    {"webhook kind listed twice", "POST", W, {}, R"({"url":"https://hooks.example.com/in","kinds":["overdue","overdue"]})", 400, "invalid_argument"},
    {"webhook kinds not a list", "POST", W, {}, R"({"url":"https://hooks.example.com/in","kinds":"overdue"})", 400, "invalid_argument"},
    {"webhook unknown field", "POST", W, {}, R"({"url":"https://hooks.example.com/in","kinds":["overdue"],"secret":"whsec_x"})", 400, "invalid_argument"},
    {"webhook body empty", "POST", W, {}, "", 400, "invalid_argument"},
    {"unknown webhook", "DELETE", W + "/wh_0000000000000000", {}, "", 404, "not_found"},
    {"settings body empty", "PUT", N, {}, "", 400, "invalid_argument"},
    {"settings {}", "PUT", N, {}, "{}", 400, "invalid_argument"},
    {"settings email as a string", "PUT", N, {}, R"({"email":"no"})", 400, "invalid_argument"},
    {"settings digest as null", "PUT", N, {}, R"({"digest":null})", 400, "invalid_argument"},
    {"settings unknown field", "PUT", N, {}, R"({"email":true,"sms":true})", 400, "invalid_argument"},
    {"notifications limit=0", "GET", "/api/v1/notifications?limit=0", {}, "", 400, "invalid_argument"},
    {"notifications limit=abc", "GET", "/api/v1/notifications?limit=abc", {}, "", 400, "invalid_argument"},
    {"notifications limit=1001", "GET", "/api/v1/notifications?limit=1001", {}, "", 400, "invalid_argument"},
    {"notifications kind=late", "GET", "/api/v1/notifications?kind=late", {}, "", 400, "invalid_argument"},
    {"notifications unknown parameter", "GET", "/api/v1/notifications?day=2026-01-01", {}, "", 400, "invalid_argument"},
    {"deliveries state=lost", "GET", "/api/v1/deliveries?state=lost", {}, "", 400, "invalid_argument"},
    {"deliveries limit=0", "GET", "/api/v1/deliveries?limit=0", {}, "", 400, "invalid_argument"},
    {"deliveries limit=abc", "GET", "/api/v1/deliveries?limit=abc", {}, "", 400, "invalid_argument"},
    {"due as_of=2026-02-30", "GET", "/api/v1/notifications/due?as_of=2026-02-30", {}, "", 400, "invalid_argument"},
    {"due as_of=tomorrow", "GET", "/api/v1/notifications/due?as_of=tomorrow", {}, "", 400, "invalid_argument"},
    {"run as_of=2026-02-30", "POST", R, {}, R"({"as_of":"2026-02-30"})", 400, "invalid_argument"},
    {"run for tomorrow", "POST", R, {}, R"({"as_of":"2026-01-02"})", 400, "invalid_argument"},
    {"run for yesterday", "POST", R, {}, R"({"as_of":"2025-12-31"})", 400, "invalid_argument"},
    {"run unknown field", "POST", R, {}, R"({"dry_run":true})", 400, "invalid_argument"},
  };
  // clang-format on
}

// Issue 20's part of the table (SPEC §12): a control's owner and cadence, its tests, the new
// filters of the control, evidence and finding lists, and the bulk action on findings.
std::vector<BadRequest> issue20_bad_requests() {
  const std::string C = "/api/v1/controls";
  const std::string T = "/api/v1/controls/AC-01/tests";
  const std::string B = "/api/v1/findings/bulk";
  const std::string assign_none = R"("action":{"assign":{"owner":null}})";
  std::string ids_1001 = R"({"ids":[)";
  for (int i = 1; i <= 1001; ++i) ids_1001 += (i > 1 ? ",\"F-" : "\"F-") + std::to_string(i) + "\"";
  ids_1001 += "]," + assign_none + "}";
  // clang-format off
  return {
    // ---- a control's owner and evidence cadence ----
    {"control evidence_every weekly", "POST", C, {}, R"({"id":"AC-02","title":"x","criteria":["CC6.1"],"evidence_every":"weekly"})", 400, "invalid_argument"},
    {"control evidence_every as a number", "POST", C, {}, R"({"id":"AC-02","title":"x","criteria":["CC6.1"],"evidence_every":12})", 400, "invalid_argument"},
    {"PATCH control evidence_every weekly", "PATCH", C + "/AC-01", {}, R"({"evidence_every":"weekly"})", 400, "invalid_argument"},
    {"PATCH control evidence_every null", "PATCH", C + "/AC-01", {}, R"({"evidence_every":null})", 400, "invalid_argument"},
    {"control evidence_every empty", "POST", C, {}, R"({"id":"AC-02","title":"x","criteria":["CC6.1"],"evidence_every":""})", 400, "invalid_argument"},
    {"PATCH control owner empty (null clears it)", "PATCH", C + "/AC-01", {}, R"({"owner":""})", 400, "invalid_argument"},
    // A duplicate id is a conflict (409) whatever else is wrong with the owner.
    {"duplicate control with an unknown owner", "POST", C, {}, R"({"id":"AC-01","title":"x","criteria":["CC6.1"],"owner":"nobody@example.com"})", 409, "already_exists"},
    {"control owned by an auditor", "POST", C, {}, R"({"id":"AC-02","title":"x","criteria":["CC6.1"],"owner":"audrey@cpa.example"})", 422, "rule_violation"},
    {"control owned by an unknown user", "POST", C, {}, R"({"id":"AC-02","title":"x","criteria":["CC6.1"],"owner":"nobody@example.com"})", 422, "rule_violation"},
    {"PATCH control owner an auditor", "PATCH", C + "/AC-01", {}, R"({"owner":"audrey@cpa.example"})", 422, "rule_violation"},
    {"PATCH control owner unknown", "PATCH", C + "/AC-01", {}, R"({"owner":"nobody@example.com"})", 422, "rule_violation"},
    {"PATCH control owner as a number", "PATCH", C + "/AC-01", {}, R"({"owner":7})", 400, "invalid_argument"},
    // ---- control tests (the control was defined 2026-01-01, today) ----
    {"test kind unknown", "POST", T, {}, R"({"kind":"manual","tested_on":"2026-01-01","result":"pass"})", 400, "invalid_argument"},
    {"test result unknown", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"ok"})", 400, "invalid_argument"},
    {"test tested_on 2026-02-30", "POST", T, {}, R"({"kind":"design","tested_on":"2026-02-30","result":"pass"})", 400, "invalid_argument"},
    {"test without tested_on", "POST", T, {}, R"({"kind":"design","result":"pass"})", 400, "invalid_argument"},
    {"test without kind", "POST", T, {}, R"({"tested_on":"2026-01-01","result":"pass"})", 400, "invalid_argument"},
    {"test unknown field", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass","tester":"me"})", 400, "invalid_argument"},
    {"test evidence as a string", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass","evidence":"E-1"})", 400, "invalid_argument"},
    {"test evidence listed twice", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass","evidence":["E-1","E-1"]})", 400, "invalid_argument"},
    {"test notes of 10001 characters", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass","notes":")" + std::string(10001, 'n') + "\"}", 400, "invalid_argument"},
    {"test dated tomorrow", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-02","result":"pass"})", 422, "rule_violation"},
    {"test dated before the control was defined", "POST", T, {}, R"({"kind":"design","tested_on":"2025-12-31","result":"pass"})", 422, "rule_violation"},
    {"test with unknown evidence", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass","evidence":["E-99"]})", 422, "rule_violation"},
    {"test of an unknown control", "POST", C + "/NOPE/tests", {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass"})", 404, "not_found"},
    {"test by an auditor", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass"})", 403, "forbidden", "audrey@cpa.example"},
    {"test by a contributor", "POST", T, {}, R"({"kind":"design","tested_on":"2026-01-01","result":"pass"})", 403, "forbidden", "oli@example.com"},
    {"tests of an unknown control", "GET", C + "/NOPE/tests", {}, "", 404, "not_found"},
    {"tests as_of 2026-02-30", "GET", T + "?as_of=2026-02-30", {}, "", 400, "invalid_argument"},
    {"tests with an unknown parameter", "GET", T + "?result=fail", {}, "", 400, "invalid_argument"},
    {"history of an unknown control", "GET", C + "/NOPE/history", {}, "", 404, "not_found"},
    // ---- control filters ----
    {"controls owner=", "GET", C + "?owner=", {}, "", 400, "invalid_argument"},
    {"controls status=done", "GET", C + "?status=done", {}, "", 400, "invalid_argument"},
    {"controls status=implemented,done", "GET", C + "?status=implemented,done", {}, "", 400, "invalid_argument"},
    {"controls status=", "GET", C + "?status=", {}, "", 400, "invalid_argument"},
    {"controls evidence_status=stale", "GET", C + "?evidence_status=stale", {}, "", 400, "invalid_argument"},
    {"controls evidence_status=current,,lapsed", "GET", C + "?evidence_status=current,,lapsed", {}, "", 400, "invalid_argument"},
    {"controls criterion=CC9.9", "GET", C + "?criterion=CC9.9", {}, "", 400, "invalid_argument"},
    {"controls criterion=", "GET", C + "?criterion=", {}, "", 400, "invalid_argument"},
    // ---- evidence filters ----
    {"evidence expiring_within=-1", "GET", "/api/v1/evidence?expiring_within=-1", {}, "", 400, "invalid_argument"},
    {"evidence expiring_within=abc", "GET", "/api/v1/evidence?expiring_within=abc", {}, "", 400, "invalid_argument"},
    {"evidence expiring_within=3651", "GET", "/api/v1/evidence?expiring_within=3651", {}, "", 400, "invalid_argument"},
    {"evidence expiring_within=", "GET", "/api/v1/evidence?expiring_within=", {}, "", 400, "invalid_argument"},
    {"evidence unlinked=maybe", "GET", "/api/v1/evidence?unlinked=maybe", {}, "", 400, "invalid_argument"},
    {"evidence unlinked=", "GET", "/api/v1/evidence?unlinked=", {}, "", 400, "invalid_argument"},
    // ---- finding filters ----
    {"findings status=", "GET", "/api/v1/findings?status=", {}, "", 400, "invalid_argument"},
    {"findings status=open,", "GET", "/api/v1/findings?status=open,", {}, "", 400, "invalid_argument"},
    {"findings status=open,done", "GET", "/api/v1/findings?status=open,done", {}, "", 400, "invalid_argument"},
    {"findings severity=high,urgent", "GET", "/api/v1/findings?severity=high,urgent", {}, "", 400, "invalid_argument"},
    {"findings owner=", "GET", "/api/v1/findings?owner=", {}, "", 400, "invalid_argument"},
    {"findings owner=none,", "GET", "/api/v1/findings?owner=none,", {}, "", 400, "invalid_argument"},
    {"findings criterion=CC6.1,CC9.9", "GET", "/api/v1/findings?criterion=CC6.1,CC9.9", {}, "", 400, "invalid_argument"},
    {"findings q of 201 characters", "GET", "/api/v1/findings?q=" + std::string(201, 'q'), {}, "", 400, "invalid_argument"},
    // ---- the bulk action (nothing written: all or nothing) ----
    {"bulk body empty", "POST", B, {}, "", 400, "invalid_argument"},
    {"bulk ids empty", "POST", B, {}, R"({"ids":[],)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk ids listed twice", "POST", B, {}, R"({"ids":["F-1","F-1"],)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk of 1001 ids", "POST", B, {}, ids_1001, 400, "invalid_argument"},
    {"bulk ids as a string", "POST", B, {}, R"({"ids":"F-1",)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk ids with a number", "POST", B, {}, R"({"ids":["F-1",2],)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk without action", "POST", B, {}, R"({"ids":["F-1"]})", 400, "invalid_argument"},
    {"bulk action null", "POST", B, {}, R"({"ids":["F-1"],"action":null})", 400, "invalid_argument"},
    {"bulk action {}", "POST", B, {}, R"({"ids":["F-1"],"action":{}})", 400, "invalid_argument"},
    {"bulk action assign and status", "POST", B, {}, R"({"ids":["F-1"],"action":{"assign":{"owner":null},"status":{"status":"in_progress"}}})", 400, "invalid_argument"},
    {"bulk unknown action", "POST", B, {}, R"({"ids":["F-1"],"action":{"close":{}}})", 400, "invalid_argument"},
    {"bulk unknown field", "POST", B, {}, R"({"ids":["F-1"],)" + assign_none + R"(,"dry_run":true})", 400, "invalid_argument"},
    {"bulk assign without owner", "POST", B, {}, R"({"ids":["F-1"],"action":{"assign":{}}})", 400, "invalid_argument"},
    {"bulk assign unknown field", "POST", B, {}, R"({"ids":["F-1"],"action":{"assign":{"owner":null,"notify":true}}})", 400, "invalid_argument"},
    {"bulk due_date 2026-02-30", "POST", B, {}, R"({"ids":["F-1"],"action":{"due_date":{"due_date":"2026-02-30"}}})", 400, "invalid_argument"},
    {"bulk status unknown", "POST", B, {}, R"({"ids":["F-1"],"action":{"status":{"status":"done"}}})", 400, "invalid_argument"},
    {"bulk with If-Match", "POST", B, {{"If-Match", "\"1\""}}, R"({"ids":["F-1"],)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk with a query parameter", "POST", B + "?dry_run=true", {}, R"({"ids":["F-1"],)" + assign_none + "}", 400, "invalid_argument"},
    {"bulk of an unknown finding", "POST", B, {}, R"({"ids":["F-1","F-99"],"action":{"status":{"status":"in_progress"}}})", 404, "not_found"},
    {"bulk open -> closed", "POST", B, {}, R"({"ids":["F-1"],"action":{"status":{"status":"closed"}}})", 422, "rule_violation"},
    {"bulk assign to the current owner", "POST", B, {}, R"({"ids":["F-1"],"action":{"assign":{"owner":"oli@example.com"}}})", 422, "rule_violation"},
    {"bulk assign to an auditor", "POST", B, {}, R"({"ids":["F-1"],"action":{"assign":{"owner":"audrey@cpa.example"}}})", 422, "rule_violation"},
    {"bulk refusals of two kinds", "POST", B, {}, R"({"ids":["F-99","F-1"],"action":{"status":{"status":"closed"}}})", 422, "rule_violation"},
    {"bulk by a contributor on a finding it does not own", "POST", B, {}, R"({"ids":["F-1"],"action":{"status":{"status":"in_progress"}}})", 403, "forbidden", "cora@example.com"},
    {"bulk by an auditor", "POST", B, {}, R"({"ids":["F-1"],)" + assign_none + "}", 403, "forbidden", "audrey@cpa.example"},
    {"bulk with X-Occurred-At by an editor", "POST", B, {{"X-Occurred-At", "2025-12-31T00:00:00Z"}}, R"({"ids":["F-1"],)" + assign_none + "}", 403, "forbidden", "ed@example.com"},
  };
  // clang-format on
}

// Every request of the table. The program holds control AC-01, finding F-1 (open, owned by
// oli@example.com, no due date) and evidence E-1 linked to F-1; the clock reads
// 2026-01-01T00:00:00Z and F-1 was recorded then.
std::vector<BadRequest> bad_requests() {
  const std::string F = "/api/v1/findings";
  const std::string F1 = "/api/v1/findings/F-1";
  const std::string mib(1 << 20, 'a');
  // clang-format off
  return {
    // ---- broken JSON ----
    {"truncated JSON", "POST", F, {}, R"({"title":"No MFA","severity":"hi)", 400, "invalid_argument"},
    {"truncated after a comma", "POST", F, {}, R"({"title":"No MFA",)", 400, "invalid_argument"},
    {"trailing comma in an object", "POST", F, {}, finding_body(","), 400, "invalid_argument"},
    {"trailing comma in an array", "POST", F, {}, R"({"title":"x","severity":"high","criteria":["CC6.1",]})", 400, "invalid_argument"},
    {"single quotes", "POST", F, {}, "{'title':'x','severity':'high','criteria':['CC6.1']}", 400, "invalid_argument"},
    {"line comment", "POST", F, {}, "{\"title\":\"x\", // why\n\"severity\":\"high\",\"criteria\":[\"CC6.1\"]}", 400, "invalid_argument"},
    {"block comment", "POST", F, {}, "/* hi */" + finding_body(""), 400, "invalid_argument"},
    {"NaN", "POST", F, {}, R"({"title":NaN,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"Infinity", "POST", F, {}, R"({"title":-Infinity,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"bare word value", "POST", F, {}, R"({"title":hello,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"bare word body", "POST", F, {}, "hello", 400, "invalid_argument"},
    {"two values", "POST", F, {}, finding_body("") + finding_body(""), 400, "invalid_argument"},
    {"byte order mark", "POST", F, {}, "\xEF\xBB\xBF" + finding_body(""), 400, "invalid_argument"},
    {"leading zero", "POST", F1 + "/comments", {}, R"({"text":"x","n":01})", 400, "invalid_argument"},
    {"unquoted key", "POST", F1 + "/comments", {}, R"({text:"x"})", 400, "invalid_argument"},
    {"raw tab in a string", "POST", F1 + "/comments", {}, "{\"text\":\"a\tb\"}", 400, "invalid_argument"},
    {"unknown escape", "POST", F1 + "/comments", {}, R"({"text":"a\qb"})", 400, "invalid_argument"},
    // ---- wrong types ----
    {"title as a number", "POST", F, {}, R"({"title":42,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"title as null", "POST", F, {}, R"({"title":null,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"criteria as a string", "POST", F, {}, R"({"title":"x","severity":"high","criteria":"CC6.1"})", 400, "invalid_argument"},
    {"criteria with a number inside", "POST", F, {}, R"({"title":"x","severity":"high","criteria":["CC6.1",7]})", 400, "invalid_argument"},
    {"severity as an array", "POST", F, {}, R"({"title":"x","severity":["high"],"criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"owner as an object", "POST", F, {}, finding_body(R"(,"owner":{"email":"oli@example.com"})"), 400, "invalid_argument"},
    {"due_date as a number", "POST", F, {}, finding_body(R"(,"due_date":20260331)"), 400, "invalid_argument"},
    {"comment text as a boolean", "POST", F1 + "/comments", {}, R"({"text":true})", 400, "invalid_argument"},
    {"scope categories as an object", "PUT", "/api/v1/scope", {}, R"({"categories":{"security":true}})", 400, "invalid_argument"},
    {"status as a number", "POST", F1 + "/status", {}, R"({"status":2})", 400, "invalid_argument"},
    {"link finding as an array", "POST", "/api/v1/evidence/E-1/links", {}, R"({"finding":["F-1"]})", 400, "invalid_argument"},
    // ---- unknown fields, duplicate keys, missing fields ----
    {"unknown field", "POST", F, {}, finding_body(R"(,"titel":"typo")"), 400, "invalid_argument"},
    {"status is not a PATCH field", "PATCH", F1, {}, R"({"status":"closed"})", 400, "invalid_argument"},
    {"unknown field on a comment", "POST", F1 + "/comments", {}, R"({"text":"hi","author":"me"})", 400, "invalid_argument"},
    {"duplicate key", "POST", F, {}, R"({"title":"a","title":"b","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"duplicate key, same value", "POST", F1 + "/comments", {}, R"({"text":"a","text":"a"})", 400, "invalid_argument"},
    {"missing required field", "POST", F, {}, R"({"title":"x","severity":"high"})", 400, "invalid_argument"},
    {"empty object", "POST", F, {}, "{}", 400, "invalid_argument"},
    {"PATCH with nothing to change", "PATCH", F1, {}, "{}", 400, "invalid_argument"},
    // ---- nesting ----
    {"nesting 33 deep in a field", "POST", F, {}, R"({"title":)" + nested(32) + "}", 400, "invalid_argument"},
    {"nesting 100000 deep", "POST", F, {}, nested(100000), 400, "invalid_argument"},
    {"unbalanced nesting", "POST", F, {}, std::string(5000, '['), 400, "invalid_argument"},
    // ---- huge numbers ----
    {"1e999 as the title", "POST", F, {}, R"({"title":1e999,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"huge integer as the title", "POST", F, {}, R"({"title":99999999999999999999999,"severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"huge integer as after", "GET", "/api/v1/events?after=99999999999999999999999", {}, "", 400, "invalid_argument"},
    {"huge integer as limit", "GET", F + "?limit=99999999999999999999999", {}, "", 400, "invalid_argument"},
    {"huge integer as If-Match", "POST", F1 + "/comments", {{"If-Match", "\"99999999999999999999999\""}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"huge seq for an inclusion proof", "GET", "/api/v1/audit/inclusion?seq=99999999999999999999999", {}, "", 400, "invalid_argument"},
    // ---- over-long text (SPEC §9) ----
    {"title of 201 characters", "POST", F, {}, R"({"title":")" + std::string(201, 'T') + R"(","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"title of 201 two-byte characters", "PATCH", F1, {}, R"({"title":")" + [] { std::string s; for (int i = 0; i < 201; ++i) s += "\xC3\xA9"; return s; }() + "\"}", 400, "invalid_argument"},
    {"description of 10001 characters", "POST", F, {}, finding_body(R"(,"description":")" + std::string(10001, 'd') + "\""), 400, "invalid_argument"},
    {"comment of 10001 characters", "POST", F1 + "/comments", {}, R"({"text":")" + std::string(10001, 'c') + "\"}", 400, "invalid_argument"},
    {"justification of 10001 characters", "POST", F1 + "/risk-acceptance", {}, R"({"justification":")" + std::string(10001, 'j') + R"(","expires_on":"2026-06-30"})", 400, "invalid_argument"},
    {"reason of 10001 characters", "POST", F1 + "/status", {}, R"({"status":"in_progress","reason":")" + std::string(10001, 'r') + "\"}", 400, "invalid_argument"},
    {"user name of 201 characters", "POST", "/api/v1/users", {}, R"({"email":"x@example.com","role":"editor","name":")" + std::string(201, 'n') + "\"}", 400, "invalid_argument"},
    {"empty title", "POST", F, {}, R"({"title":"","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"blank comment", "POST", F1 + "/comments", {}, R"({"text":"   "})", 400, "invalid_argument"},
    // ---- invalid UTF-8 and control characters ----
    {"raw 0xff byte", "POST", F, {}, "{\"title\":\"a\xFF" "b\",\"severity\":\"high\",\"criteria\":[\"CC6.1\"]}", 400, "invalid_argument"},
    {"overlong encoding of '/'", "POST", F, {}, "{\"title\":\"a\xC0\xAF" "b\",\"severity\":\"high\",\"criteria\":[\"CC6.1\"]}", 400, "invalid_argument"},
    {"truncated UTF-8 sequence", "POST", F1 + "/comments", {}, "{\"text\":\"\xE2\x82\"}", 400, "invalid_argument"},
    {"encoded surrogate bytes", "POST", F1 + "/comments", {}, "{\"text\":\"\xED\xA0\x80\"}", 400, "invalid_argument"},
    {"lone high surrogate escape", "POST", F, {}, R"({"title":"a\ud800b","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"lone low surrogate escape", "POST", F1 + "/comments", {}, R"({"text":"\udc00"})", 400, "invalid_argument"},
    {"invalid UTF-8 in a key", "POST", F1 + "/comments", {}, "{\"te\xFFxt\":\"x\"}", 400, "invalid_argument"},
    {"BEL in a title", "POST", F, {}, R"({"title":"a\u0007b","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"NUL in a title", "POST", F, {}, R"({"title":"a\u0000b","severity":"high","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"newline in a title", "PATCH", F1, {}, R"({"title":"two\nlines"})", 400, "invalid_argument"},
    {"escape character in a comment", "POST", F1 + "/comments", {}, R"({"text":"\u001b[31mred"})", 400, "invalid_argument"},
    {"raw control byte in a string", "POST", F, {}, "{\"title\":\"a\x01" "b\",\"severity\":\"high\",\"criteria\":[\"CC6.1\"]}", 400, "invalid_argument"},
    // ---- bad dates and timestamps ----
    {"due_date 2026-02-30", "POST", F1 + "/due-date", {}, R"({"due_date":"2026-02-30"})", 400, "invalid_argument"},
    {"due_date 2026-13-01", "POST", F1 + "/due-date", {}, R"({"due_date":"2026-13-01"})", 400, "invalid_argument"},
    {"due_date 26-01-01", "POST", F, {}, finding_body(R"(,"due_date":"26-01-01")"), 400, "invalid_argument"},
    {"due_date tomorrow", "POST", F, {}, finding_body(R"(,"due_date":"tomorrow")"), 400, "invalid_argument"},
    {"due_date with a time", "POST", F1 + "/due-date", {}, R"({"due_date":"2026-03-31T00:00:00Z"})", 400, "invalid_argument"},
    {"expires_on 2026-02-30", "POST", F1 + "/risk-acceptance", {}, R"({"justification":"ok","expires_on":"2026-02-30"})", 400, "invalid_argument"},
    {"as_of 2026-02-30", "GET", "/api/v1/readiness?as_of=2026-02-30", {}, "", 400, "invalid_argument"},
    {"as_of 2026-13-01", "GET", F + "?as_of=2026-13-01", {}, "", 400, "invalid_argument"},
    {"as_of 26-01-01", "GET", "/api/v1/workloads?as_of=26-01-01", {}, "", 400, "invalid_argument"},
    {"as_of tomorrow", "GET", "/api/v1/roadmap?as_of=tomorrow", {}, "", 400, "invalid_argument"},
    {"timeline from tomorrow", "GET", "/api/v1/timeline?from=tomorrow", {}, "", 400, "invalid_argument"},
    {"collected_on 2026-02-30", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&collected_on=2026-02-30", kText, "x", 400, "invalid_argument"},
    {"collected_on tomorrow", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&collected_on=tomorrow", kText, "x", 400, "invalid_argument"},
    {"valid_until 2026-13-01", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&valid_until=2026-13-01", kText, "x", 400, "invalid_argument"},
    {"valid_until 26-01-01", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&valid_until=26-01-01", kText, "x", 400, "invalid_argument"},
    {"X-Occurred-At yesterday", "POST", F1 + "/comments", {{"X-Occurred-At", "yesterday"}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"X-Occurred-At without a zone", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T10:00:00"}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"X-Occurred-At with an offset", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T10:00:00+01:00"}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"X-Occurred-At 25:00", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T25:00:00Z"}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"X-Occurred-At on February 30", "POST", F1 + "/comments", {{"X-Occurred-At", "2026-02-30T10:00:00Z"}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"as_known_at a date only", "GET", "/api/v1/readiness?as_known_at=2026-01-01", {}, "", 400, "invalid_argument"},
    {"as_known_at now", "GET", "/api/v1/timeline?as_known_at=now", {}, "", 400, "invalid_argument"},
    {"as_known_at 24:61", "GET", F + "?as_known_at=2026-01-01T24:61:00Z", {}, "", 400, "invalid_argument"},
    // ---- If-Match and other headers ----
    {"If-Match \"abc\"", "POST", F1 + "/comments", {{"If-Match", "\"abc\""}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"If-Match \"-1\"", "POST", F1 + "/comments", {{"If-Match", "\"-1\""}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"If-Match empty", "PATCH", F1, {{"If-Match", ""}}, R"({"title":"x"})", 400, "invalid_argument"},
    {"If-Match weak", "PATCH", F1, {{"If-Match", "W/\"1\""}}, R"({"title":"x"})", 400, "invalid_argument"},
    {"If-Match stale", "POST", F1 + "/comments", {{"If-Match", "\"0\""}}, R"({"text":"x"})", 412, "version_conflict"},
    {"Idempotency-Key of 201 characters", "POST", F1 + "/comments", {{"Idempotency-Key", std::string(201, 'k')}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"Idempotency-Key empty", "POST", F1 + "/comments", {{"Idempotency-Key", ""}}, R"({"text":"x"})", 400, "invalid_argument"},
    // ---- path tricks ----
    {"dot-dot in an id", "GET", "/api/v1/findings/..%2F..%2Fetc%2Fpasswd", {}, "", 404, "not_found"},
    {"NUL in an id", "GET", "/api/v1/findings/%00", {}, "", 400, "invalid_argument"},
    {"bad escape in an id", "GET", "/api/v1/findings/%zz", {}, "", 400, "invalid_argument"},
    {"half an escape in an id", "GET", "/api/v1/findings/F-1%4", {}, "", 400, "invalid_argument"},
    {"encoded slash in an evidence id", "GET", "/api/v1/evidence/E-1%2F..", {}, "", 404, "not_found"},
    {"encoded slash to the content", "GET", "/api/v1/evidence/E-1%2Fcontent", {}, "", 404, "not_found"},
    {"overlong UTF-8 in an id", "GET", "/api/v1/findings/%C0%AF", {}, "", 400, "invalid_argument"},
    {"raw dot-dot segments", "GET", "/api/v1/findings/F-1/../F-2", {}, "", 404, "not_found"},
    {"empty id", "GET", "/api/v1/findings/", {}, "", 404, "not_found"},
    {"double slash", "GET", "/api/v1//findings", {}, "", 404, "not_found"},
    {"unknown finding", "POST", "/api/v1/findings/F-999/comments", {}, R"({"text":"x"})", 404, "not_found"},
    {"unknown control", "PATCH", "/api/v1/controls/NOPE", {}, R"({"title":"x"})", 404, "not_found"},
    {"unknown user", "POST", "/api/v1/users/nobody@example.com/role", {}, R"({"role":"editor"})", 404, "not_found"},
    {"unknown evidence", "GET", "/api/v1/evidence/E-999/content", {}, "", 404, "not_found"},
    {"unknown endpoint", "GET", "/api/v1/nothing", {}, "", 404, "not_found"},
    {"outside the API", "GET", "/etc/passwd", {}, "", 404, "not_found"},
    // ---- methods (405 with code method_not_allowed and an Allow header) ----
    {"PUT on a finding", "PUT", F1, {}, R"({"title":"x"})", 405, "method_not_allowed"},
    {"DELETE on findings", "DELETE", F, {}, "", 405, "method_not_allowed"},
    {"lowercase method", "get", F, {}, "", 405, "method_not_allowed"},
    {"GET on a status change", "GET", F1 + "/status", {}, "", 405, "method_not_allowed"},
    // ---- evidence file names ----
    {"file name with a slash", "POST", "/api/v1/evidence?filename=a%2Fb.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name ..", "POST", "/api/v1/evidence?filename=..&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name climbing out", "POST", "/api/v1/evidence?filename=..%2F..%2Fetc%2Fpasswd&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a backslash", "POST", "/api/v1/evidence?filename=..%5Cboot.ini&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a newline", "POST", "/api/v1/evidence?filename=a%0Ab.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with NUL", "POST", "/api/v1/evidence?filename=a.pdf%00.txt&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name of invalid UTF-8", "POST", "/api/v1/evidence?filename=a%FF.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"empty file name", "POST", "/api/v1/evidence?filename=&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"no file name", "POST", "/api/v1/evidence?finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name of spaces", "POST", "/api/v1/evidence?filename=%20%20%20&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name of pluses (spaces)", "POST", "/api/v1/evidence?filename=+&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name of a no-break space", "POST", "/api/v1/evidence?filename=%C2%A0&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a right-to-left override", "POST", "/api/v1/evidence?filename=invoice%E2%80%AEfdp.exe&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a left-to-right isolate", "POST", "/api/v1/evidence?filename=a%E2%81%A6b.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a right-to-left mark", "POST", "/api/v1/evidence?filename=a%E2%80%8Fb.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with an Arabic letter mark", "POST", "/api/v1/evidence?filename=a%D8%9Cb.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with a C1 control", "POST", "/api/v1/evidence?filename=a%C2%85b.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name with DEL", "POST", "/api/v1/evidence?filename=a%7Fb.pdf&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"file name of 256 characters", "POST", "/api/v1/evidence?filename=" + std::string(256, 'f') + "&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"bad media type", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "not a type"}}, "x", 400, "invalid_argument"},
    {"media type with a newline", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "text/html\r\nX-Evil: 1"}}, "x", 400, "invalid_argument", kAdminEmail, true},
    {"evidence for an unknown finding", "POST", "/api/v1/evidence?filename=a.txt&finding=F-999", kText, "x", 404, "not_found"},
    {"evidence with an unknown parameter", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&sha256=00", kText, "x", 400, "invalid_argument"},
    {"evidence with a duplicate parameter", "POST", "/api/v1/evidence?filename=a.txt&filename=b.txt&finding=F-1", kText, "x", 400, "invalid_argument"},
    {"evidence with a bad Content-Length", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "text/plain"}, {"Content-Length", "lots"}}, "x", 400, "invalid_argument"},
    {"valid_until before collected_on", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1&collected_on=2026-01-10&valid_until=2026-01-09", kText, "x", 422, "rule_violation"},
    // ---- query parameters ----
    {"unknown query parameter", "GET", F + "?bogus=1", {}, "", 400, "invalid_argument"},
    {"query parameter on a write", "POST", F + "?dry_run=true", {}, finding_body(""), 400, "invalid_argument"},
    {"duplicate query parameter", "GET", F + "?status=open&status=closed", {}, "", 400, "invalid_argument"},
    {"limit=0", "GET", F + "?limit=0", {}, "", 400, "invalid_argument"},
    {"limit=1001", "GET", "/api/v1/controls?limit=1001", {}, "", 400, "invalid_argument"},
    {"limit=abc", "GET", "/api/v1/evidence?limit=abc", {}, "", 400, "invalid_argument"},
    {"limit=-1", "GET", "/api/v1/users?limit=-1", {}, "", 400, "invalid_argument"},
    {"events limit=1001", "GET", "/api/v1/events?limit=1001", {}, "", 400, "invalid_argument"},
    {"events after=-1", "GET", "/api/v1/events?after=-1", {}, "", 400, "invalid_argument"},
    // a list's after cursor must be an id of the list's shape (issue 16)
    {"findings after=F-99999999999999999999", "GET", F + "?after=F-99999999999999999999", {}, "", 400, "invalid_argument"},
    {"findings after=AAA", "GET", F + "?after=AAA", {}, "", 400, "invalid_argument"},
    {"findings after=F-0", "GET", F + "?after=F-0", {}, "", 400, "invalid_argument"},
    {"findings after=F-01", "GET", F + "?after=F-01", {}, "", 400, "invalid_argument"},
    {"findings after=E-1", "GET", F + "?after=E-1", {}, "", 400, "invalid_argument"},
    {"findings after=F-", "GET", F + "?after=F-", {}, "", 400, "invalid_argument"},
    {"evidence after=F-1", "GET", "/api/v1/evidence?after=F-1", {}, "", 400, "invalid_argument"},
    {"evidence after=E-18446744073709551616", "GET", "/api/v1/evidence?after=E-18446744073709551616", {}, "", 400, "invalid_argument"},
    {"controls after=-AC", "GET", "/api/v1/controls?after=-AC", {}, "", 400, "invalid_argument"},
    {"controls after of 33 characters", "GET", "/api/v1/controls?after=" + std::string(33, 'A'), {}, "", 400, "invalid_argument"},
    {"users after=AAA", "GET", "/api/v1/users?after=AAA", {}, "", 400, "invalid_argument"},
    {"events after=abc", "GET", "/api/v1/events?after=abc", {}, "", 400, "invalid_argument"},
    {"events after=E-1", "GET", "/api/v1/events?after=E-1", {}, "", 400, "invalid_argument"},
    {"events after=18446744073709551616", "GET", "/api/v1/events?after=18446744073709551616", {}, "", 400, "invalid_argument"},
    {"bad escape in a query", "GET", F + "?status=%zz", {}, "", 400, "invalid_argument"},
    {"control character in a query", "GET", "/api/v1/events?actor=a%0Db", {}, "", 400, "invalid_argument"},
    {"unknown status filter", "GET", F + "?status=done", {}, "", 400, "invalid_argument"},
    {"unknown severity filter", "GET", F + "?severity=urgent", {}, "", 400, "invalid_argument"},
    {"unknown criterion filter", "GET", F + "?criterion=CC9.9", {}, "", 400, "invalid_argument"},
    {"overdue=yes", "GET", F + "?overdue=yes", {}, "", 400, "invalid_argument"},
    {"timeline step=0", "GET", "/api/v1/timeline?step=0", {}, "", 400, "invalid_argument"},
    {"timeline from after to", "GET", "/api/v1/timeline?from=2026-02-01&to=2026-01-01", {}, "", 400, "invalid_argument"},
    {"timeline of too many points", "GET", "/api/v1/timeline?from=0001-01-01&to=9999-12-31&step=1", {}, "", 400, "invalid_argument"},
    {"inclusion seq=0", "GET", "/api/v1/audit/inclusion?seq=0", {}, "", 400, "invalid_argument"},
    {"inclusion without seq", "GET", "/api/v1/audit/inclusion", {}, "", 400, "invalid_argument"},
    {"consistency from > to", "GET", "/api/v1/audit/consistency?from=5&to=2", {}, "", 400, "invalid_argument"},
    {"audit bundle as_of 2026-02-30", "GET", "/api/v1/export/audit-bundle?as_of=2026-02-30", {}, "", 400, "invalid_argument"},
    {"audit bundle as_of in the future", "GET", "/api/v1/export/audit-bundle?as_of=9999-12-31", {}, "", 400, "invalid_argument"},
    {"audit bundle with an empty as_of", "GET", "/api/v1/export/audit-bundle?as_of=", {}, "", 400, "invalid_argument"},
    {"audit bundle with an unknown parameter", "GET", "/api/v1/export/audit-bundle?as_known_at=2026-01-01T00:00:00Z", {}, "", 400, "invalid_argument"},
    {"POA&M as_of a word", "GET", "/api/v1/export/poam?as_of=today", {}, "", 400, "invalid_argument"},
    {"POA&M as_known_at without a zone", "GET", "/api/v1/export/poam?as_known_at=2026-01-01T00:00:00", {}, "", 400, "invalid_argument"},
    {"POST to an export", "POST", "/api/v1/export/poam", {}, "{}", 405, "method_not_allowed"},
    {"report as_of a word", "GET", "/api/v1/export/report?as_of=today", {}, "", 400, "invalid_argument"},
    {"report as_known_at", "GET", "/api/v1/export/report?as_known_at=2026-01-01T00:00:00Z", {}, "", 400, "invalid_argument"},
    {"findings sheet with a bad status", "GET", "/api/v1/export/findings.csv?status=done", {}, "", 400, "invalid_argument"},
    {"findings sheet with an unknown criterion", "GET", "/api/v1/export/findings.xlsx?criterion=CC99.1", {}, "", 400, "invalid_argument"},
    {"findings sheet paged", "GET", "/api/v1/export/findings.csv?limit=10", {}, "", 400, "invalid_argument"},
    {"findings sheet in another format", "GET", "/api/v1/export/findings.ods", {}, "", 404, "not_found"},
    {"DELETE the report", "DELETE", "/api/v1/export/report", {}, "", 405, "method_not_allowed"},
    // ---- content type, empty and oversized bodies ----
    {"Content-Type text/plain on a JSON write", "POST", F, kText, finding_body(""), 400, "invalid_argument"},
    {"Content-Type application/xml", "PATCH", F1, {{"Content-Type", "application/xml"}}, R"({"title":"x"})", 400, "invalid_argument"},
    {"Content-Type form", "POST", F1 + "/comments", {{"Content-Type", "application/x-www-form-urlencoded"}}, "text=hi", 400, "invalid_argument"},
    {"empty body on POST /findings", "POST", F, {}, "", 400, "invalid_argument"},
    {"empty body on a comment", "POST", F1 + "/comments", {}, "", 400, "invalid_argument"},
    {"empty body on PUT /scope", "PUT", "/api/v1/scope", {}, "", 400, "invalid_argument"},
    {"whitespace body", "POST", F1 + "/status", {}, " \n\t ", 400, "invalid_argument"},
    {"body over 1 MiB", "POST", F, {}, R"({"title":")" + mib + R"(","severity":"high","criteria":["CC6.1"]})", 413, "too_large"},
    {"body over 1 MiB of whitespace", "POST", F1 + "/comments", {}, R"({"text":"x"})" + std::string(1 << 20, ' '), 413, "too_large"},
    {"a JSON array as the body", "POST", F, {}, "[" + finding_body("") + "]", 400, "invalid_argument"},
    {"a JSON string as the body", "POST", F1 + "/comments", {}, R"("hello")", 400, "invalid_argument"},
    {"a JSON null as the body", "PUT", "/api/v1/scope", {}, "null", 400, "invalid_argument"},
    {"a body on DELETE", "DELETE", "/api/v1/tokens/{token_id}", {}, R"({"reason":"lost"})", 400, "invalid_argument"},
    // ---- enums, ids and e-mails ----
    {"unknown severity", "POST", F, {}, R"({"title":"x","severity":"urgent","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"unknown source", "POST", F, {}, finding_body(R"(,"source":"rumour")"), 400, "invalid_argument"},
    {"unknown finding status", "POST", F1 + "/status", {}, R"({"status":"done"})", 400, "invalid_argument"},
    {"unknown control status", "POST", "/api/v1/controls/AC-01/status", {}, R"({"status":"done"})", 400, "invalid_argument"},
    {"unknown role", "POST", "/api/v1/users", {}, R"({"email":"x@example.com","name":"X","role":"root"})", 400, "invalid_argument"},
    {"unknown category", "PUT", "/api/v1/scope", {}, R"({"categories":["marketing"]})", 400, "invalid_argument"},
    {"bad e-mail", "POST", "/api/v1/users", {}, R"({"email":"not-an-email","name":"X","role":"editor"})", 400, "invalid_argument"},
    {"bad control id", "POST", "/api/v1/controls", {}, R"({"id":"-AC","title":"x","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"control id of 33 characters", "POST", "/api/v1/controls", {}, R"({"id":")" + std::string(33, 'A') + R"(","title":"x","criteria":["CC6.1"]})", 400, "invalid_argument"},
    {"empty criteria", "POST", F, {}, R"({"title":"x","severity":"high","criteria":[]})", 400, "invalid_argument"},
    {"criterion listed twice", "POST", F, {}, R"({"title":"x","severity":"high","criteria":["CC6.1","CC6.1"]})", 400, "invalid_argument"},
    // ---- well-formed but breaking a rule (422) or a conflict (409) ----
    {"unknown criterion", "POST", F, {}, R"({"title":"x","severity":"high","criteria":["CC9.9"]})", 422, "rule_violation"},
    {"criterion in the wrong case", "PATCH", F1, {}, R"({"criteria":["cc6.1"]})", 422, "rule_violation"},
    {"unknown criterion on a control", "PATCH", "/api/v1/controls/AC-01", {}, R"({"criteria":["XX1.1"]})", 422, "rule_violation"},
    {"unknown owner", "POST", F, {}, finding_body(R"(,"owner":"nobody@example.com")"), 422, "rule_violation"},
    {"an auditor as owner", "POST", F1 + "/assign", {}, R"({"owner":"audrey@cpa.example"})", 422, "rule_violation"},
    {"assigning the current owner", "POST", F1 + "/assign", {}, R"({"owner":"oli@example.com"})", 422, "rule_violation"},
    {"clearing an absent due date", "POST", F1 + "/due-date", {}, R"({"due_date":null})", 422, "rule_violation"},
    {"open -> closed", "POST", F1 + "/status", {}, R"({"status":"closed"})", 422, "rule_violation"},
    {"open -> open", "POST", F1 + "/status", {}, R"({"status":"open"})", 422, "rule_violation"},
    {"risk_accepted through the status command", "POST", F1 + "/status", {}, R"({"status":"risk_accepted"})", 422, "rule_violation"},
    {"expires_on 366 days ahead", "POST", F1 + "/risk-acceptance", {}, R"({"justification":"ok","expires_on":"2027-01-02"})", 422, "rule_violation"},
    {"expires_on today", "POST", F1 + "/risk-acceptance", {}, R"({"justification":"ok","expires_on":"2026-01-01"})", 422, "rule_violation"},
    {"same control status", "POST", "/api/v1/controls/AC-01/status", {}, R"({"status":"not_implemented"})", 422, "rule_violation"},
    {"linking twice", "POST", "/api/v1/evidence/E-1/links", {}, R"({"finding":"F-1"})", 422, "rule_violation"},
    {"unlinking what is not linked", "POST", "/api/v1/evidence/E-1/unlinks", {}, R"({"control":"AC-01"})", 422, "rule_violation"},
    {"link to both a finding and a control", "POST", "/api/v1/evidence/E-1/links", {}, R"({"finding":"F-1","control":"AC-01"})", 400, "invalid_argument"},
    {"link to nothing", "POST", "/api/v1/evidence/E-1/links", {}, "{}", 400, "invalid_argument"},
    {"duplicate control id", "POST", "/api/v1/controls", {}, R"({"id":"AC-01","title":"x","criteria":["CC6.1"]})", 409, "already_exists"},
    {"duplicate e-mail, other case", "POST", "/api/v1/users", {}, R"({"email":"OLI@Example.com","name":"X","role":"editor"})", 409, "already_exists"},
    {"back-fill out of order", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T00:00:00Z"}}, R"({"text":"x"})", 422, "rule_violation"},
    {"occurred_at in the future", "POST", F1 + "/comments", {{"X-Occurred-At", "2026-01-02T00:00:00Z"}}, R"({"text":"x"})", 422, "rule_violation"},
    {"back-fill by an editor", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T00:00:00Z"}}, R"({"text":"x"})", 403, "forbidden", "ed@example.com"},
    // SPEC §2: a non-admin who sends X-Occurred-At gets 403, whatever the time, before its value or the body is looked at.
    {"X-Occurred-At now by an editor", "POST", F1 + "/comments", {{"X-Occurred-At", "2026-01-01T00:00:00Z"}}, R"({"text":"x"})", 403, "forbidden", "ed@example.com"},
    {"X-Occurred-At in the future by an editor", "POST", F1 + "/comments", {{"X-Occurred-At", "2026-01-02T00:00:00Z"}}, R"({"text":"x"})", 403, "forbidden", "ed@example.com"},
    {"X-Occurred-At yesterday (not a timestamp) by an editor", "POST", F1 + "/comments", {{"X-Occurred-At", "yesterday"}}, R"({"text":"x"})", 403, "forbidden", "ed@example.com"},
    {"broken JSON with X-Occurred-At by an editor", "POST", F1 + "/comments", {{"X-Occurred-At", "2025-12-31T00:00:00Z"}}, R"({"text":)", 403, "forbidden", "ed@example.com"},
    {"X-Occurred-At by the owner, a contributor", "POST", F1 + "/status", {{"X-Occurred-At", "2026-01-01T00:00:00Z"}}, R"({"status":"in_progress"})", 403, "forbidden", "oli@example.com"},
    {"evidence upload with X-Occurred-At by an editor", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "text/plain"}, {"X-Occurred-At", "2026-01-01T00:00:00Z"}}, "x", 403, "forbidden", "ed@example.com"},
    // SPEC §2: at most 5 years back; what a back-filled command names must exist (an owner: be active) at its occurred_at.
    {"back-fill more than 5 years", "POST", "/api/v1/controls", {{"X-Occurred-At", "2020-12-31T23:59:59Z"}}, R"({"id":"OLD-01","title":"x","criteria":["CC6.1"]})", 422, "rule_violation"},
    {"back-filled finding naming a later control", "POST", F, {{"X-Occurred-At", "2025-12-01T00:00:00Z"}}, finding_body(R"(,"control":"AC-01")"), 422, "rule_violation"},
    {"back-filled finding owned by a later user", "POST", F, {{"X-Occurred-At", "2025-12-01T00:00:00Z"}}, finding_body(R"(,"owner":"oli@example.com")"), 422, "rule_violation"},
    {"back-filled evidence for a later finding", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "text/plain"}, {"X-Occurred-At", "2025-12-31T00:00:00Z"}}, "x", 422, "rule_violation"},
    {"back-filled evidence for a later control", "POST", "/api/v1/evidence?filename=a.txt&control=AC-01", {{"Content-Type", "text/plain"}, {"X-Occurred-At", "2025-12-31T00:00:00Z"}}, "x", 422, "rule_violation"},
    {"revoking a token twice", "DELETE", "/api/v1/tokens/{revoked_token_id}", {}, "", 422, "rule_violation"},
    {"unknown token", "DELETE", "/api/v1/tokens/nope", {}, "", 404, "not_found"},
    // ---- authentication ----
    {"no token", "POST", F, {}, finding_body(""), 401, "unauthenticated", ""},
    {"garbage token", "GET", F, {{"Authorization", "Bearer \x01\xFF<script>"}}, "", 401, "unauthenticated", "", true},
    {"a token of 64 zeros", "GET", F, {{"Authorization", "Bearer gaplog_" + std::string(64, '0')}}, "", 401, "unauthenticated", ""},
    {"Basic auth", "GET", F, {{"Authorization", "Basic YWRtaW46YWRtaW4="}}, "", 401, "unauthenticated", ""},
    // which of two would count is up to each server and proxy on the way (issue 16)
    {"two Authorization headers", "GET", F, {{"Authorization", "Bearer gaplog_" + std::string(64, '0')}}, "", 400, "invalid_argument"},
    {"two Authorization headers on a write", "POST", F1 + "/comments", {{"authorization", "Bearer gaplog_" + std::string(64, '0')}}, R"({"text":"x"})", 400, "invalid_argument"},
    {"two Authorization headers on an upload", "POST", "/api/v1/evidence?filename=a.txt&finding=F-1", {{"Content-Type", "text/plain"}, {"Authorization", "Bearer x"}}, "x", 400, "invalid_argument"},
    {"two Authorization headers, both unknown", "GET", "/api/v1/readiness", {{"Authorization", "Bearer x"}, {"Authorization", "Bearer x"}}, "", 400, "invalid_argument", ""},
  };
  // clang-format on
}

// Issue 21 (SPEC §13): documents, reviews, interviews, a finding's origin and risk, the audit
// date. The fixture holds document D-1 and control AC-01 (untested).
std::vector<BadRequest> issue21_bad_requests() {
  const std::string D = "/api/v1/documents";
  const std::string R = "/api/v1/documents/D-1/reviews";
  const std::string I = "/api/v1/interviews";
  const std::string F = "/api/v1/findings";
  const std::string A = "/api/v1/program/audit";
  const std::string doc = R"({"title":"Policy","kind":"policy","criteria":["CC1.1"])";
  const std::string talk =
      R"({"stakeholder":"Dana","stakeholder_role":"CTO","held_on":"2020-01-02","interviewers":["cara@example.com"],"criteria":["CC1.3"])";
  // clang-format off
  return {
    {"document kind unknown", "POST", D, {}, R"({"title":"Policy","kind":"charter","criteria":["CC1.1"]})", 400, "invalid_argument"},
    {"document kind missing", "POST", D, {}, R"({"title":"Policy","criteria":["CC1.1"]})", 400, "invalid_argument"},
    {"document criteria empty", "POST", D, {}, R"({"title":"Policy","kind":"policy","criteria":[]})", 400, "invalid_argument"},
    {"document criterion unknown", "POST", D, {}, R"({"title":"Policy","kind":"policy","criteria":["CC99.1"]})", 422, "rule_violation"},
    {"document title empty", "POST", D, {}, R"({"title":"","kind":"policy","criteria":["CC1.1"]})", 400, "invalid_argument"},
    {"document approved_on not a date", "POST", D, {}, doc + R"(,"approved_on":"2026-02-30"})", 400, "invalid_argument"},
    {"document approved_on in the future", "POST", D, {}, doc + R"(,"approved_on":"2999-01-01"})", 422, "rule_violation"},
    {"document next_review_on not a date", "POST", D, {}, doc + R"(,"next_review_on":"soon"})", 400, "invalid_argument"},
    {"document owner an auditor", "POST", D, {}, doc + R"(,"owner":"audrey@cpa.example"})", 422, "rule_violation"},
    {"document owner unknown", "POST", D, {}, doc + R"(,"owner":"nobody@example.com"})", 422, "rule_violation"},
    {"document unknown field", "POST", D, {}, doc + R"(,"reviewer":"x"})", 400, "invalid_argument"},
    {"document by a contributor", "POST", D, {}, doc + "}", 403, "forbidden", "oli@example.com"},
    {"document missing", "GET", D + "/D-9", {}, "", 404, "not_found"},
    {"documents after a finding id", "GET", D + "?after=F-1", {}, "", 400, "invalid_argument"},
    {"review of a missing document", "POST", D + "/D-9/reviews", {}, R"({"outcome":"adequate"})", 404, "not_found"},
    {"review outcome unknown", "POST", R, {}, R"({"outcome":"fine"})", 400, "invalid_argument"},
    {"review outcome missing", "POST", R, {}, R"({"notes":"x"})", 400, "invalid_argument"},
    {"review reviewed_on in the future", "POST", R, {}, R"({"outcome":"adequate","reviewed_on":"2999-01-01"})", 422, "rule_violation"},
    {"review reviewed_on not a date", "POST", R, {}, R"({"outcome":"adequate","reviewed_on":"01/02/2026"})", 400, "invalid_argument"},
    {"review by an auditor", "POST", R, {}, R"({"outcome":"adequate"})", 403, "forbidden", "audrey@cpa.example"},
    {"interview interviewers empty", "POST", I, {}, R"({"stakeholder":"Dana","stakeholder_role":"CTO","held_on":"2020-01-02","interviewers":[],"criteria":["CC1.3"]})", 400, "invalid_argument"},
    {"interview interviewer not an e-mail", "POST", I, {}, R"({"stakeholder":"Dana","stakeholder_role":"CTO","held_on":"2020-01-02","interviewers":["cara"],"criteria":["CC1.3"]})", 400, "invalid_argument"},
    {"interview held_on missing", "POST", I, {}, R"({"stakeholder":"Dana","stakeholder_role":"CTO","interviewers":["cara@example.com"],"criteria":["CC1.3"]})", 400, "invalid_argument"},
    {"interview held_on in the future", "POST", I, {}, R"({"stakeholder":"Dana","stakeholder_role":"CTO","held_on":"2999-01-02","interviewers":["cara@example.com"],"criteria":["CC1.3"]})", 422, "rule_violation"},
    {"interview criteria missing", "POST", I, {}, R"({"stakeholder":"Dana","stakeholder_role":"CTO","held_on":"2020-01-02","interviewers":["cara@example.com"]})", 400, "invalid_argument"},
    {"interview stakeholder_role missing", "POST", I, {}, R"({"stakeholder":"Dana","held_on":"2020-01-02","interviewers":["cara@example.com"],"criteria":["CC1.3"]})", 400, "invalid_argument"},
    {"interview unknown field", "POST", I, {}, talk + R"(,"duration":30})", 400, "invalid_argument"},
    {"interview missing", "GET", I + "/I-9", {}, "", 404, "not_found"},
    {"finding likelihood 0", "POST", F, {}, finding_body(R"(,"likelihood":0,"impact":3)"), 400, "invalid_argument"},
    {"finding likelihood 6", "POST", F, {}, finding_body(R"(,"likelihood":6,"impact":3)"), 400, "invalid_argument"},
    {"finding impact as text", "POST", F, {}, finding_body(R"(,"likelihood":2,"impact":"3")"), 400, "invalid_argument"},
    {"finding impact 2.5", "POST", F, {}, finding_body(R"(,"likelihood":2,"impact":2.5)"), 400, "invalid_argument"},
    {"finding likelihood without impact", "POST", F, {}, finding_body(R"(,"likelihood":2)"), 400, "invalid_argument"},
    {"finding origin that does not exist", "POST", F, {}, finding_body(R"(,"origin":"D-99")"), 422, "rule_violation"},
    {"finding origin an untested control", "POST", F, {}, finding_body(R"(,"origin":"AC-01#test-1")"), 422, "rule_violation"},
    {"finding origin malformed", "POST", F, {}, finding_body(R"(,"origin":"X-1")"), 400, "invalid_argument"},
    {"finding source contradicts origin", "POST", F, {}, finding_body(R"(,"origin":"D-1","source":"interview")"), 422, "rule_violation"},
    {"finding update likelihood 6", "PATCH", F + "/F-1", {}, R"({"likelihood":6,"impact":1})", 400, "invalid_argument"},
    {"finding update impact alone", "PATCH", F + "/F-1", {}, R"({"impact":4})", 400, "invalid_argument"},
    {"audit type missing", "PUT", A, {}, R"({"date":"2999-01-01"})", 400, "invalid_argument"},
    {"audit type unknown", "PUT", A, {}, R"({"type":"type3","date":"2999-01-01"})", 400, "invalid_argument"},
    {"audit type1 without a date", "PUT", A, {}, R"({"type":"type1"})", 400, "invalid_argument"},
    {"audit type1 with a window", "PUT", A, {}, R"({"type":"type1","date":"2999-01-01","window_start":"2999-01-01"})", 400, "invalid_argument"},
    {"audit type1 date in the past", "PUT", A, {}, R"({"type":"type1","date":"2001-01-01"})", 422, "rule_violation"},
    {"audit type1 date not a date", "PUT", A, {}, R"({"type":"type1","date":"2999-13-01"})", 400, "invalid_argument"},
    {"audit type2 window ends before it starts", "PUT", A, {}, R"({"type":"type2","window_start":"2999-06-30","window_end":"2999-01-01"})", 422, "rule_violation"},
    {"audit type2 without window_end", "PUT", A, {}, R"({"type":"type2","window_start":"2999-06-30"})", 400, "invalid_argument"},
    {"audit unknown field", "PUT", A, {}, R"({"type":"type1","date":"2999-01-01","auditor":"x"})", 400, "invalid_argument"},
    {"audit by an editor", "PUT", A, {}, R"({"type":"type1","date":"2999-01-01"})", 403, "forbidden", "ed@example.com"},
    {"heatmap as_of not a date", "GET", "/api/v1/heatmap?as_of=today", {}, "", 400, "invalid_argument"},
    {"assessment as_of not a date", "GET", "/api/v1/assessment?as_of=2026-02-30", {}, "", 400, "invalid_argument"},
  };
  // clang-format on
}

std::vector<BadRequest> all_bad_requests() {
  std::vector<BadRequest> out = bad_requests();
  for (BadRequest& b : reminder_bad_requests()) out.push_back(std::move(b));
  for (BadRequest& b : issue20_bad_requests()) out.push_back(std::move(b));
  for (BadRequest& b : issue21_bad_requests()) out.push_back(std::move(b));
  return out;
}

// Does `message` contain more than 60 consecutive characters of `input`?
bool echoes(std::string_view message, std::string_view input) {
  constexpr size_t kRun = 61;
  if (message.size() < kRun || input.size() < kRun) return false;
  for (size_t i = 0; i + kRun <= message.size(); ++i) {
    if (input.find(message.substr(i, kRun)) != std::string_view::npos) return true;
  }
  return false;
}

bool is_snake_case(const std::string& s) {
  static const std::regex kSnake("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  return std::regex_match(s, kSnake);
}

class BadInput : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(call(kEditor, "POST", "/api/v1/controls",
                   R"({"id":"AC-01","title":"Nightly backups","criteria":["A1.2"]})")
                  .status,
              201);
    ASSERT_EQ(record_finding(), "F-1");
    ASSERT_EQ(call(kEditor, "POST", "/api/v1/documents",
                   R"({"title":"Security policy","kind":"policy","criteria":["CC1.1"]})")
                  .status,
              201);
    Reply e = call(kEditor, "POST", "/api/v1/evidence?filename=mfa.png&finding=F-1", "png",
                   {{"Content-Type", "image/png"}});
    ASSERT_EQ(e.status, 201) << e.body;
    ASSERT_EQ(str(e["id"]), "E-1");
    Reply t = call(kAdmin, "POST", std::string("/api/v1/users/") + kOther + "/tokens");
    ASSERT_EQ(t.status, 201) << t.body;
    token_id_ = str(t["token_id"]);
    Reply gone = call(kAdmin, "POST", std::string("/api/v1/users/") + kOther + "/tokens");
    ASSERT_EQ(gone.status, 201) << gone.body;
    revoked_token_id_ = str(gone["token_id"]);
    ASSERT_EQ(call(kAdmin, "DELETE", "/api/v1/tokens/" + revoked_token_id_).status, 200);
  }

  ApiRequest request_for(const BadRequest& b) const {
    ApiRequest req;
    req.method = b.method;
    req.target = b.target;
    for (auto [from, to] : {std::pair<std::string, std::string>{"{token_id}", token_id_},
                            {"{revoked_token_id}", revoked_token_id_}}) {
      if (auto at = req.target.find(from); at != std::string::npos)
        req.target.replace(at, from.size(), to);
    }
    req.body = b.body;
    req.headers = b.headers;
    if (!b.as.empty()) req.headers.emplace_back("Authorization", "Bearer " + token(b.as));
    if (!b.body.empty() && !req.header("Content-Type"))
      req.headers.emplace_back("Content-Type", "application/json");
    return req;
  }

  // The files in <data>/webhook-secrets: a refused webhook must leave no secret behind.
  size_t webhook_secret_files() const {
    const std::filesystem::path dir = dir_.path() + "/data/webhook-secrets";
    if (!std::filesystem::exists(dir)) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                             std::filesystem::directory_iterator()));
  }

  std::string token_id_, revoked_token_id_;
};

TEST_F(BadInput, EveryMalformedRequestGetsItsStatusAClearErrorAndWritesNothing) {
  const std::vector<BadRequest> table = all_bad_requests();
  ASSERT_GE(table.size(), 60u);
  const uint64_t start = tree_size();
  const bool over_http = std::getenv("GAPLOG_TEST_OVER_HTTP") != nullptr &&
                         std::string(std::getenv("GAPLOG_TEST_OVER_HTTP")) == "1";
  for (const BadRequest& b : table) {
    if (b.in_process_only && over_http) continue;
    SCOPED_TRACE(b.name);
    const ApiRequest req = request_for(b);
    const uint64_t before = tree_size();
    const Reply r = send(req);
    EXPECT_EQ(r.status, b.status) << b.method << " " << req.target.substr(0, 200) << "\n"
                                  << r.body.substr(0, 500);
    EXPECT_EQ(r.error_code(), b.code) << r.body.substr(0, 500);
    EXPECT_TRUE(is_snake_case(r.error_code())) << r.error_code();
    const std::string message = r.error_message();
    EXPECT_FALSE(message.empty()) << r.body.substr(0, 500);
    EXPECT_LE(message.size(), 1000u) << "an error message stays short";
    EXPECT_FALSE(echoes(message, req.body)) << "the message echoes the body: " << message;
    EXPECT_FALSE(echoes(message, req.target)) << "the message echoes the target: " << message;
    for (const auto& [name, value] : b.headers) {
      EXPECT_FALSE(echoes(message, value))
          << "the message echoes header " << name << ": " << message;
    }
    EXPECT_EQ(tree_size(), before) << "a refused request writes nothing";
    EXPECT_EQ(webhook_secret_files(), 0u) << "a refused webhook leaves no secret file";
  }
  Reply health = call("", "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(num(health["tree_size"]), static_cast<int64_t>(start));
  EXPECT_EQ(tree_size(), start);
  // The program still works for well-formed requests.
  EXPECT_EQ(
      call(kOwner, "POST", "/api/v1/findings/F-1/comments", R"({"text":"still here"})").status,
      201);
}

TEST_F(BadInput, TheTableNamesEachCaseOnce) {
  std::vector<std::string> names;
  for (const BadRequest& b : all_bad_requests()) names.push_back(b.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

// The control cases of the limits: exactly at the limit is accepted.
TEST_F(BadInput, TextAtTheLimitIsAccepted) {
  Reply title = call(
      kEditor, "POST", "/api/v1/findings",
      R"({"title":")" + std::string(200, 'T') + R"(","severity":"high","criteria":["CC6.1"]})");
  ASSERT_EQ(title.status, 201) << title.body.substr(0, 300);
  EXPECT_EQ(str(title["title"]).size(), 200u);
  std::string e200;
  for (int i = 0; i < 200; ++i) e200 += "\xC3\xA9";  // 200 characters, 400 bytes
  EXPECT_EQ(call(kEditor, "PATCH", "/api/v1/findings/F-1", R"({"title":")" + e200 + "\"}").status,
            200);
  EXPECT_EQ(call(kEditor, "PATCH", "/api/v1/findings/F-1",
                 R"({"description":")" + std::string(10000, 'd') + "\"}")
                .status,
            200);
  EXPECT_EQ(call(kOwner, "POST", "/api/v1/findings/F-1/comments",
                 R"({"text":")" + std::string(10000, 'c') + "\"}")
                .status,
            201);
  EXPECT_EQ(
      call(kAdmin, "POST", "/api/v1/findings/F-1/risk-acceptance",
           R"({"justification":")" + std::string(10000, 'j') + R"(","expires_on":"2027-01-01"})")
          .status,
      200)
      << "expires_on exactly 365 days ahead";
  Reply nested32 = call(kOwner, "POST", "/api/v1/findings/F-1/comments",
                        R"({"text":"x","extra":)" + nested(31) + "}");
  EXPECT_EQ(nested32.status, 400) << "32 levels parse; the unknown field is what is refused";
  EXPECT_NE(nested32.error_message().find("extra"), std::string::npos) << nested32.body;
}

// Every request of the table from four threads at once: the same answers, nothing written, no
// crash or data race (the sanitizer build runs this).
TEST_F(BadInput, TheTableFromFourThreadsAtOnce) {
  const std::vector<BadRequest> table = all_bad_requests();
  const uint64_t start = tree_size();
  std::mutex mu;
  std::vector<std::string> mismatches;
  std::atomic<size_t> answered{0};
  auto worker = [&](size_t offset) {
    for (size_t i = 0; i < table.size(); ++i) {
      const BadRequest& b = table[(i + offset) % table.size()];
      ApiResponse r = program_->api().handle(request_for(b));
      std::string code;
      if (auto parsed = json::parse(r.body); parsed.is_ok()) {
        if (const json::Value* e = parsed->find("error");
            e && e->find("code") && e->find("code")->is_string()) {
          code = e->find("code")->as_string();
        }
      }
      answered.fetch_add(1);
      if (r.status != b.status || code != b.code) {
        std::lock_guard lock(mu);
        mismatches.push_back(b.name + ": " + std::to_string(r.status) + " " + code);
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) threads.emplace_back(worker, t * table.size() / 4);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(answered.load(), 4 * table.size());
  EXPECT_TRUE(mismatches.empty()) << ::testing::PrintToString(mismatches);
  EXPECT_EQ(tree_size(), start);
  EXPECT_EQ(webhook_secret_files(), 0u);
  EXPECT_EQ(call("", "GET", "/healthz").status, 200);
}

// SPEC §11: only today's pass sends, so that no one is reminded of a day that is past or has not
// come; the refusal says where the dry run for that day is.
TEST_F(BadInput, ARunForAnotherDayPointsToTheDryRun) {
  const uint64_t before = tree_size();
  for (const std::string day : {"2025-12-31", "2026-01-02"}) {
    Reply r = call(kAdmin, "POST", "/api/v1/notifications/run", R"({"as_of":")" + day + R"("})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.error_message().find("only for today (2026-01-01)"), std::string::npos) << r.body;
    EXPECT_NE(r.error_message().find("dry run"), std::string::npos) << r.body;
    EXPECT_NE(r.error_message().find("/api/v1/notifications/due?as_of=" + day), std::string::npos)
        << r.body;
    Reply dry = call(kAdmin, "GET", "/api/v1/notifications/due?as_of=" + day);
    EXPECT_EQ(dry.status, 200) << dry.body;
    EXPECT_EQ(str(dry["as_of"]), day);
  }
  Reply today = call(kAdmin, "POST", "/api/v1/notifications/run", R"({"as_of":"2026-01-01"})");
  EXPECT_EQ(today.status, 200) << today.body;
  EXPECT_EQ(tree_size(), before);
}

// Regression (found by this suite, fixed in api/api.cc): SPEC §6 answers a request without a
// (valid) token with 401, and the Api authenticates before routing so that nothing about the
// API is revealed. Evidence uploads used to go through begin_upload(), which routed and checked
// the query string first: an anonymous upload with a bad query string got 400 and learnt which
// parameters the endpoint takes.
TEST_F(BadInput, AnAnonymousUploadIs401WhateverItsQuery) {
  for (const std::string target : {"/api/v1/evidence?bogus=1", "/api/v1/evidence?filename=%zz",
                                   "/api/v1/evidence?filename=a&filename=b"}) {
    for (const HeaderList& auth :
         {HeaderList{}, HeaderList{{"Authorization", "Bearer gaplog_" + std::string(64, '0')}}}) {
      HeaderList headers = auth;
      headers.emplace_back("Content-Type", "text/plain");
      Reply r = send(ApiRequest{"POST", target, headers, "x"});
      EXPECT_EQ(r.status, 401) << target
                               << (auth.empty() ? " without a token" : " with an unknown token")
                               << "\n"
                               << r.body;
      EXPECT_EQ(r.error_code(), "unauthenticated");
    }
  }
}

// Regression (found by this suite, fixed in api/api.cc): the POST "evidence" route has no
// handler, because uploads were caught by the literal comparison `path == "/api/v1/evidence"`
// in handle(). A percent-encoded spelling of the same path ("%65vidence") missed it, was decoded
// by route(), matched the handler-less route, and handle() called a null member-function
// pointer: SIGSEGV, so any valid token could take the server down. Expected: not a crash and not
// a 500 (an upload, or a 4xx). A death test, so that a crash fails this test, not the executable.
class BadInputDeathTest : public BadInput {};

TEST_F(BadInputDeathTest, PercentEncodedEvidencePathIsAnsweredNotACrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const std::string target :
       {"/api/v1/%65vidence?filename=a.txt&finding=F-1", "/api/v1/%65vidence"}) {
    SCOPED_TRACE(target);
    for (const char* as : {kEditor, kAuditor}) {
      EXPECT_EXIT(
          {
            Reply r = call(as, "POST", target, "file bytes", {{"Content-Type", "text/plain"}});
            exit_death_test_child(r.status > 0 && r.status < 500 ? 0 : 1);
          },
          ::testing::ExitedWithCode(0), "")
          << "POST " << target << " as " << as;
    }
  }
}

}  // namespace
}  // namespace gaplog
