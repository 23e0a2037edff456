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
// Any quantile may be asked for (a policy may lower its own under a cost budget): each band
// keeps its sorted scores. Deterministic: the same expectations and observations give the same
// bounds.
#pragma once

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
  ForecastCalibration(Duration keep, size_t min_scores, size_t max_bands)
      : keep_(keep), min_scores_(min_scores), max_bands_(max_bands) {}

  // The forecast peak of the load over [from, to).
  void Expect(TimePoint from, TimePoint to, double forecast);
  // The load as delivered so far (bucket means): every expectation whose window it now covers
  // is scored against the highest bucket that overlaps the window.
  void Observe(const Series& delivered);
  // forecast + the calibrated score quantile, scaled; nullopt while too few scores.
  std::optional<double> Upper(double forecast, double quantile) const;
  // The score quantile at this forecast level, nullopt while too few scores.
  std::optional<double> ScoreQuantile(double forecast, double quantile) const;
  // Whether enough scores are in for a bound.
  bool HasBound() const;
  size_t scores() const { return scores_.size(); }

 private:
  struct Expectation {
    TimePoint from, to;
    double forecast;
  };
  struct Band {
    double median_forecast;
    std::vector<double> scores;  // ascending
    double At(double quantile) const;
  };
  void Refresh() const;

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
  // Per level band (Mondrian conformal), by ascending median forecast.
  mutable std::vector<Band> bands_;
  mutable bool stale_ = true;
};

// What a forecast's misses depend on besides its level (Mondrian classes again):
// - its direction: a forecast below the load just delivered (a fall the model sees coming)
//   misses differently from one at about its level (whose misses are the rises nobody saw) and
//   from one clearly above it (a rise the model extrapolates, which may already have peaked);
// - how many delivered steps in a row have just risen clearly: in the first minutes of a surge
//   the load goes on rising past any level forecast, while by its fourth minute many surges
//   have peaked. What a service's surges do is learned from its own.
enum class Direction { kFalling, kLevel, kRising };
struct Situation {
  Direction direction = Direction::kLevel;
  int rising_steps = 0;  // 0 to kMaxRisingSteps (that many or more)
};
inline constexpr int kMaxRisingSteps = 3;

// ForecastCalibration per Situation: each situation's own bound once it has min_situation_scores
// scores; until then, after rising steps, the bound of as many rising steps in any direction;
// until then the pooled one.
class ConditionalCalibration {
 public:
  // The pooled bound needs `min_scores` per level band; a situation's, `min_situation_scores`.
  ConditionalCalibration(Duration keep, size_t min_scores, size_t max_bands,
                         size_t min_situation_scores);

  void Expect(TimePoint from, TimePoint to, double forecast, Situation situation);
  void Observe(const Series& delivered);
  std::optional<double> Upper(double forecast, double quantile, Situation situation) const;
  // Whether the situation has a bound of its own yet, or of its rising steps (not the pooled one).
  bool Knows(Situation situation) const;
  size_t scores() const { return pooled_.scores(); }

 private:
  static size_t Rising(Situation situation);
  static size_t Index(Situation situation);
  ForecastCalibration pooled_;
  std::vector<ForecastCalibration> by_rising_;  // 1 to kMaxRisingSteps
  std::vector<ForecastCalibration> by_situation_;
};

}  // namespace forescale::policy::internal
