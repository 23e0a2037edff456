// `forescale test SCENARIO.yaml`: the predictive-scaling test (src/testkit) on the command line.
// Resolves the scenario's load (a history or profile file, a stored series, or a generator
// model), runs every policy, prints the verdict, the summary table and the assertions, and
// writes results.json, junit.xml and report.html into the output directory.
//
// Exit codes: 0 every assertion holds; 1 one fails (or the run failed); 2 bad input.
//
//   forescale test examples/scenarios/campaign.yaml --out out/campaign
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace forescale::app {

struct TestCommandOptions {
  std::string scenario_path;
  std::string out_dir;                  // empty: test-results/<scenario name>
  std::vector<std::string> policies;    // only these labels
  std::optional<uint64_t> seed;
  bool quiet = false;
  // The live test: each policy (but the oracle) scales real sample-service processes behind
  // nginx under real HTTP load from the load generator, with Prometheus, over the test window
  // compressed `time_scale` times; then the same window is simulated and the two compared.
  bool live = false;
  double time_scale = 60;
  // Live: keep each policy's run directory as <live_dir>/<label> (nginx and Prometheus
  // configuration and logs, replica logs, the decision log); empty: temporary, removed.
  std::string live_dir;
  // Write each run's per-step timeline (app/timeline_csv.h) as <timelines_dir>/<label>.csv
  // (<label>-<n>.csv for repetition n > 0); live runs as <label>-live.csv.
  std::string timelines_dir;
};

// Ok(true) when every assertion held, Ok(false) when one failed.
Result<bool> TestCommand(const TestCommandOptions& options);

// Registers the subcommand; the returned function runs it when it was parsed and gives the
// exit code.
std::function<std::optional<int>()> AddTestCommand(CLI::App& app,
                                                   std::function<int(const Error&)> report_error);

}  // namespace forescale::app
