#include "generate/model_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <cstdio>
#include <fstream>

#include "core/rng.h"
#include "generate/internal/stats.h"
#include "generate/internal/test_data.h"
#include "generate/profile.h"

namespace forescale::generate {
namespace {

std::string Csv(const LoadModel& m) {
  auto p = GenerateProfile(m, {}, {.duration = std::chrono::days(1), .step = std::chrono::seconds(5), .seed = 3});
  EXPECT_TRUE(p) << p.error().message();
  std::string out;
  if (p) AppendProfileCsv(*p, out);
  return out;
}

// A fitted model (NASA, one week) rounded as the fit command writes it.
LoadModel Fitted() {
  auto m = FitLoadModel(testing::NasaPerMinute("1995-07-03T00:00:00Z", "1995-07-10T00:00:00Z"));
  EXPECT_TRUE(m) << m.error().message();
  RoundForFile(*m);
  return *m;
}

TEST(ModelFile, RoundTripGeneratesIdenticalProfiles) {
  const LoadModel model = Fitted();
  const std::string path = ::testing::TempDir() + "/model_round_trip.yaml";
  ASSERT_TRUE(WriteModelFile(model, path));
  auto back = ReadModelFile(path);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->seasons.size(), model.seasons.size());
  EXPECT_EQ(back->level_rps, model.level_rps);
  EXPECT_EQ(back->noise.ar, model.noise.ar);
  EXPECT_EQ(back->noise.normal_scores, model.noise.normal_scores);
  EXPECT_EQ(back->noise.slow.block, model.noise.slow.block);
  EXPECT_EQ(back->noise.slow.ar, model.noise.slow.ar);
  EXPECT_EQ(back->noise.slow.innovation_quantiles, model.noise.slow.innovation_quantiles);
  EXPECT_EQ(back->bursts.decay, model.bursts.decay);
  EXPECT_EQ(back->unusual_days, model.unusual_days);
  EXPECT_EQ(Csv(*back), Csv(model));
  // And the text itself is a fixed point.
  EXPECT_EQ(FormatModelYaml(*back), FormatModelYaml(model));
  std::remove(path.c_str());
}

TEST(ModelFile, ReadsAHandWrittenModel) {
  auto m = ParseModelYaml(R"(format: forescale-load-model/1
history: {step: 1h, start: 2024-01-01T00:00:00Z, end: 2024-01-08T00:00:00Z, points: 168, missing: 0}
level: {rps: 20, growth_per_week: 0.05, log_offset_rps: 0.0003}
seasons:
  - {period: 1d, bin: 6h, strength: 0.7, factors: [0.5, 1.5, 2, 0.6667]}
noise: {ar: [0.5], innovation_quantiles: [-0.2, 0, 0.2], residual_quantiles: [-0.25, 0, 0.25]}
bursts: {rate_per_day: 0, threshold: 0, height_scale: 0, height_shape: 0, max_height: 0, decay: 1m}
)", "hand.yaml");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->seasons[0].factors.size(), 4u);
  EXPECT_EQ(m->step, std::chrono::hours(1));
  auto p = GenerateProfile(*m, {}, {.duration = std::chrono::days(2), .step = std::chrono::minutes(10)});
  ASSERT_TRUE(p) << p.error().message();
}

// The error of parsing `text` after replacing `from` with `to` in a valid model file.
std::string ErrorAfterEdit(const std::string& from, const std::string& to) {
  std::string text = FormatModelYaml(testing::SimpleModel());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return "";
  text.replace(at, from.size(), to);
  auto m = ParseModelYaml(text, "model.yaml");
  EXPECT_FALSE(m);
  return m ? "" : m.error().message();
}

// 1-based line of the first occurrence of `needle` in the formatted SimpleModel.
int LineOf(const std::string& needle) {
  const std::string text = FormatModelYaml(testing::SimpleModel());
  const size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

TEST(ModelFile, UnknownKeyNamesFileLineAndKey) {
  const int line = LineOf("growth_per_week:");
  const std::string error = ErrorAfterEdit("growth_per_week:", "growth_per_wek:");
  EXPECT_NE(error.find("model.yaml:" + std::to_string(line) + ": level.growth_per_wek: unknown key"),
            std::string::npos)
      << error;
}

TEST(ModelFile, WrongTypeNamesFileLineAndKey) {
  const int line = LineOf("rps: 100");
  const std::string error = ErrorAfterEdit("rps: 100", "rps: lots");
  EXPECT_NE(error.find("model.yaml:" + std::to_string(line) + ": level.rps: expected a number, got 'lots'"),
            std::string::npos)
      << error;
  const std::string list = ErrorAfterEdit("ar: [0.6]", "ar: {a: 1}");
  EXPECT_NE(list.find("noise.ar: expected a list"), std::string::npos) << list;
}

TEST(ModelFile, UnusualDaysAreTimestampsOrAClearError) {
  const std::string head = "format: forescale-load-model/1\nhistory: {step: 1h, start: 2024-01-01T00:00:00Z, "
                           "end: 2024-01-08T00:00:00Z, points: 168, missing: 0, unusual_days: ";
  const std::string rest = R"(}
level: {rps: 20, growth_per_week: 0, log_offset_rps: 0.0003}
seasons: []
noise: {ar: [0.5], innovation_quantiles: [-0.2, 0, 0.2], residual_quantiles: [-0.25, 0, 0.25]}
bursts: {rate_per_day: 0, threshold: 0, height_scale: 0, height_shape: 0, max_height: 0, decay: 1m}
)";
  auto ok = ParseModelYaml(head + "[2024-01-01T00:00:00Z]" + rest, "m.yaml");
  ASSERT_TRUE(ok) << ok.error().message();
  ASSERT_EQ(ok->unusual_days.size(), 1u);
  EXPECT_EQ(ok->unusual_days[0], *ParseTimestamp("2024-01-01T00:00:00Z"));
  auto bad = ParseModelYaml(head + "[monday]" + rest, "m.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("m.yaml:2: history.unusual_days:"), std::string::npos)
      << bad.error().message();
  auto scalar = ParseModelYaml(head + "2024-01-01" + rest, "m.yaml");
  ASSERT_FALSE(scalar);
  EXPECT_NE(scalar.error().message().find("history.unusual_days: expected a list of timestamps"),
            std::string::npos)
      << scalar.error().message();
}

TEST(ModelFile, NegativeRatesNameFileLineAndKey) {
  const int line = LineOf("rps: 100");
  const std::string level = ErrorAfterEdit("rps: 100", "rps: -100");
  EXPECT_NE(level.find("model.yaml:" + std::to_string(line) + ": level.rps: must be >= 0"),
            std::string::npos)
      << level;
  const std::string rate = ErrorAfterEdit("rate_per_day: ", "rate_per_day: -1");
  EXPECT_NE(rate.find("model.yaml:" + std::to_string(LineOf("rate_per_day: ")) +
                      ": bursts.rate_per_day: must be >= 0"),
            std::string::npos)
      << rate;
}

TEST(ModelFile, ImpossibleValuesAreRejected) {
  EXPECT_NE(ErrorAfterEdit("bin: 1m", "bin: 7m").find("seasons[0].bin: must divide the period"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("bin: 1m", "bin: 2m").find("seasons[0].factors: has 1440 values"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("ar: [0.6]", "ar: [0.6, 0.5]").find("stationary"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("ar: [0.6]", "ar: [1.0]").find("stationary"), std::string::npos);
  // Stationary although |1.2| + |-0.3| > 1 (the roots 0.845 and 0.355 of z^2 - 1.2 z + 0.3 lie
  // inside the unit circle): accepted, as the NYC taxi fit needs.
  std::string text = FormatModelYaml(testing::SimpleModel());
  text.replace(text.find("ar: [0.6]"), 9, "ar: [1.2, -0.3]");
  auto stationary = ParseModelYaml(text, "model.yaml");
  EXPECT_TRUE(stationary) << stationary.error().message();
  EXPECT_NE(ErrorAfterEdit("format: forescale-load-model/1", "format: other").find("format"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("decay: 2m", "decay: soon").find("bursts.decay"), std::string::npos);
  auto missing = ParseModelYaml("format: forescale-load-model/1\n", "m.yaml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("history: missing"), std::string::npos);
  auto broken = ParseModelYaml("level: [1,\n", "m.yaml");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("m.yaml:"), std::string::npos);
}

// The fit of the NYC taxi trace (30-minute steps, strong daily and weekly cycles, smooth
// residuals) found an AR whose coefficients sum above 1 in absolute value, and the reader
// rejected the file the fit had just written. A model fitted by `generate fit` must load.
TEST(ModelFile, TaxiLikeFitWithLargeArCoefficientsLoadsBack) {
  Rng rng(11);
  const TimePoint start = *ParseTimestamp("2014-09-01T00:00:00Z");
  Series history{.start = start, .step = std::chrono::minutes(30)};
  double x1 = 0, x2 = 0;
  for (size_t i = 0; i < 21 * 48; ++i) {
    const double hour = static_cast<double>(i % 48) / 2.0;
    const double day = static_cast<double>((i / 48 + 0) % 7);  // 2014-09-01 is a Monday
    const double x = 1.3 * x1 - 0.4 * x2 + 0.05 * rng.Normal();  // roots 0.8 and 0.5
    x2 = x1;
    x1 = x;
    const double log_rate = std::log(15000.0) + 0.9 * std::sin(2 * std::numbers::pi * (hour - 12) / 24) +
                            (day >= 5 ? -0.3 : 0.0) + x;
    history.values.push_back(std::round(std::exp(log_rate)));
  }
  auto fitted = FitLoadModel(history);
  ASSERT_TRUE(fitted) << fitted.error().message();
  double sum_abs = 0;
  for (double a : fitted->noise.ar) sum_abs += std::abs(a);
  EXPECT_GT(sum_abs, 1.0) << "the case the old sum-of-|coefficients| check rejected";
  RoundForFile(*fitted);
  const std::string path = ::testing::TempDir() + "/model_taxi_like.yaml";
  ASSERT_TRUE(WriteModelFile(*fitted, path));
  auto back = ReadModelFile(path);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->noise.ar, fitted->noise.ar);
  auto profile = GenerateProfile(*back, {}, {.duration = std::chrono::days(7), .step = std::chrono::minutes(30), .seed = 1});
  ASSERT_TRUE(profile) << profile.error().message();
  for (double v : profile->values) ASSERT_TRUE(std::isfinite(v));
}

TEST(ModelFile, SlowPartAndNormalScoresAreValidated) {
  const std::string text = FormatModelYaml(Fitted());
  ASSERT_NE(text.find("normal_scores: true"), std::string::npos);
  ASSERT_NE(text.find("block: 1h"), std::string::npos);
  auto edited = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    auto m = ParseModelYaml(t, "model.yaml");
    return m ? std::string() : m.error().message();
  };
  EXPECT_NE(edited("normal_scores: true", "normal_scores: maybe").find("noise.normal_scores"), std::string::npos);
  EXPECT_NE(edited("block: 1h", "block: 1h\n    extra: 1").find("noise.slow.extra: unknown key"), std::string::npos);
  const size_t slow_ar = text.find("ar: [", text.find("slow:"));
  const size_t end = text.find(']', slow_ar);
  EXPECT_NE(edited(text.substr(slow_ar, end - slow_ar + 1), "ar: [1.5]").find("noise.slow.ar"), std::string::npos);
  // Files written before the slow part and the normal scores still load (both optional).
  std::string old_file = FormatModelYaml(testing::SimpleModel());
  EXPECT_EQ(old_file.find("slow:"), std::string::npos);
  EXPECT_TRUE(ParseModelYaml(old_file, "old.yaml"));
}

TEST(ModelFile, LevelElasticityRoundTripsAndIsValidated) {
  LoadModel model = testing::SimpleModel(/*weekly=*/true);
  model.noise.level_elasticity = -0.4;
  const std::string text = FormatModelYaml(model);
  ASSERT_NE(text.find("level_elasticity: -0.4"), std::string::npos) << text.substr(0, 400);
  auto back = ParseModelYaml(text, "model.yaml");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->noise.level_elasticity, -0.4);
  EXPECT_EQ(Csv(*back), Csv(model));
  // The spread follows the level: the quiet weekend is noisier, relatively, than without it.
  EXPECT_NE(Csv(*back), Csv(testing::SimpleModel(true)));
  auto edited = [&](const std::string& to) {
    std::string t = text;
    t.replace(t.find("level_elasticity: -0.4"), 22, to);
    auto m = ParseModelYaml(t, "model.yaml");
    return m ? std::string() : m.error().message();
  };
  EXPECT_NE(
      edited("level_elasticity: 1.5").find("noise.level_elasticity: must be between -1 and 1"),
      std::string::npos);
  EXPECT_NE(edited("level_elasticity: steep").find("noise.level_elasticity"), std::string::npos);
  EXPECT_NE(edited("level_elasticity: .nan").find("noise.level_elasticity"), std::string::npos);
  // Absent (files written before it): 0.
  EXPECT_EQ(FormatModelYaml(testing::SimpleModel(true)).find("level_elasticity"),
            std::string::npos);
}

// Rounding to the file's 5 significant digits must not push a root onto the unit circle:
// 1.9999949 and -0.9999951 are stationary, 2 and -1 are not.
TEST(ModelFile, RoundingNeverMakesAStationaryArExplosive) {
  LoadModel m = testing::SimpleModel();
  m.noise.ar = {1.9999949, -0.9999951};
  ASSERT_TRUE(internal::ArIsStationary(m.noise.ar));
  RoundForFile(m);
  auto back = ParseModelYaml(FormatModelYaml(m), "model.yaml");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->noise.ar, (std::vector<double>{1.9999949, -0.9999951}));
}

}  // namespace
}  // namespace forescale::generate
