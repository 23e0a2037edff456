// Forecasting as a live controller needs it: one new point a step, a forecast every step.
//
// Each observation is applied with the model's Update() — O(1) for state-space models (ETS,
// naive), a refit for the others — and the parameters are re-estimated from scratch every
// `refit_every` observations, so slow drift is absorbed without paying for a full fit per step.
// A missing observation (NaN) advances time without moving the state. Not thread-safe.
//
//   OnlineForecaster online(std::make_unique<EtsForecaster>(), {.refit_every = 60});
//   online.Start(history, context);
//   online.Observe(42.0);                 // each step
//   auto next_hour = online.Predict(60);
#pragma once

#include <memory>

#include "forecast/forecaster.h"

namespace forescale::forecast {

struct OnlineOptions {
  size_t refit_every = 60;   // observations between full refits (0: never refit)
  size_t max_history = 0;    // refits use at most this many recent steps (0: all)
};

class OnlineForecaster {
 public:
  OnlineForecaster(std::unique_ptr<Forecaster> model, OnlineOptions options);

  Result<void> Start(const Series& history, const FitContext& context);
  Result<void> Observe(double value);
  Result<std::vector<double>> Predict(size_t horizon) const { return model_->Predict(horizon); }

  size_t observations() const { return observed_; }
  size_t refits() const { return refits_; }
  const Forecaster& model() const { return *model_; }

 private:
  std::unique_ptr<Forecaster> model_;
  OnlineOptions options_;
  Series history_;
  FitContext context_;
  size_t observed_ = 0, since_refit_ = 0, refits_ = 0;
};

}  // namespace forescale::forecast
