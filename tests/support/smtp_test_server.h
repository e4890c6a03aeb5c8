// A real SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd), started from
// tests/notify/smtp_server.py in a child process on a loopback port. It saves every message it
// accepts (<n>.eml, the raw bytes, and <n>.json, what Python's email module reads of it) in a
// directory the test reads back. The test's target needs GAPLOG_SOURCE_DIR (the source tree).
#pragma once

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/json.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace gaplog::testing {

inline constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-aiosmtpd

// Whether kPython can import aiosmtpd: the tests that need it skip when it cannot.
inline bool aiosmtpd_available() {
  return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
}

// tests/notify/smtp_server.py in a child process, killed when the object goes. `options` are the
// script's: --refuse N, --drop N, --delay-ms N, --user/--password, --starttls-cert/--starttls-key.
// The messages go to <dir>/<name>, its log to <dir>/<name>.log.
class SmtpServer {
 public:
  SmtpServer(const TempDir& dir, const std::vector<std::string>& options,
             const std::string& name = "mail")
      : directory_(dir.sub(name)) {
    std::filesystem::create_directory(directory_);
    std::vector<std::string> argv = {kPython, GAPLOG_SOURCE_DIR "/tests/notify/smtp_server.py",
                                     directory_};
    argv.insert(argv.end(), options.begin(), options.end());
    const std::string log = dir.sub(name + ".log");
    child_ = start_child(argv, log);
    const size_t at = child_.output.find("PORT ");
    if (at == std::string::npos) {
      stop_child(child_, SIGKILL);
      throw std::runtime_error("smtp_server.py did not start: " + read_whole_file(log));
    }
    port_ = std::stoi(child_.output.substr(at + 5));
  }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;
  ~SmtpServer() { stop_child(child_, SIGKILL); }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  const std::string& directory() const { return directory_; }

  // The messages saved so far, in the order they were accepted: what smtp_server.py recorded of
  // each ({"mail_from", "rcpt_tos", "tls", "login", "headers", "mime"}).
  std::vector<json::Value> saved() const {
    std::vector<json::Value> out;
    for (int n = 1; std::filesystem::exists(record_path(n)); ++n) {
      Result<json::Value> record = json::parse(read_whole_file(record_path(n)));
      if (!record.is_ok()) throw std::runtime_error(record.status().to_string());
      out.push_back(std::move(record).value());
    }
    return out;
  }
  // The raw bytes of the n-th message (from 1).
  std::string raw(int n) const {
    return read_whole_file(directory_ + "/" + std::to_string(n) + ".eml");
  }

 private:
  std::string record_path(int n) const { return directory_ + "/" + std::to_string(n) + ".json"; }

  std::string directory_;
  ChildProcess child_;
  int port_ = 0;
};

}  // namespace gaplog::testing
