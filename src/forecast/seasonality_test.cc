#include "forecast/seasonality.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::forecast {
namespace {

TEST(DetectSeasons, FindsDailyAndWeeklyCyclesInHourlyData) {
  Rng rng(2);
  Series s{.start = TimePoint{}, .step = std::chrono::hours(1), .values = {}};
  for (int t = 0; t < 24 * 7 * 6; ++t) {
    const double daily = 30 * std::sin(2 * M_PI * t / 24);
    const double weekly = (t / 24) % 7 >= 5 ? -40 : 0;  // quiet weekends
    s.values.push_back(200 + daily + weekly + 5 * rng.Normal());
  }
  const auto candidates = DetectSeasons(s);
  EXPECT_EQ(KeptPeriods(candidates), (std::vector<size_t>{24, 168}));
  for (const auto& c : candidates) EXPECT_GT(c.strength, 0.5) << c.period;
}

TEST(DetectSeasons, KeepsNothingInWhiteNoiseAndSkipsTooShortHistories) {
  Rng rng(3);
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(1), .values = {}};
  for (int t = 0; t < 3 * 1440; ++t) s.values.push_back(100 + 10 * rng.Normal());
  const auto candidates = DetectSeasons(s);
  EXPECT_TRUE(KeptPeriods(candidates).empty());
  ASSERT_EQ(candidates.size(), 3u);  // hour, day, week of minutes
  EXPECT_LT(candidates[0].strength, 0.1);
  EXPECT_TRUE(std::isnan(candidates[2].strength));  // three days hold no two weeks
}

TEST(DetectSeasons, ToleratesGaps) {
  Series s{.start = TimePoint{}, .step = std::chrono::hours(1), .values = {}};
  for (int t = 0; t < 24 * 10; ++t) s.values.push_back(50 + 20 * std::cos(2 * M_PI * t / 24));
  for (int t = 100; t < 130; ++t) s.values[t] = NAN;
  EXPECT_EQ(KeptPeriods(DetectSeasons(s)), (std::vector<size_t>{24}));
}

}  // namespace
}  // namespace forescale::forecast
