// End-to-end tests of the live test (src/control/live.h): real `forescale sample-service`
// replicas behind nginx, a real Prometheus the hpa policy reads through, real HTTP load from the
// in-process load generator — all on 127.0.0.1, in compressed time (about 45 s in all).
#include "control/live.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "control/local_actuator.h"
#include "control/prometheus.h"
#include "core/clock.h"
#include "loadgen/http_client.h"
#include "loadgen/loadgen.h"
#include "loadgen/sample_service.h"
#include "policy/policy.h"
#include "sim/simulator.h"

namespace forescale::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Processes whose parent is this test process, unreaped ones included (a leak check independent
// of what the run says).
std::vector<pid_t> OurChildren() { return control::ChildPids(getpid(), /*include_zombies=*/true); }

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// One resource like examples/service.yaml's, small enough for a 2-core machine: a replica
// serves 50 requests/s at 100 % CPU (20 ms of CPU each); the step to 45 requests/s needs 0.9
// cores in all.
sim::ServiceModel SmallService() {
  sim::ServiceModel s;
  s.name = "live-e2e";
  s.slo_p95_latency = milliseconds(500);
  sim::ResourceModel r;
  r.name = "app";
  r.capacity_rps = 50;
  // 0.5 rather than 0.6: on a busy 2-core machine a replica at 90 % of its load may measure
  // 65 % CPU, within the hpa's 10 % tolerance of 0.6.
  r.target_utilisation = 0.5;
  r.startup_delay = seconds(30);
  r.min_replicas = 1;
  r.max_replicas = 4;
  r.queue_limit = 100;
  r.request_timeout = seconds(10);
  s.resources = {r};
  s.monitoring.interval = seconds(15);
  return s;
}

TEST(LiveTest, HpaAddsReplicasAfterAStepAndReplacesAKilledOne) {
  if (control::FindProgram("prometheus").empty()) {
    GTEST_SKIP() << "prometheus not installed (scripts/bootstrap installs it)";
  }
  // Three profile minutes: 15 requests/s (one replica at 30 % CPU), then from 0:40 a step to
  // 45 requests/s (90 % of one replica: the hpa asks for two).
  Series profile{.start = TimePoint{seconds(1'714'557'600)}, .step = seconds(1)};
  for (int s = 0; s < 180; ++s) profile.values.push_back(s < 40 ? 15 : 45);
  const sim::ServiceModel service = SmallService();
  auto policy = policy::LoadPolicy("hpa", sim::ContextFor(service.resources[0], nullptr, 1));
  ASSERT_TRUE(policy) << policy.error().message();

  const std::string log_path =
      ::testing::TempDir() + "/live-decisions-" + std::to_string(getpid()) + ".jsonl";
  pid_t killed = -1;
  TimePoint killed_at{};
  uint64_t launched_at_kill = 0;
  control::LiveOptions options{
      .time_scale = 6,  // 3 profile minutes in 30 s
      .forescale_binary = FORESCALE_BIN,
      .decision_log = log_path,
      .connections = 64,
      .seed = 7,
      .on_tick =
          [&](TimePoint now, control::LocalActuator& actuator) {
            // At 1:50, kill a ready replica from outside, as an OOM killer would.
            if (killed > 0 || now < profile.start + seconds(110)) return;
            for (const control::ReplicaProcess& r : actuator.Replicas()) {
              if (!r.ready) continue;
              killed = r.pid;
              killed_at = now;
              launched_at_kill = actuator.launched();
              kill(r.pid, SIGKILL);
              return;
            }
          },
  };
  control::LiveReport report;
  const auto began = std::chrono::steady_clock::now();
  auto timeline = control::RunLive(profile, service, **policy, options, &report);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ASSERT_TRUE(timeline) << timeline.error().message();

  // The shape the reports read: one step per profile second, one resource.
  ASSERT_EQ(timeline->size(), 180u);
  ASSERT_EQ(timeline->resources.size(), 1u);
  const sim::ResourceTimeline& rt = timeline->resources[0];
  EXPECT_EQ(rt.policy, "hpa");
  std::string notes;
  for (const std::string& n : timeline->notes) notes += n + "\n";
  SCOPED_TRACE(notes);
  // What happened, every 10 profile seconds (the test's log is the first thing to read when it
  // fails on a busy machine).
  for (size_t i = 0; i < timeline->size(); i += 10) {
    std::printf(
        "t=%3zus demand %5.1f served %5.1f dropped %5.1f p95 %6.3fs | desired %d ready %d "
        "running %d cpu %.2f\n",
        i, timeline->demand[i], timeline->served[i], timeline->dropped[i], timeline->latency_p95[i],
        rt.desired[i], rt.ready[i], rt.running[i], rt.cpu[i]);
  }
  for (const control::DecisionEntry& d : report.decisions) {
    if (d.changed || !d.events.empty()) {
      std::printf("decision at +%llds: %d -> %d: %s\n",
                  static_cast<long long>((d.time - profile.start) / seconds(1)), d.current,
                  d.desired, d.reason.c_str());
    }
  }

  // Load was really sent and mostly served: ~15/s, then ~45/s.
  double before = 0, after = 0;
  for (size_t i = 6; i < 36; ++i) before += timeline->demand[i] / 30.0;
  for (size_t i = 60; i < 174; ++i) after += timeline->demand[i] / 114.0;
  EXPECT_NEAR(before, 15, 5);
  EXPECT_NEAR(after, 45, 10);
  EXPECT_GT(report.requests_ok, report.requests_sent * 8 / 10);

  // One replica before the step; the hpa added replicas after it, and they became ready.
  EXPECT_EQ(rt.desired[30], 1);
  EXPECT_EQ(rt.ready[30], 1);
  int max_desired = 0, max_ready = 0;
  size_t first_up = 0;
  for (size_t i = 40; i < 180; ++i) {
    if (rt.desired[i] >= 2 && first_up == 0) first_up = i;
    max_desired = std::max(max_desired, rt.desired[i]);
    max_ready = std::max(max_ready, rt.ready[i]);
  }
  EXPECT_GE(max_desired, 2);
  EXPECT_GE(max_ready, 2);
  EXPECT_GT(first_up, 40u);
  EXPECT_LT(first_up, 120u) << "the hpa took too long to react to the step";
  ASSERT_FALSE(timeline->decisions.empty());
  EXPECT_GT(timeline->decisions.front().to, timeline->decisions.front().from);
  EXPECT_GT(rt.cpu[90], 0.2f);

  // Every decision has a reason, in memory and in the JSONL log.
  ASSERT_GE(report.decisions.size(), 10u);  // one every 15 profile seconds
  for (const control::DecisionEntry& d : report.decisions) EXPECT_FALSE(d.reason.empty());
  std::ifstream log(log_path);
  size_t lines = 0;
  for (std::string line; std::getline(log, line); ++lines) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["policy"], "hpa");
    EXPECT_FALSE(j["reason"].get<std::string>().empty());
  }
  EXPECT_EQ(lines, report.decisions.size());
  std::filesystem::remove(log_path);

  // The killed replica was noticed, reported and replaced at the next decision.
  ASSERT_GT(killed, 0) << "no ready replica to kill at 1:50";
  EXPECT_EQ(report.replicas_died, 1u);
  bool reported = false;
  for (const control::DecisionEntry& d : report.decisions) {
    for (const std::string& e : d.events) {
      if (e.find("pid " + std::to_string(killed)) != std::string::npos &&
          e.find("signal 9") != std::string::npos) {
        reported = true;
        EXPECT_GE(d.time, killed_at);
        EXPECT_LE(d.time, killed_at + seconds(16));  // the next decision
      }
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_GT(report.replicas_launched, launched_at_kill);  // a replacement was launched
  EXPECT_GE(rt.running[179], 2);
  bool noted = false;
  for (const std::string& n : timeline->notes)
    noted |= n.find("killed by signal 9") != std::string::npos;
  EXPECT_TRUE(noted);

  // Prometheus never failed a query (the hpa's CPU metric comes from the pods, as
  // metrics-server's does; the other test reads Prometheus).
  EXPECT_EQ(report.metric_failures, 0u);
  if (!control::FindProgram("nginx").empty()) {
    EXPECT_EQ(report.balancer, "nginx");
  }

  // Nothing left behind, and the run ended on time: 30 s of load plus start-up and drain.
  EXPECT_GE(report.pids.size(), 5u);  // Prometheus, nginx, >= 3 replicas
  for (pid_t p : report.pids) EXPECT_TRUE(Gone(p)) << "pid " << p << " still exists";
  EXPECT_TRUE(OurChildren().empty());
  EXPECT_FALSE(std::filesystem::exists(report.run_dir));
  EXPECT_NEAR(report.expected_wall_seconds, 30.0, 1e-9);
  EXPECT_LT(took, 30.0 + 20.0);
  EXPECT_GE(took, 30.0);
}

// Without nginx the built-in balancer carries the load: a short steady run is served.
// Scaling down under load loses no request: the replica leaves nginx (reloaded, old workers
// gone) before it is told to stop, so nobody sends to a replica that is shutting down.
TEST(LiveTest, ScalingDownUnderLoadThroughNginxLosesNoRequest) {
  if (control::FindProgram("nginx").empty()) GTEST_SKIP() << "nginx not installed";
  const std::string dir = ::testing::TempDir() + "/scale-down-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto act = control::LocalActuator::Start({.forescale_binary = FORESCALE_BIN,
                                            .run_dir = dir,
                                            .cpu_per_request = std::chrono::microseconds(500),
                                            .balancer = control::BalancerKind::kNginx},
                                           clock);
  ASSERT_TRUE(act) << act.error().message();
  ASSERT_TRUE((*act)->StartReady(4));
  auto target =
      loadgen::ParseTarget("http://127.0.0.1:" + std::to_string((*act)->port()) + "/work");
  ASSERT_TRUE(target);
  auto schedule =
      loadgen::Schedule::ConstantRate(400, 6, {.arrivals = loadgen::Arrivals::kUniform});
  ASSERT_TRUE(schedule);
  auto gen = loadgen::Loadgen::Start(*schedule, {.target = *target, .connections = 16});
  ASSERT_TRUE(gen) << gen.error().message();
  // Down one replica at a time, each while the load runs over kept-alive connections.
  for (int replicas : {3, 2, 1}) {
    std::this_thread::sleep_for(milliseconds(1500));
    ASSERT_TRUE((*act)->ScaleTo(replicas));
  }
  const loadgen::LoadgenResult r = (*gen)->Wait();
  EXPECT_GT(r.totals.sent, 2000u);
  EXPECT_EQ(r.totals.ErrorTotal(), 0u) << loadgen::ResultToJson(r).dump(1);
  EXPECT_EQ(r.totals.ok, r.totals.sent);
  std::ifstream log(dir + "/nginx-error.log");
  std::string line;
  while (std::getline(log, line))
    EXPECT_EQ(line.find("connect() failed"), std::string::npos) << line;
  EXPECT_EQ((*act)->Replicas().size(), 1u);
  act->reset();
  std::filesystem::remove_all(dir);
}

TEST(LiveTest, BuiltinBalancerServesASteadyLoad) {
  if (control::FindProgram("prometheus").empty()) GTEST_SKIP() << "prometheus not installed";
  Series profile{.start = TimePoint{seconds(1'714'557'600)}, .step = seconds(1)};
  profile.values.assign(60, 15.0);
  const sim::ServiceModel service = SmallService();
  auto policy = policy::LoadPolicy("hpa", sim::ContextFor(service.resources[0], nullptr, 1));
  ASSERT_TRUE(policy);
  control::LiveReport report;
  auto timeline = control::RunLive(profile, service, **policy,
                                   {.time_scale = 6,
                                    .forescale_binary = FORESCALE_BIN,
                                    .balancer = control::BalancerKind::kBuiltin,
                                    .connections = 16},
                                   &report);
  ASSERT_TRUE(timeline) << timeline.error().message();
  EXPECT_EQ(report.balancer, "builtin");
  EXPECT_GT(report.requests_sent, 100u);
  EXPECT_GE(report.requests_ok, report.requests_sent * 95 / 100);
  EXPECT_EQ(timeline->resources[0].desired.back(), 1);
  for (pid_t p : report.pids) EXPECT_TRUE(Gone(p)) << "pid " << p << " still exists";
  EXPECT_TRUE(OurChildren().empty());
  EXPECT_LT(report.wall_seconds, 10.0 + 15.0);
}

// Prometheus started by forescale scrapes a replica, answers the metric source, and when it
// stops answering the source says NaN and counts it instead of failing.
TEST(LiveTest, PrometheusAnswersThenNotAnsweringIsCounted) {
  if (control::FindProgram("prometheus").empty()) GTEST_SKIP() << "prometheus not installed";
  const std::string dir = ::testing::TempDir() + "/live-prom-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  auto svc = loadgen::SampleService::Start(
      {.cpu_per_request = std::chrono::microseconds(1000), .workers = 1});
  ASSERT_TRUE(svc);
  auto prom = control::PrometheusServer::Start(
      {.run_dir = dir, .scrape_interval = milliseconds(250), .jobs = {"replicas"}});
  ASSERT_TRUE(prom) << prom.error().message();
  const pid_t prom_pid = (*prom)->pid();
  ASSERT_TRUE((*prom)->SetTargets("replicas", {"127.0.0.1:" + std::to_string((*svc)->port())}));
  const SystemClock wall;
  control::PrometheusMetricSource source(
      control::PrometheusClient((*prom)->port()), wall,
      {.time = {.wall_start = wall.Now(), .profile_start = TimePoint{}, .scale = 60},
       .min_range = milliseconds(1000)});
  // About 100 requests/s for a few seconds, until Prometheus has seen the rate.
  double rate = std::nan("");
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 10; ++i) (void)loadgen::HttpGet("127.0.0.1", (*svc)->port(), "/work");
    std::this_thread::sleep_for(milliseconds(100));
    rate = source.Average(policy::Metric::kRequestRate, seconds(60));
    if (rate > 10) break;
  }
  EXPECT_GT(rate, 10);
  EXPECT_LT(rate, 200);
  const double cpu = source.Average(policy::Metric::kCpuUtilisation, seconds(60));
  EXPECT_GT(cpu, 0.0);
  EXPECT_LT(cpu, 1.0);
  EXPECT_EQ(source.failures(), 0u);

  (*prom)->Stop();
  EXPECT_TRUE(Gone(prom_pid));
  EXPECT_TRUE(std::isnan(source.Average(policy::Metric::kRequestRate, seconds(60))));
  EXPECT_EQ(source.failures(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace forescale::testing
