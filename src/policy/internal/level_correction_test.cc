#include "policy/internal/level_correction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/rng.h"

namespace forescale::policy::internal {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::hours(24 * 20000)};

// Minute m's load is 100 * exp(level(m) + noise(m)) against a forecast of 100. Each minute a
// decision sees the log miss of the minute before and provisions the 15 s window three minutes
// ahead; the pipeline delivers each minute as it ends.
void Replay(LevelCorrection& c, size_t minutes, const std::function<double(size_t)>& log_load) {
  Series delivered{.start = kStart, .step = 1min};
  for (size_t m = 0; m < minutes; ++m) {
    delivered.values.push_back(100 * std::exp(log_load(m)));
    c.Observe(delivered);
    const TimePoint at = kStart + std::chrono::minutes(m + 3);
    c.Expect(at, at + 15s, 100.0, log_load(m));
  }
}

TEST(LevelCorrection, CarriesTheWholeMissUntilEnoughPairsWereScored) {
  LevelCorrection c(72h, 200);
  Rng rng(1);
  std::vector<double> noise(300);
  for (double& n : noise) n = 0.2 * rng.Normal();
  Replay(c, 150, [&](size_t m) { return noise[m]; });
  EXPECT_LT(c.pairs(), 200u);
  EXPECT_EQ(c.Gain(), 1.0);
}

TEST(LevelCorrection, NoGainWhereMissesDoNotPersist) {
  // White noise around the forecast: a miss says nothing about three minutes later.
  LevelCorrection c(72h, 200);
  Rng rng(2);
  std::vector<double> noise(3000);
  for (double& n : noise) n = 0.3 * rng.Normal();
  Replay(c, noise.size(), [&](size_t m) { return noise[m]; });
  ASSERT_GE(c.pairs(), 2900u);
  EXPECT_LT(c.Gain(), 0.06);
}

TEST(LevelCorrection, FullGainWhereTheLevelShifted) {
  // A random walk of the level (days busier than the model expected), little noise on top:
  // what was missed a few minutes ago is still missed.
  LevelCorrection c(72h, 200);
  Rng rng(3);
  std::vector<double> level(3000);
  double walk = 0;
  for (double& l : level) l = (walk += 0.05 * rng.Normal()) + 0.01 * rng.Normal();
  Replay(c, level.size(), [&](size_t m) { return level[m]; });
  EXPECT_GT(c.Gain(), 0.9);
}

TEST(LevelCorrection, PartOfAMissThatHalfPersists) {
  // An AR(1) miss with 0.8 per minute: three minutes on, 0.8^3 = 0.51 of it remains.
  LevelCorrection c(72h, 200);
  Rng rng(4);
  std::vector<double> miss(20000);
  double x = 0;
  for (double& v : miss) v = x = 0.8 * x + 0.1 * rng.Normal();
  Replay(c, miss.size(), [&](size_t m) { return miss[m]; });
  EXPECT_NEAR(c.Gain(), 0.512, 0.05);
}

TEST(LevelCorrection, ForgetsPairsOlderThanItsWindow) {
  // Persistent misses first, then white noise for longer than the window: only the noise counts.
  LevelCorrection c(24h, 200);
  Rng rng(5);
  std::vector<double> load(4 * 1440);
  double walk = 0;
  for (size_t m = 0; m < load.size(); ++m) {
    load[m] = m < 1440 ? (walk += 0.05 * rng.Normal()) : 0.3 * rng.Normal();
  }
  Replay(c, load.size(), [&](size_t m) { return load[m]; });
  EXPECT_LE(c.pairs(), 1442u);
  EXPECT_LT(c.Gain(), 0.1);
}

}  // namespace
}  // namespace forescale::policy::internal
