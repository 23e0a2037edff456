#include "core/events.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale {
namespace {

TimePoint At(const char* text) { return *ParseRfc3339(text); }

TEST(CronSchedule, MatchesLikeVixieCron) {
  auto nightly = CronSchedule::Parse("0 2 * * *");
  ASSERT_TRUE(nightly.has_value());
  EXPECT_TRUE(nightly->Matches(At("2024-03-12T02:00:00Z")));
  EXPECT_FALSE(nightly->Matches(At("2024-03-12T02:01:00Z")));
  auto every15 = CronSchedule::Parse("*/15 9-17 * * 1-5");
  ASSERT_TRUE(every15.has_value());
  EXPECT_TRUE(every15->Matches(At("2024-03-12T09:45:00Z")));   // a Tuesday
  EXPECT_FALSE(every15->Matches(At("2024-03-16T09:45:00Z")));  // a Saturday
  EXPECT_EQ(every15->RunsBetween(At("2024-03-12T09:00:00Z"), At("2024-03-12T10:00:00Z")).size(), 4u);
  // Both day fields restricted: either matches (the 1st, or any Sunday).
  auto either = CronSchedule::Parse("0 0 1 * 0");
  EXPECT_TRUE(either->Matches(At("2024-03-01T00:00:00Z")));
  EXPECT_TRUE(either->Matches(At("2024-03-10T00:00:00Z")));
  EXPECT_FALSE(either->Matches(At("2024-03-11T00:00:00Z")));
}

TEST(CronSchedule, RejectsMalformedExpressions) {
  for (const char* bad : {"", "* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *",
                          "5-1 * * * *", "* * 0 * *"}) {
    EXPECT_FALSE(CronSchedule::Parse(bad).has_value()) << bad;
  }
}

TEST(Events, ParsesEveryTypeWithItsShape) {
  auto events = ParseEvents(R"(
events:
  - name: spring-sale
    type: campaign
    start: 2024-03-12T09:00:00Z
    ramp_up: 20m
    ramp_shape: linear
    peak: 5x
    plateau: 1h
    ramp_down: 10m
  - {name: nightly, type: scheduled_job, cron: "0 2 * * *", requests_per_run: 5000, duration: 15m}
  - {name: hn, type: flash_crowd, start: 2024-03-14T15:00:00Z, rise: 2m, decay: 30m, peak: 10x}
  - {name: dc, type: outage, start: 2024-03-15T10:00:00Z, duration: 10m, drop: 0.8}
  - {name: xmas, type: holiday, date: 2024-12-25, like: sunday}
)", "events.yaml");
  ASSERT_TRUE(events.has_value()) << events.error().message();
  ASSERT_EQ(events->size(), 5u);
  const Event& sale = (*events)[0];
  EXPECT_DOUBLE_EQ(sale.Intensity(At("2024-03-12T08:59:00Z")), 0.0);
  EXPECT_DOUBLE_EQ(sale.Intensity(At("2024-03-12T09:10:00Z")), 0.5);
  EXPECT_DOUBLE_EQ(sale.Intensity(At("2024-03-12T10:00:00Z")), 1.0);
  EXPECT_DOUBLE_EQ(sale.Intensity(At("2024-03-12T10:25:00Z")), 0.5);
  EXPECT_DOUBLE_EQ(*sale.ExpectedLift(), 4.0);
  const Event& job = (*events)[1];
  EXPECT_DOUBLE_EQ(job.Intensity(At("2024-03-12T02:14:00Z")), 1.0);
  EXPECT_DOUBLE_EQ(job.Intensity(At("2024-03-12T02:15:00Z")), 0.0);
  EXPECT_FALSE(job.ExpectedLift().has_value());
  const Event& crowd = (*events)[2];
  EXPECT_DOUBLE_EQ(crowd.Intensity(At("2024-03-14T15:01:00Z")), 0.5);
  EXPECT_NEAR(crowd.Intensity(At("2024-03-14T15:32:00Z")), std::exp(-1.0), 1e-9);
  EXPECT_DOUBLE_EQ(*(*events)[3].ExpectedLift(), -0.8);
  EXPECT_DOUBLE_EQ((*events)[4].Intensity(At("2024-12-25T13:00:00Z")), 1.0);
  EXPECT_EQ((*events)[4].like, "sunday");
}

TEST(Events, ErrorsNameTheFileTheEventAndTheKey) {
  auto missing = ParseEvents("events:\n  - {name: x, type: campaign, start: 2024-01-01, ramp_up: 5m}\n",
                             "e.yaml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("e.yaml: event 1 (x): missing 'peak'"), std::string::npos)
      << missing.error().message();
  auto bad_type = ParseEvents("events:\n  - {type: party}\n", "e.yaml");
  EXPECT_NE(bad_type.error().message().find("type 'party'"), std::string::npos);
  auto bad_peak = ParseEvents(
      "events:\n  - {type: flash_crowd, start: 2024-01-01, rise: 1m, decay: 1m, peak: lots}\n", "e.yaml");
  EXPECT_NE(bad_peak.error().message().find("peak 'lots'"), std::string::npos);
  auto bad_yaml = ParseEvents("events: [\n", "e.yaml");
  ASSERT_FALSE(bad_yaml.has_value());
  EXPECT_NE(bad_yaml.error().message().find("e.yaml:"), std::string::npos);
  auto bad_cron = ParseEvents("events:\n  - {type: scheduled_job, cron: '* *', duration: 1m}\n", "e.yaml");
  EXPECT_NE(bad_cron.error().message().find("5 fields"), std::string::npos);
  EXPECT_FALSE(LoadEvents("/nonexistent/events.yaml").has_value());
}

}  // namespace
}  // namespace forescale
