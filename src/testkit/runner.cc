#include "testkit/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "generate/profile.h"
#include "policy/policy.h"

namespace forescale::testkit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Two-sided 95 % Student t quantile (0.975 one-sided) for `dof` degrees of freedom: the table
// for 1..30, then the Cornish-Fisher expansion about the normal quantile (within 1e-4 there).
double TQuantile(size_t dof) {
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return 0;
  if (dof <= 30) return kT[dof - 1];
  const double z = 1.959963984540054, v = static_cast<double>(dof);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

// Mean absolute percentage error of the policy's forecasts against the demand that arrived at
// the time they were for, on one-minute means.
double ForecastMape(const sim::Timeline& t, size_t begin, size_t end, Duration lead) {
  const sim::ResourceTimeline& front = t.resources[0];
  const size_t lead_steps = static_cast<size_t>(lead / t.step);
  const size_t per_minute = std::max<size_t>(1, static_cast<size_t>(std::chrono::minutes(1) / t.step));
  double sum = 0;
  size_t minutes = 0;
  for (size_t m = begin; m + per_minute <= end && m + per_minute + lead_steps <= t.size(); m += per_minute) {
    double f = 0, a = 0;
    size_t n = 0;
    for (size_t i = m; i < m + per_minute; ++i) {
      if (std::isnan(front.forecast[i])) continue;
      f += front.forecast[i];
      a += front.demand[i + lead_steps];
      ++n;
    }
    if (n == 0 || a / static_cast<double>(n) < 1.0) continue;
    sum += std::abs(f - a) / a;
    ++minutes;
  }
  return minutes ? sum / static_cast<double>(minutes) : kNaN;
}

std::map<std::string, double> RunMetrics(const ScalingSummary& s, const sim::Timeline& t,
                                         size_t begin, size_t end, Duration lead) {
  double replica_hours = 0;
  for (const auto& r : s.resources) replica_hours += r.replica_hours;
  return {
      {"slo_violation_minutes", static_cast<double>(s.slo_violation_minutes)},
      {"minutes", static_cast<double>(s.minutes)},
      {"drop_fraction", s.drop_fraction},
      {"dropped", s.dropped},
      {"requests", s.requests},
      {"latency_p95", s.latency_p95},
      {"latency_p99", s.latency_p99},
      {"scaling_response_time.mean", s.response_time_mean},
      {"scaling_response_time.p95", s.response_time_p95},
      {"scaling_response_time.max", s.response_time_max},
      {"scaling_episodes", static_cast<double>(s.scaling_episodes)},
      {"rises_met_in_advance",
       s.rises ? static_cast<double>(s.rises_met_in_advance) / static_cast<double>(s.rises) : kNaN},
      {"utilisation", s.utilisation},
      {"cpu_utilisation", s.resources.empty() ? kNaN : s.resources[0].cpu_utilisation},
      {"cost", s.cost},
      {"replica_hours", replica_hours},
      {"scaling_actions", static_cast<double>(s.scaling_actions)},
      {"flaps", static_cast<double>(s.flaps)},
      {"worst_shortfall", s.worst_shortfall},
      {"mean_ready", s.resources.empty() ? kNaN : s.resources[0].mean_ready},
      {"max_replicas", s.resources.empty() ? kNaN : s.resources[0].max_replicas},
      {"forecast_mape", ForecastMape(t, begin, end, lead)},
  };
}

struct Job {
  size_t policy = 0;
  size_t repetition = 0;
};

}  // namespace

Estimate EstimateOf(const std::vector<double>& values) {
  Estimate e;
  std::vector<double> present;
  for (double v : values) {
    if (!std::isnan(v)) present.push_back(v);
  }
  e.n = present.size();
  if (present.empty()) {
    e.mean = e.low = e.high = kNaN;
    return e;
  }
  double sum = 0;
  for (double v : present) sum += v;
  e.mean = sum / static_cast<double>(e.n);
  double ss = 0;
  for (double v : present) ss += (v - e.mean) * (v - e.mean);
  const double half = e.n > 1 ? TQuantile(e.n - 1) * std::sqrt(ss / static_cast<double>(e.n - 1)) /
                                    std::sqrt(static_cast<double>(e.n))
                              : 0;
  e.low = e.mean - half;
  e.high = e.mean + half;
  return e;
}

Result<Series> PrepareLoad(const Scenario& scenario, Series load) {
  if (load.empty()) return Fail(ErrorCode::kInvalidArgument, scenario.path + ": load: the load is empty");
  const LoadSource& src = scenario.load;
  if (src.from || src.to) {
    const TimePoint from = std::max(src.from.value_or(load.start), load.start);
    const TimePoint to = std::min(src.to.value_or(load.end()), load.end());
    if (from >= to) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{}: load: from/to ({} .. {}) select nothing of the load, which covers {} .. {}",
                              scenario.path, src.from ? FormatRfc3339(*src.from) : "start",
                              src.to ? FormatRfc3339(*src.to) : "end", FormatRfc3339(load.start),
                              FormatRfc3339(load.end())));
    }
    const size_t first = static_cast<size_t>((from - load.start + load.step - Duration{1}) / load.step);
    const size_t last = static_cast<size_t>((to - load.start) / load.step);
    load = load.Slice(first, last);
    if (load.empty()) return Fail(ErrorCode::kInvalidArgument, scenario.path + ": load: from/to select no step");
  }
  if (src.scale || src.peak_rps || src.mean_rps) {
    double ref = 1;
    if (src.peak_rps || src.mean_rps) {
      double peak = 0, sum = 0;
      size_t n = 0;
      for (double v : load.values) {
        if (std::isnan(v)) continue;
        peak = std::max(peak, v);
        sum += v;
        ++n;
      }
      ref = src.peak_rps ? peak : (n ? sum / static_cast<double>(n) : 0);
      if (!(ref > 0)) {
        return Fail(ErrorCode::kInvalidArgument,
                    scenario.path + ": load: cannot rescale a load that is zero throughout");
      }
    }
    const double k = src.scale ? *src.scale : (src.peak_rps ? *src.peak_rps : *src.mean_rps) / ref;
    for (double& v : load.values) v *= k;
  }
  generate::OverlayEvents(scenario.events, load);
  return load;
}

Result<ScenarioResults> RunScenario(const Scenario& scenario, Series raw, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto prepared = PrepareLoad(scenario, std::move(raw));
  if (!prepared) return std::unexpected(prepared.error());
  const Series load = std::move(*prepared);
  const sim::ServiceModel& service = scenario.service;

  ScenarioResults results;
  results.name = scenario.name;
  results.scenario_path = scenario.path;
  results.description = scenario.description;
  results.slo_p95_latency = service.slo_p95_latency;
  results.max_drop_fraction = scenario.max_drop_fraction;
  results.repetitions = scenario.repetitions;
  results.seed = options.seed.value_or(scenario.seed);

  // The test window.
  const TimePoint begin_time = load.start, end_time = load.end();
  TimePoint from, to = scenario.test_to.value_or(end_time);
  if (scenario.test_last) {
    from = end_time - *scenario.test_last;
  } else if (scenario.test_from) {
    from = *scenario.test_from;
  } else {
    const Duration span = end_time - begin_time;
    from = span >= std::chrono::days(2) ? end_time - std::chrono::days(1) : begin_time + span / 2;
    results.notes.push_back(fmt::format("no window given: the test window is the last {} (the rest is warm-up)",
                                        FormatDuration(end_time - from)));
  }
  if (from < begin_time || to > end_time || from >= to) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}: window: the test window {} .. {} is not inside the load, which covers "
                            "{} .. {}",
                            scenario.path, FormatRfc3339(from), FormatRfc3339(to),
                            FormatRfc3339(begin_time), FormatRfc3339(end_time)));
  }
  if (from == begin_time) {
    results.notes.push_back("the test window starts with the load: forecasting policies have no "
                            "history to learn from and start reactive");
  }
  results.test_from = from;
  results.test_to = to;
  if (size_t missing = load.MissingCount()) {
    results.notes.push_back(fmt::format("{} steps of the load are missing and replay as no demand", missing));
  }

  // Which policies: the scenario's (filtered), plus the oracle for cost efficiency.
  std::vector<PolicySpec> specs;
  for (const PolicySpec& p : scenario.policies) {
    if (options.only_policies.empty() ||
        std::find(options.only_policies.begin(), options.only_policies.end(), p.label) !=
            options.only_policies.end()) {
      specs.push_back(p);
    }
  }
  for (const std::string& wanted : options.only_policies) {
    if (wanted == "oracle") continue;  // always simulated, for cost efficiency
    if (std::none_of(scenario.policies.begin(), scenario.policies.end(),
                     [&](const PolicySpec& p) { return p.label == wanted; })) {
      return Fail(ErrorCode::kInvalidArgument,
                  scenario.path + ": --policies: no policy named '" + wanted + "' in the scenario");
    }
  }
  if (std::none_of(specs.begin(), specs.end(), [](const PolicySpec& p) { return p.label == "oracle"; })) {
    specs.push_back({.label = "oracle", .policy = YAML::Node("oracle")});
  }

  // Demand each resource sees (for the oracle), and a dry build of every policy so that a bad
  // policy fails before hours of simulation.
  std::vector<Series> demand_at;
  double factor = 1;
  for (const auto& r : service.resources) {
    factor *= r.demand_per_request;
    Series d = load;
    for (double& v : d.values) v *= factor;
    demand_at.push_back(std::move(d));
  }
  // What a live controller would find in its metrics store when the test window starts.
  Series past{.start = load.start, .step = load.step};
  past.values.assign(load.values.begin(),
                     load.values.begin() + static_cast<ptrdiff_t>((from - load.start) / load.step));
  auto build = [&](const PolicySpec& spec, uint64_t seed, bool live)
      -> Result<std::vector<std::unique_ptr<policy::Policy>>> {
    std::vector<std::unique_ptr<policy::Policy>> out;
    for (size_t r = 0; r < service.resources.size(); ++r) {
      policy::PolicyContext context = sim::ContextFor(service.resources[r], &demand_at[r], seed + r);
      context.events = &scenario.events;
      if (live && !past.empty()) context.past_demand = &past;
      if (!live && options.past_demand && !options.past_demand->empty()) {
        context.past_demand = options.past_demand;
      }
      auto p = policy::LoadPolicy(spec.policy, scenario.path, context);
      if (!p) return std::unexpected(p.error().WithContext("policy '" + spec.label + "'"));
      out.push_back(std::move(*p));
    }
    return out;
  };
  for (const PolicySpec& spec : specs) {
    if (auto ok = build(spec, results.seed, false); !ok) return std::unexpected(ok.error());
  }

  // Simulate every (policy, repetition).
  results.policies.resize(specs.size());
  std::vector<std::vector<ScalingSummary>> summaries(specs.size(),
                                                     std::vector<ScalingSummary>(scenario.repetitions));
  std::vector<std::vector<std::map<std::string, double>>> metrics(
      specs.size(), std::vector<std::map<std::string, double>>(scenario.repetitions));
  std::vector<Job> jobs;
  for (size_t rep = 0; rep < scenario.repetitions; ++rep) {
    for (size_t p = 0; p < specs.size(); ++p) jobs.push_back({p, rep});
  }
  Series window_load{.start = from, .step = load.step};
  window_load.values.assign(
      load.values.begin() + static_cast<ptrdiff_t>((from - load.start) / load.step),
      load.values.begin() + static_cast<ptrdiff_t>(std::min<int64_t>(
                                (to - load.start) / load.step, static_cast<int64_t>(load.size()))));
  const Duration lead = sim::StartupDelayP95(service.resources[0]);
  std::atomic<size_t> next{0}, done{0};
  std::mutex mutex;
  std::optional<Error> failure;
  auto worker = [&] {
    for (size_t j = next++; j < jobs.size(); j = next++) {
      const Job job = jobs[j];
      const uint64_t seed = results.seed + job.repetition;
      const bool live = options.live && specs[job.policy].label != "oracle";
      auto policies = build(specs[job.policy], seed, live);
      Result<sim::Timeline> timeline =
          !policies ? Result<sim::Timeline>(std::unexpected(policies.error()))
          : live    ? options.live(specs[job.policy].label, *(*policies)[0], window_load)
                    : sim::Simulate(load, service, *policies, {.step = scenario.step, .seed = seed});
      std::lock_guard<std::mutex> lock(mutex);
      if (!timeline) {
        if (!failure) failure = timeline.error();
        continue;
      }
      if (options.on_timeline) {
        if (auto ok = options.on_timeline(specs[job.policy].label, job.repetition, *timeline);
            !ok) {
          if (!failure) failure = ok.error();
          continue;
        }
      }
      ScalingSummary s = Summarise(*timeline, {.from = from, .to = to});
      const auto index = [&](TimePoint t) {
        return static_cast<size_t>(std::clamp<int64_t>((t - timeline->start) / timeline->step, 0,
                                                       static_cast<int64_t>(timeline->size())));
      };
      metrics[job.policy][job.repetition] = RunMetrics(s, *timeline, index(from), index(to), lead);
      if (!timeline->resources.empty() && timeline->resources[0].policy == "oracle") {
        // The oracle's "expected load" is the future itself: no forecast to score.
        metrics[job.policy][job.repetition]["forecast_mape"] = kNaN;
      }
      summaries[job.policy][job.repetition] = std::move(s);
      PolicyResult& pr = results.policies[job.policy];
      if (job.repetition == 0) {
        pr.timeline = std::move(*timeline);
        for (const std::string& note : pr.timeline.notes) {
          if (std::find(results.notes.begin(), results.notes.end(), note) == results.notes.end()) {
            results.notes.push_back(note);
          }
        }
      }
      const size_t finished = ++done;
      if (options.progress) {
        options.progress(static_cast<double>(finished) / static_cast<double>(jobs.size()),
                         specs[job.policy].label);
      }
    }
  };
  // Live runs own the machine (real processes, real load): one at a time.
  const unsigned threads = options.live ? 1
                           : options.threads ? options.threads
                                             : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::min<size_t>(threads, jobs.size()); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) return std::unexpected(*failure);

  // Cost efficiency against the oracle of the same repetition.
  size_t oracle = 0;
  for (size_t p = 0; p < specs.size(); ++p) {
    if (specs[p].label == "oracle") oracle = p;
  }
  for (size_t p = 0; p < specs.size(); ++p) {
    PolicyResult& pr = results.policies[p];
    pr.name = specs[p].label;
    pr.kind = pr.timeline.resources.empty() ? "" : pr.timeline.resources[0].policy;
    pr.source = specs[p].policy.IsScalar() ? specs[p].policy.Scalar() : "inline";
    pr.runs = summaries[p];
    for (size_t rep = 0; rep < scenario.repetitions; ++rep) {
      const double cost = metrics[p][rep]["cost"];
      metrics[p][rep]["cost_efficiency"] = cost > 0 ? metrics[oracle][rep]["cost"] / cost : kNaN;
    }
    for (const std::string& name : MetricNames()) {
      std::vector<double> values;
      for (size_t rep = 0; rep < scenario.repetitions; ++rep) values.push_back(metrics[p][rep][name]);
      pr.metrics[name] = EstimateOf(values);
    }
  }

  // Assertions.
  const MetricTable table = MetricsByPolicy(results.policies);
  for (const Assertion& assertion : scenario.assertions) {
    // A policy of the scenario that --policies left out is not unknown: it was not run.
    const auto not_run = std::find_if(
        assertion.references().begin(), assertion.references().end(), [&](const MetricRef& ref) {
          return !table.contains(ref.policy) &&
                 std::any_of(scenario.policies.begin(), scenario.policies.end(),
                             [&](const PolicySpec& p) { return p.label == ref.policy; });
        });
    if (not_run != assertion.references().end()) {
      results.assertions.push_back({.expression = assertion.text(),
                                    .passed = false,
                                    .message = "policy \"" + not_run->policy +
                                               "\" was not run (--policies): \"" +
                                               assertion.text() + "\" cannot be checked"});
      continue;
    }
    auto r = Evaluate(assertion, table);
    if (r) {
      results.assertions.push_back(std::move(*r));
    } else {
      results.assertions.push_back(
          {.expression = assertion.text(), .passed = false, .message = r.error().message()});
    }
  }
  results.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return results;
}

}  // namespace forescale::testkit
