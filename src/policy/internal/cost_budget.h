// Keeps a policy's replica-hours within a multiple of what a reactive policy would run.
//
// Users adopt predictive scaling to be ready before load arrives, usually on the condition that
// it costs no more than the autoscaler it replaces. The predictive policy's headroom is the
// quantile of its calibrated forecast: a load whose surges come at random needs a high quantile
// at every quiet minute to be ready for them, and that insurance can cost more than reacting.
// This class holds the policy to a budget: it runs a reactive reference alongside (the HPA's
// algorithm on the same load: the ready replicas' CPU, at most 100 %, against the service's
// target utilisation, its 10 % tolerance, replicas ready a start-up delay after they are asked
// for, its default five-minute scale-down stabilisation) and lowers the quantile while the
// policy's replica-hours run above
// `budget` times the reference's, raising it back (never above the configured one) while they
// run below. The control is integral, on the logit of the quantile: every replica-hour over
// budget moves it down in proportion, so over any long run the spend converges to the budget
// whenever the budget binds. Savings below the budget are banked, up to a couple of hours' worth
// at twice the budget, so a day's busy hours are paid from its quiet ones: a budget that holds
// on average leaves the configured quantile alone.
// Deterministic.
#pragma once

#include <deque>
#include <utility>

#include "core/time.h"

namespace forescale::policy::internal {

class CostBudget {
 public:
  // `budget`: a multiple of the reference's replica-hours; the quantile stays in
  // [min_quantile, max_quantile].
  CostBudget(double budget, double max_quantile, double target_utilisation, Duration startup,
             double min_quantile = 0.5);

  // One decision: the replicas the policy runs now, the load (requests/s) and what one replica
  // serves at 100 % CPU.
  void Spend(TimePoint now, int own_replicas, double load, double capacity_per_replica);
  // The quantile to provision at now.
  double quantile() const;
  // Own over reference replica-hours across the last day; NaN before any.
  double spent() const;

 private:
  double budget_;
  double target_;
  Duration startup_;
  std::deque<std::pair<TimePoint, int>> launched_;  // the reference's count over the start-up
  double min_logit_, max_logit_;
  double logit_;
  TimePoint last_{};
  bool started_ = false;
  double reference_level_ = 0;                   // the reference's replicas, averaged
  int reference_ = 0;                            // the reference's replicas
  std::deque<std::pair<TimePoint, int>> needs_;  // the stabilisation window
  struct Spent {
    TimePoint at;
    double own, reference;  // replica-seconds
  };
  std::deque<Spent> day_;
  double day_own_ = 0, day_reference_ = 0;
};

}  // namespace forescale::policy::internal
