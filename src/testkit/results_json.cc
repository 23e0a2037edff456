#include "testkit/results_json.h"

#include <algorithm>
#include <cmath>

#include "core/output_file.h"
#include "core/time.h"
#include "testkit/internal/report_io.h"
#include "testkit/summary.h"

namespace forescale::testkit {
namespace {

using nlohmann::json;

// NaN and infinities are not JSON numbers; null says "not measured".
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json Text(const std::string& s) { return internal::ValidUtf8(s); }

json SummaryJson(const ScalingSummary& s) {
  json j = {
      {"duration_hours", Number(s.duration_hours)},
      {"requests", Number(s.requests)},
      {"dropped", Number(s.dropped)},
      {"drop_fraction", Number(s.drop_fraction)},
      {"minutes", s.minutes},
      {"slo_violation_minutes", s.slo_violation_minutes},
      {"latency_p95_seconds", Number(s.latency_p95)},
      {"latency_p99_seconds", Number(s.latency_p99)},
      {"scaling_episodes", s.scaling_episodes},
      {"response_time_mean_seconds", Number(s.response_time_mean)},
      {"response_time_p95_seconds", Number(s.response_time_p95)},
      {"response_time_max_seconds", Number(s.response_time_max)},
      {"under_provisioned_seconds", Number(s.under_provisioned_seconds)},
      {"utilisation", Number(s.utilisation)},
      {"cost", Number(s.cost)},
      {"resources", json::array()},
  };
  for (const auto& r : s.resources) {
    j["resources"].push_back({{"name", Text(r.name)},
                              {"policy", Text(r.policy)},
                              {"cost", Number(r.cost)},
                              {"replica_hours", Number(r.replica_hours)},
                              {"mean_ready", Number(r.mean_ready)},
                              {"max_replicas", r.max_replicas},
                              {"utilisation", Number(r.utilisation)},
                              {"cpu_utilisation", Number(r.cpu_utilisation)},
                              {"scale_ups", r.scale_ups},
                              {"scale_downs", r.scale_downs}});
  }
  return j;
}

const char* ToneName(Verdict::Tone t) {
  switch (t) {
    case Verdict::Tone::kGood: return "good";
    case Verdict::Tone::kMixed: return "mixed";
    case Verdict::Tone::kBad: return "bad";
    case Verdict::Tone::kNeutral: return "neutral";
  }
  return "neutral";
}

}  // namespace

json ResultsJson(const ScenarioResults& r) {
  const Verdict verdict = Headline(r);
  const bool passed = std::all_of(r.assertions.begin(), r.assertions.end(),
                                  [](const AssertionResult& a) { return a.passed; });
  json j = {
      {"schema", "forescale-results/1"},
      {"scenario",
       {{"name", Text(r.name)},
        {"path", Text(r.scenario_path)},
        {"description", Text(r.description)},
        {"seed", r.seed},
        {"repetitions", r.repetitions}}},
      {"window",
       {{"from", FormatRfc3339(r.test_from)},
        {"to", FormatRfc3339(r.test_to)},
        {"hours", std::chrono::duration<double, std::ratio<3600>>(r.test_to - r.test_from).count()}}},
      {"slo",
       {{"p95_latency_seconds", std::chrono::duration<double>(r.slo_p95_latency).count()},
        {"max_drop_fraction", Number(r.max_drop_fraction)}}},
      {"verdict",
       {{"text", Text(verdict.text)},
        {"tone", ToneName(verdict.tone)},
        {"candidate", Text(verdict.candidate)},
        {"baseline", Text(verdict.baseline)}}},
      {"passed", passed},
      {"policies", json::array()},
      {"assertions", json::array()},
      {"notes", json::array()},
      {"seconds", Number(r.seconds)},
  };
  for (const auto& p : r.policies) {
    json metrics = json::object();
    for (const auto& [name, e] : p.metrics) {
      metrics[internal::ValidUtf8(name)] = {{"mean", Number(e.mean)},
                                            {"low", Number(e.low)},
                                            {"high", Number(e.high)},
                                            {"n", e.n}};
    }
    json runs = json::array();
    for (const auto& s : p.runs) runs.push_back(SummaryJson(s));
    // Scaling actions of the first repetition inside the scored window (warm-up left out).
    size_t actions = 0;
    for (const auto& d : p.timeline.decisions) {
      actions += d.time >= r.test_from && d.time < r.test_to ? 1 : 0;
    }
    j["policies"].push_back({{"name", Text(p.name)},
                             {"kind", Text(p.kind)},
                             {"source", Text(p.source)},
                             {"metrics", std::move(metrics)},
                             {"runs", std::move(runs)},
                             {"scaling_actions", actions},
                             {"timeline",
                              {{"start", FormatRfc3339(p.timeline.start)},
                               {"step_seconds",
                                std::chrono::duration<double>(p.timeline.step).count()},
                               {"steps", p.timeline.size()}}}});
  }
  for (const auto& a : r.assertions) {
    j["assertions"].push_back(
        {{"expression", Text(a.expression)}, {"passed", a.passed}, {"message", Text(a.message)}});
  }
  for (const auto& n : r.notes) j["notes"].push_back(Text(n));
  return j;
}

Result<void> WriteResultsJson(const ScenarioResults& results, const std::string& path) {
  // Every string went through ValidUtf8, so dump cannot throw on encoding.
  return WriteOutputFile(path, ResultsJson(results).dump(2) + "\n");
}

}  // namespace forescale::testkit
