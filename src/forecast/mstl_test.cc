#include "forecast/mstl.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::forecast {
namespace {

Series DailyHours(size_t days, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> y;
  for (size_t i = 0; i < 24 * days; ++i) {
    y.push_back(100 + 30 * std::sin(2 * M_PI * static_cast<double>(i % 24) / 24) + 3 * rng.Normal());
  }
  return {.start = TimePoint{}, .step = std::chrono::hours(1), .values = std::move(y)};
}

TEST(MstlForecaster, AnUpdateThatMatchesTheForecastLeavesTheRestOfItInPlace) {
  MstlForecaster model;
  ASSERT_TRUE(model.Fit(DailyHours(10, 1), {.seasons = {24}}).has_value());
  ASSERT_TRUE(model.RollsForward());
  const std::vector<double> before = *model.Predict(30);
  // The observation the model expected: no error, so its state and the seasonal phase move on
  // exactly one step.
  ASSERT_TRUE(model.Update(before[0]).has_value());
  const std::vector<double> after = *model.Predict(29);
  for (size_t h = 0; h < after.size(); ++h) EXPECT_NEAR(after[h], before[h + 1], 1e-6) << h;
  // A gap moves the season on without touching the level.
  ASSERT_TRUE(model.Update(std::nan("")).has_value());
  const std::vector<double> skipped = *model.Predict(28);
  EXPECT_NEAR(skipped[0], after[1], 1e-6);
  EXPECT_FALSE(model.Update(INFINITY).has_value());
}

}  // namespace
}  // namespace forescale::forecast
