#include "testkit/results_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "testkit/internal/testing_results.h"

namespace forescale::testkit {
namespace {

using nlohmann::json;

TEST(ResultsJson, HasEveryDocumentedSection) {
  const ScenarioResults r = testing::RampResults(std::chrono::minutes(60));
  const json j = ResultsJson(r);
  EXPECT_EQ(j["schema"], "forescale-results/1");
  EXPECT_EQ(j["scenario"]["name"], r.name);
  EXPECT_EQ(j["scenario"]["seed"], 7);
  EXPECT_DOUBLE_EQ(j["window"]["hours"].get<double>(), 40.0 / 60);
  EXPECT_DOUBLE_EQ(j["slo"]["p95_latency_seconds"].get<double>(), 0.5);
  EXPECT_EQ(j["passed"], false);
  ASSERT_EQ(j["policies"].size(), 3u);
  const json& hpa = j["policies"][0];
  EXPECT_EQ(hpa["name"], "hpa");
  EXPECT_EQ(hpa["runs"].size(), 1u);
  EXPECT_TRUE(hpa["runs"][0].contains("slo_violation_minutes"));
  EXPECT_EQ(hpa["runs"][0]["resources"][0]["name"], "web");
  for (const char* key : {"mean", "low", "high", "n"}) {
    EXPECT_TRUE(hpa["metrics"]["cost"].contains(key)) << key;
  }
  EXPECT_GT(hpa["scaling_actions"].get<int>(), 0);
  EXPECT_EQ(j["assertions"].size(), 2u);
  EXPECT_EQ(j["notes"].size(), 1u);
  EXPECT_FALSE(j["verdict"]["text"].get<std::string>().empty());
}

TEST(ResultsJson, NotMeasuredIsNullAndBadBytesAreReplaced) {
  ScenarioResults r = testing::RampResults(std::chrono::minutes(30));
  r.policies[0].metrics["forecast_mape"] = {.mean = NAN, .low = NAN, .high = NAN, .n = 1};
  const json j = ResultsJson(r);
  EXPECT_TRUE(j["policies"][0]["metrics"]["forecast_mape"]["mean"].is_null());
  // The failed assertion's message carries a byte that is not UTF-8; dump must not throw.
  EXPECT_NO_THROW((void)j.dump());
  EXPECT_THAT(j["assertions"][1]["message"].get<std::string>(), ::testing::HasSubstr("\xEF\xBF\xBD"));
}

TEST(ResultsJson, ValidatesAgainstTheDocumentedSchema) {
  const ScenarioResults r = testing::RampResults(std::chrono::minutes(30));
  const std::string dir = ::testing::TempDir() + "/results_json_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/results.json";
  ASSERT_TRUE(WriteResultsJson(r, path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ifstream in(path);
  const json back = json::parse(in);
  EXPECT_EQ(back, ResultsJson(r));
  // python3-jsonschema (Debian) is in scripts/bootstrap's list; without it, skip the schema part.
  const std::string schema = std::string(FORESCALE_SOURCE_DIR) + "/docs/results-schema.json";
  if (std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-jsonschema not installed (scripts/bootstrap installs it)";
  }
  const std::string cmd =
      "/usr/bin/python3 -c 'import json, sys, jsonschema; "
      "s = json.load(open(sys.argv[1])); jsonschema.Draft202012Validator.check_schema(s); "
      "jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2])))' " +
      schema + " " + path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace forescale::testkit
