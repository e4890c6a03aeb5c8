// Where the store reads the time (recorded_at, tree head timestamps). Injected so tests can
// move time by hand; the domain never reads a clock.
#pragma once

#include <atomic>

#include "domain/time.h"

namespace gaplog {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros now() = 0;
};

// Wall-clock time (UTC).
class SystemClock final : public Clock {
 public:
  Micros now() override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros now() override { return now_.load(); }
  void set(Micros t) { now_.store(t); }
  void advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace gaplog
