// The open-loop HTTP/1.1 load generator.
//
// Requests are sent at the times a Schedule says, whatever the responses do (open loop): a slow
// server does not slow the load down, it builds up — as real users' load does. Latency is
// measured from each request's *intended* send time, so time a request spent waiting for a free
// connection or for a late generator counts (coordinated omission corrected, as wrk2 does). The
// gap between actual and intended send time is the *schedule lag*; it is recorded for every
// request, and a run that could not keep the schedule says so in its result (`schedule_kept`,
// `notes`) instead of quietly sending less.
//
// How it works: `threads` threads, each with its own epoll loop, its own share of the schedule
// (Schedule::Share) and its own `connections / threads` keep-alive connections (non-blocking
// sockets, TCP_NODELAY, one request in flight per connection, no pipelining). A due request goes
// to an idle connection; when none is idle it waits (its latency clock is running). Threads
// sleep until the next arrival with nanosecond timeouts (epoll_pwait2, 1 ns timer slack).
// Schedule::Max() is the closed-loop mode: every connection sends again as soon as it is
// answered, latency is measured from the actual send, and there is no lag.
//
// Every request ends as exactly one of: ok (2xx/3xx), an error of one kind, unfinished (in
// flight when the run ended and the drain time ran out) or not sent (due, but the run ended
// first). Errors: connect (no connection could be made: the request failed without being sent),
// reset (the connection broke with the request in flight; an idempotent request on a *reused*
// keep-alive connection that closed before any response byte is sent again instead, as Go's
// net/http does, for as long as that is how it fails — a reloading server closes all its idle
// connections at once — and counted in `resent`), timeout (no answer within `timeout`,
// or waited that long for a connection), http_4xx, http_5xx, protocol (a malformed response).
// A target that is down, resets, answers slowly or dies mid-run costs errors, never the run: it
// ends on time (`duration` + at most `drain`).
//
// Time is the machine's monotonic clock, read directly: keeping real time is the whole job.
//
// Thread safety: Start() returns a running generator; Stop(), Done() and Live() may be called
// from any thread while it runs; Wait() once, from the owner.
//
//   auto target = ParseTarget("http://127.0.0.1:8080/");
//   auto schedule = Schedule::ConstantRate(1000, 10, {.arrivals = Arrivals::kUniform});
//   auto gen = Loadgen::Start(*schedule, {.target = *target, .connections = 16});
//   LoadgenResult r = (*gen)->Wait();
//   std::string json = ResultToJson(r).dump(2);
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/histogram.h"
#include "loadgen/http_server.h"
#include "loadgen/schedule.h"
#include "loadgen/target.h"

namespace forescale::loadgen {

enum class ErrorKind { kConnect, kReset, kTimeout, kHttp4xx, kHttp5xx, kProtocol };
inline constexpr size_t kErrorKinds = 6;
// "connect", "reset", "timeout", "http_4xx", "http_5xx", "protocol".
const char* ErrorKindName(ErrorKind kind);

struct LoadgenOptions {
  Target target;  // from ParseTarget, which refuses non-loopback targets unless told
  int threads = 2;
  int connections = 64;            // total, split evenly across threads (at least one each)
  double duration_s = 0;           // 0: the schedule's length; required (> 0) for Schedule::Max()
  uint64_t max_requests = 0;       // 0: no cap; else stop after this many requests
  double timeout_s = 5;            // a request unanswered this long is a timeout
  double drain_s = 1;              // after the end, wait this long for answers in flight
  double connect_backoff_s = 0.1;  // wait before reconnecting after a failed connect
  double lag_tolerance_ms = 1;     // p99 schedule lag above this: the schedule was not kept
  int metrics_port = -1;           // -1: no metrics endpoint; 0: any free port
};

// Counts of one second (or of the whole run).
struct Counts {
  uint64_t scheduled = 0;  // due (intended time reached within the run)
  uint64_t sent = 0;
  uint64_t ok = 0;
  std::array<uint64_t, kErrorKinds> errors{};
  uint64_t ErrorTotal() const;
  void Add(const Counts& other);
};

struct SecondStats {
  Counts counts;         // sent by send time; outcomes by the time they were known
  LogHistogram latency;  // seconds, every answered request (any status)
  LogHistogram lag;      // seconds, every sent request
};

struct LoadgenResult {
  std::string target;
  std::string mode;           // "schedule" or "max"
  double duration_s = 0;      // the run's window (what rates are divided by)
  double elapsed_s = 0;       // start to the end of the drain
  double scheduled_rate = 0;  // schedule's requests / window
  double achieved_rate = 0;   // sent / window
  Counts totals;
  uint64_t unfinished = 0;        // in flight when the drain ran out
  uint64_t not_sent = 0;          // due but not sent when the run ended
  uint64_t connect_failures = 0;  // connection attempts that failed (not requests)
  uint64_t connections_opened = 0;
  uint64_t resent = 0;         // sends repeated because a reused connection closed unanswered
  bool stopped_early = false;  // Stop() was called
  bool hit_max_requests = false;
  LogHistogram latency;  // seconds
  LogHistogram lag;      // seconds
  bool schedule_kept = true;
  std::vector<std::string> notes;  // what happened, in words
  std::vector<SecondStats> seconds;
};

// A snapshot of a running generator (the /metrics endpoint shows the same).
struct LiveStats {
  Counts totals;
  uint64_t in_flight = 0;
  uint64_t waiting = 0;  // due but not yet sent
  uint64_t connect_failures = 0;
  double lag_max_s = 0;
  double lag_sum_s = 0;
  double latency_sum_s = 0;
  uint64_t latency_count = 0;
  double elapsed_s = 0;
};

class Loadgen {
 public:
  // Checks the options (kInvalidArgument), binds the metrics port (kIo) and starts the threads.
  // The schedule is copied; it is cheap (shared data).
  static Result<std::unique_ptr<Loadgen>> Start(const Schedule& schedule,
                                                const LoadgenOptions& options);
  ~Loadgen();  // Stop() and Wait() if still running
  Loadgen(const Loadgen&) = delete;
  Loadgen& operator=(const Loadgen&) = delete;

  void Stop();        // end the run now (then drain); idempotent
  bool Done() const;  // every thread has finished
  LiveStats Live() const;
  std::string MetricsText() const;  // Prometheus text exposition of Live()
  int metrics_port() const;         // -1 without an endpoint
  LoadgenResult Wait();             // joins the threads and merges their results; once

  struct Worker;  // one thread's state (internal)

 private:
  Loadgen() = default;

  Schedule schedule_;
  LoadgenOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> claimed_{0};
  std::atomic<int> running_{0};
  int64_t start_ns_ = 0;
  std::unique_ptr<HttpServer> metrics_;
  bool waited_ = false;
  LoadgenResult result_;
};

// Start + Wait.
Result<LoadgenResult> RunLoadgen(const Schedule& schedule, const LoadgenOptions& options);

// The result JSON: totals, rates, errors by kind, latency and lag quantiles (ms), notes and the
// per-second series.
nlohmann::json ResultToJson(const LoadgenResult& result);

// Monotonic nanoseconds (CLOCK_MONOTONIC).
int64_t MonotonicNs();

}  // namespace forescale::loadgen
