#include "policy/internal/time_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace forescale::policy::internal {
namespace {

constexpr int64_t kDay = 86400;

int64_t BigEndian(std::string_view bytes, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
  // Sign-extend: TZif times and offsets are two's complement.
  if (width < 8 && (v >> (width * 8 - 1)) != 0) v |= ~uint64_t{0} << (width * 8);
  return static_cast<int64_t>(v);
}

struct Header {
  int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  char version;
};

std::optional<Header> ReadHeader(std::string_view bytes, size_t at) {
  if (bytes.size() < at + 44 || bytes.substr(at, 4) != "TZif") return std::nullopt;
  Header h{};
  h.version = bytes[at + 4];
  int64_t* fields[] = {&h.isutcnt, &h.isstdcnt, &h.leapcnt, &h.timecnt, &h.typecnt, &h.charcnt};
  for (size_t i = 0; i < 6; ++i) *fields[i] = BigEndian(bytes, at + 20 + 4 * i, 4);
  for (int64_t* f : fields) {
    if (*f < 0 || *f > 1'000'000) return std::nullopt;
  }
  return h;
}

int64_t BodySize(const Header& h, int64_t time_size) {
  return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt +
         h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension); seconds.
std::optional<int64_t> ParseClock(std::string_view& s) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int64_t total = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != ':') break;
      s.remove_prefix(1);
    }
    size_t n = 0;
    int64_t v = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n])) && n < 3) {
      v = v * 10 + (s[n] - '0');
      ++n;
    }
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
    total += v * (part == 0 ? 3600 : part == 1 ? 60 : 1);
  }
  return sign * total;
}

bool ParseName(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    const size_t close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
    return true;
  }
  size_t n = 0;
  while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

std::optional<TimeZone::Rule::Date> ParseDate(std::string_view& s) {
  using Date = TimeZone::Rule::Date;
  Date d;
  auto number = [&s]() -> std::optional<int> {
    size_t n = 0;
    int v = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n])) && n < 3)
      v = v * 10 + (s[n++] - '0');
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
    return v;
  };
  if (!s.empty() && s[0] == 'M') {
    s.remove_prefix(1);
    auto m = number();
    if (!m || s.empty() || s[0] != '.') return std::nullopt;
    s.remove_prefix(1);
    auto w = number();
    if (!w || s.empty() || s[0] != '.') return std::nullopt;
    s.remove_prefix(1);
    auto day = number();
    if (!day || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *day > 6) return std::nullopt;
    d.kind = Date::Kind::kMonthWeekDay;
    d.month = *m;
    d.week = *w;
    d.day = *day;
  } else if (!s.empty() && s[0] == 'J') {
    s.remove_prefix(1);
    auto n = number();
    if (!n || *n < 1 || *n > 365) return std::nullopt;
    d.kind = Date::Kind::kJulianNoLeap;
    d.day = *n;
  } else {
    auto n = number();
    if (!n || *n > 365) return std::nullopt;
    d.kind = Date::Kind::kZeroBasedDay;
    d.day = *n;
  }
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    auto t = ParseClock(s);
    if (!t) return std::nullopt;
    d.time_seconds = *t;
  }
  return d;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Local midnight (as seconds on the UTC scale) of the rule date in year `y`.
int64_t DateSeconds(int64_t y, const TimeZone::Rule::Date& d) {
  using Kind = TimeZone::Rule::Date::Kind;
  const int64_t jan1 = DaysFromCivil(y, 1, 1);
  switch (d.kind) {
    case Kind::kJulianNoLeap:
      return (jan1 + d.day - 1 + (IsLeap(y) && d.day >= 60 ? 1 : 0)) * kDay;
    case Kind::kZeroBasedDay:
      return (jan1 + d.day) * kDay;
    case Kind::kMonthWeekDay: {
      const auto m = static_cast<unsigned>(d.month);
      const int64_t first = DaysFromCivil(y, m, 1);
      const int64_t weekday_of_first = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
      int64_t day = 1 + (d.day - weekday_of_first + 7) % 7 + (d.week - 1) * 7;
      while (day > DaysInMonth(y, d.month)) day -= 7;  // week 5 means "the last"
      return (first + day - 1) * kDay;
    }
  }
  return 0;
}

int64_t YearOf(int64_t seconds) {
  using namespace std::chrono;
  const sys_days day{days{seconds >= 0 ? seconds / kDay : (seconds - kDay + 1) / kDay}};
  return static_cast<int>(year_month_day{day}.year());
}

}  // namespace

int64_t TimeZone::Rule::OffsetAt(int64_t utc) const {
  if (!dst_offset) return std_offset;
  const int64_t y = YearOf(utc + std_offset);
  const int64_t begin = DateSeconds(y, start) + start.time_seconds - std_offset;
  const int64_t finish = DateSeconds(y, end) + end.time_seconds - *dst_offset;
  const bool dst = begin < finish
                       ? (utc >= begin && utc < finish)    // northern hemisphere
                       : !(utc >= finish && utc < begin);  // southern: DST spans new year
  return dst ? *dst_offset : std_offset;
}

std::optional<TimeZone::Rule> TimeZone::ParseRule(std::string_view s) {
  Rule rule;
  if (!ParseName(s)) return std::nullopt;
  auto std_west = ParseClock(s);
  if (!std_west) return std::nullopt;
  rule.std_offset = -*std_west;  // POSIX offsets count west of Greenwich
  if (s.empty()) return rule;
  if (!ParseName(s)) return std::nullopt;
  rule.dst_offset = rule.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    auto dst_west = ParseClock(s);
    if (!dst_west) return std::nullopt;
    rule.dst_offset = -*dst_west;
  }
  if (s.empty()) {
    // No dates: POSIX leaves them to the implementation; glibc and tzcode use the US rules.
    s = ",M3.2.0,M11.1.0";
  }
  if (s[0] != ',') return std::nullopt;
  s.remove_prefix(1);
  auto start = ParseDate(s);
  if (!start || s.empty() || s[0] != ',') return std::nullopt;
  s.remove_prefix(1);
  auto end = ParseDate(s);
  if (!end || !s.empty()) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  return rule;
}

TimeZone TimeZone::Utc() {
  TimeZone z;
  z.name_ = "UTC";
  return z;
}

Result<TimeZone> TimeZone::FromTzif(std::string_view bytes, std::string name) {
  auto corrupt = [&name](const std::string& why) {
    return Fail(ErrorCode::kCorrupt, "time zone " + name + ": " + why);
  };
  auto v1 = ReadHeader(bytes, 0);
  if (!v1) return corrupt("not a TZif file");
  Header h = *v1;
  size_t at = 44;
  int64_t time_size = 4;
  if (h.version >= '2') {
    // Skip the 32-bit block: the 64-bit one after it covers all times.
    at += static_cast<size_t>(BodySize(h, 4));
    auto v2 = ReadHeader(bytes, at);
    if (!v2) return corrupt("truncated");
    h = *v2;
    at += 44;
    time_size = 8;
  }
  if (bytes.size() < at + static_cast<size_t>(BodySize(h, time_size))) return corrupt("truncated");
  if (h.typecnt == 0) return corrupt("no local time types");
  const size_t times_at = at;
  const size_t index_at = times_at + static_cast<size_t>(h.timecnt * time_size);
  const size_t types_at = index_at + static_cast<size_t>(h.timecnt);
  std::vector<int64_t> type_offsets;
  for (int64_t i = 0; i < h.typecnt; ++i) {
    type_offsets.push_back(BigEndian(bytes, types_at + static_cast<size_t>(i) * 6, 4));
  }
  TimeZone z;
  z.name_ = std::move(name);
  z.initial_offset_ = type_offsets[0];
  for (int64_t i = 0; i < h.timecnt; ++i) {
    const int64_t t = BigEndian(bytes, times_at + static_cast<size_t>(i * time_size),
                                static_cast<size_t>(time_size));
    const auto type = static_cast<unsigned char>(bytes[index_at + static_cast<size_t>(i)]);
    if (type >= type_offsets.size()) return corrupt("bad local time type index");
    if (!z.transitions_.empty() && t <= z.transitions_.back())
      return corrupt("transitions out of order");
    z.transitions_.push_back(t);
    z.offsets_.push_back(type_offsets[type]);
  }
  if (time_size == 8) {
    const size_t footer_at = at + static_cast<size_t>(BodySize(h, time_size));
    if (footer_at < bytes.size() && bytes[footer_at] == '\n') {
      const size_t close = bytes.find('\n', footer_at + 1);
      if (close != std::string_view::npos && close > footer_at + 1) {
        z.rule_ = ParseRule(bytes.substr(footer_at + 1, close - footer_at - 1));
      }
    }
  }
  return z;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  const std::string text(name);
  const bool valid = !name.empty() && name[0] != '/' && name.find("..") == std::string_view::npos &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' ||
                              c == '-' || c == '+';
                     });
  if (!valid)
    return Fail(ErrorCode::kInvalidArgument, "'" + text + "' is not an IANA time zone name");
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + text;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (text == "UTC" || text == "Etc/UTC") return Utc();
    return Fail(ErrorCode::kNotFound, "unknown time zone '" + text + "' (no " + path + ")");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return FromTzif(bytes.str(), text);
}

Duration TimeZone::OffsetAt(TimePoint utc) const {
  const int64_t ms = utc.time_since_epoch().count();
  const int64_t t = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t offset = initial_offset_;
  if (transitions_.empty()) {
    if (rule_) offset = rule_->OffsetAt(t);
  } else if (t >= transitions_.front()) {
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
    const size_t i = static_cast<size_t>(it - transitions_.begin()) - 1;
    offset = (i + 1 == transitions_.size() && rule_) ? rule_->OffsetAt(t) : offsets_[i];
  }
  return std::chrono::seconds(offset);
}

}  // namespace forescale::policy::internal
