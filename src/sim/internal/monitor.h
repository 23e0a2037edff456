// The simulated monitoring pipeline: per-step truths in, MetricSource answers out. Samples are
// means over one monitoring interval, carry deterministic multiplicative noise and become
// visible `delay` after their interval ends — so a policy sees what metrics-server, Prometheus
// or CloudWatch would have shown it, not the true current load.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "policy/observation.h"
#include "sim/service_model.h"

namespace forescale::sim::internal {

// A standard normal (approximately: no tails beyond 3.5 sd) drawn from a key: the same key,
// the same draw, whatever the call order.
double HashNormal(uint64_t key);

struct StepTruth {
  double cpu = 0;          // of ready replicas
  double request_rate = 0;
  double latency_p95 = 0;
  double in_flight = 0;
  double drop_rate = 0;
};

class Monitor final : public policy::MetricSource {
 public:
  static constexpr size_t kMetrics = 5;

  Monitor(TimePoint start, Duration step, const MonitoringModel& model, uint64_t seed,
          size_t expected_steps);

  void Record(const StepTruth& truth);  // once per step, in order
  void set_now(TimePoint now) { now_ = now; }

  double Average(policy::Metric metric, Duration window) const override;
  Series History(policy::Metric metric, Duration span, Duration step) const override;

  // Buckets delivered by now (the newest is index count - 1), their span, and the noise-free
  // CPU of the ready replicas in one (the simulator adds each pod's own noise).
  size_t DeliveredBuckets() const;
  TimePoint BucketStart(size_t b) const { return start_ + interval_ * static_cast<int64_t>(b); }
  Duration interval() const { return interval_; }
  double TrueCpu(size_t b) const { return true_cpu_[b]; }

 private:
  TimePoint start_;
  Duration step_;
  Duration interval_;
  Duration delay_;
  double noise_;
  uint64_t seed_;
  TimePoint now_{};
  size_t steps_per_bucket_;
  size_t steps_in_bucket_ = 0;
  std::array<double, kMetrics> sums_{};
  // Doubles, unlike the timeline: a policy compares them with thresholds, and 0.6f read as
  // 0.60000002 breached a 60 % CPU target on a load exactly at it.
  std::array<std::vector<double>, kMetrics> buckets_;  // noisy means, one per closed bucket
  std::vector<double> true_cpu_;
};

}  // namespace forescale::sim::internal
