// A regular time-grid series: the one shape every module exchanges.
//
// Invariants: `step > 0`; value i is the bucket [start + i*step, start + (i+1)*step);
// a missing value is NaN (never 0: zero requests and no data are different facts).
// Not thread-safe for concurrent mutation; const use from many threads is fine.
//
//   Series s{.start = t0, .step = std::chrono::minutes(1), .values = {3, 4, NAN, 5}};
//   Result<Series> hourly = Resample(s, std::chrono::hours(1), Aggregation::Sum());
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "core/time.h"

namespace forescale {

struct Series {
  TimePoint start{};
  Duration step{std::chrono::minutes(1)};
  std::vector<double> values;

  size_t size() const { return values.size(); }
  bool empty() const { return values.empty(); }
  TimePoint TimeAt(size_t i) const { return start + step * static_cast<int64_t>(i); }
  TimePoint end() const { return TimeAt(values.size()); }
  size_t MissingCount() const;
  // Steps [from, to) as a series of their own, starting at step `from` (both clamped to the
  // series).
  Series Slice(size_t from, size_t to) const;
};

// How the values that fall into one bucket become one value.
struct Aggregation {
  enum class Kind { kSum, kMean, kMax, kMin, kLast, kQuantile };
  Kind kind = Kind::kMean;
  double quantile = 0.5;  // used by kQuantile only, in [0, 1]

  static Aggregation Sum() { return {Kind::kSum}; }
  static Aggregation Mean() { return {Kind::kMean}; }
  static Aggregation Max() { return {Kind::kMax}; }
  static Aggregation Min() { return {Kind::kMin}; }
  static Aggregation Last() { return {Kind::kLast}; }
  static Aggregation Quantile(double q) { return {Kind::kQuantile, q}; }
};

// Parses "sum", "mean", "max", "min", "last", "p95", "q0.95", "median".
Result<Aggregation> ParseAggregation(std::string_view text);
// How a sentence names what the aggregation makes of a bucket's values: "mean", "sum",
// "largest", "smallest", "last", "quantile".
const char* AggregationName(Aggregation agg);

// Aggregates the non-NaN values; NaN when there are none. Quantiles interpolate linearly
// between order statistics (type 7, as R's and numpy's default). `values` may be reordered.
double Aggregate(std::span<double> values, Aggregation agg);

// Re-buckets onto a coarser grid whose buckets start at multiples of `step` since the epoch.
// `step` must be a whole multiple of `in.step`; anything else is an error, because splitting
// a bucket would invent data.
Result<Series> Resample(const Series& in, Duration step, Aggregation agg);
// The start of the epoch-aligned `step`-long bucket that holds `t` (step > 0), as Resample
// aligns its buckets.
TimePoint FloorTo(TimePoint t, Duration step);

// Builds a series from irregular (time, value) samples on a grid of multiples of `step` since
// the epoch; buckets without samples are NaN, several samples in one are aggregated. `samples`
// need not be sorted. A sample falls into the bucket floor(t / step), except when the samples
// share a phase within a quarter step of the grid lines (a writer at whole minutes whose clock
// jitters): each then joins its nearest grid point, so jitter across a multiple of `step`
// neither piles two samples into one bucket nor leaves the next one empty.
struct Sample {
  TimePoint time;
  double value;
};
Series BucketSamples(std::span<const Sample> samples, Duration step, Aggregation agg);

// A metric's own step: the most common positive spacing between sample times when at least
// half the spacings are exactly that; otherwise (jittered times) the median spacing rounded to
// the second (to the millisecond below a second). 1 minute when there is no spacing at all.
Duration NativeStep(std::span<const Sample> samples);

// Times that carry two or more samples with different values: a CSV of local times across a
// daylight-saving change (the repeated hour), or two exports pasted together. Bucketing
// aggregates them without a trace, so callers say so. `count` distinct times; the earliest
// with two of its differing values. Repeats of the same value are harmless and not counted.
struct RepeatedTimes {
  size_t count = 0;
  TimePoint first{};
  double first_value = 0, second_value = 0;
};
RepeatedTimes FindRepeatedTimes(std::span<const Sample> samples);

// Steps of `step` (epoch-aligned, as BucketSamples places them) that receive present samples
// at two or more different times: times off a regular grid, whose values bucketing combines
// without a trace. `count` such steps; `first` the earliest.
struct SharedSteps {
  size_t count = 0;
  TimePoint first{};
};
SharedSteps FindSharedSteps(std::span<const Sample> samples, Duration step);

}  // namespace forescale
