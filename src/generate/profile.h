// Synthetic load profiles from a LoadModel: a request-rate series (requests/s) on any grid,
// with the user's controls and known events (core/events.h) laid over it.
//
// Determinism: everything random comes from one forescale::Rng seeded with `seed`, consumed
// in a fixed order, so the same model, events and options give the same values, and the CSV
// writer (std::to_chars) the same bytes, on every machine.
//
// How a value is made, at output point t covering [t, t + step):
//   1. base   = (exp(L + s * seasons(t) + n * noise(t) + burst(t)) - c) * (1 + g)^weeks(t - start),
//      where L puts the mean at the model's level_rps (so `seasonality` and `noise` change the
//      shape, not the level), seasons are read on the holiday-substituted calendar (below),
//      noise is the AR process at the model's fitted step (held within it: the history says
//      nothing about structure inside one fitted step, and the profile aggregated back to the
//      fitted step keeps the fitted noise exactly; coarser output steps average sub-steps),
//      and bursts start as a Poisson process in continuous time and decay exponentially.
//   2. mean_rps / peak_rps rescale the base series (before any event).
//   3. events, in this fixed order, whatever their order in the file:
//      a. campaigns and flash crowds with a multiplier peak: x (1 + (peak - 1) * intensity),
//         each in turn (they compound when they overlap);
//      b. campaigns and flash crowds with an absolute peak ("800rps"): + peak * intensity;
//      c. scheduled jobs: + requests_per_run / duration while a run is under way;
//      d. outages: x (1 - drop * intensity), last, so an outage also drops campaign traffic;
//         overlapping outages compound (80 % and 50 % leave 10 %), never below nothing.
//      Holidays act in step 1: the day's weekly-season phase is read as if it were the day
//      named in `like` (a weekday name, or a date whose weekday is used); without a weekly
//      season a holiday changes nothing.
//   4. negative values are clamped to 0.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/series.h"
#include "generate/load_model.h"

namespace forescale::generate {

struct ProfileOptions {
  std::optional<TimePoint> start;        // default: the model's history end
  Duration duration{std::chrono::days(7)};
  Duration step{std::chrono::seconds(1)};
  uint64_t seed = 1;
  std::optional<double> mean_rps;        // rescale the base series to this mean ...
  std::optional<double> peak_rps;        // ... or to this maximum (not both)
  std::optional<double> growth_per_week; // default: the model's
  double seasonality = 1.0;              // multiplier of the seasons' log-amplitude; 0: flat
  double noise = 1.0;                    // multiplier of the noise's log-amplitude; 0: none
  double burstiness = 1.0;               // multiplier of the burst rate; 0: no bursts
  double burst_height = 1.0;             // multiplier of the burst log-heights
};

// Fails on options that make no sense (step or duration <= 0, both mean and peak, negative
// multipliers, more than 100 M points) or a holiday whose `like` is not a weekday or a date.
Result<Series> GenerateProfile(const LoadModel& model, std::span<const Event> events,
                               const ProfileOptions& options);

// Step 3 and 4 above on any request-rate series (e.g. a history replayed with a campaign laid
// over it). Missing values (NaN) stay missing.
void OverlayEvents(std::span<const Event> events, Series& series);

// A further column of a profile CSV (e.g. bytes_per_s): one value per profile point.
struct ProfileColumn {
  std::string name;
  std::span<const double> values;
};

// `timestamp,rps[,extra...]` with RFC 3339 UTC timestamps (milliseconds only when the start or
// the step needs them) and values with 3 decimals. Appends to `out`.
void AppendProfileCsv(const Series& profile, std::string& out,
                      std::span<const ProfileColumn> extra = {});
// Writes the CSV to `path` ("-" for stdout) in large chunks. Fails (kInternal) when an extra
// column's length is not the profile's.
Result<void> WriteProfileCsv(const Series& profile, const std::string& path,
                             std::span<const ProfileColumn> extra = {});

}  // namespace forescale::generate
