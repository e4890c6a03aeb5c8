// The real gaplog binary (GAPLOG_BINARY, defined for the CLI test targets) run with a command
// line, its output captured: for the end-to-end CLI tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "domain/time.h"
#include "store/clock.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace gaplog::testing {

struct Outcome {
  int status = -1;  // the exit status; -1 when it did not exit normally
  std::string out, err;
};

// Runs `gaplog ARGS` through the shell, stdout and stderr into files of `dir`.
inline Outcome gaplog(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  const std::string cmd = std::string(GAPLOG_BINARY) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_whole_file(out), read_whole_file(err)};
}

// A fresh program made with `gaplog init` (admin ada@example.com) in a temporary directory, and
// the binary run against it: the fixture of the end-to-end CLI tests.
class CliProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.sub("data");
    Outcome init = run("init --admin ada@example.com --name Ada");
    ASSERT_EQ(init.status, 0) << init.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(init.out, m, std::regex("(gaplog_[0-9a-f]{64})")));
    token_ = m[1];
    SystemClock clock;
    today_ = date_of(clock.now());
  }
  Outcome run(const std::string& args) {
    return gaplog("--data " + data_ + " " + args, dir_.path());
  }
  // `args` must succeed; its output.
  std::string ok(const std::string& args) {
    Outcome r = run(args);
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    return r.out;
  }
  // Today plus `days`, as YYYY-MM-DD.
  std::string day(int days) const { return format_date(Date{today_.days + days}); }

  TempDir dir_;
  std::string data_, token_;
  Date today_{};
};

}  // namespace gaplog::testing
