// The baselines every other model must beat: naive (the last value), seasonal naive (the
// value one season earlier) and the mean of the history (R's meanf). On real traffic they are
// hard to beat at short horizons, which is why automatic model choice keeps them in the
// running.
#pragma once

#include <string>

#include "forecast/forecaster.h"

namespace forescale::forecast {

class NaiveForecaster final : public Forecaster {
 public:
  std::string Name() const override { return "naive"; }
  Result<std::vector<double>> Predict(size_t horizon) const override;
  Result<void> Update(double value) override;  // O(1)
  bool RollsForward() const override { return true; }

 protected:
  Result<void> DoFit() override;

 private:
  double last_ = 0;
};

// The mean of the present values it was fitted on and has been given since: the forecast of a
// level that wanders around a constant and returns to it (a short, noisy history whose swings
// do not persist), where naive carries the last swing forward.
class MeanForecaster final : public Forecaster {
 public:
  std::string Name() const override { return "mean"; }
  Result<std::vector<double>> Predict(size_t horizon) const override;
  Result<void> Update(double value) override;  // O(1)
  bool RollsForward() const override { return true; }

 protected:
  Result<void> DoFit() override;

 private:
  double sum_ = 0;
  size_t count_ = 0;
};

// Uses the shortest season in FitContext::seasons that the history covers at least once;
// without one it is naive, and says so. A missing value one season back is taken from the
// season before that.
class SeasonalNaiveForecaster final : public Forecaster {
 public:
  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
  Result<void> Update(double value) override;  // O(1); a missing value keeps the season before
  bool RollsForward() const override { return true; }

 protected:
  Result<void> DoFit() override;

 private:
  size_t period_ = 1;
  // The last `period_` steps, gaps filled from earlier seasons, as a ring: `next_` holds the
  // value one season before the next step.
  std::vector<double> last_season_;
  size_t next_ = 0;
};

}  // namespace forescale::forecast
