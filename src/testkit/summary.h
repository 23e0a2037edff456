// The at-a-glance summary every report leads with: a one-sentence verdict comparing the
// predictive policy with the baseline, and the table of the headline metrics per policy.
// Shared by junit.xml (system-out), report.html and whoever prints to a terminal.
//
// Which policies the verdict compares: the candidate is the first policy whose kind (or, failing
// that, label) contains "predictive"; the baseline is the first of kind "hpa", else the first
// other policy that is not the oracle. Every number comes from ScenarioResults.
//
//   fmt::print("{}\n\n{}", Headline(results).text, SummaryTable(results));
#pragma once

#include <string>
#include <vector>

#include "testkit/results.h"

namespace forescale::testkit {

struct Verdict {
  enum class Tone { kGood, kMixed, kBad, kNeutral };
  // "predictive beat hpa: 4 SLO-violation minutes vs 31, at 0.97x its cost." or, honestly,
  // "predictive did not beat hpa here: 12 SLO-violation minutes vs 5, at 1.10x its cost."
  std::string text;
  Tone tone = Tone::kNeutral;
  std::string candidate, baseline;  // labels; empty when there was nothing to compare
};

Verdict Headline(const ScenarioResults& results);

// A column of the summary table: a metric of PolicyResult::metrics and which way is better.
struct SummaryColumn {
  std::string metric;
  std::string header;
  enum class Better { kLower, kHigher, kNearOne, kNone } better = Better::kLower;
};

// The columns of the metrics at least one policy has, in reading order: SLO first, then
// responsiveness, efficiency and churn.
std::vector<SummaryColumn> SummaryColumns(const ScenarioResults& results);

// Index of the policy with the best value of `column`, the oracle left out (it is the
// reference, not a contender); -1 when none has a value or no direction is better.
int BestPolicy(const ScenarioResults& results, const SummaryColumn& column);

// Fixed-width text table, one row per policy; with repetitions > 1 each cell is
// "mean [low, high]". Ends with a newline.
std::string SummaryTable(const ScenarioResults& results);

// How to read the response columns when a policy sizes above the service's target on purpose
// (predictive); empty when none does.
std::string ResponseColumnsNote(const ScenarioResults& results);

}  // namespace forescale::testkit
