// `forescale test --live`: a scenario's policies scaling real processes under real HTTP load
// on loopback, reported like the simulated test and compared with it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace forescale::testing {
namespace {

class TestLiveCli : public CliTest {};

TEST_F(TestLiveCli, RunsThePolicyForRealAndComparesWithTheSimulation) {
  // 40 profile minutes (a step from 20 to 180 rps at minute 20: 90 % of one replica, well past
  // the 50 % target even if a busy machine under-measures CPU) compressed 120x: 20 s of load.
  std::string csv = "timestamp,rps\n";
  for (int m = 0; m < 600; ++m) {
    char line[64];
    std::snprintf(line, sizeof line, "2024-01-01T%02d:%02d:00Z,%d\n", m / 60, m % 60,
                  m < 580 ? 20 : 180);
    csv += line;
  }
  WriteFile(Path("load.csv"), csv);
  WriteFile(Path("scenario.yaml"), R"(name: live-step
load: {profile: load.csv}
service:
  capacity_rps: 200
  target_utilisation: 50%
  startup: {delay: 1m}
  replicas: {min: 1, max: 4}
  monitoring: {interval: 15s, delay: 15s, noise: 0}
window: {test_from: 2024-01-01T09:20:00Z}
policies: [hpa, oracle]
assertions:
  - hpa.requests > 0
)");
  const RunResult r = Run({"test", Path("scenario.yaml"), "--live", "--time-scale", "120",
                           "--out", Path("out"), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto results = nlohmann::json::parse(ReadFile(Path("out/results.json")));
  std::string notes;
  for (const auto& n : results["notes"]) notes += n.get<std::string>() + "\n";
  EXPECT_NE(notes.find("live test at 120x"), std::string::npos) << notes;
  EXPECT_NE(notes.find("hpa: live vs simulated: cost"), std::string::npos) << notes;
  // The live hpa served real requests and scaled up after the step.
  for (const auto& p : results["policies"]) {
    if (p["name"] != "hpa") continue;
    EXPECT_GT(p["metrics"]["requests"]["mean"].get<double>(), 10000);
    EXPECT_GE(p["metrics"]["max_replicas"]["mean"].get<double>(), 2);
  }
  EXPECT_TRUE(std::filesystem::exists(Path("out/report.html")));
}

}  // namespace
}  // namespace forescale::testing
