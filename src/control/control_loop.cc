#include "control/control_loop.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace forescale::control {

std::string DecisionToJson(const DecisionEntry& e, std::string_view policy_kind) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j = {{"time", FormatRfc3339(e.time)},
                      {"policy", std::string(policy_kind)},
                      {"current", e.current},
                      {"ready", e.ready},
                      {"running", e.running},
                      {"desired", e.desired},
                      {"changed", e.changed},
                      {"reason", e.reason},
                      {"expected_load", number(e.expected_load)},
                      {"expected_load_high", number(e.expected_load_high)},
                      {"events", e.events},
                      {"error", e.error}};
  return j.dump();
}

ControlLoop::ControlLoop(policy::Policy& policy, const policy::MetricSource& metrics,
                         Actuator& actuator, const Clock& clock, ControlLoopOptions options)
    : policy_(policy),
      metrics_(metrics),
      actuator_(actuator),
      clock_(clock),
      options_(std::move(options)) {}

ControlLoop::~ControlLoop() {
  if (log_) std::fclose(log_);
}

std::vector<std::string> ControlLoop::Drain() { return actuator_.TakeEvents(); }

Result<bool> ControlLoop::Tick() {
  const TimePoint now = clock_.Now();
  if (now < next_) return false;
  if (!options_.decision_log.empty() && !log_opened_) {
    log_opened_ = true;
    log_ = std::fopen(options_.decision_log.c_str(), "w");
    if (!log_) {
      return Fail(ErrorCode::kIo,
                  "cannot write " + options_.decision_log + ": " + std::strerror(errno));
    }
  }
  // The next decision is one interval after this one was due, not after it ran: a slow
  // Prometheus answer does not make the policy drift.
  next_ = next_ == TimePoint::min() ? now + policy_.interval()
                                    : std::max(next_ + policy_.interval(), now);
  const std::vector<policy::PodView> pods = actuator_.Pods();
  DecisionEntry e;
  e.time = now;
  e.events = actuator_.TakeEvents();
  e.current = actuator_.desired();
  e.running = static_cast<int>(pods.size());
  e.ready = static_cast<int>(
      std::count_if(pods.begin(), pods.end(), [](const policy::PodView& p) { return p.ready; }));
  const policy::Observation observation{
      .now = now,
      .current_replicas = e.current,
      .ready_replicas = e.ready,
      .min_replicas = options_.min_replicas,
      .max_replicas = options_.max_replicas,
      .capacity_per_replica = options_.capacity_per_replica,
      .pods = pods,
      .metrics = &metrics_,
  };
  policy::Decision d = policy_.Decide(observation);
  e.desired = std::clamp(d.desired_replicas, 0, std::max(options_.max_replicas, 0));
  e.changed = e.desired != e.current;
  e.reason = std::move(d.reason);
  e.expected_load = d.expected_load;
  e.expected_load_high = d.expected_load_high;
  if (auto applied = actuator_.ScaleTo(e.desired); !applied) e.error = applied.error().message();
  if (log_) {
    const std::string line = DecisionToJson(e, policy_.kind()) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), log_) != line.size() || std::fflush(log_) != 0) {
      return Fail(ErrorCode::kIo, "cannot write " + options_.decision_log);
    }
  }
  records_.push_back(std::move(e));
  return true;
}

}  // namespace forescale::control
