// Where the readers of other systems' configurations (HPA manifests, KEDA, AWS JSON) put what they
// read but do not simulate.
#pragma once

#include <string>

#include "policy/policy.h"

namespace forescale::policy::internal {

// Into context.warnings when the caller collects them; else on stderr, each distinct message
// once per process (a policy file is read again for every run of a scenario or a search).
void Warn(const PolicyContext& context, std::string message);

}  // namespace forescale::policy::internal
