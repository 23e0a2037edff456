// "What would my autoscaler have done, and what should it be?"
//
// Recommend replays the user's own policy file over a request-rate history and over
// variations of it (the history grown week on week, and the history with a campaign on its
// busiest day), searches the policy's knobs (tunable.h) with Bayesian optimisation over the
// simulator (optimiser.h), and compares three settings on the same loads: the current one, the
// recommended one and forescale's predictive policy.
//
// Objective (smaller is better), summed over the loads:
//   cost + violation_cost x SLO-violation minutes
// where violation_cost defaults to what the service costs for an hour at the replicas its
// peak demand needs: a violation minute is worth an hour of peak capacity. One simulation is
// one setting run over all the loads; the count and the time taken are reported. Forecasting
// policies start with the history before the replayed part as their past, as a controller finds
// it in Prometheus.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/events.h"
#include "core/series.h"
#include "recommend/optimiser.h"
#include "recommend/tunable.h"
#include "sim/service_model.h"

namespace forescale::recommend {

struct RecommendOptions {
  std::string policy_path;
  std::optional<Duration> last;        // score only the last part of the history (after warm-up)
  Duration warmup{std::chrono::hours(24)};  // simulated before the scored part, not scored
  double violation_cost = 0;           // per SLO-violation minute; <= 0: the default above
  double growth_per_week = 0.10;       // the "growth" load: +10 % a week
  double campaign_peak = 3.0;          // the "campaign" load: 3x at the busiest hour
  int budget = 60;                     // simulations the search may spend
  // > 1: instead of the search, simulate a full grid of this many levels per knob, evenly over
  // each knob's range (the baseline the search is measured against; bench/recommend).
  int grid_levels = 0;
  uint64_t seed = 1;
  unsigned threads = 0;                // 0: one per core
  Duration step{std::chrono::seconds(1)};
};

// One setting's results, per load and in all.
struct Outcome {
  struct PerLoad {
    std::string load;  // "history", "growth", "campaign"
    double slo_violation_minutes = 0;
    double cost = 0;
    double response_p95_s = 0;
    double utilisation = 0;
  };
  std::vector<PerLoad> loads;
  double slo_violation_minutes = 0;  // sums over the loads
  double cost = 0;
  double response_p95_s = 0;         // the worst load's
  double objective = 0;
};

struct Recommendation {
  TunableConfig config;
  std::vector<double> current_values, recommended_values;
  Outcome current, recommended, predictive;
  OptimiserResult search;            // every simulation of the search, in order
  std::vector<Outcome> evaluated;    // the outcome of each, same order
  double violation_cost = 0;
  double seconds = 0;                // the search's wall time
  int simulations = 0;               // settings simulated (each over every load)
  std::vector<std::string> loads;    // their names, in order
  Series history;                    // the history as replayed (warm-up + scored part)
  Series past;                       // the history before it: the policies' past demand
  TimePoint score_from{};            // where the scored part starts
  std::vector<Event> campaign;       // the campaign laid over the "campaign" load
  std::vector<std::string> warnings; // from reading the policy file
};

// `history` is requests/s. Errors name the policy file and what is wrong.
Result<Recommendation> Recommend(const Series& history, const sim::ServiceModel& service,
                                 const RecommendOptions& options);

}  // namespace forescale::recommend
