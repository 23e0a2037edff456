// Seasonal decomposition pieces shared by season detection, MSTL and Theta.
#pragma once

#include <cstddef>
#include <vector>

namespace forescale::forecast::internal {

// Centered moving average of window `window` (a 2 x m average for even windows, as in
// classical decomposition), computed with prefix sums in O(n); near the ends, where the
// window does not fit, the average of what is there.
std::vector<double> CenteredMovingAverage(const std::vector<double>& values, size_t window);

// Mean of the values at each phase i % period over indices [from, to) (all when to == 0),
// centred to sum to zero over a period. Classical decomposition leaves out half a period at
// either end, where the centred moving average is not centred.
std::vector<double> PhaseMeans(const std::vector<double>& values, size_t period, size_t from = 0,
                               size_t to = 0);

// A seasonal component estimated per phase carries the noise of the few cycles it was
// averaged over: a day of minutes has 1,440 phases, each seen once a day. The load's shape is
// smooth well below its shortest cycle (a day's shape does not change within a quarter of an
// hour), so SmoothSeasonal averages each component over neighbouring phases: a centred moving
// average of `window` steps (odd; 1 or less leaves it as is). Values past either end are taken
// one period away, so a single cycle is smoothed circularly and a series' newest cycle gets a
// centred window too. On NASA's per-minute requests (bench/forecast, 30 folds) this cut the
// error of MSTL by 4-8 % and of Theta by up to 12 %.
std::vector<double> SmoothSeasonal(const std::vector<double>& seasonal, size_t period,
                                   size_t window);
// The window for a series whose shortest season is `shortest_period` steps: an odd number of
// steps near 1/50 of it (29 minutes for a day of minutes, 5 steps for a day of
// 5 minutes); 1, no smoothing, for seasons under 100 steps (a day of hours).
size_t SeasonalSmoothingWindow(size_t shortest_period);

// Multiple seasonal decomposition as R's forecast::mstl() does it (Bandara, Hyndman & Bergmeir
// 2021): y = trend + one seasonal component per period + remainder. The periods are sorted
// shortest first; those the series does not hold more than twice (n <= 2 period) are dropped,
// and `periods` says which were kept. Each component is extracted in turn by STL (see stl.h)
// from the series with the other components removed, `iterations` times, with a seasonal
// window of 11 cycles for the shortest period, 15 for the next, and so on (R's s.window =
// 7 + 4 * seq(6)); the trend is that of the last STL. The components sum to the input. With no
// period kept the trend is the input. Input must be gap-free.
struct Decomposition {
  std::vector<double> trend;
  std::vector<std::vector<double>> seasonal;  // one per kept period, same length as the input
  std::vector<double> remainder;
  std::vector<size_t> periods;  // the kept periods, ascending
};
Decomposition Mstl(const std::vector<double>& values, std::vector<size_t> periods,
                   size_t iterations = 2);

}  // namespace forescale::forecast::internal
