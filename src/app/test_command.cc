#include "app/test_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "app/load_series.h"
#include "app/progress.h"
#include "app/simulate_command.h"
#include "app/timeline_csv.h"
#include "control/live.h"
#include "core/clock.h"
#include "generate/model_file.h"
#include "generate/profile.h"
#include "testkit/junit.h"
#include "testkit/report_html.h"
#include "testkit/results_json.h"
#include "testkit/runner.h"
#include "testkit/summary.h"

namespace forescale::app {
namespace {

Result<Series> ResolveLoad(const testkit::Scenario& s) {
  const testkit::LoadSource& src = s.load;
  if (src.kind == testkit::LoadSource::Kind::kModel) {
    auto model = generate::ReadModelFile(src.path);
    if (!model) return std::unexpected(model.error());
    generate::ProfileOptions options{.start = src.start,
                                     .duration = src.duration,
                                     .step = src.step,
                                     .seed = src.seed.value_or(s.seed)};
    return generate::GenerateProfile(*model, {}, options);
  }
  SeriesSource source{.input = src.kind == testkit::LoadSource::Kind::kStored ? "" : src.path,
                      .column = src.column,
                      .series = src.series,
                      .db_path = src.db_path.empty() ? "forescale.db" : src.db_path,
                      .step = src.resample,
                      .aggregation = src.per_step_counts ? Aggregation::Sum() : Aggregation::Mean()};
  auto series = LoadSeries(source);
  if (!series) return std::unexpected(series.error().WithContext(s.path + ": load"));
  if (src.per_step_counts) {
    const double seconds = std::chrono::duration<double>(series->step).count();
    for (double& v : series->values) v /= seconds;
  }
  return series;
}

std::string DefaultOutDir(const std::string& name) {
  std::string safe;
  for (char c : name) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return "test-results/" + safe;
}

// Writes each run's timeline as DIR/LABEL[-REPETITION]SUFFIX.csv; the oracle is always simulated
// and never gets the suffix.
auto TimelineWriter(const std::string& dir, const std::string& suffix) {
  return [dir, suffix](const std::string& label, size_t repetition, const sim::Timeline& timeline) {
    std::string name = label;
    if (repetition > 0) name += "-" + std::to_string(repetition);
    if (label != "oracle") name += suffix;
    return WriteTimelineCsv(timeline, dir + "/" + name + ".csv");
  };
}

}  // namespace

Result<bool> TestCommand(const TestCommandOptions& options) {
  auto scenario = testkit::LoadScenario(options.scenario_path);
  if (!scenario) return std::unexpected(scenario.error());
  auto load = ResolveLoad(*scenario);
  if (!load) return std::unexpected(load.error());

  SystemClock clock;
  ProgressBar bar(clock, "simulating", 1000, ProgressBar::ShouldShow(options.quiet));
  testkit::RunOptions run{.only_policies = options.policies, .seed = options.seed};
  run.progress = [&bar](double done, const std::string&) {
    bar.Update(static_cast<uint64_t>(done * 1000));
  };
  if (!options.timelines_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.timelines_dir, ec);
    if (ec)
      return Fail(ErrorCode::kIo,
                  "--timelines: cannot create " + options.timelines_dir + ": " + ec.message());
    run.on_timeline = TimelineWriter(options.timelines_dir, options.live ? "-live" : "");
  }
  std::optional<testkit::ScenarioResults> simulated;
  if (options.live) {
    std::error_code ec;
    const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return Fail(ErrorCode::kInternal, "cannot find the forescale binary: " + ec.message());
    testkit::RunOptions sim_run{.only_policies = options.policies, .seed = options.seed};
    if (!options.timelines_dir.empty())
      sim_run.on_timeline = TimelineWriter(options.timelines_dir, "");
    auto sim_results = testkit::RunScenario(*scenario, *load, sim_run);
    if (!sim_results) return std::unexpected(sim_results.error());
    simulated = std::move(*sim_results);
    run.live = [self, &options, &scenario](const std::string& label, policy::Policy& policy,
                                           const Series& window) -> Result<sim::Timeline> {
      if (!options.quiet) {
        fmt::print(stderr, "live: {} for {} of profile time at {}x ...\n", label,
                   FormatDuration(window.end() - window.start), options.time_scale);
      }
      control::LiveOptions live{.time_scale = options.time_scale, .forescale_binary = self,
                                .seed = options.seed.value_or(scenario->seed)};
      if (!options.live_dir.empty()) live.run_dir = options.live_dir + "/" + label;
      auto timeline = control::RunLive(window, scenario->service, policy, live);
      // The runner gathers every run's notes in one list: say which run each is about.
      if (timeline) {
        for (std::string& note : timeline->notes) note = label + " (live): " + note;
      }
      return timeline;
    };
  }
  auto results = testkit::RunScenario(*scenario, std::move(*load), run);
  bar.Finish();
  if (!results) return std::unexpected(results.error());
  if (simulated) {
    // The simulator's fidelity: the same window, simulated, next to what really happened.
    results->notes.insert(results->notes.begin(),
                          fmt::format("live test at {}x: every policy but the oracle scaled real "
                                      "processes under real HTTP load", options.time_scale));
    for (const auto& live_policy : results->policies) {
      for (const auto& sim_policy : simulated->policies) {
        if (sim_policy.name != live_policy.name || live_policy.name == "oracle") continue;
        const double live_cost = live_policy.metrics.at("cost").mean;
        const double sim_cost = sim_policy.metrics.at("cost").mean;
        results->notes.push_back(fmt::format(
            "{}: live vs simulated: cost {:.2f} vs {:.2f} ({:+.0f} %), SLO-violation minutes {:.0f} vs "
            "{:.0f}, p95 latency {:.0f} ms vs {:.0f} ms",
            live_policy.name, live_cost, sim_cost, sim_cost > 0 ? 100 * (live_cost / sim_cost - 1) : 0.0,
            live_policy.metrics.at("slo_violation_minutes").mean,
            sim_policy.metrics.at("slo_violation_minutes").mean,
            1000 * live_policy.metrics.at("latency_p95").mean,
            1000 * sim_policy.metrics.at("latency_p95").mean));
      }
    }
  }

  const std::string dir = options.out_dir.empty() ? DefaultOutDir(results->name) : options.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, dir + ": cannot create: " + ec.message());
  const std::string json = dir + "/results.json", junit = dir + "/junit.xml",
                    html = dir + "/report.html";
  // The reports are written first (a CI job reads them), but a report that cannot be written
  // does not hide what the run found: the console summary follows either way.
  Result<void> written = testkit::WriteResultsJson(*results, json);
  if (written) written = testkit::WriteJunit(*results, junit);
  if (written) written = testkit::WriteReportHtml(*results, html);

  const testkit::Verdict verdict = testkit::Headline(*results);
  fmt::print("scenario   {} ({})\n", results->name, results->scenario_path);
  fmt::print("window     {} .. {} ({} repetition{}, seed {}), {:.1f} s\n",
             FormatRfc3339(results->test_from), FormatRfc3339(results->test_to),
             results->repetitions, results->repetitions == 1 ? "" : "s", results->seed,
             results->seconds);
  fmt::print("verdict    {}\n\n", verdict.text);
  fmt::print("{}\n", testkit::SummaryTable(*results));
  if (const std::string note = testkit::ResponseColumnsNote(*results); !note.empty()) {
    fmt::print("{}\n\n", note);
  }
  bool all_hold = true;
  for (const auto& a : results->assertions) {
    fmt::print("{}  {}\n", a.passed ? "PASS" : "FAIL", a.message);
    all_hold &= a.passed;
  }
  for (const auto& note : results->notes) fmt::print("note  {}\n", note);
  if (!written) return std::unexpected(written.error());
  fmt::print("\nreport     {}\nresults    {}\njunit      {}\n", html, json, junit);
  return all_hold;
}

std::function<std::optional<int>()> AddTestCommand(CLI::App& app,
                                                   std::function<int(const Error&)> report_error) {
  auto options = std::make_shared<TestCommandOptions>();
  auto policies = std::make_shared<std::string>();
  auto seed = std::make_shared<int64_t>(-1);
  CLI::App* cmd = app.add_subcommand(
      "test", "Predictive scaling test: run a scenario's policies, check its assertions, write reports");
  cmd->add_option("scenario", options->scenario_path, "Scenario YAML (see docs/scenario.md)")->required();
  cmd->add_option("--out", options->out_dir, "Directory for results.json, junit.xml, report.html");
  cmd->add_option("--policies", *policies, "Only these policies (comma-separated labels)");
  cmd->add_option("--seed", *seed, "Seed of the first repetition (default: the scenario's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", options->quiet, "No progress bar");
  cmd->add_flag("--live", options->live,
                "Run the policies for real on localhost (sample-service replicas behind nginx, "
                "real HTTP load, Prometheus) over the test window, and compare with the simulation");
  cmd->add_option("--time-scale", options->time_scale,
                  "Live: profile seconds per wall second (60: a profile hour in a minute)")
      ->check(CLI::Range(1.0, 3600.0));
  cmd->add_option("--timelines", options->timelines_dir,
                  "Write every run's per-step timeline CSV here, as DIR/LABEL.csv (live runs: "
                  "DIR/LABEL-live.csv)");
  cmd->add_option("--live-dir", options->live_dir,
                  "Live: keep each policy's run directory here, as DIR/LABEL (nginx, Prometheus "
                  "and replica logs, the decision log)");
  return [cmd, options, policies, seed, report_error]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    if (!policies->empty()) {
      size_t start = 0;
      while (start <= policies->size()) {
        const size_t comma = std::min(policies->find(',', start), policies->size());
        if (comma > start) options->policies.push_back(policies->substr(start, comma - start));
        start = comma + 1;
      }
    }
    if (*seed >= 0) options->seed = static_cast<uint64_t>(*seed);
    auto held = TestCommand(*options);
    if (!held) return report_error(held.error());
    return *held ? 0 : 1;
  };
}

}  // namespace forescale::app
