#include "app/generate_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/generate_behaviour_command.h"
#include "app/generate_export_command.h"
#include "app/generate_fidelity_command.h"
#include "core/events.h"
#include "generate/edge_cases.h"
#include "generate/model_file.h"

namespace forescale::app {
namespace {

std::string DurationCheck(const std::string& text) {
  auto d = ParseDuration(text);
  if (!d) return d.error().message();
  if (d->count() <= 0) return "must be positive";
  return "";
}

std::string TimeCheck(const std::string& text) {
  auto t = ParseTimestamp(text);
  return t ? "" : t.error().message();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<void> GenerateFitCommand(const GenerateFitOptions& options) {
  if (options.out.empty()) return Fail(ErrorCode::kInvalidArgument, "--out: give the model file to write");
  std::string label;
  auto history = LoadSeries(options.source, &label);
  if (!history) return std::unexpected(history.error());
  const auto start = std::chrono::steady_clock::now();
  auto model = generate::FitLoadModel(*history, {.values = options.values});
  if (!model) return std::unexpected(model.error().WithContext(label));
  generate::RoundForFile(*model);
  const double seconds = SecondsSince(start);
  if (auto ok = generate::WriteModelFile(*model, options.out); !ok) return ok;
  if (options.quiet) return {};
  fmt::print(stderr, "series   {} ({} points, {} missing, step {})\n", label, model->points,
             model->missing, FormatDuration(model->step));
  std::string seasons;
  for (const auto& s : model->seasons) {
    double lo = INFINITY, hi = 0;
    for (double f : s.factors) {
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    seasons += fmt::format("{}{} (strength {:.2f}, peak/trough {:.2f})", seasons.empty() ? "" : ", ",
                           FormatDuration(s.period), s.strength, lo > 0 ? hi / lo : 0.0);
  }
  fmt::print(stderr, "level    {:.4g} rps at {}, growth {:+.2f} %/week\n", model->level_rps,
             FormatRfc3339(model->history_end), 100 * model->growth_per_week);
  fmt::print(stderr, "seasons  {}\n", seasons.empty() ? "none detected" : seasons);
  fmt::print(stderr, "noise    AR({}) on log-residuals, {} innovation quantiles\n",
             model->noise.ar.size(), model->noise.innovation_quantiles.size());
  fmt::print(stderr, "bursts   {:.3g}/day, decay {}\n", model->bursts.rate_per_day,
             FormatDuration(model->bursts.decay));
  fmt::print(stderr, "wrote    {} (fit {:.3f} s)\n", options.out, seconds);
  return {};
}

Result<void> GenerateProfileCommand(const GenerateProfileCommandOptions& options) {
  auto model = generate::ReadModelFile(options.model_path);
  if (!model) return std::unexpected(model.error());
  std::vector<Event> events;
  if (!options.events_path.empty()) {
    auto loaded = LoadEvents(options.events_path);
    if (!loaded) return std::unexpected(loaded.error());
    events = std::move(*loaded);
  }
  const auto start = std::chrono::steady_clock::now();
  auto profile = generate::GenerateProfile(*model, events, options.profile);
  if (!profile) return std::unexpected(profile.error());
  const double generated = SecondsSince(start);
  if (auto ok = generate::WriteProfileCsv(*profile, options.out); !ok) return ok;
  const double total = SecondsSince(start);
  if (options.quiet) return {};
  double sum = 0, peak = 0;
  for (double v : profile->values) {
    sum += v;
    peak = std::max(peak, v);
  }
  fmt::print(stderr,
             "profile  {} points from {} every {}: mean {:.4g} rps, peak {:.4g} rps, {} events\n",
             profile->size(), FormatRfc3339(profile->start), FormatDuration(profile->step),
             sum / static_cast<double>(profile->size()), peak, events.size());
  fmt::print(stderr, "wrote    {} (generate {:.3f} s, total {:.3f} s)\n",
             options.out == "-" ? "<stdout>" : options.out, generated, total);
  return {};
}

Result<void> GenerateEdgeCasesCommand(const GenerateEdgeCasesOptions& options) {
  std::string label;
  auto history = LoadSeries(options.source, &label);
  if (!history) return std::unexpected(history.error());
  Result<generate::LoadModel> model = options.model_path.empty()
                                          ? generate::FitLoadModel(*history, {})
                                          : generate::ReadModelFile(options.model_path);
  if (!model) return std::unexpected(model.error());
  auto cases = generate::BuildEdgeCases(*history, *model, options.cases);
  if (!cases) return std::unexpected(cases.error().WithContext(label));
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, options.out_dir + ": cannot create: " + ec.message());
  nlohmann::json index = nlohmann::json::array();
  for (size_t i = 0; i < cases->size(); ++i) {
    const auto& c = (*cases)[i];
    const std::string file = fmt::format("{:02d}-{}.csv", i + 1, c.label);
    if (auto ok = generate::WriteProfileCsv(c.profile, options.out_dir + "/" + file); !ok) return ok;
    index.push_back({{"label", c.label}, {"file", file}, {"description", c.description},
                     {"score", c.score}, {"start", FormatRfc3339(c.profile.start)},
                     {"step", FormatDuration(c.profile.step)}, {"points", c.profile.size()}});
    fmt::print(stderr, "{:<22} {}  ({})\n", c.label, file, c.description);
  }
  std::ofstream out(options.out_dir + "/edge_cases.json");
  out << index.dump(2) << "\n";
  if (!out) return Fail(ErrorCode::kIo, options.out_dir + "/edge_cases.json: cannot write");
  fmt::print(stderr, "wrote    {} edge-case profiles and edge_cases.json to {}\n", cases->size(),
             options.out_dir);
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateCommands(CLI::App& app) {
  // Everything CLI11 binds to must outlive the parse: it lives in the returned callable.
  struct State {
    GenerateFitOptions fit;
    std::string fit_step, fit_offset = "+00:00", values = "count";
    GenerateProfileCommandOptions profile;
    std::string duration = "7d", step = "1s", start;
    double mean_rps = 0, peak_rps = 0, growth = 0;
    CLI::App* fit_cmd = nullptr;
    CLI::App* profile_cmd = nullptr;
    CLI::App* edge_cmd = nullptr;
    GenerateEdgeCasesOptions edge;
    std::string edge_duration = "6h", edge_step = "1s", edge_offset = "+00:00";
    CLI::Option* mean_opt = nullptr;
    CLI::Option* peak_opt = nullptr;
    CLI::Option* growth_opt = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check(DurationCheck, "DURATION");

  CLI::App* gen = app.add_subcommand(
      "generate", "Fit a load model from history and generate synthetic load profiles");
  gen->require_subcommand(1);

  s->fit_cmd = gen->add_subcommand("fit", "Fit a load model (trend, seasons, noise, bursts) to a series");
  CLI::App* fit = s->fit_cmd;
  fit->add_option("--input", s->fit.source.input,
                  "CSV timestamp,value[,...] or Prometheus export (gzip ok; - is stdin)");
  fit->add_option("--column", s->fit.source.column, "Which series of a multi-series file");
  fit->add_option("--series", s->fit.source.series, "A stored series, e.g. 'nasa:requests'");
  fit->add_option("--db", s->fit.source.db_path, "SQLite database file (with --series)");
  fit->add_option("--step", s->fit_step, "Resample to this step first (sum within a step)")
      ->check(duration_check);
  fit->add_option("--utc-offset", s->fit_offset, "Zone of timestamps written without one");
  fit->add_option("--values", s->values,
                  "count: requests per step (ingested logs); rate: already requests/s")
      ->check(CLI::IsMember({"count", "rate"}));
  fit->add_option("--out", s->fit.out, "Model file to write (YAML)")->required();
  fit->add_flag("--quiet", s->fit.quiet, "No model summary on stderr");

  s->profile_cmd = gen->add_subcommand("profile", "Generate a request-rate profile (CSV timestamp,rps)");
  CLI::App* prof = s->profile_cmd;
  auto& po = s->profile.profile;
  prof->add_option("--model", s->profile.model_path, "Model file from 'generate fit'")->required();
  prof->add_option("--events", s->profile.events_path,
                   "YAML of events: campaigns, scheduled jobs, flash crowds, outages, holidays");
  prof->add_option("--duration", s->duration, "Length of the profile, e.g. 7d")->check(duration_check);
  prof->add_option("--step", s->step, "Resolution of the profile, e.g. 1s, 1m")->check(duration_check);
  prof->add_option("--start", s->start, "First timestamp (default: where the history ended)")
      ->check(CLI::Validator(TimeCheck, "TIME"));
  prof->add_option("--seed", po.seed, "Random seed: same seed, same profile");
  s->mean_opt = prof->add_option("--mean-rps", s->mean_rps, "Scale to this mean rate (before events)")
                    ->check(CLI::PositiveNumber);
  s->peak_opt = prof->add_option("--peak-rps", s->peak_rps, "Scale to this peak rate (before events)")
                    ->check(CLI::PositiveNumber)
                    ->excludes(s->mean_opt);
  s->growth_opt = prof->add_option("--growth-per-week", s->growth,
                                   "Growth per week, e.g. 0.05 (default: the model's)");
  prof->add_option("--seasonality", po.seasonality, "Seasonal amplitude multiplier (0: flat)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--noise", po.noise, "Noise amplitude multiplier (0: none)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--burstiness", po.burstiness, "Burst rate multiplier (0: no bursts)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--burst-height", po.burst_height, "Burst height multiplier (log scale)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--out", s->profile.out, "CSV file to write (- is stdout)");
  prof->add_flag("--quiet", s->profile.quiet, "No summary on stderr");

  s->edge_cmd = gen->add_subcommand(
      "edge-cases", "Profiles that break autoscalers: the history's most anomalous hours "
                    "(isolation forest), its steepest plausible ramp and largest plausible spike");
  CLI::App* edge = s->edge_cmd;
  edge->add_option("--input", s->edge.source.input, "History: CSV or Prometheus export");
  edge->add_option("--column", s->edge.source.column, "Which series of a multi-series file");
  edge->add_option("--series", s->edge.source.series, "A stored series, e.g. 'nasa:requests'");
  edge->add_option("--db", s->edge.source.db_path, "SQLite database file (with --series)");
  edge->add_option("--utc-offset", s->edge_offset, "Zone of timestamps written without one");
  edge->add_option("--model", s->edge.model_path, "Load model for the baselines (default: fitted)");
  edge->add_option("--out", s->edge.out_dir, "Directory for the profiles and edge_cases.json")
      ->required();
  edge->add_option("--episodes", s->edge.cases.episodes, "Anomalous real episodes to keep");
  edge->add_option("--return-period", s->edge.cases.return_period_days,
                   "Plausible = once in this many days (at least 10x the history)");
  edge->add_option("--duration", s->edge_duration, "Length of the synthetic cases")->check(duration_check);
  edge->add_option("--step", s->edge_step, "Step of the synthetic cases")->check(duration_check);
  edge->add_option("--seed", s->edge.cases.seed, "Random seed");

  // Subcommands that live in files of their own.
  const auto run_export = AddGenerateExportCommand(*gen);
  const auto run_fidelity = AddGenerateFidelityCommand(*gen);
  const auto run_behaviour = AddGenerateBehaviourCommands(*gen);

  return [s, run_export, run_fidelity, run_behaviour]() -> std::optional<Result<void>> {
    if (auto exported = run_export()) return exported;
    if (auto compared = run_fidelity()) return compared;
    if (auto sessions = run_behaviour()) return sessions;
    if (s->edge_cmd->parsed()) {
      auto off = ParseRfc3339("1970-01-01T00:00:00" + s->edge_offset);
      if (!off) return Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + s->edge_offset + "'");
      s->edge.source.default_offset = -off->time_since_epoch();
      s->edge.cases.baseline_duration = *ParseDuration(s->edge_duration);
      s->edge.cases.step = *ParseDuration(s->edge_step);
      return GenerateEdgeCasesCommand(s->edge);
    }
    if (s->fit_cmd->parsed()) {
      if (!s->fit_step.empty()) {
        s->fit.source.step = *ParseDuration(s->fit_step);
        s->fit.source.aggregation = Aggregation::Sum();
      }
      auto off = ParseRfc3339("1970-01-01T00:00:00" + s->fit_offset);
      if (!off) return Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + s->fit_offset + "'");
      s->fit.source.default_offset = -off->time_since_epoch();
      s->fit.values = s->values == "rate" ? generate::ValueKind::kRatePerSecond
                                          : generate::ValueKind::kCountPerStep;
      return GenerateFitCommand(s->fit);
    }
    if (s->profile_cmd->parsed()) {
      auto& p = s->profile.profile;
      p.duration = *ParseDuration(s->duration);
      p.step = *ParseDuration(s->step);
      if (!s->start.empty()) p.start = *ParseTimestamp(s->start);
      if (s->mean_opt->count() > 0) p.mean_rps = s->mean_rps;
      if (s->peak_opt->count() > 0) p.peak_rps = s->peak_rps;
      if (s->growth_opt->count() > 0) p.growth_per_week = s->growth;
      return GenerateProfileCommand(s->profile);
    }
    return std::nullopt;
  };
}

}  // namespace forescale::app
