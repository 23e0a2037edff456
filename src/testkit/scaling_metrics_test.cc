#include "testkit/scaling_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::testkit {
namespace {

using namespace std::chrono_literals;

// An hour at 1 s: 100 rps served by 4 ready replicas of 50 rps at a 50 % target (capacity at
// target 100 rps), 0.1 s latency, SLO 0.5 s.
sim::Timeline Calm() {
  sim::Timeline t;
  t.step = 1s;
  t.slo_p95_latency = 500ms;
  const size_t n = 3600;
  t.demand.assign(n, 100);
  t.served.assign(n, 100);
  t.dropped.assign(n, 0);
  t.latency_p95.assign(n, 0.1f);
  sim::ResourceTimeline r;
  r.name = "app";
  r.policy = "hpa";
  r.demand.assign(n, 100);
  r.served.assign(n, 100);
  r.dropped.assign(n, 0);
  r.desired.assign(n, 4);
  r.ready.assign(n, 4);
  r.running.assign(n, 4);
  r.cpu.assign(n, 0.5f);
  r.latency_p95.assign(n, 0.1f);
  r.capacity_rps = 50;
  r.target_utilisation = 0.5;
  r.price_per_replica_hour = 0.25;
  t.resources.push_back(r);
  return t;
}

TEST(ScalingMetrics, ACalmHourIsSizedExactlyAndCostsItsReplicaHours) {
  const ScalingSummary s = Summarise(Calm());
  EXPECT_EQ(s.minutes, 60u);
  EXPECT_EQ(s.slo_violation_minutes, 0u);
  EXPECT_DOUBLE_EQ(s.requests, 360000);
  EXPECT_DOUBLE_EQ(s.cost, 1.0);  // 4 replicas x 1 h x 0.25
  EXPECT_DOUBLE_EQ(s.utilisation, 1.0);
  EXPECT_DOUBLE_EQ(s.resources[0].cpu_utilisation, 0.5);
  EXPECT_EQ(s.scaling_episodes, 0u);
  EXPECT_NEAR(s.latency_p95, 0.1, 0.002);
}

TEST(ScalingMetrics, AMinuteViolatesTheSloWhenOverFivePercentOfItsRequestsAreSlowOrAnyIsDropped) {
  sim::Timeline t = Calm();
  for (int i = 0; i < 2; ++i) t.latency_p95[i] = 2.0f;         // minute 0: 2 of 60 s slow (3 %)
  for (int i = 60; i < 64; ++i) t.latency_p95[i] = 2.0f;       // minute 1: 4 of 60 s slow (6.7 %)
  t.dropped[200] = 1;                                          // minute 3: one request dropped
  const ScalingSummary s = Summarise(t);
  EXPECT_EQ(s.slo_violation_minutes, 2u);
  EXPECT_DOUBLE_EQ(s.dropped, 1);
}

// An hour is 60 minutes whatever the step, and a slow stretch counts the minutes of time it
// spans (found by probing: 64 minutes at a 7 s step, 80 at 45 s, 40 at 90 s).
TEST(ScalingMetrics, MinutesAreMinutesOfTimeAtAnyStep) {
  for (const int step_s : {1, 7, 45, 60, 90, 300}) {
    sim::Timeline t = Calm();
    const size_t n = static_cast<size_t>(3600 / step_s);
    t.step = std::chrono::seconds(step_s);
    for (auto* v : {&t.demand, &t.served, &t.dropped}) v->resize(n);
    t.latency_p95.assign(n, 0.1f);
    for (size_t i = 0; i < n; ++i) {
      // Minutes 10..19 (by start time) are slow.
      const size_t minute = i * static_cast<size_t>(step_s) / 60;
      if (minute >= 10 && minute < 20) t.latency_p95[i] = 2.0f;
    }
    auto& r = t.resources[0];
    for (auto* v : {&r.demand, &r.served, &r.dropped}) v->resize(n);
    r.cpu.resize(n);
    r.latency_p95.resize(n);
    for (auto* v : {&r.desired, &r.ready, &r.running}) v->resize(n, 4);
    const ScalingSummary s = Summarise(t);
    EXPECT_EQ(s.minutes, 60u) << step_s;
    // At 90 s, the steps starting in minutes 10..19 span 630..1260 s: 10.5 minutes, rounded.
    EXPECT_EQ(s.slo_violation_minutes, step_s == 90 ? 11u : 10u) << step_s;
  }
}

// Nothing served, no replica ready: latency and utilisation are not available (NaN), not the
// 0 ms and 0 % that made a policy dropping every request the report's best (found by probing).
TEST(ScalingMetrics, NothingServedHasNoLatencyAndNoCapacityNoUtilisation) {
  sim::Timeline t = Calm();
  t.served.assign(t.size(), 0);
  t.dropped = t.demand;
  auto& r = t.resources[0];
  r.served.assign(r.served.size(), 0);
  r.ready.assign(r.ready.size(), 0);
  r.running.assign(r.running.size(), 0);
  r.desired.assign(r.desired.size(), 0);
  const ScalingSummary s = Summarise(t);
  EXPECT_TRUE(std::isnan(s.latency_p95));
  EXPECT_TRUE(std::isnan(s.latency_p99));
  EXPECT_TRUE(std::isnan(s.utilisation));
  EXPECT_TRUE(std::isnan(s.resources[0].cpu_utilisation));
  EXPECT_EQ(s.slo_violation_minutes, 60u);
}

TEST(ScalingMetrics, ResponseTimeRunsFromShortfallToCoverAndIgnoresBlips) {
  sim::Timeline t = Calm();
  for (int i = 100; i < 190; ++i) t.resources[0].demand[i] = 150;  // 90 s short
  for (int i = 300; i < 305; ++i) t.resources[0].demand[i] = 150;  // a 5 s blip
  for (int i = 1000; i < 1030; ++i) t.resources[0].demand[i] = 120;  // 30 s short
  const ScalingSummary s = Summarise(t);
  EXPECT_EQ(s.scaling_episodes, 2u);
  EXPECT_DOUBLE_EQ(s.response_time_mean, 60);
  EXPECT_DOUBLE_EQ(s.response_time_max, 90);
  EXPECT_DOUBLE_EQ(s.under_provisioned_seconds, 125);
}

TEST(ScalingMetrics, ScoresOnlyTheRequestedWindow) {
  sim::Timeline t = Calm();
  t.dropped[10] = 5;  // in the first 30 minutes
  const ScalingSummary s = Summarise(t, {.from = t.start + 30min});
  EXPECT_EQ(s.minutes, 30u);
  EXPECT_EQ(s.slo_violation_minutes, 0u);
  EXPECT_DOUBLE_EQ(s.cost, 0.5);
}

}  // namespace
}  // namespace forescale::testkit
