#include "policy/rule.h"

#include <gtest/gtest.h>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::AtMinutes;
using internal::AtSeconds;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;

TEST(RuleParse, ReadsTheOneLineForm) {
  auto r = ParseRule("scale up by 2 if cpu > 80% for 5m");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->action, ScalingRule::Action::kUp);
  EXPECT_EQ(r->amount, 2);
  EXPECT_FALSE(r->percent);
  EXPECT_EQ(r->metric.metric, Metric::kCpuUtilisation);
  EXPECT_EQ(r->op, internal::Comparison::kGreater);
  EXPECT_DOUBLE_EQ(r->threshold, 0.8);
  EXPECT_EQ(r->sustain, std::chrono::minutes(5));
  EXPECT_FALSE(r->cooldown.has_value());

  auto down = ParseRule("Scale Down by 25% if latency<=120ms for 15m cooldown 10m");
  ASSERT_TRUE(down.has_value()) << down.error().message();
  EXPECT_EQ(down->action, ScalingRule::Action::kDown);
  EXPECT_TRUE(down->percent);
  EXPECT_EQ(down->amount, 25);
  EXPECT_EQ(down->op, internal::Comparison::kLessOrEqual);
  EXPECT_DOUBLE_EQ(down->threshold, 0.12);
  EXPECT_EQ(down->cooldown, std::chrono::minutes(10));

  auto to = ParseRule("scale to 20 if request-rate >= 900rps");
  ASSERT_TRUE(to.has_value()) << to.error().message();
  EXPECT_EQ(to->action, ScalingRule::Action::kTo);
  EXPECT_EQ(to->amount, 20);
  EXPECT_DOUBLE_EQ(to->threshold, 900);
  EXPECT_EQ(to->sustain, Duration{0});
}

TEST(RuleParse, SaysWhatWasExpectedWhere) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"scale up by two if cpu > 80%", "a positive whole number or percentage at 'two'"},
      {"scale sideways by 2 if cpu > 80%", "'up', 'down' or 'to' at 'sideways'"},
      {"scale up by 2 when cpu > 80%", "'if' at 'when'"},
      {"scale up by 2 if disk > 80%", "a metric"},
      {"scale up by 2 if cpu = 80%", "one of > >= < <="},
      {"scale up by 2 if cpu > lots", "a percentage such as 80%"},
      {"scale up by 2 if cpu > 80% for ever", "a duration such as 5m at 'ever'"},
      {"scale up by 2 if cpu > 80% during 5m", "'for' or 'cooldown'"},
      {"scale up by 2 if cpu >", "at the end"},
  };
  for (const Case& c : cases) {
    auto r = ParseRule(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
  }
}

TEST(Rule, FiresOnlyAfterTheConditionHeldForItsWholeDuration) {
  auto policy =
      MustBuild(internal::MakeRule, "kind: rule\nrules:\n  - scale up by 2 if cpu > 80% for 5m\n");
  EXPECT_EQ(policy->interval(), std::chrono::seconds(30));
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  for (int s = 0; s < 300; s += 30) {
    EXPECT_EQ(policy->Decide(Obs(AtSeconds(s), 10, m)).desired_replicas, 10) << s;
  }
  const Decision d = policy->Decide(Obs(AtSeconds(300), 10, m));
  EXPECT_EQ(d.desired_replicas, 12);
  EXPECT_NE(d.reason.find("scale up by 2 if cpu > 80% for 5m"), std::string::npos) << d.reason;
}

TEST(Rule, ADipBelowTheThresholdRestartsTheRun) {
  auto policy =
      MustBuild(internal::MakeRule, "kind: rule\nrules:\n  - scale up by 2 if cpu > 80% for 5m\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  for (int s = 0; s <= 240; s += 30) policy->Decide(Obs(AtSeconds(s), 10, m));
  m.Set(Metric::kCpuUtilisation, 0.7);
  policy->Decide(Obs(AtSeconds(270), 10, m));
  m.Set(Metric::kCpuUtilisation, 0.9);
  for (int s = 300; s < 600; s += 30) {
    EXPECT_EQ(policy->Decide(Obs(AtSeconds(s), 10, m)).desired_replicas, 10) << s;
  }
  EXPECT_EQ(policy->Decide(Obs(AtSeconds(600), 10, m)).desired_replicas, 12);
}

TEST(Rule, LargestResultWinsAmongRulesFiringTogether) {
  auto policy = MustBuild(internal::MakeRule, R"(kind: rule
rules:
  - scale up by 2 if cpu > 80%
  - scale up by 50% if latency > 300ms
  - scale down by 1 if request-rate < 1000
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  m.Set(Metric::kLatencyP95, 0.5);
  m.Set(Metric::kRequestRate, 10);
  const Decision d = policy->Decide(Obs(AtMinutes(0), 10, m));
  EXPECT_EQ(d.desired_replicas, 15);  // 10 + 50 % beats 10 + 2 and 10 - 1
  EXPECT_NE(d.reason.find("rule 2"), std::string::npos) << d.reason;
}

TEST(Rule, CooldownIsPerRule) {
  auto policy = MustBuild(internal::MakeRule, R"(kind: rule
rules:
  - scale up by 1 if cpu > 80% cooldown 5m
)");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.9);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 10, m)).desired_replicas, 11);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 11, m)).desired_replicas, 11);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(4), 11, m)).desired_replicas, 11);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(5), 11, m)).desired_replicas, 12);
}

TEST(Rule, PercentDownRoundsTowardZeroButAlwaysMoves) {
  auto policy = MustBuild(internal::MakeRule,
                          "kind: rule\ncooldown: 0\nrules: ['scale down by 30% if cpu < 30%']\n");
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.1);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(0), 10, m)).desired_replicas, 7);
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(1), 3, m)).desired_replicas, 2);  // 0.9 -> at least 1
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(2), 1, m)).desired_replicas, 1);  // min 1
}

TEST(Rule, StructuredFormMatchesTheOneLineForm) {
  auto policy = MustBuild(internal::MakeRule, R"(kind: rule
interval: 1m
rules:
  - {metric: cpu, op: "<", threshold: 30%, for: 15m, action: {scale: down, by: 1}}
)");
  EXPECT_EQ(policy->interval(), std::chrono::minutes(1));
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.2);
  for (int t = 0; t < 15; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m)).desired_replicas, 10) << t;
  }
  EXPECT_EQ(policy->Decide(Obs(AtMinutes(15), 10, m)).desired_replicas, 9);
}

TEST(Rule, MissingDataNeverFires) {
  auto policy =
      MustBuild(internal::MakeRule, "kind: rule\nrules: ['scale down by 1 if cpu < 30% for 1m']\n");
  FakeMetrics m;
  for (int t = 0; t < 10; ++t) {
    EXPECT_EQ(policy->Decide(Obs(AtMinutes(t), 10, m)).desired_replicas, 10);
  }
}

TEST(Rule, NamedOnTheCommandLineUsesTheDocumentedDefaultRules) {
  auto policy = LoadPolicy("rule", internal::WebContext());
  ASSERT_TRUE(policy.has_value()) << policy.error().message();
  FakeMetrics m;
  m.Set(Metric::kCpuUtilisation, 0.85);
  for (int s = 0; s < 180; s += 30) {
    EXPECT_EQ((*policy)->Decide(Obs(AtSeconds(s), 4, m)).desired_replicas, 4);
  }
  EXPECT_EQ((*policy)->Decide(Obs(AtSeconds(180), 4, m)).desired_replicas, 6);
}

TEST(Rule, BadRuleStringNamesFileLineAndProblem) {
  auto p = internal::FromYaml(internal::MakeRule, R"(kind: rule
rules:
  - scale up by 2 if cpu > 80% for 5m
  - scale down by 1 if cpu < 30% for a while
)",
                              "rules.yaml");
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message().find("rules.yaml:4: rules[1]: cannot read rule"), std::string::npos)
      << p.error().message();
}

TEST(Rule, StructuredFormRejectsUnknownKeysAndBadActions) {
  for (const auto& [yaml, message] : std::vector<std::pair<const char*, const char*>>{
           {"kind: rule\nrules:\n  - {metric: cpu, op: '>', threshold: 80%, fro: 5m,"
            " action: {scale: up, by: 1}}\n",
            "rules.yaml:3: rules[0].fro: unknown key"},
           {"kind: rule\nrules:\n  - {metric: cpu, op: '>', threshold: 80%,"
            " action: {scale: up, to: 4}}\n",
            "takes 'by:'"},
           {"kind: rule\nrules:\n  - {metric: cpu, op: '>', threshold: 80%,"
            " action: {scale: up, by: 0}}\n",
            "positive whole number"},
           {"kind: rule\nrules: []\n", "rules.yaml:2: rules: expected a list of rules"},
       }) {
    auto p = internal::FromYaml(internal::MakeRule, yaml, "rules.yaml");
    ASSERT_FALSE(p.has_value()) << yaml;
    EXPECT_NE(p.error().message().find(message), std::string::npos) << p.error().message();
  }
}

}  // namespace
}  // namespace forescale::policy
