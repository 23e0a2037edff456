// Readers of one autoscaler object each, shared by the file-level reader (kubernetes.cc: several
// documents, the scaled Deployment) and the inline forms (ParseHpaSpec, ParseScaledObject, an
// object written inside a scenario). `target` is the scaled workload when the file holds it,
// else null. Warnings go to `warnings` (see manifest.h); errors name file:line, document, field.
#pragma once

#include <string>
#include <vector>

#include "core/yaml_config.h"
#include "policy/hpa.h"
#include "policy/internal/manifest.h"
#include "policy/keda.h"

namespace forescale::policy::internal {

// A HorizontalPodAutoscaler, autoscaling/v1, v2 or v2beta2.
Result<HpaSpec> ReadHpaManifest(const ManifestDocument& doc, const Workload* target,
                                const YamlConfig& yaml, std::vector<std::string>* warnings);

// HorizontalPodAutoscalerBehavior at `node` (an HPA's spec.behavior, a ScaledObject's
// advanced.horizontalPodAutoscalerConfig.behavior), with the API defaults for what it omits.
Result<HpaBehavior> ReadHpaBehavior(const YAML::Node& node, const std::string& path,
                                    const ManifestReader& reader);

// A KEDA ScaledObject (keda.sh/v1alpha1).
Result<KedaSpec> ReadScaledObject(const ManifestDocument& doc, const Workload* target,
                                  const YamlConfig& yaml, std::vector<std::string>* warnings);

}  // namespace forescale::policy::internal
