// An IANA time zone ("Asia/Kolkata", "Europe/Berlin"), read from the system's zoneinfo files
// (TZif, RFC 8536), for schedules written in local time such as a KEDA cron trigger's
// `timezone`. g++ 12's <chrono> has no time-zone database, hence this small reader.
//
// Offsets come from the file's transitions and, past the last one, from its footer rule (the
// POSIX TZ string, "CET-1CEST,M3.5.0,M10.5.0/3"), so "slim" zoneinfo files work as well as
// "fat" ones. Leap seconds are ignored, as POSIX time does.
//
// Immutable after Load; safe to share between threads.
//
//   auto zone = TimeZone::Load("Asia/Kolkata");
//   TimePoint wall = zone->ToLocal(now);   // the local wall-clock time, written as if UTC
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace forescale::policy::internal {

class TimeZone {
 public:
  // The zone `name` from $TZDIR or /usr/share/zoneinfo; "UTC" and "Etc/UTC" always work.
  // kNotFound when there is no such zone, kCorrupt when the file is not TZif.
  static Result<TimeZone> Load(std::string_view name);
  // A zone from TZif bytes (tests, or zoneinfo found elsewhere).
  static Result<TimeZone> FromTzif(std::string_view bytes, std::string name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Local time minus UTC at the instant `utc`.
  Duration OffsetAt(TimePoint utc) const;
  // The local wall-clock time at `utc`, expressed as a TimePoint on the UTC scale (so calendar
  // arithmetic written for UTC, such as CronSchedule, reads local fields).
  TimePoint ToLocal(TimePoint utc) const { return utc + OffsetAt(utc); }

  // The POSIX TZ rule of a footer, public for tests; see the file comment.
  struct Rule {
    struct Date {
      enum class Kind { kMonthWeekDay, kJulianNoLeap, kZeroBasedDay };
      Kind kind = Kind::kMonthWeekDay;
      int month = 0, week = 0, day = 0;  // Mm.w.d; `day` also holds Jn / n
      int64_t time_seconds = 7200;       // local time of the change, default 02:00
    };
    int64_t std_offset = 0;  // seconds east of UTC
    std::optional<int64_t> dst_offset;
    Date start, end;
    int64_t OffsetAt(int64_t utc_seconds) const;
  };
  static std::optional<Rule> ParseRule(std::string_view text);

 private:
  std::string name_;
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int64_t> offsets_;      // offset in force from transitions_[i]
  int64_t initial_offset_ = 0;        // before the first transition
  std::optional<Rule> rule_;          // after the last transition
};

}  // namespace forescale::policy::internal
