// Several policies on one scaled resource, resolved the way AWS EC2 Auto Scaling resolves the
// policies of one group.
//
//   kind: combined
//   members:
//     - scheduled.yaml                          # a policy file (relative to this file) ...
//     - {kind: target-tracking, metric: cpu, target: 60%}      # ... or an inline policy
//     - {kind: target-tracking, metric: request-rate-per-target, target: 30}
//     - {kind: aws-predictive, mode: ForecastAndScale, metric: cpu, target: 60%}
//
// Semantics:
//  - Largest capacity wins: "if any target tracking policy is ready to scale out, the group
//    scales out; it scales in only when all of them (with scale-in enabled) are ready to scale
//    in"; for several step/simple policies AWS likewise "chooses the policy that provides the
//    largest capacity". A member that holds returns the current capacity, so it vetoes a
//    scale-in by the others.
//  - Bound setters act first and narrow the bounds the others see: scheduled members (in file
//    order) set the [min, max] of their latest actions, and a DesiredCapacity they set becomes
//    the capacity the others start from; then predictive members raise the minimum to the
//    forecast capacity (and, with IncreaseMaxCapacity, may lift a scheduled maximum). The final
//    capacity is kept within the narrowed bounds, and always within the resource's own.
//  - Timing: interval() is the smallest member interval; each member is asked only at its own
//    interval and its last answer stands in between.
//  - The reason names the member that won and lists the bounds that applied; expected_load is
//    the winner's, or else a predictive member's.
// Members named by a kind alone ("- target-tracking") get that kind's defaults; a scheduled or
// combined member needs a file or inline configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

// Not thread-safe: one object per scaled resource (see policy.h).
class CombinedPolicy final : public Policy {
 public:
  // `members` must not be empty.
  explicit CombinedPolicy(std::vector<std::unique_ptr<Policy>> members);
  std::string_view kind() const override { return "combined"; }
  Duration interval() const override { return interval_; }
  Decision Decide(const Observation& observation) override;

 private:
  struct Member {
    std::unique_ptr<Policy> policy;
    internal::BoundsSetter* bounds = nullptr;  // the same object, when it sets bounds
    std::optional<TimePoint> next_due;
    std::optional<Decision> last_decision;
    std::optional<internal::Bounds> last_bounds;
    size_t index = 0;  // position in the file, for reasons
  };
  bool Due(Member& member, TimePoint now);

  std::vector<Member> members_;  // bound setters first (scheduled, then predictive), then others
  Duration interval_{std::chrono::seconds(60)};
};

}  // namespace forescale::policy
