#include "forecast/online.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "forecast/ets.h"

namespace forescale::forecast {
namespace {

TEST(OnlineForecaster, UpdatesEachStepAndRefitsPeriodically) {
  Rng rng(9);
  std::vector<double> y;
  for (int t = 0; t < 600; ++t) y.push_back(100 + 0.1 * t + rng.Normal());
  Series history{.start = TimePoint{}, .step = std::chrono::minutes(1),
                 .values = std::vector<double>(y.begin(), y.begin() + 400)};
  OnlineForecaster online(std::make_unique<EtsForecaster>(), {.refit_every = 50});
  ASSERT_TRUE(online.Start(history, {}).has_value());
  for (size_t t = 400; t < 600; ++t) ASSERT_TRUE(online.Observe(y[t]).has_value());
  EXPECT_EQ(online.observations(), 200u);
  EXPECT_EQ(online.refits(), 4u);
  // The forecast follows the trend to where the series is now, not where it was at the start.
  const std::vector<double> next = *online.Predict(1);
  EXPECT_NEAR(next[0], 100 + 0.1 * 600, 3.0);
}

TEST(OnlineForecaster, MissingObservationsAdvanceTimeWithoutBreakingTheState) {
  Series history{.start = TimePoint{}, .step = std::chrono::minutes(1),
                 .values = std::vector<double>(100, 5.0)};
  OnlineForecaster online(std::make_unique<EtsForecaster>(), {.refit_every = 0});
  ASSERT_TRUE(online.Start(history, {}).has_value());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(online.Observe(NAN).has_value());
  const std::vector<double> next = *online.Predict(3);
  for (double v : next) EXPECT_NEAR(v, 5.0, 1e-6);
  EXPECT_EQ(online.refits(), 0u);
}

TEST(OnlineForecaster, BoundedHistoryKeepsTheWindow) {
  Series history{.start = TimePoint{}, .step = std::chrono::minutes(1),
                 .values = std::vector<double>(100, 1.0)};
  OnlineForecaster online(std::make_unique<EtsForecaster>(), {.refit_every = 10, .max_history = 120});
  ASSERT_TRUE(online.Start(history, {}).has_value());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(online.Observe(2.0).has_value());
  const std::vector<double> next = *online.Predict(1);
  EXPECT_NEAR(next[0], 2.0, 0.3);
}

}  // namespace
}  // namespace forescale::forecast
