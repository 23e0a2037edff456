// CSV metric exports: `timestamp,value[,...]` with a header row.
//
// The parser reads the content in one pass without copying: fields are string_views into the
// input, except quoted fields with "" escapes, which are unescaped into one reused buffer.
// Metric CSVs run to millions of rows (the NASA per-second file has 5 million), so the common
// shapes get fast paths: "YYYY-MM-DD hh:mm:ss" times reuse the previous row's day when the date
// is unchanged, and small integer values skip std::from_chars.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ingest/metric_parsers.h"

#include "ingest/internal/text.h"

namespace forescale::ingest {
namespace {

using internal::Printable;
using internal::Quote;

constexpr size_t kQuotedTextLimit = 40;



bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// True when the line starting at `pos` holds only whitespace; `next` is then the start of the
// following line and `newlines` 1 (0 when the blank line is the unterminated last one).
bool BlankLine(std::string_view in, size_t pos, size_t& next, uint64_t& newlines) {
  size_t i = pos;
  while (i < in.size() && IsSpace(in[i])) ++i;
  if (i < in.size() && in[i] != '\n') return false;
  newlines = i < in.size() ? 1 : 0;
  next = i < in.size() ? i + 1 : i;
  return true;
}

struct RecordEnd {
  size_t next = 0;        // offset just past the record (its '\n' included)
  uint64_t newlines = 0;  // '\n' consumed: the terminator and any inside quoted fields
  size_t fields = 0;
  std::string_view quote_error;  // static text; empty when the quoting was well formed
};

// Reads one RFC 4180 record starting at `pos` and calls on_field(index, text) for each field.
// A quoted field may span lines. A stray quote would then swallow every line up to the next
// quote (or the rest of the file) as one bad record, so a badly quoted record is cut at the end
// of its first line and parsing resumes on the next one: one line is lost, not the file.
template <typename OnField>
RecordEnd ReadRecord(std::string_view in, size_t pos, std::string& scratch, OnField&& on_field) {
  const char* const begin = in.data();
  const char* const end = begin + in.size();
  const char* p = begin + pos;
  RecordEnd rec;
  auto cut_at_first_line = [&](std::string_view error) {
    const void* nl = std::memchr(begin + pos, '\n', in.size() - pos);
    rec.next =
        nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - begin) + 1 : in.size();
    rec.newlines = nl != nullptr ? 1 : 0;
    rec.quote_error = error;
  };
  while (true) {
    std::string_view field;
    if (p < end && *p == '"') {
      scratch.clear();
      const char* q = p + 1;
      bool closed = false;
      while (q < end) {
        const void* hit = std::memchr(q, '"', static_cast<size_t>(end - q));
        const char* stop = hit != nullptr ? static_cast<const char*>(hit) : end;
        scratch.append(q, stop);
        rec.newlines += static_cast<uint64_t>(std::count(q, stop, '\n'));
        if (hit == nullptr) break;
        q = stop + 1;
        if (q < end && *q == '"') {
          scratch.push_back('"');
          ++q;
          continue;
        }
        closed = true;
        break;
      }
      if (!closed) {
        rec.fields += 1;
        cut_at_first_line("unterminated quoted field");
        return rec;
      }
      p = q;
      while (p < end && IsSpace(*p)) ++p;
      if (p < end && *p != ',' && *p != '\n') {
        if (rec.quote_error.empty()) rec.quote_error = "text after a closing quote";
        while (p < end && *p != ',' && *p != '\n') ++p;
      }
      field = scratch;
    } else {
      const char* const start = p;
      while (p < end && *p != ',' && *p != '\n') ++p;
      const char* stop = p;
      if (stop > start && stop[-1] == '\r' && (p == end || *p == '\n')) --stop;
      field = std::string_view(start, static_cast<size_t>(stop - start));
    }
    on_field(rec.fields, field);
    ++rec.fields;
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    if (p < end) {
      ++p;  // the '\n'
      ++rec.newlines;
    }
    break;
  }
  rec.next = static_cast<size_t>(p - begin);
  if (!rec.quote_error.empty() && rec.newlines > (p > begin && p[-1] == '\n' ? 1u : 0u)) {
    cut_at_first_line(rec.quote_error);
  }
  return rec;
}

bool TwoDigits(const char* s, int& out) {
  if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
  out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

// Parses the time column. Rows of one file almost always share a shape and most share the
// date with the row before, so the date is parsed once per day and only hh:mm:ss per row.
class TimeReader {
 public:
  explicit TimeReader(Duration default_offset) : default_offset_(default_offset) {}

  bool Read(std::string_view text, TimePoint& out, std::string& error) {
    if (ReadFast(text, out)) return true;
    Result<TimePoint> t = ParseTimestamp(text, default_offset_);
    if (!t) {
      error = Printable(t.error().message(), 3 * kQuotedTextLimit);
      return false;
    }
    out = *t;
    return true;
  }

 private:
  // "YYYY-MM-DD hh:mm:ss" (the offset is the default one) and "YYYY-MM-DDThh:mm:ssZ".
  bool ReadFast(std::string_view text, TimePoint& out) {
    Duration offset;
    if (text.size() == 19) {
      offset = default_offset_;
    } else if (text.size() == 20 && text[19] == 'Z') {
      offset = Duration{0};
    } else {
      return false;
    }
    const char* s = text.data();
    if (s[10] != ' ' && s[10] != 'T') return false;
    if (!have_day_ || std::memcmp(s, day_text_, sizeof day_text_) != 0) {
      // The full parser validates the date (month lengths, leap years) on each new day.
      Result<TimePoint> day = ParseRfc3339(text.substr(0, sizeof day_text_), Duration{0});
      if (!day) return false;
      std::memcpy(day_text_, s, sizeof day_text_);
      day_start_ = *day;
      have_day_ = true;
    }
    int h = 0, m = 0, sec = 0;
    if (!TwoDigits(s + 11, h) || s[13] != ':' || !TwoDigits(s + 14, m) || s[16] != ':' ||
        !TwoDigits(s + 17, sec)) {
      return false;
    }
    // 60 is a leap second, folded into the next minute as ParseRfc3339 does.
    if (h > 23 || m > 59 || sec > 60) return false;
    out = day_start_ + Duration{((h * 60 + m) * 60 + sec) * 1000LL} - offset;
    return true;
  }

  Duration default_offset_;
  bool have_day_ = false;
  char day_text_[10] = {};
  TimePoint day_start_{};
};

enum class ValueStatus { kOk, kNotANumber, kInfinite, kOutOfRange };

ValueStatus ParseValue(std::string_view text, double& out) {
  text = Trim(text);
  if (text.empty()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return ValueStatus::kOk;
  }
  // Counts dominate metric exports; up to 15 digits a double holds the integer exactly.
  if (text.size() <= 15) {
    uint64_t v = 0;
    bool digits = true;
    for (char c : text) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits) {
      out = static_cast<double>(v);
      return ValueStatus::kOk;
    }
  }
  // from_chars rejects a leading '+', which spreadsheets do write.
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) return ValueStatus::kOutOfRange;
  if (ec != std::errc() || ptr != text.data() + text.size()) return ValueStatus::kNotANumber;
  if (std::isinf(v)) return ValueStatus::kInfinite;
  // "NaN", "nan" and "-nan" all mean a gap; from_chars yields NaN for exactly these spellings.
  out = std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v;
  return ValueStatus::kOk;
}

std::string ValueError(ValueStatus status, std::string_view column, std::string_view text) {
  std::string reason = "column " + Quote(column) + ": ";
  switch (status) {
    case ValueStatus::kInfinite:
      return reason + "infinite value " + Quote(text) + " not stored";
    case ValueStatus::kOutOfRange:
      return reason + "number out of range " + Quote(text);
    case ValueStatus::kNotANumber:
    case ValueStatus::kOk:
      break;
  }
  return reason + "not a number " + Quote(text);
}

std::string CleanHeaderCell(std::string_view cell) {
  cell = Trim(cell);
  if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') {
    cell = Trim(cell.substr(1, cell.size() - 2));
  }
  return std::string(cell);
}

std::string LineMessage(uint64_t line, std::string_view reason) {
  return "line " + std::to_string(line) + ": " + std::string(reason);
}

}  // namespace

Result<std::vector<MetricSeries>> ParseCsvMetrics(std::string_view content,
                                                  const MetricParseOptions& options,
                                                  ParseReport& report) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (content.starts_with(kBom)) content.remove_prefix(kBom.size());

  // Counts the lines of the whole input once parsing stops, wherever that is.
  uint64_t line = 1;  // the line the next record starts on
  size_t pos = 0;
  auto finish_lines = [&] {
    report.lines = (pos > 0 && content[pos - 1] == '\n') || content.empty() ? line - 1 : line;
  };

  // Leading blank lines are tolerated; the first line with content is the header.
  size_t next = 0;
  uint64_t newlines = 0;
  while (pos < content.size() && BlankLine(content, pos, next, newlines)) {
    pos = next;
    line += newlines;
  }
  if (pos >= content.size()) {
    finish_lines();
    return Fail(ErrorCode::kInvalidArgument, "no data rows");
  }

  std::string scratch;
  std::vector<std::string> header;
  const uint64_t header_line = line;
  const RecordEnd head = ReadRecord(content, pos, scratch, [&](size_t, std::string_view cell) {
    header.push_back(CleanHeaderCell(cell));
  });
  pos = head.next;
  line += head.newlines;
  if (!head.quote_error.empty()) {
    finish_lines();
    return Fail(ErrorCode::kInvalidArgument,
                LineMessage(header_line, "bad header: " + std::string(head.quote_error)));
  }
  if (header.empty() || ParseTimestamp(header.front(), options.default_offset).has_value()) {
    finish_lines();
    return Fail(ErrorCode::kInvalidArgument,
                LineMessage(header_line, "expected a header row such as timestamp,value"));
  }
  if (header.size() < 2) {
    finish_lines();
    return Fail(ErrorCode::kInvalidArgument,
                LineMessage(header_line,
                            "the header names no value column; expected a header row such as "
                            "timestamp,value"));
  }

  const size_t columns = header.size();
  std::vector<MetricSeries> series(columns - 1);
  for (size_t i = 1; i < columns; ++i) {
    // An unnamed column still needs a name that can be printed and selected.
    series[i - 1].name = header[i].empty() ? "column" + std::to_string(i + 1) : header[i];
    // Two columns of one name would be one series, the second overwriting the first.
    for (size_t j = 0; j + 1 < i; ++j) {
      if (series[j].name == series[i - 1].name) {
        return Fail(ErrorCode::kInvalidArgument,
                    LineMessage(header_line, "columns " + std::to_string(j + 2) + " and " +
                                                 std::to_string(i + 1) + " are both named " +
                                                 Quote(series[j].name) + ": rename one"));
      }
    }
  }

  // One reservation instead of repeated doubling of every column. The estimate comes from the
  // first data row's length; it is capped because a valid row needs at least one byte per
  // column, so odd input cannot make it reserve more than a small multiple of its own size.
  {
    size_t probe = pos;
    uint64_t ignored = 0;
    while (probe < content.size() && BlankLine(content, probe, next, ignored)) probe = next;
    const void* nl = std::memchr(content.data() + probe, '\n', content.size() - probe);
    const size_t first_len =
        nl != nullptr
            ? static_cast<size_t>(static_cast<const char*>(nl) - content.data()) - probe + 1
            : content.size() - probe;
    const size_t remaining = content.size() - probe;
    const size_t estimate =
        std::min(remaining / std::max<size_t>(first_len, 1) + 16, remaining / columns + 1);
    for (MetricSeries& s : series) s.samples.reserve(estimate);
  }

  TimeReader times(options.default_offset);
  std::vector<double> row(columns - 1);
  std::string reason, cell_reason;
  size_t bad_cells = 0;
  bool bad = false;
  TimePoint time{};

  auto on_field = [&](size_t col, std::string_view field) {
    if (bad || col >= columns) return;
    if (col == 0) {
      if (!times.Read(field, time, reason)) {
        reason = "column " + Quote(header[0]) + ": " + reason;
        bad = true;
      }
      return;
    }
    const ValueStatus status = ParseValue(field, row[col - 1]);
    if (status != ValueStatus::kOk) {
      // One bad cell costs that cell, not the row: the other columns' values at that time are
      // good (found by probing: an 'inf' CPU dropped the memory reading beside it). With
      // --strict it stops the ingest like any malformed line.
      // A row with no good value at all is a malformed line, as before.
      row[col - 1] = std::numeric_limits<double>::quiet_NaN();
      if (++bad_cells == 1) {
        reason = ValueError(status, series[col - 1].name, Trim(field));
        cell_reason = reason;
        if (cell_reason.ends_with(" not stored")) cell_reason.resize(cell_reason.size() - 11);
        cell_reason += ": stored as missing";
      }
      if (options.strict) bad = true;
    }
  };

  while (pos < content.size()) {
    if (BlankLine(content, pos, next, newlines)) {
      pos = next;
      line += newlines;
      continue;
    }
    const uint64_t record_line = line;
    bad = false;
    bad_cells = 0;
    cell_reason.clear();
    const RecordEnd rec = ReadRecord(content, pos, scratch, on_field);
    pos = rec.next;
    line += rec.newlines;

    if (!rec.quote_error.empty()) {
      reason = std::string(rec.quote_error);
      bad = true;
    } else if (rec.fields != columns) {
      reason =
          "expected " + std::to_string(columns) + " columns, found " + std::to_string(rec.fields);
      bad = true;
    } else if (bad_cells == columns - 1) {
      bad = true;  // `reason` names the first bad cell
    }
    if (bad) {
      if (options.strict) {
        finish_lines();
        report.Malformed(record_line, reason);
        return Fail(ErrorCode::kInvalidArgument, LineMessage(record_line, reason));
      }
      report.Malformed(record_line, std::move(reason));
      reason.clear();
      continue;
    }
    for (size_t i = 0; i < series.size(); ++i) series[i].samples.push_back({time, row[i]});
    ++report.records;
    if (!cell_reason.empty()) report.Recovered(record_line, std::move(cell_reason));
  }
  finish_lines();

  if (report.records == 0) {
    std::string message = "no data rows";
    if (!report.first_malformed.empty()) {
      message +=
          " (" + std::to_string(report.malformed) + " malformed; first: " +
          LineMessage(report.first_malformed.front().line, report.first_malformed.front().reason) +
          ")";
    }
    return Fail(ErrorCode::kInvalidArgument, std::move(message));
  }
  return series;
}

}  // namespace forescale::ingest
