// What a scaling controller can see at one moment — the same in the simulator, the live
// localhost test and production. Policies decide from this and nothing else, which is what makes
// a tested policy the policy that runs.
//
// Metrics come through MetricSource, which answers as the monitoring pipeline would: samples
// arrive at the scrape interval and after the pipeline's lag, and carry its noise. A policy that
// wants "CPU over the last minute" asks for it; it never sees the true current load.
#pragma once

#include <cmath>
#include <optional>
#include <span>
#include <string>

#include "core/series.h"
#include "core/time.h"

namespace forescale::policy {

enum class Metric {
  kCpuUtilisation,  // mean over ready replicas; 1.0 = 100 % of a replica's CPU (request)
  kRequestRate,     // requests/s arriving at the service
  kLatencyP95,      // seconds
  kInFlight,        // requests being served or queued, whole service
  kDropRate,        // requests/s rejected (queue full or timed out)
};

// Thread safety: called from the control loop only.
class MetricSource {
 public:
  virtual ~MetricSource() = default;
  // Mean of the metric over the `window` ending at the newest sample the pipeline has delivered
  // by now; NaN when no sample has arrived yet.
  virtual double Average(Metric metric, Duration window) const = 0;
  // The metric's visible past at `step` (bucket means), the newest bucket ending at the newest
  // delivered sample, at most `span` long; missing buckets are NaN.
  virtual Series History(Metric metric, Duration span, Duration step) const = 0;
};

// One replica as the orchestrator (Kubernetes API + metrics-server) shows it. The fields are the
// ones the Kubernetes replica calculator reads, so its upstream test cases port one to one.
struct PodView {
  enum class Phase { kPending, kRunning, kSucceeded, kFailed };
  std::string name;            // stable per pod, for reasons and tests
  Phase phase = Phase::kRunning;
  bool deleting = false;       // has a deletion timestamp
  TimePoint created{};         // pod start time
  bool ready = false;          // Ready condition
  TimePoint ready_changed{};   // last transition of the Ready condition
  double cpu_request = 1.0;    // cores requested (the simulator gives every replica 1 core)
  // The latest metrics-server sample: CPU cores used, averaged over `metric_window` ending at
  // `metric_time`; empty while the pod has no sample yet.
  std::optional<double> cpu_usage;
  TimePoint metric_time{};
  Duration metric_window{std::chrono::seconds(15)};
};

struct Observation {
  TimePoint now{};
  int current_replicas = 0;     // the capacity last asked for (spec.replicas / DesiredCapacity)
  int ready_replicas = 0;       // replicas serving traffic
  int min_replicas = 1;         // bounds of the scaled resource (a policy may narrow them)
  int max_replicas = 1;
  // What one replica serves at 100 % CPU, requests/s: the service model's figure, which the
  // live controller takes from configuration. Lets load-based policies turn rps into replicas.
  double capacity_per_replica = 0;
  std::span<const PodView> pods;           // every pod of the resource, ready or not
  const MetricSource* metrics = nullptr;   // never null when Decide is called
};

struct Decision {
  int desired_replicas = 0;
  std::string reason;           // one line a human can audit, e.g. "cpu 0.83 / 0.60 x 10 -> 14"
  // Optional: what the policy expects the load (requests/s) to be when its decision takes
  // effect, and the upper quantile it provisions against (predictive policies), for reports;
  // NaN when the policy does not forecast.
  double expected_load = std::nan("");
  double expected_load_high = std::nan("");
};

}  // namespace forescale::policy
