// Reading the events YAML (events.h): every key checked where it is read, then the checks that
// span events (names, holidays). Errors are "file:line: events[i].key: problem".
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "core/events.h"
#include "core/yaml_config.h"

namespace forescale {
namespace {

#define FORESCALE_TRY(var, expr)                    \
  auto var = (expr);                                \
  if (!var) return std::unexpected(var.error())

constexpr int64_t kDayMs = 86'400'000;
// Longer than this is not an event; the bound also keeps start + durations far from overflow.
constexpr Duration kMaxEventDuration = std::chrono::days(3650);

constexpr const char* kWeekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                     "thursday", "friday", "saturday"};

bool IsWeekday(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(std::begin(kWeekdays), std::end(kWeekdays), [&](std::string_view name) {
    return text == name || (text.size() == 3 && name.starts_with(text));
  });
}

// One event's node, where it sits, and what it became.
struct Read {
  Event event;
  YAML::Node node;  // read through const references only: a mutable operator[] inserts keys
  std::string key;  // "events[3]"
};

class EventReader {
 public:
  explicit EventReader(const std::string& origin) : config_(origin) {}

  Result<Event> ReadOne(const YAML::Node& node, const std::string& key, size_t index) const {
    if (!node.IsMap()) return config_.Bad(node, key, "expected a mapping (name, type, ...)");
    Event e;
    FORESCALE_TRY(name, config_.Text(node, key, "name", "event" + std::to_string(index + 1)));
    if (name->empty()) return config_.Bad(node["name"], Join(key, "name"), "must not be empty");
    e.name = *name;
    FORESCALE_TRY(type, config_.Text(node, key, "type"));
    if (*type == "campaign") {
      e.type = Event::Type::kCampaign;
      if (auto ok = config_.Keys(node, key, {"name", "type", "start", "ramp_up", "ramp_shape",
                                             "peak", "plateau", "ramp_down"});
          !ok) {
        return std::unexpected(ok.error());
      }
      return Campaign(node, key, std::move(e));
    }
    if (*type == "flash_crowd") {
      e.type = Event::Type::kFlashCrowd;
      if (auto ok = config_.Keys(node, key, {"name", "type", "start", "rise", "decay", "peak"}); !ok) {
        return std::unexpected(ok.error());
      }
      return FlashCrowd(node, key, std::move(e));
    }
    if (*type == "outage") {
      e.type = Event::Type::kOutage;
      if (auto ok = config_.Keys(node, key, {"name", "type", "start", "duration", "drop"}); !ok) {
        return std::unexpected(ok.error());
      }
      return Outage(node, key, std::move(e));
    }
    if (*type == "scheduled_job") {
      e.type = Event::Type::kScheduledJob;
      if (auto ok = config_.Keys(node, key, {"name", "type", "cron", "requests_per_run", "duration"});
          !ok) {
        return std::unexpected(ok.error());
      }
      return ScheduledJob(node, key, std::move(e));
    }
    if (*type == "holiday") {
      e.type = Event::Type::kHoliday;
      if (auto ok = config_.Keys(node, key, {"name", "type", "date", "like"}); !ok) {
        return std::unexpected(ok.error());
      }
      return Holiday(node, key, std::move(e));
    }
    return config_.Bad(node["type"], Join(key, "type"),
                       "'" + *type + "' is not campaign, scheduled_job, flash_crowd, outage or holiday");
  }

  // The checks that span events; resolves holidays `like` other holidays.
  Result<void> CheckTogether(std::vector<Read>& events) const {
    std::map<std::string, size_t> names;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto [it, fresh] = names.emplace(events[i].event.name, i);
      if (fresh) continue;
      const Read& first = events[it->second];
      const YAML::Node& node = events[i].node;
      const YAML::Node at = node["name"] ? node["name"] : node;
      return config_.Bad(at, Join(events[i].key, "name"),
                         "'" + events[i].event.name + "' is also the name of " + first.key +
                             LineOf(first.node) + ": names identify events in forecasts and reports");
    }
    std::map<int64_t, size_t> holidays;  // midnight (ms) -> index
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].event.type != Event::Type::kHoliday) continue;
      const auto [it, fresh] = holidays.emplace(Ms(events[i].event.start), i);
      if (fresh) continue;
      const Read& first = events[it->second];
      const YAML::Node& node = events[i].node;
      return config_.Bad(node["date"], Join(events[i].key, "date"),
                         FormatDate(events[i].event.start) + " is already the holiday '" +
                             first.event.name + "' (" + first.key + LineOf(first.node) +
                             "): a day follows one day's pattern, not two");
    }
    // Follow `like` dates through other holidays to a weekday or an ordinary date.
    std::vector<std::string> resolved(events.size());
    for (const auto& [day, i] : holidays) {
      std::vector<size_t> path{i};
      size_t at = i;
      while (true) {
        const std::string& like = events[at].event.like;
        if (IsWeekday(like)) break;
        const auto next = holidays.find(Ms(*ParseTimestamp(like)));
        if (next == holidays.end()) break;
        at = next->second;
        if (std::find(path.begin(), path.end(), at) != path.end()) {
          std::string chain;
          for (size_t k : path) chain += "'" + events[k].event.name + "' -> ";
          const std::string problem =
              at == i && path.size() == 1
                  ? "a holiday cannot follow itself: give the weekday or the date whose pattern "
                    "it follows"
                  : "holidays follow each other in a circle (" + chain + "'" +
                        events[at].event.name +
                        "'): one of them must follow a weekday or an ordinary date";
          const YAML::Node& node = events[i].node;
          return config_.Bad(node["like"], Join(events[i].key, "like"), problem);
        }
        path.push_back(at);
      }
      resolved[i] = events[at].event.like;
    }
    for (const auto& [day, i] : holidays) events[i].event.like = resolved[i];
    return {};
  }

 private:
  static std::string Join(const std::string& path, const std::string& name) {
    return YamlConfig::Join(path, name);
  }
  static int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }
  static std::string LineOf(const YAML::Node& node) {
    return node.Mark().line >= 0 ? ", line " + std::to_string(node.Mark().line + 1) : "";
  }
  static std::string FormatDate(TimePoint t) { return FormatRfc3339(t).substr(0, 10); }

  Result<TimePoint> Timestamp(const YAML::Node& node, const std::string& key, const char* name) const {
    FORESCALE_TRY(text, config_.Text(node, key, name));
    auto t = ParseTimestamp(*text);
    if (!t) return config_.Bad(node[name], Join(key, name), t.error().message());
    return *t;
  }

  // A duration in [0, 10 years]; `positive` also rejects 0.
  Result<Duration> Length(const YAML::Node& node, const std::string& key, const char* name,
                          std::optional<Duration> fallback, bool positive) const {
    FORESCALE_TRY(d, config_.Time(node, key, name, fallback));
    if (positive && d->count() <= 0) return config_.Bad(node[name], Join(key, name), "must be positive");
    if (*d > kMaxEventDuration) {
      return config_.Bad(node[name], Join(key, name), "longer than ten years is not an event");
    }
    return *d;
  }

  // "5x" (a multiplier) or "800rps" (requests per second), positive either way.
  Result<void> Peak(const YAML::Node& node, const std::string& key, Event& e) const {
    FORESCALE_TRY(text, config_.Text(node, key, "peak"));
    const std::string& peak = *text;
    const bool multiplier = peak.ends_with("x");
    const bool rate = peak.ends_with("rps");
    const std::string number = peak.substr(0, peak.size() - (multiplier ? 1 : rate ? 3 : 0));
    double v = 0;
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if ((!multiplier && !rate) || ec != std::errc() || p != number.data() + number.size() ||
        !std::isfinite(v)) {
      return config_.Bad(node["peak"], Join(key, "peak"),
                         "'" + peak + "' is neither a multiplier (5x) nor a rate (800rps)");
    }
    if (!(v > 0)) {
      return config_.Bad(node["peak"], Join(key, "peak"),
                         "'" + peak + "': a peak must be positive (an outage drops load)");
    }
    // Beyond these a peak is a slip of the unit or the exponent (1e300rps was written out as
    // such, found by probing), and the product with a day's load leaves the doubles.
    if (rate && v > 1e9) {
      return config_.Bad(node["peak"], Join(key, "peak"),
                         "'" + peak + "': more than 1e9 requests/s (a unit slip?)");
    }
    if (multiplier && v > 1e6) {
      return config_.Bad(node["peak"], Join(key, "peak"),
                         "'" + peak + "': more than a million times the load (a unit slip?)");
    }
    (multiplier ? e.peak_multiplier : e.peak_rate) = v;
    return {};
  }

  Result<Event> Campaign(const YAML::Node& node, const std::string& key, Event e) const {
    FORESCALE_TRY(start, Timestamp(node, key, "start"));
    FORESCALE_TRY(up, Length(node, key, "ramp_up", Duration{0}, false));
    FORESCALE_TRY(flat, Length(node, key, "plateau", Duration{0}, false));
    FORESCALE_TRY(down, Length(node, key, "ramp_down", Duration{0}, false));
    e.start = *start;
    e.ramp_up = *up;
    e.plateau = *flat;
    e.ramp_down = *down;
    if ((e.ramp_up + e.plateau + e.ramp_down).count() <= 0) {
      return config_.Bad(node, key, "ramp_up + plateau + ramp_down is 0: the campaign never happens");
    }
    FORESCALE_TRY(shape, config_.Text(node, key, "ramp_shape", "linear"));
    if (*shape == "linear") e.ramp_shape = Event::Shape::kLinear;
    else if (*shape == "exponential") e.ramp_shape = Event::Shape::kExponential;
    else if (*shape == "sigmoid") e.ramp_shape = Event::Shape::kSigmoid;
    else {
      return config_.Bad(node["ramp_shape"], Join(key, "ramp_shape"),
                         "'" + *shape + "' is not linear, exponential or sigmoid");
    }
    if (auto ok = Peak(node, key, e); !ok) return std::unexpected(ok.error());
    return e;
  }

  Result<Event> FlashCrowd(const YAML::Node& node, const std::string& key, Event e) const {
    FORESCALE_TRY(start, Timestamp(node, key, "start"));
    FORESCALE_TRY(rise, Length(node, key, "rise", std::nullopt, false));
    // Without a decay the crowd would vanish the instant it peaks.
    FORESCALE_TRY(decay, Length(node, key, "decay", std::nullopt, true));
    e.start = *start;
    e.rise = *rise;
    e.decay = *decay;
    if (auto ok = Peak(node, key, e); !ok) return std::unexpected(ok.error());
    return e;
  }

  Result<Event> Outage(const YAML::Node& node, const std::string& key, Event e) const {
    FORESCALE_TRY(start, Timestamp(node, key, "start"));
    FORESCALE_TRY(duration, Length(node, key, "duration", std::nullopt, true));
    FORESCALE_TRY(drop, config_.Fraction(node, key, "drop", 1.0));
    if (*drop > 1) {
      return config_.Bad(node["drop"], Join(key, "drop"),
                         "an outage drops at most 100 % of the load (got " +
                             std::to_string(*drop * 100).substr(0, 6) + " %)");
    }
    e.start = *start;
    e.duration = *duration;
    e.drop = *drop;
    return e;
  }

  Result<Event> ScheduledJob(const YAML::Node& node, const std::string& key, Event e) const {
    FORESCALE_TRY(text, config_.Text(node, key, "cron"));
    auto cron = CronSchedule::Parse(*text);
    if (!cron) return config_.Bad(node["cron"], Join(key, "cron"), cron.error().message());
    // Zero would make the run's rate infinite; its volume could not be laid anywhere.
    FORESCALE_TRY(duration, Length(node, key, "duration", std::nullopt, true));
    // Required and positive: a job of no requests changes nothing, and a forgotten key made
    // one silently (found by probing).
    FORESCALE_TRY(requests, config_.Number(node, key, "requests_per_run"));
    if (!(*requests > 0)) {
      return config_.Bad(node["requests_per_run"], Join(key, "requests_per_run"),
                         "must be positive (the requests one run sends)");
    }
    e.cron = *cron;
    e.duration = *duration;
    e.requests_per_run = *requests;
    return e;
  }

  Result<Event> Holiday(const YAML::Node& node, const std::string& key, Event e) const {
    FORESCALE_TRY(date, Timestamp(node, key, "date"));
    if (Ms(*date) % kDayMs != 0) {
      return config_.Bad(node["date"], Join(key, "date"),
                         "a holiday is a whole day: give a date (2024-12-25), not a time");
    }
    FORESCALE_TRY(like, config_.Text(node, key, "like"));
    if (!IsWeekday(*like)) {
      auto t = ParseTimestamp(*like);
      if (!t || Ms(*t) % kDayMs != 0) {
        return config_.Bad(node["like"], Join(key, "like"),
                           "'" + *like + "' is neither a weekday (monday .. sunday) nor a date");
      }
    }
    e.start = *date;
    e.duration = std::chrono::days(1);
    e.like = *like;
    return e;
  }

  YamlConfig config_;
};

}  // namespace

Result<std::vector<Event>> ParseEventList(const YAML::Node& list, const std::string& origin,
                                          const std::string& key) {
  const EventReader reader(origin);
  const YamlConfig config(origin);
  if (!list.IsSequence()) return config.Bad(list, key, "expected a list of events");
  std::vector<Read> read;
  try {
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      const std::string at = key + "[" + std::to_string(i) + "]";
      FORESCALE_TRY(event, reader.ReadOne(node, at, i));
      read.push_back({std::move(*event), node, at});
    }
    if (auto ok = reader.CheckTogether(read); !ok) return std::unexpected(ok.error());
  } catch (const YAML::Exception& e) {
    return config.Bad(list, key, e.msg);
  }
  std::vector<Event> events;
  events.reserve(read.size());
  for (Read& r : read) events.push_back(std::move(r.event));
  return events;
}

Result<std::vector<Event>> ParseEvents(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const YamlConfig config(origin);
  if (root.IsSequence()) return ParseEventList(root, origin, "events");
  if (!root.IsMap()) return config.Bad(root, "", "expected 'events:' with a list of events");
  if (auto ok = config.Keys(root, "", {"events"}); !ok) return std::unexpected(ok.error());
  if (!root["events"]) return config.Bad(root, "events", "missing: the list of events");
  return ParseEventList(root["events"], origin, "events");
}

Result<std::vector<Event>> LoadEvents(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return std::unexpected(text.error());
  return ParseEvents(*text, path);
}

#undef FORESCALE_TRY

}  // namespace forescale
