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
// averaged over: a day of minutes has 1,440 phases, each seen once a day. SmoothSeasonal
// averages a component over neighbouring phases: a centred moving average of `window` steps
// (odd; 1 or less leaves it as is). Values past either end are taken one period away, so a
// single cycle is smoothed circularly and a series' newest cycle gets a centred window too.
std::vector<double> SmoothSeasonal(const std::vector<double>& seasonal, size_t period,
                                   size_t window);

// The window to smooth a season of `period` steps with, chosen by leave-one-cycle-out
// cross-validation (as generate's load model chooses its season profiles): `detrended`
// (gap-free: the series less its trend and its other seasons) is cut into whole cycles ending
// at its end; each cycle in turn is predicted by the smoothed phase means of the others (both
// centred on their own level), and the window with the least squared error wins among 1 (none),
// 3, 5, 9, ... (x1.4) up to `widest`. A sharp feature that recurs every cycle (a five-minute
// job at 02:00) keeps a narrow window; phase noise alone picks a wide one. Fewer than three
// cycles: 1.
size_t CrossValidatedSeasonWindow(const std::vector<double>& detrended, size_t period,
                                  size_t widest);

// The widest window CrossValidatedSeasonWindow may choose for a series whose shortest season is
// `shortest_period` steps: odd, near 1/50 of it (29 minutes for a day of minutes, 5 steps for a
// day of 5 minutes); 1 (never smooth) for seasons under 100 steps (a day of hours, where each
// step is a distinct part of the day). The cap is there because, on a noisy series, held-out
// cycles keep preferring wider windows than forecast best: uncapped, NASA per-minute chose
// 171 minutes and MSTL's MASE was 0.617 at 15 minutes and 0.931 at a day, against 0.614 and
// 0.920 with the cap (bench/forecast splits, 30 folds; 0.664 and 0.961 without smoothing).
size_t WidestSeasonWindow(size_t shortest_period);

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
