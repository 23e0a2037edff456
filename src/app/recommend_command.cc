#include "app/recommend_command.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/workload_hints.h"
#include "core/output_file.h"
#include "recommend/recommend.h"
#include "sim/service_model.h"
#include "testkit/report_html.h"
#include "testkit/results_json.h"
#include "testkit/runner.h"
#include "testkit/summary.h"

namespace forescale::app {
namespace {

namespace fs = std::filesystem;

std::string KnobValue(const recommend::Knob& k, double v) {
  const std::string number = std::fabs(v - std::round(v)) < 1e-9 ? fmt::format("{:.0f}", v) : fmt::format("{:g}", v);
  if (k.unit.empty()) return number;
  if (k.unit == "replicas") return number;
  return number + " " + k.unit;
}

std::string OutcomeRow(const std::string& label, const recommend::Outcome& o) {
  return fmt::format("{:<13} {:>17.0f}  {:>8.2f}  {:>11.0f} s  {:>9.2f}", label, o.slo_violation_minutes, o.cost,
                     o.response_p95_s, o.objective);
}

nlohmann::json OutcomeJson(const recommend::Outcome& o) {
  nlohmann::json loads = nlohmann::json::array();
  for (const auto& l : o.loads) {
    loads.push_back({{"load", l.load},
                     {"slo_violation_minutes", l.slo_violation_minutes},
                     {"cost", l.cost},
                     {"response_time_p95_seconds", l.response_p95_s},
                     {"utilisation", l.utilisation}});
  }
  return {{"slo_violation_minutes", o.slo_violation_minutes},
          {"cost", o.cost},
          {"response_time_p95_seconds", o.response_p95_s},
          {"objective", o.objective},
          {"loads", loads}};
}

}  // namespace

Result<void> RecommendCommand(const RecommendCommandOptions& options) {
  auto history = LoadSeries(options.history);
  if (!history) return std::unexpected(history.error());
  if (options.per_step_counts) {
    const double seconds = std::chrono::duration<double>(history->step).count();
    for (double& v : history->values) v /= seconds;
  }
  if (options.peak_rps > 0) {
    double peak = 0;
    for (double v : history->values) {
      if (std::isfinite(v)) peak = std::max(peak, v);
    }
    if (!(peak > 0)) return Fail(ErrorCode::kInvalidArgument, "--peak-rps: the history has no traffic to rescale");
    for (double& v : history->values) v *= options.peak_rps / peak;
  }
  auto service = sim::LoadServiceModel(options.service_path);
  if (!service) return std::unexpected(service.error());
  auto hints = ApplyWorkloadHints(options.policy_path, service->resources[0]);
  if (!hints) return std::unexpected(hints.error());
  for (const std::string& note : *hints) fmt::print(stderr, "note: {}\n", note);
  if (!options.slo_p95.empty()) {
    auto slo = ParseDuration(options.slo_p95);
    if (!slo || slo->count() <= 0) return Fail(ErrorCode::kInvalidArgument, "--slo: expected a duration such as 500ms");
    service->slo_p95_latency = *slo;
  }
  recommend::RecommendOptions ro{.policy_path = options.policy_path,
                                 .violation_cost = options.violation_cost,
                                 .growth_per_week = options.growth_per_week,
                                 .campaign_peak = options.campaign_peak,
                                 .budget = options.budget,
                                 .grid_levels = options.grid,
                                 .seed = options.seed};
  if (!options.last.empty()) {
    auto last = ParseDuration(options.last);
    if (!last || last->count() <= 0) return Fail(ErrorCode::kInvalidArgument, "--last: expected a duration such as 14d");
    ro.last = *last;
  }
  auto warm = ParseDuration(options.warm_up);
  if (!warm || warm->count() < 0) return Fail(ErrorCode::kInvalidArgument, "--warm-up: expected a duration such as 1d");
  ro.warmup = *warm;

  // A --last longer than the history used all of it without a word (found by probing).
  if (ro.last && *ro.last + ro.warmup > history->end() - history->start) {
    fmt::print(stderr,
               "forescale: note: --last {} and a warm-up of {} are more than the history's {}: all "
               "of it is used\n",
               FormatDuration(*ro.last), FormatDuration(ro.warmup),
               FormatDuration(history->end() - history->start));
  }
  auto rec = recommend::Recommend(*history, *service, ro);
  if (!rec) return std::unexpected(rec.error());
  // (The warnings of the policy file are printed once, when the report's run reads it again.)

  // Outputs: the recommended file in the user's format, recommendation.json, the report.
  const std::string dir = options.out_dir.empty()
                              ? "recommend-results/" + fs::path(options.policy_path).stem().string()
                              : options.out_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, dir + ": cannot create: " + ec.message());
  const std::string recommended_path =
      dir + "/" + fs::path(options.policy_path).stem().string() + ".recommended" + rec->config.Extension();
  if (auto ok = WriteOutputFile(recommended_path, rec->config.Render(rec->recommended_values)); !ok)
    return ok;

  const auto& knobs = rec->config.knobs();
  nlohmann::json j;
  j["policy"] = options.policy_path;
  j["format"] = rec->config.format();
  j["loads"] = rec->loads;
  j["scored_from"] = FormatRfc3339(rec->score_from);
  j["violation_cost_per_minute"] = rec->violation_cost;
  j["warnings"] = rec->warnings;
  j["simulations"] = rec->simulations;
  j["seconds"] = rec->seconds;
  for (size_t i = 0; i < knobs.size(); ++i) {
    j["knobs"].push_back({{"name", knobs[i].name},
                          {"field", knobs[i].field},
                          {"unit", knobs[i].unit},
                          {"range", {knobs[i].lo, knobs[i].hi}},
                          {"step", knobs[i].step},
                          {"current", rec->current_values[i]},
                          {"recommended", rec->recommended_values[i]}});
  }
  j["current"] = OutcomeJson(rec->current);
  j["recommended"] = OutcomeJson(rec->recommended);
  j["predictive"] = OutcomeJson(rec->predictive);
  for (size_t k = 0; k < rec->search.evaluations.size(); ++k) {
    nlohmann::json values = nlohmann::json::array();
    for (size_t i = 0; i < knobs.size(); ++i) values.push_back(knobs[i].ValueAt(rec->search.evaluations[k].point[i]));
    j["search"].push_back({{"values", values},
                           {"phase", rec->search.evaluations[k].phase},
                           {"objective", rec->search.evaluations[k].value}});
  }
  j["recommended_file"] = recommended_path;
  const std::string json_path = dir + "/recommendation.json";
  if (auto ok = WriteOutputFile(json_path, j.dump(2) + "\n"); !ok) return ok;

  // The usual report, on the history: current, recommended, predictive (and the oracle).
  testkit::Scenario scenario;
  scenario.path = options.policy_path;
  scenario.name = "recommend " + fs::path(options.policy_path).filename().string();
  scenario.description = fmt::format(
      "{} ({}) replayed on the history as it is; recommended by recommend after {} simulations "
      "over the history, its growth and a campaign.",
      options.policy_path, rec->config.format(), rec->simulations);
  scenario.service = *service;
  scenario.test_from = rec->score_from;
  scenario.seed = options.seed;
  scenario.policies = {{"current", rec->config.Document(rec->current_values)},
                       {"recommended", rec->config.Document(rec->recommended_values)},
                       {"predictive", YAML::Node("predictive")}};
  // The search's replay exactly: the same past demand before the history (found by probing:
  // the predictive row read 17 SLO minutes on stdout and 19 in results.json, started cold).
  auto results = testkit::RunScenario(scenario, rec->history, {.past_demand = &rec->past});
  if (!results) return std::unexpected(results.error());
  const std::string html = dir + "/report.html", results_json = dir + "/results.json";
  if (auto ok = testkit::WriteResultsJson(*results, results_json); !ok) return ok;
  if (auto ok = testkit::WriteReportHtml(*results, html); !ok) return ok;

  fmt::print("policy     {} ({})\n", options.policy_path, rec->config.format());
  fmt::print("history    {} .. {}, scored from {}; loads: {}\n", FormatRfc3339(rec->history.start),
             FormatRfc3339(rec->history.end()), FormatRfc3339(rec->score_from), fmt::join(rec->loads, ", "));
  fmt::print("search     {} simulations ({} over {} knobs), {:.1f} s\n", rec->simulations,
             options.grid > 1 ? fmt::format("a grid of {} levels", options.grid) : "Bayesian optimisation",
             knobs.size(), rec->seconds);
  fmt::print("objective  cost + {:.2f} per SLO-violation minute, summed over the loads\n\n", rec->violation_cost);
  fmt::print("{:<42} {:>12}  {:>12}\n", "knob", "current", "recommended");
  for (size_t i = 0; i < knobs.size(); ++i) {
    fmt::print("{:<42} {:>12}  {:>12}\n", knobs[i].name, KnobValue(knobs[i], rec->current_values[i]),
               KnobValue(knobs[i], rec->recommended_values[i]));
  }
  fmt::print("\n{:<13} {:>17}  {:>8}  {:>13}  {:>9}\n", "setting", "SLO-violation min", "cost", "response p95",
             "objective");
  fmt::print("{}\n{}\n{}\n", OutcomeRow("current", rec->current), OutcomeRow("recommended", rec->recommended),
             OutcomeRow("predictive", rec->predictive));
  fmt::print("\nper load   {:<22} {:>22}  {:>22}  {:>22}\n", "", "current", "recommended", "predictive");
  for (size_t l = 0; l < rec->loads.size(); ++l) {
    auto cell = [&](const recommend::Outcome& o) {
      return fmt::format("{:.0f} min, {:.2f}", o.loads[l].slo_violation_minutes, o.loads[l].cost);
    };
    fmt::print("           {:<22} {:>22}  {:>22}  {:>22}\n", rec->loads[l], cell(rec->current),
               cell(rec->recommended), cell(rec->predictive));
  }
  const bool same = rec->recommended_values == rec->current_values;
  fmt::print("\n{}\n", same ? "verdict    no setting found that beats the current one; it is written back unchanged"
                            : fmt::format("verdict    the recommended setting scores {:.0f} % of the current "
                                          "objective ({:+.0f} SLO-violation minutes, {:+.0f} % cost)",
                                          100 * rec->recommended.objective / rec->current.objective,
                                          rec->recommended.slo_violation_minutes - rec->current.slo_violation_minutes,
                                          rec->current.cost > 0 ? 100 * (rec->recommended.cost / rec->current.cost - 1) : 0.0));
  fmt::print("\nrecommended {}\nsearch      {}\nreport      {}\nresults     {}\n", recommended_path, json_path, html,
             results_json);
  return {};
}

std::function<std::optional<Result<void>>()> AddRecommendCommand(CLI::App& app) {
  auto options = std::make_shared<RecommendCommandOptions>();
  auto values = std::make_shared<std::string>("rps");
  CLI::App* cmd = app.add_subcommand(
      "recommend", "Replay your autoscaler's configuration on a history and recommend better settings");
  cmd->add_option("--history", options->history.input, "Request-rate history: CSV or any series file");
  cmd->add_option("--series", options->history.series, "A stored series instead of --history");
  cmd->add_option("--db", options->history.db_path, "Store for --series");
  cmd->add_option("--column", options->history.column, "Which column of a multi-series CSV");
  cmd->add_option("--values", *values, "rps (requests/s) or count (requests per step)")
      ->check(CLI::IsMember({"rps", "count"}));
  cmd->add_option("--peak-rps", options->peak_rps, "Rescale the history so that its busiest step is this many requests/s")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--service", options->service_path, "Service model YAML (see examples/service.yaml)")->required();
  cmd->add_option("--policy", options->policy_path,
                  "Your policy: an HPA manifest (with its Deployment), a KEDA ScaledObject, AWS "
                  "Auto Scaling JSON, or a forescale policy file")
      ->required();
  cmd->add_option("--slo", options->slo_p95, "p95 latency SLO (default: the service model's)");
  cmd->add_option("--last", options->last, "Score only the last part of the history (e.g. 14d)");
  cmd->add_option("--warm-up", options->warm_up, "Simulated before the scored part, not scored");
  cmd->add_option("--violation-cost", options->violation_cost,
                  "What one SLO-violation minute costs (default: an hour of peak capacity)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--growth", options->growth_per_week, "Growth per week of the growth load (0.1 = 10 %)");
  cmd->add_option("--campaign", options->campaign_peak, "Peak multiplier of the campaign load");
  cmd->add_option("--budget", options->budget, "Simulations the search may spend")->check(CLI::Range(2, 10000));
  cmd->add_option("--grid", options->grid,
                  "Instead of the search, simulate a full grid of N levels per knob (the baseline "
                  "bench/recommend measures the search against)")
      ->check(CLI::Range(2, 20));
  cmd->add_option("--seed", options->seed, "Random seed");
  cmd->add_option("--out", options->out_dir, "Output directory");
  return [cmd, options, values]() -> std::optional<Result<void>> {
    if (!cmd->parsed()) return std::nullopt;
    if (options->history.input.empty() == options->history.series.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "recommend: give exactly one of --history FILE or --series NAME");
    }
    // Found by probing: --growth nan made a load that scored 0 SLO minutes at a fifth of the
    // cost and steered the recommendation; --growth -2 and --campaign 0 ran too.
    if (!std::isfinite(options->growth_per_week) || options->growth_per_week <= -1) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--growth: a finite growth per week above -1 (0.1 = 10 %), not " +
                      fmt::format("{}", options->growth_per_week));
    }
    if (!std::isfinite(options->campaign_peak) || options->campaign_peak <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--campaign: a positive, finite peak multiplier (3 = three times the load), "
                  "not " +
                      fmt::format("{}", options->campaign_peak));
    }
    options->per_step_counts = *values == "count";
    options->history.aggregation = options->per_step_counts ? Aggregation::Sum() : Aggregation::Mean();
    return RecommendCommand(*options);
  };
}

}  // namespace forescale::app
