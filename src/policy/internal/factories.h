// One factory per policy kind. `config` is the policy file's root mapping, or null when the
// policy was named on the command line (all defaults, taken from `context`). Each factory checks
// its own keys with `reader` (which names the file) and accepts "kind" among them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>

#include "core/yaml_config.h"
#include "policy/policy.h"

namespace forescale::policy::internal {

using PolicyResult = Result<std::unique_ptr<Policy>>;

PolicyResult MakeHpa(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context);
PolicyResult MakeTargetTracking(const YAML::Node* config, const YamlConfig& reader,
                                const PolicyContext& context);
PolicyResult MakeStep(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context);
PolicyResult MakeRule(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context);
PolicyResult MakeScheduled(const YAML::Node* config, const YamlConfig& reader,
                           const PolicyContext& context);
PolicyResult MakeAwsPredictive(const YAML::Node* config, const YamlConfig& reader,
                               const PolicyContext& context);
PolicyResult MakePredictive(const YAML::Node* config, const YamlConfig& reader,
                            const PolicyContext& context);
PolicyResult MakeOracle(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context);
// Several policies on one resource, AWS style: the largest desired capacity wins.
PolicyResult MakeCombined(const YAML::Node* config, const YamlConfig& reader,
                          const PolicyContext& context);

// A KEDA ScaledObject written inline (keda.h).
PolicyResult MakeKeda(const YAML::Node* config, const YamlConfig& reader, const PolicyContext& context);
// A policy file of Kubernetes objects (kubernetes.h); nullopt when `file` is not one, so it is
// one of our own policy files (or unreadable, which the caller reports).
std::optional<PolicyResult> LoadKubernetesPolicy(const std::string& file, const PolicyContext& context);

// A member policy written inline (a mapping with `kind:`) or as a file path, for `combined`.
PolicyResult MakeFromNode(const YAML::Node& node, const YamlConfig& reader,
                          const PolicyContext& context);

}  // namespace forescale::policy::internal
