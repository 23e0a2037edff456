// Prometheus text exposition format 0.0.4, as served on /metrics and saved by scrapes.
//
// A file is a snapshot of one scrape (or several concatenated), so series are few and lines
// short; the parser is a plain cursor over each line. Grammar, per line:
//   # HELP name text
//   # TYPE name counter|gauge|histogram|summary|untyped
//   # anything else is a comment
//   name[{label="value",...}] value [timestamp_ms]
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ingest/metric_parsers.h"

#include "ingest/internal/text.h"

namespace forescale::ingest {
namespace {

using internal::Printable;
using internal::Quote;



bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsMetricName(std::string_view s) {
  if (s.empty() || !(IsLetter(s[0]) || s[0] == '_' || s[0] == ':')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLetter(c) || IsDigit(c) || c == '_' || c == ':'; });
}

// Types of 0.0.4, and those OpenMetrics adds, since exporters mix the two in practice.
bool IsKnownType(std::string_view t) {
  static constexpr std::string_view kTypes[] = {"counter",        "gauge",    "histogram",
                                                "summary",        "untyped",  "unknown",
                                                "gaugehistogram", "stateset", "info"};
  return std::find(std::begin(kTypes), std::end(kTypes), t) != std::end(kTypes);
}

// Earliest and latest instants forescale keeps (years 1 and 9999); anything outside is a
// corrupted timestamp, and bounding it keeps later arithmetic on it free of overflow.
constexpr int64_t kMinTimeMs = -62135596800000;
constexpr int64_t kMaxTimeMs = 253402300799999;

class LineCursor {
 public:
  explicit LineCursor(std::string_view line) : s_(line) {}

  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void SkipBlanks() {
    while (i_ < s_.size() && IsBlank(s_[i_])) ++i_;
  }
  // A run of non-blank characters; empty at the end of the line.
  std::string_view Token() {
    const size_t start = i_;
    while (i_ < s_.size() && !IsBlank(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  std::string_view Rest() const { return s_.substr(std::min(i_, s_.size())); }
  // The longest prefix whose characters satisfy `ok` (with `first_ok` for the first one).
  template <typename First, typename Next>
  std::string_view Name(First first_ok, Next ok) {
    const size_t start = i_;
    if (i_ < s_.size() && first_ok(s_[i_])) {
      ++i_;
      while (i_ < s_.size() && ok(s_[i_])) ++i_;
    }
    return s_.substr(start, i_ - start);
  }
  bool Consume(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++i_;
    return true;
  }
  // Reads a quoted label value after its opening quote, resolving \\, \" and \n.
  bool QuotedValue(std::string& out, std::string& reason) {
    out.clear();
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      const char e = s_[i_++];
      if (e == '\\' || e == '"') {
        out += e;
      } else if (e == 'n') {
        out += '\n';
      } else {
        reason = "unknown escape \\" + Printable(std::string_view(&e, 1), 1) + " in a label value";
        return false;
      }
    }
    reason = "label value without a closing quote";
    return false;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

using internal::ParseSampleValue;
using internal::ValueKind;

struct ParsedSample {
  std::string_view name;
  Labels labels;
  Sample sample{};
};

class TextParser {
 public:
  TextParser(const MetricParseOptions& options, ParseReport& report)
      : options_(options), report_(report) {}

  // Returns false once strict mode has turned a bad line into `failure_`.
  bool Line(std::string_view text, uint64_t line_no) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    LineCursor cur(text);
    cur.SkipBlanks();
    if (cur.AtEnd()) return true;
    std::optional<std::string> bad = cur.Peek() == '#' ? Comment(cur) : SampleLine(cur, text);
    if (!bad) {
      return true;
    }
    if (options_.strict) {
      failure_ =
          Error(ErrorCode::kInvalidArgument, "line " + std::to_string(line_no) + ": " + *bad);
      report_.Malformed(line_no, std::move(*bad));
      return false;
    }
    report_.Malformed(line_no, std::move(*bad));
    return true;
  }

  std::vector<MetricSeries> TakeSeries() { return std::move(series_); }
  std::optional<Error> TakeFailure() { return std::move(failure_); }

 private:
  // HELP and TYPE lines are checked because a bad one means the exposition is damaged;
  // every other '#' line is a comment.
  std::optional<std::string> Comment(LineCursor& cur) {
    cur.Consume('#');
    cur.SkipBlanks();
    const std::string_view keyword = cur.Token();
    if (keyword != "HELP" && keyword != "TYPE") return std::nullopt;
    cur.SkipBlanks();
    const std::string_view name = cur.Token();
    if (!IsMetricName(name)) {
      return keyword == "HELP" ? "HELP line with a bad metric name " + Quote(name)
                               : "TYPE line with a bad metric name " + Quote(name);
    }
    if (keyword == "HELP") return std::nullopt;
    cur.SkipBlanks();
    const std::string_view type = cur.Token();
    if (type.empty()) return "TYPE line for " + Quote(name) + " without a type";
    if (!IsKnownType(type)) return "unknown metric type " + Quote(type);
    cur.SkipBlanks();
    if (!cur.AtEnd()) return "unexpected text after the type: " + Quote(cur.Rest());
    // Prometheus refuses a second TYPE line for one name: the file mixes two expositions.
    if (!types_.emplace(std::string(name), std::string(type)).second) {
      return "second TYPE line for " + Quote(name);
    }
    return std::nullopt;
  }

  std::optional<std::string> SampleLine(LineCursor& cur, std::string_view text) {
    ParsedSample parsed;
    parsed.name =
        cur.Name([](char c) { return IsLetter(c) || c == '_' || c == ':'; },
                 [](char c) { return IsLetter(c) || IsDigit(c) || c == '_' || c == ':'; });
    if (parsed.name.empty()) return "expected a metric name, found " + Quote(text);
    if (!cur.AtEnd() && cur.Peek() != '{' && !IsBlank(cur.Peek())) {
      // The name ran into a character that cannot be part of it ("http-requests 3").
      return "bad character " + Quote(cur.Rest().substr(0, 1)) + " in metric name after " +
             Quote(parsed.name);
    }
    cur.SkipBlanks();
    if (cur.Consume('{')) {
      if (std::optional<std::string> bad = LabelSet(cur, parsed.labels)) return bad;
      cur.SkipBlanks();
    }
    const std::string_view value = cur.Token();
    if (value.empty()) return "missing value for " + Quote(parsed.name);
    switch (ParseSampleValue(value, parsed.sample.value)) {
      case ValueKind::kNumber:
        break;
      case ValueKind::kInfinite:
        return "infinite value not stored";
      case ValueKind::kBad:
        return "bad value " + Quote(value);
    }
    cur.SkipBlanks();
    const std::string_view stamp = cur.Token();
    if (stamp.empty()) {
      parsed.sample.time = options_.default_time;
    } else {
      int64_t ms = 0;
      const auto [ptr, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ms);
      if (ec != std::errc() || ptr != stamp.data() + stamp.size()) {
        return "bad timestamp " + Quote(stamp) + " (expected integer milliseconds)";
      }
      if (ms < kMinTimeMs || ms > kMaxTimeMs) return "timestamp out of range " + Quote(stamp);
      parsed.sample.time = TimePoint{Duration{ms}};
    }
    cur.SkipBlanks();
    if (!cur.AtEnd()) return "unexpected text after the sample: " + Quote(cur.Rest());
    Add(parsed);
    return std::nullopt;
  }

  // After the '{': `key="value"` pairs separated by commas, a trailing comma allowed.
  std::optional<std::string> LabelSet(LineCursor& cur, Labels& labels) {
    std::string value;
    while (true) {
      cur.SkipBlanks();
      if (cur.Consume('}')) return std::nullopt;
      const std::string_view key =
          cur.Name([](char c) { return IsLetter(c) || c == '_'; },
                   [](char c) { return IsLetter(c) || IsDigit(c) || c == '_'; });
      if (key.empty()) {
        return cur.AtEnd() ? std::string("label set without a closing '}'")
                           : "bad label name at " + Quote(cur.Rest());
      }
      cur.SkipBlanks();
      if (!cur.Consume('=')) return "expected '=' after label " + Quote(key);
      cur.SkipBlanks();
      if (!cur.Consume('"')) return "value of label " + Quote(key) + " is not quoted";
      std::string reason;
      if (!cur.QuotedValue(value, reason)) return reason + " (label " + Quote(key) + ")";
      if (!labels.emplace(std::string(key), value).second) {
        return "duplicate label " + Quote(key);
      }
      cur.SkipBlanks();
      if (cur.Consume(',')) continue;
      if (cur.Consume('}')) return std::nullopt;
      return cur.AtEnd() ? std::string("label set without a closing '}'")
                         : "expected ',' or '}' at " + Quote(cur.Rest());
    }
  }

  void Add(ParsedSample& parsed) {
    ++report_.records;
    std::string key = FormatSeriesId(parsed.name, parsed.labels);
    const auto [it, inserted] = index_.emplace(std::move(key), series_.size());
    if (inserted) {
      series_.push_back(MetricSeries{
          .name = std::string(parsed.name), .labels = std::move(parsed.labels), .samples = {}});
    }
    series_[it->second].samples.push_back(parsed.sample);
  }

  const MetricParseOptions& options_;
  ParseReport& report_;
  std::vector<MetricSeries> series_;
  // Series id (FormatSeriesId, which is unambiguous) -> index in series_, to keep the order
  // in which series first appear.
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<std::string, std::string> types_;
  std::optional<Error> failure_;
};

}  // namespace

Result<std::vector<MetricSeries>> ParsePromText(std::string_view content,
                                                const MetricParseOptions& options,
                                                ParseReport& report) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (content.starts_with(kBom)) content.remove_prefix(kBom.size());

  TextParser parser(options, report);
  size_t pos = 0;
  uint64_t line_no = 0;
  while (pos < content.size()) {
    const size_t nl = content.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? content.size() : nl;
    ++line_no;
    report.lines = line_no;
    const bool keep_going = parser.Line(content.substr(pos, end - pos), line_no);
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
    if (!keep_going) {
      if (std::optional<Error> failure = parser.TakeFailure()) return std::unexpected(*failure);
      return Fail(ErrorCode::kInternal, "text exposition parse stopped without a reason");
    }
  }
  std::vector<MetricSeries> series = parser.TakeSeries();
  if (series.empty()) {
    std::string message = "no samples in the text exposition";
    if (!report.first_malformed.empty()) {
      const LineIssue& first = report.first_malformed.front();
      message += " (" + std::to_string(report.malformed) + " malformed; first: line " +
                 std::to_string(first.line) + ": " + first.reason + ")";
    }
    return Fail(ErrorCode::kInvalidArgument, std::move(message));
  }
  return series;
}

}  // namespace forescale::ingest
