// Assertions: the pass/fail questions a predictive-scaling test answers, written in a scenario as
// small expressions over the per-policy metrics, e.g.
//
//   predictive.slo_violation_minutes <= 0.5 * hpa.slo_violation_minutes
//   predictive.cost <= 1.05 * hpa.cost and predictive.cost_efficiency >= 0.85
//   predictive.scaling_response_time.p95 <= 30s
//   hpa.drop_fraction < 0.1%
//
// Grammar ('and' binds tighter than 'or'; parentheses group arithmetic only):
//
//   assertion  := conjunction ('or' conjunction)*
//   conjunction:= comparison ('and' comparison)*
//   comparison := sum ('<' | '<=' | '>' | '>=' | '==' | '!=') sum
//   sum        := product (('+' | '-') product)*
//   product    := unary (('*' | '/') unary)*
//   unary      := '-' unary | primary
//   primary    := NUMBER [UNIT] | '(' sum ')' | POLICY '.' METRIC ('.' PART)*
//
//   NUMBER  123, 0.5, 1e-3.   UNIT directly after the number: '%' (x 0.01) or a duration unit
//           ms, s, m, h, d, w (converted to seconds: 30s = 30, 2m = 120, 1h30m = 5400), so
//           durations compare with the time metrics, which are in seconds.
//   POLICY  a policy label as the scenario spells it: starts with a letter or '_', then letters,
//           digits, '_' and '-'. A '-' inside a label belongs to the label ("predictive-q99");
//           since every reference has a '.', and metric names never contain '-', a binary minus
//           is never ambiguous: "a.cost-b-c.cost" is a.cost minus b-c.cost. To subtract, write
//           "x.cost - y.cost" or "x.cost-y.cost"; both work.
//   METRIC  letters, digits and '_', with optional '.PART's: "scaling_response_time.p95" is one
//           metric name, looked up whole.
//
// `and`/`or` are keywords only where no '.' follows, so a policy may be labelled "and".
// Comparisons use the means of the estimates. A side whose value is NaN (a metric the run could
// not produce, 0/0) makes the comparison fail with a message saying so, never pass.
//
// Thread safety: an Assertion is immutable after parsing; const use from many threads is fine.
//
//   auto a = ParseAssertion("predictive.cost <= 1.05 * hpa.cost");
//   if (!a) return std::unexpected(a.error().WithContext("assertion 3"));
//   if (auto ok = Validate(*a, {"hpa", "predictive"}, metric_names); !ok) ...;
//   Result<AssertionResult> r = Evaluate(*a, MetricsByPolicy(results.policies));
//   // r->message: "predictive.cost 41.20 <= 1.05 * hpa.cost 45.90 = 48.20: holds"
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "testkit/results.h"

namespace forescale::testkit {

namespace internal {
struct AssertionNode;
}  // namespace internal

// policy label -> metric name -> estimate over repetitions.
using MetricTable = std::map<std::string, std::map<std::string, Estimate>>;

// One (policy, metric) an assertion refers to.
struct MetricRef {
  std::string policy;
  std::string metric;
  bool operator==(const MetricRef&) const = default;
};

class Assertion {
 public:
  const std::string& text() const { return text_; }
  // Every reference, in the order written (repeats included).
  const std::vector<MetricRef>& references() const { return references_; }

 private:
  friend Result<Assertion> ParseAssertion(std::string_view text);
  friend Result<AssertionResult> Evaluate(const Assertion& assertion, const MetricTable& metrics);
  std::string text_;
  std::vector<MetricRef> references_;
  std::shared_ptr<const internal::AssertionNode> root_;
};

// Parses one expression. Errors name the 1-based column, what was expected and after what, and
// quote the expression: `col 26: expected a number, a duration or POLICY.METRIC after '*' in
// "predictive.cost <= 1.05 *"`. The caller adds which assertion it was (Error::WithContext).
Result<Assertion> ParseAssertion(std::string_view text);

// Checks, before a run, that every policy and metric the assertion names exists. The error
// names the unknown one and lists the known ones: `unknown policy "hpa2" (known: hpa,
// predictive, oracle)`.
Result<void> Validate(const Assertion& assertion, const std::vector<std::string>& policies,
                      const std::vector<std::string>& metrics);

// Evaluates against the means. A policy or metric missing from `metrics` is an error (as in
// Validate); a NaN value gives a failed result whose message says the metric was not available.
// The result's message shows every referenced value and each side's value:
//   "predictive.cost 41.20 <= 1.05 * hpa.cost 45.90 = 48.20: holds"
Result<AssertionResult> Evaluate(const Assertion& assertion, const MetricTable& metrics);

// The table Evaluate reads, from the runner's results (label -> PolicyResult::metrics).
MetricTable MetricsByPolicy(const std::vector<PolicyResult>& policies);

}  // namespace forescale::testkit
