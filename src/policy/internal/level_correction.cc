#include "policy/internal/level_correction.h"

#include <algorithm>
#include <cmath>

#include "policy/internal/delivered_window.h"

namespace forescale::policy::internal {

void LevelCorrection::Expect(TimePoint from, TimePoint to, double forecast, double recent,
                             double newest) {
  if (!(forecast > 0) || !std::isfinite(forecast) || !std::isfinite(recent) ||
      !std::isfinite(newest) || to <= from) {
    return;
  }
  pending_.push_back({from, to, forecast, recent, newest});
}

void LevelCorrection::Observe(const Series& delivered) {
  if (delivered.empty() || delivered.step.count() <= 0) return;
  const TimePoint end = delivered.end();
  size_t changed = 0;
  while (!pending_.empty() && pending_.front().to <= end) {
    const Expectation e = pending_.front();
    pending_.pop_front();
    double sum = 0;
    int n = 0;
    if (!VisitDeliveredWindow(delivered, e.from, e.to, [&](double v) { sum += v, ++n; })) {
      continue;  // only partly seen
    }
    if (n == 0 || !(sum > 0)) continue;  // a monitoring gap, or no load to take a ratio of
    pairs_.push_back({e.to, e.recent, e.newest, std::log(sum / n / e.forecast)});
    Accumulate(pairs_.back(), +1);
    ++since_resum_, ++changed;
  }
  if (!pairs_.empty()) {
    const TimePoint newest = pairs_.back().at;
    while (!pairs_.empty() && pairs_.front().at < newest - keep_) {
      Accumulate(pairs_.front(), -1);
      pairs_.pop_front();
      ++changed;
    }
  }
  // Running sums drift by rounding as pairs come and go: summed afresh now and then.
  if (since_resum_ >= std::max<size_t>(pairs_.size(), 1000)) {
    since_resum_ = 0;
    rr_ = rn_ = nn_ = ra_ = na_ = aa_ = 0;
    for (const Pair& p : pairs_) Accumulate(p, +1);
  }
  if (changed == 0) return;
  gains_ = Gains{};
  if (pairs_.size() < min_pairs_) return;
  // Squared error of the fit a = g_r r + g_n n, from the normal equations' sums.
  auto sse = [&](double g_r, double g_n) {
    return aa_ - 2 * (g_r * ra_ + g_n * na_) + g_r * g_r * rr_ + 2 * g_r * g_n * rn_ +
           g_n * g_n * nn_;
  };
  const double det = rr_ * nn_ - rn_ * rn_;
  if (det > 1e-9 * rr_ * nn_) {
    const Gains joint{.recent = (ra_ * nn_ - na_ * rn_) / det,
                      .newest = (na_ * rr_ - ra_ * rn_) / det};
    const double total = joint.recent + joint.newest;
    if (total >= 0 && total <= 1 && std::abs(joint.recent) <= 1 && std::abs(joint.newest) <= 1) {
      gains_ = joint;
      return;
    }
  }
  const Gains by_recent{.recent = rr_ > 0 ? std::clamp(ra_ / rr_, 0.0, 1.0) : 0, .newest = 0};
  const Gains by_newest{.recent = 0, .newest = nn_ > 0 ? std::clamp(na_ / nn_, 0.0, 1.0) : 0};
  gains_ = sse(by_recent.recent, 0) <= sse(0, by_newest.newest) ? by_recent : by_newest;
}

void LevelCorrection::Accumulate(const Pair& p, double sign) {
  rr_ += sign * p.recent * p.recent, rn_ += sign * p.recent * p.newest;
  nn_ += sign * p.newest * p.newest, ra_ += sign * p.recent * p.ahead;
  na_ += sign * p.newest * p.ahead, aa_ += sign * p.ahead * p.ahead;
}

LevelCorrection::Gains LevelCorrection::gains() const { return gains_; }

double LevelCorrection::LogCorrection(double recent, double newest) const {
  return gains_.recent * recent + gains_.newest * newest;
}

}  // namespace forescale::policy::internal
