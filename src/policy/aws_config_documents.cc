// One AWS document at a time, into forescale options. Units: AWS writes CPU in percent and
// request counts per minute (target tracking, predictive) or per alarm period (alarms);
// forescale's policies take CPU as a fraction and request rates per second.

#include "policy/internal/aws_config_documents.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace forescale::policy::internal {
namespace {

constexpr int64_t kMaxSeconds = 7 * 24 * 3600;  // far beyond any warm-up or cooldown AWS takes
constexpr int64_t kMaxCapacity = 1000000;
constexpr int64_t kMaxAdjustment = 100000;

// A CloudWatch metric as forescale simulates it: AWS value / `divisor` = forescale value.
// (A division, so that 15 percent becomes exactly the 0.15 that "15%" does in forescale YAML.)
struct MappedMetric {
  MetricSpec spec;
  double divisor = 1;
};

MetricSpec Spec(const char* name) { return *ParseMetricName(name); }

const char* kMetricsWeSimulate =
    "forescale simulates CPUUtilization (AWS/EC2, Statistic Average), RequestCountPerTarget and "
    "RequestCount (AWS/ApplicationELB, Statistic Sum) and TargetResponseTime "
    "(AWS/ApplicationELB, ExtendedStatistic p95)";

// A CloudWatch metric named by namespace, name and statistic, averaged over `period_seconds`.
// `doc` holds the fields (MetricName, Namespace, Statistic, ExtendedStatistic) for messages.
Result<MappedMetric> MapCloudWatchMetric(JsonObject& doc, double period_seconds) {
  auto name = doc.RequiredString("MetricName");
  if (!name) return std::unexpected(name.error());
  auto ns = doc.RequiredString("Namespace");
  if (!ns) return std::unexpected(ns.error());
  auto statistic = doc.String("Statistic");
  if (!statistic) return std::unexpected(statistic.error());
  auto extended = doc.String("ExtendedStatistic");
  if (!extended) return std::unexpected(extended.error());
  if (*statistic && *extended) {
    return doc.Bad("ExtendedStatistic", "give Statistic or ExtendedStatistic, not both");
  }
  if (!*statistic && !*extended) return doc.Bad("Statistic", "missing");
  const std::string stat = *statistic ? **statistic : **extended;
  const char* stat_field = *statistic ? "Statistic" : "ExtendedStatistic";
  auto wrong_statistic = [&](const std::string& wanted, const std::string& why) {
    return doc.Bad(stat_field,
                   *name + " with " + stat_field + " " + stat + ": " + why + "; use " + wanted);
  };
  if (*ns == "AWS/EC2" && *name == "CPUUtilization") {
    if (stat != "Average" || *extended) {
      return wrong_statistic("Statistic Average",
                             "forescale's CPU metric is the average over the group's instances");
    }
    return MappedMetric{Spec("cpu"), 100};
  }
  if (*ns == "AWS/ApplicationELB" &&
      (*name == "RequestCountPerTarget" || *name == "RequestCount")) {
    if (stat != "Sum" || *extended) {
      return wrong_statistic("Statistic Sum",
                             "the request count is a sum over the period (CloudWatch's only "
                             "valid statistic for it)");
    }
    const bool per_target = *name == "RequestCountPerTarget";
    return MappedMetric{Spec(per_target ? "request-rate-per-target" : "request-rate"),
                        period_seconds};
  }
  if (*ns == "AWS/ApplicationELB" && *name == "TargetResponseTime") {
    if (stat != "p95") {
      return wrong_statistic("ExtendedStatistic p95",
                             "forescale measures the 95th percentile latency only");
    }
    return MappedMetric{Spec("latency"), 1.0};
  }
  return doc.Bad("MetricName",
                 "unsupported metric " + *ns + "/" + *name + ": " + kMetricsWeSimulate);
}

Result<std::optional<Duration>> ReadSeconds(JsonObject& doc, const char* name, int64_t lo,
                                            int64_t hi) {
  auto v = doc.Integer(name, lo, hi);
  if (!v) return std::unexpected(v.error());
  if (!*v) return std::optional<Duration>();
  return std::optional<Duration>(std::chrono::seconds(**v));
}

// ---------------------------------------------------------------------------------------------
// Target tracking

Result<void> ReadTargetTracking(JsonObject& config, AwsScalingPolicy& out) {
  TargetTrackingOptions& options = out.target_tracking;
  auto target = config.RequiredNumber("TargetValue");
  if (!target) return std::unexpected(target.error());
  if (!(*target > 0)) return config.Bad("TargetValue", "must be positive");
  auto disable = config.Bool("DisableScaleIn");
  if (!disable) return std::unexpected(disable.error());
  options.disable_scale_in = disable->value_or(false);

  const bool predefined = config.Has("PredefinedMetricSpecification");
  const bool customized = config.Has("CustomizedMetricSpecification");
  if (predefined == customized) {
    return config.Bad(predefined ? "CustomizedMetricSpecification" : "",
                      "give exactly one of PredefinedMetricSpecification and "
                      "CustomizedMetricSpecification");
  }
  MappedMetric metric;
  if (predefined) {
    auto spec = config.RequiredObject("PredefinedMetricSpecification");
    if (!spec) return std::unexpected(spec.error());
    auto type = spec->RequiredString("PredefinedMetricType");
    if (!type) return std::unexpected(type.error());
    auto label = spec->String("ResourceLabel");  // names the target group: identity
    if (!label) return std::unexpected(label.error());
    if (*type == "ASGAverageCPUUtilization") {
      metric = {Spec("cpu"), 100};
    } else if (*type == "ALBRequestCountPerTarget") {
      if (!*label) {
        return spec->Bad("ResourceLabel",
                         "missing (AWS requires it with ALBRequestCountPerTarget)");
      }
      // TargetValue is a request count per target per minute.
      metric = {Spec("request-rate-per-target"), 60};
    } else if (*type == "ASGAverageNetworkIn" || *type == "ASGAverageNetworkOut") {
      return spec->Bad("PredefinedMetricType",
                       *type +
                           " cannot be simulated: forescale models no network traffic (use "
                           "ASGAverageCPUUtilization or ALBRequestCountPerTarget)");
    } else {
      return spec->Bad("PredefinedMetricType",
                       "expected ASGAverageCPUUtilization, ALBRequestCountPerTarget, "
                       "ASGAverageNetworkIn or ASGAverageNetworkOut, got '" +
                           *type + "'");
    }
    spec->WarnUnread();
  } else {
    auto spec = config.RequiredObject("CustomizedMetricSpecification");
    if (!spec) return std::unexpected(spec.error());
    if (auto ok = spec->Reject("Metrics",
                               "metric math cannot be simulated: use one CloudWatch metric ("
                               "MetricName, Namespace, Statistic)");
        !ok) {
      return std::unexpected(ok.error());
    }
    auto period = spec->Integer("Period", 1, 3600);
    if (!period) return std::unexpected(period.error());
    if (*period && **period != 60) {
      return spec->Bad("Period",
                       "high-resolution target tracking (a Period under 60 s) is not "
                       "simulated; forescale's alarms take one datapoint a minute");
    }
    auto mapped = MapCloudWatchMetric(*spec, 60);
    if (!mapped) return std::unexpected(mapped.error());
    if (mapped->spec.metric == Metric::kRequestRate && !mapped->spec.per_replica) {
      return spec->Bad("MetricName",
                       "target tracking needs a metric that falls as instances are added; use "
                       "RequestCountPerTarget rather than the load balancer's total RequestCount");
    }
    metric = *mapped;
    spec->Identity({"Dimensions", "Unit"});
    spec->WarnUnread();
  }
  options.metric = metric.spec;
  options.target = *target / metric.divisor;
  if (options.metric.metric == Metric::kCpuUtilisation && options.target > 1.0) {
    return config.Bad("TargetValue", "a CPU utilization target above 100 can never be reached");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Step and simple scaling

Result<AdjustmentType> ReadAdjustmentType(JsonObject& doc) {
  auto text = doc.RequiredString("AdjustmentType");
  if (!text) return std::unexpected(text.error());
  if (*text == "ChangeInCapacity") return AdjustmentType::kChangeInCapacity;
  if (*text == "ExactCapacity") return AdjustmentType::kExactCapacity;
  if (*text == "PercentChangeInCapacity") return AdjustmentType::kPercentChangeInCapacity;
  return doc.Bad(
      "AdjustmentType",
      "expected ChangeInCapacity, ExactCapacity or PercentChangeInCapacity, got '" + *text + "'");
}

// AWS's rules for step adjustments (StepAdjustment in the EC2 Auto Scaling API reference),
// checked on AWS's own values; sorts the steps by lower bound.
Result<void> CheckStepAdjustments(std::vector<StepAdjustment>& steps, JsonObject& doc) {
  const double inf = std::numeric_limits<double>::infinity();
  auto lo = [&](const StepAdjustment& s) { return s.lower.value_or(-inf); };
  auto hi = [&](const StepAdjustment& s) { return s.upper.value_or(inf); };
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepAdjustment& s = steps[i];
    const std::string at = "StepAdjustments[" + std::to_string(i) + "]";
    if (!s.lower && !s.upper) {
      return doc.Bad("StepAdjustments", at + ": MetricIntervalLowerBound and "
                                             "MetricIntervalUpperBound cannot both be null");
    }
    if (lo(s) >= hi(s)) {
      return doc.Bad(
          "StepAdjustments",
          at + ": MetricIntervalUpperBound must be greater than MetricIntervalLowerBound");
    }
  }
  std::stable_sort(steps.begin(), steps.end(),
                   [&](const StepAdjustment& a, const StepAdjustment& b) { return lo(a) < lo(b); });
  bool negative_lower = false, positive_upper = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    negative_lower |= steps[i].lower && *steps[i].lower < 0;
    positive_upper |= steps[i].upper && *steps[i].upper > 0;
    if (i > 0 && !steps[i].lower) {
      return doc.Bad("StepAdjustments",
                     "at most one step may have a null MetricIntervalLowerBound");
    }
    if (i + 1 < steps.size() && !steps[i].upper) {
      return doc.Bad("StepAdjustments",
                     "at most one step may have a null MetricIntervalUpperBound");
    }
    if (i + 1 < steps.size() && hi(steps[i]) != lo(steps[i + 1])) {
      return doc.Bad("StepAdjustments", hi(steps[i]) > lo(steps[i + 1])
                                            ? "the step ranges overlap"
                                            : "the step ranges leave a gap");
    }
  }
  if (negative_lower && steps.front().lower) {
    return doc.Bad("StepAdjustments",
                   "a negative MetricIntervalLowerBound needs a step whose "
                   "MetricIntervalLowerBound is null");
  }
  if (positive_upper && steps.back().upper) {
    return doc.Bad("StepAdjustments",
                   "a positive MetricIntervalUpperBound needs a step whose "
                   "MetricIntervalUpperBound is null");
  }
  return {};
}

Result<int> CheckAdjustment(JsonObject& doc, const char* field, int64_t v, AdjustmentType type) {
  if (type == AdjustmentType::kExactCapacity && v < 0) {
    return doc.Bad(field, "ExactCapacity needs a non-negative adjustment");
  }
  return static_cast<int>(v);
}

Result<void> ReadAlarmDriven(JsonObject& doc, AwsScalingPolicy& out) {
  StepPolicySpec& p = out.alarm_driven;
  p.name = out.name;
  auto type = ReadAdjustmentType(doc);
  if (!type) return std::unexpected(type.error());
  p.adjustment_type = *type;

  // MinAdjustmentStep is the old name of MinAdjustmentMagnitude.
  const char* magnitude_field = doc.Has("MinAdjustmentMagnitude") || !doc.Has("MinAdjustmentStep")
                                    ? "MinAdjustmentMagnitude"
                                    : "MinAdjustmentStep";
  if (doc.Has("MinAdjustmentMagnitude") && doc.Has("MinAdjustmentStep")) {
    return doc.Bad("MinAdjustmentStep",
                   "give MinAdjustmentMagnitude only (MinAdjustmentStep is "
                   "its old name)");
  }
  doc.MarkRead("MinAdjustmentStep");
  auto magnitude = doc.Integer(magnitude_field, 1, kMaxAdjustment);
  if (!magnitude) return std::unexpected(magnitude.error());
  if (*magnitude) {
    if (p.adjustment_type != AdjustmentType::kPercentChangeInCapacity) {
      return doc.Bad(magnitude_field, "valid only with AdjustmentType PercentChangeInCapacity");
    }
    p.min_adjustment_magnitude = static_cast<int>(**magnitude);
  }

  if (out.type == AwsScalingPolicy::Type::kSimple) {
    auto adjustment = doc.RequiredInteger("ScalingAdjustment", -kMaxAdjustment, kMaxAdjustment);
    if (!adjustment) return std::unexpected(adjustment.error());
    auto v = CheckAdjustment(doc, "ScalingAdjustment", *adjustment, p.adjustment_type);
    if (!v) return std::unexpected(v.error());
    p.steps.push_back(StepAdjustment{.adjustment = *v});
    auto cooldown = ReadSeconds(doc, "Cooldown", 0, kMaxSeconds);
    if (!cooldown) return std::unexpected(cooldown.error());
    p.cooldown = *cooldown;
    return {};
  }

  auto aggregation = doc.String("MetricAggregationType");
  if (!aggregation) return std::unexpected(aggregation.error());
  if (*aggregation && **aggregation != "Average") {
    if (**aggregation == "Minimum" || **aggregation == "Maximum") {
      return doc.Bad("MetricAggregationType",
                     **aggregation +
                         " cannot be simulated: forescale's metrics are averages "
                         "(use Average, AWS's default)");
    }
    return doc.Bad("MetricAggregationType",
                   "expected Average, Minimum or Maximum, got '" + **aggregation + "'");
  }
  auto warmup = ReadSeconds(doc, "EstimatedInstanceWarmup", 0, kMaxSeconds);
  if (!warmup) return std::unexpected(warmup.error());
  out.warmup = *warmup;
  auto steps = doc.ObjectList("StepAdjustments");
  if (!steps) return std::unexpected(steps.error());
  if (steps->empty()) return doc.Bad("StepAdjustments", "missing (StepScaling needs at least one)");
  for (JsonObject& s : *steps) {
    StepAdjustment step;
    auto lower = s.Number("MetricIntervalLowerBound");
    if (!lower) return std::unexpected(lower.error());
    auto upper = s.Number("MetricIntervalUpperBound");
    if (!upper) return std::unexpected(upper.error());
    auto adjustment = s.RequiredInteger("ScalingAdjustment", -kMaxAdjustment, kMaxAdjustment);
    if (!adjustment) return std::unexpected(adjustment.error());
    auto v = CheckAdjustment(s, "ScalingAdjustment", *adjustment, p.adjustment_type);
    if (!v) return std::unexpected(v.error());
    step.lower = *lower;
    step.upper = *upper;
    step.adjustment = *v;
    s.WarnUnread();
    p.steps.push_back(step);
  }
  return CheckStepAdjustments(p.steps, doc);
}

// ---------------------------------------------------------------------------------------------
// Predictive scaling

Result<void> ReadPredictive(JsonObject& config, const PolicyContext& context,
                            AwsScalingPolicy& out) {
  AwsPredictiveOptions& options = out.predictive;
  options.capacity_per_replica = context.capacity_per_replica;
  auto specs = config.ObjectList("MetricSpecifications");
  if (!specs) return std::unexpected(specs.error());
  if (specs->empty()) return config.Bad("MetricSpecifications", "missing (one is required)");
  if (specs->size() > 1) {
    return config.Bad("MetricSpecifications", "AWS supports a single metric specification, got " +
                                                  std::to_string(specs->size()));
  }
  JsonObject& spec = specs->front();
  for (const char* custom :
       {"CustomizedScalingMetricSpecification", "CustomizedLoadMetricSpecification",
        "CustomizedCapacityMetricSpecification"}) {
    if (auto ok = spec.Reject(custom,
                              "customized metrics cannot be simulated: use "
                              "PredefinedMetricPairSpecification (ASGCPUUtilization or "
                              "ALBRequestCount)");
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto target = spec.RequiredNumber("TargetValue");
  if (!target) return std::unexpected(target.error());
  if (!(*target > 0)) return spec.Bad("TargetValue", "must be positive");

  // The scaling metric decides the unit of TargetValue. forescale's load metric is always the
  // request rate (see aws_predictive.h), so the load metric only has to be one AWS pairs with it.
  std::string scaling;
  if (spec.Has("PredefinedMetricPairSpecification")) {
    if (spec.Has("PredefinedScalingMetricSpecification") ||
        spec.Has("PredefinedLoadMetricSpecification")) {
      return spec.Bad("PredefinedMetricPairSpecification",
                      "give a metric pair or a scaling and a load metric, not both");
    }
    auto pair = spec.RequiredObject("PredefinedMetricPairSpecification");
    if (!pair) return std::unexpected(pair.error());
    auto type = pair->RequiredString("PredefinedMetricType");
    if (!type) return std::unexpected(type.error());
    pair->Identity({"ResourceLabel"});
    if (*type == "ASGCPUUtilization") {
      scaling = "ASGAverageCPUUtilization";
    } else if (*type == "ALBRequestCount") {
      if (!pair->Has("ResourceLabel")) {
        return pair->Bad("ResourceLabel", "missing (AWS requires it with ALBRequestCount)");
      }
      scaling = "ALBRequestCountPerTarget";
    } else if (*type == "ASGNetworkIn" || *type == "ASGNetworkOut") {
      return pair->Bad("PredefinedMetricType",
                       *type + " cannot be simulated: forescale models no network traffic");
    } else {
      return pair->Bad("PredefinedMetricType",
                       "expected ASGCPUUtilization, ALBRequestCount, "
                       "ASGNetworkIn or ASGNetworkOut, got '" +
                           *type + "'");
    }
    pair->WarnUnread();
  } else {
    auto scaling_spec = spec.RequiredObject("PredefinedScalingMetricSpecification");
    if (!scaling_spec) return std::unexpected(scaling_spec.error());
    auto load_spec = spec.RequiredObject("PredefinedLoadMetricSpecification");
    if (!load_spec) return std::unexpected(load_spec.error());
    auto scaling_type = scaling_spec->RequiredString("PredefinedMetricType");
    if (!scaling_type) return std::unexpected(scaling_type.error());
    auto load_type = load_spec->RequiredString("PredefinedMetricType");
    if (!load_type) return std::unexpected(load_type.error());
    scaling_spec->Identity({"ResourceLabel"});
    load_spec->Identity({"ResourceLabel"});
    if (*scaling_type != "ASGAverageCPUUtilization" &&
        *scaling_type != "ALBRequestCountPerTarget") {
      return scaling_spec->Bad("PredefinedMetricType",
                               *scaling_type +
                                   " cannot be simulated (use ASGAverageCPUUtilization or "
                                   "ALBRequestCountPerTarget)");
    }
    if (*load_type != "ASGTotalCPUUtilization" && *load_type != "ALBTargetGroupRequestCount") {
      return load_spec->Bad("PredefinedMetricType",
                            *load_type +
                                " cannot be simulated (use ASGTotalCPUUtilization or "
                                "ALBTargetGroupRequestCount)");
    }
    if (*scaling_type == "ALBRequestCountPerTarget" && !scaling_spec->Has("ResourceLabel")) {
      return scaling_spec->Bad("ResourceLabel",
                               "missing (AWS requires it with ALBRequestCountPerTarget)");
    }
    if (*load_type == "ALBTargetGroupRequestCount" && !load_spec->Has("ResourceLabel")) {
      return load_spec->Bad("ResourceLabel",
                            "missing (AWS requires it with ALBTargetGroupRequestCount)");
    }
    scaling = *scaling_type;
    scaling_spec->WarnUnread();
    load_spec->WarnUnread();
  }
  if (scaling == "ASGAverageCPUUtilization") {
    options.metric = Spec("cpu");
    options.target = *target / 100;
    if (options.target > 1.0) {
      return spec.Bad("TargetValue", "a CPU utilization target above 100 can never be reached");
    }
  } else {
    // A request count per instance per minute.
    options.metric = Spec("request-rate-per-target");
    options.target = *target / 60;
  }
  spec.WarnUnread();

  auto mode = config.String("Mode");
  if (!mode) return std::unexpected(mode.error());
  if (!*mode || **mode == "ForecastOnly") {
    options.mode = AwsPredictiveOptions::Mode::kForecastOnly;
  } else if (**mode == "ForecastAndScale") {
    options.mode = AwsPredictiveOptions::Mode::kForecastAndScale;
  } else {
    return config.Bad("Mode", "expected ForecastOnly or ForecastAndScale, got '" + **mode + "'");
  }
  // "The value must be less than the forecast interval duration of 3600 seconds."
  auto buffer = ReadSeconds(config, "SchedulingBufferTime", 0, 3599);
  if (!buffer) return std::unexpected(buffer.error());
  if (*buffer) options.scheduling_buffer = **buffer;
  auto breach = config.String("MaxCapacityBreachBehavior");
  if (!breach) return std::unexpected(breach.error());
  if (!*breach || **breach == "HonorMaxCapacity") {
    options.breach = AwsPredictiveOptions::Breach::kHonorMaxCapacity;
  } else if (**breach == "IncreaseMaxCapacity") {
    options.breach = AwsPredictiveOptions::Breach::kIncreaseMaxCapacity;
  } else {
    return config.Bad("MaxCapacityBreachBehavior",
                      "expected HonorMaxCapacity or IncreaseMaxCapacity, got '" + **breach + "'");
  }
  auto max_buffer = config.Integer("MaxCapacityBuffer", 0, 100);
  if (!max_buffer) return std::unexpected(max_buffer.error());
  const bool increase = options.breach == AwsPredictiveOptions::Breach::kIncreaseMaxCapacity;
  // "Required if the MaxCapacityBreachBehavior property is set to IncreaseMaxCapacity, and
  // cannot be used otherwise."
  if (increase && !*max_buffer) {
    return config.Bad("MaxCapacityBuffer", "missing (required with IncreaseMaxCapacity)");
  }
  if (!increase && *max_buffer) {
    return config.Bad("MaxCapacityBuffer",
                      "valid only with MaxCapacityBreachBehavior IncreaseMaxCapacity");
  }
  options.max_capacity_buffer = static_cast<double>(max_buffer->value_or(0));
  return {};
}

// The fields of put-scaling-policy and the policy types they belong to.
struct TypedField {
  const char* name;
  std::initializer_list<AwsScalingPolicy::Type> types;
};

using T = AwsScalingPolicy::Type;
const TypedField kTypedFields[] = {
    {"AdjustmentType", {T::kStep, T::kSimple}},
    {"MinAdjustmentMagnitude", {T::kStep, T::kSimple}},
    {"MinAdjustmentStep", {T::kStep, T::kSimple}},
    {"ScalingAdjustment", {T::kSimple}},
    {"Cooldown", {T::kSimple}},
    {"MetricAggregationType", {T::kStep}},
    {"StepAdjustments", {T::kStep}},
    {"EstimatedInstanceWarmup", {T::kTargetTracking, T::kStep}},
    {"TargetTrackingConfiguration", {T::kTargetTracking}},
    {"PredictiveScalingConfiguration", {T::kPredictive}},
};

const char* TypeName(T type) {
  switch (type) {
    case T::kTargetTracking:
      return "TargetTrackingScaling";
    case T::kStep:
      return "StepScaling";
    case T::kSimple:
      return "SimpleScaling";
    case T::kPredictive:
      return "PredictiveScaling";
  }
  return "?";
}

// A field of another policy type is an error (AWS rejects it), unless it is empty: describe
// output lists "StepAdjustments": [] for every policy.
Result<void> CheckFieldsBelong(JsonObject& doc, T type) {
  for (const TypedField& f : kTypedFields) {
    if (std::find(f.types.begin(), f.types.end(), type) != f.types.end()) continue;
    if (!doc.Has(f.name)) continue;
    const YAML::Node n = doc.At(f.name);
    if ((n.IsSequence() || n.IsMap()) && n.size() == 0) {
      doc.MarkRead(f.name);
      continue;
    }
    std::string valid;
    for (T t : f.types) valid += std::string(valid.empty() ? "" : " or ") + TypeName(t);
    std::string problem =
        "valid only with PolicyType " + valid + " (this policy is " + TypeName(type) + ")";
    if (type == T::kSimple && !doc.Has("PolicyType")) {
      problem += "; PolicyType is missing and AWS's default is SimpleScaling";
    }
    return doc.Bad(f.name, problem);
  }
  return {};
}

// "arn:partition:service:region:account:resource" -> service.
std::string ArnService(const std::string& arn) {
  const size_t a = arn.find(':');
  const size_t b = a == std::string::npos ? a : arn.find(':', a + 1);
  const size_t c = b == std::string::npos ? b : arn.find(':', b + 1);
  return c == std::string::npos ? "" : arn.substr(b + 1, c - b - 1);
}

bool IsPolicyArn(const std::string& action) {
  return ArnService(action) == "autoscaling" && action.find(":scalingPolicy:") != std::string::npos;
}

bool IsUtc(const std::string& zone) {
  static const char* const kUtc[] = {"UTC",       "Etc/UTC",       "Etc/UCT",   "Etc/Universal",
                                     "Etc/Zulu",  "Etc/GMT",       "Etc/GMT0",  "Etc/GMT+0",
                                     "Etc/GMT-0", "GMT",           "UCT",       "Universal",
                                     "Zulu",      "Etc/Greenwich", "Greenwich", "GMT0"};
  return std::find(std::begin(kUtc), std::end(kUtc), zone) != std::end(kUtc);
}

}  // namespace

std::optional<AwsDocumentKind> ClassifyAwsDocument(const YAML::Node& node) {
  if (!node.IsMap() || node["kind"]) return std::nullopt;
  if (node["AlarmName"]) return AwsDocumentKind::kAlarm;
  if (node["ScheduledActionName"]) return AwsDocumentKind::kScheduledAction;
  for (const char* key : {"PolicyName", "PolicyType", "TargetTrackingConfiguration",
                          "PredictiveScalingConfiguration", "StepAdjustments"}) {
    if (node[key]) return AwsDocumentKind::kScalingPolicy;
  }
  if (node["TargetValue"] &&
      (node["PredefinedMetricSpecification"] || node["CustomizedMetricSpecification"])) {
    return AwsDocumentKind::kTargetTracking;
  }
  if (node["MetricSpecifications"]) return AwsDocumentKind::kPredictive;
  return std::nullopt;
}

Result<AwsScalingPolicy> ReadAwsScalingPolicy(JsonObject& doc, AwsDocumentKind kind,
                                              const PolicyContext& context) {
  AwsScalingPolicy out;
  out.at = doc.node();
  out.path = doc.path();
  if (kind == AwsDocumentKind::kTargetTracking || kind == AwsDocumentKind::kPredictive) {
    // A bare configuration file: the document is the configuration itself.
    const bool tt = kind == AwsDocumentKind::kTargetTracking;
    out.type = tt ? T::kTargetTracking : T::kPredictive;
    auto ok = tt ? ReadTargetTracking(doc, out) : ReadPredictive(doc, context, out);
    if (!ok) return std::unexpected(ok.error());
    doc.WarnUnread();
    return out;
  }

  auto name = doc.String("PolicyName");
  if (!name) return std::unexpected(name.error());
  out.name = name->value_or("");
  auto group = doc.String("AutoScalingGroupName");
  if (!group) return std::unexpected(group.error());
  out.group = group->value_or("");
  auto arn = doc.String("PolicyARN");
  if (!arn) return std::unexpected(arn.error());
  out.arn = arn->value_or("");
  auto alarms = doc.ObjectList("Alarms");
  if (!alarms) return std::unexpected(alarms.error());
  for (JsonObject& a : *alarms) {
    auto alarm_name = a.RequiredString("AlarmName");
    if (!alarm_name) return std::unexpected(alarm_name.error());
    a.Identity({"AlarmARN"});
    a.WarnUnread();
    out.alarm_names.push_back(*alarm_name);
  }
  auto enabled = doc.Bool("Enabled");
  if (!enabled) return std::unexpected(enabled.error());
  out.enabled = enabled->value_or(true);

  auto type = doc.String("PolicyType");
  if (!type) return std::unexpected(type.error());
  const std::string type_name = type->value_or("SimpleScaling");
  if (type_name == "TargetTrackingScaling") {
    out.type = T::kTargetTracking;
  } else if (type_name == "StepScaling") {
    out.type = T::kStep;
  } else if (type_name == "SimpleScaling") {
    out.type = T::kSimple;
  } else if (type_name == "PredictiveScaling") {
    out.type = T::kPredictive;
  } else {
    return doc.Bad("PolicyType",
                   "expected TargetTrackingScaling, StepScaling, SimpleScaling or "
                   "PredictiveScaling, got '" +
                       type_name + "'");
  }
  if (auto ok = CheckFieldsBelong(doc, out.type); !ok) return std::unexpected(ok.error());

  switch (out.type) {
    case T::kTargetTracking: {
      auto config = doc.RequiredObject("TargetTrackingConfiguration");
      if (!config) return std::unexpected(config.error());
      if (auto ok = ReadTargetTracking(*config, out); !ok) return std::unexpected(ok.error());
      config->WarnUnread();
      // Unset, AWS uses the group's default instance warm-up, else its default cooldown (300 s
      // unless changed); neither is in these files, so forescale's 300 s default stands.
      auto warmup = ReadSeconds(doc, "EstimatedInstanceWarmup", 0, kMaxSeconds);
      if (!warmup) return std::unexpected(warmup.error());
      if (*warmup) out.target_tracking.warmup = **warmup;
      break;
    }
    case T::kPredictive: {
      auto config = doc.RequiredObject("PredictiveScalingConfiguration");
      if (!config) return std::unexpected(config.error());
      if (auto ok = ReadPredictive(*config, context, out); !ok) return std::unexpected(ok.error());
      config->WarnUnread();
      break;
    }
    case T::kStep:
    case T::kSimple:
      if (auto ok = ReadAlarmDriven(doc, out); !ok) return std::unexpected(ok.error());
      break;
  }
  doc.WarnUnread();
  return out;
}

Result<AwsAlarm> ReadAwsAlarm(JsonObject& doc) {
  AwsAlarm out;
  out.at = doc.node();
  out.path = doc.path();
  auto name = doc.RequiredString("AlarmName");
  if (!name) return std::unexpected(name.error());
  out.name = *name;
  // What names the alarm or reports its state (describe-alarms output) changes nothing.
  doc.Identity({"AlarmDescription", "AlarmArn", "Tags", "Dimensions", "Unit",
                "AlarmConfigurationUpdatedTimestamp", "StateValue", "StateReason",
                "StateReasonData", "StateUpdatedTimestamp", "StateTransitionedTimestamp",
                "EvaluationState"});
  for (const char* field : {"Metrics", "ThresholdMetricId"}) {
    if (auto ok = doc.Reject(field,
                             "metric math and anomaly detection alarms cannot be "
                             "simulated: use one metric (MetricName, Namespace, Statistic)");
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  for (const char* field : {"EvaluationCriteria", "EvaluationInterval", "EvaluationWindow"}) {
    if (auto ok = doc.Reject(field,
                             "cannot be simulated: forescale evaluates an alarm as a "
                             "sliding window of Period datapoints");
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto actions_enabled = doc.Bool("ActionsEnabled");
  if (!actions_enabled) return std::unexpected(actions_enabled.error());
  out.actions_enabled = actions_enabled->value_or(true);

  // "Valid values are 10, 20, 30, and any multiple of 60."
  auto period = doc.RequiredInteger("Period", 10, 86400);
  if (!period) return std::unexpected(period.error());
  if (*period != 10 && *period != 20 && *period != 30 && *period % 60 != 0) {
    return doc.Bad("Period", "must be 10, 20, 30 or a multiple of 60");
  }
  auto metric = MapCloudWatchMetric(doc, static_cast<double>(*period));
  if (!metric) return std::unexpected(metric.error());
  out.divisor = metric->divisor;
  StepAlarm& alarm = out.alarm;
  alarm.metric = metric->spec;
  alarm.period = std::chrono::seconds(*period);

  auto evaluation = doc.RequiredInteger("EvaluationPeriods", 1, 86400 / 10);
  if (!evaluation) return std::unexpected(evaluation.error());
  if (*evaluation * *period > 86400) {
    return doc.Bad("EvaluationPeriods", "EvaluationPeriods x Period must not exceed one day");
  }
  alarm.evaluation_periods = static_cast<int>(*evaluation);
  auto datapoints = doc.Integer("DatapointsToAlarm", 1, *evaluation);
  if (!datapoints) return std::unexpected(datapoints.error());
  alarm.datapoints_to_alarm = static_cast<int>(datapoints->value_or(*evaluation));

  auto threshold = doc.RequiredNumber("Threshold");
  if (!threshold) return std::unexpected(threshold.error());
  alarm.threshold = *threshold / out.divisor;
  auto comparison = doc.RequiredString("ComparisonOperator");
  if (!comparison) return std::unexpected(comparison.error());
  auto parsed = ParseComparison(*comparison);
  if (!parsed) {
    return doc.Bad("ComparisonOperator",
                   *comparison == "LessThanLowerOrGreaterThanUpperThreshold" ||
                           *comparison == "LessThanLowerThreshold" ||
                           *comparison == "GreaterThanUpperThreshold"
                       ? *comparison + " belongs to anomaly detection, which cannot be simulated"
                       : "expected GreaterThanOrEqualToThreshold, GreaterThanThreshold, "
                         "LessThanThreshold or LessThanOrEqualToThreshold, got '" +
                             *comparison + "'");
  }
  alarm.comparison = *parsed;

  // forescale's alarms read a missing datapoint as not breaching.
  auto missing = doc.String("TreatMissingData");
  if (!missing) return std::unexpected(missing.error());
  if (*missing && **missing == "breaching") {
    return doc.Bad("TreatMissingData",
                   "breaching cannot be simulated: forescale's alarms "
                   "count a missing datapoint as not breaching");
  }
  if (*missing && **missing == "ignore") {
    doc.Warn("TreatMissingData",
             "ignore is approximated: a missing datapoint counts as not "
             "breaching (notBreaching)");
  } else if (*missing && **missing != "missing" && **missing != "notBreaching") {
    return doc.Bad("TreatMissingData",
                   "expected breaching, notBreaching, ignore or missing, got '" + **missing + "'");
  }
  if (doc.Has("EvaluateLowSampleCountPercentile")) {
    doc.Warn("EvaluateLowSampleCountPercentile",
             "ignored: forescale's percentiles never lack samples");
    doc.MarkRead("EvaluateLowSampleCountPercentile");
  }

  auto actions = doc.StringList("AlarmActions");
  if (!actions) return std::unexpected(actions.error());
  for (const std::string& action : *actions) {
    // A bare name is taken as the policy's name (hand-written files); of the ARNs, notification
    // topics change nothing, anything else but a scaling policy is not simulated.
    const std::string service = ArnService(action);
    if (!action.starts_with("arn:") || IsPolicyArn(action)) {
      out.policy_actions.push_back(action);
    } else if (service != "sns") {
      doc.Warn("AlarmActions", "action " + action + " is not a scaling policy: ignored");
    }
  }
  for (const char* field : {"OKActions", "InsufficientDataActions"}) {
    auto other = doc.StringList(field);
    if (!other) return std::unexpected(other.error());
    for (const std::string& action : *other) {
      if (IsPolicyArn(action)) {
        return doc.Bad(field,
                       "a scaling policy run on another state than ALARM cannot be "
                       "simulated (" +
                           action + ")");
      }
    }
  }
  doc.WarnUnread();
  return out;
}

Result<AwsScheduledAction> ReadAwsScheduledAction(JsonObject& doc) {
  AwsScheduledAction out;
  ScheduledAction a;
  auto name = doc.RequiredString("ScheduledActionName");
  if (!name) return std::unexpected(name.error());
  a.name = *name;
  auto group = doc.String("AutoScalingGroupName");
  if (!group) return std::unexpected(group.error());
  out.group = group->value_or("");
  doc.Identity({"ScheduledActionARN"});

  auto zone = doc.String("TimeZone");
  if (!zone) return std::unexpected(zone.error());
  if (*zone && !IsUtc(**zone)) {
    return doc.Bad("TimeZone", "'" + **zone +
                                   "' cannot be simulated: forescale runs schedules "
                                   "in UTC; write the Recurrence in UTC and leave TimeZone out");
  }
  auto start = doc.Timestamp("StartTime");
  if (!start) return std::unexpected(start.error());
  auto end = doc.Timestamp("EndTime");
  if (!end) return std::unexpected(end.error());
  // "Time: This property is no longer used." describe output repeats StartTime in it.
  auto time = doc.Timestamp("Time");
  if (!time) return std::unexpected(time.error());
  if (*time && *time != *start) doc.Warn("Time", "no longer used by AWS, ignored (use StartTime)");

  for (auto [field, target] :
       {std::pair{"MinSize", &a.min_replicas}, std::pair{"MaxSize", &a.max_replicas},
        std::pair{"DesiredCapacity", &a.desired_replicas}}) {
    auto v = doc.Integer(field, 0, kMaxCapacity);
    if (!v) return std::unexpected(v.error());
    if (*v) *target = static_cast<int>(**v);
  }
  if (!a.min_replicas && !a.max_replicas && !a.desired_replicas) {
    return doc.Bad("",
                   "a scheduled action must set at least one of MinSize, MaxSize and "
                   "DesiredCapacity");
  }
  if (a.min_replicas && a.max_replicas && *a.max_replicas < *a.min_replicas) {
    return doc.Bad("MaxSize", "must be at least MinSize (" + std::to_string(*a.min_replicas) + ")");
  }
  if (a.desired_replicas && ((a.min_replicas && *a.desired_replicas < *a.min_replicas) ||
                             (a.max_replicas && *a.desired_replicas > *a.max_replicas))) {
    return doc.Bad("DesiredCapacity", "must lie within MinSize and MaxSize");
  }

  auto recurrence = doc.String("Recurrence");
  if (!recurrence) return std::unexpected(recurrence.error());
  if (!*recurrence) {
    if (!*start) {
      return doc.Bad("StartTime",
                     "missing (a one-time action runs at its StartTime; a "
                     "recurring one needs a Recurrence)");
    }
    if (*end && *end != *start) {
      doc.Warn("EndTime", "ends a recurrence; a one-time action has none, ignored");
    }
    a.at = *start;
    out.actions.push_back(std::move(a));
    doc.WarnUnread();
    return out;
  }
  auto cron = CronSchedule::Parse(**recurrence);
  if (!cron) return doc.Bad("Recurrence", cron.error().message());
  if (*start && *end && *end <= *start) return doc.Bad("EndTime", "must be after StartTime");
  a.cron = std::move(*cron);
  a.start = *start;
  a.end = *end;
  // "If you specify a start time, Amazon EC2 Auto Scaling performs the action at this time, and
  // then performs the action based on the specified recurrence."
  std::optional<ScheduledAction> first_run;
  if (*start && !a.cron->Matches(**start)) {
    first_run = a;
    first_run->cron.reset();
    first_run->start.reset();
    first_run->end.reset();
    first_run->at = *start;
    first_run->name += " (StartTime)";
  }
  out.actions.push_back(std::move(a));
  if (first_run) out.actions.push_back(std::move(*first_run));
  doc.WarnUnread();
  return out;
}

}  // namespace forescale::policy::internal
