// tests/notify/webhook_receiver.mjs serving in a child process: a webhook receiver on a loopback
// port that verifies every delivery with the Standard Webhooks specification's own library (npm
// standardwebhooks, in web/node_modules). The including target defines GAPLOG_SOURCE_DIR.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/json.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace gaplog::testing {

inline const std::string kWebDir = GAPLOG_SOURCE_DIR "/web";
inline const std::string kWebhookReceiver = GAPLOG_SOURCE_DIR "/tests/notify/webhook_receiver.mjs";

// node >= 20 as scripts/lib/node.sh finds it: build/node/ (scripts/setup) first, then the PATH.
inline std::optional<std::string> find_node() {
  std::vector<std::string> candidates = {GAPLOG_SOURCE_DIR "/build/node/node_modules/.bin/node"};
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) candidates.push_back(dir + "/node");
  for (const std::string& candidate : candidates) {
    const std::string check =
        candidate +
        " -e \"process.exit(Number(process.versions.node.split('.')[0]) >= 20 ? 0 : "
        "1)\" >/dev/null 2>&1";
    if (::access(candidate.c_str(), X_OK) == 0 && std::system(check.c_str()) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

// Why the receiver cannot run here ("" when it can): no node, or no standardwebhooks package.
inline std::string webhook_receiver_missing() {
  if (!find_node()) return "no node >= 20 on the PATH nor in build/node/ (scripts/setup)";
  std::ifstream package(kWebDir + "/node_modules/standardwebhooks/package.json");
  if (!package) return "the standardwebhooks package is not installed: run `npm ci` in web/";
  return "";
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Killed when destroyed. `secret` is the signing secret, or "@<file>": the secret is then read
// from that file at each request (for a test that learns it only once the receiver's URL is
// known). `options`: "--fail", "N" (answer 500 to the first N requests), "--hang".
class WebhookReceiver {
 public:
  WebhookReceiver(const std::string& node, const TempDir& dir, const std::string& secret,
                  const std::vector<std::string>& options)
      : records_(dir.sub("deliveries.jsonl")) {
    std::vector<std::string> argv = {node, kWebhookReceiver, "serve", kWebDir, secret, records_};
    argv.insert(argv.end(), options.begin(), options.end());
    child_ = start_child(argv, dir.sub("receiver.log"));
    const size_t at = child_.output.find("PORT ");
    if (at == std::string::npos) {
      stop_child(child_, SIGKILL);
      throw std::runtime_error("webhook_receiver.mjs did not start: " +
                               read_text_file(dir.sub("receiver.log")));
    }
    port_ = std::stoi(child_.output.substr(at + 5));
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver() { stop_child(child_, SIGKILL); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/in"; }
  // What the receiver recorded of each request, in order: {id, verified, error, body,
  // content_type}.
  std::vector<json::Value> deliveries() const {
    std::vector<json::Value> out;
    std::stringstream lines(read_text_file(records_));
    for (std::string line; std::getline(lines, line);) {
      Result<json::Value> record = json::parse(line);
      if (!record.is_ok()) throw std::runtime_error(record.status().to_string());
      out.push_back(std::move(record).value());
    }
    return out;
  }

 private:
  std::string records_;
  ChildProcess child_;
  int port_ = 0;
};

}  // namespace gaplog::testing
