// Compressed time: how the live test maps wall time to profile time and back.
//
// A live run replays `scale` profile seconds per wall second. Everything a policy sees (the
// observation's `now`, pod creation and readiness times, metric windows) is in profile time, so
// the policy object is the one the simulator runs, unchanged; everything processes and
// Prometheus do is in wall time. `wall_start` is mapped to `profile_start`.
//
// Value type; thread-safe to share once built.
//
//   TimeMap map{.wall_start = wall.Now(), .profile_start = profile.start, .scale = 60};
//   ScaledClock profile_clock(wall, map);      // Now(): profile time
//   Duration range = map.ToWall(std::chrono::minutes(1));   // 1 s of wall time
#pragma once

#include <cmath>

#include "core/clock.h"
#include "core/time.h"

namespace forescale::control {

struct TimeMap {
  TimePoint wall_start{};
  TimePoint profile_start{};
  double scale = 1.0;  // profile seconds per wall second; > 0

  Duration ToWall(Duration profile) const {
    return Duration{std::llround(static_cast<double>(profile.count()) / scale)};
  }
  Duration ToProfile(Duration wall) const {
    return Duration{std::llround(static_cast<double>(wall.count()) * scale)};
  }
  TimePoint ToProfile(TimePoint wall) const { return profile_start + ToProfile(wall - wall_start); }
  TimePoint ToWall(TimePoint profile) const { return wall_start + ToWall(profile - profile_start); }
};

// Profile time read from a wall clock through a TimeMap. Thread-safe if the wall clock is.
class ScaledClock final : public Clock {
 public:
  ScaledClock(const Clock& wall, const TimeMap& map) : wall_(wall), map_(map) {}
  TimePoint Now() const override { return map_.ToProfile(wall_.Now()); }
  const TimeMap& map() const { return map_; }

 private:
  const Clock& wall_;
  TimeMap map_;
};

}  // namespace forescale::control
