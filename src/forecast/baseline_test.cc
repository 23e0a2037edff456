#include "forecast/baseline.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::forecast {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Series Make(std::vector<double> values) {
  return Series{.start = TimePoint{}, .step = std::chrono::hours(1), .values = std::move(values)};
}

TEST(Naive, RepeatsTheLastPresentValue) {
  NaiveForecaster model;
  ASSERT_TRUE(model.Fit(Make({1, 2, 3, kNaN}), {}).has_value());
  EXPECT_EQ(*model.Predict(3), (std::vector<double>{3, 3, 3}));
  ASSERT_TRUE(model.Update(7).has_value());
  EXPECT_EQ(*model.Predict(1), (std::vector<double>{7}));
}

TEST(Naive, RejectsAllMissingAndInfiniteHistories) {
  NaiveForecaster model;
  auto missing = model.Fit(Make({kNaN, kNaN}), {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("all missing"), std::string::npos);
  EXPECT_FALSE(model.Fit(Make({1, INFINITY}), {}).has_value());
  EXPECT_FALSE(model.Fit(Make({}), {}).has_value());
}

TEST(SeasonalNaive, RepeatsTheLastSeasonAndFillsItsGapsFromEarlierSeasons) {
  SeasonalNaiveForecaster model;
  // Period 3: seasons [1 2 3] [4 NaN 6]; the gap takes 2 from the season before.
  ASSERT_TRUE(model.Fit(Make({1, 2, 3, 4, kNaN, 6}), {.seasons = {3}}).has_value());
  EXPECT_EQ(model.Name(), "snaive(3)");
  EXPECT_EQ(*model.Predict(5), (std::vector<double>{4, 2, 6, 4, 2}));
}

TEST(SeasonalNaive, UpdateRollsTheSeasonOnAsARefitWould) {
  std::vector<double> y;
  for (size_t i = 0; i < 30; ++i) y.push_back(static_cast<double>(i % 7) + 0.1 * i);
  y[26] = kNaN;  // one missing: both keep the value a season before
  SeasonalNaiveForecaster rolled, refitted;
  ASSERT_TRUE(rolled.Fit(Make({y.begin(), y.begin() + 20}), {.seasons = {7}}).has_value());
  for (size_t i = 20; i < y.size(); ++i) ASSERT_TRUE(rolled.Update(y[i]).has_value());
  ASSERT_TRUE(refitted.Fit(Make(y), {.seasons = {7}}).has_value());
  EXPECT_TRUE(rolled.RollsForward());
  EXPECT_EQ(*rolled.Predict(10), *refitted.Predict(10));
}

TEST(SeasonalNaive, FallsBackToNaiveAndSaysSo) {
  SeasonalNaiveForecaster model;
  ASSERT_TRUE(model.Fit(Make({1, 2, 3}), {.seasons = {24}}).has_value());
  EXPECT_EQ(*model.Predict(2), (std::vector<double>{3, 3}));
  ASSERT_EQ(model.Notes().size(), 1u);
  EXPECT_NE(model.Notes()[0].find("shorter than one season"), std::string::npos);
}

TEST(Mean, ForecastsTheMeanOfThePresentValuesAndRollsOnAsARefitWould) {
  MeanForecaster rolled, refitted;
  ASSERT_TRUE(rolled.Fit(Make({1, kNaN, 5}), {}).has_value());
  EXPECT_EQ(*rolled.Predict(2), (std::vector<double>{3, 3}));
  ASSERT_TRUE(rolled.Update(kNaN).has_value());  // a missing value changes nothing
  ASSERT_TRUE(rolled.Update(9).has_value());
  EXPECT_TRUE(rolled.RollsForward());
  ASSERT_TRUE(refitted.Fit(Make({1, kNaN, 5, kNaN, 9}), {}).has_value());
  EXPECT_EQ(*rolled.Predict(3), *refitted.Predict(3));
  EXPECT_EQ(*rolled.Predict(1), (std::vector<double>{5}));
  EXPECT_FALSE(rolled.Update(INFINITY).has_value());
  EXPECT_FALSE(refitted.Fit(Make({kNaN}), {}).has_value());
}

TEST(MakeForecaster, KnowsEveryFamilyAndNamesTheUnknown) {
  for (std::string_view name : kModelNames) EXPECT_TRUE(MakeForecaster(name).has_value()) << name;
  auto unknown = MakeForecaster("lstm");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message().find("unknown model 'lstm'"), std::string::npos);
}

}  // namespace
}  // namespace forescale::forecast
