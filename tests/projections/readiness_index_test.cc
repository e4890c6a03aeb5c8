// The temporal readiness index against the rules applied to a folded state, day by day across
// every date threshold (risk expiry, evidence collected_on / valid_until, scope and control
// changes, links and unlinks, back-fills).
#include "projections/readiness_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../domain/domain_test_support.h"

namespace gaplog {
namespace {

using testing::kAdmin;
using testing::kContributor;
using testing::kEditor;

Date day(const char* text) { return *parse_date(text); }

ProgramState folded(const std::vector<Event>& log, Date d) {
  ProgramState s;
  for (const Event& e : log) {
    if (e.occurred_at < end_of_day(d)) evolve(s, e);
  }
  return s;
}

void expect_same_every_day(const std::vector<Event>& log, Date from, Date to) {
  ReadinessIndex index;
  for (const Event& e : log) index.apply(e);
  std::optional<Date> since;
  for (int32_t n = from.days; n <= to.days; ++n) {
    const Date d{n};
    SCOPED_TRACE(format_date(d));
    const ProgramState s = folded(log, d);
    const Readiness expected = readiness_at(s, d);
    ASSERT_EQ(index.readiness(d, std::nullopt), expected);
    ASSERT_EQ(index.unresolved(d, std::nullopt), unresolved_at(s, d));
    ASSERT_EQ(index.projected_ready_on(d, std::nullopt), projected_ready_on(s, d));
    const bool full =
        expected.overall.in_scope > 0 && expected.overall.ready == expected.overall.in_scope;
    if (!full)
      since.reset();
    else if (!since)
      since = d;
    ASSERT_EQ(index.ready_since(d, std::nullopt), since);
  }
}

TEST(ReadinessIndex, MatchesTheRulesAcrossEveryThreshold) {
  testing::Program p;
  auto at = [&](const char* date, const std::string& actor, const Command& cmd) {
    p.now = end_of_day(day(date)) - kMicrosPerDay / 2;
    auto r = p.run(actor, cmd);
    ASSERT_TRUE(r.is_ok()) << date << ": " << r.status().to_string();
  };
  at("2026-01-02", kEditor,
     DefineControl{"ISMS", "Program", "", testing::security_criteria(), "partially_implemented"});
  at("2026-01-03", kEditor,
     UploadEvidence{"a.pdf", "application/pdf", std::string(64, 'a'), 1, "2026-01-05", "2026-01-20",
                    "", "ISMS"});
  at("2026-01-04", kEditor, SetControlStatus{"ISMS", "implemented", ""});
  at("2026-01-08", kEditor,
     RecordFinding{"gap", "", "high", {"CC6.1"}, "", "", kContributor, "2026-01-12"});
  at("2026-01-09", kAdmin, AcceptRisk{"F-1", "ok", "2026-01-14"});
  at("2026-01-10", kAdmin, SetScope{{"availability"}});
  at("2026-01-11", kEditor,
     DefineControl{"AV", "Backups", "", {"A1.1", "A1.2", "A1.3"}, "implemented"});
  at("2026-01-12", kEditor,
     UploadEvidence{"b.pdf", "application/pdf", std::string(64, 'b'), 1, "", "2026-01-25", "",
                    "AV"});
  at("2026-01-16", kEditor, RecordFinding{"gap2", "", "low", {"A1.1"}, "", "", kContributor, ""});
  at("2026-01-17", kAdmin, SetScope{{}});
  at("2026-01-18", kEditor, UnlinkEvidence{"E-1", "", "ISMS"});
  at("2026-01-19", kEditor, LinkEvidence{"E-2", "", "ISMS"});
  at("2026-01-21", kEditor,
     UpdateControl{"ISMS", std::nullopt, std::nullopt, std::vector<std::string>{"CC1.1"}});
  expect_same_every_day(p.log, day("2026-01-01"), day("2026-02-01"));
}

TEST(ReadinessIndex, BackfilledEventsCountFromTheDayTheyHappened) {
  testing::Program p;
  p.now = end_of_day(day("2026-03-01")) - 1;
  // Recorded on 2026-03-01, back-filled to January: the control to the 5th, its evidence to the
  // 10th (evidence cannot be back-filled to before its control existed).
  auto defined = p.run(
      kAdmin, DefineControl{"ISMS", "Program", "", testing::security_criteria(), "implemented"},
      end_of_day(day("2026-01-05")) - 1);
  ASSERT_TRUE(defined.is_ok()) << defined.status().to_string();
  auto r =
      p.run(kAdmin,
            UploadEvidence{"a.pdf", "application/pdf", std::string(64, 'a'), 1, "", "", "", "ISMS"},
            end_of_day(day("2026-01-10")) - 1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ReadinessIndex index;
  for (const Event& e : p.log) index.apply(e);
  // Not ready before the evidence's day, ready from it on.
  EXPECT_EQ(index.readiness(day("2026-01-09"), std::nullopt).overall.ready, 0);
  EXPECT_EQ(index.readiness(day("2026-01-10"), std::nullopt).overall.ready, 33);
  // As known before the back-fill was recorded: nothing.
  EXPECT_EQ(index.readiness(day("2026-03-01"), p.log.back().recorded_at - 1).overall.ready, 0);
  expect_same_every_day(p.log, day("2026-01-01"), day("2026-03-05"));
}

}  // namespace
}  // namespace gaplog
