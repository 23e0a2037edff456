// The delivered load over a window a decision provisioned for: what the online calibrations
// (forecast_calibration.h, level_correction.h) score a forecast against.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/series.h"
#include "core/time.h"

namespace forescale::policy::internal {

// Calls `visit(value)` for each present value among the buckets of `delivered` that overlap
// [from, to). False, visiting nothing, when the window begins before `delivered` does: it is
// only partly seen.
template <typename Visit>
bool VisitDeliveredWindow(const Series& delivered, TimePoint from, TimePoint to, Visit visit) {
  if (from < delivered.start || delivered.step.count() <= 0) return false;
  const int64_t first = (from - delivered.start) / delivered.step;
  const int64_t last = (to - delivered.start - Duration(1)) / delivered.step;
  for (int64_t i = first; i <= last && i < static_cast<int64_t>(delivered.size()); ++i) {
    const double v = delivered.values[static_cast<size_t>(i)];
    if (std::isfinite(v)) visit(v);
  }
  return true;
}

}  // namespace forescale::policy::internal
