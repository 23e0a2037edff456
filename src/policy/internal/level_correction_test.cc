#include "policy/internal/level_correction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/rng.h"

namespace forescale::policy::internal {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::hours(24 * 20000)};

// Minute m's load is 100 * exp(miss[m]) against a forecast of 100. Each minute a decision sees
// the mean log miss of the last five minutes and that of the newest one, and provisions the
// 15 s window three minutes ahead; the pipeline delivers each minute as it ends.
void Replay(LevelCorrection& c, const std::vector<double>& miss) {
  Series delivered{.start = kStart, .step = 1min};
  for (size_t m = 0; m < miss.size(); ++m) {
    delivered.values.push_back(100 * std::exp(miss[m]));
    c.Observe(delivered);
    double recent = 0;
    const size_t from = m >= 4 ? m - 4 : 0;
    for (size_t k = from; k <= m; ++k) recent += miss[k] / static_cast<double>(m - from + 1);
    const TimePoint at = kStart + std::chrono::minutes(m + 3);
    c.Expect(at, at + 15s, 100.0, recent, miss[m]);
  }
}

std::vector<double> WhiteNoise(size_t n, double sd, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = sd * rng.Normal();
  return v;
}

TEST(LevelCorrection, CarriesTheWholeRecentMissUntilEnoughPairsWereScored) {
  LevelCorrection c(72h, 200);
  Replay(c, WhiteNoise(150, 0.2, 1));
  EXPECT_LT(c.pairs(), 200u);
  EXPECT_EQ(c.gains().recent, 1.0);
  EXPECT_EQ(c.gains().newest, 0.0);
  EXPECT_DOUBLE_EQ(c.LogCorrection(0.3, -0.1), 0.3);
}

TEST(LevelCorrection, NoGainWhereMissesDoNotPersist) {
  // White noise around the forecast: a miss says nothing about three minutes later.
  LevelCorrection c(72h, 200);
  Replay(c, WhiteNoise(3000, 0.3, 2));
  ASSERT_GE(c.pairs(), 2900u);
  EXPECT_LT(std::abs(c.LogCorrection(0.3, 0.3)), 0.03);
}

TEST(LevelCorrection, FullGainWhereTheLevelShifted) {
  // A random walk of the level (days busier than the model expected), little noise on top:
  // what was missed a few minutes ago is still missed.
  LevelCorrection c(72h, 200);
  Rng rng(3);
  std::vector<double> miss(3000);
  double walk = 0;
  for (double& l : miss) l = (walk += 0.05 * rng.Normal()) + 0.01 * rng.Normal();
  Replay(c, miss);
  EXPECT_GT(c.gains().recent + c.gains().newest, 0.9);
}

TEST(LevelCorrection, TheNewestMissWhereTheLoadMovesAlongALine) {
  // Independent points every five minutes, joined by straight lines (a 5-minute series read
  // every minute): the newest minute shows where the line is heading, the five-minute mean
  // lags behind it.
  const std::vector<double> points = WhiteNoise(1000, 0.4, 4);
  std::vector<double> miss;
  for (size_t p = 0; p + 1 < points.size(); ++p) {
    for (int k = 0; k < 5; ++k) miss.push_back(points[p] + (points[p + 1] - points[p]) * k / 5.0);
  }
  LevelCorrection c(72h, 200);
  Replay(c, miss);
  EXPECT_GT(c.gains().newest, 0.5);
  EXPECT_GT(c.gains().newest, c.gains().recent + 0.5);
}

TEST(LevelCorrection, PartOfAMissThatHalfPersists) {
  // An AR(1) miss with 0.8 per minute: three minutes on, 0.8^3 = 0.51 of the newest minute's
  // miss remains, and the minutes before it add nothing.
  LevelCorrection c(72h, 200);
  Rng rng(5);
  std::vector<double> miss(20000);
  double x = 0;
  for (double& v : miss) v = x = 0.8 * x + 0.1 * rng.Normal();
  Replay(c, miss);
  EXPECT_NEAR(c.gains().newest, 0.512, 0.06);
  EXPECT_NEAR(c.gains().recent, 0.0, 0.08);
}

TEST(LevelCorrection, ForgetsPairsOlderThanItsWindow) {
  // Persistent misses first, then white noise for longer than the window: only the noise counts.
  LevelCorrection c(24h, 200);
  Rng rng(6);
  std::vector<double> miss(4 * 1440);
  double walk = 0;
  for (size_t m = 0; m < miss.size(); ++m) {
    miss[m] = m < 1440 ? (walk += 0.05 * rng.Normal()) : 0.3 * rng.Normal();
  }
  Replay(c, miss);
  EXPECT_LE(c.pairs(), 1442u);
  EXPECT_LT(std::abs(c.LogCorrection(0.3, 0.3)), 0.05);
}

}  // namespace
}  // namespace forescale::policy::internal
