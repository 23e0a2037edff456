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
// Errors name the file, the event (by index and name) and the key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace forescale {

// A five-field cron expression (minute hour day-of-month month day-of-week) with `*`, lists,
// ranges and steps; day-of-week 0 or 7 is Sunday. As in Vixie cron, when both day fields are
// restricted a day matches if either does.
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
  std::string like;                   // holiday: "sunday" or a date whose pattern it follows

  // How much of the event is under way at t: 0 (not at all) .. 1 (at its peak).
  double Intensity(TimePoint t) const;
  // The relative change of load at full intensity, when the event says it: peak 5x -> 4.0,
  // an outage dropping 80 % -> -0.8; nullopt when only the history can tell (absolute rates,
  // scheduled jobs, holidays).
  std::optional<double> ExpectedLift() const;
  static const char* TypeName(Type type);
};

Result<std::vector<Event>> ParseEvents(const std::string& yaml_text, const std::string& origin);
Result<std::vector<Event>> LoadEvents(const std::string& path);

}  // namespace forescale
