#include "forecast/conformal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

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

// Pools the nearest steps around each step until at least kMinPooled errors are in (the window
// grows on one side only at the ends of the horizon): [first, last) per step.
template <typename CountAt>
std::vector<std::pair<size_t, size_t>> PoolWindows(size_t horizon, CountAt count_at) {
  std::vector<std::pair<size_t, size_t>> windows(horizon);
  for (size_t j = 0; j < horizon; ++j) {
    size_t lo = j, hi = j + 1, count = count_at(j);
    while (count < kMinPooled && (lo > 0 || hi < horizon)) {
      if (hi < horizon && (lo == 0 || hi - j <= j - lo)) {
        count += count_at(hi++);
      } else {
        count += count_at(--lo);
      }
    }
    windows[j] = {lo, hi};
  }
  return windows;
}

// The finite-sample correction of conformal prediction: with m calibration errors, the
// conformal upper quantile is the ceil((m+1) q)-th smallest; moving q away from the median by
// that much does it.
double AdjustedLevel(double q, double m) {
  return q >= 0.5 ? std::min(1.0, q * (m + 1) / m) : std::max(0.0, 1.0 - (1.0 - q) * (m + 1) / m);
}

double ScaleFor(double mean, double level_floor) {
  return level_floor > 0 ? std::sqrt(std::max(mean, 0.0) + level_floor) : 1.0;
}

}  // namespace

double ConformalCalibrator::Scale(double mean) const { return ScaleFor(mean, level_floor_); }

ConformalCalibrator::ConformalCalibrator(const std::vector<FoldForecast>& folds,
                                         double level_floor, size_t leave_out)
    : level_floor_(level_floor) {
  size_t horizon = 0, used = 0;
  for (size_t k = 0; k < folds.size(); ++k) {
    if (k == leave_out) continue;
    horizon = std::max(horizon, folds[k].actual.size());
    ++used;
  }
  // Errors within one fold share that fold's day (its level, its weather): the independent
  // evidence is the number of folds K, not the number of errors. Widening by sqrt(1 + 1/K),
  // the factor of a prediction interval for a new draw estimated from K draws, keeps the
  // coverage promise with few folds.
  if (used > 0) fold_inflation_ = std::sqrt(1.0 + 1.0 / static_cast<double>(used));
  // Errors by step, flat: step j's are errors_[first_[j]] .. errors_[first_[j + 1] - 1].
  first_.assign(horizon + 1, 0);
  for (size_t k = 0; k < folds.size(); ++k) {
    if (k == leave_out) continue;
    const FoldForecast& f = folds[k];
    for (size_t j = 0; j < f.actual.size(); ++j) first_[j + 1] += !std::isnan(f.actual[j]);
  }
  for (size_t j = 0; j < horizon; ++j) first_[j + 1] += first_[j];
  errors_.resize(first_[horizon]);
  std::vector<size_t> next(first_.begin(), first_.end() - 1);
  for (size_t k = 0; k < folds.size(); ++k) {
    if (k == leave_out) continue;
    const FoldForecast& f = folds[k];
    for (size_t j = 0; j < f.actual.size(); ++j) {
      if (!std::isnan(f.actual[j])) errors_[next[j]++] = (f.actual[j] - f.mean[j]) / Scale(f.mean[j]);
    }
  }
  window_ = PoolWindows(horizon, [&](size_t j) { return first_[j + 1] - first_[j]; });
}

size_t ConformalCalibrator::errors() const { return errors_.size(); }

std::vector<std::vector<double>> ConformalCalibrator::Quantiles(
    const std::vector<double>& mean, const std::vector<double>& qs) const {
  std::vector<std::vector<double>> out(qs.size(), mean);
  if (window_.empty()) return out;
  // The pooled window slides along the horizon: keep it sorted and move only the steps that
  // leave and enter, instead of re-sorting ~40 errors for every step.
  std::vector<double> pooled;
  size_t cur_lo = 0, cur_hi = 0;
  auto add = [&](size_t k) {
    for (size_t i = first_[k]; i < first_[k + 1]; ++i) {
      pooled.insert(std::upper_bound(pooled.begin(), pooled.end(), errors_[i]), errors_[i]);
    }
  };
  auto remove = [&](size_t k) {
    for (size_t i = first_[k]; i < first_[k + 1]; ++i) {
      pooled.erase(std::lower_bound(pooled.begin(), pooled.end(), errors_[i]));
    }
  };
  for (size_t j = 0; j < mean.size(); ++j) {
    // Beyond the backtested horizon, the last step's errors are the best estimate there is.
    const auto [lo, hi] = window_[std::min(j, window_.size() - 1)];
    if (lo < cur_lo || lo >= cur_hi) {  // not a forward slide: rebuild
      pooled.clear();
      pooled.assign(errors_.begin() + static_cast<ptrdiff_t>(first_[lo]),
                    errors_.begin() + static_cast<ptrdiff_t>(first_[hi]));
      std::sort(pooled.begin(), pooled.end());
    } else {
      for (size_t k = cur_lo; k < lo; ++k) remove(k);
      for (size_t k = cur_hi; k < hi; ++k) add(k);
      for (size_t k = hi; k < cur_hi; ++k) remove(k);
    }
    cur_lo = lo;
    cur_hi = hi;
    if (pooled.empty()) continue;
    const double m = static_cast<double>(pooled.size());
    for (size_t i = 0; i < qs.size(); ++i) {
      out[i][j] = mean[j] + SortedQuantile(pooled, AdjustedLevel(qs[i], m)) * Scale(mean[j]) *
                                fold_inflation_;
    }
  }
  return out;
}

std::vector<double> HeldOutWidthFactors(const std::vector<FoldForecast>& folds,
                                        const FoldQuantiles& held_out,
                                        const std::vector<double>& qs) {
  constexpr double kLow = 0.5, kHigh = 3.0;
  std::vector<double> factors(qs.size(), 1.0);
  for (size_t i = 0; i < qs.size(); ++i) {
    const double q = qs[i];
    auto it = held_out.find(q);
    if (it == held_out.end() || q == 0.5) continue;
    // (actual - mean, quantile - mean) per held-out step.
    std::vector<std::pair<double, double>> pairs;
    for (size_t f = 0; f < folds.size() && f < it->second.size(); ++f) {
      for (size_t j = 0; j < folds[f].actual.size(); ++j) {
        const double y = folds[f].actual[j];
        if (std::isnan(y)) continue;
        pairs.emplace_back(y - folds[f].mean[j], it->second[f][j] - folds[f].mean[j]);
      }
    }
    const double n = static_cast<double>(pairs.size());
    if (n * std::min(q, 1 - q) < 2) continue;
    // A level that mostly lies on the other side of the mean (q0.61 below the mean of skewed
    // counts) is not widened: scaling its distance moves it the wrong way, and the search below
    // ran to the cap (x3; found by probing).
    const auto wrong_side = std::count_if(pairs.begin(), pairs.end(), [q](const auto& p) {
      return q > 0.5 ? p.second <= 0 : p.second >= 0;
    });
    if (2 * static_cast<double>(wrong_side) >= n) continue;
    auto below = [&](double c) {
      size_t count = 0;
      for (const auto& [error, distance] : pairs) count += error <= c * distance;
      return static_cast<double>(count) / n;
    };
    // A miss within two binomial standard deviations is what a calibrated q shows on n
    // steps by chance: correcting it would fit noise.
    if (std::fabs(below(1.0) - q) <= 2 * std::sqrt(q * (1 - q) / n)) continue;
    // Above the median, the share below grows with c: the smallest c that reaches q. Below
    // it, the share falls as c grows: the smallest c that gets down to q.
    auto enough = [&](double c) { return q > 0.5 ? below(c) >= q : below(c) <= q; };
    if (enough(kLow)) {
      factors[i] = kLow;
      continue;
    }
    if (!enough(kHigh)) {
      factors[i] = kHigh;
      continue;
    }
    double lo = kLow, hi = kHigh;
    while (hi - lo > 1e-3) {
      const double mid = 0.5 * (lo + hi);
      (enough(mid) ? hi : lo) = mid;
    }
    factors[i] = hi;
  }
  return factors;
}

namespace {

// Whether every fold has the same length and the same steps present: then every fold's
// leave-one-out calibrator pools the same windows, which LeaveOneFoldOutQuantiles exploits.
bool SamePresentSteps(const std::vector<FoldForecast>& folds) {
  for (const FoldForecast& f : folds) {
    if (f.actual.size() != folds.front().actual.size() || f.mean.size() != f.actual.size()) {
      return false;
    }
    for (size_t j = 0; j < f.actual.size(); ++j) {
      if (std::isnan(f.actual[j]) != std::isnan(folds.front().actual[j])) return false;
    }
  }
  return true;
}

}  // namespace

FoldQuantiles LeaveOneFoldOutQuantiles(const std::vector<FoldForecast>& folds,
                                       const std::vector<double>& qs, double level_floor) {
  FoldQuantiles out;
  for (double q : qs) out[q].resize(folds.size());
  if (folds.size() < 2 || !SamePresentSteps(folds)) {
    for (size_t f = 0; f < folds.size(); ++f) {
      // A single fold: in-sample is all there is.
      const size_t leave_out = folds.size() > 1 ? f : ConformalCalibrator::kNoFold;
      const auto quantiles =
          ConformalCalibrator(folds, level_floor, leave_out).Quantiles(folds[f].mean, qs);
      for (size_t i = 0; i < qs.size(); ++i) out[qs[i]][f] = quantiles[i];
    }
    return out;
  }
  // One sorted pool of every fold's errors slides along the horizon; fold f's quantile is read
  // off it with f's own errors skipped. That is what fold f's own calibrator would pool (the
  // same windows: every fold has the same steps present), at the cost of one calibrator
  // instead of K.
  const size_t folds_n = folds.size(), horizon = folds.front().actual.size();
  auto present = [&](size_t j) -> size_t { return std::isnan(folds.front().actual[j]) ? 0 : 1; };
  const auto windows = PoolWindows(horizon, [&](size_t j) { return (folds_n - 1) * present(j); });
  const double inflation = std::sqrt(1.0 + 1.0 / static_cast<double>(folds_n - 1));
  std::vector<std::vector<double>> errors(folds_n, std::vector<double>(horizon, 0.0));
  for (size_t f = 0; f < folds_n; ++f) {
    for (size_t j = 0; j < horizon; ++j) {
      if (present(j)) {
        errors[f][j] = (folds[f].actual[j] - folds[f].mean[j]) / ScaleFor(folds[f].mean[j], level_floor);
      }
    }
  }
  for (double q : qs) {
    for (size_t f = 0; f < folds_n; ++f) out[q][f] = folds[f].mean;
  }
  // The pool slides: each step keeps the entries whose step is still in the window and merges
  // in the new steps' (sorted), one linear pass instead of an insertion per error.
  struct Entry {
    double error;
    uint32_t fold;
    uint32_t step;
  };
  auto by_error = [](const Entry& a, const Entry& b) { return a.error < b.error; };
  std::vector<Entry> pooled, merged, incoming;
  std::vector<std::vector<size_t>> positions(folds_n);  // of each fold's errors in `pooled`
  std::vector<std::vector<std::vector<double>>*> out_of_q;  // out[qs[i]]
  for (double q : qs) out_of_q.push_back(&out[q]);
  std::vector<size_t> ranks(qs.size());
  std::vector<double> fractions(qs.size());
  std::vector<size_t> needed;
  std::vector<double> value_at(2 * qs.size());
  size_t cur_lo = 0, cur_hi = 0;
  for (size_t j = 0; j < horizon; ++j) {
    const auto [lo, hi] = windows[j];
    incoming.clear();
    for (size_t k = lo; k < hi; ++k) {
      if ((k >= cur_lo && k < cur_hi) || !present(k)) continue;
      for (size_t f = 0; f < folds_n; ++f) {
        incoming.push_back({errors[f][k], static_cast<uint32_t>(f), static_cast<uint32_t>(k)});
      }
    }
    std::sort(incoming.begin(), incoming.end(), by_error);
    merged.clear();
    for (auto& p : positions) p.clear();
    auto take = [&](const Entry& e) {
      positions[e.fold].push_back(merged.size());
      merged.push_back(e);
    };
    size_t a = 0, b = 0;
    while (true) {
      while (a < pooled.size() && (pooled[a].step < lo || pooled[a].step >= hi)) ++a;
      if (a == pooled.size()) {
        while (b < incoming.size()) take(incoming[b++]);
        break;
      }
      if (b < incoming.size() && incoming[b].error < pooled[a].error) {
        take(incoming[b++]);
      } else {
        take(pooled[a++]);
      }
    }
    pooled.swap(merged);
    cur_lo = lo;
    cur_hi = hi;
    const size_t m = pooled.size() / folds_n * (folds_n - 1);  // what each leave-out pools
    if (m == 0) continue;
    // SortedQuantile (type 7) on the others' errors reads ranks r and r + 1 (or the last one):
    // the ranks every q needs, ascending, so each fold is read in one walk.
    needed.clear();
    for (size_t i = 0; i < qs.size(); ++i) {
      const double h = AdjustedLevel(qs[i], static_cast<double>(m)) * static_cast<double>(m - 1);
      ranks[i] = static_cast<size_t>(std::floor(h));
      fractions[i] = h - static_cast<double>(ranks[i]);
      needed.push_back(std::min(ranks[i], m - 1));
      if (ranks[i] + 1 < m) needed.push_back(ranks[i] + 1);
    }
    std::sort(needed.begin(), needed.end());
    needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
    for (size_t f = 0; f < folds_n; ++f) {
      // The r-th smallest error of the others is the (r + s)-th of the pool, s = how many of
      // f's own sit at or before it.
      const std::vector<size_t>& own = positions[f];
      size_t skipped = 0;
      for (size_t k = 0; k < needed.size(); ++k) {
        size_t index = needed[k] + skipped;
        while (skipped < own.size() && own[skipped] <= index) {
          ++skipped;
          ++index;
        }
        value_at[k] = pooled[index].error;
      }
      auto others_at = [&](size_t r) {
        return value_at[static_cast<size_t>(
            std::lower_bound(needed.begin(), needed.end(), r) - needed.begin())];
      };
      const double mean = folds[f].mean[j];
      const double scale = ScaleFor(mean, level_floor);
      for (size_t i = 0; i < qs.size(); ++i) {
        const size_t r = ranks[i];
        const double value =
            r + 1 >= m ? others_at(m - 1)
                       : others_at(r) + fractions[i] * (others_at(r + 1) - others_at(r));
        (*out_of_q[i])[f][j] = mean + value * scale * inflation;
      }
    }
  }
  return out;
}

std::vector<std::vector<double>> QuantileForecasts(const ConformalCalibrator& calibrator,
                                                   const std::vector<double>& mean,
                                                   const std::vector<double>& qs,
                                                   bool non_negative,
                                                   const std::vector<double>& width_factors) {
  std::vector<std::vector<double>> out = calibrator.Quantiles(mean, qs);
  for (size_t i = 0; i < qs.size() && i < width_factors.size(); ++i) {
    for (size_t j = 0; j < mean.size(); ++j) {
      out[i][j] = mean[j] + width_factors[i] * (out[i][j] - mean[j]);
    }
  }
  SortAcrossLevels(qs, out);
  if (non_negative) {
    for (auto& level : out) {
      for (double& v : level) v = std::max(0.0, v);  // monotone: the order stays
    }
  }
  return out;
}

void SortAcrossLevels(const std::vector<double>& qs, std::vector<std::vector<double>>& quantiles) {
  std::vector<size_t> order(qs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return qs[a] < qs[b]; });
  const size_t steps = quantiles.empty() ? 0 : quantiles.front().size();
  std::vector<double> column(qs.size());
  for (size_t j = 0; j < steps; ++j) {
    for (size_t i = 0; i < qs.size(); ++i) column[i] = quantiles[order[i]][j];
    std::sort(column.begin(), column.end());
    for (size_t i = 0; i < qs.size(); ++i) quantiles[order[i]][j] = column[i];
  }
}

}  // namespace forescale::forecast
