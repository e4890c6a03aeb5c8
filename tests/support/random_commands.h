// Random commands for property and differential tests: a fixed cast of users of every role,
// and commands on random (often valid, sometimes not) targets.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/state.h"

namespace gaplog::testing {

inline const std::vector<std::string> kUsers = {"admin@example.com", "admin2@example.com",
                                                "ed@example.com",    "con@example.com",
                                                "other@example.com", "aud@example.com"};

// Adds the cast through a command service (admin@example.com bootstraps itself).
template <typename Service>
void add_users(Service& svc) {
  const std::vector<std::pair<std::string, std::string>> roles{
      {"admin@example.com", "admin"},       {"admin2@example.com", "admin"},
      {"ed@example.com", "editor"},         {"con@example.com", "contributor"},
      {"other@example.com", "contributor"}, {"aud@example.com", "auditor"}};
  for (const auto& [email, role] : roles) {
    auto r = svc.execute("admin@example.com", AddUser{email, "U", role});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  }
}

class CommandGenerator {
 public:
  explicit CommandGenerator(uint32_t seed) : rng_(seed), extra_(seed ^ 0x5167u) {}

  std::string user() { return pick(kUsers); }
  std::string finding(const ProgramState& s) {
    return s.findings_recorded == 0 ? "F-1"
                                    : fmt::format("F-{}", 1 + rng_() % (s.findings_recorded + 1));
  }
  std::string evidence(const ProgramState& s) {
    return fmt::format("E-{}", 1 + rng_() % (s.evidence_uploaded + 1));
  }
  std::string control() { return pick(std::vector<std::string>{"AC-01", "AC-02", "BK-01"}); }
  std::string date(Micros now) {
    return format_date(Date{date_of(now).days - 30 + static_cast<int32_t>(rng_() % 420)});
  }
  bool coin(unsigned one_in) { return rng_() % one_in == 0; }

  Command command(const ProgramState& s, Micros now) {
    // One command in ten is about controls as everyday work (SPEC §12): owners, cadences, tests,
    // evidence on controls.
    const uint32_t extra = extra_();
    if (extra % 10 == 0) return control_work(s, now, extra / 10);
    // And one in ten is the assessment (SPEC §13): documents, reviews, interviews, origins and
    // risk ratings of findings, the audit date.
    if (extra % 10 == 1) return assessment_work(s, now, extra / 10);
    switch (rng_() % 14) {
      case 0:
      case 1:
        return RecordFinding{"Finding " + std::to_string(rng_() % 1000),
                             "",
                             pick(severities()),
                             {pick(std::vector<std::string>{"CC6.1", "CC7.2", "A1.2", "CC9.9"})},
                             coin(3) ? control() : "",
                             "",
                             coin(4) ? "" : user(),
                             coin(3) ? "" : date(now)};
      case 2:
        return AssignFinding{finding(s), coin(6) ? "" : user()};
      case 3:
        return SetFindingDueDate{finding(s), coin(5) ? "" : date(now), coin(2) ? "slipped" : ""};
      case 4:
      case 5:
      case 6:
        return ChangeFindingStatus{finding(s), pick(statuses()), coin(2) ? "verified" : ""};
      case 7:
        return AcceptRisk{finding(s), coin(8) ? "" : "compensating control", date(now)};
      case 8:
        return AddComment{finding(s), "note"};
      case 9:
        return UploadEvidence{"proof.pdf",
                              "application/pdf",
                              fmt::format("{:064x}", rng_() % 5),
                              10,
                              "",
                              coin(3) ? date(now) : "",
                              coin(4) ? "" : finding(s),
                              coin(4) ? control() : ""};
      case 10:
        return LinkEvidence{evidence(s), coin(4) ? "" : finding(s), ""};
      case 11:
        return UnlinkEvidence{evidence(s), finding(s), ""};
      case 12: {
        // Cadences (issue 20) from the second generator, as the sign-ins below.
        const uint32_t extra = extra_();
        return DefineControl{control(),
                             "Control",
                             "",
                             {"CC6.1"},
                             coin(2) ? "implemented" : "",
                             extra % 3 == 0 ? "" : kUsers[extra % kUsers.size()],
                             cadence(extra / 7)};
      }
      default: {
        Command command =
            coin(10) ? Command(ChangeUserRole{
                           pick(std::vector<std::string>{"con@example.com", "other@example.com"}),
                           pick(std::vector<std::string>{"contributor", "editor"})})
                     : Command(SetControlStatus{
                           control(),
                           pick(std::vector<std::string>{"implemented", "not_implemented"}), ""});
        // Sign-ins and personal tokens (issue 18) take the place of some of these, drawn from a
        // second generator so that the histories of every seed stay what they were otherwise.
        const uint32_t extra = extra_();
        if (extra % 8 == 0)
          return SignIn{"sub-" + std::to_string(extra % 100), "https://idp.example"};
        if (extra % 8 == 1) {
          const std::string days =
              format_date(Date{date_of(now).days + static_cast<int32_t>(extra % 400)});
          return IssueToken{kUsers[extra % kUsers.size()], fmt::format("tok-{}-{}", now, extra),
                            std::string(32, 't'), extra % 3 == 0 ? "" : days};
        }
        return command;
      }
    }
  }

 private:
  Command control_work(const ProgramState& s, Micros now, uint32_t extra) {
    switch (extra % 5) {
      case 0: {
        UpdateControl u{control(), std::nullopt, std::nullopt, std::nullopt};
        if (extra % 3 != 0) u.owner = extra % 5 == 0 ? "" : kUsers[(extra / 5) % kUsers.size()];
        if (extra % 3 != 1) u.evidence_every = cadence(extra / 11);
        return u;
      }
      case 1:
      case 4: {
        const auto days_back = static_cast<int32_t>(extra % 45) - 2;  // a few in the future
        return TestControl{
            control(),
            extra % 2 == 0 ? "design" : "operating",
            format_date(Date{date_of(now).days - days_back}),
            (extra / 5) % 2 == 0 ? "fail" : ((extra / 5) % 4 == 1 ? "exception" : "pass"),
            "",
            {}};
      }
      case 2:
        return LinkEvidence{evidence(s), "", control()};
      default:
        return UploadEvidence{
            "scan.pdf",
            "application/pdf",
            fmt::format("{:064x}", extra % 7),
            10,
            extra % 2 ? format_date(Date{date_of(now).days - static_cast<int32_t>(extra % 90)})
                      : "",
            "",
            "",
            control()};
    }
  }

  Command assessment_work(const ProgramState& s, Micros now, uint32_t extra) {
    const auto days = [&](int32_t n) { return format_date(Date{date_of(now).days + n}); };
    const std::string criterion =
        pick(std::vector<std::string>{"CC6.1", "CC7.2", "A1.2", "CC1.1", "CC9.9"});
    switch (extra % 6) {
      case 0:
        return RecordDocument{"Policy",
                              extra % 4 == 0 ? "charter" : "policy",
                              extra % 3 == 0 ? user() : "",
                              "",
                              "",
                              extra % 2 == 0 ? days(static_cast<int32_t>(extra % 200)) : "",
                              {criterion}};
      case 1:
        return ReviewDocument{fmt::format("D-{}", 1 + extra % (s.documents_recorded + 1)),
                              extra % 3 == 0 ? "outdated" : "adequate", "",
                              extra % 2 == 0 ? days(-static_cast<int32_t>(extra % 20)) : "", ""};
      case 2:
        return RecordInterview{
            "Dana",      "CTO", days(-static_cast<int32_t>(extra % 30) + 1), {"ed@example.com"},
            {criterion}, ""};
      case 3: {
        // A finding with an origin and a risk rating, sometimes out of range or dangling.
        RecordFinding f{"Gap", "", pick(severities()),      {criterion}, "",
                        "",    "", coin(3) ? "" : date(now)};
        const uint32_t kind = extra % 4;
        f.origin = kind == 0   ? fmt::format("D-{}", 1 + extra % (s.documents_recorded + 1))
                   : kind == 1 ? fmt::format("I-{}", 1 + extra % (s.interviews_recorded + 1))
                   : kind == 2 ? control() + "#test-" + std::to_string(1 + extra % 3)
                               : "";
        f.likelihood = static_cast<int>(extra % 7) - (extra % 13 == 0 ? 1 : 0);
        f.impact = f.likelihood == 0 ? 0 : static_cast<int>(1 + extra % 5);
        return f;
      }
      case 4: {
        UpdateFinding u;
        u.id = finding(s);
        u.likelihood = static_cast<int>(extra % 6);
        u.impact = static_cast<int>(extra % 6 == 0 ? 0 : 1 + (extra / 6) % 5);
        return u;
      }
      default:
        return extra % 2 == 0
                   ? SetAuditTarget{"type1", days(static_cast<int32_t>(extra % 300) - 5), "", ""}
                   : SetAuditTarget{"type2", "", days(static_cast<int32_t>(extra % 200) - 20),
                                    days(static_cast<int32_t>(extra % 200) + 160)};
    }
  }

  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[rng_() % v.size()];
  }
  static std::string cadence(uint32_t n) {
    static const std::vector<std::string> v{"",          "none",       "monthly",
                                            "quarterly", "semiannual", "annual"};
    return v[n % v.size()];
  }
  static const std::vector<std::string>& severities() {
    static const std::vector<std::string> v{"critical", "high", "medium", "low"};
    return v;
  }
  static const std::vector<std::string>& statuses() {
    static const std::vector<std::string> v{"open", "in_progress", "remediated", "closed",
                                            "risk_accepted"};
    return v;
  }
  std::mt19937 rng_;
  std::mt19937 extra_;
};

}  // namespace gaplog::testing
