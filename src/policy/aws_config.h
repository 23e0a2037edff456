// AWS EC2 Auto Scaling configuration, exactly as users hand it to the AWS CLI, read as the
// forescale policies that implement the same semantics (target-tracking, step, aws-predictive,
// scheduled, combined). `LoadPolicy` calls this for any policy file or inline scenario policy
// shaped like AWS configuration; nothing needs to be rewritten in forescale's YAML.
//
// Accepted documents (JSON, or the same in YAML as `--cli-input-yaml` takes it):
//  - `aws autoscaling put-scaling-policy --cli-input-json` input: PolicyType
//    TargetTrackingScaling, StepScaling, SimpleScaling (AWS's default) or PredictiveScaling;
//  - the bare files of `--target-tracking-configuration file://config.json` and
//    `--predictive-scaling-configuration file://config.json`;
//  - `aws cloudwatch put-metric-alarm --cli-input-json` input: the alarm that runs a step or
//    simple policy, paired with it through AlarmActions (the policy's ARN, or its PolicyName);
//  - `aws autoscaling put-scheduled-update-group-action --cli-input-json` input;
//  - a JSON array of any of these, and the output of `aws autoscaling describe-policies`,
//    `describe-scheduled-actions` and `aws cloudwatch describe-alarms` (objects holding
//    ScalingPolicies / ScheduledUpdateGroupActions / MetricAlarms lists), alone or in an array.
// Several policies become one `combined` policy: the largest capacity wins, and target tracking
// scales in only when all its policies agree. All step policies share one `step` member (and all
// simple policies one `step` member in simple mode), so that of several alarms in ALARM at once
// the policy giving the largest capacity wins, as AWS does.
//
// Units: CPU percent becomes a fraction (TargetValue 40 -> 40 %); request counts per target per
// minute (target tracking, predictive) and alarm request counts per Period become requests/s.
//
// Strictness: a field that changes what the group does and cannot be simulated (a metric
// forescale does not model, metric math, MetricAggregationType Minimum, a time zone other than
// UTC, ...) is an error; so are missing required fields, wrong JSON types and a step or simple
// policy without an alarm. Errors name the file, line and JSON path
// ("asg.json:14: [2].TargetTrackingConfiguration.TargetValue: missing"). Fields that only name
// things (AutoScalingGroupName, PolicyName, ARNs, Dimensions, Tags) are read silently; unknown
// fields, and settings forescale approximates, become warnings in the same shape, collected in
// PolicyContext::warnings (or printed to stderr when it is null). One file describes one Auto
// Scaling group.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/yaml_config.h"
#include "policy/aws_predictive.h"
#include "policy/policy.h"
#include "policy/scheduled.h"
#include "policy/step_scaling.h"
#include "policy/target_tracking.h"

namespace forescale::policy {

// One member of the resulting policy, with the AWS names it came from.
struct AwsPolicyMember {
  std::string name;  // "cpu40-target-tracking-scaling-policy", "step: out, in", ...
  std::variant<TargetTrackingOptions, StepScalingOptions, AwsPredictiveOptions, ScheduledOptions>
      options;
};

struct AwsPolicyConfig {
  std::string group;  // AutoScalingGroupName, when the documents give it
  // In file order; policies that AWS runs together (step, simple, scheduled) share a member.
  std::vector<AwsPolicyMember> members;
};

// Whether `root` has the shape of AWS configuration (and not of a forescale or Kubernetes
// document, which carry `kind`).
bool LooksLikeAwsConfig(const YAML::Node& root);

// Translates the documents in `root` (read from `reader.origin()`); `warnings` receives one
// message per field read but not simulated.
Result<AwsPolicyConfig> ReadAwsConfig(const YAML::Node& root, const YamlConfig& reader,
                                      const PolicyContext& context,
                                      std::vector<std::string>& warnings);

// The policy for a translated configuration: the member itself, or `combined` over several.
// `config.members` must not be empty (ReadAwsConfig never returns it empty).
std::unique_ptr<Policy> MakeAwsPolicy(const AwsPolicyConfig& config);

// ReadAwsConfig + MakeAwsPolicy, warnings to context.warnings (or stderr).
Result<std::unique_ptr<Policy>> PolicyFromAwsConfig(const YAML::Node& root,
                                                    const YamlConfig& reader,
                                                    const PolicyContext& context);

// The policy in `path` when the file is AWS configuration; none when it is something else (a
// forescale or Kubernetes file), for the caller to read. A `.json` file must be valid JSON:
// a syntax error is reported here with its line, as the AWS CLI would refuse the file too.
std::optional<Result<std::unique_ptr<Policy>>> LoadAwsPolicyFile(const std::string& path,
                                                                 const PolicyContext& context);

}  // namespace forescale::policy
