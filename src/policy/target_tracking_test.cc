#include "policy/target_tracking.h"

#include <gtest/gtest.h>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::AtMinutes;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;
using internal::Pods;

// Ten settled, ready instances launched an hour before the origin.
std::vector<PodView> Settled(int n) { return Pods(n, AtMinutes(-60)); }

TEST(TargetTracking, ScalesOutProportionallyAfterThreeDatapointsAboveTarget) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  const auto pods = Settled(10);
  EXPECT_EQ(policy->interval(), std::chrono::seconds(60));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 10, m, pods)).desired_replicas, 10);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(1), 10, m, pods)).desired_replicas, 10);
  // Third datapoint: AlarmHigh -> ceil(10 x 0.9 / 0.6) = 15 (not 16: 0.9/0.6
  // is 1.5000000000000002).
  const Decision d = policy->Decide(Obs(AtMinutes(2), 10, m, pods));
  EXPECT_EQ(d.desired_replicas, 15);
  EXPECT_NE(d.reason.find("AlarmHigh"), std::string::npos) << d.reason;
}

TEST(TargetTracking, OneDatapointBackUnderTargetResetsTheScaleOutAlarm) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;
  const auto pods = Settled(10);
  for (int t : {0, 1}) {
    m.Set(Metric::kCpuUtilisation, 0.9);
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10);
  }
  m.Set(Metric::kCpuUtilisation, 0.59);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 10, m, pods)).desired_replicas, 10);
  m.Set(Metric::kCpuUtilisation, 0.9);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(3), 10, m, pods)).desired_replicas, 10);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(4), 10, m, pods)).desired_replicas, 10);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(5), 10, m, pods)).desired_replicas, 15);
}

TEST(TargetTracking, ScalesInAfterFifteenDatapointsUnderNinetyPercentOfTarget) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.3);
  const auto pods = Settled(10);
  for (int t = 0; t < 14; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10) << t;
  }
  // 15th datapoint below 54 %: ceil(10 x 0.3 / 0.6) = 5.
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(14), 10, m, pods)).desired_replicas, 5);
}

TEST(TargetTracking, JustUnderTargetButInsideTheTenPercentBandNeverScalesIn) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.55);  // above 0.9 x 60 % = 54 %
  const auto pods = Settled(10);
  for (int t = 0; t < 60; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10) << t;
  }
}

TEST(TargetTracking, DuringWarmupASecondAlarmOnlyAddsTheDifference) {
  // The AWS example: 4 settled + 1 warming (desired 5), warm-up 5 minutes.
  auto policy =
      MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\nwarmup: 5m\n");
  FakeMetrics m;
  auto pods = Settled(4);
  auto fresh = Pods(1, AtMinutes(0));
  pods.insert(pods.end(), fresh.begin(), fresh.end());
  // The settled instances' CPU gives ceil(4 x 0.75 / 0.6) = 5: already asked for, no launch.
  m.Set(Metric::kCpuUtilisation, 0.75);
  for (int t : {0, 1, 2}) {
    const Decision d = policy->Decide(Obs(AtMinutes(t), 5, m, pods));
    EXPECT_EQ(d.desired_replicas, 5) << d.reason;
  }
  // The metric rises: ceil(4 x 0.9 / 0.6) = 6, so one more instance, not 6 on top of 5.
  m.Set(Metric::kCpuUtilisation, 0.9);
  const Decision d = policy->Decide(Obs(AtMinutes(3), 5, m, pods));
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_NE(d.reason.find("in warm-up"), std::string::npos) << d.reason;
}

TEST(TargetTracking, ScaleInWaitsForInstancesInWarmup) {
  auto policy =
      MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\nwarmup: 5m\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.2);
  auto pods = Settled(9);
  auto fresh = Pods(1, AtMinutes(10));  // in warm-up until minute 15
  pods.insert(pods.end(), fresh.begin(), fresh.end());
  for (int t = 0; t < 15; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10) << t;
  }
  // Minute 15: the new instance is settled; ceil(10 x 0.2 / 0.6) = 4.
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(15), 10, m, pods)).desired_replicas, 4);
}

TEST(TargetTracking, DisableScaleInNeverRemovesCapacity) {
  auto policy = MustBuild(internal::MakeTargetTracking,
                          "kind: target-tracking\ntarget: 60%\ndisable_scale_in: true\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.1);
  const auto pods = Settled(10);
  for (int t = 0; t < 30; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10);
  }
  m.Set(Metric::kCpuUtilisation, 0.9);
  for (int t = 30; t < 32; ++t) policy->Decide(Obs(AtMinutes(t), 10, m, pods));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(32), 10, m, pods)).desired_replicas, 15);
}

TEST(TargetTracking, RequestCountPerTargetScalesToRateOverTarget) {
  auto policy = MustBuild(internal::MakeTargetTracking,
                          "kind: target-tracking\nmetric: ALBRequestCountPerTarget\ntarget: 30\n");
  FakeMetrics m;
  m.Set(Metric::kRequestRate, 900);  // 90 per target with 10 targets
  const auto pods = Settled(10);
  for (int t : {0, 1}) policy->Decide(Obs(AtMinutes(t), 10, m, pods));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 10, m, pods)).desired_replicas, 30);  // 900 / 30
}

TEST(TargetTracking, MissingDataIsNeverReadAsLowUtilisation) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;  // no CPU samples at all
  const auto pods = Settled(10);
  for (int t = 0; t < 30; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10);
  }
}

TEST(TargetTracking, ResultStaysWithinTheBounds) {
  auto policy = MustBuild(internal::MakeTargetTracking, "kind: target-tracking\ntarget: 60%\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 1.0);
  const auto pods = Settled(10);
  for (int t : {0, 1}) policy->Decide(Obs(AtMinutes(t), 10, m, pods, 1, 12));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 10, m, pods, 1, 12)).desired_replicas, 12);
}

TEST(TargetTracking, NamedOnTheCommandLineTracksTheServiceTargetOnCpu) {
  auto policy = LoadPolicy("target-tracking", internal::WebContext());
  ASSERT_TRUE(policy.has_value()) << policy.error().message();
  auto* tt = dynamic_cast<TargetTrackingPolicy*>(policy->get());
  ASSERT_NE(tt, nullptr);
  EXPECT_EQ(tt->options().metric.metric, Metric::kCpuUtilisation);
  EXPECT_DOUBLE_EQ(tt->options().target, 0.6);
  EXPECT_EQ(tt->options().warmup, std::chrono::seconds(300));
}

TEST(TargetTracking, UnknownKeyIsAnErrorNamingFileAndLine) {
  auto p = internal::FromYaml(internal::MakeTargetTracking,
                              "kind: target-tracking\ntarget: 60%\ntargt: 50%\n", "tt.yaml");
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message().find("tt.yaml:3: targt: unknown key"), std::string::npos)
      << p.error().message();
}

TEST(TargetTracking, RejectsBadTargetsAndMetrics) {
  for (const char* text :
       {"kind: target-tracking\ntarget: 150%\n", "kind: target-tracking\ntarget: -5%\n",
        "kind: target-tracking\nmetric: disk\ntarget: 5\n",
        "kind: target-tracking\nmetric: latency\n", "kind: target-tracking\nwarmup: 300\n"}) {
    auto p = internal::FromYaml(internal::MakeTargetTracking, text, "tt.yaml");
    EXPECT_FALSE(p.has_value()) << text;
    if (!p) {
      EXPECT_NE(p.error().message().find("tt.yaml:"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace forescale::policy
