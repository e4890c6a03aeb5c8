#include "app/demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

namespace gaplog {
namespace {

struct Person {
  const char* email;
  const char* name;
  const char* role;
};

constexpr Person kPeople[] = {
    {"maya.chen@acme.example", "Maya Chen", "editor"},              // compliance lead
    {"raj.patel@acme.example", "Raj Patel", "editor"},              // security engineer
    {"sofia.garcia@acme.example", "Sofia Garcia", "contributor"},   // platform
    {"liam.oconnor@acme.example", "Liam O'Connor", "contributor"},  // IT
    {"ava.novak@acme.example", "Ava Novak", "contributor"},         // engineering manager
    {"noah.kim@acme.example", "Noah Kim", "contributor"},           // HR
    {"emma.rossi@acme.example", "Emma Rossi", "contributor"},       // data
    {"dana.fox@cpa.example", "Dana Fox (CPA firm)", "auditor"},
    {"chris.ward@acme.example", "Chris Ward", "admin"},  // CISO: verifies fixes
};
constexpr const char* kOwners[] = {"raj.patel@acme.example",    "sofia.garcia@acme.example",
                                   "liam.oconnor@acme.example", "ava.novak@acme.example",
                                   "noah.kim@acme.example",     "emma.rossi@acme.example",
                                   "maya.chen@acme.example"};

struct DemoControl {
  const char* id;
  const char* title;
  std::vector<std::string> criteria;
  int implemented_on;  // day the control is implemented; 0 = never; negative = partially, on -day
  const char* owner = "";           // SPEC §12; "" = none
  const char* evidence_every = "";  // "" = none: its evidence carries its own valid_until
};

const std::vector<DemoControl>& controls() {
  static const std::vector<DemoControl> c = {
      {"GOV-01", "Code of conduct signed by every employee", {"CC1.1", "CC1.5"}, 20},
      {"GOV-02",
       "Board reviews security quarterly",
       {"CC1.2", "CC2.2"},
       75,
       "maya.chen@acme.example",
       "quarterly"},
      {"GOV-03", "Org chart and security roles documented", {"CC1.3"}, 15},
      {"HR-01", "Background checks before hire", {"CC1.4"}, 40},
      {"HR-02",
       "Security awareness training yearly",
       {"CC1.4", "CC2.2"},
       110,
       "noah.kim@acme.example",
       "annual"},
      {"RISK-01", "Annual risk assessment", {"CC3.1", "CC3.2", "CC3.3"}, 60},
      {"RISK-02", "Vendor security reviews", {"CC3.4", "CC9.2"}, -95},
      {"MON-01", "Internal control self-assessment", {"CC4.1", "CC4.2"}, 0},
      {"POL-01", "Information security policy set", {"CC5.1", "CC5.2", "CC5.3"}, 35},
      {"AC-01", "MFA on all production access", {"CC6.1", "CC6.6"}, 50, "raj.patel@acme.example"},
      {"AC-02", "Quarterly access reviews", {"CC6.2", "CC6.3"}, 130, "liam.oconnor@acme.example"},
      {"AC-03", "Badge access to the office", {"CC6.4"}, 10},
      {"AC-04", "Secure disposal of laptops and media", {"CC6.5"}, -80},
      {"NET-01", "Encryption in transit and at rest", {"CC6.7", "C1.1"}, 45},
      {"END-01", "Endpoint protection on laptops", {"CC6.8"}, 70, "liam.oconnor@acme.example"},
      {"OPS-01",
       "Vulnerability scanning weekly",
       {"CC7.1"},
       55,
       "sofia.garcia@acme.example",
       "monthly"},
      {"OPS-02",
       "Central logging and alerting",
       {"CC7.2", "CC7.3"},
       120,
       "sofia.garcia@acme.example"},
      {"IR-01", "Incident response plan tested", {"CC7.4", "CC7.5"}, -140},
      {"CHG-01", "Peer review and CI before deploy", {"CC8.1"}, 25, "ava.novak@acme.example"},
      {"BCP-01", "Business continuity plan", {"CC9.1", "A1.3"}, 0},
      {"AV-01", "Capacity monitoring and autoscaling", {"A1.1"}, 65},
      {"AV-02",
       "Daily backups with restore tests",
       {"A1.2"},
       100,
       "sofia.garcia@acme.example",
       "quarterly"},
      {"COM-01", "Customer security commitments published", {"CC2.3"}, 30},
      {"COM-02", "Internal security newsletter", {"CC2.1"}, 85},
      {"CONF-01",
       "Confidential data retention and deletion",
       {"C1.2"},
       0,
       "emma.rossi@acme.example"},
  };
  return c;
}

struct DemoFinding {
  const char* title;
  const char* severity;
  std::vector<std::string> criteria;
  const char* control;  // "" = none
  const char* source;
  int due_day;  // days after the start; 0 = no due date
  // What happens to it: 0 stays open, 1 in progress, 2 remediated, 3 closed, 4 risk accepted.
  int fate;
};

// A table of the demo's findings: data, not logic, however long it grows.
// NOLINTNEXTLINE(readability-function-size)
const std::vector<DemoFinding>& findings() {
  static const std::vector<DemoFinding> f = {
      {"No MFA on the VPN", "critical", {"CC6.1"}, "AC-01", "control_evaluation", 45, 3},
      {"Shared admin account on the production database",
       "critical",
       {"CC6.1", "CC6.2"},
       "AC-02",
       "control_evaluation",
       60,
       3},
      {"Offboarding does not revoke SaaS access",
       "high",
       {"CC6.2", "CC6.3"},
       "AC-02",
       "interview",
       120,
       2},
      {"No quarterly access review performed",
       "high",
       {"CC6.3"},
       "AC-02",
       "document_review",
       150,
       1},
      {"Laptops not centrally encrypted",
       "high",
       {"CC6.7", "CC6.8"},
       "END-01",
       "control_evaluation",
       75,
       3},
      {"Endpoint agent missing on 12 machines",
       "medium",
       {"CC6.8"},
       "END-01",
       "control_evaluation",
       160,
       1},
      {"Security policy not approved by management",
       "medium",
       {"CC5.3"},
       "POL-01",
       "document_review",
       40,
       3},
      {"Acceptable use policy outdated (2019)",
       "low",
       {"CC5.3"},
       "POL-01",
       "document_review",
       90,
       3},
      {"No formal risk assessment", "high", {"CC3.1", "CC3.2"}, "RISK-01", "interview", 70, 3},
      {"Fraud risk not considered", "medium", {"CC3.3"}, "RISK-01", "interview", 200, 0},
      {"Vendor reviews missing for critical suppliers",
       "high",
       {"CC9.2", "CC3.4"},
       "RISK-02",
       "document_review",
       140,
       1},
      {"No internal control monitoring",
       "medium",
       {"CC4.1", "CC4.2"},
       "MON-01",
       "interview",
       170,
       0},
      {"Board minutes do not cover security",
       "low",
       {"CC1.2"},
       "GOV-02",
       "document_review",
       100,
       3},
      {"Background checks not done for contractors",
       "medium",
       {"CC1.4"},
       "HR-01",
       "interview",
       150,
       2},
      {"Security training completion at 61%",
       "medium",
       {"CC1.4", "CC2.2"},
       "HR-02",
       "control_evaluation",
       130,
       3},
      {"Job descriptions lack security responsibilities",
       "low",
       {"CC1.3", "CC1.5"},
       "",
       "document_review",
       0,
       0},
      {"Vulnerability scans not run on staging",
       "medium",
       {"CC7.1"},
       "OPS-01",
       "control_evaluation",
       95,
       3},
      {"Critical CVEs open beyond 30 days",
       "high",
       {"CC7.1"},
       "OPS-01",
       "control_evaluation",
       150,
       1},
      {"No alerting on failed logins", "high", {"CC7.2"}, "OPS-02", "control_evaluation", 130, 2},
      {"Log retention only 7 days",
       "medium",
       {"CC7.2", "CC7.3"},
       "OPS-02",
       "control_evaluation",
       175,
       1},
      {"Incident response plan never tested", "high", {"CC7.4"}, "IR-01", "interview", 160, 0},
      {"No post-incident review template", "low", {"CC7.5"}, "IR-01", "document_review", 0, 0},
      {"Direct pushes to main allowed",
       "critical",
       {"CC8.1"},
       "CHG-01",
       "control_evaluation",
       30,
       3},
      {"Emergency changes not documented", "medium", {"CC8.1"}, "CHG-01", "interview", 120, 4},
      {"No business continuity plan",
       "high",
       {"CC9.1", "A1.3"},
       "BCP-01",
       "document_review",
       190,
       0},
      {"Backups never restored in a test", "critical", {"A1.2"}, "AV-02", "interview", 110, 2},
      {"No capacity alerts on the database",
       "medium",
       {"A1.1"},
       "AV-01",
       "control_evaluation",
       90,
       3},
      {"Status page not linked from the product",
       "low",
       {"CC2.3"},
       "COM-01",
       "document_review",
       60,
       3},
      {"Security commitments missing from the MSA",
       "medium",
       {"CC2.3"},
       "COM-01",
       "document_review",
       200,
       0},
      {"No internal communication of security changes",
       "low",
       {"CC2.1"},
       "COM-02",
       "interview",
       0,
       1},
      {"Customer data kept after contract end", "high", {"C1.2"}, "CONF-01", "interview", 195, 0},
      {"Confidential data not classified", "medium", {"C1.1"}, "NET-01", "document_review", 185, 1},
      {"Office visitors not logged", "low", {"CC6.4"}, "AC-03", "interview", 80, 3},
      {"Old laptops stored in a cupboard", "low", {"CC6.5"}, "AC-04", "interview", 0, 0},
      {"TLS 1.0 enabled on the legacy API",
       "high",
       {"CC6.7", "C1.1"},
       "NET-01",
       "control_evaluation",
       85,
       3},
      {"Service accounts with non-expiring keys",
       "high",
       {"CC6.1", "CC6.6"},
       "AC-01",
       "control_evaluation",
       165,
       1},
      {"Privacy notice does not describe retention",
       "medium",
       {"P1.1", "P4.2"},
       "",
       "document_review",
       0,
       0},
      {"No process for data subject requests", "high", {"P5.1", "P5.2"}, "", "interview", 0, 0},
      {"Ethics hotline unknown to staff", "low", {"CC1.1", "CC2.2"}, "GOV-01", "interview", 140, 2},
      {"Change approvals not recorded for infrastructure",
       "medium",
       {"CC8.1"},
       "CHG-01",
       "control_evaluation",
       178,
       0},
  };
  return f;
}

// The documents the consultant reviewed in the gap assessment (SPEC §13), with the outcome of
// the first review, two days after they were collected.
struct DemoDocument {
  const char* title;
  const char* kind;
  const char* owner;
  const char* version;
  std::vector<std::string> criteria;
  const char* outcome;
  const char* notes;
  int next_review_day;  // days after the start
};

const std::vector<DemoDocument>& documents() {
  static const std::vector<DemoDocument> d = {
      {"Information Security Policy",
       "policy",
       "chris.ward@acme.example",
       "2.3",
       {"CC1.1", "CC2.1", "CC5.3"},
       "outdated",
       "Last approved two years ago; does not cover the cloud platform.",
       200},
      {"Access Control Procedure",
       "procedure",
       "raj.patel@acme.example",
       "1.0",
       {"CC6.1", "CC6.2", "CC6.3"},
       "incomplete",
       "No steps for access reviews or for offboarding from SaaS tools.",
       270},
      {"Incident Response Plan",
       "plan",
       "sofia.garcia@acme.example",
       "1.4",
       {"CC7.3", "CC7.4", "CC7.5"},
       "adequate",
       "Roles and escalation are clear; never tested.",
       365},
      {"Change Management Standard",
       "standard",
       "ava.novak@acme.example",
       "0.9",
       {"CC8.1"},
       "not_approved",
       "Draft; no approver named.",
       120},
      {"Business Continuity and Disaster Recovery Plan",
       "plan",
       "sofia.garcia@acme.example",
       "1.1",
       {"CC9.1", "A1.2", "A1.3"},
       "outdated",
       "Recovery objectives predate the move to the cloud.",
       170},
      {"Vendor Management Policy",
       "policy",
       "maya.chen@acme.example",
       "",
       {"CC9.2", "CC3.4"},
       "missing",
       "No policy exists; vendors are onboarded ad hoc.",
       0},
      {"Code of Conduct",
       "policy",
       "noah.kim@acme.example",
       "4.0",
       {"CC1.1", "CC1.5"},
       "adequate",
       "Signed at hire; annual re-acknowledgement missing.",
       150},
  };
  return d;
}

struct DemoInterview {
  const char* stakeholder;
  const char* role;
  std::vector<std::string> criteria;
  const char* notes;
};

const std::vector<DemoInterview>& interviews() {
  static const std::vector<DemoInterview> i = {
      {"Priya Shah",
       "Chief Technology Officer",
       {"CC1.3", "CC3.1", "CC6.1", "CC7.1"},
       "Security ownership sits with the CISO; engineering owns MFA and logging."},
      {"Noah Kim",
       "Head of People",
       {"CC1.4", "CC2.2", "CC6.2"},
       "Background checks for all hires since last year; offboarding is a checklist in HR."},
      {"Ava Novak",
       "Engineering Manager",
       {"CC7.2", "CC8.1", "A1.1", "A1.2"},
       "Deploys need a second review in CI; restores have never been tested end to end."},
      {"Jordan Lee",
       "Chief Executive Officer",
       {"CC1.2", "CC3.2", "CC9.1"},
       "The board hears about security once a year; no formal risk appetite."},
  };
  return i;
}

// One step of the story, at a business time; executed in time order.
using StepAction = std::function<Status(const CommandOptions&)>;

struct Step {
  Micros at;
  int order;  // ties keep the order in which steps were planned
  StepAction run;
};

constexpr int kDemoDays = 182;

// The story of the demo program, planned step by step, then played in time order.
class DemoStory {
 public:
  DemoStory(CommandService& service, BlobStore& blobs, const std::string& admin, Micros now)
      : service_(service),
        blobs_(blobs),
        admin_(admin),
        // Day 0 starts at 09:00 UTC 182 days ago; every step happens at a fixed minute of its day.
        start_((date_of(now).days - kDemoDays) * kMicrosPerDay +
               static_cast<Micros>(9 * 3600) * kMicrosPerSecond) {}

  void plan_program_and_people() {
    plan(0, 0, exec(NameProgram{"Acme Cloud — SOC 2 Type II"}));
    plan(0, 1, exec(SetScope{{"security", "availability"}}));
    for (size_t i = 0; i < std::size(kPeople); ++i) {
      plan(0, 2 + static_cast<int>(i),
           exec(AddUser{kPeople[i].email, kPeople[i].name, kPeople[i].role}));
    }
  }

  // Controls are defined during the first week, most with an owner; each is implemented (or
  // partially) later. Evidence of a control with a cadence is collected again every period and
  // is valid for it (the last scan report expires within the month); the others' evidence is
  // valid for a year (access reviews: 40 days, so that one has lapsed by now).
  void plan_controls() {
    for (size_t i = 0; i < controls().size(); ++i) {
      const DemoControl& c = controls()[i];
      plan(1 + static_cast<int>(i) / 5, 10 + static_cast<int>(i),
           exec(DefineControl{c.id, c.title, "", c.criteria, "", c.owner, c.evidence_every}));
      if (c.implemented_on > 0) {
        plan(c.implemented_on, 30, exec(SetControlStatus{c.id, "implemented", "rolled out"}));
        plan_control_evidence(c);
      } else if (c.implemented_on < 0) {
        plan(-c.implemented_on, 30,
             exec(SetControlStatus{c.id, "partially_implemented", "first teams done"}));
      }
    }
  }

  void plan_control_evidence(const DemoControl& c) {
    const std::string every = c.evidence_every;
    if (every.empty()) {
      const int valid = std::string(c.id) == "AC-02" ? 40 : 365;
      plan(c.implemented_on, 31,
           upload(fmt::format("{} evidence.txt", c.id), "", c.id, c.implemented_on, valid));
      return;
    }
    // Collected again a few days before each period ends (30, 91, 182, 365 days apart).
    const int period = every == "monthly"      ? 30
                       : every == "quarterly"  ? 88
                       : every == "semiannual" ? 180
                                               : 360;
    int n = 1;
    for (int day = c.implemented_on; day < kDemoDays; day += period, ++n) {
      plan(day, 31, upload(fmt::format("{} evidence {}.txt", c.id, n), "", c.id, day, 0));
    }
  }

  // Control tests (SPEC §12): MFA passed its design test, failed an operating test (logins
  // without MFA in the sample), then passed after the fix; the backup restore test failed last
  // week, so AV-02 does not count now.
  void plan_control_tests() {
    plan(52, 40,
         exec(TestControl{"AC-01",
                          "design",
                          date_at(52),
                          "pass",
                          "Conditional-access policy requires MFA for every production role.",
                          {}}));
    plan(118, 40,
         exec(TestControl{
             "AC-01",
             "operating",
             date_at(117),
             "fail",
             "3 of 25 sampled production logins went through a legacy path without MFA.",
             {}}));
    plan(160, 40,
         exec(TestControl{"AC-01",
                          "operating",
                          date_at(159),
                          "pass",
                          "Legacy path removed; 25 of 25 sampled logins used MFA.",
                          {}}));
    plan(125, 41,
         exec(TestControl{"CHG-01",
                          "operating",
                          date_at(124),
                          "exception",
                          "1 of 30 sampled deploys merged without a second review.",
                          {}}));
    plan(kDemoDays - 6, 40,
         exec(TestControl{"AV-02",
                          "operating",
                          date_at(kDemoDays - 7),
                          "fail",
                          "The quarterly restore test of the billing database did not complete.",
                          {}}));
  }

  // The gap assessment records the findings over days 3 to 10; then each meets its fate.
  void plan_findings() {
    for (size_t i = 0; i < findings().size(); ++i) {
      const DemoFinding& f = findings()[i];
      const std::string id = fmt::format("F-{}", i + 1);
      const int recorded = 3 + static_cast<int>(i) / 5;
      const std::string owner = kOwners[i % std::size(kOwners)];
      RecordFinding record{
          f.title,   "",       f.severity, f.criteria,
          f.control, f.source, owner,      f.due_day > 0 ? date_at(f.due_day) : ""};
      record.origin = origin_of(f, recorded);
      rate(record, i);
      plan(recorded, 60 + static_cast<int>(i), exec(std::move(record)));
      const int work = recorded + 5 + static_cast<int>(i % 9) * 3;  // work starts
      const int fixed =
          std::max(work + 10, f.due_day > 0 ? f.due_day - 12 + static_cast<int>(i % 5) : work + 30);
      plan_fate(id, f.fate, work, fixed);
    }
  }

  // The assessment (SPEC §13): documents collected on day 1 and reviewed on day 2, stakeholder
  // interviews on days 1 and 2; each control evaluated is tested (design) on the day its first
  // finding is recorded (plan_findings names those tests as origins). Later control tests
  // produce findings of their own. The audit is a Type II whose window moved once.
  void plan_assessment() {
    for (size_t i = 0; i < documents().size(); ++i) {
      const DemoDocument& d = documents()[i];
      plan(1, 40 + static_cast<int>(i),
           exec(RecordDocument{
               d.title, d.kind, d.owner, d.version,
               std::string(d.version).empty() ? "" : date_at(-300 + 40 * static_cast<int>(i)),
               d.next_review_day > 0 ? date_at(d.next_review_day) : "", d.criteria}));
      plan(2, 40 + static_cast<int>(i),
           exec(ReviewDocument{fmt::format("D-{}", i + 1), d.outcome, d.notes, "", ""}));
    }
    // The continuity plan was rewritten and passed its second review.
    plan(140, 45,
         exec(ReviewDocument{"D-5", "adequate", "RTO/RPO restated for the cloud; approved.", "",
                             date_at(140 + 365)}));
    for (size_t i = 0; i < interviews().size(); ++i) {
      const DemoInterview& v = interviews()[i];
      plan(1 + static_cast<int>(i) / 2, 50 + static_cast<int>(i),
           exec(RecordInterview{v.stakeholder,
                                v.role,
                                date_at(1 + static_cast<int>(i) / 2),
                                {"maya.chen@acme.example", "chris.ward@acme.example"},
                                v.criteria,
                                v.notes}));
    }
    plan(20, 5, exec(SetAuditTarget{"type2", "", date_at(200), date_at(200 + 182)}));
    plan(168, 5,
         exec(SetAuditTarget{"type2", "", date_at(kDemoDays + 60), date_at(kDemoDays + 60 + 182)}));
  }

  // Findings of the control tests after the assessment (recorded the day after each test).
  void plan_test_findings() {
    struct TestFinding {
      const char* title;
      const char* severity;
      const char* criterion;
      const char* control;
      int test;  // the test's position among the control's tests after the assessment's
      int day, due_day, fate;
    };
    const TestFinding found[] = {
        {"Legacy login path bypasses MFA", "critical", "CC6.1", "AC-01", 2, 119, 150, 3},
        {"Deploy merged without a second review", "medium", "CC8.1", "CHG-01", 1, 126, 200, 1},
        {"Billing database restore did not complete", "high", "A1.2", "AV-02", 1, kDemoDays - 5,
         kDemoDays + 20, 0},
    };
    size_t n = findings().size();
    for (const TestFinding& t : found) {
      ++n;
      RecordFinding record{t.title,
                           "",
                           t.severity,
                           {t.criterion},
                           t.control,
                           "",
                           kOwners[n % std::size(kOwners)],
                           date_at(t.due_day)};
      record.origin = control_test_ref(
          t.control, static_cast<size_t>(t.test) + (assessed_.contains(t.control) ? 1 : 0));
      rate(record, n);
      plan(t.day, 70, exec(std::move(record)));
      plan_fate(fmt::format("F-{}", n), t.fate, t.day + 2, t.day + 25);
    }
  }

  void plan_later_events() {
    // Half-way, the customers' questionnaires ask for confidentiality: the scope widens.
    plan(91, 0, exec(SetScope{{"security", "availability", "confidentiality"}}));
    // A verification failed and went back to work; one closed finding was reopened.
    plan(150, 200, exec(AddComment{"F-3", "SSO deprovisioning still misses two SaaS tools."}));
    plan(168, 201, exec(SetFindingDueDate{"F-12", date_at(185), "audit fieldwork moved"}));
    plan(172, 202, exec(AssignFinding{"F-21", "raj.patel@acme.example"}));
  }

  // Executes the planned steps in time order, up to (not including) `now`.
  Status play_until(Micros now) {
    std::stable_sort(steps_.begin(), steps_.end(), [](const Step& a, const Step& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
    for (const Step& s : steps_) {
      if (s.at >= now) continue;  // nothing happens in the future
      CommandOptions o;
      o.occurred_at = s.at;
      GAPLOG_RETURN_IF_ERROR(s.run(o));
    }
    return Status::ok();
  }

 private:
  // What happens to finding `id`: 0 stays open, 1 in progress, 2 remediated, 3 closed, 4 risk
  // accepted.
  // Where the assessment found a finding: the document or interview on one of its criteria
  // (else the first of them), or a design test of its control on the day it is recorded.
  std::string origin_of(const DemoFinding& f, int recorded) {
    const std::string source = f.source;
    const auto covers = [&](const std::vector<std::string>& criteria) {
      return std::any_of(f.criteria.begin(), f.criteria.end(), [&](const std::string& c) {
        return std::find(criteria.begin(), criteria.end(), c) != criteria.end();
      });
    };
    if (source == "document_review") {
      for (size_t i = 0; i < documents().size(); ++i) {
        if (covers(documents()[i].criteria)) return fmt::format("D-{}", i + 1);
      }
      return "D-1";
    }
    if (source == "interview") {
      for (size_t i = 0; i < interviews().size(); ++i) {
        if (covers(interviews()[i].criteria)) return fmt::format("I-{}", i + 1);
      }
      return "I-1";
    }
    if (source != "control_evaluation" || std::string(f.control).empty()) return "";
    const std::string control = f.control;
    if (!assessed_.contains(control)) {
      const auto& all = controls();
      const auto it = std::find_if(all.begin(), all.end(),
                                   [&](const DemoControl& c) { return control == c.id; });
      if (it == all.end() || 1 + static_cast<int>(it - all.begin()) / 5 > recorded) return "";
      assessed_.insert(control);
      plan(recorded, 59,
           exec(TestControl{control,
                            "design",
                            date_at(recorded),
                            "exception",
                            "Gap assessment: designed, but not operating as described.",
                            {}}));
    }
    return control_test_ref(control, 1);
  }

  // Likelihood and impact from the severity, varied by position; every seventh is not rated yet.
  static void rate(RecordFinding& f, size_t i) {
    if (i % 7 == 6) return;
    const int base = f.severity == "critical" ? 5
                     : f.severity == "high"   ? 4
                     : f.severity == "medium" ? 3
                                              : 2;
    f.impact = base;
    f.likelihood = std::clamp(base - 1 + static_cast<int>(i % 3), 1, 5);
  }

  void plan_fate(const std::string& id, int fate, int work, int fixed) {
    // Back-filling needs an admin, and whoever reports a fix may not verify it (segregation of
    // duties): the program's admin reports the owners' fixes and the CISO, an admin too, closes
    // them.
    const std::string ciso = kPeople[std::size(kPeople) - 1].email;
    switch (fate) {
      case 1:
        plan(work, 120, exec(ChangeFindingStatus{id, "in_progress", ""}));
        break;
      case 2:
      case 3:
        plan(work, 120, exec(ChangeFindingStatus{id, "in_progress", ""}));
        plan(fixed, 121, exec(ChangeFindingStatus{id, "remediated", ""}));
        plan(fixed, 122, upload(fmt::format("{} fix.txt", id), id, "", fixed, 0));
        plan(fixed, 123, exec(AddComment{id, "Fixed; evidence attached for review."}));
        if (fate == 3)
          plan(fixed + 4, 124, exec_as(ciso, ChangeFindingStatus{id, "closed", "verified"}));
        break;
      case 4:
        plan(work, 120,
             exec(AcceptRisk{id,
                             "Emergency changes are rare (two a year) and reviewed in the "
                             "weekly ops meeting; a ticketing workflow is planned for next year.",
                             date_at(work + 300)}));
        break;
      default:
        break;
    }
  }

  void plan(int day, int minute, StepAction run) {
    steps_.push_back(
        {start_ + day * kMicrosPerDay + static_cast<Micros>(minute * 60) * kMicrosPerSecond,
         static_cast<int>(steps_.size()), std::move(run)});
  }

  StepAction exec_as(const std::string& actor, Command c) {
    return [&service = service_, actor, c = std::move(c)](const CommandOptions& o) {
      return service.execute(actor, c, o).status();
    };
  }

  StepAction exec(Command c) { return exec_as(admin_, std::move(c)); }

  std::string date_at(int day) const { return format_date(Date{date_of(start_).days + day}); }

  static std::string evidence_bytes(const std::string& what, int day) {
    return fmt::format(
        "Acme Cloud — evidence\n{}\ncollected on day {} of the remediation programme\n", what, day);
  }

  // Uploads a small text file as evidence linked to a finding or a control.
  StepAction upload(const std::string& filename, const std::string& finding,
                    const std::string& control, int day, int valid_days) {
    return [this, filename, finding, control, day, valid_days](const CommandOptions& o) -> Status {
      GAPLOG_ASSIGN_OR_RETURN(BlobInfo blob, blobs_.put(evidence_bytes(filename, day)));
      UploadEvidence u;
      u.filename = filename;
      u.media_type = "text/plain; charset=utf-8";
      u.sha256 = blob.sha256;
      u.size = blob.size;
      u.collected_on = date_at(day);
      if (valid_days > 0) u.valid_until = date_at(day + valid_days);
      u.finding = finding;
      u.control = control;
      return service_.execute(admin_, u, o).status();
    };
  }

  CommandService& service_;
  BlobStore& blobs_;
  const std::string& admin_;
  const Micros start_;
  std::vector<Step> steps_;
  std::set<std::string> assessed_;  // controls with a design test in the assessment
};

}  // namespace

Status build_demo(CommandService& service, BlobStore& blobs, const std::string& admin, Micros now) {
  DemoStory story(service, blobs, admin, now);
  story.plan_program_and_people();
  story.plan_controls();
  story.plan_control_tests();
  story.plan_assessment();
  story.plan_findings();
  story.plan_test_findings();
  story.plan_later_events();
  return story.play_until(now);
}

}  // namespace gaplog
