#include "forecast/arima.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"
#include "core/series.h"

namespace forescale::forecast {
namespace {

Series MakeSeries(std::vector<double> values) {
  return Series{.step = std::chrono::hours(1), .values = std::move(values)};
}

// R datasets (public domain), as shipped with R.
const std::vector<double> kLh = {2.4, 2.4, 2.4, 2.2, 2.1, 1.5, 2.3, 2.3, 2.5, 2.0, 1.9, 1.7,
                                 2.2, 1.8, 3.2, 3.2, 2.7, 2.2, 2.2, 1.9, 1.9, 1.8, 2.7, 3.0,
                                 2.3, 2.0, 2.0, 2.9, 2.9, 2.7, 2.7, 2.3, 2.6, 2.4, 1.8, 1.7,
                                 1.5, 1.4, 2.1, 3.3, 3.5, 3.5, 3.1, 2.6, 2.1, 3.4, 3.0, 2.9};

const std::vector<double> kWwwUsage = {
    88,  84,  85,  85,  84,  85,  83,  85,  88,  89,  91,  99,  104, 112, 126, 138, 146,
    151, 150, 148, 147, 149, 143, 132, 131, 139, 147, 150, 148, 145, 140, 134, 131, 131,
    129, 126, 126, 132, 137, 140, 142, 150, 159, 167, 170, 171, 172, 172, 174, 175, 172,
    172, 174, 174, 169, 165, 156, 142, 131, 121, 112, 104, 102, 99,  99,  95,  88,  84,
    84,  87,  89,  88,  85,  86,  89,  91,  91,  94,  101, 110, 121, 135, 145, 149, 156,
    165, 171, 175, 177, 182, 193, 204, 208, 210, 215, 222, 228, 226, 222, 220};

const std::vector<double> kAirPassengers = {
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149,
    170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243,
    264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374,
    413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472,
    548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432};

const std::vector<double> kUsAccDeaths = {
    9007, 8106, 8928, 9137, 10017, 10826, 11317, 10744, 9713, 9938, 9161, 8927,
    7750, 6981, 8038, 8422, 8714,  9512,  10120, 9823,  8743, 9129, 8710, 8680,
    8162, 7306, 8124, 7870, 9387,  9556,  10093, 9620,  8285, 8466, 8160, 8034,
    7717, 7461, 7767, 7925, 8623,  8945,  10078, 9179,  8037, 8488, 7874, 8647,
    7792, 6957, 7726, 8106, 8890,  9299,  10625, 9302,  8314, 8850, 8265, 8796,
    7836, 6892, 7791, 8192, 9115,  9434,  10484, 9827,  9110, 9070, 8633, 9240};

const std::vector<double> kNile = {
    1120, 1160, 963,  1210, 1160, 1160, 813,  1230, 1370, 1140, 995,  935,  1110, 994,  1020,
    960,  1180, 799,  958,  1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774,  840,
    874,  694,  940,  833,  701,  916,  692,  1020, 1050, 969,  831,  726,  456,  824,  702,
    1120, 1100, 832,  764,  821,  768,  845,  864,  862,  698,  845,  744,  796,  1040, 759,
    781,  865,  845,  944,  984,  897,  822,  1010, 771,  676,  649,  846,  812,  742,  801,
    1040, 860,  874,  848,  890,  744,  749,  838,  1050, 918,  986,  797,  923,  975,  815,
    1020, 906,  901,  1170, 912,  746,  919,  718,  714,  740};

void Dump(const char* label, const ArimaForecaster& m, size_t h = 10) {
  std::printf("%s: %s aicc=%.4f loglik=%.4f sigma2=%.6g coef:", label, m.Name().c_str(), m.Aicc(),
              m.log_likelihood(), m.sigma2());
  for (double c : m.coefficients()) std::printf(" %.5f", c);
  auto f = m.Predict(h);
  std::printf("\n  fc:");
  if (f) for (double v : *f) std::printf(" %.4f", v);
  std::printf("\n");
  for (const auto& n : m.Notes()) std::printf("  note: %s\n", n.c_str());
}

TEST(ArimaDev, Golden) {
  {
    ArimaForecaster m;
    ASSERT_TRUE(m.Fit(MakeSeries(kLh), {}));
    Dump("lh", m, 8);
  }
  {
    ArimaForecaster m;
    ASSERT_TRUE(m.Fit(MakeSeries(kWwwUsage), {}));
    Dump("www", m);
  }
  {
    ArimaForecaster m({.order = ArimaOrder{.p = 3, .d = 1}});
    ASSERT_TRUE(m.Fit(MakeSeries(kWwwUsage), {}));
    Dump("www310", m);
  }
  {
    ArimaForecaster m;
    ASSERT_TRUE(m.Fit(MakeSeries(kAirPassengers), {.seasons = {12}}));
    Dump("air", m, 12);
  }
  {
    ArimaForecaster m;
    ASSERT_TRUE(m.Fit(MakeSeries(kUsAccDeaths), {.seasons = {12}}));
    Dump("usacc", m, 12);
  }
  {
    ArimaForecaster m;
    ASSERT_TRUE(m.Fit(MakeSeries(kNile), {}));
    Dump("nile", m, 10);
  }
  {
    std::vector<double> logair;
    for (double v : kAirPassengers) logair.push_back(std::log(v));
    ArimaForecaster m({.order = ArimaOrder{.d = 1, .q = 1, .D = 1, .Q = 1, .period = 12}});
    ASSERT_TRUE(m.Fit(MakeSeries(logair), {}));
    Dump("airline", m, 12);
  }
}

}  // namespace
}  // namespace forescale::forecast

namespace forescale::forecast {
namespace {
TEST(ArimaDev, Timing) {
  Rng rng(7);
  {
    std::vector<double> y(2000);
    double ar = 0;
    for (size_t t = 0; t < y.size(); ++t) {
      ar = 0.7 * ar + rng.Normal() * 5;
      y[t] = 200 + 0.01 * t + 60 * std::sin(2 * M_PI * (t % 24) / 24.0) + 20 * std::cos(4 * M_PI * (t % 24) / 24.0) + ar;
    }
    ArimaForecaster m;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(m.Fit(MakeSeries(y), {.seasons = {24, 168}}));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("hourly2000: %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
    Dump("hourly", m, 24);
  }
  {
    std::vector<double> y(20000);
    double ar = 0, level = 100;
    for (size_t t = 0; t < y.size(); ++t) {
      ar = 0.6 * ar + rng.Normal();
      level += 0.2 * rng.Normal();
      y[t] = level + ar;
    }
    ArimaForecaster m;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(m.Fit(MakeSeries(y), {}));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("minute20000: %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
    Dump("minute", m, 5);
  }
}
}  // namespace
}  // namespace forescale::forecast

namespace forescale::forecast {
namespace {
TEST(ArimaDev, Missing) {
  {
    std::vector<double> y = kWwwUsage;
    y.push_back(NAN);
    ArimaForecaster m({.order = ArimaOrder{.p = 1, .d = 1, .q = 1}});
    ASSERT_TRUE(m.Fit(MakeSeries(y), {}));
    Dump("www+nan", m, 3);
    y = kWwwUsage;
    y[50] = NAN; y[51] = NAN; y[70] = NAN;
    ArimaForecaster m2;
    ASSERT_TRUE(m2.Fit(MakeSeries(y), {}));
    Dump("www gaps", m2, 3);
  }
  {
    std::vector<double> y = kAirPassengers;
    y[30] = NAN; y[31] = NAN; y[100] = NAN;
    ArimaForecaster m;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(m.Fit(MakeSeries(y), {.seasons = {12}}));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("air gaps: %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
    Dump("air gaps", m, 12);
  }
  {
    Rng rng(7);
    std::vector<double> y(2000);
    double ar = 0;
    for (size_t t = 0; t < y.size(); ++t) {
      ar = 0.7 * ar + rng.Normal() * 5;
      y[t] = 200 + 0.01 * t + 60 * std::sin(2 * M_PI * (t % 24) / 24.0) + 20 * std::cos(4 * M_PI * (t % 24) / 24.0) + ar;
    }
    for (size_t t = 500; t < 530; ++t) y[t] = NAN;
    y[1500] = NAN;
    ArimaForecaster m;
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(m.Fit(MakeSeries(y), {.seasons = {24, 168}}));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("hourly gaps: %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count());
    Dump("hourly gaps", m, 24);
  }
}
}  // namespace
}  // namespace forescale::forecast
