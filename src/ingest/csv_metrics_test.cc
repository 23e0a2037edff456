#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

#include "ingest/metric_parsers.h"

namespace forescale::ingest {
namespace {

using std::chrono::hours;

TimePoint At(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

Result<std::vector<MetricSeries>> Parse(std::string_view csv, ParseReport& report,
                                        MetricParseOptions options = {}) {
  return ParseCsvMetrics(csv, options, report);
}

// The data sets are copied into the repository's data/ folder; until then they are read from
// the shared folder they come from.
std::string DataFile(const std::string& relative) {
  const std::string path = std::string(FORESCALE_SOURCE_DIR) + "/data/" + relative;
  return std::filesystem::exists(path) ? path : "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(CsvMetrics, ReadsOneSeriesPerValueColumnNamedByTheHeader) {
  ParseReport report;
  auto series = Parse(
      "timestamp,requests,errors\n"
      "2024-03-01T00:00:00Z,10,1\n"
      "2024-03-01T00:01:00Z,12.5,0\n",
      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].name, "requests");
  EXPECT_EQ((*series)[1].name, "errors");
  EXPECT_TRUE((*series)[0].labels.empty());
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].samples[1].time, At("2024-03-01T00:01:00Z"));
  EXPECT_EQ((*series)[0].samples[1].value, 12.5);
  EXPECT_EQ((*series)[1].samples[0].value, 1);
  EXPECT_EQ(report.lines, 3u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.malformed, 0u);
}

TEST(CsvMetrics, AnOutageColumnMakesTheOtherColumnsMissingWhereItIsOne) {
  ParseReport report;
  auto parsed = Parse(
      "timestamp,requests,bytes,outage\n"
      "2024-01-01T00:00:00Z,10,100,0\n"
      "2024-01-01T00:01:00Z,0,0,1\n"  // an outage written as zeros
      "2024-01-01T00:02:00Z,,,1\n"    // already missing: stays missing, not counted
      "2024-01-01T00:03:00Z,12,120,\n",
      report);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(MaskOutageRows(*parsed), 2u);
  ASSERT_EQ(parsed->size(), 3u);
  for (size_t c = 0; c < 2; ++c) {
    const auto& samples = (*parsed)[c].samples;
    EXPECT_FALSE(std::isnan(samples[0].value)) << c;
    EXPECT_TRUE(std::isnan(samples[1].value)) << c;
    EXPECT_FALSE(std::isnan(samples[3].value)) << c;
  }
  EXPECT_EQ((*parsed)[2].samples[1].value, 1.0);  // the flag column itself is kept

  // A column named outage that holds anything but 0 and 1 is an ordinary series.
  auto counts = Parse("timestamp,requests,outage\n2024-01-01T00:00:00Z,10,3\n", report);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(MaskOutageRows(*counts), 0u);
  EXPECT_EQ((*counts)[0].samples[0].value, 10.0);
}

// Two value columns of one name became one series, the second overwriting the first without a
// word (found by probing).
TEST(CsvMetrics, TwoColumnsOfOneNameAreAnError) {
  ParseReport report;
  auto r = Parse("timestamp,a,a\n2024-01-01T00:00:00Z,1,100\n", report);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("line 1: columns 2 and 3 are both named 'a'"),
            std::string::npos)
      << r.error().message();
}

TEST(CsvMetrics, NaiveTimesTakeTheDefaultOffset) {
  ParseReport report;
  auto series = Parse("time,v\n1995-07-01 00:00:00,1\n1995-07-01T23:59:59,2\n", report,
                      {.default_offset = hours(-4)});
  ASSERT_TRUE(series.has_value()) << series.error().message();
  EXPECT_EQ((*series)[0].samples[0].time, At("1995-07-01T04:00:00Z"));
  EXPECT_EQ((*series)[0].samples[1].time, At("1995-07-02T03:59:59Z"));
}

TEST(CsvMetrics, ExplicitOffsetsIgnoreTheDefaultOne) {
  ParseReport report;
  auto series = Parse(
      "time,v\n"
      "1995-07-01T00:00:00Z,1\n"
      "1995-07-01T02:00:00+02:00,2\n"
      "1995-07-01 00:00:00.250Z,3\n",
      report, {.default_offset = hours(-4)});
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const auto& s = (*series)[0].samples;
  EXPECT_EQ(s[0].time, At("1995-07-01T00:00:00Z"));
  EXPECT_EQ(s[1].time, At("1995-07-01T00:00:00Z"));
  EXPECT_EQ(s[2].time, At("1995-07-01T00:00:00.250Z"));
}

TEST(CsvMetrics, AcceptsUnixSecondsMillisecondsAndClfTimes) {
  ParseReport report;
  auto series = Parse(
      "t,v\n"
      "1438387200,1\n"
      "1438387200250,2\n"
      "[01/Aug/2015:00:00:00 +0000],3\n",
      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const auto& s = (*series)[0].samples;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].time, At("2015-08-01T00:00:00Z"));
  EXPECT_EQ(s[1].time, At("2015-08-01T00:00:00.250Z"));
  EXPECT_EQ(s[2].time, At("2015-08-01T00:00:00Z"));
}

// The fast path caches the day of the previous row; changing days, months and leap years
// must give what the general parser gives, and an impossible date must not slip through.
TEST(CsvMetrics, FastTimePathAgreesWithTheGeneralParserAcrossDays) {
  const char* times[] = {"2023-12-31 23:59:59", "2024-01-01 00:00:00", "2024-01-01 13:14:15",
                         "2024-02-29 12:00:00", "2024-03-01 00:00:60", "1969-12-31 23:59:59"};
  std::string csv = "timestamp,value\n";
  for (const char* t : times) csv += std::string(t) + ",1\n";
  csv += "2023-02-29 00:00:00,1\n2024-01-01 24:00:00,1\n";
  ParseReport report;
  auto series = Parse(csv, report, {.default_offset = hours(2)});
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const auto& s = (*series)[0].samples;
  ASSERT_EQ(s.size(), std::size(times));
  for (size_t i = 0; i < std::size(times); ++i) {
    EXPECT_EQ(s[i].time, *ParseRfc3339(times[i], hours(2))) << times[i];
  }
  EXPECT_EQ(report.malformed, 2u);
  ASSERT_EQ(report.first_malformed.size(), 2u);
  EXPECT_EQ(report.first_malformed[0].line, 8u);
  EXPECT_NE(report.first_malformed[0].reason.find("no such date"), std::string::npos)
      << report.first_malformed[0].reason;
  EXPECT_NE(report.first_malformed[1].reason.find("time out of range"), std::string::npos)
      << report.first_malformed[1].reason;
}

TEST(CsvMetrics, EmptyCellsAndNaNAreGapsThatStillCountAsSamples) {
  ParseReport report;
  auto series = Parse("t,a,b\n1000,,NaN\n2000,nan,4\n3000, 5 ,\n", report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const auto& a = (*series)[0].samples;
  const auto& b = (*series)[1].samples;
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(std::isnan(a[0].value));
  EXPECT_TRUE(std::isnan(a[1].value));
  EXPECT_EQ(a[2].value, 5);
  EXPECT_TRUE(std::isnan(b[0].value));
  EXPECT_EQ(b[1].value, 4);
  EXPECT_TRUE(std::isnan(b[2].value));
  EXPECT_EQ(report.malformed, 0u);
}

TEST(CsvMetrics, ParsesSignsExponentsAndFractions) {
  ParseReport report;
  auto series = Parse("t,v\n1,-3.5\n2,+2\n3,1e3\n4,0.125\n5,123456789012345678\n", report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  const auto& s = (*series)[0].samples;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].value, -3.5);
  EXPECT_EQ(s[1].value, 2);
  EXPECT_EQ(s[2].value, 1000);
  EXPECT_EQ(s[3].value, 0.125);
  EXPECT_EQ(s[4].value, 123456789012345678.0);
}

TEST(CsvMetrics, NonNumericTextAndInfinityMakeTheLineMalformed) {
  ParseReport report;
  auto series = Parse(
      "timestamp,requests\n"
      "1000,12\n"
      "2000,twelve\n"
      "3000,inf\n"
      "4000,-Infinity\n"
      "5000,1e999\n"
      "6000,12abc\n"
      "7000,13\n",
      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].samples[1].value, 13);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.malformed, 5u);
  ASSERT_EQ(report.first_malformed.size(), 5u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_EQ(report.first_malformed[0].reason, "column 'requests': not a number 'twelve'");
  EXPECT_EQ(report.first_malformed[1].reason, "column 'requests': infinite value 'inf' not stored");
  EXPECT_EQ(report.first_malformed[2].line, 5u);
  EXPECT_NE(report.first_malformed[3].reason.find("out of range '1e999'"), std::string::npos);
  EXPECT_EQ(report.first_malformed[4].reason, "column 'requests': not a number '12abc'");
}

TEST(CsvMetrics, BadTextInAReasonIsTruncatedAndMadePrintable) {
  ParseReport report;
  const std::string long_text(100, 'x');
  auto series = Parse("t,v\n1,1\n2," + long_text + "\n3,a\tb\x01\xff\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(report.first_malformed.size(), 2u);
  EXPECT_EQ(report.first_malformed[0].reason,
            "column 'v': not a number '" + std::string(40, 'x') + "...'");
  EXPECT_EQ(report.first_malformed[1].reason, "column 'v': not a number 'a\\x09b\\x01\\xff'");
}

TEST(CsvMetrics, BadTimeNamesTheTimeColumn) {
  ParseReport report;
  auto series = Parse("when,v\n1,1\nyesterday,2\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(report.first_malformed.size(), 1u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_TRUE(report.first_malformed[0].reason.starts_with("column 'when': bad timestamp"))
      << report.first_malformed[0].reason;
}

TEST(CsvMetrics, WrongColumnCountIsMalformed) {
  ParseReport report;
  auto series = Parse("t,a,b\n1,1,1\n2,2\n3,3,3,3\n4,4,4,\n5,5,5\n", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ(report.malformed, 3u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_EQ(report.first_malformed[0].reason, "expected 3 columns, found 2");
  EXPECT_EQ(report.first_malformed[1].reason, "expected 3 columns, found 4");
}

TEST(CsvMetrics, QuotedFieldsFollowRfc4180) {
  ParseReport report;
  auto series = Parse(
      "\"timestamp\",\" requests \",\"say \"\"hi\"\"\",\"multi\nline\"\n"
      "\"2024-01-01 00:00:00\",\"1,5\",\"2\",3\n"
      "2024-01-01 00:01:00,\"7\" ,8,\"\"\n",
      report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 3u);
  EXPECT_EQ((*series)[0].name, "requests");
  EXPECT_EQ((*series)[1].name, "say \"hi\"");
  EXPECT_EQ((*series)[2].name, "multi\nline");
  // "1,5" is one field (and not a number): that cell is missing, the row's other cells stay
  // (a bad cell used to drop its whole row, good values with it); the second row is fine.
  EXPECT_EQ(report.malformed, 0u);
  ASSERT_EQ(report.recovered, 1u);
  EXPECT_EQ(report.first_recovered[0].line, 3u);
  EXPECT_EQ(report.first_recovered[0].reason,
            "column 'requests': not a number '1,5': stored as missing");
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_TRUE(std::isnan((*series)[0].samples[0].value));
  EXPECT_EQ((*series)[0].samples[1].value, 7);
  EXPECT_EQ((*series)[1].samples[0].value, 2);
  EXPECT_EQ((*series)[1].samples[1].value, 8);
  EXPECT_TRUE(std::isnan((*series)[2].samples[1].value));
  EXPECT_EQ(report.lines, 4u);
}

TEST(CsvMetrics, UnterminatedQuoteLosesOnlyItsOwnLine) {
  ParseReport report;
  auto series = Parse("t,v\n1,1\n2,\"2\n3,3\n4,4\n", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].samples.size(), 3u);
  ASSERT_EQ(report.first_malformed.size(), 1u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_EQ(report.first_malformed[0].reason, "unterminated quoted field");
  EXPECT_EQ(report.lines, 5u);
}

TEST(CsvMetrics, StrayQuoteLosesOnlyItsOwnLineNotTheLinesUpToTheNextQuote) {
  ParseReport report;
  auto series = Parse("t,v\n1,1\n2,\"2\n3,3\n4,\"4\"\n5,5\n", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].samples.size(), 4u);
  ASSERT_EQ(report.first_malformed.size(), 1u);
  EXPECT_EQ(report.first_malformed[0].line, 3u);
  EXPECT_EQ(report.first_malformed[0].reason, "text after a closing quote");
  EXPECT_EQ(report.lines, 6u);
}

TEST(CsvMetrics, TextAfterAClosingQuoteIsMalformed) {
  ParseReport report;
  auto series = Parse("t,v\n1,\"2\"x\n3,3\n", report);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(report.first_malformed.size(), 1u);
  EXPECT_EQ(report.first_malformed[0].reason, "text after a closing quote");
}

TEST(CsvMetrics, HandlesCrlfBlankLinesAndAByteOrderMark) {
  ParseReport report;
  auto series = Parse("\xEF\xBB\xBFtimestamp,value\r\n\r\n1000,1\r\n  \r\n2000,2\r\n\n", report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  EXPECT_EQ((*series)[0].name, "value");
  ASSERT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ((*series)[0].samples[1].value, 2);
  EXPECT_EQ(report.lines, 6u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.malformed, 0u);
}

TEST(CsvMetrics, LastLineWithoutNewlineIsRead) {
  ParseReport report;
  auto series = Parse("t,v\n1,1\n2,2", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].samples.size(), 2u);
  EXPECT_EQ(report.lines, 3u);
}

TEST(CsvMetrics, UnnamedColumnsGetAPositionalName) {
  ParseReport report;
  auto series = Parse("t,,b\n1,2,3\n", report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].name, "column2");
  EXPECT_EQ((*series)[1].name, "b");
}

TEST(CsvMetrics, FileWithoutHeaderIsAnError) {
  ParseReport report;
  auto series = Parse("1995-07-01 00:00:00,42\n1995-07-01 00:01:00,61\n", report);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(), "line 1: expected a header row such as timestamp,value");
}

TEST(CsvMetrics, HeaderWithoutValueColumnIsAnError) {
  ParseReport report;
  auto series = Parse("timestamp\n1000\n", report);
  ASSERT_FALSE(series.has_value());
  EXPECT_NE(series.error().message().find("line 1: the header names no value column"),
            std::string::npos);
}

TEST(CsvMetrics, NoUsableRowsIsAnError) {
  for (std::string_view csv :
       {"", "\xEF\xBB\xBF", "\n\n", "timestamp,value\n", "timestamp,value\n\n \n"}) {
    ParseReport report;
    auto series = Parse(csv, report);
    ASSERT_FALSE(series.has_value()) << csv;
    EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(series.error().message(), "no data rows");
  }
  ParseReport report;
  auto series = Parse("timestamp,value\n1000,x\n", report);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().message(),
            "no data rows (1 malformed; first: line 2: column 'value': not a number 'x')");
}

TEST(CsvMetrics, StrictModeReturnsTheFirstMalformedLine) {
  ParseReport report;
  auto series = Parse("t,v\n1,1\n2,2,2\n3,x\n", report, {.strict = true});
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(series.error().message(), "line 3: expected 2 columns, found 3");
}

TEST(CsvMetrics, EmbeddedNulBytesAreMalformedNotFatal) {
  ParseReport report;
  constexpr char kRaw[] = "t,v\n1,1\n2,\0\n3\0,3\n";
  const std::string csv(kRaw, sizeof kRaw - 1);
  auto series = Parse(csv, report);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ((*series)[0].samples.size(), 1u);
  EXPECT_EQ(report.malformed, 2u);
  EXPECT_EQ(report.first_malformed[0].reason, "column 'v': not a number '\\x00'");
}

// A small stand-in for the fuzz target: arbitrary bytes and mutations of a valid file must
// give a value or an error, never a crash (this suite runs under ASan/UBSan).
TEST(CsvMetrics, SurvivesArbitraryBytes) {
  std::mt19937 rng(7);
  const std::string seed = "timestamp,a,\"b\"\n1995-07-01 00:00:00,1,\"2\"\r\n1000,NaN,\n";
  for (int round = 0; round < 3000; ++round) {
    std::string input = seed;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (input.size() + 1);
      const char byte = "\",\n\r\0 9-:.eE+\xEF"[rng() % 15];
      if (rng() % 2 == 0 && at < input.size())
        input[at] = byte;
      else
        input.insert(at, 1, byte);
    }
    if (round % 10 == 0) {
      input.resize(rng() % 64);
      for (char& c : input) c = static_cast<char>(rng());
    }
    ParseReport report;
    auto lenient = ParseCsvMetrics(input, {}, report);
    ParseReport strict_report;
    auto strict = ParseCsvMetrics(input, {.strict = true}, strict_report);
    if (lenient) {
      EXPECT_GT(report.records, 0u);
    }
  }
}

TEST(CsvMetrics, ReadsTheNasaPerMinuteFile) {
  const std::string path = DataFile("nasa_http/nasa_ksc_requests_per_minute.csv");
  if (path.empty()) GTEST_SKIP() << "nasa_ksc_requests_per_minute.csv not available";
  const std::string content = ReadAll(path);
  ParseReport report;
  auto series = ParseCsvMetrics(content, {.default_offset = hours(-4)}, report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].name, "requests");
  EXPECT_EQ((*series)[1].name, "outage");
  EXPECT_EQ((*series)[0].samples.size(), 84334u);
  EXPECT_EQ((*series)[1].samples.size(), 84334u);
  EXPECT_EQ((*series)[0].samples.front().time, At("1995-07-01T04:00:00Z"));
  EXPECT_EQ((*series)[0].samples.front().value, 42);
  EXPECT_EQ((*series)[0].samples.back().time, At("1995-09-01T04:00:00Z"));
  EXPECT_EQ(report.lines, 84335u);
  EXPECT_EQ(report.records, 84334u);
  EXPECT_EQ(report.malformed, 0u);
}

TEST(CsvMetrics, ReadsTheNabNycTaxiFile) {
  const std::string path = DataFile("nab/realKnownCause/nyc_taxi.csv");
  if (path.empty()) GTEST_SKIP() << "nyc_taxi.csv not available";
  ParseReport report;
  auto series = ParseCsvMetrics(ReadAll(path), {}, report);
  ASSERT_TRUE(series.has_value()) << series.error().message();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].name, "value");
  ASSERT_EQ((*series)[0].samples.size(), 10320u);
  EXPECT_EQ((*series)[0].samples[0].time, At("2014-07-01T00:00:00Z"));
  EXPECT_EQ((*series)[0].samples[0].value, 10844);
  EXPECT_EQ((*series)[0].samples[1].time - (*series)[0].samples[0].time, std::chrono::minutes(30));
  EXPECT_EQ(report.malformed, 0u);
}

}  // namespace
}  // namespace forescale::ingest
