// Property test: thousands of random commands (random actors, targets, back-fill times) through
// the real command service and event log. Whatever was accepted or refused, the event log must
// satisfy the invariants of SPEC §2–§4, refused commands must leave no event, and folding the
// log from scratch must give the service's live state.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "../store/store_test_support.h"
#include "../support/invariants.h"
#include "../support/random_commands.h"
#include "app/command_service.h"

namespace gaplog {
namespace {

TEST(CommandProperty, RandomHistoriesKeepEveryInvariant) {
  constexpr int kSeeds = 3, kCommands = 1200;
  int seeds_that_closed = 0;
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    testing::TempDir dir;
    auto fs = make_posix_file_system();
    ManualClock clock(testing::kT0);
    auto log = EventLog::open(EventLogOptions{dir.sub("events"), fs.get(), &clock, true});
    ASSERT_TRUE(log.is_ok());
    auto service = CommandService::open(**log, clock);
    ASSERT_TRUE(service.is_ok());
    CommandService& svc = **service;
    testing::add_users(svc);
    testing::CommandGenerator gen(seed);
    int accepted = 0;
    for (int i = 0; i < kCommands; ++i) {
      clock.advance(static_cast<Micros>(gen.coin(2) ? 3600 : 60) * kMicrosPerSecond);
      const Command cmd =
          *svc.read([&](const ProgramState& s) { return gen.command(s, clock.now()); });
      CommandOptions options;
      if (gen.coin(5))
        options.occurred_at =
            clock.now() - static_cast<Micros>(gen.coin(2) ? 1 : 40) * kMicrosPerDay;
      const uint64_t before = (*log)->last_seq();
      auto r = svc.execute(gen.user(), cmd, options);
      if (r.is_ok()) {
        ++accepted;
      } else {
        ASSERT_NE(r.status().code(), Code::kInternal) << r.status().to_string();
        ASSERT_NE(r.status().code(), Code::kIoError) << r.status().to_string();
        ASSERT_EQ((*log)->last_seq(), before)
            << "a refused command left events: " << r.status().to_string();
      }
    }
    EXPECT_GT(accepted, kCommands / 10) << "the generator should produce enough valid commands";
    auto events = (*log)->read_range(1, (*log)->last_seq());
    ASSERT_TRUE(events.is_ok());
    testing::check_invariants(*events);
    // Replaying the log gives the live state.
    ProgramState replayed;
    for (const Event& e : *events) evolve(replayed, e);
    EXPECT_EQ(testing::dump(replayed),
              *svc.read([](const ProgramState& s) { return testing::dump(s); }));
    // Folding in (occurred_at, seq) order — how projections fold "as of" a date — gives the
    // same state: evolve() depends only on the order within each stream.
    std::vector<Event> by_time = *events;
    std::stable_sort(by_time.begin(), by_time.end(),
                     [](const Event& a, const Event& b) { return a.occurred_at < b.occurred_at; });
    // (Back-fills can no longer go before the users were added, at the start of the log, since
    // what a command names must exist at its occurred_at; they still move events earlier.)
    ASSERT_TRUE(std::any_of(by_time.begin(), by_time.end(),
                            [&, i = uint64_t{0}](const Event& e) mutable { return e.seq != ++i; }))
        << "back-fills should have moved events before others";
    ProgramState by_time_state;
    for (const Event& e : by_time) evolve(by_time_state, e);
    EXPECT_EQ(testing::dump(by_time_state), testing::dump(replayed));
    // And so does a service opened afresh on the same log.
    auto reopened = CommandService::open(**log, clock);
    EXPECT_EQ(testing::dump(replayed),
              *(*reopened)->read([](const ProgramState& s) { return testing::dump(s); }));
    const bool closed_something = std::any_of(events->begin(), events->end(), [](const Event& e) {
      auto* p = std::get_if<FindingStatusChanged>(&e.payload);
      return p && p->to == FindingStatus::kClosed;
    });
    seeds_that_closed += closed_something ? 1 : 0;
  }
  // Closing takes several commands in the right order (remediated, evidence, another editor):
  // not every seed gets there since the generator draws the assessment too (issue 21).
  EXPECT_GE(seeds_that_closed, 1) << "the generator should reach closed findings";
}

}  // namespace
}  // namespace gaplog
