#include "testkit/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace forescale::testkit {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr Duration kDay = std::chrono::duration_cast<Duration>(std::chrono::days(1));

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

const TimePoint kStart = At("2024-01-01T00:00:00Z");

// `days` days at 1 min of a daily cycle between 30 and 270 requests/s, peaking at 18:00.
Series DailyCycle(int days = 3) {
  Series s{.start = kStart, .step = 1min};
  for (int i = 0; i < days * 1440; ++i) {
    const double phase = 2 * std::numbers::pi * (i % 1440 - 720) / 1440.0;
    s.values.push_back(150 - 120 * std::cos(phase + std::numbers::pi / 2));
  }
  return s;
}

// 50 rps per replica at 100 % CPU, sized for 60 % (30 rps), two minutes to start.
std::string Service(double startup_cv, double noise) {
  return "name: web\n"
         "capacity_rps: 50\n"
         "target_utilisation: 60%\n"
         "startup: {delay: 2m, cv: " + std::to_string(startup_cv) + "}\n"
         "replicas: {min: 1, max: 60}\n"
         "price_per_replica_hour: 0.05\n"
         "monitoring: {interval: 15s, delay: 15s, noise: " + std::to_string(noise) + "}\n";
}

// A scenario as LoadScenario would build it: inline service, the given policies, the last day
// scored, 5 s simulation steps so that the tests stay fast.
Scenario MakeScenario(std::vector<std::string> policies, size_t repetitions = 1,
                      double startup_cv = 0.3, double noise = 0.02) {
  Scenario s;
  s.path = "runner_test.yaml";
  s.name = "runner-test";
  auto service = sim::ParseServiceModel(Service(startup_cv, noise), "runner_test.yaml (service)");
  EXPECT_TRUE(service) << service.error().message();
  if (service) s.service = *service;
  for (const std::string& p : policies) s.policies.push_back({.label = p, .policy = YAML::Node(p)});
  s.repetitions = repetitions;
  s.seed = 7;
  s.step = 5s;
  s.test_last = kDay;
  return s;
}

Assertion Parsed(const char* text) {
  auto a = ParseAssertion(text);
  EXPECT_TRUE(a) << a.error().message();
  return *a;
}

const PolicyResult* Find(const ScenarioResults& r, const std::string& label) {
  for (const auto& p : r.policies) {
    if (p.name == label) return &p;
  }
  return nullptr;
}

// hpa and predictive, three repetitions, over three days (two of warm-up): run once, shared.
const ScenarioResults& ThreeRepetitions() {
  static const ScenarioResults results = [] {
    Scenario s = MakeScenario({"hpa", "predictive"}, 3);
    s.assertions = {Parsed("oracle.cost_efficiency == 1"), Parsed("hpa.cost > 0"),
                    Parsed("hpa.cost < 0.5 * oracle.cost")};
    auto r = RunScenario(s, DailyCycle(), {});
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : ScenarioResults{};
  }();
  return results;
}

TEST(RunScenario, ProducesOneResultPerPolicyAndAddsTheOracle) {
  const ScenarioResults& r = ThreeRepetitions();
  ASSERT_EQ(r.policies.size(), 3u);
  EXPECT_EQ(r.policies[0].name, "hpa");
  EXPECT_EQ(r.policies[0].kind, "hpa");
  EXPECT_EQ(r.policies[1].name, "predictive");
  EXPECT_EQ(r.policies[1].kind, "predictive");
  EXPECT_EQ(r.policies[2].name, "oracle");
  EXPECT_EQ(r.policies[2].kind, "oracle");
  for (const PolicyResult& p : r.policies) {
    EXPECT_EQ(p.runs.size(), 3u) << p.name;
    // The timeline kept is the whole first repetition, warm-up included, at the scenario's step.
    EXPECT_EQ(p.timeline.start, kStart) << p.name;
    EXPECT_EQ(p.timeline.step, 5s) << p.name;
    EXPECT_EQ(p.timeline.size(), 3u * 1440 * 12) << p.name;
  }
  EXPECT_EQ(r.test_from, kStart + 2 * kDay);
  EXPECT_EQ(r.test_to, kStart + 3 * kDay);
  EXPECT_EQ(r.seed, 7u);
  EXPECT_EQ(r.repetitions, 3u);
}

TEST(RunScenario, ScoresOnlyTheTestWindow) {
  const ScenarioResults& r = ThreeRepetitions();
  for (const PolicyResult& p : r.policies) {
    EXPECT_EQ(p.metrics.at("minutes").mean, 1440) << p.name;
    EXPECT_NEAR(p.runs[0].duration_hours, 24, 1e-9) << p.name;
  }
}

TEST(RunScenario, TheOracleIsItsOwnCostYardstick) {
  const ScenarioResults& r = ThreeRepetitions();
  const PolicyResult* oracle = Find(r, "oracle");
  ASSERT_NE(oracle, nullptr);
  const Estimate e = oracle->metrics.at("cost_efficiency");
  EXPECT_EQ(e.mean, 1.0);
  EXPECT_EQ(e.low, 1.0);
  EXPECT_EQ(e.high, 1.0);
  // Everyone else is measured against it, repetition by repetition.
  const PolicyResult* hpa = Find(r, "hpa");
  ASSERT_NE(hpa, nullptr);
  double expected = 0;
  for (size_t rep = 0; rep < 3; ++rep) expected += oracle->runs[rep].cost / hpa->runs[rep].cost / 3;
  EXPECT_NEAR(hpa->metrics.at("cost_efficiency").mean, expected, 1e-12);
  EXPECT_GT(hpa->metrics.at("cost_efficiency").mean, 0);
}

TEST(RunScenario, EveryMetricHasOneValuePerRepetitionAndAnIntervalAroundTheMean) {
  const ScenarioResults& r = ThreeRepetitions();
  for (const PolicyResult& p : r.policies) {
    for (const std::string& name : MetricNames()) {
      ASSERT_TRUE(p.metrics.contains(name)) << p.name << " " << name;
      const Estimate& e = p.metrics.at(name);
      if (name == "forecast_mape" && p.name != "predictive") {
        // Only a forecasting policy has a forecast to score.
        EXPECT_EQ(e.n, 0u) << p.name;
        EXPECT_TRUE(std::isnan(e.mean)) << p.name;
        continue;
      }
      if (name == "rises_met_in_advance" || name.starts_with("scaling_response_time")) {
        if (e.n == 0) continue;  // no rise / no episode in this run: nothing to measure
      }
      EXPECT_EQ(e.n, 3u) << p.name << " " << name;
      EXPECT_LE(e.low, e.mean) << p.name << " " << name;
      EXPECT_GE(e.high, e.mean) << p.name << " " << name;
    }
  }
  // The interval is the Student t one: mean +- 4.303 s / sqrt(3) for three repetitions.
  const PolicyResult* hpa = Find(r, "hpa");
  ASSERT_NE(hpa, nullptr);
  double mean = 0, ss = 0;
  for (const auto& run : hpa->runs) mean += run.cost / 3;
  for (const auto& run : hpa->runs) ss += (run.cost - mean) * (run.cost - mean);
  const double half = 4.303 * std::sqrt(ss / 2) / std::sqrt(3.0);
  EXPECT_NEAR(hpa->metrics.at("cost").mean, mean, 1e-9);
  EXPECT_NEAR(hpa->metrics.at("cost").high - hpa->metrics.at("cost").mean, half, 1e-9);
  EXPECT_GT(half, 0);
}

// The interval's t quantile is the one for n - 1 degrees of freedom (found by probing: from
// four repetitions on, each n used the quantile of the next larger one, 2.776 for three).
TEST(EstimateOf, UsesStudentTForNMinusOneDegreesOfFreedom) {
  const std::vector<std::pair<size_t, double>> t975 = {{2, 12.706}, {3, 4.303},  {4, 3.182},
                                                       {5, 2.776},  {11, 2.228}, {31, 2.042},
                                                       {41, 2.021}, {121, 1.980}};
  for (const auto& [n, t] : t975) {
    std::vector<double> values(n, 0.0);
    values[0] = static_cast<double>(n);  // mean 1, sample variance n: half-width t
    const Estimate e = EstimateOf(values);
    EXPECT_NEAR(e.mean, 1.0, 1e-12) << n;
    EXPECT_NEAR(e.high - e.mean, t, 1.5e-3) << n;
  }
  EXPECT_EQ(EstimateOf({5.0}).low, 5.0);
  EXPECT_TRUE(std::isnan(EstimateOf({NAN}).mean));
}

TEST(RunScenario, RepetitionsUseSuccessiveSeedsAndDifferWhenStartUpVaries) {
  const ScenarioResults& r = ThreeRepetitions();
  const PolicyResult* hpa = Find(r, "hpa");
  ASSERT_NE(hpa, nullptr);
  EXPECT_NE(hpa->runs[0].cost, hpa->runs[1].cost);
  EXPECT_NE(hpa->runs[1].cost, hpa->runs[2].cost);
}

TEST(RunScenario, WithoutStartUpVariationOrNoiseRepetitionsAreIdentical) {
  // The contrast to the test above: what differs between repetitions is only the randomness.
  Scenario s = MakeScenario({"hpa"}, 2, /*startup_cv=*/0, /*noise=*/0);
  auto r = RunScenario(s, DailyCycle(), {});
  ASSERT_TRUE(r) << r.error().message();
  const PolicyResult* hpa = Find(*r, "hpa");
  ASSERT_NE(hpa, nullptr);
  EXPECT_EQ(hpa->runs[0].cost, hpa->runs[1].cost);
  EXPECT_EQ(hpa->metrics.at("cost").low, hpa->metrics.at("cost").high);
}

TEST(RunScenario, ChecksTheScenariosAssertions) {
  const ScenarioResults& r = ThreeRepetitions();
  ASSERT_EQ(r.assertions.size(), 3u);
  EXPECT_TRUE(r.assertions[0].passed) << r.assertions[0].message;
  EXPECT_TRUE(r.assertions[1].passed) << r.assertions[1].message;
  EXPECT_FALSE(r.assertions[2].passed) << r.assertions[2].message;
  EXPECT_EQ(r.assertions[2].expression, "hpa.cost < 0.5 * oracle.cost");
}

TEST(RunScenario, TheSameSeedGivesTheSameResults) {
  Scenario s = MakeScenario({"hpa"}, 1);
  auto a = RunScenario(s, DailyCycle(2), {.threads = 1});
  auto b = RunScenario(s, DailyCycle(2), {.threads = 2});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->policies[0].timeline.resources[0].desired, b->policies[0].timeline.resources[0].desired);
  EXPECT_EQ(a->policies[0].runs[0].cost, b->policies[0].runs[0].cost);
  auto c = RunScenario(s, DailyCycle(2), {.seed = 8});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->seed, 8u);
  EXPECT_NE(a->policies[0].runs[0].cost, c->policies[0].runs[0].cost);
}

TEST(RunScenario, OnlyPoliciesRunsTheNamedOnesAndTheOracle) {
  Scenario s = MakeScenario({"hpa", "target-tracking"}, 1);
  auto r = RunScenario(s, DailyCycle(2), {.only_policies = {"target-tracking"}});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->policies.size(), 2u);
  EXPECT_EQ(r->policies[0].name, "target-tracking");
  EXPECT_EQ(r->policies[1].name, "oracle");
  auto bad = RunScenario(s, DailyCycle(2), {.only_policies = {"predictive"}});
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("--policies: no policy named 'predictive'"));
}

TEST(RunScenario, ATestWindowOutsideTheLoadIsAnErrorNamingWindow) {
  Scenario s = MakeScenario({"hpa"});
  s.test_last.reset();
  s.test_from = kStart - 1h;
  auto early = RunScenario(s, DailyCycle(1), {});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(early.error().message(), HasSubstr("runner_test.yaml: window: the test window"));
  EXPECT_THAT(early.error().message(), HasSubstr("is not inside the load"));

  s.test_from = kStart + 12h;
  s.test_to = kStart + 25h;
  auto late = RunScenario(s, DailyCycle(1), {});
  ASSERT_FALSE(late);
  EXPECT_THAT(late.error().message(), HasSubstr("runner_test.yaml: window:"));

  s.test_from.reset();
  s.test_to.reset();
  s.test_last = 2 * kDay;
  auto longer = RunScenario(s, DailyCycle(1), {});
  ASSERT_FALSE(longer);
  EXPECT_THAT(longer.error().message(), HasSubstr("window:"));
}

TEST(RunScenario, WithoutAWindowTheLastDayIsScoredAndANoteSaysSo) {
  Scenario s = MakeScenario({"hpa"});
  s.test_last.reset();
  auto r = RunScenario(s, DailyCycle(2), {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->test_from, kStart + kDay);
  EXPECT_EQ(r->test_to, kStart + 2 * kDay);
  EXPECT_THAT(r->notes, ::testing::Contains(HasSubstr("no window given")));
}

// ---- PrepareLoad: the load as the test replays it ---------------------------------------

TEST(PrepareLoad, FromAndToCropToWholeStepsInside) {
  Scenario s = MakeScenario({"hpa"});
  s.load.from = kStart + 1h + 30s;  // mid-step: the partial first minute is left out
  s.load.to = kStart + 3h;
  const Series full = DailyCycle(1);
  auto load = PrepareLoad(s, full);
  ASSERT_TRUE(load) << load.error().message();
  EXPECT_EQ(load->start, kStart + 61min);
  EXPECT_EQ(load->step, 1min);
  ASSERT_EQ(load->size(), 180u - 61u);
  EXPECT_EQ(load->values.front(), full.values[61]);
  EXPECT_EQ(load->values.back(), full.values[179]);
  EXPECT_EQ(load->end(), kStart + 3h);
}

TEST(PrepareLoad, FromAndToOutsideTheLoadSelectNothingAndSaySo) {
  Scenario s = MakeScenario({"hpa"});
  s.load.from = kStart + 2 * kDay;
  auto load = PrepareLoad(s, DailyCycle(1));
  ASSERT_FALSE(load);
  EXPECT_THAT(load.error().message(), HasSubstr("runner_test.yaml: load: from/to"));
}

TEST(PrepareLoad, ScalePeakAndMeanRescaleTheWholeLoad) {
  const Series full = DailyCycle(1);
  Scenario s = MakeScenario({"hpa"});
  s.load.scale = 2;
  auto doubled = PrepareLoad(s, full);
  ASSERT_TRUE(doubled);
  for (size_t i = 0; i < full.size(); i += 97) EXPECT_DOUBLE_EQ(doubled->values[i], 2 * full.values[i]);

  s.load.scale.reset();
  s.load.peak_rps = 600;
  auto peak = PrepareLoad(s, full);
  ASSERT_TRUE(peak);
  EXPECT_DOUBLE_EQ(*std::max_element(peak->values.begin(), peak->values.end()), 600);
  const double k = 600 / *std::max_element(full.values.begin(), full.values.end());
  EXPECT_DOUBLE_EQ(peak->values[100], k * full.values[100]);

  s.load.peak_rps.reset();
  s.load.mean_rps = 200;
  auto mean = PrepareLoad(s, full);
  ASSERT_TRUE(mean);
  double sum = 0;
  for (double v : mean->values) sum += v;
  EXPECT_NEAR(sum / static_cast<double>(mean->size()), 200, 1e-9);
}

TEST(PrepareLoad, ACampaignMultipliesDemandInItsWindowOnly) {
  auto events = ParseEvents(
      "events:\n"
      "  - {name: sale, type: campaign, start: 2024-01-01T10:00:00Z, ramp_up: 20m,\n"
      "     ramp_shape: linear, peak: 5x, plateau: 1h, ramp_down: 30m}\n",
      "events.yaml");
  ASSERT_TRUE(events) << events.error().message();
  Scenario s = MakeScenario({"hpa"});
  s.events = *events;
  s.load.peak_rps = 300;  // scaled first, then the campaign on top
  const Series full = DailyCycle(1);
  Scenario plain = MakeScenario({"hpa"});
  plain.load.peak_rps = 300;
  auto base = PrepareLoad(plain, full);
  auto load = PrepareLoad(s, full);
  ASSERT_TRUE(base && load);
  const auto minute = [](int h, int m) { return static_cast<size_t>(h * 60 + m); };
  // Before and after: untouched.
  for (size_t i = 0; i < minute(10, 0); ++i) ASSERT_DOUBLE_EQ(load->values[i], base->values[i]) << i;
  for (size_t i = minute(11, 51); i < load->size(); ++i) {
    ASSERT_DOUBLE_EQ(load->values[i], base->values[i]) << i;
  }
  // The plateau, 10:20 to 11:20: five times the load.
  for (size_t i = minute(10, 20); i < minute(11, 20); ++i) {
    ASSERT_NEAR(load->values[i], 5 * base->values[i], 1e-9) << i;
  }
  // The ramps: in between, rising then falling.
  EXPECT_GT(load->values[minute(10, 10)], 2 * base->values[minute(10, 10)]);
  EXPECT_LT(load->values[minute(10, 10)], 4 * base->values[minute(10, 10)]);
  EXPECT_GT(load->values[minute(11, 35)], base->values[minute(11, 35)]);
  EXPECT_LT(load->values[minute(11, 35)], 5 * base->values[minute(11, 35)]);
}

TEST(RunScenario, TheEventsReachTheSimulatedDemand) {
  auto events = ParseEvents(
      "events:\n"
      "  - {name: sale, type: campaign, start: 2024-01-02T10:00:00Z, ramp_up: 20m,\n"
      "     peak: 5x, plateau: 1h, ramp_down: 30m}\n",
      "events.yaml");
  ASSERT_TRUE(events) << events.error().message();
  Scenario s = MakeScenario({"oracle"});
  s.events = *events;
  const Series load = DailyCycle(2);
  auto r = RunScenario(s, load, {});
  ASSERT_TRUE(r) << r.error().message();
  const sim::Timeline& t = r->policies[0].timeline;
  const size_t plateau = static_cast<size_t>((At("2024-01-02T10:30:00Z") - kStart) / 5s);
  const size_t minute = static_cast<size_t>((At("2024-01-02T10:30:00Z") - kStart) / 1min);
  EXPECT_NEAR(t.demand[plateau], 5 * load.values[minute], 1e-3 * load.values[minute]);
}

// ---- No leakage --------------------------------------------------------------------------

// Two loads that agree up to `cut` and differ wildly after it (five times the demand). A policy
// that sees only the past through the monitoring pipeline decides the same up to `cut`; one
// that peeked at the future (the load handed to the runner, or the oracle's demand) would not.
TEST(RunScenario, NoLeakageDecisionsBeforeATimeDoNotDependOnTheLoadAfterIt) {
  const Series same = DailyCycle();
  Series changed = same;
  const TimePoint cut = kStart + 2 * kDay + 10h;  // inside the test window, before the peak
  const size_t cut_minute = static_cast<size_t>((cut - kStart) / 1min);
  for (size_t i = cut_minute; i < changed.size(); ++i) changed.values[i] *= 5;

  const Scenario s = MakeScenario({"hpa", "predictive"});
  auto a = RunScenario(s, same, {});
  auto b = RunScenario(s, changed, {});
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(b) << b.error().message();
  const size_t cut_step = static_cast<size_t>((cut - kStart) / s.step);
  for (const char* label : {"hpa", "predictive"}) {
    SCOPED_TRACE(label);
    const PolicyResult* pa = Find(*a, label);
    const PolicyResult* pb = Find(*b, label);
    ASSERT_TRUE(pa && pb);
    const sim::ResourceTimeline& ta = pa->timeline.resources.at(0);
    const sim::ResourceTimeline& tb = pb->timeline.resources.at(0);
    ASSERT_EQ(ta.desired.size(), tb.desired.size());
    for (size_t i = 0; i < cut_step; ++i) {
      ASSERT_EQ(ta.desired[i], tb.desired[i]) << "step " << i << " ("
                                              << FormatRfc3339(pa->timeline.TimeAt(i)) << ")";
      const bool both_nan = std::isnan(ta.forecast[i]) && std::isnan(tb.forecast[i]);
      ASSERT_TRUE(both_nan || ta.forecast[i] == tb.forecast[i])
          << "forecast at step " << i << ": " << ta.forecast[i] << " vs " << tb.forecast[i];
    }
    // The future did change, and the policy answered it once it was seen: the test can fail.
    EXPECT_NE(std::vector<int32_t>(ta.desired.begin() + static_cast<ptrdiff_t>(cut_step), ta.desired.end()),
              std::vector<int32_t>(tb.desired.begin() + static_cast<ptrdiff_t>(cut_step), tb.desired.end()));
  }
  // The predictive policy did forecast before the cut (it had two days of history), so the
  // identical forecasts above are forecasts, not two runs of "no forecast yet".
  const sim::ResourceTimeline& predictive = Find(*a, "predictive")->timeline.resources.at(0);
  EXPECT_FALSE(std::isnan(predictive.forecast[cut_step - 1]));
  // The oracle, which is meant to see the future, does not pass this test.
  const sim::ResourceTimeline& oa = Find(*a, "oracle")->timeline.resources.at(0);
  const sim::ResourceTimeline& ob = Find(*b, "oracle")->timeline.resources.at(0);
  EXPECT_NE(std::vector<int32_t>(oa.desired.begin(), oa.desired.begin() + static_cast<ptrdiff_t>(cut_step)),
            std::vector<int32_t>(ob.desired.begin(), ob.desired.begin() + static_cast<ptrdiff_t>(cut_step)));
}

}  // namespace
}  // namespace forescale::testkit
