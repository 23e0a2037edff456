// End-to-end tests of `forescale recommend`: a real trace, a user's own policy file in, the
// comparison on stdout, the recommended file (same format), recommendation.json and the report.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace forescale::testing {
namespace {

class RecommendCli : public CliTest {
 protected:
  RunResult Recommend(const std::string& policy, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "recommend", "--history", Repo("data/nasa_http/nasa_ksc_requests_per_minute.csv"),
        "--column", "requests", "--values", "count", "--peak-rps", "480", "--last", "2d",
        "--service", Repo("examples/service.yaml"), "--policy", policy, "--out", Path("out")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }
};

// An HPA that scales late (90 % target, no scale-up headroom) on a spiky trace: the search must
// find a setting whose objective beats it, and say so in every output.
TEST_F(RecommendCli, FindsABetterSettingForAnHpaThatRunsTooHot) {
  WriteFile(Path("hot.yaml"), R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 60
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 90}}
)");
  auto r = Recommend(Path("hot.yaml"), {"--budget", "12"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("HorizontalPodAutoscaler autoscaling/v2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("12 simulations (Bayesian optimisation over"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("predictive"), std::string::npos);

  const auto j = nlohmann::json::parse(ReadFile(Path("out/recommendation.json")));
  EXPECT_EQ(j["simulations"], 12);
  EXPECT_LT(j["recommended"]["objective"].get<double>(), j["current"]["objective"].get<double>());
  EXPECT_EQ(j["loads"].size(), 3u);
  EXPECT_EQ(j["search"].size(), 11u);  // the current setting is the twelfth simulation
  // Every knob's recommended value is inside its range, on its grid.
  for (const auto& k : j["knobs"]) {
    EXPECT_GE(k["recommended"].get<double>(), k["range"][0].get<double>());
    EXPECT_LE(k["recommended"].get<double>(), k["range"][1].get<double>());
  }
  // The recommended file is the same manifest with new numbers.
  const std::string written = ReadFile(Path("out/hot.recommended.yaml"));
  EXPECT_NE(written.find("kind: HorizontalPodAutoscaler"), std::string::npos);
  EXPECT_NE(written.find("maxReplicas: 60"), std::string::npos);
  EXPECT_NE(ReadFile(Path("out/report.html")).find("recommended"), std::string::npos);
}

TEST_F(RecommendCli, BadInputNamesTheFileAndWritesNothing) {
  WriteFile(Path("deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n");
  auto r = Recommend(Path("deploy.yaml"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("deploy.yaml"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("out/recommendation.json")));

  WriteFile(Path("memory.yaml"), R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 70}}
)");
  r = Recommend(Path("memory.yaml"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("memory.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memory"), std::string::npos) << r.err;

  WriteFile(Path("notk8s.yaml"), "hello: world\n");
  r = Recommend(Path("notk8s.yaml"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("notk8s.yaml"), std::string::npos) << r.err;

  // An error in a forescale policy file names its line, as simulate does (it said line 1 for
  // every error: the tuned copies are re-rendered documents; found by probing).
  WriteFile(Path("hpa.yaml"), "kind: hpa\nminReplicas: 2\nmaxReplicas: 20\nfooBar: 1\n");
  r = Recommend(Path("hpa.yaml"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("hpa.yaml:4: fooBar: unknown key"), std::string::npos) << r.err;
}

// A history with no load has nothing to tune against: it said "written back unchanged", exit 0
// (found by probing).
TEST_F(RecommendCli, AHistoryWithoutLoadIsAnError) {
  std::string csv = "timestamp,rps\n";
  for (int m = 0; m < 2 * 1440; ++m) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "2024-01-%02dT%02d:%02d:00Z", 1 + m / 1440, m % 1440 / 60,
                  m % 60);
    csv += std::string(stamp) + ",0\n";
  }
  WriteFile(Path("zero.csv"), csv);
  auto r =
      Run({"recommend", "--history", Path("zero.csv"), "--service", Repo("examples/service.yaml"),
           "--policy", Repo("examples/policies/hpa.yaml"), "--out", Path("out")});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("no load in the scored part of the history"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("out/recommendation.json")));
}

// The report and the search replay the policies alike: the predictive row read 17 SLO minutes
// on stdout and in recommendation.json and 19 in results.json, which started it without the
// history before the replay (found by probing).
TEST_F(RecommendCli, TheReportAgreesWithTheSearch) {
  auto r = Run({"recommend", "--history", Repo("data/nasa_http/nasa_ksc_requests_per_minute.csv"),
                "--column", "requests", "--values", "count", "--peak-rps", "720", "--last", "2d",
                "--service", Repo("examples/service.yaml"), "--policy",
                Repo("examples/configs/hpa-with-deployment.yaml"), "--budget", "4", "--out",
                Path("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto results = nlohmann::json::parse(ReadFile(Path("out/results.json")));
  const auto rec = nlohmann::json::parse(ReadFile(Path("out/recommendation.json")));
  for (const std::string name : {"current", "recommended", "predictive"}) {
    nlohmann::json report, search;
    for (const auto& p : results["policies"]) {
      if (p["name"] == name) report = p["metrics"];
    }
    for (const auto& l : rec[name]["loads"]) {
      if (l["load"] == "history") search = l;
    }
    ASSERT_FALSE(report.is_null() || search.is_null()) << name;
    EXPECT_DOUBLE_EQ(report["slo_violation_minutes"]["mean"].get<double>(),
                     search["slo_violation_minutes"].get<double>())
        << name;
    EXPECT_NEAR(report["cost"]["mean"].get<double>(), search["cost"].get<double>(), 1e-9) << name;
  }
}

// Load parameters that make no load are refused (found by probing: --growth nan scored a load
// of 0 SLO minutes at a fifth of the cost, and steered the recommendation).
TEST_F(RecommendCli, NonsenseLoadParametersAreRefused) {
  for (const auto& [flag, value, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--growth", "nan", "--growth: a finite growth per week above -1"},
           {"--growth", "-2", "--growth: a finite growth per week above -1"},
           {"--campaign", "0", "--campaign: a positive, finite peak multiplier"}}) {
    auto r = Run({"recommend", "--history", Repo("data/nasa_http/nasa_ksc_requests_per_minute.csv"),
                  "--column", "requests", "--service", Repo("examples/service.yaml"), "--policy",
                  Repo("examples/policies/hpa.yaml"), "--out", Path("out"), flag, value});
    EXPECT_EQ(r.code, 2) << flag << " " << value << r.out;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(Path("out/recommendation.json")));
  }
}

}  // namespace
}  // namespace forescale::testing
