#include "sim/internal/monitor.h"

#include <algorithm>
#include <cmath>

namespace forescale::sim::internal {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

double HashNormal(uint64_t key) {
  // Irwin-Hall: the sum of four 16-bit uniforms, standardised. Close enough to Gaussian for
  // measurement noise (it lacks only the far tails) and no transcendental function per sample.
  const uint64_t h = SplitMix(key);
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += static_cast<double>((h >> (16 * k)) & 0xFFFF);
  // Each uniform on [0, 65535]: mean 32767.5, variance 65536^2 / 12.
  return (sum - 4 * 32767.5) / (65536.0 * std::sqrt(4.0 / 12.0));
}

Monitor::Monitor(TimePoint start, Duration step, const MonitoringModel& model, uint64_t seed,
                 size_t expected_steps)
    : start_(start),
      step_(step),
      interval_(model.interval),
      delay_(model.delay),
      noise_(model.noise),
      seed_(seed),
      now_(start) {
  steps_per_bucket_ = static_cast<size_t>(std::max<int64_t>(1, interval_.count() / step_.count()));
  interval_ = step_ * static_cast<int64_t>(steps_per_bucket_);
  const size_t buckets = expected_steps / steps_per_bucket_ + 1;
  for (auto& b : buckets_) b.reserve(buckets);
  true_cpu_.reserve(buckets);
}

void Monitor::Record(const StepTruth& truth) {
  sums_[0] += truth.cpu;
  sums_[1] += truth.request_rate;
  sums_[2] += truth.latency_p95;
  sums_[3] += truth.in_flight;
  sums_[4] += truth.drop_rate;
  if (++steps_in_bucket_ < steps_per_bucket_) return;
  const uint64_t b = true_cpu_.size();
  const double n = static_cast<double>(steps_per_bucket_);
  true_cpu_.push_back(sums_[0] / n);
  for (size_t m = 0; m < kMetrics; ++m) {
    const double factor =
        noise_ > 0 ? std::max(0.0, 1.0 + noise_ * HashNormal(seed_ ^ (b * kMetrics + m) * 0x9E37ULL))
                   : 1.0;
    buckets_[m].push_back(sums_[m] / n * factor);
    sums_[m] = 0;
  }
  steps_in_bucket_ = 0;
}

size_t Monitor::DeliveredBuckets() const {
  const int64_t visible = (now_ - delay_ - start_).count();
  if (visible <= 0) return 0;
  const size_t complete = static_cast<size_t>(visible / interval_.count());
  return std::min(complete, true_cpu_.size());
}

double Monitor::Average(policy::Metric metric, Duration window) const {
  const size_t delivered = DeliveredBuckets();
  if (delivered == 0) return std::nan("");
  const size_t want = static_cast<size_t>(
      std::max<int64_t>(1, (window.count() + interval_.count() / 2) / interval_.count()));
  const size_t n = std::min(want, delivered);
  const auto& values = buckets_[static_cast<size_t>(metric)];
  double sum = 0;
  for (size_t b = delivered - n; b < delivered; ++b) sum += values[b];
  return sum / static_cast<double>(n);
}

Series Monitor::History(policy::Metric metric, Duration span, Duration step) const {
  const size_t per = static_cast<size_t>(std::max<int64_t>(1, step.count() / interval_.count()));
  const size_t delivered = DeliveredBuckets();
  const size_t available = delivered / per;
  const size_t n = std::min(available, static_cast<size_t>(std::max<int64_t>(0, span / step)));
  Series out;
  out.step = interval_ * static_cast<int64_t>(per);
  const size_t first = delivered - n * per;
  out.start = BucketStart(first);
  out.values.resize(n);
  const auto& values = buckets_[static_cast<size_t>(metric)];
  for (size_t j = 0; j < n; ++j) {
    double sum = 0;
    for (size_t k = 0; k < per; ++k) sum += values[first + j * per + k];
    out.values[j] = sum / static_cast<double>(per);
  }
  return out;
}

}  // namespace forescale::sim::internal
