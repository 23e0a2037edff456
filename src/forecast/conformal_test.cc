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

// Folds of days unlike each other: each fold's errors share a level of its own on top of step
// noise (sd 1). The folds at either extreme lie outside what the others predict.
std::vector<FoldForecast> FoldsWithDayLevels(const std::vector<double>& days, size_t horizon,
                                             uint64_t seed) {
  Rng rng(seed);
  std::vector<FoldForecast> out;
  for (double day : days) {
    FoldForecast fold;
    for (size_t j = 0; j < horizon; ++j) {
      fold.mean.push_back(100);
      fold.actual.push_back(100 + day + rng.Normal());
    }
    out.push_back(fold);
  }
  return out;
}

FoldQuantiles LeaveOneFoldOut(const std::vector<FoldForecast>& folds, const std::vector<double>& qs) {
  FoldQuantiles out;
  for (size_t f = 0; f < folds.size(); ++f) {
    const auto quantiles = ConformalCalibrator(folds, 0, f).Quantiles(folds[f].mean, qs);
    for (size_t i = 0; i < qs.size(); ++i) out[qs[i]].push_back(quantiles[i]);
  }
  return out;
}

TEST(Conformal, HeldOutWidthFactorsWidenWhatFoldsUnlikeEachOtherUnderCover) {
  const std::vector<double> qs = {0.1, 0.5, 0.9};
  const auto folds = FoldsWithDayLevels({-6, -3, 0, 0, 3, 6}, 400, 5);
  const auto factors = HeldOutWidthFactors(folds, LeaveOneFoldOut(folds, qs), qs);
  EXPECT_GT(factors[0], 1.2);
  EXPECT_EQ(factors[1], 1.0);
  EXPECT_GT(factors[2], 1.2);
  // Errors alike in every fold: the calibration about holds (the fold inflation makes it a
  // little wide), so the factors stay near 1.
  const auto alike = SkewedFolds(5, 400, 6);
  for (double c : HeldOutWidthFactors(alike, LeaveOneFoldOut(alike, qs), qs)) {
    EXPECT_GT(c, 0.8);
    EXPECT_LE(c, 1.0);
  }
  // Too few held-out steps to tell: no correction.
  const auto few = FoldsWithDayLevels({-6, 0, 6}, 2, 7);
  for (double c : HeldOutWidthFactors(few, LeaveOneFoldOut(few, qs), qs)) EXPECT_EQ(c, 1.0);
}

// The one-pass leave-one-fold-out gives exactly what one calibrator per fold gives: with ties
// between folds (rounded errors), level scaling, missing steps shared by every fold (the fast
// path) and missing steps in one fold only (fold by fold).
TEST(Conformal, LeaveOneFoldOutEqualsOneCalibratorPerFold) {
  auto folds_with = [](size_t count, size_t horizon, uint64_t seed) {
    Rng rng(seed);
    std::vector<FoldForecast> out(count);
    for (auto& f : out) {
      for (size_t j = 0; j < horizon; ++j) {
        f.mean.push_back(20 + 5 * std::sin(static_cast<double>(j) / 7) + rng.Uniform());
        f.actual.push_back(f.mean.back() + std::round(4 * rng.Normal()));  // ties
      }
    }
    return out;
  };
  const std::vector<double> qs = {0.025, 0.1, 0.5, 0.9, 0.975};
  auto expect_equal = [&](const std::vector<FoldForecast>& folds, double level_floor) {
    const FoldQuantiles fast = LeaveOneFoldOutQuantiles(folds, qs, level_floor);
    for (size_t f = 0; f < folds.size(); ++f) {
      const size_t leave_out = folds.size() > 1 ? f : ConformalCalibrator::kNoFold;
      const auto slow =
          ConformalCalibrator(folds, level_floor, leave_out).Quantiles(folds[f].mean, qs);
      for (size_t i = 0; i < qs.size(); ++i) {
        ASSERT_EQ(fast.at(qs[i])[f], slow[i]) << "fold " << f << " q " << qs[i];
      }
    }
  };
  for (size_t count : {1, 2, 5, 10}) {
    for (size_t horizon : {1, 12, 300}) {
      auto folds = folds_with(count, horizon, 7 * count + horizon);
      expect_equal(folds, 0.0);
      expect_equal(folds, 0.5);
      for (auto& f : folds) {  // an outage every fold shares
        for (size_t j = horizon / 3; j < horizon / 2; ++j) f.actual[j] = NAN;
      }
      expect_equal(folds, 0.5);
      folds.front().actual.back() = NAN;  // one fold's own gap
      expect_equal(folds, 0.0);
    }
  }
}

TEST(Conformal, WithoutErrorsTheQuantilesAreTheMean) {
  const ConformalCalibrator calibrator(std::vector<FoldForecast>{});
  EXPECT_EQ(calibrator.Quantile({3, 4}, 0.9), (std::vector<double>{3, 4}));
}

}  // namespace
}  // namespace forescale::forecast
