// The forecasting contract: one model behind one small interface.
//
// A `Forecaster` is fitted to a history on a regular grid and then predicts the mean of the
// steps that follow it. Uncertainty is not the model's business: quantiles come from the
// model's own backtest errors (see conformal.h), so every model's intervals are calibrated the
// same honest way, whatever it assumes about its noise.
//
// History conventions every model honours:
//  - NaN is a missing step (an outage, a gap in the logs); a model must not read it as zero and
//    must not let it poison the fit (state-space models skip the update, regressions drop the
//    row, decompositions fill it from the season before fitting).
//  - `Predict(h)` returns exactly h finite values, or an error; never NaN.
//  - Too little data for what the model needs is not an error: the model falls back to a
//    simpler one and says so in Notes().
//
// Thread safety: one instance per thread; Fit/Predict/Update are not concurrent.
//
//   auto model = MakeForecaster("ets");
//   (*model)->Fit(history, {.seasons = {24, 168}});
//   std::vector<double> next_day = *(*model)->Predict(24);
#pragma once

#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/series.h"

namespace forescale::forecast {

// Known regressors (campaigns, scheduled jobs): one column per event, one row per step,
// covering the history and then the horizon. Row i of `values` is history step i; rows past
// the history are the future. Empty when there are no events.
struct Regressors {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;  // columns[j][i]: event j at step i, 0 = inactive
  // A user-given expected lift (relative, 1.0 = +100 %) per event, used when the history
  // holds no occurrence of that event; NaN when not given.
  std::vector<double> expected_lift;
  // Per row, the combined factor of the events with a lift, read instant by instant over the
  // step (EventRegressors sets it; see SplitStatedLifts). Empty: the product over the columns.
  std::vector<double> stated_factor;
};

struct FitContext {
  // Seasonal periods in steps, shortest first, e.g. {1440, 10080} for per-minute data.
  // Models that take one season use the shortest they support.
  std::vector<size_t> seasons;
  const Regressors* regressors = nullptr;  // may be null

  // The context for a fit on the history from step `row` on: every model indexes regressor
  // rows from the start of the history it is given, so rows before `row` are dropped, into
  // `storage`, which must outlive the fit.
  FitContext FromRow(size_t row, Regressors& storage) const;
};

class Forecaster {
 public:
  virtual ~Forecaster() = default;

  // The model as fitted, e.g. "ets(M,Ad,N)", "snaive(1440)"; the family name before Fit().
  virtual std::string Name() const = 0;
  // Checks the history (kInvalidArgument when it is empty, all missing or holds an infinity),
  // keeps it and the context (the regressors must outlive the model), then fits.
  Result<void> Fit(const Series& history, const FitContext& context);
  virtual Result<std::vector<double>> Predict(size_t horizon) const = 0;
  // Appends one observation (NaN allowed) without re-estimating parameters: O(1) for
  // state-space models. The default appends and refits.
  virtual Result<void> Update(double value);
  // Update() for several observations in order. Models whose Update() redoes O(n) work per
  // call override it to do that work once.
  virtual Result<void> Extend(std::span<const double> values);
  // Whether Update() moves the fitted state on without re-estimating anything (ETS, naive,
  // seasonal naive, theta, ARIMA once fitted), at a fraction of a fit's cost: backtests then
  // roll one fit forward through later folds instead of refitting at each.
  virtual bool RollsForward() const { return false; }
  // Corrected Akaike information criterion when the model has a likelihood, NaN otherwise.
  virtual double Aicc() const { return std::numeric_limits<double>::quiet_NaN(); }
  // What the user should know about this fit (fallbacks, clamped parameters).
  const std::vector<std::string>& Notes() const { return notes_; }

 protected:
  // Fits to history_ and context_, which Fit() has just set.
  virtual Result<void> DoFit() = 0;
  void Note(std::string note) { notes_.push_back(std::move(note)); }

  Series history_;
  FitContext context_;

 private:
  std::vector<std::string> notes_;
};

// The model families, by the names the CLI uses.
inline constexpr std::string_view kModelNames[] = {
    "naive", "snaive", "mean", "ets", "mstl", "mstl-arima", "theta", "prophet", "arima"};

// A new, unfitted model of the named family; kInvalidArgument for an unknown name.
Result<std::unique_ptr<Forecaster>> MakeForecaster(std::string_view name);

}  // namespace forescale::forecast
