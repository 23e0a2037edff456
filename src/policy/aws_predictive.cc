#include "policy/aws_predictive.h"

#include <algorithm>
#include <cmath>

#include "forecast/engine.h"
#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::CeilCapacity;
using internal::ClampReplicas;
using internal::FormatNumber;

namespace {

constexpr Duration kHour = std::chrono::hours(1);

TimePoint FloorHour(TimePoint t) { return std::chrono::floor<std::chrono::hours>(t); }

// Clock hours from finer buckets: the mean of each hour every bucket of which is present (a
// partial hour at either end is left out). AWS forecasts clock hours; hourly buckets that run
// from wherever the history ends (06:01-07:01) put the 14:00 peak into the 13:00 and 15:00
// hours too, and held the peak's capacity an hour too long (found by probing).
Series ClockHours(const Series& fine) {
  Series out{.step = kHour};
  const int64_t per = kHour / fine.step;
  if (fine.empty() || per <= 0 || kHour % fine.step != Duration{0}) return out;
  TimePoint hour = std::chrono::ceil<std::chrono::hours>(fine.start);
  out.start = hour;
  for (;; hour += kHour) {
    // The buckets that start in the hour (aligned ones exactly cover it).
    const int64_t first = ((hour - fine.start) + fine.step - Duration{1}) / fine.step;
    if (first + per > static_cast<int64_t>(fine.size())) break;
    double sum = 0;
    bool whole = true;
    for (int64_t k = first; k < first + per && whole; ++k) {
      const double v = fine.values[static_cast<size_t>(k)];
      whole = !std::isnan(v);
      sum += v;
    }
    out.values.push_back(whole ? sum / static_cast<double>(per) : std::nan(""));
  }
  return out;
}

std::string HourText(TimePoint t) {
  const std::string s = FormatRfc3339(t);  // 2024-03-12T10:00:00Z
  return s.size() >= 16 ? s.substr(0, 16) + "Z" : s;
}

}  // namespace

AwsPredictivePolicy::AwsPredictivePolicy(AwsPredictiveOptions options)
    : options_(std::move(options)) {}

void AwsPredictivePolicy::MaybeRefresh(const Observation& obs) {
  if (made_ && obs.now - *made_ < options_.refresh) return;
  // Five-minute buckets gathered into clock hours (ClockHours); a source whose buckets do not
  // divide an hour gives its own hourly ones.
  Series history = ClockHours(obs.metrics->History(Metric::kRequestRate, options_.lookback + kHour,
                                                   std::chrono::minutes(5)));
  if (history.empty())
    history = obs.metrics->History(Metric::kRequestRate, options_.lookback, kHour);
  const size_t keep = static_cast<size_t>(options_.lookback / kHour);
  if (history.step == kHour && history.size() > keep) {
    const size_t drop = history.size() - keep;
    history.start = history.TimeAt(drop);
    history.values.erase(history.values.begin(),
                         history.values.begin() + static_cast<ptrdiff_t>(drop));
  }
  if (history.step != kHour) {
    status_ = "metric history is not hourly";
    return;
  }
  const size_t present = history.size() - history.MissingCount();
  const size_t needed = static_cast<size_t>(options_.min_history / kHour);
  if (present < needed) {
    // AWS waits for a day of data; the next minute may bring the missing hour.
    status_ =
        "needs " + std::to_string(needed) + " h of history, has " + std::to_string(present) + " h";
    return;
  }
  // Daily and weekly cycles; a seasonal naive forecast repeats the longest one it has whole.
  std::vector<size_t> seasons = {24};
  if (options_.model == "snaive") {
    if (history.size() >= 168) seasons = {168};
  } else if (history.size() >= 2 * 168) {
    seasons = {24, 168};
  }
  // One bucket more than 48: the history's newest bucket rarely ends on the hour.
  forecast::ForecastRequest request{.horizon = options_.horizon_hours + 1,
                                    .model = options_.model,
                                    .quantiles = {},
                                    .folds = 3,
                                    .seasons = seasons,
                                    .candidate_quantile_scores = false};
  auto result = forecast::RunForecast(history, request);
  made_ = obs.now;  // a failed forecast is retried at the next refresh, as AWS would
  if (!result) {
    status_ = "forecast failed: " + result.error().message();
    load_.clear();
    return;
  }
  ++forecasts_made_;
  start_ = result->start;
  load_ = result->mean;
  for (double& v : load_) v = std::max(0.0, v);
  model_used_ = result->model;
  status_.clear();
}

std::optional<double> AwsPredictivePolicy::LoadForHour(TimePoint hour) const {
  if (load_.empty()) return std::nullopt;
  std::optional<double> load;
  for (size_t i = 0; i < load_.size(); ++i) {
    const TimePoint b = start_ + kHour * static_cast<int64_t>(i);
    if (b + kHour <= hour || b >= hour + kHour) continue;
    load = std::max(load.value_or(0.0), load_[i]);
  }
  return load;
}

internal::Bounds AwsPredictivePolicy::Narrow(const Observation& obs) {
  MaybeRefresh(obs);
  internal::Bounds b{.min_replicas = obs.min_replicas, .max_replicas = obs.max_replicas};
  const bool scale = options_.mode == AwsPredictiveOptions::Mode::kForecastAndScale;
  const std::string mode = scale ? "predictive" : "predictive (forecast only)";
  if (!status_.empty() || load_.empty()) {
    b.reason = mode + ": no forecast (" + (status_.empty() ? "none yet" : status_) + ")";
    return b;
  }
  // The capacity for an hour is in place SchedulingBufferTime before the hour starts.
  const TimePoint hour = FloorHour(obs.now + options_.scheduling_buffer);
  const std::optional<double> load = LoadForHour(hour);
  if (!load) {
    b.reason =
        mode + ": the forecast of " + FormatRfc3339(*made_) + " does not reach " + HourText(hour);
    return b;
  }
  b.expected_load = *load;
  const double per_replica =
      options_.metric.metric == Metric::kCpuUtilisation
          ? options_.target * (obs.capacity_per_replica > 0 ? obs.capacity_per_replica
                                                            : options_.capacity_per_replica)
          : options_.target;
  if (!(per_replica > 0)) {
    b.reason = mode + ": forecast " + FormatNumber(*load, 1) +
               " rps, but capacity_per_replica is unknown: cannot size it";
    return b;
  }
  const int64_t capacity = std::max<int64_t>(1, CeilCapacity(*load / per_replica));
  std::string text = mode + ": hour " + HourText(hour) + " forecast " + FormatNumber(*load, 1) +
                     " rps / " + FormatNumber(per_replica, 2) + " per replica -> " +
                     std::to_string(capacity) + " (" + model_used_ + ", made " +
                     FormatRfc3339(*made_) + ")";
  if (!scale) {
    b.reason = text + ", not applied";
    return b;
  }
  int64_t max = obs.max_replicas;
  if (capacity > obs.max_replicas) {
    if (options_.breach == AwsPredictiveOptions::Breach::kHonorMaxCapacity) {
      text += ", capped at max " + std::to_string(obs.max_replicas) + " (HonorMaxCapacity)";
    } else {
      max = std::max<int64_t>(capacity,
                              CeilCapacity(capacity * (1 + options_.max_capacity_buffer / 100.0)));
      text += ", max raised to " + std::to_string(max) + " (IncreaseMaxCapacity)";
    }
  }
  b.max_replicas = static_cast<int>(std::min<int64_t>(max, 1000000));
  b.min_replicas = static_cast<int>(std::clamp<int64_t>(capacity, obs.min_replicas, max));
  b.reason = text;
  return b;
}

Decision AwsPredictivePolicy::Decide(const Observation& obs) {
  const internal::Bounds b = Narrow(obs);
  const int current = obs.current_replicas;
  Decision d{.desired_replicas = ClampReplicas(current, obs.min_replicas, obs.max_replicas),
             .expected_load = b.expected_load};
  // Never scale in: the forecast only sets a floor under the current capacity.
  const int wanted = std::max(current, b.min_replicas);
  d.desired_replicas = ClampReplicas(wanted, obs.min_replicas, obs.max_replicas);
  d.reason =
      b.reason + ": " + std::to_string(current) + " -> " + std::to_string(d.desired_replicas);
  if (b.max_replicas > obs.max_replicas && b.min_replicas > obs.max_replicas) {
    d.reason +=
        " (the resource's max " + std::to_string(obs.max_replicas) + " is a hard limit here)";
  }
  return d;
}

namespace internal {

PolicyResult MakeAwsPredictive(const YAML::Node* config, const YamlConfig& reader,
                               const PolicyContext& context) {
  AwsPredictiveOptions options;
  options.capacity_per_replica = context.capacity_per_replica;
  if (config) {
    if (auto ok = reader.Keys(*config, "",
                              {"kind", "mode", "metric", "target", "scheduling_buffer_time",
                               "max_capacity_breach_behavior", "max_capacity_buffer", "model"});
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto metric = ReadMetricAndTarget(config, reader, context, false);
  if (!metric) return std::unexpected(metric.error());
  options.metric = metric->first;
  options.target = metric->second;
  if (!config) return std::make_unique<AwsPredictivePolicy>(std::move(options));

  auto mode = reader.Text(*config, "", "mode", std::string("ForecastOnly"));
  if (!mode) return std::unexpected(mode.error());
  const std::string m = NormaliseName(*mode);
  if (m == "forecastonly" || m == "forecast-only") {
    options.mode = AwsPredictiveOptions::Mode::kForecastOnly;
  } else if (m == "forecastandscale" || m == "forecast-and-scale") {
    options.mode = AwsPredictiveOptions::Mode::kForecastAndScale;
  } else {
    return reader.Bad((*config)["mode"], "mode",
                      "expected ForecastOnly or ForecastAndScale, got '" + *mode + "'");
  }
  auto buffer = reader.Time(*config, "", "scheduling_buffer_time", options.scheduling_buffer);
  if (!buffer) return std::unexpected(buffer.error());
  if (*buffer > std::chrono::hours(1)) {
    return reader.Bad((*config)["scheduling_buffer_time"], "scheduling_buffer_time",
                      "must be at most 1h (AWS allows 0 to 3600 seconds)");
  }
  options.scheduling_buffer = *buffer;
  auto breach =
      reader.Text(*config, "", "max_capacity_breach_behavior", std::string("HonorMaxCapacity"));
  if (!breach) return std::unexpected(breach.error());
  const std::string bn = NormaliseName(*breach);
  if (bn == "honormaxcapacity") {
    options.breach = AwsPredictiveOptions::Breach::kHonorMaxCapacity;
  } else if (bn == "increasemaxcapacity") {
    options.breach = AwsPredictiveOptions::Breach::kIncreaseMaxCapacity;
  } else {
    return reader.Bad((*config)["max_capacity_breach_behavior"], "max_capacity_breach_behavior",
                      "expected HonorMaxCapacity or IncreaseMaxCapacity, got '" + *breach + "'");
  }
  if ((*config)["max_capacity_buffer"]) {
    if (options.breach != AwsPredictiveOptions::Breach::kIncreaseMaxCapacity) {
      return reader.Bad((*config)["max_capacity_buffer"], "max_capacity_buffer",
                        "only valid with max_capacity_breach_behavior: IncreaseMaxCapacity");
    }
    auto pct = reader.Number(*config, "", "max_capacity_buffer");
    if (!pct) return std::unexpected(pct.error());
    if (*pct < 0 || *pct > 100) {
      return reader.Bad((*config)["max_capacity_buffer"], "max_capacity_buffer",
                        "must be a percentage between 0 and 100");
    }
    options.max_capacity_buffer = *pct;
  }
  auto model = reader.Text(*config, "", "model", options.model);
  if (!model) return std::unexpected(model.error());
  if (*model != "auto" &&
      std::find(std::begin(forecast::kModelNames), std::end(forecast::kModelNames), *model) ==
          std::end(forecast::kModelNames)) {
    std::string list = "auto";
    for (std::string_view n : forecast::kModelNames) list += ", " + std::string(n);
    return reader.Bad((*config)["model"], "model",
                      "unknown model '" + *model + "' (expected one of: " + list + ")");
  }
  options.model = *model;
  return std::make_unique<AwsPredictivePolicy>(std::move(options));
}

}  // namespace internal
}  // namespace forescale::policy
