#include "testkit/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace forescale::testkit {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

std::string Example(const std::string& name) {
  return std::string(FORESCALE_SOURCE_DIR) + "/examples/scenarios/" + name;
}

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// Each test writes its scenario (and the files it names) into a scratch directory.
class ScenarioFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("forescale_scenario_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("load.csv", "timestamp,rps\n2024-01-01T00:00:00Z,10\n2024-01-01T00:01:00Z,12\n");
    Write("service.yaml", "capacity_rps: 50\nreplicas: {min: 1, max: 20}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  Result<Scenario> Load(const std::string& text) { return LoadScenario(Write("s.yaml", text)); }

  // The error of a scenario that must not load.
  std::string LoadError(const std::string& text) {
    auto s = Load(text);
    EXPECT_FALSE(s) << "loaded:\n" << text;
    return s ? std::string() : s.error().message();
  }

  // "<dir>/s.yaml:<line>: <key>: " with the 1-based line of the first line holding `marker`.
  std::string Where(const std::string& text, const std::string& marker, const std::string& key) {
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.find(marker) != std::string::npos) {
        return (dir_ / "s.yaml").string() + ":" + std::to_string(n) + ": " + key + ": ";
      }
    }
    ADD_FAILURE() << "no line holds " << marker;
    return {};
  }

  fs::path dir_;
};

// A valid scenario; tests break one thing of it.
constexpr const char* kHeader =
    "load:\n"
    "  profile: load.csv\n"
    "service: service.yaml\n";

// ---- The bundled examples ------------------------------------------------------------------

TEST(ScenarioExamples, CampaignReadsItsTraceCampaignWindowAndAssertions) {
  auto s = LoadScenario(Example("campaign.yaml"));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->name, "campaign");
  EXPECT_EQ(s->load.kind, LoadSource::Kind::kHistory);
  EXPECT_TRUE(fs::is_regular_file(s->load.path)) << s->load.path;
  EXPECT_EQ(fs::path(s->load.path).filename().string(), "nasa_ksc_requests_per_minute.csv");
  EXPECT_EQ(s->load.column, "requests");
  EXPECT_TRUE(s->load.per_step_counts);
  EXPECT_EQ(s->load.from, At("1995-07-03T00:00:00Z"));
  EXPECT_EQ(s->load.to, At("1995-07-12T00:00:00Z"));
  EXPECT_EQ(s->load.peak_rps, 600);
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].type, Event::Type::kCampaign);
  EXPECT_EQ(s->events[0].peak_multiplier, 5);
  EXPECT_EQ(s->events[0].ramp_up, 20min);
  EXPECT_EQ(s->service.resources.at(0).capacity_rps, 50);
  EXPECT_EQ(s->service.slo_p95_latency, 500ms);
  EXPECT_DOUBLE_EQ(s->max_drop_fraction, 0.001);
  EXPECT_EQ(s->test_last, std::chrono::duration_cast<Duration>(std::chrono::days(1)));
  EXPECT_FALSE(s->test_from);
  std::vector<std::string> labels;
  for (const auto& p : s->policies) labels.push_back(p.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"hpa", "target-tracking", "predictive", "oracle"}));
  ASSERT_EQ(s->assertions.size(), 3u);
  EXPECT_EQ(s->assertions[2].text(), "predictive.cost_efficiency >= 0.85");
}

TEST(ScenarioExamples, NormalWeekScoresTheLastSevenDaysOfThreeWeeks) {
  auto s = LoadScenario(Example("normal-week.yaml"));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->name, "normal-week");
  EXPECT_TRUE(s->events.empty());
  EXPECT_EQ(s->load.to.value() - s->load.from.value(),
            std::chrono::duration_cast<Duration>(std::chrono::days(21)));
  EXPECT_EQ(s->test_last, std::chrono::duration_cast<Duration>(std::chrono::days(7)));
  EXPECT_EQ(s->load.peak_rps, 720);
  EXPECT_EQ(s->policies.size(), 4u);
  EXPECT_EQ(s->assertions.size(), 3u);
}

TEST(ScenarioExamples, BatchJobIsADailyScheduledJobOverTheTrace) {
  auto s = LoadScenario(Example("batch-job.yaml"));
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].type, Event::Type::kScheduledJob);
  EXPECT_EQ(s->events[0].requests_per_run, 300000);
  EXPECT_EQ(s->events[0].duration, 10min);
  ASSERT_TRUE(s->events[0].cron);
  EXPECT_TRUE(s->events[0].cron->Matches(At("1995-07-05T02:00:00Z")));
  EXPECT_EQ(s->test_last, std::chrono::duration_cast<Duration>(std::chrono::days(2)));
  EXPECT_EQ(s->policies.size(), 3u);
}

TEST(ScenarioExamples, EdgeCasesGeneratesNineDaysFromTheFittedModel) {
  auto s = LoadScenario(Example("edge-cases.yaml"));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->load.kind, LoadSource::Kind::kModel);
  EXPECT_EQ(fs::path(s->load.path).filename().string(), "nasa-ksc.yaml");
  EXPECT_TRUE(fs::is_regular_file(s->load.path));
  EXPECT_EQ(s->load.start, At("1995-09-04T00:00:00Z"));
  EXPECT_EQ(s->load.duration, std::chrono::duration_cast<Duration>(std::chrono::days(9)));
  EXPECT_EQ(s->load.step, 1min);
  EXPECT_FALSE(s->load.resample);  // for a model, `step` is the generated step, not a resample
  EXPECT_EQ(s->load.seed, 7u);
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(s->events[0].type, Event::Type::kFlashCrowd);
  EXPECT_EQ(s->events[1].type, Event::Type::kOutage);
  EXPECT_EQ(s->policies.size(), 5u);
}

// ---- What a scenario may say -------------------------------------------------------------

TEST_F(ScenarioFile, LeftOutKeysTakeTheirDocumentedDefaults) {
  auto s = Load(std::string(kHeader) + "policies: [hpa]\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->name, "s");  // the file's stem
  EXPECT_EQ(s->description, "");
  EXPECT_FALSE(s->test_from);
  EXPECT_FALSE(s->test_to);
  EXPECT_FALSE(s->test_last);
  EXPECT_EQ(s->repetitions, 1u);
  EXPECT_EQ(s->seed, 1u);
  EXPECT_EQ(s->step, 1s);
  EXPECT_DOUBLE_EQ(s->max_drop_fraction, 0.001);
  EXPECT_TRUE(s->events.empty());
  EXPECT_TRUE(s->assertions.empty());
  EXPECT_FALSE(s->load.per_step_counts);  // values: rps
  EXPECT_FALSE(s->load.resample);
  EXPECT_FALSE(s->load.scale || s->load.peak_rps || s->load.mean_rps);
  EXPECT_EQ(s->load.path, (dir_ / "load.csv").string());  // relative to the scenario file
}

TEST_F(ScenarioFile, ReadsSeedRepetitionsStepAndWindowDates) {
  auto s = Load(std::string(kHeader) +
                "policies: [hpa]\nrepetitions: 5\nseed: 42\nstep: 5s\n"
                "window: {test_from: 2024-01-02T00:00:00Z, test_to: 2024-01-02T12:00:00Z}\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->repetitions, 5u);
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->step, 5s);
  EXPECT_EQ(s->test_from, At("2024-01-02T00:00:00Z"));
  EXPECT_EQ(s->test_to, At("2024-01-02T12:00:00Z"));
  EXPECT_FALSE(s->test_last);
}

TEST_F(ScenarioFile, PoliciesMayBeKindsFilesOrNamedInlineMappings) {
  Write("careful.yaml", "kind: hpa\ntolerance: 0.2\n");
  auto s = Load(std::string(kHeader) +
                "policies:\n"
                "  - hpa\n"
                "  - careful.yaml\n"
                "  - {name: fast-hpa, policy: {kind: hpa, tolerance: 0.05}}\n"
                "  - kind: target-tracking\n"
                "    target: 50%\n"
                "  - {name: tt-file, policy: careful.yaml}\n"
                "assertions:\n"
                "  - fast-hpa.cost <= 1.1 * careful.cost\n");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->policies.size(), 5u);
  EXPECT_EQ(s->policies[0].label, "hpa");
  EXPECT_EQ(s->policies[0].policy.Scalar(), "hpa");
  // A file is named by its stem and kept as an absolute path.
  EXPECT_EQ(s->policies[1].label, "careful");
  EXPECT_EQ(s->policies[1].policy.Scalar(), (dir_ / "careful.yaml").string());
  EXPECT_EQ(s->policies[2].label, "fast-hpa");
  ASSERT_TRUE(s->policies[2].policy.IsMap());
  EXPECT_EQ(s->policies[2].policy["tolerance"].Scalar(), "0.05");
  // A bare mapping with `kind:` is named by its kind.
  EXPECT_EQ(s->policies[3].label, "target-tracking");
  EXPECT_EQ(s->policies[3].policy["target"].Scalar(), "50%");
  EXPECT_EQ(s->policies[4].label, "tt-file");
  EXPECT_EQ(s->policies[4].policy.Scalar(), (dir_ / "careful.yaml").string());
  ASSERT_EQ(s->assertions.size(), 1u);
}

TEST_F(ScenarioFile, AnInlineServiceTakesSloAndPricesFromTheScenario) {
  auto s = Load("load: {profile: load.csv}\n"
                "service:\n"
                "  name: checkout\n"
                "  capacity_rps: 80\n"
                "  target_utilisation: 70%\n"
                "  startup: {delay: 45s, cv: 0.2}\n"
                "  replicas: {min: 2, max: 30}\n"
                "slo: {p95_latency: 250ms, max_drop_rate: 0.5%}\n"
                "prices: {replica_hour: 0.12}\n"
                "policies: [hpa]\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->service.name, "checkout");
  ASSERT_EQ(s->service.resources.size(), 1u);
  const sim::ResourceModel& r = s->service.resources[0];
  EXPECT_EQ(r.capacity_rps, 80);
  EXPECT_DOUBLE_EQ(r.target_utilisation, 0.7);
  EXPECT_EQ(r.startup_delay, 45s);
  EXPECT_DOUBLE_EQ(r.startup_cv, 0.2);
  EXPECT_EQ(r.min_replicas, 2);
  EXPECT_EQ(r.max_replicas, 30);
  EXPECT_DOUBLE_EQ(r.price_per_replica_hour, 0.12);
  EXPECT_EQ(s->service.slo_p95_latency, 250ms);
  EXPECT_DOUBLE_EQ(s->max_drop_fraction, 0.005);
}

TEST_F(ScenarioFile, InlineEventsAndModelLoadsAreRead) {
  Write("model.yaml", "anything: 1\n");  // the scenario only checks that it exists
  auto s = Load("load:\n"
                "  model: model.yaml\n"
                "  start: 2024-03-01T00:00:00Z\n"
                "  duration: 3d\n"
                "  step: 5m\n"
                "  mean_rps: 200\n"
                "events:\n"
                "  - {name: hn, type: flash_crowd, start: 2024-03-03T15:00:00Z, rise: 2m, "
                "decay: 30m, peak: 10x}\n"
                "service: service.yaml\n"
                "seed: 9\n"
                "policies: [oracle]\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->load.kind, LoadSource::Kind::kModel);
  EXPECT_EQ(s->load.start, At("2024-03-01T00:00:00Z"));
  EXPECT_EQ(s->load.duration, 72h);
  EXPECT_EQ(s->load.step, 5min);
  EXPECT_EQ(s->load.mean_rps, 200);
  EXPECT_FALSE(s->load.seed);  // the scenario's seed is used
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].name, "hn");
  EXPECT_EQ(s->events[0].peak_multiplier, 10);
}

TEST_F(ScenarioFile, LoadStepOfAFileResamplesIt) {
  auto s = Load("load: {profile: load.csv, values: count, step: 5m, from: 2024-01-01T00:00:00Z, "
                "to: 2024-01-02T00:00:00Z, scale: 3}\n"
                "service: service.yaml\npolicies: [hpa]\n");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->load.resample, 5min);
  EXPECT_TRUE(s->load.per_step_counts);
  EXPECT_EQ(s->load.scale, 3);
}

// ---- Bad input: every message names the file, the line and the key ---------------------

TEST_F(ScenarioFile, AMissingServiceFileNamesTheServiceKey) {
  const std::string text = "load: {profile: load.csv}\nservice: nowhere.yaml\npolicies: [hpa]\n";
  const std::string e = LoadError(text);
  EXPECT_THAT(e, HasSubstr(Where(text, "nowhere", "service") + "no such file: "));
  EXPECT_THAT(e, HasSubstr((dir_ / "nowhere.yaml").string()));
}

TEST_F(ScenarioFile, AMissingLoadFileNamesTheLoadKey) {
  const std::string text = "load:\n  history: gone.csv\nservice: service.yaml\npolicies: [hpa]\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "gone.csv", "load.history") + "no such file"));
}

TEST_F(ScenarioFile, InlineEventErrorsNameTheScenariosOwnLine) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa]\n"
                           "events:\n"
                           "  - {name: sale, type: campaign, start: 2024-01-01T10:00:00Z, plateau: 1h, peak: 2x}\n"
                           "  - {name: job, type: scheduled_job, cron: '0 2 * * * *', duration: 5m}\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "cron:", "events[1].cron") +
                                     "cron '0 2 * * * *': expected 5 fields"));
}

TEST_F(ScenarioFile, AnUnknownPolicyNameListsTheKinds) {
  const std::string text = std::string(kHeader) + "policies:\n  - hpa\n  - hap\n";
  const std::string e = LoadError(text);
  EXPECT_THAT(e, HasSubstr(Where(text, "- hap", "policies[1]") + "unknown policy 'hap'"));
  EXPECT_THAT(e, HasSubstr("hpa, target-tracking, step, rule, scheduled, aws-predictive, "
                           "predictive, oracle"));
}

TEST_F(ScenarioFile, TwoPoliciesWithOneLabelAreRejected) {
  const std::string text = std::string(kHeader) +
                           "policies:\n  - hpa\n  - predictive\n  - {policy: hpa}\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "{policy: hpa}", "policies[2]") +
                                     "duplicate policy name 'hpa'"));
}

TEST_F(ScenarioFile, AMalformedAssertionGivesItsColumn) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa, predictive]\n"
                           "assertions:\n"
                           "  - predictive.cost <= hpa.cost\n"
                           "  - predictive.cost <= 1.05 *\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "1.05 *", "assertions[1]") +
                                     "col 26: expected a number, a duration or POLICY.METRIC "
                                     "after '*'"));
}

TEST_F(ScenarioFile, AnAssertionAboutAPolicyNotInTheScenarioIsRejected) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa, predictive]\n"
                           "assertions:\n"
                           "  - predictive.cost <= target-tracking.cost\n";
  const std::string e = LoadError(text);
  EXPECT_THAT(e, HasSubstr(Where(text, "target-tracking.cost", "assertions[0]") +
                           "unknown policy \"target-tracking\""));
  // The oracle always runs, so assertions may name it without listing it.
  EXPECT_THAT(e, HasSubstr("hpa, predictive, oracle"));
  EXPECT_TRUE(Load(std::string(kHeader) + "policies: [hpa]\n"
                                          "assertions: [hpa.cost <= 2 * oracle.cost]\n"));
}

TEST_F(ScenarioFile, AnAssertionAboutAnUnknownMetricIsRejected) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa]\n"
                           "assertions:\n"
                           "  - hpa.slo_violations <= 3\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "slo_violations", "assertions[0]") +
                                     "unknown metric \"slo_violations\""));
}

TEST_F(ScenarioFile, AWindowEndingBeforeItStartsIsRejected) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa]\n"
                           "window:\n"
                           "  test_from: 2024-01-02T00:00:00Z\n"
                           "  test_to: 2024-01-01T00:00:00Z\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "test_to", "window.test_to") +
                                     "must be after window.test_from"));
}

TEST_F(ScenarioFile, AWindowWithBothTestLastAndTestFromIsRejected) {
  const std::string text = std::string(kHeader) +
                           "policies: [hpa]\n"
                           "window:\n"
                           "  test_last: 1d\n"
                           "  test_from: 2024-01-02T00:00:00Z\n";
  // The line is the window mapping's, which starts at its first key.
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "test_last", "window") +
                                     "give test_from (and test_to) or test_last, not both"));
}

TEST_F(ScenarioFile, ALoadWithTwoSourcesIsRejected) {
  const std::string text = "load:\n"
                           "  profile: load.csv\n"
                           "  history: load.csv\n"
                           "service: service.yaml\n"
                           "policies: [hpa]\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "profile:", "load") +
                                     "give exactly one of history, profile, series or model"));
}

TEST_F(ScenarioFile, LoadValuesOtherThanRpsOrCountAreRejected) {
  const std::string text = "load:\n"
                           "  profile: load.csv\n"
                           "  values: rpm\n"
                           "service: service.yaml\n"
                           "policies: [hpa]\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "rpm", "load.values") + "expected rps or count"));
}

TEST_F(ScenarioFile, AnUnknownTopLevelKeyIsRejectedNotIgnored) {
  const std::string text = std::string(kHeader) + "policies: [hpa]\nrepetition: 3\n";
  const std::string e = LoadError(text);
  EXPECT_THAT(e, HasSubstr(Where(text, "repetition:", "repetition") + "unknown key"));
  EXPECT_THAT(e, HasSubstr("repetitions"));  // the known keys are listed
}

TEST_F(ScenarioFile, AnImpossibleInlineServiceNamesTheServiceKey) {
  const std::string text = "load: {profile: load.csv}\n"
                           "service:\n"
                           "  capacity_rps: 50\n"
                           "  replicas: {min: 5, max: 2}\n"
                           "policies: [hpa]\n";
  // The line is the inline mapping's (it starts at its first key), in the scenario file.
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "capacity_rps", "service") +
                                         "replicas.max: must be >= replicas.min (5)"));
}

TEST_F(ScenarioFile, OverlappingScalingsAndBadRepetitionsAreRejected) {
  std::string text = "load: {profile: load.csv, scale: 2, peak_rps: 100}\n"
                     "service: service.yaml\npolicies: [hpa]\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "scale: 2", "load") +
                                     "give at most one of scale, peak_rps, mean_rps"));
  text = std::string(kHeader) + "policies: [hpa]\nrepetitions: 0\n";
  EXPECT_THAT(LoadError(text), HasSubstr(Where(text, "repetitions", "repetitions") +
                                     "must be in [1, 1000]"));
  text = std::string(kHeader) + "policies: []\n";
  EXPECT_THAT(LoadError(text), HasSubstr("policies: expected a non-empty list of policies"));
  // A share above 100 % was recorded as max_drop_fraction 1.5 (found by probing).
  text = std::string(kHeader) + "policies: [hpa]\nslo: {max_drop_rate: 150%}\n";
  EXPECT_THAT(LoadError(text),
              HasSubstr("slo.max_drop_rate: is a share of requests: at most 100 %"));
  // So was a key given twice: the first seed won.
  text = std::string(kHeader) + "policies: [hpa]\nseed: 2\nseed: 5\n";
  EXPECT_THAT(LoadError(text), HasSubstr("seed: given twice in one mapping"));
}

TEST(ScenarioParse, AMissingFileIsNotFound) {
  auto s = LoadScenario("/nonexistent/forescale/scenario.yaml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(s.error().message(), HasSubstr("/nonexistent/forescale/scenario.yaml"));
}

}  // namespace
}  // namespace forescale::testkit
