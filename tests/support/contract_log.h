// The recorder of the OpenAPI contract test (SPEC §15): with GAPLOG_CONTRACT_LOG=DIR in the
// environment, every exchange a test makes with the Api is appended to a file in DIR as one JSON
// line, which tests/openapi/check_contract.mjs later holds against the OpenAPI document:
//
//   {"source": "api_test ApiTest.Name", "method": "GET", "target": "/api/v1/findings?limit=2",
//    "request": {"content_type": "application/json", "body": {...}},
//    "status": 200, "response": {"content_type": "application/json", "body": {...}}}
//
// "body" is there only when the body is JSON (and parses); the content types only when sent.
// Without GAPLOG_CONTRACT_LOG nothing is written and nothing is opened.
//
// Each process writes a file of its own (test binary, pid and a random number in its name), so
// the test processes that ctest runs side by side never share one; a child forked by a death
// test has another pid and so another file. Every exchange is one write() to a file opened with
// O_APPEND, so exchanges recorded from several threads of one process do not interleave.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "api/request_handler.h"
#include "codec/json.h"

namespace gaplog::testing {

namespace contract_log_detail {

// {"content_type": ..., "body": ...}: the body only when the content type says JSON and it
// parses (a test that sends broken JSON on purpose records no request body).
inline json::Value message(std::optional<std::string_view> type, std::string_view body,
                           bool with_body) {
  json::Value out = json::Value::object();
  if (type) out.set("content_type", json::Value::string(std::string(*type)));
  if (with_body && type && type->starts_with("application/json") && !body.empty()) {
    auto parsed = json::parse(body, {.max_bytes = 1u << 30, .max_string_bytes = 1u << 30});
    if (parsed.is_ok()) out.set("body", std::move(parsed).value());
  }
  return out;
}

// "api_test ApiTest.Name over HTTP with sessions": where to look when the checker reports it.
inline std::string source() {
  std::string s = program_invocation_short_name;
  if (const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info()) {
    s += std::string(" ") + t->test_suite_name() + "." + t->name();
  }
  const char* http = std::getenv("GAPLOG_TEST_OVER_HTTP");
  if (http != nullptr && std::string_view(http) == "1") s += " over HTTP";
  const char* auth = std::getenv("GAPLOG_TEST_AUTH");
  if (auth != nullptr && std::string_view(auth) == "session") s += " with sessions";
  return s;
}

// The log file of this process. The random part is drawn once per process (pid), so that a pid
// reused by a later test process does not append to an earlier one's file.
inline std::string file_name(const std::string& dir) {
  static const pid_t drawn_in = getpid();
  static const unsigned nonce = std::random_device{}();
  unsigned n = nonce;
  if (getpid() != drawn_in) n ^= static_cast<unsigned>(getpid()) * 2654435761u;
  return dir + "/" + program_invocation_short_name + "-" + std::to_string(getpid()) + "-" +
         std::to_string(n) + ".jsonl";
}

}  // namespace contract_log_detail

// Appends one exchange to this process's contract log when GAPLOG_CONTRACT_LOG is set. A
// status of 0 (no response: the connection failed) is not recorded, as there is nothing to hold
// against the document. A log that cannot be written fails the current test (ADD_FAILURE)
// rather than leaving the contract check with a silently short log.
// `content_type` is the response's (Reply::header).
inline void record_exchange(const ApiRequest& request, int status,
                            std::optional<std::string_view> content_type, std::string_view body) {
  const char* dir = std::getenv("GAPLOG_CONTRACT_LOG");
  if (dir == nullptr || *dir == '\0' || status == 0) return;
  namespace d = contract_log_detail;
  json::Value line =
      json::Value::object()
          .set("source", json::Value::string(d::source()))
          .set("method", json::Value::string(request.method))
          .set("target", json::Value::string(request.target))
          .set("request", d::message(request.header("Content-Type"), request.body, true))
          .set("status", json::Value::integer(status))
          .set("response", d::message(content_type, body, request.method != "HEAD"));
  std::string text = json::write(line) + "\n";
  std::string path = d::file_name(dir);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    ADD_FAILURE() << "contract log " << path << ": " << std::strerror(errno);
    return;
  }
  ssize_t written = ::write(fd, text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size()))
    ADD_FAILURE() << "contract log " << path << ": short write";
  ::close(fd);
}

}  // namespace gaplog::testing
