#include "generate/fidelity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <vector>

#include "core/rng.h"
#include "generate/internal/test_data.h"
#include "generate/load_model.h"
#include "generate/profile.h"

namespace forescale::generate {
namespace {

// A week of NASA-KSC requests per minute without gaps (Friday 1995-07-14 .. 07-21).
Series NasaWeek() { return testing::NasaPerMinute("1995-07-14T00:00:00Z", "1995-07-21T00:00:00Z"); }

Series Noise(uint64_t seed, size_t n) {
  Rng rng(seed);
  Series s{.start = *ParseTimestamp("2024-01-01T00:00:00Z"), .step = std::chrono::minutes(1)};
  for (size_t i = 0; i < n; ++i) s.values.push_back(100 + 10 * rng.Normal());
  return s;
}

Series Shuffled(Series s, uint64_t seed) {
  Rng rng(seed);
  for (size_t i = s.values.size(); i > 1; --i)
    std::swap(s.values[i - 1], s.values[rng.UniformInt(i)]);
  return s;
}

const FidelityOptions kNoTstr{.tstr = false};

// A week of one process: a daily shape times a level that wanders (an AR(1) on hourly means,
// interpolated) times Poisson-like noise. Two seeds are two draws of the same process.
Series WanderingWeek(uint64_t seed) {
  Rng rng(seed);
  Series s{.start = *ParseTimestamp("2024-01-01T00:00:00Z"), .step = std::chrono::minutes(1)};
  std::vector<double> hourly(7 * 24 + 1);
  double level = 0;
  for (double& h : hourly) h = level = 0.9 * level + 0.15 * rng.Normal();
  for (size_t i = 0; i < 7 * 1440; ++i) {
    const double w = static_cast<double>(i % 60) / 60;
    const double wander = (1 - w) * hourly[i / 60] + w * hourly[i / 60 + 1];
    const double day = std::sin(2 * std::numbers::pi * static_cast<double>(i % 1440) / 1440);
    const double mean = 100 * std::exp(0.6 * day + wander);
    s.values.push_back(mean + std::sqrt(mean) * rng.Normal());
  }
  return s;
}

TEST(Fidelity, IdenticalSeriesScoreZeroDistanceAndChanceAccuracy) {
  const Series week = NasaWeek();
  auto r = Compare(week, week);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->acf_distance, 0.0);
  EXPECT_EQ(r->wasserstein1, 0.0);
  EXPECT_EQ(r->ks, 0.0);
  EXPECT_EQ(r->peak_hour_error, 0.0);
  EXPECT_EQ(r->peak_days_real, 7u);
  EXPECT_EQ(r->peak_to_mean_error, 0.0);
  EXPECT_EQ(r->burst_rate_real, r->burst_rate_synthetic);
  EXPECT_NEAR(r->discriminative, 0.5, 0.02);
  EXPECT_EQ(r->discriminative_windows, 168u);
  // The daily lag is among the ACF lags; a week is too short for the weekly one.
  EXPECT_NE(std::find(r->acf_lags.begin(), r->acf_lags.end(), 1440u), r->acf_lags.end());
  EXPECT_EQ(std::find(r->acf_lags.begin(), r->acf_lags.end(), 10080u), r->acf_lags.end());
  // A week leaves four day-long folds whose fit holds more than two days before its context.
  EXPECT_EQ(r->tstr_folds, 4u);
  EXPECT_DOUBLE_EQ(r->tstr_ratio, 1.0);
  EXPECT_GT(r->tstr_mase_real, 0.0);
}

TEST(Fidelity, TstrOfAnotherDrawOfTheSameProcessIsAboutOne) {
  // The forecaster learned from another draw of the process is run on the real steps before
  // each origin, as it would be live: it forecasts about as well as the one learned from the
  // real week. Asked to go on from the other draw's own yesterday instead (no real context), it
  // pays for not knowing where the real level wandered, which no generator could know. Four
  // folds a week make one ratio noisy (0.84-1.42 here): the geometric mean of eight pairs.
  double with_context = 0, blind = 0;
  const FidelityOptions no_context{.tstr_context = Duration{0}};
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const Series real = WanderingWeek(seed), other = WanderingWeek(seed + 100);
    auto r = Compare(real, other);
    auto b = Compare(real, other, no_context);
    ASSERT_TRUE(r && b);
    EXPECT_EQ(r->tstr_folds, 4u);
    with_context += std::log(r->tstr_ratio) / 8;
    blind += std::log(b->tstr_ratio) / 8;
  }
  EXPECT_NEAR(std::exp(with_context), 1.0, 0.1);
  EXPECT_GT(std::exp(blind), 1.15);
}

TEST(Fidelity, IidNoiseVersusAnIndependentDrawIsIndistinguishable) {
  auto r = Compare(Noise(1, 7 * 1440), Noise(2, 7 * 1440), kNoTstr);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_LT(r->acf_distance, 0.03);
  EXPECT_LT(r->wasserstein1, 0.005);
  EXPECT_LT(r->ks, 0.04);
  EXPECT_NEAR(r->discriminative, 0.5, 0.1);
}

TEST(Fidelity, VeryDifferentSeriesAreToldApart) {
  const Series week = NasaWeek();
  Series flat = week;
  double mean = 0;
  for (double v : week.values) mean += v;
  std::fill(flat.values.begin(), flat.values.end(), mean / static_cast<double>(week.size()));
  auto constant = Compare(week, flat, kNoTstr);
  ASSERT_TRUE(constant) << constant.error().message();
  EXPECT_GT(constant->discriminative, 0.9);
  EXPECT_GT(constant->ks, 0.4);

  auto shuffled = Compare(week, Shuffled(week, 7), kNoTstr);
  ASSERT_TRUE(shuffled) << shuffled.error().message();
  EXPECT_GT(shuffled->discriminative, 0.9);
  EXPECT_GT(shuffled->acf_distance, 0.3);
  EXPECT_NEAR(shuffled->wasserstein1, 0.0, 1e-12);  // same values, another order
}

TEST(Fidelity, ProfileFromNasaModelBeatsShuffledSeries) {
  const Series history = testing::NasaPerMinute("1995-07-01T00:00:00Z", "1995-07-21T00:00:00Z");
  const Series held_back = testing::NasaPerMinute("1995-07-21T00:00:00Z", "1995-07-28T00:00:00Z");
  auto model = FitLoadModel(history);
  ASSERT_TRUE(model) << model.error().message();
  auto profile = GenerateProfile(*model, {},
                                 {.start = held_back.start,
                                  .duration = std::chrono::days(7),
                                  .step = std::chrono::minutes(1),
                                  .seed = 1});
  ASSERT_TRUE(profile) << profile.error().message();
  // The held-back week is counted per minute; the profile is in requests/s.
  const FidelityOptions options{.real_values = ValueKind::kCountPerStep, .tstr = false};
  auto generated = Compare(held_back, *profile, options);
  ASSERT_TRUE(generated) << generated.error().message();
  Series shuffled = Shuffled(held_back, 3);
  const FidelityOptions counts{.real_values = ValueKind::kCountPerStep,
                               .synthetic_values = ValueKind::kCountPerStep,
                               .tstr = false};
  auto baseline = Compare(held_back, shuffled, counts);
  ASSERT_TRUE(baseline) << baseline.error().message();
  EXPECT_LT(generated->acf_distance, baseline->acf_distance / 3);
  EXPECT_LT(generated->discriminative, baseline->discriminative);
  EXPECT_LT(generated->peak_hour_error, 3.0);
  // The units were reconciled: the means agree to within the week-to-week variation.
  EXPECT_NEAR(generated->synthetic_mean / generated->real_mean, 1.0, 0.3);
}

TEST(Fidelity, FinerSyntheticStepIsAveragedOntoTheRealGrid) {
  const Series week = NasaWeek();
  // The same load as a rate every 10 s: each minute's count / 60, six times.
  Series fine{.start = week.start, .step = std::chrono::seconds(10)};
  for (double v : week.values) fine.values.insert(fine.values.end(), 6, v / 60);
  auto r = Compare(week, fine, {.real_values = ValueKind::kCountPerStep, .tstr = false});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->step, std::chrono::minutes(1));
  EXPECT_LT(r->acf_distance, 1e-9);
  EXPECT_LT(r->wasserstein1, 1e-9);
  EXPECT_FALSE(r->notes.empty());
}

TEST(Fidelity, DifferentLengthsAndTimesAreCompared) {
  const Series week = NasaWeek();
  const Series other = testing::NasaPerMinute("1995-07-03T00:00:00Z", "1995-07-06T00:00:00Z");
  auto r = Compare(week, other, {.tstr_folds = 1});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GT(r->acf_distance, 0.0);
  EXPECT_TRUE(std::isfinite(r->discriminative));
  EXPECT_TRUE(std::isfinite(r->peak_hour_error));  // matched by weekday, then all days
  EXPECT_EQ(r->tstr_folds, 1u);                    // the 3-day series, shifted by whole days
  EXPECT_TRUE(std::isfinite(r->tstr_ratio));
}

TEST(Fidelity, SameSeedSameReport) {
  const Series week = NasaWeek();
  const Series other =
      Shuffled(testing::NasaPerMinute("1995-07-07T00:00:00Z", "1995-07-13T00:00:00Z"), 1);
  auto a = Compare(week, other, kNoTstr);
  auto b = Compare(week, other, kNoTstr);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->discriminative, b->discriminative);
  EXPECT_EQ(a->acf_distance, b->acf_distance);
}

TEST(Fidelity, FlatSyntheticHistoryForecastsWorse) {
  const Series week = NasaWeek();
  Series flat = week;
  std::fill(flat.values.begin(), flat.values.end(), 30.0);
  auto r = Compare(week, flat, {.tstr_model = "snaive"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GT(r->tstr_ratio, 1.1);
}

// The ACF does not depend on the units: at 1e300 rps the variance overflowed and the ACF read 0
// (found by probing). A negative "rate" is no load and is refused, as `generate fit` does.
TEST(Fidelity, TheAcfIgnoresUnitsAndANegativeRateIsRefused) {
  const Series week = NasaWeek();
  Series huge = week, tiny = week;
  for (double& v : huge.values) v *= 1e300;
  for (double& v : tiny.values) v *= 1e-300;
  auto same = Compare(week, week, kNoTstr);
  ASSERT_TRUE(same) << same.error().message();
  for (const Series* s : {&huge, &tiny}) {
    auto r = Compare(*s, week, kNoTstr);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_EQ(r->acf_real.size(), same->acf_real.size());
    for (size_t k = 0; k < r->acf_real.size(); ++k) {
      EXPECT_NEAR(r->acf_real[k], same->acf_real[k], 1e-9) << k;
    }
    EXPECT_LT(r->acf_distance, 1e-9);
  }
  Series negative = week;
  negative.values[100] = -1;
  auto r = Compare(week, negative, kNoTstr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("the synthetic series has -1 at"), std::string::npos)
      << r.error().message();
}

// A constant rate has no autocorrelation and no daily peak, whatever rounding does to it: 50
// requests a minute (0.8333.../s) read as ACF 1 and a peak at 23:48 while 60 a minute (1/s)
// read as ACF 0 and a peak at midnight.
TEST(Fidelity, AConstantRateHasNoAutocorrelationAndNoPeak) {
  const Series week = NasaWeek();
  std::optional<double> acf_distance;
  for (double rate : {50.0 / 60.0, 1.0, 0.1}) {
    Series flat = week;
    std::fill(flat.values.begin(), flat.values.end(), rate);
    auto r = Compare(week, flat, kNoTstr);
    ASSERT_TRUE(r) << r.error().message();
    for (double a : r->acf_synthetic) EXPECT_EQ(a, 0.0) << rate;
    if (acf_distance) {
      EXPECT_DOUBLE_EQ(r->acf_distance, *acf_distance) << rate;
    }
    acf_distance = r->acf_distance;
    EXPECT_TRUE(std::isnan(r->peak_hour_synthetic)) << rate;
    EXPECT_TRUE(std::isnan(r->peak_hour_error)) << rate;
  }
}

TEST(Fidelity, RejectsBadInputWithClearErrors) {
  const Series week = NasaWeek();
  auto message = [](const Result<FidelityReport>& r) {
    return r ? std::string() : r.error().message();
  };

  EXPECT_NE(message(Compare(Series{}, week)).find("real series is empty"), std::string::npos);
  EXPECT_NE(message(Compare(week, Series{})).find("synthetic series is empty"), std::string::npos);

  Series odd{.start = week.start,
             .step = std::chrono::seconds(7),
             .values = std::vector<double>(1000, 1.0)};
  EXPECT_NE(message(Compare(week, odd)).find("no common grid"), std::string::npos);

  Series missing = week;
  std::fill(missing.values.begin(), missing.values.end(), NAN);
  EXPECT_NE(message(Compare(missing, week)).find("real series has 0 present values"),
            std::string::npos);

  EXPECT_NE(message(Compare(week, week, {.cv_folds = 1})).find("cv_folds"), std::string::npos);
  EXPECT_NE(message(Compare(week, week, {.burst_quantile = 1.0})).find("burst_quantile"),
            std::string::npos);
  EXPECT_NE(
      message(Compare(week, week, {.tstr_model = "oracle"})).find("unknown TSTR model 'oracle'"),
      std::string::npos);
}

TEST(Fidelity, ShortSeriesReportWhatCannotBeMeasured) {
  Series hour = Noise(1, 60);
  auto r = Compare(hour, Noise(2, 60));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(std::isnan(r->discriminative));
  EXPECT_TRUE(std::isnan(r->peak_hour_error));
  EXPECT_TRUE(std::isnan(r->tstr_ratio));
  EXPECT_GE(r->notes.size(), 3u);
}

}  // namespace
}  // namespace forescale::generate
