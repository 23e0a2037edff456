#include "policy/oracle.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "policy/internal/factories.h"

namespace forescale::policy {

OraclePolicy::OraclePolicy(const Series& future_demand, OracleOptions options)
    : demand_(future_demand), options_(options) {}

Decision OraclePolicy::Decide(const Observation& observation) {
  const TimePoint until = observation.now + options_.startup_delay + options_.interval;
  const int64_t step = demand_.step.count();
  const int64_t first = std::max<int64_t>(0, (observation.now - demand_.start).count() / step);
  const int64_t last = std::min<int64_t>(static_cast<int64_t>(demand_.size()) - 1,
                                         ((until - demand_.start).count() - 1) / step);
  double peak = 0;
  for (int64_t i = first; i <= last; ++i) {
    const double v = demand_.values[static_cast<size_t>(i)];
    if (v > peak) peak = v;  // NaN compares false: missing counts as no demand
  }
  const double per_replica = observation.capacity_per_replica * options_.target_utilisation;
  const int need = per_replica > 0 ? static_cast<int>(std::ceil(peak / per_replica - 1e-9)) : 0;
  const int desired = std::clamp(need, observation.min_replicas, observation.max_replicas);
  return {.desired_replicas = desired,
          .reason = fmt::format("peak {:.1f} rps in the next {}s needs {} at {:.0f}%", peak,
                                std::chrono::duration_cast<std::chrono::seconds>(
                                    until - observation.now).count(),
                                need, options_.target_utilisation * 100),
          .expected_load = peak};
}

namespace internal {

PolicyResult MakeOracle(const YAML::Node* config, const YamlConfig& reader,
                        const PolicyContext& context) {
  if (!context.future_demand) {
    return Fail(ErrorCode::kInvalidArgument,
                reader.origin() + ": the oracle needs the future demand, so it only runs in a "
                                  "simulation");
  }
  OracleOptions options{.target_utilisation = context.target_utilisation,
                        .startup_delay = context.startup_delay_p95};
  if (config) {
    if (auto ok = reader.Keys(*config, "", {"kind", "interval", "target_utilisation"}); !ok) {
      return std::unexpected(ok.error());
    }
    auto interval = reader.Time(*config, "", "interval", options.interval);
    if (!interval) return std::unexpected(interval.error());
    if (interval->count() <= 0) return reader.Bad((*config)["interval"], "interval", "must be > 0");
    auto target = reader.Fraction(*config, "", "target_utilisation", options.target_utilisation);
    if (!target) return std::unexpected(target.error());
    if (*target > 1) return reader.Bad((*config)["target_utilisation"], "target_utilisation", "must be at most 100%");
    options.interval = *interval;
    options.target_utilisation = *target;
  }
  return std::make_unique<OraclePolicy>(*context.future_demand, options);
}

}  // namespace internal
}  // namespace forescale::policy
