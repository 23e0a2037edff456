// KEDA ScaledObjects (keda.h): the KEDA documentation's own examples parse, and the policy
// scales as KEDA + its HPA do — prometheus thresholds, cron windows in a time zone, activation
// from and deactivation to zero, idle replicas, cached metrics — with the warnings and errors
// of kubernetes.h. Documentation examples are copied verbatim with their kedacore/keda-docs path.
#include "policy/keda.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "policy/internal/fake_metrics.h"
#include "policy/internal/time_zone.h"
#include "policy/kubernetes.h"

namespace forescale::policy {
namespace {

using internal::FakeMetrics;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

TimePoint At(const char* text) { return *ParseRfc3339(text); }

std::string Tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("forescale_keda_" + name)).string();
}

struct Loaded {
  Result<std::unique_ptr<Policy>> policy =
      std::unexpected(Error(ErrorCode::kInternal, "not loaded"));
  std::vector<std::string> warnings;
  std::string error() const { return policy ? "no error" : policy.error().message(); }
  KedaPolicy& keda() const { return dynamic_cast<KedaPolicy&>(**policy); }
};

Loaded Load(const std::string& name, const std::string& text) {
  const std::string path = Tmp(name);
  std::ofstream(path) << text;
  Loaded out;
  PolicyContext context{.min_replicas = 0, .max_replicas = 200};
  context.warnings = &out.warnings;
  out.policy = LoadPolicy(path, context);
  std::filesystem::remove(path);
  return out;
}

// A world where every replica asked for is ready at once: the time line of the two loops.
class World {
 public:
  World(Policy& policy, int replicas, TimePoint start)
      : policy_(policy), replicas_(replicas), now_(start) {}
  FakeMetrics& metrics() { return metrics_; }
  int replicas() const { return replicas_; }
  TimePoint now() const { return now_; }
  // Calls the policy every interval for `span`; returns the last decision.
  Decision Run(Duration span) {
    Decision d;
    const TimePoint end = now_ + span;
    while (now_ < end) {
      d = Step();
      now_ += policy_.interval();
    }
    return d;
  }
  Decision Step() {
    std::vector<PodView> pods(static_cast<size_t>(replicas_));
    for (size_t i = 0; i < pods.size(); ++i) {
      pods[i].name = "pod-" + std::to_string(i);
      pods[i].created = now_ - hours(1);
      pods[i].ready = true;
      pods[i].ready_changed = now_ - hours(1);
      pods[i].cpu_usage = cpu_per_pod_;
      pods[i].metric_time = now_;
    }
    Observation obs;
    obs.now = now_;
    obs.current_replicas = replicas_;
    obs.ready_replicas = replicas_;
    obs.min_replicas = 0;
    obs.max_replicas = 200;
    obs.pods = pods;
    obs.metrics = &metrics_;
    Decision d = policy_.Decide(obs);
    replicas_ = d.desired_replicas;
    return d;
  }
  void set_cpu_per_pod(double cores) { cpu_per_pod_ = cores; }
  void Advance(Duration d) { now_ += d; }

 private:
  Policy& policy_;
  FakeMetrics metrics_;
  int replicas_;
  TimePoint now_;
  double cpu_per_pod_ = 0.5;
};

// kedacore/keda-docs content/docs/2.15/scalers/prometheus.md, "Examples".
constexpr const char* kPrometheusExample = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: prometheus-scaledobject
  namespace: default
spec:
  scaleTargetRef:
    name: my-deployment
  triggers:
  - type: prometheus
    metadata:
      serverAddress: http://<prometheus-host>:9090
      threshold: '100'
      query: sum(rate(http_requests_total{deployment="my-deployment"}[2m]))
)";

// kedacore/keda-docs content/docs/2.15/scalers/prometheus.md, "Example: Bearer Authentication".
constexpr const char* kPrometheusBearerExample = R"(apiVersion: v1
kind: Secret
metadata:
  name: keda-prom-secret
  namespace: default
data:
  bearerToken: "BEARER_TOKEN"
  ca: "CUSTOM_CA_CERT"
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: keda-prom-creds
  namespace: default
spec:
  secretTargetRef:
    - parameter: bearerToken
      name: keda-prom-secret
      key: bearerToken
      # might be required if you're using a custom CA
    - parameter: ca
      name: keda-prom-secret
      key: ca
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: prometheus-scaledobject
  namespace: keda
  labels:
    deploymentName: dummy
spec:
  maxReplicaCount: 12
  scaleTargetRef:
    name: dummy
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://<prometheus-host>:9090
        threshold: '100'
        query: sum(rate(http_requests_total{deployment="my-deployment"}[2m]))
        authModes: "bearer"
      authenticationRef:
        name: keda-prom-creds
)";

// kedacore/keda-docs content/docs/2.15/scalers/cron.md, "Example: fixed number of replicas".
constexpr const char* kCronFixedExample = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: cron-scaledobject
  namespace: default
spec:
  scaleTargetRef:
    name: my-deployment
  minReplicaCount: 0
  cooldownPeriod: 300
  triggers:
    - type: cron
      metadata:
        timezone: Asia/Kolkata
        start: 0 6 * * *
        end: 0 20 * * *
        desiredReplicas: "10"
)";

// kedacore/keda-docs content/docs/2.15/scalers/cron.md, "Example: dynamic number of replicas".
constexpr const char* kCronDynamicExample = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: cron-scaledobject
  namespace: default
spec:
  scaleTargetRef:
    name: my-deployment
  minReplicaCount: 0
  maxReplicaCount: 4
  cooldownPeriod: 300
  triggers:
    - type: cron
      metadata:
        timezone: Asia/Kolkata
        start: 0 6 * * *
        end: 0 20 * * *
        desiredReplicas: "1"
    - type: cpu
      metricType: Utilization
      metadata:
        value: "80"
)";

// kedacore/keda-docs content/docs/2.15/scalers/cpu.md, "Example" (the second one, which names a
// container, is an error: see ErrorsNameFileDocumentAndField).
constexpr const char* kCpuExample = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: cpu-scaledobject
  namespace: default
spec:
  scaleTargetRef:
    name: my-deployment
  triggers:
  - type: cpu
    metricType: Utilization # Allowed types are 'Utilization' or 'AverageValue'
    metadata:
      value: "50"
)";

// ---------------------------------------------------------------------------------------------
// The documentation's examples.

TEST(KedaDocs, PrometheusExampleBecomesAnHpaOnTheRequestRate) {
  const Loaded l = Load("prometheus.yaml", kPrometheusExample);
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ((*l.policy)->kind(), "keda");
  const KedaSpec& spec = l.keda().spec();
  EXPECT_EQ(spec.min_replica_count, 0);  // KEDA's default: scale to zero
  EXPECT_EQ(spec.hpa.min_replicas, 1);   // the HPA never goes below 1
  EXPECT_EQ(spec.hpa.max_replicas, 100);
  EXPECT_EQ(spec.polling_interval, seconds(30));
  EXPECT_EQ(spec.cooldown_period, seconds(300));
  EXPECT_EQ((*l.policy)->interval(), seconds(15));  // gcd of the 30 s poll and the 15 s sync
  ASSERT_EQ(spec.hpa.metrics.size(), 1u);
  const HpaMetricSpec& m = spec.hpa.metrics[0];
  EXPECT_EQ(m.source, HpaMetricSpec::Source::kExternal);
  EXPECT_EQ(m.target, HpaMetricSpec::Target::kAverageValue);
  EXPECT_EQ(m.target_milli, 100000);
  EXPECT_EQ(m.metric, Metric::kRequestRate);
  EXPECT_EQ(m.window, minutes(2));
  EXPECT_EQ(m.name, "s0-prometheus");
  EXPECT_THAT(l.warnings, Contains(Tmp("prometheus.yaml") +
                                   ":12: document 1 (ScaledObject prometheus-scaledobject): "
                                   "spec.triggers[0].metadata.serverAddress is not used: the "
                                   "simulated service answers the query"));
}

TEST(KedaDocs, BearerAuthenticationExampleReadsTheScaledObjectAndListsTheRest) {
  const Loaded l = Load("bearer.yaml", kPrometheusBearerExample);
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ(l.keda().spec().hpa.max_replicas, 12);
  const std::string f = Tmp("bearer.yaml");
  EXPECT_THAT(l.warnings,
              Contains(f + ":1: document 1 (Secret keda-prom-secret) is not simulated (only the "
                           "autoscaler and the workload it scales are read)"));
  EXPECT_THAT(l.warnings,
              Contains(HasSubstr(
                  ":10: document 2 (TriggerAuthentication keda-prom-creds) is not simulated")));
  EXPECT_THAT(l.warnings,
              Contains(HasSubstr("document 3 (ScaledObject prometheus-scaledobject): "
                                 "spec.triggers[0].authenticationRef is not simulated")));
  EXPECT_THAT(l.warnings, Contains(HasSubstr("spec.triggers[0].metadata.authModes is not used")));
  EXPECT_THAT(
      l.warnings,
      Contains(HasSubstr(
          "document 3 (ScaledObject prometheus-scaledobject): metadata.labels is not simulated")));
}

TEST(KedaDocs, CronExamplesParse) {
  const Loaded fixed = Load("cron-fixed.yaml", kCronFixedExample);
  ASSERT_TRUE(fixed.policy) << fixed.error();
  const KedaSpec& f = fixed.keda().spec();
  ASSERT_EQ(f.triggers.size(), 1u);
  EXPECT_EQ(f.triggers[0].type, KedaTrigger::Type::kCron);
  EXPECT_EQ(f.triggers[0].cron->desired_replicas(), 10);
  EXPECT_EQ(f.hpa.metrics[0].target_milli, 1000);  // one replica per replica

  const Loaded dynamic = Load("cron-dynamic.yaml", kCronDynamicExample);
  ASSERT_TRUE(dynamic.policy) << dynamic.error();
  const KedaSpec& d = dynamic.keda().spec();
  ASSERT_EQ(d.hpa.metrics.size(), 2u);
  EXPECT_EQ(d.hpa.metrics[1].average_utilization, 80);
  EXPECT_EQ(d.hpa.max_replicas, 4);
}

TEST(KedaDocs, CpuExampleIsAnHpaOnCpu) {
  const Loaded l = Load("cpu.yaml", kCpuExample);
  ASSERT_TRUE(l.policy) << l.error();
  const KedaSpec& spec = l.keda().spec();
  EXPECT_EQ(spec.hpa.metrics[0].source, HpaMetricSpec::Source::kResource);
  EXPECT_EQ(spec.hpa.metrics[0].average_utilization, 50);
}

TEST(KedaDocs, HpaBehaviorOfTheSpecPage) {
  // kedacore/keda-docs content/docs/2.15/reference/scaledobject-spec.md, `advanced` (its
  // placeholders filled in).
  const Loaded l = Load("advanced.yaml", R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  advanced:                                                 # Optional. Section to specify advanced options
    restoreToOriginalReplicaCount: true                     # Optional. Default: false
    horizontalPodAutoscalerConfig:                          # Optional. Section to specify HPA related options
      name: keda-hpa-web                                    # Optional. Default: keda-hpa-{scaled-object-name}
      behavior:                                             # Optional. Use to modify HPA's scaling behavior
        scaleDown:
          stabilizationWindowSeconds: 300
          policies:
          - type: Percent
            value: 100
            periodSeconds: 15
  fallback:                                                 # Optional. Section to specify fallback options
    failureThreshold: 3                                     # Mandatory if fallback section is included
    replicas: 6                                             # Mandatory if fallback section is included
  triggers:
  - {type: cron, metadata: {timezone: UTC, start: 0 6 * * *, end: 0 20 * * *, desiredReplicas: "2"}}
)");
  ASSERT_TRUE(l.policy) << l.error();
  const HpaSpec& hpa = l.keda().spec().hpa;
  ASSERT_TRUE(hpa.behavior);
  EXPECT_EQ(hpa.behavior->scale_down.stabilization_window_seconds, 300);
  EXPECT_EQ(hpa.behavior->scale_down.policies.size(), 1u);
  EXPECT_THAT(l.warnings,
              Contains(HasSubstr("spec.advanced.restoreToOriginalReplicaCount is not simulated")));
  EXPECT_THAT(
      l.warnings,
      Contains(HasSubstr("spec.advanced.horizontalPodAutoscalerConfig.name is not simulated")));
  EXPECT_THAT(
      l.warnings,
      Contains(HasSubstr(":17: document 1 (ScaledObject web): spec.fallback is not simulated")));
}

// ---------------------------------------------------------------------------------------------
// Semantics.

TEST(KedaPolicy, PrometheusThresholdScalesToTotalOverThreshold) {
  const Loaded l = Load("threshold.yaml", kPrometheusExample);
  ASSERT_TRUE(l.policy) << l.error();
  World world(**l.policy, 1, At("2024-01-15T12:00:00Z"));
  world.metrics().Set(Metric::kRequestRate, 950);
  world.Run(minutes(2));  // the legacy scale-up limit takes a few syncs: 1 -> 4 -> 8 -> 10
  EXPECT_EQ(world.replicas(), 10);  // ceil(950 / 100)
  world.metrics().Set(Metric::kRequestRate, 1234);
  const Decision d = world.Run(minutes(1));
  EXPECT_EQ(world.replicas(), 13);  // ceil(1234 / 100)
  EXPECT_THAT(d.reason, HasSubstr("s0-prometheus"));
}

TEST(KedaPolicy, ActivationFromZeroWaitsForThePollAndTheThreshold) {
  const Loaded l = Load("activation.yaml", R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  pollingInterval: 60
  cooldownPeriod: 120
  triggers:
  - type: prometheus
    metadata:
      query: sum(rate(http_requests_total[1m]))
      threshold: "100"
      activationThreshold: "5"
)");
  ASSERT_TRUE(l.policy) << l.error();
  World world(**l.policy, 0, At("2024-01-15T12:00:00Z"));
  world.metrics().Set(Metric::kRequestRate, 3);  // below activation: stays at zero
  world.Run(minutes(5) + seconds(30));
  EXPECT_EQ(world.replicas(), 0);
  world.metrics().Set(Metric::kRequestRate, 250);  // half-way between two 60 s polls
  world.Run(seconds(30));  // until the next poll nothing happens: the HPA is off at zero
  EXPECT_EQ(world.replicas(), 0);
  world.Run(seconds(15));
  EXPECT_GE(world.replicas(), 1);  // KEDA activated, the HPA takes over
  world.Run(minutes(2));
  EXPECT_EQ(world.replicas(), 3);  // ceil(250 / 100)

  // Inactive again: the HPA goes down to its minimum 1, KEDA to 0 once the cooldown has passed
  // since the last active poll.
  world.metrics().Set(Metric::kRequestRate, 0);
  world.Run(minutes(2));
  EXPECT_GE(world.replicas(), 1);
  world.Run(minutes(8));
  EXPECT_EQ(world.replicas(), 0);
}

TEST(KedaPolicy, CronWindowAppliesDesiredReplicasInItsTimeZone) {
  const Loaded l = Load("cron-window.yaml", kCronFixedExample);
  ASSERT_TRUE(l.policy) << l.error();
  // 06:00 in Asia/Kolkata is 00:30 UTC.
  World world(**l.policy, 0, At("2024-01-15T00:20:00Z"));
  world.Run(minutes(9) + seconds(30));  // to 05:59:30 IST
  EXPECT_EQ(world.replicas(), 0);
  world.Run(minutes(3));
  EXPECT_EQ(world.replicas(), 10);
  // 20:00 IST = 14:30 UTC: the window ends, KEDA scales to zero after its 300 s cooldown.
  World evening(**l.policy, 10, At("2024-01-15T14:25:00Z"));
  evening.Run(minutes(5));
  EXPECT_EQ(evening.replicas(), 10);
  evening.Run(minutes(12));
  EXPECT_EQ(evening.replicas(), 0);
}

TEST(KedaPolicy, CronWindowSemanticsFollowKeda) {
  auto utc = std::make_shared<internal::TimeZone>(internal::TimeZone::Utc());
  KedaCronWindow night(*CronSchedule::Parse("0 22 * * *"), *CronSchedule::Parse("0 6 * * *"), utc,
                       3, "night");
  EXPECT_FALSE(night.Active(At("2024-01-15T21:59:00Z")));
  EXPECT_TRUE(night.Active(At("2024-01-15T22:00:00Z")));  // [start, end): across midnight
  EXPECT_TRUE(night.Active(At("2024-01-16T05:59:59Z")));
  EXPECT_FALSE(night.Active(At("2024-01-16T06:00:00Z")));
  EXPECT_FALSE(night.Active(At("2024-01-16T12:00:00Z")));
  auto kolkata = internal::TimeZone::Load("Asia/Kolkata");
  ASSERT_TRUE(kolkata) << kolkata.error().message();
  KedaCronWindow day(*CronSchedule::Parse("0 6 * * *"), *CronSchedule::Parse("0 20 * * *"),
                     std::make_shared<internal::TimeZone>(*kolkata), 10, "day");
  EXPECT_FALSE(day.Active(At("2024-01-15T00:29:00Z")));
  EXPECT_TRUE(day.Active(At("2024-01-15T00:30:00Z")));
  EXPECT_TRUE(day.Active(At("2024-01-15T14:29:00Z")));
  EXPECT_FALSE(day.Active(At("2024-01-15T14:30:00Z")));
  EXPECT_TRUE(day.Active(At("2024-01-15T10:00:00Z")));  // time going back is fine too
}

TEST(KedaPolicy, CronAndCpuTogetherTakeTheLargerProposal) {
  const Loaded l = Load("cron-cpu.yaml", kCronDynamicExample);
  ASSERT_TRUE(l.policy) << l.error();
  World world(**l.policy, 0, At("2024-01-15T00:25:00Z"));  // 05:55 IST
  world.set_cpu_per_pod(0.5);                              // below 80 %: cpu wants fewer
  world.Run(minutes(10));
  EXPECT_EQ(world.replicas(), 1);  // the cron floor
  world.set_cpu_per_pod(1.6);      // 200 % of the 80 % target
  world.Run(minutes(3));
  EXPECT_EQ(world.replicas(), 4);  // maxReplicaCount
}

TEST(KedaPolicy, IdleReplicasAndMinimum) {
  const Loaded l = Load("idle.yaml", R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  idleReplicaCount: 0
  minReplicaCount: 3
  maxReplicaCount: 20
  cooldownPeriod: 60
  triggers:
  - type: prometheus
    metadata: {query: 'sum(irate(http_requests_total[1m]))', threshold: "100"}
)");
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ(l.keda().spec().hpa.min_replicas, 3);
  World world(**l.policy, 0, At("2024-01-15T12:00:00Z"));
  world.metrics().Set(Metric::kRequestRate, 20);  // active (above 0), little load
  world.Step();
  EXPECT_EQ(world.replicas(), 3);  // straight to minReplicaCount
  world.metrics().Set(Metric::kRequestRate, 0);
  world.Run(minutes(3));
  EXPECT_EQ(world.replicas(), 0);  // idle after the 60 s cooldown
}

TEST(KedaPolicy, CachedMetricsAreThoseOfTheLastPoll) {
  const std::string yaml = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 1
  pollingInterval: 60
  triggers:
  - type: prometheus
    useCachedMetrics: CACHED
    metadata: {query: 'sum(rate(http_requests_total[1m]))', threshold: "100"}
)";
  auto replicas_after_change = [&](const char* cached) {
    std::string text = yaml;
    text.replace(text.find("CACHED"), 6, cached);
    const Loaded l = Load("cached.yaml", text);
    EXPECT_TRUE(l.policy) << l.error();
    World world(**l.policy, 2, At("2024-01-15T12:00:00Z"));
    world.metrics().Set(Metric::kRequestRate, 200);
    world.Step();  // poll + sync at t0
    world.metrics().Set(Metric::kRequestRate, 800);
    world.Advance(seconds(15));
    world.Step();  // sync at t0 + 15 s, before the next poll
    return world.replicas();
  };
  EXPECT_EQ(replicas_after_change("true"), 2);   // still sees 200
  EXPECT_EQ(replicas_after_change("false"), 4);  // sees 800 (x2 limit from 2)
}

// ---------------------------------------------------------------------------------------------
// Mapping queries, warnings and errors.

TEST(KedaQueries, UnrecognisedQueryNeedsAnAnnotation) {
  const std::string so = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: worker
ANNOTATIONS
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - type: prometheus
    name: backlog
    metadata:
      query: sum(rate(orders_received_total[2m])) - sum(rate(orders_done_total[2m]))
      threshold: "20"
)";
  auto with = [&](const std::string& annotations) {
    std::string text = so;
    text.replace(text.find("ANNOTATIONS\n"), 12, annotations);
    return Load("query.yaml", text);
  };
  const Loaded plain = with("");
  ASSERT_FALSE(plain.policy);
  EXPECT_THAT(
      plain.error(),
      AllOf(HasSubstr(Tmp("query.yaml") +
                      ":11: document 1 (ScaledObject worker): spec.triggers[0].metadata.query: "
                      "cannot tell which simulated metric"),
            HasSubstr("metadata.annotations.forescale.io/metric-backlog: requests_per_second")));
  const Loaded named = with("  annotations: {forescale.io/metric-backlog: in_flight}\n");
  ASSERT_TRUE(named.policy) << named.error();
  EXPECT_EQ(named.keda().spec().hpa.metrics[0].metric, Metric::kInFlight);
  const Loaded indexed = with("  annotations: {forescale.io/metric-0: requests_per_second}\n");
  ASSERT_TRUE(indexed.policy) << indexed.error();
  EXPECT_EQ(indexed.keda().spec().hpa.metrics[0].metric, Metric::kRequestRate);
  const Loaded bad = with("  annotations: {forescale.io/metric-backlog: queue_depth}\n");
  EXPECT_THAT(bad.error(), HasSubstr("metadata.annotations.forescale.io/metric-backlog: "
                                     "'queue_depth' is not a simulated metric"));
  const Loaded stray = with(
      "  annotations: {forescale.io/metric-backlog: in_flight, forescale.io/metric-3: "
      "in_flight}\n");
  EXPECT_THAT(stray.error(), HasSubstr("forescale.io/metric-3: names no prometheus trigger"));
}

TEST(KedaQueries, DeploymentInTheFileGivesTheCpuRequest) {
  const Loaded l = Load("with-deployment.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  template:
    spec:
      containers: [{name: api, resources: {requests: {cpu: 500m}}}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: api}
spec:
  scaleTargetRef: {name: api}
  triggers:
  - {type: cpu, metricType: AverageValue, metadata: {value: 300m}}
)");
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ(l.keda().spec().hpa.metrics[0].cpu_request, 0.5);
}

TEST(KedaErrors, ErrorsNameFileDocumentAndField) {
  auto error = [](const std::string& name, const std::string& spec_tail,
                  const std::string& meta = "") {
    return Load(name, "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\n" +
                          meta + "spec:\n  scaleTargetRef: {name: web}\n" + spec_tail)
        .error();
  };
  EXPECT_EQ(
      error("memory.yaml",
            "  triggers:\n  - {type: memory, metricType: Utilization, metadata: {value: '60'}}\n"),
      Tmp("memory.yaml") +
          ":8: document 1 (ScaledObject web): spec.triggers[0].type: memory is not simulated "
          "(the simulator models CPU only)");
  EXPECT_THAT(error("kafka.yaml", "  triggers:\n  - {type: kafka, metadata: {topic: orders}}\n"),
              HasSubstr(":8: document 1 (ScaledObject web): spec.triggers[0].type: trigger type "
                        "'kafka' is not simulated"));
  // kedacore/keda-docs content/docs/2.15/scalers/cpu.md, the example that names a container.
  EXPECT_THAT(error("container.yaml", R"(  triggers:
  - type: cpu
    metricType: Utilization # Allowed types are 'Utilization' or 'AverageValue'
    metadata:
      value: "50"
      containerName: "foo"
)"),
              HasSubstr(":12: document 1 (ScaledObject web): "
                        "spec.triggers[0].metadata.containerName: one container's CPU"));
  EXPECT_THAT(
      error("modifiers.yaml",
            "  advanced:\n    scalingModifiers: {formula: 'a + b', target: '2'}\n"
            "  triggers:\n  - {type: cron, metadata: {timezone: UTC, start: 0 6 * * *, "
            "end: 0 7 * * *, desiredReplicas: '1'}}\n"),
      HasSubstr(":8: document 1 (ScaledObject web): spec.advanced.scalingModifiers: combines"));
  EXPECT_THAT(error("paused.yaml",
                    "  triggers:\n  - {type: cron, metadata: {timezone: UTC, start: 0 6 * * *, "
                    "end: 0 7 * * *, desiredReplicas: '1'}}\n",
                    "  annotations:\n    autoscaling.keda.sh/paused: \"true\"\n"),
              HasSubstr(":6: document 1 (ScaledObject web): "
                        "metadata.annotations.autoscaling.keda.sh/paused: stops KEDA"));
  EXPECT_THAT(
      error(
          "zone.yaml",
          "  triggers:\n  - type: cron\n    metadata: {timezone: Asia/Atlantis, start: 0 6 * * *, "
          "end: 0 7 * * *, desiredReplicas: '1'}\n"),
      HasSubstr(":9: document 1 (ScaledObject web): spec.triggers[0].metadata.timezone: unknown "
                "time zone "
                "'Asia/Atlantis'"));
  EXPECT_THAT(
      error("idle.yaml",
            "  idleReplicaCount: 2\n  minReplicaCount: 2\n  triggers:\n  - {type: cron, metadata: "
            "{timezone: UTC, start: 0 6 * * *, end: 0 7 * * *, desiredReplicas: '1'}}\n"),
      HasSubstr(":7: document 1 (ScaledObject web): spec.idleReplicaCount: must be less than "
                "minReplicaCount (2)"));
  EXPECT_THAT(error("same.yaml",
                    "  triggers:\n  - {type: cron, metadata: {timezone: UTC, start: 0 6 * * *, "
                    "end: 0 6 * * *, desiredReplicas: '1'}}\n"),
              HasSubstr("spec.triggers[0].metadata.end: must differ from start"));
  EXPECT_THAT(error("notriggers.yaml", ""),
              HasSubstr(":6: document 1 (ScaledObject web): spec.triggers: missing"));
  // A Deployment the ScaledObject does not scale.
  const Loaded other =
      Load("other.yaml",
           std::string("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n---\n") +
               kCpuExample);
  EXPECT_EQ(other.error(),
            Tmp("other.yaml") +
                ":1: document 1 is a Deployment (api), but no HorizontalPodAutoscaler or "
                "ScaledObject in the file scales it (document 2 (ScaledObject "
                "cpu-scaledobject) scales Deployment my-deployment in namespace default)");
  auto by_name = LoadPolicy("ScaledObject", PolicyContext{});
  ASSERT_FALSE(by_name);
  EXPECT_THAT(by_name.error().message(), HasSubstr("a ScaledObject needs its triggers"));
}

TEST(KedaExample, ExampleFileLoads) {
  Loaded l;
  PolicyContext context{.min_replicas = 0, .max_replicas = 100};
  context.warnings = &l.warnings;
  const std::string path =
      std::string(FORESCALE_SOURCE_DIR) + "/examples/configs/keda-prometheus.yaml";
  l.policy = LoadPolicy(path, context);
  ASSERT_TRUE(l.policy) << l.error();
  const KedaSpec& spec = l.keda().spec();
  ASSERT_EQ(spec.triggers.size(), 2u);
  EXPECT_EQ(spec.triggers[0].metric, Metric::kRequestRate);
  EXPECT_EQ(spec.triggers[1].cron->desired_replicas(), 8);
  ASSERT_TRUE(spec.hpa.behavior);
  auto hints = ReadWorkloadHints(path);
  ASSERT_TRUE(hints) << hints.error().message();
  EXPECT_EQ(hints->cpu_request_cores, 0.5);
  EXPECT_EQ(hints->readiness_delay, seconds(25));
}

TEST(KedaExample, InlineScaledObjectInAScenario) {
  auto root = LoadYamlText(kCronFixedExample, "scenario.yaml");
  ASSERT_TRUE(root);
  std::vector<std::string> warnings;
  PolicyContext context;
  context.warnings = &warnings;
  auto policy = LoadPolicy(*root, "scenario.yaml", context);
  ASSERT_TRUE(policy) << policy.error().message();
  EXPECT_EQ((*policy)->kind(), "keda");
  auto spec = ParseScaledObject(*root, YamlConfig("scenario.yaml"), context);
  ASSERT_TRUE(spec);
  auto bad = LoadYamlText(
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec: {}\n",
      "s.yaml");
  auto err = ParseScaledObject(*bad, YamlConfig("s.yaml"), context);
  ASSERT_FALSE(err);
  EXPECT_THAT(err.error().message(),
              HasSubstr("s.yaml:4: ScaledObject x: spec.scaleTargetRef: missing"));
}

}  // namespace
}  // namespace forescale::policy
