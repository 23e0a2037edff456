// What the control loop drives: an Actuator sets the desired replica count of one scaled
// resource and shows its pods the way the orchestrator would (policy::PodView), so the policy
// objects that run in the simulator run unchanged against real processes.
//
// Contract: ScaleTo(n) *reconciles* — it is called on every decision, changed or not, and
// launches replicas until n are running or starting, so a replica that died since the last
// decision is replaced. Removal order is a ReplicaSet's (as src/sim does): replicas that are not
// ready go first, newest first; then ready ones, the most recently ready first.
// Events (a replica died, a reload failed) are kept until TakeEvents returns them.
//
// Thread safety: every method from the control loop's thread; implementations may monitor their
// replicas from a thread of their own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "policy/observation.h"

namespace forescale::control {

class Actuator {
 public:
  virtual ~Actuator() = default;
  virtual Result<void> ScaleTo(int replicas) = 0;
  virtual int desired() const = 0;  // the count last asked for
  // Every replica running or starting (not the ones being stopped), with times in the clock
  // the actuator was given (profile time in a live run).
  virtual std::vector<policy::PodView> Pods() const = 0;
  virtual std::vector<std::string> TakeEvents() = 0;
};

// What removal order needs to know of one replica.
struct RemovalCandidate {
  bool ready = false;
  TimePoint created{};
  TimePoint ready_changed{};
};

// Indices into `replicas` of the `count` replicas to remove, in the order they go.
std::vector<size_t> RemovalOrder(const std::vector<RemovalCandidate>& replicas, size_t count);

}  // namespace forescale::control
