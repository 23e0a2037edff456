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
  for (size_t b = 0; b < bands; ++b) {
    const size_t from = sorted.size() * b / bands, to = sorted.size() * (b + 1) / bands;
    Band band{.median_forecast = sorted[(from + to) / 2].first, .scores = {}};
    band.scores.reserve(to - from);
    for (size_t i = from; i < to; ++i) band.scores.push_back(sorted[i].second);
    std::sort(band.scores.begin(), band.scores.end());
    bands_.push_back(std::move(band));
  }
}

double ForecastCalibration::Band::At(double quantile) const {
  // The conformal rank: ceil((n + 1) q), so the bound covers with probability >= q.
  const size_t n = scores.size();
  const size_t rank = std::clamp<size_t>(
      static_cast<size_t>(std::ceil((static_cast<double>(n) + 1) * quantile)), 1, n);
  return scores[rank - 1];
}

std::optional<double> ForecastCalibration::ScoreQuantile(double forecast, double quantile) const {
  if (stale_) Refresh();
  if (bands_.empty() || !std::isfinite(forecast)) return std::nullopt;
  if (forecast <= bands_.front().median_forecast) return bands_.front().At(quantile);
  if (forecast >= bands_.back().median_forecast) return bands_.back().At(quantile);
  size_t b = 1;
  while (bands_[b].median_forecast < forecast) ++b;
  const double x0 = bands_[b - 1].median_forecast, x1 = bands_[b].median_forecast;
  const double y0 = bands_[b - 1].At(quantile), y1 = bands_[b].At(quantile);
  const double w = x1 > x0 ? (forecast - x0) / (x1 - x0) : 0.0;
  return y0 + w * (y1 - y0);
}

bool ForecastCalibration::HasBound() const {
  if (stale_) Refresh();
  return !bands_.empty();
}

std::optional<double> ForecastCalibration::Upper(double forecast, double quantile) const {
  const std::optional<double> q = ScoreQuantile(forecast, quantile);
  if (!q) return std::nullopt;
  return std::max(0.0, forecast + *q * Scale(forecast));
}

ConditionalCalibration::ConditionalCalibration(Duration keep, size_t min_scores, size_t max_bands,
                                               size_t min_situation_scores)
    : pooled_(keep, min_scores, max_bands),
      by_rising_(kMaxRisingSteps, ForecastCalibration(keep, min_situation_scores, max_bands)),
      by_situation_(3 * (kMaxRisingSteps + 1),
                    ForecastCalibration(keep, min_situation_scores, max_bands)) {}

size_t ConditionalCalibration::Rising(Situation situation) {
  return static_cast<size_t>(std::clamp(situation.rising_steps, 0, kMaxRisingSteps));
}

size_t ConditionalCalibration::Index(Situation situation) {
  return static_cast<size_t>(situation.direction) * (kMaxRisingSteps + 1) + Rising(situation);
}

void ConditionalCalibration::Expect(TimePoint from, TimePoint to, double forecast,
                                    Situation situation) {
  pooled_.Expect(from, to, forecast);
  if (Rising(situation) > 0) by_rising_[Rising(situation) - 1].Expect(from, to, forecast);
  by_situation_[Index(situation)].Expect(from, to, forecast);
}

void ConditionalCalibration::Observe(const Series& delivered) {
  pooled_.Observe(delivered);
  for (ForecastCalibration& c : by_rising_) c.Observe(delivered);
  for (ForecastCalibration& c : by_situation_) c.Observe(delivered);
}

std::optional<double> ConditionalCalibration::Upper(double forecast, double quantile,
                                                    Situation situation) const {
  if (auto own = by_situation_[Index(situation)].Upper(forecast, quantile)) return own;
  if (Rising(situation) > 0) {
    if (auto rising = by_rising_[Rising(situation) - 1].Upper(forecast, quantile)) return rising;
  }
  return pooled_.Upper(forecast, quantile);
}

bool ConditionalCalibration::Knows(Situation situation) const {
  return by_situation_[Index(situation)].HasBound() ||
         (Rising(situation) > 0 && by_rising_[Rising(situation) - 1].HasBound());
}

}  // namespace forescale::policy::internal
