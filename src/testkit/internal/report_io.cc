#include "testkit/internal/report_io.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace forescale::testkit::internal {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at text[i], 0 when it is not one (overlong forms and
// surrogates included, as the Unicode standard's table 3-7 says).
size_t Utf8Length(std::string_view text, size_t i, uint32_t& code_point) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  if (c < 0x80) {
    code_point = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) n = 2, code_point = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, code_point = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, code_point = c & 0x07;
  else return 0;
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (b(k) & 0x3F);
  }
  if ((n == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) ||
      (n == 4 && (code_point < 0x10000 || code_point > 0x10FFFF))) {
    return 0;
  }
  return n;
}

bool IsWhole(double v) { return v == std::round(v) && std::fabs(v) < 1e15; }

}  // namespace

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = Utf8Length(text, i, cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = Utf8Length(text, i, cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(text.substr(i, n));
        }
    }
    i += n;
  }
  return out;
}

std::string FormatMetric(std::string_view metric, double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const auto percent = [&] {
    const double p = v * 100;
    if (p == 0) return std::string("0 %");
    if (std::fabs(p) < 0.1) return fmt::format("{:.2g} %", p);
    return fmt::format("{:.1f} %", p);
  };
  if (metric == "drop_fraction" || metric == "rises_met_in_advance" || metric == "utilisation" ||
      metric == "cpu_utilisation" || metric == "forecast_mape") {
    return percent();
  }
  if (metric.starts_with("latency_")) {
    return std::fabs(v) < 10 ? fmt::format("{:.0f} ms", v * 1000) : fmt::format("{:.1f} s", v);
  }
  if (metric.starts_with("scaling_response_time")) {
    return std::fabs(v) < 10 ? fmt::format("{:.1f} s", v) : fmt::format("{:.0f} s", v);
  }
  if (metric == "cost") return fmt::format("{:.2f}", v);
  if (metric == "cost_efficiency") return fmt::format("{:.2f}", v);
  if (IsWhole(v)) return fmt::format("{:.0f}", v);
  if (std::fabs(v) >= 100) return fmt::format("{:.0f}", v);
  if (std::fabs(v) >= 0.1) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2g}", v);
}

}  // namespace forescale::testkit::internal
