// A predictive-scaling test, as a user writes it (YAML; docs/scenario.md documents every key,
// examples/scenarios/ has four). What load, which service, which policies, what window is
// scored, and what must hold:
//
//   name: spring-campaign
//   load:
//     history: ../../data/nasa_http/nasa_ksc_requests_per_minute.csv   # or profile:, model:, series:
//     column: requests
//     values: count              # requests per step (rps: requests per second)
//     peak_rps: 720              # rescale (or scale: 100, or mean_rps: 300)
//   events: campaign.yaml        # or an inline list; laid over the load, and known to forecasts
//   service: ../service.yaml     # or an inline service model
//   slo: {p95_latency: 500ms, max_drop_rate: 0.1%}
//   window: {test_last: 2d}      # or test_from / test_to; everything before is warm-up
//   policies: [hpa, predictive, oracle]     # kinds, files, or {name:, policy: {...}}
//   repetitions: 3
//   seed: 7
//   assertions:
//     - predictive.slo_violation_minutes <= 0.5 * hpa.slo_violation_minutes
//
// Relative paths are relative to the scenario file. Every error names the file, line and key.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/time.h"
#include "sim/service_model.h"
#include "testkit/assertions.h"

namespace forescale::testkit {

struct LoadSource {
  enum class Kind { kHistory, kProfile, kStored, kModel };
  Kind kind = Kind::kHistory;
  std::string path;                  // history/profile file, or the generator model
  std::string column;                // which series of a multi-series file
  std::string series;                // stored series id (kStored)
  std::string db_path;               // store (kStored)
  bool per_step_counts = false;      // values are requests per step, not per second
  std::optional<Duration> resample;  // sum (counts) or mean (rates) to this step first
  std::optional<double> scale, peak_rps, mean_rps;  // at most one
  std::optional<TimePoint> from, to;  // crop the load to [from, to)
  // kModel: what to generate.
  std::optional<TimePoint> start;
  Duration duration{std::chrono::days(7)};
  Duration step{std::chrono::minutes(1)};
  std::optional<uint64_t> seed;      // default: the scenario's
};

struct PolicySpec {
  std::string label;                 // how results and assertions name it
  YAML::Node policy;                 // kind name, file path (made absolute) or inline mapping
};

struct Scenario {
  std::string path;                  // the scenario file
  std::string name;
  std::string description;
  LoadSource load;
  std::vector<Event> events;
  sim::ServiceModel service;
  double max_drop_fraction = 0.001;
  std::optional<TimePoint> test_from, test_to;
  std::optional<Duration> test_last;
  std::vector<PolicySpec> policies;
  size_t repetitions = 1;
  uint64_t seed = 1;
  Duration step{std::chrono::seconds(1)};   // simulation step
  std::vector<Assertion> assertions;
};

// Parses and checks the file: every path exists, policy labels are unique, assertions parse
// and name only listed policies and known metrics.
Result<Scenario> LoadScenario(const std::string& path);
Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& path);

// The metric names assertions and reports use, in the order reports show them.
const std::vector<std::string>& MetricNames();

}  // namespace forescale::testkit
