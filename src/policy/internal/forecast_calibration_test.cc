#include "policy/internal/forecast_calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

namespace forescale::policy::internal {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::hours(24 * 20000)};

// Minute m's load is actual(m); the policy forecast forecast(m) for the 15 s window that starts
// at minute m, and the pipeline has delivered everything up to the end of minute m (bucket
// means at 1 min).
void Replay(ForecastCalibration& c, size_t minutes, const std::function<double(size_t)>& forecast,
            const std::function<double(size_t)>& actual) {
  Series delivered{.start = kStart, .step = 1min};
  for (size_t m = 0; m < minutes; ++m) {
    const TimePoint from = kStart + std::chrono::minutes(m);
    c.Expect(from, from + 15s, forecast(m));
    delivered.values.push_back(actual(m));
    c.Observe(delivered);
  }
}

// A deterministic spread of scores in [-1, 1): the golden-ratio sequence.
double Spread(size_t m) { return 2 * std::fmod(static_cast<double>(m) * 0.6180339887, 1.0) - 1; }

TEST(ForecastCalibration, NoBoundUntilEnoughForecastsWereScored) {
  ForecastCalibration c(72h, 200, 1);
  Replay(
      c, 199, [](size_t) { return 100.0; }, [](size_t m) { return 100 + 10 * Spread(m); });
  EXPECT_EQ(c.scores(), 199u);
  EXPECT_FALSE(c.Upper(100, 0.9));
  Replay(
      c, 1, [](size_t) { return 100.0; }, [](size_t) { return 100.0; });
  // The new run restarts the delivered series: its first window is scored too.
  EXPECT_EQ(c.scores(), 200u);
  EXPECT_TRUE(c.Upper(100, 0.9));
}

TEST(ForecastCalibration, BoundCoversTheQuantileOfPastMisses) {
  // Misses of 10 * Spread at a forecast of 100: scores Spread(m) * 10 / sqrt(100) = Spread(m),
  // uniform on [-1, 1), so the 0.9 quantile is 0.8 and the bound 100 + 0.8 * 10 = 108.
  ForecastCalibration c(72h, 200, 1);
  Replay(
      c, 2000, [](size_t) { return 100.0; }, [](size_t m) { return 100 + 10 * Spread(m); });
  ASSERT_TRUE(c.Upper(100, 0.9));
  EXPECT_NEAR(*c.Upper(100, 0.9), 108, 0.3);
  // The same misses in units of sqrt(level): at a forecast of 400 the bound is 400 + 0.8 * 20.
  EXPECT_NEAR(*c.Upper(400, 0.9), 416, 0.6);
  size_t covered = 0;
  for (size_t m = 0; m < 2000; ++m) covered += 100 + 10 * Spread(m) <= *c.Upper(100, 0.9);
  EXPECT_GE(covered, 1800u);
  EXPECT_LE(covered, 1830u);
  // Any other quantile from the same scores: 0.5 -> 0 (the forecast itself), 0.99 -> 0.98.
  EXPECT_NEAR(*c.Upper(100, 0.5), 100, 0.3);
  EXPECT_NEAR(*c.Upper(100, 0.99), 109.8, 0.3);
}

TEST(ForecastCalibration, EachLevelBandHasItsOwnQuantile) {
  // Quiet nights (forecast 20, misses up to +-30: bursts) and steady days (forecast 900,
  // misses up to +-30): one pooled quantile would over-provision the day and under-provision
  // the night.
  ForecastCalibration c(72h, 200, 4);
  const auto night = [](size_t m) { return (m / 60) % 2 == 0; };
  Replay(
      c, 4000, [&](size_t m) { return night(m) ? 20.0 : 900.0; },
      [&](size_t m) { return (night(m) ? 20.0 : 900.0) + 30 * Spread(m); });
  ASSERT_TRUE(c.Upper(20, 0.9) && c.Upper(900, 0.9));
  EXPECT_NEAR(*c.Upper(20, 0.9), 20 + 0.8 * 30, 1.5);
  EXPECT_NEAR(*c.Upper(900, 0.9), 900 + 0.8 * 30, 1.5);
  // Between the bands' levels, the score quantile is interpolated.
  const double mid = *c.ScoreQuantile(460, 0.9);
  EXPECT_GT(mid, *c.ScoreQuantile(900, 0.9));
  EXPECT_LT(mid, *c.ScoreQuantile(20, 0.9));
}

TEST(ForecastCalibration, GapsAndPartlySeenWindowsAreNotScored) {
  ForecastCalibration c(72h, 10, 1);
  Replay(
      c, 50, [](size_t) { return 100.0; },
      [](size_t m) { return m % 2 ? std::numeric_limits<double>::quiet_NaN() : 100.0; });
  EXPECT_EQ(c.scores(), 25u);
  // A window that began before what the pipeline still delivers: its peak is unknown.
  ForecastCalibration late(72h, 10, 1);
  late.Expect(kStart - 10min, kStart - 9min, 100);
  late.Observe(Series{.start = kStart - 5min, .step = 1min, .values = {1, 2, 3, 4, 5}});
  EXPECT_EQ(late.scores(), 0u);
}

TEST(ForecastCalibration, ForgetsMissesOlderThanItsWindow) {
  ForecastCalibration c(1h, 10, 1);
  Replay(
      c, 600, [](size_t) { return 100.0; }, [](size_t) { return 100.0; });
  EXPECT_LE(c.scores(), 61u);
  EXPECT_GE(c.scores(), 59u);
}

TEST(ConditionalCalibration, EachSituationHasItsOwnBoundOnceScoredThePooledOneUntilThen) {
  // Every fourth forecast sees a fall coming and misses by at most 2; the others, at the load's
  // level, miss by up to 30 (rises they did not see). Pooled, the 0.9 bound at 100 would be about
  // 100 + 0.75 * 30.
  ConditionalCalibration c(72h, 200, 1, 200);
  Series delivered{.start = kStart, .step = 1min};
  const auto falls = [](size_t m) { return m % 4 == 0; };
  const Situation falling{.direction = Direction::kFalling}, level{.direction = Direction::kLevel};
  auto replay = [&](size_t from, size_t to) {
    for (size_t m = from; m < to; ++m) {
      const TimePoint at = kStart + std::chrono::minutes(m);
      c.Expect(at, at + 15s, 100, falls(m) ? falling : level);
      delivered.values.push_back(100 + (falls(m) ? 2 : 30) * Spread(m));
      c.Observe(delivered);
    }
  };
  // 600 scored, 150 of them falls: too few for their own bound, so falls read the pooled one,
  // far above what they miss by.
  replay(0, 600);
  EXPECT_FALSE(c.Knows(falling));
  ASSERT_TRUE(c.Upper(100, 0.9, falling));
  EXPECT_GT(*c.Upper(100, 0.9, falling), 115);
  // 2000 scored, 500 falls: each direction has its own quantile (0.8 of its spread).
  replay(600, 2000);
  EXPECT_TRUE(c.Knows(falling));
  EXPECT_NEAR(*c.Upper(100, 0.9, falling), 100 + 0.8 * 2, 0.3);
  EXPECT_NEAR(*c.Upper(100, 0.9, level), 100 + 0.8 * 30, 1.5);
  // No rising forecast was scored, in any situation with no rising steps: they read the pooled
  // bound, the 0.9 quantile of the mixture (3/4 uniform on +-3, 1/4 on +-0.2 in sqrt(100)
  // units: 2.2), 100 + 2.2 * 10.
  const Situation rising{.direction = Direction::kRising, .rising_steps = 1};
  EXPECT_FALSE(c.Knows(rising));
  EXPECT_NEAR(*c.Upper(100, 0.9, rising), 122, 1.5);
  EXPECT_EQ(c.scores(), 2000u);
}

TEST(ConditionalCalibration, RisingStepsAreLearnedAcrossDirectionsUntilTheSituationHasItsOwn) {
  // A load whose surges go on: right after a step up, the load a lead later is 40 higher than
  // forecast; otherwise forecasts miss by up to 10. The first minutes of a surge are rare (one
  // forecast in ten), so they get a bound of their own from fewer scores than the pooled one.
  ConditionalCalibration c(72h, 400, 1, 60);
  Series delivered{.start = kStart, .step = 1min};
  const auto surging = [](size_t m) { return m % 10 == 0; };
  // Their forecasts are at the level or rising, by turns: neither situation alone has 60 scores
  // after 900 forecasts, their rising steps together do.
  for (size_t m = 0; m < 900; ++m) {
    const TimePoint at = kStart + std::chrono::minutes(m);
    const Direction d = (m / 10) % 2 ? Direction::kRising : Direction::kLevel;
    c.Expect(at, at + 15s, 100,
             Situation{.direction = surging(m) ? d : Direction::kLevel,
                       .rising_steps = surging(m) ? 1 : 0});
    delivered.values.push_back(100 + (surging(m) ? 40 : 10 * Spread(m)));
    c.Observe(delivered);
  }
  const Situation surge{.direction = Direction::kLevel, .rising_steps = 1};
  ASSERT_TRUE(c.Knows(surge));
  EXPECT_NEAR(*c.Upper(100, 0.9, surge), 140, 0.5);
  EXPECT_NEAR(*c.Upper(100, 0.9, Situation{.direction = Direction::kRising, .rising_steps = 1}),
              140, 0.5);
  // Without a rising step: the level situation's own bound, the 0.9 quantile of its misses.
  EXPECT_NEAR(*c.Upper(100, 0.9, Situation{}), 100 + 0.8 * 10, 1.0);
}

}  // namespace
}  // namespace forescale::policy::internal
