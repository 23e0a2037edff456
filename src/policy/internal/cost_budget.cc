#include "policy/internal/cost_budget.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace forescale::policy::internal {
namespace {

// The HPA's default scale-down stabilisation window.
constexpr Duration kReferenceHold = std::chrono::minutes(5);
// And its default tolerance.
constexpr double kReferenceTolerance = 0.1;
constexpr Duration kSpentWindow = std::chrono::hours(24);
// Logit units per hour at 100 % over budget: from the configured 0.95 to 0.88 takes about an
// hour at 100 % over, a day at 4 %, so the spikes of a single hour move it little.
constexpr double kGainPerHour = 1.0;
// Savings bank up to this many logit units above the configured quantile (two hours at twice
// the budget, a day at 8 % over), so a day's busy hours are paid from its quiet ones and only
// a budget exceeded on average lowers the quantile (NASA: 117 against 132 SLO-violation minutes,
// its spend 0.94x the reference's over the run).
constexpr double kCredit = 2.0;
// The reference's level is averaged over about a day: the spend is measured against it.
constexpr double kLevelHours = 24.0;

double Logit(double p) { return std::log(p / (1 - p)); }

}  // namespace

CostBudget::CostBudget(double budget, double max_quantile, double target_utilisation,
                       Duration startup, double min_quantile)
    : budget_(budget),
      target_(target_utilisation),
      startup_(startup),
      min_logit_(Logit(std::min(min_quantile, max_quantile))),
      max_logit_(Logit(max_quantile)),
      logit_(max_logit_) {}

void CostBudget::Spend(TimePoint now, int own_replicas, double load, double capacity_per_replica) {
  // The reference's pods that are ready: what it ran a start-up delay ago.
  while (launched_.size() > 1 && launched_[1].first <= now - startup_) launched_.pop_front();
  const int ready = launched_.empty() ? reference_ : launched_.front().second;
  int need = reference_;
  if (capacity_per_replica > 0 && std::isfinite(load)) {
    if (ready <= 0 || reference_ <= 0) {
      need = static_cast<int>(std::ceil(load / (capacity_per_replica * target_) - 1e-9));
    } else {
      // As the HPA reads it: CPU of the ready pods (at most 100 %) against the target, no
      // change within the tolerance, and pods still starting count towards a scale-up.
      const double utilisation = std::min(load / (ready * capacity_per_replica), 1.0);
      const double ratio = utilisation / target_;
      if (std::abs(ratio - 1) > kReferenceTolerance) {
        need = static_cast<int>(std::ceil(ready * ratio - 1e-9));
        if (ratio > 1) need = std::max(need, reference_);
      }
    }
  }
  needs_.emplace_back(now, need);
  while (needs_.front().first <= now - kReferenceHold) needs_.pop_front();
  int reference = 0;
  for (const auto& [at, n] : needs_) reference = std::max(reference, n);
  reference_ = reference;
  launched_.emplace_back(now, reference);
  if (started_ && now > last_) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    const double hours = seconds / 3600;
    const double weight = std::min(1.0, hours / kLevelHours);
    reference_level_ += weight * (reference - reference_level_);
    const double over = (own_replicas - budget_ * reference) / std::max(reference_level_, 1.0);
    logit_ = std::clamp(logit_ - kGainPerHour * over * hours, min_logit_, max_logit_ + kCredit);

    day_.push_back({now, own_replicas * seconds, reference * seconds});
    day_own_ += day_.back().own;
    day_reference_ += day_.back().reference;
    while (day_.front().at <= now - kSpentWindow) {
      day_own_ -= day_.front().own;
      day_reference_ -= day_.front().reference;
      day_.pop_front();
    }
  } else if (!started_) {
    reference_level_ = reference;
  }
  started_ = true;
  last_ = now;
}

double CostBudget::quantile() const { return 1 / (1 + std::exp(-std::min(logit_, max_logit_))); }

double CostBudget::spent() const {
  return day_reference_ > 0 ? day_own_ / day_reference_ : std::nan("");
}

}  // namespace forescale::policy::internal
