#include "ingest/access_log.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace forescale::ingest {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TimePoint Utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return TimePoint{sys_days{year{y} / month{m} / day{d}}} + hours{h} + minutes{mi} + seconds{s};
}

constexpr std::string_view kNasaLine =
    "in24.inetnebr.com - - [01/Aug/1995:00:00:01 -0400] "
    "\"GET /shuttle/missions/sts-68/news/sts-68-mcc-05.txt HTTP/1.0\" 200 1839";

constexpr std::string_view kCombinedLine =
    "83.149.9.216 - - [17/May/2015:10:05:03 +0000] "
    "\"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1\" 200 203023 "
    "\"http://semicomplete.com/presentations/logstash-monitorama-2013/\" "
    "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/32.0.1700.77 Safari/537.36\"";

// A line with the given [time] field content and everything else fixed.
std::string LineAt(std::string_view time) {
  return "h - - [" + std::string(time) + "] \"GET /a HTTP/1.0\" 200 1";
}

struct Parsed {
  LineVerdict verdict;
  AccessRecord record;
};

Parsed ParseOne(std::string_view line, AccessLogOptions options = {}) {
  AccessLogParser parser(options);
  Parsed p;
  p.verdict = parser.Parse(line, p.record);
  return p;
}

double DurationOf(std::string_view line, AccessLogOptions options = {}) {
  const Parsed p = ParseOne(line, options);
  EXPECT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  return p.record.duration_s;
}

TEST(AccessLogParser, ParsesCommonLogFormatLine) {
  const Parsed p = ParseOne(kNasaLine);
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.verdict.recovered, nullptr);
  // 00:00:01 at -0400 is 04:00:01 UTC.
  EXPECT_EQ(p.record.time, Utc(1995, 8, 1, 4, 0, 1));
  EXPECT_EQ(p.record.method, "GET");
  EXPECT_EQ(p.record.target, "/shuttle/missions/sts-68/news/sts-68-mcc-05.txt");
  EXPECT_EQ(p.record.status, 200);
  EXPECT_EQ(p.record.bytes, 1839);
  EXPECT_TRUE(std::isnan(p.record.duration_s));
}

TEST(AccessLogParser, ParsesCombinedLineAndIgnoresReferrerAndUserAgent) {
  const Parsed p = ParseOne(kCombinedLine);
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.verdict.recovered, nullptr);
  EXPECT_EQ(p.record.time, Utc(2015, 5, 17, 10, 5, 3));
  EXPECT_EQ(p.record.method, "GET");
  EXPECT_EQ(p.record.target,
            "/presentations/logstash-monitorama-2013/images/kibana-search.png");
  EXPECT_EQ(p.record.status, 200);
  EXPECT_EQ(p.record.bytes, 203023);
  // The user agent ends in "537.36": it must not be taken for a request time.
  EXPECT_TRUE(std::isnan(p.record.duration_s));
}

TEST(AccessLogParser, PositiveZoneOffsetIsSubtracted) {
  const Parsed p = ParseOne(LineAt("10/Oct/2000:13:55:36 +0230"));
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.time, Utc(2000, 10, 10, 11, 25, 36));
}

TEST(AccessLogParser, ParsesCombinedLineWithNginxRequestTimeInSeconds) {
  EXPECT_DOUBLE_EQ(DurationOf(std::string(kCombinedLine) + " 0.123"), 0.123);
}

TEST(AccessLogParser, ParsesCommonLogFormatLineWithRequestTime) {
  const Parsed p = ParseOne(std::string(kNasaLine) + " 0.5");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.bytes, 1839);
  EXPECT_DOUBLE_EQ(p.record.duration_s, 0.5);
}

TEST(AccessLogParser, AutoModeReadsIntegerRequestTimeAsApacheMicroseconds) {
  EXPECT_DOUBLE_EQ(DurationOf(std::string(kCombinedLine) + " 123456"), 0.123456);
  EXPECT_DOUBLE_EQ(DurationOf(std::string(kNasaLine) + " 2000000"), 2.0);
}

TEST(AccessLogParser, ExplicitRequestTimeUnitsOverrideAutoDetection) {
  const std::string line = std::string(kCombinedLine) + " 250";
  EXPECT_DOUBLE_EQ(DurationOf(line, {.request_time_unit = RequestTimeUnit::kSeconds}), 250.0);
  EXPECT_DOUBLE_EQ(DurationOf(line, {.request_time_unit = RequestTimeUnit::kMilliseconds}), 0.25);
  EXPECT_DOUBLE_EQ(DurationOf(line, {.request_time_unit = RequestTimeUnit::kMicroseconds}),
                   0.00025);
  // A decimal point does not switch an explicit unit back to seconds.
  EXPECT_DOUBLE_EQ(
      DurationOf(std::string(kCombinedLine) + " 1.5",
                 {.request_time_unit = RequestTimeUnit::kMilliseconds}),
      0.0015);
}

TEST(AccessLogParser, NonNumericOrNegativeTrailingFieldIsNoRequestTime) {
  EXPECT_TRUE(std::isnan(DurationOf(std::string(kCombinedLine) + " \"-\"")));
  EXPECT_TRUE(std::isnan(DurationOf(std::string(kCombinedLine) + " -1")));
  EXPECT_TRUE(std::isnan(DurationOf(std::string(kCombinedLine) + " inf")));
  EXPECT_TRUE(std::isnan(DurationOf(std::string(kNasaLine) + " abc")));
}

TEST(AccessLogParser, RequestTimeSurvivesTrailingSpacesAndCarriageReturn) {
  EXPECT_DOUBLE_EQ(DurationOf(std::string(kCombinedLine) + " 0.250 \r"), 0.25);
}

TEST(AccessLogParser, ParsesRequestWithoutProtocol) {
  const Parsed p =
      ParseOne("piweba3y.prodigy.com - - [01/Aug/1995:00:00:12 -0400] \"GET /ksc.html\" 200 7074");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.method, "GET");
  EXPECT_EQ(p.record.target, "/ksc.html");
  EXPECT_EQ(p.record.status, 200);
  EXPECT_EQ(p.record.bytes, 7074);
}

TEST(AccessLogParser, ByteCountDashIsMinusOne) {
  const Parsed p = ParseOne(
      "h - - [01/Aug/1995:00:00:12 -0400] \"GET /images/ HTTP/1.0\" 304 - \"-\" \"curl/7.0\" 0.001");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.status, 304);
  EXPECT_EQ(p.record.bytes, -1);
  EXPECT_DOUBLE_EQ(p.record.duration_s, 0.001);
}

TEST(AccessLogParser, JunkRequestIsCountedWithEmptyMethodAndTarget) {
  AccessLogParser parser;
  AccessRecord record;
  // A normal line first: the junk line must clear what it left in the record.
  ASSERT_EQ(parser.Parse(kNasaLine, record).error, nullptr);
  const LineVerdict v =
      parser.Parse("10.0.0.1 - - [01/Aug/1995:00:00:13 -0400] \"-\" 400 0 \"-\" \"-\"", record);
  ASSERT_EQ(v.error, nullptr) << v.error;
  EXPECT_EQ(v.recovered, nullptr);
  EXPECT_TRUE(record.method.empty());
  EXPECT_TRUE(record.target.empty());
  EXPECT_EQ(record.status, 400);
  EXPECT_EQ(record.bytes, 0);
  EXPECT_EQ(record.time, Utc(1995, 8, 1, 4, 0, 13));

  // TLS bytes sent to a plain-HTTP port: no space, so no method either.
  const LineVerdict tls = parser.Parse(
      "10.0.0.1 - - [01/Aug/1995:00:00:14 -0400] \"\\x16\\x03\\x01\\x00\" 400 166", record);
  ASSERT_EQ(tls.error, nullptr) << tls.error;
  EXPECT_TRUE(record.method.empty());
  EXPECT_TRUE(record.target.empty());
}

TEST(AccessLogParser, EscapedQuoteInsideRequestDoesNotEndIt) {
  const Parsed p = ParseOne(
      "h - - [01/Aug/1995:00:00:12 -0400] \"GET /search?q=\\\"x\\\" HTTP/1.1\" 404 12 \"-\" \"ua\"");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.method, "GET");
  EXPECT_EQ(p.record.target, "/search?q=\\\"x\\\"");
  EXPECT_EQ(p.record.status, 404);
  EXPECT_EQ(p.record.bytes, 12);
}

TEST(AccessLogParser, EscapedBackslashBeforeClosingQuoteEndsRequest) {
  // "\\" is an escaped backslash, so the quote after it closes the request.
  const Parsed p = ParseOne("h - - [01/Aug/1995:00:00:12 -0400] \"GET /a\\\\\" 200 5");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.target, "/a\\\\");
  EXPECT_EQ(p.record.status, 200);
  EXPECT_EQ(p.record.bytes, 5);
}

TEST(AccessLogParser, TruncatedUserAgentIsRecoveredWithReason) {
  const Parsed p = ParseOne(
      "46.118.127.106 - - [20/May/2015:12:05:17 +0000] \"GET /scripts/grok-py-test/configlib.py "
      "HTTP/1.1\" 200 235 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; "
      "+http://www.google.com/bot.html");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  ASSERT_NE(p.verdict.recovered, nullptr);
  EXPECT_NE(std::string_view(p.verdict.recovered).find("user agent"), std::string_view::npos)
      << p.verdict.recovered;
  EXPECT_EQ(p.record.time, Utc(2015, 5, 20, 12, 5, 17));
  EXPECT_EQ(p.record.target, "/scripts/grok-py-test/configlib.py");
  EXPECT_EQ(p.record.status, 200);
  EXPECT_EQ(p.record.bytes, 235);
  EXPECT_TRUE(std::isnan(p.record.duration_s));
}

TEST(AccessLogParser, TruncatedReferrerIsRecoveredWithReason) {
  const Parsed p =
      ParseOne("h - - [01/Aug/1995:00:00:12 -0400] \"GET /a HTTP/1.1\" 200 5 \"http://ref.example/");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  ASSERT_NE(p.verdict.recovered, nullptr);
  EXPECT_NE(std::string_view(p.verdict.recovered).find("referrer"), std::string_view::npos)
      << p.verdict.recovered;
  EXPECT_EQ(p.record.bytes, 5);
}

TEST(AccessLogParser, RejectsUnknownMonth) {
  EXPECT_NE(ParseOne(LineAt("01/Auh/1995:00:00:01 -0400")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("01/aug/1995:00:00:01 -0400")).verdict.error, nullptr);
}

TEST(AccessLogParser, RejectsDayThatTheMonthDoesNotHave) {
  EXPECT_NE(ParseOne(LineAt("31/Feb/1995:00:00:01 -0400")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("31/Apr/1995:00:00:01 -0400")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("00/Jan/1995:00:00:01 -0400")).verdict.error, nullptr);
  // 29 February only in leap years (1900 is not one, 2000 is).
  EXPECT_NE(ParseOne(LineAt("29/Feb/1995:00:00:01 +0000")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("29/Feb/1900:00:00:01 +0000")).verdict.error, nullptr);
  const Parsed leap = ParseOne(LineAt("29/Feb/2000:00:00:01 +0000"));
  ASSERT_EQ(leap.verdict.error, nullptr) << leap.verdict.error;
  EXPECT_EQ(leap.record.time, Utc(2000, 2, 29, 0, 0, 1));
}

TEST(AccessLogParser, RejectsOutOfRangeClockFields) {
  EXPECT_NE(ParseOne(LineAt("01/Aug/1995:24:00:00 +0000")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("01/Aug/1995:00:60:00 +0000")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("01/Aug/1995:00:00:61 +0000")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("01/Aug/1995:00:00:00 +2400")).verdict.error, nullptr);
  EXPECT_NE(ParseOne(LineAt("01/Aug/1995:00:00:00 0400")).verdict.error, nullptr);
}

TEST(AccessLogParser, RejectsNonNumericAndOutOfRangeStatus) {
  const std::string prefix = "h - - [01/Aug/1995:00:00:01 -0400] \"GET /a HTTP/1.0\" ";
  EXPECT_NE(ParseOne(prefix + "abc 12").verdict.error, nullptr);
  EXPECT_NE(ParseOne(prefix + "700 12").verdict.error, nullptr);
  EXPECT_NE(ParseOne(prefix + "099 12").verdict.error, nullptr);
  EXPECT_NE(ParseOne(prefix + "2000 12").verdict.error, nullptr);
  // A status with no size after it is not a complete line either.
  EXPECT_NE(ParseOne(prefix + "200").verdict.error, nullptr);
  // The boundaries of the accepted range.
  EXPECT_EQ(ParseOne(prefix + "100 0").record.status, 100);
  EXPECT_EQ(ParseOne(prefix + "599 0").record.status, 599);
}

TEST(AccessLogParser, RejectsBadResponseSize) {
  const std::string prefix = "h - - [01/Aug/1995:00:00:01 -0400] \"GET /a HTTP/1.0\" 200 ";
  EXPECT_NE(ParseOne(prefix + "12a").verdict.error, nullptr);
  EXPECT_NE(ParseOne(prefix + "x").verdict.error, nullptr);
  EXPECT_NE(ParseOne(prefix + "99999999999999999999").verdict.error, nullptr);
}

TEST(AccessLogParser, RejectsLineWithoutTimeField) {
  const Parsed p = ParseOne("h - - \"GET /a HTTP/1.0\" 200 1");
  ASSERT_NE(p.verdict.error, nullptr);
  EXPECT_NE(std::string_view(p.verdict.error).find("[time]"), std::string_view::npos)
      << p.verdict.error;
}

TEST(AccessLogParser, RejectsTruncatedTimeFieldAndMissingRequest) {
  EXPECT_NE(ParseOne("h - - [01/Aug/1995:00:00:01 -0400").verdict.error, nullptr);
  EXPECT_NE(ParseOne("h - - [01/Aug/1995:00:00:01 -0400]").verdict.error, nullptr);
  EXPECT_NE(ParseOne("h - - [01/Aug/1995:00:00:01 -0400] \"GET /a HTTP/1.0 200 1").verdict.error,
            nullptr);
}

TEST(AccessLogParser, RejectsLineOfOnlySpacesAndEmptyLine) {
  EXPECT_NE(ParseOne("     ").verdict.error, nullptr);
  EXPECT_NE(ParseOne("").verdict.error, nullptr);
  EXPECT_NE(ParseOne("justonetoken").verdict.error, nullptr);
}

TEST(AccessLogParser, ToleratesCarriageReturnLineEnd) {
  const Parsed clf = ParseOne(std::string(kNasaLine) + "\r");
  ASSERT_EQ(clf.verdict.error, nullptr) << clf.verdict.error;
  EXPECT_EQ(clf.record.bytes, 1839);
  EXPECT_TRUE(std::isnan(clf.record.duration_s));

  const Parsed combined = ParseOne(std::string(kCombinedLine) + "\r");
  ASSERT_EQ(combined.verdict.error, nullptr) << combined.verdict.error;
  EXPECT_EQ(combined.verdict.recovered, nullptr);
  EXPECT_EQ(combined.record.bytes, 203023);
  EXPECT_TRUE(std::isnan(combined.record.duration_s));
}

TEST(AccessLogParser, AcceptsUserFieldContainingSpaces) {
  const Parsed p = ParseOne(
      "192.168.1.5 - John Q. Doe [01/Aug/1995:00:00:01 -0400] \"POST /login HTTP/1.1\" 302 0");
  ASSERT_EQ(p.verdict.error, nullptr) << p.verdict.error;
  EXPECT_EQ(p.record.method, "POST");
  EXPECT_EQ(p.record.target, "/login");
  EXPECT_EQ(p.record.status, 302);
  EXPECT_EQ(p.record.time, Utc(1995, 8, 1, 4, 0, 1));
}

TEST(AccessLogParser, MinuteCacheIsKeyedByZoneAsWellAsMinute) {
  AccessLogParser parser;
  AccessRecord a, b, c, d;
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:00:01 -0400"), a).error, nullptr);
  // Same minute and zone: served from the cache, seconds still honoured.
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:00:59 -0400"), b).error, nullptr);
  // Same minute text, other zone: must be decoded afresh.
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:00:02 +0000"), c).error, nullptr);
  // Back to the first zone, next minute.
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:01:00 -0400"), d).error, nullptr);

  EXPECT_EQ(a.time, Utc(1995, 8, 1, 4, 0, 1));
  EXPECT_EQ(b.time, Utc(1995, 8, 1, 4, 0, 59));
  EXPECT_EQ(c.time, Utc(1995, 8, 1, 0, 0, 2));
  EXPECT_EQ(d.time, Utc(1995, 8, 1, 4, 1, 0));
  EXPECT_EQ(a.time - c.time, hours(4) - seconds(1));
}

TEST(AccessLogParser, MinuteCacheStillValidatesSeconds) {
  AccessLogParser parser;
  AccessRecord r;
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:00:01 -0400"), r).error, nullptr);
  EXPECT_NE(parser.Parse(LineAt("01/Aug/1995:00:00:6x -0400"), r).error, nullptr);
  EXPECT_NE(parser.Parse(LineAt("01/Aug/1995:00:00:61 -0400"), r).error, nullptr);
  EXPECT_NE(parser.Parse(LineAt("01/Aug/1995:00:00;01 -0400"), r).error, nullptr);
}

TEST(AccessLogParser, MinuteCacheRejectsWhatAFreshParserRejects) {
  const std::string bad = LineAt("01/Aug/1995:00:00:02X-0400");
  EXPECT_NE(ParseOne(bad).verdict.error, nullptr);  // the fresh parser rejects it
  AccessLogParser parser;
  AccessRecord r;
  ASSERT_EQ(parser.Parse(LineAt("01/Aug/1995:00:00:01 -0400"), r).error, nullptr);
  EXPECT_NE(parser.Parse(bad, r).error, nullptr);
}

TEST(LooksLikeAccessLog, TellsCommonFromCombined) {
  bool combined = true;
  EXPECT_TRUE(LooksLikeAccessLog(kNasaLine, &combined));
  EXPECT_FALSE(combined);

  combined = false;
  EXPECT_TRUE(LooksLikeAccessLog(kCombinedLine, &combined));
  EXPECT_TRUE(combined);

  // A request time after a CLF line does not make it combined.
  combined = true;
  EXPECT_TRUE(LooksLikeAccessLog(std::string(kNasaLine) + " 0.123", &combined));
  EXPECT_FALSE(combined);

  // An escaped quote followed by a space inside the request is not the end of the request.
  combined = true;
  EXPECT_TRUE(LooksLikeAccessLog(
      "h - - [01/Aug/1995:00:00:12 -0400] \"GET /q=\\\" x HTTP/1.1\" 404 12", &combined));
  EXPECT_FALSE(combined);

  EXPECT_TRUE(LooksLikeAccessLog(kCombinedLine, nullptr));
}

TEST(LooksLikeAccessLog, RejectsOtherFormats) {
  bool combined = false;
  EXPECT_FALSE(LooksLikeAccessLog("timestamp,value", &combined));
  EXPECT_FALSE(LooksLikeAccessLog("# HELP up Whether the target is up.", &combined));
  EXPECT_FALSE(LooksLikeAccessLog("up{job=\"a\"} 1", &combined));
  EXPECT_FALSE(LooksLikeAccessLog("", &combined));
}

struct SampleStats {
  size_t lines = 0;
  size_t errors = 0;
  std::vector<size_t> recovered_lines;  // 1-based
  std::string first_error;
};

SampleStats ParseSample(const std::string& path) {
  SampleStats stats;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  AccessLogParser parser;
  AccessRecord record;
  std::string line;
  while (std::getline(in, line)) {
    ++stats.lines;
    const LineVerdict v = parser.Parse(line, record);
    if (v.error) {
      if (stats.errors++ == 0) {
        stats.first_error = std::to_string(stats.lines) + ": " + v.error + ": " + line;
      }
      continue;
    }
    if (v.recovered) stats.recovered_lines.push_back(stats.lines);
    EXPECT_GE(record.status, 100);
    EXPECT_LE(record.status, 599);
  }
  return stats;
}

TEST(AccessLogParser, ParsesEveryLineOfNasaSample) {
  const SampleStats stats =
      ParseSample(FORESCALE_SOURCE_DIR "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log");
  EXPECT_EQ(stats.lines, 1880u);
  EXPECT_EQ(stats.errors, 0u) << stats.first_error;
  EXPECT_TRUE(stats.recovered_lines.empty());
}

TEST(AccessLogParser, ParsesEveryLineOfApacheSampleRecoveringOneTruncatedUserAgent) {
  const SampleStats stats =
      ParseSample(FORESCALE_SOURCE_DIR "/data/apache_access_logs/elastic_examples_apache_logs.log");
  EXPECT_EQ(stats.lines, 10000u);
  EXPECT_EQ(stats.errors, 0u) << stats.first_error;
  EXPECT_EQ(stats.recovered_lines, std::vector<size_t>{8899});
}

}  // namespace
}  // namespace forescale::ingest
