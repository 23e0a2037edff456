#include "core/time.h"

#include <gtest/gtest.h>

namespace forescale {
namespace {

int64_t Ms(const Result<TimePoint>& t) { return t->time_since_epoch().count(); }

TEST(ParseDuration, AcceptsEveryUnitAndCombinations) {
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("30s")->count(), 30'000);
  EXPECT_EQ(ParseDuration("5m")->count(), 300'000);
  EXPECT_EQ(ParseDuration("1h")->count(), 3'600'000);
  EXPECT_EQ(ParseDuration("7d")->count(), 604'800'000);
  EXPECT_EQ(ParseDuration("2w")->count(), 1'209'600'000);
  EXPECT_EQ(ParseDuration("1h30m")->count(), 5'400'000);
  EXPECT_EQ(ParseDuration("1.5s")->count(), 1'500);
}

TEST(ParseDuration, RejectsMissingOrUnknownUnitsWithAMessage) {
  for (const char* bad : {"", "5", "5x", "m", "1.0001ms", "ms5", "-5s"}) {
    auto d = ParseDuration(bad);
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_FALSE(d.error().message().empty());
  }
  EXPECT_NE(ParseDuration("5x").error().message().find("unit 'x'"), std::string::npos);
}

TEST(FormatDuration, RoundTripsTheShortestSpelling) {
  EXPECT_EQ(FormatDuration(Duration{90'000}), "1m30s");
  EXPECT_EQ(FormatDuration(Duration{86'400'000}), "1d");
  EXPECT_EQ(FormatDuration(Duration{500}), "500ms");
  EXPECT_EQ(FormatDuration(Duration{0}), "0s");
  for (const char* s : {"1h30m", "7d", "1w2d", "61s"}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(*ParseDuration(s))), *ParseDuration(s));
  }
}

TEST(ParseRfc3339, HandlesOffsetsFractionsAndNaiveTimes) {
  EXPECT_EQ(Ms(ParseRfc3339("1970-01-01T00:00:00Z")), 0);
  EXPECT_EQ(Ms(ParseRfc3339("2015-05-17T10:05:03Z")), 1431857103000);
  EXPECT_EQ(Ms(ParseRfc3339("2015-05-17T12:05:03+02:00")), 1431857103000);
  EXPECT_EQ(Ms(ParseRfc3339("2015-05-17T06:05:03-0400")), 1431857103000);
  EXPECT_EQ(Ms(ParseRfc3339("2015-05-17 10:05:03.25Z")), 1431857103250);
  // Azure trace: seven fractional digits.
  EXPECT_EQ(Ms(ParseRfc3339("2023-11-16 18:15:46.6805900")) % 1000, 680);
  // A naive time takes the default offset: NASA's local -04:00.
  EXPECT_EQ(Ms(ParseRfc3339("1995-08-01 00:00:00", std::chrono::hours(-4))),
            Ms(ParseRfc3339("1995-08-01T04:00:00Z")));
  EXPECT_EQ(Ms(ParseRfc3339("2024-02-29")), 1709164800000);
}

TEST(ParseRfc3339, RejectsImpossibleDates) {
  for (const char* bad : {"2023-02-29T00:00:00Z", "2023-13-01", "2023-01-01T25:00:00Z",
                          "2023-01-01T10:00:00+25:00", "2023-01-01Tfoo", "20230101"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(ParseClfTime, MatchesTheApacheDocumentationExample) {
  // 10/Oct/2000:13:55:36 -0700 is 20:55:36 UTC.
  EXPECT_EQ(Ms(ParseClfTime("[10/Oct/2000:13:55:36 -0700]")),
            Ms(ParseRfc3339("2000-10-10T20:55:36Z")));
  EXPECT_EQ(Ms(ParseClfTime("01/Aug/1995:00:00:01 -0400")),
            Ms(ParseRfc3339("1995-08-01T04:00:01Z")));
  EXPECT_FALSE(ParseClfTime("[10/Foo/2000:13:55:36 -0700]").has_value());
  EXPECT_FALSE(ParseClfTime("[31/Feb/2000:13:55:36 -0700]").has_value());
  EXPECT_FALSE(ParseClfTime("[10/Oct/2000:13:55:36 x0700]").has_value());
}

TEST(ParseUnixTime, TellsSecondsFromMilliseconds) {
  EXPECT_EQ(Ms(ParseUnixTime("1438387200")), 1438387200000);
  EXPECT_EQ(Ms(ParseUnixTime("1438387200.25")), 1438387200250);
  EXPECT_EQ(Ms(ParseUnixTime("1438387200123")), 1438387200123);
  EXPECT_FALSE(ParseUnixTime("12ab").has_value());
  EXPECT_FALSE(ParseUnixTime("-5").has_value());
  EXPECT_FALSE(ParseUnixTime("nan").has_value());
}

TEST(ParseTimestamp, RecognisesEachShape) {
  const int64_t want = 1431857103000;
  EXPECT_EQ(Ms(ParseTimestamp("2015-05-17T10:05:03Z")), want);
  EXPECT_EQ(Ms(ParseTimestamp("[17/May/2015:10:05:03 +0000]")), want);
  EXPECT_EQ(Ms(ParseTimestamp("1431857103")), want);
  EXPECT_EQ(Ms(ParseTimestamp("\"1431857103000\"")), want);
}

TEST(FormatRfc3339, WritesUtcWithOptionalMillis) {
  EXPECT_EQ(FormatRfc3339(TimePoint{Duration{1431857103000}}), "2015-05-17T10:05:03Z");
  EXPECT_EQ(FormatRfc3339(TimePoint{Duration{1431857103250}}), "2015-05-17T10:05:03.250Z");
}

}  // namespace
}  // namespace forescale
