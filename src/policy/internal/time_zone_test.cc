// The zoneinfo reader against dates whose offsets the IANA database fixes (EU and US daylight
// saving rules, India's half-hour offset, a southern-hemisphere zone), both inside the files'
// transition tables and past them, where the footer's POSIX rule takes over.
#include "policy/internal/time_zone.h"

#include <gtest/gtest.h>

namespace forescale::policy::internal {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TimePoint At(const char* text) { return *ParseRfc3339(text); }

TEST(TimeZone, IndiaIsFiveAndAHalfHoursAheadAllYear) {
  auto zone = TimeZone::Load("Asia/Kolkata");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(zone->OffsetAt(At("2024-01-15T00:00:00Z")), hours(5) + minutes(30));
  EXPECT_EQ(zone->OffsetAt(At("2024-07-15T00:00:00Z")), hours(5) + minutes(30));
  EXPECT_EQ(zone->ToLocal(At("2024-07-15T00:30:00Z")), At("2024-07-15T06:00:00Z"));
}

TEST(TimeZone, BerlinChangesAtOneUtcOnTheLastSundays) {
  auto zone = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(zone->OffsetAt(At("2024-03-31T00:59:59Z")), hours(1));
  EXPECT_EQ(zone->OffsetAt(At("2024-03-31T01:00:00Z")), hours(2));
  EXPECT_EQ(zone->OffsetAt(At("2024-10-27T00:59:59Z")), hours(2));
  EXPECT_EQ(zone->OffsetAt(At("2024-10-27T01:00:00Z")), hours(1));
}

TEST(TimeZone, FooterRuleCoversYearsPastTheTransitionTable) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().message();
  EXPECT_EQ(berlin->OffsetAt(At("2045-01-10T12:00:00Z")), hours(1));
  EXPECT_EQ(berlin->OffsetAt(At("2045-07-10T12:00:00Z")), hours(2));
  // 2045: last Sunday of March is the 26th, of October the 29th.
  EXPECT_EQ(berlin->OffsetAt(At("2045-03-26T00:59:00Z")), hours(1));
  EXPECT_EQ(berlin->OffsetAt(At("2045-03-26T01:00:00Z")), hours(2));
  EXPECT_EQ(berlin->OffsetAt(At("2045-10-29T01:00:00Z")), hours(1));
  auto sydney = TimeZone::Load("Australia/Sydney");  // daylight saving across the new year
  ASSERT_TRUE(sydney) << sydney.error().message();
  EXPECT_EQ(sydney->OffsetAt(At("2045-01-15T00:00:00Z")), hours(11));
  EXPECT_EQ(sydney->OffsetAt(At("2045-07-15T00:00:00Z")), hours(10));
}

TEST(TimeZone, NewYorkSpringsForwardAtTwoLocal) {
  auto zone = TimeZone::Load("America/New_York");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(zone->OffsetAt(At("2024-03-10T06:59:00Z")), hours(-5));
  EXPECT_EQ(zone->OffsetAt(At("2024-03-10T07:00:00Z")), hours(-4));
}

TEST(TimeZone, ParsesPosixRules) {
  auto cet = TimeZone::ParseRule("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet);
  EXPECT_EQ(cet->std_offset, 3600);
  EXPECT_EQ(cet->dst_offset, 7200);
  EXPECT_EQ(cet->end.time_seconds, 3 * 3600);
  auto india = TimeZone::ParseRule("<+0530>-5:30");
  ASSERT_TRUE(india);
  EXPECT_EQ(india->std_offset, 5 * 3600 + 1800);
  EXPECT_FALSE(india->dst_offset);
  EXPECT_FALSE(TimeZone::ParseRule("CET-1CEST,M13.5.0,M10.5.0"));
  EXPECT_FALSE(TimeZone::ParseRule("X1"));
}

TEST(TimeZone, UnknownNamesAndBadFilesAreErrors) {
  auto missing = TimeZone::Load("Mars/Olympus_Mons");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("unknown time zone 'Mars/Olympus_Mons'"),
            std::string::npos);
  EXPECT_FALSE(TimeZone::Load("../etc/passwd"));
  auto corrupt =
      TimeZone::FromTzif("not a zone file at all, but long enough to have a header...", "X");
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kCorrupt);
  auto utc = TimeZone::Load("UTC");
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->OffsetAt(At("2024-06-01T00:00:00Z")), Duration{0});
}

}  // namespace
}  // namespace forescale::policy::internal
