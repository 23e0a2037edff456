// AWS EC2 Auto Scaling target tracking, as the EC2 Auto Scaling User Guide describes it.
//
// The policy keeps a metric (average CPU, requests per target, or latency) near a target value
// through the two CloudWatch alarms AWS creates and manages for every target tracking policy:
//   - AlarmHigh: the 1-minute average above the target for 3 of 3 datapoints -> scale out;
//   - AlarmLow:  the 1-minute average below 90 % of the target for 15 of 15 datapoints -> scale
//     in ("scale in only when the metric is usually more than 10 % lower than the target").
// Each minute (interval 60 s) the alarms take one datapoint; while one is in ALARM the policy
// computes a capacity proportional to the metric:
//     capacity = ceil(instances x metric / target)
// where `instances` are the ones whose metrics make the average (for CPU and latency: the ready
// instances past their warm-up; for requests per target the ready targets the load balancer
// divides by, so capacity = ceil(request rate / target)). It scales out aggressively and in
// conservatively: the ceiling keeps the metric at or under the target after a scale-in.
//
// Instance warm-up (EstimatedInstanceWarmup, counted from launch; AWS falls back to the group's
// default cooldown of 300 s when it is unset): an instance in warm-up does not count toward the
// aggregated metric nor toward the current capacity, so a scale-out during warm-up adds only the
// difference between the new proportional capacity and the capacity already asked for ("4 + 2 =
// 6: desired becomes 6, so one instance is launched"); and scale-in waits until no instance is
// warming up. While scaling in, instances being terminated still count as capacity, so the
// policy does not remove the same instances twice while the metric catches up.
//
// `disable_scale_in` keeps the policy from ever removing capacity. Missing data is never read
// as low utilisation: a minute without data is a datapoint that does not breach.
// Several target tracking policies on one group: use `combined` (out if any, in only if all).
//
//   kind: target-tracking
//   metric: cpu            # cpu | request-rate-per-target | latency
//   target: 60%            # cpu: percent or fraction; requests/s per replica; latency: 250ms
//   warmup: 2m
//   disable_scale_in: false
//
// Known simplifications: the metric is the pipeline's mean over ready replicas; a replica that
// is ready but still inside the warm-up contributes to it (AWS would leave it out), which
// matters only when the warm-up is set longer than the start-up time. AWS's requests-per-target
// target is a per-minute count; here it is requests/s per replica (divide AWS's value by 60).
#pragma once

#include <memory>

#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

struct TargetTrackingOptions {
  internal::MetricSpec metric;  // default: CPU utilisation
  double target = 0.6;          // in the metric's unit (CPU as a fraction)
  Duration warmup{std::chrono::seconds(300)};
  bool disable_scale_in = false;
  // The alarms AWS creates; not user-settable in AWS, exposed for tests and documentation.
  Duration period{std::chrono::seconds(60)};
  int scale_out_datapoints = 3;
  int scale_in_datapoints = 15;
  double scale_in_band = 0.9;  // AlarmLow threshold = target x band
};

// Not thread-safe: one object per scaled resource (see policy.h).
class TargetTrackingPolicy final : public Policy {
 public:
  explicit TargetTrackingPolicy(TargetTrackingOptions options);
  std::string_view kind() const override { return "target-tracking"; }
  Duration interval() const override { return options_.period; }
  Decision Decide(const Observation& observation) override;
  const TargetTrackingOptions& options() const { return options_; }

 private:
  TargetTrackingOptions options_;
  internal::AlarmEvaluator high_;
  internal::AlarmEvaluator low_;
  internal::LaunchLog launches_;
};

}  // namespace forescale::policy
