// The local actuator: `forescale sample-service` replicas as real processes on 127.0.0.1, behind
// a load balancer (nginx, or the built-in one when nginx is missing; balancer.h).
//
// Each replica is `<forescale> sample-service --port P --cpu-per-request C --workers W
// --startup-delay D` on a free loopback port of its own, in its own process group, logging to
// `<run_dir>/replica-<n>.log`. A monitor thread polls every replica each `poll_interval`:
//   * exit (waitpid): a replica that died — killed from outside, crashed — is reported as an
//     event ("app-3 (pid 1234, port 40001) killed by signal 9 (KILL)"), leaves the pod list and
//     the balancer, and the next ScaleTo replaces it;
//   * readiness: GET /healthz; 200 is ready. The balancer lists exactly the ready replicas and
//     is updated (nginx reloaded) whenever that set changes; Prometheus' targets (every live
//     replica) through `on_targets`;
//   * CPU: the process CPU-time clock (ProcessCpuSeconds), as cores used over the last
//     `cpu_window` — metrics-server's view (PodView::cpu_usage; empty until a replica has a
//     full window).
// Scale-down takes replicas out of the balancer first and, once the balancer has applied that
// (nginx: its old workers are gone), the monitor thread sends SIGTERM (the sample service
// finishes queued work within its shutdown grace) and SIGKILLs the group after
// `stop_timeout`; the stopped replica is reaped by the monitor thread.
//
// Times in PodView (created, ready_changed, metric_time) come from the Clock given to Start —
// profile time in a live run; measurement windows are wall time (std::chrono::steady_clock),
// because CPU seconds per wall second is what a core is.
//
// Every process is gone when the actuator is destroyed (and, through process.h, when forescale
// exits or dies of a signal).
//
// Thread safety: Actuator methods and Replicas/KillReplica from one thread (the control loop);
// the monitor thread is internal.
//
//   auto act = LocalActuator::Start({.forescale_binary = bin, .run_dir = dir,
//                                    .cpu_per_request = 20ms}, clock);
//   (*act)->StartReady(2);                 // two replicas, ready before the run begins
//   (*act)->ScaleTo(4);                    // two more, ready after their start-up delay
//   uint16_t port = (*act)->port();        // where the load goes
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/actuator.h"
#include "control/balancer.h"
#include "control/process.h"
#include "core/clock.h"

namespace forescale::control {

enum class BalancerKind { kAuto, kNginx, kBuiltin };  // kAuto: nginx if installed

struct LocalActuatorOptions {
  std::string forescale_binary;  // required: the forescale executable
  std::string run_dir;           // required, must exist
  std::string name = "app";      // replica names: app-1, app-2, ...
  std::chrono::microseconds cpu_per_request{20000};
  std::chrono::microseconds wait_per_request{0};  // sample-service --wait-per-request
  int workers = 1;
  int queue_limit = 100;
  std::chrono::milliseconds startup_delay{0};  // the replica's own (wall) start-up delay
  std::chrono::milliseconds shutdown_grace{1000};
  std::chrono::milliseconds stop_timeout{3000};  // SIGTERM to SIGKILL
  double cpu_request = 1.0;                      // cores per replica (PodView::cpu_request)
  BalancerKind balancer = BalancerKind::kAuto;
  std::string nginx_binary = "nginx";
  std::chrono::milliseconds poll_interval{100};      // wall
  std::chrono::milliseconds cpu_window{1000};        // wall
  Duration metric_window{std::chrono::seconds(15)};  // the same window in the clock's time
  // Called from the monitor thread with "127.0.0.1:port" of every live replica, when that set
  // changes (Prometheus' scrape targets).
  std::function<void(const std::vector<std::string>&)> on_targets;
};

// A replica as the test harness sees it (PodView plus the process).
struct ReplicaProcess {
  std::string name;
  pid_t pid = -1;
  uint16_t port = 0;
  bool ready = false;
};

class LocalActuator final : public Actuator {
 public:
  // Starts the balancer and the monitor thread; no replica yet. `clock` must outlive the
  // actuator.
  static Result<std::unique_ptr<LocalActuator>> Start(const LocalActuatorOptions& options,
                                                      const Clock& clock);
  ~LocalActuator() override;  // stops every replica and the balancer
  LocalActuator(const LocalActuator&) = delete;
  LocalActuator& operator=(const LocalActuator&) = delete;

  // Launches `replicas` replicas without start-up delay and waits until they are ready and in
  // the balancer (the simulator's initial replicas are ready at the start); sets desired.
  Result<void> StartReady(int replicas,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));

  Result<void> ScaleTo(int replicas) override;
  int desired() const override;
  std::vector<policy::PodView> Pods() const override;
  std::vector<std::string> TakeEvents() override;

  uint16_t port() const { return balancer_->port(); }
  std::string_view balancer_kind() const { return balancer_->kind(); }
  std::vector<ReplicaProcess> Replicas() const;
  // Every pid this actuator ever started (replicas, balancer), for leak checks.
  std::vector<pid_t> AllPids() const;
  uint64_t launched() const;  // replicas ever launched
  uint64_t died() const;      // replicas that exited without being asked to
  uint64_t balancer_updates() const;

 private:
  struct Replica {
    uint64_t id = 0;
    std::string name;
    uint16_t port = 0;
    std::unique_ptr<ChildProcess> process;
    TimePoint created{};
    bool ready = false;
    int health_failures = 0;
    TimePoint ready_changed{};
    // (steady time, CPU seconds) samples within the CPU window, oldest first.
    std::vector<std::pair<std::chrono::steady_clock::time_point, double>> cpu_samples;
    std::optional<double> cpu_cores;
    TimePoint metric_time{};
  };
  struct Stopping {
    std::unique_ptr<ChildProcess> process;
    uint16_t port = 0;
    std::chrono::steady_clock::time_point requested{};
    bool signalled = false;  // SIGTERM sent (once the balancer no longer lists the port)
    std::chrono::steady_clock::time_point kill_at{};
  };

  LocalActuator(const LocalActuatorOptions& options, const Clock& clock)
      : options_(options), clock_(clock) {}
  Result<void> Launch(std::chrono::milliseconds startup_delay);  // mu_ held
  void Monitor();
  void Poll();
  void SyncBalancer();  // monitor thread (or StartReady before the thread matters)

  LocalActuatorOptions options_;
  const Clock& clock_;
  std::unique_ptr<Balancer> balancer_;
  mutable std::mutex mu_;
  std::vector<Replica> replicas_;                   // guarded by mu_
  std::vector<Stopping> stopping_;                  // guarded by mu_
  std::vector<std::string> events_;                 // guarded by mu_
  std::vector<pid_t> all_pids_;                     // guarded by mu_
  int desired_ = 0;                                 // guarded by mu_
  uint64_t next_id_ = 1, launched_ = 0, died_ = 0;  // guarded by mu_
  std::vector<uint16_t> balanced_;                  // guarded by sync_mu_: the backends the
                                                    // balancer has
  std::vector<std::string> scraped_;                // monitor thread: the targets Prometheus has
  std::atomic<uint64_t> balancer_updates_{0};
  std::mutex sync_mu_;  // serialises SyncBalancer
  bool stop_ = false;   // guarded by mu_
  std::condition_variable cv_;
  std::thread monitor_;
};

// CPU seconds `pid` has used since it started (its CPU-time clock, nanosecond resolution;
// utime + stime of /proc/<pid>/stat if that is refused); NaN when unreadable.
double ProcessCpuSeconds(pid_t pid);

}  // namespace forescale::control
