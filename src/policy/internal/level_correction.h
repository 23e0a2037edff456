// How much of a forecast's recent miss to carry forward to the lead (learned on the live stream).
//
// The predictive policy rescales its forecast by how far the last minutes' load was from it.
// That pays where a miss persists (a level shift, a busier day than the model expected) and
// costs where it does not (white noise around a steady level: the rescaling then adds the
// noise of the last minutes to every forecast). This class measures which: each decision
// records the log ratio it saw (recent actual / forecast) and the uncorrected forecast for the
// window it provisions; once the window is delivered, the window's log ratio is paired with it.
// The gain is the least-squares slope through the origin of the window's log ratio on the
// recent one, over the last `keep`, clamped to [0, 1] — the share of a miss that persisted.
// Until `min_pairs` pairs are in, the gain is 1 (the whole miss carried forward).
// Deterministic: the same expectations and observations give the same gain.
#pragma once

#include <deque>

#include "core/series.h"
#include "core/time.h"

namespace forescale::policy::internal {

class LevelCorrection {
 public:
  LevelCorrection(Duration keep, size_t min_pairs) : keep_(keep), min_pairs_(min_pairs) {}

  // A decision saw `recent_log_ratio` = log(recent actual / forecast) and forecast
  // `forecast` (before any correction) for the load over [from, to).
  void Expect(TimePoint from, TimePoint to, double forecast, double recent_log_ratio);
  // The load as delivered so far (bucket means): every expectation whose window it now covers
  // is paired with the mean of the buckets overlapping the window.
  void Observe(const Series& delivered);
  // The share of the recent miss to carry forward, in [0, 1].
  double Gain() const;
  size_t pairs() const { return pairs_.size(); }

 private:
  struct Expectation {
    TimePoint from, to;
    double forecast, recent;
  };
  struct Pair {
    TimePoint at;
    double recent, ahead;
  };
  Duration keep_;
  size_t min_pairs_;
  std::deque<Expectation> pending_;
  std::deque<Pair> pairs_;
  double sum_xy_ = 0, sum_xx_ = 0;
  size_t since_resum_ = 0;
};

}  // namespace forescale::policy::internal
