#include "control/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "loadgen/http_server.h"

namespace forescale::control {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseInstantValue, ReadsTheOnlyElementOfAVector) {
  auto v = ParseInstantValue(R"({"status":"success","data":{"resultType":"vector","result":[)"
                             R"({"metric":{},"value":[1714557600.5,"0.83"]}]}})");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_DOUBLE_EQ(*v, 0.83);
}

TEST(ParseInstantValue, EmptyVectorIsNaNNotAnError) {
  auto v = ParseInstantValue(R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  ASSERT_TRUE(v);
  EXPECT_TRUE(std::isnan(*v));
}

TEST(ParseInstantValue, SpecialValuesAndScalars) {
  auto nan = ParseInstantValue(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})");
  ASSERT_TRUE(nan);
  EXPECT_TRUE(std::isnan(*nan));
  auto inf = ParseInstantValue(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}})");
  ASSERT_TRUE(inf);
  EXPECT_TRUE(std::isinf(*inf));
  auto scalar =
      ParseInstantValue(R"({"status":"success","data":{"resultType":"scalar","result":[1,"4"]}})");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(*scalar, 4);
}

TEST(ParseInstantValue, ErrorsAreErrorsWithPrometheusWords) {
  auto e = ParseInstantValue(
      R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("parse error at char 5"), std::string::npos);
  EXPECT_FALSE(ParseInstantValue("not json"));
  EXPECT_FALSE(ParseInstantValue(R"({"status":"success"})"));
  EXPECT_FALSE(ParseInstantValue(
      R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}})"));
  EXPECT_FALSE(ParseInstantValue(R"({"status":"success","data":{"resultType":"vector","result":[)"
                                 R"({"value":[1,"1"]},{"value":[1,"2"]}]}})"));
}

TEST(ParseRangePoints, ReadsAMatrixOfOneSeries) {
  auto p = ParseRangePoints(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},)"
      R"("values":[[100,"1"],[101.5,"2.5"]]}]}})");
  ASSERT_TRUE(p) << p.error().message();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_DOUBLE_EQ((*p)[1].t, 101.5);
  EXPECT_DOUBLE_EQ((*p)[1].value, 2.5);
  auto empty =
      ParseRangePoints(R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(
      ParseRangePoints(R"({"status":"success","data":{"resultType":"vector","result":[]}})"));
}

TEST(PromDuration, WholeSecondsOrMilliseconds) {
  EXPECT_EQ(PromDuration(seconds(60)), "60s");
  EXPECT_EQ(PromDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(PromDuration(milliseconds(0)), "1ms");
}

TEST(PrometheusConfig, OneFileDiscoveredJobPerName) {
  const std::string c = PrometheusConfig(
      {.run_dir = "/r", .scrape_interval = milliseconds(250), .jobs = {"replicas", "loadgen"}});
  EXPECT_NE(c.find("scrape_interval: 250ms"), std::string::npos);
  EXPECT_NE(c.find("job_name: replicas"), std::string::npos);
  EXPECT_NE(c.find("/r/loadgen.targets.json"), std::string::npos);
}

// A stand-in for Prometheus' HTTP API: records the queries and answers with a canned body.
class FakePrometheus {
 public:
  FakePrometheus() {
    server_ = std::move(*loadgen::HttpServer::Start(
        {.port = 0}, [this](const loadgen::HttpRequest& r, loadgen::Responder respond) {
          std::lock_guard lock(mu_);
          targets_.push_back(r.target);
          respond({.status = 200, .content_type = "application/json", .body = body_});
        }));
  }
  uint16_t port() const { return server_->port(); }
  void Answer(std::string body) {
    std::lock_guard lock(mu_);
    body_ = std::move(body);
  }
  std::string LastTarget() {
    std::lock_guard lock(mu_);
    return targets_.empty() ? "" : targets_.back();
  }

 private:
  std::mutex mu_;
  std::string body_;
  std::vector<std::string> targets_;
  std::unique_ptr<loadgen::HttpServer> server_;
};

TEST(PrometheusMetricSource, MapsProfileWindowsToWallRangesWithAFloor) {
  FakePrometheus fake;
  fake.Answer(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"42"]}]}})");
  const TimePoint t0{seconds(1'700'000'000)};
  SimulatedClock wall(t0 + seconds(10));
  PrometheusMetricSource source(
      PrometheusClient(fake.port()), wall,
      {.time = {.wall_start = t0, .profile_start = TimePoint{}, .scale = 60},
       .min_range = seconds(3),
       .rate_factor = 2});
  // 5 profile minutes at x60 = 5 s of wall time; rates are scaled by the factor.
  EXPECT_DOUBLE_EQ(source.Average(policy::Metric::kRequestRate, std::chrono::minutes(5)), 84);
  EXPECT_NE(fake.LastTarget().find("%5B5s%5D"), std::string::npos) << fake.LastTarget();
  EXPECT_NE(fake.LastTarget().find("time=1700000010.000"), std::string::npos);
  // 60 profile seconds = 1 s of wall time: below the floor of 3 s.
  EXPECT_DOUBLE_EQ(source.Average(policy::Metric::kCpuUtilisation, seconds(60)), 42);
  EXPECT_NE(fake.LastTarget().find("%5B3s%5D"), std::string::npos);
  EXPECT_EQ(source.failures(), 0u);
}

TEST(PrometheusMetricSource, HistoryBucketsLandInProfileTime) {
  FakePrometheus fake;
  const TimePoint t0{seconds(1'700'000'000)};
  // Wall points at t0 + 1 s and t0 + 2 s: profile minutes 1 and 2 at x60.
  fake.Answer(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},)"
              R"("values":[[1700000001,"10"],[1700000002,"20"]]}]}})");
  SimulatedClock wall(t0 + seconds(2));
  const TimePoint p0{std::chrono::hours(24)};
  PrometheusMetricSource source(PrometheusClient(fake.port()), wall,
                                {.time = {.wall_start = t0, .profile_start = p0, .scale = 60}});
  Series h = source.History(policy::Metric::kRequestRate, std::chrono::minutes(5),
                            std::chrono::minutes(1));
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.end(), p0 + std::chrono::minutes(2));
  EXPECT_TRUE(std::isnan(h.values[2]));  // before the run
  EXPECT_DOUBLE_EQ(h.values[3], 10);
  EXPECT_DOUBLE_EQ(h.values[4], 20);
}

TEST(PrometheusMetricSource, NotAnsweringIsNaNAndCounted) {
  SimulatedClock wall(TimePoint{seconds(1'700'000'000)});
  // Port 1 on loopback: nothing listens there.
  PrometheusMetricSource source(PrometheusClient(1, "127.0.0.1", milliseconds(200)), wall, {});
  EXPECT_TRUE(std::isnan(source.Average(policy::Metric::kLatencyP95, seconds(60))));
  EXPECT_TRUE(std::isnan(
      source.History(policy::Metric::kRequestRate, seconds(120), seconds(60)).values.back()));
  EXPECT_EQ(source.failures(), 2u);
  EXPECT_FALSE(source.last_error().empty());
}

TEST(PrometheusMetricSource, PromQlReadsTheSampleServiceMetrics) {
  SimulatedClock wall(TimePoint{});
  PrometheusMetricSource source(PrometheusClient(1), wall, {.cpu_request = 0.5});
  EXPECT_EQ(source.PromQl(policy::Metric::kRequestRate, seconds(60)),
            "sum(rate(forescale_sample_requests_total{job=\"replicas\"}[60s]))");
  EXPECT_NE(source.PromQl(policy::Metric::kLatencyP95, seconds(1))
                .find("histogram_quantile(0.95, sum by (le) "
                      "(rate(forescale_sample_request_duration_seconds_bucket"),
            std::string::npos);
  const std::string cpu = source.PromQl(policy::Metric::kCpuUtilisation, seconds(2));
  EXPECT_NE(cpu.find("process_cpu_seconds_total"), std::string::npos);
  EXPECT_NE(cpu.find("forescale_sample_ready"), std::string::npos);
  EXPECT_NE(cpu.find("/ 0.5"), std::string::npos);
}

}  // namespace
}  // namespace forescale::control
