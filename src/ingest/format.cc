#include "ingest/format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>

#include "ingest/access_log.h"

namespace forescale::ingest {
namespace {

struct Named {
  Format format;
  const char* name;
};
constexpr std::array<Named, 6> kFormats = {{{Format::kAuto, "auto"},
                                            {Format::kClf, "clf"},
                                            {Format::kCombined, "combined"},
                                            {Format::kCsv, "csv"},
                                            {Format::kPromJson, "prom-json"},
                                            {Format::kPromText, "prom-text"}}};

std::string_view FirstLine(std::string_view text) {
  // Skip a UTF-8 byte order mark and blank lines.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
  const size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool LooksLikePromSample(std::string_view line) {
  // name{labels} value | name value [ts]
  size_t i = 0;
  auto name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  if (line.empty() || !name_char(line[0], true)) return false;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i < line.size() && line[i] == '{') {
    const size_t close = line.find('}', i);
    if (close == std::string_view::npos) return false;
    i = close + 1;
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string_view value = line.substr(i + 1, line.find(' ', i + 1) - i - 1);
  if (value == "NaN" || value == "+Inf" || value == "-Inf") return true;
  double parsed = 0;
  const char* begin = value.data() + (value.starts_with('+') ? 1 : 0);
  auto [end, ec] = std::from_chars(begin, value.data() + value.size(), parsed);
  return ec == std::errc() && end == value.data() + value.size();
}

bool LooksLikeCsvHeader(std::string_view line) {
  const size_t comma = line.find(',');
  if (comma == std::string_view::npos || comma == 0) return false;
  std::string first(line.substr(0, comma));
  std::erase(first, '"');
  std::transform(first.begin(), first.end(), first.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* name : {"timestamp", "time", "ts", "date", "datetime", "@timestamp", "t"}) {
    if (first == name) return true;
  }
  return false;
}

}  // namespace

Result<Format> ParseFormat(std::string_view name) {
  for (const auto& f : kFormats) {
    if (name == f.name) return f.format;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown format '" + std::string(name) +
                  "' (expected auto, clf, combined, csv, prom-json or prom-text)");
}

const char* FormatName(Format format) {
  for (const auto& f : kFormats) {
    if (f.format == format) return f.name;
  }
  return "?";
}

bool IsAccessLog(Format format) { return format == Format::kClf || format == Format::kCombined; }

Result<Format> DetectFormat(std::string_view head) {
  if (head.find('\0') != std::string_view::npos) {
    return Fail(ErrorCode::kCorrupt,
                "looks like a binary file (NUL byte at offset " +
                    std::to_string(head.find('\0')) + "), not text");
  }
  const std::string_view line = FirstLine(head);
  if (line.empty()) return Fail(ErrorCode::kInvalidArgument, "is empty (no line to read)");
  std::string_view trimmed = head;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (trimmed.starts_with("\xEF\xBB\xBF")) trimmed.remove_prefix(3);
  if (!trimmed.empty() && trimmed.front() == '{') return Format::kPromJson;
  if (line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line.starts_with("# EOF") ||
      LooksLikePromSample(line)) {
    return Format::kPromText;
  }
  bool combined = false;
  if (LooksLikeAccessLog(line, &combined)) return combined ? Format::kCombined : Format::kClf;
  if (LooksLikeCsvHeader(line)) return Format::kCsv;
  std::string shown(line.substr(0, 80));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return Fail(ErrorCode::kInvalidArgument,
              "cannot tell the format from the first line '" + shown +
                  "'; pass --format clf|combined|csv|prom-json|prom-text");
}

}  // namespace forescale::ingest
