#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <string_view>

#include "ingest/metric_parsers.h"

namespace forescale::ingest {
namespace {

TimePoint Ms(int64_t ms) { return TimePoint{Duration{ms}}; }

Result<std::vector<MetricSeries>> Parse(std::string_view json, ParseReport& report,
                                        MetricParseOptions options = {}) {
  return ParsePromJson(json, options, report);
}

// As returned by /api/v1/query_range?query=rate(http_requests_total[5m])&step=60.
constexpr std::string_view kMatrix = R"({
  "status": "success",
  "data": {
    "resultType": "matrix",
    "result": [
      {
        "metric": {"__name__": "http_requests_total", "job": "api", "code": "200"},
        "values": [[1700000000, "12.5"], [1700000060, "13"], [1700000120.5, "NaN"]]
      },
      {
        "metric": {"__name__": "http_requests_total", "job": "api", "code": "500"},
        "values": [[1700000000, "0.25"], [1700000060, "0"]]
      }
    ]
  }
})";

TEST(PromJson, ReadsAMatrixWithOneSeriesPerResult) {
  ParseReport report;
  auto series = Parse(kMatrix, report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 2u);
  const MetricSeries& ok = (*series)[0];
  EXPECT_EQ(ok.name, "http_requests_total");
  EXPECT_EQ(ok.labels, (Labels{{"code", "200"}, {"job", "api"}}));
  ASSERT_EQ(ok.samples.size(), 3u);
  EXPECT_EQ(ok.samples[0].time, Ms(1700000000000));
  EXPECT_EQ(ok.samples[0].value, 12.5);
  EXPECT_EQ(ok.samples[2].time, Ms(1700000120500));
  EXPECT_TRUE(std::isnan(ok.samples[2].value));
  EXPECT_EQ((*series)[1].labels.at("code"), "500");
  EXPECT_EQ((*series)[1].samples[0].value, 0.25);
  EXPECT_EQ(report.records, 5u);
  EXPECT_EQ(report.malformed, 0u);
  EXPECT_EQ(report.lines, 16u);
}

TEST(PromJson, AcceptsTheBareDataObject) {
  ParseReport report;
  auto series =
      Parse(R"({"resultType":"matrix","result":[{"metric":{},"values":[[1.001,"1e3"]]}]})", report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 1u);
  // An aggregation result has no __name__.
  EXPECT_EQ((*series)[0].name, "value");
  EXPECT_TRUE((*series)[0].labels.empty());
  EXPECT_EQ((*series)[0].samples[0].time, Ms(1001));
  EXPECT_EQ((*series)[0].samples[0].value, 1000);
}

TEST(PromJson, ReadsAVector) {
  ParseReport report;
  auto series = Parse(R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"up","instance":"a:9100"},"value":[1700000000.123,"1"]},
      {"metric":{"__name__":"up","instance":"b:9100"},"value":[1700000000.123,"0"]}]}})",
                      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[1].name, "up");
  EXPECT_EQ((*series)[1].labels.at("instance"), "b:9100");
  ASSERT_EQ((*series)[1].samples.size(), 1u);
  EXPECT_EQ((*series)[1].samples[0].time, Ms(1700000000123));
  EXPECT_EQ((*series)[1].samples[0].value, 0);
}

TEST(PromJson, ReadsAScalarAsASeriesNamedScalar) {
  ParseReport report;
  auto series = Parse(
      R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}})", report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].name, "scalar");
  EXPECT_EQ((*series)[0].samples[0].time, Ms(1700000000000));
  EXPECT_EQ((*series)[0].samples[0].value, 42);
}

TEST(PromJson, ErrorResponseBecomesAnErrorWithTypeAndText) {
  ParseReport report;
  auto series = Parse(R"({"status":"error","errorType":"bad_data",
      "error":"invalid parameter \"query\": 1:6: parse error: unexpected end of input"})",
                      report);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(),
            "Prometheus returned an error (bad_data): invalid parameter \"query\": 1:6: parse "
            "error: unexpected end of input");
}

TEST(PromJson, TruncatedJsonNamesLineAndColumn) {
  ParseReport report;
  const std::string truncated(kMatrix.substr(0, kMatrix.find("[1700000060, \"0\"]") + 5));
  auto series = Parse(truncated, report);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(series.error().message().starts_with("line 12, column ")) << series.error().message();
  EXPECT_NE(series.error().message().find("not valid JSON"), std::string::npos);
}

TEST(PromJson, SyntaxErrorPointsAtTheOffendingLine) {
  ParseReport report;
  auto series = Parse("{\n  \"status\": \"success\",\n  \"data\": {,\n}", report);
  ASSERT_FALSE(series.has_value());
  EXPECT_TRUE(series.error().message().starts_with("line 3, column 12: not valid JSON: "))
      << series.error().message();
}

TEST(PromJson, InfinitiesAndBadValuesAreSkippedWithAReason) {
  ParseReport report;
  auto series = Parse(R"({"resultType":"matrix","result":[
      {"metric":{"__name__":"latency_seconds_bucket","le":"+Inf"},
       "values":[[1,"+Inf"],[2,"-Inf"],[3,"five"],[4,"2"],["5","3"],[6],[7,"4"]]}]})",
                      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].labels.at("le"), "+Inf");
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.malformed, 5u);
  ASSERT_EQ(report.first_malformed.size(), 5u);
  EXPECT_EQ(report.first_malformed[0].line, 0u);
  EXPECT_EQ(report.first_malformed[0].reason, "result[0].values[0]: infinite value not stored");
  EXPECT_EQ(report.first_malformed[1].reason, "result[0].values[1]: infinite value not stored");
  EXPECT_EQ(report.first_malformed[2].reason, "result[0].values[2]: not a number 'five'");
  EXPECT_EQ(report.first_malformed[3].reason,
            "result[0].values[4]: time is not unix seconds between the years 1 and 9999");
  EXPECT_EQ(report.first_malformed[4].reason, "result[0].values[5]: expected [time, \"value\"]");
}

TEST(PromJson, NativeHistogramsAreReportedAsUnsupported) {
  ParseReport report;
  auto series = Parse(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"__name__":"rpc_duration_seconds"},
       "histograms":[[1700000000,{"count":"10","sum":"2.5","buckets":[[0,"0.5","1","10"]]}],
                     [1700000060,{"count":"12","sum":"3","buckets":[]}]]},
      {"metric":{"__name__":"up"},"values":[[1700000000,"1"]]}]}})",
                      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].name, "up");
  EXPECT_EQ(report.malformed, 2u);
  EXPECT_EQ(report.first_malformed[0].reason,
            "result[0].histograms[0]: native histograms are not supported");
}

TEST(PromJson, BadLabelsSkipTheWholeSeries) {
  ParseReport report;
  auto series = Parse(R"({"resultType":"vector","result":[
      {"metric":{"__name__":"up","port":9100},"value":[1,"1"]},
      {"metric":{"__name__":"up"},"value":[1,"1"]}, 7]})",
                      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  EXPECT_EQ(series->size(), 1u);
  EXPECT_EQ(report.malformed, 2u);
  EXPECT_EQ(report.first_malformed[0].reason, "result[0].metric: label 'port' is not a string");
  EXPECT_EQ(report.first_malformed[1].reason,
            "result[2]: expected an object with \"metric\" and \"value\"");
}

TEST(PromJson, StrictModeStopsAtTheFirstBadSample) {
  ParseReport report;
  auto series =
      Parse(R"({"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"+Inf"]]}]})",
            report, {.strict = true});
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(), "result[0].values[1]: infinite value not stored");
}

TEST(PromJson, ResponsesWithoutSamplesAreErrors) {
  struct Case {
    std::string_view json;
    std::string_view message;
  };
  const Case cases[] = {
      {R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
       "no samples in the response"},
      {R"({"resultType":"matrix","result":[{"metric":{},"values":[[1,"+Inf"]]}]})",
       "no samples in the response (1 malformed; first: result[0].values[0]: infinite value "
       "not stored)"},
      {R"([1,2,3])", "not a Prometheus query_range response: expected a JSON object"},
      {R"({"foo":1})",
       "not a Prometheus query_range response: expected \"resultType\" and \"result\""},
      {R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})",
       "not a Prometheus query_range response: resultType 'string' holds no samples (expected "
       "matrix, vector or scalar)"},
      {R"({"status":"success"})",
       "not a Prometheus query_range response: \"data\" is missing or not an object"},
      {R"({"status":"success","data":{"resultType":"matrix","result":{}}})",
       "not a Prometheus query_range response: \"result\" of a matrix is not an array"},
  };
  for (const Case& c : cases) {
    ParseReport report;
    auto series = Parse(c.json, report);
    ASSERT_FALSE(series.has_value()) << c.json;
    EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument) << c.json;
    EXPECT_EQ(series.error().message(), c.message);
  }
}

TEST(PromJson, ANumberTooLargeForADoubleIsAnErrorNotACrash) {
  // Found by libFuzzer: nlohmann throws out_of_range, not parse_error, for 6E66...6.
  ParseReport report;
  auto r = ParsePromJson("{\"status\":666666666666666666E666666666666666666666666:6}", {}, report);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("not valid JSON"), std::string::npos) << r.error().message();
}

TEST(PromJson, SurvivesArbitraryBytes) {
  std::mt19937 rng(11);
  const std::string seed(kMatrix);
  for (int round = 0; round < 2000; ++round) {
    std::string input = seed;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (input.size() + 1);
      const char byte = "\"[]{},:0-e.\0\xff"[rng() % 14];
      if (rng() % 2 == 0 && at < input.size())
        input[at] = byte;
      else
        input.insert(at, 1, byte);
    }
    if (round % 10 == 0) input.resize(rng() % input.size());
    ParseReport report;
    (void)ParsePromJson(input, {}, report);
    ParseReport strict_report;
    (void)ParsePromJson(input, {.strict = true}, strict_report);
  }
}

}  // namespace
}  // namespace forescale::ingest
