// Small statistics kernels the load model is fitted with: quantiles, autoregression chosen by
// AIC, a generalized Pareto fit for burst heights, and a robust (Theil–Sen) line.
//
// All functions are pure and deterministic; NaN marks a missing value wherever a series is
// taken, and is skipped (never read as 0).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace forescale::generate::internal {

// `count` evenly spaced quantiles (probabilities 0, 1/(count-1), ..., 1) of the non-NaN
// values, type 7 (linear between order statistics). Empty when there are no values.
std::vector<double> EvenQuantiles(std::span<const double> values, size_t count);

// One quantile (type 7) of the non-NaN values; NaN when there are none.
double Quantile(std::span<const double> values, double p);

// Inverse CDF from EvenQuantiles: p in [0, 1] -> value, linear between the stored quantiles.
// Keeps the tails exactly as observed (no parametric shape is imposed).
double InverseCdf(std::span<const double> quantiles, double p);

// Quantiles on a normal-score grid: value i is the quantile at probability Phi(z_i), with
// z_i evenly spaced over [-kScoreRange, kScoreRange]. Even probabilities would spend 1 % of
// all draws interpolating between the 99th percentile and the single largest value seen
// (grossly over-weighting the extreme); the normal-score grid puts ten bins in the top 1 %
// and reaches the 1-in-30,000 level, so heavy tails are kept at their observed frequency.
inline constexpr double kScoreRange = 4.0;
std::vector<double> ScoreQuantiles(std::span<const double> values, size_t count);
// Inverse of the above at a normal score z (a standard normal draw maps to a sample with the
// empirical distribution); z outside the range takes the end values.
double QuantileAtScore(std::span<const double> quantiles, double z);
// The normal score of `x` under these quantiles: the inverse of QuantileAtScore (linear
// between grid points; a value shared by several grid points, as discrete counts give, takes
// the middle of their scores; clamped to [-kScoreRange, kScoreRange]). NaN stays NaN.
double ScoreOfValue(std::span<const double> quantiles, double x);
// E[g(X)] for X with these score quantiles (trapezoid rule in z with normal weights).
template <typename G>
double ScoreExpectation(std::span<const double> quantiles, G g);

// An AR(p) model x_t = sum_i coef[i] * x_{t-1-i} + e_t of a zero-mean series.
struct ArFit {
  std::vector<double> coef;          // empty: white noise
  double innovation_variance = 0;
  double aic = 0;
};

// Yule–Walker through Durbin–Levinson on autocovariances taken over the pairs where both
// values are present (so gaps shrink the sample, they do not bend it); the order in
// [0, max_order] with the smallest AIC = n log(sigma^2) + 2 p. `values` should be centred.
// The result is always stationary with a margin (ArMaxRootModulus <= kMaxArRootModulus): with
// gaps the pairwise autocovariances need not be positive definite, so the recursion stops at
// the first reflection coefficient with |k| >= 1, and a fit whose largest root still lies
// closer to the unit circle than the margin is shrunk (coef[i] *= lambda^(i+1), which scales
// every root by lambda) so that rounding it for a file cannot make it explosive.
inline constexpr double kMaxArRootModulus = 0.9999;
ArFit FitArAic(std::span<const double> values, size_t max_order);

// The largest modulus of the roots of z^p - coef[0] z^(p-1) - ... - coef[p-1] (the eigenvalues
// of the companion matrix); the AR is stationary iff it is < 1. 0 for white noise.
double ArMaxRootModulus(std::span<const double> coef);
// Stationary (every root strictly inside the unit circle, with `tolerance`). A sum of
// |coefficients| below 1 is sufficient, not necessary: AR(2) 1.2, -0.3 is stationary.
bool ArIsStationary(std::span<const double> coef, double tolerance = 1e-9);
// Scales the roots of `coef` by lambda in (0, 1]: coef[i] *= lambda^(i+1).
void ShrinkArRoots(std::vector<double>& coef, double lambda);

// The innovations e_t of `fit` at every t whose own and lagged values are all present.
std::vector<double> ArInnovations(std::span<const double> values, const ArFit& fit);

// Floor of a / b for b > 0 (rounds towards minus infinity, unlike `/`).
inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

// The value at time `t` of block values `v` whose block j is centred at origin + j * block,
// linear between neighbouring centres and constant beyond the first and last; a NaN
// neighbour gives way to the other one (NaN only when both are missing).
inline double InterpolateBlocks(std::span<const double> v, int64_t origin, int64_t block, int64_t t) {
  if (v.empty()) return NAN;
  const int64_t rel = t - origin;
  const int64_t j = FloorDiv(rel, block);
  if (j < 0) return v.front();
  if (static_cast<size_t>(j) + 1 >= v.size()) return v.back();
  const double f = static_cast<double>(rel - j * block) / static_cast<double>(block);
  const double a = v[static_cast<size_t>(j)], b = v[static_cast<size_t>(j) + 1];
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return a + f * (b - a);
}

// Lag-k autocorrelation over present pairs (Pearson with the overall present mean).
double Autocorrelation(std::span<const double> values, size_t lag);

// Generalized Pareto distribution of excesses over a threshold.
struct Gpd {
  double scale = 0;  // sigma > 0
  double shape = 0;  // xi; 0 is the exponential
  // Inverse CDF at u in [0, 1).
  double Sample(double u) const;
};
// Method-of-moments fit (Hosking & Wallis 1987) of positive excesses; the shape is clamped to
// [-0.5, 0.45] so that the variance exists and a handful of excesses cannot imply an infinite
// tail. Needs at least 2 excesses (otherwise an exponential with their mean).
Gpd FitGpd(std::span<const double> excesses);

// Theil–Sen line through (x_i, y_i) (NaN y skipped): slope is the median of pairwise slopes,
// intercept the median of y - slope * x. Robust to up to ~29 % outliers (an outage, a sale).
struct Line {
  double intercept = 0;
  double slope = 0;
};
Line TheilSen(std::span<const double> x, std::span<const double> y);

// Mann–Kendall trend test (the test that goes with the Theil–Sen slope): the standard normal
// score of S = sum over pairs of sign((y_j - y_i) * (x_j - x_i)), with the usual continuity
// correction and no correction for ties. |z| > 1.96: a trend at the 5 % level. NaN y skipped.
double MannKendallZ(std::span<const double> x, std::span<const double> y);

template <typename G>
double ScoreExpectation(std::span<const double> quantiles, G g) {
  if (quantiles.size() < 2) return quantiles.empty() ? g(0.0) : g(quantiles[0]);
  const double dz = 2 * kScoreRange / static_cast<double>(quantiles.size() - 1);
  double sum = 0, weight = 0;
  for (size_t i = 0; i < quantiles.size(); ++i) {
    const double z = -kScoreRange + dz * static_cast<double>(i);
    const double w = std::exp(-0.5 * z * z) * (i == 0 || i + 1 == quantiles.size() ? 0.5 : 1.0);
    sum += w * g(quantiles[i]);
    weight += w;
  }
  return sum / weight;
}

}  // namespace forescale::generate::internal
