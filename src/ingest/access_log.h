// Parser for web server access logs: the Common Log Format and the Combined Log Format, as
// Apache's and nginx's defaults write them, each optionally followed by a request-time field
// (nginx `$request_time` in seconds, Apache `%D` in microseconds or `%T` in seconds).
//
//   host ident user [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 ["ref" "ua"] [0.123]
//
// The fast path parses a line without allocating: the record's string_views point into the
// line. The timestamp of consecutive lines is decoded once per minute (logs are time-ordered
// almost everywhere, so this is the common case). Not thread-safe: one parser per thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/time.h"

namespace forescale::ingest {

struct AccessRecord {
  TimePoint time{};
  std::string_view method;  // "GET"; empty when the request line is not a request ("-", junk)
  std::string_view target;  // the request URI as logged, query string included
  int status = 0;           // 100..599
  int64_t bytes = -1;       // response size; -1 when logged as "-"
  double duration_s = 0;    // request time in seconds; NaN when the line has none
  std::string_view host;    // the client (first field): an address or a resolved name
};

enum class RequestTimeUnit {
  kAuto,          // a number with a decimal point is seconds, an integer is microseconds
  kSeconds,
  kMilliseconds,
  kMicroseconds,
};

struct AccessLogOptions {
  RequestTimeUnit request_time_unit = RequestTimeUnit::kAuto;
};

// What went wrong with a line, as a static string (no allocation on the error path either).
struct LineVerdict {
  const char* error = nullptr;      // non-null: the line is malformed and was not parsed
  const char* recovered = nullptr;  // non-null: parsed, but damage was repaired
};

class AccessLogParser {
 public:
  explicit AccessLogParser(AccessLogOptions options = {}) : options_(options) {}

  // Parses one line (without its newline). On success fills `out`.
  LineVerdict Parse(std::string_view line, AccessRecord& out);

 private:
  bool ParseTime(std::string_view text, TimePoint& out);

  AccessLogOptions options_;
  char cached_minute_[17] = {};  // "dd/Mon/yyyy:hh:mm" of the last decoded time
  char cached_zone_[5] = {};     // "-0400"
  int64_t cached_minute_ms_ = 0;
  bool has_cache_ = false;
};

// Recognises an access-log line by shape; `combined` tells whether referrer and user agent
// follow the size field.
bool LooksLikeAccessLog(std::string_view line, bool* combined);

}  // namespace forescale::ingest
