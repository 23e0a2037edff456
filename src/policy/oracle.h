// The lower bound every policy is compared against: perfect foresight of the demand and of the
// start-up delay. At each decision it asks for exactly the replicas the highest demand of the
// coming start-up delay + interval needs at the target utilisation — replicas it launches now are
// ready when that demand arrives, and it never keeps a replica the window does not need.
// Simulation only: it needs the future (PolicyContext::future_demand).
#pragma once

#include "policy/policy.h"

namespace forescale::policy {

struct OracleOptions {
  Duration interval{std::chrono::seconds(15)};
  double target_utilisation = 0.6;
  Duration startup_delay{std::chrono::minutes(2)};
};

class OraclePolicy final : public Policy {
 public:
  OraclePolicy(const Series& future_demand, OracleOptions options);
  std::string_view kind() const override { return "oracle"; }
  Duration interval() const override { return options_.interval; }
  Decision Decide(const Observation& observation) override;

 private:
  const Series& demand_;
  OracleOptions options_;
};

}  // namespace forescale::policy
