#include "control/local_actuator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "control/balancer.h"
#include "loadgen/http_client.h"
#include "loadgen/sample_service.h"

namespace forescale::control {
namespace {

using std::chrono::seconds;

TimePoint At(int s) { return TimePoint{seconds(s)}; }

TEST(RemovalOrder, NotReadyFirstNewestFirstThenMostRecentlyReady) {
  const std::vector<RemovalCandidate> replicas = {
      {.ready = true, .created = At(0), .ready_changed = At(10)},   // 0: oldest ready
      {.ready = false, .created = At(50)},                          // 1: starting, older
      {.ready = true, .created = At(20), .ready_changed = At(40)},  // 2: newest ready
      {.ready = false, .created = At(60)},                          // 3: starting, newest
      {.ready = true, .created = At(5), .ready_changed = At(30)},   // 4
  };
  EXPECT_EQ(RemovalOrder(replicas, 5), (std::vector<size_t>{3, 1, 2, 4, 0}));
  EXPECT_EQ(RemovalOrder(replicas, 2), (std::vector<size_t>{3, 1}));
  EXPECT_EQ(RemovalOrder(replicas, 9).size(), 5u);
  EXPECT_TRUE(RemovalOrder({}, 3).empty());
}

TEST(ProcessCpuSeconds, ReadsOurOwnFinerThanAClockTickAndFailsQuietlyForNone) {
  // 3 ms of CPU: a 10 ms clock tick would read 0 or 10 ms.
  const double before = ProcessCpuSeconds(getpid());
  loadgen::BurnThreadCpu(std::chrono::microseconds(3000));
  const double used = ProcessCpuSeconds(getpid()) - before;
  EXPECT_GE(used, 0.0029);
  EXPECT_LT(used, 0.009);
  EXPECT_TRUE(std::isnan(ProcessCpuSeconds(-5)));
}

TEST(NginxConfig, ListsTheReadyBackendsOrAnswers503) {
  const std::string two = NginxConfig("/run/x", 8080, {9001, 9002});
  EXPECT_NE(two.find("listen 127.0.0.1:8080;"), std::string::npos);
  EXPECT_NE(two.find("server 127.0.0.1:9001 max_fails=0;"), std::string::npos);
  EXPECT_NE(two.find("server 127.0.0.1:9002 max_fails=0;"), std::string::npos);
  EXPECT_NE(two.find("pid /run/x/nginx.pid;"), std::string::npos);
  EXPECT_NE(two.find("daemon off;"), std::string::npos);
  const std::string none = NginxConfig("/run/x", 8080, {});
  EXPECT_EQ(none.find("upstream"), std::string::npos);
  EXPECT_NE(none.find("return 503"), std::string::npos);
}

TEST(BuiltinBalancer, RoundRobinsAndSkipsAReplicaThatIsGone) {
  auto a = loadgen::SampleService::Start({.cpu_per_request = std::chrono::microseconds(0)});
  auto b = loadgen::SampleService::Start({.cpu_per_request = std::chrono::microseconds(0)});
  ASSERT_TRUE(a && b);
  auto lb = BuiltinBalancer::Start({.threads = 2});
  ASSERT_TRUE(lb);
  auto none = loadgen::HttpGet("127.0.0.1", (*lb)->port(), "/work");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 503);

  ASSERT_TRUE((*lb)->SetBackends({(*a)->port(), (*b)->port()}));
  for (int i = 0; i < 10; ++i) {
    auto r = loadgen::HttpGet("127.0.0.1", (*lb)->port(), "/work");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ((*a)->Stats().ok, 5u);
  EXPECT_EQ((*b)->Stats().ok, 5u);

  auto gone = FreeLoopbackPort();
  ASSERT_TRUE(gone);
  ASSERT_TRUE((*lb)->SetBackends({*gone, (*a)->port()}));
  for (int i = 0; i < 4; ++i) {
    auto r = loadgen::HttpGet("127.0.0.1", (*lb)->port(), "/work");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ((*a)->Stats().ok, 9u);
}

TEST(FindProgram, SearchesPathAndSbin) {
  EXPECT_FALSE(FindProgram("sh").empty());
  EXPECT_TRUE(FindProgram("forescale-no-such-program").empty());
}

TEST(ChildProcess, TerminateStopsTheWholeGroupAndReportsHow) {
  auto child = ChildProcess::Spawn({"sh", "-c", "sleep 30 & sleep 30"});
  ASSERT_TRUE(child) << child.error().message();
  const pid_t pid = (*child)->pid();
  EXPECT_TRUE((*child)->Running());
  (*child)->Terminate(std::chrono::milliseconds(500));
  EXPECT_FALSE((*child)->Running());
  EXPECT_NE((*child)->ExitDescription().find("signal"), std::string::npos);
  // Nothing left in the group. The background sleep was orphaned when the shell died: it is a
  // zombie until init reaps it, and a zombie still counts as a member, so allow init a moment.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kill(-pid, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
  EXPECT_FALSE(ChildProcess::Spawn({"forescale-no-such-program"}));
}

}  // namespace
}  // namespace forescale::control
