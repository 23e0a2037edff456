#include "forecast/internal/decompose.h"

#include <algorithm>
#include <utility>

#include "forecast/internal/stl.h"

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

size_t WidestSeasonWindow(size_t shortest_period) { return 2 * (shortest_period / 100) + 1; }

size_t CrossValidatedSeasonWindow(const std::vector<double>& detrended, size_t period,
                                  size_t widest) {
  const size_t cycles = period ? detrended.size() / period : 0;
  if (cycles < 3 || widest < 3) return 1;
  std::vector<size_t> windows = {1};
  for (double w = 3; w <= static_cast<double>(widest); w *= 1.4) {
    const size_t odd = static_cast<size_t>(w) | 1;
    if (odd > windows.back() && odd <= widest) windows.push_back(odd);
  }
  // Whole cycles ending at the end of the series: the newest cycle is the one carried forward.
  const double* first = detrended.data() + (detrended.size() - cycles * period);
  std::vector<double> total(period, 0.0);
  for (size_t c = 0; c < cycles; ++c) {
    for (size_t b = 0; b < period; ++b) total[b] += first[c * period + b];
  }
  std::vector<double> error(windows.size(), 0.0), others(period);
  for (size_t c = 0; c < cycles; ++c) {
    const double* held = first + c * period;
    double mean = 0;
    for (size_t b = 0; b < period; ++b) {
      others[b] = (total[b] - held[b]) / static_cast<double>(cycles - 1);
      mean += others[b] / static_cast<double>(period);
    }
    for (double& v : others) v -= mean;
    for (size_t k = 0; k < windows.size(); ++k) {
      const std::vector<double> guess = SmoothSeasonal(others, period, windows[k]);
      double level = 0;
      for (size_t b = 0; b < period; ++b)
        level += (held[b] - guess[b]) / static_cast<double>(period);
      for (size_t b = 0; b < period; ++b) {
        const double d = held[b] - guess[b] - level;
        error[k] += d * d;
      }
    }
  }
  return windows[static_cast<size_t>(std::min_element(error.begin(), error.end()) - error.begin())];
}

std::vector<double> SmoothSeasonal(const std::vector<double>& seasonal, size_t period,
                                   size_t window) {
  const size_t n = seasonal.size();
  const auto half = static_cast<ptrdiff_t>(window / 2);
  if (half < 1 || period < 2 || n < period) return seasonal;
  const auto p = static_cast<ptrdiff_t>(period);
  const auto size = static_cast<ptrdiff_t>(n);
  auto at = [&](ptrdiff_t i) {
    while (i >= size) i -= p;
    while (i < 0) i += p;
    return seasonal[static_cast<size_t>(i)];
  };
  std::vector<double> out(n);
  double sum = 0;
  for (ptrdiff_t j = -half; j <= half; ++j) sum += at(j);
  const double width = static_cast<double>(2 * half + 1);
  for (ptrdiff_t i = 0; i < size; ++i) {
    out[static_cast<size_t>(i)] = sum / width;
    sum += at(i + half + 1) - at(i - half);
  }
  return out;
}

Decomposition Mstl(const std::vector<double>& values, std::vector<size_t> periods,
                   size_t iterations) {
  const size_t n = values.size();
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  std::erase_if(periods, [n](size_t p) { return p < 2 || n <= 2 * p; });
  Decomposition d{.trend = values, .periods = periods};
  d.seasonal.assign(periods.size(), std::vector<double>(n, 0.0));
  std::vector<double> deseasoned = values;
  // At least one pass; with one period a second pass would decompose the same series again.
  if (periods.size() <= 1 || iterations == 0) iterations = 1;
  for (size_t it = 0; it < iterations; ++it) {
    for (size_t k = 0; k < periods.size(); ++k) {
      // Put this component back, then re-extract it with the others removed.
      for (size_t i = 0; i < n; ++i) deseasoned[i] += d.seasonal[k][i];
      StlResult fit = Stl(deseasoned, periods[k], {.seasonal_window = 11 + 4 * k});
      d.seasonal[k] = std::move(fit.seasonal);
      for (size_t i = 0; i < n; ++i) deseasoned[i] -= d.seasonal[k][i];
      d.trend = std::move(fit.trend);
    }
  }
  d.remainder.resize(n);
  for (size_t i = 0; i < n; ++i) d.remainder[i] = deseasoned[i] - d.trend[i];
  return d;
}

}  // namespace forescale::forecast::internal
