#include "loadgen/sample_service.h"

#include <gtest/gtest.h>
#include <time.h>

#include <thread>

#include "loadgen/http_client.h"

namespace forescale::loadgen {
namespace {

using std::chrono::milliseconds;

TEST(SampleService, HealthzIsReadyOnlyAfterTheStartupDelay) {
  auto svc = SampleService::Start({.startup_delay = milliseconds(300)});
  ASSERT_TRUE(svc);
  const uint16_t port = (*svc)->port();
  auto early = HttpGet("127.0.0.1", port, "/healthz");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  auto work = HttpGet("127.0.0.1", port, "/work");
  ASSERT_TRUE(work);
  EXPECT_EQ(work->status, 503);
  std::this_thread::sleep_for(milliseconds(350));
  auto late = HttpGet("127.0.0.1", port, "/healthz");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 200);
  EXPECT_EQ(late->body, "ready\n");
  EXPECT_EQ((*svc)->Stats().not_ready, 1u);
}

TEST(SampleService, QueuesBeyondTheWorkersAndRejectsBeyondTheLimit) {
  // One worker busy 300 ms per request, two may wait: of 6 requests at once, 3 are served
  // (one at a time, so the last waits about 900 ms) and 3 are refused at once.
  auto svc =
      SampleService::Start({.cpu_per_request = milliseconds(300), .workers = 1, .queue_limit = 2});
  ASSERT_TRUE(svc);
  const uint16_t port = (*svc)->port();
  std::vector<int> status(6);
  std::vector<double> took(6);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      const auto t0 = std::chrono::steady_clock::now();
      auto r = HttpGet("127.0.0.1", port, "/work", milliseconds(5000));
      status[i] = r ? r->status : -1;
      took[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
  }
  for (auto& t : clients) t.join();
  int ok = 0, rejected = 0;
  double slowest = 0, fastest = 1e9, slowest_refusal = 0;
  for (size_t i = 0; i < 6; ++i) {
    if (status[i] == 200) {
      ++ok;
      slowest = std::max(slowest, took[i]);
      fastest = std::min(fastest, took[i]);
    }
    if (status[i] == 503) {
      ++rejected;
      slowest_refusal = std::max(slowest_refusal, took[i]);
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(rejected, 3);
  // Refused at once: before the first request is served (300 ms of CPU, never less wall time),
  // not after waiting in the queue. Compared with it rather than with a fixed time, so a
  // loaded machine that slows everything does not fail the test.
  EXPECT_LT(slowest_refusal, fastest);
  EXPECT_GT(slowest, 0.85);  // queued behind two others: 900 ms of CPU at least
  const SampleServiceStats s = (*svc)->Stats();
  EXPECT_EQ(s.ok, 3u);
  EXPECT_EQ(s.rejected, 3u);
  EXPECT_EQ(s.in_flight, 0);
}

TEST(SampleService, MetricsAreThePrometheusTextFormat) {
  auto svc = SampleService::Start({.cpu_per_request = milliseconds(1)});
  ASSERT_TRUE(svc);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(HttpGet("127.0.0.1", (*svc)->port(), "/")->status, 200);
  auto m = HttpGet("127.0.0.1", (*svc)->port(), "/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  const std::string& b = m->body;
  EXPECT_NE(b.find("forescale_sample_requests_total{code=\"200\"} 5\n"), std::string::npos) << b;
  EXPECT_NE(b.find("# TYPE forescale_sample_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(b.find("forescale_sample_request_duration_seconds_bucket{le=\"+Inf\"} 5\n"),
            std::string::npos);
  EXPECT_NE(b.find("forescale_sample_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"),
            std::string::npos);
  EXPECT_NE(b.find("forescale_sample_in_flight 0\n"), std::string::npos);
  EXPECT_NE(b.find("process_cpu_seconds_total "), std::string::npos);
}

TEST(SampleService, BurnsThreadCpuNotWallTime) {
  timespec a{}, b{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  BurnThreadCpu(milliseconds(20));
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  const double cpu =
      static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
  EXPECT_GE(cpu, 0.020);
  EXPECT_LT(cpu, 0.030);
}

TEST(SampleService, StopFinishesQueuedWork) {
  auto svc = SampleService::Start({.cpu_per_request = milliseconds(100), .workers = 1});
  ASSERT_TRUE(svc);
  const uint16_t port = (*svc)->port();
  std::vector<int> status(3);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < 3; ++i) {
    clients.emplace_back([&, i] {
      auto r = HttpGet("127.0.0.1", port, "/work", milliseconds(5000));
      status[i] = r ? r->status : -1;
    });
  }
  std::this_thread::sleep_for(milliseconds(50));
  (*svc)->Stop();
  for (auto& t : clients) t.join();
  for (int s : status) EXPECT_EQ(s, 200);
  EXPECT_FALSE(HttpGet("127.0.0.1", port, "/healthz", milliseconds(300)));
}

TEST(SampleService, RejectsBadOptions) {
  EXPECT_FALSE(SampleService::Start({.workers = 0}));
  auto a = SampleService::Start({});
  ASSERT_TRUE(a);
  auto b = SampleService::Start({.port = (*a)->port()});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace forescale::loadgen
