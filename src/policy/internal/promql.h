// Which simulated metric a PromQL query measures, for KEDA prometheus triggers: the simulator
// has no Prometheus, so a trigger's query must be read as one of the service's own metrics.
//
// Recognised shapes (whitespace and label matchers on the service's identity are free;
// `sum` without grouping may wrap any of them):
//   rate|irate(<counter>[R])        requests_per_second for request counters (*request*, or the
//                                   _count of a duration histogram/summary); drop_rate for
//                                   *dropped*/*rejected*/*shed* counters
//   increase(<counter>[R])          the same, times R in seconds (scale)
//   <ns>:<counter>:rate5m           a recording rule holding such a rate
//   histogram_quantile(0.95, sum(rate(<*duration|latency*>_bucket[R])) by (le))
//                                   latency_p95 (seconds; x1000 for *_milliseconds_bucket)
//   <gauge>                         in_flight for *in_flight*/*inflight*/*in_progress*/*concurrent*
// Anything else — another quantile, a matcher that selects a subset of requests (status code,
// method, route), arithmetic, per-pod averages — is not recognised: the caller asks the user to
// state the metric (see keda.h). Pure function; thread-safe.
//
//   auto m = RecognisePromQuery("sum(rate(http_requests_total{deployment=\"web\"}[2m]))");
//   // m->metric == Metric::kRequestRate, m->window == 2 min, m->scale == 1
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "policy/observation.h"

namespace forescale::policy::internal {

struct PromMetric {
  Metric metric = Metric::kRequestRate;
  // The query's value per unit of `metric`: 120 for increase(...[2m]), 1000 for milliseconds.
  double scale = 1.0;
  // The range the query averages over (the R of rate(...[R])); nullopt for a gauge.
  std::optional<Duration> window;
};

std::optional<PromMetric> RecognisePromQuery(std::string_view query);

// The first range selector's duration ("[2m]") in a query, whatever its shape; nullopt when the
// query has none or does not parse. For queries whose metric the user states explicitly.
std::optional<Duration> PromQueryWindow(std::string_view query);

}  // namespace forescale::policy::internal
