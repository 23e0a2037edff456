#include "forecast/internal/stl.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace forescale::forecast::internal {
namespace {

// The details below (window clipping at the ends, the 0.001/0.999 cut-offs of the tricube,
// the degree-1 guard, which window the last point is fitted with) follow the netlib Fortran
// that R runs, so that our components equal R's.

// Tricube weight at distance r from the evaluation point, for a half-width h (inv_h = 1 / h).
double Tricube(double r, double h, double inv_h) {
  if (r <= 0.001 * h) return 1.0;
  if (r > 0.999 * h) return 0.0;
  const double u = r * inv_h;
  const double c = 1.0 - u * u * u;
  return c * c * c;
}

// Weighted sums over a window, in coordinates d relative to the evaluation point: one pass
// gives what R's separate passes (normalise, weighted mean, variance, reweight) give.
struct Sums {
  double s0 = 0, s1 = 0, s2 = 0;  // sum of w, w d, w d^2
  double sy = 0, sdy = 0;         // sum of w y, w d y
};

// The local constant (degree 0) or local line (degree 1) at d = 0. The line is skipped, as in
// R, when the points are too bunched around their mean for its slope to be trusted.
double LocalFit(const Sums& s, double h, int degree, double range) {
  const double mean_y = s.sy / s.s0;
  if (h <= 0 || degree == 0) return mean_y;
  const double mean_d = s.s1 / s.s0;
  const double var = std::max(0.0, s.s2 / s.s0 - mean_d * mean_d);
  if (std::sqrt(var) <= 0.001 * range) return mean_y;
  return mean_y + (-mean_d / var) * (s.sdy / s.s0 - mean_d * mean_y);
}

// Loess estimate at position `x` (it may lie outside the data, for the cycle-subseries
// extension) from the points [left, right] of `y`, with tricube weights over the larger
// distance to either end of that range (widened when the window is longer than the data).
// Returns false when no point gets a weight.
bool LoessAt(std::span<const double> y, size_t window, int degree, double x, size_t left,
             size_t right, double& out) {
  const size_t n = y.size();
  double h = std::max(x - static_cast<double>(left), static_cast<double>(right) - x);
  if (window > n) h += static_cast<double>((window - n) / 2);
  const double inv_h = h > 0 ? 1.0 / h : 0.0;
  Sums s;
  if (degree == 0) {  // the seasonal smoother: a weighted mean needs only two sums
    for (size_t j = left; j <= right; ++j) {
      const double w = Tricube(std::fabs(static_cast<double>(j) - x), h, inv_h);
      s.s0 += w;
      s.sy += w * y[j];
    }
  } else {
    for (size_t j = left; j <= right; ++j) {
      const double d = static_cast<double>(j) - x;
      const double w = Tricube(std::fabs(d), h, inv_h);
      s.s0 += w;
      s.s1 += w * d;
      s.s2 += w * d * d;
      s.sy += w * y[j];
      s.sdy += w * d * y[j];
    }
  }
  if (s.s0 <= 0) return false;
  out = LocalFit(s, h, degree, static_cast<double>(n) - 1.0);
  return true;
}

// The weights of a window of `window` (odd) points centred on its evaluation point, which are
// the same for every point whose window lies inside the data: computed once per smooth, they
// leave two multiply-adds per point (the long trend and low-pass windows are most of the cost).
struct CentredKernel {
  explicit CentredKernel(size_t window) : half((window - 1) / 2), w(window), wd(window) {
    const double h = static_cast<double>(half);
    for (size_t k = 0; k < window; ++k) {
      const double d = static_cast<double>(k) - h;
      w[k] = Tricube(std::fabs(d), h, 1.0 / h);
      wd[k] = w[k] * d;
      sums.s0 += w[k];
      sums.s1 += w[k] * d;
      sums.s2 += w[k] * d * d;
    }
  }
  // The estimate at `left + half` from y[left .. left + 2 half].
  double At(std::span<const double> y, size_t left, int degree) const {
    Sums s = sums;
    for (size_t k = 0; k < w.size(); ++k) {
      s.sy += w[k] * y[left + k];
      s.sdy += wd[k] * y[left + k];
    }
    return LocalFit(s, static_cast<double>(half), degree, static_cast<double>(y.size()) - 1.0);
  }

  size_t half;
  std::vector<double> w, wd;
  Sums sums;
};

// Loess smooth of `y` into `out` (same length) with a window of `window` (odd) points,
// evaluated at every `jump`-th point and at the last one, linear in between.
void LoessSmooth(std::span<const double> y, size_t window, int degree, size_t jump,
                 std::span<double> out) {
  const size_t n = y.size();
  if (n < 2) {
    if (n == 1) out[0] = y[0];
    return;
  }
  const size_t step = std::max<size_t>(1, std::min(jump, n - 1));
  size_t left = 0, right = n - 1;
  std::optional<CentredKernel> kernel;
  if (window < n && window >= 3) kernel.emplace(window);
  auto estimate = [&](size_t i) {
    if (kernel && i == left + kernel->half && right == left + window - 1) {
      out[i] = kernel->At(y, left, degree);
    } else if (!LoessAt(y, window, degree, static_cast<double>(i), left, right, out[i])) {
      out[i] = y[i];
    }
  };
  if (window >= n) {
    for (size_t i = 0; i < n; i += step) estimate(i);
  } else if (step == 1) {
    // The window slides once its centre passes half a window in, and stops at the end.
    const size_t half = (window + 1) / 2;
    right = window - 1;
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 > half && right != n - 1) {
        ++left;
        ++right;
      }
      estimate(i);
    }
  } else {
    const size_t half = (window + 1) / 2;
    for (size_t i = 0; i < n; i += step) {
      if (i + 1 < half) {
        left = 0;
      } else if (i + half >= n) {
        left = n - window;
      } else {
        left = i + 1 - half;
      }
      right = left + window - 1;
      estimate(i);
    }
  }
  if (step == 1) return;
  for (size_t i = 0; i + step < n; i += step) {
    const double delta = (out[i + step] - out[i]) / static_cast<double>(step);
    for (size_t j = i + 1; j < i + step; ++j) out[j] = out[i] + delta * static_cast<double>(j - i);
  }
  const size_t last = ((n - 1) / step) * step;
  if (last != n - 1) {
    // R fits the last point with the window of the last evaluated one.
    estimate(n - 1);
    const double delta = (out[n - 1] - out[last]) / static_cast<double>(n - 1 - last);
    for (size_t j = last + 1; j < n - 1; ++j) {
      out[j] = out[last] + delta * static_cast<double>(j - last);
    }
  }
}

// Moving average of `len` points: out[i] = mean(x[i .. i + len - 1]), x.size() - len + 1 values.
void MovingAverage(std::span<const double> x, size_t len, std::vector<double>& out) {
  const size_t m = x.size() - len + 1;
  out.resize(m);
  double v = 0;
  for (size_t i = 0; i < len; ++i) v += x[i];
  const double flen = static_cast<double>(len);
  out[0] = v / flen;
  for (size_t j = 1; j < m; ++j) {
    v += x[j + len - 1] - x[j - 1];
    out[j] = v / flen;
  }
}

size_t OddAtLeast3(size_t window) { return std::max<size_t>(3, window | 1); }

size_t DefaultJump(size_t window) { return std::max<size_t>(1, (window + 9) / 10); }

}  // namespace

StlResult Stl(std::span<const double> values, size_t period, const StlOptions& options) {
  const size_t n = values.size();
  StlResult r{.seasonal = std::vector<double>(n, 0.0),
              .trend = std::vector<double>(values.begin(), values.end()),
              .remainder = std::vector<double>(n, 0.0)};
  if (period < 2 || n <= 2 * period) return r;

  // R's defaults, from the windows as given (the jumps too); the Fortran then makes the
  // windows odd and at least 3.
  const size_t s_given = options.seasonal_window;
  size_t t_given = options.trend_window;
  if (t_given == 0) {
    const double s = static_cast<double>(std::max<size_t>(s_given, 2));
    t_given = static_cast<size_t>(std::ceil(1.5 * static_cast<double>(period) / (1.0 - 1.5 / s)));
    t_given |= 1;
  }
  const size_t l_given = options.low_pass_window ? options.low_pass_window : period | 1;
  const size_t s_window = OddAtLeast3(s_given), t_window = OddAtLeast3(t_given),
               l_window = OddAtLeast3(l_given);
  const size_t s_jump = options.seasonal_jump ? options.seasonal_jump : DefaultJump(s_given);
  const size_t t_jump = options.trend_jump ? options.trend_jump : DefaultJump(t_given);
  const size_t l_jump = options.low_pass_jump ? options.low_pass_jump : DefaultJump(l_given);

  std::vector<double>& trend = r.trend;
  std::fill(trend.begin(), trend.end(), 0.0);
  // Few buffers, reused: a fit on a long series is mostly memory traffic otherwise.
  std::vector<double> adjusted(n), cycles(n + 2 * period), smooth_a, smooth_b(n), sub, sub_smooth;
  for (size_t it = 0; it < options.inner_iterations; ++it) {
    for (size_t i = 0; i < n; ++i) adjusted[i] = values[i] - trend[i];
    // Cycle-subseries smoothing, each subseries extended by one cycle at either end, so
    // `cycles` covers one period before the data to one period after.
    for (size_t phase = 0; phase < period; ++phase) {
      const size_t k = (n - 1 - phase) / period + 1;
      sub.resize(k);
      sub_smooth.resize(k + 2);
      for (size_t i = 0; i < k; ++i) sub[i] = adjusted[i * period + phase];
      LoessSmooth(sub, s_window, options.seasonal_degree, s_jump,
                  std::span<double>(sub_smooth).subspan(1, k));
      if (!LoessAt(sub, s_window, options.seasonal_degree, -1.0, 0, std::min(s_window, k) - 1,
                   sub_smooth[0])) {
        sub_smooth[0] = sub_smooth[1];
      }
      if (!LoessAt(sub, s_window, options.seasonal_degree, static_cast<double>(k),
                   k > s_window ? k - s_window : 0, k - 1, sub_smooth[k + 1])) {
        sub_smooth[k + 1] = sub_smooth[k];
      }
      for (size_t m = 0; m < k + 2; ++m) cycles[m * period + phase] = sub_smooth[m];
    }
    // Low-pass of the cycle-subseries: moving averages of period, period and 3 points bring
    // the n + 2 period values back to n, then loess.
    MovingAverage(cycles, period, smooth_a);
    MovingAverage(smooth_a, period, smooth_b);
    MovingAverage(smooth_b, 3, smooth_a);
    smooth_b.resize(n);
    LoessSmooth(smooth_a, l_window, options.low_pass_degree, l_jump, smooth_b);
    for (size_t i = 0; i < n; ++i) {
      r.seasonal[i] = cycles[period + i] - smooth_b[i];
      adjusted[i] = values[i] - r.seasonal[i];
    }
    LoessSmooth(adjusted, t_window, options.trend_degree, t_jump, trend);
  }
  for (size_t i = 0; i < n; ++i) r.remainder[i] = values[i] - r.seasonal[i] - trend[i];
  return r;
}

}  // namespace forescale::forecast::internal
