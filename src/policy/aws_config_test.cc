#include "policy/aws_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::At;
using internal::FakeMetrics;
using internal::FromYaml;
using internal::Obs;
using internal::Origin;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------------------------------------
// Helpers

struct Read {
  Result<AwsPolicyConfig> config;
  std::vector<std::string> warnings;
};

// Reads AWS JSON text as if from `origin`.
Read ReadText(const std::string& text, const std::string& origin = "asg.json") {
  Read r{Fail(ErrorCode::kInternal, "not read"), {}};
  auto root = LoadYamlText(text, origin);
  if (!root) {
    r.config = std::unexpected(root.error());
    return r;
  }
  r.config = ReadAwsConfig(*root, YamlConfig(origin), internal::WebContext(), r.warnings);
  return r;
}

AwsPolicyConfig MustRead(const std::string& text) {
  Read r = ReadText(text);
  EXPECT_TRUE(r.config.has_value()) << (r.config ? "" : r.config.error().message());
  EXPECT_THAT(r.warnings, IsEmpty());
  return r.config ? *r.config : AwsPolicyConfig{};
}

std::string ErrorOf(const std::string& text) {
  Read r = ReadText(text);
  EXPECT_FALSE(r.config.has_value()) << "expected an error";
  return r.config ? "" : r.config.error().message();
}

// The options of the configuration's only member (a copy: the configuration is a temporary).
template <typename Options>
Options Only(const AwsPolicyConfig& config) {
  EXPECT_EQ(config.members.size(), 1u);
  if (config.members.size() != 1) return Options{};
  const Options* o = std::get_if<Options>(&config.members.front().options);
  EXPECT_NE(o, nullptr);
  return o ? *o : Options{};
}

std::unique_ptr<Policy> AwsPolicy(const std::string& text) {
  auto root = LoadYamlText(text, "asg.json");
  EXPECT_TRUE(root.has_value());
  PolicyContext context = internal::WebContext();
  std::vector<std::string> warnings;
  context.warnings = &warnings;
  auto p = PolicyFromAwsConfig(*root, YamlConfig("asg.json"), context);
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message());
  EXPECT_THAT(warnings, IsEmpty());
  return p ? std::move(*p) : nullptr;
}

std::unique_ptr<Policy> YamlPolicy(internal::Factory make, const std::string& text) {
  auto p = FromYaml(make, text);
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message());
  return p ? std::move(*p) : nullptr;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// Runs both policies over the same minutes, the capacity following the first one's decisions,
// and expects the same decision every minute. `cpu(minute)` drives the CPU metric.
template <typename Cpu>
void ExpectSameDecisions(Policy& aws, Policy& yaml, int minutes, Cpu cpu, int start = 4,
                         FakeMetrics* metrics = nullptr, TimePoint from = Origin()) {
  FakeMetrics own;
  FakeMetrics& m = metrics ? *metrics : own;
  int current = start;
  int changes = 0;
  for (int t = 0; t < minutes; ++t) {
    m.Set(Metric::kCpuUtilisation, cpu(t));
    m.Set(Metric::kRequestRate, cpu(t) * 50 * current);
    const Observation obs = Obs(from + std::chrono::minutes(t), current, m);
    const Decision a = aws.Decide(obs);
    const Decision b = yaml.Decide(obs);
    ASSERT_EQ(a.desired_replicas, b.desired_replicas)
        << "minute " << t << "\nAWS:  " << a.reason << "\nYAML: " << b.reason;
    changes += a.desired_replicas != current ? 1 : 0;
    current = a.desired_replicas;
  }
  EXPECT_GE(changes, 2) << "the run should scale both ways to compare anything";
}

// Up, plateau, down: 30 % for 10 minutes, 90 % for 30, 20 % for 40.
double Wave(int minute) { return minute < 10 ? 0.3 : minute < 40 ? 0.9 : 0.2; }

// ---------------------------------------------------------------------------------------------
// Target tracking

// AWS CLI reference, put-scaling-policy, "To add a target tracking scaling policy to an Auto
// Scaling group": the contents of config.json.
constexpr const char* kCliAlbConfig = R"({
     "TargetValue": 1000.0,
     "PredefinedMetricSpecification": {
          "PredefinedMetricType": "ALBRequestCountPerTarget",
          "ResourceLabel": "app/my-alb/778d41231b141a0f/targetgroup/my-alb-target-group/943f017f100becff"
     }
})";

TEST(AwsConfig, CliTargetTrackingExampleTracksRequestsPerTarget) {
  const auto& tt = Only<TargetTrackingOptions>(MustRead(kCliAlbConfig));
  EXPECT_EQ(tt.metric.metric, Metric::kRequestRate);
  EXPECT_TRUE(tt.metric.per_replica);
  EXPECT_DOUBLE_EQ(tt.target, 1000.0 / 60);  // per target per minute -> per second
  EXPECT_FALSE(tt.disable_scale_in);
  EXPECT_EQ(tt.warmup, std::chrono::seconds(300));
}

// EC2 Auto Scaling User Guide, "Example scaling policies for the AWS CLI", example 1, written
// as --cli-input-json (the command's flags are the request's fields).
constexpr const char* kCpu40 = R"({
  "AutoScalingGroupName": "my-asg",
  "PolicyName": "cpu40-target-tracking-scaling-policy",
  "PolicyType": "TargetTrackingScaling",
  "TargetTrackingConfiguration": {
    "TargetValue": 40.0,
    "PredefinedMetricSpecification": {
      "PredefinedMetricType": "ASGAverageCPUUtilization"
    }
  }
})";

TEST(AwsConfig, UserGuideTargetTrackingExamplesMapOntoTargetTracking) {
  const AwsPolicyConfig config = MustRead(kCpu40);
  EXPECT_EQ(config.group, "my-asg");
  ASSERT_EQ(config.members.size(), 1u);
  EXPECT_EQ(config.members[0].name, "cpu40-target-tracking-scaling-policy");
  const auto& tt = std::get<TargetTrackingOptions>(config.members[0].options);
  EXPECT_EQ(tt.metric.metric, Metric::kCpuUtilisation);
  EXPECT_DOUBLE_EQ(tt.target, 0.4);

  // Example 3: scale out only.
  const auto& out_only = Only<TargetTrackingOptions>(MustRead(R"({
  "TargetValue": 1000.0,
  "PredefinedMetricSpecification": {
    "PredefinedMetricType": "ALBRequestCountPerTarget",
    "ResourceLabel": "app/my-alb/778d41231b141a0f/targetgroup/my-alb-target-group/943f017f100becff"
  },
  "DisableScaleIn": true
})"));
  EXPECT_TRUE(out_only.disable_scale_in);
}

TEST(AwsConfig, UserGuideCustomizedMetricExampleIsAnErrorNamingTheMetric) {
  // Example 2 of the same page: a queue backlog metric forescale does not have.
  const std::string e = ErrorOf(R"({
  "TargetValue": 100.0,
  "CustomizedMetricSpecification": {
    "MetricName": "MyBacklogPerInstance",
    "Namespace": "MyNamespace",
    "Dimensions": [{
      "Name": "MyOptionalMetricDimensionName",
      "Value": "MyOptionalMetricDimensionValue"
    }],
    "Statistic": "Average",
    "Unit": "None"
  }
})");
  EXPECT_THAT(e, HasSubstr("asg.json:4: CustomizedMetricSpecification.MetricName: unsupported "
                           "metric MyNamespace/MyBacklogPerInstance"));
}

TEST(AwsConfig, CustomizedMetricsForescaleHasAreMapped) {
  const auto& tt = Only<TargetTrackingOptions>(MustRead(R"({
  "AutoScalingGroupName": "my-asg", "PolicyName": "cpu", "PolicyType": "TargetTrackingScaling",
  "EstimatedInstanceWarmup": 120,
  "TargetTrackingConfiguration": {
    "TargetValue": 55,
    "CustomizedMetricSpecification": {
      "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
      "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "my-asg"}]
    }
  }
})"));
  EXPECT_EQ(tt.metric.metric, Metric::kCpuUtilisation);
  EXPECT_DOUBLE_EQ(tt.target, 0.55);
  EXPECT_EQ(tt.warmup, std::chrono::seconds(120));
  EXPECT_THAT(ErrorOf(R"({"TargetValue": 50, "CustomizedMetricSpecification": {
    "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Maximum"}})"),
              HasSubstr("CustomizedMetricSpecification.Statistic: CPUUtilization with Statistic "
                        "Maximum"));
}

TEST(AwsConfig, TargetTrackingDecidesAsTheForescaleYamlPolicy) {
  auto aws = AwsPolicy(R"({
  "AutoScalingGroupName": "my-asg",
  "PolicyName": "cpu60",
  "PolicyType": "TargetTrackingScaling",
  "EstimatedInstanceWarmup": 180,
  "TargetTrackingConfiguration": {
    "TargetValue": 60,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}
  }
})");
  auto yaml = YamlPolicy(internal::MakeTargetTracking,
                         "kind: target-tracking\nmetric: cpu\ntarget: 60%\nwarmup: 3m\n");
  ASSERT_TRUE(aws && yaml);
  EXPECT_EQ(aws->kind(), "target-tracking");
  ExpectSameDecisions(*aws, *yaml, 80, Wave);
}

// ---------------------------------------------------------------------------------------------
// Step and simple scaling

// EC2 Auto Scaling User Guide, "Step and simple scaling policies", AWS CLI steps 2 and 3:
// my-step-scale-out-policy, my-step-scale-in-policy and the alarms AddCapacity and
// RemoveCapacity, each command written as its --cli-input-json (the guide's "PolicyARN"
// placeholder replaced by the ARNs put-scaling-policy returns).
constexpr const char* kUserGuideStep = R"([
  {
    "AutoScalingGroupName": "my-asg",
    "PolicyName": "my-step-scale-out-policy",
    "PolicyType": "StepScaling",
    "AdjustmentType": "PercentChangeInCapacity",
    "MetricAggregationType": "Average",
    "StepAdjustments": [
      {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 15.0, "ScalingAdjustment": 10},
      {"MetricIntervalLowerBound": 15.0, "MetricIntervalUpperBound": 25.0, "ScalingAdjustment": 20},
      {"MetricIntervalLowerBound": 25.0, "ScalingAdjustment": 30}
    ],
    "MinAdjustmentMagnitude": 1
  },
  {
    "AutoScalingGroupName": "my-asg",
    "PolicyName": "my-step-scale-in-policy",
    "PolicyType": "StepScaling",
    "AdjustmentType": "ChangeInCapacity",
    "StepAdjustments": [{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -2}]
  },
  {
    "AlarmName": "Step-Scaling-AlarmHigh-AddCapacity",
    "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
    "Period": 120, "EvaluationPeriods": 2, "Threshold": 60,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "my-asg"}],
    "AlarmActions": ["arn:aws:autoscaling:region:123456789012:scalingPolicy:4ee9e543-86b5-4121-b53b-aa4c23b5bbcc:autoScalingGroupName/my-asg:policyName/my-step-scale-out-policy"]
  },
  {
    "AlarmName": "Step-Scaling-AlarmLow-RemoveCapacity",
    "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
    "Period": 120, "EvaluationPeriods": 2, "Threshold": 40,
    "ComparisonOperator": "LessThanOrEqualToThreshold",
    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "my-asg"}],
    "AlarmActions": ["arn:aws:autoscaling:region:123456789012:scalingPolicy:ac542982-cbeb-4294-891c-a5a941dfa787:autoScalingGroupName/my-asg:policyName/my-step-scale-in-policy"]
  }
])";

// The same group in forescale's YAML.
constexpr const char* kYamlStep = R"(kind: step
policies:
  - name: my-step-scale-out-policy
    alarm: {metric: cpu, comparison: ">=", threshold: 60%, period: 2m, evaluation_periods: 2}
    adjustment_type: PercentChangeInCapacity
    min_adjustment_magnitude: 1
    steps:
      - {lower: 0, upper: 15%, adjustment: 10}
      - {lower: 15%, upper: 25%, adjustment: 20}
      - {lower: 25%, adjustment: 30}
  - name: my-step-scale-in-policy
    alarm: {metric: cpu, comparison: "<=", threshold: 40%, period: 2m, evaluation_periods: 2}
    steps: [{upper: 0, adjustment: -2}]
)";

TEST(AwsConfig, UserGuideStepExamplePairsEachAlarmWithItsPolicy) {
  const auto& step = Only<StepScalingOptions>(MustRead(kUserGuideStep));
  EXPECT_EQ(step.mode, StepScalingOptions::Mode::kStep);
  ASSERT_EQ(step.policies.size(), 2u);
  const StepPolicySpec& out = step.policies[0];
  EXPECT_EQ(out.name, "my-step-scale-out-policy");
  EXPECT_EQ(out.adjustment_type, AdjustmentType::kPercentChangeInCapacity);
  EXPECT_EQ(out.min_adjustment_magnitude, 1);
  EXPECT_EQ(out.alarm.metric.metric, Metric::kCpuUtilisation);
  EXPECT_EQ(out.alarm.comparison, internal::Comparison::kGreaterOrEqual);
  EXPECT_DOUBLE_EQ(out.alarm.threshold, 0.6);
  EXPECT_EQ(out.alarm.period, std::chrono::seconds(120));
  EXPECT_EQ(out.alarm.evaluation_periods, 2);
  EXPECT_EQ(out.alarm.datapoints_to_alarm, 2);
  ASSERT_EQ(out.steps.size(), 3u);
  EXPECT_DOUBLE_EQ(*out.steps[1].lower, 0.15);
  EXPECT_DOUBLE_EQ(*out.steps[1].upper, 0.25);
  EXPECT_EQ(out.steps[1].adjustment, 20);
  EXPECT_FALSE(out.steps[2].upper);
  const StepPolicySpec& in = step.policies[1];
  EXPECT_EQ(in.name, "my-step-scale-in-policy");
  EXPECT_EQ(in.alarm.comparison, internal::Comparison::kLessOrEqual);
  EXPECT_DOUBLE_EQ(in.alarm.threshold, 0.4);
  ASSERT_EQ(in.steps.size(), 1u);
  EXPECT_EQ(in.steps[0].adjustment, -2);
}

TEST(AwsConfig, StepScalingDecidesAsTheForescaleYamlPolicy) {
  auto aws = AwsPolicy(kUserGuideStep);
  auto yaml = YamlPolicy(internal::MakeStep, kYamlStep);
  ASSERT_TRUE(aws && yaml);
  EXPECT_EQ(aws->kind(), "step");
  // 20 instances: 70 % adds 10 % (2), 80 % adds 20 % (4), 30 % removes 2 at a time.
  auto cpu = [](int t) { return t < 10 ? 0.5 : t < 20 ? 0.7 : t < 40 ? 0.8 : 0.3; };
  ExpectSameDecisions(*aws, *yaml, 90, cpu, 20);
}

TEST(AwsConfig, RequestCountAlarmsAreCountsPerPeriod) {
  const auto& step = Only<StepScalingOptions>(MustRead(R"([
  {"AutoScalingGroupName": "web", "PolicyName": "out", "PolicyType": "StepScaling",
   "AdjustmentType": "ChangeInCapacity",
   "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 600,
                        "ScalingAdjustment": 1},
                       {"MetricIntervalLowerBound": 600, "ScalingAdjustment": 3}]},
  {"AlarmName": "rpt-high", "Namespace": "AWS/ApplicationELB",
   "MetricName": "RequestCountPerTarget", "Statistic": "Sum", "Period": 300,
   "EvaluationPeriods": 1, "Threshold": 9000, "ComparisonOperator": "GreaterThanThreshold",
   "AlarmActions": ["out"]}
])"));
  ASSERT_EQ(step.policies.size(), 1u);
  const StepPolicySpec& p = step.policies[0];
  EXPECT_TRUE(p.alarm.metric.per_replica);
  EXPECT_DOUBLE_EQ(p.alarm.threshold, 30);  // 9000 per 300 s
  EXPECT_DOUBLE_EQ(*p.steps[0].upper, 2);   // 600 per 300 s
  EXPECT_EQ(p.alarm.comparison, internal::Comparison::kGreater);
}

// The same guide's simple scaling policies (the examples page's example 6 for the scale-out
// policy's MinAdjustmentMagnitude), with the AddCapacity and RemoveCapacity alarms.
constexpr const char* kUserGuideSimple = R"([
  {"AutoScalingGroupName": "my-asg", "PolicyName": "my-simple-scale-out-policy",
   "ScalingAdjustment": 30, "AdjustmentType": "PercentChangeInCapacity",
   "MinAdjustmentMagnitude": 2},
  {"AutoScalingGroupName": "my-asg", "PolicyName": "my-simple-scale-in-policy",
   "ScalingAdjustment": -1, "AdjustmentType": "ChangeInCapacity", "Cooldown": 180},
  {"AlarmName": "Step-Scaling-AlarmHigh-AddCapacity",
   "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
   "Period": 120, "EvaluationPeriods": 2, "Threshold": 60,
   "ComparisonOperator": "GreaterThanOrEqualToThreshold",
   "AlarmActions": ["arn:aws:autoscaling:region:123456789012:scalingPolicy:1:autoScalingGroupName/my-asg:policyName/my-simple-scale-out-policy"]},
  {"AlarmName": "Step-Scaling-AlarmLow-RemoveCapacity",
   "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
   "Period": 120, "EvaluationPeriods": 2, "Threshold": 40,
   "ComparisonOperator": "LessThanOrEqualToThreshold",
   "AlarmActions": ["arn:aws:autoscaling:region:123456789012:scalingPolicy:2:autoScalingGroupName/my-asg:policyName/my-simple-scale-in-policy"]}
])";

TEST(AwsConfig, SimpleScalingIsTheDefaultPolicyTypeAndDecidesAsForescaleSimpleMode) {
  const auto& simple = Only<StepScalingOptions>(MustRead(kUserGuideSimple));
  EXPECT_EQ(simple.mode, StepScalingOptions::Mode::kSimple);
  ASSERT_EQ(simple.policies.size(), 2u);
  EXPECT_EQ(simple.policies[0].min_adjustment_magnitude, 2);
  EXPECT_FALSE(simple.policies[0].cooldown);
  EXPECT_EQ(simple.policies[1].cooldown, std::chrono::seconds(180));

  auto aws = AwsPolicy(kUserGuideSimple);
  auto yaml = YamlPolicy(internal::MakeStep, R"(kind: step
mode: simple
policies:
  - alarm: {metric: cpu, comparison: ">=", threshold: 60%, period: 2m, evaluation_periods: 2}
    adjustment_type: PercentChangeInCapacity
    min_adjustment_magnitude: 2
    adjustment: 30
  - alarm: {metric: cpu, comparison: "<=", threshold: 40%, period: 2m, evaluation_periods: 2}
    adjustment: -1
    cooldown: 180s
)");
  ASSERT_TRUE(aws && yaml);
  ExpectSameDecisions(*aws, *yaml, 90, Wave, 10);
}

// ---------------------------------------------------------------------------------------------
// Predictive scaling

// EC2 Auto Scaling User Guide, "Predictive scaling", AWS CLI examples 1-3 (config.json).
TEST(AwsConfig, UserGuidePredictiveExamplesMapOntoAwsPredictive) {
  const auto& forecast_only = Only<AwsPredictiveOptions>(MustRead(R"({
    "MetricSpecifications": [
        {
            "TargetValue": 40,
            "PredefinedMetricPairSpecification": {
                "PredefinedMetricType": "ASGCPUUtilization"
            }
        }
    ]
})"));
  EXPECT_EQ(forecast_only.mode, AwsPredictiveOptions::Mode::kForecastOnly);
  EXPECT_EQ(forecast_only.metric.metric, Metric::kCpuUtilisation);
  EXPECT_DOUBLE_EQ(forecast_only.target, 0.4);
  EXPECT_EQ(forecast_only.scheduling_buffer, std::chrono::seconds(300));
  EXPECT_EQ(forecast_only.breach, AwsPredictiveOptions::Breach::kHonorMaxCapacity);
  EXPECT_DOUBLE_EQ(forecast_only.capacity_per_replica, 50);

  const auto& alb = Only<AwsPredictiveOptions>(MustRead(R"({
    "MetricSpecifications": [
        {
            "TargetValue": 1000,
            "PredefinedMetricPairSpecification": {
                "PredefinedMetricType": "ALBRequestCount",
                "ResourceLabel": "app/my-alb/778d41231b141a0f/targetgroup/my-alb-target-group/943f017f100becff"
            }
        }
    ],
    "Mode": "ForecastAndScale"
})"));
  EXPECT_EQ(alb.mode, AwsPredictiveOptions::Mode::kForecastAndScale);
  EXPECT_TRUE(alb.metric.per_replica);
  EXPECT_DOUBLE_EQ(alb.target, 1000.0 / 60);

  const auto& breach = Only<AwsPredictiveOptions>(MustRead(R"({
    "MetricSpecifications": [
        {
            "TargetValue": 70,
            "PredefinedMetricPairSpecification": {
                "PredefinedMetricType": "ASGCPUUtilization"
            }
        }
    ],
    "MaxCapacityBreachBehavior": "IncreaseMaxCapacity",
    "MaxCapacityBuffer": 10
})"));
  EXPECT_DOUBLE_EQ(breach.target, 0.7);
  EXPECT_EQ(breach.breach, AwsPredictiveOptions::Breach::kIncreaseMaxCapacity);
  EXPECT_DOUBLE_EQ(breach.max_capacity_buffer, 10);
}

TEST(AwsConfig, PredictiveScalingAndLoadMetricsAreAPair) {
  const auto& p = Only<AwsPredictiveOptions>(MustRead(R"({
  "AutoScalingGroupName": "my-asg", "PolicyName": "p", "PolicyType": "PredictiveScaling",
  "PredictiveScalingConfiguration": {
    "MetricSpecifications": [{
      "TargetValue": 50,
      "PredefinedScalingMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
      "PredefinedLoadMetricSpecification": {"PredefinedMetricType": "ASGTotalCPUUtilization"}
    }],
    "Mode": "ForecastAndScale", "SchedulingBufferTime": 600
  }
})"));
  EXPECT_DOUBLE_EQ(p.target, 0.5);
  EXPECT_EQ(p.scheduling_buffer, std::chrono::minutes(10));
}

// 48 hours of hourly request rate ending at 2024-03-12T00:00Z: 100 rps, 1,500 rps at 10:00.
Series DailyPeak() {
  Series s{.start = Origin() - std::chrono::hours(48), .step = std::chrono::hours(1)};
  for (int i = 0; i < 48; ++i) s.values.push_back(i % 24 == 10 ? 1500 : 100);
  return s;
}

TEST(AwsConfig, TargetTrackingWithPredictiveDecidesAsTheForescaleCombinedPolicy) {
  auto aws = AwsPolicy(R"([
  {"AutoScalingGroupName": "web", "PolicyName": "cpu60", "PolicyType": "TargetTrackingScaling",
   "EstimatedInstanceWarmup": 180,
   "TargetTrackingConfiguration": {"TargetValue": 60,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}},
  {"AutoScalingGroupName": "web", "PolicyName": "cpu60-predictive", "PolicyType": "PredictiveScaling",
   "PredictiveScalingConfiguration": {"Mode": "ForecastAndScale",
     "MetricSpecifications": [{"TargetValue": 60,
       "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ASGCPUUtilization"}}]}}
])");
  auto yaml = YamlPolicy(internal::MakeCombined, R"(kind: combined
members:
  - {kind: target-tracking, metric: cpu, target: 60%, warmup: 3m}
  - {kind: aws-predictive, mode: ForecastAndScale, metric: cpu, target: 60%}
)");
  ASSERT_TRUE(aws && yaml);
  EXPECT_EQ(aws->kind(), "combined");
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak());
  // From 09:30: predictive scaling raises the capacity for the 10:00 peak at 09:55, target
  // tracking takes it down again once the CPU stays low.
  ExpectSameDecisions(
      *aws, *yaml, 120, [](int t) { return t < 60 ? 0.5 : 0.1; }, 4, &m,
      At("2024-03-12T09:30:00Z"));
}

// ---------------------------------------------------------------------------------------------
// Scheduled actions

// AWS CLI reference, put-scheduled-update-group-action, both examples as --cli-input-json.
constexpr const char* kCliScheduled = R"([
  {"AutoScalingGroupName": "my-auto-scaling-group", "ScheduledActionName": "my-scheduled-action",
   "StartTime": "2014-05-12T08:00:00Z", "EndTime": "2014-05-12T08:00:00Z",
   "MinSize": 2, "MaxSize": 6, "DesiredCapacity": 4},
  {"AutoScalingGroupName": "my-auto-scaling-group", "ScheduledActionName": "my-recurring-action",
   "Recurrence": "30 0 1 1,6,12 *", "MinSize": 2, "MaxSize": 6, "DesiredCapacity": 4}
])";

TEST(AwsConfig, CliScheduledExamplesBecomeOneScheduledPolicy) {
  const auto& s = Only<ScheduledOptions>(MustRead(kCliScheduled));
  ASSERT_EQ(s.actions.size(), 2u);
  EXPECT_EQ(s.actions[0].name, "my-scheduled-action");
  EXPECT_EQ(s.actions[0].at, At("2014-05-12T08:00:00Z"));
  EXPECT_EQ(s.actions[0].min_replicas, 2);
  EXPECT_EQ(s.actions[0].max_replicas, 6);
  EXPECT_EQ(s.actions[0].desired_replicas, 4);
  EXPECT_TRUE(s.actions[1].cron);
  EXPECT_TRUE(s.actions[1].cron->Matches(At("2024-06-01T00:30:00Z")));
  EXPECT_FALSE(s.actions[1].cron->Matches(At("2024-05-01T00:30:00Z")));
}

TEST(AwsConfig, DescribeScheduledActionsOutputIsReadAsIs) {
  // EC2 Auto Scaling User Guide, "Scheduled scaling", describe-scheduled-actions output.
  const auto& s = Only<ScheduledOptions>(MustRead(R"({
  "ScheduledUpdateGroupActions": [
    {
      "AutoScalingGroupName": "my-asg",
      "ScheduledActionName": "my-recurring-action",
      "Recurrence": "30 0 1 1,6,12 *",
      "ScheduledActionARN": "arn:aws:autoscaling:us-west-2:123456789012:scheduledUpdateGroupAction:8e86b655-b2e6-4410-8f29-b4f094d6871c:autoScalingGroupName/my-asg:scheduledActionName/my-recurring-action",
      "StartTime": "2020-12-01T00:30:00Z",
      "Time": "2020-12-01T00:30:00Z",
      "MinSize": 1,
      "MaxSize": 6,
      "DesiredCapacity": 4
    }
  ]
})"));
  // The StartTime is on the recurrence: one action, not an extra run.
  ASSERT_EQ(s.actions.size(), 1u);
  EXPECT_EQ(s.actions[0].start, At("2020-12-01T00:30:00Z"));
}

TEST(AwsConfig, ARecurrenceAlsoRunsAtItsStartTime) {
  const auto& s = Only<ScheduledOptions>(MustRead(R"({
  "AutoScalingGroupName": "web", "ScheduledActionName": "weekday-mornings",
  "Recurrence": "0 8 * * 1-5", "StartTime": "2024-03-12T06:15:00Z", "MinSize": 10})"));
  ASSERT_EQ(s.actions.size(), 2u);
  EXPECT_EQ(s.actions[1].at, At("2024-03-12T06:15:00Z"));
  EXPECT_EQ(s.actions[1].min_replicas, 10);
}

TEST(AwsConfig, ScheduledActionsDecideAsTheForescaleYamlPolicy) {
  auto aws = AwsPolicy(R"([
  {"AutoScalingGroupName": "web", "ScheduledActionName": "business-hours",
   "Recurrence": "45 7 * * 1-5", "MinSize": 10, "MaxSize": 200},
  {"AutoScalingGroupName": "web", "ScheduledActionName": "evening",
   "Recurrence": "0 20 * * *", "MinSize": 2, "MaxSize": 120, "TimeZone": "Etc/UTC"},
  {"AutoScalingGroupName": "web", "ScheduledActionName": "launch",
   "StartTime": "2024-03-12T09:00:00Z", "DesiredCapacity": 40}
])");
  auto yaml = YamlPolicy(internal::MakeScheduled, R"(kind: scheduled
actions:
  - {name: business-hours, cron: "45 7 * * 1-5", min: 10, max: 200}
  - {name: evening, cron: "0 20 * * *", min: 2, max: 120}
  - {name: launch, at: "2024-03-12T09:00:00Z", desired: 40}
)");
  ASSERT_TRUE(aws && yaml);
  ExpectSameDecisions(
      *aws, *yaml, 24 * 60, [](int) { return 0.5; }, 4, nullptr, At("2024-03-12T00:00:00Z"));
}

TEST(AwsConfig, TimeZonesOtherThanUtcAreErrors) {
  // The guide's time zone example.
  EXPECT_THAT(ErrorOf(R"({"ScheduledActionName": "my-recurring-action",
  "AutoScalingGroupName": "my-asg", "Recurrence": "0 18 * * 1-5",
  "TimeZone": "America/New_York", "DesiredCapacity": 2})"),
              HasSubstr("asg.json:3: TimeZone: 'America/New_York' cannot be simulated"));
}

// ---------------------------------------------------------------------------------------------
// Files, warnings and errors

TEST(AwsConfig, UnknownFieldsAreWarningsNamingFileLineAndPath) {
  Read r = ReadText(R"({
  "AutoScalingGroupName": "my-asg",
  "PolicyName": "cpu40",
  "PolicyType": "TargetTrackingScaling",
  "Colour": "blue",
  "TargetTrackingConfiguration": {
    "TargetValue": 40.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization",
                                      "Extra": 1}
  }
})");
  ASSERT_TRUE(r.config) << r.config.error().message();
  EXPECT_THAT(r.warnings,
              ElementsAre("asg.json:9: TargetTrackingConfiguration.PredefinedMetricSpecification."
                          "Extra: unknown field, ignored",
                          "asg.json:5: Colour: unknown field, ignored"));
}

TEST(AwsConfig, WarningsReachTheContextThroughLoadPolicy) {
  const std::string path = WriteTemp("warn.json", R"({"TargetValue": 50, "Typo": true,
  "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}})");
  std::vector<std::string> warnings;
  PolicyContext context = internal::WebContext();
  context.warnings = &warnings;
  auto p = LoadPolicy(path, context);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->kind(), "target-tracking");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("warn.json:1: Typo: unknown field, ignored"));
}

TEST(AwsConfig, ErrorsNameFileLineAndPath) {
  EXPECT_THAT(ErrorOf(R"({
  "AutoScalingGroupName": "my-asg",
  "PolicyName": "cpu",
  "PolicyType": "TargetTrackingScaling",
  "TargetTrackingConfiguration": {
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}
  }
})"),
              HasSubstr("asg.json:5: TargetTrackingConfiguration.TargetValue: missing"));
  // The step policy of the user guide without its alarm.
  EXPECT_THAT(ErrorOf(R"([{
  "AutoScalingGroupName": "my-asg",
  "PolicyName": "my-step-scale-in-policy",
  "PolicyType": "StepScaling",
  "AdjustmentType": "ChangeInCapacity",
  "StepAdjustments": [{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -2}]
}])"),
              HasSubstr("asg.json:3: [0].PolicyName: step scaling policy my-step-scale-in-policy "
                        "has no alarm to run it"));
  EXPECT_THAT(ErrorOf(R"({"TargetValue": 5000,
  "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageNetworkIn"}})"),
              HasSubstr("asg.json:2: PredefinedMetricSpecification.PredefinedMetricType: "
                        "ASGAverageNetworkIn cannot be simulated"));
  EXPECT_THAT(ErrorOf(R"({"TargetValue": "50",
  "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}})"),
              HasSubstr("asg.json:1: TargetValue: expected a number, got the string \"50\""));
  EXPECT_THAT(ErrorOf(R"({"PolicyName": "p", "AutoScalingGroupName": "g",
  "TargetTrackingConfiguration": {"TargetValue": 50,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}})"),
              HasSubstr("TargetTrackingConfiguration: valid only with PolicyType "
                        "TargetTrackingScaling (this policy is SimpleScaling); PolicyType is "
                        "missing and AWS's default is SimpleScaling"));
}

TEST(AwsConfig, BehaviourForescaleCannotSimulateIsAnError) {
  const std::string step = R"([
  {"AutoScalingGroupName": "g", "PolicyName": "out", "PolicyType": "StepScaling",
   "AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Maximum",
   "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}])";
  EXPECT_THAT(ErrorOf(step), HasSubstr("asg.json:3: [0].MetricAggregationType: Maximum cannot be "
                                       "simulated"));
  EXPECT_THAT(ErrorOf(R"({"AlarmName": "a", "MetricName": "CPUUtilization",
  "Namespace": "AWS/EC2", "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1,
  "Threshold": 70, "ComparisonOperator": "GreaterThanThreshold",
  "TreatMissingData": "breaching", "AlarmActions": ["out"]})"),
              HasSubstr("asg.json:4: TreatMissingData: breaching cannot be simulated"));
  EXPECT_THAT(ErrorOf(R"({"AlarmName": "a", "Metrics": [{"Id": "m1", "Expression": "x"}],
  "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 1})"),
              HasSubstr("asg.json:1: Metrics: metric math"));
  EXPECT_THAT(ErrorOf(R"([
  {"AutoScalingGroupName": "a", "PolicyName": "x", "PolicyType": "TargetTrackingScaling",
   "TargetTrackingConfiguration": {"TargetValue": 50,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}},
  {"AutoScalingGroupName": "b", "PolicyName": "y", "PolicyType": "TargetTrackingScaling",
   "TargetTrackingConfiguration": {"TargetValue": 50,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}}])"),
              HasSubstr("asg.json:5: [1].AutoScalingGroupName: this file describes two Auto "
                        "Scaling groups ('a' and 'b')"));
  EXPECT_THAT(ErrorOf(R"({"MetricSpecifications": [{"TargetValue": 40,
  "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ASGCPUUtilization"}}],
  "MaxCapacityBreachBehavior": "IncreaseMaxCapacity"})"),
              HasSubstr("MaxCapacityBuffer: missing (required with IncreaseMaxCapacity)"));
  EXPECT_THAT(ErrorOf(R"([{"AutoScalingGroupName": "g", "PolicyName": "out",
  "PolicyType": "StepScaling", "AdjustmentType": "ChangeInCapacity",
  "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10,
                       "ScalingAdjustment": 1},
                      {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2}]}])"),
              HasSubstr("[0].StepAdjustments: the step ranges leave a gap"));
}

TEST(AwsConfig, DisabledPoliciesAreLeftOutWithAWarning) {
  Read r = ReadText(R"([
  {"AutoScalingGroupName": "g", "PolicyName": "on", "PolicyType": "TargetTrackingScaling",
   "TargetTrackingConfiguration": {"TargetValue": 50,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}},
  {"AutoScalingGroupName": "g", "PolicyName": "off", "PolicyType": "TargetTrackingScaling",
   "Enabled": false,
   "TargetTrackingConfiguration": {"TargetValue": 70,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}}])");
  ASSERT_TRUE(r.config) << r.config.error().message();
  ASSERT_EQ(r.config->members.size(), 1u);
  EXPECT_EQ(r.config->members[0].name, "on");
  EXPECT_THAT(r.warnings, ElementsAre(HasSubstr("asg.json:6: [1].Enabled: false: AWS does not "
                                                "run policy off")));
}

constexpr const char* kTargetTrackingCpu50 = R"(
  {"AutoScalingGroupName": "g", "PolicyName": "cpu50", "PolicyType": "TargetTrackingScaling",
   "TargetTrackingConfiguration": {"TargetValue": 50,
     "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}}})";

constexpr const char* kStepIn = R"(
  {"AutoScalingGroupName": "g", "PolicyName": "in", "PolicyType": "StepScaling",
   "AdjustmentType": "ChangeInCapacity",
   "StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]})";

std::string LowCpuAlarm(bool actions_enabled) {
  return std::string(R"(
  {"AlarmName": "low", "MetricName": "CPUUtilization", "Namespace": "AWS/EC2",
   "Statistic": "Average", "Period": 60, "EvaluationPeriods": 10, "Threshold": 20,
   "ComparisonOperator": "LessThanThreshold", "AlarmActions": ["in"], "ActionsEnabled": )") +
         (actions_enabled ? "true" : "false") + "}";
}

TEST(AwsConfig, AlarmsWithActionsDisabledLeaveTheirPolicyOut) {
  Read r = ReadText(std::string("[") + kTargetTrackingCpu50 + "," + kStepIn + "," +
                    LowCpuAlarm(false) + "]");
  ASSERT_TRUE(r.config) << r.config.error().message();
  ASSERT_EQ(r.config->members.size(), 1u);
  EXPECT_EQ(r.config->members[0].name, "cpu50");
  EXPECT_THAT(r.warnings,
              ElementsAre(HasSubstr("[2].ActionsEnabled: false: alarm low runs none of its "
                                    "policies"),
                          HasSubstr("[1]: policy in is left out: its alarms have ActionsEnabled "
                                    "false")));
}

TEST(AwsConfig, StepScaleInBesideTargetTrackingWarnsOfTheApproximation) {
  Read r = ReadText(std::string("[") + kTargetTrackingCpu50 + "," + kStepIn + "," +
                    LowCpuAlarm(true) + "]");
  ASSERT_TRUE(r.config) << r.config.error().message();
  ASSERT_EQ(r.config->members.size(), 2u);
  EXPECT_THAT(r.warnings, ElementsAre(HasSubstr("asg.json: scale-in by in is approximated")));
}

TEST(AwsConfig, DescribeOutputPairsAlarmsByName) {
  // describe-policies and describe-alarms output for one group, side by side in an array; the
  // target tracking policy's managed alarms come along and change nothing.
  const std::string text = R"([
{"ScalingPolicies": [
  {"AutoScalingGroupName": "my-asg", "PolicyName": "my-step-scale-out-policy",
   "PolicyARN": "arn:aws:autoscaling:us-west-2:123456789012:scalingPolicy:1:autoScalingGroupName/my-asg:policyName/my-step-scale-out-policy",
   "PolicyType": "StepScaling", "AdjustmentType": "ChangeInCapacity",
   "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2}],
   "MetricAggregationType": "Average",
   "Alarms": [{"AlarmName": "high-cpu", "AlarmARN": "arn:aws:cloudwatch:us-west-2:123456789012:alarm:high-cpu"}],
   "Enabled": true},
  {"AutoScalingGroupName": "my-asg", "PolicyName": "alb",
   "PolicyARN": "arn:aws:autoscaling:us-west-2:123456789012:scalingPolicy:2:autoScalingGroupName/my-asg:policyName/alb",
   "PolicyType": "TargetTrackingScaling", "StepAdjustments": [],
   "Alarms": [{"AlarmName": "TargetTracking-my-asg-AlarmHigh-1", "AlarmARN": "arn:aws:cloudwatch:us-west-2:123456789012:alarm:TargetTracking-my-asg-AlarmHigh-1"}],
   "TargetTrackingConfiguration": {"PredefinedMetricSpecification": {
       "PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "app/x/1/targetgroup/y/2"},
     "TargetValue": 1200.0, "DisableScaleIn": false},
   "Enabled": true}]},
{"MetricAlarms": [
  {"AlarmName": "high-cpu", "AlarmArn": "arn:aws:cloudwatch:us-west-2:123456789012:alarm:high-cpu",
   "ActionsEnabled": true, "OKActions": [],
   "AlarmActions": ["arn:aws:autoscaling:us-west-2:123456789012:scalingPolicy:1:autoScalingGroupName/my-asg:policyName/my-step-scale-out-policy"],
   "InsufficientDataActions": [], "StateValue": "OK", "StateReason": "Threshold Crossed",
   "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
   "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "my-asg"}],
   "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 75.0,
   "ComparisonOperator": "GreaterThanThreshold"},
  {"AlarmName": "TargetTracking-my-asg-AlarmHigh-1",
   "AlarmActions": ["arn:aws:autoscaling:us-west-2:123456789012:scalingPolicy:2:autoScalingGroupName/my-asg:policyName/alb"],
   "MetricName": "RequestCountPerTarget", "Namespace": "AWS/ApplicationELB", "Statistic": "Sum",
   "Period": 60, "EvaluationPeriods": 3, "Threshold": 1200.0,
   "ComparisonOperator": "GreaterThanThreshold"}],
 "CompositeAlarms": []}
])";
  const AwsPolicyConfig config = MustRead(text);
  ASSERT_EQ(config.members.size(), 2u);
  const auto& step = std::get<StepScalingOptions>(config.members[0].options);
  ASSERT_EQ(step.policies.size(), 1u);
  EXPECT_EQ(step.policies[0].alarm.datapoints_to_alarm, 2);
  EXPECT_DOUBLE_EQ(step.policies[0].alarm.threshold, 0.75);
  const auto& tt = std::get<TargetTrackingOptions>(config.members[1].options);
  EXPECT_DOUBLE_EQ(tt.target, 20);
}

TEST(AwsConfig, LoadPolicyReadsJsonFilesAndReportsSyntaxErrorsWithTheirLine) {
  auto ok = LoadPolicy(WriteTemp("cpu40.json", kCpu40), internal::WebContext());
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ((*ok)->kind(), "target-tracking");
  auto bad =
      LoadPolicy(WriteTemp("bad.json", "{\n  \"TargetValue\": 40,\n}\n"), internal::WebContext());
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("bad.json:3: invalid JSON: syntax error"));
  // Still a forescale policy when the JSON says `kind`.
  auto forescale = LoadPolicy(WriteTemp("tt.json", R"({"kind": "target-tracking", "target": 0.5})"),
                              internal::WebContext());
  ASSERT_TRUE(forescale) << forescale.error().message();
  EXPECT_EQ((*forescale)->kind(), "target-tracking");
}

TEST(AwsConfig, ScenariosMayWriteAwsConfigurationInline) {
  // A scenario's policy node in YAML (the shape of --cli-input-yaml).
  auto root = LoadYamlText(R"(policy:
  - PolicyType: TargetTrackingScaling
    PolicyName: cpu50
    AutoScalingGroupName: web
    TargetTrackingConfiguration:
      TargetValue: 50
      PredefinedMetricSpecification: {PredefinedMetricType: ASGAverageCPUUtilization}
  - ScheduledActionName: nightly
    AutoScalingGroupName: web
    Recurrence: "0 22 * * *"
    MinSize: 1
)",
                           "scenario.yaml");
  ASSERT_TRUE(root);
  auto p = LoadPolicy((*root)["policy"], "scenario.yaml", internal::WebContext());
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ((*p)->kind(), "combined");
  auto bad = LoadPolicy(YAML::Load("{PolicyType: TargetTrackingScaling, PolicyName: x}"),
                        "scenario.yaml", internal::WebContext());
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("scenario.yaml:1: TargetTrackingConfiguration: "
                                               "missing"));
}

TEST(AwsConfig, TheExampleConfigsLoadWithoutWarnings) {
  for (const char* name :
       {"aws-target-tracking.json", "aws-predictive.json", "aws-step-with-alarm.json"}) {
    const std::string path = std::string(FORESCALE_SOURCE_DIR) + "/examples/configs/" + name;
    std::vector<std::string> warnings;
    PolicyContext context = internal::WebContext();
    context.warnings = &warnings;
    auto p = LoadPolicy(path, context);
    EXPECT_TRUE(p) << name << ": " << (p ? "" : p.error().message());
    EXPECT_THAT(warnings, IsEmpty()) << name;
  }
}

}  // namespace
}  // namespace forescale::policy
