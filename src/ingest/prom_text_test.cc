#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <string_view>

#include "ingest/metric_parsers.h"

namespace forescale::ingest {
namespace {

TimePoint Ms(int64_t ms) { return TimePoint{Duration{ms}}; }

const TimePoint kScrapeTime = Ms(1700000000000);

Result<std::vector<MetricSeries>> Parse(std::string_view text, ParseReport& report,
                                        MetricParseOptions options = {
                                            .default_time = kScrapeTime}) {
  return ParsePromText(text, options, report);
}

// Shaped like a real /metrics page: HELP/TYPE, a counter with two label sets, a gauge with
// timestamps, a histogram and a summary.
constexpr std::string_view kExposition =
    R"(# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# A plain comment, not HELP or TYPE.
# HELP queue_depth Items waiting.
# TYPE queue_depth gauge
queue_depth 12
queue_depth 15.5 1395066364000

# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.99"} NaN
rpc_duration_seconds_count 2693
)";

TEST(PromText, ReadsAnExpositionGroupedBySeriesInFirstSeenOrder) {
  ParseReport report;
  auto series = Parse(kExposition, report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 10u);
  EXPECT_EQ((*series)[0].name, "http_requests_total");
  EXPECT_EQ((*series)[0].labels, (Labels{{"code", "200"}, {"method", "post"}}));
  EXPECT_EQ((*series)[0].samples[0].time, Ms(1395066363000));
  EXPECT_EQ((*series)[0].samples[0].value, 1027);
  EXPECT_EQ((*series)[1].labels.at("code"), "400");
  EXPECT_EQ((*series)[1].samples[0].value, 3);

  const MetricSeries& depth = (*series)[2];
  EXPECT_EQ(depth.name, "queue_depth");
  ASSERT_EQ(depth.samples.size(), 2u);
  EXPECT_EQ(depth.samples[0].time, kScrapeTime);  // no timestamp: the scrape time
  EXPECT_EQ(depth.samples[1].time, Ms(1395066364000));
  EXPECT_EQ(depth.samples[1].value, 15.5);

  EXPECT_EQ(report.lines, 21u);
  EXPECT_EQ(report.records, 11u);
  EXPECT_EQ(report.malformed, 0u);
}

TEST(PromText, HistogramBucketsKeepTheirLeLabelIncludingPlusInf) {
  ParseReport report;
  auto series = Parse(kExposition, report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const MetricSeries& inf_bucket = (*series)[5];
  EXPECT_EQ(inf_bucket.name, "http_request_duration_seconds_bucket");
  EXPECT_EQ(inf_bucket.labels, (Labels{{"le", "+Inf"}}));
  EXPECT_EQ(inf_bucket.samples[0].value, 144320);
  EXPECT_EQ((*series)[6].name, "http_request_duration_seconds_sum");
  EXPECT_EQ((*series)[8].labels.at("quantile"), "0.99");
  EXPECT_TRUE(std::isnan((*series)[8].samples[0].value));
}

TEST(PromText, UnescapesLabelValuesAndToleratesTrailingCommaAndSpaces) {
  ParseReport report;
  auto series = Parse(
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "  spaced { a = \"1\" , b=\"x y\", }\t 7 \t 123 \r\n"
      "empty{} -0.5\n",
      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 3u);
  EXPECT_EQ((*series)[0].labels.at("path"), "C:\\DIR\\FILE.TXT");
  EXPECT_EQ((*series)[0].labels.at("error"), "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ((*series)[0].samples[0].value, 1.458255915e9);
  EXPECT_EQ((*series)[1].name, "spaced");
  EXPECT_EQ((*series)[1].labels, (Labels{{"a", "1"}, {"b", "x y"}}));
  EXPECT_EQ((*series)[1].samples[0].time, Ms(123));
  EXPECT_EQ((*series)[1].samples[0].value, 7);
  EXPECT_TRUE((*series)[2].labels.empty());
  EXPECT_EQ((*series)[2].samples[0].value, -0.5);
  EXPECT_EQ(report.malformed, 0u);
}

TEST(PromText, SameLabelsInAnotherOrderAreOneSeries) {
  ParseReport report;
  auto series = Parse("m{a=\"1\",b=\"2\"} 1 1000\nm{b=\"2\",a=\"1\"} 2 2000\nm 3\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].samples[1].value, 2);
}

TEST(PromText, InfiniteValuesAreNotStored) {
  ParseReport report;
  auto series = Parse("a 1\nb +Inf\nc -Inf\nd{le=\"+Inf\"} 4\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[1].name, "d");
  EXPECT_EQ(report.malformed, 2u);
  EXPECT_EQ(report.first_malformed[0].line, 2u);
  EXPECT_EQ(report.first_malformed[0].reason, "infinite value not stored");
  EXPECT_EQ(report.first_malformed[1].line, 3u);
}

TEST(PromText, MalformedLinesAreCountedWithTheirReason) {
  struct Case {
    std::string_view line;
    std::string_view reason;
  };
  const Case cases[] = {
      {"9lives 1", "expected a metric name, found '9lives 1'"},
      {"http-requests 1", "bad character '-' in metric name after 'http'"},
      {"m{a=\"1\" 1", "expected ',' or '}' at '1'"},
      {"m{a=\"1", "label value without a closing quote (label 'a')"},
      {"m{a=\"\\t\"} 1", "unknown escape \\t in a label value (label 'a')"},
      {"m{a=1} 1", "value of label 'a' is not quoted"},
      {"m{a=\"1\",a=\"2\"} 1", "duplicate label 'a'"},
      {"m{1a=\"1\"} 1", "bad label name at '1a=\"1\"} 1'"},
      {"m{a=\"1\"", "label set without a closing '}'"},
      {"m", "missing value for 'm'"},
      {"m one", "bad value 'one'"},
      {"m 1 1.5", "bad timestamp '1.5' (expected integer milliseconds)"},
      {"m 1 99999999999999999999",
       "bad timestamp '99999999999999999999' (expected integer "
       "milliseconds)"},
      {"m 1 999999999999999999", "timestamp out of range '999999999999999999'"},
      {"m 1 2 3", "unexpected text after the sample: '3'"},
      {"# TYPE m countr", "unknown metric type 'countr'"},
      {"# TYPE m", "TYPE line for 'm' without a type"},
      {"# TYPE 1m gauge", "TYPE line with a bad metric name '1m'"},
      {"# TYPE m gauge extra", "unexpected text after the type: 'extra'"},
      {"# HELP bad-name text", "HELP line with a bad metric name 'bad-name'"},
  };
  for (const Case& c : cases) {
    ParseReport report;
    auto series = Parse("ok 1\n" + std::string(c.line) + "\n", report);
    ASSERT_TRUE(series.has_value()) << c.line;
    ASSERT_EQ(report.malformed, 1u) << c.line;
    EXPECT_EQ(report.first_malformed[0].line, 2u);
    EXPECT_EQ(report.first_malformed[0].reason, c.reason) << c.line;
  }
}

TEST(PromText, ASecondTypeLineForOneNameIsMalformed) {
  ParseReport report;
  auto series = Parse("# TYPE m gauge\nm 1\n# TYPE m counter\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(report.first_malformed.size(), 1u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_EQ(report.first_malformed[0].reason, "second TYPE line for 'm'");
}

TEST(PromText, CommentsOtherThanHelpAndTypeAreIgnored) {
  ParseReport report;
  auto series = Parse("#\n# EOF\n# TYPES of things\n  # indented\nm 1\n", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(report.malformed, 0u);
  EXPECT_EQ(report.records, 1u);
  EXPECT_EQ(report.lines, 5u);
}

TEST(PromText, StrictModeReturnsTheFirstBadLine) {
  ParseReport report;
  auto series = Parse("m 1\nm{le=\"+Inf\"} +Inf\nm 2\n", report,
                      {.strict = true, .default_time = kScrapeTime});
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(), "line 2: infinite value not stored");
}

TEST(PromText, NoSamplesIsAnError) {
  ParseReport report;
  auto series = Parse("# HELP m nothing\n# TYPE m gauge\n\n", report);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(), "no samples in the text exposition");

  ParseReport bad_report;
  auto bad = Parse("m +Inf\n", bad_report);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(),
            "no samples in the text exposition (1 malformed; first: line 1: infinite value not "
            "stored)");
}

TEST(PromText, EmbeddedNulAndBinaryBytesAreMalformedNotFatal) {
  ParseReport report;
  constexpr char kRaw[] = "m 1\nm\0 2\nm{a=\"\0\"} 3\n\xff\xfe 4\n";
  const std::string text(kRaw, sizeof kRaw - 1);
  auto series = Parse(text, report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(report.records, 2u);  // a NUL inside a quoted label value is just a byte
  EXPECT_EQ(report.malformed, 2u);
  EXPECT_EQ(report.first_malformed[0].reason, "bad character '\\x00' in metric name after 'm'");
  EXPECT_EQ(report.first_malformed[1].reason, "expected a metric name, found '\\xff\\xfe 4'");
}

TEST(PromText, SurvivesArbitraryBytes) {
  std::mt19937 rng(5);
  const std::string seed(kExposition);
  for (int round = 0; round < 2000; ++round) {
    std::string input = seed;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (input.size() + 1);
      const char byte = "{}\",=\\ \n#9eE+-.\0\xff"[rng() % 18];
      if (rng() % 2 == 0 && at < input.size())
        input[at] = byte;
      else
        input.insert(at, 1, byte);
    }
    if (round % 10 == 0) input.resize(rng() % input.size());
    ParseReport report;
    (void)ParsePromText(input, {}, report);
    ParseReport strict_report;
    (void)ParsePromText(input, {.strict = true}, strict_report);
  }
}

}  // namespace
}  // namespace forescale::ingest
