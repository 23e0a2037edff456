#include "recommend/tunable.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace forescale::recommend {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string dir = testing::TempDir() + "/tunable_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const KnobLimits kLimits{.capacity_per_replica = 50, .max_replicas = 40, .min_replicas_hi = 6,
                         .startup_delay_s = 120};

const Knob* Find(const TunableConfig& c, const std::string& name) {
  for (const Knob& k : c.knobs()) {
    if (k.name.find(name) != std::string::npos) return &k;
  }
  return nullptr;
}

TEST(TunableConfig, HpaManifestBesideItsDeploymentKeepsEveryOtherDocument) {
  const std::string path = Write("app.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "nginx:1.27"
          resources: {requests: {cpu: 500m}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 30
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  behavior:
    scaleUp:
      policies: [{type: Percent, value: 100, periodSeconds: 15}]
)");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->format(), "HorizontalPodAutoscaler autoscaling/v2");
  const Knob* target = Find(*c, "cpu utilisation");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->current, 70);
  EXPECT_EQ(target->field, "spec.metrics[0].resource.target.averageUtilization");
  ASSERT_NE(Find(*c, "scale-down"), nullptr);
  EXPECT_EQ(Find(*c, "scale-down")->current, 300);  // the API default, left implicit
  ASSERT_NE(Find(*c, "scale-up rate"), nullptr);
  EXPECT_EQ(Find(*c, "minimum replicas")->current, 2);

  std::vector<double> v = c->Current();
  for (size_t i = 0; i < v.size(); ++i) {
    if (&c->knobs()[i] == target) v[i] = 55;
    if (c->knobs()[i].name.find("scale-down") != std::string::npos) v[i] = 600;
  }
  const std::string text = c->Render(v);
  const std::vector<YAML::Node> docs = YAML::LoadAll(text);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(docs[0]["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>(), "nginx:1.27");
  EXPECT_EQ(docs[1]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as<int>(), 55);
  EXPECT_EQ(docs[1]["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"].as<int>(), 600);
  EXPECT_EQ(docs[1]["spec"]["maxReplicas"].as<int>(), 30);
  // The policy document alone, for the simulator.
  const YAML::Node policy = c->Document(v);
  EXPECT_EQ(policy["kind"].as<std::string>(), "HorizontalPodAutoscaler");
  EXPECT_EQ(policy["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as<int>(), 55);
}

TEST(TunableConfig, AnHpaWithoutMetricsGetsItsDefaultCpuTargetWrittenOut) {
  const std::string path = Write("v2-default.yaml", R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
)");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(Find(*c, "cpu utilisation")->current, 80);
  std::vector<double> v = c->Current();
  v[0] = 65;
  const YAML::Node doc = YAML::Load(c->Render(v));
  EXPECT_EQ(doc["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as<int>(), 65);
}

TEST(TunableConfig, HpaV1TargetsItsCpuPercentage) {
  const std::string path = Write("v1.yaml", R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  targetCPUUtilizationPercentage: 75
)");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->format(), "HorizontalPodAutoscaler autoscaling/v1");
  EXPECT_EQ(Find(*c, "cpu utilisation")->current, 75);
}

TEST(TunableConfig, KedaTriggerMetadataStaysAString) {
  const std::string path = Write("keda.yaml", R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 2
  maxReplicaCount: 20
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus.monitoring:9090
        query: sum(rate(http_requests_total{service="web"}[1m]))
        threshold: "100"
)");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->format(), "KEDA ScaledObject");
  const Knob* threshold = Find(*c, "threshold");
  ASSERT_NE(threshold, nullptr);
  EXPECT_EQ(threshold->current, 100);
  EXPECT_LE(threshold->lo, 34);
  EXPECT_GE(threshold->hi, 200);
  std::vector<double> v = c->Current();
  v[0] = 120;
  const std::string text = c->Render(v);
  EXPECT_NE(text.find("threshold: \"120\""), std::string::npos) << text;
  EXPECT_NE(text.find("query: sum(rate(http_requests_total{service=\"web\"}[1m]))"), std::string::npos) << text;
}

TEST(TunableConfig, AwsJsonKeepsItsShapeAndEditsOnlyTheKnobs) {
  const std::string path = Write("aws.json", R"([
  {"AutoScalingGroupName": "web", "PolicyName": "cpu60", "PolicyType": "TargetTrackingScaling",
   "TargetTrackingConfiguration": {"PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                                   "TargetValue": 60.0},
   "EstimatedInstanceWarmup": 180},
  {"AutoScalingGroupName": "web", "PolicyName": "predictive", "PolicyType": "PredictiveScaling",
   "PredictiveScalingConfiguration": {"MetricSpecifications": [{"TargetValue": 60,
      "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ASGCPUUtilization"}}],
      "Mode": "ForecastAndScale", "SchedulingBufferTime": 300}}
])");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->Extension(), ".json");
  ASSERT_NE(Find(*c, "cpu60: target tracking TargetValue"), nullptr);
  ASSERT_NE(Find(*c, "predictive: predictive SchedulingBufferTime"), nullptr);
  std::vector<double> v = c->Current();
  for (size_t i = 0; i < v.size(); ++i) {
    if (c->knobs()[i].name == "cpu60: target tracking TargetValue") v[i] = 48;
  }
  const auto j = nlohmann::json::parse(c->Render(v));
  EXPECT_EQ(j[0]["TargetTrackingConfiguration"]["TargetValue"], 48);
  EXPECT_EQ(j[0]["EstimatedInstanceWarmup"], 180);
  EXPECT_EQ(j[1]["PredictiveScalingConfiguration"]["Mode"], "ForecastAndScale");
}

TEST(TunableConfig, ForescalePredictiveQuantileAndLead) {
  const std::string path = Write("predictive.yaml", "kind: predictive\nquantile: 0.8\nlead: 3m\n");
  auto c = TunableConfig::Read(path, kLimits);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_DOUBLE_EQ(Find(*c, "quantile")->current, 0.8);
  EXPECT_EQ(Find(*c, "lead")->current, 180);
  std::vector<double> v = c->Current();
  for (size_t i = 0; i < v.size(); ++i) {
    if (c->knobs()[i].name == "quantile") v[i] = 0.95;
    if (c->knobs()[i].name.find("lead") != std::string::npos) v[i] = 150;
  }
  const YAML::Node doc = c->Document(v);
  EXPECT_EQ(doc["quantile"].as<double>(), 0.95);
  EXPECT_EQ(doc["lead"].as<std::string>(), "150s");
}

TEST(TunableConfig, ErrorsNameTheFile) {
  const std::string deployment_only = Write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n");
  auto c = TunableConfig::Read(deployment_only, kLimits);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("deploy.yaml"), std::string::npos);
  EXPECT_NE(c.error().message().find("no scaling policy"), std::string::npos);
  auto broken = TunableConfig::Read(Write("broken.json", "{\"PolicyName\": "), kLimits);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("broken.json"), std::string::npos);
}

}  // namespace
}  // namespace forescale::recommend
