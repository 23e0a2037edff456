#include "sim/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace forescale::sim {
namespace {

using namespace std::chrono_literals;

// A policy that asks for whatever the test's function says, and remembers what it saw.
class ScriptedPolicy final : public policy::Policy {
 public:
  explicit ScriptedPolicy(std::function<int(const policy::Observation&)> decide,
                          Duration interval = 15s)
      : decide_(std::move(decide)), interval_(interval) {}
  std::string_view kind() const override { return "scripted"; }
  Duration interval() const override { return interval_; }
  policy::Decision Decide(const policy::Observation& o) override {
    seen.push_back(o);
    seen.back().pods = {};
    seen.back().metrics = nullptr;  // both belong to the simulator and die with it
    rate_seen.push_back(o.metrics->Average(policy::Metric::kRequestRate, std::chrono::minutes(1)));
    pods_seen.emplace_back(o.pods.begin(), o.pods.end());
    return {.desired_replicas = decide_(o), .reason = "scripted"};
  }
  std::vector<policy::Observation> seen;
  std::vector<double> rate_seen;
  std::vector<std::vector<policy::PodView>> pods_seen;

 private:
  std::function<int(const policy::Observation&)> decide_;
  Duration interval_;
};

Series Constant(double rps, Duration length, Duration step = 1s) {
  Series s{.start = TimePoint{std::chrono::hours(24 * 365 * 50)}, .step = step};
  s.values.assign(static_cast<size_t>(length / step), rps);
  return s;
}

ServiceModel OneResource(ResourceModel r) {
  ServiceModel m;
  m.monitoring.noise = 0;
  m.resources.push_back(r);
  return m;
}

Result<Timeline> RunWith(const Series& profile, const ServiceModel& model,
                     std::function<int(const policy::Observation&)> decide,
                     ScriptedPolicy** out = nullptr, uint64_t seed = 1) {
  // The policies outlive the run so that a test can read what they saw.
  static std::vector<std::unique_ptr<policy::Policy>> policies;
  policies.clear();
  for (size_t i = 0; i < model.resources.size(); ++i) {
    auto p = std::make_unique<ScriptedPolicy>(decide);
    if (out && i == 0) *out = p.get();
    policies.push_back(std::move(p));
  }
  return Simulate(profile, model, policies, {.step = 1s, .seed = seed});
}

TEST(Simulator, WithinCapacityEverythingIsServedAndBilled) {
  ResourceModel r{.capacity_rps = 50, .initial_replicas = 4, .price_per_replica_hour = 0.36};
  auto t = RunWith(Constant(100, 1h), OneResource(r), [](auto&) { return 4; });
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->size(), 3600u);
  for (size_t i = 0; i < t->size(); ++i) {
    ASSERT_FLOAT_EQ(t->served[i], 100);
    ASSERT_EQ(t->dropped[i], 0);
  }
  EXPECT_FLOAT_EQ(t->resources[0].cpu[10], 0.5f);
  // 4 replicas x 1 h x 0.36: cost is what the replicas ran, whatever they served.
  double replica_seconds = 0;
  for (int32_t n : t->resources[0].running) replica_seconds += n;
  EXPECT_DOUBLE_EQ(replica_seconds / 3600 * 0.36, 4 * 0.36);
}

// Two points ten years apart at a 1 s step took 8 GB before anything was said (found by
// probing): more than 100 M steps is an error, before any timeline is allocated.
TEST(Simulator, AProfileOfMoreThanAHundredMillionStepsIsRefused) {
  Series sparse{.start = TimePoint{std::chrono::hours(24 * 365 * 50)},
                .step = std::chrono::hours(24 * 3650)};
  sparse.values = {100, 100};
  auto t = RunWith(sparse, OneResource({.capacity_rps = 50, .initial_replicas = 4}),
                   [](auto&) { return 4; });
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("(at most 100 M); use a coarser step"), std::string::npos)
      << t.error().message();
}

TEST(Simulator, WaitingTimeMatchesMM1) {
  // One replica, mu = 50/s, lambda = 25/s, exponential service (cv 1): the M/M/1 waiting time
  // exceeds t with probability rho * exp(-(mu - lambda) t), so its p95 is ln(0.5/0.05) / 25.
  ResourceModel r{.capacity_rps = 50, .service_time_cv = 1.0, .min_replicas = 1, .initial_replicas = 1};
  auto t = RunWith(Constant(25, 1min), OneResource(r), [](auto&) { return 1; });
  ASSERT_TRUE(t) << t.error().message();
  const double sigma2 = std::log(2.0);
  const double service_p95 = 0.02 * std::exp(1.6448536 * std::sqrt(sigma2) - sigma2 / 2);
  const double wait_p95 = std::log(10.0) / 25.0;
  EXPECT_NEAR(t->latency_p95[30], service_p95 + wait_p95, 1e-4);
  // The 99th percentile likewise: its own service time quantile and ln(0.5 / 0.01) / 25 of
  // waiting (found by probing: the reported p99 was the p95's).
  const double service_p99 = 0.02 * std::exp(2.3263479 * std::sqrt(sigma2) - sigma2 / 2);
  EXPECT_NEAR(t->latency_p99[30], service_p99 + std::log(50.0) / 25.0, 1e-4);
}

TEST(Simulator, OverloadQueuesUpToTheLimitThenDrops) {
  // Capacity 2 x 50 = 100/s, demand 150/s: 50/s pile up; the queue holds 2 x min(1000, 30 s x
  // 50/s) = 2,000 requests, full after 40 s; from then on 50/s are dropped.
  ResourceModel r{.capacity_rps = 50, .min_replicas = 2, .max_replicas = 2, .initial_replicas = 2,
                  .request_timeout = 30s, .queue_limit = 1000};
  auto t = RunWith(Constant(150, 2min), OneResource(r), [](auto&) { return 2; });
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_FLOAT_EQ(t->served[5], 100);
  EXPECT_FLOAT_EQ(t->dropped[20], 0);
  EXPECT_FLOAT_EQ(t->dropped[60], 50);
  // Waiting behind 2,000 requests at 100/s is 20 s.
  EXPECT_NEAR(t->latency_p95[60], 20.0, 0.2);
}

// Exactly at capacity the steady-state wait is unbounded, but no request waits longer than the
// queue holds: its timeout's worth (found by probing: 2,972 s for a 30 s timeout, no drop).
TEST(Simulator, NoWaitExceedsWhatTheQueueHolds) {
  ResourceModel r{.capacity_rps = 50,
                  .min_replicas = 1,
                  .max_replicas = 1,
                  .initial_replicas = 1,
                  .request_timeout = 30s,
                  .queue_limit = 100000};
  for (const double load : {49.99, 50.0}) {
    auto t = RunWith(Constant(load, 1min), OneResource(r), [](auto&) { return 1; });
    ASSERT_TRUE(t) << t.error().message();
    EXPECT_LE(t->latency_p95[30], 30.0 + 0.1) << load;
    EXPECT_GT(t->latency_p95[30], 1.0) << load;
  }
}

TEST(Simulator, ReplicasBecomeReadyAfterTheStartupDelay) {
  ResourceModel r{.capacity_rps = 50, .startup_delay = 2min, .initial_replicas = 2};
  auto t = RunWith(Constant(50, 5min), OneResource(r), [](auto&) { return 5; });
  ASSERT_TRUE(t) << t.error().message();
  const auto& rt = t->resources[0];
  EXPECT_EQ(rt.desired[0], 5);
  EXPECT_EQ(rt.running[0], 5);   // launched replicas are billed at once
  EXPECT_EQ(rt.ready[119], 2);
  EXPECT_EQ(rt.ready[120], 5);
  ASSERT_EQ(t->decisions.size(), 1u);
  EXPECT_EQ(t->decisions[0].from, 2);
  EXPECT_EQ(t->decisions[0].to, 5);
}

TEST(Simulator, ScaleDownRemovesReplicasThatAreNotReadyFirst) {
  ResourceModel r{.capacity_rps = 50, .startup_delay = 2min, .initial_replicas = 3};
  int calls = 0;
  // Up to 6 at t=0, back to 3 at t=15 s: the three still starting go, the ready three stay.
  auto t = RunWith(Constant(50, 3min), OneResource(r), [&](auto&) { return ++calls == 1 ? 6 : 3; });
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->resources[0].ready[20], 3);
  EXPECT_EQ(t->resources[0].running[20], 3);
  EXPECT_EQ(t->resources[0].ready[170], 3);
}

TEST(Simulator, PoliciesSeeLaggedMetricsAndPodsWithoutSamples) {
  ResourceModel r{.capacity_rps = 50, .startup_delay = 1min, .initial_replicas = 2};
  ScriptedPolicy* policy = nullptr;
  auto t = RunWith(Constant(60, 3min), OneResource(r), [](auto&) { return 3; }, &policy);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_GE(policy->seen.size(), 4u);
  // At t = 0 nothing has been delivered; at 30 s the [0, 15 s) sample has (15 s delay).
  EXPECT_TRUE(std::isnan(policy->rate_seen[0]));
  EXPECT_TRUE(std::isnan(policy->rate_seen[1]));
  EXPECT_DOUBLE_EQ(policy->rate_seen[2], 60);
  EXPECT_EQ(policy->seen[0].current_replicas, 2);
  EXPECT_EQ(policy->seen[1].current_replicas, 3);
  // At 15 s the new pod (created at 0) has no complete sample yet.
  const auto& pods_at_15s = policy->pods_seen[1];
  ASSERT_EQ(pods_at_15s.size(), 3u);
  int without = 0;
  for (const auto& pod : pods_at_15s) without += !pod.cpu_usage.has_value();
  EXPECT_EQ(without, 3);  // no bucket delivered before 30 s
  const auto& pods_at_45s = policy->pods_seen[3];
  int ready = 0;
  for (const auto& pod : pods_at_45s) {
    ASSERT_TRUE(pod.cpu_usage.has_value());
    ready += pod.ready;
    if (pod.ready) {
      EXPECT_NEAR(*pod.cpu_usage, 0.6, 0.05);  // 60 rps over 2 ready replicas of 50
    } else {
      EXPECT_EQ(*pod.cpu_usage, 0.0);          // booting, startup_cpu 0
    }
  }
  EXPECT_EQ(ready, 2);
}

TEST(Simulator, SameSeedSameTimelineOtherSeedOtherDelays) {
  ResourceModel r{.capacity_rps = 50, .startup_delay = 2min, .startup_cv = 0.3, .initial_replicas = 1};
  auto decide = [](const policy::Observation& o) {
    return o.now.time_since_epoch() % std::chrono::minutes(10) < std::chrono::minutes(5) ? 8 : 2;
  };
  ServiceModel model = OneResource(r);
  model.monitoring.noise = 0.05;
  auto a = RunWith(Constant(200, 1h), model, decide, nullptr, 7);
  auto b = RunWith(Constant(200, 1h), model, decide, nullptr, 7);
  auto c = RunWith(Constant(200, 1h), model, decide, nullptr, 8);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->resources[0].ready, b->resources[0].ready);
  EXPECT_EQ(a->latency_p95, b->latency_p95);
  EXPECT_NE(a->resources[0].ready, c->resources[0].ready);
}

TEST(Simulator, ABottleneckDownstreamDropsWhatItCannotServe) {
  ServiceModel model;
  model.monitoring.noise = 0;
  model.resources.push_back({.name = "app", .capacity_rps = 50, .initial_replicas = 10});
  model.resources.push_back({.name = "db", .capacity_rps = 100, .min_replicas = 1, .max_replicas = 1,
                             .initial_replicas = 1, .queue_limit = 0, .demand_per_request = 2});
  // 100 rps pass the app (capacity 500) and make 200 queries/s for a db that serves 100/s.
  auto t = RunWith(Constant(100, 1min), model, [](const policy::Observation& o) {
    return o.current_replicas;
  });
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_FLOAT_EQ(t->resources[1].demand[30], 200);
  EXPECT_FLOAT_EQ(t->served[30], 50);    // 100 queries/s = 50 requests/s complete
  EXPECT_FLOAT_EQ(t->dropped[30], 50);
}

TEST(Simulator, RejectsProfilesThatAreNotRequestRates) {
  ResourceModel r{.capacity_rps = 50};
  Series bad = Constant(10, 1min);
  bad.values[7] = -1;
  auto t = RunWith(bad, OneResource(r), [](auto&) { return 1; });
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message(), ::testing::HasSubstr("not a request rate"));
  Series gap = Constant(10, 1min);
  gap.values[7] = std::nan("");
  auto g = RunWith(gap, OneResource(r), [](auto&) { return 1; });
  ASSERT_TRUE(g);
  ASSERT_EQ(g->notes.size(), 1u);
  EXPECT_EQ(g->demand[7], 0);
}

}  // namespace
}  // namespace forescale::sim
