#include "generate/profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numbers>

#include "generate/internal/test_data.h"

namespace forescale::generate {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(const char* text) { return *ParseTimestamp(text); }

double Mean(const Series& s, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += s.values[i];
  return sum / static_cast<double>(to - from);
}

std::string Csv(const Series& s) {
  std::string out;
  AppendProfileCsv(s, out);
  return out;
}

// Flat, noiseless base: the events' effects can be read exactly.
ProfileOptions Flat(const char* start, Duration duration, Duration step) {
  return {.start = At(start), .duration = duration, .step = step, .growth_per_week = 0.0,
          .seasonality = 0, .noise = 0, .burstiness = 0};
}

std::vector<Event> Events(const std::string& yaml) {
  auto events = ParseEvents(yaml, "test.yaml");
  EXPECT_TRUE(events) << events.error().message();
  return events ? *events : std::vector<Event>{};
}

TEST(Profile, SameSeedGivesTheSameBytesAndAnotherSeedDoesNot) {
  LoadModel m = testing::SimpleModel();
  m.bursts = {.rate_per_day = 5, .threshold = 0.5, .height_scale = 0.3, .height_shape = 0.1,
              .max_height = 3, .decay = minutes(3)};
  const ProfileOptions o{.start = At("2024-02-01T00:00:00Z"), .duration = days(1), .step = seconds(10), .seed = 11};
  const std::string a = Csv(*GenerateProfile(m, {}, o));
  const std::string b = Csv(*GenerateProfile(m, {}, o));
  ProfileOptions other = o;
  other.seed = 12;
  const std::string c = Csv(*GenerateProfile(m, {}, other));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.substr(0, a.find('\n', 14) + 1).substr(0, 34), "timestamp,rps\n2024-02-01T00:00:00Z");
}

TEST(Profile, CsvHasOneLinePerPointWithMillisecondsOnlyWhenNeeded) {
  Series s{.start = At("2024-02-29T23:59:59Z"), .step = seconds(1), .values = {1.5, 2}};
  EXPECT_EQ(Csv(s), "timestamp,rps\n2024-02-29T23:59:59Z,1.500\n2024-03-01T00:00:00Z,2.000\n");
  Series ms{.start = At("2024-01-01T00:00:00Z"), .step = Duration{500}, .values = {1, 2}};
  EXPECT_EQ(Csv(ms), "timestamp,rps\n2024-01-01T00:00:00.000Z,1.000\n2024-01-01T00:00:00.500Z,2.000\n");
}

// Rates fixed notation cannot hold in 24 characters were written as empty cells (read back as
// missing), and tiny ones as 0.000 (found by probing).
TEST(Profile, CsvWritesVeryLargeAndVerySmallRatesReadably) {
  Series s{.start = At("2024-01-01T00:00:00Z"), .step = seconds(1), .values = {1.5e20, 2.7e-8, 0}};
  EXPECT_EQ(Csv(s),
            "timestamp,rps\n2024-01-01T00:00:00Z,1.5e+20\n2024-01-01T00:00:01Z,2.7e-08\n"
            "2024-01-01T00:00:02Z,0.000\n");
}

TEST(Profile, CsvCarriesFurtherColumnsInEveryChunk) {
  const std::vector<double> bytes = {1000, 2048.5};
  const ProfileColumn extra[] = {{"bytes_per_s", bytes}};
  Series s{.start = At("2024-02-29T23:59:59Z"), .step = seconds(1), .values = {1.5, 2}};
  std::string csv;
  AppendProfileCsv(s, csv, extra);
  EXPECT_EQ(csv,
            "timestamp,rps,bytes_per_s\n2024-02-29T23:59:59Z,1.500,1000.000\n"
            "2024-03-01T00:00:00Z,2.000,2048.500\n");
  // The file writer cuts long profiles into chunks: one header, every row, every column.
  Series big{.start = At("2024-01-01T00:00:00Z"), .step = seconds(1),
             .values = std::vector<double>(300'000, 3.0)};
  const std::vector<double> big_bytes(big.size(), 7.0);
  const ProfileColumn big_extra[] = {{"bytes_per_s", big_bytes}};
  const std::string path = ::testing::TempDir() + "/profile_extra.csv";
  ASSERT_TRUE(WriteProfileCsv(big, path, big_extra));
  std::ifstream in(path);
  std::string line, last;
  size_t lines = 0, headers = 0;
  while (std::getline(in, line)) {
    ++lines;
    headers += line.starts_with("timestamp");
    last = line;
  }
  EXPECT_EQ(lines, big.size() + 1);
  EXPECT_EQ(headers, 1u);
  EXPECT_EQ(last, "2024-01-04T11:19:59Z,3.000,7.000");
  // A column of another length is a bug in the caller, not a file to write.
  const std::vector<double> short_bytes(1, 0.0);
  const ProfileColumn wrong[] = {{"bytes_per_s", short_bytes}};
  EXPECT_FALSE(WriteProfileCsv(big, path, wrong));
  std::remove(path.c_str());
}

TEST(Profile, MeanAndPeakRpsScaleTheProfile) {
  const LoadModel m = testing::SimpleModel();
  ProfileOptions o{.start = At("2024-02-01T00:00:00Z"), .duration = days(2), .step = minutes(1), .mean_rps = 250};
  auto p = GenerateProfile(m, {}, o);
  ASSERT_TRUE(p);
  EXPECT_NEAR(Mean(*p, 0, p->size()), 250, 1e-6);
  o.mean_rps.reset();
  o.peak_rps = 1000;
  p = GenerateProfile(m, {}, o);
  EXPECT_NEAR(*std::max_element(p->values.begin(), p->values.end()), 1000, 1e-6);
  o.mean_rps = 5;
  EXPECT_FALSE(GenerateProfile(m, {}, o));  // both
}

TEST(Profile, WithoutScalingTheMeanIsTheModelLevel) {
  const LoadModel m = testing::SimpleModel();
  auto p = GenerateProfile(m, {}, {.start = At("2024-02-01T00:00:00Z"), .duration = days(7),
                                   .step = minutes(1), .growth_per_week = 0.0});
  ASSERT_TRUE(p);
  // Noise and seasons are centred so that level_rps is the mean (up to sampling error).
  EXPECT_NEAR(Mean(*p, 0, p->size()) / m.level_rps, 1.0, 0.03);
}

TEST(Profile, GrowthIncreasesTheLoadWeekOverWeek) {
  const LoadModel m = testing::SimpleModel();
  auto p = GenerateProfile(m, {}, {.start = At("2024-02-01T00:00:00Z"), .duration = days(21),
                                   .step = minutes(1), .growth_per_week = 0.2});
  ASSERT_TRUE(p);
  const size_t week = 7 * 1440;
  const double w1 = Mean(*p, 0, week), w2 = Mean(*p, week, 2 * week), w3 = Mean(*p, 2 * week, 3 * week);
  EXPECT_NEAR(w2 / w1, 1.2, 0.03);
  EXPECT_NEAR(w3 / w2, 1.2, 0.03);
}

TEST(Profile, SeasonalityZeroFlattensTheDailyShape) {
  const LoadModel m = testing::SimpleModel();
  auto hourly_range = [&](double seasonality) {
    auto p = GenerateProfile(m, {}, {.start = At("2024-02-01T00:00:00Z"), .duration = days(7),
                                     .step = minutes(1), .growth_per_week = 0.0,
                                     .seasonality = seasonality});
    std::vector<double> hour(24, 0.0);
    for (size_t i = 0; i < p->size(); ++i) hour[(i / 60) % 24] += p->values[i];
    const auto [lo, hi] = std::minmax_element(hour.begin(), hour.end());
    return *hi / *lo;
  };
  EXPECT_GT(hourly_range(1.0), 2.5);  // e^0.5 / e^-0.5 ~ 2.7 at the hourly scale
  EXPECT_LT(hourly_range(0.0), 1.10);  // what noise leaves in 7 x 60 values per hour
}

TEST(Profile, FinerStepIsSmoothAndKeepsTheFittedStepsMean) {
  const LoadModel m = testing::SimpleModel();
  ProfileOptions o{.start = At("2024-02-01T00:00:00Z"), .duration = hours(6), .step = seconds(1),
                   .growth_per_week = 0.0, .noise = 0, .burstiness = 0};
  auto fine = GenerateProfile(m, {}, o);
  o.step = minutes(1);
  auto coarse = GenerateProfile(m, {}, o);
  ASSERT_TRUE(fine && coarse);
  ASSERT_EQ(fine->size(), 360u * 60);
  double worst_jump = 0, worst_mean = 0;
  for (size_t i = 1; i < fine->size(); ++i) {
    worst_jump = std::max(worst_jump, std::abs(fine->values[i] / fine->values[i - 1] - 1));
  }
  for (size_t k = 0; k < coarse->size(); ++k) {
    worst_mean = std::max(worst_mean, std::abs(Mean(*fine, k * 60, k * 60 + 60) / coarse->values[k] - 1));
  }
  EXPECT_LT(worst_jump, 1e-3);   // no minute-boundary steps in the seasonal shape
  EXPECT_LT(worst_mean, 1e-3);
  // Coarser than fitted: the average of the fitted-step values.
  o.step = hours(1);
  auto hourly = GenerateProfile(m, {}, o);
  EXPECT_NEAR(hourly->values[2], Mean(*coarse, 120, 180), 1e-9 * hourly->values[2]);
}

TEST(Profile, CampaignReachesItsPeakMultiplierOnThePlateau) {
  const LoadModel m = testing::SimpleModel();
  const auto events = Events(R"(events:
  - {name: sale, type: campaign, start: 2024-02-01T01:00:00Z, ramp_up: 20m, ramp_shape: sigmoid,
     peak: 5x, plateau: 1h, ramp_down: 30m})");
  const auto o = Flat("2024-02-01T00:00:00Z", hours(4), minutes(1));
  auto base = GenerateProfile(m, {}, o);
  auto with = GenerateProfile(m, events, o);
  ASSERT_TRUE(base && with);
  EXPECT_DOUBLE_EQ(with->values[30], base->values[30]);         // before
  EXPECT_NEAR(with->values[100] / base->values[100], 5.0, 1e-9);  // plateau 01:20-02:20
  const double ramp = with->values[70] / base->values[70];        // 01:10, half way up
  EXPECT_GT(ramp, 1.5);
  EXPECT_LT(ramp, 4.5);
  EXPECT_DOUBLE_EQ(with->values[200], base->values[200]);       // after 02:50
}

TEST(Profile, OutageDropsAndFlashCrowdAddsAbsoluteRate) {
  const LoadModel m = testing::SimpleModel();
  const auto events = Events(R"(events:
  - {name: loss, type: outage, start: 2024-02-01T01:00:00Z, duration: 10m, drop: 0.8}
  - {name: hn, type: flash_crowd, start: 2024-02-01T02:00:00Z, rise: 2m, decay: 10m, peak: 400rps})");
  const auto o = Flat("2024-02-01T00:00:00Z", hours(4), minutes(1));
  auto base = GenerateProfile(m, {}, o);
  auto with = GenerateProfile(m, events, o);
  ASSERT_TRUE(base && with);
  EXPECT_NEAR(with->values[65] / base->values[65], 0.2, 1e-9);
  EXPECT_DOUBLE_EQ(with->values[75], base->values[75]);
  // Peak at 02:02; each step gets the event's mean over it: 3/4 of the rise over 02:01-02:02,
  // and over 02:12-02:13 the decay's mean, 400 x 10 (e^-1 - e^-1.1).
  EXPECT_NEAR(with->values[121] - base->values[121], 300, 1e-6);
  EXPECT_NEAR(with->values[132] - base->values[132], 4000 * (std::exp(-1.0) - std::exp(-1.1)),
              0.01);
}

// At an hour's step an event shorter than the hour counts for its share of it (found by
// probing: read at the step's centre, a 20-minute outage at 10:20 emptied the whole hour, one at
// 10:00 did nothing, and a 20-minute campaign at 10:00 too).
TEST(Profile, AnEventShorterThanTheStepCountsForItsShareOfIt) {
  const LoadModel m = testing::SimpleModel();
  const auto o = Flat("2024-02-01T00:00:00Z", hours(24), hours(1));
  auto base = GenerateProfile(m, {}, o);
  ASSERT_TRUE(base);
  for (const char* start :
       {"2024-02-01T10:00:00Z", "2024-02-01T10:20:00Z", "2024-02-01T10:40:00Z"}) {
    auto with =
        GenerateProfile(m,
                        Events(std::string("events:\n  - {name: down, type: outage, start: ") +
                               start + ", duration: 20m}\n"),
                        o);
    ASSERT_TRUE(with);
    EXPECT_NEAR(with->values[10] / base->values[10], 2.0 / 3.0, 1e-9) << start;
    EXPECT_DOUBLE_EQ(with->values[11], base->values[11]) << start;
  }
  auto campaign = GenerateProfile(
      m,
      Events("events:\n  - {name: promo, type: campaign, start: 2024-02-01T10:00:00Z, "
             "ramp_up: 0s, plateau: 20m, ramp_down: 0s, peak: 4x}\n"),
      o);
  ASSERT_TRUE(campaign);
  EXPECT_NEAR(campaign->values[10] / base->values[10], 2.0, 1e-9);  // 1/3 of the hour at 4x
}

// Growth multiplies the rate: five per cent a week is 1.05^3 three weeks on at every hour of
// the week (found by probing: applied to rate + c inside the exponential, it compounded to
// 1.160-1.177 by hour, and a doubling a week to 2.007-2.100).
TEST(Profile, GrowthCompoundsOnTheRateAtEveryHour) {
  const LoadModel m = testing::SimpleModel(/*weekly=*/true);
  ProfileOptions o{.start = At("2024-02-01T00:00:00Z"),
                   .duration = days(28),
                   .step = hours(1),
                   .growth_per_week = 0.05,
                   .noise = 0,
                   .burstiness = 0};
  auto p = GenerateProfile(m, {}, o);
  ASSERT_TRUE(p);
  for (size_t i = 0; i < 168; ++i) {
    EXPECT_NEAR(p->values[i + 3 * 168] / p->values[i], std::pow(1.05, 3), 1e-9) << i;
  }
}

// --seasonality changes the shape, not the level: the mean stays at level_rps whatever the
// strength (found by probing: the seasons' means multiplied as if independent, while a weekly
// season in hourly bins holds the daily shape too, put the mean 4 % high at 2 and 11 % at 3).
TEST(Profile, SeasonalityStrengthKeepsTheMean) {
  LoadModel m = testing::SimpleModel(/*weekly=*/true);
  // A weekly season that repeats part of the daily shape hour by hour, as fitted ones do.
  for (int i = 0; i < 168; ++i) {
    m.seasons[1].factors[static_cast<size_t>(i)] *=
        std::exp(0.3 * std::sin(2 * std::numbers::pi * (i % 24 + 0.5) / 24));
  }
  for (double strength : {0.0, 1.0, 2.0, 3.0}) {
    auto p = GenerateProfile(m, {},
                             {.start = At("2024-02-01T00:00:00Z"),
                              .duration = days(7),
                              .step = minutes(1),
                              .growth_per_week = 0.0,
                              .seasonality = strength,
                              .noise = 0,
                              .burstiness = 0});
    ASSERT_TRUE(p);
    double mean = 0;
    for (double v : p->values) mean += v;
    mean /= static_cast<double>(p->size());
    EXPECT_NEAR(mean / m.level_rps, 1.0, 2e-3) << strength;
  }
}

// An hour is the mean of its minutes, whatever the noise (found by probing: the hour averaged
// before clamping at zero, the minutes after, and a noisy hour read 14 % below its minutes),
// and a job whose runs overlap by the thousand costs runs + steps (a run every minute lasting
// a year took 50 s for a day of seconds).
TEST(Profile, AnHourIsTheMeanOfItsMinutesAndLongJobsAddTheirRate) {
  const LoadModel m = testing::SimpleModel();
  ProfileOptions o{.start = At("2024-02-01T00:00:00Z"),
                   .duration = days(2),
                   .step = minutes(1),
                   .seed = 3,
                   .noise = 3,
                   .burstiness = 0};
  auto minutes_profile = GenerateProfile(m, {}, o);
  o.step = hours(1);
  auto hours_profile = GenerateProfile(m, {}, o);
  ASSERT_TRUE(minutes_profile && hours_profile);
  for (size_t h = 0; h < hours_profile->size(); ++h) {
    double mean = 0;
    for (size_t k = 0; k < 60; ++k) mean += minutes_profile->values[60 * h + k] / 60;
    EXPECT_NEAR(hours_profile->values[h], mean, 1e-9 * (1 + mean)) << h;
  }
  const auto job = Events(R"(events:
  - {name: a, type: scheduled_job, cron: "* * * * *", requests_per_run: 5, duration: 30d})");
  auto flat = GenerateProfile(m, {}, Flat("2024-02-01T00:00:00Z", days(1), seconds(1)));
  auto with = GenerateProfile(m, job, Flat("2024-02-01T00:00:00Z", days(1), seconds(1)));
  ASSERT_TRUE(flat && with);
  for (size_t i = 0; i < flat->size(); i += 997) {
    // 43,200 runs under way at every second, each at 5 requests over 30 days.
    EXPECT_NEAR(with->values[i] - flat->values[i], 43200 * 5.0 / (30 * 86400), 1e-9) << i;
  }
}

// Within a coarse step events combine instant by instant, as they would at a fine step: two
// 10-minute 10x campaigns half an hour apart make an hour of 4x, not 6.25x; back-to-back
// outages empty the hour; a campaign inside a full outage adds nothing; and a 30-second outage
// counts for its 30 seconds (found by probing: the product of each event's mean over the hour,
// read at minute centres).
TEST(Profile, EventsInOneCoarseStepCombineAsTheyWouldMinuteByMinute) {
  const LoadModel m = testing::SimpleModel();
  const auto o = Flat("2024-02-01T00:00:00Z", hours(24), hours(1));
  auto base = GenerateProfile(m, {}, o);
  ASSERT_TRUE(base);
  auto with = GenerateProfile(m, Events(R"(events:
  - {name: s1, type: campaign, start: 2024-02-01T14:00:00Z, ramp_up: 0s, plateau: 10m, ramp_down: 0s, peak: 10x}
  - {name: s2, type: campaign, start: 2024-02-01T14:30:00Z, ramp_up: 0s, plateau: 10m, ramp_down: 0s, peak: 10x}
  - {name: o1, type: outage, start: 2024-02-01T16:00:00Z, duration: 30m, drop: 1}
  - {name: o2, type: outage, start: 2024-02-01T16:30:00Z, duration: 30m, drop: 1}
  - {name: sale, type: campaign, start: 2024-02-01T18:00:00Z, ramp_up: 0s, plateau: 10m, ramp_down: 0s, peak: 10x}
  - {name: dc, type: outage, start: 2024-02-01T18:00:00Z, duration: 10m, drop: 1}
  - {name: blip, type: outage, start: 2024-02-01T20:00:00Z, duration: 30s, drop: 1}
  - {name: job, type: scheduled_job, cron: "5 21 * * *", requests_per_run: 600, duration: 10m}
  - {name: down, type: outage, start: 2024-02-01T21:00:00Z, duration: 1h, drop: 1})"),
                              o);
  ASSERT_TRUE(with);
  auto ratio = [&](size_t hour) { return with->values[hour] / base->values[hour]; };
  EXPECT_NEAR(ratio(14), 1 + 9.0 / 6 + 9.0 / 6, 1e-9);
  EXPECT_NEAR(ratio(16), 0.0, 1e-12);
  EXPECT_NEAR(ratio(18), 5.0 / 6, 1e-9);
  EXPECT_NEAR(ratio(20), 1 - 30.0 / 3600, 1e-9);
  EXPECT_NEAR(with->values[21], 0.0, 1e-12);  // the job ran inside the outage
}

// A 20-minute event in a one-day step counts for 20/1440 of the day (found by probing: read
// at 60 points of the day, it vanished or counted a whole 24-minute share).
TEST(Profile, AShortEventInADayStepCountsForItsShare) {
  const LoadModel m = testing::SimpleModel();
  const auto o = Flat("2024-02-01T00:00:00Z", days(2), days(1));
  auto base = GenerateProfile(m, {}, o);
  ASSERT_TRUE(base);
  auto with = GenerateProfile(
      m,
      Events("events:\n  - {name: promo, type: campaign, start: 2024-02-01T10:15:00Z, "
             "plateau: 20m, peak: 50x}\n  - {name: down, type: outage, start: "
             "2024-02-02T10:15:00Z, duration: 20m, drop: 1}\n"),
      o);
  ASSERT_TRUE(with);
  EXPECT_NEAR(with->values[0] / base->values[0], 1 + 49 * 20.0 / 1440, 1e-9);
  EXPECT_NEAR(with->values[1] / base->values[1], 1 - 20.0 / 1440, 1e-9);
}

// Hand-edited models that asked for more memory than there is (a step of 1ms, a trillion
// bursts a day) or generate no load to scale to are errors naming what is wrong (found by
// probing: bad_alloc, and an all-zero profile with exit 0 under --mean-rps).
TEST(Profile, ModelsThatCannotBeGeneratedAreErrors) {
  ProfileOptions o{.start = At("2024-02-01T00:00:00Z"), .duration = days(7), .step = minutes(1)};
  LoadModel fine_step = testing::SimpleModel();
  fine_step.step = std::chrono::milliseconds(1);
  auto r = GenerateProfile(fine_step, {}, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("history.step 1ms"), std::string::npos) << r.error().message();
  LoadModel many_bursts = testing::SimpleModel();
  many_bursts.bursts.rate_per_day = 1e12;
  r = GenerateProfile(many_bursts, {}, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("bursts.rate_per_day"), std::string::npos)
      << r.error().message();
  LoadModel no_load = testing::SimpleModel();
  no_load.level_rps = 0;
  no_load.log_offset_rps = 0;
  o.mean_rps = 100;
  r = GenerateProfile(no_load, {}, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("generates no load"), std::string::npos)
      << r.error().message();
}

TEST(Profile, OverlappingOutagesCompound) {
  // Each outage drops its share of what still arrives: 80 % then 50 % of the rest leaves 10 %,
  // never less than nothing (core/events.h: possible overlaps).
  const LoadModel m = testing::SimpleModel();
  const auto events = Events(R"(events:
  - {name: zone-a, type: outage, start: 2024-02-01T01:00:00Z, duration: 10m, drop: 0.8}
  - {name: zone-b, type: outage, start: 2024-02-01T01:05:00Z, duration: 10m, drop: 50%}
  - {name: all, type: outage, start: 2024-02-01T02:00:00Z, duration: 10m}
  - {name: again, type: outage, start: 2024-02-01T02:00:00Z, duration: 10m, drop: 0.9})");
  const auto o = Flat("2024-02-01T00:00:00Z", hours(4), minutes(1));
  auto base = GenerateProfile(m, {}, o);
  auto with = GenerateProfile(m, events, o);
  ASSERT_TRUE(base && with);
  EXPECT_NEAR(with->values[62] / base->values[62], 0.2, 1e-9);
  EXPECT_NEAR(with->values[67] / base->values[67], 0.1, 1e-9);
  EXPECT_NEAR(with->values[72] / base->values[72], 0.5, 1e-9);
  EXPECT_EQ(with->values[125], 0.0);
}

TEST(Profile, ScheduledJobAddsItsVolumeDuringRuns) {
  const LoadModel m = testing::SimpleModel();
  const auto events = Events(R"(events:
  - {name: export, type: scheduled_job, cron: "0 */6 * * *", requests_per_run: 90000, duration: 15m})");
  // Two days at 7 s (a step that does not divide the run): 8 runs, all volume accounted for.
  const auto o = Flat("2024-02-01T00:00:00Z", days(2), seconds(7));
  auto base = GenerateProfile(m, {}, o);
  auto with = GenerateProfile(m, events, o);
  ASSERT_TRUE(base && with);
  double added = 0;
  for (size_t i = 0; i < base->size(); ++i) added += (with->values[i] - base->values[i]) * 7;
  EXPECT_NEAR(added, 8 * 90000, 1e-3);
  EXPECT_NEAR(with->values[10] - base->values[10], 100, 1e-6);  // 90000 / 900 s
}

TEST(Profile, HolidayFollowsTheDayItIsLike) {
  const LoadModel m = testing::SimpleModel(/*weekly=*/true);
  // 2024-02-06 is a Tuesday; like sunday 2024-02-04.
  const auto events = Events("events:\n  - {name: h, type: holiday, date: 2024-02-06, like: sunday}\n");
  const auto o = Flat("2024-02-04T00:00:00Z", days(3), minutes(1));
  ProfileOptions seasonal = o;
  seasonal.seasonality = 1.0;
  auto with = GenerateProfile(m, events, seasonal);
  auto without = GenerateProfile(m, {}, seasonal);
  ASSERT_TRUE(with && without);
  for (size_t i = 0; i < 1440; i += 37) {
    EXPECT_NEAR(with->values[2 * 1440 + i], with->values[i], 1e-9 * with->values[i]) << i;
  }
  EXPECT_GT(Mean(*without, 2 * 1440, 3 * 1440), 2 * Mean(*with, 2 * 1440, 3 * 1440));
  // --mean-rps scales the load before events, a holiday included: the other days stay as they
  // are (they rose by 9 % when the quiet holiday pulled the mean down; found by probing).
  seasonal.mean_rps = 100;
  auto scaled_with = GenerateProfile(m, events, seasonal);
  auto scaled_without = GenerateProfile(m, {}, seasonal);
  ASSERT_TRUE(scaled_with && scaled_without);
  for (size_t i = 0; i < 2 * 1440; i += 37) {
    EXPECT_NEAR(scaled_with->values[i], scaled_without->values[i], 1e-9 * scaled_without->values[i])
        << i;
  }
  EXPECT_NEAR(Mean(*scaled_without, 0, 3 * 1440), 100, 1e-6);
  seasonal.mean_rps.reset();
  // The events reader already rejects such a `like` (core/events.h); events made in code are
  // checked again here.
  std::vector<Event> bad = events;
  bad[0].like = "someday";
  auto error = GenerateProfile(m, bad, seasonal);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message().find("someday"), std::string::npos);
}

TEST(Profile, RejectsNonsenseOptions) {
  const LoadModel m = testing::SimpleModel();
  EXPECT_FALSE(GenerateProfile(m, {}, {.step = Duration{0}}));
  EXPECT_FALSE(GenerateProfile(m, {}, {.duration = seconds(1), .step = seconds(2)}));
  EXPECT_FALSE(GenerateProfile(m, {}, {.noise = -1}));
  EXPECT_FALSE(GenerateProfile(m, {}, {.duration = days(3650), .step = Duration{1}}));
  EXPECT_FALSE(
      GenerateProfile(m, {}, {.growth_per_week = std::numeric_limits<double>::infinity()}));
  // Growth compounded until the doubles overflow: an error, never "inf" in the file.
  auto overflow =
      GenerateProfile(m, {}, {.duration = days(3000), .step = days(1), .growth_per_week = 1e6});
  ASSERT_FALSE(overflow);
  EXPECT_NE(overflow.error().message().find("overflows"), std::string::npos)
      << overflow.error().message();
}

}  // namespace
}  // namespace forescale::generate
