// Prometheus for the live test: a private server started from the Debian `prometheus` binary,
// its HTTP API, and the MetricSource the control loop reads through it.
//
// PrometheusServer runs `prometheus` on a free loopback port with a generated configuration:
// one scrape job per name in `jobs`, each discovering its targets from a file
// (`<run_dir>/<job>.targets.json`, file_sd) that SetTargets rewrites atomically, so replicas
// that come and go are scraped within a moment (Prometheus watches the file). Its storage is
// `<run_dir>/data`; its log `<run_dir>/prometheus.log`. Stop: SIGTERM, wait, SIGKILL.
//
// PrometheusClient asks /api/v1/query and /api/v1/query_range (one blocking HTTP GET each, on
// 127.0.0.1 only). PrometheusMetricSource turns the policy's questions into PromQL over the
// sample service's metrics (src/loadgen/sample_service.h) and answers in profile time (see
// time_map.h): a window of W profile seconds is a range of W / scale wall seconds, never shorter
// than `min_range` (a rate needs at least two scrapes). A query that fails (Prometheus not
// answering, an error, a malformed answer) is NaN and counted, never a crash; a query with no
// data yet is NaN and not a failure.
//
// Thread safety: PrometheusServer from its owner; PrometheusClient is thread-safe;
// PrometheusMetricSource from the control loop only (its counters are not synchronised beyond
// atomics).
//
//   auto prom = PrometheusServer::Start({.run_dir = dir, .scrape_interval = 1s,
//                                        .jobs = {"replicas", "loadgen"}});
//   (*prom)->SetTargets("replicas", {"127.0.0.1:8081", "127.0.0.1:8082"});
//   PrometheusMetricSource source(PrometheusClient((*prom)->port()), wall_clock, {.time = map});
//   double cpu = source.Average(policy::Metric::kCpuUtilisation, std::chrono::minutes(1));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "control/process.h"
#include "control/time_map.h"
#include "core/clock.h"
#include "core/error.h"
#include "policy/observation.h"

namespace forescale::control {

struct PrometheusOptions {
  std::string binary = "prometheus";  // name (PATH) or path
  std::string run_dir;                // required, must exist: config, targets, data, log
  Duration scrape_interval{std::chrono::seconds(1)};  // wall time; >= 100 ms
  std::vector<std::string> jobs = {"replicas"};       // scrape jobs, targets via SetTargets
  std::chrono::milliseconds start_timeout{20000};     // until /-/ready answers 200
};

class PrometheusServer {
 public:
  // Fails (kNotFound) without the binary (scripts/bootstrap installs it), (kIo) when it does not
  // become ready in time (the message quotes the end of its log).
  static Result<std::unique_ptr<PrometheusServer>> Start(const PrometheusOptions& options);
  ~PrometheusServer();  // Stop()
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  // Replaces the targets ("127.0.0.1:8081") of one of the configured jobs.
  Result<void> SetTargets(const std::string& job, const std::vector<std::string>& targets);
  void Stop();

 private:
  PrometheusServer() = default;
  PrometheusOptions options_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The configuration file Start writes (exposed for tests).
std::string PrometheusConfig(const PrometheusOptions& options);

// One (time, value) point of a Prometheus answer; time in unix seconds.
struct PromPoint {
  double t = 0;
  double value = 0;
};

// The value of an instant query's answer: the only element of a vector (or a scalar); NaN for
// an empty vector (no data yet). Fails (kInvalidArgument) on an error answer, a malformed body
// or a vector of more than one series (the query should have aggregated).
Result<double> ParseInstantValue(std::string_view body);
// The points of a range query's only series (empty for no series); fails as above.
Result<std::vector<PromPoint>> ParseRangePoints(std::string_view body);

class PrometheusClient {
 public:
  explicit PrometheusClient(uint16_t port, std::string host = "127.0.0.1",
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000))
      : host_(std::move(host)), port_(port), timeout_(timeout) {}

  // Evaluates `promql` at wall time `at`.
  Result<double> Query(const std::string& promql, TimePoint at) const;
  Result<std::vector<PromPoint>> QueryRange(const std::string& promql, TimePoint start,
                                            TimePoint end, Duration step) const;

 private:
  Result<std::string> Get(const std::string& path_and_query) const;
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
};

// PromQL duration: 1500ms -> "1500ms", 60000ms -> "60s".
std::string PromDuration(Duration d);

struct PrometheusSourceOptions {
  TimeMap time;                                 // profile <-> wall
  Duration min_range{std::chrono::seconds(3)};  // wall; about 3 scrape intervals
  std::string job = "replicas";                 // the scrape job of the service's replicas
  double cpu_request = 1.0;                     // cores per replica: CPU utilisation = cores / this
  // Multiplies request-rate metrics (rate, drop rate, in flight) on the way out: a run whose load
  // was scaled down by f reports in profile units with 1 / f.
  double rate_factor = 1.0;
};

class PrometheusMetricSource final : public policy::MetricSource {
 public:
  // `wall_clock` must be real time (Prometheus stamps samples with it).
  PrometheusMetricSource(PrometheusClient client, const Clock& wall_clock,
                         PrometheusSourceOptions options)
      : client_(std::move(client)), wall_(wall_clock), options_(std::move(options)) {}

  double Average(policy::Metric metric, Duration window) const override;
  Series History(policy::Metric metric, Duration span, Duration step) const override;

  // The PromQL asked for `metric` over a wall range (exposed for tests and the decision log).
  std::string PromQl(policy::Metric metric, Duration wall_range) const;

  uint64_t queries() const { return queries_.load(); }
  uint64_t failures() const { return failures_.load(); }
  std::string last_error() const;

 private:
  Duration WallRange(Duration profile_window) const;
  double Scale(policy::Metric metric, double value) const;
  void Failed(const Error& error) const;

  PrometheusClient client_;
  const Clock& wall_;
  PrometheusSourceOptions options_;
  mutable std::atomic<uint64_t> queries_{0}, failures_{0};
  mutable std::mutex mu_;
  mutable std::string last_error_;  // guarded by mu_
};

}  // namespace forescale::control
