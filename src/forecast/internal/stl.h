// STL: Seasonal-Trend decomposition by Loess (Cleveland, Cleveland, McRae & Terpenning 1990),
// as R's stats::stl() computes it with robust = FALSE: y = seasonal + trend + remainder.
//
// Each inner iteration smooths every cycle-subseries (the values at one phase) by loess,
// extended one cycle either side; takes out of that its low-pass (moving averages of period,
// period and 3, then loess), so that the seasonal holds no trend; and smooths the
// deseasonalised series by loess into the trend. Loess is evaluated every `jump` points and
// linearly interpolated in between, which keeps long periods (1440 minutes) cheap: the cost
// is O(n) for fixed windows. The results match R's stl() to rounding. A pure function: safe to
// call from any thread.
//
// Usage:
//   StlResult r = Stl(values, 24, {.seasonal_window = 11});
//   // r.seasonal[i] + r.trend[i] + r.remainder[i] == values[i]
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace forescale::forecast::internal {

// Windows are in points (cycles for the seasonal window) and made odd and at least 3, as R
// does; 0 means R's default. Degrees are 0 (local constant) or 1 (local line).
struct StlOptions {
  size_t seasonal_window = 11;  // cycles in each cycle-subseries loess (R: s.window)
  int seasonal_degree = 0;      // R: s.degree
  size_t trend_window = 0;      // 0: nextodd(ceil(1.5 period / (1 - 1.5 / seasonal_window)))
  int trend_degree = 1;         // R: t.degree
  size_t low_pass_window = 0;   // 0: the smallest odd number >= period
  int low_pass_degree = 1;      // R: l.degree (= t.degree)
  size_t seasonal_jump = 0;     // 0: ceil(window / 10), for each of the three smoothers
  size_t trend_jump = 0;
  size_t low_pass_jump = 0;
  size_t inner_iterations = 2;  // R: inner (2 when not robust)
};

struct StlResult {
  std::vector<double> seasonal, trend, remainder;  // each the length of the input
};

// Requires a gap-free series with more than two full periods (values.size() > 2 * period)
// and period >= 2; otherwise the seasonal is zero and the trend is the input.
StlResult Stl(std::span<const double> values, size_t period, const StlOptions& options = {});

}  // namespace forescale::forecast::internal
