#include "forecast/backtest.h"

#include <gtest/gtest.h>

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

TEST(MaseScale, IsTheInSampleSeasonalNaiveMae) {
  EXPECT_DOUBLE_EQ(MaseScale({1, 2, 4, 7}, 1), 2.0);
  EXPECT_DOUBLE_EQ(MaseScale({1, 5, 2, 6, 3, 7}, 2), 1.0);
  EXPECT_DOUBLE_EQ(MaseScale({3, 3, 3}, 1), 0.0);
}

}  // namespace
}  // namespace forescale::forecast
