// What a Kubernetes policy file's Deployment says about the service, applied to the simulated
// service model by the commands that take both (simulate, recommend).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "sim/service_model.h"

namespace forescale::app {

// Reads policy::ReadWorkloadHints(policy_file) and applies them to `resource`:
//   spec.replicas      -> the initial replicas, when the service model leaves them automatic (0);
//   readiness probe    -> a floor for the start-up delay (the model's delay also counts node
//                         provisioning and image pulls, so a longer one is kept);
//   cpu requests       -> only reported (the model's capacity is per replica already).
// Returns one note per fact, naming the document it came from; none for other formats.
Result<std::vector<std::string>> ApplyWorkloadHints(const std::string& policy_file,
                                                    sim::ResourceModel& resource);

}  // namespace forescale::app
