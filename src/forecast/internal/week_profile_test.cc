#include "forecast/internal/week_profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace forescale::forecast::internal {
namespace {

using namespace std::chrono_literals;

// 2024-01-01T00:00Z, a Monday.
const TimePoint kMonday{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}};

// `days` of minutes: a daily cycle, weekends at `weekend` of the weekday level, Poisson-like
// noise.
Series Traffic(int days, double weekend, uint64_t seed) {
  Rng rng(seed);
  Series s{.start = kMonday, .step = 1min};
  for (int i = 0; i < days * 1440; ++i) {
    const int day = i / 1440;
    const double daily = 1 + 0.5 * std::sin(2 * M_PI * (i % 1440) / 1440.0);
    const double level = (day % 7 >= 5 ? weekend : 1.0) * 40 * daily;
    s.values.push_back(std::max(0.0, level + std::sqrt(level) * rng.Normal()));
  }
  return s;
}

TEST(WeekProfile, FDistributionTailMatchesTables) {
  // Critical values at 1 % and 5 % (Fisher-Snedecor tables).
  EXPECT_NEAR(FDistributionSurvival(7.19, 6, 7), 0.01, 0.0005);
  EXPECT_NEAR(FDistributionSurvival(3.87, 6, 7), 0.05, 0.002);
  EXPECT_NEAR(FDistributionSurvival(2.80, 6, 1e6), 0.01, 0.0005);
  EXPECT_DOUBLE_EQ(FDistributionSurvival(0, 6, 7), 1.0);
}

TEST(WeekProfile, FindsQuietWeekendsInTwoWeeks) {
  const auto profile = FitWeekProfile(Traffic(14, 0.5, 1));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->days, 14u);
  EXPECT_LT(profile->p_value, 1e-4);
  // Saturday noon against Wednesday noon: half the load (the smoothing blurs midnight only).
  const double saturday = profile->Factor(kMonday + std::chrono::days(5) + 12h);
  const double wednesday = profile->Factor(kMonday + std::chrono::days(2) + 12h);
  EXPECT_NEAR(saturday / wednesday, 0.5, 0.05);
  // A week later, the same hour of the week.
  EXPECT_DOUBLE_EQ(profile->Factor(kMonday + std::chrono::days(12) + 12h), saturday);
  double log_mean = 0;
  for (double f : profile->factors) log_mean += std::log(f) / 168;
  EXPECT_NEAR(log_mean, 0, 1e-12);
}

TEST(WeekProfile, FactorsWithoutAWindowIgnoreIt) {
  // A backtest fold's forecast is scaled by factors its test window did not help estimate: a
  // spike there must not show in them, and they equal those of the history without the window.
  Series history = Traffic(21, 0.5, 5);
  const size_t from = 16 * 1440 + 600, to = from + 120;  // two hours on the third Wednesday
  // Tripled: within what the other Wednesdays allow (a five-fold one would be an incident).
  for (size_t i = from; i < to; ++i) history.values[i] *= 3;
  Series without = history;
  for (size_t i = from; i < to; ++i) without.values[i] = NAN;
  const auto excluded = ProfileFactors(history, from, to);
  const auto reference = ProfileFactors(without, 0, 0);
  for (size_t h = 0; h < WeekProfile::kHours; ++h) EXPECT_DOUBLE_EQ(excluded[h], reference[h]);
  const size_t spike_hour = HourOfWeek(history.TimeAt(from + 60));
  EXPECT_GT(ProfileFactors(history, 0, 0)[spike_hour], 1.2 * excluded[spike_hour]);
}

// An hour of the week that its own repeats contradict is an incident, not a weekly pattern:
// two weeks, one Thursday with the site down to a trickle from 08:00 to 15:00 (NASA, the day
// after the Hurricane Erin outage). Its hours are left out, so Thursday is a weekday like the
// others there; a job that doubles Monday 02:00-04:00 every week stays in.
TEST(WeekProfile, AnHourItsRepeatsContradictIsLeftOut) {
  Series history = Traffic(14, 0.5, 7);
  Series clean = history;
  for (size_t i = 3 * 1440 + 8 * 60; i < 3 * 1440 + 15 * 60; ++i) history.values[i] = 1;
  for (Series* s : {&history, &clean}) {
    for (size_t week = 0; week < 2; ++week) {
      for (size_t i = week * 7 * 1440 + 120; i < week * 7 * 1440 + 240; ++i) s->values[i] *= 2;
    }
  }
  const auto factors = ProfileFactors(history, 0, 0);
  const auto reference = ProfileFactors(clean, 0, 0);
  const size_t thursday_noon = HourOfWeek(kMonday + std::chrono::days(3) + 12h);
  EXPECT_NEAR(factors[thursday_noon], reference[thursday_noon], 0.05 * reference[thursday_noon]);
  const size_t wednesday_noon = HourOfWeek(kMonday + std::chrono::days(2) + 12h);
  EXPECT_NEAR(factors[thursday_noon] / factors[wednesday_noon], 1.0, 0.1);
  const size_t monday_3am = HourOfWeek(kMonday + 3h);
  const size_t tuesday_3am = HourOfWeek(kMonday + std::chrono::days(1) + 3h);
  EXPECT_GT(factors[monday_3am], 1.4 * factors[tuesday_3am]);  // the job: x2, smoothed over 3 h
}

TEST(WeekProfile, NoProfileWithoutADayOfWeekEffect) {
  size_t found = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed)
    found += FitWeekProfile(Traffic(14, 1.0, seed)).has_value();
  EXPECT_LE(found, 1u);  // a 1 % test: at most one false alarm in twenty is expected
}

TEST(WeekProfile, NeedsTwoOfEachWeekday) {
  EXPECT_FALSE(FitWeekProfile(Traffic(13, 0.5, 2)));
  Series gappy = Traffic(14, 0.5, 3);
  for (size_t i = 2 * 1440; i < 3 * 1440; ++i) gappy.values[i] = NAN;  // the first Wednesday
  EXPECT_FALSE(FitWeekProfile(gappy));
  Series hourly{.start = kMonday, .step = 2h, .values = std::vector<double>(14 * 12, 1.0)};
  EXPECT_FALSE(FitWeekProfile(hourly));  // coarser than an hour
  Series negative = Traffic(14, 0.5, 4);
  negative.values[5] = -1;
  EXPECT_FALSE(FitWeekProfile(negative));
}

}  // namespace
}  // namespace forescale::forecast::internal
