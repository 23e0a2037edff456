#include "forecast/internal/fill.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
}  // namespace forescale::forecast::internal
