// MSTL forecasting, as R's forecast::stlf()/mstl() does it: the history is split into trend,
// one seasonal component per season (MSTL, see internal/decompose.h) and remainder; the
// seasonally adjusted series (trend + remainder) is forecast by non-seasonal ETS chosen by
// AICc, and each seasonal component is carried forward from its last cycle.
// This is the model for long seasons (a day of minutes is 1440 steps, a week 10080) that ETS
// and ARIMA cannot take. Seasons the history does not cover twice are left out, and said so;
// with none left it is plain non-seasonal ETS. Gaps are filled from the season before.
#pragma once

#include <memory>
#include <string>

#include "forecast/forecaster.h"

namespace forescale::forecast {

class MstlForecaster final : public Forecaster {
 public:
  MstlForecaster();
  ~MstlForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;

 protected:
  Result<void> DoFit() override;

 private:
  std::vector<size_t> periods_;
  std::vector<std::vector<double>> last_cycles_;  // per period: its last `period` values
  std::unique_ptr<Forecaster> adjusted_model_;
};

}  // namespace forescale::forecast
