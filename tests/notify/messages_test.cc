// What each reminder says (notify/messages.h): subject, both parts, the link, escaping, the
// webhook body, and the ids a firing keeps.
#include "notify/messages.h"

#include <gtest/gtest.h>

#include "codec/json.h"
#include "projections/notification_ids.h"

namespace gaplog {
namespace {

Date day(const char* text) { return *parse_date(text); }

class Messages : public ::testing::Test {
 protected:
  void SetUp() override {
    UserState ann;
    ann.email = "ann@acme.example";
    ann.name = "Ann";
    ann.role = Role::kEditor;
    state.users[ann.email] = ann;
    FindingState f;
    f.id = "F-3";
    f.title = "MFA <missing> & \"unenforced\"";
    f.severity = Severity::kHigh;
    f.status = FindingStatus::kInProgress;
    f.owner = ann.email;
    f.due_date = day("2026-12-14");
    state.findings[f.id] = f;
    EvidenceState e;
    e.id = "E-2";
    e.filename = "access-review-q3.pdf";
    e.valid_until = day("2027-01-06");
    e.controls = {"AC-01"};
    state.evidence[e.id] = e;
    state.name = "Acme SOC 2";
  }
  MessageContext ctx() const {
    return {"https://gaplog.acme.example", state.name, &state, nullptr};
  }
  PlannedNotification planned(NotificationKind k, std::string subject, const char* d) const {
    return {k, "ann@acme.example", std::move(subject), day(d)};
  }
  ProgramState state;
};

TEST_F(Messages, DueSoonSaysWhenWithALinkInBothParts) {
  const MailContent m =
      render_mail(planned(NotificationKind::kDueSoon, "F-3", "2026-12-07"), ctx());
  EXPECT_EQ(m.subject, "[gaplog] F-3 is due in 7 days: MFA <missing> & \"unenforced\"");
  EXPECT_NE(m.text.find("F-3 is due on 2026-12-14 (in 7 days)."), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Status: in progress."), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("https://gaplog.acme.example/findings/F-3"), std::string::npos);
  EXPECT_NE(m.text.find("https://gaplog.acme.example/account"), std::string::npos);
  EXPECT_NE(m.html.find("<a href=\"https://gaplog.acme.example/findings/F-3\">"),
            std::string::npos);
  EXPECT_EQ(m.html.find("<missing>"), std::string::npos) << "titles are escaped in HTML";
  EXPECT_NE(m.html.find("MFA &lt;missing&gt; &amp; &quot;unenforced&quot;"), std::string::npos);
  const MailContent tomorrow =
      render_mail(planned(NotificationKind::kDueSoon, "F-3", "2026-12-13"), ctx());
  EXPECT_NE(tomorrow.subject.find("is due tomorrow"), std::string::npos) << tomorrow.subject;
}

TEST_F(Messages, EveryKindHasItsOwnSubject) {
  state.findings["F-3"].status = FindingStatus::kRiskAccepted;
  state.findings["F-3"].risk_acceptance = RiskAcceptanceState{"why", day("2027-01-31"), "boss"};
  const std::vector<std::pair<PlannedNotification, std::string>> cases = {
      {planned(NotificationKind::kAssigned, "F-3", "2026-12-07"), "F-3 is now yours"},
      {planned(NotificationKind::kOverdue, "F-3", "2026-12-21"), "F-3 is overdue (7 days)"},
      {planned(NotificationKind::kAcceptanceExpiring, "F-3", "2027-01-01"),
       "The risk acceptance of F-3 ends on 2027-01-31"},
      {planned(NotificationKind::kAcceptanceExpired, "F-3", "2027-02-01"),
       "The risk acceptance of F-3 has expired"},
      {planned(NotificationKind::kEvidenceExpiring, "E-2", "2026-12-07"),
       "Evidence E-2 expires on 2027-01-06"},
      {planned(NotificationKind::kWeeklyDigest, "", "2026-12-07"), "Your week in Acme SOC 2"},
  };
  for (const auto& [n, expected] : cases) {
    const MailContent m = render_mail(n, ctx());
    EXPECT_NE(m.subject.find(expected), std::string::npos) << name(n.kind) << ": " << m.subject;
    EXPECT_EQ(m.subject.rfind("[gaplog] ", 0), 0u);
    EXPECT_FALSE(m.text.empty());
    EXPECT_NE(m.html.find("</html>"), std::string::npos);
  }
}

TEST_F(Messages, TheDigestListsTheirFindingsAndForLeadsTheProgramsWeek) {
  FindingState late = state.findings["F-3"];
  late.id = "F-9";
  late.due_date = day("2026-12-01");
  state.findings[late.id] = late;
  ProgramWeek week;
  week.readiness = {10, 33};
  week.readiness_week_before = {8, 33};
  week.overdue = 4;
  week.unresolved = 12;
  week.closed = 2;
  MessageContext c = ctx();
  c.week = &week;
  const MailContent m = render_mail(planned(NotificationKind::kWeeklyDigest, "", "2026-12-07"), c);
  const size_t overdue = m.text.find("- F-9"), later = m.text.find("- F-3");
  ASSERT_NE(overdue, std::string::npos) << m.text;
  ASSERT_NE(later, std::string::npos) << m.text;
  EXPECT_LT(overdue, later) << "overdue first";
  EXPECT_NE(m.text.find("OVERDUE"), std::string::npos);
  EXPECT_NE(m.text.find("Readiness: 30.3% (10 of 33 criteria), a week ago 24.2%"),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("2 closed"), std::string::npos);
}

TEST_F(Messages, TheWebhookBodyIsTypeIdOccurredAtAndData) {
  const PlannedNotification n{NotificationKind::kOverdue, "webhook:wh_0123456789abcdef", "F-3",
                              day("2026-12-21")};
  const std::string body =
      render_webhook_body(n, {"ann@acme.example"}, "msg_1", 1'700'000'000'000'000, ctx());
  auto v = json::parse(body);
  ASSERT_TRUE(v.is_ok()) << body;
  EXPECT_EQ(v->find("type")->as_string(), "overdue");
  EXPECT_EQ(v->find("id")->as_string(), "msg_1");
  EXPECT_EQ(v->find("occurred_at")->as_string(), "2023-11-14T22:13:20Z");
  const json::Value* data = v->find("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->find("day")->as_string(), "2026-12-21");
  EXPECT_EQ(data->find("people")->items().at(0).as_string(), "ann@acme.example");
  EXPECT_EQ(data->find("finding")->find("due_date")->as_string(), "2026-12-14");
  EXPECT_EQ(data->find("url")->as_string(), "https://gaplog.acme.example/findings/F-3");
}

TEST(NotificationIds, AreStablePerFiringAndDifferBetweenFirings) {
  const std::string a = mail_message_id("overdue", "F-3", "ann@x.example", "2026-12-21",
                                        "https://gaplog.acme.example:8443");
  EXPECT_EQ(a, mail_message_id("overdue", "F-3", "ann@x.example", "2026-12-21",
                               "https://gaplog.acme.example:8443"));
  EXPECT_TRUE(a.ends_with(".overdue@gaplog.acme.example")) << a;
  EXPECT_EQ(a.size(), 24 + std::string(".overdue@gaplog.acme.example").size());
  EXPECT_NE(a, mail_message_id("overdue", "F-3", "ann@x.example", "2026-12-28",
                               "https://gaplog.acme.example:8443"));
  EXPECT_NE(a, mail_message_id("overdue", "F-3", "bob@x.example", "2026-12-21",
                               "https://gaplog.acme.example:8443"));
  EXPECT_TRUE(mail_message_id("overdue", "F-3", "a@x", "2026-12-21", "http://[::1]:8080")
                  .ends_with("@gaplog.invalid"));
  EXPECT_TRUE(
      mail_message_id("overdue", "F-3", "a@x", "2026-12-21", "").ends_with("@gaplog.invalid"));
  const std::string w = webhook_message_id("overdue", "F-3", "webhook:wh_1", "2026-12-21");
  EXPECT_EQ(w, "msg_" + firing_digest("overdue", "F-3", "webhook:wh_1", "2026-12-21"));
  EXPECT_EQ(w.size(), 4u + 24u);
}

}  // namespace
}  // namespace gaplog
