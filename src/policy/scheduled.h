// AWS EC2 Auto Scaling scheduled actions: at set times, set the group's minimum, maximum and/or
// desired capacity.
//
//   kind: scheduled
//   replay: 7d                    # see "Start" below (default 7d; 0 = start from the bounds)
//   actions:
//     - name: business-hours
//       cron: "0 8 * * 1-5"       # Recurrence: minute hour day-of-month month day-of-week, UTC
//       min: 10                   # MinSize
//       max: 200                  # MaxSize
//       desired: 20               # DesiredCapacity (optional)
//       start: 2024-03-01T00:00:00Z   # StartTime / EndTime bound a recurrence (optional)
//       end: 2024-06-30T00:00:00Z
//     - name: launch-day
//       at: 2024-03-12T09:00:00Z  # a one-time action (StartTime without recurrence)
//       min: 40
//
// Semantics (AWS scheduled actions):
//  - An action runs at its times; what it sets stays set until another action changes it, and
//    a field it leaves out keeps its value. Actions due at the same minute run in file order.
//  - DesiredCapacity is set once, when the action runs; the group then keeps its capacity, and
//    other policies may change it, within the bounds.
//  - Raising the minimum above the current capacity scales out to it; lowering the maximum below
//    it scales in to it.
//  - Standalone, the policy keeps the current capacity within the scheduled bounds (and applies
//    a DesiredCapacity when one runs). Inside `combined` it narrows the bounds the other members
//    see, and a DesiredCapacity becomes the capacity they start from.
//  - Bounds only narrow: the resource's own [min, max] (the observation's) stay hard limits; a
//    scheduled max above it is cut to it. When a run leaves min > max, the max is raised to the
//    min (AWS refuses such an action; here the later field wins rather than failing mid-run).
//  - Start: a group whose schedule has been in place for a while already carries the effect of
//    its past runs. So on the first decision the runs of the `replay` span before it are
//    applied (bounds only, never a stale DesiredCapacity). replay: 0 starts from the resource's
//    bounds, as a schedule created at that moment would.
// Times are UTC (AWS's default time zone for scheduled actions).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

struct ScheduledAction {
  std::string name;
  std::optional<CronSchedule> cron;  // recurrence ...
  std::optional<TimePoint> at;       // ... or one time
  std::optional<TimePoint> start;    // recurrence window
  std::optional<TimePoint> end;
  std::optional<int> min_replicas;
  std::optional<int> max_replicas;
  std::optional<int> desired_replicas;
};

struct ScheduledOptions {
  std::vector<ScheduledAction> actions;
  Duration replay{std::chrono::hours(24 * 7)};
};

// Not thread-safe: one object per scaled resource (see policy.h).
class ScheduledPolicy final : public Policy, public internal::BoundsSetter {
 public:
  explicit ScheduledPolicy(ScheduledOptions options);
  std::string_view kind() const override { return "scheduled"; }
  Duration interval() const override { return std::chrono::minutes(1); }
  Decision Decide(const Observation& observation) override;
  internal::Bounds Narrow(const Observation& observation) override;

 private:
  struct Run {
    TimePoint time;
    size_t action;
  };
  // Runs with from < time <= to, in time order, file order within a minute.
  std::vector<Run> RunsIn(TimePoint from, TimePoint to) const;

  ScheduledOptions options_;
  std::optional<TimePoint> last_;
  std::optional<int> min_, max_;
  std::string last_action_;  // the latest action that ran, for reasons
};

}  // namespace forescale::policy
