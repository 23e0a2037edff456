// Quantile forecasts calibrated on a model's own backtest errors (split conformal prediction,
// Vovk et al. 2005; per horizon step as in Stankeviciute et al. 2021), not on an assumed
// Gaussian: whatever the shape of the errors — skewed, heavy-tailed — the q-quantile forecast
// is the mean forecast plus the q-quantile of the errors made at that distance ahead.
//
// Errors of neighbouring horizon steps are pooled (at least ~40 errors per step) because a
// few folds give few errors per step; quantiles are widened by the finite-sample correction
// of conformal prediction and by sqrt(1 + 1/K) for K folds (errors of one fold are not
// independent), made non-crossing, and the growth of uncertainty with the horizon is kept as
// measured. Calibration holds when the future errs like the backtest did.
#pragma once

#include <vector>

#include "forecast/backtest.h"

namespace forescale::forecast {

class ConformalCalibrator {
 public:
  // Errors (actual - mean) of every fold, by horizon step; missing actuals are skipped.
  // With `level_floor` > 0 the errors are first divided by sqrt(max(mean, 0) + level_floor):
  // loads err in proportion to the square root of their level (counts are Poisson-like), so
  // errors measured at night can calibrate a forecast for the afternoon. 0: plain errors.
  // `leave_out` names a fold to ignore (leave-one-fold-out scoring without copying the rest).
  static constexpr size_t kNoFold = static_cast<size_t>(-1);
  explicit ConformalCalibrator(const std::vector<FoldForecast>& folds, double level_floor = 0,
                               size_t leave_out = kNoFold);

  // The q-quantile forecasts for each step of `mean`, one vector per q (q in (0, 1)). With no
  // error at all to calibrate on, the mean itself.
  std::vector<std::vector<double>> Quantiles(const std::vector<double>& mean,
                                             const std::vector<double>& qs) const;
  std::vector<double> Quantile(const std::vector<double>& mean, double q) const {
    return Quantiles(mean, {q}).front();
  }
  size_t errors() const;

 private:
  double Scale(double mean) const;

  std::vector<double> errors_;                      // by step: see first_
  std::vector<size_t> first_;                       // step j's errors start at first_[j]
  std::vector<std::pair<size_t, size_t>> window_;   // pooled steps [first, last) per step
  double level_floor_ = 0;
  double fold_inflation_ = 1.0;
};

// Leave-one-fold-out quantile forecasts, out[q][fold][step]: each fold's own mean forecast with
// the quantiles of a calibrator that did not see that fold, exactly what
// ConformalCalibrator(folds, level_floor, fold).Quantile(folds[fold].mean, q) gives (in-sample
// for a single fold). When every fold has the same steps present (the usual case), one pass
// over the horizon serves every fold instead of one calibrator each.
FoldQuantiles LeaveOneFoldOutQuantiles(const std::vector<FoldForecast>& folds,
                                       const std::vector<double>& qs, double level_floor);

// Width corrections from held-out coverage. `held_out[q][fold][step]` are quantile forecasts
// of each fold by a calibrator that did not see it (leave-one-fold-out). For each q the factor
// c (within [0.5, 3]) by which the distance of those quantiles from the fold's mean must be
// multiplied for a share q of the actual values to fall below them: 1 when the calibration
// holds, above 1 when a new fold errs more than the others predicted (few folds, days unlike
// each other). 1 for the median, when the held-out steps are too few to tell (fewer than two
// expected beyond the quantile) and when the held-out share below the quantile is within two
// binomial standard deviations of q. Calibration of the calibration, as in Kuleshov et al. 2018.
std::vector<double> HeldOutWidthFactors(const std::vector<FoldForecast>& folds,
                                        const FoldQuantiles& held_out,
                                        const std::vector<double>& qs);

// Makes quantiles[k][j] (level qs[k], step j) non-crossing: each step's values sorted across
// the levels (the rearrangement of Chernozhukov et al. 2010, which only ever brings a quantile
// closer to its true value).
void SortAcrossLevels(const std::vector<double>& qs, std::vector<std::vector<double>>& quantiles);

// Quantile forecasts for several q at once, each q's distance from the mean multiplied by its
// entry of `width_factors` (none: 1), non-crossing (sorted per step), and clamped at 0 when
// `non_negative` (loads are never negative).
std::vector<std::vector<double>> QuantileForecasts(const ConformalCalibrator& calibrator,
                                                   const std::vector<double>& mean,
                                                   const std::vector<double>& qs,
                                                   bool non_negative,
                                                   const std::vector<double>& width_factors = {});

}  // namespace forescale::forecast
