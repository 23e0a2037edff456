// AWS EC2 Auto Scaling step scaling and simple scaling, as the EC2 Auto Scaling User Guide and
// the PutScalingPolicy / StepAdjustment API reference describe them.
//
// One file holds the group's alarm-driven policies (AWS pairs each policy with one CloudWatch
// alarm; a group usually has a scale-out and a scale-in policy):
//
//   kind: step
//   mode: step                      # step (default) | simple
//   warmup: 2m                      # step mode: EstimatedInstanceWarmup (default 300 s)
//   cooldown: 300s                  # simple mode: the default cooldown (default 300 s)
//   policies:
//     - name: scale-out
//       alarm: {metric: cpu, comparison: ">=", threshold: 70%, period: 1m,
//               evaluation_periods: 3, datapoints_to_alarm: 3}
//       adjustment_type: PercentChangeInCapacity  # | ChangeInCapacity | ExactCapacity
//       min_adjustment_magnitude: 2
//       steps:                      # bounds are offsets from the threshold, in its unit
//         - {lower: 0, upper: 10%, adjustment: 10}
//         - {lower: 10%, adjustment: 30}
//     - name: scale-in
//       alarm: {metric: cpu, comparison: "<=", threshold: 30%, evaluation_periods: 15}
//       adjustment_type: ChangeInCapacity
//       steps: [{upper: 0, adjustment: -1}]
//
// In simple mode a policy has `adjustment:` (and optionally its own `cooldown:`) instead of
// `steps:`.
//
// Alarms: one datapoint per `period` (the period's average of the metric); ALARM when
// `datapoints_to_alarm` of the last `evaluation_periods` datapoints breach. While an alarm is in
// ALARM its policy runs at every evaluation (AWS keeps invoking the policy while the alarm stays
// in ALARM).
//
// Step adjustments: the step whose interval holds (metric - threshold) applies. Above the
// threshold the lower bound is inclusive and the upper exclusive; below it, the lower bound is
// exclusive and the upper inclusive; a missing bound is infinite. The steps may neither overlap
// nor leave a gap; at most one has no lower and one no upper bound, never both; a negative lower
// bound requires a step without lower bound, a positive upper bound one without upper bound.
//
// Adjustment types: ChangeInCapacity adds the adjustment; ExactCapacity sets it;
// PercentChangeInCapacity adds that percentage of the capacity, rounded as AWS does (above 1
// down, between 0 and 1 to 1, between -1 and 0 to -1, below -1 up: 12.7 -> 12, -6.67 -> -6),
// then raised to `min_adjustment_magnitude` when smaller.
//
// Step mode, warm-up: instances in warm-up do not count toward the current capacity while
// scaling out, so repeated breaches within the same step cause one scaling activity and a larger
// step adds only the difference (metric 60 then 70 with 10 instances: +1, then 10 + 3 = 13 while
// 11 are asked for, so +2). While scaling in, terminating instances count as capacity, and no
// scale-in starts while a scale-out is in progress (instances warming up).
//
// Simple mode, cooldown: after a simple policy scales, no simple policy scales again until that
// policy's cooldown (default: the group's default cooldown, 300 s) has passed.
//
// Several policies in ALARM at once: the one giving the largest capacity wins, for scale out and
// scale in alike (AWS's rule for several policies on one group).
//
// Known simplification: the cooldown runs from the scaling decision; AWS starts it when the
// scaling activity completes (instances in service), typically a minute or two later.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

enum class AdjustmentType { kChangeInCapacity, kExactCapacity, kPercentChangeInCapacity };

struct StepAdjustment {
  std::optional<double> lower;  // offset from the threshold; none: minus infinity
  std::optional<double> upper;  // none: plus infinity
  int adjustment = 0;
};

struct StepAlarm {
  internal::MetricSpec metric;
  internal::Comparison comparison = internal::Comparison::kGreaterOrEqual;
  double threshold = 0.8;
  Duration period{std::chrono::seconds(60)};
  int evaluation_periods = 1;
  int datapoints_to_alarm = 0;  // 0: equal to evaluation_periods
};

struct StepPolicySpec {
  std::string name;
  StepAlarm alarm;
  AdjustmentType adjustment_type = AdjustmentType::kChangeInCapacity;
  int min_adjustment_magnitude = 0;   // PercentChangeInCapacity only
  std::vector<StepAdjustment> steps;  // simple mode: one step without bounds
  std::optional<Duration> cooldown;   // simple mode; none: the file's default cooldown
};

struct StepScalingOptions {
  enum class Mode { kStep, kSimple };
  Mode mode = Mode::kStep;
  std::vector<StepPolicySpec> policies;
  Duration warmup{std::chrono::seconds(300)};    // step mode
  Duration cooldown{std::chrono::seconds(300)};  // simple mode default cooldown
};

// The capacity `adjustment` of `type` makes of `capacity`, with AWS's rounding of percentages.
int64_t ApplyAdjustment(AdjustmentType type, int adjustment, int capacity,
                        int min_adjustment_magnitude);

// Not thread-safe: one object per scaled resource (see policy.h).
class StepScalingPolicy final : public Policy {
 public:
  explicit StepScalingPolicy(StepScalingOptions options);
  std::string_view kind() const override { return "step"; }
  Duration interval() const override { return interval_; }
  Decision Decide(const Observation& observation) override;

 private:
  StepScalingOptions options_;
  std::vector<internal::AlarmEvaluator> alarms_;
  Duration interval_{std::chrono::seconds(60)};
  internal::LaunchLog launches_;
  std::optional<TimePoint> cooldown_until_;
};

}  // namespace forescale::policy
