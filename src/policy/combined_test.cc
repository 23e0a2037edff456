#include "policy/combined.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::At;
using internal::AtMinutes;
using internal::AtSeconds;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;
using internal::Origin;
using internal::Pods;

constexpr const char* kTwoTargets = R"(kind: combined
members:
  - {kind: target-tracking, metric: cpu, target: 60%}
  - {kind: target-tracking, metric: request-rate-per-target, target: 30}
)";

TEST(Combined, ScalesOutIfAnyMemberAsksAndTheLargestWins) {
  auto policy = MustBuild(internal::MakeCombined, kTwoTargets);
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);  // cpu: ceil(10 x 0.9 / 0.6) = 15
  m.Set(Metric::kRequestRate, 900);     // requests: 900 / 30 = 30
  const auto pods = Pods(10, AtMinutes(-60));
  for (int t : {0, 1}) policy->Decide(Obs(AtMinutes(t), 10, m, pods));
  const Decision d = policy->Decide(Obs(AtMinutes(2), 10, m, pods));
  EXPECT_EQ(d.desired_replicas, 30);
  EXPECT_NE(d.reason.find("#2 target-tracking wins with 30"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("#1 target-tracking 15"), std::string::npos) << d.reason;
}

TEST(Combined, ScalesInOnlyWhenEveryMemberAgrees) {
  auto policy = MustBuild(internal::MakeCombined, kTwoTargets);
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.2);  // cpu alone would go to ceil(10 x 0.2 / 0.6) = 4
  m.Set(Metric::kRequestRate, 300);     // 30 per target: on target, holds 10
  const auto pods = Pods(10, AtMinutes(-60));
  for (int t = 0; t < 20; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m, pods)).desired_replicas, 10) << t;
  }
  // Requests drop too: both agree, the larger of their scale-ins wins (150 / 30 = 5 > 4).
  m.Set(Metric::kRequestRate, 150);
  for (int t = 20; t < 34; ++t) policy->Decide(Obs(AtMinutes(t), 10, m, pods));
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(34), 10, m, pods)).desired_replicas, 5);
}

TEST(Combined, ScheduledMemberNarrowsTheBoundsOfTheOthers) {
  auto policy = MustBuild(internal::MakeCombined, R"(kind: combined
members:
  - {kind: target-tracking, target: 60%}
  - kind: scheduled
    replay: 0
    actions: [{name: peak, cron: "0 9 * * *", min: 12, max: 40}]
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.2);
  const auto pods = Pods(20, AtMinutes(-60));
  const TimePoint nine = At("2024-03-12T09:00:00Z");
  Decision d;
  for (int t = 0; t < 15; ++t) d = policy->Decide(Obs(nine + std::chrono::minutes(t), 20, m, pods));
  // Target tracking wants ceil(20 x 0.2 / 0.6) = 7, the scheduled minimum keeps 12.
  EXPECT_EQ(d.desired_replicas, 12) << d.reason;
  EXPECT_NE(d.reason.find("scheduled [12, 40]"), std::string::npos) << d.reason;
}

TEST(Combined, ScheduledDesiredCapacityIsWhereTheOthersStart) {
  auto policy = MustBuild(internal::MakeCombined, R"(kind: combined
members:
  - {kind: target-tracking, target: 60%}
  - {kind: scheduled, replay: 0, actions: [{cron: "0 9 * * *", desired: 25}]}
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.6);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:59:00Z"), 10, m)).desired_replicas, 10);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:00:00Z"), 10, m)).desired_replicas, 25);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:01:00Z"), 25, m)).desired_replicas, 25);
}

TEST(Combined, PredictiveRaisesTheMinimumAndMayLiftAScheduledMaximum) {
  Series history{.start = Origin() - std::chrono::hours(48), .step = std::chrono::hours(1)};
  for (int i = 0; i < 48; ++i) history.values.push_back(i % 24 == 10 ? 1500 : 100);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, history);
  m.Set(Metric::kCpuUtilisation, 0.6);
  auto make = [](const char* breach) {
    return MustBuild(internal::MakeCombined, std::string(R"(kind: combined
members:
  - {kind: target-tracking, target: 60%}
  - kind: aws-predictive
    mode: ForecastAndScale
    target: 60%
)") + breach + R"(
  - {kind: scheduled, actions: [{at: "2024-03-12T00:00:00Z", max: 30}]}
)");
  };
  // The forecast needs 50 at 10:00; the scheduled maximum is 30.
  auto honor = make("    max_capacity_breach_behavior: HonorMaxCapacity");
  EXPECT_EQ(honor->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m)).desired_replicas, 30);
  auto lift =
      make("    max_capacity_breach_behavior: IncreaseMaxCapacity\n    max_capacity_buffer: 10");
  const Decision d = lift->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m));
  EXPECT_EQ(d.desired_replicas, 50) << d.reason;
  EXPECT_NE(d.reason.find("max raised to 55"), std::string::npos) << d.reason;
  EXPECT_DOUBLE_EQ(d.expected_load, 1500);
  // Before the buffer time the forecast asks for 4 and target tracking holds: nothing moves.
  auto early = make("    max_capacity_breach_behavior: HonorMaxCapacity");
  EXPECT_EQ(early->Decide(Obs(At("2024-03-12T09:54:00Z"), 4, m)).desired_replicas, 4);
}

TEST(Combined, EachMemberIsAskedOnlyAtItsOwnInterval) {
  auto policy = MustBuild(internal::MakeCombined, R"(kind: combined
members:
  - {kind: rule, interval: 1m, cooldown: 0, rules: ["scale up by 1 if cpu > 50%"]}
  - {kind: rule, interval: 30s, rules: ["scale up by 1 if cpu > 99%"]}
)");
  EXPECT_EQ(policy->interval(), std::chrono::seconds(30));
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.8);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(0), 10, m)).desired_replicas, 11);
  // 30 s later the one-minute member is not asked: its last answer (11) stands.
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(30), 11, m)).desired_replicas, 11);
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(60), 11, m)).desired_replicas, 12);
}

TEST(Combined, MemberFilesAreFoundNextToTheCombinedFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("forescale-combined-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tt.yaml") << "kind: target-tracking\ntarget: 50%\n";
  std::ofstream(dir / "both.yaml") << "kind: combined\nmembers:\n  - tt.yaml\n  - rule\n";
  auto policy = LoadPolicy((dir / "both.yaml").string(), internal::WebContext());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(policy.has_value()) << policy.error().message();
  EXPECT_EQ((*policy)->kind(), "combined");
  EXPECT_EQ((*policy)->interval(), std::chrono::seconds(30));  // the rule's
}

TEST(Combined, RejectsBadMembers) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"kind: combined\nmembers:\n  - {kind: target-tracking, target: 60%, warmpu: 1m}\n",
       "both.yaml:3: warmpu: unknown key"},
      {"kind: combined\nmembers:\n  - {kind: autoscale}\n", "unknown policy kind 'autoscale'"},
      {"kind: combined\nmembers:\n  - no-such-file.yaml\n", "both.yaml:3: members[0]:"},
      {"kind: combined\nmembers: []\n", "expected a list of policies"},
      {"kind: combined\npolicies: []\n", "both.yaml:2: policies: unknown key"},
      {"kind: combined\nmembers:\n  - kind: scheduled\n    actions: [{cron: '0 8 * * *', min: 9, "
       "max: 3}]\n",
       "must be >= min"},
  };
  for (const Case& c : cases) {
    auto p = internal::FromYaml(internal::MakeCombined, c.yaml, "both.yaml");
    ASSERT_FALSE(p.has_value()) << c.yaml;
    EXPECT_NE(p.error().message().find(c.message), std::string::npos) << p.error().message();
  }
  auto named = LoadPolicy("combined", internal::WebContext());
  ASSERT_FALSE(named.has_value());
  EXPECT_NE(named.error().message().find("policy file"), std::string::npos);
}

// A member file that names itself, directly or through another, is a cycle to report: it
// recursed until the stack overflowed.
TEST(Combined, MemberFilesThatIncludeEachOtherAreAnError) {
  const auto dir = std::filesystem::temp_directory_path() / "forescale_combined_cycle";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "self.yaml") << "kind: combined\nmembers:\n  - self.yaml\n";
  std::ofstream(dir / "a.yaml") << "kind: combined\nmembers:\n  - hpa\n  - b.yaml\n";
  std::ofstream(dir / "b.yaml") << "kind: combined\nmembers:\n  - a.yaml\n";
  auto self = LoadPolicy((dir / "self.yaml").string(), internal::WebContext());
  auto pair = LoadPolicy((dir / "a.yaml").string(), internal::WebContext());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(self.has_value());
  EXPECT_NE(self.error().message().find("include each other in a cycle (self.yaml -> self.yaml)"),
            std::string::npos)
      << self.error().message();
  ASSERT_FALSE(pair.has_value());
  EXPECT_NE(pair.error().message().find("(a.yaml -> b.yaml -> a.yaml)"), std::string::npos)
      << pair.error().message();
}

}  // namespace
}  // namespace forescale::policy
