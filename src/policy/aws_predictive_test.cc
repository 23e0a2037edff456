#include "policy/aws_predictive.h"

#include <gtest/gtest.h>

#include "policy/internal/aws_test_util.h"

namespace forescale::policy {
namespace {

using internal::At;
using internal::FakeMetrics;
using internal::MustBuild;
using internal::Obs;
using internal::Origin;

// `hours` of hourly request rate ending at 2024-03-12T00:00Z: 100 rps, except 1,500 rps in the
// 10:00 hour of every day. A seasonal naive forecast repeats it, so 10:00 on the 12th needs
// ceil(1500 / (0.6 x 50)) = 50 replicas and every other hour ceil(100 / 30) = 4.
Series DailyPeak(int hours) {
  Series s{.start = Origin() - std::chrono::hours(hours), .step = std::chrono::hours(1)};
  for (int i = 0; i < hours; ++i) {
    const int hour_of_day = ((i - hours) % 24 + 24) % 24;
    s.values.push_back(hour_of_day == 10 ? 1500 : 100);
  }
  return s;
}

constexpr const char* kScale = R"(kind: aws-predictive
mode: ForecastAndScale
metric: ASGCPUUtilization
target: 60%
)";

TEST(AwsPredictive, LaunchesTheHoursCapacityFiveMinutesBeforeTheHour) {
  auto policy = MustBuild(internal::MakeAwsPredictive, kScale);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:54:00Z"), 4, m)).desired_replicas, 4);
  const Decision d = policy->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m));
  EXPECT_EQ(d.desired_replicas, 50) << d.reason;
  EXPECT_DOUBLE_EQ(d.expected_load, 1500);
  EXPECT_NE(d.reason.find("2024-03-12T10:00Z"), std::string::npos) << d.reason;
}

// Hours are clock hours, whatever minute the history ends at: five-minute buckets to 00:35
// are gathered into whole clock hours (the partial one left out), so the 10:00 peak stays in
// the 10:00 hour and the 11:00 hour gets the 11:00 load (found by probing: hourly buckets
// that ran from where the history ended put the peak into two hours and held its capacity an
// hour too long).
TEST(AwsPredictive, ForecastsClockHoursWhateverMinuteTheHistoryEndsAt) {
  auto policy = MustBuild(internal::MakeAwsPredictive, kScale);
  const Series hourly = DailyPeak(48);
  Series fine{.start = hourly.start, .step = std::chrono::minutes(5)};
  for (TimePoint t = fine.start; t < hourly.end(); t += fine.step) {
    fine.values.push_back(
        hourly.values[static_cast<size_t>((t - hourly.start) / std::chrono::hours(1))]);
  }
  for (int k = 0; k < 7; ++k) fine.values.push_back(100);  // 00:00-00:35 of the 12th
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, fine);
  const Decision peak = policy->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m));
  EXPECT_EQ(peak.desired_replicas, 50) << peak.reason;
  const Decision after = policy->Decide(Obs(At("2024-03-12T10:55:00Z"), 50, m));
  EXPECT_DOUBLE_EQ(after.expected_load, 100) << after.reason;
}

TEST(AwsPredictive, SchedulingBufferTimeMovesTheLaunch) {
  auto policy =
      MustBuild(internal::MakeAwsPredictive, std::string(kScale) + "scheduling_buffer_time: 15m\n");
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:44:00Z"), 4, m)).desired_replicas, 4);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:45:00Z"), 4, m)).desired_replicas, 50);
}

TEST(AwsPredictive, NeverScalesIn) {
  auto policy = MustBuild(internal::MakeAwsPredictive, kScale);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  // The peak hour is over: the forecast needs 4, but the policy only ever adds capacity.
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T11:30:00Z"), 60, m)).desired_replicas, 60);
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T11:31:00Z"), 2, m)).desired_replicas, 4);
}

TEST(AwsPredictive, ForecastOnlyIsTheDefaultAndDecidesNothing) {
  auto policy = MustBuild(internal::MakeAwsPredictive, "kind: aws-predictive\ntarget: 60%\n");
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  const Decision d = policy->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m));
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_NE(d.reason.find("forecast only"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("-> 50"), std::string::npos) << d.reason;
  EXPECT_DOUBLE_EQ(d.expected_load, 1500);
}

TEST(AwsPredictive, NeedsTwentyFourHoursOfHistory) {
  auto policy = MustBuild(internal::MakeAwsPredictive, kScale);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(23));
  const Decision d = policy->Decide(Obs(At("2024-03-12T09:55:00Z"), 4, m));
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_NE(d.reason.find("needs 24 h of history, has 23 h"), std::string::npos) << d.reason;
  // A day of history arrives: the next decision forecasts.
  m.SetHistory(Metric::kRequestRate, DailyPeak(24));
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T09:56:00Z"), 4, m)).desired_replicas, 50);
}

TEST(AwsPredictive, MakesANewForecastEverySixHours) {
  AwsPredictiveOptions options;
  options.mode = AwsPredictiveOptions::Mode::kForecastAndScale;
  auto built = std::make_unique<AwsPredictivePolicy>(options);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  built->Decide(Obs(At("2024-03-12T01:00:00Z"), 4, m));
  EXPECT_EQ(built->forecasts_made(), 1u);
  built->Decide(Obs(At("2024-03-12T06:59:00Z"), 4, m));
  EXPECT_EQ(built->forecasts_made(), 1u);
  built->Decide(Obs(At("2024-03-12T07:00:00Z"), 4, m));
  EXPECT_EQ(built->forecasts_made(), 2u);
  EXPECT_EQ(built->last_forecast(), At("2024-03-12T07:00:00Z"));
}

TEST(AwsPredictive, HonorMaxCapacityCapsTheForecastCapacity) {
  auto policy = MustBuild(internal::MakeAwsPredictive, kScale);
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  const Decision d = policy->Decide(Obs(At("2024-03-12T10:10:00Z"), 4, m, {}, 1, 40));
  EXPECT_EQ(d.desired_replicas, 40);
  EXPECT_NE(d.reason.find("HonorMaxCapacity"), std::string::npos) << d.reason;
}

TEST(AwsPredictive, RequestCountTargetIsPerReplica) {
  auto policy = MustBuild(internal::MakeAwsPredictive, R"(kind: aws-predictive
mode: ForecastAndScale
metric: ALBRequestCount
target: 25
)");
  FakeMetrics m;
  m.SetHistory(Metric::kRequestRate, DailyPeak(48));
  EXPECT_EQ(policy->Decide(Obs(At("2024-03-12T10:00:00Z"), 4, m)).desired_replicas, 60);
}

TEST(AwsPredictive, RejectsBadSettings) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"kind: aws-predictive\nmode: ForecastAndScal\n", "pred.yaml:2: mode: expected"},
      {"kind: aws-predictive\nmax_capacity_buffer: 10\n", "only valid with"},
      {"kind: aws-predictive\nmax_capacity_breach_behavior: IncreaseMaxCapacity\n"
       "max_capacity_buffer: 150\n",
       "between 0 and 100"},
      {"kind: aws-predictive\nscheduling_buffer_time: 2h\n", "at most 1h"},
      {"kind: aws-predictive\nmetric: latency\ntarget: 100ms\n", "unsupported metric"},
      {"kind: aws-predictive\nmodel: crystal-ball\n", "unknown model"},
      {"kind: aws-predictive\nbuffer: 5m\n", "pred.yaml:2: buffer: unknown key"},
  };
  for (const Case& c : cases) {
    auto p = internal::FromYaml(internal::MakeAwsPredictive, c.yaml, "pred.yaml");
    ASSERT_FALSE(p.has_value()) << c.yaml;
    EXPECT_NE(p.error().message().find(c.message), std::string::npos) << p.error().message();
  }
}

}  // namespace
}  // namespace forescale::policy
