// Online calibration of a policy's own forecasts (split conformal on the live stream).
//
// The forecasting engine calibrates its quantiles on backtests of the model alone, at horizons
// of up to an hour. What a policy acts on is different: the model's forecast after the policy's
// own corrections, at one horizon (its lead), for a window whose load matters most at its peak.
// This class scores exactly that. Each decision records the forecast it acted on for a window;
// once the monitoring pipeline has delivered the window, the error is scored as
// (actual peak - forecast) / sqrt(max(forecast, 1)) — the engine's level scaling, so an error
// learned at night transfers to the day — and the q-quantile of the scores of the last `keep`
// gives the upper bound: forecast + score_q * sqrt(max(forecast, 1)). How errors grow with the
// level differs between services (noise-dominated nights, steadier days), so the quantile is
// taken per level band (Mondrian conformal: bands of equal count by forecast, the quantile
// interpolated between the bands' medians).
//
// Until `min_scores` errors are in, Upper() is nullopt and the caller keeps the engine's bound.
// Deterministic: the same expectations and observations give the same bounds.
#pragma once

#include <array>
#include <deque>
#include <optional>
#include <vector>

#include "core/series.h"
#include "core/time.h"

namespace forescale::policy::internal {

class ForecastCalibration {
 public:
  // Scores older than `keep` are forgotten; a level band holds at least `min_scores` of them,
  // and there are at most `max_bands`.
  ForecastCalibration(double quantile, Duration keep, size_t min_scores, size_t max_bands)
      : quantile_(quantile), keep_(keep), min_scores_(min_scores), max_bands_(max_bands) {}

  // The forecast peak of the load over [from, to).
  void Expect(TimePoint from, TimePoint to, double forecast);
  // The load as delivered so far (bucket means): every expectation whose window it now covers
  // is scored against the highest bucket that overlaps the window.
  void Observe(const Series& delivered);
  // forecast + the calibrated score quantile, scaled; nullopt while too few scores.
  std::optional<double> Upper(double forecast) const;
  // The score quantile at this forecast level, nullopt while too few scores.
  std::optional<double> ScoreQuantile(double forecast) const;
  size_t scores() const { return scores_.size(); }

 private:
  struct Expectation {
    TimePoint from, to;
    double forecast;
  };
  void Refresh() const;

  double quantile_;
  Duration keep_;
  size_t min_scores_;
  size_t max_bands_;
  std::deque<Expectation> pending_;
  struct Score {
    TimePoint at;
    double forecast, score;
  };
  std::deque<Score> scores_;
  size_t added_since_refresh_ = 0;
  // Per level band (Mondrian conformal): the bands' median forecast and their score quantile.
  mutable std::vector<std::pair<double, double>> bands_;
  mutable bool stale_ = true;
};

// ForecastCalibration per direction of the forecast (Mondrian again): a forecast below the load
// just delivered — a fall the model sees coming — misses differently from one at about its
// level (whose misses are the rises nobody saw) and from one clearly above it (a rise the model
// extrapolates, which may already have peaked). Each direction's own bound once it has
// min_scores scores, the pooled one until then.
enum class Direction { kFalling, kLevel, kRising };

class DirectionalCalibration {
 public:
  DirectionalCalibration(double quantile, Duration keep, size_t min_scores, size_t max_bands)
      : pooled_(quantile, keep, min_scores, max_bands),
        by_direction_{ForecastCalibration(quantile, keep, min_scores, max_bands),
                      ForecastCalibration(quantile, keep, min_scores, max_bands),
                      ForecastCalibration(quantile, keep, min_scores, max_bands)} {}

  void Expect(TimePoint from, TimePoint to, double forecast, Direction direction);
  void Observe(const Series& delivered);
  std::optional<double> Upper(double forecast, Direction direction) const;
  size_t scores() const { return pooled_.scores(); }

 private:
  ForecastCalibration pooled_;
  std::array<ForecastCalibration, 3> by_direction_;
};

}  // namespace forescale::policy::internal
