// Projections as of past dates and past moments of knowledge, with back-filled history; and a
// differential test against a naive fold written here, independently of the engine.
#include "projections/program_history.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "../domain/domain_test_support.h"
#include "../store/store_test_support.h"
#include "../support/random_commands.h"
#include "app/command_service.h"
#include "projections/queries.h"

namespace gaplog {
namespace {

Date day(const char* text) { return *parse_date(text); }
Micros noon(const char* date) { return end_of_day(day(date)) - kMicrosPerDay / 2; }

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventLog::open(EventLogOptions{dir_.sub("events"), fs_.get(), &clock_, true});
    ASSERT_TRUE(log.is_ok());
    log_ = std::move(log).value();
    svc_ = std::move(CommandService::open(*log_, clock_)).value();
    // The users join at the start of the year: the back-filled history below names them, and
    // a back-fill may name only users active at its occurred_at.
    const Micros today = clock_.now();
    clock_.set(testing::kT0);
    testing::add_users(*svc_);
    clock_.set(today);
    history_ = std::move(ProgramHistory::open(*log_)).value();
  }

  void at(const char* date, const Command& cmd, const std::string& actor = "admin@example.com") {
    CommandOptions o;
    o.occurred_at = noon(date);
    auto r = svc_->execute(actor, cmd, o);
    ASSERT_TRUE(r.is_ok()) << date << ": " << r.status().to_string();
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0 + 200 * kMicrosPerDay};  // "today" is 2026-07-20
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<CommandService> svc_;
  std::unique_ptr<ProgramHistory> history_;
};

TEST_F(HistoryTest, AsOfIncludesEventsBackfilledLongAfterTheDate) {
  at("2026-02-01",
     RecordFinding{"No MFA", "", "high", {"CC6.1"}, "", "", "con@example.com", "2026-03-01"});
  at("2026-02-10", DefineControl{"AC-01", "MFA", "", {"CC6.2"}, "implemented"});
  const Micros before_backfill = clock_.now();
  clock_.advance(kMicrosPerDay);
  // Recorded today, but it happened on 2026-02-05: it belongs to every view from that day on.
  at("2026-02-05", AddComment{"F-1", "started"}, "admin@example.com");
  at("2026-02-20",
     UploadEvidence{"mfa.png", "image/png", std::string(64, 'a'), 1, "", "", "", "AC-01"});

  auto jan = history_->readiness(AsOf{day("2026-01-31"), std::nullopt});
  ASSERT_TRUE(jan.is_ok());
  EXPECT_EQ(jan->criteria[17].id, "CC6.1");
  EXPECT_EQ(jan->criteria[17].status, CriterionStatus::kNoControl);  // F-1 not recorded yet
  auto feb1 = history_->readiness(AsOf{day("2026-02-01"), std::nullopt});
  EXPECT_EQ(feb1->criteria[17].status, CriterionStatus::kGap);
  EXPECT_EQ(feb1->criteria[18].status, CriterionStatus::kNoControl);  // CC6.2: AC-01 not yet
  EXPECT_EQ((*history_->readiness(AsOf{day("2026-02-10"), std::nullopt})).criteria[18].status,
            CriterionStatus::kNoEvidence);
  EXPECT_EQ((*history_->readiness(AsOf{day("2026-02-20"), std::nullopt})).criteria[18].status,
            CriterionStatus::kReady);
  // The comment bumped F-1's version as of 2026-02-05, but only as known after it was recorded.
  EXPECT_EQ(history_->state_at(AsOf{day("2026-02-06"), std::nullopt})->finding("F-1")->version, 2u);
  EXPECT_EQ(history_->state_at(AsOf{day("2026-02-06"), before_backfill})->finding("F-1")->version,
            1u);
  // As known before the back-fill, the evidence did not exist either.
  EXPECT_EQ((*history_->readiness(AsOf{day("2026-02-20"), before_backfill})).criteria[18].status,
            CriterionStatus::kNoEvidence);
}

// One limit for every timeline, counted as the points it has (the last, off-step `to` too).
TEST_F(HistoryTest, ATimelineHasAtMostTheLimitOfPointsCountingTo) {
  const Date from = day("2020-01-01");
  const Date last_step{from.days + static_cast<int32_t>((kMaxTimelinePoints - 1) * 2)};
  auto full = history_->timeline(from, last_step, 2, std::nullopt);
  ASSERT_TRUE(full.is_ok()) << full.status().to_string();
  EXPECT_EQ(full->points.size(), static_cast<size_t>(kMaxTimelinePoints));
  EXPECT_EQ(timeline_point_count(from, last_step, 2), kMaxTimelinePoints);
  // One day further is off the step: `to` would be point kMaxTimelinePoints + 1.
  const Date one_more{last_step.days + 1};
  EXPECT_EQ(timeline_point_count(from, one_more, 2), kMaxTimelinePoints + 1);
  EXPECT_EQ(history_->timeline(from, one_more, 2, std::nullopt).status().code(),
            Code::kInvalidArgument);
}

TEST_F(HistoryTest, TimelinePointsEndOnToEvenOffTheStep) {
  at("2026-01-05", RecordFinding{"a", "", "critical", {"CC1.1"}, "", "", "", "2026-01-20"});
  at("2026-01-12", RecordFinding{"b", "", "low", {"CC1.2"}, "", "", "", ""});
  auto t = history_->timeline(day("2026-01-01"), day("2026-01-23"), 7, std::nullopt);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  std::vector<std::string> dates;
  for (const auto& p : t->points) dates.push_back(format_date(p.date));
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-01-01", "2026-01-08", "2026-01-15", "2026-01-22",
                                             "2026-01-23"}));
  EXPECT_EQ(t->points[0].unresolved, (UnresolvedCounts{0, 0, 0, 0, 0}));
  EXPECT_EQ(t->points[1].unresolved, (UnresolvedCounts{1, 0, 0, 0, 0}));
  EXPECT_EQ(t->points[2].unresolved, (UnresolvedCounts{1, 0, 0, 1, 0}));
  EXPECT_EQ(t->points[3].unresolved, (UnresolvedCounts{1, 0, 0, 1, 1}));  // F-1 overdue after 01-20
  EXPECT_EQ(t->points[4].readiness, (ReadinessCount{0, 33}));
  EXPECT_FALSE(t->projected_ready_on.has_value());
  EXPECT_FALSE(t->ready_since.has_value());
  // A step that lands exactly on `to` does not repeat it.
  auto exact = history_->timeline(day("2026-01-01"), day("2026-01-15"), 7, std::nullopt);
  EXPECT_EQ(exact->points.size(), 3u);
  EXPECT_EQ(
      history_->timeline(day("2026-01-15"), day("2026-01-01"), 7, std::nullopt).status().code(),
      Code::kInvalidArgument);
  EXPECT_EQ(
      history_->timeline(day("2026-01-01"), day("2026-01-15"), 0, std::nullopt).status().code(),
      Code::kInvalidArgument);
}

TEST_F(HistoryTest, ReadySinceIsTheStartOfTheCurrentFullStreak) {
  const std::vector<std::string> security = testing::security_criteria();
  at("2026-01-10", DefineControl{"ISMS", "Security program", "", security, "implemented"});
  // Evidence valid through 2026-03-31, collected 2026-02-01: 100% from Feb 1 to Mar 31.
  at("2026-01-20", UploadEvidence{"q1.pdf", "application/pdf", std::string(64, 'a'), 1,
                                  "2026-02-01", "2026-03-31", "", "ISMS"});
  auto t = history_->timeline(day("2026-01-01"), day("2026-03-15"), 30, std::nullopt);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->ready_since, day("2026-02-01"));
  EXPECT_EQ(t->projected_ready_on, day("2026-03-15"));
  // A gap recorded on 2026-03-01 and closed on 2026-03-05 (as of the end of that day it is
  // closed) restarts the streak on 2026-03-05.
  at("2026-03-01",
     RecordFinding{"lapse", "", "medium", {"CC7.2"}, "", "", "con@example.com", "2026-03-05"});
  at("2026-03-05",
     UploadEvidence{"fix.txt", "text/plain", std::string(64, 'b'), 1, "", "", "F-1", ""});
  at("2026-03-05", ChangeFindingStatus{"F-1", "remediated", ""}, "admin@example.com");
  at("2026-03-05", ChangeFindingStatus{"F-1", "closed", ""}, "admin2@example.com");
  t = history_->timeline(day("2026-01-01"), day("2026-03-15"), 30, std::nullopt);
  EXPECT_EQ(t->ready_since, day("2026-03-05"));
  // After the evidence expires, it is not ready at `to`: null, and no projected date.
  t = history_->timeline(day("2026-01-01"), day("2026-04-01"), 30, std::nullopt);
  EXPECT_FALSE(t->ready_since.has_value());
  EXPECT_FALSE(t->projected_ready_on.has_value());
}

TEST_F(HistoryTest, AStateKeptAsOfAPastDateGivesWayToABackfillBeforeIt) {
  at("2026-03-01",
     RecordFinding{"one", "", "medium", {"CC7.2"}, "", "", "con@example.com", "2026-04-01"});
  const AsOf march{day("2026-03-10"), std::nullopt};
  auto first = history_->workloads(march);
  ASSERT_TRUE(first.is_ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].total, 1);
  // An event of today does not touch it (kept), a back-fill before the date does.
  ASSERT_TRUE(
      svc_->execute("admin@example.com",
                    RecordFinding{"two", "", "low", {"CC7.2"}, "", "", "con@example.com", ""})
          .is_ok());
  EXPECT_EQ(*history_->workloads(march), *first);
  at("2026-03-05",
     RecordFinding{"three", "", "low", {"CC7.2"}, "", "", "con@example.com", "2026-04-01"});
  auto after = history_->workloads(march);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ((*after)[0].total, 2);
}

// --- differential test ------------------------------------------------------------------------

// The naive fold of SPEC §5, written independently: every event in seq order, kept when it
// occurred before the end of D and was recorded by T.
ProgramState naive_state(const std::vector<Event>& log, Date d, std::optional<Micros> t) {
  ProgramState s;
  for (const Event& e : log) {
    if (e.occurred_at < (static_cast<Micros>(d.days) + 1) * kMicrosPerDay &&
        (!t || e.recorded_at <= *t)) {
      evolve(s, e);
    }
  }
  return s;
}

std::optional<Date> naive_ready_since(const std::vector<Event>& log, Date to,
                                      std::optional<Micros> t) {
  std::optional<Date> since;
  for (int32_t d = to.days; d >= to.days - 400; --d) {
    const Readiness r = readiness_at(naive_state(log, Date{d}, t), Date{d});
    if (r.overall.in_scope == 0 || r.overall.ready != r.overall.in_scope) break;
    since = Date{d};
  }
  return since;
}

// Random commands of every kind, half of them back-filled by an admin (up to 120 days), one
// every two hours at most. `each` runs after every command.
void random_history(ManualClock& clock, CommandService& svc, int commands, uint64_t seed,
                    const std::function<void(int)>& each = {}) {
  testing::CommandGenerator gen(seed);
  std::mt19937 rng(static_cast<unsigned>(seed) + 92);
  for (int i = 0; i < commands; ++i) {
    clock.advance(static_cast<Micros>(rng() % 7200) * kMicrosPerSecond);
    const Command cmd =
        *svc.read([&](const ProgramState& s) { return gen.command(s, clock.now()); });
    const bool backfill = rng() % 2 == 0;
    CommandOptions o;
    if (backfill) o.occurred_at = clock.now() - static_cast<Micros>(rng() % 120) * kMicrosPerDay;
    svc.execute(backfill ? "admin@example.com" : gen.user(), cmd, o).status().ignore();
    if (each) each(i);
  }
}

TEST_F(HistoryTest, FastEngineEqualsNaiveFoldOnRandomHistories) {
  std::mt19937 rng(99);
  const Micros start = clock_.now();
  random_history(clock_, *svc_, 1500, 7);
  // Make some criteria ready so that ready_since has something to find.
  svc_->execute("ed@example.com", DefineControl{"ALL", "x", "", {"CC1.1", "CC6.1"}, "implemented"})
      .status()
      .ignore();
  const std::vector<Event> log = *log_->read_range(1, log_->last_seq());
  ASSERT_GT(log.size(), 300u);
  // The histories exercise SPEC §12: failed and passed control tests, cadences, evidence without
  // its own valid_until on controls.
  size_t failed_tests = 0, passed_tests = 0, cadences = 0, control_links = 0;
  for (const Event& e : log) {
    if (auto* t = std::get_if<ControlTested>(&e.payload))
      ++(t->result == TestResult::kFail ? failed_tests : passed_tests);
    if (auto* u = std::get_if<ControlUpdated>(&e.payload))
      cadences += u->evidence_every != EvidenceCadence::kNone;
    if (auto* l = std::get_if<EvidenceLinked>(&e.payload)) control_links += !l->control_id.empty();
  }
  EXPECT_GT(failed_tests, 3u) << passed_tests << " passed, " << cadences << " cadences, "
                              << control_links << " links";
  EXPECT_GT(passed_tests, 3u);
  EXPECT_GT(cadences, 2u);
  EXPECT_GT(control_links, 3u);
  // ... and SPEC §13: audit targets of both types, findings with an origin and a risk rating.
  size_t targets = 0, origins = 0, rated = 0;
  for (const Event& e : log) {
    targets += std::holds_alternative<AuditTargetSet>(e.payload);
    if (auto* f = std::get_if<FindingRecorded>(&e.payload)) {
      origins += !f->origin.empty();
      rated += f->likelihood != 0;
    }
  }
  EXPECT_GT(targets, 2u) << origins << " origins, " << rated << " rated";
  EXPECT_GT(origins, 2u);
  EXPECT_GT(rated, 2u);
  const Date today = date_of(clock_.now());
  for (int probe = 0; probe < 66; ++probe) {
    Date d{today.days - static_cast<int32_t>(rng() % 160)};
    std::optional<Micros> t;
    if (probe % 3 == 1)
      t = start + static_cast<Micros>(rng() % static_cast<uint64_t>(clock_.now() - start));
    // Dates and instants that cover every event, answered from the current state (issue 24):
    // today and later, known now or later, and today known a moment before the last event.
    if (probe >= 60) {
      d = Date{today.days + (probe % 2) * 3};
      t = probe < 62 ? std::nullopt : std::optional<Micros>(clock_.now() + (probe - 63));
    }
    SCOPED_TRACE(
        fmt::format("as of {} known at {}", format_date(d), t ? format_timestamp(*t) : "now"));
    const ProgramState expected = naive_state(log, d, t);
    ASSERT_EQ(*history_->readiness(AsOf{d, t}), readiness_at(expected, d));
    ASSERT_EQ(*history_->workloads(AsOf{d, t}), workloads_at(expected, d));
    ASSERT_EQ(*history_->roadmap(AsOf{d, t}), roadmap_at(expected, d));
    ASSERT_EQ(*history_->heat_map(AsOf{d, t}), heat_map_at(expected, d));
    // The audit target, on_track and the blockers of a timeline ending at d (SPEC §13), against
    // the fold: on track when the projection is on or before the Type I date or the window's
    // start, false without a projection, none without a target.
    auto one = history_->timeline(d, d, 1, t);
    ASSERT_TRUE(one.is_ok());
    ASSERT_EQ(one->audit_target, expected.audit);
    const std::optional<Date> projected = projected_ready_on(expected, d);
    std::optional<bool> track;
    if (expected.audit) {
      const Date target = expected.audit->type == AuditType::kType1 ? expected.audit->date
                                                                    : expected.audit->window_start;
      track = projected.has_value() && projected->days <= target.days;
    }
    ASSERT_EQ(one->on_track, track);
    ASSERT_EQ(one->blockers, audit_blockers_at(expected, d));
    if (probe % 6 == 0) {
      const Date from{d.days - 60};
      auto tl = history_->timeline(from, d, 1 + static_cast<int>(rng() % 14), t);
      ASSERT_TRUE(tl.is_ok());
      for (const TimelinePoint& p : tl->points) {
        const ProgramState at = naive_state(log, p.date, t);
        ASSERT_EQ(p.readiness, readiness_at(at, p.date).overall) << format_date(p.date);
        ASSERT_EQ(p.unresolved, unresolved_at(at, p.date)) << format_date(p.date);
      }
      ASSERT_EQ(tl->projected_ready_on, projected_ready_on(expected, d));
      ASSERT_EQ(tl->ready_since, naive_ready_since(log, d, t));
    }
  }
}

// Readers in parallel with a writer (the shared lock; run under ThreadSanitizer by
// scripts/test): every answer is that of some prefix of the log, and once the writer is done
// the answers equal the naive fold.
TEST_F(HistoryTest, ReadersRunInParallelWithAWriterAndEndOnTheLog) {
  std::atomic<bool> writing{true};
  std::vector<std::thread> readers;
  const Date today = date_of(clock_.now());
  std::atomic<int> answers{0};
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      while (writing) {
        const AsOf as_of{Date{today.days - (r % 2) * 30}, std::nullopt};
        EXPECT_TRUE(history_->readiness(as_of).is_ok());
        EXPECT_TRUE(history_->workloads(as_of).is_ok());
        EXPECT_TRUE(history_->timeline(Date{today.days - 60}, today, 7, std::nullopt).is_ok());
        EXPECT_TRUE(history_
                        ->with_state_at(as_of,
                                        [](const ProgramState& s) {
                                          EXPECT_GE(s.findings_recorded, s.findings.size());
                                        })
                        .is_ok());
        ++answers;
      }
    });
  }
  random_history(clock_, *svc_, 300, 21);
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_GT(answers.load(), 4);
  const std::vector<Event> log = *log_->read_range(1, log_->last_seq());
  for (const Date d : {today, Date{today.days - 30}}) {
    const ProgramState expected = naive_state(log, d, std::nullopt);
    EXPECT_EQ(*history_->readiness(AsOf{d, std::nullopt}), readiness_at(expected, d));
    EXPECT_EQ(*history_->workloads(AsOf{d, std::nullopt}), workloads_at(expected, d));
  }
}

// --- paging differential (issue 24) ------------------------------------------------------------

template <typename Item>
const std::string& id_of(const Item& item) {
  return item.id;
}
const std::string& id_of(const UserState& user) { return user.email; }

// Every page of `list` (limit `limit`, following next_after), concatenated, against the naive
// list: every item of `items` that `keep` admits, sorted in natural id order. Also each page's
// next_after: set exactly when more items follow, to the page's last id.
template <typename Item, typename List, typename Keep>
void expect_pages_equal_naive(const std::map<std::string, Item>& items, size_t limit, List list,
                              Keep keep, const std::string& what) {
  std::vector<std::string> expected;
  for (const auto& [id, item] : items) {
    if (keep(item)) expected.push_back(id);
  }
  std::sort(expected.begin(), expected.end(), natural_less);
  std::vector<std::string> got;
  PageRequest page{limit, ""};
  for (int guard = 0; guard < 100000; ++guard) {
    Result<Page<Item>> p = list(page);
    ASSERT_TRUE(p.is_ok()) << what;
    for (const Item* item : p->items) got.push_back(id_of(*item));
    ASSERT_LE(p->items.size(), limit) << what;
    if (!p->next_after) break;
    ASSERT_EQ(p->items.size(), limit) << what;
    ASSERT_EQ(*p->next_after, got.back()) << what;
    page.after = *p->next_after;
  }
  ASSERT_EQ(got, expected) << what << ", pages of " << limit;
}

TEST_F(HistoryTest, EveryPageOfEveryListEqualsTheNaiveOne) {
  std::mt19937 rng(5);
  int checked = 0;
  auto check = [&](const ProgramState& s) {
    const Date d = date_of(clock_.now());
    std::vector<FindingFilter> filters(1);  // the first: no filter
    for (FindingStatus st :
         {FindingStatus::kOpen, FindingStatus::kInProgress, FindingStatus::kRemediated,
          FindingStatus::kRiskAccepted, FindingStatus::kClosed}) {
      filters.emplace_back().statuses = {st};
    }
    for (Severity sev : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow})
      filters.emplace_back().severities = {sev};
    std::set<std::string> owners{""}, criteria;
    for (const auto& [id, f] : s.findings) {
      owners.insert(f.owner);
      criteria.insert(f.criteria.begin(), f.criteria.end());
    }
    for (const std::string& o : owners) filters.emplace_back().owners = {o};
    for (const std::string& c : criteria) filters.emplace_back().criteria = {c};
    filters.emplace_back().overdue_only = true;
    filters.emplace_back().words = search_words("a");
    filters.emplace_back().words = search_words("F-1");
    FindingFilter several;  // several values and several filters at once
    several.statuses = {FindingStatus::kOpen, FindingStatus::kInProgress};
    several.severities = {Severity::kHigh, Severity::kCritical, Severity::kLow};
    filters.push_back(several);
    for (const FindingFilter& f : filters) {
      for (size_t limit : {size_t{1}, size_t{7}, size_t{100}}) {
        expect_pages_equal_naive(
            s.findings, limit, [&](const PageRequest& p) { return list_findings(s, d, f, p); },
            [&](const FindingState& x) {
              return (f.statuses.empty() || f.statuses.contains(x.status)) &&
                     (f.severities.empty() || f.severities.contains(x.severity)) &&
                     (f.owners.empty() || f.owners.contains(x.owner)) &&
                     (f.criteria.empty() ||
                      std::any_of(x.criteria.begin(), x.criteria.end(),
                                  [&](const std::string& c) { return f.criteria.contains(c); })) &&
                     (!f.overdue_only || is_overdue(x, d)) && matches_search(x, f.words);
            },
            "findings");
      }
    }
    const size_t limit = 1 + rng() % 9;
    expect_pages_equal_naive(
        s.evidence, limit, [&](const PageRequest& p) { return list_evidence(s, d, {}, p); },
        [](const EvidenceState&) { return true; }, "evidence");
    EvidenceFilter unlinked;
    unlinked.unlinked = true;
    expect_pages_equal_naive(
        s.evidence, limit, [&](const PageRequest& p) { return list_evidence(s, d, unlinked, p); },
        [](const EvidenceState& e) { return e.findings.empty() && e.controls.empty(); },
        "unlinked evidence");
    expect_pages_equal_naive(
        s.documents, limit, [&](const PageRequest& p) { return list_documents(s, p); },
        [](const DocumentState&) { return true; }, "documents");
    expect_pages_equal_naive(
        s.interviews, limit, [&](const PageRequest& p) { return list_interviews(s, p); },
        [](const InterviewState&) { return true; }, "interviews");
    expect_pages_equal_naive(
        s.controls, limit, [&](const PageRequest& p) { return list_controls(s, d, {}, p); },
        [](const ControlState&) { return true; }, "controls");
    expect_pages_equal_naive(
        s.users, limit, [&](const PageRequest& p) { return list_users(s, p); },
        [](const UserState&) { return true; }, "users");
    // An `after` that names no item of the list: the items naturally after it.
    for (const std::string after :
         {"F-0", "F-007", "F-", "E-3", "G-1", "F-99999", "F-18446744073709551615"}) {
      auto p = list_findings(s, d, {}, PageRequest{1000, after});
      ASSERT_TRUE(p.is_ok());
      std::vector<std::string> got, expected;
      for (const FindingState* f : p->items) got.push_back(f->id);
      for (const auto& [id, f] : s.findings) {
        if (natural_less(after, id)) expected.push_back(id);
      }
      std::sort(expected.begin(), expected.end(), natural_less);
      ASSERT_EQ(got, expected) << "after " << after;
    }
    ++checked;
  };
  random_history(clock_, *svc_, 1200, 11, [&](int i) {
    if (i % 100 != 99) return;
    ASSERT_TRUE(svc_->read([&](const ProgramState& s) {
                      check(s);
                      return Status::ok();
                    })
                    .is_ok());
  });
  // The same lists of the history's current state (as of today) and of a past date.
  const Date today = date_of(clock_.now());
  for (const Date d : {today, Date{today.days - 40}}) {
    ASSERT_TRUE(history_
                    ->with_state_at(AsOf{d, std::nullopt},
                                    [&](const ProgramState& s) {
                                      ASSERT_GT(s.findings.size(), 20u);
                                      check(s);
                                    })
                    .is_ok());
  }
  EXPECT_EQ(checked, 14);
}

}  // namespace
}  // namespace gaplog
