// What one predictive-scaling test produced: per policy, its runs (one per repetition), the
// scaling metrics, and the assertions checked against them. The reports (results.json,
// junit.xml, report.html) are all written from this one structure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/simulator.h"
#include "testkit/scaling_metrics.h"

namespace forescale::testkit {

// A metric over repetitions: the mean and a 95 % confidence interval (Student t); with one
// repetition the interval is the value itself.
struct Estimate {
  double mean = 0;
  double low = 0;
  double high = 0;
  size_t n = 0;
};

// The estimate from the repetitions' values (NaN ones left out; all NaN: NaN throughout).
Estimate EstimateOf(const std::vector<double>& values);

struct PolicyResult {
  std::string name;                    // the scenario's label, e.g. "hpa" or "predictive-q99"
  std::string kind;                    // policy kind, e.g. "hpa"
  std::string source;                  // "kind" or the policy file
  std::vector<ScalingSummary> runs;    // one per repetition, scored on the test window
  sim::Timeline timeline;              // of the first repetition, whole (warm-up included)
  // Metric name -> estimate over repetitions. Names as assertions use them, e.g.
  // "slo_violation_minutes", "cost", "cost_efficiency", "scaling_response_time.p95" (seconds).
  std::map<std::string, Estimate> metrics;
};

struct AssertionResult {
  std::string expression;              // as written in the scenario
  bool passed = false;
  std::string message;                 // "predictive.cost 41.2 <= 1.05 x hpa.cost 45.9 (48.2)"
};

struct ScenarioResults {
  std::string name;
  std::string scenario_path;
  std::string description;
  TimePoint test_from{}, test_to{};    // the scored window; the forecast saw only data before it
  Duration slo_p95_latency{0};
  double max_drop_fraction = 0;
  size_t repetitions = 1;
  uint64_t seed = 1;
  std::vector<PolicyResult> policies;  // in scenario order; the oracle, when run, among them
  std::vector<AssertionResult> assertions;
  std::vector<std::string> notes;      // what the run had to work around, said plainly
  double seconds = 0;                  // wall time of the whole test
};

}  // namespace forescale::testkit
