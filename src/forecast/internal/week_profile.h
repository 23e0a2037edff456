// A weekly profile at hourly resolution: the engine's model of the week.
//
// Season detection (seasonality.h) needs three weekly cycles to tell a weekly season from noise
// at full resolution, so two weeks of minutes get the daily season alone, and a day-ahead
// forecast made on a Friday carries the weekday level into Saturday. Two weeks do hold two of
// each weekday, which is enough to measure a day-of-week effect at a coarser resolution. With
// more weeks the profile still helps: a weekly season from a few noisy cycles follows the
// day-of-week levels less well, and it then only has the detail left to fit.
//
// The profile is, per hour of the week, the mean of the history in that hour divided by the
// mean in the same hour of the day, smoothed over three hours (geometric mean 1); an hour whose
// repeats in the other weeks contradict it by more than 4x is an incident and left out. It is
// fitted only where the day-of-week effect is clear: an F test of a level per weekday (with a
// linear trend fitted jointly) on the log daily levels, significant at 1 %. A day's level is the
// mean of its steps over their hour of the day's mean, so partial days (a history that starts at
// 09:00) count too. The engine divides the history by it, forecasts the result and multiplies
// the forecast back.
#pragma once

#include <array>
#include <optional>

#include "core/series.h"
#include "core/time.h"

namespace forescale::forecast::internal {

struct WeekProfile {
  static constexpr size_t kHours = 168;
  // By hour of the week, counted from the epoch: (hours since 1970-01-01T00:00Z) mod 168.
  std::array<double, kHours> factors{};
  double f_statistic = 0;  // of the day-of-week effect
  double p_value = 1;
  size_t days = 0;  // days the test used (present for a quarter of the day or more)
  double Factor(TimePoint t) const;
};

// (hours since 1970-01-01T00:00Z) mod 168: the index into WeekProfile::factors.
size_t HourOfWeek(TimePoint t);

// Nullopt unless the history is non-negative, its step at most an hour, it spans 14 days with
// at least two of each weekday present for a quarter of the day or more, and their day-of-week
// effect is significant at `alpha`.
std::optional<WeekProfile> FitWeekProfile(const Series& history, double alpha = 0.01);

// The factors FitWeekProfile gives (whatever the test), fitted without the steps
// [skip_from, skip_to): a backtest fold's forecast must not be scaled by factors its own test
// window helped estimate (with two weeks, it is half of each factor's data).
std::array<double, WeekProfile::kHours> ProfileFactors(const Series& history, size_t skip_from,
                                                       size_t skip_to);

// P(F > f) for the F distribution with (d1, d2) degrees of freedom.
double FDistributionSurvival(double f, double d1, double d2);

}  // namespace forescale::forecast::internal
