// For tests of the report writers only: a ScenarioResults from a short, real simulation of a
// 5x load ramp, scaled by a late reactive policy ("hpa"), by one that scales ahead of a forecast
// ("predictive", which records its forecast and upper quantile), and by a perfect-foresight
// "oracle". Header-only so that the unit tests and tests/report_browser_test.cc share it.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "sim/simulator.h"
#include "testkit/results.h"
#include "testkit/scaling_metrics.h"

namespace forescale::testkit::testing {

class FunctionPolicy final : public policy::Policy {
 public:
  using Fn = std::function<policy::Decision(const policy::Observation&)>;
  FunctionPolicy(std::string kind, Fn fn) : kind_(std::move(kind)), fn_(std::move(fn)) {}
  std::string_view kind() const override { return kind_; }
  Duration interval() const override { return std::chrono::seconds(15); }
  policy::Decision Decide(const policy::Observation& o) override { return fn_(o); }

 private:
  std::string kind_;
  Fn fn_;
};

// 100 req/s, a ramp to 500 req/s over 20 minutes at 0:40, 20 minutes at the peak, back down.
inline Series RampProfile(Duration length = std::chrono::hours(2)) {
  Series s{.start = TimePoint{std::chrono::hours(24 * 365 * 54)}, .step = std::chrono::seconds(1)};
  const auto n = static_cast<size_t>(length / s.step);
  for (size_t i = 0; i < n; ++i) {
    const double m = static_cast<double>(i) / 60;
    double v = 100;
    if (m >= 40 && m < 60) v = 100 + 400 * (m - 40) / 20;
    else if (m >= 60 && m < 80) v = 500;
    else if (m >= 80 && m < 90) v = 500 - 400 * (m - 80) / 10;
    s.values.push_back(v);
  }
  return s;
}

inline Estimate One(double v) { return {.mean = v, .low = v, .high = v, .n = 1}; }

inline std::map<std::string, Estimate> MetricsOf(const ScalingSummary& s) {
  return {{"slo_violation_minutes", One(static_cast<double>(s.slo_violation_minutes))},
          {"minutes", One(static_cast<double>(s.minutes))},
          {"drop_fraction", One(s.drop_fraction)},
          {"dropped", One(s.dropped)},
          {"requests", One(s.requests)},
          {"latency_p95", One(s.latency_p95)},
          {"latency_p99", One(s.latency_p99)},
          {"scaling_response_time.mean", One(s.response_time_mean)},
          {"scaling_response_time.p95", One(s.response_time_p95)},
          {"scaling_response_time.max", One(s.response_time_max)},
          {"scaling_episodes", One(static_cast<double>(s.scaling_episodes))},
          {"utilisation", One(s.utilisation)},
          {"cost", One(s.cost)}};
}

// `hours` of simulated time; the test window is everything after the first 20 minutes.
inline ScenarioResults RampResults(Duration length = std::chrono::hours(2)) {
  const Series profile = RampProfile(length);
  sim::ServiceModel service;
  service.monitoring.noise = 0;
  service.resources.push_back({.name = "web", .capacity_rps = 50, .target_utilisation = 0.6,
                               .max_replicas = 15, .initial_replicas = 4});
  const double per_replica = 50 * 0.6;
  const auto demand_at = [profile](TimePoint t) {
    if (t < profile.start) return profile.values.front();
    const auto i = static_cast<size_t>((t - profile.start) / profile.step);
    return i < profile.size() ? profile.values[i] : profile.values.back();
  };
  struct Spec {
    std::string name, kind;
    FunctionPolicy::Fn fn;
  };
  const std::vector<Spec> specs = {
      {"hpa", "hpa",
       [=](const policy::Observation& o) {
         // Late and sized for 100 % CPU: it saturates on the way up.
         const double seen = demand_at(o.now - std::chrono::minutes(2));
         const int want = static_cast<int>(std::ceil(seen / 50));
         return policy::Decision{.desired_replicas = want,
                                 .reason = "cpu " + std::to_string(seen / per_replica) + " replicas' worth"};
       }},
      {"predictive", "predictive",
       [=](const policy::Observation& o) {
         const double expected = demand_at(o.now + std::chrono::minutes(2));
         const double high = 1.2 * std::max(demand_at(o.now), demand_at(o.now + std::chrono::minutes(3)));
         return policy::Decision{.desired_replicas = static_cast<int>(std::ceil(high / per_replica)),
                                 .reason = "forecast q90 <" + std::to_string(high) + "> & more",
                                 .expected_load = expected,
                                 .expected_load_high = high};
       }},
      {"oracle", "oracle",
       [=](const policy::Observation& o) {
         const double need = std::max(demand_at(o.now), demand_at(o.now + std::chrono::minutes(3)));
         return policy::Decision{.desired_replicas = static_cast<int>(std::ceil(need / per_replica)),
                                 .reason = "knows the future"};
       }},
  };
  ScenarioResults r;
  r.name = "ramp <5x> & \"friends\"";
  r.scenario_path = "examples/ramp.yaml";
  r.description = "A marketing campaign: 5x in 20 minutes.";
  r.test_from = profile.start + std::chrono::minutes(20);
  r.test_to = profile.end();
  r.slo_p95_latency = service.slo_p95_latency;
  r.max_drop_fraction = 0.001;
  r.seed = 7;
  r.seconds = 1.5;
  for (const Spec& spec : specs) {
    std::vector<std::unique_ptr<policy::Policy>> policies;
    policies.push_back(std::make_unique<FunctionPolicy>(spec.kind, spec.fn));
    auto t = sim::Simulate(profile, service, policies, {.seed = 7});
    if (!t) continue;
    PolicyResult p{.name = spec.name, .kind = spec.kind, .source = "kind"};
    p.runs.push_back(Summarise(*t, {.from = r.test_from, .to = r.test_to}));
    p.metrics = MetricsOf(p.runs.back());
    p.timeline = std::move(*t);
    // Stand in for the runner's fields the summary does not have.
    p.timeline.resources[0].max_replicas = 15;
    p.metrics["scaling_actions"] = One(static_cast<double>(p.timeline.decisions.size()));
    r.policies.push_back(std::move(p));
  }
  for (auto& p : r.policies) {
    const double oracle_cost = r.policies.back().metrics["cost"].mean;
    p.metrics["cost_efficiency"] = One(oracle_cost / p.metrics["cost"].mean);
  }
  r.policies[1].metrics["forecast_mape"] = One(0.083);
  r.assertions.push_back({.expression = "predictive.cost <= 1.05 * hpa.cost", .passed = true,
                          .message = "predictive.cost 1 <= 1.05 * hpa.cost 2 = 2.10: holds"});
  r.assertions.push_back({.expression = "hpa.slo_violation_minutes < 1 & <b>x</b>",
                          .passed = false,
                          .message = "hpa.slo_violation_minutes 12 < 1: fails \x01 \xff"});
  r.notes.push_back("the oracle's forecast is the demand itself <no leakage>");
  return r;
}

}  // namespace forescale::testkit::testing
