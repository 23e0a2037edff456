#include "policy/step_scaling.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::ClampReplicas;
using internal::FormatMetricValue;

int64_t ApplyAdjustment(AdjustmentType type, int adjustment, int capacity,
                        int min_adjustment_magnitude) {
  switch (type) {
    case AdjustmentType::kChangeInCapacity:
      return int64_t{capacity} + adjustment;
    case AdjustmentType::kExactCapacity:
      return adjustment;
    case AdjustmentType::kPercentChangeInCapacity: {
      const double raw = capacity * adjustment / 100.0;
      int64_t change = 0;
      if (raw >= 1) {
        change = static_cast<int64_t>(std::floor(raw + 1e-9));
      } else if (raw > 0) {
        change = 1;
      } else if (raw > -1 && raw < 0) {
        change = -1;
      } else if (raw <= -1) {
        change = static_cast<int64_t>(std::ceil(raw - 1e-9));
      }
      if (change != 0 && std::llabs(change) < min_adjustment_magnitude) {
        change = change > 0 ? min_adjustment_magnitude : -min_adjustment_magnitude;
      }
      return capacity + change;
    }
  }
  return capacity;
}

namespace {

std::string AdjustmentText(AdjustmentType type, int adjustment) {
  switch (type) {
    case AdjustmentType::kChangeInCapacity:
      return (adjustment >= 0 ? "+" : "") + std::to_string(adjustment);
    case AdjustmentType::kExactCapacity:
      return "=" + std::to_string(adjustment);
    case AdjustmentType::kPercentChangeInCapacity:
      return (adjustment >= 0 ? "+" : "") + std::to_string(adjustment) + "%";
  }
  return "?";
}

// AWS's interval rule: above the threshold [lower, upper), below it (lower, upper]. Bounds
// compare with a tolerance: 60 % - 50 % is 0.09999999999999998 in doubles, and a user who wrote
// a 10 % bound means 60 % to be on it.
const StepAdjustment* FindStep(const std::vector<StepAdjustment>& steps, double diff,
                               double threshold) {
  const double eps = 1e-9 * std::max(1.0, std::fabs(threshold));
  const bool above = diff >= -eps;
  for (const StepAdjustment& s : steps) {
    const bool lower_ok = !s.lower || (above ? diff >= *s.lower - eps : diff > *s.lower + eps);
    const bool upper_ok = !s.upper || (above ? diff < *s.upper - eps : diff <= *s.upper + eps);
    if (lower_ok && upper_ok) return &s;
  }
  return nullptr;
}

}  // namespace

StepScalingPolicy::StepScalingPolicy(StepScalingOptions options) : options_(std::move(options)) {
  for (const StepPolicySpec& p : options_.policies) {
    const StepAlarm& a = p.alarm;
    alarms_.emplace_back(a.comparison, a.threshold, a.period, a.evaluation_periods,
                         a.datapoints_to_alarm > 0 ? a.datapoints_to_alarm : a.evaluation_periods);
    interval_ = alarms_.size() == 1 ? a.period : std::min(interval_, a.period);
  }
}

Decision StepScalingPolicy::Decide(const Observation& obs) {
  const bool simple = options_.mode == StepScalingOptions::Mode::kSimple;
  const int current = obs.current_replicas;
  auto clamp = [&](int64_t n) { return ClampReplicas(n, obs.min_replicas, obs.max_replicas); };
  const internal::WarmupView group =
      internal::CountWarmup(obs, simple ? Duration{0} : options_.warmup, launches_);

  struct Candidate {
    int desired;
    size_t policy;
    std::string reason;
  };
  std::optional<Candidate> best;
  std::string notes;
  auto note = [&](const std::string& s) { notes += (notes.empty() ? "" : "; ") + s; };

  for (size_t i = 0; i < options_.policies.size(); ++i) {
    const StepPolicySpec& p = options_.policies[i];
    const internal::MetricSpec& spec = p.alarm.metric;
    const double value = internal::ReadMetric(obs, spec, p.alarm.period);
    alarms_[i].Push(obs.now, value);
    if (!alarms_[i].InAlarm()) continue;
    const std::string head = p.name + ": " + spec.name + " " + FormatMetricValue(spec, value) +
                             " " + internal::ComparisonSymbol(p.alarm.comparison) + " " +
                             FormatMetricValue(spec, p.alarm.threshold) + " (" +
                             std::to_string(alarms_[i].BreachingCount()) + "/" +
                             std::to_string(alarms_[i].evaluation_periods()) + ")";
    // The alarm is in ALARM on its datapoints; the step follows the newest one.
    const double latest = std::isnan(value) ? alarms_[i].latest() : value;
    const StepAdjustment* step = FindStep(p.steps, latest - p.alarm.threshold, p.alarm.threshold);
    if (!step) {
      note(head + ": no step adjustment covers it");
      continue;
    }
    if (simple && cooldown_until_ && obs.now < *cooldown_until_) {
      note(head + ": in cooldown for " +
           FormatDuration(std::chrono::duration_cast<Duration>(*cooldown_until_ - obs.now)));
      continue;
    }
    const std::string adj = AdjustmentText(p.adjustment_type, step->adjustment);
    // Which way the step goes, from the whole group's capacity.
    const int64_t whole =
        ApplyAdjustment(p.adjustment_type, step->adjustment, current, p.min_adjustment_magnitude);
    int64_t wanted = whole;
    std::string calc = adj + " of " + std::to_string(current);
    if (!simple && whole > current) {
      // Scaling out: instances in warm-up are not part of the current capacity.
      wanted = ApplyAdjustment(p.adjustment_type, step->adjustment, group.settled,
                               p.min_adjustment_magnitude);
      calc = adj + " of " + std::to_string(group.settled) +
             (group.warming > 0 ? " (" + std::to_string(group.warming) + " in warm-up)" : "");
    } else if (!simple && whole < current) {
      if (group.warming > 0) {
        note(head + ": scale-in waits for " + std::to_string(group.warming) +
             " instance(s) in warm-up");
        continue;
      }
      // Scaling in: terminating instances are still part of the current capacity.
      const int with_terminating = current + group.terminating;
      wanted = ApplyAdjustment(p.adjustment_type, step->adjustment, with_terminating,
                               p.min_adjustment_magnitude);
      calc =
          adj + " of " + std::to_string(with_terminating) +
          (group.terminating > 0 ? " (" + std::to_string(group.terminating) + " terminating)" : "");
    }
    const int desired = clamp(wanted);
    if (desired == current) {
      note(head + ": " + calc + " -> " + std::to_string(wanted) + ", no change");
      continue;
    }
    Candidate c{desired, i, head + ": " + calc + " -> " + std::to_string(desired)};
    if (!best || c.desired > best->desired) best = std::move(c);
  }

  Decision d{.desired_replicas = clamp(current)};
  if (!best) {
    d.reason = notes.empty() ? "no alarm, hold " + std::to_string(current) : notes;
    return d;
  }
  d.desired_replicas = best->desired;
  d.reason = best->reason;
  if (simple) {
    const StepPolicySpec& p = options_.policies[best->policy];
    cooldown_until_ = obs.now + p.cooldown.value_or(options_.cooldown);
  } else if (best->desired > current) {
    launches_.Record(obs.now, best->desired - current);
  }
  return d;
}

namespace internal {
namespace {

Result<AdjustmentType> ReadAdjustmentType(const YAML::Node& node, const std::string& path,
                                          const YamlConfig& reader) {
  auto text = reader.Text(node, path, "adjustment_type", std::string("ChangeInCapacity"));
  if (!text) return std::unexpected(text.error());
  const std::string n = NormaliseName(*text);
  if (n == "changeincapacity" || n == "change-in-capacity")
    return AdjustmentType::kChangeInCapacity;
  if (n == "exactcapacity" || n == "exact-capacity") return AdjustmentType::kExactCapacity;
  if (n == "percentchangeincapacity" || n == "percent-change-in-capacity") {
    return AdjustmentType::kPercentChangeInCapacity;
  }
  return reader.Bad(
      node["adjustment_type"], YamlConfig::Join(path, "adjustment_type"),
      "expected ChangeInCapacity, ExactCapacity or PercentChangeInCapacity, got '" + *text + "'");
}

Result<StepAlarm> ReadAlarm(const YAML::Node& node, const std::string& path,
                            const YamlConfig& reader) {
  if (auto ok = reader.Keys(node, path,
                            {"metric", "comparison", "threshold", "period", "evaluation_periods",
                             "datapoints_to_alarm"});
      !ok) {
    return std::unexpected(ok.error());
  }
  StepAlarm alarm;
  auto name = reader.Text(node, path, "metric");
  if (!name) return std::unexpected(name.error());
  auto spec = ParseMetricName(*name);
  if (!spec) {
    return reader.Bad(node["metric"], YamlConfig::Join(path, "metric"),
                      "unknown metric '" + *name + "' (expected one of: " + kMetricNameList + ")");
  }
  alarm.metric = *spec;
  auto cmp = reader.Text(node, path, "comparison");
  if (!cmp) return std::unexpected(cmp.error());
  auto parsed = ParseComparison(*cmp);
  if (!parsed) {
    return reader.Bad(node["comparison"], YamlConfig::Join(path, "comparison"),
                      "expected >, >=, <, <= (or GreaterThanThreshold, ...), got '" + *cmp + "'");
  }
  alarm.comparison = *parsed;
  auto threshold = ReadMetricValue(reader, node, path, "threshold", alarm.metric, false);
  if (!threshold) return std::unexpected(threshold.error());
  alarm.threshold = *threshold;
  auto period = reader.Time(node, path, "period", alarm.period);
  if (!period) return std::unexpected(period.error());
  if (period->count() <= 0) {
    return reader.Bad(node["period"], YamlConfig::Join(path, "period"), "must be positive");
  }
  alarm.period = *period;
  auto eval = reader.Integer(node, path, "evaluation_periods", 1);
  if (!eval) return std::unexpected(eval.error());
  if (*eval < 1 || *eval > 1440) {
    return reader.Bad(node["evaluation_periods"], YamlConfig::Join(path, "evaluation_periods"),
                      "must be between 1 and 1440");
  }
  alarm.evaluation_periods = static_cast<int>(*eval);
  auto m = reader.Integer(node, path, "datapoints_to_alarm", *eval);
  if (!m) return std::unexpected(m.error());
  if (*m < 1 || *m > *eval) {
    return reader.Bad(node["datapoints_to_alarm"], YamlConfig::Join(path, "datapoints_to_alarm"),
                      "must be between 1 and evaluation_periods (" + std::to_string(*eval) + ")");
  }
  alarm.datapoints_to_alarm = static_cast<int>(*m);
  return alarm;
}

// AWS's rules for a policy's step adjustments (see the StepAdjustment API reference).
Result<void> CheckSteps(std::vector<StepAdjustment>& steps, const YAML::Node& at,
                        const std::string& path, const YamlConfig& reader) {
  const double inf = std::numeric_limits<double>::infinity();
  auto lo = [&](const StepAdjustment& s) { return s.lower.value_or(-inf); };
  auto hi = [&](const StepAdjustment& s) { return s.upper.value_or(inf); };
  for (const StepAdjustment& s : steps) {
    if (!s.lower && !s.upper) {
      return reader.Bad(at, path, "a step needs a lower or an upper bound (or both)");
    }
    if (lo(s) >= hi(s)) return reader.Bad(at, path, "a step's upper bound must exceed its lower");
  }
  std::stable_sort(steps.begin(), steps.end(),
                   [&](const StepAdjustment& a, const StepAdjustment& b) { return lo(a) < lo(b); });
  bool negative_lower = false, positive_upper = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    negative_lower |= steps[i].lower && *steps[i].lower < 0;
    positive_upper |= steps[i].upper && *steps[i].upper > 0;
    if (i > 0 && !steps[i].lower) {
      return reader.Bad(at, path, "at most one step may have no lower bound");
    }
    if (i + 1 < steps.size() && !steps[i].upper) {
      return reader.Bad(at, path, "at most one step may have no upper bound");
    }
    if (i + 1 < steps.size() && hi(steps[i]) != lo(steps[i + 1])) {
      return reader.Bad(
          at, path,
          hi(steps[i]) > lo(steps[i + 1]) ? "step ranges overlap" : "step ranges leave a gap");
    }
  }
  if (negative_lower && steps.front().lower) {
    return reader.Bad(at, path, "a negative lower bound needs a step without lower bound");
  }
  if (positive_upper && steps.back().upper) {
    return reader.Bad(at, path, "a positive upper bound needs a step without upper bound");
  }
  return {};
}

Result<StepPolicySpec> ReadPolicy(const YAML::Node& node, const std::string& path,
                                  StepScalingOptions::Mode mode, const YamlConfig& reader) {
  const bool simple = mode == StepScalingOptions::Mode::kSimple;
  if (simple) {
    if (auto ok = reader.Keys(node, path,
                              {"name", "alarm", "adjustment_type", "min_adjustment_magnitude",
                               "adjustment", "cooldown"});
        !ok) {
      return std::unexpected(ok.error());
    }
  } else if (auto ok = reader.Keys(
                 node, path,
                 {"name", "alarm", "adjustment_type", "min_adjustment_magnitude", "steps"});
             !ok) {
    return std::unexpected(ok.error());
  }
  StepPolicySpec p;
  auto name = reader.Text(node, path, "name", path);
  if (!name) return std::unexpected(name.error());
  p.name = *name;
  if (!node["alarm"]) return reader.Bad(node, YamlConfig::Join(path, "alarm"), "missing");
  auto alarm = ReadAlarm(node["alarm"], YamlConfig::Join(path, "alarm"), reader);
  if (!alarm) return std::unexpected(alarm.error());
  p.alarm = *alarm;
  auto type = ReadAdjustmentType(node, path, reader);
  if (!type) return std::unexpected(type.error());
  p.adjustment_type = *type;
  if (node["min_adjustment_magnitude"]) {
    if (p.adjustment_type != AdjustmentType::kPercentChangeInCapacity) {
      return reader.Bad(node["min_adjustment_magnitude"],
                        YamlConfig::Join(path, "min_adjustment_magnitude"),
                        "only valid with adjustment_type PercentChangeInCapacity");
    }
    auto mag = reader.Integer(node, path, "min_adjustment_magnitude");
    if (!mag) return std::unexpected(mag.error());
    if (*mag < 1) {
      return reader.Bad(node["min_adjustment_magnitude"],
                        YamlConfig::Join(path, "min_adjustment_magnitude"), "must be at least 1");
    }
    p.min_adjustment_magnitude = static_cast<int>(*mag);
  }
  auto check_adjustment = [&](const YAML::Node& at, const std::string& key,
                              int64_t v) -> Result<int> {
    if (std::llabs(v) > 100000) return reader.Bad(at, key, "adjustment out of range");
    if (p.adjustment_type == AdjustmentType::kExactCapacity && v < 0) {
      return reader.Bad(at, key, "ExactCapacity needs a non-negative adjustment");
    }
    return static_cast<int>(v);
  };
  if (simple) {
    auto adj = reader.Integer(node, path, "adjustment");
    if (!adj) return std::unexpected(adj.error());
    auto v = check_adjustment(node["adjustment"], YamlConfig::Join(path, "adjustment"), *adj);
    if (!v) return std::unexpected(v.error());
    p.steps.push_back(StepAdjustment{.adjustment = *v});
    if (node["cooldown"]) {
      auto cooldown = reader.Time(node, path, "cooldown");
      if (!cooldown) return std::unexpected(cooldown.error());
      p.cooldown = *cooldown;
    }
    return p;
  }
  const YAML::Node steps = node["steps"];
  const std::string steps_path = YamlConfig::Join(path, "steps");
  if (!steps) return reader.Bad(node, steps_path, "missing");
  if (!steps.IsSequence() || steps.size() == 0) {
    return reader.Bad(steps, steps_path, "expected a list of step adjustments");
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string sp = steps_path + "[" + std::to_string(i) + "]";
    const YAML::Node s = steps[i];
    if (auto ok = reader.Keys(s, sp, {"lower", "upper", "adjustment"}); !ok) {
      return std::unexpected(ok.error());
    }
    StepAdjustment step;
    for (const char* bound : {"lower", "upper"}) {
      if (!s[bound]) continue;
      auto v = ReadMetricValue(reader, s, sp, bound, p.alarm.metric, true);
      if (!v) return std::unexpected(v.error());
      (std::string_view(bound) == "lower" ? step.lower : step.upper) = *v;
    }
    auto adj = reader.Integer(s, sp, "adjustment");
    if (!adj) return std::unexpected(adj.error());
    auto v = check_adjustment(s["adjustment"], YamlConfig::Join(sp, "adjustment"), *adj);
    if (!v) return std::unexpected(v.error());
    step.adjustment = *v;
    p.steps.push_back(step);
  }
  if (auto ok = CheckSteps(p.steps, steps, steps_path, reader); !ok) {
    return std::unexpected(ok.error());
  }
  return p;
}

// The rule set used when `step` is named on the command line: +2 when CPU stays above 80 % for
// 3 minutes, -1 when it stays below 30 % for 15 minutes.
StepScalingOptions DefaultStepOptions() {
  // Built member by member: GCC 12 warns (falsely) about nested designated initialisers here.
  StepScalingOptions options;
  StepPolicySpec out;
  out.name = "scale-out";
  out.alarm.comparison = Comparison::kGreater;
  out.alarm.threshold = 0.8;
  out.alarm.evaluation_periods = 3;
  out.steps.push_back(StepAdjustment{.lower = 0.0, .adjustment = 2});
  StepPolicySpec in;
  in.name = "scale-in";
  in.alarm.comparison = Comparison::kLess;
  in.alarm.threshold = 0.3;
  in.alarm.evaluation_periods = 15;
  in.steps.push_back(StepAdjustment{.upper = 0.0, .adjustment = -1});
  options.policies.push_back(std::move(out));
  options.policies.push_back(std::move(in));
  return options;
}

}  // namespace

PolicyResult MakeStep(const YAML::Node* config, const YamlConfig& reader, const PolicyContext&) {
  if (!config) return std::make_unique<StepScalingPolicy>(DefaultStepOptions());
  if (auto ok = reader.Keys(*config, "", {"kind", "mode", "warmup", "cooldown", "policies"}); !ok) {
    return std::unexpected(ok.error());
  }
  StepScalingOptions options;
  auto mode = reader.Text(*config, "", "mode", std::string("step"));
  if (!mode) return std::unexpected(mode.error());
  if (*mode == "simple") {
    options.mode = StepScalingOptions::Mode::kSimple;
    if ((*config)["warmup"]) {
      return reader.Bad((*config)["warmup"], "warmup",
                        "simple scaling has no warm-up; it waits for `cooldown` instead");
    }
  } else if (*mode == "step") {
    if ((*config)["cooldown"]) {
      return reader.Bad((*config)["cooldown"], "cooldown",
                        "step scaling has no cooldown; it uses `warmup` instead (or mode: simple)");
    }
  } else {
    return reader.Bad((*config)["mode"], "mode", "expected step or simple, got '" + *mode + "'");
  }
  auto warmup = reader.Time(*config, "", "warmup", options.warmup);
  if (!warmup) return std::unexpected(warmup.error());
  options.warmup = *warmup;
  auto cooldown = reader.Time(*config, "", "cooldown", options.cooldown);
  if (!cooldown) return std::unexpected(cooldown.error());
  options.cooldown = *cooldown;
  const YAML::Node policies = (*config)["policies"];
  if (!policies) return reader.Bad(*config, "policies", "missing");
  if (!policies.IsSequence() || policies.size() == 0) {
    return reader.Bad(policies, "policies", "expected a list of alarm-driven policies");
  }
  for (size_t i = 0; i < policies.size(); ++i) {
    auto p = ReadPolicy(policies[i], "policies[" + std::to_string(i) + "]", options.mode, reader);
    if (!p) return std::unexpected(p.error());
    options.policies.push_back(std::move(*p));
  }
  return std::make_unique<StepScalingPolicy>(std::move(options));
}

}  // namespace internal
}  // namespace forescale::policy
