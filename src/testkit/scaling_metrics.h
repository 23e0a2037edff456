// The numbers every forescale report shows for one run (definitions: DESIGN.md, "Definitions").
//
// - SLO violation minute: a whole minute of the run in which the end-to-end p95 latency (the
//   request-weighted 95th percentile of the per-step p95s) exceeds the SLO or any request was
//   dropped.
// - Scaling response time: for each episode in which demand exceeds the ready capacity at the
//   target utilisation of the front resource, from the first such step to the step the capacity
//   covers demand again; episodes still open at the end count up to the end.
//   Episodes shorter than `min_episode` are noise, not load rises, and are left out.
// - Utilisation: served load / ready capacity at target, time-weighted (1.0 = sized exactly at
//   the target; above 1 the service ran hotter than it was meant to). CPU utilisation is also
//   given (served / ready capacity at 100 %).
// - Cost: replica-seconds of every launched replica x its price; cost efficiency = oracle cost /
//   this cost, filled in by whoever has both.
#pragma once

#include <string>
#include <vector>

#include "sim/simulator.h"

namespace forescale::testkit {

struct ScalingMetricsOptions {
  TimePoint from{};                      // score only [from, to); default: the whole timeline
  TimePoint to = TimePoint::max();
  Duration min_episode{std::chrono::seconds(15)};
  Duration flap_window{std::chrono::minutes(5)};
};

struct ResourceSummary {
  std::string name;
  std::string policy;
  double cost = 0;
  double replica_hours = 0;
  double mean_ready = 0;
  int max_replicas = 0;
  double utilisation = 0;        // of capacity at target; NaN: no capacity was ready
  double cpu_utilisation = 0;    // of capacity at 100 %
  size_t scale_ups = 0, scale_downs = 0;
};

struct ScalingSummary {
  double duration_hours = 0;
  double requests = 0;            // arrived
  double dropped = 0;             // requests
  double drop_fraction = 0;
  size_t minutes = 0;
  size_t slo_violation_minutes = 0;
  double latency_p95 = 0;  // request-weighted over the run, seconds; NaN: none served
  double latency_p99 = 0;  // from the steps' p99 (a simulated timeline); NaN without
  size_t scaling_episodes = 0;
  double response_time_mean = 0;  // seconds
  double response_time_p95 = 0;
  double response_time_max = 0;
  double under_provisioned_seconds = 0;  // total time demand exceeded ready capacity at target
  // Rises: minutes whose demand needs more replicas (at the target) than the minute before;
  // met in advance when the ready capacity covered that minute's demand throughout.
  size_t rises = 0;
  size_t rises_met_in_advance = 0;
  double worst_shortfall = 0;     // largest share of demand above ready capacity at target (0..1)
  size_t scaling_actions = 0;     // changes of the front resource's desired count
  size_t flaps = 0;               // reversals of direction within `flap_window`
  double cost = 0;                // all resources
  double utilisation = 0;         // front resource
  std::vector<ResourceSummary> resources;
};

ScalingSummary Summarise(const sim::Timeline& timeline, const ScalingMetricsOptions& options = {});

}  // namespace forescale::testkit
