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
