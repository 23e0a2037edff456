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

// Multiple seasonal decomposition after MSTL (Bandara, Hyndman & Bergmeir 2021): y = trend +
// sum of seasonal components + remainder, one component per period (shortest first), each
// extracted in turn from the series with the others removed, `iterations` times. A component
// is the cycle-subseries smoothed over `cycles_window` neighbouring cycles (so it may drift
// slowly), minus its own low-pass (so it holds no trend). Input must be gap-free.
struct Decomposition {
  std::vector<double> trend;
  std::vector<std::vector<double>> seasonal;  // one per period, same length as the input
  std::vector<double> remainder;
  std::vector<size_t> periods;
};
Decomposition Mstl(const std::vector<double>& values, const std::vector<size_t>& periods,
                   size_t iterations = 2, size_t cycles_window = 7);

}  // namespace forescale::forecast::internal
