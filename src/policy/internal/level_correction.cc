#include "policy/internal/level_correction.h"

#include <algorithm>
#include <cmath>

namespace forescale::policy::internal {

void LevelCorrection::Expect(TimePoint from, TimePoint to, double forecast,
                             double recent_log_ratio) {
  if (!(forecast > 0) || !std::isfinite(forecast) || !std::isfinite(recent_log_ratio) ||
      to <= from) {
    return;
  }
  pending_.push_back({from, to, forecast, recent_log_ratio});
}

void LevelCorrection::Observe(const Series& delivered) {
  if (delivered.empty() || delivered.step.count() <= 0) return;
  const TimePoint end = delivered.end();
  while (!pending_.empty() && pending_.front().to <= end) {
    const Expectation e = pending_.front();
    pending_.pop_front();
    if (e.from < delivered.start) continue;  // only partly seen
    const int64_t first = (e.from - delivered.start) / delivered.step;
    const int64_t last = (e.to - delivered.start - Duration(1)) / delivered.step;
    double sum = 0;
    int n = 0;
    for (int64_t i = first; i <= last && i < static_cast<int64_t>(delivered.size()); ++i) {
      const double v = delivered.values[static_cast<size_t>(i)];
      if (std::isfinite(v)) sum += v, ++n;
    }
    if (n == 0 || !(sum > 0)) continue;  // a monitoring gap, or no load to take a ratio of
    const double ahead = std::log(sum / n / e.forecast);
    pairs_.push_back({e.to, e.recent, ahead});
    sum_xy_ += e.recent * ahead;
    sum_xx_ += e.recent * e.recent;
    ++since_resum_;
  }
  if (!pairs_.empty()) {
    const TimePoint newest = pairs_.back().at;
    while (!pairs_.empty() && pairs_.front().at < newest - keep_) {
      sum_xy_ -= pairs_.front().recent * pairs_.front().ahead;
      sum_xx_ -= pairs_.front().recent * pairs_.front().recent;
      pairs_.pop_front();
    }
  }
  // Running sums drift by rounding as pairs come and go: summed afresh now and then.
  if (since_resum_ >= std::max<size_t>(pairs_.size(), 1000)) {
    since_resum_ = 0;
    sum_xy_ = sum_xx_ = 0;
    for (const Pair& p : pairs_) sum_xy_ += p.recent * p.ahead, sum_xx_ += p.recent * p.recent;
  }
}

double LevelCorrection::Gain() const {
  if (pairs_.size() < min_pairs_ || !(sum_xx_ > 0)) return 1.0;
  return std::clamp(sum_xy_ / sum_xx_, 0.0, 1.0);
}

}  // namespace forescale::policy::internal
