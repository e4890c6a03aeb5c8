// gaplog's version: PROJECT_VERSION of the top CMakeLists.txt (project(gaplog VERSION ...)),
// compiled into one generated file (metrics/version.cc.in) so that a new version rebuilds
// nothing else.
#pragma once

#include <string_view>

namespace gaplog {

// "0.22.0".
std::string_view gaplog_version();

}  // namespace gaplog
