// Rolling-origin backtests and the scores every report uses.
//
// A backtest cuts the history at `folds` origins, the last one `horizon` steps before its end,
// each one `horizon` steps before the next, passing over stretches the history does not
// cover (see FoldOrigins); at each origin the model is fitted on the steps
// before it (at most `max_train` of them) and forecasts the next `horizon` steps, which are
// compared with what happened. A model that rolls forward (Forecaster::RollsForward: ETS,
// naive, seasonal naive, theta, ARIMA) is instead extended from its last fit with the steps in
// between, as it would be live, and refitted once more new steps than its training window held
// have arrived. Nothing after an origin is ever
// seen by the forecast of that fold.
//
// Scores (Hyndman & Koehler 2006; Gneiting & Raftery 2007):
//  - MASE: mean absolute error divided by the in-sample MAE of the seasonal naive forecast
//    (period = the shortest season, 1 without one) of the training window of the first fold;
//  - pinball loss per quantile, divided by the same scale, so that series compare;
//  - coverage of the central 80 % and 95 % intervals;
//  - fit time (fit + forecast) per fold.
// Missing actual values are left out of every score.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/series.h"
#include "forecast/forecaster.h"

namespace forescale::forecast {

struct BacktestOptions {
  size_t horizon = 1;
  size_t folds = 3;
  // Each fold fits on at most this many of the steps before its origin (0: all of them),
  // which bounds the cost of a backtest on long histories.
  size_t max_train = 0;
};

struct FoldForecast {
  size_t origin = 0;             // index of the first forecast step in the history
  std::vector<double> actual;    // `horizon` values, NaN where missing
  std::vector<double> mean;      // the model's forecast
};

struct ModelBacktest {
  std::string model;             // family, e.g. "ets"
  std::string fitted;            // as fitted on the last fold, e.g. "ets(A,N,N)"
  std::vector<FoldForecast> folds;
  double seconds_per_fit = 0;
  std::vector<std::string> notes;
};

// Fold origins for a history (NaN = missing), oldest first. Counting back from the end, each
// test window is the `horizon` steps before the previous one's origin; a window less than half
// observed is passed over, a step at a time, until one is: a history that ends in an outage is
// scored on the data before it, not on the outage. Fewer folds when the history is short (each
// fold keeps at least `min_train` steps to fit on); empty when not even one fold fits.
std::vector<size_t> FoldOrigins(std::span<const double> values, const BacktestOptions& options,
                                size_t min_train);

Result<ModelBacktest> Backtest(const Series& history, const FitContext& context,
                               std::string_view model, const BacktestOptions& options);

// The MASE scale: in-sample MAE of the seasonal naive forecast (NaN-aware); 0 when the series
// is constant, in which case callers divide by 1 instead.
double MaseScale(const std::vector<double>& train, size_t period);

// Quantile forecasts per fold for scoring: quantiles[q][fold][step].
using FoldQuantiles = std::map<double, std::vector<std::vector<double>>>;

struct Scores {
  double mase = 0;
  // Geometric mean over folds of each fold's MASE (a fold's error floored at 1e-6 of the
  // scale), each fold weighted by its scored steps: whole folds weigh the same in relative
  // terms, so a fold in which a regime change makes every model err by a lot does not drown
  // the quiet folds that tell the models apart, and a fold mostly inside an outage counts little.
  double fold_mase_gmean = 0;
  // Root mean squared error over the MASE scale (M5's RMSSE, but for its scale): the loss the
  // mean minimises. Intermittent series are ranked by it (engine.h): absolute error rewards the
  // median, which there is zero.
  double rmsse = 0;
  double mae = 0;
  std::map<double, double> pinball;  // scaled, per quantile
  double pinball_mean = 0;           // over the quantiles given
  double coverage80 = std::numeric_limits<double>::quiet_NaN();
  double coverage95 = std::numeric_limits<double>::quiet_NaN();
  size_t points = 0;
};

// Scores a backtest; `quantiles` may be empty (then only MASE and MAE). `scale` is MaseScale.
Scores Score(const std::vector<FoldForecast>& folds, const FoldQuantiles& quantiles, double scale);

}  // namespace forescale::forecast
