// The service a simulation scales: one or more resources in series (e.g. app replicas, then a
// database connection pool), each with its own capacity, start-up delay, bounds and price, and
// the monitoring pipeline that reports on them.
//
// A request passes through every resource in order; resource k sees what resource k-1 served,
// times its `demand_per_request` (e.g. 3 database queries per request). Latency adds up along
// the chain; a request dropped anywhere counts once, where it was dropped.
//
// Loaded from YAML (examples/service.yaml documents every key); every impossible value (max <
// min, zero capacity, negative delay, unknown key) is an error naming the file, line and key.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace forescale::sim {

struct ResourceModel {
  std::string name = "app";
  // What one replica serves at 100 % CPU, requests/s (= 1 / CPU-seconds per request).
  double capacity_rps = 50;
  // Coefficient of variation of a request's service time (1.0: exponential, as in M/M/c).
  double service_time_cv = 1.0;
  double target_utilisation = 0.6;      // what the service is sized for, fraction of capacity
  // Launch to ready: provisioning + boot + readiness; each replica's delay is this total times
  // a lognormal factor with mean 1 and coefficient of variation `startup_cv`.
  Duration startup_delay{std::chrono::minutes(2)};
  double startup_cv = 0;
  double startup_cpu = 0;               // CPU a booting replica burns, fraction of its request
  int min_replicas = 1;
  int max_replicas = 200;
  int initial_replicas = 0;             // 0: enough for the first step's demand at the target
  double price_per_replica_hour = 0.05;
  Duration request_timeout{std::chrono::seconds(30)};
  double queue_limit = 1000;            // requests waiting per ready replica before drops
  double demand_per_request = 1.0;      // units of this resource's work per incoming request
};

// How the monitoring pipeline (metrics-server, Prometheus, CloudWatch) delivers samples: one
// every `interval`, visible `delay` after the interval it covers, with multiplicative Gaussian
// noise of relative standard deviation `noise`.
struct MonitoringModel {
  Duration interval{std::chrono::seconds(15)};
  Duration delay{std::chrono::seconds(15)};
  double noise = 0.02;
};

struct ServiceModel {
  std::string name = "service";
  Duration slo_p95_latency{std::chrono::milliseconds(500)};
  Duration base_latency{std::chrono::milliseconds(0)};  // network + fixed work, every request
  std::vector<ResourceModel> resources;                 // at least one; [0] faces the traffic
  MonitoringModel monitoring;
};

Result<ServiceModel> LoadServiceModel(const std::string& path);
Result<ServiceModel> ParseServiceModel(const std::string& yaml_text, const std::string& origin);

// Replicas resource `r` needs to serve `rps` incoming requests/s at its target utilisation.
int ReplicasFor(const ResourceModel& r, double rps);

}  // namespace forescale::sim
