#include "core/events.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace forescale {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr double kFlashCrowdCut = 1e-6;  // a flash crowd's intensity below it reads 0

// One cron field into a bitmap over [lo, hi]; a field starting with `*` leaves `restricted`
// false, as Vixie cron's DOM_STAR/DOW_STAR flags do.
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
  if (restricted) *restricted = !field.starts_with('*');
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
    // 64-bit: a step near INT_MAX must not overflow past the range's end.
    for (int64_t v = from; v <= to; v += step) allowed[static_cast<size_t>(v)] = true;
    if (comma == field.size()) break;
  }
  return allowed;
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
      // Cut where it no longer shows: at 1e-3 a 1000x crowd fell from 2x to 1x in one step.
      const double v = tau > 0 ? std::exp(-(dt - r) / tau) : 0.0;
      return v < kFlashCrowdCut ? 0.0 : v;
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

TimePoint Event::End() const {
  switch (type) {
    case Type::kCampaign:
      return start + ramp_up + plateau + ramp_down;
    case Type::kFlashCrowd:
      // Intensity reads 0 once the decay is below the cut: ln(1 / cut) time constants on.
      return start + rise +
             std::chrono::duration_cast<Duration>(decay * -std::log(kFlashCrowdCut)) + Duration{1};
    case Type::kOutage:
    case Type::kHoliday:
    case Type::kScheduledJob:
      return start + duration;
  }
  return start;
}

double Event::MeanIntensity(TimePoint from, TimePoint to) const {
  if (!(from < to)) return Intensity(from);
  if (!ActiveDuring(from, to)) return 0;
  const Event* self = this;
  return MeanOverSpan(from, to, {&self, 1}, [this](TimePoint t) { return Intensity(t); });
}

double MeanOverSpan(TimePoint from, TimePoint to, std::span<const Event* const> events,
                    const std::function<double(TimePoint)>& f) {
  const int64_t span = (to - from).count();
  if (span <= 0) return f(from);
  // A 30-second outage read at minute centres did nothing to its hour (found by probing).
  int64_t spacing = std::min<int64_t>(kMinuteMs, std::max<int64_t>(1000, span / 60));
  for (const Event* e : events) {
    const int64_t length =
        (e->type == Event::Type::kScheduledJob ? e->duration : e->End() - e->start).count();
    if (length > 0) spacing = std::min(spacing, std::max<int64_t>(1000, length / 10));
  }
  const int64_t parts = std::clamp<int64_t>((span + spacing - 1) / spacing, 1, 100'000);
  const int64_t t0 = from.time_since_epoch().count();
  double sum = 0;
  for (int64_t k = 0; k < parts; ++k) {
    sum += f(TimePoint{Duration{t0 + (2 * k + 1) * span / (2 * parts)}});
  }
  return sum / static_cast<double>(parts);
}

bool Event::ActiveDuring(TimePoint from, TimePoint to) const {
  if (!(from < to)) return false;
  if (type == Type::kScheduledJob) {
    // A run that started up to one duration before `from` is still under way at `from`.
    return cron && !cron->RunsBetween(from - duration + Duration{1}, to).empty();
  }
  return start < to && from < End();
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

}  // namespace forescale
