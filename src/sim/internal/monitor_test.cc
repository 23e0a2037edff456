#include "sim/internal/monitor.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::sim::internal {
namespace {

using namespace std::chrono_literals;
using policy::Metric;

const TimePoint kStart{std::chrono::hours(1000)};

Monitor Fed(int seconds, MonitoringModel model, double (*rate)(int)) {
  Monitor m(kStart, 1s, model, 1, static_cast<size_t>(seconds));
  for (int s = 0; s < seconds; ++s) m.Record({.cpu = 0.5, .request_rate = rate(s)});
  return m;
}

TEST(Monitor, SamplesBecomeVisibleOnlyAfterTheirIntervalAndTheDelay) {
  Monitor m = Fed(120, {.interval = 15s, .delay = 30s, .noise = 0}, [](int s) { return s < 60 ? 10.0 : 20.0; });
  m.set_now(kStart + 44s);   // [0, 15 s) ends at 15 s, visible from 45 s
  EXPECT_TRUE(std::isnan(m.Average(Metric::kRequestRate, 15s)));
  m.set_now(kStart + 45s);
  EXPECT_EQ(m.DeliveredBuckets(), 1u);
  EXPECT_DOUBLE_EQ(m.Average(Metric::kRequestRate, 15s), 10);
  // At 105 s the newest visible sample is [60 s, 75 s): the load change shows 45 s late.
  m.set_now(kStart + 105s);
  EXPECT_DOUBLE_EQ(m.Average(Metric::kRequestRate, 15s), 20);
  EXPECT_DOUBLE_EQ(m.Average(Metric::kRequestRate, 30s), 15);   // [45, 75)
  EXPECT_DOUBLE_EQ(m.Average(Metric::kCpuUtilisation, 1min), 0.5);
}

TEST(Monitor, HistoryAveragesWholeBucketsEndingAtTheNewestSample) {
  Monitor m = Fed(600, {.interval = 15s, .delay = 0s, .noise = 0}, [](int s) { return s / 60 * 1.0; });
  m.set_now(kStart + 600s);
  Series h = m.History(Metric::kRequestRate, 5min, 1min);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.step, 1min);
  EXPECT_EQ(h.start, kStart + 5min);
  EXPECT_DOUBLE_EQ(h.values[0], 5);
  EXPECT_DOUBLE_EQ(h.values[4], 9);
  // Asking for more than exists gives what exists.
  EXPECT_EQ(m.History(Metric::kRequestRate, 1h, 1min).size(), 10u);
}

TEST(Monitor, NoiseIsMultiplicativeDeterministicAndOfTheGivenSize) {
  auto constant = [](int) { return 100.0; };
  Monitor a = Fed(15 * 2000, {.interval = 15s, .delay = 0s, .noise = 0.05}, constant);
  Monitor b = Fed(15 * 2000, {.interval = 15s, .delay = 0s, .noise = 0.05}, constant);
  a.set_now(kStart + 30000s);
  b.set_now(kStart + 30000s);
  Series ha = a.History(Metric::kRequestRate, 30000s, 15s);
  Series hb = b.History(Metric::kRequestRate, 30000s, 15s);
  ASSERT_EQ(ha.size(), 2000u);
  EXPECT_EQ(ha.values, hb.values);
  double sum = 0, sum2 = 0;
  for (double v : ha.values) {
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / 2000, sd = std::sqrt(sum2 / 2000 - mean * mean);
  EXPECT_NEAR(mean, 100, 0.5);
  EXPECT_NEAR(sd, 5, 0.4);
}

TEST(HashNormal, HasUnitVarianceAndZeroMean) {
  double sum = 0, sum2 = 0;
  for (uint64_t k = 0; k < 100000; ++k) {
    const double z = HashNormal(k);
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / 1e5, 0, 0.01);
  EXPECT_NEAR(sum2 / 1e5, 1, 0.02);
}

}  // namespace
}  // namespace forescale::sim::internal
