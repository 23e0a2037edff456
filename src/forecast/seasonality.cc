#include "forecast/seasonality.h"

#include <cmath>
#include <limits>

#include "forecast/internal/decompose.h"
#include "forecast/internal/fill.h"

namespace forescale::forecast {
namespace {

double Variance(const std::vector<double>& v, size_t from, size_t to) {
  double mean = 0;
  for (size_t i = from; i < to; ++i) mean += v[i];
  mean /= static_cast<double>(to - from);
  double var = 0;
  for (size_t i = from; i < to; ++i) var += (v[i] - mean) * (v[i] - mean);
  return var / static_cast<double>(to - from);
}

}  // namespace

double SeasonalStrength(const std::vector<double>& values, size_t period) {
  const size_t n = values.size();
  if (period < 2 || n < 2 * period) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> trend = internal::CenteredMovingAverage(values, period);
  std::vector<double> detrended(n);
  for (size_t i = 0; i < n; ++i) detrended[i] = values[i] - trend[i];
  const std::vector<double> season =
      internal::PhaseMeans(detrended, period, period / 2, n - period / 2);
  std::vector<double> remainder(n), season_plus_remainder(n);
  for (size_t i = 0; i < n; ++i) {
    const double s = season[i % period];
    remainder[i] = detrended[i] - s;
    season_plus_remainder[i] = detrended[i];
  }
  // The moving average is unreliable half a period from either end: leave those out.
  const size_t from = period / 2, to = n - period / 2;
  const double denominator = Variance(season_plus_remainder, from, to);
  if (!(denominator > 0)) return 0.0;
  const double raw = std::max(0.0, 1.0 - Variance(remainder, from, to) / denominator);
  // Phase means of c cycles of pure noise already "explain" 1/c of its variance; without this
  // correction two days of noise would look like a daily season of strength 0.5.
  const double chance = static_cast<double>(period) / static_cast<double>(to - from);
  return std::max(0.0, (raw - chance) / (1.0 - chance));
}

std::vector<SeasonCandidate> DetectSeasons(const Series& series, SeasonalityOptions options) {
  std::vector<SeasonCandidate> out;
  const int64_t step = series.step.count();
  if (step <= 0 || series.empty()) return out;
  std::vector<double> values;
  bool any = false;
  for (double v : series.values) any |= !std::isnan(v);
  if (!any) return out;
  for (int64_t cycle : {3'600'000LL, 86'400'000LL, 7 * 86'400'000LL}) {
    if (cycle % step != 0 || cycle / step < 2) continue;
    const size_t period = static_cast<size_t>(cycle / step);
    SeasonCandidate c{.period = period, .strength = std::numeric_limits<double>::quiet_NaN()};
    if (series.size() >= options.min_cycles * period) {
      if (values.empty()) values = internal::FillMissing(series.values, 0);
      c.strength = SeasonalStrength(values, period);
      c.kept = c.strength >= options.min_strength;
    }
    out.push_back(c);
  }
  return out;
}

std::vector<size_t> KeptPeriods(const std::vector<SeasonCandidate>& candidates) {
  std::vector<size_t> periods;
  for (const auto& c : candidates) {
    if (c.kept) periods.push_back(c.period);
  }
  return periods;
}

}  // namespace forescale::forecast
