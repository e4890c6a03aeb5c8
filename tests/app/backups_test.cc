// The server's backups (app/backups.h): one at a time under concurrent requests, the schedule,
// failures reported, and the last good backup read back after a restart. Runs under TSan too.
#include "app/backups.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "store/data_dir.h"
#include "tests/support/temp_dir.h"

namespace gaplog {
namespace {

class BackupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.sub("data");
    ASSERT_TRUE(init_data_dir(*fs_, clock_, data_).is_ok());
    auto store = open_data_dir(*fs_, clock_, data_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);
  }
  void append(int n) {
    for (int i = 0; i < n; ++i) {
      AppendRequest r;
      r.events.push_back(NewEvent{
          "finding/F-1", {}, std::nullopt, "ann@example.com", CommentAdded{"finding/F-1", "note"}});
      ASSERT_TRUE(store_.log->append(std::move(r)).is_ok());
    }
  }
  BackupSettings settings(Micros every = 0) {
    BackupSettings s;
    s.dir = dir_.sub("backups");
    s.every = every;
    s.on_outcome = [this](const BackupOutcome& o) { (o.ok ? good_ : failed_).fetch_add(1); };
    return s;
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  SystemClock clock_;
  std::string data_;
  Store store_;
  std::atomic<int> good_{0}, failed_{0};
};

TEST_F(BackupsTest, ConcurrentRequestsTakeOneBackupAtATime) {
  append(50);
  Backups backups(*fs_, clock_, store_, data_, settings());
  std::atomic<int> ok{0}, busy{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        Result<BackupSummary> done = backups.run_now();
        if (done) {
          ok.fetch_add(1);
        } else {
          EXPECT_EQ(done.status().code(), Code::kVersionConflict) << done.status().to_string();
          busy.fetch_add(1);
        }
        (void)backups.report();
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load() + busy.load(), 12);
  EXPECT_GE(ok.load(), 1);
  auto listed = backups.list();
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(static_cast<int>(listed->size()), ok.load()) << "every answered backup is there";
  EXPECT_EQ(good_.load(), ok.load());
  const Backups::Report report = backups.report();
  EXPECT_FALSE(report.running);
  ASSERT_TRUE(report.last_good.has_value());
  EXPECT_EQ(report.last_good->tree_size, 50U);
}

TEST_F(BackupsTest, TheScheduleBacksUpUntilStopped) {
  append(5);
  Backups backups(*fs_, clock_, store_, data_, settings(/*every=*/200'000));
  backups.start();
  for (int i = 0; i < 200 && good_.load() < 3; ++i) {
    append(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  backups.stop();
  const int taken = good_.load();
  EXPECT_GE(taken, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(good_.load(), taken) << "a backup after stop()";
  // A new process reads the newest backup as its last good one.
  Backups restarted(*fs_, clock_, store_, data_, settings());
  ASSERT_TRUE(restarted.report().last_good.has_value());
  EXPECT_EQ(restarted.report().last_good->tree_size, backups.report().last_good->tree_size);
}

TEST_F(BackupsTest, AFailedBackupIsReportedAndTheNextGoodOneClearsIt) {
  BackupSettings s = settings();
  s.dir = dir_.sub("a-file");
  std::ofstream(s.dir) << "not a directory";
  Backups broken(*fs_, clock_, store_, data_, s);
  EXPECT_FALSE(broken.run_now().is_ok());
  EXPECT_EQ(failed_.load(), 1);
  ASSERT_TRUE(broken.report().last_failure.has_value());
  EXPECT_FALSE(broken.report().last_failure->error.empty());

  Backups none(*fs_, clock_, store_, data_, BackupSettings{});
  auto refused = none.run_now();
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--backup-dir"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
