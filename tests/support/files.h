// Small file helpers for tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace gaplog::testing {

// The bytes of the file at `path` ("" when it cannot be read).
inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace gaplog::testing
