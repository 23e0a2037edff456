#include "core/series.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace forescale {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const TimePoint kT0 = TimePoint{Duration{1'000'000'020'000}};  // not on a 5-minute boundary

TEST(Series, SliceStartsAtItsFirstStepAndClampsToTheSeries) {
  const Series s{.start = kT0, .step = std::chrono::minutes(1), .values = {1, 2, 3, 4, 5}};
  const Series mid = s.Slice(1, 4);
  EXPECT_EQ(mid.start, kT0 + std::chrono::minutes(1));
  EXPECT_EQ(mid.step, s.step);
  EXPECT_EQ(mid.values, (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(s.Slice(3, 99).values, (std::vector<double>{4, 5}));
  EXPECT_TRUE(s.Slice(4, 2).empty());
}

TEST(Aggregate, ComputesEachKindAndSkipsMissing) {
  std::vector<double> v = {4, kNaN, 1, 3, 2};
  auto agg = [&](Aggregation a) {
    std::vector<double> copy = v;
    return Aggregate(copy, a);
  };
  EXPECT_DOUBLE_EQ(agg(Aggregation::Sum()), 10);
  EXPECT_DOUBLE_EQ(agg(Aggregation::Mean()), 2.5);
  EXPECT_DOUBLE_EQ(agg(Aggregation::Max()), 4);
  EXPECT_DOUBLE_EQ(agg(Aggregation::Min()), 1);
  EXPECT_DOUBLE_EQ(agg(Aggregation::Last()), 2);
  // Type-7 quantile of {1,2,3,4}: numpy.quantile([1,2,3,4], 0.9) == 3.7
  EXPECT_DOUBLE_EQ(agg(Aggregation::Quantile(0.9)), 3.7);
  EXPECT_DOUBLE_EQ(agg(Aggregation::Quantile(0.5)), 2.5);
  std::vector<double> none = {kNaN, kNaN};
  EXPECT_TRUE(std::isnan(Aggregate(none, Aggregation::Sum())));
}

TEST(ParseAggregation, AcceptsNamesAndPercentiles) {
  EXPECT_EQ(ParseAggregation("sum")->kind, Aggregation::Kind::kSum);
  EXPECT_DOUBLE_EQ(ParseAggregation("p95")->quantile, 0.95);
  EXPECT_DOUBLE_EQ(ParseAggregation("q0.99")->quantile, 0.99);
  EXPECT_FALSE(ParseAggregation("p150").has_value());
  EXPECT_FALSE(ParseAggregation("average-ish").has_value());
}

TEST(Resample, SumsMinutesIntoAlignedFiveMinuteBuckets) {
  Series s{.start = kT0, .step = std::chrono::minutes(1), .values = {1, 2, 3, 4, 5, 6, 7}};
  auto r = Resample(s, std::chrono::minutes(5), Aggregation::Sum());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->start.time_since_epoch().count() % 300'000, 0);
  double total = 0;
  for (double v : r->values) total += v;
  EXPECT_DOUBLE_EQ(total, 28);
  EXPECT_LE(r->start, s.start);
  EXPECT_GE(r->end(), s.end());
}

TEST(Resample, KeepsAllMissingBucketsMissing) {
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(1),
           .values = {1, 1, kNaN, kNaN, 2, 2}};
  auto r = Resample(s, std::chrono::minutes(2), Aggregation::Max());
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(r->values[0], 1);
  EXPECT_TRUE(std::isnan(r->values[1]));
  EXPECT_EQ(r->values[2], 2);
}

TEST(Resample, RefusesToSplitBuckets) {
  Series s{.start = TimePoint{}, .step = std::chrono::minutes(5), .values = {1, 2}};
  auto r = Resample(s, std::chrono::minutes(2), Aggregation::Sum());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("whole multiple"), std::string::npos);
}

TEST(BucketSamples, PutsIrregularSamplesOnTheGrid) {
  std::vector<Sample> samples = {
      {TimePoint{Duration{130'000}}, 5}, {TimePoint{Duration{10'000}}, 1},
      {TimePoint{Duration{50'000}}, 3}};
  Series s = BucketSamples(samples, std::chrono::minutes(1), Aggregation::Mean());
  EXPECT_EQ(s.start, TimePoint{});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s.values[0], 2);
  EXPECT_TRUE(std::isnan(s.values[1]));
  EXPECT_DOUBLE_EQ(s.values[2], 5);
  EXPECT_EQ(s.MissingCount(), 1u);
}

// A writer at whole minutes whose clock wanders by up to 5 s either way: samples at 11:59:57
// and 12:01:02 are the minutes 12:00 and 12:01, not 11:59 and 12:01 with 12:00 empty.
TEST(BucketSamples, JitterAcrossTheGridLinesKeepsOneSamplePerStep) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int64_t> jitter_ms(-5000, 5000);
  std::vector<Sample> samples;
  for (int i = 0; i < 600; ++i) {
    samples.push_back({TimePoint{std::chrono::minutes(i) + Duration{jitter_ms(rng)}}, double(i)});
  }
  EXPECT_EQ(NativeStep(samples), std::chrono::minutes(1));
  Series s = BucketSamples(samples, std::chrono::minutes(1), Aggregation::Mean());
  ASSERT_EQ(s.size(), 600u);
  EXPECT_EQ(s.MissingCount(), 0u);
  EXPECT_EQ(s.start, TimePoint{});
  for (size_t i = 0; i < s.size(); ++i) EXPECT_DOUBLE_EQ(s.values[i], static_cast<double>(i));
  // A scraper at 17 s past the minute with milliseconds of jitter: the minute it was taken in.
  samples.clear();
  for (int i = 0; i < 100; ++i) {
    samples.push_back(
        {TimePoint{std::chrono::minutes(i) + std::chrono::seconds(17) + Duration{(i * 37) % 9 - 4}},
         double(i)});
  }
  EXPECT_EQ(NativeStep(samples), std::chrono::minutes(1));
  s = BucketSamples(samples, std::chrono::minutes(1), Aggregation::Mean());
  EXPECT_EQ(s.start, TimePoint{});
  ASSERT_EQ(s.size(), 100u);
  EXPECT_EQ(s.MissingCount(), 0u);
  EXPECT_DOUBLE_EQ(s.values[42], 42.0);
}

TEST(NativeStep, IsTheMostCommonSpacing) {
  std::vector<Sample> samples;
  for (int i = 0; i < 10; ++i) samples.push_back({TimePoint{std::chrono::minutes(5 * i)}, 1.0});
  samples.push_back({TimePoint{std::chrono::minutes(5 * 9 + 2)}, 1.0});  // one odd spacing
  samples.push_back(samples.front());                                    // a repeated time
  EXPECT_EQ(NativeStep(samples), std::chrono::minutes(5));
  EXPECT_EQ(NativeStep(std::vector<Sample>{}), std::chrono::minutes(1));
}

// Found by probing: a minute writer with a few seconds of clock jitter got a step of 1m2s
// (its median spacing), which moved samples to other minutes. A round step near the median
// that the spacings are multiples of wins.
TEST(NativeStep, IsARoundStepTheSpacingsAreMultiplesOf) {
  const auto at = [](int second) { return Sample{TimePoint{std::chrono::seconds(second)}, 1.0}; };
  const std::vector<Sample> jittered = {at(1), at(63), at(122), at(241), at(303), at(422)};
  EXPECT_EQ(NativeStep(jittered), std::chrono::minutes(1));
  std::vector<Sample> every45;  // an unround step the spacings share stays
  for (int i = 0; i < 20; ++i) every45.push_back(at(45 * i));
  EXPECT_EQ(NativeStep(every45), std::chrono::seconds(45));
}

TEST(FindRepeatedTimes, CountsTimesWhoseSamplesDisagree) {
  const auto at = [](int minute) { return TimePoint{std::chrono::minutes(minute)}; };
  // Local times across a daylight-saving change: minutes 60-62 come twice, with other loads.
  std::vector<Sample> samples;
  for (int i = 0; i < 63; ++i) samples.push_back({at(i), double(i)});
  for (int i = 60; i < 63; ++i) samples.push_back({at(i), double(i) + 0.5});
  samples.push_back({at(5), 5.0});  // a repeat of the same value: harmless
  samples.push_back({at(7), NAN});  // a missing value beside a present one: harmless too
  samples.push_back({at(70), NAN});
  samples.push_back({at(70), NAN});
  const RepeatedTimes r = FindRepeatedTimes(samples);
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.first, at(60));
  EXPECT_EQ(r.first_value, 60.0);
  EXPECT_EQ(r.second_value, 60.5);
  EXPECT_EQ(FindRepeatedTimes(std::vector<Sample>{}).count, 0u);
}

TEST(FindSharedSteps, CountsStepsWithSamplesAtTwoTimes) {
  const auto at = [](int second) { return TimePoint{std::chrono::seconds(second)}; };
  std::vector<Sample> samples;
  for (int i = 0; i < 10; ++i) samples.push_back({at(60 * i + 1), 1.0});  // a steady 1 s offset
  samples.push_back({at(130), 2.0});  // a third sample in minute 2
  samples.push_back({at(140), 2.0});
  samples.push_back({at(301), 3.0});  // a repeated time: FindRepeatedTimes' business
  samples.push_back({at(420), NAN});  // a missing value shares nothing
  samples.push_back({at(550), 4.0});  // minute 9, after the others
  const SharedSteps shared = FindSharedSteps(samples, std::chrono::minutes(1));
  EXPECT_EQ(shared.count, 2u);
  EXPECT_EQ(shared.first, at(120));
  EXPECT_EQ(FindSharedSteps(samples, std::chrono::seconds(1)).count, 0u);
}

// Steps as BucketSamples makes them: a writer at whole minutes, a few seconds either side,
// shares no step (each sample joins its nearest minute), and two samples that join one minute
// do (found by probing: flooring said the opposite of both).
TEST(FindSharedSteps, PlacesSamplesAsBucketingDoes) {
  const auto at = [](int second) { return TimePoint{std::chrono::seconds(second)}; };
  std::vector<Sample> jittered;
  for (int i = 0; i < 300; ++i) jittered.push_back({at(60 * i + (i * 5) % 7 - 3), 100.0});
  EXPECT_EQ(FindSharedSteps(jittered, std::chrono::minutes(1)).count, 0u);
  EXPECT_EQ(BucketSamples(jittered, std::chrono::minutes(1), Aggregation::Mean()).MissingCount(),
            0u);
  std::vector<Sample> merged;
  for (int i = 0; i < 300; ++i) {
    if (i == 99) continue;
    if (i == 100) {
      merged.push_back({at(60 * 99 + 55), 1000.0});
      merged.push_back({at(60 * 100 + 3), 100.0});
      continue;
    }
    merged.push_back({at(60 * i + i % 5), 100.0});
  }
  const SharedSteps shared = FindSharedSteps(merged, std::chrono::minutes(1));
  EXPECT_EQ(shared.count, 1u);
  EXPECT_EQ(shared.first, at(6000));
}

}  // namespace
}  // namespace forescale
