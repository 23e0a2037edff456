#include "control/control_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace forescale::control {
namespace {

using std::chrono::seconds;

class FakeActuator final : public Actuator {
 public:
  Result<void> ScaleTo(int replicas) override {
    calls.push_back(replicas);
    if (fail_next) {
      fail_next = false;
      return Fail(ErrorCode::kIo, "launch failed: no port");
    }
    desired_ = replicas;
    pods_.resize(static_cast<size_t>(replicas));
    return {};
  }
  int desired() const override { return desired_; }
  std::vector<policy::PodView> Pods() const override { return pods_; }
  std::vector<std::string> TakeEvents() override { return std::exchange(events, {}); }

  std::vector<int> calls;
  std::vector<std::string> events;
  bool fail_next = false;
  int desired_ = 2;
  std::vector<policy::PodView> pods_ = std::vector<policy::PodView>(2, {.ready = true});
};

class NoMetrics final : public policy::MetricSource {
 public:
  double Average(policy::Metric, Duration) const override { return std::nan(""); }
  Series History(policy::Metric, Duration, Duration step) const override { return {.step = step}; }
};

// Asks for the next count of a script on each call and says so.
class ScriptedPolicy final : public policy::Policy {
 public:
  explicit ScriptedPolicy(std::vector<int> script) : script_(std::move(script)) {}
  std::string_view kind() const override { return "scripted"; }
  Duration interval() const override { return seconds(15); }
  policy::Decision Decide(const policy::Observation& o) override {
    seen.push_back(o);
    const int want = script_[std::min(calls_++, script_.size() - 1)];
    return {.desired_replicas = want,
            .reason = "script says " + std::to_string(want) + " (ready " +
                      std::to_string(o.ready_replicas) + ")"};
  }
  std::vector<policy::Observation> seen;

 private:
  std::vector<int> script_;
  size_t calls_ = 0;
};

TEST(ControlLoop, DecidesOncePerIntervalOfItsClock) {
  ScriptedPolicy policy({3});
  NoMetrics metrics;
  FakeActuator actuator;
  SimulatedClock clock(TimePoint{seconds(1000)});
  ControlLoop loop(policy, metrics, actuator, clock, {.min_replicas = 1, .max_replicas = 10});
  int decided = 0;
  for (int s = 0; s < 46; ++s) {  // 0 .. 45 s: decisions at 0, 15, 30, 45
    auto t = loop.Tick();
    ASSERT_TRUE(t);
    decided += *t ? 1 : 0;
    clock.Advance(seconds(1));
  }
  EXPECT_EQ(decided, 4);
  ASSERT_EQ(policy.seen.size(), 4u);
  EXPECT_EQ(policy.seen[1].now, TimePoint{seconds(1015)});
  EXPECT_EQ(policy.seen[0].current_replicas, 2);
  EXPECT_EQ(policy.seen[0].ready_replicas, 2);
  EXPECT_EQ(policy.seen[0].pods.size(), 2u);
  EXPECT_NE(policy.seen[0].metrics, nullptr);
}

TEST(ControlLoop, AppliesEveryDecisionSoDeadReplicasAreReplaced) {
  ScriptedPolicy policy({3, 3, 1});
  NoMetrics metrics;
  FakeActuator actuator;
  SimulatedClock clock(TimePoint{});
  ControlLoop loop(policy, metrics, actuator, clock, {.max_replicas = 10});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(loop.Tick());
    if (i == 0) actuator.events.push_back("replica app-2 (pid 7) killed by signal 9 (KILL)");
    clock.Advance(seconds(15));
  }
  EXPECT_EQ(actuator.calls, (std::vector<int>{3, 3, 1}));  // unchanged 3 still reconciled
  const auto& r = loop.records();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].changed);
  EXPECT_FALSE(r[1].changed);
  EXPECT_EQ(r[1].events.size(), 1u);  // carried by the decision after the event
  EXPECT_TRUE(r[2].changed);
  EXPECT_EQ(r[2].current, 3);
  EXPECT_EQ(r[2].desired, 1);
}

TEST(ControlLoop, ClampsToTheBoundsAndRecordsActuatorFailures) {
  ScriptedPolicy policy({50});
  NoMetrics metrics;
  FakeActuator actuator;
  actuator.fail_next = true;
  SimulatedClock clock(TimePoint{});
  ControlLoop loop(policy, metrics, actuator, clock, {.max_replicas = 8});
  ASSERT_TRUE(loop.Tick());
  EXPECT_EQ(actuator.calls.back(), 8);
  EXPECT_EQ(loop.records()[0].error, "launch failed: no port");
}

TEST(ControlLoop, WritesOneJsonLinePerDecisionWithItsReason) {
  const std::string path =
      ::testing::TempDir() + "/decisions-" + std::to_string(getpid()) + ".jsonl";
  {
    ScriptedPolicy policy({4, 4});
    NoMetrics metrics;
    FakeActuator actuator;
    SimulatedClock clock(TimePoint{seconds(1'714'557'600)});
    ControlLoop loop(policy, metrics, actuator, clock, {.max_replicas = 10, .decision_log = path});
    ASSERT_TRUE(loop.Tick());
    clock.Advance(seconds(15));
    ASSERT_TRUE(loop.Tick());
  }
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["time"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(lines[0]["policy"], "scripted");
  EXPECT_EQ(lines[0]["current"], 2);
  EXPECT_EQ(lines[0]["desired"], 4);
  EXPECT_EQ(lines[0]["changed"], true);
  EXPECT_EQ(lines[0]["reason"], "script says 4 (ready 2)");
  EXPECT_TRUE(lines[0]["expected_load"].is_null());
  EXPECT_EQ(lines[1]["changed"], false);
  std::filesystem::remove(path);
}

TEST(ControlLoop, UnwritableLogIsAnError) {
  ScriptedPolicy policy({1});
  NoMetrics metrics;
  FakeActuator actuator;
  SimulatedClock clock(TimePoint{});
  ControlLoop loop(policy, metrics, actuator, clock,
                   {.decision_log = "/nonexistent-dir/forescale/decisions.jsonl"});
  auto t = loop.Tick();
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("/nonexistent-dir"), std::string::npos);
}

}  // namespace
}  // namespace forescale::control
