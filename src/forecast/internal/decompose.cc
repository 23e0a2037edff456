#include "forecast/internal/decompose.h"

#include <algorithm>

namespace forescale::forecast::internal {
namespace {

// Moving average of an odd window `w` with shrinking windows at the ends.
std::vector<double> OddMovingAverage(const std::vector<double>& v, size_t w) {
  const size_t n = v.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + v[i];
  std::vector<double> out(n);
  const size_t half = w / 2;
  for (size_t i = 0; i < n; ++i) {
    const size_t lo = i >= half ? i - half : 0;
    const size_t hi = std::min(n, i + half + 1);
    out[i] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
  }
  return out;
}

}  // namespace

std::vector<double> CenteredMovingAverage(const std::vector<double>& values, size_t window) {
  if (window <= 1 || values.empty()) return values;
  if (window % 2 == 1) return OddMovingAverage(values, window);
  // 2 x m: average of two adjacent m-windows = a (m+1)-window with half weights at the ends.
  const size_t n = values.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + values[i];
  std::vector<double> out(n);
  const size_t half = window / 2;
  for (size_t i = 0; i < n; ++i) {
    if (i >= half && i + half < n) {
      const double inner = prefix[i + half] - prefix[i - half + 1];
      out[i] = (inner + 0.5 * (values[i - half] + values[i + half])) / static_cast<double>(window);
    } else {
      const size_t lo = i >= half ? i - half : 0;
      const size_t hi = std::min(n, i + half + 1);
      out[i] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    }
  }
  return out;
}

std::vector<double> PhaseMeans(const std::vector<double>& values, size_t period, size_t from,
                               size_t to) {
  std::vector<double> sum(period, 0.0);
  std::vector<size_t> count(period, 0);
  if (to == 0 || to > values.size()) to = values.size();
  if (from >= to) from = 0;
  for (size_t i = from; i < to; ++i) {
    sum[i % period] += values[i];
    ++count[i % period];
  }
  double total = 0;
  for (size_t p = 0; p < period; ++p) {
    sum[p] = count[p] ? sum[p] / static_cast<double>(count[p]) : 0.0;
    total += sum[p];
  }
  const double centre = total / static_cast<double>(period);
  for (double& s : sum) s -= centre;
  return sum;
}

Decomposition Mstl(const std::vector<double>& values, const std::vector<size_t>& periods,
                   size_t iterations, size_t cycles_window) {
  const size_t n = values.size();
  Decomposition d;
  d.periods = periods;
  d.seasonal.assign(periods.size(), std::vector<double>(n, 0.0));
  std::vector<double> deseasoned = values;
  for (size_t it = 0; it < iterations; ++it) {
    for (size_t k = 0; k < periods.size(); ++k) {
      const size_t p = periods[k];
      // Put this component back, then re-extract it.
      for (size_t i = 0; i < n; ++i) deseasoned[i] += d.seasonal[k][i];
      const std::vector<double> trend = CenteredMovingAverage(deseasoned, p);
      std::vector<double> detrended(n);
      for (size_t i = 0; i < n; ++i) detrended[i] = deseasoned[i] - trend[i];
      // Cycle-subseries smoothing: each value becomes the mean of the same phase over the
      // neighbouring `cycles_window` cycles (fewer at the ends).
      std::vector<double> season(n);
      const size_t half = cycles_window / 2;
      for (size_t phase = 0; phase < p; ++phase) {
        std::vector<double> sub;
        for (size_t i = phase; i < n; i += p) sub.push_back(detrended[i]);
        std::vector<double> prefix(sub.size() + 1, 0.0);
        for (size_t c = 0; c < sub.size(); ++c) prefix[c + 1] = prefix[c] + sub[c];
        for (size_t c = 0; c < sub.size(); ++c) {
          const size_t lo = c >= half ? c - half : 0;
          const size_t hi = std::min(sub.size(), c + half + 1);
          season[phase + c * p] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
        }
      }
      // Remove what of the season is really trend: its own moving average over one period.
      const std::vector<double> low = CenteredMovingAverage(season, p);
      for (size_t i = 0; i < n; ++i) {
        d.seasonal[k][i] = season[i] - low[i];
        deseasoned[i] -= d.seasonal[k][i];
      }
    }
  }
  // Trend: a smooth of the deseasoned series over the longest period's scale would lag; MSTL
  // uses STL's loess trend. A moving average over the shortest period keeps level changes.
  const size_t trend_window = periods.empty() ? 1 : periods.front();
  d.trend = CenteredMovingAverage(deseasoned, trend_window);
  d.remainder.resize(n);
  for (size_t i = 0; i < n; ++i) d.remainder[i] = deseasoned[i] - d.trend[i];
  return d;
}

}  // namespace forescale::forecast::internal
