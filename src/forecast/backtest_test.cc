#include "forecast/backtest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace forescale::forecast {
namespace {

TEST(Backtest, FoldsNeverSeeTheirFuture) {
  // A series that jumps at the last fold's origin: naive cannot know, so that fold errs by
  // exactly the jump while the others are exact.
  std::vector<double> y(100, 1.0);
  for (size_t i = 90; i < 100; ++i) y[i] = 11.0;
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(1), .values = y};
  auto bt = Backtest(s, {}, "naive", {.horizon = 10, .folds = 3});
  ASSERT_TRUE(bt.has_value()) << bt.error().message();
  ASSERT_EQ(bt->folds.size(), 3u);
  EXPECT_EQ(bt->folds[0].origin, 70u);
  EXPECT_EQ(bt->folds[2].origin, 90u);
  EXPECT_EQ(bt->folds[2].mean, std::vector<double>(10, 1.0));
  EXPECT_EQ(bt->folds[2].actual, std::vector<double>(10, 11.0));
  EXPECT_EQ(bt->folds[1].mean, std::vector<double>(10, 1.0));
}

// A history that ends in an outage, with a gap in the logs before it: each fold is the latest
// 10-step window at least half observed, so none is scored on the outage or on the gap alone.
TEST(Backtest, FoldsPassOverAnOutageAtTheEndAndAGapBefore) {
  std::vector<double> y(200, 5.0);
  for (size_t i = 180; i < 200; ++i) y[i] = NAN;  // the outage
  for (size_t i = 150; i < 160; ++i) y[i] = NAN;  // the gap
  // [175, 185): 5 observed steps before the outage; [165, 175): all; [155, 165): 5 after the gap.
  EXPECT_EQ(FoldOrigins(y, {.horizon = 10, .folds = 3}, 2), (std::vector<size_t>{155, 165, 175}));
  // One more missing step: [175, 185) holds 4, so the window moves back a step, to [174, 184);
  // then [164, 174), and [154, 164) holds 4, so back to [145, 155), before the gap.
  y[179] = NAN;
  EXPECT_EQ(FoldOrigins(y, {.horizon = 10, .folds = 3}, 2), (std::vector<size_t>{145, 164, 174}));
  auto bt = Backtest({.start = TimePoint{}, .step = std::chrono::minutes(1), .values = y}, {},
                     "naive", {.horizon = 10, .folds = 3});
  ASSERT_TRUE(bt.has_value()) << bt.error().message();
  ASSERT_EQ(bt->folds.size(), 3u);
  for (const FoldForecast& fold : bt->folds) {
    const auto observed = std::count_if(fold.actual.begin(), fold.actual.end(),
                                        [](double v) { return !std::isnan(v); });
    EXPECT_GE(observed, 5) << fold.origin;
  }

  std::vector<double> outage(50, NAN);
  outage[0] = 1;
  auto none = Backtest({.start = TimePoint{}, .step = std::chrono::minutes(1), .values = outage},
                       {}, "naive", {.horizon = 10, .folds = 3});
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message().find("half observed"), std::string::npos);
}

TEST(Backtest, TooShortHistoryIsAnError) {
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(1), .values = {1, 2, 3}};
  auto bt = Backtest(s, {}, "naive", {.horizon = 10, .folds = 3});
  ASSERT_FALSE(bt.has_value());
  EXPECT_NE(bt.error().message().find("too short"), std::string::npos);
}

TEST(Score, MaseAndPinballAreScaledAndMissingActualsSkipped) {
  FoldForecast fold{.origin = 0, .actual = {10, NAN, 14}, .mean = {11, 0, 11}};
  FoldQuantiles q;
  q[0.9] = {{12, 0, 12}};
  q[0.1] = {{9, 0, 9}};
  const Scores s = Score({fold}, q, /*scale=*/2.0);
  EXPECT_EQ(s.points, 2u);
  EXPECT_DOUBLE_EQ(s.mae, 2.0);
  EXPECT_DOUBLE_EQ(s.mase, 1.0);
  // q0.9 at 12: y=10 -> 0.1*2 = 0.2; y=14 -> 0.9*2 = 1.8; mean 1.0, scaled by 2 -> 0.5.
  EXPECT_DOUBLE_EQ(s.pinball.at(0.9), 0.5);
  EXPECT_DOUBLE_EQ(s.coverage80, 0.5);
}

TEST(Backtest, RegressorRowsFollowATrainingWindowThatStartsLate) {
  // A job adds 40 every 50th hour for 5 hours. The folds fit on the last 200 steps before their
  // origin, so row 0 of what the model sees is step origin - 200, not step 0.
  const size_t n = 700, horizon = 24;
  Regressors events{.names = {"job"}, .columns = {std::vector<double>(n, 0.0)},
                    .expected_lift = {NAN}};
  std::vector<double> y(n, 10.0);
  for (size_t i = 0; i < n; ++i) {
    if (i % 50 < 5) {
      events.columns[0][i] = 1;
      y[i] += 40;
    }
  }
  Series s{.start = TimePoint{}, .step = std::chrono::hours(1), .values = y};
  auto bt = Backtest(s, {.seasons = {}, .regressors = &events}, "prophet",
                     {.horizon = horizon, .folds = 3, .max_train = 200});
  ASSERT_TRUE(bt.has_value()) << bt.error().message();
  for (const FoldForecast& fold : bt->folds) {
    for (size_t j = 0; j < horizon; ++j) EXPECT_NEAR(fold.mean[j], fold.actual[j], 1.0) << j;
  }
}

TEST(Backtest, RollsAnEtsFitForwardUntilHalfItsWindowIsNew) {
  std::vector<double> y;
  for (size_t i = 0; i < 400; ++i) y.push_back(100 + 10 * std::sin(0.3 * i) + (i % 7));
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(1), .values = y};
  // Origins 300, 325, 350, 375 with windows of 60: the fit at 300 rolls on to 325; at 350, 50
  // new steps are more than half its window, so it refits there, and that fit rolls to 375.
  auto bt = Backtest(s, {}, "ets", {.horizon = 25, .folds = 4, .max_train = 60});
  ASSERT_TRUE(bt.has_value()) << bt.error().message();
  ASSERT_EQ(bt->folds.size(), 4u);
  auto fit_then_roll = [&](size_t from, size_t to, size_t origin) {
    auto model = std::move(*MakeForecaster("ets"));
    Series window{.start = s.TimeAt(from), .step = s.step,
                  .values = std::vector<double>(y.begin() + from, y.begin() + to)};
    EXPECT_TRUE(model->Fit(window, {}).has_value());
    for (size_t i = to; i < origin; ++i) EXPECT_TRUE(model->Update(y[i]).has_value());
    return *model->Predict(25);
  };
  EXPECT_EQ(bt->folds[1].mean, fit_then_roll(240, 300, 325));
  EXPECT_EQ(bt->folds[2].mean, fit_then_roll(290, 350, 350));
  EXPECT_EQ(bt->folds[3].mean, fit_then_roll(290, 350, 375));
}

TEST(Score, FoldGeometricMeanWeighsEveryFoldAlike) {
  // One fold errs by 100, one by 1: the plain MASE is their mean, the fold geometric mean 10.
  FoldForecast loud{.origin = 0, .actual = {100, 100}, .mean = {0, 0}};
  FoldForecast quiet{.origin = 2, .actual = {1, 1}, .mean = {0, 0}};
  const Scores s = Score({loud, quiet}, {}, /*scale=*/1.0);
  EXPECT_DOUBLE_EQ(s.mase, 50.5);
  EXPECT_NEAR(s.fold_mase_gmean, 10.0, 1e-12);
  // A fold with one scored step (the rest missing) weighs a quarter of one with four.
  FoldForecast gappy{.origin = 6, .actual = {100, NAN, NAN, NAN}, .mean = {0, 0, 0, 0}};
  FoldForecast full{.origin = 10, .actual = {1, 1, 1, 1}, .mean = {0, 0, 0, 0}};
  EXPECT_NEAR(Score({gappy, full}, {}, 1.0).fold_mase_gmean, std::pow(100.0, 0.2), 1e-12);
  // An exact fold is floored, not zero: the score stays finite and orders models.
  FoldForecast exact{.origin = 4, .actual = {1, 1}, .mean = {1, 1}};
  EXPECT_NEAR(Score({exact}, {}, 1.0).fold_mase_gmean, 1e-6, 1e-18);
}

TEST(MaseScale, IsTheInSampleSeasonalNaiveMae) {
  EXPECT_DOUBLE_EQ(MaseScale({1, 2, 4, 7}, 1), 2.0);
  EXPECT_DOUBLE_EQ(MaseScale({1, 5, 2, 6, 3, 7}, 2), 1.0);
  EXPECT_DOUBLE_EQ(MaseScale({3, 3, 3}, 1), 0.0);
}

}  // namespace
}  // namespace forescale::forecast
