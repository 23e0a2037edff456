#include "policy/target_tracking.h"

#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::CeilCapacity;
using internal::ClampReplicas;
using internal::FormatMetricValue;
using internal::FormatNumber;

TargetTrackingPolicy::TargetTrackingPolicy(TargetTrackingOptions options)
    : options_(std::move(options)),
      high_(internal::Comparison::kGreater, options_.target, options_.period,
            options_.scale_out_datapoints, options_.scale_out_datapoints),
      low_(internal::Comparison::kLess, options_.target * options_.scale_in_band, options_.period,
           options_.scale_in_datapoints, options_.scale_in_datapoints) {}

Decision TargetTrackingPolicy::Decide(const Observation& obs) {
  const internal::MetricSpec& spec = options_.metric;
  const double value = internal::ReadMetric(obs, spec, options_.period);
  high_.Push(obs.now, value);
  low_.Push(obs.now, value);
  const internal::WarmupView group = internal::CountWarmup(obs, options_.warmup, launches_);
  const int current = obs.current_replicas;
  auto clamp = [&](int64_t n) { return ClampReplicas(n, obs.min_replicas, obs.max_replicas); };
  const std::string head = spec.name + " " + FormatMetricValue(spec, value) + " / " +
                           FormatMetricValue(spec, options_.target);
  Decision d{.desired_replicas = clamp(current)};

  // The instances behind the average: per-target metrics are already divided by the targets.
  const int base = spec.per_replica ? obs.ready_replicas : group.reporting;
  auto proportional = [&](int instances) {
    return CeilCapacity(instances * value / options_.target);
  };

  if (high_.InAlarm()) {
    if (base <= 0) {
      d.reason = head + ": above target but no instance past warm-up reports it, hold " +
                 std::to_string(current);
      return d;
    }
    const int64_t wanted = proportional(base);
    const std::string calc = head + " x " + std::to_string(base) + " -> " + std::to_string(wanted);
    if (wanted > current) {
      d.desired_replicas = clamp(wanted);
      launches_.Record(obs.now, d.desired_replicas - current);
      d.reason = calc + " (AlarmHigh " + std::to_string(options_.scale_out_datapoints) +
                 " datapoints)" +
                 (group.warming > 0 ? ", " + std::to_string(group.warming) +
                                          " in warm-up not counted: adds the difference"
                                    : "");
    } else {
      d.reason = calc + ": already asked for " + std::to_string(current) + " (" +
                 std::to_string(group.warming) + " in warm-up), no change";
    }
    return d;
  }

  if (low_.InAlarm()) {
    if (options_.disable_scale_in) {
      d.reason = head + ": below " + FormatMetricValue(spec, low_.threshold()) +
                 " but scale-in is disabled, hold " + std::to_string(current);
      return d;
    }
    if (group.warming > 0) {
      d.reason = head + ": below target but " + std::to_string(group.warming) +
                 " instance(s) in warm-up block scale-in, hold " + std::to_string(current);
      return d;
    }
    // Terminating instances still count as capacity while scaling in.
    const int instances = base + (spec.per_replica ? 0 : group.terminating);
    const int64_t wanted = std::max<int64_t>(1, proportional(instances));
    const std::string calc =
        head + " x " + std::to_string(instances) + " -> " + std::to_string(wanted);
    if (wanted < current) {
      d.desired_replicas = clamp(wanted);
      d.reason = calc + " (AlarmLow " + std::to_string(options_.scale_in_datapoints) +
                 " datapoints < " + FormatMetricValue(spec, low_.threshold()) + ")";
    } else {
      d.reason = calc + ": no capacity to remove, hold " + std::to_string(current);
    }
    return d;
  }

  d.reason = head + ": no alarm (high " + std::to_string(high_.BreachingCount()) + "/" +
             std::to_string(options_.scale_out_datapoints) + ", low " +
             std::to_string(low_.BreachingCount()) + "/" +
             std::to_string(options_.scale_in_datapoints) + "), hold " + std::to_string(current);
  return d;
}

namespace internal {

// Reads metric + target the way target tracking and predictive scaling write them.
Result<std::pair<MetricSpec, double>> ReadMetricAndTarget(const YAML::Node* config,
                                                          const YamlConfig& reader,
                                                          const PolicyContext& context,
                                                          bool allow_latency) {
  MetricSpec spec;
  if (config) {
    auto name = reader.Text(*config, "", "metric", std::string("cpu"));
    if (!name) return std::unexpected(name.error());
    auto parsed = ParseMetricName(*name);
    const bool supported =
        parsed && (parsed->metric == Metric::kCpuUtilisation ||
                   (parsed->metric == Metric::kRequestRate && parsed->per_replica) ||
                   (allow_latency && parsed->metric == Metric::kLatencyP95));
    if (!supported) {
      return reader.Bad((*config)["metric"], "metric",
                        "unsupported metric '" + *name + "' (expected cpu, " +
                            std::string(allow_latency ? "request-rate-per-target or latency"
                                                      : "or request-rate-per-target") +
                            ")");
    }
    spec = *parsed;
  }
  double target = context.target_utilisation;
  if (config && (*config)["target"]) {
    auto t = ReadMetricValue(reader, *config, "", "target", spec, false);
    if (!t) return std::unexpected(t.error());
    if (!(*t > 0)) return reader.Bad((*config)["target"], "target", "must be positive");
    target = *t;
  } else if (spec.metric != Metric::kCpuUtilisation) {
    return reader.Bad(*config, "target", "missing (required for metric " + spec.name + ")");
  }
  if (spec.metric == Metric::kCpuUtilisation && target > 1.0) {
    return reader.Bad(config ? (*config)["target"] : YAML::Node(), "target",
                      "a CPU target above 100% can never be reached (write 60% or 0.6)");
  }
  return std::pair{spec, target};
}

PolicyResult MakeTargetTracking(const YAML::Node* config, const YamlConfig& reader,
                                const PolicyContext& context) {
  TargetTrackingOptions options;
  if (config) {
    if (auto ok =
            reader.Keys(*config, "", {"kind", "metric", "target", "warmup", "disable_scale_in"});
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto metric = ReadMetricAndTarget(config, reader, context, true);
  if (!metric) return std::unexpected(metric.error());
  options.metric = metric->first;
  options.target = metric->second;
  if (config) {
    auto warmup = reader.Time(*config, "", "warmup", options.warmup);
    if (!warmup) return std::unexpected(warmup.error());
    options.warmup = *warmup;
    auto disable = reader.Bool(*config, "", "disable_scale_in", false);
    if (!disable) return std::unexpected(disable.error());
    options.disable_scale_in = *disable;
  }
  return std::make_unique<TargetTrackingPolicy>(std::move(options));
}

}  // namespace internal
}  // namespace forescale::policy
