// Restart with a persisted checkpoint equals a from-scratch rebuild; a checkpoint that does not
// match the log (another log, a log behind it, damaged bytes) is discarded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../store/store_test_support.h"
#include "../support/invariants.h"
#include "../support/random_commands.h"
#include "app/command_service.h"
#include "projections/program_history.h"

namespace gaplog {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> open_log(const std::string& name) {
    auto log = EventLog::open(EventLogOptions{dir_.sub(name), fs_.get(), &clock_, true});
    EXPECT_TRUE(log.is_ok());
    return std::move(log).value();
  }

  // Random commands, half of them back-filled by an admin.
  void grow(EventLog& log, int commands, uint32_t seed) {
    auto svc = std::move(CommandService::open(log, clock_)).value();
    if (log.last_seq() == 0) testing::add_users(*svc);
    testing::CommandGenerator gen(seed);
    std::mt19937 rng(seed);
    for (int i = 0; i < commands; ++i) {
      clock_.advance(static_cast<Micros>(rng() % 7200) * kMicrosPerSecond);
      const Command cmd =
          *svc->read([&](const ProgramState& s) { return gen.command(s, clock_.now()); });
      CommandOptions o;
      const bool backfill = rng() % 2 == 0;
      if (backfill) o.occurred_at = clock_.now() - static_cast<Micros>(rng() % 90) * kMicrosPerDay;
      svc->execute(backfill ? "admin@example.com" : gen.user(), cmd, o).status().ignore();
    }
  }

  // Everything the history answers, as of a few (D, T), compared between two histories.
  void expect_same(ProgramHistory& a, ProgramHistory& b) {
    const Date today = date_of(clock_.now());
    for (int back : {0, 7, 30, 61, 90}) {
      const Date d{today.days - back};
      for (std::optional<Micros> t :
           {std::optional<Micros>(), std::optional<Micros>(clock_.now() - 3 * kMicrosPerDay)}) {
        ASSERT_EQ(*a.readiness(AsOf{d, t}), *b.readiness(AsOf{d, t}));
        ASSERT_EQ(*a.workloads(AsOf{d, t}), *b.workloads(AsOf{d, t}));
        ASSERT_EQ(*a.roadmap(AsOf{d, t}), *b.roadmap(AsOf{d, t}));
      }
    }
    auto ta = a.timeline(Date{today.days - 120}, today, 7, std::nullopt);
    auto tb = b.timeline(Date{today.days - 120}, today, 7, std::nullopt);
    ASSERT_EQ(ta->ready_since, tb->ready_since);
    ASSERT_EQ(ta->projected_ready_on, tb->projected_ready_on);
    ASSERT_EQ(ta->audit_target, tb->audit_target);
    ASSERT_EQ(ta->on_track, tb->on_track);
    ASSERT_EQ(ta->blockers, tb->blockers);
    for (size_t i = 0; i < ta->points.size(); ++i) {
      ASSERT_EQ(ta->points[i].readiness, tb->points[i].readiness);
      ASSERT_EQ(ta->points[i].unresolved, tb->points[i].unresolved);
    }
    ASSERT_EQ(testing::dump(a.current()->first), testing::dump(b.current()->first));
    ASSERT_EQ(a.current()->second, b.current()->second);
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0 + 200 * kMicrosPerDay};
  std::string checkpoint_ = dir_.sub("checkpoint.bin");
};

TEST_F(CheckpointTest, RestartFromCheckpointEqualsRebuild) {
  auto log = open_log("events");
  grow(*log, 400, 1);
  {
    auto h = std::move(ProgramHistory::open(*log, fs_.get(), checkpoint_)).value();
    EXPECT_EQ(h->loaded_checkpoint_seq(), 0u);
    ASSERT_TRUE(h->save_checkpoint().is_ok());
  }
  const uint64_t saved = log->last_seq();
  grow(*log, 300, 2);  // more events after the checkpoint, back-fills among them
  auto restarted = std::move(ProgramHistory::open(*log, fs_.get(), checkpoint_)).value();
  EXPECT_EQ(restarted->loaded_checkpoint_seq(), saved);
  auto rebuilt = std::move(ProgramHistory::open(*log)).value();
  expect_same(*restarted, *rebuilt);
}

TEST_F(CheckpointTest, CheckpointOfAnotherLogIsDiscarded) {
  auto a = open_log("a");
  grow(*a, 200, 3);
  ASSERT_TRUE(std::move(ProgramHistory::open(*a, fs_.get(), checkpoint_))
                  .value()
                  ->save_checkpoint()
                  .is_ok());
  auto b = open_log("b");
  grow(*b, 250, 4);
  auto h = std::move(ProgramHistory::open(*b, fs_.get(), checkpoint_)).value();
  EXPECT_EQ(h->loaded_checkpoint_seq(), 0u);
  expect_same(*h, *std::move(ProgramHistory::open(*b)).value());
}

TEST_F(CheckpointTest, CheckpointAheadOfTheLogIsDiscarded) {
  auto a = open_log("a");
  grow(*a, 200, 5);
  ASSERT_TRUE(std::move(ProgramHistory::open(*a, fs_.get(), checkpoint_))
                  .value()
                  ->save_checkpoint()
                  .is_ok());
  auto empty = open_log("restored-empty");
  auto h = std::move(ProgramHistory::open(*empty, fs_.get(), checkpoint_)).value();
  EXPECT_EQ(h->loaded_checkpoint_seq(), 0u);
  EXPECT_EQ(h->current()->second, 0u);
}

TEST_F(CheckpointTest, DamagedCheckpointIsDiscarded) {
  auto log = open_log("events");
  grow(*log, 200, 6);
  ASSERT_TRUE(std::move(ProgramHistory::open(*log, fs_.get(), checkpoint_))
                  .value()
                  ->save_checkpoint()
                  .is_ok());
  const auto size = std::filesystem::file_size(checkpoint_);
  for (uintmax_t cut : {size - 1, size / 2, uintmax_t{10}}) {
    SCOPED_TRACE(cut);
    std::filesystem::resize_file(checkpoint_, cut);
    auto h = std::move(ProgramHistory::open(*log, fs_.get(), checkpoint_)).value();
    EXPECT_EQ(h->loaded_checkpoint_seq(), 0u);
    expect_same(*h, *std::move(ProgramHistory::open(*log)).value());
    ASSERT_TRUE(h->save_checkpoint().is_ok());
  }
}

}  // namespace
}  // namespace gaplog
