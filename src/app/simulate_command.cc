#include "app/simulate_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/timeline_csv.h"
#include "app/workload_hints.h"
#include "policy/policy.h"
#include "sim/service_model.h"
#include "sim/simulator.h"
#include "testkit/scaling_metrics.h"

namespace forescale::app {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Which policy scales resource `index` named `name`: "name=spec" wins over position.
Result<std::string> PolicyFor(const std::vector<std::string>& specs, size_t index,
                              const std::string& name, size_t resources) {
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq != std::string::npos && spec.substr(0, eq) == name) return spec.substr(eq + 1);
  }
  std::vector<std::string> positional;
  for (const std::string& spec : specs) {
    if (spec.find('=') == std::string::npos) positional.push_back(spec);
  }
  if (index < positional.size()) return positional[index];
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("no --policy for resource '{}': the service has {} resources; give one "
                          "--policy per resource, in order, or as RESOURCE=POLICY",
                          name, resources));
}

std::string Thousands(double v) {
  std::string digits = fmt::format("{:.0f}", v);
  std::string out;
  const size_t start = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

nlohmann::json SummaryJson(const testkit::ScalingSummary& s) {
  nlohmann::json j = {
      {"duration_hours", s.duration_hours},
      {"requests", s.requests},
      {"dropped", s.dropped},
      {"drop_fraction", s.drop_fraction},
      {"minutes", s.minutes},
      {"slo_violation_minutes", s.slo_violation_minutes},
      {"latency_p95_seconds", s.latency_p95},
      {"latency_p99_seconds", s.latency_p99},
      {"scaling_episodes", s.scaling_episodes},
      {"response_time_mean_seconds", s.response_time_mean},
      {"response_time_p95_seconds", s.response_time_p95},
      {"response_time_max_seconds", s.response_time_max},
      {"under_provisioned_seconds", s.under_provisioned_seconds},
      {"utilisation", s.utilisation},
      {"cost", s.cost},
  };
  for (const auto& r : s.resources) {
    j["resources"].push_back({{"name", r.name},
                              {"policy", r.policy},
                              {"cost", r.cost},
                              {"replica_hours", r.replica_hours},
                              {"mean_ready", r.mean_ready},
                              {"max_replicas", r.max_replicas},
                              {"utilisation", r.utilisation},
                              {"cpu_utilisation", r.cpu_utilisation},
                              {"scale_ups", r.scale_ups},
                              {"scale_downs", r.scale_downs}});
  }
  return j;
}

}  // namespace

Result<void> SimulateCommand(const SimulateOptions& options) {
  const auto started = Clock::now();
  auto profile = LoadSeries(options.profile);
  if (!profile) return std::unexpected(profile.error());
  if (options.per_step_counts) {
    const double seconds = std::chrono::duration<double>(profile->step).count();
    for (double& v : profile->values) v /= seconds;
  }
  const double load_seconds = SecondsSince(started);
  auto service = sim::LoadServiceModel(options.service_path);
  if (!service) return std::unexpected(service.error());
  auto step = ParseDuration(options.step);
  if (!step || step->count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "--step: expected a positive duration such as 1s");
  }
  Duration warm_up{0};
  if (!options.warm_up.empty()) {
    auto w = ParseDuration(options.warm_up);
    if (!w) return Fail(ErrorCode::kInvalidArgument, "--warm-up: " + w.error().message());
    warm_up = *w;
    if (warm_up >= profile->end() - profile->start) {
      return Fail(ErrorCode::kInvalidArgument, "--warm-up is as long as the whole profile");
    }
  }

  // The oracle of resource k sees the demand that reaches it.
  std::vector<Series> demand_at;
  demand_at.reserve(service->resources.size());
  double factor = 1;
  std::vector<std::unique_ptr<policy::Policy>> policies;
  // Every --policy must scale something: one too many, or one for a resource the service does
  // not have, was ignored without a word (--policy hpa --policy oracle ran hpa alone).
  std::string names;
  for (const auto& r : service->resources) names += (names.empty() ? "" : ", ") + r.name;
  for (const std::string& spec : options.policies) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = spec.substr(0, eq);
    if (std::none_of(service->resources.begin(), service->resources.end(),
                     [&](const auto& r) { return r.name == name; })) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("--policy {}: the service has no resource '{}' (resources: {})", spec,
                              name, names));
    }
  }
  if (options.policies.size() > service->resources.size()) {
    return Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("{} --policy given for a service of {} resource{} ({}): one per resource",
                    options.policies.size(), service->resources.size(),
                    service->resources.size() == 1 ? "" : "s", names));
  }
  for (size_t r = 0; r < service->resources.size(); ++r) {
    auto spec = PolicyFor(options.policies, r, service->resources[r].name, service->resources.size());
    if (!spec) return std::unexpected(spec.error());
    // A Kubernetes policy file's Deployment tells the replicas and readiness it starts with.
    auto hints = ApplyWorkloadHints(*spec, service->resources[r]);
    if (!hints) return std::unexpected(hints.error());
    for (const std::string& note : *hints) fmt::print(stderr, "note: {}\n", note);
    const sim::ResourceModel& model = service->resources[r];
    factor *= model.demand_per_request;
    Series demand = *profile;
    for (double& v : demand.values) v *= factor;
    demand_at.push_back(std::move(demand));
    auto policy = policy::LoadPolicy(*spec, sim::ContextFor(model, &demand_at.back(), options.seed + r));
    if (!policy) return std::unexpected(policy.error());
    policies.push_back(std::move(*policy));
  }

  const auto sim_started = Clock::now();
  auto timeline = sim::Simulate(*profile, *service, policies, {.step = *step, .seed = options.seed});
  if (!timeline) return std::unexpected(timeline.error());
  const double sim_seconds = SecondsSince(sim_started);
  const testkit::ScalingSummary s =
      testkit::Summarise(*timeline, {.from = timeline->start + warm_up});
  if (!options.out.empty()) {
    if (auto written = WriteTimelineCsv(*timeline, options.out); !written) return written;
  }
  if (!options.decisions.empty()) {
    if (auto written = WriteDecisionsCsv(*timeline, options.decisions); !written) return written;
  }

  if (options.format == "json") {
    nlohmann::json j = SummaryJson(s);
    j["service"] = service->name;
    j["steps"] = timeline->size();
    j["step_seconds"] = std::chrono::duration<double>(*step).count();
    j["warm_up_seconds"] = std::chrono::duration<double>(warm_up).count();
    j["decisions"] = timeline->decision_count;
    j["scaling_actions"] = timeline->decisions.size();
    j["seconds"] = SecondsSince(started);
    j["notes"] = timeline->notes;
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  if (options.format == "csv") {
    fmt::print("policy,slo_violation_minutes,minutes,drop_fraction,latency_p95_s,episodes,"
               "response_mean_s,response_p95_s,utilisation,cost\n");
    // Not available (nothing served, no capacity ready): an empty field.
    auto field = [](double v) { return std::isnan(v) ? std::string() : fmt::format("{:.4g}", v); };
    fmt::print("{},{},{},{:.6g},{},{},{:.4g},{:.4g},{},{:.6g}\n", s.resources[0].policy,
               s.slo_violation_minutes, s.minutes, s.drop_fraction, field(s.latency_p95),
               s.scaling_episodes, s.response_time_mean, s.response_time_p95, field(s.utilisation),
               s.cost);
    return {};
  }
  double peak = 0, sum = 0;
  for (float v : timeline->demand) {
    peak = std::max(peak, static_cast<double>(v));
    sum += v;
  }
  fmt::print("simulated  {} at {} step: {} steps in {:.2f} s (profile read in {:.2f} s)\n",
             FormatDuration(timeline->step * static_cast<int64_t>(timeline->size())),
             FormatDuration(*step), Thousands(static_cast<double>(timeline->size())), sim_seconds,
             load_seconds);
  if (warm_up.count() > 0) fmt::print("scored     after a warm-up of {}\n", FormatDuration(warm_up));
  fmt::print("service    {} ({}), SLO p95 latency {}\n", service->name, options.service_path,
             FormatDuration(service->slo_p95_latency));
  for (const auto& r : s.resources) {
    fmt::print("policy     {}: {} ({} scale-ups, {} scale-downs)\n", r.name, r.policy, r.scale_ups,
               r.scale_downs);
  }
  fmt::print("demand     mean {:.1f} rps, peak {:.1f} rps, {} requests\n",
             sum / static_cast<double>(timeline->size()), peak, Thousands(s.requests));
  fmt::print("SLO        {} violation minutes of {} ({:.2f} %); dropped {:.4f} %; p95 latency {}\n",
             s.slo_violation_minutes, s.minutes,
             s.minutes ? 100.0 * static_cast<double>(s.slo_violation_minutes) /
                             static_cast<double>(s.minutes)
                       : 0.0,
             100 * s.drop_fraction,
             std::isnan(s.latency_p95) ? std::string("n/a (no request served)")
                                       : fmt::format("{:.0f} ms", s.latency_p95 * 1000));
  fmt::print("scaling    {} under-provisioned episodes; response time mean {:.0f} s, p95 {:.0f} s, max {:.0f} s\n",
             s.scaling_episodes, s.response_time_mean, s.response_time_p95, s.response_time_max);
  for (const auto& r : s.resources) {
    if (std::isnan(r.utilisation)) {
      fmt::print("capacity   {}: no replica was ready (utilisation n/a), max {}\n", r.name,
                 r.max_replicas);
      continue;
    }
    fmt::print("capacity   {}: utilisation {:.2f} of capacity at target (CPU {:.0f} %), mean {:.1f} ready replicas, max {}\n",
               r.name, r.utilisation, r.cpu_utilisation * 100, r.mean_ready, r.max_replicas);
  }
  fmt::print("cost       {:.2f} ({} replica-hours)\n", s.cost,
             Thousands(std::round([&] {
               double h = 0;
               for (const auto& r : s.resources) h += r.replica_hours;
               return h;
             }())));
  for (const std::string& note : timeline->notes) fmt::print("note       {}\n", note);
  if (!options.out.empty()) fmt::print("timeline   {}\n", options.out);
  if (!options.decisions.empty()) fmt::print("decisions  {}\n", options.decisions);
  return {};
}

std::function<std::optional<Result<void>>()> AddSimulateCommand(CLI::App& app) {
  auto options = std::make_shared<SimulateOptions>();
  auto values = std::make_shared<std::string>("rps");
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Replay a load profile against a simulated service under a scaling policy");
  cmd->add_option("--profile", options->profile.input,
                  "Load profile: CSV timestamp,rps (e.g. from generate profile) or any series file")
      ->required();
  cmd->add_option("--column", options->profile.column, "Which column of a multi-series CSV");
  cmd->add_option("--values", *values, "rps (requests/s) or count (requests per step)")
      ->check(CLI::IsMember({"rps", "count"}));
  cmd->add_option("--service", options->service_path, "Service model YAML (see examples/service.yaml)")
      ->required();
  cmd->add_option("--policy", options->policies,
                  "Policy kind (hpa, target-tracking, step, rule, scheduled, aws-predictive, "
                  "predictive, oracle) or policy YAML; one per resource, or RESOURCE=POLICY")
      ->required();
  cmd->add_option("--seed", options->seed, "Random seed (start-up delays, metric noise)");
  cmd->add_option("--step", options->step, "Simulation step");
  cmd->add_option("--warm-up", options->warm_up,
                  "Simulate but do not score this first part (e.g. 2d, so forecasts have history)");
  cmd->add_option("--format", options->format, "Summary format: text|json|csv")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("--out", options->out, "Write the per-step timeline CSV here");
  cmd->add_option("--decisions", options->decisions,
                  "Write every scaling decision (time, resource, from, to, the policy's reason) "
                  "as CSV here");
  return [cmd, options, values]() -> std::optional<Result<void>> {
    if (!cmd->parsed()) return std::nullopt;
    options->per_step_counts = *values == "count";
    return SimulateCommand(*options);
  };
}

}  // namespace forescale::app
