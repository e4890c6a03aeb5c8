// Runs a program in a child process for crash tests: its stdout comes back through a pipe, and
// the test can wait for its first line (the child saying it is ready) before killing it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace gaplog::testing {

struct ChildProcess {
  pid_t pid = -1;
  int out_fd = -1;     // the read end of the child's stdout
  std::string output;  // what it has printed so far: at least its first line, unless it died
};

// Starts argv[0] with `argv`; its stderr goes to `stderr_path` when given. Returns once the
// child has printed a whole line (or closed its stdout).
inline ChildProcess start_child(const std::vector<std::string>& argv,
                                const std::string& stderr_path = "") {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  ChildProcess c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!stderr_path.empty()) {
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (err >= 0) ::dup2(err, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::close(fds[1]);
  c.out_fd = fds[0];
  char buf[4096];
  while (c.output.find('\n') == std::string::npos) {
    const ssize_t n = ::read(c.out_fd, buf, sizeof buf);
    if (n <= 0) break;
    c.output.append(buf, static_cast<size_t>(n));
  }
  return c;
}

// Sends `signal`, waits for the child to end and reads the rest of its stdout into `output`.
// Returns the wait status.
inline int stop_child(ChildProcess& c, int signal) {
  ::kill(c.pid, signal);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  char buf[65536];
  for (ssize_t n; (n = ::read(c.out_fd, buf, sizeof buf)) > 0;)
    c.output.append(buf, static_cast<size_t>(n));
  ::close(c.out_fd);
  return status;
}

}  // namespace gaplog::testing
