// The live test: a load profile replayed as real HTTP load against real sample-service replicas
// that a policy scales through the local actuator, with Prometheus collecting what the policy
// reads — the same Policy object the simulator runs, in compressed time.
//
// What runs (all on 127.0.0.1, all under a private run directory, all stopped at the end):
//   loadgen (in process, open loop) -> nginx (or the built-in balancer) -> N x `forescale
//   sample-service`; Prometheus scrapes the replicas and the load generator; the ControlLoop
//   asks the policy every interval and drives the actuator.
//
// Time compression (`time_scale` X profile seconds per wall second): the policy lives in
// profile time (Observation::now, its interval, pod times, metric windows); the replicas'
// start-up delay is the model's divided by X; Prometheus scrapes every monitoring interval / X
// (at least `min_scrape_interval`); the load generator replays the profile at X with the
// profile's *rates* kept (src/loadgen/schedule.h), so a replica sized for the profile meets the
// load it was sized for, and with compressed arrivals (every X-th request of the real-rate
// stream), so a compressed metric window varies as the real window would, not X times more. One
// replica is the service model's resource [0]: one worker that spends 1 / capacity_rps seconds
// per request, burning CPU (all of it, unless the CPU budget below applies), so it really serves
// capacity_rps at 100 % of its CPU request. (More resources than one: an error; the live test
// scales the front resource.)
//
// Load budget: when the profile's peak exceeds `max_request_rate`, the load *and* the replica
// capacity are scaled down by the same factor f (a replica burns 1 / (f x capacity) per
// request), so replica counts and CPU are unchanged while fewer requests cross the loopback;
// the timeline and the metrics the policy sees are scaled back by 1 / f, and a note says so.
// CPU budget: at peak the profile needs demand / capacity replicas at 100 %. When that is more
// cores than `max_replica_cores` (default: half the machine's), a replica burns only a share s
// of each request's 1 / capacity seconds as CPU and waits the rest (sample-service
// --wait-per-request): it still serves capacity_rps with its one worker, and its CPU request is
// s cores, so the utilisation the policy reads (CPU / request) is unchanged. A note says so.
//
// The returned Timeline has one step per profile second (each value from the wall second that
// covers it): demand = requests sent, served = answered 2xx, dropped = errors (503 included),
// latency_p95 = the load generator's per-second p95 (coordinated-omission corrected); and one
// ResourceTimeline with desired / ready / running replicas and measured CPU of the ready
// replicas, sampled each profile second — the shape src/testkit reports on, unchanged.
// Decisions that changed the count are in Timeline::decisions; every decision, with its reason
// and the actuator's events (a replica that died and was replaced), is in LiveReport and in the
// JSONL decision log.
//
// Faults are survived and reported in Timeline::notes: a replica killed from outside (replaced
// at the next decision), Prometheus not answering (NaN metrics, counted), the load generator
// falling behind. The run ends on time: profile length / X, plus start-up (Prometheus, initial
// replicas) and the load generator's drain.
//
//   LiveOptions o{.time_scale = 60, .forescale_binary = "/usr/bin/forescale"};
//   auto policy = policy::LoadPolicy("hpa", sim::ContextFor(service.resources[0], nullptr, 1));
//   LiveReport report;
//   Result<sim::Timeline> t = RunLive(profile, service, **policy, o, &report);
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "control/control_loop.h"
#include "control/local_actuator.h"
#include "core/series.h"
#include "policy/policy.h"
#include "sim/service_model.h"
#include "sim/simulator.h"

namespace forescale::control {

// Replica CPU at the profile's peak, as a share of the machine's cores, unless told otherwise:
// the load generator, nginx and Prometheus need the rest.
inline constexpr double kDefaultCoreShare = 0.5;

struct LiveOptions {
  double time_scale = 60;        // profile seconds per wall second; > 0
  std::string forescale_binary;  // required: runs the replicas (`forescale sample-service`)
  // Where configs, logs, Prometheus data and the decision log go. Empty: a fresh directory under
  // $TMPDIR (or /tmp), removed at the end unless `keep_run_dir`.
  std::string run_dir;
  bool keep_run_dir = false;
  std::string decision_log;  // JSONL; empty: <run_dir>/decisions.jsonl
  BalancerKind balancer = BalancerKind::kAuto;
  std::string nginx_binary = "nginx";
  std::string prometheus_binary = "prometheus";
  std::chrono::milliseconds min_scrape_interval{250};  // wall floor of the scrape interval
  double max_request_rate = 1500;  // requests/s; above: load and capacity scaled down together
  // Replica CPU at the profile's peak; 0: kDefaultCoreShare of the machine's cores. Above it a
  // replica waits part of each request instead of burning CPU (see the header comment).
  double max_replica_cores = 0;
  // Load generator connections; 0: enough for a second of the peak rate in flight (64 to 512),
  // so an overloaded service that answers slowly does not make the open loop wait for one.
  int connections = 0;
  int loadgen_threads = 1;
  uint64_t seed = 1;                             // arrivals (Poisson)
  std::chrono::milliseconds poll_interval{100};  // actuator: health, CPU, exits (wall)
  // Called from the run's thread once per profile second, after recording (tests kill a replica
  // from here). Profile time.
  std::function<void(TimePoint now, LocalActuator& actuator)> on_tick;
};

struct LiveReport {
  std::vector<DecisionEntry> decisions;  // every decision, with reasons and events
  std::vector<std::string> events;       // every actuator event, in order
  std::string run_dir;                   // removed unless keep_run_dir
  std::string balancer;                  // "nginx" or "builtin"
  double load_factor = 1;                // f (see the header comment)
  double replica_cpu_share = 1;          // of a core, per replica at capacity
  double wall_seconds = 0;               // from the first process started to the last stopped
  double expected_wall_seconds = 0;      // profile length / time scale
  uint64_t replicas_launched = 0;
  uint64_t replicas_died = 0;  // exited without being asked to
  uint64_t metric_queries = 0;
  uint64_t metric_failures = 0;  // Prometheus not answering or erring
  uint64_t requests_sent = 0;
  uint64_t requests_ok = 0;
  std::vector<pid_t> pids;  // every process the run started (replicas, nginx,
                            // Prometheus), all stopped by the time RunLive returns
};

Result<sim::Timeline> RunLive(const Series& profile, const sim::ServiceModel& service,
                              policy::Policy& policy, const LiveOptions& options,
                              LiveReport* report = nullptr);

}  // namespace forescale::control
