// Which simulated metric a KEDA prometheus trigger's query measures. The queries are the shapes
// the KEDA docs, Prometheus docs and common exporters use; the negatives are queries whose value
// is not one of the service's own metrics and must be mapped by the user.
#include "policy/internal/promql.h"

#include <gtest/gtest.h>

namespace forescale::policy::internal {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(PromQuery, RequestCounterRatesAreTheRequestRate) {
  // keda-docs content/docs/2.15/scalers/prometheus.md, the trigger's example query.
  auto keda =
      RecognisePromQuery(R"(sum(rate(http_requests_total{deployment="my-deployment"}[2m])))");
  ASSERT_TRUE(keda);
  EXPECT_EQ(keda->metric, Metric::kRequestRate);
  EXPECT_EQ(keda->window, minutes(2));
  EXPECT_EQ(keda->scale, 1.0);
  auto irate = RecognisePromQuery(
      R"( sum ( irate ( nginx_ingress_controller_requests{ingress="web"} [ 1m ] ) ) )");
  ASSERT_TRUE(irate);
  EXPECT_EQ(irate->metric, Metric::kRequestRate);
  // Every request is counted by a duration histogram's _count.
  auto count = RecognisePromQuery("sum(rate(http_server_request_duration_seconds_count[30s]))");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->metric, Metric::kRequestRate);
  EXPECT_EQ(count->window, seconds(30));
  auto recorded = RecognisePromQuery(R"(sum(job:http_requests_total:rate5m{job="web"}))");
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->metric, Metric::kRequestRate);
  EXPECT_EQ(recorded->window, minutes(5));
}

TEST(PromQuery, IncreaseIsTheRateTimesItsRange) {
  auto m = RecognisePromQuery("sum(increase(http_requests_total[2m]))");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->metric, Metric::kRequestRate);
  EXPECT_EQ(m->scale, 120.0);
}

TEST(PromQuery, P95OfADurationHistogramIsTheLatency) {
  // prometheus/docs content/docs/practices/histograms.md, its aggregated 95th percentile.
  auto m = RecognisePromQuery(
      "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->metric, Metric::kLatencyP95);
  EXPECT_EQ(m->window, minutes(5));
  EXPECT_EQ(m->scale, 1.0);
  auto ms = RecognisePromQuery(
      R"(histogram_quantile(0.95, sum by (le) (rate(request_latency_milliseconds_bucket{app="web"}[1m]))))");
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->scale, 1000.0);
  EXPECT_FALSE(RecognisePromQuery(
      "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))"));
  EXPECT_FALSE(RecognisePromQuery(  // per pod: several series
      "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, "
      "pod))"));
}

TEST(PromQuery, InFlightGaugesAreInFlight) {
  auto m = RecognisePromQuery(R"(sum(http_server_requests_in_flight{service="web"}))");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->metric, Metric::kInFlight);
  EXPECT_FALSE(m->window);
  EXPECT_EQ(RecognisePromQuery("inflight_requests")->metric, Metric::kInFlight);
}

TEST(PromQuery, DropCountersAreTheDropRate) {
  auto m = RecognisePromQuery("sum(rate(requests_dropped_total[1m]))");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->metric, Metric::kDropRate);
}

TEST(PromQuery, OtherQueriesAreNotGuessed) {
  for (const char* q : {
           R"(sum(rate(http_requests_total{code=~"5.."}[2m])))",   // errors only
           R"(sum(rate(http_requests_total{method="GET"}[2m])))",  // a subset
           "sum(rate(http_requests_total[2m])) / 3",               // arithmetic
           "avg(rate(http_requests_total[2m]))",                   // per-pod average
           "sum by (pod) (rate(http_requests_total[2m]))",         // several series
           "sum(rate(http_request_errors_total[1m]))",             // errors
           "sum(rate(container_cpu_usage_seconds_total[1m]))",     // CPU seconds
           "rabbitmq_queue_messages_ready",                        // not the service's
           "sum(rate(http_requests_total[2m] offset 5m))",         // not parsed
           "sum(rate(http_requests_total[5m:1m]))",                // a subquery
           "",
       }) {
    EXPECT_FALSE(RecognisePromQuery(q)) << q;
  }
}

TEST(PromQuery, WindowOfAnyParsableQuery) {
  EXPECT_EQ(PromQueryWindow("sum(rate(orders_total[3m])) / 3"),
            std::nullopt);  // binary: not parsed
  EXPECT_EQ(PromQueryWindow("sum(rate(orders_total[3m]))"), minutes(3));
  EXPECT_EQ(PromQueryWindow("queue_depth"), std::nullopt);
}

}  // namespace
}  // namespace forescale::policy::internal
