#include "ingest/access_aggregator.h"

#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace forescale::ingest {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 1995-08-01T00:00:00Z: a multiple of every step used here.
const TimePoint kT0{std::chrono::sys_days{std::chrono::year{1995} / 8 / 1}};

AccessRecord Rec(TimePoint t, std::string_view target = "/", int status = 200,
                 int64_t bytes = 100, double duration_s = kNaN) {
  AccessRecord r;
  r.time = t;
  r.method = "GET";
  r.target = target;
  r.status = status;
  r.bytes = bytes;
  r.duration_s = duration_s;
  return r;
}

const OutputSeries* Find(const AccessSeries& out, const std::string& name,
                         const Labels& labels = {}) {
  for (const OutputSeries& s : out.series) {
    if (s.id.name == name && s.id.labels == labels) return &s;
  }
  return nullptr;
}

std::vector<double> ValuesOf(const AccessSeries& out, const std::string& name,
                             const Labels& labels = {}) {
  const OutputSeries* s = Find(out, name, labels);
  EXPECT_NE(s, nullptr) << FormatSeriesId(name, labels) << " is missing";
  return s ? s->series.values : std::vector<double>{};
}

// The endpoint paths that got a series of their own, in output order.
std::vector<std::string> EndpointPaths(const AccessSeries& out, const std::string& dataset) {
  std::vector<std::string> paths;
  for (const OutputSeries& s : out.series) {
    if (s.id.name == dataset + ":endpoint_requests") paths.push_back(s.id.labels.at("path"));
  }
  return paths;
}

TEST(AccessAggregator, CountsRequestsPerStep) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0 + seconds(10)));
  agg.Add(Rec(kT0 + seconds(59)));
  agg.Add(Rec(kT0 + seconds(60)));
  agg.Add(Rec(kT0 + minutes(2) + seconds(59)));
  EXPECT_EQ(agg.records(), 4u);
  const AccessSeries out = agg.Finish("web");
  const OutputSeries* requests = Find(out, "web:requests");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->series.start, kT0);
  EXPECT_EQ(requests->series.step, minutes(1));
  EXPECT_EQ(requests->series.values, (std::vector<double>{2, 1, 1}));
  EXPECT_TRUE(requests->additive);
  EXPECT_EQ(requests->unit, "requests");
}

TEST(AccessAggregator, BucketsStartAtMultiplesOfTheStep) {
  AccessAggregator agg({.step = minutes(5)});
  agg.Add(Rec(kT0 + minutes(2)));
  agg.Add(Rec(kT0 + minutes(4) + seconds(59)));
  agg.Add(Rec(kT0 + minutes(5)));
  const AccessSeries out = agg.Finish("web");
  const OutputSeries* requests = Find(out, "web:requests");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->series.start, kT0);
  EXPECT_EQ(requests->series.step, minutes(5));
  EXPECT_EQ(requests->series.values, (std::vector<double>{2, 1}));
}

TEST(AccessAggregator, RecordBeforeTheEpochFloorsToItsBucket) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(TimePoint{} - seconds(30)));
  agg.Add(Rec(TimePoint{} + seconds(30)));
  const AccessSeries out = agg.Finish("web");
  const OutputSeries* requests = Find(out, "web:requests");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->series.start, TimePoint{} - minutes(1));
  EXPECT_EQ(requests->series.values, (std::vector<double>{1, 1}));
}

TEST(AccessAggregator, CountsStatusClassesPerStep) {
  AccessAggregator agg({.step = minutes(1)});
  for (int status : {101, 200, 204, 301, 404, 418, 500}) agg.Add(Rec(kT0, "/", status));
  agg.Add(Rec(kT0 + minutes(1), "/", 503));
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "1xx"}}), (std::vector<double>{1, 0}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "2xx"}}), (std::vector<double>{2, 0}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "3xx"}}), (std::vector<double>{1, 0}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "4xx"}}), (std::vector<double>{2, 0}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "5xx"}}), (std::vector<double>{1, 1}));
}

TEST(AccessAggregator, SumsBytesCountingDashAsZero) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0, "/", 200, 100));
  agg.Add(Rec(kT0, "/", 304, -1));  // logged as "-"
  agg.Add(Rec(kT0, "/", 200, 50));
  agg.Add(Rec(kT0, "/", 204, 0));
  agg.Add(Rec(kT0 + minutes(1), "/", 304, -1));
  const AccessSeries out = agg.Finish("web");
  const OutputSeries* bytes = Find(out, "web:bytes");
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(bytes->series.values, (std::vector<double>{150, 0}));
  EXPECT_EQ(bytes->unit, "bytes");
  EXPECT_EQ(ValuesOf(out, "web:requests"), (std::vector<double>{4, 1}));
}

TEST(AccessAggregator, FillsGapsBetweenRecordsWithZeros) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0, "/a", 200, 10));
  agg.Add(Rec(kT0 + minutes(3), "/a", 500, 20));
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(ValuesOf(out, "web:requests"), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(ValuesOf(out, "web:bytes"), (std::vector<double>{10, 0, 0, 20}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "2xx"}}), (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/a"}}),
            (std::vector<double>{1, 0, 0, 1}));
  // Every series covers the same grid.
  for (const OutputSeries& s : out.series) {
    EXPECT_EQ(s.series.start, kT0) << FormatSeriesId(s.id.name, s.id.labels);
    EXPECT_EQ(s.series.size(), 4u) << FormatSeriesId(s.id.name, s.id.labels);
  }
}

TEST(AccessAggregator, RecordsBeforeTheFirstBucketGrowTheFrontKeepingAllCounts) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0 + minutes(5), "/a", 200, 1, 0.1));
  agg.Add(Rec(kT0 + minutes(6), "/b", 404, 2));
  agg.Add(Rec(kT0 + minutes(2), "/a", 200, 4, 0.2));  // before everything seen so far
  agg.Add(Rec(kT0, "/c", 500, 8, 0.3));                 // and further back again
  agg.Add(Rec(kT0 + minutes(6), "/a", 200, 16));
  const AccessSeries out = agg.Finish("web");

  const OutputSeries* requests = Find(out, "web:requests");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->series.start, kT0);
  EXPECT_EQ(requests->series.values, (std::vector<double>{1, 0, 1, 0, 0, 1, 2}));
  EXPECT_EQ(ValuesOf(out, "web:bytes"), (std::vector<double>{8, 0, 4, 0, 0, 1, 18}));
  EXPECT_EQ(ValuesOf(out, "web:status", {{"class", "4xx"}}),
            (std::vector<double>{0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/a"}}),
            (std::vector<double>{0, 0, 1, 0, 0, 1, 1}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/b"}}),
            (std::vector<double>{0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/c"}}),
            (std::vector<double>{1, 0, 0, 0, 0, 0, 0}));

  ASSERT_EQ(out.latency_histograms.size(), 3u);
  EXPECT_EQ(out.latency_histograms[0].first, kT0);
  EXPECT_EQ(out.latency_histograms[1].first, kT0 + minutes(2));
  EXPECT_EQ(out.latency_histograms[2].first, kT0 + minutes(5));
  const std::vector<double> p50 = ValuesOf(out, "web:latency_seconds", {{"quantile", "0.5"}});
  ASSERT_EQ(p50.size(), 7u);
  EXPECT_NEAR(p50[0], 0.3, 0.3 * 0.02);
  EXPECT_NEAR(p50[2], 0.2, 0.2 * 0.02);
  EXPECT_NEAR(p50[5], 0.1, 0.1 * 0.02);
  for (size_t i : {1u, 3u, 4u, 6u}) EXPECT_TRUE(std::isnan(p50[i])) << i;
}

TEST(AccessAggregator, NormalisesEndpointsBeforeCounting) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0, "/users/1"));
  agg.Add(Rec(kT0, "/users/2?tab=posts"));
  agg.Add(Rec(kT0, "http://proxy.example/users/3"));
  agg.Add(Rec(kT0, ""));  // a junk request line
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/users/{id}"}}),
            (std::vector<double>{3}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "{invalid}"}}),
            (std::vector<double>{1}));
}

TEST(AccessAggregator, KeepsTopEndpointsAndSumsTheRestAsOther) {
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 2});
  for (int i = 0; i < 3; ++i) agg.Add(Rec(kT0, "/a"));
  agg.Add(Rec(kT0, "/users/1"));
  agg.Add(Rec(kT0 + minutes(1), "/users/2"));
  agg.Add(Rec(kT0, "/c"));
  agg.Add(Rec(kT0 + minutes(1), "/d"));
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(EndpointPaths(out, "web"), (std::vector<std::string>{"/a", "/users/{id}", "{other}"}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/a"}}), (std::vector<double>{3, 0}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/users/{id}"}}),
            (std::vector<double>{1, 1}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "{other}"}}),
            (std::vector<double>{1, 1}));
}

TEST(AccessAggregator, BreaksTopEndpointTiesByName) {
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 1});
  agg.Add(Rec(kT0, "/zeta"));
  agg.Add(Rec(kT0, "/zeta"));
  agg.Add(Rec(kT0, "/alpha"));
  agg.Add(Rec(kT0, "/alpha"));
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(EndpointPaths(out, "web"), (std::vector<std::string>{"/alpha", "{other}"}));
}

TEST(AccessAggregator, NoOtherSeriesWhenEveryEndpointHasItsOwn) {
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 5});
  agg.Add(Rec(kT0, "/a"));
  agg.Add(Rec(kT0, "/b"));
  const AccessSeries out = agg.Finish("web");
  EXPECT_EQ(EndpointPaths(out, "web"), (std::vector<std::string>{"/a", "/b"}));
}

TEST(AccessAggregator, KeepsKnownEndpointsOutsideTheTop) {
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 1});
  for (int i = 0; i < 3; ++i) agg.Add(Rec(kT0, "/a"));
  agg.Add(Rec(kT0, "/b"));
  agg.Add(Rec(kT0 + minutes(1), "/c"));
  const AccessSeries out = agg.Finish("web", {"/c", "/a"});
  EXPECT_EQ(EndpointPaths(out, "web"), (std::vector<std::string>{"/a", "/c", "{other}"}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/c"}}), (std::vector<double>{0, 1}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "{other}"}}),
            (std::vector<double>{1, 0}));
}

TEST(AccessAggregator, WithNoTopOnlyKnownEndpointsGetSeries) {
  // What an append to an existing dataset does: top 0, the stored endpoints as known.
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 0});
  agg.Add(Rec(kT0, "/a"));
  agg.Add(Rec(kT0, "/b"));
  agg.Add(Rec(kT0, "/b"));
  const AccessSeries out = agg.Finish("web", {"/a"});
  EXPECT_EQ(EndpointPaths(out, "web"), (std::vector<std::string>{"/a", "{other}"}));
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "{other}"}}),
            (std::vector<double>{2}));
}

TEST(AccessAggregator, KnownEndpointWithoutRequestsGetsAZeroSeries) {
  AccessAggregator agg({.step = minutes(1), .top_endpoints = 0});
  agg.Add(Rec(kT0, "/a"));
  agg.Add(Rec(kT0 + minutes(1), "/a"));
  const AccessSeries out = agg.Finish("web", {"/a", "/gone"});
  EXPECT_EQ(ValuesOf(out, "web:endpoint_requests", {{"path", "/gone"}}),
            (std::vector<double>{0, 0}));
}

TEST(AccessAggregator, NoLatencySeriesWhenNoRecordHasADuration) {
  AccessAggregator agg({.step = minutes(1)});
  agg.Add(Rec(kT0));
  agg.Add(Rec(kT0 + minutes(1)));
  const AccessSeries out = agg.Finish("web");
  EXPECT_TRUE(out.latency_histograms.empty());
  for (const OutputSeries& s : out.series) EXPECT_NE(s.id.name, "web:latency_seconds");
}

TEST(AccessAggregator, LatencyQuantilesAreNaNWhereNoRequestWasTimed) {
  AccessAggregator agg({.step = minutes(1)});
  for (double d : {0.4, 0.1, 0.3, 0.2}) agg.Add(Rec(kT0, "/", 200, 1, d));
  agg.Add(Rec(kT0 + minutes(1)));  // not timed
  agg.Add(Rec(kT0 + minutes(2), "/", 200, 1, 1.0));
  const AccessSeries out = agg.Finish("web");

  size_t quantile_series = 0;
  for (const OutputSeries& s : out.series) {
    if (s.id.name != "web:latency_seconds") continue;
    ++quantile_series;
    EXPECT_FALSE(s.additive);
    EXPECT_EQ(s.unit, "seconds");
    EXPECT_EQ(s.series.start, kT0);
    ASSERT_EQ(s.series.size(), 3u);
    EXPECT_TRUE(std::isnan(s.series.values[1]));
    EXPECT_NEAR(s.series.values[2], 1.0, 0.02);
  }
  EXPECT_EQ(quantile_series, 4u);
  // Nearest rank over {0.1, 0.2, 0.3, 0.4}: p50 is the 2nd value, p90..p99 the 4th.
  const std::vector<double> p50 = ValuesOf(out, "web:latency_seconds", {{"quantile", "0.5"}});
  const std::vector<double> p99 = ValuesOf(out, "web:latency_seconds", {{"quantile", "0.99"}});
  ASSERT_EQ(p50.size(), 3u);
  ASSERT_EQ(p99.size(), 3u);
  EXPECT_NEAR(p50[0], 0.2, 0.2 * 0.02);
  EXPECT_NEAR(p99[0], 0.4, 0.4 * 0.02);
  EXPECT_NE(Find(out, "web:latency_seconds", {{"quantile", "0.9"}}), nullptr);
  EXPECT_NE(Find(out, "web:latency_seconds", {{"quantile", "0.95"}}), nullptr);
}

TEST(AccessAggregator, UsesTheConfiguredLatencyQuantiles) {
  AccessAggregator agg({.step = minutes(1), .latency_quantiles = {0.75}});
  agg.Add(Rec(kT0, "/", 200, 1, 0.5));
  const AccessSeries out = agg.Finish("web");
  EXPECT_NE(Find(out, "web:latency_seconds", {{"quantile", "0.75"}}), nullptr);
  EXPECT_EQ(Find(out, "web:latency_seconds", {{"quantile", "0.5"}}), nullptr);
}

TEST(AccessAggregator, LatencyHistogramsAreSortedAndCountEveryTimedRequest) {
  AccessAggregator agg({.step = minutes(1)});
  size_t timed = 0;
  // Scrambled minutes, several records each, every third one untimed.
  const int order[] = {7, 3, 9, 0, 5, 3, 12, 7, 1, 9, 0, 4};
  for (int i = 0; i < 60; ++i) {
    const int minute = order[static_cast<size_t>(i) % std::size(order)];
    const bool has_duration = i % 3 != 0;
    agg.Add(Rec(kT0 + minutes(minute) + seconds(i % 60), "/", 200, 1,
                has_duration ? 0.01 * (i + 1) : kNaN));
    if (has_duration) ++timed;
  }
  const AccessSeries out = agg.Finish("web");
  ASSERT_FALSE(out.latency_histograms.empty());
  LogHistogram merged;
  for (size_t i = 0; i < out.latency_histograms.size(); ++i) {
    const auto& [t, h] = out.latency_histograms[i];
    if (i > 0) {
      EXPECT_LT(out.latency_histograms[i - 1].first, t);
    }
    EXPECT_EQ((t - kT0) % minutes(1), Duration{0});  // bucket starts
    EXPECT_GT(h.count(), 0u);
    merged.Merge(h);
  }
  EXPECT_EQ(merged.count(), timed);
  EXPECT_EQ(agg.records(), 60u);
}

TEST(AccessAggregator, FinishWithoutRecordsIsEmpty) {
  AccessAggregator agg({.step = minutes(1)});
  const AccessSeries out = agg.Finish("web", {"/a"});
  EXPECT_TRUE(out.series.empty());
  EXPECT_TRUE(out.latency_histograms.empty());
  EXPECT_EQ(agg.records(), 0u);
}

}  // namespace
}  // namespace forescale::ingest
