// Our own tests of the HPA policy: the policy file formats, the reasons it gives, and behaviour
// over several sync periods (the upstream ports in hpa_conformance_test.cc check single decisions).
#include "policy/hpa.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/yaml_config.h"
#include "policy/internal/factories.h"
#include "policy/internal/fake_metrics.h"

namespace forescale::policy {
namespace {

using internal::FakeMetrics;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint{} + seconds(1704067200);

Result<HpaSpec> Parse(const std::string& yaml, PolicyContext context = {.min_replicas = 1,
                                                                        .max_replicas = 10}) {
  auto root = LoadYamlText(yaml, "test.yaml");
  if (!root) return std::unexpected(root.error());
  return ParseHpaSpec(&*root, YamlConfig("test.yaml"), context);
}

std::string ErrorOf(const std::string& yaml) {
  auto spec = Parse(yaml);
  return spec ? std::string("no error") : spec.error().message();
}

// `n` long-running ready pods at `cpu` cores of a 1-core request.
std::vector<PodView> Pods(int n, double cpu) {
  std::vector<PodView> pods(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    PodView& p = pods[static_cast<size_t>(i)];
    p.name = "pod-" + std::to_string(i);
    p.created = kT0 - minutes(30);
    p.ready = true;
    p.ready_changed = kT0 - minutes(29);
    p.cpu_usage = cpu;
    p.metric_time = kT0;
  }
  return pods;
}

Observation Obs(TimePoint now, int current, const std::vector<PodView>& pods,
                const MetricSource& metrics) {
  Observation obs;
  obs.now = now;
  obs.current_replicas = current;
  obs.ready_replicas = current;
  obs.min_replicas = 1;
  obs.max_replicas = 1000;
  obs.pods = pods;
  obs.metrics = &metrics;
  return obs;
}

TEST(Hpa, ExampleFileLoadsWithTheDocumentedDefaults) {
  PolicyContext context{.min_replicas = 1, .max_replicas = 10};
  auto policy = LoadPolicy(std::string(FORESCALE_SOURCE_DIR) + "/examples/policies/hpa.yaml", context);
  ASSERT_TRUE(policy) << policy.error().message();
  EXPECT_EQ((*policy)->kind(), "hpa");
  EXPECT_EQ((*policy)->interval(), seconds(15));
  const auto* hpa = dynamic_cast<const HpaPolicy*>(policy->get());
  ASSERT_NE(hpa, nullptr);
  EXPECT_EQ(hpa->spec().min_replicas, 1);
  EXPECT_EQ(hpa->spec().max_replicas, 200);
  ASSERT_EQ(hpa->spec().metrics.size(), 1u);
  EXPECT_EQ(hpa->spec().metrics[0].average_utilization, 60);
  ASSERT_TRUE(hpa->spec().behavior);
  EXPECT_EQ(hpa->spec().behavior->scale_down.stabilization_window_seconds, 300);
  EXPECT_EQ(hpa->spec().behavior->scale_up.policies.size(), 2u);
}

TEST(Hpa, PolicyByNameTakesBoundsAndTargetFromTheContext) {
  PolicyContext context{.min_replicas = 2, .max_replicas = 40, .target_utilisation = 0.7};
  auto policy = LoadPolicy("hpa", context);
  ASSERT_TRUE(policy) << policy.error().message();
  const auto& spec = dynamic_cast<const HpaPolicy&>(**policy).spec();
  EXPECT_EQ(spec.min_replicas, 2);
  EXPECT_EQ(spec.max_replicas, 40);
  ASSERT_EQ(spec.metrics.size(), 1u);
  EXPECT_EQ(spec.metrics[0].average_utilization, 70);
  EXPECT_FALSE(spec.behavior);  // the controller's own defaults, as an HPA without behavior
}

TEST(Hpa, AcceptsAPastedKubernetesManifest) {
  auto spec = Parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 30
  metrics:
    - type: Pods
      pods:
        metric: {name: requests_per_second}
        target: {type: AverageValue, averageValue: 500m}
  behavior:
    scaleUp:
      policies: [{type: Pods, value: 2, periodSeconds: 60}]
)");
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->min_replicas, 1);  // the API server's default
  EXPECT_EQ(spec->max_replicas, 30);
  ASSERT_EQ(spec->metrics.size(), 1u);
  EXPECT_EQ(spec->metrics[0].metric, Metric::kRequestRate);
  EXPECT_EQ(spec->metrics[0].target_milli, 500);
  ASSERT_TRUE(spec->behavior);
  EXPECT_EQ(spec->behavior->scale_up.policies.size(), 1u);
  EXPECT_EQ(spec->behavior->scale_up.stabilization_window_seconds, 0);      // defaulted
  EXPECT_EQ(spec->behavior->scale_down.policies.size(), 1u);               // defaulted
  EXPECT_FALSE(spec->behavior->scale_down.stabilization_window_seconds);   // controller flag
}

TEST(Hpa, ManifestFileLoadsThroughLoadPolicy) {
  const auto path = std::filesystem::temp_directory_path() / "forescale_hpa_manifest_test.yaml";
  std::ofstream(path) << "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                         "spec: {minReplicas: 2, maxReplicas: 9}\n";
  auto policy = LoadPolicy(path.string(), PolicyContext{});
  std::filesystem::remove(path);
  ASSERT_TRUE(policy) << policy.error().message();
  EXPECT_EQ((*policy)->kind(), "hpa");
  EXPECT_EQ(dynamic_cast<const HpaPolicy&>(**policy).spec().max_replicas, 9);
}

TEST(Hpa, ManifestWithoutMetricsGetsTheApiDefaultOf80PercentCpu) {
  auto spec = Parse("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 5}\n");
  ASSERT_TRUE(spec) << spec.error().message();
  ASSERT_EQ(spec->metrics.size(), 1u);
  EXPECT_EQ(spec->metrics[0].average_utilization, 80);
}

TEST(Hpa, UnknownKeysNameFileLineAndKey) {
  EXPECT_EQ(ErrorOf("kind: hpa\nbehavior:\n  scaleDown:\n    stabilisationWindowSeconds: 60\n")
                .rfind("test.yaml:4: behavior.scaleDown.stabilisationWindowSeconds: unknown key", 0),
            0u)
      << ErrorOf("kind: hpa\nbehavior:\n  scaleDown:\n    stabilisationWindowSeconds: 60\n");
  EXPECT_NE(ErrorOf("kind: hpa\nmaxReplica: 3\n").find("test.yaml:2: maxReplica: unknown key"),
            std::string::npos);
}

TEST(Hpa, ImpossibleValuesAreErrors) {
  EXPECT_NE(ErrorOf("kind: hpa\nminReplicas: 5\nmaxReplicas: 2\n").find("maxReplicas: must be >= minReplicas"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nbehavior: {scaleDown: {stabilizationWindowSeconds: -1}}\n")
                .find("behavior.scaleDown.stabilizationWindowSeconds: must be between 0 and 3600"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nmetrics: [{type: Pods, pods: {metric: {name: qps}, "
                    "target: {type: AverageValue, averageValue: 10}}}]\n")
                .find("metrics[0].pods.metric.name: unknown metric 'qps'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nmetrics: [{type: Resource, resource: {name: memory, "
                    "target: {type: Utilization, averageUtilization: 50}}}]\n")
                .find("not modelled"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nmetrics: [{type: Resource, resource: {name: cpu, "
                    "target: {type: Value, value: 1}}}]\n")
                .find("target type 'Value' not valid here"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nminReplicas: 0\n").find("needs at least one Object or External metric"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nbehavior: {scaleUp: {selectPolicy: Fastest}}\n").find("expected Max, Min or Disabled"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\nbehavior: {scaleUp: {policies: []}}\n").find("non-empty list"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: hpa\ntolerance: 1.5\n").find("tolerance: must be in [0, 1)"), std::string::npos);
}

TEST(Hpa, CpuAverageValueTargetReadsKubernetesQuantities) {
  auto spec = Parse("kind: hpa\nmetrics: [{type: Resource, resource: {name: cpu, "
                    "target: {type: AverageValue, averageValue: 500m}}}]\n");
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->metrics[0].target, HpaMetricSpec::Target::kAverageValue);
  EXPECT_EQ(spec->metrics[0].target_milli, 500);
}

TEST(Hpa, ReasonShowsTheMetricAndTheLimitingPolicy) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100,
                 .metrics = {HpaMetricSpec::CpuUtilization(60)}, .behavior = HpaBehavior{}});
  const auto pods = Pods(2, 1.8);  // 180 % of request, target 60 %: x3
  FakeMetrics metrics;
  const Decision d = hpa.Decide(Obs(kT0, 2, pods, metrics));
  EXPECT_EQ(d.desired_replicas, 6);  // 2 + 4 pods beats 2 x 100 %
  EXPECT_EQ(d.reason, "cpu 180% of 60% target on 2 ready pods -> 6");
  const auto busier = Pods(2, 3.0);  // 300 %: wants 10, limited to 6
  HpaPolicy hpa2({.min_replicas = 1, .max_replicas = 100,
                  .metrics = {HpaMetricSpec::CpuUtilization(60)}, .behavior = HpaBehavior{}});
  const Decision limited = hpa2.Decide(Obs(kT0, 2, busier, metrics));
  EXPECT_EQ(limited.desired_replicas, 6);
  EXPECT_EQ(limited.reason,
            "cpu 300% of 60% target on 2 ready pods -> 10; scale-up limited to 6 by policy Pods 4/15s");
}

TEST(Hpa, WithinToleranceKeepsTheCurrentCount) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100, .metrics = {HpaMetricSpec::CpuUtilization(60)}});
  const auto pods = Pods(4, 0.63);
  FakeMetrics metrics;
  const Decision d = hpa.Decide(Obs(kT0, 4, pods, metrics));
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_NE(d.reason.find("within tolerance"), std::string::npos) << d.reason;
}

TEST(Hpa, DefaultBehaviourDoublesOrAddsFourPerSyncPeriod) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 1000,
                 .metrics = {HpaMetricSpec::CpuUtilization(50)}, .behavior = HpaBehavior{}});
  FakeMetrics metrics;
  int replicas = 1;
  std::vector<int> seen;
  for (int step = 0; step < 5; ++step) {
    const auto pods = Pods(replicas, 1.0);  // 100 % of a 50 % target: wants x2
    const Decision d = hpa.Decide(Obs(kT0 + seconds(15 * step), replicas, pods, metrics));
    replicas = d.desired_replicas;
    seen.push_back(replicas);
  }
  // Doubling is always within the larger of +4 pods and +100 % per 15 s.
  EXPECT_EQ(seen, (std::vector<int>{2, 4, 8, 16, 32}));
}

TEST(Hpa, ScaleUpRateCountsEventsInsideThePeriod) {
  // 500 % of a 50 % target wants x10; Pods 4 / 60 s allows +4 per minute whatever the sync period.
  HpaBehavior behavior;
  behavior.scale_up.policies = {{HpaScalingPolicy::Type::kPods, 4, 60}};
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 1000,
                 .metrics = {HpaMetricSpec::CpuUtilization(50)}, .behavior = behavior});
  FakeMetrics metrics;
  int replicas = 1;
  std::vector<int> seen;
  for (int step = 0; step < 6; ++step) {
    const auto pods = Pods(replicas, 5.0);
    replicas = hpa.Decide(Obs(kT0 + seconds(15 * step), replicas, pods, metrics)).desired_replicas;
    seen.push_back(replicas);
  }
  EXPECT_EQ(seen, (std::vector<int>{5, 5, 5, 5, 9, 9}));
  EXPECT_EQ(hpa.history().scale_up_events.size(), 2u);
}

TEST(Hpa, FreshHpaWaitsOutTheScaleDownWindow) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100, .metrics = {HpaMetricSpec::CpuUtilization(50)}});
  FakeMetrics metrics;
  const auto pods = Pods(10, 0.1);  // 10 % of a 50 % target: wants 2
  Duration first_drop{};
  for (int step = 0; step <= 40; ++step) {
    const Duration t = seconds(15 * step);
    const Decision d = hpa.Decide(Obs(kT0 + t, 10, pods, metrics));
    if (d.desired_replicas < 10) {
      first_drop = t;
      EXPECT_EQ(d.desired_replicas, 2) << d.reason;
      break;
    }
    EXPECT_NE(d.reason.find("scale-down stabilised at 10"), std::string::npos) << d.reason;
  }
  // The first-reconcile recommendation (10) stays in the 5 minute window until it is older
  // than 5 minutes: the first sync after 300 s.
  EXPECT_EQ(first_drop, seconds(315));
}

TEST(Hpa, PodsMetricSpreadsRequestRateOverReadyPods) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100,
                 .metrics = {{.source = HpaMetricSpec::Source::kPods,
                              .target = HpaMetricSpec::Target::kAverageValue,
                              .metric = Metric::kRequestRate, .name = "requests_per_second",
                              .target_milli = 50000}}});
  FakeMetrics metrics;
  metrics.Set(Metric::kRequestRate, 300);  // 100 rps per pod, target 50
  const auto pods = Pods(3, 0.5);
  const Decision d = hpa.Decide(Obs(kT0, 3, pods, metrics));
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_EQ(d.reason, "requests_per_second 100 per pod (target 50) on 3 ready pods -> 6");
}

TEST(Hpa, LargestProposalWinsAcrossMetrics) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100,
                 .metrics = {HpaMetricSpec::CpuUtilization(50),
                             {.source = HpaMetricSpec::Source::kExternal,
                              .target = HpaMetricSpec::Target::kValue,
                              .metric = Metric::kLatencyP95, .name = "latency_p95",
                              .target_milli = 200}}});
  FakeMetrics metrics;
  metrics.Set(Metric::kLatencyP95, 0.5);  // 2.5 x the 200 ms target on 4 ready pods: 10
  const auto pods = Pods(4, 0.6);        // cpu: 60 % of 50 % -> 5
  const Decision d = hpa.Decide(Obs(kT0, 4, pods, metrics));
  // The larger proposal (10) wins, then the behaviour-less cap of max(2 x current, 4) applies.
  EXPECT_EQ(d.desired_replicas, 8);
  EXPECT_NE(d.reason.find("latency_p95 0.5 (target 0.2) x 4 ready pods -> 10"), std::string::npos)
      << d.reason;
  EXPECT_NE(d.reason.find("scale-up limited to 8 (max(2 x current, 4))"), std::string::npos)
      << d.reason;
}

TEST(Hpa, MetricsWithoutSamplesNeverScaleDown) {
  HpaPolicy hpa({.min_replicas = 1, .max_replicas = 100,
                 .metrics = {{.source = HpaMetricSpec::Source::kExternal,
                              .target = HpaMetricSpec::Target::kValue,
                              .metric = Metric::kRequestRate, .name = "requests_per_second",
                              .target_milli = 1000}}});
  FakeMetrics metrics;  // nothing delivered yet
  const auto pods = Pods(5, 0.1);
  const Decision d = hpa.Decide(Obs(kT0, 5, pods, metrics));
  EXPECT_EQ(d.desired_replicas, 5);
  EXPECT_NE(d.reason.find("invalid metrics (1 invalid out of 1)"), std::string::npos) << d.reason;
}

TEST(Hpa, HistoryCanBeSavedAndRestored) {
  HpaSpec spec{.min_replicas = 1, .max_replicas = 100,
               .metrics = {HpaMetricSpec::CpuUtilization(50)}};
  HpaPolicy first(spec);
  FakeMetrics metrics;
  const auto pods = Pods(10, 0.1);
  EXPECT_EQ(first.Decide(Obs(kT0, 10, pods, metrics)).desired_replicas, 10);
  HpaPolicy restarted(spec);
  restarted.RestoreHistory(first.history());
  // Restarted controller keeps the window that began before the restart.
  EXPECT_EQ(restarted.Decide(Obs(kT0 + seconds(315), 10, pods, metrics)).desired_replicas, 2);
}

}  // namespace
}  // namespace forescale::policy
