#include "sim/simulator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/rng.h"
#include "sim/internal/monitor.h"

namespace forescale::sim {
namespace {

using policy::PodView;
using std::chrono::duration_cast;

constexpr TimePoint kNever = TimePoint::max();

struct Pod {
  uint64_t id = 0;
  std::string name;
  TimePoint created{};
  TimePoint ready_at{};
  bool ready = false;
};

// The quantile at standard normal score z of a lognormal service time with the given mean and
// CV (z = 1.645: the 95th percentile).
double ServiceTimeQuantile(double mean, double cv, double z) {
  if (cv <= 0) return mean;
  const double sigma2 = std::log1p(cv * cv);
  return mean * std::exp(z * std::sqrt(sigma2) - sigma2 / 2);
}
constexpr double kZ95 = 1.6448536269514722, kZ99 = 2.3263478740408408;

class ResourceState {
 public:
  ResourceState(const ResourceModel& model, policy::Policy& policy, const MonitoringModel& mon,
                TimePoint start, Duration step, size_t steps, uint64_t seed)
      : model_(model),
        policy_(policy),
        monitor_(start, step, mon, seed ^ 0xA5A5A5A5ULL, steps),
        rng_(seed),
        seed_(seed),
        pod_noise_(mon.noise),
        dt_(duration_cast<std::chrono::duration<double>>(step).count()),
        mu_(model.capacity_rps),
        service_mean_(1.0 / model.capacity_rps),
        service_p95_(ServiceTimeQuantile(1.0 / model.capacity_rps, model.service_time_cv, kZ95)),
        service_p99_(ServiceTimeQuantile(1.0 / model.capacity_rps, model.service_time_cv, kZ99)),
        variability_((1.0 + model.service_time_cv * model.service_time_cv) / 2.0),
        timeout_s_(duration_cast<std::chrono::duration<double>>(model.request_timeout).count()),
        next_decision_(start) {}

  void StartWith(int replicas, TimePoint start) {
    const TimePoint long_ago = start - std::chrono::hours(1);
    for (int i = 0; i < replicas; ++i) {
      const uint64_t id = next_pod_id_++;
      pods_.push_back({id, PodName(id), long_ago, long_ago + model_.startup_delay, true});
    }
    desired_ = replicas;
    ready_ = replicas;
  }

  void PromoteReady(TimePoint now) {
    if (now < next_ready_at_) return;
    next_ready_at_ = kNever;
    for (Pod& pod : pods_) {
      if (pod.ready) continue;
      if (pod.ready_at <= now) {
        pod.ready = true;
        ++ready_;
      } else {
        next_ready_at_ = std::min(next_ready_at_, pod.ready_at);
      }
    }
  }

  // Asks the policy when its interval is due; returns true when the desired count changed.
  bool MaybeDecide(TimePoint now, int index, std::vector<DecisionRecord>& decisions,
                   size_t& decision_count) {
    if (now < next_decision_) return false;
    next_decision_ = now + policy_.interval();
    monitor_.set_now(now);
    BuildPodViews(now);
    const policy::Observation observation{
        .now = now,
        .current_replicas = desired_,
        .ready_replicas = ready_,
        .min_replicas = model_.min_replicas,
        .max_replicas = model_.max_replicas,
        .capacity_per_replica = model_.capacity_rps,
        .pods = views_,
        .metrics = &monitor_,
    };
    policy::Decision decision = policy_.Decide(observation);
    ++decision_count;
    expected_ = static_cast<float>(decision.expected_load);
    expected_high_ = static_cast<float>(decision.expected_load_high);
    const int target = std::clamp(decision.desired_replicas, 0, model_.max_replicas);
    if (target == desired_) return false;
    decisions.push_back({now, index, desired_, target, std::move(decision.reason)});
    ScaleTo(target, now);
    return true;
  }

  // One step of the queue; returns the requests/s that leave towards the next resource.
  double Flow(size_t i, double incoming_rps, ResourceTimeline& out, double& dropped_requests,
              double& latency, double& latency99) {
    const double lambda = incoming_rps * model_.demand_per_request;
    const double c = ready_;
    const double capacity = c * mu_ * dt_;
    const double work = backlog_ + lambda * dt_;
    const double served = std::min(work, capacity);
    backlog_ = work - served;
    const double limit = c * std::min(model_.queue_limit, timeout_s_ * mu_);
    double drop = 0;
    if (backlog_ > limit) {
      drop = backlog_ - limit;
      backlog_ = limit;
    }
    double p95 = 0, p99 = 0;
    if (c == 0) {
      p95 = p99 = lambda > 0 ? timeout_s_ : 0;
    } else if (backlog_ > 1e-9) {
      p95 = service_p95_ + backlog_ / (c * mu_);
      p99 = service_p99_ + backlog_ / (c * mu_);
    } else {
      // No request waits longer than the queue holds (its timeout's worth, or queue_limit): at
      // rho -> 1 the steady-state formula alone read 50 minutes for a 30 s timeout, with no drop
      // (found by probing).
      const double rho = lambda / (c * mu_), longest = limit / (c * mu_);
      p95 = service_p95_ + std::min(SteadyWait(c, rho, kTail95), longest);
      p99 = service_p99_ + std::min(SteadyWait(c, rho, kTail99), longest);
    }
    const double served_rate = served / dt_;
    const double drop_rate = drop / dt_;
    const double cpu = capacity > 0 ? served / capacity : 0;
    const double in_flight = backlog_ + served_rate * service_mean_;
    out.demand[i] = static_cast<float>(lambda);
    out.served[i] = static_cast<float>(served_rate);
    out.dropped[i] = static_cast<float>(drop_rate);
    out.desired[i] = desired_;
    out.ready[i] = ready_;
    out.running[i] = static_cast<int32_t>(pods_.size());
    out.cpu[i] = static_cast<float>(cpu);
    out.latency_p95[i] = static_cast<float>(p95);
    out.forecast[i] = expected_;
    out.forecast_high[i] = expected_high_;
    monitor_.Record({.cpu = cpu,
                     .request_rate = lambda,
                     .latency_p95 = p95,
                     .in_flight = in_flight,
                     .drop_rate = drop_rate});
    dropped_requests += drop_rate / model_.demand_per_request;
    latency += p95;
    latency99 += p99;
    return served_rate / model_.demand_per_request;
  }

 private:
  // The waiting-time quantile whose tail is `tail` (kTail95, kTail99) of an M/G/c queue: P(wait)
  // by Sakasegawa's approximation, conditional wait exponential with the Allen-Cunneen mean.
  static constexpr double kLog5Percent = -2.995732273553991;  // log(0.05)
  static constexpr double kLog1Percent = -4.605170185988091;  // log(0.01)
  double SteadyWait(double c, double rho, int tail) {
    const size_t n = static_cast<size_t>(c);
    if (n >= wait_exponent_.size()) {
      // Per replica count: the exponent of rho in P(wait), and the utilisations below which
      // P(wait) is within each tail (so that quantile's wait is zero and no logarithm is needed).
      const size_t old = wait_exponent_.size();
      wait_exponent_.resize(n + 1);
      for (auto& v : no_wait_below_) v.resize(n + 1);
      for (size_t k = old; k <= n; ++k) {
        wait_exponent_[k] = std::sqrt(2.0 * (static_cast<double>(k) + 1.0)) - 1.0;
        no_wait_below_[kTail95][k] = std::exp(kLog5Percent / std::max(wait_exponent_[k], 1e-9));
        no_wait_below_[kTail99][k] = std::exp(kLog1Percent / std::max(wait_exponent_[k], 1e-9));
      }
    }
    if (rho <= no_wait_below_[tail][n]) return 0;
    rho = std::min(rho, 0.9999);
    const double log_p_wait = wait_exponent_[n] * std::log(rho);
    const double mean_wait = variability_ / (c * mu_ * (1.0 - rho));
    return mean_wait * std::max(0.0, log_p_wait - (tail == kTail95 ? kLog5Percent : kLog1Percent));
  }

  std::string PodName(uint64_t id) const { return model_.name + "-" + std::to_string(id); }

  Duration SampleDelay() {
    if (model_.startup_cv <= 0) return model_.startup_delay;
    const double sigma2 = std::log1p(model_.startup_cv * model_.startup_cv);
    const double factor = std::exp(std::sqrt(sigma2) * rng_.Normal() - sigma2 / 2);
    return Duration{static_cast<int64_t>(std::llround(
        static_cast<double>(model_.startup_delay.count()) * factor))};
  }

  void ScaleTo(int target, TimePoint now) {
    const int have = static_cast<int>(pods_.size());
    if (target > have) {
      for (int i = have; i < target; ++i) {
        const TimePoint ready_at = now + SampleDelay();
        const uint64_t id = next_pod_id_++;
        pods_.push_back({id, PodName(id), now, ready_at, false});
        next_ready_at_ = std::min(next_ready_at_, ready_at);
      }
      // A zero delay makes the pod ready this very step.
      PromoteReady(now);
    } else {
      // Removal order of a ReplicaSet: not ready before ready, then newest first.
      std::sort(pods_.begin(), pods_.end(), [](const Pod& a, const Pod& b) {
        if (a.ready != b.ready) return a.ready;  // ready ones first, removed last
        return a.ready ? a.ready_at < b.ready_at : a.created < b.created;
      });
      for (int i = have; i > target; --i) {
        if (pods_.back().ready) --ready_;
        pods_.pop_back();
      }
      next_ready_at_ = kNever;
      for (const Pod& pod : pods_) {
        if (!pod.ready) next_ready_at_ = std::min(next_ready_at_, pod.ready_at);
      }
    }
    desired_ = target;
  }

  void BuildPodViews(TimePoint now) {
    views_.resize(pods_.size());
    const size_t delivered = monitor_.DeliveredBuckets();
    const Duration interval = monitor_.interval();
    for (size_t i = 0; i < pods_.size(); ++i) {
      const Pod& pod = pods_[i];
      PodView& view = views_[i];
      view.name = pod.name;
      view.phase = PodView::Phase::kRunning;
      view.deleting = false;
      view.created = pod.created;
      view.ready = pod.ready && pod.ready_at <= now;
      view.ready_changed = view.ready ? pod.ready_at : pod.created;
      view.cpu_request = 1.0;
      view.metric_window = interval;
      view.cpu_usage.reset();
      if (delivered == 0) continue;
      const size_t b = delivered - 1;
      const TimePoint bucket_start = monitor_.BucketStart(b);
      const TimePoint bucket_end = bucket_start + interval;
      if (pod.created > bucket_start) continue;  // no full sample yet
      view.metric_time = bucket_end;
      const double ready_fraction =
          pod.ready_at <= bucket_start ? 1.0
          : pod.ready_at >= bucket_end
              ? 0.0
              : static_cast<double>((bucket_end - pod.ready_at).count()) /
                    static_cast<double>(interval.count());
      const double usage =
          ready_fraction * monitor_.TrueCpu(b) + (1 - ready_fraction) * model_.startup_cpu;
      view.cpu_usage = std::max(
          0.0, usage * (1.0 + pod_noise_ * internal::HashNormal(seed_ ^ (pod.id << 32) ^ b)));
    }
  }

  const ResourceModel& model_;
  policy::Policy& policy_;
  internal::Monitor monitor_;
  Rng rng_;
  uint64_t seed_;
  double pod_noise_;  // each pod's own CPU measurement noise: the pipeline's (monitoring.noise)
  double dt_, mu_, service_mean_, service_p95_, service_p99_, variability_, timeout_s_;
  static constexpr int kTail95 = 0, kTail99 = 1;
  std::vector<double> wait_exponent_;
  std::array<std::vector<double>, 2> no_wait_below_;  // by kTail95, kTail99
  std::vector<Pod> pods_;
  std::vector<PodView> views_;
  uint64_t next_pod_id_ = 1;
  int desired_ = 0;
  int ready_ = 0;
  double backlog_ = 0;
  float expected_ = std::numeric_limits<float>::quiet_NaN();
  float expected_high_ = std::numeric_limits<float>::quiet_NaN();
  TimePoint next_ready_at_ = kNever;
  TimePoint next_decision_;
};

}  // namespace

Duration StartupDelayP95(const ResourceModel& r) {
  const double factor = ServiceTimeQuantile(1.0, r.startup_cv, kZ95);  // the same lognormal
  return Duration{static_cast<int64_t>(std::llround(static_cast<double>(r.startup_delay.count()) * factor))};
}

policy::PolicyContext ContextFor(const ResourceModel& r, const Series* future_demand,
                                 uint64_t seed) {
  return {.min_replicas = r.min_replicas,
          .max_replicas = r.max_replicas,
          .target_utilisation = r.target_utilisation,
          .capacity_per_replica = r.capacity_rps,
          .startup_delay = r.startup_delay,
          .startup_delay_p95 = StartupDelayP95(r),
          .future_demand = future_demand,
          .seed = seed};
}

Result<Timeline> Simulate(const Series& profile, const ServiceModel& service,
                          std::vector<std::unique_ptr<policy::Policy>>& policies,
                          const SimulationOptions& options) {
  if (service.resources.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "service model has no resources");
  }
  if (policies.size() != service.resources.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "one policy per resource: " + std::to_string(service.resources.size()) +
                    " resources, " + std::to_string(policies.size()) + " policies");
  }
  if (options.step.count() <= 0) return Fail(ErrorCode::kInvalidArgument, "step must be positive");
  if (profile.empty()) return Fail(ErrorCode::kInvalidArgument, "the profile is empty");
  for (size_t i = 0; i < profile.size(); ++i) {
    if (profile.values[i] < 0 || std::isinf(profile.values[i])) {
      return Fail(ErrorCode::kInvalidArgument,
                  "profile value at " + FormatRfc3339(profile.TimeAt(i)) +
                      " is not a request rate (negative or infinite)");
    }
  }
  const int64_t span_ms = (profile.end() - profile.start).count();
  const size_t steps = static_cast<size_t>(span_ms / options.step.count());
  if (steps == 0) return Fail(ErrorCode::kInvalidArgument, "the profile is shorter than one step");
  // A timeline holds a dozen columns per step: two points ten years apart at 1 s took 8 GB
  // before anything was said. A year at 1 s is 31.5 M steps.
  constexpr size_t kMaxSteps = 100'000'000;
  if (steps > kMaxSteps) {
    return Fail(ErrorCode::kInvalidArgument,
                "the profile spans " + FormatDuration(profile.end() - profile.start) + ": " +
                    std::to_string(steps) + " simulation steps of " + FormatDuration(options.step) +
                    " (at most 100 M); use a coarser step or a shorter profile");
  }

  Timeline timeline;
  timeline.start = profile.start;
  timeline.step = options.step;
  timeline.slo_p95_latency = service.slo_p95_latency;
  for (auto* column : {&timeline.demand, &timeline.served, &timeline.dropped, &timeline.latency_p95,
                       &timeline.latency_p99}) {
    column->resize(steps);
  }
  std::vector<ResourceState> states;
  states.reserve(service.resources.size());
  timeline.resources.resize(service.resources.size());
  for (size_t r = 0; r < service.resources.size(); ++r) {
    const ResourceModel& model = service.resources[r];
    if (!policies[r]) return Fail(ErrorCode::kInvalidArgument, "no policy for " + model.name);
    states.emplace_back(model, *policies[r], service.monitoring, profile.start, options.step, steps,
                        options.seed * 0x9E3779B97F4A7C15ULL + r + 1);
    const double first = std::isnan(profile.values[0]) ? 0 : profile.values[0];
    const int initial = model.initial_replicas > 0 ? model.initial_replicas : ReplicasFor(model, first);
    states.back().StartWith(std::max(initial, model.min_replicas), profile.start);
    ResourceTimeline& rt = timeline.resources[r];
    rt.name = model.name;
    rt.policy = std::string(policies[r]->kind());
    rt.capacity_rps = model.capacity_rps;
    rt.target_utilisation = model.target_utilisation;
    rt.price_per_replica_hour = model.price_per_replica_hour;
    rt.max_replicas = model.max_replicas;
    for (auto* column : {&rt.demand, &rt.served, &rt.dropped, &rt.cpu, &rt.latency_p95,
                         &rt.forecast, &rt.forecast_high}) {
      column->resize(steps);
    }
    for (auto* column : {&rt.desired, &rt.ready, &rt.running}) column->resize(steps);
  }

  const double base_latency =
      duration_cast<std::chrono::duration<double>>(service.base_latency).count();
  const int64_t profile_step = profile.step.count();
  size_t missing = 0;
  // Which profile value holds, advanced incrementally (a division per step shows in profiles).
  size_t p = 0;
  int64_t into_profile_step = 0;
  for (size_t i = 0; i < steps; ++i) {
    const TimePoint now = profile.start + options.step * static_cast<int64_t>(i);
    if (i > 0) {
      into_profile_step += options.step.count();
      while (into_profile_step >= profile_step) {
        into_profile_step -= profile_step;
        ++p;
      }
    }
    double demand = profile.values[p];
    if (options.step.count() > profile_step) {
      // A simulation step longer than the profile's holds the time-weighted mean of the
      // profile values it covers (present ones), not the first of them: a 5-minute step over a
      // per-minute profile read every fifth minute, and a one-minute spike came and went.
      const double a =
          static_cast<double>((now - profile.start).count()) / static_cast<double>(profile_step);
      const double b =
          a + static_cast<double>(options.step.count()) / static_cast<double>(profile_step);
      double sum = 0, weight = 0;
      for (size_t k = static_cast<size_t>(a); k < profile.size() && static_cast<double>(k) < b;
           ++k) {
        const double w =
            std::min(b, static_cast<double>(k + 1)) - std::max(a, static_cast<double>(k));
        if (w <= 0 || std::isnan(profile.values[k])) continue;
        sum += w * profile.values[k];
        weight += w;
      }
      demand = weight > 0 ? sum / weight : std::numeric_limits<double>::quiet_NaN();
    }
    if (std::isnan(demand)) {
      demand = 0;
      ++missing;
    }
    for (size_t r = 0; r < states.size(); ++r) {
      states[r].PromoteReady(now);
      states[r].MaybeDecide(now, static_cast<int>(r), timeline.decisions, timeline.decision_count);
    }
    double flow = demand, dropped = 0, latency = base_latency, latency99 = base_latency;
    for (size_t r = 0; r < states.size(); ++r) {
      flow = states[r].Flow(i, flow, timeline.resources[r], dropped, latency, latency99);
    }
    timeline.latency_p99[i] = static_cast<float>(latency99);
    timeline.demand[i] = static_cast<float>(demand);
    timeline.served[i] = static_cast<float>(flow);
    timeline.dropped[i] = static_cast<float>(dropped);
    timeline.latency_p95[i] = static_cast<float>(latency);
  }
  if (missing > 0) {
    timeline.notes.push_back(std::to_string(missing) +
                             " simulation steps fell on missing profile values and got no demand");
  }
  return timeline;
}

}  // namespace forescale::sim
