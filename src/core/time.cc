#include "core/time.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace forescale {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; false when any is not a digit.
bool ReadDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool ValidDate(int y, int m, int d) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

int64_t EpochMillis(int y, int mo, int d, int h, int mi, int s) {
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000LL + s * 1000LL;
}

// Parses "+hh:mm", "-hhmm", "+hh" or "Z" at the end of a timestamp into milliseconds east of UTC.
bool ParseOffset(std::string_view s, int64_t& offset_ms) {
  if (s == "Z" || s == "z") {
    offset_ms = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  int hh = 0, mm = 0;
  if (!ReadDigits(s, 1, 2, hh)) return false;
  if (s.size() == 6 && s[3] == ':') {
    if (!ReadDigits(s, 4, 2, mm)) return false;
  } else if (s.size() == 5) {
    if (!ReadDigits(s, 3, 2, mm)) return false;
  } else if (s.size() != 3) {
    return false;
  }
  if (hh > 23 || mm > 59) return false;
  offset_ms = (hh * 60 + mm) * 60000LL * (s[0] == '-' ? -1 : 1);
  return true;
}

Error BadTime(std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "bad timestamp '" + std::string(text.substr(0, 64)) + "': " + std::string(why));
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return Fail(ErrorCode::kInvalidArgument, "empty duration");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (IsDigit(text[i]) || text[i] == '.')) ++i;
    if (start == i) {
      return Fail(ErrorCode::kInvalidArgument,
                  "bad duration '" + std::string(text) + "': expected a number at '" +
                      std::string(text.substr(start)) + "'");
    }
    double number = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, number);
    if (ec != std::errc() || p != text.data() + i) {
      return Fail(ErrorCode::kInvalidArgument, "bad duration '" + std::string(text) + "'");
    }
    size_t unit_start = i;
    while (i < text.size() && !IsDigit(text[i]) && text[i] != '.') ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double ms_per_unit = 0;
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s") ms_per_unit = 1e3;
    else if (unit == "m") ms_per_unit = 60e3;
    else if (unit == "h") ms_per_unit = 3600e3;
    else if (unit == "d") ms_per_unit = 86400e3;
    else if (unit == "w") ms_per_unit = 7 * 86400e3;
    else {
      return Fail(ErrorCode::kInvalidArgument,
                  "bad duration '" + std::string(text) + "': unit '" + std::string(unit) +
                      "' is not one of ms, s, m, h, d, w");
    }
    const double ms = number * ms_per_unit;
    if (ms != std::floor(ms)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "bad duration '" + std::string(text) + "': finer than a millisecond");
    }
    if (ms > 1e15) {
      return Fail(ErrorCode::kInvalidArgument, "bad duration '" + std::string(text) + "': too long");
    }
    total += static_cast<int64_t>(ms);
  }
  return Duration{total};
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static constexpr std::array<std::pair<int64_t, const char*>, 6> kUnits = {{
      {7 * 86400000LL, "w"}, {86400000LL, "d"}, {3600000LL, "h"},
      {60000LL, "m"}, {1000LL, "s"}, {1LL, "ms"},
  }};
  for (const auto& [size, name] : kUnits) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

Result<TimePoint> ParseRfc3339(std::string_view text, Duration default_offset) {
  // YYYY-MM-DD[T ]hh:mm[:ss[.fff...]][offset]
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!ReadDigits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, mo) || text[7] != '-' || !ReadDigits(text, 8, 2, d)) {
    return std::unexpected(BadTime(text, "expected YYYY-MM-DD"));
  }
  if (!ValidDate(y, mo, d)) return std::unexpected(BadTime(text, "no such date"));
  size_t pos = 10;
  int64_t frac_ms = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    if (!ReadDigits(text, pos + 1, 2, h) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadDigits(text, pos + 4, 2, mi)) {
      return std::unexpected(BadTime(text, "expected hh:mm after the date"));
    }
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!ReadDigits(text, pos + 1, 2, s)) return std::unexpected(BadTime(text, "bad seconds"));
      pos += 3;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        size_t digits = 0;
        int64_t scale = 100;
        while (pos < text.size() && IsDigit(text[pos])) {
          if (digits < 3) frac_ms += (text[pos] - '0') * scale;
          scale /= 10;
          ++digits;
          ++pos;
        }
        if (digits == 0) return std::unexpected(BadTime(text, "empty fraction"));
      }
    }
    // 60 is accepted for leap seconds and folded into the next minute, as most parsers do.
    if (h > 23 || mi > 59 || s > 60) return std::unexpected(BadTime(text, "time out of range"));
  }
  int64_t offset_ms = default_offset.count();
  if (pos < text.size()) {
    if (!ParseOffset(text.substr(pos), offset_ms)) {
      return std::unexpected(BadTime(text, "unexpected '" + std::string(text.substr(pos)) + "'"));
    }
  }
  return TimePoint{Duration{EpochMillis(y, mo, d, h, mi, s) + frac_ms - offset_ms}};
}

Result<TimePoint> ParseClfTime(std::string_view text) {
  if (!text.empty() && text.front() == '[') text.remove_prefix(1);
  if (!text.empty() && text.back() == ']') text.remove_suffix(1);
  // dd/Mon/yyyy:hh:mm:ss +zzzz
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int d, y, h, mi, s;
  if (text.size() < 20 || !ReadDigits(text, 0, 2, d) || text[2] != '/' || text[6] != '/' ||
      !ReadDigits(text, 7, 4, y) || text[11] != ':' || !ReadDigits(text, 12, 2, h) ||
      text[14] != ':' || !ReadDigits(text, 15, 2, mi) || text[17] != ':' ||
      !ReadDigits(text, 18, 2, s)) {
    return std::unexpected(BadTime(text, "expected dd/Mon/yyyy:hh:mm:ss +zzzz"));
  }
  const std::string_view month = text.substr(3, 3);
  int mo = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == month) mo = static_cast<int>(i) + 1;
  }
  if (mo == 0) return std::unexpected(BadTime(text, "unknown month '" + std::string(month) + "'"));
  if (!ValidDate(y, mo, d)) return std::unexpected(BadTime(text, "no such date"));
  if (h > 23 || mi > 59 || s > 60) return std::unexpected(BadTime(text, "time out of range"));
  int64_t offset_ms = 0;
  if (text.size() > 20) {
    if (text[20] != ' ' || !ParseOffset(text.substr(21), offset_ms)) {
      return std::unexpected(BadTime(text, "bad zone offset"));
    }
  }
  return TimePoint{Duration{EpochMillis(y, mo, d, h, mi, s) - offset_ms}};
}

Result<TimePoint> ParseUnixTime(std::string_view text) {
  if (text.empty()) return std::unexpected(BadTime(text, "empty"));
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return std::unexpected(BadTime(text, "not a unix time"));
  }
  const size_t int_digits = text.find('.') == std::string_view::npos ? text.size() : text.find('.');
  // 13 integer digits are milliseconds (seconds would be past the year 33000).
  const double ms = int_digits >= 13 ? value : value * 1000.0;
  if (ms > 253402300799999.0) return std::unexpected(BadTime(text, "after the year 9999"));
  return TimePoint{Duration{static_cast<int64_t>(std::llround(ms))}};
}

Result<TimePoint> ParseTimestamp(std::string_view text, Duration default_offset) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '"')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '"' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::unexpected(BadTime(text, "empty"));
  if (text.front() == '[' || (text.size() > 6 && text[2] == '/' && text[6] == '/')) {
    return ParseClfTime(text);
  }
  if (text.size() >= 10 && text[4] == '-') return ParseRfc3339(text, default_offset);
  return ParseUnixTime(text);
}

std::string FormatRfc3339(TimePoint t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  char buf[40];
  const int ms = static_cast<int>(hms.subseconds().count());
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
  }
  return buf;
}

}  // namespace forescale
