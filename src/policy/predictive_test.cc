#include "policy/predictive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "forecast/engine.h"
#include "policy/internal/fake_metrics.h"

namespace forescale::policy {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const TimePoint kStart{std::chrono::hours(24 * 20000)};  // a midnight

// Three days of a daily cycle at 1 min: 100 rps at night, 500 rps at 12:00.
Series DailyCycle(size_t minutes) {
  Series s{.start = kStart, .step = 1min};
  for (size_t i = 0; i < minutes; ++i) {
    const double phase = 2 * M_PI * static_cast<double>(i % 1440) / 1440.0;
    s.values.push_back(300 - 200 * std::cos(phase) + 5 * std::sin(static_cast<double>(i) * 0.7));
  }
  return s;
}

Observation At(TimePoint now, int current, const MetricSource& metrics) {
  return {.now = now, .current_replicas = current, .ready_replicas = current, .min_replicas = 1,
          .max_replicas = 200, .capacity_per_replica = 50, .metrics = &metrics};
}

TEST(Predictive, ProvisionsForTheLoadWhenNewReplicasWillBeReady) {
  // History ends at 09:00 on day 4, while the load climbs; at 09:02 the cycle asks for about
  // 300 - 200 cos(2 pi 542/1440) = 443 rps. Before any decision has been scored, the upper bound
  // is the backtest's quantile; it must fit below 85 % of 50 rps per replica.
  internal::FakeMetrics metrics;
  const Series history = DailyCycle(3 * 1440 + 540);
  metrics.SetHistory(Metric::kRequestRate, history);
  metrics.Set(Metric::kRequestRate, history.values.back());
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy policy({.lead = 2min, .quantile = 0.9});
  const Decision d = policy.Decide(At(history.end(), 10, metrics));
  EXPECT_THAT(d.reason, HasSubstr("(q0.9 "));
  EXPECT_THAT(d.reason, HasSubstr("backtest"));
  const double at_lead = 300 - 200 * std::cos(2 * M_PI * 542 / 1440.0);
  EXPECT_GE(d.expected_load, at_lead * 0.97);
  EXPECT_LE(d.expected_load, at_lead * 1.15);
  EXPECT_GE(d.expected_load_high, d.expected_load);
  EXPECT_LE(d.expected_load_high, at_lead * 1.3);
  EXPECT_EQ(d.desired_replicas, static_cast<int>(std::ceil(d.expected_load_high / (50 * 0.85))))
      << d.reason;
}

TEST(Predictive, SizesItsUpperBoundAtMaxUtilisation) {
  // The same forecast with less room per replica asks for proportionally more replicas. At
  // noon, the top of the cycle: no ramp to follow, the bound and the reactive floor decide
  // (the wobble on the cycle is forecastable, so the bound may fall below the current load).
  internal::FakeMetrics metrics;
  const Series history = DailyCycle(3 * 1440 + 720);
  metrics.SetHistory(Metric::kRequestRate, history);
  metrics.Set(Metric::kRequestRate, history.values.back());
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy hot({.lead = 2min, .max_utilisation = 0.85});
  PredictivePolicy cool({.lead = 2min, .max_utilisation = 0.5});
  const Decision h = hot.Decide(At(history.end(), 10, metrics));
  const Decision c = cool.Decide(At(history.end(), 10, metrics));
  EXPECT_DOUBLE_EQ(h.expected_load_high, c.expected_load_high);
  const double now = history.values.back();
  for (const auto& [decision, room] : {std::pair{h, 50 * 0.85}, std::pair{c, 50 * 0.5}}) {
    EXPECT_EQ(decision.desired_replicas,
              static_cast<int>(std::ceil(std::max(decision.expected_load_high, now) / room)))
        << decision.reason;
  }
  EXPECT_GT(c.desired_replicas, h.desired_replicas);
}

TEST(Predictive, WithoutEnoughHistoryFollowsTheReactiveFloorAndSaysSo) {
  internal::FakeMetrics metrics;
  metrics.SetHistory(Metric::kRequestRate, DailyCycle(60));
  // 310 rps at 85 % of 50 rps per replica: ceil(310 / 42.5) = 8.
  metrics.Set(Metric::kRequestRate, 310);
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy policy({.min_history = 6h});
  const Decision d = policy.Decide(At(kStart + 1h, 4, metrics));
  EXPECT_EQ(d.desired_replicas, 8);
  EXPECT_THAT(d.reason, HasSubstr("no forecast yet: 1h of history, needs 6h"));
  EXPECT_TRUE(std::isnan(d.expected_load));
}

// Before the first scrape there is neither a request rate nor CPU: no evidence of an idle
// service. It was read as zero load and scaled 7 replicas to 1 under 198 rps (found by probing).
TEST(Predictive, WithNoMetricsYetItHoldsTheReplicas) {
  internal::FakeMetrics metrics;
  PredictivePolicy policy({.min_history = 6h});
  const Decision d = policy.Decide(At(kStart + 1min, 7, metrics));
  EXPECT_EQ(d.desired_replicas, 7);
  EXPECT_THAT(d.reason, HasSubstr("no metrics yet: holding"));
}

TEST(Predictive, FollowsAClearRampAheadEvenWithoutAForecast) {
  // Ten minutes rising by 10 rps a minute, 190 rps in the newest: the reactive floor asks for
  // ceil(190 / 42.5) = 5, but by the end of the window provisioned for (now + 2m15s, the middle
  // of bucket 11.75) the ramp reaches 100 + 10 * 11.75 = 217.5 rps: ceil(217.5 / 42.5) = 6.
  internal::FakeMetrics metrics;
  Series rising{.start = kStart, .step = 1min};
  for (int i = 0; i < 10; ++i) rising.values.push_back(100 + 10 * i);
  metrics.SetHistory(Metric::kRequestRate, rising);
  metrics.Set(Metric::kRequestRate, 190);
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy policy({.lead = 2min, .min_history = 6h});
  const Decision d = policy.Decide(At(rising.end(), 4, metrics));
  EXPECT_EQ(d.desired_replicas, 6) << d.reason;
  EXPECT_THAT(d.reason, HasSubstr("ramp +10.0 rps per 1m reaches 217.5: needs 6"));
  // A rise as clear but not exactly straight is extrapolated at its slope's lower bound, two
  // standard errors below the fitted 9.77 rps a minute (SE 0.46): from the line's newest point
  // (188.6) at 8.84 rps a minute it reaches 213.7 at bucket 11.75, not the line's 216.3.
  Series wobbly = rising;
  wobbly.values = {100, 110, 120, 130, 140, 152, 158, 172, 178, 190};
  metrics.SetHistory(Metric::kRequestRate, wobbly);
  PredictivePolicy sure({.lead = 2min, .min_history = 6h});
  const Decision w = sure.Decide(At(wobbly.end(), 4, metrics));
  EXPECT_THAT(w.reason, HasSubstr("ramp +8.8 rps per 1m reaches 213.7: needs 6"));
  // The same minutes in a noisy order are no ramp: the floor alone decides.
  Series noisy = rising;
  noisy.values = {100, 190, 120, 170, 110, 180, 130, 160, 140, 190};
  metrics.SetHistory(Metric::kRequestRate, noisy);
  PredictivePolicy calm({.lead = 2min, .min_history = 6h});
  const Decision c = calm.Decide(At(noisy.end(), 4, metrics));
  EXPECT_EQ(c.desired_replicas, 5) << c.reason;
  EXPECT_THAT(c.reason, ::testing::Not(HasSubstr("ramp")));
}

TEST(Predictive, RollsTheChosenModelForwardWithEachDeliveredStep) {
  // Seven hours at 100 rps, then the load doubles. Three minutes later, before any refit, the
  // naive model has rolled through the new minutes and forecasts 200 — not the 160 a 5-minute
  // level correction of the fit's forecast (3 of 5 minutes at 200) would give.
  internal::FakeMetrics metrics;
  Series load{.start = kStart, .step = 1min};
  load.values.assign(7 * 60, 100.0);
  metrics.SetHistory(Metric::kRequestRate, load);
  metrics.Set(Metric::kRequestRate, 100);
  metrics.Set(Metric::kCpuUtilisation, 0.4);
  PredictivePolicy policy({.lead = 2min, .model = "naive"});
  const Decision before = policy.Decide(At(load.end(), 3, metrics));
  EXPECT_DOUBLE_EQ(before.expected_load, 100) << before.reason;
  load.values.insert(load.values.end(), 3, 200.0);
  metrics.SetHistory(Metric::kRequestRate, load);
  metrics.Set(Metric::kRequestRate, 200);
  metrics.Set(Metric::kCpuUtilisation, 0.8);
  const Decision after = policy.Decide(At(load.end(), 3, metrics));
  EXPECT_DOUBLE_EQ(after.expected_load, 200) << after.reason;
  EXPECT_THAT(after.reason, ::testing::Not(HasSubstr("level x")));
  // A live pipeline's buckets end at the moment of the query, off the models' grid by part of a
  // minute: the forecast still rolls, each model step taking the nearest delivered bucket.
  Series offset = load;
  offset.start += 20s;
  offset.values.insert(offset.values.end(), 2, 300.0);
  metrics.SetHistory(Metric::kRequestRate, offset);
  metrics.Set(Metric::kRequestRate, 300);
  const Decision live = policy.Decide(At(offset.end(), 3, metrics));
  EXPECT_DOUBLE_EQ(live.expected_load, 300) << live.reason;
}

TEST(Predictive, ChoosesTheModelForTheHorizonItActsOn) {
  // A daily cycle on a slowly wandering level: a few minutes ahead the last value is the best
  // guess (naive), an hour ahead the same minute yesterday is (snaive). A rolled forecast is
  // used a lead ahead, so auto chooses naive, where a choice for the hour to the next refit
  // would take snaive (alone or in a combination).
  Series load{.start = kStart, .step = 1min};
  std::mt19937 rng(7);
  std::normal_distribution<double> step(0.0, 0.2);
  double level = 500;
  for (size_t i = 0; i < 4 * 1440; ++i) {
    level += step(rng);
    load.values.push_back(level + 100 * std::sin(2 * M_PI * static_cast<double>(i) / 1440.0));
  }
  auto hour_ahead =
      forecast::RunForecast(load, {.horizon = 65, .folds = 5, .candidates = {"naive", "snaive"}});
  ASSERT_TRUE(hour_ahead);
  ASSERT_NE(std::find(hour_ahead->members.begin(), hour_ahead->members.end(), "snaive"),
            hour_ahead->members.end())
      << hour_ahead->model;
  internal::FakeMetrics metrics;
  metrics.SetHistory(Metric::kRequestRate, load);
  metrics.Set(Metric::kRequestRate, load.values.back());
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy policy({.lead = 2min, .candidates = {"naive", "snaive"}});
  const Decision d = policy.Decide(At(load.end(), 15, metrics));
  EXPECT_THAT(d.reason, HasSubstr("(naive)")) << d.reason;
}

TEST(Predictive, PastDemandIsNotErasedByTheMissingStepsOfANewPipeline) {
  // A live run: Prometheus holds 30 minutes and answers a week's query with missing steps
  // before that. The past handed over at the start must still be what the forecast learns from:
  // at 06:00, the steepest hour of the cycle, it foresees 07:00 (a naive level would not).
  const Series all = DailyCycle(3 * 1440 + 360);
  const size_t run = 30;
  Series past{.start = all.start, .step = all.step};
  past.values.assign(all.values.begin(), all.values.end() - run);
  Series pipeline{.start = all.end() - std::chrono::days(7), .step = all.step};
  pipeline.values.assign(7 * 1440, std::nan(""));
  std::copy(all.values.end() - run, all.values.end(), pipeline.values.end() - run);
  internal::FakeMetrics metrics;
  metrics.SetHistory(Metric::kRequestRate, pipeline);
  metrics.Set(Metric::kRequestRate, all.values.back());
  metrics.Set(Metric::kCpuUtilisation, 0.5);
  PredictivePolicy policy({.lead = 1h, .quantile = 0.9}, {}, past);
  const Decision d = policy.Decide(At(all.end(), 10, metrics));
  EXPECT_THAT(d.reason, ::testing::Not(HasSubstr("(naive"))) << d.reason;
  const double at_lead = 300 - 200 * std::cos(2 * M_PI * 420 / 1440.0);  // 352 rps, 300 now
  EXPECT_GE(d.expected_load, at_lead * 0.97) << d.reason;
  EXPECT_LE(d.expected_load, at_lead * 1.15) << d.reason;
}

TEST(Predictive, ReactiveFloorReadsCpuAsTheHpaDoes) {
  internal::FakeMetrics metrics;
  metrics.Set(Metric::kRequestRate, 30);
  metrics.Set(Metric::kCpuUtilisation, 0.9);  // 0.9 / 0.6 = 1.5 x 10 ready -> 15
  PredictivePolicy policy({.max_utilisation = 0.6});
  EXPECT_EQ(policy.Decide(At(kStart, 10, metrics)).desired_replicas, 15);
}

TEST(Predictive, ReactiveFloorSumsThePodsCpuAndLeavesOutPodsWithoutASample) {
  // Four pods at 90 % of their request and two just ready, without a sample yet: the load is
  // 3.6 pods' worth of CPU, ceil(3.6 / 0.85) = 5. Counting the new pods at the others' 90 %
  // would ask for ceil(0.9 / 0.85 x 6) = 7 for a load that has not grown.
  internal::FakeMetrics metrics;
  metrics.Set(Metric::kRequestRate, 10);
  metrics.Set(Metric::kCpuUtilisation, 0.9);
  std::vector<PodView> pods(6);
  for (size_t i = 0; i < pods.size(); ++i) {
    pods[i].ready = true;
    if (i < 4) pods[i].cpu_usage = 0.9;
  }
  Observation o = At(kStart, 6, metrics);
  o.pods = pods;
  PredictivePolicy policy({});
  EXPECT_EQ(policy.Decide(o).desired_replicas, 5);
}

TEST(Predictive, ReactiveFloorFollowsTheNewestSampleWhenTheLoadJumps) {
  // The last minute averaged 100 rps, its newest 15 s sample 200: the floor asks for what the
  // newest sample needs at 85 % of 50 rps, ceil(200 / 42.5) = 5, as the HPA would read it, not
  // the minute's ceil(100 / 42.5) = 3. A newest sample below the minute's mean does not lower it.
  internal::FakeMetrics metrics;
  metrics.SetWindow(Metric::kRequestRate, 1min, 100);
  metrics.SetWindow(Metric::kRequestRate, 15s, 200);
  metrics.Set(Metric::kCpuUtilisation, 0.3);
  PredictivePolicy policy({.interval = 15s, .min_history = 6h});
  EXPECT_EQ(policy.Decide(At(kStart + 1h, 2, metrics)).desired_replicas, 5);
  metrics.SetWindow(Metric::kRequestRate, 15s, 50);
  PredictivePolicy calm({.interval = 15s, .min_history = 6h});
  EXPECT_EQ(calm.Decide(At(kStart + 1h, 2, metrics)).desired_replicas, 3);
}

TEST(Predictive, ScaleDownWaitsForTheWindow) {
  internal::FakeMetrics metrics;
  metrics.Set(Metric::kCpuUtilisation, 0.3);
  PredictivePolicy policy({.interval = 15s, .max_utilisation = 0.6, .scale_down_window = 1min});
  metrics.Set(Metric::kRequestRate, 660);  // ceil(660 / 30) = 22 replicas
  EXPECT_EQ(policy.Decide(At(kStart, 10, metrics)).desired_replicas, 22);
  metrics.Set(Metric::kRequestRate, 330);  // 11 replicas would do
  const Decision held = policy.Decide(At(kStart + 15s, 22, metrics));
  EXPECT_EQ(held.desired_replicas, 22);
  EXPECT_THAT(held.reason, HasSubstr("scale-down held at 22"));
  EXPECT_EQ(policy.Decide(At(kStart + 60s, 22, metrics)).desired_replicas, 11);
}

TEST(Predictive, ScaleDownWindowDefaultsToTheLead) {
  // A replica removed now takes the lead to come back: one wanted within the last lead stays.
  internal::FakeMetrics metrics;
  metrics.Set(Metric::kCpuUtilisation, 0.3);
  PredictivePolicy policy({.interval = 15s, .lead = 90s, .max_utilisation = 0.6});
  metrics.Set(Metric::kRequestRate, 660);
  EXPECT_EQ(policy.Decide(At(kStart, 10, metrics)).desired_replicas, 22);
  metrics.Set(Metric::kRequestRate, 330);
  const Decision held = policy.Decide(At(kStart + 75s, 22, metrics));
  EXPECT_EQ(held.desired_replicas, 22);
  EXPECT_THAT(held.reason, HasSubstr("(1m30s window)"));
  EXPECT_EQ(policy.Decide(At(kStart + 90s, 22, metrics)).desired_replicas, 11);
}

TEST(Predictive, PolicyFileErrorsNameTheFileAndKey) {
  const std::string dir = std::string(FORESCALE_SOURCE_DIR) + "/examples/policies/";
  auto ok = LoadPolicy(dir + "predictive.yaml", {.capacity_per_replica = 50});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ((*ok)->kind(), "predictive");
  EXPECT_EQ((*ok)->interval(), 15s);
  // A target utilisation from files of the earlier policy: told what to do instead, with the line.
  auto old = LoadPolicy(YAML::Load("kind: predictive\nquantile: 0.9\ntarget_utilisation: 60%\n"),
                        "old.yaml", {.capacity_per_replica = 50});
  ASSERT_FALSE(old);
  EXPECT_THAT(old.error().message(), HasSubstr("old.yaml"));
  EXPECT_THAT(old.error().message(), HasSubstr("target_utilisation"));
  EXPECT_THAT(old.error().message(), HasSubstr("max_utilisation"));
  auto zero = LoadPolicy(YAML::Load("kind: predictive\nmax_utilisation: 0%\n"), "zero.yaml",
                         {.capacity_per_replica = 50});
  ASSERT_FALSE(zero);
  EXPECT_THAT(zero.error().message(), HasSubstr("max_utilisation"));
  auto budget = LoadPolicy(YAML::Load("kind: predictive\n\ncost_budget: -1\n"), "budget.yaml",
                           {.capacity_per_replica = 50});
  ASSERT_FALSE(budget);
  EXPECT_THAT(budget.error().message(), HasSubstr("budget.yaml:3"));
  EXPECT_THAT(budget.error().message(), HasSubstr("cost_budget"));
  EXPECT_TRUE(LoadPolicy(YAML::Load("kind: predictive\ncost_budget: none\n"), "none.yaml",
                         {.capacity_per_replica = 50}));
}

// A load at about 100 rps that surges every half hour: five minutes rising by 40 rps a minute
// to 300, then back. The same situation on a service whose surges stop after one step is
// `short_surges`.
double Surging(size_t minute, bool short_surges) {
  const size_t in_cycle = minute % 30;
  const double noise = 2 * std::sin(static_cast<double>(minute) * 1.3);
  if (in_cycle == 0 || in_cycle > 5 || (short_surges && in_cycle > 1)) return 100 + noise;
  return 100 + 40 * static_cast<double>(in_cycle) + noise;
}

// Decides every 15 s for `hours` after `past` hours of history, the pipeline delivering each
// minute once it is over; returns the decisions made 15 s after a surge's first step arrived.
std::vector<Decision> RunSurges(PredictivePolicy& policy, size_t past, size_t hours,
                                bool short_surges) {
  internal::FakeMetrics metrics;
  metrics.Set(Metric::kCpuUtilisation, 0.4);
  Series delivered{.start = kStart, .step = 1min};
  std::vector<Decision> first_steps;
  for (size_t m = 0; m < (past + hours) * 60; ++m) {
    delivered.values.push_back(Surging(m, short_surges));
    if (m < past * 60) continue;
    metrics.SetHistory(Metric::kRequestRate, delivered);
    metrics.Set(Metric::kRequestRate, delivered.values.back());
    for (int q = 0; q < 4; ++q) {
      const Decision d = policy.Decide(At(delivered.end() + q * 15s, 3, metrics));
      if ((m + 1) % 30 == 2 && q == 1) first_steps.push_back(d);
    }
  }
  return first_steps;
}

TEST(Predictive, LearnsWhatTheFirstMinutesOfASurgeGoOnToDo) {
  // 15 s after a surge's first step (140 rps) is delivered, the load two minutes on will be
  // 220-260. Once the calibration has scored thirty such first steps (120 decisions), the
  // policy provisions for where its surges go: at least 220 rps, ceil(220 / 42.5) = 6 replicas,
  // while the naive forecast says 140. A service whose surges stop after one step learns that
  // too: ceil(140 / 42.5) = 4.
  PredictivePolicy surges({.interval = 15s, .lead = 2min, .model = "naive"});
  const std::vector<Decision> first = RunSurges(surges, 7, 20, false);
  ASSERT_EQ(first.size(), 40u);
  EXPECT_THAT(first.back().reason, HasSubstr(", 1 step rising)")) << first.back().reason;
  EXPECT_THAT(first.front().reason, HasSubstr("backtest")) << first.front().reason;
  EXPECT_NEAR(first.back().expected_load, 140, 5) << first.back().reason;
  EXPECT_GE(first.back().desired_replicas, 6) << first.back().reason;
  EXPECT_GE(first.back().expected_load_high, 220) << first.back().reason;
  PredictivePolicy blips({.interval = 15s, .lead = 2min, .model = "naive"});
  const std::vector<Decision> blip = RunSurges(blips, 7, 20, true);
  EXPECT_LE(blip.back().desired_replicas, 4) << blip.back().reason;
}

}  // namespace
}  // namespace forescale::policy
