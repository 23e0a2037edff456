// Injected time: no forescale code reads the wall clock directly.
//
// `SystemClock` is the real one; `SimulatedClock` is advanced by its owner, so the simulator,
// backtests and tests run the same code as the live controller and replay exactly.
// Thread safety: `SystemClock` is safe to share; `SimulatedClock` is not.
#pragma once

#include "core/time.h"

namespace forescale {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override { return now_; }
  void Advance(Duration d) { now_ += d; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

}  // namespace forescale
