// "Scale up by 2 if CPU > 80 % for 5 minutes": threshold rules as users write them in YAML.
//
//   kind: rule
//   interval: 30s            # how often the rules are evaluated (default 30 s)
//   window: 1m               # each evaluation reads the metric's average over this (default 1 m)
//   cooldown: 5m             # default per-rule cooldown (default 300 s)
//   rules:
//     - scale up by 2 if cpu > 80% for 5m
//     - scale up by 50% if latency > 500ms for 2m cooldown 10m
//     - scale to 20 if request-rate >= 900 for 1m
//     - {metric: cpu, op: "<", threshold: 30%, for: 15m, action: {scale: down, by: 1},
//        cooldown: 10m}
//
// One-line grammar (case-insensitive, spaces around the operator optional):
//   scale (up|down) by N[%] | scale to N
//   if METRIC (>|>=|<|<=) VALUE [for DURATION] [cooldown DURATION]
// METRIC is cpu, request-rate, request-rate-per-target, latency, in-flight or drop-rate (with
// the aliases of every policy file); VALUE is in the metric's unit (80%, 0.8, 500ms, 120rps).
// The structured form has the keys metric, op, threshold, for, cooldown, name and
// action: {scale: up|down|to, by: N|N%, to: N} ("scale: to" takes `to:`).
//
// Semantics:
//  - "for D": the condition must hold at every evaluation for D; it holds once it has been true
//    continuously since at least D ago (Prometheus' `for:`). An evaluation without data breaks
//    the run: missing data is never read as high or low load. `for` 0 fires at once.
//  - Actions: up by N adds N; down by N removes N; by P% changes the current capacity by P %,
//    rounded away from zero up and toward zero down (at least 1 either way), so a percentage
//    rule always moves; "to N" sets N. Results stay in the resource's [min, max].
//  - Several rules firing at one evaluation: the one giving the largest capacity wins (ties:
//    the first written), so a scale-up beats a scale-down and the larger scale-up beats the
//    smaller, as AWS resolves several policies on one group.
//  - After an action every rule's "for" run restarts (the conditions must be re-established on
//    the new capacity) and the acting rule waits out its cooldown before it may act again.
//    A rule whose result is clamped to no change does not act and starts no cooldown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/internal/scaling_common.h"
#include "policy/policy.h"

namespace forescale::policy {

struct ScalingRule {
  enum class Action { kUp, kDown, kTo };
  std::string text;  // as written, or rebuilt from the structured form, for reasons
  internal::MetricSpec metric;
  internal::Comparison op = internal::Comparison::kGreater;
  double threshold = 0;
  Duration sustain{0};  // "for"
  Action action = Action::kUp;
  int amount = 1;  // replicas, or percent when `percent`
  bool percent = false;
  std::optional<Duration> cooldown;  // none: RuleOptions::cooldown
};

// Parses the one-line form; the error message says what was expected where (no file context).
Result<ScalingRule> ParseRule(std::string_view text);

struct RuleOptions {
  std::vector<ScalingRule> rules;
  Duration interval{std::chrono::seconds(30)};
  Duration window{std::chrono::minutes(1)};
  Duration cooldown{std::chrono::seconds(300)};
};

// Not thread-safe: one object per scaled resource (see policy.h).
class RulePolicy final : public Policy {
 public:
  explicit RulePolicy(RuleOptions options);
  std::string_view kind() const override { return "rule"; }
  Duration interval() const override { return options_.interval; }
  Decision Decide(const Observation& observation) override;

 private:
  RuleOptions options_;
  std::vector<std::optional<TimePoint>> true_since_;
  std::vector<std::optional<TimePoint>> last_fired_;
};

}  // namespace forescale::policy
