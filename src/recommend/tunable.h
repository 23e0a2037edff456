// A scaling policy file as its user wrote it, and the knobs `recommend` may turn in it.
//
// Formats: a Kubernetes HorizontalPodAutoscaler (autoscaling/v2 or v1, alone or in a
// multi-document file beside its Deployment), a KEDA ScaledObject, AWS Auto Scaling CLI input
// JSON (a put-scaling-policy input, or an array of CLI inputs), and forescale's own `kind: hpa`,
// `target-tracking` and `predictive` files. The knobs are the policy's own settings that decide
// how much capacity it keeps and how fast it moves:
//   HPA / KEDA     target (cpu utilisation, or the per-pod value of a Pods/External/Prometheus
//                  metric), scale-down stabilisation window, scale-up and scale-down rates
//                  (when the file sets a Percent policy), minimum replicas
//   AWS            TargetValue of target tracking and predictive scaling, instance warm-up,
//                  predictive SchedulingBufferTime, step scaling alarm thresholds
//   predictive     quantile, lead (forecast horizon), target utilisation
// Each knob has a range and a resolution in the file's own units, chosen around the service
// (capacity, replica bounds) where the unit is relative.
//
// Render() writes the whole file again with new knob values and nothing else changed (other
// documents, fields and order are kept; YAML comments are not). Document() gives the policy
// document alone, for the simulator.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"

namespace forescale::recommend {

struct Knob {
  std::string name;   // what it is, e.g. "target cpu utilisation"
  std::string field;  // where, e.g. "spec.metrics[0].resource.target.averageUtilization"
  double lo = 0, hi = 0, step = 1;  // range and resolution
  double current = 0;               // the file's value (or the default it leaves implicit)
  std::string unit;                 // "%", "s", "replicas", "rps", ""
  int Levels() const;               // grid points from lo to hi at `step`
  double ValueAt(int level) const;
  int LevelOf(double value) const;  // nearest
};

// What the knob ranges are relative to.
struct KnobLimits {
  double capacity_per_replica = 0;  // requests/s at 100 % CPU
  int max_replicas = 1;             // the service's upper bound
  int min_replicas_hi = 1;          // the highest minimum worth trying
  double startup_delay_s = 120;
};

class TunableConfig {
 public:
  // Reads the file and finds its knobs; errors name the file and what is wrong.
  static Result<TunableConfig> Read(const std::string& path, const KnobLimits& limits);

  const std::string& path() const { return path_; }
  const std::string& format() const { return format_; }  // e.g. "HorizontalPodAutoscaler autoscaling/v2"
  const std::vector<Knob>& knobs() const { return knobs_; }
  std::vector<double> Current() const;

  // The policy document with the knobs at `values` (a mapping for LoadPolicy(node, ...)).
  YAML::Node Document(const std::vector<double>& values) const;
  // The whole file with the knobs at `values`, in its own format.
  std::string Render(const std::vector<double>& values) const;
  // The file name extension to write it with (".yaml", ".json").
  std::string Extension() const { return json_ ? ".json" : ".yaml"; }

  struct Edit;  // one knob's place in the file (tunable.cc)

 private:
  std::string path_, format_;
  bool json_ = false;
  std::vector<YAML::Node> documents_;  // YAML formats
  size_t policy_document_ = 0;
  nlohmann::json json_doc_;            // AWS
  std::vector<Knob> knobs_;
  std::vector<std::shared_ptr<const Edit>> edits_;
};

}  // namespace forescale::recommend
