// Kubernetes files as policies (kubernetes.h): HorizontalPodAutoscaler manifests of every API
// version, several documents with the scaled Deployment, the warnings for what is not simulated
// and the errors for what cannot be. Upstream documentation examples are copied verbatim with
// the repository path they come from.
#include "policy/kubernetes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policy/hpa.h"
#include "policy/internal/fake_metrics.h"
#include "policy/keda.h"
#include "policy/policy.h"

namespace forescale::policy {
namespace {

using internal::FakeMetrics;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const TimePoint kT0 = TimePoint{} + seconds(1704067200);

// kubernetes/website content/en/examples/application/php-apache.yaml (the walkthrough's
// Deployment and Service).
constexpr const char* kPhpApache = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: php-apache
  template:
    metadata:
      labels:
        app.kubernetes.io/name: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports:
        - containerPort: 80
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    app.kubernetes.io/name: php-apache
spec:
  ports:
  - port: 80
  selector:
    app.kubernetes.io/name: php-apache
)";

// kubernetes/website content/en/examples/application/hpa/php-apache.yaml (the walkthrough's
// HPA, written in YAML's flow style).
constexpr const char* kPhpApacheHpa = R"(---
{
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: {
    name: "php-apache",
  },
  spec: {
    scaleTargetRef: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "php-apache",
    },
    minReplicas: 1,
    maxReplicas: 10,
    metrics: [{
      type: "Resource",
      resource: {
        name: "cpu",
        target: {
          type: "Utilization",
          averageUtilization: 50,
        },
      },
    }],
  },
}
)";

// What `kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10` (the
// walkthrough's command) creates, as `kubectl get hpa php-apache -o yaml` prints it in
// autoscaling/v1 (k8s.io/api autoscaling/v1 HorizontalPodAutoscalerSpec).
constexpr const char* kPhpApacheV1 = R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
  namespace: default
spec:
  maxReplicas: 10
  minReplicas: 1
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: php-apache
  targetCPUUtilizationPercentage: 50
status:
  currentReplicas: 1
  desiredReplicas: 1
)";

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_(std::filesystem::temp_directory_path() / ("forescale_k8s_" + name)) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct Loaded {
  Result<std::unique_ptr<Policy>> policy =
      std::unexpected(Error(ErrorCode::kInternal, "not loaded"));
  std::vector<std::string> warnings;
  std::string error() const { return policy ? "no error" : policy.error().message(); }
};

Loaded Load(const std::string& name, const std::string& text) {
  TempFile file(name, text);
  Loaded out;
  PolicyContext context{.min_replicas = 1, .max_replicas = 100};
  context.warnings = &out.warnings;
  out.policy = LoadPolicy(file.path(), context);
  return out;
}

std::string Tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("forescale_k8s_" + name)).string();
}

const HpaSpec& HpaOf(const Loaded& l) { return dynamic_cast<const HpaPolicy&>(**l.policy).spec(); }

// `n` long-running ready pods using `cpu` cores of the simulator's 1-core request.
std::vector<PodView> Pods(int n, double cpu, TimePoint now) {
  std::vector<PodView> pods(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    PodView& p = pods[static_cast<size_t>(i)];
    p.name = "pod-" + std::to_string(i);
    p.created = now - minutes(30);
    p.ready = true;
    p.ready_changed = now - minutes(29);
    p.cpu_usage = cpu;
    p.metric_time = now;
  }
  return pods;
}

Observation Obs(TimePoint now, int current, const std::vector<PodView>& pods,
                const MetricSource& metrics) {
  Observation obs;
  obs.now = now;
  obs.current_replicas = current;
  obs.ready_replicas = current;
  obs.min_replicas = 0;
  obs.max_replicas = 1000;
  obs.pods = pods;
  obs.metrics = &metrics;
  return obs;
}

// Runs a policy through a CPU history on the replicas it chooses itself: the service's demand
// (in simulated 1-core replicas' worth) is spread over the pods, whose CPU request is `request`.
std::vector<int> Replay(Policy& policy, const std::vector<double>& demand_cores,
                        double request = 1.0) {
  FakeMetrics metrics;
  std::vector<int> out;
  int current = 2;
  TimePoint now = kT0;
  for (double demand : demand_cores) {
    auto pods = Pods(current, demand / current * request, now);
    for (PodView& p : pods) p.cpu_request = request;
    current = policy.Decide(Obs(now, current, pods, metrics)).desired_replicas;
    out.push_back(current);
    now += seconds(15);
  }
  return out;
}

std::vector<double> Demand() {
  std::vector<double> d;
  for (int i = 0; i < 80; ++i) d.push_back(i < 20 ? 0.8 : i < 40 ? 4.0 : i < 60 ? 9.0 : 1.0);
  return d;
}

// ---------------------------------------------------------------------------------------------
// HorizontalPodAutoscaler manifests.

TEST(KubernetesHpa, WalkthroughDeploymentServiceAndHpaLoadAsOnePolicy) {
  const Loaded l = Load("walkthrough.yaml", std::string(kPhpApache) + kPhpApacheHpa);
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ((*l.policy)->kind(), "hpa");
  const HpaSpec& spec = HpaOf(l);
  EXPECT_EQ(spec.min_replicas, 1);
  EXPECT_EQ(spec.max_replicas, 10);
  ASSERT_EQ(spec.metrics.size(), 1u);
  EXPECT_EQ(spec.metrics[0].average_utilization, 50);
  const std::string f = Tmp("walkthrough.yaml");
  EXPECT_THAT(l.warnings,
              Contains(f + ":25: document 2 (Service php-apache) is not simulated (only the "
                           "autoscaler and the workload it scales are read)"));
  EXPECT_THAT(
      l.warnings,
      Contains(f + ":6: document 1 (Deployment php-apache): spec.selector is not simulated"));
  EXPECT_THAT(
      l.warnings,
      Contains(HasSubstr(
          "document 1 (Deployment php-apache): "
          "spec.template.spec.containers[0] (php-apache): image, ports are not simulated")));
  EXPECT_THAT(l.warnings,
              Contains(HasSubstr("containers[0].resources: limits.cpu is not simulated")));
  EXPECT_THAT(l.warnings, Contains(HasSubstr("document 3 (HorizontalPodAutoscaler php-apache): "
                                             "spec.scaleTargetRef.apiVersion is not simulated")));

  auto hints = ReadWorkloadHints(Tmp("missing.yaml"));  // not a file: a kind name, no hints
  ASSERT_TRUE(hints);
  EXPECT_TRUE(hints->source.empty());
  TempFile file("hints.yaml", std::string(kPhpApache) + kPhpApacheHpa);
  hints = ReadWorkloadHints(file.path());
  ASSERT_TRUE(hints) << hints.error().message();
  EXPECT_EQ(hints->cpu_request_cores, 0.2);
  EXPECT_FALSE(hints->replicas);
  EXPECT_FALSE(hints->readiness_delay);
  EXPECT_EQ(hints->source, file.path() + ": document 1 (Deployment php-apache)");
}

TEST(KubernetesHpa, AutoscalingV1BehavesAsV2WithCpuAtThatPercent) {
  const Loaded v1 = Load("v1.yaml", kPhpApacheV1);
  ASSERT_TRUE(v1.policy) << v1.error();
  const HpaSpec& spec = HpaOf(v1);
  EXPECT_EQ(spec.min_replicas, 1);
  EXPECT_EQ(spec.max_replicas, 10);
  ASSERT_EQ(spec.metrics.size(), 1u);
  EXPECT_EQ(spec.metrics[0].average_utilization, 50);
  EXPECT_FALSE(spec.behavior);  // v1 has none: the controller's legacy normalisation
  EXPECT_THAT(v1.warnings,
              Contains(HasSubstr("document 1 (HorizontalPodAutoscaler php-apache): status is not "
                                 "simulated (it records the cluster's state)")));

  const Loaded v2 = Load("v2.yaml", kPhpApacheHpa);
  ASSERT_TRUE(v2.policy) << v2.error();
  const auto demand = Demand();
  const auto a = Replay(**v1.policy, demand);
  const auto b = Replay(**v2.policy, demand);
  EXPECT_EQ(a, b);
  EXPECT_GT(*std::max_element(a.begin(), a.end()), 2);  // it did scale

  // The API server's defaults: minReplicas 1, targetCPUUtilizationPercentage 80.
  const Loaded bare = Load("v1-bare.yaml",
                           "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\n"
                           "metadata: {name: web}\nspec: {maxReplicas: 4}\n");
  ASSERT_TRUE(bare.policy) << bare.error();
  EXPECT_EQ(HpaOf(bare).min_replicas, 1);
  EXPECT_EQ(HpaOf(bare).metrics[0].average_utilization, 80);
}

TEST(KubernetesHpa, BehaviorExamplesOfTheDocsParse) {
  // kubernetes/website content/en/docs/tasks/run-application/horizontal-pod-autoscale.md,
  // "Configurable scaling behavior": each `behavior:` example, in an HPA.
  const std::string head =
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
      "spec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 100\n";
  auto behavior = [&](const std::string& name, const std::string& yaml) {
    const Loaded l = Load(name, head + yaml);
    EXPECT_TRUE(l.policy) << l.error();
    return l.policy ? *HpaOf(l).behavior : HpaBehavior{};
  };
  HpaBehavior b = behavior("b1.yaml", R"(  behavior:
    scaleDown:
      policies:
      - type: Pods
        value: 4
        periodSeconds: 60
      - type: Percent
        value: 10
        periodSeconds: 60
)");
  ASSERT_EQ(b.scale_down.policies.size(), 2u);
  EXPECT_EQ(b.scale_down.policies[1].type, HpaScalingPolicy::Type::kPercent);
  EXPECT_EQ(b.scale_down.select, HpaScalingRules::Select::kMax);
  b = behavior("b2.yaml", "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 300\n");
  EXPECT_EQ(b.scale_down.stabilization_window_seconds, 300);
  b = behavior("b3.yaml", R"(  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
      - type: Percent
        value: 100
        periodSeconds: 15
    scaleUp:
      stabilizationWindowSeconds: 0
      policies:
      - type: Percent
        value: 100
        periodSeconds: 15
      - type: Pods
        value: 4
        periodSeconds: 15
      selectPolicy: Max
)");
  EXPECT_EQ(b.scale_up.policies.size(), 2u);
  EXPECT_EQ(b.scale_up.stabilization_window_seconds, 0);
  b = behavior("b4.yaml", R"(  behavior:
    scaleDown:
      policies:
      - type: Percent
        value: 10
        periodSeconds: 60
      - type: Pods
        value: 5
        periodSeconds: 60
      selectPolicy: Min
)");
  EXPECT_EQ(b.scale_down.select, HpaScalingRules::Select::kMin);
  b = behavior("b5.yaml", "  behavior:\n    scaleDown:\n      selectPolicy: Disabled\n");
  EXPECT_EQ(b.scale_down.select, HpaScalingRules::Select::kDisabled);
}

// kubernetes/website content/en/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough.md,
// "Autoscaling on multiple metrics and custom metrics" (as the page shows it, status included).
constexpr const char* kWalkthroughMultiMetric = R"(apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: php-apache
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 50
  - type: Pods
    pods:
      metric:
        name: packets-per-second
      target:
        type: AverageValue
        averageValue: 1k
  - type: Object
    object:
      metric:
        name: requests-per-second
      describedObject:
        apiVersion: networking.k8s.io/v1beta1
        kind: Ingress
        name: main-route
      target:
        type: Value
        value: 10k
status:
  observedGeneration: 1
  lastScaleTime: <some-time>
  currentReplicas: 1
  desiredReplicas: 1
  currentMetrics:
  - type: Resource
    resource:
      name: cpu
    current:
      averageUtilization: 0
      averageValue: 0
  - type: Object
    object:
      metric:
        name: requests-per-second
      describedObject:
        apiVersion: networking.k8s.io/v1beta1
        kind: Ingress
        name: main-route
      current:
        value: 10k
)";

TEST(KubernetesHpa, WalkthroughCustomMetricNeedsToBeMappedToASimulatedOne) {
  const Loaded plain = Load("multi.yaml", kWalkthroughMultiMetric);
  ASSERT_FALSE(plain.policy);
  EXPECT_THAT(
      plain.error(),
      AllOf(
          HasSubstr(Tmp("multi.yaml") +
                    ":22: document 1 (HorizontalPodAutoscaler php-apache): "
                    "spec.metrics[1].pods.metric.name: unknown metric 'packets-per-second'"),
          HasSubstr(
              "metadata.annotations.forescale.io/metric-packets-per-second: requests_per_second")));

  std::string annotated = kWalkthroughMultiMetric;
  annotated.replace(
      annotated.find("  name: php-apache\nspec:"), 0,
      "  annotations:\n    forescale.io/metric-packets-per-second: requests_per_second\n");
  const Loaded l = Load("multi-annotated.yaml", annotated);
  ASSERT_TRUE(l.policy) << l.error();
  const HpaSpec& spec = HpaOf(l);
  ASSERT_EQ(spec.metrics.size(), 3u);
  EXPECT_EQ(spec.metrics[1].metric, Metric::kRequestRate);
  EXPECT_EQ(spec.metrics[1].target_milli, 1000000);         // 1k
  EXPECT_EQ(spec.metrics[2].metric, Metric::kRequestRate);  // "requests-per-second" is ours
  EXPECT_EQ(spec.metrics[2].target, HpaMetricSpec::Target::kValue);
  EXPECT_THAT(l.warnings,
              Contains(HasSubstr("spec.metrics[2].object.describedObject is not simulated")));
  EXPECT_THAT(l.warnings, Contains(HasSubstr("status is not simulated")));
}

TEST(KubernetesHpa, CpuAverageValueIsReadAgainstTheDeploymentsRequest) {
  // 300m of a 500m request is 60 % utilisation: the same decisions as a 60 % Utilization HPA.
  const std::string deployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        resources: {requests: {cpu: 500m}}
---
)";
  const std::string hpa = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 50
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: AverageValue, averageValue: 300m}}
)";
  const Loaded with = Load("average-value.yaml", deployment + hpa);
  ASSERT_TRUE(with.policy) << with.error();
  EXPECT_EQ(HpaOf(with).metrics[0].cpu_request, 0.5);
  EXPECT_THAT(with.warnings, Not(Contains(HasSubstr("averageValue"))));
  // On the simulator's 1-core replicas it decides what the same HPA decides in the cluster,
  // where the pods request 500m.
  const Loaded cluster = Load("average-value-cluster.yaml", hpa);
  ASSERT_TRUE(cluster.policy) << cluster.error();
  const auto demand = Demand();
  EXPECT_EQ(Replay(**with.policy, demand), Replay(**cluster.policy, demand, 0.5));
  // ... which is 60 % utilisation (up to the HPA's own rounding of each form).
  HpaPolicy utilization(
      {.min_replicas = 1, .max_replicas = 50, .metrics = {HpaMetricSpec::CpuUtilization(60)}});
  auto fresh = Load("average-value-2.yaml", deployment + hpa);
  FakeMetrics metrics;
  const auto pods = Pods(4, 0.9, kT0);  // 90 % of a replica: x1.5
  EXPECT_EQ((*fresh.policy)->Decide(Obs(kT0, 4, pods, metrics)).desired_replicas, 6);
  EXPECT_EQ(utilization.Decide(Obs(kT0, 4, pods, metrics)).desired_replicas, 6);

  // Without the Deployment the target is cores of the simulated (1-core) replicas, and it says so.
  const Loaded without = Load("average-value-alone.yaml", hpa);
  ASSERT_TRUE(without.policy) << without.error();
  EXPECT_FALSE(HpaOf(without).metrics[0].cpu_request);
  EXPECT_THAT(
      without.warnings,
      Contains(
          Tmp("average-value-alone.yaml") +
          ":8: document 1 (HorizontalPodAutoscaler web): "
          "spec.metrics[0].resource.target.averageValue is read as CPU cores of the simulated "
          "replicas (1 core each): put the scaled Deployment in the same file to read it against "
          "the pods' CPU request"));
}

TEST(KubernetesHpa, WorkloadHintsSumRequestsAndEstimateReadiness) {
  TempFile file("hints2.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 6
  template:
    spec:
      containers:
      - name: api
        resources: {requests: {cpu: 250m, memory: 256Mi}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}, initialDelaySeconds: 5, successThreshold: 2}
      - name: proxy
        resources: {limits: {cpu: 100m}}
        readinessProbe: {tcpSocket: {port: 15021}, periodSeconds: 2}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 30
)");
  auto hints = ReadWorkloadHints(file.path());
  ASSERT_TRUE(hints) << hints.error().message();
  EXPECT_EQ(hints->replicas, 6);
  EXPECT_DOUBLE_EQ(*hints->cpu_request_cores, 0.35);  // a limit stands in for a missing request
  EXPECT_EQ(hints->readiness_delay, seconds(25));     // 5 + 10 x 2, the slower container
  EXPECT_EQ(hints->source, file.path() + ": document 1 (Deployment api)");
}

TEST(KubernetesHpa, KubectlListOutputIsRead) {
  const Loaded l = Load("list.yaml", R"(apiVersion: v1
kind: List
items:
- apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: {name: web, resourceVersion: "123"}
  spec:
    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    maxReplicas: 8
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web}
  spec: {replicas: 2}
metadata: {resourceVersion: ""}
)");
  ASSERT_TRUE(l.policy) << l.error();
  EXPECT_EQ(HpaOf(l).max_replicas, 8);
  EXPECT_THAT(l.warnings, Contains(HasSubstr("document 1 items[0] (HorizontalPodAutoscaler web): "
                                             "metadata.resourceVersion is not simulated")));
}

TEST(KubernetesHpa, OwnFormatStaysStrictAndSingleDocument) {
  const Loaded strict = Load("own.yaml", "kind: hpa\nmaxReplicas: 4\nmetadata: {name: x}\n");
  ASSERT_FALSE(strict.policy);
  EXPECT_THAT(strict.error(), HasSubstr("own.yaml:3: metadata: unknown key"));
  const Loaded mixed =
      Load("mixed.yaml", "kind: hpa\nmaxReplicas: 4\n---\n" + std::string(kPhpApacheV1));
  ASSERT_FALSE(mixed.policy);
  EXPECT_EQ(mixed.error(), Tmp("mixed.yaml") +
                               ":1: document 1: apiVersion: missing; this is not a Kubernetes "
                               "object (every document needs apiVersion and kind)");
}

// ---------------------------------------------------------------------------------------------
// Errors name the file, line, document and field.

TEST(KubernetesErrors, DeploymentWithoutAnAutoscaler) {
  const Loaded l = Load("deploy-only.yaml", kPhpApache);
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.error(), Tmp("deploy-only.yaml") +
                           ":1: document 1 is a Deployment (php-apache), but no "
                           "HorizontalPodAutoscaler or ScaledObject in the file scales it");
  // An HPA for another Deployment does not scale this one.
  std::string other = kPhpApacheHpa;
  other.replace(other.find("name: \"php-apache\",\n    },\n    minReplicas"), 18,
                "name: \"other\",\n    ");
  const Loaded l2 = Load("deploy-other.yaml", std::string(kPhpApache) + other);
  ASSERT_FALSE(l2.policy);
  EXPECT_THAT(
      l2.error(),
      HasSubstr(":1: document 1 is a Deployment (php-apache), but no HorizontalPodAutoscaler or "
                "ScaledObject in the file scales it (document 3 (HorizontalPodAutoscaler "
                "php-apache) scales Deployment other in namespace default)"));
}

TEST(KubernetesErrors, MetricsTheSimulatorCannotProduce) {
  const Loaded memory = Load("memory.yaml", R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: memory
      target: {type: Utilization, averageUtilization: 70}
)");
  ASSERT_FALSE(memory.policy);
  EXPECT_EQ(memory.error(),
            Tmp("memory.yaml") +
                ":10: document 1 (HorizontalPodAutoscaler web): "
                "spec.metrics[0].resource.name: resource 'memory' is not modelled (only cpu)");
  const Loaded container = Load("container.yaml", R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  maxReplicas: 10
  metrics:
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 60}}
)");
  ASSERT_FALSE(container.policy);
  EXPECT_THAT(container.error(),
              HasSubstr(":7: document 1 (HorizontalPodAutoscaler web): spec.metrics[0].type: "
                        "ContainerResource is not modelled"));
}

TEST(KubernetesErrors, YamlThatIsNotKubernetes) {
  const Loaded l =
      Load("not-k8s.yaml", std::string(kPhpApacheV1) + "---\nreplicas: 3\nimage: web:1.2\n");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.error(), Tmp("not-k8s.yaml") +
                           ":18: document 2: apiVersion: missing; this is not a Kubernetes "
                           "object (every document needs apiVersion and kind)");
  const Loaded kindless = Load("kindless.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
  EXPECT_THAT(kindless.error(), HasSubstr("kindless.yaml:1: document 1: kind: missing"));
  const Loaded syntax =
      Load("syntax.yaml", std::string(kPhpApacheV1) + "---\napiVersion: v1\nkind: [\n");
  EXPECT_THAT(syntax.error(), HasSubstr(Tmp("syntax.yaml") + ":"));
}

TEST(KubernetesErrors, SeveralAutoscalersInOneFile) {
  std::string second = kPhpApacheV1;
  second.replace(second.find("name: php-apache\n  namespace"), 16, "name: php-apache-2");
  const Loaded l = Load("two.yaml", std::string(kPhpApacheV1) + "---\n" + second);
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.error(),
            Tmp("two.yaml") +
                ": 2 autoscalers in one file (document 1 (HorizontalPodAutoscaler "
                "php-apache), document 2 (HorizontalPodAutoscaler php-apache-2)); a policy "
                "file holds one: split the file");
}

TEST(KubernetesErrors, CpuMetricOnPodsWithoutARequest) {
  const Loaded l = Load("no-request.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        resources: {requests: {cpu: 250m}}
      - name: sidecar
        image: envoy
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 5
)");
  ASSERT_FALSE(l.policy);
  EXPECT_THAT(
      l.error(),
      HasSubstr(Tmp("no-request.yaml") +
                ":10: document 1 (Deployment web): "
                "spec.template.spec.containers[1] (sidecar).resources.requests.cpu: missing, so "
                "the cpu metric of document 2 (HorizontalPodAutoscaler web) would fail"));
}

TEST(KubernetesErrors, FieldsThatWouldChangeScaling) {
  const Loaded beta1 = Load("beta1.yaml",
                            "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\n"
                            "metadata: {name: web}\nspec: {maxReplicas: 3}\n");
  EXPECT_THAT(
      beta1.error(),
      HasSubstr(":1: document 1 (HorizontalPodAutoscaler web): apiVersion: autoscaling/v2beta1 "
                "is not read"));
  const Loaded v1_metrics = Load("v1-metrics.yaml", R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
  annotations:
    autoscaling.alpha.kubernetes.io/metrics: '[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10"}}]'
spec: {maxReplicas: 3}
)");
  EXPECT_THAT(
      v1_metrics.error(),
      HasSubstr(
          ":6: document 1 (HorizontalPodAutoscaler web): metadata.annotations.autoscaling.alpha."
          "kubernetes.io/metrics: holds autoscaling/v2 fields the HPA also acts on"));
  const Loaded typo =
      Load("typo.yaml",
           "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
           "metadata: {name: web, annotations: {forescale.io/metirc-rps: requests_per_second}}\n"
           "spec: {maxReplicas: 3}\n");
  EXPECT_THAT(
      typo.error(),
      HasSubstr("metadata.annotations.forescale.io/metirc-rps: unknown forescale.io annotation"));
  const Loaded unused =
      Load("unused.yaml",
           "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
           "metadata: {name: web, annotations: {forescale.io/metric-rps: requests_per_second}}\n"
           "spec: {maxReplicas: 3}\n");
  EXPECT_THAT(
      unused.error(),
      HasSubstr("forescale.io/metric-rps: names no metric of this HorizontalPodAutoscaler"));
}

TEST(KubernetesHpa, WarningsAreLoggedWhenNobodyCollectsThem) {
  TempFile file("logged.yaml", kPhpApacheV1);
  auto policy = LoadPolicy(file.path(), PolicyContext{.min_replicas = 1, .max_replicas = 10});
  EXPECT_TRUE(policy) << policy.error().message();
}

TEST(KubernetesHpa, ExampleFileLoads) {
  Loaded l;
  PolicyContext context{.min_replicas = 1, .max_replicas = 100};
  context.warnings = &l.warnings;
  const std::string path =
      std::string(FORESCALE_SOURCE_DIR) + "/examples/configs/hpa-with-deployment.yaml";
  l.policy = LoadPolicy(path, context);
  ASSERT_TRUE(l.policy) << l.error();
  const HpaSpec& spec = HpaOf(l);
  ASSERT_TRUE(spec.behavior);
  EXPECT_EQ(spec.metrics.size(), 2u);
  auto hints = ReadWorkloadHints(path);
  ASSERT_TRUE(hints) << hints.error().message();
  EXPECT_TRUE(hints->cpu_request_cores);
  EXPECT_TRUE(hints->readiness_delay);
  for (const std::string& w : l.warnings)
    EXPECT_THAT(w, HasSubstr("hpa-with-deployment.yaml:")) << w;
}

}  // namespace
}  // namespace forescale::policy
