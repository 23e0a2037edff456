// Known future events — campaigns, scheduled jobs, flash crowds, outages, holidays — as users
// write them in YAML. One format for the generator (which overlays them on a profile) and the
// forecaster (which takes them as regressors), so the load a test replays and the load the
// predictive policy expects are described once.
//
//   events:
//     - name: spring-sale
//       type: campaign            # ramp up, plateau, ramp down
//       start: 2024-03-12T09:00:00Z
//       ramp_up: 20m
//       ramp_shape: sigmoid       # linear | exponential | sigmoid
//       peak: 5x                  # a multiplier ("5x") or an absolute rate ("800rps")
//       plateau: 2h
//       ramp_down: 30m
//     - name: nightly-export
//       type: scheduled_job
//       cron: "0 2 * * *"         # minute hour day-of-month month day-of-week, UTC
//       requests_per_run: 50000
//       duration: 15m
//     - {name: hn, type: flash_crowd, start: 2024-03-14T15:00:00Z, rise: 2m, decay: 30m, peak: 10x}
//     - {name: dc-loss, type: outage, start: 2024-03-15T10:00:00Z, duration: 10m, drop: 0.8}
//     - {name: xmas, type: holiday, date: 2024-12-25, like: sunday}
//
// Reading is strict: an unknown key, a key that does not belong to the event's type, a wrong
// type, a cron expression that does not parse, a negative or zero rate or peak, a drop outside
// (0, 100 %] or a duration over ten years is an error naming the file, the line and the key
// ("events.yaml:7: events[0].peak: ...", 0-based like every other forescale file).
//
// Overlaps. Events may overlap wherever the result is well defined (generate/profile.h says how
// they combine, and the forecaster's stated lifts combine the same way): campaigns and flash
// crowds compound (multipliers) or add (absolute rates), scheduled jobs add their requests (runs
// of one job may overlap too, as cron starts them), outages compound (each drops its share of
// what still arrives, so together they never drop more than all of it), holidays reshape the
// day under whatever else happens. What cannot be meant is an error, at the later event's line:
//   * two events with the same name: names identify events in forecasts, logs and reports;
//   * two holidays on the same date: a day follows one day's pattern, not two;
//   * a holiday that follows itself, directly (`like` its own date) or through other
//     holidays (`like` the date of a holiday that, in the end, is `like` this one).
// A holiday `like` the date of another holiday follows what that one follows; a holiday `like`
// its own weekday is allowed (it changes nothing, and a list reused across years needs it).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace YAML {
class Node;  // yaml-cpp; only ParseEventList's callers need its definition
}  // namespace YAML

namespace forescale {

// A five-field cron expression (minute hour day-of-month month day-of-week) with `*`, lists,
// ranges and steps; day-of-week 0 or 7 is Sunday. As in Vixie cron (and cronie), when both day
// fields are restricted a day matches if either does; a field that starts with `*` (`*`, `*/2`)
// is not restricted, so "0 0 */2 * 1" runs on odd-numbered Mondays.
class CronSchedule {
 public:
  static Result<CronSchedule> Parse(std::string_view text);
  bool Matches(TimePoint t) const;  // t's minute, in UTC
  // Start times of runs in [from, to), minute resolution.
  std::vector<TimePoint> RunsBetween(TimePoint from, TimePoint to) const;

 private:
  std::vector<bool> minute_, hour_, day_, month_, weekday_;
  bool day_restricted_ = false, weekday_restricted_ = false;
};

struct Event {
  enum class Type { kCampaign, kScheduledJob, kFlashCrowd, kOutage, kHoliday };
  enum class Shape { kLinear, kExponential, kSigmoid };

  std::string name;
  Type type = Type::kCampaign;
  TimePoint start{};                  // campaign, flash crowd, outage; holiday: its midnight
  Duration ramp_up{0}, plateau{0}, ramp_down{0};  // campaign
  Shape ramp_shape = Shape::kLinear;
  Duration rise{0}, decay{0};         // flash crowd: linear rise, exponential decay (time constant)
  Duration duration{0};               // scheduled job run, outage; holiday: 1 day
  std::optional<double> peak_multiplier;  // "5x"
  std::optional<double> peak_rate;        // "800rps" (requests per second)
  double drop = 1.0;                  // outage: share of the load lost
  std::optional<CronSchedule> cron;   // scheduled job
  double requests_per_run = 0;        // scheduled job
  // Holiday: a weekday ("sunday", "sun") or a date whose weekday's pattern it follows; when
  // that date is another holiday, ParseEvents has already replaced it with what that one follows.
  std::string like;

  // How much of the event is under way at t: 0 (not at all) .. 1 (at its peak).
  double Intensity(TimePoint t) const;
  // The mean of Intensity over [from, to), read as MeanOverSpan reads, so an event shorter
  // than a coarse step counts for the share of the step it covers.
  double MeanIntensity(TimePoint from, TimePoint to) const;
  // When a one-off event's intensity is 0 for good (a flash crowd's once its decay is below
  // 1e-6); a scheduled job recurs and has no end (its start is unused).
  TimePoint End() const;
  // Whether the event is under way (Intensity above 0) at some time in [from, to): an event
  // outside a profile or a forecast changes nothing there, and callers say so.
  bool ActiveDuring(TimePoint from, TimePoint to) const;
  // The relative change of load at full intensity, when the event says it: peak 5x -> 4.0,
  // an outage dropping 80 % -> -0.8; nullopt when only the history can tell (absolute rates,
  // scheduled jobs, holidays).
  std::optional<double> ExpectedLift() const;
  static const char* TypeName(Type type);
};

// The mean of f over [from, to), read at the centres of equal parts: a minute apart, at least
// 60 in the span (down to a second apart), and finer where one of `events` lasts under ten of
// them (down to a second; at most 100,000 parts). How every consumer reads events over a step,
// so that events in one step combine instant by instant (f the product of their effects),
// never as a product of their means.
double MeanOverSpan(TimePoint from, TimePoint to, std::span<const Event* const> events,
                    const std::function<double(TimePoint)>& f);

// `yaml_text` is a mapping with `events:` (and nothing else) or a bare list of events.
Result<std::vector<Event>> ParseEvents(const std::string& yaml_text, const std::string& origin);
// The same from a list node inside a bigger file (a scenario's `events:`), keeping that file's
// line numbers; `key` is where the list sits ("events").
Result<std::vector<Event>> ParseEventList(const YAML::Node& list, const std::string& origin,
                                          const std::string& key = "events");
Result<std::vector<Event>> LoadEvents(const std::string& path);

}  // namespace forescale
