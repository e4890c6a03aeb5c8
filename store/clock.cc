#include "store/clock.h"

#include <chrono>

namespace gaplog {

Micros SystemClock::now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace gaplog
