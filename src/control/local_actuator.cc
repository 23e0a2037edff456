#include "control/local_actuator.h"

#include <fmt/format.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "loadgen/http_client.h"

namespace forescale::control {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Consecutive failed health checks before a ready replica counts as not ready (Kubernetes'
// failureThreshold default).
constexpr int kUnreadyAfterFailures = 3;
// A replica being removed is stopped this long after the request even when the balancer has
// not confirmed that it no longer sends to it (nginx failing to reload).
constexpr std::chrono::seconds kBalancerGiveUp{10};

std::string Micros(std::chrono::microseconds d) { return std::to_string(d.count()) + "us"; }
std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

std::vector<size_t> RemovalOrder(const std::vector<RemovalCandidate>& replicas, size_t count) {
  std::vector<size_t> order(replicas.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Not ready before ready; among the not ready the newest first; among the ready the most
  // recently ready first (a ReplicaSet's choice, and src/sim's).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const RemovalCandidate& x = replicas[a];
    const RemovalCandidate& y = replicas[b];
    if (x.ready != y.ready) return !x.ready;
    return x.ready ? x.ready_changed > y.ready_changed : x.created > y.created;
  });
  order.resize(std::min(count, order.size()));
  return order;
}

double ProcessCpuSeconds(pid_t pid) {
  // The process's CPU-time clock: nanoseconds, every thread (exited ones too). /proc/<pid>/stat
  // counts in clock ticks (10 ms), far too coarse for a replica that uses 40 ms of CPU in a
  // compressed 15-second window; it remains the fallback.
  clockid_t clock;
  timespec ts{};
  if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0) {
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::numeric_limits<double>::quiet_NaN();
  // The command name (field 2) is in parentheses and may contain spaces: count from its end.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3..13 precede utime (14) and stime (15).
  for (int i = 3; i <= 13 && rest >> field; ++i) {
  }
  if (!(rest >> utime >> stime)) return std::numeric_limits<double>::quiet_NaN();
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(utime + stime) / ticks;
}

Result<std::unique_ptr<LocalActuator>> LocalActuator::Start(const LocalActuatorOptions& options,
                                                            const Clock& clock) {
  if (FindProgram(options.forescale_binary).empty()) {
    return Fail(ErrorCode::kNotFound,
                "local actuator: forescale binary '" + options.forescale_binary + "' not found");
  }
  if (options.workers < 1) return Fail(ErrorCode::kInvalidArgument, "workers must be >= 1");
  std::unique_ptr<LocalActuator> a(new LocalActuator(options, clock));
  const bool nginx_found = !FindProgram(options.nginx_binary).empty();
  if (options.balancer == BalancerKind::kNginx ||
      (options.balancer == BalancerKind::kAuto && nginx_found)) {
    auto b = NginxBalancer::Start({.binary = options.nginx_binary, .run_dir = options.run_dir});
    if (!b) return std::unexpected(b.error());
    a->balancer_ = std::move(*b);
  } else {
    auto b = BuiltinBalancer::Start();
    if (!b) return std::unexpected(b.error());
    a->balancer_ = std::move(*b);
    if (options.balancer == BalancerKind::kAuto) {
      a->events_.push_back("nginx not found: using the built-in balancer");
    }
  }
  for (pid_t p : a->balancer_->pids()) a->all_pids_.push_back(p);
  a->monitor_ = std::thread([self = a.get()] { self->Monitor(); });
  return a;
}

LocalActuator::~LocalActuator() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  std::lock_guard lock(mu_);
  // SIGTERM everyone first, then wait: the replicas stop in parallel.
  for (Replica& r : replicas_) r.process->Signal(SIGTERM);
  for (Stopping& s : stopping_) s.process->Signal(SIGTERM);
  for (Replica& r : replicas_) r.process->Terminate(options_.stop_timeout);
  for (Stopping& s : stopping_) s.process->Terminate(options_.stop_timeout);
  replicas_.clear();
  stopping_.clear();
  balancer_.reset();
}

Result<void> LocalActuator::Launch(std::chrono::milliseconds startup_delay) {
  auto port = FreeLoopbackPort();
  if (!port) return std::unexpected(port.error());
  const uint64_t id = next_id_++;
  const std::string name = options_.name + "-" + std::to_string(id);
  auto child = ChildProcess::Spawn(
      {options_.forescale_binary, "sample-service", "--port", std::to_string(*port),
       "--cpu-per-request", Micros(options_.cpu_per_request), "--wait-per-request",
       Micros(options_.wait_per_request), "--workers", std::to_string(options_.workers),
       "--queue-limit", std::to_string(options_.queue_limit), "--startup-delay",
       Millis(startup_delay), "--shutdown-grace", Millis(options_.shutdown_grace)},
      {.log_path = options_.run_dir + "/" + name + ".log"});
  if (!child) return std::unexpected(child.error());
  Replica r;
  r.id = id;
  r.name = name;
  r.port = *port;
  r.created = clock_.Now();
  r.ready_changed = r.created;
  all_pids_.push_back((*child)->pid());
  r.process = std::move(*child);
  replicas_.push_back(std::move(r));
  ++launched_;
  return {};
}

Result<void> LocalActuator::StartReady(int replicas, std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    for (int i = 0; i < replicas; ++i) {
      if (auto l = Launch(std::chrono::milliseconds(0)); !l) return l;
    }
    desired_ = std::max(desired_, static_cast<int>(replicas_.size()));
  }
  cv_.notify_all();
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      const bool all =
          std::all_of(replicas_.begin(), replicas_.end(), [](const Replica& r) { return r.ready; });
      if (all && static_cast<int>(replicas_.size()) >= replicas) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  SyncBalancer();
  // An nginx reload is asynchronous: wait until the balancer really routes to a replica, so the
  // first requests of a run do not meet the old, empty configuration.
  while (SteadyClock::now() < deadline) {
    auto r = loadgen::HttpGet("127.0.0.1", balancer_->port(), "/healthz",
                              std::chrono::milliseconds(500));
    if (r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mu_);
  const int ready = static_cast<int>(
      std::count_if(replicas_.begin(), replicas_.end(), [](const Replica& r) { return r.ready; }));
  if (ready < replicas) {
    return Fail(ErrorCode::kIo,
                fmt::format("local actuator: {} of {} replicas ready after {} ms "
                            "(see {}/{}-*.log)",
                            ready, replicas, timeout.count(), options_.run_dir, options_.name));
  }
  return {};
}

Result<void> LocalActuator::ScaleTo(int replicas) {
  replicas = std::max(replicas, 0);
  {
    std::lock_guard lock(mu_);
    desired_ = replicas;
    const int have = static_cast<int>(replicas_.size());
    if (replicas > have) {
      for (int i = have; i < replicas; ++i) {
        if (auto l = Launch(options_.startup_delay); !l) {
          events_.push_back("launch failed: " + l.error().message());
          return l;
        }
      }
    } else if (replicas < have) {
      std::vector<RemovalCandidate> candidates;
      for (const Replica& r : replicas_)
        candidates.push_back({r.ready, r.created, r.ready_changed});
      std::vector<size_t> victims = RemovalOrder(candidates, static_cast<size_t>(have - replicas));
      std::sort(victims.rbegin(), victims.rend());  // erase from the back
      for (size_t v : victims) {
        // Stopped by the monitor thread once the balancer no longer lists it (SyncBalancer):
        // no request is sent to a replica that is shutting down.
        stopping_.push_back(
            {std::move(replicas_[v].process), replicas_[v].port, SteadyClock::now()});
        replicas_.erase(replicas_.begin() + static_cast<std::ptrdiff_t>(v));
      }
    }
  }
  cv_.notify_all();
  return {};
}

int LocalActuator::desired() const {
  std::lock_guard lock(mu_);
  return desired_;
}

std::vector<policy::PodView> LocalActuator::Pods() const {
  std::lock_guard lock(mu_);
  std::vector<policy::PodView> pods;
  pods.reserve(replicas_.size());
  for (const Replica& r : replicas_) {
    policy::PodView v;
    v.name = r.name;
    v.phase = policy::PodView::Phase::kRunning;
    v.created = r.created;
    v.ready = r.ready;
    v.ready_changed = r.ready_changed;
    v.cpu_request = options_.cpu_request;
    v.cpu_usage = r.cpu_cores;
    v.metric_time = r.metric_time;
    v.metric_window = options_.metric_window;
    pods.push_back(std::move(v));
  }
  return pods;
}

std::vector<std::string> LocalActuator::TakeEvents() {
  std::lock_guard lock(mu_);
  return std::exchange(events_, {});
}

std::vector<ReplicaProcess> LocalActuator::Replicas() const {
  std::lock_guard lock(mu_);
  std::vector<ReplicaProcess> out;
  for (const Replica& r : replicas_) out.push_back({r.name, r.process->pid(), r.port, r.ready});
  return out;
}

std::vector<pid_t> LocalActuator::AllPids() const {
  std::lock_guard lock(mu_);
  return all_pids_;
}

uint64_t LocalActuator::launched() const {
  std::lock_guard lock(mu_);
  return launched_;
}

uint64_t LocalActuator::died() const {
  std::lock_guard lock(mu_);
  return died_;
}

uint64_t LocalActuator::balancer_updates() const { return balancer_updates_.load(); }

void LocalActuator::Monitor() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Poll();
    SyncBalancer();
    std::vector<uint16_t> balanced;
    {
      std::lock_guard sync(sync_mu_);
      balanced = balanced_;
    }
    lock.lock();
    // Replicas taken out of the balancer: SIGTERM now (the sample service finishes its queue
    // within its shutdown grace), SIGKILL at kill_at (Poll).
    for (Stopping& s : stopping_) {
      if (s.signalled) continue;
      // A balancer that keeps failing to drop it must not keep it running for ever.
      const bool overdue = SteadyClock::now() - s.requested > kBalancerGiveUp;
      if (std::find(balanced.begin(), balanced.end(), s.port) != balanced.end() && !overdue)
        continue;
      s.process->Signal(SIGTERM);
      s.signalled = true;
      s.kill_at = SteadyClock::now() + options_.shutdown_grace + options_.stop_timeout;
    }
    cv_.wait_for(lock, options_.poll_interval, [&] { return stop_; });
  }
}

void LocalActuator::Poll() {
  struct Probe {
    uint64_t id;
    pid_t pid;
    uint16_t port;
    bool healthy = false;
    double cpu = 0;
  };
  std::vector<Probe> probes;
  {
    std::lock_guard lock(mu_);
    for (auto it = replicas_.begin(); it != replicas_.end();) {
      if (it->process->Running()) {
        probes.push_back({it->id, it->process->pid(), it->port});
        ++it;
        continue;
      }
      // Nobody asked it to stop: report it; the next ScaleTo launches a replacement.
      events_.push_back(fmt::format("replica {} (pid {}, port {}) {}{}", it->name,
                                    it->process->pid(), it->port, it->process->ExitDescription(),
                                    it->ready ? " while ready" : " while starting"));
      ++died_;
      it = replicas_.erase(it);
    }
    for (auto it = stopping_.begin(); it != stopping_.end();) {
      if (!it->process->Running()) {
        it = stopping_.erase(it);
      } else if (it->signalled && SteadyClock::now() >= it->kill_at) {
        it->process->Terminate(std::chrono::milliseconds(0));
        it = stopping_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Network and /proc outside the lock: the control loop never waits for a slow replica.
  for (Probe& p : probes) {
    auto r = loadgen::HttpGet("127.0.0.1", p.port, "/healthz", std::chrono::milliseconds(300));
    p.healthy = r && r->status == 200;
    p.cpu = ProcessCpuSeconds(p.pid);
  }
  const auto now = SteadyClock::now();
  const TimePoint stamp = clock_.Now();
  std::lock_guard lock(mu_);
  for (const Probe& p : probes) {
    auto it = std::find_if(replicas_.begin(), replicas_.end(),
                           [&](const Replica& r) { return r.id == p.id; });
    if (it == replicas_.end()) continue;  // removed meanwhile
    Replica& r = *it;
    if (p.healthy) {
      r.health_failures = 0;
      if (!r.ready) {
        r.ready = true;
        r.ready_changed = stamp;
      }
    } else if (r.ready && ++r.health_failures >= kUnreadyAfterFailures) {
      r.ready = false;
      r.ready_changed = stamp;
      events_.push_back(fmt::format("replica {} failed {} health checks: not ready", r.name,
                                    kUnreadyAfterFailures));
    }
    if (std::isnan(p.cpu)) continue;
    r.cpu_samples.emplace_back(now, p.cpu);
    // Keep the newest sample at least a window old as the base of the rate.
    size_t base = 0;
    for (size_t i = 0; i < r.cpu_samples.size(); ++i) {
      if (now - r.cpu_samples[i].first >= options_.cpu_window) base = i;
    }
    r.cpu_samples.erase(r.cpu_samples.begin(),
                        r.cpu_samples.begin() + static_cast<std::ptrdiff_t>(base));
    const auto& [t0, c0] = r.cpu_samples.front();
    const double dt = std::chrono::duration<double>(now - t0).count();
    if (now - t0 >= options_.cpu_window && dt > 0) {
      r.cpu_cores = std::max(0.0, (p.cpu - c0) / dt);
      r.metric_time = stamp;
    }
  }
}

void LocalActuator::SyncBalancer() {
  std::lock_guard sync(sync_mu_);
  std::vector<uint16_t> ready;
  std::vector<std::string> targets;
  {
    std::lock_guard lock(mu_);
    for (const Replica& r : replicas_) {
      if (r.ready) ready.push_back(r.port);
      targets.push_back("127.0.0.1:" + std::to_string(r.port));
    }
  }
  if (ready != balanced_) {
    if (auto s = balancer_->SetBackends(ready); !s) {
      std::lock_guard lock(mu_);
      events_.push_back(s.error().message());
    } else {
      balanced_ = ready;
      balancer_updates_.fetch_add(1);
    }
  }
  if (targets != scraped_ && options_.on_targets) {
    options_.on_targets(targets);
    scraped_ = targets;
  }
}

}  // namespace forescale::control
