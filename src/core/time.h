// Time types used everywhere in forescale.
//
// Instants are UTC milliseconds since the Unix epoch (`TimePoint`); durations are milliseconds.
// Millisecond resolution covers every input format we read (CLF has seconds, Prometheus and
// RFC 3339 carry fractions) and every step a user asks for (`500ms` and up).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace forescale {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Duration>;

// Parses "500ms", "30s", "5m", "1h", "7d", "2w" and combinations such as "1h30m".
// A bare number is rejected: a step without a unit is ambiguous.
Result<Duration> ParseDuration(std::string_view text);

// The shortest exact spelling: 90000ms -> "1m30s", 86400000ms -> "1d".
std::string FormatDuration(Duration d);

// RFC 3339 / ISO 8601 as written in the wild: "2015-05-17T10:05:03Z",
// "1995-08-01 00:00:00" (no offset: `default_offset` applies), fractions of any length,
// offsets "+02:00", "-0400" and "Z".
Result<TimePoint> ParseRfc3339(std::string_view text, Duration default_offset = Duration{0});

// Common Log Format time, with or without brackets: "[10/Oct/2000:13:55:36 -0700]".
Result<TimePoint> ParseClfTime(std::string_view text);

// Unix time: seconds ("1438387200", "1438387200.25") or milliseconds (13 digits).
Result<TimePoint> ParseUnixTime(std::string_view text);

// Any of the above, recognised by shape.
Result<TimePoint> ParseTimestamp(std::string_view text, Duration default_offset = Duration{0});

// "2015-05-17T10:05:03Z"; fractional seconds only when present.
std::string FormatRfc3339(TimePoint t);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm);
// exposed because the log parsers' fast path needs it without building a std::chrono date.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace forescale
