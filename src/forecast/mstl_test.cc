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

// Per-minute load over whole days: a smooth daily shape with Poisson-like noise, plus (when
// asked) a job that quadruples it for five minutes at 02:00 every day.
double DailyRate(size_t minute, bool with_job) {
  const double rate = 50 + 30 * std::sin(2 * M_PI * static_cast<double>(minute) / 1440);
  return with_job && minute >= 120 && minute < 125 ? 4 * rate : rate;
}

Series DailyMinutes(size_t days, bool with_job, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> y;
  for (size_t i = 0; i < 1440 * days; ++i) {
    const double rate = DailyRate(i % 1440, with_job);
    y.push_back(rate + std::sqrt(rate) * rng.Normal());
  }
  return {.start = TimePoint{}, .step = std::chrono::minutes(1), .values = std::move(y)};
}

TEST(MstlForecaster, TakesTheNoiseOutOfALongSeasonButKeepsADailyJob) {
  // Each minute-of-day's seasonal estimate rests on five days: carried forward as is, its noise
  // is repeated (mean absolute error 2.57 here); averaged over neighbouring minutes, the shape
  // is closer to the truth.
  MstlForecaster smooth;
  ASSERT_TRUE(smooth.Fit(DailyMinutes(5, false, 3), {.seasons = {1440}}).has_value());
  const std::vector<double> day = *smooth.Predict(1440);
  double error = 0;
  for (size_t m = 0; m < 1440; ++m) error += std::fabs(day[m] - DailyRate(m, false)) / 1440;
  EXPECT_LT(error, 2.0);
  // A five-minute job recurs every day: smoothing must not spread it over the half hour around.
  MstlForecaster job;
  ASSERT_TRUE(job.Fit(DailyMinutes(5, true, 3), {.seasons = {1440}}).has_value());
  const std::vector<double> with_job = *job.Predict(1440);
  for (size_t m = 120; m < 125; ++m) EXPECT_GT(with_job[m], 0.8 * DailyRate(m, true)) << m;
  EXPECT_LT(with_job[110], 1.2 * DailyRate(110, false));
  EXPECT_LT(with_job[135], 1.2 * DailyRate(135, false));
}

TEST(MstlForecaster, ArimaOnTheAdjustedSeriesFollowsItsShortTermDynamics) {
  // A daily season on an AR(1) that wanders far from its mean: after a run above it the
  // adjusted series' ARIMA forecasts the way back, ETS's level stays where it is.
  Rng rng(8);
  std::vector<double> y;
  double ar = 0;
  for (size_t i = 0; i < 1440 * 4; ++i) {
    ar = 0.95 * ar + rng.Normal();
    y.push_back(100 + 20 * std::sin(2 * M_PI * static_cast<double>(i % 1440) / 1440) + ar);
  }
  const Series history{.start = TimePoint{}, .step = std::chrono::minutes(1), .values = y};
  MstlForecaster arima(AdjustedModel::kArima);
  ASSERT_TRUE(arima.Fit(history, {.seasons = {1440}}).has_value());
  EXPECT_NE(arima.Name().find("mstl(1440)+arima("), std::string::npos) << arima.Name();
  // Far ahead the AR part has decayed: the forecast is the seasonal shape around 100.
  const std::vector<double> day = *arima.Predict(1440);
  for (size_t h : {600, 900, 1200}) {
    const size_t minute = (y.size() + h) % 1440;
    const double expected = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(minute) / 1440);
    EXPECT_NEAR(day[h], expected, 4.0) << h;
  }
  // Rolled forward by Extend() as by Update(): the same forecast.
  MstlForecaster one_by_one(AdjustedModel::kArima), at_once(AdjustedModel::kArima);
  const Series head = history.Slice(0, y.size() - 60);
  ASSERT_TRUE(one_by_one.Fit(head, {.seasons = {1440}}).has_value());
  ASSERT_TRUE(at_once.Fit(head, {.seasons = {1440}}).has_value());
  for (size_t i = y.size() - 60; i < y.size(); ++i) {
    ASSERT_TRUE(one_by_one.Update(y[i]).has_value());
  }
  ASSERT_TRUE(at_once.Extend(std::span<const double>(y).subspan(y.size() - 60)).has_value());
  const std::vector<double> a = *one_by_one.Predict(30), b = *at_once.Predict(30);
  for (size_t h = 0; h < a.size(); ++h) EXPECT_NEAR(a[h], b[h], 1e-9) << h;
}

}  // namespace
}  // namespace forescale::forecast
