#include "generate/model_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

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
  EXPECT_EQ(back->bursts.decay, model.bursts.decay);
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

}  // namespace
}  // namespace forescale::generate
