#include "app/workload_hints.h"

#include <fmt/format.h>

#include "policy/kubernetes.h"

namespace forescale::app {

Result<std::vector<std::string>> ApplyWorkloadHints(const std::string& policy_file,
                                                    sim::ResourceModel& resource) {
  auto hints = policy::ReadWorkloadHints(policy_file);
  if (!hints) return std::unexpected(hints.error());
  std::vector<std::string> notes;
  if (hints->source.empty()) return notes;
  if (hints->replicas) {
    if (resource.initial_replicas == 0) {
      resource.initial_replicas = *hints->replicas;
      notes.push_back(fmt::format("{}: starts with its spec.replicas, {}", hints->source, *hints->replicas));
    } else {
      notes.push_back(fmt::format("{}: spec.replicas {} ignored: the service model starts with {}", hints->source,
                                  *hints->replicas, resource.initial_replicas));
    }
  }
  if (hints->readiness_delay) {
    if (*hints->readiness_delay > resource.startup_delay) {
      notes.push_back(fmt::format("{}: start-up delay raised from {} to the readiness probe's {}", hints->source,
                                  FormatDuration(resource.startup_delay), FormatDuration(*hints->readiness_delay)));
      resource.startup_delay = *hints->readiness_delay;
    } else {
      notes.push_back(fmt::format("{}: readiness probe passes after {}; the service model's start-up delay {} "
                                  "(which also counts scheduling and boot) is kept",
                                  hints->source, FormatDuration(*hints->readiness_delay),
                                  FormatDuration(resource.startup_delay)));
    }
  }
  if (hints->cpu_request_cores) {
    notes.push_back(fmt::format("{}: {:g} CPU requested per pod; utilisation targets are read against it",
                                hints->source, *hints->cpu_request_cores));
  }
  return notes;
}

}  // namespace forescale::app
