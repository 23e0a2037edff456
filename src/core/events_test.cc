#include "core/events.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

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
  // A day field that starts with '*' is not restricted, even with a step: both must match
  // (found by probing: "*/2" was OR-ed, running on every odd day and every Monday).
  auto odd_mondays = CronSchedule::Parse("0 0 */2 * 1");
  ASSERT_TRUE(odd_mondays.has_value());
  const auto runs =
      odd_mondays->RunsBetween(At("2024-03-01T00:00:00Z"), At("2024-03-29T00:00:00Z"));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], At("2024-03-11T00:00:00Z"));
  EXPECT_EQ(runs[1], At("2024-03-25T00:00:00Z"));
  auto first_or_sunday =
      CronSchedule::Parse("0 0 1 * */7");  // '*/7' on 0-7: Sunday, not restricted
  ASSERT_TRUE(first_or_sunday.has_value());
  EXPECT_TRUE(first_or_sunday->Matches(At("2024-09-01T00:00:00Z")));   // the 1st, a Sunday
  EXPECT_FALSE(first_or_sunday->Matches(At("2024-03-01T00:00:00Z")));  // the 1st, a Friday
  EXPECT_FALSE(first_or_sunday->Matches(At("2024-03-10T00:00:00Z")));  // a Sunday, the 10th
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

TEST(Events, ActiveDuringAgreesWithIntensityAtTheEdges) {
  auto events = ParseEvents(R"(
events:
  - {name: sale, type: campaign, start: 2024-03-12T09:00:00Z, ramp_up: 20m, peak: 5x, plateau: 1h, ramp_down: 10m}
  - {name: nightly, type: scheduled_job, cron: "0 2 * * *", requests_per_run: 5000, duration: 15m}
  - {name: hn, type: flash_crowd, start: 2024-03-14T15:00:00Z, rise: 2m, decay: 30m, peak: 10x}
  - {name: dc, type: outage, start: 2024-03-15T10:00:00Z, duration: 10m, drop: 0.8}
  - {name: xmas, type: holiday, date: 2024-12-25, like: sunday}
)",
                            "events.yaml");
  ASSERT_TRUE(events.has_value()) << events.error().message();
  // For each event, a window that just catches its last active minute and one just after it.
  struct Case {
    const char* last_active;
    const char* after;
  };
  const Case cases[] = {{"2024-03-12T10:29:00Z", "2024-03-12T10:30:00Z"},
                        {"2024-03-12T02:14:00Z", "2024-03-12T02:15:00Z"},
                        {"2024-03-14T21:56:00Z", "2024-03-14T21:57:00Z"},  // e^-(414.5/30) = 1e-6
                        {"2024-03-15T10:09:00Z", "2024-03-15T10:10:00Z"},
                        {"2024-12-25T23:59:00Z", "2024-12-26T00:00:00Z"}};
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    const TimePoint last = At(cases[i].last_active), after = At(cases[i].after);
    EXPECT_GT(e.Intensity(last), 0.0) << e.name;
    EXPECT_EQ(e.Intensity(after), 0.0) << e.name;
    EXPECT_TRUE(e.ActiveDuring(last, last + std::chrono::minutes(1))) << e.name;
    EXPECT_FALSE(e.ActiveDuring(after, after + std::chrono::hours(1))) << e.name;
    EXPECT_FALSE(e.ActiveDuring(last, last)) << e.name;  // an empty span holds nothing
  }
  // Before the start: a window that ends as the campaign begins holds none of it.
  EXPECT_FALSE((*events)[0].ActiveDuring(At("2024-03-12T08:00:00Z"), At("2024-03-12T09:00:00Z")));
  EXPECT_TRUE((*events)[0].ActiveDuring(At("2024-03-12T08:00:00Z"), At("2024-03-12T09:00:01Z")));
}

// An event's mean over a step counts the share of the step it covers (found by probing: read
// at 60 points of a one-day step, a 20-minute 50x campaign vanished or counted double), and a
// flash crowd's decay fades out instead of ending on a cliff (at a 1e-3 cut, a 1000x crowd fell
// from 2x to 1x in one minute).
TEST(Events, MeanIntensityCountsTheShareOfTheStepAndDecayFadesOut) {
  auto events = ParseEvents(R"(
events:
  - {name: sale, type: campaign, start: 2024-03-11T10:15:00Z, plateau: 20m, peak: 50x}
  - {name: dc, type: outage, start: 2024-03-11T10:20:00Z, duration: 30m, drop: 0.8}
  - {name: hn, type: flash_crowd, start: 2024-03-11T15:00:00Z, rise: 0s, decay: 10m, peak: 1000x}
)",
                            "events.yaml");
  ASSERT_TRUE(events.has_value()) << events.error().message();
  const Event &sale = (*events)[0], &dc = (*events)[1], &hn = (*events)[2];
  EXPECT_NEAR(sale.MeanIntensity(At("2024-03-11T00:00:00Z"), At("2024-03-12T00:00:00Z")),
              20.0 / 1440, 1e-12);
  EXPECT_NEAR(dc.MeanIntensity(At("2024-03-11T10:00:00Z"), At("2024-03-11T11:00:00Z")), 0.5, 1e-12);
  EXPECT_EQ(dc.MeanIntensity(At("2024-03-11T11:00:00Z"), At("2024-03-11T12:00:00Z")), 0.0);
  EXPECT_NEAR(dc.MeanIntensity(At("2024-03-11T10:20:00Z"), At("2024-03-11T10:20:30Z")), 1.0, 1e-12);
  // An event shorter than a minute counts in an hour too (read at minute centres, a 30-second
  // outage had been nothing; found by probing).
  auto blip = ParseEvents(
      "events:\n  - {name: blip, type: outage, start: 2024-03-11T20:00:00Z, duration: 30s}\n",
      "events.yaml");
  ASSERT_TRUE(blip.has_value()) << blip.error().message();
  EXPECT_NEAR((*blip)[0].MeanIntensity(At("2024-03-11T20:00:00Z"), At("2024-03-11T21:00:00Z")),
              30.0 / 3600, 1e-12);
  // Minute by minute, the crowd's lift (999 x intensity) never falls by more than a tenth of
  // the load in one step once it is below 1x.
  for (TimePoint t = At("2024-03-11T15:00:00Z"); t < At("2024-03-11T20:00:00Z");
       t += std::chrono::minutes(1)) {
    const double now = 999 * hn.Intensity(t),
                 next = 999 * hn.Intensity(t + std::chrono::minutes(1));
    if (now < 1) {
      EXPECT_LT(now - next, 0.1) << FormatRfc3339(t);
    }
  }
}

// The message of a parse that must fail ("" when it did not fail).
std::string ErrorOf(const std::string& yaml) {
  auto events = ParseEvents(yaml, "e.yaml");
  return events ? std::string() : events.error().message();
}

TEST(Events, ErrorsNameTheFileTheLineAndTheKey) {
  EXPECT_EQ(ErrorOf("events:\n  - {name: x, type: campaign, start: 2024-01-01, ramp_up: 5m}\n"),
            "e.yaml:2: events[0].peak: missing");
  EXPECT_EQ(ErrorOf("events:\n  - {type: party}\n"),
            "e.yaml:2: events[0].type: 'party' is not campaign, scheduled_job, flash_crowd, "
            "outage or holiday");
  EXPECT_NE(ErrorOf("events:\n  - name: hn\n    type: flash_crowd\n    start: 2024-01-01\n"
                    "    rise: 1m\n    decay: 1m\n    peak: lots\n")
                .find("e.yaml:7: events[0].peak: 'lots' is neither"),
            std::string::npos);
  EXPECT_NE(ErrorOf("events: [\n").find("e.yaml:"), std::string::npos);
  // A typo is not silently a default, and a key of another type is not silently ignored.
  EXPECT_NE(ErrorOf("events:\n  - name: sale\n    type: campaign\n    start: 2024-01-01\n"
                    "    peak: 2x\n    ramp_dwon: 30m\n")
                .find("e.yaml:6: events[0].ramp_dwon: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("events:\n  - {type: campaign, start: 2024-01-01, plateau: 1h, peak: 2x, "
                    "drop: 0.5}\n")
                .find("e.yaml:2: events[0].drop: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("extra: 1\nevents: []\n").find("e.yaml:1: extra: unknown key"),
            std::string::npos);
  EXPECT_FALSE(LoadEvents("/nonexistent/events.yaml").has_value());
}

TEST(Events, CronThatDoesNotParseNamesItsLineAndKey) {
  const std::string text =
      "events:\n"
      "  - {name: ok, type: scheduled_job, cron: '0 2 * * *', duration: 5m, requests_per_run: "
      "100}\n"
      "  - name: export\n"
      "    type: scheduled_job\n"
      "    cron: '61 * * * *'\n"
      "    duration: 1m\n";
  const std::string message = ErrorOf(text);
  EXPECT_NE(message.find("e.yaml:5: events[1].cron: cron minute '61'"), std::string::npos)
      << message;
  EXPECT_NE(ErrorOf("events:\n  - {type: scheduled_job, cron: '* *', duration: 1m}\n")
                .find("e.yaml:2: events[0].cron: cron '* *': expected 5 fields"),
            std::string::npos);
  // A step past INT_MAX's reach must not overflow (found by the fuzzer's kind of input).
  EXPECT_TRUE(CronSchedule::Parse("59/2147483647 * * * *").has_value());
}

TEST(Events, NegativeRatesAndImpossibleAmountsAreErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"{type: campaign, start: 2024-01-01, plateau: 1h, peak: -5x}", "events[0].peak: '-5x'"},
      {"{type: flash_crowd, start: 2024-01-01, rise: 1m, decay: 5m, peak: -800rps}",
       "events[0].peak: '-800rps'"},
      {"{type: campaign, start: 2024-01-01, plateau: 1h, peak: 0rps}", "a peak must be positive"},
      {"{type: campaign, start: 2024-01-01, plateau: 1h, peak: 1e300rps}",
       "more than 1e9 requests/s"},
      {"{type: flash_crowd, start: 2024-01-01, rise: 1m, decay: 5m, peak: 1e308x}",
       "more than a million times the load"},
      {"{type: scheduled_job, cron: '0 * * * *', duration: 5m, requests_per_run: -10}",
       "events[0].requests_per_run: must be positive"},
      {"{type: scheduled_job, cron: '0 * * * *', duration: 5m, requests_per_run: 0}",
       "events[0].requests_per_run: must be positive"},
      {"{type: scheduled_job, cron: '0 * * * *', duration: 5m}",
       "events[0].requests_per_run: missing"},
      {"{type: scheduled_job, cron: '0 * * * *', duration: 0s, requests_per_run: 10}",
       "events[0].duration: must be positive"},
      {"{type: outage, start: 2024-01-01, duration: 5m, drop: 120%}",
       "events[0].drop: an outage drops at most 100 %"},
      {"{type: outage, start: 2024-01-01, duration: 5m, drop: -0.2}",
       "events[0].drop: must be positive"},
      {"{type: flash_crowd, start: 2024-01-01, rise: 1m, decay: 0s, peak: 3x}",
       "events[0].decay: must be positive"},
      {"{type: campaign, start: 2024-01-01, peak: 3x}", "the campaign never happens"},
      {"{type: campaign, start: 2024-01-01, plateau: 4000d, peak: 3x}", "longer than ten years"},
      {"{type: holiday, date: 2024-12-25T13:00:00Z, like: sunday}", "a holiday is a whole day"},
      {"{type: holiday, date: 2024-12-25, like: someday}", "events[0].like: 'someday' is neither"},
      {"{type: holiday, date: 2024-12-25}", "events[0].like: missing"},
  };
  for (const auto& [event, expected] : cases) {
    const std::string message = ErrorOf(std::string("events:\n  - ") + event + "\n");
    EXPECT_NE(message.find("e.yaml:2: "), std::string::npos) << event << "\n  got: " << message;
    EXPECT_NE(message.find(expected), std::string::npos) << event << "\n  got: " << message;
  }
  // Percentages and fractions both read as fractions.
  auto drop = ParseEvents("events:\n  - {type: outage, start: 2024-01-01, duration: 5m, drop: 80%}\n", "e");
  ASSERT_TRUE(drop.has_value()) << drop.error().message();
  EXPECT_DOUBLE_EQ((*drop)[0].drop, 0.8);
}

TEST(Events, ImpossibleOverlapsNameTheLaterEventsLineAndKey) {
  // Two events (here two campaigns) with one name.
  EXPECT_EQ(ErrorOf("events:\n"
                    "  - {name: sale, type: campaign, start: 2024-03-01, plateau: 1h, peak: 2x}\n"
                    "  - {name: sale, type: campaign, start: 2024-03-08, plateau: 1h, peak: 3x}\n"),
            "e.yaml:3: events[1].name: 'sale' is also the name of events[0], line 2: names "
            "identify events in forecasts and reports");
  // Two holidays on one day.
  EXPECT_NE(ErrorOf("events:\n"
                    "  - {name: xmas, type: holiday, date: 2024-12-25, like: sunday}\n"
                    "  - {name: feast, type: holiday, date: 2024-12-25, like: saturday}\n")
                .find("e.yaml:3: events[1].date: 2024-12-25 is already the holiday 'xmas'"),
            std::string::npos);
  // A holiday that follows itself, directly ...
  EXPECT_NE(ErrorOf("events:\n  - {name: xmas, type: holiday, date: 2024-12-25, like: 2024-12-25}\n")
                .find("e.yaml:2: events[0].like: a holiday cannot follow itself"),
            std::string::npos);
  // ... or through another holiday.
  const std::string circle = ErrorOf(
      "events:\n"
      "  - {name: eve, type: holiday, date: 2024-12-24, like: 2024-12-25}\n"
      "  - {name: xmas, type: holiday, date: 2024-12-25, like: 2024-12-24}\n");
  EXPECT_NE(circle.find("e.yaml:2: events[0].like: holidays follow each other in a circle "
                        "('eve' -> 'xmas' -> 'eve')"),
            std::string::npos)
      << circle;
}

TEST(Events, PossibleOverlapsAreAllowedAndHolidaysFollowOtherHolidays) {
  // A campaign during a scheduled job's run, an outage inside both, a second outage over the
  // first (they compound), a flash crowd on top and a holiday under all of it.
  auto events = ParseEvents(R"(events:
  - {name: sale, type: campaign, start: 2024-12-24T01:00:00Z, ramp_up: 1h, plateau: 2h, peak: 3x}
  - {name: export, type: scheduled_job, cron: "0 2 * * *", requests_per_run: 5000, duration: 1h}
  - {name: zone-a, type: outage, start: 2024-12-24T02:10:00Z, duration: 10m, drop: 0.8}
  - {name: zone-b, type: outage, start: 2024-12-24T02:10:00Z, duration: 10m, drop: 0.5}
  - {name: hn, type: flash_crowd, start: 2024-12-24T02:00:00Z, rise: 1m, decay: 5m, peak: 200rps}
  - {name: eve, type: holiday, date: 2024-12-24, like: 2024-12-25}
  - {name: xmas, type: holiday, date: 2024-12-25, like: sun}
  - {name: boxing, type: holiday, date: 2024-12-26, like: 2024-12-24}
)", "e.yaml");
  ASSERT_TRUE(events.has_value()) << events.error().message();
  ASSERT_EQ(events->size(), 8u);
  EXPECT_EQ((*events)[5].like, "sun");  // eve follows xmas, which follows Sunday
  EXPECT_EQ((*events)[7].like, "sun");  // boxing follows eve, so Sunday too
  // A holiday like its own weekday changes nothing but is allowed (reused lists need it).
  EXPECT_TRUE(ParseEvents("events:\n  - {name: x, type: holiday, date: 2024-12-25, like: wednesday}\n",
                          "e.yaml")
                  .has_value());
}

TEST(Events, AListInsideAnotherFileKeepsThatFilesLines) {
  const YAML::Node root = YAML::Load(
      "name: s\n"
      "events:\n"
      "  - {name: a, type: outage, start: 2024-01-01, duration: 5m}\n"
      "  - {name: b, type: outage, start: 2024-01-01, duration: -5m}\n");
  auto events = ParseEventList(root["events"], "scenario.yaml", "events");
  ASSERT_FALSE(events.has_value());
  EXPECT_NE(events.error().message().find("scenario.yaml:4: events[1].duration:"), std::string::npos)
      << events.error().message();
}

}  // namespace
}  // namespace forescale
