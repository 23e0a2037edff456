// End-to-end tests of `forescale simulate`: a load profile, a service model and a policy through
// the real binary; the summary on stdout and the per-step timeline CSV.
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>

#include "cli_runner.h"

namespace forescale::testing {
namespace {

class SimulateCli : public CliTest {
 protected:
  // Two hours at 1 min that rise from 60 to 900 requests/s and back, so that a policy scales.
  std::string Profile() {
    std::string out = "timestamp,rps\n";
    for (int m = 0; m < 120; ++m) {
      const double rps = 60 + 840 * std::sin(std::numbers::pi * m / 120.0);
      out += Stamp(m) + "," + std::to_string(rps) + "\n";
    }
    WriteFile(Path("profile.csv"), out);
    return Path("profile.csv");
  }

  static std::string Stamp(int minute) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "2024-01-01T%02d:%02d:00Z", minute / 60, minute % 60);
    return buf;
  }

  RunResult Simulate(std::vector<std::string> extra) {
    std::vector<std::string> args = {"simulate", "--profile", Profile(), "--service",
                                     Repo("examples/service.yaml")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

  static std::vector<std::string> Cells(const std::string& line) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (;;) {
      const size_t comma = line.find(',', start);
      cells.push_back(line.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return cells;
  }
};

TEST_F(SimulateCli, PrintsTheSummaryAndWritesOneTimelineRowPerStep) {
  auto r = Simulate({"--policy", "hpa", "--seed", "7", "--out", Path("timeline.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("simulated  2h at 1s step: 7,200 steps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("service    web ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("policy     web: hpa ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SLO        "), std::string::npos);
  EXPECT_NE(r.out.find("cost       "), std::string::npos);
  EXPECT_NE(r.out.find("timeline   " + Path("timeline.csv")), std::string::npos);

  const auto lines = Lines(ReadFile(Path("timeline.csv")));
  ASSERT_EQ(lines.size(), 7201u);
  const auto header = Cells(lines[0]);
  EXPECT_EQ(header, (std::vector<std::string>{"time", "demand", "served", "dropped",
                                              "replicas_desired", "replicas_ready",
                                              "replicas_running", "utilisation", "cpu",
                                              "p95_latency_ms", "cost"}));
  EXPECT_EQ(Cells(lines[1])[0], "2024-01-01T00:00:00Z");
  EXPECT_EQ(Cells(lines[2])[0], "2024-01-01T00:00:01Z");
  EXPECT_EQ(Cells(lines.back())[0], "2024-01-01T01:59:59Z");
  int most_ready = 0;
  double last_cost = 0, demanded = 0, handled = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto row = Cells(lines[i]);
    ASSERT_EQ(row.size(), header.size()) << lines[i];
    const double demand = std::stod(row[1]), served = std::stod(row[2]), dropped = std::stod(row[3]);
    ASSERT_GE(dropped, 0) << lines[i];
    demanded += demand;
    handled += served + dropped;
    most_ready = std::max(most_ready, std::stoi(row[5]));
    const double cost = std::stod(row[10]);
    ASSERT_GE(cost, last_cost) << lines[i];  // cumulative
    last_cost = cost;
  }
  // Every request is served or dropped once (or still queued at the end), never twice.
  EXPECT_LE(handled, demanded * (1 + 1e-5));
  EXPECT_GT(handled, demanded * 0.99);
  // 900 rps at 30 rps per replica needs 30 replicas; hpa, which lags and tolerates 10 % above
  // its target, got close without overshooting.
  EXPECT_GE(most_ready, 25);
  EXPECT_LE(most_ready, 35);
  EXPECT_GT(last_cost, 0);
}

// --out to a device: a write that fails is an error (it printed "timeline /dev/full" and
// exited 0), and the device stays a device (the timeline was renamed over it).
TEST_F(SimulateCli, AnOutputThatCannotBeWrittenFailsAndADeviceStaysOne) {
  if (!std::filesystem::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  for (const char* flag : {"--out", "--decisions"}) {
    auto r = Simulate({"--policy", "hpa", flag, "/dev/full"});
    EXPECT_EQ(r.code, 1) << flag << "\n" << r.out;
    EXPECT_NE(r.err.find("/dev/full: write failed"), std::string::npos) << r.err;
    EXPECT_TRUE(std::filesystem::is_character_file("/dev/full")) << flag;
  }
  auto to_null = Simulate({"--policy", "hpa", "--out", "/dev/null"});
  EXPECT_EQ(to_null.code, 0) << to_null.err;
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

// A step longer than the profile's (found by probing): it read every fifth minute of a
// per-minute profile (+25 % requests at a 6 h step, one-minute spikes lost or multiplied), and
// counted each 5-minute step as one minute.
TEST_F(SimulateCli, ACoarseStepKeepsTheRequestsAndCountsMinutesOfTime) {
  std::map<std::string, nlohmann::json> by_step;
  for (const char* step : {"1s", "5m", "1h"}) {
    auto r = Simulate({"--policy", "hpa", "--step", step, "--format", "json"});
    ASSERT_EQ(r.code, 0) << step << ": " << r.err;
    by_step[step] = nlohmann::json::parse(r.out);
  }
  for (const auto& [step, j] : by_step) {
    EXPECT_NEAR(j["requests"].get<double>() / by_step["1s"]["requests"].get<double>(), 1, 1e-6)
        << step;
    EXPECT_EQ(j["minutes"], 120) << step;  // two hours
    EXPECT_EQ(j["slo_violation_minutes"].get<int>() % (step == std::string("5m") ? 5 : 1), 0);
  }
}

// Every --policy must scale something (found by probing: extra ones were ignored).
// A load exactly at the target is not above it: target tracking flapped 5 -> 6 -> 5 every 20
// minutes on 30 rps at 10 rps a replica and a 60 % target, and step and rule scaled out on
// 80 % CPU against "> 80 %" (found by probing: the monitor's float buckets read 0.6 as
// 0.60000002).
TEST_F(SimulateCli, ALoadExactlyAtTheTargetDoesNotScale) {
  // 30 rps on 5 replicas is 60 % CPU (the target's), 40 rps is 80 % (step's and rule's "> 80 %").
  for (int rps : {30, 40}) {
    std::string profile = "timestamp,rps\n";
    for (int m = 0; m < 180; ++m) profile += Stamp(m) + "," + std::to_string(rps) + "\n";
    WriteFile(Path("flat" + std::to_string(rps) + ".csv"), profile);
  }
  WriteFile(Path("svc.yaml"),
            "capacity_rps: 10\ntarget_utilisation: 60%\nstartup: 60s\n"
            "replicas: {min: 1, max: 50, initial: 5}\nmonitoring: {noise: 0}\n");
  for (const auto& [policy, profile] :
       std::vector<std::pair<std::string, std::string>>{{"target-tracking", "flat30.csv"},
                                                        {"hpa", "flat30.csv"},
                                                        {"step", "flat40.csv"},
                                                        {"rule", "flat40.csv"}}) {
    auto r = Run({"simulate", "--profile", Path(profile), "--service", Path("svc.yaml"), "--policy",
                  policy});
    ASSERT_EQ(r.code, 0) << policy << r.err;
    EXPECT_NE(r.out.find("(0 scale-ups, 0 scale-downs)"), std::string::npos) << policy << r.out;
  }
}

TEST_F(SimulateCli, APolicyThatScalesNothingIsAnError) {
  auto two = Simulate({"--policy", "hpa", "--policy", "oracle"});
  EXPECT_EQ(two.code, 2);
  EXPECT_NE(two.err.find("2 --policy given for a service of 1 resource (web)"), std::string::npos)
      << two.err;
  auto unknown = Simulate({"--policy", "web=hpa", "--policy", "db=oracle"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("--policy db=oracle: the service has no resource 'db'"),
            std::string::npos)
      << unknown.err;
}

TEST_F(SimulateCli, WritesEveryScalingDecisionWithItsReason) {
  auto r = Simulate({"--policy", "hpa", "--format", "json", "--decisions", Path("decisions.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto lines = Lines(ReadFile(Path("decisions.csv")));
  ASSERT_EQ(lines[0], "time,resource,from,to,reason");
  // One row per decision that changed the desired count, in time order.
  ASSERT_EQ(lines.size(), j["scaling_actions"].get<size_t>() + 1);
  std::string last_time;
  int ups = 0, downs = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto row = Cells(lines[i]);
    ASSERT_GE(row.size(), 5u) << lines[i];
    EXPECT_EQ(row[1], "web");
    EXPECT_GE(row[0], last_time);
    last_time = row[0];
    const int from = std::stoi(row[2]), to = std::stoi(row[3]);
    EXPECT_NE(from, to) << lines[i];
    (to > from ? ups : downs) += 1;
    // The reason is one quoted field after the fourth comma: the HPA's own arithmetic.
    size_t comma = 0;
    for (int k = 0; k < 4; ++k) comma = lines[i].find(',', comma) + 1;
    EXPECT_EQ(lines[i][comma], '"') << lines[i];
    EXPECT_EQ(lines[i].back(), '"') << lines[i];
    EXPECT_NE(lines[i].find("->"), std::string::npos) << lines[i];
  }
  // The load rises and falls: the HPA scaled both ways.
  EXPECT_GT(ups, 0);
  EXPECT_GT(downs, 0);
  EXPECT_FALSE(std::filesystem::exists(Path("decisions.csv.tmp")));
}

TEST_F(SimulateCli, JsonSummaryParsesAndCountsSteps) {
  auto r = Simulate({"--policy", "target-tracking", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["service"], "web");
  EXPECT_EQ(j["steps"], 7200);
  EXPECT_EQ(j["step_seconds"], 1.0);
  EXPECT_EQ(j["minutes"], 120);
  ASSERT_EQ(j["resources"].size(), 1u);
  EXPECT_EQ(j["resources"][0]["policy"], "target-tracking");
  EXPECT_GT(j["cost"].get<double>(), 0);
  EXPECT_GT(j["scaling_actions"].get<int>(), 0);
  EXPECT_GT(j["requests"].get<double>(), 0);
}

TEST_F(SimulateCli, TheSameSeedWritesTheSameTimelineByteForByte) {
  ASSERT_EQ(Simulate({"--policy", "hpa", "--seed", "3", "--out", Path("a.csv")}).code, 0);
  ASSERT_EQ(Simulate({"--policy", "hpa", "--seed", "3", "--out", Path("b.csv")}).code, 0);
  ASSERT_EQ(Simulate({"--policy", "hpa", "--seed", "4", "--out", Path("c.csv")}).code, 0);
  const std::string a = ReadFile(Path("a.csv"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadFile(Path("b.csv")));
  // The seed matters (start-up delays vary, metrics are noisy), so equality above is not trivial.
  EXPECT_NE(a, ReadFile(Path("c.csv")));
}

TEST_F(SimulateCli, AnImpossibleServiceExitsTwoNamingFileLineAndKeyAndWritesNothing) {
  WriteFile(Path("bad.yaml"), "name: web\n"
                              "capacity_rps: 50\n"
                              "replicas:\n"
                              "  min: 5\n"
                              "  max: 2\n");
  auto r = Run({"simulate", "--profile", Profile(), "--service", Path("bad.yaml"), "--policy",
                "hpa", "--out", Path("timeline.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(Path("bad.yaml") + ":5: replicas.max: must be >= replicas.min (5)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("timeline.csv")));
  EXPECT_FALSE(std::filesystem::exists(Path("timeline.csv.tmp")));
}

TEST_F(SimulateCli, AnUnknownPolicyExitsTwoListingTheKinds) {
  auto r = Simulate({"--policy", "hap", "--out", Path("timeline.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown policy 'hap'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hpa, target-tracking, step, rule, scheduled, aws-predictive, predictive, "
                       "oracle"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("timeline.csv")));
}

}  // namespace
}  // namespace forescale::testing
