// The sample service: a real HTTP/1.1 server whose cost per request is a known amount of CPU,
// so a load test against it has a ground truth (capacity = workers / (cpu_per_request +
// wait_per_request)).
//
// Every request other than /healthz and /metrics is queued for a pool of `workers` threads;
// each burns `cpu_per_request` of its own thread CPU time (a busy loop on
// CLOCK_THREAD_CPUTIME_ID, so time the thread waits for a core does not count and an
// overloaded machine makes requests slower, as it would a real service), then sleeps
// `wait_per_request` (a downstream call that holds the worker but not a core) and answers 200.
// At most `queue_limit` requests wait beyond the busy workers; more are answered 503 at once,
// so under overload latency rises to about queue_limit / capacity and then requests fail fast.
// Until `startup_delay` has passed, /healthz and every request answer 503 (a replica that is
// starting); after it /healthz answers 200 "ready".
//
// /metrics is the Prometheus text exposition (version 0.0.4):
//   forescale_sample_requests_total{code="200"|"503"}   counter; /healthz and /metrics excluded
//   forescale_sample_in_flight                          gauge: queued + being served
//   forescale_sample_queue_length                       gauge: waiting for a worker
//   forescale_sample_request_duration_seconds           histogram: receipt to answer
//   forescale_sample_ready, forescale_sample_workers    gauges
//   process_cpu_seconds_total                           counter (getrusage: user + system)
//
// Stop() is graceful: no new connections, queued requests are still served (for up to
// `shutdown_grace`), then workers and the server stop. Thread-safe: Stats/MetricsText from any
// thread; Start/Stop from the owner.
//
//   auto svc = SampleService::Start({.port = 0, .cpu_per_request = 2ms, .workers = 2});
//   Fetch("http://127.0.0.1:" + std::to_string((*svc)->port()) + "/work");
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "loadgen/http_server.h"

namespace forescale::loadgen {

struct SampleServiceOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  std::chrono::microseconds cpu_per_request{2000};
  // After the CPU, the worker waits this long (sleeping: a call to a database or another
  // service). Capacity = workers / (cpu + wait); at capacity the replica uses
  // workers x cpu / (cpu + wait) cores.
  std::chrono::microseconds wait_per_request{0};
  int workers = 2;
  size_t queue_limit = 100;  // requests waiting beyond the busy workers
  std::chrono::milliseconds startup_delay{0};
  std::chrono::milliseconds shutdown_grace{5000};
};

// Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
inline constexpr std::array<double, 14> kSampleLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct SampleServiceStats {
  uint64_t ok = 0;         // 200 answers to work requests
  uint64_t rejected = 0;   // 503: queue full
  uint64_t not_ready = 0;  // 503: still starting
  int64_t in_flight = 0;
  int64_t queue_length = 0;
  bool ready = false;
};

class SampleService {
 public:
  // Fails (kInvalidArgument) on workers < 1 or a negative CPU time, (kIo) when it cannot listen.
  static Result<std::unique_ptr<SampleService>> Start(const SampleServiceOptions& options);
  ~SampleService();  // Stop()
  SampleService(const SampleService&) = delete;
  SampleService& operator=(const SampleService&) = delete;

  uint16_t port() const { return server_->port(); }
  bool ready() const;
  SampleServiceStats Stats() const;
  std::string MetricsText() const;
  void Stop();

 private:
  SampleService() = default;
  void Handle(const HttpRequest& request, Responder respond);
  void Work();
  void Finish(std::chrono::steady_clock::time_point received, int code);

  SampleServiceOptions options_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<HttpServer> server_;

  struct Job {
    Responder respond;
    std::chrono::steady_clock::time_point received;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;                                // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  std::chrono::steady_clock::time_point stop_deadline_;  // guarded by mu_
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> ok_{0}, rejected_{0}, not_ready_{0};
  std::atomic<int64_t> in_flight_{0};
  std::array<std::atomic<uint64_t>, kSampleLatencyBuckets.size() + 1> buckets_{};
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_ns_{0};
  bool stopped_ = false;
};

// Spends `cpu` of the calling thread's CPU time in a busy loop.
void BurnThreadCpu(std::chrono::nanoseconds cpu);

}  // namespace forescale::loadgen
