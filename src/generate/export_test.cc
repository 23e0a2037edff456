#include "generate/export.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "generate/internal/test_data.h"
#include "generate/profile.h"

namespace forescale::generate {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(const char* text) { return *ParseTimestamp(text); }

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A tool on the PATH?
bool Have(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// 100 rps for an hour, 500 for an hour, 0 for half an hour, 50 for an hour, at 1 min steps.
Series StepFunction() {
  Series s{.start = At("2024-03-01T00:00:00Z"), .step = minutes(1)};
  for (int i = 0; i < 60; ++i) s.values.push_back(100);
  for (int i = 0; i < 60; ++i) s.values.push_back(500);
  for (int i = 0; i < 30; ++i) s.values.push_back(0);
  for (int i = 0; i < 60; ++i) s.values.push_back(50);
  return s;
}

// A realistic month: daily and weekly seasons, AR noise and bursts, at 1 s (2.6 M points).
Series RealisticMonth() {
  LoadModel m = testing::SimpleModel(/*weekly=*/true);
  m.bursts = {.rate_per_day = 5, .threshold = 0.5, .height_scale = 0.3, .height_shape = 0.1,
              .max_height = 3, .decay = minutes(3)};
  auto p = GenerateProfile(m, {}, {.start = At("2024-02-01T00:00:00Z"), .duration = days(30),
                                   .step = seconds(1), .seed = 7, .mean_rps = 400});
  EXPECT_TRUE(p) << p.error().message();
  return p ? *p : Series{};
}

void ExpectPlanInvariants(const StagePlan& plan, const Series& profile, size_t max_stages) {
  EXPECT_LE(plan.stages.size(), max_stages);
  EXPECT_EQ(plan.TotalDuration(), profile.step * static_cast<int64_t>(profile.size()));
  EXPECT_GE(plan.start_rps, 0);
  for (const Stage& s : plan.stages) {
    EXPECT_GT(s.duration.count(), 0);
    EXPECT_TRUE(std::isfinite(s.target_rps));
    EXPECT_GE(s.target_rps, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

TEST(ExportRead, ReadsWhatGenerateProfileWrites) {
  Series s{.start = At("2024-02-29T23:59:58Z"), .step = seconds(1), .values = {1.5, 2, 0, 1234.567}};
  std::string csv;
  AppendProfileCsv(s, csv);
  auto back = ParseProfileCsv(csv, "p.csv");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->start, s.start);
  EXPECT_EQ(back->step, s.step);
  EXPECT_EQ(back->values, s.values);
}

TEST(ExportRead, FindsTheRpsColumnByNameAndAcceptsCrLf) {
  auto p = ParseProfileCsv("timestamp,bytes_per_s,rps\r\n2024-01-01T00:00:00Z,9,3\r\n"
                           "2024-01-01T00:01:00Z,9,4\r\n\r\n",
                           "p.csv");
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->step, minutes(1));
  EXPECT_EQ(p->values, (std::vector<double>{3, 4}));
}

TEST(ExportRead, MalformedLinesAreErrorsNamingFileAndLine) {
  const std::string head = "timestamp,rps\n2024-01-01T00:00:00Z,1\n";
  struct Case {
    std::string text, expected;
  } cases[] = {
      {head + "2024-01-01T00:00:01Z,abc\n", "p.csv:3: rate 'abc' is not a number"},
      {head + "2024-01-01T00:00:01Z,-3\n", "p.csv:3: rate '-3' is negative"},
      {head + "2024-01-01T00:00:01Z\n", "p.csv:3: no rate"},
      {head + "yesterday,1\n", "p.csv:3: 'yesterday' is not a timestamp"},
      {head + "2024-01-01T00:00:01Z,1\n2024-01-01T00:00:03Z,1\n", "p.csv:4: timestamp 2024-01-01T00:00:03Z is not one step (1s)"},
      {head + "2023-12-31T00:00:00Z,1\n", "p.csv:3: timestamp 2023-12-31T00:00:00Z does not come after"},
      {"time,value\n2024-01-01T00:00:00Z,1\n", "p.csv:1: the header has no 'rps' column"},
  };
  for (const Case& c : cases) {
    auto p = ParseProfileCsv(c.text, "p.csv");
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(p.error().message().starts_with(c.expected)) << p.error().message();
  }
}

TEST(ExportRead, EmptyOrSingleRowProfilesAreErrors) {
  for (const char* text : {"", "timestamp,rps\n", "\n\n"}) {
    auto p = ParseProfileCsv(text, "p.csv");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message(), "p.csv: no data rows: the profile is empty");
  }
  auto one = ParseProfileCsv("timestamp,rps\n2024-01-01T00:00:00Z,5\n", "p.csv");
  ASSERT_FALSE(one);
  EXPECT_TRUE(Contains(one.error().message(), "only one data row")) << one.error().message();
  auto empty = CompressProfile(Series{}, {});
  ASSERT_FALSE(empty);
  EXPECT_TRUE(Contains(empty.error().message(), "empty")) << empty.error().message();
}

TEST(ExportRead, MissingFileIsNotFoundAndNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/no-such-profile.csv";
  auto p = ReadProfileCsv(path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(p.error().message().starts_with(path + ": cannot open")) << p.error().message();
}

TEST(ExportRead, ReadsAFileAndNamesItInErrors) {
  const std::string path = WriteTemp("export-bad.csv", "timestamp,rps\n2024-01-01T00:00:00Z,x\n");
  auto p = ReadProfileCsv(path);
  ASSERT_FALSE(p);
  EXPECT_TRUE(p.error().message().starts_with(path + ":2: rate 'x'")) << p.error().message();
}

TEST(ExportFormat, UnknownFormatIsAnErrorListingTheKnownOnes) {
  EXPECT_EQ(*ParseExportFormat("k6"), ExportFormat::kK6);
  EXPECT_EQ(*ParseExportFormat("Locust"), ExportFormat::kLocust);
  EXPECT_EQ(*ParseExportFormat("vegeta"), ExportFormat::kVegeta);
  EXPECT_EQ(*ParseExportFormat("gatling"), ExportFormat::kGatling);
  auto bad = ParseExportFormat("jmeter");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "--format: unknown format 'jmeter' (expected k6, locust, vegeta or gatling)");
}

TEST(ExportFormat, GoDurationsAreShortAndExact) {
  EXPECT_EQ(FormatGoDuration(Duration{500}), "500ms");
  EXPECT_EQ(FormatGoDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(hours(25) + Duration{1}), "25h1ms");
  EXPECT_EQ(FormatGoDuration(Duration{0}), "0s");
}

// ---------------------------------------------------------------------------------------------
// Compression

TEST(ExportCompress, KeepsRequestsAndPeakOfARealisticMonthAtOneSecond) {
  const Series profile = RealisticMonth();
  ASSERT_EQ(profile.size(), 30u * 86400u);
  const auto start = std::chrono::steady_clock::now();
  auto plan = CompressProfile(profile, {});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(plan) << plan.error().message();
  ExpectPlanInvariants(*plan, profile, 200);
  EXPECT_LE(std::abs(plan->RequestError()), 0.01);
  EXPECT_LE(std::abs(plan->PeakError()), 0.02);
  // The daily and weekly shape survives 200 stages: hourly-ish windows stay close.
  EXPECT_LT(plan->shape_error, 0.15);
  std::printf("  [month @1s] %zu stages, requests %+.4f %%, peak %+.4f %% (%.1f of %.1f rps), "
              "shape %.2f %% at %s, %.3f s\n",
              plan->stages.size(), 100 * plan->RequestError(), 100 * plan->PeakError(), plan->plan_peak_rps,
              plan->profile_peak_rps, 100 * plan->shape_error, FormatDuration(plan->shape_window).c_str(), took);
}

TEST(ExportCompress, FewerStagesStillKeepRequestsAndPeak) {
  LoadModel m = testing::SimpleModel(/*weekly=*/true);
  auto profile = GenerateProfile(m, {}, {.start = At("2024-02-01T00:00:00Z"), .duration = days(7),
                                         .step = seconds(10), .seed = 3});
  ASSERT_TRUE(profile);
  for (size_t max_stages : {8u, 30u, 1000u}) {
    auto plan = CompressProfile(*profile, {.max_stages = max_stages});
    ASSERT_TRUE(plan);
    ExpectPlanInvariants(*plan, *profile, max_stages);
    EXPECT_LE(std::abs(plan->RequestError()), 0.01) << max_stages;
    EXPECT_LE(std::abs(plan->PeakError()), 0.02) << max_stages;
    std::printf("  [week @10s, max %zu] %zu stages, requests %+.4f %%, peak %+.4f %%, shape %.2f %%\n",
                max_stages, plan->stages.size(), 100 * plan->RequestError(), 100 * plan->PeakError(),
                100 * plan->shape_error);
  }
}

TEST(ExportCompress, RepresentsAStepFunctionWithFewStages) {
  const Series profile = StepFunction();
  auto plan = CompressProfile(profile, {});
  ASSERT_TRUE(plan) << plan.error().message();
  ExpectPlanInvariants(*plan, profile, 200);
  // Three jumps, each a one-step ramp between plateaus: a handful of stages, not 200.
  EXPECT_LE(plan->stages.size(), 8u);
  EXPECT_LE(std::abs(plan->RequestError()), 0.01);
  EXPECT_LE(std::abs(plan->PeakError()), 0.02);
  EXPECT_NEAR(plan->RateAt(minutes(30)), 100, 1);
  EXPECT_NEAR(plan->RateAt(minutes(90)), 500, 5);
  EXPECT_NEAR(plan->RateAt(minutes(135)), 0, 1);
  EXPECT_NEAR(plan->RateAt(minutes(180)), 50, 1);
  std::printf("  [step function] %zu stages, requests %+.4f %%, peak %+.4f %%, shape %.2f %%\n",
              plan->stages.size(), 100 * plan->RequestError(), 100 * plan->PeakError(), 100 * plan->shape_error);
}

TEST(ExportCompress, FlatProfileIsOneStageAndTinyBudgetsAreHonoured) {
  Series flat{.start = At("2024-01-01T00:00:00Z"), .step = seconds(1)};
  flat.values.assign(3600, 42);
  auto plan = CompressProfile(flat, {});
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->stages.size(), 1u);
  EXPECT_NEAR(plan->start_rps, 42, 1e-9);
  EXPECT_NEAR(plan->stages[0].target_rps, 42, 1e-9);
  EXPECT_EQ(plan->stages[0].duration, hours(1));
  EXPECT_NEAR(plan->RequestError(), 0, 1e-12);

  const Series steps = StepFunction();
  for (size_t max_stages : {1u, 2u, 3u}) {
    auto small = CompressProfile(steps, {.max_stages = max_stages});
    ASSERT_TRUE(small);
    ExpectPlanInvariants(*small, steps, max_stages);
    EXPECT_NEAR(small->RequestError(), 0, 1e-9);  // the volume is always rescaled
  }
  EXPECT_FALSE(CompressProfile(steps, {.max_stages = 0}));
  Series bad = steps;
  bad.values[5] = -1;
  EXPECT_FALSE(CompressProfile(bad, {}));
  bad.values[5] = NAN;
  EXPECT_FALSE(CompressProfile(bad, {}));
}

TEST(ExportCompress, IsolatedSpikeKeepsThePeakAsAPlateau) {
  Series s{.start = At("2024-01-01T00:00:00Z"), .step = seconds(1)};
  s.values.assign(7200, 100);
  s.values[4000] = 900;
  auto plan = CompressProfile(s, {.max_stages = 10});
  ASSERT_TRUE(plan);
  // The plateau is raised by what its ramps (a thousandth of the step each) leave out.
  EXPECT_NEAR(plan->PeakError(), 0, 1e-3);
  EXPECT_NEAR(plan->RateAt(Duration{4'000'500}), 900, 1);
  EXPECT_NEAR(plan->RateAt(seconds(1000)), 100, 0.5);
  EXPECT_NEAR(plan->RequestError(), 0, 1e-9);
}

// A peak in the first or last step: its knot is stretched to the plan's end, carried too few
// requests, and rescaling lifted the whole plan (peak 6315 for 5000, background 12.6 for 10;
// found by probing). Now the peak is a plateau and the background keeps its level.
TEST(ExportCompress, APeakInTheFirstOrLastStepIsKeptWithoutLiftingTheRest) {
  for (const bool first : {true, false}) {
    Series s{.start = At("2024-01-01T00:00:00Z"), .step = seconds(1)};
    s.values.assign(100, 10);
    s.values[first ? 0 : 99] = 5000;
    auto plan = CompressProfile(s, {.max_stages = 1000});
    ASSERT_TRUE(plan);
    ExpectPlanInvariants(*plan, s, 1000);
    EXPECT_NEAR(plan->PeakError(), 0, 1e-3) << first;
    EXPECT_NEAR(plan->RequestError(), 0, 1e-9) << first;
    EXPECT_NEAR(plan->RateAt(seconds(50)), 10, 0.01) << first;
  }
  // An hour at 5000 and 23 at 10: ramps outside the peak's hour took 10.8 % of the background
  // (found by probing); inside it, the background keeps its 10.
  Series hours_profile{.start = At("2024-01-01T00:00:00Z"), .step = hours(1)};
  hours_profile.values.assign(24, 10);
  hours_profile.values[0] = 5000;
  auto plan = CompressProfile(hours_profile, {});
  ASSERT_TRUE(plan);
  EXPECT_NEAR(plan->RequestError(), 0, 1e-9);
  EXPECT_NEAR(plan->RateAt(hours(12)), 10, 0.01);
}

// ---------------------------------------------------------------------------------------------
// Writers

StagePlan SmallPlan() {
  auto plan = CompressProfile(StepFunction(), {});
  EXPECT_TRUE(plan);
  return *plan;
}

TEST(ExportK6, ScriptHasRampingArrivalRateStagesAndPassesNodeCheck) {
  const StagePlan plan = SmallPlan();
  const std::string js = RenderK6(plan, {.target = "http://example.test:9000/api"});
  EXPECT_TRUE(Contains(js, "import http from 'k6/http';"));
  EXPECT_TRUE(Contains(js, "executor: 'ramping-arrival-rate',"));
  EXPECT_TRUE(Contains(js, "startRate: 100,"));
  EXPECT_TRUE(Contains(js, "timeUnit: '1s',"));
  EXPECT_TRUE(Contains(js, "preAllocatedVUs: 125,"));  // 500 rps x 250 ms
  EXPECT_TRUE(Contains(js, "maxVUs: 1000,"));          // 500 rps x 2 s
  EXPECT_TRUE(Contains(js, "{ target: 500, duration: '"));
  EXPECT_TRUE(Contains(js, "{ target: 0, duration: '"));
  EXPECT_TRUE(Contains(js, "const TARGET = __ENV.TARGET || 'http://example.test:9000/api';"));
  EXPECT_TRUE(Contains(js, "http.get(TARGET);"));
  size_t stages = 0;
  for (size_t at = js.find("{ target: "); at != std::string::npos; at = js.find("{ target: ", at + 1)) ++stages;
  EXPECT_EQ(stages, plan.stages.size());
  // Low rates go per minute so integer targets keep their precision.
  Series slow{.start = At("2024-01-01T00:00:00Z"), .step = minutes(1), .values = {2, 3, 3, 3}};
  const std::string slow_js = RenderK6(*CompressProfile(slow, {}), {});
  EXPECT_TRUE(Contains(slow_js, "timeUnit: '1m',")) << slow_js;
  EXPECT_TRUE(Contains(slow_js, "{ target: 180, duration: '")) << slow_js;

  if (!Have("node")) GTEST_SKIP() << "node is not installed: no syntax check of the k6 script";
  // k6 scripts are ES modules: node checks them as such under an .mjs name.
  const std::string path = WriteTemp("export_k6.mjs", js);
  EXPECT_EQ(std::system(("node --check '" + path + "'").c_str()), 0) << js;
}

TEST(ExportLocust, ShapeFollowsTheStagesAndCompiles) {
  const StagePlan plan = SmallPlan();
  const std::string py = RenderLocust(plan, {.target = "http://example.test/", .user_rps = 2});
  EXPECT_TRUE(Contains(py, "from locust import HttpUser, LoadTestShape, constant_throughput, task"));
  EXPECT_TRUE(Contains(py, "class ForescaleShape(LoadTestShape):"));
  EXPECT_TRUE(Contains(py, "def tick(self):"));
  EXPECT_TRUE(Contains(py, "return constant_throughput(PACE[\"per_user_rps\"])(self)"));
  EXPECT_TRUE(Contains(py, "USER_RPS = 2\n"));
  EXPECT_TRUE(Contains(py, "START_RPS = 100\n"));
  EXPECT_TRUE(Contains(py, "users = math.ceil(rps / USER_RPS - 1e-9)"));
  EXPECT_TRUE(Contains(py, "self.client.get(TARGET)"));
  EXPECT_TRUE(Contains(py, "(12600, 50),"));  // the last stage ends at 3.5 h at 50 rps

  if (!Have("python3")) GTEST_SKIP() << "python3 is not installed: no check of the Locust file";
  // A directory of its own, so the stand-in locust module below shadows nothing else.
  const std::string dir = ::testing::TempDir() + "/forescale_export_locust";
  std::filesystem::create_directories(dir);
  const std::string path = WriteTemp("forescale_export_locust/export_locustfile.py", py);
  EXPECT_EQ(std::system(("python3 -m py_compile '" + path + "'").c_str()), 0) << py;
  // Run tick() against a stand-in locust module: users = ceil(rps / user_rps) along the plan.
  WriteTemp("forescale_export_locust/locust.py",
            "class HttpUser: pass\n"
            "class LoadTestShape:\n"
            "    now = 0.0\n"
            "    def get_run_time(self): return LoadTestShape.now\n"
            "def constant_throughput(r): return r\n"
            "def task(f): return f\n");
  const std::string out = dir + "/export_locust_ticks.txt";
  const std::string probe =
      "import sys; sys.path.insert(0, '" + dir +
      "'); import export_locustfile as f\n"
      "s = f.ForescaleShape()\n"
      "for t in (1800, 5400, 8100, 10800, 99999):\n"
      "    f.LoadTestShape.now = t\n"
      "    r = s.tick()\n"
      "    print(r and r[0])\n"
      "g = f.ForescaleShape()\n"
      "f.USER_RPS = 3\n"  // 100 rps at 3 per user at most: 34 users at 100/34 each, not 102 rps
      "f.LoadTestShape.now = 1800\n"
      "users = g.tick()[0]\n"
      "print(users, round(users * f.PACE['per_user_rps'], 9))\n";
  WriteTemp("forescale_export_locust/probe.py", probe);
  ASSERT_EQ(std::system(("python3 '" + dir + "/probe.py' > '" + out + "'").c_str()), 0);
  std::stringstream ticks;
  ticks << std::ifstream(out).rdbuf();
  EXPECT_EQ(ticks.str(), "50\n250\n0\n25\nNone\n34 100.0\n") << ticks.str();
}

TEST(ExportVegeta, PacingPlanKeepsTheRequestCountAndPausesAtZero) {
  const StagePlan plan = SmallPlan();
  const std::string sh = RenderVegetaScript(plan, {.target = "http://example.test/", .vegeta_targets_file = "load.targets"});
  EXPECT_EQ(RenderVegetaTargets({.target = "http://example.test/"}), "GET http://example.test/\n");
  EXPECT_TRUE(sh.starts_with("#!/usr/bin/env bash\n"));
  EXPECT_TRUE(Contains(sh, "vegeta attack -targets=\"$targets\" -rate=\"$rate\" -duration=\"${seconds}s\""));
  EXPECT_TRUE(Contains(sh, "done | vegeta report"));
  EXPECT_TRUE(Contains(sh, "'load.targets'"));
  EXPECT_TRUE(Contains(sh, "\n100/1s "));
  EXPECT_TRUE(Contains(sh, "\n500/1s "));
  EXPECT_TRUE(Contains(sh, "\n0 "));  // the outage is a pause
  // The steps carry the plan's requests.
  const size_t from = sh.find("<<'PLAN'\n") + 9, to = sh.find("PLAN\n", from);
  std::istringstream lines(sh.substr(from, to - from));
  std::string rate;
  double secs = 0, requests = 0, total_seconds = 0;
  while (lines >> rate >> secs) {
    total_seconds += secs;
    if (rate == "0") continue;
    const size_t slash = rate.find('/');
    const double per = rate.substr(slash + 1) == "1s" ? 1 : rate.substr(slash + 1) == "1m" ? 60 : 3600;
    requests += std::stod(rate.substr(0, slash)) / per * secs;
  }
  EXPECT_NEAR(total_seconds, 3.5 * 3600, 1e-6);
  EXPECT_NEAR(requests / plan.plan_requests, 1, 0.01);

  if (!Have("bash")) GTEST_SKIP() << "bash is not installed: no syntax check of the pacing plan";
  const std::string path = WriteTemp("export_vegeta.sh", sh);
  EXPECT_EQ(std::system(("bash -n '" + path + "'").c_str()), 0) << sh;
}

// An hour at 0.4 rps after one at 100: k6's one timeUnit must keep it (per second it would be
// a target of 0, the hour gone); ExportedRequests says what each script sends.
TEST(ExportRounding, LowRatesKeepTheirRequestsAndTheScriptsSayWhatTheySend) {
  Series mixed{.start = At("2024-03-01T00:00:00Z"), .step = minutes(1)};
  for (int i = 0; i < 120; ++i) mixed.values.push_back(i < 60 ? 100 : 0.4);
  auto plan = CompressProfile(mixed, {});
  ASSERT_TRUE(plan);
  const std::string js = RenderK6(*plan, {});
  EXPECT_TRUE(Contains(js, "timeUnit: '1m',")) << js;
  EXPECT_TRUE(Contains(js, "{ target: 24, duration: '")) << js;  // 0.4 rps, per minute
  for (ExportFormat format : {ExportFormat::kK6, ExportFormat::kLocust, ExportFormat::kGatling}) {
    EXPECT_NEAR(ExportedRequests(*plan, {.format = format}) / plan->profile_requests, 1, 1e-3)
        << ExportFormatName(format);
  }
  // A minute at 1000 rps in a day at 0.4: a timeUnit of 1s wrote the 0.4 as 0 and sent 63 % of
  // the requests (found by probing); the unit is coarse enough to keep the total.
  Series spike_day{.start = At("2024-03-01T00:00:00Z"), .step = minutes(1)};
  for (int i = 0; i < 1440; ++i) spike_day.values.push_back(i == 700 ? 1000 : 0.4);
  plan = CompressProfile(spike_day, {});
  ASSERT_TRUE(plan);
  EXPECT_NEAR(ExportedRequests(*plan, {.format = ExportFormat::kK6}) / plan->profile_requests, 1,
              5e-3);
  EXPECT_TRUE(Contains(RenderK6(*plan, {}), "timeUnit: '1m',"));
  // Vegeta: 100 requests per however long they take below 100 an hour, and whole hits per step.
  Series trickle{.start = At("2024-03-01T00:00:00Z"), .step = minutes(1)};
  trickle.values.assign(120, 0.0013);  // 9.36 requests in two hours
  plan = CompressProfile(trickle, {});
  ASSERT_TRUE(plan);
  const std::string sh = RenderVegetaScript(*plan, {});
  EXPECT_TRUE(Contains(sh, "\n100/21h22m3s77ms 7200\n")) << sh;              // 100 per 76923.077 s
  EXPECT_EQ(ExportedRequests(*plan, {.format = ExportFormat::kVegeta}), 9);  // one every 769 s
  // Rates no load tool sends are a unit slip, not a profile.
  trickle.values[5] = 2e9;
  auto slip = CompressProfile(trickle, {});
  ASSERT_FALSE(slip);
  EXPECT_TRUE(Contains(slip.error().message(), "2024-03-01T00:05:00Z is 2e+09 requests/s"))
      << slip.error().message();
}

TEST(ExportTarget, OnlyAnHttpUrlWithoutControlCharactersIsATarget) {
  EXPECT_TRUE(CheckTarget("http://127.0.0.1:8080/"));
  EXPECT_TRUE(CheckTarget("https://shop.example/api?q=1&x='y'"));  // quotes are escaped
  EXPECT_TRUE(CheckTarget("http://example.test/caf\xc3\xa9"));     // UTF-8 é
  // A stray byte made the Locust script a SyntaxError (found by probing); so would an overlong
  // form or a surrogate.
  for (const char* bad : {"not a url", "http://", "ftp://host/", "http:///path",
                          "http://127.0.0.1:9/\ntouch /tmp/x #", "http://a b/", "http://h/\xff",
                          "http://h/\xc0\xaf", "http://h/\xed\xa0\x80", "http://h/\xc3"}) {
    EXPECT_FALSE(CheckTarget(bad)) << bad;
  }
}

TEST(ExportGatling, SimulationUsesOpenInjectionPerStage) {
  const StagePlan plan = SmallPlan();
  const std::string scala = RenderGatling(plan, {.target = "http://example.test/"});
  EXPECT_TRUE(Contains(scala, "class ForescaleSimulation extends Simulation {"));
  EXPECT_TRUE(Contains(scala, "import io.gatling.core.Predef._"));
  EXPECT_TRUE(Contains(scala, "sys.env.getOrElse(\"TARGET\", \"http://example.test/\")"));
  EXPECT_TRUE(Contains(scala, "rampUsersPerSec(100.0).to(500.0).during("));
  EXPECT_TRUE(Contains(scala, "constantUsersPerSec(500.0).during("));
  EXPECT_TRUE(Contains(scala, "nothingFor("));
  EXPECT_TRUE(Contains(scala, ".protocols(http)"));
  size_t steps = 0;
  for (const char* kind : {"rampUsersPerSec(", "constantUsersPerSec(", "nothingFor("}) {
    for (size_t at = scala.find(kind); at != std::string::npos; at = scala.find(kind, at + 1)) ++steps;
  }
  EXPECT_EQ(steps, plan.stages.size());
  // Durations are Long literals: 25 days of milliseconds overflow an Int, and scalac refused
  // the script (found by probing).
  Series month{.start = At("2024-01-01T00:00:00Z"), .step = Duration{2'592'000'001}};
  month.values = {5, 5};
  auto long_plan = CompressProfile(month, {});
  ASSERT_TRUE(long_plan);
  EXPECT_TRUE(Contains(RenderGatling(*long_plan, {}), "L.milliseconds)"))
      << RenderGatling(*long_plan, {});
}

TEST(ExportRender, DispatchesOnTheFormat) {
  const StagePlan plan = SmallPlan();
  EXPECT_EQ(RenderExport(plan, {.format = ExportFormat::kK6}), RenderK6(plan, {}));
  EXPECT_EQ(RenderExport(plan, {.format = ExportFormat::kLocust}), RenderLocust(plan, {}));
  EXPECT_EQ(RenderExport(plan, {.format = ExportFormat::kVegeta}), RenderVegetaScript(plan, {}));
  EXPECT_EQ(RenderExport(plan, {.format = ExportFormat::kGatling}), RenderGatling(plan, {}));
}

}  // namespace
}  // namespace forescale::generate
