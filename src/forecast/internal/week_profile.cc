#include "forecast/internal/week_profile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace forescale::forecast::internal {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;

constexpr size_t kMinDays = 14;
// A day counts when this share of its steps is present.
constexpr double kDayShare = 0.25;
// Hours of the week averaged (centred) into each factor: two observations per hour of the week
// are noisy, and a weekday's level changes over hours, not minutes.
constexpr size_t kSmoothHours = 3;
// Repeats of one hour of the week whose means differ by more than this factor are not a
// weekly pattern (ProfileFactors).
constexpr double kMaxDisagreement = 4.0;

// Continued fraction of the regularized incomplete beta function (modified Lentz).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-14) break;
  }
  return h;
}

// I_x(a, b).
double RegularizedBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
}

int64_t Weekday(int64_t day) { return ((day % 7) + 7) % 7; }

}  // namespace

double FDistributionSurvival(double f, double d1, double d2) {
  if (!(f > 0)) return 1;
  if (!std::isfinite(f)) return 0;
  return RegularizedBeta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

size_t HourOfWeek(TimePoint t) {
  const int64_t hour = floor<hours>(t).time_since_epoch().count();
  return static_cast<size_t>(((hour % 168) + 168) % 168);
}

double WeekProfile::Factor(TimePoint t) const { return factors[HourOfWeek(t)]; }

std::array<double, WeekProfile::kHours> ProfileFactors(const Series& history, size_t skip_from,
                                                       size_t skip_to) {
  // Sums and counts per hour of the history (epoch-aligned hours), grouped by hour of the week.
  struct Hour {
    double sum = 0;
    size_t count = 0;
  };
  std::array<std::vector<Hour>, WeekProfile::kHours> occurrences;
  int64_t current = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < history.size(); ++i) {
    const double v = history.values[i];
    if (std::isnan(v) || (i >= skip_from && i < skip_to)) continue;
    const TimePoint t = history.TimeAt(i);
    const int64_t hour = floor<hours>(t).time_since_epoch().count();
    std::vector<Hour>& of_bin = occurrences[HourOfWeek(t)];
    if (hour != current || of_bin.empty()) of_bin.emplace_back();
    current = hour;
    of_bin.back().sum += v, ++of_bin.back().count;
  }
  auto hour_of_day_means = [&] {
    std::array<double, 24> sum{}, count{};
    for (size_t h = 0; h < WeekProfile::kHours; ++h) {
      for (const Hour& o : occurrences[h]) sum[h % 24] += o.sum, count[h % 24] += o.count;
    }
    std::array<double, 24> mean{};
    for (size_t h = 0; h < 24; ++h) mean[h] = count[h] ? sum[h] / count[h] : NAN;
    return mean;
  };
  // An hour of the week seen in each week alike is a weekly pattern (a job at 02:00 on
  // Mondays); one that its own repeats contradict by more than kMaxDisagreement is an incident,
  // and with two weeks it would be half of its factor (NASA, Thursday 3 August 1995: the site
  // back at 1 request/min for seven hours after the Hurricane Erin outage made every Thursday
  // noon a forecast of half the load). Of repeats that disagree, the one furthest from the
  // typical day at that hour is left out, until the rest agree.
  const std::array<double, 24> typical = hour_of_day_means();
  for (size_t h = 0; h < WeekProfile::kHours; ++h) {
    std::vector<Hour>& of_bin = occurrences[h];
    const double reference = typical[h % 24];
    if (!(reference > 0)) continue;
    auto log_ratio = [&](const Hour& o) {
      const double mean = o.sum / static_cast<double>(o.count);
      return mean > 0 ? std::log(mean / reference) : -std::numeric_limits<double>::infinity();
    };
    while (of_bin.size() >= 2) {
      auto [lo, hi] = std::minmax_element(
          of_bin.begin(), of_bin.end(),
          [&](const Hour& a, const Hour& b) { return log_ratio(a) < log_ratio(b); });
      if (!(log_ratio(*hi) - log_ratio(*lo) > std::log(kMaxDisagreement))) break;
      of_bin.erase(std::fabs(log_ratio(*lo)) > std::fabs(log_ratio(*hi)) ? lo : hi);
    }
  }
  const std::array<double, 24> hour_mean = hour_of_day_means();
  // Per hour of the week, its mean against its hour of the day's, on the log scale so that the
  // smoothing and the normalisation treat a halving and a doubling alike.
  std::array<double, WeekProfile::kHours> log_ratio{};
  for (size_t h = 0; h < WeekProfile::kHours; ++h) {
    double sum = 0;
    size_t count = 0;
    for (const Hour& o : occurrences[h]) sum += o.sum, count += o.count;
    const double week_mean = count ? sum / static_cast<double>(count) : NAN;
    log_ratio[h] =
        week_mean > 0 && hour_mean[h % 24] > 0 ? std::log(week_mean / hour_mean[h % 24]) : 0.0;
  }
  std::array<double, WeekProfile::kHours> factors{};
  double mean_log = 0;
  for (size_t h = 0; h < WeekProfile::kHours; ++h) {
    double smooth = 0;
    for (size_t k = 0; k < kSmoothHours; ++k) {
      smooth += log_ratio[(h + WeekProfile::kHours + k - kSmoothHours / 2) % WeekProfile::kHours];
    }
    smooth /= static_cast<double>(kSmoothHours);
    factors[h] = smooth;
    mean_log += smooth / static_cast<double>(WeekProfile::kHours);
  }
  for (double& f : factors) f = std::exp(f - mean_log);
  return factors;
}

std::optional<WeekProfile> FitWeekProfile(const Series& history, double alpha) {
  if (history.step.count() <= 0 || history.step > hours(1) || history.empty()) return std::nullopt;
  if (history.step * static_cast<int64_t>(history.size()) < days(kMinDays)) return std::nullopt;
  for (double v : history.values) {
    if (v < 0) return std::nullopt;  // multiplicative factors need a non-negative load
  }
  // Means by hour of the day, for the daily levels.
  std::array<double, 24> hour_sum{};
  std::array<size_t, 24> hour_count{};
  for (size_t i = 0; i < history.size(); ++i) {
    const double v = history.values[i];
    if (std::isnan(v)) continue;
    const size_t hour = HourOfWeek(history.TimeAt(i)) % 24;
    hour_sum[hour] += v, ++hour_count[hour];
  }
  std::array<double, 24> hour_mean{};
  for (size_t h = 0; h < 24; ++h) {
    hour_mean[h] = hour_count[h] ? hour_sum[h] / static_cast<double>(hour_count[h]) : NAN;
  }
  // Each day's level: the mean of its steps divided by their hour of the day's mean, so that a
  // day the history holds only part of (it starts at 09:00) is not taken for a quiet one.
  const int64_t steps_per_day = days(1) / history.step;
  const int64_t first_day = floor<days>(history.start).time_since_epoch().count();
  const int64_t last_day =
      floor<days>(history.TimeAt(history.size() - 1)).time_since_epoch().count();
  std::vector<double> day_sum(static_cast<size_t>(last_day - first_day + 1), 0.0);
  std::vector<int64_t> day_count(day_sum.size(), 0);
  for (size_t i = 0; i < history.size(); ++i) {
    const double v = history.values[i];
    if (std::isnan(v)) continue;
    const TimePoint t = history.TimeAt(i);
    const double expected = hour_mean[HourOfWeek(t) % 24];
    if (!(expected > 0)) continue;
    const size_t day = static_cast<size_t>(floor<days>(t).time_since_epoch().count() - first_day);
    day_sum[day] += v / expected;
    ++day_count[day];
  }
  std::vector<double> x, y;
  std::vector<int64_t> weekday;
  std::array<size_t, 7> per_weekday{};
  for (size_t d = 0; d < day_sum.size(); ++d) {
    if (static_cast<double>(day_count[d]) < kDayShare * static_cast<double>(steps_per_day))
      continue;
    const double level = day_sum[d] / static_cast<double>(day_count[d]);
    if (!(level > 0)) continue;
    x.push_back(static_cast<double>(d));
    y.push_back(std::log(level));
    weekday.push_back(Weekday(first_day + static_cast<int64_t>(d)));
    ++per_weekday[static_cast<size_t>(weekday.back())];
  }
  const size_t n = y.size();
  if (n < kMinDays) return std::nullopt;
  for (size_t c : per_weekday) {
    if (c < 2) return std::nullopt;
  }
  // A linear trend (a growing service) with and without a level per weekday: the F test of the
  // weekday levels. The trend is fitted jointly, from the differences between the same
  // weekdays: on two weeks a trend fitted alone takes up part of the weekly pattern.
  auto rss_with_trend = [&](auto group_of, size_t groups) {
    std::vector<double> gx(groups, 0.0), gy(groups, 0.0), gn(groups, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const size_t g = group_of(i);
      gx[g] += x[i], gy[g] += y[i], gn[g] += 1;
    }
    for (size_t g = 0; g < groups; ++g) gx[g] /= gn[g], gy[g] /= gn[g];
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t g = group_of(i);
      sxx += (x[i] - gx[g]) * (x[i] - gx[g]), sxy += (x[i] - gx[g]) * (y[i] - gy[g]);
    }
    const double slope = sxx > 0 ? sxy / sxx : 0;
    double rss = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t g = group_of(i);
      const double e = y[i] - gy[g] - slope * (x[i] - gx[g]);
      rss += e * e;
    }
    return rss;
  };
  const double rss_null = rss_with_trend([](size_t) { return size_t{0}; }, 1);
  const double rss_full =
      rss_with_trend([&](size_t i) { return static_cast<size_t>(weekday[i]); }, 7);
  const double d1 = 6, d2 = static_cast<double>(n) - 7 - 1;  // seven levels and a slope
  WeekProfile profile;
  profile.days = n;
  profile.f_statistic = rss_full > 0 ? ((rss_null - rss_full) / d1) / (rss_full / d2) : INFINITY;
  profile.p_value = FDistributionSurvival(profile.f_statistic, d1, d2);
  if (!(profile.p_value < alpha)) return std::nullopt;
  profile.factors = ProfileFactors(history, 0, 0);
  return profile;
}

}  // namespace forescale::forecast::internal
