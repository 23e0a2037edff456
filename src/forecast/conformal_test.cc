#include "forecast/conformal.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::forecast {
namespace {

// Folds whose errors are draws from a known skewed distribution (exponential, mean 1).
std::vector<FoldForecast> SkewedFolds(size_t folds, size_t horizon, uint64_t seed) {
  Rng rng(seed);
  std::vector<FoldForecast> out;
  for (size_t f = 0; f < folds; ++f) {
    FoldForecast fold;
    for (size_t j = 0; j < horizon; ++j) {
      fold.mean.push_back(100);
      fold.actual.push_back(100 + rng.Exponential(1.0));
    }
    out.push_back(fold);
  }
  return out;
}

TEST(Conformal, QuantilesFollowTheErrorsNotAGaussian) {
  const ConformalCalibrator calibrator(SkewedFolds(5, 200, 1));
  const std::vector<double> mean(200, 50.0);
  auto average = [&](double q) {
    double sum = 0;
    for (double v : calibrator.Quantile(mean, q)) sum += v - 50;
    return sum / 200;
  };
  // Exponential(1): q0.5 = ln 2 = 0.69, q0.9 = 2.30, widened by sqrt(1 + 1/5) for five folds;
  // all errors positive, so q0.1 > mean.
  const double inflation = std::sqrt(1.2);
  EXPECT_NEAR(average(0.5), 0.69 * inflation, 0.1);
  EXPECT_NEAR(average(0.9), 2.30 * inflation, 0.25);
  EXPECT_GT(calibrator.Quantile(mean, 0.1)[0], 50.0);
}

TEST(Conformal, NewDrawsAreCoveredAtTheNominalRate) {
  const ConformalCalibrator calibrator(SkewedFolds(3, 100, 2));
  const auto future = SkewedFolds(1, 5000, 3).front();
  const auto lo = calibrator.Quantile(future.mean, 0.1);
  const auto hi = calibrator.Quantile(future.mean, 0.9);
  size_t inside = 0;
  for (size_t j = 0; j < future.actual.size(); ++j) {
    inside += future.actual[j] >= lo[j] && future.actual[j] <= hi[j];
  }
  EXPECT_NEAR(static_cast<double>(inside) / 5000, 0.8, 0.05);
}

TEST(Conformal, QuantileForecastsDoNotCrossAndRespectZero) {
  std::vector<FoldForecast> folds = SkewedFolds(2, 20, 4);
  for (auto& f : folds) {
    for (auto& a : f.actual) a -= 150;  // errors around -50: forecasts far too high
  }
  const ConformalCalibrator calibrator(folds);
  const auto q = QuantileForecasts(calibrator, std::vector<double>(5, 10.0), {0.9, 0.1, 0.5}, true);
  for (size_t j = 0; j < 5; ++j) {
    EXPECT_LE(q[1][j], q[2][j]);
    EXPECT_LE(q[2][j], q[0][j]);
    EXPECT_GE(q[1][j], 0.0);
  }
}

TEST(Conformal, WithoutErrorsTheQuantilesAreTheMean) {
  const ConformalCalibrator calibrator(std::vector<FoldForecast>{});
  EXPECT_EQ(calibrator.Quantile({3, 4}, 0.9), (std::vector<double>{3, 4}));
}

}  // namespace
}  // namespace forescale::forecast
