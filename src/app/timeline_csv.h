// The per-step timeline of one simulated or live run as CSV: what `simulate --out` and
// `test --timelines` write. Columns: time, demand, served, dropped, replicas_desired,
// replicas_ready, replicas_running, utilisation (served over the ready replicas' capacity at the
// target), cpu, p95_latency_ms, cost (cumulative); then `<name>_desired,<name>_ready,<name>_cpu`
// for every further resource. Written to PATH.tmp and renamed: never half a file.
#pragma once

#include <string>

#include "core/error.h"
#include "sim/simulator.h"

namespace forescale::app {

Result<void> WriteTimelineCsv(const sim::Timeline& timeline, const std::string& path);

// Every decision that changed a resource's desired count, with the policy's reason:
// time,resource,from,to,reason (quoted). Written the same way: whole or not at all.
Result<void> WriteDecisionsCsv(const sim::Timeline& timeline, const std::string& path);

}  // namespace forescale::app
