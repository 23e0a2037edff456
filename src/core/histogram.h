// A log-linear histogram of positive values (latencies), mergeable and serialisable.
//
// Bucket i covers [kMin * g^i, kMin * g^(i+1)) with g = 1.02, so any quantile it reports is
// within 1 % of an observed value, from 1 microsecond to beyond a day — HdrHistogram's promise
// with far fewer lines. Values below kMin go to bucket 0; zero and negative values are counted
// as zero. Merging two histograms is exact: that is why the store keeps them per bucket
// instead of quantiles, which cannot be merged.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace forescale {

class LogHistogram {
 public:
  static constexpr double kMin = 1e-6;
  static constexpr double kGrowth = 1.02;

  void Add(double value, uint64_t count = 1);
  void Merge(const LogHistogram& other);
  uint64_t count() const { return count_; }
  // Type-7-like quantile of the recorded values (bucket midpoints); NaN when empty.
  double Quantile(double q) const;

  std::string Serialize() const;  // compact sparse encoding
  static Result<LogHistogram> Deserialize(std::string_view data);

 private:
  static uint32_t BucketOf(double value);
  static double Midpoint(uint32_t bucket);

  std::vector<uint64_t> counts_;  // counts_[i] for bucket i; grows on demand
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
};

}  // namespace forescale
