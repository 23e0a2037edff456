#include "forecast/internal/fill.h"

#include <cmath>

namespace forescale::forecast::internal {

std::vector<double> FillMissing(const std::vector<double>& values, size_t period) {
  std::vector<double> out = values;
  const size_t n = out.size();
  const bool seasonal = period > 1;
  size_t i = 0;
  while (i < n) {
    if (!std::isnan(out[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && std::isnan(out[j])) ++j;  // gap is [i, j)
    const size_t length = j - i;
    const bool has_left = i > 0, has_right = j < n;
    if (seasonal && (length >= period || !has_left || !has_right)) {
      // Seasonal fill: from one period back (already filled, left to right), else forward.
      for (size_t k = i; k < j; ++k) {
        if (k >= period && !std::isnan(out[k - period])) {
          out[k] = out[k - period];
        } else {
          size_t f = k + period;
          while (f < n && std::isnan(values[f])) f += period;
          out[k] = f < n ? values[f] : std::nan("");
        }
      }
      // Anything still missing (no value at this phase anywhere) is interpolated below.
      bool any_left = false;
      for (size_t k = i; k < j; ++k) any_left |= std::isnan(out[k]);
      if (!any_left) {
        i = j;
        continue;
      }
    }
    const double left = has_left ? out[i - 1] : (has_right ? out[j] : 0.0);
    const double right = has_right ? out[j] : left;
    for (size_t k = i; k < j; ++k) {
      if (!std::isnan(out[k])) continue;
      const double w = static_cast<double>(k - i + 1) / static_cast<double>(length + 1);
      out[k] = has_left && has_right ? left + w * (right - left) : (has_left ? left : right);
    }
    i = j;
  }
  return out;
}

double MeanPresent(const std::vector<double>& values) {
  double sum = 0;
  size_t n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace forescale::forecast::internal
