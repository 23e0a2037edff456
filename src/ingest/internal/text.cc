#include "ingest/internal/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace forescale::ingest::internal {

std::string Printable(std::string_view text, size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const size_t n = std::min(text.size(), limit);
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

std::string Quote(std::string_view text) { return "'" + Printable(text, 40) + "'"; }

ValueKind ParseSampleValue(std::string_view text, double& out) {
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') {
    number.remove_prefix(1);
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size()) {
    return ValueKind::kBad;
  }
  if (std::isinf(v)) return ValueKind::kInfinite;
  out = std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v;
  return ValueKind::kNumber;
}

}  // namespace forescale::ingest::internal
