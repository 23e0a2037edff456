// The Kubernetes Horizontal Pod Autoscaler (autoscaling/v2), as the kube-controller-manager runs
// it (pkg/controller/podautoscaler: horizontal.go + replica_calculator.go), behind our Policy
// interface. What a test measures with this policy is what a cluster would have done.
//
// One Decide call is one HPA reconcile:
//   1. bounds first: current 0 with minReplicas > 0 disables scaling; current above max / below min
//      goes straight to the bound;
//   2. every metric proposes a replica count (the replica calculator: ready / unready / missing /
//      ignored pods, CPU initialisation period, tolerance, direction-flip guards); the largest
//      proposal wins; invalid metrics block scale-down and are skipped for scale-up;
//   3. normalisation: without `behavior`, the legacy path (scale-down stabilisation = max
//      recommendation in the window, scale-up capped at max(2 x current, 4)); with `behavior`,
//      stabilisation windows in both directions and the rate policies over the scale-event history.
//
// Metrics we can see (Observation): per-pod CPU from PodView (metrics-server), and service-wide
// series from MetricSource. Supported metric specs:
//   Resource cpu          target Utilization (averageUtilization %) or AverageValue (cores)
//   Pods <m>              target AverageValue: the service total split evenly over ready pods
//                         (additive metrics) or reported by each ready pod (latency_p95)
//   Object / External <m> target Value or AverageValue, as GetObjectMetricReplicas /
//                         GetExternal(PerPod)MetricReplicas
// with <m> one of requests_per_second, latency_p95 (seconds), in_flight, drop_rate.
// Memory and ContainerResource metrics are rejected (our pods have one container and no memory).
//
// Invariants: state (recommendations, scale events) only grows by what upstream stores and is
// bounded by the same reuse-the-outdated-slot rules; time comes only from Observation::now.
// Thread safety: none (one object per scaled resource, like every Policy).
//
//   HpaSpec spec{.min_replicas = 2, .max_replicas = 10,
//                .metrics = {HpaMetricSpec::CpuUtilization(60)}};
//   HpaPolicy hpa(spec);
//   Decision d = hpa.Decide(observation);   // d.reason: "cpu 83% of 60% target on 10 ready pods -> 14"
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "core/yaml_config.h"
#include "policy/observation.h"
#include "policy/policy.h"

namespace forescale::policy {

// One rate rule of a scaling direction (HPAScalingPolicy).
struct HpaScalingPolicy {
  enum class Type { kPods, kPercent };
  Type type = Type::kPods;
  int value = 0;            // pods, or percent of the replicas at the start of the period
  int period_seconds = 15;  // the window the change is counted over (1..1800)
};

// HPAScalingRules, after API defaulting.
struct HpaScalingRules {
  enum class Select { kMax, kMin, kDisabled };
  // Window over which recommendations are stabilised. nullopt (scale-down only) means the
  // controller's --horizontal-pod-autoscaler-downscale-stabilization (HpaSpec).
  std::optional<int> stabilization_window_seconds;
  Select select = Select::kMax;
  std::vector<HpaScalingPolicy> policies;
  // Per-direction tolerance (autoscaling/v2 `tolerance`, Kubernetes 1.33+); nullopt: the
  // controller-wide HpaSpec::tolerance.
  std::optional<double> tolerance;
};

// The API defaults (pkg/apis/autoscaling/v2/defaults.go): up: window 0, Max of 4 pods / 15 s and
// 100 % / 15 s; down: window from the controller flag (300 s), 100 % / 15 s.
HpaScalingRules DefaultHpaScaleUpRules();
HpaScalingRules DefaultHpaScaleDownRules();

struct HpaBehavior {
  HpaScalingRules scale_up = DefaultHpaScaleUpRules();
  HpaScalingRules scale_down = DefaultHpaScaleDownRules();
};

struct HpaMetricSpec {
  enum class Source { kResource, kPods, kObject, kExternal };
  enum class Target { kUtilization, kAverageValue, kValue };
  Source source = Source::kResource;
  Target target = Target::kUtilization;
  Metric metric = Metric::kCpuUtilisation;  // for Pods / Object / External
  std::string name = "cpu";                 // as written, for reasons
  int average_utilization = 0;              // percent of the CPU request (Utilization)
  int64_t target_milli = 0;                 // value / averageValue in milli-units (cores, rps, s)
  // Pods / Object / External read from the MetricSource: the window the value is averaged over
  // (a PromQL range such as [2m]); nullopt: HpaSpec::metric_window.
  std::optional<Duration> window;
  // ... and the value as the configuration measures it, per unit of `metric` (120 for a request
  // counter's increase(...[2m]), 1000 for a latency histogram in milliseconds).
  double scale = 1.0;
  // External metrics the policy computes itself instead of reading the MetricSource (a KEDA
  // cron trigger's desiredReplicas, a KEDA metric cached at its polling interval): the value at
  // a time, in the target's units; NaN when there is no sample.
  std::function<double(TimePoint)> value;
  // Resource cpu AverageValue only: the CPU request (cores) of the pods the target was written
  // for. Each pod's usage is read against it, so a target of 300m with a 500m request means 60 %
  // of a pod's request whatever size the simulated replicas have. nullopt: raw cores.
  std::optional<double> cpu_request;

  static HpaMetricSpec CpuUtilization(int percent) {
    return {.average_utilization = percent};
  }
};

// Everything one HPA object + the controller flags decide. Defaults are the upstream ones.
struct HpaSpec {
  std::optional<int> min_replicas;   // nullopt: the observation's bound
  std::optional<int> max_replicas;   // nullopt: the observation's bound
  std::vector<HpaMetricSpec> metrics;
  std::optional<HpaBehavior> behavior;  // nullopt: the legacy (pre-behavior) normalisation
  // kube-controller-manager flags (--horizontal-pod-autoscaler-*):
  Duration sync_period{std::chrono::seconds(15)};
  double tolerance = 0.1;
  Duration cpu_initialization_period{std::chrono::minutes(5)};
  Duration initial_readiness_delay{std::chrono::seconds(30)};
  Duration downscale_stabilization{std::chrono::minutes(5)};
  // Window over which service-wide metrics (Pods/Object/External specs) are averaged, as a
  // custom-metrics adapter's rate() window would be.
  Duration metric_window{std::chrono::minutes(1)};
  // The legacy scale-up cap max(factor x current, minimum) (horizontal.go scaleUpLimitFactor /
  // scaleUpLimitMinimum; upstream's own tests raise the factor to 8).
  double scale_up_limit_factor = 2.0;
  double scale_up_limit_minimum = 4.0;
};

struct HpaRecommendation {
  int replicas = 0;
  TimePoint time{};
};

struct HpaScaleEvent {
  int replica_change = 0;
  TimePoint time{};
  bool outdated = false;
};

// The controller's memory for one HPA. `recommendations` nullopt means "never reconciled": the
// first Decide then records the current replica count as a recommendation (upstream
// recordInitialRecommendation), which is what makes a fresh HPA wait out the scale-down window.
struct HpaHistory {
  std::optional<std::vector<HpaRecommendation>> recommendations;
  std::vector<HpaScaleEvent> scale_up_events;
  std::vector<HpaScaleEvent> scale_down_events;
};

class HpaPolicy final : public Policy {
 public:
  explicit HpaPolicy(HpaSpec spec);

  std::string_view kind() const override { return "hpa"; }
  Duration interval() const override { return spec_.sync_period; }
  Decision Decide(const Observation& observation) override;

  const HpaSpec& spec() const { return spec_; }
  // State as the controller holds it, to persist across restarts (and to seed tests).
  const HpaHistory& history() const { return history_; }
  void RestoreHistory(HpaHistory history) { history_ = std::move(history); }

 private:
  HpaSpec spec_;
  HpaHistory history_;
};

// Reads a policy file's root (our `kind: hpa` format, strict: unknown keys are errors; or a
// pasted HorizontalPodAutoscaler manifest, autoscaling/v1, v2 or v2beta2, read as the API server
// defaults it: minReplicas 1, cpu at 80 % when no metric is given; fields that do not change
// scaling are listed in context.warnings, see kubernetes.h) into a spec; null `config` gives the
// `--policy hpa` defaults from `context` (its bounds, cpu at context.target_utilisation). Errors
// name file:line:key.
//
// Metric names (Pods / Object / External) are the simulator's: requests_per_second,
// latency_p95, in_flight, drop_rate. A manifest may map its own names with an annotation,
//   metadata.annotations: {forescale.io/metric-packets-per-second: requests_per_second}
// A cpu AverageValue target is read against the pods' CPU request when the file also holds the
// scaled Deployment (see HpaMetricSpec::cpu_request), else as cores of the simulated replicas.
Result<HpaSpec> ParseHpaSpec(const YAML::Node* config, const YamlConfig& reader,
                             const PolicyContext& context);

}  // namespace forescale::policy
