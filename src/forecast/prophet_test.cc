#include "forecast/prophet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "core/rng.h"

namespace forescale::forecast {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTwoPi = 2 * std::numbers::pi;

Series Hourly(std::vector<double> values) {
  return Series{.start = TimePoint{}, .step = std::chrono::hours(1), .values = std::move(values)};
}

double MeanAbsoluteError(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

bool AnyNoteHas(const Forecaster& model, const std::string& text) {
  const auto& notes = model.Notes();
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// A daily and weekly pattern on a slow trend, as hourly web traffic looks.
double DailyWeekly(size_t i) {
  const double t = static_cast<double>(i);
  return 200 + 0.02 * t + 30 * std::sin(kTwoPi * t / 24) + 12 * std::cos(2 * kTwoPi * t / 24) +
         25 * std::sin(kTwoPi * t / 168) + 10 * std::cos(3 * kTwoPi * t / 168);
}

TEST(Prophet, RecoversLinearTrendWithOneSlopeChange) {
  Rng rng(7);
  constexpr size_t kN = 600;
  constexpr size_t kBreak = 300;
  auto truth = [](size_t i) {
    const double t = static_cast<double>(i);
    return i < kBreak ? 10 + 0.5 * t : 160 - 0.2 * (t - kBreak);
  };
  std::vector<double> y(kN);
  for (size_t i = 0; i < kN; ++i) y[i] = truth(i) + rng.Normal();
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {}).has_value());

  // The biggest slope change sits at the candidate nearest the true break.
  const auto& cps = model.changepoints();
  ASSERT_EQ(cps.size(), 25u);
  const auto biggest = std::max_element(cps.begin(), cps.end(), [](const auto& a, const auto& b) {
    return std::abs(a.slope_change) < std::abs(b.slope_change);
  });
  EXPECT_NEAR(static_cast<double>(biggest->step), static_cast<double>(kBreak), 20);
  double total_change = 0;
  for (const auto& cp : cps) total_change += cp.slope_change;
  EXPECT_NEAR(total_change, -0.7, 0.05);

  // The forecast continues the final slope from where the data ends.
  auto forecast = model.Predict(100);
  ASSERT_TRUE(forecast.has_value());
  EXPECT_NEAR(((*forecast)[99] - (*forecast)[0]) / 99, -0.2, 0.01);
  EXPECT_NEAR((*forecast)[0], truth(kN), 1.0);
  EXPECT_NEAR((*forecast)[99], truth(kN + 99), 2.0);
}

TEST(Prophet, RecoversDailyAndWeeklySeasonsOnHourlyData) {
  Rng rng(11);
  constexpr size_t kN = 8 * 168;
  std::vector<double> y(kN);
  for (size_t i = 0; i < kN; ++i) y[i] = DailyWeekly(i) + 5 * rng.Normal();
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {.seasons = {24, 168}}).has_value());
  EXPECT_TRUE(model.Notes().empty()) << model.Notes().front();

  auto forecast = model.Predict(168);
  ASSERT_TRUE(forecast.has_value());
  std::vector<double> truth(168);
  for (size_t h = 0; h < 168; ++h) truth[h] = DailyWeekly(kN + h);
  // Noise sd 5 on a swing of +-75: the mean must come back to within a fraction of the noise.
  EXPECT_LT(MeanAbsoluteError(*forecast, truth), 2.0);

  // Without the seasons the same model cannot follow the pattern at all.
  ProphetForecaster plain;
  ASSERT_TRUE(plain.Fit(Hourly(y), {}).has_value());
  EXPECT_GT(MeanAbsoluteError(*plain.Predict(168), truth), 15.0);
}

TEST(Prophet, EstimatesLiftOfEventSeenInHistory) {
  Rng rng(3);
  constexpr size_t kN = 4 * 168;
  constexpr double kLift = 50;
  Regressors events{
      .names = {"campaign"}, .columns = {std::vector<double>(kN + 48, 0)}, .expected_lift = {kNaN}};
  for (size_t start : {100u, 290u, 433u, 610u}) {
    for (size_t i = start; i < start + 8; ++i) events.columns[0][i] = 1;
  }
  for (size_t i = kN + 10; i < kN + 16; ++i) events.columns[0][i] = 1;
  std::vector<double> y(kN);
  for (size_t i = 0; i < kN; ++i) {
    y[i] = 100 + 20 * std::sin(kTwoPi * static_cast<double>(i) / 24) +
           kLift * events.columns[0][i] + 3 * rng.Normal();
  }
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {.seasons = {24}, .regressors = &events}).has_value());
  ASSERT_EQ(model.event_coefficients().size(), 1u);
  EXPECT_NEAR(model.event_coefficients()[0], kLift, 0.05 * kLift);

  auto forecast = model.Predict(48);
  ASSERT_TRUE(forecast.has_value());
  for (size_t h = 0; h < 48; ++h) {
    const double base = 100 + 20 * std::sin(kTwoPi * static_cast<double>(kN + h) / 24);
    const double expected = base + kLift * events.columns[0][kN + h];
    EXPECT_NEAR((*forecast)[h], expected, 4.0) << "h=" << h;
  }
}

TEST(Prophet, ExpectedLiftOfUnseenEventDoublesItsFutureWindow) {
  Rng rng(5);
  constexpr size_t kN = 3 * 168;
  std::vector<double> y(kN);
  for (size_t i = 0; i < kN; ++i) {
    y[i] = 300 + 50 * std::sin(kTwoPi * static_cast<double>(i) / 24) + 4 * rng.Normal();
  }
  Regressors events{
      .names = {"launch"}, .columns = {std::vector<double>(kN + 48, 0)}, .expected_lift = {1.0}};
  for (size_t i = kN + 10; i < kN + 20; ++i) events.columns[0][i] = 1;

  ProphetForecaster with_event;
  ASSERT_TRUE(with_event.Fit(Hourly(y), {.seasons = {24}, .regressors = &events}).has_value());
  EXPECT_TRUE(AnyNoteHas(with_event, "expected lift")) << "the fallback must be reported";
  EXPECT_TRUE(std::isnan(with_event.event_coefficients()[0]));
  ProphetForecaster without;
  ASSERT_TRUE(without.Fit(Hourly(y), {.seasons = {24}}).has_value());

  auto lifted = with_event.Predict(48);
  auto base = without.Predict(48);
  ASSERT_TRUE(lifted.has_value());
  ASSERT_TRUE(base.has_value());
  for (size_t h = 0; h < 48; ++h) {
    const double ratio = (*lifted)[h] / (*base)[h];
    EXPECT_NEAR(ratio, h >= 10 && h < 20 ? 2.0 : 1.0, 1e-9) << "h=" << h;
  }
  // Past the end of the column the event is inactive.
  auto longer = with_event.Predict(60);
  ASSERT_TRUE(longer.has_value());
  EXPECT_TRUE(
      std::all_of(longer->begin(), longer->end(), [](double v) { return std::isfinite(v); }));
}

TEST(Prophet, NotesEventThatCannotAffectTheForecast) {
  std::vector<double> y(200, 10);
  Regressors events{
      .names = {"mystery"}, .columns = {std::vector<double>(260, 0)}, .expected_lift = {kNaN}};
  events.columns[0][230] = 1;
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {.regressors = &events}).has_value());
  EXPECT_TRUE(AnyNoteHas(model, "cannot affect the forecast"));
  auto forecast = model.Predict(60);
  ASSERT_TRUE(forecast.has_value());
  for (double v : *forecast) EXPECT_NEAR(v, 10, 1e-9);
}

TEST(Prophet, ShortOrNonFiniteEventColumnsCountAsInactive) {
  std::vector<double> y(300);
  for (size_t i = 0; i < y.size(); ++i) y[i] = i >= 100 && i < 110 ? 30 : 10;
  // Covers only part of the history, holds a NaN, and has no future rows.
  Regressors events{
      .names = {"sale"}, .columns = {std::vector<double>(150, 0)}, .expected_lift = {kNaN}};
  for (size_t i = 100; i < 110; ++i) events.columns[0][i] = 1;
  events.columns[0][120] = kNaN;
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {.regressors = &events}).has_value());
  EXPECT_TRUE(AnyNoteHas(model, "non-finite"));
  EXPECT_TRUE(AnyNoteHas(model, "150 rows for 300 history steps"));
  EXPECT_TRUE(AnyNoteHas(model, "no rows past the history"));
  EXPECT_NEAR(model.event_coefficients()[0], 20, 0.5);
  auto forecast = model.Predict(20);
  ASSERT_TRUE(forecast.has_value());
  for (double v : *forecast) EXPECT_NEAR(v, 10, 0.5);
}

TEST(Prophet, DropsMissingRowsWithoutBias) {
  Rng rng(13);
  constexpr size_t kN = 6 * 168;
  std::vector<double> full(kN);
  for (size_t i = 0; i < kN; ++i) full[i] = DailyWeekly(i) + 3 * rng.Normal();
  // A quarter of the steps missing at random, a two-day outage, and every afternoon peak of the
  // first week missing: reading NaN as 0 or as a row would drag the fit down.
  std::vector<double> gappy = full;
  for (size_t i = 0; i < kN; ++i) {
    if (rng.Uniform() < 0.25) gappy[i] = kNaN;
  }
  for (size_t i = 400; i < 448; ++i) gappy[i] = kNaN;
  for (size_t day = 0; day < 7; ++day) {
    for (size_t h = 4; h < 8; ++h) gappy[day * 24 + h] = kNaN;
  }
  gappy[kN - 1] = kNaN;  // a missing last step must not shift the forecast's time axis

  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(gappy), {.seasons = {24, 168}}).has_value());
  auto forecast = model.Predict(168);
  ASSERT_TRUE(forecast.has_value());
  double bias = 0;
  std::vector<double> truth(168);
  for (size_t h = 0; h < 168; ++h) {
    truth[h] = DailyWeekly(kN + h);
    bias += (*forecast)[h] - truth[h];
  }
  bias /= 168;
  EXPECT_LT(std::abs(bias), 1.0);
  EXPECT_LT(MeanAbsoluteError(*forecast, truth), 2.0);

  ProphetForecaster complete;
  ASSERT_TRUE(complete.Fit(Hourly(full), {.seasons = {24, 168}}).has_value());
  EXPECT_LT(MeanAbsoluteError(*forecast, *complete.Predict(168)), 1.5);
}

TEST(Prophet, ConstantSeriesGivesFlatFiniteForecast) {
  for (bool multiplicative : {false, true}) {
    SCOPED_TRACE(multiplicative ? "multiplicative" : "additive");
    ProphetForecaster model({.multiplicative = multiplicative});
    ASSERT_TRUE(model.Fit(Hourly(std::vector<double>(500, 42.0)), {.seasons = {24}}).has_value());
    auto forecast = model.Predict(1000);
    ASSERT_TRUE(forecast.has_value());
    ASSERT_EQ(forecast->size(), 1000u);
    for (double v : *forecast) EXPECT_NEAR(v, 42.0, 1e-9);
  }
  // All zeros: multiplicative mode needs its offset and still returns zeros.
  ProphetForecaster zeros({.multiplicative = true});
  ASSERT_TRUE(zeros.Fit(Hourly(std::vector<double>(100, 0.0)), {}).has_value());
  auto zero_forecast = zeros.Predict(10);
  ASSERT_TRUE(zero_forecast.has_value());
  for (double v : *zero_forecast) EXPECT_NEAR(v, 0.0, 1e-9);
}

TEST(Prophet, MultiplicativeBeatsAdditiveWhenAmplitudeScalesWithLevel) {
  Rng rng(17);
  constexpr size_t kN = 28 * 24;
  constexpr size_t kH = 48;
  auto truth = [](size_t i) {
    const double t = static_cast<double>(i);
    const double level = 50 * std::exp(std::log(3.0) * t / kN);  // triples over the history
    return level * (1 + 0.5 * std::sin(kTwoPi * t / 24));
  };
  std::vector<double> y(kN);
  for (size_t i = 0; i < kN; ++i) y[i] = truth(i) * std::exp(0.03 * rng.Normal());
  std::vector<double> future(kH);
  for (size_t h = 0; h < kH; ++h) future[h] = truth(kN + h);

  ProphetForecaster additive;
  ProphetForecaster multiplicative({.multiplicative = true});
  ASSERT_TRUE(additive.Fit(Hourly(y), {.seasons = {24}}).has_value());
  ASSERT_TRUE(multiplicative.Fit(Hourly(y), {.seasons = {24}}).has_value());
  EXPECT_EQ(multiplicative.Name(), "prophet(multiplicative)");
  EXPECT_EQ(additive.Name(), "prophet");
  const double mae_additive = MeanAbsoluteError(*additive.Predict(kH), future);
  const double mae_multiplicative = MeanAbsoluteError(*multiplicative.Predict(kH), future);
  EXPECT_LT(mae_multiplicative, 0.5 * mae_additive)
      << "additive " << mae_additive << ", multiplicative " << mae_multiplicative;
}

TEST(Prophet, NotesSeasonTooLongForTheHistory) {
  std::vector<double> y(200);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 10 + std::sin(kTwoPi * static_cast<double>(i) / 24);
  ProphetForecaster model;
  ASSERT_TRUE(model.Fit(Hourly(y), {.seasons = {24, 168}}).has_value());
  ASSERT_EQ(model.Notes().size(), 1u);
  EXPECT_THAT(model.Notes()[0], HasSubstr("season 168 skipped"));
  auto forecast = model.Predict(24);
  ASSERT_TRUE(forecast.has_value());
  for (size_t h = 0; h < 24; ++h) {
    EXPECT_NEAR((*forecast)[h], 10 + std::sin(kTwoPi * static_cast<double>(200 + h) / 24), 0.05);
  }
}

TEST(Prophet, ShortHistoriesStillForecastFinitely) {
  for (size_t n : {1u, 2u, 3u, 10u}) {
    SCOPED_TRACE(n);
    std::vector<double> y(n);
    for (size_t i = 0; i < n; ++i) y[i] = 5 + static_cast<double>(i);
    ProphetForecaster model;
    ASSERT_TRUE(model.Fit(Hourly(y), {.seasons = {24}}).has_value());
    auto forecast = model.Predict(30);
    ASSERT_TRUE(forecast.has_value());
    ASSERT_EQ(forecast->size(), 30u);
    for (double v : *forecast) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(Prophet, PredictBeforeFitAndBadOptionsAreErrors) {
  ProphetForecaster unfitted;
  EXPECT_FALSE(unfitted.Predict(3).has_value());
  EXPECT_TRUE(unfitted.changepoints().empty());
  ProphetForecaster bad({.changepoint_range = 1.5});
  EXPECT_FALSE(bad.Fit(Hourly({1, 2, 3}), {}).has_value());
  ProphetForecaster all_missing;
  EXPECT_FALSE(all_missing.Fit(Hourly({kNaN, kNaN}), {}).has_value());
}

}  // namespace
}  // namespace forescale::forecast
