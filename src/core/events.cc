#include "core/events.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace forescale {
namespace {

constexpr int64_t kMinuteMs = 60'000;

// One cron field into a bitmap over [lo, hi]; `*` leaves `restricted` false.
Result<std::vector<bool>> ParseCronField(std::string_view field, int lo, int hi, bool* restricted,
                                         std::string_view what) {
  std::vector<bool> allowed(static_cast<size_t>(hi + 1), false);
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                "cron " + std::string(what) + " '" + std::string(field) + "': " + std::string(why));
  };
  auto number = [&](std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (restricted) *restricted = field != "*";
  size_t start = 0;
  while (start <= field.size()) {
    const size_t comma = std::min(field.find(',', start), field.size());
    std::string_view item = field.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return bad("empty item");
    int step = 1;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!number(item.substr(slash + 1), step) || step < 1) return bad("bad step");
      item = item.substr(0, slash);
    }
    int from = lo, to = hi;
    if (item != "*") {
      const size_t dash = item.find('-');
      if (dash == std::string_view::npos) {
        if (!number(item, from)) return bad("not a number");
        to = step > 1 ? hi : from;
      } else if (!number(item.substr(0, dash), from) || !number(item.substr(dash + 1), to)) {
        return bad("bad range");
      }
    }
    if (from < lo || to > hi || from > to) {
      return bad("outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    for (int v = from; v <= to; v += step) allowed[static_cast<size_t>(v)] = true;
    if (comma == field.size()) break;
  }
  return allowed;
}

Result<Duration> DurationKey(const YAML::Node& node, const char* key, const std::string& where,
                             bool required) {
  if (!node[key]) {
    if (required) return Fail(ErrorCode::kInvalidArgument, where + ": missing '" + key + "'");
    return Duration{0};
  }
  auto d = ParseDuration(node[key].as<std::string>());
  if (!d) return std::unexpected(d.error().WithContext(where + ": " + key));
  return *d;
}

Result<TimePoint> TimeKey(const YAML::Node& node, const char* key, const std::string& where) {
  if (!node[key]) return Fail(ErrorCode::kInvalidArgument, where + ": missing '" + key + "'");
  auto t = ParseTimestamp(node[key].as<std::string>());
  if (!t) return std::unexpected(t.error().WithContext(where + ": " + key));
  return *t;
}

double Ramp(double x, Event::Shape shape) {  // x in [0, 1] -> [0, 1]
  switch (shape) {
    case Event::Shape::kLinear: return x;
    case Event::Shape::kExponential: return (std::exp(4 * x) - 1) / (std::exp(4.0) - 1);
    case Event::Shape::kSigmoid: {
      const double s = 1 / (1 + std::exp(-10 * (x - 0.5)));
      const double s0 = 1 / (1 + std::exp(5.0)), s1 = 1 / (1 + std::exp(-5.0));
      return (s - s0) / (s1 - s0);
    }
  }
  return x;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::vector<std::string> fields;
  std::istringstream in{std::string(text)};
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) {
    return Fail(ErrorCode::kInvalidArgument,
                "cron '" + std::string(text) + "': expected 5 fields (minute hour day month weekday)");
  }
  CronSchedule c;
  auto minute = ParseCronField(fields[0], 0, 59, nullptr, "minute");
  auto hour = ParseCronField(fields[1], 0, 23, nullptr, "hour");
  auto day = ParseCronField(fields[2], 1, 31, &c.day_restricted_, "day of month");
  auto month = ParseCronField(fields[3], 1, 12, nullptr, "month");
  auto weekday = ParseCronField(fields[4], 0, 7, &c.weekday_restricted_, "day of week");
  for (auto* r : {&minute, &hour, &day, &month, &weekday}) {
    if (!*r) return std::unexpected(r->error());
  }
  c.minute_ = *minute;
  c.hour_ = *hour;
  c.day_ = *day;
  c.month_ = *month;
  c.weekday_ = *weekday;
  if (c.weekday_[7]) c.weekday_[0] = true;  // 7 is Sunday too
  return c;
}

bool CronSchedule::Matches(TimePoint t) const {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  const unsigned weekday = std::chrono::weekday{days}.c_encoding();
  if (!minute_[static_cast<size_t>(hms.minutes().count())] ||
      !hour_[static_cast<size_t>(hms.hours().count())] ||
      !month_[static_cast<unsigned>(ymd.month())]) {
    return false;
  }
  const bool day_ok = day_[static_cast<unsigned>(ymd.day())];
  const bool weekday_ok = weekday_[weekday];
  if (day_restricted_ && weekday_restricted_) return day_ok || weekday_ok;
  return day_ok && weekday_ok;
}

std::vector<TimePoint> CronSchedule::RunsBetween(TimePoint from, TimePoint to) const {
  std::vector<TimePoint> runs;
  int64_t ms = from.time_since_epoch().count();
  ms = (ms + kMinuteMs - 1) / kMinuteMs * kMinuteMs;
  for (; ms < to.time_since_epoch().count(); ms += kMinuteMs) {
    const TimePoint t{Duration{ms}};
    if (Matches(t)) runs.push_back(t);
  }
  return runs;
}

double Event::Intensity(TimePoint t) const {
  const double dt = std::chrono::duration<double>(t - start).count();
  auto seconds = [](Duration d) { return std::chrono::duration<double>(d).count(); };
  switch (type) {
    case Type::kCampaign: {
      const double up = seconds(ramp_up), flat = seconds(plateau), down = seconds(ramp_down);
      if (dt < 0 || dt >= up + flat + down) return 0;
      if (dt < up) return Ramp(dt / up, ramp_shape);
      if (dt < up + flat) return 1;
      return 1 - (dt - up - flat) / down;
    }
    case Type::kFlashCrowd: {
      const double r = seconds(rise), tau = seconds(decay);
      if (dt < 0) return 0;
      if (dt < r) return dt / r;
      const double v = tau > 0 ? std::exp(-(dt - r) / tau) : 0.0;
      return v < 1e-3 ? 0.0 : v;
    }
    case Type::kOutage:
    case Type::kHoliday:
      return dt >= 0 && dt < seconds(duration) ? 1.0 : 0.0;
    case Type::kScheduledJob: {
      if (!cron) return 0;
      // Is a run under way at t? Look back one run duration, minute by minute.
      const int64_t window = duration.count() / kMinuteMs + 1;
      int64_t minute = t.time_since_epoch().count() / kMinuteMs * kMinuteMs;
      for (int64_t k = 0; k < window; ++k, minute -= kMinuteMs) {
        const TimePoint run{Duration{minute}};
        if (t - run < duration && cron->Matches(run)) return 1.0;
      }
      return 0.0;
    }
  }
  return 0.0;
}

std::optional<double> Event::ExpectedLift() const {
  switch (type) {
    case Type::kCampaign:
    case Type::kFlashCrowd:
      if (peak_multiplier) return *peak_multiplier - 1;
      return std::nullopt;
    case Type::kOutage:
      return -drop;
    default:
      return std::nullopt;
  }
}

const char* Event::TypeName(Type type) {
  switch (type) {
    case Type::kCampaign: return "campaign";
    case Type::kScheduledJob: return "scheduled_job";
    case Type::kFlashCrowd: return "flash_crowd";
    case Type::kOutage: return "outage";
    case Type::kHoliday: return "holiday";
  }
  return "?";
}

Result<std::vector<Event>> ParseEvents(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, origin + ":" + std::to_string(e.mark.line + 1) +
                                                 ": " + e.msg);
  }
  const YAML::Node list = root.IsMap() ? root["events"] : root;
  if (!list || !list.IsSequence()) {
    return Fail(ErrorCode::kInvalidArgument, origin + ": expected a list under 'events:'");
  }
  std::vector<Event> events;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    std::string where = origin + ": event " + std::to_string(i + 1);
    try {
      if (!node.IsMap()) return Fail(ErrorCode::kInvalidArgument, where + ": not a mapping");
      Event e;
      e.name = node["name"] ? node["name"].as<std::string>() : "event" + std::to_string(i + 1);
      where += " (" + e.name + ")";
      const std::string type = node["type"] ? node["type"].as<std::string>() : "";
      if (type == "campaign") e.type = Event::Type::kCampaign;
      else if (type == "scheduled_job") e.type = Event::Type::kScheduledJob;
      else if (type == "flash_crowd") e.type = Event::Type::kFlashCrowd;
      else if (type == "outage") e.type = Event::Type::kOutage;
      else if (type == "holiday") e.type = Event::Type::kHoliday;
      else {
        return Fail(ErrorCode::kInvalidArgument,
                    where + ": type '" + type +
                        "' is not campaign, scheduled_job, flash_crowd, outage or holiday");
      }
      if (node["peak"]) {
        const std::string peak = node["peak"].as<std::string>();
        double v = 0;
        const bool multiplier = peak.ends_with("x");
        const bool rate = peak.ends_with("rps");
        const std::string number = peak.substr(0, peak.size() - (multiplier ? 1 : rate ? 3 : 0));
        auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
        if ((!multiplier && !rate) || ec != std::errc() || p != number.data() + number.size() ||
            !(v > 0)) {
          return Fail(ErrorCode::kInvalidArgument,
                      where + ": peak '" + peak + "' is neither a multiplier (5x) nor a rate (800rps)");
        }
        (multiplier ? e.peak_multiplier : e.peak_rate) = v;
      }
      switch (e.type) {
        case Event::Type::kCampaign: {
          auto start = TimeKey(node, "start", where);
          auto up = DurationKey(node, "ramp_up", where, false);
          auto flat = DurationKey(node, "plateau", where, false);
          auto down = DurationKey(node, "ramp_down", where, false);
          for (auto* r : {&up, &flat, &down}) {
            if (!*r) return std::unexpected(r->error());
          }
          if (!start) return std::unexpected(start.error());
          e.start = *start;
          e.ramp_up = *up;
          e.plateau = *flat;
          e.ramp_down = *down;
          if ((e.ramp_up + e.plateau + e.ramp_down).count() <= 0) {
            return Fail(ErrorCode::kInvalidArgument, where + ": ramp_up + plateau + ramp_down is 0");
          }
          const std::string shape = node["ramp_shape"] ? node["ramp_shape"].as<std::string>() : "linear";
          if (shape == "linear") e.ramp_shape = Event::Shape::kLinear;
          else if (shape == "exponential") e.ramp_shape = Event::Shape::kExponential;
          else if (shape == "sigmoid") e.ramp_shape = Event::Shape::kSigmoid;
          else {
            return Fail(ErrorCode::kInvalidArgument,
                        where + ": ramp_shape '" + shape + "' is not linear, exponential or sigmoid");
          }
          if (!e.peak_multiplier && !e.peak_rate) {
            return Fail(ErrorCode::kInvalidArgument, where + ": missing 'peak'");
          }
          break;
        }
        case Event::Type::kFlashCrowd: {
          auto start = TimeKey(node, "start", where);
          auto rise = DurationKey(node, "rise", where, true);
          auto decay = DurationKey(node, "decay", where, true);
          if (!start) return std::unexpected(start.error());
          if (!rise) return std::unexpected(rise.error());
          if (!decay) return std::unexpected(decay.error());
          e.start = *start;
          e.rise = *rise;
          e.decay = *decay;
          if (!e.peak_multiplier && !e.peak_rate) {
            return Fail(ErrorCode::kInvalidArgument, where + ": missing 'peak'");
          }
          break;
        }
        case Event::Type::kOutage: {
          auto start = TimeKey(node, "start", where);
          auto duration = DurationKey(node, "duration", where, true);
          if (!start) return std::unexpected(start.error());
          if (!duration) return std::unexpected(duration.error());
          e.start = *start;
          e.duration = *duration;
          e.drop = node["drop"] ? node["drop"].as<double>() : 1.0;
          if (!(e.drop > 0 && e.drop <= 1)) {
            return Fail(ErrorCode::kInvalidArgument, where + ": drop must be in (0, 1]");
          }
          break;
        }
        case Event::Type::kScheduledJob: {
          if (!node["cron"]) return Fail(ErrorCode::kInvalidArgument, where + ": missing 'cron'");
          auto cron = CronSchedule::Parse(node["cron"].as<std::string>());
          if (!cron) return std::unexpected(cron.error().WithContext(where));
          auto duration = DurationKey(node, "duration", where, true);
          if (!duration) return std::unexpected(duration.error());
          e.cron = *cron;
          e.duration = *duration;
          e.requests_per_run = node["requests_per_run"] ? node["requests_per_run"].as<double>() : 0;
          if (e.requests_per_run < 0) {
            return Fail(ErrorCode::kInvalidArgument, where + ": requests_per_run is negative");
          }
          break;
        }
        case Event::Type::kHoliday: {
          auto date = TimeKey(node, "date", where);
          if (!date) return std::unexpected(date.error());
          e.start = *date;
          e.duration = std::chrono::days(1);
          e.like = node["like"] ? node["like"].as<std::string>() : "";
          break;
        }
      }
      events.push_back(std::move(e));
    } catch (const YAML::Exception& ex) {
      return Fail(ErrorCode::kInvalidArgument, where + ": " + ex.msg);
    }
  }
  return events;
}

Result<std::vector<Event>> LoadEvents(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseEvents(ss.str(), path);
}

}  // namespace forescale
