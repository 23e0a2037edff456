// Test helpers for the AWS-style policy tests: a fixed clock origin, pods, observations and
// policies built from YAML text (so errors name "<name>.yaml:line").
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/yaml_config.h"
#include "policy/internal/factories.h"
#include "policy/internal/fake_metrics.h"

namespace forescale::policy::internal {

// A Tuesday, 00:00 UTC.
inline TimePoint Origin() { return *ParseRfc3339("2024-03-12T00:00:00Z"); }
inline TimePoint AtSeconds(int64_t s) { return Origin() + std::chrono::seconds(s); }
inline TimePoint AtMinutes(int64_t m) { return Origin() + std::chrono::minutes(m); }
inline TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// `n` ready pods launched at `created`.
inline std::vector<PodView> Pods(int n, TimePoint created, bool ready = true) {
  std::vector<PodView> pods;
  for (int i = 0; i < n; ++i) {
    PodView p;
    p.name = "pod-" + std::to_string(i);
    p.created = created;
    p.ready = ready;
    p.ready_changed = created;
    pods.push_back(p);
  }
  return pods;
}

inline Observation Obs(TimePoint now, int current, const MetricSource& metrics,
                       std::span<const PodView> pods = {}, int min = 1, int max = 200) {
  Observation o;
  o.now = now;
  o.current_replicas = current;
  o.ready_replicas = current;
  if (!pods.empty()) {
    o.ready_replicas = 0;
    for (const PodView& p : pods) o.ready_replicas += (p.ready && !p.deleting) ? 1 : 0;
  }
  o.min_replicas = min;
  o.max_replicas = max;
  o.capacity_per_replica = 50;
  o.pods = pods;
  o.metrics = &metrics;
  return o;
}

inline PolicyContext WebContext() {
  return PolicyContext{.min_replicas = 1,
                       .max_replicas = 200,
                       .target_utilisation = 0.6,
                       .capacity_per_replica = 50,
                       .startup_delay = std::chrono::minutes(2)};
}

using Factory = PolicyResult (*)(const YAML::Node*, const YamlConfig&, const PolicyContext&);

// Builds a policy from YAML text as if read from `origin`.
inline PolicyResult FromYaml(Factory make, const std::string& text,
                             const std::string& origin = "policy.yaml") {
  auto root = LoadYamlText(text, origin);
  if (!root) return std::unexpected(root.error());
  return make(&*root, YamlConfig(origin), WebContext());
}

inline std::unique_ptr<Policy> MustBuild(Factory make, const std::string& text) {
  auto p = FromYaml(make, text);
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message());
  return p ? std::move(*p) : nullptr;
}

}  // namespace forescale::policy::internal
