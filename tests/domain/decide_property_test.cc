// Property test over thousands of short random command sequences decided in memory (no I/O):
// every sequence keeps the invariants of SPEC §2–§4, refused commands emit nothing, and
// replaying the events gives the live state.
#include <gtest/gtest.h>

#include <random>

#include "../support/invariants.h"
#include "../support/random_commands.h"
#include "domain_test_support.h"

namespace gaplog {
namespace {

TEST(DecideProperty, ThousandsOfRandomSequencesKeepEveryInvariant) {
  constexpr int kSequences = 2000, kCommands = 40;
  int accepted = 0, refused = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    testing::Program p;  // the cast of every role
    testing::CommandGenerator gen(static_cast<uint32_t>(seq) + 1000);
    std::mt19937 rng(static_cast<uint32_t>(seq));
    for (int i = 0; i < kCommands; ++i) {
      p.now += static_cast<Micros>(rng() % 86400) * kMicrosPerSecond;
      const Command cmd = gen.command(p.state, p.now);
      std::optional<Micros> occurred;
      if (rng() % 4 == 0) occurred = p.now - static_cast<Micros>(rng() % 30) * kMicrosPerDay;
      const uint64_t before = p.seq;
      auto r = p.run(rng() % 4 == 0 ? testing::kAdmin : gen.user(), cmd, occurred);
      if (r.is_ok()) {
        ++accepted;
      } else {
        ++refused;
        ASSERT_EQ(p.seq, before);
        ASSERT_NE(r.status().code(), Code::kInternal) << r.status().to_string();
      }
    }
    // The in-memory harness does not enforce the log's per-stream occurred_at order, so only
    // the rules of the domain are checked here; the service-level property test covers both.
    ASSERT_NO_FATAL_FAILURE(testing::check_invariants(p.log, /*check_log_order=*/false))
        << "sequence " << seq;
    ProgramState replayed;
    for (const Event& e : p.log) evolve(replayed, e);
    ASSERT_EQ(testing::dump(replayed), testing::dump(p.state)) << "sequence " << seq;
  }
  EXPECT_GT(accepted, kSequences * kCommands / 10);
  EXPECT_GT(refused, kSequences * kCommands / 10);
}

}  // namespace
}  // namespace gaplog
