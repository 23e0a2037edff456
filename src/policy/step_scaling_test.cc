#include "policy/step_scaling.h"

#include <gtest/gtest.h>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::AtMinutes;
using internal::AtSeconds;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;
using internal::Pods;

// The EC2 Auto Scaling User Guide's step example: threshold 50 % CPU, capacity 10;
// 50-60 % no change, 60-70 % +10 %, 70 % and up +30 %; 40-50 % no change, 30-40 % -10 %,
// below 30 % -30 %.
constexpr const char* kGuideExample = R"(kind: step
warmup: 5m
policies:
  - name: out
    alarm: {metric: cpu, comparison: ">=", threshold: 50%}
    adjustment_type: PercentChangeInCapacity
    steps:
      - {lower: 0, upper: 10%, adjustment: 0}
      - {lower: 10%, upper: 20%, adjustment: 10}
      - {lower: 20%, adjustment: 30}
  - name: in
    alarm: {metric: cpu, comparison: "<=", threshold: 50%}
    adjustment_type: PercentChangeInCapacity
    steps:
      - {lower: -10%, upper: 0, adjustment: 0}
      - {lower: -20%, upper: -10%, adjustment: -10}
      - {upper: -20%, adjustment: -30}
)";

TEST(StepScaling, GuideExampleRepeatedBreachesInWarmupAddOnlyTheDifference) {
  auto policy = MustBuild(internal::MakeStep, kGuideExample);
  FakeMetrics m;
  auto pods = Pods(10, AtMinutes(-60));
  m.Set(Metric::kCpuUtilisation, 0.60);  // +10 % of 10 = 1
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 10, m, pods)).desired_replicas, 11);
  // The new instance warms up; 62 % is the same step: 10 + 1 = 11, already asked for.
  auto fresh = Pods(1, AtMinutes(0), false);
  pods.insert(pods.end(), fresh.begin(), fresh.end());
  m.Set(Metric::kCpuUtilisation, 0.62);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(1), 11, m, pods)).desired_replicas, 11);
  // 70 %: +30 % of the 10 settled instances = 13; the group asked for 11, so 2 more.
  m.Set(Metric::kCpuUtilisation, 0.70);
  const Decision d = policy->Decide(Obs(AtMinutes(2), 11, m, pods));
  EXPECT_EQ(d.desired_replicas, 13) << d.reason;
}

TEST(StepScaling, BoundsAreInclusiveTowardTheThreshold) {
  auto policy = MustBuild(internal::MakeStep, kGuideExample);
  FakeMetrics m;
  const auto pods = Pods(10, AtMinutes(-60));
  // Exactly 60 % is above the threshold: [10 %, 20 %) applies (lower inclusive) -> +1.
  m.Set(Metric::kCpuUtilisation, 0.60);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 10, m, pods)).desired_replicas, 11);
  // Exactly 40 % is below it: (-20 %, -10 %] applies (upper inclusive) -> -10 % of 10 = -1.
  auto in = MustBuild(internal::MakeStep, kGuideExample);
  m.Set(Metric::kCpuUtilisation, 0.40);
  EXPECT_EQ(in->Decide(Obs(AtMinutes(0), 10, m, pods)).desired_replicas, 9);
  // 30 % exactly: (-inf, -20 %] -> -30 % of 10 = -3.
  auto deep = MustBuild(internal::MakeStep, kGuideExample);
  m.Set(Metric::kCpuUtilisation, 0.30);
  EXPECT_EQ(deep->Decide(Obs(AtMinutes(0), 10, m, pods)).desired_replicas, 7);
}

TEST(StepScaling, PercentChangeRoundsAsAwsDoes) {
  using T = AdjustmentType;
  EXPECT_EQ(ApplyAdjustment(T::kPercentChangeInCapacity, 127, 10, 0), 22);  // 12.7 -> 12
  EXPECT_EQ(ApplyAdjustment(T::kPercentChangeInCapacity, 5, 10, 0), 11);    // 0.5 -> 1
  EXPECT_EQ(ApplyAdjustment(T::kPercentChangeInCapacity, -5, 10, 0), 9);    // -0.5 -> -1
  EXPECT_EQ(ApplyAdjustment(T::kPercentChangeInCapacity, -33, 20, 0), 14);  // -6.6 -> -6
  EXPECT_EQ(ApplyAdjustment(T::kPercentChangeInCapacity, 25, 4, 2), 6);     // 1, raised to 2
  EXPECT_EQ(ApplyAdjustment(T::kChangeInCapacity, -3, 10, 0), 7);
  EXPECT_EQ(ApplyAdjustment(T::kExactCapacity, 4, 10, 0), 4);
}

TEST(StepScaling, AlarmNeedsItsEvaluationPeriods) {
  auto policy = MustBuild(internal::MakeStep, R"(kind: step
policies:
  - alarm: {metric: cpu, comparison: ">", threshold: 80%, period: 1m, evaluation_periods: 3}
    steps: [{lower: 0, adjustment: 2}]
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.85);
  const auto pods = Pods(4, AtMinutes(-60));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 4, m, pods)).desired_replicas, 4);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(1), 4, m, pods)).desired_replicas, 4);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 4, m, pods)).desired_replicas, 6);
}

TEST(StepScaling, ScaleInWaitsWhileAScaleOutIsWarmingUp) {
  auto policy = MustBuild(internal::MakeStep, R"(kind: step
warmup: 3m
policies:
  - alarm: {metric: cpu, comparison: "<", threshold: 30%}
    steps: [{upper: 0, adjustment: -1}]
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.1);
  auto pods = Pods(5, AtMinutes(-60));
  auto fresh = Pods(1, AtMinutes(0));
  pods.insert(pods.end(), fresh.begin(), fresh.end());
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 6, m, pods)).desired_replicas, 6);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(3), 6, m, pods)).desired_replicas, 5);
}

TEST(StepScaling, SimpleScalingCooldownBlocksAt200sAndAllowsAt301s) {
  auto policy = MustBuild(internal::MakeStep, R"(kind: step
mode: simple
policies:
  - name: add-two
    alarm: {metric: cpu, comparison: ">", threshold: 80%}
    adjustment: 2
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.95);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(0), 10, m)).desired_replicas, 12);
  const Decision blocked = policy->Decide(Obs(AtSeconds(200), 12, m));
  EXPECT_EQ(blocked.desired_replicas, 12);
  EXPECT_NE(blocked.reason.find("cooldown"), std::string::npos) << blocked.reason;
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(301), 12, m)).desired_replicas, 14);
}

TEST(StepScaling, SimpleScalingPolicyCooldownOverridesTheDefault) {
  auto policy = MustBuild(internal::MakeStep, R"(kind: step
mode: simple
cooldown: 10m
policies:
  - alarm: {metric: request-rate, comparison: ">", threshold: 1000rps}
    adjustment_type: ExactCapacity
    adjustment: 20
    cooldown: 1m
  - alarm: {metric: request-rate, comparison: "<", threshold: 100}
    adjustment: -1
)");
  FakeMetrics m;
  m.Set(Metric::kRequestRate, 1500);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(0), 10, m)).desired_replicas, 20);
  m.Set(Metric::kRequestRate, 50);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(30), 20, m)).desired_replicas, 20);  // in cooldown
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(60), 20, m)).desired_replicas, 19);
  // The scale-in policy's own (default) cooldown is 10 minutes.
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(120), 19, m)).desired_replicas, 19);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(660), 19, m)).desired_replicas, 18);
}

TEST(StepScaling, LargestCapacityWinsWhenTwoPoliciesAlarm) {
  auto policy = MustBuild(internal::MakeStep, R"(kind: step
policies:
  - alarm: {metric: cpu, comparison: ">", threshold: 70%}
    steps: [{lower: 0, adjustment: 1}]
  - alarm: {metric: latency, comparison: ">", threshold: 300ms}
    adjustment_type: PercentChangeInCapacity
    steps: [{lower: 0, adjustment: 50}]
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  m.Set(Metric::kLatencyP95, 0.8);
  const Decision d = policy->Decide(Obs(AtMinutes(0), 10, m, Pods(10, AtMinutes(-60))));
  EXPECT_EQ(d.desired_replicas, 15);
}

TEST(StepScaling, NamedOnTheCommandLineUsesTheDocumentedDefaultRules) {
  auto policy = LoadPolicy("step", internal::WebContext());
  ASSERT_TRUE(policy.has_value()) << policy.error().message();
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.85);
  const auto pods = Pods(4, AtMinutes(-60));
  for (int t : {0, 1}) (*policy)->Decide(Obs(AtMinutes(t), 4, m, pods));
  EXPECT_EQ((*policy)->Decide(Obs(AtMinutes(2), 4, m, pods)).desired_replicas, 6);  // +2
}

TEST(StepScaling, RejectsOverlapsGapsAndUnknownKeys) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \">\", threshold: 50%}\n"
       "    steps: [{lower: 0, upper: 20%, adjustment: 1}, {lower: 10%, adjustment: 2}]\n",
       "overlap"},
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \">\", threshold: 50%}\n"
       "    steps: [{lower: 0, upper: 10%, adjustment: 1}, {lower: 20%, adjustment: 2}]\n",
       "gap"},
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \">\", threshold: 50%}\n"
       "    steps: [{lower: 0, upper: 10%, adjustment: 1}]\n",
       "without upper bound"},
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \">\", threshold: 50%}\n"
       "    steps: [{lower: 0, adjustment: 1}]\n    adjustment: 3\n",
       "policy.yaml:5: policies[0].adjustment: unknown key"},
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \"=\", threshold: 50%}\n"
       "    steps: [{lower: 0, adjustment: 1}]\n",
       "comparison"},
      {"kind: step\nmode: simple\nwarmup: 2m\npolicies: []\n", "simple scaling has no warm-up"},
      {"kind: step\npolicies:\n  - alarm: {metric: cpu, comparison: \">\", threshold: 50%}\n"
       "    min_adjustment_magnitude: 2\n    steps: [{lower: 0, adjustment: 1}]\n",
       "PercentChangeInCapacity"},
  };
  for (const Case& c : cases) {
    auto p = internal::FromYaml(internal::MakeStep, c.yaml);
    ASSERT_FALSE(p.has_value()) << c.yaml;
    EXPECT_NE(p.error().message().find(c.message), std::string::npos) << p.error().message();
    EXPECT_NE(p.error().message().find("policy.yaml:"), std::string::npos) << p.error().message();
  }
}

}  // namespace
}  // namespace forescale::policy
