// The AWS documents forescale reads, each translated on its own into the options of the
// forescale policy with the same semantics (aws_config.cc pairs alarms with the step and simple
// policies they run, and builds the policy). Field names, types and ranges follow the AWS
// service models (botocore autoscaling 2011-01-01 PutScalingPolicyType,
// PutScheduledUpdateGroupActionType; cloudwatch 2010-08-01 PutMetricAlarmInput) and their
// describe-* output twins (ScalingPolicy, ScheduledUpdateGroupAction, MetricAlarm).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/aws_predictive.h"
#include "policy/internal/aws_config_fields.h"
#include "policy/scheduled.h"
#include "policy/step_scaling.h"
#include "policy/target_tracking.h"

namespace forescale::policy::internal {

enum class AwsDocumentKind {
  kScalingPolicy,    // put-scaling-policy --cli-input-json, or a describe-policies item
  kTargetTracking,   // a bare --target-tracking-configuration file
  kPredictive,       // a bare --predictive-scaling-configuration file
  kAlarm,            // put-metric-alarm --cli-input-json, or a describe-alarms item
  kScheduledAction,  // put-scheduled-update-group-action --cli-input-json, or describe item
};

// What a mapping is, from the fields only AWS documents carry; none when it is none of them.
std::optional<AwsDocumentKind> ClassifyAwsDocument(const YAML::Node& node);

// A put-scaling-policy document.
struct AwsScalingPolicy {
  enum class Type { kTargetTracking, kStep, kSimple, kPredictive };
  Type type = Type::kSimple;
  std::string name;   // PolicyName; empty for a bare configuration
  std::string arn;    // PolicyARN (describe output)
  std::string group;  // AutoScalingGroupName
  bool enabled = true;
  YAML::Node at;  // the document, for messages
  std::string path;
  TargetTrackingOptions target_tracking;
  AwsPredictiveOptions predictive;
  // Step and simple: the policy without its alarm. Its step bounds stay in AWS's unit (the
  // alarm's metric) until the alarm is known.
  StepPolicySpec alarm_driven;
  std::optional<Duration> warmup;        // step: EstimatedInstanceWarmup
  std::vector<std::string> alarm_names;  // describe output: the alarms that run it
};

// A put-metric-alarm document.
struct AwsAlarm {
  std::string name;
  YAML::Node at;
  std::string path;
  StepAlarm alarm;     // in forescale's units
  double divisor = 1;  // AWS value / divisor = forescale value (for the step bounds)
  // AlarmActions that run scaling policies: policy ARNs, or bare policy names.
  std::vector<std::string> policy_actions;
  bool actions_enabled = true;
};

// A put-scheduled-update-group-action document: the action, and (a recurrence with a StartTime
// also runs at that time) a one-time run of it.
struct AwsScheduledAction {
  std::string group;
  std::vector<ScheduledAction> actions;
};

Result<AwsScalingPolicy> ReadAwsScalingPolicy(JsonObject& doc, AwsDocumentKind kind,
                                              const PolicyContext& context);
Result<AwsAlarm> ReadAwsAlarm(JsonObject& doc);
Result<AwsScheduledAction> ReadAwsScheduledAction(JsonObject& doc);

}  // namespace forescale::policy::internal
