// A weekly profile at hourly resolution, for histories too short for a weekly season.
//
// Season detection (seasonality.h) needs three weekly cycles to tell a weekly season from noise
// at full resolution, so two weeks of minutes get the daily season alone, and a day-ahead
// forecast made on a Friday carries the weekday level into Saturday. Two weeks do hold two of
// each weekday, which is enough to measure a day-of-week effect at a coarser resolution.
//
// The profile is, per hour of the week, the mean of the history in that hour divided by the
// mean in the same hour of the day, smoothed over three hours (geometric mean 1). It is fitted
// only where the day-of-week effect is clear: an F test of a level per weekday (with a linear
// trend fitted jointly) on the log daily levels, significant at 1 %. A day's level is the mean
// of its steps over their hour of the day's mean, so partial days (a history that starts at
// 09:00) count too. The engine divides the history
// by it, forecasts the result and multiplies the forecast back.
//
// On bench/forecast nasa/1m/h=1d (two weeks of minutes per fit) MSTL's day-ahead MASE went
// from 0.920 to 0.740 with the profile.
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
  size_t days = 0;         // complete days the test used
  double Factor(TimePoint t) const;
};

// (hours since 1970-01-01T00:00Z) mod 168: the index into WeekProfile::factors.
size_t HourOfWeek(TimePoint t);

// Nullopt unless the history is non-negative, its step at most an hour, it spans 14 days with
// at least two of each weekday present for a quarter of the day or more, and their day-of-week
// effect is significant at `alpha`.
std::optional<WeekProfile> FitWeekProfile(const Series& history, double alpha = 0.01);

// P(F > f) for the F distribution with (d1, d2) degrees of freedom.
double FDistributionSurvival(double f, double d1, double d2);

}  // namespace forescale::forecast::internal
