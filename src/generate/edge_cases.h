// Edge-case load profiles: the loads that break an autoscaler, taken from the history itself.
//
//  - "anomalous-episode-N": the N most anomalous hours of the real history by isolation forest
//    (anomaly.h) on window features, each replayed with an hour of context either side;
//  - "steepest-ramp": a generated baseline with a ramp as steep as the history plausibly
//    produces once in `return_period_days` — the daily steepest 10-minute rises (relative to
//    the hour before) are fitted with a generalized Pareto tail and extrapolated, and never
//    fall below the steepest rise the history already made;
//  - "largest-spike": the same for the day's largest step over the hour before it, added as
//    a burst that decays like the model's bursts.
// "Hour" and "ten minutes" are whole steps: at least two steps and one (an hourly history's
// "hour" is two hours), and the descriptions say which. The ramp starts a third of the way
// into the baseline and stays; the spike comes at half way. Every case carries a label and a
// sentence that says where it came from. Cases hold at most 10 M points each.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/series.h"
#include "generate/load_model.h"

namespace forescale::generate {

struct EdgeCase {
  std::string label;
  std::string description;
  double score = 0;  // anomaly score, or the extrapolated relative height
  Series profile;    // requests per second
};

struct EdgeCaseOptions {
  size_t episodes = 3;
  double return_period_days = 100;   // "plausible": once in this many days
  Duration baseline_duration{std::chrono::hours(6)};  // length of the synthetic cases
  Duration step{std::chrono::seconds(1)};
  uint64_t seed = 1;
  // The profile (requests/s) the ramp and the spike are laid over, e.g. the one `generate
  // profile` just made with its controls and events. Default: the model's own profile over
  // `baseline_duration` at `step`, seeded with `seed`.
  std::optional<Series> baseline;
  // Multiplies the real episodes' rates, so they stand at the baseline's scale (a baseline
  // scaled to 300 rps on average scales them by 300 / the history's mean).
  double episode_scale = 1.0;
};

// `history` is the series the model was fitted on (same step), as counts per step;
// profiles are in requests per second.
Result<std::vector<EdgeCase>> BuildEdgeCases(const Series& history, const LoadModel& model,
                                             const EdgeCaseOptions& options);

}  // namespace forescale::generate
