// MSTL forecasting, as R's forecast::stlf()/mstl() does it: the history is split into trend,
// one seasonal component per season (MSTL with R's STL, see internal/decompose.h; the same
// components as R's mstl() on the same gap-free series) and remainder; the seasonally
// adjusted series (trend + remainder) is forecast by non-seasonal ETS chosen by AICc (damped
// trend included) or, as stlf(method = "arima"), by a non-seasonal ARIMA, and each seasonal
// component is carried forward from its last cycle.
// This is the model for long seasons (a day of minutes is 1440 steps, a week 10080) that ETS
// and ARIMA cannot take. Unlike R, the components of long seasons are averaged over
// neighbouring phases before they are taken out and carried forward, over a window that
// leave-one-cycle-out cross-validation chooses (internal::CrossValidatedSeasonWindow: at most
// 29 minutes for a day of minutes), so the forecast does not repeat the noise of each
// minute-of-day estimate, yet keeps a job that recurs at the same minute every day. Seasons
// the history does not cover more than twice are left out, and said so; with none left it is
// plain non-seasonal ETS (or ARIMA). Gaps are filled from the season before for the
// decomposition (R interpolates them) and left as gaps for the adjusted series' model.
#pragma once

#include <memory>
#include <string>

#include "forecast/forecaster.h"

namespace forescale::forecast {

// What forecasts the seasonally adjusted series, as stlf()'s `method`.
enum class AdjustedModel {
  kEts,    // "mstl": ETS chosen by AICc
  kArima,  // "mstl-arima": ARIMA, order by KPSS and the Hannan-Rissanen regressions (arima.h)
};

class MstlForecaster final : public Forecaster {
 public:
  explicit MstlForecaster(AdjustedModel adjusted = AdjustedModel::kEts);
  ~MstlForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
  // The new value less the seasonal components carried forward goes to the adjusted series'
  // model (O(1) for ETS; ARIMA re-runs its filter); the components stay as decomposed (a refit
  // decomposes again).
  Result<void> Update(double value) override;
  // Update() for several values, with one Extend() of the adjusted series' model (ARIMA's
  // filter then runs once, not once a value). An infinite value appends nothing.
  Result<void> Extend(std::span<const double> values) override;
  bool RollsForward() const override {
    return adjusted_model_ != nullptr && adjusted_model_->RollsForward();
  }

 protected:
  Result<void> DoFit() override;

 private:
  AdjustedModel adjusted_;
  std::vector<size_t> periods_;
  std::vector<std::vector<double>> last_cycles_;  // per period: its last `period` values
  size_t rolled_ = 0;                             // steps appended by Update() since the fit
  std::unique_ptr<Forecaster> adjusted_model_;
};

}  // namespace forescale::forecast
