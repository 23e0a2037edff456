#include "forecast/internal/fill.h"

#include <gtest/gtest.h>

#include <cmath>

#include "forecast/internal/decompose.h"

namespace forescale::forecast::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(FillMissing, InterpolatesShortGapsAndCopiesTheSeasonIntoLongOnes) {
  EXPECT_EQ(FillMissing({1, kNaN, 3}, 0), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(FillMissing({kNaN, 2, kNaN}, 0), (std::vector<double>{2, 2, 2}));
  // Period 3, a gap of 4: one period back, not a straight line.
  EXPECT_EQ(FillMissing({1, 5, 9, kNaN, kNaN, kNaN, kNaN, 5, 9}, 3),
            (std::vector<double>{1, 5, 9, 1, 5, 9, 1, 5, 9}));
  // A leading gap with a season takes the values one period later.
  EXPECT_EQ(FillMissing({kNaN, kNaN, 3, 1, 2, 3}, 3), (std::vector<double>{1, 2, 3, 1, 2, 3}));
}

TEST(Mstl, SeparatesTwoSeasonsFromATrend) {
  std::vector<double> y;
  for (int t = 0; t < 24 * 7 * 4; ++t) {
    y.push_back(0.05 * t + 10 * std::sin(2 * M_PI * t / 24) + ((t / 24) % 7 == 6 ? 8 : -8.0 / 6));
  }
  const Decomposition d = Mstl(y, {24, 168});
  ASSERT_EQ(d.seasonal.size(), 2u);
  double max_remainder = 0;
  for (size_t i = 168; i + 168 < y.size(); ++i) {
    max_remainder = std::max(max_remainder, std::fabs(d.remainder[i]));
    EXPECT_NEAR(d.trend[i] + d.seasonal[0][i] + d.seasonal[1][i] + d.remainder[i], y[i], 1e-9);
  }
  EXPECT_LT(max_remainder, 3.0);
  // The daily component carries the sine.
  EXPECT_NEAR(d.seasonal[0][24 * 14 + 6], 10.0, 2.0);
}

}  // namespace
}  // namespace forescale::forecast::internal
