#include "policy/hpa.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

#include "policy/internal/factories.h"
#include "policy/internal/kubernetes_objects.h"
#include "policy/internal/manifest.h"

// The comments that start "upstream:" name the Go function a block mirrors; where the Go code
// does something surprising we keep it and say why, because faithfulness is the point here.
namespace forescale::policy {
namespace {

using std::chrono::seconds;

constexpr int64_t kInt32Max = INT32_MAX;
constexpr int64_t kInt32Min = INT32_MIN;

// Go's int32(math.Ceil(x)), kept inside int32 so huge ratios cannot overflow.
int CeilToInt32(double x) {
  if (std::isnan(x)) return 0;
  const double c = std::ceil(x);
  if (c >= static_cast<double>(kInt32Max)) return static_cast<int>(kInt32Max);
  if (c <= static_cast<double>(kInt32Min)) return static_cast<int>(kInt32Min);
  return static_cast<int>(c);
}

// Go's int32(x) for a float: truncation toward zero.
int TruncToInt32(double x) {
  if (std::isnan(x)) return 0;
  if (x >= static_cast<double>(kInt32Max)) return static_cast<int>(kInt32Max);
  if (x <= static_cast<double>(kInt32Min)) return static_cast<int>(kInt32Min);
  return static_cast<int>(x);
}

// Quantity.MilliValue(): milli-units, rounded up like Kubernetes does.
int64_t ToMilli(double value) {
  const double milli = value * 1000.0;
  const double rounded = std::round(milli);
  // Values that are whole milli-units up to float noise stay exact; the rest round up.
  if (std::fabs(milli - rounded) < 1e-6) return static_cast<int64_t>(rounded);
  return static_cast<int64_t>(std::ceil(milli));
}

std::string FormatMilli(int64_t milli) {
  const bool negative = milli < 0;
  const uint64_t abs = negative ? static_cast<uint64_t>(-(milli + 1)) + 1 : static_cast<uint64_t>(milli);
  std::string out = std::to_string(abs / 1000);
  if (const uint64_t frac = abs % 1000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return negative ? "-" + out : out;
}

std::string Plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kCpuUtilisation: return "cpu";
    case Metric::kRequestRate: return "requests_per_second";
    case Metric::kLatencyP95: return "latency_p95";
    case Metric::kInFlight: return "in_flight";
    case Metric::kDropRate: return "drop_rate";
  }
  return "?";
}

std::optional<Metric> MetricByName(std::string_view name) {
  for (Metric m : {Metric::kRequestRate, Metric::kLatencyP95, Metric::kInFlight, Metric::kDropRate}) {
    if (name == MetricName(m)) return m;
  }
  return std::nullopt;
}

// A latency is the same whichever pod reports it; the other metrics add up over pods.
bool Additive(Metric metric) { return metric != Metric::kLatencyP95; }

struct Tolerances {
  double scale_down = 0.1;
  double scale_up = 0.1;
  // upstream: Tolerances.isWithin
  bool IsWithin(double ratio) const {
    return (1.0 - scale_down) <= ratio && ratio <= (1.0 + scale_up);
  }
};

// One metric's answer: a replica count or an error (upstream returns both through err).
struct Proposal {
  int replicas = 0;
  std::string detail;
  std::optional<std::string> error;
};

Proposal Failed(std::string message) {
  Proposal p;
  p.error = std::move(message);
  return p;
}

// What the replica calculator sees of the pods.
struct PodSet {
  std::span<const PodView> pods;
  TimePoint now{};
  Duration cpu_initialization_period{};
  Duration initial_readiness_delay{};
};

struct PodGroups {
  int ready = 0;
  std::vector<size_t> unready, missing, ignored;
};

// upstream: groupPods. `has_metric` says whether pod i has a sample; `cpu_rules` applies the
// CPU initialisation-period rules (resource cpu only). Our PodView always carries a Ready
// condition and a start time, so upstream's "no condition / no StartTime => unready" branch
// cannot occur here.
template <typename HasMetric>
PodGroups GroupPods(const PodSet& set, HasMetric has_metric, bool cpu_rules) {
  PodGroups g;
  for (size_t i = 0; i < set.pods.size(); ++i) {
    const PodView& pod = set.pods[i];
    if (pod.deleting || pod.phase == PodView::Phase::kFailed) {
      g.ignored.push_back(i);
      continue;
    }
    if (pod.phase == PodView::Phase::kPending) {
      g.unready.push_back(i);
      continue;
    }
    if (!has_metric(i)) {
      g.missing.push_back(i);
      continue;
    }
    if (cpu_rules) {
      bool unready = false;
      if (pod.created + set.cpu_initialization_period > set.now) {
        // Still initialising: the sample counts only if the pod is ready and one full metric
        // window has been collected since it became ready (a hot start-up CPU spike is no load).
        unready = !pod.ready || pod.metric_time < pod.ready_changed + pod.metric_window;
      } else {
        // Past initialisation: ignore only pods that are unready and have never been ready.
        unready = !pod.ready && pod.created + set.initial_readiness_delay > pod.ready_changed;
      }
      if (unready) {
        g.unready.push_back(i);
        continue;
      }
    }
    ++g.ready;
  }
  return g;
}

std::string GroupNote(const PodGroups& g) {
  std::string note;
  auto add = [&note](size_t n, const char* what) {
    if (n == 0) return;
    note += (note.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(g.unready.size(), "unready");
  add(g.missing.size(), "without metrics");
  add(g.ignored.size(), "ignored");
  return note.empty() ? "" : " (" + note + ")";
}

using PodMetrics = std::map<size_t, int64_t>;  // pod index -> milli-value

void RemoveMetricsForPods(PodMetrics& metrics, const std::vector<size_t>& pods) {
  for (size_t i : pods) metrics.erase(i);
}

struct UtilizationRatio {
  double ratio = 0;
  int utilization = 0;  // percent, truncated like upstream's int32((total*100)/requests)
  int64_t raw_average = 0;
};

// upstream: metricsclient.GetResourceUtilizationRatio
std::optional<UtilizationRatio> ResourceUtilizationRatio(const PodMetrics& metrics,
                                                         const std::vector<int64_t>& requests,
                                                         int target) {
  int64_t metrics_total = 0, requests_total = 0, entries = 0;
  for (const auto& [pod, value] : metrics) {
    metrics_total += value;
    requests_total += requests[pod];
    ++entries;
  }
  if (requests_total == 0) return std::nullopt;
  UtilizationRatio r;
  r.utilization = static_cast<int>((metrics_total * 100) / requests_total);
  r.ratio = static_cast<double>(r.utilization) / static_cast<double>(target);
  r.raw_average = metrics_total / entries;
  return r;
}

// upstream: metricsclient.GetMetricUsageRatio
std::pair<double, int64_t> MetricUsageRatio(const PodMetrics& metrics, int64_t target) {
  int64_t total = 0;
  for (const auto& [pod, value] : metrics) total += value;
  const int64_t usage = total / static_cast<int64_t>(metrics.size());
  return {static_cast<double>(usage) / static_cast<double>(target), usage};
}

// upstream: ReplicaCalculator.GetResourceReplicas (cpu, Utilization target).
Proposal GetResourceReplicas(const PodSet& set, int current, int target, Tolerances tol) {
  PodMetrics metrics;
  for (size_t i = 0; i < set.pods.size(); ++i) {
    if (set.pods[i].cpu_usage) metrics[i] = ToMilli(*set.pods[i].cpu_usage);
  }
  if (metrics.empty()) {
    return Failed("unable to get metrics for resource cpu: no metrics returned from resource metrics API");
  }
  if (set.pods.empty()) return Failed("no pods returned by selector while calculating replica count");

  PodGroups g = GroupPods(set, [&](size_t i) { return metrics.count(i) > 0; }, true);
  RemoveMetricsForPods(metrics, g.ignored);
  RemoveMetricsForPods(metrics, g.unready);
  if (metrics.empty()) {
    return Failed("did not receive metrics for targeted pods (pods might be unready): " +
                  Plural(g.ready, "ready pod") + GroupNote(g));
  }

  std::vector<int64_t> requests(set.pods.size());
  for (size_t i = 0; i < set.pods.size(); ++i) {
    requests[i] = ToMilli(set.pods[i].cpu_request);
    if (requests[i] <= 0) return Failed("missing request for cpu in pod " + set.pods[i].name);
  }

  auto first = ResourceUtilizationRatio(metrics, requests, target);
  if (!first) return Failed("no metrics returned matched known pods");
  const double usage_ratio = first->ratio;
  const std::string head = "cpu " + std::to_string(first->utilization) + "% of " +
                           std::to_string(target) + "% target on " +
                           Plural(g.ready, "ready pod") + GroupNote(g);
  auto keep = [&](const char* why) {
    return Proposal{current, head + ": " + why + " -> " + std::to_string(current), std::nullopt};
  };

  const bool scale_up_with_unready = !g.unready.empty() && usage_ratio > 1.0;
  if (!scale_up_with_unready && g.missing.empty()) {
    if (tol.IsWithin(usage_ratio)) return keep("within tolerance");
    const int n = CeilToInt32(usage_ratio * g.ready);
    return {n, head + " -> " + std::to_string(n), std::nullopt};
  }

  if (!g.missing.empty()) {
    if (usage_ratio < 1.0) {
      // Scale-down: a pod we cannot see is assumed busy, at 100 % of its request (or at the
      // target when the target is above 100 %).
      const int64_t fallback = std::max<int64_t>(100, target);
      for (size_t i : g.missing) metrics[i] = requests[i] * fallback / 100;
    } else if (usage_ratio > 1.0) {
      for (size_t i : g.missing) metrics[i] = 0;  // scale-up: assumed idle
    }
  }
  if (scale_up_with_unready) {
    for (size_t i : g.unready) metrics[i] = 0;
  }

  auto second = ResourceUtilizationRatio(metrics, requests, target);
  if (!second) return Failed("no metrics returned matched known pods");
  const double new_ratio = second->ratio;
  if (tol.IsWithin(new_ratio)) return keep("within tolerance once unready/missing pods are counted");
  if ((usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0)) {
    return keep("counting unready/missing pods reverses the direction");
  }
  const int n = CeilToInt32(new_ratio * static_cast<double>(metrics.size()));
  if ((new_ratio < 1.0 && n > current) || (new_ratio > 1.0 && n < current)) {
    return keep("counting unready/missing pods reverses the direction");
  }
  return {n, head + ", " + std::to_string(second->utilization) + "% counting all " +
                 Plural(static_cast<int>(metrics.size()), "pod") + " -> " + std::to_string(n),
          std::nullopt};
}

// upstream: ReplicaCalculator.calcPlainMetricReplicas (Pods metrics, and cpu AverageValue via
// GetRawResourceReplicas, where `cpu_rules` is on).
Proposal CalcPlainMetricReplicas(const PodSet& set, PodMetrics metrics, int current,
                                 int64_t target, Tolerances tol, bool cpu_rules,
                                 const std::string& name) {
  if (set.pods.empty()) return Failed("no pods returned by selector while calculating replica count");
  PodGroups g = GroupPods(set, [&](size_t i) { return metrics.count(i) > 0; }, cpu_rules);
  RemoveMetricsForPods(metrics, g.ignored);
  RemoveMetricsForPods(metrics, g.unready);
  if (metrics.empty()) {
    return Failed("did not receive metrics for targeted pods (pods might be unready): " +
                  Plural(g.ready, "ready pod") + GroupNote(g));
  }

  const auto [usage_ratio, usage] = MetricUsageRatio(metrics, target);
  const std::string head = name + " " + FormatMilli(usage) + " per pod (target " +
                           FormatMilli(target) + ") on " + Plural(g.ready, "ready pod") +
                           GroupNote(g);
  auto keep = [&](const char* why) {
    return Proposal{current, head + ": " + why + " -> " + std::to_string(current), std::nullopt};
  };

  const bool scale_up_with_unready = !g.unready.empty() && usage_ratio > 1.0;
  if (!scale_up_with_unready && g.missing.empty()) {
    if (tol.IsWithin(usage_ratio)) return keep("within tolerance");
    const int n = CeilToInt32(usage_ratio * g.ready);
    return {n, head + " -> " + std::to_string(n), std::nullopt};
  }
  if (!g.missing.empty()) {
    if (usage_ratio < 1.0) {
      for (size_t i : g.missing) metrics[i] = target;  // scale-down: exactly at target
    } else if (usage_ratio > 1.0) {
      for (size_t i : g.missing) metrics[i] = 0;
    }
  }
  if (scale_up_with_unready) {
    for (size_t i : g.unready) metrics[i] = 0;
  }
  const double new_ratio = MetricUsageRatio(metrics, target).first;
  if (tol.IsWithin(new_ratio)) return keep("within tolerance once unready/missing pods are counted");
  if ((usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0)) {
    return keep("counting unready/missing pods reverses the direction");
  }
  const int n = CeilToInt32(new_ratio * static_cast<double>(metrics.size()));
  if ((new_ratio < 1.0 && n > current) || (new_ratio > 1.0 && n < current)) {
    return keep("counting unready/missing pods reverses the direction");
  }
  return {n, head + ", counting all " + Plural(static_cast<int>(metrics.size()), "pod") + " -> " +
                 std::to_string(n),
          std::nullopt};
}

// upstream: ReplicaCalculator.getReadyPodsCount (Running and Ready, deletion or not).
std::optional<int> ReadyPodsCount(const PodSet& set) {
  if (set.pods.empty()) return std::nullopt;
  int ready = 0;
  for (const PodView& pod : set.pods) {
    if (pod.phase == PodView::Phase::kRunning && pod.ready) ++ready;
  }
  return ready;
}

// upstream: GetObjectMetricReplicas / GetExternalMetricReplicas -> getUsageRatioReplicaCount.
// A current count of 0 (scale from zero) ignores both tolerance and the ready pods.
Proposal UsageRatioReplicaCount(const PodSet& set, int current, int64_t usage, int64_t target,
                                Tolerances tol, const std::string& name) {
  const double ratio = static_cast<double>(usage) / static_cast<double>(target);
  const std::string head = name + " " + FormatMilli(usage) + " (target " + FormatMilli(target) + ")";
  if (current == 0) {
    const int n = CeilToInt32(ratio);
    return {n, head + " from zero -> " + std::to_string(n), std::nullopt};
  }
  if (tol.IsWithin(ratio)) {
    return {current, head + ": within tolerance -> " + std::to_string(current), std::nullopt};
  }
  auto ready = ReadyPodsCount(set);
  if (!ready) {
    return Failed("unable to calculate ready pods: no pods returned by selector while calculating replica count");
  }
  const int n = CeilToInt32(ratio * *ready);
  return {n, head + " x " + Plural(*ready, "ready pod") + " -> " + std::to_string(n), std::nullopt};
}

// upstream: GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas.
Proposal PerPodReplicaCount(int status_replicas, int64_t usage, int64_t target_per_pod,
                            Tolerances tol, const std::string& name) {
  int n = status_replicas;
  const double ratio = static_cast<double>(usage) /
                       (static_cast<double>(target_per_pod) * static_cast<double>(status_replicas));
  const std::string head = name + " " + FormatMilli(usage) + " (target " +
                           FormatMilli(target_per_pod) + " per pod, " +
                           Plural(status_replicas, "pod") + ")";
  if (!tol.IsWithin(ratio)) {
    n = CeilToInt32(static_cast<double>(usage) / static_cast<double>(target_per_pod));
    return {n, head + " -> " + std::to_string(n), std::nullopt};
  }
  return {n, head + ": within tolerance -> " + std::to_string(n), std::nullopt};
}

std::string PolicyText(const HpaScalingPolicy& p) {
  return p.type == HpaScalingPolicy::Type::kPods
             ? "Pods " + std::to_string(p.value) + "/" + std::to_string(p.period_seconds) + "s"
             : "Percent " + std::to_string(p.value) + "%/" + std::to_string(p.period_seconds) + "s";
}

// upstream: getReplicasChangePerPeriod
int64_t ReplicasChangePerPeriod(int period_seconds, const std::vector<HpaScaleEvent>& events,
                                TimePoint now) {
  const TimePoint cutoff = now - seconds(period_seconds);
  int64_t replicas = 0;
  for (const HpaScaleEvent& e : events) {
    if (e.time > cutoff) replicas += e.replica_change;
  }
  return replicas;
}

struct Limit {
  int64_t replicas = 0;
  int policy = -1;  // index into rules.policies, -1 when scaling is disabled
};

// upstream: calculateScaleUpLimitWithScalingRules
Limit ScaleUpLimit(int current, const HpaHistory& h, const HpaScalingRules& rules, TimePoint now) {
  if (rules.select == HpaScalingRules::Select::kDisabled) return {current, -1};
  const bool min_change = rules.select == HpaScalingRules::Select::kMin;
  Limit result{min_change ? kInt32Max : kInt32Min, -1};
  for (size_t i = 0; i < rules.policies.size(); ++i) {
    const HpaScalingPolicy& p = rules.policies[i];
    const int64_t added = ReplicasChangePerPeriod(p.period_seconds, h.scale_up_events, now);
    const int64_t deleted = ReplicasChangePerPeriod(p.period_seconds, h.scale_down_events, now);
    const int64_t start = current - added + deleted;
    // Percent rounds up, or a small target could never grow.
    const int64_t proposed = p.type == HpaScalingPolicy::Type::kPods
                                 ? start + p.value
                                 : CeilToInt32(static_cast<double>(start) * (1 + p.value / 100.0));
    if (min_change ? proposed < result.replicas : proposed > result.replicas) {
      result = {proposed, static_cast<int>(i)};
    }
  }
  return result;
}

// upstream: calculateScaleDownLimitWithBehaviors
Limit ScaleDownLimit(int current, const HpaHistory& h, const HpaScalingRules& rules, TimePoint now) {
  if (rules.select == HpaScalingRules::Select::kDisabled) return {current, -1};
  const bool min_change = rules.select == HpaScalingRules::Select::kMin;
  Limit result{min_change ? kInt32Min : kInt32Max, -1};
  for (size_t i = 0; i < rules.policies.size(); ++i) {
    const HpaScalingPolicy& p = rules.policies[i];
    const int64_t added = ReplicasChangePerPeriod(p.period_seconds, h.scale_up_events, now);
    const int64_t deleted = ReplicasChangePerPeriod(p.period_seconds, h.scale_down_events, now);
    const int64_t start = current - added + deleted;
    const int64_t proposed = p.type == HpaScalingPolicy::Type::kPods
                                 ? start - p.value
                                 : TruncToInt32(static_cast<double>(start) * (1 - p.value / 100.0));
    if (min_change ? proposed > result.replicas : proposed < result.replicas) {
      result = {proposed, static_cast<int>(i)};
    }
  }
  return result;
}

std::string WindowText(int window_seconds) { return FormatDuration(seconds(window_seconds)); }

}  // namespace

HpaScalingRules DefaultHpaScaleUpRules() {
  return {.stabilization_window_seconds = 0,
          .select = HpaScalingRules::Select::kMax,
          .policies = {{HpaScalingPolicy::Type::kPods, 4, 15},
                       {HpaScalingPolicy::Type::kPercent, 100, 15}}};
}

HpaScalingRules DefaultHpaScaleDownRules() {
  return {.stabilization_window_seconds = std::nullopt,
          .select = HpaScalingRules::Select::kMax,
          .policies = {{HpaScalingPolicy::Type::kPercent, 100, 15}}};
}

HpaPolicy::HpaPolicy(HpaSpec spec) : spec_(std::move(spec)) {}

Decision HpaPolicy::Decide(const Observation& obs) {
  const TimePoint now = obs.now;
  const int current = obs.current_replicas;
  const int min_replicas = spec_.min_replicas.value_or(obs.min_replicas);
  const int max_replicas = spec_.max_replicas.value_or(obs.max_replicas);
  const PodSet set{obs.pods, now, spec_.cpu_initialization_period, spec_.initial_readiness_delay};

  // upstream: recordInitialRecommendation
  if (!history_.recommendations) history_.recommendations = std::vector<HpaRecommendation>{{current, now}};

  int desired = 0;
  bool rescale = true;
  std::string reason;

  if (current == 0 && min_replicas != 0) {
    desired = 0;
    rescale = false;
    reason = "scaling is disabled since the replica count of the target is zero";
  } else if (current > max_replicas) {
    desired = max_replicas;
    reason = "current replicas " + std::to_string(current) + " above maxReplicas -> " +
             std::to_string(desired);
  } else if (current < min_replicas) {
    desired = min_replicas;
    reason = "current replicas " + std::to_string(current) + " below minReplicas -> " +
             std::to_string(desired);
  } else {
    // upstream: computeReplicasForMetrics
    int status_replicas = 0;
    for (const PodView& pod : obs.pods) {
      status_replicas += !pod.deleting && pod.phase != PodView::Phase::kFailed &&
                         pod.phase != PodView::Phase::kSucceeded;
    }
    if (obs.pods.empty()) status_replicas = current;

    int proposal = 0;
    int invalid = 0;
    std::string first_error, details;
    for (const HpaMetricSpec& m : spec_.metrics) {
      Tolerances tol{spec_.tolerance, spec_.tolerance};
      if (spec_.behavior) {
        tol.scale_down = spec_.behavior->scale_down.tolerance.value_or(spec_.tolerance);
        tol.scale_up = spec_.behavior->scale_up.tolerance.value_or(spec_.tolerance);
      }
      Proposal p;
      if (m.source == HpaMetricSpec::Source::kResource) {
        if (m.target == HpaMetricSpec::Target::kUtilization) {
          p = GetResourceReplicas(set, current, m.average_utilization, tol);
        } else {
          PodMetrics metrics;
          for (size_t i = 0; i < obs.pods.size(); ++i) {
            const PodView& pod = obs.pods[i];
            if (!pod.cpu_usage) continue;
            // A target written for pods of another size: the same share of the request.
            const bool resize = m.cpu_request && pod.cpu_request > 0;
            metrics[i] = ToMilli(resize ? *pod.cpu_usage / pod.cpu_request * *m.cpu_request
                                        : *pod.cpu_usage);
          }
          p = metrics.empty()
                  ? Failed("unable to get metrics for resource cpu: no metrics returned from resource metrics API")
                  : CalcPlainMetricReplicas(set, std::move(metrics), current, m.target_milli, tol,
                                            true, "cpu");
        }
      } else {
        const double value =
            m.value ? m.value(now)
            : obs.metrics
                ? obs.metrics->Average(m.metric, m.window.value_or(spec_.metric_window)) * m.scale
                : std::nan("");
        if (!std::isfinite(value)) {
          p = Failed("unable to get metric " + m.name + ": no sample yet");
        } else if (m.source == HpaMetricSpec::Source::kPods) {
          // A custom-metrics adapter reports one series per pod that serves traffic: the ready
          // pods. Pods still starting have no series yet (they count as missing).
          std::vector<size_t> serving;
          for (size_t i = 0; i < obs.pods.size(); ++i) {
            const PodView& pod = obs.pods[i];
            if (pod.ready && !pod.deleting && (pod.phase == PodView::Phase::kRunning ||
                                               pod.phase == PodView::Phase::kSucceeded)) {
              serving.push_back(i);
            }
          }
          PodMetrics metrics;
          const double per_pod = serving.empty() ? 0
                                 : Additive(m.metric) ? value / static_cast<double>(serving.size())
                                                      : value;
          for (size_t i : serving) metrics[i] = ToMilli(per_pod);
          p = CalcPlainMetricReplicas(set, std::move(metrics), current, m.target_milli, tol, false,
                                      m.name);
        } else if (m.target == HpaMetricSpec::Target::kValue) {
          p = UsageRatioReplicaCount(set, current, ToMilli(value), m.target_milli, tol, m.name);
        } else {
          p = PerPodReplicaCount(status_replicas, ToMilli(value), m.target_milli, tol, m.name);
        }
      }
      if (p.error) {
        if (invalid++ == 0) first_error = m.name + ": " + *p.error;
        details += (details.empty() ? "" : "; ") + m.name + ": " + *p.error;
        continue;
      }
      details += (details.empty() ? "" : "; ") + p.detail;
      if (proposal == 0 || p.replicas > proposal) proposal = p.replicas;
    }
    const int n_metrics = static_cast<int>(spec_.metrics.size());
    if (invalid >= n_metrics || (invalid > 0 && proposal < current)) {
      // upstream returns -1: no scaling this round, the HPA reports FailedComputeMetricsReplicas.
      return {current,
              "invalid metrics (" + std::to_string(invalid) + " invalid out of " +
                  std::to_string(n_metrics) + "), first error is: " + first_error +
                  " -> keep " + std::to_string(current)};
    }
    reason = details;
    desired = std::max(0, proposal);

    std::vector<HpaRecommendation>& recs = *history_.recommendations;
    if (!spec_.behavior) {
      // upstream: normalizeDesiredReplicas -> stabilizeRecommendation
      int stabilized = desired;
      const TimePoint cutoff = now - spec_.downscale_stabilization;
      std::optional<size_t> old;
      for (size_t i = 0; i < recs.size(); ++i) {
        if (recs[i].time < cutoff) {
          old = i;
        } else if (recs[i].replicas > stabilized) {
          stabilized = recs[i].replicas;
        }
      }
      if (old) {
        recs[*old] = {desired, now};
      } else {
        recs.push_back({desired, now});
      }
      if (stabilized != desired) {
        reason += "; scale-down stabilised at " + std::to_string(stabilized) +
                  " (highest recommendation in the last " +
                  FormatDuration(spec_.downscale_stabilization) + ")";
      }
      // upstream: convertDesiredReplicasWithRules
      const int up_limit = TruncToInt32(std::max(
          spec_.scale_up_limit_factor * current, spec_.scale_up_limit_minimum));
      desired = stabilized;
      if (desired < min_replicas) {
        desired = min_replicas;
        reason += "; raised to minReplicas " + std::to_string(desired);
      } else if (max_replicas > up_limit && desired > up_limit) {
        desired = up_limit;
        reason += "; scale-up limited to " + std::to_string(desired) + " (max(" +
                  FormatMilli(ToMilli(spec_.scale_up_limit_factor)) + " x current, " +
                  FormatMilli(ToMilli(spec_.scale_up_limit_minimum)) + "))";
      } else if (max_replicas <= up_limit && desired > max_replicas) {
        desired = max_replicas;
        reason += "; limited to maxReplicas " + std::to_string(desired);
      }
    } else {
      const HpaScalingRules& up = spec_.behavior->scale_up;
      const HpaScalingRules& down = spec_.behavior->scale_down;
      // upstream: maybeInitScaleDownStabilizationWindow
      const int up_window = up.stabilization_window_seconds.value_or(0);
      const int down_window = down.stabilization_window_seconds.value_or(static_cast<int>(
          std::chrono::duration_cast<seconds>(spec_.downscale_stabilization).count()));
      // upstream: stabilizeRecommendationWithBehaviors
      const TimePoint up_cutoff = now - seconds(up_window);
      const TimePoint down_cutoff = now - seconds(down_window);
      int up_rec = desired, down_rec = desired;
      std::optional<size_t> old;
      for (size_t i = 0; i < recs.size(); ++i) {
        if (recs[i].time > up_cutoff) up_rec = std::min(recs[i].replicas, up_rec);
        if (recs[i].time > down_cutoff) down_rec = std::max(recs[i].replicas, down_rec);
        if (recs[i].time < up_cutoff && recs[i].time < down_cutoff) old = i;
      }
      int stabilized = current;
      if (stabilized < up_rec) stabilized = up_rec;
      if (stabilized > down_rec) stabilized = down_rec;
      if (old) {
        recs[*old] = {desired, now};
      } else {
        recs.push_back({desired, now});
      }
      if (stabilized != desired) {
        reason += desired >= current
                      ? "; scale-up stabilised at " + std::to_string(stabilized) +
                            " (lowest recommendation in the last " + WindowText(up_window) + ")"
                      : "; scale-down stabilised at " + std::to_string(stabilized) +
                            " (highest recommendation in the last " + WindowText(down_window) + ")";
      }
      // upstream: convertDesiredReplicasWithBehaviorRate
      desired = stabilized;
      if (desired > current) {
        const Limit limit = ScaleUpLimit(current, history_, up, now);
        // Never below current: recent events may make the naive limit smaller than what runs.
        const int64_t scale_up_limit = std::max<int64_t>(limit.replicas, current);
        if (max_replicas > scale_up_limit) {
          if (desired > scale_up_limit) {
            desired = static_cast<int>(scale_up_limit);
            reason += limit.policy < 0
                          ? "; scale-up disabled (selectPolicy Disabled)"
                          : "; scale-up limited to " + std::to_string(desired) + " by policy " +
                                PolicyText(up.policies[static_cast<size_t>(limit.policy)]);
          }
        } else if (desired > max_replicas) {
          desired = max_replicas;
          reason += "; limited to maxReplicas " + std::to_string(desired);
        }
      } else if (desired < current) {
        const Limit limit = ScaleDownLimit(current, history_, down, now);
        const int64_t scale_down_limit = std::min<int64_t>(limit.replicas, current);
        if (min_replicas < scale_down_limit) {
          if (desired < scale_down_limit) {
            desired = static_cast<int>(scale_down_limit);
            reason += limit.policy < 0
                          ? "; scale-down disabled (selectPolicy Disabled)"
                          : "; scale-down limited to " + std::to_string(desired) + " by policy " +
                                PolicyText(down.policies[static_cast<size_t>(limit.policy)]);
          }
        } else if (desired < min_replicas) {
          desired = min_replicas;
          reason += "; raised to minReplicas " + std::to_string(desired);
        }
      }
    }
    rescale = desired != current;
  }

  if (rescale) {
    // upstream: storeScaleEvent (only with behavior: the legacy path never reads events).
    if (spec_.behavior) {
      const bool up = desired > current;
      const HpaScalingRules& rules = up ? spec_.behavior->scale_up : spec_.behavior->scale_down;
      int longest = 0;
      for (const HpaScalingPolicy& p : rules.policies) longest = std::max(longest, p.period_seconds);
      std::vector<HpaScaleEvent>& events = up ? history_.scale_up_events : history_.scale_down_events;
      const TimePoint cutoff = now - seconds(longest);
      std::optional<size_t> old;
      for (size_t i = 0; i < events.size(); ++i) {
        if (events[i].time < cutoff) events[i].outdated = true;  // markScaleEventsOutdated
        if (events[i].outdated) old = i;
      }
      const HpaScaleEvent event{up ? desired - current : current - desired, now, false};
      if (old) {
        events[*old] = event;
      } else {
        events.push_back(event);
      }
    }
  } else {
    desired = current;
  }

  Decision d;
  d.desired_replicas = std::clamp(desired, std::min(obs.min_replicas, obs.max_replicas), obs.max_replicas);
  if (d.desired_replicas != desired) {
    reason += "; held within the resource's bounds -> " + std::to_string(d.desired_replicas);
  }
  d.reason = std::move(reason);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Policy files.

namespace {

// Metric names as a manifest may write ours: '-' read as '_' ("requests-per-second").
std::optional<Metric> CanonicalMetric(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '-', '_');
  return MetricByName(n);
}

constexpr const char* kMetricList = "requests_per_second, latency_p95, in_flight, drop_rate";

class SpecReader {
 public:
  // `manifest` set: a pasted Kubernetes object, read leniently (fields we do not read are
  // warnings) with its forescale.io annotations; null: our own strict format.
  explicit SpecReader(const YamlConfig& reader, const internal::ManifestReader* manifest = nullptr,
                      const std::map<std::string, std::string>* annotations = nullptr)
      : r_(reader), manifest_(manifest), annotations_(annotations) {}

  Result<void> Keys(const YAML::Node& node, const std::string& path,
                    std::initializer_list<const char*> known) const {
    if (manifest_) return manifest_->Keys(node, path, known);
    return r_.Keys(node, path, known);
  }

  // The forescale.io annotations a manifest's metrics used (the rest are typos).
  const std::vector<std::string>& used_annotations() const { return used_; }

  Result<int64_t> Quantity(const YAML::Node& parent, const std::string& path, const char* name) const {
    auto text = r_.Text(parent, path, name);
    if (!text) return std::unexpected(text.error());
    auto milli = internal::ParseQuantityMilli(*text);
    const std::string key = YamlConfig::Join(path, name);
    if (!milli) return r_.Bad(parent[name], key, "expected a quantity such as 100, 0.25 or 500m, got '" + *text + "'");
    if (*milli <= 0) return r_.Bad(parent[name], key, "must be positive");
    return *milli;
  }

  Result<int64_t> BoundedInt(const YAML::Node& parent, const std::string& path, const char* name,
                             std::optional<int64_t> fallback, int64_t lo, int64_t hi) const {
    auto v = r_.Integer(parent, path, name, fallback);
    if (!v) return v;
    if (*v < lo || *v > hi) {
      return r_.Bad(parent[name], YamlConfig::Join(path, name),
                    "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    return v;
  }

  // metric.name of a Pods / Object / External source.
  Result<HpaMetricSpec> NamedMetric(const YAML::Node& node, const std::string& path,
                                    HpaMetricSpec spec) const {
    const YAML::Node metric = node["metric"];
    const std::string mpath = YamlConfig::Join(path, "metric");
    if (!metric) return r_.Bad(node, mpath, "missing");
    if (auto ok = Keys(metric, mpath, {"name", "selector"}); !ok)
      return std::unexpected(ok.error());
    if (manifest_ && metric["selector"]) {
      manifest_->Warn(metric["selector"], YamlConfig::Join(mpath, "selector"),
                      "is not simulated (the metric is the whole simulated service's)");
    }
    auto name = r_.Text(metric, mpath, "name");
    if (!name) return std::unexpected(name.error());
    auto m = MetricByName(*name);
    if (!m && manifest_) {
      m = CanonicalMetric(*name);
      const std::string key = "metric-" + *name;
      const std::string* mapped = nullptr;
      if (annotations_) {
        if (auto it = annotations_->find(key); it != annotations_->end()) mapped = &it->second;
      }
      if (mapped) {
        used_.push_back(key);
        m = MetricByName(*mapped);
        if (!m) {
          return manifest_->Bad(metric["name"], YamlConfig::Join(mpath, "name"),
                                "annotation forescale.io/" + key + " names '" + *mapped +
                                    "', not a simulated metric (expected one of: " + kMetricList +
                                    ")");
        }
      }
    }
    if (!m) {
      std::string problem = "unknown metric '" + *name + "' (expected one of: " + kMetricList + ")";
      if (manifest_) {
        problem +=
            "; if it measures one of them, say which with the annotation "
            "metadata.annotations.forescale.io/metric-" +
            *name + ": requests_per_second (for example)";
      }
      return r_.Bad(metric["name"], YamlConfig::Join(mpath, "name"), problem);
    }
    spec.metric = *m;
    spec.name = *name;
    return spec;
  }

  Result<HpaMetricSpec> Target(const YAML::Node& node, const std::string& path, HpaMetricSpec spec,
                               bool utilization_ok, bool value_ok, bool average_value_ok) const {
    const YAML::Node target = node["target"];
    const std::string tpath = YamlConfig::Join(path, "target");
    if (!target) return r_.Bad(node, tpath, "missing");
    auto type = r_.Text(target, tpath, "type");
    if (!type) return std::unexpected(type.error());
    if (*type == "Utilization" && utilization_ok) {
      if (auto ok = Keys(target, tpath, {"type", "averageUtilization"}); !ok)
        return std::unexpected(ok.error());
      auto pct = BoundedInt(target, tpath, "averageUtilization", std::nullopt, 1, 100000);
      if (!pct) return std::unexpected(pct.error());
      spec.target = HpaMetricSpec::Target::kUtilization;
      spec.average_utilization = static_cast<int>(*pct);
      return spec;
    }
    if (*type == "AverageValue" && average_value_ok) {
      if (auto ok = Keys(target, tpath, {"type", "averageValue"}); !ok)
        return std::unexpected(ok.error());
      auto v = Quantity(target, tpath, "averageValue");
      if (!v) return std::unexpected(v.error());
      spec.target = HpaMetricSpec::Target::kAverageValue;
      spec.target_milli = *v;
      return spec;
    }
    if (*type == "Value" && value_ok) {
      if (auto ok = Keys(target, tpath, {"type", "value"}); !ok) return std::unexpected(ok.error());
      auto v = Quantity(target, tpath, "value");
      if (!v) return std::unexpected(v.error());
      spec.target = HpaMetricSpec::Target::kValue;
      spec.target_milli = *v;
      return spec;
    }
    std::string allowed;
    if (utilization_ok) allowed += "Utilization";
    if (average_value_ok) allowed += std::string(allowed.empty() ? "" : ", ") + "AverageValue";
    if (value_ok) allowed += std::string(allowed.empty() ? "" : ", ") + "Value";
    return r_.Bad(target["type"], YamlConfig::Join(tpath, "type"),
                  "target type '" + *type + "' not valid here (expected " + allowed + ")");
  }

  Result<HpaMetricSpec> MetricSpec(const YAML::Node& item, const std::string& path) const {
    auto type = r_.Text(item, path, "type");
    if (!type) return std::unexpected(type.error());
    HpaMetricSpec spec;
    if (*type == "Resource") {
      if (auto ok = Keys(item, path, {"type", "resource"}); !ok) return std::unexpected(ok.error());
      const std::string rpath = YamlConfig::Join(path, "resource");
      const YAML::Node res = item["resource"];
      if (!res) return r_.Bad(item, rpath, "missing");
      if (auto ok = Keys(res, rpath, {"name", "target"}); !ok) return std::unexpected(ok.error());
      auto name = r_.Text(res, rpath, "name");
      if (!name) return std::unexpected(name.error());
      if (*name != "cpu") {
        return r_.Bad(res["name"], YamlConfig::Join(rpath, "name"),
                      "resource '" + *name + "' is not modelled (only cpu)");
      }
      spec.source = HpaMetricSpec::Source::kResource;
      return Target(res, rpath, spec, true, false, true);
    }
    if (*type == "Pods") {
      if (auto ok = Keys(item, path, {"type", "pods"}); !ok) return std::unexpected(ok.error());
      const std::string ppath = YamlConfig::Join(path, "pods");
      const YAML::Node pods = item["pods"];
      if (!pods) return r_.Bad(item, ppath, "missing");
      if (auto ok = Keys(pods, ppath, {"metric", "target"}); !ok)
        return std::unexpected(ok.error());
      spec.source = HpaMetricSpec::Source::kPods;
      auto named = NamedMetric(pods, ppath, spec);
      if (!named) return named;
      return Target(pods, ppath, *named, false, false, true);
    }
    if (*type == "Object" || *type == "External") {
      const bool object = *type == "Object";
      const char* field = object ? "object" : "external";
      if (auto ok = Keys(item, path, {"type", field}); !ok) return std::unexpected(ok.error());
      const std::string opath = YamlConfig::Join(path, field);
      const YAML::Node obj = item[field];
      if (!obj) return r_.Bad(item, opath, "missing");
      auto ok = object ? Keys(obj, opath, {"describedObject", "metric", "target"})
                       : Keys(obj, opath, {"metric", "target"});
      if (!ok) return std::unexpected(ok.error());
      if (manifest_ && object && obj["describedObject"]) {
        manifest_->Warn(obj["describedObject"], YamlConfig::Join(opath, "describedObject"),
                        "is not simulated (the metric is the whole simulated service's)");
      }
      spec.source = object ? HpaMetricSpec::Source::kObject : HpaMetricSpec::Source::kExternal;
      auto named = NamedMetric(obj, opath, spec);
      if (!named) return named;
      return Target(obj, opath, *named, false, true, true);
    }
    if (*type == "ContainerResource") {
      return r_.Bad(item["type"], YamlConfig::Join(path, "type"),
                    "ContainerResource is not modelled (pods have one container: use Resource)");
    }
    return r_.Bad(item["type"], YamlConfig::Join(path, "type"),
                  "unknown metric type '" + *type + "' (expected Resource, Pods, Object or External)");
  }

  Result<HpaScalingRules> Rules(const YAML::Node& node, const std::string& path,
                                HpaScalingRules rules) const {
    if (auto ok = Keys(node, path,
                       {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"});
        !ok) {
      return std::unexpected(ok.error());
    }
    if (node["stabilizationWindowSeconds"]) {
      auto w = BoundedInt(node, path, "stabilizationWindowSeconds", std::nullopt, 0, 3600);
      if (!w) return std::unexpected(w.error());
      rules.stabilization_window_seconds = static_cast<int>(*w);
    }
    if (node["selectPolicy"]) {
      auto s = r_.Text(node, path, "selectPolicy");
      if (!s) return std::unexpected(s.error());
      if (*s == "Max") {
        rules.select = HpaScalingRules::Select::kMax;
      } else if (*s == "Min") {
        rules.select = HpaScalingRules::Select::kMin;
      } else if (*s == "Disabled") {
        rules.select = HpaScalingRules::Select::kDisabled;
      } else {
        return r_.Bad(node["selectPolicy"], YamlConfig::Join(path, "selectPolicy"),
                      "expected Max, Min or Disabled, got '" + *s + "'");
      }
    }
    if (const YAML::Node policies = node["policies"]) {
      const std::string ppath = YamlConfig::Join(path, "policies");
      if (!policies.IsSequence() || policies.size() == 0) {
        return r_.Bad(policies, ppath, "expected a non-empty list of {type, value, periodSeconds}");
      }
      rules.policies.clear();
      for (size_t i = 0; i < policies.size(); ++i) {
        const YAML::Node p = policies[i];
        const std::string ipath = ppath + "[" + std::to_string(i) + "]";
        if (auto ok = Keys(p, ipath, {"type", "value", "periodSeconds"}); !ok)
          return std::unexpected(ok.error());
        auto type = r_.Text(p, ipath, "type");
        if (!type) return std::unexpected(type.error());
        HpaScalingPolicy policy;
        if (*type == "Pods") {
          policy.type = HpaScalingPolicy::Type::kPods;
        } else if (*type == "Percent") {
          policy.type = HpaScalingPolicy::Type::kPercent;
        } else {
          return r_.Bad(p["type"], YamlConfig::Join(ipath, "type"),
                        "expected Pods or Percent, got '" + *type + "'");
        }
        auto value = BoundedInt(p, ipath, "value", std::nullopt, 1, kInt32Max);
        if (!value) return std::unexpected(value.error());
        auto period = BoundedInt(p, ipath, "periodSeconds", std::nullopt, 1, 1800);
        if (!period) return std::unexpected(period.error());
        policy.value = static_cast<int>(*value);
        policy.period_seconds = static_cast<int>(*period);
        rules.policies.push_back(policy);
      }
    }
    if (node["tolerance"]) {
      auto t = r_.Number(node, path, "tolerance");
      if (!t) return std::unexpected(t.error());
      if (*t < 0) return r_.Bad(node["tolerance"], YamlConfig::Join(path, "tolerance"), "must not be negative");
      rules.tolerance = *t;
    }
    return rules;
  }

  Result<HpaBehavior> Behavior(const YAML::Node& node, const std::string& path) const {
    if (auto ok = Keys(node, path, {"scaleUp", "scaleDown"}); !ok)
      return std::unexpected(ok.error());
    HpaBehavior b;
    if (node["scaleUp"]) {
      auto up = Rules(node["scaleUp"], YamlConfig::Join(path, "scaleUp"), DefaultHpaScaleUpRules());
      if (!up) return std::unexpected(up.error());
      b.scale_up = *up;
    }
    if (node["scaleDown"]) {
      auto down = Rules(node["scaleDown"], YamlConfig::Join(path, "scaleDown"), DefaultHpaScaleDownRules());
      if (!down) return std::unexpected(down.error());
      b.scale_down = *down;
    }
    return b;
  }

  // The HorizontalPodAutoscalerSpec fields (shared by both file forms).
  Result<void> Spec(const YAML::Node& node, const std::string& path, HpaSpec& spec,
                    int default_min, int default_max, int default_cpu_percent) const {
    auto min = BoundedInt(node, path, "minReplicas", default_min, 0, kInt32Max);
    if (!min) return std::unexpected(min.error());
    auto max = BoundedInt(node, path, "maxReplicas", default_max, 1, kInt32Max);
    if (!max) return std::unexpected(max.error());
    if (*max < *min) {
      return r_.Bad(node["maxReplicas"] ? node["maxReplicas"] : node, YamlConfig::Join(path, "maxReplicas"),
                    "must be >= minReplicas (" + std::to_string(*min) + ")");
    }
    spec.min_replicas = static_cast<int>(*min);
    spec.max_replicas = static_cast<int>(*max);

    spec.metrics.clear();
    if (const YAML::Node metrics = node["metrics"]) {
      const std::string mpath = YamlConfig::Join(path, "metrics");
      if (!metrics.IsSequence()) return r_.Bad(metrics, mpath, "expected a list of metric specs");
      for (size_t i = 0; i < metrics.size(); ++i) {
        auto m = MetricSpec(metrics[i], mpath + "[" + std::to_string(i) + "]");
        if (!m) return std::unexpected(m.error());
        spec.metrics.push_back(*m);
      }
    }
    if (spec.metrics.empty()) spec.metrics.push_back(HpaMetricSpec::CpuUtilization(default_cpu_percent));

    if (*min == 0) {
      // As the API server validates it: scale-to-zero needs a metric that is not about the pods.
      const bool external = std::any_of(spec.metrics.begin(), spec.metrics.end(), [](const auto& m) {
        return m.source == HpaMetricSpec::Source::kObject || m.source == HpaMetricSpec::Source::kExternal;
      });
      if (!external) {
        return r_.Bad(node["minReplicas"], YamlConfig::Join(path, "minReplicas"),
                      "0 needs at least one Object or External metric (scale to zero)");
      }
    }
    if (const YAML::Node behavior = node["behavior"]) {
      auto b = Behavior(behavior, YamlConfig::Join(path, "behavior"));
      if (!b) return std::unexpected(b.error());
      spec.behavior = *b;
    }
    return {};
  }

  Result<void> ControllerFlags(const YAML::Node& node, HpaSpec& spec) const {
    auto positive = [&](const char* name, Duration& out) -> Result<void> {
      auto d = r_.Time(node, "", name, out);
      if (!d) return std::unexpected(d.error());
      if (d->count() <= 0 && std::string_view(name) == "syncPeriod") {
        return r_.Bad(node[name], name, "must be positive");
      }
      out = *d;
      return {};
    };
    for (auto [name, field] : {std::pair<const char*, Duration*>{"syncPeriod", &spec.sync_period},
                               {"cpuInitializationPeriod", &spec.cpu_initialization_period},
                               {"initialReadinessDelay", &spec.initial_readiness_delay},
                               {"downscaleStabilization", &spec.downscale_stabilization},
                               {"metricWindow", &spec.metric_window}}) {
      if (auto ok = positive(name, *field); !ok) return ok;
    }
    auto tol = r_.Number(node, "", "tolerance", spec.tolerance);
    if (!tol) return std::unexpected(tol.error());
    if (*tol < 0 || *tol >= 1) return r_.Bad(node["tolerance"], "tolerance", "must be in [0, 1)");
    spec.tolerance = *tol;
    return {};
  }

 private:
  const YamlConfig& r_;
  const internal::ManifestReader* manifest_ = nullptr;
  const std::map<std::string, std::string>* annotations_ = nullptr;
  mutable std::vector<std::string> used_;
};

}  // namespace

Result<HpaSpec> ParseHpaSpec(const YAML::Node* config, const YamlConfig& reader,
                             const PolicyContext& context) {
  HpaSpec spec;
  const int context_cpu = static_cast<int>(std::lround(context.target_utilisation * 100));
  if (context.max_replicas < context.min_replicas || context.min_replicas < 0) {
    return Fail(ErrorCode::kInvalidArgument, reader.origin() + ": replica bounds " +
                                                 std::to_string(context.min_replicas) + ".." +
                                                 std::to_string(context.max_replicas) + " are empty");
  }
  if (!config) {
    spec.min_replicas = context.min_replicas;
    spec.max_replicas = std::max(1, context.max_replicas);
    spec.metrics = {HpaMetricSpec::CpuUtilization(std::max(1, context_cpu))};
    return spec;
  }
  const YAML::Node& root = *config;
  SpecReader r(reader);
  auto kind = reader.Text(root, "", "kind");
  if (!kind) return std::unexpected(kind.error());
  if (*kind == "HorizontalPodAutoscaler") {
    std::vector<std::string> warnings;
    auto manifest =
        internal::ReadHpaManifest(internal::InlineDocument(root), nullptr, reader, &warnings);
    if (manifest) internal::ReportWarnings(context, warnings);
    return manifest;
  }
  if (auto ok = reader.Keys(root, "", {"kind", "scaleTargetRef", "minReplicas", "maxReplicas", "metrics",
                                       "behavior", "syncPeriod", "tolerance", "cpuInitializationPeriod",
                                       "initialReadinessDelay", "downscaleStabilization", "metricWindow"});
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = r.Spec(root, "", spec, context.min_replicas, std::max(1, context.max_replicas),
                       std::max(1, context_cpu));
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = r.ControllerFlags(root, spec); !ok) return std::unexpected(ok.error());
  return spec;
}

namespace internal {

Result<HpaSpec> ReadHpaManifest(const ManifestDocument& doc, const Workload* target,
                                const YamlConfig& yaml, std::vector<std::string>* warnings) {
  ManifestReader m(yaml, doc, warnings);
  auto labelled = [&m](const Error& e) { return std::unexpected(m.Label(e)); };
  const YAML::Node& root = doc.node;
  if (!root["apiVersion"]) return m.Bad(root, "apiVersion", "missing");
  const std::string& api = doc.api_version;
  const bool v1 = api == "autoscaling/v1";
  if (!v1 && api != "autoscaling/v2" && api != "autoscaling/v2beta2") {
    return m.Bad(
        root["apiVersion"], "apiVersion",
        api == "autoscaling/v2beta1"
            ? "autoscaling/v2beta1 is not read (its metric fields differ); print the object as "
              "autoscaling/v2: kubectl get hpa.v2.autoscaling " +
                  doc.name + " -o yaml"
            : "expected autoscaling/v1, v2 or v2beta2, got '" + api + "'");
  }
  if (auto ok = m.TopLevel(); !ok) return std::unexpected(ok.error());
  // An autoscaling/v1 object keeps the v2-only fields of the same HPA in annotations; the
  // controller scales on them, so reading v1 without them would simulate another HPA.
  static constexpr const char* kReadAsV2 =
      "holds autoscaling/v2 fields the HPA also acts on; print the object as autoscaling/v2 "
      "(kubectl get hpa.v2.autoscaling NAME -o yaml) to simulate them";
  auto annotations = v1 ? m.Metadata({{"autoscaling.alpha.kubernetes.io/metrics", kReadAsV2},
                                      {"autoscaling.alpha.kubernetes.io/behavior", kReadAsV2}})
                        : m.Metadata();
  if (!annotations) return std::unexpected(annotations.error());
  const YAML::Node body = root["spec"];
  if (!body) return m.Bad(root, "spec", "missing");
  SpecReader r(yaml, &m, &*annotations);
  auto keys = v1 ? m.Keys(body, "spec",
                          {"scaleTargetRef", "minReplicas", "maxReplicas",
                           "targetCPUUtilizationPercentage"})
                 : m.Keys(body, "spec",
                          {"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"});
  if (!keys) return std::unexpected(keys.error());
  if (!body["maxReplicas"]) return m.Bad(body, "spec.maxReplicas", "missing");
  if (const YAML::Node ref = body["scaleTargetRef"]) {
    if (auto ok = m.Keys(ref, "spec.scaleTargetRef", {"kind", "name"}); !ok)
      return std::unexpected(ok.error());
  }
  // The API server's defaults: minReplicas 1; no metric (v2) or no target (v1): cpu at 80 %.
  // (v2's are applied by SpecReader::Spec.)
  HpaSpec spec;
  if (v1) {
    // autoscaling/v1 is a v2 HPA with one cpu Utilization metric and no behavior.
    auto pct = r.BoundedInt(body, "spec", "targetCPUUtilizationPercentage", 80, 1, 100000);
    if (!pct) return labelled(pct.error());
    auto min = r.BoundedInt(body, "spec", "minReplicas", 1, 0, kInt32Max);
    if (!min) return labelled(min.error());
    auto max = r.BoundedInt(body, "spec", "maxReplicas", std::nullopt, 1, kInt32Max);
    if (!max) return labelled(max.error());
    if (*min == 0) {
      return m.Bad(body["minReplicas"], "spec.minReplicas",
                   "0 needs an Object or External metric (autoscaling/v2), and v1 has only cpu");
    }
    if (*max < *min) {
      return m.Bad(body["maxReplicas"], "spec.maxReplicas",
                   "must be >= minReplicas (" + std::to_string(*min) + ")");
    }
    spec.min_replicas = static_cast<int>(*min);
    spec.max_replicas = static_cast<int>(*max);
    spec.metrics = {HpaMetricSpec::CpuUtilization(static_cast<int>(*pct))};
  } else if (auto ok = r.Spec(body, "spec", spec, 1, 1, 80); !ok) {
    return labelled(ok.error());
  }

  for (const auto& [key, value] : *annotations) {
    const auto& used = r.used_annotations();
    if (std::find(used.begin(), used.end(), key) != used.end()) continue;
    const YAML::Node at = root["metadata"]["annotations"]["forescale.io/" + key];
    return m.Bad(
        at, "metadata.annotations.forescale.io/" + key,
        key.starts_with("metric-")
            ? "names no metric of this HorizontalPodAutoscaler"
            : "unknown forescale.io annotation (expected forescale.io/metric-<metric name>)");
  }
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    HpaMetricSpec& metric = spec.metrics[i];
    if (metric.source != HpaMetricSpec::Source::kResource) continue;
    if (auto missing = MissingCpuRequest(target, yaml, doc.Label()))
      return std::unexpected(*missing);
    if (metric.target != HpaMetricSpec::Target::kAverageValue) continue;
    const std::string path = "spec.metrics[" + std::to_string(i) + "].resource.target.averageValue";
    if (target && target->cpu_request_milli) {
      metric.cpu_request = static_cast<double>(*target->cpu_request_milli) / 1000.0;
    } else {
      m.Warn(body["metrics"] ? body["metrics"][i] : body, path,
             "is read as CPU cores of the simulated replicas (1 core each): put the scaled "
             "Deployment in "
             "the same file to read it against the pods' CPU request");
    }
  }
  return spec;
}

Result<HpaBehavior> ReadHpaBehavior(const YAML::Node& node, const std::string& path,
                                    const ManifestReader& reader) {
  SpecReader r(reader.yaml(), &reader, nullptr);
  auto behavior = r.Behavior(node, path);
  if (!behavior) return std::unexpected(reader.Label(behavior.error()));
  return behavior;
}

PolicyResult MakeHpa(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context) {
  auto spec = ParseHpaSpec(config, reader, context);
  if (!spec) return std::unexpected(spec.error());
  return std::make_unique<HpaPolicy>(std::move(*spec));
}

}  // namespace internal
}  // namespace forescale::policy
