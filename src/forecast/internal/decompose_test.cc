#include "forecast/internal/decompose.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace forescale::forecast::internal {
namespace {

TEST(SmoothSeasonal, AveragesNeighbouringPhasesAcrossTheEndsOfTheCycle) {
  // One cycle of 6: each value becomes the mean of itself and its neighbours, wrapping around.
  const std::vector<double> cycle = {6, 0, 0, 0, 0, 0};
  const std::vector<double> smooth = SmoothSeasonal(cycle, 6, 3);
  const std::vector<double> expected = {2, 2, 0, 0, 0, 2};
  ASSERT_EQ(smooth.size(), expected.size());
  for (size_t i = 0; i < smooth.size(); ++i) EXPECT_NEAR(smooth[i], expected[i], 1e-12) << i;
  // A series of two cycles: its newest value's window reaches past the end into the phase one
  // period back, so the last cycle is smoothed exactly as the one before it.
  const std::vector<double> two = {6, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0};
  const std::vector<double> s2 = SmoothSeasonal(two, 6, 3);
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(s2[i + 6], expected[i], 1e-12) << i;
  EXPECT_EQ(SmoothSeasonal(cycle, 6, 1), cycle);
}

TEST(SmoothSeasonal, TakesOutPhaseNoiseAndKeepsASmoothShape) {
  // A daily shape of minutes estimated with noise at every phase, as from a few cycles.
  const size_t p = 1440;
  uint64_t state = 7;
  auto noise = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  std::vector<double> truth(p), noisy(p);
  for (size_t i = 0; i < p; ++i) {
    truth[i] = 10 * std::sin(2 * M_PI * static_cast<double>(i) / static_cast<double>(p));
    noisy[i] = truth[i] + 4 * noise();
  }
  const size_t window = WidestSeasonWindow(p);
  EXPECT_EQ(window, 29u);
  EXPECT_EQ(WidestSeasonWindow(288), 5u);
  EXPECT_EQ(WidestSeasonWindow(24), 1u);
  const std::vector<double> smooth = SmoothSeasonal(noisy, p, window);
  double before = 0, after = 0;
  for (size_t i = 0; i < p; ++i) {
    before += std::pow(noisy[i] - truth[i], 2);
    after += std::pow(smooth[i] - truth[i], 2);
  }
  // Averaging 29 phases divides the noise variance by about 29; the sine barely bends.
  EXPECT_LT(after, before / 15);
}

// Five days of minutes: a smooth daily shape with noise, optionally a five-minute job at 02:00.
std::vector<double> DailyMinutes(bool with_job) {
  uint64_t state = 11;
  auto noise = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  std::vector<double> x;
  for (size_t i = 0; i < 5 * 1440; ++i) {
    const size_t minute = i % 1440;
    double v = 10 * std::sin(2 * M_PI * static_cast<double>(minute) / 1440) + 6 * noise();
    if (with_job && minute >= 120 && minute < 125) v += 40;
    x.push_back(v);
  }
  return x;
}

TEST(CrossValidatedSeasonWindow, NoiseAloneChoosesTheWidestWindow) {
  EXPECT_EQ(CrossValidatedSeasonWindow(DailyMinutes(false), 1440, 29), 23u);  // 1, 3, 5, ... 23
}

TEST(CrossValidatedSeasonWindow, ARecurringSharpFeatureKeepsANarrowWindow) {
  // Smoothing over more than a few minutes would spread the job over the half hour around it.
  EXPECT_LE(CrossValidatedSeasonWindow(DailyMinutes(true), 1440, 29), 5u);
}

TEST(CrossValidatedSeasonWindow, NeedsThreeCycles) {
  const std::vector<double> two_days(2 * 1440, 1.0);
  EXPECT_EQ(CrossValidatedSeasonWindow(two_days, 1440, 29), 1u);
  EXPECT_EQ(CrossValidatedSeasonWindow(DailyMinutes(false), 1440, 1), 1u);
}

TEST(Mstl, SeparatesTwoSeasonsFromATrend) {
  // A daily sine and a weekly step (high on the 7th day) on a linear trend, four weeks.
  auto daily = [](int t) { return 10 * std::sin(2 * M_PI * t / 24); };
  auto weekly = [](int t) { return (t / 24) % 7 == 6 ? 8.0 : -8.0 / 6; };
  std::vector<double> y;
  for (int t = 0; t < 24 * 7 * 4; ++t) y.push_back(0.05 * t + daily(t) + weekly(t));
  const Decomposition d = Mstl(y, {168, 24});
  ASSERT_EQ(d.periods, (std::vector<size_t>{24, 168}));
  ASSERT_EQ(d.seasonal.size(), 2u);
  double max_remainder = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const int t = static_cast<int>(i);
    EXPECT_NEAR(d.trend[i] + d.seasonal[0][i] + d.seasonal[1][i] + d.remainder[i], y[i], 1e-9);
    EXPECT_NEAR(d.seasonal[0][i], daily(t), 0.3) << i;
    // Loess rounds the corners of the weekly step, so its error is larger.
    EXPECT_NEAR(d.seasonal[1][i], weekly(t), 1.0) << i;
    if (i < 168 || i + 168 >= y.size()) continue;  // the trend is extrapolated at the ends
    EXPECT_NEAR(d.trend[i], 0.05 * t, 0.05) << i;
    max_remainder = std::max(max_remainder, std::fabs(d.remainder[i]));
  }
  EXPECT_LT(max_remainder, 1.0);
}

TEST(Mstl, DropsPeriodsNotHeldMoreThanTwice) {
  const std::vector<double> y(48, 1.0);
  const Decomposition d = Mstl(y, {24, 12});
  EXPECT_EQ(d.periods, (std::vector<size_t>{12}));
  ASSERT_EQ(d.seasonal.size(), 1u);
  const Decomposition none = Mstl(y, {24});
  EXPECT_TRUE(none.periods.empty());
  EXPECT_EQ(none.trend, y);
}

// Produced with R 4.2.2 and forecast 8.20:
//   y <- sapply(0:119, function(t) 0.1 * t + 3 * sin(2 * pi * t / 4) +
//                                  ((t %/% 4) %% 5 == 0) * 6 + sin(0.7 * t * t))
//   m <- mstl(msts(y, seasonal.periods = c(4, 20)))
//   idx <- c(1:3, 58:62, 118:120); m[idx, c("Trend", "Seasonal4", "Seasonal20")]
TEST(Mstl, MatchesRsMstl) {
  std::vector<double> y;
  for (int t = 0; t < 120; ++t) {
    y.push_back(0.1 * t + 3 * std::sin(2 * M_PI * t / 4) + ((t / 4) % 5 == 0 ? 6 : 0) +
                std::sin(0.7 * t * t));
  }
  const std::vector<size_t> index = {0, 1, 2, 57, 58, 59, 60, 61, 117, 118, 119};
  const std::vector<double> trend = {1.158019661308,  1.270438877070, 1.382858092833,
                                     6.875719862244,  7.000002831660, 7.124285801076,
                                     7.248568770493,  7.350045198268, 12.958059681773,
                                     13.066886106125, 13.175712530477};
  const std::vector<double> s4 = {-0.130565949880, 2.839438881974,  0.046526321535, 2.767341744972,
                                  -0.105251232598, -3.017816734147, 0.376347356387, 2.683842384625,
                                  3.094439363598,  0.129654121042,  -3.174748862019};
  const std::vector<double> s20 = {4.904408338114,  5.199873373264,  5.028364604772,
                                   -0.818066769849, -1.433817176600, -1.220404969057,
                                   4.951565050151,  5.133650638327,  -0.827984408046,
                                   -1.407144268951, -1.282190321039};
  const Decomposition d = Mstl(y, {4, 20});
  ASSERT_EQ(d.seasonal.size(), 2u);
  for (size_t k = 0; k < index.size(); ++k) {
    EXPECT_NEAR(d.trend[index[k]], trend[k], 1e-9) << index[k];
    EXPECT_NEAR(d.seasonal[0][index[k]], s4[k], 1e-9) << index[k];
    EXPECT_NEAR(d.seasonal[1][index[k]], s20[k], 1e-9) << index[k];
  }
}

}  // namespace
}  // namespace forescale::forecast::internal
