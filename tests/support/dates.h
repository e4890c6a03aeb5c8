// Instants shared by the tests.
#pragma once

#include "domain/time.h"

namespace gaplog::testing {

// 2026-01-01T00:00:00Z
inline constexpr Micros kT0 = 1'767'225'600LL * kMicrosPerSecond;

}  // namespace gaplog::testing
