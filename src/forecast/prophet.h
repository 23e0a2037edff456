// A Prophet-style regression model (Taylor & Letham 2018), solved as regularised least squares:
// piecewise-linear trend with automatic changepoints (candidates spread over the first 80 % of
// the history, their slope changes shrunk by an L2 penalty — the Gaussian approximation of
// Prophet's Laplace prior), Fourier terms for every season in FitContext::seasons, and one
// coefficient per known-event regressor. When an event never occurs in the history, its
// coefficient cannot be learned: the user-given expected lift is applied multiplicatively
// instead. Missing values drop their rows. The trend is extrapolated flat-lined at the last
// segment's slope.
//
// Scaling: y (or log(y + offset) in multiplicative mode) is standardised before the fit, so the
// penalties are precisions of Gaussian priors on coefficients in units of the series' standard
// deviation (t runs 0..1 over the history, as in Prophet). The noise variance that weighs them
// against the data is estimated from the residuals, so the penalties mean the same on a clean
// and on a noisy series of any length. In multiplicative mode the offset is 0 when every present
// value is positive, otherwise -min(y) + 1 % of the range (1 for a constant series), and the
// forecast is the back-transformed median exp(f) - offset.
// Regressor rows past the end of a column count as inactive (0).
//
// Thread safety: as Forecaster.
//
//   ProphetForecaster model({.multiplicative = true});
//   model.Fit(history, {.seasons = {1440, 10080}, .regressors = &events});
//   std::vector<double> next_day = *model.Predict(1440);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "forecast/forecaster.h"

namespace forescale::forecast {

struct ProphetOptions {
  size_t changepoints = 25;
  double changepoint_range = 0.8;    // share of the history where changepoints may sit
  double changepoint_penalty = 10;   // L2 weight on slope changes (higher: stiffer trend)
  double seasonality_penalty = 0.1;  // L2 weight on Fourier coefficients
  size_t max_fourier_order = 10;     // per season; fewer for short seasons
  bool multiplicative = false;       // fit log(y): seasonality scales with the level
};

// One candidate changepoint of the fitted trend.
struct ProphetChangepoint {
  size_t step = 0;          // history index where the slope changes
  double slope_change = 0;  // per step, in y units (log units in multiplicative mode)
};

class ProphetForecaster final : public Forecaster {
 public:
  explicit ProphetForecaster(ProphetOptions options = {});
  ~ProphetForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;

  // Inspection of the last fit (empty before Fit()).
  const std::vector<ProphetChangepoint>& changepoints() const;
  // Per regressor column: the fitted effect of one unit of the column, in y units (log units in
  // multiplicative mode); NaN for a column that does not occur in the history.
  const std::vector<double>& event_coefficients() const;

 protected:
  Result<void> DoFit() override;

 private:
  struct State;
  ProphetOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace forescale::forecast
