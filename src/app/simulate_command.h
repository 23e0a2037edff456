// `forescale simulate`: one load profile, one service model, one policy per resource, through
// the cluster simulator (src/sim); prints the scaling summary and optionally writes the
// per-step timeline.
//
//   forescale simulate --profile profile.csv --service examples/service.yaml --policy hpa
//       --seed 7 --out timeline.csv
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/load_series.h"
#include "core/error.h"

namespace forescale::app {

struct SimulateOptions {
  SeriesSource profile;
  bool per_step_counts = false;        // profile values are requests per step, not per second
  std::string service_path;
  std::vector<std::string> policies;   // one per resource, in order; or "resource=policy"
  uint64_t seed = 1;
  std::string step = "1s";             // simulation step
  std::string warm_up;                 // simulated but not scored (lets forecasts learn)
  std::string format = "text";         // summary: text|json|csv
  std::string out;                     // timeline CSV; empty: none
  std::string decisions;               // decisions CSV (time, from, to, reason); empty: none
};

Result<void> SimulateCommand(const SimulateOptions& options);

// Registers the subcommand; the returned function runs it when it was parsed.
std::function<std::optional<Result<void>>()> AddSimulateCommand(CLI::App& app);

}  // namespace forescale::app
