#include "generate/internal/stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::generate::internal {
namespace {

TEST(Stats, QuantilesSkipMissingValues) {
  const std::vector<double> v = {3, NAN, 1, 2, 4, NAN, 5};
  const auto q = EvenQuantiles(v, 5);
  EXPECT_EQ(q, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(InverseCdf(q, 0.125), 1.5);
  EXPECT_DOUBLE_EQ(InverseCdf(q, 1.0), 5);
}

TEST(Stats, ScoreQuantilesReproduceTheDistributionIncludingItsTail) {
  Rng rng(9);
  std::vector<double> x(100000);
  for (double& v : x) v = rng.Exponential(1.0);  // heavy-ish right tail
  const auto q = ScoreQuantiles(x, 101);
  ASSERT_EQ(q.size(), 101u);
  std::vector<double> y(100000);
  for (double& v : y) v = QuantileAtScore(q, rng.Normal());
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    EXPECT_NEAR(Quantile(y, p), Quantile(x, p), 0.03 * Quantile(x, p) + 0.01) << p;
  }
  // The mean, by quadrature and by sampling.
  EXPECT_NEAR(ScoreExpectation(q, [](double v) { return v; }), 1.0, 0.02);
}

TEST(Stats, ArAicRecoversAnAr2Process) {
  Rng rng(5);
  std::vector<double> x(20000, 0.0);
  for (size_t t = 2; t < x.size(); ++t) x[t] = 0.5 * x[t - 1] + 0.2 * x[t - 2] + rng.Normal();
  for (size_t t = 100; t < 200; ++t) x[t] = NAN;
  const ArFit fit = FitArAic(x, 5);
  ASSERT_GE(fit.coef.size(), 2u);
  EXPECT_NEAR(fit.coef[0], 0.5, 0.03);
  EXPECT_NEAR(fit.coef[1], 0.2, 0.03);
  EXPECT_NEAR(fit.innovation_variance, 1.0, 0.05);
  const auto e = ArInnovations(x, fit);
  EXPECT_GT(e.size(), 19000u);
}

TEST(Stats, ArStationarityIsTheRootConditionNotTheSumOfCoefficients) {
  // z^2 - 1.2 z + 0.3 has roots 0.845 and 0.355: stationary although |1.2| + |-0.3| > 1.
  EXPECT_NEAR(ArMaxRootModulus(std::vector<double>{1.2, -0.3}), 0.8450, 1e-4);
  EXPECT_TRUE(ArIsStationary(std::vector<double>{1.2, -0.3}));
  EXPECT_FALSE(ArIsStationary(std::vector<double>{0.6, 0.5}));  // root 1.1
  EXPECT_FALSE(ArIsStationary(std::vector<double>{1.0}));
  EXPECT_FALSE(ArIsStationary(std::vector<double>{2.0, -1.0}));  // double root at 1
  EXPECT_TRUE(ArIsStationary(std::vector<double>{}));
  std::vector<double> c = {0.6, 0.5};
  ShrinkArRoots(c, 0.5);
  EXPECT_NEAR(ArMaxRootModulus(c), 0.5 * ArMaxRootModulus(std::vector<double>{0.6, 0.5}), 1e-12);
}

TEST(Stats, ArFitIsStationaryWithAMarginEvenForARandomWalkOrGappyData) {
  Rng rng(9);
  std::vector<double> walk(5000, 0.0);
  for (size_t t = 1; t < walk.size(); ++t) walk[t] = walk[t - 1] + rng.Normal();
  double mean = 0;
  for (double v : walk) mean += v / static_cast<double>(walk.size());
  for (double& v : walk) v -= mean;
  const ArFit fit = FitArAic(walk, 5);
  EXPECT_LE(ArMaxRootModulus(fit.coef), kMaxArRootModulus + 1e-12);
  // Pairwise autocovariances over gaps that are not positive definite: lag-1 pairs agree,
  // lag-2 and lag-3 pairs disagree.
  std::vector<double> gappy;
  for (int k = 0; k < 400; ++k) {
    const double sign = k % 2 ? -1.0 : 1.0;
    gappy.insert(gappy.end(), {sign, sign, NAN});
  }
  const ArFit odd = FitArAic(gappy, 5);
  EXPECT_TRUE(ArIsStationary(odd.coef)) << ArMaxRootModulus(odd.coef);
}

TEST(Stats, ScoreOfValueInvertsQuantileAtScore) {
  Rng rng(4);
  std::vector<double> x(5000);
  for (double& v : x) v = std::exp(rng.Normal());
  const std::vector<double> q = ScoreQuantiles(x, 101);
  for (const double z : {-3.5, -1.0, 0.0, 0.37, 2.9}) {
    EXPECT_NEAR(ScoreOfValue(q, QuantileAtScore(q, z)), z, 1e-9) << z;
  }
  EXPECT_EQ(ScoreOfValue(q, -1.0), -kScoreRange);
  EXPECT_EQ(ScoreOfValue(q, 1e9), kScoreRange);
  EXPECT_TRUE(std::isnan(ScoreOfValue(q, NAN)));
  // A value shared by the grid points of scores -1..1 (a count that repeats) takes their middle.
  const std::vector<double> ties = {0, 1, 1, 1, 2};  // scores -4, -2, 0, 2, 4
  EXPECT_DOUBLE_EQ(ScoreOfValue(ties, 1.0), 0.0);
}

TEST(Stats, InterpolateBlocksIsLinearBetweenCentresAndSkipsMissingBlocks) {
  const std::vector<double> v = {1.0, 3.0, NAN, 7.0};
  // Block j centred at 100 + 10 j.
  EXPECT_DOUBLE_EQ(InterpolateBlocks(v, 100, 10, 95), 1.0);
  EXPECT_DOUBLE_EQ(InterpolateBlocks(v, 100, 10, 105), 2.0);
  EXPECT_DOUBLE_EQ(InterpolateBlocks(v, 100, 10, 115), 3.0);  // the NaN neighbour gives way
  EXPECT_DOUBLE_EQ(InterpolateBlocks(v, 100, 10, 125), 7.0);
  EXPECT_DOUBLE_EQ(InterpolateBlocks(v, 100, 10, 200), 7.0);
  EXPECT_EQ(FloorDiv(-1, 10), -1);
  EXPECT_EQ(FloorDiv(10, 10), 1);
}

TEST(Stats, WhiteNoiseGetsOrderZero) {
  Rng rng(6);
  std::vector<double> x(5000);
  for (double& v : x) v = rng.Normal();
  EXPECT_LE(FitArAic(x, 5).coef.size(), 1u);
}

TEST(Stats, GpdMomentsAndTheilSen) {
  Rng rng(7);
  const Gpd truth{.scale = 1.0, .shape = 0.2};
  std::vector<double> excess(50000);
  for (double& e : excess) e = truth.Sample(rng.Uniform());
  const Gpd fit = FitGpd(excess);
  EXPECT_NEAR(fit.shape, 0.2, 0.05);
  EXPECT_NEAR(fit.scale, 1.0, 0.08);
  // A line with two wild outliers: Theil–Sen ignores them.
  std::vector<double> x, y;
  for (int i = 0; i < 20; ++i) {
    x.push_back(i);
    y.push_back(2 + 0.5 * i);
  }
  y[3] = 100;
  y[15] = -50;
  const Line line = TheilSen(x, y);
  EXPECT_NEAR(line.slope, 0.5, 1e-9);
  EXPECT_NEAR(line.intercept, 2, 1e-9);
}

TEST(Stats, MannKendallZ) {
  // Five rising points: S = 10, var S = 5 * 4 * 15 / 18, z = (10 - 1) / sqrt(var S) = 2.2045.
  const std::vector<double> x = {0, 1, 2, 3, 4};
  EXPECT_NEAR(MannKendallZ(x, std::vector<double>{1, 2, 3, 4, 5}), 2.2045, 1e-4);
  // Two pairs out of order: S = 6, z = 1.2247, no trend at the 5 % level.
  EXPECT_NEAR(MannKendallZ(x, std::vector<double>{1, 3, 2, 5, 4}), 1.2247, 1e-4);
  // Falling: the same score, negative; a missing point is skipped, not a zero.
  EXPECT_NEAR(MannKendallZ(x, std::vector<double>{5, 4, 3, 2, 1}), -2.2045, 1e-4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NEAR(MannKendallZ(std::vector<double>{0, 1, 2, 3, 4, 5},
                           std::vector<double>{1, 2, nan, 3, 4, 5}),
              2.2045, 1e-4);
  EXPECT_EQ(MannKendallZ(std::vector<double>{0, 1}, std::vector<double>{0, 1}), 0.0);
}

}  // namespace
}  // namespace forescale::generate::internal
