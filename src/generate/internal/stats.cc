#include "generate/internal/stats.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

namespace forescale::generate::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> SortedPresent(std::span<const double> values) {
  std::vector<double> v;
  v.reserve(values.size());
  for (double x : values) {
    if (!std::isnan(x)) v.push_back(x);
  }
  std::sort(v.begin(), v.end());
  return v;
}

double SortedQuantile(const std::vector<double>& sorted, double p) {
  const double h = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double Median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

// Autocovariance at `lag` over present pairs, normalised by the number of present values
// (the biased estimator, which keeps the Yule–Walker system positive definite).
double Autocovariance(std::span<const double> x, size_t lag, double mean, size_t present) {
  double sum = 0;
  for (size_t t = lag; t < x.size(); ++t) {
    const double a = x[t], b = x[t - lag];
    if (!std::isnan(a) && !std::isnan(b)) sum += (a - mean) * (b - mean);
  }
  return sum / static_cast<double>(present);
}

}  // namespace

std::vector<double> EvenQuantiles(std::span<const double> values, size_t count) {
  const std::vector<double> sorted = SortedPresent(values);
  std::vector<double> out;
  if (sorted.empty() || count < 2) return out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    out.push_back(SortedQuantile(sorted, static_cast<double>(i) / static_cast<double>(count - 1)));
  }
  return out;
}

double Quantile(std::span<const double> values, double p) {
  const std::vector<double> sorted = SortedPresent(values);
  if (sorted.empty()) return kNaN;
  return SortedQuantile(sorted, std::clamp(p, 0.0, 1.0));
}

double InverseCdf(std::span<const double> quantiles, double p) {
  if (quantiles.empty()) return 0.0;
  if (quantiles.size() == 1) return quantiles[0];
  const double h = std::clamp(p, 0.0, 1.0) * static_cast<double>(quantiles.size() - 1);
  const size_t lo = std::min(static_cast<size_t>(h), quantiles.size() - 2);
  return quantiles[lo] + (h - static_cast<double>(lo)) * (quantiles[lo + 1] - quantiles[lo]);
}

std::vector<double> ScoreQuantiles(std::span<const double> values, size_t count) {
  const std::vector<double> sorted = SortedPresent(values);
  std::vector<double> out;
  if (sorted.empty() || count < 2) return out;
  const double dz = 2 * kScoreRange / static_cast<double>(count - 1);
  for (size_t i = 0; i < count; ++i) {
    const double z = -kScoreRange + dz * static_cast<double>(i);
    out.push_back(SortedQuantile(sorted, 0.5 * std::erfc(-z / std::sqrt(2.0))));
  }
  return out;
}

double QuantileAtScore(std::span<const double> quantiles, double z) {
  if (quantiles.empty()) return 0.0;
  if (quantiles.size() == 1) return quantiles[0];
  const double h = (std::clamp(z, -kScoreRange, kScoreRange) + kScoreRange) /
                   (2 * kScoreRange) * static_cast<double>(quantiles.size() - 1);
  const size_t lo = std::min(static_cast<size_t>(h), quantiles.size() - 2);
  return quantiles[lo] + (h - static_cast<double>(lo)) * (quantiles[lo + 1] - quantiles[lo]);
}

double ScoreOfValue(std::span<const double> q, double x) {
  if (std::isnan(x) || q.size() < 2) return std::isnan(x) ? kNaN : 0.0;
  const double dz = 2 * kScoreRange / static_cast<double>(q.size() - 1);
  auto score = [&](double index) { return -kScoreRange + dz * index; };
  if (x < q.front()) return -kScoreRange;
  if (x > q.back()) return kScoreRange;
  const size_t lo = static_cast<size_t>(std::lower_bound(q.begin(), q.end(), x) - q.begin());
  const size_t hi = static_cast<size_t>(std::upper_bound(q.begin(), q.end(), x) - q.begin());
  if (hi > lo) return score(0.5 * static_cast<double>(lo + hi - 1));  // x is a grid value
  // q[lo - 1] < x < q[lo]
  const double f = (x - q[lo - 1]) / (q[lo] - q[lo - 1]);
  return score(static_cast<double>(lo - 1) + f);
}

ArFit FitArAic(std::span<const double> values, size_t max_order) {
  ArFit best;
  size_t present = 0;
  double mean = 0;
  for (double v : values) {
    if (!std::isnan(v)) {
      mean += v;
      ++present;
    }
  }
  if (present < 2 * max_order + 10) {
    max_order = 0;
  }
  if (present == 0) return best;
  mean /= static_cast<double>(present);
  std::vector<double> gamma(max_order + 1);
  for (size_t k = 0; k <= max_order; ++k) gamma[k] = Autocovariance(values, k, mean, present);
  const double n = static_cast<double>(present);
  best.innovation_variance = gamma[0];
  best.aic = gamma[0] > 0 ? n * std::log(gamma[0]) : 0.0;
  if (!(gamma[0] > 0)) return best;
  // Durbin–Levinson: phi holds the AR(k) coefficients, v its innovation variance.
  std::vector<double> phi, previous;
  double v = gamma[0];
  for (size_t k = 1; k <= max_order; ++k) {
    double acc = gamma[k];
    for (size_t j = 1; j < k; ++j) acc -= previous[j - 1] * gamma[k - j];
    const double reflection = acc / v;
    // |reflection| >= 1 means the autocovariances (pairwise, with gaps) are not positive
    // definite from this order on: every longer fit would be explosive.
    if (!(std::abs(reflection) < 1.0)) break;
    phi.assign(k, 0.0);
    phi[k - 1] = reflection;
    for (size_t j = 1; j < k; ++j) phi[j - 1] = previous[j - 1] - reflection * previous[k - j - 1];
    v *= 1 - reflection * reflection;
    previous = phi;
    if (!(v > 0)) break;
    const double aic = n * std::log(v) + 2.0 * static_cast<double>(k);
    if (aic < best.aic) {
      best.coef = phi;
      best.innovation_variance = v;
      best.aic = aic;
    }
  }
  const double modulus = ArMaxRootModulus(best.coef);
  if (modulus > kMaxArRootModulus) ShrinkArRoots(best.coef, kMaxArRootModulus / modulus);
  return best;
}

double ArMaxRootModulus(std::span<const double> coef) {
  if (coef.empty()) return 0.0;
  const Eigen::Index p = static_cast<Eigen::Index>(coef.size());
  Eigen::MatrixXd companion = Eigen::MatrixXd::Zero(p, p);
  for (Eigen::Index j = 0; j < p; ++j) companion(0, j) = coef[static_cast<size_t>(j)];
  for (Eigen::Index i = 1; i < p; ++i) companion(i, i - 1) = 1.0;
  const Eigen::VectorXcd roots = companion.eigenvalues();
  double largest = 0;
  for (Eigen::Index i = 0; i < roots.size(); ++i) largest = std::max(largest, std::abs(roots(i)));
  return largest;
}

bool ArIsStationary(std::span<const double> coef, double tolerance) {
  for (double c : coef) {
    if (!std::isfinite(c)) return false;
  }
  return ArMaxRootModulus(coef) < 1.0 - tolerance;
}

void ShrinkArRoots(std::vector<double>& coef, double lambda) {
  double factor = 1;
  for (double& c : coef) {
    factor *= lambda;
    c *= factor;
  }
}

std::vector<double> ArInnovations(std::span<const double> values, const ArFit& fit) {
  std::vector<double> out;
  const size_t p = fit.coef.size();
  out.reserve(values.size());
  for (size_t t = p; t < values.size(); ++t) {
    double e = values[t];
    for (size_t i = 0; i < p && !std::isnan(e); ++i) e -= fit.coef[i] * values[t - 1 - i];
    if (!std::isnan(e)) out.push_back(e);
  }
  return out;
}

double Autocorrelation(std::span<const double> values, size_t lag) {
  // The ACF does not depend on the units; far from 1 the squares over- or underflow (at 1e300
  // rps the variance was inf and the ACF read 0; found by probing), so such values are scaled.
  double largest = 0;
  for (double v : values) {
    if (!std::isnan(v)) largest = std::max(largest, std::fabs(v));
  }
  if (std::isfinite(largest) && (largest > 1e100 || (largest > 0 && largest < 1e-100))) {
    std::vector<double> scaled(values.begin(), values.end());
    for (double& v : scaled) v /= largest;  // NaN stays NaN
    return Autocorrelation(scaled, lag);
  }
  size_t present = 0;
  double mean = 0;
  for (double v : values) {
    if (!std::isnan(v)) {
      mean += v;
      ++present;
    }
  }
  if (present <= lag + 1) return kNaN;
  mean /= static_cast<double>(present);
  const double g0 = Autocovariance(values, 0, mean, present);
  // A constant series has no autocorrelation (NaN). Rounding leaves a variance of ~1e-32
  // relative to the mean's square in a constant rate such as 50/60 per second, which would read
  // as a perfectly correlated series: spreads below 1e-10 of the mean are none.
  return g0 > 1e-20 * mean * mean && g0 > 0 ? Autocovariance(values, lag, mean, present) / g0
                                            : kNaN;
}

double Gpd::Sample(double u) const {
  const double q = 1.0 - std::clamp(u, 0.0, 1.0 - 1e-12);
  if (std::abs(shape) < 1e-9) return -scale * std::log(q);
  return scale / shape * (std::pow(q, -shape) - 1.0);
}

Gpd FitGpd(std::span<const double> excesses) {
  double mean = 0;
  for (double e : excesses) mean += e;
  Gpd gpd;
  if (excesses.empty()) return gpd;
  mean /= static_cast<double>(excesses.size());
  gpd.scale = mean;
  if (excesses.size() < 2) return gpd;
  double var = 0;
  for (double e : excesses) var += (e - mean) * (e - mean);
  var /= static_cast<double>(excesses.size() - 1);
  if (!(var > 0) || !(mean > 0)) return gpd;
  const double ratio = mean * mean / var;
  gpd.shape = std::clamp(0.5 * (1.0 - ratio), -0.5, 0.45);
  // Scale that keeps the fitted mean: E = sigma / (1 - xi).
  gpd.scale = mean * (1.0 - gpd.shape);
  return gpd;
}

Line TheilSen(std::span<const double> x, std::span<const double> y) {
  std::vector<double> xs, ys;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isnan(y[i]) && !std::isnan(x[i])) {
      xs.push_back(x[i]);
      ys.push_back(y[i]);
    }
  }
  Line line;
  if (xs.empty()) return line;
  std::vector<double> slopes;
  for (size_t i = 0; i < xs.size(); ++i) {
    for (size_t j = i + 1; j < xs.size(); ++j) {
      if (xs[j] != xs[i]) slopes.push_back((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  line.slope = slopes.empty() ? 0.0 : Median(std::move(slopes));
  std::vector<double> intercepts(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) intercepts[i] = ys[i] - line.slope * xs[i];
  line.intercept = Median(std::move(intercepts));
  return line;
}

double MannKendallZ(std::span<const double> x, std::span<const double> y) {
  std::vector<std::pair<double, double>> points;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isnan(y[i]) && !std::isnan(x[i])) points.emplace_back(x[i], y[i]);
  }
  const double n = static_cast<double>(points.size());
  if (points.size() < 3) return 0.0;
  double s = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    for (size_t j = i + 1; j < points.size(); ++j) {
      const double d = (points[j].second - points[i].second) * (points[j].first - points[i].first);
      s += (d > 0) - (d < 0);
    }
  }
  const double sd = std::sqrt(n * (n - 1) * (2 * n + 5) / 18.0);
  if (s > 0) return (s - 1) / sd;
  if (s < 0) return (s + 1) / sd;
  return 0.0;
}

}  // namespace forescale::generate::internal
