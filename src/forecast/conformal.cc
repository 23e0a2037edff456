#include "forecast/conformal.h"

#include <algorithm>
#include <cmath>

namespace forescale::forecast {
namespace {

constexpr size_t kMinPooled = 40;

// Type-7 quantile of sorted values.
double SortedQuantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double h = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

}  // namespace

ConformalCalibrator::ConformalCalibrator(const std::vector<FoldForecast>& folds) {
  size_t horizon = 0;
  for (const auto& f : folds) horizon = std::max(horizon, f.actual.size());
  std::vector<std::vector<double>> raw(horizon);
  for (const auto& f : folds) {
    for (size_t j = 0; j < f.actual.size(); ++j) {
      if (!std::isnan(f.actual[j])) raw[j].push_back(f.actual[j] - f.mean[j]);
    }
  }
  // Pool the nearest steps around each step until at least kMinPooled errors are in (the
  // window grows on one side only at the ends of the horizon).
  errors_by_step_.resize(horizon);
  for (size_t j = 0; j < horizon; ++j) {
    size_t lo = j, hi = j + 1, count = raw[j].size();
    while (count < kMinPooled && (lo > 0 || hi < horizon)) {
      if (hi < horizon && (lo == 0 || hi - j <= j - lo)) {
        count += raw[hi++].size();
      } else {
        count += raw[--lo].size();
      }
    }
    for (size_t k = lo; k < hi; ++k) {
      errors_by_step_[j].insert(errors_by_step_[j].end(), raw[k].begin(), raw[k].end());
    }
    std::sort(errors_by_step_[j].begin(), errors_by_step_[j].end());
  }
}

size_t ConformalCalibrator::errors() const {
  size_t n = 0;
  for (const auto& e : errors_by_step_) n += e.size();
  return n;
}

std::vector<double> ConformalCalibrator::Quantile(const std::vector<double>& mean, double q) const {
  std::vector<double> out(mean.size());
  for (size_t j = 0; j < mean.size(); ++j) {
    // Beyond the backtested horizon, the last step's errors are the best estimate there is.
    const std::vector<double>* errors = nullptr;
    if (!errors_by_step_.empty()) errors = &errors_by_step_[std::min(j, errors_by_step_.size() - 1)];
    if (!errors || errors->empty()) {
      out[j] = mean[j];
      continue;
    }
    // Finite-sample correction: with m calibration errors, the conformal upper quantile is
    // the ceil((m+1) q)-th smallest; moving q away from the median by that much does it.
    const double m = static_cast<double>(errors->size());
    const double adjusted = q >= 0.5 ? std::min(1.0, q * (m + 1) / m)
                                     : std::max(0.0, 1.0 - (1.0 - q) * (m + 1) / m);
    out[j] = mean[j] + SortedQuantile(*errors, adjusted);
  }
  return out;
}

std::vector<std::vector<double>> QuantileForecasts(const ConformalCalibrator& calibrator,
                                                   const std::vector<double>& mean,
                                                   const std::vector<double>& qs,
                                                   bool non_negative) {
  std::vector<std::vector<double>> out;
  for (double q : qs) out.push_back(calibrator.Quantile(mean, q));
  // Non-crossing: sort each step's values in the order of q.
  std::vector<size_t> order(qs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return qs[a] < qs[b]; });
  std::vector<double> column(qs.size());
  for (size_t j = 0; j < mean.size(); ++j) {
    for (size_t i = 0; i < qs.size(); ++i) column[i] = out[order[i]][j];
    std::sort(column.begin(), column.end());
    for (size_t i = 0; i < qs.size(); ++i) {
      out[order[i]][j] = non_negative ? std::max(0.0, column[i]) : column[i];
    }
  }
  return out;
}

}  // namespace forescale::forecast
