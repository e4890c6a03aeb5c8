// Issue 21 over the API (SPEC §13, docs/assessment.md): documents and reviews, interviews, the
// origins of findings and their risk, the Assessment answer with what was not assessed, the
// heat map as of a date, and the audit date with on_track and the blockers in the timeline.
// Expectations are computed by hand from the dates in the test. (Malformed requests are rows of
// api_bad_input_test.cc, the roles rows of api_permissions_test.cc.)
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/api_test_support.h"
#include "api/api.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::num;
using testing::Reply;
using testing::str;

const json::Value& field(const json::Value& object, std::string_view key) {
  static const json::Value kNull;
  const json::Value* v = object.is_object() ? object.find(key) : nullptr;
  return v ? *v : kNull;
}

std::vector<std::string> strings(const json::Value& array) {
  if (!array.is_array()) return {"<not an array: " + json::write(array) + ">"};
  std::vector<std::string> out;
  for (const json::Value& v : array.items()) out.push_back(str(v));
  return out;
}

class AssessmentApi : public ApiFixture {
 protected:
  Reply ok(const std::string& as, const std::string& method, const std::string& target,
           const std::string& body = "", HeaderList headers = {}) {
    Reply r = call(as, method, target, body, std::move(headers));
    EXPECT_TRUE(r.status >= 200 && r.status < 300)
        << method << " " << target << " as " << as << " -> " << r.status << " " << r.body;
    return r;
  }
  Reply get(const std::string& target) {
    Reply r = call(kAuditor, "GET", target);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return r;
  }
  void now_is(const std::string& date) {
    auto t = parse_timestamp(date + "T12:00:00Z");
    ASSERT_TRUE(t.is_ok());
    clock_.set(*t);
  }
  std::string finding(const std::string& fields) {
    return str(ok(kEditor, "POST", "/api/v1/findings",
                  R"({"title":"Gap","severity":"high","criteria":["CC6.1"])" + fields + "}")["id"]);
  }
};

// The clock starts at 2026-01-01T00:00Z (kT0).
TEST_F(AssessmentApi, DocumentsReviewsAndTheFindingsTheyProduced) {
  Reply d =
      call(kEditor, "POST", "/api/v1/documents",
           R"({"title":"Access Control Procedure","kind":"procedure","owner":"OLI@example.com",)"
           R"("version":"1.0","approved_on":"2025-06-01","next_review_on":"2026-06-01",)"
           R"("criteria":["CC6.1","CC6.2"]})");
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(str(d["id"]), "D-1");
  EXPECT_EQ(str(d["owner"]), "oli@example.com");
  EXPECT_EQ(str(d["document_version"]), "1.0");
  EXPECT_EQ(num(d["version"]), 1);
  EXPECT_TRUE(d["latest_review"].is_null());
  EXPECT_EQ(d.header("Location").value_or(""), "/api/v1/documents/D-1");
  now_is("2026-01-05");
  Reply r =
      call(kEditor, "POST", "/api/v1/documents/D-1/reviews",
           R"({"outcome":"incomplete","notes":"no offboarding steps","reviewed_on":"2026-01-04"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(field(r["latest_review"], "outcome")), "incomplete");
  EXPECT_EQ(str(field(r["latest_review"], "reviewed_on")), "2026-01-04");
  EXPECT_EQ(str(field(r["latest_review"], "reviewed_by")), kEditor);
  const std::string f = finding(R"(,"origin":"D-1","likelihood":4,"impact":5)");
  Reply fj = get("/api/v1/findings/" + f);
  EXPECT_EQ(str(fj["origin"]), "D-1");
  EXPECT_EQ(str(fj["source"]), "document_review");
  EXPECT_EQ(num(fj["risk_score"]), 20);
  EXPECT_THAT(strings(get("/api/v1/documents/D-1")["findings"]), ElementsAre(f));
  // As of before the review, the document had none, and before its recording it did not exist.
  EXPECT_TRUE(get("/api/v1/documents/D-1?as_of=2026-01-03")["reviews"].items().empty());
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/documents/D-1?as_of=2025-12-31").status, 404);
  // review_due once next_review_on has passed.
  EXPECT_FALSE(get("/api/v1/documents/D-1")["review_due"].as_bool());
  now_is("2026-06-02");
  EXPECT_TRUE(get("/api/v1/documents/D-1")["review_due"].as_bool());
  Reply list = get("/api/v1/documents?limit=1");
  EXPECT_EQ(list["items"].items().size(), 1u);
  EXPECT_TRUE(list["next_after"].is_null());
}

TEST_F(AssessmentApi, InterviewsAndControlTestsAreOriginsToo) {
  Reply i = ok(kEditor, "POST", "/api/v1/interviews",
               R"({"stakeholder":"Dana Reyes","stakeholder_role":"VP Engineering",)"
               R"("held_on":"2025-12-30","interviewers":["Ed@example.com"],"criteria":["CC7.2"]})");
  EXPECT_EQ(str(i["id"]), "I-1");
  EXPECT_THAT(strings(i["interviewers"]), ElementsAre("ed@example.com"));
  ok(kEditor, "POST", "/api/v1/controls",
     R"({"id":"AC-01","title":"MFA","criteria":["CC6.1"],"status":"implemented"})");
  ok(kEditor, "POST", "/api/v1/controls/AC-01/tests",
     R"({"kind":"design","tested_on":"2026-01-01","result":"fail"})");
  const std::string a = finding(R"(,"origin":"I-1")");
  const std::string b = finding(R"(,"origin":"AC-01#test-1")");
  EXPECT_EQ(str(get("/api/v1/findings/" + a)["source"]), "interview");
  EXPECT_EQ(str(get("/api/v1/findings/" + b)["source"]), "control_evaluation");
  Reply assessment = get("/api/v1/assessment");
  ASSERT_EQ(assessment["tests"].items().size(), 1u);
  const json::Value& t = assessment["tests"].items()[0];
  EXPECT_EQ(str(field(t, "ref")), "AC-01#test-1");
  EXPECT_EQ(str(field(t, "result")), "fail");
  EXPECT_THAT(strings(field(t, "findings")), ElementsAre(b));
  EXPECT_THAT(strings(field(assessment["interviews"].items()[0], "findings")), ElementsAre(a));
  // Security is in scope (33 criteria); the interview touched CC7.2 and the test CC6.1.
  EXPECT_EQ(num(assessment["in_scope"]), 33);
  EXPECT_EQ(num(assessment["assessed"]), 2);
  const std::vector<std::string> left = strings(assessment["not_assessed"]);
  EXPECT_EQ(left.size(), 31u);
  EXPECT_EQ(std::count(left.begin(), left.end(), "CC7.2"), 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), "CC6.1"), 0);
  // Clearing a finding's origin through PATCH; its source stays.
  Reply cleared = ok(kEditor, "PATCH", "/api/v1/findings/" + a, R"({"origin":null})");
  EXPECT_TRUE(cleared["origin"].is_null());
  EXPECT_EQ(str(cleared["source"]), "interview");
}

TEST_F(AssessmentApi, TheHeatMapAsOfADate) {
  const std::string a = finding(R"(,"likelihood":5,"impact":4)");
  const std::string b = finding(R"(,"likelihood":2,"impact":2)");
  const std::string c = finding("");
  now_is("2026-02-01");
  ok(kEditor, "PATCH", "/api/v1/findings/" + b, R"({"likelihood":5,"impact":4})");
  ok(kEditor, "PATCH", "/api/v1/findings/" + a, R"({"likelihood":null,"impact":null})");
  const auto cell = [&](const Reply& h, int likelihood, int impact) {
    for (const json::Value& v : h["cells"].items()) {
      if (num(field(v, "likelihood")) == likelihood && num(field(v, "impact")) == impact)
        return strings(field(v, "findings"));
    }
    return std::vector<std::string>{"<no cell>"};
  };
  Reply then = get("/api/v1/heatmap?as_of=2026-01-15");
  EXPECT_EQ(then["cells"].items().size(), 25u);
  EXPECT_EQ(num(field(then["cells"].items()[0], "likelihood")), 5);
  EXPECT_EQ(num(field(then["cells"].items()[0], "impact")), 1);
  EXPECT_THAT(cell(then, 5, 4), ElementsAre(a));
  EXPECT_THAT(cell(then, 2, 2), ElementsAre(b));
  EXPECT_THAT(strings(then["unrated"]), ElementsAre(c));
  Reply now = get("/api/v1/heatmap");
  EXPECT_THAT(cell(now, 5, 4), ElementsAre(b));
  EXPECT_THAT(cell(now, 2, 2), IsEmpty());
  EXPECT_THAT(strings(now["unrated"]), ElementsAre(a, c));
}

TEST_F(AssessmentApi, TheAuditDateOnTrackAndBlockersInTheTimeline) {
  Reply t = get("/api/v1/timeline");
  EXPECT_TRUE(t["audit_target"].is_null());
  EXPECT_TRUE(t["on_track"].is_null());
  EXPECT_TRUE(t["days_left"].is_null());
  EXPECT_EQ(strings(field(t["blockers"], "criteria")).size(), 33u);
  Reply set = ok(kAdmin, "PUT", "/api/v1/program/audit",
                 R"({"type":"type2","window_start":"2026-04-01","window_end":"2026-09-30"})");
  EXPECT_EQ(str(field(set["audit"], "target")), "2026-04-01");
  EXPECT_EQ(str(field(get("/api/v1/program")["audit"], "window_end")), "2026-09-30");
  const std::string late = finding(R"(,"due_date":"2026-05-01")");
  const std::string undated = finding("");
  const std::string early = finding(R"(,"due_date":"2026-03-01")");
  t = get("/api/v1/timeline");
  EXPECT_EQ(str(field(t["audit_target"], "type")), "type2");
  EXPECT_EQ(num(t["days_left"]), 90);  // 2026-01-01 to 2026-04-01
  EXPECT_FALSE(t["on_track"].as_bool());
  EXPECT_THAT(strings(field(t["blockers"], "no_due_date")), ElementsAre(undated));
  EXPECT_THAT(strings(field(t["blockers"], "due_after_target")), ElementsAre(late));
  (void)early;
  // As of a past date: the target was not set yet.
  now_is("2026-01-10");
  EXPECT_TRUE(get("/api/v1/timeline?to=2025-12-31")["audit_target"].is_null());
  // A Type I date moves the target; the blockers follow.
  ok(kAdmin, "PUT", "/api/v1/program/audit", R"({"type":"type1","date":"2026-06-30"})");
  t = get("/api/v1/timeline");
  EXPECT_EQ(str(field(t["audit_target"], "target")), "2026-06-30");
  EXPECT_THAT(strings(field(t["blockers"], "due_after_target")), IsEmpty());
}

// On track: every in-scope criterion has an implemented control with current evidence and every
// unresolved finding is due by the target.
TEST_F(AssessmentApi, OnTrackWhenTheProjectionMeetsTheDate) {
  std::string criteria;
  for (const char* c :
       {"CC1.1", "CC1.2", "CC1.3", "CC1.4", "CC1.5", "CC2.1", "CC2.2", "CC2.3", "CC3.1",
        "CC3.2", "CC3.3", "CC3.4", "CC4.1", "CC4.2", "CC5.1", "CC5.2", "CC5.3", "CC6.1",
        "CC6.2", "CC6.3", "CC6.4", "CC6.5", "CC6.6", "CC6.7", "CC6.8", "CC7.1", "CC7.2",
        "CC7.3", "CC7.4", "CC7.5", "CC8.1", "CC9.1", "CC9.2"}) {
    criteria += (criteria.empty() ? "\"" : ",\"") + std::string(c) + "\"";
  }
  ok(kEditor, "POST", "/api/v1/controls",
     R"({"id":"ALL","title":"Everything","status":"implemented","criteria":[)" + criteria + "]}");
  ok(kEditor, "POST", "/api/v1/evidence?filename=all.txt&control=ALL", "x",
     {{"Content-Type", "text/plain"}});
  finding(R"(,"due_date":"2026-02-15")");
  ok(kAdmin, "PUT", "/api/v1/program/audit", R"({"type":"type1","date":"2026-03-01"})");
  Reply t = get("/api/v1/timeline");
  EXPECT_EQ(str(t["projected_ready_on"]), "2026-02-15");
  EXPECT_TRUE(t["on_track"].as_bool());
  EXPECT_THAT(strings(field(t["blockers"], "criteria")), IsEmpty());
  ok(kAdmin, "PUT", "/api/v1/program/audit", R"({"type":"type1","date":"2026-02-01"})");
  EXPECT_FALSE(get("/api/v1/timeline")["on_track"].as_bool());
}

}  // namespace
}  // namespace gaplog
