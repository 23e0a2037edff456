// A KEDA ScaledObject (keda.sh/v1alpha1), run as KEDA runs it: KEDA creates an HPA from the
// ScaledObject and itself only moves the workload between zero (or idleReplicaCount) and
// minReplicaCount; the HPA does everything from 1 to N. Read from KEDA's source
// (controllers/keda/hpa.go, pkg/scaling/scale_handler.go, pkg/scaling/executor/
// scale_scaledobjects.go, pkg/scalers/{cpu_memory,prometheus,cron}_scaler.go).
//
// The HPA KEDA creates (run by HpaPolicy, so everything in hpa.h applies):
//   minReplicas = minReplicaCount when > 0, else 1; maxReplicas = maxReplicaCount (default 100);
//   behavior    = advanced.horizontalPodAutoscalerConfig.behavior (none: the legacy defaults);
//   one metric per trigger — the largest proposal wins, as for any HPA:
//     cpu         Resource cpu, metricType Utilization (metadata.value %) or AverageValue (cores)
//     prometheus  External, target AverageValue threshold (default) or Value threshold; the
//                 value is the query's result, read as one of the simulator's metrics (below)
//     cron        External, target AverageValue 1; the value is desiredReplicas inside the
//                 window and 0 outside, so inside it the HPA proposes desiredReplicas
// KEDA's own loop, every pollingInterval (default 30 s):
//   active = some trigger other than cpu is active (prometheus: value > activationThreshold,
//            default 0; cron: inside its window); with only cpu triggers, always active.
//   active:   at 0 replicas (or below minReplicaCount with idleReplicaCount set) scale to
//             minReplicaCount (at least 1); remember the time.
//   inactive: above idleReplicaCount, or above 0 with minReplicaCount 0: once cooldownPeriod
//             (default 300 s) has passed since the last active poll (initialCooldownPeriod
//             after creation if never active), scale to idleReplicaCount or minReplicaCount;
//             below minReplicaCount without idleReplicaCount: scale to minReplicaCount.
//   A trigger without a value yet (no sample) is an error: it is not active, and an inactive
//   object with an erroring trigger is left alone, as KEDA does.
//   At 0 replicas the HPA is disabled (its minimum is at least 1), as in a cluster.
// Cron windows: KEDA's test "the next end comes no later than the next start" in the
// trigger's IANA time zone, i.e. active in [start, end) — also across midnight.
//
// Prometheus queries are mapped to the simulator's metrics (requests_per_second, latency_p95,
// in_flight, drop_rate) by their shape (see internal/promql.h: sum(rate(*_requests_total[2m])),
// histogram_quantile(0.95, ...duration_seconds_bucket...), in-flight gauges), with the query's
// range as the averaging window. Any other query must be mapped explicitly, by trigger name or
// index, with an annotation on the ScaledObject:
//   metadata.annotations: {forescale.io/metric-<trigger name or index>: requests_per_second}
//
// Approximations (say so in reports; each is listed as a warning when the file uses it):
//   - `fallback` is not simulated: simulated metrics never fail after their first sample.
//   - the Prometheus server, authentication, query parameters and ignoreNullValues are not
//     used: the simulated service answers the query, per whole metric (no label selection).
//   - restoreToOriginalReplicaCount and horizontalPodAutoscalerConfig.name have no effect on
//     scaling.
// Not supported (errors): other trigger types, memory and containerName (per-container) CPU,
// scalingModifiers, the paused / force-activation annotations.
//
// Not thread-safe: one object per scaled resource (see policy.h).
//
//   auto spec = ParseScaledObject(root, YamlConfig("keda.yaml"), context);
//   KedaPolicy keda(std::move(*spec));
//   Decision d = keda.Decide(observation);
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/yaml_config.h"
#include "policy/hpa.h"
#include "policy/policy.h"

namespace forescale::policy {

namespace internal {
class TimeZone;
}

// A cron trigger's window: active from each `start` until the next `end`, in a time zone.
// Caches the next start and end, so Active is cheap when called every few seconds.
class KedaCronWindow {
 public:
  KedaCronWindow(CronSchedule start, CronSchedule end,
                 std::shared_ptr<const internal::TimeZone> zone, int desired_replicas,
                 std::string text);
  // Whether `now` is inside a window (KEDA's test, see the file comment).
  bool Active(TimePoint now);
  int desired_replicas() const { return desired_replicas_; }
  const std::string& text() const { return text_; }  // "0 6 * * * .. 0 20 * * * Asia/Kolkata"

 private:
  // The first run of `schedule` strictly after the local time `local`; nullopt: none in 5 years.
  static std::optional<TimePoint> Next(const CronSchedule& schedule, TimePoint local);

  CronSchedule start_, end_;
  std::shared_ptr<const internal::TimeZone> zone_;
  int desired_replicas_ = 1;
  std::string text_;
  std::optional<TimePoint> last_local_;
  std::optional<TimePoint> next_start_, next_end_;  // local times; nullopt with `searched_`: never
  bool searched_ = false;
};

struct KedaTrigger {
  enum class Type { kCpu, kPrometheus, kCron };
  Type type = Type::kCpu;
  std::string name;  // the trigger's name, or KEDA's metric name "s<index>-<type>"
  // Prometheus: the simulated metric the query measures, and how (see HpaMetricSpec).
  Metric metric = Metric::kRequestRate;
  double scale = 1.0;
  std::optional<Duration> window;
  double activation_threshold = 0;
  bool cached = false;  // useCachedMetrics: the HPA sees the value of KEDA's last poll
  // Cron:
  std::shared_ptr<KedaCronWindow> cron;
};

struct KedaSpec {
  HpaSpec hpa;  // the HPA KEDA creates; hpa.metrics[i] belongs to triggers[i]
  std::vector<KedaTrigger> triggers;
  int min_replica_count = 0;
  std::optional<int> idle_replica_count;
  Duration polling_interval{std::chrono::seconds(30)};
  Duration cooldown_period{std::chrono::seconds(300)};
  Duration initial_cooldown_period{0};
};

class KedaPolicy final : public Policy {
 public:
  explicit KedaPolicy(KedaSpec spec);

  std::string_view kind() const override { return "keda"; }
  // The greatest common step of KEDA's polling interval and the HPA's sync period; each loop
  // runs at its own times.
  Duration interval() const override { return interval_; }
  Decision Decide(const Observation& observation) override;

  const KedaSpec& spec() const { return spec_; }

 private:
  struct Poll {
    bool active = false;
    bool error = false;
    std::string detail;
  };
  Poll PollTriggers(const Observation& observation);

  KedaSpec spec_;
  std::unique_ptr<HpaPolicy> hpa_;
  std::shared_ptr<std::vector<double>> cached_;  // per trigger, for useCachedMetrics
  Duration interval_{std::chrono::seconds(15)};
  std::optional<TimePoint> created_, last_active_, next_poll_, next_sync_;
};

// Reads a ScaledObject written inline (a scenario's policy mapping, tests); warnings go to
// context.warnings. Policy files go through LoadPolicy, which also reads the scaled Deployment
// when the file holds it (kubernetes.h).
Result<KedaSpec> ParseScaledObject(const YAML::Node& root, const YamlConfig& reader,
                                   const PolicyContext& context);

}  // namespace forescale::policy
