#include "core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace forescale {
namespace {

TEST(LogHistogram, QuantilesAreWithinOnePercentOfExact) {
  LogHistogram h;
  std::vector<double> values;
  Rng rng(3);
  for (int i = 0; i < 10'000; ++i) {
    const double v = 0.001 + rng.Exponential(10.0);  // latencies around 100 ms
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.95, 0.99}) {
    const double exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    EXPECT_NEAR(h.Quantile(q) / exact, 1.0, 0.011) << q;
  }
}

TEST(LogHistogram, MergeEqualsAddingEverythingToOne) {
  LogHistogram a, b, both;
  for (int i = 1; i <= 100; ++i) {
    a.Add(i * 0.01);
    both.Add(i * 0.01);
    b.Add(i * 0.5);
    both.Add(i * 0.5);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_DOUBLE_EQ(a.Quantile(q), both.Quantile(q));
}

TEST(LogHistogram, SerializesAndRejectsCorruptBlobs) {
  LogHistogram h;
  h.Add(0);
  h.Add(0.25, 7);
  h.Add(3.0);
  auto back = LogHistogram::Deserialize(h.Serialize());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->count(), 9u);
  EXPECT_DOUBLE_EQ(back->Quantile(0.5), h.Quantile(0.5));
  EXPECT_FALSE(LogHistogram::Deserialize("").has_value());
  EXPECT_FALSE(LogHistogram::Deserialize("\x02").has_value());
  EXPECT_FALSE(LogHistogram::Deserialize(std::string("\x01\x00\xff", 3)).has_value());
}

TEST(LogHistogram, EmptyHasNoQuantileAndHugeValuesAreClamped) {
  LogHistogram h;
  EXPECT_TRUE(std::isnan(h.Quantile(0.5)));
  h.Add(1e300);
  EXPECT_GT(h.Quantile(1.0), 1e6);
}

}  // namespace
}  // namespace forescale
