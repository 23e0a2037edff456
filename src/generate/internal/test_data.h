// Test helpers: the bundled NASA-KSC per-minute trace, and small hand-built models.
#pragma once

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "core/series.h"
#include "generate/load_model.h"

namespace forescale::generate::testing {

// requests per minute of data/nasa_http/nasa_ksc_requests_per_minute.csv in [from, to)
// (timestamps are local time, read as UTC); rows that do not exist are NaN.
inline Series NasaPerMinute(const std::string& from, const std::string& to) {
  std::ifstream in(std::string(FORESCALE_SOURCE_DIR) + "/data/nasa_http/nasa_ksc_requests_per_minute.csv");
  const TimePoint lo = *ParseTimestamp(from), hi = *ParseTimestamp(to);
  Series s{.start = lo, .step = std::chrono::minutes(1)};
  s.values.assign(static_cast<size_t>((hi - lo) / s.step), NAN);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const size_t c1 = line.find(',');
    const size_t c2 = line.find(',', c1 + 1);
    auto t = ParseTimestamp(line.substr(0, c1));
    if (!t || *t < lo || *t >= hi) continue;
    s.values[static_cast<size_t>((*t - lo) / s.step)] = std::stod(line.substr(c1 + 1, c2 - c1 - 1));
  }
  return s;
}

// A model with a daily sine season (factor range ~e^-0.5 .. e^0.5), optional weekly season,
// AR(1) noise with Gaussian-like quantiles, and no bursts.
inline LoadModel SimpleModel(bool weekly = false) {
  LoadModel m;
  m.step = std::chrono::minutes(1);
  m.history_start = *ParseTimestamp("2024-01-01T00:00:00Z");
  m.history_end = *ParseTimestamp("2024-01-29T00:00:00Z");
  m.points = 28 * 1440;
  m.level_rps = 100;
  m.log_offset_rps = 1.0 / 60;
  SeasonProfile day{.period = std::chrono::days(1), .bin = std::chrono::minutes(1), .strength = 0.8};
  for (int i = 0; i < 1440; ++i) day.factors.push_back(std::exp(0.5 * std::sin(2 * std::numbers::pi * i / 1440.0)));
  m.seasons.push_back(day);
  if (weekly) {
    SeasonProfile week{.period = std::chrono::days(7), .bin = std::chrono::hours(1), .strength = 0.5};
    // Thursday 00:00 UTC is phase 0; the 3rd and 4th days (Saturday, Sunday) are quiet.
    for (int i = 0; i < 168; ++i) week.factors.push_back(i / 24 == 2 || i / 24 == 3 ? 0.5 : 1.2);
    m.seasons.push_back(week);
  }
  m.noise.ar = {0.6};
  for (int i = 0; i <= 100; ++i) {
    // A rough normal inverse CDF, sd 0.1 for the innovations.
    const double p = std::clamp(i / 100.0, 0.001, 0.999);
    const double z = std::sqrt(2.0) * 0.5 * std::log(p / (1 - p)) / 1.2;
    m.noise.innovation_quantiles.push_back(0.1 * z);
    m.noise.residual_quantiles.push_back(0.125 * z);
  }
  m.bursts.decay = std::chrono::minutes(2);
  return m;
}

}  // namespace forescale::generate::testing
