#include "control/live.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include "control/prometheus.h"
#include "control/time_map.h"
#include "loadgen/loadgen.h"
#include "loadgen/schedule.h"
#include "loadgen/target.h"

namespace forescale::control {
namespace {

namespace fs = std::filesystem;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Profile time for everything in the run. The mapping is fixed when the load starts; before
// that (initial replicas) the clock already runs, so those replicas are "created" before the
// profile begins, as the simulator's initial replicas are.
class RunClock final : public Clock {
 public:
  explicit RunClock(const Clock& wall) : wall_(wall) {}
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return map_.ToProfile(wall_.Now());
  }
  void Set(const TimeMap& map) {
    std::lock_guard lock(mu_);
    map_ = map;
  }

 private:
  const Clock& wall_;
  mutable std::mutex mu_;
  TimeMap map_;  // guarded by mu_
};

double Seconds(Duration d) { return duration_cast<std::chrono::duration<double>>(d).count(); }

// A private run directory under $TMPDIR.
Result<std::string> MakeRunDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/forescale-live-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return Fail(ErrorCode::kIo, "cannot create a run directory like " + pattern);
  }
  return pattern;
}

}  // namespace

Result<sim::Timeline> RunLive(const Series& profile, const sim::ServiceModel& service,
                              policy::Policy& policy, const LiveOptions& options,
                              LiveReport* report) {
  LiveReport local_report;
  LiveReport& rep = report ? *report : local_report;
  rep = LiveReport{};
  if (service.resources.size() != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("live test: the service model has {} resources; the live test runs "
                            "one (the replicas that face the traffic)",
                            service.resources.size()));
  }
  if (!(options.time_scale > 0)) {
    return Fail(ErrorCode::kInvalidArgument, "live test: time scale must be > 0");
  }
  if (profile.empty() || profile.step.count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "live test: the profile is empty");
  }
  const sim::ResourceModel& model = service.resources[0];
  if (!(model.capacity_rps > 0)) {
    return Fail(ErrorCode::kInvalidArgument, "live test: capacity_rps must be > 0");
  }
  const size_t steps = static_cast<size_t>((profile.end() - profile.start) / seconds(1));
  if (steps == 0) return Fail(ErrorCode::kInvalidArgument, "live test: profile shorter than 1 s");

  sim::Timeline timeline;
  timeline.start = profile.start;
  timeline.step = seconds(1);
  timeline.slo_p95_latency = service.slo_p95_latency;

  // Load budget.
  double peak = 0;
  for (double v : profile.values) {
    if (v < 0 || std::isinf(v)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "live test: the profile has a negative or "
                  "infinite rate");
    }
    if (!std::isnan(v)) peak = std::max(peak, v);
  }
  const double f = peak > options.max_request_rate && options.max_request_rate > 0
                       ? options.max_request_rate / peak
                       : 1.0;
  rep.load_factor = f;
  Series load = profile;
  for (double& v : load.values) v = std::isnan(v) ? 0 : v * f;
  if (f < 1) {
    timeline.notes.push_back(fmt::format(
        "load scaled down x{:.3g} (peak {:.0f} -> {:.0f} requests/s) and replica capacity with it "
        "({:.4g} -> {:.4g} requests/s): same replica counts and CPU, fewer requests; the "
        "timeline is in the profile's units",
        f, peak, peak * f, model.capacity_rps, model.capacity_rps * f));
  }
  // CPU budget: a replica at capacity uses `share` of a core; the rest of its time per request
  // it waits (a downstream call), so the peak fits the machine whatever the replica count.
  const double peak_cores = peak / model.capacity_rps;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double budget =
      options.max_replica_cores > 0 ? options.max_replica_cores : kDefaultCoreShare * cores;
  const double share = peak_cores > budget ? budget / peak_cores : 1.0;
  rep.replica_cpu_share = share;
  const double service_us = 1e6 / (model.capacity_rps * f);
  const auto cpu_per_request =
      std::chrono::microseconds(std::max<int64_t>(1, std::llround(service_us * share)));
  const auto wait_per_request = std::chrono::microseconds(std::llround(service_us * (1 - share)));
  if (share < 1) {
    timeline.notes.push_back(fmt::format(
        "the profile's peak would need {:.1f} cores of replica CPU; a replica burns {} us of CPU "
        "and waits {} us per request (a CPU request of {:.2f} core), so it still serves {:.4g} "
        "requests/s at 100 % of its CPU request and the peak needs {:.1f} of this machine's {} "
        "cores",
        peak_cores, cpu_per_request.count(), wait_per_request.count(), share, model.capacity_rps,
        peak_cores * share, cores));
  }

  // Run directory.
  std::string run_dir = options.run_dir;
  const bool own_dir = run_dir.empty();
  if (own_dir) {
    auto d = MakeRunDir();
    if (!d) return std::unexpected(d.error());
    run_dir = *d;
  } else {
    std::error_code ec;
    // Absolute: nginx and Prometheus resolve relative paths against their own prefix.
    run_dir = fs::absolute(run_dir, ec).lexically_normal().string();
    fs::create_directories(run_dir, ec);
    if (ec) return Fail(ErrorCode::kIo, "cannot create " + run_dir + ": " + ec.message());
  }
  rep.run_dir = run_dir;
  struct DirCleanup {
    std::string dir;
    bool remove;
    ~DirCleanup() {
      std::error_code ec;
      if (remove) fs::remove_all(dir, ec);
    }
  } dir_cleanup{run_dir, own_dir && !options.keep_run_dir};

  const SystemClock wall;
  RunClock clock(wall);
  // Until the load starts, profile time runs an hour behind the profile: the initial replicas
  // are created and ready long before it begins, as the simulator's are.
  TimeMap map{.wall_start = wall.Now(),
              .profile_start = profile.start - std::chrono::hours(1),
              .scale = options.time_scale};
  clock.Set(map);
  const TimePoint wall_begin = wall.Now();

  // Prometheus.
  const Duration scrape =
      std::max<Duration>(map.ToWall(service.monitoring.interval), options.min_scrape_interval);
  auto prom = PrometheusServer::Start({.binary = options.prometheus_binary,
                                       .run_dir = run_dir,
                                       .scrape_interval = scrape,
                                       .jobs = {"replicas", "loadgen"}});
  if (!prom) return std::unexpected(prom.error());
  rep.pids.push_back((*prom)->pid());
  PrometheusServer* prom_ptr = prom->get();

  // Replicas behind the balancer.
  const Duration poll = options.poll_interval;
  auto actuator = LocalActuator::Start(
      {.forescale_binary = options.forescale_binary,
       .run_dir = run_dir,
       .name = model.name,
       .cpu_per_request = cpu_per_request,
       .wait_per_request = wait_per_request,
       .workers = 1,
       .queue_limit = static_cast<int>(std::clamp(model.queue_limit, 1.0, 100000.0)),
       .startup_delay = duration_cast<milliseconds>(map.ToWall(model.startup_delay)),
       .cpu_request = share,
       .balancer = options.balancer,
       .nginx_binary = options.nginx_binary,
       .poll_interval = duration_cast<milliseconds>(poll),
       .cpu_window = duration_cast<milliseconds>(
           std::max<Duration>(map.ToWall(service.monitoring.interval), 2 * poll)),
       .metric_window = std::max<Duration>(service.monitoring.interval, map.ToProfile(2 * poll)),
       .on_targets =
           [prom_ptr](const std::vector<std::string>& targets) {
             (void)prom_ptr->SetTargets("replicas", targets);
           }},
      clock);
  if (!actuator) return std::unexpected(actuator.error());
  LocalActuator& act = **actuator;
  rep.balancer = std::string(act.balancer_kind());
  const double first = std::isnan(profile.values[0]) ? 0 : profile.values[0];
  const int initial = std::clamp(
      model.initial_replicas > 0 ? model.initial_replicas : sim::ReplicasFor(model, first),
      std::max(model.min_replicas, 1), std::max(model.max_replicas, 1));
  if (auto s = act.StartReady(initial); !s) return std::unexpected(s.error());

  // The load.
  // Compressed arrivals: a 15-second metric window, compressed into a quarter of a second,
  // still sees the spread of 15 seconds of real traffic rather than 60 times more.
  auto schedule = loadgen::Schedule::FromProfile(load, {.arrivals = loadgen::Arrivals::kCompressed,
                                                        .seed = options.seed,
                                                        .time_scale = options.time_scale});
  if (!schedule) return std::unexpected(schedule.error());
  auto target = loadgen::ParseTarget(fmt::format("http://127.0.0.1:{}/work", act.port()));
  if (!target) return std::unexpected(target.error());
  map.wall_start = wall.Now();
  map.profile_start = profile.start;
  clock.Set(map);
  const int connections =
      options.connections > 0
          ? options.connections
          : static_cast<int>(std::clamp(std::ceil(peak * f), 64.0, 512.0));  // 1 s of peak
  auto gen = loadgen::Loadgen::Start(*schedule,
                                     {.target = *target,
                                      .threads = std::max(1, options.loadgen_threads),
                                      .connections = connections,
                                      .timeout_s = std::min(10.0, Seconds(model.request_timeout)),
                                      .drain_s = 1,
                                      .metrics_port = 0});
  if (!gen) return std::unexpected(gen.error());
  (void)(*prom)->SetTargets("loadgen", {fmt::format("127.0.0.1:{}", (*gen)->metrics_port())});

  PrometheusMetricSource metrics(
      PrometheusClient((*prom)->port()), wall,
      {.time = map, .min_range = 3 * scrape, .cpu_request = share, .rate_factor = 1.0 / f});
  const std::string log_path =
      options.decision_log.empty() ? run_dir + "/decisions.jsonl" : options.decision_log;
  ControlLoop loop(policy, metrics, act, clock,
                   {.min_replicas = model.min_replicas,
                    .max_replicas = model.max_replicas,
                    .capacity_per_replica = model.capacity_rps,
                    .decision_log = log_path});

  sim::ResourceTimeline rt;
  rt.name = model.name;
  rt.policy = std::string(policy.kind());
  rt.capacity_rps = model.capacity_rps;
  rt.target_utilisation = model.target_utilisation;
  rt.price_per_replica_hour = model.price_per_replica_hour;
  rt.max_replicas = model.max_replicas;
  for (auto* c : {&rt.demand, &rt.served, &rt.dropped, &rt.cpu, &rt.latency_p95, &rt.forecast,
                  &rt.forecast_high}) {
    c->assign(steps, 0);
  }
  for (auto* c : {&rt.desired, &rt.ready, &rt.running}) c->assign(steps, 0);
  float expected = std::numeric_limits<float>::quiet_NaN(), expected_high = expected;

  Error failure(ErrorCode::kInternal, "");
  bool failed = false;
  for (size_t i = 0; i < steps && !failed; ++i) {
    const TimePoint due = map.ToWall(profile.start + seconds(static_cast<int64_t>(i)));
    if (const Duration wait = due - wall.Now(); wait.count() > 0) std::this_thread::sleep_for(wait);
    auto ticked = loop.Tick();
    if (!ticked) {
      failure = ticked.error();
      failed = true;
      break;
    }
    if (*ticked) {
      const DecisionEntry& e = loop.records().back();
      for (const std::string& ev : e.events) rep.events.push_back(ev);
      expected = static_cast<float>(e.expected_load);
      expected_high = static_cast<float>(e.expected_load_high);
      if (e.changed) {
        timeline.decisions.push_back({e.time, 0, e.current, e.desired, e.reason});
      }
    }
    const std::vector<policy::PodView> pods = act.Pods();
    int ready = 0;
    double cpu_sum = 0;
    int cpu_n = 0;
    for (const policy::PodView& p : pods) {
      if (!p.ready) continue;
      ++ready;
      if (p.cpu_usage) {
        cpu_sum += *p.cpu_usage / p.cpu_request;
        ++cpu_n;
      }
    }
    rt.desired[i] = act.desired();
    rt.ready[i] = ready;
    rt.running[i] = static_cast<int32_t>(pods.size());
    rt.cpu[i] = cpu_n > 0 ? static_cast<float>(cpu_sum / cpu_n) : 0.0f;
    rt.forecast[i] = expected;
    rt.forecast_high[i] = expected_high;
    if (options.on_tick) options.on_tick(profile.start + seconds(static_cast<int64_t>(i)), act);
  }
  if (failed) (*gen)->Stop();
  loadgen::LoadgenResult lr = (*gen)->Wait();
  for (std::string& ev : loop.Drain()) rep.events.push_back(std::move(ev));

  rep.decisions = loop.records();
  rep.replicas_launched = act.launched();
  rep.replicas_died = act.died();
  rep.metric_queries = metrics.queries();
  rep.metric_failures = metrics.failures();
  rep.requests_sent = lr.totals.sent;
  rep.requests_ok = lr.totals.ok;
  for (pid_t p : act.AllPids()) rep.pids.push_back(p);
  // Stop everything before reporting: replicas and balancer, then Prometheus.
  actuator->reset();
  (*prom)->Stop();
  rep.wall_seconds = Seconds(wall.Now() - wall_begin);
  rep.expected_wall_seconds = Seconds(profile.end() - profile.start) / options.time_scale;
  if (failed) return std::unexpected(failure);

  // Per profile second, from the wall second that covers it; rates are per wall second, which
  // the load generator keeps equal to the profile's (divided by f back to profile units).
  timeline.decision_count = rep.decisions.size();
  for (auto* c : {&timeline.demand, &timeline.served, &timeline.dropped, &timeline.latency_p95}) {
    c->assign(steps, 0);
  }
  const double window = Seconds(profile.end() - profile.start) / options.time_scale;
  for (size_t i = 0; i < steps; ++i) {
    const size_t w = static_cast<size_t>(static_cast<double>(i) / options.time_scale);
    if (w >= lr.seconds.size()) continue;
    const loadgen::SecondStats& s = lr.seconds[w];
    // The last wall second may be cut short by the end of the window.
    const double span = std::clamp(window - static_cast<double>(w), 1e-3, 1.0);
    const double per_s = 1.0 / (span * f);
    timeline.demand[i] = static_cast<float>(static_cast<double>(s.counts.sent) * per_s);
    timeline.served[i] = static_cast<float>(static_cast<double>(s.counts.ok) * per_s);
    timeline.dropped[i] = static_cast<float>(static_cast<double>(s.counts.ErrorTotal()) * per_s);
    const double p95 = s.latency.Quantile(0.95);
    timeline.latency_p95[i] = std::isnan(p95) ? 0.0f : static_cast<float>(p95);
  }
  rt.demand = timeline.demand;
  rt.served = timeline.served;
  rt.dropped = timeline.dropped;
  rt.latency_p95 = timeline.latency_p95;
  timeline.resources.push_back(std::move(rt));

  if (rep.replicas_died > 0) {
    timeline.notes.push_back(
        fmt::format("{} replica(s) exited without being asked to and were "
                    "replaced at the next decision",
                    rep.replicas_died));
  }
  for (const std::string& ev : rep.events) timeline.notes.push_back("actuator: " + ev);
  if (rep.metric_failures > 0) {
    timeline.notes.push_back(
        fmt::format("{} of {} Prometheus queries failed (the policy saw "
                    "NaN); last: {}",
                    rep.metric_failures, rep.metric_queries, metrics.last_error()));
  }
  for (const std::string& n : lr.notes) timeline.notes.push_back("loadgen: " + n);
  timeline.notes.push_back(fmt::format(
      "live run: {} profile s at x{:g} in {:.1f} s wall; balancer {}; {} replicas launched; "
      "{} requests sent, {} ok",
      steps, options.time_scale, rep.wall_seconds, rep.balancer, rep.replicas_launched,
      rep.requests_sent, rep.requests_ok));
  return timeline;
}

}  // namespace forescale::control
