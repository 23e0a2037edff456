// report.html: the predictive-scaling test as one self-contained page an SRE who has never seen
// forescale can read at a glance. Nothing is loaded from the network or from other files: the
// charts are inline SVG drawn here, styles are inline, and a few lines of inline JavaScript show
// the values under the mouse (the page reads fine without it).
//
// Reading order: the verdict (the predictive policy against the baseline, said honestly either
// way), the summary table (one row per policy; 95 % intervals with repetitions > 1; the best
// value of each column highlighted, the oracle left out as the reference), the assertions, the
// notes, then the charts over the test window: all policies overlaid (ready capacity vs demand,
// ready replicas), and per policy and resource (a) demand vs forecast (mean and upper-quantile
// band) vs ready capacity at target, with alert markers where the upper forecast exceeded the
// maximum capacity (ResourceTimeline::max_replicas x capacity_rps x target; no alerts when the
// maximum is unknown), (b) desired/ready/running replicas with every scaling action marked (its
// reason on hover), (c) CPU utilisation vs the target, (d) end-to-end p95 latency vs the SLO
// with the SLO-violation time shaded. Long timelines are cut to <= 1500 points per series with
// min/max-preserving buckets (internal/svg_chart.h). Laid out for a 1280 px wide light page.
//
// The write is atomic (PATH.tmp, then rename). Thread-compatible: no shared state.
//
//   if (auto ok = WriteReportHtml(results, out_dir + "/report.html"); !ok) return ok;
#pragma once

#include <string>

#include "core/error.h"
#include "testkit/results.h"

namespace forescale::testkit {

std::string ReportHtml(const ScenarioResults& results);
Result<void> WriteReportHtml(const ScenarioResults& results, const std::string& path);

}  // namespace forescale::testkit
