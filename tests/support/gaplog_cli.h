// The real gaplog binary (GAPLOG_BINARY, defined for the CLI test targets) run with a command
// line, its output captured: for the end-to-end CLI tests.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/support/files.h"

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

}  // namespace gaplog::testing
