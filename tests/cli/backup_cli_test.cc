// Backups end to end with the real binary (SPEC §14, docs/backups.md): backup, list, verify,
// restore, and the restored program answering as the original did; `kill -9` during backups
// leaving every earlier one restorable; the server's backups on request and on a schedule.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/gaplog_cli.h"
#include "tests/support/http_test_client.h"

extern char** environ;

namespace gaplog {
namespace {

using testing::Outcome;

class BackupCli : public testing::CliProgramTest {
 protected:
  Outcome run_on(const std::string& data, const std::string& args) {
    return testing::gaplog("--data " + data + " " + args, dir_.path());
  }
  // Adds a finding and an evidence file of `bytes` random bytes (so each backup has new work).
  void add_work(int n, size_t bytes) {
    ok(fmt::format("finding add --title 'Gap {}' --severity medium --criteria CC7.1", n));
    const std::string file = dir_.sub("evidence-" + std::to_string(n) + ".bin");
    {
      std::ofstream out(file, std::ios::binary);
      std::mt19937_64 random(static_cast<uint64_t>(n));
      for (size_t i = 0; i < bytes; i += 8) {
        const uint64_t word = random();
        out.write(reinterpret_cast<const char*>(&word), 8);
      }
    }
    ok("evidence add " + file);
  }
  std::string backups() const { return dir_.sub("backups"); }
};

TEST_F(BackupCli, ARestoredProgramVerifiesAndAnswersAsTheOriginalDid) {
  for (int i = 0; i < 3; ++i) add_work(i, 100'000);
  const std::string made = ok("backup --to " + backups());
  EXPECT_NE(made.find("made backup 1: tree size"), std::string::npos) << made;
  EXPECT_NE(made.find("3 evidence files"), std::string::npos) << made;
  const std::string verified = ok("backup verify " + backups());
  EXPECT_NE(verified.find("backup 1: ok"), std::string::npos) << verified;
  const std::string listed = ok("backup list " + backups());
  EXPECT_NE(listed.find("backup 1 "), std::string::npos) << listed;

  const std::string restored = dir_.sub("restored");
  const std::string out = ok("restore --from " + backups() + " --to " + restored);
  EXPECT_NE(out.find("restored backup 1"), std::string::npos) << out;
  for (const std::string query : {"--json readiness", "--json finding list", "--json evidence list",
                                  "--json workload", "--json timeline", "--json roadmap"}) {
    const Outcome original = run(query);
    const Outcome copy = run_on(restored, query);
    ASSERT_EQ(copy.status, 0) << query << ": " << copy.err;
    EXPECT_EQ(copy.out, original.out) << query;
  }
  EXPECT_EQ(run_on(restored, "verify").status, 0);
  // Evidence bytes came back too.
  ok("evidence get E-2 -o " + dir_.sub("original.bin"));
  ASSERT_EQ(run_on(restored, "evidence get E-2 -o " + dir_.sub("copy.bin")).status, 0);
  EXPECT_EQ(testing::read_whole_file(dir_.sub("copy.bin")),
            testing::read_whole_file(dir_.sub("original.bin")));
  // Restore never writes over a directory; a usage without --to says what is missing.
  const Outcome again = run("restore --from " + backups() + " --to " + restored);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("does not exist yet"), std::string::npos) << again.err;
  const Outcome no_to = run("backup");
  EXPECT_EQ(no_to.status, 2);
  EXPECT_NE(no_to.err.find("--to DIR"), std::string::npos) << no_to.err;
}

// Starts `gaplog ARGS...` without waiting for it.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{GAPLOG_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

TEST_F(BackupCli, KillNineDuringABackupLeavesEveryEarlierBackupRestorable) {
  add_work(0, 200'000);
  ok("backup --to " + backups());
  // How long an incremental backup with new evidence takes here.
  add_work(1, 8'000'000);
  const auto start = std::chrono::steady_clock::now();
  ok("backup --to " + backups());
  const auto full = std::chrono::steady_clock::now() - start;
  int committed = 2;
  for (int attempt = 0; attempt < 6; ++attempt) {
    add_work(attempt + 2, 8'000'000);
    const pid_t pid = spawn({"--data", data_, "backup", "--to", backups()}, dir_.sub("killed.log"));
    std::this_thread::sleep_for(full * (attempt + 1) / 7);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++committed;  // it finished first
    const std::string verified = ok("backup verify " + backups());
    EXPECT_EQ(std::count(verified.begin(), verified.end(), '\n'), committed) << verified;
    EXPECT_EQ(verified.find("DAMAGED"), std::string::npos) << verified;
    const std::string restored = dir_.sub("restored-" + std::to_string(attempt));
    ok("restore --from " + backups() + " --backup 1 --to " + restored);
    std::filesystem::remove_all(restored);
  }
  // The next backup cleans up after the killed ones and holds everything.
  const std::string made = ok("backup --to " + backups());
  EXPECT_NE(made.find(fmt::format("made backup {}:", committed + 1)), std::string::npos) << made;
  EXPECT_NE(ok("backup verify " + backups()).find("ok"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(data_ + "/backup-staging"));
  for (const auto& e : std::filesystem::recursive_directory_iterator(backups())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST_F(BackupCli, TheServerBacksUpOnRequestAndOnItsSchedule) {
  add_work(0, 10'000);
  ok("user add ed@example.com --name Ed --role editor");
  std::smatch m;
  const std::string issued = ok("token issue --for ed@example.com");
  ASSERT_TRUE(std::regex_search(issued, m, std::regex("(gaplog_[0-9a-f]{64})")));
  const std::string editor_token = m[1];
  // A backup already there: the schedule's first is due one interval after it.
  ok("backup --to " + backups());
  testing::ChildProcess server =
      testing::start_child({GAPLOG_BINARY, "--data", data_, "serve", "--listen", "127.0.0.1:0",
                            "--backup-dir", backups(), "--backup-every", "3s"},
                           dir_.sub("serve.log"));
  ASSERT_TRUE(std::regex_search(server.output, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/")))
      << server.output;
  const std::string url = "http://127.0.0.1:" + std::string(m[1]);
  const std::string remote = "--server " + url + " --token " + token_ + " ";
  const Outcome asked = testing::gaplog(remote + "--json backup", dir_.path());
  EXPECT_EQ(asked.status, 0) << asked.err;
  EXPECT_NE(asked.out.find("\"tree_size\""), std::string::npos) << asked.out;
  // A non-admin may not.
  const Outcome refused =
      testing::gaplog("--server " + url + " --token " + editor_token + " backup", dir_.path());
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("for admins"), std::string::npos) << refused.err;
  // A monitor's probe sees when the last good backup was taken.
  const testing::HttpReply health = testing::http_request(
      static_cast<uint16_t>(std::stoi(std::string(m[1]))), ApiRequest{"GET", "/healthz", {}, ""});
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"last_backup_at\":\"20"), std::string::npos) << health.body;
  // The schedule adds backups by itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  testing::stop_child(server, SIGTERM);
  const std::string listed = ok("backup list " + backups());
  EXPECT_GE(std::count(listed.begin(), listed.end(), '\n'), 4) << listed;
  EXPECT_NE(ok("backup verify " + backups()).find("ok"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
