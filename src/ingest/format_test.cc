#include "ingest/format.h"

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace forescale::ingest {
namespace {

// The first 4 KiB of a file, as the ingest command hands them to DetectFormat.
std::string HeadOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

TEST(DetectFormat, RecognisesNasaSampleAsCommonLogFormat) {
  const std::string head =
      HeadOf(FORESCALE_SOURCE_DIR "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log");
  ASSERT_FALSE(head.empty());
  auto format = DetectFormat(head);
  ASSERT_TRUE(format.has_value()) << format.error().message();
  EXPECT_EQ(*format, Format::kClf);
}

TEST(DetectFormat, RecognisesApacheSampleAsCombined) {
  const std::string head =
      HeadOf(FORESCALE_SOURCE_DIR "/data/apache_access_logs/elastic_examples_apache_logs.log");
  ASSERT_FALSE(head.empty());
  auto format = DetectFormat(head);
  ASSERT_TRUE(format.has_value()) << format.error().message();
  EXPECT_EQ(*format, Format::kCombined);
}

TEST(DetectFormat, RecognisesAccessLogAfterByteOrderMarkAndBlankLines) {
  auto format = DetectFormat(
      "\xEF\xBB\xBF\r\n\n192.0.2.1 - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 1\r\n");
  ASSERT_TRUE(format.has_value()) << format.error().message();
  EXPECT_EQ(*format, Format::kClf);
}

TEST(DetectFormat, AccessLogWithNameLikeHostIsNotPrometheusText) {
  // "::1", "localhost" and "fe80::1" are shaped like metric names and are followed by the "-"
  // ident field, which is not a sample value.
  for (const char* line :
       {"::1 - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.1\" 200 45\n",
        "localhost - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.1\" 200 45\n",
        "fe80::1 - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.1\" 200 45 \"-\" \"curl/8\"\n"}) {
    auto format = DetectFormat(line);
    ASSERT_TRUE(format.has_value()) << format.error().message();
    EXPECT_TRUE(IsAccessLog(*format)) << line << " -> " << FormatName(*format);
  }
  auto combined = DetectFormat(
      "fe80::1 - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.1\" 200 45 \"-\" \"curl/8\"\n");
  ASSERT_TRUE(combined.has_value());
  EXPECT_EQ(*combined, Format::kCombined);
}

TEST(DetectFormat, NameFollowedByNonNumberIsNotPrometheusText) {
  for (const char* text : {"status ok\n", "up - 3\n", "metric_name 12abc\n"}) {
    auto format = DetectFormat(text);
    EXPECT_FALSE(format.has_value()) << text << " -> " << FormatName(*format);
  }
}

TEST(DetectFormat, RecognisesCsvByTimeHeader) {
  auto plain = DetectFormat("timestamp,value\n1438387200,3\n");
  ASSERT_TRUE(plain.has_value()) << plain.error().message();
  EXPECT_EQ(*plain, Format::kCsv);
  auto quoted = DetectFormat("\"Time\",\"requests\"\r\n2015-05-17T10:05:03Z,4\r\n");
  ASSERT_TRUE(quoted.has_value()) << quoted.error().message();
  EXPECT_EQ(*quoted, Format::kCsv);
  // A header whose first cell is not a time is not enough.
  EXPECT_FALSE(DetectFormat("host,value\na,1\n").has_value());
}

TEST(DetectFormat, RecognisesPrometheusJsonEvenAfterLeadingWhitespace) {
  auto compact = DetectFormat(R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  ASSERT_TRUE(compact.has_value()) << compact.error().message();
  EXPECT_EQ(*compact, Format::kPromJson);
  auto indented = DetectFormat("  \n\t{\n  \"status\": \"success\"\n}\n");
  ASSERT_TRUE(indented.has_value()) << indented.error().message();
  EXPECT_EQ(*indented, Format::kPromJson);
}

TEST(DetectFormat, RecognisesPrometheusTextByHelpOrTypeComment) {
  auto help = DetectFormat(
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n");
  ASSERT_TRUE(help.has_value()) << help.error().message();
  EXPECT_EQ(*help, Format::kPromText);
  auto type = DetectFormat("# TYPE up gauge\nup 1\n");
  ASSERT_TRUE(type.has_value()) << type.error().message();
  EXPECT_EQ(*type, Format::kPromText);
}

TEST(DetectFormat, RecognisesPrometheusTextByBareSampleLine) {
  for (const char* text : {"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n",
                           "up 1\n", "node_load1 0.42\n", "temperature_celsius -3.5\n",
                           "rpc_duration_seconds{quantile=\"0.99\"} NaN\n",
                           "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n",
                           "free_energy -Inf\n", "gain +Inf\n", "ratio +0.5\n"}) {
    auto format = DetectFormat(text);
    ASSERT_TRUE(format.has_value()) << text << ": " << format.error().message();
    EXPECT_EQ(*format, Format::kPromText) << text;
  }
}

TEST(DetectFormat, BinaryContentIsCorruptNamingTheNulOffset) {
  auto format = DetectFormat(std::string_view("\x1f\x8b\x08\0\0\0", 6));
  ASSERT_FALSE(format.has_value());
  EXPECT_EQ(format.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(format.error().message().find("offset 3"), std::string::npos)
      << format.error().message();
}

TEST(DetectFormat, EmptyOrBlankInputIsAnError) {
  for (std::string_view text : {std::string_view(""), std::string_view("\n\r\n\n")}) {
    auto format = DetectFormat(text);
    ASSERT_FALSE(format.has_value());
    EXPECT_EQ(format.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(format.error().message().find("empty"), std::string::npos)
        << format.error().message();
  }
}

TEST(DetectFormat, GarbageErrorShowsTheLineAndSuggestsFormatFlag) {
  auto format = DetectFormat("hello world, this is not a log\nsecond line\n");
  ASSERT_FALSE(format.has_value());
  EXPECT_EQ(format.error().code(), ErrorCode::kInvalidArgument);
  const std::string& message = format.error().message();
  EXPECT_NE(message.find("'hello world, this is not a log'"), std::string::npos) << message;
  EXPECT_EQ(message.find("second line"), std::string::npos) << message;
  EXPECT_NE(message.find("--format"), std::string::npos) << message;
}

TEST(DetectFormat, GarbageErrorReplacesControlCharactersAndCutsLongLines) {
  const std::string line = "\x01\x02" + std::string(200, 'z');
  auto format = DetectFormat(line);
  ASSERT_FALSE(format.has_value());
  const std::string& message = format.error().message();
  EXPECT_NE(message.find("'??" + std::string(78, 'z') + "'"), std::string::npos) << message;
  EXPECT_EQ(message.find(std::string(79, 'z')), std::string::npos) << message;
}

TEST(ParseFormat, RoundTripsEveryFormatName) {
  for (Format f : {Format::kAuto, Format::kClf, Format::kCombined, Format::kCsv, Format::kPromJson,
                   Format::kPromText}) {
    auto parsed = ParseFormat(FormatName(f));
    ASSERT_TRUE(parsed.has_value()) << FormatName(f) << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, f) << FormatName(f);
  }
  EXPECT_STREQ(FormatName(Format::kPromJson), "prom-json");
  EXPECT_STREQ(FormatName(Format::kCombined), "combined");
}

TEST(ParseFormat, UnknownNameIsInvalidArgumentListingTheFormats) {
  auto parsed = ParseFormat("nginx");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message().find("'nginx'"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("prom-text"), std::string::npos);
  // Names are exact: no case folding.
  EXPECT_FALSE(ParseFormat("CLF").has_value());
  EXPECT_FALSE(ParseFormat("").has_value());
}

TEST(IsAccessLog, OnlyClfAndCombined) {
  EXPECT_TRUE(IsAccessLog(Format::kClf));
  EXPECT_TRUE(IsAccessLog(Format::kCombined));
  EXPECT_FALSE(IsAccessLog(Format::kAuto));
  EXPECT_FALSE(IsAccessLog(Format::kCsv));
  EXPECT_FALSE(IsAccessLog(Format::kPromJson));
  EXPECT_FALSE(IsAccessLog(Format::kPromText));
}

}  // namespace
}  // namespace forescale::ingest
