#include "policy/internal/forecast_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "policy/internal/delivered_window.h"

namespace forescale::policy::internal {
namespace {

double Scale(double forecast) { return std::sqrt(std::max(forecast, 1.0)); }

}  // namespace

void ForecastCalibration::Expect(TimePoint from, TimePoint to, double forecast) {
  if (!std::isfinite(forecast) || to <= from) return;
  pending_.push_back({from, to, forecast});
}

void ForecastCalibration::Observe(const Series& delivered) {
  if (delivered.empty() || delivered.step.count() <= 0) return;
  const TimePoint end = delivered.end();
  while (!pending_.empty() && pending_.front().to <= end) {
    const Expectation e = pending_.front();
    pending_.pop_front();
    // A window only partly seen has an unknown peak: not scored.
    double peak = -std::numeric_limits<double>::infinity();
    if (!VisitDeliveredWindow(delivered, e.from, e.to,
                              [&](double v) { peak = std::max(peak, v); })) {
      continue;
    }
    if (!std::isfinite(peak)) continue;  // nothing delivered for the window (a monitoring gap)
    scores_.push_back({e.to, e.forecast, (peak - e.forecast) / Scale(e.forecast)});
    ++added_since_refresh_;
  }
  if (!scores_.empty()) {
    const TimePoint newest = scores_.back().at;
    while (!scores_.empty() && scores_.front().at < newest - keep_) scores_.pop_front();
  }
  // The quantile moves little per score: recomputed once the scores have changed by 1 %.
  if (added_since_refresh_ * 100 >= std::max<size_t>(scores_.size(), 100)) {
    added_since_refresh_ = 0;
    stale_ = true;
  }
}

void ForecastCalibration::Refresh() const {
  stale_ = false;
  bands_.clear();
  if (scores_.size() < min_scores_) return;
  std::vector<std::pair<double, double>> sorted;  // (forecast, score)
  sorted.reserve(scores_.size());
  for (const Score& s : scores_) sorted.emplace_back(s.forecast, s.score);
  // By forecast only: equal forecasts (a plateau) keep their order in time, so a band boundary
  // through them does not split them by score.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // As many bands as keep at least min_scores each, at most max_bands.
  const size_t bands = std::clamp<size_t>(sorted.size() / min_scores_, 1, max_bands_);
  std::vector<double> band_scores;
  for (size_t b = 0; b < bands; ++b) {
    const size_t from = sorted.size() * b / bands, to = sorted.size() * (b + 1) / bands;
    band_scores.clear();
    for (size_t i = from; i < to; ++i) band_scores.push_back(sorted[i].second);
    // The conformal rank: ceil((n + 1) q), so the bound covers with probability >= q.
    const size_t n = band_scores.size();
    const size_t rank =
        std::min(n, static_cast<size_t>(std::ceil((static_cast<double>(n) + 1) * quantile_)));
    std::nth_element(band_scores.begin(), band_scores.begin() + static_cast<ptrdiff_t>(rank - 1),
                     band_scores.end());
    bands_.emplace_back(sorted[(from + to) / 2].first, band_scores[rank - 1]);
  }
}

std::optional<double> ForecastCalibration::ScoreQuantile(double forecast) const {
  if (stale_) Refresh();
  if (bands_.empty() || !std::isfinite(forecast)) return std::nullopt;
  if (forecast <= bands_.front().first) return bands_.front().second;
  if (forecast >= bands_.back().first) return bands_.back().second;
  size_t b = 1;
  while (bands_[b].first < forecast) ++b;
  const auto& [x0, y0] = bands_[b - 1];
  const auto& [x1, y1] = bands_[b];
  const double w = x1 > x0 ? (forecast - x0) / (x1 - x0) : 0.0;
  return y0 + w * (y1 - y0);
}

std::optional<double> ForecastCalibration::Upper(double forecast) const {
  const std::optional<double> q = ScoreQuantile(forecast);
  if (!q) return std::nullopt;
  return std::max(0.0, forecast + *q * Scale(forecast));
}

void DirectionalCalibration::Expect(TimePoint from, TimePoint to, double forecast,
                                    Direction direction) {
  pooled_.Expect(from, to, forecast);
  by_direction_[static_cast<size_t>(direction)].Expect(from, to, forecast);
}

void DirectionalCalibration::Observe(const Series& delivered) {
  pooled_.Observe(delivered);
  for (ForecastCalibration& c : by_direction_) c.Observe(delivered);
}

std::optional<double> DirectionalCalibration::Upper(double forecast, Direction direction) const {
  if (auto own = by_direction_[static_cast<size_t>(direction)].Upper(forecast)) return own;
  return pooled_.Upper(forecast);
}

}  // namespace forescale::policy::internal
