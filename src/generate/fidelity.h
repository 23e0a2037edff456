// How close a synthetic load profile is to the real thing: the fidelity report of
// `forescale generate fidelity` (issue 5, point 6).
//
// Both series are first put on one footing: values are turned into requests/s (a count per
// step is divided by the step), and when the steps differ the finer series is averaged onto
// the coarser grid (one step must be a whole multiple of the other). When the two cover the
// same timestamps, a step missing in the real series is left out of the synthetic one too, so
// a gap in the history does not count against the generator. NaN is missing everywhere and is
// skipped, never read as zero. Then, with n the steps of a day and "smoothed" a centred moving
// average over `peak_smoothing`:
//
//   acf_distance     RMS over the lags 1..max_lag, the daily lag (when both series hold two
//                    days) and the weekly lag (when both hold two weeks) of ACF_real - ACF_syn
//                    (the ACF of a constant series counts as 0);
//   wasserstein1     W1 distance of the two marginals (area between the empirical CDFs),
//                    divided by the real mean: 0.1 = the rates are off by 10 % of the mean;
//   ks               Kolmogorov–Smirnov distance of the marginals (sup |F_real - F_syn|);
//   peak_hour_error  mean circular |difference| in hours between the time of day of each day's
//                    maximum of the smoothed series: a synthetic day is matched with the real
//                    day of the same date, else with the real days of the same weekday, else
//                    with every real day (days under 90 % present, or flat, are skipped);
//   peak_to_mean     max / mean of each series, and the relative error syn / real - 1;
//   burst_rate       episodes (runs of consecutive steps) above the real series' 0.995
//                    quantile, per day, of each series;
//   discriminative   held-out accuracy of a logistic regression (Newton's method, a small
//                    ridge) telling real windows from synthetic ones, 5-fold cross-validated,
//                    on window features: mean, standard deviation, lag-1 autocorrelation,
//                    max / mean, skewness, and the hour of day as sin/cos. The larger class is
//                    subsampled to the size of the smaller, so 0.5 = indistinguishable and 1.0
//                    = always told apart. Folds are contiguous blocks of time (in a random
//                    order): neighbouring windows are alike, and random folds would let the
//                    classifier recognise a window by its neighbour;
//   tstr             train on synthetic, test on real: a fixed forecaster (`tstr_model`, with
//                    the daily and weekly seasons its fit holds more than twice; folds whose
//                    fit holds less than two days are skipped) forecasts the last
//                    `tstr_folds` windows of `tstr_horizon` of the real series, once fitted on
//                    the real steps before each origin and once on the synthetic steps at the
//                    same times (the synthetic series shifted by whole days when it does not
//                    cover them). Both fits stop `tstr_context` before the origin and both
//                    models then roll forward through the real steps of that context: the model
//                    learned from synthetic data is tested on real data, as it would be run
//                    live, rather than asked to guess today's real level from a synthetic
//                    yesterday (which no sampler of the process could know). MASE of each (one
//                    scale: the real training window's seasonal naive MAE) and their ratio,
//                    synthetic / real (1.0 = as good as real history).
//
// A measure that the data cannot support (a discriminative score with too few windows, peak
// timing on series shorter than a day, TSTR without room for one fold) is NaN, with a note
// saying why. Deterministic: the cross-validation folds and the subsampling come from one
// forescale::Rng seeded with `seed`. Thread-compatible (a pure function).
//
//   Result<FidelityReport> r = Compare(real_week, synthetic_week, {.tstr_model = "mstl"});
//   if (r && r->discriminative <= 0.65) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/series.h"
#include "generate/load_model.h"

namespace forescale::generate {

struct FidelityOptions {
  // What each series' values mean; both are compared as requests/s.
  ValueKind real_values = ValueKind::kRatePerSecond;
  ValueKind synthetic_values = ValueKind::kRatePerSecond;
  size_t max_lag = 60;            // ACF lags 1..max_lag (plus daily and weekly)
  double burst_quantile = 0.995;  // of the real series
  Duration peak_smoothing{std::chrono::hours(1)};
  Duration window{std::chrono::hours(1)};  // discriminative windows (at least 8 steps each)
  size_t cv_folds = 5;
  uint64_t seed = 1;                // CV folds and class balancing
  bool tstr = true;                 // false: skip the forecasts (the slow part)
  std::string tstr_model = "mstl";  // a forecast::kModelNames family
  Duration tstr_horizon{std::chrono::days(1)};
  size_t tstr_folds = 5;
  Duration tstr_max_train{std::chrono::days(14)};  // training window per fold, at most
  Duration tstr_context{std::chrono::hours(6)};     // real steps both models roll through
};

struct FidelityReport {
  Duration step{};                               // common step the measures were taken on
  size_t real_points = 0, synthetic_points = 0;  // present values after alignment
  double real_mean = 0, synthetic_mean = 0;      // requests/s

  std::vector<size_t> acf_lags;  // in steps
  std::vector<double> acf_real, acf_synthetic;
  double acf_distance = 0;

  double wasserstein1 = 0;  // normalised by the real mean
  double ks = 0;

  double peak_hour_error = 0;                          // hours, circular, in [0, 12]
  double peak_hour_real = 0, peak_hour_synthetic = 0;  // circular mean time of day of the peaks
  size_t peak_days_real = 0, peak_days_synthetic = 0;

  double peak_to_mean_real = 0, peak_to_mean_synthetic = 0;
  double peak_to_mean_error = 0;  // synthetic / real - 1

  double burst_threshold = 0;  // requests/s: the real series' burst_quantile
  double burst_rate_real = 0, burst_rate_synthetic = 0;  // episodes per day

  double discriminative = 0;          // held-out accuracy in [0, 1]; 0.5 = indistinguishable
  size_t discriminative_windows = 0;  // per class, after balancing

  std::string tstr_model;
  size_t tstr_folds = 0;
  size_t tstr_horizon = 0;  // steps
  double tstr_mase_real = 0, tstr_mase_synthetic = 0;
  double tstr_ratio = 0;  // synthetic / real

  std::vector<std::string> notes;  // what was adjusted or could not be measured, and why
};

// Fails (kInvalidArgument) when a series is empty or has fewer than 20 present values after
// alignment, when the steps have no common grid (neither is a whole multiple of the other),
// or on options that make no sense (max_lag 0, cv_folds < 2, a burst quantile outside (0, 1),
// an unknown TSTR model).
Result<FidelityReport> Compare(const Series& real, const Series& synthetic,
                               const FidelityOptions& options = {});

}  // namespace forescale::generate
