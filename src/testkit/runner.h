// Runs a scenario: lays the scenario's events over its load, simulates every policy (and the
// oracle, for cost efficiency) over the whole load — the part before the test window is the
// warm-up from which forecasting policies learn — scores the test window, repeats with seeds
// seed, seed + 1, ..., and checks the assertions.
//
// No leakage: a policy only ever sees the simulated monitoring pipeline, which delivers each
// sample after it happened; nothing of the test window reaches a forecast before its time
// (runner_test proves it by changing the future and comparing decisions).
//
// Runs are independent and go to a small thread pool. Deterministic for a given seed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/series.h"
#include "policy/policy.h"
#include "testkit/results.h"
#include "testkit/scenario.h"

namespace forescale::testkit {

struct RunOptions {
  std::vector<std::string> only_policies;  // labels to run (empty: all); the oracle always runs
  std::optional<uint64_t> seed;            // overrides the scenario's
  unsigned threads = 0;                    // 0: one per core
  // Called after each simulation with the share done and what finished.
  std::function<void(double done, const std::string& what)> progress;
  // The live test: instead of simulating, run each policy (but the oracle, which is always
  // simulated) for real over the test window. Gets the policy's label, the policy — built with
  // the load before the window as its past demand, as a production controller would find it in
  // Prometheus — and the load of the window; returns what happened, one step per second of the
  // window. Runs one policy at a time.
  std::function<Result<sim::Timeline>(const std::string& label, policy::Policy& policy,
                                      const Series& window_load)>
      live;
  // Simulated runs: the demand before the load, which the policies find as their past (what
  // the metrics store holds when the replay starts); null: none. `recommend` passes the history
  // before its replay, so its report and its search replay the policies alike.
  const Series* past_demand = nullptr;
  // Called with every run's whole timeline (warm-up included), from the worker threads one at
  // a time, before it is summarised; an error stops the test.
  std::function<Result<void>(const std::string& label, size_t repetition,
                             const sim::Timeline& timeline)>
      on_timeline;
};

// `load` is the scenario's load in requests/s as read from its source (the caller resolves
// files, stored series and generator models); scaling and events are applied here.
Result<ScenarioResults> RunScenario(const Scenario& scenario, Series load, const RunOptions& options);

// The load as the test replays it: scaled as the scenario says, events laid over it.
Result<Series> PrepareLoad(const Scenario& scenario, Series load);

}  // namespace forescale::testkit
