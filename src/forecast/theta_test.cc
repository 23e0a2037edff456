#include "forecast/theta.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::forecast {
namespace {

Series Make(std::vector<double> values) {
  return Series{.start = TimePoint{}, .step = std::chrono::hours(1), .values = std::move(values)};
}

TEST(Theta, ContinuesALinearTrendAtHalfItsSlopePlusTheLevel) {
  // y = 10 + 2t with small noise: SES tracks the level (alpha near 1), drift adds b/2 per step,
  // so the forecast grows about 1 per step (the Theta method's damped view of a trend).
  Rng rng(1);
  std::vector<double> y;
  for (int t = 0; t < 200; ++t) y.push_back(10 + 2 * t + 0.1 * rng.Normal());
  ThetaForecaster model;
  ASSERT_TRUE(model.Fit(Make(y), {}).has_value());
  auto f = *model.Predict(10);
  EXPECT_NEAR(f[0], y.back() + 1.0, 1.5);
  EXPECT_NEAR(f[9] - f[0], 9 * 1.0, 0.5);
  EXPECT_EQ(model.Name(), "theta");
}

TEST(Theta, ReseasonalisesMultiplicativelyForPositiveData) {
  std::vector<double> y;
  for (int t = 0; t < 24 * 14; ++t) y.push_back(100 + 50 * std::sin(2 * M_PI * t / 24));
  ThetaForecaster model;
  ASSERT_TRUE(model.Fit(Make(y), {.seasons = {24}}).has_value());
  EXPECT_EQ(model.Name(), "theta[24,mult]");
  auto f = *model.Predict(24);
  for (int h = 0; h < 24; ++h) {
    EXPECT_NEAR(f[h], 100 + 50 * std::sin(2 * M_PI * (24 * 14 + h) / 24), 5.0) << h;
  }
}

TEST(Theta, UpdateSmoothsTheNewValueIntoTheLevelWithoutRefitting) {
  Rng rng(3);
  std::vector<double> y;
  for (size_t i = 0; i < 200; ++i) y.push_back(100 + 5 * rng.Normal());
  ThetaForecaster model;
  ASSERT_TRUE(model.Fit(Make(y), {}).has_value());
  ASSERT_TRUE(model.RollsForward());
  const double before = (*model.Predict(1))[0];
  ASSERT_TRUE(model.Update(std::nan("")).has_value());  // a gap moves nothing but time
  ASSERT_TRUE(model.Update(200).has_value());
  const double after = (*model.Predict(1))[0];
  EXPECT_GT(after, before);
  EXPECT_LT(after, 200);
  EXPECT_FALSE(model.Update(INFINITY).has_value());
}

TEST(Theta, ConstantAndShortSeriesGiveFiniteForecasts) {
  ThetaForecaster model;
  ASSERT_TRUE(model.Fit(Make(std::vector<double>(50, 5.0)), {.seasons = {24}}).has_value());
  const std::vector<double> flat = *model.Predict(30);
  for (double v : flat) EXPECT_NEAR(v, 5.0, 1e-9);
  ASSERT_TRUE(model.Fit(Make({3}), {.seasons = {24}}).has_value());
  const std::vector<double> short_forecast = *model.Predict(3);
  for (double v : short_forecast) EXPECT_TRUE(std::isfinite(v));
  EXPECT_FALSE(model.Notes().empty());
}

}  // namespace
}  // namespace forescale::forecast
