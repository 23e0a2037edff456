#include "forecast/arima.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/series.h"

namespace forescale::forecast {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Series MakeSeries(std::vector<double> values) {
  return Series{.step = std::chrono::hours(1), .values = std::move(values)};
}

std::vector<double> PredictOrDie(const ArimaForecaster& model, size_t horizon) {
  Result<std::vector<double>> forecast = model.Predict(horizon);
  EXPECT_TRUE(forecast.has_value()) << forecast.error().message();
  if (!forecast) return std::vector<double>(horizon, kNaN);
  EXPECT_EQ(forecast->size(), horizon);
  for (double v : *forecast) EXPECT_TRUE(std::isfinite(v));
  return *forecast;
}

bool HasNoteContaining(const Forecaster& model, const std::string& text) {
  for (const std::string& note : model.Notes()) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

// x_t = phi x_{t-1} + e_t + theta e_{t-1} + mean, after a burn-in so the start is stationary.
std::vector<double> SimulateArma11(uint64_t seed, size_t n, double phi, double theta,
                                   double mean = 0.0, double sd = 1.0) {
  Rng rng(seed);
  std::vector<double> y;
  double x = 0, e_prev = 0;
  for (size_t t = 0; t < n + 200; ++t) {
    const double e = sd * rng.Normal();
    x = phi * x + e + theta * e_prev;
    e_prev = e;
    if (t >= 200) y.push_back(mean + x);
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// Behaviour on simulated series.

TEST(ArimaOrder, ToStringFollowsRNotationWithConstantSuffix) {
  EXPECT_EQ((ArimaOrder{.p = 2, .d = 1, .q = 1, .P = 0, .D = 1, .Q = 1, .period = 24}).ToString(),
            "arima(2,1,1)(0,1,1)[24]");
  EXPECT_EQ((ArimaOrder{.p = 1, .constant = true}).ToString(), "arima(1,0,0)+c");
  // Like R, no seasonal part when it is empty.
  EXPECT_EQ((ArimaOrder{.d = 1, .period = 12}).ToString(), "arima(0,1,0)");
}

TEST(Arima, NameIsTheFamilyBeforeFitAndTheOrderAfter) {
  ArimaForecaster model;
  EXPECT_EQ(model.Name(), "arima");
  EXPECT_FALSE(model.Predict(3).has_value());
  ASSERT_TRUE(model.Fit(MakeSeries(SimulateArma11(1, 300, 0.5, 0.0, 10.0)), {}));
  EXPECT_EQ(model.Name(), model.order().ToString());
}

TEST(Arima, RecoversAr1CoefficientFromSimulatedSeries) {
  const std::vector<double> y = SimulateArma11(42, 600, 0.7, 0.0, 50.0);
  ArimaForecaster fixed({.order = ArimaOrder{.p = 1, .constant = true}});
  ASSERT_TRUE(fixed.Fit(MakeSeries(y), {}));
  ASSERT_EQ(fixed.coefficients().size(), 2u);
  // Standard error of phi-hat is sqrt((1 - phi^2) / n) ~ 0.03.
  EXPECT_NEAR(fixed.coefficients()[0], 0.7, 0.07);
  EXPECT_NEAR(fixed.coefficients()[1], 50.0, 0.5);
  EXPECT_NEAR(fixed.sigma2(), 1.0, 0.15);

  ArimaForecaster automatic;
  ASSERT_TRUE(automatic.Fit(MakeSeries(y), {}));
  EXPECT_EQ(automatic.order().d, 0);
  EXPECT_TRUE(automatic.order().constant);
  // Far ahead a stationary model returns to its mean.
  EXPECT_NEAR(PredictOrDie(automatic, 200).back(), 50.0, 0.5);
}

TEST(Arima, RecoversMa1CoefficientFromSimulatedSeries) {
  const std::vector<double> y = SimulateArma11(7, 600, 0.0, 0.6);
  ArimaForecaster model({.order = ArimaOrder{.q = 1}});
  ASSERT_TRUE(model.Fit(MakeSeries(y), {}));
  ASSERT_EQ(model.coefficients().size(), 1u);
  // R's sign convention: x_t = e_t + theta e_{t-1}. Standard error ~ 0.033.
  EXPECT_NEAR(model.coefficients()[0], 0.6, 0.08);
  // An MA(1) forgets after one step.
  const std::vector<double> forecast = PredictOrDie(model, 3);
  EXPECT_DOUBLE_EQ(forecast[1], 0.0);
  EXPECT_DOUBLE_EQ(forecast[2], 0.0);
}

TEST(Arima, HannanRissanenFindsTheOrderOfSimulatedSeries) {
  // Least-squares order identification, then one fit by conditional sum of squares.
  const ArimaOptions fast{.max_p = 3,
                          .max_q = 3,
                          .search = OrderSearch::kHannanRissanen,
                          .exact_likelihood = false};
  ArimaForecaster ar(fast);
  ASSERT_TRUE(ar.Fit(MakeSeries(SimulateArma11(42, 3000, 0.7, 0.0, 50.0)), {}));
  EXPECT_EQ(ar.order().p, 1);
  EXPECT_EQ(ar.order().q, 0);
  EXPECT_EQ(ar.order().d, 0);
  EXPECT_TRUE(ar.order().constant);
  EXPECT_NEAR(ar.coefficients()[0], 0.7, 0.04);
  EXPECT_TRUE(std::isnan(ar.log_likelihood()));  // CSS only: no exact likelihood
  ArimaForecaster ma(fast);
  ASSERT_TRUE(ma.Fit(MakeSeries(SimulateArma11(7, 3000, 0.0, 0.6)), {}));
  EXPECT_EQ(ma.order().p, 0);
  EXPECT_EQ(ma.order().q, 1);
  EXPECT_NEAR(ma.coefficients()[0], 0.6, 0.05);
  // White noise: no ARMA terms.
  int white = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ArimaForecaster noise(fast);
    ASSERT_TRUE(noise.Fit(MakeSeries(SimulateArma11(seed, 3000, 0.0, 0.0, 5.0)), {}));
    if (noise.order().p + noise.order().q == 0) ++white;
  }
  // KPSS differences white noise now and then (2 of these 20), as in auto.arima.
  EXPECT_GE(white, 18);
  // A seasonal context is left to the stepwise search, which can fit seasonal terms.
  ArimaForecaster seasonal(fast);
  std::vector<double> y = SimulateArma11(5, 600, 0.3, 0.0, 20.0);
  for (size_t t = 0; t < y.size(); ++t) {
    y[t] += 5 * std::sin(2 * M_PI * static_cast<double>(t % 24) / 24);
  }
  ASSERT_TRUE(seasonal.Fit(MakeSeries(y), {.seasons = {24}}));
  EXPECT_GT(seasonal.order().P + seasonal.order().D + seasonal.order().Q, 0);
  // Too short for the regressions' long AR (10 rows per lag): the stepwise search, and a note
  // that says so.
  ArimaForecaster short_series(fast);
  ASSERT_TRUE(short_series.Fit(MakeSeries(SimulateArma11(9, 80, 0.5, 0.0, 10.0)), {}));
  EXPECT_TRUE(HasNoteContaining(short_series, "stepwise search instead"));
  EXPECT_FALSE(HasNoteContaining(ar, "stepwise"));
}

TEST(Arima, RandomWalkGetsOneDifference) {
  Rng rng(3);
  std::vector<double> y(400);
  double level = 100;
  for (double& v : y) {
    level += rng.Normal();
    v = level;
  }
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {}));
  EXPECT_EQ(model.order().d, 1);
  // Without drift a random walk forecasts its last value.
  const std::vector<double> forecast = PredictOrDie(model, 10);
  EXPECT_NEAR(forecast.back(), y.back(), 3.0);
}

TEST(Arima, TrendGetsDriftThatContinuesIt) {
  Rng rng(11);
  std::vector<double> y(300);
  double level = 0;
  for (double& v : y) {
    level += 0.5 + rng.Normal();
    v = level;
  }
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {}));
  EXPECT_EQ(model.order().d, 1);
  EXPECT_TRUE(model.order().constant);
  EXPECT_NE(model.Name().find("+c"), std::string::npos);
  const std::vector<double> forecast = PredictOrDie(model, 100);
  EXPECT_NEAR((forecast[99] - forecast[49]) / 50.0, 0.5, 0.15);
}

TEST(Arima, SeasonalSeriesGetsSeasonalTermsAndForecastsTrackTheSeason) {
  constexpr size_t kPeriod = 12;
  Rng rng(5);
  auto season = [](size_t t) {
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(t % kPeriod) / kPeriod;
    return 10.0 * std::sin(phase) + 4.0 * std::cos(2.0 * phase);
  };
  std::vector<double> y;
  double noise = 0;
  for (size_t t = 0; t < 12 * kPeriod; ++t) {
    noise = 0.5 * noise + rng.Normal();
    y.push_back(50.0 + season(t) + noise);
  }
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {.seasons = {kPeriod}}));
  const ArimaOrder& order = model.order();
  EXPECT_EQ(order.period, kPeriod);
  EXPECT_TRUE(order.D == 1 || order.P + order.Q > 0) << model.Name();
  const std::vector<double> forecast = PredictOrDie(model, 2 * kPeriod);
  double error = 0;
  for (size_t h = 0; h < forecast.size(); ++h) {
    error += std::abs(forecast[h] - (50.0 + season(y.size() + h)));
  }
  EXPECT_LT(error / static_cast<double>(forecast.size()), 2.0) << model.Name();
}

TEST(Arima, ConstantSeriesGivesFiniteFlatForecast) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(std::vector<double>(50, 7.5)), {.seasons = {12}}));
  for (double v : PredictOrDie(model, 24)) EXPECT_DOUBLE_EQ(v, 7.5);
  EXPECT_EQ(model.Name(), "arima(0,0,0)+c");
  EXPECT_TRUE(std::isnan(model.Aicc()));  // a perfect fit has no information criterion
}

TEST(Arima, GapsAreSkippedNotReadAsZeros) {
  std::vector<double> y = SimulateArma11(21, 500, 0.6, 0.0, 100.0);
  Rng rng(99);
  for (double& v : y) {
    if (rng.Uniform() < 0.1) v = kNaN;
  }
  for (size_t t = 200; t < 240; ++t) y[t] = kNaN;  // an outage
  ArimaForecaster model({.order = ArimaOrder{.p = 1, .constant = true}});
  ASSERT_TRUE(model.Fit(MakeSeries(y), {}));
  // Zeros would drag the mean to ~80 and wreck the AR coefficient.
  EXPECT_NEAR(model.coefficients()[0], 0.6, 0.08);
  EXPECT_NEAR(model.coefficients()[1], 100.0, 0.5);

  ArimaForecaster automatic;
  ASSERT_TRUE(automatic.Fit(MakeSeries(y), {}));
  for (double v : PredictOrDie(automatic, 10)) EXPECT_NEAR(v, 100.0, 5.0) << automatic.Name();
}

TEST(Arima, SeasonalSeriesWithGapsForecastsTheSeason) {
  // Hourly load: a daily cycle whose amplitude drifts from day to day, plus AR(1) noise.
  constexpr size_t kPeriod = 24;
  Rng rng(8);
  std::vector<double> y;
  double amplitude = 50, noise = 0;
  for (size_t t = 0; t < 20 * kPeriod; ++t) {
    if (t % kPeriod == 0) amplitude += 2.0 * rng.Normal();
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(t % kPeriod) / kPeriod;
    noise = 0.5 * noise + 2.0 * rng.Normal();
    y.push_back(200.0 + amplitude * std::sin(phase) + noise);
  }
  for (size_t t = 300; t < 330; ++t) y[t] = kNaN;  // an outage
  y[400] = kNaN;
  y.back() = kNaN;  // the newest bucket has not arrived yet
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {.seasons = {kPeriod}}));
  EXPECT_EQ(model.order().period, kPeriod);
  const std::vector<double> forecast = PredictOrDie(model, kPeriod);
  for (size_t h = 0; h < kPeriod; ++h) {
    const size_t t = y.size() + h;
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(t % kPeriod) / kPeriod;
    EXPECT_NEAR(forecast[h], 200.0 + amplitude * std::sin(phase), 10.0) << h << " " << model.Name();
  }
}

TEST(Arima, TrailingGapIsPredictedThrough) {
  // The fit ignores a missing last step; the forecast from it is the two-step forecast.
  const std::vector<double> y = SimulateArma11(13, 200, 0.8, 0.3, 20.0);
  const ArimaOptions options{.order = ArimaOrder{.p = 1, .q = 1, .constant = true}};
  ArimaForecaster full(options), gapped(options);
  ASSERT_TRUE(full.Fit(MakeSeries(y), {}));
  std::vector<double> with_gap = y;
  with_gap.push_back(kNaN);
  ASSERT_TRUE(gapped.Fit(MakeSeries(with_gap), {}));
  ASSERT_EQ(full.coefficients().size(), gapped.coefficients().size());
  for (size_t i = 0; i < full.coefficients().size(); ++i) {
    EXPECT_NEAR(full.coefficients()[i], gapped.coefficients()[i], 1e-4);
  }
  EXPECT_NEAR(PredictOrDie(full, 3)[2], PredictOrDie(gapped, 2)[1], 1e-3);
}

TEST(Arima, ExtendIsUpdateOneObservationAtATime) {
  const std::vector<double> y = SimulateArma11(4, 300, 0.6, 0.3, 10.0);
  const std::vector<double> more = {11, kNaN, 9.5, 12, 10.2};
  ArimaForecaster one_by_one, at_once;
  ASSERT_TRUE(one_by_one.Fit(MakeSeries(y), {}));
  ASSERT_TRUE(at_once.Fit(MakeSeries(y), {}));
  EXPECT_TRUE(at_once.RollsForward());
  for (double v : more) ASSERT_TRUE(one_by_one.Update(v));
  ASSERT_TRUE(at_once.Extend(more));
  const auto a = *one_by_one.Predict(5), b = *at_once.Predict(5);
  for (size_t h = 0; h < 5; ++h) EXPECT_NEAR(a[h], b[h], 1e-9);
}

TEST(Arima, UpdateMovesTheStateWithoutRefitting) {
  constexpr size_t kPeriod = 12;
  std::vector<double> y = SimulateArma11(31, 240, 0.5, 0.3, 100.0);
  for (size_t t = 0; t < y.size(); ++t) y[t] += 10.0 * static_cast<double>(t % kPeriod == 0);
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {.seasons = {kPeriod}}));
  const std::string name = model.Name();
  const std::vector<double> coefficients = model.coefficients();
  const std::vector<double> before = PredictOrDie(model, 6);
  // Observing exactly the forecast is no news: the rest of the path stays where it was.
  ASSERT_TRUE(model.Update(before[0]));
  std::vector<double> after = PredictOrDie(model, 5);
  for (size_t h = 0; h < 5; ++h) EXPECT_NEAR(after[h], before[h + 1], 1e-6) << h;
  // Nor is a missing step: the forecast just moves one step along.
  ASSERT_TRUE(model.Update(kNaN));
  after = PredictOrDie(model, 4);
  for (size_t h = 0; h < 4; ++h) EXPECT_NEAR(after[h], before[h + 2], 1e-6) << h;
  // A surprise moves the forecast; the model itself stays.
  ASSERT_TRUE(model.Update(before[3] + 50.0));
  EXPECT_GT(PredictOrDie(model, 1)[0], before[4]);
  EXPECT_EQ(model.Name(), name);
  EXPECT_EQ(model.coefficients(), coefficients);
  EXPECT_FALSE(model.Update(std::numeric_limits<double>::infinity()).has_value());
}

TEST(Arima, LeadingGapsAreIgnored) {
  const std::vector<double> y = SimulateArma11(17, 200, 0.5, 0.0, 3.0);
  std::vector<double> padded(30, kNaN);
  padded.insert(padded.end(), y.begin(), y.end());
  ArimaForecaster plain, with_lead;
  ASSERT_TRUE(plain.Fit(MakeSeries(y), {}));
  ASSERT_TRUE(with_lead.Fit(MakeSeries(padded), {}));
  EXPECT_EQ(plain.Name(), with_lead.Name());
  EXPECT_NEAR(PredictOrDie(plain, 5)[4], PredictOrDie(with_lead, 5)[4], 1e-6);
}

TEST(Arima, ShortSeriesFallsBackToLastValueWithNote) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries({3.0, 5.0, kNaN, 4.0, 6.0}), {.seasons = {24}}));
  EXPECT_TRUE(HasNoteContaining(model, "too few"))
      << (model.Notes().empty() ? "" : model.Notes()[0]);
  EXPECT_EQ(model.Name(), "arima(0,1,0)");
  for (double v : PredictOrDie(model, 5)) EXPECT_DOUBLE_EQ(v, 6.0);

  ArimaForecaster single;
  ASSERT_TRUE(single.Fit(MakeSeries({kNaN, 42.0}), {}));
  EXPECT_FALSE(single.Notes().empty());
  for (double v : PredictOrDie(single, 3)) EXPECT_DOUBLE_EQ(v, 42.0);
}

TEST(Arima, SeasonLongerThanMaxPeriodIsLeftOutWithNote) {
  ArimaForecaster model({.max_period = 168});
  ASSERT_TRUE(model.Fit(MakeSeries(SimulateArma11(2, 3000, 0.5, 0.2, 10.0)), {.seasons = {1440}}));
  EXPECT_EQ(model.order().P + model.order().D + model.order().Q, 0);
  EXPECT_TRUE(HasNoteContaining(model, "max_period"));
}

TEST(Arima, TooShortForTheSeasonFitsNonSeasonalWithNote) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(SimulateArma11(4, 40, 0.5, 0.0, 10.0)), {.seasons = {24}}));
  EXPECT_EQ(model.order().D, 0);
  EXPECT_TRUE(HasNoteContaining(model, "two full seasons"));
  PredictOrDie(model, 48);
}

TEST(Arima, RejectsHistoryWithoutValues) {
  ArimaForecaster model;
  EXPECT_FALSE(model.Fit(MakeSeries({}), {}).has_value());
  EXPECT_FALSE(model.Fit(MakeSeries({kNaN, kNaN}), {}).has_value());
}

// ---------------------------------------------------------------------------------------------
// Golden comparison with R. Datasets from R's datasets package (public domain); expected values
// from R 4.2.2 with forecast 8.20 (Debian r-base-core, r-cran-forecast), printed by
//
//   Rscript -e 'library(forecast); options(digits = 10)
//     show <- function(fit, h) { print(coef(fit)); print(c(fit$loglik, fit$aicc, fit$sigma2))
//                                print(forecast(fit, h = h)$mean) }
//     show(auto.arima(lh), 8); show(auto.arima(WWWusage), 10)
//     show(Arima(WWWusage, order = c(3, 1, 0)), 10); show(auto.arima(AirPassengers), 12)
//     show(auto.arima(USAccDeaths), 12); show(auto.arima(Nile), 10)
//     show(Arima(log(AirPassengers), order = c(0, 1, 1), seasonal = c(0, 1, 1)), 12)
//     show(auto.arima(nottem), 12)
//     w <- WWWusage; w[c(51, 52, 71)] <- NA; show(Arima(w, order = c(1, 1, 1)), 5)
//     a <- AirPassengers; a[c(31, 32, 101)] <- NA; show(auto.arima(a), 12)'
//
// (the chosen orders are those auto.arima printed). Tolerances: R's optimiser (BFGS, reltol
// 1.5e-8) stops earlier than ours, so coefficients agree to ~1e-4 and forecasts to ~1e-5
// relative. Without gaps our likelihood is the exact diffuse one (a filter on the differenced
// series); R approximates it with a kappa = 1e6 prior on the differencing states, which moves
// its log-likelihood by up to ~0.003 on these series and adds the diffuse steps' residuals to
// sigma^2.

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
    1120, 1160, 963, 1210, 1160, 1160, 813,  1230, 1370, 1140, 995,  935,  1110, 994,  1020,
    960,  1180, 799, 958,  1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774,  840,
    874,  694,  940, 833,  701,  916,  692,  1020, 1050, 969,  831,  726,  456,  824,  702,
    1120, 1100, 832, 764,  821,  768,  845,  864,  862,  698,  845,  744,  796,  1040, 759,
    781,  865,  845, 944,  984,  897,  822,  1010, 771,  676,  649,  846,  812,  742,  801,
    1040, 860,  874, 848,  890,  744,  749,  838,  1050, 918,  986,  797,  923,  975,  815,
    1020, 906,  901, 1170, 912,  746,  919,  718,  714,  740};

const std::vector<double> kNottem = {
    40.6, 40.8, 44.4, 46.7, 54.1, 58.5, 57.7, 56.4, 54.3, 50.5, 42.9, 39.8, 44.2, 39.8, 45.1, 47.0,
    54.1, 58.7, 66.3, 59.9, 57.0, 54.2, 39.7, 42.8, 37.5, 38.7, 39.5, 42.1, 55.7, 57.8, 56.8, 54.3,
    54.3, 47.1, 41.8, 41.7, 41.8, 40.1, 42.9, 45.8, 49.2, 52.7, 64.2, 59.6, 54.4, 49.2, 36.3, 37.6,
    39.3, 37.5, 38.3, 45.5, 53.2, 57.7, 60.8, 58.2, 56.4, 49.8, 44.4, 43.6, 40.0, 40.5, 40.8, 45.1,
    53.8, 59.4, 63.5, 61.0, 53.0, 50.0, 38.1, 36.3, 39.2, 43.4, 43.4, 48.9, 50.6, 56.8, 62.5, 62.0,
    57.5, 46.7, 41.6, 39.8, 39.4, 38.5, 45.3, 47.1, 51.7, 55.0, 60.4, 60.5, 54.7, 50.3, 42.3, 35.2,
    40.8, 41.1, 42.8, 47.3, 50.9, 56.4, 62.2, 60.5, 55.4, 50.2, 43.0, 37.3, 34.8, 31.3, 41.0, 43.9,
    53.1, 56.9, 62.5, 60.3, 59.8, 49.2, 42.9, 41.9, 41.6, 37.1, 41.2, 46.9, 51.2, 60.4, 60.1, 61.6,
    57.0, 50.9, 43.0, 38.8, 37.1, 38.4, 38.4, 46.5, 53.5, 58.4, 60.6, 58.2, 53.8, 46.6, 45.5, 40.6,
    42.4, 38.4, 40.3, 44.6, 50.9, 57.0, 62.1, 63.5, 56.3, 47.3, 43.6, 41.8, 36.2, 39.3, 44.5, 48.7,
    54.2, 60.8, 65.5, 64.9, 60.1, 50.2, 42.1, 35.8, 39.4, 38.2, 40.4, 46.9, 53.4, 59.6, 66.5, 60.4,
    59.2, 51.2, 42.8, 45.8, 40.0, 42.6, 43.5, 47.1, 50.0, 60.5, 64.6, 64.0, 56.8, 48.6, 44.2, 36.4,
    37.3, 35.0, 44.0, 43.9, 52.7, 58.6, 60.0, 61.1, 58.1, 49.6, 41.6, 41.3, 40.8, 41.0, 38.4, 47.4,
    54.1, 58.6, 61.4, 61.8, 56.3, 50.9, 41.4, 37.1, 42.1, 41.2, 47.3, 46.6, 52.4, 59.0, 59.6, 60.4,
    57.0, 50.7, 47.8, 39.2, 39.4, 40.9, 42.4, 47.8, 52.4, 58.0, 60.7, 61.8, 58.2, 46.7, 46.6, 37.8};

struct Golden {
  std::string name;
  std::vector<double> coefficients;
  double loglik, aicc, sigma2;
  std::vector<double> forecast;
};

void ExpectMatchesR(const ArimaForecaster& model, const Golden& r, double coefficient_tolerance,
                    double loglik_tolerance, double forecast_relative_tolerance) {
  EXPECT_EQ(model.Name(), r.name);
  ASSERT_EQ(model.coefficients().size(), r.coefficients.size()) << model.Name();
  for (size_t i = 0; i < r.coefficients.size(); ++i) {
    EXPECT_NEAR(model.coefficients()[i], r.coefficients[i], coefficient_tolerance) << i;
  }
  EXPECT_NEAR(model.log_likelihood(), r.loglik, loglik_tolerance);
  EXPECT_NEAR(model.Aicc(), r.aicc, 2 * loglik_tolerance);
  EXPECT_NEAR(model.sigma2(), r.sigma2, 3e-3 * r.sigma2);
  const std::vector<double> forecast = PredictOrDie(model, r.forecast.size());
  for (size_t h = 0; h < r.forecast.size(); ++h) {
    EXPECT_NEAR(forecast[h], r.forecast[h], forecast_relative_tolerance * std::abs(r.forecast[h]))
        << "h=" << h + 1;
  }
}

TEST(ArimaGolden, LhMatchesRAutoArima) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kLh), {}));
  ExpectMatchesR(model,
                 {.name = "arima(1,0,0)+c",
                  .coefficients = {0.5739296014, 2.4132879577},
                  .loglik = -29.37916239,
                  .aicc = 65.30377932,
                  .sigma2 = 0.2060760156,
                  .forecast = {2.692626406, 2.573608562, 2.505300698, 2.466096793, 2.443596512,
                               2.430682934, 2.423271450, 2.419017779}},
                 1e-4, 1e-4, 1e-5);
}

TEST(ArimaGolden, WwwUsageMatchesRAutoArima) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kWwwUsage), {}));
  ExpectMatchesR(model,
                 {.name = "arima(1,1,1)",
                  .coefficients = {0.6503759762, 0.5255958890},
                  .loglik = -254.1497358,
                  .aicc = 514.5521032,
                  .sigma2 = 9.995325201,
                  .forecast = {218.8804967, 218.1523987, 217.6788612, 217.3708838, 217.1705828,
                               217.0403117, 216.9555866, 216.9004834, 216.8646456, 216.8413376}},
                 2e-4, 1e-3, 1e-5);
}

TEST(ArimaGolden, WwwUsageFixedOrderMatchesRArima) {
  ArimaForecaster model({.order = ArimaOrder{.p = 3, .d = 1}});
  ASSERT_TRUE(model.Fit(MakeSeries(kWwwUsage), {}));
  ExpectMatchesR(model,
                 {.name = "arima(3,1,0)",
                  .coefficients = {1.1513401325, -0.6612265340, 0.3407127645},
                  .loglik = -251.996992,
                  .aicc = 512.419516,
                  .sigma2 = 9.656023545,
                  .forecast = {219.6608003, 219.2298682, 218.2765810, 217.3483973, 216.7632568,
                               216.3785037, 216.0061884, 215.6325710, 215.3175047, 215.0749494}},
                 2e-4, 1e-3, 1e-5);
}

TEST(ArimaGolden, AirPassengersMatchesRAutoArima) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kAirPassengers), {.seasons = {12}}));
  ExpectMatchesR(
      model,
      {.name = "arima(2,1,1)(0,1,0)[12]",
       .coefficients = {0.5959807066, 0.2142745536, -0.9818771697},
       .loglik = -504.9238526,
       .aicc = 1018.165165,
       .sigma2 = 132.3447494,
       .forecast = {445.6349014, 420.3949965, 449.1983163, 491.8399485, 503.3944798, 566.8624553,
                    654.2601816, 638.5974940, 540.8837483, 494.1266279, 423.3327164, 465.5075841}},
      2e-4, 1e-2, 2e-5);
}

TEST(ArimaGolden, UsAccDeathsMatchesRAutoArima) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kUsAccDeaths), {.seasons = {12}}));
  ExpectMatchesR(model,
                 {.name = "arima(0,1,1)(0,1,1)[12]",
                  .coefficients = {-0.4302692362, -0.5527912702},
                  .loglik = -425.4399936,
                  .aicc = 857.3163507,
                  .sigma2 = 102860.2681,
                  .forecast = {8336.061266, 7531.829141, 8314.643760, 8616.868756, 9488.912522,
                               9859.757360, 10907.470202, 10086.508270, 9164.959203, 9384.259403,
                               8884.973936, 9376.573707}},
                 2e-4, 1e-2, 2e-5);
}

TEST(ArimaGolden, NileMatchesRAutoArima) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kNile), {}));
  ExpectMatchesR(model,
                 {.name = "arima(1,1,1)",
                  .coefficients = {0.2543713701, -0.8741363712},
                  .loglik = -630.6273818,
                  .aicc = 1267.507395,
                  .sigma2 = 20176.91487,
                  .forecast = {816.1812759, 835.5596115, 840.4889052, 841.7427764, 842.0617254,
                               842.1428569, 842.1634944, 842.1687440, 842.1700793, 842.1704190}},
                 2e-4, 1e-2, 1e-5);
}

TEST(ArimaGolden, AirlineModelOnLogAirPassengersMatchesRArima) {
  std::vector<double> log_air;
  for (double v : kAirPassengers) log_air.push_back(std::log(v));
  ArimaForecaster model(
      {.order = ArimaOrder{.d = 1, .q = 1, .D = 1, .Q = 1}});  // the season comes from the context
  ASSERT_TRUE(model.Fit(MakeSeries(log_air), {.seasons = {12}}));
  ExpectMatchesR(
      model,
      {.name = "arima(0,1,1)(0,1,1)[12]",
       .coefficients = {-0.4018280168, -0.5569448384},
       .loglik = 244.6995306,
       .aicc = -483.2100848,
       .sigma2 = 0.001371260004,
       .forecast = {6.110185743, 6.053775271, 6.171714856, 6.199300448, 6.232555979, 6.368778676,
                    6.507293783, 6.502906417, 6.324698246, 6.209008033, 6.063487435, 6.168024882}},
      2e-4, 1e-2, 1e-5);
}

// n = 240 > 150: the approximate (CSS) search with an exact refit of the winner.
TEST(ArimaGolden, NottemMatchesRAutoArimaThroughTheApproximateSearch) {
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(kNottem), {.seasons = {12}}));
  ExpectMatchesR(
      model,
      {.name = "arima(1,0,2)(1,1,2)[12]+c",
       .coefficients = {0.15615373141, 0.08977618698, 0.11125684047, -0.53237476509, -0.49252843588,
                        -0.23912418302, 0.00398521276},
       .loglik = -516.4817632,
       .aicc = 1049.621061,
       .sigma2 = 5.219830443,
       .forecast = {40.35892804, 39.44869868, 43.45911092, 46.61631076, 52.81297367, 59.14793884,
                    61.99079172, 61.58755592, 57.38817511, 50.29230090, 44.15271436, 39.72837174}},
      5e-3, 1e-2, 2e-4);
}

// Missing values go through the exact likelihood of the full state space (as R's arima).
TEST(ArimaGolden, WwwUsageWithGapsMatchesRArima) {
  std::vector<double> y = kWwwUsage;
  y[50] = y[51] = y[70] = kNaN;
  ArimaForecaster model({.order = ArimaOrder{.p = 1, .d = 1, .q = 1}});
  ASSERT_TRUE(model.Fit(MakeSeries(y), {}));
  ExpectMatchesR(model,
                 {.name = "arima(1,1,1)",
                  .coefficients = {0.6508305249, 0.5142376636},
                  .loglik = -249.9395419,
                  .aicc = 506.1399534,
                  .sigma2 = 10.12870334,
                  .forecast = {218.8965739, 218.1784306, 217.7110410, 217.4068495, 217.2088725}},
                 2e-4, 1e-3, 1e-5);
}

TEST(ArimaGolden, AirPassengersWithGapsMatchesRAutoArima) {
  std::vector<double> y = kAirPassengers;
  y[30] = y[31] = y[100] = kNaN;
  ArimaForecaster model;
  ASSERT_TRUE(model.Fit(MakeSeries(y), {.seasons = {12}}));
  ExpectMatchesR(
      model,
      {.name = "arima(0,1,1)(2,1,0)[12]",
       .coefficients = {-0.3637869680, -0.1309833602, 0.1941981813},
       .loglik = -496.2909278,
       .aicc = 1000.907059,
       .sigma2 = 135.1946866,
       .forecast = {451.4408046, 427.2654642, 463.8648288, 499.8304868, 514.2810541, 571.9562735,
                    661.3994202, 648.3533764, 551.5863340, 501.2713038, 434.4536639, 479.6918181}},
      5e-4, 1e-2, 2e-5);
}

// ---------------------------------------------------------------------------------------------
// Speed: the workloads forescale fits routinely. Bounds are loose (shared CI machines); the
// measured times are printed.


}  // namespace
}  // namespace forescale::forecast
