// Kubernetes' own HPA tests, ported to run against our HpaPolicy through the Policy interface.
//
// Source: kubernetes/kubernetes pkg/controller/podautoscaler, replica_calculator_test.go and
// horizontal_test.go (master as of 2025, autoscaling/v2 controller). Each TEST keeps the upstream
// name; its first comment names the file and function. Inputs and expected replica counts are
// upstream's; where our model cannot express an input exactly, the comment says what stands in.
//
// How the upstream harnesses map onto an Observation:
//   replica_calculator_test.go: pods have 2 containers with `requests[i]` each and the metric
//     levels per container, so a pod's request is 2 x and its usage 2 x (makePodMetricLevels).
//     StartTime, the Ready condition's LastTransitionTime and the metric timestamp are Go's zero
//     time unless set (our TimePoint{} = 1970, equally "long ago"); window 1 min. The calculator
//     result is observed through Decide with a behaviour that neither stabilises nor limits, so
//     only the replica calculator shows.
//   horizontal_test.go: pods are created from reportedCPURequests (else statusReplicas); the
//     Ready transition time equals the start time; metric samples are "now" with a 1 min window;
//     tests raise scaleUpLimitFactor to 8 (init()). `recommendations: []` (empty, non-nil) is
//     RestoreHistory with an empty list; nil leaves the first-reconcile recommendation in place.
//   Custom metrics "qps": Pods metrics are our requests_per_second, which the policy spreads
//     evenly over ready pods, so the per-pod levels enter as their sum (the calculator only uses
//     averages); a pod upstream gives no sample is an unready one here (no series yet).
//     Object/External metrics read the same service-wide value.
//   Unit tests of internal functions (convertDesiredReplicasWithRules,
//   convertDesiredReplicasWithBehaviorRate, stabilizeRecommendation[WithBehaviors],
//   calculateScale{Up,Down}Limit...) feed their "prenormalized desired replicas" in through an
//   External AverageValue metric (target 1 per pod, value = desired), which proposes exactly that
//   count, and check the decision (and the stored recommendations via history()).
//
// Not ported, and why:
//   replica_calculator_test.go
//     TestReplicaCalcDisjointResourcesMetrics  metrics for pods that do not exist: our samples
//                                              live on the pods, so they cannot be disjoint.
//     TestReplicaCalcContainer*, TestReplicaCalcScaleUpContainer*,
//     TestReplicaCalcScaleDownContainer*, TestReplicaCalcMissingContainerMetric*  ContainerResource
//                                              metrics: our pods have a single container.
//     TestCalculatePodRequests                 container / init-container request summing.
//     TestGroupPods "count in a ready pod - memory"          memory is not modelled.
//     TestGroupPods "unready a pod without ready condition"  PodView always has a Ready condition.
//   horizontal_test.go
//     TestScaleUpContainer, TestScaleDownContainerResource   ContainerResource metrics.
//     TestCondition* (InvalidSelector*, FailedGetMetrics, InvalidSourceType, FailedGetScale,
//       FailedUpdateScale), status-condition and event assertions in every case, monitor labels
//                                              API status, events and metrics of the controller,
//                                              not decisions (the replica counts are ported).
//     TestMultipleHPAs                         1000 HPAs on one work queue: controller plumbing.
//     TestStoreScaleEvents                     calls storeScaleEvent directly with changes the
//                                              rate limits would not let a decision make; the
//                                              stored-event behaviour is covered by
//                                              TestScalingWithRules and hpa_test.cc.
//     TestScalingWithRules "scaleDownLimit is the limit because scaleDownLimit > minReplicas
//       with user defined policies"            marked testThis and skipped upstream too.
//   legacy_*_test.go, metrics/*_test.go, monitor/*: Heapster and metrics-API clients.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "policy/hpa.h"
#include "policy/internal/fake_metrics.h"

namespace forescale::policy {
namespace {

using internal::FakeMetrics;
using std::chrono::minutes;
using std::chrono::seconds;
using Phase = PodView::Phase;

// A fixed "now" (2024-01-01T00:00:00Z) and Go's zero time.
const TimePoint kNow = TimePoint{} + seconds(1704067200);
const TimePoint kZero{};
TimePoint Hot() { return kNow; }                 // hotCPUCreationTime
TimePoint Cool() { return kNow - minutes(3); }   // coolCPUCreationTime

// The controller upstream's tests build: tolerance 0.1, CPU initialisation 2 min, readiness
// delay 10 s (defaultTesting*), downscale stabilisation 5 min, scaleUpLimitFactor 8.
HpaSpec TestingSpec() {
  HpaSpec spec;
  spec.tolerance = 0.1;
  spec.cpu_initialization_period = minutes(2);
  spec.initial_readiness_delay = seconds(10);
  spec.downscale_stabilization = minutes(5);
  spec.scale_up_limit_factor = 8;
  return spec;
}

HpaScalingRules Rules(std::optional<int> window, HpaScalingRules::Select select,
                      std::vector<HpaScalingPolicy> policies) {
  return {.stabilization_window_seconds = window, .select = select, .policies = std::move(policies)};
}

// horizontal_test.go generateScalingRules(pods, podsPeriod, percent, percentPeriod, window).
HpaScalingRules GenerateScalingRules(int pods, int pods_period, int percent, int percent_period,
                                     int window, bool scale_up) {
  HpaScalingRules rules = scale_up ? DefaultHpaScaleUpRules() : DefaultHpaScaleDownRules();
  rules.stabilization_window_seconds = window;
  rules.select = HpaScalingRules::Select::kMax;
  std::vector<HpaScalingPolicy> policies;
  if (pods != 0) policies.push_back({HpaScalingPolicy::Type::kPods, pods, pods_period});
  if (percent != 0) policies.push_back({HpaScalingPolicy::Type::kPercent, percent, percent_period});
  if (!policies.empty()) rules.policies = policies;  // nil policies take the API defaults
  return rules;
}
HpaScalingRules Up(int pods, int pp, int percent, int pcp, int window) {
  return GenerateScalingRules(pods, pp, percent, pcp, window, true);
}
HpaScalingRules Down(int pods, int pp, int percent, int pcp, int window) {
  return GenerateScalingRules(pods, pp, percent, pcp, window, false);
}

// horizontal_test.go generateEventsUniformDistribution(rawEvents, periodSeconds).
std::vector<HpaScaleEvent> EventsUniform(const std::vector<int>& raw, int period_seconds) {
  std::vector<HpaScaleEvent> events;
  const double segment = static_cast<double>(period_seconds) / static_cast<double>(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const double boundary = period_seconds - segment * static_cast<double>(i + 1) + segment / 2;
    events.push_back({raw[i], kNow - seconds(static_cast<int64_t>(boundary)), false});
  }
  return events;
}

// A behaviour that lets the replica calculator's answer through untouched.
HpaBehavior Unlimited() {
  return {.scale_up = Rules(0, HpaScalingRules::Select::kMax,
                            {{HpaScalingPolicy::Type::kPods, 1000000, 15}}),
          .scale_down = Rules(0, HpaScalingRules::Select::kMax,
                              {{HpaScalingPolicy::Type::kPercent, 100, 15}})};
}

HpaMetricSpec Cpu(int percent) { return HpaMetricSpec::CpuUtilization(percent); }
HpaMetricSpec PodsQps(int64_t target_milli) {
  return {.source = HpaMetricSpec::Source::kPods, .target = HpaMetricSpec::Target::kAverageValue,
          .metric = Metric::kRequestRate, .name = "qps", .target_milli = target_milli};
}
HpaMetricSpec ObjectQps(int64_t target_milli, bool per_pod = false) {
  return {.source = HpaMetricSpec::Source::kObject,
          .target = per_pod ? HpaMetricSpec::Target::kAverageValue : HpaMetricSpec::Target::kValue,
          .metric = Metric::kRequestRate, .name = "qps", .target_milli = target_milli};
}
HpaMetricSpec ExternalQps(int64_t target_milli, bool per_pod = false) {
  HpaMetricSpec m = ObjectQps(target_milli, per_pod);
  m.source = HpaMetricSpec::Source::kExternal;
  return m;
}
// A metric whose source has no sample: how an invalid or failing metric reaches the policy.
HpaMetricSpec Broken() {
  return {.source = HpaMetricSpec::Source::kExternal, .target = HpaMetricSpec::Target::kValue,
          .metric = Metric::kDropRate, .name = "broken", .target_milli = 1000};
}

Decision DecideOnce(HpaPolicy& policy, int current, const std::vector<PodView>& pods,
             const FakeMetrics& metrics) {
  Observation obs;
  obs.now = kNow;
  obs.current_replicas = current;
  obs.min_replicas = 0;
  obs.max_replicas = 100000;
  obs.pods = pods;
  obs.metrics = &metrics;
  return policy.Decide(obs);
}

// ---------------------------------------------------------------------------------------------
// replica_calculator_test.go harness (replicaCalcTestCase.runTest).

struct CalcCase {
  int current = 0;
  int expected = 0;
  std::vector<bool> ready;             // podReadiness (True when absent)
  std::vector<TimePoint> start;        // podStartTime (zero when absent)
  std::vector<Phase> phase;            // podPhase (Running when absent)
  std::vector<bool> deleting;          // podDeletionTimestamp
  // resource (cpu, Utilization) or plain metric
  std::vector<double> requests;        // cores per container
  std::vector<int64_t> levels;         // milli-cores per container, or milli-qps per pod
  int target_utilization = 0;
  int expected_utilization = -1;
  std::optional<HpaMetricSpec> metric;  // a qps metric instead of cpu
  std::optional<std::string> expected_error;
};

std::vector<PodView> CalcPods(const CalcCase& tc) {
  const size_t n = std::max(static_cast<size_t>(tc.current), tc.phase.size());
  std::vector<PodView> pods(n);
  for (size_t i = 0; i < n; ++i) {
    PodView& p = pods[i];
    p.name = "test-pod-" + std::to_string(i);
    p.phase = i < tc.phase.size() ? tc.phase[i] : Phase::kRunning;
    p.ready = i < tc.ready.size() ? tc.ready[i] : true;
    p.created = i < tc.start.size() ? tc.start[i] : kZero;
    p.ready_changed = kZero;  // the harness never sets LastTransitionTime
    p.deleting = i < tc.deleting.size() && tc.deleting[i];
    p.cpu_request = i < tc.requests.size() ? 2 * tc.requests[i] : 0;  // 0: no request
    p.metric_time = kZero;
    p.metric_window = minutes(1);
    if (!tc.metric && i < tc.levels.size()) p.cpu_usage = 2 * static_cast<double>(tc.levels[i]) / 1000;
  }
  return pods;
}

void RunCalc(const CalcCase& tc) {
  HpaSpec spec = TestingSpec();
  spec.min_replicas = 1;
  spec.max_replicas = 100000;
  spec.behavior = Unlimited();
  spec.metrics = {tc.metric ? *tc.metric : Cpu(tc.target_utilization)};
  HpaPolicy policy(spec);
  policy.RestoreHistory({.recommendations = std::vector<HpaRecommendation>{}});
  std::vector<PodView> pods = CalcPods(tc);
  FakeMetrics metrics;
  if (tc.metric) {
    int64_t total = 0;
    for (int64_t level : tc.levels) total += level;
    metrics.Set(Metric::kRequestRate, static_cast<double>(total) / 1000);
    if (tc.metric->source == HpaMetricSpec::Source::kPods) {
      // A pod upstream reports no sample for is one without a series yet: not ready here.
      for (size_t i = tc.levels.size(); i < pods.size(); ++i) pods[i].ready = false;
    }
  }
  const Decision d = DecideOnce(policy, tc.current, pods, metrics);
  if (tc.expected_error) {
    EXPECT_EQ(d.desired_replicas, tc.current) << d.reason;  // an error never scales
    EXPECT_NE(d.reason.find(*tc.expected_error), std::string::npos) << d.reason;
    return;
  }
  EXPECT_EQ(d.desired_replicas, tc.expected) << d.reason;
  if (tc.expected_utilization >= 0) {
    EXPECT_NE(d.reason.find("cpu " + std::to_string(tc.expected_utilization) + "% of"),
              std::string::npos)
        << d.reason;
  }
}

const std::vector<double> kOnes3 = {1, 1, 1};
const std::vector<double> kOnes4 = {1, 1, 1, 1};
const std::vector<double> kOnes5 = {1, 1, 1, 1, 1};
const std::vector<double> kOnes7 = {1, 1, 1, 1, 1, 1, 1};
constexpr bool T = true;
constexpr bool F = false;

// replica_calculator_test.go TestReplicaCalcScaleUp
TEST(HpaConformance, TestReplicaCalcScaleUp) {
  RunCalc({.current = 3, .expected = 5, .requests = kOnes3, .levels = {300, 500, 700},
           .target_utilization = 30, .expected_utilization = 50});
}

// replica_calculator_test.go TestReplicaCalcScaleUpUnreadyLessScale
TEST(HpaConformance, TestReplicaCalcScaleUpUnreadyLessScale) {
  RunCalc({.current = 3, .expected = 4, .ready = {F, T, T}, .requests = kOnes3,
           .levels = {300, 500, 700}, .target_utilization = 30, .expected_utilization = 60});
}

// replica_calculator_test.go TestReplicaCalcScaleUpHotCpuLessScale
TEST(HpaConformance, TestReplicaCalcScaleUpHotCpuLessScale) {
  RunCalc({.current = 3, .expected = 4, .start = {Hot(), Cool(), Cool()}, .requests = kOnes3,
           .levels = {300, 500, 700}, .target_utilization = 30, .expected_utilization = 60});
}

// replica_calculator_test.go TestReplicaCalcScaleUpUnreadyNoScale
TEST(HpaConformance, TestReplicaCalcScaleUpUnreadyNoScale) {
  RunCalc({.current = 3, .expected = 3, .ready = {T, F, F}, .requests = kOnes3,
           .levels = {400, 500, 700}, .target_utilization = 30, .expected_utilization = 40});
}

// replica_calculator_test.go TestReplicaCalcScaleHotCpuNoScale
TEST(HpaConformance, TestReplicaCalcScaleHotCpuNoScale) {
  RunCalc({.current = 3, .expected = 3, .ready = {T, F, F}, .start = {Cool(), Hot(), Hot()},
           .requests = kOnes3, .levels = {400, 500, 700}, .target_utilization = 30,
           .expected_utilization = 40});
}

// replica_calculator_test.go TestReplicaCalcScaleUpIgnoresFailedPods
TEST(HpaConformance, TestReplicaCalcScaleUpIgnoresFailedPods) {
  RunCalc({.current = 2, .expected = 4, .ready = {T, T, F, F},
           .phase = {Phase::kRunning, Phase::kRunning, Phase::kFailed, Phase::kFailed},
           .requests = kOnes4, .levels = {500, 700}, .target_utilization = 30,
           .expected_utilization = 60});
}

// replica_calculator_test.go TestReplicaCalcScaleUpIgnoresDeletionPods
TEST(HpaConformance, TestReplicaCalcScaleUpIgnoresDeletionPods) {
  RunCalc({.current = 2, .expected = 4, .ready = {T, T, F, F},
           .phase = {Phase::kRunning, Phase::kRunning, Phase::kRunning, Phase::kRunning},
           .deleting = {F, F, T, T}, .requests = kOnes4, .levels = {500, 700},
           .target_utilization = 30, .expected_utilization = 60});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCM
TEST(HpaConformance, TestReplicaCalcScaleUpCM) {
  RunCalc({.current = 3, .expected = 4, .levels = {20000, 10000, 30000}, .metric = PodsQps(15000)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale
TEST(HpaConformance, TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale) {
  RunCalc({.current = 3, .expected = 6, .ready = {T, T, F}, .start = {Cool(), Cool(), Hot()},
           .levels = {50000, 10000, 30000}, .metric = PodsQps(15000)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
TEST(HpaConformance, TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown) {
  RunCalc({.current = 3, .expected = 7, .ready = {F, T, F}, .start = {Hot(), Cool(), Hot()},
           .levels = {50000, 15000, 30000}, .metric = PodsQps(15000)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMObject
TEST(HpaConformance, TestReplicaCalcScaleUpCMObject) {
  RunCalc({.current = 3, .expected = 4, .levels = {20000}, .metric = ObjectQps(15000)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMPerPodObject
TEST(HpaConformance, TestReplicaCalcScaleUpCMPerPodObject) {
  RunCalc({.current = 3, .expected = 4, .levels = {20000}, .metric = ObjectQps(5000, true)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods
TEST(HpaConformance, TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods) {
  RunCalc({.current = 3, .expected = 5, .ready = {F, T, F}, .levels = {50000},
           .metric = ObjectQps(10000)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMExternal (a podMetric case upstream)
TEST(HpaConformance, TestReplicaCalcScaleUpCMExternal) {
  RunCalc({.current = 1, .expected = 2, .levels = {8600}, .metric = PodsQps(4400)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods
TEST(HpaConformance, TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods) {
  RunCalc({.current = 3, .expected = 2, .ready = {F, T, F}, .levels = {8600},
           .metric = ExternalQps(4400)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpCMExternalNoLabels
TEST(HpaConformance, TestReplicaCalcScaleUpCMExternalNoLabels) {
  RunCalc({.current = 1, .expected = 2, .levels = {8600}, .metric = PodsQps(4400)});
}

// replica_calculator_test.go TestReplicaCalcScaleUpPerPodCMExternal
TEST(HpaConformance, TestReplicaCalcScaleUpPerPodCMExternal) {
  RunCalc({.current = 3, .expected = 4, .levels = {8600}, .metric = ExternalQps(2150, true)});
}

// replica_calculator_test.go TestReplicaCalcScaleDown
TEST(HpaConformance, TestReplicaCalcScaleDown) {
  RunCalc({.current = 5, .expected = 3, .requests = kOnes5, .levels = {100, 300, 500, 250, 250},
           .target_utilization = 50, .expected_utilization = 28});
}

// replica_calculator_test.go TestReplicaCalcScaleDownCM
TEST(HpaConformance, TestReplicaCalcScaleDownCM) {
  RunCalc({.current = 5, .expected = 3, .levels = {12000, 12000, 12000, 12000, 12000},
           .metric = PodsQps(20000)});
}

// replica_calculator_test.go TestReplicaCalcScaleDownPerPodCMObject
TEST(HpaConformance, TestReplicaCalcScaleDownPerPodCMObject) {
  RunCalc({.current = 5, .expected = 3, .levels = {6000}, .metric = ObjectQps(2000, true)});
}

// replica_calculator_test.go TestReplicaCalcScaleDownCMObject
TEST(HpaConformance, TestReplicaCalcScaleDownCMObject) {
  RunCalc({.current = 5, .expected = 3, .levels = {12000}, .metric = ObjectQps(20000)});
}

// replica_calculator_test.go TestReplicaCalcScaleDownCMExternal
TEST(HpaConformance, TestReplicaCalcScaleDownCMExternal) {
  RunCalc({.current = 5, .expected = 3, .levels = {8600}, .metric = ExternalQps(14334)});
}

// replica_calculator_test.go TestReplicaCalcScaleDownPerPodCMExternal
TEST(HpaConformance, TestReplicaCalcScaleDownPerPodCMExternal) {
  RunCalc({.current = 5, .expected = 3, .levels = {8600}, .metric = ExternalQps(2867, true)});
}

// replica_calculator_test.go TestReplicaCalcScaleDownExcludeUnreadyPods
TEST(HpaConformance, TestReplicaCalcScaleDownExcludeUnreadyPods) {
  RunCalc({.current = 5, .expected = 2, .ready = {T, T, T, F, F}, .requests = kOnes5,
           .levels = {100, 300, 500, 250, 250}, .target_utilization = 50,
           .expected_utilization = 30});
}

// replica_calculator_test.go TestReplicaCalcScaleDownExcludeUnscheduledPods
TEST(HpaConformance, TestReplicaCalcScaleDownExcludeUnscheduledPods) {
  RunCalc({.current = 5, .expected = 1, .ready = {T, F, F, F, F},
           .phase = {Phase::kRunning, Phase::kPending, Phase::kPending, Phase::kPending,
                     Phase::kPending},
           .requests = kOnes5, .levels = {100}, .target_utilization = 50,
           .expected_utilization = 10});
}

// replica_calculator_test.go TestReplicaCalcScaleDownIgnoreHotCpuPods
TEST(HpaConformance, TestReplicaCalcScaleDownIgnoreHotCpuPods) {
  RunCalc({.current = 5, .expected = 2, .start = {Cool(), Cool(), Cool(), Hot(), Hot()},
           .requests = kOnes5, .levels = {100, 300, 500, 250, 250}, .target_utilization = 50,
           .expected_utilization = 30});
}

// replica_calculator_test.go TestReplicaCalcScaleDownIgnoresFailedPods
TEST(HpaConformance, TestReplicaCalcScaleDownIgnoresFailedPods) {
  RunCalc({.current = 5, .expected = 3, .ready = {T, T, T, T, T, F, F},
           .phase = {Phase::kRunning, Phase::kRunning, Phase::kRunning, Phase::kRunning,
                     Phase::kRunning, Phase::kFailed, Phase::kFailed},
           .requests = kOnes7, .levels = {100, 300, 500, 250, 250}, .target_utilization = 50,
           .expected_utilization = 28});
}

// replica_calculator_test.go TestReplicaCalcScaleDownIgnoresDeletionPods
TEST(HpaConformance, TestReplicaCalcScaleDownIgnoresDeletionPods) {
  RunCalc({.current = 5, .expected = 3, .ready = {T, T, T, T, T, F, F},
           .phase = std::vector<Phase>(7, Phase::kRunning), .deleting = {F, F, F, F, F, T, T},
           .requests = kOnes7, .levels = {100, 300, 500, 250, 250}, .target_utilization = 50,
           .expected_utilization = 28});
}

// replica_calculator_test.go TestReplicaCalcTolerance
TEST(HpaConformance, TestReplicaCalcTolerance) {
  RunCalc({.current = 3, .expected = 3, .requests = {0.9, 1.0, 1.1}, .levels = {1010, 1030, 1020},
           .target_utilization = 100, .expected_utilization = 102});
}

// replica_calculator_test.go TestReplicaCalcToleranceCM
TEST(HpaConformance, TestReplicaCalcToleranceCM) {
  RunCalc({.current = 3, .expected = 3, .levels = {20000, 21000, 21000}, .metric = PodsQps(20000)});
}

// replica_calculator_test.go TestReplicaCalcToleranceCMObject
TEST(HpaConformance, TestReplicaCalcToleranceCMObject) {
  RunCalc({.current = 3, .expected = 3, .levels = {20666}, .metric = ObjectQps(20000)});
}

// replica_calculator_test.go TestReplicaCalcTolerancePerPodCMObject
TEST(HpaConformance, TestReplicaCalcTolerancePerPodCMObject) {
  RunCalc({.current = 4, .expected = 4, .levels = {20166}, .metric = ObjectQps(5000, true)});
}

// replica_calculator_test.go TestReplicaCalcToleranceCMExternal
TEST(HpaConformance, TestReplicaCalcToleranceCMExternal) {
  RunCalc({.current = 3, .expected = 3, .levels = {8600}, .metric = ExternalQps(8888)});
}

// replica_calculator_test.go TestReplicaCalcTolerancePerPodCMExternal
TEST(HpaConformance, TestReplicaCalcTolerancePerPodCMExternal) {
  RunCalc({.current = 3, .expected = 3, .levels = {8600}, .metric = ExternalQps(2900, true)});
}

// replica_calculator_test.go TestReplicaCalcSuperfluousMetrics (the two samples for pods that
// do not exist cannot be expressed; upstream ignores them, so the expectation is unchanged)
TEST(HpaConformance, TestReplicaCalcSuperfluousMetrics) {
  RunCalc({.current = 4, .expected = 24, .requests = kOnes4, .levels = {4000, 9500, 3000, 7000},
           .target_utilization = 100, .expected_utilization = 587});
}

// replica_calculator_test.go TestReplicaCalcMissingMetrics
TEST(HpaConformance, TestReplicaCalcMissingMetrics) {
  RunCalc({.current = 4, .expected = 3, .requests = kOnes4, .levels = {400, 95},
           .target_utilization = 100, .expected_utilization = 24});
}

// replica_calculator_test.go TestReplicaCalcEmptyMetrics
TEST(HpaConformance, TestReplicaCalcEmptyMetrics) {
  RunCalc({.current = 4, .requests = kOnes3, .target_utilization = 100,
           .expected_error = "unable to get metrics for resource cpu: no metrics returned from "
                             "resource metrics API"});
}

// replica_calculator_test.go TestReplicaCalcEmptyCPURequest
TEST(HpaConformance, TestReplicaCalcEmptyCPURequest) {
  RunCalc({.current = 1, .levels = {200}, .target_utilization = 100,
           .expected_error = "missing request for"});
}

// replica_calculator_test.go TestPlainMetricReplicaCalcMissingMetricsNoChangeEq
TEST(HpaConformance, TestPlainMetricReplicaCalcMissingMetricsNoChangeEq) {
  RunCalc({.current = 5, .expected = 5, .levels = {20000, 19000, 21000}, .metric = PodsQps(20000)});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeEq
TEST(HpaConformance, TestReplicaCalcMissingMetricsNoChangeEq) {
  RunCalc({.current = 2, .expected = 2, .requests = {1, 1}, .levels = {1000},
           .target_utilization = 100, .expected_utilization = 100});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeGt
TEST(HpaConformance, TestReplicaCalcMissingMetricsNoChangeGt) {
  RunCalc({.current = 2, .expected = 2, .requests = {1, 1}, .levels = {1900},
           .target_utilization = 100, .expected_utilization = 190});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsNoChangeLt
TEST(HpaConformance, TestReplicaCalcMissingMetricsNoChangeLt) {
  RunCalc({.current = 2, .expected = 2, .requests = {1, 1}, .levels = {600},
           .target_utilization = 100, .expected_utilization = 60});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyChange
TEST(HpaConformance, TestReplicaCalcMissingMetricsUnreadyChange) {
  RunCalc({.current = 3, .expected = 3, .ready = {F, T, T}, .requests = kOnes3, .levels = {100, 450},
           .target_utilization = 50, .expected_utilization = 45});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsHotCpuNoChange
TEST(HpaConformance, TestReplicaCalcMissingMetricsHotCpuNoChange) {
  RunCalc({.current = 3, .expected = 3, .start = {Hot(), Cool(), Cool()}, .requests = kOnes3,
           .levels = {100, 450}, .target_utilization = 50, .expected_utilization = 45});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyScaleUp
TEST(HpaConformance, TestReplicaCalcMissingMetricsUnreadyScaleUp) {
  RunCalc({.current = 3, .expected = 4, .ready = {F, T, T}, .requests = kOnes3,
           .levels = {100, 2000}, .target_utilization = 50, .expected_utilization = 200});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsHotCpuScaleUp
TEST(HpaConformance, TestReplicaCalcMissingMetricsHotCpuScaleUp) {
  RunCalc({.current = 3, .expected = 4, .ready = {F, T, T}, .start = {Hot(), Cool(), Cool()},
           .requests = kOnes3, .levels = {100, 2000}, .target_utilization = 50,
           .expected_utilization = 200});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsUnreadyScaleDown
TEST(HpaConformance, TestReplicaCalcMissingMetricsUnreadyScaleDown) {
  RunCalc({.current = 4, .expected = 3, .ready = {F, T, T, T}, .requests = kOnes4,
           .levels = {100, 100, 100}, .target_utilization = 50, .expected_utilization = 10});
}

// replica_calculator_test.go TestReplicaCalcMissingMetricsScaleDownTargetOver100
TEST(HpaConformance, TestReplicaCalcMissingMetricsScaleDownTargetOver100) {
  RunCalc({.current = 4, .expected = 2, .ready = {F, T, T, T}, .requests = {1, 1, 2, 2},
           .levels = {200, 100, 100}, .target_utilization = 300, .expected_utilization = 6});
}

// replica_calculator_test.go TestReplicaCalcDuringRollingUpdateWithMaxSurge
TEST(HpaConformance, TestReplicaCalcDuringRollingUpdateWithMaxSurge) {
  RunCalc({.current = 2, .expected = 2, .phase = std::vector<Phase>(3, Phase::kRunning),
           .requests = kOnes3, .levels = {100, 100}, .target_utilization = 50,
           .expected_utilization = 10});
}

// replica_calculator_test.go TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM
TEST(HpaConformance, TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM) {
  RunCalc({.current = 2, .expected = 2, .phase = std::vector<Phase>(3, Phase::kRunning),
           .levels = {10000, 10000}, .metric = PodsQps(17000)});
}

// The back-calculated case shared by replica_calculator_test.go
// TestReplicaCalcComputedToleranceAlgImplementation and horizontal_test.go
// TestComputedToleranceAlgImplementation.
struct ToleranceAlg {
  int start_pods = 10;
  int64_t total_used = 10 * 150;
  int total_requested = 2 * 10 * 150;
  std::vector<double> requests;  // cores per pod
  ToleranceAlg() {
    const int per_pod = total_requested / start_pods;
    for (int delta : {100, -100, 10, -10, 2, -2, 1, -1, 0, 0}) {
      requests.push_back((per_pod + delta) / 1000.0);
    }
  }
  double requested_to_used() const {
    return static_cast<double>(total_requested / static_cast<int>(total_used));
  }
  int Target(double offset) const {
    const double target = std::fabs(1 / (requested_to_used() * (1 - 0.1))) + offset;
    return static_cast<int>(target * 100);
  }
  int FinalPods() const {
    const double target = std::fabs(1 / (requested_to_used() * (1 - 0.1))) + .01;
    const double used_ratio =
        static_cast<double>(total_used) / (static_cast<double>(total_requested) * target);
    return static_cast<int>(std::ceil(used_ratio * start_pods));
  }
};

// replica_calculator_test.go TestReplicaCalcComputedToleranceAlgImplementation
TEST(HpaConformance, TestReplicaCalcComputedToleranceAlgImplementation) {
  const ToleranceAlg alg;
  CalcCase tc{.current = alg.start_pods,
              .expected = alg.FinalPods(),
              .requests = {},
              .levels = std::vector<int64_t>(10, alg.total_used / 10),
              .target_utilization = alg.Target(.01),
              .expected_utilization = static_cast<int>(alg.total_used * 100 / alg.total_requested)};
  // Upstream gives each of the two containers the whole pod request here (and the per-container
  // level), so pod requests are 2 x the listed quantity like every other calculator case.
  for (double r : alg.requests) tc.requests.push_back(r);
  RunCalc(tc);
  tc.target_utilization = alg.Target(.004);
  tc.expected = alg.start_pods;
  RunCalc(tc);
}

// replica_calculator_test.go TestGroupPods: the classification shows in the decision's reason.
struct GroupCase {
  std::vector<PodView> pods;
  std::string expect;  // substring of the reason
};

void RunGroup(const GroupCase& tc) {
  HpaSpec spec = TestingSpec();
  spec.min_replicas = 1;
  spec.max_replicas = 100;
  spec.behavior = Unlimited();
  spec.metrics = {Cpu(50)};
  HpaPolicy policy(spec);
  FakeMetrics metrics;
  const Decision d = DecideOnce(policy, 1, tc.pods, metrics);
  EXPECT_NE(d.reason.find(tc.expect), std::string::npos) << d.reason;
}

PodView GroupPod(std::string name, Phase phase, TimePoint start, bool ready, TimePoint changed,
                 std::optional<TimePoint> metric_time, Duration window = minutes(1)) {
  PodView p;
  p.name = std::move(name);
  p.phase = phase;
  p.created = start;
  p.ready = ready;
  p.ready_changed = changed;
  if (metric_time) {
    p.cpu_usage = 0.001;  // PodMetric{Value: 1}
    p.metric_time = *metric_time;
  }
  p.metric_window = window;
  return p;
}

// replica_calculator_test.go TestGroupPods "void"
TEST(HpaConformance, TestGroupPods_Void) {
  RunGroup({{}, "no metrics returned"});
}

// replica_calculator_test.go TestGroupPods "count in a ready pod with fresh metrics during
// initialization period - CPU"
TEST(HpaConformance, TestGroupPods_ReadyPodWithFreshMetricsDuringInitialization) {
  RunGroup({{GroupPod("bentham", Phase::kSucceeded, kNow - minutes(1), true, kNow - seconds(30),
                      kNow, seconds(30))},
            "on 1 ready pod"});
}

// replica_calculator_test.go TestGroupPods "unready a ready pod without fresh metrics during
// initialization period - CPU"
TEST(HpaConformance, TestGroupPods_ReadyPodWithoutFreshMetricsDuringInitialization) {
  RunGroup({{GroupPod("bentham", Phase::kSucceeded, kNow - minutes(1), true, kNow - seconds(30),
                      kNow, seconds(60))},
            "0 ready pods (1 unready)"});
}

// replica_calculator_test.go TestGroupPods "unready an unready pod during initialization period - CPU"
TEST(HpaConformance, TestGroupPods_UnreadyPodDuringInitialization) {
  RunGroup({{GroupPod("lucretius", Phase::kSucceeded, kNow - minutes(10), false,
                      kNow - minutes(9) - seconds(54), kZero)},
            "0 ready pods (1 unready)"});
}

// replica_calculator_test.go TestGroupPods "count in a ready pod without fresh metrics after
// initialization period - CPU"
TEST(HpaConformance, TestGroupPods_ReadyPodWithoutFreshMetricsAfterInitialization) {
  RunGroup({{GroupPod("bentham", Phase::kSucceeded, kNow - minutes(3), true, kNow - minutes(3),
                      kNow - minutes(2))},
            "on 1 ready pod"});
}

// replica_calculator_test.go TestGroupPods "count in an unready pod that was ready after
// initialization period - CPU"
TEST(HpaConformance, TestGroupPods_UnreadyPodThatWasReadyAfterInitialization) {
  RunGroup({{GroupPod("lucretius", Phase::kSucceeded, kNow - minutes(10), false, kNow - minutes(9),
                      kZero)},
            "on 1 ready pod"});
}

// replica_calculator_test.go TestGroupPods "unready pod that has never been ready after
// initialization period - CPU" (upstream expects it counted: the transition is exactly at the
// readiness delay, not after it)
TEST(HpaConformance, TestGroupPods_NeverReadyPodAfterInitialization) {
  RunGroup({{GroupPod("lucretius", Phase::kSucceeded, kNow - minutes(10), false,
                      kNow - minutes(9) - seconds(50), kZero)},
            "on 1 ready pod"});
}

// replica_calculator_test.go TestGroupPods "a missing pod"
TEST(HpaConformance, TestGroupPods_MissingPod) {
  // One pod without a sample: nothing to compute from; with a second, sampled pod the missing one
  // shows in the counts (upstream: expectMissingPods {"epicurus"}).
  RunGroup({{GroupPod("epicurus", Phase::kSucceeded, kNow - minutes(3), false, kZero, std::nullopt),
             GroupPod("niccolo", Phase::kSucceeded, kNow - minutes(3), true, kNow - minutes(3), kNow)},
            "on 1 ready pod (1 without metrics)"});
}

// replica_calculator_test.go TestGroupPods "several pods"
TEST(HpaConformance, TestGroupPods_SeveralPods) {
  RunGroup({{GroupPod("lucretius", Phase::kSucceeded, kNow, false, kZero, kZero),
             GroupPod("niccolo", Phase::kSucceeded, kNow - minutes(3), true, kNow - minutes(3), kZero),
             GroupPod("epicurus", Phase::kSucceeded, kNow - minutes(3), false, kZero, std::nullopt)},
            "on 1 ready pod (1 unready, 1 without metrics)"});
}

// replica_calculator_test.go TestGroupPods "pending pods are unreadied" (given a sample so the
// classification is visible; upstream's pod has none)
TEST(HpaConformance, TestGroupPods_PendingPodsAreUnreadied) {
  RunGroup({{GroupPod("unscheduled", Phase::kPending, kZero, false, kZero, kNow)},
            "0 ready pods (1 unready)"});
}

// replica_calculator_test.go TestGroupPods "ignore pods with deletion timestamps"
TEST(HpaConformance, TestGroupPods_IgnorePodsWithDeletionTimestamps) {
  PodView pod = GroupPod("deleted", Phase::kPending, kZero, false, kZero, kZero);
  pod.deleting = true;
  RunGroup({{pod}, "0 ready pods (1 ignored)"});
}

// replica_calculator_test.go TestGroupPods "ignore pods in a failed state"
TEST(HpaConformance, TestGroupPods_IgnorePodsInAFailedState) {
  RunGroup({{GroupPod("failed", Phase::kFailed, kZero, false, kZero, kZero)}, "0 ready pods (1 ignored)"});
}

// ---------------------------------------------------------------------------------------------
// horizontal_test.go harness (testCase.runTest).

struct HCase {
  int min = 0, max = 0, spec_replicas = 0, status_replicas = 0;
  int expected = 0;
  int cpu_target = 0;
  std::vector<HpaMetricSpec> metrics;  // metricsTarget, after the cpu one
  std::optional<HpaScalingRules> up, down;
  std::vector<int64_t> levels;                 // reportedLevels (milli)
  std::optional<std::vector<double>> requests;  // reportedCPURequests (cores per pod)
  std::vector<bool> ready;
  std::vector<TimePoint> start;
  std::vector<Phase> phase;
  std::vector<bool> deleting;
  std::optional<std::vector<HpaRecommendation>> recommendations;  // nil vs []
};

Decision RunH(const HCase& tc) {
  HpaSpec spec = TestingSpec();
  spec.min_replicas = tc.min;
  spec.max_replicas = tc.max;
  if (tc.cpu_target > 0) spec.metrics.push_back(Cpu(tc.cpu_target));
  for (const HpaMetricSpec& m : tc.metrics) spec.metrics.push_back(m);
  if (spec.metrics.empty()) spec.metrics.push_back(Cpu(80));  // never read in those cases
  if (tc.up || tc.down) {
    spec.behavior = HpaBehavior{tc.up.value_or(DefaultHpaScaleUpRules()),
                                tc.down.value_or(DefaultHpaScaleDownRules())};
  }
  HpaPolicy policy(spec);
  if (tc.recommendations) policy.RestoreHistory({.recommendations = tc.recommendations});

  const size_t n = tc.requests ? tc.requests->size() : static_cast<size_t>(tc.status_replicas);
  std::vector<PodView> pods(n);
  int64_t total = 0;
  for (int64_t level : tc.levels) total += level;
  for (size_t i = 0; i < n; ++i) {
    PodView& p = pods[i];
    p.name = "test-pod-" + std::to_string(i);
    p.phase = i < tc.phase.size() ? tc.phase[i] : Phase::kRunning;
    p.ready = i < tc.ready.size() ? tc.ready[i] : true;
    p.created = i < tc.start.size() ? tc.start[i] : kZero;
    p.ready_changed = p.created;
    p.deleting = i < tc.deleting.size() && tc.deleting[i];
    p.cpu_request = tc.requests ? (*tc.requests)[i] : 1.0;
    p.metric_time = kNow;
    p.metric_window = minutes(1);
    if (i < tc.levels.size()) p.cpu_usage = static_cast<double>(tc.levels[i]) / 1000;
  }
  FakeMetrics metrics;
  if (!tc.levels.empty()) {
    const bool object = std::any_of(tc.metrics.begin(), tc.metrics.end(), [](const HpaMetricSpec& m) {
      return m.source == HpaMetricSpec::Source::kObject || m.source == HpaMetricSpec::Source::kExternal;
    });
    // Object/External read levels[0]; Pods read the per-pod levels (their sum, spread again).
    metrics.Set(Metric::kRequestRate,
                static_cast<double>(object ? tc.levels[0] : total) / 1000);
  }
  return DecideOnce(policy, tc.spec_replicas, pods, metrics);
}

void ExpectH(const HCase& tc) {
  const Decision d = RunH(tc);
  EXPECT_EQ(d.desired_replicas, tc.expected) << d.reason;
}

const std::vector<HpaRecommendation> kEmpty{};
const std::vector<double> kVaried3 = {0.9, 1.0, 1.1};

// horizontal_test.go TestScaleUp
TEST(HpaConformance, TestScaleUp) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 5,
           .cpu_target = 30, .levels = {300, 500, 700}, .requests = kOnes3});
}

// horizontal_test.go TestScaleUpUnreadyLessScale
TEST(HpaConformance, TestScaleUpUnreadyLessScale) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .cpu_target = 30, .levels = {300, 500, 700}, .requests = kOnes3, .ready = {F, T, T}});
}

// horizontal_test.go TestScaleUpHotCpuLessScale
TEST(HpaConformance, TestScaleUpHotCpuLessScale) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .cpu_target = 30, .levels = {300, 500, 700}, .requests = kOnes3,
           .start = {Hot(), Cool(), Cool()}});
}

// horizontal_test.go TestScaleUpUnreadyNoScale
TEST(HpaConformance, TestScaleUpUnreadyNoScale) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .cpu_target = 30, .levels = {400, 500, 700}, .requests = kOnes3, .ready = {T, F, F}});
}

// horizontal_test.go TestScaleUpHotCpuNoScale
TEST(HpaConformance, TestScaleUpHotCpuNoScale) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .cpu_target = 30, .levels = {400, 500, 700}, .requests = kOnes3, .ready = {T, F, F},
           .start = {Cool(), Hot(), Hot()}});
}

// horizontal_test.go TestScaleUpIgnoresFailedPods
TEST(HpaConformance, TestScaleUpIgnoresFailedPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 2, .status_replicas = 2, .expected = 4,
           .cpu_target = 30, .levels = {500, 700}, .requests = kOnes4, .ready = {T, T, F, F},
           .phase = {Phase::kRunning, Phase::kRunning, Phase::kFailed, Phase::kFailed}});
}

// horizontal_test.go TestScaleUpIgnoresDeletionPods
TEST(HpaConformance, TestScaleUpIgnoresDeletionPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 2, .status_replicas = 2, .expected = 4,
           .cpu_target = 30, .levels = {500, 700}, .requests = kOnes4, .ready = {T, T, F, F},
           .phase = std::vector<Phase>(4, Phase::kRunning), .deleting = {F, F, T, T}});
}

// horizontal_test.go TestScaleUpDeployment (the scale target kind does not matter here)
TEST(HpaConformance, TestScaleUpDeployment) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 5,
           .cpu_target = 30, .levels = {300, 500, 700}, .requests = kOnes3});
}

// horizontal_test.go TestScaleUpReplicaSet
TEST(HpaConformance, TestScaleUpReplicaSet) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 5,
           .cpu_target = 30, .levels = {300, 500, 700}, .requests = kOnes3});
}

// horizontal_test.go TestScaleUpCM
TEST(HpaConformance, TestScaleUpCM) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {PodsQps(15000)}, .levels = {20000, 10000, 30000}, .requests = kOnes3});
}

// horizontal_test.go TestScaleUpCMUnreadyAndHotCpuNoLessScale
TEST(HpaConformance, TestScaleUpCMUnreadyAndHotCpuNoLessScale) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 6,
           .metrics = {PodsQps(15000)}, .levels = {50000, 10000, 30000}, .requests = kOnes3,
           .ready = {T, T, F}, .start = {Cool(), Cool(), Hot()}});
}

// horizontal_test.go TestScaleUpCMUnreadyandCpuHot
TEST(HpaConformance, TestScaleUpCMUnreadyandCpuHot) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 6,
           .metrics = {PodsQps(15000)}, .levels = {50000, 15000, 30000}, .requests = kOnes3,
           .ready = {F, T, F}, .start = {Hot(), Cool(), Hot()}});
}

// horizontal_test.go TestScaleUpHotCpuNoScaleWouldScaleDown
TEST(HpaConformance, TestScaleUpHotCpuNoScaleWouldScaleDown) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 6,
           .metrics = {PodsQps(15000)}, .levels = {50000, 15000, 30000}, .requests = kOnes3,
           .start = {Hot(), Cool(), Hot()}});
}

// horizontal_test.go TestScaleUpCMObject
TEST(HpaConformance, TestScaleUpCMObject) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {ObjectQps(15000)}, .levels = {20000}});
}

// horizontal_test.go TestScaleUpFromZeroCMObject
TEST(HpaConformance, TestScaleUpFromZeroCMObject) {
  ExpectH({.min = 0, .max = 6, .spec_replicas = 0, .status_replicas = 0, .expected = 2,
           .metrics = {ObjectQps(15000)}, .levels = {20000}});
}

// horizontal_test.go TestScaleUpFromZeroIgnoresToleranceCMObject
TEST(HpaConformance, TestScaleUpFromZeroIgnoresToleranceCMObject) {
  ExpectH({.min = 0, .max = 6, .spec_replicas = 0, .status_replicas = 0, .expected = 1,
           .metrics = {ObjectQps(1000)}, .levels = {1000}});
}

// horizontal_test.go TestScaleUpPerPodCMObject
TEST(HpaConformance, TestScaleUpPerPodCMObject) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {ObjectQps(10000, true)}, .levels = {40000}});
}

// horizontal_test.go TestScaleUpCMExternal
TEST(HpaConformance, TestScaleUpCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {ExternalQps(6666)}, .levels = {8600}});
}

// horizontal_test.go TestScaleUpPerPodCMExternal
TEST(HpaConformance, TestScaleUpPerPodCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {ExternalQps(2222, true)}, .levels = {8600}});
}

// horizontal_test.go TestScaleDown
TEST(HpaConformance, TestScaleDown) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes5,
           .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownWithScalingRules
TEST(HpaConformance, TestScaleDownWithScalingRules) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .cpu_target = 50, .up = Up(0, 0, 100, 15, 30), .levels = {100, 300, 500, 250, 250},
           .requests = kOnes5, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleUpOneMetricInvalid (the "CheddarCheese" metric type cannot be
// written in our specs; a metric without samples fails the same way)
TEST(HpaConformance, TestScaleUpOneMetricInvalid) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .cpu_target = 30, .metrics = {Broken()}, .levels = {300, 400, 500},
           .requests = kOnes3});
}

// horizontal_test.go TestScaleUpFromZeroOneMetricInvalid
TEST(HpaConformance, TestScaleUpFromZeroOneMetricInvalid) {
  ExpectH({.min = 0, .max = 6, .spec_replicas = 0, .status_replicas = 0, .expected = 4,
           .cpu_target = 30, .metrics = {Broken()}, .levels = {300, 400, 500},
           .requests = kOnes3, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleUpBothMetricsEmpty
TEST(HpaConformance, TestScaleUpBothMetricsEmpty) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .metrics = {Broken()}, .requests = kOnes3});
}

// horizontal_test.go TestScaleDownStabilizeInitialSize
TEST(HpaConformance, TestScaleDownStabilizeInitialSize) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 5,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes5});
}

// horizontal_test.go TestScaleDownCM
TEST(HpaConformance, TestScaleDownCM) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .metrics = {PodsQps(20000)}, .levels = {12000, 12000, 12000, 12000, 12000},
           .requests = kOnes5, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownCMObject
TEST(HpaConformance, TestScaleDownCMObject) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .metrics = {ObjectQps(20000)}, .levels = {12000}, .requests = kOnes5,
           .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownToZeroCMObject
TEST(HpaConformance, TestScaleDownToZeroCMObject) {
  ExpectH({.min = 0, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 0,
           .metrics = {ObjectQps(20000)}, .levels = {0}, .requests = kOnes5,
           .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownPerPodCMObject
TEST(HpaConformance, TestScaleDownPerPodCMObject) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .metrics = {ObjectQps(20000, true)}, .levels = {60000}, .requests = kOnes5,
           .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownCMExternal
TEST(HpaConformance, TestScaleDownCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .metrics = {ExternalQps(14400)}, .levels = {8600}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownToZeroCMExternal
TEST(HpaConformance, TestScaleDownToZeroCMExternal) {
  ExpectH({.min = 0, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 0,
           .metrics = {ExternalQps(14400)}, .levels = {0}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownPerPodCMExternal
TEST(HpaConformance, TestScaleDownPerPodCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .metrics = {ExternalQps(3000, true)}, .levels = {8600}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownIncludeUnreadyPods
TEST(HpaConformance, TestScaleDownIncludeUnreadyPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 2,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes5,
           .ready = {T, T, T, F, F}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownIgnoreHotCpuPods
TEST(HpaConformance, TestScaleDownIgnoreHotCpuPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 2,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes5,
           .start = {Cool(), Cool(), Cool(), Hot(), Hot()}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownIgnoresFailedPods
TEST(HpaConformance, TestScaleDownIgnoresFailedPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes7,
           .ready = {T, T, T, T, T, F, F},
           .phase = {Phase::kRunning, Phase::kRunning, Phase::kRunning, Phase::kRunning,
                     Phase::kRunning, Phase::kFailed, Phase::kFailed},
           .recommendations = kEmpty});
}

// horizontal_test.go TestScaleDownIgnoresDeletionPods
TEST(HpaConformance, TestScaleDownIgnoresDeletionPods) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 3,
           .cpu_target = 50, .levels = {100, 300, 500, 250, 250}, .requests = kOnes7,
           .ready = {T, T, T, T, T, F, F}, .phase = std::vector<Phase>(7, Phase::kRunning),
           .deleting = {F, F, F, F, F, T, T}, .recommendations = kEmpty});
}

// horizontal_test.go TestTolerance
TEST(HpaConformance, TestTolerance) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .cpu_target = 100, .levels = {1010, 1030, 1020}, .requests = kVaried3});
}

// horizontal_test.go TestToleranceCM
TEST(HpaConformance, TestToleranceCM) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .metrics = {PodsQps(20000)}, .levels = {20000, 20001, 21000}, .requests = kVaried3});
}

// horizontal_test.go TestToleranceCMObject
TEST(HpaConformance, TestToleranceCMObject) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 3,
           .metrics = {ObjectQps(20000)}, .levels = {20050}, .requests = kVaried3});
}

// horizontal_test.go TestToleranceCMExternal
TEST(HpaConformance, TestToleranceCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 4,
           .metrics = {ExternalQps(8666)}, .levels = {8600}});
}

// horizontal_test.go TestTolerancePerPodCMObject
TEST(HpaConformance, TestTolerancePerPodCMObject) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 4,
           .metrics = {ObjectQps(2200, true)}, .levels = {8600}});
}

// horizontal_test.go TestTolerancePerPodCMExternal
TEST(HpaConformance, TestTolerancePerPodCMExternal) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 4,
           .metrics = {ExternalQps(2200, true)}, .levels = {8600}});
}

// horizontal_test.go TestMinReplicas
TEST(HpaConformance, TestMinReplicas) {
  ExpectH({.min = 2, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 2,
           .cpu_target = 90, .levels = {10, 95, 10}, .requests = kVaried3,
           .recommendations = kEmpty});
}

// horizontal_test.go TestZeroMinReplicasDesiredZero
TEST(HpaConformance, TestZeroMinReplicasDesiredZero) {
  ExpectH({.min = 0, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 0,
           .cpu_target = 90, .levels = {0, 0, 0}, .requests = kVaried3,
           .recommendations = kEmpty});
}

// horizontal_test.go TestMinReplicasDesiredZero
TEST(HpaConformance, TestMinReplicasDesiredZero) {
  ExpectH({.min = 2, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 2,
           .cpu_target = 90, .levels = {0, 0, 0}, .requests = kVaried3,
           .recommendations = kEmpty});
}

// horizontal_test.go TestZeroReplicas
TEST(HpaConformance, TestZeroReplicas) {
  ExpectH({.min = 3, .max = 5, .spec_replicas = 0, .status_replicas = 0, .expected = 0,
           .cpu_target = 90, .requests = std::vector<double>{}});
}

// horizontal_test.go TestTooFewReplicas
TEST(HpaConformance, TestTooFewReplicas) {
  ExpectH({.min = 3, .max = 5, .spec_replicas = 2, .status_replicas = 2, .expected = 3,
           .cpu_target = 90, .requests = std::vector<double>{}});
}

// horizontal_test.go TestTooManyReplicas
TEST(HpaConformance, TestTooManyReplicas) {
  ExpectH({.min = 3, .max = 5, .spec_replicas = 10, .status_replicas = 10, .expected = 5,
           .cpu_target = 90, .requests = std::vector<double>{}});
}

// horizontal_test.go TestMaxReplicas
TEST(HpaConformance, TestMaxReplicas) {
  ExpectH({.min = 2, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 5,
           .cpu_target = 90, .levels = {8000, 9500, 1000}, .requests = kVaried3});
}

// horizontal_test.go TestSuperfluousMetrics (samples for the 2 pods that do not exist cannot be
// expressed; upstream ignores them)
TEST(HpaConformance, TestSuperfluousMetrics) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 6,
           .cpu_target = 100, .levels = {4000, 9500, 3000, 7000}, .requests = kOnes4});
}

// horizontal_test.go TestMissingMetrics
TEST(HpaConformance, TestMissingMetrics) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 3,
           .cpu_target = 100, .levels = {400, 95}, .requests = kOnes4, .recommendations = kEmpty});
}

// horizontal_test.go TestEmptyMetrics
TEST(HpaConformance, TestEmptyMetrics) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 4, .status_replicas = 4, .expected = 4,
           .cpu_target = 100, .requests = kOnes4});
}

// horizontal_test.go TestEmptyCPURequest
TEST(HpaConformance, TestEmptyCPURequest) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 1, .status_replicas = 1, .expected = 1,
           .cpu_target = 100, .levels = {200}, .requests = std::vector<double>{}});
}

// horizontal_test.go TestEventCreated (the replica count; events are not modelled)
TEST(HpaConformance, TestEventCreated) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 1, .status_replicas = 1, .expected = 2,
           .cpu_target = 50, .levels = {200}, .requests = std::vector<double>{0.2}});
}

// horizontal_test.go TestEventNotCreated
TEST(HpaConformance, TestEventNotCreated) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 2, .status_replicas = 2, .expected = 2,
           .cpu_target = 50, .levels = {200, 200}, .requests = std::vector<double>{0.4, 0.4}});
}

// horizontal_test.go TestMissingReports
TEST(HpaConformance, TestMissingReports) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 4, .status_replicas = 4, .expected = 2,
           .cpu_target = 50, .levels = {200}, .requests = std::vector<double>{0.2},
           .recommendations = kEmpty});
}

// horizontal_test.go TestUpscaleCap
TEST(HpaConformance, TestUpscaleCap) {
  ExpectH({.min = 1, .max = 100, .spec_replicas = 3, .status_replicas = 3, .expected = 24,
           .cpu_target = 10, .up = Up(0, 0, 700, 60, 0), .levels = {100, 200, 300},
           .requests = std::vector<double>{0.1, 0.1, 0.1}});
}

// horizontal_test.go TestUpscaleCapGreaterThanMaxReplicas
TEST(HpaConformance, TestUpscaleCapGreaterThanMaxReplicas) {
  ExpectH({.min = 1, .max = 20, .spec_replicas = 3, .status_replicas = 3, .expected = 20,
           .cpu_target = 10, .up = Up(0, 0, 700, 60, 0), .levels = {100, 200, 300},
           .requests = std::vector<double>{0.1, 0.1, 0.1}});
}

// horizontal_test.go TestMoreReplicasThanSpecNoScale
TEST(HpaConformance, TestMoreReplicasThanSpecNoScale) {
  ExpectH({.min = 1, .max = 8, .spec_replicas = 4, .status_replicas = 5, .expected = 4,
           .cpu_target = 50, .levels = {500, 500, 500, 500, 500}, .requests = kOnes5});
}

// horizontal_test.go TestNoBackoffUpscaleCM
TEST(HpaConformance, TestNoBackoffUpscaleCM) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .metrics = {PodsQps(15000)}, .levels = {20000, 10000, 30000}, .requests = kOnes3});
}

// horizontal_test.go TestNoBackoffUpscaleCMNoBackoffCpu
TEST(HpaConformance, TestNoBackoffUpscaleCMNoBackoffCpu) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 3, .status_replicas = 3, .expected = 5,
           .cpu_target = 10, .metrics = {PodsQps(15000)}, .levels = {20000, 10000, 30000},
           .requests = kOnes3});
}

// horizontal_test.go TestStabilizeDownscale
TEST(HpaConformance, TestStabilizeDownscale) {
  ExpectH({.min = 1, .max = 5, .spec_replicas = 4, .status_replicas = 4, .expected = 4,
           .cpu_target = 100, .levels = {50, 50, 50}, .requests = std::vector<double>{0.1, 0.1, 0.1},
           .recommendations = std::vector<HpaRecommendation>{{10, kNow - minutes(10)},
                                                             {4, kNow - minutes(1)}}});
}

// horizontal_test.go TestComputedToleranceAlgImplementation
TEST(HpaConformance, TestComputedToleranceAlgImplementation) {
  const ToleranceAlg alg;
  HCase tc{.min = 0, .max = 1000, .spec_replicas = alg.start_pods,
           .status_replicas = alg.start_pods, .expected = alg.FinalPods(),
           .cpu_target = alg.Target(.01), .levels = std::vector<int64_t>(10, alg.total_used / 10),
           .requests = alg.requests, .recommendations = kEmpty};
  ExpectH(tc);
  tc.cpu_target = alg.Target(.004);
  tc.expected = alg.start_pods;
  ExpectH(tc);
}

// horizontal_test.go TestScaleUpRCImmediately
TEST(HpaConformance, TestScaleUpRCImmediately) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 1, .status_replicas = 1, .expected = 2,
           .levels = {0, 0, 0, 0}, .requests = kOnes4});
}

// horizontal_test.go TestScaleDownRCImmediately
TEST(HpaConformance, TestScaleDownRCImmediately) {
  ExpectH({.min = 2, .max = 5, .spec_replicas = 6, .status_replicas = 6, .expected = 5,
           .cpu_target = 50, .levels = {8000, 9500, 1000}, .requests = kVaried3});
}

// horizontal_test.go TestAvoidUnnecessaryUpdates (the decision only: the HPA it reads has a cpu
// target of 80 and hot pods; the status-update assertion is not modelled)
TEST(HpaConformance, TestAvoidUnnecessaryUpdates) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 2, .status_replicas = 2, .expected = 2,
           .cpu_target = 80, .levels = {400, 500, 700}, .requests = kOnes3,
           .start = {Cool(), Hot(), Hot()}, .recommendations = kEmpty});
}

// horizontal_test.go TestScaleUpOneMetricEmpty
TEST(HpaConformance, TestScaleUpOneMetricEmpty) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 3, .status_replicas = 3, .expected = 4,
           .cpu_target = 30, .metrics = {Broken()}, .levels = {300, 400, 500}, .requests = kOnes3});
}

// horizontal_test.go TestNoScaleDownOneMetricInvalid
TEST(HpaConformance, TestNoScaleDownOneMetricInvalid) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 5,
           .cpu_target = 50, .metrics = {Broken()}, .levels = {100, 300, 500, 250, 250},
           .requests = kOnes5, .recommendations = kEmpty});
}

// horizontal_test.go TestNoScaleDownOneMetricEmpty
TEST(HpaConformance, TestNoScaleDownOneMetricEmpty) {
  ExpectH({.min = 2, .max = 6, .spec_replicas = 5, .status_replicas = 5, .expected = 5,
           .cpu_target = 50, .metrics = {Broken()}, .levels = {100, 300, 500, 250, 250},
           .requests = kOnes5, .recommendations = kEmpty});
}

// ---------------------------------------------------------------------------------------------
// Table tests of the normalisation functions, fed a "prenormalized" desired count.

struct Injected {
  HpaSpec spec;
  HpaHistory history;
  int current = 0;
  int desired = 0;  // prenormalized
};

// An External AverageValue metric (target 1 per pod) whose value is `desired` proposes exactly
// `desired` replicas (ceil(usage / target)); the pod count keeps the ratio out of tolerance.
Decision RunInjected(const Injected& in) {
  HpaSpec spec = in.spec;
  spec.metrics = {{.source = HpaMetricSpec::Source::kExternal,
                   .target = HpaMetricSpec::Target::kAverageValue,
                   .metric = Metric::kRequestRate, .name = "desired", .target_milli = 1000}};
  HpaPolicy policy(spec);
  policy.RestoreHistory(in.history);
  const size_t n = in.desired == 1 ? 3 : 1;
  std::vector<PodView> pods(n);
  for (PodView& p : pods) {
    p.ready = true;
    p.created = kZero;
  }
  FakeMetrics metrics;
  metrics.Set(Metric::kRequestRate, in.desired);
  Observation obs;
  obs.now = kNow;
  obs.current_replicas = in.current;
  obs.min_replicas = 0;
  obs.max_replicas = 100000;
  obs.pods = pods;
  obs.metrics = &metrics;
  Decision d = policy.Decide(obs);
  return d;
}

struct RulesCase {
  const char* name;
  std::vector<HpaScaleEvent> up_events, down_events;
  int min = 0, max = 0;
  std::optional<HpaScalingRules> up, down;
  int current = 0, desired = 0, expected = 0;
};

// horizontal_test.go TestScalingWithRules (convertDesiredReplicasWithBehaviorRate)
TEST(HpaConformance, TestScalingWithRules) {
  const std::vector<RulesCase> cases = {
      {"prenormalized desired replicas within range", {}, {}, 3, 8, {}, {}, 5, 7, 7},
      {"prenormalized desired replicas < minReplicas", {}, {}, 2, 8, {}, {}, 3, 1, 2},
      {"prenormalized desired replicas within range when minReplicas is 0", {}, {}, 0, 10, {}, {}, 1, 0, 0},
      {"maxReplicas is the limit because maxReplicas < scaleUpLimit", {}, {}, 1, 10, {}, {}, 20, 1000, 10},
      {"desired replica count is more than the maximum replica count", {}, {}, 100, 150, {}, {}, 100, 1000, 150},
      {"scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", {}, {}, 1,
       2000, Up(0, 0, 1, 60, 0), {}, 3, 1000, 4},
      {"scaleUp with default behavior", {}, {}, 1, 1000, {}, {}, 10, 50, 20},
      {"scaleUp with pods policy larger than percent policy", {}, {}, 1, 1000, Up(100, 60, 100, 60, 0), {}, 10, 500, 110},
      {"scaleUp with percent policy larger than pods policy", {}, {}, 1, 1000, Up(2, 60, 100, 60, 0), {}, 10, 500, 20},
      {"scaleUp with spec MaxReplicas limitation with large pod policy", {}, {}, 1, 1000, Up(100, 60, 0, 0, 0), {}, 10, 50, 50},
      {"scaleUp with spec MaxReplicas limitation with large percent policy", {}, {}, 1, 1000, Up(10000, 60, 0, 0, 0), {}, 10, 50, 50},
      {"scaleUp with pod policy limitation", {}, {}, 1, 1000, Up(30, 60, 0, 0, 0), {}, 10, 50, 40},
      {"scaleUp with percent policy limitation", {}, {}, 1, 1000, Up(0, 0, 200, 60, 0), {}, 10, 50, 30},
      {"scaleDown with percent policy larger than pod policy", {}, {}, 1, 1000, {}, Down(20, 60, 1, 60, 300), 100, 2, 80},
      {"scaleDown with pod policy larger than percent policy", {}, {}, 1, 1000, {}, Down(2, 60, 1, 60, 300), 100, 2, 98},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy", {}, {}, 1, 1000, {}, Down(100, 60, 0, 0, 300), 10, 0, 1},
      {"scaleDown with spec MinReplicas limitation with large pod policy", {}, {}, 1, 1000, {}, Down(100, 60, 0, 0, 300), 10, 0, 1},
      {"scaleDown with spec MinReplicas limitation with large percent policy", {}, {}, 5, 1000, {}, Down(0, 0, 100, 60, 300), 10, 2, 5},
      {"scaleDown with pod policy limitation", {}, {}, 1, 1000, {}, Down(5, 60, 0, 0, 300), 10, 2, 5},
      {"scaleDown with percent policy limitation", {}, {}, 1, 1000, {}, Down(0, 0, 50, 60, 300), 10, 5, 5},
      {"scaleUp with spec MaxReplicas limitation with large pod policy and events",
       EventsUniform({1, 5, 9}, 120), {}, 1, 200, Up(300, 60, 0, 0, 0), {}, 100, 500, 200},
      {"scaleUp with spec MaxReplicas limitation with large percent policy and events",
       EventsUniform({1, 5, 9}, 120), {}, 1, 200, Up(0, 0, 10000, 60, 0), {}, 100, 500, 200},
      {"scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
       EventsUniform({1, 5, 9}, 120), {}, 1, 1000, Up(5, 120, 0, 0, 0), {}, 100, 500, 100},
      {"scaleUp with pod policy and previous scale up events", EventsUniform({1, 5, 9}, 120), {}, 1,
       1000, Up(150, 120, 0, 0, 0), {}, 100, 500, 235},
      {"scaleUp with percent policy and previous scale up events", EventsUniform({1, 5, 9}, 120), {},
       1, 1000, Up(0, 0, 200, 120, 0), {}, 100, 500, 255},
      {"scaleUp with percent policy and previous scale up and down events", EventsUniform({4}, 120),
       EventsUniform({2}, 120), 1, 1000, Up(0, 0, 300, 300, 0), {}, 6, 24, 16},
      {"scaleDown with default policy and previous events", {}, EventsUniform({1, 5, 9}, 120), 1,
       1000, {}, {}, 10, 5, 5},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", {},
       EventsUniform({1, 5, 9}, 120), 1, 1000, {}, Down(115, 120, 0, 0, 300), 100, 0, 1},
      {"scaleDown with spec MinReplicas limitation with large pod policy and previous events", {},
       EventsUniform({1, 5, 9}, 120), 5, 1000, {}, Down(130, 120, 0, 0, 300), 100, 0, 5},
      {"scaleDown with spec MinReplicas limitation with large percent policy and previous events", {},
       EventsUniform({1, 5, 9}, 120), 5, 1000, {}, Down(0, 0, 100, 120, 300), 100, 2, 5},
      {"scaleDown with pod policy limitation and previous events", {}, EventsUniform({1, 5, 9}, 120),
       1, 1000, {}, Down(5, 120, 0, 0, 300), 100, 2, 100},
      {"scaleDown with percent policy limitation and previous events", {},
       EventsUniform({2, 4, 6}, 120), 1, 1000, {}, Down(0, 0, 50, 120, 300), 100, 0, 56},
      {"scaleDown with percent policy and previous scale up and down events", EventsUniform({2}, 120),
       EventsUniform({4}, 120), 1, 1000, {}, Down(0, 0, 50, 180, 0), 10, 1, 6},
      {"scaleDown with previous events preventing further scale down", {},
       EventsUniform({10, 10, 10}, 120), 1, 1000, {}, Down(0, 0, 10, 120, 300), 100, 0, 100},
      {"scaleDown with with previous events still allowing more scale down", {},
       EventsUniform({10, 10, 10}, 120), 1, 1000, {}, Down(0, 0, 1000, 120, 300), 10, 5, 5},
      {"check 'outdated' flag for events for one behavior for up", EventsUniform({8, 12, 9, 11}, 120),
       {}, 1, 1000, Up(1000, 60, 0, 0, 0), {}, 100, 200, 200},
      {"check that events were not marked 'outdated' for two different policies in the behavior for up",
       EventsUniform({8, 12, 9, 11}, 120), {}, 1, 1000, Up(1000, 120, 100, 60, 0), {}, 100, 200, 200},
      {"check that events were marked 'outdated' for two different policies in the behavior for up",
       EventsUniform({8, 12, 9, 11}, 120), {}, 1, 1000, Up(1000, 30, 100, 60, 0), {}, 100, 200, 200},
      {"check 'outdated' flag for events for one behavior for down", {},
       EventsUniform({8, 12, 9, 11}, 120), 1, 1000, {}, Down(1000, 60, 0, 0, 300), 100, 5, 5},
      {"check that events were not marked 'outdated' for two different policies in the behavior for down",
       {}, EventsUniform({8, 12, 9, 11}, 120), 1, 1000, {}, Down(1000, 120, 100, 60, 300), 100, 5, 5},
      {"check that events were marked 'outdated' for two different policies in the behavior for down",
       {}, EventsUniform({8, 12, 9, 11}, 120), 1, 1000, {}, Down(1000, 30, 100, 60, 300), 100, 5, 5},
  };
  for (const RulesCase& tc : cases) {
    SCOPED_TRACE(tc.name);
    Injected in{.spec = TestingSpec(), .current = tc.current, .desired = tc.desired};
    in.spec.min_replicas = tc.min;
    in.spec.max_replicas = tc.max;
    in.spec.behavior = HpaBehavior{tc.up.value_or(DefaultHpaScaleUpRules()),
                                   tc.down.value_or(DefaultHpaScaleDownRules())};
    in.history = {.recommendations = std::vector<HpaRecommendation>{},
                  .scale_up_events = tc.up_events,
                  .scale_down_events = tc.down_events};
    const Decision d = RunInjected(in);
    EXPECT_EQ(d.desired_replicas, tc.expected) << d.reason;
  }
}

// horizontal_test.go TestConvertDesiredReplicasWithRules (no behavior: the legacy rules)
TEST(HpaConformance, TestConvertDesiredReplicasWithRules) {
  struct Case {
    int current, desired, min, max, expected;
    const char* annotation;
  };
  const int scale_up_limit_3 = 24;  // calculateScaleUpLimit(3) with the tests' factor 8
  for (const Case& tc : std::vector<Case>{
           {5, 7, 3, 8, 7, "prenormalized desired replicas within range"},
           {3, 1, 2, 8, 2, "prenormalized desired replicas < minReplicas"},
           {1, 0, 0, 10, 0, "prenormalized desired zeroed replicas within range"},
           {20, 1000, 1, 10, 10, "maxReplicas is the limit because maxReplicas < scaleUpLimit"},
           {3, 1000, 1, 2000, scale_up_limit_3,
            "scaleUpLimit is the limit because scaleUpLimit < maxReplicas"}}) {
    SCOPED_TRACE(tc.annotation);
    Injected in{.spec = TestingSpec(), .current = tc.current, .desired = tc.desired};
    in.spec.min_replicas = tc.min;
    in.spec.max_replicas = tc.max;
    in.history.recommendations = std::vector<HpaRecommendation>{};
    EXPECT_EQ(RunInjected(in).desired_replicas, tc.expected);
  }
}

// horizontal_test.go TestCalculateScaleUpLimitWithScalingRules
TEST(HpaConformance, TestCalculateScaleUpLimitWithScalingRules) {
  Injected in{.spec = TestingSpec(), .current = 1, .desired = 1000};
  in.spec.min_replicas = 1;
  in.spec.max_replicas = 10000;
  in.spec.behavior = HpaBehavior{
      Rules(300, HpaScalingRules::Select::kMin,
            {{HpaScalingPolicy::Type::kPods, 2, 60}, {HpaScalingPolicy::Type::kPercent, 50, 60}}),
      DefaultHpaScaleDownRules()};
  in.history.recommendations = std::vector<HpaRecommendation>{};
  EXPECT_EQ(RunInjected(in).desired_replicas, 2);
}

// horizontal_test.go TestCalculateScaleDownLimitWithBehaviors
TEST(HpaConformance, TestCalculateScaleDownLimitWithBehaviors) {
  Injected in{.spec = TestingSpec(), .current = 5, .desired = 1};
  in.spec.min_replicas = 1;
  in.spec.max_replicas = 10000;
  in.spec.behavior = HpaBehavior{
      DefaultHpaScaleUpRules(),
      Rules(300, HpaScalingRules::Select::kMin,
            {{HpaScalingPolicy::Type::kPods, 2, 60}, {HpaScalingPolicy::Type::kPercent, 50, 60}})};
  in.history.recommendations = std::vector<HpaRecommendation>{};
  EXPECT_EQ(RunInjected(in).desired_replicas, 3);
}

std::vector<int> RecommendationValues(const HpaPolicy& policy) {
  std::vector<int> out;
  for (const HpaRecommendation& r : *policy.history().recommendations) out.push_back(r.replicas);
  return out;
}

// horizontal_test.go TestNormalizeDesiredReplicas (legacy stabilizeRecommendation)
TEST(HpaConformance, TestNormalizeDesiredReplicas) {
  struct Case {
    const char* name;
    std::vector<HpaRecommendation> recommendations;
    int prenormalized, expected;
    size_t log_length;
  };
  for (const Case& tc : std::vector<Case>{
           {"empty log", {}, 5, 5, 1},
           {"stabilize", {{4, kNow - minutes(2)}, {5, kNow - minutes(1)}}, 3, 5, 3},
           {"no stabilize", {{1, kNow - minutes(2)}, {2, kNow - minutes(1)}}, 3, 3, 3},
           {"no stabilize - old recommendations",
            {{10, kNow - minutes(10)}, {9, kNow - minutes(9)}}, 3, 3, 2},
           {"stabilize - old recommendations",
            {{10, kNow - minutes(10)}, {4, kNow - minutes(1)}, {5, kNow - minutes(2)},
             {9, kNow - minutes(9)}},
            3, 5, 4}}) {
    SCOPED_TRACE(tc.name);
    HpaSpec spec = TestingSpec();
    spec.min_replicas = 1;
    spec.max_replicas = 100;
    spec.metrics = {{.source = HpaMetricSpec::Source::kExternal,
                     .target = HpaMetricSpec::Target::kAverageValue,
                     .metric = Metric::kRequestRate, .name = "desired", .target_milli = 1000}};
    HpaPolicy policy(spec);
    policy.RestoreHistory({.recommendations = tc.recommendations});
    std::vector<PodView> pods(1);
    pods[0].ready = true;
    FakeMetrics metrics;
    metrics.Set(Metric::kRequestRate, tc.prenormalized);
    const Decision d = DecideOnce(policy, 10, pods, metrics);
    EXPECT_EQ(d.desired_replicas, tc.expected) << d.reason;
    EXPECT_EQ(policy.history().recommendations->size(), tc.log_length);
  }
}

// horizontal_test.go TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors)
TEST(HpaConformance, TestNormalizeDesiredReplicasWithBehavior) {
  struct Case {
    const char* name;
    std::vector<HpaRecommendation> recommendations;
    int current, prenormalized, expected;
    std::vector<int> expected_recommendations;  // empty: not checked
    int up_window = 0, down_window = 0;
  };
  const std::vector<Case> cases = {
      {"empty recommendations for scaling down", {}, 100, 5, 5, {5}},
      {"simple scale down stabilization", {{4, kNow - minutes(2)}, {5, kNow - minutes(1)}}, 100, 3, 5,
       {4, 5, 3}, 0, 180},
      {"simple scale up stabilization", {{4, kNow - minutes(2)}, {5, kNow - minutes(1)}}, 1, 7, 4,
       {4, 5, 7}, 300, 0},
      {"no scale down stabilization", {{1, kNow - minutes(2)}, {2, kNow - minutes(1)}}, 100, 3, 3,
       {1, 2, 3}, 300, 0},
      {"no scale up stabilization", {{4, kNow - minutes(2)}, {5, kNow - minutes(1)}}, 1, 3, 3,
       {4, 5, 3}, 0, 300},
      {"no scale down stabilization, reuse recommendation element",
       {{10, kNow - minutes(10)}, {9, kNow - minutes(9)}}, 100, 3, 3, {10, 3}},
      {"no scale up stabilization, reuse recommendation element",
       {{10, kNow - minutes(10)}, {9, kNow - minutes(9)}}, 1, 100, 100, {10, 100}},
      {"scale down stabilization, reuse one of obsolete recommendation element",
       {{10, kNow - minutes(10)}, {4, kNow - minutes(1)}, {5, kNow - minutes(2)}, {9, kNow - minutes(9)}},
       100, 3, 5, {10, 4, 5, 3}, 0, 180},
      {"scale up stabilization, reuse one of obsolete recommendation element",
       {{10, kNow - minutes(100)}, {6, kNow - minutes(1)}, {5, kNow - minutes(2)}, {9, kNow - minutes(3)}},
       1, 100, 5, {100, 6, 5, 9}, 300, 0},
      {"scale up and down stabilization, do not scale up when prenormalized rec goes down",
       {{2, kNow - minutes(100)}, {3, kNow - minutes(3)}}, 2, 1, 2, {}, 300, 300},
      {"scale up and down stabilization, do not scale down when prenormalized rec goes up",
       {{2, kNow - minutes(100)}, {1, kNow - minutes(3)}}, 2, 3, 2, {}, 300, 300},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    // The upstream case exercises stabilisation alone; rate policies that never bind stand in for
    // its (unset) policies.
    Injected in{.spec = TestingSpec(), .current = tc.current, .desired = tc.prenormalized};
    in.spec.min_replicas = 1;
    in.spec.max_replicas = 10000;
    HpaBehavior b = Unlimited();
    b.scale_up.stabilization_window_seconds = tc.up_window;
    b.scale_down.stabilization_window_seconds = tc.down_window;
    in.spec.behavior = b;
    in.history.recommendations = tc.recommendations;
    HpaSpec spec = in.spec;
    spec.metrics = {{.source = HpaMetricSpec::Source::kExternal,
                     .target = HpaMetricSpec::Target::kAverageValue,
                     .metric = Metric::kRequestRate, .name = "desired", .target_milli = 1000}};
    HpaPolicy policy(spec);
    policy.RestoreHistory(in.history);
    std::vector<PodView> pods(tc.prenormalized == 1 ? 3 : 1);
    for (PodView& p : pods) p.ready = true;
    FakeMetrics metrics;
    metrics.Set(Metric::kRequestRate, tc.prenormalized);
    const Decision d = DecideOnce(policy, tc.current, pods, metrics);
    EXPECT_EQ(d.desired_replicas, tc.expected) << d.reason;
    if (!tc.expected_recommendations.empty()) {
      EXPECT_EQ(RecommendationValues(policy), tc.expected_recommendations);
    }
  }
}

}  // namespace
}  // namespace forescale::policy
