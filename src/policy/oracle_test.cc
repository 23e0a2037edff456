#include "policy/oracle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/internal/fake_metrics.h"

namespace forescale::policy {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::hours(1000)};

Observation At(Duration offset, const MetricSource& metrics) {
  return {.now = kStart + offset, .current_replicas = 4, .ready_replicas = 4, .min_replicas = 1,
          .max_replicas = 100, .capacity_per_replica = 50, .metrics = &metrics};
}

TEST(Oracle, LaunchesExactlyOneStartupDelayBeforeTheLoadArrives) {
  // 100 rps for 10 minutes, then 400 rps; 25 rps per replica at the 50 % target.
  Series demand{.start = kStart, .step = 1s};
  demand.values.assign(1200, 100);
  for (size_t i = 600; i < 1200; ++i) demand.values[i] = 400;
  OraclePolicy oracle(demand, {.interval = 15s, .target_utilisation = 0.5, .startup_delay = 2min});
  internal::FakeMetrics metrics;
  // The window [now, now + 2 min + 15 s) first holds 600 s at 466 s: a decision then must launch,
  // because the next one (at 481 s) would be ready at 601 s, one second late. At 480 s, exactly
  // one start-up delay before, it must too.
  EXPECT_EQ(oracle.Decide(At(465s, metrics)).desired_replicas, 4);
  EXPECT_EQ(oracle.Decide(At(466s, metrics)).desired_replicas, 16);
  const Decision d = oracle.Decide(At(480s, metrics));
  EXPECT_EQ(d.desired_replicas, 16);
  EXPECT_DOUBLE_EQ(d.expected_load, 400);
  EXPECT_THAT(d.reason, ::testing::HasSubstr("400.0 rps"));
}

TEST(Oracle, KeepsNothingTheComingWindowDoesNotNeed) {
  Series demand{.start = kStart, .step = 1s};
  demand.values.assign(1200, 400);
  for (size_t i = 600; i < 1200; ++i) demand.values[i] = 100;
  OraclePolicy oracle(demand, {.interval = 15s, .target_utilisation = 0.5, .startup_delay = 2min});
  internal::FakeMetrics metrics;
  EXPECT_EQ(oracle.Decide(At(599s, metrics)).desired_replicas, 16);
  EXPECT_EQ(oracle.Decide(At(600s, metrics)).desired_replicas, 4);
}

TEST(Oracle, OnlyRunsWhereTheFutureIsKnown) {
  auto policy = LoadPolicy("oracle", {.capacity_per_replica = 50});
  ASSERT_FALSE(policy);
  EXPECT_THAT(policy.error().message(), ::testing::HasSubstr("only runs in a simulation"));
}

}  // namespace
}  // namespace forescale::policy
