#include "policy/scheduled.h"

#include <gtest/gtest.h>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::At;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;

constexpr const char* kBusinessHours = R"(kind: scheduled
replay: 0
actions:
  - name: business-hours
    cron: "0 8 * * 1-5"
    min: 10
    max: 200
  - name: night
    cron: "0 20 * * *"
    min: 2
    max: 6
)";

TEST(Scheduled, RaisesTheMinimumWhenTheActionRunsAndNotBefore) {
  auto policy = MustBuild(internal::MakeScheduled, kBusinessHours);
  FakeMetrics m;
  // 2024-03-12 is a Tuesday.
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T07:59:00Z"), 3, m)).desired_replicas, 3);
  const Decision d = policy->Decide(Obs(At("2024-03-12T08:00:00Z"), 3, m));
  EXPECT_EQ(d.desired_replicas, 10);
  EXPECT_NE(d.reason.find("business-hours"), std::string::npos) << d.reason;
  // The bound stays set; a capacity inside it is kept as it is.
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T12:00:00Z"), 15, m)).desired_replicas, 15);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T12:01:00Z"), 4, m)).desired_replicas, 10);
}

TEST(Scheduled, LoweringTheMaximumScalesIn) {
  auto policy = MustBuild(internal::MakeScheduled, kBusinessHours);
  FakeMetrics m;
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T19:59:00Z"), 12, m)).desired_replicas, 12);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T20:00:00Z"), 12, m)).desired_replicas, 6);
  // Saturday 08:00: the weekday action does not run, the night bounds stay.
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-16T08:00:00Z"), 6, m)).desired_replicas, 6);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-16T09:00:00Z"), 1, m)).desired_replicas, 2);
}

TEST(Scheduled, DesiredCapacityIsSetOnceWhenTheActionRuns) {
  auto policy = MustBuild(internal::MakeScheduled, R"(kind: scheduled
actions:
  - {name: warm-up, cron: "30 8 * * *", desired: 20}
)");
  FakeMetrics m;
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:29:00Z"), 5, m)).desired_replicas, 5);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:30:00Z"), 5, m)).desired_replicas, 20);
  // Afterwards the capacity is the group's (other policies may have changed it).
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:31:00Z"), 8, m)).desired_replicas, 8);
}

TEST(Scheduled, ActionsRunEvenWhenADecisionFallsBetweenMinutes) {
  auto policy = MustBuild(internal::MakeScheduled, kBusinessHours);
  FakeMetrics m;
  policy->Decide(Obs(At("2024-03-12T07:59:30Z"), 3, m));
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:00:30Z"), 3, m)).desired_replicas, 10);
}

TEST(Scheduled, ReplaysThePastWeekOnTheFirstDecision) {
  // Default replay 7 d: at Tuesday noon the 08:00 action has already run.
  auto policy = MustBuild(internal::MakeScheduled, R"(kind: scheduled
actions:
  - {name: business-hours, cron: "0 8 * * 1-5", min: 10}
  - {name: evening, cron: "0 20 * * 1-5", min: 2}
)");
  FakeMetrics m;
  const Decision d = policy->Decide(Obs(At("2024-03-12T12:00:00Z"), 3, m));
  EXPECT_EQ(d.desired_replicas, 10) << d.reason;
}

TEST(Scheduled, OneTimeActionAndRecurrenceWindow) {
  auto policy = MustBuild(internal::MakeScheduled, R"(kind: scheduled
replay: 0
actions:
  - {name: launch, at: "2024-03-12T09:00:00Z", min: 40}
  - {name: sale, cron: "0 * * * *", min: 50, start: "2024-03-12T11:00:00Z",
     end: "2024-03-12T12:00:00Z"}
)");
  FakeMetrics m;
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:59:00Z"), 3, m)).desired_replicas, 3);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:00:00Z"), 3, m)).desired_replicas, 40);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T10:00:00Z"), 40, m)).desired_replicas, 40);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T11:00:00Z"), 40, m)).desired_replicas, 50);
}

TEST(Scheduled, BoundsStayWithinTheResourceLimits) {
  auto policy = MustBuild(internal::MakeScheduled, R"(kind: scheduled
replay: 0
actions: [{cron: "0 8 * * *", min: 500, max: 900}]
)");
  FakeMetrics m;
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T08:00:00Z"), 3, m, {}, 1, 200)).desired_replicas,
            200);
}

TEST(Scheduled, NamedWithoutAFileIsAClearError) {
  auto policy = LoadPolicy("scheduled", internal::WebContext());
  ASSERT_FALSE(policy.has_value());
  EXPECT_NE(policy.error().message().find("policy file"), std::string::npos)
      << policy.error().message();
}

TEST(Scheduled, RejectsBadActions) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"kind: scheduled\nactions:\n  - {cron: '0 8 * * *', min: 10, max: 5}\n",
       "sched.yaml:3: actions[0].max: must be >= min (10)"},
      {"kind: scheduled\nactions:\n  - {min: 10}\n", "missing: cron"},
      {"kind: scheduled\nactions:\n  - {cron: '0 25 * * *', min: 10}\n", "sched.yaml:3"},
      {"kind: scheduled\nactions:\n  - {cron: '0 8 * * *'}\n", "at least one of min, max"},
      {"kind: scheduled\nactions:\n  - {cron: '0 8 * * *', minimum: 3}\n",
       "sched.yaml:3: actions[0].minimum: unknown key"},
      {"kind: scheduled\nactions:\n  - {cron: '0 8 * * *', min: 2, max: 4, desired: 9}\n",
       "desired: must lie within"},
      {"kind: scheduled\nactions:\n  - {at: 'tomorrow', min: 2}\n", "actions[0].at"},
  };
  for (const Case& c : cases) {
    auto p = internal::FromYaml(internal::MakeScheduled, c.yaml, "sched.yaml");
    ASSERT_FALSE(p.has_value()) << c.yaml;
    EXPECT_NE(p.error().message().find(c.message), std::string::npos) << p.error().message();
  }
}

// Each example policy file of the AWS kinds loads through LoadPolicy and builds.
TEST(ExamplePolicies, EveryAwsKindExampleLoads) {
  const PolicyContext context = internal::WebContext();
  for (const char* kind :
       {"target-tracking", "step", "rule", "scheduled", "aws-predictive", "combined"}) {
    const std::string path =
        std::string(FORESCALE_SOURCE_DIR) + "/examples/policies/" + kind + ".yaml";
    auto policy = LoadPolicy(path, context);
    ASSERT_TRUE(policy.has_value()) << path << ": " << policy.error().message();
    EXPECT_EQ((*policy)->kind(), kind);
    // One decision on a quiet service: within the bounds, with a reason.
    FakeMetrics m;
    m.Set(Metric::kCpuUtilisation, 0.5);
    m.Set(Metric::kRequestRate, 100);
    const Decision d = (*policy)->Decide(Obs(At("2024-03-12T12:00:00Z"), 4, m));
    EXPECT_GE(d.desired_replicas, 1) << kind;
    EXPECT_LE(d.desired_replicas, 200) << kind;
    EXPECT_FALSE(d.reason.empty()) << kind;
  }
}

}  // namespace
}  // namespace forescale::policy
