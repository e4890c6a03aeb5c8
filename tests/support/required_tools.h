// Tests that need a real third-party program (aiosmtpd, node with the standardwebhooks package)
// skip when it is missing, with a message saying how to get it, so a developer without it can
// still run the rest. scripts/test installs them and sets GAPLOG_TESTS_REQUIRE_TOOLS=1: there a
// missing tool fails the test instead, so CI never passes without the real thing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace gaplog::testing {

inline bool tools_required() {
  const char* v = std::getenv("GAPLOG_TESTS_REQUIRE_TOOLS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace gaplog::testing

// In a test body or SetUp: skip, or fail under scripts/test, saying why.
#define GAPLOG_NEEDS_TOOL(missing_message)                                \
  do {                                                                    \
    if (::gaplog::testing::tools_required()) {                            \
      GTEST_FAIL() << (missing_message) << " (scripts/test requires it)"; \
    }                                                                     \
    GTEST_SKIP() << (missing_message);                                    \
  } while (false)
