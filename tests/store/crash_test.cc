// Kills a writer process with SIGKILL at random moments; every append it had reported as
// committed must be there after restart, seqs must have no gap, and verify must pass.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "../support/child_process.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

// Runs the writer for `run_for`, kills it, returns what it reported (complete lines only).
std::map<uint64_t, std::string> run_and_kill(const std::string& events_dir,
                                             std::chrono::milliseconds run_for) {
  testing::ChildProcess writer = testing::start_child({GAPLOG_CRASH_WRITER, events_dir});
  // Wait until the writer has opened the log (it prints "ready"), then let it append a while.
  EXPECT_EQ(writer.output.substr(0, 6), "ready\n") << "the writer did not start";
  std::this_thread::sleep_for(run_for);
  const int status = testing::stop_child(writer, SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer exited on its own (status " << status << "); see its stderr";
  std::string out = std::move(writer.output);
  std::map<uint64_t, std::string> reported;
  out = out.substr(std::min<size_t>(out.size(), 6));  // "ready\n"
  std::istringstream in(
      out.substr(0, out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1));
  uint64_t seq;
  std::string id;
  while (in >> seq >> id) reported[seq] = id;
  return reported;
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkill) {
  testing::TempDir dir;
  const std::string events = dir.sub("events");
  auto fs = make_posix_file_system();
  SystemClock clock;
  std::mt19937 rng(20261128);
  std::map<uint64_t, std::string> all_reported;
  constexpr int kKills = 24;
  for (int round = 0; round < kKills; ++round) {
    const auto run_for = std::chrono::milliseconds(60 + rng() % 400);
    auto reported = run_and_kill(events, run_for);
    all_reported.insert(reported.begin(), reported.end());

    auto log = EventLog::open(EventLogOptions{events, fs.get(), &clock, false});
    ASSERT_TRUE(log.is_ok()) << "round " << round << ": " << log.status().to_string();
    const uint64_t last = (*log)->last_seq();
    if (!all_reported.empty()) {
      ASSERT_GE(last, all_reported.rbegin()->first) << "round " << round;
    }
    // Gap-free and every acknowledged event present with its id.
    auto events_read = (*log)->read_range(1, last + 1);
    ASSERT_TRUE(events_read.is_ok()) << events_read.status().to_string();
    ASSERT_EQ(events_read->size(), last);
    for (const auto& [seq, id] : all_reported) {
      ASSERT_EQ(to_string((*events_read)[seq - 1].id), id) << "round " << round << " seq " << seq;
    }
    auto report = (*log)->verify();
    ASSERT_TRUE(report.is_ok());
    ASSERT_TRUE(report->ok) << "round " << round << ": seq " << report->first_bad_seq.value_or(0)
                            << ": " << report->problem;
    // The stream index (written behind the log, re-indexed on open) names exactly each
    // stream's events, versions 1..n in seq order.
    for (const auto& [stream, seqs] : testing::seqs_by_stream(*events_read)) {
      testing::expect_stream_reads_as(**log, stream, seqs, "round " + std::to_string(round));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(all_reported.size(), 0u) << "the writer never committed anything";
}

}  // namespace
}  // namespace gaplog
