// End-to-end tests of `forescale generate fit|profile` on the real NASA trace.
#include "cli_runner.h"

namespace forescale::testing {
namespace {

class GenerateCli : public CliTest {
 protected:
  std::string NasaWeeks(int weeks) {
    std::istringstream in(ReadFile(Repo("data/nasa_http/nasa_ksc_requests_per_minute.csv")));
    std::string line, out;
    for (int i = 0; i <= weeks * 7 * 1440 && std::getline(in, line); ++i) out += line + "\n";
    WriteFile(Path("nasa.csv"), out);
    return Path("nasa.csv");
  }
};

TEST_F(GenerateCli, FitsAModelAndGeneratesTheSameProfileForTheSameSeed) {
  auto fit = Run({"generate", "fit", "--input", NasaWeeks(3), "--column", "requests",
                  "--utc-offset", "-04:00", "--out", Path("model.yaml")});
  ASSERT_EQ(fit.code, 0) << fit.err;
  const std::string model = ReadFile(Path("model.yaml"));
  EXPECT_NE(model.find("period: 1d"), std::string::npos) << model.substr(0, 2000);
  auto a = Run({"generate", "profile", "--model", Path("model.yaml"), "--duration", "1d",
                "--step", "1s", "--seed", "7", "--out", Path("a.csv")});
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(Run({"generate", "profile", "--model", Path("model.yaml"), "--duration", "1d",
                 "--step", "1s", "--seed", "7", "--out", Path("b.csv")}).code, 0);
  ASSERT_EQ(Run({"generate", "profile", "--model", Path("model.yaml"), "--duration", "1d",
                 "--step", "1s", "--seed", "8", "--out", Path("c.csv")}).code, 0);
  const std::string profile = ReadFile(Path("a.csv"));
  EXPECT_EQ(profile, ReadFile(Path("b.csv")));
  EXPECT_NE(profile, ReadFile(Path("c.csv")));
  EXPECT_EQ(profile.substr(0, 14), "timestamp,rps\n");
  EXPECT_EQ(std::count(profile.begin(), profile.end(), '\n'), 86401);
}

TEST_F(GenerateCli, ABrokenModelFileNamesTheFileTheLineAndTheKey) {
  ASSERT_EQ(Run({"generate", "fit", "--input", NasaWeeks(2), "--column", "requests", "--out",
                 Path("model.yaml")}).code, 0);
  // A typo in a key: the model file is rejected at that key's line.
  std::string model = ReadFile(Path("model.yaml"));
  const size_t key = model.find("  rps:");
  ASSERT_NE(key, std::string::npos);
  const long line = 1 + std::count(model.begin(), model.begin() + static_cast<long>(key), '\n');
  model.replace(key, 6, "  rpz:");
  WriteFile(Path("bad.yaml"), model);
  auto r = Run({"generate", "profile", "--model", Path("bad.yaml"), "--duration", "1h",
                "--out", Path("p.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.yaml:" + std::to_string(line)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rpz"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("p.csv")));
}

TEST_F(GenerateCli, ExportsAProfileForEachLoadTool) {
  ASSERT_EQ(Run({"generate", "fit", "--input", NasaWeeks(2), "--column", "requests", "--out",
                 Path("model.yaml")}).code, 0);
  ASSERT_EQ(Run({"generate", "profile", "--model", Path("model.yaml"), "--duration", "6h",
                 "--step", "1s", "--out", Path("profile.csv")}).code, 0);
  const std::pair<const char*, const char*> formats[] = {{"k6", "ramping-arrival-rate"},
                                                         {"locust", "LoadTestShape"},
                                                         {"vegeta", "vegeta attack"},
                                                         {"gatling", "constantUsersPerSec"}};
  for (const auto& [format, construct] : formats) {
    auto r = Run({"generate", "export", "--profile", Path("profile.csv"), "--format", format,
                  "--out", Path(std::string("load.") + format)});
    ASSERT_EQ(r.code, 0) << format << ": " << r.err;
    EXPECT_NE(ReadFile(Path(std::string("load.") + format)).find(construct), std::string::npos)
        << format;
  }
  auto bad = Run({"generate", "export", "--profile", Path("profile.csv"), "--format", "jmeter"});
  EXPECT_EQ(bad.code, 2);
}

TEST_F(GenerateCli, LearnsBehaviourFromALogAndWritesRequestSequences) {
  ASSERT_EQ(Run({"generate", "behaviour", "--log",
                 Repo("data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log"), "--out",
                 Path("behaviour.yaml")}).code, 0);
  std::string profile = "timestamp,rps\n";
  for (int i = 0; i < 120; ++i) profile += std::to_string(1700000000 + i) + ",50\n";
  WriteFile(Path("flat.csv"), profile);
  auto r = Run({"generate", "requests", "--profile", Path("flat.csv"), "--behaviour",
                Path("behaviour.yaml"), "--seed", "3", "--out", Path("requests.jsonl")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string jsonl = ReadFile(Path("requests.jsonl"));
  const auto lines = std::count(jsonl.begin(), jsonl.end(), '\n');
  EXPECT_NEAR(static_cast<double>(lines), 50.0 * 120, 50.0 * 120 * 0.15);  // 50 rps for 2 min
  EXPECT_EQ(jsonl.substr(0, 7), "{\"t\":\"2");
  EXPECT_NE(jsonl.find("\"session\":"), std::string::npos);
}

TEST_F(GenerateCli, EdgeCasesAreWrittenWithLabelsAndAnIndex) {
  auto r = Run({"generate", "edge-cases", "--input", NasaWeeks(2), "--column", "requests",
                "--out", Path("edges"), "--duration", "1h", "--episodes", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string index = ReadFile(Path("edges/edge_cases.json"));
  for (const char* label : {"anomalous-episode-1", "anomalous-episode-2", "steepest-ramp",
                            "largest-spike"}) {
    EXPECT_NE(index.find(label), std::string::npos) << label;
  }
  EXPECT_TRUE(std::filesystem::exists(Path("edges/03-steepest-ramp.csv")));
  EXPECT_EQ(ReadFile(Path("edges/04-largest-spike.csv")).substr(0, 14), "timestamp,rps\n");
}

}  // namespace
}  // namespace forescale::testing
