// AWS EC2 Auto Scaling predictive scaling, as the EC2 Auto Scaling User Guide and the
// PredictiveScalingConfiguration API reference describe it.
//
//   kind: aws-predictive
//   mode: ForecastAndScale          # ForecastOnly (default) | ForecastAndScale
//   metric: cpu                     # metric pair: cpu (ASGCPUUtilization) or
//                                   # request-rate-per-target (ALBRequestCount)
//   target: 60%                     # TargetValue: CPU, or requests/s per replica
//   scheduling_buffer_time: 5m      # SchedulingBufferTime (default 300 s, at most 1 h)
//   max_capacity_breach_behavior: HonorMaxCapacity   # | IncreaseMaxCapacity
//   max_capacity_buffer: 10         # MaxCapacityBuffer, percent of the forecast capacity (0-100)
//   model: snaive                   # the forecasting model (AWS does not publish its own)
//
// What AWS documents, and this policy does:
//  - It needs at least 24 hours of metric history before it forecasts, and uses up to the last
//    14 days (MetricSource::History(request rate, 14 d, 1 h)).
//  - It forecasts the load hourly for the next 48 hours and makes a new forecast every 6 hours.
//  - The capacity for each hour is set at the start of that hour, and launched
//    SchedulingBufferTime early: at 09:55 with the default buffer the capacity for 10:00-11:00
//    applies.
//  - Capacity = ceil(forecast load / per-replica load at the target): for CPU
//    ceil(rps / (target x capacity_per_replica)), for requests per target ceil(rps / target).
//  - It only ever adds capacity: a forecast capacity sets the group's minimum for the hour; it
//    never scales in (dynamic policies, in `combined`, do that down to the forecast minimum).
//  - ForecastOnly (the default) decides nothing: the capacity stays where it is and the reason
//    reports the forecast, so it can be evaluated before it is trusted. ForecastAndScale acts.
//  - MaxCapacityBreachBehavior: HonorMaxCapacity caps the forecast capacity at the maximum;
//    IncreaseMaxCapacity lets it lift the maximum to the forecast capacity plus
//    MaxCapacityBuffer percent of it (forecast 50, buffer 10 -> maximum 55).
//
// Inside `combined` the policy acts through the bounds (see BoundsSetter): it raises the minimum
// the other members see to the forecast capacity, and under IncreaseMaxCapacity may raise a
// maximum a scheduled action lowered.
//
// Deviations: AWS's forecasting model is not public; the project's forecast engine stands in
// (model `snaive` by default: last week at the same hour once a week of history exists, else
// yesterday; any engine model or "auto" may be named). The load metric is the service's request
// rate (AWS's load metric for the CPU pair is total CPU, which is the request rate divided by
// capacity_per_replica here). The resource's own maximum in the Observation is a hard limit per
// the Policy contract, so IncreaseMaxCapacity can never go above it: the reason reports the
// maximum AWS would have set instead. Forecast buckets follow the metric's newest sample rather
// than clock hours; an hour takes the larger of the two buckets it overlaps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

struct AwsPredictiveOptions {
  enum class Mode { kForecastOnly, kForecastAndScale };
  enum class Breach { kHonorMaxCapacity, kIncreaseMaxCapacity };
  internal::MetricSpec metric;  // CPU or requests per target
  double target = 0.6;
  Mode mode = Mode::kForecastOnly;
  Duration scheduling_buffer{std::chrono::seconds(300)};
  Breach breach = Breach::kHonorMaxCapacity;
  double max_capacity_buffer = 0;  // percent
  std::string model = "snaive";
  // Used when an observation carries no capacity_per_replica.
  double capacity_per_replica = 0;
  // AWS's fixed figures, exposed for tests and documentation.
  Duration min_history{std::chrono::hours(24)};
  Duration lookback{std::chrono::hours(24 * 14)};
  Duration refresh{std::chrono::hours(6)};
  size_t horizon_hours = 48;
};

// Not thread-safe: one object per scaled resource (see policy.h).
class AwsPredictivePolicy final : public Policy, public internal::BoundsSetter {
 public:
  explicit AwsPredictivePolicy(AwsPredictiveOptions options);
  std::string_view kind() const override { return "aws-predictive"; }
  Duration interval() const override { return std::chrono::minutes(1); }
  Decision Decide(const Observation& observation) override;
  internal::Bounds Narrow(const Observation& observation) override;

  // When the forecast in use was made; none before the first one.
  std::optional<TimePoint> last_forecast() const { return made_; }
  size_t forecasts_made() const { return forecasts_made_; }

 private:
  void MaybeRefresh(const Observation& observation);
  // The forecast load of the clock hour starting at `hour`; none when the forecast misses it.
  std::optional<double> LoadForHour(TimePoint hour) const;

  AwsPredictiveOptions options_;
  std::optional<TimePoint> made_;
  TimePoint start_{};         // time of the first forecast bucket
  std::vector<double> load_;  // hourly buckets from start_
  std::string model_used_;
  std::string status_;  // why there is no forecast, when there is none
  size_t forecasts_made_ = 0;
};

}  // namespace forescale::policy
