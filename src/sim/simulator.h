// The simulated world a policy is tested in: a demand profile arrives at a service, replicas
// start after their start-up delay and serve what they can, a queue carries the backlog from one
// step to the next, and the monitoring pipeline reports what a real controller would see.
//
// Each step (default 1 s): replicas whose start-up delay has passed become ready; every policy
// whose interval is due observes (pods, lagged noisy metrics) and decides; then the step's
// requests flow through the resources. Per resource, per step, as a queue with `c` ready
// replicas of rate mu each (M/G/c):
//   - served = min(backlog + arrivals, c x mu x step); the rest waits;
//   - what cannot wait is dropped: more than `queue_limit` per ready replica, or more than a
//     request timeout's worth of work (it would time out anyway);
//   - p95 latency = service-time p95 (lognormal with the model's CV) + waiting time: the backlog
//     drained at c x mu when there is one, else the M/G/c steady-state waiting-time p95 from the
//     Sakasegawa approximation of P(wait) with the Allen-Cunneen correction for service-time
//     variability (exact for M/M/1, within a few percent of Erlang C elsewhere).
// Replicas cost from launch to removal. Scale-down removes replicas that are not ready yet
// first, newest first, then the most recently ready — as a Kubernetes ReplicaSet does.
//
// Deterministic: the same inputs and seed give the same timeline on every machine.
//
//   auto timeline = Simulate(profile, service, policies, {.seed = 7});
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/series.h"
#include "policy/policy.h"
#include "sim/service_model.h"

namespace forescale::sim {

struct SimulationOptions {
  Duration step{std::chrono::seconds(1)};
  uint64_t seed = 1;
};

// Per-step records of one resource (float: the timeline of a month at 1 s is 2.6 M rows).
struct ResourceTimeline {
  std::string name;
  std::string policy;            // the policy kind that scaled it
  std::vector<float> demand;     // work arriving, requests/s (x demand_per_request)
  std::vector<float> served;     // requests/s
  std::vector<float> dropped;    // requests/s dropped at this resource
  std::vector<int32_t> desired;  // replicas asked for
  std::vector<int32_t> ready;    // replicas serving
  std::vector<int32_t> running;  // replicas billed (launched and not removed)
  std::vector<float> cpu;        // served / (ready x capacity): CPU of the ready replicas
  std::vector<float> latency_p95;  // seconds spent at this resource, 95th percentile
  // What the policy expected the demand to be when its decision takes effect (its forecast at
  // the start-up delay, held from one decision to the next; NaN when the policy does not
  // forecast), and the upper quantile it provisioned against. Plotted against `demand`.
  std::vector<float> forecast, forecast_high;
  double capacity_rps = 0;       // per replica at 100 % CPU, from the model
  double target_utilisation = 0;
  double price_per_replica_hour = 0;
  int max_replicas = 0;          // the model's upper bound (0: unknown); the report's alerts
};

struct DecisionRecord {
  TimePoint time{};
  int resource = 0;
  int from = 0;
  int to = 0;
  std::string reason;
};

struct Timeline {
  TimePoint start{};
  Duration step{std::chrono::seconds(1)};
  std::vector<float> demand;       // requests/s arriving at the service
  std::vector<float> served;       // requests/s completed end to end
  std::vector<float> dropped;      // requests/s dropped anywhere
  std::vector<float> latency_p95;  // end-to-end, seconds (base latency + every resource)
  std::vector<float> latency_p99;  // likewise, the 99th percentile
  std::vector<ResourceTimeline> resources;
  std::vector<DecisionRecord> decisions;  // only those that changed the desired count
  size_t decision_count = 0;              // every call of a policy
  Duration slo_p95_latency{0};
  std::vector<std::string> notes;         // what the run had to work around

  size_t size() const { return demand.size(); }
  TimePoint TimeAt(size_t i) const { return start + step * static_cast<int64_t>(i); }
};

// 95 % of the resource's replicas are ready within this.
Duration StartupDelayP95(const ResourceModel& r);

// The context a policy for resource `r` gets: bounds, target, capacity and start-up delay from
// the model, and (for the oracle) the demand that resource will see.
policy::PolicyContext ContextFor(const ResourceModel& r, const Series* future_demand, uint64_t seed);

// `policies[i]` scales `service.resources[i]`. The profile is requests/s; its step may differ
// from the simulation step: each profile value holds for its whole step, and a simulation step
// longer than the profile's gets the time-weighted mean of the values it covers (the requests
// are kept).
Result<Timeline> Simulate(const Series& profile, const ServiceModel& service,
                          std::vector<std::unique_ptr<policy::Policy>>& policies,
                          const SimulationOptions& options);

}  // namespace forescale::sim
