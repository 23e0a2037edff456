// Which seasons a series has, found in the data rather than assumed from its step.
//
// Candidates are the calendar cycles a load follows — an hour, a day, a week — expressed in
// steps of the series (only those that are a whole number of steps, at least 2). A candidate
// is kept when the history holds at least two full cycles of it and its seasonal strength
// (Wang, Smith & Hyndman 2006: 1 - Var(remainder) / Var(season + remainder), after removing a
// moving-average trend, and corrected for what phase means of noise explain by chance) reaches
// `min_strength`. Strengths are reported so the user can see why.
#pragma once

#include <cstddef>
#include <vector>

#include "core/series.h"

namespace forescale::forecast {

struct SeasonCandidate {
  size_t period = 0;      // in steps
  double strength = 0;    // 0 (none) .. 1 (pure season); NaN when the history is too short
  bool kept = false;
};

struct SeasonalityOptions {
  double min_strength = 0.3;
  size_t min_cycles = 2;
};

std::vector<SeasonCandidate> DetectSeasons(const Series& series, SeasonalityOptions options = {});

// The kept periods, shortest first: what FitContext::seasons wants.
std::vector<size_t> KeptPeriods(const std::vector<SeasonCandidate>& candidates);

// Seasonal strength of one period on a complete (gap-free) series.
double SeasonalStrength(const std::vector<double>& values, size_t period);

}  // namespace forescale::forecast
