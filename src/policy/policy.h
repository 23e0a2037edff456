// The one decision engine: a Policy turns an Observation into a desired replica count and a
// reason. The simulator, the live test and the production controller call the same objects.
//
// Contract: Decide is called every interval() of controller time, with time never going back;
// the policy may keep state between calls (stabilisation windows, cool-downs, forecasts); its
// result is already clamped to the observation's [min_replicas, max_replicas] bounds (after
// any narrowing the policy itself applies, e.g. a scheduled action). Not thread-safe: one
// policy object per scaled resource.
//
//   auto policy = LoadPolicy("examples/policies/hpa.yaml", context);
//   Decision d = (*policy)->Decide(observation);
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/events.h"
#include "core/series.h"
#include "policy/observation.h"

namespace forescale::policy {

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view kind() const = 0;   // "hpa", "target-tracking", ...
  virtual Duration interval() const = 0;       // how often Decide is called
  virtual Decision Decide(const Observation& observation) = 0;
};

// What a policy may take from the service it scales, for the defaults a policy file leaves out.
struct PolicyContext {
  int min_replicas = 1;
  int max_replicas = 1;
  double target_utilisation = 0.6;     // fraction of a replica's CPU the service is sized for
  double capacity_per_replica = 0;     // requests/s at 100 % CPU
  Duration startup_delay{std::chrono::minutes(2)};   // typical launch-to-ready time
  Duration startup_delay_p95{std::chrono::minutes(2)};  // 95 % of replicas are ready within
  // Oracle only (simulation): the demand that will arrive, requests/s.
  const Series* future_demand = nullptr;
  // Known events (campaigns, scheduled jobs) the forecasting policies may plan for; may be null.
  const std::vector<Event>* events = nullptr;
  // Request rate before the controller started (what the store or Prometheus already held), for
  // forecasting policies; the monitoring pipeline's own history follows it. May be null.
  const Series* past_demand = nullptr;
  uint64_t seed = 1;
  // Where readers of configurations written for other systems (a pasted HPA manifest, a KEDA
  // ScaledObject, AWS policy JSON) list the fields they read but do not simulate, one message
  // each naming the file and field; may be null (the messages are then logged as warnings).
  std::vector<std::string>* warnings = nullptr;
};

// The policy kinds, in the order the docs list them.
const std::vector<std::string>& PolicyKinds();

// A policy by kind name with its defaults ("hpa"), or from a YAML file whose `kind:` names it
// (the file's other keys configure it; unknown keys are errors naming the file and line).
Result<std::unique_ptr<Policy>> LoadPolicy(const std::string& name_or_file,
                                           const PolicyContext& context);
// A policy written inline in another YAML file (a scenario): a kind name, a file path, or a
// mapping with `kind:`; errors name `origin` and the node's line.
Result<std::unique_ptr<Policy>> LoadPolicy(const YAML::Node& node, const std::string& origin,
                                           const PolicyContext& context);

}  // namespace forescale::policy
