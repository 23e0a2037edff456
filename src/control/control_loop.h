// The live controller loop: every policy interval it builds the Observation a real controller
// sees (pods from the actuator, metrics from the MetricSource, time from the Clock), asks the
// policy, applies the decision through the actuator and logs it with its reason.
//
// The loop does not sleep: its owner calls Tick() as often as it likes (the live run: once per
// profile second) and a decision happens when Clock::Now() has reached next_decision(). That keeps
// it testable with a SimulatedClock and lets one thread drive the loop and the recording.
// Every decision — changed or not — is applied (ScaleTo reconciles: a replica that died is
// replaced), kept in records() and written as one JSON object per line to the decision log:
//   {"time":"2024-05-01T10:00:15Z","policy":"hpa","current":2,"ready":2,"desired":3,
//    "changed":true,"reason":"cpu 83% of 60% target on 2 ready pods -> 3",
//    "expected_load":null,"events":["replica app-2 (pid 4242, port 40001) killed by signal 9"],
//    "error":""}
//
// Thread safety: none; one thread owns the loop.
//
//   ControlLoop loop(*policy, metrics, actuator, profile_clock,
//                    {.min_replicas = 1, .max_replicas = 10, .capacity_per_replica = 50,
//                     .decision_log = "run/decisions.jsonl"});
//   while (running) { loop.Tick(); Sleep(); }
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "control/actuator.h"
#include "core/clock.h"
#include "core/error.h"
#include "policy/policy.h"

namespace forescale::control {

struct ControlLoopOptions {
  int min_replicas = 1;
  int max_replicas = 1;
  double capacity_per_replica = 0;  // requests/s at 100 % CPU (Observation)
  std::string decision_log;         // JSONL path; empty: records only
};

struct DecisionEntry {
  TimePoint time{};
  int current = 0;  // desired before the decision
  int ready = 0;
  int running = 0;
  int desired = 0;
  bool changed = false;
  std::string reason;
  double expected_load = 0;  // NaN when the policy does not forecast
  double expected_load_high = 0;
  std::vector<std::string> events;  // what the actuator reported since the previous decision
  std::string error;                // applying failed (the loop goes on)
};

// One JSONL line (no trailing newline).
std::string DecisionToJson(const DecisionEntry& entry, std::string_view policy_kind);

class ControlLoop {
 public:
  // The references must outlive the loop. The first decision is due at once.
  ControlLoop(policy::Policy& policy, const policy::MetricSource& metrics, Actuator& actuator,
              const Clock& clock, ControlLoopOptions options = {});
  ~ControlLoop();
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  // Decides if a decision is due; true when it decided. Fails (kIo) only when the decision log
  // cannot be opened or written; the actuator's failures are recorded in the entry instead.
  Result<bool> Tick();
  TimePoint next_decision() const { return next_; }
  const std::vector<DecisionEntry>& records() const { return records_; }
  // Events the actuator reported that no decision has carried yet (read at the end of a run).
  std::vector<std::string> Drain();

 private:
  policy::Policy& policy_;
  const policy::MetricSource& metrics_;
  Actuator& actuator_;
  const Clock& clock_;
  ControlLoopOptions options_;
  TimePoint next_{TimePoint::min()};
  std::vector<DecisionEntry> records_;
  std::FILE* log_ = nullptr;
  bool log_opened_ = false;
};

}  // namespace forescale::control
