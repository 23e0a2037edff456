// `forescale forecast` and `forescale backtest`: the forecasting engine on one series.
#pragma once

#include <string>
#include <vector>

#include "app/load_series.h"

namespace forescale::app {

struct ForecastCommandOptions {
  SeriesSource source;
  std::string horizon;                 // steps ("60") or a duration ("1h", a multiple of the step)
  std::string model = "auto";
  std::vector<std::string> models;     // backtest: the candidates (empty: all that apply)
  std::vector<double> quantiles = {0.5, 0.9, 0.99};
  std::vector<size_t> seasons;         // empty: detect
  std::string events_path;             // YAML of known events (core/events.h); empty: none
  size_t folds = 0;                    // 0: as ForecastRequest::folds chooses
  std::string format = "csv";          // forecast: csv|json; backtest: table|json
  bool quiet = false;                  // forecast: no summary on stderr
};

// Writes the forecast to stdout (CSV: timestamp,mean,q0.5,...) and a summary of the model
// choice to stderr.
Result<void> ForecastCommand(const ForecastCommandOptions& options);
// Writes per-model backtest scores to stdout.
Result<void> BacktestCommand(const ForecastCommandOptions& options);

// "60" -> 60 steps; "1h" on a 1m series -> 60; errors name the flag.
Result<size_t> ParseHorizon(const std::string& text, Duration step);

}  // namespace forescale::app
