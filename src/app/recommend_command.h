// `forescale recommend`: what would my autoscaler have done on this history, and what should
// its settings be? Replays the user's own policy file (an HPA manifest, a KEDA ScaledObject, AWS
// policy JSON or a forescale policy) over the history and its variations, searches the
// policy's knobs with Bayesian optimisation over the simulator (src/recommend), prints current
// vs recommended vs forescale's predictive policy, and writes the recommended configuration in
// the user's own format plus the usual test report.
//
//   forescale recommend --history data/nasa.csv --column requests --values count
//       --service examples/service.yaml --policy examples/configs/hpa-with-deployment.yaml
//       --out recommend-out
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "app/load_series.h"
#include "core/error.h"

namespace forescale::app {

struct RecommendCommandOptions {
  SeriesSource history;
  bool per_step_counts = false;  // history values are requests per step
  double peak_rps = 0;           // > 0: rescale the history so that its busiest step is this
  std::string service_path;
  std::string policy_path;
  std::string slo_p95;           // overrides the service model's SLO (e.g. 300ms)
  std::string last;              // score only the last part of the history (e.g. 14d)
  std::string warm_up = "1d";
  double violation_cost = 0;
  double growth_per_week = 0.10;
  double campaign_peak = 3.0;
  int budget = 60;
  int grid = 0;                  // > 1: a full grid of this many levels per knob instead
  uint64_t seed = 1;
  std::string out_dir;           // default: recommend-results/<policy file stem>
  bool quiet = false;
};

Result<void> RecommendCommand(const RecommendCommandOptions& options);

std::function<std::optional<Result<void>>()> AddRecommendCommand(CLI::App& app);

}  // namespace forescale::app
