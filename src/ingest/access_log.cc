#include "ingest/access_log.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace forescale::ingest {
namespace {

bool IsDigit(char c) { return static_cast<unsigned>(c - '0') < 10; }

int MonthIndex(const char* m) {
  // Switch on the three letters; the month name table lookup is the hot part of CLF times.
  switch (m[0]) {
    case 'J':
      if (m[1] == 'a' && m[2] == 'n') return 1;
      if (m[1] == 'u' && m[2] == 'n') return 6;
      if (m[1] == 'u' && m[2] == 'l') return 7;
      return 0;
    case 'F': return (m[1] == 'e' && m[2] == 'b') ? 2 : 0;
    case 'M':
      if (m[1] == 'a' && m[2] == 'r') return 3;
      if (m[1] == 'a' && m[2] == 'y') return 5;
      return 0;
    case 'A':
      if (m[1] == 'p' && m[2] == 'r') return 4;
      if (m[1] == 'u' && m[2] == 'g') return 8;
      return 0;
    case 'S': return (m[1] == 'e' && m[2] == 'p') ? 9 : 0;
    case 'O': return (m[1] == 'c' && m[2] == 't') ? 10 : 0;
    case 'N': return (m[1] == 'o' && m[2] == 'v') ? 11 : 0;
    case 'D': return (m[1] == 'e' && m[2] == 'c') ? 12 : 0;
    default: return 0;
  }
}

int Two(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

bool AllDigits(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(p[i])) return false;
  }
  return true;
}

bool ValidDay(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// Finds the closing quote of a quoted field that starts after `pos`, honouring the \" escape
// that Apache and nginx write for quotes inside the request line.
size_t FindClosingQuote(std::string_view line, size_t pos) {
  for (;;) {
    const void* hit = std::memchr(line.data() + pos, '"', line.size() - pos);
    if (!hit) return std::string_view::npos;
    const size_t q = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
    size_t backslashes = 0;
    while (q - backslashes > pos && line[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q;
    pos = q + 1;
  }
}

// Parses the optional request-time token; NaN when it is not a number.
double ParseRequestTime(std::string_view token, RequestTimeUnit unit) {
  double v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || p != token.data() + token.size() || !(v >= 0) || !std::isfinite(v)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  switch (unit) {
    case RequestTimeUnit::kSeconds: return v;
    case RequestTimeUnit::kMilliseconds: return v / 1e3;
    case RequestTimeUnit::kMicroseconds: return v / 1e6;
    case RequestTimeUnit::kAuto:
      return token.find('.') != std::string_view::npos ? v : v / 1e6;
  }
  return v;
}

}  // namespace

bool AccessLogParser::ParseTime(std::string_view t, TimePoint& out) {
  // t = "dd/Mon/yyyy:hh:mm:ss +zzzz" (26 bytes), already bounds-checked by the caller.
  const char* p = t.data();
  if (has_cache_ && std::memcmp(p, cached_minute_, 17) == 0 &&
      std::memcmp(p + 21, cached_zone_, 5) == 0) {
    if (!IsDigit(p[18]) || !IsDigit(p[19]) || p[17] != ':' || p[20] != ' ') return false;
    const int s = Two(p + 18);
    if (s > 60) return false;
    out = TimePoint{Duration{cached_minute_ms_ + s * 1000LL}};
    return true;
  }
  if (p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':' || p[20] != ' ' ||
      (p[21] != '+' && p[21] != '-') || !AllDigits(p, 2) || !AllDigits(p + 7, 4) ||
      !AllDigits(p + 12, 2) || !AllDigits(p + 15, 2) || !AllDigits(p + 18, 2) ||
      !AllDigits(p + 22, 4)) {
    return false;
  }
  const int d = Two(p), mo = MonthIndex(p + 3);
  const int y = Two(p + 7) * 100 + Two(p + 9);
  const int h = Two(p + 12), mi = Two(p + 15), s = Two(p + 18);
  const int zh = Two(p + 22), zm = Two(p + 24);
  if (mo == 0 || !ValidDay(y, mo, d) || h > 23 || mi > 59 || s > 60 || zh > 23 || zm > 59) {
    return false;
  }
  const int64_t zone_ms = (zh * 60 + zm) * 60000LL * (p[21] == '-' ? -1 : 1);
  const int64_t minute_ms =
      ((DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 24 + h) * 60 + mi) *
          60000LL -
      zone_ms;
  std::memcpy(cached_minute_, p, 17);
  std::memcpy(cached_zone_, p + 21, 5);
  cached_minute_ms_ = minute_ms;
  has_cache_ = true;
  out = TimePoint{Duration{minute_ms + s * 1000LL}};
  return true;
}

LineVerdict AccessLogParser::Parse(std::string_view line, AccessRecord& out) {
  LineVerdict verdict;
  // host ident user [time] — the user field may contain spaces, so anchor on " [".
  const size_t host_end = line.find(' ');
  if (host_end == 0 || host_end == std::string_view::npos) {
    verdict.error = "not an access-log line (no host field)";
    return verdict;
  }
  const void* bracket = std::memchr(line.data() + host_end, '[', line.size() - host_end);
  if (!bracket) {
    verdict.error = "no [time] field";
    return verdict;
  }
  size_t pos = static_cast<size_t>(static_cast<const char*>(bracket) - line.data()) + 1;
  if (pos + 27 > line.size() || line[pos + 26] != ']') {
    verdict.error = "bad [time] field (expected [dd/Mon/yyyy:hh:mm:ss +zzzz])";
    return verdict;
  }
  if (!ParseTime(line.substr(pos, 26), out.time)) {
    verdict.error = "bad date in [time] field";
    return verdict;
  }
  out.host = line.substr(0, host_end);
  pos += 27;
  if (pos + 2 > line.size() || line[pos] != ' ' || line[pos + 1] != '"') {
    verdict.error = "no quoted request after [time]";
    return verdict;
  }
  pos += 2;
  const size_t request_end = FindClosingQuote(line, pos);
  if (request_end == std::string_view::npos) {
    verdict.error = "request field has no closing quote";
    return verdict;
  }
  // "METHOD TARGET [PROTOCOL]"; anything else (nginx logs "-" or TLS bytes for junk requests)
  // is still a request that was answered, so it is counted with an empty method and target.
  const std::string_view request = line.substr(pos, request_end - pos);
  const size_t sp1 = request.find(' ');
  out.method = {};
  out.target = {};
  if (sp1 != std::string_view::npos && sp1 > 0) {
    const size_t sp2 = request.find(' ', sp1 + 1);
    out.method = request.substr(0, sp1);
    out.target = request.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1);
  }
  pos = request_end + 1;
  // " status bytes"
  if (pos + 5 > line.size() || line[pos] != ' ' || !AllDigits(line.data() + pos + 1, 3) ||
      (pos + 4 < line.size() && line[pos + 4] != ' ')) {
    verdict.error = "bad status code";
    return verdict;
  }
  out.status = (line[pos + 1] - '0') * 100 + Two(line.data() + pos + 2);
  if (out.status < 100 || out.status > 599) {
    verdict.error = "status code outside 100..599";
    return verdict;
  }
  pos += 5;
  size_t bytes_end = pos;
  if (bytes_end < line.size() && line[bytes_end] == '-') {
    out.bytes = -1;
    ++bytes_end;
  } else {
    int64_t bytes = 0;
    while (bytes_end < line.size() && IsDigit(line[bytes_end])) {
      if (bytes > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        verdict.error = "response size too large";
        return verdict;
      }
      bytes = bytes * 10 + (line[bytes_end] - '0');
      ++bytes_end;
    }
    if (bytes_end == pos) {
      verdict.error = "bad response size";
      return verdict;
    }
    out.bytes = bytes;
  }
  if (bytes_end < line.size() && line[bytes_end] != ' ' && line[bytes_end] != '\r') {
    verdict.error = "bad response size";
    return verdict;
  }
  pos = bytes_end;
  // Optional "referrer" "user agent", then optional extra fields; a trailing number is the
  // request time.
  out.duration_s = std::numeric_limits<double>::quiet_NaN();
  for (int quoted = 0; quoted < 2; ++quoted) {
    if (pos + 1 < line.size() && line[pos] == ' ' && line[pos + 1] == '"') {
      const size_t close = FindClosingQuote(line, pos + 2);
      if (close == std::string_view::npos) {
        // A truncated user agent (log line cut by the writer): everything the request needs
        // was already read, so keep it and say so.
        verdict.recovered = quoted == 0 ? "referrer has no closing quote; kept the request"
                                        : "user agent has no closing quote; kept the request";
        return verdict;
      }
      pos = close + 1;
    } else {
      break;
    }
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (pos < line.size()) {
    const size_t last_space = line.rfind(' ');
    if (last_space != std::string_view::npos && last_space >= pos) {
      out.duration_s = ParseRequestTime(line.substr(last_space + 1), options_.request_time_unit);
    }
  }
  return verdict;
}

bool LooksLikeAccessLog(std::string_view line, bool* combined) {
  AccessLogParser parser;
  AccessRecord record;
  const LineVerdict verdict = parser.Parse(line, record);
  if (verdict.error) return false;
  if (combined) {
    const size_t request_end = line.find("\" ", line.find(" \"") + 2);
    const size_t after = line.find(" \"", request_end + 1);
    *combined = after != std::string_view::npos;
  }
  return true;
}

}  // namespace forescale::ingest
