// The Theta method (Assimakopoulos & Nikolopoulos 2000) in the form Hyndman & Billah (2003)
// showed it to be, and R's forecast::thetaf() implements: simple exponential smoothing with
// drift equal to half the slope of a linear trend, on the seasonally adjusted series, then
// re-seasonalised. The smoothing weight is estimated by least squares (golden-section search
// over (0, 1)). Seasonal adjustment uses classical decomposition on the shortest season the
// history covers twice: multiplicative for positive data, additive otherwise. On long seasons
// (a day of minutes) the seasonal indices are averaged over neighbouring phases first, over a
// window cross-validation chooses (see internal::CrossValidatedSeasonWindow): thetaf() does
// not, and on per-minute data its indices carry the noise of the few days they rest on.
#pragma once

#include <string>
#include <vector>

#include "forecast/forecaster.h"

namespace forescale::forecast {

class ThetaForecaster final : public Forecaster {
 public:
  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
  // O(1): the level smooths the new (seasonally adjusted) value; drift and season stay as
  // fitted. A missing value leaves the level where it is.
  Result<void> Update(double value) override;
  bool RollsForward() const override { return n_ > 0; }

 protected:
  Result<void> DoFit() override;

 private:
  size_t period_ = 1;
  bool multiplicative_ = false;
  std::vector<double> season_;  // per phase, phase 0 = first history step
  double alpha_ = 0.5, level_ = 0, slope_ = 0;
  size_t n_ = 0;
};

}  // namespace forescale::forecast
