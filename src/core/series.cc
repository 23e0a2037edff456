#include "core/series.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace forescale {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Mean resultant length of the samples' phases in the step above which they share a phase
// (1: all at one phase; about 1/sqrt(n) for phases spread at random).
constexpr double kPhaseAgreement = 0.7;

}  // namespace

TimePoint FloorTo(TimePoint t, Duration step) {
  int64_t ms = t.time_since_epoch().count();
  int64_t s = step.count();
  int64_t q = ms / s;
  if (ms % s != 0 && ms < 0) --q;
  return TimePoint{Duration{q * s}};
}

size_t Series::MissingCount() const {
  return static_cast<size_t>(
      std::count_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }));
}

Series Series::Slice(size_t from, size_t to) const {
  to = std::min(to, values.size());
  from = std::min(from, to);
  return {.start = TimeAt(from), .step = step,
          .values = std::vector<double>(values.begin() + static_cast<ptrdiff_t>(from),
                                        values.begin() + static_cast<ptrdiff_t>(to))};
}

Result<Aggregation> ParseAggregation(std::string_view text) {
  if (text == "sum") return Aggregation::Sum();
  if (text == "mean" || text == "avg") return Aggregation::Mean();
  if (text == "max") return Aggregation::Max();
  if (text == "min") return Aggregation::Min();
  if (text == "last") return Aggregation::Last();
  if (text == "median") return Aggregation::Quantile(0.5);
  if (text.size() > 1 && (text[0] == 'p' || text[0] == 'q')) {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) {
      const double q = text[0] == 'p' ? v / 100.0 : v;
      if (q >= 0 && q <= 1) return Aggregation::Quantile(q);
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown aggregation '" + std::string(text) +
                  "' (expected sum, mean, max, min, last, median, pNN or qN.NN)");
}

double Aggregate(std::span<double> values, Aggregation agg) {
  auto present_end = std::remove_if(values.begin(), values.end(),
                                    [](double v) { return std::isnan(v); });
  const std::span<double> present(values.begin(), present_end);
  if (present.empty()) return kNaN;
  switch (agg.kind) {
    case Aggregation::Kind::kSum: {
      double sum = 0;
      for (double v : present) sum += v;
      return sum;
    }
    case Aggregation::Kind::kMean: {
      double sum = 0;
      for (double v : present) sum += v;
      return sum / static_cast<double>(present.size());
    }
    case Aggregation::Kind::kMax:
      return *std::max_element(present.begin(), present.end());
    case Aggregation::Kind::kMin:
      return *std::min_element(present.begin(), present.end());
    case Aggregation::Kind::kLast:
      return present.back();
    case Aggregation::Kind::kQuantile: {
      const double q = std::clamp(agg.quantile, 0.0, 1.0);
      const double h = q * static_cast<double>(present.size() - 1);
      const size_t lo = static_cast<size_t>(std::floor(h));
      std::nth_element(present.begin(), present.begin() + static_cast<ptrdiff_t>(lo),
                       present.end());
      const double lo_v = present[lo];
      if (lo + 1 >= present.size()) return lo_v;
      const double hi_v =
          *std::min_element(present.begin() + static_cast<ptrdiff_t>(lo) + 1, present.end());
      return lo_v + (h - static_cast<double>(lo)) * (hi_v - lo_v);
    }
  }
  return kNaN;
}

Result<Series> Resample(const Series& in, Duration step, Aggregation agg) {
  if (step.count() <= 0) return Fail(ErrorCode::kInvalidArgument, "step must be positive");
  if (in.step.count() <= 0) return Fail(ErrorCode::kInvalidArgument, "input step must be positive");
  if (step.count() % in.step.count() != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "cannot resample a " + FormatDuration(in.step) + " series to " +
                    FormatDuration(step) + ": the new step must be a whole multiple of the old");
  }
  Series out{.start = FloorTo(in.start, step), .step = step, .values = {}};
  if (in.empty()) return out;
  const size_t n = static_cast<size_t>((in.end() - out.start + step - Duration{1}) / step);
  out.values.assign(n, kNaN);
  std::vector<double> bucket;
  size_t i = 0;
  for (size_t b = 0; b < n; ++b) {
    const TimePoint bucket_end = out.TimeAt(b + 1);
    bucket.clear();
    while (i < in.size() && in.TimeAt(i) < bucket_end) bucket.push_back(in.values[i++]);
    out.values[b] = Aggregate(bucket, agg);
  }
  return out;
}

// How far before its grid point a sample starts its bucket (see BucketSamples): the samples'
// shared phase, when they agree on one near a grid line; 0 otherwise.
int64_t BucketShift(std::span<const Sample> samples, Duration step) {
  const int64_t s = step.count();
  // Where in the step the samples fall: their circular mean phase, when they agree on one (a
  // scraper's fixed offset, a writer at whole minutes give or take its clock). Samples whose
  // phase lies within a quarter step of a grid line jitter across it: each joins its nearest
  // grid point, the bucket edges half a step away (at a phase of 0, a sample written at
  // 11:59:57 joins 12:00 rather than 11:59, where its neighbour at 11:59:02 already is). Any
  // other shared phase, or none (events, samples finer than the step): floor(t / step).
  // The phase from at most ~4,096 samples spread over the series: enough to agree on it, and
  // a few million samples cost no trigonometry each.
  const size_t stride = std::max<size_t>(1, samples.size() / 4096);
  double sum_cos = 0, sum_sin = 0;
  size_t used = 0;
  for (size_t i = 0; i < samples.size(); i += stride, ++used) {
    const int64_t ms = samples[i].time.time_since_epoch().count();
    const double angle =
        2 * M_PI * static_cast<double>(((ms % s) + s) % s) / static_cast<double>(s);
    sum_cos += std::cos(angle), sum_sin += std::sin(angle);
  }
  const double resultant = std::hypot(sum_cos, sum_sin) / static_cast<double>(used);
  int64_t shift = 0;  // subtracted before flooring
  if (used >= 2 && resultant >= kPhaseAgreement) {
    // In (-step/2, step/2]: how far the shared phase is from its nearest grid line.
    const double phase = std::atan2(sum_sin, sum_cos) / (2 * M_PI) * static_cast<double>(s);
    if (4 * std::fabs(phase) < static_cast<double>(s)) {
      shift = static_cast<int64_t>(std::llround(phase)) - s / 2;
    }
  }
  return shift;
}

Series BucketSamples(std::span<const Sample> samples, Duration step, Aggregation agg) {
  Series out{.start = {}, .step = step, .values = {}};
  if (samples.empty() || step.count() <= 0) return out;
  const int64_t s = step.count();
  const int64_t shift = BucketShift(samples, step);  // subtracted before flooring
  auto slot = [&](TimePoint t) {  // index of the grid point since the epoch; monotonic in t
    return FloorTo(t - Duration{shift}, step).time_since_epoch().count() / s;
  };
  const auto by_time = [](const Sample& a, const Sample& b) { return a.time < b.time; };
  // Files are nearly always in time order: copy and sort only when they are not.
  std::vector<Sample> copy;
  std::span<const Sample> sorted = samples;
  if (!std::is_sorted(samples.begin(), samples.end(), by_time)) {
    copy.assign(samples.begin(), samples.end());
    // Stable so that kLast means the last sample given for that time, as in the input.
    std::stable_sort(copy.begin(), copy.end(), by_time);
    sorted = copy;
  }
  const int64_t first = slot(sorted.front().time);
  out.start = TimePoint{Duration{first * s}};
  out.values.assign(static_cast<size_t>(slot(sorted.back().time) - first + 1), kNaN);
  std::vector<double> bucket;
  for (size_t i = 0; i < sorted.size();) {
    const int64_t k = slot(sorted[i].time);
    bucket.clear();
    for (; i < sorted.size() && slot(sorted[i].time) == k; ++i) bucket.push_back(sorted[i].value);
    // One sample per bucket is the common case; every aggregation of one value is that value.
    out.values[static_cast<size_t>(k - first)] =
        bucket.size() == 1 ? bucket[0] : Aggregate(bucket, agg);
  }
  return out;
}

Duration NativeStep(std::span<const Sample> samples) {
  std::vector<int64_t> times;
  times.reserve(samples.size());
  for (const auto& s : samples) times.push_back(s.time.time_since_epoch().count());
  if (!std::is_sorted(times.begin(), times.end())) std::sort(times.begin(), times.end());
  std::vector<int64_t> gaps;
  gaps.reserve(times.size());
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] > times[i - 1]) gaps.push_back(times[i] - times[i - 1]);
  }
  if (gaps.empty()) return std::chrono::minutes(1);
  std::sort(gaps.begin(), gaps.end());
  // The most common spacing (the shortest of equally common ones), by runs of the sorted gaps.
  int64_t step = gaps.front();
  size_t best_run = 0;
  for (size_t i = 0; i < gaps.size();) {
    size_t j = i;
    while (j < gaps.size() && gaps[j] == gaps[i]) ++j;
    if (j - i > best_run) best_run = j - i, step = gaps[i];
    i = j;
  }
  // No spacing dominates: the times jitter (a scraper's milliseconds, a clock's seconds), and
  // the most common spacing is one of many near-equal ones; the median is the step they
  // jitter around.
  if (2 * best_run < gaps.size()) step = gaps[gaps.size() / 2];
  // A step within 1 % of whole seconds is whole seconds: 60.001 s is a minute whose clock drifts.
  if (const int64_t seconds = (step + 500) / 1000;
      seconds >= 1 && 100 * std::llabs(step - seconds * 1000) <= step) {
    step = seconds * 1000;
  }
  // Whether 90 % of the spacings are whole multiples of c, give or take a tenth of it.
  auto fits = [&gaps](int64_t c) {
    size_t misfits = 0;
    for (int64_t g : gaps) {
      const int64_t k = (g + c / 2) / c;
      misfits += k < 1 || 10 * std::llabs(g - k * c) > c;
    }
    return 10 * misfits <= gaps.size();
  };
  // Found by probing: a minute writer's clock jitter made a step of 1m2s (its median spacing),
  // which moved samples to other minutes. A round step within 5 % that the spacings fit wins.
  static constexpr int64_t kRound[] = {1000,      2000,       5000,       10'000,     15'000,
                                       20'000,    30'000,     60'000,     120'000,    300'000,
                                       600'000,   900'000,    1'200'000,  1'800'000,  3'600'000,
                                       7'200'000, 10'800'000, 21'600'000, 43'200'000, 86'400'000};
  for (int64_t round : kRound) {
    if (20 * std::llabs(step - round) <= round && fits(round)) return Duration{round};
  }
  return Duration{step};
}

RepeatedTimes FindRepeatedTimes(std::span<const Sample> samples) {
  RepeatedTimes out;
  auto by_time = [](const Sample& a, const Sample& b) { return a.time < b.time; };
  std::vector<Sample> copy;
  if (!std::is_sorted(samples.begin(), samples.end(), by_time)) {
    copy.assign(samples.begin(), samples.end());
    std::sort(copy.begin(), copy.end(), by_time);
    samples = copy;
  }
  for (size_t i = 0; i < samples.size();) {
    // A time's smallest and largest present value; a missing one changes nothing, since
    // bucketing skips NaN.
    double low = std::numeric_limits<double>::infinity(), high = -low;
    size_t j = i;
    for (; j < samples.size() && samples[j].time == samples[i].time; ++j) {
      if (std::isnan(samples[j].value)) continue;
      low = std::min(low, samples[j].value);
      high = std::max(high, samples[j].value);
    }
    if (low < high && out.count++ == 0) {
      out.first = samples[i].time;
      out.first_value = low;
      out.second_value = high;
    }
    i = j;
  }
  return out;
}

const char* AggregationName(Aggregation agg) {
  using Kind = Aggregation::Kind;
  return agg.kind == Kind::kSum        ? "sum"
         : agg.kind == Kind::kMax      ? "largest"
         : agg.kind == Kind::kMin      ? "smallest"
         : agg.kind == Kind::kLast     ? "last"
         : agg.kind == Kind::kQuantile ? "quantile"
                                       : "mean";
}

SharedSteps FindSharedSteps(std::span<const Sample> samples, Duration step) {
  // Placed as BucketSamples places them (found by probing: flooring here warned of merges on a
  // writer jittering around whole minutes, which bucketing keeps apart, and missed real ones).
  if (samples.empty() || step.count() <= 0) return {};
  const Duration shift{BucketShift(samples, step)};
  std::vector<std::pair<TimePoint, TimePoint>> placed;  // (grid point, sample time)
  for (const Sample& s : samples) {
    if (!std::isnan(s.value)) placed.emplace_back(FloorTo(s.time - shift, step), s.time);
  }
  std::sort(placed.begin(), placed.end());
  placed.erase(std::unique(placed.begin(), placed.end()), placed.end());
  SharedSteps out;
  for (size_t i = 1; i < placed.size(); ++i) {
    const bool starts_shared = placed[i].first == placed[i - 1].first &&
                               (i == 1 || placed[i - 2].first != placed[i].first);
    if (starts_shared && out.count++ == 0) out.first = placed[i].first;
  }
  return out;
}

}  // namespace forescale
