// Evaluates a season profile at any instant: the log-factor of bin i is taken to hold at the
// bin's centre, and values between centres are interpolated linearly (circularly), so a
// profile fitted at 1 minute gives a smooth shape at 1 second, and the fitted grid itself
// (bucket centres = bin centres when bin == step) sees the stored factors exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "generate/load_model.h"

namespace forescale::generate::internal {

class SeasonCurve {
 public:
  explicit SeasonCurve(const SeasonProfile& profile)
      : period_ms_(profile.period.count()), bin_ms_(profile.bin.count()) {
    log_.reserve(profile.factors.size());
    for (double f : profile.factors) log_.push_back(std::log(f));
  }
  // Log-factor at `t_ms` milliseconds since the Unix epoch.
  double At(int64_t t_ms) const {
    if (log_.empty()) return 0.0;
    int64_t phase = (t_ms - bin_ms_ / 2) % period_ms_;
    if (phase < 0) phase += period_ms_;
    const int64_t i = phase / bin_ms_;
    const double frac = static_cast<double>(phase - i * bin_ms_) / static_cast<double>(bin_ms_);
    const size_t a = static_cast<size_t>(i);
    const size_t b = a + 1 == log_.size() ? 0 : a + 1;
    return log_[a] + frac * (log_[b] - log_[a]);
  }
  int64_t period_ms() const { return period_ms_; }

 private:
  int64_t period_ms_;
  int64_t bin_ms_;
  std::vector<double> log_;
};

// Log-scale sum of the seasons at `t_ms` (the log of their combined factor).
inline double SeasonsAt(const std::vector<SeasonCurve>& curves, int64_t t_ms) {
  double s = 0;
  for (const auto& c : curves) s += c.At(t_ms);
  return s;
}

}  // namespace forescale::generate::internal
