// Pieces the AWS-style policies (target tracking, step, simple, rule, scheduled, predictive,
// combined) share: the metric vocabulary of policy files, CloudWatch-style alarms, instance
// warm-up accounting, capacity rounding, and the interface through which scheduled and
// predictive policies narrow the bounds of the others inside `combined`.
//
// Header-only on purpose: the policy module's source list is owned by its CMakeLists.txt.
// Not thread-safe (like the policies that use it).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "core/yaml_config.h"
#include "policy/observation.h"
#include "policy/policy.h"

namespace forescale::policy::internal {

// ---------------------------------------------------------------------------------------------
// Metrics as policy files name them.

// A watched metric. `per_replica` divides the service-wide value by the ready replicas, the way
// an ALB divides its request count by its healthy targets (ALBRequestCountPerTarget).
struct MetricSpec {
  Metric metric = Metric::kCpuUtilisation;
  bool per_replica = false;
  std::string name = "cpu";  // canonical name, for reasons
};

inline constexpr const char* kMetricNameList =
    "cpu, request-rate, request-rate-per-target, latency, in-flight, drop-rate "
    "(or the AWS names ASGAverageCPUUtilization, ASGCPUUtilization, ALBRequestCountPerTarget, "
    "ALBRequestCount)";

// Lower case, '_' read as '-': "Request_Rate" and "request-rate" are the same name.
inline std::string NormaliseName(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

inline std::optional<MetricSpec> ParseMetricName(std::string_view text) {
  const std::string n = NormaliseName(text);
  if (n == "cpu" || n == "cpu-utilisation" || n == "cpu-utilization" ||
      n == "asgaveragecpuutilization" || n == "asgcpuutilization") {
    return MetricSpec{Metric::kCpuUtilisation, false, "cpu"};
  }
  if (n == "request-rate" || n == "requests" || n == "rps") {
    return MetricSpec{Metric::kRequestRate, false, "request-rate"};
  }
  if (n == "request-rate-per-target" || n == "requests-per-replica" || n == "rps-per-replica" ||
      n == "albrequestcountpertarget" || n == "albrequestcount") {
    return MetricSpec{Metric::kRequestRate, true, "request-rate-per-target"};
  }
  if (n == "latency" || n == "latency-p95" || n == "p95") {
    return MetricSpec{Metric::kLatencyP95, false, "latency"};
  }
  if (n == "in-flight" || n == "inflight") return MetricSpec{Metric::kInFlight, false, "in-flight"};
  if (n == "drop-rate" || n == "drops") return MetricSpec{Metric::kDropRate, false, "drop-rate"};
  return std::nullopt;
}

inline std::optional<double> ParsePlainNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A value in the metric's unit: CPU "80%" or the fraction 0.8; latency "250ms", "0.25s" or
// seconds; rates a number of requests/s, optionally suffixed "rps" or "/s". With
// `allow_negative` (step bounds are offsets from a threshold) a leading '-' is accepted.
inline std::optional<double> ParseMetricValue(const MetricSpec& spec, std::string_view text,
                                              bool allow_negative) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double sign = 1;
  if (!text.empty() && text.front() == '-') {
    if (!allow_negative) return std::nullopt;
    sign = -1;
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  std::optional<double> v;
  switch (spec.metric) {
    case Metric::kCpuUtilisation:
      if (text.back() == '%') {
        v = ParsePlainNumber(text.substr(0, text.size() - 1));
        if (v) *v /= 100.0;
      } else {
        v = ParsePlainNumber(text);
      }
      break;
    case Metric::kLatencyP95:
      if (auto plain = ParsePlainNumber(text)) {
        v = plain;
      } else if (auto d = ParseDuration(text)) {
        v = std::chrono::duration<double>(*d).count();
      }
      break;
    default:
      if (text.ends_with("rps")) text.remove_suffix(3);
      if (text.ends_with("/s")) text.remove_suffix(2);
      v = ParsePlainNumber(text);
      break;
  }
  if (!v || *v < 0) return std::nullopt;
  return sign * *v;
}

inline std::string MetricUnitHint(const MetricSpec& spec) {
  switch (spec.metric) {
    case Metric::kCpuUtilisation:
      return "a percentage such as 80% or a fraction such as 0.8";
    case Metric::kLatencyP95:
      return "a duration such as 250ms or a number of seconds";
    default:
      return "a number of requests/s such as 120 or 120rps";
  }
}

// Reads `parent[name]` as a value of `spec`'s unit; errors name the file, line and key.
inline Result<double> ReadMetricValue(const YamlConfig& reader, const YAML::Node& parent,
                                      const std::string& path, const char* name,
                                      const MetricSpec& spec, bool allow_negative,
                                      std::optional<double> fallback = std::nullopt) {
  const YAML::Node node = parent[name];
  const std::string key = YamlConfig::Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return reader.Bad(parent, key, "missing");
  }
  if (!node.IsScalar()) return reader.Bad(node, key, "expected " + MetricUnitHint(spec));
  auto v = ParseMetricValue(spec, node.Scalar(), allow_negative);
  if (!v) {
    return reader.Bad(node, key,
                      "expected " + MetricUnitHint(spec) + " for metric " + spec.name + ", got '" +
                          node.Scalar() + "'");
  }
  return *v;
}

inline std::string FormatNumber(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

inline std::string FormatMetricValue(const MetricSpec& spec, double v) {
  if (std::isnan(v)) return "no data";
  switch (spec.metric) {
    case Metric::kCpuUtilisation:
      return FormatNumber(100 * v, 1) + "%";
    case Metric::kLatencyP95:
      return FormatNumber(v, 3) + "s";
    default:
      return FormatNumber(v, 2) + (spec.per_replica ? " rps/replica" : " rps");
  }
}

// The metric as the monitoring pipeline delivered it, averaged over `window`; NaN when there is
// no data (or no ready replica to divide a per-replica metric by).
inline double ReadMetric(const Observation& obs, const MetricSpec& spec, Duration window) {
  const double v = obs.metrics->Average(spec.metric, window);
  if (!spec.per_replica) return v;
  if (obs.ready_replicas <= 0) return std::nan("");
  return v / obs.ready_replicas;
}

// ---------------------------------------------------------------------------------------------
// Comparisons, as CloudWatch alarms and user rules write them.

enum class Comparison { kGreater, kGreaterOrEqual, kLess, kLessOrEqual };

inline std::optional<Comparison> ParseComparison(std::string_view text) {
  const std::string n = NormaliseName(text);
  if (n == ">" || n == "greaterthanthreshold") return Comparison::kGreater;
  if (n == ">=" || n == "greaterthanorequaltothreshold") return Comparison::kGreaterOrEqual;
  if (n == "<" || n == "lessthanthreshold") return Comparison::kLess;
  if (n == "<=" || n == "lessthanorequaltothreshold") return Comparison::kLessOrEqual;
  return std::nullopt;
}

inline const char* ComparisonSymbol(Comparison c) {
  switch (c) {
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterOrEqual:
      return ">=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessOrEqual:
      return "<=";
  }
  return "?";
}

// NaN (no data) never breaches. A value within 1e-9 (relative) of the threshold is equal to it:
// a minute's mean of sixty samples of exactly 60 % CPU sums to 0.6000000000000008, which
// breached "> 60 %" and made target tracking flap on a load exactly at its target.
inline bool Breaches(Comparison c, double value, double threshold) {
  if (std::isnan(value)) return false;
  const double eps = 1e-9 * std::max(1.0, std::fabs(threshold));
  switch (c) {
    case Comparison::kGreater:
      return value > threshold + eps;
    case Comparison::kGreaterOrEqual:
      return value >= threshold - eps;
    case Comparison::kLess:
      return value < threshold - eps;
    case Comparison::kLessOrEqual:
      return value <= threshold + eps;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// A CloudWatch metric alarm: ALARM when at least `datapoints_to_alarm` of the last
// `evaluation_periods` datapoints breach; one datapoint per `period` (the period's average).
// A missing datapoint (NaN, or a period in which the alarm was not evaluated) does not breach,
// so a gap in the data delays an alarm rather than firing it.
class AlarmEvaluator {
 public:
  AlarmEvaluator(Comparison comparison, double threshold, Duration period, int evaluation_periods,
                 int datapoints_to_alarm)
      : comparison_(comparison),
        threshold_(threshold),
        period_(period),
        evaluation_periods_(std::max(1, evaluation_periods)),
        datapoints_to_alarm_(std::clamp(datapoints_to_alarm, 1, std::max(1, evaluation_periods))) {}

  // Records the datapoint for the period ending at `now` when a period has passed since the
  // last one (the first call always records). Returns whether a datapoint was recorded.
  bool Push(TimePoint now, double value) {
    if (last_ && now - *last_ < period_ - kSlack) return false;
    if (last_) {
      // Periods skipped entirely are missing datapoints.
      const int64_t skipped = (now - *last_ - kSlack) / period_;
      for (int64_t i = 0; i < std::min<int64_t>(skipped, evaluation_periods_); ++i) {
        Add(std::nan(""));
      }
    }
    Add(value);
    last_ = now;
    return true;
  }

  bool InAlarm() const { return BreachingCount() >= datapoints_to_alarm_; }
  int BreachingCount() const {
    int n = 0;
    for (double v : points_) n += Breaches(comparison_, v, threshold_) ? 1 : 0;
    return n;
  }
  double latest() const { return points_.empty() ? std::nan("") : points_.back(); }
  double threshold() const { return threshold_; }
  Comparison comparison() const { return comparison_; }
  Duration period() const { return period_; }
  int evaluation_periods() const { return evaluation_periods_; }
  int datapoints_to_alarm() const { return datapoints_to_alarm_; }

 private:
  // Controller ticks jitter by a few milliseconds in live runs; a period is still a period.
  static constexpr Duration kSlack{50};

  void Add(double v) {
    points_.push_back(v);
    while (static_cast<int>(points_.size()) > evaluation_periods_) points_.pop_front();
  }

  Comparison comparison_;
  double threshold_;
  Duration period_;
  int evaluation_periods_;
  int datapoints_to_alarm_;
  std::deque<double> points_;
  std::optional<TimePoint> last_;
};

// ---------------------------------------------------------------------------------------------
// Capacity arithmetic.

inline int ClampReplicas(int64_t v, int lo, int hi) {
  return static_cast<int>(std::clamp<int64_t>(v, lo, std::max(lo, hi)));
}

// ceil() that forgives floating-point noise: 10 x 0.9 / 0.6 is 15.000000000000002 and must
// give 15, not 16.
inline int64_t CeilCapacity(double x) {
  if (!std::isfinite(x) || x <= 0) return 0;
  return static_cast<int64_t>(std::ceil(x - 1e-9));
}

// ---------------------------------------------------------------------------------------------
// Instance warm-up (EstimatedInstanceWarmup), counted from each instance's launch.

// What the group looks like to a policy that honours warm-up.
struct WarmupView {
  int warming = 0;      // launched (or asked for) less than `warmup` ago, not terminating
  int settled = 0;      // current capacity minus the warming instances
  int reporting = 0;    // ready, settled instances: the ones whose metrics are aggregated
  int terminating = 0;  // instances being removed
};

// Launches this policy asked for, for a controller that shows no pods.
class LaunchLog {
 public:
  void Record(TimePoint t, int count) {
    if (count > 0) launches_.emplace_back(t, count);
  }
  int Within(TimePoint now, Duration warmup) {
    while (!launches_.empty() && now - launches_.front().first >= warmup) launches_.pop_front();
    int n = 0;
    for (const auto& [t, c] : launches_) n += c;
    return n;
  }

 private:
  std::deque<std::pair<TimePoint, int>> launches_;
};

// With pods, the pods say it: a pod launched less than `warmup` ago is warming, and so is
// capacity asked for whose pod does not exist yet. Without pods, the policy's own launches.
inline WarmupView CountWarmup(const Observation& obs, Duration warmup, LaunchLog& log) {
  WarmupView v;
  if (!obs.pods.empty()) {
    int live = 0;
    for (const PodView& pod : obs.pods) {
      if (pod.deleting) {
        ++v.terminating;
        continue;
      }
      if (pod.phase != PodView::Phase::kPending && pod.phase != PodView::Phase::kRunning) continue;
      ++live;
      const bool warming = obs.now - pod.created < warmup;
      v.warming += warming ? 1 : 0;
      v.reporting += (!warming && pod.ready) ? 1 : 0;
    }
    v.warming += std::max(0, obs.current_replicas - live);
  } else {
    v.warming = std::min(obs.current_replicas, log.Within(obs.now, warmup));
    v.reporting = std::max(0, std::min(obs.ready_replicas, obs.current_replicas - v.warming));
  }
  v.warming = std::min(v.warming, obs.current_replicas);
  v.settled = std::max(0, obs.current_replicas - v.warming);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Bounds: how scheduled and predictive policies act inside `combined`.

struct Bounds {
  int min_replicas = 1;
  int max_replicas = 1;
  // A capacity set once, now (a scheduled action's DesiredCapacity); the others start from it.
  std::optional<int> desired;
  std::string reason;
  double expected_load = std::nan("");
};

// Implemented by policies that act on the group's bounds rather than on its capacity (AWS
// scheduled actions set MinSize/MaxSize; predictive scaling raises MinSize each hour).
// `Narrow` returns bounds within `observation`'s and may keep state (actions that ran).
class BoundsSetter {
 public:
  virtual ~BoundsSetter() = default;
  virtual Bounds Narrow(const Observation& observation) = 0;
};

// Reads a replica count (a whole number >= 0).
inline Result<std::optional<int>> ReadReplicas(const YamlConfig& reader, const YAML::Node& parent,
                                               const std::string& path, const char* name) {
  if (!parent[name]) return std::optional<int>();
  auto v = reader.Integer(parent, path, name);
  if (!v) return std::unexpected(v.error());
  if (*v < 0 || *v > 1000000) {
    return reader.Bad(parent[name], YamlConfig::Join(path, name),
                      "must be a replica count between 0 and 1000000");
  }
  return std::optional<int>(static_cast<int>(*v));
}

// The `metric:` and `target:` keys of target tracking and predictive scaling (defined in
// target_tracking.cc): CPU (the default, target from the context when absent), requests per
// target, and latency when `allow_latency`.
Result<std::pair<MetricSpec, double>> ReadMetricAndTarget(const YAML::Node* config,
                                                          const YamlConfig& reader,
                                                          const PolicyContext& context,
                                                          bool allow_latency);

}  // namespace forescale::policy::internal
