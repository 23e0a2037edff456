#include "forecast/internal/stl.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::forecast::internal {
namespace {

// A trend, two harmonics of a 12-step season and deterministic noise; R computes the same.
std::vector<double> Monthly(int n) {
  std::vector<double> y;
  for (int t = 0; t < n; ++t) {
    y.push_back(10 + 0.3 * t + 5 * std::sin(2 * M_PI * t / 12) + 2 * std::cos(2 * M_PI * t / 6) +
                std::sin(0.7 * t * t));
  }
  return y;
}

TEST(Stl, ComponentsSumToTheInput) {
  const std::vector<double> y = Monthly(100);
  const StlResult r = Stl(y, 12, {.seasonal_window = 7});
  ASSERT_EQ(r.seasonal.size(), y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_NEAR(r.seasonal[i] + r.trend[i] + r.remainder[i], y[i], 1e-12) << i;
  }
}

TEST(Stl, RecoversASinusoidOnALinearTrend) {
  std::vector<double> y;
  for (int t = 0; t < 24 * 20; ++t) y.push_back(3 + 0.02 * t + 4 * std::sin(2 * M_PI * t / 24));
  const StlResult r = Stl(y, 24);
  for (size_t t = 0; t < y.size(); ++t) {
    EXPECT_NEAR(r.seasonal[t], 4 * std::sin(2 * M_PI * static_cast<double>(t) / 24), 0.02) << t;
    EXPECT_NEAR(r.trend[t], 3 + 0.02 * static_cast<double>(t), 0.02) << t;
  }
}

TEST(Stl, LeavesTooShortSeriesUndecomposed) {
  const std::vector<double> y = Monthly(24);  // exactly two cycles: R's stl() refuses it
  const StlResult r = Stl(y, 12);
  EXPECT_EQ(r.trend, y);
  EXPECT_EQ(r.seasonal, std::vector<double>(24, 0.0));
}

// Produced with R 4.2.2:
//   y <- sapply(0:47, function(t) 10 + 0.3 * t + 5 * sin(2 * pi * t / 12) +
//                                 2 * cos(2 * pi * t / 6) + sin(0.7 * t * t))
//   f <- stl(ts(y, frequency = 12), s.window = 11)   # windows s 11, t 21, l 13; jumps 2, 3, 2
//   sprintf("%.10f", f$time.series[, "seasonal"]); sprintf("%.10f", f$time.series[, "trend"])
// Each cycle-subseries holds 4 points, fewer than the seasonal window.
TEST(Stl, MatchesRsStlOnFourCycles) {
  const std::vector<double> seasonal = {
      2.0582110135, 2.9104819769,  3.0047829661,  3.1812380636,  3.2242995240,  3.2927509196,
      2.3008821243, -1.1196563233, -5.2943966087, -6.6115434094, -5.6272698227, -1.3570133054,
      2.0838701363, 2.8877173490,  2.9812321088,  3.1907664098,  3.2953678079,  3.3417054848,
      2.2937350783, -1.1343481776, -5.3392227389, -6.6319495833, -5.6763834839, -1.3161054930,
      2.1069820576, 2.8627383671,  2.9557997450,  3.1988379113,  3.3654039088,  3.3901269743,
      2.2865540638, -1.1486397776, -5.3832143921, -6.6510999100, -5.7238199281, -1.2731012980,
      2.1279020375, 2.8343950362,  2.9428526891,  3.2091095144,  3.4227492649,  3.4171184058,
      2.2853671701, -1.1615220039, -5.4172409088, -6.6624533164, -5.7726265555, -1.2480861411};
  const std::vector<double> trend = {
      10.1383091026, 10.4250494495, 10.7117897964, 10.9985301433, 11.2875430477, 11.5765559521,
      11.8655688565, 12.1500459927, 12.4345231288, 12.7190002650, 13.0531346800, 13.3872690950,
      13.7214035100, 14.0372250872, 14.3530466644, 14.6688682417, 14.9612065559, 15.2535448701,
      15.5458831843, 15.8821978342, 16.2185124842, 16.5548271341, 16.8667654586, 17.1787037832,
      17.4906421077, 17.7920791340, 18.0935161603, 18.3949531866, 18.6976006939, 19.0002482012,
      19.3028957085, 19.5846301787, 19.8663646489, 20.1480991191, 20.4351900628, 20.7222810064,
      21.0093719501, 21.2556024498, 21.5018329495, 21.7480634492, 21.9995929407, 22.2511224321,
      22.5026519236, 22.7503973046, 22.9981426856, 23.2458880666, 23.4859773804, 23.7260666943};
  const StlResult r = Stl(Monthly(48), 12, {.seasonal_window = 11});
  for (size_t i = 0; i < 48; ++i) {
    EXPECT_NEAR(r.seasonal[i], seasonal[i], 1e-9) << i;
    EXPECT_NEAR(r.trend[i], trend[i], 1e-9) << i;
  }
}

// As above with 144 values (12 cycles), so every loess runs with a window shorter than its
// series and evaluates every 2nd or 3rd point:
//   f <- stl(ts(y144, frequency = 12), s.window = 11)
//   idx <- c(1:5, 60:65, 140:144); f$time.series[idx, ]
TEST(Stl, MatchesRsStlWithJumps) {
  const std::vector<size_t> index = {0,  1,  2,  3,   4,   59,  60,  61,
                                     62, 63, 64, 139, 140, 141, 142, 143};
  const std::vector<double> seasonal = {
      2.050576814221,  3.101958594870,  3.284915984196,  3.091875924396,
      3.531756979027,  -1.656198486346, 2.020770001428,  3.199689965091,
      3.444117765265,  3.008646088226,  3.648609042214,  -1.423868104559,
      -5.082030903137, -6.935167141147, -5.313034774532, -1.571771790412};
  const std::vector<double> trend = {
      10.040745288239, 10.340057182486, 10.639369076734, 10.938680970982,
      11.237065522035, 27.736475004475, 28.087238140250, 28.433053340294,
      28.778868540338, 29.124683740382, 29.429275539674, 51.640864164309,
      51.972584548073, 52.304304931836, 52.635489922223, 52.966674912611};
  const StlResult r = Stl(Monthly(144), 12, {.seasonal_window = 11});
  for (size_t k = 0; k < index.size(); ++k) {
    EXPECT_NEAR(r.seasonal[index[k]], seasonal[k], 1e-9) << index[k];
    EXPECT_NEAR(r.trend[index[k]], trend[k], 1e-9) << index[k];
  }
}

}  // namespace
}  // namespace forescale::forecast::internal
