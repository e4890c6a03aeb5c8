// What `gaplog --version` prints.
#pragma once

#include <string>

namespace gaplog {

// "gaplog 0.22.0" (PROJECT_VERSION, metrics/version.h), then one line for each library that
// matters to an operator (RocksDB and OpenSSL as loaded at run time, Boost as compiled in). No
// trailing newline.
std::string version_text();

}  // namespace gaplog
