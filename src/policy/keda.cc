#include "policy/keda.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "policy/internal/factories.h"
#include "policy/internal/kubernetes_objects.h"
#include "policy/internal/manifest.h"
#include "policy/internal/promql.h"
#include "policy/internal/time_zone.h"

namespace forescale::policy {
namespace {

using std::chrono::seconds;

std::string Num(double v) { return fmt::format("{:.4g}", v); }

// A metric target as the HPA stores it: milli-units, rounded up (resource.Quantity).
int64_t Milli(double v) {
  const double milli = v * 1000.0;
  const double rounded = std::round(milli);
  return static_cast<int64_t>(std::fabs(milli - rounded) < 1e-6 ? rounded : std::ceil(milli));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Cron windows.

KedaCronWindow::KedaCronWindow(CronSchedule start, CronSchedule end,
                               std::shared_ptr<const internal::TimeZone> zone, int desired_replicas,
                               std::string text)
    : start_(std::move(start)),
      end_(std::move(end)),
      zone_(std::move(zone)),
      desired_replicas_(desired_replicas),
      text_(std::move(text)) {}

std::optional<TimePoint> KedaCronWindow::Next(const CronSchedule& schedule, TimePoint local) {
  // robfig/cron's Schedule.Next: the first matching minute strictly after `local`. Searched in
  // growing spans so a yearly (or leap-day) schedule costs one long scan, then stays cached.
  TimePoint from = local + Duration{1};
  for (int days : {2, 40, 400, 1500}) {
    const TimePoint to = from + std::chrono::hours(24 * days);
    const std::vector<TimePoint> runs = schedule.RunsBetween(from, to);
    if (!runs.empty()) return runs.front();
    from = to;
  }
  return std::nullopt;
}

bool KedaCronWindow::Active(TimePoint now) {
  const TimePoint local = zone_->ToLocal(now);
  // Cached next times stay right until local time reaches them (or goes back, as it does once
  // a year when daylight saving time ends).
  const bool back = last_local_ && local < *last_local_;
  if (!searched_ || back || (next_start_ && local >= *next_start_))
    next_start_ = Next(start_, local);
  if (!searched_ || back || (next_end_ && local >= *next_end_)) next_end_ = Next(end_, local);
  searched_ = true;
  last_local_ = local;
  // KEDA: inside a window exactly when the next end does not come after the next start.
  return next_end_ && (!next_start_ || *next_end_ <= *next_start_);
}

// ---------------------------------------------------------------------------------------------
// The policy.

KedaPolicy::KedaPolicy(KedaSpec spec) : spec_(std::move(spec)) {
  cached_ = std::make_shared<std::vector<double>>(spec_.triggers.size(), std::nan(""));
  for (size_t i = 0; i < spec_.triggers.size() && i < spec_.hpa.metrics.size(); ++i) {
    if (spec_.triggers[i].cached && spec_.triggers[i].type == KedaTrigger::Type::kPrometheus) {
      spec_.hpa.metrics[i].value = [cache = cached_, i](TimePoint) { return (*cache)[i]; };
    }
  }
  hpa_ = std::make_unique<HpaPolicy>(spec_.hpa);
  const auto poll = spec_.polling_interval.count();
  const auto sync = spec_.hpa.sync_period.count();
  interval_ = Duration{poll > 0 && sync > 0 ? std::gcd(poll, sync) : std::max<int64_t>(1000, sync)};
}

KedaPolicy::Poll KedaPolicy::PollTriggers(const Observation& obs) {
  Poll p;
  bool only_cpu = true;
  auto add = [&p](const std::string& text) { p.detail += (p.detail.empty() ? "" : ", ") + text; };
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    const KedaTrigger& t = spec_.triggers[i];
    switch (t.type) {
      case KedaTrigger::Type::kCpu:
        break;  // the scale handler skips cpu/memory scalers when it decides activity
      case KedaTrigger::Type::kPrometheus: {
        only_cpu = false;
        const double v = obs.metrics ? obs.metrics->Average(
                                           t.metric, t.window.value_or(spec_.hpa.metric_window)) *
                                           t.scale
                                     : std::nan("");
        (*cached_)[i] = v;
        if (!std::isfinite(v)) {
          p.error = true;
          add(t.name + " has no value yet");
        } else if (v > t.activation_threshold) {
          p.active = true;
          add(t.name + " " + Num(v) + " > activation " + Num(t.activation_threshold));
        } else {
          add(t.name + " " + Num(v) + " <= activation " + Num(t.activation_threshold));
        }
        break;
      }
      case KedaTrigger::Type::kCron: {
        only_cpu = false;
        const bool in = t.cron->Active(obs.now);
        p.active |= in;
        add(t.name + (in ? " inside " : " outside ") + t.cron->text());
        break;
      }
    }
  }
  // With only cpu/memory triggers KEDA cannot see activity, so it never scales to zero.
  if (only_cpu) {
    p.active = true;
    add("cpu triggers only: always active");
  }
  return p;
}

Decision KedaPolicy::Decide(const Observation& obs) {
  const TimePoint now = obs.now;
  if (!created_) created_ = now;
  Observation view = obs;
  std::string keda;

  if (!next_poll_ || now >= *next_poll_) {
    next_poll_ = now + spec_.polling_interval;
    const Poll p = PollTriggers(obs);
    const int current = obs.current_replicas;
    const int min = spec_.min_replica_count;
    const std::optional<int>& idle = spec_.idle_replica_count;
    std::optional<int> scale_to;
    std::string action;
    if (p.active) {
      if ((idle && current < min) || current == 0) {
        scale_to = min > 0 ? min : 1;
        action = "activated";
        last_active_ = now;
      } else if (!p.error) {
        last_active_ = now;
      }
    } else if (p.error) {
      action = "a trigger has no value: left alone";
    } else if ((idle && current > *idle) || (current > 0 && min == 0)) {
      const bool cooled = last_active_ ? *last_active_ + spec_.cooldown_period < now
                                       : *created_ + spec_.initial_cooldown_period < now;
      if (cooled) {
        scale_to = idle.value_or(min);
        action = "inactive for the cooldown period " + FormatDuration(spec_.cooldown_period);
      } else {
        action = "inactive, cooling down";
      }
    } else if (!idle && current < min) {
      scale_to = min;
      action = "below minReplicaCount";
    }
    keda = "keda: " + std::string(p.active ? "active" : "inactive") + " (" + p.detail + ")";
    if (!action.empty()) keda += ", " + action;
    if (scale_to && *scale_to != current) {
      keda += " " + std::to_string(current) + " -> " + std::to_string(*scale_to);
      view.current_replicas = *scale_to;
    }
  }

  Decision d;
  std::string hpa;
  if (!next_sync_ || now >= *next_sync_) {
    next_sync_ = now + spec_.hpa.sync_period;
    d = hpa_->Decide(view);
    hpa = "hpa: " + d.reason;
  } else {
    d.desired_replicas = view.current_replicas;
  }
  const int lo = std::min(obs.min_replicas, obs.max_replicas);
  const int desired = d.desired_replicas;
  d.desired_replicas = std::clamp(desired, lo, obs.max_replicas);
  d.reason = keda + (keda.empty() || hpa.empty() ? "" : "; ") + hpa;
  if (d.reason.empty()) d.reason = "no loop due -> " + std::to_string(d.desired_replicas);
  if (d.desired_replicas != desired) {
    d.reason += "; held within the resource's bounds -> " + std::to_string(d.desired_replicas);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Reading a ScaledObject.

namespace internal {
namespace {

constexpr const char* kMetricList = "requests_per_second, latency_p95, in_flight, drop_rate";

std::optional<Metric> SimulatedMetric(std::string_view name) {
  if (name == "requests_per_second") return Metric::kRequestRate;
  if (name == "latency_p95") return Metric::kLatencyP95;
  if (name == "in_flight") return Metric::kInFlight;
  if (name == "drop_rate") return Metric::kDropRate;
  return std::nullopt;
}

struct TriggerContext {
  const ManifestReader& m;
  const YamlConfig& yaml;
  const Workload* target;
  const std::map<std::string, std::string>& annotations;
  std::vector<std::string>& used_annotations;
};

Result<int64_t> NonNegative(const ManifestReader& m, const YAML::Node& parent,
                            const std::string& path, const char* name,
                            std::optional<int64_t> fallback, int64_t lo) {
  auto v = m.yaml().Integer(parent, path, name, fallback);
  if (!v) return std::unexpected(m.Label(v.error()));
  if (*v < lo || *v > INT32_MAX) {
    return m.Bad(parent[name], YamlConfig::Join(path, name),
                 "must be between " + std::to_string(lo) + " and " + std::to_string(INT32_MAX));
  }
  return v;
}

// metricType (or the deprecated metadata.type of cpu triggers); `allowed` lists what the scaler
// accepts, the first being KEDA's default (none for cpu).
Result<HpaMetricSpec::Target> MetricType(const TriggerContext& c, const YAML::Node& trigger,
                                         const std::string& path,
                                         std::initializer_list<const char*> allowed,
                                         bool has_default) {
  YAML::Node node = trigger["metricType"];
  std::string where = YamlConfig::Join(path, "metricType");
  if (!node && trigger["metadata"] && trigger["metadata"]["type"]) {
    node = trigger["metadata"]["type"];
    where = YamlConfig::Join(path, "metadata.type");
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (!node) {
    if (has_default)
      return std::string_view(*allowed.begin()) == "AverageValue"
                 ? HpaMetricSpec::Target::kAverageValue
                 : HpaMetricSpec::Target::kValue;
    return c.m.Bad(trigger, where, "missing (expected one of: " + list + ")");
  }
  const std::string type = node.IsScalar() ? node.Scalar() : "";
  if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return type == a; }) ==
      allowed.end()) {
    return c.m.Bad(node, where,
                   "'" + type + "' is not valid for this trigger (expected one of: " + list + ")");
  }
  if (type == "Utilization") return HpaMetricSpec::Target::kUtilization;
  if (type == "AverageValue") return HpaMetricSpec::Target::kAverageValue;
  return HpaMetricSpec::Target::kValue;
}

Result<HpaMetricSpec> CpuTrigger(const TriggerContext& c, const YAML::Node& trigger,
                                 const YAML::Node& meta, const std::string& path, KedaTrigger&) {
  const std::string mpath = path + ".metadata";
  if (auto ok = c.m.Keys(meta, mpath, {"type", "value", "containerName"}); !ok)
    return std::unexpected(ok.error());
  if (meta["containerName"] &&
      !(meta["containerName"].IsScalar() && meta["containerName"].Scalar().empty())) {
    return c.m.Bad(
        meta["containerName"], mpath + ".containerName",
        "one container's CPU (a ContainerResource metric) is not simulated: the simulated pods "
        "have one CPU figure; remove containerName to scale on the pod's CPU");
  }
  auto type = MetricType(c, trigger, path, {"Utilization", "AverageValue"}, false);
  if (!type) return std::unexpected(type.error());
  auto text = c.yaml.Text(meta, mpath, "value");
  if (!text) return std::unexpected(c.m.Label(text.error()));
  HpaMetricSpec spec;
  if (*type == HpaMetricSpec::Target::kUtilization) {
    auto pct = c.yaml.Integer(meta, mpath, "value");
    if (!pct) return std::unexpected(c.m.Label(pct.error()));
    if (*pct < 1 || *pct > 100000)
      return c.m.Bad(meta["value"], mpath + ".value", "must be a percentage >= 1");
    spec = HpaMetricSpec::CpuUtilization(static_cast<int>(*pct));
  } else {
    auto milli = ParseQuantityMilli(*text);
    if (!milli || *milli <= 0) {
      return c.m.Bad(meta["value"], mpath + ".value",
                     "expected a positive CPU quantity such as 300m, got '" + *text + "'");
    }
    spec.target = HpaMetricSpec::Target::kAverageValue;
    spec.target_milli = *milli;
    if (c.target && c.target->cpu_request_milli) {
      spec.cpu_request = static_cast<double>(*c.target->cpu_request_milli) / 1000.0;
    } else {
      c.m.Warn(meta["value"], mpath + ".value",
               "is read as CPU cores of the simulated replicas (1 core each): put the scaled "
               "Deployment in the "
               "same file to read it against the pods' CPU request");
    }
  }
  return spec;
}

Result<HpaMetricSpec> PrometheusTrigger(const TriggerContext& c, const YAML::Node& trigger,
                                        const YAML::Node& meta, const std::string& path,
                                        size_t index, KedaTrigger& t) {
  const std::string mpath = path + ".metadata";
  if (auto ok = c.m.Keys(meta, mpath,
                         {"query", "threshold", "activationThreshold", "serverAddress",
                          "ignoreNullValues", "queryParameters", "namespace", "customHeaders",
                          "cortexOrgID", "authModes", "unsafeSsl", "timeout"});
      !ok) {
    return std::unexpected(ok.error());
  }
  for (const char* k : {"serverAddress", "queryParameters", "namespace", "customHeaders",
                        "cortexOrgID", "authModes", "unsafeSsl", "timeout"}) {
    if (meta[k])
      c.m.Warn(meta[k], mpath + "." + k, "is not used: the simulated service answers the query");
  }
  if (meta["ignoreNullValues"]) {
    c.m.Warn(
        meta["ignoreNullValues"], mpath + ".ignoreNullValues",
        "is not simulated: the simulated metric always has a value once its first sample arrived");
  }
  auto type = MetricType(c, trigger, path, {"AverageValue", "Value"}, true);
  if (!type) return std::unexpected(type.error());
  auto query = c.yaml.Text(meta, mpath, "query");
  if (!query) return std::unexpected(c.m.Label(query.error()));
  auto threshold = c.yaml.Number(meta, mpath, "threshold");
  if (!threshold) return std::unexpected(c.m.Label(threshold.error()));
  if (*threshold <= 0) return c.m.Bad(meta["threshold"], mpath + ".threshold", "must be positive");
  auto activation = c.yaml.Number(meta, mpath, "activationThreshold", 0.0);
  if (!activation) return std::unexpected(c.m.Label(activation.error()));

  // The user's word first (by trigger name or index), then the query's shape.
  std::optional<internal::PromMetric> mapped;
  for (const std::string& key : {"metric-" + t.name, "metric-" + std::to_string(index)}) {
    auto it = c.annotations.find(key);
    if (it == c.annotations.end()) continue;
    c.used_annotations.push_back(key);
    auto metric = SimulatedMetric(it->second);
    if (!metric) {
      return c.m.Bad(
          c.m.doc().node["metadata"]["annotations"]["forescale.io/" + key],
          "metadata.annotations.forescale.io/" + key,
          "'" + it->second + "' is not a simulated metric (expected one of: " + kMetricList + ")");
    }
    mapped = internal::PromMetric{
        .metric = *metric, .scale = 1, .window = internal::PromQueryWindow(*query)};
    break;
  }
  if (!mapped) mapped = internal::RecognisePromQuery(*query);
  if (!mapped) {
    return c.m.Bad(meta["query"], mpath + ".query",
                   "cannot tell which simulated metric '" + *query +
                       "' measures (recognised: request counters "
                       "under sum(rate(...[R])), histogram_quantile(0.95, ...) of a duration "
                       "histogram in seconds, "
                       "in-flight gauges); if it measures one of " +
                       kMetricList +
                       " in that metric's unit, say so with the annotation "
                       "metadata.annotations.forescale.io/metric-" +
                       (trigger["name"] ? t.name : std::to_string(index)) +
                       ": requests_per_second (for example)");
  }
  t.metric = mapped->metric;
  t.scale = mapped->scale;
  t.window = mapped->window;
  t.activation_threshold = *activation;
  HpaMetricSpec spec;
  spec.source = HpaMetricSpec::Source::kExternal;
  spec.target = *type;
  spec.metric = mapped->metric;
  spec.scale = mapped->scale;
  spec.window = mapped->window;
  spec.target_milli = Milli(*threshold);
  return spec;
}

Result<HpaMetricSpec> CronTrigger(const TriggerContext& c, const YAML::Node& trigger,
                                  const YAML::Node& meta, const std::string& path, KedaTrigger& t) {
  const std::string mpath = path + ".metadata";
  if (auto ok = c.m.Keys(meta, mpath, {"timezone", "start", "end", "desiredReplicas"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto type = MetricType(c, trigger, path, {"AverageValue", "Value"}, true);
  if (!type) return std::unexpected(type.error());
  auto zone_name = c.yaml.Text(meta, mpath, "timezone");
  if (!zone_name) return std::unexpected(c.m.Label(zone_name.error()));
  auto zone = TimeZone::Load(*zone_name);
  if (!zone) return c.m.Bad(meta["timezone"], mpath + ".timezone", zone.error().message());
  std::optional<CronSchedule> schedules[2];
  std::string texts[2];
  for (int i = 0; i < 2; ++i) {
    const char* field = i == 0 ? "start" : "end";
    auto text = c.yaml.Text(meta, mpath, field);
    if (!text) return std::unexpected(c.m.Label(text.error()));
    auto cron = CronSchedule::Parse(*text);
    if (!cron) return c.m.Bad(meta[field], mpath + "." + field, cron.error().message());
    schedules[i] = *cron;
    texts[i] = *text;
  }
  if (texts[0] == texts[1])
    return c.m.Bad(meta["end"], mpath + ".end", "must differ from start (KEDA rejects it)");
  auto desired = c.yaml.Integer(meta, mpath, "desiredReplicas");
  if (!desired) return std::unexpected(c.m.Label(desired.error()));
  if (*desired < 1 || *desired > INT32_MAX) {
    return c.m.Bad(
        meta["desiredReplicas"], mpath + ".desiredReplicas",
        "must be at least 1 (to run 0 replicas outside the window, set minReplicaCount: 0)");
  }
  t.cron = std::make_shared<KedaCronWindow>(
      *schedules[0], *schedules[1], std::make_shared<TimeZone>(std::move(*zone)),
      static_cast<int>(*desired), texts[0] + " .. " + texts[1] + " " + *zone_name);
  HpaMetricSpec spec;
  spec.source = HpaMetricSpec::Source::kExternal;
  spec.target = *type;
  spec.target_milli = 1000;  // KEDA's cron target is 1 replica per replica
  spec.value = [cron = t.cron](TimePoint now) {
    return cron->Active(now) ? static_cast<double>(cron->desired_replicas()) : 0.0;
  };
  return spec;
}

}  // namespace

Result<KedaSpec> ReadScaledObject(const ManifestDocument& doc, const Workload* target,
                                  const YamlConfig& yaml, std::vector<std::string>* warnings) {
  ManifestReader m(yaml, doc, warnings);
  const YAML::Node& root = doc.node;
  if (!root["apiVersion"]) return m.Bad(root, "apiVersion", "missing");
  if (!doc.api_version.starts_with("keda.sh/")) {
    return m.Bad(root["apiVersion"], "apiVersion",
                 "expected keda.sh/v1alpha1, got '" + doc.api_version + "'");
  }
  if (auto ok = m.TopLevel(); !ok) return std::unexpected(ok.error());
  static constexpr const char* kPaused =
      "stops KEDA from scaling as configured; remove it to simulate the ScaledObject";
  auto annotations = m.Metadata({{"autoscaling.keda.sh/paused", kPaused},
                                 {"autoscaling.keda.sh/paused-replicas", kPaused},
                                 {"autoscaling.keda.sh/paused-scale-in", kPaused},
                                 {"autoscaling.keda.sh/paused-scale-out", kPaused},
                                 {"autoscaling.keda.sh/force-activation",
                                  "keeps the object active, which is not simulated"}});
  if (!annotations) return std::unexpected(annotations.error());
  const YAML::Node spec = root["spec"];
  if (!spec) return m.Bad(root, "spec", "missing");
  if (auto ok = m.Keys(spec, "spec",
                       {"scaleTargetRef", "pollingInterval", "cooldownPeriod",
                        "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount",
                        "maxReplicaCount", "advanced", "triggers", "fallback"});
      !ok) {
    return std::unexpected(ok.error());
  }
  const YAML::Node ref = spec["scaleTargetRef"];
  if (!ref) return m.Bad(spec, "spec.scaleTargetRef", "missing");
  if (auto ok = m.Keys(ref, "spec.scaleTargetRef", {"name", "kind"}); !ok)
    return std::unexpected(ok.error());
  if (!ref["name"]) return m.Bad(ref, "spec.scaleTargetRef.name", "missing");
  if (spec["fallback"]) {
    m.Warn(ManifestReader::KeyOf(spec, "fallback"), "spec.fallback",
           "is not simulated: the simulated metrics do not fail once their first sample arrived");
  }

  KedaSpec out;
  auto polling = NonNegative(m, spec, "spec", "pollingInterval", 30, 1);
  auto cooldown = NonNegative(m, spec, "spec", "cooldownPeriod", 300, 0);
  auto initial = NonNegative(m, spec, "spec", "initialCooldownPeriod", 0, 0);
  auto min = NonNegative(m, spec, "spec", "minReplicaCount", 0, 0);
  auto max = NonNegative(m, spec, "spec", "maxReplicaCount", 100, 1);
  for (auto* v : {&polling, &cooldown, &initial, &min, &max}) {
    if (!*v) return std::unexpected(v->error());
  }
  if (*min > *max) {
    return m.Bad(spec["minReplicaCount"], "spec.minReplicaCount",
                 "must be <= maxReplicaCount (" + std::to_string(*max) + ")");
  }
  if (spec["idleReplicaCount"]) {
    auto idle = NonNegative(m, spec, "spec", "idleReplicaCount", std::nullopt, 0);
    if (!idle) return std::unexpected(idle.error());
    if (*idle >= *min) {
      return m.Bad(spec["idleReplicaCount"], "spec.idleReplicaCount",
                   "must be less than minReplicaCount (" + std::to_string(*min) + ")");
    }
    if (*idle != 0) {
      m.Warn(spec["idleReplicaCount"], "spec.idleReplicaCount",
             "other than 0 fights the HPA's minimum, as KEDA documents; simulated as it happens in "
             "a cluster");
    }
    out.idle_replica_count = static_cast<int>(*idle);
  }
  out.polling_interval = seconds(*polling);
  out.cooldown_period = seconds(*cooldown);
  out.initial_cooldown_period = seconds(*initial);
  out.min_replica_count = static_cast<int>(*min);
  out.hpa.min_replicas = *min > 0 ? static_cast<int>(*min) : 1;
  out.hpa.max_replicas = static_cast<int>(*max);

  if (const YAML::Node advanced = spec["advanced"]) {
    if (auto ok =
            m.Keys(advanced, "spec.advanced", {"horizontalPodAutoscalerConfig"},
                   {{"scalingModifiers",
                     "combines the triggers' metrics with a formula, which is not simulated"}});
        !ok) {
      return std::unexpected(ok.error());
    }
    if (const YAML::Node config = advanced["horizontalPodAutoscalerConfig"]) {
      const std::string cpath = "spec.advanced.horizontalPodAutoscalerConfig";
      if (auto ok = m.Keys(config, cpath, {"behavior"}); !ok) return std::unexpected(ok.error());
      if (const YAML::Node behavior = config["behavior"]) {
        auto b = ReadHpaBehavior(behavior, cpath + ".behavior", m);
        if (!b) return std::unexpected(b.error());
        out.hpa.behavior = *b;
      }
    }
  }

  const YAML::Node triggers = spec["triggers"];
  if (!triggers) return m.Bad(spec, "spec.triggers", "missing");
  if (!triggers.IsSequence() || triggers.size() == 0)
    return m.Bad(triggers, "spec.triggers", "expected a non-empty list");
  std::vector<std::string> used;
  const TriggerContext c{m, yaml, target, *annotations, used};
  bool cpu = false;
  for (size_t i = 0; i < triggers.size(); ++i) {
    const YAML::Node trigger = triggers[i];
    const std::string path = "spec.triggers[" + std::to_string(i) + "]";
    if (auto ok =
            m.Keys(trigger, path, {"type", "name", "metadata", "metricType", "useCachedMetrics"});
        !ok) {
      return std::unexpected(ok.error());
    }
    auto type = yaml.Text(trigger, path, "type");
    if (!type) return std::unexpected(m.Label(type.error()));
    KedaTrigger t;
    auto name = yaml.Text(trigger, path, "name", "s" + std::to_string(i) + "-" + *type);
    if (!name) return std::unexpected(m.Label(name.error()));
    t.name = *name;
    auto cached = yaml.Bool(trigger, path, "useCachedMetrics", false);
    if (!cached) return std::unexpected(m.Label(cached.error()));
    t.cached = *cached;
    const YAML::Node meta = trigger["metadata"];
    if (!meta) return m.Bad(trigger, path + ".metadata", "missing");
    if (!meta.IsMap()) return m.Bad(meta, path + ".metadata", "expected a mapping");
    Result<HpaMetricSpec> metric = std::unexpected(Error(ErrorCode::kInternal, ""));
    if (*type == "cpu") {
      t.type = KedaTrigger::Type::kCpu;
      if (t.cached) {
        return m.Bad(trigger["useCachedMetrics"], path + ".useCachedMetrics",
                     "is not supported for cpu triggers (KEDA rejects it)");
      }
      cpu = true;
      metric = CpuTrigger(c, trigger, meta, path, t);
    } else if (*type == "prometheus") {
      t.type = KedaTrigger::Type::kPrometheus;
      metric = PrometheusTrigger(c, trigger, meta, path, i, t);
    } else if (*type == "cron") {
      t.type = KedaTrigger::Type::kCron;
      if (t.cached) {
        m.Warn(trigger["useCachedMetrics"], path + ".useCachedMetrics",
               "makes no difference to a cron trigger (its value only depends on the time)");
      }
      metric = CronTrigger(c, trigger, meta, path, t);
    } else if (*type == "memory") {
      return m.Bad(trigger["type"], path + ".type",
                   "memory is not simulated (the simulator models CPU only)");
    } else {
      return m.Bad(
          trigger["type"], path + ".type",
          "trigger type '" + *type + "' is not simulated (supported: cpu, prometheus, cron)");
    }
    if (!metric) return std::unexpected(metric.error());
    metric->name = t.name;
    out.hpa.metrics.push_back(std::move(*metric));
    out.triggers.push_back(std::move(t));
  }
  for (const auto& [key, value] : *annotations) {
    if (std::find(used.begin(), used.end(), key) != used.end()) continue;
    return m.Bad(root["metadata"]["annotations"]["forescale.io/" + key],
                 "metadata.annotations.forescale.io/" + key,
                 key.starts_with("metric-")
                     ? "names no prometheus trigger of this ScaledObject (by name or index)"
                     : "unknown forescale.io annotation (expected forescale.io/metric-<trigger>)");
  }
  if (cpu) {
    if (auto missing = MissingCpuRequest(target, yaml, doc.Label()))
      return std::unexpected(*missing);
  }
  return out;
}

PolicyResult MakeKeda(const YAML::Node* config, const YamlConfig& reader,
                      const PolicyContext& context) {
  if (!config) {
    return Fail(ErrorCode::kInvalidArgument,
                reader.origin() +
                    ": a ScaledObject needs its triggers: pass the manifest file as the policy");
  }
  auto spec = ParseScaledObject(*config, reader, context);
  if (!spec) return std::unexpected(spec.error());
  return std::make_unique<KedaPolicy>(std::move(*spec));
}

}  // namespace internal

Result<KedaSpec> ParseScaledObject(const YAML::Node& root, const YamlConfig& reader,
                                   const PolicyContext& context) {
  std::vector<std::string> warnings;
  auto spec =
      internal::ReadScaledObject(internal::InlineDocument(root), nullptr, reader, &warnings);
  if (spec) internal::ReportWarnings(context, warnings);
  return spec;
}

}  // namespace forescale::policy
