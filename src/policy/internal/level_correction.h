// How much of a forecast's recent miss to carry forward to the lead (learned on the live stream).
//
// The predictive policy rescales its forecast by how far the last minutes' load was from it.
// That pays where a miss persists (a level shift, a busier day than the model expected) and
// costs where it does not (noise around a steady level: the rescaling then adds the noise of
// the last minutes to every forecast). This class measures which. Each decision records two
// log misses it saw — over the last few steps, and over the newest step alone — and the
// uncorrected forecast for the window it provisions; once the window is delivered, the
// window's log miss is paired with them. The correction is the least-squares fit through the
// origin of the window's miss on the two recent ones, over the last `keep`:
//   log correction = gain_recent * recent miss + gain_newest * newest miss.
// The newest step tells a load that is on its way somewhere (a ramp, an interpolated series)
// from one that only wobbled; the steps before it, a level that has settled. The joint fit is
// used when its total gain lies in [0, 1]; otherwise the better of the two one-miss fits, each
// with its gain clamped to [0, 1].
// Until `min_pairs` pairs are in, the whole recent miss is carried forward (gain 1, 0).
// Deterministic: the same expectations and observations give the same correction.
#pragma once

#include <deque>

#include "core/series.h"
#include "core/time.h"

namespace forescale::policy::internal {

class LevelCorrection {
 public:
  LevelCorrection(Duration keep, size_t min_pairs) : keep_(keep), min_pairs_(min_pairs) {}

  // A decision saw the log misses log(actual / forecast) over the last few steps (`recent`)
  // and over the newest step (`newest`), and forecast `forecast` (before any correction) for
  // the load over [from, to).
  void Expect(TimePoint from, TimePoint to, double forecast, double recent, double newest);
  // The load as delivered so far (bucket means): every expectation whose window it now covers
  // is paired with the mean of the buckets overlapping the window.
  void Observe(const Series& delivered);
  // The log correction for these misses: gain_recent * recent + gain_newest * newest.
  double LogCorrection(double recent, double newest) const;
  struct Gains {
    double recent = 1, newest = 0;
  };
  Gains gains() const;
  size_t pairs() const { return pairs_.size(); }

 private:
  struct Expectation {
    TimePoint from, to;
    double forecast, recent, newest;
  };
  struct Pair {
    TimePoint at;
    double recent, newest, ahead;
  };
  // Adds a pair to the running sums (sign +1) or takes it out (-1).
  void Accumulate(const Pair& p, double sign);
  Duration keep_;
  size_t min_pairs_;
  std::deque<Expectation> pending_;
  std::deque<Pair> pairs_;
  // Running sums of the normal equations: r = recent, n = newest, a = ahead.
  double rr_ = 0, rn_ = 0, nn_ = 0, ra_ = 0, na_ = 0, aa_ = 0;
  Gains gains_;
  size_t since_resum_ = 0;
};

}  // namespace forescale::policy::internal
